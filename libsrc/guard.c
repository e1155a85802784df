/* SIGBUS recovery for reads through a file mapping.
 *
 * When a mapped file is truncated by another process, touching a page past
 * the new end raises SIGBUS.  A guarded scope records, in thread-local
 * storage, the mapping's address range and a jump buffer; the handler jumps
 * back only for faults inside that range on the faulting thread, and passes
 * anything else on to the handler that was there before (or the default
 * action, which ends the process as it would have without us). */
#define _GNU_SOURCE
#include "bs_private.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

struct guard_scope {
    sigjmp_buf jb;
    const unsigned char *lo, *hi;
    struct guard_scope *outer;
};

/* initial-exec: the handler reads this on any thread, and in a shared
 * library the default TLS model may allocate on first touch, which a
 * signal handler must not do. */
static _Thread_local struct guard_scope *current_scope
    __attribute__((tls_model("initial-exec")));

/* Written once, under pthread_once, before any scope can be entered. */
static struct sigaction previous_bus;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    const unsigned char *a = si ? (const unsigned char *)si->si_addr : NULL;
    for (struct guard_scope *g = current_scope; g; g = g->outer)
        if (a >= g->lo && a < g->hi)
            siglongjmp(g->jb, 1);
    if (previous_bus.sa_flags & SA_SIGINFO) {
        if (previous_bus.sa_sigaction) {
            previous_bus.sa_sigaction(sig, si, uc);
            return;
        }
    } else if (previous_bus.sa_handler != SIG_DFL && previous_bus.sa_handler != SIG_IGN) {
        previous_bus.sa_handler(sig);
        return;
    }
    /* Default action: restore it and return; the faulting access runs again
     * and the process ends with SIGBUS as it would have without us. */
    signal(SIGBUS, SIG_DFL);
}

static void install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    /* SA_NODEFER keeps SIGBUS unblocked while the handler runs, so the jump
     * out of it needs no signal-mask save (sigsetjmp(.., 0) is cheap). */
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &previous_bus);
}

int bs_guard(byte_source *s, int (*fn)(void *ctx), void *ctx)
{
    if (!s || !fn)
        return BS_EINVAL;
    if (!s->map)
        return fn(ctx);
    pthread_once(&install_once, install);
    struct guard_scope scope;
    scope.lo = s->map;
    scope.hi = s->map + s->maplen;
    scope.outer = current_scope;
    /* volatile: read after the jump back. */
    struct guard_scope *volatile outer = scope.outer;
    if (sigsetjmp(scope.jb, 0)) {
        current_scope = outer;
        struct bs_layer *base = s->layers[0];
        return bs_fail(base, BS_ECHANGED, "file changed while being read");
    }
    current_scope = &scope;
    int rc = fn(ctx);
    current_scope = outer;
    return rc;
}
