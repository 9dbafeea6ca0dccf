# bench/lib-query.sh - helpers of bench/query (POSIX sh; sourced after
# bench/lib.sh): the plain-SQL peer.
#
# shellcheck shell=sh

# peer_sql VARIANT LAT LON FROM TO RADIUS: the place x time question of
# vidx_query_run asked in plain SQL of the same index, without its R*Trees
# (segment_span, camera_geo): every span of every camera within RADIUS m
# of LAT,LON overlapping [FROM, TO) in true time, clipped to it, with the
# camera's clock offset applied (the city's clocks are off by a constant,
# one observation each, so camera - true is that observation's
# difference), sorted by distance, camera, time.  Distance is the same
# haversine (mean Earth radius 6371008.8 m) with SQLite's math functions.
#
#  A  the planner's own plan for the natural join (it scans segments; the
#     clock offsets' range bounds the scan so rows outside it are dropped
#     before any join) - "plain SQL without spatial/time indexes";
#  B  the cameras first (CROSS JOIN fixes the order): the B-tree indexes on
#     recordings(camera_id, start) - used for camera_id only - and on
#     segments(recording_id) then give each nearby camera's whole history.
peer_sql() {
	_v=$1 _lat=$2 _lon=$3 _a=$4 _b=$5 _r=$6
	_cams="(SELECT id, 2 * 6371008.8 * asin(min(1, sqrt(
      pow(sin(radians(lat - ($_lat)) / 2), 2) +
      cos(radians($_lat)) * cos(radians(lat)) *
      pow(sin(radians(lon - ($_lon)) / 2), 2)))) AS dist,
    coalesce((SELECT camera_time - true_time FROM clock_obs o
              WHERE o.camera_id = cameras.id), 0) AS off
  FROM cameras) c"
	_cols="SELECT c.id, c.dist, r.id, r.path,
  max(s.start - c.off, $_a) AS t0, min(s.end - c.off, $_b) AS t1"
	_where="c.dist <= $_r AND s.start < $_b + c.off AND s.end > $_a + c.off"
	case $_v in
	A) printf '%s\nFROM segments s\nJOIN recordings r ON r.id = s.recording_id\nJOIN %s ON c.id = r.camera_id\nWHERE s.start < %s + (SELECT coalesce(max(camera_time - true_time), 0) FROM clock_obs)\n  AND s.end > %s + (SELECT coalesce(min(camera_time - true_time), 0) FROM clock_obs)\n  AND %s\nORDER BY c.dist, c.id, t0;\n' \
		"$_cols" "$_cams" "$_b" "$_a" "$_where" ;;
	B) printf '%s\nFROM %s\nCROSS JOIN recordings r ON r.camera_id = c.id\nCROSS JOIN segments s ON s.recording_id = r.id\nWHERE %s\nORDER BY c.dist, c.id, t0;\n' \
		"$_cols" "$_cams" "$_where" ;;
	*) die "peer_sql: unknown variant $_v" ;;
	esac
}

# peer_script VARIANT QUERIES RADIUS: a sqlite3 CLI script asking every
# question of QUERIES (query-lat's --peer-file) with .timer on, each after
# a ".print @@ N" marker.
peer_script() {
	echo ".timer on"
	_i=0
	while read -r _lat _lon _a _b _rest; do
		_i=$((_i + 1))
		echo ".print @@ $_i"
		peer_sql "$1" "$_lat" "$_lon" "$_a" "$_b" "$3"
	done <"$2"
}

# peer_parse: read the CLI's output of a peer_script; print per question
# "N spans covered_us real_ms cpu_ms".
peer_parse() {
	awk -F'|' '
	function flush() { if (q) printf "%d %d %.0f %.3f %.3f\n", q, n, cov, real, cpu }
	/^@@ / { flush(); q = $0; sub(/^@@ /, "", q); n = 0; cov = 0; real = -1; cpu = -1; next }
	/^Run Time: / {
		nw = split($0, w, " ")
		for (i = 1; i <= nw; i++) {
			if (w[i] == "real") real = w[i + 1] * 1000
			if (w[i] == "user") u = w[i + 1]
			if (w[i] == "sys") s = w[i + 1]
		}
		cpu = (u + s) * 1000
		next
	}
	NF >= 6 { n++; cov += $6 - $5 }
	END { flush() }'
}

# stats COLUMN FILE: "p50 p99 max" of a column of numbers (nearest rank).
stats() {
	awk -v c="$1" '{ print $c }' "$2" | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (!NR) { print "n/a n/a n/a"; exit }
			k50 = int(NR * 0.50); if (k50 < NR * 0.50) k50++
			k99 = int(NR * 0.99); if (k99 < NR * 0.99) k99++
			printf "%.3f %.3f %.3f\n", v[k50], v[k99], v[NR]
		}'
}
