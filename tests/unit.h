/* A minimal harness for the C unit tests: CHECK records a failure of the
 * current case and returns from it; RUN prints PASS or FAIL per case. */
#ifndef TESTS_UNIT_H
#define TESTS_UNIT_H
#include <stdio.h>

static int unit_failed;
static char unit_why[512];

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            snprintf(unit_why, sizeof unit_why, "%s:%d: %s", __FILE__, __LINE__, #cond); \
            unit_failed = 1;                                                           \
            return;                                                                    \
        }                                                                              \
    } while (0)

#define RUN(fn)                                                     \
    do {                                                            \
        unit_failed = 0;                                            \
        fn();                                                       \
        if (unit_failed)                                            \
            printf("FAIL %s: %s\n", #fn, unit_why);                 \
        else                                                        \
            printf("PASS %s\n", #fn);                               \
        fflush(stdout);                                             \
    } while (0)

#endif
