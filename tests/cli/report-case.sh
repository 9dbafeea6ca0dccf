# report-case.sh - a small case to report on, shared by the report tests
# (sourced after lib.sh; not a test itself).
#
#   report_case DB EVIDENCE OUT  cameras around Chapel & Orange (one with a
#                                DVR clock 190 s fast, one with no footage),
#                                recordings copied from the fixtures into
#                                EVIDENCE, a case C1, its pull into OUT and a
#                                vidx verify of that folder
# Times: the window is 21:20-21:30 New York time on 4 July 2022
# (01:20-01:30 UTC on the 5th).
NEAR=41.30568,-72.92561
FROM="2022-07-04 21:20"
TO="2022-07-04 21:30"
ZONE=America/New_York

report_case() {
	db=$1 ev=$2 out=$3
	mkdir -p "$ev"
	for f in h264_bframes.mp4 dahua.dav h264.ts hevc.ts mjpeg.avi; do
		cp "$FIXTURES/$f" "$ev/$f"
	done
	vidx-camera -d "$db" add door --lat 41.30568 --lon -72.92561 --name "Door camera, NE corner" --tz $ZONE &&
	vidx-camera -d "$db" add dvr --lat 41.30601 --lon -72.92498 --name "Corner store DVR" --tz $ZONE &&
	vidx-camera -d "$db" add bus --lat 41.30640 --lon -72.92555 --name "Bus shelter" --tz $ZONE &&
	vidx-camera -d "$db" add old --lat 41.30512 --lon -72.92630 --name "Analog box" --tz $ZONE &&
	vidx-camera -d "$db" add far --lat 41.30790 --lon -72.92561 --name "Bank, no footage" --tz $ZONE &&
	vidx-camera -d "$db" clock dvr --camera-time "2022-07-04 21:25:10" \
		--true-time "2022-07-04 21:22:00" --by "Det. Ruiz" --note "DVR clock against a phone's GPS time" &&
	vidx-ingest -d "$db" -c door --start "2022-07-04 21:24:30.250" --tz $ZONE "$ev/h264_bframes.mp4" >/dev/null &&
	vidx-ingest -d "$db" -c dvr --tz $ZONE "$ev/dahua.dav" >/dev/null &&
	vidx-ingest -d "$db" -c bus --start "2022-07-04 21:25:00" --tz $ZONE "$ev/h264.ts" >/dev/null &&
	vidx-ingest -d "$db" -c bus --start "2022-07-04 21:25:08" --tz $ZONE "$ev/hevc.ts" >/dev/null &&
	vidx-ingest -d "$db" -c old --start "2022-07-04 21:24:30" --tz $ZONE "$ev/mjpeg.avi" >/dev/null &&
	vidx-case -d "$db" new C1 --title "Shooting, Chapel & Orange" --by "Det. Ruiz" &&
	vidx-pull -d "$db" --case C1 --by "Det. Ruiz" --out "$out" --near $NEAR --radius 300 \
		--from "$FROM" --to "$TO" --tz $ZONE >/dev/null &&
	vidx-verify -d "$db" --by "Det. Ruiz" "$out" >/dev/null
}
