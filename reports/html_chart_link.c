/* reports/html_chart_link.c — a link's throughput over time as an SVG chart: the bytes on the wire
 * per sample interval (filled), the same before compression (a line), the capacity as a step line,
 * outages shaded and the p95 marked. Series longer than HTML_MAX_POINTS are cut to the min and max
 * of each time bucket. */
#include "format.h"
#include "html_internal.h"
#include "engine/shared/alloc.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- links ----------------------------------------------------------------------------------- */

static double sample_Bps(const report_link_sample *s, bool raw)
{
    return (raw ? s->raw_bytes : s->wire_bytes) / ((double)s->interval_ns / 1e9);
}

/* One throughput series (raw or wire) as a path: every sample, or the envelope of the buckets.
 * The wire series is closed down to the axis and filled; the raw one is a line over it. */
static void throughput_path(FILE *out, const html_scale *x, const html_scale *y,
                            const report_link_sample *s, size_t n, bool raw)
{
    html_pen p = {out, x, y, false, 0};
    fprintf(out, "<path class=\"%s\" d=\"", raw ? "raw" : "wire");
    if (!raw)
        html_pen_to(&p, (double)(s[0].at_ns - s[0].interval_ns), 0);
    if (n <= HTML_MAX_POINTS) {
        for (size_t i = 0; i < n; i++)
            html_pen_to(&p, (double)s[i].at_ns, sample_Bps(&s[i], raw));
    } else {
        html_bucket *bk = drs_xcalloc(HTML_BUCKETS, sizeof *bk);
        double w = (x->v1 - x->v0) / HTML_BUCKETS;
        for (size_t i = 0; i < n; i++) {
            double k = floor(((double)s[i].at_ns - x->v0) / w);
            size_t kk = k < 0 ? 0 : k >= HTML_BUCKETS ? HTML_BUCKETS - 1 : (size_t)k;
            html_bucket_put(&bk[kk], (double)s[i].at_ns, sample_Bps(&s[i], raw));
        }
        for (size_t k = 0; k < HTML_BUCKETS; k++)
            if (bk[k].any)
                html_pen_bucket(&p, &bk[k]);
        free(bk);
    }
    if (!raw) {
        html_pen_to(&p, (double)s[n - 1].at_ns, 0);
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
    html_scale x = {0, (double)end, CH_LEFT, CH_LEFT + CH_PLOT_W};
    html_scale y = {0, html_axis_value_top(vmax * 1.05, false), bottom, CH_TOP};
    char id[48], title[300];
    snprintf(id, sizeof id, "chart-link-%zu", link);
    snprintf(title, sizeof title, "Throughput on link %.52s%s", l->name,
             strlen(l->name) > 52 ? "..." : "");
    html_chart_begin(out, id, height, title);
    char a[24], b[24], c[24], d[24];
    fprintf(out, "<text class=\"sub\" x=\"%.1f\" y=\"20\" text-anchor=\"end\">", CH_W - CH_RIGHT);
    if (l->util.defined)
        html_escf(out, "peak %s \u00b7 p95 %s \u00b7 raw %s \u00b7 wire %s",
                  report_format_rate_bps(l->util.peak_Bps, a, sizeof a),
                  report_format_rate_bps(l->util.p95_Bps, b, sizeof b),
                  report_format_bytes((double)l->raw_bytes, c, sizeof c),
                  report_format_bytes((double)l->wire_bytes, d, sizeof d));
    fputs("</text>\n", out);
    html_axis_value(out, &y, false, CH_LEFT, CH_LEFT + CH_PLOT_W);
    html_axis_time(out, &x, CH_TOP, bottom);
    if (n == 0) {
        fprintf(
            out,
            "<text class=\"empty\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no samples</text>",
            CH_W / 2, (CH_TOP + bottom) / 2);
        html_chart_end(out);
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
        double x0 = html_sc_map(&x, (double)(s[i].at_ns - s[i].interval_ns)),
               x1 = html_sc_map(&x, (double)s[j].at_ns);
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
    html_pen p = {out, &x, &y, false, 0};
    fputs("<path class=\"capacity\" d=\"", out);
    for (size_t i = 0; i < n && p.points < HTML_MAX_POINTS; i++) {
        if (i == 0 || s[i].capacity_Bps != s[i - 1].capacity_Bps) {
            html_pen_to(&p, (double)(s[i].at_ns - s[i].interval_ns), s[i].capacity_Bps);
        }
        if (i + 1 == n || s[i + 1].capacity_Bps != s[i].capacity_Bps)
            html_pen_to(&p, (double)s[i].at_ns, s[i].capacity_Bps);
    }
    fputs("\"/>\n", out);
    /* Throughput: wire filled, raw (before compression) as a line over it. */
    throughput_path(out, &x, &y, s, n, false);
    throughput_path(out, &x, &y, s, n, true);
    if (l->util.defined) {
        double py = html_sc_map(&y, l->util.p95_Bps);
        fprintf(out,
                "<line class=\"p95\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"tlabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">p95 %s</text>\n",
                CH_LEFT, py, CH_LEFT + CH_PLOT_W, py, CH_LEFT + CH_PLOT_W - 4, py - 4,
                report_format_rate_bps(l->util.p95_Bps, a, sizeof a));
    }
    double lx =
        html_legend(out, CH_LEFT, CH_LEGEND_Y, html_palette[0], false, true, "wire throughput");
    lx = html_legend(out, lx, CH_LEGEND_Y, html_palette[1], false, false,
                     "raw (before compression)");
    lx = html_legend(out, lx, CH_LEGEND_Y, "#111827", true, false, "capacity");
    lx = html_legend(out, lx, CH_LEGEND_Y, "#9333ea", true, false, "p95");
    if (outages)
        html_legend(out, lx, CH_LEGEND_Y, "#dc2626", false, true, "link down");
    html_chart_end(out);
}
