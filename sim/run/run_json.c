/* sim/run/run_json.c — the JSON of `--json` for runs (sim/run/run_json.h). */
#include "run_json.h"

#include "exit_status.h"

#include <math.h>
#include <string.h>

#include "version.h"

/* jansson's json_object_set_new fails on a NULL value; these keep building and let the caller
 * find out once, from a NULL at the top, that memory ran out. */
bool sim_json_put(json_t *o, const char *key, json_t *v)
{
    return v && json_object_set_new(o, key, v) == 0;
}

json_t *sim_json_num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

/* Durations and sizes are whole numbers in the database's units; keep them integers in JSON. */
static json_t *ns_or_null(int64_t ns)
{
    return ns < 0 ? json_null() : json_integer(ns);
}

/* The list's meaning (sim/run/exit_status.h), but for a run that stopped short and a failure that
 * is a --check violation with every expectation met; a code outside the list is internal. */
static const char *exit_meaning(int code, const char *status, size_t failed)
{
    if (status && !strcmp(status, "incomplete"))
        return "the run did not finish";
    if (code == SIM_EXIT_FAILED && !failed)
        return "an invariant was violated (--check)";
    const char *meaning = sim_exit_meaning(code);
    return meaning ? meaning : sim_exit_meaning(SIM_EXIT_INTERNAL);
}

/* Every metric of subject i of scope, as the database's metrics table holds them. */
static json_t *metrics(const report_results *r, drs_scope scope, size_t i)
{
    json_t *m = json_object();
    if (!m)
        return NULL;
    report_rpo_stats st = {0};
    if (scope == DRS_SCOPE_VM)
        report_results_rpo(r, i, 0, 0, &st);
    bool rpo = st.defined;
    bool ok = true;
    for (const char *const *name = report_metric_names(scope); *name; name++) {
        double v;
        if (!strcmp(*name, "rpo.time_above"))
            continue;
        if (!strncmp(*name, "rpo.", 4)) {
            if (rpo)
                ok &= sim_json_put(m, *name, json_real(report_rpo_metric(&st, *name)));
        } else if (report_results_metric(r, *name, scope, (int)i, 0, 0, 0, &v, NULL, 0)) {
            ok &= sim_json_put(m, *name, sim_json_num(v));
        }
    }
    if (!ok) {
        json_decref(m);
        return NULL;
    }
    return m;
}

static json_t *fleet(const report_results *r)
{
    size_t n = report_results_vm_count(r), by[4] = {0};
    int wp = -1, wm = -1;
    double p95 = 0;
    int64_t mx = 0;
    for (size_t i = 0; i < n; i++) {
        const report_vm_stats *v = report_results_vm(r, i);
        by[v->health <= ENGINE_HEALTH_CRITICAL ? v->health : ENGINE_HEALTH_NONE]++;
        report_rpo_stats st;
        report_results_rpo(r, i, 0, 0, &st);
        if (!st.defined)
            continue;
        /* Ties go to the first VM by name, as in the summary. */
        const char *name = report_results_vm(r, i)->name;
        if (wp < 0 || st.p95_ns > p95 ||
            (st.p95_ns == p95 && strcmp(name, report_results_vm(r, (size_t)wp)->name) < 0)) {
            wp = (int)i;
            p95 = st.p95_ns;
        }
        if (wm < 0 || st.max_ns > mx ||
            (st.max_ns == mx && strcmp(name, report_results_vm(r, (size_t)wm)->name) < 0)) {
            wm = (int)i;
            mx = st.max_ns;
        }
    }
    json_t *f = json_object(), *h = json_object();
    bool ok = f && h;
    ok = ok && sim_json_put(f, "vms", json_integer((json_int_t)n));
    ok = ok && sim_json_put(h, "normal", json_integer((json_int_t)by[ENGINE_HEALTH_NORMAL]));
    ok = ok && sim_json_put(h, "warning", json_integer((json_int_t)by[ENGINE_HEALTH_WARNING]));
    ok = ok && sim_json_put(h, "critical", json_integer((json_int_t)by[ENGINE_HEALTH_CRITICAL]));
    ok = ok && sim_json_put(h, "not_protected", json_integer((json_int_t)by[ENGINE_HEALTH_NONE]));
    ok = ok && json_object_set(f, "health", h) == 0;
    json_t *a =
        wp < 0 ? json_null()
               : json_pack("{s:s, s:f}", "vm", report_results_vm(r, (size_t)wp)->name, "ns", p95);
    json_t *b = wm < 0 ? json_null()
                       : json_pack("{s:s, s:I}", "vm", report_results_vm(r, (size_t)wm)->name, "ns",
                                   (json_int_t)mx);
    ok = ok && sim_json_put(f, "worst_rpo_p95", a) && sim_json_put(f, "worst_rpo_max", b);
    json_decref(h);
    if (!ok) {
        json_decref(f);
        return NULL;
    }
    return f;
}

json_t *sim_results_json(const report_results *r, int64_t run_id, const char *status, int exit_code)
{
    json_t *j = json_object(), *vms = json_array(), *links = json_array(), *classes = json_array(),
           *plans = json_array(), *fos = json_array(), *exps = json_array();
    bool ok = j && vms && links && classes && plans && fos && exps;
    ok = ok && sim_json_put(j, "drsim", json_string(sim_version()));
    ok = ok && sim_json_put(j, "run", run_id >= 0 ? json_integer(run_id) : json_null());
    ok = ok && sim_json_put(j, "scenario", json_string(report_results_scenario_name(r)));
    ok = ok && sim_json_put(j, "seed", json_integer((json_int_t)report_results_seed(r)));
    ok = ok && sim_json_put(j, "status", json_string(status));
    ok = ok && sim_json_put(j, "exit_code", json_integer(exit_code));
    ok = ok && sim_json_put(j, "exit_meaning",
                   json_string(exit_meaning(exit_code, status, report_results_expect_failed(r))));
    ok = ok && sim_json_put(j, "simulated_ns", ns_or_null(report_results_end_ns(r)));
    ok = ok && sim_json_put(j, "fleet", fleet(r));
    for (size_t i = 0; ok && i < report_results_vm_count(r); i++) {
        const report_vm_stats *v = report_results_vm(r, i);
        json_t *o = json_object();
        ok = o && json_array_append_new(vms, o) == 0;
        ok = ok && sim_json_put(o, "name", json_string(v->name));
        ok = ok && sim_json_put(o, "health", json_string(engine_health_name(v->health)));
        ok = ok && sim_json_put(o, "worst_health", json_string(engine_health_name(v->worst_health)));
        ok = ok &&
             sim_json_put(o, "not_protected_from_ns", ns_or_null(report_results_unprotected_from(r, i)));
        ok = ok && sim_json_put(o, "metrics", metrics(r, DRS_SCOPE_VM, i));
    }
    for (size_t i = 0; ok && i < report_results_link_count(r); i++) {
        json_t *o = json_object();
        ok = o && json_array_append_new(links, o) == 0;
        ok = ok && sim_json_put(o, "name", json_string(report_results_link(r, i)->name));
        ok = ok && sim_json_put(o, "metrics", metrics(r, DRS_SCOPE_LINK, i));
    }
    for (size_t i = 0; ok && i < report_results_class_count(r); i++) {
        json_t *o = json_object();
        ok = o && json_array_append_new(classes, o) == 0;
        ok = ok && sim_json_put(o, "name", json_string(report_results_class(r, i)->name));
        ok = ok && sim_json_put(o, "metrics", metrics(r, DRS_SCOPE_CLASSIFICATION, i));
    }
    for (size_t i = 0; ok && i < report_results_plan_count(r); i++) {
        json_t *o = json_object();
        ok = o && json_array_append_new(plans, o) == 0;
        ok = ok && sim_json_put(o, "name", json_string(report_results_plan_name(r, i)));
        ok = ok && sim_json_put(o, "metrics", metrics(r, DRS_SCOPE_PLAN, i));
    }
    for (size_t i = 0; ok && i < report_results_failover_count(r); i++) {
        const report_failover *f = report_results_failover(r, i);
        json_t *o = json_object();
        ok = o && json_array_append_new(fos, o) == 0;
        bool vm = f->vm >= 0 && (size_t)f->vm < report_results_vm_count(r);
        bool plan = f->plan >= 0 && (size_t)f->plan < report_results_plan_count(r);
        ok = ok && sim_json_put(o, "kind", json_string(engine_failover_kind_short(f->kind)));
        ok = ok &&
             sim_json_put(o, "plan",
                 plan ? json_string(report_results_plan_name(r, (size_t)f->plan)) : json_null());
        ok = ok && sim_json_put(o, "vm",
                       vm ? json_string(report_results_vm(r, (size_t)f->vm)->name) : json_null());
        ok = ok && sim_json_put(o, "started_ns", ns_or_null(f->started_ns));
        ok = ok && sim_json_put(o, "rto_ns",
                       f->succeeded && f->ended_ns >= 0 ? json_integer(f->ended_ns - f->started_ns)
                                                        : json_null());
        ok = ok && sim_json_put(o, "data_loss_ns", ns_or_null(f->data_loss_ns));
        ok = ok && sim_json_put(o, "data_loss_bytes", json_integer((json_int_t)f->data_loss_bytes));
        ok = ok && sim_json_put(o, "verified", json_boolean(f->verified));
        ok = ok && sim_json_put(o, "succeeded", json_boolean(f->succeeded));
        ok = ok && sim_json_put(o, "detail", json_string(f->detail));
    }
    for (size_t i = 0; ok && i < report_results_expect_count(r); i++) {
        const report_expect_result *e = report_results_expect(r, i);
        json_t *o = json_object();
        ok = o && json_array_append_new(exps, o) == 0;
        ok = ok && sim_json_put(o, "path", json_string(e->path));
        ok = ok && sim_json_put(o, "name", json_string(e->name));
        ok = ok && sim_json_put(o, "bound", json_string(e->bound));
        ok = ok && sim_json_put(o, "actual", json_string(e->actual));
        ok = ok && sim_json_put(o, "pass", json_boolean(e->pass));
        if (e->has_value)
            ok = ok && sim_json_put(o, "value", sim_json_num(e->value));
    }
    size_t failed = report_results_expect_failed(r);
    json_t *ex =
        json_pack("{s:I, s:I}", "passed", (json_int_t)(report_results_expect_count(r) - failed),
                  "failed", (json_int_t)failed);
    ok = ok && json_object_set(j, "vms", vms) == 0 && json_object_set(j, "links", links) == 0 &&
         json_object_set(j, "classifications", classes) == 0 &&
         json_object_set(j, "plans", plans) == 0 && json_object_set(j, "failovers", fos) == 0;
    if (ex && json_object_set(ex, "results", exps) != 0) {
        json_decref(ex);
        ex = NULL;
    }
    if (ok)
        ok = sim_json_put(j, "expectations", ex); /* takes ex; false when it is NULL */
    else
        json_decref(ex);
    json_decref(vms);
    json_decref(links);
    json_decref(classes);
    json_decref(plans);
    json_decref(fos);
    json_decref(exps);
    if (!ok) {
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *sim_runs_json(const report_run_row *rows, size_t n)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        const report_run_row *w = &rows[i];
        json_t *o = json_object();
        ok = o && json_array_append_new(a, o) == 0;
        ok = ok && sim_json_put(o, "id", json_integer(w->id));
        ok = ok && sim_json_put(o, "scenario", json_string(w->scenario));
        ok = ok && sim_json_put(o, "seed", json_integer((json_int_t)w->seed));
        ok = ok && sim_json_put(o, "drsim", json_string(w->drsim_version));
        ok = ok && sim_json_put(o, "started", json_string(w->started));
        ok = ok && sim_json_put(o, "ended", w->ended[0] ? json_string(w->ended) : json_null());
        ok = ok && sim_json_put(o, "status", json_string(w->status));
        ok =
            ok && sim_json_put(o, "exit_code", w->exit_code >= 0 ? json_integer(w->exit_code) : json_null());
        bool done = strcmp(w->status, "incomplete") != 0;
        ok = ok && sim_json_put(o, "expectations_passed",
                       done ? json_integer((json_int_t)w->expect_passed) : json_null());
        ok = ok && sim_json_put(o, "expectations_failed",
                       done ? json_integer((json_int_t)w->expect_failed) : json_null());
    }
    json_t *j = ok ? json_object() : NULL;
    if (!j) {
        json_decref(a);
        return NULL;
    }
    if (!sim_json_put(j, "runs", a)) { /* set_new let go of a */
        json_decref(j);
        return NULL;
    }
    return j;
}

bool sim_json_print(const json_t *j, FILE *out)
{
    if (json_dumpf(j, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17)) != 0)
        return false;
    return fputc('\n', out) != EOF && fflush(out) == 0;
}
