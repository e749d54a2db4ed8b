/* reports/format.h — numbers as people read them: "4m30s", "1.5 GiB", "200 Mbps". */
#ifndef REPORT_FORMAT_H
#define REPORT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* Each writes into buf (always NUL-terminated) and returns buf. */
char *report_format_duration(int64_t ns, char *buf, size_t n);
char *report_format_bytes(double bytes, char *buf, size_t n);
char *report_format_rate_bps(double bytes_per_s, char *buf,
                             size_t n); /* shown in bits per second */
/* src cut to width characters (at most n - 1), "..." marking a cut, for columns of text. */
char *report_format_fit(char *buf, size_t n, const char *src, size_t width);

#endif
