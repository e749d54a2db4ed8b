/* tests/bench/bench_queue.c — event-queue throughput in the classic hold model, the kernel beside a
 * tuned 4-ary heap in the same process.
 *
 * The hold model (Jones, 1986): N events pending; each firing schedules one new event at
 * now + a random increment, so the queue stays at N while the clock advances. Events fired per
 * second of wall time is the figure of merit; it measures the queue and the dispatch, since each
 * handler does nothing else. Increments come from a tiny inline generator so that drawing them
 * costs little next to the queue: "uniform" draws integers in [0, 2 mean), "exponential" draws
 * -mean ln U.
 *
 * The heap is the yardstick: a 4-ary min-heap of 16-byte keys (time, then scheduling order, then
 * the event's slot), children groups aligned to a cache line, Floyd's bottom-up sift, and the
 * firing event's root hole filled directly by the handler's own schedule. It keeps handler and
 * argument in a slot array as the kernel does, so both dispatch through a pointer.
 *
 * The two are compared in rounds, kernel then heap, each round a slice of the events, so that the
 * machine's load falls on both alike; each structure's figure is the median of its rounds, and the
 * ratio is the median of the per-round ratios.
 *
 * usage: bench_queue [--dist uniform|exponential] [--events E] [--rounds R]
 *                    [--only kernel|heap] [N ...]
 * Prints per N: "hold N=<n> dist=<d> events=<e> kernel_events_per_s=<k> heap_events_per_s=<h>
 * ratio=<k/h>" (with --only, one structure and no ratio: "... events_per_s=<r>", which is the line
 * to run under callgrind or cachegrind).
 * Default sizes 1000, 100000, 1000000; default events 2e7 (1e7 at a million pending); 5 rounds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/kernel/sim.h"

#define BENCH_MEAN_NS 1000000.0 /* mean increment: 1 ms of virtual time */

typedef struct bench {
    uint64_t x; /* splitmix64 state: enough randomness for increments, and cheap */
    int exponential;
} bench;

static inline uint64_t bench_next(bench *b)
{
    uint64_t z = (b->x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static inline int64_t bench_incr(bench *b)
{
    uint64_t r = bench_next(b);
    if (b->exponential) {
        double u = ((double)(r >> 11) + 0.5) * 0x1.0p-53; /* (0, 1) */
        return (int64_t)(-BENCH_MEAN_NS * log(u));
    }
    return (int64_t)(r % (uint64_t)(2 * BENCH_MEAN_NS));
}

static void bench_oom(void)
{
    fprintf(stderr, "bench_queue: out of memory\n");
    exit(1);
}

/* --- the 4-ary heap --- */

typedef struct heap heap;
typedef void (*heap_handler)(heap *h, void *arg);

/* Key: time (biased to unsigned) in the high half, scheduling order then slot in the low half, so
 * that one 128-bit comparison orders by time with FIFO ties. */
typedef unsigned __int128 heap_key;

typedef struct heap_slot {
    heap_handler fn;
    void *arg;
} heap_slot;

struct heap {
    heap_key *a; /* a[0] is the root; children of i are 4i+1 .. 4i+4 (one cache line) */
    void *mem;
    size_t n, cap;
    int hole; /* the root was taken by the firing event and not yet refilled */
    heap_slot *slots;
    uint32_t *free; /* free slot indices */
    size_t nfree;
    uint32_t seq;
    int64_t now;
};

static inline heap_key heap_mk(int64_t at, uint32_t seq, uint32_t slot)
{
    return ((heap_key)((uint64_t)at ^ (UINT64_C(1) << 63)) << 64) | ((uint64_t)seq << 32) | slot;
}

static inline int64_t heap_at(heap_key k)
{
    return (int64_t)((uint64_t)(k >> 64) ^ (UINT64_C(1) << 63));
}

static heap *heap_new(size_t cap)
{
    heap *h = calloc(1, sizeof *h);
    if (!h)
        bench_oom();
    /* Three keys before a 64-byte boundary put a[1..4], a[5..8], ... each in one line. */
    h->mem = aligned_alloc(64, ((cap + 8) * sizeof(heap_key) + 63) / 64 * 64);
    h->slots = malloc((cap + 1) * sizeof *h->slots);
    h->free = malloc((cap + 1) * sizeof *h->free);
    if (!h->mem || !h->slots || !h->free)
        bench_oom();
    h->a = (heap_key *)h->mem + 3;
    h->cap = cap;
    for (size_t i = 0; i <= cap; i++)
        h->free[i] = (uint32_t)(cap - i);
    h->nfree = cap + 1;
    return h;
}

static void heap_free(heap *h)
{
    free(h->mem);
    free(h->slots);
    free(h->free);
    free(h);
}

/* Puts k into the hole at i, moving the hole down to a leaf along the smaller children and then
 * back up (Floyd): fewer comparisons than a top-down sift, as k usually belongs near the bottom. */
static inline void heap_sift_from(heap *h, size_t i, heap_key k)
{
    heap_key *a = h->a;
    size_t n = h->n;
    for (;;) {
        size_t c = 4 * i + 1;
        if (c + 3 < n) {
            __builtin_prefetch(&a[4 * c + 1]);
            size_t m0 = a[c + 1] < a[c] ? c + 1 : c;
            size_t m1 = a[c + 3] < a[c + 2] ? c + 3 : c + 2;
            size_t m = a[m1] < a[m0] ? m1 : m0;
            a[i] = a[m];
            i = m;
        } else if (c < n) {
            size_t m = c;
            for (size_t j = c + 1; j < n; j++)
                m = a[j] < a[m] ? j : m;
            a[i] = a[m];
            i = m;
        } else {
            break;
        }
    }
    while (i > 0) {
        size_t p = (i - 1) / 4;
        if (!(k < a[p]))
            break;
        a[i] = a[p];
        i = p;
    }
    a[i] = k;
}

static void heap_schedule(heap *h, int64_t at, heap_handler fn, void *arg)
{
    uint32_t sl = h->free[--h->nfree];
    h->slots[sl] = (heap_slot){fn, arg};
    heap_key k = heap_mk(at, h->seq++, sl);
    if (h->hole) {
        h->hole = 0;
        heap_sift_from(h, 0, k);
        return;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 4;
        if (!(k < h->a[p]))
            break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i] = k;
}

static void heap_step(heap *h)
{
    if (h->hole) { /* the last handler scheduled nothing: refill with the last key */
        h->hole = 0;
        heap_key last = h->a[--h->n];
        if (h->n)
            heap_sift_from(h, 0, last);
    }
    heap_key k = h->a[0];
    uint32_t sl = (uint32_t)k;
    heap_slot e = h->slots[sl];
    h->free[h->nfree++] = sl;
    h->now = heap_at(k);
    h->hole = 1;
    e.fn(h, e.arg);
}

/* --- the hold model on each --- */

static void bench_hold(sim *s, void *arg)
{
    bench *b = arg;
    sim_schedule(s, sim_now(s) + bench_incr(b), bench_hold, b);
}

static void bench_heap_hold(heap *h, void *arg)
{
    bench *b = arg;
    heap_schedule(h, h->now + bench_incr(b), bench_heap_hold, b);
}

static double bench_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define BENCH_MAX_ROUNDS 64

/* Runs the hold model with n pending on the selected structures (1 kernel, 2 heap, 3 both) for
 * `events` events each, in `rounds` interleaved slices, and prints one line. */
static void bench_run(size_t n, uint64_t events, int exponential, int which, int rounds)
{
    bench bk = {.x = 42, .exponential = exponential}, bh = bk;
    sim *s = NULL;
    heap *h = NULL;
    if (which & 1) {
        s = sim_new();
        if (!s || !sim_reserve(s, n))
            bench_oom();
        for (size_t i = 0; i < n; i++)
            sim_schedule(s, bench_incr(&bk), bench_hold, &bk);
        /* Warm up (caches, branch predictors, and the queue's steady-state shape), untimed. */
        for (uint64_t i = 0; i < n && i < 1000000; i++)
            sim_step(s);
    }
    if (which & 2) {
        h = heap_new(n + 1);
        for (size_t i = 0; i < n; i++)
            heap_schedule(h, bench_incr(&bh), bench_heap_hold, &bh);
        for (uint64_t i = 0; i < n && i < 1000000; i++)
            heap_step(h);
    }
    double rk[BENCH_MAX_ROUNDS], rh[BENCH_MAX_ROUNDS], rr[BENCH_MAX_ROUNDS];
    uint64_t slice = events / (uint64_t)rounds;
    for (int r = 0; r < rounds; r++) {
        if (s) {
            double t0 = bench_seconds();
            for (uint64_t i = 0; i < slice; i++)
                sim_step(s);
            rk[r] = (double)slice / (bench_seconds() - t0);
        }
        if (h) {
            double t0 = bench_seconds();
            for (uint64_t i = 0; i < slice; i++)
                heap_step(h);
            rh[r] = (double)slice / (bench_seconds() - t0);
        }
        if (s && h)
            rr[r] = rk[r] / rh[r];
    }
    if (s && sim_pending(s) != n) {
        fprintf(stderr, "bench_queue: pending %zu, expected %zu\n", sim_pending(s), n);
        exit(1);
    }
    if (h && h->n != n) {
        fprintf(stderr, "bench_queue: heap holds %zu, expected %zu\n", h->n, n);
        exit(1);
    }
    const char *d = exponential ? "exponential" : "uniform";
    unsigned long long e = (unsigned long long)(slice * (uint64_t)rounds);
    if (s && h)
        printf("hold N=%zu dist=%s events=%llu kernel_events_per_s=%.0f heap_events_per_s=%.0f "
               "ratio=%.2f\n",
               n, d, e, bench_median(rk, rounds), bench_median(rh, rounds),
               bench_median(rr, rounds));
    else
        printf("hold N=%zu dist=%s events=%llu queue=%s events_per_s=%.0f\n", n, d, e,
               s ? "kernel" : "heap", bench_median(s ? rk : rh, rounds));
    fflush(stdout);
    if (s)
        sim_free(s);
    if (h)
        heap_free(h);
}

int main(int argc, char **argv)
{
    int exponential = 0, which = 3, rounds = 5;
    uint64_t events = 0;
    size_t sizes[16];
    int nsizes = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dist") && i + 1 < argc) {
            exponential = !strcmp(argv[++i], "exponential");
        } else if (!strcmp(argv[i], "--events") && i + 1 < argc) {
            events = strtoull(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
            rounds = atoi(argv[++i]);
            rounds = rounds < 1 ? 1 : rounds > BENCH_MAX_ROUNDS ? BENCH_MAX_ROUNDS : rounds;
        } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            which = !strcmp(argv[++i], "heap") ? 2 : 1;
        } else if (nsizes < 16) {
            sizes[nsizes++] = strtoull(argv[i], NULL, 10);
        }
    }
    if (nsizes == 0) {
        sizes[0] = 1000;
        sizes[1] = 100000;
        sizes[2] = 1000000;
        nsizes = 3;
    }
    for (int i = 0; i < nsizes; i++) {
        uint64_t e = events ? events : (sizes[i] >= 1000000 ? 10000000 : 20000000);
        bench_run(sizes[i], e, exponential, which, rounds);
    }
    return 0;
}
