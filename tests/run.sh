#!/bin/sh
# run.sh LABEL BINDIR UNITDIR - run the unit tests (cmocka, TAP output), the
# CLI tests and the browser tests against the binaries in BINDIR; print each
# result, write "PASSED FAILED" to build/results/LABEL.  Always exits 0: the summary
# (tests/summary.sh) decides.
set -u
label=$1
root=$(cd "$(dirname "$0")/.." && pwd)
bindir=$(cd "$2" && pwd)
unitdir=$(cd "$3" && pwd)
results=$root/build/results
mkdir -p "$results/failed"
: >"$results/failed/$label"
log=$(mktemp "${TMPDIR:-/tmp}/vidx-run.XXXXXX")
trap 'rm -f "$log"' EXIT
pass=0 fail=0

# ASan/UBSan: any report fails the run; leaks too
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
FIXTURES=$root/fixtures
VIDX_BIN=$bindir
# figures for tests/RELIABILITY.md (counts of cases tried)
VIDX_RESULTS=$root/build/reliability/$label
VIDX_SRC=$root
CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS UBSAN_OPTIONS FIXTURES VIDX_BIN VIDX_SRC VIDX_RESULTS CMOCKA_MESSAGE_OUTPUT

# count "ok"/"not ok" lines of one test program; a crash or a non-zero exit
# with no failing line counts as one failure
tally() {
	name=$1 status=$2
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$status" != 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "not ok - $label $name exited with status $status"
	fi
	grep -E '^(not ok|#)' "$log" | sed "s|^|[$label $name] |" | head -60
	# the failing lines again, for the summary at the end of make check
	{ grep '^not ok ' "$log"
	  [ "$status" != 0 ] && [ "$(grep -c '^not ok ' "$log")" = 0 ] &&
	    echo "not ok - exited with status $status"
	} | sed "s|^|$label $name: |" >>"$results/failed/$label"
	pass=$((pass + p))
	fail=$((fail + f))
	echo "$label $name: $p passed, $f failed"
}

for t in "$unitdir"/test_*; do
	[ -x "$t" ] || continue
	"$t" >"$log" 2>&1
	tally "$(basename "$t")" $?
done
# the report in a real browser too (each skips where Chromium is missing)
for t in "$root"/tests/cli/t[0-9]*.sh "$root"/tests/browser/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	sh "$t" >"$log" 2>&1
	tally "$(basename "$t" .sh)" $?
done
echo "$pass $fail" >"$results/$label"
exit 0
