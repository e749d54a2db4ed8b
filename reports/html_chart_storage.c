/* reports/html_chart_storage.c — replica storage over time as an SVG chart: the storage every
 * replica holds together (base copies and recovery points; filled) and a line per site's storage
 * that held replicas, with its capacity. A run stored before the sites' storage was kept has only
 * each VM's series (replica_storage_bytes): the total is then their sum and the VMs holding the
 * most get the lines.
 *
 * Every series is a step function on the sample times; the total is their sum, exact at every
 * sample time: the times of all series are merged into one sorted list (usually the run's sample
 * grid), then each series' changes are added there as differences, which costs the sample count in
 * memory and series x samples in time. A series with more steps than the chart draws is cut to the
 * minimum and maximum of each time bucket, so peaks survive. */
#include "format.h"
#include "html_internal.h"
#include "engine/shared/alloc.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTML_STORAGE_VMS 5 /* VMs drawn one by one */

/* The union of the sorted times a[0..na) and b's sample times, into out (room for na + nb). */
static size_t merge_times(const int64_t *a, size_t na, const report_storage_sample *b, size_t nb,
                          int64_t *out)
{
    size_t i = 0, j = 0, n = 0;
    while (i < na || j < nb) {
        int64_t t = j == nb || (i < na && a[i] <= b[j].at_ns) ? a[i] : b[j].at_ns;
        out[n++] = t;
        while (i < na && a[i] == t)
            i++;
        while (j < nb && b[j].at_ns == t)
            j++;
    }
    return n;
}

/* Series i of the sites' storage (by_storage) or of the VMs. */
static const report_storage_sample *series_of(const report_results *r, bool by_storage, size_t i,
                                              size_t *n)
{
    return by_storage ? report_results_storage_used(r, i, n)
                      : report_results_storage_samples(r, i, n);
}

/* The total over every VM at each time of *times (the caller frees both); its step count, or 0
 * when there is none. */
static size_t storage_total(const report_results *r, bool by_storage, int64_t **times,
                            double **total)
{
    size_t nvm = by_storage ? report_results_storage_count(r) : report_results_vm_count(r), nt = 0;
    int64_t *t = NULL;
    *times = NULL;
    *total = NULL;
    for (size_t v = 0; v < nvm; v++) {
        size_t n;
        const report_storage_sample *s = series_of(r, by_storage, v, &n);
        if (!n)
            continue;
        int64_t *u = drs_xmalloc((nt + n) * sizeof *u);
        nt = merge_times(t, nt, s, n, u);
        free(t);
        t = u;
    }
    double *d = drs_xcalloc(nt ? nt : 1, sizeof *d);
    for (size_t v = 0; v < nvm; v++) {
        size_t n, k = 0;
        const report_storage_sample *s = series_of(r, by_storage, v, &n);
        double prev = 0;
        for (size_t i = 0; i < n; i++) {
            while (t[k] < s[i].at_ns)
                k++;
            d[k] += (double)s[i].bytes - prev;
            prev = (double)s[i].bytes;
        }
    }
    for (size_t k = 1; k < nt; k++)
        d[k] += d[k - 1];
    *times = t;
    *total = d;
    return nt;
}

/* A step series (value v[i] from t[i] until t[i + 1], the last until end) as a path: exact when it
 * fits, else the min/max envelope of HTML_BUCKETS buckets. area: closed down to the axis. */
static void step_path(FILE *out, const char *cls, const char *color, const int64_t *t,
                      const double *v, size_t n, int64_t end, const html_scale *x,
                      const html_scale *y, bool area)
{
    html_pen p = {out, x, y, false, 0};
    fprintf(out, "<path class=\"%s\"", cls);
    if (color)
        fprintf(out, " stroke=\"%s\"", color);
    fputs(" d=\"", out);
    if (area)
        html_pen_to(&p, (double)t[0], 0);
    if (2 * n <= HTML_MAX_POINTS) {
        for (size_t i = 0; i < n; i++) {
            int64_t t1 = i + 1 < n ? t[i + 1] : end;
            html_pen_to(&p, (double)t[i], v[i]);
            html_pen_to(&p, (double)(t1 > t[i] ? t1 : t[i]), v[i]);
        }
    } else {
        html_bucket *bk = drs_xcalloc(HTML_BUCKETS, sizeof *bk);
        double w = (x->v1 - x->v0) / HTML_BUCKETS;
        for (size_t i = 0; i < n; i++) {
            /* A step covers every bucket from its start to the next step's. */
            double t0 = (double)t[i], t1 = (double)(i + 1 < n ? t[i + 1] : end);
            double kf = floor((t0 - x->v0) / w);
            size_t k = kf < 0 ? 0 : kf >= HTML_BUCKETS ? HTML_BUCKETS - 1 : (size_t)kf;
            for (; k < HTML_BUCKETS; k++) {
                double s = fmax(t0, x->v0 + (double)k * w);
                html_bucket_put(&bk[k], s, v[i]);
                if (x->v0 + (double)(k + 1) * w >= t1)
                    break;
            }
        }
        for (size_t k = 0; k < HTML_BUCKETS; k++)
            if (bk[k].any)
                html_pen_bucket(&p, &bk[k]);
        free(bk);
    }
    if (area) {
        html_pen_to(&p, (double)end, v[n - 1]);
        html_pen_to(&p, (double)end, 0);
        fputs("Z", out);
    }
    fputs("\"/>\n", out);
}

/* Byte ticks in binary units: 1, 2 or 5 times a power of ten of the unit the top falls in. */
static double bytes_unit(double vmax)
{
    double u = 1;
    while (vmax / u >= 1024 && u < 1125899906842624.0)
        u *= 1024;
    return u;
}

static void axis_bytes(FILE *out, const html_scale *y, double x_left, double x_right)
{
    static const char *const name[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double u = bytes_unit(y->v1), step = html_nice_step(y->v1 / u, 5) * u;
    int ui = (int)llround(log2(u) / 10);
    fputs("<g class=\"axis\">", out);
    for (double v = 0; v <= y->v1 * (1 + 1e-9); v += step) {
        double py = html_sc_map(y, v);
        fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                x_left, py, x_right, py);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g %s</text>", x_left - 6,
                py + 4, v / u, v == 0 ? "" : name[ui]);
    }
    fputs("</g>\n", out);
}

typedef struct stor_rank {
    size_t vm;
    uint64_t peak;
} stor_rank;

static int stor_rank_cmp(const void *pa, const void *pb)
{
    const stor_rank *a = pa, *b = pb;
    if (a->peak != b->peak)
        return a->peak > b->peak ? -1 : 1;
    return (a->vm > b->vm) - (a->vm < b->vm);
}

/* A step series of samples as times and values for step_path. */
static void to_steps(const report_storage_sample *s, size_t n, int64_t **t, double **v)
{
    *t = drs_xmalloc((n ? n : 1) * sizeof **t);
    *v = drs_xmalloc((n ? n : 1) * sizeof **v);
    for (size_t k = 0; k < n; k++) {
        (*t)[k] = s[k].at_ns;
        (*v)[k] = (double)s[k].bytes;
    }
}

static uint64_t samples_peak(const report_storage_sample *s, size_t n)
{
    uint64_t m = 0;
    for (size_t i = 0; i < n; i++)
        m = s[i].bytes > m ? s[i].bytes : m;
    return m;
}

/* Lines (not the total's green), for storages or VMs. */
static const char *const line_colors[HTML_STORAGE_VMS] = {"#ea580c", "#9333ea", "#0891b2",
                                                          "#db2777", "#4b5563"};

void html_chart_storage(FILE *out, const report_results *r, int64_t end)
{
    size_t nvm = report_results_vm_count(r), nst = report_results_storage_count(r);
    int64_t *t = NULL;
    double *total = NULL;
    /* The total is the sum over the sites' storage (each is the sum over the VMs on it); a run
     * stored before those were kept has the VMs' own series instead. */
    bool by_storage = false;
    for (size_t i = 0; i < nst && !by_storage; i++)
        by_storage = report_results_storage_used(r, i, &(size_t){0}) != NULL;
    size_t nt = storage_total(r, by_storage, &t, &total);
    stor_rank *rank = drs_xmalloc((nvm + nst + 1) * sizeof *rank);
    size_t ranked = 0, stores = 0;
    double vmax = 0, peak = 0;
    int64_t peak_at = 0;
    for (size_t k = 0; k < nt; k++)
        if (total[k] > peak) {
            peak = total[k];
            peak_at = t[k];
        }
    vmax = peak;
    /* The sites' storage that held replicas, largest peak first: one line each, with its capacity
     * when the line would not be flattened by it (peak at least a tenth of the capacity). */
    for (size_t i = 0; i < nst; i++) {
        size_t n;
        const report_storage_sample *s = report_results_storage_used(r, i, &n);
        if (n)
            rank[stores++] = (stor_rank){i, samples_peak(s, n)};
    }
    qsort(rank, stores, sizeof *rank, stor_rank_cmp);
    for (size_t i = 0; i < stores && i < HTML_STORAGE_VMS; i++) {
        const report_storage_info *info = report_results_storage(r, rank[i].vm);
        vmax = fmax(vmax, (double)rank[i].peak);
        if (info->capacity_bytes && rank[i].peak * 10 >= info->capacity_bytes)
            vmax = fmax(vmax, (double)info->capacity_bytes);
    }
    /* Without storage (a run stored before it was kept), the VMs holding the most instead. */
    stor_rank *vrank = rank + stores;
    for (size_t v = 0; !stores && v < nvm; v++) {
        size_t n;
        const report_storage_sample *s = report_results_storage_samples(r, v, &n);
        if (n)
            vrank[ranked++] = (stor_rank){v, samples_peak(s, n)};
    }
    qsort(vrank, ranked, sizeof *vrank, stor_rank_cmp);
    bool lines = ranked > 1 && (double)vrank[0].peak * 20 >= peak;
    const double height = 260, bottom = height - CH_BOTTOM;
    html_scale x = {0, (double)(end > 0 ? end : 1), CH_LEFT, CH_LEFT + CH_PLOT_W};
    double top = vmax > 0 ? vmax * 1.08 : 1024.0 * 1024 * 1024;
    double u = bytes_unit(top), step = html_nice_step(top / u, 5) * u;
    html_scale y = {0, ceil(top / step) * step, bottom, CH_TOP};
    html_chart_begin(out, "chart-storage-svg", height, "Replica storage over time");
    fprintf(out,
            "<desc data-t0-ns=\"0\" data-t1-ns=\"%" PRId64 "\" data-x0=\"%.1f\" data-x1=\"%.1f\" "
            "data-v-top=\"%.0f\" data-y0=\"%.1f\" data-y1=\"%.1f\" data-peak-bytes=\"%.0f\" "
            "data-peak-ns=\"%" PRId64 "\">time and byte axes</desc>\n",
            (int64_t)x.v1, x.p0, x.p1, y.v1, y.p0, y.p1, peak, peak_at);
    char a[24], b[24];
    if (nt) {
        fprintf(out, "<text class=\"sub\" x=\"%.1f\" y=\"20\" text-anchor=\"end\">",
                CH_W - CH_RIGHT);
        html_escf(out, "every VM: peak %s at %s \u00b7 at the end %s",
                  report_format_bytes(peak, a, sizeof a), html_tick_time(peak_at, b, sizeof b),
                  report_format_bytes(total[nt - 1], (char[24]){0}, 24));
        fputs("</text>\n", out);
    }
    axis_bytes(out, &y, CH_LEFT, CH_LEFT + CH_PLOT_W);
    html_axis_time(out, &x, CH_TOP, bottom);
    double lx = html_legend(out, CH_LEFT, CH_LEGEND_Y, "#059669", false, true, "every VM");
    if (nt == 0) {
        fprintf(out, "<text class=\"empty\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                CH_W / 2, (CH_TOP + bottom) / 2);
        html_esc(out, "no replica storage was recorded");
        fputs("</text>\n", out);
    } else {
        step_path(out, "stor-total", NULL, t, total, nt, end, &x, &y, true);
        bool any_cap = false;
        for (size_t i = 0; i < stores && i < HTML_STORAGE_VMS; i++) {
            const report_storage_info *info = report_results_storage(r, rank[i].vm);
            size_t n;
            const report_storage_sample *s = report_results_storage_used(r, rank[i].vm, &n);
            int64_t *vt;
            double *vv;
            to_steps(s, n, &vt, &vv);
            const char *col = line_colors[i];
            fprintf(out,
                    "<g class=\"storage\" data-storage=\"%zu\" data-peak-bytes=\"%" PRIu64
                    "\" data-capacity-bytes=\"%" PRIu64 "\">",
                    rank[i].vm, rank[i].peak, info->capacity_bytes);
            step_path(out, "stor-used", col, vt, vv, n, end, &x, &y, false);
            bool cap_line = info->capacity_bytes && rank[i].peak * 10 >= info->capacity_bytes;
            any_cap |= cap_line;
            if (cap_line) {
                double py = html_sc_map(&y, (double)info->capacity_bytes);
                fprintf(out,
                        "<line class=\"stor-cap\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"%s\"/>",
                        x.p0, py, x.p1, py, col);
            }
            fputs("<title>", out);
            html_escf(out, "%s / %s: peak %s%s%s", info->site, info->classification,
                      report_format_bytes((double)rank[i].peak, a, sizeof a),
                      info->capacity_bytes ? " of " : "",
                      info->capacity_bytes
                          ? report_format_bytes((double)info->capacity_bytes, b, sizeof b)
                          : "");
            fputs("</title></g>\n", out);
            char label[120];
            if (info->capacity_bytes)
                snprintf(label, sizeof label, "%.24s / %.24s (peak %s of %s)", info->site,
                         info->classification,
                         report_format_bytes((double)rank[i].peak, a, sizeof a),
                         report_format_bytes((double)info->capacity_bytes, b, sizeof b));
            else
                snprintf(label, sizeof label, "%.24s / %.24s (peak %s)", info->site,
                         info->classification,
                         report_format_bytes((double)rank[i].peak, a, sizeof a));
            if (lx < CH_W - 250)
                lx = html_legend(out, lx, CH_LEGEND_Y, col, false, false, label);
            free(vt);
            free(vv);
        }
        if (any_cap && lx < CH_W - 120)
            html_legend(out, lx, CH_LEGEND_Y, "#4b5563", true, false, "capacity");
        /* The VMs holding the most, one line each, when there is more than one VM to tell apart
         * and the largest is big enough beside the total to be seen (a twentieth of it). */
        for (size_t i = 0; lines && i < ranked && i < HTML_STORAGE_VMS; i++) {
            size_t n;
            const report_storage_sample *s = report_results_storage_samples(r, vrank[i].vm, &n);
            int64_t *vt;
            double *vv;
            to_steps(s, n, &vt, &vv);
            const char *col = line_colors[i];
            step_path(out, "stor-vm", col, vt, vv, n, end, &x, &y, false);
            char label[80];
            snprintf(label, sizeof label, "%.40s (peak %s)",
                     report_results_vm(r, vrank[i].vm)->name,
                     report_format_bytes((double)vrank[i].peak, a, sizeof a));
            if (lx < CH_W - 200)
                lx = html_legend(out, lx, CH_LEGEND_Y, col, false, false, label);
            free(vt);
            free(vv);
        }
    }
    html_chart_end(out);
    if (stores > HTML_STORAGE_VMS)
        fprintf(out,
                "<p class=\"note\">The %d storages holding the most are drawn one by one; the "
                "classification table has the totals per classification.</p>\n",
                HTML_STORAGE_VMS);
    if (lines && ranked > HTML_STORAGE_VMS)
        fprintf(out,
                "<p class=\"note\">The %d VMs holding the most are drawn one by one; the recovery "
                "points table has every VM's storage now and at its peak.</p>\n",
                HTML_STORAGE_VMS);
    else if (!stores && !lines && ranked > 1) {
        fputs("<p class=\"note\">", out);
        html_escf(out,
                  "No VM holds a twentieth of the total, so none is drawn apart (the most: %s, %s "
                  "at its peak); the recovery points table has every VM's storage now and at its "
                  "peak.",
                  report_results_vm(r, vrank[0].vm)->name,
                  report_format_bytes((double)vrank[0].peak, a, sizeof a));
        fputs("</p>\n", out);
    }
    free(rank);
    free(t);
    free(total);
}
