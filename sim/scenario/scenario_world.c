/* sim/scenario/scenario_world.c — the modelled world of a scenario: sites, links, workloads and VMs. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenario.h"
#include "scenario_internal.h"

#define SC_DAY_NS (INT64_C(86400) * DRS_NS_PER_S)

/* Resolves a name that must belong to a given site; reports it when it is elsewhere or unknown.
 * Returns the index within the site, or -1. */
static int sc_resolve_at_site(sc_ctx *c, sc_kind kind, const char *name, int site, const char *path,
                              const char *whose)
{
    const sc_name *e = sc_resolve(c, kind, name, path);
    if (!e)
        return -1;
    if (site >= 0 && e->a != site) {
        sc_error(c, path, "%s '%s' is at site '%s', not at %s site '%s'", sc_kind_name(kind), name,
                 c->sc->sites[e->a].name ? c->sc->sites[e->a].name : "?", whose,
                 c->sc->sites[site].name ? c->sc->sites[site].name : "?");
        return -1;
    }
    return e->b;
}

/* "10.1.0.0/16": four octets and a prefix length. */
static bool sc_cidr_ok(const char *s)
{
    unsigned a, b, c2, d, len;
    char tail;
    if (sscanf(s, "%u.%u.%u.%u/%u%c", &a, &b, &c2, &d, &len, &tail) != 5)
        return false;
    return a < 256 && b < 256 && c2 < 256 && d < 256 && len <= 32;
}

/* ---- sites ------------------------------------------------------------------------------------
 */

static const char *const sc_site_keys[] = {"name",     "vmm",     "kerberos",     "clouds", "hosts",
                                           "networks", "storage", "file_servers", NULL};
static const char *const sc_vmm_keys[] = {"name", "nodes", "internet", NULL};
static const char *const sc_node_keys[] = {"name", "provider_version", NULL};
static const char *const sc_host_keys[] = {
    "name", "os", "cloud", "storage", "ports_in_use", "max_active_transfers", NULL};
static const char *const sc_network_keys[] = {"name", "subnets", NULL};
static const char *const sc_storage_keys[] = {"classification", "capacity", "read_rate",
                                              "write_rate", NULL};

static void sc_load_vmm(sc_ctx *c, drs_site *s, int si, const json_t *site, const char *sp)
{
    char p[SC_PATH], q[SC_PATH], r[SC_PATH];
    sc_path_key(p, sp, "vmm");
    const json_t *v = json_object_get(site, "vmm");
    if (!v) {
        sc_error(c, p, "missing required key 'vmm'");
        sc_name_broken(c, SC_VMM);
        return;
    }
    if (!sc_expect_object(c, v, p)) {
        sc_name_broken(c, SC_VMM);
        return;
    }
    sc_check_keys(c, v, p, sc_vmm_keys);
    if (sc_get_name(c, v, p, "name", SC_REQUIRED, &s->vmm.name)) {
        sc_path_key(q, p, "name");
        sc_name_add(c, SC_VMM, s->vmm.name, si, -1, q);
    } else {
        sc_name_broken(c, SC_VMM);
    }
    s->vmm.internet = true;
    sc_get_bool(c, v, p, "internet", SC_OPTIONAL, &s->vmm.internet);
    const json_t *nodes = sc_get_array(c, v, p, "nodes", SC_OPTIONAL);
    if (!nodes)
        return;
    sc_path_key(q, p, "nodes");
    s->vmm.node_count = json_array_size(nodes);
    s->vmm.nodes = drs_xcalloc(s->vmm.node_count, sizeof *s->vmm.nodes);
    for (size_t i = 0; i < s->vmm.node_count; i++) {
        const json_t *n = json_array_get(nodes, i);
        sc_path_index(r, q, i);
        if (!sc_expect_object(c, n, r))
            continue;
        sc_check_keys(c, n, r, sc_node_keys);
        sc_get_name(c, n, r, "name", SC_REQUIRED, &s->vmm.nodes[i].name);
        sc_get_name(c, n, r, "provider_version", SC_REQUIRED, &s->vmm.nodes[i].provider_version);
    }
}

static void sc_load_storage(sc_ctx *c, drs_site *s, int si, const json_t *site, const char *sp)
{
    const json_t *a = sc_get_array(c, site, sp, "storage", SC_OPTIONAL);
    if (!a) {
        if (sc_has(site, "storage"))
            sc_name_broken(c, SC_CLASSIFICATION);
        return;
    }
    char p[SC_PATH], q[SC_PATH], r[SC_PATH];
    sc_path_key(p, sp, "storage");
    s->storage_count = json_array_size(a);
    s->storage = drs_xcalloc(s->storage_count, sizeof *s->storage);
    for (size_t i = 0; i < s->storage_count; i++) {
        const json_t *v = json_array_get(a, i);
        drs_storage *st = &s->storage[i];
        sc_path_index(q, p, i);
        if (!sc_expect_object(c, v, q) ||
            !sc_get_name(c, v, q, "classification", SC_REQUIRED, &st->classification)) {
            sc_name_broken(c, SC_CLASSIFICATION);
            if (!json_is_object(v))
                continue;
        } else {
            sc_path_key(r, q, "classification");
            sc_name_add(c, SC_CLASSIFICATION, st->classification, si, (int)i, r);
        }
        sc_check_keys(c, v, q, sc_storage_keys);
        if (sc_get_size(c, v, q, "capacity", SC_REQUIRED, &st->capacity_bytes) &&
            st->capacity_bytes == 0) {
            sc_path_key(r, q, "capacity");
            sc_error(c, r, "expected a capacity larger than 0");
        }
        sc_get_rate(c, v, q, "read_rate", SC_OPTIONAL, &st->read_Bps);
        sc_get_rate(c, v, q, "write_rate", SC_OPTIONAL, &st->write_Bps);
    }
}

static void sc_load_networks(sc_ctx *c, drs_site *s, int si, const json_t *site, const char *sp)
{
    const json_t *a = sc_get_array(c, site, sp, "networks", SC_OPTIONAL);
    if (!a) {
        if (sc_has(site, "networks"))
            sc_name_broken(c, SC_NETWORK);
        return;
    }
    char p[SC_PATH], q[SC_PATH], r[SC_PATH], t[SC_PATH];
    sc_path_key(p, sp, "networks");
    s->network_count = json_array_size(a);
    s->networks = drs_xcalloc(s->network_count, sizeof *s->networks);
    for (size_t i = 0; i < s->network_count; i++) {
        const json_t *v = json_array_get(a, i);
        drs_network *n = &s->networks[i];
        sc_path_index(q, p, i);
        if (!sc_expect_object(c, v, q)) {
            sc_name_broken(c, SC_NETWORK);
            continue;
        }
        sc_check_keys(c, v, q, sc_network_keys);
        if (sc_get_name(c, v, q, "name", SC_REQUIRED, &n->name)) {
            sc_path_key(r, q, "name");
            sc_name_add(c, SC_NETWORK, n->name, si, (int)i, r);
        } else {
            sc_name_broken(c, SC_NETWORK);
        }
        if (sc_get_str_array(c, v, q, "subnets", SC_OPTIONAL, &n->subnets, &n->subnet_count)) {
            sc_path_key(r, q, "subnets");
            for (size_t k = 0; k < n->subnet_count; k++) {
                if (!sc_cidr_ok(n->subnets[k])) {
                    sc_path_index(t, r, k);
                    sc_error(c, t, "expected an IPv4 subnet such as \"10.1.0.0/16\", got \"%s\"",
                             n->subnets[k]);
                }
            }
        }
    }
}

static void sc_load_hosts(sc_ctx *c, drs_site *s, int si, const json_t *site, const char *sp)
{
    const json_t *a = sc_get_array(c, site, sp, "hosts", SC_OPTIONAL);
    if (!a) {
        if (sc_has(site, "hosts"))
            sc_name_broken(c, SC_HOST);
        return;
    }
    static const char *const oses[] = {"2012", "2012R2", NULL};
    char p[SC_PATH], q[SC_PATH], r[SC_PATH], t[SC_PATH];
    sc_path_key(p, sp, "hosts");
    s->host_count = json_array_size(a);
    s->hosts = drs_xcalloc(s->host_count, sizeof *s->hosts);
    for (size_t i = 0; i < s->host_count; i++) {
        const json_t *v = json_array_get(a, i);
        drs_host *h = &s->hosts[i];
        h->cloud = h->storage = -1;
        h->os = DRS_OS_2012R2;
        sc_path_index(q, p, i);
        if (!sc_expect_object(c, v, q)) {
            sc_name_broken(c, SC_HOST);
            continue;
        }
        sc_check_keys(c, v, q, sc_host_keys);
        if (sc_get_name(c, v, q, "name", SC_REQUIRED, &h->name)) {
            sc_path_key(r, q, "name");
            sc_name_add(c, SC_HOST, h->name, si, (int)i, r);
        } else {
            sc_name_broken(c, SC_HOST);
        }
        int os = DRS_OS_2012R2;
        if (sc_get_enum(c, v, q, "os", SC_OPTIONAL, oses, &os))
            h->os = os == 0 ? DRS_OS_2012 : DRS_OS_2012R2;
        char *name = NULL;
        if (sc_get_name(c, v, q, "cloud", SC_OPTIONAL, &name)) {
            sc_path_key(r, q, "cloud");
            h->cloud = sc_resolve_at_site(c, SC_CLOUD, name, si, r, "this host's");
        }
        free(name);
        name = NULL;
        if (sc_get_name(c, v, q, "storage", SC_OPTIONAL, &name)) {
            sc_path_key(r, q, "storage");
            h->storage = sc_resolve_at_site(c, SC_CLASSIFICATION, name, si, r, "this host's");
        }
        free(name);
        long long mat = 0;
        if (sc_get_int(c, v, q, "max_active_transfers", SC_OPTIONAL, LLONG_MIN, LLONG_MAX, &mat)) {
            if (mat < 1 || mat > INT_MAX) {
                sc_path_key(r, q, "max_active_transfers");
                sc_error(c, r, "expected a whole number of transfers, at least 1, got %lld", mat);
            } else {
                h->max_active_transfers = (int)mat; /* unset stays 0: the OS's default */
            }
        }
        const json_t *ports = sc_get_array(c, v, q, "ports_in_use", SC_OPTIONAL);
        if (ports) {
            sc_path_key(r, q, "ports_in_use");
            h->port_count = json_array_size(ports);
            h->ports_in_use = drs_xcalloc(h->port_count, sizeof *h->ports_in_use);
            for (size_t k = 0; k < h->port_count; k++) {
                const json_t *pv = json_array_get(ports, k);
                sc_path_index(t, r, k);
                if (!json_is_integer(pv) || json_integer_value(pv) < 1 ||
                    json_integer_value(pv) > 65535) {
                    char got[80];
                    sc_error(c, t, "expected a port number from 1 to 65535, got %s",
                             sc_describe(pv, got, sizeof got));
                } else {
                    h->ports_in_use[k] = (int)json_integer_value(pv);
                }
            }
        }
    }
}

/* Everything a site defines is unknown when the sites cannot be read. */
static void sc_sites_broken(sc_ctx *c)
{
    static const sc_kind kinds[] = {SC_SITE,           SC_VMM,        SC_CLOUD, SC_HOST, SC_NETWORK,
                                    SC_CLASSIFICATION, SC_FILE_SERVER};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        sc_name_broken(c, kinds[k]);
}

/* Registers the entries of a list of names that were read (a bad entry leaves a NULL). */
static void sc_add_names(sc_ctx *c, sc_kind kind, char **names, size_t n, bool ok, int si,
                         const char *sp, const char *key)
{
    char q[SC_PATH], r[SC_PATH];
    if (!ok)
        sc_name_broken(c, kind);
    sc_path_key(q, sp, key);
    for (size_t k = 0; names && k < n; k++) {
        sc_path_index(r, q, k);
        sc_name_add(c, kind, names[k], si, (int)k, r);
    }
}

void sc_load_sites(sc_ctx *c, const json_t *root)
{
    drs_scenario *sc = c->sc;
    const json_t *a = sc_get_array(c, root, "", "sites", SC_REQUIRED);
    if (!a) {
        sc_sites_broken(c);
        return;
    }
    if (json_array_size(a) == 0) {
        sc_error(c, "sites", "expected at least one site");
        return;
    }
    if (json_array_size(a) == 1)
        sc_warn(c, "sites", "only one site: there is nowhere to replicate to");
    sc->site_count = json_array_size(a);
    sc->sites = drs_xcalloc(sc->site_count, sizeof *sc->sites);
    char p[SC_PATH], q[SC_PATH];
    /* Two passes: hosts name clouds and classifications, and a host naming another site's cloud is
     * worth a precise message, so every site's names are known before any host is read. */
    for (size_t i = 0; i < sc->site_count; i++) {
        const json_t *v = json_array_get(a, i);
        drs_site *s = &sc->sites[i];
        int si = (int)i;
        sc_path_index(p, "sites", i);
        if (!sc_expect_object(c, v, p)) {
            sc_sites_broken(c);
            continue;
        }
        sc_check_keys(c, v, p, sc_site_keys);
        if (sc_get_name(c, v, p, "name", SC_REQUIRED, &s->name)) {
            sc_path_key(q, p, "name");
            sc_name_add(c, SC_SITE, s->name, si, -1, q);
        } else {
            sc_name_broken(c, SC_SITE);
        }
        sc_load_vmm(c, s, si, v, p);
        sc_get_bool(c, v, p, "kerberos", SC_OPTIONAL, &s->kerberos);
        bool ok = sc_get_str_array(c, v, p, "clouds", SC_OPTIONAL, &s->clouds, &s->cloud_count);
        sc_add_names(c, SC_CLOUD, s->clouds, s->cloud_count, ok || !sc_has(v, "clouds"), si, p,
                     "clouds");
        ok = sc_get_str_array(c, v, p, "file_servers", SC_OPTIONAL, &s->file_servers,
                              &s->file_server_count);
        sc_add_names(c, SC_FILE_SERVER, s->file_servers, s->file_server_count,
                     ok || !sc_has(v, "file_servers"), si, p, "file_servers");
        sc_load_storage(c, s, si, v, p);
        sc_load_networks(c, s, si, v, p);
    }
    for (size_t i = 0; i < sc->site_count; i++) {
        const json_t *v = json_array_get(a, i);
        sc_path_index(p, "sites", i);
        if (json_is_object(v))
            sc_load_hosts(c, &sc->sites[i], (int)i, v, p);
    }
}

/* ---- links ------------------------------------------------------------------------------------
 */

static const char *const sc_link_keys[] = {"name", "between",         "bandwidth", "latency",
                                           "loss", "replication_cap", NULL};

void sc_load_links(sc_ctx *c, const json_t *root)
{
    drs_scenario *sc = c->sc;
    const json_t *a = sc_get_array(c, root, "", "links", SC_OPTIONAL);
    if (!a) {
        if (sc_has(root, "links"))
            sc_name_broken(c, SC_LINK);
        return;
    }
    sc->link_count = json_array_size(a);
    sc->links = drs_xcalloc(sc->link_count, sizeof *sc->links);
    char p[SC_PATH], q[SC_PATH], r[SC_PATH];
    for (size_t i = 0; i < sc->link_count; i++) {
        const json_t *v = json_array_get(a, i);
        drs_link *l = &sc->links[i];
        l->site_a = l->site_b = -1;
        sc_path_index(p, "links", i);
        if (!sc_expect_object(c, v, p)) {
            sc_name_broken(c, SC_LINK);
            continue;
        }
        sc_check_keys(c, v, p, sc_link_keys);
        if (sc_get_name(c, v, p, "name", SC_REQUIRED, &l->name)) {
            sc_path_key(q, p, "name");
            sc_name_add(c, SC_LINK, l->name, (int)i, -1, q);
        } else {
            sc_name_broken(c, SC_LINK);
        }
        const json_t *between = sc_get_array(c, v, p, "between", SC_REQUIRED);
        if (between) {
            sc_path_key(q, p, "between");
            if (json_array_size(between) != 2) {
                sc_error(c, q, "expected two site names, got %zu entries",
                         json_array_size(between));
            } else {
                int ends[2] = {-1, -1};
                for (size_t k = 0; k < 2; k++) {
                    const json_t *sv = json_array_get(between, k);
                    sc_path_index(r, q, k);
                    if (!json_is_string(sv)) {
                        char got[80];
                        sc_error(c, r, "expected a site name, got %s",
                                 sc_describe(sv, got, sizeof got));
                        continue;
                    }
                    const sc_name *e = sc_resolve(c, SC_SITE, json_string_value(sv), r);
                    if (e)
                        ends[k] = e->a;
                }
                if (ends[0] >= 0 && ends[0] == ends[1])
                    sc_error(c, q, "a link joins two different sites, got '%s' twice",
                             sc->sites[ends[0]].name);
                else {
                    l->site_a = ends[0];
                    l->site_b = ends[1];
                }
            }
        }
        if (sc_get_rate(c, v, p, "bandwidth", SC_REQUIRED, &l->bandwidth_Bps) &&
            l->bandwidth_Bps <= 0) {
            sc_path_key(q, p, "bandwidth");
            sc_error(c, q,
                     "expected a bandwidth larger than 0 (use a link.down action for an outage)");
        }
        sc_get_duration(c, v, p, "latency", SC_OPTIONAL, &l->latency_ns);
        if (sc_get_fraction(c, v, p, "loss", SC_OPTIONAL, &l->loss) && l->loss >= 1) {
            sc_path_key(q, p, "loss");
            sc_error(c, q, "a loss of 1 lets nothing through; expected a fraction below 1");
        }
        if (sc_get_rate(c, v, p, "replication_cap", SC_OPTIONAL, &l->replication_cap_Bps) &&
            l->bandwidth_Bps > 0 && l->replication_cap_Bps > l->bandwidth_Bps) {
            sc_path_key(q, p, "replication_cap");
            sc_warn(c, q, "the cap is above the link's bandwidth and never limits anything");
        }
    }
}

/* ---- workloads --------------------------------------------------------------------------------
 */

/* Indexed by drs_workload_kind (engine/shared/desc.h). */
const char *const sim_scenario_workload_kinds[] = {
#define SC_WORKLOAD_KIND(tail, name) [DRS_WL_##tail] = name,
    DRS_WORKLOAD_KINDS(SC_WORKLOAD_KIND)
#undef SC_WORKLOAD_KIND
    NULL,
};

/* Every key any workload may have; then which of them each kind accepts. */
static const char *const sc_workload_keys[] = {"name",        "kind",         "compressibility",
                                               "write_rate",  "write_size",   "hot_set",
                                               "hot_share",   "base_rate",    "peak_rate",
                                               "peak_start",  "peak_end",     "burst_rate",
                                               "burst_every", "burst_length", "file",
                                               "format",      "loop",         NULL};
static const char *const sc_kind_keys[][14] = {
    [DRS_WL_STEADY] = {"name", "kind", "compressibility", "write_rate", "write_size", "hot_set",
                       "hot_share", NULL},
    [DRS_WL_POISSON] = {"name", "kind", "compressibility", "write_rate", "write_size", "hot_set",
                        "hot_share", NULL},
    [DRS_WL_DIURNAL] = {"name", "kind", "compressibility", "base_rate", "peak_rate", "peak_start",
                        "peak_end", "write_size", "hot_set", "hot_share", NULL},
    [DRS_WL_BURSTS] = {"name", "kind", "compressibility", "write_rate", "burst_rate", "burst_every",
                       "burst_length", "write_size", "hot_set", "hot_share", NULL},
    [DRS_WL_TRACE] = {"name", "kind", "compressibility", "file", "format", "loop", NULL},
};

static void sc_load_trace(sc_ctx *c, drs_workload *w, const json_t *v, const char *p)
{
    static const char *const formats[] = {"msr", NULL};
    char q[SC_PATH];
    int f = 0;
    sc_get_enum(c, v, p, "format", SC_OPTIONAL, formats, &f);
    w->format = drs_xstrdup(formats[f]);
    sc_get_bool(c, v, p, "loop", SC_OPTIONAL, &w->loop);
    if (!sc_get_name(c, v, p, "file", SC_REQUIRED, &w->file))
        return;
    const char *dir = w->file[0] == '/' ? "" : c->dir;
    size_t dl = strlen(dir);
    bool slash = dl > 0 && dir[dl - 1] != '/';
    size_t n = dl + slash + strlen(w->file) + 1;
    w->resolved_file = drs_xcalloc(n, 1);
    snprintf(w->resolved_file, n, "%s%s%s", dir, slash ? "/" : "", w->file);
    sc_path_key(q, p, "file");
    struct stat st;
    if (access(w->resolved_file, R_OK) != 0) {
        sc_error(
            c, q,
            "cannot read the trace file '%s' (looked for '%s', relative to the scenario's folder)",
            w->file, w->resolved_file);
    } else if (stat(w->resolved_file, &st) != 0 || !S_ISREG(st.st_mode)) {
        /* A device or a pipe may never end (/dev/zero), a folder has no records. */
        sc_error(c, q, "the trace file '%s' is not a regular file", w->file);
    } else if ((uint64_t)st.st_size > SIM_SCENARIO_MAX_TRACE_BYTES) {
        sc_error(c, q,
                 "the trace file '%s' holds %llu bytes, more than the %llu GiB a trace may have: "
                 "cut it into a shorter stretch of time",
                 w->file, (unsigned long long)st.st_size,
                 (unsigned long long)(SIM_SCENARIO_MAX_TRACE_BYTES >> 30));
    }
}

void sc_load_workloads(sc_ctx *c, const json_t *root)
{
    drs_scenario *sc = c->sc;
    const json_t *a = sc_get_array(c, root, "", "workloads", SC_OPTIONAL);
    if (!a) {
        if (sc_has(root, "workloads"))
            sc_name_broken(c, SC_WORKLOAD);
        return;
    }
    sc->workload_count = json_array_size(a);
    sc->workloads = drs_xcalloc(sc->workload_count, sizeof *sc->workloads);
    char p[SC_PATH], q[SC_PATH];
    for (size_t i = 0; i < sc->workload_count; i++) {
        const json_t *v = json_array_get(a, i);
        drs_workload *w = &sc->workloads[i];
        w->write_size_bytes = 64 * 1024;
        w->hot_set = w->hot_share = 1.0;
        w->compressibility = 0.5;
        sc_path_index(p, "workloads", i);
        if (!sc_expect_object(c, v, p)) {
            sc_name_broken(c, SC_WORKLOAD);
            continue;
        }
        sc_check_keys(c, v, p, sc_workload_keys);
        if (sc_get_name(c, v, p, "name", SC_REQUIRED, &w->name)) {
            sc_path_key(q, p, "name");
            sc_name_add(c, SC_WORKLOAD, w->name, (int)i, -1, q);
        } else {
            sc_name_broken(c, SC_WORKLOAD);
        }
        int kind = -1;
        if (!sc_get_enum(c, v, p, "kind", SC_REQUIRED, sim_scenario_workload_kinds, &kind))
            continue;
        w->kind = (drs_workload_kind)kind;
        /* Keys valid for some kind but not this one: a likely mix-up, say which. */
        const char *key;
        json_t *fv;
        json_object_foreach((json_t *)v, key, fv)
        {
            bool known = false, here = false;
            for (size_t k = 0; sc_workload_keys[k]; k++)
                known |= !strcmp(key, sc_workload_keys[k]);
            for (size_t k = 0; sc_kind_keys[kind][k]; k++)
                here |= !strcmp(key, sc_kind_keys[kind][k]);
            if (known && !here) {
                sc_path_key(q, p, key);
                sc_error(c, q, "'%s' does not apply to a %s workload", key,
                         sim_scenario_workload_kinds[kind]);
            }
        }
        sc_get_fraction(c, v, p, "compressibility", SC_OPTIONAL, &w->compressibility);
        if (w->kind == DRS_WL_TRACE) {
            sc_load_trace(c, w, v, p);
            continue;
        }
        if (sc_get_size(c, v, p, "write_size", SC_OPTIONAL, &w->write_size_bytes) &&
            (w->write_size_bytes < 512 || w->write_size_bytes > (UINT64_C(64) << 20))) {
            sc_path_key(q, p, "write_size");
            sc_error(c, q, "expected a write size from 512B to 64MiB, got %llu bytes",
                     (unsigned long long)w->write_size_bytes);
        }
        if (sc_get_fraction(c, v, p, "hot_set", SC_OPTIONAL, &w->hot_set) && w->hot_set <= 0) {
            sc_path_key(q, p, "hot_set");
            sc_error(
                c, q,
                "the hot set must be larger than 0 (it is the part of the disk that is written)");
        }
        sc_get_fraction(c, v, p, "hot_share", SC_OPTIONAL, &w->hot_share);
        switch (w->kind) {
        case DRS_WL_STEADY:
        case DRS_WL_POISSON:
            sc_get_rate(c, v, p, "write_rate", SC_REQUIRED, &w->write_rate_Bps);
            break;
        case DRS_WL_DIURNAL: {
            sc_get_rate(c, v, p, "base_rate", SC_REQUIRED, &w->base_rate_Bps);
            sc_get_rate(c, v, p, "peak_rate", SC_REQUIRED, &w->peak_rate_Bps);
            bool s = sc_get_duration(c, v, p, "peak_start", SC_REQUIRED, &w->peak_start_ns);
            bool e = sc_get_duration(c, v, p, "peak_end", SC_REQUIRED, &w->peak_end_ns);
            if (s && w->peak_start_ns >= SC_DAY_NS) {
                sc_path_key(q, p, "peak_start");
                sc_error(c, q, "expected a time of day below 24h");
            }
            if (e && w->peak_end_ns >= SC_DAY_NS) {
                sc_path_key(q, p, "peak_end");
                sc_error(c, q, "expected a time of day below 24h");
            }
            if (s && e && w->peak_start_ns == w->peak_end_ns) {
                sc_path_key(q, p, "peak_end");
                sc_error(c, q, "the peak must not start and end at the same time of day");
            }
            break;
        }
        case DRS_WL_BURSTS: {
            sc_get_rate(c, v, p, "write_rate", SC_REQUIRED, &w->write_rate_Bps);
            sc_get_rate(c, v, p, "burst_rate", SC_REQUIRED, &w->burst_rate_Bps);
            bool ev = sc_get_duration(c, v, p, "burst_every", SC_REQUIRED, &w->burst_every_ns);
            bool len = sc_get_duration(c, v, p, "burst_length", SC_REQUIRED, &w->burst_length_ns);
            if (ev && w->burst_every_ns <= 0) {
                sc_path_key(q, p, "burst_every");
                sc_error(c, q, "expected a duration longer than 0");
            }
            if (len &&
                (w->burst_length_ns <= 0 || (ev && w->burst_length_ns >= w->burst_every_ns))) {
                sc_path_key(q, p, "burst_length");
                sc_error(c, q, "expected a duration longer than 0 and shorter than burst_every");
            }
            break;
        }
        case DRS_WL_TRACE:
            break;
        }
    }
}

/* ---- VMs --------------------------------------------------------------------------------------
 */

static const char *const sc_vm_keys[] = {
    "name", "host", "networks", "boot_time", "vmm_recovery_points", "disks", "existing_replica",
    NULL};
static const char *const sc_disk_keys[] = {"name", "size", "used", "workload", "storage", NULL};
static const char *const sc_replica_keys[] = {"host", "settings", NULL};
static const char *const sc_replica_settings_keys[] = {
    "copy_frequency", "additional_recovery_points", "app_consistent_frequency", "compression",
    NULL};

/* "4KiB", "1MiB", "1536KiB": a multiple of 1 KiB in its largest binary unit that keeps it whole. */
static void sc_format_kib(uint64_t bytes, char *buf, size_t n)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    size_t u = 0;
    bytes >>= 10;
    while (bytes >= 1024 && bytes % 1024 == 0 && u + 1 < sizeof units / sizeof units[0]) {
        bytes >>= 10;
        u++;
    }
    snprintf(buf, n, "%llu%s", (unsigned long long)bytes, units[u]);
}

/* At extent fidelity a disk's state grows with its extents: refuse a disk with more than
 * SIM_SCENARIO_MAX_DISK_EXTENTS, and say which extent size would do. */
static void sc_check_extents(sc_ctx *c, uint64_t size, const json_t *sv, const char *dp)
{
    const drs_scenario *sc = c->sc;
    if (sc->fidelity != DRS_FIDELITY_EXTENT || sc->extent_bytes == 0)
        return;
    uint64_t extents = size / sc->extent_bytes + (size % sc->extent_bytes != 0);
    if (extents <= SIM_SCENARIO_MAX_DISK_EXTENTS)
        return;
    uint64_t need = 4096; /* the smallest power of two that fits: always a valid extent_size */
    while (need < (UINT64_C(1) << 30) &&
           size / need + (size % need != 0) > SIM_SCENARIO_MAX_DISK_EXTENTS)
        need *= 2;
    char have[32], want[32], p[SC_PATH], got[80];
    sc_format_kib(sc->extent_bytes, have, sizeof have);
    sc_format_kib(need, want, sizeof want);
    if (json_is_string(sv))
        snprintf(got, sizeof got, "%s", json_string_value(sv));
    else
        snprintf(got, sizeof got, "%llu bytes", (unsigned long long)size);
    sc_path_key(p, dp, "size");
    if (size / need + (size % need != 0) <= SIM_SCENARIO_MAX_DISK_EXTENTS)
        sc_error(
            c, p,
            "a disk of %s has %llu extents of %s, more than the %llu a disk may have at extent "
            "fidelity: set \"extent_size\" to \"%s\" or more, or use \"fidelity\": "
            "\"fluid\"",
            got, (unsigned long long)extents, have,
            (unsigned long long)SIM_SCENARIO_MAX_DISK_EXTENTS, want);
    else
        sc_error(
            c, p,
            "a disk of %s has %llu extents of %s, more than the %llu a disk may have at extent "
            "fidelity even with the largest extent_size (1GiB): use \"fidelity\": \"fluid\"",
            got, (unsigned long long)extents, have,
            (unsigned long long)SIM_SCENARIO_MAX_DISK_EXTENTS);
}

/* Disk names are unique within their VM only, so they have a table of their own, made per VM and
 * sized for its disks: a VM with many thousands of disks is checked in linear time. */
typedef struct sc_disk_names {
    size_t *slots; /* disk index + 1, 0 = empty; open addressing, at most half full */
    size_t mask;
} sc_disk_names;

static size_t sc_pow2_above(size_t n)
{
    size_t p = 16;
    while (p < n)
        p *= 2;
    return p;
}

/* Registers disks[i]'s name; returns the index of the first disk with that name (i if new). */
static size_t sc_disk_name_put(sc_disk_names *t, const drs_disk *disks, size_t i)
{
    uint64_t h = 1469598103934665603u;
    for (const char *s = disks[i].name; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    size_t k = (size_t)h & t->mask;
    for (; t->slots[k]; k = (k + 1) & t->mask)
        if (!strcmp(disks[t->slots[k] - 1].name, disks[i].name))
            return t->slots[k] - 1;
    t->slots[k] = i + 1;
    return i;
}

static void sc_load_disks(sc_ctx *c, drs_vm *vm, const json_t *v, const char *vp)
{
    const json_t *a = sc_get_array(c, v, vp, "disks", SC_REQUIRED);
    if (!a)
        return;
    char p[SC_PATH], q[SC_PATH], r[SC_PATH];
    sc_path_key(p, vp, "disks");
    if (json_array_size(a) == 0) {
        sc_error(c, p, "expected at least one disk");
        return;
    }
    vm->disk_count = json_array_size(a);
    vm->disks = drs_xcalloc(vm->disk_count, sizeof *vm->disks);
    sc_disk_names names = {drs_xcalloc(sc_pow2_above(2 * vm->disk_count), sizeof(size_t)),
                           sc_pow2_above(2 * vm->disk_count) - 1};
    for (size_t i = 0; i < vm->disk_count; i++) {
        const json_t *dv = json_array_get(a, i);
        drs_disk *d = &vm->disks[i];
        d->workload = -1;
        sc_path_index(q, p, i);
        if (!sc_expect_object(c, dv, q))
            continue;
        sc_check_keys(c, dv, q, sc_disk_keys);
        if (sc_get_name(c, dv, q, "name", SC_REQUIRED, &d->name)) {
            size_t first = sc_disk_name_put(&names, vm->disks, i);
            if (first != i) {
                sc_path_key(r, q, "name");
                sc_error(c, r, "duplicate disk name '%s' in this VM (first at %s[%zu])", d->name, p,
                         first);
            }
        }
        bool has_size = sc_get_size(c, dv, q, "size", SC_REQUIRED, &d->size_bytes);
        if (has_size && d->size_bytes == 0) {
            sc_path_key(r, q, "size");
            sc_error(c, r, "expected a disk size larger than 0");
        } else if (has_size) {
            sc_check_extents(c, d->size_bytes, json_object_get(dv, "size"), q);
        }
        d->used_bytes = d->size_bytes;
        if (sc_get_size(c, dv, q, "used", SC_OPTIONAL, &d->used_bytes) && has_size &&
            d->used_bytes > d->size_bytes) {
            sc_path_key(r, q, "used");
            sc_error(c, r, "more is used than the disk holds (used %llu bytes, size %llu bytes)",
                     (unsigned long long)d->used_bytes, (unsigned long long)d->size_bytes);
        }
        const sc_name *w = sc_get_ref(c, dv, q, "workload", SC_OPTIONAL, SC_WORKLOAD);
        if (w)
            d->workload = w->a;
        if (sc_get_name(c, dv, q, "storage", SC_OPTIONAL, &d->storage)) {
            sc_path_key(r, q, "storage");
            sc_resolve_at_site(c, SC_CLASSIFICATION, d->storage, vm->site, r, "this VM's");
        }
    }
    free(names.slots);
}

static void sc_load_existing_replica(sc_ctx *c, drs_vm *vm, const json_t *v, const char *vp)
{
    drs_existing_replica *x = &vm->existing_replica;
    x->additional_recovery_points = -1;
    x->compression = -1;
    const json_t *e = json_object_get(v, "existing_replica");
    if (!e)
        return;
    char p[SC_PATH], q[SC_PATH];
    sc_path_key(p, vp, "existing_replica");
    if (!sc_expect_object(c, e, p))
        return;
    sc_check_keys(c, e, p, sc_replica_keys);
    x->present = true;
    if (sc_get_name(c, e, p, "host", SC_REQUIRED, &x->host)) {
        sc_path_key(q, p, "host");
        const sc_name *h = sc_resolve(c, SC_HOST, x->host, q);
        if (h && vm->site >= 0 && h->a == vm->site)
            sc_error(
                c, q,
                "the replica host '%s' is at the VM's own site; a replica lives at the other site",
                x->host);
    }
    const json_t *s = json_object_get(e, "settings");
    if (!s)
        return;
    sc_path_key(q, p, "settings");
    if (!sc_expect_object(c, s, q))
        return;
    sc_check_keys(c, s, q, sc_replica_settings_keys);
    sc_get_duration(c, s, q, "copy_frequency", SC_OPTIONAL, &x->copy_frequency_ns);
    long long n = 0;
    if (sc_get_int(c, s, q, "additional_recovery_points", SC_OPTIONAL, 0, 1000, &n))
        x->additional_recovery_points = (int)n;
    sc_get_duration(c, s, q, "app_consistent_frequency", SC_OPTIONAL,
                    &x->app_consistent_frequency_ns);
    bool comp;
    if (sc_get_bool(c, s, q, "compression", SC_OPTIONAL, &comp))
        x->compression = comp;
}

void sc_load_vms(sc_ctx *c, const json_t *root)
{
    drs_scenario *sc = c->sc;
    const json_t *a = sc_get_array(c, root, "", "vms", SC_OPTIONAL);
    if (!a) {
        if (sc_has(root, "vms"))
            sc_name_broken(c, SC_VM);
        return;
    }
    sc->vm_count = json_array_size(a);
    sc->vms = drs_xcalloc(sc->vm_count, sizeof *sc->vms);
    char p[SC_PATH], q[SC_PATH], r[SC_PATH];
    for (size_t i = 0; i < sc->vm_count; i++) {
        const json_t *v = json_array_get(a, i);
        drs_vm *vm = &sc->vms[i];
        vm->site = vm->host = -1;
        vm->vmm_recovery_points = -1;
        vm->boot_time_ns = 60 * DRS_NS_PER_S;
        vm->existing_replica.additional_recovery_points = -1;
        vm->existing_replica.compression = -1;
        sc_path_index(p, "vms", i);
        if (!sc_expect_object(c, v, p)) {
            sc_name_broken(c, SC_VM);
            continue;
        }
        sc_check_keys(c, v, p, sc_vm_keys);
        if (sc_get_name(c, v, p, "name", SC_REQUIRED, &vm->name)) {
            sc_path_key(q, p, "name");
            sc_name_add(c, SC_VM, vm->name, (int)i, -1, q);
        } else {
            sc_name_broken(c, SC_VM);
        }
        const sc_name *h = sc_get_ref(c, v, p, "host", SC_REQUIRED, SC_HOST);
        if (h) {
            vm->site = h->a;
            vm->host = h->b;
        }
        char **nets = NULL;
        size_t nn = 0;
        sc_get_str_array(c, v, p, "networks", SC_OPTIONAL, &nets, &nn);
        if (nets) {
            sc_path_key(q, p, "networks");
            vm->networks = drs_xcalloc(nn, sizeof *vm->networks);
            vm->network_count = nn;
            for (size_t k = 0; k < nn; k++) {
                sc_path_index(r, q, k);
                vm->networks[k] =
                    nets[k] ? sc_resolve_at_site(c, SC_NETWORK, nets[k], vm->site, r, "this VM's")
                            : -1;
            }
        }
        for (size_t k = 0; k < nn; k++)
            free(nets[k]);
        free(nets);
        sc_get_duration(c, v, p, "boot_time", SC_OPTIONAL, &vm->boot_time_ns);
        long long rp = 0;
        if (sc_get_int(c, v, p, "vmm_recovery_points", SC_OPTIONAL, 0, 1000, &rp))
            vm->vmm_recovery_points = (int)rp;
        sc_load_disks(c, vm, v, p);
        sc_load_existing_replica(c, vm, v, p);
    }
}
