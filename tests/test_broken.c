/* tests/test_broken.c — `drsim validate` on deliberately broken scenarios, and the command line.
 *
 * tests/broken/EXPECTED lists, for every file of tests/broken/, the problems validate must print:
 * "FILE | JSON PATH | fragment of the message" (path "-": a problem of the whole file). Each file
 * must make validate exit with 2 and print a line "error: PATH: ...fragment...". The example
 * scenario must validate cleanly (exit 0). Inputs that are not scenarios at all must not crash the
 * program, and inputs that would grow memory without bound (an endless file, a huge trace, a
 * VM with tens of thousands of disks) are refused or handled within the limits of
 * scenarios/README.md. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/workload.h"

#define BROKEN_DIR DRSIM_SOURCE_DIR "/tests/broken"

typedef struct run_result {
    int exit_code; /* -1 when the program did not exit normally (a signal: a crash) */
    char *out;     /* stdout and stderr together */
} run_result;

/* Starts DRSIM_BIN with the given argument string (already quoted); env is prefixed to the command.
 */
static FILE *start_drsim(const char *env, const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s'%s' %s 2>&1", env, DRSIM_BIN, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    return p;
}

/* Reads everything the program prints and waits for it. */
static run_result finish_drsim(FILE *p)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (cap - len < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    buf[len] = '\0';
    int status = pclose(p);
    run_result r = {WIFEXITED(status) ? WEXITSTATUS(status) : -1, buf};
    return r;
}

static run_result run_drsim(const char *args)
{
    return finish_drsim(start_drsim("", args));
}

/* For runs that only print help or refuse the command line: nothing there allocates, and the leak
 * check at exit is most of a sanitizer build's start-up cost. */
static run_result run_drsim_fast(const char *args)
{
    return finish_drsim(start_drsim("ASAN_OPTIONS=detect_leaks=0 ", args));
}

static run_result validate_file(const char *path)
{
    char args[1024];
    snprintf(args, sizeof args, "validate '%s'", path);
    return run_drsim(args);
}

/* True when some line of out starts with "error: PATH: " (any error line for "-") and contains
 * frag. */
static bool output_has(const char *out, const char *path, const char *frag)
{
    char prefix[512];
    if (!strcmp(path, "-"))
        snprintf(prefix, sizeof prefix, "error: ");
    else
        snprintf(prefix, sizeof prefix, "error: %s: ", path);
    const char *line = out;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        if (!strncmp(line, prefix, strlen(prefix))) {
            char *copy = strndup(line, n);
            bool hit = strstr(copy, frag) != NULL;
            free(copy);
            if (hit)
                return true;
        }
        line += n + (end ? 1 : 0);
    }
    return false;
}

typedef struct expected_line {
    char file[128], path[256], frag[512];
} expected_line;

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Reads the manifest; returns the number of lines and fills *out (caller frees). */
static size_t read_expected(expected_line **out)
{
    FILE *f = fopen(BROKEN_DIR "/EXPECTED", "r");
    assert_non_null(f);
    size_t n = 0, cap = 128;
    expected_line *v = calloc(cap, sizeof *v);
    assert_non_null(v);
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || !strcmp(trim(line), ""))
            continue;
        char *a = strstr(line, " | ");
        assert_non_null(a);
        char *b = strstr(a + 3, " | ");
        assert_non_null(b);
        *a = *b = '\0';
        if (n == cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof *v);
            assert_non_null(v);
        }
        snprintf(v[n].file, sizeof v[n].file, "%s", trim(line));
        snprintf(v[n].path, sizeof v[n].path, "%s", trim(a + 3));
        snprintf(v[n].frag, sizeof v[n].frag, "%s", trim(b + 3));
        n++;
    }
    fclose(f);
    *out = v;
    return n;
}

/* Checks one file's output against its manifest lines [first, n) that name it. */
static void check_broken_output(const expected_line *exp, size_t first, size_t n, run_result r)
{
    if (r.exit_code != 2) {
        printf("%s", r.out);
        fail_msg("%s: exit code %d, expected 2", exp[first].file, r.exit_code);
    }
    for (size_t k = first; k < n && !strcmp(exp[k].file, exp[first].file); k++) {
        if (!output_has(r.out, exp[k].path, exp[k].frag)) {
            printf("%s", r.out);
            fail_msg("%s: no error at '%s' containing '%s'", exp[first].file, exp[k].path,
                     exp[k].frag);
        }
    }
}

static void test_every_broken_file_is_refused_with_its_problem(void **state)
{
    (void)state;
    expected_line *exp;
    size_t n = read_expected(&exp);
    /* Start one process per file, a batch at a time, then collect: process start-up dominates (more
     * so under sanitizers), and every output is far below a pipe's capacity, so no child blocks.
     * Leaks are not looked for here (test_scenario loads every broken file in-process under the
     * same checks). */
    enum { BATCH = 16 };
    size_t firsts[BATCH];
    FILE *procs[BATCH];
    size_t files = 0, i = 0;
    while (i < n) {
        size_t started = 0;
        for (; i < n && started < BATCH; i++) {
            if (i > 0 && !strcmp(exp[i].file, exp[i - 1].file))
                continue; /* the first line of a file starts its run; the run checks all its lines
                           */
            char args[600];
            snprintf(args, sizeof args, "validate '%s/%s'", BROKEN_DIR, exp[i].file);
            firsts[started] = i;
            procs[started++] = start_drsim("ASAN_OPTIONS=detect_leaks=0 ", args);
        }
        for (size_t k = 0; k < started; k++) {
            run_result r = finish_drsim(procs[k]);
            check_broken_output(exp, firsts[k], n, r);
            free(r.out);
            files++;
        }
    }
    /* The suite is meant to cover many different mistakes. */
    assert_true(files >= 40);
    free(exp);
}

static void test_every_broken_file_is_in_the_manifest(void **state)
{
    (void)state;
    expected_line *exp;
    size_t n = read_expected(&exp);
    DIR *d = opendir(BROKEN_DIR);
    assert_non_null(d);
    struct dirent *e;
    size_t json_files = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".json"))
            continue;
        json_files++;
        bool listed = false;
        for (size_t i = 0; i < n && !listed; i++)
            listed = !strcmp(exp[i].file, e->d_name);
        if (!listed)
            fail_msg("tests/broken/%s is not listed in tests/broken/EXPECTED", e->d_name);
    }
    closedir(d);
    assert_true(json_files >= 40);
    free(exp);
}

static void test_one_file_with_many_mistakes_reports_all(void **state)
{
    (void)state;
    /* many-mistakes.json has ten independent mistakes in ten sections; each is reported. */
    run_result r = validate_file(BROKEN_DIR "/many-mistakes.json");
    assert_int_equal(r.exit_code, 2);
    size_t errors = 0;
    for (const char *p = r.out; (p = strstr(p, "error: ")); p++)
        errors++;
    if (errors < 10) {
        printf("%s", r.out);
        fail_msg("expected at least 10 errors, got %zu", errors);
    }
    assert_non_null(strstr(r.out, "many-mistakes.json: 10 errors"));
    free(r.out);
}

static void test_example_validates_cleanly(void **state)
{
    (void)state;
    run_result r = validate_file(DRSIM_SOURCE_DIR "/scenarios/examples/two-site-basic.json");
    if (r.exit_code != 0)
        printf("%s", r.out);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "two-site-basic.json: valid (0 warnings)"));
    assert_null(strstr(r.out, "error:"));
    free(r.out);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

/* Whatever the input, validate exits with 2 and a message, never a crash. */
static void test_garbage_never_crashes(void **state)
{
    (void)state;
    char dir[] = "/tmp/drsim-garbage-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    size_t big = 1 << 20;
    char *buf = malloc(big + 64);
    assert_non_null(buf);

    /* binary noise from a fixed linear congruential sequence */
    uint32_t x = 12345;
    for (size_t i = 0; i < 4096; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (char)(x >> 24);
    }
    snprintf(path, sizeof path, "%s/noise.json", dir);
    write_bytes(path, buf, 4096);
    run_result r = validate_file(path);
    assert_int_equal(r.exit_code, 2);
    free(r.out);

    /* nesting far deeper than any parser stack */
    size_t depth = 100000;
    for (size_t i = 0; i < depth; i++)
        buf[i] = '[';
    snprintf(path, sizeof path, "%s/deep.json", dir);
    write_bytes(path, buf, depth);
    r = validate_file(path);
    assert_int_equal(r.exit_code, 2);
    free(r.out);

    /* a megabyte-long key and value */
    memcpy(buf, "{\"", 2);
    memset(buf + 2, 'k', big - 10);
    memcpy(buf + big - 8, "\": 1}", 5);
    snprintf(path, sizeof path, "%s/longkey.json", dir);
    write_bytes(path, buf, big - 3);
    r = validate_file(path);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.out, "unknown key"));
    free(r.out);

    /* control characters and a NUL escape inside names */
    const char *nasty =
        "{\"drsim\": 1, \"duration\": \"1d\", \"sites\": [{\"name\": \"a\\nb\\u0001\","
        " \"vmm\": {\"name\": \"v\"}}], \"vms\": [{\"name\": \"x\", \"host\": \"h\\t\\u0000z\","
        " \"disks\": [{\"name\": \"d\", \"size\": \"1\\nGiB\"}]}]}";
    snprintf(path, sizeof path, "%s/nasty.json", dir);
    write_bytes(path, nasty, strlen(nasty));
    r = validate_file(path);
    assert_int_equal(r.exit_code, 2);
    free(r.out);

    /* a folder and a missing file */
    r = validate_file(dir);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.out, "cannot read"));
    free(r.out);
    snprintf(path, sizeof path, "%s/missing.json", dir);
    r = validate_file(path);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.out, "No such file"));
    free(r.out);

    free(buf);
    const char *names[] = {"noise.json", "deep.json", "longkey.json", "nasty.json"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

#define LIMITS_SCENARIO                                                                            \
    "{\"drsim\": 1, \"duration\": \"1d\", \"fidelity\": \"%s\", \"extent_size\": \"%s\",\n"        \
    " \"sites\": [{\"name\": \"sea\", \"vmm\": {\"name\": \"vmm-sea\"}, \"clouds\": "              \
    "[\"c-sea\"],\n"                                                                               \
    "             \"hosts\": [{\"name\": \"h-sea\", \"cloud\": \"c-sea\"}]},\n"                    \
    "            {\"name\": \"dub\", \"vmm\": {\"name\": \"vmm-dub\"}, \"clouds\": "               \
    "[\"c-dub\"],\n"                                                                               \
    "             \"hosts\": [{\"name\": \"h-dub\", \"cloud\": \"c-dub\"}]}],\n"                   \
    " \"workloads\": [%s],\n"                                                                      \
    " \"vms\": [{\"name\": \"vm1\", \"host\": \"h-sea\", \"disks\": [%s]}]}\n"

/* A small valid scenario whose one VM has the disks given (a JSON array's contents), at the given
 * fidelity and extent size; the caller frees it. */
static char *limits_scenario(const char *fidelity, const char *extent, const char *disks,
                             const char *workloads)
{
    size_t n = strlen(LIMITS_SCENARIO) + strlen(fidelity) + strlen(extent) + strlen(disks) +
               strlen(workloads);
    char *text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, LIMITS_SCENARIO, fidelity, extent, workloads, disks);
    return text;
}

static void write_text(const char *path, const char *text)
{
    write_bytes(path, text, strlen(text));
}

/* Inputs that would grow memory without bound are refused quickly, with the limit in the message
 * (scenarios/README.md, "Limits"). The limits a file can show are in tests/broken/; these need a
 * device or a file too large to keep in the repository. */
static void test_limits_refuse_endless_and_huge_inputs(void **state)
{
    (void)state;
    /* /dev/zero never ends: read up to the 64 MiB limit, then refused. */
    run_result r = validate_file("/dev/zero");
    if (r.exit_code != 2 || !output_has(r.out, "-", "longer than 64 MiB"))
        fail_msg("validate /dev/zero: exit %d, output:\n%s", r.exit_code, r.out);
    free(r.out);

    char dir[] = "/tmp/drsim-limits-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char big[256], trace[256], sc[256];

    /* A regular file one byte over the limit (sparse: it costs no disk) is refused the same way;
     * one at the limit is read and judged as JSON (a file of NUL bytes is malformed). */
    snprintf(big, sizeof big, "%s/big.json", dir);
    FILE *f = fopen(big, "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(truncate(big, (off_t)(64 << 20) + 1), 0);
    r = validate_file(big);
    if (r.exit_code != 2 || !output_has(r.out, "-", "longer than 64 MiB"))
        fail_msg("validate of a 64 MiB + 1 file: exit %d, output:\n%s", r.exit_code, r.out);
    free(r.out);
    assert_int_equal(truncate(big, (off_t)(64 << 20)), 0);
    r = validate_file(big);
    assert_int_equal(r.exit_code, 2);
    assert_null(strstr(r.out, "longer than"));
    assert_non_null(strstr(r.out, "malformed JSON"));
    free(r.out);
    unlink(big);

    /* A trace file one byte over 4 GiB (sparse again) is refused at its JSON path. */
    snprintf(trace, sizeof trace, "%s/huge.csv", dir);
    f = fopen(trace, "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(truncate(trace, (off_t)(INT64_C(4) << 30) + 1), 0);
    char *text = limits_scenario("extent", "1MiB",
                                 "{\"name\": \"d\", \"size\": \"1GiB\", \"workload\": \"t\"}",
                                 "{\"name\": \"t\", \"kind\": \"trace\", \"file\": \"huge.csv\"}");
    snprintf(sc, sizeof sc, "%s/trace.json", dir);
    write_text(sc, text);
    free(text);
    r = validate_file(sc);
    if (r.exit_code != 2 || !output_has(r.out, "workloads[0].file", "more than the 4 GiB"))
        fail_msg("a trace of 4 GiB + 1: exit %d, output:\n%s", r.exit_code, r.out);
    free(r.out);
    unlink(trace);
    unlink(sc);

    /* The extent limit is for extent fidelity only: the same 64 TiB disk of 4 KiB extents that
     * tests/broken/disk-too-many-extents.json is refused for is fine at fluid fidelity, and at
     * extent fidelity with 1 MiB extents (64 TiB / 1 MiB = 2^26, exactly the limit). */
    const char *disk = "{\"name\": \"d\", \"size\": \"64TiB\"}";
    const char *cases[][2] = {{"fluid", "4KiB"}, {"extent", "1MiB"}};
    for (size_t i = 0; i < 2; i++) {
        text = limits_scenario(cases[i][0], cases[i][1], disk, "");
        write_text(sc, text);
        free(text);
        r = validate_file(sc);
        if (r.exit_code != 0)
            fail_msg("64TiB disk at %s fidelity, %s extents: exit %d, output:\n%s", cases[i][0],
                     cases[i][1], r.exit_code, r.out);
        free(r.out);
    }
    /* One byte more at extent fidelity is one extent over. */
    text = limits_scenario("extent", "1MiB", "{\"name\": \"d\", \"size\": 70368744177665}", "");
    write_text(sc, text);
    free(text);
    r = validate_file(sc);
    if (r.exit_code != 2 ||
        !output_has(r.out, "vms[0].disks[0].size",
                    "has 67108865 extents of 1MiB, more than the 67108864 a disk may have at "
                    "extent fidelity: set \"extent_size\" to \"2MiB\" or more"))
        fail_msg("64 TiB + 1 B at 1 MiB extents: exit %d, output:\n%s", r.exit_code, r.out);
    free(r.out);
    unlink(sc);
    rmdir(dir);
}

/* A trace is read at the start of a run: a line of 1024 characters or more is not the MSR layout
 * (whose lines are under 100), and is refused with the file and line instead of being read whole.
 */
static void test_trace_line_limit(void **state)
{
    (void)state;
    /* A record, then a second one padded with trailing spaces (allowed after a number) to exactly
     * len characters before its newline. */
    char text[4096];
    const char *first = "128166372000000000,h,0,Write,0,4096,10\n";
    const char *second = "128166372000000100,h,0,Write,4096,4096,10";
    size_t lens[] = {1023, 1024, 3000};
    for (size_t k = 0; k < 3; k++) {
        size_t h = strlen(first), len = lens[k];
        memcpy(text, first, h);
        memcpy(text + h, second, strlen(second));
        memset(text + h + strlen(second), ' ', len - strlen(second));
        text[h + len] = '\n';
        drs_error err = {0};
        model_trace *t = model_trace_load_buffer(text, h + len + 1, "pad.csv", &err);
        if (len < 1024) {
            /* 1023 characters are a line like any other: both writes are read */
            if (!t)
                fail_msg("a line of %zu characters: %s", len, err.message);
            assert_int_equal(model_trace_write_count(t), 2);
            model_trace_free(t);
        } else {
            assert_null(t);
            if (!strstr(err.message, "pad.csv:2: a line longer than 1023 characters"))
                fail_msg("a line of %zu characters: '%s'", len, err.message);
        }
    }
}

/* A malformed trace is bad input even though only a run reads it: exit 2 with the workload's path,
 * the file and the line, and nothing stored (the results database is not even created). */
static void test_malformed_trace_is_bad_input(void **state)
{
    (void)state;
    char dir[] = "/tmp/drsim-trace-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[64], trace[128], sc[128], db[128], cmd[1024];
    snprintf(sub, sizeof sub, "%s/traces", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(trace, sizeof trace, "%s/fileserver-1h.csv", sub);
    write_text(trace, "128166372000000000,h,0,Write,0,4096,10\n"
                      "128166372000000100,h,0,Erase,4096,4096,10\n");
    snprintf(sc, sizeof sc, "%s/plan.json", dir);
    snprintf(cmd, sizeof cmd, "cp '%s/scenarios/examples/capacity-plan-trace.json' '%s'",
             DRSIM_SOURCE_DIR, sc);
    assert_int_equal(system(cmd), 0);
    snprintf(db, sizeof db, "%s/plan.db", dir);
    snprintf(cmd, sizeof cmd, "run '%s' --db '%s'", sc, db);
    run_result r = run_drsim(cmd);
    if (r.exit_code != 2 || !strstr(r.out, "workloads[0].file") ||
        !strstr(r.out, "fileserver-1h.csv:2: Type must be Read or Write"))
        fail_msg("exit %d: %s", r.exit_code, r.out);
    assert_int_equal(access(db, F_OK), -1);
    free(r.out);
    unlink(trace);
    rmdir(sub);
    unlink(sc);
    rmdir(dir);
}

/* Expectations about "*" count once per VM: 1,000 VMs and 100 such expectations are the 100,000
 * checks a run may have; one more expectation is refused at its own path. (Before the limit, a
 * 280 KB file of 2,000 VMs and 2,000 such expectations took 46 s and 3 GB to run.) */
static void test_expectation_checks_limit(void **state)
{
    (void)state;
    enum { VMS = 1000 };
    size_t cap = VMS * 80 + 200 * 80 + 1024, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    char dir[] = "/tmp/drsim-expect-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sc[256];
    snprintf(sc, sizeof sc, "%s/expect.json", dir);
    for (int expects = 100; expects <= 101; expects++) {
        len = (size_t)snprintf(
            text, cap,
            "{\"drsim\": 1, \"duration\": \"1h\", \"sites\": [{\"name\": \"sea\", \"vmm\": "
            "{\"name\": \"vmm-sea\"}, \"hosts\": [{\"name\": \"h-sea\"}]}, {\"name\": \"dub\", "
            "\"vmm\": {\"name\": \"vmm-dub\"}}], \"vms\": [");
        for (int i = 0; i < VMS; i++)
            len += (size_t)snprintf(text + len, cap - len,
                                    "%s{\"name\": \"vm%d\", \"host\": \"h-sea\", \"disks\": "
                                    "[{\"name\": \"d\", \"size\": \"1GiB\"}]}",
                                    i ? "," : "", i);
        len += (size_t)snprintf(text + len, cap - len, "], \"expect\": [");
        for (int i = 0; i < expects; i++)
            len += (size_t)snprintf(text + len, cap - len,
                                    "%s{\"event\": \"resync_required\", \"vm\": \"*\", "
                                    "\"never\": true}",
                                    i ? "," : "");
        snprintf(text + len, cap - len, "]}\n");
        write_text(sc, text);
        run_result r = validate_file(sc);
        if (expects == 100 && r.exit_code != 0)
            fail_msg("100,000 checks: exit %d, output:\n%.2000s", r.exit_code, r.out);
        if (expects == 101 &&
            (r.exit_code != 2 ||
             !output_has(r.out, "expect[100]",
                         "the expectations up to this one make 101000 checks (each \"*\" counts "
                         "once per VM, link, plan or classification), more than the 100000")))
            fail_msg("100,100 checks: exit %d, output:\n%.2000s", r.exit_code, r.out);
        free(r.out);
    }
    free(text);
    unlink(sc);
    rmdir(dir);
}

/* A VM with 20,000 disks validates, and duplicate names among them are still found, each at its
 * own path and pointing at the first disk of that name. (Comparing every pair of names made
 * validate quadratic in the disks of a VM; tests/bench/many_disks.sh times it.) */
static void test_many_disks_and_their_duplicates(void **state)
{
    (void)state;
    enum { DISKS = 20000 };
    size_t cap = (size_t)DISKS * 48 + 64, len = 0;
    char *disks = malloc(cap);
    assert_non_null(disks);
    char dir[] = "/tmp/drsim-disks-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sc[256];
    snprintf(sc, sizeof sc, "%s/disks.json", dir);
    for (int dup = 0; dup < 2; dup++) {
        len = 0;
        for (int i = 0; i < DISKS; i++) {
            /* with dup: disks 12345 and 19999 take the name of disk 7 */
            int id = dup && (i == 12345 || i == DISKS - 1) ? 7 : i;
            len += (size_t)snprintf(disks + len, cap - len,
                                    "%s{\"name\": \"d%d\", \"size\": \"1GiB\"}", i ? "," : "", id);
        }
        char *text = limits_scenario("extent", "1MiB", disks, "");
        write_text(sc, text);
        free(text);
        run_result r = validate_file(sc);
        if (!dup) {
            if (r.exit_code != 0)
                fail_msg("20,000 distinct disks: exit %d, output:\n%.2000s", r.exit_code, r.out);
        } else {
            assert_int_equal(r.exit_code, 2);
            assert_true(
                output_has(r.out, "vms[0].disks[12345].name",
                           "duplicate disk name 'd7' in this VM (first at vms[0].disks[7])"));
            assert_true(
                output_has(r.out, "vms[0].disks[19999].name",
                           "duplicate disk name 'd7' in this VM (first at vms[0].disks[7])"));
            /* exactly those two: d7 first, then twice again */
            size_t errors = 0;
            for (const char *p = r.out; (p = strstr(p, "error: ")); p++)
                errors++;
            assert_int_equal(errors, 2);
        }
        free(r.out);
    }
    free(disks);
    unlink(sc);
    rmdir(dir);
}

static void test_help_describes_every_command_and_option(void **state)
{
    (void)state;
    run_result r = run_drsim_fast("--help");
    assert_int_equal(r.exit_code, 0);
    const char *cmds[] = {"run", "validate", "plan", "report", "runs", "merge", "serve"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char want[32];
        snprintf(want, sizeof want, "  %s ", cmds[i]);
        assert_non_null(strstr(r.out, want));
    }
    free(r.out);

    struct {
        const char *args;
        const char *options[6];
    } per_cmd[] = {
        {"run --help", {"--db", "--html", "--junit", "--seed", "--quiet", NULL}},
        {"plan --help", {"--target-rpo", "--percentile", "--vary", "--grid", "--shard", NULL}},
        {"report --help", {"--run", "--html", NULL}},
        {"validate --help", {"usage: drsim validate", NULL}},
        {"runs --help", {"usage: drsim runs", NULL}},
        {"merge --help", {"usage: drsim merge", NULL}},
        {"serve --help", {"--port", "--bind", "--db", "--token", NULL}},
        {"help run", {"--junit", NULL}},
    };
    for (size_t i = 0; i < sizeof per_cmd / sizeof per_cmd[0]; i++) {
        r = run_drsim_fast(per_cmd[i].args);
        assert_int_equal(r.exit_code, 0);
        for (size_t k = 0; per_cmd[i].options[k]; k++)
            if (!strstr(r.out, per_cmd[i].options[k]))
                fail_msg("'drsim %s' does not mention %s", per_cmd[i].args, per_cmd[i].options[k]);
        free(r.out);
    }
}

static void test_command_line_mistakes_exit_2(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "frobnicate",
                         "validate",
                         "validate --strict x.json",
                         "validate a.json b.json",
                         "serve",
                         "serve --port 70000 x.json",
                         "serve --bogus x.json",
                         "serve a.json b.json",
                         "serve missing.json"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        run_result r = run_drsim_fast(bad[i]);
        if (r.exit_code != 2)
            fail_msg("'drsim %s' exited %d, expected 2", bad[i], r.exit_code);
        assert_true(strlen(r.out) > 0);
        free(r.out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_broken_file_is_refused_with_its_problem),
        cmocka_unit_test(test_every_broken_file_is_in_the_manifest),
        cmocka_unit_test(test_one_file_with_many_mistakes_reports_all),
        cmocka_unit_test(test_example_validates_cleanly),
        cmocka_unit_test(test_garbage_never_crashes),
        cmocka_unit_test(test_limits_refuse_endless_and_huge_inputs),
        cmocka_unit_test(test_many_disks_and_their_duplicates),
        cmocka_unit_test(test_trace_line_limit),
        cmocka_unit_test(test_malformed_trace_is_bad_input),
        cmocka_unit_test(test_expectation_checks_limit),
        cmocka_unit_test(test_help_describes_every_command_and_option),
        cmocka_unit_test(test_command_line_mistakes_exit_2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
