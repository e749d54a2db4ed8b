/* tests/test_disk.c — versioned extents, digest, change log and replica operations of model/disk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

#include "model/disk.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define TiB (UINT64_C(1) << 40)

static model_disk *new_disk(uint64_t size, uint64_t used, uint64_t extent, bool fluid, uint32_t id)
{
    model_disk_config cfg = {size, used, extent, fluid, id};
    drs_error err = {0};
    model_disk *d = model_disk_new(&cfg, 0, &err);
    assert_non_null(d);
    return d;
}

/* A small deterministic generator so the tests need no library RNG. */
static uint64_t lcg(uint64_t *s)
{
    *s = *s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return *s >> 17;
}

/* Digest recomputed from scratch: sum of h(e, version(e)) over every extent of the disk. */
static uint64_t digest_by_hand(const model_disk *d, uint64_t extents)
{
    uint64_t sum = 0;
    for (uint64_t e = 0; e < extents; e++)
        sum += model_disk_digest_term(e, model_disk_version(d, e));
    return sum;
}

static void test_new_rejects_impossible_sizes(void **state)
{
    (void)state;
    drs_error err = {0};
    model_disk_config used_too_big = {GiB, 2 * GiB, 0, false, 1};
    assert_null(model_disk_new(&used_too_big, 0, &err));
    assert_int_equal(err.code, DRS_EINPUT);
    model_disk_config zero = {0, 0, 0, false, 1};
    assert_null(model_disk_new(&zero, 0, &err));
    model_disk_config huge_extent = {4 * GiB, 0, 2 * GiB, false, 1};
    assert_null(model_disk_new(&huge_extent, 0, &err));
}

static void test_geometry_defaults_to_one_mib_extents(void **state)
{
    (void)state;
    /* 10 GiB disk, 3 GiB + 1 byte used: 3072 extents plus one partial = 3073 active extents */
    model_disk *d = new_disk(10 * GiB, 3 * GiB + 1, 0, false, 1);
    assert_int_equal(model_disk_extent_bytes(d), MiB);
    assert_int_equal(model_disk_active_extents(d), 3073);
    assert_int_equal(model_disk_digest(d), 0);
    assert_int_equal(model_disk_written_extents(d), 0);
    model_disk_free(d);
}

static void test_digest_is_sum_of_terms_of_current_versions(void **state)
{
    (void)state;
    /* 256 extents, 2000 writes: enough to rewrite extents many times and to turn the map dense
     * (dense once 64 = 256/4 extents are populated) */
    model_disk *d = new_disk(256 * MiB, 0, MiB, false, 7);
    uint64_t s = 1;
    for (int i = 0; i < 2000; i++)
        model_disk_write(d, lcg(&s) % 256, 1, 1, 4096, 0.5);
    assert_int_equal(model_disk_digest(d), digest_by_hand(d, 256));
    /* every version carries the writer id in its low bits */
    for (uint64_t e = 0; e < 256; e++) {
        uint64_t v = model_disk_version(d, e);
        if (v)
            assert_int_equal(v & ((1u << MODEL_DISK_WRITER_BITS) - 1), 7);
    }
    model_disk_free(d);
}

static void test_digest_independent_of_apply_order(void **state)
{
    (void)state;
    /* the same (extent, version) pairs stamped in two different orders give the same digest: the
     * digest is a sum; one more pair makes them differ */
    drs_extent_version pairs[50], reversed[50];
    for (int i = 0; i < 50; i++) {
        pairs[i] = (drs_extent_version){(uint64_t)i * 37 % 1000, (uint64_t)(i + 1) << 24};
        reversed[49 - i] = pairs[i];
    }
    model_disk *a = new_disk(GiB, 0, MiB, false, 1), *b = new_disk(GiB, 0, MiB, false, 2);
    drs_delta da = {.extents = pairs, .extent_count = 50};
    drs_delta db = {.extents = reversed, .extent_count = 50};
    model_disk_apply(a, &da, NULL);
    model_disk_apply(b, &db, NULL);
    assert_int_equal(model_disk_digest(a), model_disk_digest(b));
    assert_int_not_equal(model_disk_digest(a), 0);
    model_disk_write(b, 3, 1, 1, 512, 0.0);
    assert_int_not_equal(model_disk_digest(a), model_disk_digest(b));
    model_disk_free(a);
    model_disk_free(b);
}

static void test_same_writes_in_same_order_give_same_digest(void **state)
{
    (void)state;
    /* two disks with the same writer id receiving the same writes stamp the same versions */
    model_disk *a = new_disk(GiB, 0, MiB, false, 3), *b = new_disk(GiB, 0, MiB, false, 3);
    for (uint64_t e = 0; e < 100; e++) {
        model_disk_write(a, e * 7 % 1024, 1, 1, 65536, 0.5);
        model_disk_write(b, e * 7 % 1024, 1, 1, 65536, 0.5);
    }
    assert_int_equal(model_disk_digest(a), model_disk_digest(b));
    model_disk_write(a, 5, 1, 1, 65536, 0.5);
    assert_int_not_equal(model_disk_digest(a), model_disk_digest(b));
    model_disk_free(a);
    model_disk_free(b);
}

static void test_log_take_accumulates_and_coalesces(void **state)
{
    (void)state;
    model_disk *d = new_disk(GiB, 512 * MiB, MiB, false, 1);
    /* extent 10: 3 writes of 512 KiB (compressibility 0.2) -> log 1536 KiB, coalesced min(1
     * MiB, 1.5 MiB) extent 4: 1 write of 64 KiB (0.8) -> coalesced 64 KiB extents 20..23: one 2 MiB
     * write spanning four extents (0.5) -> 512 KiB each, coalesced 2 MiB */
    for (int i = 0; i < 3; i++)
        model_disk_write(d, 10, 1, 1, 512 * 1024, 0.2);
    model_disk_write(d, 4, 1, 1, 64 * 1024, 0.8);
    model_disk_write(d, 20, 4, 1, 2 * MiB, 0.5);
    assert_int_equal(model_disk_log_bytes(d), 1536 * 1024 + 64 * 1024 + 2 * MiB);
    assert_int_equal(model_disk_log_extent_bytes(d, 10), MiB);
    assert_int_equal(model_disk_log_extent_bytes(d, 21), 512 * 1024);
    drs_delta out;
    model_disk_log_take(d, 300, &out);
    assert_int_equal(out.opened_ns, 0);
    assert_int_equal(out.captured_ns, 300);
    assert_int_equal(out.writes, 5);
    assert_int_equal(out.log_bytes, 1536 * 1024 + 64 * 1024 + 2 * MiB);
    assert_int_equal(out.coalesced_bytes, MiB + 64 * 1024 + 2 * MiB);
    /* byte-weighted: (1536 KiB * 0.2 + 64 KiB * 0.8 + 2048 KiB * 0.5) / 3648 KiB */
    double comp = (1536.0 * 0.2 + 64.0 * 0.8 + 2048.0 * 0.5) / 3648.0;
    assert_true(out.compressibility > comp - 1e-12 && out.compressibility < comp + 1e-12);
    uint64_t want[] = {4, 10, 20, 21, 22, 23};
    assert_int_equal(out.extent_count, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(out.extents[i].extent, want[i]);
        assert_int_equal(out.extents[i].version, model_disk_version(d, want[i]));
    }
    assert_int_equal(out.digest, model_disk_digest(d));
    drs_delta_free(&out);
    /* the next log opened at 300 and is empty */
    assert_int_equal(model_disk_log_bytes(d), 0);
    model_disk_log_take(d, 600, &out);
    assert_int_equal(out.opened_ns, 300);
    assert_int_equal(out.extent_count, 0);
    assert_null(out.extents);
    assert_int_equal(out.log_bytes, 0);
    assert_int_equal(out.coalesced_bytes, 0);
    model_disk_free(d);
}

static void test_replica_applying_every_delta_tracks_primary(void **state)
{
    (void)state;
    /* 2048 active extents, 40 cycles of 300 random writes: the map turns dense along the way (at
     * 512 populated extents); after every apply the replica digest equals the digest the delta
     * carries */
    model_disk *p = new_disk(4 * GiB, 2 * GiB, MiB, false, 1);
    model_disk *r = new_disk(4 * GiB, 2 * GiB, MiB, false, 2);
    uint64_t s = 42;
    for (int cycle = 0; cycle < 40; cycle++) {
        for (int i = 0; i < 300; i++)
            model_disk_write(p, lcg(&s) % 2048, 1, 1, 65536, 0.5);
        drs_delta dl;
        model_disk_log_take(p, (cycle + 1) * 300, &dl);
        model_disk_apply(r, &dl, NULL);
        assert_int_equal(model_disk_digest(r), dl.digest);
        assert_int_equal(model_disk_digest(r), model_disk_digest(p));
        drs_delta_free(&dl);
    }
    assert_int_equal(model_disk_written_extents(r), model_disk_written_extents(p));
    model_disk_free(p);
    model_disk_free(r);
}

static void test_revert_restores_older_point(void **state)
{
    (void)state;
    model_disk *p = new_disk(GiB, 0, MiB, false, 1);
    model_disk *r = new_disk(GiB, 0, MiB, false, 2);
    model_disk_undo undo[3];
    uint64_t point_digest[3];
    uint64_t s = 9;
    for (int c = 0; c < 3; c++) {
        for (int i = 0; i < 200; i++)
            model_disk_write(p, lcg(&s) % 1024, 1, 1, 4096, 0.5);
        drs_delta dl;
        model_disk_log_take(p, c + 1, &dl);
        point_digest[c] = dl.digest;
        model_disk_apply(r, &dl, &undo[c]);
        drs_delta_free(&dl);
    }
    assert_int_equal(model_disk_digest(r), point_digest[2]);
    /* back to the first point: revert the two newest applies, newest first */
    model_disk_revert(r, &undo[2]);
    assert_int_equal(model_disk_digest(r), point_digest[1]);
    model_disk_revert(r, &undo[1]);
    assert_int_equal(model_disk_digest(r), point_digest[0]);
    assert_int_not_equal(point_digest[0], point_digest[2]);
    /* and all the way back to the empty disk */
    model_disk_revert(r, &undo[0]);
    assert_int_equal(model_disk_digest(r), 0);
    assert_int_equal(model_disk_written_extents(r), 0);
    for (int c = 0; c < 3; c++)
        model_disk_undo_free(&undo[c]);
    model_disk_free(p);
    model_disk_free(r);
}

static void test_diff_lists_exactly_the_differing_extents(void **state)
{
    (void)state;
    /* 100 MiB used of 1 GiB; common content on extents 0..49; then the primary rewrites 5, 17 and
     * writes 60; the replica alone writes 70 (must be removed: version 0) and extent 900 beyond the
     * used part. Differing: 5, 17, 60, 70, 900 -> 5 extents = 5 MiB. */
    model_disk *p = new_disk(GiB, 100 * MiB, MiB, false, 1);
    model_disk *r = new_disk(GiB, 100 * MiB, MiB, false, 2);
    for (uint64_t e = 0; e < 50; e++)
        model_disk_write(p, e, 1, 1, MiB, 0.5);
    model_disk_copy_from(r, p);
    assert_int_equal(model_disk_digest(r), model_disk_digest(p));
    model_disk_write(p, 5, 1, 1, 4096, 0.5);
    model_disk_write(p, 17, 1, 1, 4096, 0.5);
    model_disk_write(p, 60, 1, 1, 4096, 0.5);
    model_disk_write(r, 70, 1, 1, 4096, 0.5);
    drs_extent_version far = {900, 77};
    drs_delta stray = {.extents = &far, .extent_count = 1};
    model_disk_apply(r, &stray, NULL);
    drs_delta diff;
    model_disk_diff(p, r, 1000, &diff);
    uint64_t want[] = {5, 17, 60, 70, 900};
    assert_int_equal(diff.extent_count, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(diff.extents[i].extent, want[i]);
        assert_int_equal(diff.extents[i].version, model_disk_version(p, want[i]));
    }
    assert_int_equal(diff.extents[3].version, 0);
    assert_int_equal(diff.log_bytes, 5 * MiB);
    assert_int_equal(diff.coalesced_bytes, 5 * MiB);
    assert_int_equal(diff.digest, model_disk_digest(p));
    model_disk_apply(r, &diff, NULL);
    assert_int_equal(model_disk_digest(r), model_disk_digest(p));
    drs_delta_free(&diff);
    model_disk_diff(p, r, 1000, &diff);
    assert_int_equal(diff.extent_count, 0);
    assert_int_equal(diff.log_bytes, 0);
    drs_delta_free(&diff);
    model_disk_free(p);
    model_disk_free(r);
}

static void test_diff_bytes_bounded_by_used(void **state)
{
    (void)state;
    /* 2.5 MiB used: 3 active extents; all three differ -> 3 MiB, bounded by the 2.5 MiB used */
    model_disk *p = new_disk(GiB, 5 * MiB / 2, MiB, false, 1);
    model_disk *r = new_disk(GiB, 5 * MiB / 2, MiB, false, 2);
    for (uint64_t e = 0; e < 3; e++)
        model_disk_write(p, e, 1, 1, 4096, 0.5);
    drs_delta diff;
    model_disk_diff(p, r, 0, &diff);
    assert_int_equal(diff.extent_count, 3);
    assert_int_equal(diff.log_bytes, 5 * MiB / 2);
    drs_delta_free(&diff);
    model_disk_free(p);
    model_disk_free(r);
}

static void test_copy_from_dense_primary_then_keep_applying(void **state)
{
    (void)state;
    /* the primary is dense (all 64 active extents written), the replica takes a base copy, then
     * follows with deltas */
    model_disk *p = new_disk(GiB, 64 * MiB, MiB, false, 1);
    model_disk *r = new_disk(GiB, 64 * MiB, MiB, false, 2);
    for (uint64_t e = 0; e < 64; e++)
        model_disk_write(p, e, 1, 1, 4096, 0.5);
    model_disk_copy_from(r, p);
    model_disk_log_discard(p, 10);
    assert_int_equal(model_disk_digest(r), model_disk_digest(p));
    model_disk_write(p, 3, 1, 1, 4096, 0.5);
    drs_delta dl;
    model_disk_log_take(p, 20, &dl);
    assert_int_equal(dl.opened_ns, 10);
    assert_int_equal(dl.extent_count, 1);
    model_disk_apply(r, &dl, NULL);
    assert_int_equal(model_disk_digest(r), model_disk_digest(p));
    drs_delta_free(&dl);
    model_disk_clear(r, 30);
    assert_int_equal(model_disk_digest(r), 0);
    assert_int_equal(model_disk_written_extents(r), 0);
    model_disk_free(p);
    model_disk_free(r);
}

static void test_idle_two_tib_disk_keeps_a_small_map(void **state)
{
    (void)state;
    /* 2 TiB = 2,097,152 extents; a dense array would take 16 MiB. 100 writes must stay in a hash of
     * at most 256 slots x 16 bytes (load <= 1/2) plus a small log: well under 64 KiB */
    model_disk *d = new_disk(2 * TiB, 2 * TiB, MiB, false, 1);
    assert_true(model_disk_memory_bytes(d) < 1024);
    uint64_t s = 5;
    for (int i = 0; i < 100; i++)
        model_disk_write(d, lcg(&s) % (2 * 1024 * 1024), 1, 1, 4096, 0.5);
    assert_true(model_disk_written_extents(d) <= 100);
    assert_true(model_disk_memory_bytes(d) < 64 * 1024);
    drs_delta dl;
    model_disk_log_take(d, 1, &dl);
    drs_delta_free(&dl);
    assert_true(model_disk_memory_bytes(d) < 64 * 1024);
    model_disk_free(d);
}

static void test_map_matches_reference_under_inserts_and_removals(void **state)
{
    (void)state;
    /* random apply of versions, including 0 (= remove), on 3000 extents of a sparse disk (used 1
     * TiB, so the map stays a hash), checked against a plain array after each step */
    enum { N = 3000 };
    static uint64_t ref[N];
    memset(ref, 0, sizeof ref);
    model_disk *d = new_disk(TiB, TiB, MiB, false, 1);
    uint64_t s = 77;
    for (int i = 0; i < 20000; i++) {
        drs_extent_version ev = {lcg(&s) % N, (lcg(&s) % 3 == 0) ? 0 : lcg(&s) + 1};
        drs_delta dl = {.extents = &ev, .extent_count = 1};
        model_disk_apply(d, &dl, NULL);
        ref[ev.extent] = ev.version;
        if (i % 1000 == 999) {
            uint64_t count = 0, sum = 0;
            for (uint64_t e = 0; e < N; e++) {
                assert_int_equal(model_disk_version(d, e), ref[e]);
                count += ref[e] != 0;
                sum += model_disk_digest_term(e, ref[e]);
            }
            assert_int_equal(model_disk_written_extents(d), count);
            assert_int_equal(model_disk_digest(d), sum);
        }
    }
    model_disk_free(d);
}

static void test_fluid_keeps_counters_only(void **state)
{
    (void)state;
    model_disk *d = new_disk(GiB, GiB, MiB, true, 1);
    model_disk_write(d, 3, 1, 2, 3 * MiB, 0.4); /* 3 MiB on one extent: coalesced capped at 1 MiB */
    model_disk_write_spread(d, 0, 1024, 10, 10 * 4096, 0.4);
    assert_int_equal(model_disk_digest(d), 0);
    assert_int_equal(model_disk_version(d, 3), 0);
    assert_int_equal(model_disk_log_bytes(d), 3 * MiB + 40960);
    drs_delta dl;
    model_disk_log_take(d, 5, &dl);
    assert_int_equal(dl.writes, 12);
    assert_null(dl.extents);
    assert_int_equal(dl.digest, 0);
    /* 10 writes of 4 KiB on 1024 extents: collisions are rare, coalesced is close to 40960
     * (expected 10 * 4096 exactly, since two 4 KiB writes on one extent still fit in it) */
    assert_true(dl.coalesced_bytes >= MiB + 40960 - 64 && dl.coalesced_bytes <= MiB + 40960);
    drs_delta_free(&dl);
    model_disk_free(d);
}

static void test_fluid_coalesced_estimate_saturates(void **state)
{
    (void)state;
    /* 100,000 writes of 64 KiB on 16 extents of 1 MiB: 6,250 writes per extent, every extent is
     * full: coalesced = 16 MiB */
    model_disk *d = new_disk(GiB, 16 * MiB, MiB, true, 1);
    model_disk_write_spread(d, 0, 16, 100000, 100000 * UINT64_C(65536), 0.5);
    drs_delta dl;
    model_disk_log_take(d, 5, &dl);
    assert_true(dl.coalesced_bytes > 16 * MiB - 1024 && dl.coalesced_bytes <= 16 * MiB);
    drs_delta_free(&dl);
    model_disk_free(d);
}

/* Both deltas equal: counts, bytes, digest, extents and versions. */
static void assert_same_delta(const drs_delta *a, const drs_delta *b)
{
    assert_int_equal(a->writes, b->writes);
    assert_int_equal(a->log_bytes, b->log_bytes);
    assert_int_equal(a->coalesced_bytes, b->coalesced_bytes);
    assert_int_equal(a->digest, b->digest);
    assert_true(fabs(a->compressibility - b->compressibility) < 1e-12);
    assert_int_equal(a->extent_count, b->extent_count);
    if (a->extent_count)
        assert_memory_equal(a->extents, b->extents, a->extent_count * sizeof *a->extents);
}

/* One batch call must do exactly what one model_disk_write per place does: same versions (so the
 * same digest), same log bytes per extent, same coalesced bytes. Checked while the map is a hash,
 * across its turn to an array, and once it is an array; with one extent per place and with three.
 */
static void test_batch_equals_one_write_per_place(void **state)
{
    (void)state;
    for (uint64_t span = 1; span <= 3; span += 2) {
        /* 4,096 extents of 64 KiB: 200 places per batch turn the map dense after a few batches */
        model_disk *a = new_disk(GiB, 256 * MiB, 64 * 1024, false, 5);
        model_disk *b = new_disk(GiB, 256 * MiB, 64 * 1024, false, 5);
        uint64_t seed = 99 + span, places[200];
        uint32_t writes[200];
        for (int batch = 0; batch < 40; batch++) {
            size_t n = 0;
            uint64_t e = lcg(&seed) % 20;
            while (n < 200 && e + span <= 4096) {
                places[n] = e;
                writes[n] = (uint32_t)(1 + lcg(&seed) % 30);
                n++;
                e += span + lcg(&seed) % 30;
            }
            uint64_t wb = 4096 + 512 * (uint64_t)(batch % 5); /* some extents saturate */
            model_disk_write_batch(a, places, writes, n, span, wb, 0.25);
            for (size_t i = 0; i < n; i++)
                model_disk_write(b, places[i], span, writes[i], writes[i] * wb, 0.25);
            assert_int_equal(model_disk_digest(a), model_disk_digest(b));
            for (uint64_t x = 0; x < 4096; x += 7)
                assert_int_equal(model_disk_log_extent_bytes(a, x),
                                 model_disk_log_extent_bytes(b, x));
            if (batch % 3 == 2) {
                drs_delta da, db;
                model_disk_log_take(a, batch, &da);
                model_disk_log_take(b, batch, &db);
                assert_true(da.extent_count > 0);
                assert_same_delta(&da, &db);
                drs_delta_free(&da);
                drs_delta_free(&db);
            }
        }
        for (uint64_t x = 0; x < 4096; x++)
            assert_int_equal(model_disk_version(a, x), model_disk_version(b, x));
        assert_int_equal(model_disk_written_extents(a), model_disk_written_extents(b));
        assert_int_equal(model_disk_digest(a), digest_by_hand(a, 4096));
        /* the array form was reached (dense costs 12 bytes per active extent) */
        assert_true(model_disk_memory_bytes(a) >= 4096 * 12);
        model_disk_free(a);
        model_disk_free(b);
    }
}

/* The same stamps in the same order on a disk whose map stays a hash (a huge active part) and on
 * one whose map turns into an array (a small one) give the same versions and digest; a replica of
 * each layout applying the other's deltas ends with that digest too. */
static void test_digest_same_across_map_layouts(void **state)
{
    (void)state;
    model_disk *sparse = new_disk(2 * TiB, 0, MiB, false, 9);  /* 2 M extents: stays a hash */
    model_disk *dense = new_disk(2 * TiB, GiB, MiB, false, 9); /* 1,024 active: turns dense */
    model_disk *rep_sparse = new_disk(2 * TiB, 0, MiB, false, 10);
    model_disk *rep_dense = new_disk(2 * TiB, GiB, MiB, false, 11);
    uint64_t seed = 4;
    for (int batch = 0; batch < 30; batch++) {
        uint64_t places[64];
        uint32_t writes[64];
        uint64_t e = lcg(&seed) % 8;
        size_t n = 0;
        for (; n < 64 && e < 1024; n++, e += 1 + lcg(&seed) % 24) {
            places[n] = e;
            writes[n] = 1;
        }
        model_disk_write_batch(sparse, places, writes, n, 1, 8192, 0.5);
        model_disk_write_batch(dense, places, writes, n, 1, 8192, 0.5);
        drs_delta ds, dd;
        model_disk_log_take(sparse, batch, &ds);
        model_disk_log_take(dense, batch, &dd);
        assert_same_delta(&ds, &dd);
        model_disk_apply(rep_dense, &ds, NULL); /* a hash's delta onto an array, and back */
        model_disk_apply(rep_sparse, &dd, NULL);
        drs_delta_free(&ds);
        drs_delta_free(&dd);
    }
    assert_true(model_disk_memory_bytes(dense) >= 1024 * 12); /* it did turn dense */
    assert_true(model_disk_memory_bytes(sparse) < 64 * 1024); /* and the other did not */
    assert_int_equal(model_disk_digest(sparse), model_disk_digest(dense));
    assert_int_equal(model_disk_digest(rep_sparse), model_disk_digest(dense));
    assert_int_equal(model_disk_digest(rep_dense), model_disk_digest(dense));
    assert_int_equal(model_disk_digest(dense), digest_by_hand(dense, 1024));
    for (uint64_t x = 0; x < 1024; x++)
        assert_int_equal(model_disk_version(sparse, x), model_disk_version(dense, x));
    /* one more stamp on one side only: the digests part */
    uint64_t e = 3;
    uint32_t one = 1;
    model_disk_write_batch(dense, &e, &one, 1, 1, 4096, 0.5);
    assert_int_not_equal(model_disk_digest(sparse), model_disk_digest(dense));
    model_disk_free(sparse);
    model_disk_free(dense);
    model_disk_free(rep_sparse);
    model_disk_free(rep_dense);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The radix sort picks its digit width from the array length and the largest key: check it against
 * qsort across lengths (insertion-sort sizes included) and key widths, duplicates included. */
static void test_extents_sort_matches_qsort(void **state)
{
    (void)state;
    const size_t lens[] = {0, 1, 2, 23, 24, 25, 47, 48, 100, 1000, 5000};
    const unsigned widths[] = {1, 6, 11, 12, 17, 22, 23, 33, 64};
    uint64_t seed = 12345;
    uint64_t *a = malloc(5000 * sizeof *a), *ref = malloc(5000 * sizeof *ref),
             *tmp = malloc(5000 * sizeof *tmp);
    assert_non_null(a);
    assert_non_null(ref);
    assert_non_null(tmp);
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
        for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++) {
            size_t n = lens[li];
            unsigned bits = widths[wi];
            for (size_t i = 0; i < n; i++) {
                uint64_t x = lcg(&seed) << 40 ^ lcg(&seed) << 20 ^ lcg(&seed);
                a[i] = ref[i] = bits == 64 ? x : x & ((UINT64_C(1) << bits) - 1);
            }
            if (n)
                qsort(ref, n, sizeof *ref, cmp_u64);
            model_extents_sort(a, n, tmp);
            if (n)
                assert_memory_equal(a, ref, n * sizeof *a);
        }
    }
    free(a);
    free(ref);
    free(tmp);
}

/* The fluid estimate E[min(c, m)] with c ~ Binomial(hits, 1/n), computed here straight from its
 * definition with GSL's binomial tail, must match the disk's recurrence to 1e-9 (relative), from
 * sparse logs (most extents hit once) to saturated ones, with a fractional m, and for writes larger
 * than an extent. */
static void test_fluid_coalesced_matches_binomial_tails(void **state)
{
    (void)state;
    struct {
        uint64_t extents, writes, write_bytes;
    } cases[] = {
        {100000, 2000, 8192}, /* sparse: c mostly 0 or 1 */
        {2048, 8000, 8192},   /* ~4 writes per extent, m = 128 */
        {64, 100000, 65536},  /* saturated far beyond m = 16: the Chernoff shortcut */
        {500, 9000, 65536},   /* 18 per extent around m = 16 */
        {1000, 3000, 300000}, /* m = 3.49: the fractional step */
        {300, 700, 3 * MiB},  /* a write covers 3 extents */
        {1, 10, 65536},       /* a single extent */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        uint64_t n = cases[i].extents, w = cases[i].writes, s = cases[i].write_bytes;
        model_disk *d = new_disk(TiB, TiB, MiB, true, 1);
        model_disk_write_spread(d, 0, n, w, w * s, 0.5);
        drs_delta dl;
        model_disk_log_take(d, 1, &dl);
        double hits = (double)w, sz = (double)s;
        if (sz > (double)MiB) {
            double k = ceil(sz / (double)MiB);
            sz /= k;
            hits *= k;
        }
        double m = (double)MiB / sz, sum = 0;
        for (unsigned j = 1; j <= (unsigned)floor(m) + 1; j++) {
            double tail = gsl_cdf_binomial_Q(j - 1, 1.0 / (double)n, (unsigned)hits);
            sum += j <= floor(m) ? tail : tail * (m - floor(m));
        }
        double want = (double)n * sz * sum;
        if (want > (double)(w * s))
            want = (double)(w * s);
        assert_true(fabs((double)dl.coalesced_bytes - want) <= 1e-9 * want + 1.0);
        drs_delta_free(&dl);
        model_disk_free(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_rejects_impossible_sizes),
        cmocka_unit_test(test_geometry_defaults_to_one_mib_extents),
        cmocka_unit_test(test_digest_is_sum_of_terms_of_current_versions),
        cmocka_unit_test(test_digest_independent_of_apply_order),
        cmocka_unit_test(test_same_writes_in_same_order_give_same_digest),
        cmocka_unit_test(test_log_take_accumulates_and_coalesces),
        cmocka_unit_test(test_replica_applying_every_delta_tracks_primary),
        cmocka_unit_test(test_revert_restores_older_point),
        cmocka_unit_test(test_diff_lists_exactly_the_differing_extents),
        cmocka_unit_test(test_diff_bytes_bounded_by_used),
        cmocka_unit_test(test_copy_from_dense_primary_then_keep_applying),
        cmocka_unit_test(test_idle_two_tib_disk_keeps_a_small_map),
        cmocka_unit_test(test_map_matches_reference_under_inserts_and_removals),
        cmocka_unit_test(test_fluid_keeps_counters_only),
        cmocka_unit_test(test_fluid_coalesced_estimate_saturates),
        cmocka_unit_test(test_batch_equals_one_write_per_place),
        cmocka_unit_test(test_digest_same_across_map_layouts),
        cmocka_unit_test(test_extents_sort_matches_qsort),
        cmocka_unit_test(test_fluid_coalesced_matches_binomial_tails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
