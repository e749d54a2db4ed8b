/* engine/recovery_plan.c — running a failover action over one VM or a recovery plan.
 *
 * A run first checks every VM it covers against the operation table and what the world offers
 * (engine/operations.c, failover.c) and takes hold of the VMs it will fail over, so no other
 * operation runs on them meanwhile. A planned failover (or failback) is all or nothing at that
 * check and then shuts every source VM down at once, sending their last changes; a test or
 * unplanned failover goes on with the VMs it can.
 *
 * Then the plan's groups run one after the other: the group's "before" actions (one after the
 * other), every VM of the group at once (a planned one boots once its last changes are applied),
 * then the "after" actions. So the plan's RTO = the sum over groups of (before actions + the
 * slowest VM of the group + after actions), which is what a plan's owner adds up by hand. A script
 * that fails or times out (ENGINE_SCRIPT_TIMEOUT_NS) stops a planned failover, whose VMs not yet
 * started return to their primary, and is a finding that an unplanned or test failover goes past. A
 * single VM is a plan of one group with no actions.
 *
 * A plan's failover is verified only when every one of its VMs started and its data was proven; its
 * RTO is undefined when a VM did not start.
 *
 * ASR orchestrates failovers through the VMM servers: when one the action needs cannot reach the
 * vault, the job fails at once and nothing is touched (the hosts keep replicating). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failover_internal.h"
#include "engine/shared/alloc.h"

static const int *group_vms(const engine *e, const drs_action *a, size_t g, size_t *n)
{
    if (a->plan < 0) {
        *n = 1;
        return &a->vm;
    }
    const drs_plan_group *grp = &e->sc->recovery.plans[a->plan].groups[g];
    *n = grp->vm_count;
    return grp->vms;
}

static size_t group_count(const engine *e, const drs_action *a)
{
    return a->plan >= 0 ? e->sc->recovery.plans[a->plan].group_count : 1;
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

/* The failover record of a VM that took no part (refused at the start). */
static void record_refused(eng_fo_run *r, int vm, const char *why)
{
    engine *e = r->e;
    engine_failover_info fo = {.kind = r->kind,
                               .plan = r->plan,
                               .vm = vm,
                               .started_ns = r->started_ns,
                               .ended_ns = -1,
                               .succeeded = false,
                               .failure_ns = -1,
                               .rp_captured_ns = -1,
                               .data_loss_ns = -1,
                               .detail = why};
    record(e, &fo);
}

static void run_finish(eng_fo_run *r)
{
    engine *e = r->e;
    int64_t now = eng_now(e);
    r->finished = true;
    bool ok = r->vms_failed == 0 && r->vms_ok > 0 && !r->stopped;
    if (r->plan >= 0) {
        engine_failover_info fo = {.kind = r->kind,
                                   .plan = r->plan,
                                   .vm = -1,
                                   .started_ns = r->started_ns,
                                   .ended_ns = ok ? now : -1,
                                   .succeeded = ok,
                                   .failure_ns = r->failure_ns,
                                   .rp_captured_ns = r->rp_captured_ns,
                                   .data_loss_ns = r->loss_ns,
                                   .data_loss_bytes = r->loss_bytes,
                                   .verified = ok && r->verified,
                                   .detail = r->detail};
        record(e, &fo);
    }
    if (ok)
        eng_job_end(e, r->job, ENGINE_JOB_SUCCEEDED, "%s", "");
    else if (r->vms_failed)
        eng_job_end(e, r->job, ENGINE_JOB_FAILED, "%zu of %zu VMs failed: %s", r->vms_failed,
                    r->vms_failed + r->vms_ok, r->detail);
    else
        eng_job_end(e, r->job, ENGINE_JOB_FAILED, "%s", r->detail);
}

static void run_group(eng_fo_run *r);
static void run_actions(eng_fo_run *r);

static const drs_plan_action *group_actions(const eng_fo_run *r, size_t *n)
{
    *n = 0;
    if (r->plan < 0)
        return NULL;
    const drs_plan_group *g = &r->e->sc->recovery.plans[r->plan].groups[r->group];
    *n = r->after ? g->after_count : g->before_count;
    return r->after ? g->after : g->before;
}

/* How long action a runs and whether it fails. */
static int64_t action_ns(const drs_plan_action *a, bool *failed)
{
    *failed = false;
    if (a->kind != DRS_ACTION_SCRIPT)
        return a->duration_ns;
    if (a->outcome == DRS_SCRIPT_TIMES_OUT || a->duration_ns > ENGINE_SCRIPT_TIMEOUT_NS) {
        *failed = true;
        return ENGINE_SCRIPT_TIMEOUT_NS;
    }
    *failed = a->outcome == DRS_SCRIPT_FAILS;
    return a->duration_ns;
}

/* A planned failover that cannot go on: the VMs that have not started give up (their primaries run
 * again) and the run ends failed. */
static void run_stop(eng_fo_run *r, const char *why)
{
    engine *e = r->e;
    r->stopped = true;
    append(r->detail, sizeof r->detail, why);
    /* A "before" action stops its own group too; an "after" action only the groups after it. */
    for (size_t g = r->after ? r->group + 1 : r->group; g < r->group_count; g++) {
        size_t n;
        const int *vms = group_vms(e, &r->a, g, &n);
        for (size_t i = 0; i < n; i++) {
            eng_vm *v = &e->vms[vms[i]];
            if (v->fo_run == r)
                eng_fo_vm_give_up(v, "the recovery plan stopped before its group");
        }
    }
    run_finish(r);
}

static void action_done(void *arg)
{
    eng_fo_run *r = arg;
    engine *e = r->e;
    r->timer = 0;
    size_t n;
    const drs_plan_action *acts = group_actions(r, &n);
    const drs_plan_action *a = &acts[r->action];
    bool failed;
    int64_t took = action_ns(a, &failed);
    if (failed) {
        char why[200];
        snprintf(why, sizeof why, "script %s of group %zu %s after %llds", a->text, r->group + 1,
                 took == ENGINE_SCRIPT_TIMEOUT_NS && a->outcome != DRS_SCRIPT_FAILS ? "timed out"
                                                                                    : "failed",
                 (long long)(took / DRS_NS_PER_S));
        eng_fo_finding(e, r->vm, NULL, 0, "%s", why);
        char step[220];
        snprintf(step, sizeof step, "Group %zu: script %s", r->group + 1, a->text);
        eng_job_step(e, r->job, step, ENGINE_JOB_FAILED);
        if (r->kind == ENGINE_FO_PLANNED || r->kind == ENGINE_FO_FAILBACK) {
            run_stop(r, why);
            return;
        }
        append(r->detail, sizeof r->detail, why);
    }
    r->action++;
    run_actions(r);
}

static void before_done(eng_fo_run *r);
static void after_done(eng_fo_run *r);

/* Runs the current group's before or after actions from r->action on, then goes on. */
static void run_actions(eng_fo_run *r)
{
    engine *e = r->e;
    size_t n;
    const drs_plan_action *acts = group_actions(r, &n);
    if (r->action >= n) {
        if (r->after)
            after_done(r);
        else
            before_done(r);
        return;
    }
    bool failed;
    int64_t t = action_ns(&acts[r->action], &failed);
    r->timer = e->pf.timer_at(e->pf.ctx, eng_now(e) + t, action_done, r);
}

static void after_done(eng_fo_run *r)
{
    r->group++;
    run_group(r);
}

static void group_vms_done(eng_fo_run *r)
{
    char step[64];
    snprintf(step, sizeof step, "Group %zu: failing over", r->group + 1);
    eng_job_step(r->e, r->job, step,
                 r->group_failed ? ENGINE_JOB_FAILED : ENGINE_JOB_SUCCEEDED);
    r->after = true;
    r->action = 0;
    run_actions(r);
}

static void before_done(eng_fo_run *r)
{
    engine *e = r->e;
    char step[64];
    snprintf(step, sizeof step, "Group %zu: failing over", r->group + 1);
    eng_job_step(e, r->job, step, ENGINE_JOB_IN_PROGRESS);
    size_t n;
    const int *vms = group_vms(e, &r->a, r->group, &n);
    r->starting = true;
    r->group_failed = false;
    for (size_t i = 0; i < n; i++) {
        eng_vm *v = &e->vms[vms[i]];
        if (v->fo_run != r) /* refused at the start, or its part already ended */
            continue;
        r->pending++;
        eng_fo_vm_begin(r, v);
    }
    r->starting = false;
    if (r->pending == 0)
        group_vms_done(r);
}

static void run_group(eng_fo_run *r)
{
    if (r->group >= r->group_count) {
        run_finish(r);
        return;
    }
    r->after = false;
    r->action = 0;
    run_actions(r);
}

void eng_fo_vm_done(eng_fo_run *r, eng_vm *v, bool ok, int64_t ended_ns, bool in_group)
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
        append(r->detail, sizeof r->detail, v->fo_detail);
    } else {
        r->vms_failed++;
        r->group_failed |= in_group;
        char text[200];
        snprintf(text, sizeof text, "%.40s did not %s: %.120s", v->desc->name,
                 r->kind == ENGINE_FO_TEST ? "start its test VM" : "fail over",
                 v->fo_detail[0] ? v->fo_detail : "refused");
        append(r->detail, sizeof r->detail, text);
    }
    if (!in_group || r->finished)
        return;
    if (r->pending > 0)
        r->pending--;
    if (!r->starting && r->pending == 0)
        group_vms_done(r);
}

/* The VMM servers the action needs: the recovery site's for a test or unplanned failover, both for
 * a planned failover or failback. */
static bool orchestration_ok(eng_fo_run *r, char *why, size_t n)
{
    engine *e = r->e;
    for (size_t g = 0; g < r->group_count; g++) {
        size_t count;
        const int *vms = group_vms(e, &r->a, g, &count);
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

/* The run's job fails its prerequisites check with why and nothing is touched; finding: why is
 * not yet a finding of its own. */
static uint64_t run_refuse(eng_fo_run *r, const char *why, bool finding)
{
    engine *e = r->e;
    if (finding)
        eng_fo_finding(e, r->vm, NULL, 0, "%s", why);
    append(r->detail, sizeof r->detail, why);
    eng_job_step(e, r->job, "Prerequisites check", ENGINE_JOB_FAILED);
    eng_job_end(e, r->job, ENGINE_JOB_FAILED, "%s", why);
    r->finished = true;
    if (r->plan >= 0 || r->vm < 0) {
        engine_failover_info fo = {.kind = r->kind,
                                   .plan = r->plan,
                                   .vm = -1,
                                   .started_ns = r->started_ns,
                                   .ended_ns = -1,
                                   .succeeded = false,
                                   .failure_ns = -1,
                                   .rp_captured_ns = -1,
                                   .data_loss_ns = -1,
                                   .detail = r->detail};
        record(e, &fo);
    }
    return r->job;
}

static uint64_t run_start(engine *e, const drs_action *a, engine_failover_kind kind)
{
    eng_fo_run *r = drs_xcalloc(1, sizeof *r);
    if (!r)
        return 0;
    r->e = e;
    r->next = e->runs;
    e->runs = r;
    r->kind = kind;
    r->a = *a;
    r->plan = a->plan;
    r->vm = a->vm;
    r->group_count = group_count(e, a);
    r->started_ns = eng_now(e);
    r->verified = true;
    r->failure_ns = r->rp_captured_ns = r->loss_ns = -1;
    const char *subject =
        r->plan >= 0 ? e->sc->recovery.plans[r->plan].name : e->sc->vms[r->vm].name;
    r->job = eng_job_begin(e, engine_operation_job(eng_fo_run_operation(r)), r->vm,
                           r->vm >= 0 ? e->vms[r->vm].pair : -1, -1, subject);
    char why[200];
    if (!orchestration_ok(r, why, sizeof why)) {
        if (r->plan < 0)
            record_refused(r, r->vm, why);
        return run_refuse(r, why, true);
    }
    bool planned = kind == ENGINE_FO_PLANNED || kind == ENGINE_FO_FAILBACK;
    /* Every VM against the table and the world, before anything is touched. */
    size_t refused = 0, total = 0;
    char reasons[256] = "";
    for (size_t g = 0; g < r->group_count; g++) {
        size_t n;
        const int *vms = group_vms(e, a, g, &n);
        total += n;
        for (size_t i = 0; i < n; i++) {
            eng_vm *v = &e->vms[vms[i]];
            const char *bad = eng_fo_vm_refusal(r, v, why, sizeof why);
            if (!bad)
                continue;
            refused++;
            append(reasons, sizeof reasons, bad);
            eng_fo_finding(e, v->index, NULL, 0, "%s", bad);
            record_refused(r, v->index, bad);
        }
    }
    /* A planned failover moves the whole plan or nothing; a run with no VM left is refused. */
    if (refused && (planned || refused == total)) {
        r->vms_failed = refused;
        return run_refuse(r, reasons, false);
    }
    for (size_t g = 0; g < r->group_count; g++) {
        size_t n;
        const int *vms = group_vms(e, a, g, &n);
        for (size_t i = 0; i < n; i++) {
            eng_vm *v = &e->vms[vms[i]];
            if (eng_fo_vm_refusal(r, v, why, sizeof why))
                continue;
            eng_fo_vm_claim(r, v);
        }
    }
    r->vms_failed = refused;
    if (refused) {
        append(r->detail, sizeof r->detail, reasons);
        eng_job_step(e, r->job, "Prerequisites check", ENGINE_JOB_FAILED);
    } else {
        eng_job_step(e, r->job, "Prerequisites check", ENGINE_JOB_SUCCEEDED);
    }
    uint64_t job = r->job;
    if (planned) {
        eng_job_step(e, r->job, "Shutting down the virtual machines", ENGINE_JOB_SUCCEEDED);
        for (size_t g = 0; g < r->group_count; g++) {
            size_t n;
            const int *vms = group_vms(e, a, g, &n);
            for (size_t i = 0; i < n; i++)
                if (e->vms[vms[i]].fo_run == r)
                    eng_fo_vm_prepare(r, &e->vms[vms[i]]);
        }
    }
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

/* An operation of one VM that is not a failover run (commit, cancel, reverse replication, cleanup,
 * resynchronization). */
static uint64_t vm_operation(engine *e, drs_action_do what, eng_vm *v)
{
    switch (what) {
    case DRS_DO_COMMIT:
        return eng_fo_commit(e, v);
    case DRS_DO_CANCEL_FAILOVER:
        return eng_fo_cancel(e, v);
    case DRS_DO_REVERSE_REPLICATION:
        return eng_fo_reverse(e, v);
    case DRS_DO_CLEANUP_TEST_FAILOVER:
        return eng_fo_cleanup(e, v);
    case DRS_DO_RESYNC:
        return eng_resync_operator(e, v);
    default:
        return 0;
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
    default:
        break;
    }
    if (drs_action_class_of(a->what) != DRS_CLASS_OPERATION)
        return 0;
    uint64_t first = 0;
    for (size_t g = 0; g < group_count(e, a); g++) {
        size_t n;
        const int *vms = group_vms(e, a, g, &n);
        for (size_t i = 0; i < n; i++) {
            uint64_t job = vm_operation(e, a->what, &e->vms[vms[i]]);
            if (!first)
                first = job;
        }
    }
    return first;
}
