/* Unit tests of transforms/xmltext.c: the XML tokenizer and the text
 * extractors for docx, xlsx, pptx, odt, ods and odp parts.
 *
 * The samples are small parts written here the way Word, Excel, PowerPoint
 * and LibreOffice write them (namespaces, the XML declaration, styles and
 * properties around the text, mc:AlternateContent, LibreOffice's trailing
 * repeats), cut down to what matters.  Every input is fed whole, one byte
 * at a time, in chunks of 3 and of 4096 bytes, and all must give the same
 * events or the same text; the tokenizer is also run with callbacks that
 * pause at every tag.
 *
 * Buffers live in globals reused by every case and freed at the end, so
 * that a CHECK that returns early leaks nothing. */
#include "unit.h"

#include "../transforms/xmltext.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- buffers ---------------------------------------------------------------- */

struct buf {
    char *p;
    size_t len, cap;
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
    if (b->cap - b->len < n + 1) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc - b->len < n + 1)
            nc *= 2;
        char *np = realloc(b->p, nc);
        if (!np) {
            printf("FAIL unit_xmltext: out of memory\n");
            exit(1);
        }
        b->p = np;
        b->cap = nc;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* events, the reference run's events, outputs, a big input */
static struct buf ev, ev0, out, out0, big;

/* Strict UTF-8 check (no overlongs, surrogates or values above U+10FFFF). */
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

/* ---- the tokenizer, as a log of events -------------------------------------- */

static int pause_tags;   /* the callbacks pause at every tag */
static int bad_utf8;     /* an event that was not valid UTF-8 */

static int t_start(void *ctx, const char *name, const struct bs_xml_attr *a, size_t na)
{
    (void)ctx;
    buf_str(&ev, "<");
    buf_str(&ev, name);
    for (size_t i = 0; i < na; i++) {
        buf_str(&ev, " ");
        buf_str(&ev, a[i].name);
        buf_str(&ev, "=[");
        buf_add(&ev, a[i].value, a[i].len);
        buf_str(&ev, "]");
        if (strlen(a[i].value) != a[i].len || !valid_utf8(a[i].value, a[i].len))
            bad_utf8 = 1;
    }
    buf_str(&ev, ">");
    return pause_tags ? 7 : 0;
}

static int t_end(void *ctx, const char *name)
{
    (void)ctx;
    buf_str(&ev, "</");
    buf_str(&ev, name);
    buf_str(&ev, ">");
    return pause_tags ? 7 : 0;
}

static int t_text(void *ctx, const char *p, size_t n)
{
    (void)ctx;
    if (!n || !valid_utf8(p, n))
        bad_utf8 = 1;
    buf_str(&ev, "{");
    buf_add(&ev, p, n);
    buf_str(&ev, "}");
    return 0;
}

static char err[512], err0[512];

/* Tokenizes doc[0..len) in chunks of `chunk` bytes into ev; the status of
 * the run (that of the feed that failed, or of finish). */
static int tokenize(const char *doc, size_t len, size_t chunk, int pause)
{
    static const struct bs_xml_handler h = {t_start, t_end, t_text};
    bs_xml *x;
    ev.len = 0;
    if (ev.p)
        ev.p[0] = 0;
    pause_tags = pause;
    bad_utf8 = 0;
    if (bs_xml_new(&x, &h, NULL) != BS_OK)
        return -100;
    size_t off = 0;
    int rc = 0;
    while (off < len) {
        size_t n = len - off < chunk ? len - off : chunk, used = 0;
        rc = bs_xml_feed(x, doc + off, n, &used);
        if (used > n || (rc == BS_OK && used != n)) {
            rc = -101;
            break;
        }
        off += used;
        if (rc < 0)
            break;
    }
    if (rc >= 0)
        while ((rc = bs_xml_finish(x)) > 0)
            ;
    snprintf(err, sizeof err, "%s", bs_xml_error(x));
    bs_xml_free(x);
    return rc;
}

/* Tokenizes doc every way; all must agree.  Returns the status, the
 * events in ev and the message in err; -200 if the ways disagree. */
static int tokenize_all(const char *doc, size_t len)
{
    static const size_t chunks[] = {SIZE_MAX, 1, 3, 4096};
    int rc0 = 0;
    for (int pause = 0; pause < 2; pause++)
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            int rc = tokenize(doc, len, chunks[c], pause);
            if (bad_utf8)
                return -201;
            if (pause == 0 && c == 0) {
                rc0 = rc;
                ev0.len = 0;
                buf_add(&ev0, ev.p, ev.len);
                snprintf(err0, sizeof err0, "%s", err);
                continue;
            }
            if (rc != rc0 || ev.len != ev0.len || memcmp(ev.p, ev0.p, ev.len) != 0 ||
                strcmp(err, err0) != 0) {
                fprintf(stderr, "chunk %zu pause %d: rc %d vs %d\n  %s\n  %s\n", chunks[c], pause,
                        rc, rc0, ev.p, ev0.p);
                return -200;
            }
        }
    return rc0;
}

static int tok(const char *doc)
{
    return tokenize_all(doc, strlen(doc));
}

static int ev_is(const char *want)
{
    if (strcmp(ev0.p ? ev0.p : "", want) == 0)
        return 1;
    fprintf(stderr, "events:\n  got  %s\n  want %s\n", ev0.p, want);
    return 0;
}

/* ---- the extractors, as text ------------------------------------------------ */

static size_t max_pending;

/* Runs an extractor over doc[0..len) in chunks, taking the output at every
 * return; a member's beginning is written as "=== NAME ===\n".  The status,
 * the text in out, the message in err; *keep gets the extractor if asked
 * (for the tables), else it is freed. */
static int extract(int kind, const char *doc, size_t len, size_t chunk,
                   const struct bs_xt_options *opt, bs_xt **keep)
{
    bs_xt *x;
    out.len = 0;
    if (out.p)
        out.p[0] = 0;
    max_pending = 0;
    if (bs_xt_new(&x, kind, opt) != BS_OK)
        return -100;
    size_t off = 0;
    int rc, finishing = 0, spins = 0;
    for (;;) {
        size_t used = 0;
        if (off < len) {
            size_t n = len - off < chunk ? len - off : chunk;
            rc = bs_xt_feed(x, doc + off, n, &used);
            if (used > n || (rc == BS_OK && used != n)) {
                rc = -101;
                break;
            }
            off += used;
        } else {
            rc = bs_xt_finish(x);
            finishing = 1;
        }
        size_t n;
        const char *t = bs_xt_text(x, &n);
        if (n > max_pending)
            max_pending = n;
        buf_add(&out, t, n);
        bs_xt_take(x, n);
        if (rc == BS_XT_MEMBER) {
            buf_str(&out, "=== ");
            buf_str(&out, bs_xt_member(x));
            buf_str(&out, " ===\n");
        }
        if (rc < 0 || (finishing && rc == BS_OK))
            break;
        if (rc != BS_OK && rc != BS_XT_PAUSE && rc != BS_XT_MEMBER) {
            rc = -102;
            break;
        }
        /* no progress for long means a loop */
        spins = used || rc != BS_OK ? 0 : spins + 1;
        if (spins > 4) {
            rc = -103;
            break;
        }
    }
    snprintf(err, sizeof err, "%s", bs_xt_error(x));
    if (keep && rc == BS_OK)
        *keep = x;
    else
        bs_xt_free(x);
    return rc;
}

/* Extracts every way; all must agree.  The status, out, err; -200 if the
 * ways disagree, -201 if the text is not UTF-8. */
static int extract_all(int kind, const char *doc, size_t len, const struct bs_xt_options *opt)
{
    static const size_t chunks[] = {SIZE_MAX, 1, 3, 4096};
    int rc0 = 0;
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        int rc = extract(kind, doc, len, chunks[c], opt, NULL);
        if (!valid_utf8(out.p ? out.p : "", out.len))
            return -201;
        if (c == 0) {
            rc0 = rc;
            out0.len = 0;
            buf_add(&out0, out.p ? out.p : "", out.len);
            snprintf(err0, sizeof err0, "%s", err);
            continue;
        }
        if (rc != rc0 || out.len != out0.len || memcmp(out.p, out0.p, out.len) != 0 ||
            strcmp(err, err0) != 0) {
            fprintf(stderr, "chunk %zu: rc %d vs %d (%s / %s)\n", chunks[c], rc, rc0, err, err0);
            return -200;
        }
    }
    return rc0;
}

static int text_is(int kind, const char *doc, const struct bs_xt_options *opt, const char *want)
{
    int rc = extract_all(kind, doc, strlen(doc), opt);
    if (rc == BS_OK && out0.len == strlen(want) && memcmp(out0.p, want, out0.len) == 0)
        return 1;
    fprintf(stderr, "rc %d (%s)\n--- got:\n%s\n--- want:\n%s\n---\n", rc, err0,
            out0.p ? out0.p : "", want);
    return 0;
}

static int fails_with(int kind, const char *doc, const struct bs_xt_options *opt, int status,
                      const char *msg)
{
    int rc = extract_all(kind, doc, strlen(doc), opt);
    if (rc == status && strstr(err0, msg))
        return 1;
    fprintf(stderr, "rc %d, message \"%s\"; wanted %d, \"%s\"\n", rc, err0, status, msg);
    return 0;
}

/* A table extractor run over doc whole (the text kinds' splits are tested
 * enough); NULL on failure. */
static bs_xt *table(int kind, const char *doc)
{
    bs_xt *x = NULL;
    if (extract(kind, doc, strlen(doc), 5, NULL, &x) != BS_OK)
        return NULL;
    return x;
}

/* ---- tokenizer cases -------------------------------------------------------- */

static void test_events(void)
{
    const char *doc =
        "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
        "<root xmlns:w=\"urn:w\" a='single \"q\"' b=\"x&#10;y\tz\r\nw\">"
        "<w:p w:rsid=\"00A1\"><w:t xml:space=\"preserve\">Hello, </w:t><w:t>world</w:t></w:p>"
        "<!-- a comment with <tags> and -- dashes -->"
        "<empty/><e2 k = \"v\" />line1\r\nline2\rline3"
        "<![CDATA[<not a tag> & ]] ]]]]>"
        "<?pi some > data?>tail</root>\n";
    CHECK(tok(doc) == BS_OK);
    /* text is delivered at every '<', CDATA's included */
    CHECK(ev_is("{\n}<root xmlns:w=[urn:w] a=[single \"q\"] b=[x\ny z w]>"
                "<w:p w:rsid=[00A1]><w:t xml:space=[preserve]>{Hello, }</w:t><w:t>{world}</w:t>"
                "</w:p><empty></empty><e2 k=[v]></e2>{line1\nline2\nline3}{<not a tag> & ]] ]]}"
                "{tail}</root>{\n}"));
}

static void test_entities(void)
{
    CHECK(tok("<a v=\"&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x1F600;\">"
              "&lt;&gt;&amp;&quot;&apos;|&#233;&#xe9;&#xE9;|&#x1F600;&#128512;|&#0065;</a>") ==
          BS_OK);
    CHECK(ev_is("<a v=[<>&\"'AB\xF0\x9F\x98\x80]>{<>&\"'|\xC3\xA9\xC3\xA9\xC3\xA9|"
                "\xF0\x9F\x98\x80\xF0\x9F\x98\x80|A}</a>"));
    /* characters XML does not allow become U+FFFD */
    CHECK(tok("<a>&#0;|&#xD800;|&#x110000;|&#1;|&#xFFFE;|&#99999999999999999999;|&#9;&#13;</a>") ==
          BS_OK);
    CHECK(ev_is("<a>{\xEF\xBF\xBD|\xEF\xBF\xBD|\xEF\xBF\xBD|\xEF\xBF\xBD|\xEF\xBF\xBD|"
                "\xEF\xBF\xBD|\t\r}</a>"));
    /* invalid UTF-8 in the input too, in text and in attributes */
    CHECK(tok("<a b=\"\xC3(\xE2\x82\">x\xFFy\xF0\x9F\x98</a>") == BS_OK);
    CHECK(ev_is("<a b=[\xEF\xBF\xBD(\xEF\xBF\xBD]>{x\xEF\xBF\xBDy\xEF\xBF\xBD}</a>"));
}

static void test_bad_references(void)
{
    CHECK(tok("<a>caf&eacute;</a>") == BS_EFORMAT);
    CHECK(strcmp(err0, "XML: unknown entity &eacute; at byte 6") == 0);
    CHECK(tok("<a t=\"&nbsp;\"/>") == BS_EFORMAT);
    CHECK(strcmp(err0, "XML: unknown entity &nbsp; at byte 6") == 0);
    CHECK(tok("<a>AT&T</a>") == BS_EFORMAT);
    CHECK(strcmp(err0, "XML: malformed reference at byte 5") == 0);
    CHECK(tok("<a>&#;</a>") == BS_EFORMAT);
    CHECK(tok("<a>&#x;</a>") == BS_EFORMAT);
    CHECK(tok("<a>&#12a;</a>") == BS_EFORMAT);
    CHECK(tok("<a>& amp;</a>") == BS_EFORMAT);
    CHECK(tok("<a b=\"&amp\"/>") == BS_EFORMAT);
    CHECK(strstr(err0, "malformed reference at byte 6"));
    /* a long unknown name is cut in the message */
    CHECK(tok("<a>&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;</a>") == BS_EFORMAT);
    CHECK(strstr(err0, "&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...; at byte 3"));
}

static void test_doctype(void)
{
    const char *doc = "<?xml version=\"1.0\"?>\n"
                      "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>"
                      "<lolz>&lol2;</lolz>";
    CHECK(tok(doc) == BS_EFORMAT);
    CHECK(strcmp(err0, "XML: DOCTYPE not allowed at byte 22") == 0);
    CHECK(tok("<a><!ELEMENT a ANY></a>") == BS_EFORMAT);
    CHECK(strcmp(err0, "XML: malformed markup at byte 3") == 0);
}

static void test_malformed(void)
{
    CHECK(tok("<a><b></a>") == BS_EFORMAT);
    CHECK(strcmp(err0, "XML: </a> does not close <b> at byte 6") == 0);
    CHECK(tok("<a></a></b>") == BS_EFORMAT);
    CHECK(strstr(err0, "</b> without a start tag"));
    CHECK(tok("<a>text") == BS_EFORMAT);
    CHECK(strcmp(err0, "XML: truncated: <a> not closed at byte 7") == 0);
    CHECK(tok("<a><b x=\"1\"") == BS_EFORMAT);
    CHECK(strcmp(err0, "XML: truncated tag at byte 3") == 0);
    CHECK(tok("<a><!-- never ends") == BS_EFORMAT);
    CHECK(tok("<a><![CDATA[ never ends") == BS_EFORMAT);
    CHECK(tok("<a b=c/>") == BS_EFORMAT);
    CHECK(tok("<a b=\"1\"c=\"2\"/>") == BS_EFORMAT);
    CHECK(tok("< a/>") == BS_EFORMAT);
    CHECK(tok("<>") == BS_EFORMAT);
    CHECK(tok("\xFF\xFE<\0a\0/\0>\0") == BS_EFORMAT);
    CHECK(strstr(err0, "not UTF-8"));
    /* nothing at all is an empty part, not an error */
    CHECK(tok("") == BS_OK);
    CHECK(tok("<?xml version=\"1.0\"?>\n") == BS_OK);
}

static void test_limits(void)
{
    big.len = 0;
    buf_str(&big, "<a b=\"");
    for (int i = 0; i < 70000; i++)
        buf_str(&big, "x");
    buf_str(&big, "\"/>");
    CHECK(tokenize_all(big.p, big.len) == BS_ELIMIT);
    CHECK(strcmp(err0, "XML: tag longer than 65536 bytes at byte 0") == 0);
    /* a tag of exactly the limit is fine */
    big.len = 0;
    buf_str(&big, "<a b=\"");
    for (int i = 0; i < 65536 - 8; i++)
        buf_str(&big, "x");
    buf_str(&big, "\" />");
    CHECK(tokenize_all(big.p, big.len) == BS_OK);
    big.len = 0;
    for (int i = 0; i < 1100; i++)
        buf_str(&big, "<d>");
    CHECK(tokenize_all(big.p, big.len) == BS_ELIMIT);
    CHECK(strstr(err0, "nested deeper than 1024"));
}

/* Text longer than the buffer comes in pieces, at the same places however
 * it is split, and never with a character cut in two. */
static void test_long_text(void)
{
    big.len = 0;
    buf_str(&big, "<a>x");
    for (int i = 0; i < 50000; i++)
        buf_str(&big, "\xC3\xA9\xE2\x82\xAC");   /* 5 bytes: e-acute, euro */
    buf_str(&big, "</a>");
    CHECK(tokenize_all(big.p, big.len) == BS_OK);
    /* "{" at least twice: delivered in pieces */
    CHECK(strchr(ev0.p, '{') != strrchr(ev0.p, '{'));
    /* and the pieces joined are the text */
    struct buf joined = {0};
    for (const char *p = ev0.p; (p = strchr(p, '{')) != NULL;) {
        const char *e = strchr(p, '}');
        buf_add(&joined, p + 1, (size_t)(e - p - 1));
        p = e;
    }
    int same = joined.len == big.len - 7 && memcmp(joined.p, big.p + 3, joined.len) == 0;
    free(joined.p);
    CHECK(same);
}

/* A callback that pauses: the feed returns its value, having used the input
 * up to the tag, and the rest gives the same events (tokenize_all runs
 * every case paused too; this checks the counts). */
static void test_pause(void)
{
    static const struct bs_xml_handler h = {t_start, t_end, t_text};
    const char *doc = "<a><b/>text<c>x</c></a>";
    bs_xml *x;
    ev.len = 0;
    pause_tags = 1;
    CHECK(bs_xml_new(&x, &h, NULL) == BS_OK);
    size_t off = 0, used, n = strlen(doc);
    int pauses = 0, rc;
    while (off < n) {
        rc = bs_xml_feed(x, doc + off, n - off, &used);
        if (rc == 7)
            pauses++;
        else if (rc != BS_OK)
            break;
        off += used;
    }
    rc = bs_xml_finish(x);
    bs_xml_free(x);
    pause_tags = 0;
    CHECK(rc == BS_OK);
    CHECK(pauses == 6);
    CHECK(strcmp(ev.p, "<a><b></b>{text}<c>{x}</c></a>") == 0);
}

/* ---- docx ------------------------------------------------------------------- */

#define W_NS                                                                                  \
    "xmlns:wpc=\"http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas\" "       \
    "xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\" "               \
    "xmlns:o=\"urn:schemas-microsoft-com:office:office\" "                                    \
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" "         \
    "xmlns:m=\"http://schemas.openxmlformats.org/officeDocument/2006/math\" "                 \
    "xmlns:v=\"urn:schemas-microsoft-com:vml\" "                                              \
    "xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" "    \
    "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" "               \
    "xmlns:w14=\"http://schemas.microsoft.com/office/word/2010/wordml\" "                     \
    "xmlns:wps=\"http://schemas.microsoft.com/office/word/2010/wordprocessingShape\" "        \
    "mc:Ignorable=\"w14 wp14\""

static void test_docx(void)
{
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
        "<w:document " W_NS "><w:body>"
        "<w:p w14:paraId=\"1A2B3C4D\" w14:textId=\"77777777\" w:rsidR=\"00A12B34\" "
        "w:rsidRDefault=\"00A12B34\"><w:pPr><w:pStyle w:val=\"Heading1\"/></w:pPr>"
        "<w:r><w:t>Quarterly report</w:t></w:r></w:p>"
        /* runs joined; w:tab in the tab stops is no TAB, in a run it is */
        "<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"2880\"/></w:tabs></w:pPr>"
        "<w:r><w:t>Hel</w:t></w:r><w:r><w:rPr><w:b/><w:bCs/></w:rPr><w:t>lo</w:t></w:r>"
        "<w:r><w:t xml:space=\"preserve\"> world</w:t></w:r>"
        "<w:r><w:tab/><w:t>after tab</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>line one</w:t></w:r><w:r><w:br/><w:t>line two</w:t><w:cr/>"
        "<w:t>line three</w:t><w:br w:type=\"page\"/></w:r></w:p>"
        /* tracked changes: deleted text is not text, inserted text is */
        "<w:p><w:r><w:t xml:space=\"preserve\">Kept </w:t></w:r>"
        "<w:del w:id=\"1\" w:author=\"Ann\" w:date=\"2024-01-01T00:00:00Z\"><w:r>"
        "<w:delText xml:space=\"preserve\">removed </w:delText></w:r></w:del>"
        "<w:ins w:id=\"2\" w:author=\"Ann\" w:date=\"2024-01-01T00:00:00Z\"><w:r>"
        "<w:t>inserted</w:t></w:r></w:ins></w:p>"
        /* a field: the code is not text, the result is */
        "<w:p><w:r><w:t xml:space=\"preserve\">Page </w:t></w:r>"
        "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>"
        "<w:r><w:instrText xml:space=\"preserve\"> PAGE   \\* MERGEFORMAT </w:instrText></w:r>"
        "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>3</w:t></w:r>"
        "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
        "<w:fldSimple w:instr=\" NUMPAGES \"><w:r><w:t>/9</w:t></w:r></w:fldSimple></w:p>"
        /* a table: each cell's paragraphs are lines */
        "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"0\" w:type=\"auto\"/>"
        "</w:tblPr><w:tblGrid><w:gridCol w:w=\"4675\"/><w:gridCol w:w=\"4675\"/></w:tblGrid>"
        "<w:tr><w:tc><w:tcPr><w:tcW w:w=\"4675\" w:type=\"dxa\"/></w:tcPr>"
        "<w:p><w:r><w:t>A1</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:w=\"4675\" "
        "w:type=\"dxa\"/></w:tcPr><w:p><w:r><w:t>B1</w:t></w:r></w:p><w:p><w:r>"
        "<w:t>B1 again</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        "<w:p w:rsidR=\"00A12B34\"/>"
        /* a text box: the mc:Choice copy, on a line after its paragraph */
        "<w:p><w:r><w:t>Before box</w:t></w:r><w:r><mc:AlternateContent><mc:Choice "
        "Requires=\"wps\"><w:drawing><wp:anchor distT=\"0\" distB=\"0\"><wp:docPr id=\"1\" "
        "name=\"Text Box 1\"/><a:graphic xmlns:a=\"http://schemas.openxmlformats.org/"
        "drawingml/2006/main\"><a:graphicData uri=\"http://schemas.microsoft.com/office/word/"
        "2010/wordprocessingShape\"><wps:wsp><wps:txbx><w:txbxContent><w:p><w:r>"
        "<w:t>In the box</w:t></w:r></w:p><w:p><w:r><w:t>Box line 2</w:t></w:r></w:p>"
        "</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor>"
        "</w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape id=\"Text Box 1\" "
        "o:spid=\"_x0000_s1026\" type=\"#_x0000_t202\"><v:textbox><w:txbxContent><w:p><w:r>"
        "<w:t>In the box</w:t></w:r></w:p><w:p><w:r><w:t>Box line 2</w:t></w:r></w:p>"
        "</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent>"
        "</w:r><w:r><w:t xml:space=\"preserve\"> after box</w:t></w:r></w:p>"
        /* moved-away text, a non-breaking hyphen, entities, math */
        "<w:p><w:r><w:t>Moved</w:t></w:r><w:moveFrom w:id=\"5\" w:author=\"Ann\"><w:r>"
        "<w:t>Gone</w:t></w:r></w:moveFrom><w:r><w:t xml:space=\"preserve\"> well</w:t></w:r>"
        "<w:r><w:noBreakHyphen/><w:t>known &amp; &lt;tagged&gt;</w:t></w:r>"
        "<m:oMath><m:r><w:rPr><w:rFonts w:ascii=\"Cambria Math\"/></w:rPr><m:t>x=2</m:t>"
        "</m:r></m:oMath></w:p>"
        "<w:sectPr w:rsidR=\"00A12B34\"><w:pgSz w:w=\"12240\" w:h=\"15840\"/></w:sectPr>"
        "</w:body></w:document>";
    CHECK(text_is(BS_XT_DOCX, doc, NULL,
                  "Quarterly report\n"
                  "Hello world\tafter tab\n"
                  "line one\nline two\nline three\n\n"
                  "Kept inserted\n"
                  "Page 3/9\n"
                  "A1\nB1\nB1 again\n"
                  "\n"
                  "Before box after box\nIn the box\nBox line 2\n"
                  "Moved well-known & <tagged>x=2\n"));
}

static void test_docx_notes(void)
{
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
        "<w:footnotes " W_NS "><w:footnote w:type=\"separator\" w:id=\"-1\"><w:p>"
        "<w:pPr><w:spacing w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/></w:pPr><w:r>"
        "<w:separator/></w:r></w:p></w:footnote><w:footnote w:type=\"continuationSeparator\" "
        "w:id=\"0\"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>"
        "<w:footnote w:id=\"1\"><w:p><w:pPr><w:pStyle w:val=\"FootnoteText\"/></w:pPr><w:r>"
        "<w:rPr><w:rStyle w:val=\"FootnoteReference\"/></w:rPr><w:footnoteRef/></w:r><w:r>"
        "<w:t xml:space=\"preserve\"> A footnote.</w:t></w:r></w:p></w:footnote></w:footnotes>";
    CHECK(text_is(BS_XT_DOCX, doc, NULL, " A footnote.\n"));
    /* the limit */
    struct bs_xt_options o = {.limit = 10};
    CHECK(fails_with(BS_XT_DOCX, doc, &o, BS_ELIMIT, "docx: text longer than the limit of"));
}

/* ---- pptx ------------------------------------------------------------------- */

#define P_NS                                                                           \
    "xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" "               \
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" " \
    "xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\""

static void test_pptx(void)
{
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
        "<p:sld " P_NS "><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/>"
        "<p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr><a:xfrm><a:off x=\"0\" y=\"0\"/>"
        "<a:ext cx=\"0\" cy=\"0\"/><a:chOff x=\"0\" y=\"0\"/><a:chExt cx=\"0\" cy=\"0\"/>"
        "</a:xfrm></p:grpSpPr>"
        "<p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"Title 1\"/><p:cNvSpPr><a:spLocks "
        "noGrp=\"1\"/></p:cNvSpPr><p:nvPr><p:ph type=\"title\"/></p:nvPr></p:nvSpPr>"
        "<p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:rPr lang=\"en-US\" "
        "dirty=\"0\"/><a:t>Slide title</a:t></a:r><a:endParaRPr lang=\"en-US\" dirty=\"0\"/>"
        "</a:p></p:txBody></p:sp>"
        "<p:sp><p:nvSpPr><p:cNvPr id=\"3\" name=\"Content Placeholder 2\"/><p:cNvSpPr>"
        "<a:spLocks noGrp=\"1\"/></p:cNvSpPr><p:nvPr><p:ph idx=\"1\"/></p:nvPr></p:nvSpPr>"
        "<p:spPr/><p:txBody><a:bodyPr><a:normAutofit/></a:bodyPr><a:lstStyle/>"
        "<a:p><a:r><a:rPr lang=\"en-US\"/><a:t xml:space=\"preserve\">First </a:t></a:r>"
        "<a:r><a:rPr lang=\"en-US\" b=\"1\"/><a:t>bullet</a:t></a:r></a:p>"
        "<a:p><a:pPr lvl=\"1\"/><a:r><a:rPr lang=\"en-US\"/><a:t>Second</a:t></a:r><a:br>"
        "<a:rPr lang=\"en-US\"/></a:br><a:r><a:rPr lang=\"en-US\"/><a:t>same paragraph</a:t>"
        "</a:r></a:p><a:p><a:fld id=\"{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}\" "
        "type=\"slidenum\"><a:rPr lang=\"en-US\"/><a:t>2</a:t></a:fld><a:endParaRPr "
        "lang=\"en-US\"/></a:p><a:p><a:endParaRPr lang=\"en-US\" dirty=\"0\"/></a:p>"
        "</p:txBody></p:sp>"
        "<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id=\"4\" name=\"Table 3\"/>"
        "<p:cNvGraphicFramePr><a:graphicFrameLocks noGrp=\"1\"/></p:cNvGraphicFramePr>"
        "<p:nvPr/></p:nvGraphicFramePr><p:xfrm><a:off x=\"1\" y=\"2\"/><a:ext cx=\"3\" "
        "cy=\"4\"/></p:xfrm><a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/"
        "drawingml/2006/table\"><a:tbl><a:tblPr firstRow=\"1\" bandRow=\"1\"/><a:tblGrid>"
        "<a:gridCol w=\"4064000\"/></a:tblGrid><a:tr h=\"370840\"><a:tc><a:txBody><a:bodyPr/>"
        "<a:lstStyle/><a:p><a:r><a:rPr lang=\"en-US\"/><a:t>Cell &#x201C;q&#x201D;</a:t>"
        "</a:r></a:p></a:txBody><a:tcPr/></a:tc></a:tr></a:tbl></a:graphicData></a:graphic>"
        "</p:graphicFrame>"
        "<mc:AlternateContent xmlns:mc=\"http://schemas.openxmlformats.org/markup-"
        "compatibility/2006\"><mc:Choice xmlns:a14=\"http://schemas.microsoft.com/office/"
        "drawing/2010/main\" Requires=\"a14\"><p:sp><p:txBody><a:bodyPr/><a:p><a:r>"
        "<a:t>new</a:t></a:r></a:p></p:txBody></p:sp></mc:Choice><mc:Fallback><p:sp>"
        "<p:txBody><a:bodyPr/><a:p><a:r><a:t>old</a:t></a:r></a:p></p:txBody></p:sp>"
        "</mc:Fallback></mc:AlternateContent>"
        "</p:spTree><p:extLst><p:ext uri=\"{BB962C8B-B14F-4D97-AF65-F5344CB8AC3E}\">"
        "<p14:creationId xmlns:p14=\"http://schemas.microsoft.com/office/powerpoint/2010/main\" "
        "val=\"1\"/></p:ext></p:extLst></p:cSld><p:clrMapOvr><a:masterClrMapping/>"
        "</p:clrMapOvr></p:sld>";
    CHECK(text_is(BS_XT_PPTX, doc, NULL,
                  "Slide title\nFirst bullet\nSecond\nsame paragraph\n2\n\n"
                  "Cell \xE2\x80\x9Cq\xE2\x80\x9D\nnew\n"));
}

static void test_pptx_structure(void)
{
    const char *pres =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
        "<p:presentation " P_NS " saveSubsetFonts=\"1\"><p:sldMasterIdLst><p:sldMasterId "
        "id=\"2147483648\" r:id=\"rId1\"/></p:sldMasterIdLst><p:notesMasterIdLst>"
        "<p:notesMasterId r:id=\"rId4\"/></p:notesMasterIdLst><p:sldIdLst>"
        "<p:sldId id=\"256\" r:id=\"rId2\"/><p:sldId id=\"258\" r:id=\"rId7\"/>"
        "<p:sldId id=\"257\" r:id=\"rId3\"/></p:sldIdLst><p:sldSz cx=\"12192000\" "
        "cy=\"6858000\"/><p:notesSz cx=\"6858000\" cy=\"9144000\"/></p:presentation>";
    const char *rels =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
        "2006/relationships/slide\" Target=\"slides/slide2.xml\"/>"
        "<Relationship Id=\"rId7\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
        "2006/relationships/slide\" Target=\"/ppt/slides/slide3.xml\"/>"
        "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
        "2006/relationships/slide\" Target=\"slides/slide1.xml\"/>"
        "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
        "2006/relationships/slideMaster\" Target=\"slideMasters/slideMaster1.xml\"/>"
        "<Relationship Id=\"rId9\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
        "2006/relationships/hyperlink\" Target=\"https://example.com/?a=1&amp;b=2\" "
        "TargetMode=\"External\"/></Relationships>";
    bs_xt *p = table(BS_XT_PPTX_PRESENTATION, pres);
    bs_xt *r = table(BS_XT_RELS, rels);
    char part[256];
    int ok = p && r && bs_xt_count(p) == 3 && bs_xt_count(r) == 5 &&
             strcmp(bs_xt_slide(p, 0), "rId2") == 0 && strcmp(bs_xt_slide(p, 1), "rId7") == 0 &&
             bs_xt_slide(p, 3) == NULL;
    const char *want[] = {"ppt/slides/slide1.xml", "ppt/slides/slide3.xml",
                          "ppt/slides/slide2.xml"};
    for (size_t i = 0; ok && i < 3; i++)
        ok = bs_xt_rel_part(r, "ppt/presentation.xml", bs_xt_slide(p, i), part, sizeof part) ==
                 BS_OK &&
             strcmp(part, want[i]) == 0;
    struct bs_xt_rel rel;
    ok = ok && bs_xt_rel(r, 4, &rel) == BS_OK && rel.external &&
         strcmp(rel.target, "https://example.com/?a=1&b=2") == 0 &&
         bs_xt_rel_part(r, "ppt/presentation.xml", "rId9", part, sizeof part) == BS_EFORMAT &&
         bs_xt_rel_part(r, "ppt/presentation.xml", "rId404", part, sizeof part) == BS_EFORMAT &&
         bs_xt_rel(r, 0, &rel) == BS_OK && !rel.external &&
         strcmp(rel.type, "http://schemas.openxmlformats.org/officeDocument/2006/"
                          "relationships/slide") == 0 &&
         bs_xt_rel(r, 5, &rel) == BS_EINVAL;
    bs_xt_free(p);
    bs_xt_free(r);
    CHECK(ok);
}

static void test_part_names(void)
{
    char o[64];
    CHECK(bs_xt_part_name("xl/workbook.xml", "worksheets/sheet1.xml", o, sizeof o) == BS_OK);
    CHECK(strcmp(o, "xl/worksheets/sheet1.xml") == 0);
    CHECK(bs_xt_part_name("ppt/slides/slide1.xml", "../media/image1.png", o, sizeof o) ==
          BS_OK);
    CHECK(strcmp(o, "ppt/media/image1.png") == 0);
    CHECK(bs_xt_part_name("ppt/slides/slide1.xml", "./../notesSlides//n1.xml", o, sizeof o) ==
          BS_OK);
    CHECK(strcmp(o, "ppt/notesSlides/n1.xml") == 0);
    CHECK(bs_xt_part_name("xl/workbook.xml", "/xl/sharedStrings.xml", o, sizeof o) == BS_OK);
    CHECK(strcmp(o, "xl/sharedStrings.xml") == 0);
    CHECK(bs_xt_part_name("", "word/document.xml", o, sizeof o) == BS_OK);
    CHECK(strcmp(o, "word/document.xml") == 0);
    CHECK(bs_xt_part_name("xl/workbook.xml", "../../etc/passwd", o, sizeof o) == BS_EFORMAT);
    CHECK(bs_xt_part_name("xl/workbook.xml", "", o, sizeof o) == BS_EFORMAT);
    CHECK(bs_xt_part_name("xl/workbook.xml", "..", o, sizeof o) == BS_EFORMAT);
    CHECK(bs_xt_part_name("xl/workbook.xml", "worksheets/sheet1.xml", o, 10) == BS_ELIMIT);
    CHECK(bs_xt_rels_name("ppt/slides/slide1.xml", o, sizeof o) == BS_OK);
    CHECK(strcmp(o, "ppt/slides/_rels/slide1.xml.rels") == 0);
    CHECK(bs_xt_rels_name("", o, sizeof o) == BS_OK);
    CHECK(strcmp(o, "_rels/.rels") == 0);
    CHECK(bs_xt_rels_name("xl/workbook.xml", o, 8) == BS_ELIMIT);
}

/* ---- xlsx ------------------------------------------------------------------- */

#define X_NS                                                                             \
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "               \
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" "   \
    "xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\" "          \
    "mc:Ignorable=\"x14ac xr xr2 xr3\" "                                                 \
    "xmlns:x14ac=\"http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac\" "       \
    "xmlns:xr=\"http://schemas.microsoft.com/office/spreadsheetml/2014/revision\""

static const char sst_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"7\" "
    "uniqueCount=\"6\"><si><t>Name</t></si><si><r><rPr><b/><sz val=\"11\"/><color "
    "theme=\"1\"/><rFont val=\"Calibri\"/><family val=\"2\"/><scheme val=\"minor\"/></rPr>"
    "<t>Bold</t></r><r><rPr><sz val=\"11\"/><color theme=\"1\"/><rFont val=\"Calibri\"/>"
    "<family val=\"2\"/><scheme val=\"minor\"/></rPr><t xml:space=\"preserve\"> and plain</t>"
    "</r></si><si><t>\xE6\xBC\xA2\xE5\xAD\x97</t><rPh sb=\"0\" eb=\"2\">"
    "<t>\xE3\x82\xAB\xE3\x83\xB3\xE3\x82\xB8</t></rPh><phoneticPr fontId=\"1\"/></si>"
    "<si><t xml:space=\"preserve\">two_x000D_\nlines</t></si><si><t/></si>"
    "<si><t>_x005F_x0041_ and _xD83D__xDE00_</t></si></sst>";

static void test_xlsx_strings(void)
{
    bs_xt *s = table(BS_XT_XLSX_STRINGS, sst_doc);
    size_t n = 99;
    int ok = s && bs_xt_count(s) == 6 && strcmp(bs_xt_string(s, 0, &n), "Name") == 0 &&
             n == 4 && strcmp(bs_xt_string(s, 1, NULL), "Bold and plain") == 0 &&
             strcmp(bs_xt_string(s, 2, NULL), "\xE6\xBC\xA2\xE5\xAD\x97") == 0 &&
             strcmp(bs_xt_string(s, 3, NULL), "two\r\nlines") == 0 &&
             strcmp(bs_xt_string(s, 4, &n), "") == 0 && n == 0 &&
             strcmp(bs_xt_string(s, 5, NULL), "_x0041_ and \xF0\x9F\x98\x80") == 0 &&
             bs_xt_string(s, 6, NULL) == NULL;
    bs_xt_free(s);
    CHECK(ok);
}

static void test_xlsx_workbook(void)
{
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
        "<workbook " X_NS "><fileVersion appName=\"xl\" lastEdited=\"7\" lowestEdited=\"7\" "
        "rupBuild=\"27328\"/><workbookPr defaultThemeVersion=\"166925\"/>"
        "<mc:AlternateContent xmlns:mc=\"http://schemas.openxmlformats.org/markup-"
        "compatibility/2006\"><mc:Choice Requires=\"x15\"><x15ac:absPath url=\"C:\\Users\\me\\\" "
        "xmlns:x15ac=\"http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac\"/>"
        "</mc:Choice></mc:AlternateContent><bookViews><workbookView xWindow=\"-120\" "
        "yWindow=\"-120\" windowWidth=\"29040\" windowHeight=\"15840\"/></bookViews>"
        "<sheets><sheet name=\"Data\" sheetId=\"1\" r:id=\"rId1\"/><sheet "
        "name=\"R&amp;D &quot;2024&quot;\" sheetId=\"3\" state=\"hidden\" r:id=\"rId2\"/>"
        "</sheets><definedNames><definedName name=\"_xlnm.Print_Area\" localSheetId=\"0\">"
        "Data!$A$1:$C$3</definedName></definedNames><calcPr calcId=\"191029\"/></workbook>";
    bs_xt *w = table(BS_XT_XLSX_WORKBOOK, doc);
    const char *name = NULL, *rid = NULL;
    int ok = w && bs_xt_count(w) == 2 && bs_xt_sheet(w, 1, &name, &rid) == BS_OK &&
             strcmp(name, "R&D \"2024\"") == 0 && strcmp(rid, "rId2") == 0 &&
             bs_xt_sheet(w, 0, &name, &rid) == BS_OK && strcmp(name, "Data") == 0 &&
             strcmp(rid, "rId1") == 0 && bs_xt_sheet(w, 2, &name, &rid) == BS_EINVAL;
    bs_xt_free(w);
    CHECK(ok);
}

static void test_xlsx_sheet(void)
{
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
        "<worksheet " X_NS " xr:uid=\"{00000000-0001-0000-0000-000000000000}\">"
        "<dimension ref=\"A1:F7\"/><sheetViews><sheetView tabSelected=\"1\" "
        "workbookViewId=\"0\"><selection activeCell=\"B2\" sqref=\"B2\"/></sheetView>"
        "</sheetViews><sheetFormatPr defaultRowHeight=\"15\" x14ac:dyDescent=\"0.25\"/><cols>"
        "<col min=\"1\" max=\"1\" width=\"12.7109375\" customWidth=\"1\"/></cols><sheetData>"
        "<row r=\"1\" spans=\"1:4\" x14ac:dyDescent=\"0.25\"><c r=\"A1\" t=\"s\"><v>0</v></c>"
        "<c r=\"B1\" t=\"s\"><v>1</v></c><c r=\"C1\" t=\"s\"><v>2</v></c><c r=\"D1\" "
        "t=\"s\"><v>3</v></c></row>"
        "<row r=\"2\" spans=\"1:6\" x14ac:dyDescent=\"0.25\"><c r=\"A2\"><v>3.14</v></c>"
        "<c r=\"B2\" t=\"b\"><v>1</v></c><c r=\"C2\" t=\"b\"><v>0</v></c><c r=\"D2\" "
        "t=\"e\"><f>1/0</f><v>#DIV/0!</v></c><c r=\"E2\" t=\"str\"><f>UPPER(\"x\")</f>"
        "<v>X</v></c><c r=\"F2\"><f>A2*2</f><v>6.28</v></c></row>"
        "<row r=\"3\" spans=\"1:5\" x14ac:dyDescent=\"0.25\"><c r=\"A3\" t=\"inlineStr\">"
        "<is><t>inline</t></is></c><c r=\"D3\" s=\"1\"><v>45292</v></c><c r=\"E3\" "
        "s=\"2\"/></row>"
        "<row r=\"6\" spans=\"2:2\" x14ac:dyDescent=\"0.25\"><c r=\"B6\" t=\"inlineStr\"><is>"
        "<r><t>rich</t></r><r><rPr><b/></rPr><t xml:space=\"preserve\"> inline</t></r>"
        "<rPh sb=\"0\" eb=\"1\"><t>no</t></rPh></is></c></row>"
        "<row r=\"7\" ht=\"30\" customHeight=\"1\" x14ac:dyDescent=\"0.25\"/>"
        "<row r=\"8\"><c r=\"A8\" t=\"s\"><v>4</v></c><c r=\"B8\" t=\"s\"><v> 5 </v></c>"
        "<c t=\"n\"><v>1E-3</v></c><c><v>-7</v></c><c r=\"F8\" t=\"d\">"
        "<v>2024-01-31T00:00:00</v></c></row>"
        "</sheetData><pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" "
        "header=\"0.3\" footer=\"0.3\"/><pageSetup orientation=\"portrait\" r:id=\"rId1\"/>"
        "</worksheet>";
    bs_xt *s = table(BS_XT_XLSX_STRINGS, sst_doc);
    CHECK(s != NULL);
    struct bs_xt_options o = {.strings = s};
    int ok = text_is(BS_XT_XLSX_SHEET, doc, &o,
                     "Name\tBold and plain\t\xE6\xBC\xA2\xE5\xAD\x97\ttwo  lines\n"
                     "3.14\tTRUE\tFALSE\t#DIV/0!\tX\t6.28\n"
                     "inline\t\t\t45292\n"
                     "\n"
                     "\n"
                     "\trich inline\n"
                     "\n"
                     "\t_x0041_ and \xF0\x9F\x98\x80\t1E-3\t-7\t\t2024-01-31T00:00:00\n");
    /* an index past the strings, and no strings at all */
    const char *bad = "<worksheet " X_NS "><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\">"
                      "<v>6</v></c></row></sheetData></worksheet>";
    ok = ok && fails_with(BS_XT_XLSX_SHEET, bad, &o, BS_EFORMAT,
                          "xlsx: shared string 6 out of range (6 strings) at byte ");
    ok = ok && fails_with(BS_XT_XLSX_SHEET, bad, NULL, BS_EFORMAT,
                          "xlsx: shared string 6 out of range (0 strings)");
    bs_xt_free(s);
    CHECK(ok);
}

/* Prefixed SpreadsheetML (x:), as some generators write it. */
static void test_xlsx_prefixed(void)
{
    const char *doc =
        "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        "<x:sheetData><x:row r=\"2\"><x:c r=\"C2\" t=\"inlineStr\"><x:is><x:t>p</x:t></x:is>"
        "</x:c></x:row></x:sheetData></x:worksheet>";
    CHECK(text_is(BS_XT_XLSX_SHEET, doc, NULL, "\n\t\tp\n"));
}

/* Row 1048576 after row 1: a million empty lines, written a piece at a
 * time, and stopped by the limit when there is one. */
static void test_xlsx_far_row(void)
{
    const char *doc = "<worksheet " X_NS "><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c>"
                      "</row><row r=\"1048576\"><c r=\"XFD1048576\"><v>2</v></c></row>"
                      "</sheetData></worksheet>";
    CHECK(extract(BS_XT_XLSX_SHEET, doc, strlen(doc), SIZE_MAX, NULL, NULL) == BS_OK);
    CHECK(out.len == 2 + 1048574 + 16383 + 2);
    CHECK(memcmp(out.p, "1\n\n\n", 4) == 0);
    CHECK(out.p[out.len - 16386] == '\n' && out.p[out.len - 16385] == '\t');
    CHECK(memcmp(out.p + out.len - 3, "\t2\n", 3) == 0);
    CHECK(max_pending <= BS_XT_HIGH_WATER + 64);
    struct bs_xt_options o = {.limit = 100000};
    CHECK(fails_with(BS_XT_XLSX_SHEET, doc, &o, BS_ELIMIT, "xlsx: text longer than the limit"));
}

/* ---- odt -------------------------------------------------------------------- */

#define O_NS                                                                 \
    "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "     \
    "xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" "       \
    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "         \
    "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" "       \
    "xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" "      \
    "xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\" " \
    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "                         \
    "xmlns:svg=\"urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0\" " \
    "xmlns:presentation=\"urn:oasis:names:tc:opendocument:xmlns:presentation:1.0\" " \
    "xmlns:calcext=\"urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0\" " \
    "office:version=\"1.3\""

static void test_odt(void)
{
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<office:document-content " O_NS "><office:scripts/><office:font-face-decls>"
        "<style:font-face style:name=\"Liberation Serif\" svg:font-family=\"&apos;Liberation "
        "Serif&apos;\" style:font-family-generic=\"roman\" style:font-pitch=\"variable\"/>"
        "</office:font-face-decls><office:automatic-styles><style:style style:name=\"P1\" "
        "style:family=\"paragraph\" style:parent-style-name=\"Standard\">"
        "<style:paragraph-properties><style:tab-stops><style:tab-stop "
        "style:position=\"2cm\"/></style:tab-stops></style:paragraph-properties></style:style>"
        "<style:style style:name=\"T1\" style:family=\"text\"><style:text-properties "
        "fo:font-weight=\"bold\"/></style:style></office:automatic-styles><office:body>"
        "<office:text><text:tracked-changes text:track-changes=\"false\"><text:changed-region "
        "xml:id=\"ct1\" text:id=\"ct1\"><text:deletion><office:change-info><dc:creator>Ann"
        "</dc:creator><dc:date>2024-01-01T10:00:00</dc:date></office:change-info>"
        "<text:p>Deleted words</text:p></text:deletion></text:changed-region>"
        "</text:tracked-changes><text:sequence-decls><text:sequence-decl "
        "text:display-outline-level=\"0\" text:name=\"Illustration\"/></text:sequence-decls>"
        "<text:h text:style-name=\"Heading_20_1\" text:outline-level=\"1\">Title</text:h>"
        "<text:p text:style-name=\"P1\">Hel<text:span text:style-name=\"T1\">lo</text:span> "
        "world<text:tab/>tabbed</text:p>"
        "<text:p text:style-name=\"Standard\">two<text:s text:c=\"3\"/>spaces and "
        "one<text:s/>more<text:s text:c=\"99999999\"/></text:p>"
        "<text:p>line<text:line-break/>break</text:p>"
        "<text:p>A note<text:note text:id=\"ftn1\" text:note-class=\"footnote\">"
        "<text:note-citation>1</text:note-citation><text:note-body><text:p "
        "text:style-name=\"Footnote\">The note text.</text:p></text:note-body></text:note> "
        "here.</text:p>"
        "<text:p>Commented<office:annotation office:name=\"__Annotation__1\"><dc:creator>Bob"
        "</dc:creator><dc:date>2024-02-02T00:00:00</dc:date><text:p>Comment body</text:p>"
        "</office:annotation> text<office:annotation-end office:name=\"__Annotation__1\"/>"
        "</text:p>"
        "<text:p>Framed<draw:frame draw:name=\"Frame1\" text:anchor-type=\"as-char\">"
        "<svg:desc>alt text</svg:desc><draw:text-box><text:p>Frame text</text:p>"
        "</draw:text-box></draw:frame></text:p>"
        "<text:list text:style-name=\"L1\"><text:list-item><text:p>item one</text:p>"
        "</text:list-item></text:list>"
        "<table:table table:name=\"Table1\" table:style-name=\"Table1\"><table:table-column "
        "table:number-columns-repeated=\"2\"/><table:table-row><table:table-cell "
        "office:value-type=\"string\"><text:p>c1</text:p></table:table-cell>"
        "<table:table-cell office:value-type=\"string\"><text:p>c2</text:p>"
        "</table:table-cell></table:table-row></table:table><text:p/>"
        "<text:p>\n    Pretty   printed\n    paragraph  </text:p>"
        "</office:text></office:body></office:document-content>";
    struct buf want = {0};
    buf_str(&want, "Title\nHello world\ttabbed\ntwo   spaces and one more");
    for (int i = 0; i < 65536; i++)
        buf_str(&want, " ");
    buf_str(&want, "\nline\nbreak\nA note here.\nThe note text.\nCommented text\n"
                   "Comment body\nFramed\nFrame text\nitem one\nc1\nc2\n\n"
                   "Pretty printed paragraph\n");
    int ok = text_is(BS_XT_ODT, doc, NULL, want.p);
    free(want.p);
    CHECK(ok);
}

/* ---- ods -------------------------------------------------------------------- */

static void test_ods(void)
{
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<office:document-content " O_NS "><office:scripts/><office:automatic-styles>"
        "<style:style style:name=\"co1\" style:family=\"table-column\"/></office:automatic-styles>"
        "<office:body><office:spreadsheet><table:calculation-settings "
        "table:automatic-find-labels=\"false\"/>"
        "<table:table table:name=\"Budget\" table:style-name=\"ta1\"><table:table-column "
        "table:style-name=\"co1\" table:number-columns-repeated=\"3\" "
        "table:default-cell-style-name=\"Default\"/>"
        "<table:table-row table:style-name=\"ro1\"><table:table-cell "
        "office:value-type=\"string\" calcext:value-type=\"string\"><text:p>Item</text:p>"
        "</table:table-cell><table:table-cell office:value-type=\"string\" "
        "calcext:value-type=\"string\"><text:p>Cost</text:p></table:table-cell>"
        "<table:table-cell table:number-columns-repeated=\"1022\"/></table:table-row>"
        "<table:table-row table:style-name=\"ro1\"><table:table-cell "
        "office:value-type=\"string\" calcext:value-type=\"string\"><text:p>Rent</text:p>"
        "</table:table-cell><table:table-cell office:value-type=\"float\" "
        "office:value=\"1200.5\" calcext:value-type=\"float\"><text:p>1,200.50</text:p>"
        "</table:table-cell><table:table-cell table:number-columns-repeated=\"2\"/>"
        "<table:table-cell office:value-type=\"string\" calcext:value-type=\"string\">"
        "<office:annotation draw:style-name=\"gr1\"><dc:creator>Ann</dc:creator>"
        "<text:p>a comment</text:p></office:annotation><text:p>note</text:p>"
        "</table:table-cell><table:table-cell table:number-columns-repeated=\"1019\"/>"
        "</table:table-row>"
        "<table:table-row table:style-name=\"ro1\" table:number-rows-repeated=\"2\">"
        "<table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row>"
        "<table:table-row table:style-name=\"ro1\" table:number-rows-repeated=\"3\">"
        "<table:table-cell office:value-type=\"float\" office:value=\"0\" "
        "calcext:value-type=\"float\" table:number-columns-repeated=\"2\"><text:p>0</text:p>"
        "</table:table-cell><table:table-cell table:number-columns-repeated=\"1022\"/>"
        "</table:table-row>"
        "<table:table-row table:style-name=\"ro1\"><table:table-cell "
        "table:number-columns-spanned=\"2\" table:number-rows-spanned=\"1\" "
        "office:value-type=\"string\" calcext:value-type=\"string\"><text:p>merged</text:p>"
        "<text:p>two  paras</text:p></table:table-cell><table:covered-table-cell/>"
        "<table:table-cell office:value-type=\"float\" office:value=\"42\"/>"
        "<table:table-cell table:number-columns-repeated=\"1021\"/></table:table-row>"
        "<table:table-row table:style-name=\"ro1\" table:number-rows-repeated=\"1048568\">"
        "<table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row>"
        "<table:table-row table:style-name=\"ro1\"><table:table-cell "
        "table:number-columns-repeated=\"1024\"/></table:table-row></table:table>"
        "<table:table table:name=\"Second\" table:style-name=\"ta1\"><table:shapes>"
        "<draw:frame><draw:text-box><text:p>shape</text:p></draw:text-box></draw:frame>"
        "</table:shapes><table:table-header-rows><table:table-row><table:table-cell "
        "office:value-type=\"string\"><text:p>x<text:s text:c=\"2\"/>y<text:tab/>z"
        "<text:line-break/>w</text:p></table:table-cell></table:table-row>"
        "</table:table-header-rows><table:table-row table:number-rows-repeated=\"2\">"
        "<table:table-cell table:number-columns-repeated=\"3\"><text:p>r</text:p>"
        "</table:table-cell><table:table-cell table:number-columns-repeated=\"16380\"/>"
        "</table:table-row></table:table>"
        "<table:named-expressions/></office:spreadsheet></office:body>"
        "</office:document-content>";
    CHECK(text_is(BS_XT_ODS, doc, NULL,
                  "=== Budget ===\n"
                  "Item\tCost\n"
                  "Rent\t1,200.50\t\t\tnote\n"
                  "\n"
                  "\n"
                  "0\t0\n"
                  "0\t0\n"
                  "0\t0\n"
                  "merged two paras\t\t42\n"
                  "=== Second ===\n"
                  "x  y z w\n"
                  "r\tr\tr\n"
                  "r\tr\tr\n"));
}

/* LibreOffice's trailing empty rows are not expanded; a repeat of
 * non-empty rows is, a piece at a time, within the limit. */
static void test_ods_repeats(void)
{
    const char *doc =
        "<office:document-content " O_NS "><office:body><office:spreadsheet>"
        "<table:table table:name=\"Big\"><table:table-row table:number-rows-repeated=\"200000\">"
        "<table:table-cell table:number-columns-repeated=\"2\"><text:p>ab</text:p>"
        "</table:table-cell></table:table-row><table:table-row "
        "table:number-rows-repeated=\"1048576\"><table:table-cell "
        "table:number-columns-repeated=\"16384\"/></table:table-row></table:table>"
        "</office:spreadsheet></office:body></office:document-content>";
    CHECK(extract(BS_XT_ODS, doc, strlen(doc), SIZE_MAX, NULL, NULL) == BS_OK);
    CHECK(out.len == strlen("=== Big ===\n") + 200000 * 6);
    CHECK(memcmp(out.p + out.len - 12, "ab\tab\nab\tab\n", 12) == 0);
    CHECK(max_pending <= BS_XT_HIGH_WATER + 64);
    struct bs_xt_options o = {.limit = 1000};
    CHECK(fails_with(BS_XT_ODS, doc, &o, BS_ELIMIT, "ods: text longer than the limit"));
    /* empty rows before a non-empty one are written (and limited) */
    const char *gap =
        "<office:document-content " O_NS "><office:body><office:spreadsheet>"
        "<table:table table:name=\"Gap\"><table:table-row table:number-rows-repeated=\"1000\">"
        "<table:table-cell/></table:table-row><table:table-row><table:table-cell "
        "table:number-columns-repeated=\"4\"/><table:table-cell><text:p>end</text:p>"
        "</table:table-cell></table:table-row></table:table></office:spreadsheet>"
        "</office:body></office:document-content>";
    CHECK(extract_all(BS_XT_ODS, gap, strlen(gap), NULL) == BS_OK);
    CHECK(out0.len == 12 + 1000 + 8);
    CHECK(memcmp(out0.p + out0.len - 9, "\n\t\t\t\tend\n", 9) == 0);
    CHECK(fails_with(BS_XT_ODS, gap, &o, BS_ELIMIT, "ods: text longer than the limit"));
}

/* ---- odp -------------------------------------------------------------------- */

static void test_odp(void)
{
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<office:document-content " O_NS "><office:body><office:presentation>"
        "<draw:page draw:name=\"page1\" draw:style-name=\"dp1\" "
        "draw:master-page-name=\"Default\" "
        "presentation:presentation-page-layout-name=\"AL1T0\"><office:forms "
        "form:automatic-focus=\"false\" form:apply-design-mode=\"false\" "
        "xmlns:form=\"urn:oasis:names:tc:opendocument:xmlns:form:1.0\"/>"
        "<draw:frame presentation:style-name=\"pr1\" draw:layer=\"layout\" "
        "svg:width=\"25.199cm\" svg:height=\"2.629cm\" svg:x=\"1.4cm\" svg:y=\"0.628cm\" "
        "presentation:class=\"title\"><draw:text-box><text:p>Welcome</text:p>"
        "</draw:text-box></draw:frame><draw:frame presentation:style-name=\"pr2\" "
        "draw:layer=\"layout\" presentation:class=\"outline\"><draw:text-box><text:list "
        "text:style-name=\"L1\"><text:list-item><text:p>Point <text:span "
        "text:style-name=\"T1\">one</text:span></text:p></text:list-item><text:list-item>"
        "<text:p>Point two</text:p></text:list-item></text:list></draw:text-box></draw:frame>"
        "<draw:custom-shape draw:style-name=\"gr1\"><svg:title>Shape title</svg:title>"
        "<text:p>In a shape</text:p><draw:enhanced-geometry svg:viewBox=\"0 0 21600 21600\" "
        "draw:type=\"rectangle\"/></draw:custom-shape>"
        "<presentation:notes draw:style-name=\"dp2\"><draw:page-thumbnail "
        "draw:style-name=\"gr2\" draw:layer=\"layout\" presentation:class=\"page\" "
        "draw:page-number=\"1\"/><draw:frame presentation:style-name=\"pr3\" "
        "draw:layer=\"layout\" presentation:class=\"notes\"><draw:text-box><text:p>Speaker "
        "notes</text:p></draw:text-box></draw:frame></presentation:notes></draw:page>"
        "<draw:page draw:name=\"Summary &amp; end\" draw:style-name=\"dp1\"><draw:frame>"
        "<draw:text-box><text:p>Bye</text:p></draw:text-box></draw:frame><presentation:notes>"
        "<draw:page-thumbnail/><draw:frame presentation:class=\"notes\"><draw:text-box/>"
        "</draw:frame></presentation:notes></draw:page>"
        "<draw:page draw:style-name=\"dp1\"><draw:frame><table:table><table:table-row>"
        "<table:table-cell><text:p>t1</text:p></table:table-cell></table:table-row>"
        "</table:table></draw:frame></draw:page>"
        "<presentation:settings presentation:mouse-visible=\"false\"/></office:presentation>"
        "</office:body></office:document-content>";
    CHECK(text_is(BS_XT_ODP, doc, NULL,
                  "=== page1 ===\nWelcome\nPoint one\nPoint two\nIn a shape\n"
                  "=== page1/notes ===\nSpeaker notes\n"
                  "=== Summary & end ===\nBye\n"
                  "=== Summary & end/notes ===\n"
                  "=== page3 ===\nt1\n"));
}

/* A part that breaks off: the text before the break is there, then the
 * error. */
static void test_truncated_part(void)
{
    const char *doc = "<w:document " W_NS "><w:body><w:p><w:r><w:t>kept</w:t></w:r></w:p>"
                      "<w:p><w:r><w:t>cut";
    CHECK(fails_with(BS_XT_DOCX, doc, NULL, BS_EFORMAT, "XML: truncated: <w:t> not closed"));
    CHECK(strcmp(out0.p, "kept\ncut") == 0);
    bs_xt *x;
    CHECK(bs_xt_new(&x, 0, NULL) == BS_EINVAL && x == NULL);
    CHECK(bs_xt_new(&x, BS_XT_KINDS, NULL) == BS_EINVAL);
    CHECK(bs_xt_new(&x, BS_XT_DOCX, NULL) == BS_OK);
    struct bs_xt_options o = {.strings = x};
    bs_xt *y = NULL;
    int rc = bs_xt_new(&y, BS_XT_XLSX_SHEET, &o);
    bs_xt_free(x);
    bs_xt_free(NULL);
    CHECK(rc == BS_EINVAL);
}

int main(void)
{
    RUN(test_events);
    RUN(test_entities);
    RUN(test_bad_references);
    RUN(test_doctype);
    RUN(test_malformed);
    RUN(test_limits);
    RUN(test_long_text);
    RUN(test_pause);
    RUN(test_docx);
    RUN(test_docx_notes);
    RUN(test_pptx);
    RUN(test_pptx_structure);
    RUN(test_part_names);
    RUN(test_xlsx_strings);
    RUN(test_xlsx_workbook);
    RUN(test_xlsx_sheet);
    RUN(test_xlsx_prefixed);
    RUN(test_xlsx_far_row);
    RUN(test_odt);
    RUN(test_ods);
    RUN(test_ods_repeats);
    RUN(test_odp);
    RUN(test_truncated_part);
    free(ev.p);
    free(ev0.p);
    free(out.p);
    free(out0.p);
    free(big.p);
    return 0;
}
