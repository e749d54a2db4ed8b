/* model/workload.c — batch write generation for steady, poisson, diurnal, bursts and trace
 * workloads.
 *
 * Steady, diurnal and bursts share one rate profile: a low rate, and a high rate inside a window
 * that repeats every period. Its integral from time 0 has a closed form, so the volume of any batch
 * is exact and independent of how time was cut into batches. */
#include "workload.h"
#include "engine/shared/alloc.h"

#include <assert.h>
#include <gsl/gsl_randist.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trace_internal.h"

#define NS_PER_DAY (INT64_C(86400) * DRS_NS_PER_S)

struct model_workload {
    drs_workload_kind kind;
    uint64_t write_size;
    double hot_set, hot_share, compressibility;
    /* rate profile: low_Bps, plus (high - low) inside [win_start, win_start + win_len) mod period
     */
    double low_Bps, high_Bps;
    int64_t period_ns, win_start_ns, win_len_ns;
    /* trace */
    const model_trace *trace;
    model_trace *owned_trace;
    bool loop;
    int64_t start_ns;
    /* scratch for a batch: drawn places (then the listed slots' first extents), the sort's buffer
     * and the writes per listed slot, grown geometrically; per-slot hit counts of a small region */
    uint64_t *draws, *sort_tmp;
    uint32_t *runs;
    size_t draws_cap;
    uint32_t *counts;
    size_t counts_cap;
};

model_workload *model_workload_new(const drs_workload *desc, const model_trace *trace,
                                   int64_t start_ns, drs_error *err)
{
    model_workload *wl = drs_xcalloc(1, sizeof *wl);
    wl->kind = desc->kind;
    wl->write_size = desc->write_size_bytes ? desc->write_size_bytes : 64 * 1024;
    wl->hot_set = desc->hot_set;
    wl->hot_share = desc->hot_share;
    wl->compressibility = desc->compressibility;
    wl->start_ns = start_ns;
    wl->loop = desc->loop;
    wl->period_ns = NS_PER_DAY;
    switch (desc->kind) {
    case DRS_WL_STEADY:
    case DRS_WL_POISSON:
        wl->low_Bps = wl->high_Bps = desc->write_rate_Bps;
        break;
    case DRS_WL_DIURNAL:
        wl->low_Bps = desc->base_rate_Bps;
        wl->high_Bps = desc->peak_rate_Bps;
        wl->win_start_ns = ((desc->peak_start_ns % NS_PER_DAY) + NS_PER_DAY) % NS_PER_DAY;
        wl->win_len_ns =
            (((desc->peak_end_ns - desc->peak_start_ns) % NS_PER_DAY) + NS_PER_DAY) % NS_PER_DAY;
        break;
    case DRS_WL_BURSTS:
        wl->low_Bps = desc->write_rate_Bps;
        wl->high_Bps = desc->write_rate_Bps + desc->burst_rate_Bps;
        if (desc->burst_every_ns > 0) {
            wl->period_ns = desc->burst_every_ns;
            wl->win_len_ns = desc->burst_length_ns < desc->burst_every_ns ? desc->burst_length_ns
                                                                          : desc->burst_every_ns;
            if (wl->win_len_ns < 0)
                wl->win_len_ns = 0;
        }
        break;
    case DRS_WL_TRACE:
        if (trace) {
            wl->trace = trace;
        } else {
            const char *path = desc->resolved_file ? desc->resolved_file : desc->file;
            if (!path) {
                drs_fail(err, DRS_EINPUT, "", "workload %s: a trace workload needs a file",
                         desc->name ? desc->name : "?");
                free(wl);
                return NULL;
            }
            wl->owned_trace = model_trace_load(path, err);
            if (!wl->owned_trace) {
                free(wl);
                return NULL;
            }
            wl->trace = wl->owned_trace;
        }
        break;
    default:
        drs_fail(err, DRS_EINTERNAL, "", "unknown workload kind %d", (int)desc->kind);
        free(wl);
        return NULL;
    }
    return wl;
}

void model_workload_free(model_workload *wl)
{
    if (!wl)
        return;
    model_trace_free(wl->owned_trace);
    free(wl->draws);
    free(wl->sort_tmp);
    free(wl->runs);
    free(wl->counts);
    free(wl);
}

/* Time in [0, t) spent inside the high window, for t >= 0. */
static int64_t wl_high_ns(const model_workload *wl, int64_t t)
{
    if (wl->win_len_ns <= 0)
        return 0;
    int64_t p = wl->period_ns, q = t / p, r = t % p;
    int64_t a = wl->win_start_ns, end = a + wl->win_len_ns;
    int64_t in = 0;
    /* part of [a, min(end, p)) below r */
    int64_t hi1 = end < p ? end : p;
    if (r > a)
        in += (r < hi1 ? r : hi1) - a;
    /* the wrapped part [0, end - p) */
    if (end > p)
        in += r < end - p ? r : end - p;
    return q * wl->win_len_ns + in;
}

/* Bytes written in [0, t) by the rate profile. */
static double wl_integral(const model_workload *wl, int64_t t)
{
    if (t <= 0)
        return 0.0;
    double hi = (double)wl_high_ns(wl, t);
    return (wl->low_Bps * (double)t + (wl->high_Bps - wl->low_Bps) * hi) / (double)DRS_NS_PER_S;
}

/* Whole writes completed by time t under the carry rule. */
static uint64_t wl_writes_by(const model_workload *wl, int64_t t)
{
    return (uint64_t)floor(wl_integral(wl, t) / (double)wl->write_size);
}

/* A batch's own generator. The caller's gsl_rng (often a function call and 40+ instructions per
 * number) seeds it once per region and batch, so the writes stay a function of the caller's stream;
 * splitmix64 then costs a few instructions per 64 bits, and each 64 bits give two places. */
static inline uint64_t wl_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t wl_seed(gsl_rng *rng)
{
    uint64_t a = gsl_rng_get(rng), b = gsl_rng_get(rng);
    return (a << 32) ^ (a >> 32) ^ (b * UINT64_C(0x9E3779B97F4A7C15));
}

/* Fills d[0..w) with independent uniform places in [0, n). Exact: each 32-bit half x gives
 * floor(x n / 2^32), rejected when its low word is below 2^32 mod n (Lemire's method), so every
 * place has probability exactly 1/n. */
static void wl_draw_places(uint64_t *seed, uint64_t n, uint64_t *d, uint64_t w)
{
    if (n > UINT32_MAX) { /* never for real disks (2^32 extents); plain rejection on 64 bits */
        uint64_t limit = UINT64_MAX - UINT64_MAX % n;
        for (uint64_t i = 0; i < w; i++) {
            uint64_t x;
            do
                x = wl_next(seed);
            while (x >= limit);
            d[i] = x % n;
        }
        return;
    }
    uint32_t n32 = (uint32_t)n, t = (uint32_t)(0u - n32) % n32;
    uint64_t i = 0;
    while (i < w) {
        uint64_t x = wl_next(seed);
        uint64_t hi = (x >> 32) * n32, lo = (x & UINT32_MAX) * n32;
        if ((uint32_t)hi >= t)
            d[i++] = hi >> 32;
        if ((uint32_t)lo >= t && i < w)
            d[i++] = lo >> 32;
    }
}

/* Room for w entries in the batch scratch; listed entries are kept. */
static void wl_scratch(model_workload *wl, uint64_t w)
{
    if (w <= wl->draws_cap)
        return;
    size_t cap = wl->draws_cap ? wl->draws_cap : 256;
    while (cap < w)
        cap *= 2;
    free(wl->sort_tmp);
    wl->draws = drs_xrealloc(wl->draws, cap, sizeof *wl->draws);
    wl->sort_tmp = drs_xmalloc(cap * sizeof *wl->sort_tmp);
    wl->runs = drs_xrealloc(wl->runs, cap, sizeof *wl->runs);
    wl->draws_cap = cap;
}

/* Places per region up to which a batch counts hits in an array indexed by place (O(w + n), no
 * sort); the array is per workload, so it stays small. */
#define WL_COUNT_MAX 8192

/* w writes spread over slots [first, first + n), each slot being k extents. The batch reaches the
 * disk as one ascending list of (slot, writes) with every slot once: rewrites of a slot within a
 * batch are one stamp, and the disk's arrays are walked forward. Three ways to the per-slot counts,
 * all exact in distribution (multinomial with equal probabilities), chosen by cost:
 *   w >= 32 n           one binomial per slot (successive splitting): O(n), whatever w;
 *   n <= 16 w, small n  one uniform draw per write, counted in an array indexed by slot: O(w + n);
 *   otherwise (sparse)  one uniform draw per write, radix-sorted, runs counted: O(w). */
static void wl_place_region(model_workload *wl, model_disk *disk, uint64_t first, uint64_t n,
                            uint64_t k, uint64_t w, gsl_rng *rng)
{
    if (!w || !n)
        return;
    uint64_t s = wl->write_size;
    double comp = wl->compressibility;
    if (model_disk_is_fluid(disk)) {
        model_disk_write_spread(disk, first * k, n * k, w, w * s, comp);
        return;
    }
    size_t m = 0; /* slots listed */
    if (w >= 32 * n) {
        wl_scratch(wl, n);
        uint64_t rem = w;
        for (uint64_t i = 0; i < n && rem; i++) {
            uint64_t c;
            if (i == n - 1) {
                c = rem;
            } else {
                double p = 1.0 / (double)(n - i);
                c = 0;
                uint64_t left = rem;
                while (left) { /* gsl_ran_binomial takes an unsigned int */
                    unsigned part = left > UINT_MAX ? UINT_MAX : (unsigned)left;
                    c += gsl_ran_binomial(rng, p, part);
                    left -= part;
                }
            }
            for (uint64_t c_left = c; c_left;) { /* a slot's count is kept in 32 bits */
                uint32_t part = c_left > UINT32_MAX ? UINT32_MAX : (uint32_t)c_left;
                wl_scratch(wl, m + 1);
                wl->draws[m] = (first + i) * k;
                wl->runs[m++] = part;
                c_left -= part;
            }
            rem -= c;
        }
    } else if (n <= WL_COUNT_MAX && n <= 16 * w) {
        uint64_t seed = wl_seed(rng);
        if (n > wl->counts_cap) {
            free(wl->counts);
            wl->counts = drs_xmalloc((size_t)n * sizeof *wl->counts);
            wl->counts_cap = (size_t)n;
        }
        memset(wl->counts, 0, (size_t)n * sizeof *wl->counts);
        wl_scratch(wl, n < w ? n : w);
        uint32_t n32 = (uint32_t)n, t = (uint32_t)(0u - n32) % n32;
        uint32_t *cnt = wl->counts;
        for (uint64_t i = 0; i < w;) {
            uint64_t x = wl_next(&seed);
            uint64_t hi = (x >> 32) * n32, lo = (x & UINT32_MAX) * n32;
            if ((uint32_t)hi >= t) {
                cnt[hi >> 32]++;
                i++;
            }
            if ((uint32_t)lo >= t && i < w) {
                cnt[lo >> 32]++;
                i++;
            }
        }
        for (uint64_t i = 0; i < n; i++) {
            if (cnt[i]) {
                wl->draws[m] = (first + i) * k;
                wl->runs[m++] = cnt[i];
            }
        }
    } else {
        uint64_t seed = wl_seed(rng);
        wl_scratch(wl, w);
        wl_draw_places(&seed, n, wl->draws, w);
        model_extents_sort(wl->draws, (size_t)w, wl->sort_tmp);
        for (uint64_t i = 0; i < w;) {
            uint64_t j = i + 1;
            while (j < w && wl->draws[j] == wl->draws[i])
                j++;
            wl->draws[m] = (first + wl->draws[i]) * k; /* m <= i: rewritten in place */
            assert(j - i <= UINT32_MAX); /* w itself is far below: it fits in memory */
            wl->runs[m++] = (uint32_t)(j - i);
            i = j;
        }
    }
    model_disk_write_batch(disk, wl->draws, wl->runs, m, k, s, comp);
}

/* Splits w writes between the hot part and the rest of the disk's used extents. */
static void wl_place(model_workload *wl, model_disk *disk, uint64_t w, gsl_rng *rng)
{
    if (!w)
        return;
    uint64_t e = model_disk_extent_bytes(disk), a = model_disk_active_extents(disk);
    uint64_t k = (wl->write_size + e - 1) / e;
    if (k > a)
        k = a;
    if (k < 1)
        k = 1;
    uint64_t slots = a / k;
    uint64_t hot = slots;
    if (wl->hot_set < 1.0) {
        double h = round(wl->hot_set * (double)slots);
        hot = h < 1 ? 1 : (uint64_t)h;
        if (hot > slots)
            hot = slots;
    }
    uint64_t wh = w;
    if (hot < slots && wl->hot_share < 1.0) {
        wh = 0;
        uint64_t left = w;
        while (left) {
            unsigned part = left > UINT_MAX ? UINT_MAX : (unsigned)left;
            wh += gsl_ran_binomial(rng, wl->hot_share, part);
            left -= part;
        }
    }
    wl_place_region(wl, disk, 0, hot, k, wh, rng);
    wl_place_region(wl, disk, hot, slots - hot, k, w - wh, rng);
}

/* Index of the first trace write at or after rel_ns within a pass. */
static size_t trace_lower(const model_trace *t, int64_t rel_ns)
{
    size_t lo = 0, hi = t->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->writes[mid].at_ns < rel_ns)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* One traced write: offset modulo the used size, wrapping at its end, split exactly over extents.
 */
static void trace_emit(const model_workload *wl, model_disk *disk, const trace_write *tw)
{
    uint64_t e = model_disk_extent_bytes(disk);
    uint64_t used = model_disk_active_extents(disk) * e;
    (void)used; /* read only by the assert below */
    uint64_t used_b =
        model_disk_used_bytes(disk) ? model_disk_used_bytes(disk) : model_disk_size_bytes(disk);
    uint64_t pos = tw->offset_bytes % used_b, left = tw->size_bytes;
    uint64_t writes = 1;
    while (left) {
        uint64_t piece = left < used_b - pos ? left : used_b - pos;
        uint64_t end = pos + piece;
        for (uint64_t x = pos; x < end;) {
            uint64_t ext = x / e;
            uint64_t stop = (ext + 1) * e < end ? (ext + 1) * e : end;
            assert(ext * e < used);
            model_disk_write(disk, ext, 1, writes, stop - x, wl->compressibility);
            writes = 0;
            x = stop;
        }
        left -= piece;
        pos = 0;
    }
}

/* Calls fn on every pass-relative window of [rel0, rel1) (one per loop pass touched). */
static void trace_windows(const model_workload *wl, int64_t rel0, int64_t rel1,
                          void (*fn)(const model_workload *, size_t, size_t, void *), void *arg)
{
    const model_trace *t = wl->trace;
    if (rel1 <= rel0 || !t->count)
        return;
    int64_t p = t->period_ns;
    if (!wl->loop) {
        fn(wl, trace_lower(t, rel0), trace_lower(t, rel1), arg);
        return;
    }
    for (int64_t k = rel0 / p; k * p < rel1; k++) {
        int64_t lo = rel0 - k * p, hi = rel1 - k * p;
        fn(wl, trace_lower(t, lo > 0 ? lo : 0), trace_lower(t, hi < p ? hi : p), arg);
    }
}

static void trace_emit_range(const model_workload *wl, size_t i0, size_t i1, void *arg)
{
    for (size_t i = i0; i < i1; i++)
        trace_emit(wl, (model_disk *)arg, &wl->trace->writes[i]);
}

static void trace_sum_range(const model_workload *wl, size_t i0, size_t i1, void *arg)
{
    *(uint64_t *)arg += wl->trace->cum_bytes[i1] - wl->trace->cum_bytes[i0];
}

void model_workload_generate(model_workload *wl, model_disk *disk, int64_t t0_ns, int64_t t1_ns,
                             gsl_rng *rng)
{
    if (t0_ns < wl->start_ns)
        t0_ns = wl->start_ns;
    if (t1_ns <= t0_ns)
        return;
    switch (wl->kind) {
    case DRS_WL_TRACE:
        trace_windows(wl, t0_ns - wl->start_ns, t1_ns - wl->start_ns, trace_emit_range, disk);
        return;
    case DRS_WL_POISSON: {
        double mean =
            wl->low_Bps * (double)(t1_ns - t0_ns) / (double)DRS_NS_PER_S / (double)wl->write_size;
        uint64_t w = 0;
        /* gsl_ran_poisson returns an unsigned int: draw very large means in parts */
        while (mean > 1e9) {
            w += gsl_ran_poisson(rng, 1e9);
            mean -= 1e9;
        }
        w += gsl_ran_poisson(rng, mean);
        wl_place(wl, disk, w, rng);
        return;
    }
    default:
        wl_place(wl, disk, wl_writes_by(wl, t1_ns) - wl_writes_by(wl, t0_ns), rng);
        return;
    }
}

double model_workload_mean_rate_Bps(const model_workload *wl)
{
    if (wl->kind == DRS_WL_TRACE)
        return (double)wl->trace->total_bytes * (double)DRS_NS_PER_S / (double)wl->trace->period_ns;
    return wl->low_Bps +
           (wl->high_Bps - wl->low_Bps) * (double)wl->win_len_ns / (double)wl->period_ns;
}

uint64_t model_workload_bytes_between(const model_workload *wl, int64_t t0_ns, int64_t t1_ns)
{
    if (t0_ns < wl->start_ns)
        t0_ns = wl->start_ns;
    if (t1_ns <= t0_ns)
        return 0;
    switch (wl->kind) {
    case DRS_WL_TRACE: {
        uint64_t b = 0;
        trace_windows(wl, t0_ns - wl->start_ns, t1_ns - wl->start_ns, trace_sum_range, &b);
        return b;
    }
    case DRS_WL_POISSON:
        return (uint64_t)llround(wl->low_Bps * (double)(t1_ns - t0_ns) / (double)DRS_NS_PER_S);
    default:
        return (wl_writes_by(wl, t1_ns) - wl_writes_by(wl, t0_ns)) * wl->write_size;
    }
}
