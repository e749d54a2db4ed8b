/* engine/jobs.c — ASR jobs as the vault's Jobs tab shows them: ids, steps, states, reasons. */
#include <stdarg.h>
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

static void open_step_remove(engine *e, size_t i)
{
    e->open_steps[i] = e->open_steps[--e->open_step_count];
}

void eng_job_step(engine *e, uint64_t job, const char *step, engine_job_state state)
{
    if (!job)
        return;
    if (e->rec.job_step)
        e->rec.job_step(e->rec.ctx, job, step, state, eng_now(e));
    for (size_t i = 0; i < e->open_step_count; i++)
        if (e->open_steps[i].job == job && !strncmp(e->open_steps[i].step, step, 95)) {
            open_step_remove(e, i);
            break;
        }
    if (state != ENGINE_JOB_IN_PROGRESS)
        return;
    DRS_GROW(e->open_steps, e->open_step_cap, e->open_step_count + 1);
    struct eng_open_step *o = &e->open_steps[e->open_step_count++];
    o->job = job;
    snprintf(o->step, sizeof o->step, "%s", step);
}

void eng_jobs_free(engine *e)
{
    free(e->open_steps);
    e->open_steps = NULL;
    e->open_step_count = e->open_step_cap = 0;
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
    /* A job that ends ends its steps: one still in progress ends as the job does. */
    for (size_t i = 0; i < e->open_step_count;) {
        if (e->open_steps[i].job != job) {
            i++;
            continue;
        }
        if (e->rec.job_step)
            e->rec.job_step(e->rec.ctx, job, e->open_steps[i].step, state, eng_now(e));
        open_step_remove(e, i);
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
