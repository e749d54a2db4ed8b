/* engine/engine.h — the replication engine: Site Recovery orchestration driving Hyper-V Replica.
 *
 * The engine owns the vault's view of the configuration (registrations, cloud pairs, mappings), the
 * protection lifecycle of every VM (jobs, initial replication, delta cycles, recovery points, health,
 * resynchronization) and reports everything through an engine_recorder (engine/record.h). It sees the
 * world only through an engine_platform (engine/platform.h) and the const scenario it is given.
 *
 * Ownership: engine_new borrows the scenario (it must outlive the engine, unchanged) and copies the
 * platform and recorder tables (their ctx must outlive the engine). engine_free releases everything the
 * engine allocated; it does not call back into the platform except to cancel its pending timers and
 * transfers.
 *
 * Driving: the caller creates the engine, calls engine_start once at time 0 (it schedules the recovery
 * section's steps at their `at`) and then runs its event loop; timeline actions that concern the engine
 * are forwarded with the engine_* calls below at their time. */
#ifndef ENGINE_ENGINE_H
#define ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/shared/desc.h"
#include "engine/shared/error.h"
#include "platform.h"
#include "record.h"

typedef struct engine engine;

/* Where a VM stands in its protection lifecycle. */
typedef enum engine_vm_state {
    ENGINE_VM_NOT_PROTECTED,
    ENGINE_VM_ENABLING,          /* "Enable Protection" running, copying not begun */
    ENGINE_VM_IR_PENDING,        /* initial replication waits for its scheduled time of day */
    ENGINE_VM_IR_IN_PROGRESS,    /* the base copy is on its way (network or shipped disks) */
    ENGINE_VM_REPLICATING,       /* delta cycles running */
    ENGINE_VM_RESYNC_REQUIRED,
    ENGINE_VM_RESYNCING,
    ENGINE_VM_FAILOVER_IN_PROGRESS, /* planned or unplanned failover running */
    ENGINE_VM_FAILED_OVER,          /* running at the recovery site, not committed: can be cancelled */
    ENGINE_VM_FAILOVER_COMMITTED,   /* the other recovery points are gone */
    ENGINE_VM_REVERSE_REPLICATING,  /* "Reverse Replication" resynchronizes the old primary */
    ENGINE_VM_REVERSED              /* protected the other way: can fail back */
} engine_vm_state;

const char *engine_vm_state_name(engine_vm_state s);

/* What an operator (or the timeline) asks of a VM. Each ends as a job; engine/operations.c says in
 * which states each is allowed, and a refused one is a failed job with its reason. */
typedef enum engine_operation {
    ENGINE_OP_ENABLE_PROTECTION,
    ENGINE_OP_DISABLE_PROTECTION,
    ENGINE_OP_TEST_FAILOVER,
    ENGINE_OP_CLEANUP_TEST_FAILOVER,
    ENGINE_OP_PLANNED_FAILOVER,
    ENGINE_OP_UNPLANNED_FAILOVER,
    ENGINE_OP_COMMIT,
    ENGINE_OP_CANCEL_FAILOVER,
    ENGINE_OP_REVERSE_REPLICATION,
    ENGINE_OP_RESYNCHRONIZE,
    ENGINE_OP_FAILBACK,
    ENGINE_OP_COUNT
} engine_operation;

/* The job the operation runs as (a failback runs as a Planned Failover). */
engine_job_kind engine_operation_job(engine_operation op);
/* The job name the operation runs as ("Enable Protection", ...; a failback is a "Planned Failover"). */
const char *engine_operation_job_name(engine_operation op);
/* Whether the table allows op in state s (one operation at a time and the test VM rule aside). */
bool engine_operation_allowed(engine_operation op, engine_vm_state s);
/* What op needs, as the end of "sql-01 is failed_over: Commit needs ...". */
const char *engine_operation_needs(engine_operation op);

/* Creates an engine for sc. Returns NULL and fills err when the platform table lacks a required
 * function or memory runs out. */
engine *engine_new(const drs_scenario *sc, const engine_platform *pf, const engine_recorder *rec,
                   drs_error *err);
void engine_free(engine *e);

/* Schedules the recovery section: registrations, cloud pairs, network and storage mappings and
 * recovery.protect entries, each at its `at`. Call once, at time 0, before running the loop. */
bool engine_start(engine *e, drs_error *err);

/* --- actions the timeline driver forwards at their time --- */

/* Enable protection of vms[vm]: an "Enable Protection" job (refused with a failed job when rule 13 or
 * another prerequisite fails now), which includes initial replication, then "Finalize Protection".
 * Returns the job id; a VM already protected (or being protected) gets a refused job, as every
 * operation the table does not allow (engine/operations.c). */
uint64_t engine_protect(engine *e, int vm);
/* Disable protection ("Disable Protection" job); honours the pair's delete_replica_on_disable. */
uint64_t engine_unprotect(engine *e, int vm);
/* timeline pair.modify: a "Configure Cloud Protection" job that is refused (rule 10) unless the pair of
 * that primary cloud was removed first. sc->timeline[action] carries the primary and the new target. */
uint64_t engine_pair_modify(engine *e, size_t action);
/* timeline pair.remove: protection of its VMs is disabled, then the pair's configuration removed. */
uint64_t engine_pair_remove(engine *e, size_t action);

/* --- failover (engine/failover.c, engine/recovery_plan.c) --- */

/* A failover action of the timeline (a->what is DRS_DO_TEST_FAILOVER, _PLANNED_FAILOVER,
 * _UNPLANNED_FAILOVER, _COMMIT, _CANCEL_FAILOVER, _REVERSE_REPLICATION or _FAILBACK) for a->vm or for
 * every VM of recovery plan a->plan, with a->rp / a->rp_at_ns / a->network / a->cleanup_after_ns where
 * they apply. Starts the job(s) now; a transition the VM's state does not allow, or a missing
 * prerequisite, gives a failed job with its reason and a failover_finding event. Failovers end later
 * (boots, final changes, plan actions take their time) and are reported through the recorder's
 * `failover` callback. a is copied. Returns the id of the (first) job, 0 when the kind is not a
 * failover action. */
uint64_t engine_failover(engine *e, const drs_action *a);

/* The timeline took a site or host down or up (site.down/up, host.down/up): the engine notes the time,
 * because an unplanned failover measures data loss from the moment the primary was lost; a planned
 * failover still sending its last changes from a primary that goes down fails; a VM whose primary
 * host went down while it ran needs a resynchronization once the host is back. Other kinds are
 * ignored. Call it when the action fires, after the world applied it. */
void engine_note_outage(engine *e, const drs_action *a);

/* Whether a test failover of vm is running (its test VM exists until cleanup). */
bool engine_vm_test_failover_active(const engine *e, int vm);
/* Undo records the engine holds for vm (one per applied payload still needed to revert the replica to
 * its oldest retained point). For tests of the memory bound. */
size_t engine_vm_undo_records(const engine *e, int vm);

/* --- queries (for the driver, failover work and tests) --- */

engine_vm_state engine_vm_state_of(const engine *e, int vm);
engine_health engine_vm_health(const engine *e, int vm);
/* Capture time of the newest point fully applied at the replica; false before the first one. */
bool engine_vm_newest_applied(const engine *e, int vm, int64_t *captured_ns);
/* The copy interval vm really uses (rule 4), or 0 when it is not protected. */
int64_t engine_vm_interval_ns(const engine *e, int vm);
/* Number of additional (hourly or app-consistent) points the replica holds now. */
size_t engine_vm_retained_points(const engine *e, int vm);
/* Replica storage vm holds now (base copy + retained points), all classifications together. */
uint64_t engine_vm_replica_bytes(const engine *e, int vm);
/* Bytes of the VM's open logs at the primary plus the log in flight. */
uint64_t engine_vm_backlog_bytes(const engine *e, int vm);
bool engine_vmm_registered(const engine *e, int site);
/* Index of the configured pair whose primary cloud holds vm's host, or -1. */
int engine_vm_pair(const engine *e, int vm);

/* --- invariants (engine/invariants.c) --- */

/* Checks, for every VM, that no recovery point (the newest applied one, the retained ones) was
 * captured or applied in the future or applied before its capture (so RPO >= 0), that the retained
 * points are in capture order and do not outnumber the pair's additional_recovery_points. Changes
 * nothing. True when all hold; otherwise writes "INVARIANT: message" into why (n bytes). */
bool engine_check_invariants(const engine *e, char *why, size_t n);

/* --- compression (engine/compression.c) --- */

/* The ratio raw/compressed that the engine's codec (zlib, ENGINE_COMPRESS_LEVEL) achieves on content
 * with the given compressibility (fraction a good codec removes, [0, 1]), calibrated once per profile
 * by compressing a generated sample and cached for the process. Deterministic: the sample comes from a
 * fixed generator and zlib's output depends only on its input and level. Always >= 1. */
double engine_compression_ratio(double compressibility);
/* Host CPU seconds the engine charges for compressing bytes (a fixed per-MiB cost, see
 * ENGINE_COMPRESS_CPU_S_PER_MIB; reported only, it never changes simulated timing). */
double engine_compression_cpu_seconds(uint64_t raw_bytes);

#endif
