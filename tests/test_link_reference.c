/* tests/test_link_reference.c — model/link.c against the reference link (tests/support/
 * link_reference.c: the same model computing every flow's rate, bytes and completion at every
 * event). Both are driven through the same random calls — flows of random and of equal sizes, with
 * and without own caps, starts in groups of hundreds at one instant, starts timed to begin competing
 * at the very instant others end, cancellations, outages, and changes of bandwidth, latency, loss and
 * replication cap — and must agree exactly, to the bit:
 * flow ids, the next event, every completion (tag and instant, so the order too), every flow's rate
 * and remaining bytes, and the link's statistics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/link.h"
#include "reference/link_reference.h"

#define MS 1000000LL
#define SEC 1000000000LL
#define MAX_FLOWS 4096

static uint64_t rng_state;
static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static uint64_t rng_below(uint64_t n)
{
    return rng_next() % n;
}
static double rng_unit(void)
{
    return (double)(rng_next() >> 11) / 9007199254740992.0;
}

/* The two links and the flows both hold (ids must agree, so one array serves). */
typedef struct pair {
    model_link *fast;
    ref_link *ref;
    int64_t now;
    model_flow_id live[MAX_FLOWS];
    uintptr_t tag[MAX_FLOWS]; /* the tag each live flow was started with */
    uintptr_t serial;
    int n_live;
    long completions;
    long checks;
} pair;

/* Bit-equal doubles (both NaN-free here; -0.0 == 0.0 is fine). */
static void same_double(double a, double b)
{
    if (a != b)
        fail_msg("fast %.17g != reference %.17g", a, b);
}

static void check_flows(pair *p, int sample)
{
    for (int i = 0; i < p->n_live; i++) {
        if (sample && rng_below(4) != 0)
            continue;
        double ra = -1.0, rb = -1.0;
        bool a = model_link_flow_remaining(p->fast, p->now, p->live[i], &ra);
        bool b = ref_link_flow_remaining(p->ref, p->now, p->live[i], &rb);
        assert_int_equal(a, b);
        same_double(ra, rb);
        same_double(model_link_flow_rate_Bps(p->fast, p->live[i]),
                    ref_link_flow_rate_Bps(p->ref, p->live[i]));
        p->checks++;
    }
    model_link_stats sa, sb;
    model_link_stats_get(p->fast, p->now, &sa);
    ref_link_stats_get(p->ref, p->now, &sb);
    assert_int_equal(sa.at_ns, sb.at_ns);
    same_double(sa.bytes_carried, sb.bytes_carried);
    assert_int_equal(sa.bytes_completed, sb.bytes_completed);
    same_double(sa.rate_Bps, sb.rate_Bps);
    assert_int_equal(sa.flows_moving, sb.flows_moving);
    assert_int_equal(sa.flows_waiting, sb.flows_waiting);
    assert_int_equal(sa.flows_finished, sb.flows_finished);
}

static void forget_at(pair *p, int i)
{
    p->n_live--;
    p->live[i] = p->live[p->n_live];
    p->tag[i] = p->tag[p->n_live];
}

static void forget_tag(pair *p, uintptr_t tag)
{
    for (int i = 0; i < p->n_live; i++) {
        if (p->tag[i] == tag) {
            forget_at(p, i);
            return;
        }
    }
    fail_msg("tag %lu not live", (unsigned long)tag);
}

/* Pops everything finished at the current time from both. */
static void pop_all(pair *p)
{
    for (;;) {
        void *ta = NULL, *tb = NULL;
        int64_t ata = -1, atb = -1;
        bool a = model_link_pop_finished(p->fast, p->now, &ta, &ata);
        bool b = ref_link_pop_finished(p->ref, p->now, &tb, &atb);
        assert_int_equal(a, b);
        if (!a)
            return;
        assert_int_equal((uintptr_t)ta, (uintptr_t)tb);
        assert_int_equal(ata, atb);
        assert_true(ata <= p->now);
        forget_tag(p, (uintptr_t)ta);
        p->completions++;
    }
}

static void start_flow(pair *p, uint64_t bytes, double cap)
{
    if (p->n_live == MAX_FLOWS)
        return;
    uintptr_t tag = ++p->serial;
    model_flow_id a = model_link_flow_start(p->fast, p->now, bytes, cap, (void *)tag);
    model_flow_id b = ref_link_flow_start(p->ref, p->now, bytes, cap, (void *)tag);
    assert_true(a != 0);
    assert_int_equal(a, b);
    p->live[p->n_live] = a;
    p->tag[p->n_live] = tag;
    p->n_live++;
}

typedef struct shape {
    double bandwidth, loss, rep_cap;
    int64_t latency;
    int group;       /* flows started together at each group start */
    int equal_sizes; /* sizes drawn from a handful of values (ties at completion) */
    int own_caps;    /* share of flows with an own cap, in % */
} shape;

static uint64_t draw_size(const shape *s)
{
    if (rng_below(50) == 0)
        return 0;
    if (s->equal_sizes)
        return (1 + rng_below(4)) * 25000000ULL;
    return 1 + rng_below(rng_below(2) ? 1000000 : 200000000);
}

static double draw_cap(const shape *s)
{
    if ((int)rng_below(100) >= s->own_caps)
        return 0.0;
    if (rng_below(3) == 0)
        return 2e6; /* many flows at one cap */
    return s->bandwidth * (0.001 + 0.2 * rng_unit());
}

static void run_shape(const shape *s, uint64_t seed, int steps)
{
    rng_state = seed;
    pair *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->fast = model_link_new(s->bandwidth, s->latency, s->loss, s->rep_cap);
    p->ref = ref_link_new(s->bandwidth, s->latency, s->loss, s->rep_cap);
    assert_non_null(p->fast);
    assert_non_null(p->ref);

    for (int step = 0; step < steps; step++) {
        int64_t na = model_link_next_event(p->fast);
        int64_t nb = ref_link_next_event(p->ref);
        assert_int_equal(na, nb);
        uint64_t what = rng_below(100);
        if (what < 55 && na != INT64_MAX) {
            /* The simulator's loop: go to the next event and pop. */
            p->now = na;
            model_link_advance(p->fast, p->now);
            ref_link_advance(p->ref, p->now);
            pop_all(p);
        } else {
            /* Something from outside, some time before the next event (or at it). */
            int64_t horizon = na == INT64_MAX ? 10 * SEC : na - p->now;
            int64_t lat_now = model_link_latency_ns(p->fast);
            if (what < 80 && na != INT64_MAX && na - lat_now >= p->now && rng_below(3) == 0)
                p->now = na - lat_now; /* starts competing at the instant of the next event */
            else
                p->now += (int64_t)rng_below((uint64_t)horizon + 1);
            model_link_advance(p->fast, p->now);
            ref_link_advance(p->ref, p->now);
            pop_all(p);
            if (what < 80) {
                int n = rng_below(10) == 0 ? s->group : 1;
                for (int i = 0; i < n; i++)
                    start_flow(p, draw_size(s), draw_cap(s));
            } else if (what < 88 && p->n_live > 0) {
                int i = (int)rng_below((uint64_t)p->n_live);
                bool a = model_link_flow_cancel(p->fast, p->now, p->live[i]);
                bool b = ref_link_flow_cancel(p->ref, p->now, p->live[i]);
                assert_int_equal(a, b);
                assert_true(a);
                forget_at(p, i);
            } else if (what < 92) {
                double bw = s->bandwidth * (0.25 + rng_unit());
                model_link_set_bandwidth(p->fast, p->now, bw);
                ref_link_set_bandwidth(p->ref, p->now, bw);
            } else if (what < 94) {
                int64_t lat = (int64_t)rng_below(40 * MS);
                model_link_set_latency(p->fast, p->now, lat);
                ref_link_set_latency(p->ref, p->now, lat);
            } else if (what < 95) {
                double loss = rng_below(2) ? 0.0 : 1e-5 * rng_unit();
                model_link_set_loss(p->fast, p->now, loss);
                ref_link_set_loss(p->ref, p->now, loss);
            } else if (what < 97) {
                double cap = rng_below(2) ? 0.0 : s->bandwidth * 0.01 * (1 + rng_below(5));
                model_link_set_replication_cap(p->fast, p->now, cap);
                ref_link_set_replication_cap(p->ref, p->now, cap);
            } else {
                bool up = !model_link_is_up(p->fast);
                model_link_set_up(p->fast, p->now, up);
                ref_link_set_up(p->ref, p->now, up);
            }
        }
        check_flows(p, step % 16 != 0);
    }
    /* Drain: everything left finishes alike (the link up, so it does). */
    if (!model_link_is_up(p->fast)) {
        model_link_set_up(p->fast, p->now, true);
        ref_link_set_up(p->ref, p->now, true);
    }
    if (model_link_bandwidth_Bps(p->fast) <= 0.0) {
        model_link_set_bandwidth(p->fast, p->now, 1e6);
        ref_link_set_bandwidth(p->ref, p->now, 1e6);
    }
    while (p->n_live > 0) {
        int64_t na = model_link_next_event(p->fast);
        assert_int_equal(na, ref_link_next_event(p->ref));
        assert_true(na != INT64_MAX);
        p->now = na;
        pop_all(p);
        if (p->n_live % 8 == 0)
            check_flows(p, 1);
    }
    assert_int_equal(model_link_next_event(p->fast), INT64_MAX);
    /* The runs did what they are for: many completions, many flows compared. */
    assert_true(p->completions > steps / 4);
    assert_true(p->checks > steps);
    model_link_free(p->fast);
    ref_link_free(p->ref);
    free(p);
}

/* Uncapped flows of random sizes on a fast link: rates all equal, completion instants deferred. */
static void test_uncapped_random_sizes(void **state)
{
    (void)state;
    shape s = {.bandwidth = 125e6, .latency = 20 * MS, .group = 300};
    for (uint64_t seed = 1; seed <= 6; seed++)
        run_shape(&s, seed * 7919, 3000);
}

/* Equal sizes started together: hundreds of completions at one nanosecond, in start order. */
static void test_equal_sizes_in_groups(void **state)
{
    (void)state;
    shape s = {.bandwidth = 37.5e6, .latency = 5 * MS, .group = 500, .equal_sizes = 1};
    for (uint64_t seed = 1; seed <= 4; seed++)
        run_shape(&s, seed * 104729, 2500);
}

/* Own caps (some shared by many flows), the Mathis cap and a replication cap: rates that stay
 * the same while others end, so deferred instants must be computed when they come due. */
static void test_caps_and_flow_cap(void **state)
{
    (void)state;
    shape a = {.bandwidth = 125e6, .latency = 10 * MS, .group = 200, .own_caps = 40};
    shape b = {.bandwidth = 125e6, .latency = 10 * MS, .loss = 1e-6, .group = 200, .own_caps = 10};
    shape c = {.bandwidth = 125e6, .rep_cap = 1e6, .group = 300};
    for (uint64_t seed = 1; seed <= 4; seed++) {
        run_shape(&a, seed * 15485863, 2500);
        run_shape(&b, seed * 32452843, 2500);
        run_shape(&c, seed * 49979687, 2500);
    }
}

/* No latency and a slow link: flows start competing at the call that starts them. */
static void test_zero_latency_slow_link(void **state)
{
    (void)state;
    shape s = {.bandwidth = 1e5, .group = 50, .own_caps = 20};
    for (uint64_t seed = 1; seed <= 4; seed++)
        run_shape(&s, seed * 2654435761u, 2500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uncapped_random_sizes),
        cmocka_unit_test(test_equal_sizes_in_groups),
        cmocka_unit_test(test_caps_and_flow_cap),
        cmocka_unit_test(test_zero_latency_slow_link),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
