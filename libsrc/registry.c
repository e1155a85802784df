/* The transform layers bs_push() and bs_detect() know, in bidding order
 * (ties go to the earlier entry).  Each layer adds its ops here and its
 * file under transforms/. */
#include "bs_private.h"

const struct bs_layer_ops *const bs_registry[] = {
    &bs_gzip_ops, &bs_xz_ops, &bs_zstd_ops, &bs_bzip2_ops, &bs_lz4_ops, &bs_gzip_zlib_ops,
    &bs_zip_ops, &bs_tar_ops, &bs_utf8_ops, &bs_utf16le_ops, &bs_utf16be_ops, &bs_utf32le_ops, &bs_utf32be_ops,
    NULL,
};
