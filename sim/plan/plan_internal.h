/* sim/plan/plan_internal.h — what the planning files share (plan.c, plan_value.c, plan_point.c); sim/
 * only. */
#ifndef SIM_PLAN_INTERNAL_H
#define SIM_PLAN_INTERNAL_H

#include <jansson.h>
#include <signal.h>

#include "engine/shared/error.h"
#include "plan.h"

/* What a planned value is, from how it is written: "50Mbps" a rate, "5m" a duration, "100GiB" a
 * size, 4 an integer, 0.5 a number. */
typedef enum plan_kind { PLAN_RATE, PLAN_DURATION, PLAN_SIZE, PLAN_INTEGER, PLAN_NUMBER } plan_kind;

/* One varied path with its values: the two bounds of --vary, or the values of --grid. */
typedef struct plan_dim {
    char path[128];
    char option[8]; /* "--vary" or "--grid", for messages */
    plan_kind kind;
    bool bytes_per_s; /* a rate written in bytes per second ("5MB/s"), shown the same way */
    size_t count;
    double *values;    /* base units (bytes/s, ns, bytes, plain) */
    char (*texts)[48]; /* as the user wrote them */
} plan_dim;

/* Parses "PATH=LOW..HIGH" (range) or "PATH=A,B,C" into d. On failure returns false with err naming
 * the option and the path. d owns its arrays: plan_dim_free. */
bool plan_dim_parse(const char *spec, bool range, plan_dim *d, drs_error *err);
void plan_dim_free(plan_dim *d);

/* The value v of kind k as written into a scenario (whole bytes/s, ns or bytes; plain numbers as
 * JSON numbers); *number gets the value the text stands for exactly. */
void plan_value_text(plan_kind k, double v, char *buf, size_t n, double *number);
/* v for people: "31.25 Mbps", "5m00s", "1.5 GiB", "4"; rates in bytes per second ("4.2 MB/s")
 * when the user wrote them so. */
void plan_value_show(const plan_dim *d, double v, char *buf, size_t n);
/* Whether the kind is written as a JSON string. */
bool plan_kind_is_string(plan_kind k);

/* Sets the value at a JSON path ("links[0].bandwidth") in root, creating the last key when missing.
 * The value is a string or a number as text says (a number when kind is integer or number). Returns
 * false with err (DRS_EINPUT, path set) when a part of the path does not exist or is of the wrong
 * type. */
bool plan_json_set(json_t *root, const char *path, plan_kind kind, const char *text,
                   drs_error *err);
/* The value at the path as text (a string's text, a number printed), or false when absent. */
bool plan_json_get(const json_t *root, const char *path, char *buf, size_t n);

/* +1 when bigger values of the path's last key are known to help the RPO (bandwidth), -1 when known
 * to hurt it (copy_frequency, latency, churn), 0 when unknown. */
int plan_path_direction(const char *path);

/* ---- points (plan_point.c) ---- */

typedef struct plan_ctx {
    const sim_plan_options *opt;
    json_t *base;     /* the scenario as read */
    const char *name; /* the scenario's file, for messages */
    char dir[512];    /* its folder, for trace files */
    plan_dim *dims;
    size_t dims_n;
    const char *db_path; /* NULL: no database */
    char tmp[512];       /* a private folder for the workers' files */
    int jobs;
    /* Called each time a worker's run ends (NULL: nothing), for the progress line. */
    void (*on_done)(void *arg);
    void *on_done_arg;
} plan_ctx;

/* The scenario text with the point's values; NULL and err on failure. Caller frees (free). */
char *plan_point_json(const plan_ctx *c, const sim_plan_point *p, drs_error *err);

/* Checks that the scenario with the point's values loads and passes the configuration rules;
 * prints every problem to stderr, prefixed with what was varied, and returns false otherwise. */
bool plan_point_check(const plan_ctx *c, const sim_plan_point *p);

/* Runs the points in worker processes, at most c->jobs at a time, and fills each one's results;
 * when there is a database, appends the runs to it in the order of pts. answers[i] (may be NULL)
 * gets the planning figures of pts[i] (caller frees). Returns false on an internal failure. */
/* Set by SIGINT/SIGTERM while a plan runs: the workers are stopped, their files removed, and the
 * plan ends (sim/plan/plan.c re-raises the signal once it has cleaned up). */
extern volatile sig_atomic_t plan_stop_signal;
bool plan_points_run(const plan_ctx *c, sim_plan_point *pts, size_t n, char **answers);

#endif
