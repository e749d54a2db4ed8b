/* sim/cli/cli.h — what every command of the command line shares in reading its options: getopt_long
 * with drsim's own messages (each names the command and ends in exit status 2). A scenario "-"
 * stands for standard input, read by sim_scenario_read. */
#ifndef SIM_CLI_H
#define SIM_CLI_H

#include <getopt.h>
#include <stdbool.h>

/* The next option of argv (argv[0] is the command's name, as sim/cli/main.c passes it) by
 * getopt_long with opts, which must end in an all-zero entry. "--db=FILE" and "--db FILE" are the
 * same; options and operands may come in any order (POSIXLY_CORRECT or not); "--" ends the
 * options. Returns the option's val (its value, when it takes one, in *value); -1 when the options
 * are over: the operands, in the order given, are then argv[optind..argc-1] (argv is reordered);
 * '?' after printing why the arguments are wrong (an unknown option, a missing or empty value, a
 * value given to an option that takes none). The first call for an argv starts afresh; call it
 * until it returns -1 or '?'. */
int sim_cli_next(int argc, char **argv, const struct option *opts, const char **value);

/* Parses a whole number >= 0 (at most max) for option opt of command cmd; false after a message. */
bool sim_cli_whole(const char *cmd, const char *opt, const char *v, unsigned long long max,
                   unsigned long long *out);


#endif
