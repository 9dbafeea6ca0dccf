#!/bin/sh
# bench/naive-ingest.sh - what an evidence technician would script without
# vidx: for each file, sha256sum, one ffprobe call for the container and
# stream description and the video keyframe packets, then one sqlite3 call
# that adds a recordings row and its keyframes in one transaction.  It is
# the baseline of bench/ingest (b); kept simple on purpose, but not made
# slow on purpose (one ffprobe and one sqlite3 per file, not one per
# keyframe).
#
#   usage: naive-ingest.sh DB CAMERA FILE...
#
# Exits non-zero at the first file that fails.
set -eu

[ $# -ge 3 ] || { echo "usage: ${0##*/} DB CAMERA FILE..." >&2; exit 2; }
db=$1 camera=$2
shift 2

sqlite3 "$db" >/dev/null <<'EOF'
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS recordings (
  id INTEGER PRIMARY KEY,
  camera TEXT NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  format TEXT, duration REAL, start_time REAL,
  vcodec TEXT, width INTEGER, height INTEGER, fps TEXT, acodec TEXT,
  keyframes INTEGER NOT NULL,
  ingested TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS keyframes (
  recording_id INTEGER NOT NULL REFERENCES recordings(id),
  pts REAL, pos INTEGER, size INTEGER
);
CREATE INDEX IF NOT EXISTS keyframes_recording ON keyframes(recording_id);
EOF

tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.sql"' EXIT

for f in "$@"; do
	sum=$(sha256sum -b "$f")
	sum=${sum%% *}
	size=$(wc -c <"$f")
	ffprobe -v error \
		-show_entries format=format_name,duration,start_time:stream=index,codec_type,codec_name,width,height,r_frame_rate:packet=stream_index,pts_time,pos,size,flags \
		-of compact "$f" >"$tmp"
	awk -v path="$f" -v sum="$sum" -v size="$size" -v cam="$camera" '
	function q(s) { gsub(/\047/, "\047\047", s); return "\047" s "\047" }
	function n(s) { return s == "" || s == "N/A" ? "NULL" : s }
	{
		delete kv
		for (i = 2; i <= NF; i++) {
			e = index($i, "=")
			if (e) kv[substr($i, 1, e - 1)] = substr($i, e + 1)
		}
	}
	$1 == "packet" && kv["flags"] ~ /^K/ {
		k = kv["stream_index"]
		kf[k, ++nk[k]] = n(kv["pts_time"]) ", " n(kv["pos"]) ", " n(kv["size"])
	}
	$1 == "stream" && kv["codec_type"] == "video" && v == "" {
		v = kv["index"]; vcodec = kv["codec_name"]
		w = kv["width"]; h = kv["height"]; fps = kv["r_frame_rate"]
	}
	$1 == "stream" && kv["codec_type"] == "audio" && acodec == "" {
		acodec = kv["codec_name"]
	}
	$1 == "format" {
		fmt = kv["format_name"]; dur = kv["duration"]; st = kv["start_time"]
	}
	END {
		if (v == "") { print "no video stream in " path > "/dev/stderr"; exit 1 }
		print "BEGIN;"
		printf "INSERT INTO recordings (camera, path, sha256, size, format, duration, start_time, vcodec, width, height, fps, acodec, keyframes) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %d);\n",
		       q(cam), q(path), q(sum), size, q(fmt), n(dur), n(st), q(vcodec),
		       n(w), n(h), q(fps), acodec == "" ? "NULL" : q(acodec), nk[v] + 0
		# every keyframe row refers to the recording just added
		id = "(SELECT id FROM recordings WHERE sha256 = " q(sum) ")"
		for (i = 1; i <= nk[v]; i++)
			printf "INSERT INTO keyframes VALUES (%s, %s);\n", id, kf[v, i]
		print "COMMIT;"
	}' FS='|' "$tmp" >"$tmp.sql"
	sqlite3 -bail "$db" <"$tmp.sql"
done
