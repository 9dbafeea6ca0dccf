#!/bin/sh
# vidx-merge: shards into one index.  Everything comes across (counted
# against the shards themselves and sha256sum), the same bytes in two shards
# are one recording with both paths and hosts, a case's chain and its
# verification are the same before and after, a second run changes nothing
# (sqlite3 .dump), conflicts (cameras, diverging or edited custody logs) are
# all named and nothing is merged, an older shard is refused until upgraded,
# and a merge killed with SIGKILL leaves the index as it was.
. "$(dirname "$0")/lib.sh"
. "$VIDX_SRC/tests/cli/geo.sh"

KILLS=${VIDX_FAULT_RUNS:-6}

# dump DB: the whole index as SQL (what "unchanged" means)
dump() {
	sqlite3 "$1" .dump
}

# own NAME FIXTURE: a recording of our own (a remux: not a fixture's bytes)
own() {
	ffmpeg -nostdin -v error -i "$FIXTURES/$2" -map 0 -c copy -metadata title="$1" "$TRASH/ev/$1"
}

# shard NAME HOST: a new index with the registry
shard() {
	vidx-camera -d "$1" import reg.geojson 2>/dev/null
}

# chain DB CASE: the custody log as it is checked
chain() {
	vidx-case -d "$1" log --json "$2" | jq -c "[.seq, .at, .by, .kind, .prev, .hash, .hash_rule, .ok]"
}

test_expect_success 'set-up: a registry; shards a, b, c on three hosts; a case begun in a and carried on in both a and b' '
	mkdir ev &&
	own a1.ts h264.ts && own a2.mp4 h264_bframes.mp4 && own b1.ts hevc.ts &&
	cp "$FIXTURES/dahua.dav" ev/c1.dav && own shared.ts gap.ts &&
	vidx-camera -d reg.db import "$FIXTURES/demo-cameras.csv" 2>/dev/null &&
	vidx-camera -d reg.db clock corner-store --camera-time "2022-07-04 21:25:10" \
		--true-time "2022-07-04 21:22:00" --by "Det. Ruiz" &&
	vidx-camera -d reg.db export >reg.geojson &&
	shard a.db && shard b.db && shard c.db &&
	vidx-ingest -d a.db --host ha -c transit --start 2022-07-05T01:25:00Z ev/a1.ts >/dev/null &&
	vidx-ingest -d a.db --host ha -c chapel-ne -s 2022-07-05T01:24:30Z ev/a2.mp4 >/dev/null &&
	vidx-ingest -d a.db --host ha -c pharmacy --start 2022-07-05T01:24:00Z ev/shared.ts >/dev/null &&
	vidx-case -d a.db new K --title "Shooting" --by ann &&
	vidx-case -d a.db note --by ann K "canvass begun" &&
	# b starts from a copy of a (its case K is the same so far), then its own
	rm b.db && cp a.db b.db &&
	sqlite3 b.db "PRAGMA foreign_keys = ON; DELETE FROM recordings" &&
	test "$(sqlite3 b.db "SELECT count(*) FROM recording_paths")" = 0 &&
	vidx-ingest -d b.db --host hb -c transit --start 2022-07-05T01:26:00Z ev/b1.ts >/dev/null &&
	mkdir -p hb && cp ev/shared.ts hb/shared.ts &&
	vidx-ingest -d b.db --host hb -c pharmacy --start 2022-07-05T01:24:00Z hb/shared.ts >/dev/null &&
	vidx-ingest -d c.db --host hc -c corner-store ev/c1.dav >/dev/null &&
	vidx-pull -d a.db --case K --by ann --out case -c transit -c chapel-ne \
		--from 2022-07-05T01:24:31Z --to 2022-07-05T01:25:03Z >/dev/null &&
	vidx-verify -d a.db --by ann case >/dev/null
'

test_expect_success 'set-up check: K in b is a prefix of K in a' '
	chain b.db K >b.chain && chain a.db K | head -n 2 >a2.chain && test_cmp a2.chain b.chain &&
	test "$(chain a.db K | wc -l)" -gt 2 &&
	vidx-verify -d a.db --by ann --case K >verify.a &&
	chain a.db K >a.chain
'

test_expect_success 'merge a, b, c into a new index: every row of every shard, once' '
	vidx-merge -d m.db a.db b.db c.db >out 2>err && test ! -s err &&
	head -n 1 out | grep "^ *CAMERAS  *CLOCK  *RECORDINGS  *DUPLICATES  *PATHS  *SEGMENTS  *KEYFRAMES  *CASES  *EVENTS  *KEYS  *SHARD$" &&
	test "$(lines out)" = 5 &&
	# recordings: the distinct SHA-256 of the files (sha256sum is the oracle)
	sha256sum ev/a1.ts ev/a2.mp4 ev/shared.ts ev/b1.ts ev/c1.dav | cut -c1-64 | sort -u >want &&
	sqlite3 m.db "SELECT lower(hex(sha256)) FROM recordings ORDER BY 1" >got &&
	test_cmp want got &&
	test "$(sqlite3 m.db "SELECT count(*) FROM cameras")" = 4 &&
	test "$(sqlite3 m.db "SELECT count(*) FROM clock_obs")" = 1 &&
	for t in segments keyframes; do
		n=0 &&
		for s in a b c; do
			n=$((n + $(sqlite3 $s.db "SELECT count(*) FROM $t t JOIN recordings r ON r.id = t.recording_id
				WHERE lower(hex(r.sha256)) <> '"'"'$(sha256sum ev/shared.ts | cut -c1-64)'"'"'")))
		done &&
		n=$((n + $(sqlite3 a.db "SELECT count(*) FROM $t t JOIN recordings r ON r.id = t.recording_id
			WHERE lower(hex(r.sha256)) = '"'"'$(sha256sum ev/shared.ts | cut -c1-64)'"'"'"))) &&
		test "$(sqlite3 m.db "SELECT count(*) FROM $t")" = $n || exit 1
	done &&
	test "$(sqlite3 m.db "PRAGMA integrity_check")" = ok &&
	test -z "$(sqlite3 m.db "PRAGMA foreign_key_check")" &&
	test "$(tail -n 1 out | awk "{print \$3, \$4, \$NF}")" = "5 1 (total)" &&
	! ls -a | grep "merge-.*partial"
'

test_expect_success 'the same bytes in two shards: one recording with both paths and hosts' '
	sha=$(sha256sum ev/shared.ts | cut -c1-64) &&
	sqlite3 m.db "SELECT p.host, p.path FROM recording_paths p JOIN recordings r ON r.id = p.recording_id
		WHERE lower(hex(r.sha256)) = '"'"'$sha'"'"' ORDER BY 1" >actual &&
	printf "ha|%s\nhb|%s\n" "$TRASH/ev/shared.ts" "$TRASH/hb/shared.ts" >expect &&
	test_cmp expect actual &&
	test "$(vidx-ls -d m.db --json | jq -r "select(.sha256 == \"$sha\") | [.paths, .host] | @tsv")" = "$(printf "2\tha")"
'

test_expect_success 'each recording is described as in its shard, its segments and keyframes too' '
	for s in a b c; do
		sqlite3 $s.db "SELECT lower(hex(sha256)), camera_id, start, end, first_pts, time_source,
			time_raw, keyframe_count, segment_count, size, path, host, ingested FROM recordings" || exit 1
	done | sort -u -t"|" -k1,1 >want &&
	sqlite3 m.db "SELECT lower(hex(sha256)), camera_id, start, end, first_pts, time_source,
		time_raw, keyframe_count, segment_count, size, path, host, ingested FROM recordings" | sort >got &&
	test_cmp want got &&
	q="SELECT lower(hex(r.sha256)), s.seq, s.start, s.end, s.first_pts FROM segments s
		JOIN recordings r ON r.id = s.recording_id ORDER BY 1, 2" &&
	{ sqlite3 a.db "$q"; sqlite3 b.db "$q"; sqlite3 c.db "$q"; } | sort -u >want &&
	sqlite3 m.db "$q" | sort >got && test_cmp want got &&
	q="SELECT lower(hex(r.sha256)), k.count, hex(k.data) FROM keyframes k
		JOIN recordings r ON r.id = k.recording_id ORDER BY 1" &&
	{ sqlite3 a.db "$q"; sqlite3 b.db "$q"; sqlite3 c.db "$q"; } | sort -u >want &&
	sqlite3 m.db "$q" | sort >got && test_cmp want got
'

test_expect_success 'the case: its chain as in a (the longer), verified the same, its folder too' '
	chain m.db K >m.chain && test_cmp a.chain m.chain &&
	vidx-case -d m.db log K >/dev/null &&
	vidx-verify -d m.db --by ann --case K >verify.m &&
	test_cmp verify.a verify.m &&
	vidx-verify -d m.db --by ann case >out &&
	grep "^ok  *custody  *K: chain intact; the pull of this manifest is in it" out &&
	# a pull without a key: its manifest is not signed, and says so
	grep "^skipped  *signature manifest.json: not signed" out &&
	! grep -v "^ok \|^skipped  *signature manifest.json: not signed" out
'

test_expect_success 'merge again, or in another order: nothing changes' '
	dump m.db >before &&
	vidx-merge -d m.db a.db b.db c.db >out &&
	test "$(tail -n 1 out | awk "{print \$1, \$2, \$3, \$5, \$6, \$7, \$8, \$9}")" = "0 0 0 0 0 0 0 0" &&
	vidx-merge -d m.db c.db b.db a.db >/dev/null &&
	dump m.db >after && test_cmp before after
'

test_expect_success 'the logs the other way round: b (the prefix) after a changes nothing either' '
	vidx-merge -d m2.db b.db c.db a.db >/dev/null &&
	chain m2.db K >m2.chain && test_cmp a.chain m2.chain
'

test_expect_success '--json: one object per shard, then the totals' '
	vidx-merge -d j.db --json a.db c.db >out &&
	test "$(lines out)" = 3 &&
	jq -r ".shard" out | paste -sd " " >actual && echo "a.db c.db null" >expect &&
	test_cmp expect actual &&
	test "$(tail -n 1 out | jq .recordings)" = 4 &&
	test "$(tail -n 1 out | jq .cameras)" = 4
'

test_expect_success 'a camera that differs: every conflict named, nothing merged, exit 1' '
	cp c.db d.db &&
	sqlite3 d.db "UPDATE cameras SET lat = 41.4 WHERE id = '"'"'transit'"'"';
		UPDATE cameras SET tz = '"'"'UTC'"'"' WHERE id = '"'"'pharmacy'"'"'" &&
	vidx-ingest -d d.db --host hd -c transit --start 2022-07-05T02:00:00Z ev/b1.ts >/dev/null 2>&1 || :
	dump m.db >before &&
	test_expect_code 1 vidx-merge -d m.db d.db >out 2>err &&
	test ! -s out &&
	grep "^vidx-merge: conflict: camera .pharmacy.: tz is UTC in d.db but America/New_York in m.db$" err &&
	grep "^vidx-merge: conflict: camera .transit.: lat is 41.4 in d.db but 41.3064 in m.db$" err &&
	grep "^vidx-merge: 2 conflicts: nothing merged$" err &&
	test "$(lines err)" = 3 &&
	dump m.db >after && test_cmp before after &&
	# into a new index: none is made
	test_expect_code 1 vidx-merge -d new.db a.db d.db 2>err &&
	grep "^vidx-merge: conflict: camera .transit.: lat is 41.4 in d.db but 41.3064 in a.db$" err &&
	test ! -e new.db && ! ls -a | grep "merge-.*partial"
'

test_expect_success 'custody logs that diverge: refused, naming the case and the event' '
	cp a.db e.db &&
	sqlite3 e.db "DROP TRIGGER custody_no_delete; DELETE FROM custody WHERE seq > 2" &&
	vidx-case -d e.db note --by eve K "another third event" &&
	test_expect_code 1 vidx-merge -d m.db e.db 2>err &&
	grep "^vidx-merge: conflict: case .K.: the custody logs differ at event 3: " err &&
	dump m.db >after && test_cmp before after
'

test_expect_success 'an edited event with its old hash is a difference, not the same event' '
	cp a.db f.db &&
	sqlite3 f.db "DROP TRIGGER custody_no_update;
		UPDATE custody SET detail = '"'"'{\"text\":\"forged\"}'"'"' WHERE seq = 2" &&
	test_expect_code 1 vidx-merge -d m.db f.db 2>err &&
	grep "^vidx-merge: conflict: case .K.: the custody logs differ at event 2: detail is {\"text\":\"forged\"} in f.db but {\"text\":\"canvass begun\"} in m.db$" err &&
	dump m.db >after && test_cmp before after
'

test_expect_success 'events that carry on a log but do not check out (a forged hash): a conflict, nothing merged' '
	cp m.db x.db &&
	h=$(sqlite3 x.db "SELECT hash FROM custody WHERE case_id = '"'"'K'"'"' ORDER BY seq DESC LIMIT 1") &&
	s=$(sqlite3 x.db "SELECT max(seq) + 1 FROM custody WHERE case_id = '"'"'K'"'"'") &&
	sqlite3 x.db "INSERT INTO custody (case_id, seq, at, by, kind, detail, prev, hash)
		VALUES ('"'"'K'"'"', $s, 0, '"'"'ann'"'"', '"'"'note'"'"', '"'"'{\"text\":\"forged\"}'"'"', '"'"'$h'"'"', '"'"'$(printf %064d 7)'"'"')" &&
	test_expect_code 1 vidx-merge -d m.db x.db 2>err &&
	grep "^vidx-merge: conflict: case .K.: x.db adds 1 event to the log of .* that does not check out (chain BROKEN" err &&
	grep "^vidx-merge: 1 conflict: nothing merged$" err &&
	dump m.db >after && test_cmp before after
'

test_expect_success 'the same bytes described differently: a note, the index s description kept, the path added' '
	shard o.db && mkdir -p ho && cp -p ev/shared.ts ho/shared.ts &&
	vidx-ingest -d o.db --host ho -c transit --start 2022-07-05T03:00:00Z ho/shared.ts >/dev/null &&
	sha=$(sha256sum ev/shared.ts | cut -c1-64) &&
	q="SELECT camera_id, start FROM recordings WHERE lower(hex(sha256)) = '"'"'$sha'"'"'" &&
	sqlite3 m.db "$q" >before &&
	vidx-merge -d m.db o.db >out 2>err &&
	grep "^vidx-merge: note: o.db has the bytes of recording [0-9]* (.*/ev/shared.ts) with camera_id transit; the index has pharmacy and keeps its description$" err &&
	test "$(lines err)" = 1 &&
	sqlite3 m.db "$q" >after && test_cmp before after &&
	test "$(sqlite3 m.db "SELECT count(*) FROM recording_paths WHERE host = '"'"'ho'"'"'")" = 1
'

test_expect_success 'a broken log of a case no other shard has comes across as it is: still broken' '
	vidx-camera -d g.db import reg.geojson 2>/dev/null &&
	vidx-case -d g.db new G --title g --by gil && vidx-case -d g.db note --by gil G one &&
	sqlite3 g.db "DROP TRIGGER custody_no_update;
		UPDATE custody SET by = '"'"'mallory'"'"' WHERE case_id = '"'"'G'"'"' AND seq = 1" &&
	test_expect_code 1 vidx-case -d g.db log G >g.log 2>/dev/null &&
	vidx-merge -d m.db g.db >/dev/null &&
	test_expect_code 1 vidx-case -d m.db log G >m.log 2>/dev/null &&
	test_cmp g.log m.log
'

test_expect_success 'an index of an older schema is refused until it is upgraded; then its case verifies as before' '
	mkdir -p old/ev/door old/ev/lobby old/copy &&
	cp "$FIXTURES/dahua.dav" old/ev/door/ch01.dav &&
	cp "$FIXTURES/h264.ts" old/ev/lobby/2022-07-04_21-24-30.ts &&
	cp "$FIXTURES/gap.ts" old/ev/lobby/2022-07-04_21-25-00.ts &&
	cp "$FIXTURES/h264.ts" old/copy/lobby.ts &&
	sqlite3 v4.db <"$FIXTURES/v4/index.sql" &&
	sqlite3 v4.db "UPDATE recordings SET path = replace(path, '"'"'/tmp/vidx-v4-fixture'"'"', '"'"'$TRASH/old'"'"');
		UPDATE recording_paths SET path = replace(path, '"'"'/tmp/vidx-v4-fixture'"'"', '"'"'$TRASH/old'"'"')" &&
	dump m.db >before &&
	test_expect_code 1 vidx-merge -d m.db v4.db 2>err &&
	grep "^vidx-merge: shard: index .v4.db. has schema version 4, this vidx needs [0-9]* (.vidx-camera -d INDEX list. upgrades it)" err &&
	dump m.db >after && test_cmp before after &&
	vidx-camera -d v4.db list >/dev/null &&
	vidx-verify -d v4.db --by "Det. Ruiz" --case A >v4.verify &&
	chain v4.db A >v4.chain &&
	vidx-merge -d m.db v4.db >/dev/null &&
	chain m.db A >m.chain && test_cmp v4.chain m.chain &&
	vidx-verify -d m.db --by "Det. Ruiz" --case A >m.verify &&
	# the door recording is the bytes of c1.dav of shard c: one recording,
	# whose every path verify re-hashes, that one too
	grep -x "ok       recording $TRASH/ev/c1.dav" m.verify &&
	grep -vx "ok       recording $TRASH/ev/c1.dav" m.verify >m.verify.v4 &&
	test_cmp v4.verify m.verify.v4 &&
	# as the v4 tools said it, but for the copy of the lobby recording
	# (every path is read now) and the custody line (signatures came later)
	{ sed "s|/tmp/vidx-v4-fixture|$TRASH/old|" "$FIXTURES/v4/expect-verify-case.txt" &&
	  echo "ok       recording $TRASH/old/copy/lobby.ts"; } >expect &&
	grep -v "^ok  *custody  *A: chain intact; not checked against any key or anchor; its events are unsigned" m.verify.v4 >actual &&
	test_cmp expect actual
'

test_expect_success 'bad shards: missing, not an index, the output itself; each named, nothing made' '
	test_expect_code 1 vidx-merge -d n1.db a.db nosuch.db 2>err &&
	grep "^vidx-merge: shard: no index at .nosuch.db." err && test ! -e n1.db &&
	echo "not sqlite" >junk.db &&
	test_expect_code 1 vidx-merge -d n1.db junk.db 2>err &&
	grep "^vidx-merge: shard: .*junk.db" err && test ! -e n1.db &&
	test_expect_code 1 vidx-merge -d m.db m.db 2>err &&
	grep "^vidx-merge: .m.db. is the index merged into" err &&
	test_expect_code 2 vidx-merge -d n1.db 2>err && grep "no shards to merge" err &&
	test_expect_code 2 vidx-merge --bogus a.db 2>err && test ! -e n1.db
'

test_expect_success 'a SQLite file that is not an index (tables, version 0): refused by every tool, as it was, no -wal or -shm; an empty file becomes one' '
	sqlite3 alien.db "CREATE TABLE t (x); INSERT INTO t VALUES (1)" &&
	sqlite3 alienw.db "PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (2)" >/dev/null &&
	for f in alien alienw; do
		dump $f.db >$f.before && sha256sum $f.db >$f.sum || exit 1
	done &&
	for f in alien alienw; do
		test_expect_code 1 vidx-merge -d $f.db a.db 2>err &&
		test "$(cat err)" = "vidx-merge: '"'"'$f.db'"'"' is not a vidx index (it has tables of its own)" &&
		test_expect_code 1 vidx-merge -d n9.db $f.db 2>err &&
		grep "^vidx-merge: shard: .$f.db. is not a vidx index (it has tables of its own)$" err &&
		! grep "upgrades it" err && test ! -e n9.db &&
		test_expect_code 1 vidx-camera -d $f.db add x --lat 1 --lon 1 2>err &&
		grep "^vidx-camera: .$f.db. is not a vidx index" err &&
		test_expect_code 1 vidx-ingest -d $f.db -c x "$FIXTURES/h264.ts" 2>err &&
		grep "^vidx-ingest: .*$f.db. is not a vidx index" err &&
		test_expect_code 1 vidx-ls -d $f.db 2>err &&
		grep "^vidx-ls: .$f.db. is not a vidx index" err && ! grep "upgrades it" err &&
		test_expect_code 1 vidx-case -d $f.db list 2>err &&
		grep "is not a vidx index" err &&
		dump $f.db >$f.after && test_cmp $f.before $f.after &&
		sha256sum -c $f.sum >/dev/null &&
		test "$(ls $f.db*)" = "$f.db" || exit 1
	done &&
	: >blank.db &&
	vidx-merge -d blank.db a.db >/dev/null &&
	test "$(sqlite3 blank.db "PRAGMA user_version")" = "$(sqlite3 a.db "PRAGMA user_version")" &&
	test "$(sqlite3 blank.db "SELECT count(*) FROM recordings")" = "$(sqlite3 a.db "SELECT count(*) FROM recordings")"
'

test_expect_success 'a damaged shard is named in what the merge says of it; nothing merged' '
	cp a.db dmg.db &&
	root=$(sqlite3 dmg.db "SELECT rootpage FROM sqlite_master WHERE name = '"'"'keyframes'"'"'") &&
	psz=$(sqlite3 dmg.db "PRAGMA page_size") &&
	head -c "$psz" /dev/zero | tr "\0" "\377" |
		dd of=dmg.db bs="$psz" seek=$((root - 1)) conv=notrunc 2>/dev/null &&
	dump m.db >before &&
	test_expect_code 1 vidx-merge -d m.db b.db dmg.db 2>err &&
	test "$(cat err)" = "vidx-merge: dmg.db: reading keyframes: database disk image is malformed" &&
	dump m.db >after && test_cmp before after
'

test_expect_success 'nothing is made beside a shard: not beside a damaged one, nor beside a good one merged' '
	head -c 8192 a.db >trunc.db &&
	test_expect_code 1 vidx-merge -d n8.db trunc.db 2>err &&
	grep "^vidx-merge: shard: .trunc.db.: .*malformed" err &&
	test "$(ls trunc.db* n8.db* 2>/dev/null)" = trunc.db &&
	cp a.db in1.db && cp b.db in2.db &&
	vidx-merge -d n8.db in1.db in2.db >/dev/null &&
	test "$(ls in1.db* in2.db*)" = "$(printf "in1.db\nin2.db")" &&
	for d in in1 in2; do
		sqlite3 $d.db "SELECT lower(hex(sha256)) FROM recordings" || exit 1
	done | sort -u >want &&
	sqlite3 n8.db "SELECT lower(hex(sha256)) FROM recordings" | sort >got &&
	test_cmp want got && test "$(lines got)" -gt 1 &&
	# a copy with a -wal that holds commits: read with them (its -shm made)
	cp a.db inlive.db &&
	sqlite3 -cmd "PRAGMA wal_autocheckpoint = 0" \
		-cmd "INSERT INTO cameras (id, lat, lon, created) VALUES ('"'"'walcam'"'"', 1, 1, 0)" \
		-cmd ".shell cp inlive.db in3.db && cp inlive.db-wal in3.db-wal" inlive.db "SELECT 1" >/dev/null &&
	test -s in3.db-wal &&
	vidx-merge -d n8.db in3.db >/dev/null &&
	test "$(sqlite3 n8.db "SELECT id FROM cameras WHERE id = '"'"'walcam'"'"'")" = walcam
'

test_expect_success 'a table the merge does not know, with rows: refused; a new child of recordings in both: merged' '
	cp c.db u.db &&
	sqlite3 u.db "CREATE TABLE notes (x); INSERT INTO notes VALUES (1)" &&
	dump m.db >before &&
	test_expect_code 1 vidx-merge -d m.db u.db 2>err &&
	grep "^vidx-merge: u.db: table .notes. holds rows this merge does not know how to merge: nothing merged" err &&
	dump m.db >after && test_cmp before after &&
	sqlite3 u.db "DELETE FROM notes" &&
	vidx-merge -d m.db u.db >/dev/null &&
	# a table that hangs off recordings (as a later migration may add) travels
	cp c.db w.db && cp c.db wout.db &&
	for d in w wout; do
		sqlite3 $d.db "CREATE TABLE tags_x (id INTEGER PRIMARY KEY, recording_id INTEGER NOT NULL
			REFERENCES recordings(id) ON DELETE CASCADE, tag TEXT)" || exit 1
	done &&
	sqlite3 wout.db "PRAGMA foreign_keys = ON; DELETE FROM recordings" &&
	sqlite3 w.db "INSERT INTO tags_x (recording_id, tag) SELECT id, '"'"'t'"'"' || id FROM recordings" &&
	vidx-merge -d wout.db w.db >/dev/null &&
	sqlite3 w.db "SELECT lower(hex(r.sha256)), t.tag FROM tags_x t JOIN recordings r ON r.id = t.recording_id" >want &&
	sqlite3 wout.db "SELECT lower(hex(r.sha256)), t.tag FROM tags_x t JOIN recordings r ON r.id = t.recording_id" >got &&
	test_cmp want got && test "$(lines got)" = 1
'

test_expect_success 'signed cases from two shards: each event keeps its key and signature, the keys come across once, every chain checks the same against the trust file' '
	vidx-key new --by ann --key ann.key >ann.pub 2>/dev/null &&
	vidx-key new --by bob --key bob.key >bob.pub 2>/dev/null &&
	cat ann.pub bob.pub >trusted &&
	fa=$(head -n 1 ann.pub | cut -d" " -f3) && fb=$(head -n 1 bob.pub | cut -d" " -f3) &&
	shard s1.db && shard s2.db &&
	vidx-ingest -d s1.db --host ha -c transit --start 2022-07-05T01:25:00Z ev/a1.ts >/dev/null &&
	vidx-ingest -d s2.db --host hb -c transit --start 2022-07-05T01:26:00Z ev/b1.ts >/dev/null &&
	vidx-case -d s1.db new S1 --title "one" --signed --key ann.key &&
	vidx-case -d s1.db note --key ann.key S1 "DVR export taken" &&
	vidx-pull -d s1.db --case S1 --key ann.key --out sp1 -c transit \
		--from 2022-07-05T01:25:01Z --to 2022-07-05T01:25:03Z >/dev/null &&
	vidx-case -d s2.db new S2 --title "two" --signed --key bob.key &&
	# ann signs in both shards: her key is in both, one row after the merge
	vidx-case -d s2.db note --key ann.key S2 "second opinion" &&
	vidx-pull -d s2.db --case S2 --key bob.key --out sp2 -c transit \
		--from 2022-07-05T01:26:01Z --to 2022-07-05T01:26:03Z >/dev/null &&
	for s in 1 2; do
		vidx-case -d s$s.db log --trust trusted S$s >log.s$s 2>&1 &&
		vidx-case -d s$s.db log --json --trust trusted S$s >logj.s$s &&
		vidx-verify -d s$s.db --trust trusted --case S$s >ver.s$s &&
		vidx-verify -d s$s.db --trust trusted sp$s | sed "/^ok  *custody /d" >dir.s$s || exit 1
	done &&
	grep "every event signed by its operator.s key in the trust file" log.s1 &&
	test "$(jq -r .signature logj.s2 | sort -u)" = trusted &&
	test "$(jq -r .signer logj.s2 | paste -sd " ")" = "bob ann bob" &&
	vidx-merge -d ms.db s1.db s2.db >out &&
	test "$(tail -n 1 out | awk "{print \$9, \$10, \$NF}")" = "6 2 (total)" &&
	# keys: one row a fingerprint, as the shards have it
	{ sqlite3 s1.db "SELECT fingerprint, name, hex(public_key) FROM keys" &&
	  sqlite3 s2.db "SELECT fingerprint, name, hex(public_key) FROM keys"; } | sort -u >want &&
	sqlite3 ms.db "SELECT fingerprint, name, hex(public_key) FROM keys" | sort >got &&
	test_cmp want got &&
	test "$(sqlite3 ms.db "SELECT group_concat(fingerprint, \" \") FROM (SELECT fingerprint FROM keys ORDER BY 1)")" = \
		"$(printf "%s\n" $fa $fb | sort | paste -sd " ")" &&
	# events: every column, key and signature too, as in their shard
	q="SELECT case_id, seq, at, by, kind, detail, prev, hash, old_seq, key, sig FROM custody ORDER BY 1, 2" &&
	{ sqlite3 s1.db "$q" && sqlite3 s2.db "$q"; } >want &&
	sqlite3 ms.db "$q" >got && test_cmp want got &&
	test "$(sqlite3 ms.db "SELECT count(*) FROM custody WHERE sig IS NULL")" = 0 &&
	for s in 1 2; do
		vidx-case -d ms.db log --trust trusted S$s >log.m$s 2>&1 &&
		test_cmp log.s$s log.m$s &&
		vidx-case -d ms.db log --json --trust trusted S$s >logj.m$s &&
		test_cmp logj.s$s logj.m$s &&
		vidx-verify -d ms.db --trust trusted --case S$s >ver.m$s &&
		test_cmp ver.s$s ver.m$s &&
		vidx-verify -d ms.db --trust trusted sp$s | sed "/^ok  *custody /d" >dir.m$s &&
		test_cmp dir.s$s dir.m$s || exit 1
	done &&
	# and without vidx: each event of the merged index by openssl, with
	# the public key from the trust file (never the index copy)
	for row in $(sqlite3 ms.db "SELECT case_id || \":\" || seq || \":\" || key FROM custody"); do
		c=${row%%:*} && r=${row#*:} && n=${r%%:*} && k=${r#*:} &&
		if [ "$k" = "$fa" ]; then pub=ann.pub; else test "$k" = "$fb" && pub=bob.pub; fi &&
		sqlite3 ms.db "SELECT hash FROM custody WHERE case_id = '"'"'$c'"'"' AND seq = $n" | tr -d "\n" >ev.hash &&
		sqlite3 ms.db "SELECT sig FROM custody WHERE case_id = '"'"'$c'"'"' AND seq = $n" | base64 -d >ev.sig &&
		openssl pkeyutl -verify -pubin -inkey $pub -rawin -in ev.hash -sigfile ev.sig >ossl 2>&1 &&
		grep -q "^Signature Verified Successfully$" ossl || exit 1
	done &&
	# merged again: nothing changes
	dump ms.db >before && vidx-merge -d ms.db s2.db s1.db >/dev/null && dump ms.db >after &&
	test_cmp before after
'

test_expect_success 'a key that differs under the same fingerprint (its name, its public key): each named, nothing merged' '
	fa=$(head -n 1 ann.pub | cut -d" " -f3) && fb=$(head -n 1 bob.pub | cut -d" " -f3) &&
	cp s2.db s3.db &&
	sqlite3 s3.db "UPDATE keys SET name = '"'"'mallory'"'"' WHERE fingerprint = '"'"'$fa'"'"';
		UPDATE keys SET public_key = (SELECT public_key FROM keys WHERE fingerprint = '"'"'$fa'"'"')
		WHERE fingerprint = '"'"'$fb'"'"'" &&
	dump ms.db >before &&
	test_expect_code 1 vidx-merge -d ms.db s3.db 2>err &&
	grep "^vidx-merge: conflict: key $(echo $fa | cut -c1-16): name is mallory in s3.db but ann in ms.db$" err &&
	grep "^vidx-merge: conflict: key $(echo $fb | cut -c1-16): public_key is -----BEGIN PUBLIC KEY-----.* in s3.db but -----BEGIN PUBLIC KEY-----.* in ms.db$" err &&
	grep "^vidx-merge: 2 conflicts: nothing merged$" err &&
	dump ms.db >after && test_cmp before after &&
	test_expect_code 1 vidx-merge -d ms3.db s1.db s3.db 2>err && test ! -e ms3.db &&
	grep "^vidx-merge: conflict: key .*: name is mallory in s3.db but ann in s1.db$" err &&
	# the key of bob is in s3 only here: nothing to compare it with (whether a
	# key is the one its fingerprint names is for --trust, never the index)
	grep -c "^vidx-merge: conflict: key " err >n && test "$(cat n)" = 1
'

test_expect_success 'mobile cameras: the registry with them, their recordings places and tracks come across; the same answers to place questions' '
	base_mp4 base.mp4 &&
	mkgeo nmea - dash.srt n=8 utc=2022-07-05T01:24:00 lat=41.3057699 \
		lon=-72.92632748 dlat=0 dlon=0.00017937 &&
	ffmpeg -nostdin -loglevel error -y -i base.mp4 -i dash.srt -map 0 -map 1 \
		-c copy -c:s mov_text -f mov dash.mov &&
	ffmpeg -nostdin -loglevel error -y -i base.mp4 -c copy -map 0 -movflags use_metadata_tags \
		-metadata com.apple.quicktime.location.ISO6709=+41.306130-072.925610/ \
		-metadata com.apple.quicktime.creationdate=2022-07-04T21:24:30-0400 phone.mov &&
	vidx-camera -d mreg.db import "$FIXTURES/demo-cameras.csv" 2>/dev/null &&
	vidx-camera -d mreg.db add dash-1 --mobile --name "Patrol car 12 dashcam" &&
	vidx-camera -d mreg.db add witness-a --mobile &&
	vidx-camera -d mreg.db export >mreg.geojson &&
	test "$(jq -c "[.features[] | select(.properties.mobile) | [.id, .geometry]]" mreg.geojson)" = \
		"[[\"dash-1\",null],[\"witness-a\",null]]" &&
	for d in mo1 mo2 mone; do vidx-camera -d $d.db import mreg.geojson 2>/dev/null || exit 1; done &&
	vidx-ingest -d mo1.db --host h1 -c dash-1 dash.mov >/dev/null &&
	vidx-ingest -d mo2.db --host h2 -c witness-a phone.mov >/dev/null &&
	vidx-ingest -d mo2.db --host h2 -c transit --start 2022-07-05T01:24:00Z ev/a1.ts >/dev/null &&
	vidx-ingest -d mone.db --host h1 -c dash-1 dash.mov >/dev/null &&
	vidx-ingest -d mone.db --host h2 -c witness-a phone.mov >/dev/null &&
	vidx-ingest -d mone.db --host h2 -c transit --start 2022-07-05T01:24:00Z ev/a1.ts >/dev/null &&
	vidx-merge -d mm.db mo1.db mo2.db >/dev/null &&
	vidx-camera -d mone.db export >e1 && vidx-camera -d mm.db export >e2 && test_cmp e1 e2 &&
	q="SELECT lower(hex(r.sha256)), p.source, p.raw, p.lat, p.lon, p.alt, p.points, hex(p.track),
		p.dropped, p.problems FROM recording_place p JOIN recordings r ON r.id = p.recording_id ORDER BY 1" &&
	sqlite3 mone.db "$q" >want && sqlite3 mm.db "$q" >got && test_cmp want got &&
	test "$(lines got)" = 2 &&
	q="SELECT lower(hex(r.sha256)), c.min_lat, c.max_lat, c.min_lon, c.max_lon, c.t0, c.t1
		FROM place_chunk c JOIN recordings r ON r.id = c.recording_id ORDER BY 1, 2, 4, 6" &&
	sqlite3 mone.db "$q" >want && sqlite3 mm.db "$q" >got && test_cmp want got &&
	test "$(lines got)" -ge 2 &&
	ids="walk(if type == \"object\" then del(.recording_id, .segment_id, .id, .ingested, .host) else . end)" &&
	for d in mone mm; do
		for r in 30 100 2000; do
			vidx-query -d $d.db --json --near 41.30568,-72.92561 --radius $r \
				--from 2022-07-05T01:20:00Z --to 2022-07-05T01:30:00Z || exit 1
		done | jq -c "$ids" >ans.$d &&
		vidx-query -d $d.db --geojson --near 41.30568,-72.92561 --radius 100 \
			--from 2022-07-05T01:20:00Z --to 2022-07-05T01:30:00Z | jq -c "$ids" >>ans.$d &&
		vidx-ls -d $d.db --json | jq -c "$ids" >>ans.$d || exit 1
	done &&
	test_cmp ans.mone ans.mm &&
	test "$(jq -r "select(.mobile == true) | .camera" ans.mm | sort -u | paste -sd " ")" = "dash-1 witness-a"
'

test_expect_success 'set-up: a shard of 50,000 synthetic recordings (sqlite3), for the kills' '
	shard big.db &&
	sqlite3 big.db "
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
		INSERT INTO recordings (camera_id, sha256, size, path, format, vcodec, width, height,
			fps, acodec, start, end, first_pts, time_source, time_raw, time_detail,
			time_flags, keyframe_count, segment_count, damaged, ingested, host)
		SELECT '"'"'transit'"'"', randomblob(32), 1000, '"'"'/ev/big/'"'"' || i || '"'"'.ts'"'"',
			'"'"'mpegts'"'"', '"'"'h264'"'"', 320, 240, 25, NULL, 1600000000000000 + i * 900000000,
			1600000000000000 + i * 900000000 + 899000000, 0, '"'"'manual'"'"', '"'"'x'"'"', '"'"''"'"', 0, 1, 1,
			0, 1, '"'"'hbig'"'"' FROM n;
		INSERT INTO segments (recording_id, seq, start, end, first_pts)
			SELECT id, 0, start, end, 0 FROM recordings;
		INSERT INTO keyframes SELECT id, 1, x'"'"'000000'"'"' FROM recordings;
		INSERT INTO recording_paths SELECT id, host, path, ingested FROM recordings" &&
	test "$(sqlite3 big.db "SELECT count(*) FROM segments")" = 50000
'

test_expect_success "SIGKILL at $KILLS points of a merge into an index: it is as it was, or merged whole" '
	dump m.db >before &&
	cp m.db full.db && vidx-merge -d full.db big.db >/dev/null && dump full.db >merged &&
	i=1 && killed=0 && : >kept &&
	while [ $i -le $KILLS ]; do
		cp m.db k.db
		vidx-merge -d k.db big.db >/dev/null 2>&1 &
		pid=$!
		sleep $(awk -v i=$i "BEGIN { printf \"%.2f\", 0.05 + 0.25 * i }")
		kill -9 $pid 2>/dev/null && killed=$((killed + 1)) || :
		wait $pid 2>/dev/null || :
		test "$(sqlite3 k.db "PRAGMA integrity_check")" = ok || exit 1
		dump k.db >now
		if cmp -s now before; then echo as-it-was >>kept
		elif cmp -s now merged; then echo merged >>kept
		else echo "after kill $i: neither as it was nor merged"; exit 1
		fi
		i=$((i + 1))
	done &&
	test "$killed" -gt 0 && grep -q as-it-was kept &&
	vidx-merge -d k.db big.db >/dev/null && dump k.db >now && test_cmp merged now
'

test_expect_success "SIGKILL at $KILLS points of a merge into a new index: none is left, nor its partial file once merged again" '
	vidx-merge -d new-full.db m.db big.db >/dev/null && dump new-full.db >merged &&
	i=1 && : >kept &&
	while [ $i -le $KILLS ]; do
		rm -f n.db
		vidx-merge -d n.db m.db big.db >/dev/null 2>&1 &
		pid=$!
		sleep $(awk -v i=$i "BEGIN { printf \"%.2f\", 0.05 + 0.25 * i }")
		kill -9 $pid 2>/dev/null || :
		wait $pid 2>/dev/null || :
		if [ -e n.db ]; then
			dump n.db >now && test_cmp merged now || exit 1
			echo merged >>kept
		else
			echo none >>kept
		fi
		i=$((i + 1))
	done &&
	grep -q none kept &&
	rm -f n.db && vidx-merge -d n.db m.db big.db >/dev/null &&
	dump n.db >now && test_cmp merged now &&
	! ls -a | grep "merge-.*partial"
'

test_expect_success 'a shard read as immutable and written to meanwhile: refused, nothing made' '
	cp big.db bigc.db && test ! -e bigc.db-wal && test ! -e bigc.db-shm &&
	vidx-merge -d nw.db bigc.db >/dev/null 2>err &
	pid=$! && n=0 &&
	# the shards are open once the new index file is begun
	until ls .nw.db.merge-*.partial >/dev/null 2>&1 || [ $n -ge 400 ]; do
		sleep 0.05; n=$((n + 1))
	done &&
	touch bigc.db &&
	test_expect_code 1 wait $pid &&
	grep "^vidx-merge: shard .bigc.db. changed while it was read; nothing merged (merge it again)$" err &&
	test ! -e nw.db && test "$(ls bigc.db*)" = bigc.db
'

test_expect_success 'the man page SYNOPSIS is the usage; --help' '
	man=$VIDX_SRC/man/vidx-merge.1 &&
	bs=$(printf "\b") &&
	mandoc -Tascii "$man" | sed "s/.$bs//g" | sed -n "/^SYNOPSIS/,/^DESCRIPTION/p" |
		sed "1d;\$d" | tr -s " \n" "  " | sed "s/ *\$//; s/^ *//" >syn.txt &&
	vidx-merge --help | sed -n "1,/^\$/p" | sed "s/^usage://" | tr -s " \n" "  " |
		sed "s/ *\$//; s/^ *//" >use.txt &&
	test_cmp use.txt syn.txt &&
	vidx merge --help >out && grep "^usage: vidx-merge" out &&
	vidx help | grep "^  merge "
'

test_done
