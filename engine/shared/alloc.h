/* engine/shared/alloc.h — allocation with one out-of-memory rule for the whole program.
 *
 * A simulation that runs out of memory cannot go on with a result worth keeping, and a half-built
 * structure is worse than none: drs_xmalloc and its kin print "drsim: out of memory (N bytes)" on
 * stderr (a memory stream, whose requests are its own, without N) and abort. They never return
 * NULL. The one exception is the results database (reports/db.c, with the packing of its rows in
 * reports/pack.c): it must survive a failed allocation to mark its run incomplete, so it uses
 * malloc and checks it itself. The event kernel (sim/kernel/queue.c) sits below this module and
 * keeps the same rule with a message of its own.
 *
 * Ownership: every pointer returned is the caller's, freed with free(). */
#ifndef DRS_ALLOC_H
#define DRS_ALLOC_H

#include <stddef.h>
#include <stdio.h>

void *drs_xmalloc(size_t size);
/* Zeroed; n or size 0 still returns a unique pointer. n * size overflowing is out of memory. */
void *drs_xcalloc(size_t n, size_t size);
/* p (or NULL) resized to n elements of size bytes; n * size overflowing is out of memory. */
void *drs_xrealloc(void *p, size_t n, size_t size);
/* A copy of s; NULL for NULL. */
char *drs_xstrdup(const char *s);
/* A stream that writes into a growing buffer (open_memstream): *buf and *size are set at each
 * flush and at drs_xmemstream_close, which closes it. A write that found no memory is out of memory
 * there, so once closed *buf holds everything written. */
FILE *drs_xmemstream(char **buf, size_t *size);
void drs_xmemstream_close(FILE *f);

/* Makes room for `need` elements in the growable array *items of capacity *cap, doubling (at least
 * 8); the elements already there are kept. */
#define DRS_GROW(items, cap, need)                                                                 \
    do {                                                                                           \
        if ((need) > (cap)) {                                                                      \
            size_t drs_grow_cap_ = (cap) ? (cap) : 8;                                              \
            while (drs_grow_cap_ < (need))                                                         \
                drs_grow_cap_ *= 2;                                                                \
            (items) = drs_xrealloc((items), drs_grow_cap_, sizeof *(items));                       \
            (cap) = drs_grow_cap_;                                                                 \
        }                                                                                          \
    } while (0)

#endif
