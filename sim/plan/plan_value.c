/* sim/plan/plan_value.c — the values `drsim plan` varies: reading PATH=LOW..HIGH and PATH=A,B,C, telling
 * rates, durations, sizes and numbers apart, writing a value back into the scenario's JSON at its
 * path, and showing it to people. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/shared/alloc.h"
#include "reports/format.h"
#include "plan_internal.h"
#include "sim/scenario/units.h"

static const char *const kind_names[] = {"a rate", "a duration", "a size", "a whole number",
                                         "a number"};

bool plan_kind_is_string(plan_kind k)
{
    return k == PLAN_RATE || k == PLAN_DURATION || k == PLAN_SIZE;
}

/* A plain number as JSON writes it: optional minus, digits, optional decimals. */
static bool plain_number(const char *s, bool *integer)
{
    const char *p = s + (*s == '-');
    if (!isdigit((unsigned char)*p))
        return false;
    while (isdigit((unsigned char)*p))
        p++;
    *integer = true;
    if (*p == '.') {
        *integer = false;
        p++;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return *p == '\0';
}

static bool value_parse(const char *s, plan_kind *kind, double *v)
{
    bool integer;
    int64_t ns;
    uint64_t bytes;
    double Bps;
    if (plain_number(s, &integer)) {
        *kind = integer ? PLAN_INTEGER : PLAN_NUMBER;
        *v = strtod(s, NULL);
        return true;
    }
    if (units_parse_duration(s, &ns, NULL)) {
        *kind = PLAN_DURATION;
        *v = (double)ns;
        return true;
    }
    if (units_parse_rate(s, &Bps, NULL)) {
        *kind = PLAN_RATE;
        *v = Bps;
        return true;
    }
    if (units_parse_size(s, &bytes, NULL)) {
        *kind = PLAN_SIZE;
        *v = (double)bytes;
        return true;
    }
    return false;
}

/* A path is names and [index]es: links[0].bandwidth, recovery.cloud_pairs[0].settings.port. */
static bool path_syntax_ok(const char *p)
{
    bool want_name = true;
    while (*p) {
        if (want_name) {
            if (!isalpha((unsigned char)*p) && *p != '_')
                return false;
            while (isalnum((unsigned char)*p) || *p == '_')
                p++;
            want_name = false;
        } else if (*p == '.') {
            p++;
            want_name = true;
        } else if (*p == '[') {
            p++;
            if (!isdigit((unsigned char)*p))
                return false;
            while (isdigit((unsigned char)*p))
                p++;
            if (*p++ != ']')
                return false;
        } else
            return false;
    }
    return !want_name;
}

bool plan_dim_parse(const char *spec, bool range, plan_dim *d, drs_error *err)
{
    memset(d, 0, sizeof *d);
    snprintf(d->option, sizeof d->option, "%s", range ? "--vary" : "--grid");
    const char *eq = strchr(spec, '=');
    size_t plen = eq ? (size_t)(eq - spec) : strlen(spec);
    if (plen >= sizeof d->path)
        return drs_fail(err, DRS_EINPUT, "", "%s: the path is too long", d->option);
    memcpy(d->path, spec, plen);
    d->path[plen] = '\0';
    if (!path_syntax_ok(d->path))
        return drs_fail(err, DRS_EINPUT, d->path,
                        "%s: \"%s\" is not a JSON path such as links[0].bandwidth", d->option,
                        d->path);
    if (!eq || !eq[1])
        return drs_fail(err, DRS_EINPUT, d->path, "%s %s: expected %s=%s", d->option, d->path,
                        d->path, range ? "LOW..HIGH" : "A,B,C");
    const char *vals = eq + 1;
    if (range && !strstr(vals, ".."))
        return drs_fail(err, DRS_EINPUT, d->path, "%s %s: expected a range LOW..HIGH, got \"%s\"",
                        d->option, d->path, vals);

    /* Split into texts: at ".." for a range, at commas for a grid. */
    size_t cap = 2;
    for (const char *q = vals; *q; q++)
        cap += *q == ',';
    d->values = drs_xcalloc(cap, sizeof *d->values);
    d->texts = drs_xcalloc(cap, sizeof *d->texts);
    const char *q = vals;
    while (q) {
        const char *sep = range ? strstr(q, "..") : strchr(q, ',');
        size_t len = sep ? (size_t)(sep - q) : strlen(q);
        if (range && d->count == 2)
            return drs_fail(err, DRS_EINPUT, d->path,
                            "%s %s: expected one range LOW..HIGH, got \"%s\"", d->option, d->path,
                            vals);
        if (len == 0 || len >= sizeof d->texts[0])
            return drs_fail(err, DRS_EINPUT, d->path, "%s %s: %s value in \"%s\"", d->option,
                            d->path, len ? "a too long" : "an empty", vals);
        memcpy(d->texts[d->count], q, len);
        d->texts[d->count][len] = '\0';
        plan_kind k;
        if (!value_parse(d->texts[d->count], &k, &d->values[d->count]))
            return drs_fail(err, DRS_EINPUT, d->path,
                            "%s %s: \"%s\" is not a rate (50Mbps), a duration (5m), a size "
                            "(100GiB) or a number",
                            d->option, d->path, d->texts[d->count]);
        if (d->count == 0) {
            d->kind = k;
            d->bytes_per_s = k == PLAN_RATE && strstr(d->texts[0], "B/s") != NULL;
        } else if (k != d->kind) {
            bool numbers = (k == PLAN_INTEGER || k == PLAN_NUMBER) &&
                           (d->kind == PLAN_INTEGER || d->kind == PLAN_NUMBER);
            if (!numbers)
                return drs_fail(err, DRS_EINPUT, d->path,
                                "%s %s: \"%s\" is %s but \"%s\" is %s; give every value in the "
                                "same kind of unit",
                                d->option, d->path, d->texts[0], kind_names[d->kind],
                                d->texts[d->count], kind_names[k]);
            d->kind = PLAN_NUMBER;
        }
        d->count++;
        q = sep ? sep + (range ? 2 : 1) : NULL;
    }
    if (range && d->count != 2)
        return drs_fail(err, DRS_EINPUT, d->path, "%s %s: expected a range LOW..HIGH, got \"%s\"",
                        d->option, d->path, vals);
    if (range && !(d->values[0] < d->values[1]))
        return drs_fail(err, DRS_EINPUT, d->path, "%s %s: LOW (%s) must be below HIGH (%s)",
                        d->option, d->path, d->texts[0], d->texts[1]);
    return true;
}

void plan_dim_free(plan_dim *d)
{
    free(d->values);
    free(d->texts);
    d->values = NULL;
    d->texts = NULL;
    d->count = 0;
}

void plan_value_text(plan_kind k, double v, char *buf, size_t n, double *number)
{
    switch (k) {
    case PLAN_RATE:
        v = fmax(0, round(v));
        snprintf(buf, n, "%.0fB/s", v);
        break;
    case PLAN_DURATION: {
        /* Whole milliseconds from a second up: finer than any precision asked, and readable. */
        int64_t ns = llround(fmax(0, v));
        if (ns >= INT64_C(1000000000))
            ns = (ns + 500000) / 1000000 * 1000000;
        if (ns % 1000000 == 0)
            snprintf(buf, n, "%" PRId64 "ms", ns / 1000000);
        else
            snprintf(buf, n, "%" PRId64 "ns", ns);
        v = (double)ns;
        break;
    }
    case PLAN_SIZE:
        v = fmax(0, round(v));
        snprintf(buf, n, "%.0fB", v);
        break;
    case PLAN_INTEGER:
        v = round(v);
        snprintf(buf, n, "%.0f", v);
        break;
    case PLAN_NUMBER:
        snprintf(buf, n, "%.6g", v);
        v = strtod(buf, NULL);
        break;
    }
    if (number)
        *number = v;
}

void plan_value_show(const plan_dim *d, double v, char *buf, size_t n)
{
    static const char *const rate_unit[] = {"bps", "Kbps", "Mbps", "Gbps", "Tbps"};
    static const char *const byte_rate_unit[] = {"B/s", "kB/s", "MB/s", "GB/s", "TB/s"};
    plan_kind k = d->kind;
    static const char *const size_unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    switch (k) {
    case PLAN_RATE: {
        double r = d->bytes_per_s ? v : v * 8;
        while (r >= 1000 && u < 4) {
            r /= 1000;
            u++;
        }
        snprintf(buf, n, "%.4g %s", r, d->bytes_per_s ? byte_rate_unit[u] : rate_unit[u]);
        break;
    }
    case PLAN_DURATION:
        report_format_duration(llround(v), buf, n);
        break;
    case PLAN_SIZE:
        while (v >= 1024 && u < 5) {
            v /= 1024;
            u++;
        }
        snprintf(buf, n, "%.4g %s", v, size_unit[u]);
        break;
    case PLAN_INTEGER:
        snprintf(buf, n, "%.0f", v);
        break;
    case PLAN_NUMBER:
        snprintf(buf, n, "%.6g", v);
        break;
    }
}

/* Walks the path; *parent, the last key or index and whether it is an index. */
typedef struct path_step {
    json_t *parent;
    char key[64];
    size_t index;
    bool is_index;
} path_step;

static bool path_walk(json_t *root, const char *path, path_step *st, drs_error *err)
{
    json_t *cur = root;
    char done[128] = "";
    const char *p = path;
    while (*p) {
        bool idx = *p == '[';
        char key[64] = "";
        size_t index = 0;
        if (idx) {
            index = (size_t)strtoul(p + 1, (char **)&p, 10);
            p++; /* ']' */
        } else {
            if (*p == '.')
                p++;
            size_t len = strcspn(p, ".[");
            if (len >= sizeof key)
                return drs_fail(err, DRS_EINPUT, path, "a key is too long");
            memcpy(key, p, len);
            key[len] = '\0';
            p += len;
        }
        bool last = *p == '\0';
        if (idx && !json_is_array(cur))
            return drs_fail(err, DRS_EINPUT, path, "%s is not a list",
                            done[0] ? done : "the scenario");
        if (!idx && !json_is_object(cur))
            return drs_fail(err, DRS_EINPUT, path, "%s is not an object",
                            done[0] ? done : "the scenario");
        if (idx && index >= json_array_size(cur))
            return drs_fail(err, DRS_EINPUT, path, "%s has %zu element%s, no [%zu]",
                            done[0] ? done : "the scenario", json_array_size(cur),
                            json_array_size(cur) == 1 ? "" : "s", index);
        if (last) {
            *st = (path_step){.parent = cur, .index = index, .is_index = idx};
            snprintf(st->key, sizeof st->key, "%s", key);
            return true;
        }
        json_t *next = idx ? json_array_get(cur, index) : json_object_get(cur, key);
        size_t dl = strlen(done);
        if (idx)
            snprintf(done + dl, sizeof done - dl, "[%zu]", index);
        else
            snprintf(done + dl, sizeof done - dl, "%s%s", dl ? "." : "", key);
        if (!next)
            return drs_fail(err, DRS_EINPUT, path, "the scenario has no %s", done);
        cur = next;
    }
    return drs_fail(err, DRS_EINPUT, path, "an empty path");
}

bool plan_json_set(json_t *root, const char *path, plan_kind kind, const char *text, drs_error *err)
{
    path_step st;
    if (!path_walk(root, path, &st, err))
        return false;
    json_t *v = plan_kind_is_string(kind) ? json_string(text)
                : kind == PLAN_INTEGER    ? json_integer((json_int_t)strtoll(text, NULL, 10))
                                          : json_real(strtod(text, NULL));
    int rc = st.is_index ? json_array_set_new(st.parent, st.index, v)
                         : json_object_set_new(st.parent, st.key, v);
    if (rc != 0)
        return drs_fail(err, DRS_EINTERNAL, path, "could not set the value");
    return true;
}

bool plan_json_get(const json_t *root, const char *path, char *buf, size_t n)
{
    path_step st;
    if (!path_walk((json_t *)root, path, &st, NULL))
        return false;
    json_t *v =
        st.is_index ? json_array_get(st.parent, st.index) : json_object_get(st.parent, st.key);
    if (json_is_string(v))
        snprintf(buf, n, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, n, "%.17g", json_real_value(v));
    else
        return false;
    return true;
}

/* Whether the last key of a path (len characters at last) is name. */
static bool key_is(const char *last, size_t len, const char *name)
{
    return strlen(name) == len && !strncmp(last, name, len);
}

int plan_path_direction(const char *path)
{
    const char *last = path;
    for (const char *p = path; *p; p++)
        if (*p == '.')
            last = p + 1;
    static const char *const better[] = {"bandwidth", "replication_cap"};
    static const char *const worse[] = {"copy_frequency", "latency",    "loss",
                                        "write_rate",     "base_rate",  "peak_rate",
                                        "burst_rate",     "write_size", "used"};
    size_t len = strcspn(last, "[");
    /* A site's storage writing or reading faster helps; a workload writing faster hurts. */
    if (!strncmp(path, "sites[", 6) &&
        (key_is(last, len, "write_rate") || key_is(last, len, "read_rate")))
        return 1;
    for (size_t i = 0; i < sizeof better / sizeof better[0]; i++)
        if (key_is(last, len, better[i]))
            return 1;
    for (size_t i = 0; i < sizeof worse / sizeof worse[0]; i++)
        if (key_is(last, len, worse[i]))
            return -1;
    return 0;
}
