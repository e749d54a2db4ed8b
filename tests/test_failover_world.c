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

#include <string.h>

#include "reports/reports.h"
#include "sim/run.h"
#include "sim/scenario.h"

#define FINDINGS DRSIM_SOURCE_DIR "/scenarios/regression/failover-unplanned-findings.json"
#define HOUR (3600 * DRS_NS_PER_S)

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
        tests += f->kind == DRS_DO_TEST_FAILOVER && f->succeeded;
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_finding_has_a_scenario),
        cmocka_unit_test(test_test_failover_leaves_rpo_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
