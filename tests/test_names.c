/* tests/test_names.c — the names the documentation lists are the names the program knows.
 *
 * Each named kind (timeline actions, metrics, job names, event names, workload kinds, exit
 * statuses) is defined once in code, as an X-macro list; scenario writers read the lists in
 * scenarios/README.md, script writers the exit statuses in README.md. A name the documentation
 * lists that the program refuses, or one the program accepts that the documentation leaves out,
 * fails here. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/shared/desc.h"
#include "engine/record.h"
#include "sim/run/exit_status.h"
#include "sim/scenario/scenario.h"

/* A documentation file of the source tree, whole, or NULL. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = s ? fread(s, 1, (size_t)n, f) : 0;
    fclose(f);
    if (!s)
        return NULL;
    s[got] = '\0';
    return s;
}

/* The scenario format's documentation. */
static char *read_doc(void)
{
    return read_text(DRSIM_SOURCE_DIR "/scenarios/README.md");
}

typedef struct name_set {
    char names[64][48];
    size_t n;
} name_set;

static void add_name(name_set *set, const char *from, size_t len)
{
    if (len == 0 || len >= sizeof set->names[0])
        return;
    for (size_t i = 0; i < set->n; i++)
        if (strlen(set->names[i]) == len && !memcmp(set->names[i], from, len))
            return;
    assert_true(set->n < 64);
    memcpy(set->names[set->n], from, len);
    set->names[set->n][len] = '\0';
    set->n++;
}

/* Every `backticked` word in [from, to). */
static void collect(name_set *set, const char *from, const char *to)
{
    for (const char *p = from; p < to; p++) {
        if (*p != '`')
            continue;
        const char *e = memchr(p + 1, '`', (size_t)(to - p - 1));
        if (!e)
            return;
        add_name(set, p + 1, (size_t)(e - p - 1));
        p = e;
    }
}

/* The first cells of the table whose header row starts with `header`. */
static void table_first_column(name_set *set, const char *doc, const char *header)
{
    const char *t = strstr(doc, header);
    assert_non_null(t);
    const char *line = strchr(t, '\n') + 1;
    line = strchr(line, '\n') + 1; /* the |---| row */
    while (*line == '|') {
        const char *cell_end = strchr(line + 1, '|');
        collect(set, line + 1, cell_end);
        line = strchr(line, '\n');
        if (!line)
            break;
        line++;
    }
}

static bool has(const name_set *set, const char *name)
{
    for (size_t i = 0; i < set->n; i++)
        if (!strcmp(set->names[i], name))
            return true;
    return false;
}

/* The README's set equals the code's list, both ways. */
static void assert_same(const name_set *doc, const char *const *code, const char *what)
{
    size_t n = 0;
    for (; code[n]; n++)
        if (!has(doc, code[n]))
            fail_msg("%s '%s' is not in scenarios/README.md", what, code[n]);
    for (size_t i = 0; i < doc->n; i++) {
        bool found = false;
        for (size_t k = 0; code[k]; k++)
            found |= !strcmp(code[k], doc->names[i]);
        if (!found)
            fail_msg("scenarios/README.md lists %s '%s', which the program does not know", what,
                     doc->names[i]);
    }
    assert_int_equal(doc->n, n);
}

static void test_timeline_actions(void **state)
{
    (void)state;
    char *doc = read_doc();
    assert_non_null(doc);
    name_set set = {0};
    table_first_column(&set, doc, "| `do` | keys |");
    const char *code[DRS_DO_COUNT + 1];
    for (int k = 0; k < DRS_DO_COUNT; k++)
        code[k] = drs_action_name((drs_action_do)k);
    code[DRS_DO_COUNT] = NULL;
    assert_same(&set, code, "timeline action");
    free(doc);
}

static void test_metrics(void **state)
{
    (void)state;
    char *doc = read_doc();
    assert_non_null(doc);
    name_set set = {0};
    table_first_column(&set, doc, "| metric | scope | unit |");
    /* The first column also names the key a metric needs ("needs `threshold`"). */
    name_set metrics = {0};
    for (size_t i = 0; i < set.n; i++)
        if (strchr(set.names[i], '.') || !strcmp(set.names[i], "resyncs"))
            add_name(&metrics, set.names[i], strlen(set.names[i]));
    assert_same(&metrics, sim_scenario_metric_names, "metric");
    free(doc);
}

/* The backticked names of the paragraph that starts at `start`, up to `end`. */
static void paragraph(name_set *set, const char *doc, const char *start, const char *end)
{
    const char *a = strstr(doc, start);
    assert_non_null(a);
    a += strlen(start);
    const char *b = strstr(a, end);
    assert_non_null(b);
    collect(set, a, b);
}

static void test_job_names(void **state)
{
    (void)state;
    char *doc = read_doc();
    assert_non_null(doc);
    name_set set = {0};
    paragraph(&set, doc, "matched without regard to case:", "`state` (required)");
    assert_same(&set, sim_scenario_job_names, "job");
    free(doc);
}

static void test_event_names(void **state)
{
    (void)state;
    char *doc = read_doc();
    assert_non_null(doc);
    name_set set = {0};
    paragraph(&set, doc, "\nEvents: ", "A scope (");
    assert_same(&set, sim_scenario_event_names, "event");
    free(doc);
}

/* The kind row of the workloads table, and the "Per kind:" list that gives each kind's keys. */
static void test_workload_kinds(void **state)
{
    (void)state;
    char *doc = read_doc();
    assert_non_null(doc);
    const char *section = strstr(doc, "\n## workloads\n");
    assert_non_null(section);
    name_set set = {0};
    paragraph(&set, section, "\n| `kind` | ", " |");
    assert_same(&set, sim_scenario_workload_kinds, "workload kind");

    const char *list = strstr(section, "\nPer kind:\n");
    assert_non_null(list);
    list = strstr(list, "\n- **");
    assert_non_null(list);
    const char *end = strstr(list, "\n\n"); /* the list ends at its first blank line */
    assert_non_null(end);
    name_set heads = {0};
    for (const char *p = list; p && p < end; p = strstr(p + 1, "\n- **")) {
        const char *name = p + strlen("\n- **");
        const char *close = strstr(name, "**");
        assert_non_null(close);
        add_name(&heads, name, (size_t)(close - name));
    }
    assert_same(&heads, sim_scenario_workload_kinds, "workload kind (under \"Per kind:\")");
    free(doc);
}

/* README.md's paragraph on exit statuses gives each, in the list's order, as a bold number. */
static void test_exit_statuses(void **state)
{
    (void)state;
    static const int code[] = {
#define EXIT_VALUE(value, tail, meaning) value,
        SIM_EXIT_STATUSES(EXIT_VALUE)
#undef EXIT_VALUE
    };
    const size_t n = sizeof code / sizeof code[0];
    char *doc = read_text(DRSIM_SOURCE_DIR "/README.md");
    assert_non_null(doc);
    const char *p = strstr(doc, "\nEvery command exits with one of ");
    assert_non_null(p);
    /* The paragraph counts them in words too. */
    static const char *const count[] = {"two", "three", "four", "five", "six", "seven", "eight"};
    assert_in_range(n, 2, 8);
    char opening[64];
    snprintf(opening, sizeof opening, "\nEvery command exits with one of %s statuses",
             count[n - 2]);
    if (strncmp(p, opening, strlen(opening)))
        fail_msg("README.md's paragraph on exit statuses should open \"%s\"", opening + 1);
    const char *end = strstr(p + 1, "\n\n");
    assert_non_null(end);
    size_t k = 0;
    while ((p = strstr(p, "**")) && p < end) {
        const char *digits = p + 2, *q = digits;
        while (isdigit((unsigned char)*q))
            q++;
        const char *close = strstr(digits, "**");
        assert_non_null(close);
        if (q > digits && q == close) {
            int value = atoi(digits);
            if (k >= n)
                fail_msg("README.md lists exit status %d, which sim/run/exit_status.h lacks",
                         value);
            if (value != code[k])
                fail_msg("README.md lists exit status %d where sim/run/exit_status.h has %d", value,
                         code[k]);
            k++;
        }
        p = close + 2;
    }
    if (k < n)
        fail_msg("exit status %d (sim/run/exit_status.h) is not in README.md's list", code[k]);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeline_actions),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_job_names),
        cmocka_unit_test(test_event_names),
        cmocka_unit_test(test_workload_kinds),
        cmocka_unit_test(test_exit_statuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
