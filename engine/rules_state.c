/* engine/rules_state.c — the configuration as it stands (registrations, cloud pairs, their targets)
 * and the replay of a whole scenario's steps through it (see rules_state.h); the rules each step
 * must obey are in rules.c. */
#include "rules_state.h"
#include "engine/shared/alloc.h"
#include "rules_internal.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct rules_pair_now {
    bool configured; /* configured and not removed since */
    bool ever;       /* configured at some point (a pair.modify then needs a removal, not a pair) */
    int target_site, target_cloud;
} rules_pair_now;

struct rules_state {
    const drs_scenario *sc;
    bool apply_refused;
    bool *registered;      /* per site */
    bool *vmm_checked;     /* per site: rule 2 judged at its first registration */
    bool *synced;          /* per site: its registration synchronised all clouds */
    rules_pair_now *pairs; /* per recovery.cloud_pairs entry */
};

rules_state *rules_state_new(const drs_scenario *sc, bool apply_refused)
{
    rules_state *st = drs_xcalloc(1, sizeof *st);
    st->sc = sc;
    st->apply_refused = apply_refused;
    size_t sites = sc->site_count ? sc->site_count : 1;
    size_t pairs = sc->recovery.cloud_pair_count ? sc->recovery.cloud_pair_count : 1;
    st->registered = drs_xcalloc(sites, sizeof *st->registered);
    st->vmm_checked = drs_xcalloc(sites, sizeof *st->vmm_checked);
    st->synced = drs_xcalloc(sites, sizeof *st->synced);
    st->pairs = drs_xcalloc(pairs, sizeof *st->pairs);
    for (size_t i = 0; i < sc->recovery.cloud_pair_count; i++) {
        st->pairs[i].target_site = sc->recovery.cloud_pairs[i].target_site;
        st->pairs[i].target_cloud = sc->recovery.cloud_pairs[i].target_cloud;
    }
    return st;
}

void rules_state_free(rules_state *st)
{
    if (!st)
        return;
    free(st->registered);
    free(st->vmm_checked);
    free(st->synced);
    free(st->pairs);
    free(st);
}

bool rules_state_registered(const rules_state *st, int site)
{
    return rules_site_ok(st->sc, site) && st->registered[site];
}

bool rules_state_register(rules_state *st, size_t reg, drs_diags *out)
{
    const drs_registration *r = &st->sc->recovery.registrations[reg];
    bool ok = rules_registration_check(st->sc, reg, out);
    if (!rules_site_ok(st->sc, r->site))
        return false;
    if (!st->vmm_checked[r->site]) {
        st->vmm_checked[r->site] = true;
        ok = rules_vmm_check(st->sc, (size_t)r->site, out) && ok;
    }
    if (ok || st->apply_refused) {
        st->registered[r->site] = true;
        st->synced[r->site] |= r->sync_all_clouds;
    }
    return ok;
}

int rules_state_pair_of(const rules_state *st, int site, int cloud)
{
    for (size_t i = 0; i < st->sc->recovery.cloud_pair_count; i++)
        if (st->pairs[i].configured && st->sc->recovery.cloud_pairs[i].primary_site == site &&
            st->sc->recovery.cloud_pairs[i].primary_cloud == cloud)
            return (int)i;
    return -1;
}

bool rules_state_pair_current(const rules_state *st, size_t pair, drs_cloud_pair *pair_out)
{
    if (pair >= st->sc->recovery.cloud_pair_count || !st->pairs[pair].configured)
        return false;
    *pair_out = st->sc->recovery.cloud_pairs[pair];
    pair_out->target_site = st->pairs[pair].target_site;
    pair_out->target_cloud = st->pairs[pair].target_cloud;
    return true;
}

/* The configured pair (other than `except`) holding (site, cloud) as primary or target, or -1. */
static int pair_holding(const rules_state *st, int site, int cloud, size_t except)
{
    for (size_t i = 0; i < st->sc->recovery.cloud_pair_count; i++) {
        const drs_cloud_pair *p = &st->sc->recovery.cloud_pairs[i];
        if (i == except || !st->pairs[i].configured)
            continue;
        if ((p->primary_site == site && p->primary_cloud == cloud) ||
            (st->pairs[i].target_site == site && st->pairs[i].target_cloud == cloud))
            return (int)i;
    }
    return -1;
}

/* Rule 3 (each cloud in one pair) and rule 13 (both VMM servers registered) for pair index i with
 * the target of `p`; path names the step, field_path the pair's fields. */
static bool pair_step_check(rules_state *st, size_t i, const drs_cloud_pair *p,
                            const char *step_path, bool step_is_pair, drs_diags *out)
{
    const drs_scenario *sc = st->sc;
    char at[RULES_PATH_MAX], other[RULES_PATH_MAX], when[32];
    bool ok = true;
    rules_fmt_dur(p->at_ns, when, sizeof when);
    int ends[2][2] = {{p->primary_site, p->primary_cloud}, {p->target_site, p->target_cloud}};
    const char *fields[2] = {"primary", "target"};
    for (int e = 0; e < 2; e++) {
        if (!rules_cloud_ok(sc, ends[e][0], ends[e][1]))
            continue;
        int holder = pair_holding(st, ends[e][0], ends[e][1], i);
        if (holder < 0)
            continue;
        if (step_is_pair)
            snprintf(at, sizeof at, "%s.%s", step_path, fields[e]);
        else
            snprintf(at, sizeof at, "%s", step_path);
        snprintf(other, sizeof other, "recovery.cloud_pairs[%d]", holder);
        drs_diags_add(
            out, DRS_SEV_ERROR, 3, at,
            "cloud %s is already in the cloud pair %s (%s -> %s): a cloud belongs to at "
            "most one pair, as primary or as target",
            rules_cloud_name(sc, ends[e][0], ends[e][1]), other,
            rules_cloud_name(sc, sc->recovery.cloud_pairs[holder].primary_site,
                             sc->recovery.cloud_pairs[holder].primary_cloud),
            rules_cloud_name(sc, st->pairs[holder].target_site, st->pairs[holder].target_cloud));
        ok = false;
    }
    for (int e = 0; e < 2; e++) {
        if (!rules_site_ok(sc, ends[e][0]) || st->registered[ends[e][0]])
            continue;
        if (e == 1 && ends[1][0] == ends[0][0])
            continue; /* same VMM server: rule 3 already says so */
        if (step_is_pair)
            snprintf(at, sizeof at, "%s.%s", step_path, fields[e]);
        else
            snprintf(at, sizeof at, "%s", step_path);
        drs_diags_add(out, DRS_SEV_ERROR, 13, at,
                      "cloud %s is configured for protection at %s, but its VMM server %s is not "
                      "registered in the vault by then: expected both VMM servers registered first",
                      rules_cloud_name(sc, ends[e][0], ends[e][1]), when,
                      rules_vmm_name(sc, ends[e][0]));
        ok = false;
    }
    if (rules_site_ok(sc, p->primary_site) && st->registered[p->primary_site] &&
        !st->synced[p->primary_site]) {
        if (step_is_pair)
            snprintf(at, sizeof at, "%s.primary", step_path);
        else
            snprintf(at, sizeof at, "%s", step_path);
        drs_diags_add(
            out, DRS_SEV_WARNING, 13, at,
            "VMM server %s registered without synchronising all clouds (sync_all_clouds), "
            "so cloud %s reaches the vault only if synchronised from its properties in the "
            "VMM console: drsim assumes it was",
            rules_vmm_name(sc, p->primary_site),
            rules_cloud_name(sc, p->primary_site, p->primary_cloud));
    }
    return ok;
}

bool rules_state_pair_configure(rules_state *st, size_t pair, drs_diags *out)
{
    const drs_cloud_pair *p = &st->sc->recovery.cloud_pairs[pair];
    char path[RULES_PATH_MAX];
    snprintf(path, sizeof path, "recovery.cloud_pairs[%zu]", pair);
    bool ok = pair_step_check(st, pair, p, path, true, out);
    ok = rules_pair_desc_check(st->sc, p, path, out) && ok;
    if (ok || st->apply_refused) {
        st->pairs[pair].configured = st->pairs[pair].ever = true;
        st->pairs[pair].target_site = p->target_site;
        st->pairs[pair].target_cloud = p->target_cloud;
    }
    return ok;
}

/* The entry of recovery.cloud_pairs with the primary cloud of a timeline action: the configured one
 * if any, else the last one ever configured, else -1. */
static int pair_for_action(const rules_state *st, const drs_action *a)
{
    int found = rules_state_pair_of(st, a->primary_site, a->primary_cloud);
    if (found >= 0)
        return found;
    for (size_t i = 0; i < st->sc->recovery.cloud_pair_count; i++) {
        const drs_cloud_pair *p = &st->sc->recovery.cloud_pairs[i];
        if (st->pairs[i].ever && p->primary_site == a->primary_site &&
            p->primary_cloud == a->primary_cloud)
            found = (int)i;
    }
    return found;
}

bool rules_state_pair_remove(rules_state *st, size_t action, drs_diags *out)
{
    const drs_action *a = &st->sc->timeline[action];
    int i = rules_state_pair_of(st, a->primary_site, a->primary_cloud);
    if (i < 0) {
        char when[32];
        drs_diags_add(out, DRS_SEV_ERROR, 10, a->path,
                      "pair.remove at %s: cloud %s is not the primary of a configured cloud pair "
                      "then, so there is no configuration to remove",
                      rules_fmt_dur(a->at_ns, when, sizeof when),
                      rules_cloud_name(st->sc, a->primary_site, a->primary_cloud));
        return false;
    }
    st->pairs[i].configured = false;
    return true;
}

bool rules_state_pair_modify(rules_state *st, size_t action, drs_diags *out)
{
    const drs_scenario *sc = st->sc;
    const drs_action *a = &sc->timeline[action];
    char when[32], path[RULES_PATH_MAX];
    rules_fmt_dur(a->at_ns, when, sizeof when);
    int i = pair_for_action(st, a);
    if (i < 0) {
        drs_diags_add(
            out, DRS_SEV_ERROR, 10, a->path,
            "pair.modify at %s: cloud %s is not the primary of any cloud pair configured "
            "by then: expected a pair of recovery.cloud_pairs, configured and then removed",
            when, rules_cloud_name(sc, a->primary_site, a->primary_cloud));
        return false;
    }
    drs_cloud_pair p = sc->recovery.cloud_pairs[i];
    p.target_site = a->target_site;
    p.target_cloud = a->target_cloud;
    p.at_ns = a->at_ns;
    bool ok = true;
    if (st->pairs[i].configured) {
        drs_diags_add(
            out, DRS_SEV_ERROR, 10, a->path,
            "pair.modify at %s changes the target of cloud %s from %s to %s without "
            "removing the pair first: the target location or cloud of a pair changes only "
            "by a pair.remove of it and configuring it again",
            when, rules_cloud_name(sc, p.primary_site, p.primary_cloud),
            rules_cloud_name(sc, st->pairs[i].target_site, st->pairs[i].target_cloud),
            rules_cloud_name(sc, p.target_site, p.target_cloud));
        ok = false;
    }
    /* Judged as a new pair: its own old configuration no longer holds the clouds. */
    bool was = st->pairs[i].configured;
    st->pairs[i].configured = false;
    ok = pair_step_check(st, (size_t)i, &p, a->path, false, out) && ok;
    st->pairs[i].configured = was;
    snprintf(path, sizeof path, "recovery.cloud_pairs[%d]", i);
    ok = rules_pair_desc_check(sc, &p, path, out) && ok;
    if (ok || st->apply_refused) {
        st->pairs[i].configured = st->pairs[i].ever = true;
        st->pairs[i].target_site = p.target_site;
        st->pairs[i].target_cloud = p.target_cloud;
    }
    return ok;
}

bool rules_state_protect(rules_state *st, size_t vm, int64_t at_ns, const char *path,
                         drs_diags *out)
{
    const drs_scenario *sc = st->sc;
    const drs_vm *v = &sc->vms[vm];
    char when[32];
    rules_fmt_dur(at_ns, when, sizeof when);
    if (!rules_site_ok(sc, v->site) || v->host < 0 ||
        (size_t)v->host >= sc->sites[v->site].host_count)
        return false; /* an unresolved host is the loader's error */
    const drs_host *h = &sc->sites[v->site].hosts[v->host];
    bool ok = true;
    if (!st->registered[v->site]) {
        drs_diags_add(out, DRS_SEV_ERROR, 13, path,
                      "protection of VM %s is enabled at %s, but its VMM server %s is not "
                      "registered in the vault by then: expected a registration at or before %s",
                      rules_str(v->name), when, rules_vmm_name(sc, v->site), when);
        ok = false;
    }
    if (h->cloud < 0) {
        drs_diags_add(out, DRS_SEV_ERROR, 13, path,
                      "VM %s runs on host %s, which is in no cloud: protection can be enabled only "
                      "for a VM in a cloud configured for protection",
                      rules_str(v->name), rules_str(h->name));
        return false;
    }
    int pi = rules_state_pair_of(st, v->site, h->cloud);
    if (pi < 0) {
        /* Say why: removed, configured only later, a target cloud, or never paired. */
        bool removed = false, is_target = false;
        int64_t later_ns = -1;
        for (size_t i = 0; i < sc->recovery.cloud_pair_count; i++) {
            const drs_cloud_pair *p = &sc->recovery.cloud_pairs[i];
            if (p->primary_site == v->site && p->primary_cloud == h->cloud) {
                if (st->pairs[i].ever)
                    removed = true;
                else if (later_ns < 0 || p->at_ns < later_ns)
                    later_ns = p->at_ns;
            }
            is_target |=
                st->pairs[i].target_site == v->site && st->pairs[i].target_cloud == h->cloud;
        }
        char why[96], t[32];
        if (removed)
            snprintf(why, sizeof why, "its cloud pair was removed");
        else if (later_ns >= 0)
            snprintf(why, sizeof why, "its cloud pair is configured only at %s",
                     rules_fmt_dur(later_ns, t, sizeof t));
        else if (is_target)
            snprintf(why, sizeof why, "it is the target cloud of a pair, not a primary");
        else
            snprintf(why, sizeof why, "it is the primary of no cloud pair");
        drs_diags_add(
            out, DRS_SEV_ERROR, 13, path,
            "protection of VM %s is enabled at %s, but cloud %s is not configured for "
            "protection then (%s): expected its host's cloud to be the primary of a cloud "
            "pair configured at or before %s",
            rules_str(v->name), when, rules_cloud_name(sc, v->site, h->cloud), why, when);
        return false;
    }
    drs_cloud_pair now;
    rules_state_pair_current(st, (size_t)pi, &now);
    return rules_vm_protection_check(sc, vm, &now, at_ns, out) && ok;
}

/* ---- The whole scenario ---------------------------------------------------------------------- */

enum step_kind {
    STEP_REGISTER,
    STEP_PAIR,
    STEP_NETWORK_MAP,
    STEP_STORAGE_MAP,
    STEP_PROTECT,
    STEP_TIMELINE
};

typedef struct rules_step {
    int64_t at_ns;
    enum step_kind kind;
    size_t index;
} rules_step;

/* Time, then the order of the configuration steps, then the order of appearance. */
static int step_cmp(const void *pa, const void *pb)
{
    const rules_step *a = pa, *b = pb;
    if (a->at_ns != b->at_ns)
        return a->at_ns < b->at_ns ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

void engine_rules_check(const struct drs_scenario *sc, drs_diags *out)
{
    const drs_recovery *r = &sc->recovery;
    size_t n = r->registration_count + r->cloud_pair_count + r->network_mapping_count +
               r->storage_mapping_count + r->protect_count + sc->timeline_count;
    rules_step *steps = drs_xcalloc(n ? n : 1, sizeof *steps);
    rules_state *st = rules_state_new(sc, true);
    size_t k = 0;
    for (size_t i = 0; i < r->registration_count; i++)
        steps[k++] = (rules_step){r->registrations[i].at_ns, STEP_REGISTER, i};
    for (size_t i = 0; i < r->cloud_pair_count; i++)
        steps[k++] = (rules_step){r->cloud_pairs[i].at_ns, STEP_PAIR, i};
    for (size_t i = 0; i < r->network_mapping_count; i++)
        steps[k++] = (rules_step){r->network_mappings[i].at_ns, STEP_NETWORK_MAP, i};
    for (size_t i = 0; i < r->storage_mapping_count; i++)
        steps[k++] = (rules_step){r->storage_mappings[i].at_ns, STEP_STORAGE_MAP, i};
    for (size_t i = 0; i < r->protect_count; i++)
        steps[k++] = (rules_step){r->protect[i].at_ns, STEP_PROTECT, i};
    for (size_t i = 0; i < sc->timeline_count; i++)
        steps[k++] = (rules_step){sc->timeline[i].at_ns, STEP_TIMELINE, i};
    qsort(steps, n, sizeof *steps, step_cmp);

    for (size_t i = 0; i < n; i++) {
        size_t x = steps[i].index;
        char path[RULES_PATH_MAX];
        switch (steps[i].kind) {
        case STEP_REGISTER:
            rules_state_register(st, x, out);
            break;
        case STEP_PAIR:
            rules_state_pair_configure(st, x, out);
            break;
        case STEP_NETWORK_MAP:
            rules_network_mapping_check(sc, x, out);
            break;
        case STEP_STORAGE_MAP:
            rules_storage_mapping_check(sc, x, out);
            break;
        case STEP_PROTECT:
            if (r->protect[x].vm < 0 || (size_t)r->protect[x].vm >= sc->vm_count)
                break; /* an unresolved VM is the loader's error */
            snprintf(path, sizeof path, "recovery.protect[%zu]", x);
            rules_state_protect(st, (size_t)r->protect[x].vm, r->protect[x].at_ns, path, out);
            break;
        case STEP_TIMELINE: {
            const drs_action *a = &sc->timeline[x];
            if (a->what == DRS_DO_PAIR_REMOVE)
                rules_state_pair_remove(st, x, out);
            else if (a->what == DRS_DO_PAIR_MODIFY)
                rules_state_pair_modify(st, x, out);
            else if (a->what == DRS_DO_PROTECT && a->vm >= 0 && (size_t)a->vm < sc->vm_count)
                rules_state_protect(st, (size_t)a->vm, a->at_ns, a->path, out);
            break;
        }
        }
    }
    rules_plans_check(sc, out);
    /* A VMM server that never registers still gets rule 2 judged: validate lists every problem. */
    for (size_t s = 0; s < sc->site_count; s++)
        if (!st->vmm_checked[s])
            rules_vmm_check(sc, s, out);
    rules_state_free(st);
    free(steps);
}
