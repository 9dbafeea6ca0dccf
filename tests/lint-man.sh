#!/bin/sh
# lint-man.sh RESULTS PAGE... - every man page must be clean under
# `mandoc -Tlint -W warning`; one test per page.
set -u
results=$1
shift
p=0 f=0 n=0
for m in "$@"; do
	n=$((n + 1))
	if out=$(mandoc -Tlint -W warning "$m" 2>&1) && [ -z "$out" ]; then
		echo "ok $n - mandoc -Tlint $m"
		p=$((p + 1))
	else
		echo "not ok $n - mandoc -Tlint $m"
		mkdir -p "$results/failed"
		echo "not ok $n - mandoc -Tlint $m" >>"$results/failed/man"
		echo "$out" | sed 's/^/#   /'
		f=$((f + 1))
	fi
done
echo "man: $p passed, $f failed"
echo "$p $f" >"$results/man"
