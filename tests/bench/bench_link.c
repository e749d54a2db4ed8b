/* tests/bench/bench_link.c — how fast the link model serves events with many flows in flight.
 *
 * Each link keeps a fixed number of flows busy: whenever one finishes, a new one of random size
 * starts, as a busy replication site would. The loop is the simulator's: serve the link whose next
 * event is earliest. Prints events (completions) per second for a few shapes, up to the 5,000 flows
 * a large fleet keeps on one link at once.
 * Usage: bench_link [completions per link] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "model/link.h"

static uint64_t rng = 88172645463325252ULL;
static uint64_t rng_next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run(int n_links, int flows_per_link, long completions_per_link, bool capped)
{
    model_link **links = malloc(sizeof *links * (size_t)n_links);
    for (int i = 0; i < n_links; i++) {
        links[i] = model_link_new(125e6, 20000000, capped ? 1e-5 : 0.0, capped ? 60e6 : 0.0);
        for (int j = 0; j < flows_per_link; j++)
            model_link_flow_start(links[i], 0, 1 + rng_next() % 50000000,
                                  capped && j % 4 == 0 ? 1e6 + (double)(rng_next() % 5000000) : 0.0,
                                  NULL);
    }
    long done = 0, target = completions_per_link * n_links;
    double t0 = now_s();
    int64_t sim_ns = 0;
    while (done < target) {
        int best = 0;
        for (int i = 1; i < n_links; i++)
            if (model_link_next_event(links[i]) < model_link_next_event(links[best]))
                best = i;
        model_link *l = links[best];
        sim_ns = model_link_next_event(l);
        void *tag;
        int popped = 0;
        while (model_link_pop_finished(l, sim_ns, &tag, NULL)) {
            popped++;
            done++;
        }
        if (!popped)
            model_link_advance(l, sim_ns);
        for (int k = 0; k < popped; k++)
            model_link_flow_start(l, sim_ns, 1 + rng_next() % 50000000,
                                  capped && k % 4 == 0 ? 1e6 + (double)(rng_next() % 5000000) : 0.0,
                                  NULL);
    }
    double dt = now_s() - t0;
    printf("%4d links x %5d flows%s: %ld completions in %.3f s = %.0f /s (simulated %.0f s)\n",
           n_links, flows_per_link, capped ? " (caps)" : "       ", done, dt, (double)done / dt,
           (double)sim_ns / 1e9);
    for (int i = 0; i < n_links; i++)
        model_link_free(links[i]);
    free(links);
}

int main(int argc, char **argv)
{
    long per_link = argc > 1 ? atol(argv[1]) : 20000;
    run(1, 10, per_link, false);
    run(1, 1000, per_link, false);
    run(1, 1000, per_link, true);
    run(1, 5000, per_link, false);
    run(10, 1000, per_link / 10, false);
    return 0;
}
