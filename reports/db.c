/* reports/db.c — the SQLite results database: one file, any number of runs.
 *
 * Crash safety: the run row is inserted as 'incomplete' and committed on its own before anything
 * else. Rows then gather in TEMP tables (in memory, no lock on the file) and are copied into the
 * file in one transaction per batch; the final status goes in with the last batch. The default
 * rollback journal with synchronous=NORMAL keeps the file consistent when the process is killed at
 * any moment: an interrupted batch is rolled back by the next open, the committed ones stay, and
 * the run row still says 'incomplete'. journal_mode OFF or MEMORY would leave a torn file after a
 * kill during a batch; WAL would make a results database more than one file while it is written.
 * Holding the file only while a batch is copied lets several runs write it in turn.
 *
 * VM series and RPO breakpoints are stored packed, a chunk to a row (pack.c). The tables themselves
 * and the version check are in db_schema.c. */
#include "reports_internal.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    ST_SERIES,
    ST_CHUNK,
    ST_LINK_SAMPLE,
    ST_RPO,
    ST_VM,
    ST_LINK,
    ST_CLASS,
    ST_PLAN,
    ST_JOB,
    ST_STEP,
    ST_EVENT,
    ST_RP_ROW,
    ST_FAILOVER,
    ST_FINDING,
    ST_EXPECT,
    ST_METRIC,
    ST_STORAGE,
    ST_STORAGE_SAMPLE,
    ST_COUNT
};

/* Samples of a VM series per row of series_chunks, cut at fixed places so that two runs of one
 * scenario write identical rows. 256 samples are 2.7 days at 15-minute samples; the buffers of
 * 10,000 VMs take 80 MB. */
#define SERIES_CHUNK 256

static const char *const db_sql[ST_COUNT] = {
    [ST_SERIES] = "INSERT INTO series VALUES (?1, ?2, ?3, ?4)",
    [ST_CHUNK] = "INSERT INTO series_chunks VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_LINK_SAMPLE] = "INSERT INTO link_samples VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_RPO] = "INSERT INTO rpo_history VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_VM] =
        "INSERT OR REPLACE INTO vms VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
        " ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29,"
        " ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37)",
    [ST_LINK] = "INSERT OR REPLACE INTO links VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_CLASS] = "INSERT OR REPLACE INTO classifications VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_PLAN] = "INSERT OR REPLACE INTO plans VALUES (?1, ?2, ?3)",
    [ST_JOB] =
        "INSERT OR REPLACE INTO jobs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [ST_STEP] = "INSERT OR REPLACE INTO job_steps VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_EVENT] = "INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [ST_RP_ROW] = "INSERT INTO recovery_points VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [ST_FAILOVER] = "INSERT INTO failovers VALUES "
                    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    [ST_FINDING] = "INSERT INTO findings VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_EXPECT] = "INSERT OR REPLACE INTO expectations VALUES "
                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    [ST_METRIC] = "INSERT OR REPLACE INTO metrics VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_STORAGE] = "INSERT OR REPLACE INTO storage VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_STORAGE_SAMPLE] = "INSERT INTO storage_samples VALUES (?1, ?2, ?3, ?4)",
};

/* Samples of one series waiting for their chunk to fill. */
typedef struct series_buf {
    int64_t *t, *v;
    size_t n;
    int64_t seq; /* of the next chunk */
} series_buf;

/* Every table a run writes is staged in a TEMP table of the same name (which takes precedence for
 * unqualified names on this connection) and copied into the file in one short write transaction
 * per batch: the file stays unlocked while the run computes, so several runs can write one file.
 * replace: the rows are inserted or replaced (a job's row changes over its life). */
static const struct {
    const char *name;
    bool replace;
} staged[] = {{"vms", true},          {"links", true},        {"classifications", true},
              {"plans", true},        {"series", false},      {"series_chunks", false},
              {"link_samples", false}, {"rpo_history", false}, {"jobs", true},
              {"job_steps", true},    {"events", false},      {"recovery_points", false},
              {"failovers", false},   {"findings", false},    {"expectations", true},
              {"metrics", true},      {"plan_values", true},  {"storage", true},
              {"storage_samples", false}};
#define STAGED_COUNT (sizeof staged / sizeof staged[0])

struct report_db {
    sqlite3 *h;
    char path[256];
    sqlite3_stmt *st[ST_COUNT];
    sqlite3_stmt *copy[STAGED_COUNT], *clear[STAGED_COUNT];
    int64_t run; /* -1 when no run is open */
    bool in_tx;     /* a transaction of the staging tables is open */
    size_t pending; /* rows in the open batch */
    size_t batch_rows;
    time_t last_commit;
    bool failed; /* sticky: the first error is in err */
    drs_error err;
    /* The current run's VM series (REPORT_SERIES_KINDS per VM) and RPO history rows per VM. */
    char **vm_names;
    size_t vm_count;
    series_buf *series;
    int64_t *rpo_seq;
    report_packer packer;
    /* While a run is recorded, the thread that writes its rows (db_writer.c); every other use of
     * the database waits for it first (db_writer_idle). */
    report_db_writer *writer;
    bool direct; /* no writer thread (report_db_set_writer_thread) */
};

report_db_writer *report_db_writer_of(report_db *db)
{
    return db->writer;
}

/* The writer thread done with everything handed to it (and, with stop, ended): before anything
 * else touches the database. */
static void db_writer_idle(report_db *db, bool stop)
{
    if (stop) {
        report_db_writer_stop(db->writer);
        db->writer = NULL;
    } else {
        report_db_writer_drain(db->writer);
    }
}

static bool db_fail(report_db *db, drs_error *err, const char *what)
{
    if (!db->failed) {
        db->failed = true;
        drs_fail(&db->err, DRS_EIO, "", "results database %s: %s: %s", db->path, what,
                 sqlite3_errmsg(db->h));
    }
    if (err)
        *err = db->err;
    return false;
}

static bool db_exec(report_db *db, const char *sql, drs_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        sqlite3_free(msg);
        return db_fail(db, err, sql);
    }
    return true;
}


/* Whether path can be a results database: not a folder, its folder there, writable if it exists,
 * and a SQLite file if it holds anything. Fills err (DRS_EINPUT) when not. */
static bool db_path_usable(const char *path, drs_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return drs_fail(err, DRS_EINPUT, "", "results database %s is a folder, not a file",
                            path);
        if (access(path, R_OK | W_OK) != 0)
            return drs_fail(err, DRS_EINPUT, "", "results database %s cannot be written: %s", path,
                            strerror(errno));
        if (st.st_size > 0) {
            char head[16] = {0};
            FILE *f = fopen(path, "rb");
            size_t got = f ? fread(head, 1, sizeof head, f) : 0;
            if (f)
                fclose(f);
            if (got < sizeof head || memcmp(head, "SQLite format 3", 16) != 0)
                return drs_fail(err, DRS_EINPUT, "",
                                "results database %s is not a SQLite file: use another file", path);
        }
        return true;
    }
    char dir[1024];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (slash == path ? 1 : (int)(slash - path)) : 1,
             slash ? path : ".");
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return drs_fail(err, DRS_EINPUT, "", "results database %s: its folder %.200s does not exist",
                        path, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return drs_fail(err, DRS_EINPUT, "", "results database %s: its folder %.200s cannot be "
                        "written: %s", path, dir, strerror(errno));
    return true;
}

report_db *report_db_open(const char *path, drs_error *err)
{
    /* raw calloc: the database writer survives a failed allocation (engine/shared/alloc.h) */
    report_db *db = calloc(1, sizeof *db);
    if (!db) {
        drs_fail(err, DRS_EINTERNAL, "", "out of memory");
        return NULL;
    }
    snprintf(db->path, sizeof db->path, "%s", path);
    db->run = -1;
    db->batch_rows = 100000;
    /* A path that cannot hold a results database is bad input, told before anything runs. */
    if (!db_path_usable(path, err)) {
        free(db);
        return NULL;
    }
    if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        drs_fail(err, DRS_EINPUT, "", "cannot open results database %s: %s", path,
                 db->h ? sqlite3_errmsg(db->h) : "out of memory");
        sqlite3_close(db->h);
        free(db);
        return NULL;
    }
    /* Several runs may share a file: wait for another writer's batch rather than fail. A batch
     * holds the file for a fraction of a second, so ten minutes means something is stuck. */
    sqlite3_busy_timeout(db->h, 600000);
    /* 16 KiB pages (a new file only) and a 64 MiB cache: fewer, larger writes. The journal stays
     * a rollback journal on disk: with journal_mode OFF or MEMORY a run killed while its batch is
     * being written would leave a torn file, which nothing could tell from a finished one. */
    bool ok = db_exec(db, "PRAGMA page_size=16384", err) &&
              db_exec(db, "PRAGMA journal_mode=DELETE", err) &&
              db_exec(db, "PRAGMA synchronous=NORMAL", err) &&
              db_exec(db, "PRAGMA cache_size=-65536", err) &&
              db_exec(db, "PRAGMA temp_store=MEMORY", err) &&
              db_exec(db, "BEGIN IMMEDIATE", err) && report_db_schema_apply(db->h, path, err) &&
              db_exec(db, "COMMIT", err);
    for (size_t i = 0; ok && i < STAGED_COUNT; i++) {
        char *sql = sqlite3_mprintf("CREATE TEMP TABLE \"%w\" AS SELECT * FROM main.\"%w\" "
                                    "WHERE 0",
                                    staged[i].name, staged[i].name);
        ok = sql && db_exec(db, sql, err);
        sqlite3_free(sql);
        char *copy = sqlite3_mprintf("INSERT %s INTO main.\"%w\" SELECT * FROM temp.\"%w\" "
                                     "ORDER BY rowid",
                                     staged[i].replace ? "OR REPLACE" : "", staged[i].name,
                                     staged[i].name);
        char *clear = sqlite3_mprintf("DELETE FROM temp.\"%w\"", staged[i].name);
        if (ok && (!copy || !clear ||
                   sqlite3_prepare_v3(db->h, copy, -1, SQLITE_PREPARE_PERSISTENT, &db->copy[i],
                                      NULL) != SQLITE_OK ||
                   sqlite3_prepare_v3(db->h, clear, -1, SQLITE_PREPARE_PERSISTENT, &db->clear[i],
                                      NULL) != SQLITE_OK))
            ok = db_fail(db, err, "staging tables");
        sqlite3_free(copy);
        sqlite3_free(clear);
    }
    for (int i = 0; ok && i < ST_COUNT; i++)
        if (sqlite3_prepare_v3(db->h, db_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &db->st[i], NULL) !=
            SQLITE_OK)
            ok = db_fail(db, err, db_sql[i]);
    if (!ok) {
        report_db_close(db);
        return NULL;
    }
    return db;
}

/* Steps a statement without counting it as a batch row. */
static bool db_step(report_db *db, sqlite3_stmt *s, drs_error *err)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, sqlite3_sql(s));
    return true;
}

/* Ends the staging transaction and copies the staged rows into the file in one write
 * transaction; then, when more is given, runs it in that transaction too (the run's final status
 * goes in with its last rows). */
static bool db_commit_with(report_db *db, sqlite3_stmt *more, drs_error *err)
{
    if (db->in_tx) {
        db->in_tx = false;
        if (!db_exec(db, "COMMIT", err))
            return false;
    }
    if (db->pending || more) {
        if (!db_exec(db, "BEGIN IMMEDIATE", err))
            return false;
        bool ok = true;
        for (size_t i = 0; ok && i < STAGED_COUNT; i++)
            ok = db_step(db, db->copy[i], err) && db_step(db, db->clear[i], err);
        if (ok && more)
            ok = db_step(db, more, err);
        if (!ok) {
            sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
            return false;
        }
        if (!db_exec(db, "COMMIT", err))
            return false;
    }
    db->pending = 0;
    db->last_commit = time(NULL);
    return true;
}

static bool db_commit(report_db *db, drs_error *err)
{
    return db_commit_with(db, NULL, err);
}

/* Staged rows go in one transaction of the TEMP tables: a statement each would commit each. It
 * takes no lock on the file. */
static bool db_begin(report_db *db, drs_error *err)
{
    if (db->in_tx)
        return true;
    if (!db_exec(db, "BEGIN", err))
        return false;
    db->in_tx = true;
    return true;
}

/* Drops what the db held about the current run's subjects. */
static void db_forget_run(report_db *db)
{
    for (size_t i = 0; i < db->vm_count; i++)
        free(db->vm_names[i]);
    if (db->series)
        for (size_t i = 0; i < db->vm_count * REPORT_SERIES_KINDS; i++) {
            free(db->series[i].t);
            free(db->series[i].v);
        }
    free(db->vm_names);
    free(db->series);
    free(db->rpo_seq);
    db->vm_names = NULL;
    db->series = NULL;
    db->rpo_seq = NULL;
    db->vm_count = 0;
}

void report_db_close(report_db *db)
{
    if (!db)
        return;
    db_writer_idle(db, true);
    if (db->in_tx && !db->failed)
        db_commit(db, NULL);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(db->st[i]);
    for (size_t i = 0; i < STAGED_COUNT; i++) {
        sqlite3_finalize(db->copy[i]);
        sqlite3_finalize(db->clear[i]);
    }
    sqlite3_close(db->h);
    db_forget_run(db);
    report_packer_free(&db->packer);
    free(db);
}

void report_db_set_batch_rows(report_db *db, size_t rows)
{
    db_writer_idle(db, false);
    db->batch_rows = rows ? rows : 1;
}

void report_db_set_writer_thread(report_db *db, bool threaded)
{
    db->direct = !threaded;
}

int64_t report_db_run_id(const report_db *db)
{
    return db->run;
}

static void iso_now(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool report_db_run_begin(report_db *db, const report_run_info *info, int64_t *run_id,
                         drs_error *err)
{
    db_writer_idle(db, true);
    if (db->failed)
        return db_fail(db, err, "earlier error");
    if (!db_commit(db, err))
        return false;
    db_forget_run(db);
    char now[32];
    iso_now(now, sizeof now);
    sqlite3_stmt *s = NULL;
    const char *sql =
        "INSERT INTO main.runs (scenario, scenario_path, scenario_sha256, seed, drsim_version,"
        " duration_ns, started, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'incomplete')";
    if (sqlite3_prepare_v2(db->h, sql, -1, &s, NULL) != SQLITE_OK)
        return db_fail(db, err, "insert run");
    sqlite3_bind_text(s, 1, info->scenario_name ? info->scenario_name : "", -1, SQLITE_TRANSIENT);
    if (info->scenario_path)
        sqlite3_bind_text(s, 2, info->scenario_path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, info->scenario_sha256 ? info->scenario_sha256 : "", -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)info->seed);
    sqlite3_bind_text(s, 5, info->drsim_version ? info->drsim_version : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 6, info->duration_ns);
    sqlite3_bind_text(s, 7, now, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "insert run");
    /* Autocommit: the row is durable (journal and file synced) before any batch starts. */
    db->run = sqlite3_last_insert_rowid(db->h);
    if (run_id)
        *run_id = db->run;
    db->last_commit = time(NULL);
    return db_begin(db, err);
}

/* Steps a bound statement and counts the row; a full batch is committed. Returns the rows the
 * statement changed, -1 on failure. */
static int db_row(report_db *db, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    int changed = sqlite3_changes(db->h);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE) {
        db_fail(db, NULL, sqlite3_sql(s));
        return -1;
    }
    if (++db->pending >= db->batch_rows && db_commit(db, NULL))
        db_begin(db, NULL);
    return changed;
}

static bool db_ready(report_db *db)
{
    return db && !db->failed && db->run >= 0 && (db->in_tx || db_begin(db, NULL));
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *t)
{
    if (t)
        sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

static void bind_time_or_null(sqlite3_stmt *s, int i, int64_t ns)
{
    if (ns >= 0)
        sqlite3_bind_int64(s, i, ns);
    else
        sqlite3_bind_null(s, i);
}

static const char *const series_kind[REPORT_SERIES_KINDS] = {
    [REPORT_SERIES_RPO] = "rpo_s", [REPORT_SERIES_STORAGE] = "replica_storage_bytes"};

static void db_put_chunk(report_db *db, size_t series, series_buf *b)
{
    size_t len = 0;
    unsigned char *blob = report_pack(&db->packer, b->t, b->v, b->n, false, &len);
    if (!blob) {
        db_fail(db, NULL, "out of memory");
        return;
    }
    sqlite3_stmt *s = db->st[ST_CHUNK];
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)series);
    sqlite3_bind_int64(s, 3, b->seq++);
    sqlite3_bind_int64(s, 4, b->t[0]);
    sqlite3_bind_int64(s, 5, b->t[b->n - 1]);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)b->n);
    sqlite3_bind_blob(s, 7, blob, (int)len, free);
    b->n = 0;
    db_row(db, s);
}

static void db_put_sample(report_db *db, int64_t at_ns, int kind, int vm, int64_t value)
{
    if (!db_ready(db) || vm < 0 || (size_t)vm >= db->vm_count || kind < 0 ||
        kind >= REPORT_SERIES_KINDS)
        return;
    size_t i = (size_t)vm * REPORT_SERIES_KINDS + (size_t)kind;
    series_buf *b = &db->series[i];
    if (!b->t) {
        /* raw malloc: the database writer survives a failed allocation (engine/shared/alloc.h) */
        b->t = malloc(SERIES_CHUNK * sizeof *b->t);
        b->v = malloc(SERIES_CHUNK * sizeof *b->v);
        if (!b->t || !b->v) {
            db_fail(db, NULL, "out of memory");
            return;
        }
    }
    b->t[b->n] = at_ns;
    b->v[b->n++] = value;
    if (b->n == SERIES_CHUNK)
        db_put_chunk(db, i, b);
}

/* The run's last, shorter chunks. */
static void db_flush_samples(report_db *db)
{
    for (size_t i = 0; i < db->vm_count * REPORT_SERIES_KINDS && !db->failed; i++)
        if (db->series[i].n)
            db_put_chunk(db, i, &db->series[i]);
}

static void db_put_link_sample(report_db *db, int link, const report_link_sample *smp)
{
    if (!db_ready(db))
        return;
    sqlite3_stmt *s = db->st[ST_LINK_SAMPLE];
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_int(s, 2, link);
    sqlite3_bind_int64(s, 3, smp->at_ns);
    sqlite3_bind_int64(s, 4, smp->interval_ns);
    sqlite3_bind_double(s, 5, smp->raw_bytes);
    sqlite3_bind_double(s, 6, smp->wire_bytes);
    sqlite3_bind_double(s, 7, smp->capacity_Bps);
    db_row(db, s);
}

static void db_put_rpo(report_db *db, int vm, const report_rpo_point *pts, size_t n)
{
    if (!db_ready(db) || n == 0 || vm < 0 || (size_t)vm >= db->vm_count)
        return;
    /* raw malloc: the database writer survives a failed allocation (engine/shared/alloc.h) */
    int64_t *cap = malloc(n * sizeof *cap), *at = malloc(n * sizeof *at);
    if (!cap || !at) {
        free(cap);
        free(at);
        db_fail(db, NULL, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        at[i] = pts[i].at_ns;
        cap[i] = pts[i].captured_ns < 0 ? -1 : pts[i].captured_ns;
    }
    size_t len = 0;
    unsigned char *blob = report_pack(&db->packer, cap, at, n, true, &len);
    free(cap);
    free(at);
    if (!blob) {
        db_fail(db, NULL, "out of memory");
        return;
    }
    sqlite3_stmt *s = db->st[ST_RPO];
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_int(s, 2, vm);
    sqlite3_bind_int64(s, 3, db->rpo_seq[vm]++);
    sqlite3_bind_int64(s, 4, pts[0].at_ns);
    sqlite3_bind_int64(s, 5, pts[n - 1].at_ns);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)n);
    sqlite3_bind_blob(s, 7, blob, (int)len, free);
    db_row(db, s);
}

static void bind_u64(sqlite3_stmt *s, int i, uint64_t v)
{
    sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

/* A link, classification or plan row: run, idx, name and (numbers) two byte counts. */
static void put_subject(report_db *db, int st, size_t idx, const char *name, bool numbers,
                        uint64_t a, uint64_t b)
{
    sqlite3_stmt *s = db->st[st];
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)idx);
    sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
    if (numbers) {
        bind_u64(s, 4, a);
        bind_u64(s, 5, b);
    }
    db_row(db, s);
}

static void db_put_subjects(report_db *db, const report_results *r)
{
    if (!db_ready(db))
        return;
    size_t nvm = report_results_vm_count(r);
    if (!db->vm_names) {
        /* raw calloc: the database writer survives a failed allocation (engine/shared/alloc.h) */
        db->vm_names = calloc(nvm ? nvm : 1, sizeof *db->vm_names);
        db->series = calloc(nvm ? nvm * REPORT_SERIES_KINDS : 1, sizeof *db->series);
        db->rpo_seq = calloc(nvm ? nvm : 1, sizeof *db->rpo_seq);
        if (!db->vm_names || !db->series || !db->rpo_seq) {
            db_fail(db, NULL, "out of memory");
            return;
        }
        db->vm_count = nvm;
        /* raw strdup: the database writer survives a failed allocation (engine/shared/alloc.h) */
        for (size_t i = 0; i < nvm; i++)
            if (!(db->vm_names[i] = strdup(report_results_vm(r, i)->name))) {
                db_fail(db, NULL, "out of memory");
                return;
            }
        /* Every series row now, in one order, so that identical runs write identical rows. */
        for (size_t i = 0; i < nvm * REPORT_SERIES_KINDS; i++) {
            sqlite3_stmt *st = db->st[ST_SERIES];
            sqlite3_bind_int64(st, 1, db->run);
            sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
            sqlite3_bind_text(st, 3, series_kind[i % REPORT_SERIES_KINDS], -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, db->vm_names[i / REPORT_SERIES_KINDS], -1, SQLITE_STATIC);
            db_row(db, st);
        }
    }
    for (size_t i = 0; i < nvm; i++) {
        const report_vm_stats *v = report_results_vm(r, i);
        sqlite3_stmt *s = db->st[ST_VM];
        int c = 1;
        sqlite3_bind_int64(s, c++, db->run);
        sqlite3_bind_int64(s, c++, (sqlite3_int64)i);
        sqlite3_bind_text(s, c++, v->name, -1, SQLITE_STATIC);
        if (v->link >= 0)
            sqlite3_bind_int(s, c, v->link);
        c++;
        const uint64_t a[] = {v->raw_bytes,        v->wire_bytes,   v->cycle_raw_bytes,
                              v->cycle_wire_bytes, v->ir_raw_bytes, v->ir_wire_bytes};
        for (size_t k = 0; k < sizeof a / sizeof a[0]; k++)
            bind_u64(s, c++, a[k]);
        sqlite3_bind_double(s, c++, v->cpu_seconds);
        sqlite3_bind_text(s, c++, v->ir_method, -1, SQLITE_STATIC);
        bind_time_or_null(s, c++, v->ir_requested_ns);
        bind_time_or_null(s, c++, v->ir_start_ns);
        bind_time_or_null(s, c++, v->ir_end_ns);
        const uint64_t b[] = {
            v->cycles_completed,  v->cycles_missed,     v->resyncs_required,
            v->resyncs_started,   v->resyncs_completed, v->rp_created,
            v->rp_applied,        v->rp_pruned,         v->rp_app_consistent_created,
            v->rp_additional_now, v->rp_additional_max, v->rp_app_consistent_now,
            v->rp_latest_now};
        for (size_t k = 0; k < sizeof b / sizeof b[0]; k++)
            bind_u64(s, c++, b[k]);
        bind_time_or_null(s, c++, v->rp_newest_applied_capture_ns);
        bind_u64(s, c++, v->replica_storage_bytes);
        bind_u64(s, c++, v->replica_storage_peak_bytes);
        sqlite3_bind_text(s, c++, engine_health_name(v->health), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, c++, engine_health_name(v->worst_health), -1, SQLITE_STATIC);
        for (int h = 0; h < 4; h++)
            bind_time_or_null(s, c++, v->health_first_ns[h]);
        db_row(db, s);
    }
    for (size_t i = 0; i < report_results_link_count(r); i++) {
        const report_link_stats *l = report_results_link(r, i);
        put_subject(db, ST_LINK, i, l->name, true, l->raw_bytes, l->wire_bytes);
    }
    for (size_t i = 0; i < report_results_class_count(r); i++) {
        const report_class_stats *cl = report_results_class(r, i);
        put_subject(db, ST_CLASS, i, cl->name, true, cl->used_bytes, cl->peak_bytes);
    }
    for (size_t i = 0; i < report_results_plan_count(r); i++)
        put_subject(db, ST_PLAN, i, report_results_plan_name(r, i), false, 0, 0);
    for (size_t i = 0; i < report_results_storage_count(r); i++) {
        const report_storage_info *st = report_results_storage(r, i);
        sqlite3_stmt *s = db->st[ST_STORAGE];
        sqlite3_bind_int64(s, 1, db->run);
        sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
        sqlite3_bind_text(s, 3, st->site, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, st->classification, -1, SQLITE_STATIC);
        bind_u64(s, 5, st->capacity_bytes);
        db_row(db, s);
    }
}

static void db_put_storage_sample(report_db *db, int storage, int64_t at_ns, uint64_t used_bytes)
{
    if (!db_ready(db))
        return;
    sqlite3_stmt *s = db->st[ST_STORAGE_SAMPLE];
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_int(s, 2, storage);
    sqlite3_bind_int64(s, 3, at_ns);
    bind_u64(s, 4, used_bytes);
    db_row(db, s);
}

static void db_put_job(report_db *db, size_t seq, const report_job *job, const char *vm_name)
{
    if (!db_ready(db))
        return;
    sqlite3_stmt *s = db->st[ST_JOB];
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)job->id);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)seq);
    sqlite3_bind_text(s, 4, job->name, -1, SQLITE_TRANSIENT);
    bind_text_or_null(s, 5, vm_name);
    if (job->pair >= 0)
        sqlite3_bind_int(s, 6, job->pair);
    if (job->site >= 0)
        sqlite3_bind_int(s, 7, job->site);
    sqlite3_bind_text(s, 8, job->subject, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 9, engine_job_state_name(job->state), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 10, job->started_ns);
    bind_time_or_null(s, 11, job->ended_ns);
    sqlite3_bind_text(s, 12, job->reason, -1, SQLITE_TRANSIENT);
    db_row(db, s);
}

static void db_put_job_step(report_db *db, uint64_t job_id, size_t seq, const report_job_step *st)
{
    if (!db_ready(db))
        return;
    sqlite3_stmt *s = db->st[ST_STEP];
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)job_id);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)seq);
    sqlite3_bind_text(s, 4, st->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, engine_job_state_name(st->state), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, st->at_ns);
    db_row(db, s);
}

static void db_put_event(report_db *db, uint64_t seq, const engine_event_info *ev,
                         const char *vm_name)
{
    if (!db_ready(db))
        return;
    sqlite3_stmt *s = db->st[ST_EVENT];
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)seq);
    sqlite3_bind_int64(s, 3, ev->at_ns);
    sqlite3_bind_text(s, 4, engine_event_kind_name(ev->kind), -1, SQLITE_STATIC);
    bind_text_or_null(s, 5, vm_name);
    if (ev->pair >= 0)
        sqlite3_bind_int(s, 6, ev->pair);
    else
        sqlite3_bind_null(s, 6);
    if (ev->kind == ENGINE_EV_HEALTH_CHANGED) {
        sqlite3_bind_text(s, 7, engine_health_name((engine_health)ev->old_value), -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(s, 8, engine_health_name((engine_health)ev->new_value), -1,
                          SQLITE_STATIC);
    } else if (ev->old_value || ev->new_value) {
        sqlite3_bind_int(s, 7, ev->old_value);
        sqlite3_bind_int(s, 8, ev->new_value);
    }
    sqlite3_bind_text(s, 9, ev->detail ? ev->detail : "", -1, SQLITE_TRANSIENT);
    db_row(db, s);
}

static void db_put_rp_row(report_db *db, int vm, const live_rp *p, int64_t pruned_ns)
{
    if (!db_ready(db))
        return;
    sqlite3_stmt *s = db->st[ST_RP_ROW];
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_int(s, 2, vm);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)p->id);
    sqlite3_bind_text(s, 4, engine_rp_kind_name(p->kind), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, p->captured_ns);
    bind_time_or_null(s, 6, p->created_ns);
    bind_time_or_null(s, 7, p->applied ? p->applied_ns : -1);
    bind_time_or_null(s, 8, pruned_ns);
    sqlite3_bind_int64(s, 9, (sqlite3_int64)p->bytes);
    sqlite3_bind_int64(s, 10, (sqlite3_int64)p->digest);
    db_row(db, s);
}

static void db_put_failover(report_db *db, uint64_t seq, const report_failover *f,
                            const char *plan_name, const char *vm_name)
{
    if (!db_ready(db))
        return;
    sqlite3_stmt *s = db->st[ST_FAILOVER];
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)seq);
    sqlite3_bind_text(s, 3, engine_failover_kind_name(f->kind), -1, SQLITE_STATIC);
    bind_text_or_null(s, 4, plan_name);
    bind_text_or_null(s, 5, vm_name);
    sqlite3_bind_int64(s, 6, f->started_ns);
    bind_time_or_null(s, 7, f->ended_ns);
    bind_time_or_null(s, 8, f->ended_ns >= 0 ? f->ended_ns - f->started_ns : -1);
    sqlite3_bind_int(s, 9, f->succeeded);
    bind_time_or_null(s, 10, f->failure_ns);
    bind_time_or_null(s, 11, f->rp_captured_ns);
    bind_time_or_null(s, 12, f->data_loss_ns);
    sqlite3_bind_int64(s, 13, (sqlite3_int64)f->data_loss_bytes);
    sqlite3_bind_int(s, 14, f->verified);
    sqlite3_bind_text(s, 15, f->detail, -1, SQLITE_TRANSIENT);
    db_row(db, s);
}

static void db_put_diag(report_db *db, uint64_t seq, const drs_diag *d)
{
    if (!db_ready(db))
        return;
    sqlite3_stmt *s = db->st[ST_FINDING];
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)seq);
    sqlite3_bind_text(s, 3, d->severity == DRS_SEV_ERROR ? "error" : "warning", -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, d->rule);
    sqlite3_bind_text(s, 5, d->err.path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 6, d->err.message, -1, SQLITE_TRANSIENT);
    db_row(db, s);
}

static void db_tick(report_db *db)
{
    if (!db_ready(db) || db->pending == 0)
        return;
    if (time(NULL) - db->last_commit >= 1 && db_commit(db, NULL))
        db_begin(db, NULL);
}

bool report_db_flush(report_db *db, drs_error *err)
{
    db_writer_idle(db, false);
    if (db->failed)
        return db_fail(db, err, "earlier error");
    if (!db->in_tx)
        return true;
    return db_commit(db, err) && (db->run < 0 || db_begin(db, err));
}

static void put_metric(report_db *db, const char *scope, const char *subject, const char *name,
                       double value)
{
    sqlite3_stmt *s = db->st[ST_METRIC];
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_text(s, 2, scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, subject, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, name, -1, SQLITE_STATIC);
    sqlite3_bind_double(s, 5, value);
    db_row(db, s);
}

/* Every metric of every subject that has a value (rpo.time_above needs a threshold: left out). */
static void put_metrics(report_db *db, const report_results *r)
{
    static const struct {
        drs_scope scope;
        const char *name;
    } scopes[] = {{DRS_SCOPE_VM, "vm"},
                  {DRS_SCOPE_LINK, "link"},
                  {DRS_SCOPE_CLASSIFICATION, "classification"},
                  {DRS_SCOPE_PLAN, "plan"}};
    for (size_t k = 0; k < sizeof scopes / sizeof scopes[0]; k++) {
        drs_scope sc = scopes[k].scope;
        size_t n = sc == DRS_SCOPE_VM     ? report_results_vm_count(r)
                   : sc == DRS_SCOPE_LINK ? report_results_link_count(r)
                   : sc == DRS_SCOPE_PLAN ? report_results_plan_count(r)
                                          : report_results_class_count(r);
        for (size_t i = 0; i < n; i++) {
            const char *subject = sc == DRS_SCOPE_VM     ? report_results_vm(r, i)->name
                                  : sc == DRS_SCOPE_LINK ? report_results_link(r, i)->name
                                  : sc == DRS_SCOPE_PLAN ? report_results_plan_name(r, i)
                                                         : report_results_class(r, i)->name;
            /* A VM's RPO statistics once for all its rpo.* metrics: each is a sort of the
             * VM's breakpoints, the bulk of this at scale. */
            report_rpo_stats st = {0};
            if (sc == DRS_SCOPE_VM)
                report_results_rpo(r, i, 0, 0, &st);
            bool rpo = st.defined;
            for (const char *const *m = report_metric_names(sc); *m; m++) {
                double v;
                if (strcmp(*m, "rpo.time_above") == 0)
                    continue;
                if (strncmp(*m, "rpo.", 4) == 0) {
                    if (rpo)
                        put_metric(db, scopes[k].name, subject, *m, report_rpo_metric(&st, *m));
                } else if (report_results_metric(r, *m, sc, (int)i, 0, 0, 0, &v, NULL, 0)) {
                    put_metric(db, scopes[k].name, subject, *m, v);
                }
            }
        }
    }
}

bool report_db_put_plan_value(report_db *db, const char *path, const char *value, double number,
                              drs_error *err)
{
    db_writer_idle(db, false);
    if (db->run < 0)
        return drs_fail(err, DRS_EINTERNAL, "", "results database %s: no run was begun", db->path);
    if (!db_ready(db))
        return db_fail(db, err, "earlier error");
    sqlite3_stmt *s = NULL;
    const char *sql = "INSERT OR REPLACE INTO plan_values VALUES (?1, ?2, ?3, ?4)";
    if (sqlite3_prepare_v2(db->h, sql, -1, &s, NULL) != SQLITE_OK)
        return db_fail(db, err, "insert plan value");
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_text(s, 2, path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, value, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(s, 4, number);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "insert plan value");
    db->pending++;
    return true;
}

bool report_db_run_end(report_db *db, const report_results *r, const char *status, int exit_code,
                       drs_error *err)
{
    db_writer_idle(db, true);
    if (db->run < 0)
        return drs_fail(err, DRS_EINTERNAL, "", "results database %s: no run was begun", db->path);
    if (db->failed || !db_ready(db))
        return db_fail(db, err, "earlier error");
    for (size_t i = 0; i < report_results_expect_count(r); i++) {
        const report_expect_result *e = report_results_expect(r, i);
        sqlite3_stmt *s = db->st[ST_EXPECT];
        sqlite3_bind_int64(s, 1, db->run);
        sqlite3_bind_int64(s, 2, (sqlite3_int64)i + 1);
        sqlite3_bind_text(s, 3, e->path, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 4, e->name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 5, e->bound, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 6, e->actual, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 7, e->pass);
        sqlite3_bind_int(s, 8, (int)e->kind);
        sqlite3_bind_int(s, 9, (int)e->scope);
        sqlite3_bind_int(s, 10, e->subject);
        sqlite3_bind_int(s, 11, (int)e->unit);
        if (e->has_value)
            sqlite3_bind_double(s, 12, e->value);
        if (e->has_min)
            sqlite3_bind_double(s, 13, e->min);
        if (e->has_max)
            sqlite3_bind_double(s, 14, e->max);
        db_row(db, s);
    }
    put_metrics(db, r);
    db_flush_samples(db);
    if (db->failed)
        return db_fail(db, err, "earlier error");

    char now[32];
    iso_now(now, sizeof now);
    sqlite3_stmt *s = NULL;
    const char *sql =
        "UPDATE main.runs SET status = ?2, exit_code = ?3, ended = ?4, end_ns = ?5 WHERE id = ?1";
    if (sqlite3_prepare_v2(db->h, sql, -1, &s, NULL) != SQLITE_OK)
        return db_fail(db, err, "finish run");
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_text(s, 2, status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 3, exit_code);
    sqlite3_bind_text(s, 4, now, -1, SQLITE_TRANSIENT);
    bind_time_or_null(s, 5, report_results_end_ns(r));
    /* The status goes in with the run's last rows, in one transaction. */
    bool ok = db_commit_with(db, s, err);
    sqlite3_finalize(s);
    if (!ok)
        return false;
    db->run = -1;
    db_forget_run(db);
    return true;
}

/* The recorder's sink (reports_internal.h): every row results.c hands over while the run goes. */
static const report_sink db_sink = {
    .job = db_put_job,
    .job_step = db_put_job_step,
    .event = db_put_event,
    .sample = db_put_sample,
    .failover = db_put_failover,
    .diag = db_put_diag,
    .subjects = db_put_subjects,
    .storage_sample = db_put_storage_sample,
    .link_sample = db_put_link_sample,
    .rpo = db_put_rpo,
    .rp_row = db_put_rp_row,
    .tick = db_tick,
};

const report_sink *report_db_direct_sink(void)
{
    return &db_sink;
}

void report_results_attach_db(report_results *r, report_db *db)
{
    r->db = db;
    r->sink = db ? &db_sink : NULL;
    if (!db)
        return;
    db_writer_idle(db, true);
    /* What was recorded before the database came along and is still held here goes in now, so
     * that attaching after report_results_add_diags (the natural order: validate, then open the
     * database) loses nothing. Events, points and samples are not held: attach before the run. */
    db_put_subjects(db, r);
    for (size_t i = 0; i < r->diags.count; i++)
        db_put_diag(db, i + 1, &r->diags.items[i]);
    for (size_t i = 0; i < r->failover_count; i++) {
        const report_failover *f = &r->failovers[i];
        db_put_failover(
            db, i + 1, f,
            f->plan >= 0 && (size_t)f->plan < r->plan_count ? r->plan_names[f->plan] : NULL,
            f->vm >= 0 && (size_t)f->vm < r->vm_count ? r->vms[f->vm].name : NULL);
    }
    for (size_t i = 0; i < r->job_count; i++) {
        const report_job *j = &r->jobs[i];
        db_put_job(db, i, j,
                          j->vm >= 0 && (size_t)j->vm < r->vm_count ? r->vms[j->vm].name : NULL);
        for (size_t k = 0; k < j->step_count; k++)
            db_put_job_step(db, j->id, k, &j->steps[k]);
    }
    /* From here on the rows go to the writer thread. */
    db->writer = db->direct ? NULL : report_db_writer_start(db, &db_sink);
    if (db->writer)
        r->sink = report_db_writer_sink();
}
