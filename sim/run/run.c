/* sim/run/run.c — one run of a scenario, from the file to the exit code.
 *
 * Order matters for what a user can trust: nothing is written to the results database until the
 * scenario has loaded and passed the configuration rules, so bad input never leaves a run behind; a
 * run row is created 'incomplete' before the simulation starts and only marked complete at the end,
 * so a killed run is recognisable as such. */
#include "run.h"

#include "exit_status.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "engine/shared/alloc.h"
#include "engine/rules.h"
#include "reports/format.h"
#include "reports/reports.h"
#include "run_json.h"
#include "sim/scenario/scenario.h"
#include "sim/kernel/sim.h"
#include "version.h"
#include "world.h"


typedef struct run_ctx run_ctx;

/* Invariant checking of one run (sim_run_checked, drsim run --check). */
typedef struct run_check {
    run_ctx *ctx;
    engine_recorder inner;  /* the results' recorder, which the checking one forwards to */
    uint8_t *job_state;     /* per job id: 0 unknown, 1 running, 2 ended */
    size_t job_cap;
    const drs_action *last; /* the timeline entry fired last */
    bool pending;           /* a recorder callback saw a violation; the after-event hook stops */
    bool violated;
    sim_violation v;
} run_check;

struct run_ctx {
    const drs_scenario *sc;
    sim *k;
    model_trace **traces; /* read before the run (sim_world_load_traces), or NULL; the world's once built */
    sim_world *world;
    engine *eng;
    report_results *results;
    double *link_bytes_prev;  /* wire bytes carried at the previous sample, per link */
    int64_t prev_sample_ns;
    bool progress;
    double wall_start, wall_last_progress;
    run_check *check; /* NULL: unchecked */
    struct timeline_event *tl; /* one per timeline entry, the argument of its kernel event */
};

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

/* The engine's failover reports go into the results as the run driver's failover records. */
static void run_on_failover(void *ctx, const engine_failover_info *fo)
{
    report_failover f = {.kind = fo->kind,
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
    if (c->check)
        c->check->last = a;
    /* Data loss is measured from the moment a primary was lost, and a crashed primary needs a
     * resynchronization: the engine notes outages once the world has them. */
    bool world = sim_world_apply(c->world, a);
    engine_note_outage(c->eng, a);
    if (world)
        return;
    if (drs_action_class_of(a->what) == DRS_CLASS_OPERATION) {
        engine_failover(c->eng, a);
        return;
    }
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
    default: /* the world's, applied above */
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
        /* Wire bytes are those the link carried in the interval. A payload's raw size is known only
         * once it is applied, so counting raw bytes then would put a whole initial copy into one
         * sample; the raw line is instead the wire bytes of the interval times the compression
         * ratio of what the link's VMs have sent so far. */
        double wire = sim_world_link_bytes(c->world, (int)li);
        double raw_done = 0, wire_done = 0;
        for (size_t v = 0; v < report_results_vm_count(c->results); v++) {
            const report_vm_stats *vs = report_results_vm(c->results, v);
            if (vs->link == (int)li) {
                raw_done += (double)vs->raw_bytes;
                wire_done += (double)vs->wire_bytes;
            }
        }
        double ratio = wire_done > 0 ? raw_done / wire_done : 1.0;
        double wire_in = wire - c->link_bytes_prev[li];
        report_results_add_link_sample(c->results, (int)li, now, interval, wire_in * ratio, wire_in,
                                       sim_world_link_capacity_Bps(c->world, (int)li));
        c->link_bytes_prev[li] = wire;
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
/* Checking                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

static sim_run_check_fn run_extra_check;

void sim_run_set_extra_check(sim_run_check_fn fn)
{
    run_extra_check = fn;
}


/* Notes the first violation; the after-event hook stops the run. */
static void check_fail(run_check *k, const char *invariant, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void check_fail(run_check *k, const char *invariant, const char *fmt, ...)
{
    if (k->pending || k->violated)
        return;
    k->pending = true;
    snprintf(k->v.invariant, sizeof k->v.invariant, "%s", invariant);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->v.message, sizeof k->v.message, fmt, ap);
    va_end(ap);
}

static const char *check_subject(const run_check *k, int plan, int vm)
{
    const drs_scenario *sc = k->ctx->sc;
    if (vm >= 0 && (size_t)vm < sc->vm_count)
        return sc->vms[vm].name;
    if (plan >= 0 && (size_t)plan < sc->recovery.plan_count)
        return sc->recovery.plans[plan].name;
    return "?";
}

static uint8_t *check_job(run_check *k, uint64_t id)
{
    size_t old = k->job_cap;
    DRS_GROW(k->job_state, k->job_cap, id + 1);
    memset(k->job_state + old, 0, k->job_cap - old);
    return &k->job_state[id];
}

static void ck_job_started(void *ctx, const engine_job_info *job, int64_t at_ns)
{
    run_check *k = ctx;
    uint8_t *st = check_job(k, job->id);
    if (*st)
        check_fail(k, "jobs", "job %llu (%s, %s) began twice", (unsigned long long)job->id,
                   job->name, job->subject ? job->subject : "");
    else
        *st = 1;
    if (k->inner.job_started)
        k->inner.job_started(k->inner.ctx, job, at_ns);
}

static void ck_job_step(void *ctx, uint64_t job_id, const char *step, engine_job_state state,
                        int64_t at_ns)
{
    run_check *k = ctx;
    if (k->inner.job_step)
        k->inner.job_step(k->inner.ctx, job_id, step, state, at_ns);
}

static void ck_job_ended(void *ctx, uint64_t job_id, engine_job_state state, const char *reason,
                         int64_t at_ns)
{
    run_check *k = ctx;
    uint8_t *st = check_job(k, job_id);
    if (*st != 1)
        check_fail(k, "jobs", "job %llu ended %s (%s) %s", (unsigned long long)job_id,
                   engine_job_state_name(state), reason ? reason : "",
                   *st == 2 ? "a second time" : "without having begun");
    else
        *st = 2;
    if (k->inner.job_ended)
        k->inner.job_ended(k->inner.ctx, job_id, state, reason, at_ns);
}

static void ck_event(void *ctx, const engine_event_info *ev)
{
    run_check *k = ctx;
    if (k->inner.event)
        k->inner.event(k->inner.ctx, ev);
}

static void ck_recovery_point(void *ctx, engine_rp_change change, const engine_rp_info *rp,
                              int64_t at_ns)
{
    run_check *k = ctx;
    if (rp->captured_ns > at_ns)
        check_fail(k, "rp-future", "recovery point %llu of %s %s at %lld but captured at %lld",
                   (unsigned long long)rp->id, check_subject(k, -1, rp->vm),
                   change == ENGINE_RP_APPLIED ? "applied" : "reported", (long long)at_ns,
                   (long long)rp->captured_ns);
    if (k->inner.recovery_point)
        k->inner.recovery_point(k->inner.ctx, change, rp, at_ns);
}

static void ck_cycle(void *ctx, const engine_cycle_info *cy)
{
    run_check *k = ctx;
    if (k->inner.cycle)
        k->inner.cycle(k->inner.ctx, cy);
}

static void ck_rpo_point(void *ctx, int vm, int64_t at_ns, int64_t captured_ns)
{
    run_check *k = ctx;
    if (captured_ns > at_ns)
        check_fail(k, "rpo-negative", "%s: RPO breakpoint at %lld to a point captured at %lld",
                   check_subject(k, -1, vm), (long long)at_ns, (long long)captured_ns);
    /* RPO is undefined while a VM is not protected or failed over: no breakpoint may define it. */
    engine_vm_state st = engine_vm_state_of(k->ctx->eng, vm);
    if (captured_ns >= 0 &&
        (st == ENGINE_VM_NOT_PROTECTED || st == ENGINE_VM_FAILOVER_IN_PROGRESS ||
         st == ENGINE_VM_FAILED_OVER || st == ENGINE_VM_FAILOVER_COMMITTED))
        check_fail(k, "rpo-unprotected", "%s: RPO defined at %lld while %s",
                   check_subject(k, -1, vm), (long long)at_ns, engine_vm_state_name(st));
    if (k->inner.rpo_point)
        k->inner.rpo_point(k->inner.ctx, vm, at_ns, captured_ns);
}

static void ck_initial_replication(void *ctx, const engine_ir_info *ir)
{
    run_check *k = ctx;
    if (k->inner.initial_replication)
        k->inner.initial_replication(k->inner.ctx, ir);
}

static void ck_replica_storage(void *ctx, int site, int storage, int vm, uint64_t used_bytes,
                               int64_t at_ns)
{
    run_check *k = ctx;
    if (k->inner.replica_storage)
        k->inner.replica_storage(k->inner.ctx, site, storage, vm, used_bytes, at_ns);
}

static void ck_health(void *ctx, int vm, engine_health old_h, engine_health new_h, int64_t at_ns)
{
    run_check *k = ctx;
    if (k->inner.health)
        k->inner.health(k->inner.ctx, vm, old_h, new_h, at_ns);
}

/* A failover's record keeps the promises of its kind. */
static void ck_failover(void *ctx, const engine_failover_info *fo)
{
    run_check *k = ctx;
    const char *who = check_subject(k, fo->plan, fo->vm);
    const char *kind = engine_failover_kind_name(fo->kind);
    /* A planned failover's point is the final changes, captured after it began: the bound is now. */
    int64_t now = sim_now(k->ctx->k);
    if (fo->succeeded && fo->rp_captured_ns > now) {
        char a1[32], a2[32];
        check_fail(k, "rp-future", "%s of %s used a point captured at %s, in the future at %s",
                   kind, who, report_format_duration(fo->rp_captured_ns, a1, sizeof a1),
                   report_format_duration(now, a2, sizeof a2));
    }
    if (fo->succeeded && (fo->kind == ENGINE_FO_PLANNED || fo->kind == ENGINE_FO_FAILBACK) &&
        (fo->data_loss_bytes > 0 || fo->data_loss_ns > 0 || !fo->verified))
        check_fail(k, "planned-loss",
                   "%s of %s succeeded but lost %llu bytes (%lld ns)%s", kind, who,
                   (unsigned long long)fo->data_loss_bytes, (long long)fo->data_loss_ns,
                   fo->verified ? "" : ", replica digest not verified");
    if (fo->succeeded && fo->kind == ENGINE_FO_UNPLANNED) {
        /* The point's age when the primary was lost (a VM of a later plan group is shut down, and
         * so lost, after the plan began); never after the failover ended. */
        int64_t lost_at = fo->failure_ns >= 0 ? fo->failure_ns : fo->started_ns;
        int64_t age = fo->rp_captured_ns >= 0 ? lost_at - fo->rp_captured_ns : -1;
        char a1[32], a2[32];
        if (!fo->verified)
            check_fail(k, "unplanned-loss",
                       "unplanned failover of %s succeeded without its replica matching the "
                       "recovery point's digest",
                       who);
        else if (fo->ended_ns >= 0 && lost_at > fo->ended_ns)
            check_fail(k, "unplanned-loss",
                       "unplanned failover of %s counts its loss up to %s, after it ended at %s",
                       who, report_format_duration(lost_at, a1, sizeof a1),
                       report_format_duration(fo->ended_ns, a2, sizeof a2));
        else if (fo->vm >= 0 && age >= 0 && fo->data_loss_ns > age) /* a plan's record holds
                                                                      * its worst VM's loss */
            check_fail(k, "unplanned-loss",
                       "unplanned failover of %s lost %s, more than its point's age %s", who,
                       report_format_duration(fo->data_loss_ns, a1, sizeof a1),
                       report_format_duration(age, a2, sizeof a2));
    }
    if (k->inner.failover)
        k->inner.failover(k->inner.ctx, fo);
}

static engine_recorder check_recorder(run_check *k, const engine_recorder *inner)
{
    k->inner = *inner;
    engine_recorder r = {.ctx = k,
                         .job_started = ck_job_started,
                         .job_step = ck_job_step,
                         .job_ended = ck_job_ended,
                         .event = ck_event,
                         .recovery_point = ck_recovery_point,
                         .cycle = ck_cycle,
                         .rpo_point = ck_rpo_point,
                         .initial_replication = ck_initial_replication,
                         .replica_storage = ck_replica_storage,
                         .health = ck_health,
                         .failover = ck_failover};
    return r;
}

/* Fills the violation's time, event and state and stops the kernel. */
static void check_stop(run_check *k)
{
    run_ctx *c = k->ctx;
    k->violated = true;
    k->pending = false;
    k->v.at_ns = sim_now(c->k);
    char t[32];
    if (k->last)
        snprintf(k->v.event, sizeof k->v.event, "%s %s at %s", k->last->path,
                 drs_action_name(k->last->what),
                 report_format_duration(k->last->at_ns, t, sizeof t));
    size_t len;
    sim_world_describe(c->world, k->v.state, sizeof k->v.state);
    len = strlen(k->v.state);
    for (size_t i = 0; i < c->sc->vm_count && len < sizeof k->v.state; i++) {
        int w = snprintf(k->v.state + len, sizeof k->v.state - len, "%s%s %s",
                         i ? ", " : "; protection: ", c->sc->vms[i].name,
                         engine_vm_state_name(engine_vm_state_of(c->eng, (int)i)));
        len += w > 0 ? (size_t)w : 0;
    }
    sim_stop(c->k);
}

static void check_after_event(sim *kernel, void *arg)
{
    (void)kernel;
    run_check *k = arg;
    run_ctx *c = k->ctx;
    if (k->violated)
        return;
    if (k->pending) {
        check_stop(k);
        return;
    }
    char why[sizeof k->v.message];
    if (!engine_check_invariants(c->eng, why, sizeof why)) {
        /* "INVARIANT: message" */
        const char *colon = strstr(why, ": ");
        size_t n = colon ? (size_t)(colon - why) : 0;
        if (n >= sizeof k->v.invariant)
            n = sizeof k->v.invariant - 1;
        memcpy(k->v.invariant, why, n);
        k->v.invariant[n] = '\0';
        snprintf(k->v.message, sizeof k->v.message, "%s", colon ? colon + 2 : why);
        check_stop(k);
        return;
    }
    if (!sim_world_check(c->world, k->v.invariant, sizeof k->v.invariant, k->v.message,
                         sizeof k->v.message)) {
        check_stop(k);
        return;
    }
    if (run_extra_check &&
        !run_extra_check(c->sc, sim_now(c->k), k->last, k->v.message, sizeof k->v.message)) {
        snprintf(k->v.invariant, sizeof k->v.invariant, "test-hook");
        check_stop(k);
    }
}

/* At the end: a job that never ended is one the results show as still in progress. */
static void check_end(run_check *k)
{
    if (k->violated)
        return;
    report_results *r = k->ctx->results;
    for (uint64_t id = 1; id < k->job_cap; id++) {
        if (k->job_state[id] != 1)
            continue;
        bool shown = false;
        for (size_t i = 0; i < report_results_job_count(r) && !shown; i++) {
            const report_job *j = report_results_job(r, i);
            shown = j->id == id && j->state == ENGINE_JOB_IN_PROGRESS;
        }
        if (!shown) {
            check_fail(k, "jobs", "job %llu never ended and is not reported as in progress",
                       (unsigned long long)id);
            check_stop(k);
            return;
        }
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* Simulating                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

/* Builds the world and the engine and schedules the timeline and sampling: everything before the
 * kernel runs. c->sc, c->results, c->progress and c->check are set by the caller; on failure
 * (message on stderr) run_teardown still frees what was built. */
static bool run_setup(run_ctx *c)
{
    const drs_scenario *sc = c->sc;
    drs_error err = {0};
    c->tl = drs_xcalloc(sc->timeline_count ? sc->timeline_count : 1, sizeof *c->tl);
    c->link_bytes_prev = drs_xcalloc(sc->link_count + 1, sizeof(double));
    c->k = sim_new();
    if (!c->k) {
        fprintf(stderr, "drsim: out of memory\n");
        return false;
    }
    c->world = sim_world_new_with(sc, c->k, c->traces, &err);
    c->traces = NULL;
    if (!c->world) {
        fprintf(stderr, "drsim: %s%s%s\n", err.path, err.path[0] ? ": " : "", err.message);
        return false;
    }
    engine_platform pf = sim_world_platform(c->world);
    engine_recorder rec = report_results_recorder(c->results);
    if (!rec.failover) /* the results' own entry wins once it has one */
        rec.failover = run_on_failover;
    if (c->check) {
        c->check->ctx = c;
        rec = check_recorder(c->check, &rec);
        sim_world_set_checking(c->world, true);
    }
    c->eng = engine_new(sc, &pf, &rec, &err);
    if (!c->eng || !engine_start(c->eng, &err)) {
        fprintf(stderr, "drsim: engine: %s\n", err.message);
        return false;
    }
    for (size_t i = 0; i < sc->timeline_count; i++) {
        c->tl[i] = (timeline_event){c, i};
        sim_schedule(c->k, sc->timeline[i].at_ns, timeline_fire, &c->tl[i]);
    }
    if (sc->sample_interval_ns > 0 && sc->sample_interval_ns < sc->duration_ns)
        sim_schedule(c->k, sc->sample_interval_ns, sample_fire, c);
    if (c->check)
        sim_set_after_event(c->k, check_after_event, c->check);
    c->wall_start = c->wall_last_progress = wall_seconds();
    return true;
}

/* Ends the results at end: the disks' writes, a last sample, the statistics. */
static void run_finish(run_ctx *c, int64_t end)
{
    sim_world_catch_up(c->world);
    run_take_samples(c, end);
    if (c->progress)
        run_progress(c, end, true);
    report_results_finish(c->results, end);
}

static void run_teardown(run_ctx *c)
{
    sim_world_free_traces(c->sc, c->traces);
    engine_free(c->eng);
    sim_world_free(c->world);
    sim_free(c->k);
    free(c->link_bytes_prev);
    free(c->tl);
    if (c->check)
        c->check->ctx = NULL;
}

/* Builds the world and the engine, plays the scenario to its end (or to the first violation when
 * chk is not NULL) and finishes the results. */
static bool run_simulate(const drs_scenario *sc, report_results *results, bool progress,
                         uint64_t *events, run_check *chk, model_trace **traces)
{
    bool ok = false;
    run_ctx c = {.sc = sc, .results = results, .progress = progress, .check = chk, .traces = traces};
    if (!run_setup(&c))
        goto out;
    sim_run_until(c.k, sc->duration_ns);
    /* A violation stops the run where it was seen: the results end there. */
    int64_t end = chk && chk->violated ? sim_now(c.k) : sc->duration_ns;
    run_finish(&c, end);
    if (chk)
        check_end(chk);
    if (events)
        *events = sim_fired(c.k);
    ok = true;
out:
    run_teardown(&c);
    return ok;
}

/* ---------------------------------------------------------------------------------------------- */
/* A run driven step by step                                                                      */
/* ---------------------------------------------------------------------------------------------- */

struct sim_live {
    run_ctx c;
    bool finished;
};

sim_live *sim_live_new(const drs_scenario *sc, report_results *results)
{
    sim_live *l = drs_xcalloc(1, sizeof *l);
    l->c = (run_ctx){.sc = sc, .results = results};
    if (!run_setup(&l->c)) {
        sim_live_free(l);
        return NULL;
    }
    return l;
}

void sim_live_free(sim_live *l)
{
    if (!l)
        return;
    run_teardown(&l->c);
    free(l);
}

int64_t sim_live_advance(sim_live *l, int64_t until_ns)
{
    if (l->finished)
        return sim_now(l->c.k);
    int64_t now = sim_now(l->c.k);
    if (until_ns > l->c.sc->duration_ns)
        until_ns = l->c.sc->duration_ns;
    /* Equal times too: events at the current instant that are not yet fired (an entry at 0 before
     * the first step, say) fire now rather than at the next step. */
    if (until_ns >= now)
        sim_run_until(l->c.k, until_ns);
    if (sim_now(l->c.k) >= l->c.sc->duration_ns)
        sim_live_finish(l);
    return sim_now(l->c.k);
}

void sim_live_finish(sim_live *l)
{
    if (l->finished)
        return;
    l->finished = true;
    run_finish(&l->c, sim_now(l->c.k));
}

bool sim_live_finished(const sim_live *l)
{
    return l->finished;
}

int64_t sim_live_now(const sim_live *l)
{
    return sim_now(l->c.k);
}

uint64_t sim_live_events(const sim_live *l)
{
    return sim_fired(l->c.k);
}

const engine *sim_live_engine(const sim_live *l)
{
    return l->c.eng;
}

const sim_world *sim_live_world(const sim_live *l)
{
    return l->c.world;
}

bool sim_run_simulate(const drs_scenario *sc, report_results *results, bool progress,
                      uint64_t *events)
{
    return run_simulate(sc, results, progress, events, NULL, NULL);
}

bool sim_run_checked(const drs_scenario *sc, bool *violated, sim_violation *viol,
                     uint64_t *events)
{
    run_check chk = {0};
    *violated = false;
    report_results *results = report_results_new(sc);
    bool ok = run_simulate(sc, results, false, events, &chk, NULL);
    if (ok && chk.violated) {
        *violated = true;
        *viol = chk.v;
    }
    free(chk.job_state);
    report_results_free(results);
    return ok;
}

/* Prints a violation for a person: what, when, after which timeline entry, in which state. */
static void run_print_violation(FILE *out, const sim_violation *v)
{
    char t[32];
    fprintf(out, "invariant violated: %s at %s: %s\n", v->invariant,
            report_format_duration(v->at_ns, t, sizeof t), v->message);
    if (v->event[0])
        fprintf(out, "  after: %s\n", v->event);
    fprintf(out, "  state: %s\n", v->state);
}

bool sim_run_scenario(const drs_scenario *sc, sim_run_outcome *out)
{
    memset(out, 0, sizeof *out);
    out->results = report_results_new(sc);
    if (!sim_run_simulate(sc, out->results, false, &out->events)) {
        report_results_free(out->results);
        out->results = NULL;
        out->exit_code = SIM_EXIT_INTERNAL;
        return false;
    }
    out->exit_code = report_expect_evaluate(out->results, sc->expect, sc->expect_count)
                         ? SIM_EXIT_OK
                         : SIM_EXIT_FAILED;
    return true;
}

char *sim_run_default_db_path(const char *scenario_path)
{
    size_t n = strlen(scenario_path);
    char *p = drs_xmalloc(n + 4);
    memcpy(p, scenario_path, n + 1);
    if (n > 5 && !strcmp(p + n - 5, ".json"))
        p[n - 5] = '\0';
    strcat(p, ".db");
    return p;
}

/* Whether a report can be written at path: it names no folder, and its folder exists and may be
 * written (the file itself is made or replaced only after the run). */
static bool run_output_writable(const char *path, drs_error *err)
{
    snprintf(err->path, sizeof err->path, "%s", path);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err->message, sizeof err->message, "is a folder, not a file to write");
        return false;
    }
    if (stat(path, &st) == 0 && access(path, W_OK) != 0) {
        snprintf(err->message, sizeof err->message, "cannot be written: %s", strerror(errno));
        return false;
    }
    char dir[1024];
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) ? (int)(slash - path) : 1, path);
    else
        snprintf(dir, sizeof dir, ".");
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err->message, sizeof err->message, "its folder %.200s does not exist", dir);
        return false;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err->message, sizeof err->message, "its folder %.200s cannot be written: %s", dir,
                 strerror(errno));
        return false;
    }
    return true;
}

int sim_run_file(const sim_run_options *opt)
{
    drs_diags diags = {0};
    drs_error err = {0};
    int code = SIM_EXIT_INTERNAL;
    report_results *results = NULL;
    report_db *db = NULL;
    char *db_path = NULL;
    int64_t run_id = -1;
    model_trace **traces = NULL;

    /* A scenario from standard input ("-") is read whole first: its text is also what the
     * database's checksum is taken of. Trace files resolve from the current folder. */
    bool from_stdin = !strcmp(opt->scenario_path, "-");
    char *text = NULL;
    if (from_stdin)
        text = sim_scenario_read(stdin, "-", NULL, &diags);
    drs_scenario *sc = !from_stdin ? sim_scenario_load(opt->scenario_path, &diags)
                       : text      ? sim_scenario_load_string(text, "-", "", &diags)
                                   : NULL;
    if (sc)
        engine_rules_check(sc, &diags);
    if (!sc || drs_diags_errors(&diags)) {
        sim_diags_print(stderr, &diags);
        drs_diags_clear(&diags);
        drs_scenario_free(sc);
        free(text);
        return SIM_EXIT_INPUT;
    }
    if (diags.count && !opt->quiet)
        sim_diags_print(stderr, &diags);
    if (opt->has_seed)
        sc->seed = opt->seed;
    /* Report files that cannot be written are bad input, found before anything runs. */
    const char *outs[2] = {opt->junit_path, opt->html_path};
    for (int i = 0; i < 2; i++)
        if (outs[i] && !run_output_writable(outs[i], &err)) {
            fprintf(stderr, "drsim: %s: %s\n", err.path, err.message);
            drs_diags_clear(&diags);
            drs_scenario_free(sc);
            free(text);
            return SIM_EXIT_INPUT;
        }

    /* Traces are read and checked before anything is stored: a malformed one is bad input. */
    traces = sim_world_load_traces(sc, &err);
    if (!traces) {
        if (err.code == DRS_EIO)
            err.code = DRS_EINPUT;
        goto fail;
    }

    results = report_results_new(sc);
    report_results_add_diags(results, &diags);

    /* A scenario from standard input has no path to put a database beside: without --db the run
     * is not stored, and stderr says so. */
    if (!opt->db_path && from_stdin && !opt->quiet)
        fprintf(stderr, "drsim run: the scenario came from standard input: the run is not stored "
                        "(--db FILE stores it)\n");
    if (!opt->db_path && !from_stdin)
        db_path = sim_run_default_db_path(opt->scenario_path);
    else if (opt->db_path && opt->db_path[0] && strcmp(opt->db_path, "-"))
        db_path = drs_xstrdup(opt->db_path);
    if (db_path) {
        char sha[65];
        if (from_stdin) {
            uint8_t d[32];
            report_sha256(text, strlen(text), d);
            for (int i = 0; i < 32; i++)
                snprintf(sha + 2 * i, 3, "%02x", d[i]);
        } else if (!report_sha256_file(opt->scenario_path, sha, &err)) {
            goto fail;
        }
        db = report_db_open(db_path, &err);
        if (!db)
            goto fail;
        report_run_info info = {.scenario_name = sc->name,
                                .scenario_path = opt->scenario_path,
                                .scenario_sha256 = sha,
                                .seed = sc->seed,
                                .drsim_version = sim_version(),
                                .duration_ns = sc->duration_ns};
        if (!report_db_run_begin(db, &info, &run_id, &err))
            goto fail;
        report_results_attach_db(results, db);
    }

    run_check chk = {0};
    bool simulated =
        run_simulate(sc, results, opt->progress, NULL, opt->check ? &chk : NULL, traces);
    traces = NULL; /* the run's now */
    free(chk.job_state);
    if (!simulated)
        goto out;
    bool held = report_expect_evaluate(results, sc->expect, sc->expect_count);
    code = held && !chk.violated ? SIM_EXIT_OK : SIM_EXIT_FAILED;
    /* The database first: what it says about the run must not depend on what is printed or
     * written after it (a closed pipe, a full disk). */
    if (db) {
        if (!report_db_run_end(db, results, code == SIM_EXIT_OK ? "complete" : "failed", code, &err))
            goto fail;
    }
    if (opt->json) {
        /* Nothing but the JSON on stdout: a violation goes to stderr below. */
        json_t *j = sim_results_json(results, db ? run_id : -1,
                                     code == SIM_EXIT_OK ? "complete" : "failed", code);
        if (!j || !sim_json_print(j, stdout)) {
            json_decref(j);
            drs_fail(&err, DRS_EIO, "", "cannot print the JSON results");
            goto fail;
        }
        json_decref(j);
    } else if (!opt->quiet)
        report_summary_fprint(results, stdout, opt->all);
    else
        for (size_t i = 0; i < report_results_expect_count(results); i++) {
            const report_expect_result *x = report_results_expect(results, i);
            if (!x->pass)
                printf("FAILED %s: %s (bound %s, actual %s)\n", x->path, x->name, x->bound,
                       x->actual);
        }
    if (chk.violated) {
        fflush(stdout);
        run_print_violation(opt->json ? stderr : stdout, &chk.v);
    }
    if (opt->junit_path && !report_junit_write(results, opt->junit_path, &err))
        goto fail;
    if (opt->html_path && !report_html_write(results, opt->html_path, &err))
        goto fail;
    goto out;
fail:
    fprintf(stderr, "drsim: %s%s%s\n", err.path, err.path[0] ? ": " : "", err.message);
    code = err.code == DRS_EINPUT ? SIM_EXIT_INPUT : SIM_EXIT_INTERNAL;
out:
    sim_world_free_traces(sc, traces);
    report_db_close(db);
    report_results_free(results);
    free(db_path);
    free(text);
    drs_diags_clear(&diags);
    drs_scenario_free(sc);
    return code;
}
