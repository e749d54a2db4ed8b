/* tests/support/fake_platform.c — the engine's platform bound to a tiny world on the sim kernel, and a
 * recorder that keeps everything (see fake_platform.h). */
#include "support/fake_platform.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz);
    if (!p)
        abort();
    return p;
}

/* Appends one element to a growable array (aborts when out of memory). */
#define PUSH(arr, count, cap, val)                                                                 \
    do {                                                                                           \
        if ((count) == (cap)) {                                                                    \
            size_t nc_ = (cap) ? (cap) * 2 : 64;                                                   \
            void *np_ = realloc((arr), nc_ * sizeof *(arr));                                       \
            if (!np_)                                                                              \
                abort();                                                                           \
            (arr) = np_;                                                                           \
            (cap) = nc_;                                                                           \
        }                                                                                          \
        (arr)[(count)++] = (val);                                                                  \
    } while (0)

static uint64_t mix(uint64_t x)
{
    x += UINT64_C(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

/* h(extent, version); version 0 (never written) contributes nothing. */
static uint64_t ext_hash(uint64_t extent, uint64_t version)
{
    return version ? mix(extent * UINT64_C(0x100000001B3) ^ mix(version)) : 0;
}

/* ---------------------------------------------------------------- clock and timers */

static int64_t f_now(void *ctx)
{
    fake_world *w = ctx;
    return sim_now(w->sim);
}

static void timer_fire(sim *s, void *arg)
{
    (void)s;
    fake_timer *t = arg;
    engine_timer_fn fn = t->fn;
    void *a = t->arg;
    t->used = false;
    t->gen++;
    fn(a);
}

static engine_timer_id f_timer_at(void *ctx, int64_t at_ns, engine_timer_fn fn, void *arg)
{
    fake_world *w = ctx;
    size_t i = 0;
    while (i < w->timer_cap && w->timers[i].used)
        i++;
    if (i == w->timer_cap) {
        /* Growing moves the slots, which the kernel holds pointers to: only grow with none pending.
         * Tests size the pool generously up front instead. */
        abort();
    }
    fake_timer *t = &w->timers[i];
    t->used = true;
    t->fn = fn;
    t->arg = arg;
    t->ev = sim_schedule(w->sim, at_ns, timer_fire, t);
    return ((uint64_t)t->gen << 32) | (uint64_t)(i + 1);
}

static bool f_timer_cancel(void *ctx, engine_timer_id id)
{
    fake_world *w = ctx;
    size_t i = (size_t)(id & 0xffffffffu);
    if (i == 0 || i > w->timer_cap)
        return false;
    fake_timer *t = &w->timers[i - 1];
    if (!t->used || t->gen != (uint32_t)(id >> 32))
        return false;
    sim_cancel(w->sim, t->ev);
    t->used = false;
    t->gen++;
    return true;
}

/* ---------------------------------------------------------------- sites */

static bool f_site_up(void *ctx, int site)
{
    fake_world *w = ctx;
    return w->site_up[site];
}

static bool f_host_up(void *ctx, int site, int host)
{
    fake_world *w = ctx;
    return w->site_up[site] && w->host_up[site][host];
}

static bool f_vmm_online(void *ctx, int site)
{
    fake_world *w = ctx;
    return w->site_up[site] && w->vmm_online[site];
}

/* ---------------------------------------------------------------- link (processor sharing) */

static void link_reschedule(fake_world *w);

/* Moves every moving flow forward to now at the rate of the last schedule. */
static void link_advance(fake_world *w)
{
    int64_t now = sim_now(w->sim);
    size_t n = 0;
    for (size_t i = 0; i < w->flow_cap; i++)
        n += w->flows[i].used && w->flows[i].moving;
    double rate = (w->link_up && n) ? w->bandwidth_Bps / (double)n : 0.0;
    double dt = (double)(now - w->link_last_ns) / 1e9;
    for (size_t i = 0; i < w->flow_cap; i++) {
        fake_flow *f = &w->flows[i];
        if (!f->used || !f->moving)
            continue;
        double moved = rate * dt;
        if (moved > f->left)
            moved = f->left;
        f->left -= moved;
        w->bytes_moved += (uint64_t)llround(moved);
    }
    w->link_last_ns = now;
}

static void link_event(sim *s, void *arg)
{
    (void)s;
    fake_world *w = arg;
    w->link_ev = 0;
    link_advance(w);
    int64_t now = sim_now(w->sim);
    /* Finish, in id order, every flow whose end time has come. */
    for (;;) {
        fake_flow *best = NULL;
        for (size_t i = 0; i < w->flow_cap; i++) {
            fake_flow *f = &w->flows[i];
            if (f->used && f->moving && f->finish_ns <= now && (!best || f->id < best->id))
                best = f;
        }
        if (!best)
            break;
        engine_transfer_fn done = best->done;
        void *a = best->arg;
        best->used = false;
        link_reschedule(w);
        done(a, true);
    }
    link_reschedule(w);
}

static void link_reschedule(fake_world *w)
{
    if (w->link_ev) {
        sim_cancel(w->sim, w->link_ev);
        w->link_ev = 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < w->flow_cap; i++)
        n += w->flows[i].used && w->flows[i].moving;
    if (!n || !w->link_up)
        return;
    double rate = w->bandwidth_Bps / (double)n;
    int64_t now = sim_now(w->sim);
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < w->flow_cap; i++) {
        fake_flow *f = &w->flows[i];
        if (!f->used || !f->moving)
            continue;
        f->finish_ns = now + (int64_t)ceil(f->left / rate * 1e9 - 1e-6);
        if (f->finish_ns < now)
            f->finish_ns = now;
        if (f->finish_ns < next)
            next = f->finish_ns;
    }
    w->link_ev = sim_schedule(w->sim, next, link_event, w);
}

static void flow_begin(sim *s, void *arg)
{
    (void)s;
    fake_flow *f = arg;
    fake_world *w = f->world;
    f->start_ev = 0;
    link_advance(w);
    f->moving = true;
    link_reschedule(w);
}

static engine_transfer_id f_transfer_start(void *ctx, int from_site, int to_site, uint64_t bytes,
                                           engine_transfer_fn done, void *arg)
{
    fake_world *w = ctx;
    if (from_site == to_site || from_site < 0 || to_site < 0)
        return 0;
    size_t i = 0;
    while (i < w->flow_cap && w->flows[i].used)
        i++;
    if (i == w->flow_cap)
        abort(); /* sized up front: the kernel holds pointers to the slots */
    fake_flow *f = &w->flows[i];
    *f = (fake_flow){.id = ++w->next_flow_id, .used = true, .left = (double)bytes, .done = done,
                     .arg = arg, .world = w};
    f->start_ev = sim_schedule(w->sim, sim_now(w->sim) + w->latency_ns, flow_begin, f);
    if (from_site < 2)
        w->sent_from[from_site] += bytes;
    return f->id;
}

static bool f_transfer_cancel(void *ctx, engine_transfer_id id)
{
    fake_world *w = ctx;
    for (size_t i = 0; i < w->flow_cap; i++) {
        fake_flow *f = &w->flows[i];
        if (f->used && f->id == id) {
            link_advance(w);
            if (f->start_ev)
                sim_cancel(w->sim, f->start_ev);
            f->used = false;
            link_reschedule(w);
            return true;
        }
    }
    return false;
}

void fake_link_set(fake_world *w, double bandwidth_Bps, int64_t latency_ns)
{
    link_advance(w);
    w->bandwidth_Bps = bandwidth_Bps;
    w->latency_ns = latency_ns;
    link_reschedule(w);
}

void fake_link_updown(fake_world *w, bool up)
{
    link_advance(w);
    w->link_up = up;
    link_reschedule(w);
}

/* ---------------------------------------------------------------- disks */

/* Generates the writes of the disk up to now (steady rate, round robin over the extents). */
static void disk_advance(fake_world *w, fake_disk *d)
{
    int64_t now = sim_now(w->sim);
    if (now <= d->written_to_ns)
        return;
    if (d->stopped && !d->remote_running) { /* a VM that is off writes nothing */
        d->written_to_ns = now;
        d->carry_bytes = 0;
        return;
    }
    /* The running instance writes to the copy at its own site: the primary copy (logged) unless
     * the direction says the primary is at the other site. */
    bool to_primary = d->stopped == d->reversed;
    d->carry_bytes += d->rate_Bps * (double)(now - d->written_to_ns) / 1e9;
    d->written_to_ns = now;
    while (d->carry_bytes >= (double)d->write_bytes && d->extents) {
        d->carry_bytes -= (double)d->write_bytes;
        uint64_t e = d->next_extent;
        d->next_extent = (d->next_extent + 1) % d->extents;
        uint64_t v = ++d->stamp;
        if (d->stopped)
            d->remote_written += d->write_bytes;
        else
            d->total_written += d->write_bytes;
        if (!to_primary) {
            d->replica_digest ^= ext_hash(e, d->replica[e]) ^ ext_hash(e, v);
            d->replica[e] = v;
            continue;
        }
        d->digest ^= ext_hash(e, d->version[e]) ^ ext_hash(e, v);
        d->version[e] = v;
        d->log_bytes += d->write_bytes;
        d->log_writes++;
        if (d->log_mark[e] != d->log_gen) {
            d->log_mark[e] = d->log_gen;
            d->log_list[d->log_count++] = e;
        }
    }
}

static void log_reset(fake_world *w, fake_disk *d)
{
    d->log_gen++;
    d->log_count = 0;
    d->log_bytes = d->log_writes = 0;
    d->log_opened_ns = sim_now(w->sim);
}

static int cmp_ext(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void f_log_take(void *ctx, int vm, int disk, drs_delta *out)
{
    fake_world *w = ctx;
    fake_disk *d = &w->disks[vm][disk];
    disk_advance(w, d);
    qsort(d->log_list, d->log_count, sizeof *d->log_list, cmp_ext);
    *out = (drs_delta){.opened_ns = d->log_opened_ns,
                       .captured_ns = sim_now(w->sim),
                       .writes = d->log_writes,
                       .log_bytes = d->log_bytes,
                       .coalesced_bytes = d->log_count * d->write_bytes,
                       .compressibility = d->compressibility,
                       .digest = d->digest};
    if (d->log_count) {
        out->extents = xcalloc(d->log_count, sizeof *out->extents);
        for (size_t i = 0; i < d->log_count; i++)
            out->extents[i] = (drs_extent_version){d->log_list[i], d->version[d->log_list[i]]};
        out->extent_count = d->log_count;
    }
    log_reset(w, d);
}

static uint64_t f_log_bytes(void *ctx, int vm, int disk)
{
    fake_world *w = ctx;
    fake_disk *d = &w->disks[vm][disk];
    disk_advance(w, d);
    return d->log_bytes;
}

static void f_log_discard(void *ctx, int vm, int disk)
{
    fake_world *w = ctx;
    fake_disk *d = &w->disks[vm][disk];
    disk_advance(w, d);
    log_reset(w, d);
}

static uint64_t f_replica_copy_base(void *ctx, int vm, int disk)
{
    fake_world *w = ctx;
    fake_disk *d = &w->disks[vm][disk];
    disk_advance(w, d);
    memcpy(d->replica, d->version, d->extents * sizeof *d->version);
    d->replica_digest = d->digest;
    log_reset(w, d);
    return d->digest;
}

static uint64_t f_replica_apply(void *ctx, int vm, int disk, const drs_delta *dl, uint64_t *undo)
{
    fake_world *w = ctx;
    fake_disk *d = &w->disks[vm][disk];
    fake_undo *u = NULL;
    if (undo) {
        if (w->undo_count == w->undo_cap) {
            w->undo_cap = w->undo_cap ? 2 * w->undo_cap : 64;
            w->undos = realloc(w->undos, w->undo_cap * sizeof *w->undos);
            if (!w->undos)
                abort();
        }
        u = &w->undos[w->undo_count++];
        *u = (fake_undo){.used = true, .vm = vm, .disk = disk, .n = dl->extent_count};
        u->extent = xcalloc(dl->extent_count + 1, sizeof *u->extent);
        u->old = xcalloc(dl->extent_count + 1, sizeof *u->old);
        *undo = w->undo_count; /* handle = index + 1 */
        w->undo_live++;
    }
    for (size_t i = 0; i < dl->extent_count; i++) {
        uint64_t e = dl->extents[i].extent, v = dl->extents[i].version;
        if (u) {
            u->extent[i] = e;
            u->old[i] = d->replica[e];
        }
        d->replica_digest ^= ext_hash(e, d->replica[e]) ^ ext_hash(e, v);
        d->replica[e] = v;
    }
    return d->replica_digest;
}

static fake_undo *undo_of(fake_world *w, uint64_t h)
{
    if (h == 0 || h > w->undo_count || !w->undos[h - 1].used)
        abort(); /* the engine used a handle it does not own: a test must see it */
    return &w->undos[h - 1];
}

static void undo_release(fake_world *w, fake_undo *u)
{
    free(u->extent);
    free(u->old);
    u->extent = u->old = NULL;
    u->used = false;
    w->undo_live--;
}

static uint64_t f_replica_revert(void *ctx, int vm, int disk, uint64_t undo)
{
    fake_world *w = ctx;
    fake_disk *d = &w->disks[vm][disk];
    fake_undo *u = undo_of(w, undo);
    if (u->vm != vm || u->disk != disk)
        abort();
    for (size_t i = u->n; i-- > 0;) {
        uint64_t e = u->extent[i];
        d->replica_digest ^= ext_hash(e, d->replica[e]) ^ ext_hash(e, u->old[i]);
        d->replica[e] = u->old[i];
    }
    undo_release(w, u);
    return d->replica_digest;
}

static void f_replica_forget(void *ctx, int vm, int disk, uint64_t undo)
{
    fake_world *w = ctx;
    fake_undo *u = undo_of(w, undo);
    if (u->vm != vm || u->disk != disk)
        abort();
    undo_release(w, u);
}

static void f_vm_set_running(void *ctx, int vm, int site, int host, bool running)
{
    fake_world *w = ctx;
    (void)host;
    bool own = site == w->sc->vms[vm].site;
    if (!own)
        w->replica_running[vm] = running;
    for (size_t k = 0; k < w->sc->vms[vm].disk_count; k++) {
        fake_disk *d = &w->disks[vm][k];
        disk_advance(w, d); /* writes up to now happened while it ran */
        if (own) {
            d->stopped = !running;
            if (running) /* one instance at a time: starting one moves the VM */
                d->remote_running = false;
        } else {
            d->remote_running = running && w->replica_writes;
            if (running)
                d->stopped = true;
        }
    }
    if (own && running)
        w->replica_running[vm] = false;
}

static void f_set_primary_copy(void *ctx, int vm, int site)
{
    fake_world *w = ctx;
    bool reversed = site != w->sc->vms[vm].site;
    for (size_t k = 0; k < w->sc->vms[vm].disk_count; k++) {
        fake_disk *d = &w->disks[vm][k];
        if (d->reversed == reversed)
            continue;
        disk_advance(w, d);
        uint64_t *t = d->version;
        d->version = d->replica;
        d->replica = t;
        uint64_t g = d->digest;
        d->digest = d->replica_digest;
        d->replica_digest = g;
        d->reversed = reversed;
        log_reset(w, d); /* the log belonged to the old primary copy */
    }
}

static bool f_link_up(void *ctx, int from_site, int to_site)
{
    fake_world *w = ctx;
    (void)from_site;
    (void)to_site;
    return w->link_up;
}

static void f_resync_diff(void *ctx, int vm, int disk, drs_delta *out)
{
    fake_world *w = ctx;
    fake_disk *d = &w->disks[vm][disk];
    disk_advance(w, d);
    size_t n = 0;
    for (uint64_t e = 0; e < d->extents; e++)
        n += d->version[e] != d->replica[e];
    *out = (drs_delta){.opened_ns = sim_now(w->sim), .captured_ns = sim_now(w->sim),
                       .compressibility = d->compressibility, .digest = d->digest};
    if (n) {
        out->extents = xcalloc(n, sizeof *out->extents);
        size_t k = 0;
        for (uint64_t e = 0; e < d->extents; e++)
            if (d->version[e] != d->replica[e])
                out->extents[k++] = (drs_extent_version){e, d->version[e]};
        out->extent_count = n;
    }
    uint64_t ext_bytes = w->sc->extent_bytes ? w->sc->extent_bytes : (UINT64_C(1) << 20);
    out->log_bytes = out->coalesced_bytes = n * ext_bytes;
    out->writes = n;
}

static uint64_t f_replica_digest(void *ctx, int vm, int disk)
{
    fake_world *w = ctx;
    return w->disks[vm][disk].replica_digest;
}

static void f_replica_delete(void *ctx, int vm, int disk)
{
    fake_world *w = ctx;
    fake_disk *d = &w->disks[vm][disk];
    memset(d->replica, 0, d->extents * sizeof *d->replica);
    d->replica_digest = 0;
}

void fake_disk_set_rate(fake_world *w, int vm, int disk, double rate_Bps)
{
    fake_disk *d = &w->disks[vm][disk];
    disk_advance(w, d);
    d->rate_Bps = rate_Bps;
}

/* ---------------------------------------------------------------- storage */

static bool f_storage_reserve(void *ctx, int site, int storage, uint64_t bytes)
{
    fake_world *w = ctx;
    fake_storage *s = &w->storage[site][storage];
    if (s->used + bytes > s->capacity)
        return false;
    s->used += bytes;
    if (s->used > s->peak)
        s->peak = s->used;
    return true;
}

static void f_storage_release(void *ctx, int site, int storage, uint64_t bytes)
{
    fake_world *w = ctx;
    fake_storage *s = &w->storage[site][storage];
    if (bytes > s->used)
        abort(); /* the engine released more than it took */
    s->used -= bytes;
}

static double f_read(void *ctx, int site, int storage)
{
    fake_world *w = ctx;
    return w->storage[site][storage].read_Bps;
}

static double f_write(void *ctx, int site, int storage)
{
    fake_world *w = ctx;
    return w->storage[site][storage].write_Bps;
}

/* ---------------------------------------------------------------- recorder */

static void r_job_started(void *ctx, const engine_job_info *job, int64_t at_ns)
{
    fake_world *w = ctx;
    fake_job j = {.id = job->id, .vm = job->vm, .state = ENGINE_JOB_IN_PROGRESS,
                  .started_ns = at_ns, .ended_ns = -1};
    snprintf(j.name, sizeof j.name, "%s", job->name);
    PUSH(w->jobs, w->job_count, w->job_cap, j);
}

static void r_job_ended(void *ctx, uint64_t id, engine_job_state state, const char *reason,
                        int64_t at_ns)
{
    fake_world *w = ctx;
    for (size_t i = 0; i < w->job_count; i++)
        if (w->jobs[i].id == id) {
            w->jobs[i].state = state;
            w->jobs[i].ended_ns = at_ns;
            snprintf(w->jobs[i].reason, sizeof w->jobs[i].reason, "%s", reason);
        }
}

static void r_event(void *ctx, const engine_event_info *ev)
{
    fake_world *w = ctx;
    engine_event_info copy = *ev;
    copy.detail = ""; /* not kept: only valid during the call */
    PUSH(w->events, w->event_count, w->event_cap, copy);
    if (ev->kind == ENGINE_EV_FAILOVER_FINDING) { /* findings keep their text for the tests */
        if (w->finding_count == w->finding_cap) {
            w->finding_cap = w->finding_cap ? 2 * w->finding_cap : 16;
            w->findings = realloc(w->findings, w->finding_cap * sizeof *w->findings);
            if (!w->findings)
                abort();
        }
        snprintf(w->findings[w->finding_count++], sizeof *w->findings, "%s", ev->detail);
    }
}

static void r_rp(void *ctx, engine_rp_change change, const engine_rp_info *rp, int64_t at_ns)
{
    fake_world *w = ctx;
    fake_rp r = {.change = change, .info = *rp, .at_ns = at_ns};
    PUSH(w->rps, w->rp_count, w->rp_cap, r);
    if (change == ENGINE_RP_APPLIED) {
        /* The proof: right after the apply the replica holds exactly the point's content. */
        const drs_vm *vm = &w->sc->vms[rp->vm];
        uint64_t dg = 0;
        for (size_t k = 0; k < vm->disk_count; k++)
            dg ^= w->disks[rp->vm][k].replica_digest;
        w->digest_checks++;
        if (dg != rp->primary_digest)
            w->digest_mismatches++;
    }
}

static void r_failover(void *ctx, const engine_failover_info *fo)
{
    fake_world *w = ctx;
    if (w->failover_count == w->failover_cap) {
        w->failover_cap = w->failover_cap ? 2 * w->failover_cap : 16;
        w->failovers = realloc(w->failovers, w->failover_cap * sizeof *w->failovers);
        if (!w->failovers)
            abort();
    }
    fake_failover *f = &w->failovers[w->failover_count++];
    f->info = *fo;
    snprintf(f->detail, sizeof f->detail, "%s", fo->detail ? fo->detail : "");
    f->info.detail = f->detail;
}

const fake_failover *fake_find_failover(const fake_world *w, engine_failover_kind kind, int plan,
                                        int vm, size_t n)
{
    for (size_t i = 0; i < w->failover_count; i++) {
        const engine_failover_info *f = &w->failovers[i].info;
        if (f->kind == kind && f->plan == plan && f->vm == vm && n-- == 0)
            return &w->failovers[i];
    }
    return NULL;
}

bool fake_has_finding(const fake_world *w, const char *needle)
{
    for (size_t i = 0; i < w->finding_count; i++)
        if (strstr(w->findings[i], needle))
            return true;
    /* A miss says what there was, so a changed wording is quick to see. */
    fprintf(stderr, "no finding \"%s\" among %zu:\n", needle, w->finding_count);
    for (size_t i = 0; i < w->finding_count; i++)
        fprintf(stderr, "  %s\n", w->findings[i]);
    return false;
}

static void r_cycle(void *ctx, const engine_cycle_info *cy)
{
    fake_world *w = ctx;
    PUSH(w->cycles, w->cycle_count, w->cycle_cap, *cy);
}

static void r_rpo(void *ctx, int vm, int64_t at_ns, int64_t captured_ns)
{
    fake_world *w = ctx;
    fake_rpo r = {vm, at_ns, captured_ns};
    PUSH(w->rpo, w->rpo_count, w->rpo_cap, r);
}

static void r_ir(void *ctx, const engine_ir_info *ir)
{
    fake_world *w = ctx;
    engine_ir_info c = *ir;
    /* Keep a string that outlives the call (the engine's may not). */
    static const char *const methods[] = {"network", "offline", "existing"};
    c.method = "?";
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(ir->method, methods[i]) == 0)
            c.method = methods[i];
    PUSH(w->irs, w->ir_count, w->ir_cap, c);
}

static void r_storage(void *ctx, int site, int storage, int vm, uint64_t used, int64_t at_ns)
{
    fake_world *w = ctx;
    fake_store_rec r = {site, storage, vm, used, at_ns};
    PUSH(w->stores, w->store_count, w->store_cap, r);
}

/* ---------------------------------------------------------------- world */

#define FAKE_TIMERS 4096
#define FAKE_FLOWS 256

fake_world *fake_world_new(const drs_scenario *sc)
{
    fake_world *w = xcalloc(1, sizeof *w);
    w->sc = sc;
    w->sim = sim_new();
    if (!w->sim)
        abort();
    w->timers = xcalloc(FAKE_TIMERS, sizeof *w->timers);
    w->timer_cap = FAKE_TIMERS;
    w->flows = xcalloc(FAKE_FLOWS, sizeof *w->flows);
    w->flow_cap = FAKE_FLOWS;
    w->link_up = true;
    w->bandwidth_Bps = sc->link_count ? sc->links[0].bandwidth_Bps : 0;
    w->latency_ns = sc->link_count ? sc->links[0].latency_ns : 0;
    uint64_t ext = sc->extent_bytes ? sc->extent_bytes : (UINT64_C(1) << 20);
    w->disks = xcalloc(sc->vm_count, sizeof *w->disks);
    w->replica_running = xcalloc(sc->vm_count + 1, sizeof *w->replica_running);
    for (size_t v = 0; v < sc->vm_count; v++) {
        const drs_vm *vm = &sc->vms[v];
        w->disks[v] = xcalloc(vm->disk_count, sizeof **w->disks);
        for (size_t k = 0; k < vm->disk_count; k++) {
            fake_disk *d = &w->disks[v][k];
            d->extents = (vm->disks[k].used_bytes + ext - 1) / ext;
            d->version = xcalloc(d->extents, sizeof *d->version);
            d->replica = xcalloc(d->extents, sizeof *d->replica);
            d->log_mark = xcalloc(d->extents, sizeof *d->log_mark);
            d->log_list = xcalloc(d->extents, sizeof *d->log_list);
            d->log_gen = 1;
            d->write_bytes = ext;
            int wl = vm->disks[k].workload;
            if (wl >= 0) {
                d->rate_Bps = sc->workloads[wl].write_rate_Bps;
                d->compressibility = sc->workloads[wl].compressibility;
                if (sc->workloads[wl].write_size_bytes)
                    d->write_bytes = sc->workloads[wl].write_size_bytes;
            }
        }
    }
    w->storage = xcalloc(sc->site_count, sizeof *w->storage);
    w->site_up = xcalloc(sc->site_count, sizeof *w->site_up);
    w->vmm_online = xcalloc(sc->site_count, sizeof *w->vmm_online);
    w->host_up = xcalloc(sc->site_count, sizeof *w->host_up);
    for (size_t s = 0; s < sc->site_count; s++) {
        const drs_site *site = &sc->sites[s];
        w->site_up[s] = true;
        w->vmm_online[s] = site->vmm.internet; /* as the real world: no internet, no vault */
        w->host_up[s] = xcalloc(site->host_count, sizeof **w->host_up);
        for (size_t h = 0; h < site->host_count; h++)
            w->host_up[s][h] = true;
        w->storage[s] = xcalloc(site->storage_count, sizeof **w->storage);
        for (size_t c = 0; c < site->storage_count; c++)
            w->storage[s][c] = (fake_storage){.capacity = site->storage[c].capacity_bytes,
                                              .read_Bps = site->storage[c].read_Bps,
                                              .write_Bps = site->storage[c].write_Bps};
    }
    w->pf = (engine_platform){
        .ctx = w,
        .now = f_now,
        .timer_at = f_timer_at,
        .timer_cancel = f_timer_cancel,
        .site_up = f_site_up,
        .host_up = f_host_up,
        .vmm_online = f_vmm_online,
        .transfer_start = f_transfer_start,
        .transfer_cancel = f_transfer_cancel,
        .log_take = f_log_take,
        .log_bytes = f_log_bytes,
        .log_discard = f_log_discard,
        .replica_copy_base = f_replica_copy_base,
        .replica_apply = f_replica_apply,
        .replica_revert = f_replica_revert,
        .replica_forget = f_replica_forget,
        .vm_set_running = f_vm_set_running,
        .set_primary_copy = f_set_primary_copy,
        .link_up = f_link_up,
        .resync_diff = f_resync_diff,
        .replica_digest = f_replica_digest,
        .replica_delete = f_replica_delete,
        .storage_reserve = f_storage_reserve,
        .storage_release = f_storage_release,
        .storage_read_Bps = f_read,
        .storage_write_Bps = f_write,
    };
    w->rec = (engine_recorder){
        .ctx = w,
        .job_started = r_job_started,
        .job_ended = r_job_ended,
        .event = r_event,
        .recovery_point = r_rp,
        .cycle = r_cycle,
        .rpo_point = r_rpo,
        .initial_replication = r_ir,
        .replica_storage = r_storage,
        .failover = r_failover,
    };
    return w;
}

void fake_world_free(fake_world *w)
{
    if (!w)
        return;
    const drs_scenario *sc = w->sc;
    for (size_t v = 0; v < sc->vm_count; v++) {
        for (size_t k = 0; k < sc->vms[v].disk_count; k++) {
            fake_disk *d = &w->disks[v][k];
            free(d->version);
            free(d->replica);
            free(d->log_mark);
            free(d->log_list);
        }
        free(w->disks[v]);
    }
    for (size_t s = 0; s < sc->site_count; s++) {
        free(w->host_up[s]);
        free(w->storage[s]);
    }
    for (size_t i = 0; i < w->undo_count; i++)
        if (w->undos[i].used)
            undo_release(w, &w->undos[i]);
    free(w->undos);
    free(w->failovers);
    free(w->findings);
    free(w->replica_running);
    free(w->disks);
    free(w->storage);
    free(w->site_up);
    free(w->vmm_online);
    free(w->host_up);
    free(w->timers);
    free(w->flows);
    free(w->jobs);
    free(w->events);
    free(w->rpo);
    free(w->cycles);
    free(w->rps);
    free(w->irs);
    free(w->stores);
    sim_free(w->sim);
    free(w);
}

void fake_run_until(fake_world *w, int64_t t_ns)
{
    sim_run_until(w->sim, t_ns);
}

size_t fake_count_events(const fake_world *w, engine_event_kind kind, int vm)
{
    size_t n = 0;
    for (size_t i = 0; i < w->event_count; i++)
        n += w->events[i].kind == kind && (vm < 0 || w->events[i].vm == vm);
    return n;
}

int64_t fake_first_event(const fake_world *w, engine_event_kind kind, int vm, int new_value)
{
    for (size_t i = 0; i < w->event_count; i++) {
        const engine_event_info *e = &w->events[i];
        if (e->kind == kind && (vm < 0 || e->vm == vm) &&
            (new_value < 0 || e->new_value == new_value))
            return e->at_ns;
    }
    return -1;
}

const fake_job *fake_find_job(const fake_world *w, const char *name, int vm)
{
    for (size_t i = 0; i < w->job_count; i++)
        if (strcmp(w->jobs[i].name, name) == 0 && (vm < 0 || w->jobs[i].vm == vm))
            return &w->jobs[i];
    return NULL;
}

const fake_job *fake_find_job_id(const fake_world *w, uint64_t id)
{
    for (size_t i = 0; i < w->job_count; i++)
        if (w->jobs[i].id == id)
            return &w->jobs[i];
    return NULL;
}

bool fake_rpo_stats(const fake_world *w, int vm, int64_t from_ns, int64_t to_ns, double *max_ns,
                    double *mean_ns)
{
    /* RPO(t) = t - captured of the newest breakpoint at or before t: integrate piece by piece. */
    int64_t cap = -1;
    size_t i = 0;
    for (; i < w->rpo_count && w->rpo[i].at_ns <= from_ns; i++)
        if (w->rpo[i].vm == vm)
            cap = w->rpo[i].captured_ns;
    if (cap < 0)
        return false;
    double area = 0, mx = 0;
    int64_t t = from_ns;
    for (;; i++) {
        while (i < w->rpo_count && w->rpo[i].vm != vm)
            i++;
        int64_t end = (i < w->rpo_count && w->rpo[i].at_ns < to_ns) ? w->rpo[i].at_ns : to_ns;
        double a = (double)(t - cap), b = (double)(end - cap);
        area += (a + b) / 2.0 * (double)(end - t);
        if (b > mx)
            mx = b;
        if (end == to_ns)
            break;
        cap = w->rpo[i].captured_ns;
        t = end;
    }
    *max_ns = mx;
    *mean_ns = area / (double)(to_ns - from_ns);
    return true;
}
