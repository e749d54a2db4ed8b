/* sim/run/run_json.h — what `--json` prints for runs: a run's results (run, report) and the runs of
 * a database (runs), as jansson values; sim/plan/plan_json.h adds the plan's.
 *
 * Units follow the results database: durations in nanoseconds, sizes in bytes, rates in bytes per
 * second, fractions as fractions; metric names are those of scenario expectations ("rpo.p95",
 * "bytes.wire"), with the very values the database's metrics table holds. A value that does not
 * exist (an RPO never defined) is null or absent, never 0. */
#ifndef SIM_RUN_JSON_H
#define SIM_RUN_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "reports/reports.h"

/* A run: run_id (-1: none stored), status ("complete", "failed", "incomplete"), exit code and what
 * it means, the fleet figures, per VM its health and metrics, per link, classification and plan
 * their metrics, the failovers and the expectations' results. A new reference; NULL when memory
 * runs out. */
json_t *sim_results_json(const report_results *r, int64_t run_id, const char *status,
                         int exit_code);

/* The runs of a database, as `drsim runs` lists them. */
json_t *sim_runs_json(const report_run_row *rows, size_t n);

/* Sets o[key] = v, taking v; false when v is NULL (out of memory) or the set fails, so a builder
 * can chain these and find out once. */
bool sim_json_put(json_t *o, const char *key, json_t *v);

/* x as a JSON number, or null when it is not finite. A new reference. */
json_t *sim_json_num(double x);

/* Prints j, indented, and a newline; false when writing fails. */
bool sim_json_print(const json_t *j, FILE *out);

#endif
