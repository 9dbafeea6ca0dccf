#!/bin/sh
# vidx-pull: the standard export and the signed folder.  MP4 clips follow
# the ONVIF Export File Format (box layout read back with AtomicParsley,
# mediainfo, ffprobe and od, not with our reader), carry a timed-text track
# of true and camera time (read back with ffmpeg), and can be signed
# (RSASSA-PSS, checked with the openssl CLI by the very commands vidx(7)
# gives); with a key the manifest is signed too (openssl pkeyutl).
. "$(dirname "$0")/lib.sh"

for t in AtomicParsley mediainfo openssl; do
	if ! command -v $t >/dev/null; then
		echo "1..0 # SKIP $t is not installed (Debian: atomicparsley, mediainfo, openssl)"
		exit 0
	fi
done

DB=$TRASH/v.db
# the camera's DVR runs 190 s fast: its clock showed 21:03:10 at 21:00:00
START=2022-07-04T21:03:10Z
FROM=2022-07-04T21:00:01Z
TO=2022-07-04T21:00:04Z

# man_block NAME: the commands vidx(7) gives in its block marked
# ".\" openssl-check: NAME", as a script
man_block() {
	sed -n '/^\.\\" openssl-check: '"$1"'$/,/^\.Ed$/p' "$VIDX_SRC/man/vidx.7" |
		sed '1,2d;$d' | sed 's/\\e/\\/g; s/\\&//g'
}

# box FILE TYPE: "OFFSET SIZE" of the first box TYPE that AtomicParsley
# lists, at any depth
box() {
	AtomicParsley "$1" -T 2>/dev/null | awk -v t="$2" '$1 ~ /Atom$/ && $2 == t {
		for (i = 3; i < NF; i++) if ($i == "@") { s = $(i + 4); sub(",", "", s); print $(i + 1), s; exit } }'
}

# u32 FILE OFFSET, u64 FILE OFFSET: big-endian numbers, as od reads them
u32() { od -An -tu4 --endian=big -j "$2" -N 4 "$1" | tr -d ' '; }
u64() { od -An -tu8 --endian=big -j "$2" -N 8 "$1" | tr -d ' '; }

# ms ISO: milliseconds since 1970 (GNU date)
ms() { date -u -d "$1" +%s%3N; }

test_expect_success 'set-up: a camera whose clock runs 190 s fast, a recording with sound, a case' '
	vidx-camera -d $DB add cam --lat 41.30568 --lon -72.92561 --name "Corner store" &&
	vidx-camera -d $DB clock cam --camera-time 2022-07-04T21:03:10Z \
		--true-time 2022-07-04T21:00:00Z --by ann &&
	vidx-ingest -d $DB -c cam --start $START "$FIXTURES/h264.ts" >/dev/null &&
	vidx-camera -d $DB add dav --lat 1 --lon 1 &&
	vidx-ingest -d $DB -c dav --start $START "$FIXTURES/dahua.dav" >/dev/null &&
	vidx-case -d $DB new C1 --title "Shooting" --by ann &&
	vidx-pull -d $DB --case C1 --out f1 --by ann -c cam --from $FROM --to $TO >/dev/null &&
	clip=$(jq -r ".clips[0].path" f1/manifest.json) && echo "f1/$clip" >clip1 &&
	test -f "f1/$clip"
'

test_expect_success 'MP4 layout (AtomicParsley): ftyp, moov, mdat, then meta last; meta holds hdlr, suep, cstb' '
	f=$(cat clip1) &&
	AtomicParsley "$f" -T >tree 2>&1 &&
	sed -n "s/^.\\{0,3\\}Atom \\([a-z]\\{4\\}\\) @ .*/\\1/p" tree | paste -sd " " >top &&
	echo "ftyp moov free mdat meta" >want && test_cmp want top &&
	set -- $(sed -n "s/^.\\{0,3\\}Atom meta @ \\([0-9]*\\) of size: \\([0-9]*\\),.*/\\1 \\2/p" tree) &&
	test $(($1 + $2)) = $(stat -c %s "$f") &&
	grep -A3 "^Atom meta @" tree | sed 1d | sed -n "s/^ *Atom \\([a-z]\\{4\\}\\) @.*/\\1/p" | paste -sd " " >kids &&
	echo "hdlr suep cstb" >want && test_cmp want kids &&
	grep "Atom loci" tree && grep "Atom tx3g" tree
'

test_expect_success 'mediainfo reads meta as a full box with handler null, then suep and cstb' '
	mediainfo --Details=1 "$(cat clip1)" >mi &&
	sed -n "/Name: *meta$/,\$p" mi | tail -n +2 >after &&
	grep -m1 "Metadata type: *null$" after &&
	grep "Name: *suep$" after && grep "Name: *cstb$" after &&
	! grep "Name: *ipro$" after
'

test_expect_success 'suep (od): version 1; exporting unit, export time, operator; each track with its source' '
	f=$(cat clip1) && set -- $(box "$f" suep) &&
	dd if="$f" of=suep.bin bs=1 skip=$(($1 + 8)) count=$(($2 - 8)) status=none &&
	test "$(od -An -tx1 -N 4 suep.bin | tr -d " ")" = 01000000 &&
	unit=$(tail -c +5 suep.bin | tr "\\000" "\\n" | head -n 1) &&
	echo "$unit" | grep -E "^vidx-pull [0-9.]+ on " &&
	o=$((4 + ${#unit} + 1 + 1 + 1)) &&
	t=$(u64 suep.bin $o) &&
	pulled=$(date -u -d "$(jq -r .pulled_at f1/manifest.json)" +%s) &&
	test $((pulled - (t - 2082844800))) -ge 0 && test $((pulled - (t - 2082844800))) -le 600 &&
	op=$(tail -c +$((o + 9)) suep.bin | tr "\\000" "\\n" | head -n 1) &&
	test "$op" = ann &&
	o=$((o + 8 + ${#op} + 1)) &&
	test "$(u32 suep.bin $o)" = 3 &&
	test "$(od -An -tu2 --endian=big -j $((o + 4)) -N 2 suep.bin | tr -d " ")" = 1 &&
	tail -c +$((o + 7)) suep.bin | tr -c "[:print:]" "\\n" | grep -v "^\$" >names &&
	cat >want <<-EOF &&
	Corner store (cam)
	Corner store (cam)
	vidx-pull: true time and camera clock, one cue a second
	EOF
	test_cmp want names
'

test_expect_success 'cstb (od): each track id ffprobe reports, with the clip start in true UTC since 1601' '
	f=$(cat clip1) && set -- $(box "$f" cstb) &&
	test "$(u32 "$f" $(($1 + 8)))" = 3 &&
	ffprobe -v error -show_entries stream=id -of csv=p=0 "$f" | paste -sd " " >ids &&
	echo "0x1 0x2 0x3" >want && test_cmp want ids &&
	start=$(ms "$(jq -r ".clips[0].start" f1/manifest.json)") &&
	want=$((start * 10000 + 116444736000000000)) &&
	for i in 0 1 2; do
		test "$(u32 "$f" $(($1 + 12 + 12 * i)))" = $((i + 1)) &&
		test "$(u64 "$f" $(($1 + 16 + 12 * i)))" = $want || exit 1
	done
'

test_expect_success 'loci (od): the camera position, role 1 (real location); ffprobe reads it' '
	f=$(cat clip1) && set -- $(box "$f" loci) &&
	test "$(od -An -tu1 -j $(($1 + 15)) -N 1 "$f" | tr -d " ")" = 1 &&
	lon=$(od -An -td4 --endian=big -j $(($1 + 16)) -N 4 "$f" | tr -d " ") &&
	lat=$(od -An -td4 --endian=big -j $(($1 + 20)) -N 4 "$f" | tr -d " ") &&
	awk -v a=$lat -v o=$lon "BEGIN { exit !(a / 65536 - 41.30568 < 0.0001 && 41.30568 - a / 65536 < 0.0001 && o / 65536 + 72.92561 < 0.0001 && -72.92561 - o / 65536 < 0.0001) }" &&
	ffprobe -v error -show_entries format_tags=location -of csv=p=0 "$f" | grep "^+41.30.*-072.92"
'

test_expect_success 'the timed-text track (ffmpeg): one cue a second, true time and the camera clock' '
	f=$(cat clip1) &&
	ffprobe -v error -select_streams s -show_entries stream=codec_name:stream_disposition=default \
		-of csv=p=0 "$f" >s && test "$(cat s)" = "mov_text,1" &&
	ffmpeg -nostdin -v error -i "$f" -map 0:s -f srt - | tr -d "\\r" | sed "s/<[^>]*>//g" >cues.srt &&
	n=$(grep -c -- "-->" cues.srt) &&
	start=$(jq -r ".clips[0].start" f1/manifest.json) && end=$(jq -r ".clips[0].end" f1/manifest.json) &&
	d=$(($(ms $end) - $(ms $start))) &&
	test $n = $(((d + 999) / 1000)) &&
	test $n = "$(jq ".clips[0].onvif.timed_text.cues" f1/manifest.json)" &&
	sed -n 2p cues.srt | grep "^00:00:00,000 --> 00:00:01,000" &&
	sed -n 3p cues.srt >l && echo "$start true time" >e && test_cmp e l &&
	cam=$(jq -r ".clips[0].sources[0].camera_start" f1/manifest.json) &&
	test $(($(ms $cam) - $(ms $start))) = 190000 &&
	sed -n 4p cues.srt >l && echo "$cam camera clock" >e && test_cmp e l &&
	grep -c "true time" cues.srt | grep -x $n &&
	grep -- "-->" cues.srt | tail -n 1 | grep "$(printf "%02d,%03d" $((d / 1000)) $((d % 1000)))\$"
'

test_expect_success 'the timed text is not in the packet hash: verify finds the sources packets' '
	vidx-verify -d $DB f1 >out &&
	grep "^ok  *source  *$(jq -r ".clips[0].path" f1/manifest.json): same packets" out &&
	test "$(jq ".clips[0].onvif.timed_text.in_packet_hash" f1/manifest.json)" = false &&
	grep "^ok  *onvif .*export box: operator ann, .* source Corner store (cam); true start $(jq -r ".clips[0].start" f1/manifest.json); timed text, [0-9]* cues$" out
'

test_expect_success 'native clips have no ONVIF boxes (and no onvif member)' '
	vidx-pull -d $DB --case C1 --out n1 --by ann --format native -c dav \
		--from 2022-07-04T21:03:11Z --to 2022-07-04T21:03:13Z >/dev/null &&
	test "$(jq ".clips[0].onvif" n1/manifest.json)" = null &&
	vidx-verify -d $DB n1 >out && ! grep onvif out
'

test_expect_success 'set-up: keys and certificates of the detective, and of an insider' '
	vidx-key new --by ann >ann.pub 2>/dev/null &&
	vidx-key cert >ann.crt 2>/dev/null &&
	vidx-key new --by ann --key mallory.key >mallory.pub 2>/dev/null &&
	vidx-key cert --by ann --cert mallory.crt --cert-key mallory-crt.key >/dev/null 2>&1 &&
	cat ann.pub ann.crt >trusted
'

test_expect_success 'pull --sign: ipro/sinf/schm oeff/schi/sibo/cert in meta, last in the file' '
	vidx-pull -d $DB --case C1 --out s1 --sign -c cam --from $FROM --to $TO >/dev/null &&
	f=s1/$(jq -r ".clips[0].path" s1/manifest.json) && echo "$f" >clip2 &&
	AtomicParsley "$f" -T | grep -A10 "^Atom meta @" | sed 1d | sed -n "s/^ *Atom \\([a-z]\\{4\\}\\) @.*/\\1/p" |
		paste -sd " " >kids &&
	echo "hdlr suep cstb ipro" >want && test_cmp want kids &&
	set -- $(box "$f" ipro) &&
	test $(($1 + $2)) = $(stat -c %s "$f") &&
	m=$1 &&
	for at in "14 sinf" "22 schm" "42 schi" "50 sibo"; do
		set -- $at &&
		test "$(od -An -c -j $((m + $1 + 4)) -N 4 "$f" | tr -d " ")" = $2 || exit 1
	done &&
	test "$(od -An -c -j $((m + 34)) -N 4 "$f" | tr -d " ")" = oeff &&
	test "$(u32 "$f" $((m + 38)))" = 65536 &&
	test "$(u32 "$f" $((m + 50)))" = 264 &&
	test "$(jq -r ".clips[0].onvif.signature.certificate_sha256" s1/manifest.json)" = \
		"$(openssl x509 -in ann.crt -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)"
'

test_expect_success 'the ONVIF signature checks with openssl, by the commands of vidx(7)' '
	man_block onvif >check.sh &&
	test "$(grep -c openssl check.sh)" = 3 &&
	sed -i "s|^f=.*|f=$(cat clip2)|" check.sh &&
	sh check.sh >out 2>&1 &&
	grep "s   i   b   o" out &&
	grep "subject=CN = ann, OU = vidx self-signed export key" out &&
	grep "^Verified OK$" out &&
	vidx-verify -d $DB --trust trusted s1 >v &&
	grep "^ok  *onvif .*: ONVIF signature valid (RSASSA-PSS, SHA-256), certificate .* as the trust file has it" v
'

test_expect_success 'attack: a clip changed and re-hashed everywhere fails its ONVIF signature (openssl agrees)' '
	cp -r s1 s2 && f=s2/$(jq -r ".clips[0].path" s1/manifest.json) &&
	set -- $(box "$f" mdat) &&
	printf "\\125" | dd of="$f" bs=1 seek=$(($1 + 5000)) conv=notrunc status=none &&
	sum=$(sha256sum "$f" | cut -c1-64) &&
	jq --arg s $sum ".clips[0].sha256 = \$s" s2/manifest.json >m && mv m s2/manifest.json &&
	(cd s2 && sha256sum $(jq -r ".clips[].path" manifest.json) manifest.json >SHA256SUMS) &&
	test_expect_code 1 vidx-verify -d $DB --no-sources s2 >v &&
	grep "^failed  *onvif .*its ONVIF signature (RSASSA-PSS) does not verify: the clip was changed after it was signed" v &&
	man_block onvif >check.sh && sed -i "s|^f=.*|f=$f|" check.sh &&
	! sh check.sh >out 2>&1 && grep "Verification failure" out
'

test_expect_success 'attack: a clip re-signed with another certificate is caught by --trust' '
	cp -r s1 s3 && f=s3/$(jq -r ".clips[0].path" s1/manifest.json) &&
	vidx-pull -d $DB --case C1 --out s4 --sign --cert mallory.crt --cert-key mallory-crt.key \
		-c cam --from $FROM --to $TO >/dev/null &&
	vidx-verify -d $DB s4 >v && grep "^ok  *onvif .*not checked against a trust file" v &&
	test_expect_code 1 vidx-verify -d $DB --trust trusted s4 >v &&
	grep "^failed  *onvif .*its ONVIF signature is valid, but its certificate .* is not in the trust file" v
'

test_expect_success 'a signed manifest: manifest.json.sig, listed in SHA256SUMS, checks with openssl (vidx(7))' '
	test -f s1/manifest.json.sig && test "$(stat -c %s s1/manifest.json.sig)" = 64 &&
	tail -n 1 s1/SHA256SUMS | grep "  manifest.json.sig$" &&
	(cd s1 && sha256sum -c --quiet SHA256SUMS) &&
	test "$(jq -r .signed_by.key_sha256 s1/manifest.json)" = "$(head -n 1 ann.pub | cut -d" " -f3)" &&
	man_block manifest >check.sh &&
	test "$(grep -c openssl check.sh)" = 2 &&
	cp ann.pub s1/ruiz.pub && (cd s1 && sh ../check.sh) >out 2>&1 &&
	grep "^$(head -n 1 ann.pub | cut -d" " -f3)  -$" out &&
	grep "^Signature Verified Successfully$" out &&
	vidx-verify -d $DB --trust trusted s1 >v &&
	grep "^ok  *signature manifest.json: signed by ann, key [0-9a-f]\\{16\\}, as the trust file has it$" v &&
	vidx-verify -d $DB s1 >v &&
	grep "^ok  *signature manifest.json: a valid signature by key .*not checked against a trust file" v
'

test_expect_success 'attack: a manifest edited and re-hashed fails its signature' '
	cp -r s1 m1 &&
	sed -i "s/\"operator\": \"ann\"/\"operator\": \"bob\"/" m1/manifest.json &&
	(cd m1 && sha256sum $(jq -r ".clips[].path" manifest.json) manifest.json manifest.json.sig >SHA256SUMS) &&
	test_expect_code 1 vidx-verify -d $DB --trust trusted --no-sources m1 >v &&
	grep "^failed  *signature manifest.json: the signature does not verify with ann.s key" v &&
	test_expect_code 1 vidx-verify -d $DB --no-sources m1 >v &&
	grep "^failed  *signature manifest.json: the signature does not verify" v &&
	cp ann.pub m1/ruiz.pub && ! (cd m1 && sh ../check.sh) >/dev/null 2>&1
'

test_expect_success 'attack: a clip replaced and the manifest signed again with the insider key: --trust catches it' '
	cp -r s1 m2 && f=$(jq -r ".clips[0].path" m2/manifest.json) &&
	cp f1/$(jq -r ".clips[0].path" f1/manifest.json) m2/$f &&
	sed 1d mallory.key >mk.pem &&
	jq --arg s $(sha256sum m2/$f | cut -c1-64) --arg k "$(head -n 1 mallory.pub | cut -d" " -f3)" \
		--arg p "$(sed 1d mallory.pub)" \
		".clips[0].sha256 = \$s | .clips[0].size = $(stat -c %s m2/$f) | .clips[0].onvif.signature = null | .signed_by.key_sha256 = \$k | .signed_by.public_key = (\$p + \"\\n\")" \
		s1/manifest.json >m && mv m m2/manifest.json &&
	openssl pkeyutl -sign -inkey mk.pem -rawin -in m2/manifest.json -out m2/manifest.json.sig &&
	(cd m2 && sha256sum $f manifest.json manifest.json.sig >SHA256SUMS) &&
	vidx-verify --no-sources m2 >v &&
	grep "^ok  *signature manifest.json: a valid signature .*not checked against a trust file" v &&
	test_expect_code 1 vidx-verify --trust trusted --no-sources m2 >v &&
	grep "^failed  *signature manifest.json: signed with key [0-9a-f]* (ann, says the manifest), which is not in the trust file" v
'

test_expect_success 'attack: the manifest signed again by a key in another name than its operator: failed without --trust too' '
	cp -r s1 m3 && sed 1d mallory.key >mk3.pem &&
	jq --arg k "$(head -n 1 mallory.pub | cut -d" " -f3)" --arg p "$(sed 1d mallory.pub)" \
		".signed_by.operator = \"mallory\" | .signed_by.key_sha256 = \$k | .signed_by.public_key = (\$p + \"\\n\")" \
		s1/manifest.json >m && mv m m3/manifest.json &&
	openssl pkeyutl -sign -inkey mk3.pem -rawin -in m3/manifest.json -out m3/manifest.json.sig &&
	(cd m3 && sha256sum $(jq -r ".clips[].path" manifest.json) manifest.json manifest.json.sig >SHA256SUMS) &&
	test_expect_code 1 vidx-verify --no-sources m3 >v &&
	grep "^failed  *signature manifest.json: signed with key [0-9a-f]* in the name of mallory, but the manifest says its operator is ann$" v
'

test_expect_success 'an MKV clip has no ONVIF boxes; with --sign the manifest is still signed' '
	vidx-pull -d $DB --case C1 --out k1 --sign --format mkv -c cam --from $FROM --to $TO >/dev/null &&
	test "$(jq ".clips[0].onvif" k1/manifest.json)" = null &&
	test -f k1/manifest.json.sig &&
	vidx-verify -d $DB --trust trusted k1 >v && ! grep onvif v &&
	grep "^ok  *signature" v
'

test_expect_success '--sign without a certificate, or with half of one: errors before anything is written' '
	mkdir nocert && XDG_CONFIG_HOME=$TRASH/nocert &&
	test_expect_code 1 vidx-pull -d $DB --case C1 --out x1 --by ann --sign -c cam --from $FROM --to $TO 2>err &&
	grep "^vidx-pull: --sign: cannot read certificate .*cert.pem.: No such file or directory (make one with vidx key cert" err &&
	test ! -e x1 &&
	XDG_CONFIG_HOME=$TRASH/.config &&
	test_expect_code 2 vidx-pull -d $DB --case C1 --out x2 --cert ann.crt -c cam --from $FROM --to $TO 2>err &&
	grep "go with --sign" err &&
	test_expect_code 2 vidx-pull -d $DB --case C1 --out x2 --sign --cert ann.crt -c cam --from $FROM --to $TO 2>err &&
	grep "both --cert and --cert-key" err &&
	test_expect_code 1 vidx-pull -d $DB --case C1 --out x3 --sign --cert ann.crt \
		--cert-key mallory-crt.key -c cam --from $FROM --to $TO 2>err &&
	grep "is not the key of the certificate" err &&
	test ! -e x2 && test ! -e x3
'

test_done
