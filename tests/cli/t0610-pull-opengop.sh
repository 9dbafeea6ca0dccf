#!/bin/sh
# Open-GOP segments as NVRs write them: x265 (open GOP is its default) and
# x264 open-gop=1, cut by ffmpeg's segment muxer into MPEG-TS and MP4, with
# continuous (-reset_timestamps 0) and reset timestamps.  Each segment
# after the first starts with a keyframe followed, in decode order, by
# leading frames shown before it.  Oracles: ffprobe's packet lists,
# ffmpeg's own stream copy (framemd5 of the packets) and its decoders.
. "$(dirname "$0")/lib.sh"

FF="ffmpeg -nostdin -v error -y"
SRC="-f lavfi -i testsrc2=size=160x120:rate=25:duration=6"
X265="-c:v libx265 -preset veryfast -x265-params log-level=error:pools=none:frame-threads=1:keyint=25:min-keyint=25:scenecut=0"
# NVRs repeat the parameter sets at every keyframe; x264 under the segment
# muxer would write them once, in the first segment only
X264="-c:v libx264 -threads 1 -preset veryfast -g 25 -keyint_min 25 -sc_threshold 0 -bf 3 -x264-params open-gop=1:repeat-headers=1"
BASE=1656968400 # 2022-07-04T21:00:00Z
SETS="265_ts_0 265_ts_1 265_mp4_0 265_mp4_1 264_ts_0 264_ts_1 264_mp4_0 264_mp4_1"

# vpk FILE: "pts,flags" of each video packet, in decode order (ffprobe,
# asked once per file)
vpk() {
	v=$TRASH/.vpk/$(echo "$1" | tr / _)
	mkdir -p "$TRASH/.vpk"
	[ -s "$v" ] ||
		ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,flags \
			-of csv=p=0 "$1" | grep . >"$v"
	cat "$v"
}
# kf FILE: the pts of the first keyframe in decode order
kf() {
	vpk "$1" | grep ",K" | head -n 1 | cut -d, -f1
}
# pkts FILE: "size,md5" of each video packet as ffmpeg's own stream copy
# writes it into MP4 (so MPEG-TS sources compare with MP4 clips)
pkts() {
	$FF -i "$1" -map 0:v:0 -c copy -f mp4 ref.mp4 &&
	ffmpeg -nostdin -v error -i ref.mp4 -map 0:v:0 -c copy -f framemd5 - |
		grep -v '^#' | awk -F', *' '{print $5 "," $6}'
}
contains_run() {
	first=$(head -n 1 "$2")
	n=$(lines "$2")
	at=$(grep -n -x -F "$first" "$1" | head -n 1 | cut -d: -f1)
	test -n "$at"
	tail -n +"$at" "$1" | head -n "$n" >run.txt
	test_cmp "$2" run.txt
}
decodes() {
	ffmpeg -nostdin -v error -i "$1" -f null - 2>dec.err
	test ! -s dec.err || { cat dec.err; false; }
}

test_expect_success 'set-up: 8 sets of three open-GOP segments' '
	for s in $SETS; do
		set -- $(echo $s | tr _ " ")
		if [ $1 = 265 ]; then enc=$X265; else enc=$X264; fi
		mkdir $s &&
		$FF $SRC $enc -f segment -segment_time 2 -segment_format $2 \
			-reset_timestamps $3 $s/seg%d.$2
		ls $s/seg0.$2 $s/seg1.$2 $s/seg2.$2 >/dev/null
	done
'

test_expect_success 'the oracle shows the shape: frames shown before the keyframe of segments 1 and 2' '
	for s in $SETS; do
		for f in $s/seg1.* $s/seg2.*; do
			k=$(kf $f)
			vpk $f | head -n 1 | grep -q ",K" || { echo "$f: not a keyframe first"; exit 1; }
			vpk $f | cut -d, -f1 | awk -v k=$k "\$1 < k" | grep -q . ||
				{ echo "$f: no leading frames"; exit 1; }
		done
	done
'

test_expect_success 'probe: the first instant is the first keyframe; leading frames are counted, not footage' '
	for s in $SETS; do
		for f in $s/seg*.*; do
			k=$(kf $f)
			lead=$(vpk $f | cut -d, -f1 | awk -v k=$k "\$1 < k" | grep -c .) || :
			last=$(vpk $f | cut -d, -f1 | sort -g | tail -n 1)
			vidx-probe --json $f >p.json
			awk -v a=$(jq .first_pts_s p.json) -v k=$k "BEGIN { exit !(a - k < 0.0005 && k - a < 0.0005) }" ||
				{ echo "$f: first_pts $(jq .first_pts_s p.json), first keyframe $k"; exit 1; }
			test "$(jq .leading_packets p.json)" = "$lead" || { echo "$f: leading"; exit 1; }
			# its span: from the keyframe to the end of the last frame
			awk -v d=$(jq .duration_s p.json) -v k=$k -v l=$last "BEGIN { x = l + 0.04 - k; exit !(d - x < 0.0005 && x - d < 0.0005) }" ||
				{ echo "$f: duration"; exit 1; }
		done
	done &&
	vidx-probe 265_ts_0/seg1.ts | grep "^  leading    4 packets before the first keyframe or shown before it (open GOP)"
'

# ingest SET: the three segments, each starting where the one before ends
# plus the leading frames that fill the seam (the oracle's times)
ingest() {
	vidx-camera -d $1/v.db add cam --lat 41.3 --lon -72.9 >/dev/null
	at=$BASE
	for i in 0 1 2; do
		f=$(ls $1/seg$i.*)
		k=$(kf $f)
		min=$(vpk $f | cut -d, -f1 | sort -g | head -n 1)
		if [ $i -gt 0 ]; then
			at=$(awk -v a=$at -v e=$end -v k=$k -v m=$min "BEGIN { printf \"%.6f\", a + e + (k - m) }")
		fi
		vidx-ingest -d $1/v.db -c cam --start @$at $f >/dev/null
		last=$(vpk $f | cut -d, -f1 | sort -g | tail -n 1)
		end=$(awk -v l=$last -v k=$k "BEGIN { print l + 0.04 - k }")
	done
}

test_expect_success 'ingest, and every query span seeks at or before its start' '
	for s in $SETS; do
		ingest $s &&
		vidx-query -d $s/v.db -c cam --from 2022-07-04T21:00:00Z --to 2022-07-04T21:01:00Z --json >$s/q.json &&
		test "$(lines $s/q.json)" = 3 &&
		jq -e "(.seek_time <= .start) and (.seek_time == .start)" $s/q.json >/dev/null &&
		for t in 21:00:00.5 21:00:02.1 21:00:03 21:00:04.3; do
			vidx-query -d $s/v.db -c cam --from 2022-07-04T${t}Z --to 2022-07-04T21:00:05Z --json >q.json
			jq -e ".seek_time <= .start" q.json >/dev/null || { echo "$s $t"; cat q.json; exit 1; }
		done
	done
'

test_expect_success 'an index made before: its segments start at the leading frames; spans still seek at their start' '
	# as vidx 0.1.0 indexed an open-GOP segment: from its earliest frame,
	# 4 frames (160 ms) before its first keyframe
	cp 265_ts_0/v.db old.db &&
	sqlite3 old.db "UPDATE segments SET start = start - 160000, first_pts = first_pts - 160000
		WHERE recording_id = 2; UPDATE recordings SET start = start - 160000,
		first_pts = first_pts - 160000 WHERE id = 2" &&
	vidx-query -d old.db -c cam --from 2022-07-04T21:00:00Z --to 2022-07-04T21:01:00Z --json >q.json &&
	jq -c "select(.recording_id == 2)" q.json | jq -e ".seek_time == .start" &&
	jq -r "select(.recording_id == 2) | .start" q.json >actual &&
	jq -r "select(.recording_id == 2) | .start" 265_ts_0/q.json >expect &&
	test_cmp expect actual
'

test_expect_success 'pull across the segments: one clip, the packets a run of ffmpeg stream copy, decodes, verifies' '
	for s in $SETS; do
		vidx-case -d $s/v.db new C --title t --by ann &&
		vidx-pull -d $s/v.db --case C --by ann --out $s/o -c cam \
			--from 2022-07-04T21:00:00.5Z --to 2022-07-04T21:00:05Z >/dev/null 2>err ||
			{ echo "$s:"; cat err; exit 1; }
		test "$(jq ".clips | length" $s/o/manifest.json)" = 1 &&
		test "$(jq ".clips[0].sources | length" $s/o/manifest.json)" = 3 &&
		c=$(ls $s/o/cam/*.mp4) &&
		decodes $c &&
		for i in 0 1 2; do pkts $s/seg$i.*; done >all.txt &&
		pkts $c >clip.txt &&
		contains_run all.txt clip.txt &&
		# from segment 0 to the end of segment 1: every packet in between
		test "$(lines clip.txt)" -gt "$(pkts $s/seg1.* | grep -c .)" &&
		# one timeline: each frame at its own time, 40 ms apart up to the end
		vpk $c | cut -d, -f1 | sort -g >pts.txt &&
		test "$(uniq pts.txt | grep -c .)" = "$(lines pts.txt)" &&
		awk "NR > 1 && \$1 <= 4.5 && (\$1 - p < 0.0395 || \$1 - p > 0.0405) { print p, \$1; bad = 1 } { p = \$1 } END { exit bad }" pts.txt &&
		ffprobe -v error -select_streams v:0 -show_entries packet=dts_time -of csv=p=0 $c >dts.txt &&
		sort -g -c dts.txt &&
		# every frame of the clip is decoded: the leading frames of the later
		# segments have their references in the segment before
		test "$(ffmpeg -nostdin -v error -i $c -f framemd5 - | grep -vc "^#")" = "$(lines clip.txt)" &&
		vidx-verify -d $s/v.db $s/o >v.out ||
			{ echo "$s:"; cat v.out; exit 1; }
	done
'

test_expect_success 'a clip that starts at an open-GOP keyframe decodes without an error and verifies' '
	for s in $SETS; do
		vidx-pull -d $s/v.db --case C --by ann --out $s/o2 -c cam \
			--from 2022-07-04T21:00:02.5Z --to 2022-07-04T21:00:03.5Z >/dev/null &&
		c=$(ls $s/o2/cam/*.mp4) &&
		jq -e ".clips[0] | (.start <= .requested_start)" $s/o2/manifest.json >/dev/null &&
		vpk $c | head -n 1 | grep -q ",K" &&
		decodes $c &&
		vidx-verify -d $s/v.db $s/o2 >v.out || { echo "$s:"; cat v.out; exit 1; }
	done
'

test_expect_success 'native clips of the TS segments verify; MKV clips across them too' '
	for s in 265_ts_0 264_ts_1; do
		vidx-pull -d $s/v.db --case C --by ann --out $s/n --format native -c cam \
			--from 2022-07-04T21:00:00.5Z --to 2022-07-04T21:00:05Z >/dev/null &&
		test "$(jq ".clips | length" $s/n/manifest.json)" = 3 &&
		vidx-verify -d $s/v.db $s/n >/dev/null &&
		vidx-pull -d $s/v.db --case C --by ann --out $s/k --format mkv -c cam \
			--from 2022-07-04T21:00:00.5Z --to 2022-07-04T21:00:05Z >/dev/null &&
		decodes $s/k/cam/*.mkv &&
		vidx-verify -d $s/v.db $s/k >/dev/null
	done
'

test_expect_success 'open-GOP HEVC in one Matroska file: a clip from a later keyframe into MP4 is ffmpeg stream copy, verifies' '
	# Matroska has no decode times; libavformat makes them up a few
	# packets after a seek, and the first ones must run into them
	$FF $SRC -t 4 $X265 -x265-params log-level=error:keyint=25:open-gop=1 og265.mkv &&
	vpk og265.mkv | awk -F, "NR > 1 && \$2 ~ /K/ { k = \$1 } k != \"\" && \$1 < k { n++ } END { exit !(n > 0) }" &&
	mkdir mk && vidx-camera -d mk/v.db add cam --lat 41.3 --lon -72.9 --tz UTC &&
	vidx-ingest -d mk/v.db -c cam --start 2022-07-04T21:00:00Z og265.mkv >/dev/null &&
	vidx-case -d mk/v.db new C --title t --by ann &&
	pkts og265.mkv >all.txt &&
	for w in 01.5:02.7 02.1:03.9 00.2:01.1; do
		o=mk/o${w%%.*} &&
		vidx-pull -d mk/v.db --case C --by ann --out $o -c cam \
			--from 2022-07-04T21:00:${w%:*}Z --to 2022-07-04T21:00:${w#*:}Z >/dev/null 2>err ||
			{ echo "$w:"; cat err; exit 1; }
		c=$(ls $o/cam/*.mp4) &&
		vpk $c | head -n 1 | grep -q ",K" &&
		pkts $c >clip.txt &&
		contains_run all.txt clip.txt &&
		ffprobe -v error -select_streams v:0 -show_entries packet=dts_time -of csv=p=0 $c >dts.txt &&
		sort -g -c dts.txt && test "$(uniq dts.txt | grep -c .)" = "$(lines dts.txt)" &&
		vidx-verify -d mk/v.db $o >v.out || { echo "$w:"; cat v.out; exit 1; }
	done
'

test_done
