#!/bin/sh
# vidx-report: the report folder and the timelines, checked against oracles
# we did not write: sha256sum -c, stat (hard links), cmp, ffprobe's frames,
# ffmpeg's PSNR, jq, date(1), and sqlite3's own CSV reader.  (The page in a
# real browser: tests/browser.)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/report-case.sh"

DB=$TRASH/v.db
CASE=$TRASH/case

# html_unescape: the text of a <pre> as a shell would read it
html_unescape() {
	sed -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&quot;/"/g' -e "s/&#39;/'/g" -e 's/&amp;/\&/g'
}

# cmd FILE ID: the command block data-cmd=ID of a report page, as text
cmd() {
	awk -v id="$2" '
		index($0, "<pre class=\"cmd\" data-cmd=\"" id "\">") { on = 1; sub(/.*<pre class="cmd" data-cmd="[^"]*">/, "") }
		on { if (index($0, "</pre>")) { sub(/<\/pre>.*/, ""); print; exit } print }' "$1" | html_unescape
}

test_expect_success 'set-up: a case with five cameras, pulled and verified' '
	report_case $DB $TRASH/ev $CASE &&
	test "$(jq ".clips | length" $CASE/manifest.json)" = 5
'

test_expect_success 'usage errors exit 2 and write nothing' '
	test_expect_code 2 vidx-report -d $DB --out r &&
	test_expect_code 2 vidx-report -d $DB C1 &&
	test_expect_code 2 vidx-report -d $DB --pdf --timesketch t.jsonl C1 &&
	test_expect_code 2 vidx-report -d $DB --out r --at "yesterday" C1 &&
	test_expect_code 2 vidx-report -d $DB --out r --tz Mars/Olympus C1 &&
	test_expect_code 2 vidx-report -d $DB --out r --by "$(printf "a\nb")" C1 &&
	test_expect_code 2 vidx-report -d $DB --timesketch x --l2tcsv x C1 &&
	test_expect_code 2 vidx-report -d $DB --out r C1 extra &&
	test ! -e r && test ! -e t.jsonl && test ! -e x
'

test_expect_success 'an --at the report zone shows twice: exit 1, the value quoted whole' '
	test_expect_code 1 vidx-report -d $DB --by t --at "2022-11-06 01:30" -z America/New_York \
		--timesketch amb.jsonl C1 2>err &&
	test "$(cat err)" = "vidx-report: --at: '"'"'2022-11-06 01:30'"'"' is ambiguous in America/New_York (the clock showed it twice when it was set back); add an offset, e.g. +HH:MM" &&
	test ! -e amb.jsonl
'

test_expect_success 'a report, or a timeline, inside the case folder: refused, nothing written or logged' '
	vidx-case -d $DB log C1 >log.before &&
	ln -s $CASE/$(ls $CASE | grep -v -e manifest -e SHA256SUMS | head -n 1) into &&
	for o in "--out $CASE/rep" "--out $CASE/a/b/rep" "--out into/rep" "--timesketch $CASE/t.jsonl" "--l2tcsv into/t.csv"; do
		test_expect_code 1 vidx-report -d $DB --by t $o C1 2>err &&
		grep "^vidx-report: .* is inside the case folder .*: a report is a working copy and is never written among the evidence; name a place outside it$" err &&
		test "$(lines err)" = 1 || exit 1
	done &&
	test ! -e $CASE/rep && test ! -e $CASE/a && test ! -e $CASE/t.jsonl && ! ls into/ | grep -q t.csv &&
	(cd $CASE && sha256sum -c --quiet SHA256SUMS) &&
	vidx-case -d $DB log C1 >log.after && test_cmp log.before log.after
'

test_expect_success 'an unknown case: exit 1, one line, nothing written' '
	test_expect_code 1 vidx-report -d $DB --out r NOPE 2>err &&
	grep "unknown case .NOPE." err && test "$(lines err)" = 1 &&
	test ! -e r
'

test_expect_success 'the report folder: page, clips, manifests, SHA256SUMS that sha256sum -c passes' '
	vidx-report -d $DB --by "Det. Ruiz" --out rep --at "2022-07-04 21:25:05" --json C1 >items.json &&
	test -s rep/report.html &&
	(cd rep && sha256sum -c --strict --quiet SHA256SUMS) &&
	# every file in the folder is in the sums, and nothing else is
	(cd rep && find . -type f ! -path ./SHA256SUMS | sed "s|^\./||" | sort) >files &&
	cut -c67- rep/SHA256SUMS | sort >summed &&
	test_cmp files summed &&
	test "$(jq -r "select(.status == \"failed\")" items.json)" = "" &&
	test "$(jq -r "select(.kind == \"clip\") | .status" items.json | sort -u)" = linked
'

test_expect_success 'each clip in the folder is the case folder file (a hard link), by its SHA-256' '
	jq -r ".clips[] | .path" $CASE/manifest.json | while read -r p; do
		test "$(stat -c %i "$CASE/$p")" = "$(stat -c %i "rep/pull-2/$p")"
		cmp "$CASE/$p" "rep/pull-2/$p"
	done &&
	cmp $CASE/manifest.json rep/pull-2/manifest.json &&
	cmp $CASE/SHA256SUMS rep/pull-2/SHA256SUMS &&
	(cd rep/pull-2 && sha256sum -c --quiet SHA256SUMS)
'

test_expect_success 'the copied case folder verifies as the case folder does' '
	vidx-verify -d $DB --by ann rep/pull-2 >v.out &&
	test "$(grep -c "^ok .*custody" v.out)" = 1
'

test_expect_success 'report-manifest.json: every file with its SHA-256, size and kind' '
	m=rep/report-manifest.json &&
	test "$(jq -r .vidx_report $m)" = 1 &&
	test "$(jq -r .case $m)" = C1 &&
	test "$(jq -r .operator $m)" = "Det. Ruiz" &&
	test "$(jq -r .incident $m)" = 2022-07-05T01:25:05.000Z &&
	jq -r ".files[] | \"\(.sha256)  \(.path)\"" $m >want &&
	(cd rep && sha256sum -c --quiet ../want) &&
	jq -r ".files[] | \"\(.size) \(.path)\"" $m | while read -r s p; do
		test "$(stat -c %s "rep/$p")" = "$s"
	done &&
	test "$(jq "[.files[] | select(.kind == \"clip\")] | length" $m)" = 5 &&
	test "$(jq -r ".files[] | select(.kind == \"clip\") | .working_copy" $m | sort -u)" = false &&
	test "$(jq -r ".files[] | select(.path == \"report.html\") | .working_copy" $m)" = true
'

test_expect_success 'the custody log holds the report, with the manifest and page hashes' '
	vidx-case -d $DB log --json C1 >log.json &&
	jq -c "select(.kind == \"report\") | .detail" log.json | tail -n 1 >d.json &&
	test "$(jq -r .manifest_sha256 d.json)" = "$(sha256sum rep/report-manifest.json | cut -c1-64)" &&
	test "$(jq -r .page_sha256 d.json)" = "$(sha256sum rep/report.html | cut -c1-64)" &&
	test "$(jq -r .folder d.json)" = "$TRASH/rep" &&
	test "$(jq -r .clips d.json)" = 5 &&
	vidx-case -d $DB log C1 >/dev/null
'

test_expect_success 'the page names every camera, clip, hash and source of the case' '
	for c in door dvr bus old far; do grep -q "data-camera=\"$c\"" rep/report.html; done &&
	jq -r ".clips[] | .path, .sha256, .video.packets_sha256, .sources[].sha256" $CASE/manifest.json |
	while read -r x; do grep -q -F "$x" rep/report.html || { echo "missing: $x"; false; }; done &&
	# each source by the recording the index has for its SHA-256
	vidx-ls -d $DB --json | jq -r "\"\(.sha256) \(.id)\"" >ids &&
	jq -r ".clips[] | .sources[].sha256" $CASE/manifest.json | while read -r h; do
		id=$(grep "^$h " ids | cut -d" " -f2)
		test -n "$id" && grep -q "<br>recording $id, " rep/report.html
	done &&
	grep -q "Det. Ruiz" rep/report.html &&
	grep -q "DVR clock against a phone&#39;s GPS time" rep/report.html
'

test_expect_success 'stills: the first frame of each clip and the frame at the incident, as ffmpeg decodes the clip' '
	m=rep/report-manifest.json &&
	test "$(jq "[.files[] | select(.kind == \"still\")] | length" $m)" = 6 &&
	jq -r ".files[] | select(.kind == \"still\") | \"\(.path) \(.still_of_clip) \(.frame_hash) \(.at)\"" $m >stills &&
	while read -r png clip fh at; do
		start=$(jq -r --arg p "${clip#pull-2/}" ".clips[] | select(.path == \$p) | .start" $CASE/manifest.json)
		off=$(awk -v a=$(date -u -d "$at" +%s.%N) -v s=$(date -u -d "$start" +%s.%N) "BEGIN { printf \"%.6f\", a - s }")
		# the frame on screen then: the last whose time is at or before it
		ffmpeg -nostdin -v error -i rep/$clip -map 0:v:0 -f framehash -hash sha256 - >fh.txt
		tb=$(sed -n "s/^#tb 0: //p" fh.txt)
		want=$(grep -v "^#" fh.txt | awk -F", *" -v tb=$tb -v off=$off "
			BEGIN { split(tb, q, \"/\") } { t = \$3 * q[1] / q[2]; if (t <= off + 1e-6) h = \$6 } END { print h }")
		test "$fh" = "$want" || { echo "$png: frame_hash $fh, ffmpeg says $want at $off s"; false; }
		test "$(identify -format "%m %w,%h" rep/$png)" = \
		     "PNG $(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 rep/$clip)"
	done <stills &&
	test "$(grep -c _incident.png stills)" = 1 &&
	test "$(jq -r ".files[] | select(.kind == \"still\") | .working_copy" $m | sort -u)" = true &&
	grep -q "stills/pull-2/bus/bus_20220705T012500Z_8s_incident.png" rep/report.html
'

test_expect_success 'a second report into the same folder is refused; nothing changes' '
	(cd rep && sha256sum $(find . -type f | sort)) >before &&
	test_expect_code 1 vidx-report -d $DB --out rep C1 2>err &&
	grep "exists and is not empty" err &&
	(cd rep && sha256sum $(find . -type f | sort)) >after &&
	test_cmp before after &&
	: >afile && test_expect_code 1 vidx-report -d $DB --out afile C1 2>err &&
	test ! -s afile &&
	mkdir empty && vidx-report -d $DB --out empty C1 >/dev/null && test -s empty/report.html &&
	test "$(ls -a | grep -c "partial")" = 0
'

test_expect_success 'on another filesystem the clips are copies, checked the same way' '
	if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d $TRASH)" ] &&
	   shm=$(mktemp -d /dev/shm/vidx-report.XXXXXX); then
		vidx-report -d $DB --out "$shm/rep" --json C1 >items2.json
		st=$?
		test "$(jq -r "select(.kind == \"clip\") | .status" items2.json | sort -u)" = copied &&
		(cd "$shm/rep" && sha256sum -c --quiet SHA256SUMS) &&
		jq -r ".clips[] | .path" $CASE/manifest.json | while read -r p; do
			test "$(stat -c %h "$shm/rep/pull-2/$p")" = 1
			cmp "$CASE/$p" "$shm/rep/pull-2/$p"
		done
		ok=$?
		rm -rf "$shm"
		test $st = 0 && test $ok = 0
	else
		echo "no second filesystem here: copies not tried"
	fi
'

test_expect_success 'a clip that changed after the pull is left out and named; exit 1' '
	report_case $TRASH/v2.db $TRASH/ev2 case2 &&
	p=$(jq -r ".clips[0].path" case2/manifest.json) &&
	printf x >>"case2/$p" &&
	test_expect_code 1 vidx-report -d $TRASH/v2.db --out rep2 --json C1 >items.json 2>err &&
	grep -F "$p" err && grep "is not the clip that was pulled" err &&
	test "$(jq -r "select(.status == \"failed\") | .kind" items.json)" = clip &&
	test ! -e "rep2/pull-2/$p" &&
	(cd rep2 && sha256sum -c --quiet SHA256SUMS) &&
	grep -q "Not in this report" rep2/report.html &&
	test "$(jq "[.files[] | select(.kind == \"clip\")] | length" rep2/report-manifest.json)" = 4
'

test_expect_success 'a source that is gone: its stills are named as not made, --no-stills makes none' '
	report_case $TRASH/v4.db $TRASH/ev4 case4 &&
	mv $TRASH/ev4/dahua.dav $TRASH/dahua.moved &&
	test_expect_code 1 vidx-report -d $TRASH/v4.db --out rep4 --json C1 >items.json 2>err &&
	test "$(jq -r "select(.status == \"failed\") | .kind" items.json | sort -u)" = still &&
	grep "still .stills/pull-2/dvr/" err &&
	grep -q "not made" rep4/report.html &&
	(cd rep4 && sha256sum -c --quiet SHA256SUMS) &&
	vidx-report -d $TRASH/v4.db --out rep5 --no-stills C1 >/dev/null &&
	test ! -e rep5/stills
'

test_expect_success 'an edited manifest: the pull is named as not the one the log recorded' '
	sed -i "s/Det. Ruiz/Det. Ruis/" case2/manifest.json &&
	test_expect_code 1 vidx-report -d $TRASH/v2.db --out rep3 C1 2>err &&
	grep "is not the manifest of the pull" err &&
	test -s rep3/report.html && ! ls rep3/pull-2/*/ 2>/dev/null
'

test_expect_success 'proxies: H.264 working copies of the HEVC and MJPEG clips, frame times kept' '
	vidx-report -d $DB --out px --proxies --json C1 >items.json &&
	test "$(jq -r "select(.kind == \"proxy\") | .status" items.json | sort -u)" = made &&
	test "$(jq -r "select(.kind == \"proxy\") | .path" items.json | wc -l)" = 2 &&
	jq -r ".files[] | select(.kind == \"proxy\") | \"\(.path) \(.working_copy_of)\"" px/report-manifest.json >pairs &&
	test "$(lines pairs)" = 2 &&
	while read -r proxy clip; do
		ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,pix_fmt -of csv=p=0 px/$proxy >s
		test "$(cat s)" = h264,yuv420p
		# every frame of the clip, at the same time (ffprobe as the oracle)
		ffprobe -v error -select_streams v:0 -show_entries frame=pts_time -of csv=p=0 px/$clip >a
		ffprobe -v error -select_streams v:0 -show_entries frame=pts_time -of csv=p=0 px/$proxy >b
		test "$(lines a)" -gt 10 && test_cmp a b
		# and close to it (ffmpeg PSNR of the proxy against the clip decoded)
		ffmpeg -nostdin -v error -i px/$proxy -i px/$clip -lavfi "[1:v]scale=iw:ih,format=yuv420p[r];[0:v][r]psnr" -f null - 2>&1 | tail -n 1 >/dev/null
		psnr=$(ffmpeg -nostdin -i px/$proxy -i px/$clip -lavfi "[1:v]format=yuv420p[r];[0:v][r]psnr" -f null - 2>&1 | sed -n "s/.*average:\([0-9.]*\).*/\1/p")
		awk -v p="$psnr" "BEGIN { exit !(p >= 30) }" || { echo "PSNR $psnr"; false; }
		ffprobe -v error -show_entries format_tags=title -of csv=p=0 px/$proxy | grep -q "WORKING COPY"
		test "$(jq -r ".files[] | select(.path == \"$proxy\") | .working_copy_of_sha256" px/report-manifest.json)" = \
		     "$(sha256sum px/$clip | cut -c1-64)"
		test "$(jq -r ".files[] | select(.path == \"$proxy\") | .working_copy" px/report-manifest.json)" = true
	done <pairs &&
	(cd px && sha256sum -c --quiet SHA256SUMS) &&
	grep -q "data-proxy=\"1\"" px/report.html &&
	grep -q "<td>HEVC video</td>" px/report.html && grep -q "<td>MJPEG video</td>" px/report.html
'

test_expect_success 'proxies: PCM sound in Matroska becomes AAC in MP4, as long as it was' '
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=160x120:rate=25:duration=4 \
		-f lavfi -i sine=frequency=440:sample_rate=16000:duration=4 \
		-c:v libx264 -g 25 -pix_fmt yuv420p -c:a pcm_s16le pcm.mkv &&
	vidx-camera -d $TRASH/v3.db add kiosk --lat 41.30568 --lon -72.92561 --tz UTC &&
	vidx-ingest -d $TRASH/v3.db -c kiosk --start 2022-07-05T01:00:00Z pcm.mkv >/dev/null &&
	vidx-case -d $TRASH/v3.db new K --title kiosk --by ann &&
	vidx-pull -d $TRASH/v3.db --case K --by ann --out kc -c kiosk --from 2022-07-05T01:00:00Z --to 2022-07-05T01:00:04Z >/dev/null &&
	ls kc/kiosk/*.mkv &&
	vidx-report -d $TRASH/v3.db --by ann --out kr --proxies K >/dev/null &&
	grep -q "Matroska container" kr/report.html &&
	# no place asked: the map is centred on the camera and gives no distance
	grep -q "data-camera=\"kiosk\"><title>kiosk: footage in the window</title><circle cx=\"360.0\" cy=\"240.0\"" kr/report.html &&
	p=$(ls kr/proxies/pull-2/kiosk/*.h264.mp4) &&
	ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$p" | sort | tr "\n" " " >codecs &&
	test "$(cat codecs)" = "aac h264 " &&
	d=$(ffprobe -v error -select_streams a:0 -show_entries stream=duration -of csv=p=0 "$p") &&
	awk -v d="$d" "BEGIN { exit !(d > 3.9 && d < 4.1) }"
'

test_expect_success 'a mobile camera: its track on the map, labelled with its closest approach' '
	. "$VIDX_SRC/tests/cli/geo.sh" &&
	base_mp4 base.mp4 &&
	# a dashcam driving east 10 m north of the scene, a fix a second
	mkgeo nmea - dash.srt n=8 utc=2022-07-05T01:24:00 lat=41.3057699 \
		lon=$(awk "BEGIN { printf \"%.8f\", -72.92561 - 4 * 0.00017937 }") dlat=0 dlon=0.00017937 &&
	ffmpeg -nostdin -loglevel error -y -i base.mp4 -i dash.srt -map 0 -map 1 -c copy -c:s mov_text -f mov dash.mov &&
	M=$TRASH/m.db &&
	vidx-camera -d $M add dash-1 --mobile --name "Patrol car 12 dashcam" &&
	vidx-ingest -d $M -c dash-1 dash.mov >/dev/null &&
	vidx-case -d $M new D --title dashcam --by ann &&
	vidx-pull -d $M --case D --by ann --out dcase --near $NEAR --radius 100 \
		--from 2022-07-05T01:23:50Z --to 2022-07-05T01:24:20Z >/dev/null &&
	vidx-report -d $M --by ann --out drep D >/dev/null &&
	grep -o "<g class=\"track\" data-camera=\"dash-1\" data-points=\"[0-9]*\">" drep/report.html >tr &&
	test "$(lines tr)" = 1 &&
	n=$(sed "s/.*data-points=.\([0-9]*\).*/\1/" tr) && test "$n" -ge 4 &&
	# 10 m north of the scene at its closest
	grep -q -F "$(printf "dash-1 \302\267 10 m</text>")" drep/report.html &&
	grep -q "mobile: its recordings carry it" drep/report.html &&
	! grep -q "without a position not on the map" drep/report.html
'

test_expect_success 'a clip that starts inside a millisecond (a drone log in microseconds): its first frame still' '
	. "$VIDX_SRC/tests/cli/geo.sh" &&
	base_mp4 drone.mp4 && mkgeo djisrt - drone.tmp n=200 fps=25 date=2022-07-04T21:24:40 &&
	sed "s/^2022-07-04 21:24:40,000,000\$/2022-07-04 21:24:40,000,500/" drone.tmp >drone.SRT &&
	M=$TRASH/dr.db &&
	vidx-camera -d $M add drone-1 --mobile --tz America/New_York &&
	vidx-ingest -d $M -c drone-1 drone.mp4 >/dev/null &&
	test "$(sqlite3 $M "SELECT start % 1000 FROM recordings")" = 500 &&
	vidx-case -d $M new DR --title drone --by ann &&
	vidx-pull -d $M --case DR --by ann --out drcase -c drone-1 \
		--from 2022-07-05T01:24:00Z --to 2022-07-05T01:25:00Z >/dev/null &&
	vidx-report -d $M --by ann --out drrep DR >out &&
	jq -r ".files[] | select(.kind == \"still\") | \"\(.path) \(.still_of_clip) \(.frame_hash)\"" \
		drrep/report-manifest.json >stills &&
	test "$(lines stills)" = 1 && read -r png clip fh <stills &&
	ffmpeg -nostdin -v error -i drrep/$clip -map 0:v:0 -frames:v 1 -f framehash -hash sha256 - |
		grep -v "^#" | sed "s/.*, //" >want &&
	echo "$fh" >got && test_cmp want got
'

test_expect_success 'a mobile camera in the timelines: its recording at its first and last fix (exiftool)' '
	. "$VIDX_SRC/tests/cli/geo.sh" && have_exiftool &&
	vidx-report -d $TRASH/m.db --by ann --timesketch dash.jsonl --l2tcsv dash.csv D >/dev/null &&
	exif_all GPSLatitude dash.mov >lat && exif_all GPSLongitude dash.mov >lon &&
	paste -d " " lat lon | sed -n "1p;\$p" >theirs &&
	for d in "Recording start" "Recording end"; do
		jq -r "select(.timestamp_desc == \"$d\") | \"\(.latitude) \(.longitude)\"" dash.jsonl
	done >mine &&
	near theirs mine 1e-6 &&
	grep -c "vidx recording,Recording [a-z]*,.*; position: 41.30577" dash.csv >n && test "$(cat n)" = 2
'

test_expect_success 'Timesketch JSONL: one event per recording start and end, clip, clock observation, custody event' '
	vidx-report -d $DB --by ann --timesketch ts.jsonl C1 >/dev/null &&
	jq -c "select((.message | type) == \"string\" and (.datetime | type) == \"string\" and
		(.timestamp_desc | type) == \"string\" and (.timestamp | type) == \"number\")" ts.jsonl >ok.jsonl &&
	test "$(lines ok.jsonl)" = "$(lines ts.jsonl)" &&
	nrec=$(vidx-ls -d $DB --json | wc -l) &&
	ncus=$(vidx-case -d $DB log --json C1 | jq -s "map(select(.seq)) | length") &&
	# the log has the events before this report (this run adds one after)
	test "$(jq -r "select(.timestamp_desc == \"Recording start\")" ts.jsonl | jq -s length)" = $nrec &&
	test "$(jq -r "select(.timestamp_desc == \"Recording end\")" ts.jsonl | jq -s length)" = $nrec &&
	test "$(jq -r "select(.timestamp_desc == \"Clip start\")" ts.jsonl | jq -s length)" = 5 &&
	test "$(jq -r "select(.timestamp_desc == \"Clock observation\")" ts.jsonl | jq -s length)" = 1 &&
	test "$(jq -r "select(.timestamp_desc == \"Custody event\")" ts.jsonl | jq -s length)" = $((ncus - 1)) &&
	# datetime and timestamp are one instant (date(1) as the oracle), in order
	jq -r "\"\(.datetime) \(.timestamp)\"" ts.jsonl | while read -r dt us; do
		test "$(date -u -d "$dt" +%s%6N)" = "$us"
	done &&
	jq -r .timestamp ts.jsonl >t1 && sort -n t1 >t2 && test_cmp t2 t1 &&
	# the clips: their hashes, cameras and true times from the manifest
	jq -r "select(.timestamp_desc == \"Clip start\") | \"\(.sha256) \(.camera) \(.timestamp)\"" ts.jsonl | sort >got &&
	jq -r ".clips[] | \"\(.sha256) \(.camera.id) \(.start)\"" $CASE/manifest.json | while read -r h c s; do
		echo "$h $c $(date -u -d "$s" +%s%6N)"; done | sort >want &&
	test_cmp want got &&
	# the DVR clock: 190 s ahead, the camera time beside the true time
	jq -s -e "map(select(.timestamp_desc == \"Clock observation\")) | length == 1 and (.[0] |
		.offset_s == 190 and .camera == \"dvr\" and .camera_time == \"2022-07-05T01:25:10.000Z\" and
		.datetime == \"2022-07-05T01:22:00.000000+00:00\")" ts.jsonl &&
	jq -s -e "map(select(.timestamp_desc == \"Recording start\" and .camera == \"dvr\")) | length == 1 and
		(.[0] | .offset_s == 190 and .position == \"41.306010,-72.924980\")" ts.jsonl &&
	test_expect_code 1 vidx-report -d $DB --timesketch ts.jsonl C1 2>err && grep "not overwritten" err
'

test_expect_success 'l2tcsv: the 17 columns, read back by sqlite3, the same events and times' '
	vidx-report -d $DB --by ann --l2tcsv t.csv --timesketch t2.jsonl C1 >/dev/null &&
	head -n 1 t.csv >hdr &&
	echo "date,time,timezone,MACB,source,sourcetype,type,user,host,short,desc,version,filename,inode,notes,format,extra" >want &&
	test_cmp want hdr &&
	sqlite3 :memory: ".import --csv t.csv ev" "SELECT count(*) FROM pragma_table_info(\"ev\")" >ncol &&
	test "$(cat ncol)" = 17 &&
	sqlite3 :memory: ".import --csv t.csv ev" "SELECT count(*) FROM ev" >n &&
	test "$(cat n)" = "$(lines t2.jsonl)" &&
	sqlite3 -separator " " :memory: ".import --csv t.csv ev" "SELECT date, time, type FROM ev" >csv.txt &&
	jq -r "\"\(.datetime) \(.timestamp_desc)\"" t2.jsonl | while read -r dt desc; do
		echo "$(date -u -d "$dt" "+%m/%d/%Y %H:%M:%S") $desc"; done >json.txt &&
	test_cmp json.txt csv.txt &&
	sqlite3 :memory: ".import --csv t.csv ev" "SELECT DISTINCT timezone, version, format FROM ev" >x &&
	test "$(cat x)" = "UTC|2|vidx-report"
'

test_expect_success 'timelines only: no folder, a report event that says so' '
	vidx-report -d $DB --by ann --timesketch only.jsonl C1 >/dev/null &&
	vidx-case -d $DB log --json C1 | jq -c "select(.kind == \"report\") | .detail" | tail -n 1 >d.json &&
	test "$(jq -r .folder d.json)" = null &&
	test "$(jq -r .timelines.timesketch.sha256 d.json)" = "$(sha256sum only.jsonl | cut -c1-64)"
'

test_expect_success 'the page s zone table changes offset on the very second the zone does (zdump)' '
	vidx-camera -d dst.db add cam --lat 41.3 --lon -72.9 >/dev/null &&
	vidx-ingest -d dst.db -c cam --start 2022-11-06T05:59:57Z "$FIXTURES/h264.ts" >/dev/null &&
	vidx-case -d dst.db new D --title dst --by t &&
	vidx-pull -d dst.db --case D --by t --out dstcase -c cam --from 2022-11-06T05:59:58Z --to 2022-11-06T06:00:03Z >/dev/null &&
	vidx-report -d dst.db --by t --no-stills --out dst -z America/New_York D >/dev/null &&
	sed -n "s/.*\"zones\":\[\(\[[^]]*\]\(,\[[^]]*\]\)*\)\].*/\1/p" dst/report.html | tr -d "[" | tr "]" "\n" | sed "s/^,//" | sed "/^$/d" >zones &&
	# every change on a whole second (the table runs on to the case s last event)
	test "$(grep -c -v -E "^[0-9]+000000,-(14400|18000)$" zones)" = 0 &&
	# the change: the first second zdump shows EST in November 2022
	utc=$(zdump -v -c 2022,2023 America/New_York | awk "/Nov/ && /isdst=0/ { print \$3, \$4, \$5, \$6; exit }") &&
	want=$(date -u -d "$utc" +%s)000000 &&
	test "$(sed -n 2p zones)" = "$want,-18000"
'

test_expect_success 'timelines that cannot be written: named, exit 1, no custody event, nothing overwritten' '
	vidx-case -d $DB log --json C1 >log.before && sha256sum only.jsonl >sum &&
	test_expect_code 1 vidx-report -d $DB --by ann --timesketch only.jsonl \
		--l2tcsv nodir/t.csv C1 >out 2>err &&
	grep "only.jsonl.*not overwritten" err && grep "nodir/t.csv.*No such file or directory" err &&
	sha256sum -c sum && test ! -e nodir &&
	vidx-case -d $DB log --json C1 >log.after && test_cmp log.before log.after
'

test_expect_success '--pdf without a browser says how to install one; the rest is made' '
	(VIDX_CHROMIUM=/nonexistent/chromium; export VIDX_CHROMIUM
	 test_expect_code 1 vidx-report -d $DB --out nopdf --pdf C1 2>err) &&
	grep "pdf" err && test -s nopdf/report.html && test ! -e nopdf/report.pdf &&
	(PATH=$VIDX_BIN; export PATH
	 test_expect_code 1 vidx-report -d $DB --out nopdf2 --pdf C1 2>err2) &&
	grep "apt-get install chromium" err2
'

test_expect_success 'the commands to cut each clip again give the very same bytes' '
	mkdir recut && cd recut &&
	for i in 1 2 3 4 5; do
		cmd ../rep/report.html recut-$i >c.sh
		grep -q "vidx pull" c.sh
		sh c.sh >/dev/null
	done &&
	test "$(ls -d recut-2-* | wc -l)" = 5
'

test_expect_success 'the commands to re-check the case folder and the report run and pass' '
	cmd rep/report.html check-report | sh &&
	cmd rep/report.html check-pull-2 | sh >/dev/null
'

test_done
