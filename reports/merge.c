/* reports/merge.c — joining results databases into one (`drsim merge OUT.db IN.db...`).
 *
 * A sweep spread over machines comes back as one database per machine; merging copies their runs
 * into one file so that queries and reports see the whole sweep. What to copy is read from each
 * input's schema, not listed here: the runs table, then every table with a column that refers to a
 * run, that column rewritten to the run's new id. A table added to the schema later merges without
 * a change here.
 *
 * Every input is checked before the output is opened, and the whole copy is one transaction on the
 * output, so a refusal or a failure part-way leaves the output as it was. Inputs are opened one at
 * a time rather than ATTACHed: a sweep may have more shards than SQLite attaches or a process has
 * file descriptors. Rows go through prepared statements as sqlite3_values, which keeps their types.
 */
#include "reports_internal.h"
#include "engine/shared/alloc.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A table of an input, with the columns that hold a run id marked. */
typedef struct merge_table {
    char *name, *sql;
    char **cols;
    bool *is_run;
    int ncols;
} merge_table;

/* One open input: a read transaction holds its content still while it is checked or copied. */
typedef struct merge_src {
    const char *path;
    sqlite3 *h;
    merge_table runs; /* is_run marks the id column */
    merge_table *tables;
    size_t ntables;
} merge_src;

/* Old run id -> new run id for one input; old ids ascending (runs are read in id order). */
typedef struct merge_map {
    int64_t *old_id, *new_id;
    size_t n, cap;
} merge_map;

static bool merge_sqlite_fail(drs_error *err, int code, const char *path, sqlite3 *h,
                              const char *what)
{
    return drs_fail(err, code, "", "%s: %s: %s", path, what,
                    h ? sqlite3_errmsg(h) : "out of memory");
}

static bool merge_oom(drs_error *err)
{
    return drs_fail(err, DRS_EINTERNAL, "", "out of memory");
}

static bool merge_no_file(const char *path, drs_error *err)
{
    return drs_fail(err, DRS_EINPUT, "", "%s: %s", path,
                    errno == ENOENT ? "no such file" : strerror(errno));
}

static void merge_table_clear(merge_table *t)
{
    for (int c = 0; c < t->ncols; c++)
        sqlite3_free(t->cols[c]);
    free(t->cols);
    free(t->is_run);
    sqlite3_free(t->name);
    sqlite3_free(t->sql);
    memset(t, 0, sizeof *t);
}

static void merge_src_close(merge_src *s)
{
    merge_table_clear(&s->runs);
    for (size_t i = 0; i < s->ntables; i++)
        merge_table_clear(&s->tables[i]);
    free(s->tables);
    if (s->h) {
        sqlite3_exec(s->h, "ROLLBACK", NULL, NULL, NULL); /* ends the read transaction */
        sqlite3_close(s->h);
    }
    memset(s, 0, sizeof *s);
}

/* The columns of a table, in their order, none marked as a run yet. */
static bool merge_table_load_columns(sqlite3 *h, const char *path, merge_table *t, drs_error *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(h, "SELECT name FROM pragma_table_info(?1) ORDER BY cid", -1, &q,
                           NULL) != SQLITE_OK)
        return merge_sqlite_fail(err, DRS_EIO, path, h, "reading the schema");
    sqlite3_bind_text(q, 1, t->name, -1, SQLITE_STATIC);
    int cap = 0;
    bool ok = true;
    while (ok && sqlite3_step(q) == SQLITE_ROW) {
        if (t->ncols == cap) { /* the two arrays share one capacity */
            cap = cap ? 2 * cap : 16;
            t->cols = drs_xrealloc(t->cols, (size_t)cap, sizeof *t->cols);
            t->is_run = drs_xrealloc(t->is_run, (size_t)cap, sizeof *t->is_run);
        }
        t->is_run[t->ncols] = false;
        if (!(t->cols[t->ncols++] = sqlite3_mprintf("%s", sqlite3_column_text(q, 0))))
            ok = merge_oom(err);
    }
    sqlite3_finalize(q);
    return ok;
}

static int merge_column_index(const merge_table *t, const char *name)
{
    for (int c = 0; c < t->ncols; c++)
        if (t->cols[c] && !sqlite3_stricmp(t->cols[c], name))
            return c;
    return -1;
}

/* Marks the columns that hold a run id: those with a foreign key to runs, or else one named run.
 * Returns how many there are, -1 on error. */
static int merge_table_mark_runs(sqlite3 *h, const char *path, merge_table *t, drs_error *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(h,
                           "SELECT \"from\" FROM pragma_foreign_key_list(?1) "
                           "WHERE lower(\"table\") = 'runs'",
                           -1, &q, NULL) != SQLITE_OK) {
        merge_sqlite_fail(err, DRS_EIO, path, h, "reading the schema");
        return -1;
    }
    sqlite3_bind_text(q, 1, t->name, -1, SQLITE_STATIC);
    int n = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        int c = merge_column_index(t, (const char *)sqlite3_column_text(q, 0));
        if (c >= 0 && !t->is_run[c]) {
            t->is_run[c] = true;
            n++;
        }
    }
    sqlite3_finalize(q);
    int c = n ? -1 : merge_column_index(t, "run");
    if (c >= 0) {
        t->is_run[c] = true;
        n = 1;
    }
    return n;
}

/* Whether a table holds at least one row; -1 on error. */
static int merge_table_has_rows(sqlite3 *h, const char *path, const char *table, drs_error *err)
{
    char *sql = sqlite3_mprintf("SELECT 1 FROM \"%w\" LIMIT 1", table);
    sqlite3_stmt *q = NULL;
    int rc = sql ? sqlite3_prepare_v2(h, sql, -1, &q, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        merge_sqlite_fail(err, DRS_EIO, path, h, "reading a table");
        return -1;
    }
    return rc == SQLITE_ROW;
}

/* Every table of the input but runs and SQLite's own, in name order, and the runs table. Tables
 * that refer to no run and are empty are left out; one with rows is refused, as merging cannot tell
 * which run they belong to. */
static bool merge_src_load_tables(merge_src *s, drs_error *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->h,
                           "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND "
                           "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                           -1, &q, NULL) != SQLITE_OK)
        return merge_sqlite_fail(err, DRS_EIO, s->path, s->h, "reading the schema");
    bool ok = true;
    size_t cap = 0;
    while (ok && sqlite3_step(q) == SQLITE_ROW) {
        merge_table t = {.name = sqlite3_mprintf("%s", sqlite3_column_text(q, 0)),
                         .sql = sqlite3_mprintf("%s", sqlite3_column_text(q, 1))};
        if (!t.name || !t.sql) {
            merge_table_clear(&t);
            ok = merge_oom(err);
            break;
        }
        if (!merge_table_load_columns(s->h, s->path, &t, err)) {
            merge_table_clear(&t);
            ok = false;
            break;
        }
        if (!sqlite3_stricmp(t.name, "runs")) {
            int id = merge_column_index(&t, "id");
            if (id >= 0)
                t.is_run[id] = true;
            s->runs = t;
            continue;
        }
        int nrun = merge_table_mark_runs(s->h, s->path, &t, err);
        int rows = nrun == 0 ? merge_table_has_rows(s->h, s->path, t.name, err) : 0;
        if (nrun < 0 || rows < 0) {
            ok = false;
        } else if (rows > 0) {
            ok = drs_fail(err, DRS_EINPUT, "",
                          "%s: table %s has rows but no run column, so they cannot be assigned "
                          "to merged runs",
                          s->path, t.name);
        } else if (nrun > 0) {
            DRS_GROW(s->tables, cap, s->ntables + 1);
            s->tables[s->ntables++] = t;
            continue;
        }
        merge_table_clear(&t);
    }
    sqlite3_finalize(q);
    return ok;
}

/* Opens an input and checks that it is a drsim results database of this schema version; loads its
 * tables. Read-write when possible, so that a batch a killed writer left behind is rolled back as
 * any open would; read-only otherwise. On failure s is closed. */
static bool merge_src_open(merge_src *s, const char *path, drs_error *err)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return merge_no_file(path, err);
    if (!S_ISREG(sb.st_mode))
        return drs_fail(err, DRS_EINPUT, "", "%s: not a regular file", path);
    if (sqlite3_open_v2(path, &s->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sqlite3_close(s->h);
        s->h = NULL;
        if (sqlite3_open_v2(path, &s->h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK) {
            merge_sqlite_fail(err, DRS_EINPUT, path, s->h, "cannot open");
            merge_src_close(s);
            return false;
        }
    }
    sqlite3_busy_timeout(s->h, 60000); /* a shard still being written: wait for its batch */
    bool ok = true;
    sqlite3_stmt *q = NULL;
    int version = -1, has_runs = 0;
    if (sqlite3_exec(s->h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->h,
                           "SELECT (SELECT user_version FROM pragma_user_version), "
                           "EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                           "name = 'runs')",
                           -1, &q, NULL) != SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW) {
        int code = sqlite3_errcode(s->h);
        ok = code == SQLITE_NOTADB
                 ? drs_fail(err, DRS_EINPUT, "", "%s: not a drsim results database (not SQLite)",
                            path)
                 : merge_sqlite_fail(err, code == SQLITE_NOMEM ? DRS_EINTERNAL : DRS_EIO, path,
                                     s->h, "reading");
    } else {
        version = sqlite3_column_int(q, 0);
        has_runs = sqlite3_column_int(q, 1);
    }
    sqlite3_finalize(q);
    if (ok && !has_runs)
        ok =
            drs_fail(err, DRS_EINPUT, "", "%s: not a drsim results database (no runs table)", path);
    if (ok && version != REPORT_DB_SCHEMA_VERSION)
        ok = drs_fail(err, DRS_EINPUT, "",
                      "%s: schema version %d%s; this drsim merges version %d only", path, version,
                      version == 0 ? " (written before versions were recorded)" : "",
                      REPORT_DB_SCHEMA_VERSION);
    ok = ok && merge_src_load_tables(s, err);
    if (ok && merge_column_index(&s->runs, "id") < 0)
        ok = drs_fail(err, DRS_EINPUT, "", "%s: not a drsim results database (runs has no id)",
                      path);
    if (!ok)
        merge_src_close(s);
    return ok;
}

/* ---- the output ------------------------------------------------------------------------------ */

/* Whether the output has a table of that name (its own uncommitted ones included); -1 on error. */
static int merge_out_has_table(sqlite3 *out, const char *name)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(out, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                           -1, &q, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Makes sure the output has the table with every column the input's has: a table new to the output
 * is created as the input defines it, with its indexes. */
static bool merge_out_prepare_table(sqlite3 *out, const char *out_path, const merge_src *s,
                                    const merge_table *t, drs_error *err)
{
    int has = merge_out_has_table(out, t->name);
    if (has < 0)
        return merge_sqlite_fail(err, DRS_EIO, out_path, out, "reading the schema");
    if (!has) {
        if (sqlite3_strnicmp(t->sql, "CREATE TABLE", 12) != 0 ||
            sqlite3_exec(out, t->sql, NULL, NULL, NULL) != SQLITE_OK)
            return merge_sqlite_fail(err, DRS_EIO, out_path, out, "creating a table of an input");
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(s->h,
                               "SELECT sql FROM sqlite_master WHERE type = 'index' AND "
                               "tbl_name = ?1 AND sql IS NOT NULL ORDER BY name",
                               -1, &q, NULL) != SQLITE_OK)
            return merge_sqlite_fail(err, DRS_EIO, s->path, s->h, "reading the schema");
        sqlite3_bind_text(q, 1, t->name, -1, SQLITE_STATIC);
        bool ok = true;
        while (ok && sqlite3_step(q) == SQLITE_ROW) {
            const char *sql = (const char *)sqlite3_column_text(q, 0);
            if (sqlite3_strnicmp(sql, "CREATE ", 7) != 0 ||
                sqlite3_exec(out, sql, NULL, NULL, NULL) != SQLITE_OK)
                ok =
                    merge_sqlite_fail(err, DRS_EIO, out_path, out, "creating an index of an input");
        }
        sqlite3_finalize(q);
        if (!ok)
            return false;
    }
    merge_table have = {.name = t->name};
    bool ok = merge_table_load_columns(out, out_path, &have, err);
    for (int c = 0; ok && c < t->ncols; c++)
        if (merge_column_index(&have, t->cols[c]) < 0)
            ok = drs_fail(err, DRS_EINPUT, "", "%s: column %s.%s is not in %s (another schema?)",
                          s->path, t->name, t->cols[c], out_path);
    have.name = NULL; /* borrowed */
    merge_table_clear(&have);
    return ok;
}

/* The statements that read every column of every row of t from the input, in order_by's order, and
 * insert one row into the output with every column but skip (-1: none). */
static bool merge_statements(sqlite3 *out, const char *out_path, const merge_src *s,
                             const merge_table *t, int skip, const char *order_by,
                             sqlite3_stmt **sel, sqlite3_stmt **ins, drs_error *err)
{
    sqlite3_str *all = sqlite3_str_new(NULL), *some = sqlite3_str_new(NULL),
                *params = sqlite3_str_new(NULL);
    for (int c = 0, k = 0; c < t->ncols; c++) {
        sqlite3_str_appendf(all, "%s\"%w\"", c ? ", " : "", t->cols[c]);
        if (c != skip) {
            sqlite3_str_appendf(some, "%s\"%w\"", k ? ", " : "", t->cols[c]);
            sqlite3_str_appendf(params, "%s?%d", k ? ", " : "", k + 1);
            k++;
        }
    }
    char *al = sqlite3_str_finish(all), *sl = sqlite3_str_finish(some),
         *pl = sqlite3_str_finish(params);
    char *sel_sql = sqlite3_mprintf("SELECT %s FROM \"%w\" ORDER BY %s", al, t->name, order_by);
    char *ins_sql = sqlite3_mprintf("INSERT INTO \"%w\" (%s) VALUES (%s)", t->name, sl, pl);
    *sel = *ins = NULL;
    bool ok = al && sl && pl && sel_sql && ins_sql;
    if (!ok) {
        merge_oom(err);
    } else if (sqlite3_prepare_v2(s->h, sel_sql, -1, sel, NULL) != SQLITE_OK) {
        /* A WITHOUT ROWID table has no rowid; its scan order (the primary key) is as stable. */
        char *plain = sqlite3_mprintf("SELECT %s FROM \"%w\"", al, t->name);
        if (!plain || sqlite3_prepare_v2(s->h, plain, -1, sel, NULL) != SQLITE_OK)
            ok = merge_sqlite_fail(err, DRS_EIO, s->path, s->h, "reading a table");
        sqlite3_free(plain);
    }
    if (ok && sqlite3_prepare_v2(out, ins_sql, -1, ins, NULL) != SQLITE_OK)
        ok = merge_sqlite_fail(err, DRS_EIO, out_path, out, "writing a table");
    sqlite3_free(al);
    sqlite3_free(sl);
    sqlite3_free(pl);
    sqlite3_free(sel_sql);
    sqlite3_free(ins_sql);
    if (!ok) {
        sqlite3_finalize(*sel);
        sqlite3_finalize(*ins);
        *sel = *ins = NULL;
    }
    return ok;
}

static void merge_map_add(merge_map *m, int64_t old_id, int64_t new_id)
{
    size_t old_cap = m->cap;
    DRS_GROW(m->old_id, m->cap, m->n + 1);
    if (m->cap != old_cap) /* the new ids share the old ids' capacity */
        m->new_id = drs_xrealloc(m->new_id, m->cap, sizeof *m->new_id);
    m->old_id[m->n] = old_id;
    m->new_id[m->n++] = new_id;
}

/* The new id of an input's run; false when the input has no such run. */
static bool merge_map_find(const merge_map *m, int64_t old_id, int64_t *new_id)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->old_id[mid] < old_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == m->n || m->old_id[lo] != old_id)
        return false;
    *new_id = m->new_id[lo];
    return true;
}

/* Binds a row's run columns to the runs' new ids. False when the row belongs to no run of its
 * input: a run id that is not there, or no run id at all. */
static bool merge_bind_runs(sqlite3_stmt *sel, sqlite3_stmt *ins, const merge_table *t,
                            const merge_map *map)
{
    int found = 0;
    for (int c = 0; c < t->ncols; c++) {
        if (!t->is_run[c])
            continue;
        int type = sqlite3_column_type(sel, c);
        int64_t id;
        if (type == SQLITE_NULL) {
            sqlite3_bind_null(ins, c + 1);
        } else if (type == SQLITE_INTEGER &&
                   merge_map_find(map, sqlite3_column_int64(sel, c), &id)) {
            sqlite3_bind_int64(ins, c + 1, id);
            found++;
        } else {
            return false;
        }
    }
    return found > 0;
}

/* Copies one table of the input. For runs, the output assigns the ids, recorded in map (runs in id
 * order); for the others, run columns are rewritten through map and the rows keep their input
 * order. */
static bool merge_copy_table(sqlite3 *out, const char *out_path, const merge_src *s,
                             const merge_table *t, merge_map *map, report_merge_stats *st,
                             drs_error *err)
{
    bool is_runs = t == &s->runs;
    int id = is_runs ? merge_column_index(t, "id") : -1;
    char *order = is_runs ? sqlite3_mprintf("\"%w\"", t->cols[id]) : sqlite3_mprintf("rowid");
    sqlite3_stmt *sel, *ins;
    bool ok = order ? merge_out_prepare_table(out, out_path, s, t, err) &&
                          merge_statements(out, out_path, s, t, id, order, &sel, &ins, err)
                    : merge_oom(err);
    sqlite3_free(order);
    if (!ok)
        return false;
    int rc;
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        if (is_runs) {
            for (int c = 0, k = 1; c < t->ncols; c++)
                if (c != id)
                    sqlite3_bind_value(ins, k++, sqlite3_column_value(sel, c));
        } else {
            if (!merge_bind_runs(sel, ins, t, map)) {
                st->orphans++;
                continue;
            }
            for (int c = 0; c < t->ncols; c++)
                if (!t->is_run[c])
                    sqlite3_bind_value(ins, c + 1, sqlite3_column_value(sel, c));
        }
        if (sqlite3_step(ins) != SQLITE_DONE) {
            /* A conflict comes from the data (a key without the run in it), not from the disk. */
            int code = (sqlite3_errcode(out) & 0xff) == SQLITE_CONSTRAINT ? DRS_EINPUT : DRS_EIO;
            ok = drs_fail(err, code, "", "%s: copying table %s of %s: %s", out_path, t->name,
                          s->path, sqlite3_errmsg(out));
            break;
        }
        sqlite3_reset(ins);
        if (is_runs) {
            merge_map_add(map, sqlite3_column_int64(sel, id), sqlite3_last_insert_rowid(out));
            if (st->first_run < 0)
                st->first_run = sqlite3_last_insert_rowid(out);
            st->runs++;
        } else {
            st->rows++;
        }
    }
    if (ok && rc != SQLITE_DONE)
        ok = merge_sqlite_fail(err, DRS_EIO, s->path, s->h, "reading a table");
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    return ok;
}

/* Opens the output inside a write transaction, with the current schema. An existing file must be a
 * drsim results database (or an empty file): merging never adds tables to someone else's database.
 */
static bool merge_out_open(sqlite3 **out, const char *path, bool existed, drs_error *err)
{
    if (sqlite3_open_v2(path, out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        return merge_sqlite_fail(err, DRS_EINPUT, path, *out, "cannot open");
    sqlite3_busy_timeout(*out, 60000);
    if (sqlite3_exec(*out,
                     "PRAGMA journal_mode=DELETE; PRAGMA synchronous=NORMAL; "
                     "PRAGMA cache_size=-65536; BEGIN IMMEDIATE",
                     NULL, NULL, NULL) != SQLITE_OK)
        return sqlite3_errcode(*out) == SQLITE_NOTADB
                   ? drs_fail(err, DRS_EINPUT, "", "%s: not a drsim results database (not SQLite)",
                              path)
                   : merge_sqlite_fail(err, DRS_EIO, path, *out, "cannot write");
    if (existed) {
        sqlite3_stmt *q;
        int tables = -1, runs = 0;
        if (sqlite3_prepare_v2(*out,
                               "SELECT count(*), count(*) FILTER (WHERE name = 'runs') "
                               "FROM sqlite_master WHERE type = 'table'",
                               -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW) {
            tables = sqlite3_column_int(q, 0);
            runs = sqlite3_column_int(q, 1);
        }
        int code = sqlite3_errcode(*out);
        sqlite3_finalize(q);
        if (tables < 0)
            return code == SQLITE_NOTADB
                       ? drs_fail(err, DRS_EINPUT, "",
                                  "%s: not a drsim results database (not SQLite)", path)
                       : merge_sqlite_fail(err, DRS_EIO, path, *out, "reading");
        if (tables > 0 && !runs)
            return drs_fail(err, DRS_EINPUT, "", "%s: not a drsim results database (no runs table)",
                            path);
    }
    return report_db_schema_apply(*out, path, err);
}

bool report_db_merge(const char *out_path, const char *const *in_paths, size_t n_in,
                     report_merge_stats *stats, drs_error *err)
{
    report_merge_stats st = {.first_run = -1};
    struct stat out_sb;
    bool existed = stat(out_path, &out_sb) == 0;
    if (existed && !S_ISREG(out_sb.st_mode))
        return drs_fail(err, DRS_EINPUT, "", "%s: not a regular file", out_path);
    if (n_in == 0)
        return drs_fail(err, DRS_EINPUT, "", "no input database to merge");

    /* Every input checked before the output is touched. Files are compared by device and inode, so
     * another path to the same file (a link, ./x.db) is still recognised. */
    struct stat *seen = drs_xcalloc(n_in, sizeof *seen);
    bool ok = true;
    for (size_t i = 0; ok && i < n_in; i++) {
        merge_src s;
        if (stat(in_paths[i], &seen[i]) != 0) {
            ok = merge_no_file(in_paths[i], err);
            break;
        }
        if (existed && seen[i].st_dev == out_sb.st_dev && seen[i].st_ino == out_sb.st_ino) {
            ok = drs_fail(err, DRS_EINPUT, "", "%s is the output %s itself", in_paths[i], out_path);
            break;
        }
        for (size_t j = 0; ok && j < i; j++)
            if (seen[i].st_dev == seen[j].st_dev && seen[i].st_ino == seen[j].st_ino)
                ok = drs_fail(err, DRS_EINPUT, "", "%s is given twice (also as %s)", in_paths[i],
                              in_paths[j]);
        if (ok && (ok = merge_src_open(&s, in_paths[i], err)))
            merge_src_close(&s);
    }
    free(seen);
    if (!ok)
        return false;

    sqlite3 *out = NULL;
    ok = merge_out_open(&out, out_path, existed, err);
    merge_map map = {0};
    for (size_t i = 0; ok && i < n_in; i++) {
        merge_src s;
        if (!merge_src_open(&s, in_paths[i], err)) {
            ok = false;
            break;
        }
        map.n = 0;
        ok = merge_copy_table(out, out_path, &s, &s.runs, &map, &st, err);
        for (size_t t = 0; ok && t < s.ntables; t++)
            ok = merge_copy_table(out, out_path, &s, &s.tables[t], &map, &st, err);
        merge_src_close(&s);
    }
    free(map.old_id);
    free(map.new_id);
    if (ok && sqlite3_exec(out, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        ok = merge_sqlite_fail(err, DRS_EIO, out_path, out, "committing");
    if (!ok && out)
        sqlite3_exec(out, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(out);
    if (!ok && !existed) {
        /* Nothing was merged: leave no empty database behind either. */
        char journal[4096];
        remove(out_path);
        if ((size_t)snprintf(journal, sizeof journal, "%s-journal", out_path) < sizeof journal)
            remove(journal);
    }
    if (ok && stats)
        *stats = st;
    return ok;
}
