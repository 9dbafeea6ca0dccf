#!/bin/sh
# vidx-probe: streams, duration, gaps, JSON shape.
. "$(dirname "$0")/lib.sh"

test_expect_success 'json has the documented fields' '
	vidx-probe --json "$FIXTURES/h264_bframes.mp4" >out &&
	test $(lines out) = 1 &&
	jq -e "has(\"path\") and has(\"format\") and has(\"size\") and
	       has(\"duration_s\") and has(\"video\") and has(\"start\") and
	       has(\"end\") and has(\"time_source\") and has(\"time_candidates\") and
	       has(\"keyframe_count\") and has(\"gaps\")" out >/dev/null &&
	jq -e "(.keyframes | not)" out >/dev/null
'

test_expect_success 'stream description matches ffprobe' '
	for f in h264_bframes.mp4 h264.mkv hevc.ts mjpeg.avi; do
		ffprobe -v error -select_streams v:0 -show_entries \
			stream=codec_name,width,height -of csv=p=0 "$FIXTURES/$f" |
			sed "/^\$/d" | head -n 1 >expect
		vidx-probe --json "$FIXTURES/$f" |
			jq -r "[.video.codec, .video.width, .video.height] | join(\",\")" >actual
		test_cmp expect actual
	done
'

test_expect_success 'size is the file size in bytes' '
	vidx-probe --json "$FIXTURES/h264.ts" | jq .size >actual &&
	wc -c <"$FIXTURES/h264.ts" | tr -d " " >expect &&
	test_cmp expect actual
'

test_expect_success 'audio codec reported, null when there is none' '
	vidx-probe --json "$FIXTURES/h264.mkv" | jq -r .audio.codec >actual &&
	echo opus >expect && test_cmp expect actual &&
	vidx-probe --json "$FIXTURES/hevc.ts" | jq -r .audio >actual &&
	echo null >expect && test_cmp expect actual
'

test_expect_success 'duration covers all 200 frames at 25 fps' '
	for f in h264_bframes.mp4 h264.mkv h264.ts raw.h264 dahua.dav; do
		vidx-probe --json "$FIXTURES/$f" | jq -r .duration_s >actual
		echo 8 >expect
		test_cmp expect actual
	done
'

test_expect_success 'gap.ts: one forward jump of 5.04 s after 5.36 s' '
	vidx-probe --json "$FIXTURES/gap.ts" |
		jq -c "[.gaps[] | [.kind, .from_s, .to_s]]" >actual &&
	echo "[[\"jump\",5.36,10.4]]" >expect && test_cmp expect actual
'

test_expect_success 'no gaps in continuous recordings (B-frames are no gaps)' '
	for f in h264_bframes.mp4 h264_frag.mp4 h264.mkv h264.ts hevc.ts; do
		vidx-probe --json "$FIXTURES/$f" | jq -e ".gaps == []" >/dev/null
	done
'

test_expect_success '--gap raises the threshold above the jump' '
	vidx-probe --json --gap 6s "$FIXTURES/gap.ts" | jq -e ".gaps == []" >/dev/null
'

test_expect_success 'gap times are also given in wall-clock time' '
	vidx-probe --json --start 2022-07-04T21:00:00Z "$FIXTURES/gap.ts" |
		jq -r ".gaps[0].from, .gaps[0].to" >actual &&
	printf "%s\n" 2022-07-04T21:00:04.000Z 2022-07-04T21:00:09.000Z >expect &&
	test_cmp expect actual
'

test_expect_success 'table output names the file, the source and the keyframes' '
	vidx-probe "$FIXTURES/h264.mkv" >out &&
	grep "^.*/h264.mkv$" out && grep "start .*2023-01-15T09:30:00.000Z" out &&
	grep "keyframes  4 of 200 packets" out
'

test_expect_success 'several files: one JSON line each, in order' '
	vidx-probe --json "$FIXTURES/h264.ts" "$FIXTURES/hevc.ts" | jq -r .path >actual &&
	printf "%s\n" "$FIXTURES/h264.ts" "$FIXTURES/hevc.ts" >expect &&
	test_cmp expect actual
'

test_expect_success 'probing changes nothing: same bytes, same mtime' '
	cp -p "$FIXTURES/h264.mkv" copy.mkv && chmod 444 copy.mkv &&
	sha256sum copy.mkv >before && stat -c %Y copy.mkv >>before &&
	vidx-probe copy.mkv >/dev/null &&
	sha256sum copy.mkv >after && stat -c %Y copy.mkv >>after &&
	test_cmp before after
'

test_expect_success 'the source is never opened for writing (strace)' '
	if ! command -v strace >/dev/null; then echo "no strace: skipped"; exit 0; fi
	cp "$FIXTURES/h264_bframes.mp4" "$FIXTURES/dahua.dav" . &&
	ASAN_OPTIONS=detect_leaks=0 \
	strace -f -e trace=open,openat,creat -o trace vidx-probe h264_bframes.mp4 dahua.dav >/dev/null &&
	grep -E "(h264_bframes.mp4|dahua.dav)" trace >opens &&
	test -s opens && ! grep -E "O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|creat\(" opens
'

test_expect_success 'a clock set back mid-file: two segments of the real lengths' '
	ffmpeg -v error -f lavfi -i testsrc=size=160x120:rate=25 -t 10 -c:v libx264 \
		-g 25 -bf 0 -output_ts_offset 40 a.ts &&
	ffmpeg -v error -f lavfi -i testsrc=size=160x120:rate=25 -t 5 -c:v libx264 \
		-g 25 -bf 0 b.ts &&
	cat a.ts b.ts >back.ts &&
	vidx-probe --json --start 2022-07-04T21:20:00Z back.ts >out &&
	jq -r "[.gaps[0].kind, .gaps[0].from, .gaps[0].to, .duration_s, .end] | @tsv" out >actual &&
	printf "backward\t2022-07-04T21:20:10.000Z\t2022-07-04T21:20:10.000Z\t15\t2022-07-04T21:20:15.000Z\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a TS clock set back minutes is a step back, not a 26-hour jump' '
	ffmpeg -v error -f lavfi -i testsrc=size=160x120:rate=25 -t 10 -c:v libx264 \
		-g 25 -bf 0 -output_ts_offset 100 c.ts &&
	cat c.ts b.ts >back2.ts &&
	vidx-probe --json back2.ts | jq -r "[.gaps[0].kind, .duration_s] | @tsv" >actual &&
	printf "backward\t15\n" >expect &&
	test_cmp expect actual
'

test_done
