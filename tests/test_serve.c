/* tests/test_serve.c — `drsim serve` through its HTTP API: the drsim binary is started on an
 * ephemeral loopback port with a fixed token, and every route is called over a plain socket. The
 * checks: the page and its security headers, the token (403), Origin and Host (403), size limits
 * (413, 414), malformed bodies (400), wrong routes and methods (404, 405), the controls, every
 * action with what the engine made of it (a refused one is a failed job with its reason), and that
 * the exported scenario, run as `drsim run` would, gives the session's RPO, jobs and failovers
 * exactly; Ctrl-C stores the run in the database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "engine/rules.h"
#include "reports/reports.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "tests/support/scratch.h"

#define SCENARIO DRSIM_SOURCE_DIR "/tests/data/serve/rehearsal.json"
#define SCENARIO_DIR DRSIM_SOURCE_DIR "/tests/data/serve/"
#define TOKEN "0123456789abcdef0123456789abcdef"

static pid_t server;
static int port;
static FILE *server_out;

/* ---- a minimal HTTP client ------------------------------------------------------------------- */

typedef struct reply {
    int status;
    char *head; /* status line and headers */
    char *body;
    size_t body_len;
} reply;

static void reply_free(reply *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* Sends one request (Connection: close) and reads the whole reply. extra: more header lines, each
 * ending in \r\n, or NULL. with_token adds X-Drsim-Token. status -1 when the connection failed. */
static reply http_ex(const char *method, const char *path, const char *extra, bool with_token,
                     const char *body, size_t body_len)
{
    reply r = {.status = -1};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return r;
    }
    static char head[32 * 1024];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s%s%s"
                     "Content-Length: %zu\r\n\r\n",
                     method, path, port, with_token ? "X-Drsim-Token: " TOKEN "\r\n" : "",
                     extra ? extra : "", body_len ? "Content-Type: application/json\r\n" : "",
                     body_len);
    assert_true(n > 0 && (size_t)n < sizeof head);
    ssize_t w = write(fd, head, (size_t)n);
    assert_int_equal(w, n);
    size_t off = 0;
    while (off < body_len) {
        w = write(fd, body + off, body_len - off);
        if (w <= 0)
            break; /* the server may refuse a large body before reading it all */
        off += (size_t)w;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
        ssize_t k = read(fd, buf + len, cap - len);
        if (k <= 0)
            break;
        len += (size_t)k;
    }
    close(fd);
    buf[len] = '\0';
    char *sep = strstr(buf, "\r\n\r\n");
    if (sscanf(buf, "HTTP/1.%*d %d", &r.status) != 1 || !sep) {
        free(buf);
        r.status = -1;
        return r;
    }
    r.head = strndup(buf, (size_t)(sep - buf));
    r.body_len = len - (size_t)(sep + 4 - buf);
    r.body = malloc(r.body_len + 1);
    memcpy(r.body, sep + 4, r.body_len);
    r.body[r.body_len] = '\0';
    free(buf);
    return r;
}

static reply http(const char *method, const char *path, const char *body)
{
    return http_ex(method, path, NULL, true, body, body ? strlen(body) : 0);
}

/* The reply's body as JSON; the test fails when it is not JSON. */
static json_t *body_json(const reply *r)
{
    json_error_t e;
    json_t *j = json_loads(r->body, 0, &e);
    if (!j)
        fail_msg("not JSON (%d): %.200s", r->status, r->body);
    return j;
}

/* Calls and expects status; returns the JSON body (caller frees). */
static json_t *call(const char *method, const char *path, const char *body, int status)
{
    reply r = http(method, path, body);
    if (r.status != status)
        fail_msg("%s %s %s: expected %d, got %d: %.300s", method, path, body ? body : "", status,
                 r.status, r.body ? r.body : "");
    json_t *j = body_json(&r);
    reply_free(&r);
    return j;
}

static const char *error_of(json_t *j)
{
    const char *e = json_string_value(json_object_get(j, "error"));
    return e ? e : "";
}

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_number(v));
    return json_number_value(v);
}

static json_t *find_named(json_t *arr, const char *name)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x)
        if (!strcmp(json_string_value(json_object_get(x, "name")), name))
            return x;
    return NULL;
}

/* ---- the server ------------------------------------------------------------------------------ */

static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    if (!scratch_make("serve"))
        return -1;
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    server = fork();
    if (server == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        execl(DRSIM_BIN, DRSIM_BIN, "serve", SCENARIO, "--port", "0", "--token", TOKEN, "--db",
              scratch_path("serve.db"), (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    server_out = fdopen(fd[0], "r");
    char line[512];
    /* "drsim serve: rehearsal at http://127.0.0.1:PORT/?token=..." */
    if (!server_out || !fgets(line, sizeof line, server_out))
        return -1;
    const char *p = strstr(line, "http://127.0.0.1:");
    if (!p || sscanf(p, "http://127.0.0.1:%d/", &port) != 1 || !strstr(line, "?token=" TOKEN))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (server > 0) {
        kill(server, SIGKILL);
        waitpid(server, NULL, 0);
    }
    if (server_out)
        fclose(server_out);
    scratch_remove();
    return 0;
}

/* ---- the tests ------------------------------------------------------------------------------- */

/* The page is one self-contained document with a restrictive Content-Security-Policy. */
static void test_page(void **state)
{
    (void)state;
    reply r = http_ex("GET", "/", NULL, false, NULL, 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.head, "Content-Type: text/html"));
    assert_non_null(strstr(r.head, "Content-Security-Policy: default-src 'none'"));
    assert_non_null(strstr(r.body, "<title>drsim rehearsal</title>"));
    /* Nothing fetched from elsewhere: no absolute URLs in src or href attributes. */
    assert_null(strstr(r.body, "src=\"http"));
    assert_null(strstr(r.body, "href=\"http"));
    assert_null(strstr(r.body, "//cdn"));
    reply_free(&r);
    r = http_ex("POST", "/", NULL, false, "{}", 2);
    assert_int_equal(r.status, 405);
    reply_free(&r);
    r = http_ex("GET", "/nothing-here", NULL, false, NULL, 0);
    assert_int_equal(r.status, 404);
    json_decref(body_json(&r));
    reply_free(&r);
}

/* No token, a wrong token: 403 with a JSON error, and nothing changes. */
static void test_token(void **state)
{
    (void)state;
    reply r = http_ex("GET", "/api/state", NULL, false, NULL, 0);
    assert_int_equal(r.status, 403);
    json_t *j = body_json(&r);
    assert_string_equal(error_of(j), "missing or wrong session token");
    json_decref(j);
    reply_free(&r);
    r = http_ex("POST", "/api/step", "X-Drsim-Token: 0123\r\n", false, "{\"by\":\"1h\"}", 11);
    assert_int_equal(r.status, 403);
    reply_free(&r);
    r = http_ex("GET", "/api/state?token=wrong", NULL, false, NULL, 0);
    assert_int_equal(r.status, 403);
    reply_free(&r);
    /* The token in the query works too (the export link). */
    r = http_ex("GET", "/api/state?token=" TOKEN, NULL, false, NULL, 0);
    assert_int_equal(r.status, 200);
    j = body_json(&r);
    /* The refused step did not move the clock. */
    assert_true(num(j, "now") == 0.0);
    json_decref(j);
    reply_free(&r);
}

/* Another page's Origin, or a Host that is not this server (DNS rebinding), is refused. */
static void test_origin_and_host(void **state)
{
    (void)state;
    reply r = http_ex("GET", "/api/state", "Origin: http://evil.example\r\n", true, NULL, 0);
    assert_int_equal(r.status, 403);
    json_t *j = body_json(&r);
    assert_string_equal(error_of(j), "requests from other origins are refused");
    json_decref(j);
    reply_free(&r);
    char same[128];
    snprintf(same, sizeof same, "Origin: http://127.0.0.1:%d\r\n", port);
    r = http_ex("GET", "/api/state", same, true, NULL, 0);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    /* A second Host header line is not the way to do this: send a request by hand instead. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    const char req[] = "GET /api/state HTTP/1.1\r\nHost: evil.example\r\nX-Drsim-Token: " TOKEN
                       "\r\nConnection: close\r\n\r\n";
    assert_int_equal(write(fd, req, sizeof req - 1), (ssize_t)(sizeof req - 1));
    char buf[512] = {0};
    assert_true(read(fd, buf, sizeof buf - 1) > 0);
    close(fd);
    assert_non_null(strstr(buf, " 403 "));
}

/* Bodies over 16 KiB: 413 with a JSON error; over 1 MiB libevent refuses them itself (413); a URI
 * over 2 KiB: 414. The server answers afterwards. */
static void test_limits(void **state)
{
    (void)state;
    size_t n = 20 * 1024;
    char *big = malloc(2 * 1024 * 1024);
    assert_non_null(big);
    memset(big, ' ', 2 * 1024 * 1024);
    big[0] = '{';
    big[n - 1] = '}';
    reply r = http_ex("POST", "/api/action", NULL, true, big, n);
    assert_int_equal(r.status, 413);
    json_t *j = body_json(&r);
    assert_string_equal(error_of(j), "the body is larger than 16 KiB");
    json_decref(j);
    reply_free(&r);
    r = http_ex("POST", "/api/action", NULL, true, big, 2 * 1024 * 1024);
    assert_true(r.status == 413 || r.status == -1); /* libevent may close before the reply is read */
    reply_free(&r);
    free(big);
    char path[3000] = "/api/state?x=";
    memset(path + strlen(path), 'a', 2500);
    path[2600] = '\0';
    r = http("GET", path, NULL);
    assert_int_equal(r.status, 414);
    reply_free(&r);
    /* Headers over 16 KiB: libevent's own 400. */
    char *header = malloc(20 * 1024);
    assert_non_null(header);
    memset(header, 'a', 20 * 1024);
    memcpy(header, "X-Big: ", 7);
    memcpy(header + 20 * 1024 - 3, "\r\n", 3);
    r = http_ex("GET", "/api/state", header, true, NULL, 0);
    assert_int_equal(r.status, 400);
    reply_free(&r);
    free(header);
    json_decref(call("GET", "/api/state", NULL, 200));
}

/* Malformed JSON, wrong types, unknown names, wrong routes and methods: 4xx with a JSON error. */
static void test_bad_requests(void **state)
{
    (void)state;
    json_t *j = call("POST", "/api/action", "{\"do\": \"commit\",", 400);
    assert_non_null(strstr(error_of(j), "malformed JSON"));
    json_decref(j);
    j = call("POST", "/api/step", "[1, 2]", 400);
    assert_string_equal(error_of(j), "the body must be a JSON object");
    json_decref(j);
    /* The loader's own message, with the path of the entry the action would have been (the file
     * has one timeline entry, so this one is timeline[1]). */
    j = call("POST", "/api/action", "{\"do\": \"commit\", \"vm\": \"nope\"}", 400);
    json_t *problems = json_object_get(j, "problems");
    assert_int_equal(json_array_size(problems), 1);
    assert_string_equal(json_string_value(json_array_get(problems, 0)),
                        "timeline[1].vm: no VM named 'nope'");
    json_decref(j);
    j = call("POST", "/api/action", "{\"do\": \"explode\", \"vm\": \"sql-01\"}", 400);
    json_decref(j);
    j = call("POST", "/api/action", "{\"at\": \"1h\", \"do\": \"commit\", \"vm\": \"sql-01\"}", 400);
    assert_non_null(strstr(error_of(j), "current time"));
    json_decref(j);
    j = call("POST", "/api/action", "{\"vm\": \"sql-01\"}", 400);
    json_decref(j);
    j = call("POST", "/api/step", "{\"by\": \"soon\"}", 400);
    assert_non_null(strstr(error_of(j), "by: "));
    json_decref(j);
    json_decref(call("POST", "/api/step", "{\"by\": 5}", 400));
    json_decref(call("POST", "/api/speed", "{\"speed\": -1}", 400));
    json_decref(call("POST", "/api/speed", "{}", 400));
    json_decref(call("POST", "/api/run_to", "{}", 400));
    json_decref(call("GET", "/api/play", NULL, 405));
    json_decref(call("POST", "/api/state", "{}", 405));
    json_decref(call("PUT", "/api/action", "{}", 405));
    json_decref(call("DELETE", "/api/state", NULL, 405));
    json_decref(call("GET", "/api/nothing", NULL, 404));
    /* None of it was taken as an action. */
    j = call("GET", "/api/state", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "actions")), 0);
    json_decref(j);
}

/* Play moves the clock in whole seconds at the speed asked; pause stops it; step and run_to move
 * it exactly; going back is refused. */
static void test_controls(void **state)
{
    (void)state;
    json_t *j = call("POST", "/api/speed", "{\"speed\": 60}", 200);
    assert_true(num(j, "speed") == 60.0);
    json_decref(j);
    j = call("POST", "/api/play", "{\"speed\": 600, \"until\": \"10m\"}", 200);
    assert_true(json_is_true(json_object_get(j, "playing")));
    json_decref(j);
    /* 600 simulated seconds per second, 60 s per 100 ms tick: "10m" takes 10 ticks; wait for it. */
    double now = 0;
    for (int i = 0; i < 400 && now < 600; i++) { /* up to 20 s on a busy machine */
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
        j = call("GET", "/api/state", NULL, 200);
        now = num(j, "now");
        json_decref(j);
    }
    assert_true(now == 600.0); /* stopped exactly at "until" */
    j = call("GET", "/api/state", NULL, 200);
    assert_true(json_is_false(json_object_get(j, "playing")));
    json_decref(j);
    j = call("POST", "/api/play", "{}", 200);
    json_decref(j);
    j = call("POST", "/api/pause", "{}", 200);
    assert_true(json_is_false(json_object_get(j, "playing")));
    double paused = num(j, "now");
    json_decref(j);
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    j = call("GET", "/api/state", NULL, 200);
    assert_true(num(j, "now") == paused);
    json_decref(j);
    j = call("POST", "/api/run_to", "{\"at\": \"1h\"}", 200);
    assert_true(num(j, "now") == 3600.0);
    json_decref(j);
    j = call("POST", "/api/step", "{\"by\": \"15m\"}", 200);
    assert_true(num(j, "now") == 4500.0);
    json_decref(j);
    j = call("POST", "/api/step", "{}", 200); /* the sample interval, 1m */
    assert_true(num(j, "now") == 4560.0);
    json_decref(j);
    j = call("POST", "/api/run_to", "{\"at\": \"30m\"}", 409);
    json_decref(j);
}

/* Posts an action and returns the new state; the entry echoed carries the session's time. */
static json_t *act(const char *body, const char *at)
{
    json_t *j = call("POST", "/api/action", body, 200);
    json_t *entry = json_object_get(j, "entry");
    assert_string_equal(json_string_value(json_object_get(entry, "at")), at);
    return j;
}

/* The newest job (the list is newest first). */
static json_t *newest_job(json_t *st)
{
    return json_array_get(json_object_get(st, "jobs"), 0);
}

static json_t *final_state;

/* Every action, with what it did; then the run to its end. */
static void test_actions(void **state)
{
    (void)state;
    json_decref(call("POST", "/api/run_to", "{\"at\": \"3h\"}", 200));
    json_t *j = act("{\"do\": \"link.down\", \"link\": \"wan\"}", "3h");
    assert_true(json_is_false(json_object_get(find_named(json_object_get(j, "links"), "wan"), "up")));
    json_decref(j);
    json_decref(call("POST", "/api/step", "{\"by\": \"10m\"}", 200));
    j = act("{\"do\": \"link.up\", \"link\": \"wan\"}", "3h10m");
    assert_true(json_is_true(json_object_get(find_named(json_object_get(j, "links"), "wan"), "up")));
    json_decref(j);
    j = act("{\"do\": \"host.down\", \"host\": \"hv-dub-2\"}", "3h10m");
    json_t *dub = find_named(json_object_get(j, "sites"), "dublin");
    assert_true(json_is_false(
        json_object_get(find_named(json_object_get(dub, "hosts"), "hv-dub-2"), "up")));
    json_decref(j);
    json_decref(act("{\"do\": \"host.up\", \"host\": \"hv-dub-2\"}", "3h10m"));
    /* A commit of a VM that never failed over: refused, a failed job with the engine's reason. */
    j = act("{\"do\": \"commit\", \"vm\": \"batch-01\"}", "3h10m");
    json_t *job = newest_job(j);
    assert_string_equal(json_string_value(json_object_get(job, "name")), "Commit");
    assert_string_equal(json_string_value(json_object_get(job, "state")), "failed");
    assert_string_equal(json_string_value(json_object_get(job, "reason")),
                        "batch-01 is replicating: commit needs it failed over, not committed");
    json_decref(j);
    /* No resynchronization is required: refused too. */
    j = act("{\"do\": \"resync\", \"vm\": \"batch-01\"}", "3h10m");
    assert_string_equal(json_string_value(json_object_get(newest_job(j), "state")), "failed");
    json_decref(j);
    j = act("{\"do\": \"test_failover\", \"vm\": \"batch-01\", \"recovery_point\": \"latest\"}",
            "3h10m");
    assert_string_equal(json_string_value(json_object_get(newest_job(j), "name")), "Test Failover");
    json_decref(j);
    json_decref(call("POST", "/api/step", "{\"by\": \"20m\"}", 200));
    j = act("{\"do\": \"cleanup_test_failover\", \"vm\": \"batch-01\"}", "3h30m");
    json_decref(j);
    /* The planned failover of the plan: no loss, the plan's VMs run in Dublin and their newest
     * point is the one taken at the failover; failed over, they have no RPO until protected
     * again. */
    json_decref(call("POST", "/api/run_to", "{\"at\": \"4h\"}", 200));
    j = act("{\"do\": \"planned_failover\", \"plan\": \"erp\"}", "4h");
    assert_string_equal(json_string_value(json_object_get(newest_job(j), "state")), "in_progress");
    json_decref(j);
    j = call("POST", "/api/step", "{\"by\": \"30m\"}", 200);
    job = newest_job(j);
    assert_string_equal(json_string_value(json_object_get(job, "name")), "Planned Failover");
    assert_string_equal(json_string_value(json_object_get(job, "state")), "succeeded");
    json_t *sql = find_named(json_object_get(j, "vms"), "sql-01");
    assert_string_equal(json_string_value(json_object_get(sql, "site")), "dublin");
    assert_true(num(sql, "newest_point") == 4 * 3600.0);
    assert_true(json_is_null(json_object_get(sql, "rpo")));
    size_t i;
    json_t *fo;
    size_t planned = 0;
    json_array_foreach(json_object_get(j, "failovers"), i, fo) {
        if (strcmp(json_string_value(json_object_get(fo, "kind")), "planned_failover"))
            continue;
        planned++;
        assert_true(json_is_true(json_object_get(fo, "succeeded")));
        assert_true(num(fo, "data_loss") == 0.0);
    }
    assert_int_equal(planned, 4); /* the plan's record and one per VM (sql-01, web-01, app-01) */
    json_decref(j);
    /* Cancelling a failover that is over and committing it are the engine's to judge; both are
     * recorded as jobs whatever they come to. */
    j = act("{\"do\": \"cancel_failover\", \"vm\": \"batch-01\"}", "4h30m");
    assert_string_equal(json_string_value(json_object_get(newest_job(j), "state")), "failed");
    json_decref(j);
    json_decref(act("{\"do\": \"reverse_replication\", \"plan\": \"erp\"}", "4h30m"));
    json_decref(call("POST", "/api/run_to", "{\"at\": \"10h\"}", 200));
    json_decref(act("{\"do\": \"failback\", \"plan\": \"erp\"}", "10h"));
    json_decref(call("POST", "/api/run_to", "{\"at\": \"14h\"}", 200));
    json_decref(act("{\"do\": \"site.down\", \"site\": \"seattle\"}", "14h"));
    json_decref(call("POST", "/api/step", "{\"by\": \"5m\"}", 200));
    json_decref(act("{\"do\": \"unplanned_failover\", \"vm\": \"batch-01\", "
                    "\"recovery_point\": \"latest_processed\"}",
                    "14h5m"));
    json_decref(call("POST", "/api/run_to", "{\"at\": \"16h\"}", 200));
    json_decref(act("{\"do\": \"site.up\", \"site\": \"seattle\"}", "16h"));
    /* The rest in steps with the state read in between, as the page does: reading must not change
     * the run (the export's run below is one piece). */
    for (int h = 0; h < 7; h++) {
        json_decref(call("POST", "/api/step", "{\"by\": \"1h\"}", 200));
        json_decref(call("GET", "/api/state", NULL, 200));
        json_decref(call("GET", "/api/state", NULL, 200));
    }
    j = call("POST", "/api/run_to", "{\"at\": \"2d\"}", 200); /* clipped to the end, 1d */
    assert_true(json_is_true(json_object_get(j, "finished")));
    assert_true(num(j, "now") == 86400.0);
    assert_int_equal(json_array_size(json_object_get(j, "actions")), 15);
    json_decref(j);
    /* A second client (another tab) sees the same session. */
    final_state = call("GET", "/api/state", NULL, 200);
    /* The report's charts at the end: one per link, RPO across the VMs, the recovery points,
     * replica storage and the failovers, each a standalone SVG carrying its own style; GET only. */
    json_t *charts = call("GET", "/api/charts", NULL, 200);
    json_t *list = json_object_get(charts, "charts");
    assert_int_equal(json_array_size(list), 1 + 4);
    size_t ci;
    json_t *svg;
    json_array_foreach(list, ci, svg)
    {
        const char *t = json_string_value(svg);
        assert_non_null(t);
        assert_int_equal(strncmp(t, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39), 0);
        assert_non_null(strstr(t, "<style><![CDATA["));
        assert_non_null(strstr(t, "</svg>"));
    }
    assert_non_null(strstr(json_string_value(json_array_get(list, 0)), "Throughput on link wan"));
    json_decref(charts);
    json_decref(call("POST", "/api/charts", "{}", 405));
    json_t *again = call("GET", "/api/state", NULL, 200);
    assert_true(json_equal(final_state, again));
    json_decref(again);
    /* Nothing can be done after the end. */
    json_decref(call("POST", "/api/action", "{\"do\": \"commit\", \"plan\": \"erp\"}", 409));
}

static double secs(int64_t ns)
{
    return (double)ns / 1e9;
}

/* The export holds the file's timeline and the session's entries; running it reproduces the
 * session: the same RPO statistics, jobs and failovers, to the nanosecond. */
static void test_export_reproduces(void **state)
{
    (void)state;
    assert_non_null(final_state);
    reply r = http("GET", "/api/export", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.head, "Content-Disposition: attachment"));
    json_t *doc = body_json(&r);
    json_t *tl = json_object_get(doc, "timeline");
    assert_int_equal(json_array_size(tl), 1 + 15);
    assert_string_equal(json_string_value(json_object_get(json_array_get(tl, 5), "do")), "commit");
    assert_string_equal(json_string_value(json_object_get(json_array_get(tl, 9), "at")), "4h");
    json_decref(doc);

    drs_diags d = {0};
    drs_scenario *sc = sim_scenario_load_string(r.body, "export.json", SCENARIO_DIR, &d);
    assert_non_null(sc);
    engine_rules_check(sc, &d);
    assert_int_equal(drs_diags_errors(&d), 0);
    drs_diags_clear(&d);
    sim_run_outcome out;
    assert_true(sim_run_scenario(sc, &out));
    report_results *res = out.results;

    json_t *vms = json_object_get(final_state, "vms");
    assert_int_equal(json_array_size(vms), report_results_vm_count(res));
    for (size_t v = 0; v < report_results_vm_count(res); v++) {
        size_t np;
        const report_rpo_point *pts = report_results_rpo_points(res, v, &np);
        report_rpo_stats rs;
        report_rpo_compute(pts, np, 0, sc->duration_ns, 0, &rs);
        json_t *vm = json_array_get(vms, v);
        assert_true(rs.defined);
        assert_true(num(vm, "rpo_max") == secs(rs.max_ns));
        assert_true(num(vm, "rpo_mean") == rs.mean_ns / 1e9);
        assert_true(num(vm, "rpo_p95") == rs.p95_ns / 1e9);
        assert_true(num(vm, "wire_bytes") == (double)report_results_vm(res, v)->wire_bytes);
        /* The chart's series: 160 intervals whose highest values include the run's maximum. */
        json_t *series = json_object_get(vm, "rpo_series");
        assert_int_equal(json_array_size(series), 160);
        double top = -1;
        size_t k;
        json_t *x;
        json_array_foreach(series, k, x)
            if (json_is_number(x) && json_number_value(x) > top)
                top = json_number_value(x);
        assert_true(top == secs(rs.max_ns));
    }
    json_t *jobs = json_object_get(final_state, "jobs");
    size_t nj = report_results_job_count(res);
    assert_true(num(final_state, "job_count") == (double)nj);
    for (size_t k = 0; k < nj && k < json_array_size(jobs); k++) {
        const report_job *job = report_results_job(res, nj - 1 - k);
        json_t *sj = json_array_get(jobs, k);
        assert_string_equal(json_string_value(json_object_get(sj, "name")), job->name);
        assert_string_equal(json_string_value(json_object_get(sj, "state")),
                            engine_job_state_name(job->state));
        assert_string_equal(json_string_value(json_object_get(sj, "reason")), job->reason);
        assert_true(num(sj, "started") == secs(job->started_ns));
    }
    json_t *fos = json_object_get(final_state, "failovers");
    assert_int_equal(json_array_size(fos), report_results_failover_count(res));
    for (size_t k = 0; k < report_results_failover_count(res); k++) {
        const report_failover *f = report_results_failover(res, k);
        json_t *sf = json_array_get(fos, k);
        assert_string_equal(json_string_value(json_object_get(sf, "kind")),
                            engine_failover_kind_name(f->kind));
        assert_true(num(sf, "started") == secs(f->started_ns));
        assert_int_equal(json_is_true(json_object_get(sf, "succeeded")), f->succeeded);
        if (f->data_loss_ns >= 0)
            assert_true(num(sf, "data_loss") == secs(f->data_loss_ns));
    }
    /* The session had an unplanned failover (batch-01 after Seattle was lost). */
    bool unplanned = false;
    for (size_t k = 0; k < report_results_failover_count(res); k++)
        unplanned |= report_results_failover(res, k)->kind == ENGINE_FO_UNPLANNED;
    assert_true(unplanned);

    /* Ctrl-C: the server stores the run and exits 0; the stored run shows what the export's run
     * shows, summary for summary. */
    assert_int_equal(kill(server, SIGINT), 0);
    int status;
    assert_int_equal(waitpid(server, &status, 0), server);
    server = 0;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char line[512];
    bool stored = false;
    while (fgets(line, sizeof line, server_out))
        stored |= strstr(line, "stored run 1 (15 actions, ended at 1d)") != NULL;
    assert_true(stored);
    drs_error err = {0};
    report_results *db = report_db_load(scratch_path("serve.db"), -1, NULL, &err);
    if (!db)
        fail_msg("%s", err.message);
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    FILE *fa = open_memstream(&a, &na), *fb = open_memstream(&b, &nb);
    report_summary_write(db, fa);
    report_summary_write(res, fb);
    fclose(fa);
    fclose(fb);
    assert_true(na > 500);
    assert_string_equal(a, b);
    free(a);
    free(b);
    report_results_free(db);
    report_results_free(res);
    drs_scenario_free(sc);
    json_decref(final_state);
    final_state = NULL;
    reply_free(&r);
}

/* An address that cannot be served is bad input (2), said on stderr; nothing is stored. */
static void test_unusable_address_exits_2(void **state)
{
    (void)state;
    pid_t p = fork();
    if (p == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        /* 192.0.2.1 (TEST-NET-1) is no address of this machine. */
        execl(DRSIM_BIN, DRSIM_BIN, "serve", SCENARIO, "--bind", "192.0.2.1", "--db",
              scratch_path("never.db"), (char *)NULL);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(p, &status, 0), p);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 2);
    assert_int_equal(access(scratch_path("never.db"), F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unusable_address_exits_2),
        cmocka_unit_test(test_page),
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_origin_and_host),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_controls),
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_export_reproduces),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
