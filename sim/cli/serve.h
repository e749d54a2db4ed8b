/* sim/cli/serve.h — `drsim serve`: an interactive failover rehearsal in the browser.
 *
 * One scenario is played step by step under an HTTP server (libevent's evhttp) that serves a
 * self-contained page and a JSON API. Actions taken in the page become timeline entries at the
 * simulated time they were taken; the session is always exactly the run of the scenario with those
 * entries appended, so exporting it gives a scenario whose `drsim run` reproduces the session. */
#ifndef SIM_SERVE_H
#define SIM_SERVE_H

#include <stdbool.h>
#include <stdio.h>

typedef struct sim_serve_options {
    const char *scenario_path;
    const char *bind;    /* NULL: 127.0.0.1 */
    int port;            /* 0: any free port */
    const char *db_path; /* NULL: the scenario's path with .db; "" or "-": none */
    const char *token;   /* NULL: a random one (tests may fix it) */
    FILE *announce;      /* where the URL line goes (stdout when NULL), flushed at once */
} sim_serve_options;

/* Serves until SIGINT or SIGTERM, then stores the session's run in the results database and
 * returns the exit code: 0 stored (or no database), 2 bad input (the scenario, an option, an
 * address that cannot be bound), 3 internal error. */
int sim_serve(const sim_serve_options *opt);

/* The page, NUL-terminated (sim/serve_page.c). */
extern const char sim_serve_page[];

#endif
