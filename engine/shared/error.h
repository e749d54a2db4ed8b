/* engine/shared/error.h — the one error type of drsim, and a list that collects many of them.
 *
 * Every module reports failure the same way: a code, the JSON path of the input concerned (empty when
 * none) and a message. Validation collects every problem into a drs_diags list instead of stopping at
 * the first, so `drsim validate` can show them all. It lives in engine/ because the loader (sim/), the
 * model and the engine all speak it, and the engine must not depend on the others' headers. */
#ifndef DRS_ERROR_H
#define DRS_ERROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum {
    DRS_OK = 0,
    DRS_EINPUT = 2, /* bad scenario or command line: exit code 2 */
    DRS_ERULE = 4,  /* a configuration rule of Site Recovery / Hyper-V Replica was broken */
    DRS_EIO = 5,    /* a file could not be read or written */
    DRS_EINTERNAL = 3
};

typedef struct drs_error {
    int code;          /* DRS_EINPUT, DRS_ERULE, ... ; DRS_OK when no error */
    char path[128];    /* "recovery.cloud_pairs[0].settings.port", or "" */
    char message[256]; /* what was expected and what was found */
} drs_error;

typedef enum drs_severity { DRS_SEV_ERROR, DRS_SEV_WARNING } drs_severity;

/* One problem found in a scenario. rule is 1..13 for the configuration rules, 0 otherwise. */
typedef struct drs_diag {
    drs_severity severity;
    int rule;
    drs_error err;
} drs_diag;

/* A growable list of problems. Owns its array; free with drs_diags_clear. */
typedef struct drs_diags {
    drs_diag *items;
    size_t count, cap;
} drs_diags;

/* Fill err with code, path and a printf-style message. Returns false so callers can `return drs_fail(..)`. */
bool drs_fail(drs_error *err, int code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Append a problem to the list. Aborts only on out-of-memory. */
void drs_diags_add(drs_diags *d, drs_severity sev, int rule, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void drs_diags_vadd(drs_diags *d, drs_severity sev, int rule, const char *path, const char *fmt,
                    va_list ap) __attribute__((format(printf, 5, 0)));
size_t drs_diags_errors(const drs_diags *d);
void drs_diags_clear(drs_diags *d);

#endif
