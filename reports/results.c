/* reports/results.c — the run's results in memory: what the engine recorded, folded into per-VM,
 * per-link, per-classification and per-plan aggregates, and streamed into the database as it comes.
 *
 * Memory stays bounded by what a report needs: RPO breakpoints (16 bytes per applied point, needed
 * for exact statistics), jobs, failovers, link samples, and the recovery points currently retained.
 * Events and the full recovery-point history go to the database only; here they are counted. */
#include "reports_internal.h"
#include "engine/shared/alloc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Names are never NULL in the results: a missing one is "". */
static char *dup_str(const char *s)
{
    return drs_xstrdup(s ? s : "");
}

/* The link between the VM's site and the target site of the cloud pair its host's cloud belongs to.
 */
static int vm_link(const drs_scenario *sc, const drs_vm *vm)
{
    if (vm->site < 0 || (size_t)vm->site >= sc->site_count)
        return -1;
    const drs_site *site = &sc->sites[vm->site];
    if (vm->host < 0 || (size_t)vm->host >= site->host_count)
        return -1;
    int cloud = site->hosts[vm->host].cloud;
    int target = -1;
    for (size_t i = 0; i < sc->recovery.cloud_pair_count; i++) {
        const drs_cloud_pair *p = &sc->recovery.cloud_pairs[i];
        if (p->primary_site == vm->site && p->primary_cloud == cloud)
            target = p->target_site;
    }
    if (target < 0)
        return -1;
    for (size_t i = 0; i < sc->link_count; i++) {
        const drs_link *l = &sc->links[i];
        if ((l->site_a == vm->site && l->site_b == target) ||
            (l->site_b == vm->site && l->site_a == target))
            return (int)i;
    }
    return -1;
}

report_results *report_results_alloc(size_t vms, size_t links, size_t classes, size_t plans)
{
    report_results *r = drs_xcalloc(1, sizeof *r);
    r->end_ns = -1;
    r->vm_count = vms;
    r->link_count = links;
    r->plan_count = plans;
    size_t slots = (r->vm_count + 1) * ENGINE_EV_COUNT;
    r->vms = drs_xcalloc(r->vm_count ? r->vm_count : 1, sizeof *r->vms);
    r->vst = drs_xcalloc(r->vm_count ? r->vm_count : 1, sizeof *r->vst);
    r->links = drs_xcalloc(r->link_count ? r->link_count : 1, sizeof *r->links);
    r->lst = drs_xcalloc(r->link_count ? r->link_count : 1, sizeof *r->lst);
    r->plan_names = drs_xcalloc(r->plan_count ? r->plan_count : 1, sizeof *r->plan_names);
    r->ev_count = drs_xcalloc(slots, sizeof *r->ev_count);
    r->ev_first = drs_xmalloc(slots * sizeof *r->ev_first);
    r->classes = drs_xcalloc(classes ? classes : 1, sizeof *r->classes);
    r->class_level_ns = drs_xcalloc(classes ? classes : 1, sizeof *r->class_level_ns);
    for (size_t i = 0; i < slots; i++)
        r->ev_first[i] = -1;
    for (size_t i = 0; i < r->vm_count; i++) {
        report_vm_stats *v = &r->vms[i];
        v->link = -1;
        v->ir_requested_ns = v->ir_start_ns = v->ir_end_ns = -1;
        v->rp_newest_applied_capture_ns = -1;
        for (int h = 0; h < 4; h++)
            v->health_first_ns[h] = -1;
        v->health = v->worst_health = ENGINE_HEALTH_NONE;
        v->health_first_ns[ENGINE_HEALTH_NONE] = 0;
    }
    return r;
}

report_results *report_results_new(const drs_scenario *sc)
{
    size_t total_storage = 0;
    for (size_t s = 0; s < sc->site_count; s++)
        total_storage += sc->sites[s].storage_count;
    report_results *r =
        report_results_alloc(sc->vm_count, sc->link_count, total_storage, sc->recovery.plan_count);
    r->seed = sc->seed;
    r->scenario_name = dup_str(sc->name);
    r->site_count = sc->site_count;
    r->class_of = drs_xcalloc(r->site_count ? r->site_count : 1, sizeof *r->class_of);
    r->storage_count = drs_xcalloc(r->site_count ? r->site_count : 1, sizeof *r->storage_count);
    for (size_t i = 0; i < r->vm_count; i++) {
        report_vm_stats *v = &r->vms[i];
        v->name = dup_str(sc->vms[i].name);
        v->link = vm_link(sc, &sc->vms[i]);
    }
    for (size_t i = 0; i < r->link_count; i++)
        r->links[i].name = dup_str(sc->links[i].name);
    for (size_t i = 0; i < r->plan_count; i++)
        r->plan_names[i] = dup_str(sc->recovery.plans[i].name);
    r->stor = drs_xcalloc(total_storage ? total_storage : 1, sizeof *r->stor);
    for (size_t s = 0; s < sc->site_count; s++)
        for (size_t k = 0; k < sc->sites[s].storage_count; k++) {
            storage_state *st = &r->stor[r->stor_count++];
            const drs_storage *d = &sc->sites[s].storage[k];
            st->info.site = dup_str(sc->sites[s].name);
            st->info.classification = dup_str(d->classification ? d->classification : "");
            st->info.capacity_bytes = d->capacity_bytes;
        }
    /* Classifications by name: the same name at two sites is one classification. */
    for (size_t s = 0; s < sc->site_count; s++) {
        const drs_site *site = &sc->sites[s];
        r->storage_count[s] = site->storage_count;
        r->class_of[s] = drs_xcalloc(site->storage_count ? site->storage_count : 1, sizeof(int));
        for (size_t k = 0; k < site->storage_count; k++) {
            const char *name =
                site->storage[k].classification ? site->storage[k].classification : "";
            size_t c = 0;
            while (c < r->class_count && strcmp(r->classes[c].name, name) != 0)
                c++;
            if (c == r->class_count) {
                r->classes[c].name = dup_str(name);
                r->class_count++;
            }
            r->class_of[s][k] = (int)c;
        }
    }
    return r;
}

static void job_free(report_job *j)
{
    free(j->name);
    free(j->subject);
    free(j->reason);
    for (size_t s = 0; s < j->step_count; s++)
        free(j->steps[s].name);
    free(j->steps);
}

void report_results_free(report_results *r)
{
    if (!r)
        return;
    free(r->scenario_name);
    if (r->vms)
        for (size_t i = 0; i < r->vm_count; i++)
            free((char *)r->vms[i].name);
    if (r->vst)
        for (size_t i = 0; i < r->vm_count; i++) {
            free(r->vst[i].rpo);
            free(r->vst[i].live);
            free(r->vst[i].live_id);
            free(r->vst[i].store);
            free(r->vst[i].stor);
        }
    if (r->links)
        for (size_t i = 0; i < r->link_count; i++)
            free((char *)r->links[i].name);
    if (r->lst)
        for (size_t i = 0; i < r->link_count; i++)
            free(r->lst[i].samples);
    if (r->plan_names)
        for (size_t i = 0; i < r->plan_count; i++)
            free(r->plan_names[i]);
    if (r->classes)
        for (size_t i = 0; i < r->class_count; i++)
            free((char *)r->classes[i].name);
    if (r->class_of)
        for (size_t s = 0; s < r->site_count; s++)
            free(r->class_of[s]);
    for (size_t i = 0; r->stor && i < r->stor_count; i++) {
        free((char *)r->stor[i].info.site);
        free((char *)r->stor[i].info.classification);
        free(r->stor[i].samples);
    }
    free(r->stor);
    for (size_t i = 0; i < r->job_count; i++)
        job_free(&r->jobs[i]);
    free(r->jobs);
    free(r->failovers);
    free(r->fo_findings);
    drs_diags_clear(&r->diags);
    free(r->expects);
    free(r->vms);
    free(r->vst);
    free(r->links);
    free(r->lst);
    free(r->plan_names);
    free(r->classes);
    free(r->class_level_ns);
    free(r->class_of);
    free(r->storage_count);
    free(r->ev_count);
    free(r->ev_first);
    free(r);
}

/* ---- recording (the engine's callbacks)
 * ---------------------------------------------------------- */

static bool vm_ok(const report_results *r, int vm)
{
    return vm >= 0 && (size_t)vm < r->vm_count;
}

static const char *vm_name(const report_results *r, int vm)
{
    return vm_ok(r, vm) ? r->vms[vm].name : NULL;
}

/* Jobs are recorded as they start, and the engine numbers them in that order, so their ids
 * ascend: a binary search (a fleet has thousands of jobs open at once). */
static report_job *job_find(report_results *r, uint64_t id)
{
    size_t lo = 0, hi = r->job_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->jobs[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->job_count && r->jobs[lo].id == id ? &r->jobs[lo] : NULL;
}

static void rec_job_started(void *ctx, const engine_job_info *job, int64_t at_ns)
{
    report_results *r = ctx;
    assert(!r->finished);
    assert(r->job_count == 0 || job->id > r->jobs[r->job_count - 1].id);
    DRS_GROW(r->jobs, r->job_cap, r->job_count + 1);
    report_job *j = &r->jobs[r->job_count++];
    memset(j, 0, sizeof *j);
    j->id = job->id;
    j->name = dup_str(job->name);
    j->subject = dup_str(job->subject);
    j->reason = dup_str("");
    j->vm = job->vm;
    j->pair = job->pair;
    j->site = job->site;
    j->state = ENGINE_JOB_IN_PROGRESS;
    j->started_ns = at_ns;
    j->ended_ns = -1;
    if (r->db)
        r->sink->job(r->db, r->job_count - 1, j, vm_name(r, j->vm));
}

static void rec_job_step(void *ctx, uint64_t job_id, const char *step, engine_job_state state,
                         int64_t at_ns)
{
    report_results *r = ctx;
    assert(!r->finished);
    report_job *j = job_find(r, job_id);
    if (!j)
        return; /* a step of a job never started: nothing to attach it to */
    DRS_GROW(j->steps, j->step_cap, j->step_count + 1);
    report_job_step *st = &j->steps[j->step_count++];
    st->name = dup_str(step);
    st->state = state;
    st->at_ns = at_ns;
    if (r->db)
        r->sink->job_step(r->db, job_id, j->step_count - 1, st);
}

static void rec_job_ended(void *ctx, uint64_t job_id, engine_job_state state, const char *reason,
                          int64_t at_ns)
{
    report_results *r = ctx;
    assert(!r->finished);
    report_job *j = job_find(r, job_id);
    if (!j)
        return;
    j->state = state;
    j->ended_ns = at_ns;
    free(j->reason);
    j->reason = dup_str(reason);
    if (r->db)
        r->sink->job(r->db, (size_t)(j - r->jobs), j, vm_name(r, j->vm));
}

static void health_set(report_results *r, int vm, engine_health h, int64_t at_ns)
{
    if (!vm_ok(r, vm) || h < ENGINE_HEALTH_NONE || h > ENGINE_HEALTH_CRITICAL)
        return;
    report_vm_stats *v = &r->vms[vm];
    if (v->health == h)
        return; /* the same change arrives as a callback and as an event */
    v->health = h;
    if (h > v->worst_health)
        v->worst_health = h;
    if (v->health_first_ns[h] < 0)
        v->health_first_ns[h] = at_ns;
}

/* Findings are few (one per failing step of a failover) and the summary lists them: kept whole. */
static void results_add_fo_finding(report_results *r, int64_t at_ns, int vm, const char *text)
{
    DRS_GROW(r->fo_findings, r->fo_finding_cap, r->fo_finding_count + 1);
    report_fo_finding *f = &r->fo_findings[r->fo_finding_count++];
    f->at_ns = at_ns;
    f->vm = vm_ok(r, vm) ? vm : -1;
    f->failover = -1;
    snprintf(f->text, sizeof f->text, "%s", text ? text : "");
}

static void rec_event(void *ctx, const engine_event_info *ev)
{
    report_results *r = ctx;
    assert(!r->finished);
    if (ev->kind < 0 || ev->kind >= ENGINE_EV_COUNT)
        return;
    size_t slot =
        (size_t)ev->kind * (r->vm_count + 1) + (vm_ok(r, ev->vm) ? (size_t)ev->vm + 1 : 0);
    r->ev_count[slot]++;
    if (r->ev_first[slot] < 0)
        r->ev_first[slot] = ev->at_ns;
    r->ev_total++;
    if (vm_ok(r, ev->vm)) {
        report_vm_stats *v = &r->vms[ev->vm];
        switch (ev->kind) {
        case ENGINE_EV_MISSED_CYCLE:
            v->cycles_missed++;
            break;
        case ENGINE_EV_RESYNC_REQUIRED:
            v->resyncs_required++;
            break;
        case ENGINE_EV_RESYNC_STARTED:
            v->resyncs_started++;
            break;
        case ENGINE_EV_RESYNC_COMPLETED:
            v->resyncs_completed++;
            break;
        case ENGINE_EV_HEALTH_CHANGED:
            health_set(r, ev->vm, (engine_health)ev->new_value, ev->at_ns);
            break;
        default:
            break;
        }
    }
    if (ev->kind == ENGINE_EV_FAILOVER_FINDING)
        results_add_fo_finding(r, ev->at_ns, ev->vm, ev->detail);
    if (r->db)
        r->sink->event(r->db, r->ev_total, ev, vm_name(r, ev->vm));
}

/* Maxima of levels are taken between instants, never within one: the engine reports the changes
 * of one instant one callback at a time (a new point, then the oldest pruned; storage grown by the
 * point, then shrunk by the merge), and the states in between never lasted any time. So before a
 * change at at_ns, the level the previous instant left (which held until at_ns) enters the
 * maximum; the last level enters at the end of the run (results_levels_final). */
static void vm_levels_at(report_results *r, size_t vm, int64_t at_ns)
{
    vm_state *s = &r->vst[vm];
    if (at_ns <= s->level_ns)
        return;
    report_vm_stats *v = &r->vms[vm];
    if (v->rp_additional_now > v->rp_additional_max)
        v->rp_additional_max = v->rp_additional_now;
    if (v->replica_storage_bytes > v->replica_storage_peak_bytes)
        v->replica_storage_peak_bytes = v->replica_storage_bytes;
    s->level_ns = at_ns;
}

static void class_level_at(report_results *r, int c, int64_t at_ns)
{
    if (at_ns <= r->class_level_ns[c])
        return;
    report_class_stats *cl = &r->classes[c];
    if (cl->used_bytes > cl->peak_bytes)
        cl->peak_bytes = cl->used_bytes;
    r->class_level_ns[c] = at_ns;
}

static void results_levels_final(report_results *r)
{
    for (size_t i = 0; i < r->vm_count; i++)
        vm_levels_at(r, i, INT64_MAX);
    for (size_t c = 0; c < r->class_count; c++)
        class_level_at(r, (int)c, INT64_MAX);
}

/* The live point with this id, or NULL. A cycle creates a point, applies it and prunes the one
 * before, all near the end of the array, so the scan starts there; a new id is recognised without
 * one (the per-VM array is cold by the time the VM's next cycle comes round). */
static live_rp *live_find(vm_state *s, uint64_t id)
{
    if (id > s->live_max_id)
        return NULL;
    for (size_t i = s->live_n; i-- > 0;)
        if (s->live_id[i] == id)
            return &s->live[i];
    return NULL;
}

static bool live_is_latest(const live_rp *p)
{
    return p->applied && p->kind == ENGINE_RP_LATEST;
}

static bool rp_additional(engine_rp_kind k)
{
    return k == ENGINE_RP_HOURLY || k == ENGINE_RP_APP_CONSISTENT;
}

static void rp_mark_applied(report_vm_stats *v, live_rp *p, const engine_rp_info *rp)
{
    if (p->applied)
        return;
    p->applied = true;
    v->rp_applied++;
    if (rp_additional(p->kind))
        v->rp_additional_now++; /* its maximum: see vm_levels_at */
    if (p->kind == ENGINE_RP_APP_CONSISTENT)
        v->rp_app_consistent_now++;
    if (p->kind == ENGINE_RP_LATEST)
        v->rp_latest_now = true;
    if (rp->captured_ns > v->rp_newest_applied_capture_ns)
        v->rp_newest_applied_capture_ns = rp->captured_ns;
}

static live_rp *live_add(vm_state *s, const engine_rp_info *rp)
{
    DRS_GROW(s->live, s->live_cap, s->live_n + 1);
    DRS_GROW(s->live_id, s->live_id_cap, s->live_n + 1);
    s->live_id[s->live_n] = rp->id;
    live_rp *p = &s->live[s->live_n++];
    if (rp->id > s->live_max_id)
        s->live_max_id = rp->id;
    *p = (live_rp){.id = rp->id,
                   .kind = rp->kind,
                   .captured_ns = rp->captured_ns,
                   .created_ns = -1,
                   .applied_ns = -1,
                   .bytes = rp->bytes,
                   .digest = rp->primary_digest};
    return p;
}

/* Writes the row of a point worth keeping (see report_results_attach_db) once, when it is pruned
 * or at the end (pruned_ns -1: still retained): a row per point and no updates. */
static void rp_store(report_results *r, size_t vm, live_rp *p, int64_t pruned_ns)
{
    if (p->stored)
        return;
    p->stored = true;
    r->rp_rows++;
    if (r->db)
        r->sink->rp_row(r->db, (int)vm, p, pruned_ns);
}

static void rec_recovery_point(void *ctx, engine_rp_change change, const engine_rp_info *rp,
                               int64_t at_ns)
{
    report_results *r = ctx;
    assert(!r->finished);
    if (!vm_ok(r, rp->vm))
        return;
    vm_levels_at(r, (size_t)rp->vm, at_ns);
    report_vm_stats *v = &r->vms[rp->vm];
    vm_state *s = &r->vst[rp->vm];
    live_rp *p = live_find(s, rp->id);
    switch (change) {
    case ENGINE_RP_CREATED:
        if (!p) {
            p = live_add(s, rp);
            p->created_ns = at_ns;
            v->rp_created++;
            if (rp->kind == ENGINE_RP_APP_CONSISTENT)
                v->rp_app_consistent_created++;
        }
        break;
    case ENGINE_RP_APPLIED:
        if (!p)
            p = live_add(s, rp);
        s->live_latest -= live_is_latest(p);
        p->kind = rp->kind; /* a latest point may be kept on as an hourly one */
        p->bytes = rp->bytes;
        if (!p->applied)
            p->applied_ns = at_ns;
        rp_mark_applied(v, p, rp);
        s->live_latest += live_is_latest(p);
        if (rp_additional(p->kind))
            p->worth = true;
        break;
    case ENGINE_RP_PRUNED:
        if (p) {
            if (p->applied) {
                if (rp_additional(p->kind))
                    v->rp_additional_now--;
                if (p->kind == ENGINE_RP_APP_CONSISTENT)
                    v->rp_app_consistent_now--;
            }
            if (p->worth || p->keep || rp_additional(rp->kind))
                rp_store(r, (size_t)rp->vm, p, at_ns);
            s->live_latest -= live_is_latest(p);
            s->live_id[p - s->live] = s->live_id[s->live_n - 1];
            *p = s->live[--s->live_n];
            v->rp_latest_now = s->live_latest > 0;
        }
        v->rp_pruned++;
        break;
    }
}

static void rec_cycle(void *ctx, const engine_cycle_info *cy)
{
    report_results *r = ctx;
    assert(!r->finished);
    if (!vm_ok(r, cy->vm))
        return;
    report_vm_stats *v = &r->vms[cy->vm];
    v->cycles_completed++;
    v->cycle_raw_bytes += cy->raw_bytes;
    v->cycle_wire_bytes += cy->wire_bytes;
    v->raw_bytes += cy->raw_bytes;
    v->wire_bytes += cy->wire_bytes;
    v->cpu_seconds += cy->cpu_seconds;
    if (v->link >= 0) {
        r->links[v->link].raw_bytes += cy->raw_bytes;
        r->links[v->link].wire_bytes += cy->wire_bytes;
    }
}

/* RPO breakpoints go to the database in rows of RPO_CHUNK, cut at fixed places so that two runs of
 * one scenario write identical rows; the last, shorter row at the end of the run. A chunk is
 * written once a breakpoint after it exists: until then its last one could still be replaced (two
 * at one instant). A killed run keeps the chunks written before it died. */
#define RPO_CHUNK 1024

static void results_store_rpo(report_results *r, size_t vm, bool final)
{
    vm_state *s = &r->vst[vm];
    while (s->rpo_n - s->rpo_stored > RPO_CHUNK || (final && s->rpo_n > s->rpo_stored)) {
        size_t n = s->rpo_n - s->rpo_stored < RPO_CHUNK ? s->rpo_n - s->rpo_stored : RPO_CHUNK;
        r->sink->rpo(r->db, (int)vm, s->rpo + s->rpo_stored, n);
        s->rpo_stored += n;
    }
}

static void rec_rpo_point(void *ctx, int vm, int64_t at_ns, int64_t captured_ns)
{
    report_results *r = ctx;
    assert(!r->finished);
    if (!vm_ok(r, vm))
        return;
    vm_state *s = &r->vst[vm];
    assert(s->rpo_n == 0 || at_ns >= s->rpo_last_at_ns); /* the array's tail is cold: not read */
    /* Two breakpoints at one instant: the later one alone holds from then on. */
    if (s->rpo_n > 0 && s->rpo_last_at_ns == at_ns) {
        s->rpo[s->rpo_n - 1].captured_ns = captured_ns;
        return;
    }
    DRS_GROW(s->rpo, s->rpo_cap, s->rpo_n + 1);
    s->rpo[s->rpo_n++] = (report_rpo_point){at_ns, captured_ns};
    s->rpo_last_at_ns = at_ns;
    if (r->db && s->rpo_n - s->rpo_stored > RPO_CHUNK)
        results_store_rpo(r, (size_t)vm, false);
}

static void rec_initial_replication(void *ctx, const engine_ir_info *ir)
{
    report_results *r = ctx;
    assert(!r->finished);
    if (!vm_ok(r, ir->vm))
        return;
    report_vm_stats *v = &r->vms[ir->vm];
    snprintf(v->ir_method, sizeof v->ir_method, "%s", ir->method ? ir->method : "");
    v->ir_requested_ns = ir->requested_ns;
    v->ir_start_ns = ir->start_ns;
    v->ir_end_ns = ir->end_ns;
    v->ir_raw_bytes += ir->raw_bytes;
    v->ir_wire_bytes += ir->wire_bytes;
    /* A shipped copy never crosses the link. */
    if (strcmp(v->ir_method, "offline") != 0) {
        v->raw_bytes += ir->raw_bytes;
        v->wire_bytes += ir->wire_bytes;
        if (v->link >= 0) {
            r->links[v->link].raw_bytes += ir->raw_bytes;
            r->links[v->link].wire_bytes += ir->wire_bytes;
        }
    }
}

/* The index into r->stor of a site's storage, -1 when there is none such. */
static int stor_index(const report_results *r, int site, int storage)
{
    if (site < 0 || (size_t)site >= r->site_count || storage < 0 ||
        (size_t)storage >= r->storage_count[site])
        return -1;
    size_t i = (size_t)storage;
    for (int s = 0; s < site; s++)
        i += r->storage_count[s];
    return i < r->stor_count ? (int)i : -1;
}

static void rec_replica_storage(void *ctx, int site, int storage, int vm, uint64_t used_bytes,
                                int64_t at_ns)
{
    report_results *r = ctx;
    assert(!r->finished);
    int c = -1;
    if (site >= 0 && (size_t)site < r->site_count && storage >= 0 &&
        (size_t)storage < r->storage_count[site])
        c = r->class_of[site][storage];
    uint64_t old = 0;
    if (c >= 0)
        class_level_at(r, c, at_ns);
    if (vm_ok(r, vm)) {
        vm_levels_at(r, (size_t)vm, at_ns);
        vm_state *s = &r->vst[vm];
        vm_store *e = NULL;
        for (size_t i = 0; i < s->store_n && !e; i++) {
            vm_store *x = i == 0 ? &s->store0 : &s->store[i - 1];
            if (x->site == site && x->storage == storage)
                e = x;
        }
        if (!e) {
            if (s->store_n > 0) {
                DRS_GROW(s->store, s->store_cap, s->store_n);
                e = &s->store[s->store_n - 1];
            } else {
                e = &s->store0;
            }
            s->store_n++;
            *e = (vm_store){site, storage, 0};
            if (c >= 0)
                r->classes[c].base_bytes += used_bytes;
        }
        old = e->used;
        e->used = used_bytes;
        report_vm_stats *v = &r->vms[vm];
        v->replica_storage_bytes = v->replica_storage_bytes - old + used_bytes;
    }
    if (c >= 0) {
        report_class_stats *cl = &r->classes[c];
        /* Without a VM the report is the classification's own total. */
        cl->used_bytes = vm_ok(r, vm) ? cl->used_bytes - old + used_bytes : used_bytes;
    }
    int si = stor_index(r, site, storage);
    if (si >= 0) {
        storage_state *st = &r->stor[si];
        st->used = vm_ok(r, vm) ? st->used - old + used_bytes : used_bytes;
        st->seen = true;
    }
}

static void rec_health(void *ctx, int vm, engine_health old_h, engine_health new_h, int64_t at_ns)
{
    (void)old_h;
    report_results *r = ctx;
    assert(!r->finished);
    health_set(r, vm, new_h, at_ns);
}

engine_recorder report_results_recorder(report_results *r)
{
    return (engine_recorder){
        .ctx = r,
        .job_started = rec_job_started,
        .job_step = rec_job_step,
        .job_ended = rec_job_ended,
        .event = rec_event,
        .recovery_point = rec_recovery_point,
        .cycle = rec_cycle,
        .rpo_point = rec_rpo_point,
        .initial_replication = rec_initial_replication,
        .replica_storage = rec_replica_storage,
        .health = rec_health,
    };
}

/* ---- from the run driver
 * ------------------------------------------------------------------------- */

void report_results_add_link_sample(report_results *r, int link, int64_t at_ns, int64_t interval_ns,
                                    double raw_bytes, double wire_bytes, double capacity_Bps)
{
    assert(!r->finished);
    if (link < 0 || (size_t)link >= r->link_count || interval_ns <= 0)
        return;
    link_state *l = &r->lst[link];
    DRS_GROW(l->samples, l->cap, l->n + 1);
    report_link_sample *smp = &l->samples[l->n++];
    *smp = (report_link_sample){at_ns, interval_ns, raw_bytes, wire_bytes, capacity_Bps};
    r->links[link].sample_count = l->n;
    r->sample_rows++;
    if (r->db)
        r->sink->link_sample(r->db, link, smp);
}

void report_results_add_failover(report_results *r, const report_failover *f)
{
    assert(!r->finished);
    DRS_GROW(r->failovers, r->failover_cap, r->failover_count + 1);
    report_failover *c = &r->failovers[r->failover_count++];
    *c = *f;
    c->detail[sizeof c->detail - 1] = '\0';
    /* The point a failover used keeps its row, whatever becomes of it later. */
    if (vm_ok(r, c->vm) && c->rp_captured_ns >= 0) {
        vm_state *s = &r->vst[c->vm];
        for (size_t i = 0; i < s->live_n; i++)
            if (s->live[i].captured_ns == c->rp_captured_ns)
                s->live[i].keep = true;
    }
    if (r->db)
        r->sink->failover(
            r->db, r->failover_count, c,
            c->plan >= 0 && (size_t)c->plan < r->plan_count ? r->plan_names[c->plan] : NULL,
            vm_name(r, c->vm));
}

void report_results_add_diags(report_results *r, const drs_diags *d)
{
    for (size_t i = 0; i < d->count; i++) {
        const drs_diag *g = &d->items[i];
        /* Grow through the list's own function, then keep the problem exactly as it was. */
        drs_diags_add(&r->diags, g->severity, g->rule, "", "%s", "");
        r->diags.items[r->diags.count - 1] = *g;
        if (r->db)
            r->sink->diag(r->db, r->diags.count, &r->diags.items[r->diags.count - 1]);
    }
}

void report_results_storage_note(report_results *r, size_t vm, int64_t at_ns, uint64_t bytes)
{
    vm_state *s = &r->vst[vm];
    if (s->stor_n && s->stor[s->stor_n - 1].bytes == bytes)
        return;
    DRS_GROW(s->stor, s->stor_cap, s->stor_n + 1);
    s->stor[s->stor_n++] = (report_storage_sample){at_ns, bytes};
}

void report_results_stor_note(report_results *r, size_t i, int64_t at_ns, uint64_t bytes)
{
    storage_state *s = &r->stor[i];
    if (s->n && s->samples[s->n - 1].bytes == bytes)
        return;
    DRS_GROW(s->samples, s->cap, s->n + 1);
    s->samples[s->n++] = (report_storage_sample){at_ns, bytes};
}

void report_results_sample(report_results *r, int64_t at_ns)
{
    assert(!r->finished);
    for (size_t i = 0; i < r->vm_count; i++) {
        const vm_state *s = &r->vst[i];
        int64_t rpo = report_rpo_at(s->rpo, s->rpo_n, at_ns);
        if (rpo >= 0) {
            r->sample_rows++;
            if (r->db)
                r->sink->sample(r->db, at_ns, REPORT_SERIES_RPO, (int)i, rpo);
        }
        if (s->store_n > 0) {
            r->sample_rows++;
            if (r->db)
                r->sink->sample(r->db, at_ns, REPORT_SERIES_STORAGE, (int)i,
                                     (int64_t)r->vms[i].replica_storage_bytes);
        }
    }
    for (size_t i = 0; i < r->stor_count; i++)
        if (r->stor[i].seen) {
            size_t before = r->stor[i].n;
            report_results_stor_note(r, i, at_ns, r->stor[i].used);
            if (r->db && r->stor[i].n > before)
                r->sink->storage_sample(r->db, (int)i, at_ns, r->stor[i].used);
        }
    if (r->db)
        r->sink->tick(r->db);
}

/* Which failover each finding belongs to (see report_fo_finding). */
static void results_assign_findings(report_results *r)
{
    for (size_t k = 0; k < r->fo_finding_count; k++) {
        report_fo_finding *g = &r->fo_findings[k];
        int own = -1, plan = -1;
        for (size_t i = 0; i < r->failover_count; i++) {
            const report_failover *f = &r->failovers[i];
            if (f->started_ns > g->at_ns || (f->ended_ns >= 0 && f->ended_ns < g->at_ns))
                continue;
            if (f->vm >= 0 && f->vm == g->vm &&
                (own < 0 || f->started_ns >= r->failovers[own].started_ns))
                own = (int)i;
            else if (f->vm < 0 && (plan < 0 || f->started_ns >= r->failovers[plan].started_ns))
                plan = (int)i;
        }
        g->failover = own >= 0 ? own : plan;
    }
}

void report_results_settle(report_results *r)
{
    for (size_t i = 0; i < r->link_count; i++)
        report_util_compute(r->lst[i].samples, r->lst[i].n, INT64_MIN, INT64_MAX,
                            &r->links[i].util);
    results_assign_findings(r);
}

void report_results_finish(report_results *r, int64_t end_ns)
{
    assert(!r->finished);
    r->finished = true;
    r->end_ns = end_ns;
    results_levels_final(r);
    report_results_settle(r);
    /* Points still retained at the end get their rows. The count of latest points, kept as they
     * change, is checked here once rather than by a scan at every prune (a cold array per VM). */
    for (size_t i = 0; i < r->vm_count; i++) {
        size_t latest = 0;
        for (size_t k = 0; k < r->vst[i].live_n; k++) {
            latest += live_is_latest(&r->vst[i].live[k]);
            rp_store(r, i, &r->vst[i].live[k], -1);
        }
        assert(latest == r->vst[i].live_latest);
        (void)latest;
    }
    if (r->db) {
        for (size_t i = 0; i < r->vm_count; i++)
            results_store_rpo(r, i, true);
        r->sink->subjects(r->db, r);
    }
}

/* ---- reading
 * ------------------------------------------------------------------------------------- */

const char *report_results_scenario_name(const report_results *r)
{
    return r->scenario_name;
}
uint64_t report_results_seed(const report_results *r)
{
    return r->seed;
}
int64_t report_results_end_ns(const report_results *r)
{
    return r->end_ns;
}
size_t report_results_vm_count(const report_results *r)
{
    return r->vm_count;
}
size_t report_results_link_count(const report_results *r)
{
    return r->link_count;
}
size_t report_results_class_count(const report_results *r)
{
    return r->class_count;
}
size_t report_results_plan_count(const report_results *r)
{
    return r->plan_count;
}
size_t report_results_job_count(const report_results *r)
{
    return r->job_count;
}
size_t report_results_failover_count(const report_results *r)
{
    return r->failover_count;
}
const drs_diags *report_results_diags(const report_results *r)
{
    return &r->diags;
}
size_t report_results_fo_finding_count(const report_results *r)
{
    return r->fo_finding_count;
}
uint64_t report_results_event_total(const report_results *r)
{
    return r->ev_total;
}
uint64_t report_results_rp_rows(const report_results *r)
{
    return r->rp_rows;
}
uint64_t report_results_sample_rows(const report_results *r)
{
    return r->sample_rows;
}
size_t report_results_expect_count(const report_results *r)
{
    return r->expect_count;
}

const report_vm_stats *report_results_vm(const report_results *r, size_t vm)
{
    assert(vm < r->vm_count);
    return &r->vms[vm];
}

const report_link_stats *report_results_link(const report_results *r, size_t link)
{
    assert(link < r->link_count);
    return &r->links[link];
}

const report_link_sample *report_results_link_samples(const report_results *r, size_t link,
                                                      size_t *n)
{
    assert(link < r->link_count);
    *n = r->lst[link].n;
    return r->lst[link].samples;
}

const report_class_stats *report_results_class(const report_results *r, size_t c)
{
    assert(c < r->class_count);
    return &r->classes[c];
}

const char *report_results_plan_name(const report_results *r, size_t plan)
{
    assert(plan < r->plan_count);
    return r->plan_names[plan];
}

const report_job *report_results_job(const report_results *r, size_t i)
{
    assert(i < r->job_count);
    return &r->jobs[i];
}

const report_fo_finding *report_results_fo_finding(const report_results *r, size_t i)
{
    assert(i < r->fo_finding_count);
    return &r->fo_findings[i];
}

const report_failover *report_results_failover(const report_results *r, size_t i)
{
    assert(i < r->failover_count);
    return &r->failovers[i];
}

uint64_t report_results_event_count(const report_results *r, engine_event_kind kind, int vm)
{
    if (kind < 0 || kind >= ENGINE_EV_COUNT || (vm >= 0 && !vm_ok(r, vm)))
        return 0;
    return r->ev_count[(size_t)kind * (r->vm_count + 1) + (size_t)(vm + 1)];
}

int64_t report_results_event_first_ns(const report_results *r, engine_event_kind kind, int vm)
{
    if (kind < 0 || kind >= ENGINE_EV_COUNT || (vm >= 0 && !vm_ok(r, vm)))
        return -1;
    return r->ev_first[(size_t)kind * (r->vm_count + 1) + (size_t)(vm + 1)];
}

const report_storage_sample *report_results_storage_samples(const report_results *r, size_t vm,
                                                            size_t *n)
{
    assert(vm < r->vm_count);
    *n = r->vst[vm].stor_n;
    return r->vst[vm].stor;
}

size_t report_results_storage_count(const report_results *r)
{
    return r->stor_count;
}

const report_storage_info *report_results_storage(const report_results *r, size_t i)
{
    assert(i < r->stor_count);
    return &r->stor[i].info;
}

const report_storage_sample *report_results_storage_used(const report_results *r, size_t i,
                                                         size_t *n)
{
    assert(i < r->stor_count);
    *n = r->stor[i].n;
    return r->stor[i].samples;
}

const report_rpo_point *report_results_rpo_points(const report_results *r, size_t vm, size_t *n)
{
    assert(vm < r->vm_count);
    *n = r->vst[vm].rpo_n;
    return r->vst[vm].rpo;
}

void report_results_rpo(const report_results *r, size_t vm, int64_t from_ns, int64_t threshold_ns,
                        report_rpo_stats *out)
{
    report_results_rpo_window(r, vm, from_ns, 0, threshold_ns, out);
}

void report_results_rpo_window(const report_results *r, size_t vm, int64_t from_ns,
                               int64_t until_ns, int64_t threshold_ns, report_rpo_stats *out)
{
    assert(vm < r->vm_count);
    int64_t end = r->end_ns;
    if (end < 0) /* before finish: up to the last breakpoint */
        end = r->vst[vm].rpo_n ? r->vst[vm].rpo[r->vst[vm].rpo_n - 1].at_ns : 0;
    /* [from, until) and [from, until] differ by one instant: no time, the same statistics. */
    if (until_ns > 0 && until_ns < end)
        end = until_ns;
    report_rpo_compute(r->vst[vm].rpo, r->vst[vm].rpo_n, from_ns, end, threshold_ns, out);
}

int64_t report_results_unprotected_from(const report_results *r, size_t vm)
{
    assert(vm < r->vm_count);
    const vm_state *s = &r->vst[vm];
    if (s->rpo_n == 0 || s->rpo[s->rpo_n - 1].captured_ns >= 0)
        return -1;
    /* Back to the first of the trailing undefined breakpoints; none defined before: never
     * protected. */
    size_t i = s->rpo_n - 1;
    while (i > 0 && s->rpo[i - 1].captured_ns < 0)
        i--;
    return i == 0 ? -1 : s->rpo[i].at_ns;
}

const report_expect_result *report_results_expect(const report_results *r, size_t i)
{
    assert(i < r->expect_count);
    return &r->expects[i];
}

size_t report_results_expect_failed(const report_results *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->expect_count; i++)
        n += !r->expects[i].pass;
    return n;
}

void report_results_expect_reset(report_results *r)
{
    r->expect_count = 0;
}

report_expect_result *report_results_expect_add(report_results *r)
{
    DRS_GROW(r->expects, r->expect_cap, r->expect_count + 1);
    report_expect_result *e = &r->expects[r->expect_count++];
    memset(e, 0, sizeof *e);
    return e;
}
