/* tests/examples_check.c — the scenarios of scenarios/examples/ run as their README tells a user to
 * run them, and say what they are meant to say.
 *
 * One program, one CTest test per example (tests/CMakeLists.txt passes the test's name as the only
 * argument): the capacity plan from a block trace, the CI regression scenario and its JUnit file,
 * the failover rehearsal, and the fleet-sizing grid. Each checks the exit status and a value the
 * example exists to show, with how that value can be worked out by hand. */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXAMPLES DRSIM_SOURCE_DIR "/scenarios/examples"

typedef struct ex_result {
    int exit_code; /* -1: no normal exit (a crash) */
    char *out;     /* stdout and stderr */
} ex_result;

/* Runs `drsim ARGS` (ARGS already quoted for the shell) and collects its output. */
static ex_result ex_run(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", DRSIM_BIN, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, len = 0, got;
    char *buf = malloc(cap);
    assert_non_null(buf);
    while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (cap - len < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    buf[len] = '\0';
    int st = pclose(p);
    return (ex_result){WIFEXITED(st) ? WEXITSTATUS(st) : -1, buf};
}

static void ex_expect_exit(const ex_result *r, int code, const char *what)
{
    if (r->exit_code != code) {
        printf("%s", r->out);
        fail_msg("%s: exit %d, expected %d", what, r->exit_code, code);
    }
}

/* A duration as drsim prints it ("1h02m03s", "15m23s", "30.0s", "0ms"), in seconds; -1 if none. */
static double ex_seconds(const char *s)
{
    double total = 0;
    bool any = false;
    while (*s >= '0' && *s <= '9') {
        char *end;
        double v = strtod(s, &end);
        if (end[0] == 'm' && end[1] == 's') {
            total += v / 1000;
            end += 2;
        } else if (*end == 'd' || *end == 'h' || *end == 'm' || *end == 's') {
            total += v * (*end == 'd' ? 86400 : *end == 'h' ? 3600 : *end == 'm' ? 60 : 1);
            end++;
        } else {
            return -1;
        }
        any = true;
        s = end;
    }
    return any ? total : -1;
}

/* The line of out that starts with prefix (after leading spaces), or fails. */
static const char *ex_line(const char *out, const char *prefix)
{
    for (const char *line = out; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        const char *p = line;
        while (*p == ' ')
            p++;
        if (!strncmp(p, prefix, strlen(prefix)))
            return p;
    }
    printf("%s", out);
    fail_msg("no line starting with '%s'", prefix);
    return NULL;
}

/* The n-th whitespace-separated field (from 0) of the line at line, copied into buf. */
static const char *ex_field(const char *line, int n, char *buf, size_t size)
{
    const char *p = line;
    for (int i = 0;; i++) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " \n");
        if (i == n) {
            snprintf(buf, size, "%.*s", (int)len, p);
            return buf;
        }
        p += len;
    }
}

/* (1) Capacity plan from a block trace: which link keeps a 15-minute RPO? */
static void test_capacity_plan_trace(void **state)
{
    (void)state;
    ex_result r = ex_run("plan '" EXAMPLES "/capacity-plan-trace.json' --target-rpo 15m"
                         " --vary 'links[0].bandwidth=10Mbps..200Mbps' --after 6h --db - --jobs 2");
    ex_expect_exit(&r, 0, "capacity plan");
    /* By hand: each hour of traces/fileserver-1h.csv writes 2.52 GB, nearly all of it the
     * ten-minute copy job (2,400 writes of 1 MiB); three VMs replay it, and a compressibility of
     * 0.4 leaves 1/0.6 less on the wire: 4.5 GB per hour. To keep RPO p95 within 15 minutes
     * (above it for at most 3 minutes an hour) that burst must be across within about 20 minutes
     * of its start: 4.5e9 B * 8 / 1200 s = 30 Mbps. The mean alone (10 Mbps) would let the RPO
     * of every copy job climb for most of the hour, and 45 Mbps drains it in 13 minutes. */
    const char *answer = ex_line(r.out, "answer: links[0].bandwidth = ");
    double mbps = strtod(answer + strlen("answer: links[0].bandwidth = "), NULL);
    if (mbps < 24 || mbps > 40) {
        printf("%s", r.out);
        fail_msg("answer %.2f Mbps, expected about 30 (24 to 40)", mbps);
    }
    assert_non_null(strstr(answer, " Mbps"));
    /* The bracket's lower end misses by far: at 10 Mbps the backlog never drains. */
    char buf[64];
    const char *low = ex_line(r.out, "10 Mbps ");
    assert_true(ex_seconds(ex_field(low, 2, buf, sizeof buf)) > 3600);
    assert_non_null(strstr(low, "misses"));
    free(r.out);
}

/* (2) A CI regression scenario: exit 0 and a JUnit file with one test case per expectation; the
 * same file with a bound tightened below what the run gives fails with exit 1. */
static void test_ci_regression_junit(void **state)
{
    (void)state;
    char dir[] = "/tmp/drsim-example-ci-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char args[1024], junit[256];
    snprintf(junit, sizeof junit, "%s/results.xml", dir);
    snprintf(args, sizeof args, "run '" EXAMPLES "/ci-regression.json' --db - --junit '%s'", junit);
    ex_result r = ex_run(args);
    ex_expect_exit(&r, 0, "ci-regression");
    /* The 30-minute link outage at 8h stops every transfer: when the link is back, db-01's newest
     * point is at least 30 minutes old, and the cycle under way then (up to 5 minutes of changes)
     * must still cross: rpo.max after 3h is between 30 and 40 minutes. */
    char buf[64];
    const char *line = ex_line(r.out, "ok   rpo.max vm=db-01");
    double max_s = ex_seconds(ex_field(line, 7, buf, sizeof buf));
    if (max_s < 30 * 60 || max_s > 40 * 60)
        fail_msg("rpo.max of db-01 is '%s', expected 30 to 40 minutes", buf);
    free(r.out);

    /* Eight expectations, four of them about every VM ("*": db-01 and web-01 each): 4 + 4 x 2 =
     * 12 test cases, none failing. */
    FILE *f = fopen(junit, "r");
    assert_non_null(f);
    char xml[16384];
    size_t n = fread(xml, 1, sizeof xml - 1, f);
    xml[n] = '\0';
    fclose(f);
    assert_non_null(strstr(xml, "<testsuite name=\"ci-regression\" tests=\"12\" failures=\"0\""));
    size_t cases = 0;
    for (const char *p = xml; (p = strstr(p, "<testcase ")); p++)
        cases++;
    assert_int_equal(cases, 12);
    assert_non_null(strstr(xml, "name=\"expect[3] rpo.max vm=db-01 after 3h00m00s\""));

    /* A regression: the same scenario promising an rpo.max of 20 minutes fails that one case. */
    f = fopen(EXAMPLES "/ci-regression.json", "r");
    assert_non_null(f);
    char text[16384];
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    char *bound = strstr(text, "\"vm\": \"db-01\", \"max\": \"45m\"");
    assert_non_null(bound);
    memcpy(strstr(bound, "45m"), "20m", 3);
    char tight[256];
    snprintf(tight, sizeof tight, "%s/tight.json", dir);
    f = fopen(tight, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    snprintf(args, sizeof args, "run '%s' --db - --quiet --junit '%s'", tight, junit);
    r = ex_run(args);
    ex_expect_exit(&r, 1, "ci-regression with rpo.max <= 20m");
    assert_non_null(strstr(r.out, "rpo.max vm=db-01"));
    free(r.out);
    f = fopen(junit, "r");
    assert_non_null(f);
    n = fread(xml, 1, sizeof xml - 1, f);
    xml[n] = '\0';
    fclose(f);
    assert_non_null(strstr(xml, "tests=\"12\" failures=\"1\""));
    unlink(tight);
    unlink(junit);
    rmdir(dir);
}

/* (3) The failover rehearsal: a test failover with cleanup, then a planned failover of the plan,
 * verified and without loss. */
static void test_failover_rehearsal(void **state)
{
    (void)state;
    ex_result r = ex_run("run '" EXAMPLES "/failover-rehearsal.json' --db -");
    ex_expect_exit(&r, 0, "failover rehearsal");
    assert_non_null(strstr(r.out, "expectations: 20 passed, 0 failed"));
    /* The plan's groups one after the other: sql-01 boots (2m) and mount-databases runs (3m);
     * update-connection-strings (1m), app-01 and app-02 boot together (1m30s), warm-caches (2m);
     * web-01 boots (45s) and the test order is placed (5m): 15m15s. The test failover takes
     * exactly that; the planned one also sends the last changes first, which takes seconds. */
    char buf[64];
    const char *test = ex_line(r.out, "shop           test ");
    assert_true(ex_seconds(ex_field(test, 3, buf, sizeof buf)) == 15 * 60 + 15);
    assert_string_equal(ex_field(test, 7, buf, sizeof buf), "yes");
    const char *planned = ex_line(r.out, "shop           planned ");
    double rto = ex_seconds(ex_field(planned, 3, buf, sizeof buf));
    if (rto <= 15 * 60 + 15 || rto > 16 * 60)
        fail_msg("planned failover RTO '%s', expected just over 15m15s", buf);
    /* A planned failover loses nothing, and the replicas matched the primaries. */
    assert_string_equal(ex_field(planned, 4, buf, sizeof buf), "0ms");
    assert_string_equal(ex_field(planned, 7, buf, sizeof buf), "yes");
    assert_string_equal(ex_field(planned, 8, buf, sizeof buf), "succeeded");
    free(r.out);
}

/* (4) Fleet sizing: a grid of link bandwidths for each copy frequency. */
static void test_fleet_sizing_grid(void **state)
{
    (void)state;
    ex_result r = ex_run("plan '" EXAMPLES "/fleet-sizing.json' --target-rpo 15m --after 8h"
                         " --grid 'links[0].bandwidth=40Mbps,60Mbps,80Mbps,100Mbps'"
                         " --grid 'recovery.cloud_pairs[0].settings.copy_frequency=30s,5m,15m'"
                         " --db - --jobs 2");
    ex_expect_exit(&r, 0, "fleet sizing");
    /* 4 x 3 = 12 runs. At 40 Mbps the office peak alone (four VMs at 1.2 MB/s, compressed by
     * 0.6 to 0.48 MB/s each: 15 Mbps) plus the OLTP VMs (four at 0.6 MB/s, halved: 9.6 Mbps) and
     * the batch bursts (four at 4 MB/s for 15 minutes, compressed by 0.3: 90 Mbps) leave a
     * backlog that takes hours to clear, whatever the copy frequency. */
    char buf[64];
    const char *freqs[] = {"30.0s", "5m00s", "15m00s"};
    for (size_t i = 0; i < 3; i++) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "40 Mbps             %s ", freqs[i]);
        const char *line = ex_line(r.out, prefix);
        assert_non_null(strstr(line, "misses"));
        assert_true(ex_seconds(ex_field(line, 3, buf, sizeof buf)) > 3600);
    }
    /* Each frequency gets the smallest bandwidth that meets 15 minutes. With 15-minute copies the
     * RPO climbs to 15 minutes by itself between cycles, so only a link that sends each cycle
     * within seconds keeps p95 below 15m: it needs more bandwidth than 30 s or 5 min copies. */
    const char *p = "  recovery.cloud_pairs[0].settings.copy_frequency=";
    char want[128];
    double answer[3];
    const char *names[] = {"30s: ", "5m: ", "15m: "};
    for (size_t i = 0; i < 3; i++) {
        snprintf(want, sizeof want, "%s%s", p + 2, names[i]);
        const char *line = ex_line(r.out, want);
        answer[i] = strtod(line + strlen(want), NULL);
    }
    if (!(answer[0] >= 60 && answer[0] <= 80 && answer[1] >= 60 && answer[1] <= 80 &&
          answer[2] > answer[1] && answer[2] <= 100)) {
        printf("%s", r.out);
        fail_msg("answers %g, %g, %g Mbps: expected 60-80, 60-80, and more than the 5m one",
                 answer[0], answer[1], answer[2]);
    }
    free(r.out);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capacity_plan_trace),
        cmocka_unit_test(test_ci_regression_junit),
        cmocka_unit_test(test_failover_rehearsal),
        cmocka_unit_test(test_fleet_sizing_grid),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
