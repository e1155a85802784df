# libsrc / srcgrep: one non-recursive Makefile; everything built goes under build/.
#   make                 library, srcgrep, srccat
#   make check           every test (installs missing build dependencies as root)
#   make check SANITIZE=1  the same under AddressSanitizer + UBSan (build/san/)
#   make demo            srcgrep over corpus/
#   make bench           compare with rg, ugrep, grep
#   make fuzz            libFuzzer harnesses, bounded time (FUZZ_SECONDS)
#   make install PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGDIR ?= $(LIBDIR)/pkgconfig

VERSION := 0.1.0
SOMAJOR := 0

CC ?= cc
CFLAGS ?= -O2 -g
WARN := -std=c17 -Wall -Wextra -Werror -D_FILE_OFFSET_BITS=64
PCRE2_CFLAGS = $(shell pkg-config --cflags libpcre2-8 2>/dev/null)
PCRE2_LIBS = $(shell pkg-config --libs libpcre2-8 2>/dev/null || echo -lpcre2-8)
# Decoders.  ISA-L's inflate is used for gzip where it is installed (ISAL=0
# builds without it); zlib is always there as the fallback.
ISAL ?= $(shell pkg-config --exists libisal 2>/dev/null && echo 1 || echo 0)
ifeq ($(ISAL),1)
ISAL_CFLAGS := -DHAVE_ISAL
ISAL_LIBS := -lisal
endif
CODEC_CFLAGS := $(shell pkg-config --cflags zlib liblzma libzstd liblz4 2>/dev/null) $(ISAL_CFLAGS)
CODEC_LIBS := $(shell pkg-config --libs zlib liblzma libzstd liblz4 2>/dev/null || echo -lz -llzma -lzstd -llz4) -lbz2 $(ISAL_LIBS)

ifeq ($(SANITIZE),1)
B := build/san
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
B := build
SAN :=
endif

ALL_CFLAGS = $(WARN) $(CFLAGS) $(SAN) -Ilibsrc
LDFLAGS_ALL = $(SAN) $(LDFLAGS)

LIB_SRC := $(wildcard libsrc/*.c) $(wildcard transforms/*.c)
LIB_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRC))
CLI_COMMON := cli/matcher.c cli/scan.c cli/output.c cli/decode.c
SRCGREP_OBJ := $(patsubst %.c,$(B)/obj/%.o,cli/srcgrep.c cli/search.c cli/walk.c cli/pool.c cli/json.c)
CLI_COMMON_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(CLI_COMMON))
HDRS := $(wildcard libsrc/*.h) $(wildcard cli/*.h) $(wildcard transforms/*.h)

.PHONY: all deps check test-run demo bench fuzz fuzz-run install uninstall clean
all: $(B)/libsrc.a $(B)/libsrc.so $(B)/srcgrep $(B)/srccat

$(B)/obj/libsrc/%.o $(B)/obj/transforms/%.o: ALL_CFLAGS += -fPIC -fvisibility=hidden -DLIBSRC_BUILDING $(CODEC_CFLAGS)
$(B)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PCRE2_CFLAGS) -c $< -o $@

$(B)/libsrc.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/libsrc.so.$(VERSION): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libsrc.so.$(SOMAJOR) $(LDFLAGS_ALL) -o $@ $^ $(CODEC_LIBS) -lpthread

$(B)/libsrc.so: $(B)/libsrc.so.$(VERSION)
	ln -sf libsrc.so.$(VERSION) $(B)/libsrc.so.$(SOMAJOR)
	ln -sf libsrc.so.$(VERSION) $@

$(B)/srcgrep: $(SRCGREP_OBJ) $(CLI_COMMON_OBJ) $(B)/libsrc.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PCRE2_LIBS) $(CODEC_LIBS) -lpthread

$(B)/srccat: $(B)/obj/cli/srccat.o $(B)/obj/cli/output.o $(B)/obj/cli/decode.o $(B)/libsrc.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CODEC_LIBS) -lpthread

# Unit tests: each tests/unit_*.c is a program that prints "PASS name" or
# "FAIL name: why" per case.  Tests may use the private header.
UNIT_SRC := $(wildcard tests/unit_*.c)
UNIT_BIN := $(patsubst tests/%.c,$(B)/tests/%,$(UNIT_SRC))
$(B)/tests/%: tests/%.c tests/unit.h tests/layers.h $(B)/libsrc.a $(CLI_COMMON_OBJ) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PCRE2_CFLAGS) -DLIBSRC_BUILDING -Icli -o $@ $< $(CLI_COMMON_OBJ) $(B)/libsrc.a $(PCRE2_LIBS) $(CODEC_LIBS) -lpthread

deps:
	@tools/deps.sh build

# check installs what is missing first, then runs in a fresh make so that
# pkg-config answers for libraries that were just installed.
check:
	@tools/deps.sh check
	@$(MAKE) --no-print-directory test-run

test-run: all $(UNIT_BIN)
	@B=$(B) sh tests/run.sh

demo:
	@tools/deps.sh build
	@$(MAKE) --no-print-directory all
	@sh tools/demo.sh $(B)

bench:
	@tools/deps.sh bench
	@$(MAKE) --no-print-directory all
	@sh bench/run.sh $(B)

# Every tests/fuzz/fuzz_*.c is a libFuzzer harness, built with the library
# from source and run for FUZZ_SECONDS on its own corpus (build/fuzz/corpus-NAME).
# fuzz_layers reads two selector bytes before its data (which decoder, how
# the input is split): its seeds are corpus/good as it is, and compressed by
# each tool, behind the selector for that decoder or for detection.  A crash
# is left in build/fuzz as crash-*; every harness runs before make fails.
# fuzz_text reads the same two bytes (which text chain, how the input is
# split): its seeds are corpus/good (and the cut UTF-16 of corpus/bad) as
# they are behind the selector for detection, and for the samples in a
# charset behind that charset's; then the UTF-8 files and a few lines of
# CJK, Cyrillic, Hebrew and astral-plane text converted by iconv to each
# charset (after a BOM where the flag says b, then gzipped where it says
# z), behind the selector of that charset's layer, of detection, of
# opt.encoding or of bs_push_encoding.  FUZZ_TEXT_SKIP=utf-7 (from
# the environment) leaves charsets named out of fuzz_text; glibc's UTF-7
# keeps a partial sequence in its own state, so damaged UTF-7 is replaced
# differently depending on where the windows fall (see bs_push_iconv).
FUZZ_SECONDS ?= 60
FUZZ_TEXT_SKIP ?= utf-7
export FUZZ_TEXT_SKIP
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_CFLAGS := -std=c17 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=all -Ilibsrc -Icli -DLIBSRC_BUILDING
fuzz:
	@tools/deps.sh fuzz
	@$(MAKE) --no-print-directory fuzz-run

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRC) $(CLI_COMMON) $(HDRS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(PCRE2_CFLAGS) $(CODEC_CFLAGS) -o $@ $< $(LIB_SRC) $(CLI_COMMON) \
	  $(PCRE2_LIBS) $(CODEC_LIBS) -lpthread

fuzz-run: $(FUZZ_BIN)
	@mkdir -p build/fuzz/corpus-fuzz_memory && cp corpus/good/* build/fuzz/corpus-fuzz_memory/
	@d=build/fuzz/corpus-fuzz_layers; mkdir -p $$d; \
	for f in corpus/good/*; do \
	  b=$$(basename $$f); \
	  { printf '\006\001'; cat $$f; } >$$d/detect-$$b; \
	  for t in 0:gzip 1:gzip 113:gzip 2:xz 10:xz 3:zstd 19:zstd 4:bzip2 36:bzip2 5:lz4 69:lz4 6:gzip 7:xz 22:zstd; do \
	    k=$${t%%:*}; z=$${t#*:}; \
	    command -v $$z >/dev/null || continue; \
	    { printf "\\$$(printf %o $$k)\\001"; $$z -c <$$f; } >$$d/$$z-$$k-$$b; \
	  done; \
	done
	@d=build/fuzz/corpus-fuzz_text; mkdir -p $$d; \
	printf '%s\n' '日本語のテキスト、ｶﾀｶﾅ、漢字かな交じり文 ①' '中文文本：简体字与繁體字 €' \
	  '한국어 텍스트' 'Ελληνικά, кириллица, Tiếng Việt, עברית' '𝄞 😀 U+10000 and beyond' \
	  >build/fuzz/text-seed.txt; \
	for f in corpus/good/* corpus/bad/*utf16* build/fuzz/text-seed.txt; do \
	  b=$$(basename $$f); \
	  { printf '\011\001'; cat $$f; } >$$d/detect-$$b; \
	  case $$b in *.gz) k=;; *latin1*) k=170;; *sjis*) k=122;; *utf16*) k=0;; *) k=;; esac; \
	  [ -z "$$k" ] || { printf "\\$$(printf %o $$k)\\001"; cat $$f; } >$$d/$$k-$$b; \
	  iconv -f UTF-8 -t UTF-8 <$$f >/dev/null 2>&1 || continue; \
	  for t in 0:UTF-16LE: 0:UTF-16LE:b 1:UTF-16BE:b 2:UTF-32LE:b 3:UTF-32BE: 4:UTF-8:b \
	    5:CP1252: 6:SHIFT_JIS: 7:GB18030: 8:ISO-2022-JP: \
	    9:UTF-16LE: 9:UTF-16BE: 9:UTF-16LE:bz 9:UTF-32BE:b 9:UTF-8:b 25:UTF-16LE: \
	    122:SHIFT_JIS: 138:GB18030: 154:ISO-2022-JP: 106:CP1252: 43:UTF-32LE: \
	    92:UTF-16LE: 60:UTF-32BE:b 127:CP932: 159:CP1258: 175:UTF-7: 143:ISO-2022-KR: 207:CP1255:; do \
	    k=$${t%%:*}; r=$${t#*:}; cs=$${r%%:*}; fl=$${r#*:}; \
	    o=$$d/$$k-$$cs-$$fl-$$b; \
	    { printf "\\$$(printf %o $$k)\\001"; \
	      { case $$fl in *b*) printf '\357\273\277';; esac; cat $$f; } | iconv -c -f UTF-8 -t $$cs | \
	      { case $$fl in *z*) gzip -c;; *) cat;; esac; }; } >$$o 2>/dev/null || true; \
	  done; \
	done
	@d=build/fuzz/corpus-fuzz_tar; t=build/fuzz/tar-seed; rm -rf $$t; \
	mkdir -p $$d $$t/small/sub $$t/long; \
	printf 'first line\nsecond line\n' >$$t/small/a.txt; \
	printf 'no newline at the end' >$$t/small/sub/b.txt; : >$$t/small/empty; \
	gzip -c corpus/good/syslog.log >$$t/small/syslog.log.gz; \
	ln -s a.txt $$t/small/link; ln $$t/small/a.txt $$t/small/hard; \
	tar -b1 -C $$t/small -cf $$t/small/inner.tar a.txt sub; \
	l=$$t/long/$$(printf 'd%.0s' $$(seq 60))/$$(printf 'e%.0s' $$(seq 60)); mkdir -p $$l; \
	printf 'x\n' >"$$l/a name with spaces {1}.txt"; \
	printf 'y\n' >"$$t/long/$$(printf 'new\nline').txt"; \
	for f in gnu oldgnu ustar pax v7; do \
	  tar -b1 --format=$$f -C corpus -cf $$t/good-$$f.tar good; \
	  tar -b1 --format=$$f -C $$t -cf $$t/small-$$f.tar small; \
	  [ $$f = v7 ] || tar -b1 --format=$$f -C $$t -cf $$t/long-$$f.tar long; \
	done; \
	for a in $$t/*.tar; do \
	  b=$$(basename $$a .tar); \
	  for k in 0 97 110 119 233 70; do \
	    { printf "\\$$(printf %o $$k)"; cat $$a; } >$$d/$$b-$$k; \
	  done; \
	  { printf '\156'; head -c $$(($$(wc -c <$$a) * 2 / 3)) $$a; } >$$d/$$b-cut; \
	done
	@d=build/fuzz/corpus-fuzz_zip; t=build/fuzz/zip-seed; rm -rf $$t; mkdir -p $$d $$t; \
	command -v python3 >/dev/null || { echo "fuzz_zip: no python3, no seeds" >&2; exit 0; }; \
	printf '%s\n' 'import sys, zipfile' \
	  'm, z64, out = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3]' \
	  'f = sys.stdout.buffer if out == "-" else open(out, "wb")' \
	  'with zipfile.ZipFile(f, "w", m) as z:' \
	  '    for p in sys.argv[4:]:' \
	  '        with z.open(p.split("/")[-1], "w", force_zip64=z64) as w, open(p, "rb") as r:' \
	  '            w.write(r.read())' >$$t/mk.py; \
	for m in 0 8 12 14; do for z in 0 1; do \
	  python3 $$t/mk.py $$m $$z $$t/all-$$m-$$z.zip corpus/good/* || continue; \
	  python3 $$t/mk.py $$m $$z - corpus/good/crlf.ini corpus/good/app.log.xz corpus/good/utf8.txt | \
	    cat >$$t/desc-$$m-$$z.zip; \
	done; done; \
	for f in corpus/good/*; do python3 $$t/mk.py 8 0 $$t/one-$$(basename $$f).zip $$f; done; \
	python3 $$t/mk.py 8 0 $$t/nest.zip $$t/one-syslog.log.zip $$t/desc-8-0.zip; \
	python3 $$t/mk.py 0 0 $$t/nest2.zip $$t/nest.zip corpus/good/notes.md.zst; \
	for a in $$t/*.zip; do \
	  b=$$(basename $$a .zip); \
	  for k in 0 1 2 3 6 7 13 23; do \
	    { printf "\\$$(printf %o $$k)"; cat $$a; } >$$d/$$b-$$k; \
	  done; \
	done
	@st=0; for h in $(notdir $(FUZZ_BIN)); do \
	  echo "fuzz: $$h for $(FUZZ_SECONDS) s"; \
	  mkdir -p build/fuzz/corpus-$$h; \
	  (cd build/fuzz && ./$$h -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=30 \
	    corpus-$$h) || st=1; \
	done; exit $$st

# Made at every install: it records PREFIX, which may differ between runs.
.PHONY: $(B)/libsrc.pc
$(B)/libsrc.pc: libsrc.pc.in
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCDIR@|$(INCDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' -e 's|@CODEC_LIBS@|$(CODEC_LIBS)|' $< > $@

install: all $(B)/libsrc.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) \
	  $(DESTDIR)$(PKGDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	install -m 755 $(B)/srcgrep $(B)/srccat $(DESTDIR)$(BINDIR)/
	install -m 644 $(B)/libsrc.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(B)/libsrc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libsrc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libsrc.so.$(SOMAJOR)
	ln -sf libsrc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libsrc.so
	install -m 644 libsrc/libsrc.h $(DESTDIR)$(INCDIR)/
	install -m 644 $(B)/libsrc.pc $(DESTDIR)$(PKGDIR)/
	install -m 644 man/srcgrep.1 man/srccat.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/libsrc.3 $(DESTDIR)$(MANDIR)/man3/
	bash=$(DESTDIR)$(or $(BASHCOMPDIR),$(PREFIX)/share/bash-completion/completions); \
	zsh=$(DESTDIR)$(or $(ZSHCOMPDIR),$(PREFIX)/share/zsh/site-functions); \
	fish=$(DESTDIR)$(or $(FISHCOMPDIR),$(PREFIX)/share/fish/vendor_completions.d); \
	install -d "$$bash" "$$zsh" "$$fish" && \
	for p in srcgrep srccat; do \
	  install -m 644 completions/$$p.bash "$$bash/$$p" && \
	  install -m 644 completions/_$$p "$$zsh/_$$p" && \
	  install -m 644 completions/$$p.fish "$$fish/$$p.fish" || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/srcgrep $(DESTDIR)$(BINDIR)/srccat \
	  $(DESTDIR)$(LIBDIR)/libsrc.a $(DESTDIR)$(LIBDIR)/libsrc.so* \
	  $(DESTDIR)$(INCDIR)/libsrc.h $(DESTDIR)$(PKGDIR)/libsrc.pc \
	  $(DESTDIR)$(MANDIR)/man1/srcgrep.1 $(DESTDIR)$(MANDIR)/man1/srccat.1 \
	  $(DESTDIR)$(MANDIR)/man3/libsrc.3
	bash=$(DESTDIR)$(or $(BASHCOMPDIR),$(PREFIX)/share/bash-completion/completions); \
	zsh=$(DESTDIR)$(or $(ZSHCOMPDIR),$(PREFIX)/share/zsh/site-functions); \
	fish=$(DESTDIR)$(or $(FISHCOMPDIR),$(PREFIX)/share/fish/vendor_completions.d); \
	rm -f "$$bash/srcgrep" "$$bash/srccat" "$$zsh/_srcgrep" "$$zsh/_srccat" \
	  "$$fish/srcgrep.fish" "$$fish/srccat.fish"

clean:
	rm -rf build
