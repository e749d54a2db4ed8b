/* reports/metrics.c — exact statistics of RPO(t) from its breakpoints, and link utilization.
 *
 * RPO(t) = t - capture time of the newest applied point is piecewise linear with slope 1. A piece that
 * lasts L and starts at value a spends equal time at every value of [a, a + L]: the time spent with
 * RPO <= r is the sum over pieces of clamp(r - a, 0, L). That sum is piecewise linear in r, with a
 * slope equal to the number of pieces whose range holds r, so a sweep over the sorted range ends
 * finds any quantile exactly (integer arithmetic up to the last division). No sampling anywhere. */
#include "reports.h"
#include "engine/shared/alloc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* One linear piece of RPO restricted to the window: values run from a_ns to a_ns + len_ns. */
typedef struct rpo_piece {
    int64_t a_ns, len_ns;
} rpo_piece;

typedef struct rpo_end {
    int64_t x;
    int delta; /* +1 a range opens at x, -1 one closes */
} rpo_end;

/* Writes each non-empty piece of RPO inside [from_ns, end_ns] to out (when not NULL); returns how
 * many there are. */
static size_t rpo_pieces(const report_rpo_point *pts, size_t n, int64_t from_ns, int64_t end_ns,
                         rpo_piece *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        assert(i == 0 || pts[i].at_ns >= pts[i - 1].at_ns);
        if (pts[i].captured_ns < 0)
            continue;
        int64_t start = pts[i].at_ns > from_ns ? pts[i].at_ns : from_ns;
        int64_t stop = i + 1 < n ? pts[i + 1].at_ns : end_ns;
        if (stop > end_ns)
            stop = end_ns;
        if (stop <= start)
            continue;
        if (out)
            out[k] = (rpo_piece){start - pts[i].captured_ns, stop - start};
        k++;
    }
    return k;
}

/* Sorts ends by x, least significant byte first, skipping the bytes every key shares (RPO values
 * of one run span a few of the eight). The sweep below reads only the order of the x values (ends
 * at one x add no time between them), so the order among equal x does not matter. At a few
 * thousand ends a VM this is several times cheaper than qsort with a comparison callback, and the
 * fleet's statistics are computed for every VM at the end of each run. */
static void rpo_sort_ends(rpo_end *e, size_t n)
{
    if (n < 2)
        return;
    rpo_end *tmp = drs_xmalloc(n * sizeof *tmp);
    size_t count[8][256];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = (uint64_t)e[i].x ^ (UINT64_C(1) << 63); /* negatives first */
        for (int d = 0; d < 8; d++)
            count[d][(k >> (8 * d)) & 0xff]++;
    }
    rpo_end *from = e, *to = tmp;
    for (int d = 0; d < 8; d++) {
        uint64_t first = ((uint64_t)from[0].x ^ (UINT64_C(1) << 63)) >> (8 * d) & 0xff;
        if (count[d][first] == n)
            continue; /* every key has this byte */
        size_t at = 0;
        for (int b = 0; b < 256; b++) {
            size_t c = count[d][b];
            count[d][b] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t k = (uint64_t)from[i].x ^ (UINT64_C(1) << 63);
            to[count[d][(k >> (8 * d)) & 0xff]++] = from[i];
        }
        rpo_end *t = from;
        from = to;
        to = t;
    }
    if (from != e)
        memcpy(e, from, n * sizeof *e);
    free(tmp);
}

/* Quantiles qs[0..nq) (ascending) of the pieces; total_ns is the sum of their lengths. */
static void rpo_quantiles(const rpo_piece *p, size_t k, int64_t total_ns, const double *qs,
                          size_t nq, double *out)
{
    rpo_end *ends = drs_xmalloc(2 * k * sizeof *ends);
    for (size_t i = 0; i < k; i++) {
        ends[2 * i] = (rpo_end){p[i].a_ns, +1};
        ends[2 * i + 1] = (rpo_end){p[i].a_ns + p[i].len_ns, -1};
    }
    rpo_sort_ends(ends, 2 * k);

    size_t qi = 0;
    while (qi < nq && qs[qi] <= 0.0)
        out[qi++] = (double)ends[0].x; /* the 0-quantile is the smallest value */

    int64_t below = 0; /* time with RPO <= prev */
    int64_t active = 0;
    int64_t prev = ends[0].x;
    for (size_t e = 0; e < 2 * k && qi < nq; e++) {
        int64_t x = ends[e].x;
        if (active > 0 && x > prev) {
            int64_t mass = active * (x - prev);
            while (qi < nq && (double)(below + mass) >= qs[qi] * (double)total_ns) {
                out[qi] = (double)prev + (qs[qi] * (double)total_ns - (double)below) / (double)active;
                qi++;
            }
            below += mass;
        }
        active += ends[e].delta;
        prev = x;
    }
    /* Rounding can leave q = 1 a hair above the total: it is the largest value. */
    while (qi < nq)
        out[qi++] = (double)ends[2 * k - 1].x;
    free(ends);
}

void report_rpo_compute(const report_rpo_point *pts, size_t n, int64_t from_ns, int64_t end_ns,
                        int64_t threshold_ns, report_rpo_stats *out)
{
    memset(out, 0, sizeof *out);
    size_t k = rpo_pieces(pts, n, from_ns, end_ns, NULL);
    if (k == 0)
        return;
    rpo_piece *p = drs_xmalloc(k * sizeof *p);
    rpo_pieces(pts, n, from_ns, end_ns, p);

    int64_t total = 0, max = INT64_MIN, above = 0;
    long double area = 0; /* integral of RPO over time, in ns^2: beyond int64 for long runs */
    for (size_t i = 0; i < k; i++) {
        int64_t a = p[i].a_ns, b = a + p[i].len_ns;
        total += p[i].len_ns;
        if (b > max)
            max = b;
        area += ((long double)a + (long double)b) / 2.0L * (long double)p[i].len_ns;
        int64_t lo = a > threshold_ns ? a : threshold_ns;
        if (b > lo)
            above += b - lo;
    }
    static const double qs[3] = {0.50, 0.95, 0.99};
    double q[3];
    rpo_quantiles(p, k, total, qs, 3, q);
    free(p);
    out->defined = true;
    out->covered_ns = total;
    out->max_ns = max;
    out->mean_ns = (double)(area / (long double)total);
    out->p50_ns = q[0];
    out->p95_ns = q[1];
    out->p99_ns = q[2];
    out->above_ns = above;
}

double report_rpo_quantile(const report_rpo_point *pts, size_t n, int64_t from_ns, int64_t end_ns,
                           double q)
{
    assert(q >= 0.0 && q <= 1.0);
    size_t k = rpo_pieces(pts, n, from_ns, end_ns, NULL);
    if (k == 0)
        return -1;
    rpo_piece *p = drs_xmalloc(k * sizeof *p);
    rpo_pieces(pts, n, from_ns, end_ns, p);
    int64_t total = 0;
    for (size_t i = 0; i < k; i++)
        total += p[i].len_ns;
    double v;
    rpo_quantiles(p, k, total, &q, 1, &v);
    free(p);
    return v;
}

int64_t report_rpo_at(const report_rpo_point *pts, size_t n, int64_t t_ns)
{
    /* The last breakpoint at or before t: usually the newest (a run samples as it goes), which
     * spares a search through a long, cold array. */
    size_t lo = 0, hi = n;
    if (n > 0 && pts[n - 1].at_ns <= t_ns)
        lo = hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pts[mid].at_ns <= t_ns)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || pts[lo - 1].captured_ns < 0)
        return -1;
    return t_ns - pts[lo - 1].captured_ns;
}

typedef struct util_obs {
    double v;
    int64_t w;
} util_obs;

static int util_obs_cmp(const void *pa, const void *pb)
{
    const util_obs *a = pa, *b = pb;
    return (a->v > b->v) - (a->v < b->v);
}

/* Smallest observed value whose cumulative weight reaches q of the total (obs sorted). */
static double util_quantile(const util_obs *o, size_t n, int64_t total, double q)
{
    /* A relative slack so that 19 of 20 equal samples count as 95 % despite 0.95 not being exact. */
    double target = q * (double)total * (1.0 - 1e-12);
    int64_t cum = 0;
    for (size_t i = 0; i < n; i++) {
        cum += o[i].w;
        if ((double)cum >= target)
            return o[i].v;
    }
    return n ? o[n - 1].v : 0.0;
}

/* How much of sample s lies inside [from_ns, until_ns): the weight it has in the window. */
static int64_t util_overlap(const report_link_sample *s, int64_t from_ns, int64_t until_ns)
{
    if (s->interval_ns <= 0)
        return 0;
    int64_t a = s->at_ns - s->interval_ns, b = s->at_ns;
    if (a < from_ns)
        a = from_ns;
    if (b > until_ns)
        b = until_ns;
    return b > a ? b - a : 0;
}

void report_util_compute(const report_link_sample *s, size_t n, int64_t from_ns, int64_t until_ns,
                         report_util_stats *out)
{
    memset(out, 0, sizeof *out);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (util_overlap(&s[i], from_ns, until_ns) > 0)
            k++;
    if (k == 0)
        return;
    util_obs *u = drs_xmalloc(k * sizeof *u), *bps = drs_xmalloc(k * sizeof *bps);
    int64_t total = 0;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t w = util_overlap(&s[i], from_ns, until_ns);
        if (w <= 0)
            continue;
        double secs = (double)s[i].interval_ns / 1e9;
        double rate = s[i].wire_bytes / secs;
        u[j] = (util_obs){s[i].capacity_Bps > 0 ? rate / s[i].capacity_Bps : 0.0, w};
        bps[j] = (util_obs){rate, w};
        total += w;
        j++;
    }
    qsort(u, k, sizeof *u, util_obs_cmp);
    qsort(bps, k, sizeof *bps, util_obs_cmp);
    out->defined = true;
    out->p95 = util_quantile(u, k, total, 0.95);
    out->max = u[k - 1].v;
    out->p95_Bps = util_quantile(bps, k, total, 0.95);
    out->peak_Bps = bps[k - 1].v;
    free(u);
    free(bps);
}

double report_ratio(double raw, double wire)
{
    return wire > 0 ? raw / wire : 0.0;
}
