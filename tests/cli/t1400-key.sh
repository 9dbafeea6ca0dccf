#!/bin/sh
# vidx-key: operators' Ed25519 keys (private 0600, never replaced, refused
# when others may read them), their exports (fingerprints checked with the
# openssl CLI), trust files, and the RSA certificate for ONVIF exports.
. "$(dirname "$0")/lib.sh"

KEY=$XDG_CONFIG_HOME/vidx/key

test_expect_success 'new: the private key 0600 in a 0700 folder, the public half printed' '
	vidx-key new --by "Det. Ann Ruiz" >pub 2>err &&
	test "$(stat -c %a "$KEY")" = 600 &&
	test "$(stat -c %a "$(dirname "$KEY")")" = 700 &&
	head -n 1 "$KEY" >l && echo "vidx-key ed25519 Det. Ann Ruiz" >e && test_cmp e l &&
	grep -q "^-----BEGIN PRIVATE KEY-----$" "$KEY" &&
	grep "made the key of .Det. Ann Ruiz. in $KEY" err &&
	head -n 1 pub | grep -E "^vidx-key ed25519 [0-9a-f]{64} Det. Ann Ruiz$" &&
	sed -n 2p pub | grep -x -- "-----BEGIN PUBLIC KEY-----" &&
	test "$(lines pub)" = 4
'

test_expect_success 'the key is Ed25519 and its fingerprint is the SHA-256 of its DER public key (openssl)' '
	sed 1d "$KEY" >priv.pem &&
	openssl pkey -in priv.pem -noout -text 2>&1 | grep -i "ED25519 Private-Key" &&
	openssl pkey -in priv.pem -pubout >pub.pem &&
	sed 1d pub >pub2.pem && test_cmp pub.pem pub2.pem &&
	openssl pkey -pubin -in pub -outform DER | sha256sum | cut -c1-64 >want &&
	head -n 1 pub | cut -d" " -f3 >got &&
	test_cmp want got
'

test_expect_success 'export prints the same; --json has name, fingerprint and PEM' '
	vidx-key export >pub3 && test_cmp pub pub3 &&
	vidx-key export --json >j &&
	test "$(jq -r .name j)" = "Det. Ann Ruiz" &&
	test "$(jq -r .fingerprint j)" = "$(cat got)" &&
	jq -j .public_key j >pem && test_cmp pub2.pem pem
'

test_expect_success 'a signature made with the key checks with openssl and the export alone' '
	printf "the hash of an event" >msg &&
	openssl pkeyutl -sign -inkey priv.pem -rawin -in msg -out msg.sig &&
	openssl pkeyutl -verify -pubin -inkey pub -rawin -in msg -sigfile msg.sig
'

test_expect_success 'new never replaces a key: exit 1, the key unchanged' '
	cp "$KEY" before &&
	test_expect_code 1 vidx-key new --by "Someone Else" >out 2>err &&
	test ! -s out &&
	grep "^vidx-key: key .*key. exists: never replaced" err &&
	test_cmp before "$KEY"
'

test_expect_success 'new --key FILE: another file, folders made' '
	vidx-key new --by bob --key sub/dir/bob.key >bob.pub 2>/dev/null &&
	test "$(stat -c %a sub/dir/bob.key)" = 600 &&
	test "$(stat -c %a sub/dir)" = 700 &&
	vidx-key export --key sub/dir/bob.key >bob2.pub && test_cmp bob.pub bob2.pub &&
	! test_cmp bob.pub pub >/dev/null
'

test_expect_success 'a key others can read is refused, by every tool that signs' '
	cp sub/dir/bob.key loose.key && chmod 644 loose.key &&
	test_expect_code 1 vidx-key export --key loose.key >out 2>err &&
	test ! -s out &&
	grep "^vidx-key: key .loose.key. can be read by others (mode 0644): refused" err &&
	chmod 640 loose.key &&
	test_expect_code 1 vidx-key export --key loose.key 2>err &&
	grep "mode 0640" err &&
	vidx-camera -d v.db add c1 --lat 1 --lon 1 &&
	mv "$KEY" away.key &&
	vidx-case -d v.db new A --title t --by ann &&
	mv away.key "$KEY" &&
	test_expect_code 1 vidx-verify -d v.db --case A --key loose.key 2>err &&
	grep "can be read by others" err &&
	test "$(sqlite3 v.db "SELECT count(*) FROM custody")" = 1 &&
	test_expect_code 1 vidx-pull -d v.db --case A --out o --key loose.key -c c1 \
		--from 2022-07-04T21:00:00Z --to 2022-07-04T21:01:00Z 2>err &&
	grep "can be read by others" err && test ! -e o
'

test_expect_success 'a default key others can read is refused too, not skipped' '
	chmod 644 "$KEY" &&
	test_expect_code 1 vidx-verify -d v.db --case A 2>err &&
	grep "can be read by others" err &&
	test "$(sqlite3 v.db "SELECT count(*) FROM custody")" = 1 &&
	chmod 600 "$KEY"
'

test_expect_success 'a named key that is missing is a clear error, and nothing is written' '
	test_expect_code 1 vidx-key export --key nowhere.key 2>err &&
	test "$(cat err)" = "vidx-key: cannot read key '"'"'nowhere.key'"'"': No such file or directory" &&
	test_expect_code 1 vidx-pull -d v.db --case A --out o --key nowhere.key -c c1 \
		--from 2022-07-04T21:00:00Z --to 2022-07-04T21:01:00Z 2>err &&
	grep "cannot read key .nowhere.key.: No such file or directory" err && test ! -e o &&
	test_expect_code 1 vidx-verify -d v.db --key nowhere.key --case A 2>err &&
	grep "cannot read key .nowhere.key." err &&
	test "$(sqlite3 v.db "SELECT count(*) FROM custody")" = 1
'

test_expect_success 'a key of someone else than --by is refused' '
	test_expect_code 1 vidx-verify -d v.db --by mallory --case A 2>err &&
	grep "the key .*key. is the key of .Det. Ann Ruiz., not of .mallory." err &&
	test "$(sqlite3 v.db "SELECT count(*) FROM custody")" = 1
'

test_expect_success 'vidx-case new, note and seal refuse a loose or missing key too; nothing written' '
	n=$(sqlite3 v.db "SELECT count(*) FROM custody") &&
	for args in "new Z --title t" "note A text" "seal A"; do
		test_expect_code 1 vidx-case -d v.db $args --key loose.key 2>err &&
		grep "can be read by others" err &&
		test_expect_code 1 vidx-case -d v.db $args --key nowhere.key 2>err &&
		grep "cannot read key .nowhere.key.: No such file or directory" err || exit 1
	done &&
	test "$(sqlite3 v.db "SELECT count(*) FROM custody")" = $n &&
	test "$(sqlite3 v.db "SELECT count(*) FROM cases")" = 1
'

test_expect_success 'a file that is not a vidx key is refused' '
	openssl genpkey -algorithm ed25519 -out raw.pem && chmod 600 raw.pem &&
	test_expect_code 1 vidx-key export --key raw.pem 2>err &&
	grep "not a vidx key" err &&
	{ echo "vidx-key ed25519 x"; openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256; } >ec.key &&
	chmod 600 ec.key &&
	test_expect_code 1 vidx-key export --key ec.key 2>err &&
	grep "not an Ed25519 private key" err
'

test_expect_success 'cert: an RSA-2048 key (0600) and a self-signed certificate in the key operator name' '
	vidx-key cert >cert.out 2>err &&
	C=$XDG_CONFIG_HOME/vidx/cert.pem K=$XDG_CONFIG_HOME/vidx/cert-key.pem &&
	test "$(stat -c %a "$K")" = 600 &&
	test_cmp "$C" cert.out &&
	openssl x509 -in "$C" -noout -subject >s &&
	grep "CN = Det. Ann Ruiz" s && grep "OU = vidx self-signed export key" s &&
	openssl x509 -in "$C" -noout -text >t &&
	grep "Public-Key: (2048 bit)" t &&
	grep -A1 "Key Usage: critical" t | grep "Digital Signature" &&
	openssl verify -CAfile "$C" "$C" &&
	openssl x509 -in "$C" -noout -pubkey >cp.pem &&
	openssl pkey -in "$K" -pubout >kp.pem && test_cmp cp.pem kp.pem &&
	openssl x509 -in "$C" -noout -enddate -checkend $((3649 * 86400)) &&
	! openssl x509 -in "$C" -noout -checkend $((3651 * 86400)) >/dev/null
'

test_expect_success 'cert never replaces; --by, --days and other files' '
	test_expect_code 1 vidx-key cert 2>err && grep "exists: never replaced" err &&
	vidx-key cert --by "Records Office" --days 30 --cert c2.pem --cert-key k2.pem >/dev/null 2>&1 &&
	openssl x509 -in c2.pem -noout -subject | grep "CN = Records Office" &&
	openssl x509 -in c2.pem -noout -checkend $((29 * 86400)) &&
	! openssl x509 -in c2.pem -noout -checkend $((31 * 86400)) >/dev/null
'

test_expect_success 'trust files: a fingerprint line that does not match its key is refused' '
	cat pub bob.pub >trust &&
	# a scope with a recording: an empty one is refused whatever the trust
	vidx-ingest -d v.db -c c1 "$FIXTURES/h264.ts" >/dev/null &&
	vidx-verify -d v.db --trust trust -c c1 >/dev/null &&
	awk "NR == 1 { f = \$3; c = substr(f, 64, 1); \$3 = substr(f, 1, 63) (c == \"0\" ? \"1\" : \"0\") } { print }" pub >bad &&
	! cmp -s bad pub && test "$(lines bad)" = 4 &&
	test_expect_code 1 vidx-verify -d v.db --trust bad -c c1 2>err &&
	grep "trust file .bad., line 1: the key.s fingerprint is .* the file was changed" err &&
	echo "just text" >empty &&
	test_expect_code 1 vidx-verify -d v.db --trust empty -c c1 2>err &&
	grep "holds no key and no certificate" err &&
	sed 1d pub >bare &&
	test_expect_code 1 vidx-verify -d v.db --trust bare -c c1 2>err &&
	grep "a public key without its .vidx-key ed25519 FINGERPRINT NAME. line" err &&
	test_expect_code 1 vidx-verify -d v.db --trust none -c c1 2>err &&
	grep "cannot read trust file .none.: No such file or directory" err
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 vidx-key 2>err && grep "no command" err &&
	test_expect_code 2 vidx-key frob 2>err && grep "unknown command" err &&
	test_expect_code 2 vidx-key new 2>err && grep "give --by" err &&
	test_expect_code 2 vidx-key export --by x 2>err &&
	test_expect_code 2 vidx-key new --by x --days 3 2>err &&
	test_expect_code 2 vidx-key cert --days 0 2>err &&
	test_expect_code 2 vidx-key new --by "$(printf "a\nb")" 2>err &&
	test_expect_code 2 vidx-key export extra 2>err
'

test_expect_success 'vidx key runs vidx-key; vidx help lists it' '
	vidx key export >p4 && test_cmp pub p4 &&
	vidx help | grep "^  key "
'

test_expect_success 'the man page SYNOPSIS is the usage' '
	man=$VIDX_SRC/man/vidx-key.1 &&
	bs=$(printf "\b") &&
	mandoc -Tascii "$man" | sed "s/.$bs//g" | sed -n "/^SYNOPSIS/,/^DESCRIPTION/p" |
		sed "1d;\$d" >syn.txt &&
	vidx-key --help | sed -n "1,/^\$/p" | sed "s/^usage://" >use.txt &&
	for f in syn.txt use.txt; do
		{ tr "\t\n" "  " <$f | tr -s " " && echo; } |
			sed "s/ *vidx-key \\([a-z]\\)/\nvidx-key \\1/g" | sed "/^\$/d; s/ *\$//" >$f.forms ||
			exit 1
	done &&
	test "$(lines use.txt.forms)" = 3 &&
	test_cmp use.txt.forms syn.txt.forms
'

test_done
