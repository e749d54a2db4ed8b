/* reports/html_internal.h — what the HTML page (html.c) and its SVG charts (html_chart.c) share;
 * reports/ only.
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

/* The charts, each a <figure> with one <svg id="...">: "chart-rpo-<vm>", "chart-link-<link>",
 * "chart-rp-svg" (recovery points of every VM), "chart-gantt-svg" (failovers, or every job). */
void html_chart_rpo(FILE *out, const report_results *r, size_t vm, int64_t end);
void html_chart_link(FILE *out, const report_results *r, size_t link, int64_t end);
void html_chart_points(FILE *out, const report_results *r, int64_t end);
void html_chart_gantt(FILE *out, const report_results *r, int64_t end);

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
