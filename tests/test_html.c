/* tests/test_html.c — the HTML report: one self-contained page with every chart, every name
 * escaped, nothing fetched, series reduced without losing their peaks; and, when Chromium is
 * installed, the page rendered headless with every chart drawn and no console error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "reports/reports.h"
#include "tests/support/scenario_fixture.h"
#include "tests/support/text.h"

#define S DRS_NS_PER_S
#define MIN FIXTURE_MIN
#define HOUR FIXTURE_HOUR
#define DAY FIXTURE_DAY

/* A name with every character HTML gives a meaning to. */
#define ODD_VM "sql<&>\"01'"
#define ODD_VM_ESCAPED "sql&lt;&amp;&gt;&quot;01&#39;"

/* ---- a synthetic run
 * -------------------------------------------------------------------------------- The fixture
 * scenario (two VMs over link "wan", plan "erp"), VM 0 renamed ODD_VM, run for one day: VM 0: a
 * cycle captured every 5 minutes, applied 40 s later (288 points: drawn exactly). VM 1: a cycle
 * captured every 30 s, applied 10 s later, except that nothing is captured between 13h and 13h20m
 * (2,841 points: more than the page draws, so the series is reduced). Its peak RPO is just before
 * the point captured at 13h20m is applied at 13h20m10s, when the newest point is still the one
 * captured at 13h: 20m10s. wan: a sample a minute, 10 MB/s on the wire, capacity 25 MB/s, down from
 * 6h to 6h30m. Jobs: Enable Protection per VM, a Planned Failover with three steps, a failed Test
 * Failover whose reason holds markup; a failover record for plan erp; a diag with markup. */

static drs_scenario *sc;
static report_results *res;

static void feed(report_results *r)
{
    engine_recorder rec = report_results_recorder(r);
    for (int vm = 0; vm < 2; vm++) {
        engine_job_info job = {.id = (uint64_t)vm + 1,
                               .name = "Enable Protection",
                               .vm = vm,
                               .pair = 0,
                               .site = 0,
                               .subject = sc->vms[vm].name};
        rec.job_started(rec.ctx, &job, 30 * MIN);
        rec.job_step(rec.ctx, job.id, "Prerequisites check", ENGINE_JOB_SUCCEEDED, 30 * MIN);
        rec.job_step(rec.ctx, job.id, "Initial replication", ENGINE_JOB_IN_PROGRESS, 31 * MIN);
        rec.job_ended(rec.ctx, job.id, ENGINE_JOB_SUCCEEDED, "", 2 * HOUR);
        engine_ir_info ir = {.vm = vm,
                             .method = "network",
                             .requested_ns = 30 * MIN,
                             .start_ns = 31 * MIN,
                             .end_ns = 2 * HOUR,
                             .raw_bytes = 40ull << 30,
                             .wire_bytes = 20ull << 30};
        rec.initial_replication(rec.ctx, &ir);
    }
    for (int64_t t = 2 * HOUR; t + 40 * S <= DAY; t += 5 * MIN) {
        engine_cycle_info cy = {.vm = 0,
                                .captured_ns = t,
                                .sent_ns = t,
                                .applied_ns = t + 40 * S,
                                .raw_bytes = 600u << 20,
                                .wire_bytes = 300u << 20};
        rec.cycle(rec.ctx, &cy);
        rec.rpo_point(rec.ctx, 0, t + 40 * S, t);
    }
    for (int64_t t = 2 * HOUR; t + 10 * S <= DAY; t += 30 * S) {
        if (t > 13 * HOUR && t < 13 * HOUR + 20 * MIN)
            continue;
        rec.rpo_point(rec.ctx, 1, t + 10 * S, t);
    }
    /* VM 1 is in warning while its RPO is over the gap. */
    rec.health(rec.ctx, 1, ENGINE_HEALTH_NORMAL, ENGINE_HEALTH_WARNING, 13 * HOUR + 15 * MIN);
    rec.health(rec.ctx, 1, ENGINE_HEALTH_WARNING, ENGINE_HEALTH_NORMAL, 13 * HOUR + 21 * MIN);
    for (int64_t t = MIN; t <= DAY; t += MIN) {
        bool down = t > 6 * HOUR && t <= 6 * HOUR + 30 * MIN;
        report_results_add_link_sample(r, 0, t, MIN, down ? 0 : 1.2e9, down ? 0 : 600e6,
                                       down ? 0 : 25e6);
    }
    engine_job_info fo = {
        .id = 3, .name = "Planned Failover", .vm = -1, .pair = 0, .site = 1, .subject = "erp"};
    rec.job_started(rec.ctx, &fo, 20 * HOUR);
    rec.job_step(rec.ctx, 3, "Shut down the primary VMs", ENGINE_JOB_SUCCEEDED, 20 * HOUR);
    rec.job_step(rec.ctx, 3, "Synchronize the last changes", ENGINE_JOB_SUCCEEDED,
                 20 * HOUR + 2 * MIN);
    rec.job_step(rec.ctx, 3, "Start the replica VMs", ENGINE_JOB_SUCCEEDED, 20 * HOUR + 5 * MIN);
    rec.job_ended(rec.ctx, 3, ENGINE_JOB_SUCCEEDED, "", 20 * HOUR + 9 * MIN);
    engine_job_info tf = {
        .id = 4, .name = "Test Failover", .vm = 1, .pair = 0, .site = 1, .subject = "web-01"};
    rec.job_started(rec.ctx, &tf, 19 * HOUR);
    rec.job_ended(rec.ctx, 4, ENGINE_JOB_FAILED, "<script>alert(1)</script> no network",
                  19 * HOUR + MIN);
    report_failover f = {.kind = ENGINE_FO_PLANNED,
                         .plan = 0,
                         .vm = -1,
                         .started_ns = 20 * HOUR,
                         .ended_ns = 20 * HOUR + 9 * MIN,
                         .succeeded = true,
                         .failure_ns = -1,
                         .rp_captured_ns = -1,
                         .data_loss_ns = 0,
                         .verified = true};
    report_results_add_failover(r, &f);
    drs_diags d = {0};
    drs_diags_add(&d, DRS_SEV_WARNING, 7, "recovery.cloud_pairs[0]", "port <b>8084</b> & more");
    report_results_add_diags(r, &d);
    drs_diags_clear(&d);
}

static int setup(void **state)
{
    (void)state;
    sc = scenario_fixture_new();
    free(sc->vms[0].name);
    sc->vms[0].name = scenario_fixture_strdup(ODD_VM);
    res = report_results_new(sc);
    assert_non_null(res);
    feed(res);
    report_results_finish(res, DAY);
    /* RPO of VM 0 peaks at 5m40s (interval + lag), within 15m; VM 1 peaks at 20m10s, over 15m. VM 1
     * is above 10m from 13h10m to 13h20m10s: 10m10s, within 30m. */
    drs_expect ex[3] = {
        {.kind = DRS_EXPECT_METRIC,
         .path = "expect[0]",
         .name = "rpo.max",
         .scope = DRS_SCOPE_VM,
         .target = ODD_VM,
         .unit = DRS_UNIT_DURATION,
         .has_max = true,
         .max = (double)(15 * MIN)},
        {.kind = DRS_EXPECT_METRIC,
         .path = "expect[1]",
         .name = "rpo.max",
         .scope = DRS_SCOPE_VM,
         .target = "web-01",
         .unit = DRS_UNIT_DURATION,
         .has_max = true,
         .max = (double)(15 * MIN)},
        {.kind = DRS_EXPECT_METRIC,
         .path = "expect[2]",
         .name = "rpo.time_above",
         .scope = DRS_SCOPE_VM,
         .target = "web-01",
         .unit = DRS_UNIT_DURATION,
         .threshold_ns = 10 * MIN,
         .has_max = true,
         .max = (double)(30 * MIN)},
    };
    assert_false(report_expect_evaluate(res, ex, 3));
    /* To look at the page: DRSIM_HTML_SAMPLE=/tmp/sample.html tests/test_html */
    const char *keep = getenv("DRSIM_HTML_SAMPLE");
    drs_error err = {0};
    if (keep && !report_html_write(res, keep, &err))
        fail_msg("%s", err.message);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    report_results_free(res);
    scenario_fixture_free(sc);
    return 0;
}

/* The page as a string (caller frees). */
static char *render(const report_results *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    report_html_fprint(r, m);
    assert_int_equal(fclose(m), 0);
    return buf;
}

/* Opening tags "<name>" or "<name " against closing "</name>". */
static void assert_balanced(const char *html, const char *name)
{
    char open1[32], open2[32], close[32];
    snprintf(open1, sizeof open1, "<%s>", name);
    snprintf(open2, sizeof open2, "<%s ", name);
    snprintf(close, sizeof close, "</%s>", name);
    size_t opened = text_count(html, open1) + text_count(html, open2), closed = text_count(html, close);
    if (opened != closed)
        fail_msg("<%s>: %zu opened, %zu closed", name, opened, closed);
}

static void assert_contains(const char *html, const char *s)
{
    if (!strstr(html, s))
        fail_msg("the page lacks: %s", s);
}

/* The text of the SVG element with this id (up to its closing tag); caller frees. */
static char *svg_by_id(const char *html, const char *id)
{
    char key[64];
    snprintf(key, sizeof key, "<svg id=\"%s\"", id);
    const char *a = strstr(html, key);
    if (!a)
        fail_msg("no <svg id=\"%s\">", id);
    const char *b = strstr(a, "</svg>");
    assert_non_null(b);
    return strndup(a, (size_t)(b - a));
}

/* Vertices of the first path of class cls in svg, and the smallest y among them (the highest point
 * on screen: SVG's y grows downwards). */
static size_t path_vertices(const char *svg, const char *cls, double *min_y)
{
    char key[64];
    snprintf(key, sizeof key, "<path class=\"%s\" d=\"", cls);
    const char *p = strstr(svg, key);
    assert_non_null(p);
    p += strlen(key);
    size_t n = 0;
    *min_y = INFINITY;
    while (*p == 'M' || *p == 'L') {
        char *end;
        double x = strtod(p + 1, &end);
        double y = strtod(end, &end);
        (void)x;
        *min_y = fmin(*min_y, y);
        n++;
        p = end;
    }
    assert_true(*p == '"' || *p == 'Z'); /* Z: an area closed on its baseline */
    return n;
}

static double attr(const char *s, const char *name)
{
    char key[32];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *p = strstr(s, key);
    assert_non_null(p);
    return strtod(p + strlen(key), NULL);
}

/* ---- tests
 * --------------------------------------------------------------------------------------- */

static void test_page_has_every_chart_and_balanced_tags(void **state)
{
    (void)state;
    char *html = render(res);
    assert_true(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    static const char *ids[] = {
        "id=\"chart-rpo\"",    "id=\"chart-link\"",   "id=\"chart-rp\"",
        "id=\"chart-gantt\"",  "id=\"chart-rpo-0\"",  "id=\"chart-rpo-1\"",
        "id=\"chart-link-0\"", "id=\"chart-rp-svg\"", "id=\"chart-gantt-svg\"",
        "id=\"expectations\"", "id=\"findings\"",     "id=\"jobs\""};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        assert_contains(html, ids[i]);
    static const char *tags[] = {"html",   "head", "body", "main",    "header", "section",
                                 "figure", "svg",  "g",    "table",   "thead",  "tbody",
                                 "tr",     "td",   "th",   "details", "title",  "text",
                                 "style",  "p",    "h2",   "span"};
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        assert_balanced(html, tags[i]);
    assert_int_equal(text_count(html, "<html"), 1);
    assert_int_equal(text_count(html, "<body"), 1);
    free(html);
}

static void test_every_name_is_escaped(void **state)
{
    (void)state;
    char *html = render(res);
    assert_contains(html, ODD_VM_ESCAPED);
    assert_null(strstr(html, ODD_VM));
    assert_null(strstr(html, "sql<"));
    /* The job's reason and the diag's message hold markup: shown, never interpreted. */
    assert_contains(html, "&lt;script&gt;alert(1)&lt;/script&gt; no network");
    assert_contains(html, "port &lt;b&gt;8084&lt;/b&gt; &amp; more");
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<b>8084"));
    free(html);
}

static void test_page_fetches_nothing(void **state)
{
    (void)state;
    char *html = render(res);
    static const char *bad[] = {"http://", "https://", "src=", "href=", "@import", "url(", "//cdn"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (strstr(html, bad[i]))
            fail_msg("the page refers to something outside itself: %s", bad[i]);
    free(html);
}

static void test_short_rpo_series_is_drawn_exactly(void **state)
{
    (void)state;
    char *html = render(res);
    char *svg = svg_by_id(html, "chart-rpo-0");
    size_t n;
    report_results_rpo_points(res, 0, &n);
    /* Cycles captured at 2h, 2h05m, ... while t + 40 s <= 1d: (22 h * 12) = 264 points. Every piece
     * is drawn as two vertices: after the drop and at the peak before the next point. */
    assert_int_equal(n, 264);
    double min_y;
    assert_int_equal(path_vertices(svg, "rpo", &min_y), 2 * n);
    /* The peak marker sits on the highest vertex. */
    const char *peak = strstr(svg, "<circle class=\"peak\"");
    assert_non_null(peak);
    assert_true(fabs(attr(peak, "cy") - min_y) < 0.051);
    /* The peak: 5 minutes between points plus the 40 s lag. */
    assert_contains(svg, "max RPO 5m40s");
    free(svg);
    free(html);
}

static void test_long_rpo_series_is_reduced_and_keeps_its_peak(void **state)
{
    (void)state;
    char *html = render(res);
    char *svg = svg_by_id(html, "chart-rpo-1");
    size_t n;
    report_results_rpo_points(res, 1, &n);
    /* Captures every 30 s from 2h while t + 10 s <= 1d: 22 h * 120 = 2640, minus the 39 skipped
     * between 13h and 13h20m (13h00m30s .. 13h19m30s): 2601. Drawn exactly that would be 5202
     * vertices; the page keeps at most 2000 (min and max of 1000 buckets). */
    assert_int_equal(n, 2601);
    double min_y;
    size_t v = path_vertices(svg, "rpo", &min_y);
    assert_true(v <= 2000);
    assert_true(v >= 1000);
    const char *peak = strstr(svg, "<circle class=\"peak\"");
    assert_non_null(peak);
    /* The bucket maxima keep the 20m10s peak: the line reaches the marker. */
    assert_contains(svg, "max RPO 20m10s at 13h20m10s");
    assert_true(fabs(attr(peak, "cy") - min_y) < 0.051);
    free(svg);
    free(html);
}

static void test_rpo_target_comes_from_the_expectation(void **state)
{
    (void)state;
    char *html = render(res);
    char *ok = svg_by_id(html, "chart-rpo-0"), *bad = svg_by_id(html, "chart-rpo-1");
    /* Both VMs expect rpo.max <= 15m: VM 0 held it (green line), VM 1 did not (red line). VM 1's
     * time above 10m held: its threshold is a second, green line. */
    assert_contains(ok, "rpo.max target 15m");
    assert_contains(ok, "<line class=\"target\"");
    assert_contains(ok, "stroke=\"#16a34a\"");
    assert_contains(bad, "rpo.max target 15m");
    assert_contains(bad, "stroke=\"#dc2626\"");
    assert_contains(bad, "rpo.time_above target 10m");
    assert_int_equal(text_count(bad, "<line class=\"target\""), 2);
    assert_contains(bad, "stroke=\"#16a34a\"");
    /* The expectations table shows all three, one failing. */
    assert_contains(html, "2 passed, 1 failed");
    assert_int_equal(text_count(html, "<tr class=\"fail\">"), 1);
    free(ok);
    free(bad);
    free(html);
}

static void test_link_chart_shows_the_outage_and_capacity(void **state)
{
    (void)state;
    char *html = render(res);
    char *svg = svg_by_id(html, "chart-link-0");
    /* One outage, 6h to 6h30m (samples ending 6h01m .. 6h30m cover it). */
    assert_int_equal(text_count(svg, "<rect class=\"down\""), 1);
    assert_contains(svg, "link down 6h to 6h30m");
    /* Capacity changes twice (to 0 and back): three runs, two vertices each. */
    double min_y;
    assert_int_equal(path_vertices(svg, "capacity", &min_y), 6);
    /* 1440 samples, all drawn, plus the two baseline vertices that close the area. */
    assert_int_equal(path_vertices(svg, "wire", &min_y), 1442);
    free(svg);
    free(html);
}

static void test_points_chart_has_a_lane_per_vm(void **state)
{
    (void)state;
    char *html = render(res);
    char *svg = svg_by_id(html, "chart-rp-svg");
    /* Two lanes, each with its initial replication (31m to 2h) and its ticks; VM 1's warning. */
    assert_int_equal(text_count(svg, "<path class=\"tick\""), 2);
    assert_int_equal(text_count(svg, "<rect class=\"ir\""), 2);
    assert_contains(svg, "initial replication (network) 31m to 2h, 1h29m00s");
    assert_int_equal(text_count(svg, "<path class=\"warn\""), 1);
    assert_contains(svg, "health warning from 13h15m");
    assert_null(strstr(svg, "<path class=\"crit\""));
    free(svg);
    free(html);
}

static void test_gantt_focuses_on_failovers(void **state)
{
    (void)state;
    char *html = render(res);
    char *svg = svg_by_id(html, "chart-gantt-svg");
    /* With failovers in the run, the chart holds them (the Planned Failover job, the failed Test
     * Failover and the plan's failover record) and not the protection jobs. */
    assert_contains(svg, "Failovers and recovery plans");
    assert_int_equal(text_count(svg, "<g class=\"bar\">"), 3);
    assert_null(strstr(svg, "Enable Protection"));
    assert_contains(svg, "step: Start the replica VMs");
    assert_contains(svg, "fill=\"#dc2626\""); /* the failed job */
    free(svg);
    /* Every job is still in the table. */
    assert_int_equal(text_count(html, "Enable Protection"), 2);
    free(html);
}

static void test_unfinished_empty_run_still_renders(void **state)
{
    (void)state;
    drs_scenario *s = scenario_fixture_new();
    report_results *r = report_results_new(s);
    char *html = render(r);
    assert_contains(html, "id=\"chart-rpo-0\"");
    assert_contains(html, "no recovery point was applied");
    assert_contains(html, "no samples");
    assert_contains(html, "no jobs");
    assert_contains(html, "the run did not finish");
    assert_balanced(html, "svg");
    assert_balanced(html, "section");
    free(html);
    report_results_free(r);
    scenario_fixture_free(s);
}

/* A month of 30-second cycles for one VM and a sample a minute: 86,400 RPO breakpoints and 43,200
 * link samples. Each series is cut to at most 2,000 vertices and the applied-point ticks to one per
 * half unit of the 950-unit time axis, so the page stays near its one-day size. */
static void test_long_run_page_stays_small(void **state)
{
    (void)state;
    drs_scenario *s = scenario_fixture_new();
    report_results *r = report_results_new(s);
    engine_recorder rec = report_results_recorder(r);
    const int64_t month = 30 * DAY;
    for (int64_t t = 0; t + 10 * S <= month; t += 30 * S)
        rec.rpo_point(rec.ctx, 0, t + 10 * S, t);
    for (int64_t t = MIN; t <= month; t += MIN)
        report_results_add_link_sample(r, 0, t, MIN, 1.2e9, 600e6, 25e6);
    report_results_finish(r, month);
    char *html = render(r);
    char *svg = svg_by_id(html, "chart-rpo-0");
    double min_y;
    assert_true(path_vertices(svg, "rpo", &min_y) <= 2000);
    free(svg);
    svg = svg_by_id(html, "chart-link-0");
    assert_true(path_vertices(svg, "wire", &min_y) <= 2002);
    free(svg);
    /* Measured: 156 KB, of which the fleet chart's 150 buckets (each with its numbers and a
     * tooltip) are a fixed 45 KB whatever the run's length; drawn without reduction the RPO line
     * alone would be 172,800 vertices, about 2 MB. */
    if (strlen(html) > 200000)
        fail_msg("the page is %zu bytes", strlen(html));
    free(html);
    report_results_free(r);
    scenario_fixture_free(s);
}

static void test_write_reports_unwritable_path(void **state)
{
    (void)state;
    drs_error err = {0};
    assert_false(report_html_write(res, "/nonexistent-drsim-dir/report.html", &err));
    assert_int_equal(err.code, DRS_EIO);
    assert_non_null(strstr(err.message, "/nonexistent-drsim-dir/report.html"));
}

/* Runs argv with stdout into out (NUL-terminated), killing it after timeout_s. Returns the exit
 * status (-1 when killed or not run). */
static int run_with_timeout(char *const argv[], int timeout_s, char *out, size_t n)
{
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0;
    time_t start = time(NULL);
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (time(NULL) - start > timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            close(fd[0]);
            return -1;
        }
        /* Drain the pipe so the child never blocks on a full one. */
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
        ssize_t got;
        while (len + 1 < n && (got = read(fd[0], out + len, n - len - 1)) > 0) {
            len += (size_t)got;
            if (got < 4096)
                break;
        }
    }
    ssize_t got;
    while (len + 1 < n && (got = read(fd[0], out + len, n - len - 1)) > 0)
        len += (size_t)got;
    out[len] = '\0';
    close(fd[0]);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Renders the page in headless Chromium (tests/browser/check_html.js drives it over the DevTools
 * protocol): every chart section present, every SVG of non-zero size, the RPO lines drawn, no
 * console error, no request outside the file. Skipped where Chromium or node is not installed. */
static void test_page_renders_in_chromium(void **state)
{
    (void)state;
    const char *node = access("/usr/bin/node", X_OK) == 0         ? "/usr/bin/node"
                       : access("/usr/local/bin/node", X_OK) == 0 ? "/usr/local/bin/node"
                                                                  : NULL;
    if (access("/usr/bin/chromium", X_OK) != 0 || !node) {
        print_message("chromium or node not installed: browser check skipped\n");
        skip();
    }
    char dir[] = "/tmp/drsim-html-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/report.html", dir);
    drs_error err = {0};
    assert_true(report_html_write(res, path, &err));
    char script[1024];
    snprintf(script, sizeof script, "%s/tests/browser/check_html.js", DRSIM_SOURCE_DIR);
    char *argv[] = {(char *)node, script, path, NULL};
    static char out[1 << 16];
    int code = run_with_timeout(argv, 90, out, sizeof out);
    unlink(path);
    rmdir(dir);
    if (code != 0)
        fail_msg("browser check failed (exit %d): %s", code, out);
    assert_non_null(strstr(out, "\"ok\":true"));
    /* The probe saw the five sections and all seven charts (RPO across the VMs, 2 RPO, 1 link,
     * points, storage, Gantt). */
    assert_non_null(strstr(out, "\"chart-rpo\":true,\"chart-link\":true,\"chart-rp\":true,"
                                "\"chart-storage\":true,\"chart-gantt\":true"));
    assert_int_equal(text_count(out, "\"size\":["), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_has_every_chart_and_balanced_tags),
        cmocka_unit_test(test_every_name_is_escaped),
        cmocka_unit_test(test_page_fetches_nothing),
        cmocka_unit_test(test_short_rpo_series_is_drawn_exactly),
        cmocka_unit_test(test_long_rpo_series_is_reduced_and_keeps_its_peak),
        cmocka_unit_test(test_rpo_target_comes_from_the_expectation),
        cmocka_unit_test(test_link_chart_shows_the_outage_and_capacity),
        cmocka_unit_test(test_points_chart_has_a_lane_per_vm),
        cmocka_unit_test(test_gantt_focuses_on_failovers),
        cmocka_unit_test(test_unfinished_empty_run_still_renders),
        cmocka_unit_test(test_long_run_page_stays_small),
        cmocka_unit_test(test_write_reports_unwritable_path),
        cmocka_unit_test(test_page_renders_in_chromium),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
