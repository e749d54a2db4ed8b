/* tests/test_results_db.c — the results database holds exactly what the run's results hold, two
 * identical runs store identical rows, and a killed run leaves a consistent file marked incomplete.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "reports/reports.h"
#include "reports/reports_internal.h" /* the packed form of series */

#define S INT64_C(1000000000)

/* ---- a synthetic scenario and run
 * ------------------------------------------------------------------ Two VMs protected from "sea"
 * to "dub" over one link. Every 300 s each VM closes a cycle that is applied 60 s later (VM 1: 90 s
 * later); a latest point replaces the previous one, and every hour an hourly point is kept (every
 * second one app-consistent). */

static drs_storage sea_storage[] = {{.classification = "sea-fast"}};
static drs_storage dub_storage[] = {{.classification = "dub-fast"}};
static char *sea_clouds[] = {"gold-sea"};
static char *dub_clouds[] = {"gold-dub"};
static drs_host sea_hosts[] = {{.name = "hv-sea-1", .cloud = 0, .storage = 0}};
static drs_host dub_hosts[] = {{.name = "hv-dub-1", .cloud = 0, .storage = 0}};
static drs_site sites[] = {{.name = "sea",
                            .clouds = sea_clouds,
                            .cloud_count = 1,
                            .hosts = sea_hosts,
                            .host_count = 1,
                            .storage = sea_storage,
                            .storage_count = 1},
                           {.name = "dub",
                            .clouds = dub_clouds,
                            .cloud_count = 1,
                            .hosts = dub_hosts,
                            .host_count = 1,
                            .storage = dub_storage,
                            .storage_count = 1}};
static drs_link links[] = {{.name = "wan", .site_a = 0, .site_b = 1, .bandwidth_Bps = 25e6}};
static drs_vm vms[] = {{.name = "sql-01", .site = 0, .host = 0},
                       {.name = "web-01", .site = 0, .host = 0}};
static drs_cloud_pair pairs[] = {
    {.primary_site = 0, .primary_cloud = 0, .target_site = 1, .target_cloud = 0}};
static drs_recovery_plan plans[] = {{.name = "erp"}};

static drs_scenario scenario(void)
{
    return (drs_scenario){
        .name = "synthetic",
        .seed = 42,
        .duration_ns = 4 * 3600 * S,
        .sample_interval_ns = 60 * S,
        .sites = sites,
        .site_count = 2,
        .links = links,
        .link_count = 1,
        .vms = vms,
        .vm_count = 2,
        .recovery = {.cloud_pairs = pairs, .cloud_pair_count = 1, .plans = plans, .plan_count = 1}};
}

/* Drives a recorder through a whole synthetic run; returns the end time. */
static int64_t synthetic_run(report_results *r)
{
    engine_recorder rec = report_results_recorder(r);
    const int64_t end = 4 * 3600 * S, I = 300 * S;
    for (int vm = 0; vm < 2; vm++) {
        engine_job_info job = {.id = (uint64_t)vm + 1,
                               .name = "Enable Protection",
                               .vm = vm,
                               .pair = 0,
                               .site = -1,
                               .subject = vms[vm].name};
        rec.job_started(rec.ctx, &job, 0);
        rec.job_step(rec.ctx, job.id, "Prerequisites check", ENGINE_JOB_SUCCEEDED, 1 * S);
        rec.job_step(rec.ctx, job.id, "Initial replication", ENGINE_JOB_IN_PROGRESS, 2 * S);
        rec.job_ended(rec.ctx, job.id, ENGINE_JOB_SUCCEEDED, "", 3 * S);
    }
    uint64_t next_id[2] = {1, 1}, latest[2] = {0, 0};
    uint64_t store[2] = {0, 0};
    int64_t lag[2] = {60 * S, 90 * S};
    for (int64_t t = 0; t <= end; t += 60 * S) {
        for (int vm = 0; vm < 2; vm++) {
            if (t % I != 0 || t + lag[vm] > end)
                continue;
            bool hourly = t % (3600 * S) == 0 && t > 0;
            engine_rp_info rp = {
                .vm = vm,
                .id = next_id[vm]++,
                .kind = hourly ? (t % (7200 * S) == 0 ? ENGINE_RP_APP_CONSISTENT : ENGINE_RP_HOURLY)
                               : ENGINE_RP_LATEST,
                .captured_ns = t,
                .applied_ns = -1,
                .bytes = 1000000,
                .primary_digest = 0x1234abcdULL * (uint64_t)t};
            rec.recovery_point(rec.ctx, ENGINE_RP_CREATED, &rp, t);
            rp.applied_ns = t + lag[vm];
            rec.recovery_point(rec.ctx, ENGINE_RP_APPLIED, &rp, t + lag[vm]);
            if (!hourly) {
                if (latest[vm]) {
                    engine_rp_info old = rp;
                    old.id = latest[vm];
                    old.kind = ENGINE_RP_LATEST;
                    rec.recovery_point(rec.ctx, ENGINE_RP_PRUNED, &old, t + lag[vm]);
                }
                latest[vm] = rp.id;
            }
            engine_cycle_info cy = {.vm = vm,
                                    .captured_ns = t,
                                    .sent_ns = t,
                                    .applied_ns = t + lag[vm],
                                    .raw_bytes = 30000000,
                                    .wire_bytes = 12000000,
                                    .cpu_seconds = 0.1};
            rec.cycle(rec.ctx, &cy);
            rec.rpo_point(rec.ctx, vm, t + lag[vm], t);
            store[vm] += 1000000;
            rec.replica_storage(rec.ctx, 1, 0, vm, store[vm], t + lag[vm]);
            if (t == 0) {
                engine_ir_info ir = {.vm = vm,
                                     .method = "network",
                                     .requested_ns = 0,
                                     .start_ns = 0,
                                     .end_ns = lag[vm],
                                     .raw_bytes = 1000000000,
                                     .wire_bytes = 500000000};
                rec.initial_replication(rec.ctx, &ir);
                engine_event_info ev = {.at_ns = lag[vm],
                                        .kind = ENGINE_EV_HEALTH_CHANGED,
                                        .vm = vm,
                                        .pair = 0,
                                        .old_value = ENGINE_HEALTH_NONE,
                                        .new_value = ENGINE_HEALTH_NORMAL,
                                        .detail = "protected"};
                rec.health(rec.ctx, vm, ENGINE_HEALTH_NONE, ENGINE_HEALTH_NORMAL, lag[vm]);
                rec.event(rec.ctx, &ev);
            }
        }
        if (t == 7200 * S) {
            engine_event_info ev = {.at_ns = t,
                                    .kind = ENGINE_EV_MISSED_CYCLE,
                                    .vm = 1,
                                    .pair = 0,
                                    .detail = "previous log still in flight"};
            rec.event(rec.ctx, &ev);
            rec.event(rec.ctx, &ev);
        }
        if (t > 0) {
            report_results_add_link_sample(r, 0, t, 60 * S, 2.0 * 30e6 / 5, 2.0 * 12e6 / 5, 25e6);
            report_results_sample(r, t);
        }
    }
    report_failover f = {.kind = ENGINE_FO_UNPLANNED,
                         .plan = 0,
                         .vm = -1,
                         .started_ns = 3 * 3600 * S,
                         .ended_ns = 3 * 3600 * S + 720 * S,
                         .succeeded = true,
                         .failure_ns = 3 * 3600 * S,
                         .rp_captured_ns = 3 * 3600 * S - 300 * S,
                         .data_loss_ns = 300 * S,
                         .data_loss_bytes = 30000000,
                         .verified = true,
                         .detail = "from the latest point"};
    report_results_add_failover(r, &f);
    drs_diags d = {0};
    drs_diags_add(&d, DRS_SEV_WARNING, 11, "vms[1].networks[0]", "network \"dmz\" is not mapped");
    report_results_add_diags(r, &d);
    drs_diags_clear(&d);
    report_results_finish(r, end);
    return end;
}

static drs_expect expectations[] = {
    {.kind = DRS_EXPECT_METRIC,
     .path = "expect[0]",
     .name = "rpo.p95",
     .scope = DRS_SCOPE_VM,
     .target = "*",
     .unit = DRS_UNIT_DURATION,
     .has_max = true,
     .max = 600e9},
    {.kind = DRS_EXPECT_EVENT,
     .path = "expect[1]",
     .name = "missed_cycle",
     .scope = DRS_SCOPE_VM,
     .target = "web-01",
     .never = true}, /* fails: web-01 missed two cycles */
};

/* ---- helpers
 * ------------------------------------------------------------------------------------- */

static char db_path[64];

static int setup(void **state)
{
    (void)state;
    snprintf(db_path, sizeof db_path, "/tmp/drsim-results-%d.db", (int)getpid());
    remove(db_path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove(db_path);
    char j[80];
    snprintf(j, sizeof j, "%s-journal", db_path);
    remove(j);
    return 0;
}

/* The first column of the first row of a query about run ?1. */
static int64_t query_int(sqlite3 *h, int64_t run, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_int64(s, 1, run);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static double query_double(sqlite3 *h, int64_t run, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_int64(s, 1, run);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    double v = sqlite3_column_double(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* Every row of a query about run ?1, as text, one line per row: for comparing two runs. Caller
 * frees. */
static char *query_text(sqlite3 *h, const char *sql, int64_t run)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_int64(s, 1, run);
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    while (sqlite3_step(s) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(s); c++) {
            const char *v = (const char *)sqlite3_column_text(s, c);
            size_t need = len + (v ? strlen(v) : 4) + 2;
            while (need + 1 > cap)
                out = realloc(out, cap *= 2);
            len += (size_t)sprintf(out + len, "%s%c", v ? v : "NULL",
                                   c + 1 < sqlite3_column_count(s) ? '|' : '\n');
        }
    }
    sqlite3_finalize(s);
    return out;
}

/* One whole run into the database at db_path; returns its id. Results are kept when out is given.
 */
/* threaded: the database's writer thread writes the rows (the default), else the recorder. */
static int64_t run_into_db_with(report_results **out, bool threaded)
{
    drs_scenario sc = scenario();
    report_results *r = report_results_new(&sc);
    assert_non_null(r);
    drs_error err = {0};
    report_db *db = report_db_open(db_path, &err);
    assert_non_null(db);
    report_db_set_batch_rows(db, 97); /* several batches, none aligned with anything */
    report_db_set_writer_thread(db, threaded);
    report_run_info info = {.scenario_name = "synthetic",
                            .scenario_path = "synthetic.json",
                            .scenario_sha256 = "abc123",
                            .seed = 42,
                            .drsim_version = "0.1.0",
                            .duration_ns = sc.duration_ns};
    int64_t id;
    assert_true(report_db_run_begin(db, &info, &id, &err));
    report_results_attach_db(r, db);
    synthetic_run(r);
    bool held = report_expect_evaluate(r, expectations, 2);
    assert_true(report_db_run_end(db, r, held ? "complete" : "failed", held ? 0 : 1, &err));
    report_db_close(db);
    if (out)
        *out = r;
    else
        report_results_free(r);
    return id;
}

static int64_t run_into_db(report_results **out)
{
    return run_into_db_with(out, true);
}

/* ---- tests
 * --------------------------------------------------------------------------------------- */

static void test_rows_equal_in_memory_results(void **state)
{
    (void)state;
    report_results *r;
    int64_t id = run_into_db(&r);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db_path, &h), SQLITE_OK);
    assert_int_equal(query_int(h, id, "SELECT count(*) FROM jobs WHERE run=?1"),
                     report_results_job_count(r));
    assert_int_equal(query_int(h, id,
                               "SELECT count(*) FROM jobs WHERE run=?1 AND state='succeeded'"
                               " AND ended_ns=3000000000"),
                     2);
    size_t steps = 0;
    for (size_t i = 0; i < report_results_job_count(r); i++)
        steps += report_results_job(r, i)->step_count;
    assert_int_equal(query_int(h, id, "SELECT count(*) FROM job_steps WHERE run=?1"), steps);
    assert_int_equal(query_int(h, id, "SELECT count(*) FROM events WHERE run=?1"),
                     report_results_event_total(r));
    assert_int_equal(query_int(h, id,
                               "SELECT count(*) FROM events WHERE run=?1 AND kind="
                               "'missed_cycle' AND vm='web-01'"),
                     report_results_event_count(r, ENGINE_EV_MISSED_CYCLE, 1));
    assert_int_equal(query_int(h, id, "SELECT count(*) FROM recovery_points WHERE run=?1"),
                     report_results_rp_rows(r));
    /* Points still retained at the end: applied and never pruned. Per VM the in-memory count is
     * additional points plus the latest one. */
    const report_vm_stats *v0 = report_results_vm(r, 0);
    assert_int_equal(query_int(h, id,
                               "SELECT count(*) FROM recovery_points WHERE run=?1 AND "
                               "vm=0 AND pruned_ns IS NULL AND applied_ns IS NOT NULL"),
                     v0->rp_additional_now + (v0->rp_latest_now ? 1 : 0));
    assert_int_equal(query_int(h, id,
                               "SELECT count(*) FROM recovery_points WHERE run=?1 AND "
                               "vm=0 AND kind='app_consistent'"),
                     v0->rp_app_consistent_created);
    assert_int_equal(query_int(h, id,
                               "SELECT (SELECT sum(count) FROM series_chunks WHERE run=?1)"
                               " + (SELECT count(*) FROM"
                               " link_samples WHERE run=?1)"),
                     report_results_sample_rows(r));
    /* The samples view shows a link sample as three series (raw, wire, utilization). */
    assert_int_equal(
        query_int(h, id, "SELECT count(*) FROM samples WHERE run=?1 AND kind LIKE 'link%'"),
        3 * report_results_link(r, 0)->sample_count);
    assert_int_equal(query_int(h, id, "SELECT count(*) FROM failovers WHERE run=?1"),
                     report_results_failover_count(r));
    assert_int_equal(query_int(h, id, "SELECT rto_ns FROM failovers WHERE run=?1 AND plan='erp'"),
                     720 * S);
    assert_int_equal(query_int(h, id, "SELECT count(*) FROM findings WHERE run=?1 AND rule=11"), 1);
    assert_int_equal(query_int(h, id, "SELECT count(*) FROM expectations WHERE run=?1"),
                     report_results_expect_count(r));
    assert_int_equal(query_int(h, id, "SELECT count(*) FROM expectations WHERE run=?1 AND pass=0"),
                     report_results_expect_failed(r));
    /* Metrics: the same function computes both. sql-01: RPO from 60 s to 360 s on every tooth. */
    double p95;
    assert_true(report_results_metric(r, "rpo.p95", DRS_SCOPE_VM, 0, 0, 0, 0, &p95, NULL, 0));
    assert_true(query_double(h, id,
                             "SELECT value FROM metrics WHERE run=?1 AND scope='vm' AND "
                             "subject='sql-01' AND name='rpo.p95'") == p95);
    double wire;
    assert_true(report_results_metric(r, "bytes.wire", DRS_SCOPE_LINK, 0, 0, 0, 0, &wire, NULL, 0));
    assert_true(query_double(h, id,
                             "SELECT value FROM metrics WHERE run=?1 AND scope='link' AND "
                             "subject='wan' AND name='bytes.wire'") == wire);
    /* Link wire bytes: 2 VMs x (48 or 47 cycles x 12 MB) + 2 x 500 MB base copies. sql-01 ships the
     * cycles captured at 0..3h55m (48: the one at 4h would be applied after the end), web-01 too.
     */
    assert_true(wire == 2 * 48 * 12e6 + 2 * 500e6);
    assert_true(query_double(h, id,
                             "SELECT value FROM metrics WHERE run=?1 AND scope="
                             "'classification' AND subject='dub-fast' AND "
                             "name='replica_storage.peak'") ==
                (double)report_results_class(r, 1)->peak_bytes);
    /* The run row. */
    assert_int_equal(query_int(h, id,
                               "SELECT count(*) FROM runs WHERE id=?1 AND status='failed' AND "
                               "exit_code=1 AND seed=42 AND scenario_sha256='abc123' AND "
                               "ended IS NOT NULL AND end_ns=14400000000000"),
                     1);
    sqlite3_close(h);
    report_results_free(r);
}

static void test_identical_runs_store_identical_rows(void **state)
{
    (void)state;
    /* The second by the writer thread, the first without it: the same rows either way. */
    int64_t a = run_into_db_with(NULL, false), b = run_into_db(NULL);
    assert_true(a != b);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db_path, &h), SQLITE_OK);
    /* Every table, every column but the run id and the wall-clock times. */
    static const char *const q[] = {
        "SELECT scenario, scenario_path, scenario_sha256, seed, drsim_version, duration_ns, end_ns,"
        " status, exit_code FROM runs WHERE id=?1",
        "SELECT t_ns, kind, subject, value FROM samples WHERE run=?1 ORDER BY kind, subject, t_ns",
        "SELECT id, kind, subject FROM series WHERE run=?1 ORDER BY id",
        "SELECT series, seq, first_t_ns, last_t_ns, count, hex(data) FROM series_chunks"
        " WHERE run=?1 ORDER BY series, seq",
        "SELECT idx, name, link, raw_bytes, wire_bytes, ir_end_ns, cycles_completed, cycles_missed,"
        " rp_created, rp_pruned, rp_additional_now, replica_storage_peak_bytes, health,"
        " worst_health, normal_first_ns FROM vms WHERE run=?1 ORDER BY idx",
        "SELECT idx, name, raw_bytes, wire_bytes FROM links WHERE run=?1 ORDER BY idx",
        "SELECT link, t_ns, interval_ns, raw_bytes, wire_bytes, capacity_Bps FROM link_samples"
        " WHERE run=?1 ORDER BY link, t_ns",
        "SELECT vm, seq, first_at_ns, last_at_ns, count, hex(points) FROM rpo_history WHERE run=?1"
        " ORDER BY vm, seq",
        "SELECT id, seq, name, vm, pair, site, subject, state, started_ns, ended_ns, reason FROM "
        "jobs"
        " WHERE run=?1"
        " ORDER BY id",
        "SELECT job, seq, step, state, at_ns FROM job_steps WHERE run=?1 ORDER BY job, seq",
        "SELECT seq, at_ns, kind, vm, pair, old_value, new_value, detail FROM events WHERE run=?1"
        " ORDER BY seq",
        "SELECT vm, id, kind, captured_ns, created_ns, applied_ns, pruned_ns, bytes, primary_digest"
        " FROM recovery_points WHERE run=?1 ORDER BY vm, id",
        "SELECT seq, kind, plan, vm, started_ns, ended_ns, rto_ns, succeeded, failure_ns,"
        " rp_captured_ns, data_loss_ns, data_loss_bytes, verified, detail FROM failovers"
        " WHERE run=?1 ORDER BY seq",
        "SELECT seq, severity, rule, path, message FROM findings WHERE run=?1 ORDER BY seq",
        "SELECT seq, path, name, bound, actual, pass FROM expectations WHERE run=?1 ORDER BY seq",
        "SELECT scope, subject, name, value FROM metrics WHERE run=?1 ORDER BY scope, subject, "
        "name",
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        char *ta = query_text(h, q[i], a), *tb = query_text(h, q[i], b);
        assert_true(strlen(ta) > 0); /* every table has rows in this run */
        assert_string_equal(ta, tb);
        free(ta);
        free(tb);
    }
    sqlite3_close(h);
}

/* Far more rows than the writer thread holds in flight, with the recorder outrunning it: every row
 * arrives, in order, as the recorder's own thread would have written it. */
static int64_t many_rows_run(bool threaded)
{
    drs_error err = {0};
    report_db *db = report_db_open(db_path, &err);
    assert_non_null(db);
    report_db_set_writer_thread(db, threaded);
    report_db_set_batch_rows(db, 100); /* a commit every 100 rows: the writer falls behind */
    drs_scenario sc = scenario();
    report_results *r = report_results_new(&sc);
    report_run_info info = {.scenario_name = "many",
                            .scenario_sha256 = "00",
                            .seed = 1,
                            .drsim_version = "0.1.0",
                            .duration_ns = 3600 * S};
    int64_t id;
    assert_true(report_db_run_begin(db, &info, &id, &err));
    /* Another process holds the file for a while, so the writer's first batch waits and the
     * recorder runs into the limit of rows in flight. */
    int held[2];
    assert_int_equal(pipe(held), 0);
    pid_t holder = fork();
    assert_true(holder >= 0);
    if (holder == 0) {
        sqlite3 *h;
        if (sqlite3_open(db_path, &h) != SQLITE_OK ||
            sqlite3_exec(h, "BEGIN EXCLUSIVE", NULL, NULL, NULL) != SQLITE_OK)
            _exit(2);
        if (write(held[1], "x", 1) != 1)
            _exit(3);
        struct timespec hold = {0, 300 * 1000 * 1000};
        nanosleep(&hold, NULL);
        sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(h);
        _exit(0);
    }
    char c;
    assert_int_equal(read(held[0], &c, 1), 1);
    close(held[0]);
    close(held[1]);
    report_results_attach_db(r, db);
    for (int i = 0; i < 60000; i++) {
        report_results_add_link_sample(r, 0, (i + 1) * S / 20, S / 20, 1e6 + i, 1e6, 25e6);
        if (i % 97 == 0)
            report_results_sample(r, (i + 1) * S / 20);
    }
    report_results_finish(r, 3600 * S);
    assert_true(report_db_run_end(db, r, "complete", 0, &err));
    report_db_close(db);
    report_results_free(r);
    int status;
    assert_int_equal(waitpid(holder, &status, 0), holder);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return id;
}

static void test_writer_thread_keeps_every_row_in_order(void **state)
{
    (void)state;
    int64_t a = many_rows_run(false), b = many_rows_run(true);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db_path, &h), SQLITE_OK);
    assert_int_equal(query_int(h, b, "SELECT count(*) FROM link_samples WHERE run=?1"), 60000);
    static const char *const q[] = {
        "SELECT group_concat(t_ns || ':' || raw_bytes, ',') FROM (SELECT t_ns, raw_bytes FROM"
        " link_samples WHERE run=?1 ORDER BY rowid)",
        "SELECT group_concat(series || ':' || seq || ':' || hex(data), ',') FROM (SELECT"
        " s.kind || s.subject AS series, c.seq, c.data FROM series_chunks c JOIN series s ON"
        " s.run = c.run AND s.id = c.series WHERE c.run=?1 ORDER BY c.rowid)",
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        char *ta = query_text(h, q[i], a), *tb = query_text(h, q[i], b);
        assert_true(strlen(ta) > 0);
        assert_string_equal(ta, tb);
        free(ta);
        free(tb);
    }
    sqlite3_close(h);
}

/* threaded: the writer thread writes the rows, so how many reach the file before the kill is up
 * to it; the file must be consistent and the run incomplete all the same. */
static void killed_run(bool threaded)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* The child: 250 samples in batches of 100, then killed in the middle of the third. */
        drs_error err;
        report_db *db = report_db_open(db_path, &err);
        if (!db)
            _exit(2);
        report_db_set_batch_rows(db, 100);
        report_db_set_writer_thread(db, threaded);
        drs_scenario sc = scenario();
        report_results *r = report_results_new(&sc);
        report_run_info info = {.scenario_name = "killed",
                                .scenario_sha256 = "00",
                                .seed = 1,
                                .drsim_version = "0.1.0",
                                .duration_ns = 3600 * S};
        int64_t id;
        if (!report_db_run_begin(db, &info, &id, &err))
            _exit(3);
        report_results_attach_db(r, db);
        for (int i = 0; i < 125; i++) /* one row each */
            report_results_add_link_sample(r, 0, (i + 1) * 60 * S, 60 * S, 1e6, 1e6, 25e6);
        raise(SIGKILL);
        _exit(4);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db_path, &h), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
    sqlite3_finalize(s);
    assert_int_equal(query_int(h, 0,
                               "SELECT count(*) FROM runs WHERE scenario='killed' AND "
                               "status='incomplete' AND ended IS NULL"),
                     1);
    /* The first batch of 100 rows holds the run's 8 subjects (2 VMs, a link, 2 classifications, a
     * plan, 2 sites' storage), its 4 series (RPO and storage of each VM) and 88 link samples; the
     * 37 after it are lost with the open batch. */
    if (!threaded) {
        assert_int_equal(query_int(h, 0, "SELECT count(*) FROM link_samples"), 88);
        assert_int_equal(query_int(h, 0, "SELECT count(*) FROM vms"), 2);
    }
    sqlite3_close(h);
    /* The file stays usable: another run goes in after the killed one. */
    int64_t id = run_into_db(NULL);
    assert_true(id >= 2);
}

static void test_killed_run_leaves_consistent_incomplete_run(void **state)
{
    (void)state;
    killed_run(false);
}

static void test_killed_threaded_run_leaves_consistent_incomplete_run(void **state)
{
    (void)state;
    killed_run(true);
}

/* Four runs writing one file at once all land, and they take turns: each run's rows go in while
 * the others are writing theirs. Each child process writes 40 batches of 25 link samples with
 * 20 ms of "simulation" between batches (about 1 s a run), started together through a pipe. A
 * writer that held the file between its batches (as one open transaction per batch used to) would
 * write its whole run before another got in: the rowid ranges of the runs' link samples would not
 * overlap, and with long runs the others would give up waiting. */
#define CONCURRENT_RUNS 4
static void test_concurrent_runs_all_land(void **state)
{
    (void)state;
    int go[2];
    assert_int_equal(pipe(go), 0);
    pid_t kids[CONCURRENT_RUNS];
    for (int k = 0; k < CONCURRENT_RUNS; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            close(go[1]);
            char c;
            if (read(go[0], &c, 1) != 0) /* the parent closes its end: all start at once */
                _exit(5);
            drs_error err;
            report_db *db = report_db_open(db_path, &err);
            if (!db)
                _exit(2);
            report_db_set_batch_rows(db, 25);
            /* The batches as the samples come, so that the runs' turns show in the rowids; the
             * writer thread writes the same batches, later. */
            report_db_set_writer_thread(db, false);
            drs_scenario sc = scenario();
            report_results *r = report_results_new(&sc);
            report_run_info info = {.scenario_name = "concurrent",
                                    .scenario_sha256 = "00",
                                    .seed = (uint64_t)k,
                                    .drsim_version = "0.1.0",
                                    .duration_ns = 3600 * S};
            int64_t id;
            if (!report_db_run_begin(db, &info, &id, &err))
                _exit(3);
            report_results_attach_db(r, db);
            struct timespec pause = {0, 20 * 1000 * 1000};
            for (int i = 0; i < 1000; i++) {
                report_results_add_link_sample(r, 0, (i + 1) * S, S, 1e6, 1e6, 25e6);
                if (i % 25 == 24)
                    nanosleep(&pause, NULL);
            }
            report_results_finish(r, 3600 * S);
            if (!report_db_run_end(db, r, "complete", 0, &err))
                _exit(4);
            report_db_close(db);
            report_results_free(r);
            _exit(0);
        }
    }
    close(go[0]);
    close(go[1]);
    for (int k = 0; k < CONCURRENT_RUNS; k++) {
        int status;
        assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db_path, &h), SQLITE_OK);
    assert_int_equal(query_int(h, 0,
                               "SELECT count(*) FROM runs WHERE scenario='concurrent' AND "
                               "status='complete'"),
                     CONCURRENT_RUNS);
    /* Every run's 1,000 samples, and nothing of one run under another's id. */
    assert_int_equal(query_int(h, 0,
                               "SELECT count(*) FROM (SELECT run FROM link_samples GROUP BY run"
                               " HAVING count(*) = 1000)"),
                     CONCURRENT_RUNS);
    /* Turns: every run's samples span rows written while each other run was writing. */
    assert_int_equal(query_int(h, 0,
                               "WITH span AS (SELECT run, min(rowid) lo, max(rowid) hi"
                               " FROM link_samples GROUP BY run)"
                               " SELECT count(*) FROM span a, span b WHERE a.run < b.run AND"
                               " a.lo < b.hi AND b.lo < a.hi"),
                     CONCURRENT_RUNS * (CONCURRENT_RUNS - 1) / 2);
    sqlite3_close(h);
}

/* Packed pairs read back exactly, whatever the values (the extremes of int64 and -1 for "RPO
 * undefined" included), and a regular series packs to a few bytes a sample; a blob of another
 * format or of fewer pairs than asked is refused. */
static void test_packed_pairs_round_trip(void **state)
{
    (void)state;
    const int64_t a[] = {0, 300 * S, 600 * S, 600 * S, 901 * S + 7, INT64_MAX, INT64_MIN, -1, 42};
    const int64_t b[] = {-1, 360 * S, 9, INT64_MIN, INT64_MAX, 0, -1, 5, 42};
    const size_t n = sizeof a / sizeof a[0];
    for (int from_a = 0; from_a < 2; from_a++) {
        report_packer pk = {0};
        size_t len = 0;
        unsigned char *blob = report_pack(&pk, a, b, n, from_a, &len);
        assert_non_null(blob);
        int64_t ra[10], rb[10]; /* room for the n + 1 asked below */
        assert_true(report_unpack(blob, len, n, from_a, ra, rb));
        assert_memory_equal(ra, a, sizeof a);
        assert_memory_equal(rb, b, sizeof b);
        assert_false(report_unpack(blob, len, n + 1, from_a, ra, rb)); /* too few pairs */
        blob[0] = 2;
        assert_false(report_unpack(blob, len, n, from_a, ra, rb)); /* another format */
        free(blob);
        report_packer_free(&pk);
    }
    /* 256 samples 15 minutes apart, storage growing by 1 MiB each: every varint after the first
     * two pairs is 0 (time) or the same 3 bytes (value), which deflate folds into a few dozen
     * bytes; unpacked, 16 bytes a sample (4,096) and 512 bytes of varints at least. */
    int64_t t[256], v[256], rt[256], rv[256];
    for (int i = 0; i < 256; i++) {
        t[i] = (i + 1) * 900 * S;
        v[i] = (int64_t)i << 20;
    }
    report_packer pk = {0};
    size_t len = 0;
    unsigned char *blob = report_pack(&pk, t, v, 256, false, &len);
    assert_non_null(blob);
    assert_true(len < 64);
    assert_true(report_unpack(blob, len, 256, false, rt, rv));
    assert_memory_equal(rt, t, sizeof t);
    assert_memory_equal(rv, v, sizeof v);
    free(blob);
    report_packer_free(&pk);
}

static void test_open_and_end_report_errors(void **state)
{
    (void)state;
    drs_error err = {0};
    /* A folder that does not exist is the user's mistake: bad input, not an internal error. */
    assert_null(report_db_open("/nonexistent-dir/drsim/results.db", &err));
    assert_int_equal(err.code, DRS_EINPUT);
    assert_non_null(strstr(err.message, "/nonexistent-dir/drsim/results.db"));

    report_db *db = report_db_open(db_path, &err);
    assert_non_null(db);
    drs_scenario sc = scenario();
    report_results *r = report_results_new(&sc);
    /* Ending a run that was never begun is refused. */
    assert_false(report_db_run_end(db, r, "complete", 0, &err));
    report_run_info info = {.scenario_name = "x", .scenario_sha256 = "00", .drsim_version = "0"};
    int64_t id;
    assert_true(report_db_run_begin(db, &info, &id, &err));
    report_results_finish(r, 0);
    /* A status outside the documented four breaks the CHECK constraint. */
    assert_false(report_db_run_end(db, r, "finished", 0, &err));
    assert_int_equal(err.code, DRS_EIO);
    report_db_close(db);
    report_results_free(r);
    assert_non_null(strstr(report_db_schema, "CREATE TABLE IF NOT EXISTS recovery_points"));
}

static void test_attach_writes_what_came_before(void **state)
{
    (void)state;
    /* The driver validates first, then opens the database: problems found before must still be
     * stored. */
    drs_scenario sc = scenario();
    report_results *r = report_results_new(&sc);
    drs_diags d = {0};
    drs_diags_add(&d, DRS_SEV_WARNING, 4, "recovery.cloud_pairs[0].settings.copy_frequency",
                  "30s needs 2012 R2 hosts; 5m is used");
    report_results_add_diags(r, &d);
    drs_diags_clear(&d);
    drs_error err = {0};
    report_db *db = report_db_open(db_path, &err);
    assert_non_null(db);
    report_run_info info = {.scenario_name = "x", .scenario_sha256 = "00", .drsim_version = "0"};
    int64_t id;
    assert_true(report_db_run_begin(db, &info, &id, &err));
    report_results_attach_db(r, db);
    report_results_finish(r, 0);
    assert_true(report_db_run_end(db, r, "complete", 0, &err));
    report_db_close(db);
    report_results_free(r);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db_path, &h), SQLITE_OK);
    assert_int_equal(query_int(h, id,
                               "SELECT count(*) FROM findings WHERE run=?1 AND rule=4 AND "
                               "severity='warning'"),
                     1);
    assert_int_equal(
        query_int(h, id, "SELECT count(*) FROM runs WHERE id=?1 AND status='complete'"), 1);
    sqlite3_close(h);
}

/* What an output function writes, as a string; caller frees. */
static char *render(void (*fn)(const report_results *, FILE *), const report_results *r)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_non_null(f);
    fn(r, f);
    fclose(f);
    return buf;
}

/* A run whose VM loses protection for good, with a job still running and a failed plan failover,
 * stored and read back: the reloaded run gives the same undefined span, statistics and outputs.
 * sql-01: points every 5 min applied 1 min after capture, a gap [30, 40) min (captured -1), points
 * again from 40 min, then unprotected from 70 min to the end (80 min). */
static void test_undefined_spans_reload_identically(void **state)
{
    (void)state;
    drs_scenario sc = scenario();
    report_results *r = report_results_new(&sc);
    drs_error err = {0};
    report_db *db = report_db_open(db_path, &err);
    assert_non_null(db);
    report_run_info info = {
        .scenario_name = "synthetic", .seed = 42, .scenario_sha256 = "00", .drsim_version = "0"};
    int64_t id;
    assert_true(report_db_run_begin(db, &info, &id, &err));
    report_results_attach_db(r, db);
    engine_recorder rec = report_results_recorder(r);
    const int64_t M = 60 * S;
    for (int64_t c = 0; c < 70 * M; c += 5 * M) {
        if (c >= 30 * M && c < 40 * M)
            continue;
        rec.rpo_point(rec.ctx, 0, c + M, c);
        if (c == 25 * M)
            rec.rpo_point(rec.ctx, 0, 30 * M, -1);
    }
    rec.rpo_point(rec.ctx, 0, 70 * M, -1);
    for (int64_t t = M; t <= 80 * M; t += M)
        report_results_sample(r, t);
    engine_job_info j = {.id = 1, .name = "Resynchronize", .vm = 0, .pair = 0, .site = -1,
                         .subject = "sql-01"};
    rec.job_started(rec.ctx, &j, 75 * M);
    rec.job_step(rec.ctx, 1, "Sending the blocks that differ", ENGINE_JOB_IN_PROGRESS, 76 * M);
    report_failover plan = {.kind = ENGINE_FO_UNPLANNED, .plan = 0, .vm = -1,
                            .started_ns = 72 * M, .ended_ns = -1, .succeeded = false,
                            .failure_ns = -1, .rp_captured_ns = -1, .data_loss_ns = -1};
    snprintf(plan.detail, sizeof plan.detail, "web-01 did not start");
    report_results_add_failover(r, &plan);
    report_results_finish(r, 80 * M);
    drs_expect ex[1] = {{.kind = DRS_EXPECT_METRIC, .path = "expect[0]", .name = "failover.rto",
                         .scope = DRS_SCOPE_PLAN, .target = "erp", .unit = DRS_UNIT_DURATION,
                         .has_max = true, .max = 3600e9}};
    assert_false(report_expect_evaluate(r, ex, 1));
    assert_true(report_db_run_end(db, r, "failed", 1, &err));
    report_db_close(db);

    /* Teeth 1..6 min over [1, 30) and [41, 70) min; the ends of both spans cut a tooth at 5 min
     * (the point captured at 25 min is 5 min old at 30, the one at 65 at 70): max 6 min. */
    report_rpo_stats st;
    report_results_rpo(r, 0, 0, 0, &st);
    assert_true(st.defined);
    assert_int_equal(st.max_ns, 6 * M);
    assert_int_equal(st.covered_ns, 58 * M);
    assert_int_equal(report_results_unprotected_from(r, 0), 70 * M);
    /* Samples only where RPO is defined: minutes 1..29, 41..69 (RPO at 30 and 70 is undefined,
     * at 40 too: the point captured at 40 is applied at 41). */
    FILE *csv = tmpfile();
    assert_non_null(csv);
    assert_true(report_db_write_samples(db_path, id, csv, &err));
    rewind(csv);
    char line[256];
    int rpo = 0, in_gap = 0, at_6min = 0;
    while (fgets(line, sizeof line, csv)) {
        long long t;
        char kind[64], subject[64], value[64];
        if (sscanf(line, "%lld,%63[^,],%63[^,],%63s", &t, kind, subject, value) != 4 ||
            strcmp(kind, "rpo_s") != 0)
            continue;
        rpo++;
        in_gap += (t >= 30 * M && t < 41 * M) || t >= 70 * M;
        /* At 6 min the newest applied point is the one captured at 5 min (applied at 6): 60 s;
         * written as the shortest number that reads back, "60". */
        if (t == 6 * M)
            at_6min += !strcmp(subject, "sql-01") && !strcmp(value, "60");
    }
    fclose(csv);
    assert_int_equal(rpo, 58);
    assert_int_equal(in_gap, 0);
    assert_int_equal(at_6min, 1);

    report_run_row row;
    report_results *back = report_db_load(db_path, id, &row, &err);
    assert_non_null(back);
    report_rpo_stats st2;
    report_results_rpo(back, 0, 0, 0, &st2);
    assert_true(st2.defined);
    assert_int_equal(st2.max_ns, st.max_ns);
    assert_int_equal(st2.covered_ns, st.covered_ns);
    assert_true(st2.mean_ns == st.mean_ns && st2.p95_ns == st.p95_ns);
    assert_int_equal(report_results_unprotected_from(back, 0), 70 * M);
    char *a = render(report_summary_write, r), *b = render(report_summary_write, back);
    assert_string_equal(a, b);
    assert_non_null(strstr(b, "not protected from 1h10m00s"));
    assert_non_null(strstr(b, "still in progress at the end"));
    assert_non_null(strstr(b, "Sending the blocks that differ"));
    assert_non_null(strstr(b, "failed: web-01 did not start"));
    assert_int_equal(report_results_expect_count(back), 1);
    assert_string_equal(report_results_expect(back, 0)->actual,
                        "failover failed: web-01 did not start");
    free(a);
    free(b);
    a = render(report_html_fprint, r);
    b = render(report_html_fprint, back);
    assert_string_equal(a, b);
    free(a);
    free(b);
    report_results_free(back);
    report_results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rows_equal_in_memory_results, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identical_runs_store_identical_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_thread_keeps_every_row_in_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_killed_threaded_run_leaves_consistent_incomplete_run,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_run_leaves_consistent_incomplete_run, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_runs_all_land, setup, teardown),
        cmocka_unit_test(test_packed_pairs_round_trip),
        cmocka_unit_test_setup_teardown(test_open_and_end_report_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attach_writes_what_came_before, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undefined_spans_reload_identically, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
