/* reports/summary.c — the terminal summary of a run: what a person reads first after `drsim run`.
 * Every line fits in 100 columns (long names and messages are cut, marked with "..."). */
#include "format.h"
#include "reports.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SUMMARY_WIDTH 100

/* Prints one line, cut to the width. Names could hold anything; the cut is the last line of
 * defence, the layouts below are planned to fit. */
__attribute__((format(printf, 2, 3))) static void line(FILE *out, const char *fmt, ...)
{
    char buf[SUMMARY_WIDTH * 4];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (strlen(buf) > SUMMARY_WIDTH)
        memcpy(buf + SUMMARY_WIDTH - 3, "...", 4);
    /* Names come from the scenario file: a control character in one must not reach the terminal,
     * where it could move the cursor or change colours. */
    for (char *c = buf; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    fprintf(out, "%s\n", buf);
}

#define fit report_format_fit

static const char *dur(int64_t ns, char *buf, size_t n)
{
    return ns < 0 ? "-" : report_format_duration(ns, buf, n);
}

static void summary_vms(const report_results *r, FILE *out)
{
    size_t n = report_results_vm_count(r);
    if (n == 0)
        return;
    fputc('\n', out);
    line(out, "%-16s %-9s %-9s %-9s %-9s %-8s %10s %10s %6s", "VM", "IR time", "RPO p50", "RPO p95",
         "RPO max", "health", "raw", "wire", "ratio");
    for (size_t i = 0; i < n; i++) {
        const report_vm_stats *v = report_results_vm(r, i);
        char name[20], ir[24], p50[24], p95[24], mx[24], raw[24], wire[24], ratio[16];
        report_rpo_stats st;
        bool ok = report_results_rpo(r, i, 0, 0, &st) && st.defined;
        if (v->wire_bytes)
            snprintf(ratio, sizeof ratio, "%.2f",
                     report_ratio((double)v->raw_bytes, (double)v->wire_bytes));
        else
            snprintf(ratio, sizeof ratio, "-");
        line(out, "%-16s %-9s %-9s %-9s %-9s %-8s %10s %10s %6s",
             fit(name, sizeof name, v->name, 16),
             dur(v->ir_end_ns >= 0 ? v->ir_end_ns - v->ir_start_ns : -1, ir, sizeof ir),
             dur(ok ? (int64_t)st.p50_ns : -1, p50, sizeof p50),
             dur(ok ? (int64_t)st.p95_ns : -1, p95, sizeof p95),
             dur(ok ? st.max_ns : -1, mx, sizeof mx), engine_health_name(v->health),
             report_format_bytes((double)v->raw_bytes, raw, sizeof raw),
             report_format_bytes((double)v->wire_bytes, wire, sizeof wire), ratio);
    }
    /* A VM that lost protection and did not regain it: its RPO statistics cover only the time it
     * was protected, which the figures above cannot say on their own. */
    for (size_t i = 0; i < n; i++) {
        int64_t from = report_results_unprotected_from(r, i);
        if (from < 0)
            continue;
        char name[52], t[24];
        /* 2 + 48 + 21 + 12 + 16 = 99 columns at most */
        line(out, "  %s: not protected from %s (RPO undefined)",
             fit(name, sizeof name, report_results_vm(r, i)->name, 48), dur(from, t, sizeof t));
    }
}

static void summary_links(const report_results *r, FILE *out)
{
    size_t n = report_results_link_count(r);
    if (n == 0)
        return;
    fputc('\n', out);
    line(out, "%-16s %-9s %-9s %-13s %-13s %10s %10s %6s", "link", "util p95", "util max",
         "p95 rate", "peak rate", "raw", "wire", "ratio");
    for (size_t i = 0; i < n; i++) {
        const report_link_stats *l = report_results_link(r, i);
        char name[20], p95[16], mx[16], rp95[24], rpeak[24], raw[24], wire[24], ratio[16];
        if (l->util.defined) {
            snprintf(p95, sizeof p95, "%.1f%%", l->util.p95 * 100);
            snprintf(mx, sizeof mx, "%.1f%%", l->util.max * 100);
            report_format_rate_bps(l->util.p95_Bps, rp95, sizeof rp95);
            report_format_rate_bps(l->util.peak_Bps, rpeak, sizeof rpeak);
        } else {
            snprintf(p95, sizeof p95, "-");
            snprintf(mx, sizeof mx, "-");
            snprintf(rp95, sizeof rp95, "-");
            snprintf(rpeak, sizeof rpeak, "-");
        }
        if (l->wire_bytes)
            snprintf(ratio, sizeof ratio, "%.2f",
                     report_ratio((double)l->raw_bytes, (double)l->wire_bytes));
        else
            snprintf(ratio, sizeof ratio, "-");
        line(out, "%-16s %-9s %-9s %-13s %-13s %10s %10s %6s", fit(name, sizeof name, l->name, 16),
             p95, mx, rp95, rpeak, report_format_bytes((double)l->raw_bytes, raw, sizeof raw),
             report_format_bytes((double)l->wire_bytes, wire, sizeof wire), ratio);
    }
}

static void summary_points(const report_results *r, FILE *out)
{
    size_t n = report_results_vm_count(r);
    if (n == 0)
        return;
    fputc('\n', out);
    line(out, "%-16s %-10s %-14s %-7s %-14s %-9s %-9s %s", "recovery points", "additional",
         "app-consistent", "latest", "max additional", "created", "pruned", "storage peak");
    for (size_t i = 0; i < n; i++) {
        const report_vm_stats *v = report_results_vm(r, i);
        char name[20], peak[24];
        line(out, "%-16s %-10u %-14u %-7s %-14u %-9llu %-9llu %s",
             fit(name, sizeof name, v->name, 16), v->rp_additional_now, v->rp_app_consistent_now,
             v->rp_latest_now ? "yes" : "no", v->rp_additional_max,
             (unsigned long long)v->rp_created, (unsigned long long)v->rp_pruned,
             report_format_bytes((double)v->replica_storage_peak_bytes, peak, sizeof peak));
    }
    for (size_t c = 0; c < report_results_class_count(r); c++) {
        const report_class_stats *cl = report_results_class(r, c);
        if (cl->peak_bytes == 0)
            continue;
        char name[40], peak[24];
        line(out, "storage %-30s replica storage peak %s", fit(name, sizeof name, cl->name, 30),
             report_format_bytes((double)cl->peak_bytes, peak, sizeof peak));
    }
}

/* The failover findings of failover fo (-1: those of no failover), one line each. */
static void summary_fo_findings(const report_results *r, int fo, FILE *out)
{
    for (size_t k = 0; k < report_results_fo_finding_count(r); k++) {
        const report_fo_finding *g = report_results_fo_finding(r, k);
        if (g->failover != fo)
            continue;
        char t[24], name[36];
        const char *who = g->vm >= 0 ? report_results_vm(r, (size_t)g->vm)->name : "plan";
        line(out, "  %s at %s: %s", fit(name, sizeof name, who, 32), dur(g->at_ns, t, sizeof t),
             g->text);
    }
}

static void summary_failovers(const report_results *r, FILE *out)
{
    size_t n = report_results_failover_count(r);
    if (n == 0)
        return;
    fputc('\n', out);
    line(out, "%-24s %-10s %-10s %-10s %-10s %-11s %-8s %s", "failover", "kind", "started", "RTO",
         "data loss", "lost bytes", "verified", "result");
    for (size_t i = 0; i < n; i++) {
        const report_failover *f = report_results_failover(r, i);
        char who[64], name[28], st[24], rto[24], loss[24], bytes[24];
        if (f->plan >= 0 && (size_t)f->plan < report_results_plan_count(r))
            snprintf(who, sizeof who, "%s%s%s", report_results_plan_name(r, (size_t)f->plan),
                     f->vm >= 0 ? "/" : "",
                     f->vm >= 0 && (size_t)f->vm < report_results_vm_count(r)
                         ? report_results_vm(r, (size_t)f->vm)->name
                         : "");
        else if (f->vm >= 0 && (size_t)f->vm < report_results_vm_count(r))
            snprintf(who, sizeof who, "%s", report_results_vm(r, (size_t)f->vm)->name);
        else
            snprintf(who, sizeof who, "-");
        line(out, "%-24s %-10s %-10s %-10s %-10s %-11s %-8s %s", fit(name, sizeof name, who, 24),
             engine_failover_kind_short(f->kind), dur(f->started_ns, st, sizeof st),
             dur(f->succeeded && f->ended_ns >= 0 ? f->ended_ns - f->started_ns : -1, rto,
                 sizeof rto),
             dur(f->data_loss_ns, loss, sizeof loss),
             report_format_bytes((double)f->data_loss_bytes, bytes, sizeof bytes),
             f->verified ? "yes" : "NO", f->succeeded ? "succeeded" : "failed");
        if (!f->succeeded && f->detail[0])
            line(out, "  failed: %s", f->detail);
        summary_fo_findings(r, (int)i, out);
    }
}

/* Jobs the run ended in the middle of, with what each was doing last: a failover still booting, a
 * resynchronization still sending. Their outcome is unknown, which no other line says. */
static void summary_in_progress(const report_results *r, FILE *out)
{
    bool header = false;
    for (size_t i = 0; i < report_results_job_count(r); i++) {
        const report_job *j = report_results_job(r, i);
        if (j->state != ENGINE_JOB_IN_PROGRESS)
            continue;
        if (!header) {
            fputc('\n', out);
            line(out, "still in progress at the end");
            line(out, "  %-24s %-20s %-10s %s", "job", "subject", "started", "last step");
            header = true;
        }
        char name[28], subject[24], t[24], step[44];
        const char *last = j->step_count ? j->steps[j->step_count - 1].name : "(none yet)";
        /* 2 + 24 + 1 + 20 + 1 + 10 + 1 + 41 = 100 columns */
        line(out, "  %-24s %-20s %-10s %s", fit(name, sizeof name, j->name, 24),
             fit(subject, sizeof subject, j->subject, 20), dur(j->started_ns, t, sizeof t),
             fit(step, sizeof step, last, 41));
    }
}

static void summary_findings(const report_results *r, FILE *out)
{
    static const struct {
        engine_event_kind kind;
        const char *what;
    } notable[] = {
        {ENGINE_EV_MISSED_CYCLE, "missed cycles"},
        {ENGINE_EV_RESYNC_REQUIRED, "resynchronizations required"},
        {ENGINE_EV_STORAGE_FULL, "replica storage full"},
        {ENGINE_EV_REPLICATION_FAILED, "replication failures"},
        {ENGINE_EV_DIGEST_MISMATCH, "DIGEST MISMATCHES"},
    };
    const drs_diags *d = report_results_diags(r);
    bool header = false;
#define FINDINGS_HEADER()                                                                          \
    do {                                                                                           \
        if (!header) {                                                                             \
            fputc('\n', out);                                                                      \
            line(out, "findings");                                                                 \
            header = true;                                                                         \
        }                                                                                          \
    } while (0)
    for (size_t i = 0; i < d->count; i++) {
        const drs_diag *g = &d->items[i];
        FINDINGS_HEADER();
        char rule[24] = "";
        if (g->rule > 0)
            snprintf(rule, sizeof rule, " rule %d", g->rule);
        line(out, "  %s%s: %s%s%s", g->severity == DRS_SEV_ERROR ? "error" : "warning", rule,
             g->err.path, g->err.path[0] ? ": " : "", g->err.message);
    }
    for (size_t v = 0; v < report_results_vm_count(r); v++) {
        const report_vm_stats *vs = report_results_vm(r, v);
        char name[36], t[24];
        for (size_t k = 0; k < sizeof notable / sizeof notable[0]; k++) {
            uint64_t c = report_results_event_count(r, notable[k].kind, (int)v);
            if (c == 0)
                continue;
            FINDINGS_HEADER();
            line(out, "  %s: %llu %s, first at %s", fit(name, sizeof name, vs->name, 32),
                 (unsigned long long)c, notable[k].what,
                 dur(report_results_event_first_ns(r, notable[k].kind, (int)v), t, sizeof t));
        }
        if (vs->worst_health >= ENGINE_HEALTH_WARNING) {
            FINDINGS_HEADER();
            line(out, "  %s: health reached %s at %s", fit(name, sizeof name, vs->name, 32),
                 engine_health_name(vs->worst_health),
                 dur(vs->health_first_ns[vs->worst_health], t, sizeof t));
        }
    }
    for (size_t k = 0; k < report_results_fo_finding_count(r); k++)
        if (report_results_fo_finding(r, k)->failover < 0) {
            FINDINGS_HEADER();
            summary_fo_findings(r, -1, out);
            break;
        }
    for (size_t i = 0; i < report_results_job_count(r); i++) {
        const report_job *j = report_results_job(r, i);
        if (j->state != ENGINE_JOB_FAILED)
            continue;
        FINDINGS_HEADER();
        char t[24];
        line(out, "  job %s (%s) failed at %s: %s", j->name, j->subject,
             dur(j->ended_ns, t, sizeof t), j->reason);
    }
#undef FINDINGS_HEADER
}

static void summary_expectations(const report_results *r, FILE *out)
{
    size_t n = report_results_expect_count(r);
    if (n == 0)
        return;
    size_t failed = report_results_expect_failed(r);
    fputc('\n', out);
    line(out, "expectations: %zu passed, %zu failed", n - failed, failed);
    for (size_t i = 0; i < n; i++) {
        const report_expect_result *e = report_results_expect(r, i);
        char name[44], bound[28], actual[28];
        /* 2 + 4 + 2 + 40 + 1 + 24 + 1 + 26 = 100 columns */
        line(out, "  %-4s  %-40s %-24s %s", e->pass ? "ok" : "FAIL",
             fit(name, sizeof name, e->name, 40), fit(bound, sizeof bound, e->bound, 24),
             fit(actual, sizeof actual, e->actual, 26));
    }
}

void report_summary_write(const report_results *r, FILE *out)
{
    char name[64], d[24];
    line(out, "drsim run: %s  seed %llu  simulated %s%s",
         fit(name, sizeof name, report_results_scenario_name(r), 48),
         (unsigned long long)report_results_seed(r), dur(report_results_end_ns(r), d, sizeof d),
         report_results_end_ns(r) < 0 ? "  (the run did not finish)" : "");
    summary_vms(r, out);
    summary_links(r, out);
    summary_points(r, out);
    summary_failovers(r, out);
    summary_in_progress(r, out);
    summary_findings(r, out);
    summary_expectations(r, out);
}
