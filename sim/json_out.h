/* sim/json_out.h — what `--json` prints: a run's results (run, report), a plan's answer and points
 * (plan) and the runs of a database (runs), as jansson values.
 *
 * Units follow the results database: durations in nanoseconds, sizes in bytes, rates in bytes per
 * second, fractions as fractions; metric names are those of scenario expectations ("rpo.p95",
 * "bytes.wire"), with the very values the database's metrics table holds. A value that does not
 * exist (an RPO never defined) is null or absent, never 0. */
#ifndef SIM_JSON_OUT_H
#define SIM_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "reports/reports.h"
#include "sim/plan.h"

/* A run: run_id (-1: none stored), status ("complete", "failed", "incomplete"), exit code and what
 * it means, the fleet figures, per VM its health and metrics, per link, classification and plan
 * their metrics, the failovers and the expectations' results. A new reference; NULL when memory
 * runs out. */
json_t *sim_results_json(const report_results *r, int64_t run_id, const char *status,
                         int exit_code);

/* A plan: the question (paths, target, percentile), the answer (null when none) and every point
 * tried with its values, the worst VM's RPO and whether it met the target. */
json_t *sim_plan_json(const sim_plan_options *opt, const sim_plan_outcome *out);

/* The runs of a database, as `drsim runs` lists them. */
json_t *sim_runs_json(const report_run_row *rows, size_t n);

/* Prints j, indented, and a newline; false when writing fails. */
bool sim_json_print(const json_t *j, FILE *out);

#endif
