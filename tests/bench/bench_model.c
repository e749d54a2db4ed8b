/* tests/bench/bench_model.c — how fast the model generates writes at extent fidelity.
 *
 * 1,000 VMs with two disks each (an OS disk and a data disk) run a mix of steady, poisson, diurnal
 * and bursty workloads averaging about 0.3 MB/s per VM, in 5-minute batches, for 30 simulated days;
 * every batch each disk's log is taken, as a replication cycle would. Prints wall time, simulated
 * writes per wall second, extents stamped and peak RSS.
 *
 *   bench_model [vms [days [extent|fluid]]] */
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "model/disk.h"
#include "model/workload.h"

#define KiB UINT64_C(1024)
#define GiB (UINT64_C(1) << 30)
#define S DRS_NS_PER_S
#define MIN (60 * S)
#define HOUR (3600 * S)
#define DAY (24 * HOUR)

static drs_workload mk(drs_workload_kind kind, double rate, uint64_t write_size, double hot_set,
                       double hot_share)
{
    drs_workload w;
    memset(&w, 0, sizeof w);
    w.name = "bench";
    w.kind = kind;
    w.write_rate_Bps = rate;
    w.write_size_bytes = write_size;
    w.hot_set = hot_set;
    w.hot_share = hot_share;
    w.compressibility = 0.5;
    return w;
}

static drs_workload diurnal(double base, double peak, int64_t start, int64_t end)
{
    drs_workload w = mk(DRS_WL_DIURNAL, 0, 64 * KiB, 0.2, 0.8);
    w.base_rate_Bps = base;
    w.peak_rate_Bps = peak;
    w.peak_start_ns = start;
    w.peak_end_ns = end;
    return w;
}

/* Four VM profiles, os disk then data disk. */
static void profile(int kind, drs_workload *os, drs_workload *data)
{
    switch (kind) {
    case 0: /* office file server */
        *os = diurnal(20e3, 200e3, 9 * HOUR, 17 * HOUR);
        *data = mk(DRS_WL_STEADY, 200e3, 64 * KiB, 0.05, 0.9);
        break;
    case 1: /* OLTP database: small random writes */
        *os = mk(DRS_WL_STEADY, 30e3, 64 * KiB, 0.1, 0.9);
        *data = mk(DRS_WL_POISSON, 270e3, 8 * KiB, 0.02, 0.8);
        break;
    case 2: /* batch jobs: large writes in bursts */
        *os = mk(DRS_WL_STEADY, 30e3, 64 * KiB, 0.1, 0.9);
        *data = mk(DRS_WL_BURSTS, 100e3, 256 * KiB, 0.3, 0.5);
        data->burst_rate_Bps = 3e6;
        data->burst_every_ns = 6 * HOUR;
        data->burst_length_ns = 20 * MIN;
        break;
    default: /* application server with a working day */
        *os = diurnal(20e3, 100e3, 8 * HOUR, 18 * HOUR);
        *data = diurnal(50e3, 450e3, 8 * HOUR, 18 * HOUR);
        break;
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int vms = argc > 1 ? atoi(argv[1]) : 1000;
    int days = argc > 2 ? atoi(argv[2]) : 30;
    bool fluid = argc > 3 && strcmp(argv[3], "fluid") == 0;
    int ndisks = 2 * vms;
    model_disk **disks = calloc((size_t)ndisks, sizeof *disks);
    model_workload **wls = calloc((size_t)ndisks, sizeof *wls);
    gsl_rng **rngs = calloc((size_t)ndisks, sizeof *rngs);
    if (!disks || !wls || !rngs)
        return 3;
    double mean_Bps = 0;
    for (int v = 0; v < vms; v++) {
        drs_workload os, data;
        profile(v % 4, &os, &data);
        for (int k = 0; k < 2; k++) {
            int i = 2 * v + k;
            model_disk_config cfg = {k == 0 ? 127 * GiB : 1024 * GiB,
                                     k == 0 ? 30 * GiB : (uint64_t)(50 + 50 * (v % 4)) * GiB, 0,
                                     fluid, (uint32_t)i};
            drs_error err = {0};
            disks[i] = model_disk_new(&cfg, 0, &err);
            wls[i] = model_workload_new(k == 0 ? &os : &data, NULL, 0, &err);
            if (!disks[i] || !wls[i]) {
                fprintf(stderr, "bench_model: %s\n", err.message);
                return 3;
            }
            rngs[i] = gsl_rng_alloc(gsl_rng_mt19937);
            gsl_rng_set(rngs[i], 1000003u * (unsigned long)i + 17u);
            mean_Bps += model_workload_mean_rate_Bps(wls[i]);
        }
    }
    printf("bench_model: %d VMs, %d disks, %d days, 5-minute batches, %s fidelity\n", vms, ndisks,
           days, fluid ? "fluid" : "extent");
    printf("  configured mean rate %.3f MB/s per VM\n", mean_Bps / vms / 1e6);
    double t0 = now_s();
    uint64_t extents = 0, coalesced = 0;
    const int64_t batch = 5 * MIN, end = (int64_t)days * DAY;
    for (int64_t t = 0; t < end; t += batch) {
        if (t > 0 && t % DAY == 0) { /* progress, so that a long run can be followed */
            struct rusage ru_day;
            getrusage(RUSAGE_SELF, &ru_day);
            printf("  day %3lld done: %8.1f s, peak RSS %.1f MiB\n", (long long)(t / DAY),
                   now_s() - t0, (double)ru_day.ru_maxrss / 1024.0);
            fflush(stdout);
        }
        for (int i = 0; i < ndisks; i++) {
            model_workload_generate(wls[i], disks[i], t, t + batch, rngs[i]);
            drs_delta dl;
            model_disk_log_take(disks[i], t + batch, &dl);
            extents += dl.extent_count;
            coalesced += dl.coalesced_bytes;
            drs_delta_free(&dl);
        }
    }
    double wall = now_s() - t0;
    uint64_t writes = 0, bytes = 0, written = 0;
    size_t mem = 0;
    for (int i = 0; i < ndisks; i++) {
        writes += model_disk_lifetime_writes(disks[i]);
        bytes += model_disk_lifetime_bytes(disks[i]);
        written += model_disk_written_extents(disks[i]);
        mem += model_disk_memory_bytes(disks[i]);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  simulated writes   %llu (%.1f TB, %.3f MB/s per VM achieved)\n",
           (unsigned long long)writes, (double)bytes / 1e12,
           (double)bytes / ((double)days * 86400.0) / vms / 1e6);
    printf("  extents in deltas  %llu (coalesced %.1f TB)\n", (unsigned long long)extents,
           (double)coalesced / 1e12);
    printf("  wall time          %.2f s\n", wall);
    printf("  writes per second  %.3g (simulated I/Os per wall second)\n", (double)writes / wall);
    printf("  extent stamps/s    %.3g\n", (double)extents / wall);
    printf("  extents written    %llu, map memory %.1f MiB\n", (unsigned long long)written,
           (double)mem / (1 << 20));
    printf("  peak RSS           %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
    for (int i = 0; i < ndisks; i++) {
        model_workload_free(wls[i]);
        model_disk_free(disks[i]);
        gsl_rng_free(rngs[i]);
    }
    free(disks);
    free(wls);
    free(rngs);
    return 0;
}
