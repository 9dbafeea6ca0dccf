#!/bin/sh
# Mobile cameras (a witness's phone, a dashcam, a drone): no position of
# their own, each recording keeps its own place or track; the schema
# migration that allows them, from an index written by the previous vidx;
# vidx-ls's place output.
. "$(dirname "$0")/lib.sh"
. "$VIDX_SRC/tests/cli/geo.sh"

for t in ffmpeg gpsbabel sqlite3; do
	command -v $t >/dev/null 2>&1 || { echo "1..0 # SKIP $t not installed"; exit 0; }
done

# phone NAME ISO6709 DATE: an iPhone-style MOV
phone() {
	ffmpeg -nostdin -loglevel error -y -i base.mp4 -c copy -map 0 \
		-movflags use_metadata_tags \
		-metadata com.apple.quicktime.location.ISO6709="$2" \
		-metadata com.apple.quicktime.creationdate="$3" \
		-metadata com.apple.quicktime.make=Apple "$1"
}

test_expect_success 'camera add --mobile: no position; list, show, JSON, GeoJSON' '
	vidx-camera add witness-1 --mobile --name "Witness phone (J. Doe)" --tz America/New_York &&
	vidx-camera add pole-1 --lat 41.30568 --lon -72.92561 &&
	vidx-camera list >out && grep "^witness-1  *mobile  *-  *America/New_York  *0  Witness phone" out &&
	vidx-camera show witness-1 | grep "^position   mobile" &&
	vidx-camera show --json witness-1 |
		jq -e ".mobile == true and .lat == null and .lon == null" &&
	vidx-camera show --json pole-1 | jq -e ".mobile == false and .lat == 41.30568" &&
	vidx-camera list --geojson | jq -e "[.features[].geometry] == [{\"type\":\"Point\",\"coordinates\":[-72.92561,41.30568]}, null]" &&
	test "$(sqlite3 vidx.db "SELECT count(*) FROM camera_geo")" = 1
'

test_expect_success 'list --geojson with a mobile camera imports again, as the man page says' '
	vidx-camera list --geojson >cams.geojson &&
	vidx-camera -d copy.db import cams.geojson 2>err && grep "imported 2 cameras" err &&
	vidx-camera list --json | jq -c "del(.created)" >expect &&
	vidx-camera -d copy.db list --json | jq -c "del(.created)" >actual &&
	test_cmp expect actual &&
	test "$(sqlite3 copy.db "SELECT count(*) FROM camera_geo")" = 1 &&
	# a null geometry without mobile: true is still a bad feature
	jq "(.features[] | select(.geometry == null) | .properties.mobile) = false" \
		cams.geojson >bad.geojson &&
	test_expect_code 1 vidx-camera -d bad.db import bad.geojson 2>err &&
	grep "bad.geojson: feature 2: geometry must be a Point" err
'

test_expect_success 'a mobile camera takes no position, not even later' '
	test_expect_code 2 vidx-camera add w2 --mobile --lat 1 --lon 2 2>err &&
	grep "a --mobile camera has no --lat or --lon" err &&
	test_expect_code 2 vidx-camera set witness-1 --mobile 2>err &&
	test_expect_code 1 vidx-camera set witness-1 --lat 41.3 2>err &&
	grep "camera .witness-1. is mobile: it has no position to set" err &&
	test_expect_code 2 vidx-camera add w3 2>err && grep "or --mobile" err
'

test_expect_success 'ingest a phone dump into a mobile camera: each file its own place and time' '
	base_mp4 base.mp4 && mkdir dump &&
	phone dump/IMG_0001.MOV +41.3054-072.9262+015.000/ 2022-07-04T21:24:30-0400 &&
	phone dump/IMG_0002.MOV +41.3061-072.9249/ 2022-07-04T21:31:05-0400 &&
	mkgeo gpmf base.mp4 dump/GX010003.MP4 n=8 gpsu=220705013000.000 &&
	vidx-ingest -c witness-1 --json dump >out &&
	jq -r "\"\(.path | sub(\".*/\"; \"\")) \(.status) \(.start) \(.time_source)\"" out | sort >actual &&
	cat >expect <<-EOF &&
	GX010003.MP4 ingested 2022-07-05T01:30:00.000Z gps
	IMG_0001.MOV ingested 2022-07-05T01:24:30.000Z device
	IMG_0002.MOV ingested 2022-07-05T01:31:05.000Z device
	EOF
	test_cmp expect actual &&
	vidx-ls -c witness-1 --json >ls &&
	jq -r "select(.location) | \"\(.location.lat) \(.location.lon) \(.location.source)\"" ls >actual &&
	printf "%s\n" "41.3054 -72.9262 quicktime-iso6709" "41.3061 -72.9249 quicktime-iso6709" >expect &&
	test_cmp expect actual &&
	jq -e -s "map(select(.track))[0] | .track.points == 144 and .track.source == \"gpmf\" and .track.first.t == \"2022-07-05T01:30:00.000Z\"" ls &&
	test "$(sqlite3 vidx.db "SELECT count(*) FROM recording_place")" = 3 &&
	test "$(sqlite3 vidx.db "SELECT count(*) FROM place_chunk")" = 3
'

test_expect_success 'the stored track is the probed one, point for point' '
	vidx-probe --json --track dump/GX010003.MP4 | tail -n +2 | jq -r "\"\(.t) \(.lat) \(.lon)\"" >probed &&
	vidx-ls -c witness-1 --gpx >w.gpx &&
	gpsbabel -t -i gpx -f w.gpx -o unicsv -F t.csv &&
	test $(($(lines t.csv) - 1)) = 144 &&
	tail -n +2 t.csv | cut -d, -f2,3 | tr , " " >theirs &&
	cut -d" " -f2,3 probed >mine && near theirs mine 1e-7 &&
	# GPX 1.1: the waypoints before the tracks, in the order gpsbabel writes
	gpsbabel -i gpx -f w.gpx -o gpx,gpxver=1.1 -F - | grep -o "<wpt \|<trk>" >expect &&
	grep -o "<wpt \|<trk>" w.gpx >actual && test_cmp expect actual &&
	vidx-ls -c witness-1 --geojson |
		jq -e "[.features[].geometry.type] | sort == [\"LineString\", \"Point\", \"Point\"]"
'

test_expect_success 'a mobile camera recording with no place: refused, exit 1, index unchanged' '
	sqlite3 vidx.db .dump >before &&
	cp base.mp4 noplace.mp4 &&
	test_expect_code 1 vidx-ingest -c witness-1 noplace.mp4 2>err &&
	grep "cannot ingest .noplace.mp4.: camera .witness-1. is mobile and this recording has no position or track of its own" err &&
	phone zero.mov +00.0000+000.0000/ 2022-07-04T21:24:30-0400 &&
	test_expect_code 1 vidx-ingest -c witness-1 zero.mov 2>err &&
	grep "no position or track of its own: QuickTime location .+00.0000+000.0000/. is 0,0 (no fix)" err &&
	sqlite3 vidx.db .dump >after && test_cmp before after
'

test_expect_success 'a fixed camera recording with its own position keeps it beside the camera' '
	phone pole.mov +41.3058-072.9257+010.000/ 2022-07-04T21:40:00-0400 &&
	vidx-ingest -c pole-1 pole.mov >/dev/null &&
	vidx-ls -c pole-1 --json | jq -e ".location.lat == 41.3058 and .camera == \"pole-1\"" &&
	vidx-camera show --json pole-1 | jq -e ".lat == 41.30568" &&
	cp base.mp4 plain.mp4 && vidx-ingest -c pole-1 plain.mp4 >/dev/null &&
	vidx-ls -c pole-1 --geojson | jq -e "[.features[].geometry.coordinates] == [[-72.9257,41.3058,10],[-72.92561,41.30568]]"
'

test_expect_success 'rm --force of a mobile camera takes its places with it' '
	vidx-camera add w9 --mobile && phone w9.mov +41.3-072.9/ 2022-07-04T21:24:30-0400 &&
	vidx-ingest -c w9 w9.mov >/dev/null &&
	n=$(sqlite3 vidx.db "SELECT count(*) FROM place_chunk") &&
	vidx-camera rm --force w9 &&
	test "$(sqlite3 vidx.db "SELECT count(*) FROM place_chunk")" = $((n - 1)) &&
	test "$(sqlite3 vidx.db "PRAGMA foreign_key_check")" = ""
'

# fixtures/v4 (made by the tools before schema v5; t1500 checks its answers
# after every migration): cameras are rebuilt for mobile ones (v8) with
# foreign keys off, so nothing that hangs off a camera goes with it
test_expect_success 'an index made before mobile cameras migrates: cameras, clocks, case log kept' '
	sqlite3 old.db <"$FIXTURES/v4/index.sql" &&
	test "$(sqlite3 old.db "PRAGMA user_version")" = 4 &&
	sqlite3 old.db "SELECT rid, id, lat, lon FROM cameras ORDER BY rid" >cams.before &&
	sqlite3 old.db "SELECT * FROM clock_obs" >clock.before &&
	sqlite3 old.db "SELECT id, camera_id FROM recordings" >recs.before &&
	vidx-camera -d old.db list >/dev/null &&
	test "$(sqlite3 old.db "PRAGMA user_version")" = 10 &&
	test "$(sqlite3 old.db "PRAGMA integrity_check")" = ok &&
	test "$(sqlite3 old.db "PRAGMA foreign_key_check")" = "" &&
	sqlite3 old.db "SELECT rid, id, lat, lon FROM cameras ORDER BY rid" >cams.after &&
	test_cmp cams.before cams.after &&
	sqlite3 old.db "SELECT * FROM clock_obs" >clock.after && test_cmp clock.before clock.after &&
	test -s clock.after &&
	sqlite3 old.db "SELECT id, camera_id FROM recordings" >recs.after && test_cmp recs.before recs.after &&
	test "$(sqlite3 old.db "SELECT count(*) FROM camera_geo")" = 2 &&
	vidx-case -d old.db log A --json | jq -e -s "length > 1 and all(.ok)" &&
	vidx-camera -d old.db add phone-2 --mobile &&
	vidx-camera -d old.db add fixed-2 --lat 1 --lon 2 &&
	test "$(sqlite3 old.db "SELECT count(*) FROM camera_geo")" = 3 &&
	sqlite3 old.db "SELECT sql FROM sqlite_schema WHERE name = '"'"'cameras'"'"'" | grep "mobile INTEGER"
'

test_expect_success 'an index with places in one R*Tree entry a recording (v8) migrates, same answers' '
	sqlite3 v8.db <"$FIXTURES/v8-place/index.sql" &&
	test "$(sqlite3 v8.db "SELECT count(*) FROM place_geo")" = 2 &&
	vidx-camera -d v8.db list >/dev/null &&
	test "$(sqlite3 v8.db "PRAGMA user_version")" = 10 &&
	test "$(sqlite3 v8.db "SELECT count(*) FROM place_chunk")" = 2 &&
	test "$(sqlite3 v8.db "SELECT count(*) FROM sqlite_schema WHERE name = '"'"'place_geo'"'"'")" = 0 &&
	vidx-query -d v8.db --near 41.30568,-72.92561 --radius 100 --json \
		--from 2022-07-05T01:20Z --to 2022-07-05T01:30Z |
		jq -r "[.camera, .recording_id, .start, .end, .closest_m, .closest_at, .mobile] | @tsv" >actual &&
	test_cmp "$FIXTURES/v8-place/expect-query.tsv" actual &&
	vidx-camera -d v8.db rm --force w1 &&
	test "$(sqlite3 v8.db "SELECT count(*) FROM place_chunk")" = 0
'

test_expect_success 'four processes opening an old index at once migrate it once' '
	sqlite3 race.db <"$FIXTURES/v4/index.sql" &&
	for i in 1 2 3 4; do vidx-camera -d race.db list >/dev/null 2>err.$i & done; wait &&
	cat err.1 err.2 err.3 err.4 >err && test ! -s err &&
	test "$(sqlite3 race.db "PRAGMA user_version")" = 10 &&
	test "$(sqlite3 race.db "SELECT count(*) FROM cameras")" = 2 &&
	test "$(sqlite3 race.db "SELECT count(*) FROM clock_obs")" = 1
'

test_done
