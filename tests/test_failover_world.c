/* tests/test_failover_world.c — failover rehearsals run through the whole simulator (the modelled
 * world, not the fake): the regression scenarios really produce every finding a rehearsal must
 * list, and a test failover leaves the RPO series exactly as a run without it. */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "reports/reports.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "sim/kernel/sim.h"
#include "sim/run/world.h"

#define FINDINGS DRSIM_SOURCE_DIR "/scenarios/regression/failover-unplanned-findings.json"
#define ROUND_TRIP DRSIM_SOURCE_DIR "/scenarios/regression/failover-failback-round-trip.json"
#define MIN (60 * DRS_NS_PER_S)
#define HOUR (60 * MIN)

static drs_scenario *load(const char *path)
{
    drs_diags d = {0};
    drs_scenario *sc = sim_scenario_load(path, &d);
    drs_diags_clear(&d);
    assert_non_null(sc);
    return sc;
}

/* Whether a failover record's detail or a job's reason contains needle. */
static bool reported(const report_results *r, const char *needle)
{
    for (size_t i = 0; i < report_results_failover_count(r); i++)
        if (strstr(report_results_failover(r, i)->detail, needle))
            return true;
    for (size_t i = 0; i < report_results_job_count(r); i++) {
        const report_job *j = report_results_job(r, i);
        if (j->reason && strstr(j->reason, needle))
            return true;
    }
    return false;
}

/* Each finding of a rehearsal comes out of the findings scenario with its own words: a VM without
 * a recovery point yet, a VM not protected, the recovery VMM server offline, replica storage
 * missing (its host down), and a VM network without a mapping (the VM comes up disconnected). An
 * engine that refused for another reason, or let one through, fails here even when the scenario's
 * own job expectations (failed / succeeded) still hold. */
static void test_every_finding_has_a_scenario(void **state)
{
    (void)state;
    drs_scenario *sc = load(FINDINGS);
    sim_run_outcome out;
    assert_true(sim_run_scenario(sc, &out));
    assert_int_equal(out.exit_code, 0);
    const report_results *r = out.results;
    assert_true(reported(r, "web-01 has no recovery point yet"));
    assert_true(reported(r, "spare-01 is not protected"));
    assert_true(reported(r, "VMM server vmm-dub cannot reach the vault"));
    assert_true(reported(r, "replica storage of sql-01 is missing"));
    assert_true(
        reported(r, "network lab-sea of lab-01 is not mapped: the VM comes up disconnected"));
    /* the mapped VMs raise no network finding */
    assert_false(reported(r, "of sql-01 is not mapped"));
    assert_false(reported(r, "of web-01 is not mapped"));
    report_results_free(out.results);
    drs_scenario_free(sc);
}

/* Keeps the timeline entries before until_ns, without test failovers when drop_tests. */
static void cut_timeline(drs_scenario *sc, int64_t until_ns, bool drop_tests)
{
    size_t n = 0;
    for (size_t i = 0; i < sc->timeline_count; i++) {
        const drs_action *a = &sc->timeline[i];
        if (a->at_ns >= until_ns || (drop_tests && a->what == DRS_DO_TEST_FAILOVER))
            continue;
        sc->timeline[n++] = *a;
    }
    sc->timeline_count = n;
    sc->duration_ns = until_ns;
}

/* The findings scenario up to 5 h (a successful test failover of sql-01 with cleanup, refused ones,
 * a VMM outage, a replica host outage) against the same run without its test failovers: every VM
 * has the very same RPO breakpoints, bytes and cycles. */
static void test_test_failover_leaves_rpo_alone(void **state)
{
    (void)state;
    drs_scenario *with = load(FINDINGS), *without = load(FINDINGS);
    cut_timeline(with, 5 * HOUR, false);
    cut_timeline(without, 5 * HOUR, true);
    assert_true(without->timeline_count < with->timeline_count);
    sim_run_outcome a, b;
    assert_true(sim_run_scenario(with, &a));
    assert_true(sim_run_scenario(without, &b));
    size_t tests = 0;
    for (size_t i = 0; i < report_results_failover_count(a.results); i++) {
        const report_failover *f = report_results_failover(a.results, i);
        tests += f->kind == ENGINE_FO_TEST && f->succeeded;
    }
    assert_int_equal(tests, 1);
    assert_int_equal(report_results_failover_count(b.results), 0);
    size_t nv = report_results_vm_count(a.results);
    for (size_t v = 0; v < nv; v++) {
        size_t na, nb;
        const report_rpo_point *pa = report_results_rpo_points(a.results, v, &na);
        const report_rpo_point *pb = report_results_rpo_points(b.results, v, &nb);
        assert_int_equal(na, nb);
        if (na)
            assert_memory_equal(pa, pb, na * sizeof *pa);
        const report_vm_stats *x = report_results_vm(a.results, v);
        const report_vm_stats *y = report_results_vm(b.results, v);
        assert_int_equal(x->raw_bytes, y->raw_bytes);
        assert_int_equal(x->cycles_completed, y->cycles_completed);
    }
    /* sql-01 replicates: the comparison is not between two empty series */
    size_t n0;
    report_results_rpo_points(a.results, 0, &n0);
    assert_true(n0 > 40);
    report_results_free(a.results);
    report_results_free(b.results);
    drs_scenario_free(with);
    drs_scenario_free(without);
}

/* The engine on the modelled world, driven through a scenario's timeline as sim/run/run.c does, with
 * the failback records kept. */
typedef struct world_rig {
    drs_scenario *sc;
    sim *k;
    sim_world *w;
    engine *e;
    engine_failover_info failback[4]; /* per VM (detail not kept) */
    bool failed_back[4];
    struct world_step {
        struct world_rig *r;
        size_t i;
    } * steps;
} world_rig;

static void on_failover(void *ctx, const engine_failover_info *fo)
{
    world_rig *r = ctx;
    if (fo->kind == ENGINE_FO_FAILBACK && fo->vm >= 0 && fo->vm < 4) {
        r->failback[fo->vm] = *fo;
        r->failback[fo->vm].detail = NULL;
        r->failed_back[fo->vm] = true;
    }
}

static void step_fire(sim *k, void *arg)
{
    (void)k;
    struct world_step *st = arg;
    const drs_action *a = &st->r->sc->timeline[st->i];
    bool world = sim_world_apply(st->r->w, a);
    engine_note_outage(st->r->e, a);
    if (!world)
        engine_failover(st->r->e, a);
}

/* edit (optional) changes the scenario before anything is scheduled. */
static void world_rig_start(world_rig *r, const char *path, void (*edit)(drs_scenario *))
{
    memset(r, 0, sizeof *r);
    r->sc = load(path);
    if (edit)
        edit(r->sc);
    r->k = sim_new();
    drs_error err = {0};
    r->w = sim_world_new(r->sc, r->k, &err);
    assert_non_null(r->w);
    engine_platform pf = sim_world_platform(r->w);
    engine_recorder rec = {.ctx = r, .failover = on_failover};
    r->e = engine_new(r->sc, &pf, &rec, &err);
    assert_non_null(r->e);
    assert_true(engine_start(r->e, &err));
    r->steps = calloc(r->sc->timeline_count + 1, sizeof *r->steps);
    for (size_t i = 0; i < r->sc->timeline_count; i++) {
        r->steps[i] = (struct world_step){r, i};
        sim_schedule(r->k, r->sc->timeline[i].at_ns, step_fire, &r->steps[i]);
    }
}

static void world_rig_free(world_rig *r)
{
    engine_free(r->e);
    sim_world_free(r->w);
    sim_free(r->k);
    free(r->steps);
    drs_scenario_free(r->sc);
}

/* Digest of the copy of vm's disks at its own site (0) or at the recovery site (1), whichever way
 * replication runs: the world's primary copy is at the recovery site while it is reversed (the only
 * failover in progress when this is asked is the failback, which runs reversed until the boot). */
static uint64_t copy_at(world_rig *r, int vm, int site)
{
    bool reversed = engine_vm_state_of(r->e, vm) == ENGINE_VM_REVERSED ||
                    engine_vm_state_of(r->e, vm) == ENGINE_VM_REVERSE_REPLICATING ||
                    engine_vm_state_of(r->e, vm) == ENGINE_VM_FAILOVER_IN_PROGRESS;
    return sim_world_vm_digest(r->w, vm, (site == 0) == reversed);
}

/* The failback round trip on the modelled disks (scenarios/regression/failover-failback-round-
 * trip.json: Seattle lost at 5h, unplanned failover 5h05m, Seattle back 5h40m, reverse replication
 * 6h, failback 7h). The recovered VM's workload writes at Dublin and nothing lands at Seattle until
 * replication is reversed; once sql-01's failback has shipped its last changes (its VM at Dublin is
 * off and still booting at Seattle), the Seattle copy equals the Dublin copy: every write made at
 * Dublin is home. Then the VM writes at Seattle again and the failback is verified with no loss. */
static void test_round_trip_on_the_modelled_disks(void **state)
{
    (void)state;
    world_rig r;
    world_rig_start(&r, ROUND_TRIP, NULL);
    sim_run_until(r.k, 5 * HOUR + 45 * MIN);
    uint64_t home = copy_at(&r, 0, 0), away = copy_at(&r, 0, 1);
    sim_run_until(r.k, 5 * HOUR + 55 * MIN);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_FAILED_OVER);
    assert_int_equal(copy_at(&r, 0, 0), home);     /* Seattle's copy untouched */
    assert_int_not_equal(copy_at(&r, 0, 1), away); /* the VM writes at Dublin */
    sim_run_until(r.k, 6 * HOUR + 30 * MIN);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REVERSED);
    assert_int_equal(engine_vm_state_of(r.e, 1), ENGINE_VM_REVERSED);
    assert_int_not_equal(copy_at(&r, 0, 0), home); /* replicated back */
    sim_run_until(r.k, 7 * HOUR + 1 * MIN); /* sql-01: last changes applied, booting at home */
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_FAILOVER_IN_PROGRESS);
    uint64_t final = copy_at(&r, 0, 1);
    assert_int_equal(copy_at(&r, 0, 0), final);
    sim_run_until(r.k, 7 * HOUR + 1 * MIN + 30 * DRS_NS_PER_S);
    assert_int_equal(copy_at(&r, 0, 1), final); /* nothing written at Dublin after shutdown */
    sim_run_until(r.k, 7 * HOUR + 4 * MIN);     /* web-01: its failback group has begun */
    assert_int_equal(copy_at(&r, 1, 0), copy_at(&r, 1, 1));
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REPLICATING);
    uint64_t booted = copy_at(&r, 0, 0);
    sim_run_until(r.k, 7 * HOUR + 30 * MIN);
    assert_int_not_equal(copy_at(&r, 0, 0), booted); /* writing at home again */
    for (int vm = 0; vm < 2; vm++) {
        assert_true(r.failed_back[vm]);
        assert_true(r.failback[vm].succeeded);
        assert_true(r.failback[vm].verified);
        assert_int_equal(r.failback[vm].data_loss_ns, 0);
        assert_int_equal(r.failback[vm].data_loss_bytes, 0);
        assert_int_equal(engine_vm_state_of(r.e, vm), ENGINE_VM_REPLICATING);
    }
    world_rig_free(&r);
}

/* The round trip's timeline (site.down 5h, unplanned 5h05m, site.up 5h40m, ...) becomes site.down
 * 5h, unplanned 5h05m, cancel 5h20m, site.up 5h40m. */
static void cancel_before_site_up(drs_scenario *sc)
{
    assert_true(sc->timeline_count >= 4);
    drs_action site_up = sc->timeline[2];
    assert_int_equal(site_up.what, DRS_DO_SITE_UP);
    sc->timeline[2] = sc->timeline[1];
    sc->timeline[2].what = DRS_DO_CANCEL_FAILOVER;
    sc->timeline[2].at_ns = 5 * HOUR + 20 * MIN;
    sc->timeline[3] = site_up;
    sc->timeline_count = 4;
}

/* Cancelling an unplanned failover while the primary site is still down: the VM does not run at
 * the recovery site any more and runs (writes) at its own site again once the site is back, and
 * replication resumes after a resynchronization. */
static void test_cancel_while_primary_down(void **state)
{
    (void)state;
    world_rig r;
    world_rig_start(&r, ROUND_TRIP, cancel_before_site_up);
    sim_run_until(r.k, 5 * HOUR + 30 * MIN);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_RESYNC_REQUIRED);
    uint64_t away = sim_world_vm_digest(r.w, 0, true), home = sim_world_vm_digest(r.w, 0, false);
    sim_run_until(r.k, 5 * HOUR + 39 * MIN);
    assert_int_equal(sim_world_vm_digest(r.w, 0, true), away);  /* Dublin's VM is off */
    assert_int_equal(sim_world_vm_digest(r.w, 0, false), home); /* Seattle is still down */
    sim_run_until(r.k, 5 * HOUR + 50 * MIN);
    assert_int_not_equal(sim_world_vm_digest(r.w, 0, false), home); /* writing at home again */
    sim_run_until(r.k, 7 * HOUR);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REPLICATING);
    world_rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_finding_has_a_scenario),
        cmocka_unit_test(test_test_failover_leaves_rpo_alone),
        cmocka_unit_test(test_round_trip_on_the_modelled_disks),
        cmocka_unit_test(test_cancel_while_primary_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
