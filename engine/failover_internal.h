/* engine/failover_internal.h — what engine/failover.c (one VM's failover) and
 * engine/recovery_plan.c (the run of an action over one VM or a plan's ordered groups) share.
 * Engine-internal. */
#ifndef ENGINE_FAILOVER_INTERNAL_H
#define ENGINE_FAILOVER_INTERNAL_H

#include "engine_internal.h"

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
    bool after;     /* the current group's "after" actions run (else its "before" ones) */
    size_t action;  /* the action of the group running now */
    bool stopped;   /* a failed script stopped it: the groups left do not fail over */
    bool group_failed; /* a VM of the current group did not fail over */
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
/* The operation a run performs (a failback is its own operation, run as a planned failover). */
engine_operation eng_fo_run_operation(const eng_fo_run *r);
/* Why v cannot take part in r now (operation table, then what the world must offer), or NULL. */
const char *eng_fo_vm_refusal(const eng_fo_run *r, const eng_vm *v, char *why, size_t n);
/* v takes part in r from now: no other operation runs on it until its part ends. */
void eng_fo_vm_claim(eng_fo_run *r, eng_vm *v);
/* Planned failover and failback, for every VM of the run at its start: the primary shuts down and
 * its last changes go to the other side. The VM boots once its group begins and they are applied. */
void eng_fo_vm_prepare(eng_fo_run *r, eng_vm *v);
/* v's group began: a test or unplanned failover starts, a prepared planned one boots when ready.
 * Its part ends with eng_fo_vm_done (maybe at once, when the world refuses it now). */
void eng_fo_vm_begin(eng_fo_run *r, eng_vm *v);
/* v's part will not run (its run stopped): a prepared primary runs again, and the part ends failed
 * with why. */
void eng_fo_vm_give_up(eng_vm *v, const char *why);
uint64_t eng_fo_cleanup(engine *e, eng_vm *v);
uint64_t eng_fo_commit(engine *e, eng_vm *v);
uint64_t eng_fo_cancel(engine *e, eng_vm *v);
uint64_t eng_fo_reverse(engine *e, eng_vm *v);

/* recovery_plan.c */
/* v's part of r ended (ended_ns = when it ran, -1 when it failed); in_group: its group had begun. */
void eng_fo_vm_done(eng_fo_run *r, eng_vm *v, bool ok, int64_t ended_ns, bool in_group);
void eng_fo_runs_free(engine *e);

#endif
