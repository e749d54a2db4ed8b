/* sim/cli/stored.h — the commands about stored runs: `drsim report` shows one again, `drsim runs` lists
 * them. Both read a results database and never change it. */
#ifndef SIM_STORED_H
#define SIM_STORED_H

/* argv[0] is the command's name; the return value is the exit code (see sim/cli/main.c). */
int sim_report_main(int argc, char **argv);
int sim_runs_main(int argc, char **argv);

#endif
