/* tests/test_queue.c — the event kernel: order, ties, cancel, reschedule, run_until, determinism,
 * a randomized comparison against a plain sorted-list model of the queue, and large queues (two
 * tiers, long runs of equal times, stale entries left by cancels and reschedules) against a heap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/kernel/sim.h"

/* --- a log of fired events: (tag, time) pairs --- */

#define LOG_MAX 4096

typedef struct fire_log {
    int n;
    int tag[LOG_MAX];
    int64_t at[LOG_MAX];
} fire_log;

static fire_log g_log;

typedef struct tagged {
    int tag;
} tagged;

static void on_fire(sim *s, void *arg)
{
    const tagged *t = arg;
    assert_true(g_log.n < LOG_MAX);
    g_log.tag[g_log.n] = t->tag;
    g_log.at[g_log.n] = sim_now(s);
    g_log.n++;
}

static tagged g_tags[LOG_MAX];

static void *tag(int i)
{
    g_tags[i].tag = i;
    return &g_tags[i];
}

static int setup(void **state)
{
    (void)state;
    memset(&g_log, 0, sizeof g_log);
    return 0;
}

/* Events scheduled out of order fire in time order; the clock equals each event's time. */
static void test_events_fire_in_time_order(void **state)
{
    (void)state;
    sim *s = sim_new();
    int64_t times[] = {50, 10, 40, 20, 30};
    for (int i = 0; i < 5; i++)
        sim_schedule(s, times[i], on_fire, tag(i));
    assert_int_equal(sim_pending(s), 5);
    assert_int_equal(sim_run_until(s, 100), 5);
    /* Sorted by time: 10 (tag 1), 20 (3), 30 (4), 40 (2), 50 (0). */
    int want[] = {1, 3, 4, 2, 0};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(g_log.tag[i], want[i]);
        assert_int_equal(g_log.at[i], (i + 1) * 10);
    }
    assert_int_equal(sim_fired(s), 5);
    sim_free(s);
}

/* Equal times fire in scheduling order, however many share the time. */
static void test_ties_fire_in_scheduling_order(void **state)
{
    (void)state;
    sim *s = sim_new();
    for (int i = 0; i < 100; i++)
        sim_schedule(s, i % 2 ? 7 : 5, on_fire, tag(i));
    sim_run_until(s, 10);
    /* Time 5 holds the even tags in order 0, 2, ..., 98; time 7 the odd ones 1, 3, ..., 99. */
    for (int i = 0; i < 50; i++) {
        assert_int_equal(g_log.tag[i], 2 * i);
        assert_int_equal(g_log.tag[50 + i], 2 * i + 1);
    }
    sim_free(s);
}

/* A rescheduled event counts as scheduled now: it goes after events already at its new time. */
static void test_reschedule_goes_after_existing_ties(void **state)
{
    (void)state;
    sim *s = sim_new();
    sim_event_id a = sim_schedule(s, 10, on_fire, tag(0));
    sim_schedule(s, 10, on_fire, tag(1));
    sim_schedule(s, 20, on_fire, tag(2));
    sim_event_id d = sim_schedule(s, 30, on_fire, tag(3));
    /* a stays at 10 but goes behind 1; d moves to 20, behind 2. */
    assert_true(sim_reschedule(s, a, 10));
    assert_true(sim_reschedule(s, d, 20));
    sim_run_until(s, 100);
    int want[] = {1, 0, 2, 3};
    assert_int_equal(g_log.n, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(g_log.tag[i], want[i]);
    assert_int_equal(g_log.at[3], 20);
    sim_free(s);
}

static void test_reschedule_earlier_and_later(void **state)
{
    (void)state;
    sim *s = sim_new();
    sim_event_id a = sim_schedule(s, 100, on_fire, tag(0));
    sim_event_id b = sim_schedule(s, 200, on_fire, tag(1));
    sim_schedule(s, 150, on_fire, tag(2));
    assert_true(sim_reschedule(s, a, 300)); /* later */
    assert_true(sim_reschedule(s, b, 50));  /* earlier */
    int64_t at = 0;
    assert_true(sim_event_time(s, a, &at));
    assert_int_equal(at, 300);
    assert_true(sim_next_time(s, &at));
    assert_int_equal(at, 50);
    sim_run_until(s, 1000);
    /* 50 (tag 1), 150 (2), 300 (0); the ids keep working until their event fires. */
    int want[] = {1, 2, 0};
    int64_t want_at[] = {50, 150, 300};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(g_log.tag[i], want[i]);
        assert_int_equal(g_log.at[i], want_at[i]);
    }
    assert_false(sim_reschedule(s, a, 2000)); /* fired */
    sim_free(s);
}

static void test_cancel(void **state)
{
    (void)state;
    sim *s = sim_new();
    sim_event_id a = sim_schedule(s, 10, on_fire, tag(0));
    sim_event_id b = sim_schedule(s, 20, on_fire, tag(1));
    sim_event_id c = sim_schedule(s, 30, on_fire, tag(2));
    assert_true(sim_cancel(s, b));
    assert_false(sim_cancel(s, b)); /* already cancelled */
    assert_int_equal(sim_pending(s), 2);
    assert_int_equal(sim_run_until(s, 15), 1);
    assert_false(sim_cancel(s, a)); /* already fired */
    assert_false(sim_cancel(s, 0)); /* never valid */
    /* A new event may reuse a's storage; a's id must stay stale and not cancel it. */
    sim_event_id d = sim_schedule(s, 40, on_fire, tag(3));
    assert_int_not_equal(d, a);
    assert_false(sim_cancel(s, a));
    assert_false(sim_reschedule(s, a, 50));
    assert_false(sim_event_time(s, a, NULL));
    assert_false(sim_cancel(s, (sim_event_id)999 << 32 | 999)); /* never issued */
    sim_run_until(s, 100);
    int want[] = {0, 2, 3};
    assert_int_equal(g_log.n, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(g_log.tag[i], want[i]);
    assert_false(sim_cancel(s, c));
    sim_free(s);
}

/* --- handlers that act on the queue while it runs --- */

typedef struct chain {
    int left;
    int64_t step_ns;
} chain;

static void on_chain(sim *s, void *arg)
{
    chain *c = arg;
    g_log.at[g_log.n++] = sim_now(s);
    if (--c->left > 0)
        sim_schedule(s, sim_now(s) + c->step_ns, on_chain, c);
}

/* A handler that schedules itself again: a periodic timer. */
static void test_handler_schedules_itself(void **state)
{
    (void)state;
    sim *s = sim_new();
    chain c = {.left = 5, .step_ns = 100};
    sim_schedule(s, 0, on_chain, &c);
    /* Fires at 0, 100, 200, 300, 400, then stops scheduling. */
    assert_int_equal(sim_run_until(s, 10000), 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(g_log.at[i], i * 100);
    assert_int_equal(sim_pending(s), 0);
    sim_free(s);
}

typedef struct meddler {
    sim_event_id victim;
    sim_event_id mover;
    sim_event_id self;
} meddler;

static void on_meddle(sim *s, void *arg)
{
    meddler *m = arg;
    g_log.tag[g_log.n] = -1;
    g_log.at[g_log.n++] = sim_now(s);
    assert_false(sim_cancel(s, m->self));    /* its own event already fired */
    assert_true(sim_cancel(s, m->victim));   /* another pending event */
    assert_true(sim_reschedule(s, m->mover, sim_now(s))); /* pulled to now: fires next */
    sim_schedule(s, sim_now(s), on_fire, tag(9)); /* at now too, after the mover */
}

static void test_handler_cancels_and_reschedules_others(void **state)
{
    (void)state;
    sim *s = sim_new();
    meddler m;
    m.self = sim_schedule(s, 10, on_meddle, &m);
    m.victim = sim_schedule(s, 20, on_fire, tag(1));
    m.mover = sim_schedule(s, 30, on_fire, tag(2));
    sim_schedule(s, 10, on_fire, tag(3)); /* same time as the meddler, scheduled after it */
    sim_run_until(s, 100);
    /* At 10: meddler, then tag 3 (scheduled before the handler ran), then mover (tag 2, moved to
     * 10 during the handler), then tag 9. Tag 1 was cancelled. */
    int want[] = {-1, 3, 2, 9};
    assert_int_equal(g_log.n, 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(g_log.tag[i], want[i]);
        assert_int_equal(g_log.at[i], 10);
    }
    sim_free(s);
}

/* --- run_until and stop --- */

static void test_run_until_fires_events_at_end_and_advances_clock(void **state)
{
    (void)state;
    sim *s = sim_new();
    sim_schedule(s, 100, on_fire, tag(0));
    sim_schedule(s, 200, on_fire, tag(1));
    sim_schedule(s, 201, on_fire, tag(2));
    assert_int_equal(sim_run_until(s, 200), 2); /* exactly at the end fires */
    assert_int_equal(sim_now(s), 200);
    assert_int_equal(sim_run_until(s, 200), 0);
    assert_int_equal(sim_run_until(s, 500), 1);
    assert_int_equal(sim_now(s), 500); /* advances to the end even past the last event */
    assert_int_equal(sim_run_until(s, 800), 0);
    assert_int_equal(sim_now(s), 800);
    /* After the clock moved on, scheduling at now works and fires. */
    sim_schedule(s, 800, on_fire, tag(3));
    assert_true(sim_step(s));
    assert_false(sim_step(s));
    assert_int_equal(g_log.n, 4);
    sim_free(s);
}

static void on_stop(sim *s, void *arg)
{
    on_fire(s, arg);
    sim_stop(s);
}

static void test_stop_returns_after_handler(void **state)
{
    (void)state;
    sim *s = sim_new();
    sim_schedule(s, 10, on_fire, tag(0));
    sim_schedule(s, 20, on_stop, tag(1));
    sim_schedule(s, 30, on_fire, tag(2));
    assert_int_equal(sim_run_until(s, 100), 2);
    assert_int_equal(sim_now(s), 20); /* left at the stopping event */
    assert_int_equal(sim_run_until(s, 100), 1); /* resumes */
    assert_int_equal(sim_now(s), 100);
    sim_free(s);
}

/* --- randomized comparison with a reference model --- */

/* The model: an unsorted array of (time, seq, tag); the next event is the one with the smallest
 * (time, seq), found by a linear scan. Obviously right, and slow, which is fine at this size. */
typedef struct ref_event {
    int64_t at;
    uint64_t seq;
    sim_event_id id;
    int tag;
} ref_event;

typedef struct ref_model {
    ref_event *ev;
    size_t n;
    uint64_t seq;
} ref_model;

static size_t ref_min(const ref_model *m)
{
    size_t best = 0;
    for (size_t i = 1; i < m->n; i++)
        if (m->ev[i].at < m->ev[best].at ||
            (m->ev[i].at == m->ev[best].at && m->ev[i].seq < m->ev[best].seq))
            best = i;
    return best;
}

static int g_fired_tag;
static int64_t g_fired_at;

static void on_record(sim *s, void *arg)
{
    g_fired_tag = (int)(intptr_t)arg;
    g_fired_at = sim_now(s);
}

static uint64_t rnd(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Draws a delay: mostly small, sometimes 0 (ties), sometimes far (other calendar "years"). */
static int64_t rnd_delay(uint64_t *x)
{
    uint64_t r = rnd(x);
    switch (r % 8) {
    case 0:
        return 0;
    case 1:
        return (int64_t)(r >> 8) % 5;
    case 2:
        return (int64_t)(r >> 8) % 1000000000;
    default:
        return (int64_t)(r >> 8) % 10000;
    }
}

static void test_random_operations_match_reference_model(void **state)
{
    (void)state;
    sim *s = sim_new();
    ref_model m = {.ev = calloc(200000, sizeof(ref_event))};
    assert_non_null(m.ev);
    uint64_t x = 12345;
    int next_tag = 0;
    /* Phases change the mix so the queue grows to ~2000, shrinks to near 0 and grows again,
     * exercising its resizes and width re-estimation. */
    for (int op = 0; op < 100000; op++) {
        int phase = (op / 10000) % 3; /* 0: grow, 1: steady, 2: drain */
        uint64_t r = rnd(&x) % 100;
        int grow = phase == 0 ? 60 : phase == 1 ? 35 : 15;
        if (r < (uint64_t)grow || m.n == 0) {
            int64_t at = sim_now(s) + rnd_delay(&x);
            int t = next_tag++;
            sim_event_id id = sim_schedule(s, at, on_record, (void *)(intptr_t)t);
            assert_int_not_equal(id, 0);
            m.ev[m.n++] = (ref_event){at, m.seq++, id, t};
        } else if (r < 60 || (phase == 2 && r < 80)) {
            size_t i = ref_min(&m);
            g_fired_tag = -1;
            assert_true(sim_step(s));
            assert_int_equal(g_fired_tag, m.ev[i].tag);
            assert_int_equal(g_fired_at, m.ev[i].at);
            assert_false(sim_cancel(s, m.ev[i].id));
            m.ev[i] = m.ev[--m.n];
        } else if (r < 85) {
            size_t i = rnd(&x) % m.n;
            assert_true(sim_cancel(s, m.ev[i].id));
            assert_false(sim_event_time(s, m.ev[i].id, NULL));
            m.ev[i] = m.ev[--m.n];
        } else {
            size_t i = rnd(&x) % m.n;
            int64_t at = sim_now(s) + rnd_delay(&x);
            assert_true(sim_reschedule(s, m.ev[i].id, at));
            m.ev[i].at = at;
            m.ev[i].seq = m.seq++;
        }
        assert_int_equal(sim_pending(s), m.n);
        if (m.n > 0 && op % 97 == 0) {
            int64_t at;
            assert_true(sim_next_time(s, &at));
            assert_int_equal(at, m.ev[ref_min(&m)].at);
        }
    }
    /* Drain everything and compare the full remaining order. */
    while (m.n > 0) {
        size_t i = ref_min(&m);
        assert_true(sim_step(s));
        assert_int_equal(g_fired_tag, m.ev[i].tag);
        m.ev[i] = m.ev[--m.n];
    }
    assert_false(sim_step(s));
    free(m.ev);
    sim_free(s);
}

/* --- large queues: two tiers, long buckets, stale entries --- */

/* A reference for large runs: a binary heap of (time, seq, tag) entries with lazy deletion; an
 * entry counts only while cur_seq[tag] still equals its seq (a cancel or reschedule changes it).
 * The order it yields is (time, seq), which is the kernel's promise, by construction. */
typedef struct big_ref {
    ref_event *h; /* heap; ref_event.id is unused here */
    size_t n, cap;
    uint64_t *cur_seq; /* per tag; UINT64_MAX when not pending */
    uint64_t seq;
} big_ref;

static bool big_less(const ref_event *a, const ref_event *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void big_push(big_ref *r, int64_t at, int tag)
{
    assert_true(r->n < r->cap);
    ref_event e = {at, r->seq++, 0, tag};
    r->cur_seq[tag] = e.seq;
    size_t i = r->n++;
    while (i > 0 && big_less(&e, &r->h[(i - 1) / 2])) {
        r->h[i] = r->h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    r->h[i] = e;
}

/* Removes and returns the earliest current entry (the heap must hold one). */
static ref_event big_pop(big_ref *r)
{
    for (;;) {
        assert_true(r->n > 0);
        ref_event top = r->h[0], last = r->h[--r->n];
        size_t i = 0;
        for (;;) {
            size_t c = 2 * i + 1;
            if (c >= r->n)
                break;
            if (c + 1 < r->n && big_less(&r->h[c + 1], &r->h[c]))
                c++;
            if (!big_less(&r->h[c], &last))
                break;
            r->h[i] = r->h[c];
            i = c;
        }
        if (r->n > 0)
            r->h[i] = last;
        if (r->cur_seq[top.tag] == top.seq) {
            r->cur_seq[top.tag] = UINT64_MAX;
            return top;
        }
    }
}

/* The earliest current entry without removing it (drops stale ones on top). */
static ref_event big_peek(big_ref *r)
{
    ref_event e = big_pop(r);
    /* Put it back with its old seq: a fresh push would give it a new one. */
    r->cur_seq[e.tag] = e.seq;
    size_t i = r->n++;
    while (i > 0 && big_less(&e, &r->h[(i - 1) / 2])) {
        r->h[i] = r->h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    r->h[i] = e;
    return e;
}

/* Delays for the large run: a hold-like spread, many exact ties (only a few distinct delays), a few
 * far ones (later epochs and later years of both tiers). */
static int64_t big_delay(uint64_t *x)
{
    uint64_t r = rnd(x);
    switch (r % 10) {
    case 0:
        return 0;
    case 1:
        return 1000 * (int64_t)((r >> 8) % 3); /* ties: three distinct delays */
    case 2:
        return (int64_t)((r >> 8) % 50000000000); /* far: up to 50 s */
    default:
        return (int64_t)((r >> 8) % 2000000); /* hold: uniform up to 2 ms */
    }
}

/* Tens of thousands pending (above the 16 k from which the kernel splits into two tiers), shrinking
 * back to a few hundred (one tier again) and growing again, with cancels, reschedules (to the same
 * time as others, to now, far away) and peeks; every event fired is checked against the reference
 * (tag and time), and the pending count after every operation. A queue that lost FIFO order at a
 * tier change, fired a cancelled or superseded entry, or dropped an event when an epoch moved into
 * the calendar fails here. */
static void test_two_tiers_match_reference_model(void **state)
{
    (void)state;
    enum { TAGS = 400000 };
    sim *s = sim_new();
    big_ref r = {.h = calloc(2000000, sizeof(ref_event)),
                 .cap = 2000000,
                 .cur_seq = malloc(TAGS * sizeof(uint64_t))};
    sim_event_id *ids = calloc(TAGS, sizeof *ids);
    int *live = malloc(TAGS * sizeof *live); /* pending tags, unordered */
    int *pos = malloc(TAGS * sizeof *pos);   /* a tag's index in live */
    assert_non_null(r.h);
    assert_non_null(r.cur_seq);
    assert_non_null(ids);
    assert_non_null(live);
    assert_non_null(pos);
    size_t nlive = 0;
    int next_tag = 0;
    uint64_t x = 4242;
    size_t peak = 0;
    for (int op = 0; op < 600000; op++) {
        int phase = op / 100000; /* grow, steady, drain, grow, steady, drain */
        uint64_t q = rnd(&x) % 100;
        int grow = phase % 3 == 0 ? 75 : phase % 3 == 1 ? 40 : 10;
        if ((q < (uint64_t)grow || nlive == 0) && next_tag < TAGS) {
            int t = next_tag++;
            int64_t at = sim_now(s) + big_delay(&x);
            ids[t] = sim_schedule(s, at, on_record, (void *)(intptr_t)t);
            big_push(&r, at, t);
            pos[t] = (int)nlive;
            live[nlive++] = t;
        } else if (q < 80) {
            ref_event e = big_pop(&r);
            g_fired_tag = -1;
            assert_true(sim_step(s));
            assert_int_equal(g_fired_tag, e.tag);
            assert_int_equal(g_fired_at, e.at);
            int last = live[--nlive];
            live[pos[e.tag]] = last;
            pos[last] = pos[e.tag];
        } else if (q < 90) {
            int t = live[rnd(&x) % nlive];
            assert_true(sim_cancel(s, ids[t]));
            assert_false(sim_cancel(s, ids[t]));
            r.cur_seq[t] = UINT64_MAX;
            int last = live[--nlive];
            live[pos[t]] = last;
            pos[last] = pos[t];
        } else {
            int t = live[rnd(&x) % nlive];
            int64_t at = sim_now(s) + big_delay(&x);
            assert_true(sim_reschedule(s, ids[t], at));
            big_push(&r, at, t);
        }
        assert_int_equal(sim_pending(s), nlive);
        peak = nlive > peak ? nlive : peak;
        if (nlive > 0 && op % 1009 == 0) {
            int64_t at;
            assert_true(sim_next_time(s, &at));
            assert_int_equal(at, big_peek(&r).at);
        }
    }
    /* The run went well past the two-tier threshold and back under it. */
    assert_true(peak > 40000);
    while (nlive > 0) {
        ref_event e = big_pop(&r);
        assert_true(sim_step(s));
        assert_int_equal(g_fired_tag, e.tag);
        assert_int_equal(g_fired_at, e.at);
        nlive--;
    }
    assert_false(sim_step(s));
    free(r.h);
    free(r.cur_seq);
    free(ids);
    free(live);
    free(pos);
    sim_free(s);
}

static int g_order_next;
static int g_order_bad;

static void on_order(sim *s, void *arg)
{
    (void)s;
    /* Tags were handed out in scheduling order within each time: each time's tags fire rising. */
    int t = (int)(intptr_t)arg;
    if (t != g_order_next)
        g_order_bad++;
    g_order_next = t + 1;
}

/* 60,000 events at only three distinct times, scheduled interleaved (so each time's bucket grows
 * long, across many blocks, and the queue re-plans its tiers on the way up): each time's events
 * fire in the order they were scheduled. Tags are numbered per time (time k gets k * 20000 + its
 * count), so the expected firing order is 0..19999, 20000..39999, 40000..59999. */
static void test_many_equal_times_fire_in_scheduling_order(void **state)
{
    (void)state;
    sim *s = sim_new();
    int count[3] = {0, 0, 0};
    uint64_t x = 99;
    for (int i = 0; i < 60000; i++) {
        int k = (int)(rnd(&x) % 3);
        if (count[k] == 20000)
            k = count[(k + 1) % 3] < 20000 ? (k + 1) % 3 : (k + 2) % 3;
        int t = k * 20000 + count[k]++;
        sim_schedule(s, 5000 + 7 * k, on_order, (void *)(intptr_t)t);
    }
    assert_int_equal(sim_pending(s), 60000);
    g_order_next = 0;
    g_order_bad = 0;
    assert_int_equal(sim_run_until(s, 10000), 60000);
    assert_int_equal(g_order_bad, 0);
    assert_int_equal(g_order_next, 60000);
    sim_free(s);
}

/* Cancel and reschedule in the middle of one time's run of ten events (one bucket): the others keep
 * their order, the rescheduled one goes to the end of its new time, the cancelled ones never fire,
 * and a stale entry left behind never fires the event that reuses its storage. Expected order: tags
 * 0, 2, 3, 5, 7, 8, 9 at time 100 (1, 4 cancelled; 6 moved), then 6 at 100 after them, then the
 * new event 10 at 150, fired once. */
static void test_cancel_and_reschedule_in_the_middle_of_a_bucket(void **state)
{
    (void)state;
    sim *s = sim_new();
    sim_event_id id[10];
    for (int i = 0; i < 10; i++)
        id[i] = sim_schedule(s, 100, on_fire, tag(i));
    assert_true(sim_cancel(s, id[4]));
    assert_true(sim_cancel(s, id[1]));
    assert_true(sim_reschedule(s, id[6], 300));
    assert_true(sim_reschedule(s, id[6], 100)); /* back to 100: now the newest there */
    sim_schedule(s, 150, on_fire, tag(10));
    assert_int_equal(sim_pending(s), 9);
    assert_int_equal(sim_run_until(s, 1000), 9);
    int want[] = {0, 2, 3, 5, 7, 8, 9, 6, 10};
    assert_int_equal(g_log.n, 9);
    for (int i = 0; i < 9; i++) {
        assert_int_equal(g_log.tag[i], want[i]);
        assert_int_equal(g_log.at[i], i < 8 ? 100 : 150);
    }
    sim_free(s);
}

static int g_timer_fired;

static void on_timer(sim *s, void *arg)
{
    (void)arg;
    (void)s;
    g_timer_fired++;
}

/* A watchdog pushed forward 300,000 times (each push leaves a stale entry behind) while a hold
 * model of 30,000 events runs: the stale entries are dropped as they pile up, the watchdog fires
 * once, at its last time, and the pending count never counts stale entries. */
static void test_rescheduled_timer_fires_once_at_its_last_time(void **state)
{
    (void)state;
    sim *s = sim_new();
    uint64_t x = 5;
    for (int i = 0; i < 30000; i++)
        sim_schedule(s, (int64_t)(rnd(&x) % 2000000), on_record, (void *)(intptr_t)i);
    g_timer_fired = 0;
    sim_event_id w = sim_schedule(s, 10000000, on_timer, NULL);
    for (int i = 0; i < 300000; i++) {
        assert_true(sim_step(s));
        sim_schedule(s, sim_now(s) + (int64_t)(rnd(&x) % 2000000), on_record, NULL);
        assert_true(sim_reschedule(s, w, sim_now(s) + 10000000));
        assert_int_equal(sim_pending(s), 30001);
    }
    int64_t last;
    assert_true(sim_event_time(s, w, &last));
    assert_int_equal(g_timer_fired, 0);
    sim_run_until(s, last);
    assert_int_equal(g_timer_fired, 1);
    assert_false(sim_event_time(s, w, NULL));
    sim_free(s);
}

/* --- determinism --- */

typedef struct det_world {
    uint64_t x;
    uint64_t trace; /* FNV-1a over (time, tag) of every firing */
    int remaining;
    sim_event_id ids[64];
} det_world;

static void on_det(sim *s, void *arg);

typedef struct det_ev {
    det_world *w;
    int tag;
} det_ev;

static det_ev g_det[64];

static void on_det(sim *s, void *arg)
{
    det_ev *e = arg;
    det_world *w = e->w;
    uint64_t v[2] = {(uint64_t)sim_now(s), (uint64_t)e->tag};
    for (int i = 0; i < 2; i++) {
        w->trace ^= v[i];
        w->trace *= UINT64_C(0x100000001b3);
    }
    if (--w->remaining <= 0)
        return;
    w->ids[e->tag] = sim_schedule(s, sim_now(s) + rnd_delay(&w->x) % 1000, on_det, e);
    int other = (int)(rnd(&w->x) % 64);
    if (other != e->tag && rnd(&w->x) % 4 == 0)
        sim_reschedule(s, w->ids[other], sim_now(s) + rnd_delay(&w->x) % 1000);
}

static uint64_t det_run(void)
{
    det_world w = {.x = 777, .trace = UINT64_C(0xcbf29ce484222325), .remaining = 50000};
    sim *s = sim_new();
    for (int i = 0; i < 64; i++) {
        g_det[i] = (det_ev){&w, i};
        w.ids[i] = sim_schedule(s, (int64_t)(rnd(&w.x) % 100), on_det, &g_det[i]);
    }
    sim_run_until(s, INT64_MAX / 2);
    uint64_t t = w.trace ^ sim_fired(s);
    sim_free(s);
    return t;
}

/* Two identical runs fire the same sequence (compared through a hash of every (time, tag)). */
static void test_identical_runs_fire_identical_sequences(void **state)
{
    (void)state;
    uint64_t a = det_run();
    uint64_t b = det_run();
    assert_true(a == b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_events_fire_in_time_order, setup),
        cmocka_unit_test_setup(test_ties_fire_in_scheduling_order, setup),
        cmocka_unit_test_setup(test_reschedule_goes_after_existing_ties, setup),
        cmocka_unit_test_setup(test_reschedule_earlier_and_later, setup),
        cmocka_unit_test_setup(test_cancel, setup),
        cmocka_unit_test_setup(test_handler_schedules_itself, setup),
        cmocka_unit_test_setup(test_handler_cancels_and_reschedules_others, setup),
        cmocka_unit_test_setup(test_run_until_fires_events_at_end_and_advances_clock, setup),
        cmocka_unit_test_setup(test_stop_returns_after_handler, setup),
        cmocka_unit_test_setup(test_random_operations_match_reference_model, setup),
        cmocka_unit_test_setup(test_identical_runs_fire_identical_sequences, setup),
        cmocka_unit_test_setup(test_two_tiers_match_reference_model, setup),
        cmocka_unit_test_setup(test_many_equal_times_fire_in_scheduling_order, setup),
        cmocka_unit_test_setup(test_cancel_and_reschedule_in_the_middle_of_a_bucket, setup),
        cmocka_unit_test_setup(test_rescheduled_timer_fires_once_at_its_last_time, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
