/* model/disk.c — versioned extents, the incremental digest, the change log, replica operations.
 *
 * Two maps live here. The content map (extent -> version) starts as an open-addressing hash with
 * linear probing and turns into a plain array over the active extents (the part writes land in)
 * once a quarter of them are populated: at a load of at most 1/2 a hash slot costs 32 bytes per
 * entry (plus a log entry), an array cell 12 per extent (version and log bytes), so from about then
 * on the array is no worse and it is much faster. Extents outside the active part (possible only
 * through apply/copy) stay in the hash.
 *
 * The log keeps, per extent touched since it opened, the bytes written to it (saturated at the
 * extent size: that is the extent's coalesced content), in a hash or, once the content map is an
 * array, in the extent's cell next to its version. A list of the extents touched makes take and
 * reset cost O(extents touched), not O(disk). */
#include "disk.h"

#include "engine/shared/alloc.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------- */
/* Hash map uint64 -> uint64, linear probing, backward-shift deletion. Keys are stored as extent + 1
 * so that 0 marks an empty slot. */

typedef struct dmap_slot {
    uint64_t key;
    uint64_t val;
} dmap_slot;

typedef struct dmap {
    dmap_slot *slots;
    size_t cap; /* power of two, or 0 */
    size_t count;
    unsigned shift; /* 64 - log2(cap) */
} dmap;

static inline size_t dmap_home(const dmap *m, uint64_t key)
{
    return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> m->shift);
}

static void dmap_free(dmap *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static void dmap_init_cap(dmap *m, size_t cap)
{
    unsigned bits = 0;
    while (((size_t)1 << bits) < cap)
        bits++;
    m->cap = (size_t)1 << bits;
    m->shift = 64u - bits;
    if (bits == 0) { /* a shift by 64 is undefined; keep one-slot maps out */
        m->cap = 2;
        m->shift = 63;
    }
    m->slots = drs_xcalloc(m->cap, sizeof *m->slots);
    m->count = 0;
}

static void dmap_rehash(dmap *m, size_t cap)
{
    dmap old = *m;
    dmap_init_cap(m, cap);
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.slots[i].key)
            continue;
        size_t j = dmap_home(m, old.slots[i].key);
        while (m->slots[j].key)
            j = (j + 1) & (m->cap - 1);
        m->slots[j] = old.slots[i];
        m->count++;
    }
    free(old.slots);
}

static inline dmap_slot *dmap_find(const dmap *m, uint64_t extent)
{
    if (!m->count)
        return NULL;
    uint64_t key = extent + 1;
    size_t j = dmap_home(m, key);
    for (;;) {
        dmap_slot *s = &m->slots[j];
        if (s->key == key)
            return s;
        if (!s->key)
            return NULL;
        j = (j + 1) & (m->cap - 1);
    }
}

/* Slot of extent, inserted with val 0 when absent (*fresh says so). */
static inline dmap_slot *dmap_upsert(dmap *m, uint64_t extent, bool *fresh)
{
    if ((m->count + 1) * 2 > m->cap)
        dmap_rehash(m, m->cap ? m->cap * 2 : 16);
    uint64_t key = extent + 1;
    size_t j = dmap_home(m, key);
    for (;;) {
        dmap_slot *s = &m->slots[j];
        if (s->key == key) {
            *fresh = false;
            return s;
        }
        if (!s->key) {
            s->key = key;
            s->val = 0;
            m->count++;
            *fresh = true;
            return s;
        }
        j = (j + 1) & (m->cap - 1);
    }
}

/* Removes the slot (which must belong to m), shifting later members of its cluster back. */
static void dmap_remove_slot(dmap *m, dmap_slot *s)
{
    size_t mask = m->cap - 1;
    size_t hole = (size_t)(s - m->slots);
    size_t j = hole;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->slots[j].key)
            break;
        size_t home = dmap_home(m, m->slots[j].key);
        /* the entry at j may move to the hole when its home is not in (hole, j] cyclically */
        bool stays = (hole <= j) ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!stays) {
            m->slots[hole] = m->slots[j];
            hole = j;
        }
    }
    m->slots[hole].key = 0;
    m->slots[hole].val = 0;
    m->count--;
}

/* Empties the map; a table much larger than what it last held is given back. */
static void dmap_clear(dmap *m)
{
    if (!m->cap)
        return;
    if (m->cap > 64 && m->count * 8 < m->cap) {
        dmap_free(m);
        return;
    }
    memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->count = 0;
}

/* ---------------------------------------------------------------------------------------------- */

enum { DISK_REGIONS = 8 };

/* Fluid fidelity: writes spread uniformly over a region, accumulated for the coalesced estimate. */
typedef struct disk_region {
    uint64_t first, extents, writes, bytes;
} disk_region;

/* One extent of the dense form: its version and its bytes in the open log side by side, so a stamp
 * touches one cache line. 32-bit parts keep the cell at 12 bytes. log: 0 untouched in the open log,
 * else 1 + bytes written to it (saturated at the extent size). */
typedef struct dense_cell {
    uint32_t v_lo, v_hi, log;
} dense_cell;

static inline uint64_t cell_version(const dense_cell *c)
{
    return (uint64_t)c->v_hi << 32 | c->v_lo;
}

static inline void cell_set_version(dense_cell *c, uint64_t v)
{
    c->v_lo = (uint32_t)v;
    c->v_hi = (uint32_t)(v >> 32);
}

typedef struct disk_log {
    int64_t opened_ns;
    uint64_t writes, bytes, coalesced;
    double comp_bytes; /* sum of bytes x compressibility */
    dmap bytes_map;    /* extent -> bytes in this log (saturated), outside the dense array */
    uint64_t *touched; /* extents touched in this log, each once */
    size_t touched_count, touched_cap;
    disk_region regions[DISK_REGIONS]; /* fluid */
    size_t region_count;
    uint64_t fluid_direct_coalesced; /* fluid: from model_disk_write */
} disk_log;

struct model_disk {
    uint64_t size_bytes, used_bytes, extent_bytes;
    uint64_t extent_count; /* of the whole disk */
    uint64_t active_extents;
    bool fluid;
    uint32_t writer_id;
    uint64_t counter; /* versions stamped so far */
    uint64_t digest;
    uint64_t written;  /* extents with a version */
    dmap map;          /* extent -> version, for extents not in cells */
    dense_cell *cells; /* extents [0, active_extents), once dense */
    uint64_t map_low;  /* hash entries with extent < active_extents */
    uint64_t lifetime_bytes, lifetime_writes;
    disk_log log;
};

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

uint64_t model_disk_digest_term(uint64_t extent, uint64_t version)
{
    if (!version)
        return 0;
    return mix64(mix64(extent + UINT64_C(0x9E3779B97F4A7C15)) ^ version);
}

model_disk *model_disk_new(const model_disk_config *cfg, int64_t now_ns, drs_error *err)
{
    uint64_t ext = cfg->extent_bytes ? cfg->extent_bytes : MODEL_DISK_DEFAULT_EXTENT_BYTES;
    if (cfg->size_bytes == 0) {
        drs_fail(err, DRS_EINPUT, "", "disk size must be positive");
        return NULL;
    }
    if (cfg->used_bytes > cfg->size_bytes) {
        drs_fail(err, DRS_EINPUT, "", "used size %llu exceeds disk size %llu",
                 (unsigned long long)cfg->used_bytes, (unsigned long long)cfg->size_bytes);
        return NULL;
    }
    if (ext > (UINT64_C(1) << 30)) {
        drs_fail(err, DRS_EINPUT, "", "extent size %llu exceeds 1 GiB", (unsigned long long)ext);
        return NULL;
    }
    if (cfg->writer_id >= (UINT32_C(1) << MODEL_DISK_WRITER_BITS)) {
        drs_fail(err, DRS_EINTERNAL, "", "writer id %u out of range", (unsigned)cfg->writer_id);
        return NULL;
    }
    model_disk *d = drs_xcalloc(1, sizeof *d);
    d->size_bytes = cfg->size_bytes;
    d->used_bytes = cfg->used_bytes;
    d->extent_bytes = ext;
    d->extent_count = (cfg->size_bytes + ext - 1) / ext;
    uint64_t active = cfg->used_bytes ? cfg->used_bytes : cfg->size_bytes;
    d->active_extents = (active + ext - 1) / ext;
    d->fluid = cfg->fluid;
    d->writer_id = cfg->writer_id;
    d->log.opened_ns = now_ns;
    return d;
}

static void log_free(disk_log *l)
{
    dmap_free(&l->bytes_map);
    free(l->touched);
}

void model_disk_free(model_disk *d)
{
    if (!d)
        return;
    dmap_free(&d->map);
    free(d->cells);
    log_free(&d->log);
    free(d);
}

uint64_t model_disk_size_bytes(const model_disk *d)
{
    return d->size_bytes;
}
uint64_t model_disk_used_bytes(const model_disk *d)
{
    return d->used_bytes;
}
uint64_t model_disk_extent_bytes(const model_disk *d)
{
    return d->extent_bytes;
}
uint64_t model_disk_active_extents(const model_disk *d)
{
    return d->active_extents;
}
bool model_disk_is_fluid(const model_disk *d)
{
    return d->fluid;
}
uint64_t model_disk_digest(const model_disk *d)
{
    return d->digest;
}
uint64_t model_disk_written_extents(const model_disk *d)
{
    return d->written;
}
uint64_t model_disk_lifetime_bytes(const model_disk *d)
{
    return d->lifetime_bytes;
}
uint64_t model_disk_lifetime_writes(const model_disk *d)
{
    return d->lifetime_writes;
}
uint64_t model_disk_log_bytes(const model_disk *d)
{
    return d->log.bytes;
}
uint64_t model_disk_log_writes(const model_disk *d)
{
    return d->log.writes;
}

size_t model_disk_memory_bytes(const model_disk *d)
{
    size_t n = d->map.cap * sizeof(dmap_slot) + d->log.bytes_map.cap * sizeof(dmap_slot) +
               d->log.touched_cap * sizeof(uint64_t);
    if (d->cells)
        n += (size_t)d->active_extents * sizeof(dense_cell);
    return n;
}

uint64_t model_disk_version(const model_disk *d, uint64_t extent)
{
    if (d->cells && extent < d->active_extents)
        return cell_version(&d->cells[extent]);
    const dmap_slot *s = dmap_find(&d->map, extent);
    return s ? s->val : 0;
}

/* From hash to array: worth it once the active part is a quarter populated (see the file comment).
 */
static void disk_go_dense(model_disk *d)
{
    uint64_t n = d->active_extents;
    d->cells = drs_xcalloc((size_t)n, sizeof *d->cells);
    dmap rest = {0};
    for (size_t i = 0; i < d->map.cap; i++) {
        dmap_slot *s = &d->map.slots[i];
        if (!s->key)
            continue;
        uint64_t e = s->key - 1;
        if (e < n) {
            cell_set_version(&d->cells[e], s->val);
        } else {
            bool fresh;
            dmap_upsert(&rest, e, &fresh)->val = s->val;
        }
    }
    dmap_free(&d->map);
    d->map = rest;
    d->map_low = 0;
    dmap lrest = {0};
    for (size_t i = 0; i < d->log.bytes_map.cap; i++) {
        dmap_slot *s = &d->log.bytes_map.slots[i];
        if (!s->key)
            continue;
        uint64_t e = s->key - 1;
        if (e < n) {
            d->cells[e].log = (uint32_t)(s->val + 1);
        } else {
            bool fresh;
            dmap_upsert(&lrest, e, &fresh)->val = s->val;
        }
    }
    dmap_free(&d->log.bytes_map);
    d->log.bytes_map = lrest;
}

/* digest change when extent goes from version old to v: the inner mix of h is shared by both terms
 */
static inline uint64_t digest_change(uint64_t extent, uint64_t old, uint64_t v)
{
    uint64_t x = mix64(extent + UINT64_C(0x9E3779B97F4A7C15));
    return (v ? mix64(x ^ v) : 0) - (old ? mix64(x ^ old) : 0);
}

/* Sets the version of extent (0 removes it), keeping digest and counts. Returns the old version. */
static inline uint64_t disk_set_version(model_disk *d, uint64_t extent, uint64_t v)
{
    uint64_t old;
    if (d->cells && extent < d->active_extents) {
        old = cell_version(&d->cells[extent]);
        cell_set_version(&d->cells[extent], v);
    } else if (v) {
        bool fresh;
        dmap_slot *s = dmap_upsert(&d->map, extent, &fresh);
        old = s->val;
        s->val = v;
        if (fresh && extent < d->active_extents && ++d->map_low * 4 >= d->active_extents &&
            !d->cells)
            disk_go_dense(d);
    } else {
        dmap_slot *s = dmap_find(&d->map, extent);
        if (!s)
            return 0;
        old = s->val;
        dmap_remove_slot(&d->map, s);
        if (extent < d->active_extents)
            d->map_low--;
    }
    d->written += (uint64_t)(v != 0) - (uint64_t)(old != 0);
    d->digest += digest_change(extent, old, v);
    return old;
}

uint64_t model_disk_log_extent_bytes(const model_disk *d, uint64_t extent)
{
    if (d->cells && extent < d->active_extents)
        return d->cells[extent].log ? d->cells[extent].log - 1u : 0;
    const dmap_slot *s = dmap_find(&d->log.bytes_map, extent);
    return s ? s->val : 0;
}

static inline void log_push_touched(disk_log *l, uint64_t extent)
{
    DRS_GROW(l->touched, l->touched_cap, l->touched_count + 1);
    l->touched[l->touched_count++] = extent;
}

/* Adds bytes written to extent in the open log; keeps coalesced bytes as sum of min(extent, bytes).
 */
static inline void disk_log_extent(model_disk *d, uint64_t extent, uint64_t bytes)
{
    disk_log *l = &d->log;
    uint64_t e_bytes = d->extent_bytes;
    if (d->cells && extent < d->active_extents) {
        uint32_t *b = &d->cells[extent].log;
        uint64_t prev = *b ? *b - 1u : 0;
        if (!*b)
            log_push_touched(l, extent);
        uint64_t now = prev + bytes < e_bytes ? prev + bytes : e_bytes;
        *b = (uint32_t)(now + 1);
        l->coalesced += now - prev;
        return;
    }
    bool fresh;
    dmap_slot *s = dmap_upsert(&l->bytes_map, extent, &fresh);
    if (fresh)
        log_push_touched(l, extent);
    uint64_t prev = s->val;
    uint64_t now = prev + bytes < e_bytes ? prev + bytes : e_bytes;
    s->val = now;
    l->coalesced += now - prev;
}

/* One new version on one extent with bytes of the log. The dense case is written out so that a
 * stamp reads and writes one cell and computes the digest's inner mix once. */
static inline void disk_stamp(model_disk *d, uint64_t e, uint64_t bytes)
{
    uint64_t v = (++d->counter << MODEL_DISK_WRITER_BITS) | d->writer_id;
    if (d->cells && e < d->active_extents) {
        dense_cell *c = &d->cells[e];
        uint64_t old = cell_version(c);
        cell_set_version(c, v);
        d->written += old == 0;
        d->digest += digest_change(e, old, v);
        uint64_t prev = c->log ? c->log - 1u : 0;
        if (!c->log)
            log_push_touched(&d->log, e);
        uint64_t now = prev + bytes < d->extent_bytes ? prev + bytes : d->extent_bytes;
        c->log = (uint32_t)(now + 1);
        d->log.coalesced += now - prev;
        return;
    }
    disk_set_version(d, e, v);
    disk_log_extent(d, e, bytes);
}

/* bytes over the span extents from first: bytes / span each, the remainder to the first ones */
static inline void disk_stamp_span(model_disk *d, uint64_t first, uint64_t span, uint64_t bytes)
{
    if (span == 1) {
        disk_stamp(d, first, bytes);
        return;
    }
    uint64_t share = bytes / span, extra = bytes % span;
    for (uint64_t i = 0; i < span; i++)
        disk_stamp(d, first + i, share + (i < extra));
}

static inline void disk_count_writes(model_disk *d, uint64_t writes, uint64_t bytes,
                                     double compressibility)
{
    disk_log *l = &d->log;
    l->writes += writes;
    l->bytes += bytes;
    l->comp_bytes += (double)bytes * compressibility;
    d->lifetime_writes += writes;
    d->lifetime_bytes += bytes;
}

static inline void fluid_direct(model_disk *d, uint64_t span, uint64_t bytes)
{
    uint64_t cap = span * d->extent_bytes;
    d->log.fluid_direct_coalesced += bytes < cap ? bytes : cap;
}

void model_disk_write(model_disk *d, uint64_t first_extent, uint64_t span, uint64_t writes,
                      uint64_t bytes, double compressibility)
{
    assert(span >= 1 && first_extent + span <= d->extent_count);
    disk_count_writes(d, writes, bytes, compressibility);
    if (d->fluid)
        fluid_direct(d, span, bytes);
    else
        disk_stamp_span(d, first_extent, span, bytes);
}

/* How far ahead the batch loop prefetches cells: enough stamps (~20 ns each) to cover a miss to
 * memory, few enough that the lines are still cached when their stamp comes. */
enum { PREFETCH_AHEAD = 8 };

/* The common case of a batch on a dense disk: one extent per place, all in the array. The disk's
 * counters live in locals for the loop (stores through the touched list could otherwise alias
 * them). */
static void disk_batch_dense(model_disk *d, const uint64_t *first_extents, const uint32_t *writes,
                             size_t n, uint64_t write_bytes)
{
    dense_cell *cells = d->cells;
    disk_log *l = &d->log;
    uint64_t counter = d->counter, digest = d->digest, written = d->written;
    uint64_t coalesced = l->coalesced, eb = d->extent_bytes, wid = d->writer_id;
    for (size_t i = 0; i < n; i++) {
        if (i + PREFETCH_AHEAD < n)
            __builtin_prefetch(&cells[first_extents[i + PREFETCH_AHEAD]], 1);
        uint64_t e = first_extents[i], bytes = writes[i] * write_bytes;
        dense_cell *c = &cells[e];
        uint64_t old = cell_version(c), v = (++counter << MODEL_DISK_WRITER_BITS) | wid;
        cell_set_version(c, v);
        written += old == 0;
        digest += digest_change(e, old, v);
        uint64_t prev = 0;
        if (c->log)
            prev = c->log - 1u;
        else
            log_push_touched(l, e);
        uint64_t now = prev + bytes < eb ? prev + bytes : eb;
        c->log = (uint32_t)(now + 1);
        coalesced += now - prev;
    }
    d->counter = counter;
    d->digest = digest;
    d->written = written;
    l->coalesced = coalesced;
}

void model_disk_write_batch(model_disk *d, const uint64_t *first_extents, const uint32_t *writes,
                            size_t n, uint64_t span, uint64_t write_bytes, double compressibility)
{
    assert(span >= 1);
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += writes[i];
    disk_count_writes(d, total, total * write_bytes, compressibility);
    if (d->fluid) {
        for (size_t i = 0; i < n; i++)
            fluid_direct(d, span, writes[i] * write_bytes);
        return;
    }
    if (d->cells && span == 1 && n && first_extents[n - 1] < d->active_extents) {
        bool ascending = true; /* then every place is in the array when the last one is */
        for (size_t i = 1; i < n && ascending; i++)
            ascending = first_extents[i - 1] < first_extents[i];
        if (ascending) {
            disk_batch_dense(d, first_extents, writes, n, write_bytes);
            return;
        }
    }
    for (size_t i = 0; i < n; i++) {
        assert(first_extents[i] + span <= d->extent_count);
        if (d->cells && i + PREFETCH_AHEAD < n &&
            first_extents[i + PREFETCH_AHEAD] < d->active_extents)
            __builtin_prefetch(&d->cells[first_extents[i + PREFETCH_AHEAD]], 1);
        disk_stamp_span(d, first_extents[i], span, writes[i] * write_bytes);
    }
}

void model_disk_write_spread(model_disk *d, uint64_t first_extent, uint64_t region_extents,
                             uint64_t writes, uint64_t bytes, double compressibility)
{
    assert(d->fluid && region_extents >= 1);
    disk_log *l = &d->log;
    disk_count_writes(d, writes, bytes, compressibility);
    if (!writes)
        return;
    size_t i;
    for (i = 0; i < l->region_count; i++)
        if (l->regions[i].first == first_extent && l->regions[i].extents == region_extents)
            break;
    if (i == l->region_count) {
        if (l->region_count < DISK_REGIONS) {
            l->region_count++;
            l->regions[i] = (disk_region){first_extent, region_extents, 0, 0};
        } else {
            /* more regions than tracked: fold into the last, which only loosens the estimate */
            i = DISK_REGIONS - 1;
            if (region_extents > l->regions[i].extents)
                l->regions[i].extents = region_extents;
        }
    }
    l->regions[i].writes += writes;
    l->regions[i].bytes += bytes;
}

/* Expected coalesced bytes of a region: each of n extents receives c ~ Binomial(hits, 1/n) writes
 * of s bytes and keeps min(extent, c s) = s min(c, m) with m = extent / s; E[min(c, m)] = sum over
 * j = 1..floor(m) of P(c >= j) + frac(m) P(c >= floor(m) + 1).
 *
 * The tails come from the probability mass function by its ratio recurrence, P(c = j) = P(c = j -
 * 1) (hits - j + 1) / j x p / (1 - p), a few flops per term: an incomplete beta function per tail
 * (gsl_cdf_binomial_Q) made this the bulk of a fluid run. Terms below e^-700 are carried as
 * logarithms until they become representable and count as 0 in the sum of mass (an error below
 * 1e-290 per term). When the mean is far above m, a Chernoff bound shows P(c <= m) < e^-40 and the
 * answer is m per extent without a loop. */
static double region_coalesced(const disk_region *r, uint64_t extent_bytes)
{
    double s = (double)r->bytes / (double)r->writes;
    double hits = (double)r->writes;
    if (s > (double)extent_bytes) {
        /* a write larger than an extent covers k consecutive extents with s / k bytes each */
        double k = ceil(s / (double)extent_bytes);
        s /= k;
        hits *= k;
    }
    double m = (double)extent_bytes / s;
    double n = (double)r->extents;
    double mfloor = floor(m), frac = m - mfloor;
    double per_extent; /* E[min(c, m)] */
    double mean = hits / n;
    if (r->extents == 1) {
        per_extent = hits < m ? hits : m;
    } else if (mean > mfloor + 1 &&
               -mean + (mfloor + 1) * (1.0 + log(mean / (mfloor + 1))) < -40.0) {
        per_extent = m;
    } else {
        double p = 1.0 / n, q = p / (1.0 - p);
        double logpmf = hits * log1p(-p); /* log P(c = 0) */
        double pmf = logpmf > -700.0 ? exp(logpmf) : 0.0;
        double cdf = 0.0, sum = 0.0; /* cdf = P(c < j) */
        uint64_t jmax = (uint64_t)mfloor;
        for (uint64_t j = 1; j <= jmax + 1; j++) {
            cdf += pmf;
            double tail = 1.0 - cdf;
            if (tail < 1e-15)
                break;
            sum += j <= jmax ? tail : tail * frac;
            /* P(c = j) from P(c = j - 1) */
            if ((double)j > hits) {
                pmf = 0.0;
            } else if (pmf > 0.0) {
                pmf *= (hits - (double)j + 1) / (double)j * q;
            } else {
                logpmf += log((hits - (double)j + 1) / (double)j * q);
                pmf = logpmf > -700.0 ? exp(logpmf) : 0.0;
            }
        }
        per_extent = sum;
    }
    double est = n * s * per_extent;
    return est < (double)r->bytes ? est : (double)r->bytes;
}

/* LSD radix sort with as few passes as the largest key allows: digits of up to 11 bits (a
 * 2,048-entry histogram stays in L1), narrower for short arrays so the histogram does not outweigh
 * the data. */
void model_extents_sort(uint64_t *a, size_t n, uint64_t *tmp)
{
    if (n < 24) {
        for (size_t i = 1; i < n; i++) {
            uint64_t x = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1] > x; j--)
                a[j] = a[j - 1];
            a[j] = x;
        }
        return;
    }
    assert(n <= UINT32_MAX);
    uint64_t max = 0;
    for (size_t i = 0; i < n; i++)
        max |= a[i];
    unsigned bits = 0;
    while (bits < 64 && (max >> bits))
        bits++;
    unsigned widest = 6;
    while (widest < 11 && ((size_t)1 << (widest + 1)) <= n)
        widest++;
    unsigned passes = (bits + widest - 1) / widest;
    unsigned digit = passes ? (bits + passes - 1) / passes : 0;
    uint64_t mask = (UINT64_C(1) << digit) - 1;
    uint64_t *src = a, *dst = tmp;
    for (unsigned p = 0; p < passes; p++) {
        unsigned shift = p * digit;
        uint32_t count[1u << 11];
        memset(count, 0, ((size_t)1 << digit) * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(src[i] >> shift) & mask]++;
        uint32_t pos = 0;
        for (size_t b = 0; b <= mask; b++) {
            uint32_t c = count[b];
            count[b] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & mask]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
}

/* The touched list in extent order; usually already sorted, since batches are applied in order. */
static void log_sort_touched(disk_log *l)
{
    size_t n = l->touched_count;
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = l->touched[i - 1] < l->touched[i];
    if (sorted)
        return;
    uint64_t *tmp = drs_xmalloc(n * sizeof *tmp);
    model_extents_sort(l->touched, n, tmp);
    free(tmp);
}

static void log_reset(model_disk *d, int64_t now_ns)
{
    disk_log *l = &d->log;
    if (d->cells) {
        for (size_t i = 0; i < l->touched_count; i++)
            if (l->touched[i] < d->active_extents)
                d->cells[l->touched[i]].log = 0;
    }
    dmap_clear(&l->bytes_map);
    /* a huge log (an outage) should not pin its touched list forever */
    if (l->touched_cap > 4096 && l->touched_count * 8 < l->touched_cap) {
        free(l->touched);
        l->touched = NULL;
        l->touched_cap = 0;
    }
    l->touched_count = 0;
    l->writes = l->bytes = l->coalesced = 0;
    l->comp_bytes = 0;
    l->region_count = 0;
    l->fluid_direct_coalesced = 0;
    l->opened_ns = now_ns;
}

void model_disk_log_take(model_disk *d, int64_t now_ns, drs_delta *out)
{
    disk_log *l = &d->log;
    memset(out, 0, sizeof *out);
    out->opened_ns = l->opened_ns;
    out->captured_ns = now_ns;
    out->writes = l->writes;
    out->log_bytes = l->bytes;
    out->compressibility = l->bytes ? l->comp_bytes / (double)l->bytes : 0.0;
    out->digest = d->digest;
    if (d->fluid) {
        double c = (double)l->fluid_direct_coalesced;
        for (size_t i = 0; i < l->region_count; i++)
            c += region_coalesced(&l->regions[i], d->extent_bytes);
        uint64_t cb = (uint64_t)llround(c);
        out->coalesced_bytes = cb < l->bytes ? cb : l->bytes;
    } else {
        out->coalesced_bytes = l->coalesced;
        if (l->touched_count) {
            log_sort_touched(l);
            out->extents = drs_xmalloc(l->touched_count * sizeof *out->extents);
            for (size_t i = 0; i < l->touched_count; i++) {
                uint64_t e = l->touched[i];
                uint64_t v = d->cells && e < d->active_extents ? cell_version(&d->cells[e])
                                                               : model_disk_version(d, e);
                out->extents[i] = (drs_extent_version){e, v};
            }
            out->extent_count = l->touched_count;
        }
    }
    log_reset(d, now_ns);
}

void model_disk_log_discard(model_disk *d, int64_t now_ns)
{
    log_reset(d, now_ns);
}

void model_disk_apply(model_disk *replica, const drs_delta *delta, model_disk_undo *undo)
{
    if (undo) {
        memset(undo, 0, sizeof *undo);
        undo->digest_before = replica->digest;
    }
    if (replica->fluid || !delta->extent_count)
        return;
    if (undo) {
        undo->extents = drs_xmalloc(delta->extent_count * sizeof *undo->extents);
        undo->count = delta->extent_count;
    }
    for (size_t i = 0; i < delta->extent_count; i++) {
        const drs_extent_version *ev = &delta->extents[i];
        assert(ev->extent < replica->extent_count);
        uint64_t old = disk_set_version(replica, ev->extent, ev->version);
        if (undo)
            undo->extents[i] = (drs_extent_version){ev->extent, old};
    }
}

void model_disk_revert(model_disk *replica, const model_disk_undo *undo)
{
    for (size_t i = undo->count; i-- > 0;)
        disk_set_version(replica, undo->extents[i].extent, undo->extents[i].version);
    assert(replica->fluid || replica->digest == undo->digest_before);
}

void model_disk_undo_free(model_disk_undo *undo)
{
    free(undo->extents);
    undo->extents = NULL;
    undo->count = 0;
}

static void disk_drop_content(model_disk *d)
{
    dmap_free(&d->map);
    free(d->cells);
    d->cells = NULL;
    dmap_free(&d->log.bytes_map);
    d->map_low = 0;
    d->written = 0;
    d->digest = 0;
}

void model_disk_clear(model_disk *d, int64_t now_ns)
{
    log_reset(d, now_ns);
    disk_drop_content(d);
}

void model_disk_copy_from(model_disk *replica, const model_disk *primary)
{
    assert(replica->extent_count == primary->extent_count &&
           replica->extent_bytes == primary->extent_bytes &&
           replica->active_extents == primary->active_extents && replica->fluid == primary->fluid);
    /* the replica's log is not touched; it is normally empty, and its per-extent bytes would not
     * survive the change of map layout, so drop them with the content */
    log_reset(replica, replica->log.opened_ns);
    disk_drop_content(replica);
    if (primary->fluid)
        return;
    if (primary->map.cap) {
        replica->map = primary->map;
        replica->map.slots = drs_xcalloc(primary->map.cap, sizeof(dmap_slot));
        memcpy(replica->map.slots, primary->map.slots, primary->map.cap * sizeof(dmap_slot));
    }
    if (primary->cells) {
        size_t n = (size_t)primary->active_extents;
        replica->cells = drs_xcalloc(n, sizeof(dense_cell));
        for (size_t e = 0; e < n; e++) {
            replica->cells[e].v_lo = primary->cells[e].v_lo;
            replica->cells[e].v_hi = primary->cells[e].v_hi;
        }
    }
    replica->map_low = primary->map_low;
    replica->written = primary->written;
    replica->digest = primary->digest;
}

typedef struct ev_list {
    drs_extent_version *items;
    size_t count, cap;
} ev_list;

static void ev_push(ev_list *l, uint64_t extent, uint64_t version)
{
    DRS_GROW(l->items, l->cap, l->count + 1);
    l->items[l->count++] = (drs_extent_version){extent, version};
}

static int cmp_ev(const void *a, const void *b)
{
    uint64_t x = ((const drs_extent_version *)a)->extent,
             y = ((const drs_extent_version *)b)->extent;
    return (x > y) - (x < y);
}

/* Every extent where a holds a version b does not (differs or absent); with_a says which version to
 * record: a's (true) or 0 (extents only a has, listed from b's side). */
static void diff_side(const model_disk *a, const model_disk *b, bool only_absent, ev_list *out)
{
    if (a->cells) {
        for (uint64_t e = 0; e < a->active_extents; e++) {
            uint64_t v = cell_version(&a->cells[e]);
            if (!v)
                continue;
            uint64_t w = model_disk_version(b, e);
            if (only_absent ? w == 0 : w != v)
                ev_push(out, e, only_absent ? 0 : v);
        }
    }
    for (size_t i = 0; i < a->map.cap; i++) {
        const dmap_slot *s = &a->map.slots[i];
        if (!s->key)
            continue;
        uint64_t e = s->key - 1, w = model_disk_version(b, e);
        if (only_absent ? w == 0 : w != s->val)
            ev_push(out, e, only_absent ? 0 : s->val);
    }
}

void model_disk_diff(const model_disk *primary, const model_disk *replica, int64_t now_ns,
                     drs_delta *out)
{
    memset(out, 0, sizeof *out);
    out->opened_ns = now_ns;
    out->captured_ns = now_ns;
    out->digest = primary->digest;
    out->compressibility = 0.0;
    if (primary->fluid) {
        out->log_bytes = out->coalesced_bytes = primary->used_bytes;
        out->writes = (primary->used_bytes + primary->extent_bytes - 1) / primary->extent_bytes;
        return;
    }
    ev_list l = {0};
    diff_side(primary, replica, false, &l); /* differs, or only the primary has it */
    diff_side(replica, primary, true, &l);  /* only the replica has it: remove */
    if (l.count)
        qsort(l.items, l.count, sizeof *l.items, cmp_ev);
    out->extents = l.items;
    out->extent_count = l.count;
    out->writes = l.count;
    uint64_t bytes = (uint64_t)l.count * primary->extent_bytes;
    uint64_t bound = primary->used_bytes ? primary->used_bytes : primary->size_bytes;
    out->log_bytes = out->coalesced_bytes = bytes < bound ? bytes : bound;
}
