#!/bin/sh
# vidx-query with mobile cameras: a dashcam whose track passes the scene,
# a witness's phone video 50 m away and one 2 km away, in windows and
# radii where each should or should not match; spans clipped to the part
# of the window the track was inside, the closest approach, coverage,
# clock corrections, GeoJSON and CSV.
. "$(dirname "$0")/lib.sh"
. "$VIDX_SRC/tests/cli/geo.sh"

for t in ffmpeg jq; do
	command -v $t >/dev/null 2>&1 || { echo "1..0 # SKIP $t not installed"; exit 0; }
done

# the scene: Chapel & Orange
C=41.30568,-72.92561
# the dashcam drives east at 15 m/s, 10 m north of the scene, one NMEA fix
# a second from 01:24:00 UTC: 60 m west of it at 0 s, level with it at 4 s
DLON=0.00017937    # 15 m at this latitude, in degrees of longitude
LAT=41.3057699     # 10 m north

# expected_in R: when (s from the start) the car is within R m: the
# line-circle intersection |(-60 + 15 t, 10)| <= R
expected_in() {
	awk -v r="$1" 'BEGIN { h = sqrt(r * r - 100); printf "%.3f %.3f\n", (60 - h) / 15, (60 + h) / 15 }'
}

# secs ISO: seconds after 01:24:00Z of a time printed by vidx
secs() {
	echo "$1" | awk -F'[T:Z]' '{ printf "%.3f\n", ($2 - 1) * 3600 + ($3 - 24) * 60 + $4 }'
}

phone() {
	ffmpeg -nostdin -loglevel error -y -i base.mp4 -c copy -map 0 \
		-movflags use_metadata_tags \
		-metadata com.apple.quicktime.location.ISO6709="$2" \
		-metadata com.apple.quicktime.creationdate="$3" "$1"
}

q() {
	vidx-query --json --near $C "$@"
}

test_expect_success 'set-up: a fixed camera at the scene, a dashcam, two witnesses' '
	base_mp4 base.mp4 &&
	mkgeo nmea - dash.srt n=8 utc=2022-07-05T01:24:00 lat=$LAT \
		lon=$(awk -v d=$DLON "BEGIN { printf \"%.8f\", -72.92561 - 4 * d }") dlat=0 dlon=$DLON &&
	ffmpeg -nostdin -loglevel error -y -i base.mp4 -i dash.srt -map 0 -map 1 \
		-c copy -c:s mov_text -f mov dash.mov &&
	phone near.mov +41.306130-072.925610/ 2022-07-04T21:24:30-0400 &&
	phone far.mov +41.323667-072.925610/ 2022-07-04T21:24:30-0400 &&
	vidx-camera add pole --lat 41.30568 --lon -72.92561 &&
	vidx-camera add dash-1 --mobile --name "Patrol car 12 dashcam" &&
	vidx-camera add witness-a --mobile && vidx-camera add witness-b --mobile &&
	vidx-ingest -c dash-1 dash.mov >/dev/null && vidx-ingest -c witness-a near.mov >/dev/null &&
	vidx-ingest -c witness-b far.mov >/dev/null &&
	cp base.mp4 pole.mp4 && vidx-ingest -c pole --start 2022-07-05T01:24:00Z pole.mp4 >/dev/null &&
	vidx-ls --json | jq -r "\"\(.camera) \(.start) \(.time_source)\"" >actual &&
	cat >expect <<-EOF &&
	dash-1 2022-07-05T01:24:00.000Z gps
	pole 2022-07-05T01:24:00.000Z manual
	witness-a 2022-07-05T01:24:30.000Z device
	witness-b 2022-07-05T01:24:30.000Z device
	EOF
	test_cmp expect actual
'

test_expect_success 'within 100 m, 01:20-01:30: the dashcam and the near phone, not the far one' '
	q --radius 100 --from 2022-07-05T01:20:00Z --to 2022-07-05T01:30:00Z >out &&
	jq -r "\"\(.camera) \(.mobile)\"" out | sort >actual &&
	printf "%s\n" "dash-1 true" "pole false" "witness-a true" >expect &&
	test_cmp expect actual &&
	jq -r "select(.camera == \"witness-a\") | \"\(.start) \(.end) \(.closest_m)\"" out >actual &&
	echo "2022-07-05T01:24:30.000Z 2022-07-05T01:24:38.000Z 50" >expect && test_cmp expect actual &&
	# the car is within 100 m from t = 0 (60 m away) to 8 s (60 m east)
	jq -r "select(.camera == \"dash-1\") | \"\(.start) \(.end)\"" out >actual &&
	echo "2022-07-05T01:24:00.000Z 2022-07-05T01:24:08.000Z" >expect && test_cmp expect actual
'

test_expect_success 'within 30 m: only the part of the drive past the scene; closest 10 m at 4 s' '
	q --radius 30 --from 2022-07-05T01:20:00Z --to 2022-07-05T01:30:00Z >out &&
	test "$(jq -r .camera out | sort | tr "\n" " ")" = "dash-1 pole " &&
	jq -r "select(.mobile)" out >dash &&
	expected_in 30 | tr " " "\n" >expect &&
	{ secs "$(jq -r .start dash)"; secs "$(jq -r .end dash)"; } >actual &&
	near expect actual 0.02 &&
	jq -e ".closest_m >= 9.5 and .closest_m <= 10.5" dash &&
	secs "$(jq -r .closest_at dash)" >actual && echo 4.000 >expect && near expect actual 0.02 &&
	# the span is where the car was: lat/lon at its closest
	jq -e "(.lat - 41.30577) | fabs < 0.00001" dash &&
	jq -e ".seek_time <= .start and .recording_id == 1" dash
'

test_expect_success 'the window clips the drive: 01:24:03-01:24:04.5 within 30 m' '
	q --radius 30 --from 2022-07-05T01:24:03Z --to 2022-07-05T01:24:04.500Z |
		jq -r "select(.mobile) | \"\(.start) \(.end)\"" >actual &&
	echo "2022-07-05T01:24:03.000Z 2022-07-05T01:24:04.500Z" >expect && test_cmp expect actual
'

test_expect_success 'a window after the drive and the phone videos: nothing mobile' '
	q --radius 5km --from 2022-07-05T01:25:00Z --to 2022-07-05T01:26:00Z >out &&
	test ! -s out &&
	q --radius 30 --from 2022-07-05T01:24:06Z --to 2022-07-05T01:24:07Z >out2 &&
	test "$(jq -r .camera out2)" = pole
'

test_expect_success 'within 2.5 km the far phone matches, about 2 km away (haversine)' '
	q --radius 2.5km --from 2022-07-05T01:24:31Z --to 2022-07-05T01:24:32Z >out &&
	jq -r "select(.camera == \"witness-b\") | .closest_m" out >actual &&
	awk "BEGIN { p = atan2(0, -1) / 180; d = (41.323667 - 41.30568) * p;
		a = sin(d / 2) ^ 2; printf \"%.1f\n\", 2 * 6371008.8 * atan2(sqrt(a), sqrt(1 - a)) }" >expect &&
	near expect actual 0.1 &&
	test "$(jq -r .camera out | sort | tr "\n" " ")" = "witness-a witness-b " &&
	q --radius 1.9km --from 2022-07-05T01:24:31Z --to 2022-07-05T01:24:32Z | jq -r .camera >actual &&
	! grep witness-b actual
'

test_expect_success 'a box: the drive clipped where it enters and leaves it' '
	# lon -72.92600 .. -72.92520 is 32.6 m each side of the scene
	vidx-query --json --bbox 41.3050,-72.92600,41.3060,-72.92520 \
		--from 2022-07-05T01:20:00Z --to 2022-07-05T01:30:00Z | jq -r "select(.mobile)" >dash &&
	test "$(jq -s length dash)" = 1 &&
	awk -v d=$DLON "BEGIN { s = -72.92561 - 4 * d;
		printf \"%.3f\n%.3f\n\", (-72.92600 - s) / d, (-72.92520 - s) / d }" >expect &&
	{ secs "$(jq -r .start dash)"; secs "$(jq -r .end dash)"; } >actual &&
	near expect actual 0.02 &&
	jq -e ".closest_m == null and .witness == null" dash
'

test_expect_success 'coverage counts a mobile camera while it was there, not one that never was' '
	q --radius 30 --coverage --from 2022-07-05T01:24:00Z --to 2022-07-05T01:24:10Z >cov &&
	jq -r "\"\(.camera) \(.mobile)\"" cov >actual &&
	printf "%s\n" "pole false" "dash-1 true" >expect && test_cmp expect actual &&
	jq -r "select(.camera == \"dash-1\") | .covered_s" cov >actual &&
	expected_in 30 | awk "{ printf \"%.3f\n\", \$2 - \$1 }" >expect && near expect actual 0.03 &&
	jq -e "select(.camera == \"dash-1\") | .distance_m >= 9.5 and .distance_m <= 10.5" cov
'

test_expect_success 'a clock observation moves the mobile camera spans with its footage' '
	vidx-camera clock dash-1 --camera-time 2022-07-05T01:24:00Z --true-time 2022-07-05T01:23:50Z &&
	q --radius 30 --from 2022-07-05T01:20:00Z --to 2022-07-05T01:30:00Z | jq -r "select(.mobile)" >dash &&
	expected_in 30 | awk "{ printf \"%.3f\n%.3f\n\", \$1 - 10, \$2 - 10 }" >expect &&
	{ secs "$(jq -r .start dash)"; secs "$(jq -r .end dash)"; } >actual &&
	near expect actual 0.02 &&
	jq -e ".correction_ms == 10000" dash &&
	secs "$(jq -r .closest_at dash)" >actual && echo -6.000 >expect && near expect actual 0.02
'

test_expect_success 'no place asked: every mobile recording in the window, whole' '
	vidx-query --json -c witness-b --from 2022-07-05T01:20:00Z --to 2022-07-05T01:30:00Z |
		jq -r "\"\(.start) \(.end) \(.mobile) \(.lat) \(.closest_m)\"" >actual &&
	echo "2022-07-05T01:24:30.000Z 2022-07-05T01:24:38.000Z true 41.323667 null" >expect &&
	test_cmp expect actual
'

test_expect_success '--geojson: the dashcam span a LineString ending where the span ends; the pole a Point' '
	vidx-query --geojson --near $C --radius 30 \
		--from 2022-07-05T01:20:00Z --to 2022-07-05T01:30:00Z >g &&
	jq -e ".type == \"FeatureCollection\"" g &&
	jq -e "[.features[] | .geometry.type] | sort == [\"LineString\", \"Point\"]" g &&
	jq -e ".features[] | select(.properties.camera == \"pole\") | .geometry.coordinates == [-72.92561,41.30568]" g &&
	jq -r ".features[] | select(.properties.mobile) | .geometry.coordinates | length" g >n &&
	test "$(cat n)" -ge 4 &&
	jq -r ".features[] | select(.properties.mobile) | .geometry.coordinates[0][1]" g >actual &&
	echo 41.3057699 >expect && near expect actual 0.000002 &&
	test_expect_code 2 vidx-query --geojson --coverage --near $C --radius 30 --at 2022-07-05T01:24:00Z --pad 1m
'

test_expect_success 'CSV: mobile, closest_m and closest_at at the end of each row' '
	vidx-query --csv --near $C --radius 30 --from 2022-07-05T01:20:00Z --to 2022-07-05T01:30:00Z >c &&
	head -1 c | grep ",seek_time,seek_pos,mobile,closest_m,closest_at$" &&
	grep "^dash-1," c | awk -F, "{ print \$17, (\$18 > 9.5 && \$18 < 10.5) }" >actual &&
	echo "yes 1" >expect && test_cmp expect actual &&
	grep "^pole," c | awk -F, "{ print \$17, \$18, \$19 }" >actual &&
	echo "no  " >expect && test_cmp expect actual
'

test_expect_success 'table: a mobile span is marked ~ (its closest approach)' '
	vidx-query --near $C --radius 30 --from 2022-07-05T01:20:00Z --to 2022-07-05T01:30:00Z >t &&
	grep "^dash-1  *10~ " t && grep "^pole  *0 " t
'

test_expect_success 'pull and verify the dashcam footage of the drive past the scene' '
	vidx-case new K1 --title "Chapel & Orange" --by det &&
	vidx-pull --case K1 --by det --out case --near $C --radius 30 \
		--from 2022-07-05T01:00:00Z --to 2022-07-05T01:30:00Z >out &&
	grep "^dash-1 " out && ls case/dash-1/*.mp4 &&
	(cd case && sha256sum -c SHA256SUMS) &&
	vidx-verify --by det case >v && ! grep -v -E "^(ok |skipped  *signature  *manifest.json: not signed)" v
'

test_done
