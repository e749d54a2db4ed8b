/* sim/run/swarm.h — `drsim swarm`: random timelines thrown at a scenario with invariant checking on.
 *
 * For each seed, the user's scenario gets a timeline drawn from its own names (faults and every
 * failover operation, at random times that overlap on purpose) and is run with the invariants
 * checked after every event (sim/run/run.h, sim_run_checked). A failing seed is shrunk to a minimal
 * scenario that still fails the same way, written as a file `drsim run --check` reproduces.
 *
 * Every run happens in a forked process, so that a crash is a finding rather than the end of the
 * swarm; seeds are worked on --jobs at a time and the summary is in seed order, so nothing printed
 * depends on the number of jobs. */
#ifndef SIM_SWARM_H
#define SIM_SWARM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "run.h"

typedef struct sim_swarm_options {
    const char *scenario_path;
    uint64_t seeds;      /* how many seeds; 0 means 100 */
    uint64_t from;       /* the first seed */
    int jobs;            /* seeds at once; 0: one per processor */
    const char *out_dir; /* shrunk scenarios go here; NULL: ./swarm-out */
    bool progress;       /* a progress line on stderr */
    int shrink_runs;     /* runs a shrink may take, per failing seed; 0: 400 */
    int timeout_s;       /* a run that takes longer is killed and counts as a crash; 0: 300 */
} sim_swarm_options;

/* Runs the swarm and prints its summary on out. Returns the exit code: 0 no violation, 1 at least
 * one, 2 bad input (the scenario does not load or breaks a rule; nothing is run), 3 internal. */
int sim_swarm_run(const sim_swarm_options *opt, FILE *out);

/* What the generator draws names from, read once from a scenario. */
typedef struct sim_swarm_gen sim_swarm_gen;

/* Reads the names, the duration and the protection times of base (a scenario as JSON, borrowed for
 * the generator's life). dir is the scenario's folder (trace files resolve against it). Probes the
 * loader for the optional actions cleanup_test_failover and resync. */
sim_swarm_gen *sim_swarm_gen_new(const json_t *base, const char *dir);
void sim_swarm_gen_free(sim_swarm_gen *g);

/* The variant for one seed: a copy of base with its expectations removed, "seed" set to seed,
 * trace files made absolute, and the generated entries appended to its timeline. The same seed
 * always gives the same variant. The caller owns the result (json_decref). */
json_t *sim_swarm_variant(const sim_swarm_gen *g, uint64_t seed);

/* The entries generated for a seed (the variant's timeline minus base's): for tests. */
size_t sim_swarm_generated_count(const sim_swarm_gen *g, const json_t *variant);

/* One run of a variant in a forked process: status 0 no violation, 1 a violation (a crash, a
 * timeout or an internal error being the violations "crash"), 2 the variant was refused by the
 * loader or the rules (message in v->message). */
int sim_swarm_eval(const json_t *variant, const char *dir, int timeout_s, sim_violation *v,
                   uint64_t *events);

#endif
