# lib.sh - sourced by tests/cli/tNNNN-*.sh (after git's t/test-lib.sh).
#
#   test_expect_success 'what it checks' '
#           commands && more commands
#   '
#   test_done
#
# Each body runs in a subshell with `set -e` (so any failing command fails
# the test, loops included) inside a scratch directory that is removed at
# the end.  VIDX_BIN (binaries) and FIXTURES come from
# tests/run.sh.
set -u
: "${VIDX_BIN:?set by tests/run.sh}" "${FIXTURES:?set by tests/run.sh}"
PATH=$VIDX_BIN:$PATH
export PATH
TZ=UTC
export TZ
unset VIDX_DB
test_name=$(basename "$0" .sh)
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/vidx-$test_name.XXXXXX")
trap 'chmod -R u+w "$TRASH" 2>/dev/null; rm -rf "$TRASH"' EXIT
cd "$TRASH" || exit 1
# keys and certificates (vidx-key) of the person running the tests stay out
XDG_CONFIG_HOME=$TRASH/.config
export XDG_CONFIG_HOME
test_count=0
test_failed=0

test_expect_success() {
	test_count=$((test_count + 1))
	# not inside `if`: there the shell would ignore set -e in the body
	(set -e; eval "$2") >"$TRASH/.out" 2>&1
	if [ $? = 0 ]; then
		echo "ok $test_count - $1"
	else
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/.out" | tail -40
		test_failed=$((test_failed + 1))
	fi
}

# test_cmp EXPECT ACTUAL
test_cmp() {
	diff -u "$1" "$2"
}

# test_expect_code CODE COMMAND...: run it, want exactly that exit status
test_expect_code() {
	want=$1
	shift
	set +e
	"$@"
	got=$?
	set -e
	if [ "$got" != "$want" ]; then
		echo "want exit $want, got $got: $*" >&2
		return 1
	fi
}

# lines FILE: number of lines
lines() {
	wc -l <"$1" | tr -d ' '
}

test_done() {
	echo "1..$test_count"
	[ "$test_failed" = 0 ]
}
