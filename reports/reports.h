/* reports/reports.h — what a run showed: exact metrics, the run's results, the SQLite results database,
 * the scenario's expectations, the terminal summary and JUnit XML.
 *
 * reports/ reads what the run recorded and never steers it. The flow of a run:
 *
 *     report_results *r = report_results_new(scenario);          // caller owns r
 *     report_db *db = report_db_open("results.db", &err);        // optional; caller owns db
 *     report_db_run_begin(db, &info, &run_id, &err);             // run row 'incomplete', committed
 *     report_results_attach_db(r, db);                           // rows stream into the run
 *     engine_recorder rec = report_results_recorder(r);          // give it to engine_new
 *     ... every sample interval: report_results_add_link_sample(), report_results_sample()
 *     ... report_results_add_failover(), report_results_add_diags() as they come
 *     report_results_finish(r, end_ns);
 *     bool held = report_expect_evaluate(r, scenario->expect, scenario->expect_count);
 *     report_summary_write(r, stdout); report_junit_write(r, "junit.xml", &err);
 *     report_db_run_end(db, r, held ? "complete" : "failed", exit_code, &err);
 *     report_db_close(db); report_results_free(r);
 *
 * Units: times and durations are int64 nanoseconds since the scenario start, sizes are bytes, rates are
 * bytes per second. Indices (vm, link, plan, pair, site, storage) are those of the drs_scenario the
 * results were made from; -1 means "not about one". Nothing here is thread-safe. */
#ifndef REPORT_REPORTS_H
#define REPORT_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/shared/desc.h"
#include "engine/shared/error.h"
#include "engine/record.h"

/* ------------------------------------------------------------------------------------------------ */
/* Exact RPO statistics (metrics.c)                                                                  */
/* ------------------------------------------------------------------------------------------------ */

/* One breakpoint of RPO(t): from at_ns on, the newest applied point is the one captured at
 * captured_ns, so RPO(t) = t - captured_ns until the next breakpoint. captured_ns < 0 makes RPO
 * undefined from at_ns on (protection ended). RPO is undefined before the first breakpoint.
 * Breakpoints are given in non-decreasing at_ns order. */
typedef struct report_rpo_point {
    int64_t at_ns;
    int64_t captured_ns;
} report_rpo_point;

/* Statistics of RPO(t) over a window, time-weighted and exact: each linear piece of length L starting
 * at value a spends equal time at every value of [a, a + L], so the distribution of RPO over time is a
 * mixture of uniform distributions and its quantiles are solved in closed form. */
typedef struct report_rpo_stats {
    bool defined;       /* false when RPO is undefined over the whole window; the rest is then 0 */
    int64_t covered_ns; /* time of the window where RPO is defined */
    int64_t max_ns;     /* supremum of RPO over the window */
    double mean_ns;     /* time average */
    double p50_ns, p95_ns, p99_ns; /* r such that RPO <= r for that fraction of the covered time */
    int64_t above_ns;   /* time with RPO > threshold */
} report_rpo_stats;

/* Statistics of RPO over [from_ns, end_ns] (clipped to where RPO is defined). threshold_ns feeds
 * above_ns. */
void report_rpo_compute(const report_rpo_point *pts, size_t n, int64_t from_ns, int64_t end_ns,
                        int64_t threshold_ns, report_rpo_stats *out);

/* The q-quantile (0 <= q <= 1) of RPO over [from_ns, end_ns]; -1 when undefined. */
double report_rpo_quantile(const report_rpo_point *pts, size_t n, int64_t from_ns, int64_t end_ns,
                           double q);

/* RPO at t_ns, or -1 when undefined there. */
int64_t report_rpo_at(const report_rpo_point *pts, size_t n, int64_t t_ns);

/* One throughput sample of a link: bytes that crossed it during [at_ns - interval_ns, at_ns), and the
 * link's capacity over that interval (utilization = bytes / (interval * capacity)). */
typedef struct report_link_sample {
    int64_t at_ns, interval_ns;
    double raw_bytes;  /* before compression, of the VMs whose replication crosses the link */
    double wire_bytes; /* what crossed it */
    double capacity_Bps; /* 0 while the link is down: utilization counts as 0 */
} report_link_sample;

/* Utilization and throughput of a link from its samples, time-weighted by interval. The p95 of a
 * sampled series is the smallest sample value v such that samples <= v cover at least 95 % of the
 * sampled time (no interpolation: every reported value was observed). */
typedef struct report_util_stats {
    bool defined;          /* false without samples */
    double p95, max;       /* utilization, fractions of the capacity */
    double p95_Bps, peak_Bps; /* throughput */
} report_util_stats;

/* Over the samples that overlap [from_ns, until_ns), each weighted by the time it has inside that
 * window (a sample straddling an edge counts for its part inside). INT64_MIN and INT64_MAX: the
 * whole run. */
void report_util_compute(const report_link_sample *s, size_t n, int64_t from_ns, int64_t until_ns,
                         report_util_stats *out);

/* raw / wire, or 0 when nothing went on the wire. */
double report_ratio(double raw, double wire);

/* ------------------------------------------------------------------------------------------------ */
/* SHA-256 (sha256.c)                                                                                */
/* ------------------------------------------------------------------------------------------------ */

void report_sha256(const void *data, size_t n, uint8_t digest[32]);
/* Hex digest (64 characters and a NUL) of a file's bytes. */
bool report_sha256_file(const char *path, char hex[65], drs_error *err);

/* ------------------------------------------------------------------------------------------------ */
/* Run results (results.c)                                                                           */
/* ------------------------------------------------------------------------------------------------ */

typedef struct report_results report_results;
typedef struct report_db report_db;

/* Per VM. Pointers inside are owned by the results. The fields a replication cycle updates come
 * first, together: a fleet's statistics outgrow the cache, and each line a cycle touches is a miss. */
typedef struct report_vm_stats {
    int link; /* the link its replication crosses (from its cloud pair), -1 when none */
    engine_health health, worst_health;
    /* Bytes: cycles plus the base copy when it went over the network (an offline copy is shipped). */
    uint64_t raw_bytes, wire_bytes;
    uint64_t cycle_raw_bytes, cycle_wire_bytes;
    double cpu_seconds;
    uint64_t cycles_completed, cycles_missed;
    uint64_t rp_created, rp_applied, rp_pruned;
    /* Additional (hourly, app-consistent included) points applied and not yet pruned. */
    uint32_t rp_additional_now, rp_additional_max;
    uint32_t rp_app_consistent_now;
    bool rp_latest_now;               /* a latest point is applied and not pruned */
    int64_t rp_newest_applied_capture_ns; /* -1 when none */
    uint64_t replica_storage_bytes, replica_storage_peak_bytes; /* summed over classifications */
    uint64_t rp_app_consistent_created;
    const char *name;
    uint64_t ir_raw_bytes, ir_wire_bytes;
    char ir_method[16];                  /* "network", "offline", "existing"; "" until done */
    int64_t ir_requested_ns, ir_start_ns, ir_end_ns; /* -1 until initial replication finished */
    uint64_t resyncs_required, resyncs_started, resyncs_completed;
    int64_t health_first_ns[4]; /* first time each engine_health level was entered; -1 never */
} report_vm_stats;

typedef struct report_link_stats {
    const char *name;
    uint64_t raw_bytes, wire_bytes; /* of the VMs whose replication crosses it */
    size_t sample_count;
    report_util_stats util;         /* valid after report_results_finish */
} report_link_stats;

typedef struct report_class_stats {
    const char *name; /* storage classification; the same name at two sites is one classification */
    uint64_t used_bytes, peak_bytes; /* replica storage of every VM on it, summed */
    /* Of which base copies: each VM's first report on the classification (the engine places the
     * base copy before any point); the rest of peak_bytes is recovery points. */
    uint64_t base_bytes;
} report_class_stats;

typedef struct report_job_step {
    char *name;
    engine_job_state state;
    int64_t at_ns;
} report_job_step;

typedef struct report_job {
    uint64_t id;
    char *name, *subject;
    int vm, pair, site;
    engine_job_state state;
    int64_t started_ns, ended_ns; /* ended_ns -1 while in progress */
    char *reason;                 /* "" on success */
    report_job_step *steps;
    size_t step_count, step_cap;
} report_job;

/* A failover_finding event: a step of a failover or rehearsal that failed or degraded. failover is
 * the failover record it belongs to (report_results_failover), -1 when none (a refused commit, say):
 * the latest record of the same VM (else of a recovery plan) that started at or before it and had
 * not ended before it; a VM's own record wins over its plan's. */
typedef struct report_fo_finding {
    int64_t at_ns;
    int vm; /* -1: about the plan as a whole */
    int failover;
    char text[240];
} report_fo_finding;

/* A failover, test failover or failback, as the run driver measured it. A recovery plan gives one
 * record with vm = -1, and may add one per VM with both plan and vm set. */
typedef struct report_failover {
    engine_failover_kind kind;
    int plan, vm;
    int64_t started_ns;
    int64_t ended_ns;       /* the last VM running (plan: last group and its actions); -1 never */
    bool succeeded;
    int64_t failure_ns;     /* primary time of the failure loss is measured from; -1 none */
    int64_t rp_captured_ns; /* capture time of the point used; -1 none */
    int64_t data_loss_ns;   /* failure_ns - rp_captured_ns; 0 for a planned failover; -1 unknown */
    uint64_t data_loss_bytes;
    bool verified;          /* replica digest equals the recorded digest of the point, every VM */
    char detail[256];
} report_failover;

/* One evaluated expectation. A "*" scope gives one result per subject. */
typedef struct report_expect_result {
    char path[32];   /* "expect[3]" */
    char name[160];  /* "rpo.p99 vm=sql-01 after 1d00h00m" */
    char bound[128]; /* "<= 10m00s", "succeeded by 12h00m00s", "never" */
    char actual[400];
    bool pass;
    /* The same as numbers, for charts (metric expectations only; kind says which). */
    drs_expect_kind kind;
    drs_scope scope;
    int subject;          /* index in its scope, -1 when none */
    drs_value_unit unit;
    bool has_value;       /* false when the metric had no value (actual says why) */
    double value;         /* ns, bytes, fraction, count or 0/1 */
    bool has_min, has_max;
    double min, max;      /* equals sets both */
} report_expect_result;

/* New, empty results for a run of sc. Copies every name it needs: sc may be freed afterwards.
 * Derives which link each VM's replication crosses from its cloud pair. The caller owns the result
 * and frees it with report_results_free. */
report_results *report_results_new(const drs_scenario *sc);
void report_results_free(report_results *r); /* NULL is a no-op; does not close an attached db */

/* A recorder table whose ctx is r, for engine_new. r must outlive the engine. */
engine_recorder report_results_recorder(report_results *r);

/* From now on every row (jobs, steps, events, recovery points, samples, failovers, findings) is also
 * written into db's current run (report_db_run_begin first). Diags, failovers and jobs recorded
 * before are written at once; events, recovery points and samples are not kept, so attach before
 * the engine starts. db is not owned; it must outlive r or be detached with NULL. Database failures
 * are sticky in db: see report_db_run_end.
 *
 * Which recovery points get a row: a replication cycle makes a new latest point and prunes the one
 * before, so a row per point would be a row per cycle (millions in a month of a large estate) for
 * points nobody could ever fail over to once pruned. Rows are kept for the points a DR user can
 * still ask about: every additional point (hourly and app-consistent, from when it is applied),
 * every point still retained at the end of the run, and every point a failover used. The per-cycle
 * picture is kept exactly, and compactly, by the RPO breakpoints (rpo_history). */
void report_results_attach_db(report_results *r, report_db *db);

/* Things the engine does not report, from the run driver: */
/* A throughput sample of a link (raw_bytes before compression, for the raw series; may equal wire). */
void report_results_add_link_sample(report_results *r, int link, int64_t at_ns, int64_t interval_ns,
                                    double raw_bytes, double wire_bytes, double capacity_Bps);
void report_results_add_failover(report_results *r, const report_failover *f); /* copied */
void report_results_add_diags(report_results *r, const drs_diags *d);        /* copied */
/* Called every sample interval: records RPO, replica storage and health of every VM at at_ns as
 * samples (for charts; statistics never use them) and lets the database commit a batch. */
void report_results_sample(report_results *r, int64_t at_ns);
/* The run ended at end_ns (usually the scenario duration): fixes the window of the statistics and
 * computes link utilization. Recording after this is a bug (asserted). */
void report_results_finish(report_results *r, int64_t end_ns);

/* Reading. Counts and indices follow the scenario; pointers stay valid until report_results_free
 * (job pointers until the next job is recorded). */
const char *report_results_scenario_name(const report_results *r);
uint64_t report_results_seed(const report_results *r);
int64_t report_results_end_ns(const report_results *r); /* -1 before finish */
size_t report_results_vm_count(const report_results *r);
const report_vm_stats *report_results_vm(const report_results *r, size_t vm);
size_t report_results_link_count(const report_results *r);
const report_link_stats *report_results_link(const report_results *r, size_t link);
const report_link_sample *report_results_link_samples(const report_results *r, size_t link,
                                                      size_t *n);
size_t report_results_class_count(const report_results *r);
const report_class_stats *report_results_class(const report_results *r, size_t c);
size_t report_results_plan_count(const report_results *r);
const char *report_results_plan_name(const report_results *r, size_t plan);
size_t report_results_job_count(const report_results *r);
const report_job *report_results_job(const report_results *r, size_t i);
size_t report_results_failover_count(const report_results *r);
const report_failover *report_results_failover(const report_results *r, size_t i);
const drs_diags *report_results_diags(const report_results *r);
/* Failover findings in the order they happened; their failover is assigned by
 * report_results_finish. */
size_t report_results_fo_finding_count(const report_results *r);
const report_fo_finding *report_results_fo_finding(const report_results *r, size_t i);
/* Events are streamed to the database, not kept: here are their counts and first times per kind and
 * VM (vm = -1: events about no VM). */
uint64_t report_results_event_count(const report_results *r, engine_event_kind kind, int vm);
int64_t report_results_event_first_ns(const report_results *r, engine_event_kind kind, int vm);
uint64_t report_results_event_total(const report_results *r); /* every event, every VM */
uint64_t report_results_rp_rows(const report_results *r);      /* recovery points kept as rows */
uint64_t report_results_sample_rows(const report_results *r);  /* VM and link samples */
const report_rpo_point *report_results_rpo_points(const report_results *r, size_t vm, size_t *n);
/* vm's replica storage (bytes, summed over its classifications) at the sample times, as steps:
 * from at_ns on it held bytes, until the next entry. Only changes are kept. Filled only for a run
 * loaded from a file that lacks the sites' storage (report_results_storage_count 0), from its
 * replica_storage_bytes series, for the storage chart; a run keeps its VMs' series in the database
 * alone (a thousand VMs over a month would hold 46 MB here). */
typedef struct report_storage_sample {
    int64_t at_ns;
    uint64_t bytes;
} report_storage_sample;
const report_storage_sample *report_results_storage_samples(const report_results *r, size_t vm,
                                                            size_t *n);
/* A site's storage (drs_site.storage), numbered site by site in scenario order, with the replica
 * storage it held over time: the sum over the VMs whose replicas it holds, at the sample times,
 * kept only where it changed (steps, as report_results_storage_samples), none before the engine
 * first reported storage there. A stored run of a file written before the storage table existed has
 * none. */
typedef struct report_storage_info {
    const char *site, *classification;
    uint64_t capacity_bytes; /* 0: not known */
} report_storage_info;
size_t report_results_storage_count(const report_results *r);
const report_storage_info *report_results_storage(const report_results *r, size_t i);
const report_storage_sample *report_results_storage_used(const report_results *r, size_t i,
                                                         size_t *n);
/* RPO statistics of vm over [from_ns, end of run]. */
void report_results_rpo(const report_results *r, size_t vm, int64_t from_ns, int64_t threshold_ns,
                        report_rpo_stats *out);
/* The same over [from_ns, until_ns), until_ns clipped to the end of the run (<= 0: the end). */
void report_results_rpo_window(const report_results *r, size_t vm, int64_t from_ns,
                               int64_t until_ns, int64_t threshold_ns, report_rpo_stats *out);
/* When vm's RPO became undefined for good: the start of the undefined span that reaches the end of
 * the run (protection lost and not regained), or -1 when RPO is defined at the end or was never
 * defined at all (a VM never protected is not "not protected from" anything). */
int64_t report_results_unprotected_from(const report_results *r, size_t vm);

/* The value of a scenario metric (SCENARIO-FORMAT "expect" table: "rpo.p99", "bytes.wire",
 * "failover.rto", ...) for one subject. rpo.* and link.utilization.* are taken over the window
 * [after_ns, until_ns) (until_ns <= 0: to the end of the run); the other metrics are totals of the
 * run. Durations in ns, sizes in bytes, booleans 0/1. Returns false
 * when the metric is unknown, does not apply to the scope, or has no value (why says which). For
 * failover metrics over several failovers of the subject, the worst one counts (largest RTO and loss,
 * verified only if every one was). */
bool report_results_metric(const report_results *r, const char *metric, drs_scope scope, int index,
                           int64_t after_ns, int64_t until_ns, int64_t threshold_ns, double *value,
                           char *why, size_t why_n);
/* The value of an rpo.* metric ("rpo.p95") from a VM's RPO statistics (defined) over its window:
 * the one place that says which statistic each rpo.* metric is, for expectations, the database's
 * metrics table and the JSON of a run. */
double report_rpo_metric(const report_rpo_stats *st, const char *metric);
/* Metric names that apply to a scope, NULL-terminated; for the metrics table and tools. */
const char *const *report_metric_names(drs_scope scope);
drs_value_unit report_metric_unit(const char *metric);

/* Evaluated expectations (after report_expect_evaluate). */
size_t report_results_expect_count(const report_results *r);
const report_expect_result *report_results_expect(const report_results *r, size_t i);
size_t report_results_expect_failed(const report_results *r);

/* ------------------------------------------------------------------------------------------------ */
/* Expectations (expect.c)                                                                           */
/* ------------------------------------------------------------------------------------------------ */

/* Evaluates every expectation (after report_results_finish) into r's expectation results, replacing
 * earlier ones. Validation expectations are checked against the diags given with
 * report_results_add_diags. True when every one held (the command line turns that into its exit
 * status, sim/run/exit_status.h). */
bool report_expect_evaluate(report_results *r, const drs_expect *ex, size_t n);

/* ------------------------------------------------------------------------------------------------ */
/* Output (summary.c, junit.c)                                                                       */
/* ------------------------------------------------------------------------------------------------ */

/* The terminal summary: a fleet line first, then tables; every line fits in 80 display columns.
 * Beyond 20 VMs the per-VM rows show the 10 worst by RPO p95 and count the rest, unless all. */
void report_summary_fprint(const report_results *r, FILE *out, bool all);
void report_summary_write(const report_results *r, FILE *out); /* fprint, not all */

/* JUnit XML: one testsuite (the scenario), one testcase per expectation result, a failure element with
 * the expected bound and the actual value for the failing ones. */
void report_junit_fprint(const report_results *r, FILE *out);
bool report_junit_write(const report_results *r, const char *path, drs_error *err);

/* Whether name is one of the engine's jobs about failing over and back (the HTML Gantt chart shows
 * these). Names are compared whole, never in part. */
bool report_job_is_failover(const char *name);

/* The HTML report's link, RPO-across-the-VMs, recovery-point, replica-storage and failover charts
 * of r up to end_ns (in that order), each as a standalone SVG document that carries the report's
 * style (so a page can show it as an image, unstyled by its own CSS). Returns a NULL-terminated
 * array the caller frees with report_html_svgs_free. */
char **report_html_chart_svgs(const report_results *r, int64_t end_ns);
void report_html_svgs_free(char **svgs);

/* One self-contained HTML page (html.c): inline CSS and SVG charts, nothing fetched. */
void report_html_fprint(const report_results *r, FILE *out);
bool report_html_write(const report_results *r, const char *path, drs_error *err);

/* Capacity planning (`drsim plan`, html_plan.c): the RPO percentile each run gave against the value
 * varied, the target marked, as one self-contained HTML page. */
typedef enum report_plan_unit {
    REPORT_PLAN_NUMBER,
    REPORT_PLAN_RATE,     /* bytes/s, shown in bits per second */
    REPORT_PLAN_DURATION, /* ns */
    REPORT_PLAN_SIZE      /* bytes */
} report_plan_unit;

typedef struct report_plan_run {
    double x;           /* the varied value, in x_unit */
    const char *x_text; /* the value for people: "31.25 Mbps" */
    size_t series;      /* which value of a second varied path; 0 with one path */
    double rpo_ns;      /* the worst VM's RPO percentile; INFINITY: undefined or the run failed */
    bool meets;
} report_plan_run;

typedef struct report_plan_chart {
    const char *scenario; /* its name, for the title */
    const char *x_path;   /* the varied JSON path: links[0].bandwidth */
    report_plan_unit x_unit;
    const char *const *series_names; /* "recovery...copy_frequency=5m"; NULL with one path */
    size_t series_count;             /* 1 with one path */
    const report_plan_run *runs;
    size_t run_count;
    int64_t target_ns;
    double percentile; /* 100: the maximum */
    bool has_answer;
    double answer_x;
    const char
        *summary; /* text under the chart (the answer and the planning figures); may be NULL */
} report_plan_chart;

void report_plan_html_fprint(const report_plan_chart *c, FILE *out);
bool report_plan_html_write(const report_plan_chart *c, const char *path, drs_error *err);

/* ------------------------------------------------------------------------------------------------ */
/* Results database (db.c)                                                                           */
/* ------------------------------------------------------------------------------------------------ */

/* Opens (creating if needed) a results database, one file for any number of runs. The caller owns the
 * handle and closes it with report_db_close. NULL with err filled (DRS_EIO) on failure. */
report_db *report_db_open(const char *path, drs_error *err);
/* Commits what is pending and closes. A run that was begun and not ended stays 'incomplete'. */
void report_db_close(report_db *db);

typedef struct report_run_info {
    const char *scenario_name;
    const char *scenario_path;   /* may be NULL */
    const char *scenario_sha256; /* hex, from report_sha256_file */
    uint64_t seed;
    const char *drsim_version;
    int64_t duration_ns;         /* simulated time the scenario asks for */
} report_run_info;

/* Inserts the run row with status 'incomplete' and commits it at once, so that a killed run leaves a
 * row that says it did not finish; the run's rows then gather in memory (see report_db_flush). */
bool report_db_run_begin(report_db *db, const report_run_info *info, int64_t *run_id,
                         drs_error *err);
/* Writes the expectations' results, every metric of r and the last series chunks, sets status
 * ('complete', 'failed' or 'invalid'), exit code and end time, and commits them in one transaction. Reports (here, once) the first error any
 * earlier row write met. */
bool report_db_run_end(report_db *db, const report_results *r, const char *status, int exit_code,
                       drs_error *err);
/* For `drsim plan`: records that the current run had value (as written into the scenario; number:
 * the same in bytes/s, ns, bytes or plain) at the JSON path, in the plan_values table. */
bool report_db_put_plan_value(report_db *db, const char *path, const char *value, double number,
                              drs_error *err);
/* Copies the pending batch into the file now. Rows are otherwise copied every batch_rows rows
 * (default 100000) and, at most once a second of wall-clock time, at a sample; the last, shorter
 * chunks of the VM series wait for report_db_run_end. */
bool report_db_flush(report_db *db, drs_error *err);
void report_db_set_batch_rows(report_db *db, size_t rows);
/* Whether the rows of a run attached from now on are written by a thread of their own while the
 * simulation goes on (true, the default: the file holds the same rows either way) or by the
 * recorder's thread as they come, so that they reach the file at exactly the batch points above. */
void report_db_set_writer_thread(report_db *db, bool threaded);
int64_t report_db_run_id(const report_db *db); /* current run, -1 when none */

/* ------------------------------------------------------------------------------------------------ */
/* Stored runs (load.c)                                                                              */
/* ------------------------------------------------------------------------------------------------ */

/* A run as the runs table holds it, with its expectations counted. */
typedef struct report_run_row {
    int64_t id;
    char scenario[256];
    uint64_t seed;
    char drsim_version[32];
    char started[32], ended[32]; /* wall clock, ISO 8601 UTC; ended "" when the run did not end */
    char status[16];             /* incomplete, complete, failed, invalid */
    int exit_code;               /* -1 when none was recorded */
    size_t expect_passed, expect_failed;
} report_run_row;

/* Every run of the results database at path, oldest first, into *rows (the caller frees it). Opens
 * the file read-only. false with err (DRS_EINPUT) when the file is missing or is not a drsim results
 * database of this format. */
bool report_db_list_runs(const char *path, report_run_row **rows, size_t *n, drs_error *err);

/* Run run_id (-1: the newest) of the results database at path, as results: the summary, JUnit and
 * HTML render from them exactly as they did from the run's own results. A run that did not finish
 * comes back with what it stored and end time -1, which every output shows as not finished. info
 * (optional) gets the run's row. The caller frees the results. NULL with err (DRS_EINPUT) when the
 * file is missing, is not a drsim results database, or has no such run. */
report_results *report_db_load(const char *path, int64_t run_id, report_run_row *info,
                               drs_error *err);

/* Every sample of run run_id (-1: the newest) of the results database at path as CSV into out:
 * a header line, then t_ns,kind,subject,value per sample, VM series (unpacked from
 * series_chunks: rpo_s in seconds, replica_storage_bytes) then link series, each by subject, kind
 * and time. false with err (DRS_EINPUT) as report_db_load, or when a chunk does not unpack. */
bool report_db_write_samples(const char *path, int64_t run_id, FILE *out, drs_error *err);

/* The schema, as SQL (for the README and `sqlite3 .schema`). */
extern const char report_db_schema[];
/* Kept in the file's header (PRAGMA user_version). report_db_open and report_db_merge refuse a file
 * of another version, and one written before versions were kept (0 with tables in it); a new file
 * is given this one. Bump it when a column changes meaning or type; a new table needs no bump (merge copies
 * any table whose rows refer to a run). */
#define REPORT_DB_SCHEMA_VERSION 3

/* ------------------------------------------------------------------------------------------------ */
/* Merging results databases (merge.c)                                                               */
/* ------------------------------------------------------------------------------------------------ */

typedef struct report_merge_stats {
    size_t runs;    /* runs copied */
    size_t rows;    /* rows copied from the tables that refer to a run (runs themselves aside) */
    size_t orphans; /* rows whose run matched no run of their input: left out */
    int64_t first_run; /* id in the output of the first run copied; the others follow it without
                        * gaps (the output is locked while merging); -1 when no run was copied */
} report_merge_stats;

/* Copies every run of every input into out_path (created when missing, else appended to), each run
 * under a new id, with every row of every table that refers to a run (a foreign key to runs, or a
 * column named run) and that run id remapped. Inputs go in the order given, runs in id order, rows
 * in their input order, so the same inputs always give the same content. A table the output lacks
 * is created from the input's definition. One transaction: on failure out_path is left as it was
 * (and removed if this call created it). Inputs are only read (a run a killed writer left
 * half-written is rolled back first, as any open does). Fails with DRS_EINPUT when an input is
 * missing, not a drsim results database, of another schema version, given twice, out_path itself,
 * or holds a non-empty table that refers to no run; or when out_path is not a drsim results
 * database; DRS_EIO when reading or writing fails part-way. Paths are borrowed for the call; stats
 * (may be NULL) is filled on success. */
bool report_db_merge(const char *out_path, const char *const *in_paths, size_t n_in,
                     report_merge_stats *stats, drs_error *err);

#endif
