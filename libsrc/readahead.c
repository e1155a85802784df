/* Readahead: the decoding layers of a source run on a thread of their own,
 * a few chunks ahead of the reader, so that decompressing and searching
 * overlap on two cores.  The thread moves the output of the layer below
 * into a ring of chunks; the readahead layer, on top, hands them to the
 * reader through the usual window.  One copy per byte is what it costs,
 * against a decoder that is several times slower than memcpy. */
#include "bs_private.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RA_SLOTS 4
#define RA_CHUNK ((size_t)1024 << 10)

/* Below this many bytes of compressed input a thread costs more than it
 * saves (creating and joining one is tens of microseconds, decoding 1 MiB
 * of gzip input about a millisecond). */
#define RA_MIN_INPUT ((uint64_t)1 << 20)

struct slot {
    unsigned char *data;
    size_t len, pos;
    int rc;   /* status that came with the chunk: BS_OK, BS_END or an error */
};

struct ra {
    struct slot slot[RA_SLOTS];
    unsigned full;          /* chunks ready for the reader */
    unsigned rd, wr;        /* next slot to read, to fill */
    int stop, done;
    int started;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t can_fill, can_read;
    struct bs_layer *below;
};

struct fill_ctx {
    struct ra *ra;
    struct slot *sl;
};

/* Runs under bs_guard: a mapped base that shrinks ends the chunk with
 * BS_ECHANGED instead of killing the process. */
static int fill(void *arg)
{
    struct fill_ctx *c = arg;
    struct slot *sl = c->sl;
    while (sl->len < RA_CHUNK) {
        size_t got = 0;
        int rc = bs_layer_read_into(c->ra->below, sl->data + sl->len, RA_CHUNK - sl->len, &got);
        sl->len += got;
        if (rc != BS_OK)
            return rc;
    }
    return BS_OK;
}

static void *worker(void *arg)
{
    struct bs_layer *l = arg;
    struct ra *ra = l->state;
    for (;;) {
        pthread_mutex_lock(&ra->mu);
        while (!ra->stop && ra->full == RA_SLOTS)
            pthread_cond_wait(&ra->can_fill, &ra->mu);
        int stop = ra->stop;
        pthread_mutex_unlock(&ra->mu);
        if (stop)
            break;
        struct fill_ctx c = {ra, &ra->slot[ra->wr]};
        c.sl->len = c.sl->pos = 0;
        int rc = bs_guard(l->src, fill, &c);
        c.sl->rc = rc;
        pthread_mutex_lock(&ra->mu);
        ra->wr = (ra->wr + 1) % RA_SLOTS;
        ra->full++;
        if (rc != BS_OK)
            ra->done = 1;
        pthread_cond_signal(&ra->can_read);
        pthread_mutex_unlock(&ra->mu);
        if (rc != BS_OK)
            break;
    }
    return NULL;
}

static int ra_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct ra *ra = l->state;
    *got = 0;
    for (;;) {
        pthread_mutex_lock(&ra->mu);
        while (ra->full == 0)
            pthread_cond_wait(&ra->can_read, &ra->mu);
        pthread_mutex_unlock(&ra->mu);
        /* slot rd is the reader's until it is handed back */
        struct slot *sl = &ra->slot[ra->rd];
        size_t k = sl->len - sl->pos;
        if (k > cap - *got)
            k = cap - *got;
        memcpy(dst + *got, sl->data + sl->pos, k);
        sl->pos += k;
        *got += k;
        if (sl->pos < sl->len)
            return BS_OK;   /* dst is full */
        if (sl->rc != BS_OK) {
            if (sl->rc == BS_END)
                return *got ? BS_OK : BS_END;
            /* the failing layer wrote the message before handing over */
            l->status = sl->rc;
            return sl->rc;
        }
        pthread_mutex_lock(&ra->mu);
        ra->rd = (ra->rd + 1) % RA_SLOTS;
        ra->full--;
        pthread_cond_signal(&ra->can_fill);
        pthread_mutex_unlock(&ra->mu);
        if (*got)
            return BS_OK;
    }
}

static void ra_close(struct bs_layer *l)
{
    struct ra *ra = l->state;
    if (!ra)
        return;
    if (ra->started) {
        pthread_mutex_lock(&ra->mu);
        ra->stop = 1;
        pthread_cond_signal(&ra->can_fill);
        pthread_mutex_unlock(&ra->mu);
        pthread_join(ra->thread, NULL);
    }
    pthread_mutex_destroy(&ra->mu);
    pthread_cond_destroy(&ra->can_fill);
    pthread_cond_destroy(&ra->can_read);
    for (int i = 0; i < RA_SLOTS; i++)
        free(ra->slot[i].data);
    free(ra);
    l->state = NULL;
}

static int ra_init(struct bs_layer *l)
{
    struct ra *ra = calloc(1, sizeof *ra);
    if (!ra)
        return bs_fail(l, BS_ENOMEM, "readahead: out of memory");
    l->state = ra;
    pthread_mutex_init(&ra->mu, NULL);
    pthread_cond_init(&ra->can_fill, NULL);
    pthread_cond_init(&ra->can_read, NULL);
    ra->below = l->below;
    /* messages about this layer's window are about the decoded stream */
    snprintf(l->label, sizeof l->label, "%s", l->below->label);
    for (int i = 0; i < RA_SLOTS; i++) {
        ra->slot[i].data = malloc(RA_CHUNK);
        if (!ra->slot[i].data)
            return bs_fail(l, BS_ENOMEM, "readahead: out of memory");
    }
    /* the chunk size is the natural window of this layer */
    l->cap = 0;
    if (pthread_create(&ra->thread, NULL, worker, l) != 0)
        return bs_fail(l, BS_ENOMEM, "readahead: cannot start a thread");
    ra->started = 1;
    return BS_OK;
}

static const struct bs_layer_ops readahead_ops = {
    .version = BS_OPS_VERSION,
    .name = "readahead",
    .flags = BS_OPS_MOVER,
    .init = ra_init,
    .read = ra_read,
    .close = ra_close,
};

int bs_readahead(byte_source *s)
{
    if (!s || !s->top)
        return BS_EINVAL;
    if (s->top->status < 0)
        return 0;
    /* Worth a thread when some layer does real work per byte (a decoder, a
     * transcoder); everything above the base then runs on it.  A decoder
     * with threads of its own already overlaps with the reader: one more
     * thread and copy only compete with it for the cores (xz -T2 blocks:
     * 1.34 s without, 1.45 s with, on 2 cores). */
    /* Under a container the thread goes right below it, for the whole
     * archive: members come and go above it, and get none of their own
     * (a thread per member of a tar of small .gz files costs more than it
     * saves). */
    int work = 0, at = s->nlayers;
    for (int i = 1; i < s->nlayers; i++) {
        if (s->layers[i]->threaded || s->layers[i]->ops == &readahead_ops)
            return 0;
        if (s->layers[i]->ops->flags & BS_OPS_CONTAINER) {
            at = i;
            break;
        }
        if (s->layers[i]->ops->flags & (BS_OPS_DECODES | BS_OPS_WORK))
            work = 1;
    }
    if (!work)
        return 0;
    uint64_t size;
    struct bs_layer *base = s->layers[0];
    if (base->ops->size && base->ops->size(base, &size) == BS_OK && size < RA_MIN_INPUT)
        return 0;
    int rc = bs_layer_insert(s, &readahead_ops, at);
    return rc < 0 ? rc : 1;
}
