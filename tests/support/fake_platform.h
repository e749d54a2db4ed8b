/* tests/support/fake_platform.h — a small world for testing the engine alone, and a recorder that
 * keeps everything the engine reports.
 *
 * The world runs on the sim kernel (sim/kernel/sim.h) and models just enough to check the engine against
 * closed forms:
 *   - one link between sites 0 and 1 (sc->links[0]): a one-way latency before a transfer starts moving,
 *     then its bytes at bandwidth / n when n transfers move at once (processor sharing); down = every
 *     transfer stalls until up again;
 *   - disks with versioned extents (sc->extent_bytes each, covering the disk's used bytes) written at
 *     the steady rate of their workload in writes of write_size bytes (an extent each, round robin),
 *     an order-free digest XOR(h(extent, version)), a change log (bytes of every write, the set of
 *     extents written) and a replica copy with its own versions and digest;
 *   - storage classifications with the scenario's capacity and rates, and up/down flags for sites,
 *     hosts and VMM servers.
 * Everything here is for tests: fields are public so tests can read and tweak them. */
#ifndef TESTS_FAKE_PLATFORM_H
#define TESTS_FAKE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/shared/desc.h"
#include "engine/platform.h"
#include "engine/record.h"
#include "sim/kernel/sim.h"

typedef struct fake_disk {
    uint64_t extents;       /* extents covering the used bytes */
    uint64_t *version;      /* primary version per extent */
    uint64_t *replica;      /* replica version per extent */
    uint64_t digest, replica_digest;
    double rate_Bps;        /* steady write rate */
    uint64_t write_bytes;   /* bytes per write */
    double compressibility;
    int64_t written_to_ns;  /* writes are generated up to this time */
    double carry_bytes;     /* bytes written but not yet a whole write */
    uint64_t next_extent;   /* round robin */
    uint64_t stamp;         /* last version given */
    /* open log */
    int64_t log_opened_ns;
    uint64_t log_bytes, log_writes;
    uint32_t *log_mark;     /* log generation that last touched each extent */
    uint32_t log_gen;
    uint64_t *log_list;     /* extents touched in the open log */
    size_t log_count;
    uint64_t total_written;
    bool stopped;           /* the VM's instance at its own site is shut down: it writes nothing */
    bool remote_running;    /* the instance at the recovery site runs and writes (replica_writes) */
    uint64_t remote_written; /* bytes that instance wrote */
    /* set_primary_copy turned replication around: `version` (with digest and the log) is the copy
     * at the recovery site and `replica` the one at the VM's own site. */
    bool reversed;
} fake_disk;

/* What reverting one replica apply needs: the extents it changed and their versions before. */
typedef struct fake_undo {
    bool used;
    int vm, disk;
    size_t n;
    uint64_t *extent, *old;
} fake_undo;

typedef struct fake_flow {
    uint64_t id;
    bool used, moving;
    double left;            /* bytes still to move */
    int64_t finish_ns;      /* when it ends at the current rate (valid while moving) */
    engine_transfer_fn done;
    void *arg;
    sim_event_id start_ev;
    struct fake_world *world;
} fake_flow;

typedef struct fake_timer {
    engine_timer_fn fn;
    void *arg;
    sim_event_id ev;
    uint32_t gen;
    bool used;
} fake_timer;

typedef struct fake_storage {
    uint64_t capacity, used, peak;
    double read_Bps, write_Bps;
} fake_storage;

/* --- what the recorder keeps --- */
typedef struct fake_job {
    uint64_t id;
    char name[48];
    int vm;
    engine_job_state state;
    char reason[400];
    int64_t started_ns, ended_ns;
} fake_job;

typedef struct fake_rpo {
    int vm;
    int64_t at_ns, captured_ns;
} fake_rpo;

typedef struct fake_rp {
    engine_rp_change change;
    engine_rp_info info;
    int64_t at_ns;
} fake_rp;

typedef struct fake_store_rec {
    int site, storage, vm;
    uint64_t bytes;
    int64_t at_ns;
} fake_store_rec;

typedef struct fake_failover {
    engine_failover_info info; /* info.detail points at detail */
    char detail[256];
} fake_failover;

typedef struct fake_world {
    const drs_scenario *sc;
    sim *sim;
    engine_platform pf;
    engine_recorder rec;
    /* link */
    double bandwidth_Bps;
    int64_t latency_ns;
    bool link_up;
    fake_flow *flows;
    size_t flow_cap;
    uint64_t next_flow_id;
    int64_t link_last_ns;
    sim_event_id link_ev;
    uint64_t bytes_moved;
    /* timers */
    fake_timer *timers;
    size_t timer_cap;
    /* world */
    fake_disk **disks;        /* [vm][disk] */
    fake_storage **storage;   /* [site][classification] */
    bool *site_up, **host_up, *vmm_online;
    uint64_t undo_next;
    fake_undo *undos;         /* handle h is undos[h - 1] */
    size_t undo_count, undo_cap, undo_live;
    bool *replica_running;    /* per VM: its instance at the recovery site runs (failover) */
    bool replica_writes;   /* that instance writes at the disk's rate (off unless a test asks) */
    uint64_t sent_from[2]; /* bytes of the transfers started from site 0 and from site 1 */
    /* recorded */
    fake_job *jobs;
    size_t job_count, job_cap;
    engine_event_info *events;
    size_t event_count, event_cap;
    fake_rpo *rpo;
    size_t rpo_count, rpo_cap;
    engine_cycle_info *cycles;
    size_t cycle_count, cycle_cap;
    fake_rp *rps;
    size_t rp_count, rp_cap;
    engine_ir_info *irs;
    size_t ir_count, ir_cap;
    fake_store_rec *stores;
    size_t store_count, store_cap;
    fake_failover *failovers;
    size_t failover_count, failover_cap;
    char (*findings)[240];    /* texts of failover_finding events */
    size_t finding_count, finding_cap;
    /* checks made while recording */
    size_t digest_checks, digest_mismatches; /* replica digest vs recorded primary digest at apply */
} fake_world;

/* A world for sc (borrowed; must outlive the world). Aborts when out of memory. */
fake_world *fake_world_new(const drs_scenario *sc);
void fake_world_free(fake_world *w);
/* Runs the kernel up to t (writes are generated lazily, so nothing else needs to happen). */
void fake_run_until(fake_world *w, int64_t t_ns);

/* Link changes take effect now: flows in motion are re-rated. */
void fake_link_set(fake_world *w, double bandwidth_Bps, int64_t latency_ns);
void fake_link_updown(fake_world *w, bool up);
/* Changes a disk's steady write rate from now on. */
void fake_disk_set_rate(fake_world *w, int vm, int disk, double rate_Bps);

/* The n-th failover record about vm (-1: a plan's own record, plan >= 0) of that kind, or NULL. */
const fake_failover *fake_find_failover(const fake_world *w, engine_failover_kind kind, int plan,
                                        int vm, size_t n);
/* Whether a failover_finding event's text contains needle. */
bool fake_has_finding(const fake_world *w, const char *needle);

/* Counts of what was recorded. */
size_t fake_count_events(const fake_world *w, engine_event_kind kind, int vm);
/* Time of the first event of that kind (and, for health_changed, new value; -1 = any), or -1. */
int64_t fake_first_event(const fake_world *w, engine_event_kind kind, int vm, int new_value);
const fake_job *fake_find_job(const fake_world *w, const char *name, int vm);
/* The job with that id, or NULL. */
const fake_job *fake_find_job_id(const fake_world *w, uint64_t id);
/* RPO statistics of vm over [from_ns, to_ns] from the recorded breakpoints (exact, piecewise linear):
 * maximum and time average. False when no point was applied before from_ns. */
bool fake_rpo_stats(const fake_world *w, int vm, int64_t from_ns, int64_t to_ns, double *max_ns,
                    double *mean_ns);

#endif
