/* sim/cli/stored.c — `drsim report` and `drsim runs`: stored runs shown again and listed.
 *
 * A stored run is shown with the very summary, JUnit and HTML its `drsim run` produced. A run that
 * was killed stays marked 'incomplete' in the database; it is shown with what it stored and always
 * said to be unfinished (exit 1, a line before the summary, an error case in JUnit), never passed
 * off as a good run. */
#include "stored.h"

#include "sim/run/exit_status.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/format.h"
#include "reports/reports.h"
#include "cli.h"
#include "sim/run/run_json.h"


/* Values of the long options. */
enum { OPT_RUN = 256, OPT_HTML, OPT_JUNIT, OPT_SAMPLES, OPT_QUIET, OPT_ALL, OPT_JSON };

/* Exactly one database among the operands; NULL after a message. */
static const char *one_db(int argc, char **argv)
{
    if (optind >= argc) {
        fprintf(stderr, "drsim %s: which results database? (see drsim %s --help)\n", argv[0],
                argv[0]);
        return NULL;
    }
    if (argc - optind > 1) {
        fprintf(stderr, "drsim %s: one results database at a time ('%s' is extra)\n", argv[0],
                argv[optind + 1]);
        return NULL;
    }
    return argv[optind];
}

static int fail(const char *cmd, const drs_error *err)
{
    fprintf(stderr, "drsim %s: %s\n", cmd, err->message);
    return err->code == DRS_EINPUT ? SIM_EXIT_INPUT : SIM_EXIT_INTERNAL;
}

int sim_report_main(int argc, char **argv)
{
    static const struct option opts[] = {{"run", required_argument, NULL, OPT_RUN},
                                         {"html", required_argument, NULL, OPT_HTML},
                                         {"junit", required_argument, NULL, OPT_JUNIT},
                                         {"samples", required_argument, NULL, OPT_SAMPLES},
                                         {"quiet", no_argument, NULL, OPT_QUIET},
                                         {"all", no_argument, NULL, OPT_ALL},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *db = NULL, *html = NULL, *junit = NULL, *samples = NULL;
    int64_t run = -1;
    bool quiet = false, all = false, json = false;
    const char *v;
    for (int c; (c = sim_cli_next(argc, argv, opts, &v)) != -1;) {
        switch (c) {
        case OPT_HTML:
            html = v;
            break;
        case OPT_JUNIT:
            junit = v;
            break;
        case OPT_SAMPLES:
            samples = v;
            break;
        case OPT_RUN: {
            char *end;
            errno = 0;
            long long id = strtoll(v, &end, 10);
            if (*end || errno || id < 1) {
                fprintf(stderr,
                        "drsim report: --run: expected a run id (a whole number >= 1), got "
                        "\"%s\"\n",
                        v);
                return SIM_EXIT_INPUT;
            }
            run = id;
            break;
        }
        case OPT_QUIET:
            quiet = true;
            break;
        case OPT_ALL:
            all = true;
            break;
        case OPT_JSON:
            json = true;
            break;
        case 'h':
            break;
        default:
            return SIM_EXIT_INPUT;
        }
    }
    if (!(db = one_db(argc, argv)))
        return SIM_EXIT_INPUT;
    drs_error err = {0};
    report_run_row row;
    report_results *r = report_db_load(db, run, &row, &err);
    if (!r)
        return fail("report", &err);
    bool unfinished = !strcmp(row.status, "incomplete");
    /* With --json, stdout carries the JSON alone: the note about an unfinished run goes to
     * stderr, and the JSON says it in its status. */
    FILE *text = json ? stderr : stdout;
    if (unfinished)
        fprintf(text,
                "run %" PRId64 " did not finish (incomplete, started %s): what it stored follows;\n"
                "its expectations were never checked\n\n",
                row.id, row.started);
    if (!quiet && !json)
        report_summary_fprint(r, stdout, all);
    int code = unfinished                            ? SIM_EXIT_FAILED
               : report_results_expect_failed(r) > 0 ? SIM_EXIT_FAILED
               : row.exit_code > 0                   ? row.exit_code
                                                     : SIM_EXIT_OK;
    if (json) {
        json_t *j = sim_results_json(r, row.id, row.status, code);
        if (!j || !sim_json_print(j, stdout)) {
            json_decref(j);
            report_results_free(r);
            fprintf(stderr, "drsim report: cannot print the JSON results\n");
            return SIM_EXIT_INTERNAL;
        }
        json_decref(j);
    } else if (quiet)
        for (size_t i = 0; i < report_results_expect_count(r); i++) {
            const report_expect_result *x = report_results_expect(r, i);
            if (!x->pass)
                printf("FAILED %s: %s (bound %s, actual %s)\n", x->path, x->name, x->bound,
                       x->actual);
        }
    if ((junit && !report_junit_write(r, junit, &err)) ||
        (html && !report_html_write(r, html, &err)))
        code = fail("report", &err);
    if (samples) {
        FILE *f = fopen(samples, "w");
        bool ok = f && report_db_write_samples(db, row.id, f, &err);
        if (!f)
            drs_fail(&err, DRS_EIO, "", "cannot write %s", samples);
        if (f && fclose(f) != 0 && ok) {
            ok = false;
            drs_fail(&err, DRS_EIO, "", "cannot write %s", samples);
        }
        if (!ok)
            code = fail("report", &err);
    }
    report_results_free(r);
    if (fflush(stdout) != 0)
        return SIM_EXIT_INTERNAL;
    return code;
}

#define fit report_format_fit

int sim_runs_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, OPT_JSON}, {"help", no_argument, NULL, 'h'}, {0}};
    bool json = false;
    const char *v, *db;
    for (int c; (c = sim_cli_next(argc, argv, opts, &v)) != -1;) {
        if (c == OPT_JSON)
            json = true;
        else if (c != 'h')
            return SIM_EXIT_INPUT;
    }
    if (!(db = one_db(argc, argv)))
        return SIM_EXIT_INPUT;
    drs_error err = {0};
    report_run_row *rows;
    size_t n;
    if (!report_db_list_runs(db, &rows, &n, &err))
        return fail("runs", &err);
    if (json) {
        json_t *j = sim_runs_json(rows, n);
        bool ok = j && sim_json_print(j, stdout);
        json_decref(j);
        free(rows);
        if (!ok)
            fprintf(stderr, "drsim runs: cannot print the list\n");
        return ok ? SIM_EXIT_OK : SIM_EXIT_INTERNAL;
    }
    /* 5 + 16 + 8 + 16 + 11 + 10 + 7 columns and 6 spaces: 79. The version and the seconds are in
     * --json and the database. */
    printf("%5s %-16s %-8s %-16s %-11s %-10s %s\n", "id", "scenario", "seed", "started (UTC)",
           "ended", "status", "ok/fail");
    for (size_t i = 0; i < n; i++) {
        const report_run_row *w = &rows[i];
        char name[24], seed[24], started[24], ended[24], expect[24];
        snprintf(seed, sizeof seed, "%" PRIu64, w->seed);
        /* "2026-11-25T17:17:00Z" reads as "2026-11-25 17:17"; the end shows its time alone on the
         * same day, else its day and time. */
        if (strlen(w->started) >= 16)
            snprintf(started, sizeof started, "%.10s %.5s", w->started, w->started + 11);
        else
            fit(started, sizeof started, w->started, 16);
        if (!w->ended[0])
            snprintf(ended, sizeof ended, "-");
        else if (strlen(w->ended) >= 19 && !strncmp(w->ended, w->started, 10))
            snprintf(ended, sizeof ended, "%.8s", w->ended + 11);
        else if (strlen(w->ended) >= 19)
            snprintf(ended, sizeof ended, "%.5s %.5s", w->ended + 5, w->ended + 11);
        else
            fit(ended, sizeof ended, w->ended, 11);
        if (!strcmp(w->status, "incomplete"))
            snprintf(expect, sizeof expect, "-");
        else
            snprintf(expect, sizeof expect, "%zu/%zu", w->expect_passed, w->expect_failed);
        char s1[24], s2[24];
        printf("%5" PRId64 " %-16s %-8s %-16s %-11s %-10s %s\n", w->id,
               fit(name, sizeof name, w->scenario, 16), fit(s1, sizeof s1, seed, 8), started, ended,
               fit(s2, sizeof s2, w->status, 10), expect);
    }
    if (n == 0)
        printf("(no runs)\n");
    free(rows);
    return fflush(stdout) != 0 ? SIM_EXIT_INTERNAL : SIM_EXIT_OK;
}
