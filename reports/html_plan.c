/* reports/html_plan.c — the page `drsim plan --html` writes: the chart of the RPO percentile
 * against the varied value with the target marked (html_chart_plan), the runs as a table, and the
 * answer with the planning figures as text. Self-contained like the run report. */
#include "format.h"
#include "html_internal.h"
#include "output.h"
#include "engine/shared/alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- capacity planning -------------------------------------------------------------------------
 */

static char *plan_tick(report_plan_unit u, double v, char *buf, size_t n)
{
    switch (u) {
    case REPORT_PLAN_RATE:
        return html_tick_rate(v, buf, n);
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
    html_scale s;
} plan_axis;

static double plan_x(const plan_axis *a, double v)
{
    return html_sc_map(&a->s, a->log ? log10(v) : v);
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
        double step = html_nice_step(v1 - v0, 8);
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
    xa.s = (html_scale){(xa.log ? log10(x0) : x0) - pad, (xa.log ? log10(x1) : x1) + pad, CH_LEFT,
                        CH_LEFT + CH_PLOT_W};
    const double height = 340, bottom = height - CH_BOTTOM - 16;
    html_scale y = {0, html_axis_value_top(ymax * 1.1, true), bottom, CH_TOP};
    char pct[16], title[400], b[40], d[40];
    if (c->percentile >= 100)
        snprintf(pct, sizeof pct, "max");
    else
        snprintf(pct, sizeof pct, "p%g", c->percentile);
    snprintf(title, sizeof title, "RPO %s of the worst VM against %.200s", pct, c->x_path);
    html_chart_begin(out, "chart-plan-svg", height, title);
    html_axis_value(out, &y, true, CH_LEFT, CH_LEFT + CH_PLOT_W);
    plan_x_axis(out, &xa, x0, x1, c->x_unit, bottom);
    fprintf(out, "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
            CH_LEFT + CH_PLOT_W / 2, height - 8);
    html_esc(out, c->x_path);
    fputs(xa.log ? " (logarithmic)</text>\n" : "</text>\n", out);

    /* The target, and the answer where it crosses. */
    double ty = html_sc_map(&y, (double)c->target_ns);
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

    const report_plan_run **sorted = drs_xcalloc(c->run_count ? c->run_count : 1, sizeof *sorted);
    double lx = CH_LEFT;
    for (size_t s = 0; s < c->series_count; s++) {
        size_t n = 0;
        for (size_t i = 0; i < c->run_count; i++)
            if (c->runs[i].series == s)
                sorted[n++] = &c->runs[i];
        qsort(sorted, n, sizeof *sorted, plan_run_cmp);
        const char *color = html_palette[s % (sizeof html_palette / sizeof html_palette[0])];
        fprintf(out, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.4\" d=\"", color);
        bool drawing = false;
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(sorted[i]->rpo_ns) || sorted[i]->rpo_ns > ycap) {
                drawing = false;
                continue;
            }
            fprintf(out, "%s%.1f %.1f", drawing ? " L" : "M", plan_x(&xa, sorted[i]->x),
                    html_sc_map(&y, sorted[i]->rpo_ns));
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
                        px, html_sc_map(&y, r->rpo_ns), fill, color);
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
            lx = html_legend(out, lx, CH_LEGEND_Y, color, false, false, c->series_names[s]);
    }
    free((void *)sorted);
    if (!c->series_names)
        lx =
            html_legend(out, lx, CH_LEGEND_Y, html_palette[0], false, false, "RPO of the worst VM");
    lx = html_legend(out, lx, CH_LEGEND_Y, ok_color, false, true, "meets the target");
    html_legend(out, lx, CH_LEGEND_Y, miss_color, false, true, "misses it");
    html_chart_end(out);
}

void report_plan_html_fprint(const report_plan_chart *c, FILE *out)
{
    char b[40];
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          out);
    html_esc(out, c->scenario);
    fputs(" - drsim plan</title>\n<style>", out);
    fputs(html_page_css, out);
    fputs("</style>\n</head>\n<body>\n<header><h1>", out);
    html_esc(out, c->scenario && c->scenario[0] ? c->scenario : "drsim plan");
    fputs("</h1><p>", out);
    html_escf(out, "drsim plan: %zu run%s, target RPO %s%g \u2264 %s", c->run_count,
              c->run_count == 1 ? "" : "s", c->percentile >= 100 ? "max" : "p",
              c->percentile >= 100 ? 0.0 : c->percentile,
              report_format_duration(c->target_ns, b, sizeof b));
    fputs("</p></header>\n<main>\n<section>\n", out);
    html_chart_plan(out, c);
    if (c->summary) {
        fputs("<pre style=\"white-space:pre-wrap\">", out);
        html_esc(out, c->summary);
        fputs("</pre>\n", out);
    }
    fputs("</section>\n<section><h2>Runs</h2>\n<table><tr>", out);
    if (c->series_names)
        fputs("<th>series</th>", out);
    fputs("<th>", out);
    html_esc(out, c->x_path);
    fputs("</th><th class=\"n\">RPO of the worst VM</th><th>target</th></tr>\n", out);
    for (size_t i = 0; i < c->run_count; i++) {
        const report_plan_run *r = &c->runs[i];
        fprintf(out, "<tr%s>", r->meets ? "" : " class=\"fail\"");
        if (c->series_names) {
            fputs("<td>", out);
            html_esc(out, c->series_names[r->series]);
            fputs("</td>", out);
        }
        fputs("<td>", out);
        html_esc(out, r->x_text);
        fprintf(out, "</td><td class=\"n\">%s</td><td class=\"%s\">%s</td></tr>\n",
                isfinite(r->rpo_ns) ? report_format_duration(llround(r->rpo_ns), b, sizeof b)
                                    : "undefined",
                r->meets ? "ok" : "bad", r->meets ? "meets" : "misses");
    }
    fputs("</table></section>\n</main>\n<footer>Generated by drsim "
          "plan.</footer>\n</body>\n</html>\n",
          out);
}

bool report_plan_html_write(const report_plan_chart *c, const char *path, drs_error *err)
{
    FILE *out = report_output_open(path, err);
    if (!out)
        return false;
    report_plan_html_fprint(c, out);
    return report_output_close(out, path, err);
}
