/* tests/test_link.c — the WAN link model: completion times computed by hand, sharing under caps,
 * outages, bandwidth changes, cancellation, byte accounting, and randomized invariants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "model/link.h"

#define MS 1000000LL
#define SEC 1000000000LL

/* Tags are small integers carried in the pointer. */
#define TAG(n) ((void *)(uintptr_t)(n))

typedef struct done_log {
    int n;
    uintptr_t tag[4096];
    int64_t at[4096];
} done_log;

/* Plays the simulator: jump to each next event up to until_ns and pop everything finished there. */
static void drain(model_link *l, int64_t until_ns, done_log *log)
{
    for (;;) {
        int64_t t = model_link_next_event(l);
        if (t > until_ns)
            break;
        void *tag;
        int64_t at;
        int popped = 0;
        while (model_link_pop_finished(l, t, &tag, &at)) {
            assert_true(log->n < 4096);
            assert_true(at <= t); /* earlier when the caller was late to pop */
            log->tag[log->n] = (uintptr_t)tag;
            log->at[log->n] = at;
            log->n++;
            popped++;
        }
        if (!popped)
            model_link_advance(l, t); /* a latency expiry: nothing to pop */
    }
}

static void test_one_flow_finishes_at_latency_plus_size_over_rate(void **state)
{
    (void)state;
    /* 5 MB on 1 MB/s with 40 ms latency: 40 ms + 5 s = 5.04 s. */
    model_link *l = model_link_new(1e6, 40 * MS, 0.0, 0.0);
    assert_non_null(l);
    assert_int_equal(model_link_next_event(l), INT64_MAX);
    model_flow_id f = model_link_flow_start(l, 0, 5000000, 0.0, TAG(1));
    assert_true(f != 0);
    /* First event: the latency ends; no bytes move before. */
    assert_int_equal(model_link_next_event(l), 40 * MS);
    double rem;
    assert_true(model_link_flow_remaining(l, 30 * MS, f, &rem));
    assert_true(rem == 5e6);
    assert_true(model_link_flow_rate_Bps(l, f) == 0.0);
    model_link_advance(l, 40 * MS);
    assert_true(model_link_flow_rate_Bps(l, f) == 1e6);
    assert_int_equal(model_link_next_event(l), 5040 * MS);
    void *tag;
    assert_false(model_link_pop_finished(l, 5040 * MS - 1, &tag, NULL));
    int64_t at;
    assert_true(model_link_pop_finished(l, 5040 * MS, &tag, &at));
    assert_ptr_equal(tag, TAG(1));
    assert_int_equal(at, 5040 * MS);
    assert_false(model_link_pop_finished(l, 5040 * MS, &tag, NULL));
    assert_int_equal(model_link_next_event(l), INT64_MAX);
    model_link_free(l);
}

static void test_completion_rounds_up_to_the_nanosecond(void **state)
{
    (void)state;
    done_log log = {0};
    /* 1,234,567 bytes on 200 Mbps = 25e6 B/s: 0.04938268 s exactly = 49,382,680 ns; + 40 ms. */
    model_link *l = model_link_new(25e6, 40 * MS, 0.0, 0.0);
    model_link_flow_start(l, 0, 1234567, 0.0, TAG(1));
    drain(l, INT64_MAX - 1, &log);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.at[0], 89382680LL);
    model_link_free(l);

    /* 1000 bytes on 3 B/s: 333.333... s, rounded up: 333,333,333,334 ns (no latency). */
    log.n = 0;
    l = model_link_new(3.0, 0, 0.0, 0.0);
    model_link_flow_start(l, 0, 1000, 0.0, TAG(2));
    drain(l, INT64_MAX - 1, &log);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.at[0], 333333333334LL);
    model_link_free(l);

    /* 7 MB/s shared by 4 flows of 861 bytes: 1.75e6 B/s each, 861 / 1.75e6 s = 492 us exactly. In
     * doubles 861 / 1750000 * 1e9 comes out a hair above 492000, which a bare ceil would turn into
     * 492,001 ns. */
    log.n = 0;
    l = model_link_new(7e6, 0, 0.0, 0.0);
    for (uintptr_t i = 0; i < 4; i++)
        model_link_flow_start(l, 0, 861, 0.0, TAG(i));
    drain(l, INT64_MAX - 1, &log);
    assert_int_equal(log.n, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(log.at[i], 492000LL);
    model_link_free(l);
}

static void test_three_transfers_finish_at_hand_computed_times(void **state)
{
    (void)state;
    /* 1 MB/s, latency 10 ms. A = 3 MB at 0, B = 1 MB at 1 s, C = 0.5 MB at 1.5 s.
     * 0.01..1.01 s  A alone at 1e6: A moves 1e6, left 2e6.
     * 1.01..1.51 s  A, B at 0.5e6: A left 1.75e6, B left 0.75e6.
     * from 1.51 s   A, B, C at 1e6/3: C (0.5e6) needs 1.5 s -> C done at 3.01 s;
     *               A left 1.25e6, B left 0.25e6.
     * from 3.01 s   A, B at 0.5e6: B needs 0.5 s -> B done at 3.51 s; A left 1e6.
     * from 3.51 s   A alone at 1e6 -> A done at 4.51 s (check: 4.5 MB busy 4.5 s after 10 ms idle).
     */
    model_link *l = model_link_new(1e6, 10 * MS, 0.0, 0.0);
    done_log log = {0};
    model_link_flow_start(l, 0, 3000000, 0.0, TAG('A'));
    drain(l, 1 * SEC, &log);
    model_link_flow_start(l, 1 * SEC, 1000000, 0.0, TAG('B'));
    drain(l, 1500 * MS, &log);
    model_link_flow_start(l, 1500 * MS, 500000, 0.0, TAG('C'));
    drain(l, INT64_MAX - 1, &log);
    assert_int_equal(log.n, 3);
    assert_int_equal(log.tag[0], 'C');
    assert_int_equal(log.at[0], 3010 * MS);
    assert_int_equal(log.tag[1], 'B');
    assert_int_equal(log.at[1], 3510 * MS);
    assert_int_equal(log.tag[2], 'A');
    assert_int_equal(log.at[2], 4510 * MS);
    model_link_free(l);
}

static void test_late_pop_still_reports_exact_times_in_order(void **state)
{
    (void)state;
    /* Same three transfers as above, but nothing is popped until 100 s: the link must still replay
     * the events one by one (C frees its share at 3.01 s, B at 3.51 s). */
    model_link *l = model_link_new(1e6, 10 * MS, 0.0, 0.0);
    model_link_flow_start(l, 0, 3000000, 0.0, TAG('A'));
    model_link_flow_start(l, 1 * SEC, 1000000, 0.0, TAG('B'));
    model_link_flow_start(l, 1500 * MS, 500000, 0.0, TAG('C'));
    void *tag;
    int64_t at;
    assert_true(model_link_pop_finished(l, 100 * SEC, &tag, &at));
    assert_ptr_equal(tag, TAG('C'));
    assert_int_equal(at, 3010 * MS);
    assert_true(model_link_pop_finished(l, 100 * SEC, &tag, &at));
    assert_ptr_equal(tag, TAG('B'));
    assert_int_equal(at, 3510 * MS);
    assert_true(model_link_pop_finished(l, 100 * SEC, &tag, &at));
    assert_ptr_equal(tag, TAG('A'));
    assert_int_equal(at, 4510 * MS);
    assert_false(model_link_pop_finished(l, 100 * SEC, &tag, &at));
    model_link_free(l);
}

static void test_simultaneous_completions_pop_in_start_order(void **state)
{
    (void)state;
    /* 1000 flows of 12,345 bytes on 10 MB/s, latency 5 ms, started together: each gets 1e4 B/s and
     * needs 1.2345 s, so all finish at 1,239,500,000 ns, reported in start order. */
    model_link *l = model_link_new(1e7, 5 * MS, 0.0, 0.0);
    for (uintptr_t i = 0; i < 1000; i++)
        model_link_flow_start(l, 0, 12345, 0.0, TAG(i));
    done_log *log = calloc(1, sizeof *log);
    drain(l, INT64_MAX - 1, log);
    assert_int_equal(log->n, 1000);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(log->tag[i], (uintptr_t)i);
        assert_int_equal(log->at[i], 1239500000LL);
    }
    model_link_free(l);

    /* Start order, not set order: X0..X3 (1 MB each, 4 MB/s, no latency) start together, X0 is
     * cancelled at once; X1..X3 share 4e6 and all finish at 0.75 s, reported X1, X2, X3. */
    l = model_link_new(4e6, 0, 0.0, 0.0);
    model_flow_id x0 = model_link_flow_start(l, 0, 1000000, 0.0, TAG(0));
    for (uintptr_t i = 1; i < 4; i++)
        model_link_flow_start(l, 0, 1000000, 0.0, TAG(i));
    assert_true(model_link_flow_cancel(l, 0, x0));
    log->n = 0;
    drain(l, INT64_MAX - 1, log);
    assert_int_equal(log->n, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(log->tag[i], (uintptr_t)i + 1);
        assert_int_equal(log->at[i], 750 * MS);
    }
    free(log);
    model_link_free(l);
}

static void test_zero_byte_flow_costs_only_the_latency(void **state)
{
    (void)state;
    model_link *l = model_link_new(1e6, 25 * MS, 0.0, 0.0);
    model_link_flow_start(l, 7, 0, 0.0, TAG(1));
    assert_int_equal(model_link_next_event(l), 7 + 25 * MS);
    void *tag;
    int64_t at;
    assert_true(model_link_pop_finished(l, 7 + 25 * MS, &tag, &at));
    assert_int_equal(at, 7 + 25 * MS);
    model_link_free(l);

    /* No latency: finished at once; the link asks to be served now. */
    l = model_link_new(1e6, 0, 0.0, 0.0);
    model_link_flow_start(l, 99, 0, 0.0, TAG(2));
    assert_int_equal(model_link_next_event(l), 99);
    assert_true(model_link_pop_finished(l, 99, &tag, &at));
    assert_ptr_equal(tag, TAG(2));
    assert_int_equal(at, 99);
    assert_int_equal(model_link_next_event(l), INT64_MAX);
    model_link_free(l);
}

static void test_replication_cap_limits_every_flow(void **state)
{
    (void)state;
    /* 10 MB/s link, 3 MB/s replication cap, two flows of 3 MB: fair share would be 5e6 each, the
     * cap holds each at 3e6, so both finish at 1 s (not 0.6 s) and 4 MB/s stays unused. */
    model_link *l = model_link_new(10e6, 0, 0.0, 3e6);
    model_flow_id a = model_link_flow_start(l, 0, 3000000, 0.0, TAG(1));
    model_link_flow_start(l, 0, 3000000, 0.0, TAG(2));
    assert_true(model_link_flow_rate_Bps(l, a) == 3e6);
    model_link_stats st;
    model_link_stats_get(l, 0, &st);
    assert_true(st.rate_Bps == 6e6);
    done_log log = {0};
    drain(l, INT64_MAX - 1, &log);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.at[0], 1 * SEC);
    assert_int_equal(log.at[1], 1 * SEC);
    model_link_free(l);
}

static void test_own_capped_flow_leaves_its_share_to_the_others(void **state)
{
    (void)state;
    /* 10 MB/s, no latency. A: 1 MB with its own cap 1 MB/s; B: 18 MB uncapped.
     * 0..1 s: A at 1e6, B takes the rest, 9e6 -> A done at 1 s, B left 9e6.
     * then B alone at 10e6 -> 0.9 s -> B done at 1.9 s. */
    model_link *l = model_link_new(10e6, 0, 0.0, 0.0);
    model_flow_id a = model_link_flow_start(l, 0, 1000000, 1e6, TAG('A'));
    model_flow_id b = model_link_flow_start(l, 0, 18000000, 0.0, TAG('B'));
    assert_true(model_link_flow_rate_Bps(l, a) == 1e6);
    assert_true(model_link_flow_rate_Bps(l, b) == 9e6);
    done_log log = {0};
    drain(l, INT64_MAX - 1, &log);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.tag[0], 'A');
    assert_int_equal(log.at[0], 1 * SEC);
    assert_int_equal(log.tag[1], 'B');
    assert_int_equal(log.at[1], 1900 * MS);
    model_link_free(l);
}

static void test_mathis_cap_from_loss_and_latency(void **state)
{
    (void)state;
    /* latency 50 ms -> RTT 0.1 s; loss 1e-4 -> sqrt 0.01;
     * cap = 1.22 * 1460 / (0.1 * 0.01) = 1,781,200 B/s. */
    model_link *l = model_link_new(10e6, 50 * MS, 1e-4, 0.0);
    assert_true(fabs(model_link_flow_cap_Bps(l) - 1781200.0) < 1e-6);
    /* One flow of exactly 1,781,200 bytes: 50 ms latency + 1 s at the cap. */
    model_link_flow_start(l, 0, 1781200, 0.0, TAG(1));
    done_log log = {0};
    drain(l, INT64_MAX - 1, &log);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.at[0], 1050 * MS);

    /* Water-filling under both caps: 4 MB/s link, A own cap 0.5e6, B and C uncapped.
     * Fair 4e6/3 = 1.33e6 > 0.5e6, so A takes 0.5e6 and B, C share 3.5e6: 1.75e6 each (below the
     * Mathis 1.7812e6). */
    model_link_set_bandwidth(l, 2 * SEC, 4e6);
    model_flow_id a = model_link_flow_start(l, 2 * SEC, 100000000, 0.5e6, TAG(2));
    model_flow_id b = model_link_flow_start(l, 2 * SEC, 100000000, 0.0, TAG(3));
    model_flow_id c = model_link_flow_start(l, 2 * SEC, 100000000, 0.0, TAG(4));
    model_link_advance(l, 2 * SEC + 50 * MS);
    assert_true(model_link_flow_rate_Bps(l, a) == 0.5e6);
    assert_true(fabs(model_link_flow_rate_Bps(l, b) - 1.75e6) < 1e-6);
    assert_true(fabs(model_link_flow_rate_Bps(l, c) - 1.75e6) < 1e-6);
    /* At 10 MB/s B and C would get 4.75e6 each; Mathis holds them at 1,781,200. */
    model_link_set_bandwidth(l, 3 * SEC, 10e6);
    assert_true(model_link_flow_rate_Bps(l, a) == 0.5e6);
    assert_true(fabs(model_link_flow_rate_Bps(l, b) - 1781200.0) < 1e-6);
    /* Loss gone: no Mathis cap, B and C share 9.5e6. */
    model_link_set_loss(l, 4 * SEC, 0.0);
    assert_true(isinf(model_link_flow_cap_Bps(l)));
    assert_true(fabs(model_link_flow_rate_Bps(l, c) - 4.75e6) < 1e-6);
    /* Loss but no latency: no Mathis cap either. */
    model_link_set_loss(l, 4 * SEC, 0.01);
    model_link_set_latency(l, 4 * SEC, 0);
    assert_true(isinf(model_link_flow_cap_Bps(l)));
    model_link_free(l);
}

static void test_outage_shifts_completion_by_its_length_plus_reconnect(void **state)
{
    (void)state;
    /* 10 MB on 1 MB/s, latency 20 ms: without outage, done at 10.02 s. Outage 3 s..8 s (5 s):
     * at 3 s 2.98e6 moved, 7.02e6 left; back at 8 s, reconnect latency to 8.02 s, then 7.02 s ->
     * 15.04 s = 10.02 + 5 (outage) + 0.02 (reconnect). */
    model_link *l = model_link_new(1e6, 20 * MS, 0.0, 0.0);
    model_flow_id f = model_link_flow_start(l, 0, 10000000, 0.0, TAG(1));
    done_log log = {0};
    drain(l, 3 * SEC, &log);
    model_link_set_up(l, 3 * SEC, false);
    assert_false(model_link_is_up(l));
    assert_int_equal(model_link_next_event(l), INT64_MAX);
    double rem;
    assert_true(model_link_flow_remaining(l, 5 * SEC, f, &rem));
    assert_true(fabs(rem - 7.02e6) < 1e-6);
    model_link_stats st;
    model_link_stats_get(l, 5 * SEC, &st);
    assert_true(st.rate_Bps == 0.0);
    assert_int_equal(st.flows_waiting, 1);
    assert_int_equal(st.flows_moving, 0);
    model_link_set_up(l, 8 * SEC, true);
    assert_int_equal(model_link_next_event(l), 8020 * MS);
    drain(l, INT64_MAX - 1, &log);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.at[0], 15040 * MS);
    model_link_free(l);
}

static void test_outage_during_latency_and_start_while_down(void **state)
{
    (void)state;
    /* Latency 100 ms, 1 MB/s. A (1 MB) starts at 0; outage 50 ms..1 s stops its handshake; at 1 s
     * it pays the full 100 ms again, competes from 1.1 s. B (1 MB) starts at 0.5 s while down; it
     * waits for the link, then 100 ms: also from 1.1 s. From 1.1 s both at 0.5e6 -> both done
     * at 3.1 s, A first (started first). */
    model_link *l = model_link_new(1e6, 100 * MS, 0.0, 0.0);
    model_link_flow_start(l, 0, 1000000, 0.0, TAG('A'));
    model_link_set_up(l, 50 * MS, false);
    model_link_flow_start(l, 500 * MS, 1000000, 0.0, TAG('B'));
    assert_int_equal(model_link_next_event(l), INT64_MAX);
    model_link_set_up(l, 1 * SEC, true);
    done_log log = {0};
    drain(l, INT64_MAX - 1, &log);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.tag[0], 'A');
    assert_int_equal(log.at[0], 3100 * MS);
    assert_int_equal(log.tag[1], 'B');
    assert_int_equal(log.at[1], 3100 * MS);
    model_link_free(l);

    /* Without latency an outage shifts the completion by exactly its length: 2 MB at 1 MB/s,
     * down 0.5 s..1.25 s -> 2 s + 0.75 s = 2.75 s. */
    l = model_link_new(1e6, 0, 0.0, 0.0);
    model_link_flow_start(l, 0, 2000000, 0.0, TAG(1));
    model_link_set_up(l, 500 * MS, false);
    model_link_set_up(l, 500 * MS, false); /* twice: no effect */
    model_link_set_up(l, 1250 * MS, true);
    log.n = 0;
    drain(l, INT64_MAX - 1, &log);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.at[0], 2750 * MS);
    model_link_free(l);
}

static void test_set_bandwidth_mid_transfer(void **state)
{
    (void)state;
    /* 4 MB, 1 MB/s, latency 10 ms. At 1 s: 0.99e6 moved, 3.01e6 left; bandwidth goes to 3 MB/s:
     * 3.01e6 / 3e6 = 1.00333... s -> 2.00333... s, rounded up: 2,003,333,334 ns. */
    model_link *l = model_link_new(1e6, 10 * MS, 0.0, 0.0);
    model_link_flow_start(l, 0, 4000000, 0.0, TAG(1));
    model_link_set_bandwidth(l, 1 * SEC, 3e6);
    done_log log = {0};
    drain(l, INT64_MAX - 1, &log);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.at[0], 2003333334LL);
    model_link_free(l);

    /* Bandwidth 0 stalls without an event; restoring it resumes: 2 MB on 1 MB/s, zero from 0.5 s to
     * 1.5 s -> done at 3 s. */
    l = model_link_new(1e6, 0, 0.0, 0.0);
    model_link_flow_start(l, 0, 2000000, 0.0, TAG(1));
    model_link_set_bandwidth(l, 500 * MS, 0.0);
    assert_int_equal(model_link_next_event(l), INT64_MAX);
    model_link_set_bandwidth(l, 1500 * MS, 1e6);
    log.n = 0;
    drain(l, INT64_MAX - 1, &log);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.at[0], 3 * SEC);
    model_link_free(l);
}

static void test_set_latency_applies_to_new_flows_only(void **state)
{
    (void)state;
    /* 1 MB/s, latency 100 ms. A (1 MB) starts at 0 and keeps its 100 ms. At 50 ms latency drops to
     * 10 ms; B (1 MB) starts then and competes from 60 ms.
     * 60..100 ms  B alone: 40,000 moved, 960,000 left.
     * from 100 ms A, B at 0.5e6: B needs 1.92 s -> done 2.02 s; A moved 960,000, 40,000 left.
     * then A alone: 40 ms -> done 2.06 s (check: 2 MB busy from 60 ms = 2.06 s). */
    model_link *l = model_link_new(1e6, 100 * MS, 0.0, 0.0);
    model_link_flow_start(l, 0, 1000000, 0.0, TAG('A'));
    model_link_set_latency(l, 50 * MS, 10 * MS);
    assert_int_equal(model_link_latency_ns(l), 10 * MS);
    model_link_flow_start(l, 50 * MS, 1000000, 0.0, TAG('B'));
    assert_int_equal(model_link_next_event(l), 60 * MS);
    done_log log = {0};
    drain(l, INT64_MAX - 1, &log);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.tag[0], 'B');
    assert_int_equal(log.at[0], 2020 * MS);
    assert_int_equal(log.tag[1], 'A');
    assert_int_equal(log.at[1], 2060 * MS);
    model_link_free(l);
}

static void test_set_replication_cap_mid_transfer(void **state)
{
    (void)state;
    /* 10 MB on 10 MB/s, no latency. At 0.5 s (5e6 left) a 1 MB/s cap; at 1.5 s (4e6 left) the cap
     * is lifted: 4e6 at 10e6 = 0.4 s -> done 1.9 s. */
    model_link *l = model_link_new(10e6, 0, 0.0, 0.0);
    model_flow_id f = model_link_flow_start(l, 0, 10000000, 0.0, TAG(1));
    model_link_set_replication_cap(l, 500 * MS, 1e6);
    assert_true(model_link_flow_rate_Bps(l, f) == 1e6);
    assert_int_equal(model_link_next_event(l), 5500 * MS);
    model_link_set_replication_cap(l, 1500 * MS, 0.0);
    assert_true(model_link_replication_cap_Bps(l) == 0.0);
    done_log log = {0};
    drain(l, INT64_MAX - 1, &log);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.at[0], 1900 * MS);
    model_link_free(l);
}

static void test_cancel_frees_the_share(void **state)
{
    (void)state;
    /* A and B, 2 MB each on 1 MB/s, no latency: 0.5e6 each. B cancelled at 1 s (0.5e6 moved each);
     * A alone with 1.5e6 left -> done at 2.5 s. Carried: 2e6 (A) + 0.5e6 (B's part) = 2.5e6. */
    model_link *l = model_link_new(1e6, 0, 0.0, 0.0);
    model_flow_id a = model_link_flow_start(l, 0, 2000000, 0.0, TAG('A'));
    model_flow_id b = model_link_flow_start(l, 0, 2000000, 0.0, TAG('B'));
    assert_int_equal(model_link_next_event(l), 4 * SEC);
    assert_true(model_link_flow_cancel(l, 1 * SEC, b));
    assert_false(model_link_flow_cancel(l, 1 * SEC, b));
    assert_true(model_link_flow_rate_Bps(l, a) == 1e6);
    assert_int_equal(model_link_next_event(l), 2500 * MS);
    done_log log = {0};
    drain(l, INT64_MAX - 1, &log);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.tag[0], 'A');
    assert_int_equal(log.at[0], 2500 * MS);
    assert_false(model_link_flow_cancel(l, 3 * SEC, a)); /* popped: stale */
    model_link_stats st;
    model_link_stats_get(l, 3 * SEC, &st);
    assert_true(st.bytes_carried == 2.5e6);
    assert_true(st.bytes_completed == 2000000);

    /* A stale id is refused even when its slot is reused by a new flow. */
    model_flow_id c = model_link_flow_start(l, 3 * SEC, 10, 0.0, TAG('C'));
    assert_true(c != a && c != b);
    assert_false(model_link_flow_cancel(l, 3 * SEC, a));
    assert_false(model_link_flow_cancel(l, 3 * SEC, b));
    double rem;
    assert_false(model_link_flow_remaining(l, 3 * SEC, b, &rem));
    assert_false(model_link_flow_cancel(l, 3 * SEC, 0));

    /* Cancelling a flow that finished but was not popped: it is never reported. */
    model_link_advance(l, 4 * SEC);
    model_link_stats_get(l, 4 * SEC, &st);
    assert_int_equal(st.flows_finished, 1);
    assert_true(model_link_flow_cancel(l, 4 * SEC, c));
    void *tag;
    assert_false(model_link_pop_finished(l, 4 * SEC, &tag, NULL));
    assert_int_equal(model_link_next_event(l), INT64_MAX);
    model_link_free(l);
}

static void test_bytes_carried_gives_exact_throughput(void **state)
{
    (void)state;
    /* 1 MB/s, latency 10 ms: over [1 s, 2 s] one busy flow carries exactly 1e6 bytes; over
     * [0, 10 ms] nothing (latency). After everything completes, carried = sum of the sizes. */
    model_link *l = model_link_new(1e6, 10 * MS, 0.0, 0.0);
    model_link_flow_start(l, 0, 5000000, 0.0, TAG(1));
    model_link_stats s0, s1;
    model_link_stats_get(l, 10 * MS, &s0);
    assert_true(s0.bytes_carried == 0.0);
    model_link_stats_get(l, 1 * SEC, &s0);
    model_link_stats_get(l, 2 * SEC, &s1);
    assert_true(fabs((s1.bytes_carried - s0.bytes_carried) - 1e6) < 1e-6);
    assert_int_equal(s1.at_ns, 2 * SEC);
    assert_true(s1.rate_Bps == 1e6);

    uint64_t sum = 5000000;
    uint64_t sizes[] = {1, 777, 123456, 999999, 3141592, 2718281, 10};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        model_link_flow_start(l, 2 * SEC + (int64_t)i * 37 * MS, sizes[i], 0.0, TAG(i + 2));
        sum += sizes[i];
    }
    done_log log = {0};
    drain(l, INT64_MAX - 1, &log);
    assert_int_equal(log.n, 8);
    for (int i = 1; i < log.n; i++)
        assert_true(log.at[i] >= log.at[i - 1]);
    model_link_stats_get(l, log.at[log.n - 1], &s1);
    assert_true(s1.bytes_completed == sum);
    assert_true(s1.bytes_carried == (double)sum);
    /* Busy from 10 ms on without a gap: the last completion is 10 ms + sum / 1e6, rounded up. */
    assert_int_equal(log.at[log.n - 1], 10 * MS + (int64_t)ceil((double)sum * 1e3));
    model_link_free(l);
}

/* xorshift64*: deterministic draws for the randomized test. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}
static double rng_unit(void)
{
    return (double)(rng_next() >> 11) / 9007199254740992.0;
}

typedef struct live_flow {
    model_flow_id id;
    double cap; /* own cap, INFINITY when none */
    uint64_t size;
    bool alive;
} live_flow;

/* Checks rates against max-min fairness: within the bandwidth, each flow within its caps, all flows
 * not at a cap at one common level no lower than any capped flow, and no bandwidth idle while a
 * flow could use more. */
static void check_rates(model_link *l, int64_t now, const live_flow *fl, int n)
{
    model_link_stats st;
    model_link_stats_get(l, now, &st);
    double bw = model_link_bandwidth_Bps(l);
    double lc = model_link_flow_cap_Bps(l);
    const double tol = 1e-9;
    assert_true(st.rate_Bps <= bw * (1 + tol) + 1e-9);
    double level = -1.0, sum = 0.0, max_rate = 0.0;
    int moving = 0, unsaturated = 0;
    for (int i = 0; i < n; i++) {
        if (!fl[i].alive)
            continue;
        double r = model_link_flow_rate_Bps(l, fl[i].id);
        double cap = fl[i].cap < lc ? fl[i].cap : lc;
        assert_true(r >= 0.0);
        assert_true(r <= cap * (1 + tol));
        sum += r;
        if (r > max_rate)
            max_rate = r;
        if (r > 0.0)
            moving++;
        if (r > 0.0 && r < cap * (1 - tol)) {
            unsaturated++;
            if (level < 0)
                level = r;
            assert_true(fabs(r - level) <= level * tol);
        }
    }
    assert_true(fabs(sum - st.rate_Bps) <= st.rate_Bps * tol + 1e-9);
    if (unsaturated > 0) {
        /* A flow below its cap means the link is full and it holds the highest rate. */
        assert_true(fabs(sum - bw) <= bw * tol);
        assert_true(max_rate <= level * (1 + tol));
    }
    if (moving > 0)
        assert_true(model_link_is_up(l));
    assert_int_equal(moving > 0 ? 1 : 0, st.rate_Bps > 0.0 ? 1 : 0);
}

static void test_randomized_rates_respect_bandwidth_caps_and_fairness(void **state)
{
    (void)state;
    enum { N = 600 };
    live_flow *fl = calloc(N, sizeof *fl);
    int nfl = 0;
    model_link *l = model_link_new(10e6, 5 * MS, 0.0, 0.0);
    int64_t now = 0, last_done = 0;
    uint64_t popped_bytes = 0;
    double cancelled_progress = 0.0;
    uint64_t finished_cancelled_bytes = 0;
    for (int op = 0; op < 4000; op++) {
        now += (int64_t)(rng_unit() * 50.0 * MS);
        double u = rng_unit();
        if (u < 0.45 && nfl < N) {
            live_flow *f = &fl[nfl++];
            f->size = (uint64_t)(rng_unit() * 5e6);
            f->cap = rng_unit() < 0.3 ? 1e5 + rng_unit() * 4e6 : INFINITY;
            f->id =
                model_link_flow_start(l, now, f->size, isinf(f->cap) ? 0.0 : f->cap, TAG(nfl - 1));
            f->alive = true;
        } else if (u < 0.55 && nfl > 0) {
            live_flow *f = &fl[rng_next() % (uint64_t)nfl];
            double rem = 0.0;
            bool known = model_link_flow_remaining(l, now, f->id, &rem);
            assert_true(known == f->alive);
            model_link_stats before, after;
            model_link_stats_get(l, now, &before);
            if (model_link_flow_cancel(l, now, f->id)) {
                assert_true(f->alive);
                model_link_stats_get(l, now, &after);
                if (after.flows_finished < before.flows_finished)
                    finished_cancelled_bytes += f->size; /* finished, cancelled before its pop */
                cancelled_progress += (double)f->size - rem;
                f->alive = false;
            }
        } else if (u < 0.62) {
            model_link_set_bandwidth(l, now, 1e5 + rng_unit() * 20e6);
        } else if (u < 0.67) {
            model_link_set_replication_cap(l, now, rng_unit() < 0.5 ? 0.0 : 5e5 + rng_unit() * 5e6);
        } else if (u < 0.71) {
            model_link_set_loss(l, now, rng_unit() < 0.5 ? 0.0 : rng_unit() * 1e-3);
        } else if (u < 0.74) {
            model_link_set_latency(l, now, (int64_t)(rng_unit() * 100.0 * MS));
        } else if (u < 0.80) {
            model_link_set_up(l, now, rng_unit() < 0.6);
        }
        /* The simulator's loop: serve every event up to now. */
        for (;;) {
            int64_t t = model_link_next_event(l);
            if (t > now)
                break;
            void *tag;
            int64_t at;
            while (model_link_pop_finished(l, t, &tag, &at)) {
                live_flow *f = &fl[(uintptr_t)tag];
                assert_true(f->alive);
                assert_true(at >= last_done);
                last_done = at;
                popped_bytes += f->size;
                f->alive = false;
            }
            model_link_advance(l, t);
        }
        check_rates(l, now, fl, nfl);
    }
    /* Open the link wide and let every remaining flow finish. */
    model_link_set_up(l, now, true);
    model_link_set_bandwidth(l, now, 1e9);
    model_link_set_replication_cap(l, now, 0.0);
    model_link_set_loss(l, now, 0.0);
    for (;;) {
        int64_t t = model_link_next_event(l);
        if (t == INT64_MAX)
            break;
        void *tag;
        while (model_link_pop_finished(l, t, &tag, NULL)) {
            live_flow *f = &fl[(uintptr_t)tag];
            assert_true(f->alive);
            popped_bytes += f->size;
            f->alive = false;
        }
        model_link_advance(l, t);
        now = t;
    }
    for (int i = 0; i < nfl; i++)
        assert_false(fl[i].alive);
    model_link_stats st;
    model_link_stats_get(l, now, &st);
    assert_true(st.bytes_completed == popped_bytes + finished_cancelled_bytes);
    assert_true(fabs(st.bytes_carried - ((double)popped_bytes + cancelled_progress)) <=
                1e-9 * st.bytes_carried + 1e-3);
    assert_int_equal(st.flows_moving + st.flows_waiting + st.flows_finished, 0);
    model_link_free(l);
    free(fl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_flow_finishes_at_latency_plus_size_over_rate),
        cmocka_unit_test(test_completion_rounds_up_to_the_nanosecond),
        cmocka_unit_test(test_three_transfers_finish_at_hand_computed_times),
        cmocka_unit_test(test_late_pop_still_reports_exact_times_in_order),
        cmocka_unit_test(test_simultaneous_completions_pop_in_start_order),
        cmocka_unit_test(test_zero_byte_flow_costs_only_the_latency),
        cmocka_unit_test(test_replication_cap_limits_every_flow),
        cmocka_unit_test(test_own_capped_flow_leaves_its_share_to_the_others),
        cmocka_unit_test(test_mathis_cap_from_loss_and_latency),
        cmocka_unit_test(test_outage_shifts_completion_by_its_length_plus_reconnect),
        cmocka_unit_test(test_outage_during_latency_and_start_while_down),
        cmocka_unit_test(test_set_bandwidth_mid_transfer),
        cmocka_unit_test(test_set_latency_applies_to_new_flows_only),
        cmocka_unit_test(test_set_replication_cap_mid_transfer),
        cmocka_unit_test(test_cancel_frees_the_share),
        cmocka_unit_test(test_bytes_carried_gives_exact_throughput),
        cmocka_unit_test(test_randomized_rates_respect_bandwidth_caps_and_fairness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
