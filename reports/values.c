/* reports/values.c — the value of each metric of the scenario format ("rpo.p99", "bytes.wire",
 * "failover.rto", ...; the list is DRS_METRICS in engine/shared/desc.h) for one VM, link, classification or
 * plan of a run. Expectations and the database's metrics table both read metrics through here, so
 * they can never disagree. */
#include "reports.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct metric_def {
    const char *name;
    unsigned scopes;
    drs_value_unit unit;
} metric_def;

static const metric_def metric_defs[] = {
#define METRIC_DEF(name, scopes, unit, fraction) {name, scopes, unit},
    DRS_METRICS(METRIC_DEF)
#undef METRIC_DEF
};
#define METRIC_COUNT (sizeof metric_defs / sizeof metric_defs[0])

static const metric_def *metric_find(const char *name)
{
    for (size_t i = 0; i < METRIC_COUNT; i++)
        if (strcmp(metric_defs[i].name, name) == 0)
            return &metric_defs[i];
    return NULL;
}

const char *const *report_metric_names(drs_scope scope)
{
    /* Built once per scope from the table; the table is small and constant. */
    static const char *lists[DRS_SCOPE_CLASSIFICATION + 1][METRIC_COUNT + 1];
    static bool built;
    if (!built) {
        for (int s = 0; s <= DRS_SCOPE_CLASSIFICATION; s++) {
            size_t k = 0;
            for (size_t i = 0; i < METRIC_COUNT; i++)
                if (metric_defs[i].scopes & (1u << s))
                    lists[s][k++] = metric_defs[i].name;
            lists[s][k] = NULL;
        }
        built = true;
    }
    if (scope < DRS_SCOPE_NONE || scope > DRS_SCOPE_CLASSIFICATION)
        scope = DRS_SCOPE_NONE;
    return lists[scope];
}

double report_rpo_metric(const report_rpo_stats *st, const char *metric)
{
    const char *s = metric + 4; /* after "rpo." */
    return strcmp(s, "max") == 0    ? (double)st->max_ns
           : strcmp(s, "mean") == 0 ? st->mean_ns
           : strcmp(s, "p50") == 0  ? st->p50_ns
           : strcmp(s, "p95") == 0  ? st->p95_ns
           : strcmp(s, "p99") == 0  ? st->p99_ns
                                    : (double)st->above_ns; /* rpo.time_above */
}

drs_value_unit report_metric_unit(const char *metric)
{
    const metric_def *m = metric_find(metric);
    return m ? m->unit : DRS_UNIT_NUMBER;
}

/* Why failover f (which did not succeed) has no RTO. For a plan: the VMs of that run of the plan
 * that failed (its per-VM records with succeeded false, started from the plan's start on and before
 * the plan's next run of the same kind), else the plan's own detail. */
static void failover_failed_why(const report_results *r, size_t fi, char *why, size_t why_n)
{
    const report_failover *f = report_results_failover(r, fi);
    size_t n = report_results_failover_count(r);
    char names[200] = "";
    size_t len = 0, count = 0;
    if (f->vm < 0) {
        int64_t next = INT64_MAX;
        for (size_t i = 0; i < n; i++) {
            const report_failover *g = report_results_failover(r, i);
            if (i != fi && g->vm < 0 && g->plan == f->plan && g->kind == f->kind &&
                g->started_ns > f->started_ns && g->started_ns < next)
                next = g->started_ns;
        }
        for (size_t i = 0; i < n; i++) {
            const report_failover *g = report_results_failover(r, i);
            if (g->vm < 0 || g->plan != f->plan || g->kind != f->kind || g->succeeded ||
                g->started_ns < f->started_ns || g->started_ns >= next ||
                (size_t)g->vm >= report_results_vm_count(r))
                continue;
            /* A VM tried twice in one run is named once. */
            bool dup = false;
            for (size_t k = 0; k < i && !dup; k++) {
                const report_failover *h = report_results_failover(r, k);
                dup = h->vm == g->vm && h->plan == f->plan && h->kind == f->kind &&
                      !h->succeeded && h->started_ns >= f->started_ns && h->started_ns < next;
            }
            if (dup)
                continue;
            const char *name = report_results_vm(r, (size_t)g->vm)->name;
            int w = snprintf(names + len, sizeof names - len, "%s%s", count ? ", " : "", name);
            if (w > 0)
                len = len + (size_t)w < sizeof names ? len + (size_t)w : sizeof names - 1;
            count++;
        }
    }
    if (count > 0)
        snprintf(why, why_n, "failover failed: %s did not start", names);
    else if (f->detail[0])
        snprintf(why, why_n, "failover failed: %s", f->detail);
    else
        snprintf(why, why_n, "failover failed");
}

/* The worst of the failovers about the subject that started in [after, until) (until 0: to the
 * end): a plan's own records (vm = -1) when it has any, otherwise every record of the plan; for a
 * VM, every record naming it. A failover that did not succeed has no RTO: failover.rto is then
 * undefined, and says which VMs did not start. */
static bool failover_value(const report_results *r, const char *metric, drs_scope scope, int index,
                           int64_t after_ns, int64_t until_ns, double *value, char *why,
                           size_t why_n)
{
    size_t n = report_results_failover_count(r);
    bool plan_level = false;
    if (scope == DRS_SCOPE_PLAN)
        for (size_t i = 0; i < n; i++) {
            const report_failover *f = report_results_failover(r, i);
            plan_level |= f->plan == index && f->vm < 0;
        }
    size_t found = 0;
    double worst = 0;
    bool verified = true;
    for (size_t i = 0; i < n; i++) {
        const report_failover *f = report_results_failover(r, i);
        bool mine = scope == DRS_SCOPE_PLAN ? f->plan == index && (!plan_level || f->vm < 0)
                                            : f->vm == index;
        bool in_window = f->started_ns >= after_ns && (until_ns <= 0 || f->started_ns < until_ns);
        if (!mine || !in_window)
            continue;
        found++;
        if (strcmp(metric, "failover.rto") == 0) {
            if (!f->succeeded) {
                failover_failed_why(r, i, why, why_n);
                return false;
            }
            if (f->ended_ns < 0) {
                snprintf(why, why_n, "a failover did not finish");
                return false;
            }
            double rto = (double)(f->ended_ns - f->started_ns);
            worst = found == 1 || rto > worst ? rto : worst;
        } else if (strcmp(metric, "failover.data_loss") == 0) {
            if (f->data_loss_ns < 0) {
                snprintf(why, why_n, "data loss unknown (no recovery point used)");
                return false;
            }
            worst = found == 1 || (double)f->data_loss_ns > worst ? (double)f->data_loss_ns : worst;
        } else if (strcmp(metric, "failover.data_loss_bytes") == 0) {
            double b = (double)f->data_loss_bytes;
            worst = found == 1 || b > worst ? b : worst;
        } else {
            verified = verified && f->verified;
        }
    }
    if (found == 0) {
        snprintf(why, why_n, "no failover");
        return false;
    }
    *value = strcmp(metric, "failover.verified") == 0 ? (verified ? 1.0 : 0.0) : worst;
    return true;
}

/* " in the window" when the statistic was asked over a window, "" otherwise: for why texts. */
static void window_words(int64_t after_ns, int64_t until_ns, char *buf, size_t n)
{
    if (after_ns > 0 || until_ns > 0)
        snprintf(buf, n, " in the window");
    else
        buf[0] = '\0';
}

static bool vm_value(const report_results *r, const char *metric, int vm, int64_t after_ns,
                     int64_t until_ns, int64_t threshold_ns, double *value, char *why,
                     size_t why_n)
{
    const report_vm_stats *v = report_results_vm(r, (size_t)vm);
    if (strncmp(metric, "rpo.", 4) == 0) {
        report_rpo_stats st;
        char win[32];
        window_words(after_ns, until_ns, win, sizeof win);
        report_results_rpo_window(r, (size_t)vm, after_ns, until_ns, threshold_ns, &st);
        if (!st.defined) {
            size_t n;
            report_results_rpo_points(r, (size_t)vm, &n);
            if (n > 0)
                snprintf(why, why_n, "RPO undefined (not protected%s)", win);
            else
                snprintf(why, why_n, "RPO undefined (no recovery point applied%s)", win);
            return false;
        }
        *value = report_rpo_metric(&st, metric);
        return true;
    }
    if (strcmp(metric, "initial_replication.time") == 0) {
        if (v->ir_end_ns < 0) {
            snprintf(why, why_n, "initial replication did not complete");
            return false;
        }
        *value = (double)(v->ir_end_ns - v->ir_start_ns);
        return true;
    }
    if (strcmp(metric, "compression.ratio") == 0) {
        if (v->wire_bytes == 0) {
            snprintf(why, why_n, "nothing sent");
            return false;
        }
        *value = report_ratio((double)v->raw_bytes, (double)v->wire_bytes);
        return true;
    }
    /* Resynchronizations: episodes the engine required or started (one may come without the other
     * when a run ends in between, or an operator starts one). */
    uint64_t resyncs = v->resyncs_required > v->resyncs_started ? v->resyncs_required
                                                                : v->resyncs_started;
    *value = strcmp(metric, "bytes.raw") == 0                                ? (double)v->raw_bytes
             : strcmp(metric, "bytes.wire") == 0                             ? (double)v->wire_bytes
             : strcmp(metric, "replica_storage.peak") == 0 ? (double)v->replica_storage_peak_bytes
             : strcmp(metric, "recovery_points.additional.max") == 0 ? (double)v->rp_additional_max
             : strcmp(metric, "recovery_points.app_consistent.created") == 0
                 ? (double)v->rp_app_consistent_created
             : strcmp(metric, "cycles.missed") == 0    ? (double)v->cycles_missed
             : strcmp(metric, "cycles.completed") == 0 ? (double)v->cycles_completed
                                                       : (double)resyncs;
    return true;
}

static bool link_value(const report_results *r, const char *metric, int link, int64_t after_ns,
                       int64_t until_ns, double *value, char *why, size_t why_n)
{
    const report_link_stats *l = report_results_link(r, (size_t)link);
    if (strncmp(metric, "link.utilization.", 17) == 0) {
        report_util_stats u = l->util;
        if (after_ns > 0 || until_ns > 0 || !u.defined) {
            size_t n;
            const report_link_sample *s = report_results_link_samples(r, (size_t)link, &n);
            char win[32];
            window_words(after_ns, until_ns, win, sizeof win);
            report_util_compute(s, n, after_ns, until_ns > 0 ? until_ns : INT64_MAX, &u);
            if (!u.defined) {
                snprintf(why, why_n, "no throughput samples%s", win);
                return false;
            }
        }
        *value = strcmp(metric + 17, "p95") == 0 ? u.p95 : u.max;
        return true;
    }
    if (strcmp(metric, "compression.ratio") == 0) {
        if (l->wire_bytes == 0) {
            snprintf(why, why_n, "nothing sent");
            return false;
        }
        *value = report_ratio((double)l->raw_bytes, (double)l->wire_bytes);
        return true;
    }
    *value = strcmp(metric, "bytes.raw") == 0 ? (double)l->raw_bytes : (double)l->wire_bytes;
    return true;
}

bool report_results_metric(const report_results *r, const char *metric, drs_scope scope, int index,
                           int64_t after_ns, int64_t until_ns, int64_t threshold_ns, double *value,
                           char *why, size_t why_n)
{
    char dummy[8];
    if (!why) {
        why = dummy;
        why_n = sizeof dummy;
    }
    why[0] = '\0';
    const metric_def *m = metric_find(metric);
    if (!m) {
        snprintf(why, why_n, "unknown metric \"%s\"", metric);
        return false;
    }
    if (scope <= DRS_SCOPE_NONE || scope > DRS_SCOPE_CLASSIFICATION || !(m->scopes & (1u << scope))) {
        snprintf(why, why_n, "%s does not apply to this scope", metric);
        return false;
    }
    size_t count = scope == DRS_SCOPE_VM     ? report_results_vm_count(r)
                   : scope == DRS_SCOPE_LINK ? report_results_link_count(r)
                   : scope == DRS_SCOPE_PLAN ? report_results_plan_count(r)
                                             : report_results_class_count(r);
    if (index < 0 || (size_t)index >= count) {
        snprintf(why, why_n, "no such subject");
        return false;
    }
    if (strncmp(metric, "failover.", 9) == 0)
        return failover_value(r, metric, scope, index, after_ns, until_ns, value, why, why_n);
    switch (scope) {
    case DRS_SCOPE_VM:
        return vm_value(r, metric, index, after_ns, until_ns, threshold_ns, value, why, why_n);
    case DRS_SCOPE_LINK:
        return link_value(r, metric, index, after_ns, until_ns, value, why, why_n);
    case DRS_SCOPE_CLASSIFICATION:
        *value = (double)report_results_class(r, (size_t)index)->peak_bytes;
        return true;
    default:
        snprintf(why, why_n, "%s does not apply to this scope", metric);
        return false;
    }
}
