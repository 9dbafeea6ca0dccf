#!/bin/sh
# summary.sh DIR - add up the "PASSED FAILED" files in DIR; print the one
# closing line `N passed, N failed`; exit 1 on any failure or no test.
set -u
p=0 f=0
for r in "$1"/*; do
	[ -f "$r" ] || continue
	read a b <"$r"
	p=$((p + a))
	f=$((f + b))
done
echo "$p passed, $f failed"
[ "$f" = 0 ] && [ "$p" -gt 0 ]
