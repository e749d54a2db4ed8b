/* engine/transfers.c — how many replication transfers one primary host sends at once.
 *
 * Hyper-V's MaximumActiveTransfers: a host sends at most that many replication transfers at a time
 * (delta cycles, resynchronization payloads, initial replication over the network); the others wait
 * in the order they asked and start, one by one, as transfers end. The limit is the host's
 * max_active_transfers, or ENGINE_MAX_ACTIVE_TRANSFERS_2012 / _2012R2 by its OS when not given.
 *
 * The host that counts is the VM's replicating host at the moment it asks (src_site, src_host: the
 * recovery-site host after reverse replication). A VM holds at most one slot or one place in a queue:
 * its transfers follow one another. Each host keeps its waiting VMs as a list threaded through
 * eng_vm.xfer_next, so asking and ending cost O(1); withdrawing a waiting VM walks its host's list,
 * which happens only when replication stops. */
#include <stdlib.h>

#include "engine_internal.h"
#include "engine/shared/alloc.h"

struct eng_xfer_host {
    int limit, active;
    int head, tail; /* waiting VMs, oldest first; -1 when none */
};

void eng_xfers_init(engine *e)
{
    const drs_scenario *sc = e->sc;
    e->xfer_hosts = drs_xcalloc(sc->site_count ? sc->site_count : 1, sizeof *e->xfer_hosts);
    for (size_t s = 0; s < sc->site_count; s++) {
        const drs_site *site = &sc->sites[s];
        e->xfer_hosts[s] = drs_xcalloc(site->host_count ? site->host_count : 1, sizeof **e->xfer_hosts);
        for (size_t h = 0; h < site->host_count; h++) {
            eng_xfer_host *x = &e->xfer_hosts[s][h];
            const drs_host *d = &site->hosts[h];
            x->limit = d->max_active_transfers > 0 ? d->max_active_transfers
                       : d->os == DRS_OS_2012      ? ENGINE_MAX_ACTIVE_TRANSFERS_2012
                                                   : ENGINE_MAX_ACTIVE_TRANSFERS_2012R2;
            x->head = x->tail = -1;
        }
    }
}

void eng_xfers_free(engine *e)
{
    for (size_t s = 0; e->xfer_hosts && s < e->sc->site_count; s++)
        free(e->xfer_hosts[s]);
    free(e->xfer_hosts);
    e->xfer_hosts = NULL;
}

static eng_xfer_host *host_of(engine *e, int site, int host)
{
    if (!e->xfer_hosts || site < 0 || (size_t)site >= e->sc->site_count || host < 0 ||
        (size_t)host >= e->sc->sites[site].host_count)
        return NULL;
    return &e->xfer_hosts[site][host];
}

bool eng_xfer_acquire(eng_vm *v, eng_xfer_start_fn start)
{
    engine *e = v->e;
    if (v->xfer != ENG_XFER_NONE) /* already holds its slot (a transfer sent again) or waits */
        return v->xfer == ENG_XFER_ACTIVE;
    eng_xfer_host *x = host_of(e, v->src_site, v->src_host);
    if (!x)
        return true; /* a host the scenario does not describe: nothing to count */
    v->xfer_site = v->src_site;
    v->xfer_host = v->src_host;
    v->xfer_start = start;
    if (x->active < x->limit) {
        x->active++;
        v->xfer = ENG_XFER_ACTIVE;
        return true;
    }
    v->xfer = ENG_XFER_WAITING;
    v->xfer_next = -1;
    if (x->tail >= 0)
        e->vms[x->tail].xfer_next = v->index;
    else
        x->head = v->index;
    x->tail = v->index;
    return false;
}

bool eng_xfer_waiting(const eng_vm *v)
{
    return v->xfer == ENG_XFER_WAITING;
}

/* Takes v out of its host's waiting list. */
static void unlink_waiting(engine *e, eng_xfer_host *x, eng_vm *v)
{
    int prev = -1;
    for (int i = x->head; i >= 0; prev = i, i = e->vms[i].xfer_next) {
        if (i != v->index)
            continue;
        if (prev >= 0)
            e->vms[prev].xfer_next = v->xfer_next;
        else
            x->head = v->xfer_next;
        if (x->tail == v->index)
            x->tail = prev;
        break;
    }
    v->xfer_next = -1;
}

void eng_xfer_release(eng_vm *v, eng_xfer_start_fn start)
{
    engine *e = v->e;
    eng_xfer_state was = v->xfer;
    if (was == ENG_XFER_NONE || v->xfer_start != start)
        return;
    v->xfer = ENG_XFER_NONE;
    eng_xfer_host *x = host_of(e, v->xfer_site, v->xfer_host);
    if (!x)
        return;
    if (was == ENG_XFER_WAITING) {
        unlink_waiting(e, x, v);
        return;
    }
    x->active--;
    /* The slot goes to the oldest waiting transfer of the host. */
    while (x->active < x->limit && x->head >= 0) {
        eng_vm *next = &e->vms[x->head];
        x->head = next->xfer_next;
        if (x->head < 0)
            x->tail = -1;
        next->xfer_next = -1;
        next->xfer = ENG_XFER_ACTIVE;
        x->active++;
        next->xfer_start(next);
    }
}
