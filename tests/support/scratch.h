/* tests/support/scratch.h — one scratch folder per test program, for the files a test writes.
 *
 * Made once (usually in the group set-up) and removed with everything in it at the end. Paths are
 * kept in static storage: the folder's until scratch_remove, a file's in one of eight rotating
 * buffers (copy it if it must outlive eight more calls). */
#ifndef TESTS_SUPPORT_SCRATCH_H
#define TESTS_SUPPORT_SCRATCH_H

#include <stdbool.h>

/* Creates /tmp/drsim-test-TAG-XXXXXX. Returns false when it cannot. */
bool scratch_make(const char *tag);

/* Removes the folder and everything in it. Returns false when that failed. */
bool scratch_remove(void);

/* The folder's path. */
const char *scratch_dir(void);

/* The path of name inside the folder. */
const char *scratch_path(const char *name);

#endif
