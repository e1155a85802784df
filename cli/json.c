/* JSON Lines as ripgrep writes them.  Keys come in rg's order (a summary's
 * sorted, as rg serialises it from a map), so that output can be compared
 * with rg's line by line as well as parsed. */
#include "json.h"

#include <stdio.h>
#include <string.h>

#include "scan.h"

/* A string's characters, escaped as serde_json does: \" \\ \n \r \t \b \f,
 * other control characters as \u00XX, everything else as is (UTF-8). */
static void put_escaped(struct out *o, const unsigned char *p, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        const char *e = NULL;
        char u[8];
        if (c == '"')
            e = "\\\"";
        else if (c == '\\')
            e = "\\\\";
        else if (c < 0x20) {
            switch (c) {
            case '\n': e = "\\n"; break;
            case '\r': e = "\\r"; break;
            case '\t': e = "\\t"; break;
            case '\b': e = "\\b"; break;
            case '\f': e = "\\f"; break;
            default:
                snprintf(u, sizeof u, "\\u%04x", c);
                e = u;
            }
        }
        if (e) {
            out_add(o, p + run, i - run);
            out_str(o, e);
            run = i + 1;
        }
    }
    out_add(o, p + run, n - run);
}

static void put_base64(struct out *o, const unsigned char *p, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        char q[4] = {abc[v >> 18], abc[v >> 12 & 63], abc[v >> 6 & 63], abc[v & 63]};
        out_add(o, q, 4);
    }
    if (i < n) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
        char q[4] = {abc[v >> 18], abc[v >> 12 & 63], i + 1 < n ? abc[v >> 6 & 63] : '=', '='};
        out_add(o, q, 4);
    }
}

/* rg's "arbitrary data": {"text":...} for UTF-8, else {"bytes":base64} */
static void put_data(struct out *o, const void *pv, size_t n)
{
    const unsigned char *p = pv;
    if (utf8_valid(p, n)) {
        out_str(o, "{\"text\":\"");
        put_escaped(o, p, n);
        out_str(o, "\"}");
    } else {
        out_str(o, "{\"bytes\":\"");
        put_base64(o, p, n);
        out_str(o, "\"}");
    }
}

static void put_string(struct out *o, const char *s)
{
    out_byte(o, '"');
    put_escaped(o, (const unsigned char *)s, strlen(s));
    out_byte(o, '"');
}

/* The chain under the lines: "layers":[...],"members":[...] */
static void put_layers(struct out *o, const byte_source *s)
{
    int n = bs_layer_count(s);
    out_str(o, ",\"layers\":[");
    int first = 1;
    for (int i = 0; i < n; i++) {
        if (!strcmp(bs_layer_name(s, i), "readahead"))
            continue;
        if (!first)
            out_byte(o, ',');
        first = 0;
        put_string(o, bs_layer_label(s, i));
    }
    out_str(o, "],\"members\":[");
    first = 1;
    for (int i = 0; i < n; i++) {
        if (!bs_layer_is_container(s, i))
            continue;
        const char *m = bs_member_name(s, i);
        if (!first)
            out_byte(o, ',');
        first = 0;
        if (m)
            put_string(o, m);
        else
            out_str(o, "null");
    }
    out_byte(o, ']');
}

static void put_duration(struct out *o, uint64_t ns, int sorted)
{
    char buf[128];
    unsigned long long secs = ns / 1000000000u, nanos = ns % 1000000000u;
    double human = (double)ns / 1e9;
    if (sorted)
        snprintf(buf, sizeof buf, "{\"human\":\"%.6fs\",\"nanos\":%llu,\"secs\":%llu}", human, nanos,
                 secs);
    else
        snprintf(buf, sizeof buf, "{\"secs\":%llu,\"nanos\":%llu,\"human\":\"%.6fs\"}", secs, nanos,
                 human);
    out_str(o, buf);
}

size_t json_begin(struct out *o, const char *path, const byte_source *s)
{
    unsigned long long t0 = o->total;
    out_str(o, "{\"type\":\"begin\",\"data\":{\"path\":");
    put_data(o, path, strlen(path));
    put_layers(o, s);
    out_str(o, "}}");
    out_byte(o, '\n');
    return (size_t)(o->total - t0);
}

size_t json_line(struct out *o, int match, const char *path, const unsigned char *line, size_t len,
                 uint64_t lineno, uint64_t offset, const struct json_span *sub, size_t nsub)
{
    unsigned long long t0 = o->total;
    out_str(o, match ? "{\"type\":\"match\",\"data\":{\"path\":" : "{\"type\":\"context\",\"data\":{\"path\":");
    put_data(o, path, strlen(path));
    out_str(o, ",\"lines\":");
    put_data(o, line, len);
    out_str(o, ",\"line_number\":");
    if (lineno)
        out_u64(o, lineno);
    else
        out_str(o, "null");
    out_str(o, ",\"absolute_offset\":");
    out_u64(o, offset);
    out_str(o, ",\"submatches\":[");
    for (size_t i = 0; i < nsub; i++) {
        if (i)
            out_byte(o, ',');
        out_str(o, "{\"match\":");
        put_data(o, line + sub[i].start, sub[i].end - sub[i].start);
        out_str(o, ",\"start\":");
        out_u64(o, sub[i].start);
        out_str(o, ",\"end\":");
        out_u64(o, sub[i].end);
        out_byte(o, '}');
    }
    out_str(o, "]}}");
    out_byte(o, '\n');
    return (size_t)(o->total - t0);
}

static void put_stats(struct out *o, const struct json_stats *st, int sorted)
{
    if (sorted) {
        out_str(o, "{\"bytes_printed\":");
        out_u64(o, st->bytes_printed);
        out_str(o, ",\"bytes_searched\":");
        out_u64(o, st->bytes_searched);
        out_str(o, ",\"elapsed\":");
        put_duration(o, st->elapsed_ns, 1);
        out_str(o, ",\"matched_lines\":");
        out_u64(o, st->matched_lines);
        out_str(o, ",\"matches\":");
        out_u64(o, st->matches);
        out_str(o, ",\"searches\":");
        out_u64(o, st->searches);
        out_str(o, ",\"searches_with_match\":");
        out_u64(o, st->searches_with_match);
        out_byte(o, '}');
        return;
    }
    out_str(o, "{\"elapsed\":");
    put_duration(o, st->elapsed_ns, 0);
    out_str(o, ",\"searches\":");
    out_u64(o, st->searches);
    out_str(o, ",\"searches_with_match\":");
    out_u64(o, st->searches_with_match);
    out_str(o, ",\"bytes_searched\":");
    out_u64(o, st->bytes_searched);
    out_str(o, ",\"bytes_printed\":");
    out_u64(o, st->bytes_printed);
    out_str(o, ",\"matched_lines\":");
    out_u64(o, st->matched_lines);
    out_str(o, ",\"matches\":");
    out_u64(o, st->matches);
    out_byte(o, '}');
}

size_t json_end(struct out *o, const char *path, const byte_source *s, int64_t binary_offset,
                const struct json_stats *st)
{
    unsigned long long t0 = o->total;
    out_str(o, "{\"type\":\"end\",\"data\":{\"path\":");
    put_data(o, path, strlen(path));
    put_layers(o, s);
    out_str(o, ",\"binary_offset\":");
    if (binary_offset < 0)
        out_str(o, "null");
    else
        out_u64(o, (unsigned long long)binary_offset);
    out_str(o, ",\"stats\":");
    put_stats(o, st, 0);
    out_str(o, "}}");
    out_byte(o, '\n');
    return (size_t)(o->total - t0);
}

void json_summary(struct out *o, const struct json_stats *total, uint64_t elapsed_total_ns)
{
    out_str(o, "{\"data\":{\"elapsed_total\":");
    put_duration(o, elapsed_total_ns, 1);
    out_str(o, ",\"stats\":");
    put_stats(o, total, 1);
    out_str(o, "},\"type\":\"summary\"}");
    out_byte(o, '\n');
}
