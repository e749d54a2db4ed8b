/* tests/test_engine_transfers.c — a primary host sends at most max_active_transfers replication
 * transfers at once (Hyper-V's MaximumActiveTransfers: 6 on 2012 R2, 3 on 2012 by default); the
 * others wait in the order they asked and start as transfers end.
 *
 * The fake link shares its bandwidth B equally among the transfers moving (processor sharing) after a
 * one-way latency L, so n equal copies of S bytes started together all end after L + n·S/B. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "engine/engine.h"
#include "tests/support/engine_rig.h"
#include "tests/support/scenario_fixture.h"

#define MIN FIXTURE_MIN
#define HOUR FIXTURE_HOUR
#define SEC DRS_NS_PER_S
#define GIB (UINT64_C(1) << 30)

static const double B = 25e6;   /* bytes per second */
static const double L = 0.040;  /* seconds, one way */

/* n VMs on seattle's one host (os, max_active_transfers as given), each copying S = 4 GiB
 * uncompressed and writing nothing, all protected at 30m. */
static drs_scenario *vms_on_one_host(int n, drs_host_os os, int max_active)
{
    drs_scenario *sc = scenario_fixture_one_vm(4 * GIB);
    sc->sites[0].hosts[0].os = os;
    sc->sites[0].hosts[0].max_active_transfers = max_active;
    sc->links[0].bandwidth_Bps = B;
    sc->links[0].latency_ns = (int64_t)(L * 1e9);
    sc->recovery.cloud_pairs[0].settings.compression = false;
    sc->vms[0].disks[0].workload = -1;
    sc->vms[1].disks[0].used_bytes = 4 * GIB;
    sc->recovery.protect_count = 2; /* the fixture's second entry protects web-01 at 30m */
    for (int i = 2; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "vm-%02d", i);
        int k = scenario_fixture_add_vm(sc, name, 0, 30 * MIN);
        sc->vms[k].disks[0].used_bytes = 4 * GIB;
        sc->vms[k].disks[0].workload = -1;
    }
    for (size_t s = 0; s < sc->site_count; s++)
        sc->sites[s].storage[0].write_Bps = 1e15;
    return sc;
}

/* Transfers the fake link holds (latency or moving). */
static size_t flows_open(const fake_world *w)
{
    size_t n = 0;
    for (size_t i = 0; i < w->flow_cap; i++)
        n += w->flows[i].used;
    return n;
}

static const engine_ir_info *ir_of(const fake_world *w, int vm)
{
    for (size_t i = 0; i < w->ir_count; i++)
        if (w->irs[i].vm == vm)
            return &w->irs[i];
    return NULL;
}

static double secs(int64_t ns)
{
    return (double)ns / 1e9;
}

static void test_fourth_copy_waits_on_a_2012_host(void **state)
{
    (void)state;
    /* Four VMs on one 2012 host, at most 3 transfers at once: three copies share B and end at
     * 30m + L + 3·S/B; the fourth starts then and, alone on the link, ends S/B + L later. Without
     * the limit all four would share B and end together at 30m + L + 4·S/B. */
    drs_scenario *sc = vms_on_one_host(4, DRS_OS_2012, 0);
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 31 * MIN);
    assert_int_equal(flows_open(r.w), 3);
    fake_run_until(r.w, 2 * HOUR);
    assert_int_equal(r.w->ir_count, 4);
    const double S = (double)(4 * GIB);
    const double t3 = L + 3 * S / B; /* from 30m */
    for (int vm = 0; vm < 3; vm++) {
        const engine_ir_info *ir = ir_of(r.w, vm);
        assert_non_null(ir);
        assert_int_equal(ir->start_ns, 30 * MIN);
        /* The base, then the empty catch-up delta: one to three latencies more, depending on when
         * the catch-up got a slot among the other copies' catch-ups. */
        double got = secs(ir->end_ns - 30 * MIN);
        print_message("vm %d: initial replication %.3f s (base alone %.3f s)\n", vm, got, t3);
        assert_true(got >= t3 + L - 1e-6 && got <= t3 + 3 * L + 1e-3);
    }
    const engine_ir_info *fourth = ir_of(r.w, 3);
    assert_non_null(fourth);
    double got = secs(fourth->end_ns - 30 * MIN);
    double want = t3 + L + S / B; /* waited t3, then its own copy alone */
    print_message("vm 3: initial replication %.3f s, expected %.3f s + its catch-up\n", got, want);
    assert_true(got >= want + L - 1e-3 && got <= want + 3 * L + 1e-3);
    assert_int_equal(r.w->digest_mismatches, 0);
    engine_rig_free(&r);
}

/* The defaults follow the host's OS (3 on 2012, 6 on 2012 R2); max_active_transfers overrides. */
static void concurrent_copies(int vms, drs_host_os os, int max_active, size_t want)
{
    drs_scenario *sc = vms_on_one_host(vms, os, max_active);
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 31 * MIN); /* the copies take 4 GiB·n/B: far longer than a minute */
    print_message("%d VMs, os %s, max_active_transfers %d: %zu transfers at once\n", vms,
                  os == DRS_OS_2012 ? "2012" : "2012R2", max_active, flows_open(r.w));
    assert_int_equal(flows_open(r.w), want);
    engine_rig_free(&r);
}

static void test_default_limit_follows_the_os(void **state)
{
    (void)state;
    concurrent_copies(8, DRS_OS_2012, 0, 3);
    concurrent_copies(8, DRS_OS_2012R2, 0, 6);
    concurrent_copies(5, DRS_OS_2012R2, 0, 5); /* fewer VMs than the limit: all at once */
    concurrent_copies(8, DRS_OS_2012R2, 2, 2);
    concurrent_copies(8, DRS_OS_2012, 8, 8);
}

static void test_waiting_delta_counts_toward_rpo(void **state)
{
    (void)state;
    /* Two VMs on a host that sends one transfer at a time, each writing c = 1 MB/s uncompressed,
     * 5-minute cycles, tiny disks. The second VM's copy waited for the first's, so its cycles come
     * due d = 64 MiB/B + L (2.72 s) after the first VM's, while the first VM's log is still on the
     * wire (tx = c·I/B + L = 12.04 s). Each of its cycles then waits tx - d for the slot, leaves the
     * moment the other's transfer ends, and is applied tx later: the capture is tx - d + tx old when
     * it becomes the latest point, which is what its RPO shows. */
    drs_scenario *sc = vms_on_one_host(2, DRS_OS_2012R2, 1);
    for (int vm = 0; vm < 2; vm++) {
        sc->vms[vm].disks[0].used_bytes = 64 << 20;
        sc->vms[vm].disks[0].workload = 0;
    }
    sc->workloads[0].write_rate_Bps = 1e6;
    sc->workloads[0].compressibility = 0.0;
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 3 * HOUR);
    const double tx = 1e6 * 300.0 / B + L; /* one cycle's transfer alone */
    size_t waited = 0, first = 0;
    for (size_t j = 0; j < r.w->cycle_count; j++) {
        const engine_cycle_info *b = &r.w->cycles[j];
        if (b->captured_ns < 2 * HOUR || b->first_after_ir)
            continue;
        double wire = secs(b->applied_ns - b->sent_ns);
        assert_true(fabs(wire - tx) <= 0.011); /* the log is whole writes of 256 KiB */
        if (b->sent_ns == b->captured_ns) { /* left at once: the host had no transfer in flight */
            first++;
            assert_int_equal(b->vm, 0);
            continue;
        }
        /* It waited: it left when the other VM's transfer in flight ended (applied within a few
         * hundred ns, the replica's write time at 1e15 B/s). */
        const engine_cycle_info *a = NULL;
        for (size_t i = 0; i < r.w->cycle_count; i++)
            if (r.w->cycles[i].vm != b->vm && r.w->cycles[i].sent_ns <= b->captured_ns &&
                (!a || r.w->cycles[i].sent_ns > a->sent_ns))
                a = &r.w->cycles[i];
        assert_non_null(a);
        assert_int_equal(b->vm, 1);
        assert_true(a->applied_ns > b->captured_ns);
        assert_true(fabs(secs(b->sent_ns - a->applied_ns)) < 1e-6);
        /* The wait and the transfer both count: the capture is that old when applied. */
        double d = secs(b->captured_ns - a->sent_ns);
        assert_true(fabs(secs(b->applied_ns - b->captured_ns) - (tx - d + tx)) <= 0.022);
        waited++;
    }
    print_message("%zu cycles left at once, %zu waited for the other VM's (tx %.2f s)\n", first,
                  waited, tx);
    assert_true(waited >= 10 && first >= 10);
    engine_rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fourth_copy_waits_on_a_2012_host),
        cmocka_unit_test(test_default_limit_follows_the_os),
        cmocka_unit_test(test_waiting_delta_counts_toward_rpo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
