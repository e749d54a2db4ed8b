/* model/storage.h — a storage classification at a site: capacity, used bytes, read and write rates.
 *
 * Plain value type embedded by the site model; no allocation. Refuses a reservation that would overflow
 * the capacity (the caller turns that into "replica storage full"). */
#ifndef MODEL_STORAGE_H
#define MODEL_STORAGE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct model_storage {
    uint64_t capacity_bytes;
    uint64_t used_bytes;
    uint64_t peak_used_bytes;
    double read_Bps, write_Bps;
} model_storage;

void model_storage_init(model_storage *st, uint64_t capacity_bytes, double read_Bps, double write_Bps);
/* Take bytes; false (and nothing taken) when they do not fit. */
bool model_storage_reserve(model_storage *st, uint64_t bytes);
/* Give bytes back; releasing more than is used is a caller bug (asserted). */
void model_storage_release(model_storage *st, uint64_t bytes);
uint64_t model_storage_free_bytes(const model_storage *st);
/* storage.fill: leave only free_bytes free, by taking the rest as foreign data. */
void model_storage_fill(model_storage *st, uint64_t free_bytes);
/* Time to move bytes at the given rate, in ns (rounded up; 0 bytes cost nothing). */
int64_t model_storage_time_ns(uint64_t bytes, double rate_Bps);

#endif
