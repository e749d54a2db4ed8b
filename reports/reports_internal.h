/* reports/reports_internal.h — the results' insides and how they stream rows into the database;
 * reports/ only.
 *
 * results.c calls these as the run records things; db.c appends each row to the open batch
 * transaction of the current run. None of them fails loudly: the first database error is kept in
 * the db and reported by report_db_run_end, and later rows are dropped (a run must not stop because
 * its database did). Strings are copied by SQLite before the call returns. */
#ifndef REPORT_REPORTS_INTERNAL_H
#define REPORT_REPORTS_INTERNAL_H

#include "reports.h"
#include <zlib.h>

/* ---- the results' insides, shared by results.c (recording) and load.c (reading a stored run) ----
 */

/* A recovery point a VM holds now (created and not yet pruned), with what its database row needs:
 * rows are written only for points worth keeping (see report_results_attach_db). */
typedef struct live_rp {
    uint64_t id;
    engine_rp_kind kind;
    bool applied;
    bool stored; /* its row was written (once: when pruned or at the end) */
    bool worth;  /* an additional point was applied: its row is written when it goes */
    bool keep;   /* a failover used it: store it even if it is pruned as a plain latest point */
    int64_t captured_ns, created_ns, applied_ns;
    uint64_t bytes, digest;
} live_rp;

/* Replica storage held by a VM on one classification of one site. */
typedef struct vm_store {
    int site, storage;
    uint64_t used;
} vm_store;

/* A VM's recorder state. Each callback of a cycle touches it once, by then long out of the cache
 * in a large fleet (the other VMs' cycles came in between), so what a callback reads to find its
 * place is kept here rather than in the arrays it points to: the newest breakpoint's instant, the
 * live points' ids, the first storage entry. */
typedef struct vm_state {
    report_rpo_point *rpo;
    size_t rpo_n, rpo_cap;
    size_t rpo_stored;     /* breakpoints already written to the database */
    int64_t rpo_last_at_ns; /* at_ns of rpo[rpo_n - 1] when rpo_n > 0 */
    live_rp *live;
    uint64_t *live_id; /* live[i].id, packed: a lookup reads a line or two, not one per point */
    size_t live_n, live_cap, live_id_cap;
    uint64_t live_max_id;  /* the largest id ever added to live: a larger one is not there */
    size_t live_latest;    /* live points applied as latest ones (rp_latest_now without a scan) */
    vm_store store0;       /* the first storage entry (most VMs have one); the others in store */
    vm_store *store;       /* entries 1 .. store_n - 1, at store[i - 1] */
    size_t store_n, store_cap;
    /* Replica storage at the samples, only where it changed (a step series, for the chart of a
     * run stored without the sites' storage; see report_results_storage_samples). */
    report_storage_sample *stor;
    size_t stor_n, stor_cap;
    /* When the VM's levels (retained additional points, replica storage) last changed. Their
     * maxima take a level only once time moves past that instant (or the run ends): a point
     * created and the oldest pruned at one instant never coexist. */
    int64_t level_ns;
} vm_state;

/* A site's storage as the charts see it (report_results_storage): names, capacity, the replica
 * storage on it now and its step series. */
typedef struct storage_state {
    report_storage_info info;
    uint64_t used;
    bool seen; /* the engine reported storage here */
    report_storage_sample *samples;
    size_t n, cap;
} storage_state;

typedef struct link_state {
    report_link_sample *samples;
    size_t n, cap;
} link_state;

typedef struct report_sink report_sink; /* below: where the recorder streams rows */

struct report_results {
    char *scenario_name;
    uint64_t seed;
    int64_t end_ns;
    bool finished;

    size_t vm_count, link_count, class_count, plan_count;
    report_vm_stats *vms;
    vm_state *vst;
    report_link_stats *links;
    link_state *lst;
    report_class_stats *classes;
    int64_t *class_level_ns; /* per classification: as vm_state.level_ns */
    char **plan_names;
    size_t site_count;
    int **class_of;        /* [site][storage] -> index into classes */
    size_t *storage_count; /* per site */
    storage_state *stor;   /* every site's storage, site by site */
    size_t stor_count;

    report_job *jobs;
    size_t job_count, job_cap;
    report_failover *failovers;
    size_t failover_count, failover_cap;
    report_fo_finding *fo_findings;
    size_t fo_finding_count, fo_finding_cap;
    drs_diags diags;
    report_expect_result *expects;
    size_t expect_count, expect_cap;

    /* [kind * (vm_count + 1) + vm + 1]: slot 0 of each kind is "about no VM" */
    uint64_t *ev_count;
    int64_t *ev_first;
    uint64_t ev_total, rp_rows, sample_rows;

    report_db *db;           /* where rows go while the run goes, or NULL */
    const report_sink *sink; /* how (set with db) */
};

/* Empty results with room for the given numbers of subjects (names NULL, every time -1), for the
 * loader. */
report_results *report_results_alloc(size_t vms, size_t links, size_t classes, size_t plans);
/* What report_results_finish derives from the recorded rows: link utilization, and which failover
 * each finding belongs to. The loader calls it too, so a stored run derives the same. */
void report_results_settle(report_results *r);
/* A sample of vm's replica storage, kept only when it differs from the one before (load.c). */
void report_results_storage_note(report_results *r, size_t vm, int64_t at_ns, uint64_t bytes);
/* The same for a site's storage (index into r->stor). */
void report_results_stor_note(report_results *r, size_t i, int64_t at_ns, uint64_t bytes);

/* ---- where the recorder streams rows while a run goes ---- */

enum { REPORT_SERIES_RPO, REPORT_SERIES_STORAGE, REPORT_SERIES_KINDS };

/* The recorder (results.c) collects; a sink writes what it is handed. The results database is
 * the sink (db.c: report_results_attach_db installs it), so results.c calls the database only
 * through this table and the dependency runs one way, from db.c to the results. */
struct report_sink {
    /* Inserts or replaces the job's row (state and end change over its life). */
    void (*job)(report_db *db, size_t seq, const report_job *job, const char *vm_name);
    void (*job_step)(report_db *db, uint64_t job_id, size_t seq, const report_job_step *st);
    void (*event)(report_db *db, uint64_t seq, const engine_event_info *ev, const char *vm_name);
    /* A sample of a VM's time series (kind: REPORT_SERIES_*): RPO in ns, replica storage in
     * bytes, stored in chunks of samples (the last chunks at report_db_run_end). */
    void (*sample)(report_db *db, int64_t at_ns, int kind, int vm, int64_t value);
    void (*failover)(report_db *db, uint64_t seq, const report_failover *f, const char *plan_name,
                     const char *vm_name);
    void (*diag)(report_db *db, uint64_t seq, const drs_diag *d);
    /* The run's subjects (VMs, links, classifications, plans) with their final figures: at attach
     * time (names, so even a killed run can be shown) and again at the end. */
    void (*subjects)(report_db *db, const report_results *r);
    /* A change of the replica storage on a site's storage (index into report_results_storage). */
    void (*storage_sample)(report_db *db, int storage, int64_t at_ns, uint64_t used_bytes);
    void (*link_sample)(report_db *db, int link, const report_link_sample *s);
    /* The RPO breakpoints pts[0..n) of vm (the next ones after those written before), as one
     * packed row. */
    void (*rpo)(report_db *db, int vm, const report_rpo_point *pts, size_t n);
    /* A recovery point's row, written once: when it is pruned, or at the end (pruned_ns -1). */
    void (*rp_row)(report_db *db, int vm, const live_rp *p, int64_t pruned_ns);
    /* A sample interval passed: the batch goes into the file if a second of wall-clock time went
     * by since the last one, so a killed run loses little. */
    void (*tick)(report_db *db);
};

/* ---- the database's writer thread (db_writer.c) ---- */

typedef struct report_db_writer report_db_writer;

/* Starts a thread that applies, in order, the rows handed to report_db_writer_sink() to inner on
 * db; NULL when no thread can be started (then write through inner directly). The sink's
 * functions find the writer with report_db_writer_of(db). Stop it with report_db_writer_stop. */
report_db_writer *report_db_writer_start(report_db *db, const report_sink *inner);
const report_sink *report_db_writer_sink(void);
/* Returns once every row handed over is written and the writer is idle (NULL: nothing to do). */
void report_db_writer_drain(report_db_writer *w);
/* Drains, ends the thread and frees the writer (NULL: nothing). */
void report_db_writer_stop(report_db_writer *w);
/* The writer of db's current run, NULL when none (db.c). */
report_db_writer *report_db_writer_of(report_db *db);
/* The database's own sink, which writes on the calling thread (db.c). */
const report_sink *report_db_direct_sink(void);

/* ---- packed pairs of integers (pack.c) ---- */

/* A compressor kept between chunks; zero-initialised before first use, report_packer_free after
 * the last. */
typedef struct report_packer {
    z_stream z;
    bool ready;
} report_packer;

/* Packs (a[i], b[i]) for i < n into a new blob of *len bytes (caller frees; NULL when out of
 * memory). b_from_a: b is stored as its difference from a (RPO breakpoints: a the capture time, b
 * the moment the point became usable). */
unsigned char *report_pack(report_packer *pk, const int64_t *a, const int64_t *b, size_t n,
                           bool b_from_a, size_t *len);
void report_packer_free(report_packer *pk);
/* Unpacks n pairs packed with the same b_from_a into a[0..n) and b[0..n); false when the blob is
 * not n pairs in that form. */
bool report_unpack(const unsigned char *blob, size_t len, size_t n, bool b_from_a, int64_t *a,
                   int64_t *b);

/* Checks the schema version of the file open in h (see REPORT_DB_SCHEMA_VERSION: DRS_EINPUT when it
 * differs), then creates the tables and indexes that are missing and stamps the version. Call it
 * inside a write transaction (db.c and merge.c). */
struct sqlite3;
bool report_db_schema_apply(struct sqlite3 *h, const char *path, drs_error *err);

/* For expect.c: forget earlier expectation results; append one (zeroed) result. */
void report_results_expect_reset(report_results *r);
report_expect_result *report_results_expect_add(report_results *r);

#endif
