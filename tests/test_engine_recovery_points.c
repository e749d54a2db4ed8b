/* tests/test_engine_recovery_points.c — retained points, app-consistent snapshots and what the replica
 * stores.
 *
 * With N additional points, each hour's first capture after the hourly mark is kept, app-consistent
 * when h hours have passed since the last snapshot; never more than N are held. Replica storage of the
 * VM = its used bytes (the base copy) + the deltas applied since the newest pruned retained point (each
 * retained point holds the deltas between its predecessor and itself; the hour in progress holds the
 * rest). Without additional points only the base is stored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/engine.h"
#include "tests/support/engine_rig.h"
#include "tests/support/scenario_fixture.h"

#define MIN FIXTURE_MIN
#define HOUR FIXTURE_HOUR
#define SEC DRS_NS_PER_S
#define GIB (UINT64_C(1) << 30)

static drs_scenario *one_vm(int additional, int64_t app_ns)
{
    drs_scenario *sc = scenario_fixture_one_vm(1 * GIB);
    sc->vms[0].vmm_recovery_points = 24;
    sc->workloads[0].write_rate_Bps = 1e6;
    sc->links[0].bandwidth_Bps = 25e6;
    drs_pair_settings *st = &sc->recovery.cloud_pairs[0].settings;
    st->copy_frequency_ns = 5 * MIN;
    st->additional_recovery_points = additional;
    st->app_consistent_frequency_ns = app_ns;
    return sc;
}

/* Retained points held according to the record, replayed up to now. */
static size_t recorded_retained(const fake_world *w)
{
    size_t n = 0;
    for (size_t i = 0; i < w->rp_count; i++) {
        const fake_rp *r = &w->rps[i];
        if (r->info.kind == ENGINE_RP_LATEST)
            continue;
        if (r->change == ENGINE_RP_APPLIED)
            n++;
        else if (r->change == ENGINE_RP_PRUNED)
            n--;
    }
    return n;
}

static void test_retention_and_app_consistent_schedule(void **state)
{
    (void)state;
    const int64_t I = 5 * MIN;
    drs_scenario *sc = one_vm(4, 2 * HOUR);
    engine_rig r = engine_rig_start(sc);
    for (int64_t t = 40 * MIN; t <= 12 * HOUR; t += 5 * MIN) {
        fake_run_until(r.w, t);
        assert_true(engine_vm_retained_points(r.e, 0) <= 4);
        assert_int_equal(recorded_retained(r.w), engine_vm_retained_points(r.e, 0));
    }
    assert_int_equal(engine_vm_retained_points(r.e, 0), 4);
    assert_int_equal(r.w->ir_count, 1);
    int64_t ir_end = r.w->irs[0].end_ns;
    /* Hour k's mark is at ir_end + k h; its point is the next capture (within one interval). Even
     * hours are app-consistent (every 2 h), odd ones plain hourly. */
    int k = 0;
    size_t app = 0;
    for (size_t i = 0; i < r.w->rp_count; i++) {
        const fake_rp *p = &r.w->rps[i];
        if (p->change != ENGINE_RP_APPLIED || p->info.kind == ENGINE_RP_LATEST)
            continue;
        k++;
        int64_t mark = ir_end + k * HOUR;
        assert_true(p->info.captured_ns >= mark);
        assert_true(p->info.captured_ns < mark + I);
        assert_int_equal(p->info.kind, k % 2 == 0 ? ENGINE_RP_APP_CONSISTENT : ENGINE_RP_HOURLY);
        app += p->info.kind == ENGINE_RP_APP_CONSISTENT;
    }
    /* 12 h - 30 min protect - IR: marks at ir_end + 1..11 h before 12 h. */
    assert_true(k >= 10);
    assert_int_equal(app, (size_t)k / 2);
    engine_rig_free(&r);
}

static void test_storage_is_base_plus_retained_deltas(void **state)
{
    (void)state;
    drs_scenario *sc = one_vm(3, 0);
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 9 * HOUR + 7 * MIN);
    /* The newest pruned retained point: everything applied after its capture is still held. */
    int64_t pruned_cap = -1;
    for (size_t i = 0; i < r.w->rp_count; i++) {
        const fake_rp *p = &r.w->rps[i];
        if (p->change == ENGINE_RP_PRUNED && p->info.kind != ENGINE_RP_LATEST)
            pruned_cap = p->info.captured_ns;
    }
    assert_true(pruned_cap > 0);
    uint64_t held = 0;
    for (size_t i = 0; i < r.w->cycle_count; i++)
        if (r.w->cycles[i].captured_ns > pruned_cap)
            held += r.w->cycles[i].raw_bytes;
    uint64_t expect = 1 * GIB + held;
    assert_int_equal(engine_vm_replica_bytes(r.e, 0), expect);
    assert_int_equal(r.w->storage[1][0].used, expect); /* sea-fast is mapped to dub-fast */
    assert_int_equal(r.w->storage[0][0].used, 0);
    const fake_store_rec *last = &r.w->stores[r.w->store_count - 1];
    assert_int_equal(last->site, 1);
    assert_int_equal(last->storage, 0);
    assert_int_equal(last->bytes, expect);
    /* Disabling protection with delete_replica_on_disable gives everything back. */
    uint64_t job = engine_unprotect(r.e, 0);
    assert_true(job > 0);
    assert_int_equal(r.w->storage[1][0].used, 0);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_NOT_PROTECTED);
    assert_int_equal(recorded_retained(r.w), 0);
    engine_rig_free(&r);
}

static void test_no_additional_points_stores_only_the_base(void **state)
{
    (void)state;
    drs_scenario *sc = one_vm(0, 0);
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 5 * HOUR);
    assert_int_equal(engine_vm_retained_points(r.e, 0), 0);
    assert_int_equal(engine_vm_replica_bytes(r.e, 0), 1 * GIB);
    assert_int_equal(r.w->storage[1][0].used, 1 * GIB);
    assert_true(r.w->cycle_count > 40);
    engine_rig_free(&r);
}

static void test_full_replica_storage_fails_replication(void **state)
{
    (void)state;
    drs_scenario *sc = one_vm(4, 0);
    /* Room for the base and about ten 5-minute deltas of 300 MB. */
    sc->sites[1].storage[0].capacity_bytes = 1 * GIB + UINT64_C(3000) * 1000 * 1000;
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 4 * HOUR);
    int64_t t_full = fake_first_event(r.w, ENGINE_EV_STORAGE_FULL, 0, -1);
    assert_true(t_full > 0);
    assert_true(fake_first_event(r.w, ENGINE_EV_REPLICATION_FAILED, 0, -1) >= t_full);
    assert_int_equal(engine_vm_health(r.e, 0), ENGINE_HEALTH_CRITICAL);
    assert_true(r.w->storage[1][0].used <= sc->sites[1].storage[0].capacity_bytes);
    engine_rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retention_and_app_consistent_schedule),
        cmocka_unit_test(test_storage_is_base_plus_retained_deltas),
        cmocka_unit_test(test_no_additional_points_stores_only_the_base),
        cmocka_unit_test(test_full_replica_storage_fails_replication),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
