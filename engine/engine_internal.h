/* engine/engine_internal.h — the engine's state, shared by the files of engine/ and nobody else.
 *
 * Every figure the engine follows is one named constant here, with where it comes from. */
#ifndef ENGINE_ENGINE_INTERNAL_H
#define ENGINE_ENGINE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "rules_state.h"

#define ENGINE_NS_PER_MIN (60 * DRS_NS_PER_S)
#define ENGINE_NS_PER_HOUR (60 * ENGINE_NS_PER_MIN)
#define ENGINE_NS_PER_DAY (24 * ENGINE_NS_PER_HOUR)

/* Health is judged over a sliding window: the pair's health_window (RULES_HEALTH_WINDOW_* in
 * engine/rules.h, the range and default of Hyper-V's monitoring window); see eng_health_window_ns. */
/* Warning when this fraction or more of the cycles due in the window were missed. */
#define ENGINE_HEALTH_MISSED_FRACTION 0.20
/* Warning when no log reached the replica for more than this. */
#define ENGINE_HEALTH_STALE_NS ENGINE_NS_PER_HOUR
/* Resynchronization is required when the VM's logs outgrow this fraction of its virtual disks' total
 * size (Hyper-V team blog on resynchronization, 2013). */
#define ENGINE_RESYNC_LOG_FRACTION 0.5
/* A required resynchronization starts by itself after this delay (Hyper-V's "start automatically"
 * choice, with a margin that leaves the Critical state visible to monitoring). */
#define ENGINE_RESYNC_START_DELAY_NS (30 * ENGINE_NS_PER_MIN)
/* Additional recovery points are taken every hour (the seed's "each recovery point contains an hour's
 * worth of data"). */
#define ENGINE_RP_HOURLY_NS ENGINE_NS_PER_HOUR
/* Content compressibility assumed for a disk without a workload (nothing is known of its data). */
#define ENGINE_IDLE_DISK_COMPRESSIBILITY 0.5
/* Configuration jobs (registration, cloud configuration, mappings, finalize) take no simulated time:
 * `drsim validate` replays the same steps without durations, and the two must agree on what is
 * configured when. */
#define ENGINE_CONFIG_JOB_NS 0
/* Work done by "Enable Protection" before copying begins (prerequisites check, enabling replication on
 * both hosts) and by "Finalize Protection". Zero keeps initial replication starting at the protect
 * time, which is what a scenario's reader expects. */
#define ENGINE_ENABLE_PREP_NS 0
#define ENGINE_FINALIZE_NS 0

/* Work of a failover before a VM boots: ASR's prerequisite checks and the replica's preparation take
 * no simulated time, so a failover's RTO is the final changes (planned) plus boots and plan actions,
 * which is what a recovery plan's reader adds up. */
#define ENGINE_FAILOVER_PREP_NS 0
/* A test failover nobody cleans up is completed automatically after two weeks (Site Recovery). */
#define ENGINE_TEST_FAILOVER_AUTO_COMPLETE_NS (14 * ENGINE_NS_PER_DAY)
/* A recovery plan's script that has not finished after this is stopped as failed (Site Recovery). */
#define ENGINE_SCRIPT_TIMEOUT_NS (600 * DRS_NS_PER_S)
/* Boot time of a VM that does not give one. */
#define ENGINE_DEFAULT_BOOT_NS (60 * DRS_NS_PER_S)

/* Replication transfers a primary host sends at once when the scenario does not say
 * (max_active_transfers): Hyper-V's MaximumActiveTransfers defaults to 6 on Windows Server 2012 R2
 * and 3 on 2012. */
#define ENGINE_MAX_ACTIVE_TRANSFERS_2012R2 6
#define ENGINE_MAX_ACTIVE_TRANSFERS_2012 3

/* A VM's place in its primary host's transfers (transfers.c). */
typedef enum eng_xfer_state { ENG_XFER_NONE, ENG_XFER_WAITING, ENG_XFER_ACTIVE } eng_xfer_state;
typedef struct eng_xfer_host eng_xfer_host;

/* The pieces of a VM's cycle machine. */
typedef enum eng_phase { ENG_PHASE_IDLE, ENG_PHASE_SENDING, ENG_PHASE_APPLYING } eng_phase;

/* What the cycle in flight carries. */
typedef enum eng_payload {
    ENG_PAYLOAD_DELTA,  /* a log cycle */
    ENG_PAYLOAD_RESYNC  /* the differing extents found by a resynchronization */
} eng_payload;

/* A retained (hourly or app-consistent) recovery point at the replica. */
typedef struct eng_point {
    uint64_t id;
    engine_rp_kind kind;
    int64_t captured_ns, applied_ns;
    uint64_t bytes;          /* replica storage it holds: sum of disk_bytes */
    uint64_t primary_digest; /* XOR of per-disk digests */
    uint64_t *disk_bytes;    /* per disk (points into eng_vm.point_disk_bytes) */
    uint64_t *disk_digest;   /* per disk */
} eng_point;

typedef struct engine engine;
typedef struct eng_fo_run eng_fo_run;

/* One applied payload the replica can still be reverted past: its point id, the log bytes the
 * primary wrote into it, and (in eng_vm.undo_handles, disks per entry) the platform's undo handles. */
typedef struct eng_undo {
    uint64_t id;
    uint64_t log_bytes;
} eng_undo;

typedef struct eng_vm {
    engine *e;
    int index;
    const drs_vm *desc;
    size_t disks;
    int src_site, src_host;
    engine_vm_state state;
    bool protected_; /* from Enable Protection until disabled */

    /* placement */
    int pair, tgt_site, tgt_host;
    int *disk_storage; /* target classification per disk (index in tgt_site's storage) */
    int *src_storage;  /* classification of the primary copy per disk (in src_site's) */
    /* Replication runs from the recovery site back to the VM's own site: src_* and tgt_* (sites,
     * hosts, classifications) were swapped by reverse replication and are swapped back by a
     * failback. Everything that replicates reads the direction from them. */
    bool reversed;
    bool rev_resync;            /* the resynchronization in progress starts reverse replication */
    drs_pair_settings settings; /* the pair's settings when protection was enabled */
    int64_t interval_ns;
    uint64_t total_size_bytes, used_bytes;

    /* read by every cycle */
    bool ir_done;
    bool fo_gap;               /* RPO was made undefined by this failover */
    bool fo_sync;              /* planned: waiting for the final changes to be applied */
    bool fo_wait_apply;        /* unplanned from latest: waiting for the payload being applied */

    /* cycles */
    engine_timer_id tick_timer, apply_timer, hourly_timer, stale_timer, resync_timer;
    int64_t next_tick_ns;
    eng_phase phase;
    eng_payload payload;
    engine_transfer_id transfer;
    drs_delta *cur; /* per disk, the payload in flight; owns the block that also holds
                       bucket_bytes, disk_used, disk_digest, disk_storage and src_storage */
    uint64_t cur_raw, cur_wire;
    double cur_cpu;
    int64_t cur_captured_ns, cur_sent_ns;
    bool cur_first;          /* the catch-up after the base copy */
    uint64_t cur_id;         /* recovery point id of the payload in flight */
    engine_rp_kind cur_kind; /* kind the point in flight becomes when applied */
    bool send_pending;       /* a cycle was missed: send as soon as the one in flight is applied */
    bool retry_pending;      /* the payload in flight failed: send it again at the next tick */
    bool err_transfer, err_storage; /* replication in error (Critical) */
    uint64_t cycles_completed, cycles_missed;

    /* recovery points */
    uint64_t next_point_id;
    bool has_latest;
    uint64_t latest_id;
    int64_t latest_captured_ns, latest_applied_ns;
    engine_rp_kind latest_kind;
    uint64_t latest_bytes, latest_digest;
    engine_rp_kind mark_next;  /* the kind the next capture takes (hourly mark) */
    bool mark_pending;
    int64_t next_app_ns;       /* when the next app-consistent snapshot is due */
    eng_point *points;         /* retained, oldest first; capacity = retention + 1 */
    uint64_t oldest_point_id;  /* points[0].id (0: none), read by every apply without the points */
    size_t point_count, point_cap;
    uint64_t *point_disk_bytes, *point_disk_digest; /* point_cap * disks */
    uint64_t *bucket_bytes;    /* per disk: bytes applied since the newest retained point */
    uint64_t *disk_used;       /* per disk: replica storage reserved now (base + bucket + points) */
    bool base_kept;            /* a replica left in place by an earlier disable holds its base */
    uint64_t *disk_digest;     /* per disk: primary digest of the newest applied point */

    /* undo journal, oldest first: what reverting to a retained point needs. Its records are
     * undo[undo_head .. undo_head + undo_count) (handles: the same rows of undo_handles), so
     * letting the oldest go moves the head rather than the records. */
    eng_undo *undo;
    uint64_t *undo_handles;
    size_t undo_head, undo_count, undo_cap;
    size_t undo_held;         /* handles in the journal that are not 0 (none: nothing to forget) */
    bool undo_trimmed;        /* undo_trimmed_to holds the bound of the last eng_undo_trim */
    uint64_t undo_trimmed_to;

    /* health */
    engine_health health;
    int64_t last_apply_ns;
    int64_t stale_due_ns; /* when the stale timer judges (it fires earlier and re-arms) */
    /* the window's ring: a cycle's due time, complemented when missed; the oldest due time is
     * also kept here, so that judging reads the ring only when a cycle leaves the window */
    int64_t *win;
    int64_t win_oldest_ns;
    size_t win_cap, win_head, win_count, win_missed_count;

    /* transfer slot at the primary host (transfers.c) */
    eng_xfer_state xfer;
    int xfer_site, xfer_host, xfer_next;
    void (*xfer_start)(struct eng_vm *v); /* starts the transfer when a waiting VM gets its slot */

    /* Below: what only operations, initial replication and failovers touch. Everything above is
     * touched by a VM's cycles, kept together so that a cycle reads few cache lines: a fleet's
     * state outgrows the cache, and each line a cycle touches is then a miss. */
    /* jobs */
    uint64_t enable_job, resync_job;

    /* initial replication */
    int64_t ir_requested_ns, ir_start_ns;
    uint64_t ir_raw_bytes, ir_wire_bytes;
    engine_timer_id ir_timer;
    engine_transfer_id ir_transfer;
    int ir_stage; /* offline: 0 export, 1 shipping, 2 import */
    bool ir_existing;      /* this initial replication reuses the VM's existing replica */
    bool existing_deleted; /* the existing replica was deleted on disable: gone for good */

    /* failover */
    eng_fo_run *fo_run;        /* the failover this VM takes part in, or NULL */
    bool fo_go;                /* its group began: it boots once ready */
    bool fo_ready;             /* planned: the final changes are applied, it can boot */
    bool crashed;              /* its primary host went down under it: the log was not closed */
    bool runs_at_recovery;     /* protection was disabled while it ran failed over */
    engine_timer_id fo_timer;  /* boot */
    engine_transfer_id fo_transfer;
    int64_t fo_started_ns, fo_failure_ns, fo_rp_captured_ns, fo_loss_ns;
    uint64_t fo_loss_bytes, fo_pending_bytes;
    bool fo_verified;
    char fo_detail[200];
    bool test_active;
    engine_timer_id test_timer;
    uint64_t fo_job;           /* the Reverse Replication job running */
} eng_vm;

/* One step of the recovery section, scheduled by engine_start. */
typedef enum eng_step_kind {
    ENG_STEP_REGISTER,
    ENG_STEP_PAIR,
    ENG_STEP_NET_MAP,
    ENG_STEP_STORAGE_MAP,
    ENG_STEP_PROTECT
} eng_step_kind;

typedef struct eng_step {
    engine *e;
    eng_step_kind kind;
    size_t index;
} eng_step;

struct engine {
    const drs_scenario *sc;
    engine_platform pf;
    engine_recorder rec;
    rules_state *rules;
    uint64_t next_job_id;
    /* Steps reported in progress and not finished yet, so a job that ends closes them (jobs.c),
     * and per job id where its open steps are. */
    struct eng_open_step *open_steps;
    size_t open_step_count, open_step_cap;
    struct eng_job_open *job_open;
    size_t job_open_cap;
    eng_vm *vms;
    bool *storage_mapped; /* per recovery.storage_mappings entry: its job succeeded */
    eng_step *steps;
    size_t step_count;
    engine_timer_id *step_timers;
    int64_t *site_down_ns;  /* per site: when the timeline last took it down, -1 when up */
    int64_t **host_down_ns; /* per site, per host */
    eng_fo_run *runs;       /* failovers started, for freeing */
    eng_xfer_host **xfer_hosts; /* per site, per host: transfers sending and waiting (transfers.c) */
};

/* engine.c */
int64_t eng_now(const engine *e);
void eng_event(engine *e, engine_event_kind kind, int vm, int pair, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void eng_cancel_timer(engine *e, engine_timer_id *id);
void eng_cancel_transfer(engine *e, engine_transfer_id *id);

/* jobs.c */
/* Forgets the open steps (engine_free). */
void eng_jobs_free(engine *e);
uint64_t eng_job_begin(engine *e, engine_job_kind kind, int vm, int pair, int site,
                       const char *subject);
void eng_job_step(engine *e, uint64_t job, const char *step, engine_job_state state);
void eng_job_end(engine *e, uint64_t job, engine_job_state state, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A job refused at once: begins and fails with the reason of the first error in d ("rule N: path:
 * message"). */
uint64_t eng_job_refuse_diags(engine *e, engine_job_kind kind, int vm, int pair, int site,
                              const char *subject, const drs_diags *d);
/* Reports every warning of d as a config_warning event. */
void eng_diags_warn(engine *e, int vm, int pair, const drs_diags *d);

/* vault.c */
void eng_step_fire(void *arg);
int eng_vm_pair_now(const engine *e, int vm, drs_cloud_pair *pair_out);

/* protection.c */
uint64_t eng_protect_at(engine *e, int vm, const char *path);
void eng_protection_fail(eng_vm *v, const char *reason);
void eng_protection_ir_complete(eng_vm *v);
void eng_protection_release_replica(eng_vm *v, bool delete_replica);

/* initial_replication.c */
/* The host (index within site) of the VM's existing Hyper-V Replica copy when it can be reused by
 * a pair targeting (site, cloud): the scenario gives one, it was not deleted, and its host is in
 * that cloud. -1 otherwise. */
int eng_ir_existing_host(const eng_vm *v, int site, int cloud);
void eng_ir_begin(eng_vm *v);
void eng_ir_stop(eng_vm *v);

/* replication.c */
void eng_cycles_start(eng_vm *v, bool send_now);
void eng_cycles_stop(eng_vm *v);
void eng_cycles_abort(eng_vm *v);
void eng_cycle_send(eng_vm *v, eng_payload payload, bool first);
uint64_t eng_vm_backlog(const eng_vm *v);
double eng_disk_compressibility(const engine *e, const drs_vm *vm, size_t disk);
uint64_t eng_wire_bytes(const eng_vm *v, uint64_t raw, double compressibility);

/* transfers.c */
typedef void (*eng_xfer_start_fn)(eng_vm *v);
void eng_xfers_init(engine *e);
void eng_xfers_free(engine *e); /* afterwards releasing a slot starts nothing */
/* Asks for a transfer slot at v's primary host: true when v has it (start the transfer now); false
 * when v waits behind the host's other transfers, and start(v) runs when its turn comes. */
bool eng_xfer_acquire(eng_vm *v, eng_xfer_start_fn start);
/* v's transfer of that kind (the start function it asked with) ended (sent, failed or cancelled)
 * or no longer waits: frees its slot or its place and gives a freed slot to the oldest waiting VM
 * of the host. Nothing when v holds neither for that kind. */
void eng_xfer_release(eng_vm *v, eng_xfer_start_fn start);
bool eng_xfer_waiting(const eng_vm *v);

/* recovery_points.c */
void eng_rp_init(eng_vm *v);
void eng_rp_free(eng_vm *v);
void eng_rp_start(eng_vm *v);
void eng_rp_stop(eng_vm *v);
engine_rp_kind eng_rp_next_kind(eng_vm *v);
void eng_rp_created(eng_vm *v, uint64_t id, engine_rp_kind kind, int64_t captured_ns,
                    uint64_t digest, uint64_t bytes);
/* Reserves replica storage for an applied payload; false (nothing reserved) when full. */
bool eng_rp_reserve(eng_vm *v, const drs_delta *per_disk, eng_payload payload);
void eng_rp_applied(eng_vm *v, uint64_t id, engine_rp_kind kind, int64_t captured_ns,
                    const uint64_t *disk_digest, uint64_t raw_bytes);
bool eng_storage_reserve_base(eng_vm *v);
void eng_storage_report(eng_vm *v);
void eng_rp_drop_all(eng_vm *v);

/* health.c */
/* The window health is judged over: the pair's health_window, or the default when unset. */
int64_t eng_health_window_ns(const eng_vm *v);
void eng_health_init(eng_vm *v);
void eng_health_free(eng_vm *v);
void eng_health_tick(eng_vm *v, int64_t due_ns, bool missed);
void eng_health_applied(eng_vm *v);
void eng_health_eval(eng_vm *v);
void eng_health_reset(eng_vm *v);

/* operations.c */
/* Why op cannot run on v now by the operation table (one operation at a time, the test VM, the
 * replication state), or NULL. own: the failover run op belongs to (it holds v already), or NULL. */
const char *eng_op_refusal(const eng_vm *v, engine_operation op, const eng_fo_run *own, char *why,
                           size_t n);
/* A refused operation: a job that fails its prerequisites check with reason, and a finding. */
uint64_t eng_op_refuse(engine *e, engine_operation op, eng_vm *v, const char *reason);

/* failover.c */
void eng_failover_init(engine *e);
void eng_failover_free(engine *e);
/* Room for the undo handles of the next apply (one per disk), or NULL when the replica keeps none
 * (no retention, no revert, out of memory): apply without undo then. */
uint64_t *eng_undo_slot(eng_vm *v);
/* The apply whose handles fill the slot is done: keep it as point id. */
void eng_undo_commit(eng_vm *v, uint64_t id, uint64_t log_bytes);
/* Forgets the records no retained point needs (those up to the oldest retained one). */
void eng_undo_trim(eng_vm *v);
void eng_undo_forget_all(eng_vm *v);
/* Protection of v ends while a failover, test failover or reverse replication of it runs: its timers
 * and transfers stop and its part of the failover ends failed with why. */
void eng_failover_abandon(eng_vm *v, const char *why);
/* replication.c tells the failover that the VM's payload in motion was applied (or failed). */
void eng_failover_payload_done(eng_vm *v, bool ok, const char *why);
/* resync.c tells the failover that a resynchronization was applied (ends Reverse Replication). */
void eng_failover_resync_done(eng_vm *v);
/* The state the VM shows (engine_vm_state_of): the internal cycle states with the direction. */
engine_vm_state eng_vm_shown_state(const eng_vm *v);

/* recovery_points.c, for failover */
/* Drops the retained points captured after point id (the replica was reverted to it) and the hour's
 * bucket; the point becomes the latest. */
void eng_rp_truncate_after(eng_vm *v, uint64_t id, int64_t captured_ns, uint64_t digest);
/* Drops every retained point but keeps the base (commit). */
void eng_rp_commit(eng_vm *v);
/* RPO is undefined from now (the VM failed over, or is no longer protected): an rpo_point breakpoint
 * with no capture. */
void eng_rp_rpo_gap(eng_vm *v);
/* RPO is defined again from now, measured from the newest applied point (a failover that did not
 * happen). */
void eng_rp_rpo_resume(eng_vm *v);

/* resync.c */
void eng_resync_start_now(eng_vm *v);
void eng_resync_check(eng_vm *v);
void eng_resync_require(eng_vm *v, const char *why);
void eng_resync_applied(eng_vm *v);
/* The operator starts a required resynchronization now (a refused job when none is required). */
uint64_t eng_resync_operator(engine *e, eng_vm *v);

#endif
