/* reports/load.c — a stored run read back from the results database into results, so that
 * `drsim report` shows the very summary, JUnit and HTML `drsim run` showed; and the list of runs.
 *
 * Everything the outputs read is stored exactly (integers, doubles as 8-byte reals, the RPO
 * breakpoints packed), and what the run derived at its end (link utilization, the failover each
 * finding belongs to) is derived again by the same code, so nothing is approximated. The file is
 * opened read-only: looking at results never changes them. */
#include "reports_internal.h"
#include "engine/shared/alloc.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct loader {
    sqlite3 *h;
    const char *path;
    int64_t run;
    drs_error *err;
    bool failed;
} loader;

static bool ld_fail(loader *ld, const char *what)
{
    if (!ld->failed)
        drs_fail(ld->err, DRS_EINPUT, "", "%s: %s%s%s", ld->path, what, ld->h ? ": " : "",
                 ld->h ? sqlite3_errmsg(ld->h) : "");
    ld->failed = true;
    return false;
}

/* A statement about the run (?1), or NULL after a failure. */
static sqlite3_stmt *ld_query(loader *ld, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (ld->failed)
        return NULL;
    if (sqlite3_prepare_v2(ld->h, sql, -1, &s, NULL) != SQLITE_OK) {
        ld_fail(ld, "cannot read the results database");
        return NULL;
    }
    sqlite3_bind_int64(s, 1, ld->run);
    return s;
}

/* Steps s: true on a row, false at the end or on a failure (then finalized either way). */
static bool ld_row(loader *ld, sqlite3_stmt **s)
{
    if (!*s)
        return false;
    int rc = sqlite3_step(*s);
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        ld_fail(ld, "cannot read the results database");
    sqlite3_finalize(*s);
    *s = NULL;
    return false;
}

static int64_t ld_count(loader *ld, const char *sql)
{
    sqlite3_stmt *s = ld_query(ld, sql);
    int64_t n = ld_row(ld, &s) ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return n;
}

static const char *col_text(sqlite3_stmt *s, int c)
{
    const char *t = (const char *)sqlite3_column_text(s, c);
    return t ? t : "";
}

/* A time column: NULL is -1 (absent). */
static int64_t col_time(sqlite3_stmt *s, int c)
{
    return sqlite3_column_type(s, c) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, c);
}

static uint64_t col_u64(sqlite3_stmt *s, int c)
{
    return (uint64_t)sqlite3_column_int64(s, c);
}

/* Opens path read-only and checks it is a results database this build understands. */
static bool ld_open(loader *ld, const char *path, drs_error *err)
{
    memset(ld, 0, sizeof *ld);
    ld->path = path;
    ld->err = err;
    struct stat st;
    if (stat(path, &st) != 0) {
        drs_fail(err, DRS_EINPUT, "", "%s: no such results database", path);
        return false;
    }
    if (sqlite3_open_v2(path, &ld->h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return ld_fail(ld, "cannot open the results database");
    sqlite3_busy_timeout(ld->h, 10000);
    sqlite3_stmt *s = NULL;
    int format = -1;
    bool runs = false;
    if (sqlite3_prepare_v2(ld->h, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        format = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    s = NULL;
    if (format >= 0 &&
        sqlite3_prepare_v2(ld->h,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'", -1,
                           &s, NULL) == SQLITE_OK)
        runs = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    if (format < 0 || !runs) {
        drs_fail(err, DRS_EINPUT, "", "%s: not a drsim results database", path);
        ld->failed = true;
        return false;
    }
    if (format != REPORT_DB_SCHEMA_VERSION) {
        drs_fail(err, DRS_EINPUT, "", "%s: results database format %d, this drsim reads format %d",
                 path, format, REPORT_DB_SCHEMA_VERSION);
        ld->failed = true;
        return false;
    }
    return true;
}

static void ld_close(loader *ld)
{
    sqlite3_close(ld->h);
}

#define RUN_COLUMNS                                                                                \
    "SELECT id, scenario, seed, drsim_version, started, coalesce(ended, ''), status,"              \
    " coalesce(exit_code, -1), end_ns,"                                                            \
    " (SELECT count(*) FROM expectations e WHERE e.run = runs.id AND e.pass),"                     \
    " (SELECT count(*) FROM expectations e WHERE e.run = runs.id AND NOT e.pass) FROM runs"

static void run_row(sqlite3_stmt *s, report_run_row *out)
{
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(s, 0);
    snprintf(out->scenario, sizeof out->scenario, "%s", col_text(s, 1));
    out->seed = col_u64(s, 2);
    snprintf(out->drsim_version, sizeof out->drsim_version, "%s", col_text(s, 3));
    snprintf(out->started, sizeof out->started, "%s", col_text(s, 4));
    snprintf(out->ended, sizeof out->ended, "%s", col_text(s, 5));
    snprintf(out->status, sizeof out->status, "%s", col_text(s, 6));
    out->exit_code = sqlite3_column_int(s, 7);
    out->expect_passed = (size_t)sqlite3_column_int64(s, 9);
    out->expect_failed = (size_t)sqlite3_column_int64(s, 10);
}

bool report_db_list_runs(const char *path, report_run_row **rows, size_t *n, drs_error *err)
{
    *rows = NULL;
    *n = 0;
    loader ld;
    if (!ld_open(&ld, path, err)) {
        ld_close(&ld);
        return false;
    }
    size_t cap = 0;
    sqlite3_stmt *s = ld_query(&ld, RUN_COLUMNS " ORDER BY id");
    while (ld_row(&ld, &s)) {
        DRS_GROW(*rows, cap, *n + 1);
        run_row(s, &(*rows)[(*n)++]);
    }
    ld_close(&ld);
    if (ld.failed) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return !ld.failed;
}

/* ---- the run's parts ------------------------------------------------------------------------- */

/* VM names to indices: sorted once, searched per row. */
typedef struct name_ix {
    const char *name;
    int index;
} name_ix;

static int name_ix_cmp(const void *a, const void *b)
{
    return strcmp(((const name_ix *)a)->name, ((const name_ix *)b)->name);
}

static int name_find(const name_ix *ix, size_t n, const char *name)
{
    if (!name || !n)
        return -1;
    name_ix key = {name, -1};
    const name_ix *hit = bsearch(&key, ix, n, sizeof *ix, name_ix_cmp);
    return hit ? hit->index : -1;
}

static engine_health health_of(const char *name)
{
    for (int h = ENGINE_HEALTH_NONE; h <= ENGINE_HEALTH_CRITICAL; h++)
        if (!strcmp(engine_health_name((engine_health)h), name))
            return (engine_health)h;
    return ENGINE_HEALTH_NONE;
}

static engine_job_state job_state_of(const char *name)
{
    for (int k = ENGINE_JOB_IN_PROGRESS; k <= ENGINE_JOB_CANCELLED; k++)
        if (!strcmp(engine_job_state_name((engine_job_state)k), name))
            return (engine_job_state)k;
    return ENGINE_JOB_IN_PROGRESS;
}

static void load_vms(loader *ld, report_results *r)
{
    sqlite3_stmt *s = ld_query(ld, "SELECT * FROM vms WHERE run = ?1 ORDER BY idx");
    while (ld_row(ld, &s)) {
        int64_t i = sqlite3_column_int64(s, 1);
        if (i < 0 || (size_t)i >= r->vm_count)
            continue;
        report_vm_stats *v = &r->vms[i];
        int c = 2;
        v->name = drs_xstrdup(col_text(s, c++));
        v->link = (int)col_time(s, c++);
        uint64_t *a[] = {&v->raw_bytes,        &v->wire_bytes,   &v->cycle_raw_bytes,
                         &v->cycle_wire_bytes, &v->ir_raw_bytes, &v->ir_wire_bytes};
        for (size_t k = 0; k < sizeof a / sizeof a[0]; k++)
            *a[k] = col_u64(s, c++);
        v->cpu_seconds = sqlite3_column_double(s, c++);
        snprintf(v->ir_method, sizeof v->ir_method, "%s", col_text(s, c++));
        v->ir_requested_ns = col_time(s, c++);
        v->ir_start_ns = col_time(s, c++);
        v->ir_end_ns = col_time(s, c++);
        uint64_t *b[] = {
            &v->cycles_completed, &v->cycles_missed,     &v->resyncs_required,
            &v->resyncs_started,  &v->resyncs_completed, &v->rp_created,
            &v->rp_applied,       &v->rp_pruned,         &v->rp_app_consistent_created};
        for (size_t k = 0; k < sizeof b / sizeof b[0]; k++)
            *b[k] = col_u64(s, c++);
        v->rp_additional_now = (uint32_t)col_u64(s, c++);
        v->rp_additional_max = (uint32_t)col_u64(s, c++);
        v->rp_app_consistent_now = (uint32_t)col_u64(s, c++);
        v->rp_latest_now = sqlite3_column_int(s, c++) != 0;
        v->rp_newest_applied_capture_ns = col_time(s, c++);
        v->replica_storage_bytes = col_u64(s, c++);
        v->replica_storage_peak_bytes = col_u64(s, c++);
        v->health = health_of(col_text(s, c++));
        v->worst_health = health_of(col_text(s, c++));
        for (int h = 0; h < 4; h++)
            v->health_first_ns[h] = col_time(s, c++);
    }
    for (size_t i = 0; i < r->vm_count; i++)
        if (!r->vms[i].name) /* a row the file lacks: keep the results whole */
            r->vms[i].name = drs_xstrdup("");
}

static void load_subjects(loader *ld, report_results *r)
{
    sqlite3_stmt *s = ld_query(ld, "SELECT idx, name, raw_bytes, wire_bytes FROM links"
                                   " WHERE run = ?1 ORDER BY idx");
    while (ld_row(ld, &s)) {
        int64_t i = sqlite3_column_int64(s, 0);
        if (i < 0 || (size_t)i >= r->link_count)
            continue;
        r->links[i].name = drs_xstrdup(col_text(s, 1));
        r->links[i].raw_bytes = col_u64(s, 2);
        r->links[i].wire_bytes = col_u64(s, 3);
    }
    for (size_t i = 0; i < r->link_count; i++)
        if (!r->links[i].name)
            r->links[i].name = drs_xstrdup("");
    s = ld_query(ld, "SELECT idx, name, used_bytes, peak_bytes FROM classifications"
                     " WHERE run = ?1 ORDER BY idx");
    while (ld_row(ld, &s)) {
        int64_t i = sqlite3_column_int64(s, 0);
        if (i < 0 || (size_t)i >= r->class_count)
            continue;
        report_class_stats *cl = &r->classes[i];
        cl->name = drs_xstrdup(col_text(s, 1));
        cl->used_bytes = col_u64(s, 2);
        cl->peak_bytes = col_u64(s, 3);
    }
    s = ld_query(ld, "SELECT idx, name FROM plans WHERE run = ?1 ORDER BY idx");
    while (ld_row(ld, &s)) {
        int64_t i = sqlite3_column_int64(s, 0);
        if (i >= 0 && (size_t)i < r->plan_count)
            r->plan_names[i] = drs_xstrdup(col_text(s, 1));
    }
    for (size_t i = 0; i < r->class_count; i++)
        if (!r->classes[i].name)
            r->classes[i].name = drs_xstrdup("");
    for (size_t i = 0; i < r->plan_count; i++)
        if (!r->plan_names[i])
            r->plan_names[i] = drs_xstrdup("");
}

static void load_series(loader *ld, report_results *r)
{
    sqlite3_stmt *s = ld_query(ld, "SELECT link, t_ns, interval_ns, raw_bytes, wire_bytes,"
                                   " capacity_Bps FROM link_samples WHERE run = ?1"
                                   " ORDER BY link, t_ns");
    while (ld_row(ld, &s)) {
        int64_t i = sqlite3_column_int64(s, 0);
        if (i < 0 || (size_t)i >= r->link_count)
            continue;
        link_state *l = &r->lst[i];
        DRS_GROW(l->samples, l->cap, l->n + 1);
        l->samples[l->n++] = (report_link_sample){
            sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2), sqlite3_column_double(s, 3),
            sqlite3_column_double(s, 4), sqlite3_column_double(s, 5)};
        r->links[i].sample_count = l->n;
    }
    s = ld_query(ld, "SELECT vm, count, points FROM rpo_history WHERE run = ?1 ORDER BY vm, seq");
    while (ld_row(ld, &s)) {
        int64_t i = sqlite3_column_int64(s, 0);
        size_t n = (size_t)sqlite3_column_int64(s, 1);
        const unsigned char *p = sqlite3_column_blob(s, 2);
        if (i < 0 || (size_t)i >= r->vm_count || !p || n == 0)
            continue;
        int64_t *cap = drs_xcalloc(n, sizeof *cap), *at = drs_xcalloc(n, sizeof *at);
        if (report_unpack(p, (size_t)sqlite3_column_bytes(s, 2), n, true, cap, at)) {
            vm_state *v = &r->vst[i];
            DRS_GROW(v->rpo, v->rpo_cap, v->rpo_n + n);
            for (size_t k = 0; k < n; k++)
                v->rpo[v->rpo_n++] = (report_rpo_point){at[k], cap[k]};
        }
        free(cap);
        free(at);
    }
}

/* Each VM's replica storage series (series_chunks, kind replica_storage_bytes) as steps, for a run
 * stored before the sites' storage was kept: its chart is drawn from them. A chunk that does not
 * unpack is skipped: the chart then lacks it. */
static void load_storage(loader *ld, report_results *r, const name_ix *vms, size_t nvm)
{
    sqlite3_stmt *s = ld_query(ld, "SELECT s.subject, c.count, c.data FROM series s"
                                   " JOIN series_chunks c ON c.run = s.run AND c.series = s.id"
                                   " WHERE s.run = ?1 AND s.kind = 'replica_storage_bytes'"
                                   " ORDER BY s.subject, c.seq");
    while (ld_row(ld, &s)) {
        int vm = name_find(vms, nvm, (const char *)sqlite3_column_text(s, 0));
        size_t n = (size_t)sqlite3_column_int64(s, 1);
        const unsigned char *blob = sqlite3_column_blob(s, 2);
        if (vm < 0 || !blob || n == 0)
            continue;
        int64_t *t = drs_xcalloc(n, sizeof *t), *v = drs_xcalloc(n, sizeof *v);
        if (report_unpack(blob, (size_t)sqlite3_column_bytes(s, 2), n, false, t, v))
            for (size_t k = 0; k < n; k++)
                report_results_storage_note(r, (size_t)vm, t[k], (uint64_t)v[k]);
        free(t);
        free(v);
    }
}

/* The sites' storage and the replica storage on each over time. A file written before the storage
 * tables existed has neither: the run then has no storage (its charts say none was recorded). */
static void load_site_storage(loader *ld, report_results *r)
{
    sqlite3_stmt *s = ld_query(ld, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                                   " AND name IN ('storage', 'storage_samples')");
    bool present = ld_row(ld, &s) && sqlite3_column_int64(s, 0) == 2;
    sqlite3_finalize(s);
    if (!present)
        return;
    size_t n = (size_t)ld_count(ld, "SELECT count(*) FROM storage WHERE run = ?1");
    r->stor = drs_xcalloc(n ? n : 1, sizeof *r->stor);
    s = ld_query(ld, "SELECT idx, site, classification, capacity_bytes FROM storage"
                     " WHERE run = ?1 ORDER BY idx");
    while (ld_row(ld, &s)) {
        if (sqlite3_column_int64(s, 0) != (int64_t)r->stor_count || r->stor_count == n)
            continue; /* storage is numbered without gaps */
        storage_state *st = &r->stor[r->stor_count++];
        st->info.site = drs_xstrdup(col_text(s, 1));
        st->info.classification = drs_xstrdup(col_text(s, 2));
        st->info.capacity_bytes = (uint64_t)sqlite3_column_int64(s, 3);
    }
    s = ld_query(ld, "SELECT storage, t_ns, used_bytes FROM storage_samples WHERE run = ?1"
                     " ORDER BY storage, t_ns");
    while (ld_row(ld, &s)) {
        int64_t i = sqlite3_column_int64(s, 0);
        if (i >= 0 && (size_t)i < r->stor_count)
            report_results_stor_note(r, (size_t)i, sqlite3_column_int64(s, 1),
                                     (uint64_t)sqlite3_column_int64(s, 2));
    }
}

static void load_jobs(loader *ld, report_results *r, const name_ix *vms, size_t nvm)
{
    sqlite3_stmt *s = ld_query(ld, "SELECT id, name, vm, pair, site, subject, state, started_ns,"
                                   " ended_ns, reason FROM jobs WHERE run = ?1 ORDER BY seq");
    while (ld_row(ld, &s)) {
        DRS_GROW(r->jobs, r->job_cap, r->job_count + 1);
        report_job *j = &r->jobs[r->job_count++];
        memset(j, 0, sizeof *j);
        j->id = col_u64(s, 0);
        j->name = drs_xstrdup(col_text(s, 1));
        j->vm = name_find(vms, nvm, (const char *)sqlite3_column_text(s, 2));
        j->pair = (int)col_time(s, 3);
        j->site = (int)col_time(s, 4);
        j->subject = drs_xstrdup(col_text(s, 5));
        j->state = job_state_of(col_text(s, 6));
        j->started_ns = sqlite3_column_int64(s, 7);
        j->ended_ns = col_time(s, 8);
        j->reason = drs_xstrdup(col_text(s, 9));
    }
    s = ld_query(ld, "SELECT job, step, state, at_ns FROM job_steps WHERE run = ?1"
                     " ORDER BY job, seq");
    report_job *j = NULL;
    while (ld_row(ld, &s)) {
        uint64_t id = col_u64(s, 0);
        if (!j || j->id != id) {
            j = NULL;
            for (size_t i = 0; i < r->job_count && !j; i++)
                if (r->jobs[i].id == id)
                    j = &r->jobs[i];
            if (!j)
                continue;
        }
        DRS_GROW(j->steps, j->step_cap, j->step_count + 1);
        report_job_step *st = &j->steps[j->step_count++];
        st->name = drs_xstrdup(col_text(s, 1));
        st->state = job_state_of(col_text(s, 2));
        st->at_ns = sqlite3_column_int64(s, 3);
    }
}

static void load_failovers(loader *ld, report_results *r, const name_ix *vms, size_t nvm)
{
    sqlite3_stmt *s = ld_query(ld, "SELECT kind, plan, vm, started_ns, ended_ns, succeeded,"
                                   " failure_ns, rp_captured_ns, data_loss_ns, data_loss_bytes,"
                                   " verified, detail FROM failovers WHERE run = ?1 ORDER BY seq");
    while (ld_row(ld, &s)) {
        report_failover f = {.kind = (engine_failover_kind)ENGINE_FO_KIND_COUNT, .plan = -1};
        for (int k = 0; k < ENGINE_FO_KIND_COUNT; k++)
            if (!strcmp(engine_failover_kind_name((engine_failover_kind)k), col_text(s, 0))) {
                f.kind = (engine_failover_kind)k;
                break;
            }
        const char *plan = (const char *)sqlite3_column_text(s, 1);
        for (size_t i = 0; plan && i < r->plan_count && f.plan < 0; i++)
            if (!strcmp(r->plan_names[i], plan))
                f.plan = (int)i;
        f.vm = name_find(vms, nvm, (const char *)sqlite3_column_text(s, 2));
        f.started_ns = sqlite3_column_int64(s, 3);
        f.ended_ns = col_time(s, 4);
        f.succeeded = sqlite3_column_int(s, 5) != 0;
        f.failure_ns = col_time(s, 6);
        f.rp_captured_ns = col_time(s, 7);
        f.data_loss_ns = col_time(s, 8);
        f.data_loss_bytes = col_u64(s, 9);
        f.verified = sqlite3_column_int(s, 10) != 0;
        snprintf(f.detail, sizeof f.detail, "%s", col_text(s, 11));
        DRS_GROW(r->failovers, r->failover_cap, r->failover_count + 1);
        r->failovers[r->failover_count++] = f;
    }
}

static void load_findings_and_expectations(loader *ld, report_results *r)
{
    sqlite3_stmt *s = ld_query(ld, "SELECT severity, rule, path, message FROM findings"
                                   " WHERE run = ?1 ORDER BY seq");
    while (ld_row(ld, &s))
        drs_diags_add(&r->diags, strcmp(col_text(s, 0), "error") ? DRS_SEV_WARNING : DRS_SEV_ERROR,
                      sqlite3_column_int(s, 1), col_text(s, 2), "%s", col_text(s, 3));
    s = ld_query(ld, "SELECT path, name, bound, actual, pass, kind, scope, subject, unit, value,"
                     " min, max FROM expectations WHERE run = ?1 ORDER BY seq");
    while (ld_row(ld, &s)) {
        report_expect_result *e = report_results_expect_add(r);
        snprintf(e->path, sizeof e->path, "%s", col_text(s, 0));
        snprintf(e->name, sizeof e->name, "%s", col_text(s, 1));
        snprintf(e->bound, sizeof e->bound, "%s", col_text(s, 2));
        snprintf(e->actual, sizeof e->actual, "%s", col_text(s, 3));
        e->pass = sqlite3_column_int(s, 4) != 0;
        e->kind = (drs_expect_kind)sqlite3_column_int(s, 5);
        e->scope = (drs_scope)sqlite3_column_int(s, 6);
        e->subject = sqlite3_column_int(s, 7);
        e->unit = (drs_value_unit)sqlite3_column_int(s, 8);
        e->has_value = sqlite3_column_type(s, 9) != SQLITE_NULL;
        e->value = e->has_value ? sqlite3_column_double(s, 9) : 0;
        e->has_min = sqlite3_column_type(s, 10) != SQLITE_NULL;
        e->min = e->has_min ? sqlite3_column_double(s, 10) : 0;
        e->has_max = sqlite3_column_type(s, 11) != SQLITE_NULL;
        e->max = e->has_max ? sqlite3_column_double(s, 11) : 0;
    }
}

static void load_events(loader *ld, report_results *r, const name_ix *vms, size_t nvm)
{
    sqlite3_stmt *s = ld_query(ld, "SELECT kind, vm, count(*), min(at_ns) FROM events"
                                   " WHERE run = ?1 GROUP BY kind, vm");
    while (ld_row(ld, &s)) {
        int kind = -1;
        for (int k = 0; k < ENGINE_EV_COUNT && kind < 0; k++)
            if (!strcmp(engine_event_kind_name((engine_event_kind)k), col_text(s, 0)))
                kind = k;
        if (kind < 0)
            continue;
        int vm = name_find(vms, nvm, (const char *)sqlite3_column_text(s, 1));
        size_t slot = (size_t)kind * (r->vm_count + 1) + (size_t)(vm + 1);
        r->ev_count[slot] += col_u64(s, 2);
        int64_t first = sqlite3_column_int64(s, 3);
        if (r->ev_first[slot] < 0 || first < r->ev_first[slot])
            r->ev_first[slot] = first;
        r->ev_total += col_u64(s, 2);
    }
    s = ld_query(ld, "SELECT at_ns, vm, detail FROM events WHERE run = ?1 AND kind = ?2"
                     " ORDER BY seq");
    if (s)
        sqlite3_bind_text(s, 2, engine_event_kind_name(ENGINE_EV_FAILOVER_FINDING), -1,
                          SQLITE_STATIC);
    while (ld_row(ld, &s)) {
        DRS_GROW(r->fo_findings, r->fo_finding_cap, r->fo_finding_count + 1);
        report_fo_finding *g = &r->fo_findings[r->fo_finding_count++];
        g->at_ns = sqlite3_column_int64(s, 0);
        g->vm = name_find(vms, nvm, (const char *)sqlite3_column_text(s, 1));
        g->failover = -1;
        snprintf(g->text, sizeof g->text, "%s", col_text(s, 2));
    }
}

report_results *report_db_load(const char *path, int64_t run_id, report_run_row *info,
                               drs_error *err)
{
    loader ld;
    report_results *r = NULL;
    name_ix *ix = NULL;
    if (!ld_open(&ld, path, err))
        goto out;
    ld.run = run_id;
    sqlite3_stmt *s = ld_query(&ld, run_id < 0 ? RUN_COLUMNS " ORDER BY id DESC LIMIT 1"
                                               : RUN_COLUMNS " WHERE id = ?1");
    report_run_row row;
    int64_t end_ns = -1;
    if (!ld_row(&ld, &s)) {
        if (!ld.failed) {
            if (run_id < 0)
                drs_fail(err, DRS_EINPUT, "", "%s: no runs stored", path);
            else
                drs_fail(err, DRS_EINPUT, "", "%s: no run %lld (drsim runs %s lists them)", path,
                         (long long)run_id, path);
            ld.failed = true;
        }
        goto out;
    }
    run_row(s, &row);
    end_ns = strcmp(row.status, "incomplete") ? col_time(s, 8) : -1;
    sqlite3_finalize(s);
    ld.run = row.id;
    if (info)
        *info = row;

    r = report_results_alloc((size_t)ld_count(&ld, "SELECT count(*) FROM vms WHERE run = ?1"),
                             (size_t)ld_count(&ld, "SELECT count(*) FROM links WHERE run = ?1"),
                             (size_t)ld_count(&ld, "SELECT count(*) FROM classifications"
                                                   " WHERE run = ?1"),
                             (size_t)ld_count(&ld, "SELECT count(*) FROM plans WHERE run = ?1"));
    r->class_count = (size_t)ld_count(&ld, "SELECT count(*) FROM classifications WHERE run = ?1");
    r->scenario_name = drs_xstrdup(row.scenario);
    r->seed = row.seed;
    load_vms(&ld, r);
    load_subjects(&ld, r);
    ix = drs_xcalloc(r->vm_count ? r->vm_count : 1, sizeof *ix);
    for (size_t i = 0; i < r->vm_count; i++)
        ix[i] = (name_ix){r->vms[i].name, (int)i};
    qsort(ix, r->vm_count, sizeof *ix, name_ix_cmp);
    load_series(&ld, r);
    load_site_storage(&ld, r);
    if (r->stor_count == 0)
        load_storage(&ld, r, ix, r->vm_count);
    load_jobs(&ld, r, ix, r->vm_count);
    load_failovers(&ld, r, ix, r->vm_count);
    load_findings_and_expectations(&ld, r);
    load_events(&ld, r, ix, r->vm_count);
    r->rp_rows = (uint64_t)ld_count(&ld, "SELECT count(*) FROM recovery_points WHERE run = ?1");
    r->sample_rows = (uint64_t)ld_count(&ld, "SELECT (SELECT coalesce(sum(count), 0)"
                                             " FROM series_chunks WHERE run = ?1)"
                                             " + (SELECT count(*) FROM link_samples"
                                             " WHERE run = ?1)");
    r->end_ns = end_ns;
    r->finished = true;
    report_results_settle(r);
out:
    free(ix);
    ld_close(&ld);
    if (ld.failed) {
        report_results_free(r);
        return NULL;
    }
    return r;
}

/* A number as the shortest text that reads back as the same double. */
static void write_number(FILE *out, double v)
{
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, out);
}

bool report_db_write_samples(const char *path, int64_t run_id, FILE *out, drs_error *err)
{
    loader ld;
    if (!ld_open(&ld, path, err)) {
        ld_close(&ld);
        return false;
    }
    ld.run = run_id;
    sqlite3_stmt *s = ld_query(&ld, run_id < 0 ? "SELECT max(id) FROM runs"
                                               : "SELECT id FROM runs WHERE id = ?1");
    if (!ld_row(&ld, &s) || sqlite3_column_type(s, 0) == SQLITE_NULL) {
        sqlite3_finalize(s);
        if (!ld.failed)
            drs_fail(err, DRS_EINPUT, "", "%s: no such run", path);
        ld_close(&ld);
        return false;
    }
    ld.run = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    fputs("t_ns,kind,subject,value\n", out);
    s = ld_query(&ld, "SELECT s.kind, s.subject, c.count, c.data FROM series s JOIN series_chunks c"
                      " ON c.run = s.run AND c.series = s.id WHERE s.run = ?1"
                      " ORDER BY s.subject, s.kind, c.seq");
    while (ld_row(&ld, &s)) {
        const char *kind = (const char *)sqlite3_column_text(s, 0);
        const char *subject = (const char *)sqlite3_column_text(s, 1);
        size_t n = (size_t)sqlite3_column_int64(s, 2);
        const unsigned char *blob = sqlite3_column_blob(s, 3);
        int64_t *t = drs_xcalloc(n ? n : 1, sizeof *t), *v = drs_xcalloc(n ? n : 1, sizeof *v);
        if (!blob || !report_unpack(blob, (size_t)sqlite3_column_bytes(s, 3), n, false, t, v)) {
            free(t);
            free(v);
            sqlite3_finalize(s);
            drs_fail(err, DRS_EINPUT, "", "%s: a series chunk of run %lld does not unpack", path,
                     (long long)ld.run);
            ld_close(&ld);
            return false;
        }
        bool rpo = !strcmp(kind, "rpo_s");
        for (size_t k = 0; k < n; k++) {
            fprintf(out, "%lld,%s,%s,", (long long)t[k], kind, subject);
            if (rpo)
                write_number(out, (double)v[k] / 1e9); /* as the run computed it */
            else
                fprintf(out, "%lld", (long long)v[k]);
            fputc('\n', out);
        }
        free(t);
        free(v);
    }
    s = ld_query(&ld, "SELECT t_ns, kind, subject, value FROM samples WHERE run = ?1"
                      " ORDER BY subject, kind, t_ns");
    while (ld_row(&ld, &s)) {
        fprintf(out, "%lld,%s,%s,", (long long)sqlite3_column_int64(s, 0),
                (const char *)sqlite3_column_text(s, 1), (const char *)sqlite3_column_text(s, 2));
        write_number(out, sqlite3_column_double(s, 3));
        fputc('\n', out);
    }
    bool ok = !ld.failed;
    ld_close(&ld);
    return ok;
}
