/* tests/support/engine_rig.c — an engine on a fake world, set up and torn down (engine_rig.h). */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include "support/engine_rig.h"
#include "support/scenario_fixture.h"

engine_rig engine_rig_start(drs_scenario *sc)
{
    engine_rig r = {sc, fake_world_new(sc), NULL};
    drs_error err = {0};
    r.e = engine_new(sc, &r.w->pf, &r.w->rec, &err);
    if (!r.e)
        fail_msg("engine_new: %s (%s)", err.message, err.path);
    if (!engine_start(r.e, &err))
        fail_msg("engine_start: %s (%s)", err.message, err.path);
    return r;
}

void engine_rig_free(engine_rig *r)
{
    engine_free(r->e);
    fake_world_free(r->w);
    scenario_fixture_free(r->sc);
    *r = (engine_rig){0};
}
