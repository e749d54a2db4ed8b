/* engine/recovery_plan.c — running a failover action over one VM or a recovery plan.
 *
 * A plan's groups start one after the other: the group's "before" actions (their durations, one
 * after the other), then every VM of the group fails over at once (each: final changes for a
 * planned failover, then its boot time), then the "after" actions. So the plan's RTO = the sum over
 * groups of (before actions + the slowest VM of the group + after actions), which is what a plan's
 * owner adds up by hand. A single VM is a plan of one group with no actions.
 *
 * ASR orchestrates failovers through the VMM servers: when one the action needs cannot reach the
 * vault, the job fails at once and nothing is touched (the hosts keep replicating). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/failover_internal.h"

static const char *job_name(engine_failover_kind k)
{
    switch (k) {
    case ENGINE_FO_TEST:
        return "Test Failover";
    case ENGINE_FO_PLANNED:
        return "Planned Failover";
    case ENGINE_FO_UNPLANNED:
        return "Unplanned Failover";
    case ENGINE_FO_FAILBACK:
        return "Planned Failover"; /* a failback is a planned failover back */
    }
    return "?";
}

static const int *group_vms(const eng_fo_run *r, size_t g, size_t *n)
{
    if (r->plan < 0) {
        *n = 1;
        return &r->vm;
    }
    const drs_plan_group *grp = &r->e->sc->recovery.plans[r->plan].groups[g];
    *n = grp->vm_count;
    return grp->vms;
}

static int64_t actions_ns(const drs_plan_action *a, size_t n)
{
    int64_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += a[i].duration_ns;
    return t;
}

static void append(char *buf, size_t n, const char *text)
{
    size_t used = strlen(buf);
    if (text[0] && used + 3 < n)
        snprintf(buf + used, n - used, "%s%s", used ? "; " : "", text);
}

static void record(engine *e, const engine_failover_info *fo)
{
    if (e->rec.failover)
        e->rec.failover(e->rec.ctx, fo);
}

static void run_finish(eng_fo_run *r)
{
    engine *e = r->e;
    int64_t now = eng_now(e);
    r->finished = true;
    bool ok = r->vms_failed == 0 && r->vms_ok > 0;
    if (r->plan >= 0) {
        engine_failover_info fo = {.kind = r->kind,
                                   .plan = r->plan,
                                   .vm = -1,
                                   .started_ns = r->started_ns,
                                   .ended_ns = r->vms_ok ? now : -1,
                                   .succeeded = ok,
                                   .failure_ns = r->failure_ns,
                                   .rp_captured_ns = r->rp_captured_ns,
                                   .data_loss_ns = r->loss_ns,
                                   .data_loss_bytes = r->loss_bytes,
                                   .verified = r->verified && r->vms_ok > 0,
                                   .detail = r->detail};
        record(e, &fo);
    }
    if (ok)
        eng_job_end(e, r->job, ENGINE_JOB_SUCCEEDED, "%s", "");
    else
        eng_job_end(e, r->job, ENGINE_JOB_FAILED, "%zu of %zu VMs failed: %s", r->vms_failed,
                    r->vms_failed + r->vms_ok, r->detail);
}

static void run_group(eng_fo_run *r);

static void after_done(void *arg)
{
    eng_fo_run *r = arg;
    r->timer = 0;
    r->group++;
    run_group(r);
}

static void group_vms_done(eng_fo_run *r)
{
    engine *e = r->e;
    int64_t t = 0;
    if (r->plan >= 0) {
        const drs_plan_group *g = &e->sc->recovery.plans[r->plan].groups[r->group];
        t = actions_ns(g->after, g->after_count);
    }
    if (t > 0)
        r->timer = e->pf.timer_at(e->pf.ctx, eng_now(e) + t, after_done, r);
    else
        after_done(r);
}

static void before_done(void *arg)
{
    eng_fo_run *r = arg;
    engine *e = r->e;
    r->timer = 0;
    char step[64];
    snprintf(step, sizeof step, "Group %zu: failing over", r->group + 1);
    eng_job_step(e, r->job, step, ENGINE_JOB_IN_PROGRESS);
    size_t n;
    const int *vms = group_vms(r, r->group, &n);
    r->starting = true;
    for (size_t i = 0; i < n; i++) {
        r->pending++;
        eng_fo_vm_begin(r, &e->vms[vms[i]]);
    }
    r->starting = false;
    if (r->pending == 0)
        group_vms_done(r);
}

static void run_group(eng_fo_run *r)
{
    engine *e = r->e;
    if (r->group >= r->group_count) {
        run_finish(r);
        return;
    }
    int64_t t = 0;
    if (r->plan >= 0) {
        const drs_plan_group *g = &e->sc->recovery.plans[r->plan].groups[r->group];
        t = actions_ns(g->before, g->before_count);
    }
    if (t > 0)
        r->timer = e->pf.timer_at(e->pf.ctx, eng_now(e) + t, before_done, r);
    else
        before_done(r);
}

void eng_fo_vm_done(eng_fo_run *r, eng_vm *v, bool ok, int64_t ended_ns)
{
    engine *e = r->e;
    engine_failover_info fo = {.kind = r->kind,
                               .plan = r->plan,
                               .vm = v->index,
                               .started_ns = v->fo_started_ns,
                               .ended_ns = ended_ns,
                               .succeeded = ok,
                               .failure_ns = v->fo_failure_ns,
                               .rp_captured_ns = v->fo_rp_captured_ns,
                               .data_loss_ns = v->fo_loss_ns,
                               .data_loss_bytes = v->fo_loss_bytes,
                               .verified = ok && v->fo_verified,
                               .detail = v->fo_detail};
    record(e, &fo);
    if (ok) {
        if (r->vms_ok == 0 || v->fo_failure_ns < r->failure_ns)
            r->failure_ns = v->fo_failure_ns;
        if (r->vms_ok == 0 || v->fo_rp_captured_ns < r->rp_captured_ns)
            r->rp_captured_ns = v->fo_rp_captured_ns;
        if (r->vms_ok == 0 || v->fo_loss_ns > r->loss_ns)
            r->loss_ns = v->fo_loss_ns;
        r->loss_bytes += v->fo_loss_bytes;
        r->verified = r->verified && v->fo_verified;
        r->vms_ok++;
    } else {
        r->vms_failed++;
    }
    append(r->detail, sizeof r->detail, v->fo_detail);
    if (r->pending > 0)
        r->pending--;
    if (!r->starting && r->pending == 0)
        group_vms_done(r);
}

/* The VMM servers the action needs: the recovery site's for a test or unplanned failover, both for
 * a planned failover or failback. -1 when none can be named (the VM's cloud has no pair). */
static bool orchestration_ok(eng_fo_run *r, char *why, size_t n)
{
    engine *e = r->e;
    for (size_t g = 0; g < r->group_count; g++) {
        size_t count;
        const int *vms = group_vms(r, g, &count);
        for (size_t i = 0; i < count; i++) {
            const eng_vm *v = &e->vms[vms[i]];
            drs_cloud_pair pair;
            int tgt = v->tgt_site;
            if (tgt < 0 && eng_vm_pair_now(e, v->index, &pair) >= 0)
                tgt = pair.target_site;
            int sites[2] = {tgt, r->kind == ENGINE_FO_PLANNED || r->kind == ENGINE_FO_FAILBACK
                                     ? v->src_site
                                     : -1};
            for (int s = 0; s < 2; s++) {
                if (sites[s] < 0 || e->pf.vmm_online(e->pf.ctx, sites[s]))
                    continue;
                snprintf(why, n,
                         "VMM server %s cannot reach the vault: the orchestrated failover cannot "
                         "start",
                         e->sc->sites[sites[s]].vmm.name);
                return false;
            }
        }
    }
    return true;
}

static uint64_t run_start(engine *e, const drs_action *a, engine_failover_kind kind)
{
    eng_fo_run *r = calloc(1, sizeof *r);
    if (!r)
        return 0;
    r->e = e;
    r->next = e->runs;
    e->runs = r;
    r->kind = kind;
    r->a = *a;
    r->plan = a->plan;
    r->vm = a->vm;
    r->group_count = r->plan >= 0 ? e->sc->recovery.plans[r->plan].group_count : 1;
    r->started_ns = eng_now(e);
    r->verified = true;
    r->failure_ns = r->rp_captured_ns = r->loss_ns = -1;
    const char *subject =
        r->plan >= 0 ? e->sc->recovery.plans[r->plan].name : e->sc->vms[r->vm].name;
    r->job =
        eng_job_begin(e, job_name(kind), r->vm, r->vm >= 0 ? e->vms[r->vm].pair : -1, -1, subject);
    char why[200];
    if (!orchestration_ok(r, why, sizeof why)) {
        eng_fo_finding(e, r->vm, r->detail, sizeof r->detail, "%s", why);
        eng_job_step(e, r->job, "Prerequisites check", ENGINE_JOB_FAILED);
        eng_job_end(e, r->job, ENGINE_JOB_FAILED, "%s", why);
        r->finished = true;
        engine_failover_info fo = {.kind = kind,
                                   .plan = r->plan,
                                   .vm = r->vm,
                                   .started_ns = r->started_ns,
                                   .ended_ns = -1,
                                   .succeeded = false,
                                   .failure_ns = -1,
                                   .rp_captured_ns = -1,
                                   .data_loss_ns = -1,
                                   .detail = r->detail};
        record(e, &fo);
        return r->job;
    }
    eng_job_step(e, r->job, "Prerequisites check", ENGINE_JOB_SUCCEEDED);
    uint64_t job = r->job;
    run_group(r);
    return job;
}

void eng_fo_runs_free(engine *e)
{
    while (e->runs) {
        eng_fo_run *r = e->runs;
        e->runs = r->next;
        eng_cancel_timer(e, &r->timer);
        free(r);
    }
}

uint64_t engine_failover(engine *e, const drs_action *a)
{
    switch (a->what) {
    case DRS_DO_TEST_FAILOVER:
        return run_start(e, a, ENGINE_FO_TEST);
    case DRS_DO_PLANNED_FAILOVER:
        return run_start(e, a, ENGINE_FO_PLANNED);
    case DRS_DO_UNPLANNED_FAILOVER:
        return run_start(e, a, ENGINE_FO_UNPLANNED);
    case DRS_DO_FAILBACK:
        return run_start(e, a, ENGINE_FO_FAILBACK);
    case DRS_DO_COMMIT:
    case DRS_DO_CANCEL_FAILOVER:
    case DRS_DO_REVERSE_REPLICATION:
        break;
    default:
        return 0;
    }
    uint64_t first = 0;
    size_t groups = a->plan >= 0 ? e->sc->recovery.plans[a->plan].group_count : 1;
    for (size_t g = 0; g < groups; g++) {
        size_t n = 1;
        const int *vms = &a->vm;
        if (a->plan >= 0) {
            n = e->sc->recovery.plans[a->plan].groups[g].vm_count;
            vms = e->sc->recovery.plans[a->plan].groups[g].vms;
        }
        for (size_t i = 0; i < n; i++) {
            eng_vm *v = &e->vms[vms[i]];
            uint64_t job = a->what == DRS_DO_COMMIT            ? eng_fo_commit(e, v)
                           : a->what == DRS_DO_CANCEL_FAILOVER ? eng_fo_cancel(e, v)
                                                               : eng_fo_reverse(e, v);
            if (!first)
                first = job;
        }
    }
    return first;
}
