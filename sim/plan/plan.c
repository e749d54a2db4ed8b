/* sim/plan/plan.c — `drsim plan`: the search (bisection or sweep), shards, the table, the answer and the
 * chart. Values and JSON paths are plan_value.c's; running points in workers is plan_point.c's. */
#include "plan.h"

#include "sim/run/exit_status.h"

#include <errno.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/rules.h"
#include "engine/shared/alloc.h"
#include "reports/format.h"
#include "reports/reports.h"
#include "plan_internal.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/units.h"


bool sim_plan_shard_owns(size_t index, unsigned shard_index, unsigned shard_count)
{
    if (shard_count == 0)
        return true;
    return index % shard_count == shard_index;
}

void sim_plan_outcome_clear(sim_plan_outcome *out)
{
    if (!out)
        return;
    free(out->points);
    memset(out, 0, sizeof *out);
}

/* ---- points ------------------------------------------------------------------------------------
 */

typedef struct plan_state {
    plan_ctx c;
    sim_plan_outcome *out;
    size_t cap;
    char **answers; /* planning figures per point, parallel to out->points */
    FILE *o;
    /* The progress line (opt->progress): runs ended, runs planned (a bisection's is an estimate
     * until it ends), and when the plan began. */
    size_t done, planned;
    bool estimate, shown;
    double t0;
} plan_state;

static double plan_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One line on stderr, rewritten in place: "plan: 7 of ~17 runs, 1m02s spent, about 1m30s left".
 * The time left is the time per run so far times the runs to go. */
static void plan_progress_show(plan_state *s)
{
    if (!s->c.opt->progress)
        return;
    double spent = plan_wall() - s->t0;
    size_t planned = s->planned > s->done ? s->planned : s->done;
    char a[24], b[24];
    report_format_duration((int64_t)(spent * 1e9), a, sizeof a);
    if (s->done)
        report_format_duration((int64_t)(spent / (double)s->done * (double)(planned - s->done) * 1e9),
                               b, sizeof b);
    fprintf(stderr, "\rplan: %zu of %s%zu runs, %s spent, %s%s%s   ", s->done,
            s->estimate ? "~" : "", planned, a, s->done ? "about " : "", s->done ? b : "?",
            " left");
    fflush(stderr);
    s->shown = true;
}

static void plan_progress_done(void *arg)
{
    plan_state *s = arg;
    s->done++;
    plan_progress_show(s);
}

/* Clears the progress line, so that what follows starts at the left edge of an empty line. */
static void plan_progress_end(plan_state *s)
{
    if (s->shown)
        fprintf(stderr, "\r%-78s\r", "");
    s->shown = false;
}

/* Runs a bisection is expected to take: its two bounds, then PLAN_ROUND_POINTS a round, each
 * round cutting the bracket into four (geometric steps for positive bounds), until it is narrower
 * than precision times the answer (taken as the larger bound: an estimate). */
static size_t plan_bisect_estimate(const plan_dim *d, double precision)
{
    double lo = d->values[0], hi = d->values[1], rounds;
    if (lo > 0 && hi > 0)
        rounds = log(fabs(log(hi / lo)) / log1p(precision)) / log(PLAN_ROUND_POINTS + 1);
    else
        rounds = log(fabs(hi - lo) / (precision * fmax(fabs(lo), fabs(hi)))) /
                 log(PLAN_ROUND_POINTS + 1);
    if (d->kind == PLAN_INTEGER)
        rounds = fmin(rounds, log(fabs(hi - lo)) / log(PLAN_ROUND_POINTS + 1));
    if (!isfinite(rounds) || rounds < 0)
        rounds = 0;
    return 2 + PLAN_ROUND_POINTS * (size_t)ceil(rounds);
}

static sim_plan_point *plan_add(plan_state *s, size_t n)
{
    size_t need = s->out->point_count + n;
    size_t old_cap = s->cap;
    DRS_GROW(s->out->points, s->cap, need);
    if (s->cap != old_cap) /* the answers share the points' capacity */
        s->answers = drs_xrealloc(s->answers, s->cap, sizeof *s->answers);
    sim_plan_point *first = &s->out->points[s->out->point_count];
    memset(first, 0, n * sizeof *first);
    for (size_t i = 0; i < n; i++) {
        first[i].run_id = -1;
        first[i].rpo_ns = INFINITY;
        s->answers[s->out->point_count + i] = NULL;
    }
    s->out->point_count = need;
    return first;
}

/* Runs the last n points added. */
static bool plan_run_last(plan_state *s, size_t n)
{
    size_t first = s->out->point_count - n;
    return plan_points_run(&s->c, &s->out->points[first], n, &s->answers[first]);
}

static void point_set(const plan_dim *d, sim_plan_point *p, size_t dim, double v, const char *given)
{
    if (given) {
        snprintf(p->text[dim], sizeof p->text[dim], "%s", given);
        p->value[dim] = v;
    } else
        plan_value_text(d->kind, v, p->text[dim], sizeof p->text[dim], &p->value[dim]);
}

static const char *pct_name(double p, char *buf, size_t n)
{
    if (p >= 100)
        snprintf(buf, n, "max");
    else
        snprintf(buf, n, "p%g", p);
    return buf;
}

/* ---- bisection ---------------------------------------------------------------------------------
 */

static bool close_enough(const plan_dim *d, double pass, double fail, double precision)
{
    double gap = fabs(pass - fail);
    if (d->kind == PLAN_INTEGER && gap <= 1)
        return true;
    return gap <= precision * fabs(pass);
}

/* Whether any point refused its values; prints why. */
static bool plan_refused(plan_state *s, size_t from)
{
    bool any = false;
    for (size_t i = from; i < s->out->point_count; i++)
        if (s->out->points[i].status == SIM_EXIT_INPUT) {
            fprintf(stderr,
                    "drsim plan: %s %s: the scenario refuses %s (this path takes only some values: "
                    "sweep them with --grid)\n",
                    s->c.dims[0].option, s->c.dims[0].path, s->out->points[i].text[0]);
            plan_point_check(&s->c, &s->out->points[i]);
            any = true;
        }
    return any;
}

static int plan_bisect(plan_state *s)
{
    const plan_dim *d = &s->c.dims[0];
    double precision = s->c.opt->precision;
    s->planned = plan_bisect_estimate(d, precision);
    s->estimate = true;
    plan_progress_show(s);
    sim_plan_point *b = plan_add(s, 2);
    for (size_t i = 0; i < 2; i++) {
        b[i].grid_index = i;
        point_set(d, &b[i], 0, d->values[i], d->texts[i]);
    }
    if (!plan_run_last(s, 2))
        return SIM_EXIT_INTERNAL;
    if (plan_refused(s, 0))
        return SIM_EXIT_INPUT;
    sim_plan_point lo = s->out->points[0], hi = s->out->points[1];
    int better = plan_path_direction(d->path);
    if (better == 0) { /* learn it from the bounds */
        if (lo.meets != hi.meets)
            better = hi.meets ? 1 : -1;
        else if (lo.rpo_ns != hi.rpo_ns)
            better = hi.rpo_ns < lo.rpo_ns ? 1 : -1;
    }
    s->out->better = better;
    sim_plan_point good = better >= 0 ? hi : lo, bad = better >= 0 ? lo : hi;
    if (!good.meets)
        return SIM_EXIT_FAILED;
    size_t pass = better >= 0 ? 1 : 0, fail = better >= 0 ? 0 : 1; /* indices into points */
    if (bad.meets)
        pass = fail; /* the whole range meets the target: the cheaper bound is the answer */
    else
        while (!close_enough(d, s->out->points[pass].value[0], s->out->points[fail].value[0],
                             precision)) {
            double vf = s->out->points[fail].value[0], vp = s->out->points[pass].value[0];
            bool geometric = vf > 0 && vp > 0;
            sim_plan_point cand[PLAN_ROUND_POINTS];
            size_t n = 0;
            for (size_t k = 1; k <= PLAN_ROUND_POINTS; k++) {
                double f = (double)k / (PLAN_ROUND_POINTS + 1);
                double v = geometric ? vf * pow(vp / vf, f) : vf + (vp - vf) * f;
                sim_plan_point p = {0};
                point_set(d, &p, 0, v, NULL);
                bool dup = p.value[0] == vf || p.value[0] == vp ||
                           (n > 0 && p.value[0] == cand[n - 1].value[0]);
                if (!dup)
                    cand[n++] = p;
            }
            if (n == 0)
                break; /* the values cannot be told apart any finer */
            size_t first = s->out->point_count;
            sim_plan_point *r = plan_add(s, n);
            for (size_t i = 0; i < n; i++) {
                r[i] = cand[i];
                r[i].grid_index = first + i;
                r[i].run_id = -1;
            }
            if (!plan_run_last(s, n))
                return SIM_EXIT_INTERNAL;
            if (plan_refused(s, first))
                return SIM_EXIT_INPUT;
            /* The candidates go from the failing side to the passing one: the first that meets
             * is the new pass, the one before it the new fail. */
            size_t np = pass, nf = fail;
            for (size_t i = 0; i < n; i++) {
                if (s->out->points[first + i].meets) {
                    np = first + i;
                    break;
                }
                nf = first + i;
            }
            pass = np;
            fail = nf;
        }
    const sim_plan_point *a = &s->out->points[pass];
    s->out->has_answer = true;
    s->out->answer = a->value[0];
    snprintf(s->out->answer_text, sizeof s->out->answer_text, "%s", a->text[0]);
    return SIM_EXIT_OK;
}

/* ---- sweep -------------------------------------------------------------------------------------
 */

static int plan_sweep(plan_state *s)
{
    const sim_plan_options *opt = s->c.opt;
    size_t total = 1;
    for (size_t d = 0; d < s->c.dims_n; d++)
        total *= s->c.dims[d].count;
    size_t mine = 0;
    for (size_t i = 0; i < total; i++)
        mine += sim_plan_shard_owns(i, opt->shard_index, opt->shard_count);
    sim_plan_point *p = mine ? plan_add(s, mine) : NULL;
    size_t k = 0;
    for (size_t i = 0; i < total; i++) {
        if (!sim_plan_shard_owns(i, opt->shard_index, opt->shard_count))
            continue;
        p[k].grid_index = i;
        size_t rest = i;
        for (size_t d = s->c.dims_n; d-- > 0;) { /* row-major: the last path varies fastest */
            size_t j = rest % s->c.dims[d].count;
            rest /= s->c.dims[d].count;
            point_set(&s->c.dims[d], &p[k], d, s->c.dims[d].values[j], s->c.dims[d].texts[j]);
        }
        k++;
    }
    s->planned = mine;
    plan_progress_show(s);
    if (mine && !plan_run_last(s, mine))
        return SIM_EXIT_INTERNAL;
    for (size_t i = 0; i < mine; i++)
        if (s->out->points[i].status == SIM_EXIT_INPUT) {
            plan_point_check(&s->c, &s->out->points[i]);
            return SIM_EXIT_INPUT;
        }
    int better = plan_path_direction(s->c.dims[0].path);
    s->out->better = better;
    bool any = false;
    for (size_t i = 0; i < mine; i++)
        any = any || s->out->points[i].meets;
    /* One path, the whole sweep here: the boundary among the values tried. */
    if (s->c.dims_n == 1 && opt->shard_count == 0 && better != 0) {
        for (size_t i = 0; i < mine; i++) {
            const sim_plan_point *q = &s->out->points[i];
            if (q->meets && (!s->out->has_answer || (better > 0 ? q->value[0] < s->out->answer
                                                                : q->value[0] > s->out->answer))) {
                s->out->has_answer = true;
                s->out->answer = q->value[0];
                snprintf(s->out->answer_text, sizeof s->out->answer_text, "%s", q->text[0]);
            }
        }
    }
    /* A shard is one part of a sweep: whether the sweep met the target is for the merged whole. */
    return any || opt->shard_count ? SIM_EXIT_OK : SIM_EXIT_FAILED;
}

/* ---- output ------------------------------------------------------------------------------------
 */

static int point_cmp_value(const void *pa, const void *pb)
{
    const sim_plan_point *a = *(const sim_plan_point *const *)pa;
    const sim_plan_point *b = *(const sim_plan_point *const *)pb;
    return (a->value[0] > b->value[0]) - (a->value[0] < b->value[0]);
}

static void plan_print_table(plan_state *s, bool by_value)
{
    FILE *o = s->o;
    const sim_plan_outcome *out = s->out;
    char pct[16], b[48];
    pct_name(s->c.opt->percentile, pct, sizeof pct);
    int w[PLAN_MAX_DIMS];
    for (size_t d = 0; d < s->c.dims_n; d++) {
        w[d] = (int)strlen(s->c.dims[d].path);
        if (w[d] < 14)
            w[d] = 14;
        fprintf(o, "%-*s  ", w[d], s->c.dims[d].path);
    }
    char head[64];
    snprintf(head, sizeof head, "RPO %s (worst VM)", pct);
    fprintf(o, "%-32s %-7s %s\n", head, "target", s->c.db_path ? "run" : "");
    const sim_plan_point **rows =
        drs_xcalloc(out->point_count ? out->point_count : 1, sizeof *rows);
    for (size_t i = 0; i < out->point_count; i++)
        rows[i] = &out->points[i];
    if (by_value)
        qsort(rows, out->point_count, sizeof *rows, point_cmp_value);
    for (size_t i = 0; i < out->point_count; i++) {
        const sim_plan_point *p = rows[i];
        for (size_t d = 0; d < s->c.dims_n; d++) {
            plan_value_show(&s->c.dims[d], p->value[d], b, sizeof b);
            fprintf(o, "%-*s  ", w[d], b);
        }
        char rpo[96];
        if (p->status != SIM_EXIT_OK)
            snprintf(rpo, sizeof rpo, "%s", p->status == SIM_EXIT_INPUT ? "refused" : "failed");
        else if (!isfinite(p->rpo_ns))
            snprintf(rpo, sizeof rpo, "undefined (%s)", p->worst_vm);
        else
            snprintf(rpo, sizeof rpo, "%s (%s)",
                     report_format_duration(llround(p->rpo_ns), b, sizeof b), p->worst_vm);
        fprintf(o, "%-32s %-7s", rpo, p->meets ? "meets" : "misses");
        if (p->run_id >= 0)
            fprintf(o, " %lld", (long long)p->run_id);
        fputc('\n', o);
    }
    free((void *)rows);
}

/* The answer line(s) into a buffer, for the terminal and the HTML page. */
static char *plan_answer_text(plan_state *s, int code)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = drs_xmemstream(&buf, &len);
    const sim_plan_outcome *out = s->out;
    const plan_dim *d = &s->c.dims[0];
    char pct[16], t[32], v[48];
    pct_name(s->c.opt->percentile, pct, sizeof pct);
    report_format_duration(s->c.opt->target_rpo_ns, t, sizeof t);
    const char *dir = out->better > 0   ? "bigger is better"
                      : out->better < 0 ? "bigger is worse"
                                        : "direction unknown";
    if (out->has_answer) {
        plan_value_show(d, out->answer, v, sizeof v);
        fprintf(
            f,
            "answer: %s = %s (%s): the %s value that keeps the RPO %s of every VM within %s (%s)",
            d->path, v, out->answer_text, out->better < 0 ? "largest" : "smallest", pct, t, dir);
        if (!s->c.opt->grid_count) {
            fprintf(f, ", to %.2g %%", 100 * s->c.opt->precision);
        } else
            fputs(", among the values swept", f);
        fputs("\n", f);
        for (size_t i = 0; i < out->point_count; i++)
            if (out->points[i].value[0] == out->answer && s->answers[i]) {
                fprintf(f, "\nThe run with %s = %s:\n%s", d->path, v, s->answers[i]);
                break;
            }
    } else if (s->c.dims_n == 2 && out->better != 0 && !s->c.opt->shard_count) {
        /* Two paths: the boundary of the first for each value of the second. */
        const plan_dim *d1 = &s->c.dims[1];
        fprintf(f, "answer: the %s %s that keeps the RPO %s of every VM within %s (%s), by %s:\n",
                out->better < 0 ? "largest" : "smallest", d->path, pct, t, dir, d1->path);
        for (size_t j = 0; j < d1->count; j++) {
            const sim_plan_point *best = NULL;
            for (size_t i = 0; i < out->point_count; i++) {
                const sim_plan_point *q = &out->points[i];
                if (q->grid_index % d1->count == j && q->meets &&
                    (!best || (out->better > 0 ? q->value[0] < best->value[0]
                                               : q->value[0] > best->value[0])))
                    best = q;
            }
            if (best)
                plan_value_show(d, best->value[0], v, sizeof v);
            fprintf(f, "  %s=%s: %s\n", d1->path, d1->texts[j],
                    best ? v : "no value swept meets the target");
        }
    } else if (code == SIM_EXIT_FAILED && !s->c.opt->grid_count) {
        fprintf(f, "answer: no value of %s in %s..%s keeps the RPO %s of every VM within %s (%s)\n",
                d->path, d->texts[0], d->texts[1], pct, t, dir);
    } else if (code == SIM_EXIT_FAILED) {
        fprintf(f, "answer: no run of the sweep keeps the RPO %s of every VM within %s\n", pct, t);
    } else if (s->c.opt->shard_count) {
        fprintf(f, "shard %u/%u: %zu run%s; merge the shards' databases with drsim merge\n",
                s->c.opt->shard_index, s->c.opt->shard_count, out->point_count,
                out->point_count == 1 ? "" : "s");
    }
    drs_xmemstream_close(f);
    return buf;
}

static int plan_run_order(const void *pa, const void *pb)
{
    const report_plan_run *a = pa, *b = pb;
    if (a->series != b->series)
        return a->series < b->series ? -1 : 1;
    return (a->x > b->x) - (a->x < b->x);
}

static bool plan_write_html(plan_state *s, const char *summary, drs_error *err)
{
    const sim_plan_outcome *out = s->out;
    report_plan_run *runs = drs_xcalloc(out->point_count ? out->point_count : 1, sizeof *runs);
    char(*shown)[48] = drs_xcalloc(out->point_count ? out->point_count : 1, sizeof *shown);
    const plan_dim *d1 = s->c.dims_n > 1 ? &s->c.dims[1] : NULL;
    char **names = d1 ? drs_xcalloc(d1->count, sizeof *names) : NULL;
    for (size_t i = 0; d1 && i < d1->count; i++) {
        size_t n = strlen(d1->path) + strlen(d1->texts[i]) + 2;
        names[i] = drs_xmalloc(n);
        snprintf(names[i], n, "%s=%s", d1->path, d1->texts[i]);
    }
    for (size_t i = 0; i < out->point_count; i++) {
        const sim_plan_point *p = &out->points[i];
        plan_value_show(&s->c.dims[0], p->value[0], shown[i], sizeof shown[i]);
        runs[i] = (report_plan_run){.x = p->value[0],
                                    .x_text = shown[i],
                                    .series = d1 ? p->grid_index % d1->count : 0,
                                    .rpo_ns = p->status == SIM_EXIT_OK ? p->rpo_ns : INFINITY,
                                    .meets = p->meets};
    }
    qsort(runs, out->point_count, sizeof *runs, plan_run_order);
    static const report_plan_unit units[] = {[PLAN_RATE] = REPORT_PLAN_RATE,
                                             [PLAN_DURATION] = REPORT_PLAN_DURATION,
                                             [PLAN_SIZE] = REPORT_PLAN_SIZE,
                                             [PLAN_INTEGER] = REPORT_PLAN_NUMBER,
                                             [PLAN_NUMBER] = REPORT_PLAN_NUMBER};
    json_t *nm = json_object_get(s->c.base, "name");
    report_plan_chart chart = {.scenario = json_is_string(nm) ? json_string_value(nm) : s->c.name,
                               .x_path = s->c.dims[0].path,
                               .x_unit = units[s->c.dims[0].kind],
                               .series_names = (const char *const *)names,
                               .series_count = d1 ? d1->count : 1,
                               .runs = runs,
                               .run_count = out->point_count,
                               .target_ns = s->c.opt->target_rpo_ns,
                               .percentile = s->c.opt->percentile,
                               .has_answer = out->has_answer,
                               .answer_x = out->answer,
                               .summary = summary};
    bool ok = report_plan_html_write(&chart, s->c.opt->html_path, err);
    for (size_t i = 0; names && i < d1->count; i++)
        free(names[i]);
    free((void *)names);
    free(runs);
    free(shown);
    return ok;
}

/* ---- the command -------------------------------------------------------------------------------
 */

static bool plan_options_ok(const sim_plan_options *opt)
{
    if (opt->target_rpo_ns <= 0) {
        fprintf(stderr, "drsim plan: --target-rpo is required: a duration above 0 such as 15m\n");
        return false;
    }
    if (!(opt->percentile > 0 && opt->percentile <= 100)) {
        fprintf(stderr, "drsim plan: --percentile: expected a number above 0 and at most 100\n");
        return false;
    }
    if (opt->vary && opt->grid_count) {
        fprintf(stderr,
                "drsim plan: --vary (a bisection) and --grid (a sweep) cannot be combined\n");
        return false;
    }
    if (opt->shard_count && !opt->grid_count) {
        fprintf(stderr, "drsim plan: --shard splits a sweep: give the values with --grid\n");
        return false;
    }
    if (opt->shard_count && opt->shard_index >= opt->shard_count) {
        fprintf(stderr, "drsim plan: --shard I/N needs 0 <= I < N\n");
        return false;
    }
    if (!(opt->precision > 0 && opt->precision <= 0.5)) {
        fprintf(stderr, "drsim plan: --precision: expected a fraction above 0 and at most 0.5\n");
        return false;
    }
    return true;
}

/* The default search: the first link's bandwidth, from a hundredth of the scenario's to a hundred
 * times it. */
static bool plan_default_dim(plan_state *s, plan_dim *d)
{
    char cur[64], spec[256], lo[48], hi[48];
    double Bps;
    if (!plan_json_get(s->c.base, "links[0].bandwidth", cur, sizeof cur) ||
        !units_parse_rate(cur, &Bps, NULL) || Bps <= 0) {
        fprintf(stderr, "drsim plan: links[0].bandwidth: the scenario has no link bandwidth to "
                        "start from; say what to vary with --vary PATH=LOW..HIGH\n");
        return false;
    }
    plan_value_text(PLAN_RATE, Bps / 100, lo, sizeof lo, NULL);
    plan_value_text(PLAN_RATE, Bps * 100, hi, sizeof hi, NULL);
    snprintf(spec, sizeof spec, "links[0].bandwidth=%s..%s", lo, hi);
    drs_error err = {0};
    if (!plan_dim_parse(spec, true, d, &err)) {
        fprintf(stderr, "drsim plan: %s\n", err.message);
        return false;
    }
    /* Shown in the scenario's own unit: bits per second unless its bandwidth is written in bytes. */
    d->bytes_per_s = strstr(cur, "B/s") != NULL;
    return true;
}

/* Every value given must be accepted by the loader and the rules, before anything runs. */
static bool plan_check_values(plan_state *s)
{
    bool ok = true;
    for (size_t d = 0; d < s->c.dims_n; d++) { /* first, that each path leads somewhere */
        json_t *copy = json_deep_copy(s->c.base);
        drs_error err = {0};
        if (!copy || !plan_json_set(copy, s->c.dims[d].path, s->c.dims[d].kind,
                                    s->c.dims[d].texts[0], &err)) {
            fprintf(stderr, "drsim plan: %s %s: %s\n", s->c.dims[d].option, s->c.dims[d].path,
                    copy ? err.message : "out of memory");
            ok = false;
        }
        json_decref(copy);
    }
    for (size_t d = 0; d < s->c.dims_n && ok; d++)
        for (size_t j = 0; j < s->c.dims[d].count; j++) {
            sim_plan_point p = {0};
            for (size_t e = 0; e < s->c.dims_n; e++) {
                size_t k = e == d ? j : 0;
                point_set(&s->c.dims[e], &p, e, s->c.dims[e].values[k], s->c.dims[e].texts[k]);
            }
            if (!plan_point_check(&s->c, &p)) {
                fprintf(stderr, "drsim plan: %s %s: the value %s is not accepted\n",
                        s->c.dims[d].option, s->c.dims[d].path, s->c.dims[d].texts[j]);
                ok = false;
            }
        }
    return ok;
}

/* Whether the target cannot be met by any value of the paths planned: between two cycles a VM's
 * RPO climbs by a whole copy interval I, so the fraction P of the time it spends at or below
 * t_x + P*I is P (t_x, the time a cycle takes, is at least the link's latency). Its P-th percentile
 * is therefore at least P*I however fast the link: a target at or below that for the worst VM is out
 * of reach unless the copy frequency itself is what varies. Says so and returns true. */
static bool plan_below_copy_floor(plan_state *s, const drs_scenario *sc)
{
    const sim_plan_options *opt = s->c.opt;
    for (size_t d = 0; d < s->c.dims_n; d++)
        if (strstr(s->c.dims[d].path, "copy_frequency"))
            return false;
    double floor_ns = 0;
    int64_t interval_ns = 0;
    const char *vm_name = NULL;
    for (size_t p = 0; p < sc->recovery.protect_count; p++) {
        const drs_vm *vm = &sc->vms[sc->recovery.protect[p].vm];
        int cloud = sc->sites[vm->site].hosts[vm->host].cloud;
        for (size_t i = 0; i < sc->recovery.cloud_pair_count; i++) {
            const drs_cloud_pair *cp = &sc->recovery.cloud_pairs[i];
            if (cp->primary_site != vm->site || cp->primary_cloud != cloud || cp->target_site < 0)
                continue;
            int tgt_host = -1; /* the engine's choice: the first host of the target cloud */
            const drs_site *ts = &sc->sites[cp->target_site];
            for (size_t h = 0; h < ts->host_count && tgt_host < 0; h++)
                if (ts->hosts[h].cloud == cp->target_cloud)
                    tgt_host = (int)h;
            if (tgt_host < 0)
                continue;
            int64_t iv = rules_copy_frequency_between(sc, cp->settings.copy_frequency_ns, vm->site,
                                                      vm->host, cp->target_site, tgt_host);
            double f = opt->percentile / 100.0 * (double)iv;
            if (f > floor_ns) {
                floor_ns = f;
                interval_ns = iv;
                vm_name = vm->name;
            }
            break;
        }
    }
    if (!vm_name || (double)opt->target_rpo_ns > floor_ns)
        return false;
    char pct[16], t[32], iv[32], fl[32];
    fprintf(stderr,
            "drsim plan: a target RPO %s of %s is out of reach: %s copies every %s, and RPO climbs "
            "by a whole copy interval between cycles, so its %s cannot go below about %s whatever "
            "the link. Raise the target, or plan the copy frequency "
            "(--grid recovery.cloud_pairs[N].settings.copy_frequency=30s,5m,15m).\n",
            pct_name(opt->percentile, pct, sizeof pct),
            report_format_duration(opt->target_rpo_ns, t, sizeof t), vm_name,
            report_format_duration(interval_ns, iv, sizeof iv), pct,
            report_format_duration((int64_t)floor_ns, fl, sizeof fl));
    return true;
}

static void plan_on_signal(int sig)
{
    plan_stop_signal = sig;
}

int sim_plan_run(const sim_plan_options *given, sim_plan_outcome *outp)
{
    sim_plan_options o = *given; /* with the defaults filled in */
    const sim_plan_options *opt = &o;
    bool handlers = false;
    struct sigaction stop = {0}, old_int, old_term;
    drs_scenario *sc = NULL;
    if (o.percentile == 0)
        o.percentile = 95;
    if (o.precision == 0)
        o.precision = 0.005;
    sim_plan_outcome local;
    sim_plan_outcome *out = outp ? outp : &local;
    memset(out, 0, sizeof *out);
    plan_state s = {.out = out, .o = opt->out ? opt->out : stdout};
    s.c.opt = opt;
    s.c.name = opt->scenario_path;
    plan_dim dims[PLAN_MAX_DIMS];
    memset(dims, 0, sizeof dims);
    s.c.dims = dims;
    char *db_path = NULL;
    int code = SIM_EXIT_INPUT;
    drs_diags diags = {0};
    drs_error err = {0};

    if (!plan_options_ok(opt))
        goto out;
    /* The scenario as it is must be sound; its problems are listed the way validate lists them. */
    sc = sim_scenario_load(opt->scenario_path, &diags);
    bool loaded = sc != NULL;
    if (sc)
        engine_rules_check(sc, &diags);
    if (!loaded || drs_diags_errors(&diags)) {
        sim_diags_print(stderr, &diags);
        goto out;
    }
    json_error_t jerr;
    s.c.base = json_load_file(opt->scenario_path, 0, &jerr);
    if (!s.c.base) {
        fprintf(stderr, "drsim plan: %s: %s\n", opt->scenario_path, jerr.text);
        goto out;
    }
    const char *slash = strrchr(opt->scenario_path, '/');
    if (slash)
        snprintf(s.c.dir, sizeof s.c.dir, "%.*s", (int)(slash - opt->scenario_path),
                 opt->scenario_path);

    if (opt->grid_count) {
        for (size_t i = 0; i < opt->grid_count; i++) {
            if (!plan_dim_parse(opt->grid[i], false, &dims[i], &err)) {
                fprintf(stderr, "drsim plan: %s\n", err.message);
                goto out;
            }
            s.c.dims_n++;
        }
        if (s.c.dims_n == 2 && !strcmp(dims[0].path, dims[1].path)) {
            fprintf(stderr, "drsim plan: --grid %s is given twice\n", dims[0].path);
            goto out;
        }
    } else if (opt->vary) {
        if (!plan_dim_parse(opt->vary, true, &dims[0], &err)) {
            fprintf(stderr, "drsim plan: %s\n", err.message);
            goto out;
        }
        s.c.dims_n = 1;
    } else {
        if (!plan_default_dim(&s, &dims[0]))
            goto out;
        s.c.dims_n = 1;
    }
    out->dims = s.c.dims_n;
    for (size_t d = 0; d < s.c.dims_n; d++)
        memcpy(out->path[d], dims[d].path, sizeof out->path[d]);
    if (!plan_check_values(&s))
        goto out;
    if (plan_below_copy_floor(&s, sc)) {
        code = SIM_EXIT_FAILED;
        goto out;
    }

    if (!opt->db_path)
        db_path = sim_run_default_db_path(opt->scenario_path);
    else if (opt->db_path[0] && strcmp(opt->db_path, "-"))
        db_path = drs_xstrdup(opt->db_path);
    if (db_path) {
        report_db *db = report_db_open(db_path, &err); /* fail early when it cannot be written */
        if (!db) {
            fprintf(stderr, "drsim plan: %s\n", err.message);
            code = err.code == DRS_EINPUT ? SIM_EXIT_INPUT : SIM_EXIT_INTERNAL;
            goto out;
        }
        report_db_close(db);
    }
    s.c.db_path = db_path;
    const char *tmpdir = getenv("TMPDIR");
    snprintf(s.c.tmp, sizeof s.c.tmp, "%s/drsim-plan-XXXXXX",
             tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    if (!mkdtemp(s.c.tmp)) {
        fprintf(stderr, "drsim plan: cannot make a folder for the workers in %s: %s\n",
                tmpdir && tmpdir[0] ? tmpdir : "/tmp", strerror(errno));
        s.c.tmp[0] = '\0';
        code = SIM_EXIT_INTERNAL;
        goto out;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    s.c.jobs = opt->jobs > 0 ? opt->jobs : cpus > 0 ? (int)cpus : 1;
    /* Ctrl-C or a kill stops the workers and removes their files (plan_points_run), then the plan
     * dies of the same signal; no SA_RESTART, so a wait for a worker returns at once. */
    stop.sa_handler = plan_on_signal;
    sigemptyset(&stop.sa_mask);
    plan_stop_signal = 0;
    sigaction(SIGINT, &stop, &old_int);
    sigaction(SIGTERM, &stop, &old_term);
    handlers = true;

    char pct[16], t[32];
    fprintf(s.o, "drsim plan %s: RPO %s of every VM within %s", opt->scenario_path,
            pct_name(opt->percentile, pct, sizeof pct),
            report_format_duration(opt->target_rpo_ns, t, sizeof t));
    if (opt->shard_count)
        fprintf(s.o, ", shard %u/%u", opt->shard_index, opt->shard_count);
    fputs("\n\n", s.o);
    fflush(s.o);

    s.c.on_done = plan_progress_done;
    s.c.on_done_arg = &s;
    s.t0 = plan_wall();
    code = opt->grid_count ? plan_sweep(&s) : plan_bisect(&s);
    plan_progress_end(&s);
    if (code == SIM_EXIT_OK || code == SIM_EXIT_FAILED) {
        plan_print_table(&s, !opt->grid_count);
        char *text = plan_answer_text(&s, code);
        fprintf(s.o, "\n%s", text);
        if (opt->html_path && !plan_write_html(&s, text, &err)) {
            fprintf(stderr, "drsim plan: %s\n", err.message);
            code = SIM_EXIT_INTERNAL;
        }
        free(text);
    }
    fflush(s.o);

out:
    out->exit_code = code;
    if (s.c.tmp[0])
        rmdir(s.c.tmp);
    if (handlers) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
    int sig = plan_stop_signal;
    for (size_t i = 0; s.answers && i < out->point_count; i++)
        free(s.answers[i]);
    free((void *)s.answers);
    for (size_t d = 0; d < PLAN_MAX_DIMS; d++)
        plan_dim_free(&dims[d]);
    json_decref(s.c.base);
    drs_scenario_free(sc);
    free(db_path);
    drs_diags_clear(&diags);
    if (out == &local)
        sim_plan_outcome_clear(out);
    if (sig) {
        fprintf(stderr, "drsim plan: stopped by signal %d: workers stopped, their files removed\n",
                sig);
        plan_stop_signal = 0;
        raise(sig); /* dies of it, unless the signal was ignored when the plan began */
        code = 128 + sig;
    }
    return code;
}
