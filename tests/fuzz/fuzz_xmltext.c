/* libFuzzer harness for transforms/xmltext.c: the XML tokenizer and the
 * office text extractors.
 *
 * Input: byte 0 picks what runs: its low nibble the kind (0 the bare
 * tokenizer, 1..10 the BS_XT_* kinds, 11..15 the tokenizer again), its high
 * nibble the output limit (64 << n bytes: 64 B to 2 MiB, small enough that
 * repeats reach it quickly).  Byte 1 seeds how the input is split: chunks
 * of 1..64 bytes, now and then up to 4 KiB.  The rest is the part.  For
 * BS_XT_XLSX_SHEET a NUL byte in the part divides a sharedStrings.xml (before
 * it) from the sheet (after it).  A part beginning with 0xFF is built from a
 * sample instead (the fuzzer starts from nothing otherwise): the next byte
 * picks one of samples[], the two after it a position, and the rest of the
 * input is put in the sample there, so that mutations land inside real
 * structure.
 *
 * Each input is run whole and split; the tokenizer also with callbacks that
 * pause at every tag.  Invariants (each violation aborts with a message):
 *  - no crash, leak or sanitizer report;
 *  - whole and split give the same status, message, events or text (member
 *    beginnings included) and the same tables;
 *  - events and text are valid UTF-8, text events are never empty, an
 *    attribute's len is its strlen, member names are valid UTF-8;
 *  - a failure has a message; a status is BS_OK, BS_XT_PAUSE,
 *    BS_XT_MEMBER or negative, and after a failure it sticks;
 *  - the output never exceeds the limit, and what waits to be taken stays
 *    bounded: the high-water mark plus what the input can account for (a
 *    repeat is never expanded in memory whole);
 *  - a feed that returns BS_OK used everything it was given. */
#include "../../transforms/xmltext.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what)
{
    fprintf(stderr, "invariant broken: %s\n", what);
    abort();
}

struct buf {
    char *p;
    size_t len, cap;
};

static void add(struct buf *b, const void *p, size_t n)
{
    if (b->cap - b->len < n + 1) {
        size_t nc = b->cap ? b->cap : 65536;
        while (nc - b->len < n + 1)
            nc *= 2;
        char *q = realloc(b->p, nc);
        if (!q)
            abort();
        b->p = q;
        b->cap = nc;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void adds(struct buf *b, const char *s)
{
    add(b, s, strlen(s));
}

static int valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        size_t k;
        uint32_t v;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            k = 2;
            v = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 3;
            v = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 4;
            v = c & 0x07;
        } else {
            return 0;
        }
        if (i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++) {
            if ((p[i + j] & 0xC0) != 0x80)
                return 0;
            v = v << 6 | (p[i + j] & 0x3F);
        }
        if ((k == 3 && v < 0x800) || (k == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
            (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        i += k;
    }
    return 1;
}

static uint32_t next_rand(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/* The size of the next chunk: all of it (seed 0), or random. */
static size_t chunk(uint32_t *rnd, size_t left)
{
    if (!*rnd)
        return left;
    uint32_t r = next_rand(rnd);
    size_t n = r % 16 == 0 ? 1 + (r >> 8) % 4096 : 1 + (r >> 8) % 64;
    return n < left ? n : left;
}

/* ---- the tokenizer ---------------------------------------------------------- */

static struct buf ev[2];
static int cur, pause_tags;

static int t_start(void *ctx, const char *name, const struct bs_xml_attr *a, size_t na)
{
    (void)ctx;
    struct buf *b = &ev[cur];
    adds(b, "<");
    adds(b, name);
    for (size_t i = 0; i < na; i++) {
        if (strlen(a[i].value) > a[i].len || !valid_utf8(a[i].value, a[i].len))
            fail("an attribute value that is not UTF-8 or not len long");
        adds(b, " ");
        adds(b, a[i].name);
        adds(b, "=");
        add(b, a[i].value, a[i].len);
    }
    adds(b, ">");
    return pause_tags ? 5 : 0;
}

static int t_end(void *ctx, const char *name)
{
    (void)ctx;
    adds(&ev[cur], "</");
    adds(&ev[cur], name);
    adds(&ev[cur], ">");
    return pause_tags ? 5 : 0;
}

static int t_text(void *ctx, const char *p, size_t n)
{
    (void)ctx;
    if (!n || !valid_utf8(p, n))
        fail("a text event that is empty or not UTF-8");
    adds(&ev[cur], "{");
    add(&ev[cur], p, n);
    adds(&ev[cur], "}");
    return 0;
}

static char msg[2][512];

static int tokenize(const uint8_t *p, size_t len, uint32_t seed)
{
    static const struct bs_xml_handler h = {t_start, t_end, t_text};
    bs_xml *x;
    ev[cur].len = 0;
    if (bs_xml_new(&x, &h, NULL) != BS_OK)
        abort();
    size_t off = 0;
    int rc = 0;
    while (off < len) {
        size_t n = chunk(&seed, len - off), used = 99;
        rc = bs_xml_feed(x, p + off, n, &used);
        if (used > n || (rc == BS_OK && used != n))
            fail("the tokenizer used more than it had, or not all with BS_OK");
        if (rc > 0 && rc != 5)
            fail("a pause nobody asked for");
        off += used;
        if (rc < 0)
            break;
    }
    if (rc >= 0)
        while ((rc = bs_xml_finish(x)) > 0)
            ;
    snprintf(msg[cur], sizeof msg[cur], "%s", bs_xml_error(x));
    if (rc < 0) {
        size_t used;
        if (!msg[cur][0])
            fail("a failure without a message");
        if (bs_xml_feed(x, "<a/>", 4, &used) != rc || bs_xml_finish(x) != rc)
            fail("the tokenizer's failure did not stick");
    }
    bs_xml_free(x);
    return rc;
}

/* ---- the extractors --------------------------------------------------------- */

static struct buf text[2], tabs[2];

/* The tables of a finished extractor, as text, for comparison. */
static void dump_tables(const bs_xt *x, int kind, struct buf *b)
{
    size_t n = bs_xt_count(x);
    for (size_t i = 0; i < n; i++) {
        const char *s, *t;
        size_t len;
        struct bs_xt_rel r;
        char part[512];
        switch (kind) {
        case BS_XT_XLSX_STRINGS:
            s = bs_xt_string(x, i, &len);
            if (!s || strlen(s) > len || !valid_utf8(s, len))
                fail("a shared string that is not UTF-8");
            add(b, s, len);
            break;
        case BS_XT_XLSX_WORKBOOK:
            if (bs_xt_sheet(x, i, &s, &t) != BS_OK)
                fail("a sheet within the count is missing");
            adds(b, s);
            adds(b, "|");
            adds(b, t);
            break;
        case BS_XT_PPTX_PRESENTATION:
            if (!(s = bs_xt_slide(x, i)))
                fail("a slide within the count is missing");
            adds(b, s);
            break;
        case BS_XT_RELS:
            if (bs_xt_rel(x, i, &r) != BS_OK)
                fail("a relationship within the count is missing");
            adds(b, r.id);
            adds(b, r.external ? "|E|" : "|I|");
            adds(b, r.target);
            if (bs_xt_rel_part(x, "ppt/slides/slide1.xml", r.id, part, sizeof part) == BS_OK) {
                adds(b, "->");
                adds(b, part);
                if (!part[0] || part[0] == '/' || strstr(part, "//"))
                    fail("a part name that is empty, absolute or has an empty segment");
            }
            break;
        }
        adds(b, "\n");
    }
}

struct run {
    int rc;
    size_t out_total;
};

static void check_status(int rc)
{
    if (rc != BS_OK && rc != BS_XT_PAUSE && rc != BS_XT_MEMBER && rc >= 0)
        fail("a status that is none of BS_OK, BS_XT_PAUSE, BS_XT_MEMBER, negative");
}

/* Runs kind over p[0..len); the text (with member beginnings as
 * "\n=== NAME ===\n") in text[cur], the tables in tabs[cur], the message in
 * msg[cur].  *sst is kept (if asked and all went well) for a sheet. */
static int extract(int kind, const uint8_t *p, size_t len, uint32_t seed, uint64_t limit,
                   const bs_xt *strings, bs_xt **keep)
{
    struct bs_xt_options o = {.limit = limit, .strings = strings};
    bs_xt *x;
    struct buf *b = &text[cur];
    b->len = 0;
    tabs[cur].len = 0;
    if (bs_xt_new(&x, kind, &o) != BS_OK)
        abort();
    /* what may wait to be taken: the high-water mark, plus what text and
     * held buffers (a cell, the lines of a text box) can add in one go,
     * which the input bounds */
    size_t bound = BS_XT_HIGH_WATER + 3 * (size_t)BS_XML_TEXT_MAX + 8 * len + 65536;
    size_t off = 0, total = 0;
    int rc, finishing = 0, stuck = 0;
    for (;;) {
        size_t used = 0;
        if (off < len) {
            size_t n = chunk(&seed, len - off);
            rc = bs_xt_feed(x, p + off, n, &used);
            if (used > n || (rc == BS_OK && used != n))
                fail("the extractor used more than it had, or not all with BS_OK");
            off += used;
        } else {
            rc = bs_xt_finish(x);
            finishing = 1;
        }
        check_status(rc);
        size_t n;
        const char *t = bs_xt_text(x, &n);
        if (n > bound)
            fail("the output waiting to be taken is not bounded");
        /* split runs take a part now and then, as a reader with a small
         * window would; a member's end and the end of the part need all
         * of it taken */
        size_t k = n;
        if (seed && n && rc != BS_XT_MEMBER && !(finishing && rc == BS_OK) && rc >= 0) {
            uint32_t r = next_rand(&seed);
            if (r % 4 == 0)
                k = 1 + (r >> 4) % n;
        }
        total += k;
        add(b, t, k);
        bs_xt_take(x, k / 2);
        bs_xt_take(x, k - k / 2);
        size_t had = n;
        if (bs_xt_text(x, &n) && n != had - k)
            fail("taking output did not leave exactly the rest");
        if (rc == BS_XT_MEMBER) {
            const char *m = bs_xt_member(x);
            if (!valid_utf8(m, strlen(m)))
                fail("a member name that is not UTF-8");
            adds(b, "\n=== ");
            adds(b, m);
            adds(b, " ===\n");
        }
        if (rc < 0 || (finishing && rc == BS_OK))
            break;
        stuck = used || rc == BS_XT_PAUSE || rc == BS_XT_MEMBER ? 0 : stuck + 1;
        if (stuck > 3)
            fail("no progress");
    }
    if (limit && total > limit)
        fail("more output than the limit");
    if (!valid_utf8(b->p ? b->p : "", b->len))
        fail("text that is not UTF-8");
    snprintf(msg[cur], sizeof msg[cur], "%s", bs_xt_error(x));
    if (rc < 0) {
        size_t used;
        if (!msg[cur][0])
            fail("a failure without a message");
        if (bs_xt_feed(x, "<a/>", 4, &used) != rc || bs_xt_finish(x) != rc)
            fail("the extractor's failure did not stick");
    } else {
        dump_tables(x, kind, &tabs[cur]);
    }
    if (keep && rc == BS_OK)
        *keep = x;
    else
        bs_xt_free(x);
    return rc;
}

static void same(int rc0, int rc1, const struct buf *a, const struct buf *b, const char *what)
{
    if (rc0 != rc1 || strcmp(msg[0], msg[1]) != 0) {
        fprintf(stderr, "%s: status %d \"%s\" vs %d \"%s\"\n", what, rc0, msg[0], rc1, msg[1]);
        fail("whole and split disagree on the status");
    }
    if (a->len != b->len || (a->len && memcmp(a->p, b->p, a->len) != 0)) {
        fprintf(stderr, "%s: %zu vs %zu bytes\n", what, a->len, b->len);
        fail("whole and split give different bytes");
    }
}

/* ---- samples ---------------------------------------------------------------- */

/* Sample parts (a NUL in the sheet one divides its shared strings). */
#define SAMPLE(s) {s, sizeof s - 1}
static const struct {
    const char *p;
    size_t n;
} samples[] = {
    SAMPLE("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<w:document "
    "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" "
    "xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\"><w:body><w:p>"
    "<w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/></w:tabs></w:pPr><w:r><w:t>Hel</w:t>"
    "</w:r><w:r><w:tab/><w:t xml:space=\"preserve\">lo &amp; </w:t><w:br/></w:r><w:del><w:r>"
    "<w:delText>x</w:delText></w:r></w:del><w:r><w:instrText> PAGE </w:instrText></w:r><w:r>"
    "<mc:AlternateContent><mc:Choice><w:txbxContent><w:p><w:r><w:t>box</w:t></w:r></w:p>"
    "</w:txbxContent></mc:Choice><mc:Fallback><w:p><w:r><w:t>old</w:t></w:r></w:p>"
    "</mc:Fallback></mc:AlternateContent></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>c"
    "</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:footnote w:type=\"separator\"><w:p/>"
    "</w:footnote></w:body></w:document>"),
    SAMPLE("<p:sld xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" "
    "xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\"><p:cSld><p:spTree>"
    "<p:sp><p:txBody><a:bodyPr/><a:p><a:r><a:rPr lang=\"en-US\"/><a:t>Title</a:t></a:r><a:br/>"
    "<a:fld type=\"slidenum\"><a:t>2</a:t></a:fld></a:p><a:p/></p:txBody></p:sp></p:spTree>"
    "</p:cSld></p:sld>"),
    SAMPLE("<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><si><t>a</t></si>"
    "<si><r><t>b</t></r><r><t>c_x000D_</t></r><rPh><t>p</t></rPh></si></sst>"
    "\0<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c><c r=\"C1\" t=\"b\"><v>1</v></c>"
    "</row><row r=\"4\"><c r=\"B4\" t=\"inlineStr\"><is><t>i</t></is></c><c t=\"str\"><f>1</f>"
    "<v>s</v></c><c t=\"e\"><v>#N/A</v></c><c><v>3.5</v></c></row></sheetData></worksheet>"),
    SAMPLE("<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "
    "xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\"><office:body>"
    "<office:text><text:tracked-changes><text:p>del</text:p></text:tracked-changes>"
    "<text:h>Head</text:h><text:p> a  <text:span>b</text:span><text:s text:c=\"3\"/>c"
    "<text:tab/><text:line-break/><text:note><text:note-citation>1</text:note-citation>"
    "<text:note-body><text:p>n</text:p></text:note-body></text:note><draw:frame>"
    "<draw:text-box><text:p>f</text:p></draw:text-box></draw:frame></text:p></office:text>"
    "</office:body></office:document-content>"),
    SAMPLE("<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
    "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" "
    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body>"
    "<office:spreadsheet><table:table table:name=\"S1\"><table:table-row "
    "table:number-rows-repeated=\"3\"><table:table-cell table:number-columns-repeated=\"2\">"
    "<text:p>x</text:p></table:table-cell><table:table-cell "
    "table:number-columns-repeated=\"1022\"/></table:table-row><table:table-row "
    "table:number-rows-repeated=\"1048576\"><table:table-cell/></table:table-row>"
    "<table:table-row><table:covered-table-cell/><table:table-cell office:value-type=\"float\" "
    "office:value=\"1\"/></table:table-row></table:table><table:table table:name=\"S2\"/>"
    "</office:spreadsheet></office:body></office:document-content>"),
    SAMPLE("<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
    "xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" "
    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "
    "xmlns:presentation=\"urn:oasis:names:tc:opendocument:xmlns:presentation:1.0\">"
    "<office:body><office:presentation><draw:page draw:name=\"p1\"><draw:frame><draw:text-box>"
    "<text:p>one</text:p></draw:text-box></draw:frame><presentation:notes><draw:frame>"
    "<draw:text-box><text:p>note</text:p></draw:text-box></draw:frame></presentation:notes>"
    "</draw:page><draw:page/></office:presentation></office:body></office:document-content>"),
    SAMPLE("<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
    "<sheet name=\"A&amp;B\" sheetId=\"1\" r:id=\"rId1\"/><sheet name=\"C\" r:id=\"rId2\"/>"
    "</sheets></workbook>"),
    SAMPLE("<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"t/slide\" Target=\"slides/slide1.xml\"/><Relationship "
    "Id=\"rId2\" Type=\"t\" Target=\"../../../x\"/><Relationship Id=\"rId3\" Type=\"h\" "
    "Target=\"http://e.com/\" TargetMode=\"External\"/></Relationships>"),
    SAMPLE("<p:presentation xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<p:sldIdLst><p:sldId id=\"256\" r:id=\"rId2\"/><p:sldId id=\"257\" r:id=\"rId3\"/>"
    "</p:sldIdLst></p:presentation>"),
    SAMPLE("<a x='&lt;&#x1F600;&#0;'><![CDATA[c]]]><!-- c --><?p i?>&amp;&#233;\r\n\xC3</a>"),
};

static struct buf built;

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
    if (size < 2)
        return 0;
    int kind = buf[0] & 15;
    if (kind >= BS_XT_KINDS)
        kind = 0;
    uint64_t limit = (uint64_t)64 << (buf[0] >> 4);
    uint32_t seed = buf[1] * 0x01000193u + 1;
    const uint8_t *data = buf + 2;
    size_t len = size - 2;

    if (len >= 4 && data[0] == 0xFF) {
        size_t nsamples = sizeof samples / sizeof samples[0];
        size_t k = data[1] % nsamples;
        const char *s = samples[k].p;
        size_t sl = samples[k].n;
        size_t at = ((size_t)data[2] << 8 | data[3]) % (sl + 1);
        built.len = 0;
        add(&built, s, at);
        add(&built, data + 4, len - 4);
        add(&built, s + at, sl - at);
        data = (const uint8_t *)built.p;
        len = built.len;
    }

    if (kind == 0) {
        int rc[2];
        for (int pause = 0; pause < 2; pause++) {
            pause_tags = pause;
            cur = 0;
            rc[0] = tokenize(data, len, 0);
            cur = 1;
            rc[1] = tokenize(data, len, seed);
            same(rc[0], rc[1], &ev[0], &ev[1], pause ? "tokenizer, pausing" : "tokenizer");
        }
        pause_tags = 0;
        return 0;
    }

    /* a sheet: shared strings before a NUL, if there is one */
    bs_xt *sst[2] = {NULL, NULL};
    const uint8_t *part = data;
    size_t plen = len;
    if (kind == BS_XT_XLSX_SHEET) {
        const uint8_t *nul = memchr(data, 0, len);
        if (nul) {
            size_t sl = (size_t)(nul - data);
            int rs[2];
            cur = 0;
            rs[0] = extract(BS_XT_XLSX_STRINGS, data, sl, 0, limit, NULL, &sst[0]);
            cur = 1;
            rs[1] = extract(BS_XT_XLSX_STRINGS, data, sl, seed, limit, NULL, &sst[1]);
            same(rs[0], rs[1], &tabs[0], &tabs[1], "shared strings");
            part = nul + 1;
            plen = len - sl - 1;
        }
    }
    int rc[2];
    cur = 0;
    rc[0] = extract(kind, part, plen, 0, limit, sst[0], NULL);
    cur = 1;
    rc[1] = extract(kind, part, plen, seed, limit, sst[1], NULL);
    same(rc[0], rc[1], &text[0], &text[1], "text");
    same(rc[0], rc[1], &tabs[0], &tabs[1], "tables");
    bs_xt_free(sst[0]);
    bs_xt_free(sst[1]);
    return 0;
}
