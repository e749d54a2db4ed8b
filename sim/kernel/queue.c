/* sim/kernel/queue.c — the kernel's clock and event queue.
 *
 * STRUCTURE: below SIM_TWO_TIER_MIN pending events, a calendar queue (R. Brown, CACM 31(10),
 * 1988) of small entries (time, slot, tag); from there on, two tiers that sort each stretch of time
 * once, as it comes due.
 *
 * Calendar (one tier). Time is cut into windows of 2^wshift ns; window w maps to bucket w mod nb,
 * so one "year" of nb windows wraps around the bucket array. A bucket is a chain of 64-byte blocks
 * of three entries, the first block inline in the bucket array, sorted by time with ties in
 * queueing order: an entry goes after every entry of its time already there, and since each entry
 * queued is the newest, that is scheduling order. The next event is the first entry of the current
 * window's bucket if it lies in the window; otherwise the window advances.
 *
 * Two tiers. Time is also cut into epochs of 2^eshift ns, each meant to hold about
 * SIM_EPOCH_EVENTS events, in a ring covering about twice the pending span. An event of a later
 * epoch than the current one is appended, unsorted, to its epoch's array (a sequential write). When
 * an epoch comes due its entries are sorted into one array, the run, which is then popped front to
 * back (a sequential read, the slots of the entries a few places ahead fetched early): a counting
 * sort by time into about as many ranges as entries (at most 2^SIM_SORT_MAX_LOG), then each range
 * by insertion (short) or merging (long, when not already in order); both are stable, so ties stay
 * in queueing order. An event queued into the current epoch after it arrived (a handler's short
 * delay) goes to the near heap, a binary heap on (time, queueing order); the next event is the
 * earlier of the run's front and the heap's top, the run's on a tie (it was queued first).
 *
 * Slots and ids. An event's handler, argument and time live in a 32-byte slot (never two cache
 * lines), reused through a free list. An id is the slot and its generation (odd while pending).
 * Each entry carries the slot's tag as it was when queued; a reschedule bumps the tag and queues a
 * new entry, a cancel only ends the generation, so both are O(1) and leave a stale entry behind,
 * dropped when it comes first, when the calendar is rebuilt, or when stale entries pile up (the
 * slot of a cancelled event returns to the free list only when its last entry is dropped, so tags
 * cannot come round while an entry still carries an old one).
 *
 * Tuning, every SIM_TUNE_EVERY operations: the tiers are planned again (O(n)) when the pending
 * count has grown or shrunk fourfold; the calendar doubles or halves with its entries (with one
 * tier) and re-estimates its width when the measured work per operation (empty windows skipped,
 * blocks walked) says the width went stale. All amortised O(1).
 *
 * WHY — measured on this 2-core AMD EPYC VM (no hardware counters; shared and loaded, so wall-clock
 * rates swing by 2-10x; structures compared in one process, alternating rounds; instruction and
 * miss counts from cachegrind with a 32 KiB L1, and the last level simulated at 2 MiB (L2-sized) or
 * 32 MiB (L3-sized); hold model, uniform increments, tests/bench/bench_queue.c):
 * Per event at 1 k / 100 k / 1 M pending: instructions; L1 misses; 2 MiB and 32 MiB misses.
 *   - 4-ary heap, keys inline and aligned by cache line, Floyd's sift, the firing event's root hole
 *     filled by the handler's own schedule: 364 / 513 / 591; 0.02 / 4.9 / 6.8; 0 / 0.86 / 3.3 and
 *     none.
 *   - the previous calendar (doubly linked 48-byte slots, one tier): 277 / 274 / 277; 2.1 / 4.2 /
 *     4.5; 0 / 2.9 / 4.4 and 0 / 0 / 2.05. At 1 M pending each event touched about four random
 *     cache lines in 72 MB (the firing slot, its successor's back link, the target bucket, the tail
 *     slot appended to). Against the heap, same process, load 8: 1.32x / 1.41x / 1.48x.
 *   - the calendar behind an unsorted far tier that fed it one epoch at a time: 286 / 299 / 290;
 *     1.9 / 3.7 / 4.1; 0 / 1.4 / 2.2 and 0 / 0 / 0.97. Against the heap: 1.13x / 1.90x / 2.87x at
 *     load 8, 1.6-1.9x at 100 k and 2.9-3.7x at 1 M in other runs; SimPy 3 47.6x slower at 100 k.
 *   - this queue (the epoch sorted once into a run): 307 / 319 / 323; 1.6 / 5.8 / 6.3; 0 / 1.6 /
 *     2.4 and 0 / 0 / 1.3 — cachegrind models neither the hardware's sequential prefetching nor
 *     prefetch instructions, which is what the run relies on. Against the heap, load 0.8: 1.05x /
 *     2.98x / 5.69x (other runs 3.0-3.1x at 100 k, 5.2-6.7x at 1 M); SimPy 3 (hold_simpy.py, bare
 *     timeouts, taking turns) 84.9x slower at 100 k. In drsim itself (cycles in step crowd
 *     thousands of events into microseconds) 10,000 VMs x 7 days went from 90.9 s to 58.4 s.
 *   - SIM_TWO_TIER_MIN: from 16 k to 2,048 pending saved a fifth of a 5,000-VM run (a crowded
 *     one-tier calendar walks long buckets). An epoch length adapted to how far ahead events are
 *     queued changed nothing measurable (0.99x).
 *   - window factor (SIM_WIDTH_FACTOR) 1, 2, 4 x mean separation: 6.2, 9.2, 6.0 M/s under load
 *     (previous calendar, kept). Epochs of 4,096 or 8,192 events, 1 or 2 entries per calendar
 *     window, prefetching 2 to 16 windows ahead: within 3 % of instructions and within the noise.
 * The heap would be the safer choice for adversarial time distributions (the calendar degrades
 * towards a list scan if most events crowd into one window yet differ in time; with two tiers an
 * epoch is sorted in O(n log n) at worst); the self-tuning rebuild bounds the damage for
 * distributions that drift.
 *
 * Memory: slots, epoch arrays, the run and its sorting room, the near heap and overflow blocks are
 * grown geometrically and reused; the bucket array is reallocated only on a rebuild or a plan. No
 * allocation per event once warm.
 */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define SIM_MIN_BUCKETS 16u
#ifndef SIM_WIDTH_FACTOR
#define SIM_WIDTH_FACTOR 2 /* window = factor x mean separation of the near-future events */
#endif
#define SIM_TUNE_OPS 4096u /* operations between checks of the work per operation */
#define SIM_TUNE_EVERY                                                                             \
    16u                  /* operations between checks of the sizes (a little slack costs nothing) */
#define SIM_TUNE_COST 6u /* average work per operation above which the width is re-estimated */
#define SIM_BLOCK 3u     /* entries in one 64-byte bucket block */
#ifndef SIM_EPOCH_EVENTS
#define SIM_EPOCH_EVENTS                                                                           \
    4096u /* events per epoch aimed at in two tiers: the calendar stays in L2 */
#endif
#ifndef SIM_TWO_TIER_MIN
#define SIM_TWO_TIER_MIN                                                                           \
    2048u /* pending events from which the far tier is used */
#endif
#define SIM_SORT_MAX_LOG 16u /* an arriving epoch is counted into at most 2^16 ranges */
#ifndef SIM_PREFETCH_RUN
#define SIM_PREFETCH_RUN 8u /* entries of the sorted run ahead whose slots are fetched */
#endif
#ifndef SIM_PREFETCH_AHEAD
#define SIM_PREFETCH_AHEAD                                                                         \
    4 /* windows ahead whose events' slots are fetched while this one fires */
#endif

/* One event's storage, 32 bytes so that a slot never straddles two cache lines. Slot 0 means
 * "none". */
typedef struct sim_slot {
    sim_handler fn;
    void *arg;
    int64_t at;   /* time; next free slot while free */
    uint32_t gen; /* odd while pending; bumped when the event schedules and when it goes (ids carry
                     it) */
    uint32_t
        tag; /* bumped on every schedule and reschedule: only the entry carrying it is current */
} sim_slot;

/* What a bucket holds per event: its time, its slot, and the slot's tag when it was queued. An
 * entry whose tag no longer matches (the event was rescheduled or cancelled since) is stale and
 * skipped. */
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

/* An entry of the current epoch queued after the epoch arrived, with its queueing order. */
typedef struct sim_near {
    sim_entry e;
    uint64_t seq;
} sim_near;

enum { SIM_FROM_CAL, SIM_FROM_RUN, SIM_FROM_NEAR };

/* One epoch of the far tier: its entries unsorted, in queueing order. */
typedef struct sim_epoch {
    sim_entry *e;
    uint32_t n, cap;
} sim_epoch;

_Static_assert(sizeof(sim_block) == 64, "a bucket block is one cache line");
_Static_assert(sizeof(sim_slot) == 32, "a slot is half a cache line");

struct sim {
    sim_block *bk;   /* nb buckets, 64-byte aligned */
    uint32_t nb;     /* buckets, a power of two */
    uint32_t wshift; /* window = 2^wshift ns */
    int64_t cur;     /* current window (at >> wshift); no queued entry lies before it */
    uint32_t nb_min; /* the calendar shrinks no further */
    size_t n;        /* pending events */
    size_t ne;       /* entries in the calendar, stale ones included */
    /* The far tier: entries of epoch e (at >> eshift) > cur_ep wait unsorted in ep[e mod nep]. With
     * one tier, eshift is 63 and every time lies in epoch 0 = cur_ep. */
    sim_epoch *ep;
    uint32_t nep; /* epochs in the ring, a power of two; 0 with one tier */
    uint32_t eshift;
    int64_t cur_ep;          /* epochs up to this one are in the calendar */
    size_t nfar;             /* entries in the far tier, stale ones included */
    size_t plan_lo, plan_hi; /* pending counts outside which the tiers are planned again */
    /* With two tiers the current epoch's events are not in the calendar: the entries it held when it
     * arrived lie sorted in run[rpos..nrun), and those queued into it since wait in near, a binary
     * heap on (time, queueing order). Every run entry was queued before every near entry. */
    sim_entry *run;
    uint32_t nrun, rpos, runcap;
    sim_near *near;
    uint32_t nnear, nearcap;
    uint64_t nearseq; /* queueing order within near */
    sim_entry *sortbuf; /* the arriving epoch's entries, then merge scratch */
    uint32_t sortcap;
    uint32_t *count; /* per sorting bucket, SIM_SORT_MAX_BUCKETS + 1 */
    uint8_t from;    /* where the entry sim_find_min returned lies: SIM_FROM_* */
    sim_block *from_block; /* its calendar bucket, for SIM_FROM_CAL */
    sim_entry *gather;       /* every entry, while planning */
    size_t gathercap;
    sim_block *pool; /* overflow blocks; index 0 unused */
    uint32_t npool, poolcap, pool_free;
    sim_slot *slots;
    uint32_t nslots; /* slots handed out at least once, slot 0 included */
    uint32_t slotcap;
    uint32_t free_head;
    bool stop;
    int64_t now;
    uint64_t fired;
    sim_handler after; /* sim_set_after_event */
    void *after_arg;
    /* Self-tuning: work done since the last check, and operations counted. */
    uint64_t work;
    uint32_t ops;
    uint32_t countdown; /* operations until the next check of the sizes */
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
 * out of the free list until now (so that its tag cannot come round while the entry lies queued).
 */
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

static void sim_link_slow(sim *s, sim_block *head, sim_entry e);

/* Queues e in its window's bucket, after every entry of the bucket with time <= e.at: since each
 * entry queued is the newest, that keeps ties in scheduling order. */
static inline void sim_link(sim *s, sim_entry e)
{
    int64_t w = e.at >> s->wshift;
    if (w < s->cur)
        s->cur = w; /* a peek moved the window past now; an event at now moves it back */
    sim_block *head = &s->bk[(uint64_t)w & (s->nb - 1)];
    s->ne++;
    /* The usual case: later than everything in a short bucket. */
    uint32_t n = head->n;
    if (!head->next && n < SIM_BLOCK && (n == 0 || head->e[n - 1].at <= e.at)) {
        head->e[n] = e;
        head->n = n + 1;
        return;
    }
    sim_link_slow(s, head, e);
}

static __attribute__((noinline)) void sim_link_slow(sim *s, sim_block *head, sim_entry e)
{
    /* Later than everything in the bucket: appended to the last block. */
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

static __attribute__((noinline)) void sim_epoch_grow(sim_epoch *v)
{
    uint32_t cap = v->cap ? v->cap * 2 : 256;
    sim_entry *a = realloc(v->e, (size_t)cap * sizeof *a);
    if (!a)
        sim_oom();
    v->e = a;
    v->cap = cap;
}

/* --- the current epoch with two tiers: near heap --- */

static inline bool sim_near_less(const sim_near *a, const sim_near *b)
{
    return a->e.at < b->e.at || (a->e.at == b->e.at && a->seq < b->seq);
}

static __attribute__((noinline)) void sim_near_grow(sim *s)
{
    uint32_t cap = s->nearcap ? s->nearcap * 2 : 256;
    sim_near *a = realloc(s->near, (size_t)cap * sizeof *a);
    if (!a)
        sim_oom();
    s->near = a;
    s->nearcap = cap;
}

static inline void sim_near_push(sim *s, sim_entry e)
{
    if (s->nnear == s->nearcap)
        sim_near_grow(s);
    sim_near x = {e, s->nearseq++};
    uint32_t i = s->nnear++;
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!sim_near_less(&x, &s->near[p]))
            break;
        s->near[i] = s->near[p];
        i = p;
    }
    s->near[i] = x;
}

static void sim_near_pop(sim *s)
{
    sim_near last = s->near[--s->nnear];
    uint32_t n = s->nnear, i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && sim_near_less(&s->near[c + 1], &s->near[c]))
            c++;
        if (!sim_near_less(&s->near[c], &last))
            break;
        s->near[i] = s->near[c];
        i = c;
    }
    if (n)
        s->near[i] = last;
}

/* Queues e in the current epoch (the calendar with one tier, near with two) if its epoch has
 * come, else at the end of its epoch in the far tier. */
static inline void sim_queue(sim *s, sim_entry e)
{
    int64_t ep = e.at >> s->eshift;
    if (ep <= s->cur_ep) {
        if (s->nep)
            sim_near_push(s, e);
        else
            sim_link(s, e);
        return;
    }
    sim_epoch *v = &s->ep[(uint64_t)ep & (s->nep - 1)];
    if (v->n == v->cap)
        sim_epoch_grow(v);
    v->e[v->n++] = e;
    s->nfar++;
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

/* The calendar's bucket whose first entry is its earliest current event (NULL if it holds none),
 * advancing the current window to it and dropping stale entries met on the way. */
static sim_block *sim_find_min_cal(sim *s)
{
    uint32_t mask = s->nb - 1;
    for (;;) {
        if (s->ne == 0)
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

/* --- the current epoch with two tiers: the arriving epoch, sorted --- */

static bool sim_sort_room(sim *s, uint32_t m)
{
    if (s->sortcap >= m && s->runcap >= m)
        return true;
    uint32_t cap = s->sortcap > s->runcap ? s->sortcap : s->runcap;
    cap = cap ? cap : 256;
    while (cap < m)
        cap *= 2;
    sim_entry *a = realloc(s->sortbuf, (size_t)cap * sizeof *a);
    if (!a)
        return false;
    s->sortbuf = a;
    s->sortcap = cap;
    a = realloc(s->run, (size_t)cap * sizeof *a);
    if (!a)
        return false;
    s->run = a;
    s->runcap = cap;
    return true;
}

/* Sorts a[0..n) by time, ties kept in their order (insertion sort for a few, else a bottom-up merge
 * through tmp, which has room for n). Arriving entries are scattered by time into about one per
 * bucket first, so this sees short runs, except where events crowd together (cycles in step). */
static void sim_sort_entries(sim_entry *a, uint32_t n, sim_entry *tmp)
{
    if (n <= 24) {
        for (uint32_t i = 1; i < n; i++) {
            sim_entry x = a[i];
            uint32_t j = i;
            while (j > 0 && a[j - 1].at > x.at) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    uint32_t i = 1;
    while (i < n && a[i - 1].at <= a[i].at)
        i++;
    if (i == n)
        return; /* already in order: the usual case for a crowd of equal times */
    sim_entry *src = a, *dst = tmp;
    for (uint32_t w = 1; w < n; w *= 2) {
        for (uint32_t lo = 0; lo < n; lo += 2 * w) {
            uint32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            uint32_t p = lo, q = mid, k = lo;
            while (p < mid && q < hi)
                dst[k++] = src[q].at < src[p].at ? src[q++] : src[p++];
            while (p < mid)
                dst[k++] = src[p++];
            while (q < hi)
                dst[k++] = src[q++];
        }
        sim_entry *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, (size_t)n * sizeof *a);
}

/* Moves the entries of epoch cur_ep out of v into run, sorted by time with ties in queueing order:
 * scattered by time into about as many buckets as entries (a counting sort, which keeps their
 * order), then each bucket sorted. Entries of later years stay in v, in their order. */
static void sim_arrive(sim *s, sim_epoch *v)
{
    uint32_t m = 0, keep = 0;
    for (uint32_t i = 0; i < v->n; i++)
        m += (v->e[i].at >> s->eshift) == s->cur_ep;
    if (m == 0)
        return;
    if (!sim_sort_room(s, m))
        sim_oom();
    uint32_t logb = 0;
    while (logb < SIM_SORT_MAX_LOG && logb < s->eshift && (UINT32_C(1) << logb) < m)
        logb++;
    uint32_t shift = s->eshift - logb, nbk = UINT32_C(1) << logb;
    int64_t base = s->cur_ep << s->eshift;
    uint32_t *count = s->count;
    memset(count, 0, ((size_t)nbk + 1) * sizeof *count);
    uint32_t j = 0;
    for (uint32_t i = 0; i < v->n; i++) {
        sim_entry e = v->e[i];
        if ((e.at >> s->eshift) == s->cur_ep) {
            s->sortbuf[j++] = e;
            count[((uint64_t)(e.at - base) >> shift) + 1]++;
        } else {
            v->e[keep++] = e;
        }
    }
    s->nfar -= v->n - keep;
    v->n = keep;
    for (uint32_t b = 1; b <= nbk; b++)
        count[b] += count[b - 1];
    /* count[b] is now where bucket b begins; scattering moves it to where b + 1 begins. */
    for (uint32_t i = 0; i < m; i++) {
        sim_entry e = s->sortbuf[i];
        s->run[count[(uint64_t)(e.at - base) >> shift]++] = e;
    }
    uint32_t lo = 0;
    for (uint32_t b = 0; b < nbk; b++) {
        uint32_t hi = count[b];
        if (hi - lo > 1)
            sim_sort_entries(s->run + lo, hi - lo, s->sortbuf);
        lo = hi;
    }
    s->rpos = 0;
    s->nrun = m;
}

/* Brings the far tier's next epoch with entries in as the sorted run (the current epoch holds
 * nothing more). Entries of later years stay; stale ones move too and are dropped when they come
 * first. */
static void sim_advance_epoch(sim *s)
{
    uint32_t mask = s->nep - 1;
    for (uint32_t k = 0; k < s->nep; k++) {
        s->cur_ep++;
        sim_arrive(s, &s->ep[(uint64_t)s->cur_ep & mask]);
        if (s->nrun)
            return;
    }
    /* A whole ring of epochs without an entry: jump to the earliest one. */
    int64_t best = INT64_MAX;
    for (uint32_t k = 0; k < s->nep; k++)
        for (uint32_t i = 0; i < s->ep[k].n; i++)
            best = s->ep[k].e[i].at < best ? s->ep[k].e[i].at : best;
    s->cur_ep = (best >> s->eshift) - 1;
}

/* Removes the entry sim_find_min returned. */
static inline void sim_pop_min(sim *s)
{
    switch (s->from) {
    case SIM_FROM_CAL:
        sim_pop_front(s, s->from_block);
        break;
    case SIM_FROM_RUN:
        if (++s->rpos == s->nrun)
            s->rpos = s->nrun = 0;
        break;
    default:
        sim_near_pop(s);
        break;
    }
}

/* With two tiers: the earliest current entry of the sorted run and near (the run's first on a tie:
 * it was queued earlier), bringing epochs in from the far tier as the current one empties. */
static sim_entry *sim_find_min_tiers(sim *s)
{
    for (;;) {
        sim_entry *m;
        if (s->rpos < s->nrun && (!s->nnear || s->run[s->rpos].at <= s->near[0].e.at)) {
            m = &s->run[s->rpos];
            s->from = SIM_FROM_RUN;
        } else if (s->nnear) {
            m = &s->near[0].e;
            s->from = SIM_FROM_NEAR;
        } else {
            if (s->n == 0 || s->nfar == 0)
                return NULL;
            sim_advance_epoch(s);
            continue;
        }
        if (sim_entry_current(s, m))
            return m;
        sim_entry_dropped(s, m);
        sim_pop_min(s);
    }
}

/* The earliest pending event's entry (NULL if none); sim_pop_min removes it. */
static inline sim_entry *sim_find_min(sim *s)
{
    if (s->nep)
        return sim_find_min_tiers(s);
    /* The usual case: the current window's bucket starts with a current entry of this window. */
    sim_block *b = &s->bk[(uint64_t)s->cur & (s->nb - 1)];
    if (!(__builtin_expect(s->ne && b->n && (b->e[0].at >> s->wshift) == s->cur, 1) &&
          sim_entry_current(s, &b->e[0])))
        b = sim_find_min_cal(s);
    if (!b)
        return NULL;
    s->from = SIM_FROM_CAL;
    s->from_block = b;
    return &b->e[0];
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

static bool sim_scratch_room(sim *s, size_t m)
{
    if (s->scratchcap >= m)
        return true;
    int64_t *a = realloc(s->scratch, m * 2 * sizeof *a);
    if (!a)
        return false;
    s->scratch = a;
    s->scratchcap = m * 2;
    return true;
}

static bool sim_gather_room(sim *s, size_t m)
{
    if (s->gathercap >= m)
        return true;
    sim_entry *g = realloc(s->gather, m * 2 * sizeof *g);
    if (!g)
        return false;
    s->gather = g;
    s->gathercap = m * 2;
    return true;
}

/* The mean separation of the earlier half of the times a[0..m) (the near future is what pops and
 * most inserts touch; far outliers do not count). Reorders a. */
static double sim_separation(int64_t *a, size_t m)
{
    int64_t lo = a[0];
    for (size_t i = 1; i < m; i++)
        lo = a[i] < lo ? a[i] : lo;
    size_t k = m / 2;
    int64_t mid = sim_select(a, m, k);
    return (double)((uint64_t)mid - (uint64_t)lo) / (double)(k ? k : 1);
}

/* The largest shift with 2^shift <= width (0 for widths below 2). */
static uint32_t sim_log2_floor(double width)
{
    uint32_t shift = 0;
    while (shift < 62 && (double)((uint64_t)1 << (shift + 1)) <= width)
        shift++;
    return shift;
}

/* Log2 of the window: SIM_WIDTH_FACTOR times the separation of the calendar's current entries. */
static uint32_t sim_estimate_wshift(sim *s)
{
    if (s->ne < 2)
        return s->wshift;
    if (!sim_scratch_room(s, s->ne))
        return s->wshift; /* keep the old width: slower, still correct */
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
    if (m < 2)
        return s->wshift;
    return sim_log2_floor(SIM_WIDTH_FACTOR * sim_separation(s->scratch, m));
}

/* Rebuilds the calendar (one tier) with nb buckets and a freshly estimated window, dropping stale
 * entries. Entries of equal time lie in one old bucket in queueing order and are requeued in that
 * order. */
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

/* Plans the tiers for the pending events: one calendar below SIM_TWO_TIER_MIN of them; otherwise
 * epochs of about SIM_EPOCH_EVENTS events each and a ring of them covering about twice the pending
 * span. Everything is requeued in its old order, which keeps ties in scheduling order, and stale
 * entries are dropped. O(n), done when the pending count has grown or shrunk fourfold. */
static void sim_plan(sim *s)
{
    size_t queued = s->ne + s->nfar + (s->nrun - s->rpos) + s->nnear;
    if (!sim_gather_room(s, queued + 1) || !sim_scratch_room(s, s->n + 1)) {
        s->plan_hi = s->n * 2; /* try again later: slower, still correct */
        s->plan_lo = s->n / 2;
        return;
    }
    size_t m = 0;
    /* The current epoch's run, then near in its order (every run entry is the older on a tie). */
    for (uint32_t i = s->rpos; i < s->nrun; i++) {
        if (sim_entry_current(s, &s->run[i]))
            s->gather[m++] = s->run[i];
        else
            sim_entry_dropped(s, &s->run[i]);
    }
    s->rpos = s->nrun = 0;
    while (s->nnear) {
        sim_entry e = s->near[0].e;
        sim_near_pop(s);
        if (sim_entry_current(s, &e))
            s->gather[m++] = e;
        else
            sim_entry_dropped(s, &e);
    }
    s->nearseq = 0;
    for (uint32_t k = 0; k < s->nb; k++) {
        sim_block b = s->bk[k];
        for (;;) {
            for (uint32_t i = 0; i < b.n; i++) {
                if (sim_entry_current(s, &b.e[i]))
                    s->gather[m++] = b.e[i];
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
    for (uint32_t k = 0; k < s->nep; k++) {
        for (uint32_t i = 0; i < s->ep[k].n; i++) {
            if (sim_entry_current(s, &s->ep[k].e[i]))
                s->gather[m++] = s->ep[k].e[i];
            else
                sim_entry_dropped(s, &s->ep[k].e[i]);
        }
        free(s->ep[k].e);
    }
    free(s->ep);
    s->ep = NULL;
    s->nep = 0;
    s->nfar = 0;
    assert(m == s->n);
    uint32_t nb;
    if (m >= SIM_TWO_TIER_MIN) {
        for (size_t i = 0; i < m; i++)
            s->scratch[i] = s->gather[i].at;
        double sep = sim_separation(s->scratch, m);
        s->eshift = sim_log2_floor((double)SIM_EPOCH_EVENTS * sep);
        size_t want = 2 * m / SIM_EPOCH_EVENTS;
        uint32_t nep = 2;
        while (nep < want && nep < (UINT32_C(1) << 24))
            nep *= 2;
        s->ep = calloc(nep, sizeof *s->ep);
        if (!s->ep)
            sim_oom();
        if (!s->count && !(s->count = malloc(((1u << SIM_SORT_MAX_LOG) + 1) * sizeof *s->count)))
            sim_oom();
        s->nep = nep;
        nb = SIM_MIN_BUCKETS; /* the calendar stays empty */
        s->cur_ep = s->now >> s->eshift;
        s->plan_lo = m / 4;
        s->plan_hi = m * 4;
    } else {
        s->eshift = 63;
        s->cur_ep = 0;
        nb = SIM_MIN_BUCKETS;
        while (nb < m && nb < (UINT32_C(1) << 30))
            nb *= 2;
        s->plan_lo = 0;
        s->plan_hi = SIM_TWO_TIER_MIN;
        for (size_t i = 0; i < m; i++)
            s->scratch[i] = s->gather[i].at;
        if (m >= 2)
            s->wshift = sim_log2_floor(SIM_WIDTH_FACTOR * sim_separation(s->scratch, m));
    }
    s->nb_min = SIM_MIN_BUCKETS;
    sim_block *nbk = sim_buckets_new(nb);
    if (!nbk)
        sim_oom();
    free(s->bk);
    s->bk = nbk;
    s->nb = nb;
    s->ne = 0;
    s->cur = INT64_MAX;
    for (size_t i = 0; i < m; i++)
        sim_queue(s, s->gather[i]);
    if (s->ne == 0)
        s->cur = s->now >> s->wshift;
    s->work = 0;
    s->ops = 0;
}

/* Called every SIM_TUNE_EVERY operations: plans the tiers again when the pending count left its
 * range or stale entries pile up, resizes the calendar with its entries, and re-estimates the width
 * when the work per operation says it no longer fits. */
static void sim_tune_check(sim *s)
{
    s->countdown = SIM_TUNE_EVERY;
    size_t queued = s->ne + s->nfar + (s->nrun - s->rpos) + s->nnear;
    if (s->n > s->plan_hi || s->n < s->plan_lo || queued > 3 * s->n + SIM_EPOCH_EVENTS) {
        sim_plan(s);
    } else if (s->ne > 2 * (size_t)s->nb && s->nb < (UINT32_C(1) << 30)) {
        /* Stale entries may make up the excess: dropped by a rebuild at the same size, they need no
         * more buckets. */
        uint32_t nb = s->nb;
        sim_rebuild(s, nb);
        if (s->ne > 2 * (size_t)nb)
            sim_rebuild(s, nb * 2);
    } else if (s->ne < s->nb / 4 && s->nb > s->nb_min) {
        sim_rebuild(s, s->nb / 2);
    } else if ((s->ops += SIM_TUNE_EVERY) >= SIM_TUNE_OPS && s->ops >= s->ne) {
        /* At least n operations between checks keep the O(n) rebuild amortised O(1). */
        if (s->work > (uint64_t)SIM_TUNE_COST * s->ops && s->n >= 2)
            sim_rebuild(s, s->nb);
        s->work = 0;
        s->ops = 0;
    }
}

static inline void sim_tune(sim *s)
{
    if (__builtin_expect(--s->countdown == 0, 0))
        sim_tune_check(s);
}

/* --- slots and ids --- */

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
    s->countdown = SIM_TUNE_EVERY;
    s->eshift = 63; /* one tier */
    s->nb_min = SIM_MIN_BUCKETS;
    s->plan_hi = SIM_TWO_TIER_MIN;
    return s;
}

void sim_free(sim *s)
{
    if (!s)
        return;
    free(s->bk);
    for (uint32_t k = 0; k < s->nep; k++)
        free(s->ep[k].e);
    free(s->ep);
    free(s->gather);
    free(s->run);
    free(s->near);
    free(s->sortbuf);
    free(s->count);
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
    sim_queue(s, (sim_entry){at_ns, sl, e->tag});
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
    sim_queue(s, (sim_entry){at_ns, sl, e->tag});
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
    const sim_entry *m = sim_find_min(s);
    if (!m)
        return false;
    *at_ns = m->at;
    return true;
}

bool sim_step(sim *s)
{
    const sim_entry *m = sim_find_min(s);
    if (!m)
        return false;
    uint32_t sl = m->slot;
    /* The slots of the events a little ahead are likely to fire soon: start fetching them. */
    if (s->from == SIM_FROM_RUN) {
        if (s->rpos + SIM_PREFETCH_RUN < s->nrun)
            __builtin_prefetch(&s->slots[s->run[s->rpos + SIM_PREFETCH_RUN].slot]);
    } else {
        uint32_t mask = s->nb - 1;
        __builtin_prefetch(
            &s->slots[s->bk[(uint64_t)(s->cur + SIM_PREFETCH_AHEAD) & mask].e[0].slot]);
    }
    sim_slot *e = &s->slots[sl];
    sim_handler fn = e->fn;
    void *arg = e->arg;
    assert(e->at >= s->now);
    s->now = e->at;
    sim_pop_min(s);
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
        const sim_entry *m = sim_find_min(s);
        if (!m || m->at > end_ns)
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
