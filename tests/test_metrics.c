/* tests/test_metrics.c — exact RPO statistics and link utilization against hand calculations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/reports.h"

#define S INT64_C(1000000000)

/* Within a nanosecond: the quantiles end in one floating-point division. */
static void assert_ns(double got, double want)
{
    if (fabs(got - want) > 1.0)
        fail_msg("got %.3f ns, want %.3f ns", got, want);
}

/* A sawtooth: the point captured at k*I is applied at k*I + a, for k = 0..teeth (the last one closes
 * the last tooth). RPO runs from a to a + I on every tooth. */
static size_t sawtooth(report_rpo_point *p, int teeth, int64_t a, int64_t interval)
{
    for (int k = 0; k <= teeth; k++)
        p[k] = (report_rpo_point){k * interval + a, k * interval};
    return (size_t)teeth + 1;
}

static void test_sawtooth_has_closed_form_statistics(void **state)
{
    (void)state;
    report_rpo_point p[11];
    const int64_t a = 60 * S, I = 300 * S;
    size_t n = sawtooth(p, 10, a, I);
    report_rpo_stats st;
    /* Window [0, 10 I + a]: RPO undefined before a, then ten whole teeth. */
    report_rpo_compute(p, n, 0, 10 * I + a, a + 4 * I / 5, &st);
    assert_true(st.defined);
    assert_int_equal(st.covered_ns, 10 * I);
    /* Uniform over [a, a + I]: mean and median a + I/2 = 210 s, p95 a + 0.95 I = 345 s,
     * p99 a + 0.99 I = 357 s, max a + I = 360 s. */
    assert_ns(st.mean_ns, 210.0 * S);
    assert_ns(st.p50_ns, 210.0 * S);
    assert_ns(st.p95_ns, 345.0 * S);
    assert_ns(st.p99_ns, 357.0 * S);
    assert_int_equal(st.max_ns, 360 * S);
    /* Above a + 0.8 I: the top fifth of every tooth, 10 * 60 s. */
    assert_int_equal(st.above_ns, 600 * S);
}

static void test_outage_tooth_weighs_by_its_duration(void **state)
{
    (void)state;
    /* Nine teeth of I = 300 s, then a 3600 s tooth (an outage), every one starting at a = 60 s.
     * Pieces: nine over [60, 360] s and one over [60, 3660] s; T = 2700 + 3600 = 6300 s. */
    const int64_t a = 60 * S, I = 300 * S, G = 3600 * S;
    report_rpo_point p[11];
    for (int k = 0; k <= 9; k++)
        p[k] = (report_rpo_point){k * I + a, k * I};
    p[10] = (report_rpo_point){9 * I + G + a, 9 * I + G};
    int64_t end = p[10].at_ns;
    report_rpo_stats st;
    report_rpo_compute(p, 11, 0, end, 600 * S, &st);
    assert_int_equal(st.covered_ns, 6300 * S);
    /* mean = (2700 * 210 + 3600 * 1860) / 6300 = 7263000 / 6300 s */
    assert_ns(st.mean_ns, 7263000.0 / 6300.0 * 1e9);
    /* Up to 360 s all ten pieces count: 3000 s of time. p50 needs 3150 s: 150 s more of the long
     * piece alone, r = 510 s. p95 needs 5985 s: r = 360 + 2985 = 3345 s. p99: 360 + 3237 = 3597 s. */
    assert_ns(st.p50_ns, 510.0 * S);
    assert_ns(st.p95_ns, 3345.0 * S);
    assert_ns(st.p99_ns, 3597.0 * S);
    assert_int_equal(st.max_ns, 3660 * S);
    /* Above 600 s: only the long piece, from 600 to 3660 s. */
    assert_int_equal(st.above_ns, 3060 * S);
}

static void test_undefined_gap_is_left_out(void **state)
{
    (void)state;
    /* Two teeth, then protection stops for 1000 s (undefined), then three more teeth (the points
     * captured at 2I, 3I, 4I + 1000 s, each held for I); a = 60, I = 300. Only the five teeth count:
     * same statistics as a plain sawtooth. */
    const int64_t a = 60 * S, I = 300 * S;
    report_rpo_point p[7] = {
        {a, 0}, {I + a, I}, {2 * I + a, -1}, /* undefined from 2I + a */
        {2 * I + a + 1000 * S, 2 * I + 1000 * S}, {3 * I + a + 1000 * S, 3 * I + 1000 * S},
        {4 * I + a + 1000 * S, 4 * I + 1000 * S}, {5 * I + a + 1000 * S, -1}};
    report_rpo_stats st;
    report_rpo_compute(p, 7, 0, 10000 * S, 0, &st);
    assert_int_equal(st.covered_ns, 5 * I);
    assert_ns(st.mean_ns, 210.0 * S);
    assert_ns(st.p95_ns, 345.0 * S);
    assert_int_equal(st.max_ns, 360 * S);
    assert_int_equal(report_rpo_at(p, 7, 2 * I + a + 10 * S), -1);
    assert_int_equal(report_rpo_at(p, 7, 2 * I + a + 1000 * S + 7 * S), a + 7 * S);
}

static void test_gap_statistics_by_hand(void **state)
{
    (void)state;
    /* Breakpoints (s): at 100 the point captured at 0, at 200 the one captured at 150, at 300 the
     * VM stops being protected (captured -1), at 500 the point captured at 480; end at 600.
     * Defined pieces (RPO values over their time): [100,200) 100..200, [200,300) 50..150,
     * [500,600) 20..120, 100 s each: covered 300 s; the gap [300,500) is left out.
     * max = 200 s. mean = (150 + 100 + 70) * 100 / 300 = 106.667 s.
     * Time with RPO <= r, M(r) = sum of clamp(r - a, 0, 100) over a = 100, 50, 20:
     * M(100) = 0 + 50 + 80 = 130; three pieces hold 100..120, so p50 (M = 150) = 100 + 20/3 s.
     * M(120) = 190, M(150) = 250 (slope 2), then slope 1: p95 (M = 285) = 150 + 35 = 185 s,
     * p99 (M = 297) = 197 s. Above 140 s: 60 + 10 + 0 = 70 s.
     * A line drawn across the gap (RPO 150..350 from the point captured at 150) would give a max
     * of 350 s and a covered time of 500 s. */
    report_rpo_point p[4] = {{100 * S, 0}, {200 * S, 150 * S}, {300 * S, -1}, {500 * S, 480 * S}};
    report_rpo_stats st;
    report_rpo_compute(p, 4, 0, 600 * S, 140 * S, &st);
    assert_true(st.defined);
    assert_int_equal(st.covered_ns, 300 * S);
    assert_int_equal(st.max_ns, 200 * S);
    assert_ns(st.mean_ns, 32000.0 / 300.0 * 1e9);
    assert_ns(st.p50_ns, (100.0 + 20.0 / 3.0) * 1e9);
    assert_ns(st.p95_ns, 185.0 * S);
    assert_ns(st.p99_ns, 197.0 * S);
    assert_int_equal(st.above_ns, 70 * S);
    assert_int_equal(report_rpo_at(p, 4, 400 * S), -1);
    assert_int_equal(report_rpo_at(p, 4, 550 * S), 70 * S);
    /* The window [150, 550): pieces [150,200) 150..200, [200,300) 50..150, [500,550) 20..70:
     * covered 200 s, max 200 s, mean = (175 * 50 + 100 * 100 + 45 * 50) / 200 = 105 s. */
    report_rpo_compute(p, 4, 150 * S, 550 * S, 0, &st);
    assert_int_equal(st.covered_ns, 200 * S);
    assert_int_equal(st.max_ns, 200 * S);
    assert_ns(st.mean_ns, 105.0 * S);
    /* A window inside the gap has no statistics at all. */
    report_rpo_compute(p, 4, 320 * S, 480 * S, 0, &st);
    assert_false(st.defined);
}

static void test_after_window_starts_mid_tooth(void **state)
{
    (void)state;
    /* Sawtooth a = 60 s, I = 300 s, ten teeth; after = the middle of tooth 5 (5 I + a + I/2).
     * The window holds half a tooth over [210, 360] s (150 s) and four whole teeth: T = 1350 s.
     * mean = (150 * 285 + 1200 * 210) / 1350 s. Mass below 210 s is 4 * 150 = 600 s, five pieces
     * above: p50 = 210 + (675 - 600) / 5 = 225 s, p95 = 210 + (1282.5 - 600) / 5 = 346.5 s. */
    const int64_t a = 60 * S, I = 300 * S;
    report_rpo_point p[11];
    size_t n = sawtooth(p, 10, a, I);
    report_rpo_stats st;
    report_rpo_compute(p, n, 5 * I + a + I / 2, 10 * I + a, 0, &st);
    assert_int_equal(st.covered_ns, 1350 * S);
    assert_ns(st.mean_ns, (150.0 * 285 + 1200.0 * 210) / 1350.0 * 1e9);
    assert_ns(st.p50_ns, 225.0 * S);
    assert_ns(st.p95_ns, 346.5 * S);
    assert_int_equal(st.max_ns, 360 * S);
}

static void test_quantile_ends_and_rpo_at(void **state)
{
    (void)state;
    const int64_t a = 60 * S, I = 300 * S;
    report_rpo_point p[11];
    size_t n = sawtooth(p, 10, a, I);
    /* q = 0 is the smallest value (a), q = 1 the largest (a + I). */
    assert_ns(report_rpo_quantile(p, n, 0, 10 * I + a, 0.0), 60.0 * S);
    assert_ns(report_rpo_quantile(p, n, 0, 10 * I + a, 1.0), 360.0 * S);
    assert_ns(report_rpo_quantile(p, n, 0, 10 * I + a, 0.25), 135.0 * S);
    /* Before the first applied point: undefined; then t - capture. */
    assert_int_equal(report_rpo_at(p, n, a - 1), -1);
    assert_int_equal(report_rpo_at(p, n, a), a);
    assert_int_equal(report_rpo_at(p, n, 3 * I + a + 17 * S), a + 17 * S);
    /* A window before the first point has no statistics. */
    report_rpo_stats st;
    report_rpo_compute(p, n, 0, a, 0, &st);
    assert_false(st.defined);
    assert_true(report_rpo_quantile(p, n, 0, a, 0.5) < 0);
}

/* The quantile straight from its definition: the smallest r with sum over pieces of
 * clamp(r - a, 0, L) >= q * total, by bisection on r. Independent of the sweep over sorted ends. */
static double quantile_by_definition(const report_rpo_point *p, size_t n, int64_t end, double q)
{
    double total = 0, lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t stop = i + 1 < n ? p[i + 1].at_ns : end;
        total += (double)(stop - p[i].at_ns);
        double top = (double)(stop - p[i].captured_ns);
        if (top > hi)
            hi = top;
    }
    for (int it = 0; it < 200; it++) {
        double r = (lo + hi) / 2, mass = 0;
        for (size_t i = 0; i < n; i++) {
            double a = (double)(p[i].at_ns - p[i].captured_ns);
            double len = (double)((i + 1 < n ? p[i + 1].at_ns : end) - p[i].at_ns);
            double m = r - a;
            mass += m < 0 ? 0 : m > len ? len : m;
        }
        if (mass >= q * total)
            hi = r;
        else
            lo = r;
    }
    return hi;
}

/* Random RPO histories whose values span many orders of magnitude (nanoseconds to days), so the
 * ends differ in several bytes: p50, p95 and p99 agree with the definition to the nanosecond. */
static void test_quantiles_match_their_definition(void **state)
{
    (void)state;
    enum { N = 3000 };
    report_rpo_point *p = malloc(N * sizeof *p);
    assert_non_null(p);
    uint64_t x = 88172645463325252ULL;
    for (int trial = 0; trial < 20; trial++) {
        int64_t t = 0, captured = 0;
        size_t n = (size_t)(trial * 149 % N) + 1;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int64_t step = (int64_t)(x % (trial % 2 ? 86400 * S : 1000)) + 1;
            t += step;
            captured = t - (int64_t)((x >> 20) % (uint64_t)(step * 3 + 5));
            if (captured < 0) /* a negative capture time means "undefined": not wanted here */
                captured = 0;
            p[i] = (report_rpo_point){t, captured};
        }
        int64_t end = t + 1000;
        report_rpo_stats st;
        report_rpo_compute(p, n, 0, end, 0, &st);
        double tol = 1.0 + 1e-9 * (double)st.max_ns;
        double want[3] = {quantile_by_definition(p, n, end, 0.50),
                          quantile_by_definition(p, n, end, 0.95),
                          quantile_by_definition(p, n, end, 0.99)};
        double got[3] = {st.p50_ns, st.p95_ns, st.p99_ns};
        for (int k = 0; k < 3; k++)
            if (fabs(got[k] - want[k]) > tol)
                fail_msg("trial %d, %zu points: quantile %d is %.1f, by definition %.1f", trial, n, k,
                         got[k], want[k]);
    }
    free(p);
}

static void test_utilization_p95_is_an_observed_sample(void **state)
{
    (void)state;
    /* 20 one-minute samples on a 1 MB/s link carrying 1 %..20 % of it. 19 of 20 samples (95 %) are
     * at most 19 %, so p95 = 0.19; max = 0.20; throughput p95 = 0.19 MB/s, peak 0.2 MB/s. */
    report_link_sample s[20];
    for (int k = 0; k < 20; k++)
        s[k] = (report_link_sample){(k + 1) * 60 * S, 60 * S, (k + 1) / 100.0 * 120e6,
                                    (k + 1) / 100.0 * 60e6, 1e6};
    report_util_stats u;
    report_util_compute(s, 20, 0, INT64_MAX, &u);
    assert_true(u.defined);
    assert_true(fabs(u.p95 - 0.19) < 1e-12);
    assert_true(fabs(u.max - 0.20) < 1e-12);
    assert_true(fabs(u.p95_Bps - 0.19e6) < 1e-6);
    assert_true(fabs(u.peak_Bps - 0.20e6) < 1e-6);
    /* Restricted to samples ending after 10 min: 11 %..20 %, ten samples; 95 % of them needs all
     * but half of one, so p95 = 0.20. */
    report_util_compute(s, 20, 10 * 60 * S, INT64_MAX, &u);
    assert_true(fabs(u.p95 - 0.20) < 1e-12);
    /* A down link (capacity 0) counts as idle. */
    report_link_sample down = {60 * S, 60 * S, 0, 0, 0};
    report_util_compute(&down, 1, 0, INT64_MAX, &u);
    assert_true(u.max == 0.0);
    assert_true(report_ratio(300, 100) == 3.0);
    assert_true(report_ratio(300, 0) == 0.0);
}

static void test_utilization_window_weighs_the_part_inside(void **state)
{
    (void)state;
    /* Four one-minute samples at 10 %, 20 %, 30 %, 40 % (ending at 1..4 min). Over [0, 2 min): the
     * first two, max 20 %, p95 20 %. Over [90 s, 150 s): half of the second and half of the third
     * minute, 30 s each: p95 needs 57 s, past the 30 s at 20 %, so 30 %; max 30 %. Whole run: max
     * 40 %. A window before the first sample has none. */
    report_link_sample s[4];
    for (int k = 0; k < 4; k++)
        s[k] = (report_link_sample){(k + 1) * 60 * S, 60 * S, 0, (k + 1) / 10.0 * 60e6, 1e6};
    report_util_stats u;
    report_util_compute(s, 4, 0, 120 * S, &u);
    assert_true(fabs(u.max - 0.2) < 1e-12 && fabs(u.p95 - 0.2) < 1e-12);
    report_util_compute(s, 4, 90 * S, 150 * S, &u);
    assert_true(fabs(u.max - 0.3) < 1e-12 && fabs(u.p95 - 0.3) < 1e-12);
    report_util_compute(s, 4, INT64_MIN, INT64_MAX, &u);
    assert_true(fabs(u.max - 0.4) < 1e-12);
    report_util_compute(s, 4, -60 * S, 0, &u);
    assert_false(u.defined);
}

static void test_utilization_weighs_by_interval(void **state)
{
    (void)state;
    /* 90 s at 10 % and 10 s at 90 %: 90 % of the time at 10 %, so p95 lands on the 90 % sample. With
     * 96 s at 10 % and 4 s at 90 %, p95 = 10 %. */
    report_link_sample s[2] = {{90 * S, 90 * S, 0, 0.1 * 90e6, 1e6},
                                 {100 * S, 10 * S, 0, 0.9 * 10e6, 1e6}};
    report_util_stats u;
    report_util_compute(s, 2, 0, INT64_MAX, &u);
    assert_true(fabs(u.p95 - 0.9) < 1e-12);
    report_link_sample t[2] = {{96 * S, 96 * S, 0, 0.1 * 96e6, 1e6},
                                 {100 * S, 4 * S, 0, 0.9 * 4e6, 1e6}};
    report_util_compute(t, 2, 0, INT64_MAX, &u);
    assert_true(fabs(u.p95 - 0.1) < 1e-12);
}

static void test_sha256_fips_vectors(void **state)
{
    (void)state;
    /* FIPS 180-2 examples: "abc", the empty string, and the two-block 448-bit message. */
    static const struct {
        const char *msg, *hex;
    } v[] = {
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t d[32];
        char hex[65];
        report_sha256(v[i].msg, strlen(v[i].msg), d);
        for (int j = 0; j < 32; j++)
            snprintf(hex + 2 * j, 3, "%02x", d[j]);
        assert_string_equal(hex, v[i].hex);
    }
    /* A million 'a' (FIPS 180-2 third example) through the file path. */
    char path[] = "/tmp/drsim-sha-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    for (int i = 0; i < 1000000; i++)
        fputc('a', f);
    fclose(f);
    char hex[65];
    drs_error err = {0};
    assert_true(report_sha256_file(path, hex, &err));
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    remove(path);
    assert_false(report_sha256_file("/nonexistent/drsim/x.json", hex, &err));
    assert_int_equal(err.code, DRS_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sawtooth_has_closed_form_statistics),
        cmocka_unit_test(test_outage_tooth_weighs_by_its_duration),
        cmocka_unit_test(test_undefined_gap_is_left_out),
        cmocka_unit_test(test_gap_statistics_by_hand),
        cmocka_unit_test(test_after_window_starts_mid_tooth),
        cmocka_unit_test(test_quantile_ends_and_rpo_at),
        cmocka_unit_test(test_quantiles_match_their_definition),
        cmocka_unit_test(test_utilization_p95_is_an_observed_sample),
        cmocka_unit_test(test_utilization_weighs_by_interval),
        cmocka_unit_test(test_utilization_window_weighs_the_part_inside),
        cmocka_unit_test(test_sha256_fips_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
