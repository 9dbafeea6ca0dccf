# geo.sh - sourced by the tests of recordings' own places (after lib.sh):
# the fixture generator, built once per test script, and comparisons.
: "${VIDX_SRC:?set by tests/run.sh}"

# mkgeo ARGS: fixtures/mkgeo.c (built into the scratch folder on first use)
mkgeo() {
	[ -x "$TRASH/.mkgeo" ] ||
		${CC:-cc} -std=c11 -O2 -o "$TRASH/.mkgeo" "$VIDX_SRC/fixtures/mkgeo.c" -lm
	"$TRASH/.mkgeo" "$@"
}

# base NAME.mp4: a copy of the H.264 fixture with its moov last (as phones
# and ffmpeg write it), to which mkgeo adds boxes
base_mp4() {
	ffmpeg -nostdin -loglevel error -y -i "$FIXTURES/h264_bframes.mp4" -c copy \
		-map 0 "$1"
}

# near A B [TOL]: two files of numbers, line by line, within TOL (1e-6)
near() {
	[ "$(wc -l <"$1")" = "$(wc -l <"$2")" ] ||
		{ echo "line counts differ: $(wc -l <"$1") vs $(wc -l <"$2")" >&2; return 1; }
	paste "$1" "$2" | awk -v tol="${3:-1e-6}" '{
		n = NF / 2
		for (i = 1; i <= n; i++) {
			d = $i - $(i + n); if (d < 0) d = -d
			if (d > tol) { print "line " NR ": " $0 " (off by " d ")"; bad = 1 }
		}
	} END { exit bad }' >&2
}

# exiftool -ee, one value a line, in file order
exif_all() {
	exiftool -ee -n -a -s3 "-$1" "$2"
}

have_exiftool() {
	command -v exiftool >/dev/null 2>&1 || { echo "exiftool not installed: skipped" >&2; return 1; }
}
