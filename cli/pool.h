/* A pool of threads that search files, with each file's output printed
 * whole and, by default, in the order the files were submitted.
 *
 * Each file's search writes to an output of its own.  The file whose turn
 * it is to print (the oldest unfinished one, or under --sort=none whichever
 * got there first) writes through to the shared output at once; the
 * others keep theirs in memory until their turn.  What is kept is bounded:
 * past POOL_HELD_MAX bytes, a search waits for its turn instead of growing
 * its buffer, and the walk waits while POOL_WINDOW files are submitted but
 * not yet printed.  The file whose turn it is never waits, so the run
 * always progresses. */
#ifndef SRCGREP_POOL_H
#define SRCGREP_POOL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "output.h"

#define POOL_HELD_MAX ((size_t)64 << 20)
#define POOL_WINDOW 4096

struct pool;

/* Searches one file (path NULL: standard input) for worker `worker`,
 * writing to `o`; `seq` is the file's place in the order of submission.
 * Returns 1 when the search ends the run (-q found its line): the files
 * after it print nothing, as they would not have been read one at a time;
 * else 0. */
typedef int (*pool_search_fn)(void *worker, uint64_t seq, const char *path, const char *shown,
                              struct out *o);

/* Starts `nthreads` threads (1: no thread, files are searched as they are
 * submitted) calling search(workers[i], ...) for thread i; standard input
 * is searched by the thread that submits it, with workers[nthreads] (when
 * nthreads > 1), so that two "-" operands read it one after the other,
 * as they would without threads.  Output goes to
 * `shared`, which stays the caller's.  `ordered`: print in submission order.
 * `quit` is set when output fails (and may be set by the searches, for
 * -q): files not yet started are then skipped.  Returns NULL when out of
 * memory or threads cannot start. */
struct pool *pool_new(int nthreads, int ordered, struct out *shared, pool_search_fn search,
                      void **workers, atomic_int *quit);

/* Submits a file to search (path NULL: standard input); the strings are
 * copied.  May wait for room.  Returns 0, or -1 when out of memory (the
 * file is not searched). */
int pool_file(struct pool *p, const char *path, const char *shown);

/* Submits a line for standard error, printed in its place among the
 * files' output. */
int pool_message(struct pool *p, const char *text);

/* Waits for every file, stops the threads and frees the pool. */
void pool_finish(struct pool *p);

#endif
