/* engine/engine.c — creating and freeing the engine, the queries, and the small helpers every part of
 * the engine uses to talk to the platform and the recorder. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "engine/shared/alloc.h"

int64_t eng_now(const engine *e)
{
    return e->pf.now(e->pf.ctx);
}

void eng_event(engine *e, engine_event_kind kind, int vm, int pair, const char *fmt, ...)
{
    if (!e->rec.event)
        return;
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    engine_event_info ev = {.at_ns = eng_now(e), .kind = kind, .vm = vm, .pair = pair,
                            .detail = detail};
    e->rec.event(e->rec.ctx, &ev);
}

void eng_cancel_timer(engine *e, engine_timer_id *id)
{
    if (*id)
        e->pf.timer_cancel(e->pf.ctx, *id);
    *id = 0;
}

void eng_cancel_transfer(engine *e, engine_transfer_id *id)
{
    if (*id)
        e->pf.transfer_cancel(e->pf.ctx, *id);
    *id = 0;
}

const char *engine_vm_state_name(engine_vm_state s)
{
    switch (s) {
    case ENGINE_VM_NOT_PROTECTED: return "not_protected";
    case ENGINE_VM_ENABLING: return "enabling";
    case ENGINE_VM_IR_PENDING: return "initial_replication_pending";
    case ENGINE_VM_IR_IN_PROGRESS: return "initial_replication_in_progress";
    case ENGINE_VM_REPLICATING: return "replicating";
    case ENGINE_VM_RESYNC_REQUIRED: return "resynchronization_required";
    case ENGINE_VM_RESYNCING: return "resynchronizing";
    case ENGINE_VM_FAILOVER_IN_PROGRESS: return "failover_in_progress";
    case ENGINE_VM_FAILED_OVER: return "failed_over";
    case ENGINE_VM_FAILOVER_COMMITTED: return "failover_committed";
    case ENGINE_VM_REVERSE_REPLICATING: return "reverse_replicating";
    case ENGINE_VM_REVERSED: return "protected_reversed";
    }
    return "?";
}

/* The platform functions the engine cannot work without. */
static bool platform_complete(const engine_platform *pf)
{
    return pf->now && pf->timer_at && pf->timer_cancel && pf->site_up && pf->host_up &&
           pf->vmm_online && pf->transfer_start && pf->transfer_cancel && pf->log_take &&
           pf->log_bytes && pf->log_discard && pf->replica_copy_base && pf->replica_apply &&
           pf->resync_diff && pf->replica_digest && pf->storage_reserve && pf->storage_release &&
           pf->storage_read_Bps && pf->storage_write_Bps;
}

engine *engine_new(const drs_scenario *sc, const engine_platform *pf, const engine_recorder *rec,
                   drs_error *err)
{
    if (!platform_complete(pf)) {
        drs_fail(err, DRS_EINTERNAL, "", "engine platform lacks a required function");
        return NULL;
    }
    engine *e = drs_xcalloc(1, sizeof *e);
    e->sc = sc;
    e->pf = *pf;
    if (rec)
        e->rec = *rec;
    e->next_job_id = 1;
    e->rules = rules_state_new(sc, false);
    e->vms = drs_xcalloc(sc->vm_count ? sc->vm_count : 1, sizeof *e->vms);
    e->storage_mapped = drs_xcalloc(sc->recovery.storage_mapping_count + 1, sizeof *e->storage_mapped);
    eng_failover_init(e);
    eng_xfers_init(e);
    for (size_t i = 0; i < sc->vm_count; i++) {
        eng_vm *v = &e->vms[i];
        v->e = e;
        v->index = (int)i;
        v->desc = &sc->vms[i];
        v->disks = v->desc->disk_count;
        v->src_site = v->desc->site;
        v->src_host = v->desc->host;
        v->pair = v->tgt_site = v->tgt_host = -1;
        v->xfer_site = v->xfer_host = v->xfer_next = -1;
        v->state = ENGINE_VM_NOT_PROTECTED;
        v->health = ENGINE_HEALTH_NONE;
        /* The per-disk arrays share one block (freed through cur): a cycle reads most of them,
         * and in a large fleet each would be a cold cache line of its own by the VM's turn. */
        size_t n = v->disks ? v->disks : 1;
        v->cur = drs_xcalloc(n, sizeof *v->cur + 3 * sizeof(uint64_t) + 2 * sizeof(int));
        v->bucket_bytes = (uint64_t *)(v->cur + n);
        v->disk_used = v->bucket_bytes + n;
        v->disk_digest = v->disk_used + n;
        v->disk_storage = (int *)(v->disk_digest + n);
        v->src_storage = v->disk_storage + n;
        for (size_t d = 0; d < v->disks; d++) {
            v->total_size_bytes += v->desc->disks[d].size_bytes;
            v->used_bytes += v->desc->disks[d].used_bytes;
        }
    }
    return e;
}

void engine_free(engine *e)
{
    if (!e)
        return;
    eng_xfers_free(e); /* first: stopping the VMs below must not start waiting transfers */
    for (size_t i = 0; e->vms && i < e->sc->vm_count; i++) {
        eng_vm *v = &e->vms[i];
        if (v->protected_) {
            eng_ir_stop(v);
            eng_cycles_stop(v);
            eng_rp_stop(v);
        }
        eng_undo_forget_all(v);
        free(v->undo);
        free(v->undo_handles);
        for (size_t d = 0; v->cur && d < v->disks; d++)
            drs_delta_free(&v->cur[d]);
        eng_rp_free(v);
        eng_health_free(v);
        free(v->cur); /* and the other per-disk arrays: one block */
    }
    eng_failover_free(e);
    for (size_t i = 0; e->step_timers && i < e->step_count; i++)
        eng_cancel_timer(e, &e->step_timers[i]);
    free(e->steps);
    free(e->step_timers);
    free(e->vms);
    free(e->storage_mapped);
    eng_jobs_free(e);
    rules_state_free(e->rules);
    free(e);
}

static const eng_vm *vm_of(const engine *e, int vm)
{
    assert(vm >= 0 && (size_t)vm < e->sc->vm_count);
    return &e->vms[vm];
}

engine_vm_state engine_vm_state_of(const engine *e, int vm)
{
    return eng_vm_shown_state(vm_of(e, vm));
}

engine_health engine_vm_health(const engine *e, int vm)
{
    return vm_of(e, vm)->health;
}

bool engine_vm_newest_applied(const engine *e, int vm, int64_t *captured_ns)
{
    const eng_vm *v = vm_of(e, vm);
    if (!v->has_latest)
        return false;
    if (captured_ns)
        *captured_ns = v->latest_captured_ns;
    return true;
}

int64_t engine_vm_interval_ns(const engine *e, int vm)
{
    const eng_vm *v = vm_of(e, vm);
    return v->protected_ ? v->interval_ns : 0;
}

size_t engine_vm_retained_points(const engine *e, int vm)
{
    return vm_of(e, vm)->point_count;
}

uint64_t engine_vm_replica_bytes(const engine *e, int vm)
{
    const eng_vm *v = vm_of(e, vm);
    uint64_t sum = 0;
    for (size_t d = 0; d < v->disks; d++)
        sum += v->disk_used[d];
    return sum;
}

uint64_t engine_vm_backlog_bytes(const engine *e, int vm)
{
    return eng_vm_backlog(vm_of(e, vm));
}

bool engine_vmm_registered(const engine *e, int site)
{
    return rules_state_registered(e->rules, site);
}

int engine_vm_pair(const engine *e, int vm)
{
    return eng_vm_pair_now(e, vm, NULL);
}
