/* sim/cli/serve.c — `drsim serve`: a scenario played step by step behind a small HTTP server.
 *
 * Why a session is rebuilt on every action: an action taken at simulated time T must act exactly as
 * a timeline entry `"at": T` would in `drsim run`, including its place among the other events of
 * that instant (timeline entries are scheduled before the run starts, so they fire before events the
 * run schedules for the same instant). Rather than imitate that order, the session is always the
 * run of one document, the scenario file with the session's entries appended to its timeline: an
 * action appends its entry, loads that document through the ordinary loader and rules, and replays
 * it from the start to T. The export is that very document, so `drsim run` of it reproduces the
 * session by construction; the cost is one replay to T per action.
 *
 * The views read the engine, the results and the world without touching anything the run depends
 * on (no disk or link is asked for bytes between events), so playing with the page open gives the
 * same run as playing without it.
 *
 * Safety: the server binds to loopback unless told otherwise, every /api request needs the session
 * token, an Origin header must match the Host the page was loaded from (and the Host must be the
 * bound address, against DNS rebinding), bodies and URIs have size limits, and the only files read
 * are the scenario and its traces (the page is compiled in). */
#include "serve.h"

#include "sim/run/exit_status.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "engine/engine.h"
#include "engine/rules.h"
#include "engine/shared/alloc.h"
#include "reports/reports.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/units.h"
#include "sim/run/version.h"
#include "sim/run/world.h"


/* A JSON body above this is refused with 413 and a JSON error; libevent itself refuses (413, its
 * own page) bodies above the hard limit before they are read. */
enum { SERVE_BODY_MAX = 16 * 1024, SERVE_BODY_HARD = 1024 * 1024, SERVE_URI_MAX = 2048,
       SERVE_HEADERS_MAX = 16 * 1024, SERVE_JOBS_SHOWN = 300 };

#define SERVE_TICK_MS 100
#define SERVE_CHART_BUCKETS 160

typedef struct serve {
    const sim_serve_options *opt;
    char *dir;          /* the scenario's folder: trace paths are relative to it */
    json_t *base;       /* the scenario file as read */
    json_t *actions;    /* the session's timeline entries, each with its "at" */
    drs_scenario *sc;   /* the current document, loaded */
    report_results *results;
    sim_live *live;
    bool playing;
    double speed;       /* simulated seconds per wall-clock second */
    int64_t play_until_ns;
    uint64_t version;   /* changes whenever the state does */
    char token[33];
    char bind[64];
    int port;
    struct event_base *ev;
    struct event *tick, *sigint, *sigterm;
    struct evhttp *http;
} serve;

/* ---------------------------------------------------------------------------------------------- */
/* The document and the run                                                                       */
/* ---------------------------------------------------------------------------------------------- */

/* The scenario with the session's entries (and extra, if not NULL) appended to its timeline. */
static json_t *serve_doc(const serve *s, json_t *extra)
{
    json_t *doc = json_deep_copy(s->base);
    if (!doc)
        return NULL;
    json_t *tl = json_object_get(doc, "timeline");
    if (!json_is_array(tl)) {
        tl = json_array();
        json_object_set_new(doc, "timeline", tl);
    }
    size_t i;
    json_t *a;
    json_array_foreach(s->actions, i, a)
        json_array_append(tl, a);
    if (extra)
        json_array_append(tl, extra);
    return doc;
}

static char *serve_doc_text(const serve *s, json_t *extra)
{
    json_t *doc = serve_doc(s, extra);
    char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    return text;
}

/* Loads text as the loader and the rules would a file; the problems go into problems (a JSON array
 * of "path: message" strings) when it has errors. */
static drs_scenario *serve_load(const serve *s, const char *text, json_t *problems)
{
    drs_diags diags = {0};
    drs_scenario *sc = sim_scenario_load_string(text, s->opt->scenario_path, s->dir, &diags);
    if (sc)
        engine_rules_check(sc, &diags);
    if (!sc || drs_diags_errors(&diags)) {
        for (size_t i = 0; i < diags.count; i++) {
            const drs_diag *d = &diags.items[i];
            if (d->severity != DRS_SEV_ERROR)
                continue;
            char line[600];
            snprintf(line, sizeof line, "%s%s%s", d->err.path, d->err.path[0] ? ": " : "",
                     d->err.message);
            json_array_append_new(problems, json_string(line));
        }
        if (!json_array_size(problems))
            json_array_append_new(problems, json_string("the scenario could not be loaded"));
        drs_scenario_free(sc);
        sc = NULL;
    }
    drs_diags_clear(&diags);
    return sc;
}

/* Replays the document text from the start to at_ns into a fresh scenario, results and run. */
static bool serve_replay(const serve *s, const char *text, int64_t at_ns, json_t *problems,
                         drs_scenario **sc_out, report_results **res_out, sim_live **live_out)
{
    drs_scenario *sc = serve_load(s, text, problems);
    if (!sc)
        return false;
    report_results *res = report_results_new(sc);
    sim_live *live = sim_live_new(sc, res);
    if (!live) {
        json_array_append_new(problems, json_string("internal error: the run could not start"));
        report_results_free(res);
        drs_scenario_free(sc);
        return false;
    }
    sim_live_advance(live, at_ns);
    if (sim_live_finished(live))
        report_expect_evaluate(res, sc->expect, sc->expect_count);
    *sc_out = sc;
    *res_out = res;
    *live_out = live;
    return true;
}

/* Makes the session the run of its document with extra appended (NULL: as it is) at the current
 * time. On failure the session is unchanged. */
static bool serve_rebuild(serve *s, json_t *extra, json_t *problems)
{
    int64_t now = s->live ? sim_live_now(s->live) : 0;
    char *text = serve_doc_text(s, extra);
    if (!text) {
        json_array_append_new(problems, json_string("out of memory"));
        return false;
    }
    drs_scenario *sc;
    report_results *res;
    sim_live *live;
    bool ok = serve_replay(s, text, now, problems, &sc, &res, &live);
    free(text);
    if (!ok)
        return false;
    if (extra)
        json_array_append(s->actions, extra);
    sim_live_free(s->live);
    report_results_free(s->results);
    drs_scenario_free(s->sc);
    s->sc = sc;
    s->results = res;
    s->live = live;
    s->version++;
    return true;
}

static void serve_advance(serve *s, int64_t until_ns)
{
    if (sim_live_finished(s->live))
        return;
    sim_live_advance(s->live, until_ns);
    if (sim_live_finished(s->live)) {
        report_expect_evaluate(s->results, s->sc->expect, s->sc->expect_count);
        s->playing = false;
    }
    s->version++;
}

/* A duration exactly as the scenario format writes it, largest units first ("1d2h30m", "45s",
 * "1s500ns"); "0s" for zero. */
static void serve_format_at(int64_t ns, char *out, size_t n)
{
    static const struct { const char *unit; int64_t ns; } units[] = {
        {"d", INT64_C(86400000000000)}, {"h", INT64_C(3600000000000)},
        {"m", INT64_C(60000000000)},    {"s", INT64_C(1000000000)},
        {"ns", 1},
    };
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof units / sizeof units[0] && len < n; i++) {
        int64_t q = ns / units[i].ns;
        if (!q)
            continue;
        ns -= q * units[i].ns;
        int w = snprintf(out + len, n - len, "%" PRId64 "%s", q, units[i].unit);
        len += w > 0 ? (size_t)w : 0;
    }
    if (!out[0])
        snprintf(out, n, "0s");
}

/* ---------------------------------------------------------------------------------------------- */
/* The state, as JSON                                                                             */
/* ---------------------------------------------------------------------------------------------- */

static json_t *secs(int64_t ns)
{
    return ns < 0 ? json_null() : json_real((double)ns / 1e9);
}

static json_t *serve_state(const serve *s)
{
    const drs_scenario *sc = s->sc;
    const engine *e = sim_live_engine(s->live);
    const sim_world *w = sim_live_world(s->live);
    const report_results *r = s->results;
    int64_t now = sim_live_now(s->live);
    json_t *st = json_object();
    json_object_set_new(st, "scenario", json_string(sc->name ? sc->name : ""));
    json_object_set_new(st, "version", json_integer((json_int_t)s->version));
    json_object_set_new(st, "now", secs(now));
    json_object_set_new(st, "duration", secs(sc->duration_ns));
    json_object_set_new(st, "playing", json_boolean(s->playing));
    json_object_set_new(st, "speed", json_real(s->speed));
    json_object_set_new(st, "play_until", secs(s->play_until_ns));
    json_object_set_new(st, "finished", json_boolean(sim_live_finished(s->live)));
    json_object_set_new(st, "events", json_integer((json_int_t)sim_live_events(s->live)));

    json_t *sites = json_array();
    for (size_t i = 0; i < sc->site_count; i++) {
        json_t *hosts = json_array();
        for (size_t h = 0; h < sc->sites[i].host_count; h++)
            json_array_append_new(hosts, json_pack("{s:s, s:b}", "name", sc->sites[i].hosts[h].name,
                                                   "up", sim_world_host_up(w, (int)i, (int)h)));
        json_array_append_new(sites, json_pack("{s:s, s:b, s:b, s:o}", "name", sc->sites[i].name,
                                               "up", sim_world_site_up(w, (int)i), "vmm_online",
                                               sim_world_vmm_online(w, (int)i), "hosts", hosts));
    }
    json_object_set_new(st, "sites", sites);

    json_t *links = json_array();
    for (size_t i = 0; i < sc->link_count; i++) {
        size_t n = 0;
        const report_link_sample *ls = report_results_link_samples(r, i, &n);
        json_t *util = json_null();
        if (n && ls[n - 1].capacity_Bps > 0 && ls[n - 1].interval_ns > 0)
            util = json_real(ls[n - 1].wire_bytes /
                             ((double)ls[n - 1].interval_ns / 1e9 * ls[n - 1].capacity_Bps));
        else if (n)
            util = json_real(0);
        const report_link_stats *lst = report_results_link(r, i);
        json_array_append_new(
            links, json_pack("{s:s, s:b, s:f, s:o, s:f, s:f}", "name", sc->links[i].name, "up",
                             sim_world_link_up(w, (int)i), "capacity_bps",
                             sim_world_link_capacity_Bps(w, (int)i) * 8, "utilization", util,
                             "raw_bytes", (double)lst->raw_bytes, "wire_bytes",
                             (double)lst->wire_bytes));
    }
    json_object_set_new(st, "links", links);

    json_t *vms = json_array();
    for (size_t i = 0; i < sc->vm_count; i++) {
        const report_vm_stats *vs = report_results_vm(r, i);
        bool running = false;
        int at = sim_world_vm_site(w, (int)i, &running);
        int64_t newest = -1;
        bool has = engine_vm_newest_applied(e, (int)i, &newest);
        size_t np = 0;
        const report_rpo_point *pts = report_results_rpo_points(r, i, &np);
        int64_t rpo_now = np ? report_rpo_at(pts, np, now) : -1;
        report_rpo_stats rs = {0};
        if (np)
            report_rpo_compute(pts, np, 0, now, 0, &rs);
        json_t *vm = json_pack(
            "{s:s, s:s, s:o, s:b, s:s, s:s, s:o, s:o, s:I, s:I, s:f, s:f}", "name", sc->vms[i].name,
            "home", sc->sites[sc->vms[i].site].name, "site",
            at >= 0 ? json_string(sc->sites[at].name) : json_null(), "running", running, "state",
            engine_vm_state_name(engine_vm_state_of(e, (int)i)), "health",
            engine_health_name(engine_vm_health(e, (int)i)), "rpo", secs(rpo_now), "newest_point",
            has ? secs(newest) : json_null(), "points_retained",
            (json_int_t)engine_vm_retained_points(e, (int)i), "app_consistent_points",
            (json_int_t)vs->rp_app_consistent_now, "replica_bytes",
            (double)engine_vm_replica_bytes(e, (int)i), "wire_bytes", (double)vs->wire_bytes);
        json_object_set_new(vm, "rpo_max", rs.defined ? secs(rs.max_ns) : json_null());
        json_object_set_new(vm, "rpo_mean", rs.defined ? json_real(rs.mean_ns / 1e9) : json_null());
        json_object_set_new(vm, "rpo_p95", rs.defined ? json_real(rs.p95_ns / 1e9) : json_null());
        /* For the chart: the highest RPO in each of SERVE_CHART_BUCKETS equal intervals of [0, now]
         * (a sample at each point would miss the peaks of the cycle's sawtooth). */
        json_t *series = json_array();
        for (int b = 0; np && now > 0 && b < SERVE_CHART_BUCKETS; b++) {
            report_rpo_stats bs = {0};
            int64_t from = now / SERVE_CHART_BUCKETS * b, to = now / SERVE_CHART_BUCKETS * (b + 1);
            if (b == SERVE_CHART_BUCKETS - 1)
                to = now;
            if (to > from)
                report_rpo_compute(pts, np, from, to, 0, &bs);
            json_array_append_new(series, bs.defined ? secs(bs.max_ns) : json_null());
        }
        json_object_set_new(vm, "rpo_series", series);
        json_array_append_new(vms, vm);
    }
    json_object_set_new(st, "vms", vms);

    json_t *plans = json_array();
    for (size_t p = 0; p < sc->recovery.plan_count; p++) {
        const drs_recovery_plan *pl = &sc->recovery.plans[p];
        json_t *members = json_array();
        for (size_t g = 0; g < pl->group_count; g++)
            for (size_t v = 0; v < pl->groups[g].vm_count; v++)
                json_array_append_new(members,
                                      json_string(sc->vms[pl->groups[g].vms[v]].name));
        json_array_append_new(plans, json_pack("{s:s, s:o}", "name", pl->name, "vms", members));
    }
    json_object_set_new(st, "plans", plans);

    json_t *jobs = json_array();
    size_t nj = report_results_job_count(r);
    for (size_t k = 0; k < nj && k < SERVE_JOBS_SHOWN; k++) {
        const report_job *j = report_results_job(r, nj - 1 - k);
        json_t *steps = json_array();
        for (size_t t = 0; t < j->step_count; t++)
            json_array_append_new(steps, json_pack("{s:s, s:s, s:o}", "name", j->steps[t].name,
                                                   "state",
                                                   engine_job_state_name(j->steps[t].state), "at",
                                                   secs(j->steps[t].at_ns)));
        json_array_append_new(
            jobs, json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:o}", "id", (json_int_t)j->id,
                            "name", j->name ? j->name : "", "subject", j->subject ? j->subject : "",
                            "state", engine_job_state_name(j->state), "started",
                            secs(j->started_ns), "ended", secs(j->ended_ns), "reason",
                            j->reason ? j->reason : "", "steps", steps));
    }
    json_object_set_new(st, "jobs", jobs);
    json_object_set_new(st, "job_count", json_integer((json_int_t)nj));

    json_t *fos = json_array();
    for (size_t k = 0; k < report_results_failover_count(r); k++) {
        const report_failover *f = report_results_failover(r, k);
        const char *who = f->vm >= 0 ? sc->vms[f->vm].name
                          : f->plan >= 0 ? sc->recovery.plans[f->plan].name
                                         : "";
        json_array_append_new(
            fos, json_pack("{s:s, s:s, s:b, s:o, s:o, s:b, s:o, s:o, s:f, s:b, s:s}", "kind",
                           engine_failover_kind_name(f->kind), "subject", who, "plan", f->vm < 0,
                           "started", secs(f->started_ns), "ended", secs(f->ended_ns), "succeeded",
                           f->succeeded, "recovery_point", secs(f->rp_captured_ns), "data_loss",
                           secs(f->data_loss_ns), "data_loss_bytes", (double)f->data_loss_bytes,
                           "verified", f->verified, "detail", f->detail));
    }
    json_object_set_new(st, "failovers", fos);
    json_object_set_new(st, "actions", json_deep_copy(s->actions));

    json_t *ex = json_array();
    for (size_t k = 0; k < report_results_expect_count(r); k++) {
        const report_expect_result *x = report_results_expect(r, k);
        json_array_append_new(ex, json_pack("{s:s, s:s, s:s, s:b}", "name", x->name, "bound",
                                            x->bound, "actual", x->actual, "pass", x->pass));
    }
    json_object_set_new(st, "expectations", ex);
    return st;
}

/* ---------------------------------------------------------------------------------------------- */
/* HTTP                                                                                           */
/* ---------------------------------------------------------------------------------------------- */

static void reply_text(struct evhttp_request *req, int code, const char *reason, const char *type,
                       const char *body, size_t len)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", type);
    evhttp_add_header(h, "Cache-Control", "no-store");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    evhttp_add_header(h, "X-Frame-Options", "DENY");
    struct evbuffer *b = evbuffer_new();
    if (b)
        evbuffer_add(b, body, len);
    evhttp_send_reply(req, code, reason, b);
    evbuffer_free(b);
}

/* Sends j (stolen) as the body. */
static void reply_json(struct evhttp_request *req, int code, const char *reason, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text) {
        static const char oom[] = "{\"error\":\"out of memory\"}";
        reply_text(req, 500, "Internal Server Error", "application/json", oom, sizeof oom - 1);
        return;
    }
    reply_text(req, code, reason, "application/json", text, strlen(text));
    free(text);
}

static void reply_error(struct evhttp_request *req, int code, const char *reason,
                        const char *message, json_t *problems)
{
    json_t *j = json_pack("{s:s}", "error", message);
    if (problems)
        json_object_set_new(j, "problems", problems);
    reply_json(req, code, reason, j);
}

static bool token_equal(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    unsigned diff = (unsigned)(na ^ nb);
    for (size_t i = 0; i < na && i < nb; i++)
        diff |= (unsigned)(a[i] ^ b[i]);
    return diff == 0 && na > 0;
}

/* Whether host ("name:port") is how this server may be addressed: the bound address, or a loopback
 * name when bound to loopback. Any Host when bound to every address. */
static bool host_allowed(const serve *s, const char *host)
{
    if (!host)
        return false;
    if (!strcmp(s->bind, "0.0.0.0") || !strcmp(s->bind, "::"))
        return true;
    char want[128];
    const char *names[] = {s->bind, "127.0.0.1", "localhost", "[::1]"};
    bool loopback = !strncmp(s->bind, "127.", 4) || !strcmp(s->bind, "::1");
    for (size_t i = 0; i < (loopback ? 4u : 1u); i++) {
        snprintf(want, sizeof want, "%s:%d", names[i], s->port);
        if (!strcmp(host, want))
            return true;
    }
    return false;
}

/* Parses the body as a JSON object (an empty body is an empty object). NULL and a reply sent when
 * it is not one. */
static json_t *body_object(struct evhttp_request *req)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    if (n == 0)
        return json_object();
    const char *p = (const char *)evbuffer_pullup(in, (ev_ssize_t)n);
    json_error_t jerr;
    json_t *j = p ? json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (!j) {
        char msg[300];
        snprintf(msg, sizeof msg, "malformed JSON: %s (line %d)", p ? jerr.text : "unreadable",
                 p ? jerr.line : 0);
        reply_error(req, 400, "Bad Request", msg, NULL);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        reply_error(req, 400, "Bad Request", "the body must be a JSON object", NULL);
        return NULL;
    }
    return j;
}

/* A duration field of body as ns; false and a 400 reply when present and not a duration. */
static bool body_duration(struct evhttp_request *req, json_t *body, const char *key, int64_t *out,
                          bool *present)
{
    json_t *v = json_object_get(body, key);
    *present = v != NULL;
    if (!v)
        return true;
    drs_error err = {0};
    if (!json_is_string(v) || !units_parse_duration(json_string_value(v), out, &err)) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s: %s", key,
                 json_is_string(v) ? err.message : "a duration string such as \"15m\"");
        reply_error(req, 400, "Bad Request", msg, NULL);
        return false;
    }
    return true;
}

static void reply_state(struct evhttp_request *req, const serve *s, json_t *extra_key,
                        const char *key)
{
    json_t *st = serve_state(s);
    if (extra_key)
        json_object_set_new(st, key, extra_key);
    reply_json(req, 200, "OK", st);
}

static bool body_speed(struct evhttp_request *req, serve *s, json_t *body)
{
    json_t *v = json_object_get(body, "speed");
    if (!v)
        return true;
    double sp = json_number_value(v);
    if (!json_is_number(v) || !(sp > 0) || sp > 1e9) {
        reply_error(req, 400, "Bad Request",
                    "speed: simulated seconds per second, a number > 0 and <= 1e9", NULL);
        return false;
    }
    s->speed = sp;
    return true;
}

static void route_action(struct evhttp_request *req, serve *s, json_t *body)
{
    if (sim_live_finished(s->live)) {
        reply_error(req, 409, "Conflict", "the run has reached its end", NULL);
        return;
    }
    if (json_object_get(body, "at")) {
        reply_error(req, 400, "Bad Request",
                    "at: an action takes place at the session's current time; leave it out", NULL);
        return;
    }
    if (!json_is_string(json_object_get(body, "do"))) {
        reply_error(req, 400, "Bad Request", "do: missing (a timeline action such as "
                                             "\"planned_failover\")", NULL);
        return;
    }
    char at[64];
    serve_format_at(sim_live_now(s->live), at, sizeof at);
    /* "at" first, as scenario files write it. */
    json_t *entry = json_pack("{s:s}", "at", at);
    json_object_update(entry, body);
    json_t *problems = json_array();
    if (!serve_rebuild(s, entry, problems)) {
        json_decref(entry);
        reply_error(req, 400, "Bad Request", "the action was not accepted", problems);
        return;
    }
    json_decref(problems);
    reply_state(req, s, entry, "entry");
}

/* The HTML report's link, recovery-point and failover charts at the session's time, each a
 * standalone SVG document: {"at": seconds, "charts": ["<svg ...>", ...]}. */
static void route_charts(struct evhttp_request *req, serve *s)
{
    int64_t now = sim_live_now(s->live);
    char **svgs = report_html_chart_svgs(s->results, now > 0 ? now : 1);
    json_t *list = json_array();
    for (size_t i = 0; svgs[i]; i++)
        json_array_append_new(list, json_string(svgs[i]));
    report_html_svgs_free(svgs);
    reply_json(req, 200, "OK", json_pack("{s:f, s:o}", "at", (double)now / 1e9, "charts", list));
}

static void route_export(struct evhttp_request *req, serve *s)
{
    char *text = serve_doc_text(s, NULL);
    if (!text) {
        reply_error(req, 500, "Internal Server Error", "out of memory", NULL);
        return;
    }
    size_t n = strlen(text);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Disposition", "attachment; filename=\"rehearsal.json\"");
    reply_text(req, 200, "OK", "application/json", text, n);
    free(text);
}

static void serve_request(struct evhttp_request *req, void *arg)
{
    serve *s = arg;
    const char *uri = evhttp_request_get_uri(req);
    if (!uri || strlen(uri) > SERVE_URI_MAX) {
        reply_error(req, 414, "URI Too Long", "the request's URI is too long", NULL);
        return;
    }
    const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
    const char *path = u ? evhttp_uri_get_path(u) : NULL;
    if (!path || !path[0])
        path = "/";
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    const char *host = evhttp_find_header(in, "Host");
    if (!host_allowed(s, host)) {
        reply_error(req, 403, "Forbidden", "unexpected Host header", NULL);
        return;
    }
    const char *origin = evhttp_find_header(in, "Origin");
    if (origin) {
        char want[160];
        snprintf(want, sizeof want, "http://%s", host);
        if (strcmp(origin, want)) {
            reply_error(req, 403, "Forbidden", "requests from other origins are refused", NULL);
            return;
        }
    }
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    bool get = cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD, post = cmd == EVHTTP_REQ_POST;

    if (!strcmp(path, "/") || !strcmp(path, "/index.html")) {
        if (!get) {
            reply_error(req, 405, "Method Not Allowed", "use GET", NULL);
            return;
        }
        struct evkeyvalq *h = evhttp_request_get_output_headers(req);
        evhttp_add_header(h, "Content-Security-Policy",
                          "default-src 'none'; script-src 'unsafe-inline'; style-src "
                          "'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; "
                          "form-action 'none'; frame-ancestors 'none'");
        reply_text(req, 200, "OK", "text/html; charset=utf-8", sim_serve_page,
                   strlen(sim_serve_page));
        return;
    }
    if (strncmp(path, "/api/", 5)) {
        reply_error(req, 404, "Not Found", "no such page", NULL);
        return;
    }

    /* The token: the X-Drsim-Token header, or ?token= (links such as the export). */
    const char *token = evhttp_find_header(in, "X-Drsim-Token");
    struct evkeyvalq q;
    TAILQ_INIT(&q);
    const char *query = u ? evhttp_uri_get_query(u) : NULL;
    if (!token && query && evhttp_parse_query_str(query, &q) == 0)
        token = evhttp_find_header(&q, "token");
    bool token_ok = token && token_equal(token, s->token);
    evhttp_clear_headers(&q);
    if (!token_ok) {
        reply_error(req, 403, "Forbidden", "missing or wrong session token", NULL);
        return;
    }
    const char *route = path + 5;
    if (!strcmp(route, "state") || !strcmp(route, "export") || !strcmp(route, "charts")) {
        if (!get) {
            reply_error(req, 405, "Method Not Allowed", "use GET", NULL);
            return;
        }
        if (!strcmp(route, "state"))
            reply_state(req, s, NULL, NULL);
        else if (!strcmp(route, "charts"))
            route_charts(req, s);
        else
            route_export(req, s);
        return;
    }
    static const char *const posts[] = {"play", "pause", "step", "run_to", "speed", "action"};
    bool known = false;
    for (size_t i = 0; i < sizeof posts / sizeof posts[0]; i++)
        known = known || !strcmp(route, posts[i]);
    if (!known) {
        reply_error(req, 404, "Not Found", "no such route", NULL);
        return;
    }
    if (!post) {
        reply_error(req, 405, "Method Not Allowed", "use POST", NULL);
        return;
    }
    if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) > SERVE_BODY_MAX) {
        reply_error(req, 413, "Payload Too Large", "the body is larger than 16 KiB", NULL);
        return;
    }
    json_t *body = body_object(req);
    if (!body)
        return;
    int64_t now = sim_live_now(s->live), d = 0;
    bool has = false;
    if (!strcmp(route, "action")) {
        route_action(req, s, body);
    } else if (!strcmp(route, "play")) {
        if (body_speed(req, s, body) && body_duration(req, body, "until", &d, &has)) {
            s->play_until_ns = has ? d : -1;
            s->playing = !sim_live_finished(s->live) && (!has || d > now);
            s->version++;
            reply_state(req, s, NULL, NULL);
        }
    } else if (!strcmp(route, "pause")) {
        s->playing = false;
        s->version++;
        reply_state(req, s, NULL, NULL);
    } else if (!strcmp(route, "speed")) {
        if (!json_object_get(body, "speed"))
            reply_error(req, 400, "Bad Request", "speed: missing", NULL);
        else if (body_speed(req, s, body)) {
            s->version++;
            reply_state(req, s, NULL, NULL);
        }
    } else if (!strcmp(route, "step")) {
        if (body_duration(req, body, "by", &d, &has)) {
            if (!has)
                d = s->sc->sample_interval_ns > 0 ? s->sc->sample_interval_ns : INT64_C(60000000000);
            if (d <= 0)
                reply_error(req, 400, "Bad Request", "by: must be longer than 0", NULL);
            else {
                serve_advance(s, d > INT64_MAX - now ? INT64_MAX : now + d);
                reply_state(req, s, NULL, NULL);
            }
        }
    } else { /* run_to */
        if (body_duration(req, body, "at", &d, &has)) {
            if (!has)
                reply_error(req, 400, "Bad Request", "at: missing (a duration such as \"12h\")",
                            NULL);
            else if (d < now)
                reply_error(req, 409, "Conflict", "at: the session is already past that time",
                            NULL);
            else {
                serve_advance(s, d);
                reply_state(req, s, NULL, NULL);
            }
        }
    }
    json_decref(body);
}

/* ---------------------------------------------------------------------------------------------- */
/* The loop                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

static void serve_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    serve *s = arg;
    if (!s->playing)
        return;
    /* Whole seconds per tick, so that a session played in the page keeps to whole seconds and its
     * entries read "at": "2h13m20s". */
    int64_t step = (int64_t)llround(s->speed * SERVE_TICK_MS / 1000.0);
    if (step < 1)
        step = 1;
    int64_t now = sim_live_now(s->live);
    int64_t to = now + step * INT64_C(1000000000);
    if (s->play_until_ns >= 0 && to >= s->play_until_ns) {
        to = s->play_until_ns;
        s->playing = false;
    }
    serve_advance(s, to);
}

static void serve_signal(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    serve *s = arg;
    event_base_loopbreak(s->ev);
}

/* Stores the session's run in the database: a replay of its document to the current time, ended
 * there, as `drsim run` stores a run. */
static int serve_store(serve *s, const char *db_path)
{
    int code = SIM_EXIT_INTERNAL;
    drs_error err = {0};
    char *text = serve_doc_text(s, NULL);
    json_t *problems = json_array();
    drs_scenario *sc = text ? serve_load(s, text, problems) : NULL;
    report_results *res = sc ? report_results_new(sc) : NULL;
    report_db *db = NULL;
    sim_live *live = NULL;
    if (!res) {
        fprintf(stderr, "drsim serve: the session could not be stored\n");
        goto out;
    }
    uint8_t dg[32];
    char sha[65];
    report_sha256(text, strlen(text), dg);
    for (int i = 0; i < 32; i++)
        snprintf(sha + 2 * i, 3, "%02x", dg[i]);
    db = report_db_open(db_path, &err);
    if (!db)
        goto fail;
    report_run_info info = {.scenario_name = sc->name,
                            .scenario_path = s->opt->scenario_path,
                            .scenario_sha256 = sha,
                            .seed = sc->seed,
                            .drsim_version = sim_version(),
                            .duration_ns = sc->duration_ns};
    int64_t run_id;
    if (!report_db_run_begin(db, &info, &run_id, &err))
        goto fail;
    report_results_attach_db(res, db);
    live = sim_live_new(sc, res);
    if (!live)
        goto out;
    sim_live_advance(live, sim_live_now(s->live));
    sim_live_finish(live);
    bool held = report_expect_evaluate(res, sc->expect, sc->expect_count);
    if (!report_db_run_end(db, res, held ? "complete" : "failed",
                           held ? SIM_EXIT_OK : SIM_EXIT_FAILED, &err))
        goto fail;
    char t[64];
    serve_format_at(sim_live_now(live), t, sizeof t);
    printf("drsim serve: stored run %" PRId64 " (%zu actions, ended at %s) in %s\n", run_id,
           json_array_size(s->actions), t, db_path);
    code = SIM_EXIT_OK;
    goto out;
fail:
    fprintf(stderr, "drsim serve: %s%s%s\n", err.path, err.path[0] ? ": " : "", err.message);
out:
    sim_live_free(live);
    report_results_free(res);
    report_db_close(db);
    drs_scenario_free(sc);
    json_decref(problems);
    free(text);
    return code;
}

static bool serve_token(serve *s)
{
    if (s->opt->token) {
        snprintf(s->token, sizeof s->token, "%s", s->opt->token);
        return s->token[0] != '\0';
    }
    uint8_t b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0 && errno != EINTR)
            return false;
        got += n > 0 ? (size_t)n : 0;
    }
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(s->token + 2 * i, 3, "%02x", b[i]);
    return true;
}

int sim_serve(const sim_serve_options *opt)
{
    serve s = {.opt = opt, .speed = 600, .play_until_ns = -1};
    int code = SIM_EXIT_INTERNAL;
    char *db_path = NULL;
    FILE *announce = opt->announce ? opt->announce : stdout;

    /* The scenario, checked and reported as `drsim run` does before anything is served. */
    drs_diags diags = {0};
    drs_scenario *first = sim_scenario_load(opt->scenario_path, &diags);
    if (first)
        engine_rules_check(first, &diags);
    if (!first || drs_diags_errors(&diags)) {
        sim_diags_print(stderr, &diags);
        drs_diags_clear(&diags);
        drs_scenario_free(first);
        return SIM_EXIT_INPUT;
    }
    if (diags.count)
        sim_diags_print(stderr, &diags);
    drs_diags_clear(&diags);
    drs_scenario_free(first);

    json_error_t jerr;
    s.base = json_load_file(opt->scenario_path, JSON_REJECT_DUPLICATES, &jerr);
    s.actions = json_array();
    const char *slash = strrchr(opt->scenario_path, '/');
    size_t dir_len = slash ? (size_t)(slash - opt->scenario_path + 1) : 0;
    s.dir = drs_xmalloc(dir_len + 1);
    memcpy(s.dir, opt->scenario_path, dir_len);
    s.dir[dir_len] = '\0';
    if (!s.base || !json_is_object(s.base) || !s.actions) {
        fprintf(stderr, "drsim serve: %s: cannot read the scenario again\n", opt->scenario_path);
        goto out;
    }
    json_t *problems = json_array();
    bool built = serve_rebuild(&s, NULL, problems);
    if (!built) {
        size_t i;
        json_t *p;
        json_array_foreach(problems, i, p)
            fprintf(stderr, "drsim serve: %s\n", json_string_value(p));
    }
    json_decref(problems);
    if (!built)
        goto out;
    if (!serve_token(&s)) {
        fprintf(stderr, "drsim serve: no random numbers for the session token\n");
        goto out;
    }

    if (!opt->db_path)
        db_path = sim_run_default_db_path(opt->scenario_path);
    else if (opt->db_path[0] && strcmp(opt->db_path, "-"))
        db_path = drs_xstrdup(opt->db_path);

    snprintf(s.bind, sizeof s.bind, "%s", opt->bind ? opt->bind : "127.0.0.1");
    s.ev = event_base_new();
    s.http = s.ev ? evhttp_new(s.ev) : NULL;
    if (!s.http) {
        fprintf(stderr, "drsim serve: cannot start the event loop\n");
        goto out;
    }
    evhttp_set_max_body_size(s.http, SERVE_BODY_HARD);
    evhttp_set_max_headers_size(s.http, SERVE_HEADERS_MAX);
    evhttp_set_timeout(s.http, 30);
    evhttp_set_allowed_methods(s.http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                           EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
    evhttp_set_gencb(s.http, serve_request, &s);
    struct evhttp_bound_socket *bs =
        evhttp_bind_socket_with_handle(s.http, s.bind, (ev_uint16_t)opt->port);
    if (!bs) {
        fprintf(stderr, "drsim serve: cannot listen on %s port %d\n", s.bind, opt->port);
        code = SIM_EXIT_INPUT;
        goto out;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss, &sl) != 0) {
        fprintf(stderr, "drsim serve: cannot tell the port\n");
        goto out;
    }
    s.port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                            : ((struct sockaddr_in *)&ss)->sin_port);
    s.tick = event_new(s.ev, -1, EV_PERSIST, serve_tick, &s);
    s.sigint = evsignal_new(s.ev, SIGINT, serve_signal, &s);
    s.sigterm = evsignal_new(s.ev, SIGTERM, serve_signal, &s);
    struct timeval tv = {0, SERVE_TICK_MS * 1000};
    if (!s.tick || !s.sigint || !s.sigterm || event_add(s.tick, &tv) || event_add(s.sigint, NULL) ||
        event_add(s.sigterm, NULL)) {
        fprintf(stderr, "drsim serve: cannot set up the event loop\n");
        goto out;
    }
    /* A browser that closes a connection mid-reply must not end the server. */
    signal(SIGPIPE, SIG_IGN);
    bool v6 = strchr(s.bind, ':') != NULL;
    fprintf(announce, "drsim serve: %s at http://%s%s%s:%d/?token=%s\n", s.sc->name ? s.sc->name : "",
            v6 ? "[" : "", s.bind, v6 ? "]" : "", s.port, s.token);
    fprintf(announce, "drsim serve: Ctrl-C stores the session's run%s%s and stops\n",
            db_path ? " in " : " (no database)", db_path ? db_path : "");
    fflush(announce);

    event_base_dispatch(s.ev);
    code = db_path ? serve_store(&s, db_path) : SIM_EXIT_OK;
out:
    if (s.tick)
        event_free(s.tick);
    if (s.sigint)
        event_free(s.sigint);
    if (s.sigterm)
        event_free(s.sigterm);
    if (s.http)
        evhttp_free(s.http);
    if (s.ev)
        event_base_free(s.ev);
    sim_live_free(s.live);
    report_results_free(s.results);
    drs_scenario_free(s.sc);
    json_decref(s.base);
    json_decref(s.actions);
    free(s.dir);
    free(db_path);
    return code;
}
