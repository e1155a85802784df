/* The thread pool: files in, each file's output out whole, in order. */
#define _GNU_SOURCE
#include "pool.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct job {
    struct pool *pool;
    uint64_t seq;
    char *path;              /* NULL: standard input */
    char *shown;
    char *msg;               /* a message, not a file */
    struct out out;
    size_t held;             /* buffer bytes counted in pool->held */
    atomic_int turn;         /* it is this job's turn: it writes through */
    int done;
    int ends_run;            /* the search ended the run */
    struct job *next;        /* in the queue, or the list of finished jobs */
};

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t work;     /* a job was queued, or the pool is closing */
    pthread_cond_t room;     /* a job was printed: the walk may go on */
    pthread_cond_t turn;     /* whose turn it is changed, or memory was freed */
    int nthreads;
    pthread_t *threads;
    void **workers;
    pool_search_fn search;
    int ordered;
    struct out *shared;
    atomic_int *quit;
    int closing;
    struct job *head, *tail; /* queued, not started */
    /* ordered: the jobs not yet printed, by seq % POOL_WINDOW */
    struct job **slots;
    uint64_t next_seq, next_print;
    /* unordered: the job writing through, and those done waiting for it */
    struct job *owner;
    struct job *waiting;
    size_t outstanding;      /* submitted, not yet printed */
    /* threads asleep on each condition: a wake-up nobody waits for is a
     * system call saved per file */
    int turn_waiters, room_waiters, work_waiters;
    atomic_int ended;        /* a job that ended the run was printed: drop the rest */
    size_t held;
};

static void job_free(struct job *j)
{
    out_free(&j->out);
    free(j->path);
    free(j->shown);
    free(j->msg);
    free(j);
}

/* The shared output failed (a closed pipe, a full disk): stop. */
static void check_shared(struct pool *p)
{
    if (p->shared->err)
        atomic_store(p->quit, 1);
}

/* Waits on c (lock held), counted among its sleepers. */
static void sleep_on(struct pool *p, pthread_cond_t *c, int *waiters)
{
    (*waiters)++;
    pthread_cond_wait(c, &p->lock);
    (*waiters)--;
}

/* Whether j may write through now; called with the lock held. */
static int takes_turn(struct pool *p, struct job *j)
{
    if (p->ordered) {
        if (j->seq != p->next_print)
            return 0;
    } else {
        if (p->owner && p->owner != j)
            return 0;
        p->owner = j;
    }
    p->held -= j->held;
    j->held = 0;
    atomic_store(&j->turn, 1);
    return 1;
}

static int may_write(struct out *o, int wait)
{
    struct job *j = o->owner;
    struct pool *p = j->pool;
    if (atomic_load(&p->ended)) {
        o->discard = 1;
        out_reset(o);
        return 1;
    }
    if (atomic_load(&j->turn)) {
        check_shared(p);
        return 1;
    }
    pthread_mutex_lock(&p->lock);
    int yes = takes_turn(p, j);
    if (!yes && wait == 2) {
        while (!(yes = takes_turn(p, j)) && !atomic_load(p->quit))
            sleep_on(p, &p->turn, &p->turn_waiters);
    } else if (!yes && wait) {
        /* the buffer grows as out_add will grow it: may it, within the
         * bound? */
        size_t cap = o->cap ? o->cap : 64 << 10;
        while (cap < o->len + o->need)
            cap *= 2;
        size_t more = cap - o->cap;
        if (p->held + more <= POOL_HELD_MAX) {
            p->held += more;
            j->held += more;
        } else {
            while (!(yes = takes_turn(p, j)) && !atomic_load(p->quit))
                sleep_on(p, &p->turn, &p->turn_waiters);
            if (!yes) {
                /* quitting: what this job would print is not wanted */
                out_reset(o);
            }
        }
    }
    pthread_mutex_unlock(&p->lock);
    return yes;
}

/* Prints the finished job j whose turn it is (lock not held), then frees
 * it. */
static void print_job(struct pool *p, struct job *j)
{
    if (!p->shared->err && !atomic_load(&p->ended))
        out_pass(&j->out);
    if (j->out.err && !p->shared->err)
        p->shared->err = j->out.err;   /* held output lost (no memory): say so */
    if (j->ends_run)
        atomic_store(&p->ended, 1);
    check_shared(p);
    job_free(j);
}

/* j is finished: print it and every finished job after it whose turn
 * comes, or leave it to wait for its turn. */
static void job_done(struct pool *p, struct job *j)
{
    pthread_mutex_lock(&p->lock);
    j->done = 1;
    if (p->ordered) {
        if (!takes_turn(p, j)) {
            pthread_mutex_unlock(&p->lock);
            return;
        }
        for (;;) {
            struct job *k = p->slots[p->next_print % POOL_WINDOW];
            if (!k || !k->done)
                break;
            p->slots[p->next_print % POOL_WINDOW] = NULL;
            p->held -= k->held;
            k->held = 0;
            /* the printing happens without the lock: only the job whose
             * turn it is prints, and next_print has not moved yet */
            pthread_mutex_unlock(&p->lock);
            print_job(p, k);
            pthread_mutex_lock(&p->lock);
            p->next_print++;
            p->outstanding--;
        }
        struct job *k = p->slots[p->next_print % POOL_WINDOW];
        if (k)
            takes_turn(p, k);
    } else {
        if (!takes_turn(p, j)) {
            j->next = p->waiting;
            p->waiting = j;
            pthread_mutex_unlock(&p->lock);
            return;
        }
        struct job *k = j;
        while (k) {
            pthread_mutex_unlock(&p->lock);
            print_job(p, k);
            pthread_mutex_lock(&p->lock);
            p->outstanding--;
            p->owner = NULL;
            k = p->waiting;
            if (k) {
                p->waiting = k->next;
                p->held -= k->held;
                k->held = 0;
                p->owner = k;
            }
        }
    }
    if (p->turn_waiters)
        pthread_cond_broadcast(&p->turn);
    /* the walk goes on once a quarter of the window is free, not at each
     * file printed: one wake-up for many files */
    if (p->room_waiters && p->outstanding <= POOL_WINDOW - POOL_WINDOW / 4)
        pthread_cond_signal(&p->room);
    pthread_mutex_unlock(&p->lock);
}

static void run_job(struct pool *p, void *worker, struct job *j)
{
    if (atomic_load(&p->ended))
        ;   /* -q has its answer: nothing after it is wanted */
    else if (j->msg)
        out_msg(&j->out, j->msg);
    else if (!atomic_load(p->quit))
        j->ends_run = p->search(worker, j->seq, j->path, j->shown, &j->out);
    job_done(p, j);
}

struct thread_arg {
    struct pool *p;
    void *worker;
};

static void *thread_main(void *arg)
{
    struct pool *p = ((struct thread_arg *)arg)->p;
    void *worker = ((struct thread_arg *)arg)->worker;
    free(arg);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->closing)
            sleep_on(p, &p->work, &p->work_waiters);
        struct job *j = p->head;
        if (!j)
            break;
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        pthread_mutex_unlock(&p->lock);
        run_job(p, worker, j);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

struct pool *pool_new(int nthreads, int ordered, struct out *shared, pool_search_fn search,
                      void **workers, atomic_int *quit)
{
    struct pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->nthreads = nthreads < 1 ? 1 : nthreads;
    p->ordered = ordered;
    p->shared = shared;
    p->search = search;
    p->workers = workers;
    p->quit = quit;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->room, NULL);
    pthread_cond_init(&p->turn, NULL);
    if (p->nthreads == 1)
        return p;
    p->slots = calloc(POOL_WINDOW, sizeof *p->slots);
    p->threads = calloc((size_t)p->nthreads, sizeof *p->threads);
    if (!p->slots || !p->threads)
        goto fail;
    for (int i = 0; i < p->nthreads; i++) {
        struct thread_arg *a = malloc(sizeof *a);
        if (!a)
            goto fail;
        a->p = p;
        a->worker = workers[i];
        if (pthread_create(&p->threads[i], NULL, thread_main, a) != 0) {
            free(a);
            p->nthreads = i;
            pool_finish(p);
            return NULL;
        }
    }
    return p;
fail:
    p->nthreads = 0;
    pool_finish(p);
    return NULL;
}

static int submit(struct pool *p, const char *path, const char *shown, const char *msg)
{
    if (p->nthreads == 1 && !p->threads) {
        /* no thread: searched now, written straight to the shared output */
        if (msg)
            out_msg(p->shared, msg);
        else if (!atomic_load(p->quit))
            p->search(p->workers[0], p->next_seq, path, shown, p->shared);
        p->next_seq++;
        check_shared(p);
        return 0;
    }
    struct job *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->pool = p;
    if ((path && !(j->path = strdup(path))) || (shown && !(j->shown = strdup(shown))) ||
        (msg && !(j->msg = strdup(msg)))) {
        job_free(j);
        return -1;
    }
    out_init(&j->out, p->shared->fd);
    j->out.may_write = may_write;
    j->out.owner = j;
    j->out.to = p->shared;
    pthread_mutex_lock(&p->lock);
    while (p->outstanding >= POOL_WINDOW)
        sleep_on(p, &p->room, &p->room_waiters);
    j->seq = p->next_seq++;
    if (p->ordered) {
        p->slots[j->seq % POOL_WINDOW] = j;
        if (j->seq == p->next_print)
            takes_turn(p, j);
    }
    p->outstanding++;
    if (!path && !msg) {
        pthread_mutex_unlock(&p->lock);
        run_job(p, p->workers[p->nthreads], j);
        return 0;
    }
    if (p->tail)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
    if (p->work_waiters)
        pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

int pool_file(struct pool *p, const char *path, const char *shown)
{
    return submit(p, path, shown, NULL);
}

int pool_message(struct pool *p, const char *text)
{
    return submit(p, NULL, NULL, text);
}

void pool_finish(struct pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->closing = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads && p->threads; i++)
        pthread_join(p->threads[i], NULL);
    free(p->threads);
    free(p->slots);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->room);
    pthread_cond_destroy(&p->turn);
    free(p);
}
