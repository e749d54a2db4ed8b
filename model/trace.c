/* model/trace.c — reading SNIA MSR Cambridge block traces into write records.
 *
 * The layout is CSV without a header: Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime,
 * the timestamp in Windows filetime ticks (100 ns). Only writes are churn, but reads still mark when
 * the trace starts and ends, so a replay keeps the recorded idle stretches. */
#include "trace_internal.h"
#include "engine/shared/alloc.h"
#include "workload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The longest span of timestamps a trace may have, in 100 ns ticks: twice that in nanoseconds
 * still fits an int64 (about 146 years). */
#define TRACE_MAX_SPAN_TICKS ((uint64_t)INT64_MAX / 200)

/* Bounds on what a trace may make drsim hold: a line of the MSR layout is under 100 characters,
 * so a longer one means the file is not a trace (and reading it whole could exhaust memory); and
 * the records are kept in memory at 32 bytes per write, so 50 million writes (1.6 GB) is the most
 * a trace may have. */
#define TRACE_MAX_LINE 1024
#define TRACE_MAX_WRITES ((size_t)50 * 1000 * 1000)

/* Splits line at commas in place; returns the number of fields (at most max). */
static size_t trace_split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static bool trace_u64(const char *s, uint64_t *out)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
        end++;
    if (errno || *end)
        return false;
    *out = (uint64_t)v;
    return true;
}

/* Stable merge sort by time: records with equal timestamps keep their file order, so a replay writes
 * overlapping ranges in the order they were traced. */
static void trace_sort(trace_write *w, size_t n)
{
    trace_write *tmp = drs_xmalloc(n * sizeof *tmp);
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = w[j].at_ns < w[i].at_ns ? w[j++] : w[i++];
            while (i < mid)
                tmp[k++] = w[i++];
            while (j < hi)
                tmp[k++] = w[j++];
        }
        memcpy(w, tmp, n * sizeof *w);
    }
    free(tmp);
}

/* Reads the records of f (named path in messages) into a trace. Closes nothing. */
static model_trace *trace_read(FILE *f, const char *path, drs_error *err)
{
    model_trace *t = drs_xcalloc(1, sizeof *t);
    size_t cap = 0;
    char line[TRACE_MAX_LINE + 1];
    unsigned long lineno = 0;
    uint64_t first_tick = 0, last_tick = 0;
    size_t records = 0;
    bool ok = true;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && strlen(line) == TRACE_MAX_LINE) {
            ok = drs_fail(err, DRS_EINPUT, "",
                          "%s:%lu: a line longer than %d characters: not an MSR trace", path,
                          lineno, TRACE_MAX_LINE - 1);
            break;
        }
        char *fields[8];
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '\n' || *p == '\r' || *p == '#')
            continue;
        if (lineno == 1 && strncasecmp(p, "Timestamp", 9) == 0)
            continue; /* a header some copies of the traces carry */
        size_t n = trace_split(p, fields, 8);
        uint64_t tick, offset, size;
        if (n != 7 || !trace_u64(fields[0], &tick) || !trace_u64(fields[4], &offset) ||
            !trace_u64(fields[5], &size)) {
            ok = drs_fail(err, DRS_EINPUT, "",
                          "%s:%lu: expected Timestamp,Hostname,DiskNumber,Type,Offset,Size,"
                          "ResponseTime with numeric Timestamp, Offset and Size",
                          path, lineno);
            break;
        }
        bool is_write = strcasecmp(fields[3], "Write") == 0;
        if (!is_write && strcasecmp(fields[3], "Read") != 0) {
            ok = drs_fail(err, DRS_EINPUT, "", "%s:%lu: Type must be Read or Write, got \"%s\"",
                          path, lineno, fields[3]);
            break;
        }
        if (records == 0 || tick < first_tick)
            first_tick = tick;
        if (records == 0 || tick > last_tick)
            last_tick = tick;
        records++;
        if (!is_write || size == 0)
            continue;
        if (size > UINT64_MAX - t->total_bytes) {
            ok = drs_fail(err, DRS_EINPUT, "", "%s:%lu: the writes add up to more than 2^64 bytes",
                          path, lineno);
            break;
        }
        if (t->count == TRACE_MAX_WRITES) {
            ok = drs_fail(err, DRS_EINPUT, "",
                          "%s:%lu: more than %zu writes, the most a trace may have: cut it into a "
                          "shorter stretch of time",
                          path, lineno, TRACE_MAX_WRITES);
            break;
        }
        DRS_GROW(t->writes, cap, t->count + 1);
        /* at_ns holds the raw tick for now; made relative once the first tick is known */
        t->writes[t->count++] = (trace_write){(int64_t)tick, offset, size};
        t->total_bytes += size;
    }
    if (ok && ferror(f))
        ok = drs_fail(err, DRS_EIO, "", "error reading trace %s", path);
    /* Times become int64 nanoseconds, and one pass lasts the span plus up to one span more (the
     * mean gap of two records): the span must leave room for both. */
    if (ok && last_tick - first_tick > TRACE_MAX_SPAN_TICKS)
        ok = drs_fail(err, DRS_EINPUT, "",
                      "%s: the records span %llu ticks of 100 ns (from %llu to %llu), more than "
                      "the 146 years a trace may cover",
                      path, (unsigned long long)(last_tick - first_tick),
                      (unsigned long long)first_tick, (unsigned long long)last_tick);
    if (!ok) {
        model_trace_free(t);
        return NULL;
    }
    for (size_t i = 0; i < t->count; i++)
        t->writes[i].at_ns = ((int64_t)((uint64_t)t->writes[i].at_ns - first_tick)) * 100;
    bool sorted = true;
    for (size_t i = 1; i < t->count && sorted; i++)
        sorted = t->writes[i - 1].at_ns <= t->writes[i].at_ns;
    if (!sorted)
        trace_sort(t->writes, t->count);
    t->cum_bytes = drs_xmalloc((t->count + 1) * sizeof *t->cum_bytes);
    t->cum_bytes[0] = 0;
    for (size_t i = 0; i < t->count; i++)
        t->cum_bytes[i + 1] = t->cum_bytes[i] + t->writes[i].size_bytes;
    int64_t span_ns = (int64_t)(last_tick - first_tick) * 100;
    int64_t gap_ns = records > 1 ? span_ns / (int64_t)(records - 1) : 0;
    t->period_ns = span_ns + (gap_ns > 0 ? gap_ns : 1);
    return t;
}

model_trace *model_trace_load(const char *path, drs_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        drs_fail(err, DRS_EIO, "", "cannot open trace %s: %s", path, strerror(errno));
        return NULL;
    }
    model_trace *t = trace_read(f, path, err);
    fclose(f);
    return t;
}

model_trace *model_trace_load_buffer(const char *data, size_t len, const char *name, drs_error *err)
{
    /* An empty trace reads like an empty file; fmemopen may refuse a buffer of size 0. */
    static const char empty[1] = "";
    FILE *f = len ? fmemopen((void *)data, len, "r") : fmemopen((void *)empty, 1, "r");
    if (!f) {
        drs_fail(err, DRS_EIO, "", "cannot read trace %s: %s", name, strerror(errno));
        return NULL;
    }
    model_trace *t = trace_read(f, name, err);
    fclose(f);
    return t;
}

void model_trace_free(model_trace *t)
{
    if (!t)
        return;
    free(t->writes);
    free(t->cum_bytes);
    free(t);
}

size_t model_trace_write_count(const model_trace *t)
{
    return t->count;
}
uint64_t model_trace_total_bytes(const model_trace *t)
{
    return t->total_bytes;
}
int64_t model_trace_period_ns(const model_trace *t)
{
    return t->period_ns;
}
