/* sim/scenario/scenario_expect.c — what a run must show: the `expect` entries of a scenario.
 *
 * Five forms, told apart by their first key: metric (a statistic within bounds), job (a job reached
 * a state), health (a VM's replication health), event (something happened, or never did) and
 * validation (the configuration is expected to break a rule). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/record.h"
#include "scenario.h"
#include "scenario_internal.h"
#include "units.h"

enum {
    SCOPE_VM = DRS_SCOPE_BIT(VM),
    SCOPE_LINK = DRS_SCOPE_BIT(LINK),
    SCOPE_PLAN = DRS_SCOPE_BIT(PLAN),
    SCOPE_CLASS = DRS_SCOPE_BIT(CLASSIFICATION)
};
/* A fraction is reported as DRS_UNIT_NUMBER but its bounds are checked as fractions. */
enum { SC_UNIT_FRACTION = 100 };

typedef struct sc_metric {
    const char *name;
    unsigned scopes;
    int unit; /* drs_value_unit or SC_UNIT_FRACTION */
} sc_metric;

static const sc_metric sc_metrics[] = {
#define SC_METRIC(name, scopes, unit, fraction) {name, scopes, (fraction) ? SC_UNIT_FRACTION : (int)(unit)},
    DRS_METRICS(SC_METRIC)
#undef SC_METRIC
};
#define SC_NMETRICS (sizeof sc_metrics / sizeof sc_metrics[0])

const char *const sim_scenario_metric_names[] = {
#define SC_METRIC_NAME(name, scopes, unit, fraction) name,
    DRS_METRICS(SC_METRIC_NAME)
#undef SC_METRIC_NAME
    NULL,
};

/* The engine's job list (engine/record.h), so a new job is expected under its own name at once. */
const char *const sim_scenario_job_names[] = {
#define SC_JOB_NAME(id, name, failover) name,
    ENGINE_JOB_KINDS(SC_JOB_NAME)
#undef SC_JOB_NAME
    NULL,
};

/* A job's states and a VM's health states as the engine spells them (engine/record.h); health
 * `none` (not protected) is not a state to expect. */
static const char *const *sc_job_states(void)
{
    static const char *names[ENGINE_JOB_CANCELLED + 2];
    for (int s = ENGINE_JOB_IN_PROGRESS; s <= ENGINE_JOB_CANCELLED; s++)
        names[s] = engine_job_state_name((engine_job_state)s);
    return names;
}

static const char *const *sc_health_states(void)
{
    static const char *names[ENGINE_HEALTH_CRITICAL + 1];
    for (int h = ENGINE_HEALTH_NORMAL; h <= ENGINE_HEALTH_CRITICAL; h++)
        names[h - ENGINE_HEALTH_NORMAL] = engine_health_name((engine_health)h);
    return names;
}

/* The events an expectation may name: the engine's list (engine/record.h) but free-text notes. */
const char *const sim_scenario_event_names[] = {
#define SC_EVENT_NAME(id, name, expectable, finding) IF_EXPECTABLE_##expectable(name)
#define IF_EXPECTABLE_true(name) name,
#define IF_EXPECTABLE_false(name)
    ENGINE_EVENT_KINDS(SC_EVENT_NAME)
#undef IF_EXPECTABLE_false
#undef IF_EXPECTABLE_true
#undef SC_EVENT_NAME
    NULL,
};

static const char *const sc_forms[] = {"metric", "job", "health", "event", "validation", NULL};
static const char *const sc_all_keys[] = {
    "metric",         "job",  "health", "event",  "validation", "vm",        "link",  "plan",
    "classification", "max",  "min",    "equals", "after",      "until",     "threshold",
    "state",          "by",   "never",  "rule",   NULL};
static const char *const sc_metric_keys[] = {"metric",         "vm",        "link", "plan",
                                             "classification", "max",       "min",  "equals",
                                             "after",          "until",     "threshold",
                                             NULL};
static const char *const sc_job_keys[] = {"job", "vm", "plan", "state", "by", "never", NULL};
static const char *const sc_health_keys[] = {"health", "vm", "by", "never", NULL};
static const char *const sc_event_keys[] = {"event", "vm", "link", "plan", "by", "never", NULL};
static const char *const sc_validation_keys[] = {"validation", "rule", NULL};

static const char *const sc_scope_keys[] = {"vm", "link", "plan", "classification"};
static const unsigned sc_scope_bits[] = {SCOPE_VM, SCOPE_LINK, SCOPE_PLAN, SCOPE_CLASS};
static const drs_scope sc_scope_values[] = {DRS_SCOPE_VM, DRS_SCOPE_LINK, DRS_SCOPE_PLAN,
                                            DRS_SCOPE_CLASSIFICATION};
static const sc_kind sc_scope_kinds[] = {SC_VM, SC_LINK, SC_PLAN, SC_CLASSIFICATION};

/* The scope key among those allowed (bitmask); required unless allowed_none. "*" means every one.
 */
static void sc_expect_scope(sc_ctx *c, const json_t *v, const char *p, drs_expect *x,
                            unsigned allowed, bool allowed_none)
{
    int found = -1;
    for (int k = 0; k < 4; k++) {
        if (!sc_has(v, sc_scope_keys[k]))
            continue;
        char q[SC_PATH];
        sc_path_key(q, p, sc_scope_keys[k]);
        if (!(allowed & sc_scope_bits[k])) {
            sc_error(c, q, "this expectation is not about a %s", sc_scope_keys[k]);
            continue;
        }
        if (found >= 0) {
            sc_error(c, q, "give one scope only: both '%s' and '%s'", sc_scope_keys[found],
                     sc_scope_keys[k]);
            continue;
        }
        found = k;
    }
    if (found < 0) {
        if (!allowed_none) {
            char list[80] = "";
            for (int k = 0, first = 1; k < 4; k++) {
                if (allowed & sc_scope_bits[k]) {
                    size_t u = strlen(list);
                    snprintf(list + u, sizeof list - u, "%s'%s'", first ? "" : " or ",
                             sc_scope_keys[k]);
                    first = 0;
                }
            }
            sc_error(c, p, "missing the scope: expected %s (a name, or \"*\" for every one)", list);
        }
        return;
    }
    x->scope = sc_scope_values[found];
    if (!sc_get_name(c, v, p, sc_scope_keys[found], SC_REQUIRED, &x->target))
        return;
    if (strcmp(x->target, "*") != 0) {
        char q[SC_PATH];
        sc_path_key(q, p, sc_scope_keys[found]);
        sc_resolve(c, sc_scope_kinds[found], x->target, q);
    }
}

/* One bound (max/min/equals) in the metric's unit, as a double. */
static bool sc_expect_bound(sc_ctx *c, const json_t *v, const char *p, const char *key, int unit,
                            double *out)
{
    const json_t *b = json_object_get(v, key);
    if (!b)
        return false;
    char q[SC_PATH], got[80];
    sc_path_key(q, p, key);
    switch (unit) {
    case DRS_UNIT_DURATION: {
        int64_t ns;
        if (!sc_value_duration(c, b, q, &ns))
            return false;
        *out = (double)ns;
        return true;
    }
    case DRS_UNIT_SIZE: {
        uint64_t bytes;
        if (!sc_value_size(c, b, q, &bytes))
            return false;
        *out = (double)bytes;
        return true;
    }
    case DRS_UNIT_NUMBER:
        if (!json_is_number(b) || json_number_value(b) < 0) {
            sc_error(c, q, "expected a number of 0 or more, got %s",
                     sc_describe(b, got, sizeof got));
            return false;
        }
        *out = json_number_value(b);
        return true;
    case SC_UNIT_FRACTION: {
        drs_error e = {0};
        if (!json_is_number(b)) {
            sc_error(c, q, "expected a fraction between 0 and 1, got %s",
                     sc_describe(b, got, sizeof got));
            return false;
        }
        if (!units_check_fraction(json_number_value(b), out, &e)) {
            sc_error(c, q, "%s", e.message);
            return false;
        }
        return true;
    }
    case DRS_UNIT_COUNT:
        if (!json_is_integer(b) || json_integer_value(b) < 0) {
            sc_error(c, q, "expected a count (a whole number of 0 or more), got %s",
                     sc_describe(b, got, sizeof got));
            return false;
        }
        *out = (double)json_integer_value(b);
        return true;
    case DRS_UNIT_BOOL:
        if (!json_is_boolean(b)) {
            sc_error(c, q, "expected true or false, got %s", sc_describe(b, got, sizeof got));
            return false;
        }
        *out = json_is_true(b) ? 1 : 0;
        return true;
    }
    return false;
}

static void sc_expect_metric(sc_ctx *c, const json_t *v, const char *p, drs_expect *x)
{
    char q[SC_PATH];
    sc_check_keys(c, v, p, sc_metric_keys);
    x->kind = DRS_EXPECT_METRIC;
    if (!sc_get_name(c, v, p, "metric", SC_REQUIRED, &x->name))
        return;
    const sc_metric *m = NULL;
    for (size_t k = 0; k < SC_NMETRICS && !m; k++)
        if (!strcmp(x->name, sc_metrics[k].name))
            m = &sc_metrics[k];
    if (!m) {
        sc_path_key(q, p, "metric");
        const char *near = sc_suggest(x->name, sim_scenario_metric_names, SC_NMETRICS);
        if (near)
            sc_error(c, q, "unknown metric '%s' (did you mean '%s'?)", x->name, near);
        else
            sc_error(
                c, q,
                "unknown metric '%s'; metrics are rpo.*, initial_replication.time, "
                "compression.ratio, "
                "bytes.*, link.utilization.*, replica_storage.peak, recovery_points.*, cycles.*, "
                "resyncs, failover.*",
                x->name);
        return;
    }
    x->unit = m->unit == SC_UNIT_FRACTION ? DRS_UNIT_NUMBER : (drs_value_unit)m->unit;
    sc_expect_scope(c, v, p, x, m->scopes, false);
    if (m->unit == DRS_UNIT_BOOL) {
        for (const char *const *k = (const char *const[]){"max", "min", NULL}; *k; k++) {
            if (sc_has(v, *k)) {
                sc_path_key(q, p, *k);
                sc_error(c, q, "'%s' is a yes/no metric: use \"equals\": true or false", x->name);
            }
        }
    } else {
        x->has_max = sc_expect_bound(c, v, p, "max", m->unit, &x->max);
        x->has_min = sc_expect_bound(c, v, p, "min", m->unit, &x->min);
    }
    x->has_equals = sc_expect_bound(c, v, p, "equals", m->unit, &x->equals);
    if (!sc_has(v, "max") && !sc_has(v, "min") && !sc_has(v, "equals"))
        sc_error(c, p, "expected a bound: 'max', 'min' or 'equals'");
    if (x->has_min && x->has_max && x->min > x->max) {
        sc_path_key(q, p, "min");
        sc_error(c, q, "'min' is above 'max': no value can satisfy both");
    }
    sc_get_duration(c, v, p, "after", SC_OPTIONAL, &x->after_ns);
    if (sc_get_duration(c, v, p, "until", SC_OPTIONAL, &x->until_ns) &&
        x->until_ns <= x->after_ns) {
        /* [after, until) must hold some time, or the statistic has nothing to be about. */
        sc_path_key(q, p, "until");
        sc_error(c, q, "'until' must be later than %s",
                 x->after_ns > 0 ? "'after'" : "the start of the run");
    }
    bool needs_threshold = !strcmp(m->name, "rpo.time_above");
    if (needs_threshold)
        sc_get_duration(c, v, p, "threshold", SC_REQUIRED, &x->threshold_ns);
    else if (sc_has(v, "threshold")) {
        sc_path_key(q, p, "threshold");
        sc_error(c, q, "'threshold' applies only to rpo.time_above");
    }
}

/* `by` or `never` (or neither: at any time during the run). */
static void sc_expect_when(sc_ctx *c, const json_t *v, const char *p, drs_expect *x)
{
    x->has_by = sc_get_duration(c, v, p, "by", SC_OPTIONAL, &x->by_ns);
    bool never = false;
    if (sc_get_bool(c, v, p, "never", SC_OPTIONAL, &never) && !never) {
        char q[SC_PATH];
        sc_path_key(q, p, "never");
        sc_error(c, q, "'never' can only be true; leave it out otherwise");
    }
    x->never = never;
    if (x->has_by && x->never)
        sc_error(c, p, "give either 'by' or 'never', not both");
}

static bool sc_match_name(sc_ctx *c, const json_t *v, const char *p, const char *key,
                          const char *const *names, bool fold, const char *what, char **out)
{
    char *s = NULL;
    if (!sc_get_name(c, v, p, key, SC_REQUIRED, &s))
        return false;
    size_t n = 0;
    while (names[n])
        n++;
    for (size_t k = 0; k < n; k++) {
        bool same = true;
        if (fold) {
            const char *a = s, *b = names[k];
            for (; *a && *b && ((*a | 0x20) == (*b | 0x20)); a++, b++)
                ;
            same = !*a && !*b;
        } else {
            same = !strcmp(s, names[k]);
        }
        if (same) {
            free(s);
            *out = drs_xstrdup(names[k]);
            return true;
        }
    }
    char q[SC_PATH];
    sc_path_key(q, p, key);
    const char *near = sc_suggest(s, names, n);
    if (near)
        sc_error(c, q, "unknown %s '%s' (did you mean '%s'?)", what, s, near);
    else
        sc_error(c, q, "unknown %s '%s'; see scenarios/README.md for the list", what, s);
    free(s);
    return false;
}

static void sc_load_one_expect(sc_ctx *c, const json_t *v, const char *p, drs_expect *x)
{
    int form = -1, forms = 0;
    for (int k = 0; sc_forms[k]; k++) {
        if (sc_has(v, sc_forms[k])) {
            if (form < 0)
                form = k;
            forms++;
        }
    }
    if (forms > 1) {
        sc_error(c, p,
                 "an expectation has one of 'metric', 'job', 'health', 'event' or 'validation', "
                 "not several");
        return;
    }
    if (form < 0) {
        sc_check_keys(c, v, p, sc_all_keys); /* a misspelt "metric" gets its suggestion here */
        sc_error(c, p,
                 "expected one of the keys 'metric', 'job', 'health', 'event' or 'validation'");
        return;
    }
    switch (form) {
    case 0:
        sc_expect_metric(c, v, p, x);
        break;
    case 1: {
        const char *const *states = sc_job_states();
        x->kind = DRS_EXPECT_JOB;
        sc_check_keys(c, v, p, sc_job_keys);
        sc_match_name(c, v, p, "job", sim_scenario_job_names, true, "job", &x->name);
        sc_expect_scope(c, v, p, x, SCOPE_VM | SCOPE_PLAN, true);
        int st = 0;
        if (sc_get_enum(c, v, p, "state", SC_REQUIRED, states, &st))
            x->state = drs_xstrdup(states[st]);
        sc_expect_when(c, v, p, x);
        break;
    }
    case 2: {
        x->kind = DRS_EXPECT_HEALTH;
        sc_check_keys(c, v, p, sc_health_keys);
        sc_match_name(c, v, p, "health", sc_health_states(), false, "health state", &x->name);
        sc_expect_scope(c, v, p, x, SCOPE_VM, false);
        sc_expect_when(c, v, p, x);
        break;
    }
    case 3:
        x->kind = DRS_EXPECT_EVENT;
        sc_check_keys(c, v, p, sc_event_keys);
        sc_match_name(c, v, p, "event", sim_scenario_event_names, false, "event", &x->name);
        sc_expect_scope(c, v, p, x, SCOPE_VM | SCOPE_LINK | SCOPE_PLAN, true);
        sc_expect_when(c, v, p, x);
        break;
    case 4: {
        static const char *const sevs[] = {"error", "warning", NULL};
        x->kind = DRS_EXPECT_VALIDATION;
        sc_check_keys(c, v, p, sc_validation_keys);
        int sev = 0;
        if (sc_get_enum(c, v, p, "validation", SC_REQUIRED, sevs, &sev)) {
            x->name = drs_xstrdup(sevs[sev]);
            x->validation_warning = sev == 1;
        }
        long long rule = 0;
        if (sc_get_int(c, v, p, "rule", SC_OPTIONAL, 1, 13, &rule))
            x->rule = (int)rule;
        break;
    }
    }
}

/* How many checks an expectation stands for: one per VM, link, plan or classification for "*". */
static uint64_t sc_expect_checks(const drs_scenario *sc, const drs_expect *x)
{
    if (!x->target || strcmp(x->target, "*") != 0)
        return 1;
    uint64_t n = 0;
    switch (x->scope) {
    case DRS_SCOPE_VM:
        return sc->vm_count;
    case DRS_SCOPE_LINK:
        return sc->link_count;
    case DRS_SCOPE_PLAN:
        return sc->recovery.plan_count;
    case DRS_SCOPE_CLASSIFICATION:
        for (size_t i = 0; i < sc->site_count; i++)
            n += sc->sites[i].storage_count;
        return n;
    case DRS_SCOPE_NONE:
        break;
    }
    return 1;
}

void sc_load_expect(sc_ctx *c, const json_t *root)
{
    drs_scenario *sc = c->sc;
    const json_t *a = sc_get_array(c, root, "", "expect", SC_OPTIONAL);
    if (!a)
        return;
    sc->expect_count = json_array_size(a);
    sc->expect = drs_xcalloc(sc->expect_count, sizeof *sc->expect);
    char p[SC_PATH];
    uint64_t checks = 0;
    bool over = false;
    for (size_t i = 0; i < sc->expect_count; i++) {
        const json_t *v = json_array_get(a, i);
        drs_expect *x = &sc->expect[i];
        snprintf(x->path, sizeof x->path, "expect[%zu]", i);
        sc_path_index(p, "expect", i);
        if (!sc_expect_object(c, v, p))
            continue;
        sc_load_one_expect(c, v, p, x);
        /* Every check is a result kept in memory and a line of every report: "*" over thousands
         * of VMs in thousands of expectations would be millions of them. */
        checks += sc_expect_checks(sc, x);
        if (!over && checks > SIM_SCENARIO_MAX_EXPECT_CHECKS) {
            over = true;
            sc_error(c, p,
                     "the expectations up to this one make %llu checks (each \"*\" counts once "
                     "per VM, link, plan or classification), more than the %llu a run may have",
                     (unsigned long long)checks,
                     (unsigned long long)SIM_SCENARIO_MAX_EXPECT_CHECKS);
        }
    }
}
