/* reports/db.c — the SQLite results database: one file, any number of runs.
 *
 * Crash safety: the run row is inserted as 'incomplete' and committed on its own before anything else,
 * then rows go in large batch transactions through prepared statements (a run must not slow down for
 * its database). The default rollback journal with synchronous=NORMAL keeps the file consistent when
 * the process is killed at any moment: an interrupted batch is rolled back by the next open, the
 * committed ones stay, and the run row still says 'incomplete'. Rollback rather than WAL keeps a
 * results database one self-contained file that can be copied or attached to a CI job as is. */
#include "reports_internal.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char report_db_schema[] =
    "CREATE TABLE IF NOT EXISTS runs (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  scenario TEXT NOT NULL,          -- scenario name\n"
    "  scenario_path TEXT,\n"
    "  scenario_sha256 TEXT NOT NULL,   -- hex SHA-256 of the scenario file's bytes\n"
    "  seed INTEGER NOT NULL,\n"
    "  drsim_version TEXT NOT NULL,\n"
    "  duration_ns INTEGER NOT NULL,    -- simulated time the scenario asks for\n"
    "  end_ns INTEGER,                  -- simulated time the run reached\n"
    "  started TEXT NOT NULL,           -- wall clock, ISO 8601 UTC\n"
    "  ended TEXT,\n"
    "  status TEXT NOT NULL CHECK (status IN ('incomplete','complete','failed','invalid')),\n"
    "  exit_code INTEGER\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS samples (      -- time series for charts\n"
    "  run INTEGER NOT NULL REFERENCES runs(id),\n"
    "  t_ns INTEGER NOT NULL,\n"
    "  kind TEXT NOT NULL,  -- rpo_s, replica_storage_bytes, link_raw_Bps, link_wire_Bps,\n"
    "                       -- link_utilization\n"
    "  subject TEXT NOT NULL, -- VM or link name\n"
    "  value REAL NOT NULL\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS samples_series ON samples(run, kind, subject, t_ns);\n"
    "CREATE TABLE IF NOT EXISTS jobs (\n"
    "  run INTEGER NOT NULL REFERENCES runs(id),\n"
    "  id INTEGER NOT NULL,\n"
    "  name TEXT NOT NULL,              -- 'Enable Protection', 'Planned Failover', ...\n"
    "  vm TEXT,\n"
    "  subject TEXT NOT NULL,\n"
    "  state TEXT NOT NULL,             -- in_progress, succeeded, failed, cancelled\n"
    "  started_ns INTEGER NOT NULL,\n"
    "  ended_ns INTEGER,\n"
    "  reason TEXT NOT NULL,            -- '' on success\n"
    "  PRIMARY KEY (run, id)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS job_steps (\n"
    "  run INTEGER NOT NULL REFERENCES runs(id),\n"
    "  job INTEGER NOT NULL,\n"
    "  seq INTEGER NOT NULL,            -- order of the step's state changes within the job\n"
    "  step TEXT NOT NULL,\n"
    "  state TEXT NOT NULL,\n"
    "  at_ns INTEGER NOT NULL,\n"
    "  PRIMARY KEY (run, job, seq)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS events (\n"
    "  run INTEGER NOT NULL REFERENCES runs(id),\n"
    "  seq INTEGER NOT NULL,\n"
    "  at_ns INTEGER NOT NULL,\n"
    "  kind TEXT NOT NULL,              -- missed_cycle, resync_required, health_changed, ...\n"
    "  vm TEXT,\n"
    "  pair INTEGER,                    -- cloud pair index in the scenario\n"
    "  old_value TEXT, new_value TEXT,  -- health_changed: 'normal', 'warning', 'critical', ...\n"
    "  detail TEXT NOT NULL,\n"
    "  PRIMARY KEY (run, seq)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS recovery_points (\n"
    "  run INTEGER NOT NULL REFERENCES runs(id),\n"
    "  vm TEXT NOT NULL,\n"
    "  id INTEGER NOT NULL,\n"
    "  kind TEXT NOT NULL,              -- latest, hourly, app_consistent\n"
    "  captured_ns INTEGER NOT NULL,\n"
    "  created_ns INTEGER,\n"
    "  applied_ns INTEGER,              -- NULL: never became usable\n"
    "  pruned_ns INTEGER,               -- NULL: still retained at the end\n"
    "  bytes INTEGER NOT NULL,\n"
    "  primary_digest TEXT NOT NULL,    -- hex\n"
    "  PRIMARY KEY (run, vm, id)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS failovers (\n"
    "  run INTEGER NOT NULL REFERENCES runs(id),\n"
    "  seq INTEGER NOT NULL,\n"
    "  kind TEXT NOT NULL,              -- test_failover, planned_failover, unplanned_failover, "
    "...\n"
    "  plan TEXT, vm TEXT,\n"
    "  started_ns INTEGER NOT NULL,\n"
    "  ended_ns INTEGER,\n"
    "  rto_ns INTEGER,\n"
    "  succeeded INTEGER NOT NULL,\n"
    "  failure_ns INTEGER,\n"
    "  rp_captured_ns INTEGER,\n"
    "  data_loss_ns INTEGER,\n"
    "  data_loss_bytes INTEGER NOT NULL,\n"
    "  verified INTEGER NOT NULL,\n"
    "  detail TEXT NOT NULL,\n"
    "  PRIMARY KEY (run, seq)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS findings (      -- configuration problems found by validation\n"
    "  run INTEGER NOT NULL REFERENCES runs(id),\n"
    "  seq INTEGER NOT NULL,\n"
    "  severity TEXT NOT NULL,          -- error, warning\n"
    "  rule INTEGER NOT NULL,           -- 1..13, 0 when not a numbered rule\n"
    "  path TEXT NOT NULL,\n"
    "  message TEXT NOT NULL,\n"
    "  PRIMARY KEY (run, seq)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS expectations (\n"
    "  run INTEGER NOT NULL REFERENCES runs(id),\n"
    "  seq INTEGER NOT NULL,\n"
    "  path TEXT NOT NULL,              -- expect[3]\n"
    "  name TEXT NOT NULL,\n"
    "  bound TEXT NOT NULL,\n"
    "  actual TEXT NOT NULL,\n"
    "  pass INTEGER NOT NULL,\n"
    "  PRIMARY KEY (run, seq)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS metrics (\n"
    "  run INTEGER NOT NULL REFERENCES runs(id),\n"
    "  scope TEXT NOT NULL,             -- vm, link, classification, plan\n"
    "  subject TEXT NOT NULL,\n"
    "  name TEXT NOT NULL,              -- as in scenario expectations: rpo.p95, bytes.wire, ...\n"
    "  value REAL NOT NULL,             -- durations in ns, sizes in bytes, booleans 0/1\n"
    "  PRIMARY KEY (run, scope, subject, name)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS plan_values (  -- drsim plan: the scenario values a run was given\n"
    "  run INTEGER NOT NULL REFERENCES runs(id),\n"
    "  path TEXT NOT NULL,              -- JSON path in the scenario: links[0].bandwidth\n"
    "  value TEXT NOT NULL,             -- as written into the scenario: 25000000B/s, 5m\n"
    "  number REAL NOT NULL,            -- the same in bytes/s, ns, bytes, or the plain number\n"
    "  PRIMARY KEY (run, path)\n"
    ");\n";

enum {
    ST_SAMPLE,
    ST_JOB,
    ST_STEP,
    ST_EVENT,
    ST_RP_NEW,
    ST_RP_APPLIED,
    ST_RP_PRUNED,
    ST_FAILOVER,
    ST_FINDING,
    ST_EXPECT,
    ST_METRIC,
    ST_COUNT
};

static const char *const db_sql[ST_COUNT] = {
    [ST_SAMPLE] = "INSERT INTO samples VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_JOB] = "INSERT OR REPLACE INTO jobs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [ST_STEP] = "INSERT OR REPLACE INTO job_steps VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_EVENT] = "INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [ST_RP_NEW] = "INSERT OR IGNORE INTO recovery_points VALUES "
                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [ST_RP_APPLIED] = "UPDATE recovery_points SET applied_ns = ?4, kind = ?5, bytes = ?6 "
                      "WHERE run = ?1 AND vm = ?2 AND id = ?3",
    [ST_RP_PRUNED] = "UPDATE recovery_points SET pruned_ns = ?4 WHERE run = ?1 AND vm = ?2 AND id = ?3",
    [ST_FAILOVER] = "INSERT INTO failovers VALUES "
                    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    [ST_FINDING] = "INSERT INTO findings VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_EXPECT] = "INSERT OR REPLACE INTO expectations VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_METRIC] = "INSERT OR REPLACE INTO metrics VALUES (?1, ?2, ?3, ?4, ?5)",
};

struct report_db {
    sqlite3 *h;
    char path[256];
    sqlite3_stmt *st[ST_COUNT];
    int64_t run;     /* -1 when no run is open */
    bool in_tx;
    size_t pending;  /* rows in the open batch */
    size_t batch_rows;
    time_t last_commit;
    bool failed;     /* sticky: the first error is in err */
    drs_error err;
};

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

bool report_db_schema_apply(sqlite3 *h, const char *path, drs_error *err)
{
    sqlite3_stmt *s = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (version < 0)
        return drs_fail(err, DRS_EIO, "", "results database %s: %s", path, sqlite3_errmsg(h));
    if (version != 0 && version != REPORT_DB_SCHEMA_VERSION)
        return drs_fail(err, DRS_EINPUT, "",
                        "results database %s has schema version %d; this drsim reads and writes "
                        "version %d",
                        path, version, REPORT_DB_SCHEMA_VERSION);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", REPORT_DB_SCHEMA_VERSION);
    if (sqlite3_exec(h, report_db_schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
        return drs_fail(err, DRS_EIO, "", "results database %s: creating the schema: %s", path,
                        sqlite3_errmsg(h));
    return true;
}

report_db *report_db_open(const char *path, drs_error *err)
{
    report_db *db = calloc(1, sizeof *db);
    if (!db) {
        drs_fail(err, DRS_EINTERNAL, "", "out of memory");
        return NULL;
    }
    snprintf(db->path, sizeof db->path, "%s", path);
    db->run = -1;
    db->batch_rows = 20000;
    if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        drs_fail(err, DRS_EIO, "", "cannot open results database %s: %s", path,
                 db->h ? sqlite3_errmsg(db->h) : "out of memory");
        sqlite3_close(db->h);
        free(db);
        return NULL;
    }
    /* Several runs may share a file: wait for another writer's batch rather than fail. */
    sqlite3_busy_timeout(db->h, 60000);
    bool ok = db_exec(db, "PRAGMA journal_mode=DELETE", err) &&
              db_exec(db, "PRAGMA synchronous=NORMAL", err) &&
              db_exec(db, "PRAGMA cache_size=-32768", err) && db_exec(db, "BEGIN IMMEDIATE", err) &&
              report_db_schema_apply(db->h, path, err) && db_exec(db, "COMMIT", err);
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

static bool db_commit(report_db *db, drs_error *err)
{
    if (db->in_tx) {
        db->in_tx = false;
        if (!db_exec(db, "COMMIT", err))
            return false;
    }
    db->pending = 0;
    db->last_commit = time(NULL);
    return true;
}

static bool db_begin(report_db *db, drs_error *err)
{
    if (db->in_tx)
        return true;
    if (!db_exec(db, "BEGIN", err))
        return false;
    db->in_tx = true;
    return true;
}

void report_db_close(report_db *db)
{
    if (!db)
        return;
    if (db->in_tx && !db->failed)
        db_commit(db, NULL);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(db->st[i]);
    sqlite3_close(db->h);
    free(db);
}

void report_db_set_batch_rows(report_db *db, size_t rows)
{
    db->batch_rows = rows ? rows : 1;
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
    if (db->failed)
        return db_fail(db, err, "earlier error");
    if (!db_commit(db, err))
        return false;
    char now[32];
    iso_now(now, sizeof now);
    sqlite3_stmt *s = NULL;
    const char *sql = "INSERT INTO runs (scenario, scenario_path, scenario_sha256, seed, drsim_version,"
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
    /* Autocommit: the row is durable before the first batch starts. */
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

void report_db_put_sample(report_db *db, int64_t at_ns, const char *kind, const char *subject,
                          double value)
{
    if (!db_ready(db))
        return;
    sqlite3_stmt *s = db->st[ST_SAMPLE];
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_int64(s, 2, at_ns);
    sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, subject, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(s, 5, value);
    db_row(db, s);
}

void report_db_put_job(report_db *db, const report_job *job, const char *vm_name)
{
    if (!db_ready(db))
        return;
    sqlite3_stmt *s = db->st[ST_JOB];
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)job->id);
    sqlite3_bind_text(s, 3, job->name, -1, SQLITE_TRANSIENT);
    bind_text_or_null(s, 4, vm_name);
    sqlite3_bind_text(s, 5, job->subject, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 6, engine_job_state_name(job->state), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, job->started_ns);
    bind_time_or_null(s, 8, job->ended_ns);
    sqlite3_bind_text(s, 9, job->reason, -1, SQLITE_TRANSIENT);
    db_row(db, s);
}

void report_db_put_job_step(report_db *db, uint64_t job_id, size_t seq, const report_job_step *st)
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

void report_db_put_event(report_db *db, uint64_t seq, const engine_event_info *ev,
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
        sqlite3_bind_text(s, 7, engine_health_name((engine_health)ev->old_value), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 8, engine_health_name((engine_health)ev->new_value), -1, SQLITE_STATIC);
    } else if (ev->old_value || ev->new_value) {
        sqlite3_bind_int(s, 7, ev->old_value);
        sqlite3_bind_int(s, 8, ev->new_value);
    }
    sqlite3_bind_text(s, 9, ev->detail ? ev->detail : "", -1, SQLITE_TRANSIENT);
    db_row(db, s);
}

void report_db_put_rp(report_db *db, const char *vm_name, engine_rp_change change,
                      const engine_rp_info *rp, int64_t at_ns)
{
    if (!db_ready(db))
        return;
    sqlite3_stmt *s;
    if (change != ENGINE_RP_CREATED) {
        /* Update the row in place; a point never seen created gets a row of its own below. */
        s = db->st[change == ENGINE_RP_APPLIED ? ST_RP_APPLIED : ST_RP_PRUNED];
        sqlite3_bind_int64(s, 1, db->run);
        sqlite3_bind_text(s, 2, vm_name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)rp->id);
        sqlite3_bind_int64(s, 4, at_ns);
        if (change == ENGINE_RP_APPLIED) {
            sqlite3_bind_text(s, 5, engine_rp_kind_name(rp->kind), -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 6, (sqlite3_int64)rp->bytes);
        }
        if (db_row(db, s) != 0)
            return;
    }
    char digest[17];
    snprintf(digest, sizeof digest, "%016" PRIx64, rp->primary_digest);
    s = db->st[ST_RP_NEW];
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_text(s, 2, vm_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)rp->id);
    sqlite3_bind_text(s, 4, engine_rp_kind_name(rp->kind), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, rp->captured_ns);
    bind_time_or_null(s, 6, change == ENGINE_RP_CREATED ? at_ns : -1);
    bind_time_or_null(s, 7, change == ENGINE_RP_APPLIED ? at_ns : rp->applied_ns);
    bind_time_or_null(s, 8, change == ENGINE_RP_PRUNED ? at_ns : -1);
    sqlite3_bind_int64(s, 9, (sqlite3_int64)rp->bytes);
    sqlite3_bind_text(s, 10, digest, -1, SQLITE_TRANSIENT);
    db_row(db, s);
}

static const char *failover_kind_name(drs_action_do k)
{
    switch (k) {
    case DRS_DO_TEST_FAILOVER: return "test_failover";
    case DRS_DO_PLANNED_FAILOVER: return "planned_failover";
    case DRS_DO_UNPLANNED_FAILOVER: return "unplanned_failover";
    case DRS_DO_FAILBACK: return "failback";
    case DRS_DO_REVERSE_REPLICATION: return "reverse_replication";
    case DRS_DO_COMMIT: return "commit";
    case DRS_DO_CANCEL_FAILOVER: return "cancel_failover";
    default: return "other";
    }
}

void report_db_put_failover(report_db *db, uint64_t seq, const report_failover *f,
                            const char *plan_name, const char *vm_name)
{
    if (!db_ready(db))
        return;
    sqlite3_stmt *s = db->st[ST_FAILOVER];
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)seq);
    sqlite3_bind_text(s, 3, failover_kind_name(f->kind), -1, SQLITE_STATIC);
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

void report_db_put_diag(report_db *db, uint64_t seq, const drs_diag *d)
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

void report_db_tick(report_db *db)
{
    if (!db_ready(db) || db->pending == 0)
        return;
    if (time(NULL) - db->last_commit >= 1 && db_commit(db, NULL))
        db_begin(db, NULL);
}

bool report_db_flush(report_db *db, drs_error *err)
{
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
            for (const char *const *m = report_metric_names(sc); *m; m++) {
                double v;
                if (strcmp(*m, "rpo.time_above") != 0 &&
                    report_results_metric(r, *m, sc, (int)i, 0, 0, &v, NULL, 0))
                    put_metric(db, scopes[k].name, subject, *m, v);
            }
        }
    }
}

bool report_db_put_plan_value(report_db *db, const char *path, const char *value, double number,
                              drs_error *err)
{
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
    return true;
}

bool report_db_run_end(report_db *db, const report_results *r, const char *status, int exit_code,
                       drs_error *err)
{
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
        db_row(db, s);
    }
    put_metrics(db, r);
    if (db->failed)
        return db_fail(db, err, "earlier error");

    char now[32];
    iso_now(now, sizeof now);
    sqlite3_stmt *s = NULL;
    const char *sql = "UPDATE runs SET status = ?2, exit_code = ?3, ended = ?4, end_ns = ?5 WHERE id = ?1";
    if (sqlite3_prepare_v2(db->h, sql, -1, &s, NULL) != SQLITE_OK)
        return db_fail(db, err, "finish run");
    sqlite3_bind_int64(s, 1, db->run);
    sqlite3_bind_text(s, 2, status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 3, exit_code);
    sqlite3_bind_text(s, 4, now, -1, SQLITE_TRANSIENT);
    bind_time_or_null(s, 5, report_results_end_ns(r));
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "finish run (status must be complete, failed or invalid)");
    if (!db_commit(db, err))
        return false;
    db->run = -1;
    return true;
}
