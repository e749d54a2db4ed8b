/* tests/reference/link_reference.c — the WAN link model as it was before its events stopped visiting
 * every flow: each event recomputes the max-min rates of all moving flows, moves every flow's bytes
 * and recomputes every completion instant whose rate changed. It is kept, renamed, as the reference
 * model/link.c must match exactly (rates, remaining bytes, completion instants and order) in
 * tests/test_link_reference.c. Only the names differ from that version. */
#include "reference/link_reference.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { FLOW_FREE, FLOW_WAITING, FLOW_MOVING, FLOW_FINISHED };

#define NO_INDEX UINT32_MAX

/* Sort key of a completion batch: start order. */
typedef struct link_key {
    uint64_t seq;
    uint32_t idx;
} link_key;

typedef struct link_flow {
    double remaining;   /* bytes still to move, exact at the link's current time */
    double rate;        /* bytes/s, constant until the next event; 0 unless moving */
    double cap;         /* own cap, INFINITY when none */
    double noise;       /* float noise remaining may carry, in bytes (a few ulps of size) */
    int64_t wait_until; /* waiting: when it starts competing (INT64_MAX: link down) */
    int64_t done_ns;    /* moving: completion at the current rate; finished: completion time */
    uint64_t size;
    uint64_t seq; /* start order, breaks ties between completions at one instant */
    void *tag;
    uint32_t gen; /* bumped when the slot is freed, so stale ids are refused */
    uint32_t pos; /* index in moving[] or waiting[]; free-list link when free */
    uint8_t state;
} link_flow;

struct ref_link {
    double bandwidth_Bps, loss, rep_cap_Bps;
    int64_t latency_ns;
    bool up;
    double flow_cap_Bps; /* min(replication cap, Mathis), INFINITY when none */

    int64_t now_ns;  /* bytes and states are exact at this instant */
    int64_t next_ns; /* earliest completion or latency expiry, INT64_MAX when none */
    double rate_total_Bps;

    link_flow *flows;
    uint32_t pool_n, used_n, free_head;
    uint32_t *moving, n_moving;
    uint32_t *waiting, n_waiting;
    uint32_t *finished, fin_head, fin_tail;
    uint32_t *capped, n_capped; /* the moving flows with an own cap, by (cap, seq): water-filling
                                   order, kept sorted so no event sorts */
    link_key *keys;             /* sorting room for completion batches */
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

static void link_update_flow_cap(ref_link *l)
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

static link_flow *link_flow_get(const ref_link *l, model_flow_id id)
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

static void link_flow_release(ref_link *l, uint32_t idx)
{
    link_flow *f = &l->flows[idx];
    f->state = FLOW_FREE;
    f->tag = NULL;
    f->gen = f->gen == UINT32_MAX ? 1 : f->gen + 1;
    f->pos = l->free_head;
    l->free_head = idx;
}

/* Removal from an unordered index set: the last element takes the hole. */
static void link_set_remove(ref_link *l, uint32_t *set, uint32_t *n, uint32_t pos)
{
    assert(pos < *n);
    uint32_t last = set[--*n];
    set[pos] = last;
    l->flows[last].pos = pos;
}

static void link_set_add(ref_link *l, uint32_t *set, uint32_t *n, uint32_t idx)
{
    set[*n] = idx;
    l->flows[idx].pos = *n;
    ++*n;
}

/* Position of (cap, seq) in the sorted capped set: the first element not before it. */
static uint32_t link_capped_find(const ref_link *l, double cap, uint64_t seq)
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

/* A flow starts competing: into moving[], and into capped[] when it has its own cap. */
static void link_moving_add(ref_link *l, uint32_t idx)
{
    link_set_add(l, l->moving, &l->n_moving, idx);
    const link_flow *f = &l->flows[idx];
    if (isinf(f->cap))
        return;
    uint32_t at = link_capped_find(l, f->cap, f->seq);
    memmove(l->capped + at + 1, l->capped + at, sizeof *l->capped * (l->n_capped - at));
    l->capped[at] = idx;
    l->n_capped++;
}

static void link_moving_remove(ref_link *l, uint32_t idx)
{
    const link_flow *f = &l->flows[idx];
    link_set_remove(l, l->moving, &l->n_moving, f->pos);
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
 * late. */
static void link_recompute(ref_link *l, double credit_s)
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

    int64_t next = INT64_MAX;
    double total = 0.0;
    for (uint32_t i = 0; i < l->n_moving; i++) {
        link_flow *f = &l->flows[l->moving[i]];
        double r = level;
        if (f->cap < r)
            r = f->cap;
        if (c < r)
            r = c;
        if (r != f->rate || f->done_ns == INT64_MAX) {
            if (credit_s > 0.0 && f->rate > 0.0 && r > f->rate)
                f->remaining -= (r - f->rate) * credit_s;
            f->rate = r;
            f->done_ns = r > 0.0 ? link_finish_ns(l->now_ns, f->remaining, f->noise, r) : INT64_MAX;
        }
        total += r;
        if (f->done_ns < next)
            next = f->done_ns;
    }
    for (uint32_t i = 0; i < l->n_waiting; i++) {
        int64_t w = l->flows[l->waiting[i]].wait_until;
        if (w < next)
            next = w;
    }
    l->next_ns = next;
    l->rate_total_Bps = total;
}

/* Moves bytes from the link's current time to t at the current rates (no event in between). A flow
 * finishing at t may go a crumb below zero: that is how far past its exact end t is (see credit_s).
 */
static void link_move_bytes(ref_link *l, int64_t t)
{
    assert(t >= l->now_ns);
    int64_t dt = t - l->now_ns;
    if (dt == 0)
        return;
    assert(t <= l->next_ns);
    double secs = (double)dt;
    for (uint32_t i = 0; i < l->n_moving; i++) {
        link_flow *f = &l->flows[l->moving[i]];
        if (f->rate > 0.0)
            f->remaining -= f->rate * secs / 1e9;
    }
    l->now_ns = t;
}

static void link_finished_push(ref_link *l, uint32_t idx)
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

/* Processes the events at t = l->next_ns: latency expiries, then completions (in start order), then
 * new rates. Flows whose latency ends at t start competing before completions are looked at, so
 * that a zero-byte flow finishes at the end of its latency. */
static void link_step(ref_link *l, int64_t t)
{
    link_move_bytes(l, t);

    for (uint32_t i = 0; i < l->n_waiting;) {
        uint32_t idx = l->waiting[i];
        link_flow *f = &l->flows[idx];
        if (f->wait_until <= t) {
            link_set_remove(l, l->waiting, &l->n_waiting, i);
            f->state = FLOW_MOVING;
            f->rate = 0.0;
            f->done_ns = INT64_MAX;
            link_moving_add(l, idx);
        } else {
            i++;
        }
    }

    uint32_t k = 0;
    double over_bytes = 0.0, freed_Bps = 0.0;
    for (uint32_t i = 0; i < l->n_moving;) {
        uint32_t idx = l->moving[i];
        link_flow *f = &l->flows[idx];
        if (f->done_ns <= t || f->remaining <= 0.0) {
            if (f->remaining < 0.0 && f->rate > 0.0) {
                over_bytes -= f->remaining;
                freed_Bps += f->rate;
            }
            link_moving_remove(l, idx);
            l->keys[k++] = (link_key){f->seq, idx};
        } else {
            i++;
        }
    }
    /* Ties between completions at one instant go in start order. */
    if (k > 1)
        qsort(l->keys, k, sizeof *l->keys, link_key_seq_cmp);
    for (uint32_t i = 0; i < k; i++) {
        link_flow *f = &l->flows[l->keys[i].idx];
        f->state = FLOW_FINISHED;
        f->remaining = 0.0;
        f->rate = 0.0;
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

void ref_link_advance(ref_link *l, int64_t now_ns)
{
    assert(now_ns >= l->now_ns);
    while (l->next_ns <= now_ns)
        link_step(l, l->next_ns);
    link_move_bytes(l, now_ns);
}

/* After a change at the current time: new rates, then any event the change made due right now (a
 * zero latency after an outage). */
static void link_refresh(ref_link *l)
{
    link_recompute(l, 0.0);
    ref_link_advance(l, l->now_ns);
}

/* ---- lifetime ---- */

ref_link *ref_link_new(double bandwidth_Bps, int64_t latency_ns, double loss,
                           double replication_cap_Bps)
{
    assert(bandwidth_Bps >= 0.0 && isfinite(bandwidth_Bps));
    assert(latency_ns >= 0);
    assert(loss >= 0.0 && loss <= 1.0);
    assert(replication_cap_Bps >= 0.0 && isfinite(replication_cap_Bps));
    ref_link *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->bandwidth_Bps = bandwidth_Bps;
    l->latency_ns = latency_ns;
    l->loss = loss;
    l->rep_cap_Bps = replication_cap_Bps;
    l->up = true;
    l->next_ns = INT64_MAX;
    l->free_head = NO_INDEX;
    link_update_flow_cap(l);
    return l;
}

void ref_link_free(ref_link *l)
{
    if (!l)
        return;
    free(l->flows);
    free(l->moving);
    free(l->waiting);
    free(l->finished);
    free(l->keys);
    free(l->capped);
    free(l);
}

/* Doubles the pool and every index set with it (each set can hold every flow). */
static bool link_grow(ref_link *l)
{
    if (l->pool_n >= UINT32_MAX / 4)
        return false;
    uint32_t n = l->pool_n ? l->pool_n * 2 : 16;
    link_flow *flows = realloc(l->flows, sizeof *flows * n);
    if (!flows)
        return false;
    l->flows = flows;
    link_key *keys = realloc(l->keys, sizeof *keys * n);
    if (!keys)
        return false;
    l->keys = keys;
    uint32_t **sets[] = {&l->moving, &l->waiting, &l->finished, &l->capped};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        uint32_t *p = realloc(*sets[i], sizeof *p * n);
        if (!p)
            return false; /* the grown ones stay grown; pool_n still tells the usable size */
        *sets[i] = p;
    }
    l->pool_n = n;
    return true;
}

/* ---- flows ---- */

model_flow_id ref_link_flow_start(ref_link *l, int64_t now_ns, uint64_t bytes, double cap_Bps,
                                    void *tag)
{
    assert(cap_Bps >= 0.0);
    ref_link_advance(l, now_ns);
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
    f->rate = 0.0;
    f->cap = cap_Bps > 0.0 ? cap_Bps : INFINITY;
    f->done_ns = INT64_MAX;
    f->wait_until = l->up ? now_ns + l->latency_ns : INT64_MAX;
    f->seq = l->next_seq++;
    f->tag = tag;
    f->state = FLOW_WAITING;
    link_set_add(l, l->waiting, &l->n_waiting, idx);
    if (f->wait_until < l->next_ns)
        l->next_ns = f->wait_until;
    ref_link_advance(l, now_ns); /* zero latency: competes (or finishes) right away */
    return ((uint64_t)f->gen << 32) | idx;
}

bool ref_link_flow_cancel(ref_link *l, int64_t now_ns, model_flow_id id)
{
    ref_link_advance(l, now_ns);
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

bool ref_link_pop_finished(ref_link *l, int64_t now_ns, void **tag, int64_t *finished_at_ns)
{
    ref_link_advance(l, now_ns);
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

int64_t ref_link_next_event(const ref_link *l)
{
    if (l->fin_head != l->fin_tail)
        return l->now_ns;
    return l->next_ns;
}

/* ---- changes ---- */

void ref_link_set_bandwidth(ref_link *l, int64_t now_ns, double bandwidth_Bps)
{
    assert(bandwidth_Bps >= 0.0 && isfinite(bandwidth_Bps));
    ref_link_advance(l, now_ns);
    l->bandwidth_Bps = bandwidth_Bps;
    link_refresh(l);
}

void ref_link_set_latency(ref_link *l, int64_t now_ns, int64_t latency_ns)
{
    assert(latency_ns >= 0);
    ref_link_advance(l, now_ns);
    l->latency_ns = latency_ns;
    link_update_flow_cap(l);
    link_refresh(l);
}

void ref_link_set_loss(ref_link *l, int64_t now_ns, double loss)
{
    assert(loss >= 0.0 && loss <= 1.0);
    ref_link_advance(l, now_ns);
    l->loss = loss;
    link_update_flow_cap(l);
    link_refresh(l);
}

void ref_link_set_replication_cap(ref_link *l, int64_t now_ns, double replication_cap_Bps)
{
    assert(replication_cap_Bps >= 0.0 && isfinite(replication_cap_Bps));
    ref_link_advance(l, now_ns);
    l->rep_cap_Bps = replication_cap_Bps;
    link_update_flow_cap(l);
    link_refresh(l);
}

void ref_link_set_up(ref_link *l, int64_t now_ns, bool up)
{
    ref_link_advance(l, now_ns);
    if (up == l->up)
        return;
    l->up = up;
    if (!up) {
        /* Everything stalls where it is, progress kept. */
        while (l->n_moving > 0) {
            uint32_t idx = l->moving[l->n_moving - 1];
            link_flow *f = &l->flows[idx];
            l->n_moving--;
            f->state = FLOW_WAITING;
            f->rate = 0.0;
            f->done_ns = INT64_MAX;
            link_set_add(l, l->waiting, &l->n_waiting, idx);
        }
        l->n_capped = 0;
        for (uint32_t i = 0; i < l->n_waiting; i++)
            l->flows[l->waiting[i]].wait_until = INT64_MAX;
    } else {
        /* Every unfinished flow reconnects and pays the latency again. */
        for (uint32_t i = 0; i < l->n_waiting; i++)
            l->flows[l->waiting[i]].wait_until = now_ns + l->latency_ns;
    }
    link_refresh(l);
}

double ref_link_bandwidth_Bps(const ref_link *l)
{
    return l->bandwidth_Bps;
}
int64_t ref_link_latency_ns(const ref_link *l)
{
    return l->latency_ns;
}
double ref_link_loss(const ref_link *l)
{
    return l->loss;
}
double ref_link_replication_cap_Bps(const ref_link *l)
{
    return l->rep_cap_Bps;
}
bool ref_link_is_up(const ref_link *l)
{
    return l->up;
}
double ref_link_flow_cap_Bps(const ref_link *l)
{
    return l->flow_cap_Bps;
}

/* ---- accounting ---- */

void ref_link_stats_get(ref_link *l, int64_t now_ns, model_link_stats *out)
{
    ref_link_advance(l, now_ns);
    double inflight = 0.0;
    for (uint32_t i = 0; i < l->n_moving; i++) {
        const link_flow *f = &l->flows[l->moving[i]];
        inflight += link_flow_moved(f);
    }
    for (uint32_t i = 0; i < l->n_waiting; i++) {
        const link_flow *f = &l->flows[l->waiting[i]];
        inflight += link_flow_moved(f);
    }
    out->at_ns = l->now_ns;
    out->bytes_completed = l->bytes_completed;
    out->bytes_carried = (double)l->bytes_completed + l->bytes_cancelled + inflight;
    out->rate_Bps = l->rate_total_Bps;
    out->flows_moving = l->n_moving;
    out->flows_waiting = l->n_waiting;
    out->flows_finished = l->fin_tail - l->fin_head;
}

bool ref_link_flow_remaining(ref_link *l, int64_t now_ns, model_flow_id id,
                               double *remaining_bytes)
{
    ref_link_advance(l, now_ns);
    const link_flow *f = link_flow_get(l, id);
    if (!f)
        return false;
    *remaining_bytes = f->remaining > 0.0 ? f->remaining : 0.0;
    return true;
}

double ref_link_flow_rate_Bps(const ref_link *l, model_flow_id id)
{
    const link_flow *f = link_flow_get(l, id);
    return f ? f->rate : 0.0;
}
