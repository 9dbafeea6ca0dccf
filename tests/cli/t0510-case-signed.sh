#!/bin/sh
# Signed custody and anchors: every event an operator with a key writes is
# signed (checked here with the openssl CLI by the commands of vidx(7));
# a case opened --signed refuses unsigned events; log --trust and verify
# --trust check every signature against keys held outside the index; seal
# prints a head, and --anchor holds the log to it.  Each attack an insider
# who can write the index would make is tried, with the event hashes
# recomputed here from their documented definition (vidx-case(1)).
. "$(dirname "$0")/lib.sh"

DB=$TRASH/v.db

# man_block NAME: the commands of vidx(7)'s block ".\" openssl-check: NAME"
man_block() {
	sed -n '/^\.\\" openssl-check: '"$1"'$/,/^\.Ed$/p' "$VIDX_SRC/man/vidx.7" |
		sed '1,2d;$d' | sed 's/\\e/\\/g; s/\\&//g'
}

# event_hash PREV CASE SEQ AT BY KIND DETAIL: rule 2, as vidx-case(1) says
event_hash() {
	for f in vidx-custody-2 "$@"; do
		printf "%s:%s" "${#f}" "$f"
	done | sha256sum | cut -c1-64
}

# col DB CASE SEQ COLUMN
col() {
	sqlite3 "$1" "SELECT $4 FROM custody WHERE case_id = '$2' AND seq = $3"
}

hex() { printf %s "$1" | od -An -tx1 | tr -d " \n"; }

# rewrite DB CASE SEQ DETAIL MODE: what an insider with sqlite3 does: give
# event SEQ the DETAIL, recompute its hash and every later event's link
# and hash.  MODE: keep (the old signatures stay), drop (no signatures),
# forge (the insider signs each rewritten hash with a key of their own in
# its operator's name, forge-NAME.pem), or a private key file they sign
# every one with.
rewrite() {
	db=$1 c=$2 from=$3 newd=$4 mode=$5
	sqlite3 "$db" "DROP TRIGGER IF EXISTS custody_no_update"
	prev=$(col "$db" "$c" "$from" prev)
	for s in $(sqlite3 "$db" "SELECT seq FROM custody WHERE case_id = '$c' AND seq >= $from ORDER BY seq"); do
		d=$(col "$db" "$c" $s detail)
		[ "$s" = "$from" ] && d=$newd
		h=$(event_hash "$prev" "$c" $s "$(col "$db" "$c" $s at)" "$(col "$db" "$c" $s by)" \
			"$(col "$db" "$c" $s kind)" "$d")
		set=""
		case $mode in
		keep) ;;
		drop) set=", key = NULL, sig = NULL" ;;
		*)
			kf=$mode
			[ "$mode" = forge ] && kf=forge-$(col "$db" "$c" $s by | tr -cd a-zA-Z).pem
			printf %s "$h" >h.msg
			openssl pkeyutl -sign -inkey "$kf" -rawin -in h.msg -out h.sig
			k=$(openssl pkey -in "$kf" -pubout -outform DER | sha256sum | cut -c1-64)
			set=", key = '$k', sig = '$(base64 -w0 h.sig)'" ;;
		esac
		sqlite3 "$db" "UPDATE custody SET detail = CAST(X'$(hex "$d")' AS TEXT),
			prev = '$prev', hash = '$h' $set WHERE case_id = '$c' AND seq = $s"
		prev=$h
	done
}

test_expect_success 'set-up: keys of the detective and of an insider; a camera with footage' '
	vidx-key new --by "Det. Ruiz" >ruiz.pub 2>/dev/null &&
	vidx-key new --by "Det. Ruiz" --key eve.key >eve.pub 2>/dev/null &&
	sed 1d eve.key >eve.pem && cp eve.pem forge-DetRuiz.pem &&
	vidx-key new --by bob --key evebob.key >evebob.pub 2>/dev/null &&
	sed 1d evebob.key >forge-bob.pem &&
	vidx-key new --by bob --key bob.key >bob.pub 2>/dev/null &&
	cat ruiz.pub bob.pub >trusted &&
	vidx-camera -d $DB add cam --lat 1 --lon 1 &&
	vidx-ingest -d $DB -c cam --start 2022-07-04T21:00:00Z "$FIXTURES/h264.ts" >/dev/null
'

test_expect_success 'a signed case: every event signed, its key in the index, the case marked in its first event' '
	vidx-case -d $DB new S --title "Shooting" --signed &&
	vidx-case -d $DB note S "DVR export taken" &&
	vidx-pull -d $DB --case S --out f1 -c cam --from 2022-07-04T21:00:01Z --to 2022-07-04T21:00:03Z >/dev/null &&
	vidx-case -d $DB log --json S >log.json &&
	test "$(jq -r .by log.json | sort -u)" = "Det. Ruiz" &&
	test "$(jq -r .signature log.json | sort -u)" = valid &&
	test "$(jq -r .key log.json | sort -u)" = "$(head -n 1 ruiz.pub | cut -d" " -f3)" &&
	test "$(head -n 1 log.json | jq -c .detail)" = "{\"title\":\"Shooting\",\"signed\":true}" &&
	test "$(sqlite3 $DB "SELECT count(*) FROM keys")" = 1 &&
	test "$(sqlite3 $DB "SELECT public_key FROM keys")" = "$(sed 1d ruiz.pub)" &&
	! grep -q "PRIVATE" $DB
'

test_expect_success 'each event signature checks with openssl, by the commands of vidx(7)' '
	man_block event >check.sh &&
	test "$(grep -c openssl check.sh)" = 1 &&
	for s in 1 2 3; do
		sed "s/case_id = .A. AND seq = 3/case_id = '"'"'S'"'"' AND seq = $s/; s/vidx\\.db/v.db/" check.sh >c.sh &&
		cp ruiz.pub ruiz.pub.keep &&
		sh c.sh >out 2>&1 && grep "^Signature Verified Successfully$" out || exit 1
	done &&
	# and the hash it signs is the event as vidx-case(1) defines it
	h=$(event_hash "$(col $DB S 2 prev)" S 2 "$(col $DB S 2 at)" "Det. Ruiz" note "{\"text\":\"DVR export taken\"}") &&
	test "$h" = "$(col $DB S 2 hash)"
'

test_expect_success 'log --trust: every event trusted; without: valid, and it says what was not checked' '
	vidx-case -d $DB log --trust trusted S >out 2>err &&
	test "$(grep -c "signed by Det. Ruiz (trusted)$" out)" = 3 &&
	test "$(cat err)" = "vidx-case: case '"'"'S'"'"': chain intact; not checked against any anchor; every event signed by its operator'"'"'s key in the trust file" &&
	vidx-case -d $DB log S >out 2>err &&
	test "$(grep -c "signed by Det. Ruiz (not checked against a trust file)$" out)" = 3 &&
	grep "chain intact; not checked against any key or anchor; 3 events signed, not checked against a trust file" err &&
	vidx-case -d $DB show --trust trusted S >show &&
	grep "^custody    intact (every event.s hash and link check out); not checked against any anchor; every event signed" show
'

test_expect_success 'a signed case refuses an event without a key, from every tool; nothing written' '
	mkdir nokey && n=$(sqlite3 $DB "SELECT count(*) FROM custody") &&
	test_expect_code 1 env XDG_CONFIG_HOME=$TRASH/nokey vidx-case -d $DB note --by bob S "x" 2>err &&
	grep "^vidx-case: case .S. requires signed events and there is no key to sign with" err &&
	test_expect_code 1 env XDG_CONFIG_HOME=$TRASH/nokey vidx-pull -d $DB --case S --out nk --by bob \
		-c cam --from 2022-07-04T21:00:01Z --to 2022-07-04T21:00:03Z 2>err &&
	grep "requires signed events" err && test ! -e nk &&
	env XDG_CONFIG_HOME=$TRASH/nokey vidx-verify -d $DB --by bob --case S >out &&
	grep "^skipped  *custody  *S: no verify event written: the case requires signed events" out &&
	test "$(sqlite3 $DB "SELECT count(*) FROM custody")" = $n &&
	test_expect_code 1 env XDG_CONFIG_HOME=$TRASH/nokey vidx-case -d $DB new T --title t --by bob --signed 2>err &&
	grep "a signed case needs a key" err
'

test_expect_success 'vidx-still and vidx-mosaic sign their custody events too, and are refused unsigned' '
	n=$(sqlite3 $DB "SELECT count(*) FROM custody") &&
	test_expect_code 1 env XDG_CONFIG_HOME=$TRASH/nokey vidx-still -d $DB --case S --by bob \
		--at 2022-07-04T21:00:02Z -c cam >/dev/null 2>err &&
	grep "requires signed events" err &&
	test_expect_code 1 env XDG_CONFIG_HOME=$TRASH/nokey vidx-mosaic -d $DB --case S --by bob \
		-o m0.mp4 --tile 160x90 --from 2022-07-04T21:00:01Z --to 2022-07-04T21:00:02Z -c cam \
		>/dev/null 2>err &&
	grep "requires signed events" err &&
	test "$(sqlite3 $DB "SELECT count(*) FROM custody")" = $n &&
	vidx-still -d $DB --case S --at 2022-07-04T21:00:02Z -c cam >/dev/null &&
	vidx-mosaic -d $DB --case S -o m1.mp4 --tile 160x90 --from 2022-07-04T21:00:01Z \
		--to 2022-07-04T21:00:02Z -c cam >/dev/null &&
	vidx-case -d $DB log --json --trust trusted S | tail -n 2 | jq -r "[.kind, .by, .signature] | @tsv" >l &&
	printf "still\tDet. Ruiz\ttrusted\nmosaic\tDet. Ruiz\ttrusted\n" >e && test_cmp e l &&
	test_expect_code 2 vidx-still -d $DB --key bob.key --at 2022-07-04T21:00:02Z -c cam 2>err &&
	grep "key goes with --case" err
'

test_expect_success 'another operator signs with their own key; --trust names them' '
	vidx-case -d $DB note --key bob.key S "took over" &&
	vidx-case -d $DB log --json --trust trusted S | tail -n 1 | jq -r "[.by, .signer, .signature] | @tsv" >l &&
	printf "bob\tbob\ttrusted\n" >e && test_cmp e l &&
	test_expect_code 1 vidx-case -d $DB log --trust ruiz.pub S >out 2>&1 &&
	grep "BROKEN: signed with key [0-9a-f]*, which is not in the trust file" out
'

test_expect_success 'seal prints SEQ HASH of a seal event; the anchor holds' '
	vidx-case -d $DB seal S >seal && test "$(lines seal)" = 1 &&
	read seq hash <seal &&
	test "$hash" = "$(col $DB S $seq hash)" && test "$(col $DB S $seq kind)" = seal &&
	test "$(col $DB S $seq detail)" = "{}" &&
	vidx-case -d $DB log --trust trusted --anchor "$seq:$hash" S >/dev/null 2>err &&
	grep "chain intact; anchor $seq holds; every event signed" err &&
	vidx-verify -d $DB --trust trusted --anchor "$seq:$hash" --case S >out &&
	grep "^ok  *custody  *S: chain intact; anchor $seq holds; every event signed" out &&
	cp $DB pristine.db
'

test_expect_success 'attack: an event rewritten and every later hash recomputed, old signatures kept: caught by each signature' '
	cp pristine.db a1.db && read seq hash <seal &&
	rewrite a1.db S 2 "{\"text\":\"no export was taken\"}" keep &&
	# the chain alone checks out: that is the attack
	sqlite3 a1.db "SELECT count(*) FROM custody WHERE case_id = '"'"'S'"'"'" >/dev/null &&
	test_expect_code 1 vidx-case -d a1.db log S >out 2>err &&
	n=$(sqlite3 pristine.db "SELECT count(*) FROM custody WHERE case_id = '"'"'S'"'"' AND seq >= 2 AND by = '"'"'Det. Ruiz'"'"'") &&
	test "$(grep -c "BROKEN: its signature does not verify with Det. Ruiz.s key" out)" = $n &&
	grep "BROKEN: its signature does not verify with bob.s key" out &&
	test_expect_code 1 vidx-case -d a1.db log --trust trusted S >/dev/null 2>&1 &&
	test_expect_code 1 vidx-case -d a1.db log --anchor "$seq:$hash" S >/dev/null 2>err &&
	grep "anchor $seq BROKEN: event $seq has hash .*: the log up to it was rewritten" err
'

test_expect_success 'attack: the same with the signatures dropped: unsigned events in a signed case' '
	cp pristine.db a2.db && read seq hash <seal &&
	rewrite a2.db S 2 "{\"text\":\"no export was taken\"}" drop &&
	test_expect_code 1 vidx-case -d a2.db log S >out 2>err &&
	test "$(grep -c "BROKEN: unsigned, in a case that requires signed events" out)" = $(($(lines out) - 1)) &&
	test_expect_code 1 vidx-case -d a2.db log --anchor "$seq:$hash" S >/dev/null 2>err &&
	grep "anchor $seq BROKEN" err
'

test_expect_success 'attack: re-signed with the insider key, their public key put into the index: only --trust and the anchor catch it' '
	cp pristine.db a3.db && read seq hash <seal &&
	rewrite a3.db S 2 "{\"text\":\"no export was taken\"}" forge &&
	for p in eve evebob; do
		sqlite3 a3.db "INSERT INTO keys VALUES ('"'"'$(head -n 1 $p.pub | cut -d" " -f3)'"'"',
			'"'"'$(head -n 1 $p.pub | cut -d" " -f4-)'"'"',
			CAST(X'"'"'$(hex "$(sed 1d $p.pub)
")'"'"' AS TEXT), 0)" || exit 1
	done &&
	# the index alone is fooled: every event "signed by Det. Ruiz"
	vidx-case -d a3.db log S >out 2>err &&
	! grep BROKEN out && grep "not checked against any key or anchor" err &&
	test_expect_code 1 vidx-case -d a3.db log --trust trusted S >out 2>err &&
	cp out out2 &&
	test "$(grep -c "BROKEN: signed with key [0-9a-f]*, which is not in the trust file" out)" = $(($(lines out) - 1)) &&
	test_expect_code 1 vidx-case -d a3.db log --anchor "$seq:$hash" S >/dev/null 2>err &&
	grep "anchor $seq BROKEN: event $seq has hash" err &&
	test_expect_code 1 vidx-verify -d a3.db --trust trusted --case S >out &&
	grep "^failed  *custody  *S: $(($(lines out2) - 1)) events of the log have a signature that does not count" out
'

test_expect_success 'attack: signed with a trusted key of someone else than the event names: caught' '
	cp pristine.db a4.db &&
	sed 1d bob.key >bob.pem &&
	rewrite a4.db S 2 "{\"text\":\"no export was taken\"}" bob.pem &&
	test_expect_code 1 vidx-case -d a4.db log --trust trusted S >out 2>&1 &&
	grep "BROKEN: signed with the key of bob (the trust file), but the event says Det. Ruiz" out
'

test_expect_success 'attack: an event edited in place: its signature no longer counts, nor does the anchor' '
	cp pristine.db a6.db && read seq hash <seal &&
	sqlite3 a6.db "DROP TRIGGER custody_no_update; UPDATE custody SET detail = '"'"'{\"x\":1}'"'"'
		WHERE case_id = '"'"'S'"'"' AND seq = $seq" &&
	test_expect_code 1 vidx-case -d a6.db log --json --trust trusted --anchor "$seq:$hash" S >j 2>err &&
	test "$(jq -c "select(.seq == $seq) | [.ok, .signature]" j)" = "[false,\"bad\"]" &&
	! grep "every event signed" err &&
	grep "anchor $seq BROKEN: event $seq, the anchored one, fails its check" err
'

test_expect_success 'attack: a signature swapped in from another event: the signature and the anchor fail, saying so' '
	cp pristine.db a7.db && read seq hash <seal &&
	s1=$(sqlite3 a7.db "SELECT sig FROM custody WHERE case_id = '"'"'S'"'"' AND seq = 1") &&
	sqlite3 a7.db "DROP TRIGGER custody_no_update; UPDATE custody SET sig = '"'"'$s1'"'"'
		WHERE case_id = '"'"'S'"'"' AND seq = 2" &&
	test_expect_code 1 vidx-case -d a7.db log --trust trusted --anchor "$seq:$hash" S >out 2>err &&
	grep "BROKEN: its signature does not verify with .* key .*: the event was changed after it was signed, or the signature is another event.s$" out &&
	grep "anchor $seq BROKEN: event 2, before it, fails its check" err
'

test_expect_success 'attack: the newest events deleted: the chain holds, the anchor does not' '
	cp pristine.db a5.db && read seq hash <seal &&
	sqlite3 a5.db "DROP TRIGGER custody_no_delete; DELETE FROM custody WHERE case_id = '"'"'S'"'"' AND seq >= $((seq - 1))" &&
	vidx-case -d a5.db log --trust trusted S >/dev/null 2>err &&
	grep "chain intact" err &&
	test_expect_code 1 vidx-case -d a5.db log --trust trusted --anchor "$seq:$hash" S >/dev/null 2>err &&
	grep "anchor $seq BROKEN: the log has no event $seq (it ends at $((seq - 2))): it was cut back" err &&
	test_expect_code 1 vidx-verify -d a5.db --anchor "$seq:$hash" --case S >out &&
	grep "^failed  *custody  *S anchor $seq: the log has no event $seq" out
'

test_expect_success 'attack: the log rewritten before a pull: the folder manifest anchors it (its signed head)' '
	cp pristine.db a6.db &&
	rewrite a6.db S 2 "{\"text\":\"no export was taken\"}" eve.pem &&
	sqlite3 a6.db "INSERT INTO keys VALUES ('"'"'$(head -n 1 eve.pub | cut -d" " -f3)'"'"', '"'"'Det. Ruiz'"'"',
		CAST(X'"'"'$(hex "$(sed 1d eve.pub)
")'"'"' AS TEXT), 0)" &&
	# (the pull event, rewritten too, still holds the manifest hash)
	test "$(jq -r .custody_head.seq f1/manifest.json)" = 2 &&
	test_expect_code 1 vidx-verify -d a6.db --no-sources f1 >out &&
	grep "^failed  *custody  *S: the log this pull followed (event 2, [0-9a-f]*...) is not in it any more: it was rewritten" out
'

test_expect_success 'a bad anchor is a usage error' '
	test_expect_code 2 vidx-case -d $DB log --anchor 3 S 2>err && grep "an anchor is SEQ:HASH" err &&
	test_expect_code 2 vidx-case -d $DB log --anchor 0:$(printf "%064d" 0) S &&
	test_expect_code 2 vidx-case -d $DB log --anchor x:abc S &&
	test_expect_code 2 vidx-verify -d $DB --anchor 1:abc --case S &&
	test_expect_code 2 vidx-verify -d $DB --anchor 1:$(printf "%064d" 0) -c cam 2>err &&
	grep "anchor goes with --case" err &&
	test_expect_code 2 vidx-case -d $DB note --anchor 1:$(printf "%064d" 0) S x 2>err &&
	test_expect_code 2 vidx-case -d $DB log --signed S &&
	test_expect_code 2 vidx-case -d $DB log --key bob.key S
'

test_expect_success 'a log that fails its check is not sealed' '
	cp pristine.db s2.db &&
	sqlite3 s2.db "DROP TRIGGER custody_no_update; UPDATE custody SET detail = '"'"'{}'"'"' WHERE case_id = '"'"'S'"'"' AND seq = 2" &&
	n=$(sqlite3 s2.db "SELECT count(*) FROM custody") &&
	test_expect_code 1 vidx-case -d s2.db seal S >out 2>err &&
	test ! -s out && grep "the log fails its check .*: not sealed" err &&
	test "$(sqlite3 s2.db "SELECT count(*) FROM custody")" = $n
'

test_expect_success 'an unsigned case: events unsigned, said plainly; --trust does not fail it, an anchor still holds it' '
	mv "$XDG_CONFIG_HOME/vidx/key" ruiz.key &&
	vidx-case -d $DB new U --title plain --by ann &&
	vidx-case -d $DB note --by ann U "a note" &&
	vidx-case -d $DB log U >out 2>err &&
	grep "chain intact; not checked against any key or anchor; its events are unsigned (an unsigned chain proves nothing against an insider)" err &&
	vidx-case -d $DB log --trust trusted U >/dev/null 2>err &&
	grep "chain intact; not checked against any anchor; its events are unsigned" err &&
	vidx-case -d $DB seal --by ann U >seal2 && read s h <seal2 &&
	vidx-case -d $DB log --anchor "$s:$h" U >/dev/null 2>err && grep "anchor $s holds" err &&
	mv ruiz.key "$XDG_CONFIG_HOME/vidx/key"
'

test_done
