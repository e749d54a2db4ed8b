/* reports/html.c — the run as one self-contained HTML page: inline CSS and inline SVG charts
 * (html_chart_*.c, one file per kind), no script, font or style sheet from anywhere else, so the
 * file can be mailed, archived or opened offline years later and look the same.
 *
 * Sections: the expectations; RPO over time (every VM at once as percentiles per time bucket, then
 * the worst VMs' exact sawtooths with the targets the expectations set); link throughput; recovery
 * points; replica storage over time; failovers and jobs (a Gantt chart and the tables); findings
 * and the VM table. Every name comes from the scenario and is escaped. */
#include "format.h"
#include "html_internal.h"
#include "output.h"
#include "engine/shared/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTML_MAX_JOB_ROWS 500

/* ---- sections with charts -------------------------------------------------------------------- */

/* The VMs with the largest RPO get their own chart under the fleet chart; the next ones are one
 * click away in a collapsed <details> (a browser does not lay out what is closed); past those the
 * VM table and the stored samples (`drsim report --samples`) have every VM. */
#define HTML_RPO_WORST 5
#define HTML_RPO_MORE 20

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
        "it grows by one second per second and drops when a point is applied. The first chart "
        "shows every VM at once: per time bucket, the median, the 95th percentile and the maximum "
        "over the VMs of each VM's largest RPO in the bucket, with the worst VMs named at their "
        "peaks. Then the worst VMs one by one, drawn exactly from every breakpoint.</p>\n",
        out);
    size_t cap = HTML_RPO_WORST + HTML_RPO_MORE;
    size_t *worst = drs_xmalloc(cap * sizeof *worst);
    size_t nw = html_chart_fleet(out, r, end, worst, cap);
    /* A VM whose RPO was never defined has no sawtooth to show; with few VMs it still gets its
     * (empty) chart, so every VM of a small run is there. */
    if (nvm <= HTML_RPO_WORST) {
        for (size_t v = 0; v < nvm; v++)
            html_chart_rpo(out, r, v, end);
    } else {
        if (nw)
            fprintf(out, "<h3>The %zu VM%s with the largest RPO</h3>\n",
                    nw < HTML_RPO_WORST ? nw : HTML_RPO_WORST, nw == 1 ? "" : "s");
        for (size_t i = 0; i < nw && i < HTML_RPO_WORST; i++)
            html_chart_rpo(out, r, worst[i], end);
        if (nw > HTML_RPO_WORST) {
            fprintf(out, "<details id=\"rpo-more\"><summary>RPO of the next %zu VMs</summary>\n",
                    nw - HTML_RPO_WORST);
            for (size_t i = HTML_RPO_WORST; i < nw; i++)
                html_chart_rpo(out, r, worst[i], end);
            fputs("</details>\n", out);
        }
        if (nvm > nw)
            fprintf(out,
                    "<p class=\"note\">%zu more VM%s not drawn one by one: %s figures are in the "
                    "VM table, and <code>drsim report RESULTS.db --samples FILE</code> writes "
                    "every VM's RPO samples.</p>\n",
                    nvm - nw, nvm - nw == 1 ? " is" : "s are", nvm - nw == 1 ? "its" : "their");
    }
    free(worst);
    fputs("</section>\n", out);
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
        html_esc(out, l->name);
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

static void section_links(FILE *out, const report_results *r, int64_t end)
{
    size_t nl = report_results_link_count(r);
    fputs("<section id=\"chart-link\"><h2>Link throughput</h2>\n", out);
    if (nl == 0)
        fputs("<p class=\"note\">No links.</p>\n", out);
    else
        fputs(
            "<p class=\"note\">Throughput per sample interval against the link's capacity: the "
            "bytes the link carried in the interval (after compression, filled) and the same bytes "
            "before compression (a line: at the compression ratio the link's VMs reached so far); "
            "totals are in the link table.</p>\n",
            out);
    for (size_t l = 0; l < nl; l++)
        html_chart_link(out, r, l, end);
    table_links(out, r);
    fputs("</section>\n", out);
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
        html_esc(out, s->name);
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
    html_chart_points(out, r, end);
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
            html_esc(out, cl->name);
            fprintf(out, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
                    report_format_bytes((double)cl->used_bytes, a, sizeof a),
                    report_format_bytes((double)cl->peak_bytes, b, sizeof b));
        }
        fputs("</tbody></table>\n", out);
    }
    fputs("</section>\n", out);
}

static void section_storage(FILE *out, const report_results *r, int64_t end)
{
    fputs("<section id=\"chart-storage\"><h2>Replica storage</h2>\n<p class=\"note\">What the "
          "replicas hold (base copies and retained recovery points) at each sample, summed over "
          "every VM, and on each site's storage that held replicas, against its capacity; the "
          "classification table under the recovery points has the totals per storage "
          "classification.</p>\n",
          out);
    html_chart_storage(out, r, end);
    fputs("</section>\n", out);
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
        html_failover_who(r, f, who, sizeof who);
        fputs("<tr><td>", out);
        html_esc(out, who);
        fprintf(out,
                "</td><td>%s</td><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                "<td class=\"n\">%s</td><td class=\"%s\">%s</td><td class=\"%s\">%s</td><td>",
                engine_failover_kind_long(f->kind), html_dur(f->started_ns, a, sizeof a),
                html_dur(f->succeeded && f->ended_ns >= 0 ? f->ended_ns - f->started_ns : -1, b,
                         sizeof b),
                html_dur(f->data_loss_ns, c, sizeof c),
                report_format_bytes((double)f->data_loss_bytes, d, sizeof d),
                f->verified ? "ok" : "bad", f->verified ? "yes" : "no", f->succeeded ? "ok" : "bad",
                f->succeeded ? "succeeded" : "failed");
        html_esc(out, f->detail);
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
        html_esc(out, j->name);
        fputs("</td><td>", out);
        html_esc(out, j->subject);
        fprintf(out,
                "</td><td><span class=\"state\" style=\"background:%s\">%s</span></td><td>%s</td>"
                "<td>%s</td><td class=\"n\">%s</td><td>",
                html_state_color(j->state), engine_job_state_name(j->state),
                html_dur(j->started_ns, a, sizeof a), html_dur(j->ended_ns, b, sizeof b),
                html_dur(j->ended_ns >= 0 ? j->ended_ns - j->started_ns : -1, c, sizeof c));
        for (size_t k = 0; k < j->step_count; k++) {
            fputs(k ? "<br>" : "", out);
            html_esc(out, j->steps[k].name);
            fprintf(out, " <span class=\"dim\">%s, %s</span>",
                    engine_job_state_name(j->steps[k].state),
                    html_dur(j->steps[k].at_ns, a, sizeof a));
        }
        fputs("</td><td>", out);
        html_esc(out, j->reason);
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

/* Jobs the run ended in the middle of, with the step each was at: their outcome is unknown. */
static void table_in_progress(FILE *out, const report_results *r)
{
    size_t nj = report_results_job_count(r), shown = 0;
    for (size_t i = 0; i < nj; i++) {
        const report_job *j = report_results_job(r, i);
        if (j->state != ENGINE_JOB_IN_PROGRESS)
            continue;
        if (shown++ == 0)
            fputs("<h3 id=\"in-progress\">Still in progress at the end</h3><table><thead><tr>"
                  "<th class=\"n\">id</th><th>job</th><th>subject</th><th>started</th>"
                  "<th>last step</th></tr></thead><tbody>\n",
                  out);
        char a[24], b[24];
        fprintf(out, "<tr><td class=\"n\">%llu</td><td>", (unsigned long long)j->id);
        html_esc(out, j->name);
        fputs("</td><td>", out);
        html_esc(out, j->subject);
        fprintf(out, "</td><td>%s</td><td>", html_dur(j->started_ns, a, sizeof a));
        if (j->step_count) {
            const report_job_step *st = &j->steps[j->step_count - 1];
            html_esc(out, st->name);
            fprintf(out, " <span class=\"dim\">%s, %s</span>", engine_job_state_name(st->state),
                    html_dur(st->at_ns, b, sizeof b));
        } else {
            fputs("(none yet)", out);
        }
        fputs("</td></tr>\n", out);
    }
    if (shown)
        fputs("</tbody></table>\n", out);
}

static void section_jobs(FILE *out, const report_results *r, int64_t end)
{
    fputs("<section id=\"chart-gantt\"><h2>Failovers and jobs</h2>\n", out);
    html_chart_gantt(out, r, end);
    table_failovers(out, r);
    table_in_progress(out, r);
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
        html_esc(out, e->name);
        fputs("</td><td>", out);
        html_esc(out, e->bound);
        fputs("</td><td>", out);
        html_esc(out, e->actual);
        fputs("</td><td class=\"dim\">", out);
        html_esc(out, e->path);
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
        report_results_rpo(r, v, 0, 0, &st);
        bool ok = st.defined;
        char a[24], b[24], c[24], d[24], e[24], f[24], g[24], ratio[16];
        fputs("<tr><td>", out);
        html_esc(out, s->name);
        fputs("</td><td>", out);
        html_esc(out, s->link >= 0 && (size_t)s->link < report_results_link_count(r)
                          ? report_results_link(r, (size_t)s->link)->name
                          : "-");
        fputs("</td><td>", out);
        if (s->ir_end_ns >= 0)
            html_escf(out, "%s, %s", s->ir_method,
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
                html_dur(ok ? (int64_t)st.p50_ns : -1, b, sizeof b),
                html_dur(ok ? (int64_t)st.p95_ns : -1, c, sizeof c),
                html_dur(ok ? (int64_t)st.p99_ns : -1, d, sizeof d),
                html_dur(ok ? st.max_ns : -1, e, sizeof e), engine_health_name(s->health),
                engine_health_name(s->health), engine_health_name(s->worst_health),
                engine_health_name(s->worst_health), (unsigned long long)s->cycles_completed,
                (unsigned long long)s->cycles_missed, (unsigned long long)s->resyncs_required,
                report_format_bytes((double)s->raw_bytes, f, sizeof f),
                report_format_bytes((double)s->wire_bytes, g, sizeof g), ratio);
    }
    fputs("</tbody></table>\n", out);
    /* RPO figures of a VM that lost protection cover only the time it was protected. */
    for (size_t v = 0; v < nvm; v++) {
        int64_t from = report_results_unprotected_from(r, v);
        char t[24];
        if (from < 0)
            continue;
        fputs("<p class=\"unprotected\"><span class=\"badge bad\">unprotected</span> ", out);
        html_esc(out, report_results_vm(r, v)->name);
        fprintf(out,
                ": not protected from %s (RPO undefined from then on; its statistics cover "
                "the time it was protected).</p>\n",
                html_dur(from, t, sizeof t));
    }
    fputs("</section>\n", out);
}

static void section_findings(FILE *out, const report_results *r)
{
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
            html_esc(out, g->err.path);
            fputs("</code></td><td>", out);
            html_esc(out, g->err.message);
            fputs("</td></tr>\n", out);
        }
        fputs("</tbody></table>\n", out);
    }
    /* Notable events per VM (and about no VM), with the first time each happened. */
    bool header = false;
    size_t nvm = report_results_vm_count(r);
    for (int v = -1; v < (int)nvm; v++) {
        for (int k = 0; k < ENGINE_EV_COUNT; k++) {
            const char *what = engine_event_finding((engine_event_kind)k);
            uint64_t c = what ? report_results_event_count(r, (engine_event_kind)k, v) : 0;
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
            html_esc(out, v >= 0 ? report_results_vm(r, (size_t)v)->name : "(no VM)");
            fprintf(out, "</td><td>%s</td><td class=\"n\">%llu</td><td>%s</td></tr>\n",
                    what, (unsigned long long)c,
                    html_dur(report_results_event_first_ns(r, (engine_event_kind)k, v), t,
                             sizeof t));
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
                html_esc(out, s->name);
                fprintf(out,
                        "</td><td>health reached %s</td><td class=\"n\"></td><td>%s</td></tr>\n",
                        engine_health_name(s->worst_health),
                        html_dur(s->health_first_ns[s->worst_health], t, sizeof t));
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

const char html_page_css[] =
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
    "svg text.tlabel{font-weight:600;fill:#6b21a8}svg text.worstlist{fill:#1d4ed8;font-weight:600}"
    ".grid{stroke:#eef0f3}.base{stroke:#9ca3af}"
    "path.rpo{fill:none;stroke:#2563eb;stroke-width:1.3;stroke-linejoin:round}"
    "circle.peak{fill:#1d4ed8;stroke:#fff;stroke-width:1.5}"
    "line.target{stroke-width:1.5;stroke-dasharray:6 4}"
    "rect.undef{fill:#f3f4f6}"
    "path.wire{fill:#2563eb;fill-opacity:.18;stroke:#2563eb;stroke-width:1.2;stroke-linejoin:round}"
    "path.raw{fill:none;stroke:#ea580c;stroke-width:1.2;stroke-linejoin:round}"
    "path.capacity{fill:none;stroke:#111827;stroke-width:1.3;stroke-dasharray:5 3}"
    "line.p95{stroke:#9333ea;stroke-width:1;stroke-dasharray:2 3}"
    "rect.down{fill:#dc2626;fill-opacity:.12}"
    "rect.lane{fill:#f8fafc}rect.ir{fill:#94a3b8;fill-opacity:.6}"
    "path.tick{stroke:#2563eb;stroke-width:1;stroke-opacity:.75}"
    "path.warn{fill:#d97706}path.crit{fill:#dc2626}"
    "rect.hit{fill:transparent}g.buckets rect.hit:hover{fill:#2563eb;fill-opacity:.08}"
    "path.band{fill:#2563eb;fill-opacity:.16;stroke:none}"
    "path.fleet-p50{fill:none;stroke:#1e3a8a;stroke-width:1.5;stroke-linejoin:round}"
    "path.fleet-p95{fill:none;stroke:#2563eb;stroke-width:1.1;stroke-dasharray:5 3}"
    "path.fleet-max{fill:none;stroke:#dc2626;stroke-width:1;stroke-opacity:.85}"
    "path.stor-total{fill:#059669;fill-opacity:.14;stroke:#059669;stroke-width:1.4;"
    "stroke-linejoin:round}"
    "path.stor-vm,path.stor-used{fill:none;stroke-width:1.3;stroke-linejoin:round}"
    "line.stor-cap{stroke-width:1.3;stroke-dasharray:6 4}"
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
    html_esc(out, value);
    fprintf(out, "</b><span>%s</span></div>\n", what);
}

static void page_header(FILE *out, const report_results *r, int64_t end)
{
    const char *name = report_results_scenario_name(r);
    char d[32], v[48];
    fputs("<header><h1>", out);
    html_esc(out, name && name[0] ? name : "drsim run");
    fputs("</h1><p>", out);
    html_escf(out, "drsim run report: seed %llu, %s simulated%s",
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
        report_results_rpo(r, i, 0, 0, &st);
        if (st.defined && st.max_ns > worst)
            worst = st.max_ns;
    }
    snprintf(v, sizeof v, "%zu", report_results_vm_count(r));
    card(out, "", v, "virtual machines");
    card(out, "", html_dur(worst, d, sizeof d), "worst RPO");
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
    int64_t end = html_run_end(r);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          out);
    html_esc(out, report_results_scenario_name(r));
    fputs(" - drsim</title>\n<style>", out);
    fputs(html_page_css, out);
    fputs("</style>\n</head>\n<body>\n", out);
    page_header(out, r, end);
    section_expectations(out, r);
    section_rpo(out, r, end);
    section_links(out, r, end);
    section_points(out, r, end);
    section_storage(out, r, end);
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
    FILE *out = report_output_open(path, err);
    if (!out)
        return false;
    report_html_fprint(r, out);
    return report_output_close(out, path, err);
}

/* The <svg>...</svg> of one chart written by fn, made a document of its own: the XML namespace and
 * the page's style inside it. NULL when html holds no chart. */
static char *standalone_svg(const char *html)
{
    const char *a = strstr(html, "<svg ");
    const char *b = a ? strstr(a, "</svg>") : NULL;
    const char *gt = a ? strchr(a, '>') : NULL;
    if (!a || !b || !gt || gt > b)
        return NULL;
    char *doc = NULL;
    size_t n = 0;
    FILE *out = drs_xmemstream(&doc, &n);
    fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" ", out);
    fwrite(a + 5, 1, (size_t)(gt - (a + 5)) + 1, out);
    fputs("<style><![CDATA[", out);
    fputs(html_page_css, out);
    fputs("]]></style>", out);
    fwrite(gt + 1, 1, (size_t)(b + 6 - (gt + 1)), out);
    drs_xmemstream_close(out);
    return doc;
}

char **report_html_chart_svgs(const report_results *r, int64_t end_ns)
{
    /* The links, then RPO across the VMs, recovery points, replica storage and failovers. */
    size_t nl = report_results_link_count(r), nc = nl + 4;
    char **svgs = drs_xcalloc(nc + 1, sizeof *svgs);
    size_t k = 0;
    for (size_t i = 0; i < nc; i++) {
        char *html = NULL;
        size_t n = 0;
        FILE *out = drs_xmemstream(&html, &n);
        if (i < nl)
            html_chart_link(out, r, i, end_ns);
        else if (i == nl)
            html_chart_fleet(out, r, end_ns, NULL, 0);
        else if (i == nl + 1)
            html_chart_points(out, r, end_ns);
        else if (i == nl + 2)
            html_chart_storage(out, r, end_ns);
        else
            html_chart_gantt(out, r, end_ns);
        drs_xmemstream_close(out);
        char *svg = standalone_svg(html);
        free(html);
        if (svg)
            svgs[k++] = svg;
    }
    return svgs;
}

void report_html_svgs_free(char **svgs)
{
    for (size_t i = 0; svgs && svgs[i]; i++)
        free(svgs[i]);
    free((void *)svgs);
}
