/* reports/format.c — human-readable durations, sizes and rates for the summary and the HTML page.
 */
#include "format.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

char *report_format_duration(int64_t ns, char *buf, size_t n)
{
    if (ns < 0) {
        snprintf(buf, n, "-");
        return buf;
    }
    if (ns < INT64_C(1000000000)) {
        snprintf(buf, n, "%.0fms", (double)ns / 1e6);
        return buf;
    }
    int64_t s = ns / INT64_C(1000000000);
    int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
    if (d)
        snprintf(buf, n, "%" PRId64 "d%02" PRId64 "h%02" PRId64 "m", d, h, m);
    else if (h)
        snprintf(buf, n, "%" PRId64 "h%02" PRId64 "m%02" PRId64 "s", h, m, sec);
    else if (m)
        snprintf(buf, n, "%" PRId64 "m%02" PRId64 "s", m, sec);
    else
        snprintf(buf, n, "%.1fs", (double)ns / 1e9);
    return buf;
}

char *report_format_bytes(double bytes, char *buf, size_t n)
{
    static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 5) {
        bytes /= 1024.0;
        u++;
    }
    snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
    return buf;
}

char *report_format_rate_bps(double bytes_per_s, char *buf, size_t n)
{
    static const char *unit[] = {"bps", "Kbps", "Mbps", "Gbps", "Tbps"};
    double bits = bytes_per_s * 8.0;
    int u = 0;
    while (bits >= 1000.0 && u < 4) {
        bits /= 1000.0;
        u++;
    }
    snprintf(buf, n, "%.1f %s", bits, unit[u]);
    return buf;
}

/* One UTF-8 sequence at s: its length in bytes and (in *cp) its code point, or -1 for a byte that
 * starts no valid sequence (a stray continuation byte, an overlong or cut-short sequence). */
size_t report_utf8_next(const char *s, long *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    size_t len = u[0] >= 0xf0 && u[0] <= 0xf4  ? 4
                 : u[0] >= 0xe0                ? 3
                 : u[0] >= 0xc2 && u[0] < 0xe0 ? 2
                                               : 0;
    if (len == 0) {
        *cp = -1;
        return 1;
    }
    long c = u[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80) {
            *cp = -1;
            return 1;
        }
        c = c << 6 | (u[i] & 0x3f);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
        (c >= 0xd800 && c <= 0xdfff)) {
        *cp = -1;
        return 1;
    }
    *cp = c;
    return len;
}

/* Columns a terminal gives a code point: none for combining marks and zero-width characters, two
 * for East Asian wide and full-width characters and emoji, one otherwise (an invalid byte and a
 * control character count one: the summary prints them as '?'). The ranges are those of Unicode's
 * EastAsianWidth W and F classes, coarsened to blocks. */
int report_utf8_columns(long cp)
{
    if (cp < 0)
        return 1;
    if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
        (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x200b && cp <= 0x200f) ||
        (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe00 && cp <= 0xfe0f) ||
        (cp >= 0xfe20 && cp <= 0xfe2f) || cp == 0xfeff)
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
        (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
        (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
        (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

size_t report_format_width(const char *s)
{
    size_t cols = 0;
    long cp;
    while (*s) {
        s += report_utf8_next(s, &cp);
        cols += (size_t)report_utf8_columns(cp);
    }
    return cols;
}

/* Cuts between characters, never inside a UTF-8 sequence, by the columns a terminal shows. */
char *report_format_fit(char *dst, size_t n, const char *src, size_t width)
{
    if (n == 0)
        return dst;
    size_t cols = 0, len = 0, keep_len = 0;
    size_t keep_width = width > 3 ? width - 3 : 0;
    bool whole = true;
    long cp;
    for (const char *p = src; *p;) {
        size_t l = report_utf8_next(p, &cp);
        size_t w = (size_t)report_utf8_columns(cp);
        if (cols + w > width || len + l + 1 > n) {
            whole = false;
            break;
        }
        cols += w;
        len += l;
        if (cols <= keep_width && len + 3 + 1 <= n)
            keep_len = len;
        p += l;
    }
    if (whole) {
        memcpy(dst, src, len);
        dst[len] = '\0';
        return dst;
    }
    /* keep_len: the longest prefix that leaves room for the "..." in columns and bytes. */
    size_t dots = width < 3 ? width : 3;
    if (dots + 1 > n)
        dots = n - 1;
    if (width <= 3)
        keep_len = 0;
    memcpy(dst, src, keep_len);
    memcpy(dst + keep_len, "...", dots);
    dst[keep_len + dots] = '\0';
    return dst;
}
