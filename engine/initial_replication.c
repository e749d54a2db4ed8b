/* engine/initial_replication.c — the first full copy of a VM's disks to the replica.
 *
 * Over the network: the used bytes of every disk (compressed when the pair compresses) go as one
 * transfer, at once or at the next given time of day. Offline: the disks are exported at the source
 * storage's read rate, shipped, and imported at the target storage's write rate. Either way the
 * copy is the primary as it stood when copying began (replica_copy_base), writes made meanwhile
 * wait in the log, and they go out as the first delta as soon as the base is in place; initial
 * replication ends when that delta is applied (the first usable recovery point).
 *
 * A VM that already has a Hyper-V Replica copy on a host of the target cloud (existing_replica) is
 * onboarded without a full copy, whatever the method: both copies are read and compared (the used
 * bytes at each side's read rate, in parallel), only the extents that differ cross the link, and
 * the catch-up delta follows as above. A scheduled start does not apply: nothing large is sent.
 *
 * A network copy (full or of the differing blocks) is a replication transfer of the primary host:
 * it waits for a slot like a delta cycle does (transfers.c). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"

/* A transfer abandoned during initial replication is tried again after this pause. */
#define ENGINE_IR_RETRY_NS (5 * ENGINE_NS_PER_MIN)

/* ns to move bytes at rate_Bps, rounded up; an unknown or infinite rate costs nothing. */
static int64_t time_at_rate(uint64_t bytes, double rate_Bps)
{
    if (bytes == 0 || !(rate_Bps > 0) || isinf(rate_Bps))
        return 0;
    return (int64_t)ceil((double)bytes / rate_Bps * (double)DRS_NS_PER_S);
}

static int src_storage_of(const eng_vm *v, size_t disk)
{
    const drs_site *s = &v->e->sc->sites[v->src_site];
    const char *c = v->desc->disks[disk].storage;
    for (size_t i = 0; c && i < s->storage_count; i++)
        if (s->storage[i].classification && strcmp(s->storage[i].classification, c) == 0)
            return (int)i;
    int def = s->hosts[v->src_host].storage;
    return def >= 0 ? def : (s->storage_count ? 0 : -1);
}

static void base_in_place(eng_vm *v)
{
    eng_job_step(v->e, v->enable_job, "Base copy in place at the replica", ENGINE_JOB_SUCCEEDED);
    v->state = ENGINE_VM_REPLICATING;
    /* The writes logged since copying began go out at once as the first delta. */
    eng_cycles_start(v, true);
}

static void start_network_transfer(eng_vm *v);

static void ir_retry(void *arg)
{
    eng_vm *v = arg;
    v->ir_timer = 0;
    start_network_transfer(v);
}

static void network_transfer_now(eng_vm *v);

static void ir_sent(void *arg, bool ok)
{
    eng_vm *v = arg;
    v->ir_transfer = 0;
    eng_xfer_release(v, network_transfer_now);
    if (!ok) {
        eng_event(v->e, ENGINE_EV_REPLICATION_FAILED, v->index, v->pair,
                  "initial replication transfer of %s was abandoned; retrying", v->desc->name);
        v->ir_timer =
            v->e->pf.timer_at(v->e->pf.ctx, eng_now(v->e) + ENGINE_IR_RETRY_NS, ir_retry, v);
        return;
    }
    base_in_place(v);
}

/* The copy leaves now: its host gave it a transfer slot. */
static void network_transfer_now(eng_vm *v)
{
    engine *e = v->e;
    v->ir_transfer =
        e->pf.transfer_start(e->pf.ctx, v->src_site, v->tgt_site, v->ir_wire_bytes, ir_sent, v);
    if (!v->ir_transfer) {
        eng_xfer_release(v, network_transfer_now);
        eng_protection_fail(v, "no link between the primary and the recovery site");
    }
}

/* The copy waits behind the transfers its primary host already sends (max_active_transfers). */
static void start_network_transfer(eng_vm *v)
{
    if (eng_xfer_acquire(v, network_transfer_now))
        network_transfer_now(v);
}

/* Offline: export done -> ship -> import -> base in place. */
static void offline_stage(void *arg)
{
    eng_vm *v = arg;
    engine *e = v->e;
    v->ir_timer = 0;
    int64_t now = eng_now(e);
    if (v->ir_stage == 0) {
        eng_job_step(e, v->enable_job, "Export to the offline location", ENGINE_JOB_SUCCEEDED);
        v->ir_stage = 1;
        v->ir_timer = e->pf.timer_at(
            e->pf.ctx, now + v->settings.initial_replication.shipping_time_ns, offline_stage, v);
    } else if (v->ir_stage == 1) {
        eng_job_step(e, v->enable_job, "Shipping the exported disks", ENGINE_JOB_SUCCEEDED);
        v->ir_stage = 2;
        int64_t t = 0;
        for (size_t k = 0; k < v->disks; k++)
            t += time_at_rate(v->desc->disks[k].used_bytes,
                              e->pf.storage_write_Bps(e->pf.ctx, v->tgt_site, v->disk_storage[k]));
        v->ir_timer = e->pf.timer_at(e->pf.ctx, now + t, offline_stage, v);
    } else {
        eng_job_step(e, v->enable_job, "Import at the replica", ENGINE_JOB_SUCCEEDED);
        base_in_place(v);
    }
}

int eng_ir_existing_host(const eng_vm *v, int site, int cloud)
{
    const drs_existing_replica *x = &v->desc->existing_replica;
    if (!x->present || !x->host || v->existing_deleted || site < 0 || cloud < 0)
        return -1;
    const drs_site *s = &v->e->sc->sites[site];
    for (size_t h = 0; h < s->host_count; h++)
        if (s->hosts[h].cloud == cloud && s->hosts[h].name &&
            strcmp(s->hosts[h].name, x->host) == 0)
            return (int)h;
    return -1;
}

/* Existing replica, compared: the differing extents are the base copy. */
static void existing_compared(void *arg)
{
    eng_vm *v = arg;
    engine *e = v->e;
    v->ir_timer = 0;
    eng_job_step(e, v->enable_job, "Comparing the primary and the existing replica",
                 ENGINE_JOB_SUCCEEDED);
    v->ir_raw_bytes = v->ir_wire_bytes = 0;
    for (size_t k = 0; k < v->disks; k++) {
        drs_delta d = {0};
        e->pf.resync_diff(e->pf.ctx, v->index, (int)k, &d);
        v->ir_raw_bytes += d.coalesced_bytes;
        v->ir_wire_bytes +=
            eng_wire_bytes(v, d.coalesced_bytes, eng_disk_compressibility(e, v->desc, k));
        drs_delta_free(&d);
        /* The replica now stands for the primary as of now (its differences are on their way); the
         * log restarts, so writes from now on are the catch-up, as after a full copy. */
        e->pf.replica_copy_base(e->pf.ctx, v->index, (int)k);
    }
    eng_job_step(e, v->enable_job, "Sending the blocks that differ", ENGINE_JOB_IN_PROGRESS);
    start_network_transfer(v);
}

static void existing_compare_begin(eng_vm *v)
{
    engine *e = v->e;
    int64_t t_src = 0, t_tgt = 0;
    for (size_t k = 0; k < v->disks; k++) {
        uint64_t used = v->desc->disks[k].used_bytes;
        int st = src_storage_of(v, k);
        if (st >= 0)
            t_src += time_at_rate(used, e->pf.storage_read_Bps(e->pf.ctx, v->src_site, st));
        t_tgt +=
            time_at_rate(used, e->pf.storage_read_Bps(e->pf.ctx, v->tgt_site, v->disk_storage[k]));
    }
    eng_job_step(e, v->enable_job, "Comparing the primary and the existing replica",
                 ENGINE_JOB_IN_PROGRESS);
    v->ir_timer = e->pf.timer_at(e->pf.ctx, eng_now(e) + (t_src > t_tgt ? t_src : t_tgt),
                                 existing_compared, v);
}

static void ir_copy_begin(eng_vm *v)
{
    engine *e = v->e;
    int64_t now = eng_now(e);
    v->ir_start_ns = now;
    v->state = ENGINE_VM_IR_IN_PROGRESS;
    if (!eng_storage_reserve_base(v)) {
        v->err_storage = true;
        eng_event(e, ENGINE_EV_STORAGE_FULL, v->index, v->pair,
                  "replica storage cannot hold the base copy of %s", v->desc->name);
        eng_protection_fail(v, "replica storage full");
        return;
    }
    eng_storage_report(v);
    v->ir_raw_bytes = v->ir_wire_bytes = 0;
    bool offline = v->settings.initial_replication.method == DRS_IR_OFFLINE && !v->ir_existing;
    eng_event(e, ENGINE_EV_INITIAL_REPLICATION_STARTED, v->index, v->pair,
              "initial replication of %s started (%s)", v->desc->name,
              v->ir_existing ? "existing replica"
              : offline      ? "offline"
                             : "network");
    eng_job_step(e, v->enable_job, "Initial replication", ENGINE_JOB_IN_PROGRESS);
    if (v->ir_existing) {
        existing_compare_begin(v);
        return;
    }
    for (size_t k = 0; k < v->disks; k++) {
        uint64_t used = v->desc->disks[k].used_bytes;
        e->pf.replica_copy_base(e->pf.ctx, v->index, (int)k);
        v->ir_raw_bytes += used;
        v->ir_wire_bytes += eng_wire_bytes(v, used, eng_disk_compressibility(e, v->desc, k));
    }
    if (!offline) {
        start_network_transfer(v);
        return;
    }
    /* Offline media carry the disks as they are: uncompressed. */
    v->ir_wire_bytes = 0;
    v->ir_stage = 0;
    int64_t t = 0;
    for (size_t k = 0; k < v->disks; k++) {
        int st = src_storage_of(v, k);
        double rate = st >= 0 ? e->pf.storage_read_Bps(e->pf.ctx, v->src_site, st) : 0;
        t += time_at_rate(v->desc->disks[k].used_bytes, rate);
    }
    v->ir_timer = e->pf.timer_at(e->pf.ctx, now + t, offline_stage, v);
}

static void ir_scheduled(void *arg)
{
    eng_vm *v = arg;
    v->ir_timer = 0;
    ir_copy_begin(v);
}

void eng_ir_begin(eng_vm *v)
{
    engine *e = v->e;
    int64_t now = eng_now(e);
    v->ir_requested_ns = now;
    const drs_initial_replication *ir = &v->settings.initial_replication;
    if (ir->method == DRS_IR_NETWORK && !ir->start_now && !v->ir_existing) {
        /* The next moment at or after now whose time of day is the one asked for. */
        int64_t day = ENGINE_NS_PER_DAY;
        int64_t tod = ((ir->time_of_day_ns % day) + day) % day;
        int64_t at = now - now % day + tod;
        if (at < now)
            at += day;
        v->state = ENGINE_VM_IR_PENDING;
        eng_job_step(e, v->enable_job, "Waiting for the scheduled initial replication",
                     ENGINE_JOB_IN_PROGRESS);
        v->ir_timer = e->pf.timer_at(e->pf.ctx, at, ir_scheduled, v);
        return;
    }
    ir_copy_begin(v);
}

void eng_ir_stop(eng_vm *v)
{
    eng_cancel_timer(v->e, &v->ir_timer);
    eng_cancel_transfer(v->e, &v->ir_transfer);
    eng_xfer_release(v, network_transfer_now);
}
