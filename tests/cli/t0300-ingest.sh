#!/bin/sh
# vidx-ingest and vidx-ls end to end: every fixture into an index, the
# stored keyframes and hashes against vidx-probe and sha256sum, duplicates
# and re-runs, path lists, cameras from directories, bad files, times,
# SIGKILL mid-batch, two writers at once, read-only sources, and vidx-ls.
#
# Bodies are && chains, so they fail at the first failing step whether or
# not the harness runs them under set -e.
. "$(dirname "$0")/lib.sh"

# new_index DB: a fresh index with camera cam1 (New York) in it
new_index() {
	rm -f "$1" "$1-wal" "$1-shm" &&
	vidx-camera -d "$1" add cam1 --lat 40.7128 --lon -74.0060 \
		--tz America/New_York >/dev/null
}

# q DB SQL: query the index
q() {
	sqlite3 "$1" "$2"
}

# sha FILE: its SHA-256, as sha256sum prints it
sha() {
	sha256sum <"$1" | cut -c1-64
}

# intact DB: integrity_check ok, no foreign key broken, and no recording
# half written: each has its keyframes row, its segments and a path
intact() {
	test "$(q "$1" 'PRAGMA integrity_check')" = ok &&
	test -z "$(q "$1" 'PRAGMA foreign_key_check')" &&
	test "$(q "$1" 'select count(*) from recordings r where not exists
		(select 1 from keyframes k where k.recording_id = r.id)')" = 0 &&
	test "$(q "$1" 'select count(*) from recordings r where r.segment_count !=
		(select count(*) from segments s where s.recording_id = r.id)
		or r.segment_count < 1')" = 0 &&
	test "$(q "$1" 'select count(*) from recordings r where not exists
		(select 1 from recording_paths p where p.recording_id = r.id)')" = 0 &&
	test "$(q "$1" 'select count(*) from keyframes k join recordings r
		on r.id = k.recording_id where k.count != r.keyframe_count')" = 0
}

# counts DB: "recordings recording_paths segments keyframes" rows
counts() {
	q "$1" 'select (select count(*) from recordings) || char(32) ||
		(select count(*) from recording_paths) || char(32) ||
		(select count(*) from segments) || char(32) ||
		(select count(*) from keyframes)'
}

# kf_cmp EXPECT ACTUAL [nopts]: lines "pts pos size"; same count, pos and
# size equal, pts within 1 us (not compared with nopts)
kf_cmp() {
	test -s "$1" &&
	awk -v nopts="${3:-}" '
		NR == FNR { e[FNR] = $0; n = FNR; next }
		{ m = FNR; split(e[FNR], a, " ")
		  if (a[2] != $2 || a[3] != $3) {
			print "keyframe " FNR ": pos/size " a[2] " " a[3] " vs " $2 " " $3
			bad = 1 }
		  if (nopts == "") {
			d = a[1] - $1; if (d < 0) d = -d
			if (a[1] == "null" || $1 == "null" || d > 0.0000011) {
				print "keyframe " FNR ": pts " a[1] " vs " $1; bad = 1 } } }
		END { if (n != m) { print "count " n " vs " m; bad = 1 }
		      exit bad }' "$1" "$2"
}

# kf_of JSONL SHA256: the keyframes of that file as "pts pos size", from
# vidx-probe --json --keyframes --sha256 or vidx-ls --json --keyframes
kf_of() {
	jq -r --arg s "$2" 'select(.sha256 == $s) | .keyframes[] |
		"\(.pts_s) \(.pos) \(.size)"' "$1"
}

# field FILE PATH-SUFFIX JQ: JQ of the JSON line whose path ends so
field() {
	jq -r --arg p "$2" "select(.path | endswith(\$p)) | $3" "$1"
}

# wait_for PID: its exit status in $st
wait_for() {
	st=0
	wait "$1" || st=$?
}

# test_skip DESC WHY: a test that cannot run here (TAP skip)
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $1 ($2)"
}

# ---- every fixture -------------------------------------------------------

test_expect_success 'every fixture is ingested, exit 0, nothing on stderr' '
	new_index vidx.db &&
	set -- "$FIXTURES"/*.mp4 "$FIXTURES"/*.mkv "$FIXTURES"/*.ts \
		"$FIXTURES"/*.avi "$FIXTURES"/*.h264 "$FIXTURES"/*.dav &&
	test $# -ge 9 &&
	printf "%s\n" "$@" >media.list &&
	vidx-ingest -d vidx.db --camera cam1 --json "$@" >ingest.jsonl 2>err &&
	test ! -s err &&
	jq -r .path ingest.jsonl >actual &&
	test_cmp media.list actual &&
	test "$(jq -r .status ingest.jsonl | sort -u)" = ingested &&
	jq -c "select(.error != null or .recording_id == null or
		.camera != \"cam1\" or .damaged)" ingest.jsonl >unexpected &&
	test ! -s unexpected &&
	test "$(jq -r .recording_id ingest.jsonl | sort -u | wc -l)" = $# &&
	test "$(counts vidx.db | cut -d" " -f1,2,4)" = "$# $# $#" &&
	intact vidx.db
'

test_expect_success 'stored keyframes equal vidx-probe --keyframes (pos, size; pts to 1 us)' '
	set -- "$FIXTURES"/*.mp4 "$FIXTURES"/*.mkv "$FIXTURES"/*.ts \
		"$FIXTURES"/*.avi "$FIXTURES"/*.h264 "$FIXTURES"/*.dav &&
	vidx-probe --json --keyframes --sha256 "$@" >probe.jsonl &&
	vidx-ls -d vidx.db --json --keyframes >ls.jsonl &&
	while IFS= read -r f; do
		case $f in *.h264) continue ;; esac
		s=$(sha "$f") &&
		kf_of probe.jsonl "$s" >expect &&
		kf_of ls.jsonl "$s" >actual &&
		kf_cmp expect actual || { echo "in $f"; exit 1; }
	done <media.list
'

# raw.h264 has no timestamps: vidx-probe gives null pts, the index stores
# synthesized ones, so only pos and size are compared with the probe.
test_expect_success 'raw.h264: stored keyframes have the probe pos and size' '
	kf_of probe.jsonl "$(sha "$FIXTURES/raw.h264")" >expect &&
	test "$(cut -d" " -f1 expect | sort -u)" = null &&
	kf_of ls.jsonl "$(sha "$FIXTURES/raw.h264")" >actual &&
	kf_cmp expect actual nopts &&
	! grep null actual
'

# The synthesized pts must be the keyframes' places in the stream at the
# nominal rate: frames 0, 50, 100, 150 at 25 fps (fixtures/README.md).
test_expect_success 'raw.h264: synthesized keyframe pts are frame number / fps' '
	kf_of ls.jsonl "$(sha "$FIXTURES/raw.h264")" | cut -d" " -f1 >actual &&
	printf "%s\n" 0 2 4 6 >expect &&
	test_cmp expect actual
'

test_expect_success 'keyframe counts: ingest, vidx-ls and vidx-probe agree' '
	test "$(lines probe.jsonl)" = "$(lines media.list)" &&
	jq -r -n --slurpfile l ls.jsonl --slurpfile i ingest.jsonl --slurpfile p probe.jsonl "
		(\$l | map({key: .sha256, value: .}) | from_entries) as \$L |
		(\$i | map({key: .sha256, value: .}) | from_entries) as \$I |
		\$p[] | select(.keyframe_count != \$L[.sha256].keyframe_count or
			.keyframe_count != (\$L[.sha256].keyframes | length) or
			.keyframe_count != \$I[.sha256].keyframes) | .path" >wrong &&
	test ! -s wrong
'

test_expect_success 'sha256 from ingest and vidx-ls equals sha256sum; SHA256SUMS checks' '
	tr "\n" "\0" <media.list | xargs -0 sha256sum >expect &&
	test "$(lines expect)" = "$(lines media.list)" &&
	jq -r "\"\(.sha256)  \(.path)\"" ingest.jsonl >actual &&
	test_cmp expect actual &&
	jq -r "\"\(.sha256)  \(.path)\"" probe.jsonl >actual &&
	test_cmp expect actual &&
	vidx-ls -d vidx.db --json >ls-plain.jsonl &&
	cut -c1-64 expect | sort >expect.sha &&
	jq -r .sha256 ls-plain.jsonl | sort >actual.sha &&
	test_cmp expect.sha actual.sha &&
	jq -r "\"\(.sha256)  \(.path)\"" ls-plain.jsonl >SHA256SUMS &&
	sha256sum -c SHA256SUMS
'

test_expect_success 'gap.ts is stored as 2 segments: 4 s, a 5 s hole, 4 s' '
	id=$(field ingest.jsonl /gap.ts .recording_id) &&
	test "$(field ingest.jsonl /gap.ts .segments)" = 2 &&
	test "$(vidx-ls -d vidx.db --json | jq "select(.id == $id) | .segments")" = 2 &&
	q vidx.db "select seq, end - start from segments where recording_id = $id
		order by seq" >actual &&
	printf "%s\n" "0|4000000" "1|4000000" >expect &&
	test_cmp expect actual &&
	test "$(q vidx.db "select b.start - a.end from segments a, segments b
		where a.recording_id = $id and b.recording_id = $id
		and a.seq = 0 and b.seq = 1")" = 5000000 &&
	test "$(q vidx.db "select end - start from recordings where id = $id")" = 13000000 &&
	test "$(jq -r "select(.path | endswith(\"/gap.ts\") | not) | .segments" \
		ingest.jsonl | sort -u)" = 1
'

# ---- duplicates and re-runs ---------------------------------------------------

test_expect_success 're-ingesting the batch: all duplicate, same ids, exit 0, no new rows' '
	before=$(counts vidx.db) &&
	vidx-ingest -d vidx.db --camera cam1 --json --files-from media.list \
		>again.jsonl 2>err &&
	test ! -s err &&
	test "$(jq -r .status again.jsonl | sort -u)" = duplicate &&
	jq -r "[.path, .recording_id, .sha256] | @tsv" ingest.jsonl >expect &&
	jq -r "[.path, .recording_id, .sha256] | @tsv" again.jsonl >actual &&
	test_cmp expect actual &&
	test "$(counts vidx.db)" = "$before" &&
	intact vidx.db
'

test_expect_success 'a copy at a new path is a duplicate; its path is remembered' '
	mkdir -p elsewhere &&
	cp "$FIXTURES/gap.ts" elsewhere/copy-of-gap.ts &&
	id=$(field ingest.jsonl /gap.ts .recording_id) &&
	n=$(q vidx.db "select count(*) from recordings") &&
	vidx-ingest -d vidx.db --camera cam1 --json elsewhere/copy-of-gap.ts >out &&
	test "$(jq -r "[.status, .recording_id] | @tsv" out)" = \
		"$(printf "duplicate\t%s" $id)" &&
	test "$(q vidx.db "select count(*) from recordings")" = $n &&
	abs=$(realpath elsewhere/copy-of-gap.ts) &&
	test "$(q vidx.db "select recording_id from recording_paths
		where path = '\''$abs'\''")" = $id &&
	test "$(q vidx.db "select count(*) from recording_paths
		where recording_id = $id")" = 2 &&
	test "$(vidx-ls -d vidx.db --json | jq "select(.id == $id) | .paths")" = 2 &&
	vidx-ls -d vidx.db --json | jq -r "select(.id == $id) | .path" >actual &&
	realpath "$FIXTURES/gap.ts" >expect &&
	test_cmp expect actual &&
	vidx-ingest -d vidx.db --camera cam1 elsewhere/copy-of-gap.ts >/dev/null &&
	test "$(q vidx.db "select count(*) from recording_paths
		where recording_id = $id")" = 2
'

# A duplicate row names the recording already in the index (its id and
# camera), so its times must be that recording's too, not the ones a fresh
# probe of the copy gives (here from the copy's own mtime).
test_expect_success 'a duplicate reports the indexed recording'\''s start and end' '
	cp "$FIXTURES/h264.ts" elsewhere/h264-copy.ts &&
	touch -d "2020-01-01 00:00:00" elsewhere/h264-copy.ts &&
	vidx-ingest -d vidx.db --camera cam1 --json elsewhere/h264-copy.ts >out &&
	id=$(jq -r .recording_id out) &&
	test "$(jq -r .status out)" = duplicate &&
	vidx-ls -d vidx.db --json |
		jq -r "select(.id == $id) | [.start, .end] | @tsv" >expect &&
	jq -r "[.start, .end] | @tsv" out >actual &&
	test_cmp expect actual
'

# ---- what to ingest: directories, lists, cameras from directories -----------

test_expect_success 'directories are recursed in name order, hidden entries skipped' '
	new_index dirs.db &&
	mkdir -p tree/a/b/c tree/d tree/.hidden-dir &&
	cp "$FIXTURES/h264.ts" tree/a/b/c/deep.ts &&
	cp "$FIXTURES/hevc.ts" tree/a/top.ts &&
	cp "$FIXTURES/dahua.dav" tree/d/x.dav &&
	cp "$FIXTURES/gap.ts" tree/.hidden-dir/no.ts &&
	cp "$FIXTURES/mjpeg.avi" tree/d/.hidden.avi &&
	vidx-ingest -d dirs.db --camera cam1 --json tree >out &&
	jq -r "[.path, .status] | @tsv" out >actual &&
	printf "%s\tingested\n" tree/a/b/c/deep.ts tree/a/top.ts tree/d/x.dav >expect &&
	test_cmp expect actual &&
	test "$(counts dirs.db)" = "3 3 3 3" &&
	intact dirs.db
'

test_expect_success '--files-from LIST: files and directories, one a line' '
	new_index list.db &&
	mkdir -p "list dir/sub" &&
	cp "$FIXTURES/h264.ts" "list dir/with space.ts" &&
	cp "$FIXTURES/hevc.ts" "list dir/sub/in-dir.ts" &&
	cp "$FIXTURES/gap.ts" "list dir/not-listed.ts" &&
	printf "%s\n" "list dir/with space.ts" "" "list dir/sub" >LIST &&
	vidx-ingest -d list.db --camera cam1 --json --files-from LIST >out &&
	jq -r "[.path, .status] | @tsv" out >actual &&
	printf "%s\tingested\n" "list dir/with space.ts" "list dir/sub/in-dir.ts" >expect &&
	test_cmp expect actual &&
	test "$(counts list.db)" = "2 2 2 2"
'

test_expect_success '--files-from - reads the list from standard input' '
	new_index stdin.db &&
	printf "%s\n" "$FIXTURES/h264.ts" "$FIXTURES/dahua.dav" |
		vidx-ingest -d stdin.db --camera cam1 --json --files-from - >out &&
	jq -r "[.path, .status] | @tsv" out >actual &&
	printf "%s\tingested\n" "$FIXTURES/h264.ts" "$FIXTURES/dahua.dav" >expect &&
	test_cmp expect actual &&
	test "$(counts stdin.db)" = "2 2 2 2"
'

test_expect_success '-0 with find -print0: names with spaces and newlines' '
	new_index nul.db &&
	mkdir -p nul &&
	cp "$FIXTURES/h264.ts" "nul/cam 1
night.ts" &&
	cp "$FIXTURES/hevc.ts" nul/plain.ts &&
	find nul -type f -print0 |
		vidx-ingest -d nul.db --camera cam1 --json --files-from - -0 >out &&
	test "$(jq -r .status out | sort -u)" = ingested &&
	test "$(jq -s length out)" = 2 &&
	test "$(jq -r "select(.path == \"nul/cam 1\nnight.ts\") | .status" out)" = \
		ingested &&
	test "$(q nul.db "select count(*) from recording_paths
		where path like '\''%/nul/cam 1'\'' || char(10) || '\''night.ts'\''")" = 1 &&
	find nul -type f -print0 >LIST0 &&
	vidx-ingest -d nul.db --camera cam1 --json --files-from LIST0 -0 >out &&
	test "$(jq -r .status out | sort -u)" = duplicate &&
	test "$(jq -s length out)" = 2
'

test_expect_success '--camera-from-dir: each file under the camera its directory names' '
	new_index dircam.db &&
	vidx-camera -d dircam.db add cam2 --lat 52.52 --lon 13.405 --tz Europe/Berlin &&
	mkdir -p bycam/cam1 bycam/cam2 &&
	cp "$FIXTURES/mjpeg.avi" "$FIXTURES/h264.ts" bycam/cam1/ &&
	cp "$FIXTURES/dahua.dav" bycam/cam2/ &&
	find bycam -type f -print0 |
		vidx-ingest -d dircam.db --camera-from-dir --files-from - -0 --json >out &&
	test "$(jq -r .status out | sort -u)" = ingested &&
	jq -r "[.path, .camera] | @tsv" out | sort >actual &&
	printf "%s\t%s\n" bycam/cam1/h264.ts cam1 bycam/cam1/mjpeg.avi cam1 \
		bycam/cam2/dahua.dav cam2 >expect &&
	test_cmp expect actual &&
	vidx-ls -d dircam.db --json |
		jq -r "[.camera, (.path | sub(\".*/\"; \"\"))] | @tsv" | sort >actual &&
	printf "%s\t%s\n" cam1 h264.ts cam1 mjpeg.avi cam2 dahua.dav >expect &&
	test_cmp expect actual &&
	test "$(field out mjpeg.avi .start)" = 2022-07-05T01:24:30.000Z &&
	test "$(field out dahua.dav .start)" = 2022-07-04T19:24:30.000Z
'

# A technician in the camera's folder runs find . : the parent of ./x is
# the current directory, whose name is the camera (as for a bare name).
test_expect_success '--camera-from-dir with ./name takes the current directory'\''s name' '
	new_index dot.db &&
	mkdir -p dotcam/cam1 &&
	cp "$FIXTURES/hevc.ts" dotcam/cam1/ &&
	(cd dotcam/cam1 && find . -type f -print0 |
		vidx-ingest -d ../../dot.db --camera-from-dir --files-from - -0 --json) >out &&
	test "$(jq -r "[.status, .camera] | @tsv" out)" = "$(printf "ingested\tcam1")"
'

# A camera directory may be a symbolic link (to a mounted export): the
# camera is the name the path gives, not the name of the link's target.
test_expect_success '--camera-from-dir: a linked camera directory is named by the link' '
	new_index link.db &&
	mkdir -p media/DCIM linked &&
	cp "$FIXTURES/hevc.ts" media/DCIM/ &&
	ln -s ../media/DCIM linked/cam1 &&
	vidx-ingest -d link.db --camera-from-dir --json linked/cam1/hevc.ts >out &&
	test "$(jq -r "[.status, .camera] | @tsv" out)" = "$(printf "ingested\tcam1")"
'

test_expect_success 'an unknown --camera: exit 1, the reason on stderr, nothing ingested' '
	new_index nocam.db &&
	test_expect_code 1 vidx-ingest -d nocam.db --camera nosuch --json \
		"$FIXTURES/h264.ts" "$FIXTURES/hevc.ts" >out 2>err &&
	grep "nosuch" err &&
	test "$(counts nocam.db)" = "0 0 0 0"
'

test_expect_success 'an unknown camera from a directory fails that file only' '
	new_index dircam2.db &&
	mkdir -p mixed/cam1 mixed/nosuchcam &&
	cp "$FIXTURES/h264.ts" "$FIXTURES/gap.ts" mixed/cam1/ &&
	cp "$FIXTURES/hevc.ts" mixed/nosuchcam/ &&
	test_expect_code 1 vidx-ingest -d dircam2.db --camera-from-dir --json mixed \
		>out 2>err &&
	test "$(lines err)" = 1 &&
	grep "mixed/nosuchcam/hevc.ts.*nosuchcam" err &&
	jq -r "[.path, .status] | @tsv" out >actual &&
	printf "%s\t%s\n" mixed/cam1/gap.ts ingested mixed/cam1/h264.ts ingested \
		mixed/nosuchcam/hevc.ts failed >expect &&
	test_cmp expect actual &&
	test "$(field out hevc.ts ".error | test(\"nosuchcam\")")" = true &&
	test "$(counts dircam2.db | cut -d" " -f1,2,4)" = "2 2 2" &&
	intact dircam2.db
'

# ---- bad files -------------------------------------------------------------------

# The vanished file is listed but does not exist when its turn comes (the
# list is read before any file is).
test_expect_success 'bad files among good: each named once, failed, no trace; the good are in' '
	new_index bad.db &&
	mkdir -p bad &&
	: >bad/empty.mp4 &&
	printf "this is not a video\nat all\n" >bad/text.ts &&
	ffmpeg -v error -i "$FIXTURES/h264.ts" -c copy -movflags 0 moov-at-end.mp4 &&
	head -c 50000 moov-at-end.mp4 >bad/truncated.mp4 &&
	! grep -a -q moov bad/truncated.mp4 &&
	awk "BEGIN { srand(7); for (i = 0; i < 400; i++) {
		printf \"%c\", 71; for (j = 0; j < 187; j++) printf \"%c\", int(rand() * 256) } }" \
		>bad/corrupt.ts &&
	cp "$FIXTURES/h264.ts" good1.ts &&
	cp "$FIXTURES/dahua.dav" good2.dav &&
	printf "%s\n" bad/empty.mp4 good1.ts bad/text.ts bad/truncated.mp4 \
		bad/vanished.mp4 bad/corrupt.ts good2.dav >LIST &&
	test_expect_code 1 vidx-ingest -d bad.db --camera cam1 --json -j 2 \
		--files-from LIST >out 2>err &&
	cat err &&
	test "$(lines err)" = 5 &&
	for b in empty.mp4 text.ts truncated.mp4 vanished.mp4 corrupt.ts; do
		test "$(grep -c "^vidx-ingest: .*'\''bad/$b'\''" err)" = 1 &&
		test "$(jq -r --arg p bad/$b "select(.path == \$p) |
			.status == \"failed\" and (.error | type) == \"string\" and
			.error != \"\" and .recording_id == null" out)" = true ||
		{ echo "$b"; exit 1; }
	done &&
	grep "empty.mp4.: empty file" err &&
	grep "vanished.mp4.: No such file or directory" err &&
	test "$(jq -r "select(.status == \"ingested\") | .path" out | sort)" = \
		"$(printf "%s\n" good1.ts good2.dav)" &&
	test "$(counts bad.db)" = "2 2 2 2" &&
	test "$(q bad.db "select count(*) from recording_paths
		where path like '\''%/bad/%'\''")" = 0 &&
	test "$(q bad.db "select count(*) from recordings
		where path like '\''%/bad/%'\''")" = 0 &&
	intact bad.db
'

test_expect_success 'bad files alone: exit 1, index untouched and intact' '
	new_index bad2.db &&
	test_expect_code 1 vidx-ingest -d bad2.db --camera cam1 bad >out 2>err &&
	test "$(lines err)" = 4 &&
	test "$(counts bad2.db)" = "0 0 0 0" &&
	intact bad2.db
'

# ---- time -----------------------------------------------------------------------------

HIK=192.168.1.64_01_20220704212430250.mp4

test_expect_success 'the camera'\''s zone reads local times (Hikvision file name)' '
	new_index time.db &&
	mkdir -p hik &&
	cp "$FIXTURES/h264_bframes.mp4" hik/$HIK &&
	vidx-ingest -d time.db --camera cam1 --json hik/$HIK >out &&
	test "$(jq -r "[.start, .end, .time_source] | @tsv" out)" = \
		"$(printf "2022-07-05T01:24:30.250Z\t2022-07-05T01:24:38.250Z\tfilename")" &&
	vidx-ls -d time.db --json | jq -r "[.start, .time_source, .time_raw] | @tsv" >actual &&
	printf "2022-07-05T01:24:30.250Z\tfilename\t%s\n" $HIK >expect &&
	test_cmp expect actual &&
	vidx-ls -d time.db --local | grep "2022-07-04T21:24:30.250-04:00"
'

test_expect_success '--tz overrides the camera'\''s zone' '
	new_index tz.db &&
	vidx-ingest -d tz.db --camera cam1 --json --tz Europe/Berlin hik/$HIK >out &&
	test "$(jq -r .start out)" = 2022-07-04T19:24:30.250Z &&
	test "$(vidx-ls -d tz.db --json | jq ".time_detail | test(\"Europe/Berlin\")")" = true
'

test_expect_success '--start for one file: UTC as given, local in the camera'\''s zone' '
	new_index start.db &&
	vidx-ingest -d start.db --camera cam1 --json --start 2022-07-04T21:00:00Z \
		"$FIXTURES/h264.ts" >out &&
	test "$(jq -r "[.start, .end, .time_source] | @tsv" out)" = \
		"$(printf "2022-07-04T21:00:00.000Z\t2022-07-04T21:00:08.000Z\tmanual")" &&
	new_index start2.db &&
	vidx-ingest -d start2.db --camera cam1 --json --start "2022-07-04 21:00" \
		"$FIXTURES/h264.ts" >out &&
	test "$(jq -r .start out)" = 2022-07-05T01:00:00.000Z
'

test_expect_success '--start is refused for several files (exit 2, nothing ingested)' '
	new_index start3.db &&
	test_expect_code 2 vidx-ingest -d start3.db --camera cam1 \
		--start 2022-07-04T21:00:00Z "$FIXTURES/h264.ts" "$FIXTURES/hevc.ts" \
		>out 2>err &&
	grep -- "--start" err &&
	test ! -s out &&
	mkdir -p two &&
	cp "$FIXTURES/h264.ts" "$FIXTURES/hevc.ts" two/ &&
	test_expect_code 2 vidx-ingest -d start3.db --camera cam1 \
		--start 2022-07-04T21:00:00Z two >out 2>err &&
	test ! -s out &&
	test "$(counts start3.db)" = "0 0 0 0"
'

# ---- SIGKILL and two writers ---------------------------------------------------

# 240 distinct files: TS fixtures, each with one null TS packet (PID 0x1fff)
# appended that carries its number, so each has its own hash.  The 80 copies
# of gap.ts have 2 segments each: 320 segments in all.
test_expect_success 'set up a batch of 240 distinct TS files' '
	mkdir -p batch &&
	for f in h264 hevc gap; do
		i=0 &&
		set -- &&
		while [ $i -lt 80 ]; do
			set -- "$@" batch/$f-$i.ts
			i=$((i + 1))
		done &&
		tee "$@" <"$FIXTURES/$f.ts" >/dev/null &&
		i=0 &&
		for b; do
			printf "G\037\377\020%-184s" $i >>"$b"
			i=$((i + 1))
		done || exit 1
	done &&
	ls -d "$PWD"/batch/* >batch.list &&
	test "$(lines batch.list)" = 240 &&
	test "$(sha256sum batch/* | cut -c1-64 | sort -u | wc -l)" = 240
'

test_expect_success 'SIGKILL of vidx-ingest -j 2 mid-batch: index intact; a re-run completes it' '
	new_index kill.db &&
	{ vidx-ingest -d kill.db --camera cam1 -j 2 --files-from batch.list \
		>/dev/null 2>&1 & } &&
	pid=$! &&
	n=0 tries=0 &&
	while [ "$n" -lt 3 ] && [ $tries -lt 5000 ]; do
		n=$(q kill.db "select count(*) from recordings" 2>/dev/null) || n=0
		tries=$((tries + 1))
	done &&
	kill -9 $pid &&
	wait_for $pid &&
	test $st = 137 &&
	k=$(q kill.db "select count(*) from recordings") &&
	echo "killed after $k of 240" &&
	test "$k" -ge 3 &&
	test "$k" -lt 240 &&
	intact kill.db &&
	vidx-ingest -d kill.db --camera cam1 -j 2 --json --files-from batch.list \
		>out 2>err &&
	test ! -s err &&
	test "$(jq -r "select(.status == \"duplicate\") | .path" out | wc -l)" = $k &&
	test "$(jq -r "select(.status == \"ingested\") | .path" out | wc -l)" = $((240 - k)) &&
	test "$(counts kill.db)" = "240 240 320 240" &&
	test "$(q kill.db "select count(distinct sha256) from recordings")" = 240 &&
	q kill.db "select path from recording_paths" | sed "s|.*/batch/||" | sort >actual &&
	sed "s|.*/batch/||" batch.list | sort >expect &&
	test_cmp expect actual &&
	intact kill.db
'

# both_at_once DB LIST-A LIST-B: two vidx-ingest -j 2 on DB at the same time;
# their JSON in oa, ob; stderr in ea, eb; both must exit 0
both_at_once() {
	{ vidx-ingest -d "$1" --camera cam1 -j 2 --json --files-from "$2" >oa 2>ea & } &&
	pa=$! &&
	{ vidx-ingest -d "$1" --camera cam1 -j 2 --json --files-from "$3" >ob 2>eb & } &&
	pb=$! &&
	wait_for $pa && ra=$st &&
	wait_for $pb && rb=$st &&
	cat ea eb &&
	test $ra = 0 &&
	test $rb = 0 &&
	! grep -i "locked" ea eb
}

# status_count STATUS: lines of that status in oa and ob
status_count() {
	cat oa ob | jq -r .status | grep -c -x "$1"
}

# (120 of the batch: 40 of each kind, 40 of them gap.ts with 2 segments)
test_expect_success 'two vidx-ingest at once, different batches: both exit 0, counts exact' '
	new_index two.db &&
	grep -E "/batch/[a-z0-9]+-[0-3]?[0-9][.]ts$" batch.list >half &&
	test "$(lines half)" = 120 &&
	head -n 60 half >A &&
	tail -n 60 half >B &&
	both_at_once two.db A B &&
	test "$(status_count ingested)" = 120 &&
	test "$(counts two.db)" = "120 120 160 120" &&
	intact two.db
'

test_expect_success 'two vidx-ingest at once, overlapping batches: each file once' '
	new_index two2.db &&
	head -n 80 half >A &&
	tail -n 80 half >B &&
	both_at_once two2.db A B &&
	test "$(status_count ingested)" = 120 &&
	test "$(status_count duplicate)" = 40 &&
	test "$(counts two2.db)" = "120 120 160 120" &&
	intact two2.db &&
	new_index two3.db &&
	both_at_once two3.db half half &&
	test "$(status_count ingested)" = 120 &&
	test "$(status_count duplicate)" = 120 &&
	test "$(counts two3.db)" = "120 120 160 120" &&
	intact two3.db
'

# ---- sources are only read -----------------------------------------------------------

test_expect_success 'set up read-only sources' '
	mkdir -p ro-src &&
	cp "$FIXTURES/h264.ts" "$FIXTURES/h264_bframes.mp4" "$FIXTURES/dahua.dav" \
		"$FIXTURES/mjpeg.avi" "$FIXTURES/raw.h264" ro-src/ &&
	touch -d "2022-07-04 21:24:30" ro-src/* &&
	chmod 444 ro-src/* &&
	chmod 555 ro-src
'

if command -v strace >/dev/null 2>&1 && strace -o /dev/null true 2>/dev/null; then
	# LeakSanitizer cannot run under ptrace
	test_expect_success 'strace: the sources are opened O_RDONLY only' '
		new_index strace.db &&
		ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=open,openat,creat \
			-o trace vidx-ingest -d strace.db --camera cam1 -j 2 ro-src >/dev/null &&
		grep "ro-src" trace >opens &&
		cat opens &&
		for f in h264.ts h264_bframes.mp4 dahua.dav mjpeg.avi raw.h264; do
			grep -q "\"ro-src/$f\", O_RDONLY" opens || { echo "$f"; exit 1; }
		done &&
		! grep -E "O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND" opens &&
		! grep "creat(" opens &&
		test "$(grep -c -v "O_RDONLY" opens)" = 0
	'
else
	test_skip 'strace: the sources are opened O_RDONLY only' \
		'strace missing or ptrace not allowed'
fi

test_expect_success 'read-only files in a read-only directory: ingested, bytes and mtime kept' '
	new_index ro.db &&
	stat -c "%n %s %y %a" ro-src ro-src/* >before &&
	sha256sum ro-src/* >>before &&
	vidx-ingest -d ro.db --camera cam1 --json ro-src >out &&
	test "$(jq -r .status out | sort -u)" = ingested &&
	test "$(jq -s length out)" = 5 &&
	stat -c "%n %s %y %a" ro-src ro-src/* >after &&
	sha256sum ro-src/* >>after &&
	test_cmp before after &&
	test "$(field out ro-src/h264.ts "[.start, .time_source] | @tsv")" = \
		"$(printf "2022-07-04T21:24:30.000Z\tmtime")"
'

# A directory that cannot be read is an input that failed: the files in it
# are not in the index, so the exit status must not say all are in.  Root
# reads any directory, so as root the run is made as nobody.
if [ "$(id -u)" = 0 ]; then
	as_other() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
else
	as_other() { "$@"; }
fi
chmod 711 "$TRASH"
if { [ "$(id -u)" != 0 ] || command -v setpriv >/dev/null 2>&1; } &&
	as_other sh -c 'cd "$1"' sh "$TRASH" 2>/dev/null; then
	test_expect_success 'an unreadable directory: named on stderr, exit 1, the rest in' '
		mkdir -p unread/ok unread/locked udb &&
		cp "$FIXTURES/h264.ts" unread/ok/ &&
		cp "$FIXTURES/gap.ts" unread/locked/ &&
		chmod 000 unread/locked &&
		chmod 777 udb &&
		new_index udb/u.db &&
		chmod 666 udb/u.db &&
		st=0 &&
		{ as_other vidx-ingest -d udb/u.db --camera cam1 --json unread \
			>out 2>err || st=$?; } &&
		chmod 755 unread/locked &&
		cat err &&
		grep "unread/locked" err &&
		test "$(field out unread/ok/h264.ts .status)" = ingested &&
		test $st = 1
	'
else
	test_skip 'an unreadable directory: named on stderr, exit 1, the rest in' \
		'root without setpriv, or nobody cannot reach the scratch directory'
fi

# ---- vidx-ls -------------------------------------------------------------------------

test_expect_success 'set up an index for vidx-ls: two cameras, three recordings' '
	new_index ls.db &&
	vidx-camera -d ls.db add cam2 --lat 52.52 --lon 13.405 --tz Europe/Berlin &&
	vidx-ingest -d ls.db --camera cam1 --json "$FIXTURES/h264_bframes.mp4" \
		"$FIXTURES/mjpeg.avi" >ls1.jsonl &&
	vidx-ingest -d ls.db --camera cam2 --json "$FIXTURES/dahua.dav" >ls2.jsonl
'

# row FIXTURE CAMERA START END DURATION: the table row expected (no id)
row() {
	echo "$2 $3 $4 $5 $(stat -c %s "$FIXTURES/$1")" \
		"$(sha "$FIXTURES/$1" | cut -c1-12) $(realpath "$FIXTURES/$1")"
}

test_expect_success 'vidx-ls: a table, one row per recording, by camera and start' '
	vidx-ls -d ls.db >out &&
	test "$(lines out)" = 4 &&
	head -n 1 out | tr -s " " >actual &&
	echo " ID CAMERA START END DURATION SIZE SHA256 PATH" >expect &&
	test_cmp expect actual &&
	sed 1d out | awk "{ \$1 = \"\"; sub(/^ /, \"\"); print }" >actual &&
	{
		row h264_bframes.mp4 cam1 2022-07-04T21:24:30.000Z \
			2022-07-04T21:24:38.000Z 8.0s &&
		row mjpeg.avi cam1 2022-07-05T01:24:30.000Z 2022-07-05T01:24:36.000Z 6.0s &&
		row dahua.dav cam2 2022-07-04T19:24:30.000Z 2022-07-04T19:24:38.000Z 8.0s
	} >expect &&
	test_cmp expect actual &&
	vidx-ls -d ls.db --local | grep "cam2 *2022-07-04T21:24:30.000+02:00"
'

test_expect_success 'vidx-ls --camera: only that camera'\''s recordings' '
	vidx-ls -d ls.db --camera cam2 >out &&
	test "$(lines out)" = 2 &&
	grep " cam2 " out &&
	! grep " cam1 " out &&
	test "$(vidx-ls -d ls.db --json -c cam1 | jq -r .camera | sort | uniq -c |
		tr -s " ")" = " 2 cam1" &&
	test "$(vidx-ls -d ls.db --json --camera cam2 | jq -r .camera)" = cam2
'

test_expect_success 'vidx-ls --json: the fields, equal to what ingest reported' '
	vidx-ls -d ls.db --json >out &&
	test "$(lines out)" = 3 &&
	for k in id camera start end sha256 path size keyframe_count segments; do
		test "$(jq "has(\"$k\")" out | sort -u)" = true || { echo "$k"; exit 1; }
	done &&
	test "$(jq "has(\"keyframes\")" out | sort -u)" = false &&
	cat ls1.jsonl ls2.jsonl |
		jq -r "[.recording_id, .camera, .start, .end, .sha256, .size, .keyframes,
			.segments] | @tsv" | sort >expect &&
	jq -r "[.id, .camera, .start, .end, .sha256, .size, .keyframe_count,
		.segments] | @tsv" out | sort >actual &&
	test_cmp expect actual &&
	for f in h264_bframes.mp4 mjpeg.avi dahua.dav; do
		test "$(jq -r --arg s "$(sha "$FIXTURES/$f")" \
			"select(.sha256 == \$s) | .path" out)" = \
			"$(realpath "$FIXTURES/$f")" || { echo "$f"; exit 1; }
	done
'

test_expect_success 'vidx-ls: an unknown camera exits 1' '
	test_expect_code 1 vidx-ls -d ls.db --camera nosuch >out 2>err &&
	test ! -s out &&
	grep "nosuch" err &&
	test_expect_code 1 vidx-ls -d ls.db --json --camera nosuch >out 2>err &&
	test ! -s out
'

test_expect_success 'vidx-ls: a missing index exits 1 and is not created' '
	test_expect_code 1 vidx-ls -d missing.db >out 2>err &&
	test ! -s out &&
	grep "missing.db" err &&
	test ! -e missing.db &&
	VIDX_DB=missing.db test_expect_code 1 vidx-ls >out 2>err &&
	test ! -e missing.db
'

# ---- usage ------------------------------------------------------------------------------

# usage CMD...: CMD must exit 2 (a usage error); its stdout is added to
# out, its stderr is in err and shown if it does not
usage() {
	test_expect_code 2 "$@" >>out 2>err || { cat err; return 1; }
}

test_expect_success 'usage errors exit 2, nothing ingested' '
	new_index use.db &&
	f="$FIXTURES/h264.ts" &&
	: >out &&
	usage vidx-ingest -d use.db "$f" &&
	grep -- "--camera" err &&
	usage vidx-ingest -d use.db --camera cam1 --camera-from-dir "$f" &&
	usage vidx-ingest -d use.db --camera cam1 -0 "$f" &&
	grep -- "-0" err &&
	for j in 0 65 -1 abc ""; do
		usage vidx-ingest -d use.db --camera cam1 -j "$j" "$f" &&
		grep -- "--jobs" err || { echo "-j $j"; exit 1; }
	done &&
	usage vidx-ingest -d use.db --camera cam1 &&
	usage vidx-ingest -d use.db --camera cam1 --tz Mars/Olympus "$f" &&
	usage vidx-ls -d use.db extra &&
	usage vidx-ls -d use.db --keyframes &&
	test ! -s out &&
	test "$(counts use.db)" = "0 0 0 0"
'

# Separate, as under ASan a leak at exit turns the status into 99.
test_expect_success 'an unknown option exits 2 with a hint' '
	: >out &&
	usage vidx-ingest -d use.db --camera cam1 --bogus "$FIXTURES/h264.ts" &&
	grep -- "--help" err &&
	usage vidx-ls -d use.db --bogus &&
	grep -- "--help" err &&
	test ! -s out
'

test_expect_success '--jobs with trailing garbage (2x) is a usage error' '
	new_index use2.db &&
	usage vidx-ingest -d use2.db --camera cam1 -j 2x "$FIXTURES/h264.ts" &&
	test "$(counts use2.db)" = "0 0 0 0"
'

# synopsis MAN TOOL: the man page SYNOPSIS and the first paragraph of
# --help, each on one line with single spaces, in synopsis.man / .use
synopsis() {
	mandoc -Tascii "$1" | col -b | sed -n "/^SYNOPSIS/,/^DESCRIPTION/p" |
		sed "1d;\$d" | tr "\n\t" "  " | tr -s " " |
		sed "s/^ //; s/ \$//" >synopsis.man &&
	$2 --help | sed -n "1,/^\$/p" | sed "s/^usage: //" | tr "\n\t" "  " |
		tr -s " " | sed "s/^ //; s/ \$//" >synopsis.use &&
	test -s synopsis.use &&
	test_cmp synopsis.use synopsis.man
}

test_expect_success 'the man pages'\'' SYNOPSIS equals the usage' '
	man=${VIDX_SRC:-$(dirname "$FIXTURES")}/man &&
	synopsis "$man/vidx-ingest.1" vidx-ingest &&
	synopsis "$man/vidx-ls.1" vidx-ls
'

test_expect_success '--help prints the usage, exit 0' '
	vidx-ingest --help >out &&
	head -n 1 out | grep "^usage: vidx-ingest " &&
	vidx-ls --help >out &&
	head -n 1 out | grep "^usage: vidx-ls "
'

test_done
