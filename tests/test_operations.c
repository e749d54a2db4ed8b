/* tests/test_operations.c — every operation in every replication state, on the fake platform: the
 * operation table of engine/operations.c, the one-operation-at-a-time rule and the test VM
 * rule, each written out again here so that a wrong table entry or a wrong rule fails a test, and
 * no cell leaving the engine in a state it cannot get out of.
 *
 * Setup (the fixture, see tests/support/scenario_fixture.h): only sql-01 is protected (at 30 min),
 * its 127 GiB disk holding 1 GiB, written at 2 MB/s in 64 KiB writes, copied every 5 min over
 * 200 Mbps; initial replication (1 GiB, compressed, over 25 MB/s) takes well under a minute. Every
 * cell starts from a fresh rig driven to its state as follows (times are simulated):
 *   not_protected          the fixture protects nothing; 2 h.
 *   ir_pending             initial replication scheduled at 22:00; 2 h: Enable Protection waits.
 *   ir_in_progress         30 min + 1 s: the base copy is on its way, Enable Protection holds it.
 *   replicating            2 h.
 *   test_booting           a test failover at 2 h, 30 s later (the test VM boots for 90 s): the
 *                          Test Failover job holds the VM.
 *   test_running           a test failover at 2 h, 5 min later: the test VM exists, no job runs.
 *   resync_required        at 2 h the primary host goes down and comes back (the world's flag then
 *                          engine_note_outage, each way): the VM ran, its log was not closed
 *                          cleanly (failover.c, primary_went_down / primary_came_back).
 *   resyncing              the same, 30 min + 2 s later: the automatic resynchronization started
 *                          30 min after it was required and compares the two copies (1 GiB at
 *                          1 GB/s) or sends what differs; the Resynchronize job holds the VM.
 *   planned_syncing        a planned failover at 2 h 2 min (mid-cycle), at the same instant: the
 *                          last changes are on their way.
 *   planned_booting        the same, 30 s later: the changes are applied, the VM boots (90 s).
 *   unplanned_booting      an unplanned failover at 2 h 2 min, 30 s later: the VM boots.
 *   failed_over            a planned failover at 2 h, 5 min later (the old primary is up).
 *   failover_committed     failed_over, then commit.
 *   reverse_replicating    failed_over, then reverse replication: the old primary is being
 *                          resynchronized (Reverse Replication and its Resynchronize job run).
 *   protected_reversed     reverse replication at 2 h 5 min, 15 min later.
 *   reversed_test_running  protected_reversed, then a test failover, 5 min later.
 * "enabling" (Enable Protection before the copy begins) never lasts beyond the call that starts
 * it, so no cell starts there; its column of the table is checked on its own. */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "tests/support/engine_rig.h"
#include "tests/support/scenario_fixture.h"

#define MIN FIXTURE_MIN
#define HOUR FIXTURE_HOUR
#define SEC DRS_NS_PER_S
#define VM 0
#define AFTER (3 * HOUR) /* how long the world runs on after the operation */

typedef engine_rig rig;

/* The states a cell can start from (several show as the same engine_vm_state). */
typedef enum start {
    S_NOT_PROTECTED,
    S_IR_PENDING,
    S_IR_IN_PROGRESS,
    S_REPLICATING,
    S_TEST_BOOTING,
    S_TEST_RUNNING,
    S_RESYNC_REQUIRED,
    S_RESYNCING,
    S_PLANNED_SYNCING,
    S_PLANNED_BOOTING,
    S_UNPLANNED_BOOTING,
    S_FAILED_OVER,
    S_COMMITTED,
    S_REVERSE_REPLICATING,
    S_REVERSED,
    S_REVERSED_TEST_RUNNING,
    S_COUNT
} start;

static const char *const start_names[S_COUNT] = {
    "not_protected",      "ir_pending",          "ir_in_progress",     "replicating",
    "test_booting",       "test_running",        "resync_required",    "resyncing",
    "planned_syncing",    "planned_booting",     "unplanned_booting",  "failed_over",
    "failover_committed", "reverse_replicating", "protected_reversed", "reversed_test_running",
};

/* Where a cell stands before its operation, as reached (checked against what the setup means). */
typedef struct reached {
    engine_vm_state shown;
    const char *holder; /* the job holding the VM, or NULL */
    uint64_t holder_job;
    bool test; /* a test VM exists */
} reached;

/* --- the table, by hand --------------------------------------------------------------------- */

#define B(s) (1u << (s))

/* Which shown states allow each operation, from the product's lifecycle: protection is enabled
 * once; it can be disabled except in the middle of a failover; a test failover and a planned one
 * need the VM replicating (protected the other way, a planned failover home is a failback); an
 * unplanned failover works from whatever the replica holds, also while a resynchronization is
 * required or running; commit and cancel follow a failover that is not committed; reverse
 * replication follows a failover, committed or not; a resynchronization is started when required;
 * cleanup depends only on the test VM. */
static const unsigned hand_table[ENGINE_OP_COUNT] = {
    [ENGINE_OP_ENABLE_PROTECTION] = B(ENGINE_VM_NOT_PROTECTED),
    [ENGINE_OP_DISABLE_PROTECTION] = B(ENGINE_VM_ENABLING) | B(ENGINE_VM_IR_PENDING) |
                                     B(ENGINE_VM_IR_IN_PROGRESS) | B(ENGINE_VM_REPLICATING) |
                                     B(ENGINE_VM_RESYNC_REQUIRED) | B(ENGINE_VM_RESYNCING) |
                                     B(ENGINE_VM_FAILED_OVER) | B(ENGINE_VM_FAILOVER_COMMITTED) |
                                     B(ENGINE_VM_REVERSE_REPLICATING) | B(ENGINE_VM_REVERSED),
    [ENGINE_OP_TEST_FAILOVER] = B(ENGINE_VM_REPLICATING) | B(ENGINE_VM_REVERSED),
    [ENGINE_OP_CLEANUP_TEST_FAILOVER] = (B(ENGINE_VM_REVERSED + 1) - 1u),
    [ENGINE_OP_PLANNED_FAILOVER] = B(ENGINE_VM_REPLICATING),
    [ENGINE_OP_UNPLANNED_FAILOVER] = B(ENGINE_VM_REPLICATING) | B(ENGINE_VM_REVERSED) |
                                     B(ENGINE_VM_RESYNC_REQUIRED) | B(ENGINE_VM_RESYNCING),
    [ENGINE_OP_COMMIT] = B(ENGINE_VM_FAILED_OVER),
    [ENGINE_OP_CANCEL_FAILOVER] = B(ENGINE_VM_FAILED_OVER),
    [ENGINE_OP_REVERSE_REPLICATION] = B(ENGINE_VM_FAILED_OVER) | B(ENGINE_VM_FAILOVER_COMMITTED),
    [ENGINE_OP_RESYNCHRONIZE] = B(ENGINE_VM_RESYNC_REQUIRED),
    [ENGINE_OP_FAILBACK] = B(ENGINE_VM_REVERSED),
};

/* What a reason calls each operation ("sql-01 is replicating: commit needs ..."). */
static const char *const op_labels[ENGINE_OP_COUNT] = {
    [ENGINE_OP_ENABLE_PROTECTION] = "enabling protection",
    [ENGINE_OP_DISABLE_PROTECTION] = "disabling protection",
    [ENGINE_OP_TEST_FAILOVER] = "a test failover",
    [ENGINE_OP_CLEANUP_TEST_FAILOVER] = "cleanup",
    [ENGINE_OP_PLANNED_FAILOVER] = "a planned failover",
    [ENGINE_OP_UNPLANNED_FAILOVER] = "an unplanned failover",
    [ENGINE_OP_COMMIT] = "commit",
    [ENGINE_OP_CANCEL_FAILOVER] = "cancelling a failover",
    [ENGINE_OP_REVERSE_REPLICATION] = "reverse replication",
    [ENGINE_OP_RESYNCHRONIZE] = "resynchronization",
    [ENGINE_OP_FAILBACK] = "failback",
};

/* The Jobs tab's name of each (a failback runs as a planned failover). */
static const char *const op_jobs[ENGINE_OP_COUNT] = {
    [ENGINE_OP_ENABLE_PROTECTION] = "Enable Protection",
    [ENGINE_OP_DISABLE_PROTECTION] = "Disable Protection",
    [ENGINE_OP_TEST_FAILOVER] = "Test Failover",
    [ENGINE_OP_CLEANUP_TEST_FAILOVER] = "Cleanup Test Failover",
    [ENGINE_OP_PLANNED_FAILOVER] = "Planned Failover",
    [ENGINE_OP_UNPLANNED_FAILOVER] = "Unplanned Failover",
    [ENGINE_OP_COMMIT] = "Commit",
    [ENGINE_OP_CANCEL_FAILOVER] = "Cancel Failover",
    [ENGINE_OP_REVERSE_REPLICATION] = "Reverse Replication",
    [ENGINE_OP_RESYNCHRONIZE] = "Resynchronize",
    [ENGINE_OP_FAILBACK] = "Planned Failover",
};

static bool is_failover(engine_operation op)
{
    return op == ENGINE_OP_TEST_FAILOVER || op == ENGINE_OP_PLANNED_FAILOVER ||
           op == ENGINE_OP_UNPLANNED_FAILOVER || op == ENGINE_OP_FAILBACK;
}

/* Whether op may interrupt the job holding the VM: an unplanned failover a resynchronization,
 * disabling protection an enable, a resynchronization or a reverse replication. A failover in
 * motion is never interrupted. */
static bool may_interrupt(engine_operation op, const char *holder)
{
    if (op == ENGINE_OP_UNPLANNED_FAILOVER)
        return strcmp(holder, "Resynchronize") == 0;
    if (op == ENGINE_OP_DISABLE_PROTECTION)
        return strcmp(holder, "Enable Protection") == 0 || strcmp(holder, "Resynchronize") == 0 ||
               strcmp(holder, "Reverse Replication") == 0;
    return false;
}

/* The reason op is refused from `at`, or "" when it is allowed: the one-at-a-time rule, then the
 * test VM rule, then the table (engine_operation_allowed, itself checked against hand_table). */
static void expected_refusal(const reached *at, engine_operation op, char *why, size_t n)
{
    why[0] = '\0';
    if (at->holder && strcmp(at->holder, "Enable Protection") == 0 && is_failover(op)) {
        snprintf(why, n,
                 "sql-01 has no recovery point yet: Enable Protection (job %llu) is still "
                 "in progress",
                 (unsigned long long)at->holder_job);
        return;
    }
    if (at->holder && !may_interrupt(op, at->holder)) {
        snprintf(why, n, "an operation is already in progress on sql-01: %s (job %llu)", at->holder,
                 (unsigned long long)at->holder_job);
        return;
    }
    if (op == ENGINE_OP_TEST_FAILOVER && at->test) {
        snprintf(why, n, "a test failover of sql-01 is already running: clean it up first");
        return;
    }
    if ((op == ENGINE_OP_PLANNED_FAILOVER || op == ENGINE_OP_FAILBACK) && at->test) {
        snprintf(why, n, "a test failover of sql-01 is still running: clean it up first");
        return;
    }
    if (op == ENGINE_OP_CLEANUP_TEST_FAILOVER && !at->test) {
        snprintf(why, n, "sql-01 has no test failover to clean up");
        return;
    }
    if (engine_operation_allowed(op, at->shown))
        return;
    if (op == ENGINE_OP_ENABLE_PROTECTION)
        snprintf(why, n, "sql-01 is already protected (%s)", engine_vm_state_name(at->shown));
    else if (at->shown == ENGINE_VM_NOT_PROTECTED)
        snprintf(why, n, "sql-01 is not protected");
    else
        snprintf(why, n, "sql-01 is %s: %s needs %s", engine_vm_state_name(at->shown),
                 op_labels[op], engine_operation_needs(op));
}

/* --- driving a rig ------------------------------------------------------------------------- */

static drs_action action(drs_action_do what)
{
    drs_action a = drs_action_blank(what, 0);
    a.vm = VM;
    return a;
}

static const drs_action_do op_do[ENGINE_OP_COUNT] = {
    [ENGINE_OP_ENABLE_PROTECTION] = DRS_DO_PROTECT,
    [ENGINE_OP_DISABLE_PROTECTION] = DRS_DO_UNPROTECT,
    [ENGINE_OP_TEST_FAILOVER] = DRS_DO_TEST_FAILOVER,
    [ENGINE_OP_CLEANUP_TEST_FAILOVER] = DRS_DO_CLEANUP_TEST_FAILOVER,
    [ENGINE_OP_PLANNED_FAILOVER] = DRS_DO_PLANNED_FAILOVER,
    [ENGINE_OP_UNPLANNED_FAILOVER] = DRS_DO_UNPLANNED_FAILOVER,
    [ENGINE_OP_COMMIT] = DRS_DO_COMMIT,
    [ENGINE_OP_CANCEL_FAILOVER] = DRS_DO_CANCEL_FAILOVER,
    [ENGINE_OP_REVERSE_REPLICATION] = DRS_DO_REVERSE_REPLICATION,
    [ENGINE_OP_RESYNCHRONIZE] = DRS_DO_RESYNC,
    [ENGINE_OP_FAILBACK] = DRS_DO_FAILBACK,
};

/* Applies op now, as the timeline driver does; returns the job id the engine gives. */
static uint64_t apply(rig *r, engine_operation op)
{
    if (op == ENGINE_OP_ENABLE_PROTECTION)
        return engine_protect(r->e, VM);
    if (op == ENGINE_OP_DISABLE_PROTECTION)
        return engine_unprotect(r->e, VM);
    drs_action a = action(op_do[op]);
    return engine_failover(r->e, &a);
}

/* Applies op and requires that it was not refused (used to reach a state). */
static void must(rig *r, engine_operation op)
{
    size_t before = r->w->job_count;
    uint64_t id = apply(r, op);
    assert_true(id > 0);
    const fake_job *j = fake_find_job_id(r->w, id);
    assert_non_null(j);
    assert_true(r->w->job_count > before);
    if (j->state == ENGINE_JOB_FAILED)
        fail_msg("%s refused while reaching a state: %s", j->name, j->reason);
}

/* The primary host goes down and comes back now, with the VM running on it. */
static void bounce_primary_host(rig *r)
{
    drs_action a = action(DRS_DO_HOST_DOWN);
    a.vm = -1;
    a.host_site = 0;
    a.host = r->sc->vms[VM].host;
    r->w->host_up[0][a.host] = false;
    engine_note_outage(r->e, &a);
    r->w->host_up[0][a.host] = true;
    a.what = DRS_DO_HOST_UP;
    engine_note_outage(r->e, &a);
}

/* The in-progress job of that name about the VM, or NULL. */
static const fake_job *running_job(const fake_world *w, const char *name)
{
    for (size_t i = w->job_count; i-- > 0;)
        if (w->jobs[i].vm == VM && w->jobs[i].state == ENGINE_JOB_IN_PROGRESS &&
            strcmp(w->jobs[i].name, name) == 0)
            return &w->jobs[i];
    return NULL;
}

/* A fresh rig driven to s (see the header); *at: where it stands, checked against the engine. */
static rig reach(start s, reached *at)
{
    rig r = {0};
    r.sc = scenario_fixture_new();
    for (size_t v = 0; v < 2; v++)
        r.sc->vms[v].disks[0].used_bytes = UINT64_C(1) << 30;
    r.sc->recovery.protect_count = s == S_NOT_PROTECTED ? 0 : 1;
    if (s == S_IR_PENDING) {
        r.sc->recovery.cloud_pairs[0].settings.initial_replication.start_now = false;
        r.sc->recovery.cloud_pairs[0].settings.initial_replication.time_of_day_ns = 22 * HOUR;
    }
    r = engine_rig_start(r.sc);
    *at = (reached){.shown = ENGINE_VM_REPLICATING};
    const char *holder = NULL;
    switch (s) {
    case S_NOT_PROTECTED:
        fake_run_until(r.w, 2 * HOUR);
        at->shown = ENGINE_VM_NOT_PROTECTED;
        break;
    case S_IR_PENDING:
        fake_run_until(r.w, 2 * HOUR);
        at->shown = ENGINE_VM_IR_PENDING;
        holder = "Enable Protection";
        break;
    case S_IR_IN_PROGRESS:
        fake_run_until(r.w, 30 * MIN + SEC);
        at->shown = ENGINE_VM_IR_IN_PROGRESS;
        holder = "Enable Protection";
        break;
    case S_REPLICATING:
        fake_run_until(r.w, 2 * HOUR);
        break;
    case S_TEST_BOOTING:
    case S_TEST_RUNNING:
        fake_run_until(r.w, 2 * HOUR);
        must(&r, ENGINE_OP_TEST_FAILOVER);
        fake_run_until(r.w, 2 * HOUR + (s == S_TEST_BOOTING ? 30 * SEC : 5 * MIN));
        at->test = true;
        holder = s == S_TEST_BOOTING ? "Test Failover" : NULL;
        break;
    case S_RESYNC_REQUIRED:
    case S_RESYNCING:
        fake_run_until(r.w, 2 * HOUR);
        bounce_primary_host(&r);
        if (s == S_RESYNCING)
            fake_run_until(r.w, 2 * HOUR + 30 * MIN + 2 * SEC);
        at->shown = s == S_RESYNCING ? ENGINE_VM_RESYNCING : ENGINE_VM_RESYNC_REQUIRED;
        holder = s == S_RESYNCING ? "Resynchronize" : NULL;
        break;
    case S_PLANNED_SYNCING:
    case S_PLANNED_BOOTING:
    case S_UNPLANNED_BOOTING:
        fake_run_until(r.w, 2 * HOUR + 2 * MIN);
        must(&r,
             s == S_UNPLANNED_BOOTING ? ENGINE_OP_UNPLANNED_FAILOVER : ENGINE_OP_PLANNED_FAILOVER);
        if (s != S_PLANNED_SYNCING)
            fake_run_until(r.w, 2 * HOUR + 2 * MIN + 30 * SEC);
        at->shown = ENGINE_VM_FAILOVER_IN_PROGRESS;
        holder = s == S_UNPLANNED_BOOTING ? "Unplanned Failover" : "Planned Failover";
        break;
    case S_FAILED_OVER:
    case S_COMMITTED:
    case S_REVERSE_REPLICATING:
    case S_REVERSED:
    case S_REVERSED_TEST_RUNNING:
        fake_run_until(r.w, 2 * HOUR);
        must(&r, ENGINE_OP_PLANNED_FAILOVER);
        fake_run_until(r.w, 2 * HOUR + 5 * MIN);
        at->shown = ENGINE_VM_FAILED_OVER;
        if (s == S_COMMITTED) {
            must(&r, ENGINE_OP_COMMIT);
            at->shown = ENGINE_VM_FAILOVER_COMMITTED;
        } else if (s != S_FAILED_OVER) {
            must(&r, ENGINE_OP_REVERSE_REPLICATION);
            at->shown = ENGINE_VM_REVERSE_REPLICATING;
            holder = "Reverse Replication";
            if (s != S_REVERSE_REPLICATING) {
                fake_run_until(r.w, 2 * HOUR + 20 * MIN);
                at->shown = ENGINE_VM_REVERSED;
                holder = NULL;
            }
            if (s == S_REVERSED_TEST_RUNNING) {
                must(&r, ENGINE_OP_TEST_FAILOVER);
                fake_run_until(r.w, 2 * HOUR + 25 * MIN);
                at->test = true;
            }
        }
        break;
    case S_COUNT:
        break;
    }
    if (engine_vm_state_of(r.e, VM) != at->shown)
        fail_msg("%s: reached %s, meant %s", start_names[s],
                 engine_vm_state_name(engine_vm_state_of(r.e, VM)),
                 engine_vm_state_name(at->shown));
    assert_int_equal(engine_vm_test_failover_active(r.e, VM), at->test);
    at->holder = holder;
    if (holder) {
        const fake_job *j = running_job(r.w, holder);
        if (!j)
            fail_msg("%s: no %s job in progress", start_names[s], holder);
        at->holder_job = j->id;
    }
    return r;
}

/* --- what an allowed operation does --------------------------------------------------------- */

static bool shown_ok(engine_vm_state s)
{
    return s >= ENGINE_VM_NOT_PROTECTED && s <= ENGINE_VM_REVERSED;
}

/* The state an allowed op shows at once (from the product's lifecycle), given where it started. */
static engine_vm_state state_at_once(engine_operation op, const reached *at)
{
    switch (op) {
    case ENGINE_OP_ENABLE_PROTECTION:
        return ENGINE_VM_IR_IN_PROGRESS; /* network replication at once */
    case ENGINE_OP_DISABLE_PROTECTION:
        return ENGINE_VM_NOT_PROTECTED;
    case ENGINE_OP_TEST_FAILOVER:
    case ENGINE_OP_CLEANUP_TEST_FAILOVER:
        return at->shown; /* a side object: replication goes on as it was */
    case ENGINE_OP_PLANNED_FAILOVER:
    case ENGINE_OP_UNPLANNED_FAILOVER:
    case ENGINE_OP_FAILBACK:
        return ENGINE_VM_FAILOVER_IN_PROGRESS;
    case ENGINE_OP_COMMIT:
        return ENGINE_VM_FAILOVER_COMMITTED;
    case ENGINE_OP_CANCEL_FAILOVER:
        return ENGINE_VM_RESYNC_REQUIRED; /* the replica went back to a point: copies differ */
    case ENGINE_OP_REVERSE_REPLICATION:
        return ENGINE_VM_REVERSE_REPLICATING;
    case ENGINE_OP_RESYNCHRONIZE:
        return ENGINE_VM_RESYNCING;
    case ENGINE_OP_COUNT:
        break;
    }
    return ENGINE_VM_NOT_PROTECTED;
}

/* The state AFTER later, or -1 when the op leaves it to the rest of the cell's history (cleanup).
 */
static int state_later(engine_operation op, const reached *at)
{
    switch (op) {
    case ENGINE_OP_ENABLE_PROTECTION:
    case ENGINE_OP_CANCEL_FAILOVER: /* resynchronized 30 min later */
    case ENGINE_OP_RESYNCHRONIZE:
    case ENGINE_OP_FAILBACK:
        return ENGINE_VM_REPLICATING;
    case ENGINE_OP_DISABLE_PROTECTION:
        return ENGINE_VM_NOT_PROTECTED;
    case ENGINE_OP_TEST_FAILOVER:
        return at->shown;
    case ENGINE_OP_PLANNED_FAILOVER:
    case ENGINE_OP_UNPLANNED_FAILOVER:
        return ENGINE_VM_FAILED_OVER;
    case ENGINE_OP_COMMIT:
        return ENGINE_VM_FAILOVER_COMMITTED;
    case ENGINE_OP_REVERSE_REPLICATION:
        return ENGINE_VM_REVERSED;
    case ENGINE_OP_CLEANUP_TEST_FAILOVER:
    case ENGINE_OP_COUNT:
        break;
    }
    return -1;
}

/* Jobs that end on their own (the op's, the holder's): the ones still in progress must belong to
 * the state the VM shows. */
static void check_jobs_settled(const fake_world *w, engine_vm_state now, const char *cell)
{
    for (size_t i = 0; i < w->job_count; i++) {
        const fake_job *j = &w->jobs[i];
        if (j->state != ENGINE_JOB_IN_PROGRESS)
            continue;
        bool ok = false;
        if (strcmp(j->name, "Enable Protection") == 0)
            ok = now == ENGINE_VM_ENABLING || now == ENGINE_VM_IR_PENDING ||
                 now == ENGINE_VM_IR_IN_PROGRESS;
        else if (strcmp(j->name, "Resynchronize") == 0)
            ok = now == ENGINE_VM_RESYNCING || now == ENGINE_VM_REVERSE_REPLICATING;
        else if (strcmp(j->name, "Reverse Replication") == 0)
            ok = now == ENGINE_VM_REVERSE_REPLICATING;
        else if (strstr(j->name, "Failover"))
            ok = now == ENGINE_VM_FAILOVER_IN_PROGRESS;
        if (!ok)
            fail_msg("%s: job %s (%llu) still in progress with sql-01 %s", cell, j->name,
                     (unsigned long long)j->id, engine_vm_state_name(now));
        for (size_t k = i + 1; k < w->job_count; k++)
            if (w->jobs[k].state == ENGINE_JOB_IN_PROGRESS && w->jobs[k].vm == j->vm &&
                strcmp(w->jobs[k].name, j->name) == 0)
                fail_msg("%s: two %s jobs in progress", cell, j->name);
    }
}

/* One cell: a fresh rig at s, op applied, its outcome against the expectation, then AFTER of the
 * world running on. Returns whether op was allowed. */
static bool run_cell(start s, engine_operation op)
{
    char cell[96], want[240];
    snprintf(cell, sizeof cell, "%s x %s", start_names[s], op_labels[op]);
    reached at;
    rig r = reach(s, &at);
    expected_refusal(&at, op, want, sizeof want);
    size_t jobs_before = r.w->job_count;
    uint64_t id = apply(&r, op);
    if (id == 0)
        fail_msg("%s: no job", cell);
    const fake_job *j = fake_find_job_id(r.w, id);
    if (!j)
        fail_msg("%s: job %llu not recorded", cell, (unsigned long long)id);
    assert_string_equal(j->name, op_jobs[op]);
    assert_true(r.w->job_count > jobs_before); /* a new job, not an old one */
    assert_true(j->id > r.w->jobs[jobs_before - 1].id);
    bool allowed = want[0] == '\0';
    engine_vm_state now = engine_vm_state_of(r.e, VM);
    if (!allowed) {
        if (j->state != ENGINE_JOB_FAILED || !strstr(j->reason, want))
            fail_msg("%s: expected refused with \"%s\", job %s state %d reason \"%s\"", cell, want,
                     j->name, (int)j->state, j->reason);
        if (!fake_has_finding(r.w, want))
            fail_msg("%s: no failover_finding \"%s\"", cell, want);
        /* nothing was touched */
        if (now != at.shown)
            fail_msg("%s: refused, yet sql-01 went %s -> %s", cell, engine_vm_state_name(at.shown),
                     engine_vm_state_name(now));
        assert_int_equal(engine_vm_test_failover_active(r.e, VM), at.test);
        if (at.holder)
            assert_int_equal(fake_find_job_id(r.w, at.holder_job)->state, ENGINE_JOB_IN_PROGRESS);
    } else {
        if (j->state == ENGINE_JOB_FAILED)
            fail_msg("%s: expected allowed, refused: %s", cell, j->reason);
        engine_vm_state once = state_at_once(op, &at);
        if (now != once)
            fail_msg("%s: sql-01 is %s at once, expected %s", cell, engine_vm_state_name(now),
                     engine_vm_state_name(once));
        if (op == ENGINE_OP_TEST_FAILOVER || op == ENGINE_OP_CLEANUP_TEST_FAILOVER ||
            op == ENGINE_OP_DISABLE_PROTECTION)
            assert_int_equal(engine_vm_test_failover_active(r.e, VM),
                             op == ENGINE_OP_TEST_FAILOVER);
        if (at.holder) /* what it interrupted ended cancelled */
            assert_int_equal(fake_find_job_id(r.w, at.holder_job)->state, ENGINE_JOB_CANCELLED);
    }
    int64_t t_op = r.w->jobs[r.w->job_count - 1].started_ns;
    fake_run_until(r.w, t_op + AFTER);
    now = engine_vm_state_of(r.e, VM);
    if (!shown_ok(now))
        fail_msg("%s: state %d is none of the table's", cell, (int)now);
    check_jobs_settled(r.w, now, cell);
    if (allowed) {
        j = fake_find_job_id(r.w, id);
        if (j->state != ENGINE_JOB_SUCCEEDED)
            fail_msg("%s: job %s ended %d after %lld h: %s", cell, j->name, (int)j->state,
                     (long long)(AFTER / HOUR), j->reason);
        int later = state_later(op, &at);
        if (later >= 0 && (int)now != later)
            fail_msg("%s: sql-01 is %s later, expected %s", cell, engine_vm_state_name(now),
                     engine_vm_state_name((engine_vm_state)later));
    }
    if (engine_vm_test_failover_active(r.e, VM))
        assert_int_not_equal(now, ENGINE_VM_NOT_PROTECTED);
    engine_rig_free(&r);
    return allowed;
}

/* --- tests ------------------------------------------------------------------------------------ */

/* engine_operation_allowed agrees with the table written out above, in every state (including
 * "enabling", which no cell starts from), and names the job of each. */
static void test_table_matches_hand_table(void **state)
{
    (void)state;
    for (int op = 0; op < ENGINE_OP_COUNT; op++) {
        assert_string_equal(engine_operation_job_name((engine_operation)op), op_jobs[op]);
        for (int s = ENGINE_VM_NOT_PROTECTED; s <= ENGINE_VM_REVERSED; s++) {
            bool want = (hand_table[op] & B(s)) != 0;
            if (engine_operation_allowed((engine_operation)op, (engine_vm_state)s) != want)
                fail_msg("table: %s in %s should be %s", op_labels[op],
                         engine_vm_state_name((engine_vm_state)s), want ? "allowed" : "refused");
        }
    }
    assert_false(engine_operation_allowed(ENGINE_OP_COUNT, ENGINE_VM_REPLICATING));
}

/* The whole grid once more, literally (A allowed, r refused), columns in engine_operation order:
 * enable, disable, test, cleanup, planned, unplanned, commit, cancel, reverse, resync, failback.
 * Read from the lifecycle, not computed: a job holding the VM refuses all but its interrupters; a
 * test VM blocks a second test, a planned failover and a failback, and is what cleanup needs. */
static const char *const hand_grid[S_COUNT] = {
    [S_NOT_PROTECTED] = "Arrrrrrrrrr",
    [S_IR_PENDING] = "rArrrrrrrrr", /* only disabling interrupts Enable Protection */
    [S_IR_IN_PROGRESS] = "rArrrrrrrrr",
    [S_REPLICATING] = "rAArAArrrrr",
    [S_TEST_BOOTING] = "rrrrrrrrrrr", /* the Test Failover job holds it */
    [S_TEST_RUNNING] = "rArArArrrrr", /* cleanup yes, a second test or planned no */
    [S_RESYNC_REQUIRED] = "rArrrArrrAr",
    [S_RESYNCING] = "rArrrArrrrr",       /* unplanned and disable interrupt Resynchronize */
    [S_PLANNED_SYNCING] = "rrrrrrrrrrr", /* a failover in motion is never interrupted */
    [S_PLANNED_BOOTING] = "rrrrrrrrrrr",
    [S_UNPLANNED_BOOTING] = "rrrrrrrrrrr",
    [S_FAILED_OVER] = "rArrrrAAArr",
    [S_COMMITTED] = "rArrrrrrArr",
    [S_REVERSE_REPLICATING] = "rArrrrrrrrr", /* disable interrupts Reverse Replication */
    [S_REVERSED] = "rAArrArrrrA",
    [S_REVERSED_TEST_RUNNING] = "rArArArrrrr",
};

/* Every (start, operation) cell against the table and the two rules (run_cell), and against the
 * literal grid; prints the grid it got so a change in the outcome of a cell shows. */
static void test_every_cell(void **state)
{
    (void)state;
    char line[128];
    print_message("%-22s EN DI TF CL PF UF CO CA RR RS FB\n", "");
    size_t allowed = 0;
    for (int s = 0; s < S_COUNT; s++) {
        int n = snprintf(line, sizeof line, "%-22s", start_names[s]);
        for (int op = 0; op < ENGINE_OP_COUNT; op++) {
            bool a = run_cell((start)s, (engine_operation)op);
            allowed += a;
            n += snprintf(line + n, sizeof line - (size_t)n, "  %c", a ? 'A' : 'r');
            if (a != (hand_grid[s][op] == 'A'))
                fail_msg("%s x %s: %s, the grid says %s", start_names[s], op_labels[op],
                         a ? "allowed" : "refused", a ? "refused" : "allowed");
        }
        print_message("%s\n", line);
    }
    /* 1 + 1 + 1 + 4 + 0 + 3 + 3 + 2 + 0 + 0 + 0 + 4 + 2 + 1 + 4 + 3 allowed, row by row */
    assert_int_equal(allowed, 29);
}

/* A few rows by hand, with the literal reasons. */
static void test_rows_by_hand(void **state)
{
    (void)state;
    /* commit: allowed only failed over (not committed) */
    for (int s = 0; s < S_COUNT; s++)
        assert_int_equal(run_cell((start)s, ENGINE_OP_COMMIT), s == S_FAILED_OVER);
    reached at;
    rig r = reach(S_REPLICATING, &at);
    apply(&r, ENGINE_OP_COMMIT);
    assert_true(fake_has_finding(
        r.w, "Commit: sql-01 is replicating: commit needs it failed over, not committed"));
    engine_rig_free(&r);

    /* planned refused while resynchronizing: the Resynchronize job holds the VM */
    r = reach(S_RESYNCING, &at);
    uint64_t id = apply(&r, ENGINE_OP_PLANNED_FAILOVER);
    const fake_job *j = fake_find_job_id(r.w, id);
    assert_int_equal(j->state, ENGINE_JOB_FAILED);
    assert_non_null(strstr(j->reason, "an operation is already in progress on sql-01: "
                                      "Resynchronize (job "));
    assert_int_equal(engine_vm_state_of(r.e, VM), ENGINE_VM_RESYNCING);
    engine_rig_free(&r);

    /* unplanned allowed while resynchronizing: it cancels the Resynchronize job and fails over */
    r = reach(S_RESYNCING, &at);
    id = apply(&r, ENGINE_OP_UNPLANNED_FAILOVER);
    j = fake_find_job_id(r.w, id);
    assert_int_equal(j->state, ENGINE_JOB_IN_PROGRESS);
    const fake_job *rs = fake_find_job_id(r.w, at.holder_job);
    assert_string_equal(rs->name, "Resynchronize");
    assert_int_equal(rs->state, ENGINE_JOB_CANCELLED);
    assert_string_equal(rs->reason, "failover of sql-01");
    fake_run_until(r.w, 4 * HOUR);
    assert_int_equal(fake_find_job_id(r.w, id)->state, ENGINE_JOB_SUCCEEDED);
    assert_int_equal(engine_vm_state_of(r.e, VM), ENGINE_VM_FAILED_OVER);
    engine_rig_free(&r);

    /* a failover during Enable Protection: no point yet (jobs 1-5 configured the vault: two
     * registrations, the cloud pair, the network and the storage mappings) */
    r = reach(S_IR_IN_PROGRESS, &at);
    assert_int_equal(at.holder_job, 6);
    apply(&r, ENGINE_OP_TEST_FAILOVER);
    assert_true(fake_has_finding(
        r.w, "sql-01 has no recovery point yet: Enable Protection (job 6) is still in progress"));
    engine_rig_free(&r);

    /* the test VM rule, each way */
    r = reach(S_TEST_RUNNING, &at);
    apply(&r, ENGINE_OP_TEST_FAILOVER);
    apply(&r, ENGINE_OP_PLANNED_FAILOVER);
    assert_true(
        fake_has_finding(r.w, "a test failover of sql-01 is already running: clean it up first"));
    assert_true(
        fake_has_finding(r.w, "a test failover of sql-01 is still running: clean it up first"));
    id = apply(&r, ENGINE_OP_CLEANUP_TEST_FAILOVER);
    assert_int_equal(fake_find_job_id(r.w, id)->state, ENGINE_JOB_SUCCEEDED);
    assert_false(engine_vm_test_failover_active(r.e, VM));
    apply(&r, ENGINE_OP_CLEANUP_TEST_FAILOVER);
    assert_true(fake_has_finding(r.w, "sql-01 has no test failover to clean up"));
    engine_rig_free(&r);

    r = reach(S_REVERSED_TEST_RUNNING, &at);
    apply(&r, ENGINE_OP_FAILBACK);
    assert_true(
        fake_has_finding(r.w, "a test failover of sql-01 is still running: clean it up first"));
    engine_rig_free(&r);

    /* a planned failover in motion holds the VM even against disabling protection */
    r = reach(S_PLANNED_SYNCING, &at);
    apply(&r, ENGINE_OP_DISABLE_PROTECTION);
    assert_true(fake_has_finding(
        r.w, "an operation is already in progress on sql-01: Planned Failover (job "));
    engine_rig_free(&r);

    /* disabling protection interrupts reverse replication (and its resynchronization) */
    r = reach(S_REVERSE_REPLICATING, &at);
    id = apply(&r, ENGINE_OP_DISABLE_PROTECTION);
    assert_int_equal(fake_find_job_id(r.w, id)->state, ENGINE_JOB_SUCCEEDED);
    assert_int_equal(fake_find_job_id(r.w, at.holder_job)->state, ENGINE_JOB_CANCELLED);
    assert_null(running_job(r.w, "Resynchronize"));
    assert_int_equal(engine_vm_state_of(r.e, VM), ENGINE_VM_NOT_PROTECTED);
    engine_rig_free(&r);

    /* the other names of a refusal */
    r = reach(S_NOT_PROTECTED, &at);
    apply(&r, ENGINE_OP_TEST_FAILOVER);
    /* a failover run states the reason alone; other refusals name their job first ("Commit: ") */
    assert_true(fake_has_finding(r.w, "sql-01 is not protected"));
    engine_rig_free(&r);
    r = reach(S_REPLICATING, &at);
    apply(&r, ENGINE_OP_ENABLE_PROTECTION);
    assert_true(fake_has_finding(r.w, "sql-01 is already protected (replicating)"));
    engine_rig_free(&r);
    r = reach(S_REVERSED, &at);
    apply(&r, ENGINE_OP_PLANNED_FAILOVER);
    assert_true(fake_has_finding(r.w, "sql-01 is protected_reversed: a planned failover needs it "
                                      "replicating from its own site"));
    engine_rig_free(&r);
}

/* Disabling protection of a failed-over VM (the table allows it, failed_over and committed): the
 * VM runs at the recovery site on what was the replica, so "delete the replica on disable" must not
 * delete those disks, and Enable Protection from the original site, whose copy is shut down and
 * older, must be refused as it is once protection ran the other way ("runs at the recovery site"). */
static void test_disable_after_failover_keeps_running_copy(void **state)
{
    (void)state;
    reached at;
    rig r = reach(S_FAILED_OVER, &at);
    assert_true(r.w->replica_running[VM]);
    uint64_t running_copy = r.w->disks[VM][0].replica_digest;
    assert_int_not_equal(running_copy, 0);
    engine_unprotect(r.e, VM);
    assert_true(r.w->replica_running[VM]);
    assert_int_equal(r.w->disks[VM][0].replica_digest, running_copy);
    uint64_t id = engine_protect(r.e, VM);
    const fake_job *j = fake_find_job_id(r.w, id);
    assert_int_equal(j->state, ENGINE_JOB_FAILED);
    assert_non_null(strstr(j->reason, "runs at the recovery site"));
    engine_rig_free(&r);
}

/* The README's operations table says what engine/operations.c does: for each operation (its
 * timeline `do` in the first column) the job named in the second column, and in the third exactly
 * the states the table allows (named as the summary names them). A state the README lists that the
 * engine refuses, or one it allows that the README leaves out, fails here. */
static void test_readme_table_is_the_engine_table(void **state)
{
    (void)state;
    static const char *const dos[ENGINE_OP_COUNT] = {
        [ENGINE_OP_ENABLE_PROTECTION] = "protect",
        [ENGINE_OP_DISABLE_PROTECTION] = "unprotect",
        [ENGINE_OP_TEST_FAILOVER] = "test_failover",
        [ENGINE_OP_CLEANUP_TEST_FAILOVER] = "cleanup_test_failover",
        [ENGINE_OP_PLANNED_FAILOVER] = "planned_failover",
        [ENGINE_OP_UNPLANNED_FAILOVER] = "unplanned_failover",
        [ENGINE_OP_COMMIT] = "commit",
        [ENGINE_OP_CANCEL_FAILOVER] = "cancel_failover",
        [ENGINE_OP_REVERSE_REPLICATION] = "reverse_replication",
        [ENGINE_OP_RESYNCHRONIZE] = "resync",
        [ENGINE_OP_FAILBACK] = "failback",
    };
    FILE *f = fopen(DRSIM_SOURCE_DIR "/README.md", "r");
    assert_non_null(f);
    char line[1024];
    size_t rows = 0;
    while (fgets(line, sizeof line, f)) {
        for (int op = 0; op < ENGINE_OP_COUNT; op++) {
            char head[64];
            snprintf(head, sizeof head, "| `%s` | ", dos[op]);
            if (strncmp(line, head, strlen(head)) != 0)
                continue;
            rows++;
            const char *job = line + strlen(head);
            const char *bar = strchr(job, '|');
            assert_non_null(bar);
            assert_int_equal((size_t)(bar - job - 1), strlen(engine_operation_job_name(op)));
            assert_memory_equal(job, engine_operation_job_name(op), (size_t)(bar - job - 1));
            const char *states = bar + 1;
            for (int st = 0; st <= ENGINE_VM_REVERSED; st++) {
                char quoted[64];
                snprintf(quoted, sizeof quoted, "`%s`", engine_vm_state_name(st));
                bool listed = strstr(states, quoted) != NULL;
                /* Rows that say it in words: protected (every state but not_protected and a failover
                 * in progress), any state (cleanup). */
                if (strstr(states, "protected, with no failover in progress"))
                    listed = st != ENGINE_VM_NOT_PROTECTED && st != ENGINE_VM_FAILOVER_IN_PROGRESS;
                if (strstr(states, "any state"))
                    listed = true;
                if (listed != engine_operation_allowed(op, st))
                    fail_msg("README row %s: state %s is %s there but %s by the engine", dos[op],
                             engine_vm_state_name(st), listed ? "listed" : "not listed",
                             engine_operation_allowed(op, st) ? "allowed" : "refused");
            }
        }
    }
    fclose(f);
    assert_int_equal(rows, ENGINE_OP_COUNT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_matches_hand_table),
        cmocka_unit_test(test_every_cell),
        cmocka_unit_test(test_rows_by_hand),
        cmocka_unit_test(test_disable_after_failover_keeps_running_copy),
        cmocka_unit_test(test_readme_table_is_the_engine_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
