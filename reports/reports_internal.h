/* reports/reports_internal.h — how the results stream rows into the database; reports/ only.
 *
 * results.c calls these as the run records things; db.c appends each row to the open batch
 * transaction of the current run. None of them fails loudly: the first database error is kept in the
 * db and reported by report_db_run_end, and later rows are dropped (a run must not stop because its
 * database did). Strings are copied by SQLite before the call returns. */
#ifndef REPORT_REPORTS_INTERNAL_H
#define REPORT_REPORTS_INTERNAL_H

#include "reports.h"

/* Inserts or replaces the job's row (state and end change over its life). */
void report_db_put_job(report_db *db, const report_job *job, const char *vm_name);
void report_db_put_job_step(report_db *db, uint64_t job_id, size_t seq, const report_job_step *st);
void report_db_put_event(report_db *db, uint64_t seq, const engine_event_info *ev,
                         const char *vm_name);
/* Creates the point's row, or updates its applied / pruned time. */
void report_db_put_rp(report_db *db, const char *vm_name, engine_rp_change change,
                      const engine_rp_info *rp, int64_t at_ns);
void report_db_put_sample(report_db *db, int64_t at_ns, const char *kind, const char *subject,
                          double value);
void report_db_put_failover(report_db *db, uint64_t seq, const report_failover *f,
                            const char *plan_name, const char *vm_name);
void report_db_put_diag(report_db *db, uint64_t seq, const drs_diag *d);
/* A sample interval passed: commits the batch if a second of wall-clock time went by since the last
 * commit, so a killed run loses little. */
void report_db_tick(report_db *db);

/* Checks the schema version of the file open in h (see REPORT_DB_SCHEMA_VERSION: DRS_EINPUT when it
 * differs), then creates the tables and indexes that are missing and stamps the version. Call it
 * inside a write transaction (db.c and merge.c). */
struct sqlite3;
bool report_db_schema_apply(struct sqlite3 *h, const char *path, drs_error *err);

/* For expect.c: forget earlier expectation results; append one (zeroed) result. */
void report_results_expect_reset(report_results *r);
report_expect_result *report_results_expect_add(report_results *r);

#endif
