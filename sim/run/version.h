/* sim/run/version.h — drsim's version, as stored in the results database. */
#ifndef SIM_VERSION_H
#define SIM_VERSION_H
const char *sim_version(void);
#endif
