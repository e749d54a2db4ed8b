/* tests/bench/bench_queue.c — event-queue throughput in the classic hold model.
 *
 * The hold model (Jones, 1986): N events pending; each firing schedules one new event at
 * now + a random increment, so the queue stays at N while the clock advances. Events fired per
 * second of wall time is the figure of merit; it measures the queue and the dispatch, since each
 * handler does nothing else. Increments come from a tiny inline generator so that drawing them costs
 * little next to the queue: "uniform" draws integers in [0, 2 mean), "exponential" draws -mean ln U.
 *
 * usage: bench_queue [--dist uniform|exponential] [--events E] [N ...]
 * Prints one line per N: "hold N=<n> dist=<d> events=<e> seconds=<s> events_per_s=<r>".
 * Default sizes 1000, 100000, 1000000; default events 2e7 (1e7 at a million pending). */
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

static void bench_hold(sim *s, void *arg)
{
    bench *b = arg;
    sim_schedule(s, sim_now(s) + bench_incr(b), bench_hold, b);
}

static double bench_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs the hold model with n pending for about `events` events; returns events per second. */
static double bench_run(size_t n, uint64_t events, int exponential)
{
    bench b = {.x = 42, .exponential = exponential};
    sim *s = sim_new();
    if (!s || !sim_reserve(s, n)) {
        fprintf(stderr, "bench_queue: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        sim_schedule(s, bench_incr(&b), bench_hold, &b);
    /* Warm up (caches, branch predictors, and the queue's steady-state shape), untimed. */
    for (uint64_t i = 0; i < n && i < 1000000; i++)
        sim_step(s);
    /* A fixed number of steps rather than a horizon: the count is exact and the loop is the one a
     * driver runs. sim_run_until costs the same per event. */
    double t0 = bench_seconds();
    for (uint64_t i = 0; i < events; i++)
        sim_step(s);
    double dt = bench_seconds() - t0;
    if (sim_pending(s) != n) {
        fprintf(stderr, "bench_queue: pending %zu, expected %zu\n", sim_pending(s), n);
        exit(1);
    }
    sim_free(s);
    double rate = (double)events / dt;
    printf("hold N=%zu dist=%s events=%llu seconds=%.3f events_per_s=%.0f\n", n,
           exponential ? "exponential" : "uniform", (unsigned long long)events, dt, rate);
    fflush(stdout);
    return rate;
}

int main(int argc, char **argv)
{
    int exponential = 0;
    uint64_t events = 0;
    size_t sizes[16];
    int nsizes = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dist") && i + 1 < argc) {
            exponential = !strcmp(argv[++i], "exponential");
        } else if (!strcmp(argv[i], "--events") && i + 1 < argc) {
            events = strtoull(argv[++i], NULL, 10);
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
        bench_run(sizes[i], e, exponential);
    }
    return 0;
}
