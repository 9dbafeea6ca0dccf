# wd.sh - drive headless Chromium over WebDriver (chromedriver), with curl
# and jq: sourced by the browser tests after tests/cli/lib.sh.
#
#   wd_need           print a TAP skip and exit 0 when Chromium, chromedriver
#                     or curl is missing
#   wd_start          chromedriver on a free local port, one browser session
#                     (a fresh profile in the test's scratch folder, no
#                     network features); stopped when the test ends
#   wd_get URL        load URL and wait for it
#   wd_js 'body'      run JavaScript (a function body: `return ...`), print
#                     its value as JSON; arguments as JSON in $WD_ARGS
#   wd_js_async 'body' the same, the value given to arguments[arguments.length-1]
#   wd_shot FILE      screenshot of the window (PNG)
#   wd_el_shot CSS FILE  screenshot of one element
#   wd_log TYPE       the browser's log since the last call ("browser":
#                     console messages; "performance": network events), JSON
#
# Chromium runs as the machine's notes say it must here: --headless
# --no-sandbox --disable-gpu --disable-background-networking
# --disable-component-update --disable-sync --no-first-run and a new
# --user-data-dir.
WD_CHROMIUM=${VIDX_CHROMIUM:-/usr/bin/chromium}
WD_DRIVER=${VIDX_CHROMEDRIVER:-chromedriver}
WD_URL=
WD_SID=
WD_PID=
WD_ARGS='[]'

wd_need() {
	missing=
	[ -x "$WD_CHROMIUM" ] || command -v "$WD_CHROMIUM" >/dev/null 2>&1 || missing="$missing chromium"
	command -v "$WD_DRIVER" >/dev/null 2>&1 || missing="$missing chromium-driver"
	command -v curl >/dev/null 2>&1 || missing="$missing curl"
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	if [ -n "$missing" ]; then
		echo "ok 1 # skip browser tests: not installed:$missing (make deps installs them)"
		echo "1..1"
		exit 0
	fi
}

wd_stop() {
	if [ -n "$WD_SID" ]; then
		curl -s -m 20 -X DELETE "$WD_URL/session/$WD_SID" >/dev/null 2>&1
		WD_SID=
	fi
	if [ -n "$WD_PID" ]; then
		kill "$WD_PID" 2>/dev/null
		wait "$WD_PID" 2>/dev/null
		WD_PID=
	fi
}

# POST PATH JSON: the response body
wd_post() {
	curl -s -m 120 -X POST -H 'Content-Type: application/json' -d "$2" "$WD_URL$1"
}

wd_start() {
	trap 'wd_stop; chmod -R u+w "$TRASH" 2>/dev/null; rm -rf "$TRASH"' EXIT
	tries=0
	while :; do
		tries=$((tries + 1))
		port=$(( ($$ + tries * 7919 + $(date +%N | sed 's/^0*//;s/^$/0/')) % 20000 + 30000 ))
		"$WD_DRIVER" --port=$port >"$TRASH/chromedriver.log" 2>&1 &
		WD_PID=$!
		WD_URL=http://127.0.0.1:$port
		n=0
		while [ $n -lt 100 ]; do
			if curl -s -m 2 "$WD_URL/status" 2>/dev/null | jq -e '.value.ready' >/dev/null 2>&1; then
				break 2
			fi
			kill -0 "$WD_PID" 2>/dev/null || break
			sleep 0.1
			n=$((n + 1))
		done
		kill "$WD_PID" 2>/dev/null
		wait "$WD_PID" 2>/dev/null
		WD_PID=
		[ $tries -lt 5 ] || { echo "chromedriver did not start" >&2; cat "$TRASH/chromedriver.log" >&2; return 1; }
	done
	mkdir -p "$TRASH/profile"
	caps=$(jq -n --arg bin "$WD_CHROMIUM" --arg prof "$TRASH/profile" '{capabilities: {alwaysMatch: {
		browserName: "chrome",
		"goog:chromeOptions": {binary: $bin, args: ["--headless", "--no-sandbox", "--disable-gpu",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--no-first-run", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
			"--autoplay-policy=no-user-gesture-required", "--window-size=1280,1000",
			("--user-data-dir=" + $prof)]},
		"goog:loggingPrefs": {browser: "ALL", performance: "ALL"}}}}')
	# on a loaded machine Chromium can miss chromedriver's start-up time:
	# a session is asked for up to three times (what each answered is kept)
	tries=0
	while [ $tries -lt 3 ] && [ -z "$WD_SID" ]; do
		tries=$((tries + 1))
		wd_post /session "$caps" >"$TRASH/.wd-session.$tries"
		WD_SID=$(jq -r '.value.sessionId // empty' "$TRASH/.wd-session.$tries" 2>/dev/null)
		[ -n "$WD_SID" ] || sleep 2
	done
	[ -n "$WD_SID" ] || { echo "no WebDriver session after $tries tries" >&2
		cat "$TRASH"/.wd-session.* "$TRASH/chromedriver.log" >&2; return 1; }
	# the start page's own requests are not the report's
	wd_get about:blank
	wd_log browser >/dev/null
	wd_log performance >/dev/null
}

wd_get() {
	wd_post "/session/$WD_SID/url" "$(jq -n --arg u "$1" '{url: $u}')" >"$TRASH/.wd" &&
	jq -e '.value == null' "$TRASH/.wd" >/dev/null || { cat "$TRASH/.wd" >&2; return 1; }
}

# the value of a script, or its error on stderr and status 1
wd_js() {
	wd_post "/session/$WD_SID/execute/sync" \
		"$(jq -n --arg s "$1" --argjson a "$WD_ARGS" '{script: $s, args: $a}')" >"$TRASH/.wd"
	if jq -e '.value | type == "object" and has("error")' "$TRASH/.wd" >/dev/null; then
		jq -r '.value.message' "$TRASH/.wd" >&2
		return 1
	fi
	jq -c '.value' "$TRASH/.wd"
}

wd_js_async() {
	wd_post "/session/$WD_SID/timeouts" '{"script": 60000}' >/dev/null
	wd_post "/session/$WD_SID/execute/async" \
		"$(jq -n --arg s "$1" --argjson a "$WD_ARGS" '{script: $s, args: $a}')" >"$TRASH/.wd"
	if jq -e '.value | type == "object" and has("error")' "$TRASH/.wd" >/dev/null; then
		jq -r '.value.message' "$TRASH/.wd" >&2
		return 1
	fi
	jq -c '.value' "$TRASH/.wd"
}

wd_shot() {
	curl -s -m 60 "$WD_URL/session/$WD_SID/screenshot" | jq -r .value | base64 -d >"$1"
}

wd_el_shot() {
	el=$(wd_post "/session/$WD_SID/element" \
		"$(jq -n --arg c "$1" '{using: "css selector", value: $c}')" |
		jq -r '.value | to_entries[0].value')
	[ -n "$el" ] && [ "$el" != null ] || { echo "no element $1" >&2; return 1; }
	curl -s -m 60 "$WD_URL/session/$WD_SID/element/$el/screenshot" | jq -r .value | base64 -d >"$2"
}

wd_log() {
	wd_post "/session/$WD_SID/se/log" "$(jq -n --arg t "$1" '{type: $t}')" | jq -c '.value'
}
