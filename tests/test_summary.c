/* tests/test_summary.c — the terminal summary fits 80 columns (as a terminal counts them), opens with
 * the fleet, shows the key numbers and the worst VMs of a large fleet; JUnit XML is well-formed,
 * escaped, and fails exactly the failing expectations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reports/format.h"
#include "reports/reports.h"
#include "tests/support/text.h"

#define S INT64_C(1000000000)
#define MIN (60 * S)

#define LONG_VM "sql-01-with-a-very-long-name-that-no-column-could-ever-hold-in-one-hundred"

static drs_storage dub_storage[] = {{.classification = "dub-fast"}};
static char *sea_clouds[] = {"gold-sea"};
static char *dub_clouds[] = {"gold-dub"};
static drs_host sea_hosts[] = {{.name = "hv-sea-1", .cloud = 0, .storage = -1}};
static drs_host dub_hosts[] = {{.name = "hv-dub-1", .cloud = 0, .storage = 0}};
static drs_site sites[] = {
    {.name = "sea", .clouds = sea_clouds, .cloud_count = 1, .hosts = sea_hosts, .host_count = 1},
    {.name = "dub",
     .clouds = dub_clouds,
     .cloud_count = 1,
     .hosts = dub_hosts,
     .host_count = 1,
     .storage = dub_storage,
     .storage_count = 1}};
static drs_link links[] = {{.name = "wan", .site_a = 0, .site_b = 1, .bandwidth_Bps = 1e6}};
static drs_vm vms[] = {{.name = LONG_VM, .site = 0, .host = 0},
                       {.name = "web<&>'\"01", .site = 0, .host = 0}};
static drs_cloud_pair pairs[] = {
    {.primary_site = 0, .primary_cloud = 0, .target_site = 1, .target_cloud = 0}};
static drs_recovery_plan plans[] = {{.name = "erp"}};

/* One VM on a sawtooth: the point captured at k * 5 min is applied at k * 5 min + 1 min, from 0 to
 * 2 h; the run ends at 2 h 1 min, so 24 whole teeth where RPO runs 1..6 min: p50 3m30s, p95 5m45s,
 * max 6m00s. Initial replication 0..12 min. 24 cycles of 4 MB raw and 1 MB wire: ratio 4.00. The
 * link carried 30 MB in one minute of 40 (50 %) and 6 MB in each other minute (10 %). An unplanned
 * failover of erp: RTO 20 min, loss 4 min. */
static report_results *summary_run(void)
{
    drs_scenario sc = {
        .name = "summary & <friends>",
        .seed = 99,
        .duration_ns = 2 * 3600 * S,
        .sites = sites,
        .site_count = 2,
        .links = links,
        .link_count = 1,
        .vms = vms,
        .vm_count = 2,
        .recovery = {.cloud_pairs = pairs, .cloud_pair_count = 1, .plans = plans, .plan_count = 1}};
    report_results *r = report_results_new(&sc);
    assert_non_null(r);
    engine_recorder rec = report_results_recorder(r);
    for (int64_t c = 0; c < 2 * 3600 * S; c += 5 * MIN)
        rec.rpo_point(rec.ctx, 0, c + MIN, c);
    engine_ir_info ir = {.vm = 0,
                         .method = "offline",
                         .start_ns = 0,
                         .end_ns = 12 * MIN,
                         .raw_bytes = 1000000000,
                         .wire_bytes = 1000000000};
    rec.initial_replication(rec.ctx, &ir);
    for (int i = 0; i < 24; i++) {
        engine_cycle_info cy = {.vm = 0, .raw_bytes = 4000000, .wire_bytes = 1000000};
        rec.cycle(rec.ctx, &cy);
    }
    rec.health(rec.ctx, 0, ENGINE_HEALTH_NONE, ENGINE_HEALTH_NORMAL, 12 * MIN);
    rec.health(rec.ctx, 1, ENGINE_HEALTH_NONE, ENGINE_HEALTH_CRITICAL, 50 * MIN);
    engine_event_info ev = {
        .at_ns = 20 * MIN, .kind = ENGINE_EV_MISSED_CYCLE, .vm = 1, .pair = 0, .detail = ""};
    rec.event(rec.ctx, &ev);
    engine_job_info j = {.id = 1,
                         .name = "Enable Protection",
                         .vm = 1,
                         .pair = 0,
                         .site = -1,
                         .subject = "web<&>'\"01"};
    rec.job_started(rec.ctx, &j, 0);
    rec.job_ended(rec.ctx, 1, ENGINE_JOB_FAILED,
                  "the VM's cloud is not configured for protection, and this reason is long enough "
                  "to run past the right edge of any terminal",
                  MIN);
    engine_rp_info rp = {.vm = 0, .id = 1, .kind = ENGINE_RP_HOURLY, .captured_ns = 0};
    rec.recovery_point(rec.ctx, ENGINE_RP_CREATED, &rp, 0);
    rec.recovery_point(rec.ctx, ENGINE_RP_APPLIED, &rp, MIN);
    rec.replica_storage(rec.ctx, 1, 0, 0, 3 * (UINT64_C(1) << 30), MIN);
    for (int m = 1; m <= 40; m++)
        report_results_add_link_sample(r, 0, m * MIN, MIN, m == 1 ? 30e6 : 6e6, m == 1 ? 30e6 : 6e6,
                                       1e6);
    report_failover f = {.kind = ENGINE_FO_UNPLANNED,
                         .plan = 0,
                         .vm = -1,
                         .started_ns = 3600 * S,
                         .ended_ns = 3600 * S + 20 * MIN,
                         .succeeded = true,
                         .failure_ns = 3600 * S,
                         .rp_captured_ns = 3600 * S - 4 * MIN,
                         .data_loss_ns = 4 * MIN,
                         .data_loss_bytes = 0,
                         .verified = true};
    report_results_add_failover(r, &f);
    drs_diags d = {0};
    drs_diags_add(&d, DRS_SEV_WARNING, 11, "vms[1].networks[0]",
                  "network \"corp-sea\" is not mapped to a target network: the VM would fail over "
                  "without a connection, which a rehearsal reports as an error");
    report_results_add_diags(r, &d);
    drs_diags_clear(&d);
    report_results_finish(r, 2 * 3600 * S + MIN);

    static drs_expect ex[2] = {
        {.kind = DRS_EXPECT_METRIC,
         .path = "expect[0]",
         .name = "rpo.max",
         .scope = DRS_SCOPE_VM,
         .target = LONG_VM,
         .unit = DRS_UNIT_DURATION,
         .has_max = true,
         .max = 600e9},
        {.kind = DRS_EXPECT_HEALTH,
         .path = "expect[1]",
         .name = "critical",
         .scope = DRS_SCOPE_VM,
         .target = "*",
         .never = true},
    };
    /* rpo.max holds (6 min); critical never: holds for the first VM, fails for the second. */
    assert_false(report_expect_evaluate(r, ex, 2));
    return r;
}

/* The output of fn(r, f) as a string; caller frees. */
__attribute__((noinline)) static char *capture(void (*fn)(const report_results *, FILE *),
                                               const report_results *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    fn(r, f);
    fclose(f);
    return buf;
}

static void test_summary_fits_80_columns(void **state)
{
    (void)state;
    report_results *r = summary_run();
    char *out = capture(report_summary_write, r);
    assert_true(text_assert_fits_80(out) > 15);
    free(out);
    report_results_free(r);
}

/* A VM whose name carries terminal control characters (an escape sequence that would turn the
 * terminal red, a carriage return that would overwrite the line) prints them as '?'. */
static void test_summary_escapes_control_characters(void **state)
{
    (void)state;
    char *was = vms[1].name;
    /* ESC, CR, then U+009B (CSI in one character: some terminals take it for ESC [) and a byte
     * that is not UTF-8. */
    char odd[] = "web\x1b[31m\r01\xc2\x9b"
                 "2J\xff";
    vms[1].name = odd;
    report_results *r = summary_run();
    char *out = capture(report_summary_write, r);
    vms[1].name = was;
    assert_null(strchr(out, '\x1b'));
    assert_null(strchr(out, '\r'));
    assert_null(strstr(out, "\xc2\x9b"));
    assert_null(strchr(out, '\xff'));
    assert_non_null(strstr(out, "web?[31m?01?2J?"));
    text_assert_fits_80(out);
    free(out);
    report_results_free(r);
}

static void test_summary_shows_key_numbers(void **state)
{
    (void)state;
    report_results *r = summary_run();
    char *out = capture(report_summary_write, r);
    /* RPO of the sawtooth over [1 min, 2 h 1 min]: p50 = 1 + 5/2 = 3.5 min -> "3m30s"; p95 = 1 +
     * 0.95 * 5 = 5.75 min -> "5m45s"; max 6 min. Initial replication 12 min. Ratio: offline base
     * copy is not on the wire, so 96 MB / 24 MB = 4.00. Link p95: 39 of 40 minutes at 10 % ->
     * "10.0%", max 50 %. */
    static const char *const want[] = {
        "3m30s",
        "5m45s",
        "6m00s",
        "12m00s",
        "4.00",
        "10.0%",
        "50.0%",
        "critical",
        /* failover: RTO and loss */
        "20m00s",
        "4m00s",
        "unplanned",
        /* retained points and replica storage */
        "3.0 GiB",
        /* findings: the rule warning, the missed cycle, the failed job */
        "warning rule 11",
        "missed cycles",
        "Enable Protection",
        /* expectations */
        "expectations: 2 passed, 1 failed",
        "FAIL",
        "seed 99",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(out, want[i]))
            fail_msg("summary lacks \"%s\":\n%s", want[i], out);
    free(out);
    report_results_free(r);
}

/* A small well-formedness check: tags nest and close, attribute values are quoted, every '&' starts
 * one of the five predefined entities, and no '<' appears inside an attribute or text. */
static void assert_well_formed(const char *x)
{
    char stack[16][64];
    int depth = 0;
    const char *p = x;
    while (*p) {
        if (*p == '&') {
            static const char *const ent[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
            bool ok = false;
            for (int i = 0; i < 5; i++)
                ok |= strncmp(p, ent[i], strlen(ent[i])) == 0;
            if (!ok)
                fail_msg("bare '&' at: %.30s", p);
            p++;
            continue;
        }
        if (*p != '<') {
            p++;
            continue;
        }
        if (p[1] == '?') {
            p = strstr(p, "?>");
            assert_non_null(p);
            p += 2;
            continue;
        }
        bool closing = p[1] == '/';
        const char *name = p + (closing ? 2 : 1);
        size_t n = strcspn(name, " />");
        assert_true(n > 0 && n < 64);
        /* Scan to the end of the tag, through quoted attribute values. */
        const char *q = name + n;
        while (*q && *q != '>') {
            if (*q == '"') {
                const char *end = strchr(q + 1, '"');
                assert_non_null(end);
                for (const char *c = q + 1; c < end; c++)
                    if (*c == '<')
                        fail_msg("'<' inside an attribute: %.40s", q);
                q = end;
            } else if (*q == '<') {
                fail_msg("'<' inside a tag: %.40s", q);
            }
            q++;
        }
        assert_int_equal(*q, '>');
        bool empty = q[-1] == '/';
        if (closing) {
            assert_true(depth > 0);
            depth--;
            if (strncmp(stack[depth], name, n) != 0 || stack[depth][n] != '\0')
                fail_msg("</%.*s> closes <%s>", (int)n, name, stack[depth]);
        } else if (!empty) {
            assert_true(depth < 16);
            memcpy(stack[depth], name, n);
            stack[depth][n] = '\0';
            depth++;
        }
        p = q + 1;
    }
    assert_int_equal(depth, 0);
}

static void test_junit_fails_exactly_the_failing_expectations(void **state)
{
    (void)state;
    report_results *r = summary_run();
    char *x = capture(report_junit_fprint, r);
    assert_well_formed(x);
    /* Three results (rpo.max; critical never x 2 VMs), one failing: web-01's critical at 50 min. */
    assert_int_equal(text_count(x, "<testcase "), 3);
    assert_int_equal(text_count(x, "<failure "), 1);
    assert_non_null(strstr(x, "tests=\"3\" failures=\"1\""));
    /* The failing case names its VM, escaped, and carries expected and actual. */
    assert_non_null(strstr(x, "health critical vm=web&lt;&amp;&gt;&apos;&quot;01\">"));
    assert_non_null(strstr(x, "expected: never\nactual: reached critical at 50m00s</failure>"));
    assert_non_null(strstr(x, "<testsuite name=\"summary &amp; &lt;friends&gt;\""));
    free(x);

    char path[64];
    snprintf(path, sizeof path, "/tmp/drsim-junit-%d.xml", (int)getpid());
    drs_error err = {0};
    assert_true(report_junit_write(r, path, &err));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char head[64] = {0};
    assert_true(fread(head, 1, sizeof head - 1, f) > 0);
    fclose(f);
    assert_non_null(strstr(head, "<?xml version=\"1.0\""));
    remove(path);
    assert_false(report_junit_write(r, "/nonexistent-dir/drsim/junit.xml", &err));
    assert_int_equal(err.code, DRS_EIO);
    report_results_free(r);
}

/* Failover findings are listed under the failover they belong to: a VM's own record before its
 * plan's, the latest one that started by then and had not ended; the rest under "findings". */
static void test_failover_findings_follow_their_failover(void **state)
{
    (void)state;
    drs_scenario sc = {
        .name = "findings",
        .duration_ns = 4 * 3600 * S,
        .sites = sites,
        .site_count = 2,
        .links = links,
        .link_count = 1,
        .vms = vms,
        .vm_count = 2,
        .recovery = {.cloud_pairs = pairs, .cloud_pair_count = 1, .plans = plans, .plan_count = 1}};
    report_results *r = report_results_new(&sc);
    engine_recorder rec = report_results_recorder(r);
    engine_event_info ev = {.kind = ENGINE_EV_FAILOVER_FINDING, .pair = 0};
    /* A test failover of VM 1 from 1 h to 1 h 10: one finding inside it. */
    ev = (engine_event_info){.at_ns = 3600 * S + 2 * MIN,
                             .kind = ENGINE_EV_FAILOVER_FINDING,
                             .vm = 1,
                             .pair = 0,
                             .detail = "network corp-sea is not mapped"};
    rec.event(rec.ctx, &ev);
    /* The plan from 2 h to 2 h 30: VM 1 has its own record, the plan a finding of its own. */
    ev.at_ns = 2 * 3600 * S + 5 * MIN;
    ev.detail = "script fix-dns failed";
    rec.event(rec.ctx, &ev);
    ev.vm = -1;
    ev.at_ns = 2 * 3600 * S + 20 * MIN;
    ev.detail = "manual action skipped";
    rec.event(rec.ctx, &ev);
    /* A refused commit at 3 h belongs to no failover. */
    ev.vm = 1;
    ev.at_ns = 3 * 3600 * S;
    ev.detail = "Commit: nothing to commit";
    rec.event(rec.ctx, &ev);
    report_failover f = {.kind = ENGINE_FO_TEST,
                         .plan = -1,
                         .vm = 1,
                         .started_ns = 3600 * S,
                         .ended_ns = 3600 * S + 10 * MIN,
                         .succeeded = true,
                         .failure_ns = -1,
                         .rp_captured_ns = -1,
                         .data_loss_ns = -1};
    report_results_add_failover(r, &f);
    f = (report_failover){.kind = ENGINE_FO_PLANNED,
                          .plan = 0,
                          .vm = 1,
                          .started_ns = 2 * 3600 * S,
                          .ended_ns = 2 * 3600 * S + 10 * MIN,
                          .succeeded = false,
                          .failure_ns = -1,
                          .rp_captured_ns = -1,
                          .data_loss_ns = -1};
    report_results_add_failover(r, &f);
    f.vm = -1;
    f.ended_ns = 2 * 3600 * S + 30 * MIN;
    report_results_add_failover(r, &f);
    report_results_finish(r, 4 * 3600 * S);
    assert_int_equal(report_results_fo_finding_count(r), 4);
    assert_int_equal(report_results_fo_finding(r, 0)->failover, 0);
    assert_int_equal(report_results_fo_finding(r, 1)->failover, 1);
    assert_int_equal(report_results_fo_finding(r, 2)->failover, 2);
    assert_int_equal(report_results_fo_finding(r, 3)->failover, -1);
    char *out = capture(report_summary_write, r);
    const char *fo = strstr(out, "\nfailover ");
    assert_non_null(fo);
    /* In order: test row, its finding; VM row, its finding; plan row, its finding. */
    const char *a = strstr(fo, "network corp-sea is not mapped");
    const char *b = strstr(fo, "script fix-dns failed");
    const char *c = strstr(fo, "manual action skipped");
    const char *plan_row = strstr(fo, "\nerp ");
    assert_true(a && b && c && plan_row);
    assert_true(a < b && b < plan_row && plan_row < c);
    const char *findings = strstr(out, "\nfindings\n");
    assert_non_null(findings);
    const char *commit = strstr(findings, "Commit: nothing to commit");
    assert_non_null(commit);
    assert_non_null(strstr(out, "plan at 2h20m00s: manual action skipped"));
    free(out);
    report_results_free(r);
}

/* A run that ends with sql-01 unprotected, a job still running and a plan failover in which web-01
 * did not start. sql-01: points applied every 5 min from 1 min, then protection lost at 1 h 30 min
 * (captured -1) and never regained. Its RPO statistics cover [1 min, 1 h 30 min) only: max 6 min,
 * where a line drawn on to the end (2 h) would reach 36 min. */
static report_results *ending_run(void)
{
    drs_scenario sc = {
        .name = "ending",
        .duration_ns = 2 * 3600 * S,
        .sites = sites,
        .site_count = 2,
        .links = links,
        .link_count = 1,
        .vms = vms,
        .vm_count = 2,
        .recovery = {.cloud_pairs = pairs, .cloud_pair_count = 1, .plans = plans, .plan_count = 1}};
    report_results *r = report_results_new(&sc);
    assert_non_null(r);
    engine_recorder rec = report_results_recorder(r);
    for (int64_t c = 0; c < 90 * MIN - MIN; c += 5 * MIN)
        rec.rpo_point(rec.ctx, 0, c + MIN, c);
    rec.rpo_point(rec.ctx, 0, 90 * MIN, -1);
    engine_job_info j = {.id = 7, .name = "Reverse Replication", .vm = 0, .pair = 0, .site = -1,
                         .subject = "sql-01"};
    rec.job_started(rec.ctx, &j, 100 * MIN);
    rec.job_step(rec.ctx, 7, "Reversing the replication direction", ENGINE_JOB_SUCCEEDED,
                 100 * MIN);
    rec.job_step(rec.ctx, 7, "Resynchronizing the old primary", ENGINE_JOB_IN_PROGRESS,
                 101 * MIN);
    engine_job_info done = {.id = 8, .name = "Commit", .vm = 0, .pair = 0, .site = -1,
                            .subject = "sql-01"};
    rec.job_started(rec.ctx, &done, 99 * MIN);
    rec.job_ended(rec.ctx, 8, ENGINE_JOB_SUCCEEDED, "", 99 * MIN);
    report_failover plan = {.kind = ENGINE_FO_PLANNED, .plan = 0, .vm = -1,
                            .started_ns = 95 * MIN, .ended_ns = -1, .succeeded = false,
                            .failure_ns = -1, .rp_captured_ns = -1, .data_loss_ns = -1,
                            .verified = false};
    snprintf(plan.detail, sizeof plan.detail, "web-01 did not start");
    report_failover vm1 = plan;
    vm1.vm = 1;
    report_results_add_failover(r, &vm1);
    report_results_add_failover(r, &plan);
    report_results_finish(r, 2 * 3600 * S);
    return r;
}

static void test_summary_and_html_say_how_the_run_ended(void **state)
{
    (void)state;
    report_results *r = ending_run();
    assert_int_equal(report_results_unprotected_from(r, 0), 90 * MIN);
    assert_int_equal(report_results_unprotected_from(r, 1), -1); /* never protected */
    report_rpo_stats st;
    report_results_rpo(r, 0, 0, 0, &st);
    assert_true(st.defined);
    assert_int_equal(st.max_ns, 6 * MIN);
    char *out = capture(report_summary_write, r);
    static const char *const want[] = {
        ": not protected from 1h30m00s",
        "\nstill in progress at the end\n",
        "Reverse Replication",
        "Resynchronizing the old primary",
        "1h40m00s", /* when the job started */
        "failed: web-01 did not start",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(out, want[i]))
            fail_msg("summary lacks \"%s\":\n%s", want[i], out);
    /* The finished Commit job is not listed as in progress; the failed plan has no RTO. */
    const char *prog = strstr(out, "still in progress at the end");
    assert_null(strstr(prog, "Commit"));
    const char *row = strstr(out, "\nerp ");
    assert_non_null(row);
    assert_non_null(strstr(row, "failed"));
    free(out);
    char *html = capture(report_html_fprint, r);
    assert_non_null(strstr(html, "not protected from 1h30m00s"));
    assert_non_null(strstr(html, "Still in progress at the end"));
    assert_non_null(strstr(html, "Resynchronizing the old primary"));
    free(html);
    report_results_free(r);
}

/* 200 VMs. VM i gets a point captured every P = 1 + i % 25 minutes, applied a minute later, for
 * 10 h (600 min: whole teeth for P = 24 and 25), so its RPO climbs from 1 to P + 1 minutes:
 * p95 = 1 + 0.95 P minutes. The worst are P = 25 (p95 24m45s, max 26m00s): i = 24, 49, 74, 99,
 * 124, 149, 174, 199; then P = 24 (p95 23m48s): i = 23, 48, 73, ... Every third name (i % 3 == 0)
 * is in katakana, two columns a character; names compare as bytes, so "vm-..." sorts before them.
 * Ties by name give the worst ten: vm-049, vm-074, vm-124, vm-149, vm-199, then the katakana 024,
 * 099, 174, then from P = 24 vm-023 and vm-073. */
#define FLEET 200
static char fleet_names[FLEET][32];

static report_results *fleet_run(void)
{
    static drs_vm many[FLEET];
    for (int i = 0; i < FLEET; i++) {
        snprintf(fleet_names[i], sizeof fleet_names[i],
                 i % 3 == 0 ? "\xe3\x83\x87\xe3\x83\xbc\xe3\x82\xbf-%03d" : "vm-%03d", i);
        many[i] = (drs_vm){.name = fleet_names[i], .site = 0, .host = 0};
    }
    drs_scenario sc = {.name = "fleet",
                       .duration_ns = 601 * MIN,
                       .sites = sites,
                       .site_count = 2,
                       .links = links,
                       .link_count = 1,
                       .vms = many,
                       .vm_count = FLEET,
                       .recovery = {.cloud_pairs = pairs, .cloud_pair_count = 1}};
    report_results *r = report_results_new(&sc);
    assert_non_null(r);
    engine_recorder rec = report_results_recorder(r);
    for (int i = 0; i < FLEET; i++) {
        int64_t period = (1 + i % 25) * MIN;
        for (int64_t c = 0; c < 600 * MIN; c += period)
            rec.rpo_point(rec.ctx, i, c + MIN, c);
        rec.health(rec.ctx, i, ENGINE_HEALTH_NONE,
                   i % 25 >= 23 ? ENGINE_HEALTH_WARNING : ENGINE_HEALTH_NORMAL, MIN);
        engine_event_info ev = {.at_ns = 30 * MIN, .kind = ENGINE_EV_MISSED_CYCLE, .vm = i,
                                .pair = 0, .detail = ""};
        rec.event(rec.ctx, &ev);
    }
    report_results_finish(r, 601 * MIN);
    return r;
}

static void summary_all(const report_results *r, FILE *f)
{
    report_summary_fprint(r, f, true);
}

static void test_summary_large_fleet_shows_the_worst(void **state)
{
    (void)state;
    report_results *r = fleet_run();
    char *out = capture(report_summary_write, r);
    size_t lines = text_assert_fits_80(out);
    /* A screenful, not 200 rows per table: the fleet, 10 VMs in two tables, findings of 10. */
    if (lines > 60)
        fail_msg("%zu lines:\n%s", lines, out);
    /* The fleet line comes second, right after the run's own line; 16 VMs have P = 24 or 25
     * (i % 25 >= 23: 8 each) and are in warning. */
    const char *fleet = strchr(out, '\n') + 1;
    assert_int_equal(strncmp(fleet, "fleet: 200 VMs: 184 normal, 16 warning, 0 critical, "
                                    "0 not protected\n",
                             strlen("fleet: 200 VMs: 184 normal, 16 warning, 0 critical, "
                                    "0 not protected\n")),
                     0);
    assert_non_null(strstr(out, "\nworst RPO: p95 24m45s (vm-049), max 26m00s (vm-049)\n"));
    /* The VM table: the ten worst in order, then the count of the rest. */
    static const char *const worst[] = {"vm-049", "vm-074", "vm-124", "vm-149", "vm-199",
                                        "\xe3\x83\x87\xe3\x83\xbc\xe3\x82\xbf-024",
                                        "\xe3\x83\x87\xe3\x83\xbc\xe3\x82\xbf-099",
                                        "\xe3\x83\x87\xe3\x83\xbc\xe3\x82\xbf-174",
                                        "vm-023", "vm-073"};
    const char *p = strstr(out, "\nVM ");
    assert_non_null(p);
    for (size_t i = 0; i < 10; i++) {
        p = strchr(p + 1, '\n') + 1;
        if (strncmp(p, worst[i], strlen(worst[i])) != 0)
            fail_msg("row %zu is not %s:\n%s", i, worst[i], out);
    }
    p = strchr(p, '\n') + 1;
    static const char more[] = "\xe2\x80\xa6 and 190 more; --all to list every VM\n";
    if (strncmp(p, more, strlen(more)) != 0)
        fail_msg("no count of the rest:\n%s", out);
    /* The katakana names take 11 columns, padded to 16: the RPO columns stay aligned. */
    const char *k = strstr(out, "\n\xe3\x83\x87\xe3\x83\xbc\xe3\x82\xbf-024 ");
    const char *v = strstr(out, "\nvm-049 ");
    assert_true(k && v);
    assert_int_equal(text_columns(k + 1, (size_t)(strstr(k + 1, "24m45s") - (k + 1))),
                     text_columns(v + 1, (size_t)(strstr(v + 1, "24m45s") - (v + 1))));
    /* A VM outside the worst is in no table. */
    assert_null(strstr(out, "vm-001 "));
    assert_non_null(strstr(out, "190 more VMs with findings"));
    free(out);

    /* Every VM with all: 200 rows in each per-VM table. */
    out = capture(summary_all, r);
    text_assert_fits_80(out);
    assert_null(strstr(out, "more; --all"));
    for (int i = 0; i < FLEET; i++) {
        char row[48];
        snprintf(row, sizeof row, "\n%.31s ", fleet_names[i]);
        size_t n = 0;
        for (const char *q = out; (q = strstr(q, row)); q++)
            n++;
        if (n != 2) /* the VM table and the recovery points */
            fail_msg("%s is in %zu rows", fleet_names[i], n);
    }
    free(out);
    report_results_free(r);
}

/* Cutting text to columns: ASCII keeps width - 3 characters and "..."; katakana (two columns each)
 * keeps as many whole characters as fit in width - 3 columns, never a part of one; a combining
 * accent takes no column; a text that fits is left alone. */
static void test_format_fit_counts_columns(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(report_format_fit(buf, sizeof buf, "abcdefghij", 6), "abc...");
    assert_string_equal(report_format_fit(buf, sizeof buf, "abcdef", 6), "abcdef");
    /* "データベース": 6 characters, 12 columns, 18 bytes. In 8 columns: 2 characters (4
     * columns; a third would make 6 > 8 - 3) and "...". */
    const char *kata = "\xe3\x83\x87\xe3\x83\xbc\xe3\x82\xbf\xe3\x83\x99\xe3\x83\xbc"
                       "\xe3\x82\xb9";
    assert_int_equal(report_format_width(kata), 12);
    assert_string_equal(report_format_fit(buf, sizeof buf, kata, 8),
                        "\xe3\x83\x87\xe3\x83\xbc...");
    assert_string_equal(report_format_fit(buf, sizeof buf, kata, 12), kata);
    /* A buffer too small for the bytes cuts between characters too: 9 bytes hold two
     * characters (6 bytes) and "..." (3) only with no room for the NUL, so one and "...". */
    assert_string_equal(report_format_fit(buf, 9, kata, 40), "\xe3\x83\x87...");
    /* "e" and a combining acute accent: one column. */
    assert_int_equal(report_format_width("e\xcc\x81"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_fit_counts_columns),
        cmocka_unit_test(test_summary_fits_80_columns),
        cmocka_unit_test(test_summary_large_fleet_shows_the_worst),
        cmocka_unit_test(test_summary_escapes_control_characters),
        cmocka_unit_test(test_summary_shows_key_numbers),
        cmocka_unit_test(test_junit_fails_exactly_the_failing_expectations),
        cmocka_unit_test(test_failover_findings_follow_their_failover),
        cmocka_unit_test(test_summary_and_html_say_how_the_run_ended),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
