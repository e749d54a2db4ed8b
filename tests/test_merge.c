/* tests/test_merge.c — `drsim merge`: runs written to separate databases and merged equal the same
 * runs written to one database, row for row; merging appends to an existing database, remaps tables
 * it has never heard of, and refuses bad inputs without writing anything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reports/reports.h"
#include "tests/support/scratch.h"

#define EXAMPLE DRSIM_SOURCE_DIR "/scenarios/examples/two-site-basic.json"

/* A path that stays valid: for arrays of inputs. */
static char *tmp_keep(const char *name)
{
    char *p = strdup(scratch_path(name));
    assert_non_null(p);
    return p;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int merge_cli(const char *args)
{
    return sh("'%s' merge %s >/dev/null 2>&1", DRSIM_BIN, args);
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(h);
}

/* ---- dumps
 * ---------------------------------------------------------------------------------------- Rows as
 * text with their SQLite types ("integer:42"), so a copy that changed a type shows. */

typedef struct text {
    char *s;
    size_t len, cap;
} text;

static void text_add(text *t, const char *s)
{
    size_t n = strlen(s);
    while (t->len + n + 1 > t->cap) {
        t->cap = t->cap ? 2 * t->cap : 4096;
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
    memcpy(t->s + t->len, s, n + 1);
    t->len += n;
}

/* Every row of a query, every column but those named in skip (comma-separated, in commas). */
static void dump_query(text *t, sqlite3 *h, const char *sql, int64_t bind, const char *skip)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(h, sql, -1, &q, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(h));
    if (bind >= 0)
        sqlite3_bind_int64(q, 1, bind);
    while (sqlite3_step(q) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(q); c++) {
            char name[80];
            snprintf(name, sizeof name, ",%s,", sqlite3_column_name(q, c));
            if (skip && strstr(skip, name))
                continue;
            const char *v = (const char *)sqlite3_column_text(q, c);
            switch (sqlite3_column_type(q, c)) {
            case SQLITE_INTEGER:
                text_add(t, "integer:");
                break;
            case SQLITE_FLOAT:
                text_add(t, "real:");
                break;
            case SQLITE_TEXT:
                text_add(t, "text:");
                break;
            case SQLITE_BLOB:
                text_add(t, "blob:");
                break;
            default:
                text_add(t, "null:");
                break;
            }
            text_add(t, v ? v : "");
            text_add(t, "|");
        }
        text_add(t, "\n");
    }
    sqlite3_finalize(q);
}

/* The names of the tables that hold rows of runs (a column named run), sorted. */
static size_t run_tables(sqlite3 *h, char names[][64], size_t max)
{
    sqlite3_stmt *q;
    assert_int_equal(
        sqlite3_prepare_v2(h,
                           "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c"
                           " WHERE m.type = 'table' AND c.name = 'run' ORDER BY m.name",
                           -1, &q, NULL),
        SQLITE_OK);
    size_t n = 0;
    while (sqlite3_step(q) == SQLITE_ROW && n < max)
        snprintf(names[n++], 64, "%s", sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return n;
}

static bool has_rowid(sqlite3 *h, const char *table)
{
    char *sql = sqlite3_mprintf("SELECT rowid FROM \"%w\" LIMIT 1", table);
    sqlite3_stmt *q = NULL;
    bool ok = sqlite3_prepare_v2(h, sql, -1, &q, NULL) == SQLITE_OK;
    sqlite3_finalize(q);
    sqlite3_free(sql);
    return ok;
}

/* One run and every row that belongs to it, without the run's id (and without its wall-clock times
 * when wall is false). Tables are named so a row cannot move between tables unnoticed. */
static char *dump_run(const char *path, int64_t run, bool wall)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    text t = {0};
    text_add(&t, "runs\n");
    dump_query(&t, h, "SELECT * FROM runs WHERE id = ?1", run,
               wall ? ",id," : ",id,started,ended,");
    char names[32][64];
    size_t n = run_tables(h, names, 32);
    for (size_t i = 0; i < n; i++) {
        char sql[160];
        /* A WITHOUT ROWID table has no rowid: its primary key order is as stable. */
        snprintf(sql, sizeof sql, "SELECT * FROM \"%.63s\" WHERE run = ?1%s", names[i],
                 has_rowid(h, names[i]) ? " ORDER BY rowid" : "");
        text_add(&t, names[i]);
        text_add(&t, "\n");
        dump_query(&t, h, sql, run, ",run,");
    }
    sqlite3_close(h);
    return t.s;
}

/* Everything in a database file: schema version, schema, every row of every table with its rowid.
 */
static char *dump_all(const char *path)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    text t = {0};
    dump_query(&t, h, "PRAGMA user_version", -1, NULL);
    dump_query(&t, h, "SELECT type, name, sql FROM sqlite_master ORDER BY name", -1, NULL);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(h,
                                        "SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "ORDER BY name",
                                        -1, &q, NULL),
                     SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        char *sql = has_rowid(h, name)
                        ? sqlite3_mprintf("SELECT rowid, * FROM \"%w\" ORDER BY rowid", name)
                        : sqlite3_mprintf("SELECT * FROM \"%w\"", name);
        dump_query(&t, h, sql, -1, NULL);
        sqlite3_free(sql);
    }
    sqlite3_finalize(q);
    sqlite3_close(h);
    return t.s;
}

static int64_t count(const char *path, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(h, sql, -1, &q, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(h));
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(h);
    return v;
}

static void assert_dumps_equal(char *a, char *b)
{
    assert_true(strlen(a) > 0);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

/* ---- fixture
 * -------------------------------------------------------------------------------------- The
 * example scenario cut to 8 hours, its outage and failover moved inside them, so that every table
 * gets rows. Seed 1 goes to a.db, seed 2 to b.db, and both (1 then 2) to ref.db. */

static int setup_group(void **state)
{
    (void)state;
    if (!scratch_make("merge"))
        return -1;
    if (sh("sed -e 's/\"duration\": \"2d\"/\"duration\": \"8h\"/' -e 's/\"at\": \"20h\"/\"at\": "
           "\"3h\"/'"
           " -e 's/\"47h/\"7h/' '%s' > '%s'",
           EXAMPLE, scratch_path("short.json")) != 0)
        return -1;
    static const struct {
        const char *db;
        int seed;
    } runs[] = {{"a.db", 1}, {"b.db", 2}, {"ref.db", 1}, {"ref.db", 2}};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        /* Exit 1: the shortened run misses some of the example's expectations, and says so. */
        int rc = sh("'%s' run '%s' --db '%s' --seed %d --quiet >/dev/null", DRSIM_BIN,
                    scratch_path("short.json"), scratch_path(runs[i].db), runs[i].seed);
        if (rc != 0 && rc != 1)
            return -1;
    }
    return 0;
}

static int teardown_group(void **state)
{
    (void)state;
    return scratch_remove() ? 0 : -1;
}

/* Removes the outputs a test made (the three databases of the fixture stay). */
static int clean(void **state)
{
    (void)state;
    return sh("cd '%s' && rm -rf out* copy* bad* txt* link*", scratch_dir()) == 0 ? 0 : -1;
}

/* ---- tests
 * ---------------------------------------------------------------------------------------- */

static void test_merged_runs_equal_runs_written_to_one_database(void **state)
{
    (void)state;
    assert_int_equal(count(scratch_path("ref.db"), "SELECT count(*) FROM runs"), 2);
    assert_int_equal(count(scratch_path("ref.db"), "SELECT count(*) FROM failovers"), 2 * 4);
    char args[512];
    snprintf(args, sizeof args, "'%s' '%s' '%s'", scratch_path("out.db"), scratch_path("a.db"),
             scratch_path("b.db"));
    assert_int_equal(merge_cli(args), 0);
    assert_int_equal(count(scratch_path("out.db"), "SELECT count(*) FROM runs"), 2);
    /* Every table that refers to a run has the same rows for run k in both files, types included;
     * only the wall-clock times of the run rows differ, as the runs were made separately. */
    for (int64_t k = 1; k <= 2; k++)
        assert_dumps_equal(dump_run(scratch_path("out.db"), k, false),
                           dump_run(scratch_path("ref.db"), k, false));
    /* Against its source, even the wall-clock times are equal. */
    assert_dumps_equal(dump_run(scratch_path("out.db"), 1, true),
                       dump_run(scratch_path("a.db"), 1, true));
    assert_dumps_equal(dump_run(scratch_path("out.db"), 2, true),
                       dump_run(scratch_path("b.db"), 1, true));
    /* The seeds differ, so a merge that mixed the runs up would have been seen. */
    char *a = dump_run(scratch_path("a.db"), 1, false),
         *b = dump_run(scratch_path("b.db"), 1, false);
    assert_string_not_equal(a, b);
    free(a);
    free(b);
    /* Same table set, same row counts in total. */
    assert_int_equal(count(scratch_path("out.db"), "SELECT count(*) FROM samples"),
                     count(scratch_path("ref.db"), "SELECT count(*) FROM samples"));
    assert_int_equal(count(scratch_path("out.db"), "PRAGMA user_version"),
                     REPORT_DB_SCHEMA_VERSION);
}

static void test_merge_is_deterministic(void **state)
{
    (void)state;
    char *b_db = tmp_keep("b.db"), *a_db = tmp_keep("a.db");
    const char *in[] = {b_db, a_db};
    report_merge_stats st;
    drs_error err = {0};
    assert_true(report_db_merge(scratch_path("out1.db"), in, 2, &st, &err));
    assert_true(report_db_merge(scratch_path("out2.db"), in, 2, NULL, &err));
    assert_int_equal(st.runs, 2);
    assert_int_equal(st.first_run, 1);
    assert_int_equal(st.orphans, 0);
    /* Rows: everything in a.db and b.db but their run rows. */
    assert_int_equal(st.rows,
                     count(scratch_path("out1.db"), "SELECT (SELECT count(*) FROM series) + "
                                                    "(SELECT count(*) FROM series_chunks) + "
                                                    "(SELECT count(*) FROM link_samples) + "
                                                    "(SELECT count(*) FROM rpo_history) + "
                                                    "(SELECT count(*) FROM vms) + "
                                                    "(SELECT count(*) FROM links) + "
                                                    "(SELECT count(*) FROM classifications) + "
                                                    "(SELECT count(*) FROM plans) + "
                                                    "(SELECT count(*) FROM jobs) + "
                                                    "(SELECT count(*) FROM job_steps) + "
                                                    "(SELECT count(*) FROM events) + "
                                                    "(SELECT count(*) FROM recovery_points) + "
                                                    "(SELECT count(*) FROM failovers) + "
                                                    "(SELECT count(*) FROM findings) + "
                                                    "(SELECT count(*) FROM expectations) + "
                                                    "(SELECT count(*) FROM metrics) + "
                                                    "(SELECT count(*) FROM storage) + "
                                                    "(SELECT count(*) FROM storage_samples)"));
    assert_dumps_equal(dump_all(scratch_path("out1.db")), dump_all(scratch_path("out2.db")));
    /* Argument order is run order: b's run came first. */
    assert_dumps_equal(dump_run(scratch_path("out1.db"), 1, true),
                       dump_run(scratch_path("b.db"), 1, true));
    free(a_db);
    free(b_db);
}

static void test_merge_appends_to_an_existing_database(void **state)
{
    (void)state;
    assert_int_equal(sh("cp '%s' '%s'", scratch_path("ref.db"), scratch_path("out.db")), 0);
    char *before1 = dump_run(scratch_path("out.db"), 1, true),
         *before2 = dump_run(scratch_path("out.db"), 2, true);
    char cmd[768], said[256] = "";
    snprintf(cmd, sizeof cmd, "'%s' merge '%s' '%s' '%s'", DRSIM_BIN, scratch_path("out.db"),
             scratch_path("b.db"), scratch_path("a.db"));
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(said, sizeof said, p));
    assert_int_equal(pclose(p), 0);
    assert_non_null(strstr(said, "merged 2 runs"));
    assert_non_null(strstr(said, "now runs 3 to 4"));
    assert_int_equal(count(scratch_path("out.db"), "SELECT count(*) FROM runs"), 4);
    assert_int_equal(count(scratch_path("out.db"), "SELECT max(id) FROM runs"), 4);
    /* The runs already there are untouched; the new ones follow them, in argument order. */
    assert_dumps_equal(dump_run(scratch_path("out.db"), 1, true), before1);
    assert_dumps_equal(dump_run(scratch_path("out.db"), 2, true), before2);
    assert_dumps_equal(dump_run(scratch_path("out.db"), 3, true),
                       dump_run(scratch_path("b.db"), 1, true));
    assert_dumps_equal(dump_run(scratch_path("out.db"), 4, true),
                       dump_run(scratch_path("a.db"), 1, true));
    /* An existing database that drsim itself can go on writing into. */
    assert_int_equal(sh("'%s' run '%s' --db '%s' --seed 3 --quiet >/dev/null 2>&1", DRSIM_BIN,
                        scratch_path("short.json"), scratch_path("out.db")),
                     1);
    assert_int_equal(count(scratch_path("out.db"), "SELECT max(id) FROM runs"), 5);
}

/* A table the merge code has never heard of (such as one a later command adds) is merged all the
 * same: created in the output with its index, its run column remapped. */
static void test_merge_copies_tables_it_does_not_know(void **state)
{
    (void)state;
    assert_int_equal(sh("cp '%s' '%s' && cp '%s' '%s'", scratch_path("a.db"),
                        scratch_path("copy-a.db"), scratch_path("b.db"), scratch_path("copy-b.db")),
                     0);
    static const char create[] =
        "CREATE TABLE later_values (run INTEGER NOT NULL REFERENCES runs(id), path TEXT NOT NULL,"
        " value REAL NOT NULL);"
        "CREATE INDEX later_values_run ON later_values(run);"
        "CREATE TABLE notes (note TEXT);"; /* refers to no run, but empty: nothing to lose */
    exec_sql(scratch_path("copy-a.db"), create);
    exec_sql(scratch_path("copy-a.db"),
             "INSERT INTO later_values VALUES (1, 'links[0].bandwidth', 1e8),"
             " (1, 'settings.copy_frequency', 300), (99, 'orphan', 0)");
    exec_sql(scratch_path("copy-b.db"), create);
    exec_sql(scratch_path("copy-b.db"),
             "INSERT INTO later_values VALUES (1, 'links[0].bandwidth', 2e8)");
    exec_sql(scratch_path("out.db"),
             "CREATE TABLE IF NOT EXISTS placeholder (x)"); /* not a drsim db */
    char *a_db = tmp_keep("copy-a.db"), *b_db = tmp_keep("copy-b.db");
    const char *in[] = {a_db, b_db};
    report_merge_stats st;
    drs_error err = {0};
    assert_false(report_db_merge(scratch_path("out.db"), in, 2, &st, &err));
    assert_int_equal(err.code, DRS_EINPUT);
    assert_non_null(strstr(err.message, "not a drsim results database"));
    remove(scratch_path("out.db"));

    assert_true(report_db_merge(scratch_path("out.db"), in, 2, &st, &err));
    assert_int_equal(st.orphans, 1); /* run 99 is not in copy-a.db */
    assert_int_equal(st.runs, 2);
    assert_int_equal(st.first_run, 1);
    assert_int_equal(
        count(scratch_path("out.db"), "SELECT count(*) FROM later_values WHERE run = 1"), 2);
    assert_int_equal(count(scratch_path("out.db"),
                           "SELECT count(*) FROM later_values WHERE run = 2 AND "
                           "value = 2e8"),
                     1);
    assert_int_equal(count(scratch_path("out.db"),
                           "SELECT count(*) FROM sqlite_master WHERE name = "
                           "'later_values_run'"),
                     1);
    assert_int_equal(
        count(scratch_path("out.db"), "SELECT count(*) FROM sqlite_master WHERE name = 'notes'"),
        0);

    /* The same table with rows but no run column cannot be merged: refused, nothing written. */
    exec_sql(scratch_path("copy-b.db"), "INSERT INTO notes VALUES ('which run?')");
    char *before = dump_all(scratch_path("out.db"));
    assert_false(report_db_merge(scratch_path("out.db"), in, 2, &st, &err));
    assert_int_equal(err.code, DRS_EINPUT);
    if (!strstr(err.message, "notes"))
        fail_msg("%s", err.message);
    assert_dumps_equal(dump_all(scratch_path("out.db")), before);
    free(a_db);
    free(b_db);
}

/* A failure part-way (here a key that two inputs share) rolls back the runs already copied. */
static void test_failure_part_way_writes_nothing(void **state)
{
    (void)state;
    assert_int_equal(sh("cp '%s' '%s' && cp '%s' '%s' && cp '%s' '%s'", scratch_path("a.db"),
                        scratch_path("copy-a.db"), scratch_path("b.db"), scratch_path("copy-b.db"),
                        scratch_path("ref.db"), scratch_path("out.db")),
                     0);
    static const char create[] =
        "CREATE TABLE tags (run INTEGER REFERENCES runs(id), tag TEXT PRIMARY KEY)";
    exec_sql(scratch_path("copy-a.db"), create);
    exec_sql(scratch_path("copy-a.db"), "INSERT INTO tags VALUES (1, 'baseline')");
    exec_sql(scratch_path("copy-b.db"), create);
    exec_sql(scratch_path("copy-b.db"), "INSERT INTO tags VALUES (1, 'baseline')");
    char *before = dump_all(scratch_path("out.db"));
    char args[512];
    snprintf(args, sizeof args, "'%s' '%s' '%s'", scratch_path("out.db"), scratch_path("copy-a.db"),
             scratch_path("copy-b.db"));
    assert_int_equal(merge_cli(args), 2);
    assert_dumps_equal(dump_all(scratch_path("out.db")), before);
    assert_false(exists(scratch_path("out.db-journal")));
    /* Into a new file: no file is left behind. */
    snprintf(args, sizeof args, "'%s' '%s' '%s'", scratch_path("out-new.db"),
             scratch_path("copy-a.db"), scratch_path("copy-b.db"));
    assert_int_equal(merge_cli(args), 2);
    assert_false(exists(scratch_path("out-new.db")));
}

static void test_bad_inputs_are_refused_with_exit_2(void **state)
{
    (void)state;
    assert_int_equal(sh("cp '%s' '%s' && ln -s '%s' '%s'", scratch_path("a.db"),
                        scratch_path("out.db"), scratch_path("out.db"), scratch_path("link.db")),
                     0);
    FILE *f = fopen(scratch_path("txt.db"), "w");
    assert_non_null(f);
    fputs("run,seed\n1,42\n", f);
    fclose(f);
    assert_int_equal(sh("cp '%s' '%s'", scratch_path("b.db"), scratch_path("bad-version.db")), 0);
    exec_sql(scratch_path("bad-version.db"), "PRAGMA user_version = 99");
    assert_int_equal(sh("cp '%s' '%s'", scratch_path("b.db"), scratch_path("bad-unversioned.db")),
                     0);
    exec_sql(scratch_path("bad-unversioned.db"), "PRAGMA user_version = 0");
    exec_sql(scratch_path("bad-sqlite.db"), "CREATE TABLE t (x)");
    char *before = dump_all(scratch_path("out.db"));

    static const struct {
        const char *in, *message;
    } cases[] = {
        {"missing.db", "no such file"},
        {"txt.db", "not a drsim results database"},
        {"bad-sqlite.db", "not a drsim results database"},
        {"bad-version.db", "schema version 99"},
        {"bad-unversioned.db", "schema version 0"},
        {"out.db", "itself"},
        {"link.db", "itself"},     /* the same file by another name */
        {"./b.db", "given twice"}, /* after b.db: the same file by another path */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[768], cmd[1024];
        /* A good input first: it must not be copied either. */
        snprintf(args, sizeof args, "'%s' '%s' '%s'", scratch_path("out.db"), scratch_path("b.db"),
                 scratch_path(cases[i].in));
        snprintf(cmd, sizeof cmd, "'%s' merge %s 2>&1", DRSIM_BIN, args);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        char msg[1024] = "";
        size_t n = fread(msg, 1, sizeof msg - 1, p);
        msg[n] = '\0';
        int st = pclose(p);
        assert_true(WIFEXITED(st));
        if (WEXITSTATUS(st) != 2 || !strstr(msg, cases[i].message))
            fail_msg("case %zu (%s): exit %d, message: %s", i, cases[i].in, WEXITSTATUS(st), msg);
        /* Into a new file: none is created. */
        snprintf(args, sizeof args, "'%s' '%s' '%s'", scratch_path("out-new.db"),
                 scratch_path("b.db"), scratch_path(cases[i].in));
        if (strcmp(cases[i].message, "itself") != 0)
            assert_int_equal(merge_cli(args), 2);
        assert_false(exists(scratch_path("out-new.db")));
    }
    assert_dumps_equal(dump_all(scratch_path("out.db")), before);
    /* Arguments: an unknown option, and an output alone. */
    assert_int_equal(merge_cli("--bogus x.db y.db"), 2);
    char args[256];
    snprintf(args, sizeof args, "'%s'", scratch_path("out.db"));
    assert_int_equal(merge_cli(args), 2);
    /* An output that is not SQLite is refused, and left as it was. */
    snprintf(args, sizeof args, "'%s' '%s'", scratch_path("txt.db"), scratch_path("a.db"));
    assert_int_equal(merge_cli(args), 2);
    assert_int_equal(count(scratch_path("a.db"), "SELECT count(*) FROM runs"), 1);
    f = fopen(scratch_path("txt.db"), "r");
    char line[32] = "";
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_string_equal(line, "run,seed\n");
}

/* ---- the Slurm example, run without Slurm -------------------------------------------------------
 * scenarios/cluster/slurm-sweep.sh outside Slurm runs every shard of a 2 x 2 grid in turn, then
 * merges. The merged sweep must hold the runs the same sweep gives unsharded, row for row: runs are
 * matched by the values plan_values records (shards reorder the runs, nothing else). */

/* The values of a run as one string, "path=value;..." sorted by path. Caller frees. */
static char *run_values(const char *path, int64_t run)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    text t = {0};
    text_add(&t, "");
    dump_query(&t, h, "SELECT path, value FROM plan_values WHERE run = ?1 ORDER BY path", run,
               NULL);
    sqlite3_close(h);
    return t.s;
}

static void test_slurm_script_runs_every_shard_and_merges(void **state)
{
    (void)state;
    static const char scenario[] = DRSIM_SOURCE_DIR "/tests/data/plan_one_vm.json";
    static const char options[] =
        "--target-rpo 5m --jobs 1"
        " --grid 'links[0].bandwidth=10Mbps,20Mbps'"
        " --grid 'recovery.cloud_pairs[0].settings.copy_frequency=30s,5m'";
    assert_int_equal(sh("DRSIM='%s' SLURM_ARRAY_TASK_COUNT=2 bash '%s' '%s' '%s' %s >/dev/null",
                        DRSIM_BIN, DRSIM_SOURCE_DIR "/scenarios/cluster/slurm-sweep.sh", scenario,
                        scratch_path("out-sweep"), options),
                     0);
    /* The same sweep in one go. Exit 0 or 1: whether a value meets the target is not the point. */
    int rc = sh("'%s' plan '%s' --db '%s' %s >/dev/null", DRSIM_BIN, scenario,
                scratch_path("out-whole.db"), options);
    assert_true(rc == 0 || rc == 1);
    const char *sweep = scratch_path("out-sweep/sweep.db"), *whole = scratch_path("out-whole.db");
    assert_int_equal(count(whole, "SELECT count(*) FROM runs"), 4);
    assert_int_equal(count(sweep, "SELECT count(*) FROM runs"), 4);
    /* Each shard holds half of the sweep. */
    assert_int_equal(count(scratch_path("out-sweep/shard-0.db"), "SELECT count(*) FROM runs"), 2);
    assert_int_equal(count(scratch_path("out-sweep/shard-1.db"), "SELECT count(*) FROM runs"), 2);
    bool matched[5] = {false};
    for (int64_t w = 1; w <= 4; w++) {
        char *want = run_values(whole, w);
        assert_non_null(strstr(want, "links[0].bandwidth"));
        int64_t found = 0;
        for (int64_t s = 1; s <= 4 && !found; s++) {
            char *have = run_values(sweep, s);
            if (!strcmp(want, have) && !matched[s])
                found = s;
            free(have);
        }
        if (!found)
            fail_msg("no run of the sharded sweep has the values %s", want);
        matched[found] = true;
        assert_dumps_equal(dump_run(sweep, found, false), dump_run(whole, w, false));
        free(want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_merged_runs_equal_runs_written_to_one_database, clean),
        cmocka_unit_test_teardown(test_merge_is_deterministic, clean),
        cmocka_unit_test_teardown(test_merge_appends_to_an_existing_database, clean),
        cmocka_unit_test_teardown(test_merge_copies_tables_it_does_not_know, clean),
        cmocka_unit_test_teardown(test_failure_part_way_writes_nothing, clean),
        cmocka_unit_test_teardown(test_bad_inputs_are_refused_with_exit_2, clean),
        cmocka_unit_test_teardown(test_slurm_script_runs_every_shard_and_merges, clean),
    };
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
