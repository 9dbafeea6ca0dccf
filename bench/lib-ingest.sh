# bench/lib-ingest.sh - helpers of bench/ingest (POSIX sh; sourced after
# bench/lib.sh).
#
# shellcheck shell=sh disable=SC2153
# Callers set BENCH_TMP, VIDX_CAMERA and CAM before using these.

# mismatch MSG...: the benchmark did not measure what it claims to; stop.
mismatch() {
	printf 'MISMATCH: %s\n' "$*"
	printf '%s: MISMATCH: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

# ib_run TAG OUT CMD...: bench_run, except that CMD's stdout goes to OUT
# (so that what it did can be checked afterwards) and a failure is not
# fatal: its exit status is left in IB_RC for the caller to check.  Wall
# seconds go to TAG.t, CPU seconds (user + system) to TAG.cpu, peak RSS in
# KiB to TAG.rss.
ib_run() {
	_tag=$1 _out=$2
	shift 2
	if [ -n "${BENCH_RUNNER:-}" ]; then
		"$BENCH_RUNNER" "$BENCH_TMP/run.last" "$@" >"$_out" && IB_RC=0 || IB_RC=$?
		read -r _w _c _r <"$BENCH_TMP/run.last"
		echo "$_w" >>"$BENCH_TMP/$_tag.t"
		echo "$_c" >>"$BENCH_TMP/$_tag.cpu"
		echo "$_r" >>"$BENCH_TMP/$_tag.rss"
		return 0
	fi
	_t0=$(now_ns)
	if [ -n "$BENCH_TIME" ]; then
		"$BENCH_TIME" -f '%M %U %S' -o "$BENCH_TMP/rss.last" "$@" >"$_out" &&
			IB_RC=0 || IB_RC=$?
	else
		"$@" >"$_out" && IB_RC=0 || IB_RC=$?
	fi
	_t1=$(now_ns)
	awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.6f\n", (b - a) / 1e9 }' \
		>>"$BENCH_TMP/$_tag.t"
	if [ -n "$BENCH_TIME" ]; then
		# GNU time puts "Command exited with non-zero status N" first
		tail -n 1 "$BENCH_TMP/rss.last" | awk '{ print $1 }' >>"$BENCH_TMP/$_tag.rss"
		tail -n 1 "$BENCH_TMP/rss.last" |
			awk '{ printf "%.6f\n", $2 + $3 }' >>"$BENCH_TMP/$_tag.cpu"
	fi
}

# fresh_db DB: an empty index with the one bench camera (not timed).
fresh_db() {
	rm -f "$1" "$1-wal" "$1-shm" "$1-journal"
	"$VIDX_CAMERA" -d "$1" add "$CAM" --lat 41.3 --lon -72.9 \
		--tz America/New_York >/dev/null ||
		die "vidx-camera could not make the index $1"
}

# vidx_summary DB: "files keyframes bytes" as the index has them, with the
# keyframes table counted on its own ("rows sum(count)").
vidx_summary() {
	sqlite3 "$1" "SELECT count(*) || ' ' || ifnull(sum(keyframe_count), 0) ||
		' ' || ifnull(sum(size), 0) FROM recordings;
		SELECT count(*) || ' ' || ifnull(sum(count), 0) FROM keyframes;" |
		tr '\n' ' ' | sed 's/ $//'
}

# check_vidx WHAT DB OUT NFILES NKF NBYTES: the vidx-ingest --json run that
# wrote OUT into the fresh DB exited 0, reported every file as ingested,
# and left NFILES recordings with NKF keyframes and NBYTES bytes in all.
check_vidx() {
	[ "$IB_RC" = 0 ] || mismatch "$1: vidx-ingest exited $IB_RC"
	_n=$(grep -c '"status":"ingested"' "$3" || true)
	[ "$_n" = "$4" ] ||
		mismatch "$1: vidx-ingest reported $_n files ingested, expected $4"
	_got=$(vidx_summary "$2")
	[ "$_got" = "$4 $5 $6 $4 $5" ] ||
		mismatch "$1: index holds '$_got' (files keyframes bytes keyframe-rows" \
			"keyframe-sum), expected '$4 $5 $6 $4 $5'"
}

# naive_summary DB: "files keyframes bytes" as the naive script stored them.
naive_summary() {
	sqlite3 "$1" "SELECT count(*) || ' ' || ifnull(sum(keyframes), 0) || ' ' ||
		ifnull(sum(size), 0) || ' ' || (SELECT count(*) FROM keyframes)
		FROM recordings"
}

# check_hashes WHAT OUT FIELD REF: the hashes in column FIELD ('$1' or
# '$NF') of OUT, sorted, are those in REF (one per line, sorted).
check_hashes() {
	awk "{ print $3 }" "$2" | sort >"$BENCH_TMP/hashes.got"
	[ "$IB_RC" = 0 ] || mismatch "$1: exited $IB_RC"
	cmp -s "$BENCH_TMP/hashes.got" "$4" ||
		mismatch "$1: its SHA-256 sums differ from sha256sum's (see $4)"
}

# mb_s BYTES SECONDS: throughput in MB/s (10^6 bytes).
mb_s() {
	awk -v b="$1" -v s="$2" 'BEGIN {
		if (s !~ /^[0-9.]+$/ || s + 0 == 0) print "n/a"
		else printf "%.1f\n", b / 1e6 / s }'
}

# pct A B: A / B as a percentage with one decimal.
pct() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"
		else printf "%.1f%%\n", 100 * a / b }'
}

# div A B [DECIMALS]: A / B.
div() {
	awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN {
		if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"
		else printf "%.*f\n", d, a / b }'
}

# aim OK: "met" or "MISSED" for an awk condition on numbers.
aim() {
	awk "BEGIN { exit !($1) }" 2>/dev/null && echo met || echo MISSED
}

# row: one line of the timing tables.
# row LABEL TAG BYTES [FILES]: median seconds, MB/s, files/s, median peak
# RSS of the runs tagged TAG.
row() {
	_m=$(median "$BENCH_TMP/$2.t")
	_r=$(kib_to_mb "$(median "$BENCH_TMP/$2.rss")")
	_f=n/a
	[ -z "${4:-}" ] || _f=$(div "$4" "$_m" 1)
	printf '  %-44s %9.3f %9s %9s %9s\n' "$1" "$_m" "$(mb_s "$3" "$_m")" "$_f" "$_r"
}
