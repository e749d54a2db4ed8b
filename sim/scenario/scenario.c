/* sim/scenario/scenario.c — the scenario loader: reading the file, the top level, freeing, printing
 * problems.
 *
 * The helpers every section uses are in scenario_fields.c; the sections live in scenario_world.c
 * (sites, links, workloads, VMs), scenario_recovery.c (the Site Recovery configuration),
 * scenario_timeline.c and scenario_expect.c. */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_internal.h"
#include "units.h"

/* ---- the top level ----------------------------------------------------------------------------
 */

static const char *const sc_top_keys[] = {
    "drsim",    "name",        "description", "seed",  "duration",  "sample_interval",
    "fidelity", "extent_size", "sites",       "links", "workloads", "vms",
    "recovery", "timeline",    "expect",      NULL,
};

static void sc_load_top(sc_ctx *c, const json_t *root)
{
    drs_scenario *sc = c->sc;
    sc_check_keys(c, root, "", sc_top_keys);

    long long version = 0;
    if (sc_get_int(c, root, "", "drsim", SC_REQUIRED, 1, 1, &version))
        sc->version = (int)version;

    if (!sc_get_name(c, root, "", "name", SC_OPTIONAL, &sc->name)) {
        /* Default: the file name without folder and extension. */
        const char *base = strrchr(c->file, '/');
        base = base ? base + 1 : c->file;
        sc->name = drs_xstrdup(base);
        char *dot = strrchr(sc->name, '.');
        if (dot && dot != sc->name)
            *dot = '\0';
    }
    sc_get_str(c, root, "", "description", SC_OPTIONAL, &sc->description);

    long long seed = 1;
    sc_get_int(c, root, "", "seed", SC_OPTIONAL, 0, INT64_MAX, &seed);
    sc->seed = (uint64_t)seed;

    if (sc_get_duration(c, root, "", "duration", SC_REQUIRED, &sc->duration_ns) &&
        sc->duration_ns <= 0)
        sc_error(c, "duration", "the run must last longer than 0");
    sc->sample_interval_ns = 60 * DRS_NS_PER_S;
    if (sc_get_duration(c, root, "", "sample_interval", SC_OPTIONAL, &sc->sample_interval_ns)) {
        if (sc->sample_interval_ns <= 0)
            sc_error(c, "sample_interval", "expected a duration longer than 0");
        else if (sc->sample_interval_ns < SIM_SCENARIO_MIN_SAMPLE_INTERVAL_NS)
            sc_error(c, "sample_interval",
                     "expected a sample interval of at least 1s, got \"%s\" (samples only feed "
                     "the charts: statistics are exact whatever the interval)",
                     json_is_string(json_object_get(root, "sample_interval"))
                         ? json_string_value(json_object_get(root, "sample_interval"))
                         : "?");
    }
    if (sc->duration_ns > 0 && sc->sample_interval_ns >= SIM_SCENARIO_MIN_SAMPLE_INTERVAL_NS &&
        sc->duration_ns / sc->sample_interval_ns > SIM_SCENARIO_MAX_SAMPLES) {
        /* The smallest whole number of seconds that keeps the series within the limit. */
        int64_t per = SIM_SCENARIO_MAX_SAMPLES * DRS_NS_PER_S;
        int64_t min_s = (sc->duration_ns + per - 1) / per;
        sc_error(c, "sample_interval",
                 "one sample every %llds over the run's %lld days makes %lld samples per series, "
                 "more than the %lld a series may hold: use a sample_interval of at least %llds",
                 (long long)(sc->sample_interval_ns / DRS_NS_PER_S),
                 (long long)(sc->duration_ns / (86400 * DRS_NS_PER_S)),
                 (long long)(sc->duration_ns / sc->sample_interval_ns),
                 (long long)SIM_SCENARIO_MAX_SAMPLES, (long long)min_s);
    }

    static const char *const fidelities[] = {"extent", "fluid", NULL};
    int f = DRS_FIDELITY_EXTENT;
    sc_get_enum(c, root, "", "fidelity", SC_OPTIONAL, fidelities, &f);
    sc->fidelity = (drs_fidelity)f;

    sc->extent_bytes = UINT64_C(1) << 20;
    uint64_t ext = 0;
    if (sc_get_size(c, root, "", "extent_size", SC_OPTIONAL, &ext)) {
        if (ext < 4096 || ext > (UINT64_C(1) << 30) || ext % 4096 != 0)
            sc_error(c, "extent_size",
                     "expected a multiple of 4KiB from 4KiB to 1GiB, got %llu bytes",
                     (unsigned long long)ext);
        else
            sc->extent_bytes = ext;
    }
}

/* The links' sample series together, once the links are known (see
 * SIM_SCENARIO_MAX_LINK_SAMPLES). Not reported when the samples of one series are over their own
 * limit already. */
static void sc_check_link_samples(sc_ctx *c)
{
    const drs_scenario *sc = c->sc;
    if (sc->duration_ns <= 0 || sc->sample_interval_ns < SIM_SCENARIO_MIN_SAMPLE_INTERVAL_NS ||
        sc->link_count == 0)
        return;
    int64_t per_series = sc->duration_ns / sc->sample_interval_ns;
    int64_t links = (int64_t)sc->link_count;
    if (per_series > SIM_SCENARIO_MAX_SAMPLES ||
        per_series <= SIM_SCENARIO_MAX_LINK_SAMPLES / links)
        return;
    /* the smallest whole number of seconds that keeps links x samples within the limit */
    int64_t per_link = SIM_SCENARIO_MAX_LINK_SAMPLES / links;
    int64_t per = per_link * DRS_NS_PER_S;
    int64_t min_s = (sc->duration_ns + per - 1) / per;
    sc_error(c, "sample_interval",
             "%lld links sampled every %llds over the run's %lld days make %lld link samples, "
             "more than the %lld a run may hold: use a sample_interval of at least %llds",
             (long long)links, (long long)(sc->sample_interval_ns / DRS_NS_PER_S),
             (long long)(sc->duration_ns / (86400 * DRS_NS_PER_S)), (long long)(per_series * links),
             (long long)SIM_SCENARIO_MAX_LINK_SAMPLES, (long long)min_s);
}

static char *sc_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return drs_xstrdup("");
    size_t n = (size_t)(slash - path) + 1;
    char *d = drs_xcalloc(n + 1, 1);
    memcpy(d, path, n);
    return d;
}

static drs_scenario *sc_load_json(const char *text, size_t len, const char *file, const char *dir,
                                  drs_diags *diags)
{
    size_t errors_before = drs_diags_errors(diags);
    sc_ctx ctx = {.diags = diags, .file = file};
    sc_ctx *c = &ctx;

    size_t k = 0;
    while (k < len && isspace((unsigned char)text[k]))
        k++;
    if (k == len) {
        sc_error(c, "",
                 "%s: the file is empty; a scenario is a JSON object such as {\"drsim\": 1, ...}",
                 file);
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        sc_error(c, "", "%s:%d:%d: malformed JSON: %s", file, jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        char got[80];
        sc_error(c, "", "%s: a scenario is a JSON object such as {\"drsim\": 1, ...}, got %s", file,
                 sc_describe(root, got, sizeof got));
        json_decref(root);
        return NULL;
    }

    drs_scenario *sc = drs_xcalloc(1, sizeof *sc);
    c->sc = sc;
    c->dir = drs_xstrdup(dir ? dir : "");
    sc->source_path = drs_xstrdup(file);

    sc_load_top(c, root);
    sc_load_sites(c, root);
    sc_load_links(c, root);
    sc_check_link_samples(c);
    sc_load_workloads(c, root);
    sc_load_vms(c, root);
    sc_load_recovery(c, root);
    sc_load_timeline(c, root);
    sc_load_expect(c, root);

    json_decref(root);
    free(c->names);
    free(c->table);
    free(c->dir);
    if (drs_diags_errors(diags) > errors_before) {
        drs_scenario_free(sc);
        return NULL;
    }
    return sc;
}

drs_scenario *sim_scenario_load_string(const char *json_text, const char *name, const char *dir,
                                       drs_diags *diags)
{
    return sc_load_json(json_text, strlen(json_text), name ? name : "<string>", dir, diags);
}

char *sim_scenario_read(FILE *f, const char *name, size_t *len_out, drs_diags *diags)
{
    /* Chunks of at most 64 KiB, and no more than the limit plus one byte: a file that is not a
     * scenario at all (a device such as /dev/zero, a disk image) is refused as soon as it is
     * known to be too long, not read to its end. */
    size_t cap = 1 << 16, len = 0, limit = (size_t)SIM_SCENARIO_MAX_FILE_BYTES;
    char *buf = drs_xmalloc(cap + 1);
    size_t got;
    while (len <= limit &&
           (got = fread(buf + len, 1, cap - len < 65536 ? cap - len : 65536, f)) > 0) {
        len += got;
        if (len == cap && len <= limit) {
            cap = cap * 2 < limit + 1 ? cap * 2 : limit + 1;
            buf = drs_xrealloc(buf, cap + 1, 1); /* + 1: the closing NUL */
        }
    }
    if (ferror(f)) {
        free(buf);
        drs_diags_add(diags, DRS_SEV_ERROR, 0, "", "cannot read '%s': %s", name, strerror(errno));
        return NULL;
    }
    if (len > limit) {
        free(buf);
        drs_diags_add(diags, DRS_SEV_ERROR, 0, "",
                      "%s: the file is longer than %llu MiB, the largest scenario drsim reads (is "
                      "it a scenario?)",
                      name, (unsigned long long)(SIM_SCENARIO_MAX_FILE_BYTES >> 20));
        return NULL;
    }
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

drs_scenario *sim_scenario_load(const char *path, drs_diags *diags)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        drs_diags_add(diags, DRS_SEV_ERROR, 0, "", "cannot read '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t len = 0;
    char *buf = sim_scenario_read(f, path, &len, diags);
    fclose(f);
    if (!buf)
        return NULL;
    char *dir = sc_dirname(path);
    drs_scenario *sc = sc_load_json(buf, len, path, dir, diags);
    free(dir);
    free(buf);
    return sc;
}

/* ---- freeing ----------------------------------------------------------------------------------
 */

static void sc_free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n && v; i++)
        free(v[i]);
    free(v);
}

static void sc_free_site(drs_site *s)
{
    free(s->name);
    free(s->vmm.name);
    for (size_t i = 0; i < s->vmm.node_count; i++) {
        free(s->vmm.nodes[i].name);
        free(s->vmm.nodes[i].provider_version);
    }
    free(s->vmm.nodes);
    sc_free_strs(s->clouds, s->cloud_count);
    for (size_t i = 0; i < s->host_count; i++) {
        free(s->hosts[i].name);
        free(s->hosts[i].ports_in_use);
    }
    free(s->hosts);
    for (size_t i = 0; i < s->network_count; i++) {
        free(s->networks[i].name);
        sc_free_strs(s->networks[i].subnets, s->networks[i].subnet_count);
    }
    free(s->networks);
    for (size_t i = 0; i < s->storage_count; i++)
        free(s->storage[i].classification);
    free(s->storage);
    sc_free_strs(s->file_servers, s->file_server_count);
}

static void sc_free_actions(drs_plan_action *a, size_t n)
{
    for (size_t i = 0; i < n && a; i++)
        free(a[i].text);
    free(a);
}

static void sc_free_recovery(drs_recovery *r)
{
    free(r->vault_name);
    free(r->vault_region);
    free(r->registrations);
    for (size_t i = 0; i < r->cloud_pair_count; i++) {
        free(r->cloud_pairs[i].settings.initial_replication.export_location);
        free(r->cloud_pairs[i].settings.initial_replication.import_location);
    }
    free(r->cloud_pairs);
    free(r->network_mappings);
    free(r->storage_mappings);
    free(r->protect);
    for (size_t i = 0; i < r->plan_count; i++) {
        drs_recovery_plan *p = &r->plans[i];
        free(p->name);
        for (size_t g = 0; g < p->group_count; g++) {
            free(p->groups[g].vms);
            sc_free_actions(p->groups[g].before, p->groups[g].before_count);
            sc_free_actions(p->groups[g].after, p->groups[g].after_count);
        }
        free(p->groups);
    }
    free(r->plans);
}

void drs_scenario_free(drs_scenario *sc)
{
    if (!sc)
        return;
    free(sc->name);
    free(sc->description);
    for (size_t i = 0; i < sc->site_count; i++)
        sc_free_site(&sc->sites[i]);
    free(sc->sites);
    for (size_t i = 0; i < sc->link_count; i++)
        free(sc->links[i].name);
    free(sc->links);
    for (size_t i = 0; i < sc->workload_count; i++) {
        free(sc->workloads[i].name);
        free(sc->workloads[i].file);
        free(sc->workloads[i].resolved_file);
        free(sc->workloads[i].format);
    }
    free(sc->workloads);
    for (size_t i = 0; i < sc->vm_count; i++) {
        drs_vm *vm = &sc->vms[i];
        free(vm->name);
        free(vm->networks);
        for (size_t d = 0; d < vm->disk_count; d++) {
            free(vm->disks[d].name);
            free(vm->disks[d].storage);
        }
        free(vm->disks);
        free(vm->existing_replica.host);
    }
    free(sc->vms);
    sc_free_recovery(&sc->recovery);
    free(sc->timeline);
    for (size_t i = 0; i < sc->expect_count; i++) {
        free(sc->expect[i].name);
        free(sc->expect[i].target);
        free(sc->expect[i].state);
    }
    free(sc->expect);
    free(sc->source_path);
    free(sc);
}

/* ---- printing ---------------------------------------------------------------------------------
 */

/* Names in messages come from the file: keep control characters out so each problem is one line. */
static void sc_put_clean(FILE *out, const char *s)
{
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

void sim_diags_print(FILE *out, const drs_diags *diags)
{
    for (size_t i = 0; i < diags->count; i++) {
        const drs_diag *d = &diags->items[i];
        fputs(d->severity == DRS_SEV_ERROR ? "error: " : "warning: ", out);
        if (d->err.path[0]) {
            sc_put_clean(out, d->err.path);
            fputs(": ", out);
        }
        sc_put_clean(out, d->err.message);
        if (d->rule)
            fprintf(out, " (rule %d)", d->rule);
        fputc('\n', out);
    }
}
