#!/bin/sh
# The test that matters: the same files ingested on one host, and as one
# shard per host merged, give the same index (recordings, their paths,
# segments, keyframes, and every other table that hangs off a recording)
# and the same answer to every query, pull and verify.  The shards are made
# three ways: by the README's GNU parallel recipe verbatim (--hgrp, --tf,
# --return, --cleanup) with three fake ssh hosts that run here, each in a
# folder of its own; by parallel with local job slots as the hosts; and by
# contrib/vidx-shards.sbatch run as the three tasks of a Slurm array
# (sbatch itself is not here: the tasks are started by hand).
. "$(dirname "$0")/lib.sh"

SBATCH=$VIDX_SRC/contrib/vidx-shards.sbatch
FROM="2022-07-04 21:20"
TO="2022-07-04 21:30"
TZN=America/New_York

# recordings: every column but the row id, the host and the ingest time
# (the SHA-256 comes first, in hex)
rec_cols() {
	sqlite3 "$1" "SELECT group_concat(name, ', ') FROM pragma_table_info('recordings')
		WHERE name NOT IN ('id', 'host', 'ingested', 'sha256')"
}

# the tables that hang off a recording (segments, keyframes, paths, ...)
children() {
	sqlite3 "$1" "SELECT m.name FROM sqlite_schema m, pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' AND f.\"table\" = 'recordings' ORDER BY 1"
}

# rows of child table T, by the SHA-256 of their recording, without row
# ids, hosts and when a path was seen
child_rows() {
	c=$(sqlite3 "$1" "SELECT group_concat('t.' || name, ', ') FROM pragma_table_info('$2')
		WHERE NOT (pk = 1 AND type = 'INTEGER' AND name <> 'recording_id')
		AND name NOT IN ('recording_id', 'host', 'seen')")
	sqlite3 "$1" "SELECT lower(hex(r.sha256)), $c FROM \"$2\" t
		JOIN recordings r ON r.id = t.recording_id" | sort
}

# same_index ONE OTHER: the same recordings, children and cameras
same_index() {
	test "$(rec_cols "$1")" = "$(rec_cols "$2")" &&
	c=$(rec_cols "$1") &&
	sqlite3 "$1" "SELECT lower(hex(sha256)), $c FROM recordings" | sort >idx.1 &&
	sqlite3 "$2" "SELECT lower(hex(sha256)), $c FROM recordings" | sort >idx.2 &&
	test_cmp idx.1 idx.2 &&
	test "$(children "$1")" = "$(children "$2")" &&
	for t in $(children "$1"); do
		child_rows "$1" "$t" >idx.1 && child_rows "$2" "$t" >idx.2 &&
		test_cmp idx.1 idx.2 || return 1
	done &&
	vidx-camera -d "$1" export >idx.1 && vidx-camera -d "$2" export >idx.2 &&
	test_cmp idx.1 idx.2
}

# answers DB: every kind of question, row ids left out (each index has
# its own)
answers() {
	ids='walk(if type == "object" then del(.recording_id, .segment_id, .id) else . end)'
	{
		vidx-query -d "$1" --json --near 41.30568,-72.92561 --radius 300 \
			--from "$FROM" --to "$TO" --tz $TZN
		vidx-query -d "$1" --json --coverage --near 41.30568,-72.92561 --radius 300 \
			--from "$FROM" --to "$TO" --tz $TZN
		vidx-query -d "$1" --json --sort time -c transit -c chapel-ne \
			--at "2022-07-04 21:25" --pad 5m --tz $TZN
		vidx-query -d "$1" --json --tag private --bbox 41.3,-72.93,41.31,-72.92 \
			--from "$FROM" --to "$TO" --tz $TZN
		vidx-ls -d "$1" --json
	} | jq -c "$ids | del(.ingested, .host)"
	vidx-query -d "$1" --paths --near 41.30568,-72.92561 --radius 300 \
		--from "$FROM" --to "$TO" --tz $TZN
	vidx-verify -d "$1"
}

# pulled DB DIR: pull the question into DIR; what the folder holds, the
# operator's times and the hosts left out.  An MP4 clip's export box
# records when it was exported, so its bytes differ from one pull to the
# next: those clips are compared by ffmpeg's framemd5 of every stream (the
# timed text too), the others byte for byte
pulled() {
	vidx-case -d "$1" new C --title t --by ann 2>/dev/null || :
	vidx-pull -d "$1" --case C --by ann --host h --out "$2" --near 41.30568,-72.92561 \
		--radius 300 --from "$FROM" --to "$TO" --tz $TZN >/dev/null &&
	sed "/ manifest.json\$/d; /\.mp4\$/d" "$2/SHA256SUMS" &&
	for f in $(grep "\.mp4\$" "$2/SHA256SUMS" | cut -c67-); do
		echo "$f $(ffmpeg -nostdin -v error -i "$2/$f" -map 0 -c copy -f framemd5 - |
			grep -v "^#" | sha256sum | cut -c1-64)" || return 1
	done &&
	jq -c '.clips[] | del(.sources[].host) | if .format == "mp4" then del(.sha256) else . end' \
		"$2/manifest.json" &&
	vidx-verify -d "$1" --by ann "$2" | sed "s|$2|DIR|; s/, exported [^ ]* by /, exported (time) by /" &&
	vidx-verify -d "$1" --by ann --case C
}

test_expect_success 'set-up: the registry, and the evidence of three hosts (one file on two of them)' '
	vidx-camera -d reg.db import "$FIXTURES/demo-cameras.csv" 2>/dev/null &&
	vidx-camera -d reg.db clock corner-store --camera-time "2022-07-04 21:25:10" \
		--true-time "2022-07-04 21:22:00" --by "Det. Ruiz" &&
	vidx-camera -d reg.db export >registry.geojson &&
	for h in ha hb hc; do mkdir -p ev/$h/evidence || exit 1; done &&
	e=ev/ha/evidence && mkdir $e/corner-store $e/transit &&
	cp "$FIXTURES/dahua.dav" $e/corner-store/ch01.dav &&
	cp "$FIXTURES/h264.ts" $e/transit/2022-07-04_21-25-00.ts &&
	e=ev/hb/evidence && mkdir $e/transit $e/chapel-ne &&
	cp "$FIXTURES/hevc.ts" $e/transit/2022-07-04_21-25-08.ts &&
	cp "$FIXTURES/h264_bframes.mp4" $e/chapel-ne/192.168.1.64_01_20220704212430250.mp4 &&
	e=ev/hc/evidence && mkdir $e/pharmacy $e/transit $e/chapel-ne &&
	cp "$FIXTURES/mjpeg.avi" $e/pharmacy/CAM1.AVI &&
	cp "$FIXTURES/gap.ts" $e/transit/2022-07-04_21-25-16.ts &&
	cp "$FIXTURES/h264_bframes.mp4" $e/chapel-ne/192.168.1.64_01_20220704212430250.mp4 &&
	printf "%s\n" ev/ha/evidence ev/hb/evidence ev/hc/evidence >folders
'

test_expect_success 'one host: all of it into one index' '
	vidx-camera -d one.db import registry.geojson 2>/dev/null &&
	vidx-ingest -d one.db --host one --camera-from-dir --files-from folders >one.out &&
	test "$(grep -c "^ingested" one.out)" = 6 && test "$(grep -c "^duplicate" one.out)" = 1 &&
	answers one.db >one.answers &&
	# six recordings, the one on two hosts re-hashed at both its paths
	test "$(grep -c "^ok  *recording" one.answers)" = 7 &&
	pulled one.db "$TRASH/pull-one" >one.pulled &&
	test "$(grep -c "^ok  *clip " one.pulled)" -ge 4
'

test_expect_success 'GNU parallel, the README recipe, on three (fake ssh) hosts' '
	if ! command -v rsync >/dev/null; then
		echo "# skipped: parallel needs rsync for --tf and --return" >&2; exit 0
	fi &&
	# ssh HOST CMD: CMD run by sh in hosts/HOST, its home, with the HOME and
	# SHELL sshd sets (parallel'"'"'s remote worker runs jobs with $SHELL: without
	# it, as under a CI runner'"'"'s bare environment, it runs nothing and exits 0)
	cat >fakessh <<-EOF &&
	#!/bin/sh
	while [ \$# -gt 0 ]; do case \$1 in -*) shift ;; *) break ;; esac; done
	host=\$1; shift
	[ "\${1-}" = -- ] && shift
	mkdir -p "$TRASH/hosts/\$host" && cd "$TRASH/hosts/\$host" &&
	HOME="$TRASH/hosts/\$host" SHELL=/bin/sh exec sh -c "\$*"
	EOF
	chmod +x fakessh &&
	# the evidence is on the hosts, at the same path on each
	# (copies keep their mtime, one of a recording'"'"'s time candidates)
	for h in ha hb hc; do mkdir -p hosts/$h && cp -rp ev/$h/evidence hosts/$h/ || exit 1; done &&
	parallel --hgrp -S "@a/1/$TRASH/fakessh ha" -S "@b/1/$TRASH/fakessh hb" \
		-S "@c/1/$TRASH/fakessh hc" --tf registry.geojson \
		--return "shard-{#}.db" --cleanup \
		"vidx camera -d shard-{#}.db import registry.geojson 2>/dev/null &&
		 vidx ingest -d shard-{#}.db --host \"\$PARALLEL_SSHHOST\" --camera-from-dir -j 2 {} >/dev/null" \
		::: evidence@a evidence@b evidence@c &&
	ls shard-1.db shard-2.db shard-3.db &&
	test ! -e hosts/ha/shard-1.db && test ! -e hosts/ha/registry.geojson &&
	test "$(sqlite3 shard-2.db "SELECT DISTINCT host FROM recording_paths")" = hb &&
	vidx-merge -d ssh.db shard-1.db shard-2.db shard-3.db >/dev/null &&
	# the paths are the hosts own: the same files, so the same index but for them
	sqlite3 ssh.db "SELECT host, path FROM recording_paths ORDER BY 1, 2" | sed "s|$TRASH/hosts/h.|H|" >paths &&
	test "$(cut -d"|" -f1 paths | sort -u | paste -sd " ")" = "ha hb hc" &&
	sqlite3 one.db "SELECT path FROM recording_paths ORDER BY 1" | sed "s|$TRASH/ev/h.|H|" | sort >want &&
	cut -d"|" -f2 paths | sort >got && test_cmp want got &&
	cp ssh.db ssh-cmp.db &&
	sqlite3 ssh-cmp.db "UPDATE recordings SET path = replace(path, '"'"'$TRASH/hosts/'"'"', '"'"'$TRASH/ev/'"'"');
		UPDATE recording_paths SET path = replace(path, '"'"'$TRASH/hosts/'"'"', '"'"'$TRASH/ev/'"'"')" &&
	same_index one.db ssh-cmp.db
'

test_expect_success 'parallel with local job slots as the hosts: the same index' '
	printf "%s\n" "ha ev/ha/evidence" "hb ev/hb/evidence" "hc ev/hc/evidence" >hosts.txt &&
	parallel -j 3 --colsep " " \
		"vidx camera -d slot-{1}.db import registry.geojson 2>/dev/null &&
		 vidx ingest -d slot-{1}.db --host {1} --camera-from-dir {2} >/dev/null" :::: hosts.txt &&
	vidx-merge -d slots.db slot-ha.db slot-hb.db slot-hc.db >/dev/null &&
	same_index one.db slots.db &&
	test "$(sqlite3 slots.db "SELECT count(DISTINCT host) FROM recording_paths")" = 3
'

test_expect_success 'the same answers: every query, ls, verify' '
	answers slots.db >slots.answers &&
	test_cmp one.answers slots.answers
'

test_expect_success 'the same pull: the same clips, manifest clips and verification' '
	pulled slots.db "$TRASH/pull-slots" >slots.pulled &&
	sed "s|pull-one|pull-X|g" one.pulled >want && sed "s|pull-slots|pull-X|g" slots.pulled >got &&
	test_cmp want got
'

test_expect_success 'Slurm: contrib/vidx-shards.sbatch, its three array tasks run by hand, then its merge' '
	mkdir out &&
	for i in 0 1 2; do
		SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_COUNT=3 \
		SLURMD_NODENAME=node$i SLURM_CPUS_PER_TASK=2 TMPDIR=$TRASH \
			sh "$SBATCH" ingest folders registry.geojson out 2>>tasks.err || exit 1
	done &&
	ls out | paste -sd " " >actual && echo "shard-0.db shard-1.db shard-2.db" >expect &&
	test_cmp expect actual &&
	grep "^vidx-shards: task 1 of 3 on node1: 1 folders" tasks.err &&
	test "$(sqlite3 out/shard-1.db "SELECT DISTINCT host FROM recording_paths")" = node1 &&
	! ls "$TRASH" | grep "^vidx-shard-" &&
	sh "$SBATCH" merge out slurm.db >/dev/null &&
	same_index one.db slurm.db &&
	answers slurm.db >slurm.answers && test_cmp one.answers slurm.answers
'

test_expect_success 'Slurm: a task run again starts from its shard; bad arguments are named' '
	cp out/shard-1.db before.db &&
	SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=3 TMPDIR=$TRASH \
		sh "$SBATCH" ingest folders registry.geojson out 2>err &&
	grep "0 ingested, 2 already there, 0 failed" err &&
	test "$(sqlite3 out/shard-1.db "SELECT count(*) FROM recordings")" = \
		"$(sqlite3 before.db "SELECT count(*) FROM recordings")" &&
	test_expect_code 2 sh "$SBATCH" ingest folders registry.geojson out 2>err &&
	grep "not an array task" err &&
	test_expect_code 2 sh "$SBATCH" ingest nosuch registry.geojson out 2>err &&
	grep "cannot read .nosuch." err &&
	test_expect_code 2 sh "$SBATCH" frob 2>err && grep "unknown mode .frob." err &&
	test_expect_code 2 sh "$SBATCH" merge empty-dir x.db 2>err && grep "no shards" err
'

test_expect_success 'contrib/vidx-shards.sbatch is clean under shellcheck (when it is installed)' '
	if ! command -v shellcheck >/dev/null; then
		echo "# skipped: no shellcheck" >&2; exit 0
	fi &&
	shellcheck "$SBATCH"
'

test_done
