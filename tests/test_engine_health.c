/* tests/test_engine_health.c — overload: missed cycles, a growing log, health Warning then Critical at
 * the thresholds of FACTS.md, resynchronization at 50 % of the disks, and recovery once bandwidth
 * returns. Also: a Windows Server 2012 host replicates every 5 minutes whatever the cloud asks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "engine/engine.h"
#include "tests/support/engine_rig.h"
#include "tests/support/scenario_fixture.h"

#define MIN FIXTURE_MIN
#define HOUR FIXTURE_HOUR
#define SEC DRS_NS_PER_S
#define GIB (UINT64_C(1) << 30)

static drs_scenario *one_vm(void)
{
    drs_scenario *sc = scenario_fixture_one_vm(1 * GIB);
    sc->vms[0].disks[0].size_bytes = 8 * GIB;
    sc->workloads[0].write_rate_Bps = 2e6;
    sc->links[0].bandwidth_Bps = 25e6;
    sc->links[0].latency_ns = 40 * 1000000;
    drs_pair_settings *st = &sc->recovery.cloud_pairs[0].settings;
    st->copy_frequency_ns = 5 * MIN;
    st->compression = false;
    /* These tests count cycles in one hour: a 1-hour monitoring window (the default is 12 h). */
    st->health_window_ns = HOUR;
    for (size_t s = 0; s < sc->site_count; s++)
        sc->sites[s].storage[0].write_Bps = 1e15;
    return sc;
}

/* Missed cycles whose due time lies in (t - 1 h, t]. */
static size_t missed_in_window(const fake_world *w, int64_t t)
{
    size_t n = 0;
    for (size_t i = 0; i < w->event_count; i++)
        n += w->events[i].kind == ENGINE_EV_MISSED_CYCLE && w->events[i].at_ns > t - HOUR &&
             w->events[i].at_ns <= t;
    return n;
}

static void test_overload_degrades_then_resync_recovers(void **state)
{
    (void)state;
    drs_scenario *sc = one_vm();
    engine_rig r = engine_rig_start(sc);
    const int64_t I = 5 * MIN;

    /* Healthy first: 2 MB/s over 25 MB/s. */
    fake_run_until(r.w, 3 * HOUR);
    assert_int_equal(engine_vm_health(r.e, 0), ENGINE_HEALTH_NORMAL);
    assert_int_equal(fake_count_events(r.w, ENGINE_EV_MISSED_CYCLE, 0), 0);

    /* Overload: c/B = 2 / 1.5 > 1. Each cycle now takes longer than the interval. */
    int64_t t_drop = 3 * HOUR;
    fake_link_set(r.w, 1.5e6, 40 * 1000000);
    const double limit = 0.5 * (double)(8 * GIB); /* ENGINE_RESYNC_LOG_FRACTION of the disk */
    uint64_t backlog_prev = 0, backlog_at_1h = 0;
    int64_t t = t_drop;
    int64_t t_required = -1;
    while (t < t_drop + 12 * HOUR) {
        int64_t step = 10 * SEC;
        fake_run_until(r.w, t + step);
        t += step;
        engine_vm_state st = engine_vm_state_of(r.e, 0);
        if (st == ENGINE_VM_RESYNC_REQUIRED) {
            t_required = fake_first_event(r.w, ENGINE_EV_RESYNC_REQUIRED, 0, -1);
            break;
        }
        uint64_t b = engine_vm_backlog_bytes(r.e, 0);
        /* Resync is judged at each cycle: between two cycles the log may pass the limit by at most
         * one interval's churn. */
        assert_true((double)b <= limit + 2e6 * (double)(I / SEC) + 1);
        backlog_prev = b;
        if (t == t_drop + HOUR)
            backlog_at_1h = b;
    }
    assert_true(t_required > 0);
    /* The log grew: more than an hour in, the backlog is larger than at one hour. */
    assert_true(backlog_prev > backlog_at_1h);
    /* The threshold was crossed between the last look before resync and the resync (the log grows
     * at 2 MB/s at most). */
    assert_true((double)backlog_prev + 2e6 * (double)(t_required - (t - 10 * SEC)) / 1e9 + 1 >
                limit - 2e6 * (double)(I / SEC));

    /* Health: Warning at the first cycle where >= 20 % of the window's cycles were missed (3 of 12),
     * Critical exactly when resync was required. */
    int64_t t_warn = -1, t_crit = -1;
    for (size_t i = 0; i < r.w->event_count; i++) {
        const engine_event_info *ev = &r.w->events[i];
        if (ev->kind != ENGINE_EV_HEALTH_CHANGED || ev->at_ns < t_drop)
            continue;
        if (ev->new_value == ENGINE_HEALTH_WARNING && t_warn < 0)
            t_warn = ev->at_ns;
        if (ev->new_value == ENGINE_HEALTH_CRITICAL && t_crit < 0)
            t_crit = ev->at_ns;
    }
    assert_true(t_warn > t_drop);
    assert_int_equal(t_crit, t_required);
    assert_true(t_warn < t_crit);
    print_message("overload at %.0fs: warning at %.0fs, resync required at %.0fs\n",
                  (double)t_drop / 1e9, (double)t_warn / 1e9, (double)t_required / 1e9);
    /* 12 cycles come due in any hour at 5 min, so 3 missed make 25 % and 2 make 16.7 %. */
    assert_int_equal(missed_in_window(r.w, t_warn), 3);
    assert_int_equal(missed_in_window(r.w, t_warn - 1), 2);
    assert_true(fake_count_events(r.w, ENGINE_EV_MISSED_CYCLE, 0) >= 3);
    /* A missed cycle's log goes out as soon as the one in flight is applied: once cycles are missed,
     * each send starts at the previous apply, and carries more than one interval's writes. */
    size_t chained = 0;
    for (size_t i = 1; i < r.w->cycle_count; i++)
        if (r.w->cycles[i].captured_ns > t_drop &&
            r.w->cycles[i].sent_ns == r.w->cycles[i - 1].applied_ns) {
            chained++;
            assert_true((double)r.w->cycles[i].raw_bytes > 2e6 * (double)(I / SEC));
        }
    assert_true(chained >= 3);

    /* Bandwidth returns; resync starts by itself, compares, sends the differing extents, and normal
     * cycles resume. */
    fake_link_set(r.w, 25e6, 40 * 1000000);
    fake_run_until(r.w, t_required + 2 * HOUR);
    assert_int_equal(fake_count_events(r.w, ENGINE_EV_RESYNC_STARTED, 0), 1);
    assert_int_equal(fake_count_events(r.w, ENGINE_EV_RESYNC_COMPLETED, 0), 1);
    const fake_job *rj = fake_find_job(r.w, "Resynchronize", 0);
    assert_non_null(rj);
    assert_int_equal(rj->state, ENGINE_JOB_SUCCEEDED);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REPLICATING);
    int64_t t_done = fake_first_event(r.w, ENGINE_EV_RESYNC_COMPLETED, 0, -1);
    fake_run_until(r.w, t_done + 3 * HOUR);
    assert_int_equal(engine_vm_health(r.e, 0), ENGINE_HEALTH_NORMAL);
    /* RPO back to the closed form: max = I + c·I/B + L over the last hour. */
    double mx, mean;
    assert_true(fake_rpo_stats(r.w, 0, t_done + 2 * HOUR, t_done + 3 * HOUR, &mx, &mean));
    double tx = 2e6 * 300.0 / 25e6 * 1e9 + 40e6;
    assert_true(fabs(mx - ((double)I + tx)) <= 0.01 * ((double)I + tx));
    assert_int_equal(r.w->digest_mismatches, 0);
    assert_int_equal(fake_count_events(r.w, ENGINE_EV_DIGEST_MISMATCH, -1), 0);

    engine_rig_free(&r);
}

/* Rule 4: a 2012 host uses 5 minutes even when the cloud asks for 30 seconds. */
static void test_2012_host_replicates_every_five_minutes(void **state)
{
    (void)state;
    drs_scenario *sc = one_vm();
    sc->sites[0].hosts[0].os = DRS_OS_2012;
    sc->recovery.cloud_pairs[0].settings.copy_frequency_ns = 30 * SEC;
    /* 2012 allows at most 15 additional points; keep the fixture's 4. Authentication and port do not
     * apply to 2012, which the rules only warn about. */
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 4 * HOUR);
    assert_int_equal(engine_vm_interval_ns(r.e, 0), 5 * MIN);
    assert_true(r.w->cycle_count > 20);
    /* After the catch-up, captures come exactly 5 minutes apart. */
    for (size_t i = 2; i < r.w->cycle_count; i++)
        assert_int_equal(r.w->cycles[i].captured_ns - r.w->cycles[i - 1].captured_ns, 5 * MIN);
    engine_rig_free(&r);
}

/* A 2012 R2 host honours 30 seconds. */
static void test_2012r2_host_honours_thirty_seconds(void **state)
{
    (void)state;
    drs_scenario *sc = one_vm();
    sc->recovery.cloud_pairs[0].settings.copy_frequency_ns = 30 * SEC;
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 2 * HOUR);
    assert_int_equal(engine_vm_interval_ns(r.e, 0), 30 * SEC);
    for (size_t i = r.w->cycle_count - 10; i < r.w->cycle_count; i++)
        assert_int_equal(r.w->cycles[i].captured_ns - r.w->cycles[i - 1].captured_ns, 30 * SEC);
    engine_rig_free(&r);
}

/* A 2012 R2 primary replicating to a 2012 replica host cannot use 30 seconds either (rule 4 applies
 * to both hosts): 5 minutes, captures exactly 5 minutes apart. */
static void test_2012_replica_host_limits_the_copy_frequency(void **state)
{
    (void)state;
    drs_scenario *sc = one_vm();
    sc->sites[1].hosts[0].os = DRS_OS_2012;
    sc->recovery.cloud_pairs[0].settings.copy_frequency_ns = 30 * SEC;
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 2 * HOUR);
    assert_int_equal(engine_vm_interval_ns(r.e, 0), 5 * MIN);
    for (size_t i = r.w->cycle_count - 10; i < r.w->cycle_count; i++)
        assert_int_equal(r.w->cycles[i].captured_ns - r.w->cycles[i - 1].captured_ns, 5 * MIN);
    engine_rig_free(&r);
}

/* No log reaches the replica for more than an hour (the link is down): Warning. */
static void test_stale_replica_warns_after_an_hour(void **state)
{
    (void)state;
    drs_scenario *sc = one_vm();
    sc->workloads[0].write_rate_Bps = 0.1e6; /* small, so the outage does not trigger a resync */
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 3 * HOUR);
    assert_int_equal(engine_vm_health(r.e, 0), ENGINE_HEALTH_NORMAL);
    int64_t last_apply = r.w->rpo[r.w->rpo_count - 1].at_ns;
    fake_link_updown(r.w, false);
    fake_run_until(r.w, 6 * HOUR);
    /* Missed cycles reach 3 of 12 first (at the third tick after the stall); the stale rule would
     * also fire at last_apply + 1 h + 1 ns. Either way the VM is Warning, not yet Critical. */
    int64_t t_warn = -1;
    for (size_t i = 0; i < r.w->event_count && t_warn < 0; i++)
        if (r.w->events[i].kind == ENGINE_EV_HEALTH_CHANGED && r.w->events[i].at_ns > last_apply &&
            r.w->events[i].new_value == ENGINE_HEALTH_WARNING)
            t_warn = r.w->events[i].at_ns;
    assert_true(t_warn > last_apply);
    assert_true(t_warn <= last_apply + HOUR + 1);
    assert_int_equal(engine_vm_health(r.e, 0), ENGINE_HEALTH_WARNING);
    fake_link_updown(r.w, true);
    fake_run_until(r.w, 9 * HOUR);
    assert_int_equal(engine_vm_health(r.e, 0), ENGINE_HEALTH_NORMAL);
    engine_rig_free(&r);
}

/* Missed cycles are judged over the pair's health_window. A stall of 25 minutes three hours into
 * replication misses the cycles due at 3h10, 3h15, 3h20 and 3h25 (the 3h05 log is stuck in flight):
 * 4 of the 12 cycles due in the last hour (33 %, Warning under a 1-hour window) but 4 of the 36 due
 * since the first cycle at about 0h35 (11 %, Normal under the default 12-hour window). */
static void health_after_stall(int64_t window_ns, engine_health want_at_3h30,
                               engine_health want_at_4h30)
{
    drs_scenario *sc = one_vm();
    sc->workloads[0].write_rate_Bps = 0.1e6;
    sc->recovery.cloud_pairs[0].settings.health_window_ns = window_ns;
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 3 * HOUR + 1 * MIN);
    assert_int_equal(engine_vm_health(r.e, 0), ENGINE_HEALTH_NORMAL);
    fake_link_updown(r.w, false);
    fake_run_until(r.w, 3 * HOUR + 26 * MIN);
    fake_link_updown(r.w, true);
    fake_run_until(r.w, 3 * HOUR + 30 * MIN);
    assert_int_equal(fake_count_events(r.w, ENGINE_EV_MISSED_CYCLE, 0), 4);
    assert_int_equal(engine_vm_health(r.e, 0), want_at_3h30);
    /* An hour on, the missed cycles have left a 1-hour window; they are still in a 12-hour one. */
    fake_run_until(r.w, 4 * HOUR + 30 * MIN);
    assert_int_equal(engine_vm_health(r.e, 0), want_at_4h30);
    engine_rig_free(&r);
}

static void test_one_hour_window_warns_after_a_short_stall(void **state)
{
    (void)state;
    health_after_stall(HOUR, ENGINE_HEALTH_WARNING, ENGINE_HEALTH_NORMAL);
}

static void test_default_twelve_hour_window_absorbs_a_short_stall(void **state)
{
    (void)state;
    health_after_stall(0, ENGINE_HEALTH_NORMAL, ENGINE_HEALTH_NORMAL); /* 0: the default, 12 h */
    health_after_stall(12 * HOUR, ENGINE_HEALTH_NORMAL, ENGINE_HEALTH_NORMAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overload_degrades_then_resync_recovers),
        cmocka_unit_test(test_2012_host_replicates_every_five_minutes),
        cmocka_unit_test(test_2012r2_host_honours_thirty_seconds),
        cmocka_unit_test(test_2012_replica_host_limits_the_copy_frequency),
        cmocka_unit_test(test_stale_replica_warns_after_an_hour),
        cmocka_unit_test(test_one_hour_window_warns_after_a_short_stall),
        cmocka_unit_test(test_default_twelve_hour_window_absorbs_a_short_stall),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
