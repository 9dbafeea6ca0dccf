#!/bin/sh
# Names from evidence are untrusted: a file name with a newline, quotes, a
# comma, a tab or an escape character, and ids with ../ or control
# characters, cannot escape the output folder or break the CSV, JSON,
# table, message or manifest output.
. "$(dirname "$0")/lib.sh"

DB=$TRASH/v.db
NL='
'
BAD="a\"b,c${NL}d	e$(printf '\033')[31mf.ts"

test_expect_success 'set-up: a recording under a hostile name' '
	mkdir -p ev &&
	cp "$FIXTURES/h264.ts" "ev/$BAD" &&
	vidx-camera -d $DB add cam --lat 1 --lon 1 --tz UTC &&
	vidx-case -d $DB new K --title t --by t &&
	vidx-ingest -d $DB -c cam --start 2022-07-04T21:00:00Z "ev/$BAD" >table &&
	test "$(lines table)" = 2 &&
	grep -F "a\"b,c\\nd\\te\\x1b[31mf.ts" table
'

test_expect_success 'ids with ../, / or control characters are refused' '
	test_expect_code 1 vidx-camera -d $DB add ../x --lat 1 --lon 1 2>err &&
	test_expect_code 1 vidx-camera -d $DB add "a/b" --lat 1 --lon 1 &&
	test_expect_code 1 vidx-camera -d $DB add "$(printf "a\nb")" --lat 1 --lon 1 &&
	test_expect_code 1 vidx-case -d $DB new ../K --title t --by t &&
	test_expect_code 1 vidx-case -d $DB new .K --title t --by t &&
	test "$(sqlite3 $DB "SELECT count(*) FROM cameras")" = 1
'

test_expect_success 'JSON keeps the name exactly; tables and messages keep one line' '
	vidx-ls -d $DB --json >ls.json &&
	test "$(jq -r .path ls.json)" = "$TRASH/ev/$BAD" &&
	vidx-ls -d $DB >ls.txt && test "$(lines ls.txt)" = 2 &&
	vidx-query -d $DB -c cam --from 2022-07-04T21:00:01Z --to 2022-07-04T21:00:02Z >q.txt &&
	test "$(lines q.txt)" = 2 &&
	vidx-query -d $DB -c cam --from 2022-07-04T21:00:01Z --to 2022-07-04T21:00:02Z --json >q.json &&
	test "$(jq -r .path q.json)" = "$TRASH/ev/$BAD" &&
	vidx-probe "ev/$BAD" >p.txt && head -n 1 p.txt | grep -F "\\nd\\te" &&
	cp "ev/$BAD" "ev/$BAD.x" && : >"ev/$BAD.x" &&
	test_expect_code 1 vidx-probe "ev/$BAD.x" 2>err &&
	test "$(lines err)" = 1
'

test_expect_success 'CSV quotes the name: a CSV reader gets it back whole' '
	vidx-query -d $DB -c cam --from 2022-07-04T21:00:01Z --to 2022-07-04T21:00:02Z --csv >q.csv &&
	# sqlite3 reads RFC 4180 CSV: the path column comes back as it was
	sqlite3 :memory: ".import --csv q.csv t" "SELECT path FROM t" >path.txt &&
	printf "%s\n" "$TRASH/ev/$BAD" >want &&
	test_cmp want path.txt
'

test_expect_success 'a pull keeps every file inside the folder; the manifest holds the name exactly' '
	vidx-pull -d $DB --case K --out out --by t -c cam \
		--from 2022-07-04T21:00:01Z --to 2022-07-04T21:00:02Z >/dev/null &&
	find out -type f | sort >files &&
	test "$(grep -c -v "^out/" files)" = 0 &&
	test "$(jq -r ".clips[0].sources[0].path" out/manifest.json)" = "$TRASH/ev/$BAD" &&
	(cd out && sha256sum -c --quiet SHA256SUMS) &&
	vidx-verify -d $DB out >v.txt &&
	test "$(grep -c . v.txt)" = "$(lines v.txt)" &&
	grep -F "<- $TRASH/ev/a\"b,c\\nd\\te\\x1b[31mf.ts" v.txt
'

test_expect_success 'an operator name or a note with control characters cannot forge log lines' '
	vidx-case -d $DB note --by t K "$(printf "line one\nseq 99 forged")" &&
	vidx-case -d $DB log K >log.txt &&
	! grep "^seq 99" log.txt &&
	grep -F "line one\\nseq 99 forged" log.txt
'

test_done
