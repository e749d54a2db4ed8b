/* sim/run/version.c — the version string recorded with every run. */
#include "version.h"

#ifndef DRSIM_VERSION
#define DRSIM_VERSION "0.1.0"
#endif

const char *sim_version(void)
{
    return DRSIM_VERSION;
}
