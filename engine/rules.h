/* engine/rules.h — the thirteen configuration rules of Site Recovery between two VMM sites.
 *
 * Three layers, all reading a drs_scenario that the caller keeps alive and unchanged:
 *   - pure predicates (a key's validity, the copy frequency a host really uses, port limits) that
 *     the engine asks at the moment a step happens in simulated time;
 *   - checks of one configuration step (a registration, a cloud pair's settings, a mapping,
 *     enabling protection of a VM) that append every problem found to a drs_diags list;
 *   - rules_state, Site Recovery's configuration as it stands at one moment (which VMM servers are
 *     registered, which clouds are paired to which), fed the steps in time order. It judges the
 *     rules that depend on what happened before: a cloud in one pair only (3), a pair changed
 *     only after its removal (10), protection only in a configured cloud on a registered VMM
 *     server (13).
 * engine_rules_check replays every step of a scenario through the same code, so `drsim validate`
 * and a run can never disagree about a rule.
 *
 * Every problem is appended as a drs_diag with its rule number (1..13), its severity and the JSON
 * path of the input it concerns. Check functions return true when they added no error (warnings
 * allowed). */
#ifndef ENGINE_RULES_H
#define ENGINE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/desc.h"
#include "engine/error.h"

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
 * pair's target site. Paths: recovery.network_mappings[i].source / .target. */
bool rules_network_mapping_check(const drs_scenario *sc, size_t m, drs_diags *out);
/* Rule 12: the same for recovery.storage_mappings[m] and storage classifications. */
bool rules_storage_mapping_check(const drs_scenario *sc, size_t m, drs_diags *out);

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

/* ---- Configuration over time ----------------------------------------------------------------- */

/* Which VMM servers are registered and which clouds are paired to which, at the moment of the last
 * step given. Created empty (nothing registered, nothing paired); steps must come in time order. */
typedef struct rules_state rules_state;

/* sc is borrowed and must outlive the state. With apply_refused, a step that breaks a rule is still
 * taken as done (static validation: report each mistake once); without it a refused step changes
 * nothing, as in a run, where the job fails. Returns NULL only when out of memory. Free with
 * rules_state_free. */
rules_state *rules_state_new(const drs_scenario *sc, bool apply_refused);
void rules_state_free(rules_state *st);

/* recovery.registrations[reg] happens at its `at`: rule 1, and rule 2 the first time that VMM
 * server registers. Returns true when the VMM server is registered afterwards without error. */
bool rules_state_register(rules_state *st, size_t reg, drs_diags *out);

/* recovery.cloud_pairs[pair] is configured at its `at`: rule 3 (neither cloud already in a pair,
 * the target on the other VMM server), rules 4..9 (rules_pair_settings_check) and rule 13 (both VMM
 * servers registered; a warning when the primary's registration did not synchronise all clouds,
 * since a scenario cannot state a cloud synchronised by hand and drsim then assumes it was). */
bool rules_state_pair_configure(rules_state *st, size_t pair, drs_diags *out);

/* Timeline entry sc->timeline[action] (pair.remove): removes the pair of its primary cloud.
 * Removing a cloud that is not the primary of a configured pair: a rule 10 error at timeline[i]. */
bool rules_state_pair_remove(rules_state *st, size_t action, drs_diags *out);

/* Timeline entry sc->timeline[action] (pair.modify): configures the removed pair of its primary
 * cloud again with the new target. Rule 10: refused unless the pair was removed first (error at
 * timeline[i]); then rule 3, rules 7..9 for the new target and rule 13 as for a new pair. */
bool rules_state_pair_modify(rules_state *st, size_t action, drs_diags *out);

/* Enable protection of vms[vm] at at_ns; path names the step ("recovery.protect[2]",
 * "timeline[5]"). Rule 13 (errors at path): the VM's host is in a cloud, that cloud is the primary
 * of a pair configured now, and the VM's VMM server is registered; then rules_vm_protection_check
 * with the pair as it stands (its target possibly changed by pair.modify). */
bool rules_state_protect(rules_state *st, size_t vm, int64_t at_ns, const char *path,
                         drs_diags *out);

/* The index in sc->recovery.cloud_pairs of the configured pair whose primary is (site, cloud);
 * -1 when there is none. */
int rules_state_pair_of(const rules_state *st, int site, int cloud);

/* The pair as it stands now (recovery.cloud_pairs[pair] with its target as last configured) into
 * *pair_out. False when that pair is not configured now. */
bool rules_state_pair_current(const rules_state *st, size_t pair, drs_cloud_pair *pair_out);

/* True when the VMM server of the site is registered. */
bool rules_state_registered(const rules_state *st, int site);

#endif
