/* tests/fuzz/fuzz_msr.c — libFuzzer harness of the MSR Cambridge trace reader (model/trace.c).
 *
 * Each input is the text of a trace file, read from memory by model_trace_load_buffer (the same
 * code model_trace_load runs on a file). A trace that loads must be consistent: its write count and
 * total agree with its records, and one pass lasts longer than 0. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "model/trace_internal.h"
#include "model/workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    drs_error err = {0};
    model_trace *t = model_trace_load_buffer((const char *)data, size, "fuzz.csv", &err);
    if (!t) {
        if (err.code == 0 || !err.message[0]) {
            fprintf(stderr, "trace refused without a message\n");
            abort();
        }
        return 0;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < t->count; i++) {
        if (i > 0 && t->writes[i - 1].at_ns > t->writes[i].at_ns) {
            fprintf(stderr, "writes %zu and %zu out of order\n", i - 1, i);
            abort();
        }
        if (t->writes[i].at_ns < 0 || t->cum_bytes[i] != total) {
            fprintf(stderr, "write %zu: bad time or running total\n", i);
            abort();
        }
        total += t->writes[i].size_bytes;
    }
    if (total != model_trace_total_bytes(t) || t->cum_bytes[t->count] != total ||
        model_trace_period_ns(t) <= 0) {
        fprintf(stderr, "inconsistent trace: total %llu, period %lld\n",
                (unsigned long long)model_trace_total_bytes(t),
                (long long)model_trace_period_ns(t));
        abort();
    }
    model_trace_free(t);
    return 0;
}
