# bench/lib.sh - helpers shared by the bench/ scripts (POSIX sh; sourced).
#
# shellcheck shell=sh disable=SC2153
# Callers set BENCH_TMP (a private temporary directory) before bench_run.

die() {
	printf '%s: error: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

say() {
	printf '%s\n' "$*" >&2
}

# now_ns: wall-clock time in nanoseconds, with the best clock available.
# bench_clock picks it once (GNU/busybox date %N, else perl, else python3).
bench_clock() {
	case $(date +%s%N 2>/dev/null) in
	*[!0-9]* | '') ;;
	*) BENCH_CLOCK='date'; return 0 ;;
	esac
	if command -v perl >/dev/null 2>&1 &&
	   perl -MTime::HiRes -e 1 >/dev/null 2>&1; then
		BENCH_CLOCK=perl; return 0
	fi
	if command -v python3 >/dev/null 2>&1; then
		BENCH_CLOCK=python3; return 0
	fi
	die "no sub-second clock: need date +%N (GNU or busybox), perl or python3"
}

now_ns() {
	case $BENCH_CLOCK in
	date) date +%s%N ;;
	perl) perl -MTime::HiRes=time -e 'printf "%.0f\n", time * 1e9' ;;
	python3) python3 -c 'import time; print(time.time_ns())' ;;
	esac
}

# bench_rss_tool: set BENCH_TIME to a GNU time(1) that understands -f %M
# and -o, or to '' when peak RSS cannot be measured.
bench_rss_tool() {
	BENCH_TIME=
	for t in /usr/bin/time /bin/time; do
		[ -x "$t" ] || continue
		if "$t" -f %M -o "$BENCH_TMP/rss.probe" true 2>/dev/null &&
		   grep -q '^[0-9][0-9]*$' "$BENCH_TMP/rss.probe" 2>/dev/null; then
			BENCH_TIME=$t
			break
		fi
	done
	rm -f "$BENCH_TMP/rss.probe"
}

# bench_runner: build bench/runner.c into $BENCH_TMP (needs cc) and set
# BENCH_RUNNER to it; without a compiler, BENCH_RUNNER is empty and
# bench_run falls back to date(1) and GNU time(1).
bench_runner() {
	BENCH_RUNNER=
	if command -v "${CC:-cc}" >/dev/null 2>&1 &&
	   "${CC:-cc}" -O2 -o "$BENCH_TMP/runner" "$(dirname "$0")/runner.c" 2>/dev/null; then
		BENCH_RUNNER=$BENCH_TMP/runner
	fi
}

# bench_run TAG CMD...: run CMD once with stdout to /dev/null (stderr is kept
# so that failures are visible), append its wall-clock seconds to
# $BENCH_TMP/TAG.t, its peak RSS in KiB to $BENCH_TMP/TAG.rss and its CPU
# seconds (user + system, all threads) to $BENCH_TMP/TAG.cpu.  Dies if CMD
# fails.  CPU time is the steadier figure on a shared machine: waiting for
# a core does not count.  With bench_runner's program the figures are taken
# in-process; else the time includes the time(1) wrapper (one extra
# fork+exec, the same for every command) and CPU time is in 10 ms steps.
bench_run() {
	_tag=$1; shift
	if [ -n "${BENCH_RUNNER:-}" ]; then
		"$BENCH_RUNNER" "$BENCH_TMP/run.last" "$@" >/dev/null ||
			die "command failed (exit $?): $*"
		read -r _w _c _r <"$BENCH_TMP/run.last"
		echo "$_w" >>"$BENCH_TMP/$_tag.t"
		echo "$_c" >>"$BENCH_TMP/$_tag.cpu"
		echo "$_r" >>"$BENCH_TMP/$_tag.rss"
		return 0
	fi
	_t0=$(now_ns)
	if [ -n "$BENCH_TIME" ]; then
		"$BENCH_TIME" -f '%M %U %S' -o "$BENCH_TMP/rss.last" "$@" >/dev/null ||
			die "command failed (exit $?): $*"
	else
		"$@" >/dev/null || die "command failed (exit $?): $*"
	fi
	_t1=$(now_ns)
	awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.6f\n", (b - a) / 1e9 }' \
		>>"$BENCH_TMP/$_tag.t"
	if [ -n "$BENCH_TIME" ]; then
		tail -n 1 "$BENCH_TMP/rss.last" | awk '{ print $1 }' >>"$BENCH_TMP/$_tag.rss"
		tail -n 1 "$BENCH_TMP/rss.last" |
			awk '{ printf "%.6f\n", $2 + $3 }' >>"$BENCH_TMP/$_tag.cpu"
	fi
}

# median FILE: the median of the numbers in FILE, one per line ("n/a" if
# FILE is missing or empty).
median() {
	if [ ! -s "$1" ]; then
		echo n/a
		return 0
	fi
	sort -n "$1" | awk '{ v[NR] = $1 }
		END { if (NR % 2) m = v[(NR + 1) / 2]
		      else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.6f\n", m }'
}

# ratio A B: A / B with one decimal, "n/a" if either is not a number.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"
		else printf "%.1fx\n", a / b }'
}

# kib_to_mb KIB: KiB as MiB with one decimal ("n/a" passes through).
kib_to_mb() {
	awk -v k="$1" 'BEGIN {
		if (k !~ /^[0-9.]+$/) print "n/a"; else printf "%.1f\n", k / 1024 }'
}

# file_size FILE: size in bytes.
file_size() {
	wc -c <"$1" | tr -d ' '
}
