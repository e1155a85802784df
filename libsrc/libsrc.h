/* libsrc: search-friendly byte sources.
 *
 * A byte_source is a pull stream of bytes that hands out large contiguous
 * windows.  The base of a source is a file, a file descriptor or a memory
 * buffer; transform layers (decompressors, transcoders, container members)
 * stack on top of it, and every layer is read through the same two calls:
 *
 *     const void *p; size_t n;
 *     while ((rc = bs_peek(s, 1, &p, &n)) == BS_OK) {
 *         use(p, n);                 // p[0..n) is the window
 *         bs_consume(s, n);
 *     }
 *     if (rc < 0) fprintf(stderr, "%s\n", bs_error(s));
 *
 * Ask for 1 byte to get whatever is buffered (for a mapped file, the rest of
 * the file); ask for more than you got to make the window grow.  Only bytes
 * not yet consumed are kept across calls, so a caller that consumes whole
 * lines and asks for "what I have + 1" reads lines that straddle two reads
 * without ever copying more than that one partial line.
 *
 * Ownership: a byte_source owns every layer below it and the file
 * descriptor it opened itself; bs_close() releases the whole chain.  Pointers
 * returned by bs_peek(), bs_error() and bs_layer_*() belong to the source.
 *
 * Threads: the library has no mutable global state of its own.  Distinct
 * sources may be used from distinct threads at once; one source must not be
 * used by two threads at the same time.  The only process-wide effect is the
 * SIGBUS handler installed (once, chaining to any previous handler) the first
 * time a guarded read of a mapped file happens; see bs_guard().
 *
 * Status codes: every int-returning call returns BS_OK (0), BS_END (1) at
 * the end of the stream where that is meaningful, or a negative BS_E*
 * value.  After a negative return, bs_error() describes the failure as one
 * line that names the source and the layer, e.g.
 *     "notes.txt: read: Permission denied"
 * and the error is sticky: later reads return the same code.
 */
#ifndef LIBSRC_H
#define LIBSRC_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) && __GNUC__ >= 4
#define BS_API __attribute__((visibility("default")))
#else
#define BS_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define LIBSRC_VERSION_MAJOR 0
#define LIBSRC_VERSION_MINOR 1
#define LIBSRC_VERSION_PATCH 0
#define LIBSRC_VERSION_STRING "0.1.0"

typedef struct byte_source byte_source;

/* Status codes. */
enum {
    BS_OK = 0,
    BS_END = 1,           /* end of stream: nothing more to read */
    BS_EIO = -1,          /* the operating system refused a call (errno in the message) */
    BS_ENOMEM = -2,       /* an allocation failed */
    BS_ECHANGED = -3,     /* a mapped file shrank while it was being read */
    BS_EINVAL = -4,       /* a caller passed an argument that makes no sense */
    BS_EUNSUPPORTED = -5, /* the source cannot do this (e.g. random access on a pipe) */
    BS_EFORMAT = -6,      /* a layer found its input malformed */
    BS_ELIMIT = -7        /* a documented limit was reached (see bs_options, bs_limit) */
};

/* Which documented limit a BS_ELIMIT failure reached (bs_limit). */
enum {
    BS_LIMIT_NONE = 0,
    BS_LIMIT_WINDOW,      /* a peek above window_max */
    BS_LIMIT_DEPTH,       /* bs_detect's max_depth, or the 16 layers a source holds */
    BS_LIMIT_DECODED,     /* decode_floor and decode_ratio: a decompression bomb */
    BS_LIMIT_XZ_MEMORY,   /* xz_memlimit */
    BS_LIMIT_ZSTD_WINDOW, /* zstd_window_log_max */
    BS_LIMIT_ENTRIES,     /* zip_max_entries */
    BS_LIMIT_OVERLAP      /* zip members whose data overlap: a zip bomb */
};

/* How the base of a regular file is read. */
enum {
    BS_MMAP_AUTO = 0,   /* the measured rule: map files of at least mmap_threshold bytes */
    BS_MMAP_ALWAYS = 1, /* map every regular file that can be mapped */
    BS_MMAP_NEVER = 2   /* always use read() into a buffer */
};

/* Default for bs_options.mmap_threshold, measured with bench/run_mmap.sh
 * on 2 cores (page cache warm, median of 7 samples, every byte scanned with
 * memchr; bench/README.md has the full tables).  Per file:
 *   size        read()     mmap     (cache left by read())
 *   4 KiB       4.3 us     10.4 us  (small files: read wins, 2x)
 *   1 MiB       60.5 us    91.7 us
 *   4 MiB       202 us     235 us   (ratio 1.17)
 *   8 MiB       396 us     388 us   (ratio 0.98)
 *   16 MiB      1.01 ms    623 us   (ratio 0.62)
 *   1 GiB       92 ms      34 ms
 * In the cache a mapping leaves (with MADV_HUGEPAGE), mmap already wins
 * from 2 MiB (0.41); where transparent huge pages are off, not before
 * 24 MiB.  Files of 8 MiB and more are mapped. */
#define BS_MMAP_THRESHOLD_DEFAULT ((uint64_t)8 << 20)

/* Default initial window of a buffered source, and the largest window a
 * single bs_peek() may ask a buffered source to build (a line longer than
 * this is refused with BS_ELIMIT rather than exhausting memory). */
#define BS_WINDOW_DEFAULT ((size_t)256 << 10)
#define BS_WINDOW_MAX_DEFAULT ((size_t)1 << 30)

/* The decoded-bytes budget, against decompression bombs.  A decoding layer
 * fails with BS_LIMIT_DECODED once it has produced more than decode_floor
 * bytes AND more than decode_ratio times the bytes read from the base so
 * far.  Text, logs included, compresses far below 4096:1 (deflate cannot
 * exceed 1032:1, so one gzip layer never trips it, and a 10 GB log
 * compressed 500:1 is read whole); a nested bomb (gzip of gzip is ~10^6:1,
 * 42.zip far more) stops after 1 GiB.  Only near-constant data (one line
 * repeated for gigabytes) squeezed by xz, zstd or bzip2 goes past the
 * ratio; raise it for such files.  0 in either field turns the budget off. */
#define BS_DECODE_FLOOR_DEFAULT ((uint64_t)1 << 30)
#define BS_DECODE_RATIO_DEFAULT 4096u

/* Memory the xz decoder may use (as `xz --memlimit`): a header that asks
 * for a larger dictionary fails with BS_LIMIT_XZ_MEMORY instead. */
#define BS_XZ_MEMLIMIT_DEFAULT ((uint64_t)256 << 20)

/* Entries a zip's central directory may list (as the entries each take
 * memory while the archive is read, about 64 bytes plus the name). */
#define BS_ZIP_MAX_ENTRIES_DEFAULT ((uint64_t)1 << 20)

/* Largest zstd window accepted, as a power of two (zstd's own default:
 * frames made with --long=31 need `zstd --memory=2GB` or this raised). */
#define BS_ZSTD_WINDOW_LOG_MAX_DEFAULT 27

/* What bs_detect does with text, once no compression layer bids
 * (bs_options.text).  A byte order mark always decides where text layers
 * are allowed: UTF-8's is removed, UTF-16 and UTF-32 (either byte order)
 * are transcoded to UTF-8 without it. */
enum {
    BS_TEXT_AUTO = 0, /* BOM; else bs_options.encoding if set; else the UTF-16 guess */
    BS_TEXT_BOM = 1,  /* BOM; else bs_options.encoding if set; never a guess */
    BS_TEXT_NONE = 2  /* no text layers: bytes as they are, BOM and all */
};

/* Room for a charset name in bs_options.encoding, NUL included. */
#define BS_ENCODING_MAX 64

/* Options for opening a source.  Always start from bs_options_init() so
 * that fields added later get their defaults. */
typedef struct bs_options {
    int mmap_mode;            /* BS_MMAP_AUTO, BS_MMAP_ALWAYS or BS_MMAP_NEVER */
    uint64_t mmap_threshold;  /* AUTO maps regular files at least this large */
    size_t window;            /* initial buffer of buffered layers, bytes */
    size_t window_max;        /* limit on one peek of a buffered layer, bytes */
    uint64_t decode_floor;    /* decoded-bytes budget: see BS_DECODE_FLOOR_DEFAULT */
    unsigned decode_ratio;    /* ... and BS_DECODE_RATIO_DEFAULT; 0 = no budget */
    uint64_t xz_memlimit;     /* bytes the xz decoder may allocate */
    int zstd_window_log_max;  /* 10..31 */
    int threads;              /* decoder threads (xz); 0 = one per core */
    uint64_t zip_max_entries; /* entries a zip directory may list; 0 = any */
    int text;                 /* BS_TEXT_AUTO, BS_TEXT_BOM or BS_TEXT_NONE */
    /* Charset of text without a BOM, for bs_detect: any name
     * bs_push_encoding takes; "" (the default) means UTF-8 or bytes. */
    char encoding[BS_ENCODING_MAX];
} bs_options;

/* Fills *opt with the defaults above. */
BS_API void bs_options_init(bs_options *opt);

/* Opening.  Each open call stores a new source in *out and returns BS_OK, or
 * returns a negative status.  As with sqlite3_open(), *out is set even on
 * failure (so bs_error(*out) explains it, e.g. "x.txt: No such file or
 * directory"); it is NULL only when memory for the handle itself could not
 * be had.  Either way the caller must bs_close(*out).  `opt` may be NULL for
 * the defaults; it is copied, not kept. */

/* A file by path.  "-" is not special here (see bs_open_fd for stdin).
 * Regular files are mapped or read according to opt->mmap_mode; anything
 * else (FIFO, character device) is read like an fd.  Directories fail with
 * BS_EIO and the message "PATH: Is a directory". */
BS_API int bs_open_path(byte_source **out, const char *path, const bs_options *opt);

/* An already open descriptor, read with read() only: never seeks, never
 * maps, so pipes, FIFOs, terminals and stdin work.  `name` is used in
 * messages (copied).  The fd is closed by bs_close() only if `own_fd` is
 * non-zero. */
BS_API int bs_open_fd(byte_source **out, int fd, const char *name, int own_fd,
                      const bs_options *opt);

/* A memory buffer, served without copying.  The caller keeps ownership of
 * `data` and must keep it unchanged until bs_close(). */
BS_API int bs_open_memory(byte_source **out, const void *data, size_t len,
                          const char *name, const bs_options *opt);

/* Closes the source and every layer under it.  bs_close(NULL) does nothing. */
BS_API void bs_close(byte_source *s);

/* Makes at least `min` bytes available at the current position without
 * consuming them and points *p at them, *avail set to how many there are
 * (which may be more than min).  Fewer than `min` bytes are returned only at
 * the end of the stream.  Returns BS_OK while *avail > 0, BS_END when the
 * stream is exhausted (*avail == 0), or a negative status; on a negative
 * return *p and *avail still describe the bytes decoded before the failure,
 * so nothing already produced is lost.  The window stays valid until the
 * next call on this source.  A buffered layer refuses a `min` above
 * opt.window_max with BS_ELIMIT; a mapped or memory base already holds
 * everything and just returns it. */
BS_API int bs_peek(byte_source *s, size_t min, const void **p, size_t *avail);

/* Marks the first n bytes of the last window as used.  n larger than that
 * window gives BS_EINVAL. */
BS_API int bs_consume(byte_source *s, size_t n);

/* Copies up to n bytes into buf and consumes them; *got says how many.
 * Returns BS_OK with *got > 0, BS_END with *got == 0, or a negative status. */
BS_API int bs_read(byte_source *s, void *buf, size_t n, size_t *got);

/* Bytes consumed so far from the top of the chain. */
BS_API uint64_t bs_tell(const byte_source *s);

/* Random access, offered by seekable bases (regular files, memory).  Other
 * sources return BS_EUNSUPPORTED.  bs_size stores the size in bytes as it
 * was when the source was opened.  bs_read_at copies up to n bytes from
 * offset `off` into buf without moving the stream position; *got (if got
 * is not NULL) < n only at the end of the source, where BS_END is returned
 * once nothing at all could be copied. */
BS_API int bs_size(byte_source *s, uint64_t *size);
BS_API int bs_read_at(byte_source *s, uint64_t off, void *buf, size_t n, size_t *got);

/* The layer chain, bottom (index 0, the base: "file", "fd", "memory") to
 * top.  bs_layer_name gives the layer kind, bs_layer_label a description
 * ("file", "gzip", "latin1" for iconv, "docx" for a zip read as a
 * document).  Both return NULL past the end. */
BS_API int bs_layer_count(const byte_source *s);
BS_API const char *bs_layer_name(const byte_source *s, int i);
BS_API const char *bs_layer_label(const byte_source *s, int i);

/* The bytes layer i has handed on so far: to the layer above it, or for
 * the top layer to the reader.  For the base (i = 0) this is the input
 * read, counting what a container reads at offsets (a zip read by its
 * directory).  It may be read at any time from the reader's thread, also
 * while a readahead thread moves it.  0 past the end. */
BS_API uint64_t bs_layer_bytes(const byte_source *s, int i);

/* Whether the base is a memory mapping (1) or not (0): the rule's choice. */
BS_API int bs_is_mapped(const byte_source *s);

/* The name given at open (the path, or the fd's name). */
BS_API const char *bs_name(const byte_source *s);

/* The last error as one line without a newline, naming the source and the
 * layer; "" if there was none.  Owned by the source, valid until the next
 * call on it; never allocated, so it works after BS_ENOMEM too. */
BS_API const char *bs_error(const byte_source *s);

/* Adds a transform layer by name on top of the chain, whatever the data
 * looks like.  Names: "gzip" (multi-member, CRC32 and length checked;
 * ISA-L's inflate where the library was built with it, zlib otherwise),
 * "gzip-zlib" (the same on zlib always), "xz" (concatenated streams,
 * multi-threaded for multi-block files), "zstd", "bzip2", "lz4" (frame
 * format).  Returns BS_OK, BS_EUNSUPPORTED for an unknown name ("unknown
 * layer NAME" in the message), or a negative status from the layer's
 * set-up.  Failures while reading are reported as
 *     "NAME: gzip: unexpected end of stream"
 * naming every decoding layer up to the one that failed ("gzip > xz"). */
BS_API int bs_push(byte_source *s, const char *layer);
BS_API int bs_push_gzip(byte_source *s);
BS_API int bs_push_xz(byte_source *s);
BS_API int bs_push_zstd(byte_source *s);
BS_API int bs_push_bzip2(byte_source *s);
BS_API int bs_push_lz4(byte_source *s);

/* Text layers.  Each produces UTF-8; the five Unicode ones also remove a
 * byte order mark at the start of their input if there is one.  Input that is not valid in the
 * charset never stops the stream: a lone surrogate, a UTF-32 value above
 * U+10FFFF or in the surrogate range, an odd byte at the end, a byte
 * sequence iconv refuses all become U+FFFD (EF BF BD) and decoding goes
 * on.  A unit, surrogate pair or multi-byte sequence split between two
 * windows of the layer below is put together, not replaced.  UTF-16 and
 * UTF-32 are converted by the library itself; other charsets by iconv(3).
 * Each returns BS_OK or a negative status; bs_push() knows them as
 * "utf-8", "utf-16le", "utf-16be", "utf-32le" and "utf-32be". */
BS_API int bs_push_utf8(byte_source *s);       /* removes a BOM, passes the rest */
BS_API int bs_push_utf16le(byte_source *s);
BS_API int bs_push_utf16be(byte_source *s);
BS_API int bs_push_utf32le(byte_source *s);
BS_API int bs_push_utf32be(byte_source *s);
/* Any charset iconv_open(3) knows, converted by iconv: "latin1",
 * "cp1252", "shift_jis", "gb18030", "koi8-r", ...  The layer's label is
 * the name given.  BS_EUNSUPPORTED ("unknown encoding NAME") if iconv
 * does not know it.  One exception to the rule that the split of the
 * input changes nothing: glibc's UTF-7 keeps a partial sequence in its
 * own state, so damaged UTF-7 may be replaced differently depending on
 * where the windows of the layer below fall (valid UTF-7 is not). */
BS_API int bs_push_iconv(byte_source *s, const char *charset);
/* By name, whatever converts it best: "utf-8", "utf-16le", "utf-16be",
 * "utf-32le", "utf-32be" (case, '-' and '_' do not matter; "utf-16" and
 * "utf-32" without a byte order mean little-endian, as Windows writes
 * them) get the layers above, any other name bs_push_iconv. */
BS_API int bs_push_encoding(byte_source *s, const char *name);
/* 1 if bs_push_encoding would accept `name`, 0 if not. */
BS_API int bs_encoding_supported(const char *name);

/* Containers.  A container layer (tar, zip) holds members, each a stream of
 * its own.  bs_detect stops after pushing one; the caller then walks its
 * members:
 *
 *     int c = bs_layer_count(s) - 1;          // the container
 *     while ((rc = bs_next_member(s, c)) == BS_OK) {
 *         bs_detect(s, depth);                 // a member may be .gz, UTF-16,
 *         read s to its end;                   // ... or a container again
 *     }
 *
 * bs_next_member drops every layer above container layer i, moves it to
 * its next member (the first, on the first call) and returns BS_OK; s then
 * reads that member's bytes, and bs_tell counts from its start.  BS_END
 * after the last member; a negative status when the container cannot go
 * on (its message names it).  A failure inside one member (a damaged .gz
 * member, a truncated member) does not stop the walk: the next call goes
 * on where the container can.  BS_EINVAL if layer i is not a container.
 * The decoded-bytes budget counts every member of the input together. */
BS_API int bs_next_member(byte_source *s, int i);
/* After the member of container layer i was walked as a container in
 * turn (a zip inside a zip), reads the rest of that member, which the
 * inner archive may have left (its directory), and says whether the
 * member's own data failed (a CRC mismatch of the whole inner zip): the
 * negative status, bs_error(s) saying what it was, once; BS_OK
 * otherwise.  For a caller none of whose inner members failed (one that
 * did has said it already).  The walk goes on with bs_next_member. */
BS_API int bs_member_failed(byte_source *s, int i);

/* Whether layer i is a container (1) or not (0). */
BS_API int bs_layer_is_container(const byte_source *s, int i);
/* The name of container layer i's current member, as stored in the
 * container; NULL before the first member or if layer i is no container.
 * Valid until the next call on s. */
BS_API const char *bs_member_name(const byte_source *s, int i);
/* The name to show for what s reads now: the name given at open, then
 * "{MEMBER}" for the current member of each container in the chain, as in
 * "logs.tar.gz{app/today.log}".  In member names '{', '}' and '\' are
 * escaped with a backslash and control characters are written \xHH.
 * Owned by s, valid until the next call on it.  Messages of failures
 * inside a member begin with the same name. */
BS_API const char *bs_display_name(byte_source *s);

/* Detects what the data is from its first 512 bytes and pushes the layer
 * that decodes it, then looks at that layer's output the same way, until
 * no layer bids: a gzip of an xz becomes file > gzip > xz.  Each layer
 * bids the number of header bits it checked (magic, reserved bits, header
 * checksums), the highest bid wins (libarchive's choose_filters); data whose
 * header does not check out is left as it is.  File names are never
 * consulted.
 *
 * Text comes last, as opt.text says: a byte order mark bids like a magic
 * number (file > gzip > utf-16le); without one, opt.encoding if it is set
 * (a BOM wins over it); else, under BS_TEXT_AUTO, the UTF-16 guess: read
 * as UTF-16 in one byte order, the first 512 bytes, and then the first
 * 4 KiB (or all there is of either), are code units that are all
 * characters of text (no U+0000, no C0 control but tab, line feed,
 * vertical tab, form feed, carriage return and escape, no unpaired
 * surrogate but a high one that ends the sample, no U+FFFE or U+FFFF),
 * and at least half of them, and at least
 * two, are ASCII, so that every other byte is mostly NUL.  (Only text
 * whose first 512 bytes pass waits for the next 4 KiB on a pipe.)  Nothing else is guessed.
 * Detection ends with a text layer, which is not counted against
 * max_depth, or with a container (see bs_next_member).
 *
 * Returns the number of layers pushed, or a negative status: a chain
 * deeper than `max_depth` (BS_DEPTH_DEFAULT is a sane choice; the layers
 * already in the chain count too, so a member of a zip inside a zip has
 * two used) fails with BS_ELIMIT / BS_LIMIT_DEPTH, which is also how a
 * gzip quine ends. */
#define BS_DEPTH_DEFAULT 8
BS_API int bs_detect(byte_source *s, int max_depth);

/* Moves the decoding layers of s to a thread of their own that decodes a
 * few 1 MiB chunks ahead of the reader, so that decoding and whatever
 * the reader does with the bytes overlap on two cores.  Call it after the
 * layers are pushed (bs_detect); it adds a "readahead" layer on top, which
 * is read as any other.  Nothing is started (0 is returned) when no layer
 * decompresses or converts with iconv (UTF-16 and UTF-32 are converted
 * faster than a thread and a copy pay back), when one decodes on threads
 * of its own already (xz with several threads), or when the base is a file
 * under 1 MiB, where a thread costs more than it saves; 1 when the thread
 * runs, with every layer above the base on it (under a container, every
 * layer below the container: the thread goes right under it, for the
 * whole archive, so the container's index grows by one); a negative
 * status if
 * it could not be started.  Failures of the layers below reach the reader
 * after the bytes decoded before them, with the same message.  The thread
 * ends when the stream does or at bs_close(), which waits for it. */
BS_API int bs_readahead(byte_source *s);

/* After a BS_ELIMIT failure, which limit was reached (a BS_LIMIT_* value);
 * BS_LIMIT_NONE otherwise.  Lets a program name the option that raises it. */
BS_API int bs_limit(const byte_source *s);

/* Runs fn(ctx) in a scope where a SIGBUS caused by touching s's mapping
 * (the file was truncated by someone else while mapped) is caught: fn is
 * abandoned, the source is marked failed, bs_error(s) says
 * "PATH: file changed while being read" and BS_ECHANGED is returned.
 * Otherwise returns what fn returned.  Faults outside the mapping are passed
 * to the handler that was installed before, or to the default action.  fn
 * must not hold locks or allocations it cannot lose when abandoned.  For an
 * unmapped source this just calls fn.  Scopes nest. */
BS_API int bs_guard(byte_source *s, int (*fn)(void *ctx), void *ctx);

/* The library's version string, e.g. "0.1.0". */
BS_API const char *bs_version(void);

#ifdef __cplusplus
}
#endif
#endif
