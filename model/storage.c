/* model/storage.c — accounting of used bytes per storage classification. */
#include "storage.h"

#include <assert.h>
#include <math.h>

void model_storage_init(model_storage *st, uint64_t capacity_bytes, double read_Bps, double write_Bps)
{
    st->capacity_bytes = capacity_bytes;
    st->used_bytes = 0;
    st->peak_used_bytes = 0;
    st->read_Bps = read_Bps;
    st->write_Bps = write_Bps;
}

bool model_storage_reserve(model_storage *st, uint64_t bytes)
{
    if (bytes > st->capacity_bytes - st->used_bytes)
        return false;
    st->used_bytes += bytes;
    if (st->used_bytes > st->peak_used_bytes)
        st->peak_used_bytes = st->used_bytes;
    return true;
}

void model_storage_release(model_storage *st, uint64_t bytes)
{
    assert(bytes <= st->used_bytes);
    st->used_bytes -= bytes;
}

uint64_t model_storage_free_bytes(const model_storage *st)
{
    return st->capacity_bytes - st->used_bytes;
}

void model_storage_fill(model_storage *st, uint64_t free_bytes)
{
    if (free_bytes < model_storage_free_bytes(st))
        st->used_bytes = st->capacity_bytes - free_bytes;
}

int64_t model_storage_time_ns(uint64_t bytes, double rate_Bps)
{
    if (bytes == 0)
        return 0;
    if (rate_Bps <= 0)
        return INT64_MAX;
    return (int64_t)ceil((double)bytes * 1e9 / rate_Bps);
}
