/* sim/run/swarm.c — `drsim swarm`: generating timelines, running them checked, shrinking what fails.
 *
 * The scenario is handled as JSON throughout (jansson): a variant is the user's file plus generated
 * timeline entries, loaded with sim_scenario_load_string like any file, and shrinking edits the JSON
 * and writes it back, so what it produces is a scenario a person can read and `drsim run`. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "swarm.h"

#include "exit_status.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>

#include "engine/rules.h"
#include "engine/shared/alloc.h"
#include "reports/format.h"
#include "sim/scenario/scenario.h"
#include "sim/kernel/sim.h"
#include "sim/scenario/units.h"


/* ---------------------------------------------------------------------------------------------- */
/* Names                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

typedef struct sw_names {
    const char **v;
    size_t n, cap;
} sw_names;

struct sim_swarm_gen {
    const json_t *base;
    char *dir;
    size_t base_entries; /* the user's own timeline entries */
    int64_t duration_ns;
    int64_t protected_ns; /* the last recovery.protect `at`: protection is under way from then */
    sw_names links, hosts, sites, vmms, classes, vms, plans;
    bool has_cleanup, has_resync; /* the loader knows these actions */
};

static void names_add(sw_names *s, const json_t *v)
{
    if (!json_is_string(v))
        return;
    DRS_GROW(s->v, s->cap, s->n + 1);
    s->v[s->n++] = json_string_value(v);
}

static int64_t json_duration(const json_t *v, int64_t dflt)
{
    int64_t ns;
    if (json_is_string(v) && units_parse_duration(json_string_value(v), &ns, NULL))
        return ns;
    return dflt;
}

/* Whether the loader knows the action `what` (taking a `vm`): a scenario with one such entry is
 * loaded, and an "unknown action" error means it does not. */
static bool gen_probe_action(const sim_swarm_gen *g, const char *what)
{
    if (!g->vms.n)
        return false;
    json_t *copy = json_deep_copy(g->base);
    if (!copy)
        return false;
    json_t *tl = json_array();
    json_array_append_new(tl, json_pack("{s:s, s:s, s:s}", "at", "0", "do", what, "vm", g->vms.v[0]));
    json_object_set_new(copy, "timeline", tl);
    json_object_del(copy, "expect");
    char *text = json_dumps(copy, 0);
    json_decref(copy);
    if (!text)
        return false;
    drs_diags d = {0};
    drs_scenario *sc = sim_scenario_load_string(text, "probe", g->dir, &d);
    bool known = true;
    for (size_t i = 0; i < d.count; i++)
        if (strstr(d.items[i].err.message, "unknown action"))
            known = false;
    drs_scenario_free(sc);
    drs_diags_clear(&d);
    free(text);
    return known;
}

sim_swarm_gen *sim_swarm_gen_new(const json_t *base, const char *dir)
{
    sim_swarm_gen *g = drs_xcalloc(1, sizeof *g);
    g->base = base;
    g->dir = drs_xstrdup(dir && dir[0] ? dir : ".");
    g->duration_ns = json_duration(json_object_get(base, "duration"), 86400 * DRS_NS_PER_S);
    g->base_entries = json_array_size(json_object_get(base, "timeline"));
    size_t i, j;
    json_t *v, *w;
    json_array_foreach(json_object_get(base, "links"), i, v) names_add(&g->links, json_object_get(v, "name"));
    json_array_foreach(json_object_get(base, "sites"), i, v)
    {
        names_add(&g->sites, json_object_get(v, "name"));
        names_add(&g->vmms, json_object_get(json_object_get(v, "vmm"), "name"));
        json_array_foreach(json_object_get(v, "hosts"), j, w) names_add(&g->hosts, json_object_get(w, "name"));
        json_array_foreach(json_object_get(v, "storage"), j, w)
            names_add(&g->classes, json_object_get(w, "classification"));
    }
    json_array_foreach(json_object_get(base, "vms"), i, v) names_add(&g->vms, json_object_get(v, "name"));
    const json_t *rec = json_object_get(base, "recovery");
    json_array_foreach(json_object_get(rec, "recovery_plans"), i, v)
        names_add(&g->plans, json_object_get(v, "name"));
    json_array_foreach(json_object_get(rec, "protect"), i, v)
    {
        int64_t at = json_duration(json_object_get(v, "at"), 0);
        if (at > g->protected_ns)
            g->protected_ns = at;
    }
    if (g->protected_ns >= g->duration_ns)
        g->protected_ns = 0;
    g->has_cleanup = gen_probe_action(g, "cleanup_test_failover");
    g->has_resync = gen_probe_action(g, "resync");
    return g;
}

void sim_swarm_gen_free(sim_swarm_gen *g)
{
    if (!g)
        return;
    free(g->links.v);
    free(g->hosts.v);
    free(g->sites.v);
    free(g->vmms.v);
    free(g->classes.v);
    free(g->vms.v);
    free(g->plans.v);
    free(g->dir);
    free(g);
}

/* ---------------------------------------------------------------------------------------------- */
/* Generating                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

static const char *pick(gsl_rng *r, const sw_names *s)
{
    return s->n ? s->v[gsl_rng_uniform_int(r, s->n)] : NULL;
}

static json_t *entry(int64_t at_ns, const char *what)
{
    char at[32];
    snprintf(at, sizeof at, "%llds", (long long)(at_ns / DRS_NS_PER_S));
    return json_pack("{s:s, s:s}", "at", at, "do", what);
}

static void set_dur(json_t *e, const char *key, int64_t ns)
{
    char b[32];
    snprintf(b, sizeof b, "%llds", (long long)(ns / DRS_NS_PER_S));
    json_object_set_new(e, key, json_string(b));
}

/* A failover's subject: a recovery plan (when there are any, two times in five) or a VM. */
static void target(json_t *e, const char *plan, const char *vm)
{
    if (plan)
        json_object_set_new(e, "plan", json_string(plan));
    else
        json_object_set_new(e, "vm", json_string(vm));
}

static void choose_target(gsl_rng *r, const sim_swarm_gen *g, const char **plan, const char **vm)
{
    *plan = NULL;
    *vm = NULL;
    if (g->plans.n && gsl_rng_uniform(r) < 0.4)
        *plan = pick(r, &g->plans);
    else
        *vm = pick(r, &g->vms);
}

/* Every recovery-point choice the format has, or none (the default). */
static void recovery_point(gsl_rng *r, json_t *e, int64_t at_ns)
{
    static const char *const kinds[] = {"latest", "latest_app_consistent", "latest_processed"};
    unsigned k = (unsigned)gsl_rng_uniform_int(r, 5);
    if (k < 3)
        json_object_set_new(e, "recovery_point", json_string(kinds[k]));
    else if (k == 3)
        set_dur(e, "recovery_point", (int64_t)(gsl_rng_uniform(r) * (double)at_ns));
}

static int64_t clamp_at(const sim_swarm_gen *g, int64_t at)
{
    if (at < 0)
        at = 0;
    if (at >= g->duration_ns)
        at = g->duration_ns - DRS_NS_PER_S;
    return at < 0 ? 0 : at;
}

/* A gap of mean_s seconds on average (exponential), whole seconds, at least one. */
static int64_t gap(gsl_rng *r, double mean_s)
{
    return (int64_t)(1 + gsl_ran_exponential(r, mean_s)) * DRS_NS_PER_S;
}

/* A fault, and often its end later. */
static void gen_fault(gsl_rng *r, const sim_swarm_gen *g, json_t *tl, int64_t at)
{
    static const char *const bandwidths[] = {"512kbps", "2Mbps", "20Mbps", "100Mbps", "1Gbps"};
    static const char *const latencies[] = {"1ms", "40ms", "150ms", "600ms"};
    static const char *const frees[] = {"0", "64MiB", "1GiB", "20GiB"};
    const char *down = NULL, *up = NULL, *key = NULL, *name = NULL;
    switch (gsl_rng_uniform_int(r, 10)) {
    case 0:
    case 1:
        down = "link.down", up = "link.up", key = "link", name = pick(r, &g->links);
        break;
    case 2: {
        if (!(name = pick(r, &g->links)))
            return;
        json_t *e = entry(at, "link.set");
        json_object_set_new(e, "link", json_string(name));
        unsigned what = 1 + (unsigned)gsl_rng_uniform_int(r, 7);
        if (what & 1)
            json_object_set_new(e, "bandwidth", json_string(bandwidths[gsl_rng_uniform_int(r, 5)]));
        if (what & 2)
            json_object_set_new(e, "latency", json_string(latencies[gsl_rng_uniform_int(r, 4)]));
        if (what & 4)
            json_object_set_new(e, "loss", json_real(0.001 * (double)(1 + gsl_rng_uniform_int(r, 50))));
        json_array_append_new(tl, e);
        return;
    }
    case 3:
    case 4:
        down = "host.down", up = "host.up", key = "host", name = pick(r, &g->hosts);
        break;
    case 5:
    case 6:
        down = "site.down", up = "site.up", key = "site", name = pick(r, &g->sites);
        break;
    case 7:
        down = "vmm.offline", up = "vmm.online", key = "vmm", name = pick(r, &g->vmms);
        break;
    case 8: {
        if (!(name = pick(r, &g->classes)))
            return;
        json_t *e = entry(at, "storage.fill");
        json_object_set_new(e, "classification", json_string(name));
        json_object_set_new(e, "free", json_string(frees[gsl_rng_uniform_int(r, 4)]));
        json_array_append_new(tl, e);
        return;
    }
    default: /* a recovery alone, for a fault of the user's timeline or an earlier draw */
        down = NULL;
        switch (gsl_rng_uniform_int(r, 3)) {
        case 0: up = "site.up", key = "site", name = pick(r, &g->sites); break;
        case 1: up = "host.up", key = "host", name = pick(r, &g->hosts); break;
        default: up = "link.up", key = "link", name = pick(r, &g->links); break;
        }
        break;
    }
    if (!name)
        return;
    if (!down) {
        json_t *e = entry(at, up);
        json_object_set_new(e, key, json_string(name));
        json_array_append_new(tl, e);
        return;
    }
    json_t *e = entry(at, down);
    json_object_set_new(e, key, json_string(name));
    bool with_for = !strcmp(down, "link.down") && gsl_rng_uniform(r) < 0.4;
    if (with_for)
        set_dur(e, "for", gap(r, 900));
    json_array_append_new(tl, e);
    if (!with_for && gsl_rng_uniform(r) < 0.7) {
        json_t *u = entry(clamp_at(g, at + gap(r, 1800)), up);
        json_object_set_new(u, key, json_string(name));
        json_array_append_new(tl, u);
    }
}

/* One operation, or (two times in five) the chain a person would run: a failover and what follows
 * it, each step a few minutes to an hour after the last, cut short at random. */
static void gen_operation(gsl_rng *r, const sim_swarm_gen *g, json_t *tl, int64_t at)
{
    const char *plan, *vm;
    choose_target(r, g, &plan, &vm);
    if (!plan && !vm)
        return;
    static const char *const single[] = {
        "test_failover", "planned_failover", "unplanned_failover", "commit", "cancel_failover",
        "reverse_replication", "failback", "protect", "unprotect", "cleanup_test_failover",
        "resync"};
    if (gsl_rng_uniform(r) < 0.6) {
        const char *what = single[gsl_rng_uniform_int(r, 11)];
        if ((!strcmp(what, "cleanup_test_failover") && !g->has_cleanup) ||
            (!strcmp(what, "resync") && !g->has_resync))
            what = "test_failover";
        bool vm_only = !strcmp(what, "protect") || !strcmp(what, "unprotect");
        if (vm_only && !vm)
            vm = pick(r, &g->vms), plan = NULL;
        json_t *e = entry(at, what);
        target(e, plan, vm);
        if (!strcmp(what, "test_failover") || !strcmp(what, "unplanned_failover"))
            recovery_point(r, e, at);
        if (!strcmp(what, "test_failover") && gsl_rng_uniform(r) < 0.4)
            set_dur(e, "cleanup_after", gap(r, 1200));
        json_array_append_new(tl, e);
        return;
    }
    static const char *const chains[3][5] = {
        {"test_failover", "cleanup_test_failover", NULL},
        {"planned_failover", "reverse_replication", "failback", "reverse_replication", NULL},
        {"unplanned_failover", "commit", "reverse_replication", "failback", "reverse_replication"}};
    unsigned c = (unsigned)gsl_rng_uniform_int(r, 3);
    size_t steps = 1 + gsl_rng_uniform_int(r, 5);
    int64_t t = at;
    for (size_t s = 0; s < steps && s < 5 && chains[c][s]; s++) {
        const char *what = chains[c][s];
        if (!strcmp(what, "cleanup_test_failover") && !g->has_cleanup)
            break;
        if (s > 0 && gsl_rng_uniform(r) < 0.15)
            what = gsl_rng_uniform(r) < 0.5 ? "cancel_failover" : "commit";
        json_t *e = entry(clamp_at(g, t), what);
        target(e, plan, vm);
        if (!strcmp(what, "test_failover") || !strcmp(what, "unplanned_failover"))
            recovery_point(r, e, t);
        json_array_append_new(tl, e);
        t += gap(r, s == 1 ? 2400 : 900); /* reverse replication resynchronizes: leave it time */
    }
}

json_t *sim_swarm_variant(const sim_swarm_gen *g, uint64_t seed)
{
    json_t *v = json_deep_copy(g->base);
    if (!v)
        return NULL;
    /* A swarm looks for broken invariants, not for the user's expectations. */
    json_object_del(v, "expect");
    json_object_set_new(v, "seed", json_integer((json_int_t)(seed & INT64_MAX)));
    /* Trace files resolve wherever the variant is written. */
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(v, "workloads"), i, w)
    {
        json_t *f = json_object_get(w, "file");
        if (json_is_string(f) && json_string_value(f)[0] != '/') {
            char path[PATH_MAX], abs[PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", g->dir, json_string_value(f));
            if (realpath(path, abs))
                json_object_set_new(w, "file", json_string(abs));
        }
    }
    json_t *tl = json_object_get(v, "timeline");
    if (!json_is_array(tl)) {
        tl = json_array();
        json_object_set_new(v, "timeline", tl);
    }
    gsl_rng *r = sim_rng_new(seed, "swarm");
    if (!r) {
        json_decref(v);
        return NULL;
    }
    /* Most entries cluster after protection began, a few minutes apart, so that operations and
     * faults overlap; some fall anywhere, initial replication included. */
    int64_t lo = g->protected_ns + (g->duration_ns - g->protected_ns) / 20;
    int64_t hi = g->duration_ns - g->duration_ns / 30;
    if (hi <= lo)
        lo = 0;
    size_t clusters = 1 + gsl_rng_uniform_int(r, 3);
    size_t n = 3 + gsl_rng_uniform_int(r, 12);
    int64_t centre[3];
    for (size_t c = 0; c < clusters; c++)
        centre[c] = lo + (int64_t)(gsl_rng_uniform(r) * (double)(hi - lo));
    for (size_t k = 0; k < n; k++) {
        int64_t at;
        if (gsl_rng_uniform(r) < 0.15)
            at = (int64_t)(gsl_rng_uniform(r) * (double)g->duration_ns);
        else
            at = centre[gsl_rng_uniform_int(r, clusters)] + gap(r, 240);
        at = clamp_at(g, at);
        if (gsl_rng_uniform(r) < 0.45)
            gen_fault(r, g, tl, at);
        else
            gen_operation(r, g, tl, at);
    }
    gsl_rng_free(r);
    /* Recovery plans' scripts sometimes fail or hang, from a stream of their own so the timeline a
     * seed draws stays the same. */
    gsl_rng *q = sim_rng_new(seed, "swarm-scripts");
    json_t *plan;
    json_array_foreach(json_object_get(json_object_get(v, "recovery"), "recovery_plans"), i, plan)
    {
        size_t k;
        json_t *grp;
        json_array_foreach(json_object_get(plan, "groups"), k, grp)
        {
            const char *const sides[] = {"before", "after"};
            for (int sd = 0; sd < 2 && q; sd++) {
                size_t m;
                json_t *act;
                json_array_foreach(json_object_get(grp, sides[sd]), m, act)
                {
                    double u = gsl_rng_uniform(q);
                    if (!json_object_get(act, "script") || u >= 0.25)
                        continue;
                    json_object_set_new(act, "outcome",
                                        json_string(u < 0.15 ? "fails" : "times_out"));
                }
            }
        }
    }
    if (q)
        gsl_rng_free(q);
    return v;
}

size_t sim_swarm_generated_count(const sim_swarm_gen *g, const json_t *variant)
{
    size_t n = json_array_size(json_object_get(variant, "timeline"));
    return n > g->base_entries ? n - g->base_entries : 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* One run, in a process of its own                                                               */
/* ---------------------------------------------------------------------------------------------- */

typedef struct sw_eval_msg {
    int status;
    uint64_t events;
    sim_violation v;
} sw_eval_msg;

static bool write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        c += k;
        n -= (size_t)k;
    }
    return true;
}

static size_t read_all(int fd, void *p, size_t n)
{
    char *c = p;
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, c + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    return got;
}

/* A forked child dies of a crash rather than running a handler it inherited (a test framework's,
 * which would carry on with the parent's work inside the child). */
static void child_default_signals(void)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], SIG_DFL);
}

/* The child's side: load, check the rules, run checked. */
static void eval_child(const char *text, const char *dir, sw_eval_msg *m)
{
    drs_diags d = {0};
    drs_scenario *sc = sim_scenario_load_string(text, "variant", dir, &d);
    if (sc)
        engine_rules_check(sc, &d);
    if (!sc || drs_diags_errors(&d)) {
        m->status = SIM_EXIT_INPUT;
        for (size_t i = 0; i < d.count; i++)
            if (d.items[i].severity == DRS_SEV_ERROR) {
                snprintf(m->v.message, sizeof m->v.message, "%s: %s", d.items[i].err.path,
                         d.items[i].err.message);
                break;
            }
    } else {
        bool violated = false;
        if (!sim_run_checked(sc, &violated, &m->v, &m->events)) {
            m->status = SIM_EXIT_FAILED;
            snprintf(m->v.invariant, sizeof m->v.invariant, "crash");
            snprintf(m->v.message, sizeof m->v.message, "internal error (exit 3)");
        } else {
            m->status = violated ? SIM_EXIT_FAILED : SIM_EXIT_OK;
        }
    }
    drs_scenario_free(sc);
    drs_diags_clear(&d);
}

int sim_swarm_eval(const json_t *variant, const char *dir, int timeout_s, sim_violation *v,
                   uint64_t *events)
{
    memset(v, 0, sizeof *v);
    if (events)
        *events = 0;
    char *text = json_dumps(variant, JSON_COMPACT);
    int fd[2];
    if (!text || pipe(fd) != 0) {
        free(text);
        snprintf(v->invariant, sizeof v->invariant, "crash");
        snprintf(v->message, sizeof v->message, "cannot start a run: %s", strerror(errno));
        return SIM_EXIT_FAILED;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        child_default_signals();
        alarm((unsigned)(timeout_s > 0 ? timeout_s : 300));
        sw_eval_msg *m = drs_xcalloc(1, sizeof *m);
        eval_child(text, dir, m);
        write_all(fd[1], m, sizeof *m);
        _exit(0);
    }
    close(fd[1]);
    free(text);
    sw_eval_msg *m = drs_xcalloc(1, sizeof *m);
    size_t got = pid > 0 ? read_all(fd[0], m, sizeof *m) : 0;
    close(fd[0]);
    int ws = 0;
    if (pid > 0)
        while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
            ;
    int status;
    if (got == sizeof *m) {
        *v = m->v;
        if (events)
            *events = m->events;
        status = m->status;
    } else {
        snprintf(v->invariant, sizeof v->invariant, "crash");
        v->at_ns = -1; /* the process died: its clock went with it */
        if (pid < 0)
            snprintf(v->message, sizeof v->message, "cannot start a run: %s", strerror(errno));
        else if (WIFSIGNALED(ws) && WTERMSIG(ws) == SIGALRM)
            snprintf(v->message, sizeof v->message, "the run took longer than %d s",
                     timeout_s > 0 ? timeout_s : 300);
        else if (WIFSIGNALED(ws))
            snprintf(v->message, sizeof v->message, "killed by signal %d (%s)", WTERMSIG(ws),
                     strsignal(WTERMSIG(ws)));
        else
            snprintf(v->message, sizeof v->message, "exited with status %d without a result",
                     WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
        status = SIM_EXIT_FAILED;
    }
    free(m);
    return status;
}

/* ---------------------------------------------------------------------------------------------- */
/* Shrinking                                                                                      */
/* ---------------------------------------------------------------------------------------------- */

typedef struct sw_shrink {
    const char *dir;
    const char *invariant;
    int timeout_s;
    int budget; /* runs left */
    sim_violation last;
} sw_shrink;

/* Whether candidate still fails with the same invariant (a refused candidate does not). */
static bool still_fails(sw_shrink *s, const json_t *candidate)
{
    if (s->budget <= 0)
        return false;
    s->budget--;
    sim_violation v;
    if (sim_swarm_eval(candidate, s->dir, s->timeout_s, &v, NULL) != SIM_EXIT_FAILED)
        return false;
    if (strcmp(v.invariant, s->invariant))
        return false;
    s->last = v;
    return true;
}

/* Drops timeline entries: halves, quarters, ... down to one at a time, keeping every removal after
 * which the scenario still fails. Returns whether anything went. */
static bool shrink_timeline(sw_shrink *s, json_t *sc)
{
    json_t *tl = json_object_get(sc, "timeline");
    bool any = false;
    size_t chunk = json_array_size(tl) / 2;
    if (!chunk)
        chunk = 1;
    for (;;) {
        bool changed = false;
        for (size_t i = 0; i < json_array_size(tl) && s->budget > 0;) {
            json_t *keep = json_deep_copy(tl);
            size_t end = i + chunk < json_array_size(tl) ? i + chunk : json_array_size(tl);
            for (size_t k = end; k > i; k--)
                json_array_remove(tl, k - 1);
            if (still_fails(s, sc)) {
                changed = any = true;
            } else {
                json_array_clear(tl);
                json_array_extend(tl, keep);
                i += chunk;
            }
            json_decref(keep);
        }
        if (chunk == 1 && !changed)
            break;
        if (s->budget <= 0)
            break;
        if (chunk > 1)
            chunk /= 2;
    }
    return any;
}

static bool str_is(const json_t *v, const char *s)
{
    return json_is_string(v) && !strcmp(json_string_value(v), s);
}

/* Removes every element of array a whose key equals name. */
static void drop_where(json_t *a, const char *key, const char *name)
{
    for (size_t i = json_array_size(a); i > 0; i--)
        if (str_is(json_object_get(json_array_get(a, i - 1), key), name))
            json_array_remove(a, i - 1);
}

/* A copy of sc without VM `name` and everything that names it: its protect entries, its place in
 * recovery plans (a group left empty goes, and a plan left without groups goes with the timeline
 * entries and expectations that name it), its timeline entries and expectations. */
static json_t *without_vm(const json_t *sc, const char *name)
{
    json_t *c = json_deep_copy(sc);
    if (!c)
        return NULL;
    drop_where(json_object_get(c, "vms"), "name", name);
    json_t *rec = json_object_get(c, "recovery");
    drop_where(json_object_get(rec, "protect"), "vm", name);
    drop_where(json_object_get(c, "timeline"), "vm", name);
    drop_where(json_object_get(c, "expect"), "vm", name);
    json_t *plans = json_object_get(rec, "recovery_plans");
    for (size_t p = json_array_size(plans); p > 0; p--) {
        json_t *plan = json_array_get(plans, p - 1);
        json_t *groups = json_object_get(plan, "groups");
        for (size_t gi = json_array_size(groups); gi > 0; gi--) {
            json_t *vms = json_object_get(json_array_get(groups, gi - 1), "vms");
            for (size_t k = json_array_size(vms); k > 0; k--)
                if (str_is(json_array_get(vms, k - 1), name))
                    json_array_remove(vms, k - 1);
            if (json_is_array(vms) && json_array_size(vms) == 0)
                json_array_remove(groups, gi - 1);
        }
        if (json_is_array(groups) && json_array_size(groups) == 0) {
            const json_t *pn = json_object_get(plan, "name");
            char *pname = json_is_string(pn) ? drs_xstrdup(json_string_value(pn)) : NULL;
            json_array_remove(plans, p - 1);
            if (pname) {
                drop_where(json_object_get(c, "timeline"), "plan", pname);
                drop_where(json_object_get(c, "expect"), "plan", pname);
                free(pname);
            }
        }
    }
    return c;
}

/* Drops VMs one at a time (the last first), keeping each removal after which it still fails. */
static bool shrink_vms(sw_shrink *s, json_t **sc)
{
    bool any = false;
    json_t *vms = json_object_get(*sc, "vms");
    for (size_t i = json_array_size(vms); i > 0 && s->budget > 0; i--) {
        vms = json_object_get(*sc, "vms");
        if (json_array_size(vms) <= 1)
            break;
        const json_t *nm = json_object_get(json_array_get(vms, i - 1), "name");
        if (!json_is_string(nm))
            continue;
        json_t *c = without_vm(*sc, json_string_value(nm));
        if (c && still_fails(s, c)) {
            json_decref(*sc);
            *sc = c;
            any = true;
        } else {
            json_decref(c);
        }
    }
    return any;
}

/* Shrinks sc (owned, replaced) to a fixpoint or until the budget runs out. */
static json_t *shrink(sw_shrink *s, json_t *sc)
{
    for (;;) {
        bool a = shrink_timeline(s, sc);
        bool b = shrink_vms(s, &sc);
        if ((!a && !b) || s->budget <= 0)
            return sc;
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* The swarm                                                                                      */
/* ---------------------------------------------------------------------------------------------- */

/* What a worker reports for its seed. */
typedef struct sw_result {
    uint64_t seed;
    int status; /* SIM_EXIT_OK, SIM_EXIT_FAILED, SIM_EXIT_INPUT (the variant was refused) */
    uint64_t events;
    sim_violation v; /* of the shrunk scenario when shrinking kept failing, else the original */
    size_t entries, vms;               /* timeline entries and VMs of the variant */
    size_t shrunk_entries, shrunk_vms; /* of the shrunk scenario */
    char shrunk[PATH_MAX];
} sw_result;

typedef struct sw_ctx {
    const sim_swarm_options *opt;
    const sim_swarm_gen *gen;
    const char *stem; /* the scenario's file name without folder and .json */
    const char *out_dir;
    int shrink_runs, timeout_s;
} sw_ctx;

static void sw_describe(const sw_ctx *c, uint64_t seed, const sim_violation *v, json_t *sc)
{
    char t[32] = "an unknown time", name[200], desc[900];
    if (v->at_ns >= 0)
        report_format_duration(v->at_ns, t, sizeof t);
    snprintf(name, sizeof name, "swarm-%s-seed%" PRIu64 "-%s", c->stem, seed, v->invariant);
    snprintf(desc, sizeof desc,
             "Found by drsim swarm (seed %" PRIu64 " of %s) and shrunk: %s at %s: %s. Run it with "
             "drsim run --check.",
             seed, c->stem, v->invariant, t, v->message);
    json_object_set_new(sc, "name", json_string(name));
    json_object_set_new(sc, "description", json_string(desc));
}

static void sw_seed(const sw_ctx *c, uint64_t seed, sw_result *res)
{
    memset(res, 0, sizeof *res);
    res->seed = seed;
    json_t *var = sim_swarm_variant(c->gen, seed);
    if (!var) {
        res->status = SIM_EXIT_FAILED;
        snprintf(res->v.invariant, sizeof res->v.invariant, "crash");
        snprintf(res->v.message, sizeof res->v.message, "out of memory generating the variant");
        return;
    }
    res->entries = json_array_size(json_object_get(var, "timeline"));
    res->vms = json_array_size(json_object_get(var, "vms"));
    res->status = sim_swarm_eval(var, c->gen->dir, c->timeout_s, &res->v, &res->events);
    if (res->status != SIM_EXIT_FAILED) {
        json_decref(var);
        return;
    }
    sw_shrink s = {.dir = c->gen->dir,
                   .invariant = res->v.invariant,
                   .timeout_s = c->timeout_s,
                   .budget = c->shrink_runs,
                   .last = res->v};
    json_t *small = shrink(&s, var);
    res->v = s.last;
    res->shrunk_entries = json_array_size(json_object_get(small, "timeline"));
    res->shrunk_vms = json_array_size(json_object_get(small, "vms"));
    sw_describe(c, seed, &res->v, small);
    snprintf(res->shrunk, sizeof res->shrunk, "%s/%s-seed%" PRIu64 "-%s.json", c->out_dir,
             c->stem, seed, res->v.invariant);
    if (json_dump_file(small, res->shrunk, JSON_INDENT(2)) != 0)
        snprintf(res->shrunk, sizeof res->shrunk, "(could not be written)");
    json_decref(small);
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void sw_summary(FILE *out, const sw_ctx *c, const sw_result *r, size_t n, double secs)
{
    size_t bad = 0, refused = 0;
    for (size_t i = 0; i < n; i++) {
        bad += r[i].status == SIM_EXIT_FAILED;
        refused += r[i].status == SIM_EXIT_INPUT;
    }
    fprintf(out, "drsim swarm: %zu seed%s of %s (%" PRIu64 " to %" PRIu64 "): %zu with a violation",
            n, n == 1 ? "" : "s", c->stem, c->opt->from, c->opt->from + n - 1, bad);
    if (refused)
        fprintf(out, ", %zu variant%s refused", refused, refused == 1 ? "" : "s");
    fprintf(out, "\n");
    /* Invariants in name order, seeds in order within each. */
    const char **names = drs_xcalloc(n ? n : 1, sizeof *names);
    size_t nn = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i].status != SIM_EXIT_FAILED)
            continue;
        bool seen = false;
        for (size_t k = 0; k < nn && !seen; k++)
            seen = !strcmp(names[k], r[i].v.invariant);
        if (!seen)
            names[nn++] = r[i].v.invariant;
    }
    qsort(names, nn, sizeof *names, cmp_str);
    for (size_t k = 0; k < nn; k++) {
        size_t count = 0;
        for (size_t i = 0; i < n; i++)
            count += r[i].status == SIM_EXIT_FAILED && !strcmp(r[i].v.invariant, names[k]);
        fprintf(out, "\n%s: %zu seed%s\n", names[k], count, count == 1 ? "" : "s");
        for (size_t i = 0; i < n; i++) {
            if (r[i].status != SIM_EXIT_FAILED || strcmp(r[i].v.invariant, names[k]))
                continue;
            char t[32] = "an unknown time";
            if (r[i].v.at_ns >= 0)
                report_format_duration(r[i].v.at_ns, t, sizeof t);
            fprintf(out, "  seed %" PRIu64 " at %s: %s\n", r[i].seed, t, r[i].v.message);
            if (r[i].v.event[0])
                fprintf(out, "    after %s\n", r[i].v.event);
            if (r[i].v.state[0])
                fprintf(out, "    state: %s\n", r[i].v.state);
            fprintf(out, "    shrunk to %zu of %zu timeline entries and %zu of %zu VMs: %s\n",
                    r[i].shrunk_entries, r[i].entries, r[i].shrunk_vms, r[i].vms, r[i].shrunk);
        }
    }
    free(names);
    if (refused) {
        fprintf(out, "\nrefused variants (the generator made a scenario the loader or the rules "
                     "turn down):\n");
        for (size_t i = 0; i < n; i++)
            if (r[i].status == SIM_EXIT_INPUT)
                fprintf(out, "  seed %" PRIu64 ": %s\n", r[i].seed, r[i].v.message);
    }
    /* The one line that depends on the machine: last, so that the rest compares across --jobs. */
    fprintf(out, "\n%.1f seeds/s (%zu in %.2f s)\n", secs > 0 ? (double)n / secs : 0.0, n, secs);
}

/* mkdir -p: the folder and any missing parent; true when it exists afterwards. */
static bool swarm_mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return false;
        *p = '/';
    }
    return mkdir(buf, 0777) == 0 || errno == EEXIST;
}

int sim_swarm_run(const sim_swarm_options *opt, FILE *out)
{
    uint64_t n = opt->seeds ? opt->seeds : 100;
    const char *out_dir = opt->out_dir ? opt->out_dir : "swarm-out";
    json_error_t jerr;
    json_t *base = json_load_file(opt->scenario_path, 0, &jerr);
    if (!base || !json_is_object(base)) {
        fprintf(stderr, "drsim swarm: %s: %s\n", opt->scenario_path,
                base ? "expected a JSON object" : jerr.text);
        json_decref(base);
        return SIM_EXIT_INPUT;
    }
    /* The scenario as it is must load and pass the rules: variants only add to its timeline. */
    drs_diags d = {0};
    drs_scenario *sc = sim_scenario_load(opt->scenario_path, &d);
    if (sc)
        engine_rules_check(sc, &d);
    if (!sc || drs_diags_errors(&d)) {
        sim_diags_print(stderr, &d);
        drs_diags_clear(&d);
        drs_scenario_free(sc);
        json_decref(base);
        return SIM_EXIT_INPUT;
    }
    drs_diags_clear(&d);
    drs_scenario_free(sc);

    char dir[PATH_MAX], stem[256];
    const char *slash = strrchr(opt->scenario_path, '/');
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - opt->scenario_path), opt->scenario_path);
    else
        snprintf(dir, sizeof dir, ".");
    if (!dir[0])
        snprintf(dir, sizeof dir, "/");
    snprintf(stem, sizeof stem, "%s", slash ? slash + 1 : opt->scenario_path);
    size_t sl = strlen(stem);
    if (sl > 5 && !strcmp(stem + sl - 5, ".json"))
        stem[sl - 5] = '\0';
    if (!swarm_mkdirs(out_dir)) {
        fprintf(stderr, "drsim swarm: cannot create %s: %s\n", out_dir, strerror(errno));
        json_decref(base);
        return SIM_EXIT_INPUT;
    }

    sim_swarm_gen *gen = sim_swarm_gen_new(base, dir);
    sw_result *res = drs_xcalloc(n, sizeof *res);
    pid_t *pid = drs_xcalloc(n, sizeof *pid);
    int *fds = drs_xcalloc(n, sizeof *fds);
    sw_ctx c = {.opt = opt,
                .gen = gen,
                .stem = stem,
                .out_dir = out_dir,
                .shrink_runs = opt->shrink_runs > 0 ? opt->shrink_runs : 400,
                .timeout_s = opt->timeout_s > 0 ? opt->timeout_s : 300};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int jobs = opt->jobs > 0 ? opt->jobs : (cpus > 0 ? (int)cpus : 1);

    /* Workers, one per seed, jobs at a time; each writes its sw_result into its pipe and exits. */
    double t0 = wall_now(), last_progress = 0;
    size_t next = 0, running = 0, done = 0, found = 0;
    int code = SIM_EXIT_OK;
    while (done < n) {
        if (next < n && running < (size_t)jobs) {
            int p[2];
            if (pipe(p) != 0) {
                fprintf(stderr, "drsim swarm: %s\n", strerror(errno));
                code = SIM_EXIT_INTERNAL;
                break;
            }
            fflush(NULL);
            pid_t k = fork();
            if (k == 0) {
                close(p[0]);
                child_default_signals();
                sw_result *r = drs_xcalloc(1, sizeof *r);
                sw_seed(&c, opt->from + next, r);
                write_all(p[1], r, sizeof *r);
                _exit(0);
            }
            close(p[1]);
            if (k < 0) {
                close(p[0]);
                fprintf(stderr, "drsim swarm: cannot start a worker: %s\n", strerror(errno));
                code = SIM_EXIT_INTERNAL;
                break;
            }
            pid[next] = k;
            fds[next] = p[0];
            next++;
            running++;
            continue;
        }
        /* Whichever worker ends first: it wrote its whole result (smaller than a pipe's buffer)
         * before exiting, so reading after the wait never blocks. */
        int ws = 0;
        pid_t w = wait(&ws);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "drsim swarm: %s\n", strerror(errno));
            code = SIM_EXIT_INTERNAL;
            break;
        }
        size_t i = 0;
        while (i < next && pid[i] != w)
            i++;
        if (i == next)
            continue; /* not a worker of this swarm */
        size_t got = read_all(fds[i], &res[i], sizeof res[i]);
        close(fds[i]);
        pid[i] = 0;
        running--;
        done++;
        if (got != sizeof res[i]) {
            memset(&res[i], 0, sizeof res[i]);
            res[i].seed = opt->from + i;
            res[i].status = SIM_EXIT_FAILED;
            snprintf(res[i].v.invariant, sizeof res[i].v.invariant, "crash");
            snprintf(res[i].v.message, sizeof res[i].v.message,
                     "the worker for this seed died (status %d)", ws);
            snprintf(res[i].shrunk, sizeof res[i].shrunk, "(none)");
        }
        found += res[i].status == SIM_EXIT_FAILED;
        if (opt->progress && (wall_now() - last_progress > 0.25 || done == n)) {
            last_progress = wall_now();
            fprintf(stderr, "\r%zu/%" PRIu64 " seeds, %zu with a violation, %.1f seeds/s   ", done,
                    n, found, (double)done / (last_progress - t0));
            if (done == n)
                fputc('\n', stderr);
        }
    }
    for (size_t i = 0; i < next; i++) /* after a failed fork: let the others finish */
        if (pid[i]) {
            close(fds[i]);
            waitpid(pid[i], NULL, 0);
        }
    if (code == SIM_EXIT_OK) {
        sw_summary(out, &c, res, done, wall_now() - t0);
        code = found ? SIM_EXIT_FAILED : SIM_EXIT_OK;
    }
    sim_swarm_gen_free(gen);
    free(res);
    free(pid);
    free(fds);
    json_decref(base);
    return code;
}
