/* tests/test_engine_jobs.c — the vault's jobs: the configuration steps at their times, refusals with
 * their reasons (expired key, protection outside a configured cloud, pair.modify before removal), and
 * the protection lifecycle. Also: compression ratios are deterministic and ordered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "tests/support/engine_rig.h"
#include "tests/support/scenario_fixture.h"

#define MIN FIXTURE_MIN
#define HOUR FIXTURE_HOUR
#define DAY FIXTURE_DAY
#define GIB (UINT64_C(1) << 30)

static drs_scenario *small(void)
{
    drs_scenario *sc = scenario_fixture_new();
    for (size_t v = 0; v < sc->vm_count; v++)
        sc->vms[v].disks[0].used_bytes = UINT64_C(256) << 20;
    return sc;
}

static size_t jobs_named(const fake_world *w, const char *name, engine_job_state st)
{
    size_t n = 0;
    for (size_t i = 0; i < w->job_count; i++)
        n += strcmp(w->jobs[i].name, name) == 0 && w->jobs[i].state == st;
    return n;
}

static void test_configuration_steps_run_at_their_times(void **state)
{
    (void)state;
    drs_scenario *sc = small();
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 2 * HOUR);
    assert_int_equal(jobs_named(r.w, "Register VMM Server", ENGINE_JOB_SUCCEEDED), 2);
    assert_int_equal(jobs_named(r.w, "Configure Cloud Protection", ENGINE_JOB_SUCCEEDED), 1);
    assert_int_equal(jobs_named(r.w, "Map Networks", ENGINE_JOB_SUCCEEDED), 1);
    assert_int_equal(jobs_named(r.w, "Map Storage", ENGINE_JOB_SUCCEEDED), 1);
    assert_int_equal(jobs_named(r.w, "Enable Protection", ENGINE_JOB_SUCCEEDED), 2);
    assert_int_equal(jobs_named(r.w, "Finalize Protection", ENGINE_JOB_SUCCEEDED), 2);
    assert_int_equal(r.w->jobs[0].started_ns, 10 * MIN); /* vmm-sea registers at 10m */
    assert_int_equal(r.w->jobs[1].started_ns, 12 * MIN);
    const fake_job *cfg = fake_find_job(r.w, "Configure Cloud Protection", -1);
    assert_int_equal(cfg->started_ns, 20 * MIN);
    const fake_job *en = fake_find_job(r.w, "Enable Protection", 1);
    assert_int_equal(en->started_ns, 30 * MIN);
    assert_true(engine_vmm_registered(r.e, 0));
    assert_int_equal(engine_vm_pair(r.e, 0), 0);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REPLICATING);
    assert_int_equal(engine_vm_state_of(r.e, 1), ENGINE_VM_REPLICATING);
    /* Two VMs share the link and both prove every apply. */
    assert_int_equal(r.w->digest_mismatches, 0);
    assert_true(r.w->digest_checks > 20);
    /* Protecting an already protected VM is refused: a failed job with the reason. */
    uint64_t again = engine_protect(r.e, 0);
    assert_true(again > 0);
    const fake_job *j = fake_find_job_id(r.w, again);
    assert_non_null(j);
    assert_int_equal(j->state, ENGINE_JOB_FAILED);
    assert_non_null(strstr(j->reason, "sql-01 is already protected (replicating)"));
    engine_rig_free(&r);
}

static void test_expired_key_refuses_registration_and_what_follows(void **state)
{
    (void)state;
    drs_scenario *sc = small();
    /* vmm-dub's key is used six days after it was generated: more than five (rule 1). */
    sc->recovery.registrations[1].key_generated_ns = 0;
    sc->recovery.registrations[1].at_ns = 6 * DAY;
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 6 * DAY + HOUR);
    const fake_job *reg = NULL;
    for (size_t i = 0; i < r.w->job_count; i++)
        if (strcmp(r.w->jobs[i].name, "Register VMM Server") == 0 &&
            r.w->jobs[i].started_ns == 6 * DAY)
            reg = &r.w->jobs[i];
    assert_non_null(reg);
    assert_int_equal(reg->state, ENGINE_JOB_FAILED);
    assert_non_null(strstr(reg->reason, "rule 1"));
    assert_false(engine_vmm_registered(r.e, 1));
    /* The pair at 20m needs both VMM servers registered; protection at 30m needs the pair. */
    const fake_job *cfg = fake_find_job(r.w, "Configure Cloud Protection", -1);
    assert_int_equal(cfg->state, ENGINE_JOB_FAILED);
    assert_true(cfg->reason[0] != '\0');
    const fake_job *en = fake_find_job(r.w, "Enable Protection", 0);
    assert_int_equal(en->state, ENGINE_JOB_FAILED);
    assert_non_null(strstr(en->reason, "rule 13"));
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_NOT_PROTECTED);
    assert_int_equal(r.w->cycle_count, 0);
    engine_rig_free(&r);
}

static void test_protect_before_the_pair_is_refused(void **state)
{
    (void)state;
    drs_scenario *sc = small();
    sc->recovery.protect[0].at_ns = 15 * MIN; /* the pair is configured at 20m */
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 2 * HOUR);
    const fake_job *en = fake_find_job(r.w, "Enable Protection", 0);
    assert_int_equal(en->state, ENGINE_JOB_FAILED);
    assert_int_equal(en->started_ns, 15 * MIN);
    assert_non_null(strstr(en->reason, "rule 13"));
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_NOT_PROTECTED);
    /* The other VM, protected at 30m, is fine; a later explicit protect of the first works. */
    assert_int_equal(engine_vm_state_of(r.e, 1), ENGINE_VM_REPLICATING);
    assert_true(engine_protect(r.e, 0) > 0);
    fake_run_until(r.w, 4 * HOUR);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REPLICATING);
    engine_rig_free(&r);
}

static void test_pair_modify_needs_removal_first(void **state)
{
    (void)state;
    drs_scenario *sc = small();
    int cloud2 = scenario_fixture_add_cloud(sc, 1, "silver-dub");
    scenario_fixture_add_host(sc, 1, "hv-dub-2", DRS_OS_2012R2, cloud2);
    drs_action *m1 = scenario_fixture_add_action(sc, 2 * HOUR, DRS_DO_PAIR_MODIFY);
    m1->primary_site = 0;
    m1->primary_cloud = 0;
    m1->target_site = 1;
    m1->target_cloud = cloud2;
    drs_action *rm = scenario_fixture_add_action(sc, 3 * HOUR, DRS_DO_PAIR_REMOVE);
    rm->primary_site = 0;
    rm->primary_cloud = 0;
    drs_action *m2 = scenario_fixture_add_action(sc, 4 * HOUR, DRS_DO_PAIR_MODIFY);
    m2->primary_site = 0;
    m2->primary_cloud = 0;
    m2->target_site = 1;
    m2->target_cloud = cloud2;
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 2 * HOUR);
    uint64_t j1 = engine_pair_modify(r.e, 0);
    const fake_job *job1 = &r.w->jobs[r.w->job_count - 1];
    assert_int_equal(job1->id, j1);
    assert_int_equal(job1->state, ENGINE_JOB_FAILED);
    assert_non_null(strstr(job1->reason, "rule 10"));
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REPLICATING);

    fake_run_until(r.w, 3 * HOUR);
    engine_pair_remove(r.e, 1);
    assert_int_equal(jobs_named(r.w, "Disable Protection", ENGINE_JOB_SUCCEEDED), 2);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_NOT_PROTECTED);
    assert_int_equal(engine_vm_pair(r.e, 0), -1);
    assert_int_equal(r.w->storage[1][0].used, 0);

    fake_run_until(r.w, 4 * HOUR);
    engine_pair_modify(r.e, 2);
    const fake_job *job2 = &r.w->jobs[r.w->job_count - 1];
    assert_string_equal(job2->name, "Configure Cloud Protection");
    assert_int_equal(job2->state, ENGINE_JOB_SUCCEEDED);
    assert_int_equal(engine_vm_pair(r.e, 0), 0);
    /* Protection again: the replica now lives on the new target cloud's host. */
    assert_true(engine_protect(r.e, 0) > 0);
    fake_run_until(r.w, 5 * HOUR);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REPLICATING);
    engine_rig_free(&r);
}

static void test_vmm_offline_refuses_jobs_but_replication_goes_on(void **state)
{
    (void)state;
    drs_scenario *sc = small();
    sc->recovery.protect_count = 1;
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 2 * HOUR);
    size_t cycles = r.w->cycle_count;
    r.w->vmm_online[0] = false;
    uint64_t j = engine_protect(r.e, 1);
    const fake_job *job = &r.w->jobs[r.w->job_count - 1];
    assert_int_equal(job->id, j);
    assert_int_equal(job->state, ENGINE_JOB_FAILED);
    assert_non_null(strstr(job->reason, "vmm-sea"));
    fake_run_until(r.w, 3 * HOUR);
    assert_true(r.w->cycle_count >= cycles + 11); /* 12 cycles an hour keep going */
    engine_rig_free(&r);
}

/* A VMM server without internet ("internet": false) cannot reach the vault: its registration is a
 * failed job saying so, and everything that needs it registered (the cloud pair, the mappings, the
 * protection of its VMs) is refused in turn. The other site registers as usual. */
static void test_registration_without_internet_fails_with_its_reason(void **state)
{
    (void)state;
    drs_scenario *sc = small();
    sc->sites[0].vmm.internet = false;
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 2 * HOUR);
    const fake_job *reg = &r.w->jobs[0];
    assert_string_equal(reg->name, "Register VMM Server");
    assert_int_equal(reg->started_ns, 10 * MIN);
    assert_int_equal(reg->state, ENGINE_JOB_FAILED);
    assert_non_null(strstr(reg->reason, "VMM server vmm-sea cannot reach the vault"));
    assert_false(engine_vmm_registered(r.e, 0));
    assert_true(engine_vmm_registered(r.e, 1));
    assert_int_equal(jobs_named(r.w, "Register VMM Server", ENGINE_JOB_SUCCEEDED), 1);
    assert_int_equal(jobs_named(r.w, "Configure Cloud Protection", ENGINE_JOB_FAILED), 1);
    assert_int_equal(jobs_named(r.w, "Enable Protection", ENGINE_JOB_FAILED), 2);
    assert_int_equal(jobs_named(r.w, "Enable Protection", ENGINE_JOB_SUCCEEDED), 0);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_NOT_PROTECTED);
    assert_int_equal(r.w->cycle_count, 0);
    engine_rig_free(&r);
}

/* Internet lost after protection: orchestrated failovers that need the primary's VMM server are
 * refused with its name, while the hosts go on replicating (12 cycles an hour at 5 minutes). */
static void test_vmm_offline_refuses_a_planned_failover_but_replication_goes_on(void **state)
{
    (void)state;
    drs_scenario *sc = small();
    engine_rig r = engine_rig_start(sc);
    fake_run_until(r.w, 2 * HOUR);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REPLICATING);
    size_t cycles = r.w->cycle_count;
    r.w->vmm_online[0] = false;
    drs_action a = drs_action_blank(DRS_DO_PLANNED_FAILOVER, 0);
    a.plan = 0;
    engine_failover(r.e, &a);
    const fake_job *job = fake_find_job(r.w, "Planned Failover", -1);
    assert_non_null(job);
    assert_int_equal(job->state, ENGINE_JOB_FAILED);
    assert_non_null(strstr(job->reason, "vmm-sea"));
    fake_run_until(r.w, 3 * HOUR);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REPLICATING);
    assert_int_equal(engine_vm_state_of(r.e, 1), ENGINE_VM_REPLICATING);
    assert_true(r.w->cycle_count >= cycles + 2 * 11);
    engine_rig_free(&r);
}

static void test_compression_ratio_is_deterministic_and_ordered(void **state)
{
    (void)state;
    double prev = 0;
    for (int i = 0; i <= 10; i++) {
        double p = i / 10.0;
        double a = engine_compression_ratio(p), b = engine_compression_ratio(p);
        assert_true(a == b); /* same bits every call */
        assert_true(a >= 1.0);
        assert_true(a >= prev); /* more repetitive content never compresses worse */
        /* A real codec does no better than removing exactly the compressible fraction. */
        if (p < 1.0)
            assert_true(a <= 1.0 / (1.0 - p) * 1.001);
        prev = a;
    }
    /* Random content does not compress; half-repetitive content gains most of the ideal 2x. */
    assert_true(engine_compression_ratio(0.0) < 1.01);
    assert_true(engine_compression_ratio(0.5) > 1.8);
    /* Between grid points: the interpolation stays between its neighbours. */
    double m = engine_compression_ratio(0.555);
    assert_true(m >= engine_compression_ratio(0.55) && m <= engine_compression_ratio(0.56));
    /* CPU is a fixed charge per MiB, so it is exactly linear. */
    assert_true(engine_compression_cpu_seconds(2u << 20) == 2 * engine_compression_cpu_seconds(1u << 20));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_configuration_steps_run_at_their_times),
        cmocka_unit_test(test_expired_key_refuses_registration_and_what_follows),
        cmocka_unit_test(test_protect_before_the_pair_is_refused),
        cmocka_unit_test(test_pair_modify_needs_removal_first),
        cmocka_unit_test(test_vmm_offline_refuses_jobs_but_replication_goes_on),
        cmocka_unit_test(test_registration_without_internet_fails_with_its_reason),
        cmocka_unit_test(test_vmm_offline_refuses_a_planned_failover_but_replication_goes_on),
        cmocka_unit_test(test_compression_ratio_is_deterministic_and_ordered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
