/* sim/scenario/scenario_fields.c — what every section of the loader uses: paths, problems, typed fields with
 * their units, "did you mean" suggestions, and the index of names by kind. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_internal.h"
#include "units.h"

/* ---- paths and problems -----------------------------------------------------------------------
 */

/* Paths longer than SC_PATH are cut: deep enough for any real scenario, and still recognisable. */
void sc_path_key(char *buf, const char *parent, const char *key)
{
    int n = parent && *parent ? snprintf(buf, SC_PATH, "%s.%s", parent, key)
                              : snprintf(buf, SC_PATH, "%s", key);
    (void)(n >= SC_PATH);
}

void sc_path_index(char *buf, const char *parent, size_t i)
{
    if (snprintf(buf, SC_PATH, "%s[%zu]", parent, i) >= SC_PATH)
        buf[SC_PATH - 1] = '\0';
}

void sc_error(sc_ctx *c, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    drs_diags_vadd(c->diags, DRS_SEV_ERROR, 0, path, fmt, ap);
    va_end(ap);
}

void sc_warn(sc_ctx *c, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    drs_diags_vadd(c->diags, DRS_SEV_WARNING, 0, path, fmt, ap);
    va_end(ap);
}

/* A printable, bounded copy of a string for messages. */
static void sc_echo(const char *s, char *buf, size_t n)
{
    size_t j = 0, max = n - 4, len = strlen(s);
    for (size_t i = 0; i < len && j < max; i++) {
        unsigned char ch = (unsigned char)s[i];
        buf[j++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    if (len > max) {
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j] = '\0';
}

const char *sc_describe(const json_t *v, char *buf, size_t n)
{
    char s[48];
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        snprintf(buf, n, "an object");
        break;
    case JSON_ARRAY:
        snprintf(buf, n, "an array");
        break;
    case JSON_STRING:
        sc_echo(json_string_value(v), s, sizeof s);
        snprintf(buf, n, "\"%s\"", s);
        break;
    case JSON_INTEGER:
        snprintf(buf, n, "the number %" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL: {
        /* Keep the decimal point of 8084.0 visible: "expected a whole number, got 8084" would
         * puzzle. */
        double x = json_real_value(v);
        snprintf(buf, n,
                 fabs(x) < 1e15 && x == (double)(long long)x ? "the number %.1f" : "the number %g",
                 x);
        break;
    }
    case JSON_TRUE:
        snprintf(buf, n, "true");
        break;
    case JSON_FALSE:
        snprintf(buf, n, "false");
        break;
    default:
        snprintf(buf, n, "null");
        break;
    }
    return buf;
}

/* Edit distance without regard to case, on short words: insertions, deletions, substitutions and
 * swaps of two neighbours ("fro" is one step from "for"), the common typing mistakes. */
static size_t sc_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    size_t rows[3][64], *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        int ca = tolower((unsigned char)a[i - 1]);
        for (size_t j = 1; j <= lb; j++) {
            int cb = tolower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + (ca != cb);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

const char *sc_suggest(const char *word, const char *const *candidates, size_t n)
{
    size_t len = strlen(word);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        size_t d = sc_distance(word, candidates[i]);
        if (d < best_d && d < len) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best;
}

/* ---- objects and fields -----------------------------------------------------------------------
 */

bool sc_expect_object(sc_ctx *c, const json_t *v, const char *path)
{
    if (json_is_object(v))
        return true;
    char got[80];
    sc_error(c, path, "expected an object, got %s", sc_describe(v, got, sizeof got));
    return false;
}

bool sc_has(const json_t *obj, const char *key)
{
    return json_is_object(obj) && json_object_get(obj, key) != NULL;
}

void sc_check_keys(sc_ctx *c, const json_t *obj, const char *path, const char *const *allowed)
{
    size_t n = 0;
    while (allowed[n])
        n++;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool ok = false;
        for (size_t i = 0; i < n && !ok; i++)
            ok = !strcmp(key, allowed[i]);
        if (ok)
            continue;
        char p[SC_PATH], k[48];
        sc_echo(key, k, sizeof k);
        sc_path_key(p, path, k);
        const char *s = sc_suggest(key, allowed, n);
        if (s) {
            sc_error(c, p, "unknown key '%s' (did you mean '%s'?)", k, s);
        } else {
            char list[200] = "";
            for (size_t i = 0; i < n; i++) {
                size_t used = strlen(list);
                snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", allowed[i]);
            }
            sc_error(c, p, "unknown key '%s'; expected one of: %s", k, list);
        }
    }
}

/* The value at key, or NULL; reports a missing required key. */
static const json_t *sc_field(sc_ctx *c, const json_t *obj, const char *path, const char *key,
                              sc_need need, char *fpath)
{
    sc_path_key(fpath, path, key);
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!v && need == SC_REQUIRED)
        sc_error(c, fpath, "missing required key '%s'", key);
    return v;
}

static bool sc_type_error(sc_ctx *c, const char *path, const char *what, const json_t *v)
{
    char got[80];
    sc_error(c, path, "expected %s, got %s", what, sc_describe(v, got, sizeof got));
    return false;
}

bool sc_get_str(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                char **out)
{
    char p[SC_PATH];
    const json_t *v = sc_field(c, obj, path, key, need, p);
    if (!v)
        return false;
    if (!json_is_string(v))
        return sc_type_error(c, p, "a string", v);
    free(*out);
    *out = drs_xstrdup(json_string_value(v));
    return true;
}

bool sc_get_name(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                 char **out)
{
    char p[SC_PATH];
    const json_t *v = sc_field(c, obj, path, key, need, p);
    if (!v)
        return false;
    if (!json_is_string(v) || !*json_string_value(v))
        return sc_type_error(c, p, "a non-empty name", v);
    free(*out);
    *out = drs_xstrdup(json_string_value(v));
    return true;
}

bool sc_value_duration(sc_ctx *c, const json_t *v, const char *path, int64_t *out)
{
    if (json_is_integer(v) && json_integer_value(v) == 0) {
        *out = 0;
        return true;
    }
    if (!json_is_string(v)) {
        char got[80];
        sc_error(c, path, "expected a duration such as \"5m\" or \"1d12h\", got %s%s",
                 sc_describe(v, got, sizeof got),
                 json_is_number(v) ? " (durations are strings with a unit)" : "");
        return false;
    }
    drs_error e = {0};
    if (!units_parse_duration(json_string_value(v), out, &e)) {
        sc_error(c, path, "%s", e.message);
        return false;
    }
    return true;
}

bool sc_get_duration(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                     int64_t *out)
{
    char p[SC_PATH];
    const json_t *v = sc_field(c, obj, path, key, need, p);
    return v && sc_value_duration(c, v, p, out);
}

bool sc_value_size(sc_ctx *c, const json_t *v, const char *path, uint64_t *out)
{
    drs_error e = {0};
    bool ok;
    if (json_is_string(v)) {
        ok = units_parse_size(json_string_value(v), out, &e);
    } else if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        ok = i >= 0;
        if (ok)
            *out = (uint64_t)i;
        else
            drs_fail(&e, DRS_EINPUT, "",
                     "expected a size such as \"100GiB\", got %" JSON_INTEGER_FORMAT
                     " (sizes cannot be negative)",
                     i);
    } else if (json_is_real(v)) {
        ok = units_size_from_number(json_real_value(v), out, &e);
    } else {
        return sc_type_error(c, path, "a size such as \"100GiB\"", v);
    }
    if (!ok)
        sc_error(c, path, "%s", e.message);
    return ok;
}

bool sc_get_size(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                 uint64_t *out)
{
    char p[SC_PATH];
    const json_t *v = sc_field(c, obj, path, key, need, p);
    return v && sc_value_size(c, v, p, out);
}

bool sc_get_rate(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                 double *out)
{
    char p[SC_PATH];
    const json_t *v = sc_field(c, obj, path, key, need, p);
    if (!v)
        return false;
    if (json_is_integer(v) && json_integer_value(v) == 0) {
        *out = 0;
        return true;
    }
    if (!json_is_string(v)) {
        char got[80];
        sc_error(c, p, "expected a rate such as \"100Mbps\" or \"2MB/s\", got %s%s",
                 sc_describe(v, got, sizeof got),
                 json_is_number(v) ? " (rates are strings with a unit: bits or bytes per second)"
                                   : "");
        return false;
    }
    drs_error e = {0};
    if (!units_parse_rate(json_string_value(v), out, &e)) {
        sc_error(c, p, "%s", e.message);
        return false;
    }
    return true;
}

bool sc_get_fraction(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                     double *out)
{
    char p[SC_PATH];
    const json_t *v = sc_field(c, obj, path, key, need, p);
    if (!v)
        return false;
    if (!json_is_number(v))
        return sc_type_error(c, p, "a fraction between 0 and 1 (a number)", v);
    drs_error e = {0};
    if (!units_check_fraction(json_number_value(v), out, &e)) {
        sc_error(c, p, "%s", e.message);
        return false;
    }
    return true;
}

bool sc_get_number(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                   double lo, double hi, double *out)
{
    char p[SC_PATH];
    const json_t *v = sc_field(c, obj, path, key, need, p);
    if (!v)
        return false;
    if (!json_is_number(v))
        return sc_type_error(c, p, "a number", v);
    double x = json_number_value(v);
    if (!isfinite(x) || x < lo || x > hi) {
        sc_error(c, p, "expected a number from %g to %g, got %g", lo, hi, x);
        return false;
    }
    *out = x;
    return true;
}

bool sc_get_bool(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                 bool *out)
{
    char p[SC_PATH];
    const json_t *v = sc_field(c, obj, path, key, need, p);
    if (!v)
        return false;
    if (!json_is_boolean(v))
        return sc_type_error(c, p, "true or false", v);
    *out = json_is_true(v);
    return true;
}

bool sc_get_int(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                long long lo, long long hi, long long *out)
{
    char p[SC_PATH];
    const json_t *v = sc_field(c, obj, path, key, need, p);
    if (!v)
        return false;
    if (!json_is_integer(v))
        return sc_type_error(c, p, "a whole number", v);
    long long x = json_integer_value(v);
    if (x < lo || x > hi) {
        sc_error(c, p, "expected a whole number from %lld to %lld, got %lld", lo, hi, x);
        return false;
    }
    *out = x;
    return true;
}

bool sc_get_enum(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                 const char *const *names, int *out)
{
    char p[SC_PATH];
    const json_t *v = sc_field(c, obj, path, key, need, p);
    if (!v)
        return false;
    size_t n = 0;
    while (names[n])
        n++;
    char list[160] = "";
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s\"%s\"", i ? ", " : "", names[i]);
    }
    if (!json_is_string(v)) {
        char what[200];
        snprintf(what, sizeof what, "one of %s", list);
        return sc_type_error(c, p, what, v);
    }
    const char *s = json_string_value(v);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(s, names[i])) {
            *out = (int)i;
            return true;
        }
    }
    char got[48];
    sc_echo(s, got, sizeof got);
    const char *near = sc_suggest(s, names, n);
    if (near)
        sc_error(c, p, "expected one of %s, got \"%s\" (did you mean \"%s\"?)", list, got, near);
    else
        sc_error(c, p, "expected one of %s, got \"%s\"", list, got);
    return false;
}

const json_t *sc_get_array(sc_ctx *c, const json_t *obj, const char *path, const char *key,
                           sc_need need)
{
    char p[SC_PATH];
    const json_t *v = sc_field(c, obj, path, key, need, p);
    if (!v)
        return NULL;
    if (!json_is_array(v)) {
        sc_type_error(c, p, "an array", v);
        return NULL;
    }
    return v;
}

bool sc_get_str_array(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                      char ***out, size_t *count)
{
    const json_t *a = sc_get_array(c, obj, path, key, need);
    if (!a)
        return false;
    char p[SC_PATH], ip[SC_PATH];
    sc_path_key(p, path, key);
    size_t n = json_array_size(a);
    *out = drs_xcalloc(n, sizeof **out);
    *count = n;
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(a, i);
        sc_path_index(ip, p, i);
        if (!json_is_string(v) || !*json_string_value(v))
            ok = sc_type_error(c, ip, "a non-empty string", v);
        else
            (*out)[i] = drs_xstrdup(json_string_value(v));
    }
    return ok;
}

/* ---- names ------------------------------------------------------------------------------------
 */

static const char *const sc_kind_names[SC_KIND_COUNT] = {
    "site",        "VMM server", "cloud",    "host", "network",       "storage classification",
    "file server", "link",       "workload", "VM",   "recovery plan",
};

const char *sc_kind_name(sc_kind k)
{
    return sc_kind_names[k];
}

static size_t sc_hash(sc_kind kind, const char *s)
{
    uint64_t h = 1469598103934665603u ^ (uint64_t)kind;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

static void sc_table_put(sc_ctx *c, size_t idx)
{
    size_t mask = c->table_cap - 1;
    size_t i = sc_hash(c->names[idx].kind, c->names[idx].name) & mask;
    while (c->table[i])
        i = (i + 1) & mask;
    c->table[i] = idx + 1;
}

const sc_name *sc_name_find(const sc_ctx *c, sc_kind kind, const char *name)
{
    if (!name || !c->table_cap)
        return NULL;
    size_t mask = c->table_cap - 1;
    for (size_t i = sc_hash(kind, name) & mask; c->table[i]; i = (i + 1) & mask) {
        const sc_name *e = &c->names[c->table[i] - 1];
        if (e->kind == kind && !strcmp(e->name, name))
            return e;
    }
    return NULL;
}

void sc_name_add(sc_ctx *c, sc_kind kind, const char *name, int a, int b, const char *path)
{
    if (!name)
        return;
    const sc_name *old = sc_name_find(c, kind, name);
    if (old) {
        char n[48];
        sc_echo(name, n, sizeof n);
        sc_error(c, path, "duplicate %s name '%s' (first defined at %s)", sc_kind_name(kind), n,
                 old->path);
        return;
    }
    DRS_GROW(c->names, c->name_cap, c->name_count + 1);
    sc_name *e = &c->names[c->name_count++];
    e->kind = kind;
    e->name = name;
    e->a = a;
    e->b = b;
    snprintf(e->path, sizeof e->path, "%s", path);
    if (c->name_count * 2 > c->table_cap) { /* keep the load at most one half; rebuild on growth */
        free(c->table);
        c->table_cap = c->table_cap ? c->table_cap * 2 : 128;
        while (c->name_count * 2 > c->table_cap)
            c->table_cap *= 2;
        c->table = drs_xcalloc(c->table_cap, sizeof *c->table);
        for (size_t i = 0; i < c->name_count; i++)
            sc_table_put(c, i);
    } else {
        sc_table_put(c, c->name_count - 1);
    }
}

void sc_name_broken(sc_ctx *c, sc_kind kind)
{
    c->broken[kind] = true;
}

const sc_name *sc_resolve(sc_ctx *c, sc_kind kind, const char *name, const char *path)
{
    if (!name)
        return NULL;
    const sc_name *e = sc_name_find(c, kind, name);
    if (e || c->broken[kind])
        return e;
    /* Suggest among the names of this kind: only on the error path, so a linear pass is fine. */
    const char *best = NULL;
    size_t best_d = (strlen(name) / 3 > 2 ? strlen(name) / 3 : 2) + 1;
    for (size_t i = 0; i < c->name_count; i++) {
        if (c->names[i].kind != kind)
            continue;
        size_t d = sc_distance(name, c->names[i].name);
        if (d < best_d) {
            best_d = d;
            best = c->names[i].name;
        }
    }
    char n[48];
    sc_echo(name, n, sizeof n);
    if (best)
        sc_error(c, path, "no %s named '%s' (did you mean '%s'?)", sc_kind_name(kind), n, best);
    else
        sc_error(c, path, "no %s named '%s'", sc_kind_name(kind), n);
    return NULL;
}

const sc_name *sc_get_ref(sc_ctx *c, const json_t *obj, const char *path, const char *key,
                          sc_need need, sc_kind kind)
{
    char *s = NULL;
    const sc_name *e = NULL;
    if (sc_get_name(c, obj, path, key, need, &s)) {
        char p[SC_PATH];
        sc_path_key(p, path, key);
        e = sc_resolve(c, kind, s, p);
    }
    free(s);
    return e;
}
