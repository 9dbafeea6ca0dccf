#!/bin/sh
# vidx-camera export: the whole registry, clock observations included, as
# GeoJSON that import reads back into another index unchanged (byte for
# byte on a second export), so every shard is made with the same cameras
# and answers a question the same; read by gpsbabel as well.
. "$(dirname "$0")/lib.sh"

# ids as text in compact JSON lines
jqc() {
	jq -c "walk(if type == \"number\" then . + 0 else . end) | $1" ${2+"$2"}
}

test_expect_success 'set-up: a registry with every kind of field and clock observations' '
	vidx-camera -d a.db import "$FIXTURES/demo-cameras.csv" 2>/dev/null &&
	vidx-camera -d a.db add "bare" --lat -33.8688197 --lon 151.2092955 &&
	vidx-camera -d a.db add cafe-7 --lat 48.8566 --lon 2.3522 --tz Europe/Paris \
		--name "$(printf "Caf\303\251 \"Le Coin\"")" --address "1 rue X, Paris" --tag ext --tag door &&
	vidx-camera -d a.db clock corner-store --camera-time "2022-07-04 21:25:10" \
		--true-time "2022-07-04 21:22:00" --by "Det. Ruiz" --note "phone GPS, \"NTP\" app" &&
	vidx-camera -d a.db clock corner-store --camera-time "2022-07-05 09:00:00.250" \
		--true-time "2022-07-05T12:56:40-04:00" --by tech &&
	vidx-camera -d a.db clock cafe-7 --camera-time "2022-07-04T10:00:00Z" \
		--true-time "2022-07-04 11:59:00" --by "$(printf "J. M\303\274ller")" --note "line one" &&
	test "$(vidx-camera -d a.db list --json | wc -l)" = 6
'

test_expect_success 'export: one FeatureCollection with every camera and its observations' '
	vidx-camera -d a.db export >reg.geojson 2>err && test ! -s err &&
	test "$(jq -r .type reg.geojson)" = FeatureCollection &&
	test "$(jq ".features | length" reg.geojson)" = 6 &&
	test "$(jq "[.features[].properties.clock | length] | add" reg.geojson)" = 3 &&
	jq -c ".features[] | select(.id == \"corner-store\") | .properties.clock[0] |
		[.camera_time_raw, .true_time_raw, .camera_time_us, .true_time_us, .by, .note]" reg.geojson >actual &&
	echo "[\"2022-07-04 21:25:10\",\"2022-07-04 21:22:00\",1656984310000000,1656984120000000,\"Det. Ruiz\",\"phone GPS, \\\"NTP\\\" app\"]" >expect &&
	test_cmp expect actual &&
	test "$(jq -r ".features[] | select(.id == \"bare\") | .properties | [.tz, (.tags | length), .name] | @json" reg.geojson)" = "[null,0,\"\"]"
'

test_expect_success 'gpsbabel reads the export: the same points and names' '
	gpsbabel -i geojson -f reg.geojson -o unicsv -F babel.csv &&
	tr -d "\r" <babel.csv >b.csv &&
	head -n 1 b.csv | grep "^No,Latitude,Longitude,Name" &&
	sed 1d b.csv | awk -F, "{ printf \"%.6f,%.6f\n\", \$2, \$3 }" | sort >b.pos &&
	vidx-camera -d a.db list --json | jq -r "[.lat, .lon] | @tsv" |
		awk "{ printf \"%.6f,%.6f\n\", \$1, \$2 }" | sort >v.pos &&
	test_cmp v.pos b.pos &&
	test "$(lines b.pos)" = 6 &&
	grep -F ",\"Pharmacy, old analog box\"" b.csv &&
	grep -F "$(printf "Caf\303\251 \"\"Le Coin\"\"")" b.csv
'

test_expect_success 'import into a new index: the same cameras, created times and observations' '
	vidx-camera -d b.db import reg.geojson 2>err &&
	test "$(cat err)" = "vidx-camera: imported 6 cameras from reg.geojson" &&
	vidx-camera -d a.db list --json >expect && vidx-camera -d b.db list --json >actual &&
	test_cmp expect actual &&
	for c in $(vidx-camera -d a.db list --json | jq -r .id); do
		vidx-camera -d a.db clock --json "$c" | jqc "del(.id)" >expect &&
		vidx-camera -d b.db clock --json "$c" | jqc "del(.id)" >actual &&
		test_cmp expect actual || exit 1
	done &&
	# every stored field, to the microsecond (the ids are each index s own)
	for d in a b; do
		sqlite3 $d.db "SELECT camera_id, camera_time, true_time, camera_time_raw,
			true_time_raw, by, note, recorded FROM clock_obs ORDER BY 1, 2, 8" >obs.$d &&
		sqlite3 $d.db "SELECT id, name, lat, lon, address, tz, tags, created
			FROM cameras ORDER BY id" >cams.$d || exit 1
	done &&
	test_cmp obs.a obs.b && test_cmp cams.a cams.b && test "$(lines obs.a)" = 3
'

test_expect_success 'export of the imported registry is the same bytes' '
	vidx-camera -d b.db export >reg2.geojson &&
	cmp reg.geojson reg2.geojson &&
	vidx-camera -d c.db import reg2.geojson 2>/dev/null &&
	vidx-camera -d c.db export | cmp - reg.geojson
'

test_expect_success 'a mobile camera: no geometry, mobile true; it comes back mobile, the same bytes; gpsbabel reads the fixed ones' '
	cp b.db mob.db &&
	vidx-camera -d mob.db add dash-1 --mobile --name "Patrol car 12 dashcam" --tz America/New_York &&
	vidx-camera -d mob.db clock dash-1 --camera-time "2022-07-04 21:00:05" \
		--true-time "2022-07-04 21:00:00" --by tech &&
	vidx-camera -d mob.db export >mob.geojson &&
	test "$(jq -c ".features[] | select(.id == \"dash-1\") | [.geometry, .properties.mobile, (.properties.clock | length)]" mob.geojson)" = "[null,true,1]" &&
	test "$(jq "[.features[] | select(.properties.mobile == false)] | length" mob.geojson)" = 6 &&
	vidx-camera -d mob2.db import mob.geojson 2>/dev/null &&
	vidx-camera -d mob2.db export | cmp - mob.geojson &&
	test "$(sqlite3 mob2.db "SELECT mobile, quote(lat), quote(lon) FROM cameras WHERE id = '"'"'dash-1'"'"'")" = "1|NULL|NULL" &&
	vidx-camera -d mob.db list --json >expect && vidx-camera -d mob2.db list --json >actual &&
	test_cmp expect actual &&
	gpsbabel -i geojson -f mob.geojson -o unicsv -F mb.csv &&
	test "$(sed 1d mb.csv | grep -c .)" = 6 &&
	# a mobile camera with a position, or mobile not a boolean: refused, named
	jq -c "(.features[] | select(.id == \"dash-1\") | .geometry) = {type: \"Point\", coordinates: [1, 2]}" mob.geojson >bad1.geojson &&
	test_expect_code 1 vidx-camera -d bad.db import bad1.geojson 2>err &&
	grep "^vidx-camera: bad1.geojson: feature 5: a mobile camera has no geometry (null)$" err &&
	jq -c "(.features[] | select(.id == \"dash-1\") | .properties.mobile) = \"yes\"" mob.geojson >bad2.geojson &&
	test_expect_code 1 vidx-camera -d bad.db import bad2.geojson 2>err &&
	grep "^vidx-camera: bad2.geojson: feature 5: mobile must be true or false$" err &&
	test "$(vidx-camera -d bad.db list --json 2>/dev/null | wc -l)" = 0
'

test_expect_success 'positions come back to the last bit (as many digits as that takes)' '
	vidx-camera -d x.db add fine --lat 0.30000000000000004 --lon -72.92561000000001 &&
	vidx-camera -d x.db add round --lat 41.3 --lon -72.9 &&
	vidx-camera -d x.db export >x.geojson &&
	vidx-camera -d y.db import x.geojson 2>/dev/null &&
	for d in x y; do
		sqlite3 $d.db "SELECT id, printf('"'"'%!.20g %!.20g'"'"', lat, lon) FROM cameras ORDER BY id" >pos.$d || exit 1
	done &&
	test_cmp pos.x pos.y &&
	test "$(sqlite3 x.db "SELECT count(*) FROM cameras c JOIN (SELECT 1) WHERE lat = 0.30000000000000004")" = 1 &&
	# the registry itself and a shard made from its export agree
	vidx-merge -d xy.db x.db y.db >/dev/null
'

test_expect_success 'both indexes answer a question the same: the clock correction came along' '
	for d in a b; do
		vidx-ingest -d $d.db -c corner-store "$FIXTURES/dahua.dav" >/dev/null &&
		vidx-query -d $d.db --json -c corner-store --from "2022-07-04 21:20" \
			--to "2022-07-04 21:30" --tz America/New_York >q.$d || exit 1
	done &&
	test_cmp q.a q.b &&
	test "$(jq .correction_ms q.a | head -n 1)" != 0
'

test_expect_success 'an observation written by hand is read in the camera s zone, as clock reads it' '
	cat >hand.geojson <<-EOF &&
	{"type": "FeatureCollection", "features": [
	  {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-72.9, 41.3]},
	   "properties": {"id": "dvr", "tz": "America/New_York",
	     "clock": [{"camera_time": "2022-07-04 21:25:10", "true_time": "2022-07-04 21:22:00",
	                "by": "ann", "note": "GPS"}]}}]}
	EOF
	vidx-camera -d h.db import hand.geojson 2>/dev/null &&
	vidx-camera -d h2.db add dvr --lat 41.3 --lon -72.9 --tz America/New_York &&
	vidx-camera -d h2.db clock dvr --camera-time "2022-07-04 21:25:10" \
		--true-time "2022-07-04 21:22:00" --by ann --note GPS &&
	vidx-camera -d h.db clock --json dvr | jqc "del(.id, .recorded)" >actual &&
	vidx-camera -d h2.db clock --json dvr | jqc "del(.id, .recorded)" >expect &&
	test_cmp expect actual
'

test_expect_success 'a bad observation refuses the whole import, named by feature and observation' '
	vidx-camera -d bad.db add before --lat 1 --lon 1 &&
	pt="\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]}" &&
	for c in "\"x\"" "[{\"camera_time_us\":1}]" "[{\"camera_time_us\":1,\"true_time_us\":2}]" \
		"[{\"camera_time_us\":1.5,\"true_time_us\":2,\"camera_time_raw\":\"a\",\"true_time_raw\":\"b\"}]" \
		"[{\"camera_time\":\"yesterday\",\"true_time\":\"2022-07-04T21:00:00Z\"}]" \
		"[{\"true_time\":\"2022-07-04T21:00:00Z\"}]" "[7]" \
		"[{\"camera_time\":\"2022-07-04T21:00:00Z\",\"true_time\":\"2022-07-04T21:00:00Z\",\"by\":3}]" \
		"[{\"camera_time\":\"2022-07-04T21:00:00Z\",\"true_time\":\"2022-07-04T21:00:00Z\",\"recorded_us\":-1}]"; do
		echo "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",$pt,\"properties\":{\"id\":\"g1\"}},{\"type\":\"Feature\",$pt,\"properties\":{\"id\":\"g2\",\"clock\":$c}}]}" >bad.geojson &&
		test_expect_code 1 vidx-camera -d bad.db import bad.geojson 2>err &&
		grep "^vidx-camera: bad.geojson: feature 2: " err &&
		test "$(lines err)" = 1 &&
		test "$(vidx-camera -d bad.db list --json | jq -r .id)" = before &&
		test "$(sqlite3 bad.db "SELECT count(*) FROM clock_obs")" = 0 || exit 1
	done &&
	echo "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",$pt,\"properties\":{\"id\":\"g1\",\"created_us\":\"now\"}}]}" >bad.geojson &&
	test_expect_code 1 vidx-camera -d bad.db import bad.geojson 2>err &&
	grep "^vidx-camera: bad.geojson: feature 1: created_us must be a whole number" err
'

test_expect_success 'export of an index without cameras; export takes no argument' '
	vidx-camera -d e.db add x --lat 1 --lon 1 && vidx-camera -d e.db rm x &&
	vidx-camera -d e.db export >out &&
	test "$(cat out)" = "{\"type\":\"FeatureCollection\",\"vidx_cameras\":1,\"features\":[]}" &&
	test_expect_code 2 vidx-camera -d e.db export extra 2>err &&
	grep "export takes no argument" err &&
	test_expect_code 1 vidx-camera -d none.db export 2>err && test ! -e none.db
'

test_expect_success 'text that is not UTF-8 never enters, so what is exported imports as the same bytes, and merges' '
	test_expect_code 1 vidx-camera -d u8.db add c1 --lat 1 --lon 2 \
		--name "$(printf "a\377b \342\200\256")" 2>err &&
	grep "^vidx-camera: camera .c1.: the name is not valid UTF-8$" err &&
	test -z "$(vidx-camera -d u8.db list --json)" &&
	n=$(printf "ab \342\200\256 \360\237\223\267") &&
	vidx-camera -d u8.db add c1 --lat 1 --lon 2 --name "$n" --address "$n" &&
	vidx-camera -d u8.db clock c1 --camera-time @100 --true-time @105 --by "$n" --note "$n" &&
	vidx-camera -d u8.db export >u8.json &&
	vidx-camera -d u8i.db import u8.json 2>/dev/null &&
	for d in u8 u8i; do
		sqlite3 $d.db "SELECT hex(name), hex(address) FROM cameras;
			SELECT hex(by), hex(note) FROM clock_obs" >hex.$d || exit 1
	done &&
	test_cmp hex.u8 hex.u8i && grep -q "E280AE20F09F93B7" hex.u8 &&
	vidx-merge -d u8.db u8i.db 2>err &&
	test "$(sqlite3 u8.db "SELECT count(*) FROM cameras")" = 1
'

test_expect_success 'an observation an older vidx stored as bytes: export refused, the camera named' '
	cp u8.db old.db &&
	sqlite3 old.db "UPDATE clock_obs SET note = CAST(x'"'"'61ff'"'"' AS TEXT)" &&
	test_expect_code 1 vidx-camera -d old.db export >out 2>err &&
	grep "^vidx-camera: camera .c1.: its clock observations hold bytes that are not UTF-8" err &&
	test ! -s out
'

test_done
