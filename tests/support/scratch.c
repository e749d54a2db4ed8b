/* tests/support/scratch.c — the scratch folder of a test program. */
#include "support/scratch.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char scratch_folder[128];

bool scratch_make(const char *tag)
{
    snprintf(scratch_folder, sizeof scratch_folder, "/tmp/drsim-test-%s-XXXXXX", tag);
    return mkdtemp(scratch_folder) != NULL;
}

bool scratch_remove(void)
{
    char cmd[sizeof scratch_folder + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_folder);
    return system(cmd) == 0;
}

const char *scratch_dir(void)
{
    return scratch_folder;
}

const char *scratch_path(const char *name)
{
    static char buf[8][256];
    static unsigned next;
    char *b = buf[next++ % 8];
    snprintf(b, sizeof buf[0], "%s/%s", scratch_folder, name);
    return b;
}
