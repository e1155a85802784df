/* The operands and the directory trees below them. */
#define _GNU_SOURCE
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STDIN_NAME "(standard input)"

void walk_cfg_init(struct walk_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->label = STDIN_NAME;
}

int walk_option(struct walk_cfg *c, int opt, const char *arg, const char *prog)
{
    (void)c;
    (void)arg;
    (void)prog;
    (void)opt;
    return 0;
}

void walk_cfg_free(struct walk_cfg *c)
{
    (void)c;
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

struct dirlink {
    dev_t dev;
    ino_t ino;
    const struct dirlink *up;
};

/* Directory entries are kept as one string each: the d_type byte, then the
 * name, so that regular files need no lstat of their own. */
static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

/* Searches a directory tree in sorted name order.  `shown` is the path
 * prefix as printed ("" for the implicit "." of -r without operands). */
static void walk(const struct walk_cfg *c, const struct walk_sink *k, const char *path,
                 const char *shown, const struct dirlink *up)
{
    DIR *d = opendir(path);
    if (!d) {
        say(k, 1, "%s: %s", shown[0] ? shown : ".", strerror(errno));
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *names);
            if (!nn) {
                say(k, 1, "%s: out of memory", shown[0] ? shown : ".");
                break;
            }
            names = nn;
        }
        size_t len = strlen(e->d_name);
        if (!(names[n] = malloc(len + 2))) {
            say(k, 1, "%s: out of memory", shown[0] ? shown : ".");
            break;
        }
        names[n][0] = (char)e->d_type;
        memcpy(names[n] + 1, e->d_name, len + 1);
        n++;
    }
    closedir(d);
    if (n)   /* an empty directory has no array: qsort(NULL, ...) is undefined */
        qsort(names, n, sizeof *names, cmp_names);
    size_t plen = strlen(path), slen = strlen(shown);
    int slash = plen && path[plen - 1] != '/';
    int sslash = slen && shown[slen - 1] != '/';
    for (size_t i = 0; i < n && !k->stopped(k->ctx); i++) {
        char *child, *cshown;
        const char *name = names[i] + 1;
        if (asprintf(&child, "%s%s%s", path, slash ? "/" : "", name) < 0) {
            say(k, 1, "%s: out of memory", shown[0] ? shown : ".");
            break;
        }
        if (asprintf(&cshown, "%s%s%s", shown, sslash ? "/" : "", name) < 0) {
            say(k, 1, "%s: out of memory", shown[0] ? shown : ".");
            free(child);
            break;
        }
        struct stat sb;
        int rc = 0;
        if (names[i][0] == DT_REG)
            sb.st_mode = S_IFREG;
        else
            rc = lstat(child, &sb);
        if (rc == 0 && S_ISLNK(sb.st_mode)) {
            /* -r follows only the links named on the command line */
            rc = c->recursive == 2 ? stat(child, &sb) : -1;
            if (rc < 0 && c->recursive == 2)
                say(k, 1, "%s: %s", cshown, strerror(errno));
            if (rc < 0)
                sb.st_mode = 0;
        } else if (rc < 0) {
            say(k, 1, "%s: %s", cshown, strerror(errno));
            sb.st_mode = 0;
        }
        if (S_ISDIR(sb.st_mode)) {
            int loop = 0;
            for (const struct dirlink *a = up; a; a = a->up)
                loop |= a->dev == sb.st_dev && a->ino == sb.st_ino;
            if (loop) {
                if (!c->no_messages)
                    say(k, 0, "%s: warning: recursive directory loop", cshown);
            } else {
                struct dirlink here = {sb.st_dev, sb.st_ino, up};
                walk(c, k, child, cshown, &here);
            }
        } else if (S_ISREG(sb.st_mode)) {
            if (decode_selected(c->dec, cshown))
                k->file(k->ctx, child, cshown);
        }
        /* devices, FIFOs and sockets met while recursing are skipped, as grep -r does */
        free(child);
        free(cshown);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

void walk_operand(const struct walk_cfg *c, const char *path, const struct walk_sink *k)
{
    if (!strcmp(path, "-")) {
        k->file(k->ctx, NULL, c->label);
        return;
    }
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        struct dirlink top = {sb.st_dev, sb.st_ino, NULL};
        /* as grep's fts: a run of trailing slashes is shown as one */
        size_t len = strlen(path);
        if (len > 2 && path[len - 1] == '/')
            while (len > 1 && path[len - 2] == '/')
                len--;
        char *shown = strndup(path, len);
        if (!shown) {
            say(k, 1, "%s: out of memory", path);
            return;
        }
        walk(c, k, path, shown, &top);
        free(shown);
        return;
    }
    if (decode_selected(c->dec, path))
        k->file(k->ctx, path, path);
}

void walk_default(const struct walk_cfg *c, const struct walk_sink *k)
{
    if (!c->recursive) {
        k->file(k->ctx, NULL, c->label);
        return;
    }
    struct stat sb;
    if (stat(".", &sb) == 0) {
        struct dirlink top = {sb.st_dev, sb.st_ino, NULL};
        walk(c, k, ".", "", &top);
    } else {
        say(k, 1, ".: %s", strerror(errno));
    }
}
