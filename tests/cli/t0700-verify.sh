#!/bin/sh
# vidx-verify: recordings against the index, case folders against their
# manifest, their sources and the custody log; every kind of tampering a
# defence expert would try is reported with exit 1.
. "$(dirname "$0")/lib.sh"

START=2022-07-04T21:00:00Z
FROM=2022-07-04T21:00:03Z
TO=2022-07-04T21:00:05Z
DB=$TRASH/v.db

# own NAME FIXTURE: a recording of our own (a remux, so not a duplicate of
# the fixture) that the tests may change
own() {
	ffmpeg -nostdin -v error -i "$FIXTURES/$2" -map 0 -c copy -metadata title="$1" "$TRASH/$1"
}

# fresh NAME: a folder pulled from the index's ts and mp4 cameras
fresh() {
	vidx-pull -d $DB --case C1 --out "$1" --by ann -c ts -c mp4 --from $FROM --to $TO >/dev/null
}

# bad_lines OUT: the lines that are not ok
bad_lines() {
	grep -v -E "^(ok|skipped) " "$1" || :
}

test_expect_success 'set-up: two cameras with recordings of their own, a case' '
	own rec.ts h264.ts && own rec.mp4 h264_bframes.mp4 &&
	vidx-camera -d $DB add ts --lat 1 --lon 1 &&
	vidx-camera -d $DB add mp4 --lat 1 --lon 1 &&
	vidx-ingest -d $DB -c ts --start $START rec.ts >/dev/null &&
	vidx-ingest -d $DB -c mp4 --start $START rec.mp4 >/dev/null &&
	vidx-case -d $DB new C1 --title "Shooting" --by ann
'

test_expect_success 'recordings: all ok, one camera, exit 0' '
	vidx-verify -d $DB >out &&
	test "$(lines out)" = 2 &&
	test "$(grep -c "^ok  *recording " out)" = 2 &&
	vidx-verify -d $DB -c ts >out &&
	test "$(lines out)" = 1 && grep "rec.ts" out &&
	test_expect_code 1 vidx-verify -d $DB -c nope 2>err &&
	grep "nope" err
'

test_expect_success 'a case folder as pulled: every item ok, exit 0' '
	fresh f1 &&
	vidx-verify -d $DB f1 >out &&
	test -z "$(bad_lines out)" &&
	grep "^ok  *sums  *manifest.json" out &&
	test "$(grep -c "^ok  *clip " out)" = 2 &&
	grep "^ok  *source .*: same packets as the sources" out &&
	grep "^ok  *custody  *C1: chain intact" out &&
	grep "^skipped  *signature  *manifest.json: not signed" out &&
	test "$(grep -c "^ok  *onvif " out)" = 2 &&
	vidx-verify -d $DB --json f1 >out.json &&
	test "$(jq -r "select(.kind != \"signature\") | .status" out.json | sort -u)" = ok
'

test_expect_success 'verifying a folder adds a verify event to the case log' '
	vidx-verify -d $DB --by "Det. Ruiz" f1 >/dev/null &&
	vidx-case -d $DB log --json C1 >log.json &&
	test "$(jq -r "select(.kind == \"verify\") | .by" log.json | tail -n 1)" = "Det. Ruiz" &&
	jq -c "select(.kind == \"verify\") | .detail" log.json | tail -n 1 >d &&
	test "$(jq -r .scope d)" = folder &&
	test "$(jq .failed d)" = 0 &&
	vidx-case -d $DB log C1 >/dev/null
'

test_expect_success 'a flipped byte in a clip is reported: exit 1' '
	fresh f2 &&
	c=$(ls f2/ts/*.mp4) &&
	size=$(stat -c %s $c) &&
	printf "\001" | dd of=$c bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null &&
	test_expect_code 1 vidx-verify -d $DB f2 >out 2>err &&
	grep "^modified sums  *ts/" out &&
	grep "^modified clip  *ts/.*: SHA-256 .*the manifest says" out &&
	test "$(bad_lines out | grep -c .)" = 2 &&
	grep "2 items failed verification" err &&
	# sha256sum agrees
	! (cd f2 && sha256sum -c --quiet SHA256SUMS 2>/dev/null)
'

test_expect_success 'a deleted clip is reported missing' '
	fresh f3 &&
	rm f3/mp4/*.mp4 &&
	test_expect_code 1 vidx-verify -d $DB f3 >out &&
	grep "^missing  *sums  *mp4/" out &&
	grep "^missing  *clip  *mp4/" out
'

test_expect_success 'an edited manifest is reported (sums, and no pull records it)' '
	fresh f4 &&
	sed -i "s/\"operator\": \"ann\"/\"operator\": \"bob\"/" f4/manifest.json &&
	test_expect_code 1 vidx-verify -d $DB f4 >out &&
	grep "^modified sums  *manifest.json" out &&
	grep "^failed  *custody  *C1: no pull event in the log records this manifest" out
'

test_expect_success 'a clip edited and re-hashed everywhere is still caught by its packets' '
	fresh f5 &&
	c=$(ls f5/ts/*.mp4) && rel=${c#f5/} &&
	# change one byte of the last video packet, then fix size, sums and manifest
	ffprobe -v error -select_streams v:0 -show_entries packet=pos,size -of csv=p=0 $c |
		sort -t, -k1 -n | tail -n 1 >last &&
	pos=$(cut -d, -f1 last) && n=$(cut -d, -f2 last) &&
	printf "\125" | dd of=$c bs=1 seek=$((pos + n - 2)) conv=notrunc 2>/dev/null &&
	sum=$(sha256sum $c | cut -c1-64) &&
	jq --arg p "$rel" --arg s "$sum" "(.clips[] | select(.path == \$p) | .sha256) = \$s" \
		f5/manifest.json >m && mv m f5/manifest.json &&
	(cd f5 && sha256sum $(jq -r ".clips[].path" manifest.json) manifest.json >SHA256SUMS) &&
	test_expect_code 1 vidx-verify -d $DB f5 >out &&
	grep "^modified clip  *$rel: its video packets (.*) hash to" out &&
	grep "^failed  *custody" out
'

test_expect_success 'a source changed after the pull is reported (hash and packets)' '
	fresh f6 &&
	cp rec.ts rec.ts.orig &&
	a=$(jq ".clips[] | select(.camera.id == \"ts\") | .sources[0].byte_start" f6/manifest.json) &&
	printf "\377\377\377\377" | dd of=rec.ts bs=1 seek=$((a + 2000)) conv=notrunc 2>/dev/null &&
	test_expect_code 1 vidx-verify -d $DB f6 >out &&
	grep "^modified source  *ts/.* <- $TRASH/rec.ts: SHA-256 .*the manifest says" out &&
	test_expect_code 1 vidx-verify -d $DB -c ts >out2 &&
	grep "^modified recording $TRASH/rec.ts: SHA-256" out2 &&
	# --no-sources: the folder alone is intact
	vidx-verify -d $DB --no-sources f6 >out3 &&
	grep "^skipped  *source" out3 &&
	mv rec.ts.orig rec.ts &&
	vidx-verify -d $DB f6 >/dev/null
'

test_expect_success 'a source removed is reported missing' '
	fresh f7 &&
	mv rec.mp4 away.mp4 &&
	test_expect_code 1 vidx-verify -d $DB f7 >out &&
	grep "^missing  *source  *mp4/.* <- $TRASH/rec.mp4: not found" out &&
	test_expect_code 1 vidx-verify -d $DB >out2 &&
	grep "^missing  *recording $TRASH/rec.mp4" out2 &&
	mv away.mp4 rec.mp4
'

test_expect_success 'a source moved to a path the index knows is found there' '
	fresh f8 &&
	mkdir -p moved && cp rec.mp4 moved/rec.mp4 &&
	vidx-ingest -d $DB -c mp4 moved/rec.mp4 --start $START >/dev/null &&
	mv rec.mp4 away.mp4 &&
	vidx-verify -d $DB f8 >out &&
	grep "^ok  *source  *mp4/.* <- $TRASH/rec.mp4" out &&
	mv away.mp4 rec.mp4
'

test_expect_success 'native clips must be the sources bytes' '
	vidx-pull -d $DB --case C1 --out n1 --by ann --format native -c ts --from $FROM --to $TO >/dev/null &&
	vidx-verify -d $DB n1 >out &&
	grep "^ok  *source  *ts/.*: the clip is the sources. bytes" out
'

test_expect_success 'an edited custody event is reported' '
	fresh f9 &&
	cp $DB t.db &&
	sqlite3 t.db "DROP TRIGGER custody_no_update;
		UPDATE custody SET by = '\''mallory'\'' WHERE kind = '\''pull'\''" &&
	test_expect_code 1 vidx-verify -d t.db f9 >out &&
	grep "^failed  *custody  *C1: .* of the log fail.* their hash check" out
'

test_expect_success 'a deleted custody event is reported' '
	fresh f10 &&
	cp $DB t2.db &&
	sqlite3 t2.db "DROP TRIGGER custody_no_delete;
		DELETE FROM custody WHERE seq = (SELECT min(seq) FROM custody WHERE kind = '\''pull'\'')" &&
	test_expect_code 1 vidx-verify -d t2.db f10 >out &&
	grep "^failed  *custody  *C1: " out
'

test_expect_success 'the pull event of this folder deleted (and the chain re-linked) is still caught' '
	fresh f11 &&
	cp $DB t3.db &&
	last=$(sqlite3 t3.db "SELECT max(seq) FROM custody") &&
	sqlite3 t3.db "DROP TRIGGER custody_no_delete; DELETE FROM custody WHERE seq = $last" &&
	test_expect_code 1 vidx-verify -d t3.db f11 >out &&
	grep "^failed  *custody  *C1: no pull event in the log records this manifest" out
'

test_expect_success 'SHA256SUMS lines that point outside the folder are refused, not read' '
	fresh f12 &&
	echo "$(sha256sum $DB | cut -c1-64)  ../v.db" >>f12/SHA256SUMS &&
	echo "0000  /etc/passwd" >>f12/SHA256SUMS &&
	test_expect_code 1 vidx-verify -d $DB f12 >out &&
	test "$(grep -c "^failed  *sums  *SHA256SUMS line" out)" = 2
'

test_expect_success 'a file planted in the folder and listed in SHA256SUMS fails: no manifest names it' '
	fresh f16 &&
	c=$(ls f16/ts/*.mp4) &&
	cp $c f16/ts/planted.mp4 &&
	(cd f16 && sha256sum ts/planted.mp4 >>SHA256SUMS && sha256sum -c --quiet SHA256SUMS) &&
	test_expect_code 1 vidx-verify -d $DB f16 >out 2>err &&
	grep "^failed  *sums  *ts/planted.mp4: not part of the pull: neither the manifest, its signature nor a clip it names$" out &&
	test "$(bad_lines out | grep -c .)" = 1 &&
	grep "1 item failed verification" err
'

test_expect_success 'a manifest path that leaves the folder is refused' '
	fresh f13 &&
	jq ".clips[0].path = \"../v.db\"" f13/manifest.json >m && mv m f13/manifest.json &&
	test_expect_code 1 vidx-verify -d $DB --no-sources f13 >out &&
	grep "^failed  *clip  *../v.db: the manifest.s path is not inside the folder" out
'

test_expect_success 'a folder without a manifest, or not a folder: one line, exit 1' '
	mkdir empty &&
	test_expect_code 1 vidx-verify -d $DB empty 2>err &&
	grep "manifest.json: No such file or directory" err && test "$(lines err)" = 1 &&
	echo x >file &&
	test_expect_code 1 vidx-verify -d $DB file 2>err &&
	grep "not a folder" err &&
	echo "{" >empty/manifest.json &&
	test_expect_code 1 vidx-verify -d $DB empty 2>err &&
	grep "manifest.json: " err
'

test_expect_success 'without an index the folder is checked and the custody check skipped' '
	fresh f14 &&
	mkdir away && cp -r f14 away/ && cd away &&
	vidx-verify f14 >out &&
	grep "^skipped  *custody" out &&
	test ! -e vidx.db &&
	# an index named with -d must exist
	test_expect_code 1 vidx-verify -d nowhere.db f14 2>err &&
	grep "nowhere.db" err && test ! -e nowhere.db
'

test_expect_success 'a clip joined from two recordings with sound verifies' '
	ffmpeg -nostdin -v error -i "$FIXTURES/h264.ts" -map 0 -c copy -f segment \
		-segment_time 4 seg%d.ts &&
	vidx-camera -d $DB add segts --lat 1 --lon 1 &&
	vidx-ingest -d $DB -c segts --start 2022-07-04T22:00:00Z seg0.ts >/dev/null &&
	d=$(vidx-probe --json seg0.ts | jq .duration_s) &&
	vidx-ingest -d $DB -c segts --start @$(awk -v d=$d "BEGIN { printf \"%.6f\", 1656972000 + d }") seg1.ts >/dev/null &&
	vidx-pull -d $DB --case C1 --out j --by ann -c segts \
		--from 2022-07-04T22:00:01Z --to 2022-07-04T22:00:07Z >/dev/null &&
	test "$(jq ".clips[0].sources | length" j/manifest.json)" = 2 &&
	test "$(jq ".clips[0].audio.packets > 0" j/manifest.json)" = true &&
	vidx-verify -d $DB j >out &&
	test -z "$(bad_lines out)"
'

test_expect_success 'an operator name with a control character is refused before any work' '
	test_expect_code 2 vidx-verify -d $DB --by "$(printf "a\tb")" f1 &&
	test_expect_code 2 vidx-pull -d $DB --case C1 --out ctl --by "$(printf "a\nb")" \
		-c ts --from $FROM --to $TO &&
	test ! -e ctl
'

test_expect_success 'verify re-hashes every path the index knows for a recording' '
	mkdir -p copy && cp rec.ts copy/rec.ts &&
	vidx-ingest -d $DB -c ts copy/rec.ts --start $START >/dev/null &&
	vidx-verify -d $DB -c ts >out &&
	test "$(cat out)" = "ok       recording $TRASH/rec.ts
ok       recording $TRASH/copy/rec.ts" &&
	# the first path vanished: reported, beside the copy that is intact
	mv rec.ts rec.ts.away &&
	test_expect_code 1 vidx-verify -d $DB -c ts >out 2>err &&
	grep "^ok  *recording $TRASH/copy/rec.ts\$" out &&
	grep "^missing  *recording $TRASH/rec.ts: No such file or directory; the same recording is intact at 1 other path here" out &&
	grep "1 item failed verification" err &&
	mv rec.ts.away rec.ts &&
	# the duplicate s copy changed: reported, the first path ok
	cp copy/rec.ts copy.bak &&
	printf "\377" | dd of=copy/rec.ts bs=1 seek=1000 conv=notrunc 2>/dev/null &&
	test_expect_code 1 vidx-verify -d $DB -c ts --json >out.json &&
	jq -r "[.status, .item] | @tsv" out.json >actual &&
	printf "ok\t$TRASH/rec.ts\nmodified\t$TRASH/copy/rec.ts\n" >expect && test_cmp expect actual &&
	jq -r "select(.status == \"modified\") | .detail" out.json |
		grep "^SHA-256 $(sha256sum copy/rec.ts | cut -c1-64), the index says $(sha256sum rec.ts | cut -c1-64); the same recording is intact at 1 other path here" &&
	mv copy.bak copy/rec.ts &&
	vidx-verify -d $DB -c ts >/dev/null
'

test_expect_success 'a scope that selects nothing says so and exits 1' '
	vidx-camera -d $DB add empty --lat 1 --lon 1 &&
	test_expect_code 1 vidx-verify -d $DB -c empty >out 2>err &&
	test ! -s out &&
	test "$(cat err)" = "vidx-verify: camera '"'"'empty'"'"' has no recordings: nothing to verify" &&
	vidx-case -d $DB new EMPTY --title "no pulls yet" --by ann &&
	test_expect_code 1 vidx-verify -d $DB --case EMPTY >out 2>err &&
	test ! -s out &&
	grep "case .EMPTY. has no pulled clips: nothing to verify" err &&
	# no verify event for what was not verified
	test "$(vidx-case -d $DB log --json EMPTY | jq -r .kind | grep -c verify)" = 0 &&
	vidx-camera -d e.db add x --lat 1 --lon 1 &&
	test_expect_code 1 vidx-verify -d e.db 2>err &&
	grep "the index holds no recordings: nothing to verify" err &&
	# a manifest without clips
	fresh f15 && jq ".clips = []" f15/manifest.json >m && mv m f15/manifest.json &&
	test_expect_code 1 vidx-verify -d $DB f15 >out 2>err &&
	grep "manifest.json lists no clips: nothing to verify" err
'

test_expect_success '--case re-hashes the recordings the case pulled from and logs it' '
	vidx-verify -d $DB --case C1 >out &&
	test -z "$(bad_lines out)" &&
	# rec.ts, rec.mp4 and the two segments: every source of every pull,
	# once, at every path the index knows (copy/rec.ts, moved/rec.mp4)
	test "$(grep -c "^ok  *recording " out)" = 6 &&
	grep "^ok  *recording $TRASH/copy/rec.ts" out && grep "^ok  *recording $TRASH/moved/rec.mp4" out &&
	vidx-case -d $DB log --json C1 | jq -c "select(.kind == \"verify\") | .detail" | tail -n 1 >d &&
	test "$(jq -r .scope d)" = recordings &&
	test_expect_code 1 vidx-verify -d $DB --case NOPE 2>err &&
	grep "unknown case" err
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 vidx-verify -d $DB -c ts --case C1 &&
	test_expect_code 2 vidx-verify -d $DB -c ts f1 &&
	test_expect_code 2 vidx-verify -d $DB --no-sources &&
	test_expect_code 2 vidx-verify -d $DB f1 f2
'

test_expect_success 'the man page SYNOPSIS is the usage' '
	man=$VIDX_SRC/man/vidx-verify.1 &&
	bs=$(printf "\b") &&
	mandoc -Tascii "$man" | sed "s/.$bs//g" | sed -n "/^SYNOPSIS/,/^DESCRIPTION/p" |
		sed "1d;\$d" >syn.txt &&
	vidx-verify --help | sed -n "1,/^\$/p" | sed "s/^usage://" >use.txt &&
	for f in syn.txt use.txt; do
		{ tr "\t\n" "  " <$f | tr -s " " && echo; } |
			sed "s/ *vidx-verify \[/\nvidx-verify [/g" | sed "/^\$/d; s/ *\$//" >$f.forms ||
			exit 1
	done &&
	test "$(lines use.txt.forms)" = 2 &&
	test_cmp use.txt.forms syn.txt.forms
'

test_done
