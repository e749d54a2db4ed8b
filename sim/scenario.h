/* sim/scenario.h — reading a scenario file into a drs_scenario (engine/desc.h).
 *
 * The loader checks structure, JSON types, units, ranges and name references, and fills in
 * defaults. It does not judge the Site Recovery configuration itself: the configuration rules are
 * the engine's (engine_rules_check). Every problem goes into a drs_diags list with the JSON path it
 * concerns
 * ("vms[3].disks[0].size"); the loader never stops at the first one. */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stdio.h>

#include "engine/desc.h"
#include "engine/error.h"

/* Reads and checks the scenario at path. Appends every problem (errors and warnings) to diags.
 * Returns NULL when any error was found; otherwise a scenario the caller owns and frees with
 * drs_scenario_free. Warnings alone do not prevent loading. */
drs_scenario *sim_scenario_load(const char *path, drs_diags *diags);

/* The same from JSON text in memory; `name` stands for the file in messages and trace paths are
 * resolved against `dir` ("" or NULL: the current folder). For tests and tools. */
drs_scenario *sim_scenario_load_string(const char *json_text, const char *name, const char *dir,
                                       drs_diags *diags);

/* Frees everything the scenario owns, and the scenario. NULL is allowed. */
void drs_scenario_free(drs_scenario *sc);

/* One line per problem: "error: PATH: message" or "warning: PATH: message", with " (rule N)" when
 * the problem is a configuration rule. Problems without a path print as "error: message". */
void sim_diags_print(FILE *out, const drs_diags *diags);

/* The names accepted in an `expect` entry, NULL-terminated: metric names, job names (matched
 * without regard to case; the scenario stores the spelling below) and event names. */
extern const char *const sim_scenario_metric_names[];
extern const char *const sim_scenario_job_names[];
extern const char *const sim_scenario_event_names[];

#endif
