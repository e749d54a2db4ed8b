/* reports/html_chart.c — the SVG charts of the HTML report, drawn here as text: RPO over time per
 * VM, throughput per link, recovery points per VM on a time line, and failovers and jobs as a Gantt
 * chart. Each has a title, a legend, time labels and tooltips (SVG <title>), and needs no script.
 *
 * Long runs stay readable and small: a series with more than HTML_MAX_POINTS vertices is reduced to
 * the minimum and the maximum of each of HTML_MAX_POINTS / 2 time buckets, so every peak survives
 * (an RPO maximum is what a reader looks for) while the file grows with the chart width, not with
 * the run length. */
#include "format.h"
#include "html_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTML_MAX_POINTS 2000 /* vertices of one series */
#define HTML_BUCKETS (HTML_MAX_POINTS / 2)
#define HTML_MAX_LANES 40
#define HTML_MAX_GANTT_ROWS 60
#define HTML_MAX_TARGETS 4

/* Chart geometry, in SVG user units (the viewBox scales to the page width). */
#define CH_W 1100.0
#define CH_LEFT 84.0
#define CH_RIGHT 24.0
#define CH_TOP 54.0
#define CH_LEGEND_Y 40.0 /* the legend row, under the title */
#define CH_BOTTOM 30.0
#define CH_PLOT_W (CH_W - CH_LEFT - CH_RIGHT)

static const char *const palette[] = {"#2563eb", "#ea580c", "#059669", "#9333ea",
                                      "#d97706", "#0891b2", "#db2777", "#4b5563"};

/* ---- text
 * ---------------------------------------------------------------------------------------- */

/* A rate in bits per second for axis ticks: "0", "50 Mbps", "1.5 Gbps". */
static char *tick_rate(double Bps, char *buf, size_t n)
{
    static const char *unit[] = {"bps", "Kbps", "Mbps", "Gbps", "Tbps"};
    double bits = Bps * 8.0;
    int u = 0;
    while (fabs(bits) >= 1000.0 && u < 4) {
        bits /= 1000.0;
        u++;
    }
    if (bits == 0)
        snprintf(buf, n, "0");
    else
        snprintf(buf, n, "%.3g %s", bits, unit[u]);
    return buf;
}

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

/* ---- axes
 * ---------------------------------------------------------------------------------------- */

/* Maps values [v0, v1] onto user units [p0, p1]. */
typedef struct scale {
    double v0, v1, p0, p1;
} scale;

static double sc_map(const scale *s, double v)
{
    if (s->v1 == s->v0)
        return s->p0;
    return s->p0 + (v - s->v0) * (s->p1 - s->p0) / (s->v1 - s->v0);
}

/* The smallest "nice" duration step that cuts span into at most max_ticks steps. */
static int64_t nice_time_step(int64_t span, int max_ticks)
{
    static const int64_t steps[] = {
        1000000,    2000000,     5000000,     10000000,    20000000,     50000000,    100000000,
        200000000,  500000000,   NS_S,        2 * NS_S,    5 * NS_S,     10 * NS_S,   15 * NS_S,
        30 * NS_S,  NS_MIN,      2 * NS_MIN,  5 * NS_MIN,  10 * NS_MIN,  15 * NS_MIN, 30 * NS_MIN,
        NS_HOUR,    2 * NS_HOUR, 3 * NS_HOUR, 6 * NS_HOUR, 12 * NS_HOUR, NS_DAY,      2 * NS_DAY,
        7 * NS_DAY, 14 * NS_DAY, 28 * NS_DAY};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (span / steps[i] <= max_ticks)
            return steps[i];
    int64_t step = 28 * NS_DAY;
    while (span / step > max_ticks)
        step *= 2;
    return step;
}

/* 1, 2 or 5 times a power of ten, cutting span into at most max_ticks steps. */
static double nice_step(double span, int max_ticks)
{
    if (span <= 0)
        return 1;
    double raw = span / max_ticks, mag = pow(10, floor(log10(raw)));
    double m = raw / mag;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * mag;
}

/* The time axis under a plot from y_top to y_bottom: grid lines and labels. */
static void axis_time(FILE *out, const scale *x, double y_top, double y_bottom)
{
    int64_t t0 = (int64_t)x->v0, t1 = (int64_t)x->v1;
    int64_t step = nice_time_step(t1 - t0, 9);
    int64_t first = (t0 + step - 1) / step * step;
    fputs("<g class=\"axis\">", out);
    for (int64_t t = first; t <= t1; t += step) {
        char b[32];
        double px = sc_map(x, (double)t);
        fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", px,
                y_top, px, y_bottom);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>", px,
                y_bottom + 16, html_tick_time(t, b, sizeof b));
    }
    fprintf(out, "<line class=\"base\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n",
            x->p0, y_bottom, x->p1, y_bottom);
}

/* A value axis on the left; durations (ns) or rates (bytes/s). Returns the axis top (a multiple of
 * the step at or above vmax) through *top. */
static double axis_value_top(double vmax, bool is_time)
{
    if (vmax <= 0)
        vmax = is_time ? (double)NS_MIN : 1e6 / 8;
    double step = is_time ? (double)nice_time_step((int64_t)ceil(vmax), 5) : nice_step(vmax, 5);
    return ceil(vmax / step) * step;
}

static void axis_value(FILE *out, const scale *y, bool is_time, double x_left, double x_right)
{
    double step = is_time ? (double)nice_time_step((int64_t)y->v1, 5) : nice_step(y->v1, 5);
    fputs("<g class=\"axis\">", out);
    for (double v = 0; v <= y->v1 * (1 + 1e-9); v += step) {
        char b[32];
        double py = sc_map(y, v);
        fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                x_left, py, x_right, py);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>", x_left - 6,
                py + 4,
                is_time ? html_tick_time((int64_t)v, b, sizeof b) : tick_rate(v, b, sizeof b));
    }
    fputs("</g>\n", out);
}

/* Opens a chart: a figure with an SVG of the page width and its title. */
static void chart_begin(FILE *out, const char *id, double height, const char *title)
{
    fprintf(out,
            "<figure class=\"chart\"><svg id=\"%s\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
            "height=\"%.0f\" role=\"img\" aria-label=\"",
            id, CH_W, height, CH_W, height);
    html_esc(out, title);
    fputs("\">\n", out);
    fprintf(out, "<text class=\"title\" x=\"%.1f\" y=\"20\">", CH_LEFT);
    html_esc(out, title);
    fputs("</text>\n", out);
}

static void chart_end(FILE *out)
{
    fputs("</svg></figure>\n", out);
}

/* A legend entry at (x, y): a swatch (line or box) and a label; returns the x after it. */
static double legend(FILE *out, double x, double y, const char *color, bool dashed, bool box,
                     const char *label)
{
    if (box)
        fprintf(out,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"10\" fill=\"%s\" "
                "fill-opacity=\"0.35\" stroke=\"%s\"/>",
                x, y - 8, color, color);
    else
        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-width=\"2\"%s/>",
                x, y - 3, x + 16, y - 3, color, dashed ? " stroke-dasharray=\"5 3\"" : "");
    fprintf(out, "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\">", x + 20, y);
    html_esc(out, label);
    fputs("</text>", out);
    return x + 20 + 6.5 * (double)strlen(label) + 18;
}

/* ---- series reduction
 * ---------------------------------------------------------------------------- */

/* Min and max of a series in each time bucket, with where they were reached. */
typedef struct bucket {
    bool any;
    double tmin, vmin, tmax, vmax;
} bucket;

static void bucket_put(bucket *b, double t, double v)
{
    if (!b->any) {
        *b = (bucket){true, t, v, t, v};
        return;
    }
    if (v < b->vmin) {
        b->vmin = v;
        b->tmin = t;
    }
    if (v > b->vmax) {
        b->vmax = v;
        b->tmax = t;
    }
}

/* Path vertices, written as "M x y" (a new run) or "L x y". */
typedef struct pen {
    FILE *out;
    const scale *x, *y;
    bool down;
    size_t points;
} pen;

static void pen_to(pen *p, double t, double v)
{
    fprintf(p->out, "%c%.1f %.1f", p->down ? 'L' : 'M', sc_map(p->x, t), sc_map(p->y, v));
    p->down = true;
    p->points++;
}

/* Writes a bucket's two vertices in time order. */
static void pen_bucket(pen *p, const bucket *b)
{
    if (b->tmin <= b->tmax) {
        pen_to(p, b->tmin, b->vmin);
        if (b->tmax != b->tmin || b->vmax != b->vmin)
            pen_to(p, b->tmax, b->vmax);
    } else {
        pen_to(p, b->tmax, b->vmax);
        pen_to(p, b->tmin, b->vmin);
    }
}

/* ---- RPO
 * ----------------------------------------------------------------------------------------- */

/* One linear piece of RPO(t) = t - c over [a, b), clipped to the run; false when RPO is undefined
 * there or the piece is empty. */
static bool rpo_piece(const report_rpo_point *pts, size_t n, size_t i, int64_t end, int64_t *a,
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
                       const scale *x, const scale *y)
{
    size_t pieces = 0;
    int64_t a, b, c;
    for (size_t i = 0; i < n; i++)
        pieces += rpo_piece(pts, n, i, end, &a, &b, &c);
    pen p = {out, x, y, false, 0};
    fputs("<path class=\"rpo\" d=\"", out);
    if (2 * pieces <= HTML_MAX_POINTS) {
        int64_t prev_end = -1;
        for (size_t i = 0; i < n; i++) {
            if (!rpo_piece(pts, n, i, end, &a, &b, &c)) {
                p.down = false;
                continue;
            }
            if (a != prev_end)
                p.down = false;
            pen_to(&p, (double)a, (double)(a - c)); /* after the drop */
            pen_to(&p, (double)b, (double)(b - c)); /* the peak just before the next point */
            prev_end = b;
        }
    } else {
        bucket *bk = calloc(HTML_BUCKETS, sizeof *bk);
        if (bk) {
            /* Buckets are filled in time order. Where RPO was undefined between two pieces (a
             * gap, however short), the buckets filled so far are written and the pen lifted, so
             * that no line crosses the gap even when it lies inside one bucket. */
            double t0 = x->v0, w = (x->v1 - x->v0) / HTML_BUCKETS;
            size_t k_lo = 0, k_hi = 0; /* buckets [k_lo, k_hi] hold what is not written yet */
            bool any = false;
            int64_t prev_end = -1;
            for (size_t i = 0; i < n; i++) {
                if (!rpo_piece(pts, n, i, end, &a, &b, &c))
                    continue;
                size_t k0 = (size_t)fmax(0, floor(((double)a - t0) / w));
                if (k0 >= HTML_BUCKETS)
                    k0 = HTML_BUCKETS - 1;
                if (any && a != prev_end) {
                    for (size_t k = k_lo; k <= k_hi; k++) {
                        if (!bk[k].any)
                            p.down = false;
                        else
                            pen_bucket(&p, &bk[k]);
                        bk[k] = (bucket){0};
                    }
                    p.down = false;
                    k_lo = k0;
                }
                for (size_t k = k0; k < HTML_BUCKETS; k++) {
                    double s = fmax((double)a, t0 + (double)k * w);
                    double e = k + 1 == HTML_BUCKETS ? (double)b
                                                     : fmin((double)b, t0 + (double)(k + 1) * w);
                    if (e < s)
                        break;
                    bucket_put(&bk[k], s, s - (double)c);
                    bucket_put(&bk[k], e, e - (double)c);
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
                    pen_bucket(&p, &bk[k]);
            }
            free(bk);
        }
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
        if (rpo_piece(pts, n, i, end, &a, &b, &c) && b - c > best) {
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
    scale x = {0, (double)end, CH_LEFT, CH_LEFT + CH_PLOT_W};
    scale y = {0, axis_value_top(vmax * 1.08, true), bottom, CH_TOP};
    char id[48], title[300];
    snprintf(id, sizeof id, "chart-rpo-%zu", vm);
    /* Cut so the title leaves room for the statistics on its right. */
    snprintf(title, sizeof title, "RPO of %.60s%s", v->name, strlen(v->name) > 60 ? "..." : "");
    chart_begin(out, id, height, title);

    report_rpo_stats st;
    if (report_results_rpo(r, vm, 0, 0, &st) && st.defined) {
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
    axis_value(out, &y, true, CH_LEFT, CH_LEFT + CH_PLOT_W);
    axis_time(out, &x, CH_TOP, bottom);
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
            bool def = i < n && rpo_piece(pts, n, i, end, &a, &b, &c);
            int64_t at = i < n ? pts[i].at_ns : end;
            if (def || i == n) {
                if (at > from)
                    fprintf(out,
                            "<rect class=\"undef\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                            "height=\"%.1f\"><title>RPO undefined</title></rect>\n",
                            sc_map(&x, (double)from), CH_TOP,
                            sc_map(&x, (double)at) - sc_map(&x, (double)from), bottom - CH_TOP);
                if (i < n)
                    from = b;
            }
        }
        rpo_path(out, pts, n, end, &x, &y);
        int64_t lost = report_results_unprotected_from(r, vm);
        if (lost >= 0) {
            char t[32];
            fprintf(out, "<text class=\"empty\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">",
                    sc_map(&x, (double)lost) + (lost > end / 2 ? -4 : 4), CH_TOP + 14,
                    lost > end / 2 ? "end" : "start");
            html_escf(out, "not protected from %s", html_dur(lost, t, sizeof t));
            fputs("</text>\n", out);
        }
        char d[32];
        double px = sc_map(&x, (double)peak_at), py = sc_map(&y, (double)peak);
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
    double lx = legend(out, CH_LEFT, CH_LEGEND_Y, palette[0], false, false, "RPO");
    for (size_t k = 0; k < ntg; k++) {
        double py = sc_map(&y, (double)tg[k].ns);
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
            lx = legend(out, lx, CH_LEGEND_Y, col, true, false, "target");
    }
    chart_end(out);
}

/* ---- links ----------------------------------------------------------------------------------- */

static double sample_Bps(const report_link_sample *s, bool raw)
{
    return (raw ? s->raw_bytes : s->wire_bytes) / ((double)s->interval_ns / 1e9);
}

/* One throughput series (raw or wire) as a path: every sample, or the envelope of the buckets.
 * The wire series is closed down to the axis and filled; the raw one is a line over it. */
static void throughput_path(FILE *out, const scale *x, const scale *y, const report_link_sample *s,
                            size_t n, bool raw)
{
    pen p = {out, x, y, false, 0};
    fprintf(out, "<path class=\"%s\" d=\"", raw ? "raw" : "wire");
    if (!raw)
        pen_to(&p, (double)(s[0].at_ns - s[0].interval_ns), 0);
    if (n <= HTML_MAX_POINTS) {
        for (size_t i = 0; i < n; i++)
            pen_to(&p, (double)s[i].at_ns, sample_Bps(&s[i], raw));
    } else {
        bucket *bk = calloc(HTML_BUCKETS, sizeof *bk);
        if (bk) {
            double w = (x->v1 - x->v0) / HTML_BUCKETS;
            for (size_t i = 0; i < n; i++) {
                double k = floor(((double)s[i].at_ns - x->v0) / w);
                size_t kk = k < 0 ? 0 : k >= HTML_BUCKETS ? HTML_BUCKETS - 1 : (size_t)k;
                bucket_put(&bk[kk], (double)s[i].at_ns, sample_Bps(&s[i], raw));
            }
            for (size_t k = 0; k < HTML_BUCKETS; k++)
                if (bk[k].any)
                    pen_bucket(&p, &bk[k]);
            free(bk);
        }
    }
    if (!raw) {
        pen_to(&p, (double)s[n - 1].at_ns, 0);
        fputs("Z", out);
    }
    fputs("\"/>\n", out);
}

void html_chart_link(FILE *out, const report_results *r, size_t link, int64_t end)
{
    const report_link_stats *l = report_results_link(r, link);
    size_t n;
    const report_link_sample *s = report_results_link_samples(r, link, &n);
    double vmax = 0;
    for (size_t i = 0; i < n; i++)
        vmax = fmax(
            vmax, fmax(fmax(sample_Bps(&s[i], false), sample_Bps(&s[i], true)), s[i].capacity_Bps));
    const double height = 230, bottom = height - CH_BOTTOM;
    scale x = {0, (double)end, CH_LEFT, CH_LEFT + CH_PLOT_W};
    scale y = {0, axis_value_top(vmax * 1.05, false), bottom, CH_TOP};
    char id[48], title[300];
    snprintf(id, sizeof id, "chart-link-%zu", link);
    snprintf(title, sizeof title, "Throughput on link %.52s%s", l->name,
             strlen(l->name) > 52 ? "..." : "");
    chart_begin(out, id, height, title);
    char a[24], b[24], c[24], d[24];
    fprintf(out, "<text class=\"sub\" x=\"%.1f\" y=\"20\" text-anchor=\"end\">", CH_W - CH_RIGHT);
    if (l->util.defined)
        html_escf(out, "peak %s \u00b7 p95 %s \u00b7 raw %s \u00b7 wire %s",
                  report_format_rate_bps(l->util.peak_Bps, a, sizeof a),
                  report_format_rate_bps(l->util.p95_Bps, b, sizeof b),
                  report_format_bytes((double)l->raw_bytes, c, sizeof c),
                  report_format_bytes((double)l->wire_bytes, d, sizeof d));
    fputs("</text>\n", out);
    axis_value(out, &y, false, CH_LEFT, CH_LEFT + CH_PLOT_W);
    axis_time(out, &x, CH_TOP, bottom);
    if (n == 0) {
        fprintf(
            out,
            "<text class=\"empty\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no samples</text>",
            CH_W / 2, (CH_TOP + bottom) / 2);
        chart_end(out);
        return;
    }
    /* Outages: the link's capacity was 0 over a sample's interval. */
    size_t outages = 0;
    for (size_t i = 0; i < n && outages < HTML_MAX_POINTS; i++) {
        if (s[i].capacity_Bps > 0)
            continue;
        size_t j = i;
        while (j + 1 < n && s[j + 1].capacity_Bps <= 0)
            j++;
        double x0 = sc_map(&x, (double)(s[i].at_ns - s[i].interval_ns)),
               x1 = sc_map(&x, (double)s[j].at_ns);
        fprintf(out,
                "<rect class=\"down\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>"
                "link down %s to %s</title></rect>\n",
                x0, CH_TOP, fmax(x1 - x0, 1.0), bottom - CH_TOP,
                html_tick_time(s[i].at_ns - s[i].interval_ns, a, sizeof a),
                html_tick_time(s[j].at_ns, b, sizeof b));
        outages++;
        i = j;
    }
    /* Capacity: a step line, one vertex pair per change. */
    pen p = {out, &x, &y, false, 0};
    fputs("<path class=\"capacity\" d=\"", out);
    for (size_t i = 0; i < n && p.points < HTML_MAX_POINTS; i++) {
        if (i == 0 || s[i].capacity_Bps != s[i - 1].capacity_Bps) {
            pen_to(&p, (double)(s[i].at_ns - s[i].interval_ns), s[i].capacity_Bps);
        }
        if (i + 1 == n || s[i + 1].capacity_Bps != s[i].capacity_Bps)
            pen_to(&p, (double)s[i].at_ns, s[i].capacity_Bps);
    }
    fputs("\"/>\n", out);
    /* Throughput: wire filled, raw (before compression) as a line over it. */
    throughput_path(out, &x, &y, s, n, false);
    throughput_path(out, &x, &y, s, n, true);
    if (l->util.defined) {
        double py = sc_map(&y, l->util.p95_Bps);
        fprintf(out,
                "<line class=\"p95\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"tlabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">p95 %s</text>\n",
                CH_LEFT, py, CH_LEFT + CH_PLOT_W, py, CH_LEFT + CH_PLOT_W - 4, py - 4,
                report_format_rate_bps(l->util.p95_Bps, a, sizeof a));
    }
    double lx = legend(out, CH_LEFT, CH_LEGEND_Y, palette[0], false, true, "wire throughput");
    lx = legend(out, lx, CH_LEGEND_Y, palette[1], false, false, "raw (before compression)");
    lx = legend(out, lx, CH_LEGEND_Y, "#111827", true, false, "capacity");
    lx = legend(out, lx, CH_LEGEND_Y, "#9333ea", true, false, "p95");
    if (outages)
        legend(out, lx, CH_LEGEND_Y, "#dc2626", false, true, "link down");
    chart_end(out);
}

/* ---- recovery points on a time line
 * -------------------------------------------------------------- */

/* One lane per VM: initial replication as a bar, each applied point as a tick (at most one per
 * user unit of width), and the first time health turned warning or critical. */
void html_chart_points(FILE *out, const report_results *r, int64_t end)
{
    size_t nvm = report_results_vm_count(r);
    size_t lanes = nvm < HTML_MAX_LANES ? nvm : HTML_MAX_LANES;
    const double lane_h = 26, label_w = 150;
    double height = CH_TOP + (double)(lanes ? lanes : 1) * lane_h + CH_BOTTOM;
    double bottom = height - CH_BOTTOM;
    scale x = {0, (double)end, label_w, CH_W - CH_RIGHT};
    chart_begin(out, "chart-rp-svg", height, "Recovery points applied at the replica");
    double lx = legend(out, CH_LEFT, CH_LEGEND_Y, "#94a3b8", false, true, "initial replication");
    lx = legend(out, lx, CH_LEGEND_Y, palette[0], false, false, "point applied");
    lx = legend(out, lx, CH_LEGEND_Y, "#d97706", false, true, "health warning");
    legend(out, lx, CH_LEGEND_Y, "#dc2626", false, true, "health critical");
    axis_time(out, &x, CH_TOP, bottom);
    for (size_t v = 0; v < lanes; v++) {
        const report_vm_stats *vs = report_results_vm(r, v);
        double top = CH_TOP + (double)v * lane_h, mid = top + lane_h / 2;
        if (v % 2)
            fprintf(out,
                    "<rect class=\"lane\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                    x.p0, top, x.p1 - x.p0, lane_h);
        char name[40];
        snprintf(name, sizeof name, "%.20s%s", vs->name, strlen(vs->name) > 20 ? "..." : "");
        fprintf(out, "<text class=\"lanelabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
                label_w - 8, mid + 4);
        html_esc(out, name);
        fputs("<title>", out);
        html_escf(out, "%s: %llu points applied, %llu pruned", vs->name,
                  (unsigned long long)vs->rp_applied, (unsigned long long)vs->rp_pruned);
        fputs("</title></text>\n", out);
        char a[24], b[24];
        if (vs->ir_start_ns >= 0 && vs->ir_end_ns >= vs->ir_start_ns) {
            double x0 = sc_map(&x, (double)vs->ir_start_ns), x1 = sc_map(&x, (double)vs->ir_end_ns);
            fprintf(out,
                    "<rect class=\"ir\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                    "rx=\"2\"><title>",
                    x0, top + 6, fmax(x1 - x0, 1.5), lane_h - 12);
            html_escf(out, "initial replication (%s) %s to %s, %s", vs->ir_method,
                      html_tick_time(vs->ir_start_ns, a, sizeof a),
                      html_tick_time(vs->ir_end_ns, b, sizeof b),
                      report_format_duration(vs->ir_end_ns - vs->ir_start_ns, (char[24]){0}, 24));
            fputs("</title></rect>\n", out);
        }
        size_t n;
        const report_rpo_point *pts = report_results_rpo_points(r, v, &n);
        fputs("<path class=\"tick\" d=\"", out);
        double last_px = -1;
        size_t shown = 0;
        for (size_t i = 0; i < n; i++) {
            if (pts[i].captured_ns < 0 || pts[i].at_ns > end)
                continue;
            double px = round(sc_map(&x, (double)pts[i].at_ns) * 2) / 2;
            if (px == last_px)
                continue; /* one tick per half unit: more would be the same ink */
            fprintf(out, "M%.1f %.1fv%.1f", px, top + 5, lane_h - 10);
            last_px = px;
            shown++;
        }
        fputs("\"/>\n", out);
        for (int h = ENGINE_HEALTH_WARNING; h <= ENGINE_HEALTH_CRITICAL; h++) {
            int64_t t = vs->health_first_ns[h];
            if (t < 0)
                continue;
            double px = sc_map(&x, (double)t);
            fprintf(out,
                    "<path class=\"%s\" d=\"M%.1f %.1fl5 -9h-10z\"><title>health %s from %s"
                    "</title></path>\n",
                    h == ENGINE_HEALTH_WARNING ? "warn" : "crit", px, mid + 4,
                    engine_health_name((engine_health)h), html_tick_time(t, a, sizeof a));
        }
        (void)shown;
    }
    if (nvm == 0)
        fprintf(out,
                "<text class=\"empty\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no VMs</text>",
                CH_W / 2, CH_TOP + 16);
    chart_end(out);
    if (nvm > lanes)
        fprintf(out, "<p class=\"note\">The first %zu of %zu VMs are shown.</p>\n", lanes, nvm);
}

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

/* Jobs about failing over (and back) are what a Gantt chart is for; protection jobs are many and
 * long, and are in the jobs table. */
static bool job_is_failover(const report_job *j)
{
    return report_job_is_failover(j->name);
}

/* A row of the Gantt chart: a job (job >= 0) or a failover record (failover >= 0). */
typedef struct gantt_row {
    const report_job *job;
    const report_failover *fo;
    int64_t start, end;
} gantt_row;

static int gantt_cmp(const void *pa, const void *pb)
{
    const gantt_row *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return (a->job ? 0 : 1) - (b->job ? 0 : 1);
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

void html_chart_gantt(FILE *out, const report_results *r, int64_t end)
{
    size_t nj = report_results_job_count(r), nf = report_results_failover_count(r);
    bool focus = nf > 0;
    for (size_t i = 0; i < nj && !focus; i++)
        focus = job_is_failover(report_results_job(r, i));
    gantt_row *rows = malloc((nj + nf + 1) * sizeof *rows);
    if (!rows)
        return;
    size_t n = 0;
    for (size_t i = 0; i < nf; i++) {
        const report_failover *f = report_results_failover(r, i);
        rows[n++] = (gantt_row){NULL, f, f->started_ns, f->ended_ns >= 0 ? f->ended_ns : end};
    }
    for (size_t i = 0; i < nj; i++) {
        const report_job *j = report_results_job(r, i);
        if (focus && !job_is_failover(j))
            continue;
        rows[n++] = (gantt_row){j, NULL, j->started_ns, j->ended_ns >= 0 ? j->ended_ns : end};
    }
    qsort(rows, n, sizeof *rows, gantt_cmp);
    size_t shown = n < HTML_MAX_GANTT_ROWS ? n : HTML_MAX_GANTT_ROWS;
    /* The axis spans the rows shown, with a margin, so short steps stay visible. */
    int64_t t0 = shown ? rows[0].start : 0, t1 = t0 + NS_S;
    for (size_t i = 0; i < shown; i++)
        if (rows[i].end > t1)
            t1 = rows[i].end;
    int64_t pad = (t1 - t0) / 40 + 1;
    t0 = t0 - pad < 0 ? 0 : t0 - pad;
    t1 += pad;
    const double row_h = 22, label_w = 290;
    double height = CH_TOP + (double)(shown ? shown : 1) * row_h + CH_BOTTOM;
    double bottom = height - CH_BOTTOM;
    scale x = {(double)t0, (double)t1, label_w, CH_W - CH_RIGHT};
    chart_begin(out, "chart-gantt-svg", height,
                focus ? "Failovers and recovery plans" : "Jobs over time");
    double lx = CH_LEFT;
    lx = legend(out, lx, CH_LEGEND_Y, html_state_color(ENGINE_JOB_SUCCEEDED), false, true,
                "succeeded");
    lx = legend(out, lx, CH_LEGEND_Y, html_state_color(ENGINE_JOB_FAILED), false, true, "failed");
    lx = legend(out, lx, CH_LEGEND_Y, html_state_color(ENGINE_JOB_IN_PROGRESS), false, true,
                "in progress");
    lx = legend(out, lx, CH_LEGEND_Y, html_state_color(ENGINE_JOB_CANCELLED), false, true,
                "cancelled");
    legend(out, lx, CH_LEGEND_Y, "#7c3aed", false, true, "failover (RTO)");
    axis_time(out, &x, CH_TOP, bottom);
    for (size_t i = 0; i < shown; i++) {
        const gantt_row *g = &rows[i];
        double top = CH_TOP + (double)i * row_h;
        double x0 = sc_map(&x, (double)g->start), x1 = sc_map(&x, (double)g->end);
        char label[200], a[24], b[24];
        if (i % 2)
            fprintf(out, "<rect class=\"lane\" x=\"0\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                    top, CH_W, row_h);
        if (g->job)
            snprintf(label, sizeof label, "%s: %s", g->job->name, g->job->subject);
        else {
            char who[120];
            html_failover_who(r, g->fo, who, sizeof who);
            snprintf(label, sizeof label, "%s: %s", engine_failover_kind_long(g->fo->kind), who);
        }
        fprintf(out, "<text class=\"lanelabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
                label_w - 8, top + 15);
        if (strlen(label) > 44) {
            html_escf(out, "%.41s...", label);
            fputs("<title>", out);
            html_esc(out, label);
            fputs("</title>", out);
        } else {
            html_esc(out, label);
        }
        fputs("</text>\n", out);
        const char *col =
            g->job ? html_state_color(g->job->state)
                   : (g->fo->succeeded ? "#7c3aed" : html_state_color(ENGINE_JOB_FAILED));
        fprintf(out,
                "<g class=\"bar\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                "rx=\"2\" fill=\"%s\"/>",
                x0, top + 4, fmax(x1 - x0, 2.0), row_h - 8, col);
        if (g->job) {
            const report_job *j = g->job;
            /* Step boundaries as thin separators; each step's span has its own tooltip. */
            for (size_t k = 0; k < j->step_count; k++) {
                int64_t s0 = j->steps[k].at_ns;
                int64_t s1 = k + 1 < j->step_count ? j->steps[k + 1].at_ns : g->end;
                double sx0 = sc_map(&x, (double)s0), sx1 = sc_map(&x, (double)s1);
                if (k > 0 && sx0 > x0 + 1)
                    fprintf(
                        out,
                        "<line class=\"step\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                        sx0, top + 4, sx0, top + row_h - 4);
                fprintf(out,
                        "<rect class=\"hit\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                        "height=\"%.1f\"><title>",
                        sx0, top + 4, fmax(sx1 - sx0, 2.0), row_h - 8);
                html_escf(out, "%s (%s)\nstep: %s [%s] at %s", j->name, j->subject,
                          j->steps[k].name, engine_job_state_name(j->steps[k].state),
                          html_tick_time(s0, a, sizeof a));
                fputs("</title></rect>", out);
            }
            fputs("<title>", out);
            html_escf(out, "%s (%s): %s, %s to %s%s%s", j->name, j->subject,
                      engine_job_state_name(j->state), html_tick_time(g->start, a, sizeof a),
                      j->ended_ns >= 0 ? html_tick_time(j->ended_ns, b, sizeof b) : "end of run",
                      j->reason[0] ? ": " : "", j->reason);
            fputs("</title>", out);
        } else {
            fputs("<title>", out);
            html_escf(out, "%s: RTO %s%s", label,
                      g->fo->ended_ns >= 0
                          ? report_format_duration(g->fo->ended_ns - g->fo->started_ns, a, sizeof a)
                          : "never finished",
                      g->fo->succeeded ? "" : " (failed)");
            fputs("</title>", out);
        }
        fputs("</g>\n", out);
    }
    if (shown == 0)
        fprintf(out,
                "<text class=\"empty\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no jobs</text>",
                CH_W / 2, CH_TOP + 16);
    chart_end(out);
    if (n > shown)
        fprintf(
            out,
            "<p class=\"note\">The first %zu of %zu are drawn; every job is in the table.</p>\n",
            shown, n);
    free(rows);
}

/* ---- capacity planning -------------------------------------------------------------------------
 */

static char *plan_tick(report_plan_unit u, double v, char *buf, size_t n)
{
    switch (u) {
    case REPORT_PLAN_RATE:
        return tick_rate(v, buf, n);
    case REPORT_PLAN_DURATION:
        return html_tick_time(llround(v), buf, n);
    case REPORT_PLAN_SIZE:
        return report_format_bytes(v, buf, n);
    case REPORT_PLAN_NUMBER:
        break;
    }
    snprintf(buf, n, "%g", v);
    return buf;
}

/* A wide positive range (bandwidth from 10 Mbps to 1 Gbps) reads best on a logarithmic axis. */
typedef struct plan_axis {
    bool log;
    scale s;
} plan_axis;

static double plan_x(const plan_axis *a, double v)
{
    return sc_map(&a->s, a->log ? log10(v) : v);
}

static int plan_run_cmp(const void *pa, const void *pb)
{
    const report_plan_run *a = *(const report_plan_run *const *)pa;
    const report_plan_run *b = *(const report_plan_run *const *)pb;
    return (a->x > b->x) - (a->x < b->x);
}

static void plan_x_axis(FILE *out, const plan_axis *a, double v0, double v1, report_plan_unit u,
                        double bottom)
{
    fputs("<g class=\"axis\">", out);
    double ticks[64];
    size_t nt = 0;
    /* Round numbers in the unit shown: rates in bits per second. */
    double k = u == REPORT_PLAN_RATE ? 8 : 1;
    v0 *= k;
    v1 *= k;
    if (a->log) {
        for (int d = (int)floor(log10(v0)); d <= (int)ceil(log10(v1)) && nt < 60; d++)
            for (int m = 1; m <= 5; m += m == 1 ? 1 : 3) {
                double v = m * pow(10, d);
                if (v >= v0 * (1 - 1e-9) && v <= v1 * (1 + 1e-9))
                    ticks[nt++] = v / k;
            }
    } else {
        double step = nice_step(v1 - v0, 8);
        for (double v = ceil(v0 / step) * step; v <= v1 * (1 + 1e-9) && nt < 60; v += step)
            ticks[nt++] = v / k;
    }
    for (size_t i = 0; i < nt; i++) {
        char b[32];
        double px = plan_x(a, ticks[i]);
        fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", px,
                CH_TOP, px, bottom);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", px, bottom + 16);
        html_esc(out, plan_tick(u, ticks[i], b, sizeof b));
        fputs("</text>", out);
    }
    fprintf(out, "<line class=\"base\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n",
            CH_LEFT, bottom, CH_LEFT + CH_PLOT_W, bottom);
}

void html_chart_plan(FILE *out, const report_plan_chart *c)
{
    static const char *const ok_color = "#16a34a", *const miss_color = "#dc2626";
    double x0 = INFINITY, x1 = -INFINITY, ymax = (double)c->target_ns;
    for (size_t i = 0; i < c->run_count; i++) {
        x0 = fmin(x0, c->runs[i].x);
        x1 = fmax(x1, c->runs[i].x);
        if (isfinite(c->runs[i].rpo_ns))
            ymax = fmax(ymax, c->runs[i].rpo_ns);
    }
    /* Runs far above the target would flatten the part that matters: they sit on the top edge. */
    double ycap = 4 * (double)c->target_ns;
    ymax = fmin(ymax, ycap);
    if (c->has_answer) {
        x0 = fmin(x0, c->answer_x);
        x1 = fmax(x1, c->answer_x);
    }
    if (!(x0 < x1)) { /* one value, or none */
        double v = isfinite(x0) ? x0 : 0;
        x0 = v > 0 ? v / 2 : v - 1;
        x1 = v > 0 ? v * 2 : v + 1;
    }
    plan_axis xa = {.log = x0 > 0 && x1 / x0 >= 10};
    double pad = (xa.log ? log10(x1 / x0) : x1 - x0) * 0.03;
    xa.s = (scale){(xa.log ? log10(x0) : x0) - pad, (xa.log ? log10(x1) : x1) + pad, CH_LEFT,
                   CH_LEFT + CH_PLOT_W};
    const double height = 340, bottom = height - CH_BOTTOM - 16;
    scale y = {0, axis_value_top(ymax * 1.1, true), bottom, CH_TOP};
    char pct[16], title[400], b[40], d[40];
    if (c->percentile >= 100)
        snprintf(pct, sizeof pct, "max");
    else
        snprintf(pct, sizeof pct, "p%g", c->percentile);
    snprintf(title, sizeof title, "RPO %s of the worst VM against %.200s", pct, c->x_path);
    chart_begin(out, "chart-plan-svg", height, title);
    axis_value(out, &y, true, CH_LEFT, CH_LEFT + CH_PLOT_W);
    plan_x_axis(out, &xa, x0, x1, c->x_unit, bottom);
    fprintf(out, "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
            CH_LEFT + CH_PLOT_W / 2, height - 8);
    html_esc(out, c->x_path);
    fputs(xa.log ? " (logarithmic)</text>\n" : "</text>\n", out);

    /* The target, and the answer where it crosses. */
    double ty = sc_map(&y, (double)c->target_ns);
    fprintf(out,
            "<line class=\"target\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"#6b21a8\"/>",
            CH_LEFT, ty, CH_LEFT + CH_PLOT_W, ty);
    fprintf(out, "<text class=\"tlabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
            CH_LEFT + CH_PLOT_W - 4, ty - 5);
    html_escf(out, "target %s \u2264 %s", pct, report_format_duration(c->target_ns, b, sizeof b));
    fputs("</text>\n", out);
    if (c->has_answer) {
        double ax = plan_x(&xa, c->answer_x);
        fprintf(out,
                "<line class=\"target\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"%s\"/>",
                ax, CH_TOP, ax, bottom, ok_color);
        fprintf(out, "<text class=\"tlabel\" x=\"%.1f\" y=\"%.1f\" style=\"fill:%s\">", ax + 5,
                CH_TOP + 12, ok_color);
        html_escf(out, "answer %s", plan_tick(c->x_unit, c->answer_x, d, sizeof d));
        fputs("</text>\n", out);
    }

    const report_plan_run **sorted = calloc(c->run_count ? c->run_count : 1, sizeof *sorted);
    double lx = CH_LEFT;
    for (size_t s = 0; s < c->series_count && sorted; s++) {
        size_t n = 0;
        for (size_t i = 0; i < c->run_count; i++)
            if (c->runs[i].series == s)
                sorted[n++] = &c->runs[i];
        qsort(sorted, n, sizeof *sorted, plan_run_cmp);
        const char *color = palette[s % (sizeof palette / sizeof palette[0])];
        fprintf(out, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.4\" d=\"", color);
        bool drawing = false;
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(sorted[i]->rpo_ns) || sorted[i]->rpo_ns > ycap) {
                drawing = false;
                continue;
            }
            fprintf(out, "%s%.1f %.1f", drawing ? " L" : "M", plan_x(&xa, sorted[i]->x),
                    sc_map(&y, sorted[i]->rpo_ns));
            drawing = true;
        }
        fputs("\"/>\n", out);
        for (size_t i = 0; i < n; i++) {
            const report_plan_run *r = sorted[i];
            const char *fill = r->meets ? ok_color : miss_color;
            double px = plan_x(&xa, r->x);
            if (r->rpo_ns <= ycap)
                fprintf(out,
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"%s\" "
                        "stroke-width=\"1.2\">",
                        px, sc_map(&y, r->rpo_ns), fill, color);
            else /* off the chart or undefined: a triangle on the top edge */
                fprintf(out, "<path d=\"M%.1f %.1f l-5 8 h10 z\" fill=\"%s\" stroke=\"%s\">", px,
                        CH_TOP - 2, fill, color);
            fputs("<title>", out);
            html_escf(out, "%s%s%s = %s: RPO %s %s, %s", c->series_names ? c->series_names[s] : "",
                      c->series_names ? ", " : "", c->x_path, r->x_text ? r->x_text : "", pct,
                      isfinite(r->rpo_ns) ? report_format_duration(llround(r->rpo_ns), b, sizeof b)
                                          : "undefined",
                      r->meets ? "meets the target" : "misses the target");
            fputs(r->rpo_ns <= ycap ? "</title></circle>\n" : "</title></path>\n", out);
        }
        if (c->series_names)
            lx = legend(out, lx, CH_LEGEND_Y, color, false, false, c->series_names[s]);
    }
    free((void *)sorted);
    if (!c->series_names)
        lx = legend(out, lx, CH_LEGEND_Y, palette[0], false, false, "RPO of the worst VM");
    lx = legend(out, lx, CH_LEGEND_Y, ok_color, false, true, "meets the target");
    legend(out, lx, CH_LEGEND_Y, miss_color, false, true, "misses it");
    chart_end(out);
}
