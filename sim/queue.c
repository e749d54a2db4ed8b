/* sim/queue.c — the kernel's clock and event queue.
 *
 * STRUCTURE: a calendar queue (R. Brown, CACM 31(10), 1988). Time is cut into windows of 2^wshift ns;
 * window w maps to bucket w mod nbuckets, so one "year" of nbuckets windows wraps around the bucket
 * array. Each bucket is a doubly linked list of event slots sorted by (time, sequence), so ties fire
 * in scheduling order. The next event is the head of the bucket of the current window if that head
 * lies in the window; otherwise the current window advances. With the window sized to the density
 * of the near future and about one bucket per pending event, schedule, pop, cancel and reschedule
 * are O(1) on average. The bucket count follows the number of pending events (doubling or halving,
 * amortised O(1)), and the width is re-estimated whenever the queue rebuilds: on a resize, and when
 * the measured work per operation (empty windows skipped, list nodes walked) says the width went
 * stale. Cancel unlinks in O(1) through the links stored in the slot; reschedule is unlink + insert.
 *
 * WHY — measured on this 2-core AMD EPYC VM (no hardware counters; timings swing by 2x with the
 * neighbours' load, so structures were compared interleaved, best of 5, hold model with uniform
 * increments, one core, tests/bench/bench_queue.c):
 *   - binary heap of pointers: about 9 M events/s at 100 k pending (the starting point).
 *   - 4-ary heap, times inline in a 64-byte-aligned key array with the slot index beside it,
 *     branch-free min-of-4 tournament, Floyd's bottom-up sift, grandchild prefetch, and the firing
 *     event's root hole filled directly by the handler's own schedule: 23.5 M/s at 1 k, 9.8 M/s at
 *     100 k, 2.0 M/s at 1 M on a quiet machine. At 100 k it still walks ~8 dependent levels per event;
 *     cachegrind counted ~790 instructions, 12 L1 and 4.3 L2-sized misses per event.
 *   - this calendar queue: 30 M/s at 1 k and 17 M/s at 100 k on a quiet machine (first version,
 *     before the bucket kept its end times); interleaved with the heap under load, 9.8 vs 4.2 M/s at
 *     100 k and 12.6 vs 10.6 M/s at 1 k. cachegrind: ~270 instructions, 4.6 L1 and 3.8 L2-sized
 *     misses per event, most of them the random read of the firing event's slot.
 *   - window factor (SIM_WIDTH_FACTOR) 1, 2, 4 x mean separation: 6.2, 9.2, 6.0 M/s under load.
 * The heap would be the safer choice for adversarial time distributions (the calendar degrades
 * towards a list scan if most events crowd into one window yet differ in time); the self-tuning
 * rebuild bounds the damage for distributions that drift.
 *
 * Memory: slots live in one array grown geometrically and reused through a free list; the bucket
 * array is reallocated only on a rebuild, at most once per n operations. No allocation per event.
 */
#include <assert.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define SIM_MIN_BUCKETS 16u
#ifndef SIM_WIDTH_FACTOR
#define SIM_WIDTH_FACTOR 2 /* window = factor x mean separation of the near-future events */
#endif
#define SIM_TUNE_OPS 4096u /* operations between checks of the work per operation */
#define SIM_TUNE_COST 6u   /* average work per operation above which the width is re-estimated */
#define SIM_BLOCK 3u       /* entries in one 64-byte bucket block */
#ifndef SIM_PREFETCH_AHEAD
#define SIM_PREFETCH_AHEAD 4 /* windows ahead whose events' slots are fetched while this one fires */
#endif

/* One event's storage, 32 bytes so that a slot never straddles two cache lines. Slot 0 means "none". */
typedef struct sim_slot {
    sim_handler fn;
    void *arg;
    int64_t at;    /* time; next free slot while free */
    uint32_t gen;  /* odd while pending; bumped when the event schedules and when it goes (ids carry it) */
    uint32_t tag;  /* bumped on every schedule and reschedule: only the entry carrying it is current */
} sim_slot;

/* What a bucket holds per event: its time, its slot, and the slot's tag when it was queued. An entry
 * whose tag no longer matches (the event was rescheduled or cancelled since) is stale and skipped. */
typedef struct sim_entry {
    int64_t at;
    uint32_t slot;
    uint32_t tag;
} sim_entry;

/* A bucket is a chain of 64-byte blocks, the first one inline in the bucket array, so that queueing
 * into a short bucket touches one cache line. The chain's entries are sorted by time, ties in
 * queueing order; any block may be part full, and the first is empty only when the bucket is. */
typedef struct sim_block {
    sim_entry e[SIM_BLOCK];
    uint32_t n;    /* entries used in this block */
    uint32_t next; /* next block in the overflow pool, 0 none */
    uint32_t tail; /* first block only: the chain's last block in the pool, 0 when it is this one */
    uint32_t pad;
} sim_block;

_Static_assert(sizeof(sim_block) == 64, "a bucket block is one cache line");
_Static_assert(sizeof(sim_slot) == 32, "a slot is half a cache line");

struct sim {
    sim_block *bk;      /* nb buckets, 64-byte aligned */
    uint32_t nb;        /* buckets, a power of two */
    uint32_t wshift;    /* window = 2^wshift ns */
    int64_t cur;        /* current window (at >> wshift); no queued entry lies before it */
    size_t n;           /* pending events */
    size_t ne;          /* queued entries, stale ones included */
    sim_block *pool;    /* overflow blocks; index 0 unused */
    uint32_t npool, poolcap, pool_free;
    sim_slot *slots;
    uint32_t nslots;    /* slots handed out at least once, slot 0 included */
    uint32_t slotcap;
    uint32_t free_head;
    bool stop;
    int64_t now;
    uint64_t fired;
    sim_handler after;  /* sim_set_after_event */
    void *after_arg;
    /* Self-tuning: work done since the last check, and operations counted. */
    uint64_t work;
    uint32_t ops;
    int64_t *scratch;   /* times gathered while estimating the width */
    size_t scratchcap;
};

static void sim_oom(void)
{
    fprintf(stderr, "drsim: out of memory in the event queue\n");
    abort();
}

static sim_block *sim_buckets_new(uint32_t nb)
{
    sim_block *b = aligned_alloc(64, (size_t)nb * sizeof *b);
    if (b)
        memset(b, 0, (size_t)nb * sizeof *b);
    return b;
}

/* --- slots --- */

static inline bool sim_entry_current(const sim *s, const sim_entry *e)
{
    const sim_slot *sl = &s->slots[e->slot];
    return sl->tag == e->tag && (sl->gen & 1);
}

static inline void sim_slot_release(sim *s, uint32_t sl)
{
    sim_slot *e = &s->slots[sl];
    e->gen++; /* even: not pending; ids issued so far stop matching */
    e->at = s->free_head;
    s->free_head = sl;
}

/* A queued entry is dropped: if it was the current entry of a cancelled event, the slot was kept
 * out of the free list until now (so that its tag cannot come round while the entry lies queued). */
static inline void sim_entry_dropped(sim *s, const sim_entry *e)
{
    sim_slot *sl = &s->slots[e->slot];
    if (sl->tag == e->tag && !(sl->gen & 1)) {
        sl->at = s->free_head;
        s->free_head = e->slot;
    }
}

/* --- overflow blocks --- */

static uint32_t sim_block_take(sim *s)
{
    uint32_t b = s->pool_free;
    if (b) {
        s->pool_free = s->pool[b].next;
        return b;
    }
    if (s->npool >= s->poolcap) {
        uint32_t cap = s->poolcap ? s->poolcap * 2 : 64;
        sim_block *p = realloc(s->pool, (size_t)cap * sizeof *p);
        if (!p)
            sim_oom();
        s->pool = p;
        s->poolcap = cap;
        if (s->npool == 0)
            s->npool = 1;
    }
    return s->npool++;
}

static inline void sim_block_give(sim *s, uint32_t b)
{
    s->pool[b].next = s->pool_free;
    s->pool_free = b;
}

/* --- bucket chains --- */

/* Queues e in its window's bucket, after every entry of the bucket with time <= e.at: since each entry
 * queued is the newest, that keeps ties in scheduling order. */
static inline void sim_link(sim *s, sim_entry e)
{
    int64_t w = e.at >> s->wshift;
    if (w < s->cur)
        s->cur = w; /* a peek moved the window past now; an event at now moves it back */
    sim_block *head = &s->bk[(uint64_t)w & (s->nb - 1)];
    s->ne++;
    /* The usual case: later than everything in the bucket (often a short one, all inline). */
    sim_block *b = head->tail ? &s->pool[head->tail] : head;
    uint32_t n = b->n;
    if (n == 0 || b->e[n - 1].at <= e.at) {
        if (n < SIM_BLOCK) {
            b->e[n] = e;
            b->n = n + 1;
            return;
        }
        uint32_t nbk = sim_block_take(s);
        b = head->tail ? &s->pool[head->tail] : head; /* the pool may have moved */
        s->pool[nbk].e[0] = e;
        s->pool[nbk].n = 1;
        s->pool[nbk].next = 0;
        b->next = nbk;
        head->tail = nbk;
        return;
    }
    b = head;
    /* Find the block the entry goes into: the last whose first entry is <= e.at (or the first). */
    uint32_t walked = 1, bi = 0; /* bi: b's index in the pool, 0 for the inline block */
    while (b->next && s->pool[b->next].e[0].at <= e.at) {
        bi = b->next;
        b = &s->pool[bi];
        walked++;
    }
    s->work += walked;
    uint32_t i = b->n;
    while (i > 0 && b->e[i - 1].at > e.at)
        i--;
    if (b->n < SIM_BLOCK) {
        memmove(&b->e[i + 1], &b->e[i], (b->n - i) * sizeof e);
        b->e[i] = e;
        b->n++;
        return;
    }
    /* Full: the block's last entry (or e itself) moves on to the front of the next block, or to a
     * new block after this one. */
    sim_entry out = e;
    if (i < SIM_BLOCK) {
        out = b->e[SIM_BLOCK - 1];
        memmove(&b->e[i + 1], &b->e[i], (SIM_BLOCK - 1 - i) * sizeof e);
        b->e[i] = e;
    }
    if (b->next && s->pool[b->next].n < SIM_BLOCK) {
        sim_block *nx = &s->pool[b->next];
        memmove(&nx->e[1], &nx->e[0], nx->n * sizeof e);
        nx->e[0] = out;
        nx->n++;
        return;
    }
    uint32_t nbk = sim_block_take(s);
    if (bi)
        b = &s->pool[bi]; /* the pool may have moved */
    sim_block *nx = &s->pool[nbk];
    nx->e[0] = out;
    nx->n = 1;
    nx->next = b->next;
    b->next = nbk;
    if (!nx->next)
        head->tail = nbk;
}

/* Removes the first entry of bucket b (which holds one). */
static inline void sim_pop_front(sim *s, sim_block *b)
{
    s->ne--;
    uint32_t n = --b->n;
    if (n) {
        b->e[0] = b->e[1];
        if (n > 1)
            b->e[1] = b->e[2];
        return;
    }
    if (b->next) {
        uint32_t nx = b->next, tail = b->tail;
        *b = s->pool[nx];
        b->tail = tail == nx ? 0 : tail;
        sim_block_give(s, nx);
    }
}

/* The bucket whose first entry is the earliest current event (NULL if none), advancing the current
 * window to it and dropping stale entries met on the way. */
static sim_block *sim_find_min(sim *s)
{
    uint32_t mask = s->nb - 1;
    for (;;) {
        if (s->n == 0)
            return NULL;
        uint32_t i;
        for (i = 0; i < s->nb; i++) {
            sim_block *b = &s->bk[(uint64_t)s->cur & mask];
            if (b->n && (b->e[0].at >> s->wshift) == s->cur) {
                s->work += i;
                if (sim_entry_current(s, &b->e[0]))
                    return b;
                sim_entry_dropped(s, &b->e[0]);
                sim_pop_front(s, b);
                break; /* look at the same window again */
            }
            s->cur++;
        }
        if (i < s->nb)
            continue;
        /* A whole year without an entry: find the earliest bucket head directly and jump there. */
        s->work += 2 * (uint64_t)s->nb;
        int64_t best = INT64_MAX;
        for (uint32_t k = 0; k < s->nb; k++)
            if (s->bk[k].n && s->bk[k].e[0].at < best)
                best = s->bk[k].e[0].at;
        s->cur = best >> s->wshift;
    }
}

/* --- width estimation and rebuilding --- */

/* The k-th smallest (0-based) of a[0..n) (Wirth's selection; reorders a). */
static int64_t sim_select(int64_t *a, size_t n, size_t k)
{
    ptrdiff_t l = 0, m = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
    while (l < m) {
        int64_t x = a[kk];
        ptrdiff_t i = l, j = m;
        do {
            while (a[i] < x)
                i++;
            while (x < a[j])
                j--;
            if (i <= j) {
                int64_t t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        } while (i <= j);
        if (j < kk)
            l = i;
        if (kk < i)
            m = j;
    }
    return a[kk];
}

/* Log2 of the window: SIM_WIDTH_FACTOR times the mean separation of the earlier half of the pending
 * events (the near future is what pops and most inserts touch; far outliers do not count). Stale
 * entries are left out. */
static uint32_t sim_estimate_wshift(sim *s)
{
    if (s->n < 2)
        return s->wshift;
    if (s->scratchcap < s->n) {
        size_t cap = s->n * 2;
        int64_t *a = realloc(s->scratch, cap * sizeof *a);
        if (!a)
            return s->wshift; /* keep the old width: slower, still correct */
        s->scratch = a;
        s->scratchcap = cap;
    }
    size_t m = 0;
    for (uint32_t k = 0; k < s->nb; k++) {
        const sim_block *b = &s->bk[k];
        for (;;) {
            for (uint32_t i = 0; i < b->n; i++)
                if (sim_entry_current(s, &b->e[i]))
                    s->scratch[m++] = b->e[i].at;
            if (!b->next)
                break;
            b = &s->pool[b->next];
        }
    }
    assert(m == s->n);
    int64_t lo = s->scratch[0];
    for (size_t i = 1; i < m; i++)
        lo = s->scratch[i] < lo ? s->scratch[i] : lo;
    size_t k = m / 2;
    int64_t mid = sim_select(s->scratch, m, k);
    double sep = (double)((uint64_t)mid - (uint64_t)lo) / (double)(k ? k : 1);
    double width = SIM_WIDTH_FACTOR * sep;
    uint32_t shift = 0;
    while (shift < 62 && (double)((uint64_t)1 << (shift + 1)) <= width)
        shift++;
    return shift;
}

/* Rebuilds the calendar with nb buckets and a freshly estimated window, dropping stale entries.
 * Entries of equal time lie in one old bucket in queueing order and are requeued in that order. */
static void sim_rebuild(sim *s, uint32_t nb)
{
    uint32_t wshift = sim_estimate_wshift(s);
    sim_block *nbk = sim_buckets_new(nb);
    if (!nbk) {
        if (nb > s->nb)
            return; /* stay at the old size: slower, still correct */
        sim_oom();
    }
    sim_block *old = s->bk;
    uint32_t oldnb = s->nb;
    s->bk = nbk;
    s->nb = nb;
    s->wshift = wshift;
    s->cur = INT64_MAX;
    s->ne = 0;
    for (uint32_t k = 0; k < oldnb; k++) {
        sim_block b = old[k];
        for (;;) {
            for (uint32_t i = 0; i < b.n; i++) {
                if (sim_entry_current(s, &b.e[i]))
                    sim_link(s, b.e[i]);
                else
                    sim_entry_dropped(s, &b.e[i]);
            }
            if (!b.next)
                break;
            uint32_t nx = b.next;
            b = s->pool[nx];
            sim_block_give(s, nx);
        }
    }
    free(old);
    if (s->ne == 0)
        s->cur = s->now >> wshift;
    s->work = 0;
    s->ops = 0;
}

/* Called once per operation: resizes with the number of queued entries, and re-estimates the
 * width when the work per operation says it no longer fits. */
static inline void sim_tune(sim *s)
{
    if (s->ne > 2 * (size_t)s->nb && s->nb < (UINT32_C(1) << 30)) {
        /* Stale entries may make up the excess: dropped by the rebuild, they need no more buckets. */
        sim_rebuild(s, s->n > (size_t)s->nb ? s->nb * 2 : s->nb);
    } else if (s->ne < s->nb / 4 && s->nb > SIM_MIN_BUCKETS) {
        sim_rebuild(s, s->nb / 2);
    } else if (++s->ops >= SIM_TUNE_OPS && s->ops >= s->ne) {
        /* At least n operations between checks keep the O(n) rebuild amortised O(1). */
        if (s->work > (uint64_t)SIM_TUNE_COST * s->ops && s->n >= 2)
            sim_rebuild(s, s->nb);
        s->work = 0;
        s->ops = 0;
    }
}

/* --- slots and ids --- */

static inline sim_event_id sim_id(const sim *s, uint32_t sl)
{
    return ((uint64_t)s->slots[sl].gen << 32) | sl;
}

/* The slot of a pending event, or 0 when id is not pending. */
static inline uint32_t sim_lookup(const sim *s, sim_event_id id)
{
    uint32_t sl = (uint32_t)id;
    if (sl == 0 || sl >= s->nslots)
        return 0;
    const sim_slot *e = &s->slots[sl];
    if (e->gen != (uint32_t)(id >> 32) || !(e->gen & 1))
        return 0;
    return sl;
}

static bool sim_grow_slots(sim *s, size_t cap)
{
    if (cap > UINT32_MAX - 1)
        cap = UINT32_MAX - 1;
    if (cap <= s->slotcap)
        return false;
    sim_slot *sl = realloc(s->slots, (cap + 1) * sizeof *sl);
    if (!sl)
        return false;
    s->slots = sl;
    s->slotcap = (uint32_t)cap;
    return true;
}

static inline uint32_t sim_slot_take(sim *s)
{
    uint32_t sl = s->free_head;
    if (sl) {
        s->free_head = (uint32_t)s->slots[sl].at;
        return sl;
    }
    if (s->nslots > s->slotcap && !sim_grow_slots(s, (size_t)s->slotcap * 2))
        sim_oom();
    sl = s->nslots++;
    s->slots[sl].gen = 0;
    s->slots[sl].tag = 0;
    return sl;
}

/* --- lifetime --- */

sim *sim_new(void)
{
    sim *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->nb = SIM_MIN_BUCKETS;
    s->bk = sim_buckets_new(s->nb);
    if (!s->bk || !sim_grow_slots(s, 64)) {
        sim_free(s);
        return NULL;
    }
    s->slots[0] = (sim_slot){0};
    s->nslots = 1;
    s->wshift = 20; /* ~1 ms until the first estimate */
    return s;
}

void sim_free(sim *s)
{
    if (!s)
        return;
    free(s->bk);
    free(s->pool);
    free(s->slots);
    free(s->scratch);
    free(s);
}

bool sim_reserve(sim *s, size_t n)
{
    if (n <= s->slotcap)
        return true;
    return n <= UINT32_MAX - 1 && sim_grow_slots(s, n);
}

int64_t sim_now(const sim *s)
{
    return s->now;
}

uint64_t sim_fired(const sim *s)
{
    return s->fired;
}

size_t sim_pending(const sim *s)
{
    return s->n;
}

void sim_stop(sim *s)
{
    s->stop = true;
}

/* --- the public queue operations --- */

sim_event_id sim_schedule(sim *s, int64_t at_ns, sim_handler fn, void *arg)
{
    assert(at_ns >= s->now);
    assert(fn != NULL);
    uint32_t sl = sim_slot_take(s);
    sim_slot *e = &s->slots[sl];
    e->fn = fn;
    e->arg = arg;
    e->at = at_ns;
    e->gen++; /* odd: pending */
    e->tag++;
    sim_event_id id = ((uint64_t)e->gen << 32) | sl;
    sim_link(s, (sim_entry){at_ns, sl, e->tag});
    s->n++;
    sim_tune(s);
    return id;
}

bool sim_cancel(sim *s, sim_event_id id)
{
    uint32_t sl = sim_lookup(s, id);
    if (!sl)
        return false;
    /* The entry stays queued, now stale; the slot returns to the free list when it is dropped. */
    s->slots[sl].gen++;
    s->n--;
    sim_tune(s);
    return true;
}

bool sim_reschedule(sim *s, sim_event_id id, int64_t at_ns)
{
    assert(at_ns >= s->now);
    uint32_t sl = sim_lookup(s, id);
    if (!sl)
        return false;
    sim_slot *e = &s->slots[sl];
    e->at = at_ns;
    e->tag++; /* the old entry goes stale */
    sim_link(s, (sim_entry){at_ns, sl, e->tag});
    sim_tune(s);
    return true;
}

bool sim_event_time(const sim *s, sim_event_id id, int64_t *at_ns)
{
    uint32_t sl = sim_lookup(s, id);
    if (!sl)
        return false;
    if (at_ns)
        *at_ns = s->slots[sl].at;
    return true;
}

bool sim_next_time(sim *s, int64_t *at_ns)
{
    sim_block *b = sim_find_min(s);
    if (!b)
        return false;
    *at_ns = b->e[0].at;
    return true;
}

bool sim_step(sim *s)
{
    sim_block *b = sim_find_min(s);
    if (!b)
        return false;
    uint32_t sl = b->e[0].slot;
    /* The slots of the events a few windows ahead are likely to fire soon: start fetching them. */
    uint32_t mask = s->nb - 1;
    const sim_block *ahead = &s->bk[(uint64_t)(s->cur + SIM_PREFETCH_AHEAD) & mask];
    __builtin_prefetch(&s->slots[ahead->e[0].slot]);
    __builtin_prefetch(&s->slots[ahead->e[1].slot]);
    __builtin_prefetch(&s->bk[(uint64_t)(s->cur + 4 * SIM_PREFETCH_AHEAD) & mask]);
    sim_slot *e = &s->slots[sl];
    sim_handler fn = e->fn;
    void *arg = e->arg;
    assert(e->at >= s->now);
    s->now = e->at;
    sim_pop_front(s, b);
    /* Released before the handler runs, so that the handler sees its own id as fired. */
    sim_slot_release(s, sl);
    s->n--;
    s->fired++;
    fn(s, arg);
    if (s->after)
        s->after(s, s->after_arg);
    sim_tune(s);
    return true;
}

void sim_set_after_event(sim *s, sim_handler fn, void *arg)
{
    s->after = fn;
    s->after_arg = arg;
}

uint64_t sim_run_until(sim *s, int64_t end_ns)
{
    assert(end_ns >= s->now);
    uint64_t start = s->fired;
    s->stop = false;
    for (;;) {
        sim_block *b = sim_find_min(s);
        if (!b || b->e[0].at > end_ns)
            break;
        sim_step(s);
        if (s->stop) {
            s->stop = false;
            return s->fired - start;
        }
    }
    s->now = end_ns;
    return s->fired - start;
}
