/* reports/format.c — human-readable durations, sizes and rates for the summary and the HTML page.
 */
#include "format.h"

#include <inttypes.h>
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

char *report_format_fit(char *dst, size_t n, const char *src, size_t width)
{
    if (width + 1 > n)
        width = n - 1;
    size_t len = strlen(src);
    if (len <= width) {
        memcpy(dst, src, len + 1);
    } else {
        size_t keep = width > 3 ? width - 3 : 0;
        memcpy(dst, src, keep);
        memcpy(dst + keep, "...", width - keep);
        dst[width] = '\0';
    }
    return dst;
}
