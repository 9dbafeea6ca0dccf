#!/bin/sh
# vidx-probe on bad input: one line naming the file and the reason, exit 1,
# the other files still probed.  Usage errors exit 2.
. "$(dirname "$0")/lib.sh"

test_expect_success 'set up bad files' '
	: >empty.mp4 &&
	printf "this is not a video\nat all\n" >notes.txt &&
	head -c 60000 "$FIXTURES/h264_bframes.mp4" >trunc-no-moov.mp4 &&
	ffmpeg -v error -i "$FIXTURES/h264.ts" -c copy -movflags 0 tail-moov.mp4 &&
	head -c 50000 tail-moov.mp4 >truncated.mp4 &&
	awk "BEGIN { srand(7); for (i = 0; i < 400; i++) {
		printf \"%c\", 71; for (j = 0; j < 187; j++) printf \"%c\", int(rand() * 256) } }" \
		>corrupt.ts &&
	mkdir adir
'

for bad in empty.mp4 notes.txt truncated.mp4 corrupt.ts missing.mp4 adir; do
	test_expect_success "$bad: one line on stderr naming it, exit 1" "
		test_expect_code 1 vidx-probe $bad >out 2>err &&
		test \$(lines err) = 1 &&
		grep \"^vidx-probe: cannot probe '$bad': \" err &&
		test ! -s out
	"
done

test_expect_success 'the reasons say what is wrong' '
	vidx-probe empty.mp4 notes.txt truncated.mp4 corrupt.ts missing.mp4 adir \
		2>err >/dev/null || :
	grep "empty.mp4.: empty file" err &&
	grep "notes.txt.: not a recognised recording" err &&
	grep "truncated.mp4.: not a recognised recording: moov atom not found" err &&
	grep "corrupt.ts.: no video stream" err &&
	grep "missing.mp4.: No such file or directory" err &&
	grep "adir.: is a directory" err
'

test_expect_success 'bad files among good ones: the good are still probed' '
	test_expect_code 1 vidx-probe --json empty.mp4 "$FIXTURES/h264.ts" \
		missing.mp4 "$FIXTURES/hevc.ts" >out 2>err &&
	test $(lines err) = 2 &&
	jq -r "select(.format) | .path" out >actual &&
	printf "%s\n" "$FIXTURES/h264.ts" "$FIXTURES/hevc.ts" >expect &&
	test_cmp expect actual
'

test_expect_success '--json also gives a line with the error per failed file' '
	vidx-probe --json missing.mp4 2>/dev/null | jq -r .path,.error >actual || :
	printf "%s\n" missing.mp4 "No such file or directory" >expect &&
	test_cmp expect actual
'

test_expect_success 'a truncated TS still yields what it holds' '
	head -c 80000 "$FIXTURES/h264.ts" >half.ts &&
	vidx-probe --json half.ts | jq -e ".keyframe_count >= 3" >/dev/null
'

test_expect_success 'usage errors exit 2 with a hint' '
	test_expect_code 2 vidx-probe 2>err && grep "no files given" err &&
	test_expect_code 2 vidx-probe --bogus x 2>err && grep -- "--help" err &&
	test_expect_code 2 vidx-probe --tz Mars/Olympus_Mons x 2>err &&
	grep "unknown time zone" err &&
	test_expect_code 2 vidx-probe --start yesterday x 2>err &&
	grep "cannot read time" err &&
	test_expect_code 2 vidx-probe --name-time "%Q" x 2>err &&
	grep "unknown field" err &&
	test_expect_code 2 vidx-probe --name-time "%H%M" x 2>err &&
	grep "needs at least" err &&
	test_expect_code 2 vidx-probe --gap soon x 2>err && grep "duration" err
'

test_expect_success 'a usage error probes nothing' '
	test_expect_code 2 vidx-probe --tz Nowhere "$FIXTURES/h264.ts" >out 2>/dev/null &&
	test ! -s out
'

test_expect_success '--help and --version go to stdout, exit 0' '
	vidx-probe --help >out && grep "^usage: vidx-probe" out &&
	vidx-probe -V >out && grep "^vidx-probe (vidx) [0-9]" out
'

test_expect_success 'a truncated plain MP4 lists only what is there, flagged damaged' '
	ffmpeg -v error -i "$FIXTURES/h264.ts" -c copy -movflags +faststart fs.mp4 &&
	size=$(wc -c <fs.mp4) &&
	head -c $((size / 2)) fs.mp4 >halfmp4.mp4 &&
	vidx-probe --json --keyframes halfmp4.mp4 >out &&
	jq -e ".damaged == true" out &&
	jq -r ".keyframes[].pos + .keyframes[].size" out | sort -n | tail -n 1 >last &&
	test "$(cat last)" -le $((size / 2)) &&
	test "$(jq .keyframe_count out)" -lt 8
'

test_expect_success 'an MP4 cut off before its first frame is refused, not indexed empty (found by t0800)' '
	head -c 8186 "$FIXTURES/h264_bframes.mp4" >cut.mp4 &&
	test_expect_code 1 vidx-probe cut.mp4 2>err &&
	grep "cut.mp4.*no readable video packets (the file is cut off before its first frame)" err &&
	test "$(lines err)" = 1 &&
	vidx-camera -d c.db add cam --lat 1 --lon 1 &&
	test_expect_code 1 vidx-ingest -d c.db -c cam cut.mp4 2>err &&
	test "$(sqlite3 c.db "SELECT count(*) FROM recordings")" = 0
'

test_done
