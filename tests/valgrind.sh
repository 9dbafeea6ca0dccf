#!/bin/sh
# valgrind.sh UNITDIR - the documented valgrind (memcheck) subset of make
# check: the unit tests whose programs do not load FFmpeg.  Everything
# linked with Debian 12's libavcodec loads libhwy (through libjxl), whose
# start-up runs an instruction valgrind 3.19 does not know (SIGILL before
# main), so those run under ASan+UBSan+LSan instead (tests/RELIABILITY.md).
# Writes "PASSED FAILED" to build/results/valgrind.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
pass=0 fail=0
if ! command -v valgrind >/dev/null 2>&1; then
	echo "not ok - valgrind is not installed"
	echo "0 1" >"$root/build/results/valgrind"
	exit 0
fi
for t in "$1"/test_*; do
	[ -x "$t" ] || continue
	if ldd "$t" | grep -q libavcodec; then
		continue
	fi
	log=$(mktemp)
	CMOCKA_MESSAGE_OUTPUT=TAP valgrind --quiet --error-exitcode=99 --leak-check=full \
		--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
		"$t" >"$log" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		pass=$((pass + 1))
		echo "ok - valgrind $(basename "$t"): $(grep -c '^ok ' "$log") tests, 0 errors, 0 leaks"
	else
		fail=$((fail + 1))
		echo "not ok - valgrind $(basename "$t"): exit $rc"
		mkdir -p "$root/build/results/failed"
		echo "not ok - valgrind $(basename "$t"): exit $rc" >>"$root/build/results/failed/valgrind"
		grep -E "==[0-9]+==" "$log" | head -20
	fi
	rm -f "$log"
done
echo "valgrind: $pass passed, $fail failed"
echo "$pass $fail" >"$root/build/results/valgrind"
