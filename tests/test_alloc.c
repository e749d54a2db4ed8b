/* tests/test_alloc.c — the allocation module: growable arrays keep their elements, copies are
 * copies, zero sizes still give a pointer one may free, and a memory stream keeps what was
 * written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/shared/alloc.h"

static void test_grow_keeps_elements_and_doubles(void **state)
{
    (void)state;
    int *v = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < 1000; i++) {
        DRS_GROW(v, cap, i + 1);
        v[i] = (int)(i * 7);
    }
    /* 8, 16, ..., 1024: the first power of two times 8 that holds 1000. */
    assert_int_equal(cap, 1024);
    for (size_t i = 0; i < 1000; i++)
        assert_int_equal(v[i], (int)(i * 7));
    DRS_GROW(v, cap, 10); /* already room: nothing moves */
    assert_int_equal(cap, 1024);
    free(v);
}

static void test_strdup_and_zero_sizes(void **state)
{
    (void)state;
    const char *s = "sql-01";
    char *c = drs_xstrdup(s);
    assert_ptr_not_equal(c, s);
    assert_string_equal(c, "sql-01");
    free(c);
    assert_null(drs_xstrdup(NULL));
    void *z = drs_xcalloc(0, 16), *m = drs_xmalloc(0), *r = drs_xrealloc(NULL, 0, 8);
    assert_non_null(z);
    assert_non_null(m);
    assert_non_null(r);
    free(z);
    free(m);
    free(r);
    unsigned char *zeroed = drs_xcalloc(64, 1);
    for (int i = 0; i < 64; i++)
        assert_int_equal(zeroed[i], 0);
    free(zeroed);
}

static void test_memstream_keeps_everything_written(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = drs_xmemstream(&buf, &n);
    for (int i = 0; i < 10000; i++)
        fprintf(f, "%04d", i);
    drs_xmemstream_close(f);
    assert_int_equal(n, 40000);
    assert_int_equal(strlen(buf), 40000);
    assert_memory_equal(buf + 4 * 9999, "9999", 4);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow_keeps_elements_and_doubles),
        cmocka_unit_test(test_strdup_and_zero_sizes),
        cmocka_unit_test(test_memstream_keeps_everything_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
