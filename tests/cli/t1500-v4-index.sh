#!/bin/sh
# An index and a case folder made by vidx before schema v5 (fixtures/v4,
# made by fixtures/make-v4.sh with the tools of main at 0800a4f): they open,
# migrate forward (custody numbered per case, hosts on paths) and answer,
# verify and hash exactly as those tools did (fixtures/v4/expect-*.txt are
# their answers); new events join the old chain; the case's recordings are
# found by SHA-256 when row ids change, as a merge changes them.
. "$(dirname "$0")/lib.sh"

V4=$FIXTURES/v4
ROOT=/tmp/vidx-v4-fixture
DB=$TRASH/v4.db

# as_made FILE: FILE with this test's paths written as the fixture's
as_made() {
	sed "s|$TRASH|$ROOT|g" "$1"
}

# as_then FILE: verify's lines as the v4 tools printed them: without what
# vidx says since signatures (issue 14), all about what the old folder and
# log lack: no signature, no ONVIF boxes, checked against no key or anchor
as_then() {
	grep -v -E "^skipped  *(signature|onvif) |^ok  *custody  *A: chain intact; not checked" "$1" |
		sed "s/; not checked against any key or anchor; its events are unsigned (an unsigned chain proves nothing against an insider)\$//"
}

# event_hash RULE PREV CASE SEQ AT BY KIND DETAIL: SHA-256 over
# "vidx-custody-RULE" and the fields, each as LENGTH:BYTES
event_hash() {
	r=$1
	shift
	for f in "vidx-custody-$r" "$@"; do
		printf "%s:%s" "${#f}" "$f"
	done | sha256sum | cut -c1-64
}

test_expect_success 'set-up: the v4 index, its recordings here, its case folder' '
	mkdir -p ev/door ev/lobby copy &&
	cp "$FIXTURES/dahua.dav" ev/door/ch01.dav &&
	cp "$FIXTURES/h264.ts" ev/lobby/2022-07-04_21-24-30.ts &&
	cp "$FIXTURES/gap.ts" ev/lobby/2022-07-04_21-25-00.ts &&
	cp "$FIXTURES/h264.ts" copy/lobby.ts &&
	sqlite3 $DB <"$V4/index.sql" &&
	test "$(sqlite3 $DB "PRAGMA user_version")" = 4 &&
	# the recordings live here now (paths are not in any hash)
	sqlite3 $DB "UPDATE recordings SET path = replace(path, '"'"'$ROOT'"'"', '"'"'$TRASH'"'"');
		UPDATE recording_paths SET path = replace(path, '"'"'$ROOT'"'"', '"'"'$TRASH'"'"')" &&
	cp -r "$V4/case" case &&
	sqlite3 $DB "SELECT case_id, seq FROM custody ORDER BY seq" | paste -sd " " >actual &&
	echo "A|1 B|2 A|3 A|4 A|5 A|6 A|7 B|8" >expect && test_cmp expect actual
'

test_expect_success 'it opens and migrates forward: same rows, nothing lost' '
	for t in cameras clock_obs recordings recording_paths segments keyframes cases custody; do
		echo "$t $(sqlite3 $DB "SELECT count(*) FROM $t")"
	done >before &&
	vidx-camera -d $DB list >/dev/null &&
	vidx-camera -d new.db add x --lat 1 --lon 1 &&
	test "$(sqlite3 $DB "PRAGMA user_version")" -ge 10 &&
	test "$(sqlite3 $DB "PRAGMA user_version")" = "$(sqlite3 new.db "PRAGMA user_version")" &&
	test "$(sqlite3 $DB "PRAGMA integrity_check")" = ok &&
	test -z "$(sqlite3 $DB "PRAGMA foreign_key_check")" &&
	for t in cameras clock_obs recordings recording_paths segments keyframes cases custody; do
		echo "$t $(sqlite3 $DB "SELECT count(*) FROM $t")"
	done >after &&
	test_cmp before after &&
	# paths from before hosts were kept have none: read wherever the index is
	test "$(sqlite3 $DB "SELECT DISTINCT host FROM recording_paths")" = "" &&
	test "$(sqlite3 $DB "SELECT DISTINCT host FROM recordings")" = ""
'

test_expect_success 'custody: numbered per case, the old number kept, every event as the v4 tools saw it' '
	vidx-case -d $DB log --json A >logA &&
	jq -c "[.hash, .prev, .ok]" logA >actual && test_cmp "$V4/expect-log-A.txt" actual &&
	vidx-case -d $DB log --json B | jq -c "[.hash, .prev, .ok]" >actual &&
	test_cmp "$V4/expect-log-B.txt" actual &&
	jq -r "[.seq, .old_seq, .hash_rule] | @tsv" logA | paste -sd " " >actual &&
	printf "1\t1\t1 2\t3\t1 3\t4\t1 4\t5\t1 5\t6\t1 6\t7\t1\n" >expect && test_cmp expect actual &&
	vidx-case -d $DB log A >/dev/null && vidx-case -d $DB show A >show &&
	grep "^custody    intact" show
'

test_expect_success 'rule 1 hashes, recomputed from the documented format with old_seq' '
	sqlite3 -separator "	" $DB "SELECT case_id, seq FROM custody ORDER BY id" >events &&
	while IFS="	" read -r c s; do
		q="FROM custody WHERE case_id = '"'"'$c'"'"' AND seq = $s" &&
		h=$(event_hash 1 "$(sqlite3 $DB "SELECT prev $q")" "$c" \
			"$(sqlite3 $DB "SELECT old_seq $q")" "$(sqlite3 $DB "SELECT at $q")" \
			"$(sqlite3 $DB "SELECT by $q")" "$(sqlite3 $DB "SELECT kind $q")" \
			"$(sqlite3 $DB "SELECT detail $q")") &&
		test "$h" = "$(sqlite3 $DB "SELECT hash $q")" || exit 1
	done <events &&
	test "$(lines events)" = 8
'

test_expect_success 'ls and query answer as the v4 tools did' '
	# what v7 keeps of times and rates was not known then: null
	test "$(vidx-ls -d $DB --json | jq -c "[.time_disagree, .time_disagreement, .time_candidates, .fps_source]" |
		sort -u)" = "[null,null,null,null]" &&
	vidx-ls -d $DB --json |
		jq -c "del(.ingested, .host, .time_disagree, .time_disagreement, .time_candidates, .fps_source, .location, .track, .place_problems)" >ls &&
	as_made ls >actual && test_cmp "$V4/expect-ls.txt" actual &&
	vidx-query -d $DB --json -c door -c lobby --from 2022-07-05T01:20:00Z \
		--to 2022-07-05T01:30:00Z |
		sed "s/,\"mobile\":false,\"closest_m\":null,\"closest_at\":null}\$/}/" >q &&
	as_made q >actual && test_cmp "$V4/expect-query.txt" actual
'

test_expect_success 'the old case folder verifies item by item as before, and says it is unsigned' '
	vidx-verify -d $DB --by "Det. Ruiz" case >out &&
	as_made out >now && as_then now >actual && test_cmp "$V4/expect-verify-dir.txt" actual &&
	grep "^skipped  *signature  *manifest.json: not signed" now &&
	test "$(grep -c "^skipped  *onvif  *.*: no ONVIF export boxes (pulled before vidx wrote them)$" now)" = 2 &&
	grep "^ok  *custody  *A: chain intact; the pull of this manifest is in it; not checked against any key or anchor; its events are unsigned" now &&
	# a trust file changes nothing for an unsigned case, but says so
	vidx-key new --by "Det. Ruiz" --key k >ruiz.pub 2>/dev/null &&
	cp $DB t0.db && vidx-verify -d t0.db --by "Det. Ruiz" --trust ruiz.pub case >out &&
	grep "^ok  *custody  *A: .*not checked against any anchor; its events are unsigned" out &&
	as_made out >now && as_then now | sed "s/; not checked against any anchor; its events are unsigned.*//" >actual &&
	test_cmp "$V4/expect-verify-dir.txt" actual
'

# the v4 tools read one path of each recording; every path the index knows
# is read now, so the lobby recording's copy is checked too
{ cat "$V4/expect-verify-case.txt"; echo "ok       recording $ROOT/copy/lobby.ts"; } >"$TRASH/verify-case.txt"

test_expect_success 'verify --case re-hashes the same recordings as before, at every path, and says the log is unsigned' '
	vidx-verify -d $DB --by "Det. Ruiz" --case A >out &&
	as_made out >now && as_then now >actual && test_cmp "$TRASH/verify-case.txt" actual &&
	grep "^ok  *custody  *A: chain intact; not checked against any key or anchor; its events are unsigned" now &&
	vidx-case -d $DB log A >/dev/null 2>err &&
	grep "chain intact; not checked against any key or anchor; its events are unsigned" err &&
	test "$(vidx-case -d $DB log --json A | jq -r .signature | sort -u)" = unsigned
'

test_expect_success 'new events join the old chain by rule 2 and the chain holds' '
	vidx-case -d $DB note --by ann A "after the upgrade" &&
	vidx-case -d $DB log --json A >log &&
	jq -r "[.seq, .hash_rule] | @tsv" log | tail -n 3 | paste -sd " " >actual &&
	printf "7\t2 8\t2 9\t2\n" >expect && test_cmp expect actual &&
	test "$(jq -r .ok log | sort -u)" = true &&
	# each link: prev is the hash before it, across the change of rule
	jq -r .hash log | sed "\$d" >hashes && jq -r .prev log | sed 1d >prevs &&
	test_cmp hashes prevs &&
	q="FROM custody WHERE case_id = '"'"'A'"'"' AND seq = 9" &&
	h=$(event_hash 2 "$(sqlite3 $DB "SELECT prev $q")" A 9 "$(sqlite3 $DB "SELECT at $q")" \
		ann note "{\"text\":\"after the upgrade\"}") &&
	test "$h" = "$(sqlite3 $DB "SELECT hash $q")" &&
	test "$(sqlite3 $DB "SELECT old_seq IS NULL $q")" = 1 &&
	vidx-verify -d $DB --by ann case >/dev/null
'

test_expect_success 'an old event edited, or deleted, is caught as before' '
	cp $DB t1.db &&
	sqlite3 t1.db "DROP TRIGGER custody_no_update;
		UPDATE custody SET detail = '"'"'{\"text\":\"forged\"}'"'"' WHERE case_id = '"'"'A'"'"' AND seq = 2" &&
	test_expect_code 1 vidx-case -d t1.db log A >/dev/null 2>err &&
	grep "BROKEN: 1 event fails the check" err &&
	test_expect_code 1 vidx-verify -d t1.db case >out &&
	grep "^failed  *custody  *A: 1 event of the log fails" out &&
	cp $DB t2.db &&
	sqlite3 t2.db "DROP TRIGGER custody_no_delete;
		DELETE FROM custody WHERE case_id = '"'"'A'"'"' AND seq = 2" &&
	vidx-case -d t2.db log --json A 2>/dev/null | jq -c "[.seq, .ok]" | head -n 2 >actual &&
	printf "[1,true]\n[3,false]\n" >expect && test_cmp expect actual &&
	# an old event passed off as a new one (old_seq dropped) fails too
	cp $DB t3.db &&
	sqlite3 t3.db "DROP TRIGGER custody_no_update;
		UPDATE custody SET old_seq = NULL WHERE case_id = '"'"'A'"'"' AND seq = 3" &&
	test_expect_code 1 vidx-case -d t3.db log A >/dev/null 2>&1
'

test_expect_success 'the recordings get other row ids (as in a merge): the case still finds them by SHA-256' '
	cp $DB moved.db &&
	sqlite3 moved.db "PRAGMA foreign_keys = OFF;
		UPDATE recordings SET id = id + 100;
		UPDATE segments SET recording_id = recording_id + 100;
		UPDATE keyframes SET recording_id = recording_id + 100;
		UPDATE recording_paths SET recording_id = recording_id + 100" &&
	test -z "$(sqlite3 moved.db "PRAGMA foreign_key_check")" &&
	# the old pull events still name recordings 1 and 2, which are gone
	test "$(sqlite3 moved.db "SELECT count(*) FROM recordings WHERE id < 100")" = 0 &&
	vidx-verify -d moved.db --by "Det. Ruiz" --case A >out &&
	as_made out >now && as_then now >actual && test_cmp "$TRASH/verify-case.txt" actual &&
	vidx-case -d moved.db show --json A | jq -r "select(.path) | .sources[].recording_id" |
		sort -u | paste -sd " " >actual &&
	echo "101 102" >expect && test_cmp expect actual &&
	vidx-case -d moved.db show A | grep -E "^    source   sha256 [0-9a-f]{64}  recording 10[12]$"
'

test_done
