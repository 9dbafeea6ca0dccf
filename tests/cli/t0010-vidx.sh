#!/bin/sh
# vidx: the command that runs the vidx-* tools.
. "$(dirname "$0")/lib.sh"

test_expect_success 'vidx probe ARGS runs vidx-probe ARGS' '
	vidx probe --json "$FIXTURES/h264.ts" >a &&
	vidx-probe --json "$FIXTURES/h264.ts" >b &&
	test_cmp a b
'

test_expect_success 'exit status of the tool is passed through' '
	test_expect_code 1 vidx probe missing.mp4 2>err &&
	grep "^vidx-probe: cannot probe" err
'

test_expect_success 'vidx help lists the tools' '
	vidx help >out && grep "^  probe " out
'

test_expect_success 'vidx help probe shows its usage' '
	vidx help probe >out && grep "^usage: vidx-probe" out
'

test_expect_success 'unknown command: exit 2' '
	test_expect_code 2 vidx frobnicate 2>err && grep "not a vidx command" err &&
	test_expect_code 2 vidx ../../bin/sh 2>err
'

test_expect_success 'no command: usage on stderr, exit 2' '
	test_expect_code 2 vidx 2>err && grep "^usage: vidx" err
'

test_expect_success 'vidx --version' '
	vidx --version | grep "^vidx (vidx) "
'

test_expect_success 'tools that only read the index do not load FFmpeg (start-up)' '
	for t in vidx vidx-query vidx-ls vidx-case vidx-camera; do
		ldd "$VIDX_BIN/$t" >libs &&
		! grep -E "libav(codec|format|util)" libs || { echo "$t loads FFmpeg"; exit 1; }
	done &&
	ldd "$VIDX_BIN/vidx-probe" | grep -q libavformat
'

test_done
