/* reports/html_chart_points.c — recovery points on a time line as an SVG chart: a lane per VM
 * with its initial replication as a bar, each applied point as a tick and the first time health
 * turned warning or critical. */
#include "format.h"
#include "html_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTML_MAX_LANES 40

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
    html_scale x = {0, (double)end, label_w, CH_W - CH_RIGHT};
    html_chart_begin(out, "chart-rp-svg", height, "Recovery points applied at the replica");
    double lx =
        html_legend(out, CH_LEFT, CH_LEGEND_Y, "#94a3b8", false, true, "initial replication");
    lx = html_legend(out, lx, CH_LEGEND_Y, html_palette[0], false, false, "point applied");
    lx = html_legend(out, lx, CH_LEGEND_Y, "#d97706", false, true, "health warning");
    html_legend(out, lx, CH_LEGEND_Y, "#dc2626", false, true, "health critical");
    html_axis_time(out, &x, CH_TOP, bottom);
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
            double x0 = html_sc_map(&x, (double)vs->ir_start_ns),
                   x1 = html_sc_map(&x, (double)vs->ir_end_ns);
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
            double px = round(html_sc_map(&x, (double)pts[i].at_ns) * 2) / 2;
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
            double px = html_sc_map(&x, (double)t);
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
    html_chart_end(out);
    if (nvm > lanes)
        fprintf(out, "<p class=\"note\">The first %zu of %zu VMs are shown.</p>\n", lanes, nvm);
}
