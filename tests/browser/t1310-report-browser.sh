#!/bin/sh
# vidx-report in a real browser: headless Chromium, driven over WebDriver
# (chromedriver), opens the report as a reader would.  The oracles are the
# browser itself (its console, its network log, each video's currentTime
# and the media time of the frame it shows), ffprobe (each clip's first
# frame and length), the manifest (jq), pdftoppm/pdftotext and ImageMagick.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../cli/lib.sh"
. "$HERE/../cli/report-case.sh"
. "$HERE/wd.sh"
wd_need ffprobe identify pdftoppm pdftotext

DB=$TRASH/v.db
CASE=$TRASH/case
REP=$TRASH/rep
SHOTS=${VIDX_SRC:-.}/build/browser
INCIDENT=2022-07-05T01:25:05Z

# each video: [data-clip, src, currentTime, media time of the frame shown]
# once it has a picture for where it stands
STATE='
const done = arguments[arguments.length - 1];
const vs = [...document.querySelectorAll("video[data-clip]")];
/* the frame shown at the time the page set: step away and back, so that
 * the browser presents that frame again and says which it is */
const one = v => new Promise(res => {
	let n = 0;
	const go = () => {
		if (v.readyState >= 2 && !v.seeking) {
			const ct = v.currentTime;
			let answered = false;
			const answer = mt => { if (!answered) { answered = true;
				res([v.dataset.clip, v.getAttribute("src"), v.currentTime, mt]); } };
			v.addEventListener("seeked", () => {
				v.requestVideoFrameCallback((now, m) => answer(m.mediaTime));
				v.currentTime = ct;
			}, {once: true});
			v.currentTime = ct >= 0.5 ? ct - 0.5 : ct + 0.5;
			setTimeout(() => answer(null), 5000);
		} else if (++n > 400) res([v.dataset.clip, v.getAttribute("src"), v.currentTime, null]);
		else setTimeout(go, 25);
	};
	go();
});
Promise.all(vs.map(one)).then(done);'

# check_at T STATE.json: every video where the true time T puts it, from
# the manifest and ffprobe (not from the page): its first frame at the
# clip'\''s true start, clamped to the clip; +-1 frame (40 ms)
check_at() {
	t_us=$(date -u -d "$1" +%s%6N)
	jq -r '.[] | @tsv' "$2" | while IFS="$(printf '\t')" read -r clip src ct mt; do
		start=$(jq -r --arg p "$clip" '.clips[] | select(.path == $p) | .start' $CASE/manifest.json)
		s_us=$(date -u -d "$start" +%s%6N)
		file=$REP/$(printf '%s' "$src" | sed 's/%20/ /g')
		t0=$(ffprobe -v error -select_streams v:0 -show_entries stream=start_time -of csv=p=0 "$file")
		dur=$(ffprobe -v error -select_streams v:0 -show_entries stream=duration -of csv=p=0 "$file")
		awk -v t=$t_us -v s=$s_us -v t0=$t0 -v d=$dur -v ct=$ct -v mt=$mt -v c="$clip" 'BEGIN {
			e = t0 + (t - s) / 1e6; on = 1
			if (e < t0) { e = t0; on = 0 }
			if (e > t0 + d) { e = t0 + d; on = 0 }
			if (ct - e > 0.04 || e - ct > 0.04) { printf "%s: currentTime %s, want %.3f\n", c, ct, e; exit 1 }
			# the frame shown is the one that covers e
			if (on && mt != "" && (mt > e + 0.0005 || mt < e - 0.0405)) { printf "%s: frame at %s, want %.3f\n", c, mt, e; exit 1 }
			if (on && mt == "") { printf "%s: no frame shown\n", c; exit 1 }
		}' || return 1
	done
}

# the browser outlives each test's subshell: started here, stopped at exit
wd_start >"$TRASH/wd-start.log" 2>&1

test_expect_success 'set-up: Chromium under WebDriver; a case, pulled, verified, reported with proxies and a PDF' '
	test -n "$WD_SID" || { cat "$TRASH/wd-start.log"; false; } &&
	report_case $DB $TRASH/ev $CASE &&
	vidx-report -d $DB --by "Det. Ruiz" --out $REP --at "2022-07-04 21:25:05" --proxies --pdf C1 >/dev/null &&
	test -s $REP/report.pdf
'

test_expect_success 'the page loads: no console error, no request outside its folder' '
	wd_get "file://$REP/report.html" &&
	wd_js "return document.readyState" >st && test "$(cat st)" = "\"complete\"" &&
	wd_js_async "$STATE" >/dev/null &&
	wd_log browser >console.json &&
	jq -r ".[] | select(.level == \"SEVERE\") | .message" console.json >errors &&
	test ! -s errors &&
	wd_log performance | jq -r ".[].message | fromjson | .message |
		select(.method == \"Network.requestWillBeSent\") | .params.request.url" >urls &&
	test "$(lines urls)" -gt 3 &&
	{ grep -v "^file://$REP/" urls >outside || :; } &&
	test ! -s outside
'

test_expect_success 'every camera, clip and hash of the case is in the page as shown' '
	wd_js "return document.body.innerText" | jq -r . >text &&
	for c in door dvr bus old far; do grep -q -w "$c" text; done &&
	jq -r ".clips[] | .path, .sha256, .video.packets_sha256, .sources[].sha256, .sources[].path" \
		$CASE/manifest.json | while read -r x; do
		grep -q -F "$x" text || { echo "not shown: $x"; false; }
	done &&
	grep -q "Corner store DVR" text && grep -q "+190.000 s" text &&
	grep -q "DVR clock against a phone.s GPS time" text
'

test_expect_success 'each video names its clip; the ones a browser cannot play come as working copies' '
	wd_js "return [...document.querySelectorAll(\"video\")].map(v => v.dataset.clip + \" \" + (v.dataset.proxy || 0))" |
		jq -r ".[]" | sort >videos &&
	jq -r ".clips[] | \"\(.path) \(if .video.codec == \"h264\" then 0 else 1 end)\"" $CASE/manifest.json | sort >want &&
	test_cmp want videos
'

test_expect_success '#t= puts every video at its true time (currentTime and the frame shown, +-1 frame)' '
	for t in $INCIDENT 2022-07-05T01:24:33.130Z 2022-07-05T01:21:25.500Z 2022-07-05T01:25:12.520Z \
		2022-07-05T01:19:59Z; do
		wd_get about:blank && wd_get "file://$REP/report.html#t=$t" &&
		wd_js_async "$STATE" >state.json &&
		test "$(jq length state.json)" = 5 &&
		check_at $t state.json || { echo "at $t:"; cat state.json; false; }
	done
'

test_expect_success 'so does moving the scrubber, and the clock shows the time in UTC and local time' '
	for t in 2022-07-05T01:24:35.040Z 2022-07-05T01:25:10Z 2022-07-05T01:21:21.200Z; do
		WD_ARGS="[\"$t\"]" wd_js "
			const d = JSON.parse(document.getElementById(\"vidx-data\").textContent);
			const s = document.getElementById(\"scrub\");
			s.value = String(Math.round((Date.parse(arguments[0]) * 1000 - d.from) / 1000));
			s.dispatchEvent(new Event(\"input\"));
			return document.getElementById(\"now-utc\").textContent" >now &&
		test "$(jq -r . now)" = "$(date -u -d $t +%Y-%m-%dT%H:%M:%S.%3NZ)" &&
		wd_js_async "$STATE" >state.json &&
		check_at $t state.json || { echo "at $t:"; cat state.json; false; }
	done &&
	wd_js "return document.getElementById(\"now-local\").textContent" >local &&
	test "$(jq -r . local)" = "2022-07-04 21:21:21.200 UTC$(printf "\342\210\222")04:00"
'

test_expect_success 'play all: the true time runs on, the videos play, pause holds them at it' '
	wd_get about:blank && wd_get "file://$REP/report.html#t=2022-07-05T01:25:01Z" &&
	wd_js_async "$STATE" >/dev/null &&
	wd_js_async "
		const done = arguments[arguments.length - 1];
		const t0 = vidxReport.time(), w0 = performance.now();
		document.getElementById(\"play\").click();
		setTimeout(() => {
			const v = [...document.querySelectorAll(\"video[data-clip]\")]
				.filter(v => v.dataset.clip.startsWith(\"bus/bus_20220705T012500Z\"))[0];
			const playing = !v.paused;
			document.getElementById(\"play\").click();
			done([vidxReport.time() - t0, (performance.now() - w0) * 1000, playing, vidxReport.iso()]);
		}, 1500);" >play.json &&
	jq -r "@tsv" play.json >play.tsv &&
	IFS="$(printf "\t")" read -r dt wall playing iso <play.tsv &&
	# it ran, and never faster than the wall clock (no timing asked of it)
	awk -v d=$dt -v w=$wall "BEGIN { exit !(d > 0 && d <= w + 1e5) }" || { echo "ran $dt us in $wall us"; false; } &&
	test "$playing" = true &&
	wd_js_async "$STATE" >state.json &&
	check_at $iso state.json || { echo "paused at $iso:"; cat state.json; false; }
'

test_expect_success 'the stills are shown: every picture of the page loaded' '
	wd_get "file://$REP/report.html" &&
	wd_js_async "
		const done = arguments[arguments.length - 1];
		const imgs = [...document.images];
		Promise.all(imgs.map(i => i.decode().then(() => 1, () => 0))).then(ok =>
			done([imgs.length, ok.reduce((a, b) => a + b, 0),
				imgs.filter(i => i.naturalWidth > 0).length]));" >imgs &&
	test "$(cat imgs)" = "[6,6,6]"
'

test_expect_success 'the map and the timeline render (screenshots, not blank)' '
	wd_get "file://$REP/report.html#t=$INCIDENT" && wd_js_async "$STATE" >/dev/null &&
	wd_el_shot "#map-svg" map.png && wd_el_shot "#timeline-svg" timeline.png &&
	for p in map.png timeline.png; do
		identify -format "%w %h %k\n" $p >dim
		read -r w h k <dim
		test "$w" -gt 400 && test "$h" -gt 150 && test "$k" -gt 20 || { echo "$p: $w x $h, $k colours"; false; }
	done &&
	wd_js "return [document.querySelectorAll(\"#map-svg g.cam.footage[data-camera]\").length,
		document.querySelectorAll(\"#map-svg g.cam.none[data-camera]\").length,
		document.querySelectorAll(\"#timeline-svg g.row\").length,
		document.querySelectorAll(\"#timeline-svg g.row rect.clip\").length,
		document.querySelectorAll(\"#timeline-svg .incident line\").length]" >counts &&
	test "$(cat counts)" = "[4,1,5,5,2]" || { cat counts; false; } &&
	wd_shot page.png &&
	mkdir -p "$SHOTS" && cp map.png timeline.png page.png "$SHOTS"/
'

test_expect_success 'a click on the timeline moves the player there' '
	wd_js "
		const svg = document.getElementById(\"timeline-svg\"), r = svg.getBoundingClientRect();
		const a = +svg.dataset.a, b = +svg.dataset.b, x0 = +svg.dataset.x0, x1 = +svg.dataset.x1;
		const vb = svg.viewBox.baseVal, k = r.width / vb.width;
		const t = Date.parse(\"2022-07-05T01:25:02Z\") * 1000;
		const x = r.left + (x0 + (t - a) / (b - a) * (x1 - x0)) * k;
		svg.dispatchEvent(new MouseEvent(\"click\", {clientX: x, clientY: r.top + 80 * k, bubbles: true}));
		return vidxReport.time()" >t &&
	awk -v t=$(cat t) -v w=$(date -u -d 2022-07-05T01:25:02Z +%s%6N) "BEGIN { exit !(t - w < 2e6 && w - t < 2e6) }"
'

test_expect_success 'the PDF renders and holds the clip table' '
	pdftoppm -r 40 -png $REP/report.pdf pg &&
	test "$(ls pg-*.png | wc -l)" -ge 3 &&
	k=$(identify -format "%k" $(ls pg-*.png | head -n 1)) && test "$k" -gt 20 &&
	pdftotext -layout $REP/report.pdf all.txt &&
	grep -q "Clip and its SHA-256" all.txt &&
	tr -d " \n" <all.txt >flat.txt &&
	jq -r ".clips[] | .path, .sha256" $CASE/manifest.json | while read -r x; do
		grep -q -F "$x" flat.txt || { echo "not in the PDF: $x"; false; }
	done &&
	cp pg-01.png "$SHOTS/pdf-page1.png" 2>/dev/null || :
'

test_expect_success 'hostile names (quotes, markup, newlines) are shown as text, never run' '
	H=$TRASH/h.db &&
	name=$(printf "Cam \"q\" <script>window.pwned=1</script>\n</title><img src=x onerror=window.pwned=2>") &&
	vidx-camera -d $H add evil --lat 41.30568 --lon -72.92561 --tz UTC --name "$name" \
		--address "<iframe src=\"http://example.com/\"></iframe>" &&
	vidx-camera -d $H clock evil --camera-time 2022-07-05T01:00:01Z --true-time 2022-07-05T01:00:00Z \
		--by "<b>Det</b>" --note "<img src=x onerror=\"window.pwned=5\"> & more" &&
	d=$(printf "ev/a\"b<script>window.pwned=4</script>\nc") && mkdir -p "$d" &&
	cp "$FIXTURES/h264.ts" "$d/x'\''y.ts" &&
	vidx-ingest -d $H -c evil --start 2022-07-05T01:00:00Z "$d/x'\''y.ts" >/dev/null &&
	vidx-case -d $H new E --title "T </title><script>window.pwned=3</script> & \"x\"" --by "Det. <b>O'\''Brien</b>" &&
	vidx-pull -d $H --case E --by "Det. <b>O'\''Brien</b>" --out ecase -c evil \
		--from 2022-07-05T01:00:01Z --to 2022-07-05T01:00:05Z >/dev/null &&
	vidx-report -d $H --by "Det. <b>O'\''Brien</b>" --out erep --at 2022-07-05T01:00:03Z E >/dev/null &&
	wd_get about:blank && wd_log browser >/dev/null && wd_log performance >/dev/null &&
	wd_get "file://$TRASH/erep/report.html" && wd_js_async "$STATE" >/dev/null &&
	wd_js "return [typeof window.pwned, document.scripts.length,
		[...document.images].filter(i => !/^stills\//.test(i.getAttribute(\"src\"))).length,
		document.querySelectorAll(\"iframe, object, embed\").length,
		[...document.querySelectorAll(\"*\")].filter(e => [...e.attributes].some(a => /^on/i.test(a.name))).length]" >x &&
	test "$(cat x)" = "[\"undefined\",2,0,0,0]" &&
	wd_js "return document.title" | jq -r . >title &&
	grep -q -F "</title><script>window.pwned=3</script>" title &&
	wd_js "return document.body.innerText" | jq -r . >text &&
	grep -q -F "Cam \"q\" <script>window.pwned=1</script>" text &&
	grep -q -F "<img src=x onerror=window.pwned=2>" text &&
	grep -q -F "<img src=x onerror=\"window.pwned=5\"> & more" text &&
	grep -q -F "a\"b<script>window.pwned=4</script>" text &&
	grep -q -F "Det. <b>O'\''Brien</b>" text &&
	wd_log browser | jq -r ".[] | select(.level == \"SEVERE\") | .message" >errors &&
	test ! -s errors &&
	wd_log performance | jq -r ".[].message | fromjson | .message |
		select(.method == \"Network.requestWillBeSent\") | .params.request.url" >urls &&
	{ grep -v "^file://$TRASH/erep/" urls >outside || :; } &&
	test ! -s outside
'

test_done
