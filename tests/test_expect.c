/* tests/test_expect.c — every kind of scenario expectation against a hand-made run, pass and fail,
 * and the exit code that follows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "reports/reports.h"

#define S INT64_C(1000000000)
#define MIN (60 * S)

/* Two VMs at "sea" replicating to "dub" over "wan"; one recovery plan. */
static drs_storage sea_storage[] = {{.classification = "sea-fast"}};
static drs_storage dub_storage[] = {{.classification = "dub-fast"}, {.classification = "dub-slow"}};
static char *sea_clouds[] = {"gold-sea"};
static char *dub_clouds[] = {"gold-dub"};
static drs_host sea_hosts[] = {{.name = "hv-sea-1", .cloud = 0, .storage = 0}};
static drs_host dub_hosts[] = {{.name = "hv-dub-1", .cloud = 0, .storage = 0}};
static drs_site sites[] = {
    {.name = "sea", .clouds = sea_clouds, .cloud_count = 1, .hosts = sea_hosts, .host_count = 1,
     .storage = sea_storage, .storage_count = 1},
    {.name = "dub", .clouds = dub_clouds, .cloud_count = 1, .hosts = dub_hosts, .host_count = 1,
     .storage = dub_storage, .storage_count = 2}};
static drs_link links[] = {{.name = "wan", .site_a = 0, .site_b = 1, .bandwidth_Bps = 1e6}};
static drs_vm vms[] = {{.name = "sql-01", .site = 0, .host = 0}, {.name = "web-01", .site = 0, .host = 0}};
static drs_cloud_pair pairs[] = {{.primary_site = 0, .primary_cloud = 0, .target_site = 1, .target_cloud = 0}};
static drs_recovery_plan plans[] = {{.name = "erp"}, {.name = "idle"}};

/* The run, by hand:
 * - sql-01: points captured every 5 min from 0, each applied 1 min later, until 2 h; except that a
 *   30-minute outage holds the point captured at 10 min until 40 min + 1 min. So RPO runs 1..6 min
 *   on every tooth but one, which climbs from 1 min to 31 min (at 41 min).
 *   Initial replication from 0 to 1 min. 10 cycles of 3 MB raw, 1 MB wire.
 *   Health: normal at 1 min, critical at 30 min, normal again at 45 min.
 *   "Enable Protection" (id 1) 0..1 min succeeded; "Finalize Protection" (id 3) 1 min..2 h succeeded.
 * - web-01: no recovery point ever applied; warning at 50 min; two missed cycles at 20 and 25 min;
 *   one resync required at 1 h. "Finalize Protection" (id 4) failed at 30 min: "storage full".
 * - link samples: 2 min at 50 %, 38 at 10 % (one per minute, 1 MB/s link).
 * - replica storage: sql-01 on dub-fast 5 GB then 7 GB, web-01 on dub-fast 4 GB: class peak 11 GB.
 * - failovers of plan erp: one plan record (RTO 20 min, loss 4 min, verified) and two per-VM records
 *   (one not verified). */
static report_results *hand_run(void)
{
    drs_scenario sc = {.name = "hand", .seed = 7, .duration_ns = 2 * 3600 * S, .sites = sites,
                       .site_count = 2, .links = links, .link_count = 1, .vms = vms, .vm_count = 2,
                       .recovery = {.cloud_pairs = pairs, .cloud_pair_count = 1, .plans = plans,
                                    .plan_count = 2}};
    report_results *r = report_results_new(&sc);
    assert_non_null(r);
    engine_recorder rec = report_results_recorder(r);

    for (int64_t c = 0; c < 2 * 3600 * S; c += 5 * MIN) {
        if (c > 10 * MIN && c < 40 * MIN)
            continue; /* the outage: nothing applied */
        rec.rpo_point(rec.ctx, 0, c == 40 * MIN ? 41 * MIN : c + MIN, c == 40 * MIN ? 10 * MIN : c);
        if (c == 40 * MIN)
            rec.rpo_point(rec.ctx, 0, 41 * MIN, 40 * MIN); /* caught up at once: same instant */
    }
    engine_ir_info ir = {.vm = 0, .method = "network", .start_ns = 0, .end_ns = MIN,
                         .raw_bytes = 0, .wire_bytes = 0};
    rec.initial_replication(rec.ctx, &ir);
    for (int i = 0; i < 10; i++) {
        engine_cycle_info cy = {.vm = 0, .raw_bytes = 3000000, .wire_bytes = 1000000};
        rec.cycle(rec.ctx, &cy);
    }
    rec.health(rec.ctx, 0, ENGINE_HEALTH_NONE, ENGINE_HEALTH_NORMAL, MIN);
    rec.health(rec.ctx, 0, ENGINE_HEALTH_NORMAL, ENGINE_HEALTH_CRITICAL, 30 * MIN);
    rec.health(rec.ctx, 0, ENGINE_HEALTH_CRITICAL, ENGINE_HEALTH_NORMAL, 45 * MIN);
    rec.health(rec.ctx, 1, ENGINE_HEALTH_NONE, ENGINE_HEALTH_WARNING, 50 * MIN);

    engine_job_info j1 = {.id = 1, .name = "Enable Protection", .vm = 0, .pair = 0, .site = -1,
                          .subject = "sql-01"};
    engine_job_info j3 = {.id = 3, .name = "Finalize Protection", .vm = 0, .pair = 0, .site = -1,
                          .subject = "sql-01"};
    engine_job_info j4 = {.id = 4, .name = "Finalize Protection", .vm = 1, .pair = 0, .site = -1,
                          .subject = "web-01"};
    rec.job_started(rec.ctx, &j1, 0);
    rec.job_ended(rec.ctx, 1, ENGINE_JOB_SUCCEEDED, "", MIN);
    rec.job_started(rec.ctx, &j3, MIN);
    rec.job_started(rec.ctx, &j4, MIN);
    rec.job_ended(rec.ctx, 4, ENGINE_JOB_FAILED, "storage full", 30 * MIN);
    rec.job_ended(rec.ctx, 3, ENGINE_JOB_SUCCEEDED, "", 2 * 3600 * S);

    engine_event_info ev = {.kind = ENGINE_EV_MISSED_CYCLE, .vm = 1, .pair = 0, .detail = ""};
    ev.at_ns = 20 * MIN;
    rec.event(rec.ctx, &ev);
    ev.at_ns = 25 * MIN;
    rec.event(rec.ctx, &ev);
    ev.kind = ENGINE_EV_RESYNC_REQUIRED;
    ev.at_ns = 3600 * S;
    rec.event(rec.ctx, &ev);

    for (int m = 1; m <= 40; m++)
        report_results_add_link_sample(r, 0, m * MIN, MIN, m <= 2 ? 30e6 : 6e6, m <= 2 ? 30e6 : 6e6,
                                       1e6);

    rec.replica_storage(rec.ctx, 1, 0, 0, 5000000000, MIN);
    rec.replica_storage(rec.ctx, 1, 0, 1, 4000000000, 2 * MIN);
    rec.replica_storage(rec.ctx, 1, 0, 0, 7000000000, 3 * MIN);

    report_failover plan = {.kind = ENGINE_FO_UNPLANNED, .plan = 0, .vm = -1,
                            .started_ns = 3600 * S, .ended_ns = 3600 * S + 20 * MIN, .succeeded = true,
                            .failure_ns = 3600 * S, .rp_captured_ns = 3600 * S - 4 * MIN,
                            .data_loss_ns = 4 * MIN, .data_loss_bytes = 123456789, .verified = true};
    report_failover vm0 = plan, vm1 = plan;
    vm0.vm = 0;
    vm0.ended_ns = 3600 * S + 8 * MIN;
    vm1.vm = 1;
    vm1.verified = false;
    vm1.data_loss_ns = 9 * MIN;
    report_results_add_failover(r, &plan);
    report_results_add_failover(r, &vm0);
    report_results_add_failover(r, &vm1);

    drs_diags d = {0};
    drs_diags_add(&d, DRS_SEV_ERROR, 3, "recovery.cloud_pairs[0].target", "cloud already paired");
    drs_diags_add(&d, DRS_SEV_WARNING, 11, "vms[1].networks[0]", "not mapped");
    report_results_add_diags(r, &d);
    drs_diags_clear(&d);

    report_results_finish(r, 2 * 3600 * S);
    return r;
}

static drs_expect metric(const char *name, drs_scope scope, const char *target)
{
    return (drs_expect){.kind = DRS_EXPECT_METRIC, .path = "expect[0]", .name = (char *)name,
                        .scope = scope, .target = (char *)target,
                        .unit = report_metric_unit(name)};
}

/* Evaluates one expectation; returns the number of results and whether all of them passed. */
static size_t eval1(report_results *r, drs_expect e, bool *all_pass)
{
    *all_pass = report_expect_evaluate(r, &e, 1);
    assert_int_equal(*all_pass, report_results_expect_failed(r) == 0);
    return report_results_expect_count(r);
}

static bool passes(report_results *r, drs_expect e)
{
    bool ok;
    assert_int_equal(eval1(r, e, &ok), 1);
    return ok;
}

static void test_rpo_bounds(void **state)
{
    (void)state;
    report_results *r = hand_run();
    /* rpo.max of sql-01: the outage tooth peaks at 41 min - 10 min = 31 min. */
    drs_expect e = metric("rpo.max", DRS_SCOPE_VM, "sql-01");
    e.has_max = true;
    e.max = 31.0 * 60e9;
    assert_true(passes(r, e));
    assert_string_equal(report_results_expect(r, 0)->actual, "31m00s");
    assert_string_equal(report_results_expect(r, 0)->bound, "<= 31m00s");
    e.max = 30.0 * 60e9;
    assert_false(passes(r, e));
    /* The same as numbers, for charts. */
    const report_expect_result *x = report_results_expect(r, 0);
    assert_true(x->has_value && x->value == 31.0 * 60e9);
    assert_true(x->has_max && !x->has_min && x->max == 30.0 * 60e9);
    assert_int_equal(x->scope, DRS_SCOPE_VM);
    assert_int_equal(x->subject, 0);
    assert_int_equal(x->unit, DRS_UNIT_DURATION);
    /* From 41 min on, every tooth runs 1..6 min: the 30 min bound holds there. */
    e.after_ns = 41 * MIN;
    assert_true(passes(r, e));
    /* rpo.mean >= 2 min: a bound from below that holds (teeth average 3.5 min, the outage more). */
    drs_expect m = metric("rpo.mean", DRS_SCOPE_VM, "sql-01");
    m.has_min = true;
    m.min = 2.0 * 60e9;
    assert_true(passes(r, m));
    /* Both bounds in one entry: 1 min <= p50 <= 2 min fails (p50 of the teeth is 3.5 min). */
    drs_expect p = metric("rpo.p50", DRS_SCOPE_VM, "sql-01");
    p.has_min = p.has_max = true;
    p.min = 60e9;
    p.max = 120e9;
    assert_false(passes(r, p));
    assert_string_equal(report_results_expect(r, 0)->bound, ">= 1m00s and <= 2m00s");
    report_results_free(r);
}

static void test_rpo_after_window(void **state)
{
    (void)state;
    report_results *r = hand_run();
    drs_expect e = metric("rpo.max", DRS_SCOPE_VM, "sql-01");
    e.has_max = true;
    e.max = 6.0 * 60e9;
    assert_false(passes(r, e));
    /* From 41 min on, the teeth run from 1 to 6 minutes. */
    e.after_ns = 41 * MIN;
    assert_true(passes(r, e));
    assert_non_null(strstr(report_results_expect(r, 0)->name, "after 41m00s"));
    /* Time above 6 min over the whole run: the outage tooth from 6 to 31 min, 25 min. */
    drs_expect t = metric("rpo.time_above", DRS_SCOPE_VM, "sql-01");
    t.threshold_ns = 6 * MIN;
    t.has_max = true;
    t.max = 25.0 * 60e9;
    assert_true(passes(r, t));
    t.max = 24.0 * 60e9;
    assert_false(passes(r, t));
    report_results_free(r);
}

static void test_every_vm_is_checked_and_undefined_rpo_fails(void **state)
{
    (void)state;
    report_results *r = hand_run();
    drs_expect e = metric("rpo.p99", DRS_SCOPE_VM, "*");
    e.has_max = true;
    e.max = 3600e9;
    bool all;
    /* One result per VM; web-01 never had a point applied, so its RPO is undefined: a failure. */
    assert_int_equal(eval1(r, e, &all), 2);
    assert_false(all);
    assert_true(report_results_expect(r, 0)->pass);
    assert_false(report_results_expect(r, 1)->pass);
    assert_string_equal(report_results_expect(r, 1)->name, "rpo.p99 vm=web-01");
    assert_non_null(strstr(report_results_expect(r, 1)->actual, "undefined"));
    /* A name that matches nothing fails. */
    e.target = "nope-01";
    assert_false(passes(r, e));
    assert_string_equal(report_results_expect(r, 0)->actual, "no such vm");
    report_results_free(r);
}

static void test_counts_sizes_ratios(void **state)
{
    (void)state;
    report_results *r = hand_run();
    /* 30 MB raw / 10 MB wire = 3.0 */
    drs_expect e = metric("compression.ratio", DRS_SCOPE_VM, "sql-01");
    e.has_min = true;
    e.min = 3.0;
    assert_true(passes(r, e));
    e.min = 3.01;
    assert_false(passes(r, e));
    drs_expect m = metric("cycles.missed", DRS_SCOPE_VM, "web-01");
    m.has_equals = true;
    m.equals = 2;
    assert_true(passes(r, m));
    m.equals = 0;
    assert_false(passes(r, m));
    drs_expect rs = metric("resyncs", DRS_SCOPE_VM, "web-01");
    rs.has_max = true;
    rs.max = 0;
    assert_false(passes(r, rs));
    /* Initial replication of sql-01 took 1 min; web-01 never finished it. */
    drs_expect ir = metric("initial_replication.time", DRS_SCOPE_VM, "*");
    ir.has_max = true;
    ir.max = 18.0 * 3600e9;
    bool all;
    assert_int_equal(eval1(r, ir, &all), 2);
    assert_true(report_results_expect(r, 0)->pass);
    assert_false(report_results_expect(r, 1)->pass);
    /* Classification peak: 7 GB + 4 GB = 11 GB on dub-fast at once. */
    drs_expect st = metric("replica_storage.peak", DRS_SCOPE_CLASSIFICATION, "dub-fast");
    st.has_max = true;
    st.max = 11e9;
    assert_true(passes(r, st));
    st.max = 11e9 - 1;
    assert_false(passes(r, st));
    /* Link: 2 of 40 minutes at 50 %, 38 at 10 %. 38/40 = 95 % of the time is at most 10 %, so
     * p95 = 0.1; max 0.5. */
    drs_expect u = metric("link.utilization.p95", DRS_SCOPE_LINK, "wan");
    u.has_max = true;
    u.max = 0.1;
    assert_true(passes(r, u));
    drs_expect um = metric("link.utilization.max", DRS_SCOPE_LINK, "wan");
    um.has_max = true;
    um.max = 0.49;
    assert_false(passes(r, um));
    /* After 2 min the link never went above 10 %. */
    um.after_ns = 2 * MIN;
    assert_true(passes(r, um));
    /* A metric that does not apply to the scope fails with a reason. */
    drs_expect bad = metric("rpo.max", DRS_SCOPE_LINK, "wan");
    bad.has_max = true;
    assert_false(passes(r, bad));
    report_results_free(r);
}

static void test_failover_metrics_take_the_worst(void **state)
{
    (void)state;
    report_results *r = hand_run();
    /* The plan's own record: RTO 20 min, loss 4 min, verified. */
    drs_expect rto = metric("failover.rto", DRS_SCOPE_PLAN, "erp");
    rto.has_max = true;
    rto.max = 20.0 * 60e9;
    assert_true(passes(r, rto));
    drs_expect v = metric("failover.verified", DRS_SCOPE_PLAN, "erp");
    v.has_equals = true;
    v.equals = 1;
    assert_true(passes(r, v));
    /* web-01's own record was not verified and lost 9 min. */
    v.scope = DRS_SCOPE_VM;
    v.target = "web-01";
    assert_false(passes(r, v));
    assert_string_equal(report_results_expect(r, 0)->actual, "false");
    drs_expect loss = metric("failover.data_loss", DRS_SCOPE_VM, "*");
    loss.has_max = true;
    loss.max = 5.0 * 60e9;
    bool all;
    assert_int_equal(eval1(r, loss, &all), 2);
    assert_true(report_results_expect(r, 0)->pass);
    assert_false(report_results_expect(r, 1)->pass);
    /* A plan that never failed over has no RTO. */
    rto.target = "idle";
    assert_false(passes(r, rto));
    assert_string_equal(report_results_expect(r, 0)->actual, "no failover");
    report_results_free(r);
}

static void test_until_closes_the_window(void **state)
{
    (void)state;
    report_results *r = hand_run();
    /* sql-01 over [0, 10 min): the tooth [1, 6) min runs 1..6 min, the one from 6 min (captured
     * at 5) 1..5 min up to 10 min; the outage tooth that peaks at 31 min comes later. So rpo.max
     * is 6 min until 10 min, where over the whole run it is 31 min. */
    drs_expect e = metric("rpo.max", DRS_SCOPE_VM, "sql-01");
    e.has_max = true;
    e.max = 6.0 * 60e9;
    assert_false(passes(r, e));
    e.until_ns = 10 * MIN;
    assert_true(passes(r, e));
    assert_string_equal(report_results_expect(r, 0)->actual, "6m00s");
    assert_string_equal(report_results_expect(r, 0)->name, "rpo.max vm=sql-01 until 10m00s");
    /* With both ends: [5 min, 10 min) holds the last minute of the first tooth (5..6 min) and
     * the second tooth's 1..5 min: mean = (1 * 5.5 + 4 * 3) / 5 = 3.5 min. */
    drs_expect m = metric("rpo.mean", DRS_SCOPE_VM, "sql-01");
    m.has_max = true;
    m.max = 3.5 * 60e9;
    m.after_ns = 5 * MIN;
    m.until_ns = 10 * MIN;
    assert_true(passes(r, m));
    assert_string_equal(report_results_expect(r, 0)->actual, "3m30s");
    assert_string_equal(report_results_expect(r, 0)->name,
                        "rpo.mean vm=sql-01 after 5m00s until 10m00s");
    /* Link: the first 2 of 40 minutes at 50 %, the rest at 10 %. Whole run p95 = 10 %; until
     * 2 min only the 50 % minutes count, so p95 = 50 %. */
    drs_expect u = metric("link.utilization.p95", DRS_SCOPE_LINK, "wan");
    u.has_max = true;
    u.max = 0.1;
    assert_true(passes(r, u));
    u.until_ns = 2 * MIN;
    assert_false(passes(r, u));
    assert_string_equal(report_results_expect(r, 0)->actual, "0.5");
    /* web-01 never had a point: undefined in any window. */
    drs_expect w = metric("rpo.max", DRS_SCOPE_VM, "web-01");
    w.has_max = true;
    w.until_ns = 10 * MIN;
    assert_false(passes(r, w));
    assert_non_null(strstr(report_results_expect(r, 0)->actual, "in the window"));
    report_results_free(r);
}

/* A plan failover in which a VM did not start: the plan's record is failed, unverified and never
 * ended; each VM has its own record. */
static void test_failed_plan_failover_names_the_vms(void **state)
{
    (void)state;
    drs_scenario sc = {.name = "fail", .duration_ns = 4 * 3600 * S, .sites = sites,
                       .site_count = 2, .links = links, .link_count = 1, .vms = vms, .vm_count = 2,
                       .recovery = {.cloud_pairs = pairs, .cloud_pair_count = 1, .plans = plans,
                                    .plan_count = 2}};
    report_results *r = report_results_new(&sc);
    /* Run 1 of erp at 1 h: sql-01 started, web-01 did not. */
    report_failover plan = {.kind = ENGINE_FO_UNPLANNED, .plan = 0, .vm = -1,
                            .started_ns = 3600 * S, .ended_ns = -1, .succeeded = false,
                            .failure_ns = 3600 * S, .rp_captured_ns = 3600 * S - 4 * MIN,
                            .data_loss_ns = 4 * MIN, .verified = false};
    snprintf(plan.detail, sizeof plan.detail, "web-01 did not start");
    report_failover ok = plan, bad = plan;
    ok.vm = 0;
    ok.succeeded = ok.verified = true;
    ok.ended_ns = 3600 * S + 5 * MIN;
    bad.vm = 1;
    bad.started_ns = 3600 * S + MIN;
    bad.ended_ns = -1;
    report_results_add_failover(r, &ok);
    report_results_add_failover(r, &bad);
    report_results_add_failover(r, &plan);
    /* Run 2 at 3 h: sql-01 fails this time. It belongs to the second run, not the first. */
    report_failover plan2 = plan, bad2 = plan;
    plan2.started_ns = bad2.started_ns = 3 * 3600 * S;
    bad2.vm = 0;
    report_results_add_failover(r, &plan2);
    report_results_add_failover(r, &bad2);
    report_results_finish(r, 4 * 3600 * S);

    drs_expect rto = metric("failover.rto", DRS_SCOPE_PLAN, "erp");
    rto.has_max = true;
    rto.max = 3600e9;
    assert_false(passes(r, rto));
    const report_expect_result *x = report_results_expect(r, 0);
    assert_false(x->has_value);
    assert_string_equal(x->actual, "failover failed: web-01 did not start");
    drs_expect v = metric("failover.verified", DRS_SCOPE_PLAN, "erp");
    v.has_equals = true;
    v.equals = 1;
    assert_false(passes(r, v));
    assert_string_equal(report_results_expect(r, 0)->actual, "false");
    /* The VM that did not start has no RTO either; the one that did has 5 min. */
    drs_expect vr = metric("failover.rto", DRS_SCOPE_VM, "web-01");
    vr.has_max = true;
    vr.max = 3600e9;
    assert_false(passes(r, vr));
    assert_non_null(strstr(report_results_expect(r, 0)->actual, "failover failed"));
    report_results_free(r);

    /* Only the second run failed: its message names sql-01 alone. */
    r = report_results_new(&sc);
    report_failover good = plan;
    good.succeeded = good.verified = true;
    good.ended_ns = 3600 * S + 10 * MIN;
    report_results_add_failover(r, &good);
    report_results_add_failover(r, &plan2);
    report_results_add_failover(r, &bad2);
    report_results_finish(r, 4 * 3600 * S);
    assert_false(passes(r, rto));
    assert_string_equal(report_results_expect(r, 0)->actual, "failover failed: sql-01 did not start");
    report_results_free(r);
}

/* Levels that change several times at one instant: the maximum sees only what lasted. Retention
 * of 4 additional points: from the 5th hour on, each hour the new point is applied and the
 * oldest pruned at the same instant, in that order, so 5 points never coexist: max 4 (taking the
 * maximum after each callback would say 5). Replica storage grows by the new point's 1 GB and
 * shrinks by the pruned one's at that same instant: peak = base 10 GB + 4 GB. web-01 prunes one
 * minute late once, so it really holds 5 points (and 15 GB) for that minute. */
static void test_level_maxima_between_instants(void **state)
{
    (void)state;
    drs_scenario sc = {.name = "levels", .duration_ns = 10 * 3600 * S, .sites = sites,
                       .site_count = 2, .links = links, .link_count = 1, .vms = vms, .vm_count = 2,
                       .recovery = {.cloud_pairs = pairs, .cloud_pair_count = 1, .plans = plans,
                                    .plan_count = 2}};
    report_results *r = report_results_new(&sc);
    engine_recorder rec = report_results_recorder(r);
    const uint64_t GB = 1000000000, base = 10 * GB;
    for (int vm = 0; vm < 2; vm++)
        rec.replica_storage(rec.ctx, 1, 0, vm, base, 0);
    for (int h = 1; h <= 8; h++)
        for (int vm = 0; vm < 2; vm++) {
            int64_t t = h * 3600 * S;
            engine_rp_info rp = {.vm = vm, .id = (uint64_t)h, .kind = ENGINE_RP_HOURLY,
                                 .captured_ns = t, .bytes = GB};
            rec.recovery_point(rec.ctx, ENGINE_RP_CREATED, &rp, t);
            rec.recovery_point(rec.ctx, ENGINE_RP_APPLIED, &rp, t);
            uint64_t held = (uint64_t)(h < 5 ? h : 5);
            rec.replica_storage(rec.ctx, 1, 0, vm, base + held * GB, t);
            if (h >= 5) {
                int64_t tp = vm == 1 && h == 6 ? t + MIN : t; /* web-01 late once */
                engine_rp_info old = rp;
                old.id = (uint64_t)(h - 4);
                old.captured_ns = (h - 4) * 3600 * S;
                rec.recovery_point(rec.ctx, ENGINE_RP_PRUNED, &old, tp);
                rec.replica_storage(rec.ctx, 1, 0, vm, base + 4 * GB, tp);
            }
        }
    report_results_finish(r, 10 * 3600 * S);
    const report_vm_stats *a = report_results_vm(r, 0), *b = report_results_vm(r, 1);
    assert_int_equal(a->rp_additional_now, 4);
    assert_int_equal(a->rp_additional_max, 4);
    assert_int_equal(a->replica_storage_peak_bytes, base + 4 * GB);
    assert_int_equal(b->rp_additional_max, 5);
    assert_int_equal(b->replica_storage_peak_bytes, base + 5 * GB);
    /* The classification holds both: 14 + 14 GB at every instant but web-01's late minute, when
     * it holds 14 + 15 GB. */
    assert_int_equal(report_results_class(r, 1)->peak_bytes, 2 * base + 9 * GB);
    drs_expect e = metric("recovery_points.additional.max", DRS_SCOPE_VM, "sql-01");
    e.has_max = true;
    e.max = 4;
    assert_true(passes(r, e));
    assert_string_equal(report_results_expect(r, 0)->actual, "4");
    report_results_free(r);
}

static drs_expect job(const char *name, const char *vm, const char *st)
{
    return (drs_expect){.kind = DRS_EXPECT_JOB, .path = "expect[1]", .name = (char *)name,
                        .scope = vm ? DRS_SCOPE_VM : DRS_SCOPE_NONE, .target = (char *)vm,
                        .state = (char *)st};
}

static void test_jobs_by_name_state_and_time(void **state)
{
    (void)state;
    report_results *r = hand_run();
    /* Names match without regard to case. sql-01's Finalize Protection succeeded at 2 h. */
    drs_expect e = job("finalize PROTECTION", "sql-01", "succeeded");
    e.has_by = true;
    e.by_ns = 12 * 3600 * S;
    assert_true(passes(r, e));
    assert_string_equal(report_results_expect(r, 0)->actual, "succeeded at 2h00m00s");
    e.by_ns = 3600 * S;
    assert_false(passes(r, e));
    /* web-01's failed, with its reason in the actual value. */
    e.target = "web-01";
    e.by_ns = 12 * 3600 * S;
    assert_false(passes(r, e));
    assert_non_null(strstr(report_results_expect(r, 0)->actual, "storage full"));
    drs_expect nf = job("Finalize Protection", "sql-01", "failed");
    nf.never = true;
    assert_true(passes(r, nf));
    nf.target = "web-01";
    assert_false(passes(r, nf));
    /* Without a VM any job of that name counts: one failed. */
    drs_expect any = job("Finalize Protection", NULL, "failed");
    assert_true(passes(r, any));
    drs_expect none = job("Planned Failover", NULL, "succeeded");
    assert_false(passes(r, none));
    assert_string_equal(report_results_expect(r, 0)->actual, "no such job");
    report_results_free(r);
}

static void test_health_and_events(void **state)
{
    (void)state;
    report_results *r = hand_run();
    drs_expect h = {.kind = DRS_EXPECT_HEALTH, .path = "expect[2]", .name = "critical",
                    .scope = DRS_SCOPE_VM, .target = "sql-01", .never = true};
    assert_false(passes(r, h)); /* critical at 30 min */
    h.never = false;
    h.has_by = true;
    h.by_ns = 30 * MIN;
    assert_true(passes(r, h)); /* "by" includes the instant itself */
    h.by_ns = 30 * MIN - 1;
    assert_false(passes(r, h));
    /* Warning is reached by going critical; web-01 reached warning itself at 50 min. */
    drs_expect w = {.kind = DRS_EXPECT_HEALTH, .path = "expect[3]", .name = "warning",
                    .scope = DRS_SCOPE_VM, .target = "*", .has_by = true, .by_ns = 40 * MIN};
    bool all;
    assert_int_equal(eval1(r, w, &all), 2);
    assert_true(report_results_expect(r, 0)->pass);
    assert_false(report_results_expect(r, 1)->pass);

    drs_expect ev = {.kind = DRS_EXPECT_EVENT, .path = "expect[4]", .name = "missed_cycle",
                     .scope = DRS_SCOPE_VM, .target = "*", .never = true};
    assert_int_equal(eval1(r, ev, &all), 2);
    assert_true(report_results_expect(r, 0)->pass);  /* sql-01 */
    assert_false(report_results_expect(r, 1)->pass); /* web-01, twice */
    assert_non_null(strstr(report_results_expect(r, 1)->actual, "2 times"));
    drs_expect rq = {.kind = DRS_EXPECT_EVENT, .path = "expect[5]", .name = "resync_required",
                     .scope = DRS_SCOPE_VM, .target = "web-01", .has_by = true, .by_ns = 3600 * S};
    assert_true(passes(r, rq));
    /* Without a VM: about any VM. */
    drs_expect anyev = {.kind = DRS_EXPECT_EVENT, .path = "expect[6]", .name = "missed_cycle",
                        .scope = DRS_SCOPE_NONE, .has_by = true, .by_ns = 20 * MIN};
    assert_true(passes(r, anyev));
    drs_expect unknown = {.kind = DRS_EXPECT_EVENT, .path = "expect[7]", .name = "meteor_strike",
                          .scope = DRS_SCOPE_NONE, .never = true};
    assert_false(passes(r, unknown));
    report_results_free(r);
}

static void test_validation_findings(void **state)
{
    (void)state;
    report_results *r = hand_run();
    drs_expect v = {.kind = DRS_EXPECT_VALIDATION, .path = "expect[8]", .rule = 3};
    assert_true(passes(r, v));
    assert_non_null(strstr(report_results_expect(r, 0)->actual, "cloud already paired"));
    v.rule = 5;
    assert_false(passes(r, v));
    v.rule = 11; /* rule 11 was a warning, not an error */
    assert_false(passes(r, v));
    v.validation_warning = true;
    assert_true(passes(r, v));
    v.rule = 0; /* any warning */
    assert_true(passes(r, v));
    report_results_free(r);
}

static void test_exit_code_follows_every_result(void **state)
{
    (void)state;
    report_results *r = hand_run();
    drs_expect ok1 = metric("cycles.completed", DRS_SCOPE_VM, "sql-01");
    ok1.has_min = true;
    ok1.min = 10;
    drs_expect ok2 = {.kind = DRS_EXPECT_VALIDATION, .path = "expect[1]", .rule = 3};
    drs_expect bad = metric("bytes.wire", DRS_SCOPE_VM, "sql-01");
    bad.has_max = true;
    bad.max = 9999999; /* 10 MB went out */
    drs_expect all3[3] = {ok1, ok2, bad};
    assert_true(report_expect_evaluate(r, all3, 2));
    assert_int_equal(report_results_expect_count(r), 2);
    assert_false(report_expect_evaluate(r, all3, 3));
    assert_int_equal(report_results_expect_count(r), 3);
    assert_int_equal(report_results_expect_failed(r), 1);
    assert_string_equal(report_results_expect(r, 2)->actual, "9.5 MiB");
    report_results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rpo_bounds),
        cmocka_unit_test(test_rpo_after_window),
        cmocka_unit_test(test_every_vm_is_checked_and_undefined_rpo_fails),
        cmocka_unit_test(test_counts_sizes_ratios),
        cmocka_unit_test(test_failover_metrics_take_the_worst),
        cmocka_unit_test(test_until_closes_the_window),
        cmocka_unit_test(test_failed_plan_failover_names_the_vms),
        cmocka_unit_test(test_level_maxima_between_instants),
        cmocka_unit_test(test_jobs_by_name_state_and_time),
        cmocka_unit_test(test_health_and_events),
        cmocka_unit_test(test_validation_findings),
        cmocka_unit_test(test_exit_code_follows_every_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
