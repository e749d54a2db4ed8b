/* tests/test_world.c — the world binding: hardware faults of the timeline and the platform's transfers
 * and storage, on a small scenario loaded from JSON text. Each expected value is derived in a comment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/platform.h"
#include "sim/scenario/scenario.h"
#include "sim/kernel/sim.h"
#include "sim/run/world.h"

#define S DRS_NS_PER_S

/* One VM writing a steady 1 MB/s (exact, no randomness) on a 1 MB/s link with no latency. */
static const char world_json[] =
    "{ \"drsim\": 1, \"name\": \"world\", \"duration\": \"1h\", \"seed\": 7,"
    "  \"sites\": ["
    "    { \"name\": \"a\", \"vmm\": { \"name\": \"vmm-a\", \"nodes\": [ { \"name\": \"n\","
    "        \"provider_version\": \"1\" } ] }, \"clouds\": [ \"ca\" ],"
    "      \"hosts\": [ { \"name\": \"ha\", \"os\": \"2012R2\", \"cloud\": \"ca\", \"storage\": \"sa\" } ],"
    "      \"storage\": [ { \"classification\": \"sa\", \"capacity\": \"1TB\", \"read_rate\": \"100MB/s\","
    "        \"write_rate\": \"100MB/s\" } ] },"
    "    { \"name\": \"b\", \"vmm\": { \"name\": \"vmm-b\", \"nodes\": [ { \"name\": \"m\","
    "        \"provider_version\": \"1\" } ] }, \"clouds\": [ \"cb\" ],"
    "      \"hosts\": [ { \"name\": \"hb\", \"os\": \"2012R2\", \"cloud\": \"cb\", \"storage\": \"sb\" } ],"
    "      \"storage\": [ { \"classification\": \"sb\", \"capacity\": \"1TB\", \"read_rate\": \"100MB/s\","
    "        \"write_rate\": \"100MB/s\" } ] } ],"
    "  \"links\": [ { \"name\": \"wan\", \"between\": [ \"a\", \"b\" ], \"bandwidth\": \"1MB/s\","
    "      \"latency\": \"0\" } ],"
    "  \"workloads\": [ { \"name\": \"one\", \"kind\": \"steady\", \"write_rate\": \"1MB/s\","
    "      \"write_size\": \"4KB\" },"
    "    { \"name\": \"two\", \"kind\": \"steady\", \"write_rate\": \"2MB/s\", \"write_size\": \"4KB\" } ],"
    "  \"vms\": [ { \"name\": \"vm\", \"host\": \"ha\", \"disks\": [ { \"name\": \"d\", \"size\": \"10GB\","
    "      \"used\": \"1GB\", \"workload\": \"one\" } ] } ],"
    "  \"timeline\": ["
    "    { \"at\": \"100s\", \"do\": \"host.down\", \"host\": \"ha\" },"
    "    { \"at\": \"200s\", \"do\": \"host.up\", \"host\": \"ha\" },"
    "    { \"at\": \"300s\", \"do\": \"workload.set\", \"vm\": \"vm\", \"disk\": \"d\", \"workload\": \"two\" },"
    "    { \"at\": \"5s\", \"do\": \"link.down\", \"link\": \"wan\", \"for\": \"20s\" },"
    "    { \"at\": \"500s\", \"do\": \"storage.fill\", \"classification\": \"sb\", \"free\": \"1MB\" },"
    "    { \"at\": \"600s\", \"do\": \"site.down\", \"site\": \"a\" } ] }";

typedef struct fixture {
    drs_scenario *sc;
    sim *k;
    sim_world *w;
    engine_platform pf;
} fixture;

static void action_fire(sim *k, void *arg)
{
    (void)k;
    void **pair = arg;
    sim_world_apply(pair[0], pair[1]);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    drs_diags d = {0};
    f->sc = sim_scenario_load_string(world_json, "world.json", NULL, &d);
    if (!f->sc) {
        for (size_t i = 0; i < d.count; i++)
            print_error("%s: %s\n", d.items[i].err.path, d.items[i].err.message);
        drs_diags_clear(&d);
        free(f);
        return -1;
    }
    drs_diags_clear(&d);
    f->k = sim_new();
    drs_error err = {0};
    f->w = sim_world_new(f->sc, f->k, &err);
    f->pf = sim_world_platform(f->w);
    /* Each timeline action fires at its time, as the run driver does. */
    static void *args[16][2];
    for (size_t i = 0; i < f->sc->timeline_count && i < 16; i++) {
        args[i][0] = f->w;
        args[i][1] = &f->sc->timeline[i];
        sim_schedule(f->k, f->sc->timeline[i].at_ns, action_fire, args[i]);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sim_world_free(f->w);
    sim_free(f->k);
    drs_scenario_free(f->sc);
    free(f);
    return 0;
}

/* Writes: 1 MB/s for [0, 100 s) = 100 MB; nothing while the host is down [100, 200); 1 MB/s for
 * [200, 300) = 100 MB; then the workload is 2 MB/s: [300, 400) = 200 MB. Total at 400 s: 400 MB. */
static void test_host_down_stops_writes_and_workload_set_changes_churn(void **state)
{
    fixture *f = *state;
    sim_run_until(f->k, 150 * S);
    assert_int_equal(sim_world_vm_written_bytes(f->w, 0), 100000000);
    sim_run_until(f->k, 400 * S);
    assert_int_equal(sim_world_vm_written_bytes(f->w, 0), 400000000);
}

static int64_t done_at;
static bool done_ok;
static fixture *done_fixture;

static void transfer_done(void *arg, bool ok)
{
    (void)arg;
    done_ok = ok;
    done_at = sim_now(done_fixture->k);
}

/* A 10 MB transfer at 1 MB/s starting at 0 would end at 10 s; the link is down [5 s, 25 s) and comes
 * back by itself (link.down with `for`), zero latency to pay again: it ends at 10 + 20 = 30 s. */
static void test_link_down_for_shifts_a_transfer_by_the_outage(void **state)
{
    fixture *f = *state;
    done_fixture = f;
    done_at = -1;
    assert_true(f->pf.link_up(f->pf.ctx, 0, 1));
    engine_transfer_id id = f->pf.transfer_start(f->pf.ctx, 0, 1, 10000000, transfer_done, NULL);
    assert_true(id != 0);
    sim_run_until(f->k, 60 * S);
    assert_true(done_ok);
    assert_int_equal(done_at, 30 * S);
}

/* storage.fill leaves 1 MB free on sb at 500 s: 2 MB no longer fit, 0.5 MB still does. */
static void test_storage_fill_refuses_what_does_not_fit(void **state)
{
    fixture *f = *state;
    assert_true(f->pf.storage_reserve(f->pf.ctx, 1, 0, 2000000));
    f->pf.storage_release(f->pf.ctx, 1, 0, 2000000);
    sim_run_until(f->k, 501 * S);
    assert_false(f->pf.storage_reserve(f->pf.ctx, 1, 0, 2000000));
    assert_true(f->pf.storage_reserve(f->pf.ctx, 1, 0, 500000));
}

/* site.down at 600 s: hosts and VMM of a are down, the VM stops writing, the link goes down so a
 * transfer started then does not finish. Written at 700 s = written at 600 s. */
static void test_site_down_stops_everything_there(void **state)
{
    fixture *f = *state;
    done_fixture = f;
    sim_run_until(f->k, 600 * S);
    uint64_t written = sim_world_vm_written_bytes(f->w, 0);
    assert_false(f->pf.site_up(f->pf.ctx, 0));
    assert_false(f->pf.host_up(f->pf.ctx, 0, 0));
    assert_false(f->pf.vmm_online(f->pf.ctx, 0));
    assert_false(f->pf.link_up(f->pf.ctx, 0, 1));
    assert_true(f->pf.site_up(f->pf.ctx, 1));
    done_at = -1;
    f->pf.transfer_start(f->pf.ctx, 0, 1, 1000, transfer_done, NULL);
    sim_run_until(f->k, 700 * S);
    assert_int_equal(done_at, -1);
    assert_int_equal(sim_world_vm_written_bytes(f->w, 0), written);
    assert_int_equal(sim_world_link_capacity_Bps(f->w, 0), 0);
}

/* The replica copies the primary and a delta applied to it reproduces the primary digest; an undo
 * handle reverts it to the base digest. */
static void test_replica_apply_and_revert_through_the_platform(void **state)
{
    fixture *f = *state;
    sim_run_until(f->k, 50 * S);
    uint64_t base = f->pf.replica_copy_base(f->pf.ctx, 0, 0);
    assert_int_equal(base, f->pf.replica_digest(f->pf.ctx, 0, 0));
    sim_run_until(f->k, 90 * S);
    drs_delta d = {0};
    f->pf.log_take(f->pf.ctx, 0, 0, &d);
    assert_int_equal(d.log_bytes, 40000000); /* 40 s at 1 MB/s */
    uint64_t undo = 0;
    uint64_t after = f->pf.replica_apply(f->pf.ctx, 0, 0, &d, &undo);
    assert_int_equal(after, d.digest);
    assert_true(after != base);
    assert_int_equal(f->pf.replica_revert(f->pf.ctx, 0, 0, undo), base);
    drs_delta_free(&d);
}

/* A VMM server with "internet": false cannot reach the vault from the start (its hosts are up and
 * replicate); vmm.online brings it back. */
static void test_vmm_without_internet_starts_offline(void **state)
{
    (void)state;
    drs_diags d = {0};
    drs_scenario *sc = sim_scenario_load_string(world_json, "world.json", NULL, &d);
    assert_non_null(sc);
    drs_diags_clear(&d);
    sc->sites[0].vmm.internet = false;
    sim *k = sim_new();
    drs_error err = {0};
    sim_world *w = sim_world_new(sc, k, &err);
    assert_non_null(w);
    engine_platform pf = sim_world_platform(w);
    assert_false(pf.vmm_online(pf.ctx, 0));
    assert_true(pf.vmm_online(pf.ctx, 1));
    assert_true(pf.site_up(pf.ctx, 0));
    assert_true(pf.host_up(pf.ctx, 0, 0));
    drs_action on = {.what = DRS_DO_VMM_ONLINE, .site = 0};
    sim_world_apply(w, &on);
    assert_true(pf.vmm_online(pf.ctx, 0));
    sim_world_free(w);
    sim_free(k);
    drs_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_host_down_stops_writes_and_workload_set_changes_churn,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_down_for_shifts_a_transfer_by_the_outage, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_storage_fill_refuses_what_does_not_fit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_site_down_stops_everything_there, setup, teardown),
        cmocka_unit_test(test_vmm_without_internet_starts_offline),
        cmocka_unit_test_setup_teardown(test_replica_apply_and_revert_through_the_platform, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
