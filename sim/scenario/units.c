/* sim/scenario/units.c — parsing durations, sizes, rates and fractions exactly.
 *
 * Numbers are read as an integer part and decimal digits and multiplied by the unit in 128-bit
 * integer arithmetic, so "1.5GiB" is exactly 1610612736 bytes and overflow is detected rather than
 * wrapped. Rates end up as doubles (bytes per second), but are computed from the same exact
 * product. */
#include "units.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

__extension__ typedef unsigned __int128 units_u128;

#define UNITS_MAX_DECIMALS 18

/* A number as written: integer part and decimal digits (frac / 10^frac_digits). */
typedef struct units_num {
    units_u128 ip;
    units_u128 frac;
    int frac_digits;
    bool too_big;     /* integer part above 2^64: no unit can make it fit */
    bool too_precise; /* more than UNITS_MAX_DECIMALS decimals */
} units_num;

/* Copy s into buf for a message: cut long input, replace control characters so one problem stays
 * on one line of output. */
static const char *units_echo(const char *s, char *buf, size_t n)
{
    size_t len = strlen(s), max = n - 4, j = 0;
    for (size_t i = 0; i < len && j < max; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[j++] = (c < 0x20 || c == 0x7f || c == '"') ? '?' : (char)c;
    }
    if (len > max) {
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j] = '\0';
    return buf;
}

static bool units_fail(drs_error *err, const char *what, const char *s, const char *why_fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool units_fail(drs_error *err, const char *what, const char *s, const char *why_fmt, ...)
{
    char got[48], why[160];
    va_list ap;
    va_start(ap, why_fmt);
    vsnprintf(why, sizeof why, why_fmt, ap);
    va_end(ap);
    return drs_fail(err, DRS_EINPUT, "", "expected %s, got \"%s\" (%s)", what,
                    units_echo(s, got, sizeof got), why);
}

/* The checks every quantity's text starts with: not empty, not negative (plural names the kind, as
 * in "sizes cannot be negative"), no sign or leading space. False with err set. */
static bool units_start_ok(const char *s, const char *what, const char *plural, drs_error *err)
{
    if (!s || !*s)
        return units_fail(err, what, s ? s : "", "empty");
    if (*s == '-')
        return units_fail(err, what, s, "%s cannot be negative", plural);
    if (*s == '+' || isspace((unsigned char)*s))
        return units_fail(err, what, s,
                          "write a number followed by a unit, with no sign or spaces");
    return true;
}

/* Reads digits[.digits] at p. Returns the end, or NULL when p does not start with a digit. */
static const char *units_scan(const char *p, units_num *n)
{
    memset(n, 0, sizeof *n);
    if (!isdigit((unsigned char)*p))
        return NULL;
    for (; isdigit((unsigned char)*p); p++) {
        if (!n->too_big) {
            n->ip = n->ip * 10 + (units_u128)(*p - '0');
            if (n->ip > (units_u128)UINT64_MAX)
                n->too_big = true;
        }
    }
    if (*p == '.' && isdigit((unsigned char)p[1])) {
        for (p++; isdigit((unsigned char)*p); p++) {
            if (n->frac_digits < UNITS_MAX_DECIMALS) {
                n->frac = n->frac * 10 + (units_u128)(*p - '0');
                n->frac_digits++;
            } else if (*p != '0') {
                n->too_precise = true;
            }
        }
    }
    return p;
}

static units_u128 units_pow10(int k)
{
    units_u128 r = 1;
    while (k-- > 0)
        r *= 10;
    return r;
}

/* n * mult, exactly. Returns false when the decimal part leaves a fraction of the base unit. */
static bool units_scale(const units_num *n, units_u128 mult, units_u128 *out)
{
    units_u128 p10 = units_pow10(n->frac_digits);
    units_u128 f = n->frac * mult;
    if (f % p10 != 0 || n->too_precise)
        return false;
    *out = n->ip * mult + f / p10;
    return true;
}

/* Case-insensitive equality, for hints only. */
static bool units_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

/* ---- durations ---------------------------------------------------------------------------- */

typedef struct units_unit {
    const char *name;
    uint64_t mult;
} units_unit;

/* Largest first: combinations must follow this order. */
static const units_unit units_duration_units[] = {
    {"d", UINT64_C(86400000000000)},
    {"h", UINT64_C(3600000000000)},
    {"m", UINT64_C(60000000000)},
    {"s", UINT64_C(1000000000)},
    {"ms", UINT64_C(1000000)},
    {"us", UINT64_C(1000)},
    {"ns", 1},
};
#define UNITS_NDUR (sizeof units_duration_units / sizeof units_duration_units[0])

static const char *const units_duration_what = "a duration such as \"5m\" or \"1d12h\"";

/* Why a duration unit was not understood. */
static void units_duration_hint(const char *u, char *why, size_t n)
{
    if (!strcmp(u, "M"))
        snprintf(why, n, "\"M\" is not a unit: m is minutes, months are not supported");
    else if (!strcmp(u, "min") || !strcmp(u, "mins") || !strcmp(u, "minute") ||
             !strcmp(u, "minutes"))
        snprintf(why, n, "write minutes as m, e.g. \"5m\"");
    else if (!strcmp(u, "sec") || !strcmp(u, "secs") || !strcmp(u, "second") ||
             !strcmp(u, "seconds"))
        snprintf(why, n, "write seconds as s, e.g. \"30s\"");
    else if (!strcmp(u, "hr") || !strcmp(u, "hrs") || !strcmp(u, "hour") || !strcmp(u, "hours"))
        snprintf(why, n, "write hours as h, e.g. \"2h\"");
    else if (!strcmp(u, "day") || !strcmp(u, "days"))
        snprintf(why, n, "write days as d, e.g. \"7d\"");
    else {
        for (size_t i = 0; i < UNITS_NDUR; i++) {
            if (units_ieq(u, units_duration_units[i].name)) {
                snprintf(why, n, "duration units are lower case: write \"%s\"",
                         units_duration_units[i].name);
                return;
            }
        }
        char e[40];
        snprintf(why, n, "unknown unit \"%s\"; use d, h, m, s, ms, us or ns",
                 units_echo(u, e, sizeof e));
    }
}

bool units_parse_duration(const char *s, int64_t *out_ns, drs_error *err)
{
    const char *what = units_duration_what;
    if (!units_start_ok(s, what, "durations", err))
        return false;
    if (!strcmp(s, "0")) {
        *out_ns = 0;
        return true;
    }

    units_u128 total = 0;
    size_t next_rank = 0; /* units must come from largest to smallest, each once */
    const char *p = s;
    while (*p) {
        units_num n;
        const char *q = units_scan(p, &n);
        if (!q)
            return units_fail(err, what, s, "expected a number at \"%.20s\"", p);
        const char *u = q;
        while (*q && !isdigit((unsigned char)*q))
            q++;
        char unit[24];
        size_t ulen = (size_t)(q - u);
        if (ulen == 0)
            return units_fail(err, what, s, "missing unit; use d, h, m, s, ms, us or ns");
        if (ulen >= sizeof unit)
            ulen = sizeof unit - 1;
        memcpy(unit, u, ulen);
        unit[ulen] = '\0';
        if (isspace((unsigned char)unit[0]) || isspace((unsigned char)unit[ulen - 1]))
            return units_fail(err, what, s, "no spaces: write e.g. \"5m\"");
        size_t k = UNITS_NDUR;
        for (size_t i = 0; i < UNITS_NDUR; i++)
            if (!strcmp(unit, units_duration_units[i].name))
                k = i;
        if (k == UNITS_NDUR) {
            char why[160];
            units_duration_hint(unit, why, sizeof why);
            return units_fail(err, what, s, "%s", why);
        }
        if (k < next_rank)
            return units_fail(err, what, s,
                              "combine units from the largest to the smallest, each once");
        next_rank = k + 1;
        units_u128 v;
        if (n.too_big)
            return units_fail(err, what, s, "too large: durations stop at about 292 years");
        if (!units_scale(&n, units_duration_units[k].mult, &v))
            return units_fail(err, what, s, "finer than a nanosecond");
        total += v;
        if (total > (units_u128)INT64_MAX)
            return units_fail(err, what, s, "too large: durations stop at about 292 years");
        p = q;
    }
    *out_ns = (int64_t)total;
    return true;
}

/* ---- sizes -------------------------------------------------------------------------------- */

static const units_unit units_size_units[] = {
    {"B", 1},
    {"kB", UINT64_C(1000)},
    {"KB", UINT64_C(1000)},
    {"MB", UINT64_C(1000000)},
    {"GB", UINT64_C(1000000000)},
    {"TB", UINT64_C(1000000000000)},
    {"PB", UINT64_C(1000000000000000)},
    {"KiB", UINT64_C(1) << 10},
    {"MiB", UINT64_C(1) << 20},
    {"GiB", UINT64_C(1) << 30},
    {"TiB", UINT64_C(1) << 40},
    {"PiB", UINT64_C(1) << 50},
};
#define UNITS_NSIZE (sizeof units_size_units / sizeof units_size_units[0])

static const char *const units_size_what = "a size such as \"100GiB\"";

static void units_size_hint(const char *u, char *why, size_t n)
{
    size_t len = strlen(u);
    char e[40];
    units_echo(u, e, sizeof e);
    /* Kb, Mb, Gb, Tb: bits. */
    if (len == 2 && strchr("kKMGTP", u[0]) && u[1] == 'b')
        snprintf(why, n, "\"%s\" reads as bits; sizes are bytes: write %cB or %ciB", e,
                 u[0] == 'k' ? 'k' : u[0], u[0] == 'k' ? 'K' : u[0]);
    else if (len == 1 && strchr("kKMGTP", u[0]))
        snprintf(why, n,
                 "\"%s\" alone is ambiguous: write %cB (powers of 1000) or %ciB (powers of 1024)",
                 e, u[0] == 'k' ? 'k' : u[0], u[0] == 'k' ? 'K' : u[0]);
    else if (len == 1 && u[0] == 'b')
        snprintf(why, n, "\"b\" reads as bits; write B for bytes");
    else if ((len == 2 && units_ieq(u, "kb")) || (len == 2 && strchr("mgtp", u[0])) ||
             (len == 3 && units_ieq(u + 1, "ib")))
        snprintf(why, n,
                 "\"%s\" is ambiguous: size units are case-sensitive, e.g. MB (10^6 bytes) or MiB "
                 "(2^20 bytes)",
                 e);
    else
        snprintf(why, n,
                 "unknown unit \"%s\"; use B, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB or PiB", e);
}

/* A size: number and an exact unit, or a bare number of bytes. */
static bool units_size_core(const char *s, const char *what, uint64_t *out, drs_error *err)
{
    if (!units_start_ok(s, what, "sizes", err))
        return false;
    units_num n;
    const char *q = units_scan(s, &n);
    if (!q)
        return units_fail(err, what, s, "expected a number first");
    uint64_t mult = 0;
    if (*q == '\0') {
        mult = 1; /* bare number: bytes */
    } else if (isspace((unsigned char)*q)) {
        return units_fail(err, what, s, "no spaces: write e.g. \"100GiB\"");
    } else {
        for (size_t i = 0; i < UNITS_NSIZE; i++)
            if (!strcmp(q, units_size_units[i].name))
                mult = units_size_units[i].mult;
        if (!mult) {
            char why[160];
            units_size_hint(q, why, sizeof why);
            return units_fail(err, what, s, "%s", why);
        }
    }
    units_u128 v;
    if (n.too_big)
        return units_fail(err, what, s, "too large: sizes stop at 16 EiB");
    if (!units_scale(&n, mult, &v))
        return units_fail(err, what, s, "not a whole number of bytes");
    if (v > (units_u128)UINT64_MAX)
        return units_fail(err, what, s, "too large: sizes stop at 16 EiB");
    *out = (uint64_t)v;
    return true;
}

bool units_parse_size(const char *s, uint64_t *out_bytes, drs_error *err)
{
    return units_size_core(s, units_size_what, out_bytes, err);
}

bool units_size_from_number(double v, uint64_t *out_bytes, drs_error *err)
{
    if (!isfinite(v))
        return drs_fail(err, DRS_EINPUT, "",
                        "expected a size such as \"100GiB\", got a number that is not finite");
    if (v < 0)
        return drs_fail(err, DRS_EINPUT, "",
                        "expected a size such as \"100GiB\", got %g (sizes cannot be negative)", v);
    if (v != floor(v))
        return drs_fail(err, DRS_EINPUT, "",
                        "expected a size such as \"100GiB\", got %g (not a whole number of bytes)",
                        v);
    if (v >= 18446744073709551616.0)
        return drs_fail(
            err, DRS_EINPUT, "",
            "expected a size such as \"100GiB\", got %g (too large: sizes stop at 16 EiB)", v);
    *out_bytes = (uint64_t)v;
    return true;
}

/* ---- rates -------------------------------------------------------------------------------- */

/* Multipliers in bits per second for the bit units, bytes per second for the byte units. */
static const units_unit units_bit_rates[] = {
    {"bps", 1},
    {"kbps", UINT64_C(1000)},
    {"Kbps", UINT64_C(1000)},
    {"Mbps", UINT64_C(1000000)},
    {"Gbps", UINT64_C(1000000000)},
    {"Tbps", UINT64_C(1000000000000)},
};
#define UNITS_NBITR (sizeof units_bit_rates / sizeof units_bit_rates[0])

static const char *const units_rate_what = "a rate such as \"100Mbps\" or \"2MB/s\"";

static void units_rate_hint(const char *u, char *why, size_t n)
{
    char e[40];
    units_echo(u, e, sizeof e);
    size_t len = strlen(u);
    if (len >= 3 && u[len - 3] == 'B' && !strcmp(u + len - 2, "ps"))
        snprintf(why, n,
                 "\"%s\" is ambiguous: write %.*sB/s for bytes or %.*sbps for bits per second", e,
                 (int)(len - 3), u, (int)(len - 3), u);
    else if (len >= 3 && units_ieq(u + len - 3, "bps") && len <= 4 &&
             (len == 3 || strchr("kKmMgGtT", u[0])))
        snprintf(
            why, n,
            "bit rates are written bps, kbps, Mbps, Gbps or Tbps (case matters: Mbps, not \"%s\")",
            e);
    else if (len >= 3 && !strcmp(u + len - 3, "b/s"))
        snprintf(why, n,
                 "\"%s\": write bits per second as bps, kbps, Mbps, Gbps; bytes per second as B/s, "
                 "KB/s, "
                 "MB/s, MiB/s (case matters)",
                 e);
    else if (len >= 2 && !strcmp(u + len - 2, "/s"))
        snprintf(why, n,
                 "\"%s\": byte rates are a size unit per second: B/s, KB/s, MB/s, GB/s, KiB/s, "
                 "MiB/s, GiB/s "
                 "(case matters)",
                 e);
    else
        snprintf(why, n,
                 "unknown unit \"%s\"; use bps, kbps, Mbps, Gbps, Tbps or a size per second such "
                 "as MB/s",
                 e);
}

bool units_parse_rate(const char *s, double *out_Bps, drs_error *err)
{
    const char *what = units_rate_what;
    if (!units_start_ok(s, what, "rates", err))
        return false;
    if (!strcmp(s, "0")) {
        *out_Bps = 0;
        return true;
    }
    units_num n;
    const char *q = units_scan(s, &n);
    if (!q)
        return units_fail(err, what, s, "expected a number first");
    if (*q == '\0')
        return units_fail(err, what, s, "missing unit: bits (Mbps) or bytes (MB/s)?");
    if (isspace((unsigned char)*q))
        return units_fail(err, what, s, "no spaces: write e.g. \"100Mbps\"");
    if (n.too_big || n.too_precise)
        return units_fail(err, what, s, "%s", n.too_big ? "too large" : "too many decimals");
    /* The exact value as a decimal fraction, then scaled: doubles suffice for rates. */
    double num = (double)n.ip + (double)n.frac / (double)units_pow10(n.frac_digits);
    for (size_t i = 0; i < UNITS_NBITR; i++) {
        if (!strcmp(q, units_bit_rates[i].name)) {
            *out_Bps = num * (double)units_bit_rates[i].mult / 8.0;
            return true;
        }
    }
    size_t len = strlen(q);
    if (len > 2 && !strcmp(q + len - 2, "/s")) {
        char unit[16];
        if (len - 2 < sizeof unit) {
            memcpy(unit, q, len - 2);
            unit[len - 2] = '\0';
            for (size_t i = 0; i < UNITS_NSIZE; i++) {
                if (!strcmp(unit, units_size_units[i].name)) {
                    double v = num * (double)units_size_units[i].mult;
                    if (!isfinite(v))
                        return units_fail(err, what, s, "too large");
                    *out_Bps = v;
                    return true;
                }
            }
        }
    }
    char why[160];
    units_rate_hint(q, why, sizeof why);
    return units_fail(err, what, s, "%s", why);
}

/* ---- fractions ---------------------------------------------------------------------------- */

bool units_check_fraction(double v, double *out, drs_error *err)
{
    if (!isfinite(v))
        return drs_fail(err, DRS_EINPUT, "",
                        "expected a fraction between 0 and 1, got a number that is not finite");
    if (v < 0 || v > 1)
        return drs_fail(err, DRS_EINPUT, "", "expected a fraction between 0 and 1, got %g", v);
    *out = v;
    return true;
}

bool units_parse_fraction(const char *s, double *out, drs_error *err)
{
    const char *what = "a fraction between 0 and 1 such as \"0.25\"";
    if (!s || !*s)
        return units_fail(err, what, s ? s : "", "empty");
    if (*s == '-')
        return units_fail(err, what, s, "fractions cannot be negative");
    units_num n;
    const char *q = units_scan(s, &n);
    if (!q || *q)
        return units_fail(err, what, s, "a plain number is required");
    if (n.too_big)
        return units_fail(err, what, s, "above 1");
    double v = (double)n.ip + (double)n.frac / (double)units_pow10(n.frac_digits);
    if (v > 1)
        return units_fail(err, what, s, "above 1");
    *out = v;
    return true;
}
