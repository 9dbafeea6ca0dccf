#!/bin/sh
# vidx-camera: cameras (add, set, rm, list, show, import) and their clock
# observations, checked end to end against the index.
. "$(dirname "$0")/lib.sh"

# jqc FILTER [FILE] / jqr FILTER [FILE]: jq -c / jq -r with every number
# printed the same way by every jq version (1.7 keeps "190.0" as written)
jqc() {
	jq -c "walk(if type == \"number\" then . + 0 else . end) | $1" ${2+"$2"}
}
jqr() {
	jq -r "walk(if type == \"number\" then . + 0 else . end) | $1" ${2+"$2"}
}

# show ID [DB]: the camera as JSON, without its creation time
show() {
	vidx-camera -d "${2:-vidx.db}" show --json "$1" | jqc "del(.created)"
}

# ids [DB]: the camera ids in the index, one a line
ids() {
	vidx-camera -d "${1:-vidx.db}" list --json | jq -r .id
}

# rows DB TABLE: number of rows of TABLE
rows() {
	sqlite3 "$1" "SELECT count(*) FROM $2"
}

# intact DB: SQLite finds nothing wrong, no dangling reference
intact() {
	test "$(sqlite3 "$1" "PRAGMA integrity_check")" = ok &&
	test -z "$(sqlite3 "$1" "PRAGMA foreign_key_check")"
}

# ---- add ---------------------------------------------------------------------

test_expect_success 'add with every option; show --json gives each back' '
	vidx-camera -d vidx.db add deli-1 --lat 40.758896 --lon -73.985130 \
		--name "Deli, 7th Ave" --address "1 Times Sq, New York" \
		--tz America/New_York --tag exterior --tag door:north --tag ptz >out 2>err &&
	test ! -s out && test ! -s err &&
	show deli-1 >actual &&
	cat >expect <<-EOF &&
	{"id":"deli-1","name":"Deli, 7th Ave","lat":40.758896,"lon":-73.98513,"address":"1 Times Sq, New York","tz":"America/New_York","tags":["exterior","door:north","ptz"],"recordings":0,"mobile":false}
	EOF
	test_cmp expect actual &&
	vidx-camera show --json deli-1 | jq -r .created |
		grep -E "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$"
'

test_expect_success 'add with only --lat and --lon: empty name, no zone, no tags' '
	vidx-camera -d min.db add c1 --lat 0 --lon 0 &&
	show c1 min.db >actual &&
	echo "{\"id\":\"c1\",\"name\":\"\",\"lat\":0,\"lon\":0,\"address\":\"\",\"tz\":null,\"tags\":[],\"recordings\":0,\"mobile\":false}" >expect &&
	test_cmp expect actual
'

test_expect_success 'tags: repeated --tag keeps order; commas, spaces and ; separate' '
	vidx-camera -d tags.db add t1 --lat 1 --lon 2 --tag b --tag a \
		--tag "c,d" --tag "e f;g" &&
	show t1 tags.db | jq -c .tags >actual &&
	echo "[\"b\",\"a\",\"c\",\"d\",\"e\",\"f\",\"g\"]" >expect &&
	test_cmp expect actual
'

test_expect_success 'a tag with other characters is refused, nothing added' '
	test_expect_code 1 vidx-camera -d tags.db add t2 --lat 1 --lon 2 \
		--tag "bad/tag" 2>err &&
	grep "^vidx-camera: tag .bad/tag. may only hold" err &&
	test_expect_code 1 vidx-camera -d tags.db show t2 2>/dev/null
'

test_expect_success 'text that is not UTF-8 is refused (exit 1, the field named), nothing added' '
	for bad in "$(printf "Caf\351")" "$(printf "\300\200")" "$(printf "\355\240\200")" \
		"$(printf "\364\220\200\200")" "$(printf "a\342\200")"; do
		test_expect_code 1 vidx-camera -d utf.db add u --lat 1 --lon 1 --name "$bad" 2>err &&
		test "$(cat err)" = "vidx-camera: camera '"'"'u'"'"': the name is not valid UTF-8" &&
		test_expect_code 1 vidx-camera -d utf.db add u --lat 1 --lon 1 --address "$bad" 2>err &&
		grep "^vidx-camera: camera .u.: the address is not valid UTF-8$" err || exit 1
	done &&
	test -z "$(ids utf.db)" &&
	test_expect_code 1 vidx-camera -d utf.db add "$(printf "u\377")" --lat 1 --lon 1 2>err &&
	grep "^vidx-camera: invalid camera id .u\\\\xff.: use" err &&
	test_expect_code 1 vidx-camera -d utf.db add u --lat 1 --lon 1 --tag "$(printf "t\377")" 2>err &&
	test -z "$(ids utf.db)"
'

test_expect_success 'UTF-8 is kept byte for byte, a right-to-left override and 4-byte forms too' '
	n=$(printf "Caf\303\251 \342\200\256 \360\237\223\267") &&
	vidx-camera -d utf.db add u --lat 1 --lon 1 --name "$n" --address "$n" &&
	test "$(sqlite3 utf.db "SELECT hex(name), hex(address) FROM cameras")" = \
		"436166C3A920E280AE20F09F93B7|436166C3A920E280AE20F09F93B7" &&
	vidx-camera -d utf.db show --json u | jq -r .name >actual &&
	printf "%s\n" "$n" >expect && test_cmp expect actual
'

test_expect_success 'set and clock refuse text that is not UTF-8 too, changing nothing' '
	show u utf.db >before &&
	test_expect_code 1 vidx-camera -d utf.db set u --name "$(printf "a\377")" 2>err &&
	grep "^vidx-camera: camera .u.: the name is not valid UTF-8$" err &&
	test_expect_code 1 vidx-camera -d utf.db set u --address "$(printf "a\377")" 2>err &&
	grep "the address is not valid UTF-8" err &&
	show u utf.db >after && test_cmp before after &&
	test_expect_code 1 vidx-camera -d utf.db clock u --camera-time @100 --true-time @105 \
		--note "$(printf "a\377")" 2>err &&
	grep "^vidx-camera: camera .u.: the clock observation.s note is not valid UTF-8$" err &&
	test_expect_code 1 vidx-camera -d utf.db clock u --camera-time @100 --true-time @105 \
		--by "$(printf "a\377")" 2>err &&
	grep "the clock observation.s observer.s name is not valid UTF-8" err &&
	test "$(rows utf.db clock_obs)" = 0
'

test_expect_success 'import CSV: a field that is not UTF-8 refuses the file, named by line' '
	printf "id,lat,lon,name\nok,1,2,fine\nbad,1,2,x\377y\n" >bad-utf.csv &&
	test_expect_code 1 vidx-camera -d utf-imp.db import bad-utf.csv 2>err &&
	grep "^vidx-camera: bad-utf.csv: line 3: camera .bad.: the name is not valid UTF-8$" err &&
	test -z "$(ids utf-imp.db)"
'

test_expect_success 'a name an older vidx stored as bytes: shown as \\xNN (valid JSON), export refused' '
	vidx-camera -d old.db add u --lat 1 --lon 1 &&
	sqlite3 old.db "UPDATE cameras SET name = CAST(x'"'"'436166e920c3a9'"'"' AS TEXT)" &&
	vidx-camera -d old.db show --json u | jq -r .name >actual &&
	vidx-camera -d old.db list --geojson | jq -e ".features[0].properties.name" &&
	echo "Caf\\xe9 \\xc3\\xa9" >expect && test_cmp expect actual &&
	test_expect_code 1 vidx-camera -d old.db export >e.json 2>err &&
	grep "^vidx-camera: camera .u.: its name holds bytes that are not UTF-8" err &&
	test ! -s e.json
'

test_expect_success 'show: the table form' '
	vidx-camera show deli-1 >actual 2>err &&
	test ! -s err &&
	cat >expect <<-EOF &&
	id         deli-1
	name       Deli, 7th Ave
	position   40.7588960, -73.9851300
	address    1 Times Sq, New York
	tz         America/New_York
	tags       exterior,door:north,ptz
	recordings 0
	EOF
	test_cmp expect actual
'

test_expect_success 'a duplicate id is refused (exit 1, the id named), the first kept' '
	show deli-1 >before &&
	test_expect_code 1 vidx-camera add deli-1 --lat 1 --lon 1 --name other \
		>out 2>err &&
	test ! -s out &&
	test "$(cat err)" = "vidx-camera: camera '"'"'deli-1'"'"' already exists" &&
	show deli-1 >after && test_cmp before after &&
	test "$(ids)" = deli-1
'

test_expect_success 'latitude and longitude out of range: exit 1, which one said' '
	test_expect_code 1 vidx-camera -d range.db add c --lat 90.000001 --lon 0 2>err &&
	grep "camera .c.: latitude 90.000001 is out of range (-90 to 90)" err &&
	test_expect_code 1 vidx-camera -d range.db add c --lat -91 --lon 0 2>err &&
	grep "latitude -91 is out of range" err &&
	test_expect_code 1 vidx-camera -d range.db add c --lat 0 --lon 180.5 2>err &&
	grep "camera .c.: longitude 180.5 is out of range (-180 to 180)" err &&
	test_expect_code 1 vidx-camera -d range.db add c --lat 0 --lon -181 2>err &&
	grep "longitude -181 is out of range" err &&
	test_expect_code 2 vidx-camera -d range.db add c --lat nan --lon 0 2>err &&
	grep "lat: .nan. is not a number" err &&
	test_expect_code 2 vidx-camera -d range.db add c --lat 0 --lon inf 2>err &&
	grep "lon: .inf. is not a number" err &&
	test_expect_code 2 vidx-camera -d range.db add c --lat 0x1A --lon 0 2>err &&
	test -z "$(ids range.db)"
'

test_expect_success 'the limits themselves are in range' '
	vidx-camera -d range.db add north-east --lat 90 --lon 180 &&
	vidx-camera -d range.db add south-west --lat -90 --lon -180 &&
	vidx-camera -d range.db list --json | jqc "[.id, .lat, .lon]" >actual &&
	printf "%s\n" "[\"north-east\",90,180]" "[\"south-west\",-90,-180]" >expect &&
	test_cmp expect actual
'

test_expect_success 'latitude or longitude not a number: usage error, exit 2' '
	for v in abc "" 40.7x 1,5; do
		test_expect_code 2 vidx-camera -d nan.db add c --lat "$v" --lon 0 2>err &&
		grep "^vidx-camera: --lat: .$v. is not a number" err &&
		test_expect_code 2 vidx-camera -d nan.db add c --lat 0 --lon "$v" 2>err &&
		grep "^vidx-camera: --lon: .$v. is not a number" err || exit 1
	done &&
	test ! -e nan.db
'

test_expect_success 'an unknown --tz is a usage error (exit 2) and creates nothing' '
	test_expect_code 2 vidx-camera -d tz.db add c --lat 1 --lon 1 \
		--tz Mars/Olympus_Mons 2>err &&
	grep "^vidx-camera: --tz: unknown time zone .Mars/Olympus_Mons." err &&
	grep "^Try .vidx-camera --help." err &&
	test_expect_code 2 vidx-camera -d tz.db add c --lat 1 --lon 1 \
		--tz ../../../etc/passwd 2>err &&
	test_expect_code 2 vidx-camera -d tz.db add c --lat 1 --lon 1 --tz EDT 2>err &&
	test ! -e tz.db
'

test_expect_success 'bad ids are refused: .., space, newline, leading . or -, 65 chars' '
	nl="
" &&
	long=$(printf "%065d" 0) &&
	for id in ../x x/y "a b" "a${nl}b" .hidden "" "$long" "$(printf "caf\303\251")" \
		"a;rm" "a\"b"; do
		test_expect_code 1 vidx-camera -d ids.db add "$id" --lat 1 --lon 1 2>err &&
		grep "invalid camera id" err || exit 1
	done &&
	test_expect_code 1 vidx-camera -d ids.db add --lat 1 --lon 1 -- -x 2>err &&
	grep "invalid camera id .-x.: use 1-64 letters, digits" err &&
	test_expect_code 2 vidx-camera -d ids.db add -x --lat 1 --lon 1 2>err &&
	test -z "$(ids ids.db)"
'

test_expect_success 'ids of 64 characters, with . _ - inside, are fine' '
	long=$(printf "%064d" 7) &&
	vidx-camera -d ids.db add "$long" --lat 1 --lon 1 &&
	vidx-camera -d ids.db add A.b_C-9 --lat 1 --lon 1 &&
	ids ids.db >actual &&
	printf "%s\n" "$long" A.b_C-9 >expect &&
	test_cmp expect actual
'

# ---- set -------------------------------------------------------------------

test_expect_success 'set changes only the fields given' '
	vidx-camera -d set.db add s1 --lat 10 --lon 20 --name N --address A \
		--tz Europe/Berlin --tag x --tag y &&
	vidx-camera -d set.db add s2 --lat 11 --lon 21 --name M &&
	show s2 set.db >s2.before &&
	vidx-camera -d set.db set s1 --name "New name" &&
	show s1 set.db >actual &&
	echo "{\"id\":\"s1\",\"name\":\"New name\",\"lat\":10,\"lon\":20,\"address\":\"A\",\"tz\":\"Europe/Berlin\",\"tags\":[\"x\",\"y\"],\"recordings\":0,\"mobile\":false}" >expect &&
	test_cmp expect actual &&
	vidx-camera -d set.db set s1 --lat -33.5 &&
	show s1 set.db | jq -c "[.lat, .lon, .name]" >actual &&
	echo "[-33.5,20,\"New name\"]" >expect && test_cmp expect actual &&
	vidx-camera -d set.db set s1 --lon 151.25 --address "2 George St" --tz Australia/Sydney &&
	show s1 set.db >actual &&
	echo "{\"id\":\"s1\",\"name\":\"New name\",\"lat\":-33.5,\"lon\":151.25,\"address\":\"2 George St\",\"tz\":\"Australia/Sydney\",\"tags\":[\"x\",\"y\"],\"recordings\":0,\"mobile\":false}" >expect &&
	test_cmp expect actual &&
	show s2 set.db >s2.after && test_cmp s2.before s2.after
'

test_expect_success 'set keeps the creation time' '
	vidx-camera -d set.db show --json s2 | jq -r .created >c1 &&
	vidx-camera -d set.db set s2 --name changed &&
	vidx-camera -d set.db show --json s2 | jq -r .created >c2 &&
	test_cmp c1 c2
'

test_expect_success 'set --tag replaces the tags; --tag "" and --tz "" clear' '
	vidx-camera -d set.db set s1 --tag z --tag w &&
	show s1 set.db | jq -c .tags >actual &&
	echo "[\"z\",\"w\"]" >expect && test_cmp expect actual &&
	vidx-camera -d set.db set s1 --tag "" --tz "" &&
	show s1 set.db | jq -c "[.tags, .tz, .name]" >actual &&
	echo "[[],null,\"New name\"]" >expect && test_cmp expect actual
'

test_expect_success 'set with a bad value fails and changes nothing' '
	show s1 set.db >before &&
	test_expect_code 1 vidx-camera -d set.db set s1 --lat 95 --name X 2>err &&
	grep "latitude 95 is out of range" err &&
	test_expect_code 2 vidx-camera -d set.db set s1 --tz Nowhere/Land --name X 2>err &&
	grep "unknown time zone .Nowhere/Land." err &&
	test_expect_code 1 vidx-camera -d set.db set s1 --tag "a|b" --name X 2>err &&
	show s1 set.db >after && test_cmp before after
'

test_expect_success 'set of an unknown camera fails (exit 1) and adds nothing' '
	test_expect_code 1 vidx-camera -d set.db set nope --name x --lat 1 2>err &&
	test "$(cat err)" = "vidx-camera: unknown camera '"'"'nope'"'"'" &&
	ids set.db >actual && printf "%s\n" s1 s2 >expect && test_cmp expect actual
'

test_expect_success 'set with nothing to change is a usage error' '
	test_expect_code 2 vidx-camera -d set.db set s1 2>err &&
	grep "set: nothing to change" err
'

# ---- rm --------------------------------------------------------------------

test_expect_success 'rm removes the camera, and only it' '
	vidx-camera -d rm.db add r1 --lat 1 --lon 1 &&
	vidx-camera -d rm.db add r2 --lat 2 --lon 2 &&
	vidx-camera -d rm.db rm r1 >out 2>err &&
	test ! -s out && test ! -s err &&
	test "$(ids rm.db)" = r2 &&
	test_expect_code 1 vidx-camera -d rm.db show r1 2>err &&
	grep "unknown camera .r1." err &&
	test "$(sqlite3 rm.db "SELECT count(*) FROM camera_geo")" = 1 &&
	intact rm.db
'

test_expect_success 'rm --force of a camera without recordings is a plain rm' '
	vidx-camera -d rm.db add r3 --lat 3 --lon 3 &&
	vidx-camera -d rm.db clock r3 --camera-time 2022-07-01T10:00Z \
		--true-time 2022-07-01T10:00Z --by x &&
	vidx-camera -d rm.db rm --force r3 &&
	test "$(ids rm.db)" = r2 &&
	test "$(rows rm.db clock_obs)" = 0 &&
	intact rm.db
'

test_expect_success 'rm of an unknown camera fails, exit 1' '
	test_expect_code 1 vidx-camera -d rm.db rm r1 2>err &&
	test "$(cat err)" = "vidx-camera: unknown camera '"'"'r1'"'"'" &&
	test "$(ids rm.db)" = r2
'

test_expect_success 'rm is refused while recordings reference the camera' '
	vidx-camera -d ing.db add store --lat 40.7 --lon -74 --tz UTC &&
	vidx-camera -d ing.db add other --lat 40.8 --lon -74 &&
	vidx-ingest -d ing.db --camera store "$FIXTURES/h264.ts" >/dev/null &&
	vidx-ingest -d ing.db --camera other "$FIXTURES/hevc.ts" >/dev/null &&
	vidx-camera -d ing.db clock store --camera-time 2022-07-04T21:25:10Z \
		--true-time 2022-07-04T21:22:00Z --by tech &&
	test "$(show store ing.db | jq .recordings)" = 1 &&
	test_expect_code 1 vidx-camera -d ing.db rm store >out 2>err &&
	test ! -s out &&
	grep "^vidx-camera: camera .store. has 1 recording in the index; --force" err &&
	ids ing.db >actual && printf "%s\n" other store >expect && test_cmp expect actual &&
	vidx-ls -d ing.db --json -c store | jq -r .path >actual &&
	echo "$FIXTURES/h264.ts" >expect && test_cmp expect actual &&
	test "$(vidx-camera -d ing.db clock --json store | jq -r .by)" = tech
'

test_expect_success 'rm --force removes the camera, its recordings and observations' '
	vidx-camera -d ing.db rm --force store &&
	test "$(ids ing.db)" = other &&
	vidx-ls -d ing.db --json | jq -r "[.camera, .path] | @tsv" >actual &&
	printf "other\t%s\n" "$FIXTURES/hevc.ts" >expect && test_cmp expect actual &&
	test "$(rows ing.db recordings)" = 1 &&
	test "$(sqlite3 ing.db "SELECT count(*) FROM segments s JOIN recordings r
		ON r.id = s.recording_id WHERE r.camera_id = '"'"'other'"'"'")" = "$(rows ing.db segments)" &&
	test "$(rows ing.db keyframes)" = 1 &&
	test "$(rows ing.db recording_paths)" = 1 &&
	test "$(rows ing.db clock_obs)" = 0 &&
	intact ing.db
'

test_expect_success 'a camera removed with --force can be added and ingested again' '
	vidx-camera -d ing.db add store --lat 40.7 --lon -74 --tz UTC &&
	vidx-ingest -d ing.db --json --camera store "$FIXTURES/h264.ts" |
		jq -r .status >actual &&
	echo ingested >expect && test_cmp expect actual &&
	test "$(show store ing.db | jq .recordings)" = 1
'

# ---- list ------------------------------------------------------------------

test_expect_success 'set up three cameras' '
	vidx-camera -d list.db add zeta --lat 40.7128 --lon -74.006 --name "City Hall" \
		--tz America/New_York --tag city &&
	vidx-camera -d list.db add alpha --lat 51.5074 --lon -0.1278 --name Trafalgar \
		--address "Trafalgar Sq" --tag ext --tag ptz &&
	vidx-camera -d list.db add mid --lat -33.8688 --lon 151.2093 \
		--tz Australia/Sydney &&
	vidx-ingest -d list.db --camera mid "$FIXTURES/h264.ts" >/dev/null
'

test_expect_success 'list: a table, one row per camera, by id' '
	vidx-camera -d list.db list >out 2>err &&
	test ! -s err &&
	sed "s/ *\$//" out >actual &&
	cat >expect <<-EOF &&
	ID               LAT         LON          TZ                    FILES  NAME
	alpha            51.507400   -0.127800    -                         0  Trafalgar
	mid              -33.868800  151.209300   Australia/Sydney          1
	zeta             40.712800   -74.006000   America/New_York          0  City Hall
	EOF
	test_cmp expect actual
'

test_expect_success 'list --json: one object per line, by id, every field' '
	vidx-camera -d list.db list --json >out &&
	test "$(lines out)" = 3 &&
	jqc "del(.created)" out >actual &&
	cat >expect <<-EOF &&
	{"id":"alpha","name":"Trafalgar","lat":51.5074,"lon":-0.1278,"address":"Trafalgar Sq","tz":null,"tags":["ext","ptz"],"recordings":0,"mobile":false}
	{"id":"mid","name":"","lat":-33.8688,"lon":151.2093,"address":"","tz":"Australia/Sydney","tags":[],"recordings":1,"mobile":false}
	{"id":"zeta","name":"City Hall","lat":40.7128,"lon":-74.006,"address":"","tz":"America/New_York","tags":["city"],"recordings":0,"mobile":false}
	EOF
	test_cmp expect actual
'

test_expect_success 'list --geojson: a FeatureCollection of Points at [lon, lat]' '
	vidx-camera -d list.db list --geojson >out &&
	test "$(lines out)" = 1 &&
	jq -e ".type == \"FeatureCollection\" and (.features | length) == 3" out &&
	jq -e "all(.features[]; .type == \"Feature\" and .geometry.type == \"Point\"
		and (.geometry.coordinates | length) == 2)" out &&
	jqc ".features[] | [.id, .geometry.coordinates, .properties.id,
		.properties.name, .properties.tz, .properties.tags,
		.properties.recordings]" out >actual &&
	cat >expect <<-EOF &&
	["alpha",[-0.1278,51.5074],"alpha","Trafalgar",null,["ext","ptz"],0]
	["mid",[151.2093,-33.8688],"mid","","Australia/Sydney",[],1]
	["zeta",[-74.006,40.7128],"zeta","City Hall","America/New_York",["city"],0]
	EOF
	test_cmp expect actual
'

test_expect_success 'list of an index without cameras' '
	printf "id,lat,lon\n" >hdr.csv &&
	vidx-camera -d none.db import hdr.csv 2>err &&
	grep "imported 0 cameras from hdr.csv" err &&
	vidx-camera -d none.db list --json >out && test ! -s out &&
	vidx-camera -d none.db list --geojson >actual &&
	echo "{\"type\":\"FeatureCollection\",\"features\":[]}" >expect &&
	test_cmp expect actual &&
	vidx-camera -d none.db list >out && test "$(lines out)" = 1 &&
	grep "^ID  *LAT  *LON  *TZ  *FILES  *NAME$" out
'

# ---- import ----------------------------------------------------------------

test_expect_success 'import CSV: any column order, quotes, doubled quotes, CRLF, ; tags' '
	printf "%s\r\n" \
		"tags,lon,lat,id,name,address,tz" \
		"\"ext;door\",-73.99,40.75,deli,\"Deli, Corner\",\"12 \"\"Main\"\" St, NY\",America/New_York" \
		",-74.01,40.70,city-7,City cam 7,," \
		"ptz; roof ,2.35,48.85,paris.1,\"\",\"\",Europe/Paris" >cams.csv &&
	vidx-camera -d csv.db import cams.csv >out 2>err &&
	test ! -s out &&
	test "$(cat err)" = "vidx-camera: imported 3 cameras from cams.csv" &&
	vidx-camera -d csv.db list --json | jqc "del(.created)" >actual &&
	cat >expect <<-EOF &&
	{"id":"city-7","name":"City cam 7","lat":40.7,"lon":-74.01,"address":"","tz":null,"tags":[],"recordings":0,"mobile":false}
	{"id":"deli","name":"Deli, Corner","lat":40.75,"lon":-73.99,"address":"12 \"Main\" St, NY","tz":"America/New_York","tags":["ext","door"],"recordings":0,"mobile":false}
	{"id":"paris.1","name":"","lat":48.85,"lon":2.35,"address":"","tz":"Europe/Paris","tags":["ptz","roof"],"recordings":0,"mobile":false}
	EOF
	test_cmp expect actual &&
	intact csv.db
'

test_expect_success 'import CSV: only id,lat,lon; BOM; blank lines; no final newline' '
	printf "\357\273\277lat,id,lon\n\n1.5,a,2.5\n\n-1,b,-2" >min.csv &&
	vidx-camera -d min-csv.db import min.csv 2>err &&
	grep "imported 2 cameras from min.csv" err &&
	vidx-camera -d min-csv.db list --json | jqc "[.id, .lat, .lon, .name, .tz]" >actual &&
	printf "%s\n" "[\"a\",1.5,2.5,\"\",null]" "[\"b\",-1,-2,\"\",null]" >expect &&
	test_cmp expect actual
'

test_expect_success 'import CSV: a quoted field may hold a line break' '
	printf "id,lat,lon,address\nml,1,2,\"1 Main St\nSuite 4\"\n" >ml.csv &&
	vidx-camera -d ml.db import ml.csv 2>/dev/null &&
	show ml ml.db | jq -r .address >actual &&
	printf "1 Main St\nSuite 4\n" >expect && test_cmp expect actual
'

test_expect_success 'import is all or nothing: a bad row on line 3 leaves no camera' '
	vidx-camera -d all.db add before --lat 1 --lon 1 &&
	printf "%s\n" id,name,lat,lon,tz first,First,10,10,UTC second,Second,95,10,UTC \
		third,Third,10,10,UTC >bad.csv &&
	test_expect_code 1 vidx-camera -d all.db import bad.csv >out 2>err &&
	test ! -s out &&
	test "$(lines err)" = 1 &&
	grep "^vidx-camera: bad.csv: line 3: camera .second.: latitude 95 is out of range" err &&
	test "$(ids all.db)" = before &&
	test "$(sqlite3 all.db "PRAGMA integrity_check")" = ok &&
	test "$(rows all.db cameras)" = 1 &&
	test "$(rows all.db camera_geo)" = 1
'

test_expect_success 'import: each kind of bad CSV row is named by file and line' '
	h=id,lat,lon,tz &&
	printf "%s\n" $h a,1,2, b,x,4, >nan.csv &&
	printf "%s\n" $h a,1,2, b,1 >fields.csv &&
	printf "%s\n" $h a,1,2, a,3,4, >dup.csv &&
	printf "%s\n" $h a,1,2, before,3,4, >taken.csv &&
	printf "%s\n" $h a,1,2, b,3,4,Nowhere/Land >tz.csv &&
	printf "%s\n" $h a,1,2, ../b,3,4, >id.csv &&
	printf "%s\n" $h a,1,2, "\"b,3,4," >quote.csv &&
	printf "%s\n" $h a,1,2, b,,4, >empty.csv &&
	test_expect_code 1 vidx-camera -d all.db import nan.csv 2>err &&
	grep "^vidx-camera: nan.csv: line 3: latitude and longitude must be numbers" err &&
	test_expect_code 1 vidx-camera -d all.db import fields.csv 2>err &&
	grep "^vidx-camera: fields.csv: line 3: wrong number of fields" err &&
	test_expect_code 1 vidx-camera -d all.db import dup.csv 2>err &&
	grep "^vidx-camera: dup.csv: line 3: camera .a. already exists" err &&
	test_expect_code 1 vidx-camera -d all.db import taken.csv 2>err &&
	grep "^vidx-camera: taken.csv: line 3: camera .before. already exists" err &&
	test_expect_code 1 vidx-camera -d all.db import tz.csv 2>err &&
	grep "^vidx-camera: tz.csv: line 3: camera .b.: unknown time zone .Nowhere/Land." err &&
	test_expect_code 1 vidx-camera -d all.db import id.csv 2>err &&
	grep "^vidx-camera: id.csv: line 3: invalid camera id .\.\./b." err &&
	test_expect_code 1 vidx-camera -d all.db import quote.csv 2>err &&
	grep "^vidx-camera: quote.csv: line 3: malformed CSV" err &&
	test_expect_code 1 vidx-camera -d all.db import empty.csv 2>err &&
	grep "^vidx-camera: empty.csv: line 3: latitude and longitude must be numbers" err &&
	test "$(ids all.db)" = before &&
	intact all.db
'

test_expect_success 'import: a bad CSV header is named (line 1)' '
	printf "%s\n" id,lat,lon,colour a,1,2,red >col.csv &&
	test_expect_code 1 vidx-camera -d all.db import col.csv 2>err &&
	grep "^vidx-camera: col.csv: line 1: unknown column .colour." err &&
	printf "%s\n" id,name,lat a,x,1 >req.csv &&
	test_expect_code 1 vidx-camera -d all.db import req.csv 2>err &&
	grep "^vidx-camera: req.csv: line 1: columns id, lat and lon are required" err &&
	: >void.csv &&
	test_expect_code 1 vidx-camera -d all.db import void.csv 2>err &&
	grep "^vidx-camera: void.csv: empty or unreadable CSV" err &&
	test "$(ids all.db)" = before
'

test_expect_success 'import: the line named is the line in the file, past a quoted line break' '
	printf "id,lat,lon,address\nml,1,2,\"1 Main St\nSuite 4\"\nbad,1,99x,z\n" >ml-bad.csv &&
	test_expect_code 1 vidx-camera -d all.db import ml-bad.csv 2>err &&
	sed -n 4p ml-bad.csv | grep "^bad," &&
	grep "^vidx-camera: ml-bad.csv: line 4: latitude and longitude must be numbers" err &&
	test "$(ids all.db)" = before
'

test_expect_success 'import of a file that is not there: exit 1, named' '
	test_expect_code 1 vidx-camera -d all.db import missing.csv 2>err &&
	test "$(cat err)" = "vidx-camera: cannot open '"'"'missing.csv'"'"': No such file or directory"
'

test_expect_success 'import GeoJSON: Points, tags as an array or a string, feature id' '
	cat >cams.geojson <<-EOF &&
	{"type": "FeatureCollection", "features": [
	  {"type": "Feature",
	   "geometry": {"type": "Point", "coordinates": [-73.99, 40.75]},
	   "properties": {"id": "deli", "name": "Deli, Corner",
	                  "address": "12 \"Main\" St", "tz": "America/New_York",
	                  "tags": ["ext", "door"]}},
	  {"type": "Feature", "id": "city-7",
	   "geometry": {"type": "Point", "coordinates": [-74.01, 40.70, 12.5]},
	   "properties": {"name": "City 7", "tags": "ptz;city"}},
	  {"type": "Feature",
	   "geometry": {"type": "Point", "coordinates": [0, 0]},
	   "properties": {"id": "null-island"}}
	]}
	EOF
	vidx-camera -d gj.db import cams.geojson >out 2>err &&
	test ! -s out &&
	grep "^vidx-camera: imported 3 cameras from cams.geojson$" err &&
	vidx-camera -d gj.db list --json | jqc "del(.created)" >actual &&
	cat >expect <<-EOF &&
	{"id":"city-7","name":"City 7","lat":40.7,"lon":-74.01,"address":"","tz":null,"tags":["ptz","city"],"recordings":0,"mobile":false}
	{"id":"deli","name":"Deli, Corner","lat":40.75,"lon":-73.99,"address":"12 \"Main\" St","tz":"America/New_York","tags":["ext","door"],"recordings":0,"mobile":false}
	{"id":"null-island","name":"","lat":0,"lon":0,"address":"","tz":null,"tags":[],"recordings":0,"mobile":false}
	EOF
	test_cmp expect actual
'

test_expect_success 'list --geojson imports back into a new index unchanged' '
	vidx-camera -d gj.db list --geojson >round.geojson &&
	vidx-camera -d round.db import round.geojson 2>/dev/null &&
	vidx-camera -d gj.db list --json | jqc "del(.created)" >expect &&
	vidx-camera -d round.db list --json | jqc "del(.created)" >actual &&
	test_cmp expect actual
'

test_expect_success 'import GeoJSON is all or nothing, the bad feature named' '
	vidx-camera -d gjbad.db add before --lat 1 --lon 1 &&
	ok="{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]},\"properties\":{\"id\":\"g1\"}}" &&
	for f in \
		"{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[1,2],[3,4]]},\"properties\":{\"id\":\"g2\"}}" \
		"{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[200,2]},\"properties\":{\"id\":\"g2\"}}" \
		"{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]},\"properties\":{\"name\":\"no id\"}}" \
		"{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]},\"properties\":{\"id\":\"g2\",\"tz\":\"Nowhere/Land\"}}" \
		"{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]},\"properties\":{\"id\":\"g1\"}}" \
		"{\"type\":\"Feature\",\"geometry\":null,\"properties\":{\"id\":\"g2\"}}"; do
		echo "{\"type\":\"FeatureCollection\",\"features\":[$ok,$f]}" >bad.geojson &&
		test_expect_code 1 vidx-camera -d gjbad.db import bad.geojson 2>err &&
		grep "^vidx-camera: bad.geojson: feature 2: " err &&
		test "$(ids gjbad.db)" = before || exit 1
	done &&
	intact gjbad.db
'

test_expect_success 'import: broken JSON or not a FeatureCollection, named' '
	printf "{\"type\":\"FeatureCollection\",\n\"features\":[\n" >cut.geojson &&
	test_expect_code 1 vidx-camera -d gjbad.db import cut.geojson 2>err &&
	grep "^vidx-camera: cut.geojson: line [0-9]*: " err &&
	echo "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]}}" >one.geojson &&
	test_expect_code 1 vidx-camera -d gjbad.db import one.geojson 2>err &&
	grep "^vidx-camera: one.geojson: not a GeoJSON FeatureCollection" err &&
	test "$(ids gjbad.db)" = before
'

# ---- clock -----------------------------------------------------------------

test_expect_success 'clock: local times are read in the camera zone' '
	vidx-camera -d clk.db add ny --lat 40.7 --lon -74 --tz America/New_York &&
	vidx-camera -d clk.db clock ny --camera-time "2022-07-04 21:25:10" \
		--true-time "2022-07-04 21:22:00" --by "Det. Smith" \
		--note "DVR vs phone clock" >out 2>err &&
	test ! -s out && test ! -s err &&
	vidx-camera -d clk.db clock --json ny >out &&
	test "$(lines out)" = 1 &&
	jqc "del(.recorded)" out >actual &&
	echo "{\"camera\":\"ny\",\"id\":1,\"camera_time\":\"2022-07-05T01:25:10.000Z\",\"true_time\":\"2022-07-05T01:22:00.000Z\",\"offset_s\":190,\"camera_time_raw\":\"2022-07-04 21:25:10\",\"true_time_raw\":\"2022-07-04 21:22:00\",\"by\":\"Det. Smith\",\"note\":\"DVR vs phone clock\"}" >expect &&
	test_cmp expect actual &&
	jq -r .recorded out |
		grep -E "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$"
'

test_expect_success 'clock: times with an offset, Z or @seconds ignore the zone' '
	vidx-camera -d clk.db add tokyo --lat 35.68 --lon 139.76 --tz Asia/Tokyo &&
	vidx-camera -d clk.db clock tokyo --camera-time 2022-07-01T12:00:00+02:00 \
		--true-time 2022-07-01T10:00:05Z --by a &&
	vidx-camera -d clk.db clock tokyo --camera-time @1656800000.5 \
		--true-time 2022-07-02T22:13:10.250-00:00 --by b &&
	vidx-camera -d clk.db clock --json tokyo |
		jqr "[.camera_time, .true_time, .offset_s, .camera_time_raw] | @tsv" >actual &&
	printf "%s\t%s\t%s\t%s\n" \
		2022-07-01T10:00:00.000Z 2022-07-01T10:00:05.000Z -5 2022-07-01T12:00:00+02:00 \
		2022-07-02T22:13:20.500Z 2022-07-02T22:13:10.250Z 10.25 @1656800000.5 >expect &&
	test_cmp expect actual
'

test_expect_success 'clock: a camera without a zone reads local times in $TZ' '
	vidx-camera -d clk.db add nozone --lat 1 --lon 1 &&
	TZ=Europe/Berlin vidx-camera -d clk.db clock nozone \
		--camera-time "2022-01-10 12:00:30" --true-time "2022-01-10 12:00:00" --by x &&
	vidx-camera -d clk.db clock --json nozone | jq -r ".camera_time, .true_time" >actual &&
	printf "%s\n" 2022-01-10T11:00:30.000Z 2022-01-10T11:00:00.000Z >expect &&
	test_cmp expect actual
'

test_expect_success 'clock: observations are listed by camera time' '
	vidx-camera -d ord.db add ord --lat 1 --lon 1 --tz UTC &&
	for o in "2022-07-03 10:00:00 fourth" "2022-07-01 10:00:00 second" \
		"2022-07-02 10:00:00 third" "2022-07-03 10:00:00 fifth"; do
		t=${o% *} &&
		vidx-camera -d ord.db clock ord --camera-time "$t" --true-time "$t" \
			--by "${o##* }" || exit 1
	done &&
	vidx-camera -d ord.db clock ord --camera-time "2022-07-01 09:00:00" \
		--true-time "2022-07-01 08:58:00" --by first --note "two minutes fast" &&
	vidx-camera -d ord.db clock --json ord | jq -r "[.by, .camera_time] | @tsv" >actual &&
	printf "%s\t%s\n" first 2022-07-01T09:00:00.000Z second 2022-07-01T10:00:00.000Z \
		third 2022-07-02T10:00:00.000Z fourth 2022-07-03T10:00:00.000Z \
		fifth 2022-07-03T10:00:00.000Z >expect &&
	test_cmp expect actual &&
	vidx-camera -d ord.db clock ord >out &&
	test "$(lines out)" = 6 &&
	head -n 1 out | grep "^CAMERA TIME  *TRUE TIME  *OFFSET_S  *BY  *NOTE$" &&
	sed -n 2p out | grep "^2022-07-01T09:00:00.000Z  2022-07-01T08:58:00.000Z  *+120.000  first  *two minutes fast$"
'

test_expect_success 'clock: a camera with no observations lists nothing' '
	vidx-camera -d clk.db add bare --lat 1 --lon 1 &&
	vidx-camera -d clk.db clock bare >out 2>err && test ! -s out && test ! -s err &&
	vidx-camera -d clk.db clock --json bare >out && test ! -s out
'

test_expect_success 'clock: --by defaults to $USER' '
	USER=alice vidx-camera -d clk.db clock bare --camera-time "2022-07-01 10:00" \
		--true-time "2022-07-01 10:00" &&
	USER=alice vidx-camera -d clk.db clock bare --camera-time "2022-07-02 10:00" \
		--true-time "2022-07-02 10:00" --by bob &&
	vidx-camera -d clk.db clock --json bare | jq -r .by >actual &&
	printf "%s\n" alice bob >expect && test_cmp expect actual
'

test_expect_success 'clock: an ambiguous fall-back time is refused, nothing stored' '
	test_expect_code 1 vidx-camera -d clk.db clock ny --camera-time "2022-11-06 01:30:00" \
		--true-time 2022-11-06T05:30:00Z --by x 2>err &&
	grep "^vidx-camera: .2022-11-06 01:30:00. is ambiguous in America/New_York" err &&
	test_expect_code 1 vidx-camera -d clk.db clock ny --camera-time 2022-11-06T06:31:00Z \
		--true-time "2022-11-06 01:30:00" --by x 2>err &&
	grep "ambiguous" err &&
	test_expect_code 1 vidx-camera -d clk.db clock ny --camera-time "2022-03-13 02:30:00" \
		--true-time 2022-03-13T07:30:00Z --by x 2>err &&
	grep "does not exist in America/New_York" err &&
	test "$(vidx-camera -d clk.db clock --json ny | lines /dev/stdin)" = 1
'

test_expect_success 'clock: the same fall-back time with its offset is accepted' '
	vidx-camera -d clk.db clock ny --camera-time 2022-11-06T01:30:00-05:00 \
		--true-time 2022-11-06T01:29:00-05:00 --by offset &&
	vidx-camera -d clk.db clock --json ny |
		jqr "select(.by == \"offset\") | .camera_time, .offset_s" >actual &&
	printf "%s\n" 2022-11-06T06:30:00.000Z 60 >expect && test_cmp expect actual
'

test_expect_success 'clock: a time that cannot be read fails, nothing stored' '
	test_expect_code 1 vidx-camera -d ord.db clock ord --camera-time yesterday \
		--true-time "2022-07-01 10:00" --by x 2>err &&
	grep "cannot read time .yesterday." err &&
	test_expect_code 1 vidx-camera -d ord.db clock ord --camera-time "2022-02-30 10:00" \
		--true-time "2022-07-01 10:00" --by x 2>err &&
	grep "2022-02-30 10:00" err &&
	test_expect_code 1 vidx-camera -d ord.db clock ord --camera-time "2022-07-01 10:00" \
		--true-time "" --by x 2>err &&
	test "$(vidx-camera -d ord.db clock --json ord | lines /dev/stdin)" = 5
'

test_expect_success 'clock of an unknown camera fails (exit 1), stores nothing' '
	test_expect_code 1 vidx-camera -d clk.db clock nope --camera-time 2022-07-01T10:00Z \
		--true-time 2022-07-01T10:00Z --by x 2>err &&
	test "$(cat err)" = "vidx-camera: unknown camera '"'"'nope'"'"'" &&
	test_expect_code 1 vidx-camera -d clk.db clock nope >out 2>err &&
	test ! -s out && grep "unknown camera .nope." err &&
	test "$(sqlite3 clk.db "SELECT count(*) FROM clock_obs WHERE camera_id = '"'"'nope'"'"'")" = 0
'

test_expect_success 'clock: give both times, or neither (usage error)' '
	test_expect_code 2 vidx-camera -d clk.db clock ny --camera-time 2022-07-01T10:00Z 2>err &&
	grep "give both --camera-time and --true-time" err &&
	test_expect_code 2 vidx-camera -d clk.db clock ny --true-time 2022-07-01T10:00Z 2>err &&
	grep "give both" err
'

test_expect_success 'clock: --note or --by without the times is a usage error' '
	test_expect_code 2 vidx-camera -d clk.db clock ny --note "meant to add" >out 2>err &&
	test ! -s out &&
	test_expect_code 2 vidx-camera -d clk.db clock ny --by someone >out 2>err &&
	test ! -s out &&
	test_expect_code 2 vidx-camera -d clk.db list --by someone >out 2>err
'

test_expect_success 'clock observations survive set --tz; times stay as stored' '
	vidx-camera -d clk.db clock --json ny | jq -c "del(.recorded)" >before &&
	vidx-camera -d clk.db set ny --tz Europe/London &&
	vidx-camera -d clk.db clock --json ny | jq -c "del(.recorded)" >after &&
	test_cmp before after &&
	vidx-camera -d clk.db clock ny --camera-time "2022-07-04 21:25:10" \
		--true-time "2022-07-04 21:22:00" --by after-set &&
	vidx-camera -d clk.db clock --json ny |
		jq -r "select(.by == \"after-set\") | .camera_time" >actual &&
	echo 2022-07-04T20:25:10.000Z >expect && test_cmp expect actual
'

# ---- the index: -d, $VIDX_DB, missing ----------------------------------------------

test_expect_success '-d, --db and $VIDX_DB choose the index; -d wins' '
	mkdir dbsel && cd dbsel &&
	VIDX_DB=env.db vidx-camera add e1 --lat 1 --lon 1 &&
	test -f env.db && test ! -e vidx.db &&
	test "$(VIDX_DB=env.db vidx-camera list --json | jq -r .id)" = e1 &&
	VIDX_DB=env.db vidx-camera -d opt.db add o1 --lat 1 --lon 1 &&
	VIDX_DB=env.db vidx-camera --db opt.db add o2 --lat 1 --lon 1 &&
	test "$(ids opt.db | tr "\n" " ")" = "o1 o2 " &&
	test "$(ids env.db)" = e1 &&
	export VIDX_DB=env.db &&
	vidx-camera show e1 >/dev/null &&
	test_expect_code 1 vidx-camera show o1 2>/dev/null
'

test_expect_success 'without -d or $VIDX_DB (or with it empty) the index is ./vidx.db' '
	mkdir dflt && cd dflt &&
	VIDX_DB= vidx-camera add d1 --lat 1 --lon 1 &&
	vidx-camera add d2 --lat 1 --lon 1 &&
	ls -A >../dflt.ls && echo vidx.db >../dflt.expect &&
	test_cmp ../dflt.expect ../dflt.ls &&
	test "$(sqlite3 vidx.db "SELECT group_concat(id) FROM cameras")" = d1,d2
'

test_expect_success 'a missing index: every command but add and import fails, creates nothing' '
	mkdir missing && cd missing &&
	for c in list "list --json" "list --geojson" "show x" "show --json x" \
		"set x --name y" "rm x" "rm --force x" "clock x" \
		"clock x --camera-time 2022-07-01T10:00Z --true-time 2022-07-01T10:00Z"; do
		test_expect_code 1 vidx-camera $c >out 2>err &&
		test ! -s out &&
		test "$(cat err)" = "vidx-camera: no index at '"'"'./vidx.db'"'"': No such file or directory" &&
		test_expect_code 1 vidx-camera -d sub/x.db $c 2>err &&
		grep "no index at .sub/x.db." err &&
		rm out err && test -z "$(ls -A)" || exit 1
	done
'

test_expect_success 'eight adds at once on a new index all succeed' '
	mkdir race && cd race &&
	for i in 1 2 3 4 5 6 7 8; do
		vidx-camera add "c$i" --lat "$i" --lon "$i" 2>"err$i" &
	done &&
	wait &&
	cat err1 err2 err3 err4 err5 err6 err7 err8 >err && test ! -s err &&
	test "$(ids | tr "\n" " ")" = "c1 c2 c3 c4 c5 c6 c7 c8 " &&
	intact vidx.db
'

test_expect_success 'add creates the index, with the schema in WAL mode' '
	mkdir create && cd create &&
	vidx-camera add c --lat 1 --lon 1 &&
	test "$(sqlite3 vidx.db "PRAGMA journal_mode")" = wal &&
	test "$(sqlite3 vidx.db "PRAGMA user_version")" -ge 1 &&
	test "$(sqlite3 vidx.db "SELECT tags FROM cameras")" = ""
'

test_expect_success 'a file that is not an index is refused and left as it was' '
	echo "case notes, not a database" >notes.txt && cp notes.txt notes.orig &&
	test_expect_code 1 vidx-camera -d notes.txt add c --lat 1 --lon 1 2>err &&
	grep "not a database" err &&
	test_expect_code 1 vidx-camera -d notes.txt list 2>err &&
	cmp notes.txt notes.orig &&
	mkdir adir &&
	test_expect_code 1 vidx-camera -d adir list 2>err &&
	grep "index .adir. is not a regular file" err
'

test_expect_success 'a full standard output is a failure (exit 1), named' '
	for c in list "list --json" "list --geojson" "show s1" "show --json s1"; do
		test_expect_code 1 vidx-camera -d set.db $c >/dev/full 2>err &&
		grep "^vidx-camera: write error on standard output" err || exit 1
	done &&
	test_expect_code 1 vidx-camera -d clk.db clock ny >/dev/full 2>err &&
	grep "write error" err
'

# ---- usage ---------------------------------------------------------------------

test_expect_success 'usage errors exit 2, point at --help, touch nothing' '
	mkdir usage && cd usage &&
	test_expect_code 2 vidx-camera >out 2>err &&
	grep "^vidx-camera: no command" err && grep "^Try .vidx-camera --help." err &&
	test_expect_code 2 vidx-camera frob x 2>err &&
	grep "^vidx-camera: unknown command .frob." err &&
	test_expect_code 2 vidx-camera add c --lon 1 2>err &&
	grep "add: --lat and --lon are required" err &&
	test_expect_code 2 vidx-camera add c --lat 1 2>err &&
	grep "add: --lat and --lon are required" err &&
	test_expect_code 2 vidx-camera add --lat 1 --lon 1 2>err &&
	grep "add: missing camera id" err &&
	test_expect_code 2 vidx-camera show 2>err && grep "show: missing camera id" err &&
	test_expect_code 2 vidx-camera import 2>err && grep "import: missing file" err &&
	test_expect_code 2 vidx-camera list extra 2>err && grep "list takes no argument" err &&
	test_expect_code 2 vidx-camera show a b 2>err && grep "unexpected argument .b." err &&
	test_expect_code 2 vidx-camera --bogus list 2>err && grep "bogus" err &&
	test_expect_code 2 vidx-camera list --name x 2>err &&
	grep "camera fields are for add and set" err &&
	test_expect_code 2 vidx-camera add c --lat 1 --lon 1 --camera-time 2022-07-01T10:00Z 2>err &&
	grep "are for clock" err &&
	test_expect_code 2 vidx-camera -d 2>err &&
	test ! -s out && test -z "$(ls -A | grep -v "^out$" | grep -v "^err$")"
'

test_expect_success 'an unknown command is named as such, even without an argument' '
	test_expect_code 2 vidx-camera frob 2>err &&
	grep "^vidx-camera: unknown command .frob." err
'

test_expect_success '--help: the usage on stdout, exit 0' '
	vidx-camera --help >out 2>err && test ! -s err &&
	head -n 1 out | grep "^usage: vidx-camera \[-d db\] add id --lat lat --lon lon" &&
	for c in add set rm list show import clock; do
		grep "vidx-camera \[-d db\] $c " out || exit 1
	done &&
	vidx-camera -h >out2 && test_cmp out out2 &&
	vidx-camera list --help >out3 && test_cmp out out3
'

test_expect_success '--version and -V' '
	vidx-camera --version >out && grep "^vidx-camera (vidx) [0-9][0-9.]*$" out &&
	vidx-camera -V >out2 && test_cmp out out2
'

test_expect_success 'the man page SYNOPSIS is the usage' '
	man=${VIDX_SRC:-$(dirname "$FIXTURES")}/man/vidx-camera.1 &&
	bs=$(printf "\b") &&
	mandoc -Tascii "$man" | sed "s/.$bs//g" | sed -n "/^SYNOPSIS/,/^DESCRIPTION/p" |
		sed "1d;\$d" >syn.txt &&
	vidx-camera --help | sed -n "1,/^\$/p" | sed "s/^usage://" >use.txt &&
	for f in syn.txt use.txt; do
		{ tr "\t\n" "  " <$f | tr -s " " && echo; } |
			sed "s/ *vidx-camera \[/\nvidx-camera [/g" | sed "/^\$/d; s/ *\$//" >$f.forms ||
			exit 1
	done &&
	test "$(lines use.txt.forms)" = 10 &&
	test_cmp use.txt.forms syn.txt.forms
'

test_done
