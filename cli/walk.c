/* The operands and the directory trees below them. */
#define _GNU_SOURCE
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


void walk_cfg_init(struct walk_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->label = STDIN_NAME;
    c->max_depth = -1;
}

static void oom(const char *prog)
{
    fprintf(stderr, "%s: out of memory\n", prog);
    exit(2);
}

/* Room for one more element in *v (of *n, element size `size`). */
static void *one_more(void *v, size_t n, size_t size, const char *prog)
{
    void *nv = reallocarray(v, n + 1, size);
    if (!nv)
        oom(prog);
    return nv;
}

/* grep's argmatch: the action's name or any unambiguous start of it. */
static enum walk_dirs dirs_action(const char *arg, const char *prog)
{
    static const char *const names[] = {"read", "recurse", "skip"};
    static const enum walk_dirs values[] = {WALK_DIRS_READ, WALK_DIRS_RECURSE, WALK_DIRS_SKIP};
    size_t len = strlen(arg);
    int found = -1, ambiguous = 0;
    for (int i = 0; i < 3; i++) {
        if (strncmp(names[i], arg, len))
            continue;
        if (!names[i][len])
            return values[i];
        ambiguous |= found >= 0;
        found = i;
    }
    if (found >= 0 && !ambiguous)
        return values[found];
    /* grep's words; its status is 1 here, but a usage error is 2 in srcgrep */
    fprintf(stderr, "%s: %s argument '%s' for '--directories'\nValid arguments are:\n", prog,
            found >= 0 ? "ambiguous" : "invalid", arg);
    for (int i = 0; i < 3; i++)
        fprintf(stderr, "  - '%s'\n", names[i]);
    fprintf(stderr, "Usage: %s [OPTION]... PATTERNS [FILE]...\nTry '%s --help' for more information.\n",
            prog, prog);
    exit(2);
}

int walk_option(struct walk_cfg *c, int opt, const char *arg, const char *prog)
{
    switch (opt) {
    case 'd':
        c->dirs = dirs_action(arg, prog);
        if (c->dirs == WALK_DIRS_RECURSE) {
            if (c->recursive < 1)
                c->recursive = 1;
        } else {
            /* -R then -d skip then -r: grep still follows links */
            c->deref |= c->recursive == 2;
            c->recursive = 0;
        }
        return 1;
    case 'D':
        if (strcmp(arg, "read") && strcmp(arg, "skip")) {
            fprintf(stderr, "%s: unknown devices method\n", prog);
            exit(2);
        }
        c->skip_devices = arg[0] == 's';
        return 1;
    case WALK_OPT_EXCLUDE_DIR: {
        /* grep strips them: "--exclude-dir=man/" skips "man" */
        size_t len = strlen(arg);
        while (len > 1 && arg[len - 1] == '/')
            len--;
        c->exclude_dirs = one_more(c->exclude_dirs, c->nexclude_dirs, sizeof *c->exclude_dirs, prog);
        if (!(c->exclude_dirs[c->nexclude_dirs] = strndup(arg, len)))
            oom(prog);
        c->nexclude_dirs++;
        return 1;
    }
    case WALK_OPT_MAX_DEPTH: {
        char *end;
        errno = 0;
        long v = strtol(arg, &end, 10);
        if (arg[0] < '0' || arg[0] > '9' || *end) {
            fprintf(stderr, "%s: invalid max depth: '%s'\n", prog, arg);
            exit(2);
        }
        c->max_depth = errno == ERANGE ? LONG_MAX : v;   /* deeper than any tree */
        return 1;
    }
    case WALK_OPT_LABEL:
        c->label = arg;
        return 1;
    }
    return 0;
}

void walk_cfg_free(struct walk_cfg *c)
{
    for (size_t i = 0; i < c->nexclude_dirs; i++)
        free(c->exclude_dirs[i]);
    free(c->exclude_dirs);
    c->exclude_dirs = NULL;
    c->nexclude_dirs = 0;
}

static void say(const struct walk_sink *k, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(const struct walk_sink *k, int error, const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    k->message(k->ctx, line, error);
}

/* ---- selection ------------------------------------------------------------ */

/* As gnulib's exclude_fnmatch: a name given on the command line matches
 * in whole or from after any '/'; a name met while recursing is a base
 * name and must match whole ("anchored"). */
static int glob_match(const char *glob, const char *name, int anchored)
{
    if (fnmatch(glob, name, 0) == 0)
        return 1;
    if (!anchored)
        for (const char *p = strchr(name, '/'); p; p = strchr(p + 1, '/'))
            if (p[1] != '/' && fnmatch(glob, p + 1, 0) == 0)
                return 1;
    return 0;
}

/* --include, --exclude and --exclude-from, by decode_selected's rule: a
 * name met while recursing is matched as a base name, an operand as
 * given ("anchored": the glob must match it whole). */
static int file_selected(const struct walk_cfg *c, const char *name, int anchored)
{
    return anchored ? decode_selected_base(c->dec, name) : decode_selected(c->dec, name);
}

static int dir_excluded(const struct walk_cfg *c, const char *name, int anchored)
{
    for (size_t i = 0; i < c->nexclude_dirs; i++)
        if (glob_match(c->exclude_dirs[i], name, anchored))
            return 1;
    return 0;
}

/* Whether the entries of a directory at `depth` (an operand is at 0) are
 * within --max-depth. */
static int can_descend(const struct walk_cfg *c, int depth)
{
    return c->max_depth < 0 || depth < c->max_depth;
}

/* ---- the tree ----------------------------------------------------------------- */

struct dirlink {
    dev_t dev;
    ino_t ino;
    const struct dirlink *up;
};

/* One walk below one operand.  `path` is the entry being looked at, as
 * it is shown and opened: one buffer for the whole tree, each level
 * appending "/NAME" and cutting it off again.  It is "" for the implicit
 * "." of -r without operands, whose files are shown without "./". */
struct walker {
    const struct walk_cfg *c;
    const struct walk_sink *k;
    int follow;              /* -R */
    char *path;
    size_t len, cap;
};

/* Appends "/name" to w->path; the length to cut back to is *saved. */
static int push(struct walker *w, const char *name, size_t *saved)
{
    size_t n = strlen(name);
    int slash = w->len && w->path[w->len - 1] != '/';
    if (w->cap - w->len < n + 2) {
        size_t cap = (w->len + n + 2) * 2;
        char *np = realloc(w->path, cap);
        if (!np)
            return -1;
        w->path = np;
        w->cap = cap;
    }
    *saved = w->len;
    if (slash)
        w->path[w->len++] = '/';
    memcpy(w->path + w->len, name, n + 1);
    w->len += n;
    return 0;
}

static void pop(struct walker *w, size_t saved)
{
    w->len = saved;
    w->path[saved] = 0;
}

/* A directory's entries: records "TYPE NAME\0" (TYPE the d_type byte,
 * so that regular files need no lstat) back to back in one block, and
 * their offsets, which are what is sorted.  A directory of 100,000 files
 * costs its names and 4 bytes each, in two allocations. */
struct listing {
    char *buf;
    size_t len, cap;
    uint32_t *off;
    size_t n, ncap;
};

static int list_add(struct listing *l, unsigned char type, const char *name)
{
    size_t n = strlen(name);
    if (l->cap - l->len < n + 2) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        while (cap - l->len < n + 2)
            cap *= 2;
        if (cap > UINT32_MAX)   /* 4 GiB of names: an offset no longer fits */
            return -1;
        char *nb = realloc(l->buf, cap);
        if (!nb)
            return -1;
        l->buf = nb;
        l->cap = cap;
    }
    if (l->n == l->ncap) {
        size_t ncap = l->ncap ? l->ncap * 2 : 256;
        uint32_t *no = reallocarray(l->off, ncap, sizeof *no);
        if (!no)
            return -1;
        l->off = no;
        l->ncap = ncap;
    }
    l->off[l->n++] = (uint32_t)l->len;
    l->buf[l->len] = (char)type;
    memcpy(l->buf + l->len + 1, name, n + 1);
    l->len += n + 2;
    return 0;
}

static int cmp_entries(const void *a, const void *b, void *buf)
{
    const char *base = buf;
    return strcmp(base + *(const uint32_t *)a + 1, base + *(const uint32_t *)b + 1);
}

static void walk_dir(struct walker *w, int depth, const struct dirlink *up);

/* Entry w->path, named `name`, of type `type` (a d_type), at `depth`. */
static void walk_entry(struct walker *w, unsigned char type, const char *name, int depth,
                       const struct dirlink *up)
{
    const struct walk_cfg *c = w->c;
    const struct walk_sink *k = w->k;
    struct stat sb;
    switch (type) {
    case DT_REG:
        if (file_selected(c, name, 1))
            k->file(k->ctx, w->path, w->path);
        return;
    case DT_FIFO:
    case DT_SOCK:
    case DT_CHR:
    case DT_BLK:
        /* Devices, FIFOs and sockets met while recursing are skipped, as
         * grep -r skips them, without being opened: opening a FIFO would
         * wait for a writer. */
        return;
    case DT_LNK:
        if (!w->follow)
            return;   /* -r follows only the links named on the command line */
        sb.st_mode = S_IFLNK;
        break;
    default:   /* a directory, which needs its identity, or DT_UNKNOWN */
        if (lstat(w->path, &sb) < 0) {
            say(k, 1, "%s: %s", w->path, strerror(errno));
            return;
        }
    }
    if (S_ISLNK(sb.st_mode)) {
        if (!w->follow)
            return;
        if (stat(w->path, &sb) < 0) {
            /* a dangling link, or a loop of links: grep opens it as a file
             * and says why that failed, so the search does */
            if (file_selected(c, name, 1))
                k->file(k->ctx, w->path, w->path);
            return;
        }
    }
    if (S_ISDIR(sb.st_mode)) {
        if (dir_excluded(c, name, 1) || !can_descend(c, depth))
            return;
        for (const struct dirlink *a = up; a; a = a->up)
            if (a->dev == sb.st_dev && a->ino == sb.st_ino) {
                if (!c->no_messages)
                    say(k, 0, "%s: warning: recursive directory loop", w->path);
                return;
            }
        struct dirlink here = {sb.st_dev, sb.st_ino, up};
        walk_dir(w, depth, &here);
    } else if (S_ISREG(sb.st_mode)) {
        if (file_selected(c, name, 1))
            k->file(k->ctx, w->path, w->path);
    }
    /* a link to a device is a device met while recursing: skipped */
}

/* Searches the directory w->path, at `depth`, in sorted name order. */
static void walk_dir(struct walker *w, int depth, const struct dirlink *up)
{
    const struct walk_sink *k = w->k;
    const char *where = w->len ? w->path : ".";
    DIR *d = opendir(where);
    if (!d) {
        say(k, 1, "%s: %s", where, strerror(errno));
        return;
    }
    struct listing l = {0};
    struct dirent *e;
    int err = 0;
    for (errno = 0; (e = readdir(d)); errno = 0) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (list_add(&l, e->d_type, e->d_name) < 0) {
            err = ENOMEM;
            break;
        }
    }
    if (!err)
        err = errno;
    /* closed before going down: one descriptor at a time, however deep */
    closedir(d);
    if (err == ENOMEM)
        say(k, 1, "%s: out of memory", where);
    else if (err)
        say(k, 1, "%s: %s", where, strerror(err));
    /* what was read before a failure is still searched, as fts does */
    if (l.n)   /* qsort_r(NULL, 0, ...) is undefined */
        qsort_r(l.off, l.n, sizeof *l.off, cmp_entries, l.buf);
    for (size_t i = 0; i < l.n && !k->stopped(k->ctx); i++) {
        const char *rec = l.buf + l.off[i];
        size_t saved;
        if (push(w, rec + 1, &saved) < 0) {
            say(k, 1, "%s: out of memory", w->len ? w->path : ".");
            break;
        }
        walk_entry(w, (unsigned char)rec[0], rec + 1, depth + 1, up);
        pop(w, saved);
    }
    free(l.buf);
    free(l.off);
}

/* Walks the directory `shown` (its first len bytes), whose status is sb. */
static void walk_top(const struct walk_cfg *c, const struct walk_sink *k, const char *shown,
                     size_t len, const struct stat *sb)
{
    if (!can_descend(c, 0))
        return;
    struct walker w = {c, k, c->recursive == 2 || (c->recursive && c->deref), NULL, len, len + 1};
    if (!(w.path = malloc(w.cap))) {
        say(k, 1, "%s: out of memory", len ? shown : ".");
        return;
    }
    memcpy(w.path, shown, len);
    w.path[len] = 0;
    struct dirlink top = {sb->st_dev, sb->st_ino, NULL};
    walk_dir(&w, 0, &top);
    free(w.path);
}

static int is_device(mode_t m)
{
    return S_ISCHR(m) || S_ISBLK(m) || S_ISFIFO(m) || S_ISSOCK(m);
}

void walk_operand(const struct walk_cfg *c, const char *path, const struct walk_sink *k)
{
    if (!strcmp(path, "-")) {
        k->file(k->ctx, NULL, c->label);
        return;
    }
    struct stat sb;
    if (stat(path, &sb) < 0) {
        /* grep opens an operand before any other test, so a missing one is
         * an error even if --exclude names it: the search's open says so */
        k->file(k->ctx, path, path);
        return;
    }
    if (S_ISDIR(sb.st_mode)) {
        if (!c->recursive && c->dirs == WALK_DIRS_SKIP)
            return;
        if (dir_excluded(c, path, 0))
            return;
        if (!c->recursive && c->dirs == WALK_DIRS_READ) {
            /* as grep 3.8 on Linux: reading it fails, "DIR: Is a directory" */
            k->file(k->ctx, path, path);
            return;
        }
        /* as grep's fts: a run of trailing slashes is shown as one */
        size_t len = strlen(path);
        if (len > 2 && path[len - 1] == '/')
            while (len > 1 && path[len - 2] == '/')
                len--;
        walk_top(c, k, path, len, &sb);
        return;
    }
    /* -D skip: stat says what it is, so that a FIFO is never opened */
    if (is_device(sb.st_mode) && c->skip_devices)
        return;
    if (file_selected(c, path, 0))
        k->file(k->ctx, path, path);
}

void walk_default(const struct walk_cfg *c, const struct walk_sink *k)
{
    if (!c->recursive) {
        k->file(k->ctx, NULL, c->label);
        return;
    }
    /* the implicit "." is never --exclude-dir'ed, as in grep */
    struct stat sb;
    if (stat(".", &sb) == 0)
        walk_top(c, k, "", 0, &sb);
    else
        say(k, 1, ".: %s", strerror(errno));
}
