/* sim/scenario/scenario.h — reading a scenario file into a drs_scenario (engine/shared/desc.h).
 *
 * The loader checks structure, JSON types, units, ranges and name references, and fills in
 * defaults. It does not judge the Site Recovery configuration itself: the configuration rules are
 * the engine's (engine_rules_check). Every problem goes into a drs_diags list with the JSON path it
 * concerns
 * ("vms[3].disks[0].size"); the loader never stops at the first one. */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stdint.h>
#include <stdio.h>

#include "engine/shared/desc.h"
#include "engine/shared/error.h"

/* Limits on what a scenario may ask for, so that a mistaken or hostile file is refused with a
 * message instead of growing memory without bound (scenarios/README.md, "Limits"). */
/* The largest scenario file read: far above a 10,000-VM fleet (a few MiB), far below what would
 * strain the JSON parser's memory. Anything longer (say /dev/zero) is refused after that many
 * bytes. */
#define SIM_SCENARIO_MAX_FILE_BYTES (UINT64_C(64) << 20)
/* The sample series (RPO and replica storage per VM, throughput per link, kept for charts) get one
 * point per sample_interval: the interval is at least a second and a series at most a million
 * points (a year at one a minute is 525,600). */
#define SIM_SCENARIO_MIN_SAMPLE_INTERVAL_NS INT64_C(1000000000)
#define SIM_SCENARIO_MAX_SAMPLES INT64_C(1000000)
/* Link series are held in memory for the run's statistics (40 bytes a point): all links together
 * at most ten million points (400 MB), e.g. ten links sampled every minute for 694 days. */
#define SIM_SCENARIO_MAX_LINK_SAMPLES INT64_C(10000000)
/* At extent fidelity a disk keeps a version per extent it has written: at most 2^26 extents per
 * disk (a 64 TiB disk, the largest VHDX, at the default 1 MiB extent; 1 GiB of state per copy at
 * worst). */
#define SIM_SCENARIO_MAX_DISK_EXTENTS (UINT64_C(1) << 26)
/* A trace workload's file: a regular file of at most 4 GiB (the MSR Cambridge files are all
 * smaller). model/trace.c bounds its lines and records as well. */
#define SIM_SCENARIO_MAX_TRACE_BYTES (UINT64_C(4) << 30)
/* Expectations: at most 100,000 checks, a "*" counting once per VM (link, plan, classification)
 * it stands for: 10,000 VMs with ten expectations each. */
#define SIM_SCENARIO_MAX_EXPECT_CHECKS UINT64_C(100000)

/* Reads and checks the scenario at path. Appends every problem (errors and warnings) to diags.
 * Returns NULL when any error was found; otherwise a scenario the caller owns and frees with
 * drs_scenario_free. Warnings alone do not prevent loading. */
drs_scenario *sim_scenario_load(const char *path, drs_diags *diags);

/* The text of a scenario from f (standard input for "-"), NUL-terminated, its length in *len when
 * len is not NULL; the caller frees it. NULL, with the reason in diags (named `name`), when f cannot
 * be read or is longer than SIM_SCENARIO_MAX_FILE_BYTES (read no further than that). */
char *sim_scenario_read(FILE *f, const char *name, size_t *len, drs_diags *diags);

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

/* The workload kinds a scenario may name, NULL-terminated and indexed by drs_workload_kind. */
extern const char *const sim_scenario_workload_kinds[];

#endif
