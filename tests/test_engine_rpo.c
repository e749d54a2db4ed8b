/* tests/test_engine_rpo.c — delta replication against the closed form of DESIGN.md.
 *
 * One VM with steady churn c, a link of bandwidth B and latency L, copy interval I, compression ratio
 * k (the engine's own calibrated ratio, or 1 when compression is off), nothing else on the link and
 * replica storage fast enough that applying costs nothing measurable: every cycle ships c·I/k bytes in
 * t_x = c·I/(k·B) + L, so RPO(t) is a sawtooth from t_x up to I + t_x: max = I + t_x, time average =
 * I/2 + t_x. The test measures both exactly from the engine's RPO breakpoints over whole periods after
 * a warm-up (an hour after initial replication completes, at least two hours in) and requires them within 1 %. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "engine/engine.h"
#include "tests/support/engine_rig.h"
#include "tests/support/scenario_fixture.h"

#define MIN FIXTURE_MIN
#define HOUR FIXTURE_HOUR
#define SEC DRS_NS_PER_S

/* The fixture with one replicating VM (web-01 stays unprotected and idle), the given link and
 * settings, and replica storage writing at 1 PB/s so applying takes no time worth counting. */
static drs_scenario *one_vm(double churn_Bps, double bw_Bps, int64_t interval_ns,
                            int64_t latency_ns, bool compress, double compressibility)
{
    drs_scenario *sc = scenario_fixture_one_vm(UINT64_C(1) << 30);
    sc->workloads[0].write_rate_Bps = churn_Bps;
    sc->workloads[0].compressibility = compressibility;
    sc->links[0].bandwidth_Bps = bw_Bps;
    sc->links[0].latency_ns = latency_ns;
    drs_pair_settings *st = &sc->recovery.cloud_pairs[0].settings;
    st->copy_frequency_ns = interval_ns;
    st->compression = compress;
    for (size_t s = 0; s < sc->site_count; s++)
        sc->sites[s].storage[0].write_Bps = 1e15;
    return sc;
}

static void check_point(double churn_Bps, double bw_Bps, int64_t interval_ns, int64_t latency_ns,
                        bool compress, double compressibility)
{
    drs_scenario *sc = one_vm(churn_Bps, bw_Bps, interval_ns, latency_ns, compress, compressibility);
    engine_rig r = engine_rig_start(sc);
    int64_t end = 6 * HOUR;
    fake_run_until(r.w, end);
    /* Warm-up: the catch-up after initial replication may miss cycles until the backlog drains. */
    assert_int_equal(r.w->ir_count, 1);
    int64_t warm = r.w->irs[0].end_ns + HOUR;
    if (warm < 2 * HOUR)
        warm = 2 * HOUR;

    double k = compress ? engine_compression_ratio(compressibility) : 1.0;
    double I = (double)interval_ns;
    double tx = churn_Bps * (I / 1e9) / (k * bw_Bps) * 1e9 + (double)latency_ns;
    /* Whole periods: from the first breakpoint after the warm-up hour to the last one. */
    size_t first = 0, last = 0;
    for (size_t i = 0; i < r.w->rpo_count; i++) {
        if (r.w->rpo[i].at_ns < warm)
            first = i + 1;
        last = i;
    }
    assert_true(last > first + 4);
    double mx, mean;
    assert_true(fake_rpo_stats(r.w, 0, r.w->rpo[first].at_ns, r.w->rpo[last].at_ns, &mx, &mean));
    print_message("c=%.2fMB/s B=%.2fMB/s I=%llds L=%lldms k=%.3f: max %.3fs (expect %.3fs), "
                  "mean %.3fs (expect %.3fs)\n",
                  churn_Bps / 1e6, bw_Bps / 1e6, (long long)(interval_ns / SEC),
                  (long long)(latency_ns / 1000000), k, mx / 1e9, (I + tx) / 1e9, mean / 1e9,
                  (I / 2 + tx) / 1e9);
    assert_true(fabs(mx - (I + tx)) <= 0.01 * (I + tx));
    assert_true(fabs(mean - (I / 2 + tx)) <= 0.01 * (I / 2 + tx));
    /* Steady state: nothing missed after the warm-up, health normal, every apply proved. */
    for (size_t i = 0; i < r.w->event_count; i++)
        if (r.w->events[i].kind == ENGINE_EV_MISSED_CYCLE)
            assert_true(r.w->events[i].at_ns < warm);
    assert_int_equal(engine_vm_health(r.e, 0), ENGINE_HEALTH_NORMAL);
    assert_true(r.w->digest_checks > 10);
    assert_int_equal(r.w->digest_mismatches, 0);
    assert_int_equal(fake_count_events(r.w, ENGINE_EV_DIGEST_MISMATCH, -1), 0);

    engine_rig_free(&r);
}

static void test_rpo_matches_closed_form_uncompressed(void **state)
{
    (void)state;
    check_point(1e6, 25e6, 5 * MIN, 40 * 1000000, false, 0.5);   /* t_x = 12.04 s */
    check_point(2e6, 5e6, 15 * MIN, 100 * 1000000, false, 0.5);  /* t_x = 360.1 s */
    check_point(0.5e6, 1.25e6, 30 * SEC, 250 * 1000000, false, 0.5); /* t_x = 12.25 s */
    check_point(4e6, 12.5e6, 5 * MIN, 20 * 1000000, false, 0.5); /* t_x = 96.02 s */
}

static void test_rpo_matches_closed_form_compressed(void **state)
{
    (void)state;
    check_point(2e6, 5e6, 5 * MIN, 40 * 1000000, true, 0.6);
    check_point(4e6, 5e6, 15 * MIN, 80 * 1000000, true, 0.7);  /* c/B = 0.8 needs k > 1.25 */
    check_point(1e6, 1.25e6, 30 * SEC, 150 * 1000000, true, 0.3);
}

/* Coalesced tracking sends each extent's final content once per cycle. The fake disk writes 256 KiB
 * at a time round robin over the 1024 extents of 1 GiB used; 2 MB/s for 5 min = 600 MB = 2288 writes
 * touch every extent, so a cycle carries 1024 x 256 KiB = 256 MiB coalesced, against the full ~600 MB
 * of the log under log tracking. */
static void test_coalesced_tracking_sends_final_content_only(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        drs_scenario *sc = one_vm(2e6, 25e6, 5 * MIN, 40 * 1000000, false, 0.5);
        sc->recovery.cloud_pairs[0].settings.change_tracking =
            mode ? DRS_TRACK_COALESCED : DRS_TRACK_LOG;
        engine_rig r = engine_rig_start(sc);
        fake_run_until(r.w, 3 * HOUR);
        const engine_cycle_info *cy = &r.w->cycles[r.w->cycle_count - 1];
        if (mode)
            assert_int_equal(cy->raw_bytes, UINT64_C(1024) * 256 * 1024);
        else
            assert_true(llabs((long long)cy->raw_bytes - 600000000LL) <= 256 * 1024);
        assert_int_equal(r.w->digest_mismatches, 0);
        engine_rig_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rpo_matches_closed_form_uncompressed),
        cmocka_unit_test(test_rpo_matches_closed_form_compressed),
        cmocka_unit_test(test_coalesced_tracking_sends_final_content_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
