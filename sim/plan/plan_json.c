/* sim/plan/plan_json.c — the JSON of `drsim plan --json` (sim/plan/plan_json.h). */
#include "plan_json.h"

#include "sim/run/exit_status.h"
#include "sim/run/run_json.h"
#include "sim/run/version.h"

json_t *sim_plan_json(const sim_plan_options *opt, const sim_plan_outcome *out)
{
    json_t *j = json_object(), *paths = json_array(), *pts = json_array();
    bool ok = j && paths && pts;
    for (size_t d = 0; ok && d < out->dims; d++)
        ok = json_array_append_new(paths, json_string(out->path[d])) == 0;
    ok = ok && sim_json_put(j, "drsim", json_string(sim_version()));
    ok = ok && sim_json_put(j, "scenario", json_string(opt->scenario_path));
    ok = ok && json_object_set(j, "paths", paths) == 0;
    ok = ok && sim_json_put(j, "target_rpo_ns", json_integer(opt->target_rpo_ns));
    ok = ok && sim_json_put(j, "percentile", json_real(opt->percentile > 0 ? opt->percentile : 95));
    ok = ok && sim_json_put(j, "exit_code", json_integer(out->exit_code));
    ok = ok && sim_json_put(j, "bigger_is",
                   json_string(out->better > 0   ? "better"
                               : out->better < 0 ? "worse"
                                                 : "unknown"));
    ok = ok && sim_json_put(j, "answer",
                   out->has_answer ? json_pack("{s:s, s:s, s:f}", "path", out->path[0], "text",
                                               out->answer_text, "value", out->answer)
                                   : json_null());
    for (size_t i = 0; ok && i < out->point_count; i++) {
        const sim_plan_point *p = &out->points[i];
        json_t *o = json_object(), *vals = json_array();
        ok = o && vals && json_array_append_new(pts, o) == 0 && sim_json_put(o, "values", vals);
        for (size_t d = 0; ok && d < out->dims; d++)
            ok = json_array_append_new(vals, json_pack("{s:s, s:s, s:f}", "path", out->path[d],
                                                       "text", p->text[d], "value", p->value[d])) ==
                 0;
        ok = ok && sim_json_put(o, "status",
                                json_string(p->status == SIM_EXIT_OK      ? "ran"
                                            : p->status == SIM_EXIT_INPUT ? "refused"
                                                                          : "failed"));
        ok = ok && sim_json_put(o, "rpo_ns", sim_json_num(p->rpo_ns));
        ok = ok && sim_json_put(o, "worst_vm", p->worst_vm[0] ? json_string(p->worst_vm) : json_null());
        ok = ok && sim_json_put(o, "meets", json_boolean(p->meets));
        ok = ok && sim_json_put(o, "run", p->run_id >= 0 ? json_integer(p->run_id) : json_null());
    }
    ok = ok && json_object_set(j, "points", pts) == 0;
    json_decref(paths);
    json_decref(pts);
    if (!ok) {
        json_decref(j);
        return NULL;
    }
    return j;
}
