/* reports/html_chart_rpo.c — one VM's RPO over time as an SVG chart: the exact sawtooth from its
 * breakpoints (or, past HTML_MAX_POINTS vertices, the min/max envelope of HTML_BUCKETS time
 * buckets, so every peak survives), the spans where RPO is undefined shaded, the peak marked and
 * the targets the scenario's expectations set drawn as lines. Also the run's time span and a VM's
 * RPO peak, which the page and the fleet chart use. */
#include "format.h"
#include "html_internal.h"
#include "engine/shared/alloc.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTML_MAX_TARGETS 4

/* The inverse of report_format_duration ("15m00s", "1d00h00m", "4.5s", "250ms"), for the
 * thresholds expectation results name. Stops at a space. */
static bool parse_duration(const char *s, int64_t *out)
{
    double total = 0;
    bool any = false;
    while (*s && *s != ' ') {
        char *end;
        double v = strtod(s, &end);
        if (end == s || v < 0)
            return false;
        s = end;
        if (strncmp(s, "ms", 2) == 0) {
            total += v * 1e6;
            s += 2;
            any = true;
            continue;
        }
        switch (*s) {
        case 'd':
            total += v * 86400e9;
            break;
        case 'h':
            total += v * 3600e9;
            break;
        case 'm':
            total += v * 60e9;
            break;
        case 's':
            total += v * 1e9;
            break;
        default:
            return false;
        }
        s++;
        any = true;
    }
    if (any)
        *out = llround(total);
    return any;
}

/* ---- RPO
 * ----------------------------------------------------------------------------------------- */

/* One linear piece of RPO(t) = t - c over [a, b), clipped to the run; false when RPO is undefined
 * there or the piece is empty. */
bool html_rpo_piece(const report_rpo_point *pts, size_t n, size_t i, int64_t end, int64_t *a,
                    int64_t *b, int64_t *c)
{
    *a = pts[i].at_ns;
    *b = i + 1 < n ? pts[i + 1].at_ns : end;
    *c = pts[i].captured_ns;
    if (*b > end)
        *b = end;
    return *c >= 0 && *b > *a && *a >= 0;
}

/* The RPO sawtooth of one VM as an SVG path: exact (two vertices per piece) when it fits, else the
 * envelope of HTML_BUCKETS buckets. Returns the number of vertices written. */
static size_t rpo_path(FILE *out, const report_rpo_point *pts, size_t n, int64_t end,
                       const html_scale *x, const html_scale *y)
{
    size_t pieces = 0;
    int64_t a, b, c;
    for (size_t i = 0; i < n; i++)
        pieces += html_rpo_piece(pts, n, i, end, &a, &b, &c);
    html_pen p = {out, x, y, false, 0};
    fputs("<path class=\"rpo\" d=\"", out);
    if (2 * pieces <= HTML_MAX_POINTS) {
        int64_t prev_end = -1;
        for (size_t i = 0; i < n; i++) {
            if (!html_rpo_piece(pts, n, i, end, &a, &b, &c)) {
                p.down = false;
                continue;
            }
            if (a != prev_end)
                p.down = false;
            html_pen_to(&p, (double)a, (double)(a - c)); /* after the drop */
            html_pen_to(&p, (double)b, (double)(b - c)); /* the peak just before the next point */
            prev_end = b;
        }
    } else {
        html_bucket *bk = drs_xcalloc(HTML_BUCKETS, sizeof *bk);
        /* Buckets are filled in time order. Where RPO was undefined between two pieces (a
         * gap, however short), the buckets filled so far are written and the pen lifted, so
         * that no line crosses the gap even when it lies inside one bucket. */
        double t0 = x->v0, w = (x->v1 - x->v0) / HTML_BUCKETS;
        size_t k_lo = 0, k_hi = 0; /* buckets [k_lo, k_hi] hold what is not written yet */
        bool any = false;
        int64_t prev_end = -1;
        for (size_t i = 0; i < n; i++) {
            if (!html_rpo_piece(pts, n, i, end, &a, &b, &c))
                continue;
            size_t k0 = (size_t)fmax(0, floor(((double)a - t0) / w));
            if (k0 >= HTML_BUCKETS)
                k0 = HTML_BUCKETS - 1;
            if (any && a != prev_end) {
                for (size_t k = k_lo; k <= k_hi; k++) {
                    if (!bk[k].any)
                        p.down = false;
                    else
                        html_pen_bucket(&p, &bk[k]);
                    bk[k] = (html_bucket){0};
                }
                p.down = false;
                k_lo = k0;
            }
            for (size_t k = k0; k < HTML_BUCKETS; k++) {
                double s = fmax((double)a, t0 + (double)k * w);
                double e =
                    k + 1 == HTML_BUCKETS ? (double)b : fmin((double)b, t0 + (double)(k + 1) * w);
                if (e < s)
                    break;
                html_bucket_put(&bk[k], s, s - (double)c);
                html_bucket_put(&bk[k], e, e - (double)c);
                k_hi = k > k_hi ? k : k_hi;
                if (e >= (double)b)
                    break;
            }
            any = true;
            prev_end = b;
        }
        for (size_t k = k_lo; any && k < HTML_BUCKETS; k++) {
            if (!bk[k].any)
                p.down = false;
            else
                html_pen_bucket(&p, &bk[k]);
        }
        free(bk);
    }
    fputs("\"/>\n", out);
    return p.points;
}

/* A target RPO an expectation set for a VM: the upper bound of rpo.max/mean/pNN, or the threshold
 * of rpo.time_above (which the result names: "rpo.time_above above 15m00s vm=..."). */
typedef struct rpo_target {
    int64_t ns;
    char label[96];
    bool pass;
} rpo_target;

static size_t rpo_targets(const report_results *r, size_t vm, rpo_target *t, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < report_results_expect_count(r) && n < cap; i++) {
        const report_expect_result *e = report_results_expect(r, i);
        if (e->kind != DRS_EXPECT_METRIC || e->scope != DRS_SCOPE_VM || e->subject != (int)vm ||
            strncmp(e->name, "rpo.", 4) != 0)
            continue;
        int64_t ns;
        if (strncmp(e->name, "rpo.time_above above ", 21) == 0) {
            if (!parse_duration(e->name + 21, &ns))
                continue;
        } else if (e->unit == DRS_UNIT_DURATION && e->has_max && e->max >= 0) {
            ns = llround(e->max);
        } else {
            continue;
        }
        bool dup = false;
        for (size_t k = 0; k < n; k++)
            dup |= t[k].ns == ns;
        if (dup)
            continue;
        t[n].ns = ns;
        t[n].pass = e->pass;
        const char *sp = strchr(e->name, ' ');
        size_t mlen = sp ? (size_t)(sp - e->name) : strlen(e->name);
        char d[32];
        snprintf(t[n].label, sizeof t[n].label, "%.*s target %s", (int)mlen, e->name,
                 html_tick_time(ns, d, sizeof d));
        n++;
    }
    return n;
}

/* The run's time span: the end when finished, else the last thing recorded. */
int64_t html_run_end(const report_results *r)
{
    int64_t end = report_results_end_ns(r);
    if (end > 0)
        return end;
    end = NS_S;
    for (size_t v = 0; v < report_results_vm_count(r); v++) {
        size_t n;
        const report_rpo_point *p = report_results_rpo_points(r, v, &n);
        if (n && p[n - 1].at_ns > end)
            end = p[n - 1].at_ns;
    }
    for (size_t l = 0; l < report_results_link_count(r); l++) {
        size_t n;
        const report_link_sample *s = report_results_link_samples(r, l, &n);
        if (n && s[n - 1].at_ns > end)
            end = s[n - 1].at_ns;
    }
    for (size_t j = 0; j < report_results_job_count(r); j++) {
        const report_job *jb = report_results_job(r, j);
        int64_t t = jb->ended_ns > jb->started_ns ? jb->ended_ns : jb->started_ns;
        if (t > end)
            end = t;
    }
    return end;
}

/* The largest RPO of a VM and where it was reached (just before a point was applied, or at the
 * end); -1 when RPO was never defined. */
int64_t html_rpo_peak(const report_rpo_point *pts, size_t n, int64_t end, int64_t *at)
{
    int64_t best = -1, a, b, c;
    for (size_t i = 0; i < n; i++)
        if (html_rpo_piece(pts, n, i, end, &a, &b, &c) && b - c > best) {
            best = b - c;
            *at = b;
        }
    return best;
}

void html_chart_rpo(FILE *out, const report_results *r, size_t vm, int64_t end)
{
    const report_vm_stats *v = report_results_vm(r, vm);
    size_t n;
    const report_rpo_point *pts = report_results_rpo_points(r, vm, &n);
    rpo_target tg[HTML_MAX_TARGETS];
    size_t ntg = rpo_targets(r, vm, tg, HTML_MAX_TARGETS);
    int64_t peak_at = 0, peak = html_rpo_peak(pts, n, end, &peak_at);
    double vmax = (double)(peak > 0 ? peak : 0);
    for (size_t k = 0; k < ntg; k++)
        vmax = fmax(vmax, (double)tg[k].ns);
    const double height = 230, bottom = height - CH_BOTTOM;
    html_scale x = {0, (double)end, CH_LEFT, CH_LEFT + CH_PLOT_W};
    html_scale y = {0, html_axis_value_top(vmax * 1.08, true), bottom, CH_TOP};
    char id[48], title[300];
    snprintf(id, sizeof id, "chart-rpo-%zu", vm);
    /* Cut so the title leaves room for the statistics on its right. */
    snprintf(title, sizeof title, "RPO of %.60s%s", v->name, strlen(v->name) > 60 ? "..." : "");
    html_chart_begin(out, id, height, title);

    report_rpo_stats st;
    report_results_rpo(r, vm, 0, 0, &st);
    if (st.defined) {
        char a[24], b[24], c[24], d[24];
        fprintf(out, "<text class=\"sub\" x=\"%.1f\" y=\"20\" text-anchor=\"end\">",
                CH_W - CH_RIGHT);
        html_escf(out, "max %s \u00b7 p99 %s \u00b7 p95 %s \u00b7 mean %s",
                  report_format_duration(st.max_ns, a, sizeof a),
                  report_format_duration((int64_t)st.p99_ns, b, sizeof b),
                  report_format_duration((int64_t)st.p95_ns, c, sizeof c),
                  report_format_duration((int64_t)llround(st.mean_ns), d, sizeof d));
        fputs("</text>\n", out);
    }
    html_axis_value(out, &y, true, CH_LEFT, CH_LEFT + CH_PLOT_W);
    html_axis_time(out, &x, CH_TOP, bottom);
    if (peak < 0) {
        fprintf(out, "<text class=\"empty\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                CH_W / 2, (CH_TOP + bottom) / 2);
        html_esc(out, "no recovery point was applied: RPO undefined");
        fputs("</text>\n", out);
    } else {
        /* Where RPO is undefined (before the first point, after protection ends), shade the plot.
         */
        int64_t a = 0, b = 0, c = 0, from = 0;
        for (size_t i = 0; i <= n; i++) {
            bool def = i < n && html_rpo_piece(pts, n, i, end, &a, &b, &c);
            int64_t at = i < n ? pts[i].at_ns : end;
            if (def || i == n) {
                if (at > from)
                    fprintf(out,
                            "<rect class=\"undef\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                            "height=\"%.1f\"><title>RPO undefined</title></rect>\n",
                            html_sc_map(&x, (double)from), CH_TOP,
                            html_sc_map(&x, (double)at) - html_sc_map(&x, (double)from),
                            bottom - CH_TOP);
                if (i < n)
                    from = b;
            }
        }
        rpo_path(out, pts, n, end, &x, &y);
        int64_t lost = report_results_unprotected_from(r, vm);
        if (lost >= 0) {
            char t[32];
            fprintf(out, "<text class=\"empty\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">",
                    html_sc_map(&x, (double)lost) + (lost > end / 2 ? -4 : 4), CH_TOP + 14,
                    lost > end / 2 ? "end" : "start");
            html_escf(out, "not protected from %s", html_dur(lost, t, sizeof t));
            fputs("</text>\n", out);
        }
        char d[32];
        double px = html_sc_map(&x, (double)peak_at), py = html_sc_map(&y, (double)peak);
        fprintf(out,
                "<circle class=\"peak\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"><title>max RPO %s at "
                "%s</title></circle>",
                px, py, report_format_duration(peak, d, sizeof d),
                html_tick_time(peak_at, (char[32]){0}, 32));
        fprintf(
            out,
            "<text class=\"peaklabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">max %s</text>\n",
            px + (px > CH_W - 150 ? -7 : 7), py - 5, px > CH_W - 150 ? "end" : "start", d);
    }
    double lx = html_legend(out, CH_LEFT, CH_LEGEND_Y, html_palette[0], false, false, "RPO");
    for (size_t k = 0; k < ntg; k++) {
        double py = html_sc_map(&y, (double)tg[k].ns);
        const char *col = tg[k].pass ? "#16a34a" : "#dc2626";
        fprintf(out,
                "<line class=\"target\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"%s\"/>",
                CH_LEFT, py, CH_LEFT + CH_PLOT_W, py, col);
        fprintf(
            out,
            "<text class=\"tlabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" style=\"fill:%s\">",
            CH_LEFT + CH_PLOT_W - 4, py - 4, col);
        html_esc(out, tg[k].label);
        fputs("</text>\n", out);
        if (k == 0)
            lx = html_legend(out, lx, CH_LEGEND_Y, col, true, false, "target");
    }
    html_chart_end(out);
}
