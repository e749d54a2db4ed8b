/* sim/run/exit_status.h — the exit statuses of every drsim command, defined once.
 *
 * The README's "exit status" list and each command's --help say the same; scripts and CI jobs
 * rely on them, so a command never invents its own. tests/test_names.c holds the README's list
 * to this one. */
#ifndef SIM_EXIT_STATUS_H
#define SIM_EXIT_STATUS_H

#include <stddef.h>

/* Every exit status, once: its value, its enum tail, and the meaning a run's --json gives
 * ("exit_meaning"; sim/run/run_json.c words a run that stopped short, or one whose only failure
 * is a --check violation, itself).
 *   OK        done: every expectation met, no violation, a plan answered
 *   FAILED    done, and the answer is no: an expectation failed, an invariant broke (run --check,
 *             swarm), no value met a plan's target
 *   INPUT     bad input (scenario, options, paths): nothing was run
 *   INTERNAL  the run did not finish (out of memory, the database failed...) */
#define SIM_EXIT_STATUSES(X)                          \
    X(0, OK, "every expectation held")                \
    X(1, FAILED, "an expectation failed")             \
    X(2, INPUT, "bad input")                          \
    X(3, INTERNAL, "internal error")

typedef enum sim_exit_status {
#define SIM_EXIT_ENUM(value, tail, meaning) SIM_EXIT_##tail = (value),
    SIM_EXIT_STATUSES(SIM_EXIT_ENUM)
#undef SIM_EXIT_ENUM
} sim_exit_status;

/* The status's meaning from the list above; NULL for a code outside it. */
static inline const char *sim_exit_meaning(int code)
{
    switch (code) {
#define SIM_EXIT_MEANING(value, tail, meaning) \
    case (value):                              \
        return meaning;
        SIM_EXIT_STATUSES(SIM_EXIT_MEANING)
#undef SIM_EXIT_MEANING
    default:
        return NULL;
    }
}

#endif
