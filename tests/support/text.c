/* tests/support/text.c — see text.h. */
#define _XOPEN_SOURCE 700 /* wcwidth */
#include "text.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

size_t text_count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

size_t text_columns(const char *p, size_t len)
{
    assert_non_null(setlocale(LC_CTYPE, "C.UTF-8"));
    mbstate_t st = {0};
    size_t cols = 0;
    while (len > 0) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, p, len, &st);
        if (n == (size_t)-1 || n == (size_t)-2)
            fail_msg("not UTF-8 at: %.*s", (int)len, p);
        int w = wcwidth(wc);
        if (w < 0)
            fail_msg("unprintable U+%04X in: %.*s", (unsigned)wc, (int)len, p);
        cols += (size_t)w;
        p += n;
        len -= n;
    }
    setlocale(LC_CTYPE, "C");
    return cols;
}

size_t text_assert_fits_80(const char *out)
{
    size_t lines = 0;
    for (const char *p = out; *p; lines++) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl); /* every line ends */
        size_t c = text_columns(p, (size_t)(nl - p));
        if (c > 80)
            fail_msg("line of %zu columns: %.*s", c, (int)(nl - p), p);
        p = nl + 1;
    }
    return lines;
}
