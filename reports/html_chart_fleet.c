/* reports/html_chart_fleet.c — RPO of every VM at once: the time axis cut into buckets, and per
 * bucket the median, the 95th percentile and the maximum over the VMs of each VM's largest RPO in
 * the bucket, drawn as a band (p50 to p95) with the maximum over it. The VMs with the largest RPO
 * are named on the chart at their peaks. One chart whatever the number of VMs: a page with a chart
 * per VM stops being readable long before a thousand VMs.
 *
 * Each VM's bucket value is exact (the supremum of t - capture over its RPO pieces in the bucket,
 * from the breakpoints, not from samples), so a peak shorter than a bucket still shows. Each bucket
 * carries its numbers (data-p50-ns, data-p95-ns, data-max-ns) and a tooltip naming the worst VM. */
#include "format.h"
#include "html_internal.h"
#include "engine/shared/alloc.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTML_FLEET_BUCKETS 150
#define HTML_FLEET_NAMED 5 /* the worst VMs named on the chart */

static int i64_cmp(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

/* The nearest-rank q-quantile of sorted v[0..m): the smallest value with at least q * m values at
 * or below it. */
static int64_t nearest_rank(const int64_t *v, size_t m, double q)
{
    size_t k = (size_t)ceil(q * (double)m);
    return v[k ? k - 1 : 0];
}

void html_fleet_compute(const report_results *r, int64_t end, size_t nb, html_fleet_bucket *out)
{
    size_t nvm = report_results_vm_count(r);
    int64_t *val = drs_xcalloc((nvm ? nvm : 1) * nb, sizeof *val); /* [bucket][vm], -1: undefined */
    int64_t *row = drs_xmalloc((nvm ? nvm : 1) * sizeof *row);
    for (size_t i = 0; i < nvm * nb; i++)
        val[i] = -1;
    for (size_t k = 0; k < nb; k++)
        out[k] = (html_fleet_bucket){end * (int64_t)k / (int64_t)nb,
                                     end * (int64_t)(k + 1) / (int64_t)nb,
                                     0,
                                     -1,
                                     -1,
                                     -1,
                                     -1};
    for (size_t v = 0; v < nvm; v++) {
        size_t n;
        const report_rpo_point *pts = report_results_rpo_points(r, v, &n);
        int64_t a, b, c;
        for (size_t i = 0; i < n; i++) {
            if (!html_rpo_piece(pts, n, i, end, &a, &b, &c))
                continue;
            /* The piece rises from a - c to b - c: in each bucket it overlaps, its largest value
             * is at the overlap's right end. */
            size_t k = end > 0 ? (size_t)((double)a / (double)end * (double)nb) : 0;
            while (k > 0 && out[k].t0 > a)
                k--;
            while (k + 1 < nb && out[k].t1 <= a)
                k++;
            for (; k < nb && out[k].t0 < b; k++) {
                int64_t hi = b < out[k].t1 ? b : out[k].t1;
                int64_t *cell = &val[k * nvm + v];
                if (hi - c > *cell)
                    *cell = hi - c;
            }
        }
    }
    for (size_t k = 0; k < nb; k++) {
        size_t m = 0;
        int64_t best = -1;
        int best_vm = -1;
        for (size_t v = 0; v < nvm; v++) {
            int64_t x = val[k * nvm + v];
            if (x < 0)
                continue;
            row[m++] = x;
            if (x > best) {
                best = x;
                best_vm = (int)v;
            }
        }
        if (m == 0)
            continue;
        qsort(row, m, sizeof *row, i64_cmp);
        out[k].vms = m;
        out[k].p50 = nearest_rank(row, m, 0.50);
        out[k].p95 = nearest_rank(row, m, 0.95);
        out[k].max = row[m - 1];
        out[k].max_vm = best_vm;
    }
    free(val);
    free(row);
}

/* VMs by their largest RPO, largest first. */
typedef struct fleet_rank {
    size_t vm;
    int64_t peak, at;
} fleet_rank;

static int rank_cmp(const void *pa, const void *pb)
{
    const fleet_rank *a = pa, *b = pb;
    if (a->peak != b->peak)
        return a->peak > b->peak ? -1 : 1;
    return (a->vm > b->vm) - (a->vm < b->vm);
}

/* One statistic as a step line over the buckets, the pen lifted over buckets without a VM. */
static void fleet_line(FILE *out, const char *cls, const html_fleet_bucket *b, size_t nb,
                       const html_scale *x, const html_scale *y, size_t which)
{
    html_pen p = {out, x, y, false, 0};
    fprintf(out, "<path class=\"%s\" d=\"", cls);
    for (size_t k = 0; k < nb; k++) {
        if (!b[k].vms) {
            p.down = false;
            continue;
        }
        double v = (double)(which == 0 ? b[k].p50 : which == 1 ? b[k].p95 : b[k].max);
        html_pen_to(&p, (double)b[k].t0, v);
        html_pen_to(&p, (double)b[k].t1, v);
    }
    fputs("\"/>\n", out);
}

size_t html_chart_fleet(FILE *out, const report_results *r, int64_t end, size_t *worst, size_t cap)
{
    size_t nvm = report_results_vm_count(r), nb = HTML_FLEET_BUCKETS;
    html_fleet_bucket *b = drs_xmalloc(nb * sizeof *b);
    fleet_rank *rank = drs_xmalloc((nvm ? nvm : 1) * sizeof *rank);
    html_fleet_compute(r, end, nb, b);
    size_t ranked = 0;
    for (size_t v = 0; v < nvm; v++) {
        size_t n;
        const report_rpo_point *pts = report_results_rpo_points(r, v, &n);
        int64_t at = 0, peak = html_rpo_peak(pts, n, end, &at);
        if (peak >= 0)
            rank[ranked++] = (fleet_rank){v, peak, at};
    }
    qsort(rank, ranked, sizeof *rank, rank_cmp);
    for (size_t i = 0; i < ranked && i < cap; i++)
        worst[i] = rank[i].vm;

    double vmax = 0;
    for (size_t k = 0; k < nb; k++)
        vmax = fmax(vmax, (double)b[k].max);
    const double height = 300, bottom = height - CH_BOTTOM;
    html_scale x = {0, (double)(end > 0 ? end : 1), CH_LEFT, CH_LEFT + CH_PLOT_W};
    /* The plot starts lower than other charts': the worst VMs are listed in a row above it. */
    const double top = CH_TOP + 18;
    html_scale y = {0, html_axis_value_top(vmax * 1.12, true), bottom, top};
    char title[120], a[24], bb[24], c[24];
    snprintf(title, sizeof title, "RPO across the %zu VM%s", nvm, nvm == 1 ? "" : "s");
    html_chart_begin(out, "chart-fleet-svg", height, title);
    fprintf(out,
            "<desc data-t0-ns=\"0\" data-t1-ns=\"%" PRId64 "\" data-x0=\"%.1f\" data-x1=\"%.1f\" "
            "data-v-top-ns=\"%.0f\" data-y0=\"%.1f\" data-y1=\"%.1f\" data-buckets=\"%zu\">time "
            "and RPO axes</desc>\n",
            (int64_t)x.v1, x.p0, x.p1, y.v1, y.p0, y.p1, nb);
    fprintf(out, "<text class=\"sub\" x=\"%.1f\" y=\"20\" text-anchor=\"end\">", CH_W - CH_RIGHT);
    html_escf(out, "buckets of %s \u00b7 each VM's largest RPO in a bucket",
              report_format_duration((end > 0 ? end : 1) / (int64_t)nb, a, sizeof a));
    fputs("</text>\n", out);
    html_axis_value(out, &y, true, CH_LEFT, CH_LEFT + CH_PLOT_W);
    html_axis_time(out, &x, top, bottom);
    if (ranked == 0) {
        fprintf(out, "<text class=\"empty\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                CH_W / 2, (top + bottom) / 2);
        html_esc(out, nvm ? "no recovery point was applied: RPO undefined" : "no VMs");
        fputs("</text>\n", out);
    } else {
        /* The band from p50 up to p95: forward along p95, back along p50, per run of buckets. */
        fputs("<path class=\"band\" d=\"", out);
        for (size_t k = 0; k < nb;) {
            if (!b[k].vms) {
                k++;
                continue;
            }
            size_t e = k;
            while (e < nb && b[e].vms)
                e++;
            html_pen p = {out, &x, &y, false, 0};
            for (size_t i = k; i < e; i++) {
                html_pen_to(&p, (double)b[i].t0, (double)b[i].p95);
                html_pen_to(&p, (double)b[i].t1, (double)b[i].p95);
            }
            for (size_t i = e; i-- > k;) {
                html_pen_to(&p, (double)b[i].t1, (double)b[i].p50);
                html_pen_to(&p, (double)b[i].t0, (double)b[i].p50);
            }
            fputs("Z", out);
            k = e;
        }
        fputs("\"/>\n", out);
        fleet_line(out, "fleet-max", b, nb, &x, &y, 2);
        fleet_line(out, "fleet-p95", b, nb, &x, &y, 1);
        fleet_line(out, "fleet-p50", b, nb, &x, &y, 0);
        /* Each bucket's numbers, for the tooltip and for tools. */
        fputs("<g class=\"buckets\">", out);
        for (size_t k = 0; k < nb; k++) {
            if (!b[k].vms)
                continue;
            double x0 = html_sc_map(&x, (double)b[k].t0), x1 = html_sc_map(&x, (double)b[k].t1);
            fprintf(out,
                    "<rect class=\"hit\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
                    "data-t0-ns=\"%" PRId64 "\" data-vms=\"%zu\" data-p50-ns=\"%" PRId64
                    "\" data-p95-ns=\"%" PRId64 "\" data-max-ns=\"%" PRId64 "\"><title>",
                    x0, top, x1 - x0, bottom - top, b[k].t0, b[k].vms, b[k].p50, b[k].p95,
                    b[k].max);
            html_escf(out, "%s to %s, %zu VMs: p50 %s, p95 %s, max %s (%s)",
                      html_tick_time(b[k].t0, a, sizeof a), html_tick_time(b[k].t1, bb, sizeof bb),
                      b[k].vms, report_format_duration(b[k].p50, c, sizeof c),
                      report_format_duration(b[k].p95, (char[24]){0}, 24),
                      report_format_duration(b[k].max, (char[24]){0}, 24),
                      report_results_vm(r, (size_t)b[k].max_vm)->name);
            fputs("</title></rect>", out);
        }
        fputs("</g>\n", out);
        /* The worst VMs: numbered at their peaks (a number only where it does not overlap an
         * earlier one; the marker's tooltip names the VM), and listed in a row above the plot. */
        double mx[HTML_FLEET_NAMED], my[HTML_FLEET_NAMED];
        fprintf(out, "<text class=\"worstlist\" x=\"%.1f\" y=\"%.1f\">worst:", CH_LEFT, CH_TOP + 6);
        for (size_t i = 0; i < ranked && i < HTML_FLEET_NAMED; i++) {
            const char *name = report_results_vm(r, rank[i].vm)->name;
            fputs(i ? ";" : "", out);
            html_escf(out, " %zu. %.24s%s %s", i + 1, name, strlen(name) > 24 ? "..." : "",
                      report_format_duration(rank[i].peak, a, sizeof a));
        }
        fputs("</text>\n", out);
        for (size_t i = 0; i < ranked && i < HTML_FLEET_NAMED; i++) {
            const char *name = report_results_vm(r, rank[i].vm)->name;
            double px = html_sc_map(&x, (double)rank[i].at),
                   py = html_sc_map(&y, (double)rank[i].peak);
            bool clear = true;
            for (size_t k = 0; k < i; k++)
                clear &= fabs(mx[k] - px) > 14 || fabs(my[k] - py) > 12;
            mx[i] = px;
            my[i] = py;
            fprintf(out,
                    "<g class=\"worst\"><circle class=\"peak\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"/>",
                    px, py);
            if (clear)
                fprintf(out,
                        "<text class=\"peaklabel\" x=\"%.1f\" y=\"%.1f\" "
                        "text-anchor=\"middle\">%zu</text>",
                        px, py - 6, i + 1);
            fputs("<title>", out);
            html_escf(out, "%zu. %s: max RPO %s at %s", i + 1, name,
                      report_format_duration(rank[i].peak, a, sizeof a),
                      html_tick_time(rank[i].at, bb, sizeof bb));
            fputs("</title></g>\n", out);
        }
    }
    double lx = html_legend(out, CH_LEFT, CH_LEGEND_Y, "#2563eb", false, true, "p50 to p95");
    lx = html_legend(out, lx, CH_LEGEND_Y, "#1e3a8a", false, false, "p50");
    lx = html_legend(out, lx, CH_LEGEND_Y, "#2563eb", true, false, "p95");
    lx = html_legend(out, lx, CH_LEGEND_Y, "#dc2626", false, false, "max");
    html_legend(out, lx, CH_LEGEND_Y, "#1d4ed8", false, false, "worst VMs, at their peaks");
    html_chart_end(out);
    free(b);
    free(rank);
    return ranked < cap ? ranked : cap;
}
