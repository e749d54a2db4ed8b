/* engine/vault.c — the vault's configuration over time: VMM registrations, cloud pairs (configure,
 * modify, remove) and network/storage mappings, each an ASR job at its time.
 *
 * Whether a step may happen is decided by rules_state (engine/rules_state.h), fed the same steps in
 * the same order as `drsim validate` feeds it, so a run and a validation never disagree; the engine
 * adds what only a run knows (a VMM server that cannot reach the vault). */
#include <stdio.h>
#include <stdlib.h>

#include "engine_internal.h"
#include "engine/shared/alloc.h"

static const char *vmm_name(const engine *e, int site)
{
    if (site < 0 || (size_t)site >= e->sc->site_count)
        return "?";
    return e->sc->sites[site].vmm.name;
}

static const char *cloud_name(const engine *e, int site, int cloud)
{
    if (site < 0 || (size_t)site >= e->sc->site_count || cloud < 0 ||
        (size_t)cloud >= e->sc->sites[site].cloud_count)
        return "?";
    return e->sc->sites[site].clouds[cloud];
}

/* ASR jobs need the VMM server to reach the vault; a refusal names the server. */
static bool vmm_reachable(engine *e, int site, drs_diags *d, const char *path)
{
    if (site >= 0 && e->pf.vmm_online(e->pf.ctx, site) && e->pf.site_up(e->pf.ctx, site))
        return true;
    drs_diags_add(d, DRS_SEV_ERROR, 0, path, "VMM server %s cannot reach the vault",
                  vmm_name(e, site));
    return false;
}

static void step_register(engine *e, size_t i)
{
    const drs_registration *r = &e->sc->recovery.registrations[i];
    drs_diags d = {0};
    char path[64];
    snprintf(path, sizeof path, "recovery.registrations[%zu]", i);
    const engine_job_kind name = ENGINE_JOB_REGISTER_VMM;
    if (!vmm_reachable(e, r->site, &d, path) || !rules_state_register(e->rules, i, &d)) {
        eng_job_refuse_diags(e, name, -1, -1, r->site, vmm_name(e, r->site), &d);
    } else {
        uint64_t job = eng_job_begin(e, name, -1, -1, r->site, vmm_name(e, r->site));
        eng_job_step(e, job, "Registering the VMM server", ENGINE_JOB_SUCCEEDED);
        if (r->sync_all_clouds)
            eng_job_step(e, job, "Initial cloud metadata sync", ENGINE_JOB_SUCCEEDED);
        eng_diags_warn(e, -1, -1, &d);
        eng_job_end(e, job, ENGINE_JOB_SUCCEEDED, "%s", "");
    }
    drs_diags_clear(&d);
}

static void step_pair(engine *e, size_t i)
{
    const drs_cloud_pair *p = &e->sc->recovery.cloud_pairs[i];
    drs_diags d = {0};
    char path[64];
    snprintf(path, sizeof path, "recovery.cloud_pairs[%zu]", i);
    const engine_job_kind name = ENGINE_JOB_CONFIGURE_PAIR;
    const char *subject = cloud_name(e, p->primary_site, p->primary_cloud);
    if (!vmm_reachable(e, p->primary_site, &d, path) || !vmm_reachable(e, p->target_site, &d, path) ||
        !rules_state_pair_configure(e->rules, i, &d)) {
        eng_job_refuse_diags(e, name, -1, (int)i, p->primary_site, subject, &d);
    } else {
        uint64_t job = eng_job_begin(e, name, -1, (int)i, p->primary_site, subject);
        eng_job_step(e, job, "Saving the cloud's protection settings", ENGINE_JOB_SUCCEEDED);
        eng_job_step(e, job, "Configuring the Hyper-V hosts for replication", ENGINE_JOB_SUCCEEDED);
        eng_diags_warn(e, -1, (int)i, &d);
        eng_job_end(e, job, ENGINE_JOB_SUCCEEDED, "%s", "");
    }
    drs_diags_clear(&d);
}

static void step_mapping(engine *e, size_t i, bool storage)
{
    const drs_mapping *m = storage ? &e->sc->recovery.storage_mappings[i]
                                   : &e->sc->recovery.network_mappings[i];
    drs_diags d = {0};
    char path[64];
    snprintf(path, sizeof path, "recovery.%s_mappings[%zu]", storage ? "storage" : "network", i);
    const engine_job_kind name = storage ? ENGINE_JOB_MAP_STORAGE : ENGINE_JOB_MAP_NETWORKS;
    bool ok = vmm_reachable(e, m->source_site, &d, path) &&
              vmm_reachable(e, m->target_site, &d, path);
    if (ok && (!rules_state_registered(e->rules, m->source_site) ||
               !rules_state_registered(e->rules, m->target_site))) {
        drs_diags_add(&d, DRS_SEV_ERROR, 13, path, "both VMM servers must be registered first");
        ok = false;
    }
    if (ok)
        ok = storage ? rules_storage_mapping_check(e->sc, i, &d)
                     : rules_network_mapping_check(e->sc, i, &d);
    const char *subject = vmm_name(e, m->source_site);
    if (!ok) {
        eng_job_refuse_diags(e, name, -1, -1, m->source_site, subject, &d);
    } else {
        uint64_t job = eng_job_begin(e, name, -1, -1, m->source_site, subject);
        eng_job_step(e, job, storage ? "Mapping storage classifications" : "Mapping VM networks",
                     ENGINE_JOB_SUCCEEDED);
        eng_diags_warn(e, -1, -1, &d);
        if (storage)
            e->storage_mapped[i] = true;
        eng_job_end(e, job, ENGINE_JOB_SUCCEEDED, "%s", "");
    }
    drs_diags_clear(&d);
}

void eng_step_fire(void *arg)
{
    eng_step *s = arg;
    engine *e = s->e;
    e->step_timers[s - e->steps] = 0;
    switch (s->kind) {
    case ENG_STEP_REGISTER: step_register(e, s->index); break;
    case ENG_STEP_PAIR: step_pair(e, s->index); break;
    case ENG_STEP_NET_MAP: step_mapping(e, s->index, false); break;
    case ENG_STEP_STORAGE_MAP: step_mapping(e, s->index, true); break;
    case ENG_STEP_PROTECT: {
        char path[64];
        snprintf(path, sizeof path, "recovery.protect[%zu]", s->index);
        eng_protect_at(e, e->sc->recovery.protect[s->index].vm, path);
        break;
    }
    }
}

bool engine_start(engine *e, drs_error *err)
{
    const drs_recovery *r = &e->sc->recovery;
    if (e->steps)
        return drs_fail(err, DRS_EINTERNAL, "", "engine_start called twice");
    size_t n = r->registration_count + r->cloud_pair_count + r->network_mapping_count +
               r->storage_mapping_count + r->protect_count;
    e->steps = drs_xcalloc(n + 1, sizeof *e->steps);
    e->step_timers = drs_xcalloc(n + 1, sizeof *e->step_timers);
    /* Scheduled kind by kind, so that steps at equal times fire in the order rules_check replays
     * them: registrations, pairs, network mappings, storage mappings, protection. */
    struct {
        eng_step_kind kind;
        size_t count;
    } kinds[] = {{ENG_STEP_REGISTER, r->registration_count},
                 {ENG_STEP_PAIR, r->cloud_pair_count},
                 {ENG_STEP_NET_MAP, r->network_mapping_count},
                 {ENG_STEP_STORAGE_MAP, r->storage_mapping_count},
                 {ENG_STEP_PROTECT, r->protect_count}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (size_t i = 0; i < kinds[k].count; i++) {
            int64_t at = 0;
            switch (kinds[k].kind) {
            case ENG_STEP_REGISTER: at = r->registrations[i].at_ns; break;
            case ENG_STEP_PAIR: at = r->cloud_pairs[i].at_ns; break;
            case ENG_STEP_NET_MAP: at = r->network_mappings[i].at_ns; break;
            case ENG_STEP_STORAGE_MAP: at = r->storage_mappings[i].at_ns; break;
            case ENG_STEP_PROTECT: at = r->protect[i].at_ns; break;
            }
            eng_step *s = &e->steps[e->step_count];
            *s = (eng_step){.e = e, .kind = kinds[k].kind, .index = i};
            int64_t now = eng_now(e);
            e->step_timers[e->step_count] =
                e->pf.timer_at(e->pf.ctx, at < now ? now : at, eng_step_fire, s);
            e->step_count++;
        }
    }
    return true;
}

int eng_vm_pair_now(const engine *e, int vm, drs_cloud_pair *pair_out)
{
    const drs_vm *d = &e->sc->vms[vm];
    const drs_host *h = &e->sc->sites[d->site].hosts[d->host];
    if (h->cloud < 0)
        return -1;
    int p = rules_state_pair_of(e->rules, d->site, h->cloud);
    if (p >= 0 && pair_out && !rules_state_pair_current(e->rules, (size_t)p, pair_out))
        return -1;
    return p;
}

uint64_t engine_pair_modify(engine *e, size_t action)
{
    const drs_action *a = &e->sc->timeline[action];
    drs_diags d = {0};
    const engine_job_kind name = ENGINE_JOB_CONFIGURE_PAIR;
    const char *subject = cloud_name(e, a->primary_site, a->primary_cloud);
    uint64_t job;
    if (!vmm_reachable(e, a->primary_site, &d, a->path) ||
        !vmm_reachable(e, a->target_site, &d, a->path) ||
        !rules_state_pair_modify(e->rules, action, &d)) {
        job = eng_job_refuse_diags(e, name, -1, -1, a->primary_site, subject, &d);
    } else {
        int p = rules_state_pair_of(e->rules, a->primary_site, a->primary_cloud);
        job = eng_job_begin(e, name, -1, p, a->primary_site, subject);
        eng_job_step(e, job, "Saving the cloud's protection settings", ENGINE_JOB_SUCCEEDED);
        eng_diags_warn(e, -1, p, &d);
        eng_job_end(e, job, ENGINE_JOB_SUCCEEDED, "%s", "");
    }
    drs_diags_clear(&d);
    return job;
}

uint64_t engine_pair_remove(engine *e, size_t action)
{
    const drs_action *a = &e->sc->timeline[action];
    drs_diags d = {0};
    const engine_job_kind name = ENGINE_JOB_REMOVE_PAIR;
    const char *subject = cloud_name(e, a->primary_site, a->primary_cloud);
    int p = rules_state_pair_of(e->rules, a->primary_site, a->primary_cloud);
    uint64_t job;
    if (!vmm_reachable(e, a->primary_site, &d, a->path)) {
        job = eng_job_refuse_diags(e, name, -1, p, a->primary_site, subject, &d);
    } else {
        /* A cloud's configuration goes only with the protection of its VMs. */
        if (p >= 0)
            for (size_t v = 0; v < e->sc->vm_count; v++)
                if (e->vms[v].protected_ && e->vms[v].pair == p)
                    engine_unprotect(e, (int)v);
        if (!rules_state_pair_remove(e->rules, action, &d)) {
            job = eng_job_refuse_diags(e, name, -1, p, a->primary_site, subject, &d);
        } else {
            job = eng_job_begin(e, name, -1, p, a->primary_site, subject);
            eng_job_step(e, job, "Removing the cloud's protection settings", ENGINE_JOB_SUCCEEDED);
            eng_job_end(e, job, ENGINE_JOB_SUCCEEDED, "%s", "");
        }
    }
    drs_diags_clear(&d);
    return job;
}
