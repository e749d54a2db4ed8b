/* engine/shared/desc.h — a scenario as plain descriptions: data only, no behaviour.
 *
 * The loader (sim/scenario/scenario.c) fills a drs_scenario from JSON; the model builds its sites, links and
 * disks from it; the engine takes its Site Recovery configuration from it. Units are already resolved:
 * times and durations in nanoseconds, sizes in bytes, rates in bytes per second (doubles, since 1 Gbps is
 * 125e6 B/s exactly but 1 Mbps/8 is not an integer for every input). Names are resolved into indices into
 * the arrays of the same scenario (-1 when absent/optional). Every string and array is owned by the
 * drs_scenario and freed by drs_scenario_free (sim/scenario/scenario.h). */
#ifndef DRS_DESC_H
#define DRS_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define DRS_NS_PER_S INT64_C(1000000000)

typedef enum drs_host_os { DRS_OS_2012, DRS_OS_2012R2 } drs_host_os;

typedef struct drs_vmm_node {
    char *name;
    char *provider_version;
} drs_vmm_node;

typedef struct drs_vmm {
    char *name;
    drs_vmm_node *nodes;
    size_t node_count;
    bool internet;
} drs_vmm;

typedef struct drs_host {
    char *name;
    drs_host_os os;
    int cloud;   /* index into drs_site.clouds of its site, -1 if none */
    int storage; /* index into the site's storage, its default location; -1 if none */
    int *ports_in_use;
    size_t port_count;
    int max_active_transfers; /* replication transfers it sends at once; 0 = its OS's default */
} drs_host;

typedef struct drs_network {
    char *name;
    char **subnets;
    size_t subnet_count;
} drs_network;

typedef struct drs_storage {
    char *classification;
    uint64_t capacity_bytes;
    double read_Bps, write_Bps;
} drs_storage;

typedef struct drs_site {
    char *name;
    drs_vmm vmm;
    bool kerberos;
    char **clouds;
    size_t cloud_count;
    drs_host *hosts;
    size_t host_count;
    drs_network *networks;
    size_t network_count;
    drs_storage *storage;
    size_t storage_count;
    char **file_servers;
    size_t file_server_count;
} drs_site;

typedef struct drs_link {
    char *name;
    int site_a, site_b; /* indices into drs_scenario.sites */
    double bandwidth_Bps;
    int64_t latency_ns; /* one way */
    double loss;        /* packet loss probability, 0 when lossless */
    double replication_cap_Bps; /* 0 when uncapped */
} drs_link;

/* Every workload kind, once: its enum tail and its name in scenario files ("kind"). The loader
 * (sim/scenario/scenario_world.c) takes the names from here; the model (model/workload.c) has a
 * generator for each. */
#define DRS_WORKLOAD_KINDS(X) \
    X(STEADY, "steady")       \
    X(POISSON, "poisson")     \
    X(DIURNAL, "diurnal")     \
    X(BURSTS, "bursts")       \
    X(TRACE, "trace")

typedef enum drs_workload_kind {
#define DRS_WORKLOAD_ENUM(tail, name) DRS_WL_##tail,
    DRS_WORKLOAD_KINDS(DRS_WORKLOAD_ENUM)
#undef DRS_WORKLOAD_ENUM
} drs_workload_kind;

typedef struct drs_workload {
    char *name;
    drs_workload_kind kind;
    double write_rate_Bps;    /* steady, poisson, bursts (the base rate) */
    uint64_t write_size_bytes; /* default 64 KiB */
    double hot_set, hot_share; /* default 1.0 and 1.0: uniform over the used part of the disk */
    double compressibility;    /* fraction a good codec removes, default 0.5 */
    /* diurnal */
    double base_rate_Bps, peak_rate_Bps;
    int64_t peak_start_ns, peak_end_ns; /* time of day */
    /* bursts */
    double burst_rate_Bps;
    int64_t burst_every_ns, burst_length_ns;
    /* trace */
    char *file; /* as written in the scenario */
    char *resolved_file; /* relative to the scenario file's folder */
    char *format; /* "msr" */
    bool loop;
} drs_workload;

typedef struct drs_disk {
    char *name;
    uint64_t size_bytes, used_bytes;
    int workload; /* index into drs_scenario.workloads, -1 for an idle disk */
    char *storage; /* classification name at the VM's site, NULL for the host default */
} drs_disk;

typedef struct drs_existing_replica {
    bool present;
    char *host; /* replica host name */
    /* settings of the existing Hyper-V Replica relationship; negative/zero when not given */
    int64_t copy_frequency_ns;
    int additional_recovery_points; /* -1 when not given */
    int64_t app_consistent_frequency_ns;
    int compression; /* -1 not given, 0 off, 1 on */
} drs_existing_replica;

typedef struct drs_vm {
    char *name;
    int site, host; /* host index within the site */
    int *networks;  /* indices into the site's networks */
    size_t network_count;
    int64_t boot_time_ns;
    int vmm_recovery_points; /* -1 when not given */
    drs_disk *disks;
    size_t disk_count;
    drs_existing_replica existing_replica;
} drs_vm;

typedef enum drs_ir_method { DRS_IR_NETWORK, DRS_IR_OFFLINE } drs_ir_method;
typedef enum drs_tracking { DRS_TRACK_LOG, DRS_TRACK_COALESCED } drs_tracking;
typedef enum drs_auth { DRS_AUTH_HTTPS, DRS_AUTH_KERBEROS } drs_auth;

typedef struct drs_initial_replication {
    drs_ir_method method;
    bool start_now;        /* network: start at once ("now") or at time_of_day_ns ("at") */
    int64_t time_of_day_ns;
    char *export_location; /* offline: "fs-sea:\\fs-sea\export" */
    char *import_location;
    int64_t shipping_time_ns;
} drs_initial_replication;

typedef struct drs_pair_settings {
    int64_t copy_frequency_ns; /* default 5 min */
    int additional_recovery_points;
    int64_t app_consistent_frequency_ns; /* 0 = no application-consistent snapshots */
    bool compression;
    drs_auth authentication;
    int port; /* default 8084 for https, 8083 for kerberos */
    drs_initial_replication initial_replication;
    drs_tracking change_tracking;
    bool delete_replica_on_disable;
    int64_t health_window_ns; /* Replication Health's monitoring window; 0 = the default (12 h) */
} drs_pair_settings;

typedef struct drs_cloud_pair {
    int primary_site, primary_cloud; /* site index, cloud index within the site */
    int target_site, target_cloud;   /* -1 when the target cloud is not found */
    int64_t at_ns;
    drs_pair_settings settings;
} drs_cloud_pair;

typedef struct drs_registration {
    int site; /* the site whose VMM registers */
    int64_t key_generated_ns, at_ns;
    bool sync_all_clouds;
} drs_registration;

typedef struct drs_mapping {
    int source_site, source; /* network or storage index within the site */
    int target_site, target;
    int64_t at_ns;
} drs_mapping;

typedef struct drs_protect {
    int vm;
    int64_t at_ns;
} drs_protect;

typedef enum drs_action_kind { DRS_ACTION_SCRIPT, DRS_ACTION_MANUAL } drs_action_kind;

/* How a plan's script ends: as planned, with an error, or not at all (stopped at the timeout). */
typedef enum drs_script_outcome {
    DRS_SCRIPT_SUCCEEDS,
    DRS_SCRIPT_FAILS,
    DRS_SCRIPT_TIMES_OUT
} drs_script_outcome;

typedef struct drs_plan_action {
    drs_action_kind kind;
    char *text; /* script name or manual instruction */
    int64_t duration_ns;
    drs_script_outcome outcome; /* scripts only */
} drs_plan_action;

typedef struct drs_plan_group {
    int *vms;
    size_t vm_count;
    drs_plan_action *before, *after;
    size_t before_count, after_count;
} drs_plan_group;

typedef struct drs_recovery_plan {
    char *name;
    drs_plan_group *groups;
    size_t group_count;
} drs_recovery_plan;

typedef struct drs_recovery {
    char *vault_name, *vault_region;
    int64_t vault_created_ns;
    drs_registration *registrations;
    size_t registration_count;
    drs_cloud_pair *cloud_pairs;
    size_t cloud_pair_count;
    drs_mapping *network_mappings, *storage_mappings;
    size_t network_mapping_count, storage_mapping_count;
    drs_protect *protect;
    size_t protect_count;
    drs_recovery_plan *plans;
    size_t plan_count;
} drs_recovery;

/* Every timeline action, once: its enum tail, its name in scenario files, and its class. The class
 * says who carries it out: the world (a fault or a change of the modelled sites, hosts and links),
 * the Site Recovery configuration (protection and cloud pairs, which the rules re-check), or the
 * failover operations of a VM or recovery plan. The loader, the run driver, the engine and the
 * reports take names and classes from here, so a new action is added in one line plus its handler. */
#define DRS_TIMELINE_ACTIONS(X)                                         \
    X(LINK_DOWN, "link.down", WORLD)                                    \
    X(LINK_UP, "link.up", WORLD)                                        \
    X(LINK_SET, "link.set", WORLD)                                      \
    X(HOST_DOWN, "host.down", WORLD)                                    \
    X(HOST_UP, "host.up", WORLD)                                        \
    X(SITE_DOWN, "site.down", WORLD)                                    \
    X(SITE_UP, "site.up", WORLD)                                        \
    X(VMM_OFFLINE, "vmm.offline", WORLD)                                \
    X(VMM_ONLINE, "vmm.online", WORLD)                                  \
    X(STORAGE_FILL, "storage.fill", WORLD)                              \
    X(WORKLOAD_SET, "workload.set", WORLD)                              \
    X(PROTECT, "protect", CONFIG)                                       \
    X(UNPROTECT, "unprotect", CONFIG)                                   \
    X(TEST_FAILOVER, "test_failover", OPERATION)                        \
    X(PLANNED_FAILOVER, "planned_failover", OPERATION)                  \
    X(UNPLANNED_FAILOVER, "unplanned_failover", OPERATION)              \
    X(COMMIT, "commit", OPERATION)                                      \
    X(CANCEL_FAILOVER, "cancel_failover", OPERATION)                    \
    X(REVERSE_REPLICATION, "reverse_replication", OPERATION)            \
    X(FAILBACK, "failback", OPERATION)                                  \
    X(CLEANUP_TEST_FAILOVER, "cleanup_test_failover", OPERATION)        \
    X(RESYNC, "resync", OPERATION)                                      \
    X(PAIR_MODIFY, "pair.modify", CONFIG)                               \
    X(PAIR_REMOVE, "pair.remove", CONFIG)

typedef enum drs_action_do {
#define DRS_ACTION_ENUM(tail, name, cls) DRS_DO_##tail,
    DRS_TIMELINE_ACTIONS(DRS_ACTION_ENUM)
#undef DRS_ACTION_ENUM
    DRS_DO_COUNT
} drs_action_do;

typedef enum drs_action_class {
    DRS_CLASS_WORLD,
    DRS_CLASS_CONFIG,
    DRS_CLASS_OPERATION
} drs_action_class;

/* The action's name as scenario files write it ("link.down"); NULL outside the enum. */
static inline const char *drs_action_name(drs_action_do what)
{
    switch (what) {
#define DRS_ACTION_NAME(tail, name, cls) \
    case DRS_DO_##tail:                  \
        return name;
        DRS_TIMELINE_ACTIONS(DRS_ACTION_NAME)
#undef DRS_ACTION_NAME
    case DRS_DO_COUNT:
        break;
    }
    return NULL;
}

static inline drs_action_class drs_action_class_of(drs_action_do what)
{
    switch (what) {
#define DRS_ACTION_CLASS(tail, name, cls) \
    case DRS_DO_##tail:                   \
        return DRS_CLASS_##cls;
        DRS_TIMELINE_ACTIONS(DRS_ACTION_CLASS)
#undef DRS_ACTION_CLASS
    case DRS_DO_COUNT:
        break;
    }
    return DRS_CLASS_WORLD;
}

typedef enum drs_rp_kind {
    DRS_RP_LATEST,
    DRS_RP_LATEST_APP_CONSISTENT,
    DRS_RP_LATEST_PROCESSED,
    DRS_RP_AT /* the newest point captured at or before at_ns */
} drs_rp_kind;

/* One timeline entry. Which fields mean something depends on `what`; unused ones are -1 / 0 / NULL. */
typedef struct drs_action {
    int64_t at_ns;
    drs_action_do what;
    char path[32]; /* "timeline[7]", for messages */
    int link, site, vm, plan, disk, workload;
    int host_site, host;          /* host.down/up */
    int storage_site, storage;    /* storage.fill */
    uint64_t free_bytes;          /* storage.fill */
    int64_t for_ns;               /* link.down: 0 = until link.up */
    /* link.set: a negative value means unchanged */
    double bandwidth_Bps, loss, replication_cap_Bps;
    int64_t latency_ns;
    drs_rp_kind rp;
    int64_t rp_at_ns;
    int network_site, network;    /* test_failover: the test network, -1 for an isolated one */
    int64_t cleanup_after_ns;     /* test_failover: 0 = never */
    int primary_site, primary_cloud, target_site, target_cloud; /* pair.modify / pair.remove */
} drs_action;

/* An entry of the given kind at timeline index `index` with every optional field unset: the one
 * place that says what "unset" is, for the loader and for tests that build actions by hand. */
static inline drs_action drs_action_blank(drs_action_do what, size_t index)
{
    drs_action a;
    memset(&a, 0, sizeof a);
    a.what = what;
    snprintf(a.path, sizeof a.path, "timeline[%zu]", index);
    a.link = a.site = a.vm = a.plan = a.disk = a.workload = -1;
    a.host_site = a.host = a.storage_site = a.storage = -1;
    a.network_site = a.network = -1;
    a.primary_site = a.primary_cloud = a.target_site = a.target_cloud = -1;
    a.bandwidth_Bps = a.loss = a.replication_cap_Bps = -1;
    a.latency_ns = -1;
    a.rp = DRS_RP_LATEST;
    return a;
}

typedef enum drs_expect_kind {
    DRS_EXPECT_METRIC,
    DRS_EXPECT_JOB,
    DRS_EXPECT_HEALTH,
    DRS_EXPECT_EVENT,
    DRS_EXPECT_VALIDATION
} drs_expect_kind;

typedef enum drs_scope {
    DRS_SCOPE_NONE,
    DRS_SCOPE_VM,
    DRS_SCOPE_LINK,
    DRS_SCOPE_PLAN,
    DRS_SCOPE_CLASSIFICATION
} drs_scope;

typedef enum drs_value_unit {
    DRS_UNIT_DURATION,
    DRS_UNIT_SIZE,
    DRS_UNIT_NUMBER,
    DRS_UNIT_BOOL,
    DRS_UNIT_COUNT
} drs_value_unit;

/* A set of scopes, as in the metric table below. */
#define DRS_SCOPE_BIT(scope) (1u << DRS_SCOPE_##scope)

/* Every metric an expectation may name, once: its name, the scopes it applies to, its unit, and
 * whether its bounds are fractions (a utilization is reported as a number between 0 and 1). The
 * loader checks expectations and the reports compute values from this one list. */
#define DRS_METRICS(X)                                                                             \
    X("rpo.max", DRS_SCOPE_BIT(VM), DRS_UNIT_DURATION, false)                                      \
    X("rpo.mean", DRS_SCOPE_BIT(VM), DRS_UNIT_DURATION, false)                                     \
    X("rpo.p50", DRS_SCOPE_BIT(VM), DRS_UNIT_DURATION, false)                                      \
    X("rpo.p95", DRS_SCOPE_BIT(VM), DRS_UNIT_DURATION, false)                                      \
    X("rpo.p99", DRS_SCOPE_BIT(VM), DRS_UNIT_DURATION, false)                                      \
    X("rpo.time_above", DRS_SCOPE_BIT(VM), DRS_UNIT_DURATION, false)                               \
    X("initial_replication.time", DRS_SCOPE_BIT(VM), DRS_UNIT_DURATION, false)                     \
    X("compression.ratio", DRS_SCOPE_BIT(VM) | DRS_SCOPE_BIT(LINK), DRS_UNIT_NUMBER, false)        \
    X("bytes.raw", DRS_SCOPE_BIT(VM) | DRS_SCOPE_BIT(LINK), DRS_UNIT_SIZE, false)                  \
    X("bytes.wire", DRS_SCOPE_BIT(VM) | DRS_SCOPE_BIT(LINK), DRS_UNIT_SIZE, false)                 \
    X("link.utilization.p95", DRS_SCOPE_BIT(LINK), DRS_UNIT_NUMBER, true)                          \
    X("link.utilization.max", DRS_SCOPE_BIT(LINK), DRS_UNIT_NUMBER, true)                          \
    X("replica_storage.peak", DRS_SCOPE_BIT(VM) | DRS_SCOPE_BIT(CLASSIFICATION), DRS_UNIT_SIZE,    \
      false)                                                                                       \
    X("recovery_points.additional.max", DRS_SCOPE_BIT(VM), DRS_UNIT_COUNT, false)                  \
    X("recovery_points.app_consistent.created", DRS_SCOPE_BIT(VM), DRS_UNIT_COUNT, false)          \
    X("cycles.missed", DRS_SCOPE_BIT(VM), DRS_UNIT_COUNT, false)                                   \
    X("cycles.completed", DRS_SCOPE_BIT(VM), DRS_UNIT_COUNT, false)                                \
    X("resyncs", DRS_SCOPE_BIT(VM), DRS_UNIT_COUNT, false)                                         \
    X("failover.rto", DRS_SCOPE_BIT(PLAN) | DRS_SCOPE_BIT(VM), DRS_UNIT_DURATION, false)           \
    X("failover.data_loss", DRS_SCOPE_BIT(PLAN) | DRS_SCOPE_BIT(VM), DRS_UNIT_DURATION, false)     \
    X("failover.data_loss_bytes", DRS_SCOPE_BIT(PLAN) | DRS_SCOPE_BIT(VM), DRS_UNIT_SIZE, false)   \
    X("failover.verified", DRS_SCOPE_BIT(PLAN) | DRS_SCOPE_BIT(VM), DRS_UNIT_BOOL, false)

typedef struct drs_expect {
    drs_expect_kind kind;
    char path[32]; /* "expect[3]" */
    char *name;    /* metric, job name, health state ("critical"/"warning") or event name */
    drs_scope scope;
    char *target;  /* scope value: a name or "*" */
    drs_value_unit unit;
    bool has_min, has_max, has_equals;
    double min, max, equals; /* durations in ns, sizes in bytes, bools as 0/1 */
    int64_t after_ns;        /* statistics only after this time; 0 = whole run */
    int64_t until_ns;        /* ... and only before this time (> after_ns); 0 = to the end */
    int64_t threshold_ns;    /* rpo.time_above */
    bool has_by, never;
    int64_t by_ns;
    char *state;             /* job state */
    int rule;                /* validation: 1..13, 0 = any */
    bool validation_warning; /* validation: expects a warning rather than an error */
} drs_expect;

typedef enum drs_fidelity { DRS_FIDELITY_EXTENT, DRS_FIDELITY_FLUID } drs_fidelity;

typedef struct drs_scenario {
    int version;
    char *name, *description;
    uint64_t seed;
    int64_t duration_ns, sample_interval_ns;
    drs_fidelity fidelity;
    uint64_t extent_bytes; /* default 1 MiB */
    drs_site *sites;
    size_t site_count;
    drs_link *links;
    size_t link_count;
    drs_workload *workloads;
    size_t workload_count;
    drs_vm *vms;
    size_t vm_count;
    drs_recovery recovery;
    drs_action *timeline; /* sorted by at_ns, then by appearance */
    size_t timeline_count;
    drs_expect *expect;
    size_t expect_count;
    char *source_path; /* the file it was read from */
} drs_scenario;

#endif
