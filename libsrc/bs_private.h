/* Internal to libsrc: the layer ops table and the source structures.
 * Layer files under transforms/ include this; nothing outside the library
 * may (the build defines LIBSRC_BUILDING only for library objects). */
#ifndef LIBSRC_BS_PRIVATE_H
#define LIBSRC_BS_PRIVATE_H
#ifndef LIBSRC_BUILDING
#error "bs_private.h is internal to libsrc; include <libsrc.h> instead"
#endif

#include "libsrc.h"
#include <setjmp.h>
#include <stdarg.h>

#define BS_ERRMAX (BS_NAMEMAX + 512)
#define BS_NAMEMAX 4096
#define BS_LABELMAX 96
#define BS_OPS_VERSION 1

struct bs_layer;

/* One kind of layer.  A layer produces bytes by copying into its window
 * buffer (read); a base that already holds everything in memory points at
 * it instead (the core handles `direct` layers itself); a transform without
 * read() passes the windows of the layer below through untouched, having
 * consumed what it hides (a BOM) in init. */
/* bs_layer_ops.flags */
#define BS_OPS_DECODES 1   /* output counts against the decoded-bytes budget */
#define BS_OPS_TEXT 2      /* output is UTF-8 text: detection ends after it */
#define BS_OPS_WORK 4      /* costs enough per byte that readahead pays */
#define BS_OPS_CONTAINER 8 /* yields members (next_member): detection ends */
#define BS_OPS_MOVER 16    /* moves the work, not the data (readahead): no layer
                            * of the chain in messages or nesting */

struct bs_layer_ops {
    int version;        /* BS_OPS_VERSION */
    const char *name;   /* "file", "gzip", ... */
    unsigned flags;     /* BS_OPS_* */
    /* How sure the layer is that `head` (the first `len` bytes of the layer
     * below, `at_end` if that is all there is) is its format: 0 = not mine,
     * otherwise the number of bits checked.  May be NULL (never detected). */
    int (*bid)(const unsigned char *head, size_t len, int at_end);
    /* Sets up l->state and l->label; l->below is already set. */
    int (*init)(struct bs_layer *l);
    /* Produces up to `cap` bytes into dst, *got set to the count.  Returns
     * BS_OK (with *got > 0), BS_END, or a negative status after calling
     * bs_fail().  Reads the layer below with bs_layer_peek/consume. */
    int (*read)(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got);
    /* Containers: advances to the next member (the first on the first
     * call) and points l->member at its name; read() then gives that
     * member's bytes.  BS_END after the last; a negative status (after
     * bs_decode_fail) when the container cannot go on.  The core has
     * emptied the window and cleared l->status, l->eof and the counts.
     * NULL for layers that are not containers. */
    int (*next_member)(struct bs_layer *l);
    /* Releases l->state (not the window buffer, which the core owns). */
    void (*close)(struct bs_layer *l);
    /* Random access, NULL where not offered. */
    int (*size)(struct bs_layer *l, uint64_t *size);
    int (*read_at)(struct bs_layer *l, uint64_t off, void *buf, size_t n, size_t *got);
    /* Direct layers: called when a peek finds the window exhausted, to
     * report a failure only visible at the end (a mapped file that shrank
     * within its last page raises no SIGBUS).  May be NULL. */
    int (*at_end)(struct bs_layer *l);
};

struct bs_layer {
    const struct bs_layer_ops *ops;
    byte_source *src;        /* the handle, for options and the message */
    struct bs_layer *below;  /* NULL for the base */
    void *state;
    char label[BS_LABELMAX];

    /* Window of a buffered layer: bytes [start, end) of buf are unconsumed. */
    unsigned char *buf;
    size_t cap, start, end;
    /* Window of a direct layer (mapping or memory): direct[dpos, dlen). */
    const unsigned char *direct;
    size_t dlen, dpos;

    uint64_t size_hint;  /* expected total size if known (regular files), else 0 */
    int eof;          /* read() returned BS_END */
    int status;       /* sticky negative status, 0 if none */
    size_t last_avail;/* size of the last window handed out, for consume */
    /* atomic: --stats and the like read it from the reader's thread while
     * a readahead thread below moves it (consumed once per window, so the
     * atomic add costs nothing that shows) */
    _Atomic uint64_t consumed;
    uint64_t produced;   /* bytes read() has returned, for the budget */
    int threaded;        /* the layer decodes on threads of its own */
    const char *arg;     /* during init only: bs_layer_add_arg's argument */
    const char *member;  /* containers: the current member's name (owned by state) */
    char *failmsg;       /* containers: the message of a failure in this member */
};

struct byte_source {
    struct bs_layer *top;
    struct bs_layer *layers[16];   /* bottom to top */
    int nlayers;
    bs_options opt;
    /* mapping of the base, for bs_guard's range check */
    const unsigned char *map;
    size_t maplen;
    char name[BS_NAMEMAX];
    char err[BS_ERRMAX];
    int limit;   /* BS_LIMIT_* of the last BS_ELIMIT */
    /* bytes decoded by layers already dropped (members gone by), so that
     * the budget covers the whole input */
    uint64_t decoded_past;
    /* input read at offsets (a zip by its directory), not consumed, which
     * the budget counts with the base's consumed bytes */
    _Atomic uint64_t input_at;
    char display[BS_NAMEMAX + 1024];   /* bs_display_name's buffer */
};

/* Records a failure of layer l: the message becomes
 * "NAME: " followed by the formatted text, and l's status sticks.
 * Returns `status` so callers can `return bs_fail(...)`. */
int bs_fail(struct bs_layer *l, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* For decoding layers: records a failure of l with the message
 * "NAME: CHAIN: text", CHAIN naming the decoding layers from the bottom up
 * to l ("gzip", or "gzip > xz" when nested).  Returns `status`. */
int bs_decode_fail(struct bs_layer *l, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same for BS_ELIMIT, recording which limit (BS_LIMIT_*) was reached. */
int bs_limit_fail(struct bs_layer *l, int limit, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Formats a byte count for messages: "256 MiB", "1.5 GiB", "1000 bytes". */
void bs_format_size(char *buf, size_t len, uint64_t n);

/* Sets the message of s to "NAME: " followed by the formatted text and
 * returns `status`, for failures that belong to no layer yet (opening). */
int bs_set_error(byte_source *s, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Peek/consume on one layer (a transform reads the layer below with these). */
int bs_layer_peek(struct bs_layer *l, size_t min, const unsigned char **p, size_t *avail);
int bs_layer_consume(struct bs_layer *l, size_t n);
/* Consumes n bytes of layer l, adding what it took to *done.  BS_OK, BS_END
 * if l ended first, or l's negative status. */
int bs_layer_skip(struct bs_layer *l, uint64_t n, uint64_t *done);

/* For a reader that keeps the bytes elsewhere (the readahead thread):
 * moves up to cap bytes of buffered layer l into dst, first what its window
 * holds, then straight from its read(), with the same accounting as a
 * peek and consume.  Returns BS_OK with *got > 0, BS_END, or a status. */
int bs_layer_read_into(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got);

/* memcpy from a window that may be a mapping, under bs_guard(). */
int bs_copy_guarded(byte_source *s, void *dst, const void *src, size_t n);

/* Allocates a layer of the given kind and makes it the new top of s.
 * Called by the bases (with below == NULL) and by bs_push. */
int bs_layer_add(byte_source *s, const struct bs_layer_ops *ops, struct bs_layer **out);
/* The same with an argument for init to read in l->arg (a charset name);
 * it is not kept after init returns. */
int bs_layer_add_arg(byte_source *s, const struct bs_layer_ops *ops, const char *arg,
                     struct bs_layer **out);
/* Inserts a layer of the given kind at index i (1 .. count): it reads
 * layer i-1, and the layer that was at i now reads it. */
int bs_layer_insert(byte_source *s, const struct bs_layer_ops *ops, int i);

/* Base openers (base.c). */
int bs_base_open_path(byte_source *s, const char *path);
int bs_base_open_fd(byte_source *s, int fd, int own_fd);
int bs_base_open_memory(byte_source *s, const void *data, size_t len);

/* For decoders of a sequence of frames (transforms/frames.c).  `step`
 * decodes from in[0..*used) into out[0..*made), setting both to what it
 * took and gave, and returns 1 inside a frame, 0 when one has just ended,
 * or a negative status after failing l.  in_frame starts at 1, so that
 * empty input is a truncated frame, not an empty stream. */
struct bs_frames {
    int (*is_frame)(const unsigned char *p, size_t n);
    int (*step)(struct bs_layer *l, const unsigned char *in, size_t *used, unsigned char *out,
                size_t *made);
    int in_frame;
    uint64_t in_pos;   /* bytes consumed from the layer below */
};
int bs_frames_read(struct bs_layer *l, struct bs_frames *f, unsigned char *dst, size_t cap,
                   size_t *got);

/* Skippable frames (magic 0x184D2A5?, shared by zstd and lz4) say nothing
 * of the format: the offset past those at the start of p[0..len), or
 * SIZE_MAX when one reaches past len. */
size_t bs_skip_skippable(const unsigned char *p, size_t len);
int bs_is_skippable(const unsigned char *p, size_t len);

static inline uint32_t bs_le32(const unsigned char *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The registry of transform layers, NULL-terminated (registry.c). */
extern const struct bs_layer_ops *const bs_registry[];

extern const struct bs_layer_ops bs_gzip_ops, bs_gzip_zlib_ops, bs_xz_ops, bs_zstd_ops,
    bs_bzip2_ops, bs_lz4_ops, bs_utf8_ops, bs_utf16le_ops, bs_utf16be_ops, bs_utf32le_ops,
    bs_utf32be_ops, bs_iconv_ops, bs_tar_ops, bs_zip_ops;

/* How many bytes bs_detect waits for before the layers bid.  Formats are
 * recognised by their magic numbers, which all sit in the first few
 * hundred bytes. */
#define BS_BID_BYTES 512
/* How far the UTF-16 guess looks, once the first BS_BID_BYTES look right. */
#define BS_GUESS_BYTES 4096

/* The UTF-16 guess for text without a BOM (transforms/unicode.c): the
 * layer for the byte order the first n bytes of p (at most BS_GUESS_BYTES
 * of them) are in, or NULL when they do not look like UTF-16 (the rule is
 * documented with bs_detect). */
const struct bs_layer_ops *bs_utf16_guess(const unsigned char *p, size_t n);

/* The text step of bs_detect once nothing bids on p[0..n), the head of
 * the top layer: pushes opt.encoding's layer, or the guessed UTF-16 one.
 * Returns 1 if it pushed a layer, 0 if not, or a negative status. */
int bs_detect_text(byte_source *s, const unsigned char *p, size_t n);

#endif
