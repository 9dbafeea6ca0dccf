#!/bin/sh
# vidx-query end to end over a small scene around Chapel & Orange: cameras at
# known distances, recordings with gaps and clipped at the window's edges, a
# camera whose clock runs 190 s fast (then drifts), a DVR in local time
# across both 2022 DST changes; every output form asserted exactly, seek
# points against ffprobe, selectors and their intersections, bad input, and
# an index that no query changes.
. "$(dirname "$0")/lib.sh"

# ---- the scene ---------------------------------------------------------------
#
# P = 41.3057,-72.9256.  Cameras (distance from P, tags):
#   city-0412   at P                 0 m    city ptz
#   deli-front  0.0009 deg north   100.1 m  business      clock +190 s
#   bank-atm    0.0018 deg west    150.4 m  business atm  no footage
#   garage-2    0.0030 deg east    250.6 m  business dvr  DVR, local time
#   city-0413   south-west         397.4 m  city
# The window W is 2022-07-05 01:20Z .. 01:40Z (21:20 .. 21:40 EDT, 4 July).
# Recordings are copies of the 8 s fixtures (h264.ts, hevc.ts: keyframes at
# stream 1.48 s + k; gap.ts: 4 s + 5 s hole + 4 s, keyframes at 1.4 .. 4.4,
# 10.4 .. 13.4), made distinct by appending MPEG-TS null packets (which do
# not move any keyframe), each placed by --start:
#   1 a.ts         city-0412   01:19:55.5Z .. 01:20:03.5Z (clipped at W's start)
#   2 b.ts         city-0412   01:30:00 .. :04, hole, :09 .. :13
#   3 c.ts         deli-front  camera 01:25:10Z = true 01:22:00Z
#   4 d.ts         garage-2    local '2022-07-04 21:35:00' = 01:35:00Z
#   5 'e, 0413.ts' city-0413   01:39:57 .. 01:40:01 (clipped at W's end), hole
#   6 f.ts         garage-2    2022-11-06 01:30 EDT (05:30Z, before fall-back)
#   7 g.ts         garage-2    2022-11-06 01:30 EST (06:30Z, after it)
#   8 h.ts         garage-2    2022-03-13 01:59:58 EST .. 03:00:06 EDT
#   9 i.ts         deli-front  camera 02:15:10Z   } for the second clock
#  10 j.ts         deli-front  camera 02:40:00Z   } observation
P=41.3057,-72.9256
FROM=2022-07-05T01:20:00Z
TO=2022-07-05T01:40:00Z
D=2022-07-05T01
R=$(pwd -P)/rec

# nulls N: N MPEG-TS null packets (PID 0x1FFF), 188 bytes each
nulls() {
	i=0
	while [ "$i" -lt "$1" ]; do
		printf '\107\037\377\020' &&
		head -c 184 /dev/zero | tr '\0' '\377'
		i=$((i + 1))
	done
}

# copy SRC N OUT: SRC with N null packets appended
copy() {
	{ cat "$FIXTURES/$1" && nulls "$2"; } >"$R/$3"
}

# Q ARGS: query the scene's index
Q() {
	vidx-query -d vidx.db "$@"
}

# sha FILE: its SHA-256
sha() {
	sha256sum <"$1" | cut -c1-64
}

# probe_kfs FILE: ffprobe's video keyframes of FILE as "pts pos" lines, kept
# in kf/ (ffprobe is slow to start; each source is probed once)
probe_kfs() {
	mkdir -p kf &&
	ffprobe -v error -select_streams v:0 \
		-show_entries packet=pts_time,pos,flags -of csv "$1" |
	awk -F, '$1 == "packet" && $4 ~ /K/ { print $2 + 0, $3 }' >"kf/${1##*/}" &&
	test -s "kf/${1##*/}"
}

# kfs FILE: its keyframes as "pts pos", per ffprobe
kfs() {
	cat "kf/${1##*/}"
}

# kpos FILE PTS: byte offset of the keyframe at PTS, per ffprobe
kpos() {
	awk -v t="$2" '$1 + 0 == t + 0 { print $2; n++ } END { exit n != 1 }' "kf/${1##*/}"
}

# hav LAT LON: metres from P, haversine with the mean Earth radius
hav() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		r = atan2(0, -1) / 180; p1 = 41.3057 * r; p2 = a * r
		dp = p2 - p1; dl = (b - -72.9256) * r
		h = sin(dp / 2) ^ 2 + cos(p1) * cos(p2) * sin(dl / 2) ^ 2
		printf "%.4f\n", 2 * 6371008.8 * atan2(sqrt(h), sqrt(1 - h)) }'
}

# span CAMERA NAME LAT LON DIST RID SEG FILE START END DUR CSTART CEND CORR
#      SEEK SEEKPTS: the JSON line of one span (seek_pos from ffprobe)
span() {
	printf '{"camera":"%s","name":"%s","lat":%s,"lon":%s,"distance_m":%s,' \
		"$1" "$2" "$3" "$4" "$5"
	printf '"recording_id":%s,"segment_id":%s,"path":"%s","sha256":"%s",' \
		"$6" "$7" "$R/$8" "$(sha "$R/$8")"
	printf '"start":"%s","end":"%s","duration_s":%s,' "${9}" "${10}" "${11}"
	printf '"camera_start":"%s","camera_end":"%s","correction_ms":%s,' \
		"${12}" "${13}" "${14}"
	printf '"time_source":"manual","seek_time":"%s","seek_pts_s":%s,"seek_pos":%s,' \
		"${15}" "${16}" "$(kpos "$R/$8" "${16}")"
	printf '"mobile":false,"closest_m":null,"closest_at":null}\n'
}

# cams ARGS: the ids of the cameras a query selects, one a line, sorted
cams() {
	Q --from "$FROM" --to "$TO" --coverage --json "$@" | jq -r .camera | sort
}

# jqr FILTER [FILE] / jqc FILTER [FILE]: jq -r / jq -c with numbers printed
# alike by every jq (1.7 keeps "190000.0" as written)
jqr() {
	jq -r "walk(if type == \"number\" then . + 0 else . end) | $1" ${2+"$2"}
}
jqc() {
	jq -c "walk(if type == \"number\" then . + 0 else . end) | $1" ${2+"$2"}
}

# ---- set-up --------------------------------------------------------------------

test_expect_success 'scene: 5 cameras, 10 recordings, one clock observation' '
	mkdir rec &&
	vidx-camera -d vidx.db add city-0412 --lat 41.3057 --lon -72.9256 \
		--tz America/New_York --name "Chapel & Orange NE" --tag city --tag ptz &&
	vidx-camera -d vidx.db add deli-front --lat 41.3066 --lon -72.9256 \
		--tz America/New_York --name "Deli, front door" --tag business &&
	vidx-camera -d vidx.db add bank-atm --lat 41.3057 --lon -72.9274 \
		--tz America/New_York --name "Bank ATM" --tag business --tag atm &&
	vidx-camera -d vidx.db add garage-2 --lat 41.3057 --lon -72.9226 \
		--tz America/New_York --name "Garage \"2\"" --tag business --tag dvr &&
	vidx-camera -d vidx.db add city-0413 --lat 41.3032 --lon -72.9290 \
		--tz America/New_York --name "Chapel & Park" --tag city &&
	copy h264.ts 1 a.ts && copy gap.ts 0 b.ts && copy h264.ts 2 c.ts &&
	copy hevc.ts 0 d.ts && copy gap.ts 1 "e, 0413.ts" && copy h264.ts 3 f.ts &&
	copy h264.ts 4 g.ts && copy h264.ts 5 h.ts && copy h264.ts 6 i.ts &&
	copy h264.ts 7 j.ts &&
	test "$(sha256sum rec/* | cut -c1-64 | sort -u | wc -l)" = 10 &&
	ing() { vidx-ingest -d vidx.db --json --camera "$@" >>ingest.jsonl; } &&
	ing city-0412 --start "$D:19:55.5Z" rec/a.ts &&
	ing city-0412 --start "$D:30:00Z" rec/b.ts &&
	ing deli-front --start "$D:25:10Z" rec/c.ts &&
	ing garage-2 --start "2022-07-04 21:35:00" rec/d.ts &&
	ing city-0413 --start "$D:39:57Z" "rec/e, 0413.ts" &&
	ing garage-2 --start 2022-11-06T01:30:00-04:00 rec/f.ts &&
	ing garage-2 --start 2022-11-06T01:30:00-05:00 rec/g.ts &&
	ing garage-2 --start 2022-03-13T01:59:58-05:00 rec/h.ts &&
	ing deli-front --start 2022-07-05T02:15:10Z rec/i.ts &&
	ing deli-front --start 2022-07-05T02:40:00Z rec/j.ts &&
	jqr "[.recording_id, .status, .start, .end, .segments] | @tsv" ingest.jsonl >actual &&
	printf "%s\t%s\t%s\t%s\t%s\n" \
		1 ingested "$D:19:55.500Z" "$D:20:03.500Z" 1 \
		2 ingested "$D:30:00.000Z" "$D:30:13.000Z" 2 \
		3 ingested "$D:25:10.000Z" "$D:25:18.000Z" 1 \
		4 ingested "$D:35:00.000Z" "$D:35:08.000Z" 1 \
		5 ingested "$D:39:57.000Z" "$D:40:10.000Z" 2 \
		6 ingested 2022-11-06T05:30:00.000Z 2022-11-06T05:30:08.000Z 1 \
		7 ingested 2022-11-06T06:30:00.000Z 2022-11-06T06:30:08.000Z 1 \
		8 ingested 2022-03-13T06:59:58.000Z 2022-03-13T07:00:06.000Z 1 \
		9 ingested 2022-07-05T02:15:10.000Z 2022-07-05T02:15:18.000Z 1 \
		10 ingested 2022-07-05T02:40:00.000Z 2022-07-05T02:40:08.000Z 1 >expect &&
	test_cmp expect actual &&
	for f in rec/*; do probe_kfs "$f" & done && wait &&
	test "$(ls kf | wc -l)" = 10 &&
	for f in kf/*; do test -s "$f"; done &&
	vidx-camera -d vidx.db clock deli-front --camera-time "2022-07-04 21:25:10" \
		--true-time "2022-07-04 21:22:00" &&
	vidx-camera -d vidx.db clock --json deli-front | jqr "[.camera_time, .true_time] | @tsv" >actual &&
	printf "%s\t%s\n" "$D:25:10.000Z" "$D:22:00.000Z" >expect &&
	test_cmp expect actual &&
	sha vidx.db >db.sha
'

# ---- place: distances and selectors -------------------------------------------

test_expect_success 'distance_m: within 1 m of an independent haversine (R = 6371008.8 m)' '
	cams --near "$P" --radius 450 >actual &&
	printf "%s\n" bank-atm city-0412 city-0413 deli-front garage-2 >expect &&
	test_cmp expect actual &&
	Q --from "$FROM" --to "$TO" --coverage --json --near "$P" --radius 450 |
		jqr "[.camera, .lat, .lon, .distance_m] | @tsv" >got &&
	while IFS="	" read -r id lat lon d; do
		h=$(hav "$lat" "$lon") &&
		echo "$id $lat $lon $d $h" &&
		awk -v d="$d" -v h="$h" "BEGIN { e = d - h; exit !(e < 1 && e > -1) }" ||
			{ echo "$id: distance_m $d, haversine $h"; exit 1; }
	done <got &&
	cut -f1,4 got >actual &&
	printf "%s\t%s\n" city-0412 0 deli-front 100.1 bank-atm 150.4 garage-2 250.6 \
		city-0413 397.4 >expect &&
	test_cmp expect actual &&
	test "$(hav 41.3066 -72.9256 | cut -d. -f1)" = 100 &&
	test "$(hav 41.3057 -72.9226 | cut -d. -f1)" = 250 &&
	test "$(hav 41.3032 -72.9290 | cut -d. -f1)" = 397
'

test_expect_success '--near/--radius: 300, 300m and 0.3km select the same four cameras' '
	printf "%s\n" bank-atm city-0412 deli-front garage-2 >expect &&
	cams --near "$P" --radius 300 >actual && test_cmp expect actual &&
	cams --near "$P" --radius 300m >actual && test_cmp expect actual &&
	cams --near "$P" --radius 0.3km >actual && test_cmp expect actual &&
	cams --near "$P" --radius 1.5km >actual &&
	printf "%s\n" bank-atm city-0412 city-0413 deli-front garage-2 >expect &&
	test_cmp expect actual
'

test_expect_success '--radius is exact to the metre: deli-front (100.08 m) is out at 100, in at 100.1' '
	cams --near "$P" --radius 100 >actual &&
	echo city-0412 >expect && test_cmp expect actual &&
	cams --near "$P" --radius 100.1 >actual &&
	printf "%s\n" city-0412 deli-front >expect && test_cmp expect actual &&
	cams --near "$P" --radius 150.4 >actual &&
	printf "%s\n" bank-atm city-0412 deli-front >expect && test_cmp expect actual
'

test_expect_success '--bbox S,W,N,E: cameras inside the box' '
	cams --bbox 41.3050,-72.9280,41.3060,-72.9200 >actual &&
	printf "%s\n" bank-atm city-0412 garage-2 >expect && test_cmp expect actual &&
	cams --bbox 41.3060,-72.9300,41.3100,-72.9200 >actual &&
	echo deli-front >expect && test_cmp expect actual &&
	cams --bbox 41.2000,-73.0000,41.3040,-72.9280 >actual &&
	echo city-0413 >expect && test_cmp expect actual
'

test_expect_success '--camera is repeatable; --tag matches whole tags; repeated --tag needs all' '
	cams --camera city-0413 -c deli-front >actual &&
	printf "%s\n" city-0413 deli-front >expect && test_cmp expect actual &&
	cams --tag city >actual &&
	printf "%s\n" city-0412 city-0413 >expect && test_cmp expect actual &&
	cams --tag business --tag dvr >actual &&
	echo garage-2 >expect && test_cmp expect actual &&
	cams --tag cit >actual && test ! -s actual &&
	cams --tag city --tag dvr >actual && test ! -s actual
'

test_expect_success 'selectors combine as an intersection' '
	cams --tag city --near "$P" --radius 300 >actual &&
	echo city-0412 >expect && test_cmp expect actual &&
	cams --tag business --bbox 41.3050,-72.9280,41.3060,-72.9200 >actual &&
	printf "%s\n" bank-atm garage-2 >expect && test_cmp expect actual &&
	cams --tag business --bbox 41.3050,-72.9280,41.3060,-72.9200 \
		--near "$P" --radius 200 >actual &&
	echo bank-atm >expect && test_cmp expect actual &&
	cams -c deli-front -c garage-2 -c city-0413 --near "$P" --radius 300 >actual &&
	printf "%s\n" deli-front garage-2 >expect && test_cmp expect actual &&
	cams -c city-0413 --near "$P" --radius 300 >actual && test ! -s actual &&
	Q --from "$FROM" --to "$TO" -c city-0413 --near "$P" --radius 300 >out 2>err &&
	test ! -s out &&
	echo "vidx-query: no footage in the window from 0 cameras" >expect &&
	test_cmp expect err
'

# lon_at METRES: the longitude that far due east of P (west if negative)
lon_at() {
	awk -v d="$1" 'BEGIN { r = atan2(0, -1) / 180
		printf "%.7f\n", -72.9256 + d / (6371008.8 * r * cos(41.3057 * r)) }'
}

# The canvass's 300 m hides it, but a --near search must not lose a camera
# that is inside the radius wherever it lies on the circle, nor --bbox take
# one that is outside the box, however little.
test_expect_success '--radius 1km/2km: cameras due east and west just inside are selected' '
	vidx-camera -d far.db add east-999 --lat 41.3057 --lon "$(lon_at 999.9)" &&
	vidx-camera -d far.db add west-1999 --lat 41.3057 --lon "$(lon_at -1999.5)" &&
	hav 41.3057 "$(lon_at 999.9)" | awk "{ exit !(\$1 < 1000) }" &&
	hav 41.3057 "$(lon_at -1999.5)" | awk "{ exit !(\$1 < 2000) }" &&
	Q() { vidx-query -d far.db "$@"; } &&
	cams --near "$P" --radius 5km >actual &&
	printf "%s\n" east-999 west-1999 >expect && test_cmp expect actual &&
	cams --near "$P" --radius 1km >actual &&
	echo east-999 >expect && test_cmp expect actual &&
	cams --near "$P" --radius 2km >actual &&
	printf "%s\n" east-999 west-1999 >expect && test_cmp expect actual
'

test_expect_success '--bbox: a camera 0.2 m north of the box is not in it' '
	vidx-camera -d edge.db add edge-n --lat 41.3060020 --lon -72.9256 &&
	vidx-camera -d edge.db add edge-in --lat 41.3059980 --lon -72.9256 &&
	Q() { vidx-query -d edge.db "$@"; } &&
	cams --bbox 41.3050,-72.9280,41.3060,-72.9200 >actual &&
	echo edge-in >expect && test_cmp expect actual
'

# ---- spans: every output form -------------------------------------------------

# The canvass: 300 m around P over W.  city-0412: a.ts clipped to start at
# W's start (its seek point is the keyframe 0.5 s before), b.ts as two spans
# around its hole; deli-front in true time (camera clock 190 s ahead);
# garage-2 placed by a local start; bank-atm has nothing; city-0413 is out.
canvass_json() {
	N="Chapel & Orange NE" G="Garage \\\"2\\\""
	span city-0412 "$N" 41.3057 -72.9256 0.0 1 1 a.ts "$D:20:00.000Z" \
		"$D:20:03.500Z" 3.5 "$D:20:00.000Z" "$D:20:03.500Z" 0.0 \
		"$D:19:59.500Z" 5.48
	span city-0412 "$N" 41.3057 -72.9256 0.0 2 2 b.ts "$D:30:00.000Z" \
		"$D:30:04.000Z" 4.0 "$D:30:00.000Z" "$D:30:04.000Z" 0.0 \
		"$D:30:00.000Z" 1.4
	span city-0412 "$N" 41.3057 -72.9256 0.0 2 3 b.ts "$D:30:09.000Z" \
		"$D:30:13.000Z" 4.0 "$D:30:09.000Z" "$D:30:13.000Z" 0.0 \
		"$D:30:09.000Z" 10.4
	span deli-front "Deli, front door" 41.3066 -72.9256 100.1 3 4 c.ts \
		"$D:22:00.000Z" "$D:22:08.000Z" 8.0 "$D:25:10.000Z" "$D:25:18.000Z" \
		190000.0 "$D:22:00.000Z" 1.48
	span garage-2 "$G" 41.3057 -72.9226 250.6 4 5 d.ts "$D:35:00.000Z" \
		"$D:35:08.000Z" 8.0 "$D:35:00.000Z" "$D:35:08.000Z" 0.0 \
		"$D:35:00.000Z" 1.48
}

test_expect_success '--json: one exact object per span, by distance then time' '
	canvass_json >expect &&
	Q --near "$P" --radius 300 --from "$FROM" --to "$TO" --json >actual 2>err &&
	test_cmp expect actual &&
	test ! -s err
'

test_expect_success '--csv: header and one row per span, quoted where needed' '
	sa=$(sha rec/a.ts) sb=$(sha rec/b.ts) sc=$(sha rec/c.ts) sd=$(sha rec/d.ts) &&
	cat >expect <<-EOF_ &&
	camera,name,lat,lon,distance_m,recording_id,path,sha256,start,end,camera_start,camera_end,correction_ms,time_source,seek_time,seek_pos,mobile,closest_m,closest_at
	city-0412,Chapel & Orange NE,41.3057000,-72.9256000,0.0,1,$R/a.ts,$sa,$D:20:00.000Z,$D:20:03.500Z,$D:20:00.000Z,$D:20:03.500Z,0.000,manual,$D:19:59.500Z,$(kpos rec/a.ts 5.48),no,,
	city-0412,Chapel & Orange NE,41.3057000,-72.9256000,0.0,2,$R/b.ts,$sb,$D:30:00.000Z,$D:30:04.000Z,$D:30:00.000Z,$D:30:04.000Z,0.000,manual,$D:30:00.000Z,$(kpos rec/b.ts 1.4),no,,
	city-0412,Chapel & Orange NE,41.3057000,-72.9256000,0.0,2,$R/b.ts,$sb,$D:30:09.000Z,$D:30:13.000Z,$D:30:09.000Z,$D:30:13.000Z,0.000,manual,$D:30:09.000Z,$(kpos rec/b.ts 10.4),no,,
	deli-front,"Deli, front door",41.3066000,-72.9256000,100.1,3,$R/c.ts,$sc,$D:22:00.000Z,$D:22:08.000Z,$D:25:10.000Z,$D:25:18.000Z,190000.000,manual,$D:22:00.000Z,$(kpos rec/c.ts 1.48),no,,
	garage-2,"Garage ""2""",41.3057000,-72.9226000,250.6,4,$R/d.ts,$sd,$D:35:00.000Z,$D:35:08.000Z,$D:35:00.000Z,$D:35:08.000Z,0.000,manual,$D:35:00.000Z,$(kpos rec/d.ts 1.48),no,,
	EOF_
	Q --near "$P" --radius 300 --from "$FROM" --to "$TO" --csv >actual &&
	test_cmp expect actual &&
	Q -c city-0413 --from "$FROM" --to "$TO" --csv >actual &&
	sa=$(sha "rec/e, 0413.ts") &&
	cat >expect <<-EOF_ &&
	camera,name,lat,lon,distance_m,recording_id,path,sha256,start,end,camera_start,camera_end,correction_ms,time_source,seek_time,seek_pos,mobile,closest_m,closest_at
	city-0413,Chapel & Park,41.3032000,-72.9290000,,5,"$R/e, 0413.ts",$sa,$D:39:57.000Z,$D:40:00.000Z,$D:39:57.000Z,$D:40:00.000Z,0.000,manual,$D:39:57.000Z,$(kpos "rec/e, 0413.ts" 1.4),no,,
	EOF_
	test_cmp expect actual &&
	Q -c bank-atm --from "$FROM" --to "$TO" --csv >actual &&
	head -1 expect >expect.h && test_cmp expect.h actual
'

test_expect_success 'table: header and one line per span' '
	cat >expect <<-EOF_ &&
	CAMERA           DIST_M  START                    END                       DURATION     CORR_S SEEK                     PATH
	city-0412             0  $D:20:00.000Z $D:20:03.500Z      3.5s     +0.000 $D:19:59.500Z $R/a.ts
	city-0412             0  $D:30:00.000Z $D:30:04.000Z      4.0s     +0.000 $D:30:00.000Z $R/b.ts
	city-0412             0  $D:30:09.000Z $D:30:13.000Z      4.0s     +0.000 $D:30:09.000Z $R/b.ts
	deli-front          100  $D:22:00.000Z $D:22:08.000Z      8.0s   +190.000 $D:22:00.000Z $R/c.ts
	garage-2            251  $D:35:00.000Z $D:35:08.000Z      8.0s     +0.000 $D:35:00.000Z $R/d.ts
	EOF_
	Q --near "$P" --radius 300 --from "$FROM" --to "$TO" >actual 2>err &&
	test_cmp expect actual &&
	test ! -s err &&
	Q -c bank-atm --from "$FROM" --to "$TO" >actual 2>err &&
	test ! -s actual &&
	echo "vidx-query: no footage in the window from 1 camera" >expect &&
	test_cmp expect err
'

test_expect_success '--sort time orders by start; the default is distance, then time' '
	Q --near "$P" --radius 300 --from "$FROM" --to "$TO" --sort time --json |
		jqr "[.camera, .start] | @tsv" >actual &&
	printf "%s\t%s\n" city-0412 "$D:20:00.000Z" deli-front "$D:22:00.000Z" \
		city-0412 "$D:30:00.000Z" city-0412 "$D:30:09.000Z" \
		garage-2 "$D:35:00.000Z" >expect &&
	test_cmp expect actual &&
	Q --near "$P" --radius 300 --from "$FROM" --to "$TO" --sort distance --json >actual &&
	canvass_json >expect &&
	test_cmp expect actual &&
	Q --near "$P" --radius 450 --from "$FROM" --to "$TO" --sort time --csv |
		sed 1d | cut -d, -f1 >actual &&
	printf "%s\n" city-0412 deli-front city-0412 city-0412 garage-2 city-0413 >expect &&
	test_cmp expect actual &&
	Q --near "$P" --radius 450 --from "$FROM" --to "$TO" | cut -c1-23 >actual &&
	cat >expect <<-EOF_ &&
	CAMERA           DIST_M
	city-0412             0
	city-0412             0
	city-0412             0
	deli-front          100
	garage-2            251
	city-0413           397
	EOF_
	test_cmp expect actual
'

test_expect_success 'no place selector: every camera, distance_m null, ordered by camera id' '
	Q --from "$FROM" --to "$TO" --json |
		jqr "[.camera, .distance_m, .start, .end] | @tsv" >actual &&
	printf "%s\t\t%s\t%s\n" city-0412 "$D:20:00.000Z" "$D:20:03.500Z" \
		city-0412 "$D:30:00.000Z" "$D:30:04.000Z" \
		city-0412 "$D:30:09.000Z" "$D:30:13.000Z" \
		city-0413 "$D:39:57.000Z" "$D:40:00.000Z" \
		deli-front "$D:22:00.000Z" "$D:22:08.000Z" \
		garage-2 "$D:35:00.000Z" "$D:35:08.000Z" >expect &&
	test_cmp expect actual &&
	Q --from "$FROM" --to "$TO" | awk "NR > 1 { print \$2 }" | sort -u >actual &&
	echo - >expect && test_cmp expect actual
'

test_expect_success 'a local window in --tz or $TZ, or with an offset, is the same window' '
	Q --from "$FROM" --to "$TO" --json >expect &&
	Q --tz America/New_York --from "2022-07-04 21:20" --to "2022-07-04 21:40" \
		--json >actual &&
	test_cmp expect actual &&
	TZ=America/New_York Q --from "2022-07-04 21:20" --to "2022-07-04 21:40" \
		--json >actual &&
	test_cmp expect actual &&
	Q --from 2022-07-04T21:20-04:00 --to 2022-07-04T21:40:00.000-04:00 --json >actual &&
	test_cmp expect actual
'

# ---- --paths ------------------------------------------------------------------

test_expect_success '--paths: each recording once, in span order; -0 NUL-ended' '
	Q --near "$P" --radius 300 --from "$FROM" --to "$TO" --paths >actual &&
	printf "$R/%s\n" a.ts b.ts c.ts d.ts >expect &&
	test_cmp expect actual &&
	Q --from "$FROM" --to "$TO" --paths -0 | tr "\0" "|" >actual &&
	printf "$R/%s|" a.ts b.ts "e, 0413.ts" c.ts d.ts >expect &&
	test_cmp expect actual &&
	Q --from "$FROM" --to "$TO" --paths --null | tr "\0" "|" >actual &&
	test_cmp expect actual &&
	Q -c bank-atm --from "$FROM" --to "$TO" --paths -0 >actual &&
	test ! -s actual
'

test_expect_success '--paths -0 | xargs -0 sha256sum: the hashes the index holds' '
	Q --from "$FROM" --to "$TO" --paths -0 | xargs -0 sha256sum >sums &&
	test "$(lines sums)" = 5 &&
	cut -c1-64 sums >actual &&
	Q --from "$FROM" --to "$TO" --json | jq -r .sha256 | uniq >expect &&
	test_cmp expect actual &&
	sha256sum -c --quiet sums
'

# ---- coverage -----------------------------------------------------------------

test_expect_success '--coverage --json: covered and uncovered intervals, cameras without footage' '
	w="\"from\":\"$D:20:00.000Z\",\"to\":\"$D:40:00.000Z\"" &&
	cat >expect <<-EOF_ &&
	{"camera":"city-0412","name":"Chapel & Orange NE","lat":41.3057,"lon":-72.9256,"distance_m":0.0,$w,"footage":true,"covered_s":11.5,"uncovered_s":1188.5,"covered":[{"start":"$D:20:00.000Z","end":"$D:20:03.500Z"},{"start":"$D:30:00.000Z","end":"$D:30:04.000Z"},{"start":"$D:30:09.000Z","end":"$D:30:13.000Z"}],"uncovered":[{"start":"$D:20:03.500Z","end":"$D:30:00.000Z"},{"start":"$D:30:04.000Z","end":"$D:30:09.000Z"},{"start":"$D:30:13.000Z","end":"$D:40:00.000Z"}],"mobile":false}
	{"camera":"deli-front","name":"Deli, front door","lat":41.3066,"lon":-72.9256,"distance_m":100.1,$w,"footage":true,"covered_s":8.0,"uncovered_s":1192.0,"covered":[{"start":"$D:22:00.000Z","end":"$D:22:08.000Z"}],"uncovered":[{"start":"$D:20:00.000Z","end":"$D:22:00.000Z"},{"start":"$D:22:08.000Z","end":"$D:40:00.000Z"}],"mobile":false}
	{"camera":"bank-atm","name":"Bank ATM","lat":41.3057,"lon":-72.9274,"distance_m":150.4,$w,"footage":false,"covered_s":0.0,"uncovered_s":1200.0,"covered":[],"uncovered":[{"start":"$D:20:00.000Z","end":"$D:40:00.000Z"}],"mobile":false}
	{"camera":"garage-2","name":"Garage \"2\"","lat":41.3057,"lon":-72.9226,"distance_m":250.6,$w,"footage":true,"covered_s":8.0,"uncovered_s":1192.0,"covered":[{"start":"$D:35:00.000Z","end":"$D:35:08.000Z"}],"uncovered":[{"start":"$D:20:00.000Z","end":"$D:35:00.000Z"},{"start":"$D:35:08.000Z","end":"$D:40:00.000Z"}],"mobile":false}
	EOF_
	Q --near "$P" --radius 300 --from "$FROM" --to "$TO" --coverage --json >actual &&
	test_cmp expect actual
'

# a cell of the bar is 1/48 of the window (25 s here): "#" if any footage
# falls in it.  Trailing blanks are not compared.
test_expect_success '--coverage table: a bar per camera, what is not covered, "no footage"' '
	dots="................................................" &&
	cat >expect <<-EOF_ &&
	CAMERA           DIST_M  COVERAGE                                                %  $D:20:00.000Z .. $D:40:00.000Z
	city-0412             0  |#.......................#.......................|   1.0%
	                           not covered $D:20:03.500Z .. $D:30:00.000Z
	                           not covered $D:30:04.000Z .. $D:30:09.000Z
	                           not covered $D:30:13.000Z .. $D:40:00.000Z
	deli-front          100  |....##..........................................|   0.7%
	                           not covered $D:20:00.000Z .. $D:22:00.000Z
	                           not covered $D:22:08.000Z .. $D:40:00.000Z
	bank-atm            150  |$dots|   0.0%  no footage in the window
	garage-2            251  |....................................#...........|   0.7%
	                           not covered $D:20:00.000Z .. $D:35:00.000Z
	                           not covered $D:35:08.000Z .. $D:40:00.000Z
	EOF_
	Q --near "$P" --radius 300 --from "$FROM" --to "$TO" --coverage >out &&
	sed "s/ *\$//" out >actual &&
	test_cmp expect actual
'

test_expect_success '--coverage --csv: per camera, by distance, stretches in time order' '
	cat >expect <<-EOF_ &&
	camera,distance_m,covered,start,end
	city-0412,0.0,yes,$D:20:00.000Z,$D:20:03.500Z
	city-0412,0.0,no,$D:20:03.500Z,$D:30:00.000Z
	city-0412,0.0,yes,$D:30:00.000Z,$D:30:04.000Z
	city-0412,0.0,no,$D:30:04.000Z,$D:30:09.000Z
	city-0412,0.0,yes,$D:30:09.000Z,$D:30:13.000Z
	city-0412,0.0,no,$D:30:13.000Z,$D:40:00.000Z
	deli-front,100.1,no,$D:20:00.000Z,$D:22:00.000Z
	deli-front,100.1,yes,$D:22:00.000Z,$D:22:08.000Z
	deli-front,100.1,no,$D:22:08.000Z,$D:40:00.000Z
	bank-atm,150.4,no,$D:20:00.000Z,$D:40:00.000Z
	garage-2,250.6,no,$D:20:00.000Z,$D:35:00.000Z
	garage-2,250.6,yes,$D:35:00.000Z,$D:35:08.000Z
	garage-2,250.6,no,$D:35:08.000Z,$D:40:00.000Z
	EOF_
	Q --near "$P" --radius 300 --from "$FROM" --to "$TO" --coverage --csv >actual &&
	test_cmp expect actual
'

test_expect_success 'a hole in a recording: two spans, and uncovered in --coverage' '
	Q -c city-0412 --from "$D:30:00Z" --to "$D:30:13Z" --json |
		jqr "[.recording_id, .segment_id, .start, .end] | @tsv" >actual &&
	printf "%s\t%s\t%s\t%s\n" 2 2 "$D:30:00.000Z" "$D:30:04.000Z" \
		2 3 "$D:30:09.000Z" "$D:30:13.000Z" >expect &&
	test_cmp expect actual &&
	Q -c city-0412 --from "$D:30:00Z" --to "$D:30:13Z" --coverage --json |
		jqc "[.covered_s, .uncovered_s, .uncovered]" >actual &&
	echo "[8,5,[{\"start\":\"$D:30:04.000Z\",\"end\":\"$D:30:09.000Z\"}]]" >expect &&
	test_cmp expect actual &&
	Q -c city-0412 --from "$D:30:05Z" --to "$D:30:08Z" --json >actual &&
	test ! -s actual &&
	Q -c city-0412 --from "$D:30:05Z" --to "$D:30:08Z" --coverage --json |
		jqc "[.footage, .covered, .uncovered_s]" >actual &&
	echo "[false,[],3]" >expect &&
	test_cmp expect actual
'

test_expect_success 'clipping at the window end: city-0413 from 01:39:57 to 01:40:00, not its second part' '
	Q -c city-0413 --from "$FROM" --to "$TO" --json |
		jqr "[.segment_id, .start, .end, .camera_end, .duration_s] | @tsv" >actual &&
	printf "%s\t%s\t%s\t%s\t%s\n" 6 "$D:39:57.000Z" "$D:40:00.000Z" \
		"$D:40:00.000Z" 3 >expect &&
	test_cmp expect actual &&
	Q -c city-0413 --from "$FROM" --to "$TO" --coverage >out &&
	sed -n 2p out | grep "^city-0413  *-  |\.\{47\}#|   0\.2%"
'

# ---- seek points --------------------------------------------------------------

# seek ARGS: "start seek_time seek_pts_s seek_pos path" of each span
seek() {
	Q --json "$@" | jqr "[.start, .seek_time, .seek_pts_s, .seek_pos, .path] | @tsv"
}

# want START SEEK_TIME PTS FILE: the line seek() should give (pos by ffprobe)
want() {
	printf "%s\t%s\t%s\t%s\t%s\n" "$1" "$2" "$3" "$(kpos "rec/$4" "$3")" "$R/$4"
}

test_expect_success 'seek points: the last keyframe at or before the start, per ffprobe' '
	seek -c city-0412 --from "$FROM" --to "$D:31:00Z" >actual &&
	{ want "$D:20:00.000Z" "$D:19:59.500Z" 5.48 a.ts &&
	  want "$D:30:00.000Z" "$D:30:00.000Z" 1.4 b.ts &&
	  want "$D:30:09.000Z" "$D:30:09.000Z" 10.4 b.ts; } >expect &&
	test_cmp expect actual &&
	seek -c city-0412 --from "$D:20:02.5Z" --to "$D:21:00Z" >actual &&
	want "$D:20:02.500Z" "$D:20:02.500Z" 8.48 a.ts >expect &&
	test_cmp expect actual &&
	seek -c city-0412 --from "$D:20:02.499Z" --to "$D:21:00Z" >actual &&
	want "$D:20:02.499Z" "$D:20:01.500Z" 7.48 a.ts >expect &&
	test_cmp expect actual &&
	seek -c city-0412 --from "$D:30:06Z" --to "$D:31:00Z" >actual &&
	want "$D:30:09.000Z" "$D:30:09.000Z" 10.4 b.ts >expect &&
	test_cmp expect actual &&
	seek -c city-0412 --from "$D:30:12.99Z" --to "$D:31:00Z" >actual &&
	want "$D:30:12.990Z" "$D:30:12.000Z" 13.4 b.ts >expect &&
	test_cmp expect actual
'

test_expect_success 'seek points on the fast clock: keyframe found on its clock, reported in true time' '
	seek -c deli-front --from "$D:22:03.2Z" --to "$D:23:00Z" >actual &&
	want "$D:22:03.200Z" "$D:22:03.000Z" 4.48 c.ts >expect &&
	test_cmp expect actual &&
	Q -c deli-front --from "$D:22:03.2Z" --to "$D:23:00Z" --json |
		jqr "[.camera_start, .camera_end] | @tsv" >actual &&
	printf "%s\t%s\n" "$D:25:13.200Z" "$D:25:18.000Z" >expect &&
	test_cmp expect actual
'

test_expect_success 'seek_pos is a keyframe packet of the source: TS sync byte there, K flag in ffprobe' '
	Q --from "$FROM" --to "$TO" --json |
		jqr "[.seek_pos, .seek_pts_s, .path] | @tsv" >seeks &&
	test "$(lines seeks)" = 6 &&
	while IFS="	" read -r pos pts path; do
		test "$(od -An -tx1 -j "$pos" -N1 "$path" | tr -d " ")" = 47 &&
		kfs "$path" >k &&
		grep -qx "$pts $pos" k || { echo "not a keyframe: $pos $pts $path"; exit 1; }
	done <seeks
'

# ---- --at/--pad ---------------------------------------------------------------

test_expect_success '--at T --pad DUR is the window T - DUR .. T + DUR' '
	Q --at "$D:30:05.5Z" --pad 3s --json >actual &&
	Q --from "$D:30:02.5Z" --to "$D:30:08.5Z" --json >expect &&
	test_cmp expect actual &&
	jqr "[.camera, .start, .end, .seek_time] | @tsv" actual >got &&
	printf "%s\t%s\t%s\t%s\n" city-0412 "$D:30:02.500Z" "$D:30:04.000Z" \
		"$D:30:02.000Z" >expect &&
	test_cmp expect got &&
	Q -c city-0412 --at "$D:30:05.5Z" --pad 3s --coverage --json |
		jqc "[.from, .to, .covered_s, .uncovered]" >actual &&
	echo "[\"$D:30:02.500Z\",\"$D:30:08.500Z\",1.5,[{\"start\":\"$D:30:04.000Z\",\"end\":\"$D:30:08.500Z\"}]]" >expect &&
	test_cmp expect actual &&
	for p in 90s 1m30s 1.5m; do
		Q -c city-0412 --at "$D:30:05Z" --pad "$p" --coverage --json |
			jqr "[.from, .to] | @tsv"
	done >actual &&
	for p in 1 2 3; do printf "%s\t%s\n" "$D:28:35.000Z" "$D:31:35.000Z"; done >expect &&
	test_cmp expect actual &&
	Q --at "$D:30:05.5Z" --pad 3s --json >expect &&
	Q --tz America/New_York --at "2022-07-04 21:30:05.5" --pad 3s --json >actual &&
	test_cmp expect actual
'

# ---- the clock that runs fast --------------------------------------------------

test_expect_success 'fast clock: one observation (+190 s) applies before and after it' '
	Q -c deli-front --from 2022-07-05T01:00Z --to 2022-07-05T03:00Z --json |
		jqr "[.recording_id, .start, .end, .camera_start, .camera_end,
			.correction_ms, .seek_time] | @tsv" >actual &&
	printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n" \
		3 "$D:22:00.000Z" "$D:22:08.000Z" "$D:25:10.000Z" "$D:25:18.000Z" 190000 "$D:22:00.000Z" \
		9 2022-07-05T02:12:00.000Z 2022-07-05T02:12:08.000Z 2022-07-05T02:15:10.000Z \
		2022-07-05T02:15:18.000Z 190000 2022-07-05T02:12:00.000Z \
		10 2022-07-05T02:36:50.000Z 2022-07-05T02:36:58.000Z 2022-07-05T02:40:00.000Z \
		2022-07-05T02:40:08.000Z 190000 2022-07-05T02:36:50.000Z >expect &&
	test_cmp expect actual &&
	Q -c deli-front --from "$D:25:09Z" --to "$D:25:19Z" --json >actual &&
	test ! -s actual
'

# ---- a DVR in local time across DST changes -----------------------------------

test_expect_success 'fall-back: both 01:30s of 2022-11-06, a local window in --tz, --local' '
	span garage-2 "Garage \\\"2\\\"" 41.3057 -72.9226 null 6 8 f.ts \
		2022-11-06T05:30:00.000Z 2022-11-06T05:30:08.000Z 8.0 \
		2022-11-06T05:30:00.000Z 2022-11-06T05:30:08.000Z 0.0 \
		2022-11-06T05:30:00.000Z 1.48 >expect &&
	span garage-2 "Garage \\\"2\\\"" 41.3057 -72.9226 null 7 9 g.ts \
		2022-11-06T06:30:00.000Z 2022-11-06T06:30:08.000Z 8.0 \
		2022-11-06T06:30:00.000Z 2022-11-06T06:30:08.000Z 0.0 \
		2022-11-06T06:30:00.000Z 1.48 >>expect &&
	Q -c garage-2 --tz America/New_York --from "2022-11-06 00:50" \
		--to "2022-11-06 03:00" --json >actual &&
	test_cmp expect actual &&
	Q -c garage-2 --tz America/New_York --from "2022-11-06 00:50" \
		--to "2022-11-06 03:00" --local >actual &&
	cat >expect <<-EOF_ &&
	CAMERA           DIST_M  START                    END                       DURATION     CORR_S SEEK                     PATH
	garage-2              -  2022-11-06T01:30:00.000-04:00 2022-11-06T01:30:08.000-04:00      8.0s     +0.000 2022-11-06T01:30:00.000-04:00 $R/f.ts
	garage-2              -  2022-11-06T01:30:00.000-05:00 2022-11-06T01:30:08.000-05:00      8.0s     +0.000 2022-11-06T01:30:00.000-05:00 $R/g.ts
	EOF_
	test_cmp expect actual &&
	Q -c garage-2 --tz America/New_York --from "2022-11-06 00:50" \
		--to "2022-11-06 03:00" --coverage --json |
		jqr "[.from, .to, .covered_s, .uncovered_s] | @tsv" >actual &&
	printf "%s\t%s\t%s\t%s\n" 2022-11-06T04:50:00.000Z 2022-11-06T08:00:00.000Z \
		16 11384 >expect &&
	test_cmp expect actual &&
	Q -c garage-2 --from 2022-11-06T01:00-05:00 --to 2022-11-06T02:00-05:00 --paths >actual &&
	echo "$R/g.ts" >expect && test_cmp expect actual &&
	Q -c garage-2 --from 2022-11-06T01:00-04:00 --to 2022-11-06T01:59:59-04:00 --paths >actual &&
	echo "$R/f.ts" >expect && test_cmp expect actual
'

# ambig ARGS: exit 2, nothing on stdout, a message that says ambiguous
ambig() {
	test_expect_code 2 Q "$@" >out 2>err &&
	test ! -s out &&
	head -1 err | grep "^vidx-query: --[a-z]*: .2022-11-06 01:[0-9:]*. is ambiguous in America/New_York"
}

test_expect_success 'a local time inside the fall-back hour is refused as ambiguous (exit 2)' '
	ambig --tz America/New_York --from "2022-11-06 01:30" --to "2022-11-06 03:00" &&
	ambig --tz America/New_York --from "2022-11-06 00:50" --to "2022-11-06 01:15" &&
	ambig --tz America/New_York --at "2022-11-06 01:00:00" --pad 1m &&
	TZ=America/New_York ambig --from "2022-11-06 01:59:59" --to "2022-11-06 03:00" &&
	Q --from "2022-11-06 01:30" --to "2022-11-06 03:00" --json >out &&
	test ! -s out &&
	Q -c garage-2 --tz America/New_York --from "2022-11-06T01:30-05:00" \
		--to "2022-11-06 03:00" --paths >actual &&
	echo "$R/g.ts" >expect && test_cmp expect actual
'

test_expect_success 'spring-forward: a skipped local time is refused; 01:59..03:01 local is 2 minutes' '
	test_expect_code 2 Q --tz America/New_York --from "2022-03-13 02:30" \
		--to "2022-03-13 04:00" >out 2>err &&
	test ! -s out &&
	head -1 err | grep "^vidx-query: --from: .2022-03-13 02:30. does not exist in America/New_York" &&
	Q -c garage-2 --tz America/New_York --from "2022-03-13 01:59" \
		--to "2022-03-13 03:01" --coverage --json |
		jqr "[.from, .to, .covered_s, .uncovered_s, .covered[0].start, .covered[0].end] | @tsv" >actual &&
	printf "%s\t%s\t%s\t%s\t%s\t%s\n" 2022-03-13T06:59:00.000Z 2022-03-13T07:01:00.000Z \
		8 112 2022-03-13T06:59:58.000Z 2022-03-13T07:00:06.000Z >expect &&
	test_cmp expect actual &&
	Q -c garage-2 --tz America/New_York --from "2022-03-13 01:59" \
		--to "2022-03-13 03:01" --local | sed 1d | cut -c26-84 >actual &&
	echo "2022-03-13T01:59:58.000-05:00 2022-03-13T03:00:06.000-04:00" >expect &&
	test_cmp expect actual
'

# ---- bad input ------------------------------------------------------------------

test_expect_success 'unknown camera: exit 1, one line naming it, nothing on stdout' '
	for form in --json --coverage; do
		test_expect_code 1 Q --from "$FROM" --to "$TO" -c city-0412 -c nope $form \
			>out 2>err &&
		test ! -s out &&
		echo "vidx-query: unknown camera '\''nope'\''" >expect &&
		test_cmp expect err || exit 1
	done
'

# usage WANT ARGS: exit 2, nothing on stdout; stderr is "vidx-query: WANT..."
# and the --help hint
usage() {
	msg=$1
	shift
	test_expect_code 2 Q "$@" >out 2>err &&
	test ! -s out &&
	head -1 err | grep -F "vidx-query: $msg" >/dev/null &&
	echo "Try 'vidx-query --help' for more information." >hint &&
	sed 1d err >rest && test_cmp hint rest ||
	{ echo "for: $*"; cat err; return 1; }
}

test_expect_success 'usage errors: exit 2, one message, nothing on stdout' '
	usage "--radius needs --near" --from "$FROM" --to "$TO" --radius 300 &&
	usage "--near needs --radius" --from "$FROM" --to "$TO" --near "$P" &&
	usage "the window ends before it starts" --from "$TO" --to "$FROM" &&
	usage "the window ends before it starts" --from "$TO" --to "$TO" &&
	usage "--from: cannot read time '\''yesterday'\''" --from yesterday --to "$TO" &&
	usage "--to: '\''2022-07-05T25:00Z'\'' is not a valid" --from "$FROM" --to 2022-07-05T25:00Z &&
	usage "--at: cannot read time" --at "21:30" --pad 5m &&
	usage "--radius: cannot read distance '\''300ft'\''" --from "$FROM" --to "$TO" \
		--near "$P" --radius 300ft &&
	usage "--near: 91,0 is not on Earth" --from "$FROM" --to "$TO" --near 91,0 --radius 5 &&
	usage "--bbox: want S,W,N,E" --from "$FROM" --to "$TO" --bbox 41.31,-72.93,41.30,-72.92 &&
	usage "--tz: unknown time zone" --from "$FROM" --to "$TO" --tz Mars/Olympus &&
	usage "-0 goes with --paths" --from "$FROM" --to "$TO" --json -0 &&
	usage "give the window" --near "$P" --radius 300
'

test_expect_success 'usage errors: NaN coordinates and extra --bbox fields are refused' '
	r=0 &&
	{ usage "--near:" --from "$FROM" --to "$TO" --near nan,nan --radius 300 || r=1; } &&
	{ usage "--bbox:" --from "$FROM" --to "$TO" --bbox nan,nan,nan,nan || r=1; } &&
	{ usage "--bbox:" --from "$FROM" --to "$TO" \
		--bbox 41.3050,-72.9280,41.3060,-72.9200,9 || r=1; } &&
	exit $r
'

test_expect_success 'missing or empty index: exit 1, one line; nothing created' '
	test_expect_code 1 vidx-query -d none.db --from "$FROM" --to "$TO" >out 2>err &&
	test ! -s out &&
	echo "vidx-query: no index at '\''none.db'\'': No such file or directory" >expect &&
	test_cmp expect err &&
	test ! -e none.db && test ! -e none.db-wal &&
	: >empty.db &&
	test_expect_code 1 vidx-query -d empty.db --from "$FROM" --to "$TO" --json >out 2>err &&
	test ! -s out && test "$(lines err)" = 1 && grep "^vidx-query: .*empty\.db" err &&
	test ! -s empty.db &&
	VIDX_DB=none.db test_expect_code 1 vidx-query --from "$FROM" --to "$TO" 2>err &&
	grep "none\.db" err
'

if [ -w /dev/full ]; then
test_expect_success 'a write error on standard output: exit 1, one line' '
	test_expect_code 1 Q --from "$FROM" --to "$TO" --json >/dev/full 2>err &&
	echo "vidx-query: write error on standard output" >expect &&
	test_cmp expect err
'
else
	test_skip 'a write error on standard output: exit 1, one line' 'no /dev/full'
fi

test_expect_success 'an index without cameras: exit 0, no rows, the table says so on stderr' '
	vidx-camera -d bare.db add x --lat 0 --lon 0 && vidx-camera -d bare.db rm x &&
	vidx-query -d bare.db --from "$FROM" --to "$TO" >out 2>err &&
	test ! -s out &&
	echo "vidx-query: no footage in the window from 0 cameras" >expect &&
	test_cmp expect err &&
	vidx-query -d bare.db --from "$FROM" --to "$TO" --json >out 2>err &&
	test ! -s out && test ! -s err
'

# ---- the index is never written ---------------------------------------------------

test_expect_success 'no query wrote to the index: vidx.db is byte for byte as after set-up' '
	Q --from "$FROM" --to "$TO" --coverage >/dev/null &&
	Q --from "$FROM" --to "$TO" --paths -0 >/dev/null &&
	test_expect_code 1 Q --from "$FROM" --to "$TO" -c nope 2>/dev/null &&
	sha vidx.db >actual &&
	test_cmp db.sha actual &&
	{ test ! -e vidx.db-wal || test ! -s vidx.db-wal; }
'

# An index on write-protected media (a read-only mount, an evidence copy):
# a query only reads, so it must work there.  Root ignores permissions, so
# as root the query runs as nobody.
as=
if [ "$(id -u)" = 0 ]; then
	as="setpriv --reuid=65534 --regid=65534 --clear-groups"
	$as "$VIDX_BIN/vidx-query" -V >/dev/null 2>&1 || as=no
fi
if [ "$as" = no ]; then
	test_skip 'a query works on an index in a read-only directory' \
		'root, and nobody cannot run vidx-query through setpriv'
else
test_expect_success 'a query works on an index in a read-only directory' '
	mkdir ro && cp vidx.db ro/ && chmod 444 ro/vidx.db && chmod 555 ro &&
	{ test -z "$as" || chmod o+x "$TRASH"; } &&
	$as "$VIDX_BIN/vidx-query" -d "$TRASH/ro/vidx.db" --from "$FROM" --to "$TO" \
		--json >actual 2>err || { cat err; exit 1; } &&
	Q --from "$FROM" --to "$TO" --json >expect &&
	test_cmp expect actual &&
	test "$(ls ro)" = vidx.db
'
fi

# ---- a second clock observation ---------------------------------------------------

# deli-front showed 02:31:50 at 02:29:20 (+150 s): between the two
# observations (camera 01:25:10 and 02:31:50, 4000 s) the offset falls
# linearly by 10 ms per second, and stays +150 s after the second.
test_expect_success 'a second clock observation changes the next answer (linear between, constant after)' '
	vidx-camera -d vidx.db clock deli-front --camera-time 2022-07-05T02:31:50Z \
		--true-time 2022-07-05T02:29:20Z &&
	T=2022-07-05T02 &&
	{ span deli-front "Deli, front door" 41.3066 -72.9256 100.1 3 4 c.ts \
		"$D:22:00.000Z" "$D:22:08.080Z" 8.08 "$D:25:10.000Z" "$D:25:18.000Z" \
		190000.0 "$D:22:00.000Z" 1.48 &&
	  span deli-front "Deli, front door" 41.3066 -72.9256 100.1 9 11 i.ts \
		"$T:12:30.000Z" "$T:12:38.080Z" 8.08 "$T:15:10.000Z" "$T:15:18.000Z" \
		160000.0 "$T:12:30.000Z" 1.48 &&
	  span deli-front "Deli, front door" 41.3066 -72.9256 100.1 10 12 j.ts \
		"$T:37:30.000Z" "$T:37:38.000Z" 8.0 "$T:40:00.000Z" "$T:40:08.000Z" \
		150000.0 "$T:37:30.000Z" 1.48; } >expect &&
	Q --near "$P" --radius 120 -c deli-front --from 2022-07-05T01:00Z \
		--to 2022-07-05T03:00Z --json >actual &&
	test_cmp expect actual &&
	seek -c deli-front --from "$T:12:33.3Z" --to "$T:13:00Z" >actual &&
	want "$T:12:33.300Z" "$T:12:33.030Z" 4.48 i.ts >expect &&
	test_cmp expect actual &&
	Q -c deli-front --from "$T:12:33.3Z" --to "$T:13:00Z" --csv | sed 1d |
		awk -F, "{ print \$12, \$13, \$14 }" >actual &&
	echo "$T:15:13.267Z $T:15:18.000Z 159967.327" >expect &&
	test_cmp expect actual &&
	canvass_json | grep "\"city-0412\"" >expect &&
	Q -c city-0412 --from "$FROM" --to "$TO" --near "$P" --radius 1 --json >actual &&
	test_cmp expect actual
'

test_done
