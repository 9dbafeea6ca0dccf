#!/bin/sh
# vidx-probe: wall-clock start and end, and where they came from.
. "$(dirname "$0")/lib.sh"

start_of() { jq -r "\"\(.start) \(.time_source)\"" ; }

test_expect_success 'DHAV: start comes from the stream, read in --tz' '
	vidx-probe --json --tz America/New_York "$FIXTURES/dahua.dav" | start_of >actual &&
	echo "2022-07-05T01:24:30.000Z stream" >expect && test_cmp expect actual
'

test_expect_success 'DHAV: end is start plus the frames it holds' '
	vidx-probe --json --tz UTC "$FIXTURES/dahua.dav" | jq -r .end >actual &&
	echo 2022-07-04T21:24:38.000Z >expect && test_cmp expect actual
'

test_expect_success 'DHAV: the raw header date is kept beside the result' '
	vidx-probe --json --tz Europe/Berlin "$FIXTURES/dahua.dav" |
		jq -r ".time_candidates[] | select(.source == \"stream\") | .raw, .time" >actual &&
	printf "%s\n" "2022-07-04 21:24:30 (DHAV date 0x59c9561e)" \
		2022-07-04T19:24:30.000Z >expect && test_cmp expect actual
'

test_expect_success 'MP4 creation_time is a container candidate, in UTC' '
	vidx-probe --json "$FIXTURES/h264_bframes.mp4" | start_of >actual &&
	echo "2022-07-04T21:24:30.000Z container" >expect && test_cmp expect actual
'

test_expect_success 'AVI INFO date carries no zone: read as local time' '
	vidx-probe --json --tz Asia/Tokyo "$FIXTURES/mjpeg.avi" | start_of >actual &&
	echo "2022-07-04T12:24:30.000Z container" >expect && test_cmp expect actual
'

test_expect_success 'no other source: mtime, flagged last resort' '
	cp "$FIXTURES/h264.ts" plain.ts && touch -d @1656969870 plain.ts &&
	vidx-probe --json plain.ts >out &&
	jq -r .start,.time_source out >actual &&
	printf "%s\n" 2022-07-04T21:24:30.000Z mtime >expect && test_cmp expect actual &&
	jq -e ".time_candidates[0].flags == [\"last_resort\"]" out
'

test_expect_success 'Hikvision name parses with auto (the default)' '
	cp "$FIXTURES/h264_bframes.mp4" 192.168.1.64_01_20220704212430250.mp4 &&
	vidx-probe --json --tz UTC 192.168.1.64_01_20220704212430250.mp4 >out &&
	start_of <out >actual &&
	echo "2022-07-04T21:24:30.250Z filename" >expect && test_cmp expect actual &&
	jq -r ".time_candidates[0].detail" out | grep "auto pattern hikvision"
'

test_expect_success 'Hikvision name parses with an explicit pattern' '
	vidx-probe --json --tz UTC --name-time "*_%Y%m%d%H%M%S%L.mp4" \
		192.168.1.64_01_20220704212430250.mp4 | start_of >actual &&
	echo "2022-07-04T21:24:30.250Z filename" >expect && test_cmp expect actual
'

test_expect_success 'the file name wins over creation_time; both are shown' '
	vidx-probe --json --tz UTC 192.168.1.64_01_20220704212430250.mp4 |
		jq -r ".time_candidates[] | \"\(.source) \(.chosen)\"" >actual &&
	printf "%s\n" "filename true" "container false" "mtime false" >expect &&
	test_cmp expect actual
'

test_expect_success 'a name read in a zone with DST (summer, EDT)' '
	vidx-probe --json --tz America/New_York \
		192.168.1.64_01_20220704212430250.mp4 | jq -r .start >actual &&
	echo 2022-07-05T01:24:30.250Z >expect && test_cmp expect actual
'

test_expect_success 'local times on both sides of a DST change (spring forward)' '
	cp "$FIXTURES/h264.ts" cam_20220313_015930.ts &&
	cp "$FIXTURES/h264.ts" cam_20220313_030030.ts &&
	vidx-probe --json --tz America/New_York cam_20220313_015930.ts cam_20220313_030030.ts |
		jq -r .start >actual &&
	printf "%s\n" 2022-03-13T06:59:30.000Z 2022-03-13T07:00:30.000Z >expect &&
	test_cmp expect actual
'

test_expect_success 'fall-back hour: earlier instant taken and flagged ambiguous' '
	cp "$FIXTURES/h264.ts" cam_20221106_013000.ts &&
	vidx-probe --json --tz America/New_York cam_20221106_013000.ts >out &&
	jq -r .start out >actual &&
	echo 2022-11-06T05:30:00.000Z >expect && test_cmp expect actual &&
	jq -e ".time_candidates[0].flags | index(\"ambiguous\")" out &&
	jq -r .time_reason out | grep ambiguous
'

test_expect_success 'a skipped spring-forward time is flagged nonexistent' '
	cp "$FIXTURES/h264.ts" cam_20220313_023000.ts &&
	vidx-probe --json --tz America/New_York cam_20220313_023000.ts >out &&
	jq -r .start out >actual &&
	echo 2022-03-13T07:30:00.000Z >expect && test_cmp expect actual &&
	jq -e ".time_candidates[0].flags | index(\"nonexistent\")" out
'

test_expect_success 'other vendor names: ffmpeg segment, Dahua (its frame dates win), YYYYMMDD_HHMMSS' '
	cp "$FIXTURES/h264.ts" 2022-07-04_21-24-30.ts &&
	cp "$FIXTURES/dahua.dav" NVR_ch1_main_20220704212430_20220704213000.dav &&
	cp "$FIXTURES/h264.ts" VID_20220704_212430.ts &&
	vidx-probe --json --tz UTC 2022-07-04_21-24-30.ts \
		NVR_ch1_main_20220704212430_20220704213000.dav VID_20220704_212430.ts |
		jq -r "\"\(.start) \(.time_source)\"" >actual &&
	printf "%s\n" "2022-07-04T21:24:30.000Z filename" \
		"2022-07-04T21:24:30.000Z stream" \
		"2022-07-04T21:24:30.000Z filename" >expect && test_cmp expect actual
'

test_expect_success 'Frigate layout: pattern over directories' '
	mkdir -p rec/2022-07-04/21/front_door &&
	cp "$FIXTURES/h264_frag.mp4" rec/2022-07-04/21/front_door/24.30.mp4 &&
	vidx-probe --json --tz UTC rec/2022-07-04/21/front_door/24.30.mp4 | start_of >actual &&
	echo "2022-07-04T21:24:30.000Z filename" >expect && test_cmp expect actual
'

test_expect_success '%s reads Unix seconds, no zone involved' '
	cp "$FIXTURES/h264.ts" clip-1656969870.ts &&
	vidx-probe --json --tz Asia/Tokyo --name-time "clip-%s.ts" clip-1656969870.ts |
		jq -r .start >actual &&
	echo 2022-07-04T21:24:30.000Z >expect && test_cmp expect actual
'

test_expect_success '--name-time none ignores the name' '
	vidx-probe --json --name-time none 192.168.1.64_01_20220704212430250.mp4 |
		jq -r .time_source >actual &&
	echo container >expect && test_cmp expect actual
'

test_expect_success '--start wins over everything, with an offset' '
	vidx-probe --json --start 2022-07-04T23:24:30+02:00 "$FIXTURES/dahua.dav" |
		start_of >actual &&
	echo "2022-07-04T21:24:30.000Z manual" >expect && test_cmp expect actual
'

test_expect_success '--start as local time in --tz' '
	vidx-probe --json --tz Europe/London --start "2022-07-04 22:24:30" \
		"$FIXTURES/h264.ts" | jq -r .start >actual &&
	echo 2022-07-04T21:24:30.000Z >expect && test_cmp expect actual
'

test_expect_success '--start in the fall-back hour is refused as ambiguous' '
	test_expect_code 2 vidx-probe --tz America/New_York \
		--start "2022-11-06 01:30" "$FIXTURES/h264.ts" 2>err &&
	grep "ambiguous" err
'

test_expect_success '--local prints times in the zone with their offset' '
	vidx-probe --local --tz America/New_York "$FIXTURES/h264_bframes.mp4" >out &&
	grep "start      2022-07-04T17:24:30.000-04:00" out
'

test_expect_success 'Frigate folders are UTC whatever --tz says; raw keeps the path' '
	vidx-probe --json --tz America/New_York rec/2022-07-04/21/front_door/24.30.mp4 >out &&
	jq -r .start out >actual &&
	echo 2022-07-04T21:24:30.000Z >expect && test_cmp expect actual &&
	jq -r ".time_candidates[0].raw" out >actual &&
	echo rec/2022-07-04/21/front_door/24.30.mp4 >expect && test_cmp expect actual
'

test_expect_success 'a container date with a negative offset keeps it' '
	ffmpeg -v error -i "$FIXTURES/h264.ts" -c copy \
		-metadata creation_time=2022-07-04T17:24:30-04:00 neg.mkv &&
	vidx-probe --json --tz Asia/Tokyo neg.mkv | jq -r ".time_candidates[] |
		select(.source == \"container\") | .time" >actual &&
	echo 2022-07-04T21:24:30.000Z >expect && test_cmp expect actual
'

test_expect_success 'an explicit --name-time that does not match fails that file' '
	test_expect_code 1 vidx-probe --name-time "cam_%Y%m%d_%H%M%S.ts" \
		"$FIXTURES/h264.ts" 2>err &&
	grep "file name does not match --name-time" err
'

test_expect_success 'an unknown zone in $TZ is an error, not a silent UTC' '
	cp "$FIXTURES/h264.ts" cam_20220704_212430.ts &&
	TZ=Mars/Olympus test_expect_code 2 vidx-probe cam_20220704_212430.ts 2>err &&
	grep "unknown time zone .Mars/Olympus. in \$TZ" err
'

test_done
