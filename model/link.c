/* model/link.c — flows on a WAN link: latency, max-min fair sharing under caps, outages,
 * accounting.
 *
 * The link keeps its flows in one pool (array + free list) and index sets: waiting (in latency or
 * stalled by an outage), moving (competing for bandwidth), capped (the moving flows with an own
 * cap, sorted for water-filling) and finished (a FIFO of completions not yet popped). Time advances
 * event by event: between two events every rate is constant, so remaining bytes move linearly and
 * each moving flow knows its completion instant at its current rate.
 *
 * The moving flows' per-event state (remaining bytes, rate, completion) lives in dense arrays by
 * position in moving[], because every event touches all of it: with a fleet's flows in step, one
 * link carries thousands of flows at once. Two things keep an event cheap without changing a single
 * rounding: the bytes a rate moves over an interval are computed once per distinct rate, not once
 * per flow, and a completion instant (two divisions and a rounding) is computed only for the flows
 * that can end first. The others are "deferred": their remaining bytes at the instant their rate
 * last changed are kept, and with them the instant is computed, bit for bit as it would have been
 * then, the moment any of them could matter (a lower bound on all deferred instants, kept with a
 * wide margin, reaches the next event). */
#include "link.h"

#include "engine/shared/alloc.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { FLOW_FREE, FLOW_WAITING, FLOW_MOVING, FLOW_FINISHED };

#define NO_INDEX UINT32_MAX

/* mv_done of a flow whose completion instant is deferred; never a real instant (those stay below
 * INT64_MAX - 1e6, see link_finish_ns). */
#define LINK_DEFERRED (INT64_MAX - 1)

/* Sort key of a completion batch: start order. */
typedef struct link_key {
    uint64_t seq;
    uint32_t idx;
} link_key;

typedef struct link_flow {
    double remaining;   /* bytes still to move, exact at the link's current time; while moving the
                           value is mv_rem[pos] instead */
    double cap;         /* own cap, INFINITY when none */
    double noise;       /* float noise remaining may carry, in bytes (a few ulps of size) */
    int64_t wait_until; /* waiting: when it starts competing (INT64_MAX: link down) */
    int64_t done_ns;    /* finished: completion time (moving: mv_done[pos]) */
    uint64_t size;
    uint64_t seq; /* start order, breaks ties between completions at one instant */
    void *tag;
    uint32_t gen; /* bumped when the slot is freed, so stale ids are refused */
    uint32_t pos; /* index in moving[] or waiting[]; free-list link when free */
    uint8_t state;
} link_flow;

struct model_link {
    double bandwidth_Bps, loss, rep_cap_Bps;
    int64_t latency_ns;
    bool up;
    double flow_cap_Bps; /* min(replication cap, Mathis), INFINITY when none */

    int64_t now_ns;  /* bytes and states are exact at this instant */
    int64_t next_ns; /* earliest completion or latency expiry, INT64_MAX when none */

    link_flow *flows;
    uint32_t pool_n, used_n, free_head;
    uint32_t *moving, n_moving;
    /* The moving flows' state by position in moving[] (see the top of this file). mv_done is the
     * completion at the current rate, INT64_MAX when none, LINK_DEFERRED when not yet computed: then
     * it is link_finish_ns(mv_epoch, mv_rem_epoch, noise, mv_rate) and no earlier than defer_lb. */
    double *mv_rem, *mv_rate, *mv_cap, *mv_noise, *mv_rem_epoch;
    int64_t *mv_done, *mv_epoch;
    uint32_t n_deferred;
    int64_t defer_lb;
    double uniform_Bps; /* the rate of every moving flow when they all have the same one, else -1 */
    double joined_Bps;  /* the same, flows that joined since (rate 0) aside; -1 when not known */
    uint32_t *waiting, n_waiting;
    uint32_t *finished, fin_head, fin_tail;
    uint32_t *capped, n_capped; /* the moving flows with an own cap, by (cap, seq): water-filling
                                   order, kept sorted so no event sorts */
    link_key *keys;             /* sorting room for completion batches */
    uint32_t *hits;             /* the flows an event ends, as the pass that moved them met them */
    uint64_t next_seq;

    uint64_t bytes_completed;
    double bytes_cancelled; /* progress of flows abandoned midway */
};

/* ---- small helpers ---- */

static double link_mathis_Bps(int64_t latency_ns, double loss)
{
    if (loss <= 0.0 || latency_ns <= 0)
        return INFINITY;
    double rtt_s = 2.0 * (double)latency_ns / 1e9;
    return 1.22 * MODEL_LINK_MSS_BYTES / (rtt_s * sqrt(loss));
}

static void link_update_flow_cap(model_link *l)
{
    double cap = l->rep_cap_Bps > 0.0 ? l->rep_cap_Bps : INFINITY;
    double m = link_mathis_Bps(l->latency_ns, l->loss);
    l->flow_cap_Bps = m < cap ? m : cap;
}

/* When a flow with remaining bytes at rate (> 0) finishes, from now: the exact instant rounded up
 * to the nanosecond. The instant carries float noise: a few ulps of the duration from this
 * division, and whatever noise remaining picked up from the subtractions that led to it
 * (noise_bytes, a few ulps of the flow's size). Shaving that much off before rounding up keeps a
 * completion that is mathematically on a whole nanosecond from being pushed one nanosecond late;
 * the shave is bounded (1e-4 ns for the byte noise) so that it can never pull a completion a whole
 * nanosecond early in practice. Returns at least now + 1, so time always progresses. Completion is
 * decided by this instant, never by remaining reaching zero, so a crumb of a byte left by rounding
 * cannot make a flow linger. */
static int64_t link_finish_ns(int64_t now, double remaining, double noise_bytes, double rate)
{
    if (remaining <= 0.0)
        return now + 1;
    double d = remaining / rate * 1e9;
    double noise_ns = noise_bytes / rate * 1e9;
    d -= d * 4e-15 + (noise_ns < 1e-4 ? noise_ns : 1e-4);
    if (!(d < (double)(INT64_MAX - now) - 1e6))
        return INT64_MAX;
    int64_t c = (int64_t)ceil(d);
    return now + (c < 1 ? 1 : c);
}

/* Bytes a flow has moved so far (remaining may be a crumb below zero at its very end). */
static double link_flow_moved(const link_flow *f)
{
    return (double)f->size - (f->remaining > 0.0 ? f->remaining : 0.0);
}

static link_flow *link_flow_get(const model_link *l, model_flow_id id)
{
    uint32_t idx = (uint32_t)(id & 0xffffffffu);
    uint32_t gen = (uint32_t)(id >> 32);
    if (idx >= l->used_n)
        return NULL;
    link_flow *f = &l->flows[idx];
    if (f->state == FLOW_FREE || f->gen != gen)
        return NULL;
    return f;
}

static void link_flow_release(model_link *l, uint32_t idx)
{
    link_flow *f = &l->flows[idx];
    f->state = FLOW_FREE;
    f->tag = NULL;
    f->gen = f->gen == UINT32_MAX ? 1 : f->gen + 1;
    f->pos = l->free_head;
    l->free_head = idx;
}

/* Removal from an unordered index set: the last element takes the hole. */
static void link_set_remove(model_link *l, uint32_t *set, uint32_t *n, uint32_t pos)
{
    assert(pos < *n);
    uint32_t last = set[--*n];
    set[pos] = last;
    l->flows[last].pos = pos;
}

static void link_set_add(model_link *l, uint32_t *set, uint32_t *n, uint32_t idx)
{
    set[*n] = idx;
    l->flows[idx].pos = *n;
    ++*n;
}

/* Position of (cap, seq) in the sorted capped set: the first element not before it. */
static uint32_t link_capped_find(const model_link *l, double cap, uint64_t seq)
{
    uint32_t lo = 0, hi = l->n_capped;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const link_flow *m = &l->flows[l->capped[mid]];
        if (m->cap < cap || (m->cap == cap && m->seq < seq))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A flow starts competing: into moving[] (last position, rate 0, no completion yet), and into
 * capped[] when it has its own cap. */
static void link_moving_add(model_link *l, uint32_t idx)
{
    link_flow *f = &l->flows[idx];
    uint32_t p = l->n_moving++;
    l->moving[p] = idx;
    f->pos = p;
    l->mv_rem[p] = f->remaining;
    l->mv_rate[p] = 0.0;
    l->mv_cap[p] = f->cap;
    l->mv_noise[p] = f->noise;
    l->mv_done[p] = INT64_MAX;
    l->uniform_Bps = -1.0;
    if (isinf(f->cap))
        return;
    uint32_t at = link_capped_find(l, f->cap, f->seq);
    memmove(l->capped + at + 1, l->capped + at, sizeof *l->capped * (l->n_capped - at));
    l->capped[at] = idx;
    l->n_capped++;
}

/* A flow stops competing: its remaining bytes go back to the pool, and the last moving flow takes
 * its position (as an unordered set: the order of moving[] is the order events walk the flows). */
static void link_moving_remove(model_link *l, uint32_t idx)
{
    link_flow *f = &l->flows[idx];
    uint32_t p = f->pos;
    assert(p < l->n_moving && l->moving[p] == idx);
    f->remaining = l->mv_rem[p];
    if (l->mv_done[p] == LINK_DEFERRED)
        l->n_deferred--;
    uint32_t last = --l->n_moving;
    if (p != last) {
        uint32_t m = l->moving[last];
        l->moving[p] = m;
        l->flows[m].pos = p;
        l->mv_rem[p] = l->mv_rem[last];
        l->mv_rate[p] = l->mv_rate[last];
        l->mv_cap[p] = l->mv_cap[last];
        l->mv_noise[p] = l->mv_noise[last];
        l->mv_rem_epoch[p] = l->mv_rem_epoch[last];
        l->mv_done[p] = l->mv_done[last];
        l->mv_epoch[p] = l->mv_epoch[last];
    }
    if (isinf(f->cap))
        return;
    uint32_t at = link_capped_find(l, f->cap, f->seq);
    assert(at < l->n_capped && l->capped[at] == idx);
    memmove(l->capped + at, l->capped + at + 1, sizeof *l->capped * (l->n_capped - at - 1));
    l->n_capped--;
}

static int link_key_seq_cmp(const void *a, const void *b)
{
    const link_key *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- the core: rates, time, events ---- */

/* Computes every deferred completion instant, exactly as it would have been computed when the
 * flow's rate last changed. */
static void link_undefer(model_link *l)
{
    for (uint32_t p = 0; l->n_deferred > 0 && p < l->n_moving; p++) {
        if (l->mv_done[p] != LINK_DEFERRED)
            continue;
        l->mv_done[p] =
            link_finish_ns(l->mv_epoch[p], l->mv_rem_epoch[p], l->mv_noise[p], l->mv_rate[p]);
        l->n_deferred--;
    }
    assert(l->n_deferred == 0);
    l->defer_lb = INT64_MAX;
}

/* The flows that can end first, noted as a pass meets them: those within a few nanoseconds of the
 * smallest estimate seen so far (it only decreases, so every flow left out is beyond the final
 * cut). Too many (ties): overflow, and the caller looks at every flow. */
enum { LINK_CANDIDATES = 64 };
typedef struct link_cands {
    double q_min, q_keep;
    uint32_t n;
    bool overflow;
    uint32_t idx[LINK_CANDIDATES];
} link_cands;

static inline void link_cands_note(link_cands *c, double q, uint32_t i)
{
    if (q < c->q_min) {
        c->q_min = q;
        c->q_keep = q * (1.0 + 1e-12) + 4.0;
    }
    if (c->n < LINK_CANDIDATES)
        c->idx[c->n++] = i;
    else
        c->overflow = true;
}

/* Max-min fair rates by water-filling. Every moving flow gets min(its cap, level), where level is
 * the largest value with sum(min(cap_i, level)) <= bandwidth. Only flows with an own cap below the
 * link-wide cap can be bound below the level; they are walked in cap order until the first one that
 * the level reaches, so the walk costs only the flows actually bound. Then completion instants and
 * the next event are refreshed. A flow whose rate did not change keeps its completion instant,
 * which keeps float noise from creeping into it at every event.
 *
 * credit_s: completions are rounded up to the nanosecond, so a flow that finishes at t really
 * finished up to a nanosecond earlier and the others should have had its share since then. Each
 * flow that was already moving gets the extra bytes its new rate would have moved over credit_s;
 * without this the sub-nanosecond losses add up over a chain of completions and push later ones
 * late.
 *
 * Completion instants of flows whose rate changed are computed only for the flows that can be
 * first: an estimate q (remaining * 1e9 / rate, a multiplication by a reciprocal kept per distinct
 * rate, within a few ulps of the division) picks those within a few nanoseconds of the smallest
 * (q_keep); the others are deferred (see the top of the file). The instant of a deferred flow is at
 * least q * (1 - 1e-13) - 1 ns after now (the instant shaves at most 4e-15 relative and 1e-4 ns
 * off q, and rounds up), which gives defer_lb. Instants beyond a quarter of the int64 range are
 * never deferred: there the rounding saturates at INT64_MAX, which the loop treats as "no instant"
 * and recomputes at every event, as it always did. */
static void link_recompute(model_link *l, double credit_s)
{
    double c = l->flow_cap_Bps;
    double level = 0.0;
    if (l->up && l->bandwidth_Bps > 0.0 && l->n_moving > 0) {
        double avail = l->bandwidth_Bps;
        uint32_t n = l->n_moving;
        for (uint32_t i = 0; i < l->n_capped; i++) {
            double cap = l->flows[l->capped[i]].cap;
            if (cap >= c || cap > avail / n)
                break;
            avail -= cap;
            n--;
        }
        level = n > 0 ? avail / n : INFINITY;
    }

    const int64_t now = l->now_ns;
    /* Instants this far ahead are computed at once: near INT64_MAX the rounding saturates. */
    const double defer_max_ns = ((double)(INT64_MAX - now) - 1e6) * 0.25;
    double *rem = l->mv_rem, *rate = l->mv_rate;
    const double *cap = l->mv_cap;
    int64_t *done = l->mv_done;
    int64_t next = INT64_MAX;
    /* Flows whose rate changed are deferred as they come, the candidates noted. */
    link_cands cands = {.q_min = INFINITY, .q_keep = INFINITY};
    double inv_r = 0.0, inv_of = -1.0;
    uint32_t n_deferred = l->n_deferred;
    uint32_t redone = 0; /* deferred flows whose rate changed here (deferred afresh or not) */
    bool uniform = l->n_capped == 0;
    double r_uniform = level < c ? level : c;
    if (uniform && r_uniform > 0.0 && l->joined_Bps >= 0.0 && l->joined_Bps != r_uniform) {
        /* The usual event: no own caps, and a rate that changed for every flow (the flows that
         * have just joined had none). Each flow is deferred in a loop without branches, with the
         * credit of the old rate, then the ones near the first to end are computed. The same
         * steps as the loops below on each flow, in the same order. */
        const double r = r_uniform, old_r = l->joined_Bps;
        inv_r = 1e9 / r;
        const double cv = credit_s > 0.0 && old_r > 0.0 && r > old_r ? (r - old_r) * credit_s : 0.0;
        const uint32_t n = l->n_moving;
        double *rem_epoch = l->mv_rem_epoch;
        int64_t *epoch = l->mv_epoch;
        /* The flows near the first to end are noted as they come, as in the loops below (q is
         * monotone in x, so the smallest q is that of the smallest x, as a pass for the smallest x
         * first would find). */
        for (uint32_t i = 0; i < n; i++) {
            double x = rem[i] - (rate[i] > 0.0 ? cv : 0.0); /* x - 0.0 is x, bit for bit */
            rem[i] = x;
            rem_epoch[i] = x;
            rate[i] = r;
            epoch[i] = now;
            done[i] = LINK_DEFERRED;
            double q = x * inv_r;
            if (q <= cands.q_keep || !(q < defer_max_ns)) {
                link_cands_note(&cands, q, i);
            }
        }
        uint32_t n_exact = 0;
        uint32_t nc = cands.overflow ? n : cands.n;
        for (uint32_t k = 0; k < nc; k++) {
            uint32_t i = cands.overflow ? k : cands.idx[k];
            double q = rem[i] * inv_r;
            if (q <= cands.q_keep || !(q < defer_max_ns)) {
                done[i] = link_finish_ns(now, rem[i], l->mv_noise[i], r);
                n_exact++;
                if (done[i] < next)
                    next = done[i];
            }
        }
        /* Every flow deferred before was deferred again here. */
        n_deferred = n - n_exact;
        if (n_deferred > 0) {
            int64_t lb = now + (int64_t)(cands.q_keep * (1.0 - 1e-13) - 1.0);
            l->n_deferred = n_deferred;
            l->defer_lb = lb;
        } else {
            l->n_deferred = 0;
            l->defer_lb = INT64_MAX;
        }
        l->uniform_Bps = r;
        l->joined_Bps = r;
        goto check;
    }
    if (uniform && r_uniform > 0.0) {
        /* No own caps: one rate for all, and the old rates take a value or two (the flows that
         * just started have none), so the credit is computed once per old rate. The same steps
         * as the loop below, in the same order on each flow. */
        const double r = r_uniform;
        inv_r = 1e9 / r;
        double old_seen = -1.0, cv = 0.0;
        const uint32_t n = l->n_moving;
        double *rem_epoch = l->mv_rem_epoch;
        int64_t *epoch = l->mv_epoch;
        for (uint32_t i = 0; i < n; i++) {
            double old = rate[i];
            int64_t d = done[i];
            if (old == r && d != INT64_MAX) {
                if (d < next)
                    next = d;
                continue;
            }
            if (old != old_seen) {
                old_seen = old;
                cv = credit_s > 0.0 && old > 0.0 && r > old ? (r - old) * credit_s : 0.0;
            }
            double x = rem[i] - cv; /* x - 0.0 is x, bit for bit */
            rem[i] = x;
            rate[i] = r;
            redone += d == LINK_DEFERRED;
            n_deferred += d != LINK_DEFERRED;
            double q = x * inv_r;
            if (!(q < defer_max_ns)) {
                n_deferred--;
                done[i] = link_finish_ns(now, x, l->mv_noise[i], r);
                if (done[i] < next)
                    next = done[i];
                continue;
            }
            done[i] = LINK_DEFERRED;
            rem_epoch[i] = x;
            epoch[i] = now;
            if (q <= cands.q_keep) {
                link_cands_note(&cands, q, i);
            }
        }
    }
    for (uint32_t i = 0; !(uniform && r_uniform > 0.0) && i < l->n_moving; i++) {
        double r = level;
        if (cap[i] < r)
            r = cap[i];
        if (c < r)
            r = c;
        if (r != rate[i] || done[i] == INT64_MAX) {
            if (credit_s > 0.0 && rate[i] > 0.0 && r > rate[i])
                rem[i] -= (r - rate[i]) * credit_s;
            rate[i] = r;
            if (done[i] == LINK_DEFERRED)
                redone++;
            if (r > 0.0) {
                if (r != inv_of) {
                    inv_of = r;
                    inv_r = 1e9 / r;
                }
                double q = rem[i] * inv_r;
                if (done[i] != LINK_DEFERRED)
                    n_deferred++;
                if (q < defer_max_ns) {
                    done[i] = LINK_DEFERRED;
                    l->mv_rem_epoch[i] = rem[i];
                    l->mv_epoch[i] = now;
                    if (q <= cands.q_keep) {
                        link_cands_note(&cands, q, i);
                    }
                    continue;
                }
                n_deferred--;
                done[i] = link_finish_ns(now, rem[i], l->mv_noise[i], r);
            } else {
                if (done[i] == LINK_DEFERRED)
                    n_deferred--;
                done[i] = INT64_MAX;
            }
        }
        if (done[i] < next)
            next = done[i];
    }
    /* The old bound stands while some flow deferred earlier still is. */
    int64_t defer_lb = l->n_deferred > redone ? l->defer_lb : INT64_MAX;
    if (isfinite(cands.q_min)) {
        /* Within a few nanoseconds of the first: exact now. Every other deferred instant is at
         * least lb. */
        double q_cut = cands.q_keep;
        double lb_ns = q_cut * (1.0 - 1e-13) - 1.0;
        int64_t lb = now + (int64_t)lb_ns;
        if (lb < defer_lb)
            defer_lb = lb;
        uint32_t n = cands.overflow ? l->n_moving : cands.n;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = cands.overflow ? k : cands.idx[k];
            if (done[i] != LINK_DEFERRED || l->mv_epoch[i] != now)
                continue;
            double r0 = l->mv_rem_epoch[i];
            if (r0 * (1e9 / rate[i]) <= q_cut) {
                done[i] = link_finish_ns(now, r0, l->mv_noise[i], rate[i]);
                n_deferred--;
                if (done[i] < next)
                    next = done[i];
            }
        }
    }
    l->n_deferred = n_deferred;
    l->defer_lb = n_deferred > 0 ? defer_lb : INT64_MAX;
    /* Every moving flow at one rate: moving bytes needs no look at the rates. */
    l->uniform_Bps = uniform && l->n_moving > 0 ? r_uniform : -1.0;
    l->joined_Bps = l->uniform_Bps;
check:
    if (l->n_deferred > 0 && l->defer_lb <= next) {
        /* A deferred flow may be next (rates that did not change while the first ones ended). */
        link_undefer(l);
        for (uint32_t i = 0; i < l->n_moving; i++)
            if (done[i] < next)
                next = done[i];
    }
    for (uint32_t i = 0; i < l->n_waiting; i++) {
        int64_t w = l->flows[l->waiting[i]].wait_until;
        if (w < next)
            next = w;
    }
    l->next_ns = next;
}

/* Moves bytes from the link's current time to t at the current rates (no event in between). A flow
 * finishing at t may go a crumb below zero: that is how far past its exact end t is (see credit_s).
 * Flows at one rate move the same bytes, computed once. */
static void link_move_bytes(model_link *l, int64_t t)
{
    assert(t >= l->now_ns);
    int64_t dt = t - l->now_ns;
    if (dt == 0)
        return;
    assert(t <= l->next_ns);
    double secs = (double)dt;
    double *rem = l->mv_rem;
    const double *rate = l->mv_rate;
    if (l->uniform_Bps >= 0.0) {
        if (l->uniform_Bps > 0.0) {
            double d = l->uniform_Bps * secs / 1e9;
            for (uint32_t i = 0; i < l->n_moving; i++)
                rem[i] -= d;
        }
        l->now_ns = t;
        return;
    }
    double last_r = 0.0, last_d = 0.0;
    for (uint32_t i = 0; i < l->n_moving; i++) {
        double r = rate[i];
        if (r > 0.0) {
            if (r != last_r) {
                last_r = r;
                last_d = r * secs / 1e9;
            }
            rem[i] -= last_d;
        }
    }
    l->now_ns = t;
}

static void link_finished_push(model_link *l, uint32_t idx)
{
    if (l->fin_tail == l->pool_n) {
        /* The queue only holds live flows, so after compaction there is always room. */
        uint32_t n = l->fin_tail - l->fin_head;
        memmove(l->finished, l->finished + l->fin_head, sizeof *l->finished * n);
        l->fin_head = 0;
        l->fin_tail = n;
    }
    assert(l->fin_tail < l->pool_n);
    l->finished[l->fin_tail++] = idx;
}

/* A moving flow that ends at t: its instant has come, or its bytes ran out. */
static bool link_ends(const model_link *l, uint32_t pos, int64_t t)
{
    return l->mv_done[pos] <= t || l->mv_rem[pos] <= 0.0;
}

/* link_move_bytes to t, in the same pass noting in hits[] (in position order) the flows that end
 * at t. Returns how many. */
static uint32_t link_move_ending(model_link *l, int64_t t)
{
    assert(t >= l->now_ns && t <= l->next_ns);
    double *rem = l->mv_rem;
    const double *rate = l->mv_rate;
    const int64_t *done = l->mv_done;
    const uint32_t n = l->n_moving;
    uint32_t k = 0;
    if (t == l->now_ns || l->uniform_Bps == 0.0) {
        for (uint32_t i = 0; i < n; i++)
            if (done[i] <= t || rem[i] <= 0.0)
                l->hits[k++] = l->moving[i];
    } else if (l->uniform_Bps > 0.0) {
        double d = l->uniform_Bps * (double)(t - l->now_ns) / 1e9;
        for (uint32_t i = 0; i < n; i++) {
            double x = rem[i] - d;
            rem[i] = x;
            if (done[i] <= t || x <= 0.0)
                l->hits[k++] = l->moving[i];
        }
    } else {
        double secs = (double)(t - l->now_ns);
        double last_r = 0.0, last_d = 0.0;
        for (uint32_t i = 0; i < n; i++) {
            double r = rate[i];
            if (r > 0.0) {
                if (r != last_r) {
                    last_r = r;
                    last_d = r * secs / 1e9;
                }
                rem[i] -= last_d;
            }
            if (done[i] <= t || rem[i] <= 0.0)
                l->hits[k++] = l->moving[i];
        }
    }
    l->now_ns = t;
    return k;
}

/* Processes the events at t = l->next_ns: latency expiries, then completions (in start order), then
 * new rates. Flows whose latency ends at t start competing before completions are looked at, so
 * that a zero-byte flow finishes at the end of its latency.
 *
 * One pass moves the bytes and finds the flows that end; they leave moving[] in the order a scan
 * of it removing each in place (the last flow filling the hole, and looked at there) would take
 * them, which keeps moving[] in the very order it always had (sums over it stay bit for bit). */
static void link_step(model_link *l, int64_t t)
{
    /* Deferred instants depend on no bytes moved since: computed first, they are the same. */
    if (l->n_deferred > 0 && l->defer_lb <= t)
        link_undefer(l);
    uint32_t n_hit = link_move_ending(l, t);

    for (uint32_t i = 0; i < l->n_waiting;) {
        uint32_t idx = l->waiting[i];
        link_flow *f = &l->flows[idx];
        if (f->wait_until <= t) {
            link_set_remove(l, l->waiting, &l->n_waiting, i);
            f->state = FLOW_MOVING;
            link_moving_add(l, idx);
            if (link_ends(l, f->pos, t))
                l->hits[n_hit++] = idx;
        } else {
            i++;
        }
    }

    uint32_t k = 0;
    double over_bytes = 0.0, freed_Bps = 0.0;
    for (uint32_t h = 0; h < n_hit; h++) {
        if (l->flows[l->hits[h]].state != FLOW_MOVING)
            continue; /* taken already, in a hole it filled */
        uint32_t p = l->flows[l->hits[h]].pos;
        do {
            double rem = l->mv_rem[p];
            if (rem < 0.0 && l->mv_rate[p] > 0.0) {
                over_bytes -= rem;
                freed_Bps += l->mv_rate[p];
            }
            uint32_t idx = l->moving[p];
            link_moving_remove(l, idx);
            l->flows[idx].state = FLOW_FINISHED;
            l->keys[k++] = (link_key){l->flows[idx].seq, idx};
        } while (p < l->n_moving && link_ends(l, p, t));
    }
    /* Ties between completions at one instant go in start order. */
    if (k > 1)
        qsort(l->keys, k, sizeof *l->keys, link_key_seq_cmp);
    for (uint32_t i = 0; i < k; i++) {
        link_flow *f = &l->flows[l->keys[i].idx];
        f->state = FLOW_FINISHED;
        f->remaining = 0.0;
        f->done_ns = t;
        l->bytes_completed += f->size;
        link_finished_push(l, l->keys[i].idx);
    }
    /* How long ago the finished flows really ended (rate-weighted when several end here); never
     * more than the nanosecond the rounding can cost. */
    double credit_s = freed_Bps > 0.0 ? over_bytes / freed_Bps : 0.0;
    link_recompute(l, credit_s < 1e-9 ? credit_s : 1e-9);
    assert(l->next_ns > t);
}

void model_link_advance(model_link *l, int64_t now_ns)
{
    assert(now_ns >= l->now_ns);
    while (l->next_ns <= now_ns)
        link_step(l, l->next_ns);
    link_move_bytes(l, now_ns);
}

/* After a change at the current time: new rates, then any event the change made due right now (a
 * zero latency after an outage). */
static void link_refresh(model_link *l)
{
    link_recompute(l, 0.0);
    model_link_advance(l, l->now_ns);
}

/* ---- lifetime ---- */

model_link *model_link_new(double bandwidth_Bps, int64_t latency_ns, double loss,
                           double replication_cap_Bps)
{
    assert(bandwidth_Bps >= 0.0 && isfinite(bandwidth_Bps));
    assert(latency_ns >= 0);
    assert(loss >= 0.0 && loss <= 1.0);
    assert(replication_cap_Bps >= 0.0 && isfinite(replication_cap_Bps));
    model_link *l = drs_xcalloc(1, sizeof *l);
    l->bandwidth_Bps = bandwidth_Bps;
    l->latency_ns = latency_ns;
    l->loss = loss;
    l->rep_cap_Bps = replication_cap_Bps;
    l->up = true;
    l->next_ns = INT64_MAX;
    l->defer_lb = INT64_MAX;
    l->uniform_Bps = -1.0;
    l->joined_Bps = -1.0;
    l->free_head = NO_INDEX;
    link_update_flow_cap(l);
    return l;
}

void model_link_free(model_link *l)
{
    if (!l)
        return;
    free(l->flows);
    free(l->moving);
    free(l->waiting);
    free(l->finished);
    free(l->keys);
    free(l->hits);
    free(l->capped);
    free(l->mv_rem);
    free(l->mv_rate);
    free(l->mv_cap);
    free(l->mv_noise);
    free(l->mv_rem_epoch);
    free(l->mv_done);
    free(l->mv_epoch);
    free(l);
}

/* Doubles the pool and every index set with it (each set can hold every flow). False past 2^30
 * flows, where the indices would not fit. */
static bool link_grow(model_link *l)
{
    if (l->pool_n >= UINT32_MAX / 4)
        return false;
    uint32_t n = l->pool_n ? l->pool_n * 2 : 16;
    l->flows = drs_xrealloc(l->flows, n, sizeof *l->flows);
    l->keys = drs_xrealloc(l->keys, n, sizeof *l->keys);
    uint32_t **sets[] = {&l->moving, &l->waiting, &l->finished, &l->capped, &l->hits};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        *sets[i] = drs_xrealloc(*sets[i], n, sizeof **sets[i]);
    double **dsets[] = {&l->mv_rem, &l->mv_rate, &l->mv_cap, &l->mv_noise, &l->mv_rem_epoch};
    for (size_t i = 0; i < sizeof dsets / sizeof dsets[0]; i++)
        *dsets[i] = drs_xrealloc(*dsets[i], n, sizeof **dsets[i]);
    int64_t **isets[] = {&l->mv_done, &l->mv_epoch};
    for (size_t i = 0; i < sizeof isets / sizeof isets[0]; i++)
        *isets[i] = drs_xrealloc(*isets[i], n, sizeof **isets[i]);
    l->pool_n = n;
    return true;
}

/* ---- flows ---- */

model_flow_id model_link_flow_start(model_link *l, int64_t now_ns, uint64_t bytes, double cap_Bps,
                                    void *tag)
{
    assert(cap_Bps >= 0.0);
    model_link_advance(l, now_ns);
    uint32_t idx;
    if (l->free_head != NO_INDEX) {
        idx = l->free_head;
        l->free_head = l->flows[idx].pos;
    } else {
        if (l->used_n == l->pool_n && !link_grow(l))
            return 0;
        idx = l->used_n++;
        l->flows[idx].gen = 1;
    }
    link_flow *f = &l->flows[idx];
    f->size = bytes;
    f->remaining = (double)bytes;
    f->noise = (double)bytes * 2e-15; /* ~10 ulps of the size */
    f->cap = cap_Bps > 0.0 ? cap_Bps : INFINITY;
    f->done_ns = INT64_MAX;
    f->wait_until = l->up ? now_ns + l->latency_ns : INT64_MAX;
    f->seq = l->next_seq++;
    f->tag = tag;
    f->state = FLOW_WAITING;
    link_set_add(l, l->waiting, &l->n_waiting, idx);
    if (f->wait_until < l->next_ns)
        l->next_ns = f->wait_until;
    model_link_advance(l, now_ns); /* zero latency: competes (or finishes) right away */
    return ((uint64_t)f->gen << 32) | idx;
}

bool model_link_flow_cancel(model_link *l, int64_t now_ns, model_flow_id id)
{
    model_link_advance(l, now_ns);
    link_flow *f = link_flow_get(l, id);
    if (!f)
        return false;
    uint32_t idx = (uint32_t)(id & 0xffffffffu);
    switch (f->state) {
    case FLOW_MOVING:
        link_moving_remove(l, idx);
        l->bytes_cancelled += link_flow_moved(f);
        break;
    case FLOW_WAITING:
        link_set_remove(l, l->waiting, &l->n_waiting, f->pos);
        l->bytes_cancelled += link_flow_moved(f);
        break;
    case FLOW_FINISHED: {
        uint32_t i = l->fin_head;
        while (i < l->fin_tail && l->finished[i] != idx)
            i++;
        assert(i < l->fin_tail);
        memmove(l->finished + i, l->finished + i + 1, sizeof *l->finished * (l->fin_tail - i - 1));
        l->fin_tail--;
        break;
    }
    default:
        assert(0);
    }
    link_flow_release(l, idx);
    link_refresh(l);
    return true;
}

bool model_link_pop_finished(model_link *l, int64_t now_ns, void **tag, int64_t *finished_at_ns)
{
    model_link_advance(l, now_ns);
    if (l->fin_head == l->fin_tail)
        return false;
    uint32_t idx = l->finished[l->fin_head++];
    if (l->fin_head == l->fin_tail)
        l->fin_head = l->fin_tail = 0;
    link_flow *f = &l->flows[idx];
    assert(f->state == FLOW_FINISHED);
    *tag = f->tag;
    if (finished_at_ns)
        *finished_at_ns = f->done_ns;
    link_flow_release(l, idx);
    return true;
}

int64_t model_link_next_event(const model_link *l)
{
    if (l->fin_head != l->fin_tail)
        return l->now_ns;
    return l->next_ns;
}

/* ---- changes ---- */

void model_link_set_bandwidth(model_link *l, int64_t now_ns, double bandwidth_Bps)
{
    assert(bandwidth_Bps >= 0.0 && isfinite(bandwidth_Bps));
    model_link_advance(l, now_ns);
    l->bandwidth_Bps = bandwidth_Bps;
    link_refresh(l);
}

void model_link_set_latency(model_link *l, int64_t now_ns, int64_t latency_ns)
{
    assert(latency_ns >= 0);
    model_link_advance(l, now_ns);
    l->latency_ns = latency_ns;
    link_update_flow_cap(l);
    link_refresh(l);
}

void model_link_set_loss(model_link *l, int64_t now_ns, double loss)
{
    assert(loss >= 0.0 && loss <= 1.0);
    model_link_advance(l, now_ns);
    l->loss = loss;
    link_update_flow_cap(l);
    link_refresh(l);
}

void model_link_set_replication_cap(model_link *l, int64_t now_ns, double replication_cap_Bps)
{
    assert(replication_cap_Bps >= 0.0 && isfinite(replication_cap_Bps));
    model_link_advance(l, now_ns);
    l->rep_cap_Bps = replication_cap_Bps;
    link_update_flow_cap(l);
    link_refresh(l);
}

void model_link_set_up(model_link *l, int64_t now_ns, bool up)
{
    model_link_advance(l, now_ns);
    if (up == l->up)
        return;
    l->up = up;
    if (!up) {
        /* Everything stalls where it is, progress kept. */
        while (l->n_moving > 0) {
            uint32_t idx = l->moving[l->n_moving - 1];
            link_flow *f = &l->flows[idx];
            l->n_moving--;
            f->remaining = l->mv_rem[l->n_moving];
            f->state = FLOW_WAITING;
            link_set_add(l, l->waiting, &l->n_waiting, idx);
        }
        l->n_capped = 0;
        l->n_deferred = 0;
        l->defer_lb = INT64_MAX;
        for (uint32_t i = 0; i < l->n_waiting; i++)
            l->flows[l->waiting[i]].wait_until = INT64_MAX;
    } else {
        /* Every unfinished flow reconnects and pays the latency again. */
        for (uint32_t i = 0; i < l->n_waiting; i++)
            l->flows[l->waiting[i]].wait_until = now_ns + l->latency_ns;
    }
    link_refresh(l);
}

double model_link_bandwidth_Bps(const model_link *l)
{
    return l->bandwidth_Bps;
}
int64_t model_link_latency_ns(const model_link *l)
{
    return l->latency_ns;
}
double model_link_loss(const model_link *l)
{
    return l->loss;
}
double model_link_replication_cap_Bps(const model_link *l)
{
    return l->rep_cap_Bps;
}
bool model_link_is_up(const model_link *l)
{
    return l->up;
}
double model_link_flow_cap_Bps(const model_link *l)
{
    return l->flow_cap_Bps;
}

/* ---- accounting ---- */

void model_link_stats_get(model_link *l, int64_t now_ns, model_link_stats *out)
{
    model_link_advance(l, now_ns);
    double inflight = 0.0, rate_total = 0.0;
    for (uint32_t i = 0; i < l->n_moving; i++) {
        const link_flow *f = &l->flows[l->moving[i]];
        double rem = l->mv_rem[i];
        inflight += (double)f->size - (rem > 0.0 ? rem : 0.0);
        rate_total += l->mv_rate[i];
    }
    for (uint32_t i = 0; i < l->n_waiting; i++) {
        const link_flow *f = &l->flows[l->waiting[i]];
        inflight += link_flow_moved(f);
    }
    out->at_ns = l->now_ns;
    out->bytes_completed = l->bytes_completed;
    out->bytes_carried = (double)l->bytes_completed + l->bytes_cancelled + inflight;
    out->rate_Bps = rate_total;
    out->flows_moving = l->n_moving;
    out->flows_waiting = l->n_waiting;
    out->flows_finished = l->fin_tail - l->fin_head;
}

bool model_link_flow_remaining(model_link *l, int64_t now_ns, model_flow_id id,
                               double *remaining_bytes)
{
    model_link_advance(l, now_ns);
    const link_flow *f = link_flow_get(l, id);
    if (!f)
        return false;
    double rem = f->state == FLOW_MOVING ? l->mv_rem[f->pos] : f->remaining;
    *remaining_bytes = rem > 0.0 ? rem : 0.0;
    return true;
}

double model_link_flow_rate_Bps(const model_link *l, model_flow_id id)
{
    const link_flow *f = link_flow_get(l, id);
    return f && f->state == FLOW_MOVING ? l->mv_rate[f->pos] : 0.0;
}
