/* tests/test_report_load.c — a stored run read back from the results database renders the very
 * summary, JUnit and HTML of the run itself; a run that did not finish says so; bad files and
 * unknown runs are refused; `drsim runs` lists runs in 100 columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "reports/reports.h"
#include "sim/run/run.h"
#include "tests/support/scratch.h"

#define EXAMPLE DRSIM_SOURCE_DIR "/scenarios/examples/two-site-basic.json"
#define S INT64_C(1000000000)

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* What an output function writes, as a string. */
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

static int setup_group(void **state)
{
    (void)state;
    if (!scratch_make("load"))
        return -1;
    /* The example, run in this process into a fresh database, its summary captured from stdout. */
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    FILE *out = fopen(scratch_path("run.txt"), "w");
    if (saved < 0 || !out)
        return -1;
    dup2(fileno(out), STDOUT_FILENO);
    sim_run_options opt = {.scenario_path = EXAMPLE,
                           .db_path = scratch_path("results.db"),
                           .html_path = scratch_path("run.html"),
                           .junit_path = scratch_path("run.xml")};
    int code = sim_run_file(&opt);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    fclose(out);
    return code == 0 ? 0 : -1;
}

static int teardown_group(void **state)
{
    (void)state;
    return scratch_remove() ? 0 : -1;
}

static void test_loaded_run_renders_identically(void **state)
{
    (void)state;
    drs_error err = {0};
    report_run_row row;
    report_results *r = report_db_load(scratch_path("results.db"), -1, &row, &err);
    assert_non_null(r);
    assert_string_equal(row.status, "complete");
    assert_int_equal(row.exit_code, 0);
    assert_int_equal(row.expect_failed, 0);
    assert_true(row.expect_passed > 10);

    char *want = slurp(scratch_path("run.txt")), *got = render(report_summary_write, r);
    assert_string_equal(got, want);
    free(want);
    free(got);
    want = slurp(scratch_path("run.xml"));
    got = render(report_junit_fprint, r);
    assert_string_equal(got, want);
    free(want);
    free(got);
    /* The page holds no wall-clock time, so it is byte for byte the same as well. */
    want = slurp(scratch_path("run.html"));
    got = render(report_html_fprint, r);
    assert_true(strlen(want) > 10000);
    assert_string_equal(got, want);
    free(want);
    free(got);

    /* The run's figures came back exactly, not approximately. */
    size_t n;
    const report_rpo_point *p = report_results_rpo_points(r, 0, &n);
    assert_true(n > 500);
    assert_true(p[n - 1].at_ns > 40 * 3600 * S);
    const report_link_sample *ls = report_results_link_samples(r, 0, &n);
    assert_int_equal(n, 2 * 24 * 60);
    double raw = 0, wire = 0;
    for (size_t i = 0; i < n; i++) {
        raw += ls[i].raw_bytes;
        wire += ls[i].wire_bytes;
    }
    assert_true(raw > 1.5 * wire); /* raw is before compression */
    assert_true(report_results_failover_count(r) >= 1);
    report_results_free(r);
}

static void test_incomplete_run_says_so(void **state)
{
    (void)state;
    /* A run begun and never ended, as a killed run leaves it. */
    drs_diags d = {0};
    drs_error err = {0};
    report_db *db = report_db_open(scratch_path("killed.db"), &err);
    assert_non_null(db);
    static drs_vm vms[] = {{.name = "sql-01"}};
    drs_scenario sc = {
        .name = "killed", .seed = 7, .duration_ns = 3600 * S, .vms = vms, .vm_count = 1};
    report_results *r = report_results_new(&sc);
    report_run_info info = {.scenario_name = "killed",
                            .scenario_sha256 = "00",
                            .seed = 7,
                            .drsim_version = "0.1.0",
                            .duration_ns = sc.duration_ns};
    int64_t id;
    assert_true(report_db_run_begin(db, &info, &id, &err));
    report_results_attach_db(r, db);
    engine_recorder rec = report_results_recorder(r);
    engine_job_info job = {
        .id = 1, .name = "Enable Protection", .vm = 0, .pair = -1, .site = -1, .subject = "sql-01"};
    rec.job_started(rec.ctx, &job, 0);
    report_db_flush(db, &err);
    report_db_close(db); /* no run_end: the row stays incomplete */
    report_results_free(r);
    drs_diags_clear(&d);

    report_run_row row;
    r = report_db_load(scratch_path("killed.db"), id, &row, &err);
    if (!r)
        fail_msg("%s", err.message);
    assert_string_equal(row.status, "incomplete");
    assert_int_equal(report_results_end_ns(r), -1);
    assert_int_equal(report_results_job_count(r), 1);
    assert_string_equal(report_results_vm(r, 0)->name, "sql-01");
    char *s = render(report_summary_write, r);
    assert_non_null(strstr(s, "the run did not finish"));
    free(s);
    /* CI must not read it as a pass: one error case. */
    s = render(report_junit_fprint, r);
    assert_non_null(strstr(s, "errors=\"1\""));
    assert_non_null(strstr(s, "<error type=\"incomplete\""));
    free(s);
    report_results_free(r);
}

static void test_bad_files_and_runs_are_refused(void **state)
{
    (void)state;
    drs_error err = {0};
    report_run_row *rows;
    size_t n;
    assert_null(report_db_load(scratch_path("missing.db"), -1, NULL, &err));
    assert_int_equal(err.code, DRS_EINPUT);
    assert_non_null(strstr(err.message, "no such results database"));
    assert_false(report_db_list_runs(scratch_path("missing.db"), &rows, &n, &err));

    FILE *f = fopen(scratch_path("text.db"), "w");
    fputs("this is not a database at all, just some words in a file\n", f);
    fclose(f);
    assert_null(report_db_load(scratch_path("text.db"), -1, NULL, &err));
    assert_int_equal(err.code, DRS_EINPUT);
    assert_non_null(strstr(err.message, "not a drsim results database"));

    sqlite3 *h;
    assert_int_equal(sqlite3_open(scratch_path("other.db"), &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "CREATE TABLE t (a)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    assert_null(report_db_load(scratch_path("other.db"), -1, NULL, &err));
    assert_non_null(strstr(err.message, "not a drsim results database"));
    assert_false(report_db_list_runs(scratch_path("other.db"), &rows, &n, &err));

    assert_null(report_db_load(scratch_path("results.db"), 99, NULL, &err));
    assert_int_equal(err.code, DRS_EINPUT);
    assert_non_null(strstr(err.message, "no run 99"));
}

/* Runs `drsim ARGS`, its stdout into *out; returns the exit code. */
static int drsim(const char *args, char **out)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' %s > '%s' 2> '%s'", DRSIM_BIN, args, scratch_path("out.txt"),
             scratch_path("err.txt"));
    int rc = system(cmd);
    *out = slurp(scratch_path("out.txt"));
    return WEXITSTATUS(rc);
}

static void test_commands(void **state)
{
    (void)state;
    char args[512], *out;
    snprintf(args, sizeof args, "runs '%s'", scratch_path("results.db"));
    assert_int_equal(drsim(args, &out), 0);
    /* A header and the one run, every line within 100 columns. */
    assert_non_null(strstr(out, "scenario"));
    assert_non_null(strstr(out, "two-site-basic"));
    assert_non_null(strstr(out, "complete"));
    char *line = out;
    int lines = 0;
    while (*line) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        assert_true(nl - line <= 100);
        line = nl + 1;
        lines++;
    }
    assert_int_equal(lines, 2);
    free(out);

    /* report prints the run's own summary. */
    snprintf(args, sizeof args, "report '%s' --run 1 --junit '%s'", scratch_path("results.db"),
             scratch_path("again.xml"));
    assert_int_equal(drsim(args, &out), 0);
    char *want = slurp(scratch_path("run.txt"));
    assert_string_equal(out, want);
    free(want);
    free(out);
    want = slurp(scratch_path("run.xml"));
    out = slurp(scratch_path("again.xml"));
    assert_string_equal(out, want);
    free(want);
    free(out);

    /* Errors: exit 2 with a message. */
    snprintf(args, sizeof args, "report '%s' --run 42", scratch_path("results.db"));
    assert_int_equal(drsim(args, &out), 2);
    free(out);
    out = slurp(scratch_path("err.txt"));
    assert_non_null(strstr(out, "no run 42"));
    free(out);
    snprintf(args, sizeof args, "runs '%s'", scratch_path("nothing-here.db"));
    assert_int_equal(drsim(args, &out), 2);
    free(out);
    /* An unfinished run is not a good run: exit 1. */
    snprintf(args, sizeof args, "report '%s'", scratch_path("killed.db"));
    assert_int_equal(drsim(args, &out), 1);
    assert_non_null(strstr(out, "did not finish"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loaded_run_renders_identically),
        cmocka_unit_test(test_incomplete_run_says_so),
        cmocka_unit_test(test_bad_files_and_runs_are_refused),
        cmocka_unit_test(test_commands),
    };
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
