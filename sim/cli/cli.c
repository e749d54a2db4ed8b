/* sim/cli/cli.c — reading a command's options (sim/cli/cli.h). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/shared/alloc.h"

int sim_cli_next(int argc, char **argv, const struct option *opts, const char **value)
{
    /* A command may be parsed more than once in a process (tests): getopt's state starts over at
     * the first call for each argv. Operands are gathered here as getopt meets them ("-" at the
     * head of the option string: each comes back as 1), so options may follow them even where
     * POSIXLY_CORRECT would make getopt stop at the first. */
    static char **last;
    static char **ops;
    static int nops;
    if (argv != last) {
        optind = 0; /* GNU: re-initialise, not just rewind */
        last = argv;
        free(ops);
        ops = drs_xcalloc((size_t)(argc > 0 ? argc : 1), sizeof *ops);
        nops = 0;
    }
    opterr = 0;
    int longi = -1, c;
    while ((c = getopt_long(argc, argv, "-:h", opts, &longi)) == 1)
        ops[nops++] = optarg;
    *value = optarg;
    if (c == -1) {
        /* The operands after "--", then all of them at the end of argv, from optind on. */
        while (optind < argc)
            ops[nops++] = argv[optind++];
        for (int i = 0; i < nops; i++)
            argv[argc - nops + i] = ops[i];
        optind = argc - nops;
        free(ops);
        ops = NULL;
        last = NULL;
        return -1;
    }
    /* The argument getopt just read, for messages: the option as the user wrote it. */
    const char *arg = optind >= 1 && optind - 1 < argc ? argv[optind - 1] : "?";
    if (c == '?') {
        if (strncmp(arg, "--", 2) != 0)
            fprintf(stderr, "drsim %s: unknown option '-%c' (see drsim %s --help)\n", argv[0],
                    optopt > 32 && optopt < 127 ? optopt : '?', argv[0]);
        else if (optopt)
            fprintf(stderr, "drsim %s: option '%.*s' takes no value (see drsim %s --help)\n",
                    argv[0], (int)strcspn(arg, "="), arg, argv[0]);
        else
            fprintf(stderr, "drsim %s: unknown option '%.*s' (see drsim %s --help)\n", argv[0],
                    (int)strcspn(arg, "="), arg, argv[0]);
        free(ops);
        ops = NULL;
        last = NULL;
        return '?';
    }
    if (c == ':') {
        fprintf(stderr, "drsim %s: %s needs a value\n", argv[0], arg);
        free(ops);
        ops = NULL;
        last = NULL;
        return '?';
    }
    if (longi >= 0 && opts[longi].has_arg == required_argument && optarg && !optarg[0]) {
        fprintf(stderr, "drsim %s: --%s needs a value\n", argv[0], opts[longi].name);
        free(ops);
        ops = NULL;
        last = NULL;
        return '?';
    }
    return c;
}

bool sim_cli_whole(const char *cmd, const char *opt, const char *v, unsigned long long max,
                   unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (!v[0] || *end || errno || v[0] == '-' || x > max) {
        fprintf(stderr, "drsim %s: %s: expected a whole number, got \"%s\"\n", cmd, opt, v);
        return false;
    }
    *out = x;
    return true;
}
