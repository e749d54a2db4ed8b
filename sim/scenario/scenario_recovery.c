/* sim/scenario/scenario_recovery.c — the Site Recovery configuration of a scenario: vault, registrations,
 * cloud pairs and their protection settings, mappings, protected VMs and recovery plans.
 *
 * Only structure, types, units and references are checked here; whether the configuration obeys the
 * rules of Site Recovery (key validity, one pair per cloud, allowed copy frequencies, ...) is
 * judged by engine_rules_check. */
#include <stdlib.h>
#include <string.h>

#include "engine/rules.h"
#include "scenario_internal.h"

#define SC_DAY_NS (INT64_C(86400) * DRS_NS_PER_S)

static const char *const sc_recovery_keys[] = {
    "vault",   "registrations",  "cloud_pairs", "network_mappings", "storage_mappings",
    "protect", "recovery_plans", NULL};
static const char *const sc_vault_keys[] = {"name", "region", "created", NULL};
static const char *const sc_registration_keys[] = {"vmm", "key_generated", "at", "sync_all_clouds",
                                                   NULL};
static const char *const sc_pair_keys[] = {"primary", "target", "at", "settings", NULL};
static const char *const sc_settings_keys[] = {"copy_frequency",
                                               "additional_recovery_points",
                                               "app_consistent_frequency",
                                               "compression",
                                               "authentication",
                                               "port",
                                               "initial_replication",
                                               "change_tracking",
                                               "delete_replica_on_disable",
                                               "health_window",
                                               NULL};
static const char *const sc_ir_keys[] = {"method", "start",         "time", "export",
                                         "import", "shipping_time", NULL};
static const char *const sc_mapping_keys[] = {"source", "target", "at", NULL};
static const char *const sc_protect_keys[] = {"vm", "at", NULL};
static const char *const sc_plan_keys[] = {"name", "groups", NULL};
static const char *const sc_group_keys[] = {"vms", "before", "after", NULL};
static const char *const sc_action_keys[] = {"script", "manual", "duration", "outcome", NULL};
static const char *const sc_script_outcomes[] = {"succeeds", "fails", "times_out", NULL};

static void sc_load_vault(sc_ctx *c, drs_recovery *r, const json_t *rec)
{
    const json_t *v = json_object_get(rec, "vault");
    if (!v) {
        sc_error(c, "recovery.vault", "missing required key 'vault'");
        return;
    }
    if (!sc_expect_object(c, v, "recovery.vault"))
        return;
    sc_check_keys(c, v, "recovery.vault", sc_vault_keys);
    sc_get_name(c, v, "recovery.vault", "name", SC_REQUIRED, &r->vault_name);
    sc_get_str(c, v, "recovery.vault", "region", SC_OPTIONAL, &r->vault_region);
    sc_get_duration(c, v, "recovery.vault", "created", SC_OPTIONAL, &r->vault_created_ns);
}

/* Iterates recovery.KEY: returns the array (NULL when absent or bad) and its path. */
static const json_t *sc_section(sc_ctx *c, const json_t *rec, const char *key, char *path)
{
    sc_path_key(path, "recovery", key);
    return sc_get_array(c, rec, "recovery", key, SC_OPTIONAL);
}

static void sc_load_registrations(sc_ctx *c, drs_recovery *r, const json_t *rec)
{
    char p[SC_PATH], q[SC_PATH];
    const json_t *a = sc_section(c, rec, "registrations", p);
    if (!a)
        return;
    r->registration_count = json_array_size(a);
    r->registrations = drs_xcalloc(r->registration_count, sizeof *r->registrations);
    for (size_t i = 0; i < r->registration_count; i++) {
        const json_t *v = json_array_get(a, i);
        drs_registration *g = &r->registrations[i];
        g->site = -1;
        g->sync_all_clouds = true;
        sc_path_index(q, p, i);
        if (!sc_expect_object(c, v, q))
            continue;
        sc_check_keys(c, v, q, sc_registration_keys);
        const sc_name *vmm = sc_get_ref(c, v, q, "vmm", SC_REQUIRED, SC_VMM);
        if (vmm)
            g->site = vmm->a;
        sc_get_duration(c, v, q, "key_generated", SC_OPTIONAL, &g->key_generated_ns);
        sc_get_duration(c, v, q, "at", SC_OPTIONAL, &g->at_ns);
        sc_get_bool(c, v, q, "sync_all_clouds", SC_OPTIONAL, &g->sync_all_clouds);
    }
}

static void sc_load_initial_replication(sc_ctx *c, drs_initial_replication *ir, const json_t *s,
                                        const char *sp)
{
    ir->method = DRS_IR_NETWORK;
    ir->start_now = true;
    const json_t *v = json_object_get(s, "initial_replication");
    if (!v)
        return;
    char p[SC_PATH], q[SC_PATH];
    sc_path_key(p, sp, "initial_replication");
    if (!sc_expect_object(c, v, p))
        return;
    sc_check_keys(c, v, p, sc_ir_keys);
    static const char *const methods[] = {"network", "offline", NULL};
    static const char *const starts[] = {"now", "at", NULL};
    int m = 0;
    sc_get_enum(c, v, p, "method", SC_OPTIONAL, methods, &m);
    ir->method = m ? DRS_IR_OFFLINE : DRS_IR_NETWORK;
    /* Keys of the other method are a mistake worth naming. */
    static const char *const network_only[] = {"start", "time", NULL};
    static const char *const offline_only[] = {"export", "import", "shipping_time", NULL};
    const char *const *wrong = m ? network_only : offline_only;
    for (size_t k = 0; wrong[k]; k++) {
        if (sc_has(v, wrong[k])) {
            sc_path_key(q, p, wrong[k]);
            sc_error(c, q, "'%s' does not apply to %s initial replication", wrong[k], methods[m]);
        }
    }
    if (ir->method == DRS_IR_NETWORK) {
        int st = 0;
        sc_get_enum(c, v, p, "start", SC_OPTIONAL, starts, &st);
        ir->start_now = st == 0;
        if (!ir->start_now) {
            if (sc_get_duration(c, v, p, "time", SC_REQUIRED, &ir->time_of_day_ns) &&
                ir->time_of_day_ns >= SC_DAY_NS) {
                sc_path_key(q, p, "time");
                sc_error(c, q, "expected a time of day below 24h");
            }
        } else if (sc_has(v, "time")) {
            sc_path_key(q, p, "time");
            sc_error(c, q, "'time' applies only with \"start\": \"at\"");
        }
        return;
    }
    /* Offline: "file-server:\\path" on each side. */
    static const char *const locs[] = {"export", "import"};
    char **dst[] = {&ir->export_location, &ir->import_location};
    for (size_t k = 0; k < 2; k++) {
        if (!sc_get_name(c, v, p, locs[k], SC_REQUIRED, dst[k]))
            continue;
        const char *colon = strchr(*dst[k], ':');
        if (!colon || colon == *dst[k] || !colon[1]) {
            sc_path_key(q, p, locs[k]);
            sc_error(c, q,
                     "expected a location such as \"fs-sea:\\\\\\\\fs-sea\\\\export\" "
                     "(server:path), got \"%s\"",
                     *dst[k]);
        }
    }
    sc_get_duration(c, v, p, "shipping_time", SC_REQUIRED, &ir->shipping_time_ns);
}

static void sc_load_settings(sc_ctx *c, drs_pair_settings *st, const json_t *pair, const char *pp)
{
    st->copy_frequency_ns = 5 * 60 * DRS_NS_PER_S;
    st->compression = true; /* Site Recovery compresses replication traffic unless told not to */
    st->health_window_ns = RULES_HEALTH_WINDOW_DEFAULT_NS;
    st->authentication = DRS_AUTH_HTTPS;
    st->change_tracking = DRS_TRACK_LOG;
    st->port = 0;
    const json_t *s = json_object_get(pair, "settings");
    char p[SC_PATH], q[SC_PATH];
    sc_path_key(p, pp, "settings");
    if (s && sc_expect_object(c, s, p)) {
        sc_check_keys(c, s, p, sc_settings_keys);
        if (sc_get_duration(c, s, p, "copy_frequency", SC_OPTIONAL, &st->copy_frequency_ns) &&
            st->copy_frequency_ns <= 0) {
            sc_path_key(q, p, "copy_frequency");
            sc_error(c, q, "expected a duration longer than 0");
        }
        long long n = 0;
        if (sc_get_int(c, s, p, "additional_recovery_points", SC_OPTIONAL, 0, 100, &n))
            st->additional_recovery_points = (int)n;
        sc_get_duration(c, s, p, "app_consistent_frequency", SC_OPTIONAL,
                        &st->app_consistent_frequency_ns);
        sc_get_bool(c, s, p, "compression", SC_OPTIONAL, &st->compression);
        static const char *const auths[] = {"https", "kerberos", NULL};
        int au = 0;
        if (sc_get_enum(c, s, p, "authentication", SC_OPTIONAL, auths, &au))
            st->authentication = au ? DRS_AUTH_KERBEROS : DRS_AUTH_HTTPS;
        long long port = 0;
        if (sc_get_int(c, s, p, "port", SC_OPTIONAL, 1, 65535, &port))
            st->port = (int)port;
        static const char *const trackings[] = {"log", "coalesced", NULL};
        int tr = 0;
        if (sc_get_enum(c, s, p, "change_tracking", SC_OPTIONAL, trackings, &tr))
            st->change_tracking = tr ? DRS_TRACK_COALESCED : DRS_TRACK_LOG;
        sc_get_bool(c, s, p, "delete_replica_on_disable", SC_OPTIONAL,
                    &st->delete_replica_on_disable);
        int64_t w = 0;
        if (sc_get_duration(c, s, p, "health_window", SC_OPTIONAL, &w)) {
            if (w < RULES_HEALTH_WINDOW_MIN_NS || w > RULES_HEALTH_WINDOW_MAX_NS) {
                sc_path_key(q, p, "health_window");
                sc_error(c, q, "expected a monitoring window from 1h to 7d, got \"%s\"",
                         json_string_value(json_object_get(s, "health_window")));
            } else {
                st->health_window_ns = w;
            }
        }
    }
    if (!st->port)
        st->port = st->authentication == DRS_AUTH_KERBEROS ? 8083 : 8084;
    sc_load_initial_replication(c, &st->initial_replication, s && json_is_object(s) ? s : NULL, p);
}

static void sc_load_pairs(sc_ctx *c, drs_recovery *r, const json_t *rec)
{
    char p[SC_PATH], q[SC_PATH];
    const json_t *a = sc_section(c, rec, "cloud_pairs", p);
    if (!a)
        return;
    r->cloud_pair_count = json_array_size(a);
    r->cloud_pairs = drs_xcalloc(r->cloud_pair_count, sizeof *r->cloud_pairs);
    for (size_t i = 0; i < r->cloud_pair_count; i++) {
        const json_t *v = json_array_get(a, i);
        drs_cloud_pair *cp = &r->cloud_pairs[i];
        cp->primary_site = cp->primary_cloud = cp->target_site = cp->target_cloud = -1;
        sc_path_index(q, p, i);
        if (!sc_expect_object(c, v, q)) {
            sc_load_settings(c, &cp->settings, NULL, q);
            continue;
        }
        sc_check_keys(c, v, q, sc_pair_keys);
        const sc_name *pc = sc_get_ref(c, v, q, "primary", SC_REQUIRED, SC_CLOUD);
        if (pc) {
            cp->primary_site = pc->a;
            cp->primary_cloud = pc->b;
        }
        const sc_name *tc = sc_get_ref(c, v, q, "target", SC_REQUIRED, SC_CLOUD);
        if (tc) {
            cp->target_site = tc->a;
            cp->target_cloud = tc->b;
        }
        sc_get_duration(c, v, q, "at", SC_OPTIONAL, &cp->at_ns);
        sc_load_settings(c, &cp->settings, v, q);
    }
}

static void sc_load_mappings(sc_ctx *c, const json_t *rec, const char *key, sc_kind kind,
                             drs_mapping **out, size_t *count)
{
    char p[SC_PATH], q[SC_PATH];
    const json_t *a = sc_section(c, rec, key, p);
    if (!a)
        return;
    *count = json_array_size(a);
    *out = drs_xcalloc(*count, sizeof **out);
    for (size_t i = 0; i < *count; i++) {
        const json_t *v = json_array_get(a, i);
        drs_mapping *m = &(*out)[i];
        m->source_site = m->source = m->target_site = m->target = -1;
        sc_path_index(q, p, i);
        if (!sc_expect_object(c, v, q))
            continue;
        sc_check_keys(c, v, q, sc_mapping_keys);
        const sc_name *s = sc_get_ref(c, v, q, "source", SC_REQUIRED, kind);
        if (s) {
            m->source_site = s->a;
            m->source = s->b;
        }
        const sc_name *t = sc_get_ref(c, v, q, "target", SC_REQUIRED, kind);
        if (t) {
            m->target_site = t->a;
            m->target = t->b;
        }
        sc_get_duration(c, v, q, "at", SC_OPTIONAL, &m->at_ns);
    }
}

static void sc_load_protect(sc_ctx *c, drs_recovery *r, const json_t *rec)
{
    char p[SC_PATH], q[SC_PATH];
    const json_t *a = sc_section(c, rec, "protect", p);
    if (!a)
        return;
    r->protect_count = json_array_size(a);
    r->protect = drs_xcalloc(r->protect_count, sizeof *r->protect);
    /* first[vm] = 1 + the entry that protected it first: finds repeats in one pass */
    size_t *first = drs_xcalloc(c->sc->vm_count, sizeof *first);
    for (size_t i = 0; i < r->protect_count; i++) {
        const json_t *v = json_array_get(a, i);
        drs_protect *pr = &r->protect[i];
        pr->vm = -1;
        sc_path_index(q, p, i);
        if (!sc_expect_object(c, v, q))
            continue;
        sc_check_keys(c, v, q, sc_protect_keys);
        const sc_name *vm = sc_get_ref(c, v, q, "vm", SC_REQUIRED, SC_VM);
        if (vm) {
            pr->vm = vm->a;
            if (first[vm->a])
                sc_warn(c, q, "VM '%s' is already protected by %s[%zu]", vm->name, p,
                        first[vm->a] - 1);
            else
                first[vm->a] = i + 1;
        }
        sc_get_duration(c, v, q, "at", SC_OPTIONAL, &pr->at_ns);
    }
    free(first);
}

static void sc_load_plan_actions(sc_ctx *c, const json_t *g, const char *gp, const char *key,
                                 drs_plan_action **out, size_t *count)
{
    const json_t *a = sc_get_array(c, g, gp, key, SC_OPTIONAL);
    if (!a)
        return;
    char p[SC_PATH], q[SC_PATH];
    sc_path_key(p, gp, key);
    *count = json_array_size(a);
    *out = drs_xcalloc(*count, sizeof **out);
    for (size_t i = 0; i < *count; i++) {
        const json_t *v = json_array_get(a, i);
        drs_plan_action *x = &(*out)[i];
        sc_path_index(q, p, i);
        if (!sc_expect_object(c, v, q))
            continue;
        sc_check_keys(c, v, q, sc_action_keys);
        bool script = sc_has(v, "script"), manual = sc_has(v, "manual");
        if (script == manual) {
            sc_error(
                c, q,
                "expected exactly one of 'script' (a script's name) or 'manual' (an instruction)");
        } else if (script) {
            x->kind = DRS_ACTION_SCRIPT;
            sc_get_name(c, v, q, "script", SC_REQUIRED, &x->text);
        } else {
            x->kind = DRS_ACTION_MANUAL;
            sc_get_name(c, v, q, "manual", SC_REQUIRED, &x->text);
        }
        sc_get_duration(c, v, q, "duration", SC_OPTIONAL, &x->duration_ns);
        int outcome = DRS_SCRIPT_SUCCEEDS;
        if (sc_has(v, "outcome") && x->kind == DRS_ACTION_MANUAL)
            sc_error(c, q, "'outcome' is for scripts: a manual action ends when it is done");
        else
            sc_get_enum(c, v, q, "outcome", SC_OPTIONAL, sc_script_outcomes, &outcome);
        x->outcome = (drs_script_outcome)outcome;
    }
}

static void sc_load_plans(sc_ctx *c, drs_recovery *r, const json_t *rec)
{
    char p[SC_PATH], q[SC_PATH], gp[SC_PATH], t[SC_PATH], u[SC_PATH];
    const json_t *a = sc_section(c, rec, "recovery_plans", p);
    if (!a) {
        if (sc_has(rec, "recovery_plans"))
            sc_name_broken(c, SC_PLAN);
        return;
    }
    r->plan_count = json_array_size(a);
    r->plans = drs_xcalloc(r->plan_count, sizeof *r->plans);
    /* in_plan[vm] = 1 + the plan that last listed it: a VM appears once per plan */
    size_t *in_plan = drs_xcalloc(c->sc->vm_count, sizeof *in_plan);
    for (size_t i = 0; i < r->plan_count; i++) {
        const json_t *v = json_array_get(a, i);
        drs_recovery_plan *pl = &r->plans[i];
        sc_path_index(q, p, i);
        if (!sc_expect_object(c, v, q)) {
            sc_name_broken(c, SC_PLAN);
            continue;
        }
        sc_check_keys(c, v, q, sc_plan_keys);
        if (sc_get_name(c, v, q, "name", SC_REQUIRED, &pl->name)) {
            sc_path_key(t, q, "name");
            sc_name_add(c, SC_PLAN, pl->name, (int)i, -1, t);
        } else {
            sc_name_broken(c, SC_PLAN);
        }
        const json_t *groups = sc_get_array(c, v, q, "groups", SC_REQUIRED);
        if (!groups)
            continue;
        sc_path_key(t, q, "groups");
        if (json_array_size(groups) == 0) {
            sc_error(c, t, "expected at least one group");
            continue;
        }
        pl->group_count = json_array_size(groups);
        pl->groups = drs_xcalloc(pl->group_count, sizeof *pl->groups);
        for (size_t g = 0; g < pl->group_count; g++) {
            const json_t *gv = json_array_get(groups, g);
            drs_plan_group *grp = &pl->groups[g];
            sc_path_index(gp, t, g);
            if (!sc_expect_object(c, gv, gp))
                continue;
            sc_check_keys(c, gv, gp, sc_group_keys);
            char **names = NULL;
            size_t n = 0;
            sc_get_str_array(c, gv, gp, "vms", SC_REQUIRED, &names, &n);
            char vp[SC_PATH];
            sc_path_key(vp, gp, "vms");
            if (names && n == 0)
                sc_error(c, vp, "expected at least one VM in the group");
            grp->vm_count = n;
            grp->vms = names ? drs_xcalloc(n, sizeof *grp->vms) : NULL;
            for (size_t k = 0; k < n; k++) {
                grp->vms[k] = -1;
                sc_path_index(u, vp, k);
                const sc_name *vm = sc_resolve(c, SC_VM, names[k], u);
                if (!vm)
                    continue;
                grp->vms[k] = vm->a;
                if (in_plan[vm->a] == i + 1)
                    sc_error(c, u, "VM '%s' appears twice in this recovery plan", vm->name);
                in_plan[vm->a] = i + 1;
            }
            for (size_t k = 0; k < n; k++)
                free(names[k]);
            free(names);
            sc_load_plan_actions(c, gv, gp, "before", &grp->before, &grp->before_count);
            sc_load_plan_actions(c, gv, gp, "after", &grp->after, &grp->after_count);
        }
    }
    free(in_plan);
}

void sc_load_recovery(sc_ctx *c, const json_t *root)
{
    const json_t *rec = json_object_get(root, "recovery");
    if (!rec)
        return;
    if (!sc_expect_object(c, rec, "recovery")) {
        sc_name_broken(c, SC_PLAN);
        return;
    }
    drs_recovery *r = &c->sc->recovery;
    sc_check_keys(c, rec, "recovery", sc_recovery_keys);
    sc_load_vault(c, r, rec);
    sc_load_registrations(c, r, rec);
    sc_load_pairs(c, r, rec);
    sc_load_mappings(c, rec, "network_mappings", SC_NETWORK, &r->network_mappings,
                     &r->network_mapping_count);
    sc_load_mappings(c, rec, "storage_mappings", SC_CLASSIFICATION, &r->storage_mappings,
                     &r->storage_mapping_count);
    sc_load_protect(c, r, rec);
    sc_load_plans(c, r, rec);
}
