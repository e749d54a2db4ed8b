/* reports/expect.c — the scenario's expectations, checked against a finished run.
 *
 * Every expectation gives one result per subject it names ("*" names every VM, link, plan or
 * classification of its scope): a name, the bound in words, the actual value in words, and whether
 * it held. The run's exit code follows: 0 when every one held, 1 otherwise. */
#include "format.h"
#include "reports_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *scope_name(drs_scope s)
{
    switch (s) {
    case DRS_SCOPE_VM: return "vm";
    case DRS_SCOPE_LINK: return "link";
    case DRS_SCOPE_PLAN: return "plan";
    case DRS_SCOPE_CLASSIFICATION: return "classification";
    default: return "";
    }
}

static size_t scope_count(const report_results *r, drs_scope s)
{
    switch (s) {
    case DRS_SCOPE_VM: return report_results_vm_count(r);
    case DRS_SCOPE_LINK: return report_results_link_count(r);
    case DRS_SCOPE_PLAN: return report_results_plan_count(r);
    case DRS_SCOPE_CLASSIFICATION: return report_results_class_count(r);
    default: return 0;
    }
}

static const char *subject_name(const report_results *r, drs_scope s, size_t i)
{
    switch (s) {
    case DRS_SCOPE_VM: return report_results_vm(r, i)->name;
    case DRS_SCOPE_LINK: return report_results_link(r, i)->name;
    case DRS_SCOPE_PLAN: return report_results_plan_name(r, i);
    case DRS_SCOPE_CLASSIFICATION: return report_results_class(r, i)->name;
    default: return "";
    }
}

/* A value as people read it, in the metric's unit. */
static void format_value(double v, drs_value_unit unit, char *buf, size_t n)
{
    switch (unit) {
    case DRS_UNIT_DURATION: report_format_duration((int64_t)llround(v), buf, n); break;
    case DRS_UNIT_SIZE: report_format_bytes(v, buf, n); break;
    case DRS_UNIT_BOOL: snprintf(buf, n, "%s", v != 0 ? "true" : "false"); break;
    case DRS_UNIT_COUNT: snprintf(buf, n, "%.0f", v); break;
    default: snprintf(buf, n, "%.4g", v); break;
    }
}

static void metric_bound(const drs_expect *e, drs_value_unit unit, char *buf, size_t n)
{
    char a[48], b[48];
    if (e->has_equals) {
        format_value(e->equals, unit, a, sizeof a);
        snprintf(buf, n, "== %s", a);
    } else if (e->has_min && e->has_max) {
        format_value(e->min, unit, a, sizeof a);
        format_value(e->max, unit, b, sizeof b);
        snprintf(buf, n, ">= %s and <= %s", a, b);
    } else if (e->has_min) {
        format_value(e->min, unit, a, sizeof a);
        snprintf(buf, n, ">= %s", a);
    } else if (e->has_max) {
        format_value(e->max, unit, a, sizeof a);
        snprintf(buf, n, "<= %s", a);
    } else {
        snprintf(buf, n, "(no bound)");
    }
}

static bool metric_holds(const drs_expect *e, drs_value_unit unit, double v)
{
    bool ok = true;
    if (e->has_min)
        ok = ok && v >= e->min;
    if (e->has_max)
        ok = ok && v <= e->max;
    if (e->has_equals) {
        if (unit == DRS_UNIT_BOOL)
            ok = ok && ((v != 0) == (e->equals != 0));
        else if (unit == DRS_UNIT_NUMBER)
            ok = ok && fabs(v - e->equals) <= 1e-9 * fmax(1.0, fabs(e->equals));
        else
            ok = ok && v == e->equals;
    }
    return ok;
}

/* Calls one(r, e, index) for the subject the expectation names, or for each when it says "*". A name
 * that matches nothing gives a failing result. */
typedef void (*subject_fn)(report_results *r, const drs_expect *e, int index);

static void for_subjects(report_results *r, const drs_expect *e, drs_scope scope, subject_fn one)
{
    size_t n = scope_count(r, scope);
    const char *target = e->target ? e->target : "*";
    if (strcmp(target, "*") == 0) {
        for (size_t i = 0; i < n; i++)
            one(r, e, (int)i);
        if (n == 0) {
            report_expect_result *x = report_results_expect_add(r);
            x->kind = e->kind;
            x->subject = -1;
            snprintf(x->path, sizeof x->path, "%s", e->path);
            snprintf(x->name, sizeof x->name, "%s %s=*", e->name, scope_name(scope));
            snprintf(x->bound, sizeof x->bound, "every %s", scope_name(scope));
            snprintf(x->actual, sizeof x->actual, "no %s to check", scope_name(scope));
        }
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(subject_name(r, scope, i), target) == 0) {
            one(r, e, (int)i);
            return;
        }
    report_expect_result *x = report_results_expect_add(r);
    x->kind = e->kind;
    x->subject = -1;
    snprintf(x->path, sizeof x->path, "%s", e->path);
    snprintf(x->name, sizeof x->name, "%s %s=%s", e->name, scope_name(scope), target);
    snprintf(x->bound, sizeof x->bound, "a %s named %s", scope_name(scope), target);
    snprintf(x->actual, sizeof x->actual, "no such %s", scope_name(scope));
}

static report_expect_result *result_for(report_results *r, const drs_expect *e, const char *what,
                                        int index)
{
    report_expect_result *x = report_results_expect_add(r);
    snprintf(x->path, sizeof x->path, "%s", e->path);
    if (index >= 0)
        snprintf(x->name, sizeof x->name, "%s %s=%s", what, scope_name(e->scope),
                 subject_name(r, e->scope, (size_t)index));
    else
        snprintf(x->name, sizeof x->name, "%s", what);
    x->kind = e->kind;
    x->scope = index >= 0 ? e->scope : DRS_SCOPE_NONE;
    x->subject = index;
    x->unit = e->unit;
    return x;
}

/* ---- metrics ------------------------------------------------------------------------------------- */

static void check_metric(report_results *r, const drs_expect *e, int index)
{
    drs_value_unit unit = report_metric_unit(e->name);
    char what[128], d[32];
    int len = snprintf(what, sizeof what, "%s", e->name);
    if (e->threshold_ns > 0 && len >= 0 && (size_t)len < sizeof what)
        len += snprintf(what + len, sizeof what - (size_t)len, " above %s",
                        report_format_duration(e->threshold_ns, d, sizeof d));
    report_expect_result *x = result_for(r, e, what, index);
    /* The window the statistic is over: "after 1d00h00m", "until 2d00h00m" or both. */
    if (e->after_ns > 0) {
        size_t l = strlen(x->name);
        snprintf(x->name + l, sizeof x->name - l, " after %s",
                 report_format_duration(e->after_ns, d, sizeof d));
    }
    if (e->until_ns > 0) {
        size_t l = strlen(x->name);
        snprintf(x->name + l, sizeof x->name - l, " until %s",
                 report_format_duration(e->until_ns, d, sizeof d));
    }
    metric_bound(e, unit, x->bound, sizeof x->bound);
    x->unit = unit;
    x->has_min = e->has_min || e->has_equals;
    x->has_max = e->has_max || e->has_equals;
    x->min = e->has_equals ? e->equals : e->min;
    x->max = e->has_equals ? e->equals : e->max;
    double v;
    char why[256];
    if (!report_results_metric(r, e->name, e->scope, index, e->after_ns, e->until_ns,
                               e->threshold_ns, &v, why, sizeof why)) {
        snprintf(x->actual, sizeof x->actual, "%s", why);
        x->pass = false;
        return;
    }
    format_value(v, unit, x->actual, sizeof x->actual);
    x->pass = metric_holds(e, unit, v);
    x->has_value = true;
    x->value = v;
}

/* ---- jobs ---------------------------------------------------------------------------------------- */

static bool state_from_name(const char *s, engine_job_state *out)
{
    for (int k = ENGINE_JOB_IN_PROGRESS; k <= ENGINE_JOB_CANCELLED; k++)
        if (s && strcasecmp(s, engine_job_state_name((engine_job_state)k)) == 0) {
            *out = (engine_job_state)k;
            return true;
        }
    return false;
}

/* When the job reached state: its start for in_progress, its end for the final states; -1 never. */
static int64_t job_reached(const report_job *j, engine_job_state st)
{
    if (st == ENGINE_JOB_IN_PROGRESS)
        return j->started_ns;
    return j->state == st && j->ended_ns >= 0 ? j->ended_ns : -1;
}

static void check_job(report_results *r, const drs_expect *e, int vm)
{
    char what[160], d[32];
    snprintf(what, sizeof what, "job \"%s\"", e->name ? e->name : "");
    report_expect_result *x = result_for(r, e, what, vm);
    engine_job_state want;
    const char *state = e->state ? e->state : "succeeded";
    if (!state_from_name(state, &want)) {
        snprintf(x->bound, sizeof x->bound, "%s", state);
        snprintf(x->actual, sizeof x->actual, "unknown job state \"%s\"", state);
        return;
    }
    if (e->never)
        snprintf(x->bound, sizeof x->bound, "never %s", engine_job_state_name(want));
    else if (e->has_by)
        snprintf(x->bound, sizeof x->bound, "%s by %s", engine_job_state_name(want),
                 report_format_duration(e->by_ns, d, sizeof d));
    else
        snprintf(x->bound, sizeof x->bound, "%s", engine_job_state_name(want));

    int64_t first = -1;
    const report_job *last = NULL;
    for (size_t i = 0; i < report_results_job_count(r); i++) {
        const report_job *j = report_results_job(r, i);
        if (strcasecmp(j->name, e->name ? e->name : "") != 0 || (vm >= 0 && j->vm != vm))
            continue;
        last = j;
        int64_t t = job_reached(j, want);
        if (t >= 0 && (first < 0 || t < first))
            first = t;
    }
    if (first >= 0) {
        snprintf(x->actual, sizeof x->actual, "%s at %s", engine_job_state_name(want),
                 report_format_duration(first, d, sizeof d));
    } else if (last) {
        int64_t t = last->ended_ns >= 0 ? last->ended_ns : last->started_ns;
        snprintf(x->actual, sizeof x->actual, "%s %s %s%s%s", engine_job_state_name(last->state),
                 last->ended_ns >= 0 ? "at" : "since", report_format_duration(t, d, sizeof d),
                 last->reason[0] ? ": " : "", last->reason);
    } else {
        snprintf(x->actual, sizeof x->actual, "no such job");
    }
    if (e->never)
        x->pass = first < 0;
    else
        x->pass = first >= 0 && (!e->has_by || first <= e->by_ns);
}

/* ---- health and events --------------------------------------------------------------------------- */

/* Shared by health and events: reached at first_ns (-1 never); by / never / at all. */
static void judge_occurrence(report_expect_result *x, const drs_expect *e, const char *what,
                             int64_t first_ns, uint64_t count)
{
    char d[32];
    if (e->never)
        snprintf(x->bound, sizeof x->bound, "never");
    else if (e->has_by)
        snprintf(x->bound, sizeof x->bound, "by %s", report_format_duration(e->by_ns, d, sizeof d));
    else
        snprintf(x->bound, sizeof x->bound, "at some time");
    if (first_ns < 0)
        snprintf(x->actual, sizeof x->actual, "never %s", what);
    else if (count > 1)
        snprintf(x->actual, sizeof x->actual, "%s first at %s (%llu times)", what,
                 report_format_duration(first_ns, d, sizeof d), (unsigned long long)count);
    else
        snprintf(x->actual, sizeof x->actual, "%s at %s", what,
                 report_format_duration(first_ns, d, sizeof d));
    if (e->never)
        x->pass = first_ns < 0;
    else
        x->pass = first_ns >= 0 && (!e->has_by || first_ns <= e->by_ns);
}

static bool health_from_name(const char *s, engine_health *out)
{
    for (int h = ENGINE_HEALTH_NONE; h <= ENGINE_HEALTH_CRITICAL; h++)
        if (s && strcasecmp(s, engine_health_name((engine_health)h)) == 0) {
            *out = (engine_health)h;
            return true;
        }
    return false;
}

/* Warning is reached by entering warning or critical: a VM that went straight to critical was (at
 * least) degraded. Normal and none are reached only by entering them exactly. */
static void check_health(report_results *r, const drs_expect *e, int vm)
{
    char what[96];
    snprintf(what, sizeof what, "health %s", e->name ? e->name : "");
    report_expect_result *x = result_for(r, e, what, vm);
    engine_health h;
    if (!health_from_name(e->name, &h)) {
        snprintf(x->bound, sizeof x->bound, "%s", e->name ? e->name : "");
        snprintf(x->actual, sizeof x->actual, "unknown health state");
        return;
    }
    const report_vm_stats *v = report_results_vm(r, (size_t)vm);
    int64_t first = -1;
    int top = h >= ENGINE_HEALTH_WARNING ? ENGINE_HEALTH_CRITICAL : (int)h;
    for (int k = (int)h; k <= top; k++)
        if (v->health_first_ns[k] >= 0 && (first < 0 || v->health_first_ns[k] < first))
            first = v->health_first_ns[k];
    char seen[48];
    snprintf(seen, sizeof seen, "reached %s", engine_health_name(h));
    judge_occurrence(x, e, seen, first, first >= 0 ? 1 : 0);
}

static bool event_from_name(const char *s, engine_event_kind *out)
{
    for (int k = 0; k < ENGINE_EV_COUNT; k++)
        if (s && strcasecmp(s, engine_event_kind_name((engine_event_kind)k)) == 0) {
            *out = (engine_event_kind)k;
            return true;
        }
    return false;
}

static void check_event(report_results *r, const drs_expect *e, int vm)
{
    char what[96];
    snprintf(what, sizeof what, "event %s", e->name ? e->name : "");
    report_expect_result *x = result_for(r, e, what, vm);
    engine_event_kind k;
    if (!event_from_name(e->name, &k)) {
        snprintf(x->bound, sizeof x->bound, "%s", e->never ? "never" : "happens");
        snprintf(x->actual, sizeof x->actual, "unknown event \"%s\"", e->name ? e->name : "");
        return;
    }
    int64_t first = -1;
    uint64_t count = 0;
    /* Without a VM: about anything, VM or not. */
    int lo = vm >= 0 ? vm : -1, hi = vm >= 0 ? vm : (int)report_results_vm_count(r) - 1;
    for (int i = lo; i <= hi; i++) {
        int64_t t = report_results_event_first_ns(r, k, i);
        count += report_results_event_count(r, k, i);
        if (t >= 0 && (first < 0 || t < first))
            first = t;
    }
    judge_occurrence(x, e, "happened", first, count);
}

/* ---- validation ---------------------------------------------------------------------------------- */

static void check_validation(report_results *r, const drs_expect *e)
{
    drs_severity sev = e->validation_warning ? DRS_SEV_WARNING : DRS_SEV_ERROR;
    const char *sv = sev == DRS_SEV_ERROR ? "error" : "warning";
    char what[64];
    if (e->rule > 0)
        snprintf(what, sizeof what, "validation %s rule %d", sv, e->rule);
    else
        snprintf(what, sizeof what, "validation %s", sv);
    report_expect_result *x = result_for(r, e, what, -1);
    snprintf(x->bound, sizeof x->bound, "%s%s", e->never ? "never " : "", what + 11);
    const drs_diags *d = report_results_diags(r);
    const drs_diag *hit = NULL;
    for (size_t i = 0; i < d->count && !hit; i++)
        if (d->items[i].severity == sev && (e->rule == 0 || d->items[i].rule == e->rule))
            hit = &d->items[i];
    if (hit)
        snprintf(x->actual, sizeof x->actual, "%s%s%s", hit->err.path, hit->err.path[0] ? ": " : "",
                 hit->err.message);
    else
        snprintf(x->actual, sizeof x->actual, "no such %s", sv);
    x->pass = e->never ? hit == NULL : hit != NULL;
}

/* ---- all of them --------------------------------------------------------------------------------- */

bool report_expect_evaluate(report_results *r, const drs_expect *ex, size_t n)
{
    report_results_expect_reset(r);
    for (size_t i = 0; i < n; i++) {
        const drs_expect *e = &ex[i];
        switch (e->kind) {
        case DRS_EXPECT_METRIC:
            if (e->scope == DRS_SCOPE_NONE) {
                report_expect_result *x = result_for(r, e, e->name, -1);
                snprintf(x->bound, sizeof x->bound, "a vm, link, plan or classification");
                snprintf(x->actual, sizeof x->actual, "no scope given");
            } else {
                for_subjects(r, e, e->scope, check_metric);
            }
            break;
        case DRS_EXPECT_JOB:
            if (e->scope == DRS_SCOPE_VM)
                for_subjects(r, e, DRS_SCOPE_VM, check_job);
            else
                check_job(r, e, -1);
            break;
        case DRS_EXPECT_HEALTH: {
            /* Health is a VM's; without a VM every VM is checked. */
            drs_expect each = *e;
            each.scope = DRS_SCOPE_VM;
            if (e->scope != DRS_SCOPE_VM)
                each.target = "*";
            for_subjects(r, &each, DRS_SCOPE_VM, check_health);
            break;
        }
        case DRS_EXPECT_EVENT:
            if (e->scope == DRS_SCOPE_VM)
                for_subjects(r, e, DRS_SCOPE_VM, check_event);
            else
                check_event(r, e, -1);
            break;
        case DRS_EXPECT_VALIDATION:
            check_validation(r, e);
            break;
        }
    }
    return report_results_expect_failed(r) == 0;
}
