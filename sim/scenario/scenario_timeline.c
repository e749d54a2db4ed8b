/* sim/scenario/scenario_timeline.c — the timeline of a scenario: actions and faults at points in time.
 *
 * Entries are checked one by one (each `do` accepts its own keys), then ordered by `at`, ties kept
 * in the order they were written, which is the order they fire in. */
#include <stdlib.h>
#include <string.h>

#include "scenario_internal.h"

/* What each `do` accepts besides `at` and `do`; indexed by drs_action_do (names and classes are in
 * engine/shared/desc.h). */
typedef struct sc_do_spec {
    const char *keys[7];
} sc_do_spec;

static const sc_do_spec sc_do_specs[DRS_DO_COUNT] = {
    [DRS_DO_LINK_DOWN] = {{"link", "for"}},
    [DRS_DO_LINK_UP] = {{"link"}},
    [DRS_DO_LINK_SET] = {{"link", "bandwidth", "latency", "loss", "replication_cap"}},
    [DRS_DO_HOST_DOWN] = {{"host"}},
    [DRS_DO_HOST_UP] = {{"host"}},
    [DRS_DO_SITE_DOWN] = {{"site"}},
    [DRS_DO_SITE_UP] = {{"site"}},
    [DRS_DO_VMM_OFFLINE] = {{"vmm"}},
    [DRS_DO_VMM_ONLINE] = {{"vmm"}},
    [DRS_DO_STORAGE_FILL] = {{"classification", "free"}},
    [DRS_DO_WORKLOAD_SET] = {{"vm", "disk", "workload"}},
    [DRS_DO_PROTECT] = {{"vm"}},
    [DRS_DO_UNPROTECT] = {{"vm"}},
    [DRS_DO_TEST_FAILOVER] = {{"plan", "vm", "recovery_point", "network", "cleanup_after"}},
    [DRS_DO_PLANNED_FAILOVER] = {{"plan", "vm"}},
    [DRS_DO_UNPLANNED_FAILOVER] = {{"plan", "vm", "recovery_point"}},
    [DRS_DO_COMMIT] = {{"plan", "vm"}},
    [DRS_DO_CANCEL_FAILOVER] = {{"plan", "vm"}},
    [DRS_DO_REVERSE_REPLICATION] = {{"plan", "vm"}},
    [DRS_DO_FAILBACK] = {{"plan", "vm"}},
    [DRS_DO_CLEANUP_TEST_FAILOVER] = {{"plan", "vm"}},
    [DRS_DO_RESYNC] = {{"plan", "vm"}},
    [DRS_DO_PAIR_MODIFY] = {{"primary", "target"}},
    [DRS_DO_PAIR_REMOVE] = {{"primary"}},
};

/* `plan` or `vm`, exactly one. */
static void sc_plan_or_vm(sc_ctx *c, const json_t *v, const char *p, drs_action *x)
{
    bool plan = sc_has(v, "plan"), vm = sc_has(v, "vm");
    if (plan == vm) {
        sc_error(c, p, "expected exactly one of 'plan' (a recovery plan) or 'vm'%s",
                 plan ? ", got both" : "");
        return;
    }
    const sc_name *e =
        sc_get_ref(c, v, p, plan ? "plan" : "vm", SC_REQUIRED, plan ? SC_PLAN : SC_VM);
    if (e) {
        if (plan)
            x->plan = e->a;
        else
            x->vm = e->a;
    }
}

static void sc_recovery_point(sc_ctx *c, const json_t *v, const char *p, drs_action *x)
{
    const json_t *rp = json_object_get(v, "recovery_point");
    if (!rp)
        return;
    char q[SC_PATH];
    sc_path_key(q, p, "recovery_point");
    static const char *const kinds[] = {"latest", "latest_app_consistent", "latest_processed",
                                        NULL};
    if (json_is_string(rp)) {
        for (int k = 0; kinds[k]; k++) {
            if (!strcmp(json_string_value(rp), kinds[k])) {
                x->rp = (drs_rp_kind)k;
                return;
            }
        }
        const char *s = json_string_value(rp);
        if (s[0] >= '0' && s[0] <= '9') {
            if (sc_value_duration(c, rp, q, &x->rp_at_ns))
                x->rp = DRS_RP_AT;
            return;
        }
        const char *near = sc_suggest(s, kinds, 3);
        if (near) {
            sc_error(c, q,
                     "expected \"latest\", \"latest_app_consistent\", \"latest_processed\" or a "
                     "point in time "
                     "such as \"6h\", got \"%s\" (did you mean \"%s\"?)",
                     s, near);
            return;
        }
    }
    char got[80];
    sc_error(
        c, q,
        "expected \"latest\", \"latest_app_consistent\", \"latest_processed\" or a point in time "
        "such as \"6h\", got %s",
        sc_describe(rp, got, sizeof got));
}

static void sc_load_action(sc_ctx *c, const json_t *v, const char *p, drs_action *x)
{
    drs_scenario *sc = c->sc;
    char q[SC_PATH];
    const sc_name *e;
    /* The keys: `at`, `do`, and those of this `do`. */
    const sc_do_spec *spec = &sc_do_specs[x->what];
    const char *allowed[10] = {"at", "do"};
    for (size_t k = 0; k < 7 && spec->keys[k]; k++)
        allowed[k + 2] = spec->keys[k];
    sc_check_keys(c, v, p, allowed);

    switch (x->what) {
    case DRS_DO_LINK_DOWN:
    case DRS_DO_LINK_UP:
    case DRS_DO_LINK_SET:
        if ((e = sc_get_ref(c, v, p, "link", SC_REQUIRED, SC_LINK)))
            x->link = e->a;
        if (x->what == DRS_DO_LINK_DOWN &&
            sc_get_duration(c, v, p, "for", SC_OPTIONAL, &x->for_ns) && x->for_ns <= 0) {
            sc_path_key(q, p, "for");
            sc_error(c, q,
                     "expected a duration longer than 0 (leave 'for' out to keep the link down)");
        }
        if (x->what == DRS_DO_LINK_SET) {
            bool any = false;
            if (sc_get_rate(c, v, p, "bandwidth", SC_OPTIONAL, &x->bandwidth_Bps)) {
                any = true;
                if (x->bandwidth_Bps <= 0) {
                    sc_path_key(q, p, "bandwidth");
                    sc_error(c, q,
                             "expected a bandwidth larger than 0 (use link.down for an outage)");
                }
            }
            any |= sc_get_duration(c, v, p, "latency", SC_OPTIONAL, &x->latency_ns);
            if (sc_get_fraction(c, v, p, "loss", SC_OPTIONAL, &x->loss)) {
                any = true;
                if (x->loss >= 1) {
                    sc_path_key(q, p, "loss");
                    sc_error(c, q, "a loss of 1 lets nothing through; expected a fraction below 1");
                }
            }
            any |= sc_get_rate(c, v, p, "replication_cap", SC_OPTIONAL, &x->replication_cap_Bps);
            if (!any && !sc_has(v, "bandwidth") && !sc_has(v, "latency") && !sc_has(v, "loss") &&
                !sc_has(v, "replication_cap"))
                sc_error(c, p,
                         "link.set needs at least one of 'bandwidth', 'latency', 'loss', "
                         "'replication_cap'");
        }
        break;
    case DRS_DO_HOST_DOWN:
    case DRS_DO_HOST_UP:
        if ((e = sc_get_ref(c, v, p, "host", SC_REQUIRED, SC_HOST))) {
            x->host_site = e->a;
            x->host = e->b;
        }
        break;
    case DRS_DO_SITE_DOWN:
    case DRS_DO_SITE_UP:
        if ((e = sc_get_ref(c, v, p, "site", SC_REQUIRED, SC_SITE)))
            x->site = e->a;
        break;
    case DRS_DO_VMM_OFFLINE:
    case DRS_DO_VMM_ONLINE:
        if ((e = sc_get_ref(c, v, p, "vmm", SC_REQUIRED, SC_VMM)))
            x->site = e->a;
        break;
    case DRS_DO_STORAGE_FILL:
        if ((e = sc_get_ref(c, v, p, "classification", SC_REQUIRED, SC_CLASSIFICATION))) {
            x->storage_site = e->a;
            x->storage = e->b;
        }
        sc_get_size(c, v, p, "free", SC_REQUIRED, &x->free_bytes);
        break;
    case DRS_DO_WORKLOAD_SET: {
        if ((e = sc_get_ref(c, v, p, "vm", SC_REQUIRED, SC_VM)))
            x->vm = e->a;
        char *disk = NULL;
        if (sc_get_name(c, v, p, "disk", SC_REQUIRED, &disk) && x->vm >= 0) {
            const drs_vm *vm = &sc->vms[x->vm];
            for (size_t d = 0; d < vm->disk_count; d++)
                if (vm->disks[d].name && !strcmp(vm->disks[d].name, disk))
                    x->disk = (int)d;
            if (x->disk < 0) {
                sc_path_key(q, p, "disk");
                sc_error(c, q, "VM '%s' has no disk named '%s'", vm->name, disk);
            }
        }
        free(disk);
        if ((e = sc_get_ref(c, v, p, "workload", SC_REQUIRED, SC_WORKLOAD)))
            x->workload = e->a;
        break;
    }
    case DRS_DO_PROTECT:
    case DRS_DO_UNPROTECT:
        if ((e = sc_get_ref(c, v, p, "vm", SC_REQUIRED, SC_VM)))
            x->vm = e->a;
        break;
    case DRS_DO_TEST_FAILOVER:
        sc_plan_or_vm(c, v, p, x);
        sc_recovery_point(c, v, p, x);
        if ((e = sc_get_ref(c, v, p, "network", SC_OPTIONAL, SC_NETWORK))) {
            x->network_site = e->a;
            x->network = e->b;
        }
        sc_get_duration(c, v, p, "cleanup_after", SC_OPTIONAL, &x->cleanup_after_ns);
        break;
    case DRS_DO_UNPLANNED_FAILOVER:
        sc_plan_or_vm(c, v, p, x);
        sc_recovery_point(c, v, p, x);
        break;
    case DRS_DO_PLANNED_FAILOVER:
    case DRS_DO_COMMIT:
    case DRS_DO_CANCEL_FAILOVER:
    case DRS_DO_REVERSE_REPLICATION:
    case DRS_DO_FAILBACK:
    case DRS_DO_CLEANUP_TEST_FAILOVER:
    case DRS_DO_RESYNC:
        sc_plan_or_vm(c, v, p, x);
        break;
    case DRS_DO_PAIR_MODIFY:
    case DRS_DO_PAIR_REMOVE:
        if ((e = sc_get_ref(c, v, p, "primary", SC_REQUIRED, SC_CLOUD))) {
            x->primary_site = e->a;
            x->primary_cloud = e->b;
        }
        if (x->what == DRS_DO_PAIR_MODIFY &&
            (e = sc_get_ref(c, v, p, "target", SC_REQUIRED, SC_CLOUD))) {
            x->target_site = e->a;
            x->target_cloud = e->b;
        }
        break;
    case DRS_DO_COUNT:
        break;
    }
}


/* Orders by time, then by position in the file (the index is kept alongside for the tie). */
typedef struct sc_order {
    int64_t at_ns;
    size_t index;
} sc_order;

static int sc_order_cmp(const void *a, const void *b)
{
    const sc_order *x = a, *y = b;
    if (x->at_ns != y->at_ns)
        return x->at_ns < y->at_ns ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

void sc_load_timeline(sc_ctx *c, const json_t *root)
{
    drs_scenario *sc = c->sc;
    const json_t *a = sc_get_array(c, root, "", "timeline", SC_OPTIONAL);
    if (!a)
        return;
    size_t n = json_array_size(a);
    drs_action *acts = drs_xcalloc(n, sizeof *acts);
    const char *names[DRS_DO_COUNT + 1];
    for (size_t k = 0; k < DRS_DO_COUNT; k++)
        names[k] = drs_action_name((drs_action_do)k);
    names[DRS_DO_COUNT] = NULL;
    char p[SC_PATH], q[SC_PATH];
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(a, i);
        drs_action *x = &acts[i];
        *x = drs_action_blank(DRS_DO_LINK_DOWN, i); /* `do` is read below */
        sc_path_index(p, "timeline", i);
        if (!sc_expect_object(c, v, p))
            continue;
        if (sc_get_duration(c, v, p, "at", SC_REQUIRED, &x->at_ns) && sc->duration_ns > 0 &&
            x->at_ns > sc->duration_ns) {
            sc_path_key(q, p, "at");
            sc_warn(c, q, "after the end of the run (duration); this action never happens");
        }
        char *what = NULL;
        if (!sc_get_name(c, v, p, "do", SC_REQUIRED, &what))
            continue;
        size_t k = 0;
        while (k < DRS_DO_COUNT && strcmp(what, names[k]))
            k++;
        if (k == DRS_DO_COUNT) {
            const char *near = sc_suggest(what, names, DRS_DO_COUNT);
            sc_path_key(q, p, "do");
            if (near)
                sc_error(c, q, "unknown action '%s' (did you mean '%s'?)", what, near);
            else
                sc_error(c, q,
                         "unknown action '%s'; scenarios/README.md lists the timeline actions "
                         "(link.down, "
                         "site.down, unplanned_failover, ...)",
                         what);
            free(what);
            continue;
        }
        free(what);
        x->what = (drs_action_do)k;
        sc_load_action(c, v, p, x);
    }
    sc_order *order = drs_xcalloc(n, sizeof *order);
    for (size_t i = 0; i < n; i++) {
        order[i].at_ns = acts[i].at_ns;
        order[i].index = i;
    }
    qsort(order, n, sizeof *order, sc_order_cmp);
    sc->timeline = drs_xcalloc(n, sizeof *sc->timeline);
    sc->timeline_count = n;
    for (size_t i = 0; i < n; i++)
        sc->timeline[i] = acts[order[i].index];
    free(order);
    free(acts);
}
