/* tests/test_disk.c — versioned extents, digest, change log and replica operations of model/disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

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
    /* extent 10: 3 writes of 512 KiB (compressibility 0.2) -> log 1536 KiB, coalesced min(1 MiB, 1.5 MiB)
     * extent 4: 1 write of 64 KiB (0.8) -> coalesced 64 KiB
     * extents 20..23: one 2 MiB write spanning four extents (0.5) -> 512 KiB each, coalesced 2 MiB */
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
    /* 2048 active extents, 40 cycles of 300 random writes: the map turns dense along the way (at 512
     * populated extents); after every apply the replica digest equals the digest the delta carries */
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
    /* random apply of versions, including 0 (= remove), on 3000 extents of a sparse disk (used 1 TiB,
     * so the map stays a hash), checked against a plain array after each step */
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
    /* 100,000 writes of 64 KiB on 16 extents of 1 MiB: 6,250 writes per extent, every extent is full:
     * coalesced = 16 MiB */
    model_disk *d = new_disk(GiB, 16 * MiB, MiB, true, 1);
    model_disk_write_spread(d, 0, 16, 100000, 100000 * UINT64_C(65536), 0.5);
    drs_delta dl;
    model_disk_log_take(d, 5, &dl);
    assert_true(dl.coalesced_bytes > 16 * MiB - 1024 && dl.coalesced_bytes <= 16 * MiB);
    drs_delta_free(&dl);
    model_disk_free(d);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
