#!/bin/sh
# vidx-probe's keyframes against an oracle we did not write: ffprobe's
# packet list (K packets of the first video stream), run at test time.
. "$(dirname "$0")/lib.sh"

# ffprobe: "pts_time,pos" of each K packet ("N/A" kept as is)
oracle() {
	ffprobe -v error -select_streams v:0 \
		-show_entries packet=pts_time,pos,flags -of csv=p=0 "$1" |
	awk -F, 'NF >= 3 && $3 ~ /K/ { print $1 "," $2 }'
}

# vidx: the same two columns from --json --keyframes
ours() {
	vidx-probe --json --keyframes "$1" |
	jq -r '.keyframes[] | "\(.pts_s // "N/A"),\(.pos // "N/A")"'
}

# same count; pts within 1 us; same pos
same_keyframes() {
	oracle "$1" >expect
	ours "$1" >actual
	test -s expect
	awk -F, 'NR == FNR { p[FNR] = $1; q[FNR] = $2; n = FNR; next }
		{ m = FNR
		  if (p[FNR] == "N/A" || $1 == "N/A") {
		      if (p[FNR] != $1) { print "pts differ at " FNR ": " p[FNR] " vs " $1; bad = 1 }
		  } else {
		      d = p[FNR] - $1; if (d < 0) d = -d
		      if (d > 0.0000011) { print "pts differ at " FNR ": " p[FNR] " vs " $1; bad = 1 }
		  }
		  if (q[FNR] != $2) { print "pos differ at " FNR ": " q[FNR] " vs " $2; bad = 1 } }
		END { if (n != m) { print "count " n " vs " m; bad = 1 } exit bad }' expect actual
}

for f in h264_bframes.mp4 h264_frag.mp4 h264.mkv h264.ts hevc.ts mjpeg.avi \
	raw.h264 dahua.dav gap.ts; do
	test_expect_success "keyframes of $f equal ffprobe's K packets" "
		same_keyframes '$FIXTURES/$f'
	"
done

test_expect_success 'keyframe_count equals the listed keyframes' '
	for f in "$FIXTURES"/*.mp4 "$FIXTURES"/*.ts "$FIXTURES"/*.mkv; do
		vidx-probe --json --keyframes "$f" |
		jq -e "(.keyframes | length) == .keyframe_count" >/dev/null
	done
'

test_expect_success 'plain MP4 is read from its sample tables' '
	vidx-probe --json "$FIXTURES/h264_bframes.mp4" | jq -r .index_method >actual &&
	echo container-index >expect && test_cmp expect actual
'

test_expect_success 'MP4 with an edit list and B-frames: pts, not dts' '
	vidx-probe --json --keyframes "$FIXTURES/h264_bframes.mp4" |
		jq -c "[.keyframes[].pts_s]" >actual &&
	echo "[0,2,4,6]" >expect && test_cmp expect actual
'

test_expect_success 'a remuxed MP4 without edit list matches ffprobe too' '
	ffmpeg -v error -i "$FIXTURES/h264.ts" -c copy -use_editlist 0 noedit.mp4 &&
	same_keyframes noedit.mp4
'

test_expect_success 'keyframe table on stdout without --json' '
	vidx-probe --keyframes "$FIXTURES/h264_bframes.mp4" >out &&
	grep -E "^ +2\.000000 +[0-9]+ +[0-9]+$" out
'

test_done
