/* engine/health.c — Replication Health of a VM, judged over a sliding window.
 *
 * Critical: replication in error (a log that cannot be sent or applied, replica storage full) or
 * resynchronization required. Warning: ENGINE_HEALTH_MISSED_FRACTION or more of the cycles due in the
 * pair's monitoring window (health_window, 12 h unless set) were missed, no log reached the replica for more than
 * ENGINE_HEALTH_STALE_NS, initial replication not complete, resynchronization in progress, or
 * replication paused (the primary host is down). Normal otherwise.
 *
 * The window is a ring of the cycles that came due (time, missed: one word each), sized for one
 * window of the VM's interval, with a count of the missed ones, so judging it never allocates and
 * costs O(1). In a large fleet the ring is out of the cache whenever the VM's turn comes, so the
 * oldest due time is kept beside the count: a judgement reads the ring only to drop a cycle.
 *
 * The stale timer is not moved at every apply (that would be a cancel and a schedule per cycle): it
 * stays where it is, and when it fires before the moment the newest apply set, it re-arms for that
 * moment without judging, so health is judged exactly when it would have been. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine_internal.h"
#include "engine/shared/alloc.h"
#include "rules.h"

int64_t eng_health_window_ns(const eng_vm *v)
{
    return v->settings.health_window_ns > 0 ? v->settings.health_window_ns
                                            : RULES_HEALTH_WINDOW_DEFAULT_NS;
}

void eng_health_init(eng_vm *v)
{
    size_t cap = (size_t)(eng_health_window_ns(v) / v->interval_ns) + 2;
    if (cap > v->win_cap) {
        eng_health_free(v);
        v->win = drs_xcalloc(cap, sizeof *v->win);
        v->win_cap = cap;
    }
    v->win_head = v->win_count = v->win_missed_count = 0;
    v->last_apply_ns = eng_now(v->e);
}

void eng_health_free(eng_vm *v)
{
    eng_cancel_timer(v->e, &v->stale_timer);
    free(v->win);
    v->win = NULL;
    v->win_cap = v->win_head = v->win_count = v->win_missed_count = 0;
}

/* A cycle in the ring: its due time (>= 0), complemented (< 0) when it was missed. */
static int64_t win_due(int64_t w)
{
    return w < 0 ? ~w : w;
}

/* Drops the oldest cycle of the window. */
static void win_drop(eng_vm *v)
{
    v->win_missed_count -= v->win[v->win_head] < 0;
    if (++v->win_head == v->win_cap)
        v->win_head = 0;
    if (--v->win_count > 0)
        v->win_oldest_ns = win_due(v->win[v->win_head]);
}

void eng_health_tick(eng_vm *v, int64_t due_ns, bool missed)
{
    assert(due_ns >= 0);
    if (v->win_count == v->win_cap) /* full: the oldest is overwritten */
        win_drop(v);
    size_t slot = v->win_head + v->win_count;
    if (slot >= v->win_cap)
        slot -= v->win_cap;
    v->win[slot] = missed ? ~due_ns : due_ns;
    if (v->win_count++ == 0)
        v->win_oldest_ns = due_ns;
    v->win_missed_count += missed;
}

/* Fraction of the cycles due in (now - window, now] that were missed; 0 when none came due. */
static double missed_fraction(eng_vm *v, int64_t now)
{
    int64_t window = eng_health_window_ns(v);
    while (v->win_count > 0 && v->win_oldest_ns <= now - window)
        win_drop(v);
    if (v->win_count == 0)
        return 0.0;
    return (double)v->win_missed_count / (double)v->win_count;
}

static void stale(void *arg)
{
    eng_vm *v = arg;
    engine *e = v->e;
    v->stale_timer = 0;
    if (eng_now(e) < v->stale_due_ns) { /* a newer apply moved the moment on */
        v->stale_timer = e->pf.timer_at(e->pf.ctx, v->stale_due_ns, stale, v);
        return;
    }
    eng_health_eval(v);
}

void eng_health_applied(eng_vm *v)
{
    engine *e = v->e;
    /* "More than" the limit: judged one nanosecond after it. */
    v->stale_due_ns = v->last_apply_ns + ENGINE_HEALTH_STALE_NS + 1;
    /* Already overdue (replication resumes long after its last apply, as after a failback): judge
     * now rather than schedule into the past. */
    int64_t at = v->stale_due_ns > eng_now(e) ? v->stale_due_ns : eng_now(e);
    if (!v->stale_timer)
        v->stale_timer = e->pf.timer_at(e->pf.ctx, at, stale, v);
}

static engine_health judge(eng_vm *v)
{
    engine *e = v->e;
    if (!v->protected_)
        return ENGINE_HEALTH_NONE;
    if (v->state == ENGINE_VM_RESYNC_REQUIRED || v->err_transfer || v->err_storage)
        return ENGINE_HEALTH_CRITICAL;
    int64_t now = eng_now(e);
    if (!v->ir_done || v->state == ENGINE_VM_RESYNCING)
        return ENGINE_HEALTH_WARNING;
    if (missed_fraction(v, now) >= ENGINE_HEALTH_MISSED_FRACTION)
        return ENGINE_HEALTH_WARNING;
    if (now - v->last_apply_ns > ENGINE_HEALTH_STALE_NS)
        return ENGINE_HEALTH_WARNING;
    if (!e->pf.site_up(e->pf.ctx, v->src_site) ||
        !e->pf.host_up(e->pf.ctx, v->src_site, v->src_host))
        return ENGINE_HEALTH_WARNING;
    return ENGINE_HEALTH_NORMAL;
}

void eng_health_eval(eng_vm *v)
{
    engine *e = v->e;
    engine_health h = judge(v);
    if (h == v->health)
        return;
    engine_health old = v->health;
    v->health = h;
    if (!v->protected_)
        eng_cancel_timer(e, &v->stale_timer);
    if (e->rec.health)
        e->rec.health(e->rec.ctx, v->index, old, h, eng_now(e));
    if (e->rec.event) {
        char detail[96];
        snprintf(detail, sizeof detail, "health %s -> %s", engine_health_name(old),
                 engine_health_name(h));
        engine_event_info ev = {.at_ns = eng_now(e), .kind = ENGINE_EV_HEALTH_CHANGED,
                                .vm = v->index, .pair = v->pair, .old_value = (int)old,
                                .new_value = (int)h, .detail = detail};
        e->rec.event(e->rec.ctx, &ev);
    }
}
