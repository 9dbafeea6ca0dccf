#!/bin/sh
# vidx-still against oracles we did not write: ffmpeg's framehash of the
# same frame (decoded by ffmpeg from the start of the file), ffprobe's
# packet list (which frame is on screen, its decode-order number), ffmpeg's
# own scale filter (the PNG's colour conversion, byte for byte), exiftool
# (the PNG's working-copy tags), sha256sum, ffmpeg's signalstats (sheets).
. "$(dirname "$0")/lib.sh"

START=2022-07-04T21:00:00Z
S0=1656968400 # START in Unix seconds
ALL="h264_bframes.mp4 h264_frag.mp4 h264.mkv h264.ts hevc.ts mjpeg.avi raw.h264 dahua.dav gap.ts"
DB=$TRASH/v.db

cam() {
	echo "$1" | tr . _
}

# cache FILE: a name for what is known of FILE (ffprobe and ffmpeg run
# once per file: the suites stay short)
cache() {
	echo "$TRASH/.cache.$(echo "$1" | tr / _)"
}

# pts FILE: the video packets' pts_time, in decode order (N/A for a raw
# stream; MPEG-TS's side-data rows and blank lines dropped)
pts() {
	c=$(cache "$1").pts
	[ -s "$c" ] || ffprobe -v error -select_streams v:0 -show_entries packet=pts_time \
		-of csv=p=0 "$1" | sed '/^$/d; s/,.*//' >"$c"
	cat "$c"
}

# first FILE: the stream time the recording starts at (its first frame)
first() {
	pts "$1" | grep -v N/A | sort -g | head -n 1 | grep . || echo 0
}

# fh FILE PTS_S: ffmpeg's framehash (SHA-256) of the frame presented at
# PTS_S, and its place in presentation order, from ffmpeg's own decode of
# the whole file
fh() {
	c=$(cache "$1").fh
	[ -s "$c" ] || ffmpeg -nostdin -v error -i "$1" -map 0:v:0 -copyts -enc_time_base -1 \
		-fps_mode passthrough -f framehash -hash sha256 - >"$c"
	awk -F', *' -v p="$2" '
		/^#tb 0:/ { split($0, a, ": "); split(a[2], tb, "/") }
		/^#/ { next }
		{ t = $3 * tb[1] / tb[2]; if (t - p < 5e-7 && p - t < 5e-7) { if (!done) print $6, n; done = 1 } n++ }' "$c"
}

# on_screen FILE T: the largest packet pts at or before stream time T
on_screen() {
	pts "$1" | awk -v t="$2" '$1 != "N/A" && $1 <= t + 5e-7 && (m == "" || $1 > m) { m = $1 } END { print m }'
}

# pktn FILE PTS_S: the decode-order number of the packet with that pts
pktn() {
	pts "$1" | awk -v p="$2" '$1 != "N/A" && $1 - p < 5e-7 && p - $1 < 5e-7 { print NR - 1; exit }'
}

# at OFFSET: the instant START + OFFSET seconds, as vidx reads it
at() {
	awk -v s=$S0 -v o="$1" 'BEGIN { printf "@%d.%06d\n", s + int(o), (o - int(o)) * 1e6 + 0.5 }'
}

test_expect_success 'set-up: a camera per fixture, each recording starting at START' '
	for f in $ALL; do
		vidx-camera -d $DB add $(cam $f) --lat 41.3 --lon -72.9 --name "Cam $f" --tz UTC
		vidx-ingest -d $DB -c $(cam $f) --start $START "$FIXTURES/$f" >/dev/null
	done &&
	vidx-case -d $DB new C1 --title "Stills" --by ann
'

test_expect_success 'usage errors exit 2 and write nothing' '
	test_expect_code 2 vidx-still -d $DB &&
	test_expect_code 2 vidx-still -d $DB --at $START --every 1s --from $START --to $START &&
	test_expect_code 2 vidx-still -d $DB --every 1s --from $START &&
	test_expect_code 2 vidx-still -d $DB --from $START --to $START &&
	test_expect_code 2 vidx-still -d $DB --at $START --pad 5s &&
	test_expect_code 2 vidx-still -d $DB --at $START --tile 33x20 &&
	test_expect_code 2 vidx-still -d $DB --at $START --by ann &&
	test_expect_code 2 vidx-still -d $DB --at "not a time" --out o &&
	test_expect_code 2 vidx-still -d $DB --at $START --case C1 --by ann --sheet a/b.png &&
	test_expect_code 2 vidx-still -d $DB --at $START --bogus &&
	test ! -e o
'

test_expect_success 'every container: the frame on screen, hashed exactly as ffmpeg framehash hashes it' '
	vidx-still -d $DB --at $(at 3.5) --json >s.json &&
	test "$(lines s.json)" = 9 &&
	jq -r "[.camera, .pts_s, .frame_hash, .frame, .sha256, .camera_time, .frame_time,
		.correction_ms] | @tsv" s.json >s.tsv &&
	for f in $ALL; do
		c=$(cam $f)
		read -r _ p hash frame sha ct ft corr <<-EOF
		$(grep "^$c	" s.tsv)
		EOF
		want=$(awk -v a=$(first "$FIXTURES/$f") "BEGIN { printf \"%.6f\", a + 3.5 }")
		# the frame on screen: the last one presented at or before the instant
		if [ $f != raw.h264 ]; then
			exp=$(on_screen "$FIXTURES/$f" $want)
			awk -v a=$p -v b=$exp "BEGIN { exit !(a - b < 5e-7 && b - a < 5e-7) }" ||
				{ echo "$f: pts $p, ffprobe says $exp"; false; }
		fi
		set -- $(fh "$FIXTURES/$f" $p)
		test "$hash" = "$1" || { echo "$f: frame_hash differs"; false; }
		# its decode-order number: its line in ffprobe packet list (a raw
		# stream has no pts there; it has no B-frames either)
		if [ $f = raw.h264 ]; then n=$2; else n=$(pktn "$FIXTURES/$f" $p); fi
		test "$frame" = "$n" || { echo "$f: frame $frame, want $n"; false; }
		test "$sha" = "$(sha256sum "$FIXTURES/$f" | cut -c1-64)"
		test "$ct" = "$ft"
		test "$corr" = 0
	done
'

test_expect_success 'decoded from the seek keyframe the index names, not from the start' '
	vidx-query -d $DB --json --from $(at 3.5) --to $(at 3.500001) >q.json &&
	for f in $ALL; do
		c=$(cam $f)
		test "$(jq -r "select(.camera == \"$c\") | .keyframe_pos" s.json)" = \
		     "$(jq -r "select(.camera == \"$c\") | .seek_pos" q.json)"
		jq -s -e "map(select(.camera == \"$c\"))[0] | .packets_decoded < 60 and .byte_start > 0" s.json >/dev/null
	done
'

test_expect_success 'frame boundaries: 1 us before a frame, at it, 1 us after (B-frames, three containers)' '
	for f in h264.ts h264_bframes.mp4 h264.mkv hevc.ts; do
		a=$(first "$FIXTURES/$f")
		# a B-frame and a P-frame near the middle of a GOP; the three
		# instants as a flip-book with a 1 us step
		for k in 2.52 2.64; do
			p=$(awk -v a=$a -v k=$k "BEGIN { printf \"%.6f\", a + k }")
			prev=$(awk -v a=$a -v k=$k "BEGIN { printf \"%.6f\", a + k - 0.04 }")
			vidx-still -d $DB -c $(cam $f) --every 0.000001s --from $(at $(awk -v k=$k "BEGIN { printf \"%.6f\", k - 0.000001 }")) \
				--to $(at $(awk -v k=$k "BEGIN { printf \"%.6f\", k + 0.000001 }")) --json >b.json
			test "$(lines b.json)" = 3
			for d in -0.000001 0 0.000001; do
				o=$(awk -v k=$k -v d=$d "BEGIN { printf \"%.6f\", k + d }")
				case $d in -*) l=1 ;; 0) l=2 ;; *) l=3 ;; esac
				set -- $(sed -n ${l}p b.json | jq -r "\"\(.pts_s) \(.frame_hash)\"")
				got=$1
				want=$(on_screen "$FIXTURES/$f" $(awk -v a=$a -v o=$o "BEGIN { printf \"%.6f\", a + o }"))
				if [ $d = -0.000001 ]; then w2=$prev; else w2=$p; fi
				awk -v a=$got -v b=$want -v c=$w2 "BEGIN { exit !(a - b < 5e-7 && b - a < 5e-7 && a - c < 5e-7 && c - a < 5e-7) }" ||
					{ echo "$f at +$o: pts $got, want $want ($w2)"; false; }
				test "$2" = "$(fh "$FIXTURES/$f" $got | cut -d" " -f1)"
			done
		done
	done
'

test_expect_success 'across a gap: no frame, no still, said so; the frames on either side' '
	test_expect_code 1 vidx-still -d $DB -c gap_ts --at $(at 6) --out gapdir 2>err &&
	grep "gap_ts: no footage at 2022-07-04T21:00:06.000Z" err &&
	grep "no footage at that instant" err &&
	test ! -e gapdir/*.png &&
	vidx-still -d $DB -c gap_ts --at $(at 3.999) --json >g1.json &&
	test "$(jq -r .pts_s g1.json)" = 5.36 &&
	vidx-still -d $DB -c gap_ts --at $(at 9) --json >g2.json &&
	test "$(jq -r .pts_s g2.json)" = 10.4 &&
	test "$(jq -r .frame g2.json)" = 100
'

test_expect_success 'a clock-corrected camera: true time in, the frame its own clock stamped' '
	# the camera showed 21:03:10 when the true time was 21:00:00 (190 s fast)
	vidx-camera -d $DB add fast --lat 41.3 --lon -72.9 --tz UTC &&
	ffmpeg -nostdin -v error -i "$FIXTURES/h264.ts" -c copy -metadata title=fast fast.ts &&
	vidx-ingest -d $DB -c fast --start 2022-07-04T21:03:10Z fast.ts >/dev/null &&
	vidx-camera -d $DB clock fast --camera-time 2022-07-04T21:03:10Z \
		--true-time 2022-07-04T21:00:00Z --by ann &&
	vidx-still -d $DB -c fast --at $(at 2.52) --json >f.json &&
	test "$(jq -r .correction_ms f.json)" = 190000 &&
	test "$(jq -r .frame_time f.json)" = 2022-07-04T21:00:02.520Z &&
	test "$(jq -r .camera_time f.json)" = 2022-07-04T21:03:12.520Z &&
	test "$(jq -r .pts_s f.json)" = 4 &&
	test "$(jq -r .frame_hash f.json)" = "$(fh fast.ts 4 | cut -d" " -f1)" &&
	# at its own clock time the answer is 190 s of true time later: none
	test_expect_code 1 vidx-still -d $DB -c fast --at 2022-07-04T21:03:12.52Z 2>err &&
	grep "no footage" err
'

test_expect_success 'a mobile camera (a phone video with its place): found near the scene, its frame' '
	ffmpeg -nostdin -v error -i "$FIXTURES/h264_bframes.mp4" -c copy -map 0 -movflags use_metadata_tags \
		-metadata com.apple.quicktime.location.ISO6709=+41.306130-072.925610/ \
		-metadata com.apple.quicktime.creationdate=2022-07-04T17:00:00-0400 ph.mov &&
	vidx-camera -d $DB add phone --mobile &&
	vidx-ingest -d $DB -c phone ph.mov >/dev/null &&
	# 0.00045 degrees of latitude north of the point asked for: 50 m
	vidx-still -d $DB --near 41.30568,-72.92561 --radius 100 --at $(at 3.5) --json >m.json &&
	test "$(jq -r .camera m.json)" = phone &&
	test "$(jq -r .distance_m m.json)" = 50 &&
	set -- $(fh ph.mov $(jq -r .pts_s m.json)) &&
	test "$(jq -r .frame_hash m.json)" = "$1" &&
	test "$(jq -r .sha256 m.json)" = "$(sha256sum ph.mov | cut -c1-64)"
'

test_expect_success 'PNG: lossless but for the colour conversion, which ffmpeg repeats byte for byte' '
	vidx-still -d $DB -c h264_ts -c mjpeg_avi --at $(at 2.52) --out png --json >p.json &&
	for c in h264_ts mjpeg_avi; do
		png=$(jq -r "select(.camera == \"$c\") | .png" p.json)
		test -f "$png"
		test "$(jq -r "select(.camera == \"$c\") | .png_sha256" p.json)" = "$(sha256sum "$png" | cut -c1-64)"
		# the CRC of every chunk checks out (the text chunks are ours)
		ffmpeg -nostdin -v error -err_detect crccheck+explode -i "$png" -f null - 2>e && test ! -s e
		f=$(jq -r "select(.camera == \"$c\") | .path" p.json)
		p=$(jq -r "select(.camera == \"$c\") | .pts_s" p.json)
		n=$(fh "$f" $p | cut -d" " -f2)
		case $c in mjpeg_avi) range=pc ;; *) range=tv ;; esac
		jq -r "select(.camera == \"$c\") | .conversion" p.json | grep "BT.601 matrix"
		ffmpeg -nostdin -v error -i "$png" -f rawvideo -pix_fmt rgb24 - | sha256sum >got
		ffmpeg -nostdin -v error -i "$f" -vf "select=eq(n\,$n),scale=sws_flags=bicubic+accurate_rnd+full_chroma_int+bitexact:in_color_matrix=bt601:in_range=$range:out_range=pc,format=rgb24" \
			-frames:v 1 -f rawvideo - | sha256sum >want
		test_cmp want got
	done
'

test_expect_success 'PNG: named after camera and true frame time; tagged as a working copy (exiftool)' '
	command -v exiftool >/dev/null || { echo "exiftool missing: skipped"; exit 0; }
	png=$(jq -r "select(.camera == \"h264_ts\") | .png" p.json) &&
	test "$png" = png/h264_ts_20220704T210002.520Z_still.png &&
	exiftool -j "$png" >x.json &&
	jq -r ".[0].Title" x.json | grep "working copy" &&
	jq -r ".[0].PNGWarning" x.json | grep "not evidence" &&
	test "$(jq -r ".[0].Vidxframe_hash // .[0].VidxframeHash // empty" x.json)" = \
	     "$(jq -r "select(.camera == \"h264_ts\") | .frame_hash" p.json)" &&
	jq -r ".[0].Source" x.json | grep "$(sha256sum "$FIXTURES/h264.ts" | cut -c1-64)"
'

test_expect_success 'a still that exists is not overwritten: the next free name' '
	vidx-still -d $DB -c h264_ts --at $(at 2.52) --out png --json >p2.json &&
	test "$(jq -r .png p2.json)" = png/h264_ts_20220704T210002.520Z_still-2.png &&
	cmp png/h264_ts_20220704T210002.520Z_still.png png/h264_ts_20220704T210002.520Z_still-2.png
'

test_expect_success 'contact sheet: nearest first, labelled tiles, "no footage" for a camera without' '
	vidx-camera -d $DB add near --lat 41.3001 --lon -72.9 --name "Near" &&
	cp "$FIXTURES/h264.ts" near.ts && printf x >>near.ts &&
	vidx-ingest -d $DB -c near --start $START near.ts >/dev/null &&
	vidx-camera -d $DB add far --lat 41.31 --lon -72.9 --name "Far, no footage" &&
	vidx-still -d $DB --near 41.3001,-72.9 --radius 2km --at $(at 3.5) --sheet sheet.png --json >sh.json 2>err &&
	grep "far: no footage" err &&
	jq -c "select(.sheet)" sh.json >sheet.json &&
	test "$(jq -r .sheet sheet.json)" = sheet.png &&
	test "$(jq -r .sha256 sheet.json)" = "$(sha256sum sheet.png | cut -c1-64)" &&
	test "$(jq -r ".tiles[0].camera" sheet.json)" = near &&
	test "$(jq -r ".tiles[-1].camera" sheet.json)" = far &&
	test "$(jq -r ".tiles[-1].found" sheet.json)" = false &&
	test "$(jq ".tiles | length" sheet.json)" = 12 &&
	ffprobe -v error -show_entries stream=width,height -of csv=p=0 sheet.png >wh &&
	test "$(cat wh)" = "$(jq -r "\"\(.width),\(.height)\"" sheet.json)" &&
	# each picture box is bright where there is footage, black where none
	jq -r ".tiles[] | \"\(.camera) \(.found) \(.video.w):\(.video.h):\(.video.x):\(.video.y)\"" sheet.json |
	while read c found box; do
		y=$(ffprobe -v error -f lavfi -i "movie=sheet.png,crop=$box,signalstats" \
			-show_entries frame_tags=lavfi.signalstats.YAVG -of csv=p=0)
		if [ $found = true ]; then
			awk -v y=$y "BEGIN { exit !(y > 60) }" || { echo "$c: dark ($y)"; false; }
		else
			awk -v y=$y "BEGIN { exit !(y < 30) }" || { echo "$c: not black ($y)"; false; }
		fi
	done
'

test_expect_success 'contact sheet: the filter graph is recorded and ffmpeg runs it' '
	jq -r .filter_graph sheet.json | grep "xstack=inputs=12" &&
	jq -r .filter_graph sheet.json | grep "drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf" &&
	command -v exiftool >/dev/null || { echo "exiftool missing: rest skipped"; exit 0; }
	exiftool -j sheet.png | jq -r ".[0].Title" | grep "contact sheet at 2022-07-04T21:00:03.500Z (working copy)"
'

# band N L1 L2 L3: the label band of tile N of sheet.png as ffmpeg draws
# those three lines (drawtext, the same font, size and places), and the
# band as vidx-still drew it, compared pixel by pixel by ImageMagick
band() {
	n=$1 F=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf
	printf %s "$2" >l1.txt && printf %s "$3" >l2.txt && printf %s "$4" >l3.txt &&
	set -- $(jq -r ".tiles[$n] | \"\(.x) \(.y) \(.w) \(.h) \(.video.h)\"" sheet.json) &&
	b=$(($4 - $5)) &&
	d="drawtext=fontfile=$F:fontsize=10:fontcolor=white:x=6" &&
	ffmpeg -nostdin -v error -y -f lavfi -i "color=c=black:s=${3}x$4:d=1,format=rgb24,$d:y=$(($5 + 4)):textfile=l1.txt,$d:y=$(($5 + 18)):textfile=l2.txt,$d:y=$(($5 + 32)):textfile=l3.txt,crop=$3:$b:0:$5" \
		-frames:v 1 want.png &&
	ffmpeg -nostdin -v error -y -i sheet.png -vf "crop=$3:$b:$1:$(($2 + $5))" got.png &&
	ae=$(compare -metric AE want.png got.png null: 2>&1) || true
	test "$ae" = 0 || { echo "tile $n: $ae pixels differ"; false; }
}

test_expect_success 'contact sheet: the labels say camera, distance, true time, camera clock (ffmpeg drawtext, ImageMagick compare)' '
	command -v compare >/dev/null || { echo "ImageMagick compare missing: skipped"; exit 0; }
	jq -c "select(.camera == \"near\")" sh.json >near.json &&
	jq -c "select(.camera == \"far\")" sh.json >far.json &&
	band 0 "near  $(jq -r ".distance_m | floor" near.json) m  Near" \
		"true   $(jq -r .frame_time near.json)" "camera $(jq -r .camera_time near.json)" &&
	band -1 "far  $(jq -r ".distance_m + 0.5 | floor" far.json) m  Far, no footage" \
		"no footage at $(jq -r .at far.json)" "" &&
	# and the oracle tells a label that differs by a digit
	! band 0 "near  1 m  Near" "true   $(jq -r .frame_time near.json)" \
		"camera $(jq -r .camera_time near.json)"
'

test_expect_success 'flip-book: --every gives stills and a sheet per step' '
	vidx-still -d $DB -c h264_ts -c gap_ts --every 2s --from $(at 1) --to $(at 7) \
		--out flip --sheet flip/book.png --json >fb.json 2>err &&
	test "$(jq -r "select(.sheet) | .sheet" fb.json | wc -l)" = 4 &&
	ls flip/book_20220704T210001.000Z.png flip/book_20220704T210007.000Z.png &&
	test "$(jq -r "select(.png != null and .camera == \"h264_ts\") | .png" fb.json | wc -l)" = 4 &&
	# gap.ts has a hole from +4 to +9 s: the steps at 5 and 7 have no footage
	test "$(grep -c "gap_ts: no footage" err)" = 2
'

test_expect_success 'in a case: stills in the folder, a manifest, a custody event' '
	vidx-pull -d $DB --case C1 --out case --by ann -c h264_ts --from $(at 2) --to $(at 4) >/dev/null &&
	vidx-still -d $DB --case C1 --by ann -c h264_ts -c far -c mjpeg_avi --at $(at 3.5) \
		--sheet at.png --json >cs.json &&
	ls case/stills/h264_ts_20220704T210003.480Z_still.png case/stills/at.png &&
	m=$(ls case/stills/stills_*.json) &&
	test "$(jq -r .working_copy $m)" = true &&
	test "$(jq -r .case $m)" = C1 &&
	test "$(jq ".stills | length" $m)" = 2 &&
	test "$(jq -r ".no_footage[0].camera" $m)" = far &&
	jq -e ".stills[] | select(.camera == \"h264_ts\") | .byte_start > 0 and .byte_end > .byte_start and .conversion != null and .frame_hash != null" $m &&
	(cd case && jq -r ".stills[] | \"\(.png_sha256)  \(.png)\"" stills/stills_*.json | sha256sum -c) &&
	(cd case && jq -r ".sheets[] | \"\(.sha256)  \(.path)\"" stills/stills_*.json | sha256sum -c) &&
	vidx-case -d $DB log --json C1 | jq -c "select(.kind == \"still\") | .detail" >d.json &&
	test "$(jq -r .manifest_sha256 d.json)" = "$(sha256sum $m | cut -c1-64)" &&
	test "$(jq ".files | length" d.json)" = 3 &&
	vidx-case -d $DB log C1 >/dev/null &&
	# the folder itself still verifies: the stills are beside the pull
	vidx-verify -d $DB --by ann case >/dev/null
'

test_expect_success 'bad input: a time outside all footage: exit 1, said so, nothing written' '
	test_expect_code 1 vidx-still -d $DB --at 2030-01-01T00:00:00Z --out none --sheet none.png 2>err &&
	grep "no footage at that instant" err &&
	test -z "$(ls none 2>/dev/null)" &&
	grep "no sheet" err &&
	test ! -e none.png
'

test_expect_success 'bad input: a damaged recording (changed since ingest): named, exit 1, no still' '
	ffmpeg -nostdin -v error -i "$FIXTURES/h264.ts" -c copy -metadata title=dmg dmg.ts &&
	vidx-camera -d $DB add dmg --lat 41.3 --lon -72.9 &&
	vidx-ingest -d $DB -c dmg --start $START dmg.ts >/dev/null &&
	sz=$(stat -c %s dmg.ts) &&
	# bytes in the middle of the GOP after the keyframe at +3 s zeroed
	pos=$(vidx-still -d $DB -c dmg --at $(at 3.5) --json | jq .keyframe_pos) &&
	dd if=/dev/zero of=dmg.ts bs=1 seek=$((pos + 3000)) count=4000 conv=notrunc 2>/dev/null &&
	test_expect_code 1 vidx-still -d $DB -c dmg --at $(at 3.9) --out dmgdir 2>err &&
	grep "dmg: .*dmg.ts" err &&
	test -z "$(ls dmgdir 2>/dev/null)" &&
	# cut short: the size tells
	head -c $((sz / 2)) dmg.ts >short && cat short >dmg.ts &&
	test_expect_code 1 vidx-still -d $DB -c dmg --at $(at 1) 2>err &&
	grep "changed since it was indexed" err
'

# A frame whose damage only the decoder's messages tell (no packet refused,
# no frame flagged): on decoder threads those are logged on the threads'
# own contexts, and must count there as on one thread.  The oracle is
# ffmpeg's own decoder: its first error on that file is vidx's reason.
test_expect_success 'bad input: damage only the decoder tells: refused on its threads as on one (ffmpeg says the same)' '
	ffmpeg -nostdin -v error -i "$FIXTURES/h264.ts" -c copy -metadata title=dmg2 dmg2.ts &&
	vidx-camera -d $DB add dmg2 --lat 41.3 --lon -72.9 &&
	vidx-ingest -d $DB -c dmg2 --start $START dmg2.ts >/dev/null &&
	pos=$(vidx-still -d $DB -c dmg2 --at $(at 3.5) --json | jq .keyframe_pos) &&
	# one TS packet of the slice data of the keyframe zeroed
	dd if=/dev/zero of=dmg2.ts bs=1 seek=$((pos + 1000)) count=188 conv=notrunc 2>/dev/null &&
	ffmpeg -nostdin -v error -threads 1 -i dmg2.ts -map 0:v -f null - 2>fferr &&
	why=$(sed -n "1s/^\[h264 @ [^]]*\] //p" fferr) &&
	test -n "$why" &&
	# one decoder thread (one CPU) and as many as there are CPUs
	test_expect_code 1 taskset -c 0 vidx-still -d $DB -c dmg2 --at $(at 3.5) --out dmg2a 2>err1 &&
	test_expect_code 1 vidx-still -d $DB -c dmg2 --at $(at 3.5) --out dmg2b 2>errn &&
	grep -F "dmg2: " err1 && grep -F "dmg2.ts" err1 &&
	grep -F "is damaged at that instant: $why" err1 &&
	test_cmp err1 errn &&
	test -z "$(find dmg2a dmg2b -type f 2>/dev/null)" &&
	{ [ "$(nproc)" -gt 1 ] || echo "one CPU: the decoder threads were not exercised"; } &&
	# the GOP before is whole, and still given (its last frames are not:
	# the decoder reads the damaged keyframe to put them in order)
	vidx-still -d $DB -c dmg2 --at $(at 2.5) --json >ok.json &&
	test "$(jq -r .frame_hash ok.json)" != null
'

test_expect_success 'bad input: unwritable output, an existing sheet: exit 1, nothing replaced' '
	echo file >afile &&
	test_expect_code 1 vidx-still -d $DB -c h264_ts --at $(at 1) --out afile/sub 2>err &&
	grep "afile/sub" err &&
	echo mine >taken.png &&
	test_expect_code 1 vidx-still -d $DB -c h264_ts --at $(at 1) --sheet taken.png 2>err &&
	grep "exists: not overwritten" err &&
	test "$(cat taken.png)" = mine
'

test_expect_success 'a full disk: exit 1, named, no file half-written under a final name' '
	# a file size limit (50 KB, room for the index'"'"'s 32 KB -shm; dash
	# counts 512-byte blocks), SIGXFSZ ignored: writes fail with EFBIG
	( trap "" XFSZ; ulimit -f 100; exec vidx-still -d $DB -c h264_ts -c mjpeg_avi --at $(at 1) \
		--out full --sheet full/sheet.png ) >out 2>err || echo $? >rc &&
	test "$(cat rc)" = 1 &&
	grep -i "too large" err &&
	test -z "$(find full -name "*.partial-*")" &&
	for f in $(find full -name "*.png"); do
		ffmpeg -nostdin -v error -i $f -f null - 2>e && test ! -s e
	done
'

# a real full disk: a small tmpfs, mounted in a user namespace
if unshare -rm sh -c "mount -t tmpfs -o size=64k none \"$TRASH\"" 2>/dev/null; then
test_expect_success 'a full tmpfs: exit 1, "No space left", no file half-written' '
	a=$(at 1) &&
	cat >inner.sh <<EOF &&
mkdir -p small && mount -t tmpfs -o size=120k none small || exit 3
vidx-still -d $DB -c h264_ts -c h264_bframes_mp4 -c mjpeg_avi --at $a --out small/st \
	--sheet small/sheet.png >small.out 2>small.err
echo \$? >small.rc
cp -r small small.copy
EOF
	unshare -rm sh inner.sh &&
	cat small.err &&
	test "$(cat small.rc)" = 1 &&
	grep "No space left on device" small.err &&
	test -z "$(find small.copy -name "*.partial-*")" &&
	for f in $(find small.copy -name "*.png"); do
		ffmpeg -nostdin -v error -i $f -f null - 2>e && test ! -s e
	done
'
else
	test_count=$((test_count + 1))
	echo "ok $test_count # skip a full tmpfs (no user namespaces here)"
fi

test_expect_success 'sources are opened read-only' '
	command -v strace >/dev/null || { echo "strace missing: skipped"; exit 0; }
	ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=open,openat -o trace vidx-still -d $DB \
		--at $(at 3.5) --out ro >/dev/null 2>&1 || :
	grep "$FIXTURES" trace >opens &&
	test -s opens &&
	! grep -E "O_WRONLY|O_RDWR|O_CREAT|O_TRUNC" opens
'

# made here: H.264 in AVI (a dts and no pts on every packet); x264 open
# GOP in MP4, plain and fragmented (keyframes that are not IDRs, with
# leading B-frames that refer to the GOP before)
GEN="ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=160x120:rate=25 -t 4"
OG="-c:v libx264 -preset veryfast -bf 3 -x264-params open-gop=1:keyint=25:min-keyint=25"
MADE="avi264.avi og264.mp4 og264frag.mp4 bf264.h264 bf265.265 og265.265 cg265.265"
gen() {
	case $1 in
	avi264.avi) $GEN -c:v libx264 -preset ultrafast -g 25 $1 ;;
	# raw streams with B-frames: no times at all, frames decoded out of
	# the order they are shown in
	bf264.h264) $GEN -c:v libx264 -preset veryfast -bf 2 -g 25 $1 ;;
	bf265.265) $GEN -c:v libx265 -x265-params log-level=error:bframes=3:scenecut=0 $1 ;;
	# raw HEVC whose keyframes are followed by leading pictures, shown
	# before them (open GOP: CRA and RASL), or by none (IDR_N_LP)
	og265.265) $GEN -c:v libx265 -x265-params log-level=error:keyint=25:bframes=3 $1 ;;
	cg265.265) $GEN -c:v libx265 -x265-params log-level=error:keyint=25:open-gop=0 $1 ;;
	og264.mp4) $GEN $OG $1 ;;
	og264frag.mp4) $GEN $OG -movflags frag_keyframe+empty_moov $1 ;;
	esac
}

# fh0 FILE T: ffmpeg framehash (SHA-256) of the frame on screen T seconds
# after the first frame: the last one presented at or before it, from a
# decode of the whole file (its times from 0)
fh0() {
	ffmpeg -nostdin -v error -i "$1" -map 0:v:0 -f framehash -hash sha256 - |
		awk -F', *' -v t="$2" '
		/^#tb 0:/ { split($0, a, ": "); split(a[2], tb, "/") }
		/^#/ { next }
		{ p = $3 * tb[1] / tb[2]; if (p <= t + 5e-7 && (m == "" || p > m)) { m = p; h = $6 } }
		END { print h }'
}

test_expect_success 'made at test time: the frame on screen is ffmpeg framehash of it' '
	for f in $MADE; do
		gen $f &&
		c=$(cam $f) &&
		vidx-camera -d $DB add $c --lat 41.3 --lon -72.9 --tz UTC &&
		vidx-ingest -d $DB -c $c --start $START $f >/dev/null &&
		for t in 0.5 1.7 2.04 3.96; do
			vidx-still -d $DB -c $c --at $(at $t) --json >g.json ||
				{ echo "$f at $t:"; cat g.json; exit 1; }
			test "$(jq -r .frame_hash g.json)" = "$(fh0 $f $t)" ||
				{ echo "$f at $t: not the frame ffmpeg shows"; exit 1; }
			case $f in *.h264 | *.265)
				# its decode-order number: the packet (ffprobe, in
				# decode order) at the byte the frame shown came from
				k=$(awk -v t=$t "BEGIN { print int(t * 25 + 1e-6) + 1 }")
				pos=$(ffprobe -v error -show_entries frame=pkt_pos -of csv=p=0 $f | grep . | sed -n ${k}p)
				n=$(ffprobe -v error -show_entries packet=pos -of csv=p=0 $f | grep -n -x "$pos" | cut -d: -f1)
				test "$(jq -r .frame g.json)" = $((n - 1)) ||
					{ echo "$f at $t: frame $(jq -r .frame g.json), want $((n - 1))"; exit 1; }
				awk -v a=$(jq -r .pts_s g.json) -v k=$k "BEGIN { exit !(a - (k - 1) / 25 < 5e-7 && (k - 1) / 25 - a < 5e-7) }"
			esac
		done
	done
'

test_expect_success 'the man page SYNOPSIS is the usage' '
	man=$VIDX_SRC/man/vidx-still.1 &&
	bs=$(printf "\b") &&
	mandoc -Tascii "$man" | sed "s/.$bs//g" | sed -n "/^SYNOPSIS/,/^DESCRIPTION/p" |
		sed "1d;\$d" >syn.txt &&
	vidx-still --help | sed -n "1,/^\$/p" | sed "s/^usage://" >use.txt &&
	for f in syn.txt use.txt; do
		{ tr "\t\n" "  " <$f | tr -s " " && echo; } | sed "/^\$/d; s/^ *//; s/ *\$//" >$f.forms ||
			exit 1
	done &&
	test_cmp use.txt.forms syn.txt.forms
'

test_done
