/* tests/test_failover.c — failover against the fake platform: planned failover loses nothing,
 * unplanned failover loses exactly what was written after the point, an older point is reached by
 * reverting the replica (digest proof), a test failover leaves replication alone, a recovery plan's
 * RTO adds up by hand, and each rehearsal finding is produced.
 *
 * Setup (the fixture, see tests/support/scenario_fixture.h): sql-01 writes 2 MB/s in 64 KiB writes
 * to a 1 GiB disk, copied every 5 min over 200 Mbps, 4 additional hourly points, app-consistent
 * every 2 h. Initial replication ends within the first hour after protection at 30 min. */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "tests/support/engine_rig.h"
#include "tests/support/scenario_fixture.h"

#define MIN FIXTURE_MIN
#define HOUR FIXTURE_HOUR
#define SEC DRS_NS_PER_S

typedef engine_rig rig;

/* The fixture with small disks; web-01 protected too unless only_sql. */
static rig rig_new(bool only_sql)
{
    rig r = {0};
    r.sc = scenario_fixture_new();
    for (size_t v = 0; v < 2; v++)
        r.sc->vms[v].disks[0].used_bytes = UINT64_C(1) << 30;
    r.sc->vms[1].boot_time_ns = 45 * SEC;
    if (only_sql)
        r.sc->recovery.protect_count = 1;
    return r;
}

static void rig_start(rig *r)
{
    *r = engine_rig_start(r->sc);
}

static void rig_free(rig *r)
{
    engine_rig_free(r);
}

static drs_action action(drs_action_do what, int vm, int plan)
{
    drs_action a = drs_action_blank(what, 0);
    a.vm = vm;
    a.plan = plan;
    return a;
}

/* The primary site is lost at now: no more writes, and the engine is told (as sim/run/run.c does). */
static void lose_primary_site(rig *r)
{
    drs_action a = action(DRS_DO_SITE_DOWN, -1, -1);
    a.site = 0;
    engine_note_outage(r->e, &a);
    r->w->site_up[0] = false;
    r->w->vmm_online[0] = false;
    for (size_t v = 0; v < r->sc->vm_count; v++)
        r->w->pf.vm_set_running(r->w->pf.ctx, (int)v, 0, r->sc->vms[v].host, false);
}

/* The APPLIED record of vm's point captured at captured_ns. */
static const engine_rp_info *applied_point(const fake_world *w, int vm, int64_t captured_ns)
{
    for (size_t i = w->rp_count; i-- > 0;)
        if (w->rps[i].change == ENGINE_RP_APPLIED && w->rps[i].info.vm == vm &&
            w->rps[i].info.captured_ns == captured_ns)
            return &w->rps[i].info;
    return NULL;
}

/* Planned failover: the primary shuts down, its last changes are applied, nothing is lost and the
 * replica equals the primary as it was at shutdown. A wrong engine that skipped the final changes
 * would leave the replica behind (digests differ, bytes lost). */
static void test_planned_zero_loss(void **state)
{
    (void)state;
    rig r = rig_new(true);
    rig_start(&r);
    int64_t t = 6 * HOUR + 2 * MIN; /* mid-cycle: there are unsent changes */
    fake_run_until(r.w, t);
    fake_disk *d = &r.w->disks[0][0];
    assert_true(r.w->pf.log_bytes(r.w->pf.ctx, 0, 0) > 0);
    drs_action a = action(DRS_DO_PLANNED_FAILOVER, 0, -1);
    assert_true(engine_failover(r.e, &a) > 0);
    uint64_t written_at_shutdown = d->total_written;
    fake_run_until(r.w, t + HOUR);
    const fake_failover *f = fake_find_failover(r.w, ENGINE_FO_PLANNED, -1, 0, 0);
    assert_non_null(f);
    assert_true(f->info.succeeded);
    assert_int_equal(f->info.data_loss_ns, 0);
    assert_int_equal(f->info.data_loss_bytes, 0);
    assert_true(f->info.verified);
    assert_int_equal(d->replica_digest, d->digest);
    /* the primary got no writes after shutdown */
    assert_int_equal(d->total_written, written_at_shutdown);
    assert_true(r.w->replica_running[0]);
    /* RTO = final changes (about 0.5 MB over 25 MB/s plus 40 ms) + the 90 s boot */
    int64_t rto = f->info.ended_ns - f->info.started_ns;
    assert_true(rto >= 90 * SEC && rto < 95 * SEC);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_FAILED_OVER);
    const fake_job *j = fake_find_job(r.w, "Planned Failover", 0);
    assert_non_null(j);
    assert_int_equal(j->state, ENGINE_JOB_SUCCEEDED);
    rig_free(&r);
}

/* Unplanned from the given point after losing the primary at t_fail; returns the record. */
static const fake_failover *unplanned(rig *r, drs_rp_kind rp, int64_t t_fail, int64_t *latest_ns,
                                      uint64_t *written_at_fail)
{
    fake_run_until(r->w, t_fail);
    lose_primary_site(r);
    *written_at_fail = r->w->disks[0][0].total_written;
    fake_run_until(r->w, t_fail + 5 * MIN);
    assert_true(engine_vm_newest_applied(r->e, 0, latest_ns));
    drs_action a = action(DRS_DO_UNPLANNED_FAILOVER, 0, -1);
    a.rp = rp;
    assert_true(engine_failover(r->e, &a) > 0);
    fake_run_until(r->w, t_fail + 30 * MIN);
    return fake_find_failover(r->w, ENGINE_FO_UNPLANNED, -1, 0, 0);
}

/* Unplanned from latest: loss = failure time - capture of the newest applied point; bytes = what
 * the primary wrote in between (2 MB/s steady, whole 64 KiB writes: within one write either side).
 */
static void test_unplanned_latest(void **state)
{
    (void)state;
    rig r = rig_new(true);
    rig_start(&r);
    int64_t t_fail = 6 * HOUR + 2 * MIN, latest;
    uint64_t written;
    const fake_failover *f = unplanned(&r, DRS_RP_LATEST, t_fail, &latest, &written);
    assert_non_null(f);
    assert_true(f->info.succeeded);
    assert_int_equal(f->info.failure_ns, t_fail);
    assert_int_equal(f->info.rp_captured_ns, latest);
    assert_int_equal(f->info.data_loss_ns, t_fail - latest);
    double expect_bytes = 2e6 * (double)(t_fail - latest) / 1e9;
    assert_true(f->info.data_loss_bytes > 0);
    assert_true((double)f->info.data_loss_bytes > expect_bytes - 2 * 65536.0);
    assert_true((double)f->info.data_loss_bytes < expect_bytes + 2 * 65536.0);
    assert_true(f->info.verified);
    const engine_rp_info *p = applied_point(r.w, 0, latest);
    assert_non_null(p);
    assert_int_equal(r.w->disks[0][0].replica_digest, p->primary_digest);
    /* RTO of one VM = its boot */
    assert_int_equal(f->info.ended_ns - f->info.started_ns, 90 * SEC);
    rig_free(&r);
}

/* The capture instant of the newest app-consistent point applied by t (-1: none). */
static int64_t newest_app_consistent(const fake_world *w, int64_t t)
{
    int64_t app = -1;
    for (size_t i = 0; i < w->rp_count; i++)
        if (w->rps[i].change == ENGINE_RP_APPLIED &&
            w->rps[i].info.kind == ENGINE_RP_APP_CONSISTENT && w->rps[i].at_ns <= t)
            app = w->rps[i].info.captured_ns;
    return app;
}

/* The failover succeeded from the point captured at `captured` and the replica holds its digest. */
static void assert_recovered_point(const rig *r, const fake_failover *f, int64_t captured)
{
    assert_non_null(f);
    assert_true(f->info.succeeded);
    assert_true(f->info.verified);
    assert_int_equal(f->info.rp_captured_ns, captured);
    const engine_rp_info *p = applied_point(r->w, 0, captured);
    assert_non_null(p);
    assert_int_equal(r->w->disks[0][0].replica_digest, p->primary_digest);
}

/* From the latest app-consistent point the replica is reverted to an hourly point: the loss grows
 * by exactly (capture of latest - capture of that point), and the replica digest is the point's. */
static void test_unplanned_app_consistent(void **state)
{
    (void)state;
    rig r = rig_new(true);
    rig_start(&r);
    int64_t t_fail = 6 * HOUR + 2 * MIN, latest;
    uint64_t written;
    /* the newest app-consistent point applied before the failure */
    const fake_failover *f = unplanned(&r, DRS_RP_LATEST_APP_CONSISTENT, t_fail, &latest, &written);
    int64_t app = newest_app_consistent(r.w, t_fail);
    assert_true(app > 0 && app < latest - HOUR);
    assert_recovered_point(&r, f, app);
    assert_int_equal(f->info.data_loss_ns, (t_fail - latest) + (latest - app));
    double expect_bytes = 2e6 * (double)(t_fail - app) / 1e9;
    assert_true((double)f->info.data_loss_bytes > expect_bytes - 2 * 65536.0);
    assert_true((double)f->info.data_loss_bytes < expect_bytes + 2 * 65536.0);
    /* commit: the other points are merged away, no undo record is left */
    drs_action c = action(DRS_DO_COMMIT, 0, -1);
    engine_failover(r.e, &c);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_FAILOVER_COMMITTED);
    assert_int_equal(engine_vm_retained_points(r.e, 0), 0);
    assert_int_equal(engine_vm_undo_records(r.e, 0), 0);
    assert_int_equal(r.w->undo_live, 0);
    /* a second commit is a transition the state does not allow */
    engine_failover(r.e, &c);
    assert_true(fake_has_finding(r.w, "Commit: sql-01 is failover_committed: commit needs it failed over, not committed"));
    rig_free(&r);
}

/* Undo records stay bounded by the retention: 4 hourly points + the hour in progress at one record
 * per 5-minute cycle, and the platform holds exactly the handles the engine keeps. */
static void test_undo_bounded(void **state)
{
    (void)state;
    rig r = rig_new(true);
    rig_start(&r);
    fake_run_until(r.w, 12 * HOUR);
    size_t n = engine_vm_undo_records(r.e, 0);
    assert_true(n > 0);
    assert_true(n <= 5 * 12 + 2);
    assert_int_equal(r.w->undo_live, n);
    rig_free(&r);
}

/* A day and more of applies moves the journal's records down in its array several times (its
 * oldest let go from the front, new ones added at the end); a revert to an app-consistent point
 * after that still finds every record it needs: the replica ends on the point's digest. */
static void test_undo_revert_after_a_day(void **state)
{
    (void)state;
    rig r = rig_new(true);
    rig_start(&r);
    int64_t t_fail = 30 * HOUR + 2 * MIN, latest;
    uint64_t written;
    const fake_failover *f = unplanned(&r, DRS_RP_LATEST_APP_CONSISTENT, t_fail, &latest, &written);
    int64_t app = newest_app_consistent(r.w, t_fail);
    assert_true(app > 24 * HOUR && app < latest);
    assert_recovered_point(&r, f, app);
    assert_int_equal(r.w->undo_live, engine_vm_undo_records(r.e, 0));
    rig_free(&r);
}

/* A test failover (with cleanup) leaves replication exactly as a run without it: same RPO
 * breakpoints, same cycles. */
static void test_test_failover_undisturbed(void **state)
{
    (void)state;
    rig a = rig_new(true), b = rig_new(true);
    rig_start(&a);
    rig_start(&b);
    fake_run_until(a.w, 3 * HOUR);
    fake_run_until(b.w, 3 * HOUR);
    drs_action t = action(DRS_DO_TEST_FAILOVER, 0, -1);
    t.cleanup_after_ns = HOUR;
    assert_true(engine_failover(b.e, &t) > 0);
    fake_run_until(a.w, 8 * HOUR);
    fake_run_until(b.w, 8 * HOUR);
    assert_int_equal(a.w->rpo_count, b.w->rpo_count);
    for (size_t i = 0; i < a.w->rpo_count; i++) {
        assert_int_equal(a.w->rpo[i].at_ns, b.w->rpo[i].at_ns);
        assert_int_equal(a.w->rpo[i].captured_ns, b.w->rpo[i].captured_ns);
    }
    assert_int_equal(a.w->cycle_count, b.w->cycle_count);
    const fake_failover *f = fake_find_failover(b.w, ENGINE_FO_TEST, -1, 0, 0);
    assert_non_null(f);
    assert_true(f->info.succeeded && f->info.verified);
    assert_int_equal(f->info.ended_ns - f->info.started_ns, 90 * SEC);
    const fake_job *c = fake_find_job(b.w, "Cleanup Test Failover", 0);
    assert_non_null(c);
    assert_int_equal(c->started_ns, 3 * HOUR + HOUR);
    assert_false(engine_vm_test_failover_active(b.e, 0));
    assert_int_equal(engine_vm_state_of(b.e, 0), ENGINE_VM_REPLICATING);
    rig_free(&a);
    rig_free(&b);
}

/* Recovery plan: group 1 = {sql-01 (boot 90 s), web-01 (boot 45 s)} then a 2 min script; group 2 =
 * no VM, a 1 min action before and a 10 min one after. RTO by hand = (90 s + 2 min) + (1 min +
 * 10 min) = 14 min 30 s: the slowest boot of a group counts, not the sum. */
static void test_plan_rto(void **state)
{
    (void)state;
    rig r = rig_new(false);
    drs_recovery_plan *p = &r.sc->recovery.plans[0];
    p->groups[0].vms = realloc(p->groups[0].vms, 2 * sizeof(int));
    p->groups[0].vms[1] = 1;
    p->groups[0].vm_count = 2;
    p->groups[1].vm_count = 0;
    p->groups[1].before = calloc(1, sizeof(drs_plan_action));
    p->groups[1].before[0] =
        (drs_plan_action){DRS_ACTION_MANUAL, scenario_fixture_strdup("x"), MIN, DRS_SCRIPT_SUCCEEDS};
    p->groups[1].before_count = 1;
    p->groups[1].after = calloc(1, sizeof(drs_plan_action));
    p->groups[1].after[0] =
        (drs_plan_action){DRS_ACTION_MANUAL, scenario_fixture_strdup("y"), 10 * MIN,
                           DRS_SCRIPT_SUCCEEDS};
    p->groups[1].after_count = 1;
    rig_start(&r);
    fake_run_until(r.w, 6 * HOUR);
    drs_action a = action(DRS_DO_UNPLANNED_FAILOVER, -1, 0);
    engine_failover(r.e, &a);
    fake_run_until(r.w, 7 * HOUR);
    const fake_failover *f = fake_find_failover(r.w, ENGINE_FO_UNPLANNED, 0, -1, 0);
    assert_non_null(f);
    assert_true(f->info.succeeded);
    assert_true(f->info.verified);
    assert_int_equal(f->info.ended_ns - f->info.started_ns, 14 * MIN + 30 * SEC);
    const fake_failover *web = fake_find_failover(r.w, ENGINE_FO_UNPLANNED, 0, 1, 0);
    assert_non_null(web);
    assert_int_equal(web->info.ended_ns - web->info.started_ns, 45 * SEC);
    /* the plan's loss is its worst VM's */
    const fake_failover *sql = fake_find_failover(r.w, ENGINE_FO_UNPLANNED, 0, 0, 0);
    assert_non_null(sql);
    int64_t worst = sql->info.data_loss_ns > web->info.data_loss_ns ? sql->info.data_loss_ns
                                                                    : web->info.data_loss_ns;
    assert_int_equal(f->info.data_loss_ns, worst);
    rig_free(&r);
}

/* Findings: each rehearsal problem gives a failover_finding with its text, and a refused job. */
static void test_findings(void **state)
{
    (void)state;
    rig r = rig_new(true);
    r.sc->recovery.network_mapping_count = 0; /* corp-sea is not mapped (rule 11 warning) */
    rig_start(&r);
    /* no recovery point yet: initial replication (protection at 30 min) is still running */
    fake_run_until(r.w, 30 * MIN + SEC);
    drs_action u = action(DRS_DO_UNPLANNED_FAILOVER, 0, -1);
    engine_failover(r.e, &u);
    assert_true(fake_has_finding(
        r.w, "sql-01 has no recovery point yet: Enable Protection (job 5) is still in progress"));
    const fake_job *j = fake_find_job(r.w, "Unplanned Failover", 0);
    assert_int_equal(j->state, ENGINE_JOB_FAILED);
    /* not protected */
    drs_action t = action(DRS_DO_TEST_FAILOVER, 1, -1);
    engine_failover(r.e, &t);
    assert_true(fake_has_finding(r.w, "web-01 is not protected"));
    fake_run_until(r.w, 4 * HOUR);
    /* VMM server offline: the job fails and nothing is touched */
    r.w->vmm_online[1] = false;
    engine_failover(r.e, &u);
    assert_true(fake_has_finding(r.w, "VMM server vmm-dub cannot reach the vault"));
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REPLICATING);
    r.w->vmm_online[1] = true;
    /* planned failover with the link down is refused */
    fake_link_updown(r.w, false);
    drs_action pl = action(DRS_DO_PLANNED_FAILOVER, 0, -1);
    engine_failover(r.e, &pl);
    assert_true(fake_has_finding(r.w, "cannot reach the replica"));
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REPLICATING);
    fake_link_updown(r.w, true);
    /* replica storage missing: the replica host is down (its VMM server still answers) */
    r.w->host_up[1][0] = false;
    engine_failover(r.e, &t);
    drs_action t0 = action(DRS_DO_TEST_FAILOVER, 0, -1);
    engine_failover(r.e, &t0);
    assert_true(fake_has_finding(r.w, "replica storage of sql-01 is missing"));
    r.w->host_up[1][0] = true;
    /* unmapped network: the VM fails over but comes up disconnected */
    fake_run_until(r.w, 5 * HOUR);
    engine_failover(r.e, &u);
    fake_run_until(r.w, 6 * HOUR);
    assert_true(fake_has_finding(r.w, "network corp-sea of sql-01 is not mapped"));
    const fake_failover *f = fake_find_failover(r.w, ENGINE_FO_UNPLANNED, -1, 0, 2);
    assert_non_null(f);
    assert_true(f->info.succeeded);
    assert_non_null(strstr(f->info.detail, "comes up disconnected"));
    /* cancel: back to replica, replication resumes after a resynchronization */
    drs_action c = action(DRS_DO_CANCEL_FAILOVER, 0, -1);
    engine_failover(r.e, &c);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_RESYNC_REQUIRED);
    fake_run_until(r.w, 8 * HOUR);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REPLICATING);
    assert_false(r.w->replica_running[0]);
    rig_free(&r);
}

/* The resync (or reverse resync) payload applied first at or after t: the cycle record of it. */
static const engine_cycle_info *first_cycle_sent_after(const fake_world *w, int64_t t)
{
    for (size_t i = 0; i < w->cycle_count; i++)
        if (w->cycles[i].sent_ns >= t)
            return &w->cycles[i];
    return NULL;
}

/* One 64 KiB write a second: each write stamps the next 1 MiB extent of the 1 GiB disk (round
 * robin over 1024), so n writes in a row touch exactly n distinct extents while n <= 1024. */
#define SLOW_BPS 65536.0
#define EXTENT (UINT64_C(1) << 20)
#define WRITE 65536

/* Until reverse replication: the primary idles so that the newest point holds every write, then
 * writes L extents the replica never gets (link down) and is lost; the VM fails over from latest
 * and, running at the recovery site, writes R more extents. Returns the failover record. */
static const fake_failover *diverge(rig *r, uint64_t *lost_bytes, uint64_t *remote_bytes)
{
    fake_disk *d = &r->w->disks[0][0];
    r->w->replica_writes = true;
    fake_run_until(r->w, 6 * HOUR);
    fake_disk_set_rate(r->w, 0, 0, 0.0);
    fake_run_until(r->w, 6 * HOUR + 15 * MIN); /* two cycles: every write reached the replica */
    uint64_t w0 = d->total_written;
    int64_t p_ns;
    assert_true(engine_vm_newest_applied(r->e, 0, &p_ns));
    assert_true(p_ns >= 6 * HOUR);
    fake_link_updown(r->w, false); /* from now on nothing reaches the replica */
    fake_disk_set_rate(r->w, 0, 0, SLOW_BPS);
    fake_run_until(r->w, 6 * HOUR + 20 * MIN);
    lose_primary_site(r);
    *lost_bytes = d->total_written - w0;
    fake_link_updown(r->w, true);
    drs_action u = action(DRS_DO_UNPLANNED_FAILOVER, 0, -1);
    assert_true(engine_failover(r->e, &u) > 0);
    /* boots 90 s, then writes at the recovery site for 5 min */
    fake_run_until(r->w, 6 * HOUR + 20 * MIN + 90 * SEC + 5 * MIN);
    fake_disk_set_rate(r->w, 0, 0, 0.0);
    *remote_bytes = d->remote_written;
    const fake_failover *f = fake_find_failover(r->w, ENGINE_FO_UNPLANNED, -1, 0, 0);
    assert_non_null(f);
    assert_true(f->info.succeeded && f->info.verified);
    assert_int_equal(f->info.rp_captured_ns, p_ns);
    assert_int_equal(f->info.data_loss_bytes, *lost_bytes);
    /* the old primary site comes back with the writes the failover lost */
    r->w->site_up[0] = true;
    r->w->vmm_online[0] = true;
    drs_action up = action(DRS_DO_SITE_UP, -1, -1);
    up.site = 0;
    engine_note_outage(r->e, &up);
    return f;
}

/* The failback round trip: unplanned failover (losing L extents of writes), reverse replication
 * from the recovered VM, delta cycles back to the original site, failback. By hand: the reverse
 * resync sends exactly the extents the two copies disagree on — the L lost at the old primary and
 * the R written at the recovery site, (L + R) x 1 MiB — from site 1 to site 0; then 5-minute
 * cycles run 1 -> 0 with the workload writing at the recovery site; the failback ships the last
 * changes, starts the VM at its own site with zero loss, and the original copy ends equal to the
 * recovery copy as it was at shutdown (every write), digest verified. A resync sending everything,
 * cycles left going the old way, or a failback that does not ship the last changes all fail. */
static void test_failback_round_trip(void **state)
{
    (void)state;
    rig r = rig_new(true);
    rig_start(&r);
    fake_disk *d = &r.w->disks[0][0];
    uint64_t lost, remote;
    diverge(&r, &lost, &remote);
    uint64_t l_ext = lost / WRITE, r_ext = remote / WRITE;
    assert_int_equal(l_ext, 300); /* 5 min at one write a second */
    assert_true(r_ext >= 299 && r_ext <= 300);
    assert_true(l_ext + r_ext <= 1024);
    uint64_t own_written = d->total_written;

    int64_t t_rev = 6 * HOUR + 30 * MIN;
    fake_run_until(r.w, t_rev);
    uint64_t from0 = r.w->sent_from[0], from1 = r.w->sent_from[1];
    drs_action rev = action(DRS_DO_REVERSE_REPLICATION, 0, -1);
    assert_true(engine_failover(r.e, &rev) > 0);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REVERSE_REPLICATING);
    fake_run_until(r.w, t_rev + 10 * MIN);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REVERSED);
    const fake_job *j = fake_find_job(r.w, "Reverse Replication", 0);
    assert_non_null(j);
    assert_int_equal(j->state, ENGINE_JOB_SUCCEEDED);
    const engine_cycle_info *rs = first_cycle_sent_after(r.w, t_rev);
    assert_non_null(rs);
    assert_int_equal(rs->raw_bytes, (l_ext + r_ext) * EXTENT);
    double ratio = engine_compression_ratio(0.5);
    assert_int_equal(rs->wire_bytes, (uint64_t)ceil((double)rs->raw_bytes / ratio));
    assert_int_equal(r.w->sent_from[1] - from1, rs->wire_bytes); /* and only that, back to 0 */
    assert_int_equal(r.w->sent_from[0], from0);
    /* the two copies are equal now: version (recovery copy) vs replica (original copy) */
    assert_true(d->reversed);
    assert_int_equal(d->replica_digest, d->digest);

    /* Reverse delta cycles: the workload writes at the recovery site, every 5 min a cycle goes
     * 1 -> 0 and its point is applied at the original site. */
    int64_t t_w = t_rev + 10 * MIN;
    fake_disk_set_rate(r.w, 0, 0, 2e6);
    size_t cycles_before = r.w->cycle_count;
    fake_run_until(r.w, t_w + HOUR);
    size_t n = r.w->cycle_count - cycles_before;
    assert_true(n >= 11 && n <= 13);
    for (size_t i = cycles_before + 1; i < r.w->cycle_count; i++)
        assert_int_equal(r.w->cycles[i].captured_ns - r.w->cycles[i - 1].captured_ns, 5 * MIN);
    assert_int_equal(r.w->sent_from[0], from0);
    assert_true(r.w->sent_from[1] - from1 > rs->wire_bytes + 100 * 1000 * 1000);
    double max_ns, mean_ns;
    assert_true(fake_rpo_stats(r.w, 0, t_w + 10 * MIN, t_w + HOUR, &max_ns, &mean_ns));
    assert_true(max_ns >= (double)(5 * MIN) && max_ns <= (double)(5 * MIN + 20 * SEC));
    assert_int_equal(engine_vm_health(r.e, 0), ENGINE_HEALTH_NORMAL);
    assert_int_equal(r.w->digest_mismatches, 0);
    assert_int_equal(d->total_written, own_written); /* the VM's own site wrote nothing */

    /* Failback: the recovery-site VM shuts down now; its copy is final. */
    int64_t t_fb = t_w + HOUR + 2 * MIN; /* mid-cycle: there are unsent changes */
    fake_run_until(r.w, t_fb);
    uint64_t last = r.w->pf.log_bytes(r.w->pf.ctx, 0, 0);
    assert_true(last > 0);
    drs_action fb = action(DRS_DO_FAILBACK, 0, -1);
    assert_true(engine_failover(r.e, &fb) > 0);
    uint64_t final_digest = d->digest, remote_at_stop = d->remote_written;
    fake_run_until(r.w, t_fb + 30 * SEC);              /* last changes applied, VM still booting */
    assert_int_equal(d->replica_digest, final_digest); /* the original copy holds every write */
    fake_run_until(r.w, t_fb + HOUR);
    const fake_failover *b = fake_find_failover(r.w, ENGINE_FO_FAILBACK, -1, 0, 0);
    assert_non_null(b);
    assert_true(b->info.succeeded);
    assert_true(b->info.verified);
    assert_int_equal(b->info.data_loss_ns, 0);
    assert_int_equal(b->info.data_loss_bytes, 0);
    /* RTO by hand = the last changes (compressed, over 25 MB/s after 40 ms, written at 800 MB/s)
     * + the 90 s boot */
    double rto_s = (double)(b->info.ended_ns - b->info.started_ns) / 1e9;
    double expect_s = 90.0 + 0.040 + ceil((double)last / ratio) / 25e6 + (double)last / 800e6;
    assert_true(fabs(rto_s - expect_s) < 0.001);
    /* back home, protected toward the recovery site again */
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REPLICATING);
    assert_false(d->reversed);
    assert_false(d->stopped);
    assert_false(r.w->replica_running[0]);
    assert_int_equal(d->remote_written, remote_at_stop);
    assert_true(d->total_written > own_written + 1000 * WRITE);
    assert_true(r.w->sent_from[0] > from0);
    assert_int_equal(r.w->digest_mismatches, 0);
    assert_true(engine_vm_newest_applied(r.e, 0, &t_w));
    assert_true(t_w > b->info.ended_ns);
    rig_free(&r);
}

/* `verified` comes from the content: an original copy that no longer matches what was sent to it
 * (one stray extent, as a silent corruption would leave) makes the failback unverified, with a
 * digest mismatch. An engine that set verified without comparing digests passes the round trip but
 * not this. */
static void test_failback_unverified_when_copies_differ(void **state)
{
    (void)state;
    rig r = rig_new(true);
    rig_start(&r);
    uint64_t lost, remote;
    diverge(&r, &lost, &remote);
    fake_run_until(r.w, 6 * HOUR + 30 * MIN);
    drs_action rev = action(DRS_DO_REVERSE_REPLICATION, 0, -1);
    engine_failover(r.e, &rev);
    fake_run_until(r.w, 6 * HOUR + 45 * MIN);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REVERSED);
    drs_extent_version stray = {.extent = 1000, .version = UINT64_C(1) << 40};
    drs_delta bad = {.extents = &stray, .extent_count = 1};
    r.w->pf.replica_apply(r.w->pf.ctx, 0, 0, &bad, NULL); /* the original copy changes alone */
    drs_action fb = action(DRS_DO_FAILBACK, 0, -1);
    engine_failover(r.e, &fb);
    fake_run_until(r.w, 7 * HOUR + 30 * MIN);
    const fake_failover *b = fake_find_failover(r.w, ENGINE_FO_FAILBACK, -1, 0, 0);
    assert_non_null(b);
    assert_false(b->info.verified);
    assert_true(fake_count_events(r.w, ENGINE_EV_DIGEST_MISMATCH, 0) > 0);
    rig_free(&r);
}

/* Reverse replication toward an old primary whose data is gone sends the whole used size (a full
 * copy), not just the extents ever written. */
static void test_reverse_to_lost_copy(void **state)
{
    (void)state;
    rig r = rig_new(true);
    rig_start(&r);
    uint64_t lost, remote;
    diverge(&r, &lost, &remote);
    fake_disk *d = &r.w->disks[0][0];
    memset(d->version, 0, d->extents * sizeof *d->version); /* the old primary's disks are lost */
    d->digest = 0;
    int64_t t_rev = 6 * HOUR + 30 * MIN;
    fake_run_until(r.w, t_rev);
    drs_action rev = action(DRS_DO_REVERSE_REPLICATION, 0, -1);
    engine_failover(r.e, &rev);
    fake_run_until(r.w, t_rev + 20 * MIN);
    const engine_cycle_info *rs = first_cycle_sent_after(r.w, t_rev);
    assert_non_null(rs);
    assert_int_equal(rs->raw_bytes, UINT64_C(1) << 30);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REVERSED);
    assert_int_equal(d->replica_digest, d->digest);
    rig_free(&r);
}

/* The copy frequency follows the hosts that replicate: with a 2012 host at Dublin, 30 s is not
 * available in either direction (rule 4 applies to the replica host too): 5 min back, and 5 min
 * again forward after the failback. */
static void test_reverse_copy_frequency_follows_host(void **state)
{
    (void)state;
    rig r = rig_new(true);
    r.sc->recovery.cloud_pairs[0].settings.copy_frequency_ns = 30 * SEC;
    r.sc->sites[1].hosts[0].os = DRS_OS_2012;
    rig_start(&r);
    uint64_t lost, remote;
    diverge(&r, &lost, &remote);
    fake_run_until(r.w, 6 * HOUR + 30 * MIN);
    drs_action rev = action(DRS_DO_REVERSE_REPLICATION, 0, -1);
    engine_failover(r.e, &rev);
    fake_disk_set_rate(r.w, 0, 0, SLOW_BPS);
    fake_run_until(r.w, 6 * HOUR + 40 * MIN);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REVERSED);
    assert_int_equal(engine_vm_interval_ns(r.e, 0), 5 * MIN);
    size_t c0 = r.w->cycle_count;
    fake_run_until(r.w, 7 * HOUR + 40 * MIN);
    assert_true(r.w->cycle_count - c0 >= 11);
    for (size_t i = c0 + 1; i < r.w->cycle_count; i++)
        assert_int_equal(r.w->cycles[i].captured_ns - r.w->cycles[i - 1].captured_ns, 5 * MIN);
    drs_action fb = action(DRS_DO_FAILBACK, 0, -1);
    engine_failover(r.e, &fb);
    fake_run_until(r.w, 7 * HOUR + 45 * MIN);
    assert_int_equal(engine_vm_interval_ns(r.e, 0), 5 * MIN);
    c0 = r.w->cycle_count;
    fake_run_until(r.w, 9 * HOUR);
    assert_true(r.w->cycle_count - c0 >= 12);
    for (size_t i = c0 + 1; i < r.w->cycle_count; i++)
        assert_int_equal(r.w->cycles[i].captured_ns - r.w->cycles[i - 1].captured_ns, 5 * MIN);
    rig_free(&r);
}

/* Reverse replication needs the old primary, and a failback needs reverse replication done. */
static void test_reverse_and_failback_refusals(void **state)
{
    (void)state;
    rig r = rig_new(true);
    rig_start(&r);
    int64_t latest;
    uint64_t written;
    const fake_failover *f = unplanned(&r, DRS_RP_LATEST, 6 * HOUR, &latest, &written);
    assert_non_null(f);
    drs_action rev = action(DRS_DO_REVERSE_REPLICATION, 0, -1);
    engine_failover(r.e, &rev); /* the old primary site is down */
    assert_true(fake_has_finding(r.w, "the old primary of sql-01 (site seattle) is down"));
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_FAILED_OVER);
    r.w->site_up[0] = true;
    r.w->vmm_online[0] = true;
    drs_action fb = action(DRS_DO_FAILBACK, 0, -1);
    engine_failover(r.e, &fb);
    assert_true(fake_has_finding(
        r.w, "sql-01 is failed_over: failback needs reverse replication completed"));
    engine_failover(r.e, &rev);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REVERSE_REPLICATING);
    engine_failover(r.e, &fb); /* still resynchronizing */
    const fake_failover *b = fake_find_failover(r.w, ENGINE_FO_FAILBACK, -1, 0, 1);
    assert_non_null(b);
    assert_false(b->info.succeeded);
    drs_action pl = action(DRS_DO_PLANNED_FAILOVER, 0, -1);
    fake_run_until(r.w, 8 * HOUR);
    engine_failover(r.e, &pl);
    assert_true(fake_has_finding(r.w, "returns to its own site with a failback"));
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_REVERSED);
    /* protection disabled while reversed cannot be enabled again from the recovery site */
    engine_unprotect(r.e, 0);
    assert_int_equal(engine_vm_state_of(r.e, 0), ENGINE_VM_NOT_PROTECTED);
    engine_protect(r.e, 0);
    const fake_job *last = &r.w->jobs[r.w->job_count - 1];
    assert_string_equal(last->name, "Enable Protection");
    assert_int_equal(last->state, ENGINE_JOB_FAILED);
    assert_non_null(strstr(last->reason, "runs at the recovery site"));
    rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_planned_zero_loss),
        cmocka_unit_test(test_unplanned_latest),
        cmocka_unit_test(test_unplanned_app_consistent),
        cmocka_unit_test(test_undo_bounded),
        cmocka_unit_test(test_undo_revert_after_a_day),
        cmocka_unit_test(test_test_failover_undisturbed),
        cmocka_unit_test(test_plan_rto),
        cmocka_unit_test(test_findings),
        cmocka_unit_test(test_failback_round_trip),
        cmocka_unit_test(test_failback_unverified_when_copies_differ),
        cmocka_unit_test(test_reverse_to_lost_copy),
        cmocka_unit_test(test_reverse_copy_frequency_follows_host),
        cmocka_unit_test(test_reverse_and_failback_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
