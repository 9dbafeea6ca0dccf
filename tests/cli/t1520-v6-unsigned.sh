#!/bin/sh
# An index and a case folder made by vidx before signatures (fixtures/v6,
# made by fixtures/make-v6.sh with the tools of main at a18c6e8, schema v6):
# they migrate forward (v10: signatures beside events, a keys table), verify
# exactly as those tools did, and say what they could not check: unsigned,
# against no key or anchor.  Signed events then join the old chain.
. "$(dirname "$0")/lib.sh"

V6=$FIXTURES/v6
ROOT=/tmp/vidx-v6-fixture
DB=$TRASH/v6.db

as_made() {
	sed "s|$TRASH|$ROOT|g" "$1"
}

# as_then FILE: verify's lines without what it says since signatures
as_then() {
	grep -v -E "^skipped  *(signature|onvif) |^ok  *custody  *A: chain intact; not checked" "$1" |
		sed "s/; not checked against any .*//"
}

test_expect_success 'set-up: the v6 index, its recording here, its case folder' '
	mkdir ev && cp "$FIXTURES/h264.ts" ev/2022-07-04_21-24-30.ts &&
	sqlite3 $DB <"$V6/index.sql" &&
	test "$(sqlite3 $DB "PRAGMA user_version")" = 6 &&
	sqlite3 $DB "UPDATE recordings SET path = replace(path, '"'"'$ROOT'"'"', '"'"'$TRASH'"'"');
		UPDATE recording_paths SET path = replace(path, '"'"'$ROOT'"'"', '"'"'$TRASH'"'"')" &&
	cp -r "$V6/case" case
'

test_expect_success 'it migrates to v10: the events as they were, unsigned; an empty keys table' '
	sqlite3 $DB "SELECT id, case_id, seq, at, by, kind, detail, prev, hash FROM custody" >before &&
	vidx-camera -d $DB list >/dev/null &&
	test "$(sqlite3 $DB "PRAGMA user_version")" = 10 &&
	test "$(sqlite3 $DB "PRAGMA integrity_check")" = ok &&
	sqlite3 $DB "SELECT id, case_id, seq, at, by, kind, detail, prev, hash FROM custody" >after &&
	test_cmp before after &&
	test "$(sqlite3 $DB "SELECT count(*) FROM custody WHERE key IS NOT NULL OR sig IS NOT NULL")" = 0 &&
	test "$(sqlite3 $DB "SELECT count(*) FROM keys")" = 0 &&
	# still append-only
	! sqlite3 $DB "UPDATE custody SET sig = '"'"'x'"'"'" 2>err && grep append-only err
'

test_expect_success 'its log checks as the v6 tools saw it, and says it is unsigned' '
	vidx-case -d $DB log --json A >log 2>err &&
	jq -c "[.seq, .hash, .prev, .ok]" log >actual && test_cmp "$V6/expect-log-A.txt" actual &&
	test "$(jq -r .signature log | sort -u)" = unsigned &&
	test "$(jq -r .sig log | sort -u)" = null &&
	grep "^vidx-case: case .A.: chain intact; not checked against any key or anchor; its events are unsigned (an unsigned chain proves nothing against an insider)$" err
'

test_expect_success 'the old folder verifies item by item as before, and says it is unsigned' '
	vidx-verify -d $DB --by "Det. Ruiz" case >out &&
	as_made out >now && as_then now >actual && test_cmp "$V6/expect-verify-dir.txt" actual &&
	grep "^skipped  *signature  *manifest.json: not signed" now &&
	grep "^skipped  *onvif  *lobby/.*: no ONVIF export boxes (pulled before vidx wrote them)$" now &&
	grep "^ok  *custody  *A: chain intact; the pull of this manifest is in it; not checked against any key or anchor; its events are unsigned" now &&
	vidx-verify -d $DB --by "Det. Ruiz" --case A >out &&
	as_made out >now && as_then now >actual && test_cmp "$V6/expect-verify-case.txt" actual &&
	grep "^ok  *custody  *A: chain intact; not checked against any key or anchor" now
'

test_expect_success 'with a trust file: still exit 0 (the case never required signatures), still said unsigned' '
	vidx-key new --by "Det. Ruiz" >ruiz.pub 2>/dev/null &&
	cp $DB t.db &&
	vidx-case -d t.db log --trust ruiz.pub A >/dev/null 2>err &&
	grep "chain intact; not checked against any anchor; its events are unsigned" err &&
	vidx-verify -d t.db --trust ruiz.pub case >out &&
	grep "^ok  *custody  *A: .*; not checked against any anchor; its events are unsigned" out &&
	grep "^skipped  *signature  *manifest.json: not signed" out
'

test_expect_success 'signed events join the old chain; the trust file checks them, an anchor holds all' '
	vidx-case -d $DB note A "signed from now on" &&
	vidx-pull -d $DB --case A --out f2 -c lobby --from 2022-07-05T01:24:31Z --to 2022-07-05T01:24:32Z >/dev/null &&
	vidx-case -d $DB seal A >seal && read s h <seal &&
	vidx-case -d $DB log --json --trust ruiz.pub --anchor "$s:$h" A >log 2>err &&
	jq -r .signature log | uniq -c | awk "{print \$2, \$1}" | paste -sd " " >actual &&
	echo "unsigned 7 trusted 3" >expect && test_cmp expect actual &&
	grep "chain intact; anchor $s holds; 3 of 10 events signed by their operator.s key in the trust file; 7 unsigned" err &&
	test "$(jq -r .hash_rule log | sort -u | paste -sd " ")" = 2 &&
	vidx-verify -d $DB --trust ruiz.pub f2 >out &&
	grep "^ok  *signature  *manifest.json: signed by Det. Ruiz" out &&
	grep "^ok  *custody  *A: chain intact; the pull of this manifest is in it, after the head it recorded" out &&
	vidx-verify -d $DB --trust ruiz.pub case >out &&
	as_made out >now && as_then now >actual && test_cmp "$V6/expect-verify-dir.txt" actual
'

test_done
