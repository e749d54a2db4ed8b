/* engine/rules.c — the thirteen configuration rules of Site Recovery, as checks of single steps and
 * as a replay of a whole scenario's configuration in time order (see rules.h). */
#include "engine/rules.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_MAX_LEN 128

/* ---- Small helpers --------------------------------------------------------------------------- */

/* A duration as a person writes it in a scenario: "5d", "1d2h30m", "30s", "1.5s", "0s". */
static const char *fmt_dur(int64_t ns, char *buf, size_t n)
{
    static const struct {
        int64_t ns;
        const char *unit;
    } units[] = {{RULES_NS_PER_DAY, "d"}, {RULES_NS_PER_HOUR, "h"}, {RULES_NS_PER_MIN, "m"}};
    size_t len = 0;
    buf[0] = '\0';
    if (ns < 0) {
        len += (size_t)snprintf(buf + len, n - len, "-");
        ns = ns == INT64_MIN ? INT64_MAX : -ns;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0] && len < n; i++) {
        if (ns >= units[i].ns) {
            len += (size_t)snprintf(buf + len, n - len, "%" PRId64 "%s", ns / units[i].ns,
                                    units[i].unit);
            ns %= units[i].ns;
        }
    }
    if (len < n && (ns > 0 || len == 0 || (len == 1 && buf[0] == '-'))) {
        int64_t s = ns / DRS_NS_PER_S, frac = ns % DRS_NS_PER_S;
        if (frac == 0) {
            snprintf(buf + len, n - len, "%" PRId64 "s", s);
        } else {
            /* Print the fraction with its trailing zeros removed: 1.5s, 0.000000001s. */
            char f[16];
            snprintf(f, sizeof f, "%09" PRId64, frac);
            for (size_t k = strlen(f); k > 0 && f[k - 1] == '0'; k--)
                f[k - 1] = '\0';
            snprintf(buf + len, n - len, "%" PRId64 ".%ss", s, f);
        }
    }
    return buf;
}

static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

static bool site_ok(const drs_scenario *sc, int site)
{
    return site >= 0 && (size_t)site < sc->site_count;
}

static bool cloud_ok(const drs_scenario *sc, int site, int cloud)
{
    return site_ok(sc, site) && cloud >= 0 && (size_t)cloud < sc->sites[site].cloud_count;
}

static const char *cloud_name(const drs_scenario *sc, int site, int cloud)
{
    return cloud_ok(sc, site, cloud) ? str_or_empty(sc->sites[site].clouds[cloud]) : "?";
}

static const char *site_name(const drs_scenario *sc, int site)
{
    return site_ok(sc, site) ? str_or_empty(sc->sites[site].name) : "?";
}

static const char *vmm_name(const drs_scenario *sc, int site)
{
    return site_ok(sc, site) ? str_or_empty(sc->sites[site].vmm.name) : "?";
}

/* The hosts of (site, cloud) that run os, as "hv-1, hv-2" (as many as fit); returns the count. */
static size_t hosts_with_os(const drs_scenario *sc, int site, int cloud, drs_host_os os, char *buf,
                            size_t n)
{
    size_t count = 0, len = 0;
    buf[0] = '\0';
    if (!cloud_ok(sc, site, cloud))
        return 0;
    const drs_site *s = &sc->sites[site];
    for (size_t h = 0; h < s->host_count; h++) {
        if (s->hosts[h].cloud != cloud || s->hosts[h].os != os)
            continue;
        if (len < n)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", count ? ", " : "",
                                    str_or_empty(s->hosts[h].name));
        count++;
    }
    return count;
}

/* ---- Pure predicates ------------------------------------------------------------------------- */

bool rules_registration_key_valid(int64_t key_generated_ns, int64_t at_ns)
{
    return at_ns >= key_generated_ns && at_ns - key_generated_ns <= RULES_KEY_VALIDITY_NS;
}

bool rules_copy_frequency_allowed(int64_t copy_frequency_ns)
{
    return copy_frequency_ns == 30 * DRS_NS_PER_S || copy_frequency_ns == 5 * RULES_NS_PER_MIN ||
           copy_frequency_ns == 15 * RULES_NS_PER_MIN;
}

int64_t rules_copy_frequency_effective(int64_t copy_frequency_ns, drs_host_os os)
{
    if (os == DRS_OS_2012 || !rules_copy_frequency_allowed(copy_frequency_ns))
        return RULES_COPY_FREQUENCY_DEFAULT_NS;
    return copy_frequency_ns;
}

int rules_recovery_points_max(drs_host_os os)
{
    return os == DRS_OS_2012 ? RULES_RECOVERY_POINTS_MAX_2012 : RULES_RECOVERY_POINTS_MAX_2012R2;
}

bool rules_port_valid(int port)
{
    return port >= 1 && port <= 65535;
}

int rules_port_default(drs_auth auth)
{
    return auth == DRS_AUTH_KERBEROS ? RULES_PORT_KERBEROS : RULES_PORT_HTTPS;
}

bool rules_location_server(const char *location, char *server, size_t n)
{
    if (n)
        server[0] = '\0';
    if (!location)
        return false;
    const char *colon = strchr(location, ':');
    if (!colon || colon == location || (size_t)(colon - location) >= n)
        return false;
    memcpy(server, location, (size_t)(colon - location));
    server[colon - location] = '\0';
    return true;
}

bool rules_cloud_has_os(const drs_scenario *sc, int site, int cloud, drs_host_os os)
{
    char names[8];
    return hosts_with_os(sc, site, cloud, os, names, sizeof names) > 0;
}

/* ---- Rule 2 ---------------------------------------------------------------------------------- */

bool rules_vmm_check(const drs_scenario *sc, size_t site, drs_diags *out)
{
    const drs_vmm *vmm = &sc->sites[site].vmm;
    bool ok = true;
    if (vmm->node_count < 2)
        return true;
    const char *want = str_or_empty(vmm->nodes[0].provider_version);
    for (size_t j = 1; j < vmm->node_count; j++) {
        const char *got = str_or_empty(vmm->nodes[j].provider_version);
        if (strcmp(want, got) == 0)
            continue;
        char path[PATH_MAX_LEN];
        snprintf(path, sizeof path, "sites[%zu].vmm.nodes[%zu].provider_version", site, j);
        drs_diags_add(
            out, DRS_SEV_ERROR, 2, path,
            "node %s of clustered VMM server %s runs provider version \"%s\", but node %s "
            "runs \"%s\": every node of a cluster must run the same provider version",
            str_or_empty(vmm->nodes[j].name), str_or_empty(vmm->name), got,
            str_or_empty(vmm->nodes[0].name), want);
        ok = false;
    }
    return ok;
}

/* ---- Rule 1 ---------------------------------------------------------------------------------- */

bool rules_registration_check(const drs_scenario *sc, size_t reg, drs_diags *out)
{
    const drs_registration *r = &sc->recovery.registrations[reg];
    if (rules_registration_key_valid(r->key_generated_ns, r->at_ns))
        return true;
    char path[PATH_MAX_LEN], gen[32], at[32], age[32], validity[32];
    snprintf(path, sizeof path, "recovery.registrations[%zu].at", reg);
    fmt_dur(r->key_generated_ns, gen, sizeof gen);
    fmt_dur(r->at_ns, at, sizeof at);
    fmt_dur(RULES_KEY_VALIDITY_NS, validity, sizeof validity);
    if (r->at_ns < r->key_generated_ns) {
        drs_diags_add(out, DRS_SEV_ERROR, 1, path,
                      "VMM server %s registers at %s with a registration key generated only at %s: "
                      "expected a key generated at or before the registration",
                      vmm_name(sc, r->site), at, gen);
    } else {
        fmt_dur(r->at_ns - r->key_generated_ns, age, sizeof age);
        drs_diags_add(out, DRS_SEV_ERROR, 1, path,
                      "VMM server %s registers at %s with a registration key generated at %s, %s "
                      "earlier: a key is valid for %s after it is generated; generate a new key",
                      vmm_name(sc, r->site), at, gen, age, validity);
    }
    return false;
}

/* ---- Rules 3 to 9 on a pair description ------------------------------------------------------ */

/* Rule 3, second half: the target cloud exists and belongs to the other VMM server. */
static bool pair_target_check(const drs_scenario *sc, const drs_cloud_pair *p, const char *path,
                              drs_diags *out)
{
    char at[PATH_MAX_LEN];
    snprintf(at, sizeof at, "%s.target", path);
    if (!cloud_ok(sc, p->target_site, p->target_cloud)) {
        drs_diags_add(out, DRS_SEV_ERROR, 3, at,
                      "the target cloud of primary cloud %s is not a cloud of any site: expected a "
                      "cloud managed by the other VMM server",
                      cloud_name(sc, p->primary_site, p->primary_cloud));
        return false;
    }
    if (p->target_site == p->primary_site) {
        drs_diags_add(
            out, DRS_SEV_ERROR, 3, at,
            "target cloud %s is managed by %s, the VMM server of primary cloud %s: expected "
            "a cloud managed by the other VMM server",
            cloud_name(sc, p->target_site, p->target_cloud), vmm_name(sc, p->target_site),
            cloud_name(sc, p->primary_site, p->primary_cloud));
        return false;
    }
    return true;
}

/* Rule 4: allowed values; a warning when 2012 hosts will use five minutes instead. */
static bool copy_frequency_check(const drs_scenario *sc, const drs_cloud_pair *p, const char *path,
                                 drs_diags *out)
{
    char at[PATH_MAX_LEN], got[32], hosts[96];
    int64_t f = p->settings.copy_frequency_ns;
    snprintf(at, sizeof at, "%s.settings.copy_frequency", path);
    fmt_dur(f, got, sizeof got);
    if (!rules_copy_frequency_allowed(f)) {
        drs_diags_add(out, DRS_SEV_ERROR, 4, at,
                      "copy frequency %s is not offered: expected 30s, 5m or 15m", got);
        return false;
    }
    size_t n =
        hosts_with_os(sc, p->primary_site, p->primary_cloud, DRS_OS_2012, hosts, sizeof hosts);
    if (n > 0 && f != RULES_COPY_FREQUENCY_DEFAULT_NS)
        drs_diags_add(
            out, DRS_SEV_WARNING, 4, at,
            "copy frequency %s applies only to Windows Server 2012 R2 hosts; cloud %s has "
            "%zu Windows Server 2012 host(s) (%s), which replicate every 5m instead",
            got, cloud_name(sc, p->primary_site, p->primary_cloud), n, hosts);
    return true;
}

/* Rule 5: the lower limit applies if either cloud has a 2012 host (it keeps 15 points at most). */
static bool recovery_points_check(const drs_scenario *sc, const drs_cloud_pair *p, const char *path,
                                  drs_diags *out)
{
    char at[PATH_MAX_LEN], hosts[96];
    int v = p->settings.additional_recovery_points;
    size_t old =
        hosts_with_os(sc, p->primary_site, p->primary_cloud, DRS_OS_2012, hosts, sizeof hosts);
    if (old == 0)
        old = hosts_with_os(sc, p->target_site, p->target_cloud, DRS_OS_2012, hosts, sizeof hosts);
    drs_host_os os = old ? DRS_OS_2012 : DRS_OS_2012R2;
    int max = rules_recovery_points_max(os);
    if (v >= 0 && v <= max)
        return true;
    snprintf(at, sizeof at, "%s.settings.additional_recovery_points", path);
    if (old)
        drs_diags_add(out, DRS_SEV_ERROR, 5, at,
                      "%d additional recovery points requested: expected 0 to %d, since %s run(s) "
                      "Windows Server 2012, which keeps at most %d",
                      v, max, hosts, max);
    else
        drs_diags_add(out, DRS_SEV_ERROR, 5, at,
                      "%d additional recovery points requested: expected 0 to %d, the most "
                      "Windows Server 2012 R2 keeps",
                      v, max);
    return false;
}

/* Rule 6: whole hours 1..12, fewer than the additional recovery points; 0 turns it off. */
static bool app_consistent_check(const drs_cloud_pair *p, const char *path, drs_diags *out)
{
    char at[PATH_MAX_LEN], got[32];
    int64_t f = p->settings.app_consistent_frequency_ns;
    int points = p->settings.additional_recovery_points;
    if (f == 0)
        return true;
    snprintf(at, sizeof at, "%s.settings.app_consistent_frequency", path);
    fmt_dur(f, got, sizeof got);
    if (f < 0 || f % RULES_NS_PER_HOUR != 0 ||
        f / RULES_NS_PER_HOUR > RULES_APP_CONSISTENT_MAX_HOURS) {
        drs_diags_add(out, DRS_SEV_ERROR, 6, at,
                      "application-consistent snapshot frequency %s: expected a whole number of "
                      "hours from 1h to %dh, or 0 for none",
                      got, RULES_APP_CONSISTENT_MAX_HOURS);
        return false;
    }
    int64_t hours = f / RULES_NS_PER_HOUR;
    if (hours >= points) {
        drs_diags_add(out, DRS_SEV_ERROR, 6, at,
                      "application-consistent snapshots every %s with %d additional recovery "
                      "points: expected a frequency in hours less than the number of additional "
                      "recovery points (at least %" PRId64 " points, or a frequency below %dh)",
                      got, points, hours + 1, points);
        return false;
    }
    return true;
}

/* Rule 7: Kerberos needs it on both sites; authentication and port matter only to 2012 R2 hosts. */
static bool auth_check(const drs_scenario *sc, const drs_cloud_pair *p, const char *path,
                       drs_diags *out)
{
    char at[PATH_MAX_LEN], hosts[96];
    bool ok = true;
    const drs_pair_settings *s = &p->settings;
    snprintf(at, sizeof at, "%s.settings.authentication", path);
    if (s->authentication == DRS_AUTH_KERBEROS) {
        int sites[2] = {p->primary_site, p->target_site};
        for (int i = 0; i < 2; i++) {
            if (!site_ok(sc, sites[i]) || sc->sites[sites[i]].kerberos)
                continue;
            drs_diags_add(out, DRS_SEV_ERROR, 7, at,
                          "Kerberos authentication needs a working Kerberos environment on both "
                          "sites, but site %s has none (kerberos: false): expected \"https\"",
                          site_name(sc, sites[i]));
            ok = false;
        }
    }
    size_t n =
        hosts_with_os(sc, p->primary_site, p->primary_cloud, DRS_OS_2012, hosts, sizeof hosts);
    if (n == 0)
        n = hosts_with_os(sc, p->target_site, p->target_cloud, DRS_OS_2012, hosts, sizeof hosts);
    if (n > 0 && s->authentication == DRS_AUTH_KERBEROS)
        drs_diags_add(out, DRS_SEV_WARNING, 7, at,
                      "authentication applies only to Windows Server 2012 R2 hosts; %s run(s) "
                      "Windows Server 2012, where the Kerberos setting has no effect",
                      hosts);
    if (n > 0 && s->port != rules_port_default(s->authentication)) {
        snprintf(at, sizeof at, "%s.settings.port", path);
        drs_diags_add(out, DRS_SEV_WARNING, 7, at,
                      "the port applies only to Windows Server 2012 R2 hosts; %s run(s) Windows "
                      "Server 2012, where port %d has no effect",
                      hosts, s->port);
    }
    return ok;
}

/* Rule 8, the part about hosts: the port is free on every host of one cloud. */
static bool port_free_on_cloud(const drs_scenario *sc, int site, int cloud, int port,
                               const char *at, drs_diags *out)
{
    bool ok = true;
    if (!cloud_ok(sc, site, cloud))
        return true;
    const drs_site *s = &sc->sites[site];
    for (size_t h = 0; h < s->host_count; h++) {
        const drs_host *host = &s->hosts[h];
        if (host->cloud != cloud)
            continue;
        for (size_t k = 0; k < host->port_count; k++) {
            if (host->ports_in_use[k] != port)
                continue;
            drs_diags_add(out, DRS_SEV_ERROR, 8, at,
                          "replication port %d is already in use on host %s of cloud %s: expected "
                          "a port no other application uses on the hosts of both clouds",
                          port, str_or_empty(host->name), cloud_name(sc, site, cloud));
            ok = false;
            break;
        }
    }
    return ok;
}

static bool port_check(const drs_scenario *sc, const drs_cloud_pair *p, const char *path,
                       drs_diags *out)
{
    char at[PATH_MAX_LEN];
    int port = p->settings.port;
    snprintf(at, sizeof at, "%s.settings.port", path);
    if (!rules_port_valid(port)) {
        drs_diags_add(out, DRS_SEV_ERROR, 8, at,
                      "replication port %d: expected a port from 1 to 65535", port);
        return false;
    }
    bool a = port_free_on_cloud(sc, p->primary_site, p->primary_cloud, port, at, out);
    bool b = port_free_on_cloud(sc, p->target_site, p->target_cloud, port, at, out);
    return a && b;
}

static bool name_is_host(const drs_scenario *sc, const char *name, int *site_out)
{
    for (size_t s = 0; s < sc->site_count; s++)
        for (size_t h = 0; h < sc->sites[s].host_count; h++)
            if (strcmp(str_or_empty(sc->sites[s].hosts[h].name), name) == 0) {
                *site_out = (int)s;
                return true;
            }
    return false;
}

/* The site whose file servers include name, or -1. */
static int file_server_site(const drs_scenario *sc, const char *name)
{
    for (size_t s = 0; s < sc->site_count; s++)
        for (size_t f = 0; f < sc->sites[s].file_server_count; f++)
            if (strcmp(str_or_empty(sc->sites[s].file_servers[f]), name) == 0)
                return (int)s;
    return -1;
}

/* Rule 9 for one location: on a file server of want_site, not on a Hyper-V host. */
static bool location_check(const drs_scenario *sc, const char *loc, int want_site, const char *what,
                           const char *side, const char *at, drs_diags *out)
{
    char server[64];
    int host_site = -1;
    if (!rules_location_server(loc, server, sizeof server)) {
        drs_diags_add(out, DRS_SEV_ERROR, 9, at,
                      "offline %s location \"%s\": expected \"server:path\" naming a file server "
                      "of the %s site, such as \"fs:\\\\fs\\%s\"",
                      what, str_or_empty(loc), side, what);
        return false;
    }
    if (name_is_host(sc, server, &host_site)) {
        drs_diags_add(
            out, DRS_SEV_ERROR, 9, at,
            "offline %s location \"%s\" is on Hyper-V host %s of site %s: expected a file "
            "server, since Hyper-V does not support loopback",
            what, loc, server, site_name(sc, host_site));
        return false;
    }
    int fs_site = file_server_site(sc, server);
    if (fs_site < 0) {
        drs_diags_add(out, DRS_SEV_ERROR, 9, at,
                      "offline %s location \"%s\" names %s, which is no file server of any site: "
                      "expected a file server of the %s site %s",
                      what, loc, server, side, site_name(sc, want_site));
        return false;
    }
    if (site_ok(sc, want_site) && fs_site != want_site) {
        drs_diags_add(out, DRS_SEV_ERROR, 9, at,
                      "offline %s location \"%s\" is on file server %s of site %s: expected a file "
                      "server of the %s site %s",
                      what, loc, server, site_name(sc, fs_site), side, site_name(sc, want_site));
        return false;
    }
    return true;
}

static bool offline_check(const drs_scenario *sc, const drs_cloud_pair *p, const char *path,
                          drs_diags *out)
{
    const drs_initial_replication *ir = &p->settings.initial_replication;
    char at[PATH_MAX_LEN];
    if (ir->method != DRS_IR_OFFLINE)
        return true;
    snprintf(at, sizeof at, "%s.settings.initial_replication.export", path);
    bool a = location_check(sc, ir->export_location, p->primary_site, "export", "source", at, out);
    snprintf(at, sizeof at, "%s.settings.initial_replication.import", path);
    bool b = location_check(sc, ir->import_location, p->target_site, "import", "target", at, out);
    return a && b;
}

bool rules_pair_desc_check(const drs_scenario *sc, const drs_cloud_pair *pair, const char *path,
                           drs_diags *out)
{
    bool ok = pair_target_check(sc, pair, path, out);
    ok = copy_frequency_check(sc, pair, path, out) && ok;
    ok = recovery_points_check(sc, pair, path, out) && ok;
    ok = app_consistent_check(pair, path, out) && ok;
    ok = auth_check(sc, pair, path, out) && ok;
    ok = port_check(sc, pair, path, out) && ok;
    ok = offline_check(sc, pair, path, out) && ok;
    return ok;
}

bool rules_pair_settings_check(const drs_scenario *sc, size_t pair, const char *path,
                               drs_diags *out)
{
    return rules_pair_desc_check(sc, &sc->recovery.cloud_pairs[pair], path, out);
}

/* ---- Rules 11 and 12: mappings --------------------------------------------------------------- */

/* A mapping's sites against the pairs of the scenario: the source on a pair's primary site, the
 * target on that pair's target site. */
static bool mapping_check(const drs_scenario *sc, const drs_mapping *m, int rule, const char *kind,
                          const char *source_name, const char *target_name, const char *path,
                          drs_diags *out)
{
    char at[PATH_MAX_LEN];
    bool source_primary = false, pair_found = false;
    for (size_t i = 0; i < sc->recovery.cloud_pair_count; i++) {
        const drs_cloud_pair *p = &sc->recovery.cloud_pairs[i];
        if (p->primary_site != m->source_site)
            continue;
        source_primary = true;
        pair_found |= p->target_site == m->target_site;
    }
    if (!source_primary) {
        snprintf(at, sizeof at, "%s.source", path);
        drs_diags_add(out, DRS_SEV_ERROR, rule, at,
                      "%s %s belongs to %s, which manages no primary cloud of a cloud pair: "
                      "expected a %s of a source VMM server",
                      kind, source_name, vmm_name(sc, m->source_site), kind);
        return false;
    }
    if (m->target_site == m->source_site || !pair_found) {
        snprintf(at, sizeof at, "%s.target", path);
        drs_diags_add(out, DRS_SEV_ERROR, rule, at,
                      "%s %s is mapped to %s %s of %s: expected a %s of the target VMM server of a "
                      "cloud pair whose primary is on %s",
                      kind, source_name, kind, target_name, vmm_name(sc, m->target_site), kind,
                      vmm_name(sc, m->source_site));
        return false;
    }
    return true;
}

static const char *network_name(const drs_scenario *sc, int site, int net)
{
    if (!site_ok(sc, site) || net < 0 || (size_t)net >= sc->sites[site].network_count)
        return "?";
    return str_or_empty(sc->sites[site].networks[net].name);
}

static const char *classification_name(const drs_scenario *sc, int site, int st)
{
    if (!site_ok(sc, site) || st < 0 || (size_t)st >= sc->sites[site].storage_count)
        return "?";
    return str_or_empty(sc->sites[site].storage[st].classification);
}

bool rules_network_mapping_check(const drs_scenario *sc, size_t m, drs_diags *out)
{
    const drs_mapping *x = &sc->recovery.network_mappings[m];
    char path[PATH_MAX_LEN];
    snprintf(path, sizeof path, "recovery.network_mappings[%zu]", m);
    return mapping_check(sc, x, 11, "network", network_name(sc, x->source_site, x->source),
                         network_name(sc, x->target_site, x->target), path, out);
}

bool rules_storage_mapping_check(const drs_scenario *sc, size_t m, drs_diags *out)
{
    const drs_mapping *x = &sc->recovery.storage_mappings[m];
    char path[PATH_MAX_LEN];
    snprintf(path, sizeof path, "recovery.storage_mappings[%zu]", m);
    return mapping_check(sc, x, 12, "storage classification",
                         classification_name(sc, x->source_site, x->source),
                         classification_name(sc, x->target_site, x->target), path, out);
}

/* A mapping of (site, index) to target_site made by at_ns: the one the engine would use. */
static bool mapped_by(const drs_mapping *maps, size_t count, int site, int index, int target_site,
                      int64_t at_ns)
{
    for (size_t i = 0; i < count; i++)
        if (maps[i].source_site == site && maps[i].source == index &&
            maps[i].target_site == target_site && maps[i].at_ns <= at_ns)
            return true;
    return false;
}

/* ---- What protecting one VM checks about the VM ---------------------------------------------- */

static int classification_index(const drs_site *s, const char *name)
{
    for (size_t i = 0; i < s->storage_count; i++)
        if (strcmp(str_or_empty(s->storage[i].classification), name) == 0)
            return (int)i;
    return -1;
}

/* Rule 13 (onboarding): an existing Hyper-V Replica relationship should already use the cloud's
 * settings; Site Recovery reuses the replica and applies the cloud's. */
static void existing_replica_check(const drs_scenario *sc, size_t vm, const drs_cloud_pair *p,
                                   drs_diags *out)
{
    const drs_vm *v = &sc->vms[vm];
    const drs_existing_replica *e = &v->existing_replica;
    const drs_pair_settings *s = &p->settings;
    char at[PATH_MAX_LEN], want[32], got[32];
    if (!e->present)
        return;
    drs_host_os os = DRS_OS_2012R2;
    if (site_ok(sc, v->site) && v->host >= 0 && (size_t)v->host < sc->sites[v->site].host_count)
        os = sc->sites[v->site].hosts[v->host].os;
    int64_t cloud_freq = rules_copy_frequency_effective(s->copy_frequency_ns, os);
    if (e->copy_frequency_ns > 0 && e->copy_frequency_ns != cloud_freq) {
        snprintf(at, sizeof at, "vms[%zu].existing_replica.settings.copy_frequency", vm);
        drs_diags_add(out, DRS_SEV_WARNING, 13, at,
                      "existing replication of %s copies every %s, cloud %s every %s: the cloud's "
                      "setting replaces it when protection is enabled",
                      str_or_empty(v->name), fmt_dur(e->copy_frequency_ns, got, sizeof got),
                      cloud_name(sc, p->primary_site, p->primary_cloud),
                      fmt_dur(cloud_freq, want, sizeof want));
    }
    if (e->additional_recovery_points >= 0 &&
        e->additional_recovery_points != s->additional_recovery_points) {
        snprintf(at, sizeof at, "vms[%zu].existing_replica.settings.additional_recovery_points",
                 vm);
        drs_diags_add(out, DRS_SEV_WARNING, 13, at,
                      "existing replication of %s keeps %d additional recovery points, cloud %s "
                      "keeps %d: the cloud's setting replaces it when protection is enabled",
                      str_or_empty(v->name), e->additional_recovery_points,
                      cloud_name(sc, p->primary_site, p->primary_cloud),
                      s->additional_recovery_points);
    }
    if (e->app_consistent_frequency_ns > 0 &&
        e->app_consistent_frequency_ns != s->app_consistent_frequency_ns) {
        snprintf(at, sizeof at, "vms[%zu].existing_replica.settings.app_consistent_frequency", vm);
        drs_diags_add(out, DRS_SEV_WARNING, 13, at,
                      "existing replication of %s takes application-consistent snapshots every %s, "
                      "cloud %s %s%s: the cloud's setting replaces it when protection is enabled",
                      str_or_empty(v->name),
                      fmt_dur(e->app_consistent_frequency_ns, got, sizeof got),
                      cloud_name(sc, p->primary_site, p->primary_cloud),
                      s->app_consistent_frequency_ns ? "every " : "takes none",
                      s->app_consistent_frequency_ns
                          ? fmt_dur(s->app_consistent_frequency_ns, want, sizeof want)
                          : "");
    }
    if (e->compression >= 0 && (e->compression != 0) != s->compression) {
        snprintf(at, sizeof at, "vms[%zu].existing_replica.settings.compression", vm);
        drs_diags_add(out, DRS_SEV_WARNING, 13, at,
                      "existing replication of %s has compression %s, cloud %s has it %s: the "
                      "cloud's setting replaces it when protection is enabled",
                      str_or_empty(v->name), e->compression ? "on" : "off",
                      cloud_name(sc, p->primary_site, p->primary_cloud),
                      s->compression ? "on" : "off");
    }
    /* The replica host must be in the target cloud for Site Recovery to find the replica. */
    if (e->host && cloud_ok(sc, p->target_site, p->target_cloud)) {
        const drs_site *t = &sc->sites[p->target_site];
        bool in_target = false;
        for (size_t h = 0; h < t->host_count; h++)
            in_target |= t->hosts[h].cloud == p->target_cloud &&
                         strcmp(str_or_empty(t->hosts[h].name), e->host) == 0;
        if (!in_target) {
            snprintf(at, sizeof at, "vms[%zu].existing_replica.host", vm);
            drs_diags_add(out, DRS_SEV_WARNING, 13, at,
                          "the existing replica of %s is on host %s, which is not in target cloud "
                          "%s: expected the replica host in the target cloud, otherwise the "
                          "replica is not reused",
                          str_or_empty(v->name), e->host,
                          cloud_name(sc, p->target_site, p->target_cloud));
        }
    }
}

bool rules_vm_protection_check(const drs_scenario *sc, size_t vm, const drs_cloud_pair *pair,
                               int64_t at_ns, drs_diags *out)
{
    const drs_vm *v = &sc->vms[vm];
    char at[PATH_MAX_LEN], when[32];
    bool ok = true;
    fmt_dur(at_ns, when, sizeof when);

    if (v->vmm_recovery_points >= 0 &&
        v->vmm_recovery_points < pair->settings.additional_recovery_points) {
        snprintf(at, sizeof at, "vms[%zu].vmm_recovery_points", vm);
        drs_diags_add(
            out, DRS_SEV_ERROR, 5, at,
            "VM %s has %d recovery points in the VMM console, fewer than the %d additional "
            "recovery points of cloud %s: expected at least %d",
            str_or_empty(v->name), v->vmm_recovery_points,
            pair->settings.additional_recovery_points,
            cloud_name(sc, pair->primary_site, pair->primary_cloud),
            pair->settings.additional_recovery_points);
        ok = false;
    }

    if (!site_ok(sc, v->site))
        return ok;
    const drs_site *s = &sc->sites[v->site];
    for (size_t j = 0; j < v->network_count; j++) {
        if (mapped_by(sc->recovery.network_mappings, sc->recovery.network_mapping_count, v->site,
                      v->networks[j], pair->target_site, at_ns))
            continue;
        snprintf(at, sizeof at, "vms[%zu].networks[%zu]", vm, j);
        drs_diags_add(
            out, DRS_SEV_WARNING, 11, at,
            "network %s of VM %s has no mapping to a network of %s when protection is "
            "enabled at %s: after a failover the VM comes up without a network connection",
            network_name(sc, v->site, v->networks[j]), str_or_empty(v->name),
            vmm_name(sc, pair->target_site), when);
    }

    int host_default = -1;
    if (v->host >= 0 && (size_t)v->host < s->host_count)
        host_default = s->hosts[v->host].storage;
    for (size_t d = 0; d < v->disk_count; d++) {
        const drs_disk *disk = &v->disks[d];
        int cls = disk->storage ? classification_index(s, disk->storage) : host_default;
        if (cls < 0)
            continue; /* no classification to map: it already lives on a default location */
        if (mapped_by(sc->recovery.storage_mappings, sc->recovery.storage_mapping_count, v->site,
                      cls, pair->target_site, at_ns))
            continue;
        snprintf(at, sizeof at, "vms[%zu].disks[%zu]", vm, d);
        drs_diags_add(out, DRS_SEV_WARNING, 12, at,
                      "disk %s of VM %s is on classification %s, which has no storage mapping to "
                      "%s when protection is enabled at %s: its replica goes to the default "
                      "location of the target host",
                      str_or_empty(disk->name), str_or_empty(v->name),
                      classification_name(sc, v->site, cls), vmm_name(sc, pair->target_site), when);
    }

    existing_replica_check(sc, vm, pair, out);
    return ok;
}

/* ---- Configuration over time ----------------------------------------------------------------- */

typedef struct rules_pair_now {
    bool configured; /* configured and not removed since */
    bool ever;       /* configured at some point (a pair.modify then needs a removal, not a pair) */
    int target_site, target_cloud;
} rules_pair_now;

struct rules_state {
    const drs_scenario *sc;
    bool apply_refused;
    bool *registered;      /* per site */
    bool *vmm_checked;     /* per site: rule 2 judged at its first registration */
    bool *synced;          /* per site: its registration synchronised all clouds */
    rules_pair_now *pairs; /* per recovery.cloud_pairs entry */
};

rules_state *rules_state_new(const drs_scenario *sc, bool apply_refused)
{
    rules_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->sc = sc;
    st->apply_refused = apply_refused;
    size_t sites = sc->site_count ? sc->site_count : 1;
    size_t pairs = sc->recovery.cloud_pair_count ? sc->recovery.cloud_pair_count : 1;
    st->registered = calloc(sites, sizeof *st->registered);
    st->vmm_checked = calloc(sites, sizeof *st->vmm_checked);
    st->synced = calloc(sites, sizeof *st->synced);
    st->pairs = calloc(pairs, sizeof *st->pairs);
    if (!st->registered || !st->vmm_checked || !st->synced || !st->pairs) {
        rules_state_free(st);
        return NULL;
    }
    for (size_t i = 0; i < sc->recovery.cloud_pair_count; i++) {
        st->pairs[i].target_site = sc->recovery.cloud_pairs[i].target_site;
        st->pairs[i].target_cloud = sc->recovery.cloud_pairs[i].target_cloud;
    }
    return st;
}

void rules_state_free(rules_state *st)
{
    if (!st)
        return;
    free(st->registered);
    free(st->vmm_checked);
    free(st->synced);
    free(st->pairs);
    free(st);
}

bool rules_state_registered(const rules_state *st, int site)
{
    return site_ok(st->sc, site) && st->registered[site];
}

bool rules_state_register(rules_state *st, size_t reg, drs_diags *out)
{
    const drs_registration *r = &st->sc->recovery.registrations[reg];
    bool ok = rules_registration_check(st->sc, reg, out);
    if (!site_ok(st->sc, r->site))
        return false;
    if (!st->vmm_checked[r->site]) {
        st->vmm_checked[r->site] = true;
        ok = rules_vmm_check(st->sc, (size_t)r->site, out) && ok;
    }
    if (ok || st->apply_refused) {
        st->registered[r->site] = true;
        st->synced[r->site] |= r->sync_all_clouds;
    }
    return ok;
}

int rules_state_pair_of(const rules_state *st, int site, int cloud)
{
    for (size_t i = 0; i < st->sc->recovery.cloud_pair_count; i++)
        if (st->pairs[i].configured && st->sc->recovery.cloud_pairs[i].primary_site == site &&
            st->sc->recovery.cloud_pairs[i].primary_cloud == cloud)
            return (int)i;
    return -1;
}

bool rules_state_pair_current(const rules_state *st, size_t pair, drs_cloud_pair *pair_out)
{
    if (pair >= st->sc->recovery.cloud_pair_count || !st->pairs[pair].configured)
        return false;
    *pair_out = st->sc->recovery.cloud_pairs[pair];
    pair_out->target_site = st->pairs[pair].target_site;
    pair_out->target_cloud = st->pairs[pair].target_cloud;
    return true;
}

/* The configured pair (other than `except`) holding (site, cloud) as primary or target, or -1. */
static int pair_holding(const rules_state *st, int site, int cloud, size_t except)
{
    for (size_t i = 0; i < st->sc->recovery.cloud_pair_count; i++) {
        const drs_cloud_pair *p = &st->sc->recovery.cloud_pairs[i];
        if (i == except || !st->pairs[i].configured)
            continue;
        if ((p->primary_site == site && p->primary_cloud == cloud) ||
            (st->pairs[i].target_site == site && st->pairs[i].target_cloud == cloud))
            return (int)i;
    }
    return -1;
}

/* Rule 3 (each cloud in one pair) and rule 13 (both VMM servers registered) for pair index i with
 * the target of `p`; path names the step, field_path the pair's fields. */
static bool pair_step_check(rules_state *st, size_t i, const drs_cloud_pair *p,
                            const char *step_path, bool step_is_pair, drs_diags *out)
{
    const drs_scenario *sc = st->sc;
    char at[PATH_MAX_LEN], other[PATH_MAX_LEN], when[32];
    bool ok = true;
    fmt_dur(p->at_ns, when, sizeof when);
    int ends[2][2] = {{p->primary_site, p->primary_cloud}, {p->target_site, p->target_cloud}};
    const char *fields[2] = {"primary", "target"};
    for (int e = 0; e < 2; e++) {
        if (!cloud_ok(sc, ends[e][0], ends[e][1]))
            continue;
        int holder = pair_holding(st, ends[e][0], ends[e][1], i);
        if (holder < 0)
            continue;
        if (step_is_pair)
            snprintf(at, sizeof at, "%s.%s", step_path, fields[e]);
        else
            snprintf(at, sizeof at, "%s", step_path);
        snprintf(other, sizeof other, "recovery.cloud_pairs[%d]", holder);
        drs_diags_add(
            out, DRS_SEV_ERROR, 3, at,
            "cloud %s is already in the cloud pair %s (%s -> %s): a cloud belongs to at "
            "most one pair, as primary or as target",
            cloud_name(sc, ends[e][0], ends[e][1]), other,
            cloud_name(sc, sc->recovery.cloud_pairs[holder].primary_site,
                       sc->recovery.cloud_pairs[holder].primary_cloud),
            cloud_name(sc, st->pairs[holder].target_site, st->pairs[holder].target_cloud));
        ok = false;
    }
    for (int e = 0; e < 2; e++) {
        if (!site_ok(sc, ends[e][0]) || st->registered[ends[e][0]])
            continue;
        if (e == 1 && ends[1][0] == ends[0][0])
            continue; /* same VMM server: rule 3 already says so */
        if (step_is_pair)
            snprintf(at, sizeof at, "%s.%s", step_path, fields[e]);
        else
            snprintf(at, sizeof at, "%s", step_path);
        drs_diags_add(out, DRS_SEV_ERROR, 13, at,
                      "cloud %s is configured for protection at %s, but its VMM server %s is not "
                      "registered in the vault by then: expected both VMM servers registered first",
                      cloud_name(sc, ends[e][0], ends[e][1]), when, vmm_name(sc, ends[e][0]));
        ok = false;
    }
    if (site_ok(sc, p->primary_site) && st->registered[p->primary_site] &&
        !st->synced[p->primary_site]) {
        if (step_is_pair)
            snprintf(at, sizeof at, "%s.primary", step_path);
        else
            snprintf(at, sizeof at, "%s", step_path);
        drs_diags_add(
            out, DRS_SEV_WARNING, 13, at,
            "VMM server %s registered without synchronising all clouds (sync_all_clouds), "
            "so cloud %s reaches the vault only if synchronised from its properties in the "
            "VMM console: drsim assumes it was",
            vmm_name(sc, p->primary_site), cloud_name(sc, p->primary_site, p->primary_cloud));
    }
    return ok;
}

bool rules_state_pair_configure(rules_state *st, size_t pair, drs_diags *out)
{
    const drs_cloud_pair *p = &st->sc->recovery.cloud_pairs[pair];
    char path[PATH_MAX_LEN];
    snprintf(path, sizeof path, "recovery.cloud_pairs[%zu]", pair);
    bool ok = pair_step_check(st, pair, p, path, true, out);
    ok = rules_pair_desc_check(st->sc, p, path, out) && ok;
    if (ok || st->apply_refused) {
        st->pairs[pair].configured = st->pairs[pair].ever = true;
        st->pairs[pair].target_site = p->target_site;
        st->pairs[pair].target_cloud = p->target_cloud;
    }
    return ok;
}

/* The entry of recovery.cloud_pairs with the primary cloud of a timeline action: the configured one
 * if any, else the last one ever configured, else -1. */
static int pair_for_action(const rules_state *st, const drs_action *a)
{
    int found = rules_state_pair_of(st, a->primary_site, a->primary_cloud);
    if (found >= 0)
        return found;
    for (size_t i = 0; i < st->sc->recovery.cloud_pair_count; i++) {
        const drs_cloud_pair *p = &st->sc->recovery.cloud_pairs[i];
        if (st->pairs[i].ever && p->primary_site == a->primary_site &&
            p->primary_cloud == a->primary_cloud)
            found = (int)i;
    }
    return found;
}

bool rules_state_pair_remove(rules_state *st, size_t action, drs_diags *out)
{
    const drs_action *a = &st->sc->timeline[action];
    int i = rules_state_pair_of(st, a->primary_site, a->primary_cloud);
    if (i < 0) {
        char when[32];
        drs_diags_add(out, DRS_SEV_ERROR, 10, a->path,
                      "pair.remove at %s: cloud %s is not the primary of a configured cloud pair "
                      "then, so there is no configuration to remove",
                      fmt_dur(a->at_ns, when, sizeof when),
                      cloud_name(st->sc, a->primary_site, a->primary_cloud));
        return false;
    }
    st->pairs[i].configured = false;
    return true;
}

bool rules_state_pair_modify(rules_state *st, size_t action, drs_diags *out)
{
    const drs_scenario *sc = st->sc;
    const drs_action *a = &sc->timeline[action];
    char when[32], path[PATH_MAX_LEN];
    fmt_dur(a->at_ns, when, sizeof when);
    int i = pair_for_action(st, a);
    if (i < 0) {
        drs_diags_add(
            out, DRS_SEV_ERROR, 10, a->path,
            "pair.modify at %s: cloud %s is not the primary of any cloud pair configured "
            "by then: expected a pair of recovery.cloud_pairs, configured and then removed",
            when, cloud_name(sc, a->primary_site, a->primary_cloud));
        return false;
    }
    drs_cloud_pair p = sc->recovery.cloud_pairs[i];
    p.target_site = a->target_site;
    p.target_cloud = a->target_cloud;
    p.at_ns = a->at_ns;
    bool ok = true;
    if (st->pairs[i].configured) {
        drs_diags_add(
            out, DRS_SEV_ERROR, 10, a->path,
            "pair.modify at %s changes the target of cloud %s from %s to %s without "
            "removing the pair first: the target location or cloud of a pair changes only "
            "by a pair.remove of it and configuring it again",
            when, cloud_name(sc, p.primary_site, p.primary_cloud),
            cloud_name(sc, st->pairs[i].target_site, st->pairs[i].target_cloud),
            cloud_name(sc, p.target_site, p.target_cloud));
        ok = false;
    }
    /* Judged as a new pair: its own old configuration no longer holds the clouds. */
    bool was = st->pairs[i].configured;
    st->pairs[i].configured = false;
    ok = pair_step_check(st, (size_t)i, &p, a->path, false, out) && ok;
    st->pairs[i].configured = was;
    snprintf(path, sizeof path, "recovery.cloud_pairs[%d]", i);
    ok = rules_pair_desc_check(sc, &p, path, out) && ok;
    if (ok || st->apply_refused) {
        st->pairs[i].configured = st->pairs[i].ever = true;
        st->pairs[i].target_site = p.target_site;
        st->pairs[i].target_cloud = p.target_cloud;
    }
    return ok;
}

bool rules_state_protect(rules_state *st, size_t vm, int64_t at_ns, const char *path,
                         drs_diags *out)
{
    const drs_scenario *sc = st->sc;
    const drs_vm *v = &sc->vms[vm];
    char when[32];
    fmt_dur(at_ns, when, sizeof when);
    if (!site_ok(sc, v->site) || v->host < 0 || (size_t)v->host >= sc->sites[v->site].host_count)
        return false; /* an unresolved host is the loader's error */
    const drs_host *h = &sc->sites[v->site].hosts[v->host];
    bool ok = true;
    if (!st->registered[v->site]) {
        drs_diags_add(out, DRS_SEV_ERROR, 13, path,
                      "protection of VM %s is enabled at %s, but its VMM server %s is not "
                      "registered in the vault by then: expected a registration at or before %s",
                      str_or_empty(v->name), when, vmm_name(sc, v->site), when);
        ok = false;
    }
    if (h->cloud < 0) {
        drs_diags_add(out, DRS_SEV_ERROR, 13, path,
                      "VM %s runs on host %s, which is in no cloud: protection can be enabled only "
                      "for a VM in a cloud configured for protection",
                      str_or_empty(v->name), str_or_empty(h->name));
        return false;
    }
    int pi = rules_state_pair_of(st, v->site, h->cloud);
    if (pi < 0) {
        /* Say why: removed, configured only later, a target cloud, or never paired. */
        bool removed = false, is_target = false;
        int64_t later_ns = -1;
        for (size_t i = 0; i < sc->recovery.cloud_pair_count; i++) {
            const drs_cloud_pair *p = &sc->recovery.cloud_pairs[i];
            if (p->primary_site == v->site && p->primary_cloud == h->cloud) {
                if (st->pairs[i].ever)
                    removed = true;
                else if (later_ns < 0 || p->at_ns < later_ns)
                    later_ns = p->at_ns;
            }
            is_target |=
                st->pairs[i].target_site == v->site && st->pairs[i].target_cloud == h->cloud;
        }
        char why[96], t[32];
        if (removed)
            snprintf(why, sizeof why, "its cloud pair was removed");
        else if (later_ns >= 0)
            snprintf(why, sizeof why, "its cloud pair is configured only at %s",
                     fmt_dur(later_ns, t, sizeof t));
        else if (is_target)
            snprintf(why, sizeof why, "it is the target cloud of a pair, not a primary");
        else
            snprintf(why, sizeof why, "it is the primary of no cloud pair");
        drs_diags_add(
            out, DRS_SEV_ERROR, 13, path,
            "protection of VM %s is enabled at %s, but cloud %s is not configured for "
            "protection then (%s): expected its host's cloud to be the primary of a cloud "
            "pair configured at or before %s",
            str_or_empty(v->name), when, cloud_name(sc, v->site, h->cloud), why, when);
        return false;
    }
    drs_cloud_pair now;
    rules_state_pair_current(st, (size_t)pi, &now);
    return rules_vm_protection_check(sc, vm, &now, at_ns, out) && ok;
}

/* ---- The whole scenario ---------------------------------------------------------------------- */

enum step_kind {
    STEP_REGISTER,
    STEP_PAIR,
    STEP_NETWORK_MAP,
    STEP_STORAGE_MAP,
    STEP_PROTECT,
    STEP_TIMELINE
};

typedef struct rules_step {
    int64_t at_ns;
    enum step_kind kind;
    size_t index;
} rules_step;

/* Time, then the order of the configuration steps, then the order of appearance. */
static int step_cmp(const void *pa, const void *pb)
{
    const rules_step *a = pa, *b = pb;
    if (a->at_ns != b->at_ns)
        return a->at_ns < b->at_ns ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

void engine_rules_check(const struct drs_scenario *sc, drs_diags *out)
{
    const drs_recovery *r = &sc->recovery;
    size_t n = r->registration_count + r->cloud_pair_count + r->network_mapping_count +
               r->storage_mapping_count + r->protect_count + sc->timeline_count;
    rules_step *steps = calloc(n ? n : 1, sizeof *steps);
    rules_state *st = rules_state_new(sc, true);
    if (!steps || !st) {
        drs_diags_add(out, DRS_SEV_ERROR, 0, "", "out of memory while checking the configuration");
        free(steps);
        rules_state_free(st);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < r->registration_count; i++)
        steps[k++] = (rules_step){r->registrations[i].at_ns, STEP_REGISTER, i};
    for (size_t i = 0; i < r->cloud_pair_count; i++)
        steps[k++] = (rules_step){r->cloud_pairs[i].at_ns, STEP_PAIR, i};
    for (size_t i = 0; i < r->network_mapping_count; i++)
        steps[k++] = (rules_step){r->network_mappings[i].at_ns, STEP_NETWORK_MAP, i};
    for (size_t i = 0; i < r->storage_mapping_count; i++)
        steps[k++] = (rules_step){r->storage_mappings[i].at_ns, STEP_STORAGE_MAP, i};
    for (size_t i = 0; i < r->protect_count; i++)
        steps[k++] = (rules_step){r->protect[i].at_ns, STEP_PROTECT, i};
    for (size_t i = 0; i < sc->timeline_count; i++)
        steps[k++] = (rules_step){sc->timeline[i].at_ns, STEP_TIMELINE, i};
    qsort(steps, n, sizeof *steps, step_cmp);

    for (size_t i = 0; i < n; i++) {
        size_t x = steps[i].index;
        char path[PATH_MAX_LEN];
        switch (steps[i].kind) {
        case STEP_REGISTER:
            rules_state_register(st, x, out);
            break;
        case STEP_PAIR:
            rules_state_pair_configure(st, x, out);
            break;
        case STEP_NETWORK_MAP:
            rules_network_mapping_check(sc, x, out);
            break;
        case STEP_STORAGE_MAP:
            rules_storage_mapping_check(sc, x, out);
            break;
        case STEP_PROTECT:
            if (r->protect[x].vm < 0 || (size_t)r->protect[x].vm >= sc->vm_count)
                break; /* an unresolved VM is the loader's error */
            snprintf(path, sizeof path, "recovery.protect[%zu]", x);
            rules_state_protect(st, (size_t)r->protect[x].vm, r->protect[x].at_ns, path, out);
            break;
        case STEP_TIMELINE: {
            const drs_action *a = &sc->timeline[x];
            if (a->what == DRS_DO_PAIR_REMOVE)
                rules_state_pair_remove(st, x, out);
            else if (a->what == DRS_DO_PAIR_MODIFY)
                rules_state_pair_modify(st, x, out);
            else if (a->what == DRS_DO_PROTECT && a->vm >= 0 && (size_t)a->vm < sc->vm_count)
                rules_state_protect(st, (size_t)a->vm, a->at_ns, a->path, out);
            break;
        }
        }
    }
    /* A VMM server that never registers still gets rule 2 judged: validate lists every problem. */
    for (size_t s = 0; s < sc->site_count; s++)
        if (!st->vmm_checked[s])
            rules_vmm_check(sc, s, out);
    rules_state_free(st);
    free(steps);
}
