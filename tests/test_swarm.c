/* tests/test_swarm.c — drsim swarm: reproducible timelines drawn from the scenario's own names,
 * summaries that do not depend on --jobs, a deliberately broken invariant found and shrunk to a
 * scenario that still breaks it, and checked runs that move exactly as unchecked ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <jansson.h>

#include "reports/reports.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "sim/run/swarm.h"
#include "tests/support/scratch.h"

#define REGRESSION DRSIM_SOURCE_DIR "/scenarios/regression"
#define PLANNED REGRESSION "/failover-planned.json"

static int setup(void **state)
{
    (void)state;
    return scratch_make("swarm") ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sim_run_set_extra_check(NULL);
    return scratch_remove() ? 0 : -1;
}

static json_t *load_json(const char *path)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    assert_non_null(j);
    return j;
}

static bool named(const json_t *arr, const char *key, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const json_t *n = json_object_get(v, key);
        if (json_is_string(n) && !strcmp(json_string_value(n), name))
            return true;
    }
    return false;
}

/* The same seed gives the same variant, another seed another one; the generated entries name only
 * what the scenario has, and the user's expectations are gone. */
static void test_same_seed_same_timeline(void **state)
{
    (void)state;
    json_t *base = load_json(PLANNED);
    sim_swarm_gen *g = sim_swarm_gen_new(base, REGRESSION);
    assert_non_null(g);
    json_t *a = sim_swarm_variant(g, 7), *b = sim_swarm_variant(g, 7), *c = sim_swarm_variant(g, 8);
    assert_true(json_equal(a, b));
    assert_false(json_equal(a, c));
    /* The scenario's own three entries stay first; at least three more are drawn (3 + 0..11). */
    size_t gen = sim_swarm_generated_count(g, a);
    assert_true(gen >= 3);
    json_t *tl = json_object_get(a, "timeline");
    assert_int_equal(json_array_size(tl), 3 + gen);
    assert_null(json_object_get(a, "expect"));
    assert_int_equal(json_integer_value(json_object_get(a, "seed")), 7);
    const json_t *sites = json_object_get(base, "sites");
    for (size_t i = 3; i < json_array_size(tl); i++) {
        const json_t *e = json_array_get(tl, i);
        const json_t *vm = json_object_get(e, "vm"), *plan = json_object_get(e, "plan"),
                     *link = json_object_get(e, "link"), *site = json_object_get(e, "site");
        if (vm)
            assert_true(named(json_object_get(base, "vms"), "name", json_string_value(vm)));
        if (plan)
            assert_string_equal(json_string_value(plan), "erp");
        if (link)
            assert_string_equal(json_string_value(link), "wan");
        if (site)
            assert_true(named(sites, "name", json_string_value(site)));
    }
    /* Every variant loads: the generator only writes what the format accepts. */
    for (uint64_t seed = 1; seed <= 30; seed++) {
        json_t *v = sim_swarm_variant(g, seed);
        char *text = json_dumps(v, 0);
        drs_diags d = {0};
        drs_scenario *sc = sim_scenario_load_string(text, "variant", REGRESSION, &d);
        if (!sc)
            sim_diags_print(stderr, &d);
        assert_non_null(sc);
        drs_scenario_free(sc);
        drs_diags_clear(&d);
        free(text);
        json_decref(v);
    }
    json_decref(a);
    json_decref(b);
    json_decref(c);
    sim_swarm_gen_free(g);
    json_decref(base);
}

/* The broken invariant of these tests: a scenario whose timeline takes a link down is in violation
 * from its first event. Only link.down entries and one VM are needed to keep it failing. */
static bool hook_no_link_down(const drs_scenario *sc, int64_t now_ns, const drs_action *last,
                              char *why, size_t n)
{
    (void)now_ns;
    (void)last;
    for (size_t i = 0; i < sc->timeline_count; i++)
        if (sc->timeline[i].what == DRS_DO_LINK_DOWN) {
            snprintf(why, n, "the timeline takes link %s down", sc->links[sc->timeline[i].link].name);
            return false;
        }
    return true;
}

static char *swarm_summary(int jobs, uint64_t from, uint64_t seeds, const char *out_dir, int *code)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    sim_swarm_options o = {.scenario_path = PLANNED,
                           .seeds = seeds,
                           .from = from,
                           .jobs = jobs,
                           .out_dir = out_dir,
                           .shrink_runs = 30};
    *code = sim_swarm_run(&o, f);
    fclose(f);
    /* The last line is the speed, the one thing allowed to differ. */
    char *last = strstr(buf, "\n\n");
    char *next;
    while (last && (next = strstr(last + 2, "\n\n")))
        last = next;
    assert_non_null(last);
    assert_non_null(strstr(last, "seeds/s"));
    *last = '\0';
    return buf;
}

/* Seeds give the same summary whether one or two run at once; a seed whose variant takes the link
 * down is reported under the broken invariant, with a shrunk file. */
static void test_jobs_do_not_change_summary(void **state)
{
    (void)state;
    sim_run_set_extra_check(hook_no_link_down);
    int c1, c2;
    char *one = swarm_summary(1, 1, 6, scratch_path("out-a"), &c1);
    char *two = swarm_summary(2, 1, 6, scratch_path("out-a"), &c2);
    sim_run_set_extra_check(NULL);
    assert_int_equal(c1, c2);
    assert_string_equal(one, two);
    assert_non_null(strstr(one, "drsim swarm: 6 seeds of failover-planned (1 to 6)"));
    free(one);
    free(two);
}

/* A broken invariant is found and shrunk: down to one link.down entry and one VM (the hook needs
 * nothing else), fewer than the variant had; the file loads, fails the same way in a checked run,
 * and `drsim run --check` runs it (exit 0 there: the binary does not have the test's hook). */
static void test_broken_invariant_shrunk(void **state)
{
    (void)state;
    /* The first seed whose variant takes the link down. */
    json_t *base = load_json(PLANNED);
    sim_swarm_gen *g = sim_swarm_gen_new(base, REGRESSION);
    uint64_t seed = 0;
    size_t entries = 0;
    for (uint64_t s = 1; s < 200 && !seed; s++) {
        json_t *v = sim_swarm_variant(g, s);
        if (named(json_object_get(v, "timeline"), "do", "link.down")) {
            seed = s;
            entries = json_array_size(json_object_get(v, "timeline"));
        }
        json_decref(v);
    }
    sim_swarm_gen_free(g);
    json_decref(base);
    assert_true(seed > 0);

    sim_run_set_extra_check(hook_no_link_down);
    int code;
    char *sum = swarm_summary(1, seed, 1, scratch_path("out-b"), &code);
    assert_int_equal(code, 1);
    assert_non_null(strstr(sum, "test-hook: 1 seed"));
    char path[1024];
    snprintf(path, sizeof path, "%s/failover-planned-seed%llu-test-hook.json",
             scratch_path("out-b"), (unsigned long long)seed);
    assert_non_null(strstr(sum, path));
    free(sum);

    json_t *small = load_json(path);
    json_t *tl = json_object_get(small, "timeline");
    assert_int_equal(json_array_size(tl), 1);
    assert_true(json_array_size(tl) < entries);
    assert_string_equal(json_string_value(json_object_get(json_array_get(tl, 0), "do")),
                        "link.down");
    assert_int_equal(json_array_size(json_object_get(small, "vms")), 1);
    json_decref(small);

    drs_diags d = {0};
    drs_scenario *sc = sim_scenario_load(path, &d);
    assert_non_null(sc);
    bool violated = false;
    sim_violation v;
    assert_true(sim_run_checked(sc, &violated, &v, NULL));
    assert_true(violated);
    assert_string_equal(v.invariant, "test-hook");
    drs_scenario_free(sc);
    drs_diags_clear(&d);
    sim_run_set_extra_check(NULL);

    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s run --check --quiet --db - %s >/dev/null", DRSIM_BIN, path);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* Checking reads and never moves anything: a checked run of each regression scenario fires as many
 * events as an unchecked one, and finds nothing in them (they are the engine's reference runs). */
static void test_checking_changes_nothing(void **state)
{
    (void)state;
    const char *names[] = {"failover-planned", "failover-failback-round-trip",
                           "failover-unplanned-findings"};
    for (size_t i = 0; i < 3; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s.json", REGRESSION, names[i]);
        drs_diags d = {0};
        drs_scenario *sc = sim_scenario_load(path, &d);
        assert_non_null(sc);
        sim_run_outcome plain;
        assert_true(sim_run_scenario(sc, &plain));
        bool violated = true;
        sim_violation v;
        uint64_t events = 0;
        assert_true(sim_run_checked(sc, &violated, &v, &events));
        if (violated)
            fprintf(stderr, "%s: %s: %s\n", names[i], v.invariant, v.message);
        assert_false(violated);
        assert_int_equal(events, plain.events);
        report_results_free(plain.results);
        drs_scenario_free(sc);
        drs_diags_clear(&d);
    }
}

/* A run that crashes is a violation of its own kind, "crash", with the signal. */
static void test_crash_is_a_violation(void **state)
{
    (void)state;
    json_t *base = load_json(PLANNED);
    /* Not a loadable scenario: the child reports it as refused (2), not a crash. */
    json_t *bad = json_pack("{s:i}", "drsim", 1);
    sim_violation v;
    assert_int_equal(sim_swarm_eval(bad, REGRESSION, 60, &v, NULL), 2);
    json_decref(bad);
    /* A run that takes longer than its timeout is killed: a crash. */
    json_t *slow = json_deep_copy(base);
    json_object_set_new(slow, "duration", json_string("3650d"));
    /* hourly samples keep ten years within the limit of a million per series */
    json_object_set_new(slow, "sample_interval", json_string("1h"));
    json_object_del(slow, "expect");
    assert_int_equal(sim_swarm_eval(slow, REGRESSION, 1, &v, NULL), 1);
    assert_string_equal(v.invariant, "crash");
    assert_non_null(strstr(v.message, "longer than 1 s"));
    json_decref(slow);
    json_decref(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_timeline),
        cmocka_unit_test(test_jobs_do_not_change_summary),
        cmocka_unit_test(test_broken_invariant_shrunk),
        cmocka_unit_test(test_checking_changes_nothing),
        cmocka_unit_test(test_crash_is_a_violation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
