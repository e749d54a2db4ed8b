/* model/workload.h — write workloads: what a disk's guest writes over time, generated in batches.
 *
 * A workload turns a stretch of simulated time [t0, t1) into writes on a model_disk, in one call per
 * batch (a replication cycle, typically), never one event per I/O. Volumes:
 *
 *   steady   rate x time, no randomness: writes(t) = floor(F(t) / write_size) with F the integral of
 *            the rate from time 0, so a batch emits writes(t1) - writes(t0) whole writes and the
 *            fraction of a write left over is carried into the next batch; any run is exact;
 *   poisson  write arrivals Poisson at rate / write_size per second;
 *   diurnal  base_rate outside [peak_start, peak_end) of every day (day 0 starts at time 0; a window
 *            whose end is before its start wraps over midnight), peak_rate inside, integrated exactly
 *            across the boundaries; volume rule of steady;
 *   bursts   write_rate, plus burst_rate during [k burst_every, k burst_every + burst_length),
 *            k = 0, 1, ...; volume rule of steady;
 *   trace    the writes of an MSR Cambridge trace, at their recorded times relative to the trace's
 *            first record (record 0 plays at the workload's start), offsets modulo the disk's used
 *            size; with loop, the trace restarts every model_trace_period_ns.
 *
 * Placement (all but trace): the first hot_set of the disk's used extents receives hot_share of the
 * writes, the rest the remainder, uniformly within each part. A write of write_size covers
 * ceil(write_size / extent size) consecutive extents. Per-place counts are exact in distribution
 * (multinomial): below 32 writes per place of a part, each write draws its place from a generator
 * seeded once per batch from the caller's stream (counted per place for a small part, radix-sorted
 * for a sparse one); from 32 writes per place on, one binomial per place. A batch thus costs
 * O(min(writes, 32 x extents)), and reaches the disk as one ascending list of places, each once.
 *
 * Because volumes of the deterministic kinds depend only on absolute time, a disk may switch workload
 * at any time (workload.set): free the old model_workload and create the new one with start_ns = now.
 *
 * Randomness comes only from the gsl_rng passed to generate, which the caller owns (one stream per
 * disk): the same stream gives the same writes. */
#ifndef MODEL_WORKLOAD_H
#define MODEL_WORKLOAD_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/shared/desc.h"
#include "engine/shared/error.h"
#include "disk.h"

/* A block trace loaded in memory (writes only). Shareable, read-only, by any number of workloads. */
typedef struct model_trace model_trace;

/* Reads an MSR Cambridge CSV. NULL and err (DRS_EIO unreadable, DRS_EINPUT malformed, with file and
 * line) on failure. The caller frees the result with model_trace_free. */
model_trace *model_trace_load(const char *path, drs_error *err);
/* The same from len bytes of CSV in memory (read during the call only); name stands for the file in
 * messages. */
model_trace *model_trace_load_buffer(const char *data, size_t len, const char *name,
                                     drs_error *err);
void model_trace_free(model_trace *t);
size_t model_trace_write_count(const model_trace *t);
uint64_t model_trace_total_bytes(const model_trace *t);
/* Length of one pass: time of the last record plus the mean gap between records. */
int64_t model_trace_period_ns(const model_trace *t);

typedef struct model_workload model_workload;

/* desc is read during the call only. For a trace workload, trace is the loaded trace (borrowed: it
 * must outlive the workload), or NULL to load desc->resolved_file (desc->file when that is NULL),
 * owned by the workload. start_ns is when the workload begins (a trace's record 0 plays then).
 * NULL and err on failure. Free with model_workload_free. */
model_workload *model_workload_new(const drs_workload *desc, const model_trace *trace,
                                   int64_t start_ns, drs_error *err);
void model_workload_free(model_workload *wl);

/* Writes into disk everything the workload writes in [t0_ns, t1_ns) (t0 >= the start). Batches are
 * expected back to back; a trace workload skips records of a gap it was not asked about. */
void model_workload_generate(model_workload *wl, model_disk *disk, int64_t t0_ns, int64_t t1_ns,
                             gsl_rng *rng);

/* Long-run mean byte rate (for planning and checks). */
double model_workload_mean_rate_Bps(const model_workload *wl);
/* Bytes the deterministic kinds write in [t0, t1) (the mean for poisson; for trace, the recorded
 * bytes whose times fall in the window). */
uint64_t model_workload_bytes_between(const model_workload *wl, int64_t t0_ns, int64_t t1_ns);

#endif
