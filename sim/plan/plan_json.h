/* sim/plan/plan_json.h — what `drsim plan --json` prints (units as in sim/run/run_json.h). */
#ifndef SIM_PLAN_JSON_H
#define SIM_PLAN_JSON_H

#include <jansson.h>

#include "sim/plan/plan.h"

/* A plan: the question (paths, target, percentile), the answer (null when none) and every point
 * tried with its values, the worst VM's RPO and whether it met the target. */
json_t *sim_plan_json(const sim_plan_options *opt, const sim_plan_outcome *out);

#endif
