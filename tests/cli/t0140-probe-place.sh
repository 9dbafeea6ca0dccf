#!/bin/sh
# vidx-probe: a recording's own time and place (phones, GoPro, dashcams,
# DJI drones, AVCHD camcorders), checked against exiftool, ffprobe and
# gpsbabel; what cannot be right is flagged and left out.
. "$(dirname "$0")/lib.sh"
. "$VIDX_SRC/tests/cli/geo.sh"

for t in exiftool gpsbabel ffmpeg; do
	command -v $t >/dev/null 2>&1 || { echo "1..0 # SKIP $t not installed"; exit 0; }
done

# the points of FILE's track as "lat lon" lines, and their times
track_ll() { vidx-probe --json --track "$1" | tail -n +2 | jq -r '"\(.lat) \(.lon)"'; }

test_expect_success 'iPhone: ISO 6709 position and capture date with its offset (exiftool)' '
	base_mp4 base.mp4 &&
	ffmpeg -nostdin -loglevel error -y -i base.mp4 -c copy -map 0 \
		-movflags use_metadata_tags \
		-metadata com.apple.quicktime.location.ISO6709=+41.305681-072.925612+012.300/ \
		-metadata com.apple.quicktime.creationdate=2022-07-04T21:24:30-0400 \
		-metadata com.apple.quicktime.make=Apple \
		-metadata "com.apple.quicktime.model=iPhone 12" \
		-metadata com.apple.quicktime.software=16.1 phone.mov &&
	vidx-probe --json phone.mov >out &&
	jq -r "\"\(.location.lat) \(.location.lon) \(.location.alt_m)\"" out >mine &&
	exiftool -n -s3 -GPSCoordinates phone.mov >theirs && near theirs mine &&
	jq -r "\"\(.location.source) \(.location.raw)\"" out >actual &&
	echo "quicktime-iso6709 +41.305681-072.925612+012.300/" >expect && test_cmp expect actual &&
	# exiftool prints the date with its offset; date(1) makes it UTC
	d=$(exiftool -s3 -CreationDate phone.mov | sed "s/^\([0-9]*\):\([0-9]*\):/\1-\2-/") &&
	date -u -d "$d" +%Y-%m-%dT%H:%M:%S.000Z >expect &&
	jq -r .start out >actual && test_cmp expect actual &&
	jq -r "\"\(.time_source) \(.device.make) \(.device.model) \(.device.software)\"" out >actual &&
	echo "device Apple iPhone 12 16.1" >expect && test_cmp expect actual &&
	jq -e "[.time_candidates[] | select(.source == \"device\")][0].raw == \"2022-07-04T21:24:30-0400\"" out &&
	jq -e ".track == null and .place_problems == []" out
'

test_expect_success 'Android: MP4 (c)xyz position (exiftool)' '
	base_mp4 base.mp4 && mkgeo udta base.mp4 android.mp4 xyz=+51.4169-000.0806/ &&
	vidx-probe --json android.mp4 >out &&
	jq -r "\"\(.location.lat) \(.location.lon)\"" out >mine &&
	exiftool -n -s3 -GPSLatitude -GPSLongitude android.mp4 | paste -s -d " " >theirs &&
	near theirs mine &&
	jq -e ".location.source == \"mp4-xyz\" and .location.alt_m == null" out
'

test_expect_success '3GPP loci position, 16.16 fixed point (exiftool, to its 1e-5)' '
	base_mp4 base.mp4 && mkgeo udta base.mp4 loci.mp4 loci=51.500701,-0.124603,12 &&
	vidx-probe --json loci.mp4 >out &&
	jq -r "\"\(.location.lat) \(.location.lon) \(.location.alt_m)\"" out >mine &&
	exiftool -n -s3 -GPSLatitude -GPSLongitude -GPSAltitude loci.mp4 | paste -s -d " " >theirs &&
	near theirs mine 1.6e-5 &&
	jq -e ".location.source == \"3gpp-loci\"" out
'

test_expect_success 'GoPro GPMF: every GPS5 point, GPSU satellite time (exiftool)' '
	base_mp4 base.mp4 &&
	mkgeo gpmf base.mp4 gopro.mp4 n=8 rate=18 gpsu=220705012430.000 dlat=0.00001 dlon=0.000003 &&
	vidx-probe --json --track gopro.mp4 >out &&
	head -1 out >probe.json && tail -n +2 out >points &&
	exif_all GPSLatitude gopro.mp4 >lat && exif_all GPSLongitude gopro.mp4 >lon &&
	paste -d " " lat lon >theirs && jq -r "\"\(.lat) \(.lon)\"" points >mine &&
	near theirs mine &&
	test $(lines points) = 144 &&
	jq -e ".track.points == 144 and .track.source == \"gpmf\" and .time_source == \"gps\"" probe.json &&
	# the first payload GPSU is the first frame: exiftool, to the ms
	exif_all GPSDateTime gopro.mp4 | head -1 | sed "s/^\([0-9]*\):\([0-9]*\):\([0-9]*\) /\1-\2-\3T/; s/$/Z/" >expect &&
	jq -r .start probe.json >actual && test_cmp expect actual &&
	jq -r .t points | head -1 >actual && test_cmp expect actual &&
	jq -e "[.time_candidates[] | select(.source == \"gps\")][0].raw == \"GPSU 220705012430.000\"" probe.json
'

test_expect_success 'GPMF: no fix, 0,0 and a jump are flagged and left out' '
	base_mp4 base.mp4 &&
	mkgeo gpmf base.mp4 bad.mp4 n=8 rate=18 nofix=2 zero=4 jump=6 &&
	vidx-probe --json bad.mp4 >out 2>err &&
	jq -e ".track.points == $((144 - 18 - 1 - 18)) and .track.dropped == 37" out &&
	grep "bad.mp4.*1 GPMF sample without a GPS fix" err &&
	grep "bad.mp4.*1 track point at 0,0" err &&
	grep "bad.mp4.*18 track points left out: a jump of 1111.. m" err &&
	test $(jq ".place_problems | length" out) = 3
'

test_expect_success 'GPMF with bad sizes, a scale of 0, a bad GPSU: clear message, exit 0' '
	base_mp4 base.mp4 &&
	mkgeo gpmf base.mp4 size.mp4 n=4 badsize=2 badscal=3 badgpsu=4 &&
	vidx-probe --json size.mp4 >out 2>err &&
	grep "size.mp4.*GPMF sample 2 at byte [0-9]*: GPMF: .GPS5. at byte [0-9]* runs past its container" err &&
	grep "2 GPMF samples in all could not be read" err &&
	grep "GPMF sample 4: GPSU .22XX05012430.000. is not a date" err &&
	jq -e ".track.points == 36" out
'

test_expect_success 'dashcam: NMEA RMC/GGA in a subtitle track (exiftool)' '
	base_mp4 base.mp4 && mkgeo nmea - nmea.srt n=8 dlat=0.0001 dlon=-0.00005 &&
	ffmpeg -nostdin -loglevel error -y -i base.mp4 -i nmea.srt -map 0 -map 1 \
		-c copy -c:s mov_text -f mov dash.mov &&
	vidx-probe --json --track dash.mov >out &&
	tail -n +2 out | jq -r "\"\(.lat) \(.lon) \(.alt_m)\"" >mine &&
	exif_all GPSLatitude dash.mov >lat && exif_all GPSLongitude dash.mov >lon &&
	exif_all GPSAltitude dash.mov >alt && paste -d " " lat lon alt >theirs &&
	near theirs mine &&
	exif_all GPSDateTime dash.mov | head -1 |
		sed "s/^\([0-9]*\):\([0-9]*\):\([0-9]*\) \(.*\)\.\(..\)Z/\1-\2-\3T\4.\50Z/" >expect &&
	head -1 out | jq -r .start >actual && test_cmp expect actual &&
	head -1 out | jq -e ".time_source == \"gps\" and .track.source == \"nmea\""
'

test_expect_success 'NMEA cues that start late (an empty first sample): still read (exiftool)' '
	base_mp4 base.mp4 && mkgeo nmea - nmea.srt n=6 dlat=0.0001 &&
	sed "s/,000 -->/,500 -->/" nmea.srt >late.srt &&
	ffmpeg -nostdin -loglevel error -y -i base.mp4 -i late.srt -map 0 -map 1 \
		-c copy -c:s mov_text -f mov late.mov &&
	# the muxer put an empty sample before the first cue (and between cues)
	ffprobe -v error -select_streams s -show_entries packet=size -of csv=p=0 late.mov |
		head -1 >size && echo 2 >expect && test_cmp expect size &&
	vidx-probe --json --track late.mov >out &&
	tail -n +2 out | jq -r "\"\(.lat) \(.lon)\"" >mine &&
	exif_all GPSLatitude late.mov >lat && exif_all GPSLongitude late.mov >lon &&
	paste -d " " lat lon >theirs && near theirs mine &&
	# each fix is half a second into the video (ffprobe): it started that much before
	t=$(exif_all GPSDateTime late.mov | head -1 |
		sed "s/^\([0-9]*\):\([0-9]*\):\([0-9]*\) \(.*\)Z/\1-\2-\3 \4 UTC/") &&
	cue=$(ffprobe -v error -select_streams s -show_entries packet=pts_time,size -of csv=p=0 late.mov |
		awk -F, "\$2 > 2 { print \$1; exit }") &&
	at=$(awk -v a="$(date -u -d "$t" +%s.%N)" -v b="$cue" "BEGIN { printf \"%.6f\", a - b }") &&
	date -u -d "@$at" +%Y-%m-%dT%H:%M:%S.%3NZ >expect &&
	head -1 out | jq -r .start >actual && test_cmp expect actual &&
	head -1 out | jq -e ".time_source == \"gps\" and .track.source == \"nmea\""
'

test_expect_success 'NMEA: a void fix and a bad checksum are left out and said' '
	base_mp4 base.mp4 && mkgeo nmea - nmea.srt n=8 void=3 badsum=5 &&
	ffmpeg -nostdin -loglevel error -y -i base.mp4 -i nmea.srt -map 0 -map 1 \
		-c copy -c:s mov_text -f mov dash.mov &&
	vidx-probe --json dash.mov >out 2>err &&
	jq -e ".track.points == 6" out &&
	grep "1 NMEA RMC sentence with status V" err &&
	grep "1 malformed NMEA sentence (bad checksum" err
'

test_expect_success 'Novatek dashcam: the gps box and its freeGPS blocks (exiftool)' '
	base_mp4 base.mp4 && mkgeo novatek base.mp4 nova.mp4 n=8 dlat=0.0001 dlon=-0.00012 &&
	vidx-probe --json --track nova.mp4 >out &&
	tail -n +2 out | jq -r "\"\(.lat) \(.lon)\"" >mine &&
	exif_all GPSLatitude nova.mp4 >lat && exif_all GPSLongitude nova.mp4 >lon &&
	paste -d " " lat lon >theirs && near theirs mine &&
	exif_all GPSDateTime nova.mp4 | sed "s/^\([0-9]*\):\([0-9]*\):\([0-9]*\) \(.*\)Z/\1-\2-\3T\4.000Z/" >expect &&
	tail -n +2 out | jq -r .t >actual && test_cmp expect actual &&
	head -1 out | jq -e ".time_source == \"gps\" and .track.source == \"novatek-freegps\" and .track.points == 8"
'

test_expect_success 'Novatek: a void block and another vendor layout are left out and said' '
	base_mp4 base.mp4 && mkgeo novatek base.mp4 nova.mp4 n=8 void=2 other=5 &&
	vidx-probe --json nova.mp4 >out 2>err &&
	jq -e ".track.points == 6 and .track.dropped == 1" out &&
	grep "1 freeGPS block with status V (no fix) left out" err &&
	grep "1 of 8 freeGPS blocks not read: a freeGPS layout this does not read" err
'

test_expect_success 'DJI .SRT sidecar (Air 2S style): every cue a point, the drone date read in --tz' '
	base_mp4 base.mp4 && cp base.mp4 DJI_0001.MP4 &&
	mkgeo djisrt - DJI_0001.SRT n=200 fps=25 dlat=0.000001 dlon=0.000002 &&
	vidx-probe --json --track --tz Europe/Madrid DJI_0001.MP4 >out &&
	tail -n +2 out >points && test $(lines points) = 200 &&
	# positions against the sidecar text itself, times against ffprobe cues
	sed -n "s/.*\[latitude: \([^]]*\)\] \[longitude: \([^]]*\)\].*/\1 \2/p" DJI_0001.SRT >theirs &&
	jq -r "\"\(.lat) \(.lon)\"" points >mine && near theirs mine &&
	ffprobe -v error -show_entries packet=pts_time -of csv=p=0 DJI_0001.SRT >theirs &&
	jq -r ".t" points | while read t; do
		date -u -d "$t" +%s.%N; done | awk "NR == 1 { b = \$1 } { printf \"%.6f\n\", \$1 - b }" >mine &&
	near theirs mine 1e-3 &&
	head -1 out | jq -r "\"\(.start) \(.time_source) \(.track.source)\"" >actual &&
	echo "2022-07-04T19:24:30.000Z device dji-srt" >expect && test_cmp expect actual &&
	# the sidecar feeds the index too: named with its SHA-256
	head -1 out | jq -r .track.raw >actual &&
	echo "DJI sidecar DJI_0001.SRT, 200 cues, sha256 $(sha256sum <DJI_0001.SRT | cut -c1-64)" >expect &&
	test_cmp expect actual
'

test_expect_success 'DJI .SRT sidecar (Mavic Pro style): GPS(lon,lat,alt) and HOME dates' '
	base_mp4 base.mp4 && cp base.mp4 old.mp4 &&
	mkgeo djisrt - old.srt style=old n=8 lat=-20.2533 lon=149.0251 dlat=0.0001 &&
	vidx-probe --json --track old.mp4 >out &&
	sed -n "s/^GPS(\([^,]*\),\([^,]*\),.*/\2 \1/p" old.srt >theirs &&
	tail -n +2 out | jq -r "\"\(.lat) \(.lon)\"" >mine && near theirs mine &&
	head -1 out | jq -e ".start == \"2022-07-04T21:24:30.000Z\" and .track.points == 8"
'

test_expect_success 'DJI .SRT that does not fit the video: said, and not used' '
	base_mp4 base.mp4 && cp base.mp4 long.mp4 &&
	mkgeo djisrt - long.SRT n=60 style=old &&
	vidx-probe --json long.mp4 >out 2>err &&
	grep "vidx-probe: .long.mp4.: DJI sidecar .long.SRT. does not fit the video: its cues run to 60.000 s, the video lasts 8.000 s; not used" err &&
	jq -e ".track == null" out &&
	printf "1\nnot a time\n" >long.SRT &&
	vidx-probe --json long.mp4 >out 2>err &&
	grep "DJI sidecar .long.SRT.: line 2: want .HH:MM:SS,mmm --> HH:MM:SS,mmm.; not used" err
'

test_expect_success 'DJI .SRT: a cue at 0,0 and a jump are left out' '
	base_mp4 base.mp4 && cp base.mp4 j.mp4 &&
	mkgeo djisrt - j.SRT n=100 zero=10 jump=50 &&
	vidx-probe --json j.mp4 >out 2>err &&
	jq -e ".track.points == 98 and .track.dropped == 2" out &&
	grep "1 track point at 0,0" err && grep "a jump of" err
'

test_expect_success 'AVCHD camcorder: the MDPM date in the H.264 SEI, with its offset (exiftool)' '
	mkgeo mdpm "$FIXTURES/raw.h264" cam.h264 date=2022-07-04T21:24:30 off=-240 &&
	ffmpeg -nostdin -loglevel error -y -r 25 -f h264 -i cam.h264 -c copy -f mpegts cam.mts &&
	vidx-probe --json cam.mts >out &&
	d=$(exiftool -s3 -DateTimeOriginal cam.mts | sed "s/^\([0-9]*\):\([0-9]*\):/\1-\2-/") &&
	date -u -d "$d" +%Y-%m-%dT%H:%M:%S.000Z >expect &&
	jq -r .start out >actual && test_cmp expect actual &&
	jq -e ".time_source == \"stream\" and (.time_candidates[0].raw | startswith(\"2022:07:04 21:24:30-04:00 (MDPM\"))" out &&
	mkgeo mdpm "$FIXTURES/raw.h264" dst.h264 date=2022-07-04T21:24:30 off=60 dst=1 &&
	ffmpeg -nostdin -loglevel error -y -r 25 -f h264 -i dst.h264 -c copy -f mpegts dst.mts &&
	exiftool -s3 -DateTimeOriginal dst.mts | grep "+01:00 DST" &&
	vidx-probe --json dst.mts | jq -e ".start == \"2022-07-04T19:24:30.000Z\""
'

test_expect_success 'malformed or 0,0 ISO 6709: named on stderr, not used, exit 0' '
	base_mp4 base.mp4 &&
	ffmpeg -nostdin -loglevel error -y -i base.mp4 -c copy -map 0 -movflags use_metadata_tags \
		-metadata com.apple.quicktime.location.ISO6709=+4118.34N-07255.53/ bad.mov &&
	vidx-probe --json bad.mov >out 2>err &&
	grep "vidx-probe: .bad.mov.: ISO 6709 .+4118.34N-07255.53/.: bad longitude" err &&
	jq -e ".location == null and (.place_problems | length) == 1" out &&
	mkgeo udta base.mp4 zero.mp4 xyz=+00.0000+000.0000/ &&
	vidx-probe zero.mp4 >out 2>err &&
	grep "zero.mp4.*MP4 (c)xyz .+00.0000+000.0000/. is 0,0 (no fix); not used" err &&
	grep "problems   MP4 (c)xyz" out
'

test_expect_success '--geojson: Point and LineString features with times and SHA-256' '
	base_mp4 base.mp4 && mkgeo gpmf base.mp4 g.mp4 n=3 &&
	mkgeo udta base.mp4 p.mp4 xyz=+51.4169-000.0806/ &&
	vidx-probe --geojson g.mp4 p.mp4 base.mp4 >out &&
	jq -e ".type == \"FeatureCollection\" and (.features | length) == 3" out &&
	jq -e ".features[0].geometry.type == \"LineString\" and (.features[0].geometry.coordinates | length) == 54" out &&
	jq -e ".features[1].geometry == {\"type\":\"Point\",\"coordinates\":[-0.0806,51.4169]}" out &&
	jq -e ".features[2].geometry == null" out &&
	sha256sum g.mp4 | cut -c1-64 >expect &&
	jq -r ".features[0].properties.sha256" out >actual && test_cmp expect actual &&
	jq -e ".features[0].properties.start == \"2022-07-05T01:24:30.000Z\" and .features[0].properties.track.points == 54" out
'

test_expect_success '--gpx: GPX 1.1 that gpsbabel reads back, point for point' '
	base_mp4 base.mp4 && mkgeo gpmf base.mp4 g.mp4 n=3 dlon=0.00002 &&
	mkgeo udta base.mp4 p.mp4 xyz=+51.4169-000.0806/ &&
	vidx-probe --gpx g.mp4 p.mp4 >t.gpx &&
	gpsbabel -t -i gpx -f t.gpx -o unicsv -F tracks.csv &&
	test $(($(lines tracks.csv) - 1)) = 54 &&
	tail -n +2 tracks.csv | cut -d, -f2,3 | tr , " " >theirs &&
	track_ll g.mp4 >mine && near theirs mine &&
	gpsbabel -w -i gpx -f t.gpx -o unicsv -F wpt.csv &&
	tail -n +2 wpt.csv | cut -d, -f2,3 | tr , " " >theirs &&
	echo "51.4169 -0.0806" >mine && near theirs mine &&
	grep -c "<time>2022-07-05T01:24:3" t.gpx &&
	# the schema wants waypoints before tracks: in the order gpsbabel writes
	gpsbabel -i gpx -f t.gpx -o gpx,gpxver=1.1 -F - | grep -o "<wpt \|<trk>" >expect &&
	grep -o "<wpt \|<trk>" t.gpx >actual && test_cmp expect actual
'

test_expect_success 'usage: one output form; --track with a table or --json' '
	test_expect_code 2 vidx-probe --json --geojson x.mp4 &&
	test_expect_code 2 vidx-probe --gpx --track x.mp4
'

test_done
