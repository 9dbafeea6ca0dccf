#!/bin/sh
# Hosts on paths: vidx-ingest records the machine each path was seen on
# (--host, default the machine's name); vidx-pull and vidx-verify on another
# host name the machine that holds a source instead of calling it missing,
# and still read a path another host recorded when it is there (shared
# storage).  Pull events and manifests name sources by SHA-256.
. "$(dirname "$0")/lib.sh"

DB=$TRASH/h.db
START=2022-07-04T21:00:00Z
FROM=2022-07-04T21:00:03Z
TO=2022-07-04T21:00:05Z

test_expect_success 'set-up: a camera, a recording of our own ingested on host a, a case' '
	ffmpeg -nostdin -v error -i "$FIXTURES/h264.ts" -map 0 -c copy -metadata title=h rec.ts &&
	vidx-camera -d $DB add cam --lat 1 --lon 1 &&
	vidx-ingest -d $DB --host a -c cam --start $START rec.ts >/dev/null &&
	vidx-case -d $DB new C --title t --by ann
'

test_expect_success 'ingest --host: the host is kept with the path and shown by ls' '
	test "$(sqlite3 $DB "SELECT host || '"'"' '"'"'|| path FROM recording_paths")" = "a $TRASH/rec.ts" &&
	test "$(sqlite3 $DB "SELECT host FROM recordings")" = a &&
	test "$(vidx-ls -d $DB --json | jq -r .host)" = a
'

test_expect_success 'ingest without --host: the machine s own name' '
	vidx-camera -d d.db add cam --lat 1 --lon 1 &&
	vidx-ingest -d d.db -c cam --start $START rec.ts >/dev/null &&
	test "$(sqlite3 d.db "SELECT host FROM recording_paths")" = "$(hostname)"
'

test_expect_success 'the same bytes seen on host b: one recording, both paths with their hosts' '
	mkdir -p b && cp rec.ts b/rec.ts &&
	vidx-ingest -d $DB --host b -c cam --json b/rec.ts | jq -r .status >st &&
	test "$(cat st)" = duplicate &&
	# the same path on two machines is two places
	vidx-ingest -d $DB --host c -c cam rec.ts >/dev/null &&
	sqlite3 $DB "SELECT host, path FROM recording_paths ORDER BY host" >actual &&
	printf "a|%s\nb|%s\nc|%s\n" "$TRASH/rec.ts" "$TRASH/b/rec.ts" "$TRASH/rec.ts" >expect &&
	test_cmp expect actual &&
	test "$(sqlite3 $DB "SELECT count(*) FROM recordings")" = 1 &&
	test "$(vidx-ls -d $DB --json | jq .paths)" = 3
'

test_expect_success 'bad --host: a usage error, nothing ingested' '
	long=$(printf "%0256d" 0) &&
	for n in "" "a b" "$(printf "a\tb")" "$long" "$(printf "h\377")" "$(printf "h\300\200")"; do
		test_expect_code 2 vidx-ingest -d $DB --host "$n" -c cam rec.ts 2>err &&
		grep "^vidx-ingest: --host: invalid host name" err || exit 1
	done &&
	test_expect_code 2 vidx-verify -d $DB --host "a b" 2>err && grep "invalid host name" err &&
	test_expect_code 2 vidx-pull -d $DB --host "" --case C --out x -c cam --from $FROM --to $TO 2>err &&
	grep "invalid host name" err && test ! -e x &&
	test "$(sqlite3 $DB "SELECT count(*) FROM recording_paths")" = 3
'

test_expect_success 'pull: the manifest names sources by SHA-256 with the host that read them; the event by SHA-256 only' '
	vidx-pull -d $DB --host a --case C --by ann --out f1 -c cam --from $FROM --to $TO >/dev/null &&
	jq -c ".clips[0].sources[0] | [.path, .host, has(\"recording_id\")]" f1/manifest.json >actual &&
	echo "[\"$TRASH/rec.ts\",\"a\",false]" >expect && test_cmp expect actual &&
	test "$(jq -r ".clips[0].sources[0].sha256" f1/manifest.json)" = "$(sha256sum rec.ts | cut -c1-64)" &&
	vidx-case -d $DB log --json C | jq -c "select(.kind == \"pull\") | .detail.clips[0].sources" >actual &&
	echo "[{\"sha256\":\"$(sha256sum rec.ts | cut -c1-64)\"}]" >expect && test_cmp expect actual
'

test_expect_success 'on host b, a path of host a that is there (shared storage) is read' '
	vidx-verify -d $DB --host b >out &&
	grep "^ok  *recording $TRASH/b/rec.ts" out &&
	mv b/rec.ts b.away &&
	# host b s own copy vanished: reported, beside the copy still read
	test_expect_code 1 vidx-verify -d $DB --host b >out 2>/dev/null &&
	grep "^ok  *recording $TRASH/rec.ts" out &&
	grep "^missing  *recording $TRASH/b/rec.ts: No such file or directory; the same recording is intact at 1 other path here" out &&
	vidx-verify -d $DB --host b f1 >out &&
	! grep -v -E "^(ok |skipped  *signature  *manifest.json: not signed)" out &&
	mv b.away b/rec.ts
'

test_expect_success 'verify on a host without the recording: skipped, naming the host that has it; exit 0' '
	mv rec.ts rec.away && mv b/rec.ts b.away &&
	vidx-verify -d $DB --host z >out 2>err &&
	test "$(cat out)" = "skipped  recording $TRASH/rec.ts: not on this host (z): on host '"'"'a'"'"' at '"'"'$TRASH/rec.ts'"'"' (and 2 more paths on other hosts)" &&
	vidx-verify -d $DB --host z --json | jq -r .status >st && test "$(cat st)" = skipped &&
	vidx-verify -d $DB --host z --case C >out &&
	grep "^skipped  *recording .*not on this host (z): on host .a." out &&
	vidx-verify -d $DB --host z f1 >out &&
	grep "^skipped  *source  *cam/.* <- $TRASH/rec.ts: not on this host (z): on host .a. at" out &&
	grep "^ok  *clip " out && grep "^ok  *custody " out &&
	! grep "^missing" out
'

test_expect_success 'verify on the host that had it: missing, naming where another copy is; exit 1' '
	test_expect_code 1 vidx-verify -d $DB --host a -c cam >out 2>/dev/null &&
	test "$(cat out)" = "missing  recording $TRASH/rec.ts: No such file or directory; another copy is on host '"'"'b'"'"' at '"'"'$TRASH/b/rec.ts'"'"' (and 1 more path on other hosts)" &&
	test_expect_code 1 vidx-verify -d $DB --host a f1 >out &&
	grep "^missing  *source  *cam/.* <- $TRASH/rec.ts: not found at its path or any path the index knows on this host; another copy is on host .b." out &&
	# with no other host to name: as before
	cp $DB one.db &&
	sqlite3 one.db "DELETE FROM recording_paths WHERE host <> '"'"'a'"'"'" &&
	test_expect_code 1 vidx-verify -d one.db --host a -c cam >out &&
	test "$(cat out)" = "missing  recording $TRASH/rec.ts: No such file or directory"
'

test_expect_success 'pull on a host without the recording: the clip fails naming the host; nothing half-written' '
	test_expect_code 1 vidx-pull -d $DB --host z --case C --by ann --out f2 -c cam \
		--from $FROM --to $TO >out 2>err &&
	grep "not on this host (z): on host .a. at .$TRASH/rec.ts." err &&
	test ! -e f2/manifest.json
'

test_expect_success 'a folder checked without an index: the manifest s host is named' '
	mkdir away && cp -r f1 away/ && cd away &&
	vidx-verify --host z f1 >out &&
	grep "^skipped  *source .*not on this host (z): on host .a. at .$TRASH/rec.ts. (the manifest says)" out &&
	test_expect_code 1 vidx-verify --host a f1 >out &&
	grep "^missing  *source " out &&
	cd .. && mv rec.away rec.ts && mv b.away b/rec.ts
'

test_done
