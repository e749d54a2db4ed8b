/* tests/test_fidelity.c — extent and fluid fidelity give the same planning answers.
 *
 * Fluid fidelity keeps byte counters instead of extent maps so that very large fleets can be
 * planned; it is only useful if it answers the capacity questions as the extent model does. Each
 * scenario of scenarios/examples and scenarios/regression is run twice in-process, once per
 * fidelity, and per VM the RPO p95, the bytes on the wire and the peak replica storage must agree
 * within 2 %.
 *
 * Failover actions are taken out of the timeline, and so are host and site outages (link faults
 * stay): after a failover, or a crash of a running primary, replication resynchronizes, and the
 * fluid model, which cannot say which extents differ, sends whole disks: the documented price of
 * the fidelity, not a planning figure. Each scenario also runs with coalesced change
 * tracking, where the fluid model estimates how many bytes rewrites save instead of counting them.
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "engine/rules.h"
#include "reports/reports.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"

#define TOLERANCE 0.02

/* Operations, and the host and site outages that make failovers matter. */
static bool is_failover_action(const char *what)
{
    for (int k = 0; k < DRS_DO_COUNT; k++)
        if (strcmp(what, drs_action_name((drs_action_do)k)) == 0)
            return drs_action_class_of((drs_action_do)k) == DRS_CLASS_OPERATION ||
                   k == DRS_DO_HOST_DOWN || k == DRS_DO_HOST_UP || k == DRS_DO_SITE_DOWN ||
                   k == DRS_DO_SITE_UP;
    return false;
}

/* The scenario at path with the given fidelity and change tracking (NULL: as written), failover
 * actions and expectations removed. */
static drs_scenario *load_variant(const char *path, const char *fidelity, const char *tracking)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    assert_non_null(root);
    json_object_set_new(root, "fidelity", json_string(fidelity));
    json_object_del(root, "expect");
    json_t *tl = json_object_get(root, "timeline");
    if (tl) {
        json_t *kept = json_array();
        size_t i;
        json_t *a;
        json_array_foreach(tl, i, a)
        {
            const char *what = json_string_value(json_object_get(a, "do"));
            if (!what || !is_failover_action(what))
                json_array_append(kept, a);
        }
        json_object_set_new(root, "timeline", kept);
    }
    if (tracking) {
        json_t *pairs = json_object_get(json_object_get(root, "recovery"), "cloud_pairs");
        size_t i;
        json_t *p;
        json_array_foreach(pairs, i, p)
        {
            json_t *settings = json_object_get(p, "settings");
            if (settings)
                json_object_set_new(settings, "change_tracking", json_string(tracking));
        }
    }
    char *text = json_dumps(root, 0);
    json_decref(root);
    assert_non_null(text);
    drs_diags diags = {0};
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    drs_scenario *sc = sim_scenario_load_string(text, path, dir, &diags);
    if (sc)
        engine_rules_check(sc, &diags);
    if (!sc || drs_diags_errors(&diags))
        sim_diags_print(stderr, &diags);
    assert_non_null(sc);
    assert_int_equal(drs_diags_errors(&diags), 0);
    drs_diags_clear(&diags);
    free(text);
    return sc;
}

static report_results *run(drs_scenario *sc)
{
    sim_run_outcome out;
    assert_true(sim_run_scenario(sc, &out));
    assert_non_null(out.results);
    return out.results;
}

/* |fluid - extent| within TOLERANCE of extent; reports the pair either way. */
static bool agree(const char *what, const char *vm, double extent, double fluid)
{
    double rel = extent != 0 ? fabs(fluid - extent) / fabs(extent) : fabs(fluid);
    bool ok = rel <= TOLERANCE;
    print_message("  %-4s %-10s %-12s extent %16.0f fluid %16.0f  %+.3f %%\n", ok ? "ok" : "FAIL",
                  vm, what, extent, fluid, extent != 0 ? 100 * (fluid - extent) / extent : 0.0);
    return ok;
}

static void compare(const char *path, const char *tracking)
{
    print_message("%s (%s tracking)\n", path, tracking ? tracking : "its own");
    drs_scenario *se = load_variant(path, "extent", tracking);
    drs_scenario *sf = load_variant(path, "fluid", tracking);
    report_results *re = run(se);
    report_results *rf = run(sf);
    size_t n = report_results_vm_count(re);
    assert_int_equal(report_results_vm_count(rf), n);
    size_t failures = 0, compared = 0;
    for (size_t i = 0; i < n; i++) {
        const report_vm_stats *ve = report_results_vm(re, i);
        const report_vm_stats *vf = report_results_vm(rf, i);
        report_rpo_stats pe, pf;
        report_results_rpo(re, i, 0, 0, &pe);
        report_results_rpo(rf, i, 0, 0, &pf);
        assert_int_equal(pe.defined, pf.defined);
        if (pe.defined) {
            failures += !agree("rpo.p95 ns", ve->name, pe.p95_ns, pf.p95_ns);
            compared++;
        }
        failures += !agree("bytes.wire", ve->name, (double)ve->wire_bytes, (double)vf->wire_bytes);
        failures += !agree("storage.peak", ve->name, (double)ve->replica_storage_peak_bytes,
                           (double)vf->replica_storage_peak_bytes);
    }
    assert_true(compared > 0); /* the scenario replicated something */
    assert_int_equal(failures, 0);
    report_results_free(re);
    report_results_free(rf);
    drs_scenario_free(se);
    drs_scenario_free(sf);
}

/* Every scenario file of one folder of scenarios/, in name order, each with its own and with
 * coalesced change tracking. */
static void compare_folder(const char *folder)
{
    char dirpath[512];
    snprintf(dirpath, sizeof dirpath, "%s/scenarios/%s", DRSIM_SOURCE_DIR, folder);
    struct dirent **names;
    int n = scandir(dirpath, &names, NULL, alphasort);
    assert_true(n > 0);
    int seen = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]->d_name);
        if (len > 5 && strcmp(names[i]->d_name + len - 5, ".json") == 0) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dirpath, names[i]->d_name);
            compare(path, NULL);
            compare(path, "coalesced");
            seen++;
        }
        free(names[i]);
    }
    free(names);
    assert_true(seen > 0);
}

static void test_examples_agree(void **state)
{
    (void)state;
    compare_folder("examples");
}

static void test_regression_scenarios_agree(void **state)
{
    (void)state;
    compare_folder("regression");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples_agree),
        cmocka_unit_test(test_regression_scenarios_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
