#!/bin/sh
# Damaged media: every fixture truncated at many offsets, with bytes
# flipped, ranges zeroed and chunks swapped (a fixed seed, so every run
# tries the same cases).  vidx-probe and vidx-ingest must end with exit 0
# or 1 (never a signal or a sanitizer report), say what they rejected in one
# line naming the file, and leave the index intact.  The counts go to
# $VIDX_RESULTS/damaged.txt for tests/RELIABILITY.md.
. "$(dirname "$0")/lib.sh"

ALL="h264_bframes.mp4 h264_frag.mp4 h264.mkv h264.ts hevc.ts mjpeg.avi raw.h264 dahua.dav gap.ts"
DB=$TRASH/v.db

# damage SRC: write the damaged copies of SRC into cases/ (awk's srand(7)
# makes the same offsets on every run)
damage() {
	src=$1 base=$(basename "$1")
	size=$(stat -c %s "$src")
	mkdir -p cases
	awk -v size=$size -v seed=7 'BEGIN {
		srand(seed)
		for (i = 1; i <= 12; i++) print "trunc", int(size * i / 13)
		print "trunc", 1; print "trunc", 188; print "trunc", size - 1
		for (i = 1; i <= 10; i++) print "flip", int(rand() * size), int(rand() * 255) + 1
		for (i = 1; i <= 4; i++) print "zero", int(rand() * size), int(rand() * 4096) + 1
		for (i = 1; i <= 2; i++) print "swap", int(rand() * size / 2), int(size / 2 + rand() * size / 4), 2048
		print "zero", 0, 4096
	}' | while read kind a b c; do
		out=cases/$base.$kind.$a${b:+.$b}
		case $kind in
		trunc) head -c "$a" "$src" >"$out" ;;
		flip)
			cp "$src" "$out"
			byte=$(od -An -tu1 -j "$a" -N1 "$src" | tr -d " ")
			printf "$(printf '\\%03o' $(( (byte ^ b) & 255 )))" |
				dd of="$out" bs=1 seek="$a" conv=notrunc 2>/dev/null ;;
		zero)
			cp "$src" "$out"
			dd if=/dev/zero of="$out" bs=1 seek="$a" count="$b" conv=notrunc 2>/dev/null ;;
		swap)
			cp "$src" "$out"
			dd if="$src" of="$out" bs=1 skip="$a" seek="$b" count="$c" conv=notrunc 2>/dev/null
			dd if="$src" of="$out" bs=1 skip="$b" seek="$a" count="$c" conv=notrunc 2>/dev/null ;;
		esac
	done
}

# ok_status CODE: 0 or 1, nothing else (a signal is 128+N, ASan 99)
ok_status() {
	[ "$1" = 0 ] || [ "$1" = 1 ]
}

test_expect_success 'set-up: damaged copies of every fixture' '
	for f in $ALL; do damage "$FIXTURES/$f"; done &&
	n=$(ls cases | wc -l) &&
	test "$n" -ge 270 &&
	echo "$n" >ncases
'

test_expect_success 'vidx-probe: exit 0 or 1 on every damaged file, one line per rejection' '
	: >probe.log
	for f in cases/*; do
		set +e
		vidx-probe --keyframes --sha256 --json "$f" >out 2>err
		rc=$?
		set -e
		ok_status $rc || { echo "$f: exit $rc"; cat err; exit 1; }
		if [ $rc = 1 ]; then
			test "$(lines err)" = 1 || { echo "$f:"; cat err; exit 1; }
			grep -q "$f" err
		fi
		echo "$rc $f" >>probe.log
	done &&
	echo "probed $(lines probe.log): $(grep -c "^0 " probe.log) read, $(grep -c "^1 " probe.log) rejected" &&
	# a DHAV cut in the middle of a frame: the frames before it, flagged
	head -c $(($(stat -c %s "$FIXTURES/dahua.dav") / 2)) "$FIXTURES/dahua.dav" >half.dav &&
	vidx-probe --json half.dav >t.json &&
	test "$(jq ".keyframe_count > 0 and .damaged" t.json)" = true &&
	# a truncated TS, MP4, MKV or DHAV keeps what was readable, flagged damaged
	# (a TS cut at a 188-byte packet boundary cannot be told from a whole
	# one; h264.ts is 871 packets = 13 x 67, so its thirteenths are such)
	for f in h264.ts h264_bframes.mp4 h264.mkv; do
		size=$(stat -c %s "$FIXTURES/$f")
		cuts=$((size - 1))
		[ $f = h264.ts ] || cuts="$cuts $((size * 7 / 13))"
		for at in $cuts; do
			vidx-probe --json cases/$f.trunc.$at >t.json
			test "$(jq ".keyframe_count > 0 and .damaged" t.json)" = true ||
				{ echo "$f cut at $at:"; cat t.json; exit 1; }
		done
	done
'

test_expect_success 'vidx-ingest: the whole damaged batch into one index; exit 0 or 1; index intact' '
	vidx-camera -d $DB add cam --lat 1 --lon 1 &&
	set +e
	vidx-ingest -d $DB -c cam --json cases >ingest.json 2>ingest.err
	rc=$?
	set -e
	ok_status $rc || { echo "vidx-ingest: exit $rc"; tail -5 ingest.err; exit 1; }
	test "$(sqlite3 $DB "PRAGMA integrity_check")" = ok &&
	test -z "$(sqlite3 $DB "PRAGMA foreign_key_check")" &&
	# every file has a row in the output: ingested, duplicate or failed
	test "$(lines ingest.json)" = "$(cat ncases)" &&
	failed=$(jq -r "select(.status == \"failed\") | .path" ingest.json | wc -l) &&
	test "$(lines ingest.err)" -ge "$failed" &&
	# a failed file leaves no row; an ingested one has its keyframes and segments
	sqlite3 $DB "SELECT count(*) FROM recordings r WHERE NOT EXISTS
		(SELECT 1 FROM keyframes k WHERE k.recording_id = r.id) OR NOT EXISTS
		(SELECT 1 FROM segments s WHERE s.recording_id = r.id)" >orphans &&
	test "$(cat orphans)" = 0 &&
	in=$(jq -r "select(.status == \"ingested\") | .path" ingest.json | wc -l) &&
	test "$(sqlite3 $DB "SELECT count(*) FROM recordings")" = "$in" &&
	echo "ingested $in, failed $failed, damaged flagged $(jq -r "select(.damaged == true) | .path" ingest.json | wc -l)"
'

test_expect_success 'the damaged recordings that went in can be queried, pulled and verified' '
	vidx-case -d $DB new D --title damaged --by t &&
	set +e
	# the copies that kept their container or stream time start at 21:24:30
	vidx-pull -d $DB --case D --out pulled --by t -c cam \
		--from 2022-07-04T21:24:31Z --to 2022-07-04T21:24:33Z >pull.out 2>pull.err
	rc=$?
	set -e
	ok_status $rc &&
	test "$(lines pull.out)" -gt 20 &&
	(cd pulled && sha256sum -c --quiet SHA256SUMS) &&
	vidx-verify -d $DB pulled >verify.out &&
	vidx-case -d $DB log D >/dev/null &&
	test "$(sqlite3 $DB "PRAGMA integrity_check")" = ok
'

test_expect_success 'a recording that is still growing is refused, not hung on' '
	cp "$FIXTURES/h264.ts" grow.ts &&
	( i=0; while [ $i -lt 200 ]; do cat "$FIXTURES/h264.ts" >>grow.ts; i=$((i + 1)); done ) &
	writer=$! &&
	set +e
	timeout 60 vidx-probe --sha256 grow.ts >out 2>err
	rc=$?
	set -e
	kill $writer 2>/dev/null || :; wait $writer 2>/dev/null || :
	ok_status $rc
'

test_expect_success 'an MP4 declaring a huge box is rejected in one line' '
	# moov box size set to 4 GiB - 1 in a copy of the MP4
	cp "$FIXTURES/h264_bframes.mp4" huge.mp4 &&
	off=$(grep -obUa moov huge.mp4 | head -n 1 | cut -d: -f1) &&
	printf "\377\377\377\377" | dd of=huge.mp4 bs=1 seek=$((off - 4)) conv=notrunc 2>/dev/null &&
	set +e
	vidx-probe huge.mp4 >out 2>err
	rc=$?
	set -e
	ok_status $rc &&
	if [ $rc = 1 ]; then test "$(lines err)" = 1; fi
'

test_expect_success 'deep folders and symlink loops: ingest walks them once and ends' '
	d=deep && i=0 &&
	while [ $i -lt 60 ]; do d=$d/d$i; i=$((i + 1)); done &&
	mkdir -p $d && cp "$FIXTURES/raw.h264" $d/x.h264 &&
	ln -s ../../.. $d/loop && ln -s "$TRASH/deep" deep/d0/back &&
	vidx-camera -d deep.db add cam --lat 1 --lon 1 &&
	timeout 120 vidx-ingest -d deep.db -c cam --start 2022-07-04T21:00:00Z --json deep >out.json &&
	test "$(jq -r .status out.json | sort | uniq -c | tr -s " ")" = " 1 ingested"
'

test_expect_success 'record the counts' '
	mkdir -p "${VIDX_RESULTS:-$TRASH}" &&
	{
		echo "damaged_cases $(cat ncases)"
		echo "probe_read $(grep -c "^0 " probe.log)"
		echo "probe_rejected $(grep -c "^1 " probe.log)"
		echo "ingested $(jq -r "select(.status == \"ingested\") | .path" ingest.json | wc -l)"
		echo "duplicate $(jq -r "select(.status == \"duplicate\") | .path" ingest.json | wc -l)"
		echo "failed $(jq -r "select(.status == \"failed\") | .path" ingest.json | wc -l)"
		echo "damaged_flagged $(jq -r "select(.damaged == true) | .path" ingest.json | wc -l)"
	} >"${VIDX_RESULTS:-$TRASH}/damaged.txt"
'

test_done
