/* engine/platform.h — the only window through which the engine sees the world.
 *
 * The engine never includes model/ or sim/ headers. Whoever runs it (the simulator in sim/run/world.c, or a
 * test's fake) fills an engine_platform: a table of function pointers plus an opaque ctx passed back as
 * the first argument of every call. engine_new copies the table; ctx must outlive the engine.
 *
 * Static inventory (sites, hosts, VMs, disks, storage classifications, settings) is read from the
 * const drs_scenario the engine is given; the platform answers only for what changes during a run.
 *
 * Identifiers are the indices of the scenario: site = index into drs_scenario.sites, host = index into
 * that site's hosts, storage = index into that site's storage (a classification), vm = index into
 * drs_scenario.vms, disk = index into that VM's disks.
 *
 * Re-entrancy: the platform must never call back into the engine synchronously from inside one of these
 * calls. Callbacks (timer handlers, transfer completions) fire later, from the event loop, with now()
 * already equal to their time. A completion may fire at the very time it was requested (zero bytes, zero
 * latency) but still only from the loop.
 *
 * Every function pointer is required unless its comment says "optional". */
#ifndef ENGINE_PLATFORM_H
#define ENGINE_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/shared/delta.h"

/* Names a pending timer or transfer. 0 is never a valid id. */
typedef uint64_t engine_timer_id;
typedef uint64_t engine_transfer_id;

/* A timer fired (now() == its time). */
typedef void (*engine_timer_fn)(void *arg);

/* A transfer ended: ok = every byte arrived at the destination site; !ok = it was abandoned by the
 * network (e.g. an outage the link treats as fatal to the flow). Not called after transfer_cancel. */
typedef void (*engine_transfer_fn)(void *arg, bool ok);

typedef struct engine_platform {
    void *ctx;

    /* --- clock and timers --- */

    /* Nanoseconds since the scenario start. */
    int64_t (*now)(void *ctx);
    /* Calls fn(arg) at at_ns (>= now). Timers at equal times fire in the order they were set. */
    engine_timer_id (*timer_at)(void *ctx, int64_t at_ns, engine_timer_fn fn, void *arg);
    /* Drops a pending timer; false when it already fired or was cancelled. */
    bool (*timer_cancel)(void *ctx, engine_timer_id id);

    /* --- dynamic state of the sites --- */

    bool (*site_up)(void *ctx, int site);
    bool (*host_up)(void *ctx, int site, int host);
    /* Whether the site's VMM server reaches the vault (ASR jobs need it; host-to-host replication
     * does not). */
    bool (*vmm_online)(void *ctx, int site);

    /* --- network: transfers are flows on the link between the two sites --- */

    /* Starts moving bytes from one site to the other over the link between them (latency, max-min
     * sharing with other flows, caps and outages are the platform's business). done(arg, ok) is called
     * once when it ends. Returns 0 when the transfer cannot even start (no link between the sites). */
    engine_transfer_id (*transfer_start)(void *ctx, int from_site, int to_site, uint64_t bytes,
                                         engine_transfer_fn done, void *arg);
    /* Abandons a transfer in flight; done is not called. False when it already ended. */
    bool (*transfer_cancel)(void *ctx, engine_transfer_id id);
    /* Whether the link between the two sites carries traffic now. Optional: without it the engine
     * judges the link by whether the VM's last transfer failed. */
    bool (*link_up)(void *ctx, int from_site, int to_site);

    /* --- change tracking at the primary (the disk's replica log, HRL) --- */

    /* Closes the disk's open log into *out and opens a fresh one at now(). out->captured_ns = now(),
     * out->digest = the primary disk's digest now. The caller owns out->extents (drs_delta_free). */
    void (*log_take)(void *ctx, int vm, int disk, drs_delta *out);
    /* Bytes of every write logged in the open log so far (what log-based tracking would send). */
    uint64_t (*log_bytes)(void *ctx, int vm, int disk);
    /* Throws the open log away and opens a fresh one at now() (resync, disable protection). */
    void (*log_discard)(void *ctx, int vm, int disk);

    /* --- the replica copy at the target site --- */

    /* Initial replication starts: makes the replica's content the primary's content as of now() (the
     * bytes are moved by the engine's own transfers and timers; the replica is not usable until the
     * engine says so) and restarts the disk's log empty at now(), so that every write from now on is in
     * the log and goes out as the first delta. Returns the primary digest at now(). */
    uint64_t (*replica_copy_base)(void *ctx, int vm, int disk);
    /* Applies a delta at the replica and returns the replica digest afterwards. When undo is not NULL
     * the platform keeps what it needs to revert this apply and stores a handle in *undo (0 = none);
     * the engine releases it with replica_forget. */
    uint64_t (*replica_apply)(void *ctx, int vm, int disk, const drs_delta *d, uint64_t *undo);
    /* Reverts the apply that produced undo (the newest not yet reverted one; the engine reverts in
     * reverse order) and returns the replica digest afterwards. Optional (failover to older points). */
    uint64_t (*replica_revert)(void *ctx, int vm, int disk, uint64_t undo);
    /* Releases an undo handle without reverting (the point was pruned or merged). Optional. */
    void (*replica_forget)(void *ctx, int vm, int disk, uint64_t undo);
    /* Resynchronization: fills *out with every extent whose replica content differs from the primary's
     * now (versions = the primary's), coalesced_bytes = log_bytes = their size, digest = the primary
     * digest now. The caller owns out->extents. Applying it makes the replica equal to the primary. */
    void (*resync_diff)(void *ctx, int vm, int disk, drs_delta *out);
    /* Replica digest now (for checks and for failover verification). */
    uint64_t (*replica_digest)(void *ctx, int vm, int disk);
    /* Drops the replica copy entirely (disable protection with delete_replica_on_disable). Optional. */
    void (*replica_delete)(void *ctx, int vm, int disk);

    /* --- storage classifications --- */

    /* Takes bytes of a classification; false (and nothing taken) when they do not fit. */
    bool (*storage_reserve)(void *ctx, int site, int storage, uint64_t bytes);
    /* Gives bytes back (never more than were reserved). */
    void (*storage_release)(void *ctx, int site, int storage, uint64_t bytes);
    /* Current read and write rates of a classification in bytes/s. */
    double (*storage_read_Bps)(void *ctx, int site, int storage);
    double (*storage_write_Bps)(void *ctx, int site, int storage);

    /* --- virtual machines (failover) --- */

    /* Starts or stops the instance of vm on host of site (the primary, or the replica after a
     * failover). A running instance writes to the copy of the VM's disks at its own site, whichever
     * way replication runs, while that site and host are up (one started on a site that is down
     * runs once it is back); starting one moves the VM there (at most one instance runs).
     * Optional. */
    void (*vm_set_running)(void *ctx, int vm, int site, int host, bool running);

    /* --- direction of replication (reverse replication, failback) --- */

    /* Makes the copy of vm's disks at site the primary copy: from now on log_take, log_bytes,
     * log_discard and the primary side of resync_diff refer to the disks at site, and replica_* to
     * the copy at the other site. Both copies keep their content; undo handles of the old replica
     * must have been released. Optional: without it reverse replication is refused. */
    void (*set_primary_copy)(void *ctx, int vm, int site);
} engine_platform;

#endif
