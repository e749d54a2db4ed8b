/* tests/support/text.h — reading what drsim printed: occurrences of a string, and terminal columns
 * counted by the C library's own UTF-8 tables (mbrtowc and wcwidth in C.UTF-8), independently of
 * the summary's. */
#ifndef TESTS_SUPPORT_TEXT_H
#define TESTS_SUPPORT_TEXT_H

#include <stddef.h>

/* How many times needle occurs in hay, overlaps included. */
size_t text_count(const char *hay, const char *needle);

/* Columns of p[0..len) on a terminal; fails the test on bytes that are not UTF-8 or a character
 * wcwidth calls unprintable. */
size_t text_columns(const char *p, size_t len);

/* Every line of out ends with a newline and fits in 80 columns; returns how many lines. */
size_t text_assert_fits_80(const char *out);

#endif
