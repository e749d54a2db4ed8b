/* tests/bench/bench_scale.c — one scenario through the whole simulator, timed.
 *
 * Loads a scenario, checks it, and simulates it exactly as `drsim run` does but without the results
 * database or any output file, then prints one line of figures: wall and CPU time, kernel events
 * and events per CPU second, replication cycles, peak resident memory, and a fingerprint of the
 * results (per-VM RPO statistics, bytes, cycles, storage) so that a speed change can be checked to
 * leave the results alone. Run one scenario per process: peak memory is the process's.
 *
 *   bench_scale SCENARIO.json */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "engine/rules.h"
#include "reports/reports.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(const struct rusage *u)
{
    return (double)u->ru_utime.tv_sec + (double)u->ru_utime.tv_usec / 1e6 +
           (double)u->ru_stime.tv_sec + (double)u->ru_stime.tv_usec / 1e6;
}

/* FNV-1a over the figures a report prints (RPO statistics, bytes, cycles, storage, recovery points,
 * health, failovers, engine events): equal fingerprints, equal results. */
static uint64_t fold(uint64_t h, uint64_t x)
{
    for (int i = 0; i < 8; i++) {
        h ^= (x >> (8 * i)) & 0xff;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static uint64_t fingerprint(const report_results *r, uint64_t *cycles)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    *cycles = 0;
    for (size_t i = 0; i < report_results_vm_count(r); i++) {
        const report_vm_stats *v = report_results_vm(r, i);
        report_rpo_stats st;
        report_results_rpo(r, i, 0, 0, &st);
        h = fold(h, (uint64_t)st.max_ns);
        h = fold(h, (uint64_t)(int64_t)st.p50_ns);
        h = fold(h, (uint64_t)(int64_t)st.p95_ns);
        h = fold(h, (uint64_t)(int64_t)st.p99_ns);
        h = fold(h, v->raw_bytes);
        h = fold(h, v->wire_bytes);
        h = fold(h, v->cycles_completed);
        h = fold(h, v->cycles_missed);
        h = fold(h, v->replica_storage_peak_bytes);
        h = fold(h, (uint64_t)v->ir_end_ns);
        h = fold(h, v->rp_created);
        h = fold(h, v->rp_pruned);
        h = fold(h, v->rp_additional_max);
        h = fold(h, (uint64_t)v->worst_health);
        for (int k = 0; k < 4; k++)
            h = fold(h, (uint64_t)v->health_first_ns[k]);
        *cycles += v->cycles_completed;
    }
    for (size_t i = 0; i < report_results_failover_count(r); i++) {
        const report_failover *f = report_results_failover(r, i);
        h = fold(h, (uint64_t)f->ended_ns);
        h = fold(h, (uint64_t)f->data_loss_ns);
        h = fold(h, f->data_loss_bytes);
        h = fold(h, f->verified);
    }
    h = fold(h, report_results_event_total(r));
    h = fold(h, report_results_rp_rows(r));
    return h;
}

int main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: bench_scale SCENARIO.json\n");
        return 2;
    }
    drs_diags diags = {0};
    drs_scenario *sc = sim_scenario_load(argv[1], &diags);
    if (sc)
        engine_rules_check(sc, &diags);
    if (!sc || drs_diags_errors(&diags)) {
        sim_diags_print(stderr, &diags);
        drs_diags_clear(&diags);
        drs_scenario_free(sc);
        return 2;
    }
    drs_diags_clear(&diags);

    struct rusage u0, u1;
    getrusage(RUSAGE_SELF, &u0);
    double w0 = wall_s();
    sim_run_outcome out;
    bool ok = sim_run_scenario(sc, &out);
    double wall = wall_s() - w0;
    getrusage(RUSAGE_SELF, &u1);
    if (!ok) {
        drs_scenario_free(sc);
        return 3;
    }
    double cpu = cpu_s(&u1) - cpu_s(&u0);
    uint64_t cycles;
    uint64_t fp = fingerprint(out.results, &cycles);
    printf("scenario=%s vms=%zu days=%.1f wall_s=%.2f cpu_s=%.2f events=%" PRIu64
           " events_per_s=%.0f cycles=%" PRIu64 " us_per_cycle=%.2f peak_rss_mib=%.1f"
           " results=%016" PRIx64 "\n",
           sc->name, sc->vm_count, (double)sc->duration_ns / 86400e9, wall, cpu, out.events,
           cpu > 0 ? (double)out.events / cpu : 0.0, cycles,
           cycles ? cpu * 1e6 / (double)cycles : 0.0, (double)u1.ru_maxrss / 1024.0, fp);
    report_results_free(out.results);
    drs_scenario_free(sc);
    return 0;
}
