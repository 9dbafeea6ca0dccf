#!/bin/sh
# run.sh SECONDS MODE - run every libFuzzer target in build/fuzz for
# SECONDS each.  MODE "short" (make check): on a scratch copy of its corpus,
# and the result goes into build/results/fuzz (one pass per target that
# found nothing); MODE "long" (make fuzz): new inputs are merged into
# tests/fuzz/corpus/TARGET.  Per-target executions and findings go to
# build/reliability/fuzz.txt.  A crash leaves its input in build/fuzz/crashes.
set -u
secs=$1 mode=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/build/fuzz
out=$root/build/reliability
mkdir -p "$out" "$bin/crashes" "$root/build/results"
: >"$out/fuzz.txt"
pass=0 fail=0
for t in "$bin"/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t" | sed 's/^fuzz_//')
	corpus=$root/tests/fuzz/corpus/$name
	mkdir -p "$corpus"
	work=$bin/work/$name
	rm -rf "$work" && mkdir -p "$work"
	extra=
	# media are seeded with the fixtures themselves (read, never written)
	case $name in probe | decode) extra=$root/fixtures ;; esac
	if [ "$mode" = long ]; then
		set -- "$work" "$corpus" $extra
	else
		cp "$corpus"/* "$work"/ 2>/dev/null
		set -- "$work" $extra
	fi
	log=$bin/$name.log
	TMPDIR=$bin/work ASAN_OPTIONS=detect_leaks=1 "$t" -max_total_time="$secs" \
		-max_len=262144 -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
		-artifact_prefix="$bin/crashes/$name-" "$@" >"$log" 2>&1
	status=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$status" = 0 ]; then
		pass=$((pass + 1))
		echo "ok - fuzz $name: ${execs:-0} executions in ${secs}s, nothing found"
		echo "$name ${execs:-0} 0" >>"$out/fuzz.txt"
	else
		fail=$((fail + 1))
		echo "not ok - fuzz $name: exit $status (see $log)"
		mkdir -p "$root/build/results/failed"
		echo "not ok - fuzz $name: exit $status" >>"$root/build/results/failed/fuzz"
		grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5 | sed 's/^/#   /'
		echo "$name ${execs:-0} 1" >>"$out/fuzz.txt"
	fi
	if [ "$mode" = long ] && [ "$status" = 0 ]; then
		# keep what the run found, minimised, in the repository's corpus
		"$t" -merge=1 "$corpus" "$work" >/dev/null 2>&1
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$mode" = short ] && echo "$pass $fail" >"$root/build/results/fuzz"
exit 0
