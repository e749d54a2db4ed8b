/* tests/test_cli.c — the command line as a user meets it, through the drsim binary: the summary
 * fits 80 columns and opens with the fleet, a large fleet shows its worst VMs (--all every one),
 * options read by getopt_long ("--db=FILE", "--", "-" for standard input), --json on run, report,
 * runs and plan (parsed back with jansson and checked against the database), and plan's progress
 * line, shown on a terminal only; no colour, even on a terminal. */
#define _DEFAULT_SOURCE   /* forkpty */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pty.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/scratch.h"
#include "tests/support/text.h"

#define EXAMPLE DRSIM_SOURCE_DIR "/scenarios/examples/two-site-basic.json"
#define PLAN_SCENARIO DRSIM_SOURCE_DIR "/tests/data/plan_one_vm.json"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    size_t got = fread(b, 1, (size_t)n, f);
    b[got] = '\0';
    fclose(f);
    return b;
}

/* Runs `drsim ARGS` in the scratch folder (args already quoted for the shell), stdout and stderr
 * into *out and *err (either may be NULL: thrown away), standard input from in (NULL: none).
 * Returns the exit status. */
__attribute__((format(printf, 4, 5))) static int drsim(char **out, char **err, const char *in,
                                                       const char *fmt, ...)
{
    char args[4096], cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    char o[1024], e[1024];
    snprintf(o, sizeof o, "%s", scratch_path("stdout"));
    snprintf(e, sizeof e, "%s", scratch_path("stderr"));
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s <'%s' >'%s' 2>'%s'", scratch_dir(), DRSIM_BIN,
             args, in ? in : "/dev/null", o, e);
    int st = system(cmd);
    assert_true(st != -1 && WIFEXITED(st));
    if (out)
        *out = slurp(o);
    if (err)
        *err = slurp(e);
    return WEXITSTATUS(st);
}

/* ---- the summary ------------------------------------------------------------------------------
 */

static void test_example_summary_fits_80_columns(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(drsim(&out, NULL, NULL, "run '%s' --db -", EXAMPLE), 0);
    text_assert_fits_80(out);
    /* The fleet right after the run's line: the example's four VMs all end in warning (each has
     * missed cycles while the link was down), and batch-01 has the worst RPO p95 (4m56s) and
     * maximum (1h02m52s; the README's table). */
    const char *second = strchr(out, '\n') + 1;
    assert_int_equal(strncmp(second,
                             "fleet: 4 VMs: 0 normal, 4 warning, 0 critical, 0 not "
                             "protected\nworst RPO: p95 4m56s (batch-01), max 1h02m52s "
                             "(batch-01)\n",
                             strlen("fleet: 4 VMs: 0 normal, 4 warning, 0 critical, 0 not "
                                    "protected\nworst RPO: p95 4m56s (batch-01), max 1h02m52s "
                                    "(batch-01)\n")),
                     0);
    free(out);
}

/* The example with 200 VMs for four hours: copies of web-01 (with 1 GiB used) named vm-000 to
 * vm-199, every fifth in katakana (two columns a character), all protected at 30 min, over a
 * 1 Gbps link (the base copies take about half an hour); no plan, timeline or expectations.
 * Written into the scratch folder as fleet.json. */
static void write_fleet(void)
{
    json_error_t e;
    json_t *sc = json_load_file(EXAMPLE, 0, &e);
    assert_non_null(sc);
    json_t *vms = json_object_get(sc, "vms"), *web = json_deep_copy(json_array_get(vms, 1));
    json_t *many = json_array(), *protect = json_array();
    for (int i = 0; i < 200; i++) {
        char name[48];
        snprintf(name, sizeof name, i % 5 ? "vm-%03d" : "\xe3\x83\x87\xe3\x83\xbc\xe3\x82\xbf-%03d",
                 i);
        json_t *v = json_deep_copy(web);
        json_object_set_new(v, "name", json_string(name));
        json_object_set_new(json_array_get(json_object_get(v, "disks"), 0), "used",
                            json_string("1GiB"));
        json_array_append_new(many, v);
        json_array_append_new(protect, json_pack("{s:s, s:s}", "vm", name, "at", "30m"));
    }
    json_decref(web);
    json_object_set_new(sc, "vms", many);
    json_t *rec = json_object_get(sc, "recovery");
    json_object_set_new(rec, "protect", protect);
    json_object_del(rec, "recovery_plans");
    json_object_del(sc, "timeline");
    json_object_del(sc, "expect");
    json_object_set_new(sc, "duration", json_string("4h"));
    json_object_set_new(json_array_get(json_object_get(sc, "links"), 0), "bandwidth",
                        json_string("1Gbps"));
    json_object_set_new(sc, "fidelity", json_string("fluid"));
    json_object_set_new(sc, "name", json_string("fleet-200"));
    assert_int_equal(json_dump_file(sc, scratch_path("fleet.json"), JSON_INDENT(1)), 0);
    json_decref(sc);
}

static void test_fleet_summary_lists_the_worst(void **state)
{
    (void)state;
    write_fleet();
    char *out, *err;
    int rc = drsim(&out, &err, NULL, "run fleet.json --db fleet.db");
    if (rc != 0)
        fail_msg("exit %d: %s", rc, err);
    size_t lines = text_assert_fits_80(out);
    if (lines > 70)
        fail_msg("%zu lines:\n%s", lines, out);
    assert_non_null(strstr(out, "\nfleet: 200 VMs: "));
    assert_non_null(strstr(out, "\n\xe2\x80\xa6 and 190 more; --all to list every VM\n"));
    /* Ten VM rows in the VM table: count the rows between its header and the count line. */
    const char *t = strstr(out, "\nVM "), *end = strstr(t, "\xe2\x80\xa6 and 190 more");
    size_t rows = 0;
    for (const char *p = strchr(t + 1, '\n'); p && p < end - 1; p = strchr(p + 1, '\n'))
        rows++;
    assert_int_equal(rows, 10);
    free(out);
    free(err);

    /* report shows the same; with --all every VM: 200 rows in the VM table and 200 in the
     * recovery points', each a VM's name at the start of a line. */
    assert_int_equal(drsim(&out, NULL, NULL, "report fleet.db --all"), 0);
    text_assert_fits_80(out);
    assert_null(strstr(out, "more; --all"));
    size_t named = text_count(out, "\nvm-") + text_count(out, "\n\xe3\x83\x87\xe3\x83\xbc\xe3\x82\xbf-");
    assert_int_equal(named, 400);
    free(out);
    assert_int_equal(drsim(&out, NULL, NULL, "run fleet.json --db - --all"), 0);
    assert_int_equal(text_count(out, "\nvm-") + text_count(out, "\n\xe3\x83\x87\xe3\x83\xbc\xe3\x82\xbf-"),
                     400);
    free(out);
}

/* ---- options ----------------------------------------------------------------------------------
 */

static bool exists(const char *name)
{
    struct stat st;
    return stat(scratch_path(name), &st) == 0;
}

static void test_options_getopt_long(void **state)
{
    (void)state;
    char *out, *err;
    /* --db=FILE and --db FILE, before or after the scenario. */
    assert_int_equal(drsim(NULL, NULL, NULL, "run --db=eq.db --quiet '%s'", EXAMPLE), 0);
    assert_true(exists("eq.db"));
    assert_int_equal(drsim(NULL, NULL, NULL, "run '%s' --quiet --db sp.db", EXAMPLE), 0);
    assert_true(exists("sp.db"));
    assert_int_equal(drsim(&out, NULL, NULL, "runs --json=x sp.db"), 2);
    free(out);

    /* "--" ends the options: a scenario whose name starts with a dash. */
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", EXAMPLE, scratch_path("-dash.json"));
    assert_int_equal(system(cmd), 0);
    assert_int_equal(drsim(&out, &err, NULL, "validate -- -dash.json"), 0);
    assert_non_null(strstr(out, "-dash.json: valid"));
    free(out);
    free(err);
    assert_int_equal(drsim(NULL, NULL, NULL, "run --quiet --db=dash.db -- -dash.json"), 0);
    assert_true(exists("dash.db"));

    /* "-": the scenario from standard input, for validate and run. Without --db the run is not
     * stored (there is no path to put a database beside), and stderr says so. */
    assert_int_equal(drsim(&out, NULL, EXAMPLE, "validate -"), 0);
    assert_non_null(strstr(out, "-: valid (0 warnings)"));
    free(out);
    assert_int_equal(drsim(&out, &err, EXAMPLE, "run -"), 0);
    assert_non_null(strstr(out, "\nfleet: 4 VMs"));
    assert_non_null(strstr(err, "not stored"));
    assert_false(exists("-.db"));
    free(out);
    free(err);
    assert_int_equal(drsim(NULL, NULL, EXAMPLE, "run - --quiet --db stdin.db"), 0);
    assert_int_equal(drsim(&out, NULL, NULL, "runs stdin.db"), 0);
    assert_non_null(strstr(out, "two-site-basic"));
    text_assert_fits_80(out); /* the list of runs too */
    free(out);

    /* Mistakes name the command and exit 2. */
    static const struct {
        const char *args, *says;
    } bad[] = {
        {"run --bogus x.json", "drsim run: unknown option '--bogus'"},
        {"run x.json --db", "drsim run: --db needs a value"},
        {"run x.json --db=", "drsim run: --db needs a value"},
        {"run --quiet=yes x.json", "drsim run: option '--quiet' takes no value"},
        {"report -x r.db", "drsim report: unknown option '-x'"},
        {"runs --json", "drsim runs: which results database?"},
        {"plan --jobs=0 x.json", "drsim plan: --jobs: expected a whole number"},
        {"swarm --seeds= x.json", "drsim swarm: --seeds needs a value"},
        {"serve --port=70000 x.json", "drsim serve: --port: expected 0 to 65535"},
        {"merge --all out.db in.db", "drsim merge: unknown option '--all'"},
        {"validate a.json b.json", "drsim validate: one scenario at a time"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = drsim(NULL, &err, NULL, "%s", bad[i].args);
        if (rc != 2 || !strstr(err, bad[i].says))
            fail_msg("drsim %s: exit %d, stderr: %s (wanted \"%s\")", bad[i].args, rc, err,
                     bad[i].says);
        free(err);
    }
    /* --version still answers. */
    assert_int_equal(drsim(&out, NULL, NULL, "--version"), 0);
    assert_int_equal(strncmp(out, "drsim ", 6), 0);
    free(out);
}

/* ---- --json -----------------------------------------------------------------------------------
 */

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e); /* the whole of stdout: nothing else may be there */
    if (!j)
        fail_msg("not JSON (%s at line %d): %s", e.text, e.line, text);
    return j;
}

/* The metrics table's value of a VM metric of run `run` in database db; NAN when none. */
static double db_metric(const char *db, long long run, const char *vm, const char *metric)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open_v2(scratch_path(db), &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(h,
                                        "SELECT value FROM metrics WHERE run = ?1 AND scope = 'vm' "
                                        "AND subject = ?2 AND name = ?3",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(s, 1, run);
    sqlite3_bind_text(s, 2, vm, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, metric, -1, SQLITE_STATIC);
    double v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_double(s, 0) : NAN;
    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

static void test_json_run_report_runs(void **state)
{
    (void)state;
    char *out, *err;
    /* Two runs into one database: the second's id is 2. */
    assert_int_equal(drsim(NULL, NULL, NULL, "run '%s' --quiet --db j.db --seed 7", EXAMPLE), 0);
    assert_int_equal(drsim(&out, &err, NULL, "run '%s' --json --db j.db", EXAMPLE), 0);
    json_t *run = parse(out);
    free(out);
    free(err);
    assert_int_equal(json_integer_value(json_object_get(run, "run")), 2);
    assert_string_equal(json_string_value(json_object_get(run, "status")), "complete");
    assert_int_equal(json_integer_value(json_object_get(run, "exit_code")), 0);
    assert_string_equal(json_string_value(json_object_get(run, "exit_meaning")),
                        "every expectation held");
    assert_int_equal(json_integer_value(json_object_get(run, "seed")), 42);
    json_t *vms = json_object_get(run, "vms");
    assert_int_equal(json_array_size(vms), 4);
    json_t *fleet = json_object_get(run, "fleet");
    assert_int_equal(json_integer_value(json_object_get(fleet, "vms")), 4);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(fleet, "health"), "warning")), 4);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(fleet, "worst_rpo_p95"), "vm")),
        "batch-01");
    /* The example's 18 expectations hold. */
    json_t *ex = json_object_get(run, "expectations");
    assert_int_equal(json_integer_value(json_object_get(ex, "passed")), 18);
    assert_int_equal(json_array_size(json_object_get(ex, "results")), 18);
    /* Every VM's RPO p95 is the very number of the metrics table of run 2. */
    for (size_t i = 0; i < 4; i++) {
        json_t *v = json_array_get(vms, i);
        const char *name = json_string_value(json_object_get(v, "name"));
        double got = json_real_value(json_object_get(json_object_get(v, "metrics"), "rpo.p95"));
        double want = db_metric("j.db", 2, name, "rpo.p95");
        if (!(got == want))
            fail_msg("%s: rpo.p95 %.17g in JSON, %.17g in the database", name, got, want);
    }
    /* sql-01 sent at least as many raw bytes as wire bytes (compression), both above zero. */
    json_t *m0 = json_object_get(json_array_get(vms, 0), "metrics");
    assert_true(json_number_value(json_object_get(m0, "bytes.wire")) > 0);
    assert_true(json_number_value(json_object_get(m0, "bytes.raw")) >
                json_number_value(json_object_get(m0, "bytes.wire")));

    /* report --json of run 2: the same run, the same figures. */
    assert_int_equal(drsim(&out, NULL, NULL, "report j.db --run 2 --json"), 0);
    json_t *rep = parse(out);
    free(out);
    assert_int_equal(json_integer_value(json_object_get(rep, "run")), 2);
    assert_true(json_equal(json_object_get(rep, "vms"), vms));
    assert_true(json_equal(json_object_get(rep, "fleet"), fleet));
    /* run 1 had seed 7. */
    assert_int_equal(drsim(&out, NULL, NULL, "report --json --run=1 j.db"), 0);
    json_t *rep1 = parse(out);
    free(out);
    assert_int_equal(json_integer_value(json_object_get(rep1, "seed")), 7);
    json_decref(rep1);

    /* runs --json: both runs, in order. */
    assert_int_equal(drsim(&out, NULL, NULL, "runs --json j.db"), 0);
    json_t *runs = parse(out);
    free(out);
    json_t *list = json_object_get(runs, "runs");
    assert_int_equal(json_array_size(list), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "seed")), 7);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 1), "id")), 2);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(list, 1), "expectations_passed")), 18);
    json_decref(runs);
    json_decref(rep);
    json_decref(run);
}

/* An expectation that fails: the example's rpo.p95 bound cut from 15m to 4m53s. Of the four VMs'
 * p95s (sql-01 4m55s, web-01 4m52s, app-01 4m52s, batch-01 4m56s) two now fail. The scenario comes
 * from standard input; --json still prints the whole result, and the exit status is 1. */
static void test_json_failed_expectation(void **state)
{
    (void)state;
    json_error_t e;
    json_t *sc = json_load_file(EXAMPLE, 0, &e);
    assert_non_null(sc);
    json_object_set_new(json_array_get(json_object_get(sc, "expect"), 1), "max",
                        json_string("4m53s"));
    assert_int_equal(json_dump_file(sc, scratch_path("tight.json"), 0), 0);
    json_decref(sc);
    char *out, *err;
    assert_int_equal(drsim(&out, &err, scratch_path("tight.json"), "run - --json --db tight.db"),
                     1);
    json_t *run = parse(out);
    assert_string_equal(json_string_value(json_object_get(run, "status")), "failed");
    assert_int_equal(json_integer_value(json_object_get(run, "exit_code")), 1);
    assert_string_equal(json_string_value(json_object_get(run, "exit_meaning")),
                        "an expectation failed");
    json_t *ex = json_object_get(run, "expectations");
    assert_int_equal(json_integer_value(json_object_get(ex, "failed")), 2);
    assert_int_equal(json_integer_value(json_object_get(ex, "passed")), 16);
    json_t *res = json_object_get(ex, "results");
    size_t i;
    json_t *x;
    size_t failing = 0;
    json_array_foreach(res, i, x)
    {
        if (json_is_false(json_object_get(x, "pass"))) {
            const char *name = json_string_value(json_object_get(x, "name"));
            assert_true(!strcmp(name, "rpo.p95 vm=sql-01") || !strcmp(name, "rpo.p95 vm=batch-01"));
            failing++;
        }
    }
    assert_int_equal(failing, 2);
    json_decref(run);
    free(out);
    free(err);
    /* The same run's summary, from the database, lists the two failures. */
    assert_int_equal(drsim(&out, NULL, NULL, "report tight.db"), 1);
    assert_non_null(strstr(out, "expectations: 16 passed, 2 failed"));
    assert_int_equal(text_count(out, "\n  FAIL "), 2);
    free(out);
}

static void test_json_plan(void **state)
{
    (void)state;
    char *out, *err;
    /* A sweep of three bandwidths of the one-VM planning scenario against 15 minutes. */
    int rc = drsim(&out, &err, NULL,
                   "plan '%s' --target-rpo 15m --grid 'links[0].bandwidth=2Mbps,8Mbps,100Mbps' "
                   "--db plan.db --jobs 2 --json",
                   PLAN_SCENARIO);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, err);
    json_t *p = parse(out);
    free(out);
    /* Not a terminal: no progress line either. */
    assert_null(strchr(err, '\r'));
    free(err);
    json_t *pts = json_object_get(p, "points");
    assert_int_equal(json_array_size(pts), 3);
    assert_int_equal(json_integer_value(json_object_get(p, "target_rpo_ns")), 900000000000LL);
    /* The answer is the smallest bandwidth that meets: the README's bisection of this scenario
     * puts the boundary near 7.7 Mbps, so 8 Mbps (1,000,000 B/s). */
    json_t *ans = json_object_get(p, "answer");
    assert_true(json_is_object(ans));
    assert_true(json_real_value(json_object_get(ans, "value")) == 1e6);
    for (size_t i = 0; i < 3; i++) {
        json_t *pt = json_array_get(pts, i);
        double rpo = json_is_real(json_object_get(pt, "rpo_ns"))
                         ? json_real_value(json_object_get(pt, "rpo_ns"))
                         : INFINITY;
        bool meets = json_is_true(json_object_get(pt, "meets"));
        assert_true(meets == (rpo <= 900e9));
        assert_true(meets == (i > 0)); /* 2 Mbps misses, 8 and 100 meet */
        /* Its run is in the database, with the worst VM's p95 as the point says. */
        long long id = json_integer_value(json_object_get(pt, "run"));
        assert_int_equal(id, (long long)i + 1);
        if (meets)
            assert_true(db_metric("plan.db", id, "db-01", "rpo.p95") == rpo);
    }
    json_decref(p);
}

/* ---- plan's progress line ---------------------------------------------------------------------
 */

/* drsim with args on a pseudo-terminal: everything it writes there (stdout and stderr both) in
 * *out. Returns the exit status. */
static int on_terminal(char *const args[], char **out)
{
    int fd;
    pid_t pid = forkpty(&fd, NULL, NULL, NULL);
    assert_true(pid >= 0);
    if (pid == 0) {
        execv(DRSIM_BIN, args);
        _exit(127);
    }
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        if (cap - len < 4096) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) /* EIO once the child has gone */
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    close(fd);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    *out = buf;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_plan_progress_only_on_a_terminal(void **state)
{
    (void)state;
    char *out, *err;
    /* stderr to a file: no progress line. */
    assert_int_equal(drsim(&out, &err, NULL,
                           "plan '%s' --target-rpo 15m --db - --jobs 2 "
                           "--grid 'links[0].bandwidth=2Mbps,8Mbps'",
                           PLAN_SCENARIO),
                     0);
    assert_null(strchr(err, '\r'));
    assert_null(strstr(err, "runs,"));
    assert_null(strstr(out, "plan: "));
    free(out);
    free(err);
    /* On a terminal: the line is rewritten after each run; the last says 2 of 2. */
    char *tty;
    char *const args[] = {DRSIM_BIN,
                          "plan",
                          PLAN_SCENARIO,
                          "--target-rpo",
                          "15m",
                          "--db",
                          "-",
                          "--jobs",
                          "2",
                          "--grid",
                          "links[0].bandwidth=2Mbps,8Mbps",
                          NULL};
    assert_int_equal(on_terminal(args, &tty), 0);
    if (!strstr(tty, "\rplan: 0 of 2 runs") || !strstr(tty, "\rplan: 2 of 2 runs, "))
        fail_msg("no progress line:\n%s", tty);
    assert_non_null(strstr(tty, " left"));
    free(tty);
}

/* No colour, even on a terminal (so NO_COLOR has nothing to turn off): run, with its progress
 * line, and plan print no escape sequence, whatever the environment says. */
static void test_no_colour_on_a_terminal(void **state)
{
    (void)state;
    char *tty;
    unsetenv("NO_COLOR");
    setenv("TERM", "xterm-256color", 1);
    char *const run[] = {DRSIM_BIN, "run", EXAMPLE, "--db", "-", NULL};
    assert_int_equal(on_terminal(run, &tty), 0);
    assert_non_null(strstr(tty, "fleet: 4 VMs"));
    assert_null(strchr(tty, '\x1b'));
    free(tty);
    char *const report[] = {DRSIM_BIN, "report", (char *)scratch_path("j.db"), NULL};
    assert_int_equal(on_terminal(report, &tty), 0);
    assert_null(strchr(tty, '\x1b'));
    free(tty);
}

static int setup(void **state)
{
    (void)state;
    return scratch_make("cli") ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return scratch_remove() ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_summary_fits_80_columns),
        cmocka_unit_test(test_fleet_summary_lists_the_worst),
        cmocka_unit_test(test_options_getopt_long),
        cmocka_unit_test(test_json_run_report_runs),
        cmocka_unit_test(test_json_failed_expectation),
        cmocka_unit_test(test_json_plan),
        cmocka_unit_test(test_plan_progress_only_on_a_terminal),
        cmocka_unit_test(test_no_colour_on_a_terminal),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
