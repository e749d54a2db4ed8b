/* reports/html_chart_gantt.c — failovers and recovery plans as a Gantt chart, every one of them
 * drawn however many there are.
 *
 * The chart has a lane per recovery plan or VM that failed over (test, planned, unplanned, failback
 * and the jobs that follow them: commit, cancel, reverse replication, test cleanup); each job is
 * one bar coloured by its kind, its steps collapsed into segments of the bar (a separator and a
 * tooltip each), and under it the failover as the run driver measured it (start to the last VM
 * running: the RTO). When more subjects failed over than HTML_GANTT_LANES lanes hold, the lanes are
 * per job kind instead, bars of different subjects side by side or overlapping, so no failover is
 * dropped. A run without failovers shows every job the same way, a lane per job kind. The time axis
 * spans every bar drawn, with a margin. The SVG carries its time mapping (data-t0-ns, data-t1-ns
 * over data-x0 to data-x1) so tools can read a bar's time back from its x. */
#include "format.h"
#include "html_internal.h"
#include "engine/shared/alloc.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- jobs and failovers as a Gantt chart
 * --------------------------------------------------------- */

const char *html_state_color(engine_job_state s)
{
    switch (s) {
    case ENGINE_JOB_SUCCEEDED:
        return "#16a34a";
    case ENGINE_JOB_FAILED:
        return "#dc2626";
    case ENGINE_JOB_CANCELLED:
        return "#9ca3af";
    default:
        return "#2563eb";
    }
}

bool report_job_is_failover(const char *name)
{
    /* The engine's job list (engine/record.h) says which jobs are about failing over and back. */
    static const struct {
        const char *name;
        bool failover;
    } jobs[] = {
#define HTML_JOB(id, job_name, failover) {job_name, failover},
        ENGINE_JOB_KINDS(HTML_JOB)
#undef HTML_JOB
    };
    for (size_t i = 0; name && i < sizeof jobs / sizeof *jobs; i++)
        if (strcmp(name, jobs[i].name) == 0)
            return jobs[i].failover;
    return false;
}

void html_failover_who(const report_results *r, const report_failover *f, char *buf, size_t n)
{
    const char *plan = f->plan >= 0 && (size_t)f->plan < report_results_plan_count(r)
                           ? report_results_plan_name(r, (size_t)f->plan)
                           : NULL;
    const char *vm = f->vm >= 0 && (size_t)f->vm < report_results_vm_count(r)
                         ? report_results_vm(r, (size_t)f->vm)->name
                         : NULL;
    if (plan && vm)
        snprintf(buf, n, "plan %s / %s", plan, vm);
    else if (plan)
        snprintf(buf, n, "plan %s", plan);
    else
        snprintf(buf, n, "%s", vm ? vm : "-");
}

#define HTML_GANTT_LANES 40
#define HTML_GANTT_LANE_BARS 120 /* past this, a lane's touching bars are drawn as one */

/* Jobs about failing over (and back) are what the chart is for; protection jobs are many and long,
 * and are in the jobs table. */
static bool job_is_failover(const report_job *j)
{
    return report_job_is_failover(j->name);
}

/* A job kind's colour: its place in the engine's job list picks a palette entry, so a kind has one
 * colour in every report. */
static const char *kind_color(const char *name)
{
    static const char *const names[] = {
#define HTML_JOB_NAME(id, job_name, failover) job_name,
        ENGINE_JOB_KINDS(HTML_JOB_NAME)
#undef HTML_JOB_NAME
    };
    /* Failover kinds first in the palette: they are what the chart is usually about. */
    static const char *const colors[] = {"#2563eb", "#0891b2", "#ea580c", "#db2777", "#059669",
                                         "#a16207", "#4b5563", "#0d9488", "#65a30d", "#1e3a8a"};
    size_t k = 0, i;
    for (i = 0; i < sizeof names / sizeof *names; i++) {
        if (strcmp(names[i], name) == 0)
            break;
        k++;
    }
    return colors[k % (sizeof colors / sizeof *colors)];
}

#define FO_COLOR "#7c3aed"

/* One bar: a job, or a failover record. */
typedef struct gantt_bar {
    const report_job *job;
    const report_failover *fo;
    int64_t start, end;
    size_t lane;
} gantt_bar;

/* A lane's key: the subject (plan or VM name) or the kind (job name, failover kind). */
typedef struct gantt_lane {
    char key[200];
    int64_t first;
} gantt_lane;

static size_t lane_of(gantt_lane *lanes, size_t *n, const char *key, int64_t start)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(lanes[i].key, key) == 0) {
            if (start < lanes[i].first)
                lanes[i].first = start;
            return i;
        }
    snprintf(lanes[*n].key, sizeof lanes[*n].key, "%s", key);
    lanes[*n].first = start;
    return (*n)++;
}

/* The failover record's subject: its plan (the plan's own record and those of its VMs share the
 * plan's lane), else its VM. */
static void fo_subject(const report_results *r, const report_failover *f, char *buf, size_t n)
{
    if (f->plan >= 0 && (size_t)f->plan < report_results_plan_count(r))
        snprintf(buf, n, "plan %s", report_results_plan_name(r, (size_t)f->plan));
    else
        html_failover_who(r, f, buf, n);
}

/* A job's subject in the same words: a job about a plan names the plan. */
static void job_subject(const report_results *r, const report_job *j, char *buf, size_t n)
{
    for (size_t p = 0; p < report_results_plan_count(r); p++)
        if (j->vm < 0 && strcmp(report_results_plan_name(r, p), j->subject) == 0) {
            snprintf(buf, n, "plan %s", j->subject);
            return;
        }
    snprintf(buf, n, "%s", j->subject);
}

/* Order lanes by their first bar, the rest of the order by key so the page is stable. */
static int lane_cmp(const void *pa, const void *pb)
{
    const gantt_lane *a = pa, *b = pb;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return strcmp(a->key, b->key);
}

static void bar_job(FILE *out, const html_scale *x, const gantt_bar *g, double top, double h)
{
    const report_job *j = g->job;
    char a[24], b[24];
    double x0 = html_sc_map(x, (double)g->start), x1 = html_sc_map(x, (double)g->end);
    const char *col = j->state == ENGINE_JOB_FAILED || j->state == ENGINE_JOB_CANCELLED
                          ? html_state_color(j->state)
                          : kind_color(j->name);
    fprintf(out,
            "<g class=\"bar\"><rect class=\"job\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
            "height=\"%.1f\" rx=\"2\" fill=\"%s\"%s data-start-ns=\"%" PRId64 "\"/>",
            x0, top, fmax(x1 - x0, 3.0), h, col,
            j->state == ENGINE_JOB_IN_PROGRESS ? " fill-opacity=\"0.55\"" : "", g->start);
    /* Steps collapsed into the bar: a separator where each begins, a tooltip over its span. */
    for (size_t k = 0; k < j->step_count; k++) {
        int64_t s0 = j->steps[k].at_ns;
        int64_t s1 = k + 1 < j->step_count ? j->steps[k + 1].at_ns : g->end;
        double sx0 = html_sc_map(x, (double)s0), sx1 = html_sc_map(x, (double)s1);
        if (k > 0 && sx0 > x0 + 1 && sx0 < x1 - 1)
            fprintf(out, "<line class=\"step\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                    sx0, top, sx0, top + h);
        if (sx1 - sx0 < 1)
            continue; /* too short to point at: the bar's tooltip lists the job */
        fprintf(out,
                "<rect class=\"hit\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>",
                sx0, top, sx1 - sx0, h);
        html_escf(out, "%s (%s)\nstep: %s [%s] at %s", j->name, j->subject, j->steps[k].name,
                  engine_job_state_name(j->steps[k].state), html_tick_time(s0, a, sizeof a));
        fputs("</title></rect>", out);
    }
    fputs("<title>", out);
    html_escf(out, "%s (%s): %s, %s to %s, %zu step%s%s%s", j->name, j->subject,
              engine_job_state_name(j->state), html_tick_time(g->start, a, sizeof a),
              j->ended_ns >= 0 ? html_tick_time(j->ended_ns, b, sizeof b) : "end of run",
              j->step_count, j->step_count == 1 ? "" : "s", j->reason[0] ? ": " : "", j->reason);
    fputs("</title></g>\n", out);
}

static void bar_failover(FILE *out, const report_results *r, const html_scale *x,
                         const gantt_bar *g, double top, double h)
{
    const report_failover *f = g->fo;
    char who[160], a[24], b[24];
    html_failover_who(r, f, who, sizeof who);
    double x0 = html_sc_map(x, (double)g->start), x1 = html_sc_map(x, (double)g->end);
    fprintf(out,
            "<g class=\"bar\"><rect class=\"fo\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
            "height=\"%.1f\" rx=\"1\" fill=\"%s\" data-start-ns=\"%" PRId64 "\"/><title>",
            x0, top, fmax(x1 - x0, 3.0), h,
            f->succeeded ? FO_COLOR : html_state_color(ENGINE_JOB_FAILED), g->start);
    html_escf(out, "%s: %s, from %s, RTO %s%s", engine_failover_kind_long(f->kind), who,
              html_tick_time(f->started_ns, b, sizeof b),
              f->ended_ns >= 0 ? report_format_duration(f->ended_ns - f->started_ns, a, sizeof a)
                               : "never finished",
              f->succeeded ? "" : " (failed)");
    fputs("</title></g>\n", out);
}

static const char *bar_color(const gantt_bar *g)
{
    if (g->fo)
        return g->fo->succeeded ? FO_COLOR : html_state_color(ENGINE_JOB_FAILED);
    if (g->job->state == ENGINE_JOB_FAILED || g->job->state == ENGINE_JOB_CANCELLED)
        return html_state_color(g->job->state);
    return kind_color(g->job->name);
}

static int bar_start_cmp(const void *pa, const void *pb)
{
    const gantt_bar *a = *(const gantt_bar *const *)pa, *b = *(const gantt_bar *const *)pb;
    return (a->start > b->start) - (a->start < b->start);
}

/* A lane of more than HTML_GANTT_LANE_BARS bars (a thousand VMs' protection jobs): bars of one
 * colour that touch or overlap on screen are drawn as one, its tooltip counting them, so the chart
 * grows with its width rather than with the run; a bar that stands alone is drawn as usual. */
static void lane_groups(FILE *out, const report_results *r, const html_scale *x,
                        const gantt_bar *bars, size_t n, size_t lane, double top, double h,
                        bool by_kind)
{
    const gantt_bar **in = drs_xmalloc(n * sizeof *in);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (bars[i].lane == lane)
            in[m++] = &bars[i];
    qsort(in, m, sizeof *in, bar_start_cmp);
    for (size_t i = 0; i < m;) {
        const char *col = bar_color(in[i]);
        double gx1 =
            fmax(html_sc_map(x, (double)in[i]->end), html_sc_map(x, (double)in[i]->start) + 3);
        int64_t gend = in[i]->end;
        size_t e = i + 1;
        while (e < m && strcmp(bar_color(in[e]), col) == 0 &&
               html_sc_map(x, (double)in[e]->start) <= gx1 + 1) {
            gx1 = fmax(gx1, fmax(html_sc_map(x, (double)in[e]->end),
                                 html_sc_map(x, (double)in[e]->start) + 3));
            gend = in[e]->end > gend ? in[e]->end : gend;
            e++;
        }
        if (e == i + 1) {
            if (in[i]->job)
                bar_job(out, x, in[i], top, h);
            else
                bar_failover(out, r, x, in[i], by_kind ? top : top + 14, by_kind ? h : 6);
            i = e;
            continue;
        }
        double gx0 = html_sc_map(x, (double)in[i]->start);
        char a[24], b[24];
        fprintf(out,
                "<g class=\"bar\"><rect class=\"%s group\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
                "height=\"%.1f\" rx=\"2\" fill=\"%s\" data-start-ns=\"%" PRId64
                "\" data-bars=\"%zu\"/><title>",
                in[i]->job ? "job" : "fo", gx0, in[i]->job || by_kind ? top : top + 14, gx1 - gx0,
                in[i]->job || by_kind ? h : 6, col, in[i]->start, e - i);
        html_escf(out, "%zu %s, %s to %s", e - i,
                  in[i]->job ? in[i]->job->name : engine_failover_kind_long(in[i]->fo->kind),
                  html_tick_time(in[i]->start, a, sizeof a), html_tick_time(gend, b, sizeof b));
        fputs("</title></g>\n", out);
        i = e;
    }
    free((void *)in);
}

void html_chart_gantt(FILE *out, const report_results *r, int64_t end)
{
    size_t nj = report_results_job_count(r), nf = report_results_failover_count(r);
    bool focus = nf > 0;
    for (size_t i = 0; i < nj && !focus; i++)
        focus = job_is_failover(report_results_job(r, i));
    gantt_bar *bars = drs_xmalloc((nj + nf + 1) * sizeof *bars);
    gantt_lane *lanes = drs_xmalloc((nj + nf + 1) * sizeof *lanes);
    size_t n = 0;
    for (size_t i = 0; i < nf; i++) {
        const report_failover *f = report_results_failover(r, i);
        bars[n++] = (gantt_bar){NULL, f, f->started_ns, f->ended_ns >= 0 ? f->ended_ns : end, 0};
    }
    for (size_t i = 0; i < nj; i++) {
        const report_job *j = report_results_job(r, i);
        if (focus && !job_is_failover(j))
            continue;
        bars[n++] = (gantt_bar){j, NULL, j->started_ns, j->ended_ns >= 0 ? j->ended_ns : end, 0};
    }
    /* Lanes per subject when they fit, else per kind. */
    size_t nl = 0;
    char key[200];
    bool by_kind = !focus;
    for (size_t i = 0; i < n && !by_kind; i++) {
        if (bars[i].job)
            job_subject(r, bars[i].job, key, sizeof key);
        else
            fo_subject(r, bars[i].fo, key, sizeof key);
        bars[i].lane = lane_of(lanes, &nl, key, bars[i].start);
        by_kind = nl > HTML_GANTT_LANES;
    }
    if (by_kind) {
        nl = 0;
        for (size_t i = 0; i < n; i++) {
            if (bars[i].job)
                snprintf(key, sizeof key, "%s", bars[i].job->name);
            else
                snprintf(key, sizeof key, "%s (RTO)", engine_failover_kind_long(bars[i].fo->kind));
            bars[i].lane = lane_of(lanes, &nl, key, bars[i].start);
        }
    }
    /* Lanes in the order their first bar starts; bars follow their lane's new place. */
    size_t *where = drs_xmalloc((nl ? nl : 1) * sizeof *where);
    gantt_lane *sorted = drs_xmalloc((nl ? nl : 1) * sizeof *sorted);
    memcpy(sorted, lanes, nl * sizeof *lanes);
    qsort(sorted, nl, sizeof *sorted, lane_cmp);
    for (size_t i = 0; i < nl; i++)
        for (size_t k = 0; k < nl; k++)
            if (strcmp(sorted[k].key, lanes[i].key) == 0)
                where[i] = k;
    for (size_t i = 0; i < n; i++)
        bars[i].lane = where[bars[i].lane];
    free(where);

    /* The axis spans every bar, with a margin, so short steps stay visible. */
    int64_t t0 = INT64_MAX, t1 = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        t0 = bars[i].start < t0 ? bars[i].start : t0;
        t1 = bars[i].end > t1 ? bars[i].end : t1;
    }
    if (n == 0)
        t0 = 0, t1 = end > 0 ? end : NS_S;
    if (t1 < t0 + NS_S)
        t1 = t0 + NS_S;
    int64_t pad = (t1 - t0) / 40 + 1;
    t0 = t0 - pad < 0 ? 0 : t0 - pad;
    t1 += pad;
    const double lane_h = by_kind ? 24 : 28, label_w = 240;
    double height = CH_TOP + (double)(nl ? nl : 1) * lane_h + CH_BOTTOM;
    double bottom = height - CH_BOTTOM;
    html_scale x = {(double)t0, (double)t1, label_w, CH_W - CH_RIGHT};
    char title[120];
    snprintf(title, sizeof title, "%s",
             focus ? (by_kind ? "Failovers and recovery plans, a lane per kind"
                              : "Failovers and recovery plans")
                   : "Jobs over time, a lane per kind");
    html_chart_begin(out, "chart-gantt-svg", height, title);
    /* The time mapping, for tools that read bars back (tests/test_html.c, check_html.js). */
    fprintf(out,
            "<desc data-t0-ns=\"%" PRId64 "\" data-t1-ns=\"%" PRId64
            "\" data-x0=\"%.1f\" data-x1=\"%.1f\">time axis</desc>\n",
            t0, t1, x.p0, x.p1);
    /* The legend: the kinds drawn, then the states that override a kind's colour. */
    double lx = CH_LEFT;
    const char *seen[ENGINE_JOB_KIND_COUNT];
    size_t nseen = 0;
    for (size_t i = 0; i < n; i++) {
        if (!bars[i].job)
            continue;
        bool dup = false;
        for (size_t k = 0; k < nseen; k++)
            dup |= strcmp(seen[k], bars[i].job->name) == 0;
        if (dup || nseen == ENGINE_JOB_KIND_COUNT)
            continue;
        seen[nseen++] = bars[i].job->name;
    }
    for (size_t k = 0; k < nseen && lx < CH_W - 200; k++)
        lx = html_legend(out, lx, CH_LEGEND_Y, kind_color(seen[k]), false, true, seen[k]);
    if (nf)
        lx = html_legend(out, lx, CH_LEGEND_Y, FO_COLOR, false, true, "failover (RTO)");
    if (lx < CH_W - 120)
        lx = html_legend(out, lx, CH_LEGEND_Y, html_state_color(ENGINE_JOB_FAILED), false, true,
                         "failed");
    if (lx < CH_W - 120)
        html_legend(out, lx, CH_LEGEND_Y, html_state_color(ENGINE_JOB_CANCELLED), false, true,
                    "cancelled");
    html_axis_time(out, &x, CH_TOP, bottom);
    for (size_t l = 0; l < nl; l++) {
        double top = CH_TOP + (double)l * lane_h;
        size_t count = 0;
        for (size_t i = 0; i < n; i++)
            count += bars[i].lane == l;
        if (l % 2)
            fprintf(out, "<rect class=\"lane\" x=\"0\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                    top, CH_W, lane_h);
        char label[200];
        snprintf(label, sizeof label, "%s", sorted[l].key);
        fprintf(out, "<text class=\"lanelabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
                label_w - 8, top + lane_h / 2 + 4);
        if (strlen(label) > 34)
            html_escf(out, "%.31s...", label);
        else
            html_esc(out, label);
        fputs("<title>", out);
        html_escf(out, "%s: %zu bar%s", label, count, count == 1 ? "" : "s");
        fputs("</title></text>\n", out);
        double bar_top = top + 3, bar_h = by_kind ? lane_h - 6 : lane_h - 13;
        if (count > HTML_GANTT_LANE_BARS) {
            lane_groups(out, r, &x, bars, n, l, bar_top, by_kind ? lane_h - 6 : 6, by_kind);
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            if (bars[i].lane != l)
                continue;
            if (bars[i].job)
                bar_job(out, &x, &bars[i], bar_top, bar_h);
            else if (by_kind)
                bar_failover(out, r, &x, &bars[i], bar_top, lane_h - 6);
            else
                bar_failover(out, r, &x, &bars[i], top + lane_h - 9, 6);
        }
    }
    if (n == 0)
        fprintf(out,
                "<text class=\"empty\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no jobs</text>",
                CH_W / 2, CH_TOP + 16);
    html_chart_end(out);
    free(sorted);
    free(bars);
    free(lanes);
}
