#!/bin/sh
# Remakes the samples that `make demo` (tools/demo.sh) searches in
# corpus/good/: minutes.docx and budget.xlsx (LibreOffice, from the flat
# ODF written below), release-notes.zip (Info-ZIP's zip of two text
# files) and logs.tar.gz (GNU tar of two logs, one of them gzipped).
# Needs soffice (headless), zip, GNU tar and gzip.
# Usage: sh tests/data/office/make-corpus.sh
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
out=$top/corpus/good
export LC_ALL=C.UTF-8 LANG=C.UTF-8 TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

cat >minutes.fodt <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:automatic-styles>
  <style:style style:name="T1" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
  <style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm"/><style:header-style/></style:page-layout>
 </office:automatic-styles>
 <office:master-styles>
  <style:master-page style:name="Standard" style:page-layout-name="pm1">
   <style:header><text:p>ACME Tools — internal, do not forward</text:p></style:header>
  </style:master-page>
 </office:master-styles>
 <office:body>
  <office:text>
   <text:h text:outline-level="1">Release meeting minutes, 2024-03-14</text:h>
   <text:p>Present: Zoë Brontë (chair), José Núñez, Antonín Dvořák</text:p>
   <text:p>Agenda: the 2.5.0 re<text:span text:style-name="T1">lease</text:span>, zstd support, the nightly build</text:p>
   <text:h text:outline-level="2">Decisions</text:h>
   <table:table table:name="Decisions">
    <table:table-column table:number-columns-repeated="2"/>
    <table:table-row><table:table-cell><text:p>Topic</text:p></table:table-cell><table:table-cell><text:p>Decision</text:p></table:table-cell></table:table-row>
    <table:table-row><table:table-cell><text:p>Release date</text:p></table:table-cell><table:table-cell><text:p>2.5.0 ships on 2024-03-28</text:p></table:table-cell></table:table-row>
    <table:table-row><table:table-cell><text:p>zstd &amp; lz4</text:p></table:table-cell><table:table-cell><text:p>both on by default</text:p></table:table-cell></table:table-row>
   </table:table>
   <text:h text:outline-level="2">Action items</text:h>
   <text:p>Action: José to fix the ERROR in the nightly build log.</text:p>
   <text:p>Action: Antonín to update the release notes<text:tab/>(due 2024-03-21)</text:p>
   <text:p>TODO: check the licence text of the new decoders.</text:p>
   <text:p>Next meeting: 2024-03-21, 10:00, room Zürich.</text:p>
  </office:text>
 </office:body>
</office:document>
EOF

cat >budget.fods <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
 <office:body>
  <office:spreadsheet>
   <table:table table:name="2024">
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>Category</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>Q1</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>Q2</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>Q3</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>Q4</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>Total</text:p></table:table-cell>
    </table:table-row>
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>Salaries</text:p></table:table-cell>
     <table:table-cell office:value-type="float" office:value="42000"><text:p>42000</text:p></table:table-cell>
     <table:table-cell office:value-type="float" office:value="42000"><text:p>42000</text:p></table:table-cell>
     <table:table-cell office:value-type="float" office:value="43500"><text:p>43500</text:p></table:table-cell>
     <table:table-cell office:value-type="float" office:value="43500"><text:p>43500</text:p></table:table-cell>
     <table:table-cell table:formula="of:=SUM([.B2:.E2])" office:value-type="float" office:value="171000"><text:p>171000</text:p></table:table-cell>
    </table:table-row>
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>Travel</text:p></table:table-cell>
     <table:table-cell office:value-type="float" office:value="1200"><text:p>1200</text:p></table:table-cell>
     <table:table-cell office:value-type="float" office:value="800"><text:p>800</text:p></table:table-cell>
     <table:table-cell/>
     <table:table-cell office:value-type="float" office:value="2300"><text:p>2300</text:p></table:table-cell>
     <table:table-cell table:formula="of:=SUM([.B3:.E3])" office:value-type="float" office:value="4300"><text:p>4300</text:p></table:table-cell>
    </table:table-row>
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>Licences &amp; fees</text:p></table:table-cell>
     <table:table-cell table:number-columns-repeated="4" office:value-type="float" office:value="350"><text:p>350</text:p></table:table-cell>
     <table:table-cell table:formula="of:=SUM([.B4:.E4])" office:value-type="float" office:value="1400"><text:p>1400</text:p></table:table-cell>
    </table:table-row>
    <table:table-row><table:table-cell table:number-columns-repeated="6"/></table:table-row>
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>Total</text:p></table:table-cell>
     <table:table-cell table:formula="of:=SUM([.B2:.B4])" office:value-type="float" office:value="43550"><text:p>43550</text:p></table:table-cell>
     <table:table-cell table:formula="of:=SUM([.C2:.C4])" office:value-type="float" office:value="43150"><text:p>43150</text:p></table:table-cell>
     <table:table-cell table:formula="of:=SUM([.D2:.D4])" office:value-type="float" office:value="43850"><text:p>43850</text:p></table:table-cell>
     <table:table-cell table:formula="of:=SUM([.E2:.E4])" office:value-type="float" office:value="46150"><text:p>46150</text:p></table:table-cell>
     <table:table-cell table:formula="of:=SUM([.F2:.F4])" office:value-type="float" office:value="176700"><text:p>176700</text:p></table:table-cell>
    </table:table-row>
   </table:table>
   <table:table table:name="2025 plan">
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>Category</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>Planned</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>Note</text:p></table:table-cell>
    </table:table-row>
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>Salaries</text:p></table:table-cell>
     <table:table-cell office:value-type="float" office:value="180000"><text:p>180000</text:p></table:table-cell>
    </table:table-row>
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>Travel</text:p></table:table-cell>
     <table:table-cell office:value-type="float" office:value="5000"><text:p>5000</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>conference in Zürich</text:p></table:table-cell>
    </table:table-row>
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>Hardware</text:p></table:table-cell>
     <table:table-cell office:value-type="float" office:value="7500"><text:p>7500</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>TODO: quotes from two vendors</text:p></table:table-cell>
    </table:table-row>
   </table:table>
  </office:spreadsheet>
 </office:body>
</office:document>
EOF

soffice -env:UserInstallation="file://$tmp/profile" --headless --convert-to docx minutes.fodt >>log 2>&1
soffice -env:UserInstallation="file://$tmp/profile" --headless --convert-to xlsx budget.fods >>log 2>&1

mkdir -p rel logs
cat >rel/CHANGES.md <<'EOF'
# Changes

## 2.5.0 (2024-03-28)
- zstd: fix a crash on a truncated frame
- tar: long names (GNU and pax headers) are read
- srcgrep -c no longer counts a binary file twice

## 2.4.1 (2024-01-10)
- gzip: fix the CRC check of multi-member files
- Documentation: the --raw option
EOF
cat >rel/README.txt <<'EOF'
srcgrep 2.5.0
Search compressed, encoded, archived and office files as text.
See CHANGES.md for what is new; report bugs to the issue tracker.
EOF
cat >logs/app.log <<'EOF'
2024-03-14T09:00:01Z INFO  app: starting, version 2.5.0
2024-03-14T09:00:02Z INFO  app: listening on 127.0.0.1:8080
2024-03-14T09:05:17Z WARN  app: slow request /export took 2.4 s
2024-03-14T09:07:42Z ERROR app: export failed: disk full (/var/spool/export)
2024-03-14T09:08:00Z INFO  app: retry of export succeeded
EOF
cat >logs/worker.log <<'EOF'
2024-03-14T09:00:05Z INFO  worker: 4 threads
2024-03-14T09:06:11Z ERROR worker: job 1187 failed: timeout after 30 s
2024-03-14T09:06:12Z INFO  worker: job 1187 requeued
2024-03-14T09:09:30Z ERROR worker: job 1192 failed: checksum mismatch
EOF
gzip -9n logs/worker.log
touch -d 2024-03-28T12:00:00Z rel/* logs/*
rm -f "$out/release-notes.zip"
(cd rel && zip -qX9 "$out/release-notes.zip" CHANGES.md README.txt)
tar --owner=0 --group=0 --numeric-owner --mtime=2024-03-28T12:00:00Z -C logs \
    -cf - app.log worker.log.gz | gzip -9n >"$out/logs.tar.gz"
cp minutes.docx budget.xlsx "$out/"
ls -l "$out/minutes.docx" "$out/budget.xlsx" "$out/release-notes.zip" "$out/logs.tar.gz"
