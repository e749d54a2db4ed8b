/* sim/run/world.h — the modelled world of one run, and the engine platform bound to it.
 *
 * A sim_world instantiates the model (sites and their storage, links, a primary and a replica disk per
 * virtual disk, workloads and their random streams) from a drs_scenario and binds engine/platform.h to
 * it and to the kernel: engine timers are kernel events, transfers are flows on the model's links, the
 * change logs and replica copies are model disks. It also carries out the timeline's hardware faults.
 *
 * Writes are generated lazily, in batches: a disk's workload is asked for everything it wrote since
 * its last batch whenever someone looks at the disk (a log is taken, its size asked, a fault changes
 * it). Batch boundaries therefore follow the engine's calls, which are deterministic.
 *
 * Ownership: sim_world_new borrows the scenario and the kernel (both must outlive the world); the
 * caller frees the world with sim_world_free. */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/shared/desc.h"
#include "engine/shared/error.h"
#include "engine/platform.h"
#include "model/workload.h"
#include "sim/kernel/sim.h"

typedef struct sim_world sim_world;

/* NULL and err (DRS_EINPUT or DRS_EIO for a trace that cannot be read, DRS_EINTERNAL otherwise) on
 * failure. */
sim_world *sim_world_new(const drs_scenario *sc, sim *kernel, drs_error *err);

/* The traces of sc's trace workloads, read and checked, indexed by workload (NULL for the other
 * workloads): a run reads them before it stores anything, so a malformed trace is bad input with
 * nothing stored. NULL and err (its path the workload's `file`) when one cannot be read. The
 * caller owns the array: sim_world_new_with takes it, sim_world_free_traces frees it. */
model_trace **sim_world_load_traces(const drs_scenario *sc, drs_error *err);
void sim_world_free_traces(const drs_scenario *sc, model_trace **traces);

/* sim_world_new with traces from sim_world_load_traces, which the world takes (even on failure). */
sim_world *sim_world_new_with(const drs_scenario *sc, sim *kernel, model_trace **traces,
                              drs_error *err);
void sim_world_free(sim_world *w);

/* The platform table for engine_new; its ctx is w. */
engine_platform sim_world_platform(sim_world *w);

/* Carries out a hardware timeline action (link.*, host.*, site.*, vmm.*, storage.fill,
 * workload.set) now. Returns false for actions that are not about hardware. */
bool sim_world_apply(sim_world *w, const drs_action *a);

/* Bytes a link has carried since the start (wire bytes), and its current capacity (0 while down). */
double sim_world_link_bytes(sim_world *w, int link);
double sim_world_link_capacity_Bps(const sim_world *w, int link);

/* Generates every disk's writes up to now (end of run, before a failover reads the primaries). */
void sim_world_catch_up(sim_world *w);

/* Digest of a VM's primary or replica disks, combined (XOR) over its disks — the engine's convention
 * for a recovery point's primary digest. Primary is the copy replication reads from: the one at the
 * recovery site while replication is reversed (set_primary_copy). */
uint64_t sim_world_vm_digest(sim_world *w, int vm, bool replica);
/* Bytes a VM wrote (all disks) in total since the start. */
uint64_t sim_world_vm_written_bytes(sim_world *w, int vm);

/* --- invariant checking (drsim run --check, drsim swarm) --- */

/* Turns on the bookkeeping only checks need (the digests each primary showed replication). Call
 * before the run starts. Off by default. */
void sim_world_set_checking(sim_world *w, bool on);
/* Checks the model's invariants now, changing nothing the run depends on: storage use within
 * capacity and never below what the engine holds, every link's transfer bytes conserved (offered =
 * delivered + in flight + abandoned), and what the platform calls noticed since the start (a replica
 * holding a content its primary never had when replication read it, a VM started while it still runs
 * at another site that is up and reachable). True when all hold; otherwise the invariant's short
 * name and a message. */
bool sim_world_check(sim_world *w, char *invariant, size_t invariant_n, char *why, size_t n);
/* One line on the world's state: sites, hosts down, links, where each VM runs. */
void sim_world_describe(const sim_world *w, char *out, size_t n);

/* --- read-only views (drsim serve); they change nothing the run depends on --- */
bool sim_world_site_up(const sim_world *w, int site);
bool sim_world_vmm_online(const sim_world *w, int site); /* and its site up */
bool sim_world_host_up(const sim_world *w, int site, int host); /* and its site up */
bool sim_world_link_up(const sim_world *w, int link);
/* The site the VM's instance lives at, -1 when shut down; *running (may be NULL): it writes. */
int sim_world_vm_site(const sim_world *w, int vm, bool *running);

#endif
