/* engine/record.h — what the engine reports while it runs, as callbacks a recorder implements.
 *
 * The engine never reads anything back through this interface: reports/ stores what it is told (SQLite),
 * computes metrics and evaluates expectations. An engine_recorder is a table of optional callbacks plus
 * an opaque ctx; a NULL callback is skipped. engine_new copies the table; ctx must outlive the engine.
 *
 * Strings passed to callbacks are valid only during the call (copy them). Indices are those of the
 * scenario (vm into drs_scenario.vms, pair into recovery.cloud_pairs, site into sites, storage into
 * that site's storage); -1 means "not about one". Times are ns since the scenario start. */
#ifndef ENGINE_RECORD_H
#define ENGINE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- jobs (the vault's Jobs tab) --- */

typedef enum engine_job_state {
    ENGINE_JOB_IN_PROGRESS,
    ENGINE_JOB_SUCCEEDED,
    ENGINE_JOB_FAILED,
    ENGINE_JOB_CANCELLED
} engine_job_state;

/* "in_progress", "succeeded", "failed", "cancelled" (the scenario format's spelling). */
const char *engine_job_state_name(engine_job_state s);

/* Every job the engine runs, as the Jobs tab names it: the one list the engine, the scenario loader
 * (job expectations) and the reports use. The third column says whether the job is part of a
 * failover or rehearsal (drawn on the failover chart). */
#define ENGINE_JOB_KINDS(X)                                                                        \
    X(ENGINE_JOB_REGISTER_VMM, "Register VMM Server", false)                                      \
    X(ENGINE_JOB_CONFIGURE_PAIR, "Configure Cloud Protection", false)                             \
    X(ENGINE_JOB_REMOVE_PAIR, "Remove Cloud Configuration", false)                                \
    X(ENGINE_JOB_MAP_NETWORKS, "Map Networks", false)                                             \
    X(ENGINE_JOB_MAP_STORAGE, "Map Storage", false)                                               \
    X(ENGINE_JOB_ENABLE_PROTECTION, "Enable Protection", false)                                   \
    X(ENGINE_JOB_FINALIZE_PROTECTION, "Finalize Protection", false)                               \
    X(ENGINE_JOB_TEST_FAILOVER, "Test Failover", true)                                            \
    X(ENGINE_JOB_CLEANUP_TEST_FAILOVER, "Cleanup Test Failover", true)                            \
    X(ENGINE_JOB_PLANNED_FAILOVER, "Planned Failover", true)                                      \
    X(ENGINE_JOB_UNPLANNED_FAILOVER, "Unplanned Failover", true)                                  \
    X(ENGINE_JOB_COMMIT, "Commit", true)                                                          \
    X(ENGINE_JOB_CANCEL_FAILOVER, "Cancel Failover", true)                                        \
    X(ENGINE_JOB_REVERSE_REPLICATION, "Reverse Replication", true)                                \
    X(ENGINE_JOB_RESYNCHRONIZE, "Resynchronize", false)                                           \
    X(ENGINE_JOB_DISABLE_PROTECTION, "Disable Protection", false)

typedef enum engine_job_kind {
#define ENGINE_JOB_ENUM(id, name, failover) id,
    ENGINE_JOB_KINDS(ENGINE_JOB_ENUM)
#undef ENGINE_JOB_ENUM
    ENGINE_JOB_KIND_COUNT
} engine_job_kind;

/* The Jobs tab's name of k ("Enable Protection"). */
const char *engine_job_kind_name(engine_job_kind k);

typedef struct engine_job_info {
    uint64_t id;      /* unique within a run, from 1 */
    const char *name; /* as SCENARIO-FORMAT lists them: "Enable Protection", "Resynchronize", ... */
    int vm;           /* the VM concerned, or -1 */
    int pair;         /* the cloud pair concerned, or -1 */
    int site;         /* the site concerned (registration, mappings), or -1 */
    const char *subject; /* display name of what it is about: VM, cloud or VMM name */
} engine_job_info;

/* --- events --- */

/* Every event kind, once: its enum, its snake_case name (what scenario expectations and the results
 * database use), whether an expectation may name it (a note is free text, not a fact to expect), and
 * how the findings of the summary and the HTML report count it per VM (NULL: not a finding). */
#define ENGINE_EVENT_KINDS(X)                                                                      \
    /* a cycle came due while the previous log was still in flight */                              \
    X(ENGINE_EV_MISSED_CYCLE, "missed_cycle", true, "missed cycles")                               \
    /* the log outgrew its limit (or could not be sent) */                                         \
    X(ENGINE_EV_RESYNC_REQUIRED, "resync_required", true, "resynchronizations required")           \
    X(ENGINE_EV_RESYNC_STARTED, "resync_started", true, NULL)                                      \
    X(ENGINE_EV_RESYNC_COMPLETED, "resync_completed", true, "resynchronizations completed")        \
    /* old_value/new_value are engine_health values */                                             \
    X(ENGINE_EV_HEALTH_CHANGED, "health_changed", true, NULL)                                      \
    /* replica storage could not take a point or the base copy */                                  \
    X(ENGINE_EV_STORAGE_FULL, "storage_full", true, "replica storage full")                        \
    /* a transfer was abandoned, the target was unreachable... */                                  \
    X(ENGINE_EV_REPLICATION_FAILED, "replication_failed", true, "replication failures")            \
    X(ENGINE_EV_REPLICATION_RESUMED, "replication_resumed", true, NULL)                            \
    X(ENGINE_EV_INITIAL_REPLICATION_STARTED, "initial_replication_started", true, NULL)            \
    X(ENGINE_EV_INITIAL_REPLICATION_COMPLETED, "initial_replication_completed", true, NULL)        \
    /* an applied replica digest differs from the recorded primary one */                          \
    X(ENGINE_EV_DIGEST_MISMATCH, "digest_mismatch", true, "digest mismatches")                     \
    /* a rule warning at configuration time (detail says which) */                                 \
    X(ENGINE_EV_CONFIG_WARNING, "config_warning", true, "configuration warnings")                  \
    /* anything else worth a line in the log */                                                    \
    X(ENGINE_EV_NOTE, "note", false, NULL)                                                         \
    /* a failover or rehearsal met a step that fails or degrades */                                \
    X(ENGINE_EV_FAILOVER_FINDING, "failover_finding", true, NULL)

typedef enum engine_event_kind {
#define ENGINE_EVENT_ENUM(id, name, expectable, finding) id,
    ENGINE_EVENT_KINDS(ENGINE_EVENT_ENUM)
#undef ENGINE_EVENT_ENUM
    ENGINE_EV_COUNT
} engine_event_kind;

/* The kind's snake_case name ("missed_cycle"); "?" outside the enum. */
const char *engine_event_kind_name(engine_event_kind k);

/* How findings count the kind ("missed cycles"), or NULL when it is not a finding. */
const char *engine_event_finding(engine_event_kind k);

typedef enum engine_health {
    ENGINE_HEALTH_NONE,    /* not protected */
    ENGINE_HEALTH_NORMAL,
    ENGINE_HEALTH_WARNING,
    ENGINE_HEALTH_CRITICAL
} engine_health;

/* "none", "normal", "warning", "critical". */
const char *engine_health_name(engine_health h);

typedef struct engine_event_info {
    int64_t at_ns;
    engine_event_kind kind;
    int vm; /* or -1 */
    int pair; /* or -1 */
    int old_value, new_value; /* health_changed: engine_health values; otherwise 0 */
    const char *detail; /* human-readable, never NULL */
} engine_event_info;

/* --- recovery points --- */

typedef enum engine_rp_kind {
    ENGINE_RP_LATEST,         /* the newest point: replaced by each cycle */
    ENGINE_RP_HOURLY,         /* an additional (hourly) point kept for the retention */
    ENGINE_RP_APP_CONSISTENT  /* an hourly point that is also a VSS application-consistent snapshot */
} engine_rp_kind;

const char *engine_rp_kind_name(engine_rp_kind k); /* "latest", "hourly", "app_consistent" */

typedef enum engine_rp_change {
    ENGINE_RP_CREATED, /* the log was closed at the primary (captured_ns = now) */
    ENGINE_RP_APPLIED, /* fully applied at the replica: usable for failover from now on */
    ENGINE_RP_PRUNED   /* aged out (or replaced, for the latest point) and merged away */
} engine_rp_change;

typedef struct engine_rp_info {
    int vm;
    uint64_t id;          /* unique per VM, increasing with capture time */
    engine_rp_kind kind;
    int64_t captured_ns;  /* primary time the point stands for */
    int64_t applied_ns;   /* -1 until applied */
    uint64_t bytes;       /* replica storage it holds (the delta bytes written since the previous one) */
    uint64_t primary_digest; /* XOR over the VM's disks of each disk's primary digest at capture */
} engine_rp_info;

/* --- one replication cycle --- */

typedef struct engine_cycle_info {
    int vm;
    int64_t captured_ns;  /* when the log was closed */
    int64_t sent_ns;      /* when the transfer started */
    int64_t applied_ns;   /* when it was applied at the replica */
    uint64_t raw_bytes;   /* bytes taken from the log (per the change-tracking mode) */
    uint64_t wire_bytes;  /* after compression */
    double cpu_seconds;   /* host CPU spent compressing (reported, never used for timing) */
    bool first_after_ir;  /* the catch-up delta sent once the initial copy was in place */
} engine_cycle_info;

typedef struct engine_ir_info {
    int vm;
    const char *method;   /* "network", "offline", or "existing" (an existing replica reused) */
    int64_t requested_ns; /* when protection asked for it */
    int64_t start_ns;     /* when copying began (a scheduled start waits for its time of day) */
    int64_t end_ns;       /* when the first usable recovery point was applied */
    uint64_t raw_bytes, wire_bytes; /* of the base copy */
} engine_ir_info;

/* --- failovers --- */

/* The kinds of failover, with the names the results database, the summary and the HTML report give
 * them: the one list every module uses. */
#define ENGINE_FAILOVER_KINDS(X)                                                                   \
    X(ENGINE_FO_TEST, "test_failover", "test", "test failover")                                   \
    X(ENGINE_FO_PLANNED, "planned_failover", "planned", "planned failover")                       \
    X(ENGINE_FO_UNPLANNED, "unplanned_failover", "unplanned", "unplanned failover")               \
    X(ENGINE_FO_FAILBACK, "failback", "failback", "failback")

typedef enum engine_failover_kind {
#define ENGINE_FO_ENUM(id, name, short_name, long_name) id,
    ENGINE_FAILOVER_KINDS(ENGINE_FO_ENUM)
#undef ENGINE_FO_ENUM
} engine_failover_kind;

/* Outside the enum, so a switch over the kinds need not name it. */
enum {
#define ENGINE_FO_ONE(id, name, short_name, long_name) +1
    ENGINE_FO_KIND_COUNT = 0 ENGINE_FAILOVER_KINDS(ENGINE_FO_ONE)
#undef ENGINE_FO_ONE
};

/* "test_failover", "planned_failover", "unplanned_failover", "failback" (the database's). */
const char *engine_failover_kind_name(engine_failover_kind k);
/* "test", "planned", ... (the summary's column). */
const char *engine_failover_kind_short(engine_failover_kind k);
/* "test failover", "planned failover", ... (the HTML report's). */
const char *engine_failover_kind_long(engine_failover_kind k);

/* One finished failover: of one VM (plan = -1, or the plan it ran in), or of a whole recovery plan
 * (vm = -1). Times are ns since the scenario start. */
typedef struct engine_failover_info {
    engine_failover_kind kind;
    int plan, vm;
    int64_t started_ns;
    int64_t ended_ns;        /* the last VM running (plan: its last group and actions); -1 never */
    bool succeeded;
    int64_t failure_ns;      /* primary time of the failure loss is measured from; -1 none */
    int64_t rp_captured_ns;  /* capture time of the point used (plan: the oldest); -1 none */
    int64_t data_loss_ns;    /* failure_ns - rp_captured_ns (plan: the largest); -1 unknown */
    uint64_t data_loss_bytes; /* written by the primary after the point, up to the failure */
    bool verified;           /* replica digest equals the point's recorded primary digest (all VMs) */
    const char *detail;      /* findings and reasons, "" when there is nothing to say */
} engine_failover_info;

typedef struct engine_recorder {
    void *ctx;
    /* A job began (state in_progress). */
    void (*job_started)(void *ctx, const engine_job_info *job, int64_t at_ns);
    /* A step of a job began (step names such as "Prerequisites check", "Initial replication"). */
    void (*job_step)(void *ctx, uint64_t job_id, const char *step, engine_job_state state,
                     int64_t at_ns);
    /* A job ended; reason is "" on success, the refusal or failure otherwise. */
    void (*job_ended)(void *ctx, uint64_t job_id, engine_job_state state, const char *reason,
                      int64_t at_ns);
    void (*event)(void *ctx, const engine_event_info *ev);
    void (*recovery_point)(void *ctx, engine_rp_change change, const engine_rp_info *rp,
                           int64_t at_ns);
    /* A delta cycle was applied at the replica. */
    void (*cycle)(void *ctx, const engine_cycle_info *cy);
    /* RPO breakpoint: at at_ns the newest applied point of vm became the one captured at
     * captured_ns. RPO(t) = t - captured_ns until the next breakpoint; undefined before the first.
     * captured_ns < 0 says that from at_ns the VM is not protected (protection disabled, failed
     * over, replica lost...): RPO is undefined until the next breakpoint with captured_ns >= 0.
     * Every RPO statistic leaves such spans out, and a VM whose RPO is undefined at the end of the
     * run is reported as "not protected from" the at_ns that began the span. Several breakpoints at
     * one instant: the last one holds. */
    void (*rpo_point)(void *ctx, int vm, int64_t at_ns, int64_t captured_ns);
    /* Initial replication of vm finished (first usable point applied). */
    void (*initial_replication)(void *ctx, const engine_ir_info *ir);
    /* Replica storage held by vm on a classification changed to used_bytes (base + retained points). */
    void (*replica_storage)(void *ctx, int site, int storage, int vm, uint64_t used_bytes,
                            int64_t at_ns);
    /* The engine's health view of vm changed (also sent as an ENGINE_EV_HEALTH_CHANGED event). */
    void (*health)(void *ctx, int vm, engine_health old_h, engine_health new_h, int64_t at_ns);
    /* A failover, test failover or failback ended (or was refused: succeeded false). */
    void (*failover)(void *ctx, const engine_failover_info *fo);
} engine_recorder;

#endif
