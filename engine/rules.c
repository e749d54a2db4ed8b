/* engine/rules.c — the thirteen configuration rules of Site Recovery as checks of single steps:
 * pure predicates and one check per kind of step (see rules.h); the configuration they are checked
 * against over time is rules_state.c. */
#include "rules.h"
#include "rules_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- Small helpers --------------------------------------------------------------------------- */

/* A duration as a person writes it in a scenario: "5d", "1d2h30m", "30s", "1.5s", "0s". */
const char *rules_fmt_dur(int64_t ns, char *buf, size_t n)
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

const char *rules_str(const char *s)
{
    return s ? s : "";
}

bool rules_site_ok(const drs_scenario *sc, int site)
{
    return site >= 0 && (size_t)site < sc->site_count;
}

bool rules_cloud_ok(const drs_scenario *sc, int site, int cloud)
{
    return rules_site_ok(sc, site) && cloud >= 0 && (size_t)cloud < sc->sites[site].cloud_count;
}

const char *rules_cloud_name(const drs_scenario *sc, int site, int cloud)
{
    return rules_cloud_ok(sc, site, cloud) ? rules_str(sc->sites[site].clouds[cloud]) : "?";
}

static const char *site_name(const drs_scenario *sc, int site)
{
    return rules_site_ok(sc, site) ? rules_str(sc->sites[site].name) : "?";
}

const char *rules_vmm_name(const drs_scenario *sc, int site)
{
    return rules_site_ok(sc, site) ? rules_str(sc->sites[site].vmm.name) : "?";
}

/* The hosts of (site, cloud) that run os, as "hv-1, hv-2" (as many as fit); returns the count. */
static size_t hosts_with_os(const drs_scenario *sc, int site, int cloud, drs_host_os os, char *buf,
                            size_t n)
{
    size_t count = 0, len = 0;
    buf[0] = '\0';
    if (!rules_cloud_ok(sc, site, cloud))
        return 0;
    const drs_site *s = &sc->sites[site];
    for (size_t h = 0; h < s->host_count; h++) {
        if (s->hosts[h].cloud != cloud || s->hosts[h].os != os)
            continue;
        if (len < n)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", count ? ", " : "",
                                    rules_str(s->hosts[h].name));
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

/* The OS of host (site, host), 2012 R2 when the indices resolve to nothing. */
static drs_host_os host_os(const drs_scenario *sc, int site, int host)
{
    if (!rules_site_ok(sc, site) || host < 0 || (size_t)host >= sc->sites[site].host_count)
        return DRS_OS_2012R2;
    return sc->sites[site].hosts[host].os;
}

int64_t rules_copy_frequency_between(const drs_scenario *sc, int64_t copy_frequency_ns, int src_site,
                                     int src_host, int tgt_site, int tgt_host)
{
    bool old = host_os(sc, src_site, src_host) == DRS_OS_2012 ||
               host_os(sc, tgt_site, tgt_host) == DRS_OS_2012;
    return rules_copy_frequency_effective(copy_frequency_ns, old ? DRS_OS_2012 : DRS_OS_2012R2);
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
    const char *want = rules_str(vmm->nodes[0].provider_version);
    for (size_t j = 1; j < vmm->node_count; j++) {
        const char *got = rules_str(vmm->nodes[j].provider_version);
        if (strcmp(want, got) == 0)
            continue;
        char path[RULES_PATH_MAX];
        snprintf(path, sizeof path, "sites[%zu].vmm.nodes[%zu].provider_version", site, j);
        drs_diags_add(
            out, DRS_SEV_ERROR, 2, path,
            "node %s of clustered VMM server %s runs provider version \"%s\", but node %s "
            "runs \"%s\": every node of a cluster must run the same provider version",
            rules_str(vmm->nodes[j].name), rules_str(vmm->name), got, rules_str(vmm->nodes[0].name),
            want);
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
    char path[RULES_PATH_MAX], gen[32], at[32], age[32], validity[32];
    snprintf(path, sizeof path, "recovery.registrations[%zu].at", reg);
    rules_fmt_dur(r->key_generated_ns, gen, sizeof gen);
    rules_fmt_dur(r->at_ns, at, sizeof at);
    rules_fmt_dur(RULES_KEY_VALIDITY_NS, validity, sizeof validity);
    if (r->at_ns < r->key_generated_ns) {
        drs_diags_add(out, DRS_SEV_ERROR, 1, path,
                      "VMM server %s registers at %s with a registration key generated only at %s: "
                      "expected a key generated at or before the registration",
                      rules_vmm_name(sc, r->site), at, gen);
    } else {
        rules_fmt_dur(r->at_ns - r->key_generated_ns, age, sizeof age);
        drs_diags_add(out, DRS_SEV_ERROR, 1, path,
                      "VMM server %s registers at %s with a registration key generated at %s, %s "
                      "earlier: a key is valid for %s after it is generated; generate a new key",
                      rules_vmm_name(sc, r->site), at, gen, age, validity);
    }
    return false;
}

/* ---- Rules 3 to 9 on a pair description ------------------------------------------------------ */

/* Rule 3, second half: the target cloud exists and belongs to the other VMM server. */
static bool pair_target_check(const drs_scenario *sc, const drs_cloud_pair *p, const char *path,
                              drs_diags *out)
{
    char at[RULES_PATH_MAX];
    snprintf(at, sizeof at, "%s.target", path);
    if (!rules_cloud_ok(sc, p->target_site, p->target_cloud)) {
        drs_diags_add(out, DRS_SEV_ERROR, 3, at,
                      "the target cloud of primary cloud %s is not a cloud of any site: expected a "
                      "cloud managed by the other VMM server",
                      rules_cloud_name(sc, p->primary_site, p->primary_cloud));
        return false;
    }
    if (p->target_site == p->primary_site) {
        drs_diags_add(
            out, DRS_SEV_ERROR, 3, at,
            "target cloud %s is managed by %s, the VMM server of primary cloud %s: expected "
            "a cloud managed by the other VMM server",
            rules_cloud_name(sc, p->target_site, p->target_cloud),
            rules_vmm_name(sc, p->target_site),
            rules_cloud_name(sc, p->primary_site, p->primary_cloud));
        return false;
    }
    return true;
}

/* Rule 4: allowed values; a warning when 2012 hosts will use five minutes instead. */
static bool copy_frequency_check(const drs_scenario *sc, const drs_cloud_pair *p, const char *path,
                                 drs_diags *out)
{
    char at[RULES_PATH_MAX], got[32], hosts[96];
    int64_t f = p->settings.copy_frequency_ns;
    snprintf(at, sizeof at, "%s.settings.copy_frequency", path);
    rules_fmt_dur(f, got, sizeof got);
    if (!rules_copy_frequency_allowed(f)) {
        drs_diags_add(out, DRS_SEV_ERROR, 4, at,
                      "copy frequency %s is not offered: expected 30s, 5m or 15m", got);
        return false;
    }
    if (f == RULES_COPY_FREQUENCY_DEFAULT_NS)
        return true;
    size_t n =
        hosts_with_os(sc, p->primary_site, p->primary_cloud, DRS_OS_2012, hosts, sizeof hosts);
    if (n > 0)
        drs_diags_add(
            out, DRS_SEV_WARNING, 4, at,
            "copy frequency %s applies only to Windows Server 2012 R2 hosts; cloud %s has "
            "%zu Windows Server 2012 host(s) (%s), which replicate every 5m instead",
            got, rules_cloud_name(sc, p->primary_site, p->primary_cloud), n, hosts);
    /* The replica host limits it as well: a VM whose replica lands on a 2012 host of the target
     * cloud replicates every 5 minutes, whatever its primary runs. */
    n = hosts_with_os(sc, p->target_site, p->target_cloud, DRS_OS_2012, hosts, sizeof hosts);
    if (n > 0)
        drs_diags_add(
            out, DRS_SEV_WARNING, 4, at,
            "copy frequency %s applies only when the replica host also runs Windows Server 2012 "
            "R2; target cloud %s has %zu Windows Server 2012 host(s) (%s): VMs whose replica is "
            "placed there replicate every 5m instead",
            got, rules_cloud_name(sc, p->target_site, p->target_cloud), n, hosts);
    return true;
}

/* Rule 5: the lower limit applies if either cloud has a 2012 host (it keeps 15 points at most). */
static bool recovery_points_check(const drs_scenario *sc, const drs_cloud_pair *p, const char *path,
                                  drs_diags *out)
{
    char at[RULES_PATH_MAX], hosts[96];
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
    char at[RULES_PATH_MAX], got[32];
    int64_t f = p->settings.app_consistent_frequency_ns;
    int points = p->settings.additional_recovery_points;
    if (f == 0)
        return true;
    snprintf(at, sizeof at, "%s.settings.app_consistent_frequency", path);
    rules_fmt_dur(f, got, sizeof got);
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
    char at[RULES_PATH_MAX], hosts[96];
    bool ok = true;
    const drs_pair_settings *s = &p->settings;
    snprintf(at, sizeof at, "%s.settings.authentication", path);
    if (s->authentication == DRS_AUTH_KERBEROS) {
        int sites[2] = {p->primary_site, p->target_site};
        for (int i = 0; i < 2; i++) {
            if (!rules_site_ok(sc, sites[i]) || sc->sites[sites[i]].kerberos)
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
    if (!rules_cloud_ok(sc, site, cloud))
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
                          port, rules_str(host->name), rules_cloud_name(sc, site, cloud));
            ok = false;
            break;
        }
    }
    return ok;
}

static bool port_check(const drs_scenario *sc, const drs_cloud_pair *p, const char *path,
                       drs_diags *out)
{
    char at[RULES_PATH_MAX];
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
            if (strcmp(rules_str(sc->sites[s].hosts[h].name), name) == 0) {
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
            if (strcmp(rules_str(sc->sites[s].file_servers[f]), name) == 0)
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
                      what, rules_str(loc), side, what);
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
    if (rules_site_ok(sc, want_site) && fs_site != want_site) {
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
    char at[RULES_PATH_MAX];
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
    char at[RULES_PATH_MAX + 16]; /* path + ".source"; the diagnostic keeps what fits */
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
                      kind, source_name, rules_vmm_name(sc, m->source_site), kind);
        return false;
    }
    if (m->target_site == m->source_site || !pair_found) {
        snprintf(at, sizeof at, "%s.target", path);
        drs_diags_add(out, DRS_SEV_ERROR, rule, at,
                      "%s %s is mapped to %s %s of %s: expected a %s of the target VMM server of a "
                      "cloud pair whose primary is on %s",
                      kind, source_name, kind, target_name, rules_vmm_name(sc, m->target_site),
                      kind, rules_vmm_name(sc, m->source_site));
        return false;
    }
    return true;
}

static const char *network_name(const drs_scenario *sc, int site, int net)
{
    if (!rules_site_ok(sc, site) || net < 0 || (size_t)net >= sc->sites[site].network_count)
        return "?";
    return rules_str(sc->sites[site].networks[net].name);
}

static const char *classification_name(const drs_scenario *sc, int site, int st)
{
    if (!rules_site_ok(sc, site) || st < 0 || (size_t)st >= sc->sites[site].storage_count)
        return "?";
    return rules_str(sc->sites[site].storage[st].classification);
}

/* The mapping of maps[m]'s source to another target on the same target VMM server made before it
 * (earlier `at`, or the same `at` and an earlier entry, the order steps are taken in), or -1. */
static int conflicting_mapping(const drs_mapping *maps, size_t count, size_t m)
{
    const drs_mapping *x = &maps[m];
    if (x->source < 0 || x->target < 0)
        return -1;
    for (size_t j = 0; j < count; j++) {
        const drs_mapping *y = &maps[j];
        bool before = y->at_ns < x->at_ns || (y->at_ns == x->at_ns && j < m);
        if (before && y->source_site == x->source_site && y->source == x->source &&
            y->target_site == x->target_site && y->target >= 0 && y->target != x->target)
            return (int)j;
    }
    return -1;
}

/* Rules 11 and 12: a source network or classification maps to one target per target VMM server,
 * as the mapping pages of Site Recovery list one target beside each source. */
static bool mapping_unique_check(const drs_scenario *sc, const drs_mapping *maps, size_t count,
                                 size_t m, int rule, const char *key, const char *kind,
                                 const char *(*name)(const drs_scenario *, int, int),
                                 drs_diags *out)
{
    int j = conflicting_mapping(maps, count, m);
    if (j < 0)
        return true;
    const drs_mapping *x = &maps[m], *y = &maps[j];
    char at[RULES_PATH_MAX];
    snprintf(at, sizeof at, "recovery.%s[%zu].target", key, m);
    drs_diags_add(out, DRS_SEV_ERROR, rule, at,
                  "%s %s is already mapped to %s of %s by recovery.%s[%d]: expected one target "
                  "%s per source %s on each target VMM server, got %s as a second one",
                  kind, name(sc, x->source_site, x->source), name(sc, y->target_site, y->target),
                  rules_vmm_name(sc, x->target_site), key, j, kind, kind,
                  name(sc, x->target_site, x->target));
    return false;
}

bool rules_network_mapping_check(const drs_scenario *sc, size_t m, drs_diags *out)
{
    const drs_mapping *x = &sc->recovery.network_mappings[m];
    char path[RULES_PATH_MAX];
    snprintf(path, sizeof path, "recovery.network_mappings[%zu]", m);
    return mapping_check(sc, x, 11, "network", network_name(sc, x->source_site, x->source),
                         network_name(sc, x->target_site, x->target), path, out) &&
           mapping_unique_check(sc, sc->recovery.network_mappings,
                                sc->recovery.network_mapping_count, m, 11, "network_mappings",
                                "network", network_name, out);
}

bool rules_storage_mapping_check(const drs_scenario *sc, size_t m, drs_diags *out)
{
    const drs_mapping *x = &sc->recovery.storage_mappings[m];
    char path[RULES_PATH_MAX];
    snprintf(path, sizeof path, "recovery.storage_mappings[%zu]", m);
    return mapping_check(sc, x, 12, "storage classification",
                         classification_name(sc, x->source_site, x->source),
                         classification_name(sc, x->target_site, x->target), path, out) &&
           mapping_unique_check(sc, sc->recovery.storage_mappings,
                                sc->recovery.storage_mapping_count, m, 12, "storage_mappings",
                                "storage classification", classification_name, out);
}

/* ---- Recovery plans -------------------------------------------------------------------------- */

bool rules_plans_check(const drs_scenario *sc, drs_diags *out)
{
    bool ok = true;
    char at[RULES_PATH_MAX];
    for (size_t i = 0; i < sc->recovery.plan_count; i++) {
        const drs_recovery_plan *p = &sc->recovery.plans[i];
        if (p->group_count > RULES_PLAN_MAX_GROUPS) {
            snprintf(at, sizeof at, "recovery.recovery_plans[%zu].groups", i);
            drs_diags_add(out, DRS_SEV_ERROR, 0, at,
                          "recovery plan %s has %zu groups: a recovery plan holds at most %d",
                          rules_str(p->name), p->group_count, RULES_PLAN_MAX_GROUPS);
            ok = false;
        }
        size_t total = 0;
        for (size_t g = 0; g < p->group_count; g++)
            total += p->groups[g].vm_count;
        if (total <= RULES_PLAN_MAX_VMS)
            continue;
        /* Point at the first VM over the limit: that is where the plan has to be split. */
        size_t seen = 0;
        for (size_t g = 0; g < p->group_count; g++) {
            if (seen + p->groups[g].vm_count > RULES_PLAN_MAX_VMS) {
                snprintf(at, sizeof at, "recovery.recovery_plans[%zu].groups[%zu].vms[%zu]", i, g,
                         RULES_PLAN_MAX_VMS - seen);
                break;
            }
            seen += p->groups[g].vm_count;
        }
        drs_diags_add(out, DRS_SEV_ERROR, 0, at,
                      "recovery plan %s has %zu VMs: a recovery plan holds at most %d, and the "
                      "VMs from this one on are over the limit",
                      rules_str(p->name), total, RULES_PLAN_MAX_VMS);
        ok = false;
    }
    return ok;
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
        if (strcmp(rules_str(s->storage[i].classification), name) == 0)
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
    char at[RULES_PATH_MAX], want[32], got[32];
    if (!e->present)
        return;
    /* The replica stays on its host: both ends decide the interval the cloud's setting gives. */
    int replica_host = -1;
    if (e->host && rules_site_ok(sc, p->target_site))
        for (size_t h = 0; h < sc->sites[p->target_site].host_count; h++)
            if (strcmp(rules_str(sc->sites[p->target_site].hosts[h].name), e->host) == 0)
                replica_host = (int)h;
    int64_t cloud_freq = rules_copy_frequency_between(sc, s->copy_frequency_ns, v->site, v->host,
                                                      p->target_site, replica_host);
    if (e->copy_frequency_ns > 0 && e->copy_frequency_ns != cloud_freq) {
        snprintf(at, sizeof at, "vms[%zu].existing_replica.settings.copy_frequency", vm);
        drs_diags_add(out, DRS_SEV_WARNING, 13, at,
                      "existing replication of %s copies every %s, cloud %s every %s: the cloud's "
                      "setting replaces it when protection is enabled",
                      rules_str(v->name), rules_fmt_dur(e->copy_frequency_ns, got, sizeof got),
                      rules_cloud_name(sc, p->primary_site, p->primary_cloud),
                      rules_fmt_dur(cloud_freq, want, sizeof want));
    }
    if (e->additional_recovery_points >= 0 &&
        e->additional_recovery_points != s->additional_recovery_points) {
        snprintf(at, sizeof at, "vms[%zu].existing_replica.settings.additional_recovery_points",
                 vm);
        drs_diags_add(out, DRS_SEV_WARNING, 13, at,
                      "existing replication of %s keeps %d additional recovery points, cloud %s "
                      "keeps %d: the cloud's setting replaces it when protection is enabled",
                      rules_str(v->name), e->additional_recovery_points,
                      rules_cloud_name(sc, p->primary_site, p->primary_cloud),
                      s->additional_recovery_points);
    }
    if (e->app_consistent_frequency_ns > 0 &&
        e->app_consistent_frequency_ns != s->app_consistent_frequency_ns) {
        snprintf(at, sizeof at, "vms[%zu].existing_replica.settings.app_consistent_frequency", vm);
        drs_diags_add(out, DRS_SEV_WARNING, 13, at,
                      "existing replication of %s takes application-consistent snapshots every %s, "
                      "cloud %s %s%s: the cloud's setting replaces it when protection is enabled",
                      rules_str(v->name),
                      rules_fmt_dur(e->app_consistent_frequency_ns, got, sizeof got),
                      rules_cloud_name(sc, p->primary_site, p->primary_cloud),
                      s->app_consistent_frequency_ns ? "every " : "takes none",
                      s->app_consistent_frequency_ns
                          ? rules_fmt_dur(s->app_consistent_frequency_ns, want, sizeof want)
                          : "");
    }
    if (e->compression >= 0 && (e->compression != 0) != s->compression) {
        snprintf(at, sizeof at, "vms[%zu].existing_replica.settings.compression", vm);
        drs_diags_add(out, DRS_SEV_WARNING, 13, at,
                      "existing replication of %s has compression %s, cloud %s has it %s: the "
                      "cloud's setting replaces it when protection is enabled",
                      rules_str(v->name), e->compression ? "on" : "off",
                      rules_cloud_name(sc, p->primary_site, p->primary_cloud),
                      s->compression ? "on" : "off");
    }
    /* The replica host must be in the target cloud for Site Recovery to find the replica. */
    if (e->host && rules_cloud_ok(sc, p->target_site, p->target_cloud)) {
        const drs_site *t = &sc->sites[p->target_site];
        bool in_target = false;
        for (size_t h = 0; h < t->host_count; h++)
            in_target |= t->hosts[h].cloud == p->target_cloud &&
                         strcmp(rules_str(t->hosts[h].name), e->host) == 0;
        if (!in_target) {
            snprintf(at, sizeof at, "vms[%zu].existing_replica.host", vm);
            drs_diags_add(out, DRS_SEV_WARNING, 13, at,
                          "the existing replica of %s is on host %s, which is not in target cloud "
                          "%s: expected the replica host in the target cloud, otherwise the "
                          "replica is not reused",
                          rules_str(v->name), e->host,
                          rules_cloud_name(sc, p->target_site, p->target_cloud));
        }
    }
}

bool rules_vm_protection_check(const drs_scenario *sc, size_t vm, const drs_cloud_pair *pair,
                               int64_t at_ns, drs_diags *out)
{
    const drs_vm *v = &sc->vms[vm];
    char at[RULES_PATH_MAX], when[32];
    bool ok = true;
    rules_fmt_dur(at_ns, when, sizeof when);

    if (v->vmm_recovery_points >= 0 &&
        v->vmm_recovery_points < pair->settings.additional_recovery_points) {
        snprintf(at, sizeof at, "vms[%zu].vmm_recovery_points", vm);
        drs_diags_add(
            out, DRS_SEV_ERROR, 5, at,
            "VM %s has %d recovery points in the VMM console, fewer than the %d additional "
            "recovery points of cloud %s: expected at least %d",
            rules_str(v->name), v->vmm_recovery_points, pair->settings.additional_recovery_points,
            rules_cloud_name(sc, pair->primary_site, pair->primary_cloud),
            pair->settings.additional_recovery_points);
        ok = false;
    }

    if (!rules_site_ok(sc, v->site))
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
            network_name(sc, v->site, v->networks[j]), rules_str(v->name),
            rules_vmm_name(sc, pair->target_site), when);
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
                      rules_str(disk->name), rules_str(v->name),
                      classification_name(sc, v->site, cls), rules_vmm_name(sc, pair->target_site),
                      when);
    }

    existing_replica_check(sc, vm, pair, out);
    return ok;
}
