/* model/disk.h — a virtual disk as a set of versioned extents, its digest and its change log.
 *
 * A disk is split into extents (1 MiB unless the scenario says otherwise). Every write stamps the
 * extents it touches with a fresh version; an extent never written has version 0, which counts as
 * absent. The disk keeps a digest of its (extent, version) pairs that changes in O(1) per stamp:
 *
 *     digest = sum over written extents of h(extent, version)   (mod 2^64)
 *
 * with h a strong 64-bit mixer. A sum does not depend on the order of the stamps, so two disks that
 * received the same final versions agree whatever the order of independent writes; that is what
 * lets a replica prove it holds exactly the content of a recovery point.
 *
 * The map extent -> version is sparse (an open-addressing hash), so an idle 2 TiB disk costs almost
 * nothing; once a quarter of the written part is populated it turns into a plain array, which is
 * then the cheaper of the two.
 *
 * The change log models Hyper-V Replica's log (HRL): between two takes it accumulates every write's
 * bytes (log-based tracking sends them all), the bytes of each extent's final content (coalesced
 * tracking), the write count, the byte-weighted compressibility and the set of extents touched.
 * Taking the log closes it into a drs_delta and opens a new one.
 *
 * The same type is the replica disk: apply a delta (optionally keeping an undo record to go back to
 * an older recovery point), copy a base from the primary, or list the extents in which two disks
 * differ.
 *
 * Fluid fidelity keeps no extent map at all: byte counters only, digest 0, deltas without extents.
 *
 * Ownership: model_disk_new returns a disk the caller frees with model_disk_free. Deltas and undo
 * records filled by this module own their arrays; free them with drs_delta_free /
 * model_disk_undo_free. A disk is not thread-safe; distinct disks are independent. */
#ifndef MODEL_DISK_H
#define MODEL_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/shared/delta.h"
#include "engine/shared/error.h"

#define MODEL_DISK_DEFAULT_EXTENT_BYTES (UINT64_C(1) << 20)
/* Versions carry the writer id in their low bits so that two disks (a primary and its replica after
 * a failover) never stamp the same version on the same extent for different content. */
#define MODEL_DISK_WRITER_BITS 24

typedef struct model_disk model_disk;

typedef struct model_disk_config {
    uint64_t size_bytes;   /* > 0 */
    uint64_t used_bytes;   /* <= size_bytes; writes land in [0, used) (the whole disk when 0) */
    uint64_t extent_bytes; /* 0 means MODEL_DISK_DEFAULT_EXTENT_BYTES; at most 1 GiB */
    bool fluid;            /* byte counters only */
    uint32_t writer_id;    /* < 2^MODEL_DISK_WRITER_BITS; distinct per disk that may write */
} model_disk_config;

/* What an apply overwrote, to go back to the replica content before it. Owns extents. */
typedef struct model_disk_undo {
    drs_extent_version *extents; /* previous versions, 0 = was never written */
    size_t count;
    uint64_t digest_before;
} model_disk_undo;

/* Returns NULL and fills err (DRS_EINPUT) for impossible sizes. The log opens at now_ns. */
model_disk *model_disk_new(const model_disk_config *cfg, int64_t now_ns, drs_error *err);
void model_disk_free(model_disk *d);

uint64_t model_disk_size_bytes(const model_disk *d);
uint64_t model_disk_used_bytes(const model_disk *d);
uint64_t model_disk_extent_bytes(const model_disk *d);
/* Extents of the part writes land in: ceil(used / extent size) (of the whole disk when used is 0).
 */
uint64_t model_disk_active_extents(const model_disk *d);
bool model_disk_is_fluid(const model_disk *d);
uint64_t model_disk_digest(const model_disk *d);
/* Version of one extent, 0 when never written (always 0 in fluid fidelity). */
uint64_t model_disk_version(const model_disk *d, uint64_t extent);
/* Extents currently holding a version. */
uint64_t model_disk_written_extents(const model_disk *d);
/* Heap bytes held by the extent map and the log (for memory checks). */
size_t model_disk_memory_bytes(const model_disk *d);
/* Everything ever written to this disk (not reset by log takes). */
uint64_t model_disk_lifetime_bytes(const model_disk *d);
uint64_t model_disk_lifetime_writes(const model_disk *d);

/* --- writing (used by the workloads) --- */

/* writes I/Os totalling bytes, covering every extent of [first_extent, first_extent + span): each
 * of those extents gets a new version and bytes / span of the bytes. span >= 1, extents < the
 * disk's extent count. In fluid fidelity only the counters move (coalesced bytes are then
 * min(bytes, span extents), an upper bound, since no map says what was already in the log). */
void model_disk_write(model_disk *d, uint64_t first_extent, uint64_t span, uint64_t writes,
                      uint64_t bytes, double compressibility);
/* The writes of one batch: for each i < n, writes[i] I/Os of write_bytes each covering the span
 * extents from first_extents[i]. Exactly the effect of calling model_disk_write(d,
 * first_extents[i], span, writes[i], writes[i] x write_bytes, compressibility) for i = 0, 1, ... in
 * turn (up to the rounding of the compressibility sum), at a lower cost per place: listing places
 * in ascending order, each once, lets the disk walk its map forward and fetch ahead. */
void model_disk_write_batch(model_disk *d, const uint64_t *first_extents, const uint32_t *writes,
                            size_t n, uint64_t span, uint64_t write_bytes, double compressibility);
/* Fluid fidelity only: writes I/Os of bytes / writes each, landing uniformly at random on the
 * region_extents extents starting at first_extent. Coalesced bytes are estimated from the expected
 * number of writes per extent when the log is taken, so they agree on average with extent fidelity.
 */
void model_disk_write_spread(model_disk *d, uint64_t first_extent, uint64_t region_extents,
                             uint64_t writes, uint64_t bytes, double compressibility);

/* --- the change log --- */

/* Bytes of every write in the open log. */
uint64_t model_disk_log_bytes(const model_disk *d);
uint64_t model_disk_log_writes(const model_disk *d);
/* Bytes written to one extent in the open log, saturated at the extent size (its coalesced bytes).
 */
uint64_t model_disk_log_extent_bytes(const model_disk *d, uint64_t extent);
/* Closes the open log into *out (overwritten; the caller owns out->extents) and opens a new one at
 * now_ns. Extents are sorted and unique with their current versions; digest = the disk's digest
 * now. */
void model_disk_log_take(model_disk *d, int64_t now_ns, drs_delta *out);
/* Throws the open log away and opens a new one at now_ns. */
void model_disk_log_discard(model_disk *d, int64_t now_ns);

/* --- the replica side --- */

/* Stamps the delta's versions (version 0 removes the extent). When undo is not NULL it is filled
 * with the versions the delta overwrote (the caller frees it with model_disk_undo_free). Does not
 * log. */
void model_disk_apply(model_disk *replica, const drs_delta *delta, model_disk_undo *undo);
/* Puts back what one apply overwrote. Undo records must be reverted newest first. */
void model_disk_revert(model_disk *replica, const model_disk_undo *undo);
void model_disk_undo_free(model_disk_undo *undo);
/* Makes the replica's content (versions, digest) equal to the primary's. Both disks must have the
 * same geometry and fidelity. The replica's open log is discarded (it keeps its opening time). */
void model_disk_copy_from(model_disk *replica, const model_disk *primary);
/* Drops all content (every extent back to version 0, digest 0); the log is discarded too. */
void model_disk_clear(model_disk *d, int64_t now_ns);
/* Fills *out with every extent whose version differs between the two disks, with the primary's
 * version (0 where the primary never wrote it): applying it to the replica makes the two equal.
 * log_bytes = coalesced_bytes = extents x extent size, bounded by the used size; digest = the
 * primary digest. In fluid fidelity nothing says which extents differ, so the whole used part is
 * reported (bytes = used, no extents). The caller owns out->extents. */
void model_disk_diff(const model_disk *primary, const model_disk *replica, int64_t now_ns,
                     drs_delta *out);

/* Sorts extent numbers ascending (radix sort; insertion sort when short). tmp must hold n values;
 * n < 2^32.
 * Shared by the log and the workloads, whose batches are applied in extent order for locality. */
void model_extents_sort(uint64_t *a, size_t n, uint64_t *tmp);

/* The digest term of one (extent, version) pair; 0 for version 0. Exposed for tests and checks. */
uint64_t model_disk_digest_term(uint64_t extent, uint64_t version);

#endif
