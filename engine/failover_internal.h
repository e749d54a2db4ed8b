/* engine/failover_internal.h — what engine/failover.c (one VM's failover) and
 * engine/recovery_plan.c (the run of an action over one VM or a plan's ordered groups) share.
 * Engine-internal. */
#ifndef ENGINE_FAILOVER_INTERNAL_H
#define ENGINE_FAILOVER_INTERNAL_H

#include "engine/engine_internal.h"

/* One failover action in progress: a single VM (plan = -1, one group of one VM) or a recovery plan.
 * Owned by the engine (engine.runs), freed by engine_free. */
struct eng_fo_run {
    engine *e;
    eng_fo_run *next;
    engine_failover_kind kind;
    drs_action a; /* the timeline action, copied */
    int plan, vm;
    size_t group, group_count;
    size_t pending; /* VMs of the current group still failing over */
    bool starting;  /* the current group's VMs are being started */
    uint64_t job;
    int64_t started_ns;
    engine_timer_id timer;
    bool finished;
    /* aggregate over the VMs */
    size_t vms_ok, vms_failed;
    bool verified;
    int64_t failure_ns, rp_captured_ns, loss_ns;
    uint64_t loss_bytes;
    char detail[256];
};

/* failover.c */
/* A finding: a failover_finding event about vm (-1: none) and, when detail is not NULL, the text
 * appended to detail (n bytes). */
void eng_fo_finding(engine *e, int vm, char *detail, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Starts v's part of r. Returns false when v was refused (already recorded through
 * eng_fo_vm_done); true when it is under way (eng_fo_vm_done follows, maybe at once). */
bool eng_fo_vm_begin(eng_fo_run *r, eng_vm *v);
uint64_t eng_fo_commit(engine *e, eng_vm *v);
uint64_t eng_fo_cancel(engine *e, eng_vm *v);
uint64_t eng_fo_reverse(engine *e, eng_vm *v);

/* recovery_plan.c */
/* v's part of r ended (ended_ns = when it ran, -1 when it failed). */
void eng_fo_vm_done(eng_fo_run *r, eng_vm *v, bool ok, int64_t ended_ns);
void eng_fo_runs_free(engine *e);

#endif
