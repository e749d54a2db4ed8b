/* engine/resync.c — resynchronization of a VM whose logs outgrew what Hyper-V Replica keeps.
 *
 * When the open logs (plus the one in flight) exceed ENGINE_RESYNC_LOG_FRACTION of the VM's total
 * virtual disk size, resynchronization is required: replication stops, the logs are discarded and
 * health turns Critical. After ENGINE_RESYNC_START_DELAY_NS a "Resynchronize" job reads both copies
 * (the used bytes, at each side's read rate, in parallel), sends only the extents that differ as one
 * transfer, applies them, and delta cycles resume from that capture.
 *
 * As in Hyper-V Replica, a resynchronization deletes the replica's recovery points (only the latest
 * consistent state stays) and blocks planned and test failovers until it ends; an unplanned failover
 * cancels it and recovers from that latest state (engine/operations.c). An operator may start a
 * required one at once instead of waiting (the timeline's `resync`). */
#include <math.h>
#include <stdio.h>

#include "engine_internal.h"

static int64_t read_time(uint64_t bytes, double rate_Bps)
{
    if (bytes == 0 || !(rate_Bps > 0) || isinf(rate_Bps))
        return 0;
    return (int64_t)ceil((double)bytes / rate_Bps * (double)DRS_NS_PER_S);
}

static void compared(void *arg)
{
    eng_vm *v = arg;
    engine *e = v->e;
    v->resync_timer = 0;
    eng_job_step(e, v->resync_job, "Comparing the primary and the replica", ENGINE_JOB_SUCCEEDED);
    eng_job_step(e, v->resync_job, "Sending the blocks that differ", ENGINE_JOB_IN_PROGRESS);
    /* The differences as of now; writes from now on go to a fresh log. */
    for (size_t k = 0; k < v->disks; k++)
        e->pf.log_discard(e->pf.ctx, v->index, (int)k);
    eng_cycle_send(v, ENG_PAYLOAD_RESYNC, false);
}

static void resync_start(void *arg)
{
    eng_vm *v = arg;
    engine *e = v->e;
    v->resync_timer = 0;
    v->state = ENGINE_VM_RESYNCING;
    /* The history goes: the blocks about to change make every older point meaningless. */
    eng_undo_forget_all(v);
    eng_rp_commit(v);
    v->resync_job = eng_job_begin(e, ENGINE_JOB_RESYNCHRONIZE, v->index, v->pair, v->src_site, v->desc->name);
    eng_event(e, ENGINE_EV_RESYNC_STARTED, v->index, v->pair, "resynchronization of %s started",
              v->desc->name);
    int64_t t_src = 0, t_tgt = 0;
    for (size_t k = 0; k < v->disks; k++) {
        uint64_t used = v->desc->disks[k].used_bytes;
        int st = v->src_storage[k];
        if (st >= 0)
            t_src += read_time(used, e->pf.storage_read_Bps(e->pf.ctx, v->src_site, st));
        t_tgt += read_time(used, e->pf.storage_read_Bps(e->pf.ctx, v->tgt_site, v->disk_storage[k]));
    }
    eng_job_step(e, v->resync_job, "Comparing the primary and the replica", ENGINE_JOB_IN_PROGRESS);
    v->resync_timer =
        e->pf.timer_at(e->pf.ctx, eng_now(e) + (t_src > t_tgt ? t_src : t_tgt), compared, v);
    eng_health_eval(v);
}

void eng_resync_require(eng_vm *v, const char *why)
{
    engine *e = v->e;
    eng_cycles_abort(v);
    eng_cancel_timer(e, &v->resync_timer);
    if (v->resync_job) {
        eng_job_end(e, v->resync_job, ENGINE_JOB_FAILED, "%s", why);
        v->resync_job = 0;
    }
    for (size_t k = 0; k < v->disks; k++)
        e->pf.log_discard(e->pf.ctx, v->index, (int)k);
    v->state = ENGINE_VM_RESYNC_REQUIRED;
    eng_event(e, ENGINE_EV_RESYNC_REQUIRED, v->index, v->pair, "%s", why);
    v->resync_timer =
        e->pf.timer_at(e->pf.ctx, eng_now(e) + ENGINE_RESYNC_START_DELAY_NS, resync_start, v);
    eng_health_eval(v);
}

void eng_resync_check(eng_vm *v)
{
    if (v->state != ENGINE_VM_REPLICATING && v->state != ENGINE_VM_RESYNCING)
        return;
    uint64_t backlog = eng_vm_backlog(v);
    double limit = ENGINE_RESYNC_LOG_FRACTION * (double)v->total_size_bytes;
    if ((double)backlog > limit) {
        char why[160];
        snprintf(why, sizeof why, "logs of %s reached %llu bytes, over %.0f%% of its disks",
                 v->desc->name, (unsigned long long)backlog, ENGINE_RESYNC_LOG_FRACTION * 100.0);
        eng_resync_require(v, why);
    }
}

void eng_resync_applied(eng_vm *v)
{
    engine *e = v->e;
    v->state = ENGINE_VM_REPLICATING;
    eng_job_step(e, v->resync_job, "Sending the blocks that differ", ENGINE_JOB_SUCCEEDED);
    eng_job_end(e, v->resync_job, ENGINE_JOB_SUCCEEDED, "%s", "");
    v->resync_job = 0;
    eng_event(e, ENGINE_EV_RESYNC_COMPLETED, v->index, v->pair, "resynchronization of %s completed",
              v->desc->name);
    /* A resync that overtook an unfinished initial replication gives the first usable point. */
    if (!v->ir_done)
        eng_protection_ir_complete(v);
    eng_failover_resync_done(v);
}

void eng_resync_start_now(eng_vm *v)
{
    eng_cancel_timer(v->e, &v->resync_timer);
    v->state = ENGINE_VM_RESYNC_REQUIRED;
    resync_start(v);
}

uint64_t eng_resync_operator(engine *e, eng_vm *v)
{
    char why[200];
    const char *bad = eng_op_refusal(v, ENGINE_OP_RESYNCHRONIZE, NULL, why, sizeof why);
    if (bad)
        return eng_op_refuse(e, ENGINE_OP_RESYNCHRONIZE, v, bad);
    eng_resync_start_now(v);
    return v->resync_job;
}
