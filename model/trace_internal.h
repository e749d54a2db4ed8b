/* model/trace_internal.h — the in-memory form of a replayed block trace (model/ only). */
#ifndef MODEL_TRACE_INTERNAL_H
#define MODEL_TRACE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* One write of the trace, at at_ns after the trace's first record. */
typedef struct trace_write {
    int64_t at_ns;
    uint64_t offset_bytes;
    uint64_t size_bytes;
} trace_write;

struct model_trace {
    trace_write *writes; /* sorted by at_ns (stable: file order breaks ties) */
    size_t count;
    uint64_t *cum_bytes; /* cum_bytes[i] = bytes of writes[0..i), count + 1 entries */
    uint64_t total_bytes;
    int64_t period_ns; /* one pass: time of the last record plus the mean gap between records */
};

#endif
