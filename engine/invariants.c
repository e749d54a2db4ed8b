/* engine/invariants.c — the engine's own invariants, checked from outside while a run goes.
 *
 * `drsim run --check` and `drsim swarm` call engine_check_invariants after every kernel event. It
 * reads only long-standing bookkeeping (the retained points, the newest applied point, the VM's
 * settings) and changes nothing, so a checked run moves exactly as an unchecked one. */
#include <stdio.h>

#include "failover_internal.h"

/* Writes "INVARIANT: message" into why. */
static bool inv_fail(char *why, size_t n, const char *invariant, const eng_vm *v, const char *what,
                     long long a, long long b)
{
    snprintf(why, n, "%s: %s: %s (%lld > %lld)", invariant, v->desc->name, what, a, b);
    return false;
}

bool engine_check_invariants(const engine *e, char *why, size_t n)
{
    int64_t now = e->pf.now(e->pf.ctx);
    for (size_t i = 0; i < e->sc->vm_count; i++) {
        const eng_vm *v = &e->vms[i];
        /* One operation at a time only works if an operation that ended lets go of its VMs. */
        if (v->fo_run && v->fo_run->finished) {
            snprintf(why, n, "operation-held: %s: still held by a failover whose job has ended",
                     v->desc->name);
            return false;
        }
        if (v->has_latest) {
            if (v->latest_captured_ns > now)
                return inv_fail(why, n, "rpo-negative",
                                v, "the newest applied point was captured after now", 
                                (long long)v->latest_captured_ns, (long long)now);
            if (v->latest_applied_ns > now)
                return inv_fail(why, n, "rp-future", v,
                                "the newest point's apply time is in the future",
                                (long long)v->latest_applied_ns, (long long)now);
            if (v->latest_captured_ns > v->latest_applied_ns)
                return inv_fail(why, n, "rp-future", v,
                                "the newest point was applied before it was captured",
                                (long long)v->latest_captured_ns, (long long)v->latest_applied_ns);
        }
        int retention = v->settings.additional_recovery_points > 0
                            ? v->settings.additional_recovery_points
                            : 0;
        if (v->point_count > (size_t)retention)
            return inv_fail(why, n, "retention", v,
                            "more additional recovery points retained than the setting",
                            (long long)v->point_count, (long long)retention);
        for (size_t k = 0; k < v->point_count; k++) {
            const eng_point *p = &v->points[k];
            if (p->captured_ns > now)
                return inv_fail(why, n, "rp-future", v, "a retained point's capture is in the future",
                                (long long)p->captured_ns, (long long)now);
            if (p->applied_ns > now || p->captured_ns > p->applied_ns)
                return inv_fail(why, n, "rp-future", v,
                                "a retained point was applied in the future or before its capture",
                                (long long)p->applied_ns, (long long)now);
            if (k > 0 && v->points[k - 1].captured_ns > p->captured_ns)
                return inv_fail(why, n, "rp-order", v,
                                "retained points are not in capture order",
                                (long long)v->points[k - 1].captured_ns, (long long)p->captured_ns);
        }
        /* What an apply reads instead of the points and the journal must say what they hold. */
        if (v->oldest_point_id != (v->point_count ? v->points[0].id : 0))
            return inv_fail(why, n, "undo-journal", v, "the oldest retained point's id is stale",
                            (long long)v->oldest_point_id,
                            (long long)(v->point_count ? v->points[0].id : 0));
        size_t held = 0;
        for (size_t r = v->undo_head; r < v->undo_head + v->undo_count; r++) {
            for (size_t k = 0; k < v->disks; k++)
                held += v->undo_handles[r * v->disks + k] != 0;
            if (r > v->undo_head && v->undo[r - 1].id >= v->undo[r].id)
                return inv_fail(why, n, "undo-journal", v, "undo records are not in apply order",
                                (long long)v->undo[r - 1].id, (long long)v->undo[r].id);
        }
        if (held != v->undo_held)
            return inv_fail(why, n, "undo-journal", v, "the count of held undo handles is stale",
                            (long long)v->undo_held, (long long)held);
    }
    return true;
}
