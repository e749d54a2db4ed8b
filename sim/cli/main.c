/* sim/cli/main.c — the drsim command line: dispatching commands, their help, and `validate`.
 *
 * Exit codes (the same for every command): 0 success and every expectation held; 1 a run finished and
 * an expectation failed; 2 bad input (every problem listed, each with its JSON path); 3 internal error
 * or a command that is not available. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/run/exit_status.h"
#include "engine/shared/error.h"
#include "engine/rules.h"
#include "reports/reports.h"
#include "cli.h"
#include "sim/plan/plan_json.h"
#include "sim/run/run_json.h"
#include "sim/plan/plan.h"
#include "sim/run/run.h"
#include "sim/scenario/scenario.h"
#include "serve.h"
#include "sim/scenario/units.h"
#include "stored.h"
#include "sim/run/swarm.h"
#include "sim/run/version.h"


typedef struct main_cmd {
    const char *name;
    const char *summary;
    const char *help;
    int (*run)(int argc, char **argv); /* argv[0] is the command's name */
} main_cmd;

static const char main_usage[] =
    "usage: drsim COMMAND [ARGS]\n"
    "\n"
    "Rehearse site-to-site disaster recovery: simulate Site Recovery replicating Hyper-V VMs between two\n"
    "VMM sites, as a scenario file describes, and check RPO, bandwidth, failover and data loss.\n"
    "\n"
    "commands:\n";

static const char main_exit_codes[] =
    "exit status: 0 success (every expectation held); 1 an expectation failed; 2 bad input, with every\n"
    "problem listed; 3 internal error.\n";

static const char help_run[] =
    "usage: drsim run SCENARIO.json [--db FILE] [--html FILE] [--junit FILE] [--seed N] [--quiet]\n"
    "                [--check] [--all] [--json]\n"
    "\n"
    "Simulate the scenario from start to end and check its expectations. The configuration is checked\n"
    "first, as `drsim validate` does; a scenario with errors is not run. SCENARIO.json \"-\" reads the\n"
    "scenario from standard input.\n"
    "\n"
    "The summary opens with the fleet (VMs by health, the worst RPO) and fits 80 columns; beyond 20\n"
    "VMs its per-VM rows are the 10 worst by RPO p95, and a line counts the rest.\n"
    "\n"
    "options:\n"
    "  --db FILE      the SQLite results database to add this run to (default: the scenario's path with\n"
    "                 .db instead of .json; none for a scenario from standard input); \"-\" for none.\n"
    "                 One database holds any number of runs.\n"
    "  --html FILE    also write a self-contained HTML report of the run\n"
    "  --junit FILE   also write the expectations as JUnit XML, one test case each, for CI\n"
    "  --seed N       use seed N (a whole number >= 0) instead of the scenario's \"seed\"; the same\n"
    "                 scenario and seed always give the same results\n"
    "  --quiet        print only problems and failed expectations, not the summary\n"
    "  --check        check the simulator's invariants after every event (README: \"drsim swarm\");\n"
    "                 the first violation stops the run and is printed with its time and state\n"
    "  --all          list every VM in the summary, however many\n"
    "  --json         print the results as JSON on stdout instead of the summary (README:\n"
    "                 \"Commands\"); nothing else goes to stdout\n"
    "  -h, --help     show this help\n"
    "\n"
    "Options take their value as --db FILE or --db=FILE, before or after the scenario; -- ends the\n"
    "options (for a file whose name starts with -).\n"
    "\n"
    "exit status: 0 every expectation held; 1 an expectation failed or (--check) an invariant was\n"
    "violated; 2 bad input; 3 internal error.\n";

static const char help_validate[] =
    "usage: drsim validate SCENARIO.json\n"
    "\n"
    "Check a scenario without running it: its JSON, keys, types, units, ranges and names, then the Site\n"
    "Recovery configuration rules (\"-\" reads it from standard input). Prints every problem, one per\n"
    "line:\n"
    "  error: PATH: message           (PATH is the JSON path, e.g. vms[3].disks[0].size)\n"
    "  warning: PATH: message (rule N) (N when a configuration rule is concerned)\n"
    "and a summary line.\n"
    "\n"
    "options:\n"
    "  -h, --help     show this help\n"
    "\n"
    "exit status: 0 no errors (warnings allowed); 2 at least one error; 3 internal error.\n";

static const char help_plan[] =
    "usage: drsim plan SCENARIO.json --target-rpo DURATION [--percentile P]\n"
    "                 [--vary PATH=LOW..HIGH | --grid PATH=A,B,C [--grid PATH=A,B,C]]\n"
    "                 [--shard I/N] [--db FILE] [--html FILE] [--jobs N] [--after DURATION]\n"
    "                 [--precision FRACTION] [--json]\n"
    "\n"
    "Capacity planning: run the scenario again and again with a value changed, and find what "
    "keeps\n"
    "the RPO of every VM within a target (e.g. the bandwidth a 15-minute RPO needs). PATH is a "
    "JSON\n"
    "path into the scenario, such as links[0].bandwidth or\n"
    "recovery.cloud_pairs[0].settings.copy_frequency; values are written as in the scenario "
    "(50Mbps,\n"
    "5m, 100GiB, 4). Without --vary or --grid, the first link's bandwidth is searched from a\n"
    "hundredth to a hundred times the scenario's.\n"
    "\n"
    "options:\n"
    "  --target-rpo D       the RPO every protected VM must stay within (required), e.g. 15m\n"
    "  --percentile P       which share of the time it must hold, 0 < P <= 100 (100: always);\n"
    "                       default 95\n"
    "  --vary PATH=LOW..HIGH  bisection: the boundary value between LOW and HIGH, assuming the "
    "RPO\n"
    "                       moves one way with the value (bigger bandwidth helps, a bigger\n"
    "                       copy_frequency hurts); reports the smallest (or largest) value that "
    "meets\n"
    "                       the target\n"
    "  --grid PATH=A,B,C    a sweep: run every value; give it twice for every combination of two\n"
    "  --shard I/N          run only share I of N of a sweep (I from 0 to N-1, like the index of "
    "a\n"
    "                       Slurm job array task or a Kubernetes Indexed Job pod); join the "
    "shards'\n"
    "                       databases with `drsim merge`\n"
    "  --db FILE            the results database every run is added to (default: the scenario's "
    "path\n"
    "                       with .db); \"-\" for none. The plan_values table says which values "
    "each\n"
    "                       run had\n"
    "  --html FILE          also write a page with the RPO against the value, the target marked\n"
    "  --jobs N             runs at once, in worker processes (default: one per processor); the\n"
    "                       results do not depend on N\n"
    "  --after D            leave the first D of simulated time out of the RPO statistics (the\n"
    "                       catch-up after initial replication); default 0\n"
    "  --precision F        bisection stops when the bracket is narrower than F times the answer;\n"
    "                       default 0.005\n"
    "  --json               print the answer and every run's values and RPO as JSON on stdout\n"
    "                       instead of the table\n"
    "  -h, --help           show this help\n"
    "\n"
    "On a terminal, stderr shows one line of progress: runs done of runs planned (a bisection's\n"
    "count is an estimate, marked ~), time spent and time left.\n"
    "\n"
    "exit status: 0 answered (a sweep: a run met the target); 1 no value tried meets it; 2 bad "
    "input;\n"
    "3 internal error.\n";

static const char help_report[] =
    "usage: drsim report RESULTS.db [--run ID] [--html FILE] [--junit FILE] [--samples FILE]\n"
    "                    [--quiet] [--all] [--json]\n"
    "\n"
    "Show a stored run again: the same summary, HTML report and JUnit file its `drsim run` produced.\n"
    "A run that did not finish (killed, say) is shown with what it stored and said to be unfinished.\n"
    "\n"
    "options:\n"
    "  --run ID       the run to show (see `drsim runs`); default the newest run in the database\n"
    "  --html FILE    write the run's HTML report to FILE\n"
    "  --junit FILE   write the run's expectations as JUnit XML to FILE\n"
    "  --samples FILE write every time series sample of the run as CSV to FILE (t_ns, kind,\n"
    "                 subject, value): VM series are stored packed, this unpacks them\n"
    "  --quiet        print only failed expectations, not the summary\n"
    "  --all          list every VM in the summary, however many\n"
    "  --json         print the run as JSON on stdout instead of the summary, as `drsim run --json`\n"
    "  -h, --help     show this help\n"
    "\n"
    "exit status: 0 the run finished and every expectation held; 1 an expectation failed or the run\n"
    "did not finish; 2 no such file, not a drsim results database, or no such run; 3 internal error.\n";

static const char help_runs[] =
    "usage: drsim runs RESULTS.db [--json]\n"
    "\n"
    "List the runs stored in a results database, oldest first: id, scenario, seed, drsim version,\n"
    "start and end (UTC), status (complete, failed, incomplete) and how many expectations passed and\n"
    "failed.\n"
    "\n"
    "options:\n"
    "  --json         print the list as JSON on stdout\n"
    "  -h, --help     show this help\n"
    "\n"
    "exit status: 0 listed; 2 no such file or not a drsim results database; 3 internal error.\n";

static const char help_merge[] =
    "usage: drsim merge OUT.db IN.db...\n"
    "\n"
    "Copy the runs of several results databases (for instance the shards of a\n"
    "`drsim plan --shard`) into one. OUT.db is created when missing; runs already in it are\n"
    "kept. Each run gets a new id in OUT.db and every row that belongs to it follows. Inputs\n"
    "are copied in the order given, runs in id order, so the same inputs always give the same\n"
    "OUT.db. Nothing is written unless every input can be merged: an input that is missing,\n"
    "not a drsim results database, of another schema version, given twice, or OUT.db itself\n"
    "is refused.\n"
    "\n"
    "options:\n"
    "  -h, --help     show this help\n"
    "\n"
    "exit status: 0 merged; 2 an input or OUT.db was refused; 3 a read or write failed (in both\n"
    "cases nothing is written).\n";

static const char help_serve[] =
    "usage: drsim serve SCENARIO.json [--port N] [--bind ADDR] [--db FILE] [--token T]\n"
    "\n"
    "Rehearse a failover interactively in a browser: play the scenario, pause it, take actions at the\n"
    "current simulated time (links, hosts and sites down and up; test, planned and unplanned failovers,\n"
    "commit, cancel, reverse replication, failback, resync) and watch sites, VMs, RPO and jobs. Prints\n"
    "the page's address with its session token; only this machine can reach it unless --bind says\n"
    "otherwise. The page's Export gives the scenario with the actions in its timeline at the times\n"
    "they were taken: `drsim run` of it reproduces the session. Ctrl-C stores the session's run in the\n"
    "results database and stops.\n"
    "\n"
    "options:\n"
    "  --port N       the TCP port (default 0: any free port)\n"
    "  --bind ADDR    the address to listen on (default 127.0.0.1)\n"
    "  --db FILE      the results database for the session's run (default: the scenario's path with\n"
    "                 .db); \"-\" for none\n"
    "  --token T      use T as the session token instead of a random one (for scripts and tests)\n"
    "  -h, --help     show this help\n"
    "\n"
    "exit status: 0 stopped and stored; 2 bad input or the address cannot be used; 3 internal error.\n";

/* ---- validate --------------------------------------------------------------------------------- */

static int main_validate(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
    const char *v;
    for (int c; (c = sim_cli_next(argc, argv, opts, &v)) != -1;)
        if (c != 'h')
            return SIM_EXIT_INPUT;
    if (optind >= argc) {
        fprintf(stderr, "drsim validate: missing the scenario file (see drsim validate --help)\n");
        return SIM_EXIT_INPUT;
    }
    if (argc - optind > 1) {
        fprintf(stderr, "drsim validate: one scenario at a time, got '%s' and '%s'\n",
                argv[optind], argv[optind + 1]);
        return SIM_EXIT_INPUT;
    }
    const char *file = argv[optind];
    drs_diags diags = {0};
    drs_scenario *sc;
    if (!strcmp(file, "-")) {
        /* Standard input: file names in messages say "-"; traces resolve from the current folder. */
        char *text = sim_scenario_read(stdin, "-", NULL, &diags);
        sc = text ? sim_scenario_load_string(text, "-", "", &diags) : NULL;
        free(text);
    } else {
        sc = sim_scenario_load(file, &diags);
    }
    if (sc)
        engine_rules_check(sc, &diags);
    sim_diags_print(stdout, &diags);
    size_t errors = drs_diags_errors(&diags), warnings = diags.count - errors;
    if (errors)
        printf("%s: %zu error%s, %zu warning%s\n", file, errors, errors == 1 ? "" : "s", warnings,
               warnings == 1 ? "" : "s");
    else
        printf("%s: valid (%zu warning%s)\n", file, warnings, warnings == 1 ? "" : "s");
    drs_scenario_free(sc);
    drs_diags_clear(&diags);
    if (fflush(stdout) != 0)
        return SIM_EXIT_INTERNAL;
    return errors ? SIM_EXIT_INPUT : SIM_EXIT_OK;
}

/* ---- run -------------------------------------------------------------------------------------- */

/* Values of long options that have no one-letter form: above any character. */
enum {
    OPT_DB = 256, OPT_HTML, OPT_JUNIT, OPT_SEED, OPT_QUIET, OPT_CHECK, OPT_ALL, OPT_JSON,
    OPT_TARGET, OPT_PERCENTILE, OPT_VARY, OPT_GRID, OPT_SHARD, OPT_JOBS, OPT_AFTER, OPT_PRECISION,
    OPT_PORT, OPT_BIND, OPT_TOKEN, OPT_SEEDS, OPT_FROM, OPT_OUT
};

/* Exactly one scenario among the operands (argv[optind..]); NULL after a message. */
static const char *main_one_scenario(int argc, char **argv)
{
    if (optind >= argc) {
        fprintf(stderr, "drsim %s: which scenario? (see drsim %s --help)\n", argv[0], argv[0]);
        return NULL;
    }
    if (argc - optind > 1) {
        fprintf(stderr, "drsim %s: one scenario at a time ('%s' is extra)\n", argv[0],
                argv[optind + 1]);
        return NULL;
    }
    return argv[optind];
}

static int main_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, OPT_DB},       {"html", required_argument, NULL, OPT_HTML},
        {"junit", required_argument, NULL, OPT_JUNIT}, {"seed", required_argument, NULL, OPT_SEED},
        {"quiet", no_argument, NULL, OPT_QUIET},       {"check", no_argument, NULL, OPT_CHECK},
        {"all", no_argument, NULL, OPT_ALL},           {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},              {0}};
    sim_run_options opt = {.progress = isatty(STDERR_FILENO)};
    const char *v;
    unsigned long long seed;
    for (int c; (c = sim_cli_next(argc, argv, opts, &v)) != -1;) {
        switch (c) {
        case OPT_DB: opt.db_path = v; break;
        case OPT_HTML: opt.html_path = v; break;
        case OPT_JUNIT: opt.junit_path = v; break;
        case OPT_SEED:
            if (!sim_cli_whole("run", "--seed", v, UINT64_MAX, &seed))
                return SIM_EXIT_INPUT;
            opt.has_seed = true;
            opt.seed = seed;
            break;
        case OPT_QUIET:
            opt.quiet = true;
            opt.progress = false;
            break;
        case OPT_CHECK: opt.check = true; break;
        case OPT_ALL: opt.all = true; break;
        case OPT_JSON: opt.json = true; break;
        case 'h': break;
        default: return SIM_EXIT_INPUT;
        }
    }
    if (!(opt.scenario_path = main_one_scenario(argc, argv)))
        return SIM_EXIT_INPUT;
    return sim_run_file(&opt);
}

/* ---- serve ------------------------------------------------------------------------------------ */

static int main_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, OPT_DB},      {"bind", required_argument, NULL, OPT_BIND},
        {"token", required_argument, NULL, OPT_TOKEN}, {"port", required_argument, NULL, OPT_PORT},
        {"help", no_argument, NULL, 'h'},             {0}};
    sim_serve_options opt = {0};
    const char *v;
    unsigned long long port;
    for (int c; (c = sim_cli_next(argc, argv, opts, &v)) != -1;) {
        switch (c) {
        case OPT_DB: opt.db_path = v; break;
        case OPT_BIND: opt.bind = v; break;
        case OPT_TOKEN: opt.token = v; break; /* for tests: a fixed token */
        case OPT_PORT:
            if (!sim_cli_whole("serve", "--port", v, 65535, &port)) {
                fprintf(stderr, "drsim serve: --port: expected 0 to 65535, got \"%s\"\n", v);
                return SIM_EXIT_INPUT;
            }
            opt.port = (int)port;
            break;
        case 'h': break;
        default: return SIM_EXIT_INPUT;
        }
    }
    if (!(opt.scenario_path = main_one_scenario(argc, argv)))
        return SIM_EXIT_INPUT;
    return sim_serve(&opt);
}

/* ---- merge ------------------------------------------------------------------------------------ */

static int main_merge(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
    const char *v;
    for (int c; (c = sim_cli_next(argc, argv, opts, &v)) != -1;)
        if (c != 'h')
            return SIM_EXIT_INPUT;
    /* The operands, after getopt put them last: OUT.db then the inputs. */
    argv += optind - 1;
    argc -= optind - 1;
    if (argc < 3) {
        fprintf(stderr, "drsim merge: needs the output and at least one input database (see drsim "
                        "merge --help)\n");
        return SIM_EXIT_INPUT;
    }
    report_merge_stats st;
    drs_error err = {0};
    if (!report_db_merge(argv[1], (const char *const *)argv + 2, (size_t)argc - 2, &st, &err)) {
        fprintf(stderr, "drsim merge: %s (nothing written to %s)\n", err.message, argv[1]);
        return err.code == DRS_EINPUT ? SIM_EXIT_INPUT : SIM_EXIT_INTERNAL;
    }
    printf("%s: merged %zu run%s (%zu rows) from %d database%s", argv[1], st.runs,
           st.runs == 1 ? "" : "s", st.rows, argc - 2, argc == 3 ? "" : "s");
    if (st.runs == 1)
        printf(", now run %" PRId64, st.first_run);
    else if (st.runs > 1)
        printf(", now runs %" PRId64 " to %" PRId64, st.first_run,
               st.first_run + (int64_t)st.runs - 1);
    printf("\n");
    if (st.orphans)
        printf("%s: left out %zu row%s that belong to no run of their input\n", argv[1], st.orphans,
               st.orphans == 1 ? "" : "s");
    return fflush(stdout) == 0 ? SIM_EXIT_OK : SIM_EXIT_INTERNAL;
}

/* ---- plan ------------------------------------------------------------------------------------- */

static int main_plan(int argc, char **argv)
{
    static const struct option opts[] = {
        {"target-rpo", required_argument, NULL, OPT_TARGET},
        {"percentile", required_argument, NULL, OPT_PERCENTILE},
        {"vary", required_argument, NULL, OPT_VARY},
        {"grid", required_argument, NULL, OPT_GRID},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"db", required_argument, NULL, OPT_DB},
        {"html", required_argument, NULL, OPT_HTML},
        {"jobs", required_argument, NULL, OPT_JOBS},
        {"after", required_argument, NULL, OPT_AFTER},
        {"precision", required_argument, NULL, OPT_PRECISION},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {0}};
    sim_plan_options opt = {.progress = isatty(STDERR_FILENO)};
    drs_error err = {0};
    bool json = false;
    const char *v;
    for (int c; (c = sim_cli_next(argc, argv, opts, &v)) != -1;) {
        const char *a = c == OPT_AFTER ? "--after" : c == OPT_TARGET ? "--target-rpo"
                        : c == OPT_PRECISION ? "--precision" : "--percentile";
        char *end = NULL;
        switch (c) {
        case OPT_TARGET:
        case OPT_AFTER:
            if (!units_parse_duration(v, c == OPT_AFTER ? &opt.after_ns : &opt.target_rpo_ns,
                                      &err)) {
                fprintf(stderr, "drsim plan: %s: %s\n", a, err.message);
                return SIM_EXIT_INPUT;
            }
            break;
        case OPT_PERCENTILE:
        case OPT_PRECISION: {
            double x = strtod(v, &end);
            if (*end || !(x > 0)) {
                fprintf(stderr, "drsim plan: %s: expected a number above 0, got \"%s\"\n", a, v);
                return SIM_EXIT_INPUT;
            }
            *(c == OPT_PRECISION ? &opt.precision : &opt.percentile) = x;
            break;
        }
        case OPT_VARY:
            if (opt.vary) {
                fprintf(stderr, "drsim plan: --vary: one value at a time (use --grid for two)\n");
                return SIM_EXIT_INPUT;
            }
            opt.vary = v;
            break;
        case OPT_GRID:
            if (opt.grid_count == PLAN_MAX_DIMS) {
                fprintf(stderr, "drsim plan: --grid: at most %d paths\n", PLAN_MAX_DIMS);
                return SIM_EXIT_INPUT;
            }
            opt.grid[opt.grid_count++] = v;
            break;
        case OPT_SHARD: {
            unsigned si, sn;
            char extra;
            if (v[0] == '-' || sscanf(v, "%u/%u%c", &si, &sn, &extra) != 2 || si >= sn) {
                fprintf(stderr, "drsim plan: --shard: expected I/N with 0 <= I < N, got \"%s\"\n",
                        v);
                return SIM_EXIT_INPUT;
            }
            opt.shard_index = si;
            opt.shard_count = sn;
            break;
        }
        case OPT_DB: opt.db_path = v; break;
        case OPT_HTML: opt.html_path = v; break;
        case OPT_JOBS: {
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 1024) {
                fprintf(stderr,
                        "drsim plan: --jobs: expected a whole number from 1 to 1024, got "
                        "\"%s\"\n",
                        v);
                return SIM_EXIT_INPUT;
            }
            opt.jobs = (int)n;
            break;
        }
        case OPT_JSON: json = true; break;
        case 'h': break;
        default: return SIM_EXIT_INPUT;
        }
    }
    if (!(opt.scenario_path = main_one_scenario(argc, argv)))
        return SIM_EXIT_INPUT;
    if (!json)
        return sim_plan_run(&opt, NULL);
    /* --json: the answer and the points as JSON on stdout, and nothing else there; the table
     * people read is not printed. */
    FILE *null = fopen("/dev/null", "w");
    if (!null) {
        fprintf(stderr, "drsim plan: cannot open /dev/null\n");
        return SIM_EXIT_INTERNAL;
    }
    opt.out = null;
    sim_plan_outcome out;
    int code = sim_plan_run(&opt, &out);
    fclose(null);
    if (code == SIM_EXIT_OK || code == SIM_EXIT_FAILED) {
        json_t *j = sim_plan_json(&opt, &out);
        if (!j || !sim_json_print(j, stdout))
            code = SIM_EXIT_INTERNAL;
        json_decref(j);
    }
    sim_plan_outcome_clear(&out);
    return code;
}

/* ---- swarm ------------------------------------------------------------------------------------ */

static const char help_swarm[] =
    "usage: drsim swarm SCENARIO.json [--seeds N] [--from S] [--jobs J] [--out DIR]\n"
    "\n"
    "Throw random timelines at a scenario and check the simulator's invariants while each runs. For\n"
    "every seed the scenario gets extra timeline entries drawn from its own names: link, host, site\n"
    "and VMM failures and recoveries, degraded links, full storage, and every operation (test,\n"
    "planned and unplanned failover of VMs and recovery plans with each recovery-point choice,\n"
    "commit, cancel, reverse replication, failback, protect, unprotect), at random times that\n"
    "overlap on purpose. The scenario's expectations are left out. A seed that breaks an invariant\n"
    "is shrunk to a minimal scenario that still breaks it, written under DIR; `drsim run --check\n"
    "FILE` reproduces it. The same seed always gives the same timeline and result.\n"
    "\n"
    "options:\n"
    "  --seeds N   how many seeds (default 100)\n"
    "  --from S    the first seed (default 1)\n"
    "  --jobs J    seeds at once, in worker processes (default: one per processor); the summary\n"
    "              does not depend on J\n"
    "  --out DIR   where shrunk scenarios go (default ./swarm-out)\n"
    "  -h, --help  show this help\n"
    "\n"
    "exit status: 0 no violation; 1 at least one violation; 2 bad input; 3 internal error.\n";

static int main_swarm(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seeds", required_argument, NULL, OPT_SEEDS}, {"from", required_argument, NULL, OPT_FROM},
        {"jobs", required_argument, NULL, OPT_JOBS},   {"out", required_argument, NULL, OPT_OUT},
        {"help", no_argument, NULL, 'h'},              {0}};
    sim_swarm_options opt = {.progress = isatty(STDERR_FILENO), .from = 1};
    const char *v;
    unsigned long long x;
    for (int c; (c = sim_cli_next(argc, argv, opts, &v)) != -1;) {
        switch (c) {
        case OPT_SEEDS:
            if (!sim_cli_whole("swarm", "--seeds", v, UINT32_MAX, &x))
                return SIM_EXIT_INPUT;
            if (x == 0) {
                fprintf(stderr, "drsim swarm: --seeds: expected at least 1\n");
                return SIM_EXIT_INPUT;
            }
            opt.seeds = x;
            break;
        case OPT_FROM:
            if (!sim_cli_whole("swarm", "--from", v, UINT64_MAX / 2, &x))
                return SIM_EXIT_INPUT;
            opt.from = x;
            break;
        case OPT_JOBS:
            if (!sim_cli_whole("swarm", "--jobs", v, 1024, &x))
                return SIM_EXIT_INPUT;
            if (x == 0) {
                fprintf(stderr, "drsim swarm: --jobs: expected at least 1\n");
                return SIM_EXIT_INPUT;
            }
            opt.jobs = (int)x;
            break;
        case OPT_OUT: opt.out_dir = v; break;
        case 'h': break;
        default: return SIM_EXIT_INPUT;
        }
    }
    if (!(opt.scenario_path = main_one_scenario(argc, argv)))
        return SIM_EXIT_INPUT;
    int code = sim_swarm_run(&opt, stdout);
    return fflush(stdout) == 0 ? code : SIM_EXIT_INTERNAL;
}

/* ---- dispatch --------------------------------------------------------------------------------- */

static const main_cmd main_cmds[] = {
    {"run", "simulate a scenario and check its expectations", help_run, main_run},
    {"validate", "check a scenario and list every problem", help_validate, main_validate},
    {"plan", "find the bandwidth or settings that meet an RPO target", help_plan, main_plan},
    {"report", "show a stored run again, optionally as HTML", help_report, sim_report_main},
    {"runs", "list the runs in a results database", help_runs, sim_runs_main},
    {"merge", "combine results databases", help_merge, main_merge},
    {"serve", "rehearse failovers interactively in a browser", help_serve, main_serve},
    {"swarm", "random timelines with invariant checking; failures shrunk", help_swarm, main_swarm},
};
#define MAIN_NCMDS (sizeof main_cmds / sizeof main_cmds[0])

static void main_print_usage(FILE *out)
{
    fputs(main_usage, out);
    for (size_t i = 0; i < MAIN_NCMDS; i++)
        fprintf(out, "  %-10s %s\n", main_cmds[i].name, main_cmds[i].summary);
    fputs("\n`drsim COMMAND --help` describes a command and its options; `drsim --version` prints the "
          "version.\nOptions take their value as --db FILE or --db=FILE; -- ends the options. drsim "
          "never prints colour.\n\n",
          out);
    fputs(main_exit_codes, out);
}

static const main_cmd *main_find(const char *name)
{
    for (size_t i = 0; i < MAIN_NCMDS; i++)
        if (!strcmp(main_cmds[i].name, name))
            return &main_cmds[i];
    return NULL;
}

static bool main_is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h");
}

int main(int argc, char **argv)
{
    /* A reader that goes away (drsim run x.json | head) makes writes fail with EPIPE instead of
     * killing the run before it has stored its results. */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        main_print_usage(stderr);
        return SIM_EXIT_INPUT;
    }
    const char *name = argv[1];
    if (main_is_help(name)) {
        main_print_usage(stdout);
        return SIM_EXIT_OK;
    }
    if (!strcmp(name, "--version")) {
        printf("drsim %s\n", sim_version());
        return SIM_EXIT_OK;
    }
    if (!strcmp(name, "help")) {
        const main_cmd *cmd = argc > 2 ? main_find(argv[2]) : NULL;
        if (argc > 2 && !cmd) {
            fprintf(stderr, "drsim: unknown command '%s'\n", argv[2]);
            return SIM_EXIT_INPUT;
        }
        if (cmd)
            fputs(cmd->help, stdout);
        else
            main_print_usage(stdout);
        return SIM_EXIT_OK;
    }
    const main_cmd *cmd = main_find(name);
    if (!cmd) {
        fprintf(stderr, "drsim: unknown command '%s' (see drsim --help)\n", name);
        return SIM_EXIT_INPUT;
    }
    for (int i = 2; i < argc && strcmp(argv[i], "--"); i++) {
        if (main_is_help(argv[i])) {
            fputs(cmd->help, stdout);
            return SIM_EXIT_OK;
        }
    }
    return cmd->run(argc - 1, argv + 1);
}
