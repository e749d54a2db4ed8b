/* tests/test_run.c — whole runs: determinism, what bad input leaves behind, identical database rows
 * for identical runs, and a run killed part-way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "engine/record.h"
#include "reports/reports.h"
#include "sim/run/exit_status.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "tests/support/scratch.h"

#define EXAMPLE DRSIM_SOURCE_DIR "/scenarios/examples/two-site-basic.json"

static drs_scenario *load_example(void)
{
    drs_diags d = {0};
    drs_scenario *sc = sim_scenario_load(EXAMPLE, &d);
    drs_diags_clear(&d);
    assert_non_null(sc);
    return sc;
}

/* Everything a run records about a VM's replication, compared field by field. */
static void assert_same_results(report_results *a, report_results *b, bool *any_diff_allowed)
{
    size_t n = report_results_vm_count(a);
    assert_int_equal(n, report_results_vm_count(b));
    bool differ = false;
    for (size_t v = 0; v < n; v++) {
        const report_vm_stats *x = report_results_vm(a, v), *y = report_results_vm(b, v);
        size_t na, nb;
        const report_rpo_point *pa = report_results_rpo_points(a, v, &na);
        const report_rpo_point *pb = report_results_rpo_points(b, v, &nb);
        bool same = x->raw_bytes == y->raw_bytes && x->wire_bytes == y->wire_bytes &&
                    x->cycles_completed == y->cycles_completed &&
                    x->cycles_missed == y->cycles_missed && na == nb &&
                    (na == 0 || !memcmp(pa, pb, na * sizeof *pa));
        if (!any_diff_allowed)
            assert_true(same);
        differ |= !same;
    }
    if (any_diff_allowed)
        *any_diff_allowed = differ;
}

/* Same scenario, same seed: identical RPO breakpoints, bytes and cycles for every VM. A different
 * seed changes the poisson workload's draws, so something must differ. */
static void test_same_seed_gives_identical_results(void **state)
{
    (void)state;
    drs_scenario *sc = load_example();
    sim_run_outcome r1, r2, r3;
    assert_true(sim_run_scenario(sc, &r1));
    assert_true(sim_run_scenario(sc, &r2));
    assert_true(r1.events > 1000);
    assert_int_equal(r1.events, r2.events);
    assert_same_results(r1.results, r2.results, NULL);

    sc->seed += 1;
    assert_true(sim_run_scenario(sc, &r3));
    bool differ = false;
    assert_same_results(r1.results, r3.results, &differ);
    assert_true(differ);

    report_results_free(r1.results);
    report_results_free(r2.results);
    report_results_free(r3.results);
    drs_scenario_free(sc);
}

/* Overlapping operations and faults are as deterministic as replication: the same seed gives the
 * same failover records (times, loss, verification, detail) and the same jobs with the same states
 * and reasons, on scenarios where operations are refused, interrupted and stopped. */
static void test_same_seed_same_operations(void **state)
{
    (void)state;
    static const char *const files[] = {
        DRSIM_SOURCE_DIR "/scenarios/regression/ops-resync-blocks-failovers.json",
        DRSIM_SOURCE_DIR "/scenarios/regression/ops-plan-scripts-fail.json",
        DRSIM_SOURCE_DIR "/scenarios/regression/failover-failback-round-trip.json",
    };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        drs_diags d = {0};
        drs_scenario *sc = sim_scenario_load(files[i], &d);
        drs_diags_clear(&d);
        assert_non_null(sc);
        sim_run_outcome a, b;
        assert_true(sim_run_scenario(sc, &a));
        assert_true(sim_run_scenario(sc, &b));
        assert_int_equal(a.events, b.events);
        assert_same_results(a.results, b.results, NULL);
        size_t nf = report_results_failover_count(a.results);
        assert_true(nf > 0);
        assert_int_equal(nf, report_results_failover_count(b.results));
        for (size_t k = 0; k < nf; k++) {
            const report_failover *x = report_results_failover(a.results, k);
            const report_failover *y = report_results_failover(b.results, k);
            assert_int_equal(x->kind, y->kind);
            assert_int_equal(x->vm, y->vm);
            assert_int_equal(x->started_ns, y->started_ns);
            assert_int_equal(x->ended_ns, y->ended_ns);
            assert_int_equal(x->data_loss_ns, y->data_loss_ns);
            assert_int_equal(x->data_loss_bytes, y->data_loss_bytes);
            assert_int_equal(x->verified, y->verified);
            assert_string_equal(x->detail, y->detail);
        }
        size_t nj = report_results_job_count(a.results);
        assert_int_equal(nj, report_results_job_count(b.results));
        for (size_t k = 0; k < nj; k++) {
            const report_job *x = report_results_job(a.results, k);
            const report_job *y = report_results_job(b.results, k);
            assert_string_equal(x->name, y->name);
            assert_int_equal(x->state, y->state);
            assert_string_equal(x->reason ? x->reason : "", y->reason ? y->reason : "");
            /* A job that ended left no step in progress: the last word on each step is final. */
            for (size_t q = 0; x->ended_ns >= 0 && q < x->step_count; q++) {
                bool later = false;
                for (size_t u = q + 1; u < x->step_count; u++)
                    later |= !strcmp(x->steps[u].name, x->steps[q].name);
                if (!later && x->steps[q].state == ENGINE_JOB_IN_PROGRESS)
                    fail_msg("%s: job %s ended with step '%s' in progress", files[i], x->name,
                             x->steps[q].name);
            }
        }
        report_results_free(a.results);
        report_results_free(b.results);
        drs_scenario_free(sc);
    }
}

/* Link throughput tells the truth: in every sample the wire bytes are what the link carried in the
 * interval (never above its capacity), and the raw line is those bytes before compression, so it
 * exceeds them at most by the best compression ratio (8.49 at compressibility 0.9). An initial copy
 * whose raw bytes all landed in the sample where it ended gave a sample 100 times the capacity. */
static void test_link_samples_never_exceed_what_the_link_carried(void **state)
{
    (void)state;
    drs_scenario *sc = load_example();
    sim_run_outcome r;
    assert_true(sim_run_scenario(sc, &r));
    size_t n;
    const report_link_sample *s = report_results_link_samples(r.results, 0, &n);
    assert_true(n > 100);
    for (size_t i = 0; i < n; i++) {
        double cap = s[i].capacity_Bps * (double)s[i].interval_ns / 1e9;
        if (s[i].wire_bytes > cap * (1 + 1e-9) + 1 || s[i].raw_bytes > s[i].wire_bytes * 8.5 + 1)
            fail_msg("sample %zu: wire %.0f, raw %.0f, capacity %.0f bytes", i, s[i].wire_bytes,
                     s[i].raw_bytes, cap);
    }
    report_results_free(r.results);
    drs_scenario_free(sc);
}

static int run_drsim(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s >/dev/null 2>&1", DRSIM_BIN, args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int setup_tmp(void **state)
{
    (void)state;
    return scratch_make("run") ? 0 : -1;
}

static int teardown_tmp(void **state)
{
    (void)state;
    return scratch_remove() ? 0 : -1;
}

static sqlite3 *open_db(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    return db;
}

static long long query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* A scenario with an error gives exit 2 and writes no run at all. */
static void test_invalid_scenario_exits_2_and_writes_no_run(void **state)
{
    (void)state;
    char bad[512], db[512], args[1200];
    snprintf(bad, sizeof bad, "%s/bad.json", scratch_dir());
    snprintf(db, sizeof db, "%s/bad.db", scratch_dir());
    FILE *f = fopen(bad, "w");
    assert_non_null(f);
    fputs("{ \"drsim\": 1, \"name\": \"bad\", \"duration\": \"100 parsecs\" }", f);
    fclose(f);
    snprintf(args, sizeof args, "run '%s' --db '%s'", bad, db);
    assert_int_equal(run_drsim(args), 2);
    struct stat sb;
    assert_int_not_equal(stat(db, &sb), 0); /* not even created */
}

/* A report that cannot be written is bad input found before the run (exit 2, nothing stored); a
 * reader that goes away (a closed pipe) does not make a finished run look unfinished: its row says
 * complete. */
static void test_report_paths_checked_first_and_closed_pipe_keeps_the_run(void **state)
{
    (void)state;
    char db[512], args[1400];
    snprintf(db, sizeof db, "%s/paths.db", scratch_dir());
    snprintf(args, sizeof args, "run '%s' --db '%s' --html '%s/no/such/folder/r.html'", EXAMPLE, db,
             scratch_dir());
    assert_int_equal(run_drsim(args), 2);
    struct stat sb;
    assert_int_not_equal(stat(db, &sb), 0);
    snprintf(args, sizeof args, "run '%s' --db '%s' --junit '%s'", EXAMPLE, db, scratch_dir());
    assert_int_equal(run_drsim(args), 2); /* a folder */
    assert_int_not_equal(stat(db, &sb), 0);

    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' run '%s' --db '%s' 2>/dev/null | true", DRSIM_BIN, EXAMPLE, db);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    sqlite3 *h = open_db(db);
    assert_int_equal(query_int(h, "SELECT count(*) FROM runs WHERE status = 'complete'"), 1);
    sqlite3_close(h);
}

/* A --db that cannot be a results database is bad input (exit 2), told before anything runs: a
 * text file, a folder, a file in a folder that does not exist, and somebody else's SQLite database,
 * which is left exactly as it was (never taken over). */
static void test_unusable_databases_exit_2_and_foreign_ones_are_left_alone(void **state)
{
    (void)state;
    char path[600], args[1400];
    snprintf(path, sizeof path, "%s/notes.db", scratch_dir());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("not a database at all\n", f);
    fclose(f);
    snprintf(args, sizeof args, "run '%s' --db '%s'", EXAMPLE, path);
    assert_int_equal(run_drsim(args), 2);
    snprintf(args, sizeof args, "run '%s' --db '%s'", EXAMPLE, scratch_dir());
    assert_int_equal(run_drsim(args), 2);
    snprintf(args, sizeof args, "run '%s' --db '%s/no/such/folder/r.db'", EXAMPLE, scratch_dir());
    assert_int_equal(run_drsim(args), 2);

    snprintf(path, sizeof path, "%s/foreign.db", scratch_dir());
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES (42);", NULL, NULL,
                                  NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    snprintf(args, sizeof args, "run '%s' --db '%s'", EXAMPLE, path);
    assert_int_equal(run_drsim(args), 2);
    h = open_db(path);
    assert_int_equal(query_int(h, "SELECT count(*) FROM sqlite_master"), 1);
    assert_int_equal(query_int(h, "SELECT x FROM t"), 42);
    sqlite3_close(h);
}

/* Two runs of one scenario with one seed write identical rows in every table but runs (which holds
 * wall-clock times and the run id). Compared with EXCEPT in both directions, run column left out. */
static void test_two_runs_write_identical_rows(void **state)
{
    (void)state;
    char db[512], args[1200];
    snprintf(db, sizeof db, "%s/twice.db", scratch_dir());
    snprintf(args, sizeof args, "run '%s' --db '%s' --quiet", EXAMPLE, db);
    int c1 = run_drsim(args), c2 = run_drsim(args);
    assert_true(c1 == 0 || c1 == 1);
    assert_int_equal(c1, c2);

    sqlite3 *h = open_db(db);
    assert_int_equal(query_int(h, "SELECT count(*) FROM runs WHERE status != 'incomplete'"), 2);
    const char *tables[] = {"samples", "jobs", "job_steps", "events", "recovery_points",
                            "failovers", "findings", "expectations", "metrics"};
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
        /* The columns of the table but run. */
        char sql[4096], cols[2048] = "";
        snprintf(sql, sizeof sql, "SELECT name FROM pragma_table_info('%s') WHERE name != 'run'",
                 tables[t]);
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (cols[0])
                strcat(cols, ",");
            strcat(cols, (const char *)sqlite3_column_text(st, 0));
        }
        sqlite3_finalize(st);
        assert_true(cols[0] != '\0');
        snprintf(sql, sizeof sql,
                 "SELECT (SELECT count(*) FROM %s WHERE run=1) - (SELECT count(*) FROM %s WHERE "
                 "run=2) + (SELECT count(*) FROM (SELECT %s FROM %s WHERE run=1 EXCEPT SELECT %s FROM "
                 "%s WHERE run=2))",
                 tables[t], tables[t], cols, tables[t], cols, tables[t]);
        long long diff = query_int(h, sql);
        if (diff)
            print_error("table %s differs between the two runs\n", tables[t]);
        assert_int_equal(diff, 0);
    }
    /* The runs are not empty: the comparison compared something. */
    assert_true(query_int(h, "SELECT count(*) FROM samples WHERE run=1") > 100);
    assert_true(query_int(h, "SELECT count(*) FROM recovery_points WHERE run=1") > 100);
    sqlite3_close(h);
}

/* Whether the database at path exists, has grown past its first pages and holds a run row that another
 * connection can read (a busy or missing file counts as "not yet"). */
static bool run_row_committed(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || sb.st_size <= 64 * 1024)
        return false;
    sqlite3 *h = NULL;
    bool found = false;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(h, "SELECT count(*) FROM runs", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            found = sqlite3_column_int(st, 0) > 0;
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return found;
}

/* A run killed with SIGKILL part-way leaves a database that passes its integrity check, with the run
 * row still 'incomplete'. The scenario is the example stretched to 60 days so that it cannot finish
 * before the kill. */
static void test_killed_run_leaves_an_incomplete_run(void **state)
{
    (void)state;
    char scen[512], db[512];
    snprintf(scen, sizeof scen, "%s/long.json", scratch_dir());
    snprintf(db, sizeof db, "%s/long.db", scratch_dir());
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "sed 's/\"duration\": *\"[^\"]*\"/\"duration\": \"60d\"/' '%s' > '%s'", EXAMPLE, scen);
    assert_int_equal(system(cmd), 0);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execl(DRSIM_BIN, "drsim", "run", scen, "--db", db, "--quiet", (char *)NULL);
        _exit(127);
    }
    /* Wait until the run row is committed and some rows went in, then kill. Polled rather than timed,
     * with a generous bound, so that a loaded machine only makes the test slower. */
    struct timespec ts = {0, 100 * 1000 * 1000};
    for (int i = 0; i < 1200 && !run_row_committed(db); i++)
        nanosleep(&ts, NULL);
    int status;
    assert_int_equal(waitpid(pid, &status, WNOHANG), 0); /* still running */
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));

    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK); /* read-write: a hot journal rolls back */
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    assert_int_equal(query_int(h, "SELECT count(*) FROM runs"), 1);
    assert_int_equal(query_int(h, "SELECT count(*) FROM runs WHERE status = 'incomplete'"), 1);
    sqlite3_close(h);
}

/* Every event an expectation may name is one the engine records, and the other way round (but
 * "note", which is free text). A wrong list would let `expect` wait for an event that cannot happen. */
static void test_expectable_events_are_the_engine_events(void **state)
{
    (void)state;
    size_t n = 0;
    for (; sim_scenario_event_names[n]; n++) {
        bool found = false;
        for (int k = 0; k < ENGINE_EV_COUNT; k++)
            found |= !strcmp(sim_scenario_event_names[n], engine_event_kind_name((engine_event_kind)k));
        if (!found)
            print_error("'%s' is not an engine event\n", sim_scenario_event_names[n]);
        assert_true(found);
    }
    assert_int_equal(n, ENGINE_EV_COUNT - 1); /* all but "note" */
}

/* The failover jobs the HTML report picks out are named exactly as the engine names jobs: a name
 * missing from the scenario format's list would never match, and a name matched in part (a
 * "Failover" inside another name) would pick the wrong jobs. Hand-made list of the expected ones:
 * every job of failing over and back, and no protection job. */
static void test_failover_job_names_are_engine_job_names(void **state)
{
    (void)state;
    size_t n = 0;
    for (size_t k = 0; sim_scenario_job_names[k]; k++)
        n += report_job_is_failover(sim_scenario_job_names[k]);
    assert_int_equal(n, 7);
    assert_true(report_job_is_failover("Unplanned Failover"));
    assert_true(report_job_is_failover("Commit"));
    assert_false(report_job_is_failover("Enable Protection"));
    assert_false(report_job_is_failover("Resynchronize"));
    /* Exact, not in part: a prefix or a different case is another name. */
    assert_false(report_job_is_failover("Failover"));
    assert_false(report_job_is_failover("Planned Failover (retry)"));
    assert_false(report_job_is_failover("commit"));
    assert_false(report_job_is_failover(NULL));
}

/* A run played in pieces (sim_live, as drsim serve plays it) is the run played in one go: the same
 * replication, jobs, failovers and summary. The pieces are 7m13s long, so they end between events
 * and on them; the example's timeline has a link outage and an unplanned failover of a plan. */
static void test_run_in_pieces_is_the_same_run(void **state)
{
    (void)state;
    drs_scenario *sc = load_example();
    sim_run_outcome whole;
    assert_true(sim_run_scenario(sc, &whole));
    report_results *pieces = report_results_new(sc);
    assert_non_null(pieces);
    sim_live *l = sim_live_new(sc, pieces);
    assert_non_null(l);
    int64_t step = (7 * 60 + 13) * INT64_C(1000000000), t = 0;
    size_t n = 0;
    while (!sim_live_finished(l)) {
        t += step;
        assert_int_equal(sim_live_advance(l, t), t < sc->duration_ns ? t : sc->duration_ns);
        n++;
    }
    /* 2 days / 7m13s = 399.1...: 400 pieces, the last one clipped to the end. */
    assert_int_equal(n, 400);
    assert_int_equal(sim_live_events(l), whole.events);
    assert_same_results(whole.results, pieces, NULL);
    assert_int_equal(report_results_job_count(pieces), report_results_job_count(whole.results));
    assert_int_equal(report_results_failover_count(pieces),
                     report_results_failover_count(whole.results));
    assert_true(report_results_failover_count(pieces) > 0);
    assert_int_equal(report_expect_evaluate(pieces, sc->expect, sc->expect_count) ? SIM_EXIT_OK
                                                                                  : SIM_EXIT_FAILED,
                     whole.exit_code);
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    FILE *fa = open_memstream(&a, &na), *fb = open_memstream(&b, &nb);
    report_summary_write(whole.results, fa);
    report_summary_write(pieces, fb);
    fclose(fa);
    fclose(fb);
    assert_string_equal(a, b);
    free(a);
    free(b);
    sim_live_free(l);
    report_results_free(pieces);
    report_results_free(whole.results);
    drs_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expectable_events_are_the_engine_events),
        cmocka_unit_test(test_failover_job_names_are_engine_job_names),
        cmocka_unit_test(test_same_seed_gives_identical_results),
        cmocka_unit_test(test_same_seed_same_operations),
        cmocka_unit_test(test_link_samples_never_exceed_what_the_link_carried),
        cmocka_unit_test(test_report_paths_checked_first_and_closed_pipe_keeps_the_run),
        cmocka_unit_test(test_unusable_databases_exit_2_and_foreign_ones_are_left_alone),
        cmocka_unit_test(test_invalid_scenario_exits_2_and_writes_no_run),
        cmocka_unit_test(test_two_runs_write_identical_rows),
        cmocka_unit_test(test_killed_run_leaves_an_incomplete_run),
        cmocka_unit_test(test_run_in_pieces_is_the_same_run),
    };
    return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
