/* sim/run/exit_status.h — the exit statuses of every drsim command, defined once.
 *
 * The README's "exit status" list and each command's --help say the same; scripts and CI jobs
 * rely on them, so a command never invents its own. */
#ifndef SIM_EXIT_STATUS_H
#define SIM_EXIT_STATUS_H

typedef enum sim_exit_status {
    SIM_EXIT_OK = 0,       /* done: every expectation met, no violation, a plan answered */
    SIM_EXIT_FAILED = 1,   /* done, and the answer is no: an expectation failed, an invariant
                              broke (run --check, swarm), no value met a plan's target */
    SIM_EXIT_INPUT = 2,    /* bad input (scenario, options, paths): nothing was run */
    SIM_EXIT_INTERNAL = 3  /* the run did not finish (out of memory, the database failed...) */
} sim_exit_status;

#endif
