#!/bin/sh
# A recording's clock: the precedence of every time source, candidates
# that disagree (flagged in the table, in --json and in the index), and raw
# streams timed by the start and end their file name gives (or said to be
# assumed).  Oracles: ffprobe's packets and stream times, exiftool for the
# device date, sqlite3 for what the index keeps.
. "$(dirname "$0")/lib.sh"
. "$VIDX_SRC/tests/cli/geo.sh"

FF="ffmpeg -nostdin -v error -y"
HIK=192.168.1.64_01_20220704212630250.mp4

src_of() {
	jq -r .time_source "$1"
}

test_expect_success 'set-up: one MP4 with every kind of candidate but the stream' '
	base_mp4 plain0.mp4 &&
	# a container date
	$FF -i plain0.mp4 -c copy -map 0 -metadata creation_time=2022-07-04T21:24:30Z base.mp4 &&
	# a phone s capture date (device), 1 min after it (and 4 h: UTC-4)
	$FF -i base.mp4 -c copy -map 0 -movflags use_metadata_tags \
		-metadata com.apple.quicktime.creationdate=2022-07-04T21:25:30-0400 \
		-metadata creation_time=2022-07-04T21:24:30Z dev.mp4 &&
	# a GoPro track with satellite time (gps)
	mkgeo gpmf dev.mp4 all.mp4 n=8 rate=18 gpsu=220705012830.000 &&
	have_exiftool || exit 0
	exiftool -s3 -CreationDate dev.mp4 | grep "2022:07:04 21:25:30-04:00"
'

test_expect_success 'precedence: manual > gps > device > filename > container > mtime' '
	cp all.mp4 $HIK &&
	vidx-probe --json --tz UTC --start 2022-07-04T21:27:30Z $HIK >p1 &&
	test "$(src_of p1)" = manual &&
	vidx-probe --json --tz UTC $HIK >p2 && test "$(src_of p2)" = gps &&
	test "$(jq -r .start p2)" = 2022-07-05T01:28:30.000Z &&
	cp dev.mp4 $HIK && vidx-probe --json --tz UTC $HIK >p3 && test "$(src_of p3)" = device &&
	cp base.mp4 $HIK && vidx-probe --json --tz UTC $HIK >p4 && test "$(src_of p4)" = filename &&
	test "$(jq -r .start p4)" = 2022-07-04T21:26:30.250Z &&
	cp base.mp4 plain.mp4 && vidx-probe --json plain.mp4 >p5 && test "$(src_of p5)" = container &&
	cp "$FIXTURES/h264.ts" plain.ts && vidx-probe --json plain.ts >p6 && test "$(src_of p6)" = mtime &&
	# every candidate found is listed, the chosen one marked
	jq -r "[.time_candidates[].source] | sort | join(\" \")" p1 >actual &&
	echo "container device filename gps manual mtime" >expect && test_cmp expect actual &&
	test "$(jq "[.time_candidates[] | select(.chosen)] | length" p1)" = 1
'

test_expect_success 'precedence: the DVR s own frame dates outrank the name pattern' '
	cp "$FIXTURES/dahua.dav" NVR_ch1_main_20220704232430_20220704232438.dav &&
	vidx-probe --json --tz UTC NVR_ch1_main_20220704232430_20220704232438.dav >d &&
	test "$(src_of d)" = stream &&
	test "$(jq -r .start d)" = 2022-07-04T21:24:30.000Z &&
	jq -e "[.time_candidates[] | select(.source == \"filename\")][0].time == \"2022-07-04T23:24:30.000Z\"" d &&
	vidx-probe --json --tz UTC --start 2022-07-04T21:00:00Z \
		NVR_ch1_main_20220704232430_20220704232438.dav | jq -e ".time_source == \"manual\""
'

test_expect_success 'candidates more than a second apart: flagged in the table and in --json' '
	jq -e ".time_disagree == true" d &&
	jq -r .time_disagreement d >actual &&
	echo "stream and filename are 7200.000 s apart (about 2 h: a time zone or DST mistake?)" >expect &&
	test_cmp expect actual &&
	vidx-probe --tz UTC NVR_ch1_main_20220704232430_20220704232438.dav >t &&
	grep "^  disagree   stream and filename are 7200.000 s apart" t &&
	# each candidate says how far it is from the chosen start
	jq -r ".time_candidates[] | select(.source == \"filename\") | .offset_s" d >actual &&
	echo 7200 >expect && test_cmp expect actual &&
	jq -e ".time_disagree == true and (.time_disagreement | startswith(\"manual and gps are 14460.000 s apart\"))" p1
'

test_expect_success 'within a second, or only the mtime apart: not flagged' '
	# the name 250 ms after the container date
	cp base.mp4 192.168.1.64_01_20220704212430250.mp4 &&
	vidx-probe --json --tz UTC 192.168.1.64_01_20220704212430250.mp4 >a &&
	jq -e ".time_disagree == false and .time_disagreement == null" a &&
	! vidx-probe --tz UTC 192.168.1.64_01_20220704212430250.mp4 | grep disagree &&
	# a copy made today: mtime years off, but copying changes it
	jq -e ".time_disagree == false" p5 &&
	# 1.5 s is flagged
	cp base.mp4 192.168.1.64_01_20220704212431500.mp4 &&
	vidx-probe --json --tz UTC 192.168.1.64_01_20220704212431500.mp4 |
		jq -e ".time_disagree == true and .time_disagreement == \"filename and container are 1.500 s apart\""
'

test_expect_success 'the flag is kept in the index: vidx-ls table and --json, sqlite3' '
	vidx-camera -d v.db add c --lat 1 --lon 1 --tz UTC &&
	vidx-ingest -d v.db -c c NVR_ch1_main_20220704232430_20220704232438.dav \
		192.168.1.64_01_20220704212430250.mp4 >/dev/null &&
	vidx-ls -d v.db >ls &&
	grep -A1 "NVR_ch1_main" ls | tail -n 1 |
		grep "^       ! times disagree: stream and filename are 7200.000 s apart .*(start from stream)" &&
	test "$(grep -c "times disagree" ls)" = 1 &&
	vidx-ls -d v.db --json >ls.json &&
	# (jq -e goes by its last input: one recording at a time)
	grep "\.dav\"" ls.json | jq -e ".time_disagree == true and
		(.time_candidates | map(.source) == [\"filename\", \"stream\", \"mtime\"])" &&
	grep "\.mp4\"" ls.json | jq -e ".time_disagree == false" &&
	test "$(sqlite3 v.db "SELECT count(*) FROM recordings WHERE time_disagreement <> '"''"'")" = 1 &&
	test "$(sqlite3 v.db "PRAGMA user_version")" -ge 7
'

# ---- raw streams: the rate ---------------------------------------------------

test_expect_success 'set-up: raw streams, with and without VUI timing' '
	$FF -f lavfi -i testsrc2=size=160x120:rate=25:duration=2 -c:v libx265 -preset veryfast \
		-x265-params log-level=error:pools=none:frame-threads=1:bframes=0:no-vui-timing-info=1 \
		-f hevc novui.hevc &&
	$FF -f lavfi -i testsrc2=size=160x120:rate=25:duration=2 -c:v libx265 -preset veryfast \
		-x265-params log-level=error:pools=none:frame-threads=1:bframes=0 -f hevc vui.hevc &&
	# a camera that says 25 fps but records 3.5: the VUI is wrong
	cp "$FIXTURES/raw.h264" wrong.h264 &&
	ffprobe -v error -show_entries stream=r_frame_rate -of csv=p=0 vui.hevc | grep -x 25/1 &&
	test "$(ffprobe -v error -count_packets -show_entries stream=nb_read_packets -of csv=p=0 novui.hevc)" = 50
'

test_expect_success 'without a start-end name the rate is said to be assumed' '
	vidx-probe --json novui.hevc >n && vidx-probe --json vui.hevc >v &&
	jq -e ".video.fps_source == \"default\" and .video.fps_assumed and .video.fps == 25" n &&
	jq -e ".video.fps_source == \"vui\" and .video.fps_assumed and .video.fps == 25" v &&
	jq -e ".named_length_s == null" n &&
	vidx-probe novui.hevc | grep "^  rate       25 fps, default (ASSUMED): no timestamps and no rate in the stream" &&
	vidx-probe vui.hevc | grep "^  rate       25 fps, vui (ASSUMED): no timestamps; the stream.s VUI says 25 fps" &&
	# a file with timestamps is timed by them: no rate line
	vidx-probe --json "$FIXTURES/h264.ts" | jq -e ".video.fps_source == \"container\" and (.video.fps_assumed | not)" &&
	! vidx-probe "$FIXTURES/h264.ts" | grep "^  rate"
'

test_expect_success 'auto: A231126_181503_181517 times the frames by the named 14 s' '
	cp vui.hevc A231126_181503_181517.265 &&
	vidx-probe --json --tz UTC A231126_181503_181517.265 >s &&
	jq -e ".time_source == \"filename\" and .start == \"2023-11-26T18:15:03.000Z\" and
		.end == \"2023-11-26T18:15:17.000Z\" and .named_length_s == 14 and
		.duration_s == 14 and .video.fps_source == \"name\" and (.video.fps_assumed | not)" s &&
	awk -v f=$(jq .video.fps s) "BEGIN { exit !(f > 3.5714 && f < 3.5715) }" &&
	jq -r ".time_candidates[0].detail" s | grep "auto pattern sdcard, local time in UTC; ends 18:15:17, 14.000 s" &&
	vidx-probe --tz UTC A231126_181503_181517.265 |
		grep "^  rate       3.57143 fps, name: 50 frames over the 14.000 s the file name gives; the stream.s VUI says 25 fps"
'

test_expect_success 'a hand-written start-end pattern; an end past midnight; a DST night' '
	cp wrong.h264 cam2_20221105_235950-000010.h264 &&
	vidx-probe --json --tz UTC -n "cam?_%Y%m%d_%H%M%S-%EH%EM%ES.h264" cam2_20221105_235950-000010.h264 >m &&
	jq -e ".named_length_s == 20 and .end == \"2022-11-06T00:00:10.000Z\" and .video.fps == 10" m &&
	# with dates on both ends, across a change of the clocks: 00:59:50 to
	# 01:00:10 the night New York falls back (01:00:10 happens twice, the
	# earlier is read), 01:59:50 to 03:00:10 the night it springs forward:
	# each the 20 s that really passed
	cp wrong.h264 d_20221106_005950_20221106_010010.h264 &&
	vidx-probe --json --tz America/New_York -n "d_%Y%m%d_%H%M%S_%EY%Em%Ed_%EH%EM%ES.h264" \
		d_20221106_005950_20221106_010010.h264 | jq -e ".named_length_s == 20" &&
	cp wrong.h264 d_20220313_015950_20220313_030010.h264 &&
	vidx-probe --json --tz America/New_York -n "d_%Y%m%d_%H%M%S_%EY%Em%Ed_%EH%EM%ES.h264" \
		d_20220313_015950_20220313_030010.h264 | jq -e ".named_length_s == 20"
'

test_expect_success 'an end that is no end (not after the start, a day or more) times nothing' '
	cp vui.hevc x_20220704_101010_20220703_101020.hevc &&
	vidx-probe --json --tz UTC -n "x_%Y%m%d_%H%M%S_%EY%Em%Ed_%EH%EM%ES.hevc" \
		x_20220704_101010_20220703_101020.hevc | jq -e ".named_length_s == null and .video.fps_source == \"vui\""
'

test_expect_success 'bad start-end patterns are usage errors' '
	test_expect_code 2 vidx-probe -n "%Y%m%d_%H%M%S_%EH.mp4" x.mp4 2>err &&
	grep "an end needs at least %EH %EM" err &&
	test_expect_code 2 vidx-probe -n "%Y%m%d_%H%M%S_%Es.mp4" x.mp4 2>err &&
	grep "unknown field .%Es." err &&
	test_expect_code 2 vidx-ingest -d v.db -c c -n "%Y%m%d%H%M_%EQ" x.mp4
'

test_expect_success 'ingest keeps the rate and its source; query, pull and verify go by it' '
	vidx-ingest -d v.db -c c A231126_181503_181517.265 novui.hevc >/dev/null &&
	vidx-ls -d v.db --json >l &&
	grep "A231126_181503_181517.265\"" l | jq -e ".fps_source == \"name\" and
		.duration_s == 14 and .end == \"2023-11-26T18:15:17.000Z\"" &&
	grep "novui.hevc\"" l | jq -e ".fps_source == \"default\"" &&
	vidx-query -d v.db -c c --from 2023-11-26T18:15:00Z --to 2023-11-26T18:16:00Z --json >q &&
	jq -e ".end == \"2023-11-26T18:15:17.000Z\"" q &&
	vidx-case -d v.db new C --title t --by ann &&
	vidx-pull -d v.db --case C --by ann --out o -c c --from 2023-11-26T18:15:00Z \
		--to 2023-11-26T18:16:00Z >/dev/null &&
	c=$(ls o/c/*.mp4) &&
	jq -e ".clips[0] | .start == \"2023-11-26T18:15:03.000Z\" and .end == \"2023-11-26T18:15:17.000Z\"" o/manifest.json &&
	# ffprobe: 50 frames 0.28 s apart, 14 s in all
	ffprobe -v error -select_streams v:0 -show_entries packet=pts_time -of csv=p=0 $c >pts &&
	test "$(lines pts)" = 50 &&
	awk "NR > 1 { d = \$1 - p; if (d < 0.2799 || d > 0.2801) bad = 1 } { p = \$1 } END { exit bad }" pts &&
	test "$(ffprobe -v error -show_entries format=duration -of csv=p=0 $c | cut -c1-5)" = 14.00 &&
	vidx-verify -d v.db o >/dev/null
'

test_expect_success 'the man pages document the precedence, start-end patterns and the rate' '
	for m in vidx-probe.1 vidx.7; do
		mandoc -Tascii "$VIDX_SRC/man/$m" | sed "s/.$(printf "\b")//g" | tr -s " \n" " " >m.txt
		grep -q "manual > gps > stream > device > filename > container > mtime" m.txt ||
			{ echo "$m: precedence"; exit 1; }
	done &&
	mandoc -Tascii "$VIDX_SRC/man/vidx-probe.1" | sed "s/.$(printf "\b")//g" >p.txt &&
	grep -q "%EH" p.txt && grep -q "sdcard" p.txt && grep -q "fps_source" p.txt &&
	grep -q "time_disagree" p.txt
'

test_done
