/* sim/plan/plan_point.c — one run of a plan: the scenario with the point's values, simulated in a worker
 * process, its RPO percentile and planning figures handed back through a file, its run appended to
 * the results database.
 *
 * Workers are forked processes rather than threads: the simulator keeps per-run state that was
 * never meant to be shared, a crash in one run cannot take the plan down, and each worker writes a
 * database of its own (SQLite would serialise writers on one file for the whole length of a run).
 * The parent appends the workers' runs to the user's database in the order the points were planned,
 * so the database does not depend on the number of workers or on which one finished first. */
#include <errno.h>
#include <signal.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/rules.h"
#include "engine/shared/alloc.h"
#include "reports/format.h"
#include "reports/reports.h"
#include "plan_internal.h"
#include "sim/run/exit_status.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "sim/run/version.h"

char *plan_point_json(const plan_ctx *c, const sim_plan_point *p, drs_error *err)
{
    json_t *root = json_deep_copy(c->base);
    if (!root) {
        drs_fail(err, DRS_EINTERNAL, "", "out of memory");
        return NULL;
    }
    char *text = NULL;
    bool ok = true;
    for (size_t d = 0; d < c->dims_n && ok; d++)
        ok = plan_json_set(root, c->dims[d].path, c->dims[d].kind, p->text[d], err);
    if (ok && !(text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)))
        drs_fail(err, DRS_EINTERNAL, "", "out of memory");
    json_decref(root);
    return text;
}

/* "links[0].bandwidth=25000000B/s, recovery...=5m" for messages. */
static void point_label(const plan_ctx *c, const sim_plan_point *p, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t d = 0; d < c->dims_n && used < n; d++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s=%s", d ? ", " : "", c->dims[d].path,
                                 p->text[d]);
}

static drs_scenario *point_load(const plan_ctx *c, const char *text, drs_diags *diags)
{
    drs_scenario *sc = sim_scenario_load_string(text, c->name, c->dir, diags);
    if (sc)
        engine_rules_check(sc, diags);
    if (sc && drs_diags_errors(diags)) {
        drs_scenario_free(sc);
        sc = NULL;
    }
    return sc;
}

bool plan_point_check(const plan_ctx *c, const sim_plan_point *p)
{
    drs_error err = {0};
    drs_diags diags = {0};
    char label[512];
    point_label(c, p, label, sizeof label);
    char *text = plan_point_json(c, p, &err);
    if (!text) {
        fprintf(stderr, "drsim plan: error: %s: %s\n", err.path, err.message);
        return false;
    }
    drs_scenario *sc = point_load(c, text, &diags);
    free(text);
    if (!sc) {
        fprintf(stderr, "drsim plan: the scenario with %s is refused:\n", label);
        for (size_t i = 0; i < diags.count; i++)
            if (diags.items[i].severity == DRS_SEV_ERROR) {
                const drs_error *e = &diags.items[i].err;
                fprintf(stderr, "  error: %s%s%s\n", e->path, e->path[0] ? ": " : "", e->message);
            }
    }
    drs_diags_clear(&diags);
    drs_scenario_free(sc);
    return sc != NULL;
}

/* ---- planning figures ------------------------------------------------------------------------ */

/* Initial replication per VM and by method, link use, replica storage per classification. */
static void answers_write(FILE *f, const drs_scenario *sc, const report_results *r)
{
    char a[32], b[32], x[32];
    fputs("Initial replication (copy time; when it was done):\n", f);
    int64_t last[2] = {-1, -1};
    size_t count[2] = {0, 0}, pending = 0;
    for (size_t i = 0; i < sc->recovery.protect_count; i++) {
        int vi = sc->recovery.protect[i].vm;
        if (vi < 0 || (size_t)vi >= report_results_vm_count(r))
            continue;
        const report_vm_stats *v = report_results_vm(r, (size_t)vi);
        if (v->ir_end_ns < 0) {
            fprintf(f, "  %-20s not done by the end of the run\n", v->name);
            pending++;
            continue;
        }
        int m = strcmp(v->ir_method, "offline") == 0;
        count[m]++;
        if (v->ir_end_ns > last[m])
            last[m] = v->ir_end_ns;
        fprintf(f, "  %-20s %-8s %12s  done at %s\n", v->name, v->ir_method,
                report_format_duration(v->ir_end_ns - v->ir_start_ns, a, sizeof a),
                report_format_duration(v->ir_end_ns, b, sizeof b));
    }
    fputs("  in total:", f);
    static const char *const method[2] = {"network", "offline"};
    const char *sep = " ";
    for (int m = 0; m < 2; m++)
        if (count[m]) {
            fprintf(f, "%s%zu VM%s %s, the last done at %s", sep, count[m],
                    count[m] == 1 ? "" : "s", method[m],
                    report_format_duration(last[m], a, sizeof a));
            sep = "; ";
        }
    if (pending)
        fprintf(f, "%s%zu not done", sep, pending);
    fputs("\n", f);

    fputs("Link use (wire throughput):\n", f);
    for (size_t i = 0; i < report_results_link_count(r); i++) {
        const report_link_stats *l = report_results_link(r, i);
        if (!l->util.defined) {
            fprintf(f, "  %-20s no samples\n", l->name);
            continue;
        }
        fprintf(f, "  %-20s peak %s (%.0f %%), p95 %s (%.0f %%)\n", l->name,
                report_format_rate_bps(l->util.peak_Bps, a, sizeof a), 100 * l->util.max,
                report_format_rate_bps(l->util.p95_Bps, b, sizeof b), 100 * l->util.p95);
    }

    fputs("Replica storage (peak; base copies and recovery points):\n", f);
    for (size_t i = 0; i < report_results_class_count(r); i++) {
        const report_class_stats *cl = report_results_class(r, i);
        if (!cl->peak_bytes)
            continue;
        uint64_t points = cl->peak_bytes > cl->base_bytes ? cl->peak_bytes - cl->base_bytes : 0;
        fprintf(f, "  %-20s %s: base %s, recovery points %s (%.1f %%)\n", cl->name,
                report_format_bytes((double)cl->peak_bytes, a, sizeof a),
                report_format_bytes((double)cl->base_bytes, b, sizeof b),
                report_format_bytes((double)points, x, sizeof x),
                100.0 * (double)points / (double)cl->peak_bytes);
    }
}

/* ---- one point, in a worker --------------------------------------------------------------------
 */

/* The worst protected VM's RPO percentile over [after, end]. A VM whose RPO is defined for less
 * than half of that window (initial replication not done, protection lost: the spans the recorder
 * marks undefined are not covered) counts as infinite: a few fresh points at the end of a run must
 * not pass for a met target. */
static double point_rpo(const plan_ctx *c, const drs_scenario *sc, const report_results *r,
                        char *worst, size_t n)
{
    double q = c->opt->percentile / 100.0;
    int64_t end = report_results_end_ns(r), from = c->opt->after_ns;
    double out = -1;
    snprintf(worst, n, "-");
    for (size_t i = 0; i < sc->recovery.protect_count; i++) {
        int vi = sc->recovery.protect[i].vm;
        if (vi < 0 || (size_t)vi >= report_results_vm_count(r))
            continue;
        size_t npts;
        const report_rpo_point *pts = report_results_rpo_points(r, (size_t)vi, &npts);
        report_rpo_stats st;
        double v = INFINITY;
        report_results_rpo(r, (size_t)vi, from, 0, &st);
        if (st.defined && 2 * st.covered_ns >= end - from) {
            v = q >= 1 ? (double)st.max_ns : report_rpo_quantile(pts, npts, from, end, q);
            if (v < 0)
                v = INFINITY;
        }
        if (v > out) {
            out = v;
            snprintf(worst, n, "%s", report_results_vm(r, (size_t)vi)->name);
        }
    }
    return out < 0 ? INFINITY : out;
}

static void hex_digest(const char *text, char hex[65])
{
    uint8_t d[32];
    report_sha256(text, strlen(text), d);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* Runs p and writes "status rpo_ns worst_vm" and the planning figures to res. */
static int point_exec(const plan_ctx *c, const sim_plan_point *p, const char *db_file, FILE *res)
{
    drs_error err = {0};
    drs_diags diags = {0};
    report_results *results = NULL;
    report_db *db = NULL;
    int status = SIM_EXIT_INTERNAL;
    char *text = plan_point_json(c, p, &err);
    drs_scenario *sc = text ? point_load(c, text, &diags) : NULL;
    if (!sc) {
        fprintf(res, "%d inf -\n", SIM_EXIT_INPUT);
        status = SIM_EXIT_INPUT;
        goto out;
    }
    results = report_results_new(sc);
    report_results_add_diags(results, &diags);
    if (db_file) {
        char sha[65];
        hex_digest(text, sha);
        db = report_db_open(db_file, &err);
        report_run_info info = {.scenario_name = sc->name,
                                .scenario_path = c->opt->scenario_path,
                                .scenario_sha256 = sha,
                                .seed = sc->seed,
                                .drsim_version = sim_version(),
                                .duration_ns = sc->duration_ns};
        if (!db || !report_db_run_begin(db, &info, NULL, &err))
            goto fail;
        for (size_t d = 0; d < c->dims_n; d++)
            if (!report_db_put_plan_value(db, c->dims[d].path, p->text[d], p->value[d], &err))
                goto fail;
        report_results_attach_db(results, db);
    }
    if (!sim_run_simulate(sc, results, false, NULL))
        goto out;
    bool held = report_expect_evaluate(results, sc->expect, sc->expect_count);
    if (db && !report_db_run_end(db, results, held ? "complete" : "failed",
                                 held ? SIM_EXIT_OK : SIM_EXIT_FAILED, &err))
        goto fail;
    char worst[64];
    double rpo = point_rpo(c, sc, results, worst, sizeof worst);
    fprintf(res, "%d %.17g %s\n", SIM_EXIT_OK, rpo, worst);
    answers_write(res, sc, results);
    status = SIM_EXIT_OK;
    goto out;
fail:
    fprintf(stderr, "drsim plan: %s%s%s\n", err.path, err.path[0] ? ": " : "", err.message);
out:
    report_db_close(db);
    report_results_free(results);
    drs_scenario_free(sc);
    drs_diags_clear(&diags);
    free(text);
    return status;
}

/* ---- the workers ------------------------------------------------------------------------------
 */

static void point_file(const plan_ctx *c, size_t seq, const char *ext, char *buf, size_t n)
{
    snprintf(buf, n, "%s/p%zu.%s", c->tmp, seq, ext);
}

/* Reads a worker's result file into p (and its figures into *answers). */
static bool point_collect(const char *file, sim_plan_point *p, char **answers)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return false;
    char line[256];
    bool ok = fgets(line, sizeof line, f) != NULL;
    if (ok) {
        char worst[64] = "-";
        ok = sscanf(line, "%d %lf %63s", &p->status, &p->rpo_ns, worst) == 3;
        snprintf(p->worst_vm, sizeof p->worst_vm, "%s", worst);
    }
    if (ok && answers) {
        size_t cap = 4096, len = 0;
        char *s = drs_xmalloc(cap);
        size_t got;
        while ((got = fread(s + len, 1, cap - len - 1, f)) > 0) {
            len += got;
            DRS_GROW(s, cap, len + 2); /* full: room for more and the closing NUL */
        }
        s[len] = '\0';
        *answers = s;
    }
    fclose(f);
    return ok;
}

static size_t plan_seq; /* names the workers' files, unique within the process */

volatile sig_atomic_t plan_stop_signal;

bool plan_points_run(const plan_ctx *c, sim_plan_point *pts, size_t n, char **answers)
{
    size_t base = plan_seq;
    plan_seq += n;
    pid_t *pid = drs_xcalloc(n ? n : 1, sizeof *pid);
    size_t next = 0, running = 0;
    int jobs = c->jobs > 0 ? c->jobs : 1;
    bool ok = true, stopped = false;
    while (next < n || running > 0) {
        if (plan_stop_signal) {
            /* Interrupted: no worker outlives the plan. */
            for (size_t i = 0; i < next; i++)
                if (pid[i] > 0)
                    kill(pid[i], SIGTERM);
            while (running > 0 && wait(NULL) > 0)
                running--;
            stopped = true;
            ok = false;
            break;
        }
        if (next < n && running < (size_t)jobs) {
            char res[600], dbf[600];
            point_file(c, base + next, "res", res, sizeof res);
            point_file(c, base + next, "db", dbf, sizeof dbf);
            fflush(NULL);
            pid_t k = fork();
            if (k == 0) {
                signal(SIGINT, SIG_DFL);
                signal(SIGTERM, SIG_DFL);
                FILE *f = fopen(res, "w");
                int st =
                    f ? point_exec(c, &pts[next], c->db_path ? dbf : NULL, f) : SIM_EXIT_INTERNAL;
                if (f && fclose(f) != 0)
                    st = SIM_EXIT_INTERNAL;
                fflush(NULL);
                /* A refused point is an answer (in its file), not a failed worker. */
                _exit(st == SIM_EXIT_INTERNAL ? SIM_EXIT_INTERNAL : SIM_EXIT_OK);
            }
            if (k < 0) {
                fprintf(stderr, "drsim plan: cannot start a worker: %s\n", strerror(errno));
                ok = false;
                break;
            }
            pid[next++] = k;
            running++;
            continue;
        }
        int ws;
        pid_t done = wait(&ws);
        if (done < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (size_t i = 0; i < next; i++)
            if (pid[i] == done) {
                pid[i] = 0;
                pts[i].status = WIFEXITED(ws) && WEXITSTATUS(ws) == SIM_EXIT_OK ? SIM_EXIT_OK
                                                                                : SIM_EXIT_INTERNAL;
                running--;
                if (c->on_done)
                    c->on_done(c->on_done_arg);
            }
    }
    while (running > 0 && wait(NULL) > 0) /* after a failed fork */
        running--;
    if (stopped) {
        for (size_t i = 0; i < next; i++) {
            char res[600], dbf[600];
            point_file(c, base + i, "res", res, sizeof res);
            point_file(c, base + i, "db", dbf, sizeof dbf);
            unlink(res);
            unlink(dbf);
            char journal[620];
            snprintf(journal, sizeof journal, "%s-journal", dbf);
            unlink(journal);
        }
        free(pid);
        return false;
    }

    /* In plan order: results, then the run into the user's database. */
    for (size_t i = 0; i < n; i++) {
        char res[600], dbf[600];
        point_file(c, base + i, "res", res, sizeof res);
        point_file(c, base + i, "db", dbf, sizeof dbf);
        int exit_status = pts[i].status;
        pts[i].run_id = -1;
        if (answers)
            answers[i] = NULL;
        if (i >= next || !point_collect(res, &pts[i], answers ? &answers[i] : NULL))
            pts[i].status = SIM_EXIT_INTERNAL;
        if (exit_status != SIM_EXIT_OK)
            pts[i].status = SIM_EXIT_INTERNAL;
        if (pts[i].status == SIM_EXIT_INTERNAL) {
            pts[i].rpo_ns = INFINITY;
            char label[512];
            point_label(c, &pts[i], label, sizeof label);
            fprintf(stderr, "drsim plan: the run with %s failed\n", label);
            ok = false;
        }
        pts[i].meets =
            pts[i].status == SIM_EXIT_OK && pts[i].rpo_ns <= (double)c->opt->target_rpo_ns;
        if (c->db_path && pts[i].status == SIM_EXIT_OK) {
            drs_error err = {0};
            const char *in[1] = {dbf};
            report_merge_stats st;
            if (report_db_merge(c->db_path, in, 1, &st, &err))
                pts[i].run_id = st.first_run;
            else {
                fprintf(stderr, "drsim plan: %s\n", err.message);
                ok = false;
            }
        }
        unlink(res);
        unlink(dbf);
    }
    free(pid);
    return ok;
}
