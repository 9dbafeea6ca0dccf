#!/bin/sh
# vidx-probe's own Matroska and MPEG-TS readers against ffprobe: every
# keyframe (pts, pos, size) and the number of video packets, on files made
# here with ffmpeg and bent by fixtures/mkvedit.c and fixtures/tsedit.c into
# what ffmpeg does not write: Cues missing, partial or pointing elsewhere,
# blocks not marked as keyframes, BlockGroups, clusters of unknown size,
# random access flags off and on, time stamps that jump, lost packets, two
# access units in one PES.  The readers must give ffprobe's packets or
# leave the file to libavformat (index_method packet-scan), never differ.
. "$(dirname "$0")/lib.sh"

CC=${CC:-cc}
FF="ffmpeg -nostdin -v error -y"
X264="-c:v libx264 -threads 1 -preset veryfast -pix_fmt yuv420p -b:v 64k"
SRC="testsrc2=size=160x120:rate=25"

# ffprobe's video packets: "pts_time,pos,size,flags", one per line
packets() {
	ffprobe -v error $2 -select_streams v:0 \
		-show_entries packet=pts_time,pos,size,flags -of csv=p=0 "$1" |
	awk -F, 'NF >= 4 { print $1 "," $2 "," $3 "," substr($4, 1, 1) }'
}

# FILE [FFPROBE-OPTIONS]: same keyframes (pts within 1 us, pos, size) and
# the same number of video packets as ffprobe
same_as_ffprobe() {
	packets "$1" "${2:-}" >all
	awk -F, '$4 == "K" { print $1 "," $2 "," $3 }' all >expect
	vidx-probe --json --keyframes "$1" >probe.json
	jq -r '.keyframes[] | "\(.pts_s),\(.pos),\(.size)"' probe.json >actual
	test -s expect
	awk -F, 'NR == FNR { p[FNR] = $1; q[FNR] = $2 "," $3; n = FNR; next }
		{ m = FNR; d = p[FNR] - $1; if (d < 0) d = -d
		  if (d > 0.0000011 || q[FNR] != $2 "," $3) {
			print "keyframe " FNR ": ffprobe " p[FNR] "," q[FNR] ", vidx " $0; bad = 1 } }
		END { if (n != m) { print "count " n " vs " m; bad = 1 } exit bad }' expect actual
	test "$(jq .packets probe.json)" = "$(lines all)"
}

method() {
	vidx-probe --json "$1" | jq -r .index_method
}

test_expect_success 'set-up: the editors, and H.264/HEVC sources' '
	$CC -std=c11 -O2 -o mkvedit "$VIDX_SRC/fixtures/mkvedit.c" &&
	$CC -std=c11 -O2 -o tsedit "$VIDX_SRC/fixtures/tsedit.c" &&
	$FF -f lavfi -i $SRC -f lavfi -i sine=sample_rate=16000 -t 6 -map 0 -map 1 \
		$X264 -g 25 -sc_threshold 0 -bf 2 -c:a aac -b:a 24k -ac 1 base.mkv &&
	$FF -f lavfi -i $SRC -t 6 $X264 -profile:v baseline -refs 1 -g 25 \
		-sc_threshold 0 base1ref.mkv &&
	$FF -f lavfi -i $SRC -t 4 $X264 -x264-params open-gop=1:keyint=25 -bf 3 \
		opengop.mkv &&
	$FF -f lavfi -i $SRC -t 4 $X264 -intra-refresh 1 -g 25 -bf 0 refresh.mkv &&
	$FF -f lavfi -i $SRC -t 4 $X264 -x264-params slices=3:keyint=25 slices.mkv &&
	$FF -f lavfi -i $SRC -t 4 -c:v libx265 -x265-params keyint=25:log-level=0 \
		-pix_fmt yuv420p hevc.mkv
'

test_expect_success 'Matroska as ffmpeg writes it: keyframes confirmed by the Cues' '
	$FF -i base.mkv -c copy -cues_to_front 1 front.mkv &&
	$FF -i base.mkv -c copy -reserve_index_space 2048 reserve.mkv &&
	for f in base.mkv front.mkv reserve.mkv opengop.mkv refresh.mkv slices.mkv \
		hevc.mkv "$FIXTURES/h264.mkv"; do
		same_as_ffprobe "$f" && test "$(method "$f")" = cues || {
			echo "$f: $(method "$f")"; exit 1; }
	done
'

test_expect_success 'Matroska without Cues, or with Cues partial or wrong: the blocks say' '
	$FF -i base.mkv -c copy -f matroska - >streamed.mkv &&
	$FF -i base.mkv -c:v copy -an -live 1 live.mkv &&
	./mkvedit base.mkv cues-void.mkv cues-void &&
	./mkvedit base.mkv cues-drop.mkv cues-drop 2 &&
	./mkvedit base.mkv cue-rel.mkv cue-rel 2 &&
	./mkvedit base.mkv cue-time.mkv cue-time 3 &&
	./mkvedit base.mkv cue-cluster.mkv cue-cluster 1 &&
	for f in streamed live cues-void cues-drop cue-rel cue-time cue-cluster; do
		same_as_ffprobe $f.mkv && test "$(method $f.mkv)" = block-scan || {
			echo "$f: $(method $f.mkv)"; exit 1; }
	done
'

test_expect_success 'H.264 in Matroska: the key frames are libavcodec parser'"'"'s, not the flags' '
	./mkvedit base.mkv unkey.mkv unkey &&
	./mkvedit opengop.mkv unkey-open.mkv unkey &&
	./mkvedit refresh.mkv unkey-refresh.mkv unkey &&
	./mkvedit base.mkv idr-to-p.mkv idr-to-p &&
	./mkvedit base1ref.mkv idr-to-p-1ref.mkv idr-to-p &&
	./mkvedit base.mkv marked.mkv idr-to-p-marked &&
	for f in unkey unkey-open unkey-refresh idr-to-p idr-to-p-1ref marked; do
		same_as_ffprobe $f.mkv || { echo "$f differs"; exit 1; }
	done &&
	# one reference frame: I slices count as keyframes (the heuristic)
	test "$(jq .keyframe_count probe.json)" = 1 &&
	vidx-probe --json idr-to-p-1ref.mkv | jq -e ".keyframe_count > 1" &&
	# marked but no longer IDR: ffprobe and vidx both drop them, and the
	# Cues (which name them) are not confirmed
	test "$(method marked.mkv)" = block-scan
'

test_expect_success 'Matroska BlockGroups and clusters of unknown size' '
	./mkvedit base.mkv groups.mkv groups &&
	./mkvedit base1ref.mkv groups1.mkv groups &&
	./mkvedit groups.mkv unknown.mkv unknown-size &&
	./mkvedit hevc.mkv hevc-unknown.mkv unknown-size &&
	for f in groups groups1 unknown hevc-unknown; do
		same_as_ffprobe $f.mkv && test "$(method $f.mkv)" = block-scan || {
			echo "$f: $(method $f.mkv)"; exit 1; }
	done
'

test_expect_success 'MPEG-TS, H.264 and HEVC, as ffmpeg writes it: one pass' '
	$FF -i base.mkv -c copy base.ts &&
	$FF -i hevc.mkv -c copy hevc.ts &&
	$FF -i base.mkv -c copy -omit_video_pes_length 0 bounded.ts &&
	$FF -i base.mkv -c copy -mpegts_flags +resend_headers+pat_pmt_at_frames resend.ts &&
	for f in opengop refresh slices; do $FF -i $f.mkv -c copy $f.ts || exit 1; done &&
	for f in base.ts hevc.ts bounded.ts resend.ts opengop.ts refresh.ts slices.ts \
		"$FIXTURES/h264.ts" "$FIXTURES/hevc.ts" "$FIXTURES/gap.ts"; do
		same_as_ffprobe "$f" && test "$(method "$f")" = ts-scan || {
			echo "$f: $(method "$f")"; exit 1; }
	done
'

test_expect_success 'MPEG-TS: random access flags off or on change nothing' '
	./tsedit base.ts rai-off.ts rai-clear &&
	./tsedit base.ts rai-on.ts rai-set &&
	./tsedit hevc.ts hevc-rai-on.ts rai-set &&
	./tsedit hevc.ts hevc-rai-off.ts rai-clear &&
	for f in rai-off rai-on hevc-rai-on hevc-rai-off; do
		same_as_ffprobe $f.ts && test "$(method $f.ts)" = ts-scan || exit 1
	done &&
	vidx-probe --json --keyframes base.ts | jq -c .keyframes >a &&
	vidx-probe --json --keyframes rai-on.ts | jq -c .keyframes >b &&
	test_cmp a b
'

test_expect_success 'MPEG-TS: PTS and PCR discontinuities' '
	./tsedit base.ts fwd.ts pts-shift 60 1800000 &&
	./tsedit base.ts up.ts pts-shift 0 63000000 &&
	./tsedit up.ts back.ts pts-shift 80 -54000000 &&
	./tsedit hevc.ts hevc-back.ts pts-shift 40 -90000 &&
	./tsedit base.ts pcr.ts pcr-shift 50 90000000 &&
	./tsedit pcr.ts pcr-pts.ts pts-shift 50 90000000 &&
	for f in fwd pcr pcr-pts hevc-back; do
		same_as_ffprobe $f.ts && test "$(method $f.ts)" = ts-scan || exit 1
	done &&
	# back 600 s: ffprobe would read it as a 33-bit wrap unless told not
	# to; vidx reads clocks as they are (see GAPS in vidx-probe(1))
	same_as_ffprobe back.ts "-correct_ts_overflow 0" &&
	test "$(method back.ts)" = ts-scan &&
	vidx-probe --json back.ts | jq -e ".gaps[0].kind == \"backward\"" &&
	vidx-probe --json fwd.ts | jq -e ".gaps[0].kind == \"jump\""
'

test_expect_success 'MPEG-TS: a lost packet marks the recording damaged, as libavformat does' '
	./tsedit base.ts cc.ts cc-break 40 &&
	same_as_ffprobe cc.ts && test "$(method cc.ts)" = ts-scan &&
	vidx-probe --json cc.ts | jq -e .damaged &&
	vidx-probe --json base.ts | jq -e ".damaged | not"
'

test_expect_success 'MPEG-TS: I pictures the parser calls keyframes (one reference frame)' '
	$FF -i base1ref.mkv -c copy base1ref.ts &&
	./tsedit base1ref.ts idr-to-p-1ref.ts idr-to-p &&
	./tsedit base.ts idr-to-p.ts idr-to-p &&
	same_as_ffprobe idr-to-p-1ref.ts && same_as_ffprobe idr-to-p.ts &&
	vidx-probe --json idr-to-p-1ref.ts | jq -e ".keyframe_count > 1" &&
	vidx-probe --json idr-to-p.ts | jq -e ".keyframe_count == 1"
'

test_expect_success 'what the readers do not take is left to libavformat, still exact' '
	./tsedit base.ts merged.ts merge 20 &&
	./tsedit hevc.ts hevc-merged.ts merge 12 &&
	head -c 50000 base.ts >cut.ts &&
	for f in merged hevc-merged cut; do
		same_as_ffprobe $f.ts && test "$(method $f.ts)" = packet-scan || {
			echo "$f: $(method $f.ts)"; exit 1; }
	done &&
	vidx-probe --json cut.ts | jq -e .damaged
'

test_done
