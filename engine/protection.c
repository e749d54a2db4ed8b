/* engine/protection.c — the protection lifecycle of a VM: "Enable Protection" (prerequisites,
 * placement of the replica, initial replication), "Finalize Protection", and "Disable Protection". */
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"

/* The replica host: the first host of the target cloud that is up (else the first of the cloud), so
 * placement is deterministic. -1 when the cloud has no host. */
static int pick_target_host(engine *e, int site, int cloud)
{
    const drs_site *s = &e->sc->sites[site];
    int first = -1;
    for (size_t h = 0; h < s->host_count; h++) {
        if (s->hosts[h].cloud != cloud)
            continue;
        if (first < 0)
            first = (int)h;
        if (e->pf.host_up(e->pf.ctx, site, (int)h))
            return (int)h;
    }
    return first;
}

static int classification_index(const drs_site *s, const char *name)
{
    for (size_t i = 0; name && i < s->storage_count; i++)
        if (strcmp(s->storage[i].classification, name) == 0)
            return (int)i;
    return -1;
}

/* The classification a disk of the primary lives on: its own, else its host's default (-1 when the
 * site has no storage). */
static int primary_storage(engine *e, const eng_vm *v, size_t disk)
{
    const drs_site *s = &e->sc->sites[v->src_site];
    int c = classification_index(s, v->desc->disks[disk].storage);
    if (c >= 0)
        return c;
    int def = s->hosts[v->src_host].storage;
    return def >= 0 ? def : (s->storage_count ? 0 : -1);
}

/* Rule 12: a disk's replica goes to the classification its own is mapped to (by a mapping whose job
 * succeeded), otherwise to the replica host's default location. -1 when there is neither. */
static int place_disk(engine *e, const eng_vm *v, size_t disk)
{
    const drs_site *src = &e->sc->sites[v->src_site];
    const drs_disk *dk = &v->desc->disks[disk];
    int src_storage = dk->storage ? classification_index(src, dk->storage)
                                  : src->hosts[v->src_host].storage;
    const drs_recovery *r = &e->sc->recovery;
    for (size_t m = 0; src_storage >= 0 && m < r->storage_mapping_count; m++) {
        const drs_mapping *mp = &r->storage_mappings[m];
        if (e->storage_mapped[m] && mp->source_site == v->src_site && mp->source == src_storage &&
            mp->target_site == v->tgt_site && mp->target >= 0)
            return mp->target;
    }
    int def = e->sc->sites[v->tgt_site].hosts[v->tgt_host].storage;
    if (def < 0 && e->sc->sites[v->tgt_site].storage_count > 0)
        def = 0;
    return def;
}

static uint64_t refuse(engine *e, int vm, const char *reason)
{
    drs_diags d = {0};
    drs_diags_add(&d, DRS_SEV_ERROR, 0, "", "%s", reason);
    uint64_t job = eng_job_refuse_diags(e, ENGINE_JOB_ENABLE_PROTECTION, vm, -1, e->sc->vms[vm].site,
                                        e->sc->vms[vm].name, &d);
    drs_diags_clear(&d);
    return job;
}

uint64_t eng_protect_at(engine *e, int vm, const char *path)
{
    eng_vm *v = &e->vms[vm];
    char why_op[200];
    const char *bad = eng_op_refusal(v, ENGINE_OP_ENABLE_PROTECTION, NULL, why_op, sizeof why_op);
    if (bad)
        return eng_op_refuse(e, ENGINE_OP_ENABLE_PROTECTION, v, bad);
    if (v->reversed || v->runs_at_recovery) /* disabled while it ran at the recovery site */
        return refuse(e, vm,
                      "the VM runs at the recovery site: protecting it from there again is "
                      "not supported");
    drs_diags d = {0};
    if (!e->pf.vmm_online(e->pf.ctx, v->src_site) || !e->pf.site_up(e->pf.ctx, v->src_site)) {
        drs_diags_clear(&d);
        char why[160];
        snprintf(why, sizeof why, "VMM server %s cannot reach the vault",
                 e->sc->sites[v->src_site].vmm.name);
        return refuse(e, vm, why);
    }
    if (!rules_state_protect(e->rules, (size_t)vm, eng_now(e), path, &d)) {
        uint64_t job = eng_job_refuse_diags(e, ENGINE_JOB_ENABLE_PROTECTION, vm, -1, v->src_site,
                                            v->desc->name, &d);
        drs_diags_clear(&d);
        return job;
    }
    drs_cloud_pair pair;
    int p = eng_vm_pair_now(e, vm, &pair);
    if (p < 0 || pair.target_site < 0 || pair.target_cloud < 0) {
        drs_diags_clear(&d);
        return refuse(e, vm, "the VM's cloud is not configured for protection (rule 13)");
    }
    v->pair = p;
    v->tgt_site = pair.target_site;
    /* An existing replica is reused where it lives (rule 13 warns when it is outside the cloud). */
    int existing = eng_ir_existing_host(v, pair.target_site, pair.target_cloud);
    v->ir_existing = existing >= 0;
    v->tgt_host =
        v->ir_existing ? existing : pick_target_host(e, pair.target_site, pair.target_cloud);
    if (v->tgt_host < 0) {
        drs_diags_clear(&d);
        return refuse(e, vm, "the target cloud has no Hyper-V host to hold the replica");
    }
    for (size_t k = 0; k < v->disks; k++) {
        v->src_storage[k] = primary_storage(e, v, k);
        v->disk_storage[k] = place_disk(e, v, k);
        if (v->disk_storage[k] < 0) {
            drs_diags_clear(&d);
            return refuse(e, vm, "the replica host has no storage for the replica's disks");
        }
    }
    v->settings = pair.settings;
    /* Rule 4 on the two hosts that replicate: a 2012 host on either side means 5 minutes. */
    v->interval_ns = rules_copy_frequency_between(e->sc, pair.settings.copy_frequency_ns, v->src_site,
                                                  v->src_host, v->tgt_site, v->tgt_host);
    eng_rp_init(v);
    eng_health_init(v);
    if (v->base_kept) { /* an earlier replica left in place is replaced by the new one */
        for (size_t k = 0; k < v->disks; k++)
            if (v->disk_used[k])
                e->pf.storage_release(e->pf.ctx, v->tgt_site, v->disk_storage[k], v->disk_used[k]);
        memset(v->disk_used, 0, v->disks * sizeof *v->disk_used);
        v->base_kept = false;
    }
    v->protected_ = true;
    v->ir_done = false;
    v->has_latest = false;
    v->err_storage = v->err_transfer = false;
    v->state = ENGINE_VM_ENABLING;
    v->enable_job =
        eng_job_begin(e, ENGINE_JOB_ENABLE_PROTECTION, vm, p, v->src_site, v->desc->name);
    eng_job_step(e, v->enable_job, "Prerequisites check", ENGINE_JOB_SUCCEEDED);
    eng_diags_warn(e, vm, p, &d);
    drs_diags_clear(&d);
    eng_job_step(e, v->enable_job, "Enabling replication on the primary and replica hosts",
                 ENGINE_JOB_SUCCEEDED);
    eng_health_eval(v);
    eng_ir_begin(v);
    return v->enable_job;
}

uint64_t engine_protect(engine *e, int vm)
{
    char path[32];
    snprintf(path, sizeof path, "vms[%d]", vm);
    return eng_protect_at(e, vm, path);
}

void eng_protection_ir_complete(eng_vm *v)
{
    engine *e = v->e;
    v->ir_done = true;
    int64_t now = eng_now(e);
    if (e->rec.initial_replication) {
        const char *method =
            v->settings.initial_replication.method == DRS_IR_OFFLINE ? "offline" : "network";
        engine_ir_info ir = {.vm = v->index,
                             .method = v->ir_existing ? "existing" : method,
                             .requested_ns = v->ir_requested_ns,
                             .start_ns = v->ir_start_ns,
                             .end_ns = now,
                             .raw_bytes = v->ir_raw_bytes,
                             .wire_bytes = v->ir_wire_bytes};
        e->rec.initial_replication(e->rec.ctx, &ir);
    }
    eng_event(e, ENGINE_EV_INITIAL_REPLICATION_COMPLETED, v->index, v->pair,
              "initial replication of %s completed", v->desc->name);
    eng_job_step(e, v->enable_job, "Initial replication", ENGINE_JOB_SUCCEEDED);
    eng_job_end(e, v->enable_job, ENGINE_JOB_SUCCEEDED, "%s", "");
    v->enable_job = 0;
    uint64_t fin = eng_job_begin(e, ENGINE_JOB_FINALIZE_PROTECTION, v->index, v->pair, v->src_site,
                                 v->desc->name);
    eng_job_step(e, fin, "Finalizing protection on the primary and replica", ENGINE_JOB_SUCCEEDED);
    eng_job_end(e, fin, ENGINE_JOB_SUCCEEDED, "%s", "");
    eng_rp_start(v);
}

/* Stops everything the VM has in motion and resets it to "not protected". */
static void stop_all(eng_vm *v, bool delete_replica)
{
    engine *e = v->e;
    eng_failover_abandon(v, "protection was disabled");
    eng_ir_stop(v);
    eng_cycles_stop(v);
    eng_rp_stop(v);
    eng_cancel_timer(e, &v->resync_timer);
    for (size_t k = 0; k < v->disks; k++)
        e->pf.log_discard(e->pf.ctx, v->index, (int)k);
    eng_protection_release_replica(v, delete_replica);
    if (v->protected_) /* no replica to recover from: RPO means nothing until protected again */
        eng_rp_rpo_gap(v);
    v->protected_ = false;
    v->state = ENGINE_VM_NOT_PROTECTED;
    v->has_latest = false;
    v->ir_done = false;
    v->err_storage = v->err_transfer = false;
    eng_health_eval(v);
}

void eng_protection_release_replica(eng_vm *v, bool delete_replica)
{
    engine *e = v->e;
    eng_rp_drop_all(v); /* history goes in every case */
    eng_undo_forget_all(v);
    if (delete_replica) {
        for (size_t k = 0; k < v->disks; k++) {
            if (v->disk_used[k])
                e->pf.storage_release(e->pf.ctx, v->tgt_site, v->disk_storage[k], v->disk_used[k]);
            v->disk_used[k] = 0;
            if (e->pf.replica_delete)
                e->pf.replica_delete(e->pf.ctx, v->index, (int)k);
        }
        v->existing_deleted |= v->ir_existing;
        v->base_kept = false;
    } else {
        v->base_kept = true;
    }
    eng_storage_report(v);
}

void eng_protection_fail(eng_vm *v, const char *reason)
{
    engine *e = v->e;
    eng_event(e, ENGINE_EV_REPLICATION_FAILED, v->index, v->pair, "%s: %s", v->desc->name, reason);
    uint64_t job = v->enable_job;
    v->enable_job = 0;
    if (job) {
        eng_job_step(e, job, "Initial replication", ENGINE_JOB_FAILED);
        eng_job_end(e, job, ENGINE_JOB_FAILED, "%s", reason);
    }
    stop_all(v, true);
}

uint64_t engine_unprotect(engine *e, int vm)
{
    eng_vm *v = &e->vms[vm];
    char why[200];
    const char *bad = eng_op_refusal(v, ENGINE_OP_DISABLE_PROTECTION, NULL, why, sizeof why);
    if (bad)
        return eng_op_refuse(e, ENGINE_OP_DISABLE_PROTECTION, v, bad);
    uint64_t job =
        eng_job_begin(e, ENGINE_JOB_DISABLE_PROTECTION, vm, v->pair, v->src_site, v->desc->name);
    if (v->test_active)
        eng_job_step(e, job, "Deleting the test virtual machine", ENGINE_JOB_SUCCEEDED);
    if (v->enable_job) {
        eng_job_end(e, v->enable_job, ENGINE_JOB_CANCELLED, "protection disabled");
        v->enable_job = 0;
    }
    if (v->resync_job) {
        eng_job_end(e, v->resync_job, ENGINE_JOB_CANCELLED, "protection disabled");
        v->resync_job = 0;
    }
    eng_job_step(e, job, "Disabling replication", ENGINE_JOB_SUCCEEDED);
    /* A failed-over VM runs on what was the replica: its disks are not deleted, and it stays at the
     * recovery site, unprotected. */
    bool away = v->state == ENGINE_VM_FAILED_OVER || v->state == ENGINE_VM_FAILOVER_COMMITTED;
    bool del = v->settings.delete_replica_on_disable && !away;
    if (del)
        eng_job_step(e, job, "Deleting the replica virtual machine", ENGINE_JOB_SUCCEEDED);
    else if (away)
        eng_job_step(e, job, "Keeping the failed-over virtual machine's disks", ENGINE_JOB_SUCCEEDED);
    stop_all(v, del);
    v->runs_at_recovery = away;
    eng_job_end(e, job, ENGINE_JOB_SUCCEEDED, "%s", "");
    return job;
}
