#!/bin/sh
# summary.sh DIR - add up the "PASSED FAILED" files in DIR; print the one
# closing line `N passed, N failed` (after the failing tests, named again); exit 1 on any failure or no test.
set -u
p=0 f=0
for r in "$1"/*; do
	[ -f "$r" ] || continue
	read a b <"$r"
	p=$((p + a))
	f=$((f + b))
done
# what failed, named again just before the closing line (a CI log is often
# read from its end)
if [ "$f" != 0 ] && [ -d "$1/failed" ]; then
	echo "failed:"
	cat "$1"/failed/* 2>/dev/null | head -40 | sed 's/^/  /'
fi
echo "$p passed, $f failed"
[ "$f" = 0 ] && [ "$p" -gt 0 ]
