/* engine/failover.c — failover of protected VMs: test, planned and unplanned failover, commit,
 * cancel, reverse replication and failback, and the undo journal that lets a replica go back to an
 * older recovery point.
 *
 * Every failover action runs as an eng_fo_run: one VM, or the ordered groups of a recovery plan
 * (see engine/recovery_plan.c for the sequencing). A VM goes through the states of FACTS
 * ("Failover"): replicating -> failover in progress -> failed over -> committed -> reverse
 * replicating -> protected the other way -> (failback) replicating again; a test failover is a side
 * state of a replicating VM that leaves replication alone. A transition the state does not allow
 * gives a failed job with its reason and a failover_finding event, so a rehearsal lists every step
 * that would fail.
 *
 * The data-loss proof: after choosing a point the replica is reverted (newest apply first) to it
 * and its digest must equal the primary digest recorded when the point was captured.
 *
 * Direction is data: reverse replication swaps the VM's source and target (sites, hosts, storage)
 * and tells the platform which copy is now the primary, then runs the ordinary resynchronization
 * and delta cycles of replication.c, resync.c and recovery_points.c the other way. A failback is a
 * planned failover in the reversed direction (the last changes go back, then the digests are
 * compared), after which the direction is swapped back and forward cycles resume. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failover_internal.h"
#include "engine/shared/alloc.h"

/* ---------------------------------------------------------------------------------------------- */
/* Undo journal                                                                                   */
/* ---------------------------------------------------------------------------------------------- */

static bool undo_wanted(const eng_vm *v)
{
    return v->settings.additional_recovery_points > 0 && v->e->pf.replica_revert && v->disks > 0;
}

uint64_t *eng_undo_slot(eng_vm *v)
{
    if (!undo_wanted(v))
        return NULL;
    if (v->undo_head + v->undo_count == v->undo_cap) {
        if (v->undo_head > 0 && v->undo_head >= v->undo_count) {
            /* At least half the room is before the head: move the records down, once per as
             * many applies as there are records. */
            memmove(v->undo, v->undo + v->undo_head, v->undo_count * sizeof *v->undo);
            memmove(v->undo_handles, v->undo_handles + v->undo_head * v->disks,
                    v->undo_count * v->disks * sizeof *v->undo_handles);
            v->undo_head = 0;
        } else {
            size_t cap = v->undo_cap ? v->undo_cap * 2 : 64;
            v->undo = drs_xrealloc(v->undo, cap, sizeof *v->undo);
            v->undo_handles =
                drs_xrealloc(v->undo_handles, cap * v->disks, sizeof *v->undo_handles);
            v->undo_cap = cap;
        }
    }
    uint64_t *h = &v->undo_handles[(v->undo_head + v->undo_count) * v->disks];
    memset(h, 0, v->disks * sizeof *h);
    return h;
}

void eng_undo_commit(eng_vm *v, uint64_t id, uint64_t log_bytes)
{
    size_t i = v->undo_head + v->undo_count++;
    v->undo[i] = (eng_undo){.id = id, .log_bytes = log_bytes};
    for (size_t k = 0; k < v->disks; k++)
        v->undo_held += v->undo_handles[i * v->disks + k] != 0;
}

static void forget_front(eng_vm *v, size_t n)
{
    engine *e = v->e;
    if (n == 0)
        return;
    /* Without held handles (fluid fidelity) the records are dropped unread. */
    for (size_t i = v->undo_head; v->undo_held > 0 && i < v->undo_head + n; i++)
        for (size_t k = 0; k < v->disks; k++) {
            uint64_t h = v->undo_handles[i * v->disks + k];
            if (!h)
                continue;
            v->undo_held--;
            if (e->pf.replica_forget)
                e->pf.replica_forget(e->pf.ctx, v->index, (int)k, h);
        }
    v->undo_count -= n;
    v->undo_head = v->undo_count ? v->undo_head + n : 0;
}

void eng_undo_trim(eng_vm *v)
{
    /* Nothing older than the oldest retained point (or, without one, than the latest) can be
     * chosen, so the applies up to it need no undo: memory stays bounded by the retention. */
    uint64_t keep_after = v->point_count ? v->oldest_point_id : (v->has_latest ? v->latest_id : 0);
    /* The same bound as last time: what it let go is gone, and every record since is newer (ids
     * only grow), so the journal (cold by the VM's next turn in a large fleet) is not read. */
    if (v->undo_trimmed && keep_after == v->undo_trimmed_to)
        return;
    v->undo_trimmed = true;
    v->undo_trimmed_to = keep_after;
    size_t n = 0;
    while (n < v->undo_count && v->undo[v->undo_head + n].id <= keep_after)
        n++;
    forget_front(v, n);
}

void eng_undo_forget_all(eng_vm *v)
{
    forget_front(v, v->undo_count);
}

size_t engine_vm_undo_records(const engine *e, int vm)
{
    return e->vms[vm].undo_count;
}

/* ---------------------------------------------------------------------------------------------- */
/* Outages                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

void eng_failover_init(engine *e)
{
    const drs_scenario *sc = e->sc;
    e->site_down_ns = drs_xcalloc(sc->site_count + 1, sizeof *e->site_down_ns);
    e->host_down_ns = drs_xcalloc(sc->site_count + 1, sizeof *e->host_down_ns);
    for (size_t s = 0; s < sc->site_count; s++) {
        e->site_down_ns[s] = -1;
        e->host_down_ns[s] = drs_xcalloc(sc->sites[s].host_count + 1, sizeof **e->host_down_ns);
        for (size_t h = 0; h < sc->sites[s].host_count; h++)
            e->host_down_ns[s][h] = -1;
    }
}

void eng_failover_free(engine *e)
{
    for (size_t i = 0; e->vms && i < e->sc->vm_count; i++) {
        eng_vm *v = &e->vms[i];
        eng_cancel_timer(e, &v->fo_timer);
        eng_cancel_timer(e, &v->test_timer);
        eng_cancel_transfer(e, &v->fo_transfer);
    }
    eng_fo_runs_free(e);
    for (size_t s = 0; e->host_down_ns && s < e->sc->site_count; s++)
        free(e->host_down_ns[s]);
    free(e->host_down_ns);
    free(e->site_down_ns);
}

/* v's primary host went down under it. A planned failover still sending the last changes cannot
 * finish; a VM that was running and replicating crashed, and its log, not closed cleanly, will need
 * a resynchronization when the host is back (Hyper-V Replica). */
static void primary_went_down(eng_vm *v)
{
    if (!v->protected_)
        return;
    if (v->fo_run && v->fo_sync) {
        char why[200];
        snprintf(why, sizeof why,
                 "the primary of %s went down during the last changes: use an unplanned failover",
                 v->desc->name);
        eng_fo_vm_give_up(v, why);
        return;
    }
    if (!v->fo_run && (v->state == ENGINE_VM_REPLICATING || v->state == ENGINE_VM_RESYNCING ||
                       v->state == ENGINE_VM_RESYNC_REQUIRED))
        v->crashed = true;
}

static void primary_came_back(eng_vm *v)
{
    engine *e = v->e;
    if (!v->crashed || !e->pf.site_up(e->pf.ctx, v->src_site) ||
        !e->pf.host_up(e->pf.ctx, v->src_site, v->src_host))
        return;
    v->crashed = false;
    if (v->fo_run || !v->protected_ ||
        (v->state != ENGINE_VM_REPLICATING && v->state != ENGINE_VM_RESYNCING &&
         v->state != ENGINE_VM_RESYNC_REQUIRED))
        return;
    char why[200];
    snprintf(why, sizeof why,
             "the primary host of %s went down with the VM running: its log was not closed cleanly",
             v->desc->name);
    eng_resync_require(v, why);
}

void engine_note_outage(engine *e, const drs_action *a)
{
    int64_t now = eng_now(e);
    switch (a->what) {
    case DRS_DO_SITE_DOWN:
        if (a->site >= 0 && e->site_down_ns[a->site] < 0)
            e->site_down_ns[a->site] = now;
        break;
    case DRS_DO_SITE_UP:
        if (a->site >= 0)
            e->site_down_ns[a->site] = -1;
        break;
    case DRS_DO_HOST_DOWN:
        if (a->host_site >= 0 && a->host >= 0 && e->host_down_ns[a->host_site][a->host] < 0)
            e->host_down_ns[a->host_site][a->host] = now;
        break;
    case DRS_DO_HOST_UP:
        if (a->host_site >= 0 && a->host >= 0)
            e->host_down_ns[a->host_site][a->host] = -1;
        break;
    default: /* only a site or host outage touches a primary */
        return;
    }
    for (size_t i = 0; i < e->sc->vm_count; i++) {
        eng_vm *v = &e->vms[i];
        bool site = (a->what == DRS_DO_SITE_DOWN || a->what == DRS_DO_SITE_UP) &&
                    v->src_site == a->site;
        bool host = (a->what == DRS_DO_HOST_DOWN || a->what == DRS_DO_HOST_UP) &&
                    v->src_site == a->host_site && v->src_host == a->host;
        if (!site && !host)
            continue;
        if (a->what == DRS_DO_SITE_DOWN || a->what == DRS_DO_HOST_DOWN)
            primary_went_down(v);
        else
            primary_came_back(v);
    }
}

/* When the primary of v was lost: the outage of its site or host if one is in force, else now (a
 * failover of a running primary loses what was written after the point, up to the failover). */
static int64_t primary_lost_ns(const eng_vm *v)
{
    engine *e = v->e;
    int64_t t = -1;
    if (!e->pf.site_up(e->pf.ctx, v->src_site) && e->site_down_ns[v->src_site] >= 0)
        t = e->site_down_ns[v->src_site];
    if (!e->pf.host_up(e->pf.ctx, v->src_site, v->src_host)) {
        int64_t h = e->host_down_ns[v->src_site][v->src_host];
        if (h >= 0 && (t < 0 || h < t))
            t = h;
    }
    return t >= 0 ? t : eng_now(e);
}

bool engine_vm_test_failover_active(const engine *e, int vm)
{
    return e->vms[vm].test_active;
}

/* ---------------------------------------------------------------------------------------------- */
/* Helpers                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

void eng_fo_finding(engine *e, int vm, char *detail, size_t n, const char *fmt, ...)
{
    char text[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    eng_event(e, ENGINE_EV_FAILOVER_FINDING, vm, vm >= 0 ? e->vms[vm].pair : -1, "%s", text);
    if (detail) {
        size_t used = strlen(detail);
        if (used + 3 < n)
            snprintf(detail + used, n - used, "%s%s", used ? "; " : "", text);
    }
}

static uint64_t replica_digest(const eng_vm *v)
{
    engine *e = v->e;
    uint64_t x = 0;
    for (size_t k = 0; k < v->disks; k++)
        x ^= e->pf.replica_digest(e->pf.ctx, v->index, (int)k);
    return x;
}

static uint64_t open_log_bytes(const eng_vm *v)
{
    engine *e = v->e;
    uint64_t x = 0;
    for (size_t k = 0; k < v->disks; k++)
        x += e->pf.log_bytes(e->pf.ctx, v->index, (int)k);
    return x;
}

/* Rule 11 at failover: a VM network without a mapping leaves the failed-over VM disconnected. */
static void check_networks(eng_fo_run *r, eng_vm *v)
{
    engine *e = v->e;
    int64_t now = eng_now(e);
    const drs_recovery *rc = &e->sc->recovery;
    for (size_t i = 0; i < v->desc->network_count; i++) {
        int net = v->desc->networks[i];
        bool mapped = false;
        for (size_t m = 0; m < rc->network_mapping_count && !mapped; m++) {
            const drs_mapping *mp = &rc->network_mappings[m];
            mapped = mp->source_site == v->src_site && mp->source == net && mp->target >= 0 &&
                     mp->target_site == v->tgt_site && mp->at_ns <= now;
        }
        if (!mapped)
            eng_fo_finding(e, v->index, v->fo_detail, sizeof v->fo_detail,
                           "network %s of %s is not mapped: the VM comes up disconnected",
                           e->sc->sites[v->src_site].networks[net].name, v->desc->name);
    }
    (void)r;
}

/* The point a failover of v uses, per the action's choice. */
typedef struct fo_point {
    bool found;
    uint64_t id;
    int64_t captured_ns;
    uint64_t digest;
} fo_point;

static fo_point choose_point(const eng_vm *v, drs_rp_kind rp, int64_t at_ns)
{
    fo_point latest = {v->has_latest, v->latest_id, v->latest_captured_ns, v->latest_digest};
    if (!v->has_latest)
        return latest;
    if (rp == DRS_RP_LATEST || rp == DRS_RP_LATEST_PROCESSED)
        return latest;
    if (rp == DRS_RP_LATEST_APP_CONSISTENT && v->latest_kind == ENGINE_RP_APP_CONSISTENT)
        return latest;
    if (rp == DRS_RP_AT && v->latest_captured_ns <= at_ns)
        return latest;
    for (size_t i = v->point_count; i-- > 0;) {
        const eng_point *p = &v->points[i];
        bool ok = rp == DRS_RP_LATEST_APP_CONSISTENT ? p->kind == ENGINE_RP_APP_CONSISTENT
                                                     : p->captured_ns <= at_ns;
        if (ok && p->id <= v->latest_id)
            return (fo_point){true, p->id, p->captured_ns, p->primary_digest};
    }
    return (fo_point){0};
}

static const char *rp_name(drs_rp_kind rp)
{
    switch (rp) {
    case DRS_RP_LATEST:
        return "latest";
    case DRS_RP_LATEST_APP_CONSISTENT:
        return "latest_app_consistent";
    case DRS_RP_LATEST_PROCESSED:
        return "latest_processed";
    case DRS_RP_AT:
        return "point in time";
    }
    return "?";
}

/* Whether the replica can be reverted to point id: every apply after it has its undo record. */
static bool reachable(const eng_vm *v, uint64_t id)
{
    if (id == v->latest_id)
        return true;
    if (!undo_wanted(v) || v->undo_count == 0)
        return false;
    /* The records must start right after the point: the first one newer than id is the oldest one
     * kept, and the oldest kept one follows the oldest retained point. */
    return v->undo[v->undo_head].id > id ? (v->point_count && v->points[0].id == id) : true;
}

/* ---------------------------------------------------------------------------------------------- */
/* Direction                                                                                      */
/* ---------------------------------------------------------------------------------------------- */

engine_vm_state eng_vm_shown_state(const eng_vm *v)
{
    if (v->rev_resync)
        return ENGINE_VM_REVERSE_REPLICATING;
    if (v->reversed && v->state == ENGINE_VM_REPLICATING)
        return ENGINE_VM_REVERSED;
    return v->state;
}

/* Takes bytes for the base of a replica of v on the classifications its primary copy uses (the
 * replica's side once the direction turns). False, nothing taken, when they do not fit. */
static bool reserve_base_at_primary(eng_vm *v)
{
    engine *e = v->e;
    for (size_t k = 0; k < v->disks; k++) {
        uint64_t b = v->desc->disks[k].used_bytes;
        if (b && (v->src_storage[k] < 0 ||
                  !e->pf.storage_reserve(e->pf.ctx, v->src_site, v->src_storage[k], b))) {
            for (size_t j = 0; j < k; j++)
                if (v->desc->disks[j].used_bytes)
                    e->pf.storage_release(e->pf.ctx, v->src_site, v->src_storage[j],
                                          v->desc->disks[j].used_bytes);
            return false;
        }
    }
    return true;
}

/* Turns v's replication around: the copy at the replica side becomes the primary copy and the old
 * primary copy the replica. Recovery history and undo records belong to the old replica and go
 * (keep_latest keeps the newest point, valid when both copies are equal); the replica storage moves
 * to the new replica side, whose base the caller reserved with reserve_base_at_primary (or not:
 * based = false). */
static void turn_around(eng_vm *v, bool based)
{
    engine *e = v->e;
    eng_undo_forget_all(v);
    eng_rp_commit(v);
    for (size_t k = 0; k < v->disks; k++) {
        if (v->disk_used[k])
            e->pf.storage_release(e->pf.ctx, v->tgt_site, v->disk_storage[k], v->disk_used[k]);
        v->disk_used[k] = 0;
    }
    eng_storage_report(v);
    int t = v->src_site;
    v->src_site = v->tgt_site;
    v->tgt_site = t;
    t = v->src_host;
    v->src_host = v->tgt_host;
    v->tgt_host = t;
    for (size_t k = 0; k < v->disks; k++) {
        t = v->src_storage[k];
        v->src_storage[k] = v->disk_storage[k];
        v->disk_storage[k] = t;
        v->disk_used[k] = based ? v->desc->disks[k].used_bytes : 0;
    }
    v->reversed = !v->reversed;
    e->pf.set_primary_copy(e->pf.ctx, v->index, v->src_site);
    eng_storage_report(v);
    /* The copy frequency follows the hosts that now replicate (rule 4: only when both run 2012 R2
     * does the pair's value apply); the health window is sized for it. */
    int64_t interval = rules_copy_frequency_between(e->sc, v->settings.copy_frequency_ns,
                                                    v->src_site, v->src_host, v->tgt_site,
                                                    v->tgt_host);
    if (interval != v->interval_ns) {
        v->interval_ns = interval;
        eng_health_init(v);
    }
}

/* Reverts the replica to point id, newest apply first; returns the log bytes reverted. */
static uint64_t revert_to(eng_vm *v, uint64_t id)
{
    engine *e = v->e;
    uint64_t bytes = 0;
    while (v->undo_count > 0 && v->undo[v->undo_head + v->undo_count - 1].id > id) {
        size_t i = v->undo_head + v->undo_count - 1;
        for (size_t k = v->disks; k-- > 0;) {
            uint64_t h = v->undo_handles[i * v->disks + k];
            if (h) {
                v->undo_held--;
                e->pf.replica_revert(e->pf.ctx, v->index, (int)k, h);
            }
        }
        bytes += v->undo[i].log_bytes;
        v->undo_count--;
    }
    if (v->undo_count == 0)
        v->undo_head = 0;
    return bytes;
}

/* ---------------------------------------------------------------------------------------------- */
/* One VM's failover                                                                              */
/* ---------------------------------------------------------------------------------------------- */

engine_operation eng_fo_run_operation(const eng_fo_run *r)
{
    switch (r->kind) {
    case ENGINE_FO_TEST:
        return ENGINE_OP_TEST_FAILOVER;
    case ENGINE_FO_PLANNED:
        return ENGINE_OP_PLANNED_FAILOVER;
    case ENGINE_FO_UNPLANNED:
        return ENGINE_OP_UNPLANNED_FAILOVER;
    case ENGINE_FO_FAILBACK:
        return ENGINE_OP_FAILBACK;
    }
    return ENGINE_OP_COUNT;
}

static bool up(const eng_vm *v, int site, int host)
{
    engine *e = v->e;
    return e->pf.site_up(e->pf.ctx, site) && e->pf.host_up(e->pf.ctx, site, host);
}

/* What the world must offer r's kind of failover of v beyond the operation table: a recovery point,
 * the side it starts at, and for a planned failover or failback the primary and a path for the last
 * changes. NULL when it does. */
static const char *world_refusal(const eng_fo_run *r, const eng_vm *v, char *why, size_t n)
{
    engine *e = v->e;
    const char *name = v->desc->name;
    bool back = r->kind == ENGINE_FO_FAILBACK;
    if (!v->has_latest) {
        snprintf(why, n, "%s has no recovery point yet (%s)", name,
                 engine_vm_state_name(eng_vm_shown_state(v)));
        return why;
    }
    if (!e->pf.site_up(e->pf.ctx, v->tgt_site)) {
        snprintf(why, n, back ? "the original site of %s (site %s) is down"
                              : "replica storage of %s is missing: site %s is down",
                 name, e->sc->sites[v->tgt_site].name);
        return why;
    }
    if (!e->pf.host_up(e->pf.ctx, v->tgt_site, v->tgt_host)) {
        snprintf(why, n, "%s of %s is missing: host %s is down",
                 back ? "the original copy" : "replica storage", name,
                 e->sc->sites[v->tgt_site].hosts[v->tgt_host].name);
        return why;
    }
    if (r->kind == ENGINE_FO_TEST || r->kind == ENGINE_FO_UNPLANNED) {
        fo_point p = choose_point(v, r->a.rp, r->a.rp_at_ns);
        if (!p.found || !reachable(v, p.id)) {
            snprintf(why, n, "%s has no %s recovery point%s", name, rp_name(r->a.rp),
                     p.found ? " it can still go back to" : "");
            return why;
        }
        return NULL;
    }
    if (!up(v, v->src_site, v->src_host)) {
        snprintf(why, n, "the primary of %s is down: a planned failover needs it (use an unplanned "
                         "one)",
                 name);
        return why;
    }
    bool link =
        e->pf.link_up ? e->pf.link_up(e->pf.ctx, v->src_site, v->tgt_site) : !v->err_transfer;
    if (!link || v->err_transfer || v->err_storage || v->retry_pending) {
        snprintf(why, n,
                 "the last changes of %s cannot reach the replica (link down or replication in "
                 "error)",
                 name);
        return why;
    }
    return NULL;
}

const char *eng_fo_vm_refusal(const eng_fo_run *r, const eng_vm *v, char *why, size_t n)
{
    const char *bad = eng_op_refusal(v, eng_fo_run_operation(r), r, why, n);
    return bad ? bad : world_refusal(r, v, why, n);
}

static void vm_booted(void *arg);

static void vm_boot(eng_vm *v)
{
    engine *e = v->e;
    int64_t b = v->desc->boot_time_ns > 0 ? v->desc->boot_time_ns : ENGINE_DEFAULT_BOOT_NS;
    v->fo_timer = e->pf.timer_at(e->pf.ctx, eng_now(e) + ENGINE_FAILOVER_PREP_NS + b, vm_booted, v);
}

/* Ends v's part in its run, with or without success, and records it. */
static void vm_end(eng_vm *v, bool ok, const char *why)
{
    eng_fo_run *r = v->fo_run;
    engine *e = v->e;
    assert(r);
    if (!r)
        return;
    bool in_group = v->fo_go;
    if (!ok && why)
        eng_fo_finding(e, v->index, v->fo_detail, sizeof v->fo_detail, "%s", why);
    if (!ok && v->fo_gap) /* it did not fail over: its RPO goes on from its newest point */
        eng_rp_rpo_resume(v);
    eng_cancel_timer(e, &v->fo_timer);
    v->fo_run = NULL;
    v->fo_go = v->fo_ready = v->fo_gap = v->fo_sync = v->fo_wait_apply = false;
    eng_fo_vm_done(r, v, ok, ok ? eng_now(e) : -1, in_group);
}

/* A part that cannot go on after it stopped v's replication: the primary runs again (once its host
 * is up) and replication resumes, after a resynchronization when the replica may differ from it. */
static void vm_back_to_primary(eng_vm *v, const char *why, bool resync)
{
    engine *e = v->e;
    eng_cancel_timer(e, &v->fo_timer);
    if (e->pf.vm_set_running)
        e->pf.vm_set_running(e->pf.ctx, v->index, v->src_site, v->src_host, true);
    v->state = ENGINE_VM_REPLICATING;
    v->fo_sync = v->fo_wait_apply = false;
    eng_cycles_start(v, false);
    eng_rp_start(v);
    if (resync)
        eng_resync_require(v, why);
    vm_end(v, false, why);
}

void eng_fo_vm_claim(eng_fo_run *r, eng_vm *v)
{
    v->fo_run = r;
    v->fo_detail[0] = '\0';
    v->fo_started_ns = eng_now(v->e);
    v->fo_failure_ns = v->fo_rp_captured_ns = v->fo_loss_ns = -1;
    v->fo_loss_bytes = v->fo_pending_bytes = 0;
    v->fo_verified = false;
    v->fo_go = v->fo_ready = v->fo_gap = v->fo_sync = v->fo_wait_apply = false;
}

void eng_fo_vm_give_up(eng_vm *v, const char *why)
{
    if (!v->fo_run)
        return;
    if (v->fo_gap)
        vm_back_to_primary(v, why, v->fo_sync || !v->fo_ready);
    else
        vm_end(v, false, why);
}

static void test_cleanup(void *arg)
{
    eng_vm *v = arg;
    v->test_timer = 0;
    eng_fo_cleanup(v->e, v);
}

uint64_t eng_fo_cleanup(engine *e, eng_vm *v)
{
    char why[200];
    const char *bad = eng_op_refusal(v, ENGINE_OP_CLEANUP_TEST_FAILOVER, NULL, why, sizeof why);
    if (bad)
        return eng_op_refuse(e, ENGINE_OP_CLEANUP_TEST_FAILOVER, v, bad);
    eng_cancel_timer(e, &v->test_timer);
    uint64_t job = eng_job_begin(e, engine_operation_job(ENGINE_OP_CLEANUP_TEST_FAILOVER),
                                 v->index, v->pair, v->tgt_site, v->desc->name);
    eng_job_step(e, job, "Deleting the test virtual machine", ENGINE_JOB_SUCCEEDED);
    eng_job_end(e, job, ENGINE_JOB_SUCCEEDED, "%s", "");
    v->test_active = false;
    return job;
}

static void vm_booted(void *arg)
{
    eng_vm *v = arg;
    engine *e = v->e;
    eng_fo_run *r = v->fo_run;
    v->fo_timer = 0;
    assert(r); /* a part's boot timer is cancelled when the part ends */
    if (!r)
        return;
    bool based = false;
    /* The VM starts on the side it fails over to: that host must still be there. */
    if (!up(v, v->tgt_site, v->tgt_host)) {
        char why[200];
        snprintf(why, sizeof why, "%s did not start: host %s went down while it booted",
                 v->desc->name, e->sc->sites[v->tgt_site].hosts[v->tgt_host].name);
        if (r->kind == ENGINE_FO_TEST) {
            v->test_active = false;
            vm_end(v, false, why);
        } else {
            vm_back_to_primary(v, why, true);
        }
        return;
    }
    switch (r->kind) {
    case ENGINE_FO_TEST: {
        /* An operator who forgets the cleanup has it done for them after two weeks. */
        int64_t after = r->a.cleanup_after_ns > 0 ? r->a.cleanup_after_ns
                                                  : ENGINE_TEST_FAILOVER_AUTO_COMPLETE_NS;
        int64_t at = v->fo_started_ns + after;
        if (at < eng_now(e))
            at = eng_now(e);
        v->test_timer = e->pf.timer_at(e->pf.ctx, at, test_cleanup, v);
        break;
    }
    case ENGINE_FO_PLANNED:
    case ENGINE_FO_UNPLANNED:
        if (e->pf.vm_set_running)
            e->pf.vm_set_running(e->pf.ctx, v->index, v->tgt_site, v->tgt_host, true);
        v->state = ENGINE_VM_FAILED_OVER;
        break;
    case ENGINE_FO_FAILBACK:
        /* The VM runs at its own site again and is protected toward the recovery site at once:
         * the final changes left both copies equal, so the point they made is the latest of the
         * forward direction too and no resynchronization is needed. */
        if (!reserve_base_at_primary(v))
            eng_event(e, ENGINE_EV_STORAGE_FULL, v->index, v->pair,
                      "replica storage of %s at site %s cannot take its base copy", v->desc->name,
                      e->sc->sites[v->src_site].name);
        else
            based = true;
        turn_around(v, based);
        for (size_t k = 0; k < v->disks; k++)
            e->pf.log_discard(e->pf.ctx, v->index, (int)k);
        if (e->pf.vm_set_running)
            e->pf.vm_set_running(e->pf.ctx, v->index, v->src_site, v->src_host, true);
        v->state = ENGINE_VM_REPLICATING;
        eng_cycles_start(v, false);
        eng_rp_start(v);
        eng_rp_rpo_resume(v);
        v->fo_gap = false;
        eng_health_applied(v);
        eng_health_eval(v);
        break;
    }
    vm_end(v, true, NULL);
}

static void unplanned_finish(eng_vm *v)
{
    engine *e = v->e;
    eng_fo_run *r = v->fo_run;
    fo_point p = choose_point(v, r->a.rp, r->a.rp_at_ns);
    if (!p.found || !reachable(v, p.id)) {
        /* Only "latest" waits for a payload, and "latest" always exists: checked at the start. */
        char why[200];
        snprintf(why, sizeof why, "%s has no %s recovery point%s", v->desc->name, rp_name(r->a.rp),
                 p.found ? " it can still go back to" : "");
        vm_back_to_primary(v, why, true);
        return;
    }
    uint64_t lost = revert_to(v, p.id) + v->fo_pending_bytes + open_log_bytes(v);
    eng_rp_truncate_after(v, p.id, p.captured_ns, p.digest);
    uint64_t got = replica_digest(v);
    v->fo_verified = got == p.digest;
    if (!v->fo_verified)
        eng_event(e, ENGINE_EV_DIGEST_MISMATCH, v->index, v->pair,
                  "%s: replica digest %016llx after failover, point digest %016llx", v->desc->name,
                  (unsigned long long)got, (unsigned long long)p.digest);
    v->fo_rp_captured_ns = p.captured_ns;
    v->fo_loss_ns = v->fo_failure_ns > p.captured_ns ? v->fo_failure_ns - p.captured_ns : 0;
    v->fo_loss_bytes = lost;
    vm_boot(v);
}

static void planned_synced(eng_vm *v)
{
    v->fo_rp_captured_ns = v->latest_captured_ns;
    v->fo_loss_ns = 0;
    v->fo_loss_bytes = open_log_bytes(v); /* the primary is off: nothing may have been written */
    v->fo_verified = replica_digest(v) == v->latest_digest && v->fo_loss_bytes == 0;
    v->fo_sync = false;
    v->fo_ready = true;
    if (v->fo_go)
        vm_boot(v);
}

void eng_failover_payload_done(eng_vm *v, bool ok, const char *why)
{
    bool sync = v->fo_sync;
    v->fo_wait_apply = false;
    if (!v->fo_run)
        return;
    if (ok) {
        if (sync)
            planned_synced(v);
        else
            unplanned_finish(v);
        return;
    }
    if (!sync) { /* the payload being applied could not be: fail over from what is there */
        for (size_t k = 0; k < v->disks; k++)
            v->fo_pending_bytes += v->cur[k].log_bytes;
        eng_cycles_abort(v);
        unplanned_finish(v);
        return;
    }
    /* The failover cannot complete: the primary comes back and replication starts over. */
    char reason[200];
    snprintf(reason, sizeof reason, "failover of %s: %s", v->desc->name, why);
    vm_back_to_primary(v, reason, true);
}

/* Stops replication of v for a failover (cycles, hourly marks, a pending resync); its RPO is
 * undefined from now until it is protected again. */
static void stop_replication(eng_vm *v)
{
    engine *e = v->e;
    eng_cancel_timer(e, &v->tick_timer);
    eng_rp_stop(v);
    eng_cancel_timer(e, &v->resync_timer);
    if (v->resync_job) {
        eng_job_end(e, v->resync_job, ENGINE_JOB_CANCELLED, "failover of %s", v->desc->name);
        v->resync_job = 0;
    }
    v->crashed = false;
    eng_rp_rpo_gap(v);
    v->fo_gap = true;
}

void eng_fo_vm_prepare(eng_fo_run *r, eng_vm *v)
{
    engine *e = v->e;
    if (!v->reversed) /* failing back returns the VM to its own networks */
        check_networks(r, v);
    v->fo_started_ns = v->fo_failure_ns = eng_now(e);
    stop_replication(v);
    v->state = ENGINE_VM_FAILOVER_IN_PROGRESS;
    if (e->pf.vm_set_running)
        e->pf.vm_set_running(e->pf.ctx, v->index, v->src_site, v->src_host, false);
    v->fo_sync = true;
    if (v->phase == ENG_PHASE_IDLE)
        eng_cycle_send(v, ENG_PAYLOAD_DELTA, false); /* the final changes */
    else
        v->send_pending = true; /* they go as soon as the payload in motion is applied */
}

/* Rehearsals belong on an isolated network: a test VM on a network production VMs use (one a
 * mapping sends failed-over VMs to, or one a VM of the recovery site runs on) would clash with them. */
static void check_test_network(eng_fo_run *r, eng_vm *v)
{
    engine *e = v->e;
    int site = r->a.network_site, net = r->a.network;
    if (net < 0 || site < 0)
        return;
    const drs_recovery *rc = &e->sc->recovery;
    bool production = false;
    for (size_t m = 0; m < rc->network_mapping_count && !production; m++)
        production = rc->network_mappings[m].target_site == site &&
                     rc->network_mappings[m].target == net;
    for (size_t i = 0; i < e->sc->vm_count && !production; i++)
        for (size_t k = 0; k < e->sc->vms[i].network_count && e->sc->vms[i].site == site; k++)
            production = production || e->sc->vms[i].networks[k] == net;
    if (production)
        eng_fo_finding(e, v->index, v->fo_detail, sizeof v->fo_detail,
                       "test VM of %s joins production network %s: a test failover belongs on an "
                       "isolated network",
                       v->desc->name, e->sc->sites[site].networks[net].name);
}

void eng_fo_vm_begin(eng_fo_run *r, eng_vm *v)
{
    engine *e = v->e;
    char why[200];
    v->fo_go = true;
    if (r->kind == ENGINE_FO_PLANNED || r->kind == ENGINE_FO_FAILBACK) {
        if (v->fo_ready)
            vm_boot(v);
        return; /* otherwise it boots when its final changes are applied */
    }
    /* The world may have changed since the run started (an earlier group takes its time). */
    const char *bad = eng_fo_vm_refusal(r, v, why, sizeof why);
    if (bad) {
        vm_end(v, false, bad);
        return;
    }
    v->fo_started_ns = eng_now(e);
    if (r->kind == ENGINE_FO_TEST) {
        fo_point p = choose_point(v, r->a.rp, r->a.rp_at_ns);
        check_test_network(r, v);
        v->test_active = true;
        v->fo_rp_captured_ns = p.captured_ns;
        v->fo_failure_ns = v->fo_started_ns;
        v->fo_loss_ns = v->fo_started_ns - p.captured_ns;
        v->fo_loss_bytes = 0;
        /* The test VM is made from the point without touching the replica: the newest point is
         * checked against the replica as it stands; an older one would need the live replica
         * reverted, which a test must not do. */
        if (p.id == v->latest_id)
            v->fo_verified = replica_digest(v) == p.digest;
        else
            eng_fo_finding(e, v->index, v->fo_detail, sizeof v->fo_detail,
                           "test VM of %s from an older point: its content is not checked",
                           v->desc->name);
        vm_boot(v);
        return;
    }
    /* Unplanned: a disaster ends any rehearsal of the VM (its test VM goes). */
    if (v->test_active) {
        eng_cancel_timer(e, &v->test_timer);
        v->test_active = false;
        char step[160];
        snprintf(step, sizeof step, "Deleting the test virtual machine of %s", v->desc->name);
        eng_job_step(e, r->job, step, ENGINE_JOB_SUCCEEDED);
    }
    if (!v->reversed) /* failing back returns the VM to its own networks */
        check_networks(r, v);
    stop_replication(v);
    v->state = ENGINE_VM_FAILOVER_IN_PROGRESS;
    v->fo_failure_ns = primary_lost_ns(v);
    /* The primary is shut down (or, on a host that is down, kept off when it returns), so two
     * copies never run at once. */
    if (e->pf.vm_set_running)
        e->pf.vm_set_running(e->pf.ctx, v->index, v->src_site, v->src_host, false);
    if (r->a.rp == DRS_RP_LATEST && v->phase == ENG_PHASE_APPLYING &&
        v->payload == ENG_PAYLOAD_DELTA) {
        /* "latest" processes what already reached the recovery site first. */
        v->send_pending = v->retry_pending = false;
        v->fo_wait_apply = true;
        return;
    }
    if (v->phase != ENG_PHASE_IDLE && v->payload == ENG_PAYLOAD_DELTA)
        for (size_t k = 0; k < v->disks; k++)
            v->fo_pending_bytes += v->cur[k].log_bytes;
    eng_cycles_abort(v);
    unplanned_finish(v);
}

/* ---------------------------------------------------------------------------------------------- */
/* Commit, cancel, reverse replication                                                            */
/* ---------------------------------------------------------------------------------------------- */

uint64_t eng_fo_commit(engine *e, eng_vm *v)
{
    char why[200];
    const char *bad = eng_op_refusal(v, ENGINE_OP_COMMIT, NULL, why, sizeof why);
    if (bad)
        return eng_op_refuse(e, ENGINE_OP_COMMIT, v, bad);
    uint64_t job = eng_job_begin(e, engine_operation_job(ENGINE_OP_COMMIT), v->index, v->pair,
                                 v->tgt_site, v->desc->name);
    eng_undo_forget_all(v);
    eng_rp_commit(v);
    v->state = ENGINE_VM_FAILOVER_COMMITTED;
    eng_job_step(e, job, "Merging the other recovery points", ENGINE_JOB_SUCCEEDED);
    eng_job_end(e, job, ENGINE_JOB_SUCCEEDED, "%s", "");
    return job;
}

uint64_t eng_fo_cancel(engine *e, eng_vm *v)
{
    char why[200];
    const char *bad = eng_op_refusal(v, ENGINE_OP_CANCEL_FAILOVER, NULL, why, sizeof why);
    if (bad)
        return eng_op_refuse(e, ENGINE_OP_CANCEL_FAILOVER, v, bad);
    uint64_t job = eng_job_begin(e, engine_operation_job(ENGINE_OP_CANCEL_FAILOVER), v->index,
                                 v->pair, v->tgt_site, v->desc->name);
    if (e->pf.vm_set_running) { /* the primary runs again (once its site is back, if down) */
        e->pf.vm_set_running(e->pf.ctx, v->index, v->tgt_site, v->tgt_host, false);
        e->pf.vm_set_running(e->pf.ctx, v->index, v->src_site, v->src_host, true);
    }
    eng_job_step(e, job, "Returning the virtual machine to replica", ENGINE_JOB_SUCCEEDED);
    /* The recovered VM wrote into the replica copy since it booted, so no recovery point describes
     * that copy any more, while the primary kept (or will keep) its later writes: the points go
     * and replication continues after a resynchronization, whose point is the first usable one. */
    eng_undo_forget_all(v);
    eng_rp_drop_all(v);
    v->state = ENGINE_VM_REPLICATING;
    eng_cycles_start(v, false);
    eng_rp_start(v);
    eng_resync_require(v, "failover cancelled: the replica and the primary differ");
    eng_job_end(e, job, ENGINE_JOB_SUCCEEDED, "%s", "");
    return job;
}

/* Reverse replication: the recovered VM is the primary from now on and replicates back to the old
 * primary with the same delta cycles, recovery points and health as the forward direction. The two
 * copies diverged (the old primary kept writes the failover lost, the new one has written since),
 * so it starts with a resynchronization that sends only the extents that differ, or everything when
 * the old copy holds nothing. The job ends when that resynchronization is applied. */
uint64_t eng_fo_reverse(engine *e, eng_vm *v)
{
    char why[200];
    const engine_operation op = ENGINE_OP_REVERSE_REPLICATION;
    const char *bad = eng_op_refusal(v, op, NULL, why, sizeof why);
    if (bad)
        return eng_op_refuse(e, op, v, bad);
    if (!e->pf.site_up(e->pf.ctx, v->src_site) ||
        !e->pf.host_up(e->pf.ctx, v->src_site, v->src_host)) {
        snprintf(why, sizeof why, "the old primary of %s (site %s) is down", v->desc->name,
                 e->sc->sites[v->src_site].name);
        return eng_op_refuse(e, op, v, why);
    }
    if (!e->pf.vmm_online(e->pf.ctx, v->tgt_site) || !e->pf.vmm_online(e->pf.ctx, v->src_site)) {
        snprintf(why, sizeof why, "a VMM server of %s cannot reach the vault", v->desc->name);
        return eng_op_refuse(e, op, v, why);
    }
    if (!e->pf.set_primary_copy) {
        snprintf(why, sizeof why, "replication of %s cannot change direction here", v->desc->name);
        return eng_op_refuse(e, op, v, why);
    }
    if (!reserve_base_at_primary(v)) {
        snprintf(why, sizeof why, "storage of the old primary of %s cannot hold its replica",
                 v->desc->name);
        return eng_op_refuse(e, op, v, why);
    }
    uint64_t job = eng_job_begin(e, engine_operation_job(op), v->index, v->pair, v->tgt_site,
                                 v->desc->name);
    if (v->state == ENGINE_VM_FAILED_OVER) /* reversing completes the failover */
        eng_job_step(e, job, "Committing the failover", ENGINE_JOB_SUCCEEDED);
    /* Nothing the old replica held is a recovery point of the new direction. */
    eng_undo_forget_all(v);
    eng_rp_drop_all(v);
    turn_around(v, true);
    eng_job_step(e, job, "Reversing the replication direction", ENGINE_JOB_SUCCEEDED);
    eng_job_step(e, job, "Resynchronizing the old primary", ENGINE_JOB_IN_PROGRESS);
    v->fo_job = job;
    v->rev_resync = true;
    v->err_transfer = v->err_storage = false;
    v->state = ENGINE_VM_REPLICATING;
    eng_cycles_start(v, false);
    eng_rp_start(v);
    eng_resync_start_now(v);
    return job;
}

void eng_failover_resync_done(eng_vm *v)
{
    if (!v->rev_resync)
        return;
    v->rev_resync = false;
    if (v->fo_job) {
        eng_job_step(v->e, v->fo_job, "Resynchronizing the old primary", ENGINE_JOB_SUCCEEDED);
        eng_job_end(v->e, v->fo_job, ENGINE_JOB_SUCCEEDED, "%s", "");
        v->fo_job = 0;
    }
}

void eng_failover_abandon(eng_vm *v, const char *why)
{
    engine *e = v->e;
    eng_cancel_timer(e, &v->fo_timer);
    eng_cancel_timer(e, &v->test_timer);
    eng_cancel_transfer(e, &v->fo_transfer);
    v->test_active = v->fo_sync = v->fo_wait_apply = v->rev_resync = false;
    if (v->fo_job) {
        eng_job_end(e, v->fo_job, ENGINE_JOB_CANCELLED, "%s", why);
        v->fo_job = 0;
    }
    if (v->fo_run)
        vm_end(v, false, why);
}
