/* Internal to libsrc: the text a person reads in the XML parts of office
 * documents (OOXML: docx, xlsx, pptx; ODF: odt, ods, odp), for the zip
 * layer to hand out as members.  Two levels:
 *
 *  - bs_xml: a small streaming XML tokenizer of our own.  Push API, fed
 *    chunks of any size; splitting a document anywhere gives the same
 *    events.  Memory is bounded (the limits below).  No DTD processing.
 *
 *  - bs_xt: extractors on top of it.  One kind per kind of part; each is
 *    fed the part in chunks like the tokenizer and produces UTF-8 text into
 *    an output buffer that the caller takes from (or, for the structural
 *    parts, tables: sheets, slides, relationships, shared strings).
 *
 * Status codes are libsrc's (BS_OK, negative BS_E*), plus the two
 * positive "stopped early" codes BS_XT_PAUSE and BS_XT_MEMBER.  Every
 * failure leaves a one-line message, e.g.
 *     "XML: DOCTYPE not allowed at byte 39"
 *     "XML: unknown entity &nbsp; at byte 120"
 *     "xlsx: shared string 12 out of range (10 strings) at byte 2051"
 * and sticks: later calls return the same status.
 *
 * Nothing here allocates per byte or keeps global state; one object must
 * not be used by two threads at once.
 *
 * A typical loop (the zip layer's read):
 *
 *     bs_xt *x; bs_xt_new(&x, BS_XT_DOCX, &opt);
 *     while (input) {
 *         size_t used;
 *         rc = bs_xt_feed(x, p, n, &used);   // p += used, n -= used
 *         ... take bs_xt_text() with bs_xt_take() ...
 *         if (rc == BS_XT_MEMBER) ... the text taken so far ended a member,
 *                                 ... what follows is bs_xt_member()'s
 *         if (rc < 0) ... bs_xt_error(x)
 *     }
 *     bs_xt_finish(x) (same codes, call again after a pause); bs_xt_free(x);
 */
#ifndef LIBSRC_XMLTEXT_H
#define LIBSRC_XMLTEXT_H

#include "libsrc.h"

#include <stddef.h>
#include <stdint.h>

/* ---- the tokenizer --------------------------------------------------------- */

/* Limits.  A tag (from '<' to '>', its attributes included) longer than
 * BS_XML_TAG_MAX bytes is refused.  Text is buffered up to BS_XML_TEXT_MAX
 * bytes and then delivered, so one run of text may come in several text
 * events (always at the same places, whatever the chunks).  Elements may
 * nest BS_XML_DEPTH_MAX deep, and the names of the open elements take at
 * most BS_XML_NAMES_MAX bytes in all. */
#define BS_XML_TAG_MAX 65536
#define BS_XML_TEXT_MAX 65536
#define BS_XML_DEPTH_MAX 1024
#define BS_XML_NAMES_MAX (256 * 1024)

typedef struct bs_xml bs_xml;

/* One attribute: the qualified name as written ("w:val"), the value with
 * references decoded and white space normalised as XML says (tab, CR and
 * LF become spaces), as NUL-terminated UTF-8; len is the value's length. */
struct bs_xml_attr {
    const char *name;
    const char *value;
    size_t len;
};

/* The events.  Names are qualified as written ("w:t"), NUL-terminated, and
 * stay valid until the element's end event.  <a/> gives start then end.
 * Text is UTF-8 (CDATA sections are text; CR LF and lone CR become LF, as
 * XML says), never empty.  Invalid UTF-8 in the input becomes U+FFFD, one
 * per maximal invalid sequence, in text and in attribute values alike.
 *
 * Each callback returns BS_OK to go on, a negative status to stop the
 * parse with that status (after bs_xml_set_error, else a generic message),
 * or a positive value to pause: bs_xml_feed then returns that value at
 * once, having used the input up to the end of that event. */
struct bs_xml_handler {
    int (*start)(void *ctx, const char *name, const struct bs_xml_attr *attr, size_t nattr);
    int (*end)(void *ctx, const char *name);
    int (*text)(void *ctx, const char *p, size_t n);
};

/* A tokenizer calling h's functions with ctx.  *out is NULL on failure
 * (BS_ENOMEM, the only one). */
int bs_xml_new(bs_xml **out, const struct bs_xml_handler *h, void *ctx);

/* Tokenizes p[0..n), *used set to the bytes used: all of them with BS_OK,
 * fewer when a callback paused (its positive value is returned: call again
 * with the rest).  Negative on malformed input (BS_EFORMAT) or a limit
 * (BS_ELIMIT).  References: the five predefined entities and character
 * references (&#NNN; &#xHH;) are decoded; a reference to a character XML
 * does not allow (NUL, a surrogate, above U+10FFFF, most C0 controls,
 * U+FFFE/U+FFFF) becomes U+FFFD; any other entity is an error, as is a
 * malformed reference (a bare '&').  A DOCTYPE is an error: no DTD is ever
 * processed.  Comments and processing instructions (the XML declaration
 * included) are skipped; a UTF-8 BOM at the start is skipped. */
int bs_xml_feed(bs_xml *x, const void *p, size_t n, size_t *used);

/* The end of the input: delivers buffered text and checks that every
 * element was closed and no markup was left open (BS_EFORMAT if not).  A
 * callback may pause here too: call again.  Then BS_OK. */
int bs_xml_finish(bs_xml *x);

/* The message of the last failure ("" if none). */
const char *bs_xml_error(const bs_xml *x);

/* Records a failure of the handler (for use inside a callback, which then
 * returns the status): the message is the formatted text, the status
 * sticks.  Returns status. */
int bs_xml_set_error(bs_xml *x, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The offset in the input of the markup being reported (the '<' of the
 * tag, during start and end), for the handler's messages. */
uint64_t bs_xml_offset(const bs_xml *x);

void bs_xml_free(bs_xml *x);

/* ---- the extractors -------------------------------------------------------- */

typedef struct bs_xt bs_xt;

/* Kinds of part.  Text kinds produce UTF-8 text, one line ending in '\n'
 * per paragraph or row:
 *
 * BS_XT_DOCX   word/document.xml, header*.xml, footer*.xml, footnotes.xml,
 *     endnotes.xml, comments.xml.  The text of <w:t>; one <w:p> is one line
 *     (also each paragraph of a table cell: a table gives its cells'
 *     paragraphs as lines, row by row); runs are joined as they are; <w:tab/>
 *     and <w:ptab/> give TAB, <w:br/> and <w:cr/> a newline, and
 *     <w:noBreakHyphen/> '-'.  Not text: deleted and moved-away text
 *     (<w:del>, <w:delText>, <w:moveFrom>), field codes (<w:instrText>),
 *     the mc:Fallback copy of text boxes, and the separator footnotes.  A
 *     paragraph inside another (a text box) is a line of its own, after the
 *     line of the paragraph that holds it.
 * BS_XT_PPTX   a slide or a notes slide.  The text of <a:t>; one <a:p>
 *     is one line, <a:br/> a newline; mc:Fallback is skipped.
 * BS_XT_XLSX_SHEET   a worksheet, with opt.strings for t="s" cells.  Line N
 *     is row N: rows missing from the part are empty lines (a jump to row
 *     1048576 writes a million of them, counted against opt.limit); cells
 *     are joined by TAB in their columns (from r="B3"), so a skipped column
 *     is an empty field; trailing empty cells give nothing.  A cell shows:
 *     t="s" the shared string (an index out of range is an error,
 *     BS_EFORMAT), t="inlineStr" its <is> text, t="str", "e", "n", "d" or
 *     none the <v> as stored (numbers as written, dates not formatted),
 *     t="b" TRUE or FALSE; a formula's cached <v>, never the <f>.  Excel's
 *     _xHHHH_ escapes are decoded, and TAB, CR and LF inside a cell become
 *     spaces so that a line is always a row.  Elements are matched by
 *     their local names (Excel writes no prefix, others write x:).
 * BS_XT_ODT   ODF text (content.xml or styles.xml of an odt).  One
 *     <text:p> or <text:h> is one line; spans are joined; white space is
 *     collapsed as ODF says; <text:s text:c="N"/> gives N spaces (at most
 *     65536), <text:tab/> TAB, <text:line-break/> a newline.  Notes,
 *     comments (office:annotation) and text boxes are paragraphs inside a
 *     paragraph: their paragraphs are lines of their own after the line of
 *     the paragraph that holds them; the note's citation mark, ruby text,
 *     the comment's author and date are not text, nor is
 *     text:tracked-changes (deleted text).
 * BS_XT_ODS   ODF spreadsheet: each <table:table> is a member (named by
 *     table:name), one row per line, cells joined by TAB, repeats
 *     (number-rows-repeated, number-columns-repeated) expanded, except
 *     that empty cells and rows are written only when something non-empty
 *     follows them in the row or in the table: LibreOffice's trailing
 *     1024 empty columns and 1048576 empty rows give nothing.  A cell
 *     shows its paragraphs (the displayed value) joined by a space (TAB
 *     and line breaks inside become spaces, as for xlsx), or, with no
 *     paragraph, its office:*value attribute; comments and shapes in cells
 *     are not text.  One repeated row (or the text of a cell repeated in
 *     it) is held whole: longer than 4 MiB is BS_ELIMIT.
 * BS_XT_ODP   ODF presentation: each <draw:page> is a member named by
 *     draw:name, its paragraphs one per line (as BS_XT_ODT); its
 *     <presentation:notes> are a member of their own, named "NAME/notes"
 *     (the notes come last in a page; page text after them would go with
 *     the notes).
 *
 * ODF elements are matched by the prefixes every ODF producer writes
 * (text:, table:, office:, draw:, presentation:); OOXML ones by local name.
 *
 * Table kinds collect records instead of text (bs_xt_count and below):
 *
 * BS_XT_XLSX_STRINGS   sharedStrings.xml: string i is the concatenated <t>
 *     text of the i-th <si>, rich-text runs included, phonetic runs
 *     (<rPh>) left out, _xHHHH_ decoded.
 * BS_XT_XLSX_WORKBOOK   workbook.xml: the sheets in order, name and r:id.
 * BS_XT_PPTX_PRESENTATION   presentation.xml: the r:id of each slide of
 *     <p:sldIdLst>, in order (resolve with bs_xt_rel_part).
 * BS_XT_RELS   a .rels part: Id, Type, Target and whether TargetMode is
 *     External, in order.
 */
enum {
    BS_XT_DOCX = 1,
    BS_XT_PPTX,
    BS_XT_XLSX_SHEET,
    BS_XT_ODT,
    BS_XT_ODS,
    BS_XT_ODP,
    BS_XT_XLSX_STRINGS,
    BS_XT_XLSX_WORKBOOK,
    BS_XT_PPTX_PRESENTATION,
    BS_XT_RELS,
    BS_XT_KINDS   /* one past the last */
};

/* Positive returns of bs_xt_feed and bs_xt_finish (after BS_END, which
 * they never return). */
#define BS_XT_PAUSE 2   /* the output reached its high-water mark: take it, call again */
#define BS_XT_MEMBER 3  /* a member begins (ods, odp): see bs_xt_member */

/* Output above this is handed back (BS_XT_PAUSE) before more is made, so
 * that a repeat (a million empty rows) never sits in memory whole. */
#define BS_XT_HIGH_WATER ((size_t)64 << 10)

/* Held whole by BS_XT_ODS: one repeated row, one repeated cell. */
#define BS_XT_ROW_MAX ((size_t)4 << 20)

struct bs_xt_options {
    /* The most bytes the part may give: text for text kinds (counting every
     * byte ever produced, taken or not), the strings' bytes for table
     * kinds.  Past it the extractor fails with BS_ELIMIT.  0 = no limit.
     * The zip layer passes what is left of the decoded-bytes budget. */
    uint64_t limit;
    /* BS_XT_XLSX_SHEET: the shared strings, a BS_XT_XLSX_STRINGS extractor
     * that has finished, kept alive by the caller while this one is used.
     * NULL if the workbook has none (a t="s" cell is then an error). */
    const bs_xt *strings;
};

/* An extractor of the given kind; opt may be NULL (no limit, no strings).
 * BS_OK, BS_EINVAL (no such kind) or BS_ENOMEM; *out is NULL on failure. */
int bs_xt_new(bs_xt **out, int kind, const struct bs_xt_options *opt);

/* Feeds the part's bytes p[0..n); *used is set to the bytes used.
 * Returns BS_OK having used all of them; BS_XT_PAUSE when the output has
 * reached BS_XT_HIGH_WATER (take it, then call again with the rest: a call
 * that makes no progress because nothing was taken returns BS_XT_PAUSE
 * again); BS_XT_MEMBER when a member begins (ods, odp): all text before it
 * belongs to the previous member (or to none, before the first): take it
 * all, then call again with the rest; or a negative status. */
int bs_xt_feed(bs_xt *x, const void *p, size_t n, size_t *used);

/* The end of the part.  BS_OK, or as bs_xt_feed: BS_XT_PAUSE and
 * BS_XT_MEMBER ask to take the output and call again; negative for a
 * truncated or malformed part. */
int bs_xt_finish(bs_xt *x);

/* The output not yet taken: *len bytes at the pointer (not NUL-terminated),
 * valid until the next call on x.  Always valid UTF-8 where whole. */
const char *bs_xt_text(const bs_xt *x, size_t *len);

/* Drops the first n bytes of the output (n at most what bs_xt_text gave). */
void bs_xt_take(bs_xt *x, size_t n);

/* The name of the member begun at the last BS_XT_MEMBER ("" before the
 * first), valid until the next one. */
const char *bs_xt_member(const bs_xt *x);

/* The message of the last failure, "" if none. */
const char *bs_xt_error(const bs_xt *x);

/* Frees x; NULL is fine. */
void bs_xt_free(bs_xt *x);

/* ---- the tables (after bs_xt_finish returned BS_OK) ------------------------ */

/* Records collected: shared strings, sheets, slides or relationships (0
 * for the text kinds). */
size_t bs_xt_count(const bs_xt *x);

/* BS_XT_XLSX_STRINGS: string i (NUL-terminated, *len its length), or NULL
 * past the end. */
const char *bs_xt_string(const bs_xt *x, size_t i, size_t *len);

/* BS_XT_XLSX_WORKBOOK: sheet i's name and relationship id ("" if none).
 * BS_OK, or BS_EINVAL past the end. */
int bs_xt_sheet(const bs_xt *x, size_t i, const char **name, const char **rid);

/* BS_XT_PPTX_PRESENTATION: slide i's relationship id, NULL past the end. */
const char *bs_xt_slide(const bs_xt *x, size_t i);

/* BS_XT_RELS: relationship i.  BS_OK, or BS_EINVAL past the end. */
struct bs_xt_rel {
    const char *id, *type, *target;
    int external;   /* TargetMode="External": a URL, not a part */
};
int bs_xt_rel(const bs_xt *x, size_t i, struct bs_xt_rel *r);

/* The part a relationship of `rels` (a BS_XT_RELS extractor) points at,
 * for the part `source` the .rels belongs to ("xl/workbook.xml" for
 * xl/_rels/workbook.xml.rels): the target resolved as bs_xt_part_name
 * does.  BS_OK; BS_EFORMAT if no relationship has that id, or it is
 * external, or its target leaves the package; BS_ELIMIT if it does not
 * fit in out[0..outlen). */
int bs_xt_rel_part(const bs_xt *rels, const char *source, const char *id, char *out,
                   size_t outlen);

/* A relationship target resolved against the part it belongs to, as a zip
 * member name: "worksheets/sheet1.xml" from "xl/workbook.xml" is
 * "xl/worksheets/sheet1.xml", "../media/a.png" from "ppt/slides/s.xml" is
 * "ppt/media/a.png", "/xl/x.xml" is "xl/x.xml"; "." and ".." segments are
 * resolved (percent-escapes are left as they are).  BS_OK, BS_EFORMAT for
 * a target above the root or empty, BS_ELIMIT if out is too small. */
int bs_xt_part_name(const char *source, const char *target, char *out, size_t outlen);

/* The .rels part of a part: "ppt/slides/slide1.xml" gives
 * "ppt/slides/_rels/slide1.xml.rels", "" gives "_rels/.rels".  BS_OK or
 * BS_ELIMIT. */
int bs_xt_rels_name(const char *part, char *out, size_t outlen);

#endif
