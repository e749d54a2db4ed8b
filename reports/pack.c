/* reports/pack.c — the packed form of a run of integer pairs in the results database.
 *
 * RPO breakpoints (captured_ns, at_ns) and VM time series (t_ns, value) are stored as one row per
 * chunk rather than one row per point: a row costs SQLite some 25 bytes of its own, more than the
 * point. Within a chunk the first member of each pair goes in as the change of its step (regular
 * cycles and sample intervals make that 0), the second as the change of its difference from the
 * first (RPO breakpoints: the lag of the point) or of itself (samples), each a zigzag LEB128
 * varint, and the whole is deflated. Every chunk starts from zero, so a row decodes on its own.
 *
 * Blob layout: one byte REPORT_PACK_FORMAT, then a zlib stream of the varints. */
#include "reports_internal.h"

#include <stdlib.h>
#include <string.h>

#define REPORT_PACK_FORMAT 1

static size_t put_varint(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

static uint64_t zigzag(uint64_t v) /* v: a two's complement difference */
{
    return (v << 1) ^ (uint64_t)-(int64_t)(v >> 63);
}

static uint64_t unzigzag(uint64_t z)
{
    return (z >> 1) ^ (uint64_t)-(int64_t)(z & 1);
}

/* Differences are taken modulo 2^64 (unsigned), so any int64 values round-trip. */
unsigned char *report_pack(report_packer *pk, const int64_t *a, const int64_t *b, size_t n,
                           bool b_from_a, size_t *len)
{
    /* raw malloc: the database writer survives a failed allocation (engine/shared/alloc.h) */
    unsigned char *raw = malloc(n * 20 + 1);
    if (!raw)
        return NULL;
    size_t k = 0;
    uint64_t pa = 0, pda = 0, pb = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = (uint64_t)a[i], da = x - pa;
        uint64_t y = b_from_a ? (uint64_t)b[i] - x : (uint64_t)b[i];
        k += put_varint(raw + k, zigzag(da - pda));
        k += put_varint(raw + k, zigzag(y - pb));
        pa = x;
        pda = da;
        pb = y;
    }
    /* Level 1: a sixth smaller than level 6's output at a fraction of its cost. The stream is set
     * up once per packer: zlib's set-up cost more than compressing a chunk. */
    unsigned char *out = NULL;
    z_stream *z = &pk->z;
    if (!pk->ready) {
        memset(z, 0, sizeof *z);
        pk->ready = deflateInit2(z, 1, Z_DEFLATED, 15, 5, Z_DEFAULT_STRATEGY) == Z_OK;
    } else {
        pk->ready = deflateReset(z) == Z_OK;
    }
    if (pk->ready) {
        uLong bound = deflateBound(z, (uLong)k);
        /* raw malloc: the database writer survives a failed allocation (engine/shared/alloc.h) */
        out = malloc(bound + 1);
        z->next_in = raw;
        z->avail_in = (uInt)k;
        z->next_out = out ? out + 1 : NULL;
        z->avail_out = (uInt)bound;
        if (out && deflate(z, Z_FINISH) == Z_STREAM_END) {
            out[0] = REPORT_PACK_FORMAT;
            *len = z->total_out + 1;
        } else {
            free(out);
            out = NULL;
        }
    }
    free(raw);
    return out;
}

void report_packer_free(report_packer *pk)
{
    if (pk->ready)
        deflateEnd(&pk->z);
    pk->ready = false;
}

bool report_unpack(const unsigned char *blob, size_t len, size_t n, bool b_from_a, int64_t *a,
                   int64_t *b)
{
    if (len < 1 || blob[0] != REPORT_PACK_FORMAT)
        return false;
    uLongf raw_len = (uLongf)(n * 20 + 1);
    /* raw malloc, like the writer's: a failure reads as a chunk that does not unpack */
    unsigned char *raw = malloc(raw_len);
    if (!raw)
        return false;
    if (uncompress(raw, &raw_len, blob + 1, (uLong)(len - 1)) != Z_OK) {
        free(raw);
        return false;
    }
    size_t k = 0;
    uint64_t pa = 0, pda = 0, pb = 0;
    bool ok = true;
    for (size_t i = 0; i < n * 2 && ok; i++) {
        uint64_t v = 0;
        for (int shift = 0;; shift += 7) {
            if (k >= raw_len || shift > 63) {
                ok = false;
                break;
            }
            unsigned char c = raw[k++];
            v |= (uint64_t)(c & 0x7f) << shift;
            if (!(c & 0x80))
                break;
        }
        if (i % 2 == 0) {
            pda += unzigzag(v);
            pa += pda;
            a[i / 2] = (int64_t)pa;
        } else {
            pb += unzigzag(v);
            b[i / 2] = (int64_t)(b_from_a ? pb + pa : pb);
        }
    }
    ok = ok && k == raw_len;
    free(raw);
    return ok;
}
