/* reports/html.c — the run as one self-contained HTML page: inline CSS and SVG charts drawn here,
 * no script, font or style sheet from anywhere else, so the file can be mailed, archived or opened
 * offline years later and look the same.
 *
 * Charts: RPO over time per VM (the exact sawtooth from the RPO breakpoints, with the targets the
 * expectations set), link throughput per link, recovery points applied per VM on a time line, and
 * jobs and failovers as a Gantt chart. Tables: expectations, VMs, links, recovery points,
 * failovers, jobs, findings. Every name comes from the scenario and is escaped.
 *
 * Long runs stay readable and small: a series with more than HTML_MAX_POINTS vertices is reduced to
 * the minimum and the maximum of each of HTML_MAX_POINTS / 2 time buckets, so every peak survives
 * (an RPO maximum is what a reader looks for) while the file grows with the chart width, not with
 * the run length. */
#include "format.h"
#include "reports.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTML_MAX_POINTS 2000
#define HTML_BUCKETS (HTML_MAX_POINTS / 2)
#define HTML_MAX_RPO_CHARTS 24 /* the VMs with the largest RPO first */
#define HTML_MAX_LANES 40
#define HTML_MAX_GANTT_ROWS 60
#define HTML_MAX_JOB_ROWS 500
#define HTML_MAX_TARGETS 4

/* Chart geometry, in SVG user units (the viewBox scales to the page width). */
#define CH_W 1100.0
#define CH_LEFT 84.0
#define CH_RIGHT 24.0
#define CH_TOP 54.0
#define CH_LEGEND_Y 40.0 /* the legend row, under the title */
#define CH_BOTTOM 30.0
#define CH_PLOT_W (CH_W - CH_LEFT - CH_RIGHT)

#define NS_S INT64_C(1000000000)
#define NS_MIN (60 * NS_S)
#define NS_HOUR (60 * NS_MIN)
#define NS_DAY (24 * NS_HOUR)

static const char *const palette[] = {"#2563eb", "#ea580c", "#059669", "#9333ea",
                                      "#d97706", "#0891b2", "#db2777", "#4b5563"};

/* ---- text
 * ---------------------------------------------------------------------------------------- */

/* Writes s escaped for HTML text and attribute values. Control characters are not allowed in HTML
 * text: they become spaces. */
static void esc(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(*p < 0x20 && *p != '\n' && *p != '\t' ? ' ' : *p, out);
        }
    }
}

/* printf, then escaped. */
__attribute__((format(printf, 2, 3))) static void escf(FILE *out, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    esc(out, buf);
}

static const char *dur(int64_t ns, char *buf, size_t n)
{
    return ns < 0 ? "-" : report_format_duration(ns, buf, n);
}

/* A compact time for axis ticks: "0", "500ms", "45s", "30m", "1h30m", "1d12h". Ticks fall on whole
 * units, so only the non-zero parts are shown. */
static char *tick_time(int64_t ns, char *buf, size_t n)
{
    if (ns == 0) {
        snprintf(buf, n, "0");
        return buf;
    }
    if (ns < NS_S) {
        snprintf(buf, n, "%" PRId64 "ms", ns / 1000000);
        return buf;
    }
    int64_t s = ns / NS_S;
    int64_t part[4] = {s / 86400, s / 3600 % 24, s / 60 % 60, s % 60};
    static const char unit[4] = {'d', 'h', 'm', 's'};
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < 4 && len < n; i++)
        if (part[i])
            len += (size_t)snprintf(buf + len, n - len, "%" PRId64 "%c", part[i], unit[i]);
    return buf;
}

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
                y_bottom + 16, tick_time(t, b, sizeof b));
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
                py + 4, is_time ? tick_time((int64_t)v, b, sizeof b) : tick_rate(v, b, sizeof b));
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
    esc(out, title);
    fputs("\">\n", out);
    fprintf(out, "<text class=\"title\" x=\"%.1f\" y=\"20\">", CH_LEFT);
    esc(out, title);
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
    esc(out, label);
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
            double t0 = x->v0, w = (x->v1 - x->v0) / HTML_BUCKETS;
            for (size_t i = 0; i < n; i++) {
                if (!rpo_piece(pts, n, i, end, &a, &b, &c))
                    continue;
                size_t k0 = (size_t)fmax(0, floor(((double)a - t0) / w));
                for (size_t k = k0; k < HTML_BUCKETS; k++) {
                    double s = fmax((double)a, t0 + (double)k * w);
                    double e = k + 1 == HTML_BUCKETS ? (double)b
                                                     : fmin((double)b, t0 + (double)(k + 1) * w);
                    if (e < s)
                        break;
                    bucket_put(&bk[k], s, s - (double)c);
                    bucket_put(&bk[k], e, e - (double)c);
                    if (e >= (double)b)
                        break;
                }
            }
            for (size_t k = 0; k < HTML_BUCKETS; k++) {
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
                 tick_time(ns, d, sizeof d));
        n++;
    }
    return n;
}

/* The run's time span: the end when finished, else the last thing recorded. */
static int64_t run_end(const report_results *r)
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
static int64_t rpo_peak(const report_rpo_point *pts, size_t n, int64_t end, int64_t *at)
{
    int64_t best = -1, a, b, c;
    for (size_t i = 0; i < n; i++)
        if (rpo_piece(pts, n, i, end, &a, &b, &c) && b - c > best) {
            best = b - c;
            *at = b;
        }
    return best;
}

static void chart_rpo_vm(FILE *out, const report_results *r, size_t vm, int64_t end)
{
    const report_vm_stats *v = report_results_vm(r, vm);
    size_t n;
    const report_rpo_point *pts = report_results_rpo_points(r, vm, &n);
    rpo_target tg[HTML_MAX_TARGETS];
    size_t ntg = rpo_targets(r, vm, tg, HTML_MAX_TARGETS);
    int64_t peak_at = 0, peak = rpo_peak(pts, n, end, &peak_at);
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
        escf(out, "max %s \u00b7 p99 %s \u00b7 p95 %s \u00b7 mean %s",
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
        esc(out, "no recovery point was applied: RPO undefined");
        fputs("</text>\n", out);
    } else {
        /* Where RPO is undefined (before the first point, after protection ends), shade the plot.
         */
        int64_t a, b, c, from = 0;
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
        char d[32];
        double px = sc_map(&x, (double)peak_at), py = sc_map(&y, (double)peak);
        fprintf(out,
                "<circle class=\"peak\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"><title>max RPO %s at "
                "%s</title></circle>",
                px, py, report_format_duration(peak, d, sizeof d),
                tick_time(peak_at, (char[32]){0}, 32));
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
        esc(out, tg[k].label);
        fputs("</text>\n", out);
        if (k == 0)
            lx = legend(out, lx, CH_LEGEND_Y, col, true, false, "target");
    }
    chart_end(out);
}

/* Orders VMs by their largest RPO, largest first; VMs without one keep their order at the end. */
typedef struct vm_rank {
    size_t vm;
    int64_t peak;
} vm_rank;

static int vm_rank_cmp(const void *pa, const void *pb)
{
    const vm_rank *a = pa, *b = pb;
    if (a->peak != b->peak)
        return a->peak > b->peak ? -1 : 1;
    return a->vm < b->vm ? -1 : a->vm > b->vm;
}

static void section_rpo(FILE *out, const report_results *r, int64_t end)
{
    size_t nvm = report_results_vm_count(r);
    fputs("<section id=\"chart-rpo\"><h2>RPO over time</h2>\n", out);
    if (nvm == 0) {
        fputs("<p class=\"note\">No virtual machines.</p></section>\n", out);
        return;
    }
    fputs(
        "<p class=\"note\">RPO(t) is the age of the newest recovery point applied at the replica: "
        "it grows by one second per second and drops when a point is applied. Drawn exactly from "
        "every breakpoint",
        out);
    fprintf(out, "%s.</p>\n",
            nvm > HTML_MAX_RPO_CHARTS ? "; the VMs with the largest RPO are shown" : "");
    vm_rank *rank = malloc(nvm * sizeof *rank);
    if (!rank) {
        fputs("</section>\n", out);
        return;
    }
    for (size_t v = 0; v < nvm; v++) {
        size_t n;
        const report_rpo_point *pts = report_results_rpo_points(r, v, &n);
        int64_t at;
        rank[v] = (vm_rank){v, rpo_peak(pts, n, end, &at)};
    }
    if (nvm > HTML_MAX_RPO_CHARTS)
        qsort(rank, nvm, sizeof *rank, vm_rank_cmp);
    for (size_t i = 0; i < nvm && i < HTML_MAX_RPO_CHARTS; i++)
        chart_rpo_vm(out, r, rank[i].vm, end);
    if (nvm > HTML_MAX_RPO_CHARTS)
        fprintf(out, "<p class=\"note\">%zu more VMs: see the VM table.</p>\n",
                nvm - HTML_MAX_RPO_CHARTS);
    free(rank);
    fputs("</section>\n", out);
}

static void table_links(FILE *out, const report_results *r);

/* ---- links
 * --------------------------------------------------------------------------------------- */

static double sample_Bps(const report_link_sample *s)
{
    return s->wire_bytes / ((double)s->interval_ns / 1e9);
}

static void chart_link(FILE *out, const report_results *r, size_t link, int64_t end)
{
    const report_link_stats *l = report_results_link(r, link);
    size_t n;
    const report_link_sample *s = report_results_link_samples(r, link, &n);
    double vmax = 0;
    for (size_t i = 0; i < n; i++)
        vmax = fmax(vmax, fmax(sample_Bps(&s[i]), s[i].capacity_Bps));
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
        escf(out, "peak %s \u00b7 p95 %s \u00b7 raw %s \u00b7 wire %s",
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
                tick_time(s[i].at_ns - s[i].interval_ns, a, sizeof a),
                tick_time(s[j].at_ns, b, sizeof b));
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
    /* Throughput: every sample, or the envelope of the buckets. */
    p = (pen){out, &x, &y, false, 0};
    fputs("<path class=\"wire\" d=\"", out);
    pen_to(&p, (double)(s[0].at_ns - s[0].interval_ns), 0);
    if (n <= HTML_MAX_POINTS) {
        for (size_t i = 0; i < n; i++)
            pen_to(&p, (double)s[i].at_ns, sample_Bps(&s[i]));
    } else {
        bucket *bk = calloc(HTML_BUCKETS, sizeof *bk);
        if (bk) {
            double w = (x.v1 - x.v0) / HTML_BUCKETS;
            for (size_t i = 0; i < n; i++) {
                double k = floor(((double)s[i].at_ns - x.v0) / w);
                size_t kk = k < 0 ? 0 : k >= HTML_BUCKETS ? HTML_BUCKETS - 1 : (size_t)k;
                bucket_put(&bk[kk], (double)s[i].at_ns, sample_Bps(&s[i]));
            }
            for (size_t k = 0; k < HTML_BUCKETS; k++)
                if (bk[k].any)
                    pen_bucket(&p, &bk[k]);
            free(bk);
        }
    }
    pen_to(&p, (double)s[n - 1].at_ns, 0);
    fputs("Z\"/>\n", out);
    if (l->util.defined) {
        double py = sc_map(&y, l->util.p95_Bps);
        fprintf(out,
                "<line class=\"p95\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"tlabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">p95 %s</text>\n",
                CH_LEFT, py, CH_LEFT + CH_PLOT_W, py, CH_LEFT + CH_PLOT_W - 4, py - 4,
                report_format_rate_bps(l->util.p95_Bps, a, sizeof a));
    }
    double lx = legend(out, CH_LEFT, CH_LEGEND_Y, palette[0], false, true, "wire throughput");
    lx = legend(out, lx, CH_LEGEND_Y, "#111827", true, false, "capacity");
    lx = legend(out, lx, CH_LEGEND_Y, "#9333ea", true, false, "p95");
    if (outages)
        legend(out, lx, CH_LEGEND_Y, "#dc2626", false, true, "link down");
    chart_end(out);
}

static void section_links(FILE *out, const report_results *r, int64_t end)
{
    size_t nl = report_results_link_count(r);
    fputs("<section id=\"chart-link\"><h2>Link throughput</h2>\n", out);
    if (nl == 0)
        fputs("<p class=\"note\">No links.</p>\n", out);
    else
        fputs(
            "<p class=\"note\">Bytes on the wire per sample interval (after compression), "
            "against the link's capacity. Raw (before compression) and wire totals are in the link "
            "table.</p>\n",
            out);
    for (size_t l = 0; l < nl; l++)
        chart_link(out, r, l, end);
    table_links(out, r);
    fputs("</section>\n", out);
}

/* ---- recovery points on a time line
 * -------------------------------------------------------------- */

/* One lane per VM: initial replication as a bar, each applied point as a tick (at most one per
 * user unit of width), and the first time health turned warning or critical. */
static void chart_points(FILE *out, const report_results *r, int64_t end)
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
        esc(out, name);
        fputs("<title>", out);
        escf(out, "%s: %llu points applied, %llu pruned", vs->name,
             (unsigned long long)vs->rp_applied, (unsigned long long)vs->rp_pruned);
        fputs("</title></text>\n", out);
        char a[24], b[24];
        if (vs->ir_start_ns >= 0 && vs->ir_end_ns >= vs->ir_start_ns) {
            double x0 = sc_map(&x, (double)vs->ir_start_ns), x1 = sc_map(&x, (double)vs->ir_end_ns);
            fprintf(out,
                    "<rect class=\"ir\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                    "rx=\"2\"><title>",
                    x0, top + 6, fmax(x1 - x0, 1.5), lane_h - 12);
            escf(out, "initial replication (%s) %s to %s, %s", vs->ir_method,
                 tick_time(vs->ir_start_ns, a, sizeof a), tick_time(vs->ir_end_ns, b, sizeof b),
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
                    engine_health_name((engine_health)h), tick_time(t, a, sizeof a));
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

static void table_points(FILE *out, const report_results *r)
{
    size_t nvm = report_results_vm_count(r);
    if (nvm == 0)
        return;
    fputs("<table><thead><tr><th>VM</th><th class=\"n\">created</th><th class=\"n\">applied</th>"
          "<th class=\"n\">pruned</th><th class=\"n\">app-consistent created</th>"
          "<th class=\"n\">additional now</th><th class=\"n\">additional max</th>"
          "<th class=\"n\">app-consistent now</th><th>latest</th><th class=\"n\">storage now</th>"
          "<th class=\"n\">storage peak</th></tr></thead><tbody>\n",
          out);
    for (size_t v = 0; v < nvm; v++) {
        const report_vm_stats *s = report_results_vm(r, v);
        char a[24], b[24];
        fputs("<tr><td>", out);
        esc(out, s->name);
        fprintf(out,
                "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
                "<td class=\"n\">%llu</td><td class=\"n\">%u</td><td class=\"n\">%u</td>"
                "<td class=\"n\">%u</td><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                "</tr>\n",
                (unsigned long long)s->rp_created, (unsigned long long)s->rp_applied,
                (unsigned long long)s->rp_pruned, (unsigned long long)s->rp_app_consistent_created,
                s->rp_additional_now, s->rp_additional_max, s->rp_app_consistent_now,
                s->rp_latest_now ? "yes" : "no",
                report_format_bytes((double)s->replica_storage_bytes, a, sizeof a),
                report_format_bytes((double)s->replica_storage_peak_bytes, b, sizeof b));
    }
    fputs("</tbody></table>\n", out);
}

static void section_points(FILE *out, const report_results *r, int64_t end)
{
    fputs("<section id=\"chart-rp\"><h2>Recovery points</h2>\n", out);
    chart_points(out, r, end);
    table_points(out, r);
    size_t nc = report_results_class_count(r);
    bool any = false;
    for (size_t c = 0; c < nc; c++)
        any |= report_results_class(r, c)->peak_bytes > 0;
    if (any) {
        fputs("<table><thead><tr><th>storage classification</th><th class=\"n\">replica storage "
              "now</th><th class=\"n\">peak</th></tr></thead><tbody>\n",
              out);
        for (size_t c = 0; c < nc; c++) {
            const report_class_stats *cl = report_results_class(r, c);
            char a[24], b[24];
            fputs("<tr><td>", out);
            esc(out, cl->name);
            fprintf(out, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
                    report_format_bytes((double)cl->used_bytes, a, sizeof a),
                    report_format_bytes((double)cl->peak_bytes, b, sizeof b));
        }
        fputs("</tbody></table>\n", out);
    }
    fputs("</section>\n", out);
}

/* ---- jobs and failovers as a Gantt chart
 * --------------------------------------------------------- */

static const char *state_color(engine_job_state s)
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

static const char *failover_kind(drs_action_do k)
{
    switch (k) {
    case DRS_DO_TEST_FAILOVER:
        return "test failover";
    case DRS_DO_PLANNED_FAILOVER:
        return "planned failover";
    case DRS_DO_UNPLANNED_FAILOVER:
        return "unplanned failover";
    case DRS_DO_FAILBACK:
        return "failback";
    default:
        return "failover";
    }
}

/* Jobs about failing over (and back) are what a Gantt chart is for; protection jobs are many and
 * long, and are in the jobs table. */
static bool job_is_failover(const report_job *j)
{
    static const char *const words[] = {"ailover", "ailback", "ecovery plan", "ommit", "everse"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(j->name, words[i]))
            return true;
    return false;
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

static void failover_who(const report_results *r, const report_failover *f, char *buf, size_t n)
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

static void chart_gantt(FILE *out, const report_results *r, int64_t end)
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
    lx = legend(out, lx, CH_LEGEND_Y, state_color(ENGINE_JOB_SUCCEEDED), false, true, "succeeded");
    lx = legend(out, lx, CH_LEGEND_Y, state_color(ENGINE_JOB_FAILED), false, true, "failed");
    lx = legend(out, lx, CH_LEGEND_Y, state_color(ENGINE_JOB_IN_PROGRESS), false, true,
                "in progress");
    lx = legend(out, lx, CH_LEGEND_Y, state_color(ENGINE_JOB_CANCELLED), false, true, "cancelled");
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
            failover_who(r, g->fo, who, sizeof who);
            snprintf(label, sizeof label, "%s: %s", failover_kind(g->fo->kind), who);
        }
        fprintf(out, "<text class=\"lanelabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
                label_w - 8, top + 15);
        if (strlen(label) > 44) {
            escf(out, "%.41s...", label);
            fputs("<title>", out);
            esc(out, label);
            fputs("</title>", out);
        } else {
            esc(out, label);
        }
        fputs("</text>\n", out);
        const char *col = g->job ? state_color(g->job->state)
                                 : (g->fo->succeeded ? "#7c3aed" : state_color(ENGINE_JOB_FAILED));
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
                escf(out, "%s (%s)\nstep: %s [%s] at %s", j->name, j->subject, j->steps[k].name,
                     engine_job_state_name(j->steps[k].state), tick_time(s0, a, sizeof a));
                fputs("</title></rect>", out);
            }
            fputs("<title>", out);
            escf(out, "%s (%s): %s, %s to %s%s%s", j->name, j->subject,
                 engine_job_state_name(j->state), tick_time(g->start, a, sizeof a),
                 j->ended_ns >= 0 ? tick_time(j->ended_ns, b, sizeof b) : "end of run",
                 j->reason[0] ? ": " : "", j->reason);
            fputs("</title>", out);
        } else {
            fputs("<title>", out);
            escf(out, "%s: RTO %s%s", label,
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

static void table_failovers(FILE *out, const report_results *r)
{
    size_t nf = report_results_failover_count(r);
    if (nf == 0)
        return;
    fputs("<h3>Failovers</h3><table><thead><tr><th>failover</th><th>kind</th><th>started</th>"
          "<th class=\"n\">RTO</th><th class=\"n\">data loss</th><th class=\"n\">lost bytes</th>"
          "<th>verified</th><th>result</th><th>detail</th></tr></thead><tbody>\n",
          out);
    for (size_t i = 0; i < nf; i++) {
        const report_failover *f = report_results_failover(r, i);
        char who[200], a[24], b[24], c[24], d[24];
        failover_who(r, f, who, sizeof who);
        fputs("<tr><td>", out);
        esc(out, who);
        fprintf(out,
                "</td><td>%s</td><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                "<td class=\"n\">%s</td><td class=\"%s\">%s</td><td class=\"%s\">%s</td><td>",
                failover_kind(f->kind), dur(f->started_ns, a, sizeof a),
                dur(f->ended_ns >= 0 ? f->ended_ns - f->started_ns : -1, b, sizeof b),
                dur(f->data_loss_ns, c, sizeof c),
                report_format_bytes((double)f->data_loss_bytes, d, sizeof d),
                f->verified ? "ok" : "bad", f->verified ? "yes" : "no", f->succeeded ? "ok" : "bad",
                f->succeeded ? "succeeded" : "failed");
        esc(out, f->detail);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

static void table_jobs(FILE *out, const report_results *r)
{
    size_t nj = report_results_job_count(r);
    fprintf(out, "<details%s><summary>All jobs (%zu)</summary>\n", nj <= 40 ? " open" : "", nj);
    fputs("<table id=\"jobs\"><thead><tr><th class=\"n\">id</th><th>job</th><th>subject</th>"
          "<th>state</th><th>started</th><th>ended</th><th class=\"n\">duration</th><th>steps</th>"
          "<th>reason</th></tr></thead><tbody>\n",
          out);
    for (size_t i = 0; i < nj && i < HTML_MAX_JOB_ROWS; i++) {
        const report_job *j = report_results_job(r, i);
        char a[24], b[24], c[24];
        fprintf(out, "<tr><td class=\"n\">%llu</td><td>", (unsigned long long)j->id);
        esc(out, j->name);
        fputs("</td><td>", out);
        esc(out, j->subject);
        fprintf(out,
                "</td><td><span class=\"state\" style=\"background:%s\">%s</span></td><td>%s</td>"
                "<td>%s</td><td class=\"n\">%s</td><td>",
                state_color(j->state), engine_job_state_name(j->state),
                dur(j->started_ns, a, sizeof a), dur(j->ended_ns, b, sizeof b),
                dur(j->ended_ns >= 0 ? j->ended_ns - j->started_ns : -1, c, sizeof c));
        for (size_t k = 0; k < j->step_count; k++) {
            fputs(k ? "<br>" : "", out);
            esc(out, j->steps[k].name);
            fprintf(out, " <span class=\"dim\">%s, %s</span>",
                    engine_job_state_name(j->steps[k].state), dur(j->steps[k].at_ns, a, sizeof a));
        }
        fputs("</td><td>", out);
        esc(out, j->reason);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
    if (nj > HTML_MAX_JOB_ROWS)
        fprintf(out,
                "<p class=\"note\">The first %d of %zu jobs; every one is in the results database."
                "</p>\n",
                HTML_MAX_JOB_ROWS, nj);
    fputs("</details>\n", out);
}

static void section_jobs(FILE *out, const report_results *r, int64_t end)
{
    fputs("<section id=\"chart-gantt\"><h2>Failovers and jobs</h2>\n", out);
    chart_gantt(out, r, end);
    table_failovers(out, r);
    table_jobs(out, r);
    fputs("</section>\n", out);
}

/* ---- tables
 * -------------------------------------------------------------------------------------- */

static void section_expectations(FILE *out, const report_results *r)
{
    size_t n = report_results_expect_count(r), failed = report_results_expect_failed(r);
    fputs("<section id=\"expectations\"><h2>Expectations</h2>\n", out);
    if (n == 0) {
        fputs("<p class=\"note\">The scenario states no expectations.</p></section>\n", out);
        return;
    }
    fprintf(out, "<p>%zu passed, %zu failed.</p>\n", n - failed, failed);
    fputs("<table><thead><tr><th>result</th><th>expectation</th><th>bound</th><th>actual</th>"
          "<th>where</th></tr></thead><tbody>\n",
          out);
    for (size_t i = 0; i < n; i++) {
        const report_expect_result *e = report_results_expect(r, i);
        fprintf(out, "<tr class=\"%s\"><td><span class=\"badge %s\">%s</span></td><td>",
                e->pass ? "pass" : "fail", e->pass ? "ok" : "bad", e->pass ? "pass" : "FAIL");
        esc(out, e->name);
        fputs("</td><td>", out);
        esc(out, e->bound);
        fputs("</td><td>", out);
        esc(out, e->actual);
        fputs("</td><td class=\"dim\">", out);
        esc(out, e->path);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table></section>\n", out);
}

static void section_vms(FILE *out, const report_results *r)
{
    size_t nvm = report_results_vm_count(r);
    fputs("<section id=\"vms\"><h2>Virtual machines</h2>\n", out);
    if (nvm == 0) {
        fputs("<p class=\"note\">No virtual machines.</p></section>\n", out);
        return;
    }
    fputs("<table><thead><tr><th>VM</th><th>link</th><th>initial replication</th>"
          "<th class=\"n\">RPO p50</th><th class=\"n\">p95</th><th class=\"n\">p99</th>"
          "<th class=\"n\">max</th><th>health</th><th>worst</th><th class=\"n\">cycles</th>"
          "<th class=\"n\">missed</th><th class=\"n\">resyncs</th><th class=\"n\">raw</th>"
          "<th class=\"n\">wire</th><th class=\"n\">ratio</th></tr></thead><tbody>\n",
          out);
    for (size_t v = 0; v < nvm; v++) {
        const report_vm_stats *s = report_results_vm(r, v);
        report_rpo_stats st;
        bool ok = report_results_rpo(r, v, 0, 0, &st) && st.defined;
        char a[24], b[24], c[24], d[24], e[24], f[24], g[24], ratio[16];
        fputs("<tr><td>", out);
        esc(out, s->name);
        fputs("</td><td>", out);
        esc(out, s->link >= 0 && (size_t)s->link < report_results_link_count(r)
                     ? report_results_link(r, (size_t)s->link)->name
                     : "-");
        fputs("</td><td>", out);
        if (s->ir_end_ns >= 0)
            escf(out, "%s, %s", s->ir_method,
                 report_format_duration(s->ir_end_ns - s->ir_start_ns, a, sizeof a));
        else
            fputs("not finished", out);
        if (s->wire_bytes)
            snprintf(ratio, sizeof ratio, "%.2f",
                     report_ratio((double)s->raw_bytes, (double)s->wire_bytes));
        else
            snprintf(ratio, sizeof ratio, "-");
        fprintf(out,
                "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                "<td class=\"n\">%s</td><td class=\"h-%s\">%s</td><td class=\"h-%s\">%s</td>"
                "<td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
                "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
                dur(ok ? (int64_t)st.p50_ns : -1, b, sizeof b),
                dur(ok ? (int64_t)st.p95_ns : -1, c, sizeof c),
                dur(ok ? (int64_t)st.p99_ns : -1, d, sizeof d),
                dur(ok ? st.max_ns : -1, e, sizeof e), engine_health_name(s->health),
                engine_health_name(s->health), engine_health_name(s->worst_health),
                engine_health_name(s->worst_health), (unsigned long long)s->cycles_completed,
                (unsigned long long)s->cycles_missed, (unsigned long long)s->resyncs_required,
                report_format_bytes((double)s->raw_bytes, f, sizeof f),
                report_format_bytes((double)s->wire_bytes, g, sizeof g), ratio);
    }
    fputs("</tbody></table></section>\n", out);
}

static void table_links(FILE *out, const report_results *r)
{
    size_t nl = report_results_link_count(r);
    if (nl == 0)
        return;
    fputs("<table><thead><tr><th>link</th><th class=\"n\">utilization p95</th><th class=\"n\">max"
          "</th><th class=\"n\">p95 rate</th><th class=\"n\">peak rate</th><th class=\"n\">raw</th>"
          "<th class=\"n\">wire</th><th class=\"n\">ratio</th></tr></thead><tbody>\n",
          out);
    for (size_t i = 0; i < nl; i++) {
        const report_link_stats *l = report_results_link(r, i);
        char a[24], b[24], c[24], d[24], ratio[16];
        fputs("<tr><td>", out);
        esc(out, l->name);
        if (l->wire_bytes)
            snprintf(ratio, sizeof ratio, "%.2f",
                     report_ratio((double)l->raw_bytes, (double)l->wire_bytes));
        else
            snprintf(ratio, sizeof ratio, "-");
        if (l->util.defined)
            fprintf(out,
                    "</td><td class=\"n\">%.1f%%</td><td class=\"n\">%.1f%%</td><td class=\"n\">%s"
                    "</td><td class=\"n\">%s</td>",
                    l->util.p95 * 100, l->util.max * 100,
                    report_format_rate_bps(l->util.p95_Bps, a, sizeof a),
                    report_format_rate_bps(l->util.peak_Bps, b, sizeof b));
        else
            fputs("</td><td class=\"n\">-</td><td class=\"n\">-</td><td class=\"n\">-</td>"
                  "<td class=\"n\">-</td>",
                  out);
        fprintf(out, "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
                report_format_bytes((double)l->raw_bytes, c, sizeof c),
                report_format_bytes((double)l->wire_bytes, d, sizeof d), ratio);
    }
    fputs("</tbody></table>\n", out);
}

static void section_findings(FILE *out, const report_results *r)
{
    static const struct {
        engine_event_kind kind;
        const char *what;
    } notable[] = {
        {ENGINE_EV_MISSED_CYCLE, "missed cycles"},
        {ENGINE_EV_RESYNC_REQUIRED, "resynchronizations required"},
        {ENGINE_EV_RESYNC_COMPLETED, "resynchronizations completed"},
        {ENGINE_EV_STORAGE_FULL, "replica storage full"},
        {ENGINE_EV_REPLICATION_FAILED, "replication failures"},
        {ENGINE_EV_DIGEST_MISMATCH, "digest mismatches"},
        {ENGINE_EV_CONFIG_WARNING, "configuration warnings"},
    };
    const size_t nk = sizeof notable / sizeof notable[0];
    fputs("<section id=\"findings\"><h2>Findings</h2>\n", out);
    const drs_diags *d = report_results_diags(r);
    if (d->count) {
        fputs("<table><thead><tr><th>severity</th><th>rule</th><th>where</th><th>problem</th>"
              "</tr></thead><tbody>\n",
              out);
        for (size_t i = 0; i < d->count; i++) {
            const drs_diag *g = &d->items[i];
            bool error = g->severity == DRS_SEV_ERROR;
            fprintf(out, "<tr><td><span class=\"badge %s\">%s</span></td><td>",
                    error ? "bad" : "warn", error ? "error" : "warning");
            if (g->rule > 0)
                fprintf(out, "%d", g->rule);
            fputs("</td><td><code>", out);
            esc(out, g->err.path);
            fputs("</code></td><td>", out);
            esc(out, g->err.message);
            fputs("</td></tr>\n", out);
        }
        fputs("</tbody></table>\n", out);
    }
    /* Notable events per VM (and about no VM), with the first time each happened. */
    bool header = false;
    size_t nvm = report_results_vm_count(r);
    for (int v = -1; v < (int)nvm; v++) {
        for (size_t k = 0; k < nk; k++) {
            uint64_t c = report_results_event_count(r, notable[k].kind, v);
            if (c == 0)
                continue;
            if (!header) {
                fputs("<table><thead><tr><th>about</th><th>what</th><th class=\"n\">count</th>"
                      "<th>first at</th></tr></thead><tbody>\n",
                      out);
                header = true;
            }
            char t[24];
            fputs("<tr><td>", out);
            esc(out, v >= 0 ? report_results_vm(r, (size_t)v)->name : "(no VM)");
            fprintf(out, "</td><td>%s</td><td class=\"n\">%llu</td><td>%s</td></tr>\n",
                    notable[k].what, (unsigned long long)c,
                    dur(report_results_event_first_ns(r, notable[k].kind, v), t, sizeof t));
        }
        if (v >= 0) {
            const report_vm_stats *s = report_results_vm(r, (size_t)v);
            if (s->worst_health >= ENGINE_HEALTH_WARNING) {
                if (!header) {
                    fputs("<table><thead><tr><th>about</th><th>what</th><th class=\"n\">count</th>"
                          "<th>first at</th></tr></thead><tbody>\n",
                          out);
                    header = true;
                }
                char t[24];
                fputs("<tr><td>", out);
                esc(out, s->name);
                fprintf(out,
                        "</td><td>health reached %s</td><td class=\"n\"></td><td>%s</td></tr>\n",
                        engine_health_name(s->worst_health),
                        dur(s->health_first_ns[s->worst_health], t, sizeof t));
            }
        }
    }
    if (header)
        fputs("</tbody></table>\n", out);
    size_t failed_jobs = 0;
    for (size_t i = 0; i < report_results_job_count(r); i++)
        failed_jobs += report_results_job(r, i)->state == ENGINE_JOB_FAILED;
    if (failed_jobs)
        fprintf(out, "<p>%zu job%s failed: see the jobs table.</p>\n", failed_jobs,
                failed_jobs == 1 ? "" : "s");
    if (!d->count && !header && !failed_jobs)
        fputs(
            "<p class=\"note\">Nothing notable: no problems, missed cycles, resynchronizations or "
            "failures.</p>\n",
            out);
    fprintf(out,
            "<p class=\"dim\">%llu events, %llu recovery points and %llu samples were recorded."
            "</p>\n",
            (unsigned long long)report_results_event_total(r),
            (unsigned long long)report_results_rp_rows(r),
            (unsigned long long)report_results_sample_rows(r));
    fputs("</section>\n", out);
}

/* ---- the page
 * ------------------------------------------------------------------------------------ */

static const char page_css[] =
    ":root{--fg:#111827;--dim:#6b7280;--line:#e5e7eb;--bg:#f8fafc}"
    "body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"
    "'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}"
    "header{background:#0f172a;color:#f8fafc;padding:20px 32px}"
    "header h1{margin:0 0 4px;font-size:22px;font-weight:600}header p{margin:0;color:#cbd5e1}"
    "main{max-width:1180px;margin:0 auto;padding:8px 32px 48px}"
    "section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;"
    "margin:18px 0}"
    "h2{font-size:17px;margin:0 0 10px}h3{font-size:15px;margin:16px 0 8px}"
    ".cards{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0 0}"
    ".card{flex:1 1 110px;background:#fff;border:1px solid var(--line);border-radius:8px;"
    "padding:10px 16px}.card b{display:block;font-size:20px}.card "
    "span{color:var(--dim);font-size:12px}"
    ".card.bad b{color:#dc2626}.card.ok b{color:#16a34a}"
    "figure.chart{margin:8px 0 14px}figure.chart svg{display:block;width:100%;height:auto;"
    "max-width:1100px}"
    "svg text{font:11px system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;fill:#4b5563}"
    "svg text.title{font-size:14px;font-weight:600;fill:#111827}svg text.sub{fill:#374151}"
    "svg text.legend{fill:#374151}svg text.lanelabel{fill:#111827}"
    "svg text.empty{font-size:13px;fill:#9ca3af}svg text.peaklabel{fill:#1d4ed8;font-weight:600}"
    "svg text.tlabel{font-weight:600;fill:#6b21a8}"
    ".grid{stroke:#eef0f3}.base{stroke:#9ca3af}"
    "path.rpo{fill:none;stroke:#2563eb;stroke-width:1.3;stroke-linejoin:round}"
    "circle.peak{fill:#1d4ed8;stroke:#fff;stroke-width:1.5}"
    "line.target{stroke-width:1.5;stroke-dasharray:6 4}"
    "rect.undef{fill:#f3f4f6}"
    "path.wire{fill:#2563eb;fill-opacity:.18;stroke:#2563eb;stroke-width:1.2;stroke-linejoin:round}"
    "path.capacity{fill:none;stroke:#111827;stroke-width:1.3;stroke-dasharray:5 3}"
    "line.p95{stroke:#9333ea;stroke-width:1;stroke-dasharray:2 3}"
    "rect.down{fill:#dc2626;fill-opacity:.12}"
    "rect.lane{fill:#f8fafc}rect.ir{fill:#94a3b8;fill-opacity:.6}"
    "path.tick{stroke:#2563eb;stroke-width:1;stroke-opacity:.75}"
    "path.warn{fill:#d97706}path.crit{fill:#dc2626}"
    "g.bar rect.hit{fill:transparent}g.bar:hover rect{stroke:#111827;stroke-width:.8}"
    "line.step{stroke:#fff;stroke-width:1.2}"
    "table{border-collapse:collapse;width:100%;margin:8px 0 12px;font-size:13px}"
    "th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}"
    "th{background:#f1f5f9;font-weight:600;color:#334155}td.n,th.n{text-align:right;"
    "font-variant-numeric:tabular-nums}"
    "tr.fail td{background:#fef2f2}"
    ".badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;"
    "color:#fff}.badge.ok{background:#16a34a}.badge.bad{background:#dc2626}.badge.warn{background:"
    "#d97706}"
    "td.ok{color:#16a34a}td.bad{color:#dc2626;font-weight:600}"
    ".state{display:inline-block;padding:0 7px;border-radius:9px;color:#fff;font-size:12px}"
    ".h-warning{color:#d97706;font-weight:600}.h-critical{color:#dc2626;font-weight:600}"
    ".dim,.note{color:var(--dim)}.note{font-size:13px}"
    "details summary{cursor:pointer;font-weight:600;margin:10px 0}"
    "code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}"
    "footer{color:var(--dim);font-size:12px;text-align:center;padding:0 0 24px}";

static void card(FILE *out, const char *cls, const char *value, const char *what)
{
    fprintf(out, "<div class=\"card %s\"><b>", cls);
    esc(out, value);
    fprintf(out, "</b><span>%s</span></div>\n", what);
}

static void page_header(FILE *out, const report_results *r, int64_t end)
{
    const char *name = report_results_scenario_name(r);
    char d[32], v[48];
    fputs("<header><h1>", out);
    esc(out, name && name[0] ? name : "drsim run");
    fputs("</h1><p>", out);
    escf(out, "drsim run report: seed %llu, %s simulated%s",
         (unsigned long long)report_results_seed(r), report_format_duration(end, d, sizeof d),
         report_results_end_ns(r) < 0 ? " (the run did not finish)" : "");
    fputs("</p></header>\n<main>\n<div class=\"cards\">\n", out);
    size_t ne = report_results_expect_count(r), nfail = report_results_expect_failed(r);
    if (ne) {
        snprintf(v, sizeof v, "%zu / %zu", ne - nfail, ne);
        card(out, nfail ? "bad" : "ok", v, "expectations held");
    }
    int64_t worst = -1;
    for (size_t i = 0; i < report_results_vm_count(r); i++) {
        report_rpo_stats st;
        if (report_results_rpo(r, i, 0, 0, &st) && st.defined && st.max_ns > worst)
            worst = st.max_ns;
    }
    snprintf(v, sizeof v, "%zu", report_results_vm_count(r));
    card(out, "", v, "virtual machines");
    card(out, "", dur(worst, d, sizeof d), "worst RPO");
    snprintf(v, sizeof v, "%zu", report_results_link_count(r));
    card(out, "", v, "links");
    size_t failed = 0;
    for (size_t i = 0; i < report_results_job_count(r); i++)
        failed += report_results_job(r, i)->state == ENGINE_JOB_FAILED;
    snprintf(v, sizeof v, "%zu", report_results_job_count(r));
    card(out, "", v, "jobs");
    if (failed) {
        snprintf(v, sizeof v, "%zu", failed);
        card(out, "bad", v, "jobs failed");
    }
    snprintf(v, sizeof v, "%zu", report_results_failover_count(r));
    card(out, "", v, "failovers");
    fputs("</div>\n", out);
}

void report_html_fprint(const report_results *r, FILE *out)
{
    int64_t end = run_end(r);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          out);
    esc(out, report_results_scenario_name(r));
    fputs(" - drsim</title>\n<style>", out);
    fputs(page_css, out);
    fputs("</style>\n</head>\n<body>\n", out);
    page_header(out, r, end);
    section_expectations(out, r);
    section_rpo(out, r, end);
    section_links(out, r, end);
    section_points(out, r, end);
    section_jobs(out, r, end);
    section_findings(out, r);
    section_vms(out, r);
    fputs(
        "</main>\n<footer>Generated by drsim. Times are from the start of the scenario.</footer>\n"
        "</body>\n</html>\n",
        out);
}

bool report_html_write(const report_results *r, const char *path, drs_error *err)
{
    FILE *out = fopen(path, "w");
    if (!out)
        return drs_fail(err, DRS_EIO, "", "cannot write %s: %s", path, strerror(errno));
    report_html_fprint(r, out);
    bool ok = !ferror(out);
    if (fclose(out) != 0)
        ok = false;
    if (!ok)
        return drs_fail(err, DRS_EIO, "", "cannot write %s: %s", path, strerror(errno));
    return true;
}
