/* engine/rules_state.h — Site Recovery's configuration as it stands at one moment: which VMM
 * servers are registered, which clouds are paired to which (a pair's target as last configured).
 * Fed the configuration steps in time order, it judges the rules that depend on what happened
 * before: a cloud in one pair only (3), a pair changed only after its removal (10), protection only
 * in a configured cloud on a registered VMM server (13); each step's own checks are rules.h's.
 * The engine keeps one for a run; engine_rules_check keeps one for `drsim validate`.
 *
 * Problems are appended to a drs_diags list as in rules.h; step functions return true when they
 * added no error (warnings allowed). */
#ifndef ENGINE_RULES_STATE_H
#define ENGINE_RULES_STATE_H

#include "rules.h"

/* Which VMM servers are registered and which clouds are paired to which, at the moment of the last
 * step given. Created empty (nothing registered, nothing paired); steps must come in time order. */
typedef struct rules_state rules_state;

/* sc is borrowed and must outlive the state. With apply_refused, a step that breaks a rule is still
 * taken as done (static validation: report each mistake once); without it a refused step changes
 * nothing, as in a run, where the job fails. Free with rules_state_free. */
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
