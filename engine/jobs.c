/* engine/jobs.c — ASR jobs as the vault's Jobs tab shows them: ids, steps, states, reasons. */
#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "engine/shared/alloc.h"

uint64_t eng_job_begin(engine *e, engine_job_kind kind, int vm, int pair, int site,
                       const char *subject)
{
    const char *name = engine_job_kind_name(kind);
    uint64_t id = e->next_job_id++;
    if (e->rec.job_started) {
        engine_job_info j = {.id = id, .name = name, .vm = vm, .pair = pair, .site = site,
                             .subject = subject ? subject : ""};
        e->rec.job_started(e->rec.ctx, &j, eng_now(e));
    }
    return id;
}

/* A step of a job reported in progress and not yet finished. */
struct eng_open_step {
    uint64_t job;
    char step[96];
};

/* The positions in open_steps of one job's open steps, in no order. A fleet starts thousands of
 * jobs at once (initial replication), so finding a job's steps must not scan them all. */
struct eng_job_open {
    uint32_t *pos;
    uint32_t n, cap;
};

static struct eng_job_open *job_open(engine *e, uint64_t job)
{
    if (job >= e->job_open_cap) {
        size_t cap = e->job_open_cap;
        DRS_GROW(e->job_open, cap, job + 1);
        memset(e->job_open + e->job_open_cap, 0, (cap - e->job_open_cap) * sizeof *e->job_open);
        e->job_open_cap = cap;
    }
    return &e->job_open[job];
}

/* In o, position from becomes position to. */
static void job_open_move(struct eng_job_open *o, uint32_t from, uint32_t to)
{
    for (uint32_t k = 0; k < o->n; k++)
        if (o->pos[k] == from) {
            o->pos[k] = to;
            return;
        }
    assert(!"open step not indexed");
}

/* Removes the open step at position i: the last one takes its place, as in an unordered set. */
static void open_step_remove(engine *e, size_t i)
{
    struct eng_job_open *o = job_open(e, e->open_steps[i].job);
    job_open_move(o, (uint32_t)i, o->pos[o->n - 1]);
    o->n--;
    size_t last = --e->open_step_count;
    if (i != last) {
        e->open_steps[i] = e->open_steps[last];
        job_open_move(job_open(e, e->open_steps[i].job), (uint32_t)last, (uint32_t)i);
    }
}

/* The lowest position of the job's open steps named step (all of them when step is NULL), or
 * SIZE_MAX: the one a scan of open_steps from the start would meet first. */
static size_t job_open_first(engine *e, uint64_t job, const char *step)
{
    if (job >= e->job_open_cap)
        return SIZE_MAX;
    const struct eng_job_open *o = &e->job_open[job];
    size_t best = SIZE_MAX;
    for (uint32_t k = 0; k < o->n; k++)
        if (o->pos[k] < best && (!step || !strncmp(e->open_steps[o->pos[k]].step, step, 95)))
            best = o->pos[k];
    return best;
}

void eng_job_step(engine *e, uint64_t job, const char *step, engine_job_state state)
{
    if (!job)
        return;
    if (e->rec.job_step)
        e->rec.job_step(e->rec.ctx, job, step, state, eng_now(e));
    size_t i = job_open_first(e, job, step);
    if (i != SIZE_MAX)
        open_step_remove(e, i);
    if (state != ENGINE_JOB_IN_PROGRESS)
        return;
    DRS_GROW(e->open_steps, e->open_step_cap, e->open_step_count + 1);
    size_t at = e->open_step_count++;
    struct eng_open_step *st = &e->open_steps[at];
    st->job = job;
    snprintf(st->step, sizeof st->step, "%s", step);
    struct eng_job_open *o = job_open(e, job);
    DRS_GROW(o->pos, o->cap, o->n + 1);
    o->pos[o->n++] = (uint32_t)at;
}

void eng_jobs_free(engine *e)
{
    for (size_t k = 0; k < e->job_open_cap; k++)
        free(e->job_open[k].pos);
    free(e->job_open);
    free(e->open_steps);
    e->job_open = NULL;
    e->open_steps = NULL;
    e->open_step_count = e->open_step_cap = e->job_open_cap = 0;
}

void eng_job_end(engine *e, uint64_t job, engine_job_state state, const char *fmt, ...)
{
    if (!job)
        return;
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    /* A job that ends ends its steps: one still in progress ends as the job does. In the order a
     * scan from the start of open_steps meets them, the removal of each moving the last one in. */
    for (size_t i; (i = job_open_first(e, job, NULL)) != SIZE_MAX;) {
        if (e->rec.job_step)
            e->rec.job_step(e->rec.ctx, job, e->open_steps[i].step, state, eng_now(e));
        open_step_remove(e, i);
    }
    if (job < e->job_open_cap) { /* its steps are all closed: their index goes */
        free(e->job_open[job].pos);
        e->job_open[job] = (struct eng_job_open){0};
    }
    if (e->rec.job_ended)
        e->rec.job_ended(e->rec.ctx, job, state, reason, eng_now(e));
}

/* The first error of d, as "rule N: path: message" (the rule first, so a cut-off reason keeps it). */
static void first_error(const drs_diags *d, char *buf, size_t n)
{
    for (size_t i = 0; i < d->count; i++) {
        const drs_diag *g = &d->items[i];
        if (g->severity != DRS_SEV_ERROR)
            continue;
        if (g->rule)
            snprintf(buf, n, "rule %d: %s%s%s", g->rule, g->err.path, g->err.path[0] ? ": " : "",
                     g->err.message);
        else
            snprintf(buf, n, "%s%s%s", g->err.path, g->err.path[0] ? ": " : "", g->err.message);
        return;
    }
    snprintf(buf, n, "refused");
}

uint64_t eng_job_refuse_diags(engine *e, engine_job_kind kind, int vm, int pair, int site,
                              const char *subject, const drs_diags *d)
{
    char reason[400];
    first_error(d, reason, sizeof reason);
    uint64_t job = eng_job_begin(e, kind, vm, pair, site, subject);
    eng_job_step(e, job, "Prerequisites check", ENGINE_JOB_FAILED);
    eng_job_end(e, job, ENGINE_JOB_FAILED, "%s", reason);
    return job;
}

void eng_diags_warn(engine *e, int vm, int pair, const drs_diags *d)
{
    for (size_t i = 0; i < d->count; i++) {
        const drs_diag *g = &d->items[i];
        if (g->severity == DRS_SEV_WARNING)
            eng_event(e, ENGINE_EV_CONFIG_WARNING, vm, pair, "%s: %s (rule %d)", g->err.path,
                      g->err.message, g->rule);
    }
}
