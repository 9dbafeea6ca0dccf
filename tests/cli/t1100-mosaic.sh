#!/bin/sh
# vidx-mosaic (and vidx-still's sheets) on a synchronisation scene: five
# cameras in five containers film one flash at one true instant while their
# clocks are off by different amounts (one drifting), recorded as clock
# observations.  Oracles: ffmpeg's decoder and signalstats (which output
# frame of which tile is bright), ffprobe (streams, frames, tags),
# sha256sum, ffmpeg running the recorded filter graph, script(1) for a tty.
. "$(dirname "$0")/lib.sh"

E=1656969913 # the flash: 2022-07-04T21:25:13Z, true time
DB=$TRASH/v.db

# t SECONDS: the instant E + SECONDS as vidx reads it
t() {
	awk -v e=$E -v s="$1" 'BEGIN { v = e + s; i = int(v); if (v < i) i--;
		printf "@%d.%06d\n", i, (v - i) * 1e6 + 0.5 }'
}

# flash FILE N ENC...: 8 s of grey at 25 fps, 160x120, frames N..N+2 white
flash() {
	f=$1 n=$2
	shift 2
	ffmpeg -nostdin -v error -f lavfi \
		-i "color=c=0x303030:s=160x120:r=25:d=8,drawbox=c=white:t=fill:enable='between(n,$n,$n+2)'" \
		"$@" "$f"
}

# yavg FILE BOX: the mean luma of BOX (w:h:x:y) in each frame, one a line
yavg() {
	ffprobe -v error -f lavfi -i "movie=$1,crop=$2,signalstats" \
		-show_entries frame_tags=lavfi.signalstats.YAVG -of csv=p=0
}

# cameras: id, container, clock offset (camera - true, s) at the flash,
# the flash frame's distance after E in true time, its stream time
#   a  mp4   +190      0      2.20
#   b  ts    -47.3     0.013  3.20
#   c  mkv   +0.517    0.027  4.76
#   d  ts    +3.5      0.031  5.60  (HEVC; drifting: +3 s an hour before, +4 s an hour after)
#   e  avi    0        0.039  2.60  (MJPEG; no observation)
#   f  -      -        -      -     (no footage)
test_expect_success 'set-up: five cameras film one flash, their clocks off' '
	flash a.mp4 55 -c:v libx264 -bf 2 -g 25 -pix_fmt yuv420p &&
	flash b.ts 80 -c:v libx264 -g 25 -pix_fmt yuv420p -f mpegts &&
	flash c.mkv 119 -c:v libx264 -g 50 -pix_fmt yuv420p &&
	flash d.ts 140 -c:v libx265 -x265-params log-level=error:keyint=25 -pix_fmt yuv420p -f mpegts &&
	flash e.avi 65 -c:v mjpeg -q:v 5 -pix_fmt yuvj420p &&
	i=0 &&
	for c in a b c d e f; do
		vidx-camera -d $DB add $c --lat 41.3057 --lon -72.9$((2560 + i)) --name "Cam $c" --tz UTC
		i=$((i + 1))
	done &&
	vidx-camera -d $DB clock a --camera-time $(t 90) --true-time $(t -100) --by t &&
	vidx-camera -d $DB clock b --camera-time $(t -147.3) --true-time $(t -100) --by t &&
	vidx-camera -d $DB clock c --camera-time $(t -99.483) --true-time $(t -100) --by t &&
	vidx-camera -d $DB clock d --camera-time $(t -3597) --true-time $(t -3600) --by t &&
	vidx-camera -d $DB clock d --camera-time $(t 3604) --true-time $(t 3600) --by t &&
	# each recording starts (camera clock) where its flash lands at E + delta
	vidx-ingest -d $DB -c a --start $(t 187.8) a.mp4 >/dev/null &&
	vidx-ingest -d $DB -c b --start $(t -50.487) b.ts >/dev/null &&
	vidx-ingest -d $DB -c c --start $(t -4.216) c.mkv >/dev/null &&
	vidx-ingest -d $DB -c d --start $(t -2.069) d.ts >/dev/null &&
	vidx-ingest -d $DB -c e --start $(t -2.561) e.avi >/dev/null &&
	vidx-case -d $DB new K --title "Sync" --by t
'

test_expect_success 'usage errors exit 2 and write nothing' '
	test_expect_code 2 vidx-mosaic -d $DB --from $(t -2) --to $(t 2) &&
	test_expect_code 2 vidx-mosaic -d $DB -o x.mp4 &&
	test_expect_code 2 vidx-mosaic -d $DB -o x.mp4 --from $(t -2) --to $(t 2) --fps 0 &&
	test_expect_code 2 vidx-mosaic -d $DB -o x.mp4 --from $(t -2) --to $(t 2) --fps 25/0 &&
	test_expect_code 2 vidx-mosaic -d $DB -o x.mp4 --from $(t -2) --to $(t 2) --tile 161x120 &&
	test_expect_code 2 vidx-mosaic -d $DB -o x.mp4 --from $(t -2) --to $(t 2) --by t &&
	test_expect_code 2 vidx-mosaic -d $DB -o x.mp4 --from $(t 2) --to $(t -2) &&
	test ! -e x.mp4
'

test_expect_success 'the mosaic: one H.264 MP4, as --json says (ffprobe, sha256sum)' '
	vidx-mosaic -d $DB -o m.mp4 --from $(t -2) --to $(t 2) --tile 160x120 --json >m.json 2>err &&
	test ! -s err &&
	test "$(jq -r .path m.json)" = "$TRASH/m.mp4" &&
	test "$(jq -r .sha256 m.json)" = "$(sha256sum m.mp4 | cut -c1-64)" &&
	test "$(jq -r .size m.json)" = "$(stat -c %s m.mp4)" &&
	test "$(jq -r .frames m.json)" = 100 &&
	test "$(jq -r .fps m.json)" = 25 &&
	ffprobe -v error -count_frames -show_entries stream=codec_name,pix_fmt,width,height,r_frame_rate,nb_read_frames \
		-of csv=p=0 m.mp4 >s.txt &&
	test "$(cat s.txt)" = "h264,$(jq -r .width m.json),$(jq -r .height m.json),yuv420p,25/1,100" &&
	test "$(jq ".tiles | length" m.json)" = 6 &&
	test "$(jq -r "[.tiles[].camera] | join(\" \")" m.json)" = "a b c d e f"
'

test_expect_success '--fps with a camera selector: the mosaic at that rate (ffprobe)' '
	vidx-mosaic -d $DB -o f10.mp4 -c a -c b --from $(t -2) --to $(t 2) --tile 160x120 --fps 10 --json >f10.json &&
	test "$(jq -r .frames f10.json)" = 40 &&
	test "$(jq -r .fps f10.json)" = 10 &&
	ffprobe -v error -count_frames -show_entries stream=r_frame_rate,nb_read_frames -of csv=p=0 f10.mp4 >s.txt &&
	test "$(cat s.txt)" = "10/1,40" &&
	vidx-mosaic -d $DB -o f12.mp4 -c a --from $(t -2) --to $(t 2) --tile 160x120 --fps=25/2 --json >f12.json &&
	test "$(jq -r .frames f12.json)" = 50
'

test_expect_success 'synchronised: the flash is in the same output frame (+-1) in every tile' '
	jq -r ".tiles[] | select(.found) | \"\(.camera) \(.video.w):\(.video.h):\(.video.x):\(.video.y)\"" m.json >boxes &&
	test "$(lines boxes)" = 5 &&
	while read c box; do
		yavg m.mp4 $box >y.$c
		test "$(lines y.$c)" = 100
		# the first output frame at or after the flash frame true time
		first=$(awk "\$1 > 150 { print NR - 1; exit }" y.$c)
		case $c in a) want=50 ;; *) want=51 ;; esac
		test "$first" = $want || { echo "$c: flash in frame $first, want $want"; false; }
		echo $first >>firsts
		# dark before, dark again after its three frames
		awk -v f=$first "NR - 1 < f && \$1 > 100 { exit 1 } NR - 1 > f + 3 && \$1 > 100 { exit 1 }" y.$c
	done <boxes &&
	test $(($(sort -n firsts | tail -n 1) - $(sort -n firsts | head -n 1))) -le 1
'

# iso S: the instant E + S seconds, as vidx prints it (ms, UTC)
iso() {
	awk -v e=$E -v s="$1" 'BEGIN { v = e + s; i = int(v); if (v < i) i--;
		printf "%s.%03dZ\n", strftime("%Y-%m-%dT%H:%M:%S", i, 1), (v - i) * 1000 + 0.5 }'
}

# psnr K L1 L2 L3: how close the label band of tile e in frame K of
# l.mp4 is to ffmpeg drawtext drawing those lines (ImageMagick, dB)
psnr() {
	F=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf
	printf %s "$2" >l1.txt && printf %s "$3" >l2.txt && printf %s "$4" >l3.txt &&
	set -- "$1" $(jq -r ".tiles[] | select(.camera == \"e\") | \"\(.x) \(.y) \(.w) \(.h) \(.video.h)\"" l.json) &&
	b=$(($5 - $6)) fs=$(($4 / 32)) && [ $fs -ge 10 ] || fs=10
	d="drawtext=fontfile=$F:fontsize=$fs:fontcolor=white:x=6" st=$((fs + fs / 3 + 1)) &&
	ffmpeg -nostdin -v error -y -f lavfi -i "color=c=black:s=${4}x$5:d=1,format=rgb24,$d:y=$(($6 + 4)):textfile=l1.txt,$d:y=$(($6 + 4 + st)):textfile=l2.txt,$d:y=$(($6 + 4 + 2 * st)):textfile=l3.txt,crop=$4:$b:0:$6" \
		-frames:v 1 want.png &&
	ffmpeg -nostdin -v error -y -i l.mp4 -vf "select=eq(n\\,$1),crop=$4:$b:$2:$(($3 + $6))" -frames:v 1 got.png &&
	compare -metric PSNR want.png got.png null: 2>&1 | cut -d" " -f1 || true
}

# Camera e (no clock observation, 25 fps from E - 2.561) shows at output
# instant E - 2 + k/25 its frame of true time E - 2.561 + floor((k/25 +
# 0.561) * 25) / 25; the labels are lossy in H.264, so the right lines must
# be much closer to the picture than lines a digit off.
test_expect_success 'labels burned in: camera, the frame true time, the camera clock (ffmpeg drawtext, ImageMagick)' '
	command -v compare >/dev/null || { echo "ImageMagick compare missing: skipped"; exit 0; }
	vidx-mosaic -d $DB -o l.mp4 -c e -c a --from $(t -2) --to $(t -1.8) --tile 320x240 --json >l.json &&
	for k in 0 3; do
		ft=$(awk -v k=$k "BEGIN { printf \"%.3f\", -2.561 + int((k / 25 + 0.561) * 25 + 1e-6) / 25 }")
		off=$(awk -v f=$ft "BEGIN { printf \"%.3f\", f + 0.04 }")
		# its own clock in its zone (UTC, no correction)
		good=$(psnr $k "e  Cam e" "true   $(iso $ft)" "camera $(iso $ft | sed s/Z\$/+00:00/)")
		bad=$(psnr $k "e  Cam e" "true   $(iso $off)" "camera $(iso $off | sed s/Z\$/+00:00/)")
		echo "frame $k: $(iso $ft) $good dB, a frame off $bad dB"
		awk -v g=$good -v b=$bad "BEGIN { exit !(g >= 30 && g >= b + 3) }"
	done
'

test_expect_success 'a camera without footage: a black "no footage" tile all along' '
	box=$(jq -r ".tiles[] | select(.camera == \"f\") | \"\(.video.w):\(.video.h):\(.video.x):\(.video.y)\"" m.json) &&
	test "$(jq -r ".tiles[] | select(.camera == \"f\") | .found" m.json)" = false &&
	yavg m.mp4 $box | awk "\$1 > 40 { exit 1 }" &&
	# and black (not grey) once an MJPEG camera (full-range YUV) has none:
	# e records until E + 5.439
	# (the same as the tile of f, which never had any)
	vidx-mosaic -d $DB -o e.mp4 -c e -c f --from $(t 4) --to $(t 7) --tile 64x48 --json >e.json &&
	for c in e f; do
		box=$(jq -r ".tiles[] | select(.camera == \"$c\") | .video | \"\(.w):\(.h):\(.x):\(.y)\"" e.json)
		yavg e.mp4 $box >y$c
	done &&
	test "$(lines ye)" = 75 &&
	paste -d" " ye yf | awk "NR <= 30 && \$1 < 50 { exit 1 }
		NR > 40 && (\$1 - \$2 > 2 || \$2 - \$1 > 2) { exit 1 }"
'

test_expect_success 'a working copy: tags and a manifest with every source, the graph, the encoder' '
	ffprobe -v error -show_entries format_tags -of json m.mp4 >tags.json &&
	jq -r .format.tags.title tags.json | grep "vidx mosaic (working copy)" &&
	jq -r .format.tags.comment tags.json | grep "not evidence" &&
	test "$(jq -r .format.tags.vidx_working_copy tags.json)" = yes &&
	test "$(jq -r .format.tags.vidx_manifest tags.json)" = m.mp4.manifest.json &&
	man=m.mp4.manifest.json &&
	test "$(jq -r .manifest m.json)" = "$TRASH/$man" &&
	test "$(jq -r .manifest_sha256 m.json)" = "$(sha256sum $man | cut -c1-64)" &&
	test "$(jq -r .working_copy $man)" = true &&
	test "$(jq -r .output.sha256 $man)" = "$(sha256sum m.mp4 | cut -c1-64)" &&
	test "$(jq ".sources | length" $man)" = 5 &&
	for f in a.mp4 b.ts c.mkv d.ts e.avi; do
		jq -e ".sources[] | select(.path == \"$TRASH/$f\") | .sha256 == \"$(sha256sum $f | cut -c1-64)\"
			and .byte_start >= 0 and .byte_end > .byte_start and .byte_end <= $(stat -c %s $f)
			and .error == null" $man >/dev/null || { echo "$f"; false; }
	done &&
	test "$(jq -r .encoder.encoder $man)" = libx264 &&
	test "$(jq -r .encoder.preset $man)" = veryfast &&
	test "$(jq -r .encoder.crf $man)" = 20 &&
	jq -r ".sources[] | select(.camera == \"a\") | .clock_correction_ms" $man | grep "^190000"
'

test_expect_success 'the filter graph of the manifest runs in ffmpeg as it is' '
	g=$(jq -r .filter_graph m.mp4.manifest.json | sed "s/\[in\([0-9]*\)\]/[\1:v]/g") &&
	set -- &&
	for i in 0 1 2 3 4 5; do set -- "$@" -f lavfi -i "testsrc2=s=160x120:r=25:d=1"; done &&
	ffmpeg -nostdin -v error "$@" -filter_complex "$g" -map "[out]" -frames:v 2 -f null - 2>err &&
	test ! -s err
'

test_expect_success 'the sheet at the flash: every tile with footage bright; a frame before: dark' '
	vidx-still -d $DB --at $(t 0.05) --sheet on.png --json >on.json 2>/dev/null &&
	vidx-still -d $DB --at $(t -0.05) --sheet off.png --json >off.json 2>/dev/null &&
	for s in on off; do
		jq -c "select(.sheet)" $s.json >sh.json
		jq -r ".tiles[] | select(.found) | \"\(.camera) \(.video.w):\(.video.h):\(.video.x):\(.video.y)\"" sh.json >b2
		test "$(lines b2)" = 5
		while read c box; do
			y=$(ffprobe -v error -f lavfi -i "movie=$s.png,crop=$box,signalstats" \
				-show_entries frame_tags=lavfi.signalstats.YAVG -of csv=p=0)
			if [ $s = on ]; then
				awk -v y=$y "BEGIN { exit !(y > 150) }" || { echo "$c dark at the flash ($y)"; false; }
			else
				awk -v y=$y "BEGIN { exit !(y < 100) }" || { echo "$c bright before it ($y)"; false; }
			fi
		done <b2
	done &&
	# and each still says which frame: the flash frame true time is E + delta
	test "$(jq -r "select(.camera == \"a\") | .frame_time" on.json)" = 2022-07-04T21:25:13.040Z &&
	test "$(jq -r "select(.camera == \"b\") | .frame_time" on.json)" = 2022-07-04T21:25:13.013Z &&
	test "$(jq -r "select(.camera == \"a\") | .camera_time" on.json)" = 2022-07-04T21:28:23.040Z &&
	test "$(jq -r "select(.camera == \"d\") | .correction_ms | floor" on.json)" = 3500
'

test_expect_success 'a progress bar on a terminal only' '
	vidx-mosaic -d $DB -o p1.mp4 -c a --from $(t -1) --to $(t 1) --tile 64x48 2>err1 >/dev/null &&
	test ! -s err1 &&
	script -qec "vidx-mosaic -d $DB -o p2.mp4 -c a --from $(t -1) --to $(t 1) --tile 64x48 >/dev/null" /dev/null >tty.out &&
	grep "100%  50/50 frames" tty.out
'

test_expect_success 'in a case: a mosaic custody event with its hash and its manifest hash' '
	vidx-mosaic -d $DB -o case.mp4 --case K --by t -c a -c b --from $(t -1) --to $(t 1) --tile 64x48 --json >c.json &&
	vidx-case -d $DB log --json K | jq -c "select(.kind == \"mosaic\") | .detail" >d.json &&
	test "$(jq -r .sha256 d.json)" = "$(sha256sum case.mp4 | cut -c1-64)" &&
	test "$(jq -r .manifest_sha256 d.json)" = "$(sha256sum case.mp4.manifest.json | cut -c1-64)" &&
	test "$(jq -r .case case.mp4.manifest.json)" = K &&
	vidx-case -d $DB log K >/dev/null
'

test_expect_success 'bad input: no footage in the window: exit 1, said so, nothing written' '
	test_expect_code 1 vidx-mosaic -d $DB -o none.mp4 --from 2030-01-01T00:00:00Z --to 2030-01-01T00:00:02Z 2>err &&
	grep "no footage in the window" err &&
	test ! -e none.mp4 && test ! -e none.mp4.manifest.json &&
	test -z "$(ls -a | grep partial)"
'

test_expect_success 'bad input: an existing output is not overwritten; an unwritable one' '
	echo mine >taken.mp4 &&
	test_expect_code 1 vidx-mosaic -d $DB -o taken.mp4 -c a --from $(t -1) --to $(t 1) 2>err &&
	grep "exists: not overwritten" err &&
	test "$(cat taken.mp4)" = mine &&
	echo file >afile &&
	test_expect_code 1 vidx-mosaic -d $DB -o afile/x.mp4 -c a --from $(t -1) --to $(t 1) 2>err &&
	grep "afile/x.mp4" err
'

test_expect_success 'bad input: a damaged recording: its tile says so, exit 1, the rest written' '
	ffmpeg -nostdin -v error -i b.ts -c copy -metadata title=dmg dmg.ts &&
	vidx-camera -d $DB add dmg --lat 41.3 --lon -72.9 &&
	vidx-ingest -d $DB -c dmg --start $(t -50.487) dmg.ts >/dev/null &&
	sz=$(stat -c %s dmg.ts) &&
	dd if=/dev/zero of=dmg.ts bs=1 seek=$((sz / 2)) count=6000 conv=notrunc 2>/dev/null &&
	test_expect_code 1 vidx-mosaic -d $DB -o dmg.mp4 -c dmg -c a --from $(t -50) --to $(t -43) \
		--tile 64x48 --json >dmg.json 2>err &&
	grep "dmg: .*dmg.ts.*damaged" err &&
	test -f dmg.mp4 &&
	jq -e ".sources[] | select(.camera == \"dmg\") | .error != null" dmg.mp4.manifest.json &&
	test "$(jq ".failed | length" dmg.json)" = 1
'

# Damage only the decoder's messages tell, on a camera decoded alone (on
# the decoder's own threads, one per CPU): the tile says so as it does on
# one thread; ffmpeg's own decoder gives the reason first.
test_expect_success 'bad input: damage only the decoder tells: the same on its threads as on one (ffmpeg says so too)' '
	ffmpeg -nostdin -v error -i "$FIXTURES/h264.ts" -c copy -metadata title=dmg2 dmg2.ts &&
	vidx-camera -d $DB add dmg2 --lat 41.3 --lon -72.9 &&
	vidx-ingest -d $DB -c dmg2 --start $(t 0) dmg2.ts >/dev/null &&
	pos=$(vidx-still -d $DB -c dmg2 --at $(t 3.5) --json | jq .keyframe_pos) &&
	# one TS packet of the slice data of the keyframe at +3 s zeroed
	dd if=/dev/zero of=dmg2.ts bs=1 seek=$((pos + 1000)) count=188 conv=notrunc 2>/dev/null &&
	ffmpeg -nostdin -v error -threads 1 -i dmg2.ts -map 0:v -f null - 2>fferr &&
	why=$(sed -n "1s/^\[h264 @ [^]]*\] //p" fferr) &&
	test -n "$why" &&
	test_expect_code 1 taskset -c 0 vidx-mosaic -d $DB -o dmg1.mp4 -c dmg2 --from $(t 2) \
		--to $(t 5) --tile 64x48 --json >dmg1.json 2>err1 &&
	test_expect_code 1 vidx-mosaic -d $DB -o dmgn.mp4 -c dmg2 --from $(t 2) --to $(t 5) \
		--tile 64x48 --json >dmgn.json 2>errn &&
	grep -F "dmg2: " err1 && grep -F "dmg2.ts" err1 &&
	grep -F "damaged: $why" err1 &&
	test_cmp err1 errn &&
	test "$(jq ".failed | length" dmgn.json)" = 1 &&
	jq -e ".sources[] | select(.camera == \"dmg2\") | .error != null" dmgn.mp4.manifest.json &&
	{ [ "$(nproc)" -gt 1 ] || echo "one CPU: the decoder threads were not exercised"; }
'

test_expect_success 'a full disk: exit 1, named, nothing under a final name' '
	( trap "" XFSZ; ulimit -f 120; exec vidx-mosaic -d $DB -o full.mp4 --from $(t -2) --to $(t 2) \
		--tile 320x240 ) >out 2>err || echo $? >rc &&
	test "$(cat rc)" = 1 &&
	grep -i "too large" err &&
	test ! -e full.mp4 && test ! -e full.mp4.manifest.json &&
	test -z "$(ls -a | grep partial)"
'

test_expect_success 'sources are opened read-only' '
	command -v strace >/dev/null || { echo "strace missing: skipped"; exit 0; }
	ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=open,openat -o trace vidx-mosaic -d $DB \
		-o ro.mp4 --from $(t -1) --to $(t 1) --tile 64x48 >/dev/null 2>&1 &&
	grep -E "/(a\.mp4|b\.ts|c\.mkv|d\.ts|e\.avi)\"" trace >opens &&
	test "$(lines opens)" -ge 5 &&
	! grep -E "O_WRONLY|O_RDWR|O_CREAT|O_TRUNC" opens
'

test_expect_success 'the man page SYNOPSIS is the usage' '
	man=$VIDX_SRC/man/vidx-mosaic.1 &&
	bs=$(printf "\b") &&
	mandoc -Tascii "$man" | sed "s/.$bs//g" | sed -n "/^SYNOPSIS/,/^DESCRIPTION/p" |
		sed "1d;\$d" >syn.txt &&
	vidx-mosaic --help | sed -n "1,/^\$/p" | sed "s/^usage://" >use.txt &&
	for f in syn.txt use.txt; do
		{ tr "\t\n" "  " <$f | tr -s " " && echo; } | sed "/^\$/d; s/^ *//; s/ *\$//" >$f.forms ||
			exit 1
	done &&
	test_cmp use.txt.forms syn.txt.forms
'

test_done
