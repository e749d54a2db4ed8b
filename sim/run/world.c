/* sim/run/world.c — the model of one run, and engine/platform.h bound to it and to the kernel.
 *
 * Everything is held in arrays indexed by the scenario's own indices; timers, transfers and undo
 * records come from pools with free lists, so the event loop does not allocate once warm. Handles given
 * to the engine carry a generation in their high bits so that a stale one is recognised. */
#include "world.h"
#include "engine/shared/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/disk.h"
#include "model/link.h"
#include "model/storage.h"
#include "model/workload.h"

/* Digests a disk has shown when something read it for replication (a log taken, a base copied, a
 * resynchronization's differences listed): the only contents a replica of it may hold. Kept only
 * while checking (sim_world_set_checking); an open-addressing set, 0 marking a free slot. */
typedef struct world_hist {
    uint64_t *slot;
    size_t cap, count;
} world_hist;

typedef struct world_disk {
    model_disk *primary, *replica;
    world_hist hist_a, hist_b;
    world_hist *phist, *rhist; /* follow primary and replica when they are swapped */
    bool tracked; /* the replica was made from the current primary (base or resync) since a swap */
    model_workload *workload;
    gsl_rng *rng;
    int64_t generated_ns; /* writes exist up to here */
} world_disk;

typedef struct world_vm {
    world_disk *disks;
    size_t disk_count;
    bool running;             /* the instance writes (its host up, not shut down) */
    int inst_site, inst_host; /* where the instance lives; inst_site -1: shut down */
    /* The disks' primary and replica pointers are swapped: replication runs from the recovery
     * site back to the VM's own site (set_primary_copy). */
    bool reversed;
    bool writes_replica; /* the instance's copy is the one `replica` points at */
    int *claim_host; /* per site: the host the engine last started the VM on there, -1 none */
} world_vm;

typedef struct world_site {
    bool up, vmm_online;
    bool *host_up;
    model_storage *storage;
    uint64_t *engine_held; /* per classification: what the engine reserved and has not released */
} world_site;

typedef struct world_link {
    struct sim_world *w; /* kernel events get the link; the link knows its world */
    int index;
    model_link *link;
    bool admin_up; /* link.down / link.up; the link is up when this and both sites are */
    sim_event_id event;
    /* The transfer ledger: bytes of transfers started, completed and cancelled. */
    uint64_t offered, delivered, abandoned;
} world_link;

/* Timers live in fixed chunks so that a kernel event can point at its timer across pool growth. */
#define TIMER_CHUNK 1024
typedef struct world_timer {
    struct sim_world *w;
    uint32_t index;
    engine_timer_fn fn;
    void *arg;
    sim_event_id ev;
    uint32_t gen;
    int32_t next_free; /* -1 when in use or last */
} world_timer;

typedef struct world_transfer {
    engine_transfer_fn done;
    void *arg;
    int link;
    model_flow_id flow;
    uint64_t bytes;
    uint32_t gen;
    int32_t next_free;
    bool busy;
} world_transfer;

typedef struct world_undo {
    model_disk_undo undo;
    uint32_t gen;
    int32_t next_free;
    bool busy;
} world_undo;

/* A pool: an array grown geometrically plus a free list threaded through next_free. */
#define POOL(T)                                                                                    \
    struct {                                                                                       \
        T *items;                                                                                  \
        size_t count, cap;                                                                         \
        int32_t free_head;                                                                         \
    }

struct sim_world {
    const drs_scenario *sc;
    sim *k;
    world_site *sites;
    world_link *links;
    world_vm *vms;
    model_trace **traces; /* per workload, loaded once */
    world_timer **timer_chunks;
    size_t timer_count, timer_chunk_count;
    int32_t timer_free;
    POOL(world_transfer) transfers;
    POOL(world_undo) undos;
    /* Invariant checking: on or off, and the first violation seen inside a platform call. */
    bool checking;
    bool violated;
    char viol_invariant[32];
    char viol_why[400];
};

#define HANDLE(idx, gen) (((uint64_t)(gen) << 32) | ((uint64_t)(idx) + 1))
#define HANDLE_IDX(h) ((size_t)((h)&0xffffffffu) - 1)
#define HANDLE_GEN(h) ((uint32_t)((h) >> 32))

/* Takes a slot from a pool (by macro, since the pools hold different types). */
#define POOL_TAKE(pool, out_idx)                                                                   \
    do {                                                                                           \
        if ((pool).free_head >= 0) {                                                               \
            (out_idx) = (size_t)(pool).free_head;                                                  \
            (pool).free_head = (pool).items[(out_idx)].next_free;                                  \
        } else {                                                                                   \
            size_t pool_old_cap_ = (pool).cap;                                                     \
            DRS_GROW((pool).items, (pool).cap, (pool).count + 1);                                  \
            memset((pool).items + pool_old_cap_, 0,                                                \
                   ((pool).cap - pool_old_cap_) * sizeof *(pool).items);                           \
            (out_idx) = (pool).count++;                                                            \
        }                                                                                          \
        (pool).items[(out_idx)].next_free = -1;                                                    \
    } while (0)

#define POOL_GIVE(pool, idx)                                                                       \
    do {                                                                                           \
        (pool).items[(idx)].gen++;                                                                 \
        (pool).items[(idx)].next_free = (pool).free_head;                                          \
        (pool).free_head = (int32_t)(idx);                                                         \
    } while (0)

/* ---------------------------------------------------------------------------------------------- */
/* Checking                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

static void world_violation(sim_world *w, const char *invariant, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Keeps the first violation: later ones are usually its consequences. */
static void world_violation(sim_world *w, const char *invariant, const char *fmt, ...)
{
    if (w->violated)
        return;
    w->violated = true;
    snprintf(w->viol_invariant, sizeof w->viol_invariant, "%s", invariant);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->viol_why, sizeof w->viol_why, fmt, ap);
    va_end(ap);
}

static size_t hist_pos(const world_hist *h, uint64_t x)
{
    /* splitmix64's finaliser spreads digests that differ in few bits */
    uint64_t z = x + 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return (size_t)(z ^ (z >> 31)) & (h->cap - 1);
}

static bool hist_has(const world_hist *h, uint64_t x)
{
    if (x == 0)
        return true; /* an empty disk: every primary was empty once */
    if (!h->cap)
        return false;
    for (size_t i = hist_pos(h, x);; i = (i + 1) & (h->cap - 1)) {
        if (h->slot[i] == x)
            return true;
        if (h->slot[i] == 0)
            return false;
    }
}

static void hist_add(world_hist *h, uint64_t x)
{
    if (x == 0 || hist_has(h, x))
        return;
    if (2 * (h->count + 1) > h->cap) {
        world_hist g = {.cap = h->cap ? 2 * h->cap : 64};
        g.slot = drs_xcalloc(g.cap, sizeof *g.slot);
        for (size_t i = 0; i < h->cap; i++)
            if (h->slot[i])
                hist_add(&g, h->slot[i]);
        free(h->slot);
        *h = g;
    }
    size_t i = hist_pos(h, x);
    while (h->slot[i])
        i = (i + 1) & (h->cap - 1);
    h->slot[i] = x;
    h->count++;
}

/* Replication read the primary: its digest now is a content a replica may hold. */
static void hist_note_primary(sim_world *w, world_disk *d)
{
    if (w->checking)
        hist_add(d->phist, model_disk_digest(d->primary));
}

/* The replica changed: it must hold a content its primary had when replication read it. */
static void hist_check_replica(sim_world *w, int vm, int disk)
{
    world_disk *d = &w->vms[vm].disks[disk];
    if (!w->checking || !d->tracked || w->vms[vm].writes_replica)
        return;
    uint64_t got = model_disk_digest(d->replica);
    if (!hist_has(d->phist, got))
        world_violation(w, "replica-content",
                        "replica of %s disk %s holds content (digest %016llx) its primary never "
                        "had when replication read it",
                        w->sc->vms[vm].name, w->sc->vms[vm].disks[disk].name,
                        (unsigned long long)got);
}

/* ---------------------------------------------------------------------------------------------- */
/* Writes                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

static void disk_catch_up(sim_world *w, world_vm *vm, world_disk *d)
{
    int64_t now = sim_now(w->k);
    if (now <= d->generated_ns)
        return;
    if (vm->running && d->workload)
        model_workload_generate(d->workload, vm->writes_replica ? d->replica : d->primary,
                                d->generated_ns, now, d->rng);
    d->generated_ns = now;
}

static void vm_catch_up(sim_world *w, int vm)
{
    world_vm *v = &w->vms[vm];
    for (size_t i = 0; i < v->disk_count; i++)
        disk_catch_up(w, v, &v->disks[i]);
}

/* A VM writes while its instance's host and site are up and nobody shut it down; it writes to the
 * copy of its disks at that site. Catch up first, so that the writes before the change follow the
 * old state. */
static void vm_refresh_running(sim_world *w, int vm)
{
    const drs_vm *dv = &w->sc->vms[vm];
    world_vm *v = &w->vms[vm];
    vm_catch_up(w, vm);
    if (v->inst_site < 0) {
        v->running = false;
        return;
    }
    world_site *s = &w->sites[v->inst_site];
    v->running = s->up && v->inst_host >= 0 && s->host_up[v->inst_host];
    /* The copy at the VM's own site is `primary` unless the direction is reversed. */
    v->writes_replica = (v->inst_site == dv->site) == v->reversed;
}

void sim_world_catch_up(sim_world *w)
{
    for (size_t i = 0; i < w->sc->vm_count; i++)
        vm_catch_up(w, (int)i);
}

/* ---------------------------------------------------------------------------------------------- */
/* Links                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

static void link_fire(sim *k, void *arg);

/* Keeps exactly one kernel event per link, at the link's next completion or latency expiry. */
static void link_resched(sim_world *w, int li)
{
    world_link *l = &w->links[li];
    int64_t next = model_link_next_event(l->link);
    if (next == INT64_MAX) {
        if (l->event)
            sim_cancel(w->k, l->event);
        l->event = 0;
        return;
    }
    if (next < sim_now(w->k))
        next = sim_now(w->k);
    if (!l->event || !sim_reschedule(w->k, l->event, next))
        l->event = sim_schedule(w->k, next, link_fire, l);
}

static void link_fire(sim *k, void *arg)
{
    (void)k;
    world_link *l = arg;
    sim_world *w = l->w;
    int li = l->index;
    l->event = 0;
    void *tag;
    int64_t finished;
    while (model_link_pop_finished(w->links[li].link, sim_now(w->k), &tag, &finished)) {
        size_t idx = (size_t)(uintptr_t)tag;
        world_transfer *t = &w->transfers.items[idx];
        engine_transfer_fn done = t->done;
        void *darg = t->arg;
        t->busy = false;
        w->links[li].delivered += t->bytes;
        POOL_GIVE(w->transfers, idx);
        done(darg, true);
    }
    link_resched(w, li);
}

static void link_refresh_up(sim_world *w, int li)
{
    const drs_link *dl = &w->sc->links[li];
    world_link *l = &w->links[li];
    bool up = l->admin_up && w->sites[dl->site_a].up && w->sites[dl->site_b].up;
    if (up != model_link_is_up(l->link)) {
        model_link_set_up(l->link, sim_now(w->k), up);
        link_resched(w, li);
    }
}

/* link.down with `for`: the link comes back by itself. */
static void link_return(sim *k, void *arg)
{
    (void)k;
    world_link *l = arg;
    l->admin_up = true;
    link_refresh_up(l->w, l->index);
}

static int link_between(const sim_world *w, int a, int b)
{
    for (size_t i = 0; i < w->sc->link_count; i++) {
        const drs_link *l = &w->sc->links[i];
        if ((l->site_a == a && l->site_b == b) || (l->site_a == b && l->site_b == a))
            return (int)i;
    }
    return -1;
}

double sim_world_link_bytes(sim_world *w, int link)
{
    model_link_stats st;
    model_link_stats_get(w->links[link].link, sim_now(w->k), &st);
    return st.bytes_carried;
}

double sim_world_link_capacity_Bps(const sim_world *w, int link)
{
    const model_link *l = w->links[link].link;
    return model_link_is_up(l) ? model_link_bandwidth_Bps(l) : 0.0;
}

/* ---------------------------------------------------------------------------------------------- */
/* The platform                                                                                   */
/* ---------------------------------------------------------------------------------------------- */

static int64_t pf_now(void *ctx)
{
    return sim_now(((sim_world *)ctx)->k);
}

static void timer_fire(sim *k, void *arg);

static world_timer *timer_at_index(sim_world *w, size_t idx)
{
    return &w->timer_chunks[idx / TIMER_CHUNK][idx % TIMER_CHUNK];
}

static world_timer *timer_take(sim_world *w)
{
    if (w->timer_free >= 0) {
        world_timer *t = timer_at_index(w, (size_t)w->timer_free);
        w->timer_free = t->next_free;
        t->next_free = -1;
        return t;
    }
    if (w->timer_count == w->timer_chunk_count * TIMER_CHUNK) {
        w->timer_chunks =
            drs_xrealloc(w->timer_chunks, w->timer_chunk_count + 1, sizeof *w->timer_chunks);
        w->timer_chunks[w->timer_chunk_count++] = drs_xcalloc(TIMER_CHUNK, sizeof(world_timer));
    }
    size_t idx = w->timer_count++;
    world_timer *t = timer_at_index(w, idx);
    t->w = w;
    t->index = (uint32_t)idx;
    t->next_free = -1;
    return t;
}

static void timer_give(sim_world *w, world_timer *t)
{
    t->gen++;
    t->next_free = w->timer_free;
    w->timer_free = (int32_t)t->index;
}

static engine_timer_id pf_timer_at(void *ctx, int64_t at_ns, engine_timer_fn fn, void *arg)
{
    sim_world *w = ctx;
    world_timer *t = timer_take(w);
    t->fn = fn;
    t->arg = arg;
    t->ev = sim_schedule(w->k, at_ns, timer_fire, t);
    return HANDLE(t->index, t->gen);
}

static void timer_fire(sim *k, void *arg)
{
    (void)k;
    world_timer *t = arg;
    engine_timer_fn fn = t->fn;
    void *targ = t->arg;
    timer_give(t->w, t);
    fn(targ);
}

static bool pf_timer_cancel(void *ctx, engine_timer_id id)
{
    sim_world *w = ctx;
    if (!id)
        return false;
    size_t idx = HANDLE_IDX(id);
    if (idx >= w->timer_count)
        return false;
    world_timer *t = timer_at_index(w, idx);
    if (t->gen != HANDLE_GEN(id) || t->next_free != -1 || !sim_cancel(w->k, t->ev))
        return false;
    timer_give(w, t);
    return true;
}

static bool pf_site_up(void *ctx, int site)
{
    return ((sim_world *)ctx)->sites[site].up;
}

static bool pf_host_up(void *ctx, int site, int host)
{
    sim_world *w = ctx;
    return w->sites[site].up && w->sites[site].host_up[host];
}

static bool pf_vmm_online(void *ctx, int site)
{
    sim_world *w = ctx;
    return w->sites[site].up && w->sites[site].vmm_online;
}

static bool pf_link_up(void *ctx, int from_site, int to_site)
{
    sim_world *w = ctx;
    int li = link_between(w, from_site, to_site);
    return li >= 0 && model_link_is_up(w->links[li].link);
}

static engine_transfer_id pf_transfer_start(void *ctx, int from_site, int to_site, uint64_t bytes,
                                            engine_transfer_fn done, void *arg)
{
    sim_world *w = ctx;
    int li = link_between(w, from_site, to_site);
    if (li < 0)
        return 0;
    size_t idx;
    POOL_TAKE(w->transfers, idx);
    world_transfer *t = &w->transfers.items[idx];
    t->done = done;
    t->arg = arg;
    t->link = li;
    t->busy = true;
    t->bytes = bytes;
    w->links[li].offered += bytes;
    t->flow = model_link_flow_start(w->links[li].link, sim_now(w->k), bytes, 0.0,
                                    (void *)(uintptr_t)idx);
    link_resched(w, li);
    return HANDLE(idx, t->gen);
}

static bool pf_transfer_cancel(void *ctx, engine_transfer_id id)
{
    sim_world *w = ctx;
    if (!id)
        return false;
    size_t idx = HANDLE_IDX(id);
    if (idx >= w->transfers.count)
        return false;
    world_transfer *t = &w->transfers.items[idx];
    if (!t->busy || t->gen != HANDLE_GEN(id))
        return false;
    model_link_flow_cancel(w->links[t->link].link, sim_now(w->k), t->flow);
    int li = t->link;
    t->busy = false;
    w->links[li].abandoned += t->bytes;
    POOL_GIVE(w->transfers, idx);
    link_resched(w, li);
    return true;
}

static world_disk *disk_of(sim_world *w, int vm, int disk)
{
    return &w->vms[vm].disks[disk];
}

static void pf_log_take(void *ctx, int vm, int disk, drs_delta *out)
{
    sim_world *w = ctx;
    world_disk *d = disk_of(w, vm, disk);
    disk_catch_up(w, &w->vms[vm], d);
    model_disk_log_take(d->primary, sim_now(w->k), out);
    hist_note_primary(w, d);
}

static uint64_t pf_log_bytes(void *ctx, int vm, int disk)
{
    sim_world *w = ctx;
    world_disk *d = disk_of(w, vm, disk);
    disk_catch_up(w, &w->vms[vm], d);
    return model_disk_log_bytes(d->primary);
}

static void pf_log_discard(void *ctx, int vm, int disk)
{
    sim_world *w = ctx;
    world_disk *d = disk_of(w, vm, disk);
    disk_catch_up(w, &w->vms[vm], d);
    model_disk_log_discard(d->primary, sim_now(w->k));
}

static uint64_t pf_replica_copy_base(void *ctx, int vm, int disk)
{
    sim_world *w = ctx;
    world_disk *d = disk_of(w, vm, disk);
    disk_catch_up(w, &w->vms[vm], d);
    model_disk_copy_from(d->replica, d->primary);
    model_disk_log_discard(d->primary, sim_now(w->k));
    hist_note_primary(w, d);
    d->tracked = true;
    hist_check_replica(w, vm, disk);
    return model_disk_digest(d->primary);
}

static uint64_t pf_replica_apply(void *ctx, int vm, int disk, const drs_delta *delta, uint64_t *undo)
{
    sim_world *w = ctx;
    world_disk *d = disk_of(w, vm, disk);
    if (!undo) {
        model_disk_apply(d->replica, delta, NULL);
        hist_check_replica(w, vm, disk);
        return model_disk_digest(d->replica);
    }
    model_disk_undo rec;
    model_disk_apply(d->replica, delta, &rec);
    if (rec.count == 0) {
        /* Nothing was overwritten (fluid fidelity keeps no contents; an empty delta changes none),
         * so reverting it would change nothing: no record (undo 0), and no pool slot, cold in a
         * large fleet, to take now and look up again when the point is pruned. */
        *undo = 0;
    } else {
        size_t idx;
        POOL_TAKE(w->undos, idx);
        world_undo *u = &w->undos.items[idx];
        u->busy = true;
        u->undo = rec;
        *undo = HANDLE(idx, u->gen);
    }
    hist_check_replica(w, vm, disk);
    return model_disk_digest(d->replica);
}

static world_undo *undo_get(sim_world *w, uint64_t h, size_t *idx)
{
    if (!h)
        return NULL;
    *idx = HANDLE_IDX(h);
    if (*idx >= w->undos.count)
        return NULL;
    world_undo *u = &w->undos.items[*idx];
    return u->busy && u->gen == HANDLE_GEN(h) ? u : NULL;
}

static void undo_release(sim_world *w, world_undo *u, size_t idx)
{
    model_disk_undo_free(&u->undo);
    u->busy = false;
    POOL_GIVE(w->undos, idx);
}

static uint64_t pf_replica_revert(void *ctx, int vm, int disk, uint64_t undo)
{
    sim_world *w = ctx;
    world_disk *d = disk_of(w, vm, disk);
    size_t idx;
    world_undo *u = undo_get(w, undo, &idx);
    if (u) {
        model_disk_revert(d->replica, &u->undo);
        undo_release(w, u, idx);
        hist_check_replica(w, vm, disk);
    }
    return model_disk_digest(d->replica);
}

static void pf_replica_forget(void *ctx, int vm, int disk, uint64_t undo)
{
    (void)vm;
    (void)disk;
    sim_world *w = ctx;
    size_t idx;
    world_undo *u = undo_get(w, undo, &idx);
    if (u)
        undo_release(w, u, idx);
}

static void pf_resync_diff(void *ctx, int vm, int disk, drs_delta *out)
{
    sim_world *w = ctx;
    world_disk *d = disk_of(w, vm, disk);
    disk_catch_up(w, &w->vms[vm], d);
    model_disk_diff(d->primary, d->replica, sim_now(w->k), out);
    /* the differences make the replica the primary as it is now */
    hist_note_primary(w, d);
    d->tracked = true;
}

static uint64_t pf_replica_digest(void *ctx, int vm, int disk)
{
    return model_disk_digest(disk_of(ctx, vm, disk)->replica);
}

static void pf_replica_delete(void *ctx, int vm, int disk)
{
    sim_world *w = ctx;
    world_disk *d = disk_of(w, vm, disk);
    model_disk_clear(d->replica, sim_now(w->k));
    d->tracked = false;
}

static model_storage *storage_of(sim_world *w, int site, int storage)
{
    return &w->sites[site].storage[storage];
}

static bool pf_storage_reserve(void *ctx, int site, int storage, uint64_t bytes)
{
    sim_world *w = ctx;
    if (!w->sites[site].up)
        return false;
    if (!model_storage_reserve(storage_of(w, site, storage), bytes))
        return false;
    w->sites[site].engine_held[storage] += bytes;
    return true;
}

static void pf_storage_release(void *ctx, int site, int storage, uint64_t bytes)
{
    sim_world *w = ctx;
    model_storage *st = storage_of(w, site, storage);
    uint64_t *held = &w->sites[site].engine_held[storage];
    if (bytes > *held) {
        world_violation(w, "storage-bounds",
                        "%s released %llu bytes of classification %s but held only %llu: its use "
                        "would go negative",
                        w->sc->sites[site].name, (unsigned long long)bytes,
                        w->sc->sites[site].storage[storage].classification,
                        (unsigned long long)*held);
        *held = 0;
    } else {
        *held -= bytes;
    }
    model_storage_release(st, bytes < st->used_bytes ? bytes : st->used_bytes);
}

static double pf_storage_read_Bps(void *ctx, int site, int storage)
{
    return storage_of(ctx, site, storage)->read_Bps;
}

static double pf_storage_write_Bps(void *ctx, int site, int storage)
{
    return storage_of(ctx, site, storage)->write_Bps;
}

static void pf_vm_set_running(void *ctx, int vm, int site, int host, bool running)
{
    sim_world *w = ctx;
    world_vm *v = &w->vms[vm];
    vm_catch_up(w, vm);
    if (running) {
        /* Starting a VM while it runs elsewhere, on a host that is up and can be reached to shut
         * it down, runs it twice; an unreachable or failed primary is the timeline's doing. */
        for (size_t o = 0; w->checking && o < w->sc->site_count; o++) {
            int h = v->claim_host[o];
            if ((int)o == site || h < 0 || !w->sites[o].up || !w->sites[o].host_up[h])
                continue;
            int li = link_between(w, (int)o, site);
            if (li >= 0 && model_link_is_up(w->links[li].link))
                world_violation(w, "single-instance",
                                "%s started at %s while still running at %s (host %s up, link "
                                "up)",
                                w->sc->vms[vm].name, w->sc->sites[site].name,
                                w->sc->sites[o].name, w->sc->sites[o].hosts[h].name);
        }
        v->claim_host[site] = host;
        v->inst_site = site;
        v->inst_host = host;
    } else {
        v->claim_host[site] = -1;
        if (v->inst_site == site)
            v->inst_site = -1;
    }
    vm_refresh_running(w, vm);
}

static void pf_set_primary_copy(void *ctx, int vm, int site)
{
    sim_world *w = ctx;
    world_vm *v = &w->vms[vm];
    bool reversed = site != w->sc->vms[vm].site;
    if (reversed == v->reversed)
        return;
    vm_catch_up(w, vm);
    for (size_t i = 0; i < v->disk_count; i++) {
        world_disk *d = &v->disks[i];
        model_disk *t = d->primary;
        d->primary = d->replica;
        d->replica = t;
        world_hist *h = d->phist;
        d->phist = d->rhist;
        d->rhist = h;
        d->tracked = false; /* the new replica holds the old primary until a resynchronization */
    }
    v->reversed = reversed;
    vm_refresh_running(w, vm);
}

engine_platform sim_world_platform(sim_world *w)
{
    engine_platform p = {
        .ctx = w,
        .now = pf_now,
        .timer_at = pf_timer_at,
        .timer_cancel = pf_timer_cancel,
        .site_up = pf_site_up,
        .host_up = pf_host_up,
        .vmm_online = pf_vmm_online,
        .link_up = pf_link_up,
        .transfer_start = pf_transfer_start,
        .transfer_cancel = pf_transfer_cancel,
        .log_take = pf_log_take,
        .log_bytes = pf_log_bytes,
        .log_discard = pf_log_discard,
        .replica_copy_base = pf_replica_copy_base,
        .replica_apply = pf_replica_apply,
        .replica_revert = pf_replica_revert,
        .replica_forget = pf_replica_forget,
        .resync_diff = pf_resync_diff,
        .replica_digest = pf_replica_digest,
        .replica_delete = pf_replica_delete,
        .storage_reserve = pf_storage_reserve,
        .storage_release = pf_storage_release,
        .storage_read_Bps = pf_storage_read_Bps,
        .storage_write_Bps = pf_storage_write_Bps,
        .vm_set_running = pf_vm_set_running,
        .set_primary_copy = pf_set_primary_copy,
    };
    return p;
}

/* ---------------------------------------------------------------------------------------------- */
/* Building and faults                                                                            */
/* ---------------------------------------------------------------------------------------------- */

static bool disk_workload_new(sim_world *w, world_disk *d, int wl, int64_t start_ns, drs_error *err)
{
    model_workload_free(d->workload);
    d->workload = NULL;
    if (wl < 0)
        return true;
    d->workload = model_workload_new(&w->sc->workloads[wl], w->traces[wl], start_ns, err);
    return d->workload != NULL;
}

model_trace **sim_world_load_traces(const drs_scenario *sc, drs_error *err)
{
    model_trace **t = drs_xcalloc(sc->workload_count, sizeof *t);
    for (size_t i = 0; i < sc->workload_count; i++) {
        const drs_workload *dw = &sc->workloads[i];
        if (dw->kind != DRS_WL_TRACE)
            continue;
        t[i] = model_trace_load(dw->resolved_file ? dw->resolved_file : dw->file, err);
        if (!t[i]) {
            if (err)
                snprintf(err->path, sizeof err->path, "workloads[%zu].file", i);
            sim_world_free_traces(sc, t);
            return NULL;
        }
    }
    return t;
}

void sim_world_free_traces(const drs_scenario *sc, model_trace **traces)
{
    for (size_t i = 0; traces && i < sc->workload_count; i++)
        model_trace_free(traces[i]);
    free(traces);
}

sim_world *sim_world_new(const drs_scenario *sc, sim *kernel, drs_error *err)
{
    return sim_world_new_with(sc, kernel, NULL, err);
}

sim_world *sim_world_new_with(const drs_scenario *sc, sim *kernel, model_trace **traces,
                              drs_error *err)
{
    sim_world *w = drs_xcalloc(1, sizeof *w);
    w->sc = sc;
    w->k = kernel;
    w->timer_free = w->transfers.free_head = w->undos.free_head = -1;

    w->sites = drs_xcalloc(sc->site_count, sizeof *w->sites);
    for (size_t i = 0; i < sc->site_count; i++) {
        const drs_site *ds = &sc->sites[i];
        world_site *s = &w->sites[i];
        s->up = true;
        s->vmm_online = ds->vmm.internet; /* without internet the VMM server cannot reach the vault */
        s->host_up = drs_xcalloc(ds->host_count, sizeof *s->host_up);
        for (size_t h = 0; h < ds->host_count; h++)
            s->host_up[h] = true;
        s->storage = drs_xcalloc(ds->storage_count, sizeof *s->storage);
        s->engine_held = drs_xcalloc(ds->storage_count, sizeof *s->engine_held);
        for (size_t c = 0; c < ds->storage_count; c++)
            model_storage_init(&s->storage[c], ds->storage[c].capacity_bytes,
                               ds->storage[c].read_Bps, ds->storage[c].write_Bps);
    }

    w->links = drs_xcalloc(sc->link_count, sizeof *w->links);
    for (size_t i = 0; i < sc->link_count; i++) {
        const drs_link *dl = &sc->links[i];
        w->links[i].link = model_link_new(dl->bandwidth_Bps, dl->latency_ns, dl->loss,
                                          dl->replication_cap_Bps);
        w->links[i].admin_up = true;
        w->links[i].w = w;
        w->links[i].index = (int)i;
    }

    w->traces = traces ? traces : sim_world_load_traces(sc, err);
    traces = NULL; /* the world's now, freed with it */
    if (!w->traces)
        goto fail;

    w->vms = drs_xcalloc(sc->vm_count, sizeof *w->vms);
    uint32_t writer = 1;
    for (size_t i = 0; i < sc->vm_count; i++) {
        const drs_vm *dv = &sc->vms[i];
        world_vm *v = &w->vms[i];
        v->inst_site = dv->site;
        v->inst_host = dv->host;
        v->running = true;
        v->claim_host = drs_xcalloc(sc->site_count, sizeof *v->claim_host);
        for (size_t s = 0; s < sc->site_count; s++)
            v->claim_host[s] = -1;
        v->claim_host[dv->site] = dv->host;
        v->disks = drs_xcalloc(dv->disk_count, sizeof *v->disks);
        v->disk_count = dv->disk_count;
        for (size_t j = 0; j < dv->disk_count; j++) {
            const drs_disk *dd = &dv->disks[j];
            world_disk *d = &v->disks[j];
            d->phist = &d->hist_a;
            d->rhist = &d->hist_b;
            model_disk_config cfg = {.size_bytes = dd->size_bytes,
                                     .used_bytes = dd->used_bytes,
                                     .extent_bytes = sc->extent_bytes,
                                     .fluid = sc->fidelity == DRS_FIDELITY_FLUID,
                                     .writer_id = writer++};
            d->primary = model_disk_new(&cfg, 0, err);
            cfg.writer_id = writer++;
            d->replica = d->primary ? model_disk_new(&cfg, 0, err) : NULL;
            if (!d->replica)
                goto fail;
            char entity[300];
            snprintf(entity, sizeof entity, "vm/%s/disk/%s", dv->name, dd->name);
            d->rng = sim_rng_new(sc->seed, entity);
            if (!disk_workload_new(w, d, dd->workload, 0, err))
                goto fail;
        }
    }
    return w;
fail:
    if (err && err->code == DRS_OK)
        err->code = DRS_EINTERNAL;
    sim_world_free(w);
    return NULL;
}

void sim_world_free(sim_world *w)
{
    if (!w)
        return;
    const drs_scenario *sc = w->sc;
    for (size_t i = 0; w->vms && i < sc->vm_count; i++) {
        for (size_t j = 0; j < w->vms[i].disk_count; j++) {
            world_disk *d = &w->vms[i].disks[j];
            model_disk_free(d->primary);
            model_disk_free(d->replica);
            model_workload_free(d->workload);
            if (d->rng)
                gsl_rng_free(d->rng);
            free(d->hist_a.slot);
            free(d->hist_b.slot);
        }
        free(w->vms[i].disks);
        free(w->vms[i].claim_host);
    }
    free(w->vms);
    for (size_t i = 0; w->traces && i < sc->workload_count; i++)
        model_trace_free(w->traces[i]);
    free(w->traces);
    for (size_t i = 0; w->links && i < sc->link_count; i++)
        model_link_free(w->links[i].link);
    free(w->links);
    for (size_t i = 0; w->sites && i < sc->site_count; i++) {
        free(w->sites[i].host_up);
        free(w->sites[i].storage);
        free(w->sites[i].engine_held);
    }
    free(w->sites);
    for (size_t i = 0; i < w->undos.count; i++)
        if (w->undos.items[i].busy)
            model_disk_undo_free(&w->undos.items[i].undo);
    free(w->undos.items);
    for (size_t i = 0; i < w->timer_chunk_count; i++)
        free(w->timer_chunks[i]);
    free(w->timer_chunks);
    free(w->transfers.items);
    free(w);
}

static void site_refresh(sim_world *w, int site)
{
    for (size_t i = 0; i < w->sc->vm_count; i++)
        if (w->vms[i].inst_site == site)
            vm_refresh_running(w, (int)i);
    for (size_t i = 0; i < w->sc->link_count; i++)
        if (w->sc->links[i].site_a == site || w->sc->links[i].site_b == site)
            link_refresh_up(w, (int)i);
}

static void host_refresh(sim_world *w, int site, int host)
{
    for (size_t i = 0; i < w->sc->vm_count; i++)
        if (w->vms[i].inst_site == site && w->vms[i].inst_host == host)
            vm_refresh_running(w, (int)i);
}

bool sim_world_apply(sim_world *w, const drs_action *a)
{
    int64_t now = sim_now(w->k);
    switch (a->what) {
    case DRS_DO_LINK_DOWN:
    case DRS_DO_LINK_UP:
        w->links[a->link].admin_up = a->what == DRS_DO_LINK_UP;
        link_refresh_up(w, a->link);
        if (a->what == DRS_DO_LINK_DOWN && a->for_ns > 0)
            sim_schedule(w->k, now + a->for_ns, link_return, &w->links[a->link]);
        return true;
    case DRS_DO_LINK_SET: {
        model_link *l = w->links[a->link].link;
        if (a->bandwidth_Bps >= 0)
            model_link_set_bandwidth(l, now, a->bandwidth_Bps);
        if (a->latency_ns >= 0)
            model_link_set_latency(l, now, a->latency_ns);
        if (a->loss >= 0)
            model_link_set_loss(l, now, a->loss);
        if (a->replication_cap_Bps >= 0)
            model_link_set_replication_cap(l, now, a->replication_cap_Bps);
        link_resched(w, a->link);
        return true;
    }
    case DRS_DO_HOST_DOWN:
    case DRS_DO_HOST_UP:
        w->sites[a->host_site].host_up[a->host] = a->what == DRS_DO_HOST_UP;
        host_refresh(w, a->host_site, a->host);
        return true;
    case DRS_DO_SITE_DOWN:
    case DRS_DO_SITE_UP:
        w->sites[a->site].up = a->what == DRS_DO_SITE_UP;
        site_refresh(w, a->site);
        return true;
    case DRS_DO_VMM_OFFLINE:
    case DRS_DO_VMM_ONLINE:
        w->sites[a->site].vmm_online = a->what == DRS_DO_VMM_ONLINE;
        return true;
    case DRS_DO_STORAGE_FILL:
        model_storage_fill(storage_of(w, a->storage_site, a->storage), a->free_bytes);
        return true;
    case DRS_DO_WORKLOAD_SET: {
        world_vm *v = &w->vms[a->vm];
        world_disk *d = &v->disks[a->disk];
        disk_catch_up(w, v, d);
        drs_error err = {0};
        if (!disk_workload_new(w, d, a->workload, now, &err))
            fprintf(stderr, "drsim: %s: %s\n", a->path, err.message);
        return true;
    }
    default:
        return false;
    }
}

uint64_t sim_world_vm_digest(sim_world *w, int vm, bool replica)
{
    uint64_t x = 0;
    world_vm *v = &w->vms[vm];
    vm_catch_up(w, vm);
    for (size_t i = 0; i < v->disk_count; i++)
        x ^= model_disk_digest(replica ? v->disks[i].replica : v->disks[i].primary);
    return x;
}

uint64_t sim_world_vm_written_bytes(sim_world *w, int vm)
{
    uint64_t n = 0;
    world_vm *v = &w->vms[vm];
    vm_catch_up(w, vm);
    for (size_t i = 0; i < v->disk_count; i++)
        n += model_disk_lifetime_bytes(v->disks[i].primary);
    return n;
}

/* ---------------------------------------------------------------------------------------------- */
/* Invariants                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

void sim_world_set_checking(sim_world *w, bool on)
{
    w->checking = on;
}

bool sim_world_check(sim_world *w, char *invariant, size_t invariant_n, char *why, size_t n)
{
    const drs_scenario *sc = w->sc;
    if (w->violated) {
        snprintf(invariant, invariant_n, "%s", w->viol_invariant);
        snprintf(why, n, "%s", w->viol_why);
        return false;
    }
    for (size_t i = 0; i < sc->site_count; i++)
        for (size_t c = 0; c < sc->sites[i].storage_count; c++) {
            const model_storage *st = &w->sites[i].storage[c];
            if (st->used_bytes > st->capacity_bytes) {
                snprintf(invariant, invariant_n, "storage-bounds");
                snprintf(why, n, "classification %s at %s uses %llu bytes of %llu",
                         sc->sites[i].storage[c].classification, sc->sites[i].name,
                         (unsigned long long)st->used_bytes,
                         (unsigned long long)st->capacity_bytes);
                return false;
            }
        }
    /* Reads the ledgers and the transfer pool only: the links are not advanced, so a checked run
     * moves exactly as an unchecked one. */
    for (size_t li = 0; li < sc->link_count; li++) {
        const world_link *l = &w->links[li];
        uint64_t in_flight = 0;
        for (size_t t = 0; t < w->transfers.count; t++)
            if (w->transfers.items[t].busy && w->transfers.items[t].link == (int)li)
                in_flight += w->transfers.items[t].bytes;
        if (l->offered != l->delivered + in_flight + l->abandoned) {
            snprintf(invariant, invariant_n, "link-conservation");
            snprintf(why, n,
                     "link %s: %llu bytes offered but %llu delivered + %llu in flight + %llu "
                     "abandoned",
                     sc->links[li].name, (unsigned long long)l->offered,
                     (unsigned long long)l->delivered, (unsigned long long)in_flight,
                     (unsigned long long)l->abandoned);
            return false;
        }
    }
    return true;
}

void sim_world_describe(const sim_world *w, char *out, size_t n)
{
    const drs_scenario *sc = w->sc;
    size_t len = 0;
    out[0] = '\0';
#define APPEND(...)                                                                                \
    do {                                                                                           \
        if (len < n) {                                                                             \
            int k = snprintf(out + len, n - len, __VA_ARGS__);                                     \
            len += k > 0 ? (size_t)k : 0;                                                          \
        }                                                                                          \
    } while (0)
    for (size_t i = 0; i < sc->site_count; i++) {
        const world_site *s = &w->sites[i];
        APPEND("%ssite %s %s", i ? "; " : "", sc->sites[i].name, s->up ? "up" : "down");
        for (size_t h = 0; h < sc->sites[i].host_count; h++)
            if (!s->host_up[h])
                APPEND(", host %s down", sc->sites[i].hosts[h].name);
        if (!s->vmm_online)
            APPEND(", vmm offline");
    }
    for (size_t i = 0; i < sc->link_count; i++)
        APPEND("; link %s %s", sc->links[i].name,
               model_link_is_up(w->links[i].link) ? "up" : "down");
    for (size_t i = 0; i < sc->vm_count; i++) {
        const world_vm *v = &w->vms[i];
        APPEND("; %s %s%s", sc->vms[i].name,
               v->inst_site < 0 ? "off" : sc->sites[v->inst_site].name,
               v->inst_site >= 0 && !v->running ? " (stopped)" : "");
    }
#undef APPEND
}

/* ---------------------------------------------------------------------------------------------- */
/* Read-only views (drsim serve)                                                                  */
/* ---------------------------------------------------------------------------------------------- */

bool sim_world_site_up(const sim_world *w, int site)
{
    return w->sites[site].up;
}

bool sim_world_vmm_online(const sim_world *w, int site)
{
    return w->sites[site].up && w->sites[site].vmm_online;
}

bool sim_world_host_up(const sim_world *w, int site, int host)
{
    return w->sites[site].up && w->sites[site].host_up[host];
}

bool sim_world_link_up(const sim_world *w, int link)
{
    return model_link_is_up(w->links[link].link);
}

int sim_world_vm_site(const sim_world *w, int vm, bool *running)
{
    const world_vm *v = &w->vms[vm];
    if (running)
        *running = v->inst_site >= 0 && v->running;
    return v->inst_site;
}
