/* tests/fuzz/fuzz_scenario.c — libFuzzer harness of the scenario loader and `drsim validate`.
 *
 * Each input is scenario text. It goes through what `drsim validate` does with a file: the loader,
 * then the configuration rules when the scenario loaded, then the printing of every problem (to
 * /dev/null). Everything is freed, so a leak shows up as a finding. Trace files named by workloads
 * are looked for in tests/data/, where the seed corpus's trace lives.
 *
 * Beyond the sanitizers' findings, the harness checks the loader's contract: it returns NULL
 * exactly when it reported an error. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/rules.h"
#include "sim/scenario/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_sink) {
        fuzz_sink = fopen("/dev/null", "w");
        if (!fuzz_sink)
            abort();
    }
    /* The loader reads NUL-terminated text; a NUL inside the input ends it, as it would for a
     * caller of sim_scenario_load_string. */
    char *text = malloc(size + 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';

    drs_diags diags = {0};
    drs_scenario *sc =
        sim_scenario_load_string(text, "fuzz.json", DRSIM_SOURCE_DIR "/tests/data/", &diags);
    size_t load_errors = drs_diags_errors(&diags);
    if ((sc == NULL) != (load_errors > 0)) {
        fprintf(stderr, "loader returned %s with %zu errors\n", sc ? "a scenario" : "NULL",
                load_errors);
        abort();
    }
    if (sc)
        engine_rules_check(sc, &diags);
    sim_diags_print(fuzz_sink, &diags);

    drs_scenario_free(sc);
    drs_diags_clear(&diags);
    free(text);
    return 0;
}
