# vidx - see README.md.  GNU make.
#
#   make            build bin/ (the default, `all`)
#   make check      unit + CLI tests, then again under ASan+UBSan; man lint
#   make demo       run the main job on the fixtures
#   make bench      benchmarks against ffprobe & co (bench/)
#   make fuzz       long libFuzzer runs (FUZZ_SECONDS each); corpora grow in
#                   tests/fuzz/corpus
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       install the Debian build dependencies (or print how)

PREFIX  ?= /usr/local
BINDIR_INSTALL = $(DESTDIR)$(PREFIX)/bin
MANDIR  = $(DESTDIR)$(PREFIX)/share/man

# libraries found with pkg-config; the Debian packages that provide them and
# the tools the tests and demo run
PKGS      = libavformat libavcodec libavutil libavfilter libswscale libswresample \
            jansson sqlite3 libcrypto
TEST_PKGS = cmocka
DEBS      = build-essential pkg-config ffmpeg libavformat-dev libavcodec-dev \
            libavutil-dev libjansson-dev libsqlite3-dev sqlite3 libssl-dev \
            libcmocka-dev mandoc tzdata jq clang libclang-rt-14-dev strace \
            valgrind libavfilter-dev libswscale-dev fonts-dejavu-core \
            libimage-exiftool-perl gpsbabel imagemagick libswresample-dev \
            openssl atomicparsley mediainfo parallel rsync \
            $(BROWSER_DEBS)
# the report's tests in a real browser, its PDF and screenshots; they skip
# (saying so) where these are missing, so only root installs them here
BROWSER_DEBS = chromium chromium-driver poppler-utils curl

ifeq ($(SAN),1)
B       = build/asan
BIN     = build/asan/bin
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=all
else
B       = build/release
BIN     = bin
endif

CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -Wall -Wextra -Werror -pthread $(SANFLAGS) \
             $(shell pkg-config --cflags $(PKGS)) $(CFLAGS)
LIBS    = -Wl,--as-needed $(shell pkg-config --libs $(PKGS)) -lpthread -lm
TEST_LIBS = $(shell pkg-config --libs $(TEST_PKGS))

LIB_SRC = $(wildcard libindex/*.c)
# the report page's style and script are files built in (report_assets.S)
LIB_ASM = $(wildcard libindex/*.S)
ASSETS  = libindex/report.css libindex/report.js
LIB_OBJ = $(LIB_SRC:libindex/%.c=$(B)/libindex/%.o) $(LIB_ASM:libindex/%.S=$(B)/libindex/%.o)
CLI_OBJ = $(B)/cmd/cli.o
TOOLS   = $(filter-out cli,$(basename $(notdir $(wildcard cmd/*.c))))
PROGS   = $(TOOLS:%=$(BIN)/%)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNITS   = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
MANS    = $(wildcard man/*.[1-9])

.PHONY: all check demo bench install clean deps units test-suite lint-man \
        fuzz fuzz-build
.DEFAULT_GOAL := all
.SECONDARY:

all: $(PROGS)

$(B)/libindex/%.o: libindex/%.c $(wildcard libindex/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libindex/%.o: libindex/%.S $(ASSETS)
	@mkdir -p $(@D)
	$(CC) -c -o $@ $<

$(B)/cmd/%.o: cmd/%.c cmd/cli.h libindex/vidx.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libindex.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN)/%: $(B)/cmd/%.o $(CLI_OBJ) $(B)/libindex.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(CLI_OBJ) $(B)/libindex.a $(LIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/unit.h $(wildcard libindex/*.h) $(B)/libindex.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Ilibindex -o $@ $< $(B)/libindex.a $(LIBS) $(TEST_LIBS)

units: $(UNITS)

# ---- dependencies ------------------------------------------------------

deps:
	@missing=; \
	for t in cc clang pkg-config ffmpeg ffprobe mandoc sqlite3 jq strace valgrind \
	         exiftool gpsbabel montage openssl AtomicParsley mediainfo \
	         parallel rsync; do \
	  command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	command -v pkg-config >/dev/null 2>&1 && \
	  pkg-config --exists $(PKGS) $(TEST_PKGS) libcrypto sqlite3 || \
	  missing="$$missing libraries"; \
	[ -e /usr/share/zoneinfo/America/New_York ] || missing="$$missing tzdata"; \
	[ -e /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || \
	  missing="$$missing fonts-dejavu-core"; \
	ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a \
	  >/dev/null 2>&1 || missing="$$missing libFuzzer"; \
	optional=; \
	for t in chromium chromedriver pdftoppm pdftotext curl identify; do \
	  command -v $$t >/dev/null 2>&1 || optional="$$optional $$t"; done; \
	if [ -z "$$missing" ] && [ -n "$$optional" ] && [ "$$(id -u)" != 0 ]; then \
	  echo "make deps: not installed:$$optional: the browser tests will be skipped." >&2; \
	  echo "  To run them: sudo apt-get install -y $(BROWSER_DEBS)" >&2; exit 0; fi; \
	[ -z "$$optional" ] || missing="$$missing$$optional"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "make deps: missing$$missing; installing with apt-get" >&2; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $(DEBS) >&2; \
	else \
	  echo "make deps: missing$$missing. Install them with:" >&2; \
	  echo "  sudo apt-get install -y $(DEBS)" >&2; exit 1; \
	fi

# ---- tests ---------------------------------------------------------------
# check runs in a fresh make so pkg-config is read after deps installed.

check: deps
	@rm -rf build/results && mkdir -p build/results
	@$(MAKE) --no-print-directory all units
	@tests/run.sh release bin build/release/tests
	@tests/valgrind.sh build/release/tests
	@$(MAKE) --no-print-directory SAN=1 all units
	@tests/run.sh asan build/asan/bin build/asan/tests
	@$(MAKE) --no-print-directory fuzz-build
	@tests/fuzz/run.sh $(FUZZ_CHECK_SECONDS) short
	@$(MAKE) --no-print-directory lint-man
	@tests/summary.sh build/results

# ---- fuzzing ----------------------------------------------------------------
# libFuzzer targets (clang) for every parser of untrusted text or bytes:
# tests/fuzz/fuzz_*.c, built with ASan+UBSan.  check runs each for
# FUZZ_CHECK_SECONDS on a copy of its corpus; `make fuzz` for FUZZ_SECONDS,
# merging what it finds into tests/fuzz/corpus/TARGET.

FUZZ_CC ?= clang
FUZZ_CHECK_SECONDS ?= 10
FUZZ_SECONDS ?= 300
FZ = build/fuzz
FUZZ_FLAGS = -std=c11 -g -O1 -pthread -fsanitize=address,undefined \
             -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
             $(shell pkg-config --cflags $(PKGS))
FUZZ_OBJ = $(LIB_SRC:libindex/%.c=$(FZ)/obj/%.o) $(LIB_ASM:libindex/%.S=$(FZ)/obj/%.o)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS = $(FUZZ_SRC:tests/fuzz/%.c=$(FZ)/%)

$(FZ)/obj/%.o: libindex/%.c $(wildcard libindex/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FZ)/obj/%.o: libindex/%.S $(ASSETS)
	@mkdir -p $(@D)
	$(FUZZ_CC) -c -o $@ $<

$(FZ)/libindex.a: $(FUZZ_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(FZ)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h tests/fuzz/readers.h $(FZ)/libindex.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -Ilibindex -o $@ $< \
	  $(FZ)/libindex.a $(shell pkg-config --libs $(PKGS)) -lpthread -lm

fuzz-build: $(FUZZERS)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@tests/fuzz/run.sh $(FUZZ_SECONDS) long

lint-man:
	@tests/lint-man.sh build/results $(MANS)

# ---- demo, bench -----------------------------------------------------------

# The main job, on the fixtures: probe, set up the cameras of a small scene,
# ingest a canvass laid out one folder per camera (copies of the fixtures
# under the names their recorders would give them), ask which cameras saw
# the corner of Chapel & Orange and what they did not cover, open a case,
# pull that footage into a case folder, verify it, and write its report.
DEMO = build/demo
DEMO_DB = $(DEMO)/vidx.db
DEMO_EV = $(DEMO)/evidence
demo: deps
	@$(MAKE) --no-print-directory all
	@rm -rf $(DEMO) && mkdir -p $(DEMO_EV)/chapel-ne $(DEMO_EV)/corner-store \
	  $(DEMO_EV)/pharmacy $(DEMO_EV)/transit
	@cp fixtures/h264_bframes.mp4 $(DEMO_EV)/chapel-ne/192.168.1.64_01_20220704212430250.mp4
	@cp fixtures/dahua.dav $(DEMO_EV)/corner-store/ch01.dav
	@cp fixtures/mjpeg.avi $(DEMO_EV)/pharmacy/CAM1.AVI
	@cp fixtures/h264.ts $(DEMO_EV)/transit/2022-07-04_21-25-00.ts
	@cp fixtures/hevc.ts $(DEMO_EV)/transit/2022-07-04_21-25-08.ts
	@cp fixtures/gap.ts $(DEMO_EV)/transit/2022-07-04_21-25-16.ts
	@echo "== vidx probe: a Dahua DVR export (the DVR writes New York time)" >&2
	@bin/vidx probe --tz America/New_York $(DEMO_EV)/corner-store/ch01.dav
	@echo >&2
	@echo "== vidx camera import fixtures/demo-cameras.csv; a clock observation" >&2
	@bin/vidx camera -d $(DEMO_DB) import fixtures/demo-cameras.csv
	@bin/vidx camera -d $(DEMO_DB) clock corner-store \
	  --camera-time "2022-07-04 21:25:10" --true-time "2022-07-04 21:22:00" \
	  --by demo --note "DVR clock against a phone's GPS time"
	@bin/vidx camera -d $(DEMO_DB) list
	@echo >&2
	@echo "== vidx ingest --camera-from-dir -j 2 $(DEMO_EV)" >&2
	@bin/vidx ingest -d $(DEMO_DB) --camera-from-dir -j 2 $(DEMO_EV)
	@echo >&2
	@echo "== the same again: already in the index, nothing added" >&2
	@bin/vidx ingest -d $(DEMO_DB) --camera-from-dir --json $(DEMO_EV) | \
	  jq -r '"\(.status) \(.recording_id) \(.path)"'
	@echo >&2
	@echo "== vidx ls" >&2
	@bin/vidx ls -d $(DEMO_DB)
	@echo >&2
	@echo "== vidx query: within 300 m of Chapel & Orange, 21:20-21:30 New York time" >&2
	@bin/vidx query -d $(DEMO_DB) --near 41.30568,-72.92561 --radius 300 \
	  --from "2022-07-04 21:20" --to "2022-07-04 21:30" --tz America/New_York
	@echo >&2
	@echo "== the same window: covered and not covered (corner-store runs 190 s fast)" >&2
	@bin/vidx query -d $(DEMO_DB) --near 41.30568,-72.92561 --radius 300 \
	  --from "2022-07-04 21:20" --to "2022-07-04 21:30" --tz America/New_York --coverage
	@echo >&2
	@echo "== vidx case new; vidx pull: the footage of that window into a case folder" >&2
	@bin/vidx case -d $(DEMO_DB) new NH-2022-0704 --title "Shooting, Chapel & Orange, 4 July 2022" --by demo
	@bin/vidx pull -d $(DEMO_DB) --case NH-2022-0704 --by demo --out $(DEMO)/case \
	  --near 41.30568,-72.92561 --radius 300 \
	  --from "2022-07-04 21:20" --to "2022-07-04 21:30" --tz America/New_York
	@echo >&2
	@echo "== cd $(DEMO)/case && sha256sum -c SHA256SUMS" >&2
	@cd $(DEMO)/case && sha256sum -c SHA256SUMS
	@echo >&2
	@echo "== vidx verify: the folder against its manifest, its sources and the custody log" >&2
	@bin/vidx verify -d $(DEMO_DB) --by demo $(DEMO)/case
	@echo >&2
	@echo "== vidx verify --case: the recordings the case pulled from, re-hashed" >&2
	@bin/vidx verify -d $(DEMO_DB) --by demo --case NH-2022-0704
	@echo >&2
	@echo "== vidx mosaic: the four cameras side by side on true time, 21:24:28-21:25:20" >&2
	@bin/vidx mosaic -d $(DEMO_DB) --case NH-2022-0704 --by demo \
	  --near 41.30568,-72.92561 --radius 300 --tile 320x240 \
	  --from "2022-07-04 21:24:28" --to "2022-07-04 21:25:20" --tz America/New_York \
	  -o $(DEMO)/case/scene-mosaic.mp4
	@echo >&2
	@echo "== vidx case log: the custody log (hash-chained)" >&2
	@bin/vidx case -d $(DEMO_DB) log NH-2022-0704
	@echo >&2
	@echo "== vidx report: the case as one offline page, with H.264 working copies," >&2
	@echo "   a PDF (where Chromium is installed) and timelines for Timesketch and plaso" >&2
	@bin/vidx report -d $(DEMO_DB) --by demo --out $(DEMO)/report --at "2022-07-04 21:25:13" \
	  --proxies $$(command -v chromium >/dev/null 2>&1 && echo --pdf) \
	  --timesketch $(DEMO)/timeline.jsonl --l2tcsv $(DEMO)/timeline.csv NH-2022-0704
	@cd $(DEMO)/report && sha256sum -c --quiet SHA256SUMS
	@echo >&2
	@echo "== vidx still: what every camera showed at the incident, 21:25:13 New York time" >&2
	@bin/vidx still -d $(DEMO_DB) --case NH-2022-0704 --by demo \
	  --near 41.30568,-72.92561 --radius 300 \
	  --at "2022-07-04 21:25:13" --tz America/New_York --sheet incident.png
	@echo >&2
	@echo "demo index: $(DEMO_DB), case folder: $(DEMO)/case  (try: jq . $(DEMO)/case/manifest.json)" >&2
	@echo "the report: $(DEMO)/report/report.html  (open it in a browser; #t=2022-07-05T01:25:13Z opens at that moment)" >&2
	@echo "mosaic: $(DEMO)/case/scene-mosaic.mp4; contact sheet at the incident: $(DEMO)/case/stills/incident.png" >&2

# Each benchmark prints medians and ratios against the tool a user would
# otherwise use; test data is made once in build/bench-data.  BENCH_RUNS=N.
bench: deps
	@$(MAKE) --no-print-directory all
	@for b in bench/startup bench/probe bench/ingest bench/query bench/pull bench/mobile bench/still bench/mosaic bench/merge; do \
	  [ -f $$b ] || continue; echo "== $$b" >&2; sh $$b || exit 1; done

# ---- install, clean ----------------------------------------------------------

install: all
	mkdir -p $(BINDIR_INSTALL) $(MANDIR)/man1 $(MANDIR)/man7
	install -m 755 $(PROGS) $(BINDIR_INSTALL)/
	for m in $(MANS); do \
	  s=$${m##*.}; install -m 644 $$m $(MANDIR)/man$$s/; done

clean:
	rm -rf build bin
