/* tests/test_html_charts.c — the HTML report's charts read back as numbers: every failover drawn in
 * the Gantt chart at the x its start maps to, however many jobs there are; the RPO percentiles
 * across the VMs per time bucket against a computation of their own from the RPO breakpoints;
 * replica storage over time against the samples recorded, the same after a trip through the
 * results database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <unistd.h>

#include "reports/reports.h"
#include "tests/support/scenario_fixture.h"
#include "tests/support/text.h"

#define S DRS_NS_PER_S
#define MIN FIXTURE_MIN
#define HOUR FIXTURE_HOUR
#define DAY FIXTURE_DAY

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

/* The number in attribute name="..." of the first element at or after s. */
static double attr(const char *s, const char *name)
{
    char key[48];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *p = strstr(s, key);
    if (!p)
        fail_msg("no attribute %s", name);
    return strtod(p + strlen(key), NULL);
}

static int64_t attr_i64(const char *s, const char *name)
{
    char key[48];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *p = strstr(s, key);
    if (!p)
        fail_msg("no attribute %s", name);
    return strtoll(p + strlen(key), NULL, 10);
}

/* The start of the <rect class="cls" ...> whose data-start-ns is t (it must exist). */
static const char *bar_at(const char *svg, const char *cls, int64_t t)
{
    char key[64], open[48];
    snprintf(key, sizeof key, "data-start-ns=\"%" PRId64 "\"", t);
    snprintf(open, sizeof open, "<rect class=\"%s\"", cls);
    for (const char *p = strstr(svg, key); p; p = strstr(p + 1, key)) {
        const char *q = p;
        while (q > svg && *q != '<')
            q--;
        if (strncmp(q, open, strlen(open)) == 0)
            return q;
    }
    fail_msg("no %s bar starts at %" PRId64, cls, t);
    return NULL;
}

/* ---- the Gantt chart ------------------------------------------------------------------------- */

static void job(engine_recorder *rec, uint64_t id, const char *name, int vm, const char *subject,
                int64_t start, int64_t end, engine_job_state st)
{
    engine_job_info j = {.id = id, .name = name, .vm = vm, .pair = 0, .site = 1, .subject = subject};
    rec->job_started(rec->ctx, &j, start);
    rec->job_step(rec->ctx, id, "Prerequisites check", ENGINE_JOB_SUCCEEDED, start);
    rec->job_step(rec->ctx, id, "Start the replica VMs", ENGINE_JOB_SUCCEEDED, (start + end) / 2);
    rec->job_ended(rec->ctx, id, st, "", end);
}

/* A day of rehearsals: 100 Test Failovers of web-01 (from 1h, every 10 minutes, 3 minutes long)
 * each followed by its cleanup (1 minute), then at 23h the plan erp's Planned Failover (10
 * minutes), with its failover record. 201 failover jobs, the planned one last: far more than
 * a chart of one row per job can hold. */
static void test_gantt_draws_the_late_planned_failover(void **state)
{
    (void)state;
    drs_scenario *sc = scenario_fixture_new();
    report_results *r = report_results_new(sc);
    engine_recorder rec = report_results_recorder(r);
    uint64_t id = 1;
    for (int i = 0; i < 100; i++) {
        int64_t t = HOUR + i * 10 * MIN;
        job(&rec, id++, "Test Failover", 1, "web-01", t, t + 3 * MIN, ENGINE_JOB_SUCCEEDED);
        job(&rec, id++, "Cleanup Test Failover", 1, "web-01", t + 4 * MIN, t + 5 * MIN,
            ENGINE_JOB_SUCCEEDED);
    }
    job(&rec, id++, "Planned Failover", -1, "erp", 23 * HOUR, 23 * HOUR + 10 * MIN,
        ENGINE_JOB_SUCCEEDED);
    report_failover f = {.kind = ENGINE_FO_PLANNED,
                         .plan = 0,
                         .vm = -1,
                         .started_ns = 23 * HOUR,
                         .ended_ns = 23 * HOUR + 10 * MIN,
                         .succeeded = true,
                         .failure_ns = -1,
                         .rp_captured_ns = -1,
                         .verified = true};
    report_results_add_failover(r, &f);
    report_results_finish(r, DAY);
    char *html = render(r);
    char *svg = svg_by_id(html, "chart-gantt-svg");
    /* Every job a bar, the failover record one more. */
    assert_int_equal(text_count(svg, "<rect class=\"job\""), 201);
    assert_int_equal(text_count(svg, "<rect class=\"fo\""), 1);
    /* Two lanes: web-01 (first bar at 1h) and plan erp (at 23h). */
    assert_non_null(strstr(svg, ">web-01<title>web-01: 200 bars</title>"));
    assert_non_null(strstr(svg, ">plan erp<title>plan erp: 2 bars</title>"));
    /* The axis: from the first start (1h) to the last end (23h10m), each side padded by a 40th of
     * that span plus 1 ns: 22h10m / 40 = 33m15s. */
    int64_t pad = (22 * HOUR + 10 * MIN) / 40 + 1;
    int64_t t0 = HOUR - pad, t1 = 23 * HOUR + 10 * MIN + pad;
    const char *desc = strstr(svg, "<desc ");
    assert_non_null(desc);
    assert_int_equal(attr_i64(desc, "data-t0-ns"), t0);
    assert_int_equal(attr_i64(desc, "data-t1-ns"), t1);
    double x0 = attr(desc, "data-x0"), x1 = attr(desc, "data-x1");
    /* The plot runs from the 240-unit label column to the right margin: 1100 - 24. */
    assert_true(x0 == 240.0 && x1 == 1076.0);
    /* The planned failover's bar starts where 23h maps: (23h - t0) / (t1 - t0) = 22h33m15s /
     * 23h16m30s = 0.96903 of the 836 units: x = 1050.1. Its width is 10 minutes of the 23h16m30s
     * axis: 5.99 units. */
    const char *bar = bar_at(svg, "job", 23 * HOUR);
    double want = x0 + (double)(23 * HOUR - t0) / (double)(t1 - t0) * (x1 - x0);
    assert_true(fabs(want - 1050.1) < 0.05);
    assert_true(fabs(attr(bar, "x") - want) < 0.006);
    assert_true(fabs(attr(bar, "width") - 10.0 * 60 / ((double)(t1 - t0) / 1e9) * 836) < 0.006);
    /* The failover record under it, from the same x. */
    assert_true(fabs(attr(bar_at(svg, "fo", 23 * HOUR), "x") - want) < 0.006);
    /* Its steps are segments of the one bar, named in their tooltips. */
    const char *end = strstr(bar, "</g>");
    assert_non_null(end);
    char *g = strndup(bar, (size_t)(end - bar));
    assert_int_equal(text_count(g, "step: "), 2);
    assert_non_null(strstr(g, "step: Start the replica VMs [succeeded] at 23h5m"));
    free(g);
    /* The first test failover is drawn too, at the left edge of the plot plus the pad. */
    assert_true(fabs(attr(bar_at(svg, "job", HOUR), "x") -
                     (x0 + (double)pad / (double)(t1 - t0) * (x1 - x0))) < 0.006);
    free(svg);
    free(html);
    report_results_free(r);
    scenario_fixture_free(sc);
}

/* More subjects than lanes (50 VMs each tested once): a lane per job kind, every job still drawn. */
static void test_gantt_lanes_per_kind_when_subjects_are_many(void **state)
{
    (void)state;
    drs_scenario *sc = scenario_fixture_new();
    report_results *r = report_results_new(sc);
    engine_recorder rec = report_results_recorder(r);
    char name[32];
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof name, "app-%02d", i);
        job(&rec, (uint64_t)(2 * i + 1), "Test Failover", -1, name, HOUR + i * MIN,
            HOUR + i * MIN + 5 * MIN, i == 7 ? ENGINE_JOB_FAILED : ENGINE_JOB_SUCCEEDED);
        job(&rec, (uint64_t)(2 * i + 2), "Cleanup Test Failover", -1, name, 3 * HOUR + i * MIN,
            3 * HOUR + i * MIN + 2 * MIN, ENGINE_JOB_SUCCEEDED);
    }
    report_results_finish(r, DAY);
    char *html = render(r);
    char *svg = svg_by_id(html, "chart-gantt-svg");
    assert_non_null(strstr(svg, "Failovers and recovery plans, a lane per kind"));
    assert_int_equal(text_count(svg, "<rect class=\"job\""), 100);
    assert_non_null(strstr(svg, ">Test Failover<title>Test Failover: 50 bars</title>"));
    assert_non_null(strstr(svg, ">Cleanup Test Failover<title>Cleanup Test Failover: 50 bars"));
    assert_int_equal(text_count(svg, "class=\"lanelabel\""), 2);
    /* The failed one keeps the failure colour. */
    assert_non_null(strstr(bar_at(svg, "job", HOUR + 7 * MIN), "fill=\"#dc2626\""));
    free(svg);
    free(html);
    report_results_free(r);
    scenario_fixture_free(sc);
}

/* 300 protection jobs and no failover: one lane of Enable Protection jobs, each an hour long and
 * started 10 s after the one before, so they overlap on screen; job 150 failed. Past 120 bars a
 * lane draws touching bars of one colour as one: the 150 before the failed job, the failed one
 * alone, the 149 after it. */
static void test_gantt_groups_a_crowded_lane(void **state)
{
    (void)state;
    drs_scenario *sc = scenario_fixture_new();
    report_results *r = report_results_new(sc);
    engine_recorder rec = report_results_recorder(r);
    char name[32];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "vm-%03d", i);
        job(&rec, (uint64_t)i + 1, "Enable Protection", -1, name, HOUR + i * 10 * S,
            2 * HOUR + i * 10 * S, i == 150 ? ENGINE_JOB_FAILED : ENGINE_JOB_SUCCEEDED);
    }
    report_results_finish(r, DAY);
    char *html = render(r);
    char *svg = svg_by_id(html, "chart-gantt-svg");
    assert_non_null(strstr(svg, "Jobs over time, a lane per kind"));
    assert_int_equal(text_count(svg, "<rect class=\"job group\""), 2);
    assert_int_equal(text_count(svg, "<rect class=\"job\""), 1);
    const char *g1 = bar_at(svg, "job group", HOUR);
    assert_int_equal(attr_i64(g1, "data-bars"), 150);
    assert_non_null(strstr(g1, "<title>150 Enable Protection, 1h to 2h24m50s</title>"));
    assert_int_equal(attr_i64(bar_at(svg, "job group", HOUR + 151 * 10 * S), "data-bars"), 149);
    assert_non_null(strstr(bar_at(svg, "job", HOUR + 150 * 10 * S), "fill=\"#dc2626\""));
    free(svg);
    free(html);
    report_results_free(r);
    scenario_fixture_free(sc);
}

/* ---- RPO across the VMs ---------------------------------------------------------------------- */

/* 20 VMs; VM v captures every v + 1 minutes from 1h (1h + k (v + 1) min), each point applied 10 s
 * after its capture. VM 7 (every 8 minutes) captures nothing between 10h and 11h. */
static report_results *fleet_run(drs_scenario **out_sc)
{
    drs_scenario *sc = scenario_fixture_new();
    char name[32];
    for (int v = 2; v < 20; v++) {
        snprintf(name, sizeof name, "vm-%02d", v);
        scenario_fixture_add_vm(sc, name, 0, 30 * MIN);
    }
    report_results *r = report_results_new(sc);
    engine_recorder rec = report_results_recorder(r);
    for (int v = 0; v < 20; v++) {
        int64_t period = (v + 1) * MIN;
        for (int64_t t = HOUR; t + 10 * S <= DAY; t += period) {
            if (v == 7 && t > 10 * HOUR && t < 11 * HOUR)
                continue;
            rec.rpo_point(rec.ctx, v, t + 10 * S, t);
        }
    }
    report_results_finish(r, DAY);
    *out_sc = sc;
    return r;
}

static int i64_cmp(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

/* A VM's largest RPO over [t0, t1), from RPO(t) alone: RPO rises between breakpoints, so the
 * supremum is the limit just before a breakpoint inside the window or at the window's end:
 * RPO(t - 1 ns) + 1 ns. -1 when RPO is undefined throughout. */
static int64_t vm_bucket_max(const report_rpo_point *p, size_t n, int64_t t0, int64_t t1)
{
    int64_t best = -1;
    for (size_t i = 0; i < n; i++)
        if (p[i].at_ns > t0 && p[i].at_ns <= t1) {
            int64_t v = report_rpo_at(p, n, p[i].at_ns - 1);
            if (v >= 0 && v + 1 > best)
                best = v + 1;
        }
    int64_t v = report_rpo_at(p, n, t1 - 1);
    if (v >= 0 && v + 1 > best)
        best = v + 1;
    return best;
}

static void test_fleet_percentiles_match_the_breakpoints(void **state)
{
    (void)state;
    drs_scenario *sc;
    report_results *r = fleet_run(&sc);
    char *html = render(r);
    char *svg = svg_by_id(html, "chart-fleet-svg");
    const char *desc = strstr(svg, "<desc ");
    assert_non_null(desc);
    size_t nb = (size_t)attr(desc, "data-buckets");
    assert_int_equal(nb, 150);
    double vtop = attr(desc, "data-v-top-ns"), y0 = attr(desc, "data-y0"),
           y1 = attr(desc, "data-y1");
    /* Every bucket from 1h on has all 20 VMs; before 1h none (no bucket drawn). 1h is bucket 6.25:
     * bucket 6 (57m36s to 1h07m12s) holds the first points. */
    assert_int_equal(text_count(svg, "data-vms=\"20\""), nb - 6);
    int64_t vals[20], worst = 0;
    size_t checked = 0;
    for (size_t k = 0; k < nb; k++) {
        int64_t t0 = DAY * (int64_t)k / (int64_t)nb, t1 = DAY * (int64_t)(k + 1) / (int64_t)nb;
        size_t m = 0;
        for (size_t v = 0; v < 20; v++) {
            size_t n;
            const report_rpo_point *p = report_results_rpo_points(r, v, &n);
            int64_t x = vm_bucket_max(p, n, t0, t1);
            if (x >= 0)
                vals[m++] = x;
        }
        char key[64];
        snprintf(key, sizeof key, "data-t0-ns=\"%" PRId64 "\" data-vms", t0);
        const char *rect = strstr(svg, key);
        if (m == 0) {
            assert_null(rect);
            continue;
        }
        assert_non_null(rect);
        qsort(vals, m, sizeof *vals, i64_cmp);
        /* Nearest rank: p50 of 20 is the 10th smallest, p95 the 19th. */
        int64_t p50 = vals[(size_t)ceil(0.5 * (double)m) - 1];
        int64_t p95 = vals[(size_t)ceil(0.95 * (double)m) - 1];
        assert_int_equal(attr_i64(rect, "data-vms"), m);
        assert_int_equal(attr_i64(rect, "data-p50-ns"), p50);
        assert_int_equal(attr_i64(rect, "data-p95-ns"), p95);
        assert_int_equal(attr_i64(rect, "data-max-ns"), vals[m - 1]);
        worst = vals[m - 1] > worst ? vals[m - 1] : worst;
        checked++;
    }
    assert_int_equal(checked, nb - 6);
    /* The p50 line is drawn at the numbers: bucket 75 ([12h, 12h09m36s)) is a level at its p50
     * mapped onto the RPO axis. */
    const char *b75 = strstr(svg, "data-t0-ns=\"43200000000000\" data-vms");
    assert_non_null(b75);
    double p50_75 = (double)attr_i64(b75, "data-p50-ns");
    double want_y = y0 + p50_75 / vtop * (y1 - y0);
    char y_txt[32];
    snprintf(y_txt, sizeof y_txt, " %.1fL", want_y);
    const char *path = strstr(svg, "<path class=\"fleet-p50\" d=\"");
    assert_non_null(path);
    assert_non_null(strstr(path, y_txt));
    /* The worst: VM 7's gap. Its last capture before 10h is at 9h56m (1h + 67 x 8m), the next at
     * 11h, applied at 11h00m10s: 1h04m10s, the largest RPO of the run, named first. */
    assert_int_equal(worst, HOUR + 4 * MIN + 10 * S);
    assert_non_null(strstr(svg, "1. vm-07 1h04m10s"));
    free(svg);
    /* With 20 VMs, the five worst get their own chart, the next 15 are in the details. */
    assert_int_equal(text_count(html, "<svg id=\"chart-rpo-"), 20);
    const char *more = strstr(html, "<details id=\"rpo-more\">");
    assert_non_null(more);
    assert_int_equal(text_count(more, "<svg id=\"chart-rpo-"), 15);
    /* The first per-VM chart after the fleet is the worst VM's. */
    assert_true(strstr(html, "<svg id=\"chart-rpo-7\"") < strstr(html, "<svg id=\"chart-rpo-19\""));
    free(html);
    report_results_free(r);
    scenario_fixture_free(sc);
}

/* ---- replica storage ------------------------------------------------------------------------- */

/* sql-01 holds 10 GiB from 1h and 1 GiB more each hour after; web-01 holds 4 GiB from 2h to 12h,
 * then 2 GiB (points pruned). A sample every 10 minutes from 10m. */
static void storage_feed(report_results *r)
{
    engine_recorder rec = report_results_recorder(r);
    const uint64_t GiB = UINT64_C(1) << 30;
    for (int64_t t = 10 * MIN; t <= DAY; t += 10 * MIN) {
        if (t >= HOUR && t % HOUR == 0)
            rec.replica_storage(rec.ctx, 1, 0, 0, (10 + (uint64_t)(t / HOUR - 1)) * GiB, t);
        if (t == 2 * HOUR)
            rec.replica_storage(rec.ctx, 1, 0, 1, 4 * GiB, t);
        if (t == 12 * HOUR)
            rec.replica_storage(rec.ctx, 1, 0, 1, 2 * GiB, t);
        report_results_sample(r, t);
    }
}

static void test_storage_chart_matches_the_samples(void **state)
{
    (void)state;
    const uint64_t GiB = UINT64_C(1) << 30;
    drs_scenario *sc = scenario_fixture_new();
    /* dublin's dub-fast (the sites' storage number 1, after seattle's sea-fast) holds the replicas;
     * given 50 GiB, its capacity is drawn (the peak is more than a tenth of it). */
    sc->sites[1].storage[0].capacity_bytes = 50 * GiB;
    char db_path[] = "/tmp/drsim-storage-XXXXXX";
    int fd = mkstemp(db_path);
    assert_true(fd >= 0);
    close(fd);
    unlink(db_path);
    drs_error err = {0};
    report_db *db = report_db_open(db_path, &err);
    assert_non_null(db);
    report_run_info info = {.scenario_name = sc->name,
                            .scenario_sha256 = "00",
                            .seed = sc->seed,
                            .drsim_version = "0.1.0",
                            .duration_ns = DAY};
    int64_t id;
    assert_true(report_db_run_begin(db, &info, &id, &err));
    report_results *r = report_results_new(sc);
    report_results_attach_db(r, db);
    storage_feed(r);
    report_results_finish(r, DAY);
    assert_true(report_db_run_end(db, r, "complete", 0, &err));
    report_db_close(db);

    /* The VMs' own series go to the database only. */
    size_t n0, n1;
    report_results_storage_samples(r, 0, &n0);
    assert_int_equal(n0, 0);
    /* dub-fast: the sum, changing at every hour from 1h to 1d; sea-fast: nothing. */
    assert_int_equal(report_results_storage_count(r), 2);
    assert_string_equal(report_results_storage(r, 1)->site, "dublin");
    assert_string_equal(report_results_storage(r, 1)->classification, "dub-fast");
    size_t nd, ns;
    const report_storage_sample *d = report_results_storage_used(r, 1, &nd);
    report_results_storage_used(r, 0, &ns);
    assert_int_equal(nd, 24);
    assert_int_equal(ns, 0);
    assert_int_equal(d[1].at_ns, 2 * HOUR);
    assert_int_equal(d[1].bytes, 15 * GiB);

    char *html = render(r);
    char *svg = svg_by_id(html, "chart-storage-svg");
    const char *desc = strstr(svg, "<desc ");
    assert_non_null(desc);
    /* The total peaks at the end: 33 GiB of sql-01 and 2 GiB of web-01. Before 12h it was at most
     * 10 + 10 (at 11h) + 4 = 24 GiB. */
    assert_true(attr(desc, "data-peak-bytes") == (double)(35 * GiB));
    assert_int_equal(attr_i64(desc, "data-peak-ns"), DAY);
    /* The total's steps: at 1h 10 GiB, at 2h 11 + 4 = 15 GiB, ... Each drawn as a level from its
     * time to the next: the vertex at 2h sits at 15 GiB on the byte axis. */
    double x0 = attr(desc, "data-x0"), x1 = attr(desc, "data-x1");
    double y0 = attr(desc, "data-y0"), y1 = attr(desc, "data-y1"), top = attr(desc, "data-v-top");
    /* The axis top: the capacity, 50 GiB, x 1.08 = 54 GiB, rounded up to the 20 GiB step (54 / 5
     * ticks is 10.8, and the nice step above that is 20): 60 GiB. */
    assert_true(top == (double)(60 * GiB));
    char v[48];
    snprintf(v, sizeof v, "L%.1f %.1f", x0 + (double)(2 * HOUR) / (double)DAY * (x1 - x0),
             y0 + 15.0 / 60.0 * (y1 - y0));
    const char *total = strstr(svg, "<path class=\"stor-total\" d=\"");
    assert_non_null(total);
    assert_non_null(strstr(total, v));
    /* And 11 + 10 + 2 = 23 GiB... at 12h: sql-01 holds 10 + 11 = 21 GiB, web-01 2 GiB. */
    snprintf(v, sizeof v, "L%.1f %.1f", x0 + (double)(12 * HOUR) / (double)DAY * (x1 - x0),
             y0 + 23.0 / 60.0 * (y1 - y0));
    assert_non_null(strstr(total, v));
    /* dub-fast as a line of its own over the same steps, its capacity dashed at 50 GiB; no VM
     * drawn apart. */
    const char *g = strstr(svg, "<g class=\"storage\" data-storage=\"1\"");
    assert_non_null(g);
    assert_true(attr(g, "data-peak-bytes") == (double)(35 * GiB));
    assert_true(attr(g, "data-capacity-bytes") == (double)(50 * GiB));
    const char *used = strstr(g, "<path class=\"stor-used\"");
    assert_non_null(used);
    assert_non_null(strstr(used, v));
    const char *cap = strstr(g, "<line class=\"stor-cap\"");
    assert_non_null(cap);
    assert_true(fabs(attr(cap, "y1") - (y0 + 50.0 / 60.0 * (y1 - y0))) < 0.051);
    assert_non_null(strstr(svg, "dublin / dub-fast (peak 35.0 GiB of 50.0 GiB)"));
    assert_int_equal(text_count(svg, "<g class=\"storage\""), 1);
    assert_int_equal(text_count(svg, "<path class=\"stor-vm\""), 0);

    /* From the database, the same chart. */
    report_run_row row;
    report_results *back = report_db_load(db_path, id, &row, &err);
    if (!back)
        fail_msg("%s", err.message);
    char *html2 = render(back);
    char *svg2 = svg_by_id(html2, "chart-storage-svg");
    assert_string_equal(svg, svg2);
    free(svg2);
    free(html2);
    report_results_free(back);

    /* A file written before the sites' storage was kept (its tables dropped here): the chart is
     * drawn from the VMs' series, with the same total, and the VMs holding the most get the lines,
     * both drawn (sql-01's 33 GiB is over a twentieth of 35). */
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db_path, &h), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(h, "DROP TABLE storage; DROP TABLE storage_samples", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(h);
    back = report_db_load(db_path, id, &row, &err);
    if (!back)
        fail_msg("%s", err.message);
    assert_int_equal(report_results_storage_count(back), 0);
    /* sql-01 changes at 1h, 2h, ... 23h and 1d (24 steps, one per hour); web-01 at 2h and 12h. */
    const report_storage_sample *s0 = report_results_storage_samples(back, 0, &n0);
    report_results_storage_samples(back, 1, &n1);
    assert_int_equal(n0, 24);
    assert_int_equal(n1, 2);
    assert_int_equal(s0[23].at_ns, DAY);
    assert_int_equal(s0[23].bytes, 33 * GiB);
    html2 = render(back);
    svg2 = svg_by_id(html2, "chart-storage-svg");
    assert_int_equal(text_count(svg2, "<path class=\"stor-vm\""), 2);
    assert_non_null(strstr(svg2, "sql-01 (peak 33.0 GiB)"));
    /* The same total, on an axis without the capacity: 35 GiB x 1.08 rounds up to 40 GiB. */
    const char *desc2 = strstr(svg2, "<desc ");
    assert_true(attr(desc2, "data-peak-bytes") == (double)(35 * GiB));
    assert_true(attr(desc2, "data-v-top") == (double)(40 * GiB));
    const char *total2 = strstr(svg2, "<path class=\"stor-total\" d=\"");
    assert_non_null(total2);
    snprintf(v, sizeof v, "L%.1f %.1f", x0 + (double)(12 * HOUR) / (double)DAY * (x1 - x0),
             y0 + 23.0 / 40.0 * (y1 - y0));
    assert_non_null(strstr(total2, v));
    free(svg2);
    free(html2);
    report_results_free(back);
    unlink(db_path);
    free(svg);
    free(html);
    report_results_free(r);
    scenario_fixture_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gantt_draws_the_late_planned_failover),
        cmocka_unit_test(test_gantt_lanes_per_kind_when_subjects_are_many),
        cmocka_unit_test(test_gantt_groups_a_crowded_lane),
        cmocka_unit_test(test_fleet_percentiles_match_the_breakpoints),
        cmocka_unit_test(test_storage_chart_matches_the_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
