/* engine/replication.c — the delta cycles of Hyper-V Replica.
 *
 * Every copy interval the VM's logs (all its disks) are closed into one payload, compressed, sent as
 * ONE transfer from the primary site to the recovery site, and applied at the replica at the target
 * storage's write rate; the capture then becomes the newest applied recovery point. At most one payload
 * per VM is in motion: a cycle that comes due while one is still being sent or applied is missed, the
 * log keeps growing, and it goes out as soon as the one in motion is applied. A payload the network
 * abandons is sent again at the next cycle (replication is in error meanwhile). A payload whose
 * primary host already sends its max_active_transfers waits for a slot (transfers.c); the wait is part
 * of its time in flight, so it shows in RPO and can make the next cycle a missed one. */
#include <math.h>

#include "engine_internal.h"

double eng_disk_compressibility(const engine *e, const drs_vm *vm, size_t disk)
{
    int w = vm->disks[disk].workload;
    if (w < 0 || (size_t)w >= e->sc->workload_count)
        return ENGINE_IDLE_DISK_COMPRESSIBILITY;
    return e->sc->workloads[w].compressibility;
}

uint64_t eng_wire_bytes(const eng_vm *v, uint64_t raw, double compressibility)
{
    if (!v->settings.compression || raw == 0)
        return raw;
    return (uint64_t)ceil((double)raw / engine_compression_ratio(compressibility));
}

/* The bytes a delta costs under the pair's change tracking. */
static uint64_t tracked_bytes(const eng_vm *v, const drs_delta *d)
{
    return v->settings.change_tracking == DRS_TRACK_COALESCED ? d->coalesced_bytes : d->log_bytes;
}

uint64_t eng_vm_backlog(const eng_vm *v)
{
    engine *e = v->e;
    if (!v->protected_)
        return 0;
    uint64_t sum = 0;
    for (size_t k = 0; k < v->disks; k++)
        sum += e->pf.log_bytes(e->pf.ctx, v->index, (int)k);
    if (v->phase != ENG_PHASE_IDLE && v->payload == ENG_PAYLOAD_DELTA)
        for (size_t k = 0; k < v->disks; k++)
            sum += v->cur[k].log_bytes;
    return sum;
}

static void free_payload(eng_vm *v)
{
    for (size_t k = 0; k < v->disks; k++)
        drs_delta_free(&v->cur[k]);
    v->phase = ENG_PHASE_IDLE;
}

static void payload_sent(void *arg, bool ok);

/* The payload leaves now: its host gave it a transfer slot. */
static void transmit_now(eng_vm *v)
{
    engine *e = v->e;
    v->cur_sent_ns = eng_now(e);
    v->transfer = e->pf.transfer_start(e->pf.ctx, v->src_site, v->tgt_site, v->cur_wire,
                                       payload_sent, v);
    if (!v->transfer) {
        eng_xfer_release(v, transmit_now);
        if (!v->err_transfer)
            eng_event(e, ENGINE_EV_REPLICATION_FAILED, v->index, v->pair,
                      "no path from the primary to the recovery site");
        v->err_transfer = true;
        v->retry_pending = true;
        if (v->fo_sync)
            eng_failover_payload_done(v, false, "no path from the primary to the recovery site");
    }
}

/* The payload is on its way: it leaves at once, or waits in order behind the transfers its primary
 * host already sends (max_active_transfers); it counts as in flight either way. */
static void transmit(eng_vm *v)
{
    v->phase = ENG_PHASE_SENDING;
    if (eng_xfer_acquire(v, transmit_now))
        transmit_now(v);
}

void eng_cycle_send(eng_vm *v, eng_payload payload, bool first)
{
    engine *e = v->e;
    int64_t now = eng_now(e);
    v->payload = payload;
    v->cur_first = first;
    v->cur_raw = v->cur_wire = 0;
    for (size_t k = 0; k < v->disks; k++) {
        drs_delta *d = &v->cur[k];
        drs_delta_free(d);
        uint64_t raw;
        double p;
        if (payload == ENG_PAYLOAD_DELTA) {
            e->pf.log_take(e->pf.ctx, v->index, (int)k, d);
            raw = tracked_bytes(v, d);
            p = d->compressibility;
        } else {
            e->pf.resync_diff(e->pf.ctx, v->index, (int)k, d);
            /* Reverse replication toward a copy that holds nothing (the old primary's data is
             * gone) is a full initial copy: the whole used part goes, not just what was written. */
            if (v->rev_resync && d->digest != 0 &&
                e->pf.replica_digest(e->pf.ctx, v->index, (int)k) == 0)
                d->log_bytes = d->coalesced_bytes = v->desc->disks[k].used_bytes;
            raw = d->coalesced_bytes;
            p = eng_disk_compressibility(e, v->desc, k);
        }
        v->cur_raw += raw;
        v->cur_wire += eng_wire_bytes(v, raw, p);
    }
    v->cur_cpu = v->settings.compression ? engine_compression_cpu_seconds(v->cur_raw) : 0.0;
    v->cur_captured_ns = now;
    v->cur_kind = eng_rp_next_kind(v);
    v->cur_id = v->next_point_id++;
    uint64_t digest = 0;
    for (size_t k = 0; k < v->disks; k++)
        digest ^= v->cur[k].digest;
    eng_rp_created(v, v->cur_id, v->cur_kind, now, digest, v->cur_raw);
    transmit(v);
}

static void payload_applied(void *arg);

/* ns to write bytes at rate_Bps, rounded up; an unknown or infinite rate costs nothing. */
static int64_t write_time(uint64_t bytes, double rate_Bps)
{
    if (bytes == 0 || !(rate_Bps > 0) || isinf(rate_Bps))
        return 0;
    return (int64_t)ceil((double)bytes / rate_Bps * (double)DRS_NS_PER_S);
}

static void payload_sent(void *arg, bool ok)
{
    eng_vm *v = arg;
    engine *e = v->e;
    v->transfer = 0;
    eng_xfer_release(v, transmit_now);
    if (!ok) {
        if (!v->err_transfer)
            eng_event(e, ENGINE_EV_REPLICATION_FAILED, v->index, v->pair,
                      "the log of %s could not be sent; it goes again at the next cycle",
                      v->desc->name);
        v->err_transfer = true;
        v->retry_pending = true;
        eng_health_eval(v);
        if (v->fo_sync || v->fo_wait_apply)
            eng_failover_payload_done(v, false, "the final changes could not be sent");
        return;
    }
    if (v->err_transfer) {
        v->err_transfer = false;
        eng_event(e, ENGINE_EV_REPLICATION_RESUMED, v->index, v->pair, "replication resumed");
    }
    v->phase = ENG_PHASE_APPLYING;
    int64_t t = 0;
    for (size_t k = 0; k < v->disks; k++) {
        uint64_t b = v->payload == ENG_PAYLOAD_DELTA ? tracked_bytes(v, &v->cur[k])
                                                     : v->cur[k].coalesced_bytes;
        t += write_time(b, e->pf.storage_write_Bps(e->pf.ctx, v->tgt_site, v->disk_storage[k]));
    }
    v->apply_timer = e->pf.timer_at(e->pf.ctx, eng_now(e) + t, payload_applied, v);
}

static void payload_applied(void *arg)
{
    eng_vm *v = arg;
    engine *e = v->e;
    v->apply_timer = 0;
    if (!eng_rp_reserve(v, v->cur, v->payload)) {
        if (!v->err_storage) {
            eng_event(e, ENGINE_EV_STORAGE_FULL, v->index, v->pair,
                      "replica storage of %s is full", v->desc->name);
            eng_event(e, ENGINE_EV_REPLICATION_FAILED, v->index, v->pair,
                      "the log of %s cannot be applied: replica storage full", v->desc->name);
        }
        v->err_storage = true;
        v->retry_pending = true;
        eng_health_eval(v);
        if (v->fo_sync || v->fo_wait_apply)
            eng_failover_payload_done(v, false, "replica storage is full");
        return;
    }
    if (v->err_storage) {
        v->err_storage = false;
        eng_event(e, ENGINE_EV_REPLICATION_RESUMED, v->index, v->pair, "replication resumed");
    }
    int64_t now = eng_now(e);
    uint64_t *undo = eng_undo_slot(v);
    uint64_t log_bytes = 0;
    for (size_t k = 0; k < v->disks; k++) {
        log_bytes += v->cur[k].log_bytes;
        uint64_t got =
            e->pf.replica_apply(e->pf.ctx, v->index, (int)k, &v->cur[k], undo ? &undo[k] : NULL);
        if (got != v->cur[k].digest)
            eng_event(e, ENGINE_EV_DIGEST_MISMATCH, v->index, v->pair,
                      "disk %s: replica digest %016llx, primary digest at capture %016llx",
                      v->desc->disks[k].name, (unsigned long long)got,
                      (unsigned long long)v->cur[k].digest);
        v->disk_digest[k] = v->cur[k].digest;
    }
    v->cycles_completed++;
    if (e->rec.cycle) {
        engine_cycle_info cy = {.vm = v->index,
                                .captured_ns = v->cur_captured_ns,
                                .sent_ns = v->cur_sent_ns,
                                .applied_ns = now,
                                .raw_bytes = v->cur_raw,
                                .wire_bytes = v->cur_wire,
                                .cpu_seconds = v->cur_cpu,
                                .first_after_ir = v->cur_first};
        e->rec.cycle(e->rec.ctx, &cy);
    }
    eng_payload payload = v->payload;
    bool first = v->cur_first;
    eng_rp_applied(v, v->cur_id, v->cur_kind, v->cur_captured_ns, v->disk_digest, v->cur_raw);
    if (undo)
        eng_undo_commit(v, v->cur_id, payload == ENG_PAYLOAD_DELTA ? log_bytes : 0);
    eng_undo_trim(v);
    free_payload(v);
    v->last_apply_ns = now;
    eng_health_applied(v);
    if (payload == ENG_PAYLOAD_RESYNC)
        eng_resync_applied(v);
    if (first && !v->ir_done)
        eng_protection_ir_complete(v);
    if (v->send_pending && (v->state == ENGINE_VM_REPLICATING || v->fo_sync)) {
        v->send_pending = false;
        eng_cycle_send(v, ENG_PAYLOAD_DELTA, false);
    }
    eng_health_eval(v);
    if ((v->fo_sync || v->fo_wait_apply) && v->phase == ENG_PHASE_IDLE)
        eng_failover_payload_done(v, true, NULL);
}

static void tick(void *arg)
{
    eng_vm *v = arg;
    engine *e = v->e;
    int64_t due = v->next_tick_ns;
    v->next_tick_ns += v->interval_ns;
    v->tick_timer = e->pf.timer_at(e->pf.ctx, v->next_tick_ns, tick, v);
    if (v->state == ENGINE_VM_RESYNC_REQUIRED) {
        eng_health_eval(v);
        return;
    }
    if (v->state == ENGINE_VM_RESYNCING) {
        eng_resync_check(v);
        eng_health_eval(v);
        return;
    }
    /* A primary host that is down writes nothing and replicates nothing: no cycle is due. */
    if (!e->pf.site_up(e->pf.ctx, v->src_site) ||
        !e->pf.host_up(e->pf.ctx, v->src_site, v->src_host)) {
        eng_health_eval(v);
        return;
    }
    bool missed = false;
    if (v->retry_pending) {
        missed = true;
        v->retry_pending = false;
        if (v->phase == ENG_PHASE_SENDING)
            transmit(v);
        else
            payload_applied(v);
    } else if (v->phase != ENG_PHASE_IDLE) {
        missed = true;
        v->send_pending = true;
    } else {
        eng_cycle_send(v, ENG_PAYLOAD_DELTA, false);
    }
    if (missed) {
        v->cycles_missed++;
        eng_event(e, ENGINE_EV_MISSED_CYCLE, v->index, v->pair,
                  "cycle due at %lld ns missed: the previous log is still in flight",
                  (long long)due);
    }
    eng_health_tick(v, due, missed);
    eng_resync_check(v);
    eng_health_eval(v);
}

void eng_cycles_start(eng_vm *v, bool send_now)
{
    engine *e = v->e;
    eng_cancel_timer(e, &v->tick_timer);
    v->next_tick_ns = eng_now(e) + v->interval_ns;
    v->tick_timer = e->pf.timer_at(e->pf.ctx, v->next_tick_ns, tick, v);
    v->send_pending = v->retry_pending = false;
    if (send_now)
        eng_cycle_send(v, ENG_PAYLOAD_DELTA, true);
}

/* Drops whatever is in motion (the payload is lost; a resync or a new protection starts over). */
void eng_cycles_abort(eng_vm *v)
{
    eng_cancel_transfer(v->e, &v->transfer);
    eng_xfer_release(v, transmit_now);
    eng_cancel_timer(v->e, &v->apply_timer);
    free_payload(v);
    v->send_pending = v->retry_pending = false;
}

void eng_cycles_stop(eng_vm *v)
{
    eng_cancel_timer(v->e, &v->tick_timer);
    eng_cycles_abort(v);
}
