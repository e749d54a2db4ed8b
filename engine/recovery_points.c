/* engine/recovery_points.c — which points a replica keeps, and what they cost.
 *
 * Every cycle's capture becomes the latest point once applied, replacing the previous latest. With
 * additional recovery points configured, every hour (ENGINE_RP_HOURLY_NS after initial replication,
 * then hourly) the next capture is marked to be kept as an hourly point, or as an application-consistent
 * one when a VSS snapshot is due (every app_consistent_frequency); the newest `additional` of them are
 * kept, older ones pruned.
 *
 * Replica storage of a VM = the base copy (the used bytes of its disks) + the bytes each retained point
 * holds (the deltas applied between the previous retained point and it) + the deltas applied since the
 * newest retained point (the hour in progress). Without additional points the deltas overwrite the base
 * in place and cost nothing more. Accounting is per disk, since each disk's replica lives on the
 * classification the storage mapping chose for it. */
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "engine/shared/alloc.h"

static size_t retention(const eng_vm *v)
{
    return v->settings.additional_recovery_points > 0 ? (size_t)v->settings.additional_recovery_points
                                                       : 0;
}

/* After every change to the retained points: the undo journal's trim reads the oldest id from
 * the VM's record rather than from the points (a cold line in a large fleet). */
static void points_changed(eng_vm *v)
{
    v->oldest_point_id = v->point_count ? v->points[0].id : 0;
}

void eng_rp_init(eng_vm *v)
{
    size_t cap = retention(v) + 1;
    if (cap > v->point_cap) {
        eng_rp_free(v);
        v->points = drs_xcalloc(cap, sizeof *v->points);
        v->point_disk_bytes = drs_xcalloc(cap * (v->disks ? v->disks : 1), sizeof(uint64_t));
        v->point_disk_digest = drs_xcalloc(cap * (v->disks ? v->disks : 1), sizeof(uint64_t));
        v->point_cap = cap;
    }
    v->point_count = 0;
    points_changed(v);
    v->mark_pending = false;
    memset(v->bucket_bytes, 0, v->disks * sizeof *v->bucket_bytes);
}

void eng_rp_free(eng_vm *v)
{
    free(v->points);
    free(v->point_disk_bytes);
    free(v->point_disk_digest);
    v->points = NULL;
    v->point_disk_bytes = v->point_disk_digest = NULL;
    v->point_cap = v->point_count = 0;
    points_changed(v);
}

static void rp_record(eng_vm *v, engine_rp_change change, uint64_t id, engine_rp_kind kind,
                      int64_t captured_ns, int64_t applied_ns, uint64_t bytes, uint64_t digest)
{
    engine *e = v->e;
    if (!e->rec.recovery_point)
        return;
    engine_rp_info rp = {.vm = v->index, .id = id, .kind = kind, .captured_ns = captured_ns,
                         .applied_ns = applied_ns, .bytes = bytes, .primary_digest = digest};
    e->rec.recovery_point(e->rec.ctx, change, &rp, eng_now(e));
}

static void hourly(void *arg)
{
    eng_vm *v = arg;
    engine *e = v->e;
    int64_t now = eng_now(e);
    v->hourly_timer = e->pf.timer_at(e->pf.ctx, now + ENGINE_RP_HOURLY_NS, hourly, v);
    v->mark_pending = true;
    v->mark_next = ENGINE_RP_HOURLY;
    if (v->settings.app_consistent_frequency_ns > 0 && now >= v->next_app_ns) {
        v->mark_next = ENGINE_RP_APP_CONSISTENT;
        while (v->next_app_ns <= now)
            v->next_app_ns += v->settings.app_consistent_frequency_ns;
    }
}

void eng_rp_start(eng_vm *v)
{
    engine *e = v->e;
    if (retention(v) == 0)
        return;
    int64_t now = eng_now(e);
    v->next_app_ns = now + v->settings.app_consistent_frequency_ns;
    v->hourly_timer = e->pf.timer_at(e->pf.ctx, now + ENGINE_RP_HOURLY_NS, hourly, v);
}

void eng_rp_stop(eng_vm *v)
{
    eng_cancel_timer(v->e, &v->hourly_timer);
    v->mark_pending = false;
}

engine_rp_kind eng_rp_next_kind(eng_vm *v)
{
    if (!v->mark_pending)
        return ENGINE_RP_LATEST;
    v->mark_pending = false;
    return v->mark_next;
}

void eng_rp_created(eng_vm *v, uint64_t id, engine_rp_kind kind, int64_t captured_ns,
                    uint64_t digest, uint64_t bytes)
{
    rp_record(v, ENGINE_RP_CREATED, id, kind, captured_ns, -1, bytes, digest);
}

bool eng_rp_reserve(eng_vm *v, const drs_delta *per_disk, eng_payload payload)
{
    engine *e = v->e;
    if (retention(v) == 0)
        return true;
    for (size_t k = 0; k < v->disks; k++) {
        const drs_delta *d = &per_disk[k];
        uint64_t b = (payload == ENG_PAYLOAD_DELTA &&
                      v->settings.change_tracking == DRS_TRACK_LOG)
                         ? d->log_bytes
                         : d->coalesced_bytes;
        if (b && !e->pf.storage_reserve(e->pf.ctx, v->tgt_site, v->disk_storage[k], b)) {
            for (size_t j = 0; j < k; j++) { /* undo the disks already taken */
                const drs_delta *dj = &per_disk[j];
                uint64_t bj = (payload == ENG_PAYLOAD_DELTA &&
                               v->settings.change_tracking == DRS_TRACK_LOG)
                                  ? dj->log_bytes
                                  : dj->coalesced_bytes;
                if (bj)
                    e->pf.storage_release(e->pf.ctx, v->tgt_site, v->disk_storage[j], bj);
                v->bucket_bytes[j] -= bj;
                v->disk_used[j] -= bj;
            }
            return false;
        }
        v->bucket_bytes[k] += b;
        v->disk_used[k] += b;
    }
    return true;
}

static void prune_oldest(eng_vm *v)
{
    engine *e = v->e;
    eng_point *p = &v->points[0];
    for (size_t k = 0; k < v->disks; k++) {
        if (p->disk_bytes[k])
            e->pf.storage_release(e->pf.ctx, v->tgt_site, v->disk_storage[k], p->disk_bytes[k]);
        v->disk_used[k] -= p->disk_bytes[k];
    }
    rp_record(v, ENGINE_RP_PRUNED, p->id, p->kind, p->captured_ns, p->applied_ns, p->bytes,
              p->primary_digest);
    /* Shift the survivors down; the per-disk arrays keep their slots, so rotate the pointers. */
    uint64_t *db = p->disk_bytes, *dd = p->disk_digest;
    memmove(&v->points[0], &v->points[1], (v->point_count - 1) * sizeof *v->points);
    v->point_count--;
    v->points[v->point_count].disk_bytes = db;
    v->points[v->point_count].disk_digest = dd;
    points_changed(v);
}

void eng_rp_applied(eng_vm *v, uint64_t id, engine_rp_kind kind, int64_t captured_ns,
                    const uint64_t *disk_digest, uint64_t raw_bytes)
{
    engine *e = v->e;
    int64_t now = eng_now(e);
    uint64_t digest = 0;
    for (size_t k = 0; k < v->disks; k++)
        digest ^= disk_digest[k];
    size_t keep = retention(v);
    bool retained = kind != ENGINE_RP_LATEST && keep > 0;
    /* A retained point holds the hour's deltas (the bucket); the latest holds its own delta. */
    uint64_t bytes = raw_bytes;
    if (retained) {
        bytes = 0;
        for (size_t k = 0; k < v->disks; k++)
            bytes += v->bucket_bytes[k];
    }
    /* The previous latest point is replaced unless it is kept as an additional point. */
    if (v->has_latest && v->latest_kind == ENGINE_RP_LATEST)
        rp_record(v, ENGINE_RP_PRUNED, v->latest_id, ENGINE_RP_LATEST, v->latest_captured_ns,
                  v->latest_applied_ns, v->latest_bytes, v->latest_digest);
    v->has_latest = true;
    v->latest_id = id;
    v->latest_kind = retained ? kind : ENGINE_RP_LATEST;
    v->latest_captured_ns = captured_ns;
    v->latest_applied_ns = now;
    v->latest_bytes = bytes;
    v->latest_digest = digest;
    rp_record(v, ENGINE_RP_APPLIED, id, v->latest_kind, captured_ns, now, bytes, digest);
    /* A failover's last changes land after its RPO went undefined: they define no RPO. */
    if (e->rec.rpo_point && !v->fo_gap)
        e->rec.rpo_point(e->rec.ctx, v->index, now, captured_ns);
    if (retained) {
        if (v->point_count == v->point_cap)
            prune_oldest(v);
        eng_point *p = &v->points[v->point_count];
        if (!p->disk_bytes) {
            /* First use of the slot: hand it its rows of the per-disk arrays (slots are used in
             * order and pruning rotates rows, so row `slot` is free). */
            size_t slot = v->point_count;
            p->disk_bytes = &v->point_disk_bytes[slot * v->disks];
            p->disk_digest = &v->point_disk_digest[slot * v->disks];
        }
        p->id = id;
        p->kind = kind;
        p->captured_ns = captured_ns;
        p->applied_ns = now;
        p->primary_digest = digest;
        p->bytes = bytes;
        for (size_t k = 0; k < v->disks; k++) {
            p->disk_bytes[k] = v->bucket_bytes[k];
            p->disk_digest[k] = disk_digest[k];
            v->bucket_bytes[k] = 0;
        }
        v->point_count++;
        while (v->point_count > keep)
            prune_oldest(v);
        points_changed(v);
    }
    eng_storage_report(v);
}

bool eng_storage_reserve_base(eng_vm *v)
{
    engine *e = v->e;
    for (size_t k = 0; k < v->disks; k++) {
        uint64_t b = v->desc->disks[k].used_bytes;
        if (b && !e->pf.storage_reserve(e->pf.ctx, v->tgt_site, v->disk_storage[k], b)) {
            for (size_t j = 0; j < k; j++) {
                if (v->disk_used[j])
                    e->pf.storage_release(e->pf.ctx, v->tgt_site, v->disk_storage[j],
                                          v->disk_used[j]);
                v->disk_used[j] = 0;
            }
            return false;
        }
        v->disk_used[k] = b;
    }
    return true;
}

void eng_storage_report(eng_vm *v)
{
    engine *e = v->e;
    if (!e->rec.replica_storage || v->tgt_site < 0)
        return;
    int64_t now = eng_now(e);
    /* One report per classification the VM's disks use (first disk of each names it). */
    for (size_t k = 0; k < v->disks; k++) {
        bool seen = false;
        for (size_t j = 0; j < k; j++)
            seen = seen || v->disk_storage[j] == v->disk_storage[k];
        if (seen)
            continue;
        uint64_t sum = 0;
        for (size_t j = k; j < v->disks; j++)
            if (v->disk_storage[j] == v->disk_storage[k])
                sum += v->disk_used[j];
        e->rec.replica_storage(e->rec.ctx, v->tgt_site, v->disk_storage[k], v->index, sum, now);
    }
}

void eng_rp_drop_all(eng_vm *v)
{
    engine *e = v->e;
    while (v->point_count > 0)
        prune_oldest(v);
    if (v->has_latest && v->latest_kind == ENGINE_RP_LATEST)
        rp_record(v, ENGINE_RP_PRUNED, v->latest_id, ENGINE_RP_LATEST, v->latest_captured_ns,
                  v->latest_applied_ns, v->latest_bytes, v->latest_digest);
    v->has_latest = false;
    for (size_t k = 0; k < v->disks; k++) {
        if (v->bucket_bytes[k])
            e->pf.storage_release(e->pf.ctx, v->tgt_site, v->disk_storage[k], v->bucket_bytes[k]);
        v->disk_used[k] -= v->bucket_bytes[k];
        v->bucket_bytes[k] = 0;
    }
}

void eng_rp_truncate_after(eng_vm *v, uint64_t id, int64_t captured_ns, uint64_t digest)
{
    engine *e = v->e;
    /* Retained points newer than id are no longer on the replica: give their storage back. */
    while (v->point_count > 0 && v->points[v->point_count - 1].id > id) {
        eng_point *p = &v->points[v->point_count - 1];
        for (size_t k = 0; k < v->disks; k++) {
            if (p->disk_bytes[k])
                e->pf.storage_release(e->pf.ctx, v->tgt_site, v->disk_storage[k], p->disk_bytes[k]);
            v->disk_used[k] -= p->disk_bytes[k];
        }
        rp_record(v, ENGINE_RP_PRUNED, p->id, p->kind, p->captured_ns, p->applied_ns, p->bytes,
                  p->primary_digest);
        v->point_count--;
    }
    points_changed(v);
    if (v->has_latest && v->latest_id > id && v->latest_kind == ENGINE_RP_LATEST)
        rp_record(v, ENGINE_RP_PRUNED, v->latest_id, ENGINE_RP_LATEST, v->latest_captured_ns,
                  v->latest_applied_ns, v->latest_bytes, v->latest_digest);
    for (size_t k = 0; k < v->disks; k++) {
        if (v->bucket_bytes[k])
            e->pf.storage_release(e->pf.ctx, v->tgt_site, v->disk_storage[k], v->bucket_bytes[k]);
        v->disk_used[k] -= v->bucket_bytes[k];
        v->bucket_bytes[k] = 0;
    }
    if (v->latest_id != id) {
        const eng_point *p = v->point_count ? &v->points[v->point_count - 1] : NULL;
        v->latest_id = id;
        v->latest_captured_ns = captured_ns;
        v->latest_digest = digest;
        v->latest_kind = p && p->id == id ? p->kind : ENGINE_RP_LATEST;
        v->latest_bytes = p && p->id == id ? p->bytes : 0;
        v->latest_applied_ns = p && p->id == id ? p->applied_ns : eng_now(e);
        for (size_t k = 0; p && p->id == id && k < v->disks; k++)
            v->disk_digest[k] = p->disk_digest[k];
    }
    eng_storage_report(v);
}

void eng_rp_commit(eng_vm *v)
{
    engine *e = v->e;
    /* Every retained point merges into the base and can no longer be chosen; the latest stays as
     * the state the VM runs from. */
    while (v->point_count > 0)
        prune_oldest(v);
    for (size_t k = 0; k < v->disks; k++) {
        if (v->bucket_bytes[k])
            e->pf.storage_release(e->pf.ctx, v->tgt_site, v->disk_storage[k], v->bucket_bytes[k]);
        v->disk_used[k] -= v->bucket_bytes[k];
        v->bucket_bytes[k] = 0;
    }
    eng_storage_report(v);
}

void eng_rp_rpo_gap(eng_vm *v)
{
    engine *e = v->e;
    if (e->rec.rpo_point)
        e->rec.rpo_point(e->rec.ctx, v->index, eng_now(e), -1);
}

void eng_rp_rpo_resume(eng_vm *v)
{
    engine *e = v->e;
    if (v->has_latest && e->rec.rpo_point)
        e->rec.rpo_point(e->rec.ctx, v->index, eng_now(e), v->latest_captured_ns);
}
