/* sim/run.c — one run of a scenario, from the file to the exit code.
 *
 * Order matters for what a user can trust: nothing is written to the results database until the
 * scenario has loaded and passed the configuration rules, so bad input never leaves a run behind; a
 * run row is created 'incomplete' before the simulation starts and only marked complete at the end,
 * so a killed run is recognisable as such. */
#include "run.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "engine/rules.h"
#include "reports/format.h"
#include "reports/reports.h"
#include "sim/scenario.h"
#include "sim/sim.h"
#include "sim/version.h"
#include "sim/world.h"

enum { RUN_OK = 0, RUN_EXPECTATION = 1, RUN_INPUT = 2, RUN_INTERNAL = 3 };

typedef struct run_ctx {
    const drs_scenario *sc;
    sim *k;
    sim_world *world;
    engine *eng;
    report_results *results;
    double *link_bytes_prev;  /* wire bytes carried at the previous sample, per link */
    double *link_raw_prev;    /* raw bytes of the link's VMs at the previous sample */
    int64_t prev_sample_ns;
    bool progress;
    double wall_start, wall_last_progress;
} run_ctx;

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------------------------------------- */
/* Timeline                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

typedef struct timeline_event {
    run_ctx *ctx;
    size_t index;
} timeline_event;

static drs_action_do run_failover_kind(engine_failover_kind k)
{
    switch (k) {
    case ENGINE_FO_TEST: return DRS_DO_TEST_FAILOVER;
    case ENGINE_FO_PLANNED: return DRS_DO_PLANNED_FAILOVER;
    case ENGINE_FO_UNPLANNED: return DRS_DO_UNPLANNED_FAILOVER;
    case ENGINE_FO_FAILBACK: return DRS_DO_FAILBACK;
    }
    return DRS_DO_COUNT;
}

/* The engine's failover reports go into the results as the run driver's failover records. */
static void run_on_failover(void *ctx, const engine_failover_info *fo)
{
    report_failover f = {.kind = run_failover_kind(fo->kind),
                         .plan = fo->plan,
                         .vm = fo->vm,
                         .started_ns = fo->started_ns,
                         .ended_ns = fo->ended_ns,
                         .succeeded = fo->succeeded,
                         .failure_ns = fo->failure_ns,
                         .rp_captured_ns = fo->rp_captured_ns,
                         .data_loss_ns = fo->data_loss_ns,
                         .data_loss_bytes = fo->data_loss_bytes,
                         .verified = fo->verified};
    snprintf(f.detail, sizeof f.detail, "%s", fo->detail ? fo->detail : "");
    report_results_add_failover(ctx, &f);
}

static void timeline_fire(sim *k, void *arg)
{
    (void)k;
    timeline_event *te = arg;
    run_ctx *c = te->ctx;
    const drs_action *a = &c->sc->timeline[te->index];
    /* Data loss is measured from the moment a primary was lost, and a crashed primary needs a
     * resynchronization: the engine notes outages once the world has them. */
    bool world = sim_world_apply(c->world, a);
    engine_note_outage(c->eng, a);
    if (world)
        return;
    switch (a->what) {
    case DRS_DO_PROTECT:
        engine_protect(c->eng, a->vm);
        break;
    case DRS_DO_UNPROTECT:
        engine_unprotect(c->eng, a->vm);
        break;
    case DRS_DO_PAIR_MODIFY:
        engine_pair_modify(c->eng, te->index);
        break;
    case DRS_DO_PAIR_REMOVE:
        engine_pair_remove(c->eng, te->index);
        break;
    case DRS_DO_TEST_FAILOVER:
    case DRS_DO_PLANNED_FAILOVER:
    case DRS_DO_UNPLANNED_FAILOVER:
    case DRS_DO_COMMIT:
    case DRS_DO_CANCEL_FAILOVER:
    case DRS_DO_REVERSE_REPLICATION:
    case DRS_DO_FAILBACK:
    case DRS_DO_CLEANUP_TEST_FAILOVER:
    case DRS_DO_RESYNC:
        engine_failover(c->eng, a);
        break;
    case DRS_DO_LINK_DOWN: /* the world's: applied above */
    case DRS_DO_LINK_UP:
    case DRS_DO_LINK_SET:
    case DRS_DO_HOST_DOWN:
    case DRS_DO_HOST_UP:
    case DRS_DO_SITE_DOWN:
    case DRS_DO_SITE_UP:
    case DRS_DO_VMM_OFFLINE:
    case DRS_DO_VMM_ONLINE:
    case DRS_DO_STORAGE_FILL:
    case DRS_DO_WORKLOAD_SET:
    case DRS_DO_COUNT:
        break;
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* Sampling                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

static void run_take_samples(run_ctx *c, int64_t now)
{
    const drs_scenario *sc = c->sc;
    int64_t interval = now - c->prev_sample_ns;
    if (interval <= 0)
        return;
    for (size_t li = 0; li < sc->link_count; li++) {
        double wire = sim_world_link_bytes(c->world, (int)li);
        double raw = 0;
        for (size_t v = 0; v < report_results_vm_count(c->results); v++) {
            const report_vm_stats *vs = report_results_vm(c->results, v);
            if (vs->link == (int)li)
                raw += (double)vs->raw_bytes;
        }
        report_results_add_link_sample(c->results, (int)li, now, interval,
                                       raw - c->link_raw_prev[li], wire - c->link_bytes_prev[li],
                                       sim_world_link_capacity_Bps(c->world, (int)li));
        c->link_bytes_prev[li] = wire;
        c->link_raw_prev[li] = raw;
    }
    report_results_sample(c->results, now);
    c->prev_sample_ns = now;
}

static void run_progress(run_ctx *c, int64_t now, bool final)
{
    double wall = wall_seconds();
    if (!final && wall - c->wall_last_progress < 0.25)
        return;
    c->wall_last_progress = wall;
    double frac = (double)now / (double)c->sc->duration_ns;
    double elapsed = wall - c->wall_start;
    double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
    double evs = elapsed > 0 ? (double)sim_fired(c->k) / elapsed : 0;
    char t[32];
    fprintf(stderr, "\r%-14s %5.1f%%  %.2fM events/s  ETA %.0fs   ",
            report_format_duration(now, t, sizeof t), 100 * frac, evs / 1e6, eta);
    if (final)
        fputc('\n', stderr);
}

static void sample_fire(sim *k, void *arg)
{
    run_ctx *c = arg;
    int64_t now = sim_now(k);
    run_take_samples(c, now);
    if (c->progress)
        run_progress(c, now, false);
    int64_t next = now + c->sc->sample_interval_ns;
    if (next < c->sc->duration_ns)
        sim_schedule(k, next, sample_fire, c);
}

/* ---------------------------------------------------------------------------------------------- */
/* Simulating                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

/* Builds the world and the engine, plays the scenario to its end and finishes the results. */
bool sim_run_simulate(const drs_scenario *sc, report_results *results, bool progress,
                      uint64_t *events)
{
    bool ok = false;
    drs_error err = {0};
    run_ctx c = {.sc = sc, .results = results, .progress = progress};
    timeline_event *tl = calloc(sc->timeline_count ? sc->timeline_count : 1, sizeof *tl);
    c.link_bytes_prev = calloc(sc->link_count + 1, sizeof(double));
    c.link_raw_prev = calloc(sc->link_count + 1, sizeof(double));
    c.k = sim_new();
    if (!tl || !c.link_bytes_prev || !c.link_raw_prev || !c.k) {
        fprintf(stderr, "drsim: out of memory\n");
        goto out;
    }
    c.world = sim_world_new(sc, c.k, &err);
    if (!c.world) {
        fprintf(stderr, "drsim: %s%s%s\n", err.path, err.path[0] ? ": " : "", err.message);
        goto out;
    }
    engine_platform pf = sim_world_platform(c.world);
    engine_recorder rec = report_results_recorder(results);
    if (!rec.failover) /* the results' own entry wins once it has one */
        rec.failover = run_on_failover;
    c.eng = engine_new(sc, &pf, &rec, &err);
    if (!c.eng || !engine_start(c.eng, &err)) {
        fprintf(stderr, "drsim: engine: %s\n", err.message);
        goto out;
    }
    for (size_t i = 0; i < sc->timeline_count; i++) {
        tl[i] = (timeline_event){&c, i};
        sim_schedule(c.k, sc->timeline[i].at_ns, timeline_fire, &tl[i]);
    }
    if (sc->sample_interval_ns > 0 && sc->sample_interval_ns < sc->duration_ns)
        sim_schedule(c.k, sc->sample_interval_ns, sample_fire, &c);
    c.wall_start = c.wall_last_progress = wall_seconds();
    sim_run_until(c.k, sc->duration_ns);
    sim_world_catch_up(c.world);
    run_take_samples(&c, sc->duration_ns);
    if (progress)
        run_progress(&c, sc->duration_ns, true);
    report_results_finish(results, sc->duration_ns);
    if (events)
        *events = sim_fired(c.k);
    ok = true;
out:
    engine_free(c.eng);
    sim_world_free(c.world);
    sim_free(c.k);
    free(c.link_bytes_prev);
    free(c.link_raw_prev);
    free(tl);
    return ok;
}

bool sim_run_scenario(const drs_scenario *sc, sim_run_outcome *out)
{
    memset(out, 0, sizeof *out);
    out->results = report_results_new(sc);
    if (!out->results)
        return false;
    if (!sim_run_simulate(sc, out->results, false, &out->events)) {
        report_results_free(out->results);
        out->results = NULL;
        out->exit_code = RUN_INTERNAL;
        return false;
    }
    out->exit_code = report_expect_evaluate(out->results, sc->expect, sc->expect_count);
    return true;
}

char *sim_run_default_db_path(const char *scenario_path)
{
    size_t n = strlen(scenario_path);
    char *p = malloc(n + 4);
    if (!p)
        return NULL;
    memcpy(p, scenario_path, n + 1);
    if (n > 5 && !strcmp(p + n - 5, ".json"))
        p[n - 5] = '\0';
    strcat(p, ".db");
    return p;
}

int sim_run_file(const sim_run_options *opt)
{
    drs_diags diags = {0};
    drs_error err = {0};
    int code = RUN_INTERNAL;
    report_results *results = NULL;
    report_db *db = NULL;
    char *db_path = NULL;

    drs_scenario *sc = sim_scenario_load(opt->scenario_path, &diags);
    if (sc)
        engine_rules_check(sc, &diags);
    if (!sc || drs_diags_errors(&diags)) {
        sim_diags_print(stderr, &diags);
        drs_diags_clear(&diags);
        drs_scenario_free(sc);
        return RUN_INPUT;
    }
    if (diags.count && !opt->quiet)
        sim_diags_print(stderr, &diags);
    if (opt->has_seed)
        sc->seed = opt->seed;

    results = report_results_new(sc);
    if (!results)
        goto out;
    report_results_add_diags(results, &diags);

    if (!opt->db_path)
        db_path = sim_run_default_db_path(opt->scenario_path);
    else if (opt->db_path[0] && strcmp(opt->db_path, "-"))
        db_path = strdup(opt->db_path);
    if (db_path) {
        char sha[65];
        if (!report_sha256_file(opt->scenario_path, sha, &err))
            goto fail;
        db = report_db_open(db_path, &err);
        if (!db)
            goto fail;
        report_run_info info = {.scenario_name = sc->name,
                                .scenario_path = opt->scenario_path,
                                .scenario_sha256 = sha,
                                .seed = sc->seed,
                                .drsim_version = sim_version(),
                                .duration_ns = sc->duration_ns};
        int64_t run_id;
        if (!report_db_run_begin(db, &info, &run_id, &err))
            goto fail;
        report_results_attach_db(results, db);
    }

    if (!sim_run_simulate(sc, results, opt->progress, NULL))
        goto out;
    code = report_expect_evaluate(results, sc->expect, sc->expect_count);

    if (!opt->quiet)
        report_summary_write(results, stdout);
    else
        for (size_t i = 0; i < report_results_expect_count(results); i++) {
            const report_expect_result *x = report_results_expect(results, i);
            if (!x->pass)
                printf("FAILED %s: %s (bound %s, actual %s)\n", x->path, x->name, x->bound,
                       x->actual);
        }
    if (opt->junit_path && !report_junit_write(results, opt->junit_path, &err))
        goto fail;
    if (opt->html_path && !report_html_write(results, opt->html_path, &err))
        goto fail;
    if (db) {
        if (!report_db_run_end(db, results, code == RUN_OK ? "complete" : "failed", code, &err))
            goto fail;
    }
    goto out;
fail:
    fprintf(stderr, "drsim: %s%s%s\n", err.path, err.path[0] ? ": " : "", err.message);
    code = err.code == DRS_EINPUT ? RUN_INPUT : RUN_INTERNAL;
out:
    report_db_close(db);
    report_results_free(results);
    free(db_path);
    drs_diags_clear(&diags);
    drs_scenario_free(sc);
    return code;
}
