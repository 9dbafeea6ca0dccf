#!/bin/sh
# Faults and load: SIGKILL at random points of ingest and pull, a full disk
# (a file size limit with SIGXFSZ ignored: writes fail with EFBIG, as on a
# full disk) during ingest and pull, a locked index, and four vidx-ingest
# processes with a stream of vidx-query processes on one index.  None may
# lose or corrupt data, leave a half-written file under a final name, or
# show "database is locked"; re-running finishes the job.  Counts go to
# $VIDX_RESULTS/faults.txt for tests/RELIABILITY.md.
. "$(dirname "$0")/lib.sh"

DB=$TRASH/v.db
KILLS=${VIDX_FAULT_RUNS:-12}

test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $1 ($2)"
}

# copies N DIR: N distinct, valid MPEG-TS recordings (h264.ts and one null
# packet whose payload holds the copy's number)
copies() {
	mkdir -p "$2"
	i=1
	while [ "$i" -le "$1" ]; do
		{ cat "$FIXTURES/h264.ts"
		  printf '\107\037\377\020'
		  printf "%0184d" "$i"; } >"$2/c$i.ts"
		i=$((i + 1))
	done
}

# intact DB: integrity, foreign keys, every recording whole, every custody
# log checks out
intact() {
	test "$(sqlite3 "$1" "PRAGMA integrity_check")" = ok &&
	test -z "$(sqlite3 "$1" "PRAGMA foreign_key_check")" &&
	test "$(sqlite3 "$1" "SELECT count(*) FROM recordings r WHERE
		NOT EXISTS (SELECT 1 FROM keyframes k WHERE k.recording_id = r.id) OR
		NOT EXISTS (SELECT 1 FROM segments s WHERE s.recording_id = r.id) OR
		NOT EXISTS (SELECT 1 FROM recording_paths p WHERE p.recording_id = r.id)")" = 0 &&
	for c in $(sqlite3 "$1" "SELECT id FROM cases"); do
		vidx-case -d "$1" log "$c" >/dev/null || return 1
	done
}

# finals DIR: every file under a final name is complete: a clip decodes,
# and when the manifest is there, SHA256SUMS checks out
finals_ok() {
	for f in $(find "$1" -type f ! -name ".*" ! -name manifest.json ! -name SHA256SUMS); do
		ffmpeg -nostdin -v error -i "$f" -f null - 2>err.f || return 1
		test ! -s err.f || { echo "$f:"; cat err.f; return 1; }
	done
	if [ -e "$1/manifest.json" ]; then
		(cd "$1" && sha256sum -c --quiet SHA256SUMS) || return 1
	fi
}

# a pseudo-random delay in ms from 0 to $1 (awk, fixed seed per call N)
delay() {
	awk -v n="$2" -v m="$1" 'BEGIN { srand(n * 7919); printf "%.3f", rand() * m / 1000 }'
}

test_expect_success 'set-up: 60 distinct recordings, an index, a case' '
	copies 60 src &&
	vidx-camera -d $DB add cam --lat 1 --lon 1 --tz UTC &&
	vidx-case -d $DB new K --title faults --by t
'

test_expect_success "SIGKILL at $KILLS random points of vidx-ingest -j 2: index intact each time; the re-run completes" '
	cp $DB empty.db &&
	i=1 && killed=0 &&
	while [ $i -le $KILLS ]; do
		# each run from an index without these recordings, so the kill
		# lands in the middle of the batch
		cp empty.db k.db
		vidx-ingest -d k.db -c cam -j 2 src >/dev/null 2>&1 &
		pid=$!
		sleep $(delay 1500 $i)
		kill -9 $pid 2>/dev/null && killed=$((killed + 1)) || :
		wait $pid 2>/dev/null || :
		intact k.db || { echo "after kill $i: index not intact"; exit 1; }
		n=$(sqlite3 k.db "SELECT count(*) FROM recordings")
		vidx-ingest -d k.db -c cam -j 2 src >/dev/null
		intact k.db
		test "$(sqlite3 k.db "SELECT count(*) FROM recordings")" = 60
		echo "$n" >>kept
		i=$((i + 1))
	done &&
	vidx-ingest -d $DB -c cam -j 2 src >/dev/null &&
	echo "ingest_runs $KILLS" >>faults.txt &&
	echo "ingest_kills $killed" >>faults.txt &&
	echo "ingest_rows_at_kill $(tr "\n" " " <kept)" >>faults.txt
'

test_expect_success "SIGKILL at $KILLS random points of vidx-ingest -j 2 (files written in batches): every file reported ingested is in the index" '
	i=1 &&
	while [ $i -le $KILLS ]; do
		cp empty.db b.db
		vidx-ingest -d b.db -c cam -j 2 --json src >out 2>/dev/null &
		pid=$!
		sleep $(delay 500 $((i + 100)))
		kill -9 $pid 2>/dev/null || :
		wait $pid 2>/dev/null || :
		intact b.db || { echo "after kill $i: index not intact"; exit 1; }
		# a line is only written once its batch is committed
		grep "\"status\":\"ingested\"" out | grep "}\$" | jq -r .sha256 >reported || :
		while read -r sum; do
			test "$(sqlite3 b.db "SELECT count(*) FROM recordings WHERE
				lower(hex(sha256)) = '"'"'$sum'"'"'")" = 1 ||
				{ echo "after kill $i: $sum reported but not in the index"; exit 1; }
		done <reported
		echo "$(lines reported) $(sqlite3 b.db "SELECT count(*) FROM recordings")" >>batched
		i=$((i + 1))
	done &&
	echo "ingest_batched_reported_kept $(tr "\n" " " <batched)" >>faults.txt
'

test_expect_success "SIGKILL at $KILLS random points of vidx-pull: no half-written file under a final name" '
	i=1 && killed=0 &&
	while [ $i -le $KILLS ]; do
		vidx-pull -d $DB --case K --out p$i --by t -c cam \
			--from 2022-01-01T00:00:00Z --to 2030-01-01T00:00:00Z >/dev/null 2>&1 &
		pid=$!
		sleep $(delay 2500 $i)
		kill -9 $pid 2>/dev/null && killed=$((killed + 1)) || :
		wait $pid 2>/dev/null || :
		ls p$i/*/* 2>/dev/null | wc -l >>clips_at_kill
		finals_ok p$i || { echo "after kill $i: a bad file under a final name"; exit 1; }
		intact $DB || { echo "after kill $i: index not intact"; exit 1; }
		i=$((i + 1))
	done &&
	vidx-pull -d $DB --case K --out pfinal --by t -c cam \
		--from 2022-01-01T00:00:00Z --to 2030-01-01T00:00:00Z >/dev/null &&
	vidx-verify -d $DB pfinal >/dev/null &&
	echo "pull_runs $KILLS" >>faults.txt &&
	echo "pull_kills $killed" >>faults.txt &&
	echo "pull_clips_at_kill $(tr "\n" " " <clips_at_kill)" >>faults.txt
'

test_expect_success 'a full disk during ingest: exit 1, named, the index as it was' '
	copies 3 more && mv more/c1.ts more/d1.ts && mv more/c2.ts more/d2.ts && mv more/c3.ts more/d3.ts &&
	printf "x" >>more/d1.ts && printf "y" >>more/d2.ts && printf "z" >>more/d3.ts &&
	n0=$(sqlite3 $DB "SELECT count(*) FROM recordings") &&
	# an empty write-ahead log, then room for its first commits only (the
	# limit counts 512-byte blocks in dash; 32 KB go to the -shm)
	sqlite3 $DB "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null &&
	set +e
	( trap "" XFSZ; ulimit -f 80; exec vidx-ingest -d $DB -c cam more ) >out 2>err
	rc=$?
	set -e
	test $rc = 1 &&
	grep -i -E "file too large|disk|full|write" err &&
	intact $DB &&
	n1=$(sqlite3 $DB "SELECT count(*) FROM recordings") &&
	test $((n1 - n0)) -le 3 &&
	# what did go in is whole; the re-run with room completes
	vidx-ingest -d $DB -c cam more >/dev/null &&
	test "$(sqlite3 $DB "SELECT count(*) FROM recordings")" = $((n0 + 3)) &&
	echo "disk_full_ingest 1" >>faults.txt
'

test_expect_success 'a full disk during pull: exit 1, named, no clip under a final name unfinished' '
	sqlite3 $DB "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null &&
	set +e
	( trap "" XFSZ; ulimit -f 100; exec vidx-pull -d $DB --case K --out full --by t -c cam \
		--from 2022-01-01T00:00:00Z --to 2030-01-01T00:00:00Z ) >out 2>err
	rc=$?
	set -e
	test $rc = 1 &&
	grep -i "file too large" err &&
	finals_ok full &&
	intact $DB &&
	echo "disk_full_pull 1" >>faults.txt
'

test_expect_success 'a locked index: ingest waits for the lock and then completes' '
	copies 2 locked && mv locked/c1.ts locked/e1.ts && mv locked/c2.ts locked/e2.ts &&
	printf "q" >>locked/e1.ts && printf "r" >>locked/e2.ts
	( printf "BEGIN IMMEDIATE;\n"; sleep 3; printf "COMMIT;\n" ) | sqlite3 $DB &
	locker=$!
	sleep 1
	vidx-ingest -d $DB -c cam locked >out 2>err &&
	! grep -i locked err &&
	wait $locker &&
	test "$(grep -c ingested out)" = 2 &&
	echo "locked_index 1" >>faults.txt
'

test_expect_success 'load: four vidx-ingest processes and a stream of queries on one index' '
	copies 100 load &&
	for f in load/*.ts; do printf "L" >>$f; done &&
	vidx-camera -d load.db add cam --lat 1 --lon 1 --tz UTC
	: >q.err
	( n=0; while [ ! -e stop ]; do
		vidx-query -d load.db -c cam --from 2000-01-01T00:00:00Z --to 2100-01-01T00:00:00Z \
			--json >/dev/null 2>>q.err || echo fail >>q.err
		n=$((n + 1)); echo $n >q.count
	done ) &
	qpid=$!
	for k in 1 2 3 4; do
		vidx-ingest -d load.db -c cam load >i$k.out 2>i$k.err &
		eval p$k=\$!
	done &&
	rc=0 && wait $p1 || rc=1; wait $p2 || rc=1; wait $p3 || rc=1; wait $p4 || rc=1
	touch stop && wait $qpid &&
	cat q.err i1.err i2.err i3.err i4.err && test $rc = 0 &&
	test ! -s q.err &&
	! grep -i "locked" i1.err i2.err i3.err i4.err &&
	test "$(sqlite3 load.db "SELECT count(*) FROM recordings")" = 100 &&
	intact load.db &&
	# each file ingested by exactly one process, a duplicate for the others
	test "$(cat i1.out i2.out i3.out i4.out | grep -c "^ingested")" = 100 &&
	echo "load_queries $(cat q.count)" >>faults.txt &&
	echo "load_ingest_processes 4" >>faults.txt
'

# A real full disk and a real read-only filesystem need a mount: done in a
# user namespace (unshare -rm), where an unprivileged user may mount a tmpfs.
if unshare -rm sh -c "mount -t tmpfs -o size=64k none \"$TRASH\"" 2>/dev/null; then
test_expect_success 'a full tmpfs during ingest and pull: exit 1, named, nothing half-written' '
	copies 3 more3 &&
	for i in 1 2 3; do printf "m$i" >>more3/c$i.ts; done &&
	cp $DB small.db && sqlite3 small.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null &&
	mkdir -p small &&
	cat >inner.sh <<\EOF
	dbk=$(( $(stat -c %s small.db) / 1024 ))
	# room for the index, its 32 KB -shm and a few pages of log
	mount -t tmpfs -o size=$((dbk + 48))k none small || exit 3
	cp small.db small/v.db || exit 3
	vidx-ingest -d small/v.db -c cam more3 >ing.out 2>ing.err; echo $? >ing.rc
	sqlite3 small/v.db "PRAGMA integrity_check" >ing.check
	mount -o remount,size=16m small
	vidx-ingest -d small/v.db -c cam more3 >ing2.out 2>ing2.err; echo $? >ing2.rc
	sqlite3 small/v.db "SELECT count(*) FROM recordings" >ing2.count
	used=$(du -sk small | cut -f1)
	mount -o remount,size=$((used + 100))k small
	vidx-pull -d small/v.db --case K --out small/case --by t -c cam \
		--from 2022-01-01T00:00:00Z --to 2030-01-01T00:00:00Z >pull.out 2>pull.err
	echo $? >pull.rc
	sqlite3 small/v.db "PRAGMA integrity_check" >pull.check
	if [ -d small/case ]; then cp -r small/case case.copy; fi
EOF
	unshare -rm sh inner.sh &&
	cat ing.err pull.err &&
	test "$(cat ing.rc)" = 1 && grep -i "full" ing.err &&
	test "$(cat ing.check)" = ok &&
	test "$(cat ing2.rc)" = 0 &&
	test "$(cat ing2.count)" = $(($(sqlite3 $DB "SELECT count(*) FROM recordings") + 3)) &&
	test "$(cat pull.rc)" = 1 && grep -i "space" pull.err &&
	test "$(cat pull.check)" = ok &&
	if [ -d case.copy ]; then finals_ok case.copy; fi &&
	echo "disk_full_tmpfs 2" >>faults.txt
'

test_expect_success 'an index on a read-only filesystem answers queries' '
	cat >inner2.sh <<\EOF
	mkdir -p rofs && mount -t tmpfs none rofs && cp v.db rofs/v.db &&
	mount -o remount,ro rofs || exit 3
	vidx-query -d rofs/v.db -c cam --from 2022-01-01T00:00:00Z \
		--to 2030-01-01T00:00:00Z --json >ro.json 2>ro.err; echo $? >ro.rc
	vidx-ls -d rofs/v.db --json >ro.ls 2>>ro.err
EOF
	sqlite3 $DB "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null &&
	unshare -rm sh inner2.sh &&
	cat ro.err &&
	test "$(cat ro.rc)" = 0 &&
	test "$(lines ro.json)" -gt 0 &&
	test "$(lines ro.ls)" = "$(sqlite3 $DB "SELECT count(*) FROM recordings")" &&
	echo "read_only_fs 1" >>faults.txt
'
else
	test_skip 'a full tmpfs during ingest and pull' 'no user namespaces (unshare -rm) here'
	test_skip 'an index on a read-only filesystem answers queries' 'no user namespaces (unshare -rm) here'
fi

test_expect_success 'record the counts' '
	mkdir -p "${VIDX_RESULTS:-$TRASH/results}" &&
	cp faults.txt "${VIDX_RESULTS:-$TRASH/results}/faults.txt"
'

test_done
