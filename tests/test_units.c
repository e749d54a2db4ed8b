/* tests/test_units.c — durations, sizes, rates and fractions as written in scenarios. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim/scenario/units.h"

#define NS INT64_C(1000000000)

static int64_t dur_ok(const char *s)
{
    int64_t v = -1;
    drs_error e = {0};
    if (!units_parse_duration(s, &v, &e))
        fail_msg("\"%s\" should parse: %s", s, e.message);
    return v;
}

/* Asserts failure, that *out was left alone, and that the message contains frag. */
static void dur_bad(const char *s, const char *frag)
{
    int64_t v = 12345;
    drs_error e = {0};
    if (units_parse_duration(s, &v, &e))
        fail_msg("\"%s\" should be refused, got %lld", s, (long long)v);
    assert_int_equal(v, 12345);
    assert_int_equal(e.code, DRS_EINPUT);
    if (!strstr(e.message, frag))
        fail_msg("message for \"%s\" lacks \"%s\": %s", s, frag, e.message);
}

static uint64_t size_ok(const char *s)
{
    uint64_t v = 0;
    drs_error e = {0};
    if (!units_parse_size(s, &v, &e))
        fail_msg("\"%s\" should parse: %s", s, e.message);
    return v;
}

static void size_bad(const char *s, const char *frag)
{
    uint64_t v = 777;
    drs_error e = {0};
    if (units_parse_size(s, &v, &e))
        fail_msg("\"%s\" should be refused, got %llu", s, (unsigned long long)v);
    assert_int_equal(v, 777);
    if (!strstr(e.message, frag))
        fail_msg("message for \"%s\" lacks \"%s\": %s", s, frag, e.message);
}

static double rate_ok(const char *s)
{
    double v = -1;
    drs_error e = {0};
    if (!units_parse_rate(s, &v, &e))
        fail_msg("\"%s\" should parse: %s", s, e.message);
    return v;
}

static void rate_bad(const char *s, const char *frag)
{
    double v = -7;
    drs_error e = {0};
    if (units_parse_rate(s, &v, &e))
        fail_msg("\"%s\" should be refused, got %g", s, v);
    assert_true(v == -7);
    if (!strstr(e.message, frag))
        fail_msg("message for \"%s\" lacks \"%s\": %s", s, frag, e.message);
}

static void test_durations_single_units(void **state)
{
    (void)state;
    assert_int_equal(dur_ok("30s"), 30 * NS);
    assert_int_equal(dur_ok("5m"), 300 * NS);
    assert_int_equal(dur_ok("2h"), 7200 * NS);
    assert_int_equal(dur_ok("7d"), 7 * 86400 * NS);
    assert_int_equal(dur_ok("250ms"), 250000000);
    assert_int_equal(dur_ok("15us"), 15000);
    assert_int_equal(dur_ok("7ns"), 7);
    assert_int_equal(dur_ok("0"), 0);
    assert_int_equal(dur_ok("0s"), 0);
}

static void test_durations_combine_largest_first(void **state)
{
    (void)state;
    /* 1d12h = 36 h = 129600 s */
    assert_int_equal(dur_ok("1d12h"), 129600 * NS);
    /* 2m30s = 150 s */
    assert_int_equal(dur_ok("2m30s"), 150 * NS);
    assert_int_equal(dur_ok("1h1m1s1ms"), 3661 * NS + 1000000);
    dur_bad("30s2m", "largest to the smallest");
    dur_bad("5m5m", "largest to the smallest");
}

static void test_durations_decimals_are_exact(void **state)
{
    (void)state;
    assert_int_equal(dur_ok("1.5h"), 5400 * NS);
    assert_int_equal(dur_ok("0.25s"), 250000000);
    assert_int_equal(dur_ok("1.000000001s"), NS + 1);
    dur_bad("1.5ns", "nanosecond");
    dur_bad("0.0000000001s", "nanosecond");
}

static void test_durations_refuse_junk(void **state)
{
    (void)state;
    dur_bad("", "empty");
    dur_bad("5", "missing unit");
    dur_bad("300", "missing unit");
    dur_bad("-5m", "negative");
    dur_bad("+5m", "no sign");
    dur_bad("5 m", "no spaces");
    dur_bad(" 5m", "no sign or spaces");
    dur_bad("5M", "months");
    dur_bad("5H", "lower case");
    dur_bad("5min", "write minutes as m");
    dur_bad("10 seconds", "no spaces");
    dur_bad("5parsecs", "unknown unit \"parsecs\"");
    dur_bad("m", "expected a number");
    dur_bad("1e3s", "unknown unit");
    dur_bad("5m ", "no spaces");
    dur_bad("nan", "expected a number");
    dur_bad("inf", "expected a number");
    dur_bad("5.s", "unknown unit");
    /* The message names what was expected and echoes the input. */
    int64_t v;
    drs_error e = {0};
    assert_false(units_parse_duration("5 weeks", &v, &e));
    assert_non_null(strstr(e.message, "expected a duration such as \"5m\""));
    assert_non_null(strstr(e.message, "got \"5 weeks\""));
}

static void test_durations_refuse_overflow(void **state)
{
    (void)state;
    /* INT64_MAX ns = 9223372036854775807 ns ~ 106751 days. */
    assert_int_equal(dur_ok("9223372036854775807ns"), INT64_MAX);
    dur_bad("9223372036854775808ns", "too large");
    assert_int_equal(dur_ok("106751d"), INT64_C(106751) * 86400 * NS);
    dur_bad("106752d", "too large");
    dur_bad("106751d23h59m59s", "too large"); /* 106751d23h47m16.854775807s is the limit */
    dur_bad("99999999999999999999999999d", "too large");
}

static void test_durations_tolerate_null_error(void **state)
{
    (void)state;
    int64_t v = 3;
    assert_false(units_parse_duration("bogus", &v, NULL));
    assert_int_equal(v, 3);
    assert_false(units_parse_duration(NULL, &v, NULL));
}

static void test_sizes_si_and_iec(void **state)
{
    (void)state;
    assert_int_equal(size_ok("512KiB"), 512 * 1024);
    assert_int_equal(size_ok("100GiB"), UINT64_C(100) << 30);
    assert_int_equal(size_ok("2TiB"), UINT64_C(2) << 40);
    assert_int_equal(size_ok("500MB"), UINT64_C(500000000));
    assert_int_equal(size_ok("4kB"), 4000);
    assert_int_equal(size_ok("4KB"), 4000);
    assert_int_equal(size_ok("1PB"), UINT64_C(1000000000000000));
    assert_int_equal(size_ok("1PiB"), UINT64_C(1) << 50);
    assert_int_equal(size_ok("4096"), 4096);
    assert_int_equal(size_ok("0"), 0);
    assert_int_equal(size_ok("10B"), 10);
    /* 1.5 GiB = 1.5 * 2^30 = 1610612736 */
    assert_int_equal(size_ok("1.5GiB"), UINT64_C(1610612736));
    assert_int_equal(size_ok("0.5KB"), 500);
}

static void test_sizes_refuse_ambiguous_case(void **state)
{
    (void)state;
    size_bad("5mb", "case-sensitive");
    size_bad("5gib", "case-sensitive");
    size_bad("5Mb", "bits");
    size_bad("5Gb", "bits");
    size_bad("5b", "bits");
    size_bad("5M", "ambiguous");
    size_bad("5G", "ambiguous");
    size_bad("100 parsecs", "no spaces");
    size_bad("100parsecs", "unknown unit \"parsecs\"");
}

static void test_sizes_refuse_junk_and_overflow(void **state)
{
    (void)state;
    size_bad("", "empty");
    size_bad("-5GiB", "negative");
    size_bad("GiB", "number");
    size_bad("0.1KiB", "whole number of bytes"); /* 102.4 bytes */
    size_bad("0.5", "whole number of bytes");
    /* UINT64_MAX = 18446744073709551615 */
    assert_true(size_ok("18446744073709551615") == UINT64_MAX);
    size_bad("18446744073709551616", "too large");
    assert_int_equal(size_ok("16383PiB"), UINT64_C(16383) << 50);
    size_bad("16384PiB", "too large"); /* 2^64 exactly */
    size_bad("1e9", "unknown unit");
    size_bad("nan", "number");
    drs_error e = {0};
    uint64_t v = 0;
    assert_false(units_parse_size("100 parsecs", &v, &e));
    assert_non_null(strstr(e.message, "expected a size such as \"100GiB\", got \"100 parsecs\""));
}

static void test_sizes_from_json_numbers(void **state)
{
    (void)state;
    uint64_t v = 0;
    drs_error e = {0};
    assert_true(units_size_from_number(1048576.0, &v, &e));
    assert_int_equal(v, 1048576);
    assert_false(units_size_from_number(-1.0, &v, &e));
    assert_non_null(strstr(e.message, "negative"));
    assert_false(units_size_from_number(1.5, &v, &e));
    assert_false(units_size_from_number(NAN, &v, &e));
    assert_false(units_size_from_number(INFINITY, &v, &e));
    assert_false(units_size_from_number(1e20, &v, &e));
    assert_int_equal(v, 1048576);
}

static void test_rates_bits_and_bytes(void **state)
{
    (void)state;
    /* bits: 100 Mbps = 100e6 / 8 = 12.5e6 B/s; 1 Gbps = 125e6 B/s */
    assert_true(rate_ok("100Mbps") == 12.5e6);
    assert_true(rate_ok("1Gbps") == 125e6);
    assert_true(rate_ok("200Mbps") == 25e6);
    assert_true(rate_ok("64kbps") == 8000);
    assert_true(rate_ok("64Kbps") == 8000);
    assert_true(rate_ok("8bps") == 1);
    assert_true(rate_ok("1.5Gbps") == 187.5e6);
    /* bytes: 2 MB/s = 2e6; 50 MiB/s = 50 * 1048576 = 52428800 */
    assert_true(rate_ok("2MB/s") == 2e6);
    assert_true(rate_ok("50MiB/s") == 52428800.0);
    assert_true(rate_ok("200KB/s") == 200e3);
    assert_true(rate_ok("1GB/s") == 1e9);
    assert_true(rate_ok("10B/s") == 10);
    assert_true(rate_ok("0") == 0);
    assert_true(rate_ok("0Mbps") == 0);
}

static void test_rates_refuse_ambiguity_and_junk(void **state)
{
    (void)state;
    rate_bad("100", "missing unit");
    rate_bad("100mbps", "case matters");
    rate_bad("100MBps", "ambiguous");
    rate_bad("100Mb/s", "Mbps");
    rate_bad("100mb/s", "Mbps");
    rate_bad("100MB", "unknown unit");
    rate_bad("100mB/s", "byte rates");
    rate_bad("-1Mbps", "negative");
    rate_bad("", "empty");
    rate_bad("fast", "number");
    rate_bad("100 Mbps", "no spaces");
    rate_bad("nanMbps", "number");
    rate_bad("infGbps", "number");
    rate_bad("1e3Mbps", "unknown unit");
    drs_error e = {0};
    double v;
    assert_false(units_parse_rate("9", &v, &e));
    assert_non_null(
        strstr(e.message, "expected a rate such as \"100Mbps\" or \"2MB/s\", got \"9\""));
}

static void test_fractions(void **state)
{
    (void)state;
    double v = -1;
    drs_error e = {0};
    assert_true(units_check_fraction(0, &v, &e) && v == 0);
    assert_true(units_check_fraction(1, &v, &e) && v == 1);
    assert_true(units_check_fraction(0.05, &v, &e) && v == 0.05);
    assert_false(units_check_fraction(1.0000001, &v, &e));
    assert_non_null(strstr(e.message, "between 0 and 1"));
    assert_false(units_check_fraction(-0.1, &v, &e));
    assert_false(units_check_fraction(NAN, &v, &e));
    assert_false(units_check_fraction(-INFINITY, &v, &e));
    assert_true(v == 0.05);
    assert_true(units_parse_fraction("0.25", &v, &e) && v == 0.25);
    assert_true(units_parse_fraction("1", &v, &e) && v == 1);
    assert_false(units_parse_fraction("1.5", &v, &e));
    assert_false(units_parse_fraction("-0.5", &v, &e));
    assert_false(units_parse_fraction("50%", &v, &e));
    assert_false(units_parse_fraction("", &v, &e));
    assert_true(v == 1);
}

static void test_long_input_is_cut_in_messages(void **state)
{
    (void)state;
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    drs_error e = {0};
    int64_t v;
    assert_false(units_parse_duration(big, &v, &e));
    assert_non_null(strstr(e.message, "..."));
    /* control characters do not reach the output */
    assert_false(units_parse_duration("5\nm", &v, &e));
    assert_null(strchr(e.message, '\n'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations_single_units),
        cmocka_unit_test(test_durations_combine_largest_first),
        cmocka_unit_test(test_durations_decimals_are_exact),
        cmocka_unit_test(test_durations_refuse_junk),
        cmocka_unit_test(test_durations_refuse_overflow),
        cmocka_unit_test(test_durations_tolerate_null_error),
        cmocka_unit_test(test_sizes_si_and_iec),
        cmocka_unit_test(test_sizes_refuse_ambiguous_case),
        cmocka_unit_test(test_sizes_refuse_junk_and_overflow),
        cmocka_unit_test(test_sizes_from_json_numbers),
        cmocka_unit_test(test_rates_bits_and_bytes),
        cmocka_unit_test(test_rates_refuse_ambiguity_and_junk),
        cmocka_unit_test(test_fractions),
        cmocka_unit_test(test_long_input_is_cut_in_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
