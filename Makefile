# vidx - see README.md.  GNU make.
#
#   make            build bin/ (the default, `all`)
#   make check      unit + CLI tests, then again under ASan+UBSan; man lint
#   make demo       run the main job on the fixtures
#   make bench      benchmarks against ffprobe & co (bench/)
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       install the Debian build dependencies (or print how)

PREFIX  ?= /usr/local
BINDIR_INSTALL = $(DESTDIR)$(PREFIX)/bin
MANDIR  = $(DESTDIR)$(PREFIX)/share/man

# libraries found with pkg-config; the Debian packages that provide them and
# the tools the tests and demo run
PKGS      = libavformat libavcodec libavutil jansson sqlite3 libcrypto
TEST_PKGS = cmocka
DEBS      = build-essential pkg-config ffmpeg libavformat-dev libavcodec-dev \
            libavutil-dev libjansson-dev libsqlite3-dev sqlite3 libssl-dev \
            libcmocka-dev mandoc tzdata jq

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
LIB_OBJ = $(LIB_SRC:libindex/%.c=$(B)/libindex/%.o)
CLI_OBJ = $(B)/cmd/cli.o
TOOLS   = $(filter-out cli,$(basename $(notdir $(wildcard cmd/*.c))))
PROGS   = $(TOOLS:%=$(BIN)/%)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNITS   = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
MANS    = $(wildcard man/*.[1-9])

.PHONY: all check demo bench install clean deps units test-suite lint-man
.DEFAULT_GOAL := all
.SECONDARY:

all: $(PROGS)

$(B)/libindex/%.o: libindex/%.c libindex/vidx.h libindex/internal.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/cmd/%.o: cmd/%.c cmd/cli.h libindex/vidx.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libindex.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN)/%: $(B)/cmd/%.o $(CLI_OBJ) $(B)/libindex.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(CLI_OBJ) $(B)/libindex.a $(LIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/unit.h $(B)/libindex.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Ilibindex -o $@ $< $(B)/libindex.a $(LIBS) $(TEST_LIBS)

units: $(UNITS)

# ---- dependencies ------------------------------------------------------

deps:
	@missing=; \
	for t in cc pkg-config ffmpeg ffprobe mandoc sqlite3 jq; do \
	  command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	command -v pkg-config >/dev/null 2>&1 && \
	  pkg-config --exists $(PKGS) $(TEST_PKGS) libcrypto sqlite3 || \
	  missing="$$missing libraries"; \
	[ -e /usr/share/zoneinfo/America/New_York ] || missing="$$missing tzdata"; \
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
	@$(MAKE) --no-print-directory SAN=1 all units
	@tests/run.sh asan build/asan/bin build/asan/tests
	@$(MAKE) --no-print-directory lint-man
	@tests/summary.sh build/results

lint-man:
	@tests/lint-man.sh build/results $(MANS)

# ---- demo, bench -----------------------------------------------------------

# The main job so far, on the fixtures: probe what each recording is and
# when it was shot, set up the cameras of a small scene, ingest their
# recordings into build/demo/vidx.db, list them.
DEMO_DB = build/demo/vidx.db
demo: deps
	@$(MAKE) --no-print-directory all
	@rm -rf build/demo && mkdir -p build/demo
	@echo "== vidx probe --tz America/New_York fixtures/dahua.dav fixtures/mjpeg.avi" >&2
	@bin/vidx probe --tz America/New_York fixtures/dahua.dav fixtures/mjpeg.avi
	@echo >&2
	@echo "== vidx camera import fixtures/demo-cameras.csv" >&2
	@bin/vidx camera -d $(DEMO_DB) import fixtures/demo-cameras.csv
	@bin/vidx camera -d $(DEMO_DB) clock corner-store \
	  --camera-time "2022-07-04 21:25:10" --true-time "2022-07-04 21:22:00" \
	  --by demo --note "DVR clock against a phone's GPS time"
	@bin/vidx camera -d $(DEMO_DB) list
	@echo >&2
	@echo "== vidx ingest: each camera's recordings (hash, keyframes, segments)" >&2
	@bin/vidx ingest -d $(DEMO_DB) --camera chapel-ne fixtures/h264_bframes.mp4 \
	  fixtures/h264_frag.mp4 fixtures/h264.mkv
	@bin/vidx ingest -d $(DEMO_DB) --camera corner-store fixtures/dahua.dav \
	  fixtures/raw.h264
	@bin/vidx ingest -d $(DEMO_DB) --camera pharmacy fixtures/mjpeg.avi
	@bin/vidx ingest -d $(DEMO_DB) --camera transit -j 2 fixtures/h264.ts \
	  fixtures/hevc.ts fixtures/gap.ts
	@echo >&2
	@echo "== vidx ingest again: already in the index, so a duplicate (nothing added)" >&2
	@bin/vidx ingest -d $(DEMO_DB) --camera pharmacy --json fixtures/mjpeg.avi | \
	  jq -r '"\(.status) \(.recording_id) \(.path)"'
	@echo >&2
	@echo "== vidx ls" >&2
	@bin/vidx ls -d $(DEMO_DB)
	@echo >&2
	@echo "demo index: $(DEMO_DB)  (try: bin/vidx ls -d $(DEMO_DB) --json | jq .)" >&2

# ---- install, clean ----------------------------------------------------------

install: all
	mkdir -p $(BINDIR_INSTALL) $(MANDIR)/man1 $(MANDIR)/man7
	install -m 755 $(PROGS) $(BINDIR_INSTALL)/
	for m in $(MANS); do \
	  s=$${m##*.}; install -m 644 $$m $(MANDIR)/man$$s/; done

clean:
	rm -rf build bin
