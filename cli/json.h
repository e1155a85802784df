/* srcgrep --json: JSON Lines in ripgrep's schema (begin, match, context,
 * end, summary), with the decoding chain of each file added to begin and
 * end as "layers" and "members". */
#ifndef SRCGREP_JSON_H
#define SRCGREP_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "libsrc.h"
#include "output.h"

struct json_stats {
    uint64_t elapsed_ns;
    uint64_t searches, searches_with_match;
    uint64_t bytes_searched, bytes_printed;
    uint64_t matched_lines, matches;
};

/* A match within a line: bytes [start, end) of it. */
struct json_span {
    size_t start, end;
};

/* Each writes one message and returns its length, newline included (what
 * rg counts as bytes printed).  `path` is the name as shown (bytes; JSON
 * gets text when they are UTF-8, else base64 as rg does).  `s` gives the
 * layers: its chain as it stands, the readahead thread left out. */
size_t json_begin(struct out *o, const char *path, const byte_source *s);

/* A selected (`match` 1) or context line: `line` holds it with its
 * terminator if it has one; lineno 0 is written as null. */
size_t json_line(struct out *o, int match, const char *path, const unsigned char *line, size_t len,
                 uint64_t lineno, uint64_t offset, const struct json_span *sub, size_t nsub);

/* binary_offset: that of the first NUL, or -1 for none (null). */
size_t json_end(struct out *o, const char *path, const byte_source *s, int64_t binary_offset,
                const struct json_stats *st);

/* The last message of the run. */
void json_summary(struct out *o, const struct json_stats *total, uint64_t elapsed_total_ns);

#endif
