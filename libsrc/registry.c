/* The transform layers bs_push() and bs_detect() know, in bidding order.
 * Each layer issue adds its ops here and its file under transforms/. */
#include "bs_private.h"

const struct bs_layer_ops *const bs_registry[] = {
    NULL,
};
