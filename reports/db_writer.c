/* reports/db_writer.c — the results database written by a thread of its own while the run goes.
 *
 * Writing the database (packing and deflating series chunks, SQLite's inserts and commits) is a
 * tenth of a large run. On a machine with a second core it need not hold the simulation up: the
 * recorder's rows are copied into messages, handed over in blocks, and a writer thread applies
 * them to the database sink (db.c) in the order they were handed over, so the file holds exactly
 * the rows it would have held without the thread. While the writer runs, only it touches the
 * database; every other use of it (the run's end, a flush, a close, the subjects that read the
 * results) first waits until the writer has written everything and is idle.
 *
 * Back-pressure: there are DBW_BLOCKS blocks, the one being filled and those handed over; a
 * recorder that outruns the writer waits for one to come back, so memory stays bounded. A row's strings and arrays are copied (the
 * recorder may change or free its own); the rows that come by the million (samples, recovery
 * points) fit in a message without an allocation. */
#include "reports_internal.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/shared/alloc.h"

enum { DBW_MSGS = 2048, DBW_BLOCKS = 8 };

typedef enum dbw_kind {
    DBW_JOB,
    DBW_JOB_STEP,
    DBW_EVENT,
    DBW_SAMPLE,
    DBW_FAILOVER,
    DBW_DIAG,
    DBW_STORAGE_SAMPLE,
    DBW_LINK_SAMPLE,
    DBW_RPO,
    DBW_RP_ROW,
    DBW_TICK
} dbw_kind;

/* The rows that are rare or large travel boxed: one allocation the writer frees. */
typedef struct dbw_job_box {
    size_t seq;
    report_job job; /* name, subject and reason are copies; no steps */
    char *vm_name;
} dbw_job_box;

typedef struct dbw_step_box {
    uint64_t job_id;
    size_t seq;
    report_job_step st; /* name is a copy */
} dbw_step_box;

typedef struct dbw_event_box {
    uint64_t seq;
    engine_event_info ev; /* detail is a copy */
    char *vm_name;
} dbw_event_box;

typedef struct dbw_failover_box {
    uint64_t seq;
    report_failover f;
    char *plan_name, *vm_name;
} dbw_failover_box;

typedef struct dbw_diag_box {
    uint64_t seq;
    drs_diag d;
} dbw_diag_box;

typedef struct dbw_rpo_box {
    int vm;
    size_t n;
    report_rpo_point pts[];
} dbw_rpo_box;

typedef struct dbw_msg {
    dbw_kind kind;
    union {
        struct {
            int64_t at_ns;
            int kind, vm;
            int64_t value;
        } sample;
        struct {
            int storage;
            int64_t at_ns;
            uint64_t used;
        } storage;
        struct {
            int link;
            report_link_sample s;
        } link;
        struct {
            int vm;
            int64_t pruned_ns;
            live_rp p;
        } rp;
        void *box;
    } u;
} dbw_msg;

typedef struct dbw_block {
    dbw_msg m[DBW_MSGS];
    size_t n;
} dbw_block;

struct report_db_writer {
    report_db *db;
    const report_sink *inner;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work, done; /* work: a block was handed over or the end; done: a block written */
    dbw_block *cur;            /* filled by the recorder, not yet handed over */
    /* DBW_BLOCKS blocks in all: cur, the queue and the spares. */
    dbw_block *queue[DBW_BLOCKS];
    size_t q_head, q_n;         /* blocks handed over, in order */
    dbw_block *spare[DBW_BLOCKS];
    size_t n_spare;
    size_t in_flight; /* blocks handed over and not yet written */
    bool stop;
};

static char *dbw_dup(const char *s)
{
    return s ? drs_xstrdup(s) : NULL;
}

/* Applies one message to the database and frees what it owned. */
static void dbw_apply(report_db_writer *w, dbw_msg *m)
{
    report_db *db = w->db;
    const report_sink *k = w->inner;
    switch (m->kind) {
    case DBW_JOB: {
        dbw_job_box *b = m->u.box;
        k->job(db, b->seq, &b->job, b->vm_name);
        free(b->job.name);
        free(b->job.subject);
        free(b->job.reason);
        free(b->vm_name);
        free(b);
        break;
    }
    case DBW_JOB_STEP: {
        dbw_step_box *b = m->u.box;
        k->job_step(db, b->job_id, b->seq, &b->st);
        free(b->st.name);
        free(b);
        break;
    }
    case DBW_EVENT: {
        dbw_event_box *b = m->u.box;
        k->event(db, b->seq, &b->ev, b->vm_name);
        free((char *)b->ev.detail);
        free(b->vm_name);
        free(b);
        break;
    }
    case DBW_SAMPLE:
        k->sample(db, m->u.sample.at_ns, m->u.sample.kind, m->u.sample.vm, m->u.sample.value);
        break;
    case DBW_FAILOVER: {
        dbw_failover_box *b = m->u.box;
        k->failover(db, b->seq, &b->f, b->plan_name, b->vm_name);
        free(b->plan_name);
        free(b->vm_name);
        free(b);
        break;
    }
    case DBW_DIAG: {
        dbw_diag_box *b = m->u.box;
        k->diag(db, b->seq, &b->d);
        free(b);
        break;
    }
    case DBW_STORAGE_SAMPLE:
        k->storage_sample(db, m->u.storage.storage, m->u.storage.at_ns, m->u.storage.used);
        break;
    case DBW_LINK_SAMPLE:
        k->link_sample(db, m->u.link.link, &m->u.link.s);
        break;
    case DBW_RPO: {
        dbw_rpo_box *b = m->u.box;
        k->rpo(db, b->vm, b->pts, b->n);
        free(b);
        break;
    }
    case DBW_RP_ROW:
        k->rp_row(db, m->u.rp.vm, &m->u.rp.p, m->u.rp.pruned_ns);
        break;
    case DBW_TICK:
        k->tick(db);
        break;
    }
}

static void *dbw_main(void *arg)
{
    report_db_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->q_n == 0 && !w->stop)
            pthread_cond_wait(&w->work, &w->mu);
        if (w->q_n == 0)
            break; /* stopping, and everything was written */
        dbw_block *b = w->queue[w->q_head];
        w->q_head = (w->q_head + 1) % DBW_BLOCKS;
        w->q_n--;
        pthread_mutex_unlock(&w->mu);
        for (size_t i = 0; i < b->n; i++)
            dbw_apply(w, &b->m[i]);
        b->n = 0;
        pthread_mutex_lock(&w->mu);
        w->spare[w->n_spare++] = b;
        w->in_flight--;
        pthread_cond_broadcast(&w->done);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Hands the current block over (if it holds anything) and takes a free one, waiting for the
 * writer when every block is in flight. */
static void dbw_hand_over(report_db_writer *w)
{
    if (w->cur->n == 0)
        return;
    pthread_mutex_lock(&w->mu);
    assert(w->q_n < DBW_BLOCKS); /* every other block is queued or spare */
    w->queue[(w->q_head + w->q_n) % DBW_BLOCKS] = w->cur;
    w->q_n++;
    w->in_flight++;
    pthread_cond_signal(&w->work);
    while (w->n_spare == 0)
        pthread_cond_wait(&w->done, &w->mu);
    w->cur = w->spare[--w->n_spare];
    pthread_mutex_unlock(&w->mu);
}

static dbw_msg *dbw_next(report_db *db, dbw_kind kind)
{
    report_db_writer *w = report_db_writer_of(db);
    if (w->cur->n == DBW_MSGS)
        dbw_hand_over(w);
    dbw_msg *m = &w->cur->m[w->cur->n++];
    m->kind = kind;
    return m;
}

/* ---- the sink the recorder sees once a writer was started ----
 * After the writer stopped (the run ended), rows go straight to the database, as they would have
 * without a writer. */
#define DBW_OR_DIRECT(db, call)                                                                    \
    do {                                                                                           \
        if (!report_db_writer_of(db)) {                                                            \
            report_db_direct_sink()->call;                                                         \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static void dbw_job(report_db *db, size_t seq, const report_job *job, const char *vm_name)
{
    DBW_OR_DIRECT(db, job(db, seq, job, vm_name));
    dbw_job_box *b = drs_xmalloc(sizeof *b);
    b->seq = seq;
    b->job = *job;
    b->job.name = dbw_dup(job->name);
    b->job.subject = dbw_dup(job->subject);
    b->job.reason = dbw_dup(job->reason);
    b->job.steps = NULL;
    b->job.step_count = b->job.step_cap = 0;
    b->vm_name = dbw_dup(vm_name);
    dbw_next(db, DBW_JOB)->u.box = b;
}

static void dbw_job_step(report_db *db, uint64_t job_id, size_t seq, const report_job_step *st)
{
    DBW_OR_DIRECT(db, job_step(db, job_id, seq, st));
    dbw_step_box *b = drs_xmalloc(sizeof *b);
    b->job_id = job_id;
    b->seq = seq;
    b->st = *st;
    b->st.name = dbw_dup(st->name);
    dbw_next(db, DBW_JOB_STEP)->u.box = b;
}

static void dbw_event(report_db *db, uint64_t seq, const engine_event_info *ev,
                      const char *vm_name)
{
    DBW_OR_DIRECT(db, event(db, seq, ev, vm_name));
    dbw_event_box *b = drs_xmalloc(sizeof *b);
    b->seq = seq;
    b->ev = *ev;
    b->ev.detail = dbw_dup(ev->detail);
    b->vm_name = dbw_dup(vm_name);
    dbw_next(db, DBW_EVENT)->u.box = b;
}

static void dbw_sample(report_db *db, int64_t at_ns, int kind, int vm, int64_t value)
{
    DBW_OR_DIRECT(db, sample(db, at_ns, kind, vm, value));
    dbw_msg *m = dbw_next(db, DBW_SAMPLE);
    m->u.sample.at_ns = at_ns;
    m->u.sample.kind = kind;
    m->u.sample.vm = vm;
    m->u.sample.value = value;
}

static void dbw_failover(report_db *db, uint64_t seq, const report_failover *f,
                         const char *plan_name, const char *vm_name)
{
    DBW_OR_DIRECT(db, failover(db, seq, f, plan_name, vm_name));
    dbw_failover_box *b = drs_xmalloc(sizeof *b);
    b->seq = seq;
    b->f = *f;
    b->plan_name = dbw_dup(plan_name);
    b->vm_name = dbw_dup(vm_name);
    dbw_next(db, DBW_FAILOVER)->u.box = b;
}

static void dbw_diag(report_db *db, uint64_t seq, const drs_diag *d)
{
    DBW_OR_DIRECT(db, diag(db, seq, d));
    dbw_diag_box *b = drs_xmalloc(sizeof *b);
    b->seq = seq;
    b->d = *d;
    dbw_next(db, DBW_DIAG)->u.box = b;
}

/* The subjects are read from the results themselves, which the recorder goes on changing: they
 * are written directly, once everything before them is. */
static void dbw_subjects(report_db *db, const report_results *r)
{
    report_db_writer_drain(report_db_writer_of(db));
    report_db_direct_sink()->subjects(db, r);
}

static void dbw_storage_sample(report_db *db, int storage, int64_t at_ns, uint64_t used_bytes)
{
    DBW_OR_DIRECT(db, storage_sample(db, storage, at_ns, used_bytes));
    dbw_msg *m = dbw_next(db, DBW_STORAGE_SAMPLE);
    m->u.storage.storage = storage;
    m->u.storage.at_ns = at_ns;
    m->u.storage.used = used_bytes;
}

static void dbw_link_sample(report_db *db, int link, const report_link_sample *s)
{
    DBW_OR_DIRECT(db, link_sample(db, link, s));
    dbw_msg *m = dbw_next(db, DBW_LINK_SAMPLE);
    m->u.link.link = link;
    m->u.link.s = *s;
}

static void dbw_rpo(report_db *db, int vm, const report_rpo_point *pts, size_t n)
{
    DBW_OR_DIRECT(db, rpo(db, vm, pts, n));
    dbw_rpo_box *b = drs_xmalloc(sizeof *b + n * sizeof *pts);
    b->vm = vm;
    b->n = n;
    if (n)
        memcpy(b->pts, pts, n * sizeof *pts);
    dbw_next(db, DBW_RPO)->u.box = b;
}

static void dbw_rp_row(report_db *db, int vm, const live_rp *p, int64_t pruned_ns)
{
    DBW_OR_DIRECT(db, rp_row(db, vm, p, pruned_ns));
    dbw_msg *m = dbw_next(db, DBW_RP_ROW);
    m->u.rp.vm = vm;
    m->u.rp.pruned_ns = pruned_ns;
    m->u.rp.p = *p;
}

static void dbw_tick(report_db *db)
{
    DBW_OR_DIRECT(db, tick(db));
    dbw_next(db, DBW_TICK);
}

static const report_sink dbw_sink = {
    .job = dbw_job,
    .job_step = dbw_job_step,
    .event = dbw_event,
    .sample = dbw_sample,
    .failover = dbw_failover,
    .diag = dbw_diag,
    .subjects = dbw_subjects,
    .storage_sample = dbw_storage_sample,
    .link_sample = dbw_link_sample,
    .rpo = dbw_rpo,
    .rp_row = dbw_rp_row,
    .tick = dbw_tick,
};

const report_sink *report_db_writer_sink(void)
{
    return &dbw_sink;
}

static void dbw_free(report_db_writer *w)
{
    pthread_cond_destroy(&w->done);
    pthread_cond_destroy(&w->work);
    pthread_mutex_destroy(&w->mu);
    for (size_t i = 0; i < w->n_spare; i++)
        free(w->spare[i]);
    free(w->cur);
    free(w);
}

report_db_writer *report_db_writer_start(report_db *db, const report_sink *inner)
{
    report_db_writer *w = drs_xcalloc(1, sizeof *w);
    w->db = db;
    w->inner = inner;
    for (size_t i = 0; i < DBW_BLOCKS; i++)
        w->spare[i] = drs_xcalloc(1, sizeof(dbw_block));
    w->n_spare = DBW_BLOCKS - 1;
    w->cur = w->spare[DBW_BLOCKS - 1];
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->done, NULL);
    if (pthread_create(&w->thread, NULL, dbw_main, w) != 0) {
        dbw_free(w); /* no thread: the caller writes directly */
        return NULL;
    }
    return w;
}

void report_db_writer_drain(report_db_writer *w)
{
    if (!w)
        return;
    dbw_hand_over(w);
    pthread_mutex_lock(&w->mu);
    while (w->in_flight > 0)
        pthread_cond_wait(&w->done, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

void report_db_writer_stop(report_db_writer *w)
{
    if (!w)
        return;
    report_db_writer_drain(w);
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    dbw_free(w);
}
