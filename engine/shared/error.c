/* engine/shared/error.c — filling errors and collecting problems. */
#include "error.h"
#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_path(char *dst, size_t n, const char *path)
{
    snprintf(dst, n, "%s", path ? path : "");
}

bool drs_fail(drs_error *err, int code, const char *path, const char *fmt, ...)
{
    if (!err)
        return false;
    err->code = code;
    copy_path(err->path, sizeof err->path, path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return false;
}

void drs_diags_vadd(drs_diags *d, drs_severity sev, int rule, const char *path, const char *fmt,
                    va_list ap)
{
    DRS_GROW(d->items, d->cap, d->count + 1);
    drs_diag *x = &d->items[d->count++];
    memset(x, 0, sizeof *x);
    x->severity = sev;
    x->rule = rule;
    x->err.code = sev == DRS_SEV_ERROR ? (rule ? DRS_ERULE : DRS_EINPUT) : DRS_OK;
    copy_path(x->err.path, sizeof x->err.path, path);
    vsnprintf(x->err.message, sizeof x->err.message, fmt, ap);
}

void drs_diags_add(drs_diags *d, drs_severity sev, int rule, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    drs_diags_vadd(d, sev, rule, path, fmt, ap);
    va_end(ap);
}

size_t drs_diags_errors(const drs_diags *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->count; i++)
        n += d->items[i].severity == DRS_SEV_ERROR;
    return n;
}

void drs_diags_clear(drs_diags *d)
{
    free(d->items);
    d->items = NULL;
    d->count = d->cap = 0;
}
