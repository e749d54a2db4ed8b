/* tests/test_scenarios.c — every scenario in scenarios/regression/ runs through the drsim binary
 * and must exit 0: each file carries its own expectations (RTO, data loss, verification, jobs),
 * chosen so that an engine getting the behaviour wrong fails one of them and the run exits 1. */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define REGRESSION_DIR DRSIM_SOURCE_DIR "/scenarios/regression"

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_regression_scenarios(void **state)
{
    (void)state;
    DIR *d = opendir(REGRESSION_DIR);
    assert_non_null(d);
    char *names[256];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 256) {
        size_t len = strlen(de->d_name);
        if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0)
            names[n++] = strdup(de->d_name);
    }
    closedir(d);
    assert_true(n > 0);
    qsort(names, n, sizeof *names, cmp_names);
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        char cmd[2048];
        /* --db - : no results database is written next to the scenario */
        snprintf(cmd, sizeof cmd, "'%s' run '%s/%s' --db - --quiet", DRSIM_BIN, REGRESSION_DIR,
                 names[i]);
        int st = system(cmd);
        int code = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        print_message("%s: exit %d\n", names[i], code);
        if (code != 0)
            failed++;
        free(names[i]);
    }
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regression_scenarios),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
