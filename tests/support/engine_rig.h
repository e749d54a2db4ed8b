/* tests/support/engine_rig.h — an engine started on a fake world (fake_platform.h) for a scenario,
 * the set-up every engine test begins with, and its tear-down. */
#ifndef TESTS_ENGINE_RIG_H
#define TESTS_ENGINE_RIG_H

#include "engine/shared/desc.h"
#include "engine/engine.h"
#include "support/fake_platform.h"

typedef struct engine_rig {
    drs_scenario *sc; /* owned by the rig */
    fake_world *w;
    engine *e;
} engine_rig;

/* A new fake world for sc with an engine on it, started (its configuration steps scheduled; nothing
 * has run yet). The rig takes sc: engine_rig_free frees it. The calling test fails when the engine
 * cannot be created or started. */
engine_rig engine_rig_start(drs_scenario *sc);

/* Frees the engine, the world and the scenario, in that order. */
void engine_rig_free(engine_rig *r);

#endif
