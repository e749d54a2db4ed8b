/* sim/run/run.h — one run of a scenario: load, check, simulate, record, report.
 *
 * The driver that puts the pieces together: the loader and the configuration rules, the kernel, the
 * modelled world (sim/run/world.h) with the engine bound to it, the timeline, sampling, and reports/ for
 * the results database, the summary, the expectations and JUnit. */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/shared/desc.h"

typedef struct sim_run_options {
    const char *scenario_path; /* "-": read the scenario from standard input */
    /* NULL: the scenario's path with .db for .json (none for a scenario from standard input);
     * "" or "-": none */
    const char *db_path;
    const char *html_path;  /* NULL: none */
    const char *junit_path; /* NULL: none */
    bool has_seed;
    uint64_t seed;
    bool quiet;    /* print only problems and failed expectations */
    bool progress; /* a progress line on stderr (the CLI turns it on when stderr is a terminal) */
    bool check;    /* check the invariants after every event; a violation stops the run (exit 1) */
    bool all;      /* the summary lists every VM, not the worst of a large fleet */
    bool json;     /* the results as JSON on stdout instead of the summary; nothing else there */
} sim_run_options;

/* Runs the scenario as the options say and returns the exit code: 0 every expectation held, 1 one
 * failed (or, with check, an invariant was violated), 2 bad input (every problem printed with its JSON path; no run is written as complete),
 * 3 internal error. */
int sim_run_file(const sim_run_options *opt);

/* The default results database beside a scenario: two-site.json -> two-site.db. Returns a string
 * the caller frees. */
char *sim_run_default_db_path(const char *scenario_path);

/* The outcome of simulating an already loaded scenario, for tests and planning. */
typedef struct sim_run_outcome {
    int exit_code;
    uint64_t events;  /* kernel events fired */
    struct report_results *results; /* owned by the caller (report_results_free); NULL on failure */
} sim_run_outcome;

/* Simulates sc (which must have passed the loader and the rules) without a database or output, and
 * evaluates its expectations. Returns false only on an internal failure (message on stderr). */
bool sim_run_scenario(const drs_scenario *sc, sim_run_outcome *out);

/* The simulation alone, for callers that record the run their own way (planning writes each run
 * into a database of its own): builds the world and the engine, plays sc to its end into results
 * (from report_results_new(sc), a database attached or not) and finishes them. Does not evaluate
 * the expectations. progress: a progress line on stderr. Returns false on an internal failure
 * (message on stderr). */
bool sim_run_simulate(const drs_scenario *sc, struct report_results *results, bool progress,
                      uint64_t *events);

/* --- invariant checking ---
 *
 * A checked run calls, after every kernel event, the engine's checks (engine_check_invariants), the
 * world's (sim_world_check) and its own on what the engine reported: a planned failover or failback
 * that succeeded lost nothing and was digest-verified; an unplanned one lost at most the age of its
 * recovery point, whose capture is not after the failover, and was digest-verified; no point is
 * applied or becomes the RPO breakpoint before its capture; every job ends once, after it began,
 * and a job still running at the end is in the results as in progress. The first violation stops
 * the run. Checking changes nothing the run depends on. */

typedef struct sim_violation {
    char invariant[32]; /* short name, such as "planned-loss" or "link-conservation" */
    int64_t at_ns;      /* simulated time of the event after which it was seen */
    char message[512];
    char event[160];    /* the last timeline entry fired before it ("timeline[3] link.down"), or "" */
    char state[1024];   /* sites, links, where each VM runs, each VM's protection state */
} sim_violation;

/* An extra check for tests: called after every event of a checked run with the timeline entry that
 * fired last (NULL before the first); false and a message (why, n bytes) is a violation of the
 * invariant "test-hook". NULL removes it. Process-wide; forked workers inherit it. */
typedef bool (*sim_run_check_fn)(const drs_scenario *sc, int64_t now_ns, const drs_action *last,
                                 char *why, size_t n);
void sim_run_set_extra_check(sim_run_check_fn fn);

/* Simulates sc (loaded and past the rules) with checking on, without a database or output. Sets
 * *violated and fills *viol at the first violation (the run stops there). Returns false only on an
 * internal failure (message on stderr). events may be NULL. */
bool sim_run_checked(const drs_scenario *sc, bool *violated, sim_violation *viol,
                     uint64_t *events);

/* --- a run driven step by step (drsim serve) ---
 *
 * The same run as sim_run_simulate, played in pieces: sim_live_new builds the world and the engine
 * and schedules the timeline, sim_live_advance plays on to a time, and the results end (as
 * sim_run_simulate ends them) when the run reaches the scenario's duration or sim_live_finish is
 * called. Playing in pieces gives the same events in the same order as one sim_run_until. */
typedef struct sim_live sim_live;
struct engine;
struct sim_world;

/* Borrows sc and results (from report_results_new(sc)); both must outlive the sim_live. NULL on
 * failure (message on stderr). Free with sim_live_free. */
sim_live *sim_live_new(const drs_scenario *sc, struct report_results *results);
void sim_live_free(sim_live *l); /* NULL is a no-op */
/* Fires every event up to min(until_ns, duration) and returns the new time; reaching the duration
 * finishes the results. Does nothing once finished. */
int64_t sim_live_advance(sim_live *l, int64_t until_ns);
/* Ends the results at the current time (once; later calls do nothing). */
void sim_live_finish(sim_live *l);
bool sim_live_finished(const sim_live *l);
int64_t sim_live_now(const sim_live *l);
uint64_t sim_live_events(const sim_live *l); /* kernel events fired */
/* For read-only views; valid until sim_live_free. */
const struct engine *sim_live_engine(const sim_live *l);
const struct sim_world *sim_live_world(const sim_live *l);

#endif
