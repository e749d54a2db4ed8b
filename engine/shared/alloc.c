/* engine/shared/alloc.c — allocation that never returns NULL (engine/shared/alloc.h). */
#include "alloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* bytes 0: how much was asked for is not known (a stream's own buffer). */
static void drs_out_of_memory(size_t bytes)
{
    if (bytes)
        fprintf(stderr, "drsim: out of memory (%zu bytes)\n", bytes);
    else
        fputs("drsim: out of memory\n", stderr);
    abort();
}

void *drs_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        drs_out_of_memory(size);
    return p;
}

void *drs_xcalloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        drs_out_of_memory(SIZE_MAX);
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        drs_out_of_memory(n * size);
    return p;
}

void *drs_xrealloc(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        drs_out_of_memory(SIZE_MAX);
    size_t bytes = n * size;
    if (bytes == 0)
        bytes = 1;
    void *q = realloc(p, bytes);
    if (!q)
        drs_out_of_memory(bytes);
    return q;
}

char *drs_xstrdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = drs_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

FILE *drs_xmemstream(char **buf, size_t *size)
{
    FILE *f = open_memstream(buf, size);
    if (!f)
        drs_out_of_memory(0);
    return f;
}

void drs_xmemstream_close(FILE *f)
{
    /* A memory stream fails only for want of memory: a write that could not grow the buffer sets
     * the error flag, and the last flush happens in fclose. */
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0 || failed)
        drs_out_of_memory(0);
}
