/* engine/rules.h — the thirteen configuration rules of Site Recovery between two VMM sites.
 *
 * Three layers, all reading a drs_scenario that the caller keeps alive and unchanged:
 *   - pure predicates (a key's validity, the copy frequency a host really uses, port limits) that
 *     the engine asks at the moment a step happens in simulated time;
 *   - checks of one configuration step (a registration, a cloud pair's settings, a mapping,
 *     enabling protection of a VM) that append every problem found to a drs_diags list;
 *   - engine_rules_check, the whole scenario: every step replayed in time order through
 *     rules_state (engine/rules_state.h, the configuration as it stands at one moment), the same
 *     code a run uses, so `drsim validate` and a run can never disagree about a rule.
 *
 * Every problem is appended as a drs_diag with its rule number (1..13), its severity and the JSON
 * path of the input it concerns. Check functions return true when they added no error (warnings
 * allowed). */
#ifndef ENGINE_RULES_H
#define ENGINE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/shared/desc.h"
#include "engine/shared/error.h"

#define RULES_NS_PER_MIN (60 * DRS_NS_PER_S)
#define RULES_NS_PER_HOUR (60 * RULES_NS_PER_MIN)
#define RULES_NS_PER_DAY (24 * RULES_NS_PER_HOUR)

/* Rule 1: a registration key is valid for five days after it is generated (inclusive). */
#define RULES_KEY_VALIDITY_NS (5 * RULES_NS_PER_DAY)
/* Rule 4: the fixed interval of Windows Server 2012 hosts, and the default of the setting. */
#define RULES_COPY_FREQUENCY_DEFAULT_NS (5 * RULES_NS_PER_MIN)
/* Rule 5: additional (hourly) recovery points a replica host keeps at most. */
#define RULES_RECOVERY_POINTS_MAX_2012 15
#define RULES_RECOVERY_POINTS_MAX_2012R2 24
/* Rule 6: application-consistent snapshots every 1 to 12 hours. */
#define RULES_APP_CONSISTENT_MAX_HOURS 12
/* A recovery plan holds at most this many VMs and groups (Site Recovery's recovery plan limits). */
#define RULES_PLAN_MAX_VMS 100
#define RULES_PLAN_MAX_GROUPS 7
/* Replication Health's monitoring window: 12 hours unless set, settable from 1 hour to 7 days
 * (Hyper-V Replica's Replication Health). The loader refuses a cloud pair's health_window outside
 * this range; engine/health.c judges over the pair's window. */
#define RULES_HEALTH_WINDOW_DEFAULT_NS (12 * RULES_NS_PER_HOUR)
#define RULES_HEALTH_WINDOW_MIN_NS RULES_NS_PER_HOUR
#define RULES_HEALTH_WINDOW_MAX_NS (7 * RULES_NS_PER_DAY)
/* Rule 7: the ports Site Recovery opens in the host firewalls. */
#define RULES_PORT_KERBEROS 8083
#define RULES_PORT_HTTPS 8084

/* ---- The whole scenario ---------------------------------------------------------------------- */

/* Static check of the whole configuration as the scenario states it: every rule, every problem,
 * each as an error or a warning with its JSON path, appended to out. Used by `drsim validate` and
 * before a run. Steps are replayed in time order (equal times: registrations, cloud pairs, network
 * mappings, storage mappings, recovery.protect, then the timeline in its order); a refused step
 * still counts as done afterwards, so each mistake is reported once, where it is made, and not
 * again by every later step that depends on it. */
void engine_rules_check(const struct drs_scenario *sc, drs_diags *out);

/* ---- Pure predicates ------------------------------------------------------------------------- */

/* Rule 1: true when a key generated at key_generated_ns may still register at at_ns (exactly five
 * days old is still valid; a key used before it was generated is not). */
bool rules_registration_key_valid(int64_t key_generated_ns, int64_t at_ns);

/* Rule 4: true for the values the setting offers: 30 s, 5 min, 15 min. */
bool rules_copy_frequency_allowed(int64_t copy_frequency_ns);

/* Rule 4: the interval a host of this OS really replicates at when the cloud asks for
 * copy_frequency_ns: the setting on 2012 R2, always 5 minutes on 2012. A value the setting does not
 * offer (an error of the configuration) also gives the 5-minute default. */
int64_t rules_copy_frequency_effective(int64_t copy_frequency_ns, drs_host_os os);

/* Rule 4 for one replication: the interval a VM replicating from host (src_site, src_host) to
 * replica host (tgt_site, tgt_host) really uses. The setting applies only when both hosts run 2012
 * R2: a 2012 host at either end replicates every 5 minutes, since Hyper-V Replica on 2012 offers no
 * other interval, as primary or as replica. A host index that resolves to nothing counts as 2012 R2
 * (it limits nothing). This is where the engine takes a VM's copy interval, at protection and when
 * replication changes direction. */
int64_t rules_copy_frequency_between(const drs_scenario *sc, int64_t copy_frequency_ns, int src_site,
                                     int src_host, int tgt_site, int tgt_host);

/* Rule 5: the most additional recovery points a host of this OS keeps (15 or 24). */
int rules_recovery_points_max(drs_host_os os);

/* Rule 8: 1..65535. */
bool rules_port_valid(int port);

/* Rule 7: the port Site Recovery opens for an authentication method (8083 Kerberos, 8084 HTTPS). */
int rules_port_default(drs_auth auth);

/* Rule 9: the server named by an offline location "fs-sea:\\fs-sea\export" (the part before ':'),
 * copied into server (NUL-terminated). False when the location is empty, has no ':' or names no
 * server, or the name does not fit. */
bool rules_location_server(const char *location, char *server, size_t n);

/* True when a host of the cloud (site index, cloud index within the site) runs os. */
bool rules_cloud_has_os(const drs_scenario *sc, int site, int cloud, drs_host_os os);

/* ---- Checks of one step (append to out; true when no error was added) ------------------------ */

/* Rule 2: every node of the site's VMM server runs the provider version of its first node.
 * Paths: sites[i].vmm.nodes[j].provider_version. */
bool rules_vmm_check(const drs_scenario *sc, size_t site, drs_diags *out);

/* Rule 1 for recovery.registrations[reg] at its own `at`. Path: recovery.registrations[i].at. */
bool rules_registration_check(const drs_scenario *sc, size_t reg, drs_diags *out);

/* Rules 3 (the target cloud exists and belongs to the other VMM server), 4, 5, 6, 7, 8 and 9 for a
 * pair description, which need not be one of sc's (a timeline pair.modify gives an existing pair a
 * new target). path is the pair's own, e.g. "recovery.cloud_pairs[0]"; problems land on
 * path + ".target", ".settings.copy_frequency", ".settings.initial_replication.export", ... */
bool rules_pair_desc_check(const drs_scenario *sc, const drs_cloud_pair *pair, const char *path,
                           drs_diags *out);
/* The same for recovery.cloud_pairs[pair], with its own path. */
bool rules_pair_settings_check(const drs_scenario *sc, size_t pair, const char *path,
                               drs_diags *out);

/* Rule 11: recovery.network_mappings[m] maps a network of a pair's primary site to one of that
 * pair's target site, and a source network maps to one network per target VMM server: a mapping
 * that gives it another target there than an earlier one (earlier `at`, or the same `at` and an
 * earlier entry) is an error. Paths: recovery.network_mappings[i].source / .target. */
bool rules_network_mapping_check(const drs_scenario *sc, size_t m, drs_diags *out);
/* Rule 12: the same for recovery.storage_mappings[m] and storage classifications (one target
 * classification per source classification and target VMM server). */
bool rules_storage_mapping_check(const drs_scenario *sc, size_t m, drs_diags *out);

/* Recovery plans: at most RULES_PLAN_MAX_GROUPS groups (error at recovery.recovery_plans[i].groups)
 * and RULES_PLAN_MAX_VMS VMs over all groups (error at the first VM over the limit,
 * recovery.recovery_plans[i].groups[g].vms[k]). Not one of the 13 rules: rule 0. */
bool rules_plans_check(const drs_scenario *sc, drs_diags *out);

/* What enabling protection of vms[vm] at at_ns in the given pair checks about the VM itself:
 *   rule 5: its VMM-console recovery points are not fewer than the cloud's (error,
 *           vms[k].vmm_recovery_points);
 *   rule 11: each of its networks has a usable mapping to the pair's target site made by at_ns
 *           (warning, vms[k].networks[j]);
 *   rule 12: each disk's classification is mapped likewise, otherwise its replica goes to the
 *           target host's default location (warning, vms[k].disks[d]);
 *   rule 13: an existing Hyper-V Replica relationship agrees with the cloud's settings (warning,
 *           vms[k].existing_replica.settings.<name>).
 * Whether the VM may be protected at all is rules_state_protect's business. */
bool rules_vm_protection_check(const drs_scenario *sc, size_t vm, const drs_cloud_pair *pair,
                               int64_t at_ns, drs_diags *out);

#endif
