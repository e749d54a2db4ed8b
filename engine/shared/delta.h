/* engine/shared/delta.h — what one replication cycle carries: the writes of a disk's closed log.
 *
 * Data only. The model produces deltas from a disk's change log (model/disk.h); the engine ships them
 * and applies them at the replica. A delta owns its extents array (free with drs_delta_free). */
#ifndef DRS_DELTA_H
#define DRS_DELTA_H

#include <stdint.h>
#include <stdlib.h>

/* An extent of a disk (index = byte offset / extent size) and the version it was stamped with. */
typedef struct drs_extent_version {
    uint64_t extent;
    uint64_t version;
} drs_extent_version;

typedef struct drs_delta {
    int64_t opened_ns, captured_ns; /* the log covered writes in [opened_ns, captured_ns) */
    uint64_t writes;                /* write I/Os logged */
    uint64_t log_bytes;             /* bytes of every logged write: what log-based tracking sends */
    uint64_t coalesced_bytes;       /* bytes of the final content per extent: what coalesced sends */
    double compressibility;         /* byte-weighted mean of the written content's compressibility */
    /* Final version of every extent written in the log, sorted by extent, no duplicates. NULL and 0 in
     * fluid fidelity, where only byte counters are kept. */
    drs_extent_version *extents;
    size_t extent_count;
    uint64_t digest; /* digest of the primary disk at capture (0 in fluid fidelity) */
} drs_delta;

static inline void drs_delta_free(drs_delta *d)
{
    free(d->extents);
    d->extents = NULL;
    d->extent_count = 0;
}

#endif
