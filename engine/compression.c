/* engine/compression.c — what compression does to replicated bytes, learnt from a real codec.
 *
 * For each compressibility profile (rounded to a grid of ENGINE_COMPRESS_GRID steps over [0, 1]) the
 * engine generates a sample whose content has that compressibility — in every 4 KiB block, that
 * fraction of the bytes is repetitive record-like text and the rest comes from a fixed pseudo-random
 * generator — compresses it once with zlib at ENGINE_COMPRESS_LEVEL, and caches raw/compressed. A
 * profile between two grid points gets the linear interpolation of their ratios. The sample depends
 * only on the profile and zlib's output only on its input and level, so the ratios are the same in
 * every run and on every machine with the same zlib.
 *
 * Level 1 (Z_BEST_SPEED): replication compresses inline on the primary host, where CPU is taken from
 * the VMs. Measured on these samples (1 MiB each, zlib 1.2.13): level 6 improves the ratio by 0.5 to
 * 2 % for compressibility 0.1 to 0.7 and by 9 % at 0.9 (8.49 -> 9.23), for about 1.3x the CPU; level 9
 * adds nothing over 6. A host would take the speed setting, and so does the engine.
 *
 * CPU cost is a fixed constant (ENGINE_COMPRESS_CPU_S_PER_MIB, measured once on a development machine)
 * and is only reported: measuring it at run time with clock() would make results differ between runs. */
#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "engine.h"
#include "engine/shared/alloc.h"

/* zlib level used for calibration (see above). */
#define ENGINE_COMPRESS_LEVEL 1
/* Calibration grid: profiles are learnt at multiples of 1/ENGINE_COMPRESS_GRID. */
#define ENGINE_COMPRESS_GRID 100
/* Sample size per profile: large against zlib's 32 KiB window, small enough to calibrate in ~1 ms. */
#define ENGINE_COMPRESS_SAMPLE_BYTES (1u << 20)
#define ENGINE_COMPRESS_BLOCK_BYTES 4096u
/* Host CPU per MiB compressed at level 1: 0.012 s/MiB (about 85 MiB/s on one core) measured with
 * clock() over the samples of compressibility 0.1..0.9 on the development machine. A fixed figure, so
 * results never depend on the machine that runs the simulation. */
#define ENGINE_COMPRESS_CPU_S_PER_MIB 0.012

static double ratio_table[ENGINE_COMPRESS_GRID + 1];
static bool ratio_known[ENGINE_COMPRESS_GRID + 1];

/* splitmix64: a fixed, portable generator for the sample's random part. */
static uint64_t mix_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Fills buf with content of the given compressibility (see the file comment). */
static void sample_fill(unsigned char *buf, size_t n, double compressibility)
{
    static const char record[] = "2014-06-03 12:00:00 INFO order=000000 status=SHIPPED qty=1 ";
    uint64_t seed = UINT64_C(0x64727369) ^ (uint64_t)llround(compressibility * 1e6);
    size_t rep = (size_t)llround(compressibility * ENGINE_COMPRESS_BLOCK_BYTES);
    size_t pos = 0;
    unsigned counter = 0;
    while (pos < n) {
        size_t blk = n - pos < ENGINE_COMPRESS_BLOCK_BYTES ? n - pos : ENGINE_COMPRESS_BLOCK_BYTES;
        size_t r = rep < blk ? rep : blk;
        for (size_t i = 0; i < r; i++) {
            size_t k = i % (sizeof record - 1);
            unsigned char c = (unsigned char)record[k];
            /* Vary the order number a little, as real records do. */
            if (k >= 26 && k < 32)
                c = (unsigned char)('0' + (counter + i / (sizeof record - 1)) % 10);
            buf[pos + i] = c;
        }
        counter++;
        for (size_t i = r; i < blk; i += 8) {
            uint64_t x = mix_next(&seed);
            size_t m = blk - i < 8 ? blk - i : 8;
            memcpy(buf + pos + i, &x, m);
        }
        pos += blk;
    }
}

/* raw/compressed of a sample of this profile; >= 1 (a sender ships raw data when compressing does
 * not help). */
static double calibrate(double compressibility)
{
    size_t n = ENGINE_COMPRESS_SAMPLE_BYTES;
    unsigned char *in = drs_xmalloc(n);
    uLongf out_n = compressBound((uLong)n);
    unsigned char *out = drs_xmalloc(out_n);
    double ratio = 1.0;
    if (in && out) {
        sample_fill(in, n, compressibility);
        if (compress2(out, &out_n, in, (uLong)n, ENGINE_COMPRESS_LEVEL) == Z_OK && out_n > 0)
            ratio = (double)n / (double)out_n;
    }
    free(in);
    free(out);
    return ratio < 1.0 ? 1.0 : ratio;
}

static double grid_ratio(int i)
{
    assert(i >= 0 && i <= ENGINE_COMPRESS_GRID);
    if (!ratio_known[i]) {
        ratio_table[i] = calibrate((double)i / ENGINE_COMPRESS_GRID);
        ratio_known[i] = true;
    }
    return ratio_table[i];
}

double engine_compression_ratio(double compressibility)
{
    if (!(compressibility > 0.0))
        compressibility = 0.0;
    if (compressibility > 1.0)
        compressibility = 1.0;
    double x = compressibility * ENGINE_COMPRESS_GRID;
    int lo = (int)floor(x);
    if (lo >= ENGINE_COMPRESS_GRID)
        return grid_ratio(ENGINE_COMPRESS_GRID);
    double f = x - lo;
    double r = grid_ratio(lo);
    if (f > 1e-9)
        r += f * (grid_ratio(lo + 1) - r);
    return r;
}

double engine_compression_cpu_seconds(uint64_t raw_bytes)
{
    return (double)raw_bytes / (1024.0 * 1024.0) * ENGINE_COMPRESS_CPU_S_PER_MIB;
}
