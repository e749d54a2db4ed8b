/* engine/operations.c — which operation a VM allows in which state, and why not.
 *
 * Site Recovery runs one job at a time on a protected item and refuses an operation its replication
 * state does not allow; a refused operation is a failed job with its reason, never a crash nor a
 * silent success. This file is the one place that says so: a table (operation x replication state)
 * plus the two rules every operation shares:
 *   - one operation at a time: while a job holds the VM ("an operation is already in progress on
 *     sql-01"), others are refused; an unplanned failover may interrupt a resynchronization (the
 *     replica's latest consistent data is used) and disabling protection may interrupt enabling,
 *     resynchronization and reverse replication;
 *   - a test VM is a side object: a second test failover, a planned failover and a failback wait
 *     until it is cleaned up.
 * What each operation needs of the world beyond the VM's state (a recovery point, a site up, a
 * link) is checked where the operation starts (failover.c, protection.c); the README lists the
 * table. */
#include <stdio.h>

#include "failover_internal.h"

#define ST(s) (1u << (s))
#define ALL_STATES (ST(ENGINE_VM_REVERSED + 1) - 1u)

typedef struct op_spec {
    engine_job_kind job; /* the job it runs as */
    const char *label;   /* what a reason calls it */
    unsigned allowed;    /* bit per engine_vm_state (as shown) */
    const char *needs;   /* completes "X is <state>: <job> needs ..." */
} op_spec;

static const op_spec op_specs[ENGINE_OP_COUNT] = {
    [ENGINE_OP_ENABLE_PROTECTION] = {ENGINE_JOB_ENABLE_PROTECTION, "enabling protection",
                                     ST(ENGINE_VM_NOT_PROTECTED), "a VM that is not protected"},
    [ENGINE_OP_DISABLE_PROTECTION] = {ENGINE_JOB_DISABLE_PROTECTION, "disabling protection",
                                      ALL_STATES & ~ST(ENGINE_VM_NOT_PROTECTED) &
                                          ~ST(ENGINE_VM_FAILOVER_IN_PROGRESS),
                                      "a protected VM with no failover in progress"},
    [ENGINE_OP_TEST_FAILOVER] = {ENGINE_JOB_TEST_FAILOVER, "a test failover",
                                 ST(ENGINE_VM_REPLICATING) | ST(ENGINE_VM_REVERSED),
                                 "it replicating"},
    [ENGINE_OP_CLEANUP_TEST_FAILOVER] = {ENGINE_JOB_CLEANUP_TEST_FAILOVER, "cleanup", ALL_STATES,
                                         "a test failover"},
    [ENGINE_OP_PLANNED_FAILOVER] = {ENGINE_JOB_PLANNED_FAILOVER, "a planned failover",
                                    ST(ENGINE_VM_REPLICATING),
                                    "it replicating from its own site (a VM protected the other "
                                    "way returns to its own site with a failback)"},
    [ENGINE_OP_UNPLANNED_FAILOVER] = {ENGINE_JOB_UNPLANNED_FAILOVER, "an unplanned failover",
                                      ST(ENGINE_VM_REPLICATING) | ST(ENGINE_VM_REVERSED) |
                                          ST(ENGINE_VM_RESYNC_REQUIRED) | ST(ENGINE_VM_RESYNCING),
                                      "it replicating or resynchronizing"},
    [ENGINE_OP_COMMIT] = {ENGINE_JOB_COMMIT, "commit", ST(ENGINE_VM_FAILED_OVER),
                          "it failed over, not committed"},
    [ENGINE_OP_CANCEL_FAILOVER] = {ENGINE_JOB_CANCEL_FAILOVER, "cancelling a failover",
                                   ST(ENGINE_VM_FAILED_OVER), "it failed over, not committed"},
    [ENGINE_OP_REVERSE_REPLICATION] = {ENGINE_JOB_REVERSE_REPLICATION, "reverse replication",
                                       ST(ENGINE_VM_FAILED_OVER) | ST(ENGINE_VM_FAILOVER_COMMITTED),
                                       "it failed over"},
    [ENGINE_OP_RESYNCHRONIZE] = {ENGINE_JOB_RESYNCHRONIZE, "resynchronization",
                                 ST(ENGINE_VM_RESYNC_REQUIRED), "resynchronization required"},
    [ENGINE_OP_FAILBACK] = {ENGINE_JOB_PLANNED_FAILOVER, "failback", ST(ENGINE_VM_REVERSED),
                            "reverse replication completed"},
};

engine_job_kind engine_operation_job(engine_operation op)
{
    return op < ENGINE_OP_COUNT ? op_specs[op].job : ENGINE_JOB_KIND_COUNT;
}

const char *engine_operation_job_name(engine_operation op)
{
    return engine_job_kind_name(engine_operation_job(op));
}

bool engine_operation_allowed(engine_operation op, engine_vm_state s)
{
    return op < ENGINE_OP_COUNT && (op_specs[op].allowed & ST(s)) != 0;
}

const char *engine_operation_needs(engine_operation op)
{
    return op < ENGINE_OP_COUNT ? op_specs[op].needs : "?";
}

/* The job holding v now, or 0; its name in *name. */
static uint64_t holding_job(const eng_vm *v, engine_operation *op)
{
    if (v->fo_run) {
        *op = eng_fo_run_operation(v->fo_run);
        return v->fo_run->job;
    }
    if (v->fo_job) {
        *op = ENGINE_OP_REVERSE_REPLICATION;
        return v->fo_job;
    }
    if (v->resync_job) {
        *op = ENGINE_OP_RESYNCHRONIZE;
        return v->resync_job;
    }
    if (v->enable_job) {
        *op = ENGINE_OP_ENABLE_PROTECTION;
        return v->enable_job;
    }
    return 0;
}

/* Whether op may interrupt the job holding v. */
static bool interrupts(engine_operation op, engine_operation held, const eng_vm *v)
{
    if (v->fo_run) /* a failover in motion is never interrupted */
        return false;
    if (op == ENGINE_OP_UNPLANNED_FAILOVER)
        return held == ENGINE_OP_RESYNCHRONIZE;
    if (op == ENGINE_OP_DISABLE_PROTECTION)
        return held == ENGINE_OP_ENABLE_PROTECTION || held == ENGINE_OP_RESYNCHRONIZE ||
               held == ENGINE_OP_REVERSE_REPLICATION;
    return false;
}

const char *eng_op_refusal(const eng_vm *v, engine_operation op, const eng_fo_run *own, char *why,
                           size_t n)
{
    const char *name = v->desc->name;
    engine_operation held;
    uint64_t job = holding_job(v, &held);
    bool failover = op == ENGINE_OP_TEST_FAILOVER || op == ENGINE_OP_PLANNED_FAILOVER ||
                    op == ENGINE_OP_UNPLANNED_FAILOVER || op == ENGINE_OP_FAILBACK;
    if (job && held == ENGINE_OP_ENABLE_PROTECTION && failover) {
        /* What an operator needs to hear: the point to fail over to does not exist yet. */
        snprintf(why, n, "%s has no recovery point yet: %s (job %llu) is still in progress", name,
                 engine_operation_job_name(held), (unsigned long long)job);
        return why;
    }
    if (job && !(own && v->fo_run == own) && !interrupts(op, held, v)) {
        snprintf(why, n, "an operation is already in progress on %s: %s (job %llu)", name,
                 engine_operation_job_name(held), (unsigned long long)job);
        return why;
    }
    if (op == ENGINE_OP_TEST_FAILOVER && v->test_active) {
        snprintf(why, n, "a test failover of %s is already running: clean it up first", name);
        return why;
    }
    if ((op == ENGINE_OP_PLANNED_FAILOVER || op == ENGINE_OP_FAILBACK) && v->test_active) {
        snprintf(why, n, "a test failover of %s is still running: clean it up first", name);
        return why;
    }
    if (op == ENGINE_OP_CLEANUP_TEST_FAILOVER && !v->test_active) {
        snprintf(why, n, "%s has no test failover to clean up", name);
        return why;
    }
    engine_vm_state s = eng_vm_shown_state(v);
    if (!engine_operation_allowed(op, s)) {
        if (op == ENGINE_OP_ENABLE_PROTECTION)
            snprintf(why, n, "%s is already protected (%s)", name, engine_vm_state_name(s));
        else if (s == ENGINE_VM_NOT_PROTECTED)
            snprintf(why, n, "%s is not protected", name);
        else
            snprintf(why, n, "%s is %s: %s needs %s", name, engine_vm_state_name(s),
                     op_specs[op].label, engine_operation_needs(op));
        return why;
    }
    return NULL;
}

uint64_t eng_op_refuse(engine *e, engine_operation op, eng_vm *v, const char *reason)
{
    int site = v->tgt_site >= 0 ? v->tgt_site : v->src_site;
    uint64_t job =
        eng_job_begin(e, engine_operation_job(op), v->index, v->pair, site, v->desc->name);
    eng_fo_finding(e, v->index, NULL, 0, "%s: %s", engine_operation_job_name(op), reason);
    eng_job_step(e, job, "Prerequisites check", ENGINE_JOB_FAILED);
    eng_job_end(e, job, ENGINE_JOB_FAILED, "%s", reason);
    return job;
}
