/* reports/summary.c — the terminal summary of a run: what a person reads first after `drsim run`.
 *
 * Every line fits in 80 columns, counted as a terminal shows them (UTF-8: a wide character takes
 * two columns); long names and messages are cut, marked with "...". It opens with the fleet: how
 * many VMs are in which health, and the worst RPO. Beyond SUMMARY_FEW_VMS VMs the per-VM tables
 * show only the SUMMARY_WORST worst (by RPO p95, ties by name) and count the rest, unless every VM
 * is asked for (report_summary_fprint's all): a fleet of 200 VMs must not scroll its findings away.
 */
#include "format.h"
#include "reports.h"
#include "engine/shared/alloc.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUMMARY_WIDTH 80
#define SUMMARY_FEW_VMS 20 /* up to this many VMs, every one is listed */
#define SUMMARY_WORST 10   /* beyond it, this many */
#define SUMMARY_FEW_EXPECT 20

/* Prints one line, cut to the width. Names could hold anything; the cut is the last line of
 * defence, the layouts below are planned to fit. Names come from the scenario file: a control
 * character in one (C0, DEL, or C1 such as U+009B, which some terminals read as an escape) must not
 * reach the terminal, where it could move the cursor or change colours, and neither may a byte that
 * is not UTF-8. Each prints as '?'. */
__attribute__((format(printf, 2, 3))) static void line(FILE *out, const char *fmt, ...)
{
    char buf[SUMMARY_WIDTH * 16], clean[SUMMARY_WIDTH * 16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t len = 0, cols = 0, cut_len = 0;
    bool cut = false;
    long cp;
    for (const char *p = buf; *p;) {
        size_t l = report_utf8_next(p, &cp);
        bool bad = cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f);
        int w = report_utf8_columns(bad ? '?' : cp);
        if (cols + (size_t)w > SUMMARY_WIDTH) {
            cut = true;
            break;
        }
        if (cols + (size_t)w <= SUMMARY_WIDTH - 3)
            cut_len = len + (bad ? 1 : l);
        cols += (size_t)w;
        if (bad) {
            clean[len++] = '?';
        } else {
            memcpy(clean + len, p, l);
            len += l;
        }
        p += l;
    }
    if (cut) {
        len = cut_len;
        memcpy(clean + len, "...", 3);
        len += 3;
    }
    while (len > 0 && clean[len - 1] == ' ') /* padding of a last, empty column */
        len--;
    clean[len] = '\0';
    fprintf(out, "%s\n", clean);
}

/* A cell of a table: text cut to width columns and padded to it, counting columns, not bytes, so
 * that UTF-8 names keep the columns straight. buf holds CELL bytes. */
static const char *cell(char *buf, size_t n, const char *text, size_t width)
{
    report_format_fit(buf, n, text, width);
    size_t cols = report_format_width(buf), len = strlen(buf);
    while (cols < width && len + 1 < n) {
        buf[len++] = ' ';
        cols++;
    }
    buf[len] = '\0';
    return buf;
}

#define CELL 256 /* bytes of a cell buffer: enough for any width here in UTF-8 */

#define fit report_format_fit

static const char *dur(int64_t ns, char *buf, size_t n)
{
    return ns < 0 ? "-" : report_format_duration(ns, buf, n);
}

/* Which VMs the per-VM tables show, in which order. */
typedef struct summary_sel {
    size_t *vm;    /* indices to show, in order */
    size_t count;  /* how many */
    size_t hidden; /* VMs left out */
    bool *shown;   /* per VM: shown */
} summary_sel;

/* RPO compared as the summary shows it, to the second: VMs that show the same p95 are in name
 * order, not in an order of nanoseconds nobody can see. */
static double summary_seconds(double ns)
{
    return (double)(int64_t)(ns / 1e9); /* cut, as report_format_duration cuts */
}

typedef struct summary_rank {
    size_t vm;
    bool defined;
    double p95;
    const char *name;
} summary_rank;

/* Worst first: a VM whose RPO was never defined (never protected) before any that was, then by
 * RPO p95, higher first, then by name. */
static int summary_rank_cmp(const void *a, const void *b)
{
    const summary_rank *x = a, *y = b;
    if (x->defined != y->defined)
        return x->defined ? 1 : -1;
    if (x->defined && x->p95 != y->p95)
        return x->p95 > y->p95 ? -1 : 1;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->vm < y->vm ? -1 : x->vm > y->vm);
}

/* Every VM in scenario order when there are few or all is asked for; else the worst SUMMARY_WORST,
 * worst first. */
static void summary_select(const report_results *r, bool all, summary_sel *sel)
{
    size_t n = report_results_vm_count(r);
    *sel = (summary_sel){0};
    sel->vm = drs_xcalloc(n ? n : 1, sizeof *sel->vm);
    sel->shown = drs_xcalloc(n ? n : 1, sizeof *sel->shown);
    summary_rank *rk = drs_xcalloc(n ? n : 1, sizeof *rk);
    if (all || n <= SUMMARY_FEW_VMS) {
        for (size_t i = 0; i < n; i++) {
            sel->vm[i] = i;
            sel->shown[i] = true;
        }
        sel->count = n;
        free(rk);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        report_rpo_stats st;
        report_results_rpo(r, i, 0, 0, &st);
        bool ok = st.defined;
        rk[i] = (summary_rank){.vm = i,
                               .defined = ok,
                               .p95 = ok ? summary_seconds(st.p95_ns) : 0,
                               .name = report_results_vm(r, i)->name};
    }
    qsort(rk, n, sizeof *rk, summary_rank_cmp);
    sel->count = SUMMARY_WORST;
    sel->hidden = n - SUMMARY_WORST;
    for (size_t i = 0; i < sel->count; i++) {
        sel->vm[i] = rk[i].vm;
        sel->shown[rk[i].vm] = true;
    }
    free(rk);
}

static void summary_select_free(summary_sel *sel)
{
    free(sel->vm);
    free(sel->shown);
}

/* The fleet at a glance: VMs by their health at the end, and the worst RPO p95 and maximum with
 * the VM that had each. */
static void summary_fleet(const report_results *r, FILE *out)
{
    size_t n = report_results_vm_count(r);
    size_t by[4] = {0};
    int worst_p95 = -1, worst_max = -1;
    double p95 = 0, mx = 0, p95_ns = 0;
    int64_t max_ns = 0;
    for (size_t i = 0; i < n; i++) {
        const report_vm_stats *v = report_results_vm(r, i);
        by[v->health <= ENGINE_HEALTH_CRITICAL ? v->health : ENGINE_HEALTH_NONE]++;
        report_rpo_stats st;
        report_results_rpo(r, i, 0, 0, &st);
        if (!st.defined)
            continue;
        /* To the second, ties to the first VM by name, as in the tables. */
        double q = summary_seconds(st.p95_ns), m = summary_seconds((double)st.max_ns);
        if (worst_p95 < 0 || q > p95 ||
            (q == p95 && strcmp(v->name, report_results_vm(r, (size_t)worst_p95)->name) < 0)) {
            worst_p95 = (int)i;
            p95 = q;
            p95_ns = st.p95_ns;
        }
        if (worst_max < 0 || m > mx ||
            (m == mx && strcmp(v->name, report_results_vm(r, (size_t)worst_max)->name) < 0)) {
            worst_max = (int)i;
            mx = m;
            max_ns = st.max_ns;
        }
    }
    line(out, "fleet: %zu VM%s: %zu normal, %zu warning, %zu critical, %zu not protected", n,
         n == 1 ? "" : "s", by[ENGINE_HEALTH_NORMAL], by[ENGINE_HEALTH_WARNING],
         by[ENGINE_HEALTH_CRITICAL], by[ENGINE_HEALTH_NONE]);
    if (worst_p95 < 0) {
        line(out, "worst RPO: none (no VM had a recovery point)");
        return;
    }
    char a[24], b[24], na[CELL], nb[CELL];
    /* 15 + 9 + 2 + 17 + 7 + 9 + 2 + 17 + 1 = 79 columns at most */
    line(out, "worst RPO: p95 %s (%s), max %s (%s)", dur((int64_t)p95_ns, a, sizeof a),
         fit(na, sizeof na, report_results_vm(r, (size_t)worst_p95)->name, 17),
         dur(max_ns, b, sizeof b),
         fit(nb, sizeof nb, report_results_vm(r, (size_t)worst_max)->name, 17));
}

static void summary_more(FILE *out, size_t hidden)
{
    if (hidden)
        line(out, "\u2026 and %zu more; --all to list every VM", hidden);
}

static void summary_vms(const report_results *r, const summary_sel *sel, FILE *out)
{
    size_t n = report_results_vm_count(r);
    if (n == 0)
        return;
    fputc('\n', out);
    /* 16 + 9 + 8 + 8 + 9 + 8 + 10 + 5 columns and 7 spaces: 80. Raw bytes are wire times ratio. */
    line(out, "%-16s %-9s %-8s %-8s %-9s %-8s %10s %5s", "VM", "IR time", "RPO p50", "RPO p95",
         "RPO max", "health", "wire", "ratio");
    for (size_t k = 0; k < sel->count; k++) {
        size_t i = sel->vm[k];
        const report_vm_stats *v = report_results_vm(r, i);
        char name[CELL], ir[24], p50[24], p95[24], mx[24], wire[24], ratio[16];
        report_rpo_stats st;
        report_results_rpo(r, i, 0, 0, &st);
        bool ok = st.defined;
        if (v->wire_bytes)
            snprintf(ratio, sizeof ratio, "%.2f",
                     report_ratio((double)v->raw_bytes, (double)v->wire_bytes));
        else
            snprintf(ratio, sizeof ratio, "-");
        line(out, "%s %-9s %-8s %-8s %-9s %-8s %10s %5s", cell(name, sizeof name, v->name, 16),
             dur(v->ir_end_ns >= 0 ? v->ir_end_ns - v->ir_start_ns : -1, ir, sizeof ir),
             dur(ok ? (int64_t)st.p50_ns : -1, p50, sizeof p50),
             dur(ok ? (int64_t)st.p95_ns : -1, p95, sizeof p95),
             dur(ok ? st.max_ns : -1, mx, sizeof mx), engine_health_name(v->health),
             report_format_bytes((double)v->wire_bytes, wire, sizeof wire), ratio);
    }
    summary_more(out, sel->hidden);
    /* A VM that lost protection and did not regain it: its RPO statistics cover only the time it
     * was protected, which the figures above cannot say on their own. */
    size_t unshown = 0;
    for (size_t k = 0; k < sel->count; k++) {
        size_t i = sel->vm[k];
        int64_t from = report_results_unprotected_from(r, i);
        if (from < 0)
            continue;
        char name[CELL], t[24];
        /* 2 + 32 + 21 + 9 + 16 = 80 columns at most */
        line(out, "  %s: not protected from %s (RPO undefined)",
             fit(name, sizeof name, report_results_vm(r, i)->name, 32), dur(from, t, sizeof t));
    }
    for (size_t i = 0; i < n; i++)
        unshown += !sel->shown[i] && report_results_unprotected_from(r, i) >= 0;
    if (unshown)
        line(out, "  and %zu more VM%s not protected at the end", unshown, unshown == 1 ? "" : "s");
}

static void summary_links(const report_results *r, FILE *out)
{
    size_t n = report_results_link_count(r);
    if (n == 0)
        return;
    fputc('\n', out);
    /* 16 + 8 + 8 + 11 + 11 + 10 + 5 columns and 6 spaces: 75. */
    line(out, "%-16s %-8s %-8s %-11s %-11s %10s %5s", "link", "util p95", "util max", "p95 rate",
         "peak rate", "wire", "ratio");
    for (size_t i = 0; i < n; i++) {
        const report_link_stats *l = report_results_link(r, i);
        char name[CELL], p95[16], mx[16], rp95[24], rpeak[24], wire[24], ratio[16];
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
        line(out, "%s %-8s %-8s %-11s %-11s %10s %5s", cell(name, sizeof name, l->name, 16), p95,
             mx, rp95, rpeak, report_format_bytes((double)l->wire_bytes, wire, sizeof wire), ratio);
    }
}

static void summary_points(const report_results *r, const summary_sel *sel, FILE *out)
{
    size_t n = report_results_vm_count(r);
    if (n == 0)
        return;
    fputc('\n', out);
    /* additional: points retained now, of which app-consistent; latest: a latest point is
     * retained; max: the most additional points retained at once. 16 + 10 + 4 + 6 + 4 + 8 + 8 + 12
     * columns and 7 spaces: 75. */
    line(out, "%-16s %10s %4s %-6s %4s %8s %8s %12s", "recovery points", "additional", "app",
         "latest", "max", "created", "pruned", "storage peak");
    for (size_t k = 0; k < sel->count; k++) {
        const report_vm_stats *v = report_results_vm(r, sel->vm[k]);
        char name[CELL], peak[24];
        line(out, "%s %10u %4u %-6s %4u %8llu %8llu %12s", cell(name, sizeof name, v->name, 16),
             v->rp_additional_now, v->rp_app_consistent_now, v->rp_latest_now ? "yes" : "no",
             v->rp_additional_max, (unsigned long long)v->rp_created,
             (unsigned long long)v->rp_pruned,
             report_format_bytes((double)v->replica_storage_peak_bytes, peak, sizeof peak));
    }
    summary_more(out, sel->hidden);
    for (size_t c = 0; c < report_results_class_count(r); c++) {
        const report_class_stats *cl = report_results_class(r, c);
        if (cl->peak_bytes == 0)
            continue;
        char name[CELL], peak[24];
        line(out, "storage %s replica storage peak %s", cell(name, sizeof name, cl->name, 30),
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
        char t[24], name[CELL];
        const char *who = g->vm >= 0 ? report_results_vm(r, (size_t)g->vm)->name : "plan";
        line(out, "  %s at %s: %s", fit(name, sizeof name, who, 24), dur(g->at_ns, t, sizeof t),
             g->text);
    }
}

/* Failover rows: every one with few VMs or all asked for; else the plans' own rows, failovers that
 * did not succeed and those of the VMs shown, the rest counted. */
static void summary_failovers(const report_results *r, const summary_sel *sel, FILE *out)
{
    size_t n = report_results_failover_count(r);
    if (n == 0)
        return;
    fputc('\n', out);
    /* 14 + 9 + 9 + 8 + 8 + 8 + 8 + 9 columns and 7 spaces: 80 ("10h00m00s" is 9 wide). */
    line(out, "%-14s %-9s %-9s %-8s %-8s %8s %-8s %s", "failover", "kind", "started", "RTO", "loss",
         "lost", "verified", "result");
    size_t hidden = 0;
    for (size_t i = 0; i < n; i++) {
        const report_failover *f = report_results_failover(r, i);
        bool vm_known = f->vm >= 0 && (size_t)f->vm < report_results_vm_count(r);
        if (sel->hidden && vm_known && f->succeeded && !sel->shown[f->vm]) {
            hidden++;
            continue;
        }
        char who[256], name[CELL], st[24], rto[24], loss[24], bytes[24];
        if (f->plan >= 0 && (size_t)f->plan < report_results_plan_count(r))
            snprintf(who, sizeof who, "%s%s%s", report_results_plan_name(r, (size_t)f->plan),
                     vm_known ? "/" : "",
                     vm_known ? report_results_vm(r, (size_t)f->vm)->name : "");
        else if (vm_known)
            snprintf(who, sizeof who, "%s", report_results_vm(r, (size_t)f->vm)->name);
        else
            snprintf(who, sizeof who, "-");
        line(out, "%s %-9s %-9s %-8s %-8s %8s %-8s %s", cell(name, sizeof name, who, 14),
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
    if (hidden)
        line(out, "\u2026 and %zu more that succeeded, of VMs not shown; --all to list every one",
             hidden);
}

/* Jobs the run ended in the middle of, with what each was doing last: a failover still booting, a
 * resynchronization still sending. Their outcome is unknown, which no other line says. */
static void summary_in_progress(const report_results *r, const summary_sel *sel, FILE *out)
{
    bool header = false;
    size_t hidden = 0;
    for (size_t i = 0; i < report_results_job_count(r); i++) {
        const report_job *j = report_results_job(r, i);
        if (j->state != ENGINE_JOB_IN_PROGRESS)
            continue;
        /* Of a large fleet, the jobs of the VMs shown and those of no VM. */
        if (sel->hidden && j->vm >= 0 && (size_t)j->vm < report_results_vm_count(r) &&
            !sel->shown[j->vm]) {
            hidden++;
            continue;
        }
        if (!header) {
            fputc('\n', out);
            line(out, "still in progress at the end");
            line(out, "  %-19s %-14s %-9s %s", "job", "subject", "started", "last step");
            header = true;
        }
        char name[CELL], subject[CELL], t[24];
        const char *last = j->step_count ? j->steps[j->step_count - 1].name : "(none yet)";
        /* 2 + 19 + 1 + 14 + 1 + 9 + 1 = 47 columns, then the last step when it fits in the 33
         * left, else on a line of its own. */
        if (report_format_width(last) <= 33) {
            line(out, "  %s %s %-9s %s", cell(name, sizeof name, j->name, 19),
                 cell(subject, sizeof subject, j->subject, 14), dur(j->started_ns, t, sizeof t),
                 last);
        } else {
            line(out, "  %s %s %s", cell(name, sizeof name, j->name, 19),
                 cell(subject, sizeof subject, j->subject, 14), dur(j->started_ns, t, sizeof t));
            line(out, "    last step: %s", last);
        }
    }
    if (hidden) {
        if (!header) {
            fputc('\n', out);
            line(out, "still in progress at the end");
        }
        line(out, "\u2026 and %zu more, of VMs not shown; --all to list every one", hidden);
    }
}

static void summary_findings(const report_results *r, const summary_sel *sel, FILE *out)
{
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
    /* The VMs shown first (worst first), then a count of the others' findings by kind. */
    engine_event_kind notable[ENGINE_EV_COUNT]; /* the kinds that are findings (engine/record.h) */
    size_t nk = 0;
    for (int k = 0; k < ENGINE_EV_COUNT; k++)
        if (engine_event_finding((engine_event_kind)k))
            notable[nk++] = (engine_event_kind)k;
    uint64_t rest[ENGINE_EV_COUNT + 1] = {0};
    size_t rest_vms = 0;
    for (size_t k = 0; k < sel->count; k++) {
        size_t v = sel->vm[k];
        const report_vm_stats *vs = report_results_vm(r, v);
        char name[CELL], t[24];
        for (size_t e = 0; e < nk; e++) {
            uint64_t c = report_results_event_count(r, notable[e], (int)v);
            if (c == 0)
                continue;
            FINDINGS_HEADER();
            /* 2 + 22 + 2 + 6 + 1 + 27 + 11 + 9 = 80 columns */
            line(out, "  %s: %llu %s, first at %s", fit(name, sizeof name, vs->name, 22),
                 (unsigned long long)c, engine_event_finding(notable[e]),
                 dur(report_results_event_first_ns(r, notable[e], (int)v), t, sizeof t));
        }
        if (vs->worst_health >= ENGINE_HEALTH_WARNING) {
            FINDINGS_HEADER();
            line(out, "  %s: health reached %s at %s", fit(name, sizeof name, vs->name, 32),
                 engine_health_name(vs->worst_health),
                 dur(vs->health_first_ns[vs->worst_health], t, sizeof t));
        }
    }
    for (size_t v = 0; v < report_results_vm_count(r); v++) {
        if (sel->shown[v])
            continue;
        bool any = false;
        for (size_t e = 0; e < nk; e++) {
            uint64_t c = report_results_event_count(r, notable[e], (int)v);
            rest[e] += c;
            any |= c > 0;
        }
        if (report_results_vm(r, v)->worst_health >= ENGINE_HEALTH_WARNING) {
            rest[nk]++;
            any = true;
        }
        rest_vms += any;
    }
    if (rest_vms) {
        FINDINGS_HEADER();
        line(out, "  %zu more VM%s with findings (--all to list them):", rest_vms,
             rest_vms == 1 ? "" : "s");
        for (size_t e = 0; e < nk; e++)
            if (rest[e])
                line(out, "    %llu %s", (unsigned long long)rest[e], engine_event_finding(notable[e]));
        if (rest[nk])
            line(out, "    %llu VM%s reached warning or critical health",
                 (unsigned long long)rest[nk], rest[nk] == 1 ? "" : "s");
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

/* Expectations in columns as wide as their longest name and bound (up to a limit); an actual value
 * that does not fit beside them goes on a line of its own below. Beyond SUMMARY_FEW_EXPECT results
 * (a "*" scope over a large fleet) only the failed ones are listed unless all are asked for. */
static void summary_expectations(const report_results *r, bool all, FILE *out)
{
    size_t n = report_results_expect_count(r);
    if (n == 0)
        return;
    size_t failed = report_results_expect_failed(r);
    bool every = all || n <= SUMMARY_FEW_EXPECT;
    fputc('\n', out);
    line(out, "expectations: %zu passed, %zu failed", n - failed, failed);
    /* The name column is as wide as the longest name (up to 40); the bound column as wide as the
     * longest bound of the rows that can fit on one line at all. */
    size_t wn = 0, wb = 0;
    for (size_t i = 0; i < n; i++) {
        const report_expect_result *e = report_results_expect(r, i);
        size_t a = report_format_width(e->name);
        if ((every || !e->pass) && a > wn)
            wn = a > 40 ? 40 : a;
    }
    for (size_t i = 0; i < n; i++) {
        const report_expect_result *e = report_results_expect(r, i);
        size_t b = report_format_width(e->bound), a = report_format_width(e->actual);
        if ((every || !e->pass) && 7 + wn + 1 + b + 1 + a <= SUMMARY_WIDTH && b > wb)
            wb = b;
    }
    for (size_t i = 0; i < n; i++) {
        const report_expect_result *e = report_results_expect(r, i);
        if (!every && e->pass)
            continue;
        char name[CELL], bound[CELL];
        /* "  FAIL " is 7 columns, then the name, a space, the bound, a space, the actual value. */
        if (report_format_width(e->bound) <= wb &&
            7 + wn + 1 + wb + 1 + report_format_width(e->actual) <= SUMMARY_WIDTH) {
            line(out, "  %-4s %s %s %s", e->pass ? "ok" : "FAIL",
                 cell(name, sizeof name, e->name, wn), cell(bound, sizeof bound, e->bound, wb),
                 e->actual);
        } else {
            line(out, "  %-4s %s %s", e->pass ? "ok" : "FAIL", cell(name, sizeof name, e->name, wn),
                 e->bound);
            line(out, "         actual: %s", e->actual);
        }
    }
    if (!every)
        line(out, "\u2026 and %zu passed; --all to list every expectation", n - failed);
}

void report_summary_fprint(const report_results *r, FILE *out, bool all)
{
    char name[CELL], d[24];
    line(out, "drsim run: %s  seed %llu  simulated %s",
         fit(name, sizeof name, report_results_scenario_name(r), 32),
         (unsigned long long)report_results_seed(r), dur(report_results_end_ns(r), d, sizeof d));
    if (report_results_end_ns(r) < 0)
        line(out, "(the run did not finish)");
    summary_sel sel;
    summary_select(r, all, &sel);
    summary_fleet(r, out);
    summary_vms(r, &sel, out);
    summary_links(r, out);
    summary_points(r, &sel, out);
    summary_failovers(r, &sel, out);
    summary_in_progress(r, &sel, out);
    summary_findings(r, &sel, out);
    summary_expectations(r, all, out);
    summary_select_free(&sel);
}

void report_summary_write(const report_results *r, FILE *out)
{
    report_summary_fprint(r, out, false);
}
