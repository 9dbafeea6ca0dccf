#!/bin/sh
# vidx-pull: lossless clips checked against oracles we did not write:
# ffmpeg's own stream copy of the same source (framemd5 of the packets),
# ffmpeg's decoder, ffprobe's packet times, sha256sum -c, cmp against dd.
. "$(dirname "$0")/lib.sh"

START=2022-07-04T21:00:00Z
FROM=2022-07-04T21:00:03Z
TO=2022-07-04T21:00:05Z
ALL="h264_bframes.mp4 h264_frag.mp4 h264.mkv h264.ts hevc.ts mjpeg.avi raw.h264 dahua.dav gap.ts"

# cam FILE: the camera a fixture is filed under (h264_bframes.mp4 -> h264_bframes_mp4)
cam() {
	echo "$1" | tr . _
}

# the fixtures' cameras (later tests add cameras whose pulls fail)
CAMS=$(for f in $ALL; do printf -- "-c %s " $(cam $f); done)

# pkts FILE: "size,md5" of each video packet in decode order, as ffmpeg's
# own stream copy reads them
pkts() {
	ffmpeg -nostdin -v error -i "$1" -map 0:v:0 -c copy -f framemd5 - |
		grep -v '^#' | awk -F', *' '{print $5 "," $6}'
}

# starts_with BIG SMALL: SMALL's lines are a run of BIG's lines, starting at
# the line equal to SMALL's first
contains_run() {
	first=$(head -n 1 "$2")
	n=$(lines "$2")
	at=$(grep -n -x -F "$first" "$1" | head -n 1 | cut -d: -f1)
	test -n "$at"
	tail -n +"$at" "$1" | head -n "$n" >run.txt
	test_cmp "$2" run.txt
}

DB=$TRASH/v.db

test_expect_success 'set-up: a camera per fixture, a recording each, a case' '
	for f in $ALL; do
		vidx-camera -d $DB add $(cam $f) --lat 41.3 --lon -72.9 --name "Cam $f" --tz UTC
		vidx-ingest -d $DB -c $(cam $f) --start $START "$FIXTURES/$f" >/dev/null
	done &&
	vidx-case -d $DB new C1 --title "Shooting at Chapel" --by ann
'

test_expect_success 'usage errors exit 2 and write nothing' '
	test_expect_code 2 vidx-pull -d $DB --out o --from $FROM --to $TO &&
	test_expect_code 2 vidx-pull -d $DB --case C1 --from $FROM --to $TO &&
	test_expect_code 2 vidx-pull -d $DB --case C1 --out o --by x &&
	test_expect_code 2 vidx-pull -d $DB --case C1 --out o --by x --format avi --from $FROM --to $TO &&
	echo "{}" | test_expect_code 2 vidx-pull -d $DB --case C1 --out o --by x -c a - --from $FROM --to $TO &&
	test ! -e o
'

test_expect_success 'an unknown case is refused, nothing written' '
	test_expect_code 1 vidx-pull -d $DB --case NOPE --out o --by x --from $FROM --to $TO 2>err &&
	grep "unknown case .NOPE." err &&
	test "$(lines err)" = 1 &&
	test ! -e o/manifest.json
'

test_expect_success 'a window from the middle of every fixture: one mp4 clip each' '
	vidx-pull -d $DB --case C1 --out mid --by ann --from $FROM --to $TO --json >clips.json &&
	test "$(lines clips.json)" = 9 &&
	test "$(jq -r .format clips.json | sort -u)" = mp4 &&
	test "$(jq ".clips | length" mid/manifest.json)" = 9 &&
	test "$(jq ".failed | length" mid/manifest.json)" = 0 &&
	for f in $ALL; do
		ls mid/$(cam $f)/$(cam $f)_20220704T2100*Z_*s.mp4
	done
'

test_expect_success 'sha256sum -c SHA256SUMS passes; the manifest hashes are the files' '
	(cd mid && sha256sum -c --strict SHA256SUMS) &&
	grep -c "" mid/SHA256SUMS >n && test "$(cat n)" = 10 &&
	jq -r ".clips[] | \"\(.sha256)  \(.path)\"" mid/manifest.json >want &&
	(cd mid && sha256sum -c --strict ../want) &&
	jq -r ".clips[] | \"\(.size) \(.path)\"" mid/manifest.json | while read s p; do
		test "$(stat -c %s mid/$p)" = "$s"
	done
'

test_expect_success 'every clip decodes without an error' '
	for c in mid/*/*.mp4; do
		ffmpeg -nostdin -v error -i $c -f null - 2>err
		test ! -s err || { echo "$c:"; cat err; false; }
	done
'

test_expect_success 'video packets are the source packets from the seek keyframe on (ffmpeg stream copy as oracle)' '
	for f in $ALL; do
		c=$(ls mid/$(cam $f)/*.mp4)
		# the same packets as ffmpeg itself copies them into MP4
		ffmpeg -nostdin -v error -i "$FIXTURES/$f" -map 0:v:0 -c copy -f mp4 ref.mp4 -y
		pkts ref.mp4 >ref.txt
		pkts $c >clip.txt
		test "$(lines clip.txt)" -gt 10
		contains_run ref.txt clip.txt || { echo "packets differ: $f"; false; }
		test "$(lines clip.txt)" = "$(jq ".clips[] | select(.path == \"${c#mid/}\") | .video.packets" mid/manifest.json)"
	done
'

test_expect_success 'MP4 and MKV sources: same bitstream form, compared with the source itself' '
	for f in h264_bframes.mp4 h264_frag.mp4 h264.mkv mjpeg.avi; do
		pkts "$FIXTURES/$f" >src.txt
		pkts mid/$(cam $f)/*.mp4 >clip.txt
		contains_run src.txt clip.txt || { echo "packets differ: $f"; false; }
	done
'

test_expect_success 'the first packet is the keyframe at or before the start; the last frame at or after the end' '
	for f in $ALL; do
		c=$(ls mid/$(cam $f)/*.mp4)
		rel=${c#mid/}
		start=$(jq -r ".clips[] | select(.path == \"$rel\") | .start" mid/manifest.json)
		rend=$(jq -r ".clips[] | select(.path == \"$rel\") | .requested_end" mid/manifest.json)
		ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,flags -of csv=p=0 $c >p.txt
		head -n 1 p.txt | grep -q ",K"
		first=$(head -n 1 p.txt | cut -d, -f1)
		last=$(cut -d, -f1 p.txt | sort -g | tail -n 1)
		s=$(date -u -d "$start" +%s.%N)
		e=$(date -u -d "$rend" +%s.%N)
		rq=$(date -u -d "$FROM" +%s)
		# keyframe at or before the requested start
		awk -v s=$s -v r=$rq "BEGIN { exit !(s <= r) }"
		# the last frame at (or, where footage stops, just before) the end
		if [ $f = gap.ts ]; then
			awk -v s=$s -v a=$first -v b=$last -v e=$e "BEGIN { exit !(s + (b - a) + 0.04 >= e - 0.0005) }"
		else
			awk -v s=$s -v a=$first -v b=$last -v e=$e "BEGIN { exit !(s + (b - a) >= e - 0.0005) }"
		fi
	done
'

test_expect_success 'the window ends where the footage stops: gap.ts ends at its hole' '
	test "$(jq -r ".clips[] | select(.camera.id == \"gap_ts\") | .requested_end" mid/manifest.json)" = 2022-07-04T21:00:04.000Z &&
	ffprobe -v error -select_streams v:0 -show_entries packet=pts_time -of csv=p=0 mid/gap_ts/*.mp4 | sort -g | tail -n 1 >last &&
	test "$(cat last)" = 0.960000
'

test_expect_success 'audio is kept' '
	for f in h264_bframes.mp4 h264.ts h264.mkv; do
		ffprobe -v error -select_streams a -show_entries stream=codec_type -of csv=p=0 mid/$(cam $f)/*.mp4 >a
		test "$(cat a)" = audio
		test "$(jq ".clips[] | select(.camera.id == \"$(cam $f)\") | .audio.packets > 0" mid/manifest.json)" = true
	done
'

test_expect_success 'clip metadata: true start as creation_time, camera and place in tags' '
	c=$(ls mid/h264_ts/*.mp4) &&
	ffprobe -v error -show_entries format_tags -of json $c >tags.json &&
	test "$(jq -r .format.tags.creation_time tags.json)" = 2022-07-04T21:00:03.000Z &&
	test "$(jq -r .format.tags.camera tags.json)" = h264_ts &&
	test "$(jq -r .format.tags.camera_name tags.json)" = "Cam h264.ts" &&
	test "$(jq -r .format.tags.case tags.json)" = C1 &&
	test "$(jq -r .format.tags.location tags.json)" = "+41.3000-072.9000/"
'

test_expect_success 'the manifest says who, when, what was asked and which source bytes' '
	m=mid/manifest.json &&
	test "$(jq -r .case $m)" = C1 &&
	test "$(jq -r .operator $m)" = ann &&
	jq -r .tool $m | grep "^vidx-pull " &&
	test "$(jq -r .query.from $m)" = 2022-07-04T21:00:03.000Z &&
	jq -e ".clips[] | select(.camera.id == \"h264_ts\") | .sources[0] |
		.path == \"$FIXTURES/h264.ts\" and .sha256_checked == true and
		.byte_start > 0 and .byte_end > .byte_start and .video_packets > 0 and
		.cut.seek == \"byte\"" $m &&
	test "$(jq -r ".clips[] | select(.camera.id == \"h264_ts\") | .sources[0].sha256" $m)" = \
	     "$(sha256sum "$FIXTURES/h264.ts" | cut -c1-64)" &&
	jq -e ".clips[] | select(.camera.id == \"h264_bframes_mp4\") | .sources[0].cut.seek == \"time\"" $m
'

test_expect_success 'the custody log holds the pull with the manifest hash' '
	vidx-case -d $DB log --json C1 >log.json &&
	jq -c "select(.kind == \"pull\") | .detail" log.json | head -n 1 >d.json &&
	test "$(jq -r .manifest_sha256 d.json)" = "$(sha256sum mid/manifest.json | cut -c1-64)" &&
	test "$(jq ".clips | length" d.json)" = 9 &&
	vidx-case -d $DB log C1 >/dev/null
'

test_expect_success 'vidx-case show lists the pulled clips, their hashes and sources' '
	vidx-case -d $DB show --json C1 >show.json &&
	jq -c "select(.path != null) | select(.folder == \"$TRASH/mid\")" show.json >clips &&
	test "$(lines clips)" = 9 &&
	jq -r "\"\(.sha256)  \(.path)\"" clips >sums &&
	(cd mid && sha256sum -c --quiet ../sums) &&
	jq -r ".sources[0].sha256" clips | sort -u >srcs &&
	for f in $ALL; do sha256sum "$FIXTURES/$f" | cut -c1-64; done | sort -u >want &&
	test_cmp want srcs &&
	vidx-case -d $DB show C1 >show.txt &&
	grep "^  $TRASH/mid/h264_ts/h264_ts_20220704T210003Z_3s.mp4\$" show.txt &&
	grep "^    source   sha256 $(sha256sum "$FIXTURES/h264.ts" | cut -c1-64)  recording [0-9]*$" show.txt
'

test_expect_success 'a second pull into the same folder is refused; nothing changes' '
	(cd mid && sha256sum $(find . -type f | sort)) >before &&
	test_expect_code 1 vidx-pull -d $DB --case C1 --out mid --by ann --from $FROM --to $TO 2>err &&
	grep "already holds a pull" err &&
	(cd mid && sha256sum $(find . -type f | sort)) >after &&
	test_cmp before after &&
	# what is left of a pull (a signature without its manifest) too
	mkdir left && : >left/manifest.json.sig &&
	test_expect_code 1 vidx-pull -d $DB --case C1 --out left --by ann --from $FROM --to $TO 2>err &&
	grep "already holds a pull (manifest.json.sig)" err &&
	test "$(ls left)" = manifest.json.sig
'

test_expect_success 'clip names: camera, true start, length in seconds rounded up' '
	jq -r ".clips[] | select(.camera.id == \"h264_ts\") | .path" mid/manifest.json >name &&
	echo h264_ts/h264_ts_20220704T210003Z_3s.mp4 >want &&
	test_cmp want name
'

test_expect_success 'an existing file with a clip name is not overwritten' '
	mkdir -p pre/h264_ts &&
	echo mine >pre/h264_ts/h264_ts_20220704T210003Z_3s.mp4 &&
	vidx-pull -d $DB --case C1 --out pre --by ann -c h264_ts --from $FROM --to $TO >out &&
	test "$(cat pre/h264_ts/h264_ts_20220704T210003Z_3s.mp4)" = mine &&
	test -f pre/h264_ts/h264_ts_20220704T210003Z_3s-2.mp4 &&
	test "$(jq -r ".clips[0].path" pre/manifest.json)" = h264_ts/h264_ts_20220704T210003Z_3s-2.mp4
'

# body_sums DIR: per clip, the SHA-256 of its bytes up to the ONVIF export
# box appended last (which records when the export was made), as
# AtomicParsley finds that box; the whole file for MKV and native clips
body_sums() {
	for c in $(jq -r ".clips[].path" "$1/manifest.json"); do
		n=$(AtomicParsley "$1/$c" -T 2>/dev/null | sed -n "s/^Atom meta @ \([0-9]*\) .*/\1/p")
		if [ -n "$n" ]; then
			head -c "$n" "$1/$c" | sha256sum | cut -c1-64
		else
			sha256sum <"$1/$c" | cut -c1-64
		fi
	done | sort
}

test_expect_success 'the same pull twice makes the same clip bytes, up to the export box' '
	vidx-pull -d $DB --case C1 --out again --by ann --from $FROM --to $TO >/dev/null &&
	body_sums mid >a && body_sums again >b &&
	test "$(lines a)" = 9 &&
	test_cmp a b &&
	jq -r ".clips[].video.packets_sha256" mid/manifest.json | sort >a &&
	jq -r ".clips[].video.packets_sha256" again/manifest.json | sort >b &&
	test_cmp a b
'

test_expect_success 'spans from vidx-query --json on stdin give the same clips' '
	vidx-query -d $DB --json --from $FROM --to $TO >spans.json &&
	vidx-pull -d $DB --case C1 --out fromstdin --by ann - <spans.json >/dev/null &&
	body_sums fromstdin >c && body_sums mid >a &&
	test_cmp a c &&
	test "$(jq ".query.spans_from_stdin | length" fromstdin/manifest.json)" = 9
'

test_expect_success 'stdin: a span that is not in the index fails the pull before anything is written' '
	echo "{\"camera\":\"h264_ts\",\"start\":\"2030-01-01T00:00:00Z\",\"end\":\"2030-01-01T00:01:00Z\"}" >bad.json &&
	test_expect_code 1 vidx-pull -d $DB --case C1 --out s1 --by ann - <bad.json 2>err &&
	grep "span 1 (h264_ts .*): no such footage" err &&
	test ! -e s1 &&
	echo "{\"camera\":\"h264_ts\",\"start\":\"$FROM\",\"end\":\"$TO\",\"recording_id\":999}" >bad2.json &&
	test_expect_code 1 vidx-pull -d $DB --case C1 --out s2 --by ann - <bad2.json &&
	printf "{\"camera\":\"h264_ts\",\"start\":\"$FROM\",\"end\":\"$TO\"}\nnot json\n" >bad3.json &&
	test_expect_code 1 vidx-pull -d $DB --case C1 --out s3 --by ann - <bad3.json 2>err &&
	grep "line 2: not a JSON object" err &&
	test ! -e s3
'

test_expect_success 'two consecutive recordings of a camera give one clip' '
	ffmpeg -nostdin -v error -i "$FIXTURES/h264_bframes.mp4" -c copy -f segment \
		-segment_time 4 -segment_format mp4 seg%d.mp4 &&
	vidx-camera -d $DB add segcam --lat 41.3 --lon -72.9 &&
	vidx-ingest -d $DB -c segcam --start 2022-07-04T22:00:00Z seg0.mp4 >/dev/null &&
	vidx-ingest -d $DB -c segcam --start 2022-07-04T22:00:04Z seg1.mp4 >/dev/null &&
	vidx-query -d $DB -c segcam --from 2022-07-04T22:00:01Z --to 2022-07-04T22:00:07Z --json >q &&
	test "$(lines q)" = 2 &&
	vidx-pull -d $DB --case C1 --out join --by ann -c segcam --from 2022-07-04T22:00:01Z --to 2022-07-04T22:00:07Z >/dev/null &&
	test "$(jq ".clips | length" join/manifest.json)" = 1 &&
	test "$(jq ".clips[0].sources | length" join/manifest.json)" = 2 &&
	c=$(ls join/segcam/*.mp4) &&
	ffmpeg -nostdin -v error -i $c -f null - 2>err && test ! -s err &&
	# packets: seg0 from its first keyframe, then seg1 from its first, as ffmpeg copies them
	pkts seg0.mp4 >a && pkts seg1.mp4 >b && cat a b >ab &&
	pkts $c >clip.txt &&
	contains_run ab clip.txt &&
	# one timeline: decode times only go up
	ffprobe -v error -select_streams v:0 -show_entries packet=dts_time -of csv=p=0 $c >dts &&
	sort -g -c dts
'

test_expect_success 'a window over a gap gives two clips' '
	vidx-pull -d $DB --case C1 --out gap --by ann -c gap_ts --from 2022-07-04T21:00:02Z --to 2022-07-04T21:00:11Z >/dev/null &&
	test "$(jq ".clips | length" gap/manifest.json)" = 2 &&
	jq -r ".clips[].start" gap/manifest.json >starts &&
	printf "2022-07-04T21:00:02.000Z\n2022-07-04T21:00:09.000Z\n" >want &&
	test_cmp want starts &&
	for c in gap/gap_ts/*.mp4; do
		ffmpeg -nostdin -v error -i $c -f null - 2>err && test ! -s err
	done
'

test_expect_success 'native: the clip is the exact run of source bytes the manifest names' '
	vidx-pull -d $DB --case C1 --out nat --by ann --format native -c h264_ts -c hevc_ts \
		-c dahua_dav -c raw_h264 --from $FROM --to $TO >/dev/null &&
	test "$(jq ".clips | length" nat/manifest.json)" = 4 &&
	jq -r ".clips[] | \"\(.path) \(.sources[0].path) \(.sources[0].byte_start) \(.sources[0].byte_end)\"" \
		nat/manifest.json | while read clip src a b; do
		dd if="$src" iflag=skip_bytes,count_bytes skip=$a count=$((b - a)) bs=64k 2>/dev/null >range
		cmp range nat/$clip
		ffmpeg -nostdin -v error -i nat/$clip -f null - 2>err && test ! -s err
		# same bitstream form as the source: packets compared directly
		pkts "$src" >src.txt && pkts nat/$clip >clip.txt
		contains_run src.txt clip.txt
	done &&
	ls nat/h264_ts/*.ts nat/dahua_dav/*.dav nat/raw_h264/*.h264
'

test_expect_success 'native refuses containers it cannot cut into a byte run' '
	test_expect_code 1 vidx-pull -d $DB --case C1 --out nat2 --by ann --format native \
		-c mjpeg_avi -c h264_ts --from $FROM --to $TO >out 2>err &&
	grep "mjpeg_avi .*: a native clip is a run of the source.s bytes, which avi cannot" err &&
	test "$(jq ".failed | length" nat2/manifest.json)" = 1 &&
	test "$(jq ".clips | length" nat2/manifest.json)" = 1
'

test_expect_success 'mkv on request, and when the streams do not fit MP4' '
	vidx-pull -d $DB --case C1 --out mk --by ann --format mkv -c h264_mkv --from $FROM --to $TO >/dev/null &&
	ls mk/h264_mkv/*.mkv &&
	ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i sine=r=8000 \
		-t 4 -c:v mjpeg -c:a pcm_s16le pcm.avi &&
	vidx-camera -d $DB add pcm --lat 41.3 --lon -72.9 &&
	vidx-ingest -d $DB -c pcm --start $START pcm.avi >/dev/null &&
	vidx-pull -d $DB --case C1 --out pcm --by ann -c pcm --from 2022-07-04T21:00:01Z --to 2022-07-04T21:00:02Z >/dev/null &&
	ls pcm/pcm/*.mkv &&
	ffprobe -v error -show_entries stream=codec_name -of csv=p=0 pcm/pcm/*.mkv >codecs &&
	printf "mjpeg\npcm_s16le\n" >want && test_cmp want codecs &&
	test_expect_code 1 vidx-pull -d $DB --case C1 --out pcm2 --by ann --format mp4 -c pcm \
		--from 2022-07-04T21:00:01Z --to 2022-07-04T21:00:02Z 2>err &&
	grep "do not fit MP4; use --format mkv" err
'

test_expect_success 'a source changed since ingest is refused; the other clips are written' '
	# a recording of its own (a copy would be filed as a duplicate)
	ffmpeg -nostdin -v error -i "$FIXTURES/h264.ts" -c copy -metadata title=changed changed.ts &&
	vidx-camera -d $DB add chg --lat 41.3 --lon -72.9 &&
	vidx-ingest -d $DB -c chg --start $START changed.ts >/dev/null &&
	printf "\377" | dd of=changed.ts bs=1 seek=30000 conv=notrunc 2>/dev/null &&
	test_expect_code 1 vidx-pull -d $DB --case C1 --out chg --by ann -c chg -c h264_ts \
		--from $FROM --to $TO >out 2>err &&
	grep "chg .*: source changed since it was indexed (SHA-256" err &&
	test "$(jq -r ".failed[0].camera" chg/manifest.json)" = chg &&
	test "$(jq ".clips | length" chg/manifest.json)" = 1 &&
	ls chg/h264_ts/*.mp4 && test ! -e chg/chg/*.mp4 &&
	# --no-source-hash trusts the index (same size): cut, marked unchecked,
	# and vidx-verify still finds the change
	vidx-pull -d $DB --case C1 --out chg2 --by ann -c chg --no-source-hash \
		--from $FROM --to $TO >/dev/null &&
	test "$(jq ".clips[0].sources[0].sha256_checked" chg2/manifest.json)" = false &&
	test_expect_code 1 vidx-verify -d $DB chg2 >v.out &&
	grep "^modified source .*changed.ts: SHA-256" v.out
'

test_expect_success 'a source gone missing is named, exit 1' '
	ffmpeg -nostdin -v error -i "$FIXTURES/h264.ts" -c copy -metadata title=gone gone.ts &&
	vidx-camera -d $DB add gone --lat 41.3 --lon -72.9 &&
	vidx-ingest -d $DB -c gone --start $START gone.ts >/dev/null &&
	rm gone.ts &&
	test_expect_code 1 vidx-pull -d $DB --case C1 --out gone --by ann -c gone --from $FROM --to $TO 2>err &&
	grep "gone .*No such file or directory" err &&
	test ! -e gone/manifest.json
'

test_expect_success 'an interrupted pull leaves no file under a final name' '
	# a file size limit (80 KB: dash counts 512-byte blocks) kills the pull
	# (SIGXFSZ) in the middle of the first large clip
	( ulimit -f 160; exec vidx-pull -d $DB --case C1 --out cut --by ann $CAMS --from $FROM --to $TO ) >/dev/null 2>&1 || :
	test ! -e cut/manifest.json &&
	test ! -e cut/SHA256SUMS &&
	find cut -type f ! -name ".*.partial-*" >finals &&
	for f in $(cat finals); do
		# whatever has a final name is complete: it decodes and is in no way short
		ffmpeg -nostdin -v error -i $f -f null - 2>err && test ! -s err
	done &&
	find cut -name ".*.partial-*" | grep . &&
	# the next pull into a fresh folder completes
	vidx-pull -d $DB --case C1 --out cut2 --by ann $CAMS --from $FROM --to $TO >/dev/null &&
	(cd cut2 && sha256sum -c --quiet SHA256SUMS)
'

test_expect_success 'sources are opened read-only' '
	command -v strace >/dev/null || { echo "strace missing: skipped"; exit 0; }
	# LeakSanitizer cannot run under ptrace
	ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=open,openat -o trace vidx-pull -d $DB --case C1 --out ro --by ann \
		$CAMS --from $FROM --to $TO >/dev/null &&
	grep "$FIXTURES" trace >opens &&
	test -s opens &&
	! grep -E "O_WRONLY|O_RDWR|O_CREAT|O_TRUNC" opens
'

test_expect_success 'no footage in the window: exit 1, nothing written' '
	test_expect_code 1 vidx-pull -d $DB --case C1 --out none --by ann \
		--from 2030-01-01T00:00:00Z --to 2030-01-01T00:01:00Z 2>err &&
	grep "no footage" err &&
	test ! -e none/manifest.json
'

test_expect_success 'H.264 in AVI (decode times only, no pts): clips are ffmpeg stream copy, and verify' '
	# AVI gives H.264 packets a dts and no pts (ffprobe: pts N/A); the
	# keyframe is found by its decode time
	ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=160x120:rate=25 -t 4 \
		-c:v libx264 -preset ultrafast -g 25 avi264.avi &&
	ffprobe -v error -select_streams v:0 -show_entries packet=pts -of csv=p=0 avi264.avi |
		sort -u >avipts.txt &&
	test "$(cat avipts.txt)" = N/A &&
	vidx-camera -d $DB add avi264 --lat 41.3 --lon -72.9 --tz UTC &&
	vidx-ingest -d $DB -c avi264 --start $START avi264.avi >/dev/null &&
	# the same bitstream form as the clip: copied into MP4 by ffmpeg
	ffmpeg -nostdin -v error -y -i avi264.avi -map 0:v:0 -c copy -f mp4 aviref.mp4 &&
	pkts aviref.mp4 >src.txt &&
	test "$(lines src.txt)" = 100 &&
	for w in 00.1:00.7 01.5:02.7; do
		rm -rf avi &&
		vidx-pull -d $DB --case C1 --by ann --out avi -c avi264 \
			--from 2022-07-04T21:00:${w%:*}Z --to 2022-07-04T21:00:${w#*:}Z >/dev/null &&
		c=$(ls avi/avi264/*.mp4) &&
		pkts $c >clip.txt &&
		contains_run src.txt clip.txt &&
		# from the keyframe at or before the start, to the frame at the end
		k=$(awk -v s=${w%:*} "BEGIN { print int(s) * 25 + 1 }") &&
		test "$(sed -n ${k}p src.txt)" = "$(head -n 1 clip.txt)" &&
		n=$(awk -v s=${w%:*} -v e=${w#*:} "BEGIN { print int(e * 25 + 0.5) - int(s) * 25 + 1 }") &&
		test "$(lines clip.txt)" = $n &&
		vidx-verify -d $DB avi >/dev/null
	done
'

test_expect_success 'the man page SYNOPSIS is the usage' '
	man=$VIDX_SRC/man/vidx-pull.1 &&
	bs=$(printf "\b") &&
	mandoc -Tascii "$man" | sed "s/.$bs//g" | sed -n "/^SYNOPSIS/,/^DESCRIPTION/p" |
		sed "1d;\$d" >syn.txt &&
	vidx-pull --help | sed -n "1,/^\$/p" | sed "s/^usage://" >use.txt &&
	for f in syn.txt use.txt; do
		{ tr "\t\n" "  " <$f | tr -s " " && echo; } | sed "/^\$/d; s/^ *//; s/ *\$//" >$f.forms ||
			exit 1
	done &&
	test_cmp use.txt.forms syn.txt.forms
'

test_done
