#!/bin/sh
# Raw H.264 and HEVC as cheap cameras write them: parameter sets repeated
# in-band at every keyframe, access unit delimiters, SEI and filler data;
# bare, and inside two vendor containers that libavformat does not know and
# reads as raw streams (fixtures/mkwrap.c: an HXVT-style SD-card file with
# G.711 records between the NAL units and an index at the end, and a
# BcMedia-style stream).  Every clip vidx-pull writes from them, in MP4,
# Matroska or native, verifies; its packets are those of ffmpeg's own
# stream copy; and the packet hash does not change when a muxer drops the
# delimiters and filler and moves the parameter sets out of the packets
# (done here by ffmpeg's filter_units).  Older case folders (packet hash
# version 1) still verify.
. "$(dirname "$0")/lib.sh"

FF="ffmpeg -nostdin -v error -y"
SRC="-f lavfi -i testsrc2=size=160x120:rate=25:duration=2"
DB=$TRASH/v.db
FROM=2022-07-04T20:00:00Z
TO=2022-07-04T23:00:00Z

# trace FILE: the NAL unit types in the video packets (not the header), as
# ffmpeg's trace_headers bitstream filter reads them
trace() {
	ffmpeg -nostdin -v verbose -i "$1" -map 0:v:0 -c copy -bsf:v trace_headers \
		-f null - 2>&1 | sed -n "/\] Packet: /,\$ s/.* nal_unit_type .* = \([0-9]*\)\$/\1/p"
}
# units FILE TYPES: the bytes of the NAL units of those types (filter_units)
units() {
	fmt=$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name -of csv=p=0 "$1")
	ffmpeg -nostdin -v error -i "$1" -map 0:v:0 -c copy -bsf:v "filter_units=pass_types=$2" \
		-f $fmt - | wc -c
}
# pkts FILE: "size,md5" of each video packet as ffmpeg's own stream copy
# writes it into MP4
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
bad_lines() {
	grep -v -E "^(ok|skipped) " "$1" || :
}

RAWS="h264.h264 hevc.hevc hxvt264.264 hxvt265.265 bcm264.bcmedia bcm265.bcmedia"

test_expect_success 'set-up: raw streams with AUD, SEI, filler, in-band parameter sets; vendor wraps' '
	${CC:-cc} -std=c11 -Wall -Wextra -Werror -O2 -o mkwrap "$VIDX_SRC/fixtures/mkwrap.c" &&
	$FF $SRC -c:v libx264 -threads 1 -preset veryfast -g 25 -keyint_min 25 -sc_threshold 0 -bf 0 \
		-b:v 400k -maxrate 400k -bufsize 200k \
		-x264-params aud=1:nal-hrd=cbr:filler=1:repeat-headers=1 -f h264 h264.h264 &&
	$FF $SRC -c:v libx265 -preset veryfast -b:v 400k -x265-params \
		log-level=error:pools=none:frame-threads=1:keyint=25:min-keyint=25:scenecut=0:bframes=0:aud=1:repeat-headers=1:hrd=1:vbv-maxrate=400:vbv-bufsize=200:strict-cbr=1 \
		-f hevc hevc.hevc &&
	./mkwrap --hxvt h264.h264 hxvt264.264 --width 160 --height 120 &&
	./mkwrap --hxvt --hevc hevc.hevc hxvt265.265 --width 160 --height 120 &&
	./mkwrap --bcm h264.h264 bcm264.bcmedia &&
	./mkwrap --bcm --hevc hevc.hevc bcm265.bcmedia
'

test_expect_success 'the oracles see the shapes: AUD, SEI, filler, parameter sets at every keyframe' '
	trace h264.h264 >t264 &&
	keys=$(ffprobe -v error -select_streams v:0 -show_entries packet=flags -of csv=p=0 h264.h264 | grep -c K) &&
	test "$keys" = 2 &&
	test "$(grep -cx 9 t264)" = 50 && grep -qx 6 t264 &&
	test "$(grep -cx 7 t264)" = "$keys" && test "$(grep -cx 8 t264)" = "$keys" &&
	test "$(units h264.h264 12 2>/dev/null)" -gt 100 &&
	trace hevc.hevc >t265 &&
	test "$(grep -cx 35 t265)" = 50 && grep -qx 39 t265 &&
	for t in 32 33 34; do test "$(grep -cx $t t265)" = 2 || exit 1; done &&
	test "$(units hevc.hevc 38 2>/dev/null)" -gt 100 &&
	# libavformat reads the vendor files as raw streams, frame headers and all
	for f in hxvt264.264 bcm264.bcmedia; do
		test "$(ffprobe -v error -show_entries format=format_name -of csv=p=0 $f)" = h264
	done &&
	for f in hxvt265.265 bcm265.bcmedia; do
		test "$(ffprobe -v error -show_entries format=format_name -of csv=p=0 $f)" = hevc
	done &&
	head -c 4 hxvt265.265 | grep -q HXVT && head -c 4 bcm264.bcmedia | grep -q 00dc
'

test_expect_success 'ingest each as a camera of its own' '
	at=1656964800 &&
	for f in $RAWS; do
		c=$(echo $f | tr . _) &&
		vidx-camera -d $DB add $c --lat 41.3 --lon -72.9 &&
		vidx-ingest -d $DB -c $c --start @$at $f >/dev/null &&
		at=$((at + 100)) || exit 1
	done &&
	vidx-case -d $DB new C --title t --by ann
'

test_expect_success 'MP4, Matroska and native clips of each: every one verifies' '
	for fmt in mp4 mkv native; do
		vidx-pull -d $DB --case C --by ann --out $fmt --format $fmt \
			$(for f in $RAWS; do printf -- "-c %s " $(echo $f | tr . _); done) \
			--from $FROM --to $TO >/dev/null &&
		test "$(jq ".clips | length" $fmt/manifest.json)" = 6 &&
		vidx-verify -d $DB $fmt >out &&
		test -z "$(bad_lines out)" &&
		test "$(grep -c "^ok  *clip " out)" = 6 || { cat out; exit 1; }
	done &&
	test "$(jq .packets_sha256_version mp4/manifest.json)" = 2
'

# pictures FILE: the md5 of each decoded picture (ffmpeg's decoder)
pictures() {
	ffmpeg -nostdin -v quiet -i "$1" -map 0:v:0 -f framemd5 - | grep -v "^#" |
		awk -F", *" "{print \$6}"
}

test_expect_success 'the clips show the pictures of their sources; the packets are ffmpeg stream copy' '
	for f in h264.h264 hevc.hevc; do
		c=$(echo $f | tr . _)
		for clip in mp4/$c/*.mp4 mkv/$c/*.mkv native/$c/*; do
			ffmpeg -nostdin -v error -i $clip -f null - 2>err
			test ! -s err || { echo "$clip:"; cat err; exit 1; }
		done
	done &&
	for f in $RAWS; do
		c=$(echo $f | tr . _)
		# the vendor records glued to the NAL units upset the decoder as much
		# in the source as in the clip: the pictures must be the same
		pictures $f >want.txt && test "$(lines want.txt)" = 50 &&
		for clip in mp4/$c/*.mp4 mkv/$c/*.mkv native/$c/*; do
			pictures $clip >got.txt && test_cmp want.txt got.txt || { echo "$clip"; exit 1; }
		done
		pkts $f >src.txt && pkts mp4/$c/*.mp4 >clip.txt &&
		test "$(lines clip.txt)" = 50 &&
		contains_run src.txt clip.txt || { echo "$f"; exit 1; }
	done
'

test_expect_success 'native clips are the source bytes, as dd cuts them' '
	jq -r ".clips[] | \"\(.path) \(.sources[0].path) \(.sources[0].byte_start) \(.sources[0].byte_end)\"" \
		native/manifest.json | while read clip src a b; do
		dd if="$src" iflag=skip_bytes,count_bytes skip=$a count=$((b - a)) bs=64k 2>/dev/null >range
		cmp range native/$clip
	done
'

# strip IN OUT TYPES: IN with the NAL units of TYPES dropped, stream copy
strip() {
	$FF -i "$1" -map 0:v:0 -c copy -bsf:v "filter_units=remove_types=$3" "$2"
}

# (not the vendor files: filter_units re-assembles the NAL units it keeps,
# and the vendor bytes glued to their ends do not come back the same)
test_expect_success 'the packet hash holds when a muxer drops AUD and filler and keeps parameter sets out of the packets' '
	for f in h264.h264 hevc.hevc; do
		c=$(echo $f | tr . _)
		rm -rf inv && cp -r mp4 inv &&
		clip=$(ls inv/$c/*.mp4) && rel=${clip#inv/} &&
		case $f in *264*) types="7|8|9|12" ;; *) types="32|33|34|35|38" ;; esac &&
		strip mp4/$rel x.mp4 "$types" &&
		# the oracle: those units are gone from the packets
		test "$(trace x.mp4 | grep -cx -E "$(echo $types | tr "|" " " | sed "s/ /|/g")")" = 0 &&
		test "$(stat -c %s x.mp4)" -lt "$(stat -c %s $clip)" &&
		mv x.mp4 $clip &&
		sum=$(sha256sum $clip | cut -c1-64) && size=$(stat -c %s $clip) &&
		jq --arg p "$rel" --arg s "$sum" --argjson z $size \
			"(.clips[] | select(.path == \$p) | .sha256) = \$s |
			 (.clips[] | select(.path == \$p) | .size) = \$z" inv/manifest.json >m &&
		mv m inv/manifest.json &&
		(cd inv && sha256sum $(jq -r ".clips[].path" manifest.json) manifest.json >SHA256SUMS) &&
		test_expect_code 1 vidx-verify -d $DB inv >out &&
		grep "^ok  *clip  *$rel\$" out &&
		grep "^ok  *source  *$rel: same packets as the sources" out &&
		# only the custody log knows the manifest changed, and the ONVIF
		# check that the remuxed clip lost the export boxes vidx wrote
		test "$(bad_lines out | grep -c .)" = 2 && bad_lines out | grep -q "^failed  *custody" &&
		bad_lines out | grep -q "^failed  *onvif  *$rel: the ONVIF export boxes the manifest records are not there" ||
			{ echo "$f:"; cat out; exit 1; }
	done
'

test_expect_success 'a changed picture is still caught by the packet hash' '
	rm -rf chg && cp -r mp4 chg &&
	clip=$(ls chg/h264_h264/*.mp4) && rel=${clip#chg/} &&
	ffprobe -v error -select_streams v:0 -show_entries packet=pos,size -of csv=p=0 $clip |
		sort -t, -k1 -n | sed -n 10p >p &&
	pos=$(cut -d, -f1 p) && n=$(cut -d, -f2 p) &&
	printf "\125" | dd of=$clip bs=1 seek=$((pos + n - 3)) conv=notrunc 2>/dev/null &&
	sum=$(sha256sum $clip | cut -c1-64) &&
	jq --arg p "$rel" --arg s "$sum" "(.clips[] | select(.path == \$p) | .sha256) = \$s" \
		chg/manifest.json >m && mv m chg/manifest.json &&
	(cd chg && sha256sum $(jq -r ".clips[].path" manifest.json) manifest.json >SHA256SUMS) &&
	test_expect_code 1 vidx-verify -d $DB chg >out &&
	grep "^modified clip  *$rel: its video packets" out
'

ALL="h264_bframes.mp4 h264_frag.mp4 h264.mkv h264.ts hevc.ts mjpeg.avi raw.h264 dahua.dav gap.ts"

test_expect_success 'every container vidx-pull accepts, every format it writes: each clip verifies' '
	for f in $ALL; do
		c=$(echo $f | tr . _) &&
		vidx-camera -d f.db add $c --lat 1 --lon 1 &&
		vidx-ingest -d f.db -c $c --start 2022-07-04T21:00:00Z "$FIXTURES/$f" >/dev/null || exit 1
	done &&
	vidx-case -d f.db new F --title t --by ann &&
	for fmt in mp4 mkv native; do
		# native refuses the formats entered by time (MP4, Matroska, AVI)
		vidx-pull -d f.db --case F --by ann --out all_$fmt --format $fmt \
			--from 2022-07-04T21:00:01Z --to 2022-07-04T21:00:06Z >/dev/null 2>err ||
			test $fmt = native
		vidx-verify -d f.db all_$fmt >out &&
		test -z "$(bad_lines out)" || { echo "$fmt:"; cat out; exit 1; }
	done &&
	test "$(jq ".clips | length" all_mp4/manifest.json)" -ge 9 &&
	test "$(jq ".clips | length" all_mkv/manifest.json)" -ge 9 &&
	test "$(jq ".clips | length" all_native/manifest.json)" -ge 5 &&
	test "$(jq ".failed | length" all_native/manifest.json)" = 4
'

test_expect_success 'a manifest whose cut is out of range fails that source, nothing worse' '
	rm -rf bad && cp -r all_native bad &&
	jq ".clips[0].sources[0].cut.seek_pts_us = 4611686018427387904 |
	    .clips[1].sources[0].cut.frame_dur_us = 0" all_native/manifest.json >bad/manifest.json &&
	test_expect_code 1 vidx-verify -d f.db --no-sources bad >/dev/null &&
	test_expect_code 1 vidx-verify -d f.db bad >out &&
	test "$(grep -c "^failed  *source .*the cut.s times are out of range" out)" = 2
'

test_expect_success 'a case folder from before version 2 of the packet hash still verifies' '
	cp -r "$FIXTURES/v1-case" v1 &&
	chmod -R u+w v1 &&
	! jq -e "has(\"packets_sha256_version\")" v1/manifest.json &&
	vidx-verify --no-sources v1 >out &&
	test "$(grep -c "^ok  *clip " out)" = 2 &&
	# its sources, found by SHA-256 in an index that holds them
	vidx-camera -d old.db add raw --lat 1 --lon 1 && vidx-camera -d old.db add ts --lat 1 --lon 1 &&
	vidx-ingest -d old.db -c raw --start 2022-07-04T21:00:00Z "$FIXTURES/raw.h264" >/dev/null &&
	vidx-ingest -d old.db -c ts --start 2022-07-04T21:00:00Z "$FIXTURES/h264.ts" >/dev/null &&
	test_expect_code 1 vidx-verify -d old.db v1 >out &&
	test "$(grep -c "^ok  *source .*: same packets as the sources" out)" = 2 &&
	test "$(bad_lines out)" = "$(grep "^failed  *custody" out)" &&
	# a version this vidx does not know is refused, not guessed at
	jq ".packets_sha256_version = 9" v1/manifest.json >m && mv m v1/manifest.json &&
	test_expect_code 1 vidx-verify --no-sources v1 2>err &&
	grep "packet hash version 9" err
'

test_done
