/* reports/html_internal.h — what the HTML page (html.c), the plan page (html_plan.c), the SVG
 * drawing helpers (html_svg.c) and the charts (html_chart_*.c, one file per kind) share; reports/
 * only.
 *
 * Every function writes to out and allocates nothing that outlives the call. Times are ns since the
 * scenario start; end is the right edge of every time axis (the run's end, see html_run_end). */
#ifndef REPORT_HTML_INTERNAL_H
#define REPORT_HTML_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "reports.h"

#define NS_S INT64_C(1000000000)
#define NS_MIN (60 * NS_S)
#define NS_HOUR (60 * NS_MIN)
#define NS_DAY (24 * NS_HOUR)

/* Text for HTML: s escaped for text and attribute values (control characters become spaces). */
void html_esc(FILE *out, const char *s);
/* printf, then escaped; at most 1023 characters. */
void html_escf(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* report_format_duration, or "-" for a negative (absent) time. Returns buf or a constant. */
const char *html_dur(int64_t ns, char *buf, size_t n);
/* A compact time for axes and tooltips: "0", "500ms", "45s", "1h30m", "1d12h". Returns buf. */
char *html_tick_time(int64_t ns, char *buf, size_t n);

/* The right edge of the time axes: the end of the run, or the last thing recorded before it. */
int64_t html_run_end(const report_results *r);
/* The largest RPO of a VM's breakpoints up to end and when it was reached (*at); -1 when RPO was
 * never defined. */
int64_t html_rpo_peak(const report_rpo_point *pts, size_t n, int64_t end, int64_t *at);

/* Piece i of a VM's RPO, RPO(t) = t - *c over [*a, *b), clipped to end; false when RPO is undefined
 * there or the piece is empty. */
bool html_rpo_piece(const report_rpo_point *pts, size_t n, size_t i, int64_t end, int64_t *a,
                    int64_t *b, int64_t *c);

/* The charts, each a <figure> with one <svg id="...">: "chart-rpo-<vm>" (one VM's sawtooth),
 * "chart-fleet-svg" (RPO percentiles across the VMs per time bucket, html_chart_fleet.c),
 * "chart-link-<link>", "chart-rp-svg" (recovery points of every VM), "chart-gantt-svg" (a lane per
 * failover or recovery plan run, or every job), "chart-storage-svg" (replica storage over time). */
void html_chart_rpo(FILE *out, const report_results *r, size_t vm, int64_t end);
void html_chart_link(FILE *out, const report_results *r, size_t link, int64_t end);
void html_chart_points(FILE *out, const report_results *r, int64_t end);
void html_chart_gantt(FILE *out, const report_results *r, int64_t end);
void html_chart_storage(FILE *out, const report_results *r, int64_t end);

/* RPO across the VMs over time: [0, end] cut into nb equal buckets; per bucket, each VM's largest
 * RPO in it (exact, from its breakpoints), then p50, p95 and the maximum of those over the VMs
 * whose RPO was defined somewhere in the bucket (nearest rank: the smallest value with at least
 * that fraction of the VMs at or below it). */
typedef struct html_fleet_bucket {
    int64_t t0, t1; /* [t0, t1) */
    size_t vms;     /* VMs with a defined RPO in the bucket; 0: the rest is -1 */
    int64_t p50, p95, max;
    int max_vm; /* the VM with the maximum */
} html_fleet_bucket;
/* Fills b[0..nb). */
void html_fleet_compute(const report_results *r, int64_t end, size_t nb, html_fleet_bucket *b);
/* The band chart with the worst VMs named; *worst (cap entries) gets the VMs by their largest RPO,
 * largest first, and the count is returned (VMs with a defined RPO only). */
size_t html_chart_fleet(FILE *out, const report_results *r, int64_t end, size_t *worst, size_t cap);

/* ---- shared SVG helpers (html_svg.c) ---- */

/* Chart geometry, in SVG user units (the viewBox scales to the page width). */
#define CH_W 1100.0
#define CH_LEFT 84.0
#define CH_RIGHT 24.0
#define CH_TOP 54.0
#define CH_LEGEND_Y 40.0 /* the legend row, under the title */
#define CH_BOTTOM 30.0
#define CH_PLOT_W (CH_W - CH_LEFT - CH_RIGHT)

#define HTML_MAX_POINTS 2000 /* vertices of one series */
#define HTML_BUCKETS (HTML_MAX_POINTS / 2)

#define HTML_PALETTE_N 8
extern const char *const html_palette[HTML_PALETTE_N];

/* A rate in bits per second for axis ticks: "0", "50 Mbps", "1.5 Gbps". Returns buf. */
char *html_tick_rate(double Bps, char *buf, size_t n);

/* Maps values [v0, v1] onto user units [p0, p1]. */
typedef struct html_scale {
    double v0, v1, p0, p1;
} html_scale;
double html_sc_map(const html_scale *s, double v);
/* The smallest "nice" duration step that cuts span into at most max_ticks steps. */
int64_t html_nice_time_step(int64_t span, int max_ticks);
/* 1, 2 or 5 times a power of ten, cutting span into at most max_ticks steps. */
double html_nice_step(double span, int max_ticks);
/* The time axis under a plot from y_top to y_bottom: grid lines and labels. */
void html_axis_time(FILE *out, const html_scale *x, double y_top, double y_bottom);
/* The top of a value axis: a multiple of the tick step at or above vmax; durations (ns) when
 * is_time, else rates (bytes/s). */
double html_axis_value_top(double vmax, bool is_time);
/* A value axis on the left; durations (ns) or rates (bytes/s). */
void html_axis_value(FILE *out, const html_scale *y, bool is_time, double x_left, double x_right);
/* Opens a chart: a figure with an SVG of the page width and its title; html_chart_end closes it. */
void html_chart_begin(FILE *out, const char *id, double height, const char *title);
void html_chart_end(FILE *out);
/* A legend entry at (x, y): a swatch (line or box) and a label; returns the x after it. */
double html_legend(FILE *out, double x, double y, const char *color, bool dashed, bool box,
                   const char *label);

/* Min and max of a series in one time bucket, with where they were reached. */
typedef struct html_bucket {
    bool any;
    double tmin, vmin, tmax, vmax;
} html_bucket;
void html_bucket_put(html_bucket *b, double t, double v);
/* Path vertices, written as "M x y" (a new run) or "L x y". */
typedef struct html_pen {
    FILE *out;
    const html_scale *x, *y;
    bool down;
    size_t points;
} html_pen;
void html_pen_to(html_pen *p, double t, double v);
/* Writes a bucket's two vertices in time order. */
void html_pen_bucket(html_pen *p, const html_bucket *b);

/* The plan chart (report_plan_html_fprint): RPO percentile per run against the varied value,
 * "chart-plan-svg". */
void html_chart_plan(FILE *out, const report_plan_chart *c);
/* The page's style sheet, shared by the run report and the plan page. */
extern const char html_page_css[];

/* For the tables as well as the charts. */
const char *html_state_color(engine_job_state s);
/* "plan erp / sql-01", "plan erp", "sql-01" or "-". */
void html_failover_who(const report_results *r, const report_failover *f, char *buf, size_t n);

#endif
