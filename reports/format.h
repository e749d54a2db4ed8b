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
/* src cut to width display columns (and at most n - 1 bytes), "..." marking a cut, for columns of
 * text. UTF-8 aware: a cut never splits a character, and a wide character counts two columns. */
char *report_format_fit(char *buf, size_t n, const char *src, size_t width);
/* The columns a terminal shows s in (UTF-8; see report_utf8_columns). */
size_t report_format_width(const char *s);
/* The UTF-8 sequence at s (which is not at its NUL): returns its length in bytes and sets *cp to
 * its code point, or to -1 for a byte that starts no valid sequence (length 1). */
size_t report_utf8_next(const char *s, long *cp);
/* Display columns of a code point: 0 (combining, zero-width), 2 (wide), else 1; -1 (invalid): 1. */
int report_utf8_columns(long cp);

#endif
