/* reports/html_svg.c — what every SVG chart of the HTML report draws with: value-to-unit scales,
 * "nice" tick steps, time and value axes, the chart's frame (figure, svg, title), legend entries,
 * the min/max bucket reduction that keeps long series small without losing their peaks, and HTML
 * escaping, which the report and every chart share. */
#include "format.h"
#include "html_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const html_palette[HTML_PALETTE_N] = {"#2563eb", "#ea580c", "#059669", "#9333ea",
                                                  "#d97706", "#0891b2", "#db2777", "#4b5563"};

/* ---- text
 * ---------------------------------------------------------------------------------------- */

/* Writes s escaped for HTML text and attribute values. Control characters are not allowed in HTML
 * text: they become spaces. */
void html_esc(FILE *out, const char *s)
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
void html_escf(FILE *out, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    html_esc(out, buf);
}

const char *html_dur(int64_t ns, char *buf, size_t n)
{
    return ns < 0 ? "-" : report_format_duration(ns, buf, n);
}

/* A compact time for axis ticks: "0", "500ms", "45s", "30m", "1h30m", "1d12h". Ticks fall on whole
 * units, so only the non-zero parts are shown. */
char *html_tick_time(int64_t ns, char *buf, size_t n)
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
char *html_tick_rate(double Bps, char *buf, size_t n)
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

/* ---- axes
 * ---------------------------------------------------------------------------------------- */

double html_sc_map(const html_scale *s, double v)
{
    if (s->v1 == s->v0)
        return s->p0;
    return s->p0 + (v - s->v0) * (s->p1 - s->p0) / (s->v1 - s->v0);
}

/* The smallest "nice" duration step that cuts span into at most max_ticks steps. */
int64_t html_nice_time_step(int64_t span, int max_ticks)
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
double html_nice_step(double span, int max_ticks)
{
    if (span <= 0)
        return 1;
    double raw = span / max_ticks, mag = pow(10, floor(log10(raw)));
    double m = raw / mag;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * mag;
}

/* The time axis under a plot from y_top to y_bottom: grid lines and labels. */
void html_axis_time(FILE *out, const html_scale *x, double y_top, double y_bottom)
{
    int64_t t0 = (int64_t)x->v0, t1 = (int64_t)x->v1;
    int64_t step = html_nice_time_step(t1 - t0, 9);
    int64_t first = (t0 + step - 1) / step * step;
    fputs("<g class=\"axis\">", out);
    for (int64_t t = first; t <= t1; t += step) {
        char b[32];
        double px = html_sc_map(x, (double)t);
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
double html_axis_value_top(double vmax, bool is_time)
{
    if (vmax <= 0)
        vmax = is_time ? (double)NS_MIN : 1e6 / 8;
    double step =
        is_time ? (double)html_nice_time_step((int64_t)ceil(vmax), 5) : html_nice_step(vmax, 5);
    return ceil(vmax / step) * step;
}

void html_axis_value(FILE *out, const html_scale *y, bool is_time, double x_left, double x_right)
{
    double step =
        is_time ? (double)html_nice_time_step((int64_t)y->v1, 5) : html_nice_step(y->v1, 5);
    fputs("<g class=\"axis\">", out);
    for (double v = 0; v <= y->v1 * (1 + 1e-9); v += step) {
        char b[32];
        double py = html_sc_map(y, v);
        fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                x_left, py, x_right, py);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>", x_left - 6,
                py + 4,
                is_time ? html_tick_time((int64_t)v, b, sizeof b) : html_tick_rate(v, b, sizeof b));
    }
    fputs("</g>\n", out);
}

/* Opens a chart: a figure with an SVG of the page width and its title. */
void html_chart_begin(FILE *out, const char *id, double height, const char *title)
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

void html_chart_end(FILE *out)
{
    fputs("</svg></figure>\n", out);
}

/* A legend entry at (x, y): a swatch (line or box) and a label; returns the x after it. */
double html_legend(FILE *out, double x, double y, const char *color, bool dashed, bool box,
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

void html_bucket_put(html_bucket *b, double t, double v)
{
    if (!b->any) {
        *b = (html_bucket){true, t, v, t, v};
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

void html_pen_to(html_pen *p, double t, double v)
{
    fprintf(p->out, "%c%.1f %.1f", p->down ? 'L' : 'M', html_sc_map(p->x, t), html_sc_map(p->y, v));
    p->down = true;
    p->points++;
}

/* Writes a bucket's two vertices in time order. */
void html_pen_bucket(html_pen *p, const html_bucket *b)
{
    if (b->tmin <= b->tmax) {
        html_pen_to(p, b->tmin, b->vmin);
        if (b->tmax != b->tmin || b->vmax != b->vmin)
            html_pen_to(p, b->tmax, b->vmax);
    } else {
        html_pen_to(p, b->tmax, b->vmax);
        html_pen_to(p, b->tmin, b->vmin);
    }
}
