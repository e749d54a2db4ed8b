/* tests/test_engine_initial_replication.c — how long the first copy takes, by method.
 *
 * Network: the used bytes S (compressed by k when the pair compresses) cross the link in S/(k·B) + L;
 * then the writes logged meanwhile go as the first delta (c·T/(k·B) + L) and initial replication ends
 * when that delta is applied. Offline: export S at the source's read rate, shipping, import S at the
 * target's write rate, then the catch-up of everything written since the export began (sent, then
 * applied at the target's write rate). Scheduled:
 * copying starts at the next given time of day. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "engine/engine.h"
#include "tests/support/engine_rig.h"
#include "tests/support/scenario_fixture.h"

#define MIN FIXTURE_MIN
#define HOUR FIXTURE_HOUR
#define DAY FIXTURE_DAY
#define SEC DRS_NS_PER_S
#define GIB (UINT64_C(1) << 30)

static drs_scenario *one_vm(double churn_Bps, bool compress)
{
    drs_scenario *sc = scenario_fixture_one_vm(4 * GIB);
    sc->workloads[0].write_rate_Bps = churn_Bps;
    sc->workloads[0].compressibility = 0.6;
    sc->links[0].bandwidth_Bps = 25e6;
    sc->links[0].latency_ns = 40 * 1000000;
    sc->recovery.cloud_pairs[0].settings.compression = compress;
    for (size_t s = 0; s < sc->site_count; s++)
        sc->sites[s].storage[0].write_Bps = 1e15;
    return sc;
}

static double secs(int64_t ns)
{
    return (double)ns / 1e9;
}

static void test_network_ir_time_is_size_over_bandwidth(void **state)
{
    (void)state;
    /* No churn: the catch-up delta is empty and costs only its latency.
     * Expected: ceil(S/B) + L + L = 4 GiB / 25 MB/s + 0.08 s = 171.879 s. */
    drs_scenario *sc = one_vm(0.0, false);
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 3 * HOUR);
    assert_int_equal(r.w->ir_count, 1);
    const engine_ir_info *ir = &r.w->irs[0];
    assert_string_equal(ir->method, "network");
    assert_int_equal(ir->start_ns, 30 * MIN); /* protected at 30m, copying at once */
    double expect = (double)(4 * GIB) / 25e6 + 2 * 0.040;
    assert_true(fabs(secs(ir->end_ns - ir->start_ns) - expect) < 1e-6 + 1e-9 * expect);
    const fake_job *en = fake_find_job(r.w, "Enable Protection", 0);
    const fake_job *fin = fake_find_job(r.w, "Finalize Protection", 0);
    assert_non_null(en);
    assert_non_null(fin);
    assert_int_equal(en->state, ENGINE_JOB_SUCCEEDED);
    assert_int_equal(en->ended_ns, ir->end_ns);
    assert_int_equal(fin->state, ENGINE_JOB_SUCCEEDED);
    engine_rig_free(&r);
}

static void test_network_ir_with_compression_and_churn(void **state)
{
    (void)state;
    /* S/(k·B) + L for the base (T1), then c·T1/(k·B) + L for the catch-up. */
    drs_scenario *sc = one_vm(1e6, true);
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 3 * HOUR);
    assert_int_equal(r.w->ir_count, 1);
    const engine_ir_info *ir = &r.w->irs[0];
    double k = engine_compression_ratio(0.6);
    double t1 = (double)(4 * GIB) / (k * 25e6) + 0.040;
    double t2 = 1e6 * t1 / (k * 25e6) + 0.040;
    double got = secs(ir->end_ns - ir->start_ns);
    print_message("k=%.3f: IR %.3f s, expected %.3f s\n", k, got, t1 + t2);
    assert_true(fabs(got - (t1 + t2)) <= 0.01 * (t1 + t2));
    assert_true(ir->wire_bytes < ir->raw_bytes);
    assert_int_equal(r.w->digest_mismatches, 0);
    engine_rig_free(&r);
}

static void test_scheduled_ir_waits_for_its_time_of_day(void **state)
{
    (void)state;
    drs_scenario *sc = one_vm(0.5e6, false);
    drs_initial_replication *ir = &sc->recovery.cloud_pairs[0].settings.initial_replication;
    ir->start_now = false;
    ir->time_of_day_ns = 22 * HOUR;
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 21 * HOUR);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_IR_PENDING);
    assert_int_equal(engine_vm_health(r.e, 0), ENGINE_HEALTH_WARNING);
    fake_run_until(r.w, 26 * HOUR);
    assert_int_equal(r.w->ir_count, 1);
    assert_int_equal(r.w->irs[0].requested_ns, 30 * MIN);
    assert_int_equal(r.w->irs[0].start_ns, 22 * HOUR);
    /* Writes made while waiting are part of the base, not of the catch-up: the catch-up holds only
     * what was written during the copy (c·T1 with T1 = S/B + L). */
    double t1 = (double)(4 * GIB) / 25e6 + 0.040;
    assert_true(r.w->cycles[0].first_after_ir);
    assert_true(fabs((double)r.w->cycles[0].raw_bytes - 0.5e6 * t1) <= 256 * 1024);
    engine_rig_free(&r);
}

static void test_offline_ir_is_export_shipping_import_catch_up(void **state)
{
    (void)state;
    const double c = 0.1e6;
    drs_scenario *sc = one_vm(c, false);
    drs_initial_replication *ir = &sc->recovery.cloud_pairs[0].settings.initial_replication;
    ir->method = DRS_IR_OFFLINE;
    ir->export_location = scenario_fixture_strdup("fs-sea:\\\\fs-sea\\export");
    ir->import_location = scenario_fixture_strdup("fs-dub:\\\\fs-dub\\import");
    ir->shipping_time_ns = 2 * DAY;
    sc->sites[0].storage[0].read_Bps = 200e6;
    sc->sites[1].storage[0].write_Bps = 100e6;
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 4 * DAY);
    assert_int_equal(r.w->ir_count, 1);
    const engine_ir_info *got = &r.w->irs[0];
    assert_string_equal(got->method, "offline");
    double S = (double)(4 * GIB);
    double t_export = S / 200e6, t_ship = 2 * 86400.0, t_import = S / 100e6;
    double before = t_export + t_ship + t_import;
    /* The catch-up crosses the link, then is applied at the target's write rate (100 MB/s here). */
    double catch_up = c * before / 25e6 + 0.040 + c * before / 100e6;
    double expect = before + catch_up;
    double t = secs(got->end_ns - got->start_ns);
    print_message("offline IR %.1f s, expected %.1f s (catch-up %.1f s)\n", t, expect, catch_up);
    assert_true(fabs(t - expect) <= 0.01 * catch_up + 1.0);
    /* The catch-up carried everything written since the export began. */
    assert_true(r.w->cycles[0].first_after_ir);
    assert_true(fabs((double)r.w->cycles[0].raw_bytes - c * before) <= 256 * 1024);
    assert_int_equal(r.w->digest_mismatches, 0);
    engine_rig_free(&r);
}

/* sql-01 already has a Hyper-V Replica copy on hv-dub-2, a host of the target cloud; the copy holds
 * the VM as it stood at the start (both copies equal at 0). */
static drs_scenario *with_existing_replica(double churn_Bps, int replica_cloud)
{
    drs_scenario *sc = one_vm(churn_Bps, false);
    scenario_fixture_add_host(sc, 1, "hv-dub-2", DRS_OS_2012R2, replica_cloud);
    drs_existing_replica *x = &sc->vms[0].existing_replica;
    x->present = true;
    x->host = scenario_fixture_strdup("hv-dub-2");
    return sc;
}

static void test_existing_replica_sends_only_what_differs(void **state)
{
    (void)state;
    /* By hand: both copies are read at 1 GB/s (the fixture's rate at each site), in parallel:
     * t_cmp = 4 GiB / 1e9 = 4.294967296 s, so the comparison ends at T = 1800 + t_cmp s. By then
     * the workload (0.25 MB/s in 256 KiB writes, one 1 MiB extent each, round robin over the 4096
     * extents) made floor(0.25e6 * T / 262144) = floor(1720.71) = 1720 writes, on 1720 distinct
     * extents: 1720 MiB differ, against 4 GiB for a full copy. They cross the link in
     * t1 = 1720 MiB / 25 MB/s + L = 72.182 s; the catch-up (c * t1, about 69 writes) follows in
     * t2 = c * t1 / B + L. Even a scheduled start does not delay it: nothing large is sent. */
    const double c = 0.25e6;
    drs_scenario *sc = with_existing_replica(c, 0);
    drs_initial_replication *ir = &sc->recovery.cloud_pairs[0].settings.initial_replication;
    ir->start_now = false;
    ir->time_of_day_ns = 22 * HOUR;
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 2 * HOUR);
    assert_int_equal(r.w->ir_count, 1);
    const engine_ir_info *got = &r.w->irs[0];
    assert_string_equal(got->method, "existing");
    assert_int_equal(got->start_ns, 30 * MIN);
    const uint64_t diff = UINT64_C(1720) << 20;
    assert_int_equal(got->raw_bytes, diff);
    assert_int_equal(got->wire_bytes, diff); /* the pair does not compress */
    /* What crossed the link up to the end of initial replication: the differences, then the
     * catch-up, and nothing else (web-01 is not protected). */
    assert_true(r.w->cycles[0].first_after_ir);
    assert_int_equal(r.w->cycles[0].applied_ns, got->end_ns);
    uint64_t catch_up = r.w->cycles[0].wire_bytes;
    assert_true(catch_up == 68 * 256 * 1024 || catch_up == 69 * 256 * 1024);
    double t_cmp = (double)(4 * GIB) / 1e9;
    double t1 = (double)diff / 25e6 + 0.040;
    double t2 = c * t1 / 25e6 + 0.040;
    double t = secs(got->end_ns - got->start_ns);
    print_message("existing replica: IR %.3f s, expected %.3f s\n", t, t_cmp + t1 + t2);
    assert_true(fabs(t - (t_cmp + t1 + t2)) <= 0.001 * (t_cmp + t1 + t2));
    /* The catch-up, applied over the reused copy, gives the primary's digest: the copies agree. */
    assert_true(r.w->digest_checks >= 1);
    assert_int_equal(r.w->digest_mismatches, 0);
    engine_rig_free(&r);
}

static void test_existing_replica_outside_the_target_cloud_is_not_reused(void **state)
{
    (void)state;
    /* hv-dub-2 is in no cloud: Site Recovery cannot find the replica, so the whole used part goes
     * (4 GiB), as for a VM without one. */
    drs_scenario *sc = with_existing_replica(0.25e6, -1);
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 2 * HOUR);
    assert_int_equal(r.w->ir_count, 1);
    assert_string_equal(r.w->irs[0].method, "network");
    assert_int_equal(r.w->irs[0].raw_bytes, 4 * GIB);
    assert_int_equal(r.w->digest_mismatches, 0);
    engine_rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_network_ir_time_is_size_over_bandwidth),
        cmocka_unit_test(test_network_ir_with_compression_and_churn),
        cmocka_unit_test(test_scheduled_ir_waits_for_its_time_of_day),
        cmocka_unit_test(test_offline_ir_is_export_shipping_import_catch_up),
        cmocka_unit_test(test_existing_replica_sends_only_what_differs),
        cmocka_unit_test(test_existing_replica_outside_the_target_cloud_is_not_reused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
