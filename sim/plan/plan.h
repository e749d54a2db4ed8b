/* sim/plan/plan.h — capacity planning: run a scenario many times with one or two of its values changed
 * and find what meets an RPO target (`drsim plan`).
 *
 * Two ways to search:
 *  - bisection (--vary PATH=LOW..HIGH, or the first link's bandwidth by default): the boundary
 * value between meeting the target and missing it, to a relative precision, assuming the RPO is
 *    monotonic in the value. Each round runs PLAN_ROUND_POINTS values that cut the bracket into
 * equal parts (geometric parts for positive values), so the values run, and therefore the answer,
 * do not depend on how many worker processes share them.
 *  - a sweep (--grid PATH=A,B,C, once or twice): every combination, in row-major order.
 * Every run lands in the results database with its values in the plan_values table; runs are added
 * in the order they were planned, whatever order the workers finish in. */
#ifndef SIM_PLAN_H
#define SIM_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PLAN_ROUND_POINTS 3 /* values run per bisection round */
#define PLAN_MAX_DIMS 2

typedef struct sim_plan_options {
    const char *scenario_path;
    int64_t target_rpo_ns;
    double percentile;               /* 0 < p <= 100; 100 is the maximum. Default (0) 95 */
    const char *vary;                /* "PATH=LOW..HIGH", NULL: the default bisection */
    const char *grid[PLAN_MAX_DIMS]; /* "PATH=A,B,C" */
    size_t grid_count;
    unsigned shard_index, shard_count; /* run only shard I (0 <= I < N) of N; N = 0: all */
    const char *db_path;               /* NULL: the scenario's path with .db; "" or "-": none */
    const char *html_path;             /* NULL: none */
    int jobs;                          /* worker processes; 0: one per online processor */
    int64_t after_ns;                  /* RPO statistics leave out simulated time before this */
    double precision;                  /* relative width of the final bracket; 0: 0.005 */
    FILE *out;                         /* the table and the answers; NULL: stdout */
    bool progress; /* runs done and planned, time spent and left, one line rewritten on stderr
                    * (the command line sets it when stderr is a terminal) */
} sim_plan_options;

/* One run of the plan. */
typedef struct sim_plan_point {
    size_t grid_index;            /* position in the full sweep (row-major); bisection: order */
    double value[PLAN_MAX_DIMS];  /* bytes/s, ns, bytes, or the plain number */
    char text[PLAN_MAX_DIMS][48]; /* as written into the scenario */
    int status;                   /* SIM_EXIT_OK ran; SIM_EXIT_INPUT the scenario with these
                                     values was refused; SIM_EXIT_INTERNAL the run failed
                                     (sim/run/exit_status.h) */
    double rpo_ns;                /* the worst VM's RPO percentile; INFINITY: undefined */
    char worst_vm[64];
    bool meets;
    int64_t run_id; /* in the results database; -1 none */
} sim_plan_point;

typedef struct sim_plan_outcome {
    int exit_code; /* 0 answered (or the sweep ran); 1 no value in range meets the target;
                      2 bad input; 3 internal error */
    size_t dims;
    char path[PLAN_MAX_DIMS][128];
    sim_plan_point *points; /* in the order they were run (a sweep: grid order) */
    size_t point_count;
    bool has_answer;
    double answer; /* bisection or one-dimensional sweep: the boundary value */
    char answer_text[48];
    int better; /* +1 bigger values are better (bandwidth), -1 worse, 0 unknown */
} sim_plan_outcome;

/* Runs the plan as the options say, printing the table, the answer and the planning figures of the
 * answer's run to opt->out and problems to stderr. Fills out (when not NULL; free it with
 * sim_plan_outcome_clear) and returns its exit code. */
int sim_plan_run(const sim_plan_options *opt, sim_plan_outcome *out);
void sim_plan_outcome_clear(sim_plan_outcome *out);

/* Whether point `index` of a sweep belongs to shard `shard_index` (counted from 0, like a Slurm or
 * Kubernetes array index) of `shard_count`:
 * round robin, so every point has exactly one shard and shards get equal shares of each row. */
bool sim_plan_shard_owns(size_t index, unsigned shard_index, unsigned shard_count);

#endif
