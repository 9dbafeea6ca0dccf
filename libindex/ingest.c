/*
 * ingest.c - a recording's rows in the index (written as intake.c or an
 * import describes it), and reading recordings back.
 *
 * Each recording is written whole or not at all: in a transaction of its
 * own, or in a savepoint of the caller's.  Nothing here reads media, so the
 * tools that only read the index do not load FFmpeg's libraries.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int step_done(vidx *h, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : vidx__sql_fail(h, what);
}

int vidx_begin(vidx *h)
{
	return vidx__exec_begin(h);
}

int vidx_commit(vidx *h, int rc)
{
	return vidx__exec_end(h, rc);
}

/* one R*Tree entry of a recording's place: BOX (S, W, N, E) over [T0, T1]
 * (camera clock, us; stored as seconds, widened a little) */
static int add_chunk(vidx *h, int64_t id, const double box[4], int64_t t0, int64_t t1)
{
	sqlite3_stmt *st;

	if (!(st = vidx__stmt(h, ST_PLACE_GEO, "INSERT INTO place_chunk (min_lat,"
	                      " max_lat, min_lon, max_lon, t0, t1, recording_id)"
	                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")))
		return VIDX_ERR;
	sqlite3_bind_double(st, 1, box[0]);
	sqlite3_bind_double(st, 2, box[2]);
	sqlite3_bind_double(st, 3, box[1]);
	sqlite3_bind_double(st, 4, box[3]);
	sqlite3_bind_double(st, 5, (double)t0 / 1e6 - 1);
	sqlite3_bind_double(st, 6, (double)t1 / 1e6 + 1);
	sqlite3_bind_int64(st, 7, id);
	return step_done(h, st, "adding the recording's place");
}

/* The recording's own place: a row with its position (or first point) and
 * compact track, and its box and span (camera clock, seconds) in the
 * R*Tree the place queries start from. */
static int add_place(vidx *h, int64_t id, const vidx_place *p, int64_t start,
                     int64_t end)
{
	const vidx_geopoint *first = p->track_source ? &p->track[0] : &p->loc;
	unsigned char *blob = NULL;
	size_t len = 0;
	double box[4];
	char *probs;
	sqlite3_stmt *st;
	int rc;

	if (p->track_source && vidx__track_encode(p->track, p->ntrack, &blob, &len) < 0)
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	if (!(probs = vidx__place_problems_text(p))) {
		free(blob);
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	}
	if (!(st = vidx__stmt(h, ST_PLACE_INSERT, "INSERT INTO recording_place"
	        " (recording_id, source, raw, lat, lon, alt, points, track, dropped,"
	        " problems) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"))) {
		free(blob);
		free(probs);
		return VIDX_ERR;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, vidx_geo_source_name(p->track_source ? p->track_source
	                  : p->loc_source), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->track_source ? p->track_raw : p->loc_raw, -1,
	                  SQLITE_STATIC);
	sqlite3_bind_double(st, 4, first->lat);
	sqlite3_bind_double(st, 5, first->lon);
	if (isfinite(first->alt_m))
		sqlite3_bind_double(st, 6, first->alt_m);
	sqlite3_bind_int64(st, 7, p->track_source ? (int64_t)p->ntrack : 0);
	if (blob)
		sqlite3_bind_blob(st, 8, blob, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, (int64_t)p->dropped);
	sqlite3_bind_text(st, 10, probs, -1, SQLITE_STATIC);
	rc = step_done(h, st, "adding the recording's place");
	sqlite3_clear_bindings(st);
	free(blob);
	free(probs);
	if (rc < 0)
		return rc;
	if (!p->track_source) {
		box[0] = box[2] = p->loc.lat;
		box[1] = box[3] = p->loc.lon;
		return add_chunk(h, id, box, start, end);
	}
	/* a minute of track a time; each reaches to the next one's first point
	 * (the line between is where the camera was), the first from the
	 * recording's start and the last to its end (held still there) */
	{
		size_t i = 0, n = p->ntrack;
		while (i < n) {
			size_t j = i, k;
			int64_t t0 = i ? start + p->track[i].off : start, t1;
			while (j + 1 < n && p->track[j + 1].off - p->track[i].off < 60 * 1000000LL)
				j++;
			/* points i..j, and j+1 if there is one */
			box[0] = box[2] = p->track[i].lat;
			box[1] = box[3] = p->track[i].lon;
			for (k = i; k <= j + 1 && k < n; k++) {
				box[0] = fmin(box[0], p->track[k].lat);
				box[2] = fmax(box[2], p->track[k].lat);
				box[1] = fmin(box[1], p->track[k].lon);
				box[3] = fmax(box[3], p->track[k].lon);
			}
			t1 = j + 1 < n ? start + p->track[j + 1].off : end;
			if (t1 < t0)
				t1 = t0;
			if ((rc = add_chunk(h, id, box, t0, t1)) < 0)
				return rc;
			i = j + 1;
		}
	}
	return 0;
}

/* the writes of vidx_recording_add, inside a transaction */
static int add_rows(vidx *h, const vidx_recording_in *r, int64_t *id, int *dup)
{
	const vidx_segment *sg = r->segments;
	unsigned char *kf = NULL;
	size_t kflen = 0, i;
	sqlite3_stmt *st;
	int64_t now = vidx__now();
	int rc;

	if (!r->nsegments || !r->camera || !r->path || !r->format || !r->vcodec)
		return vidx__fail(h, VIDX_EINVAL, "recording without segments or names");
	if (!(st = vidx__stmt(h, ST_REC_INSERT,
	        "INSERT INTO recordings (camera_id, sha256, size, path, format,"
	        " vcodec, width, height, fps, acodec, start, end, first_pts,"
	        " time_source, time_raw, time_detail, time_flags, keyframe_count,"
	        " segment_count, damaged, ingested, host, time_disagreement,"
	        " time_candidates, fps_source) VALUES (?1, ?2, ?3, ?4, ?5,"
	        " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
	        " ?20, ?21, ?22, ?23, ?24, ?25) ON CONFLICT (sha256) DO NOTHING")))
		return VIDX_ERR;
	sqlite3_bind_text(st, 1, r->camera, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, r->sha256, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, r->size);
	sqlite3_bind_text(st, 4, r->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->format, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->vcodec, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, r->width);
	sqlite3_bind_int(st, 8, r->height);
	if (r->fps > 0)
		sqlite3_bind_double(st, 9, r->fps);
	if (r->acodec)
		sqlite3_bind_text(st, 10, r->acodec, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, sg[0].start);
	sqlite3_bind_int64(st, 12, sg[r->nsegments - 1].end);
	sqlite3_bind_int64(st, 13, sg[0].first_pts);
	sqlite3_bind_text(st, 14, vidx_source_name(r->time_source), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, r->time_raw ? r->time_raw : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, r->time_detail ? r->time_detail : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 17, r->time_flags);
	sqlite3_bind_int64(st, 18, (int64_t)r->nkf);
	sqlite3_bind_int64(st, 19, (int64_t)r->nsegments);
	sqlite3_bind_int(st, 20, r->damaged);
	sqlite3_bind_int64(st, 21, now);
	sqlite3_bind_text(st, 22, vidx_host(h), -1, SQLITE_STATIC);
	/* what else the probe found of its times (unknown for imports) */
	if (r->time_candidates) {
		sqlite3_bind_text(st, 23, r->time_disagreement ? r->time_disagreement : "",
		                  -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 24, r->time_candidates, -1, SQLITE_STATIC);
	}
	if (r->fps_source)
		sqlite3_bind_text(st, 25, r->fps_source, -1, SQLITE_STATIC);
	if ((rc = step_done(h, st, "writing recording")) < 0)
		return rc;
	*dup = sqlite3_changes(h->db) == 0;
	if (*dup) {
		/* same bytes already indexed: remember where they were seen too */
		if (!(st = vidx__stmt(h, ST_REC_FIND, "SELECT id FROM recordings"
		                      " WHERE sha256 = ?1")))
			return VIDX_ERR;
		sqlite3_bind_blob(st, 1, r->sha256, 32, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW)
			return vidx__sql_fail(h, "finding duplicate");
		*id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	} else {
		*id = sqlite3_last_insert_rowid(h->db);
		if (!(st = vidx__stmt(h, ST_SEG_INSERT, "INSERT INTO segments"
		                      " (recording_id, seq, start, end, first_pts)"
		                      " VALUES (?1, ?2, ?3, ?4, ?5)")))
			return VIDX_ERR;
		for (i = 0; i < r->nsegments; i++) {
			sqlite3_bind_int64(st, 1, *id);
			sqlite3_bind_int64(st, 2, (int64_t)i);
			sqlite3_bind_int64(st, 3, sg[i].start);
			sqlite3_bind_int64(st, 4, sg[i].end);
			sqlite3_bind_int64(st, 5, sg[i].first_pts);
			if ((rc = step_done(h, st, "adding segments")) < 0)
				return rc;
		}
		if (vidx__kf_encode(r->kf, r->nkf, &kf, &kflen) < 0)
			return vidx__fail(h, VIDX_ENOMEM, "out of memory");
		if (!(st = vidx__stmt(h, ST_KF_INSERT, "INSERT INTO keyframes"
		                      " (recording_id, count, data) VALUES (?1, ?2, ?3)"))) {
			free(kf);
			return VIDX_ERR;
		}
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int64(st, 2, (int64_t)r->nkf);
		sqlite3_bind_blob(st, 3, kf, (int)kflen, SQLITE_STATIC);
		rc = step_done(h, st, "adding keyframes");
		sqlite3_clear_bindings(st);
		free(kf);
		if (rc < 0)
			return rc;
		if (r->place && (r->place->loc_source || r->place->track_source) &&
		    (rc = add_place(h, *id, r->place, sg[0].start,
		                    sg[r->nsegments - 1].end)) < 0)
			return rc;
	}
	if (!(st = vidx__stmt(h, ST_PATH_INSERT, "INSERT OR IGNORE INTO"
	                      " recording_paths (recording_id, host, path, seen)"
	                      " VALUES (?1, ?2, ?3, ?4)")))
		return VIDX_ERR;
	sqlite3_bind_int64(st, 1, *id);
	sqlite3_bind_text(st, 2, vidx_host(h), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	return step_done(h, st, "adding path");
}

/* Threads of one process take turns here rather than in SQLite's busy
 * handler, which sleeps in steps and left a second worker idle; other
 * processes still wait on SQLite's lock. */
pthread_mutex_t vidx__write_lock = PTHREAD_MUTEX_INITIALIZER;

int vidx_recording_add(vidx *h, const vidx_recording_in *r, int64_t *id,
                       int *duplicate)
{
	int own, rc;

	*id = -1;
	*duplicate = 0;
	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	own = sqlite3_get_autocommit(h->db);
	if (own) {
		pthread_mutex_lock(&vidx__write_lock);
		if ((rc = vidx__exec_begin(h)) < 0) {
			pthread_mutex_unlock(&vidx__write_lock);
			return rc;
		}
	} else if ((rc = vidx__exec(h, "SAVEPOINT recording")) < 0) {
		return rc;
	}
	rc = add_rows(h, r, id, duplicate);
	if (own) {
		rc = vidx__exec_end(h, rc);
		pthread_mutex_unlock(&vidx__write_lock);
	} else if (rc < 0) {
		/* inside the caller's transaction: take back this recording only */
		sqlite3_exec(h->db, "ROLLBACK TO recording; RELEASE recording", NULL,
		             NULL, NULL);
	} else {
		rc = vidx__exec(h, "RELEASE recording");
	}
	if (rc < 0)
		*id = -1;
	return rc;
}

/* ---- reading back ------------------------------------------------------------ */

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

int vidx_recording_each(vidx *h, const char *camera,
                        int (*cb)(void *ctx, const vidx_recording *r), void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	if (sqlite3_prepare_v2(h->db,
	        "SELECT r.id, r.camera_id, r.path, hex(r.sha256), r.format, r.vcodec,"
	        " r.acodec, r.time_source, r.time_raw, r.time_detail, r.width,"
	        " r.height, r.time_flags, r.damaged, r.fps, r.size, r.start, r.end,"
	        " r.first_pts, r.ingested, r.keyframe_count, r.segment_count,"
	        " (SELECT count(*) FROM recording_paths p WHERE p.recording_id = r.id),"
	        " r.host, r.time_disagreement, r.time_candidates, r.fps_source,"
	        " g.source, g.raw, g.lat, g.lon, g.alt, g.points, g.track,"
	        " g.dropped, g.problems"
	        " FROM recordings r LEFT JOIN recording_place g ON g.recording_id = r.id"
	        " WHERE ?1 IS NULL OR r.camera_id = ?1"
	        " ORDER BY r.camera_id, r.start, r.id", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "listing recordings");
	if (camera)
		sqlite3_bind_text(st, 1, camera, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		vidx_recording r;
		vidx_place pl = {0};
		char hex[65];
		size_t i;
		int stop;
		snprintf(hex, sizeof(hex), "%s", col(st, 3));
		for (i = 0; hex[i]; i++)
			hex[i] = (char)(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] + 32 : hex[i]);
		r.id = sqlite3_column_int64(st, 0);
		r.camera = col(st, 1);
		r.path = col(st, 2);
		r.sha256 = hex;
		r.format = col(st, 4);
		r.vcodec = col(st, 5);
		r.acodec = sqlite3_column_type(st, 6) == SQLITE_NULL ? NULL : col(st, 6);
		r.time_source = col(st, 7);
		r.time_raw = col(st, 8);
		r.time_detail = col(st, 9);
		r.width = sqlite3_column_int(st, 10);
		r.height = sqlite3_column_int(st, 11);
		r.time_flags = sqlite3_column_int(st, 12);
		r.damaged = sqlite3_column_int(st, 13);
		r.fps = sqlite3_column_double(st, 14);
		r.size = sqlite3_column_int64(st, 15);
		r.start = sqlite3_column_int64(st, 16);
		r.end = sqlite3_column_int64(st, 17);
		r.first_pts = sqlite3_column_int64(st, 18);
		r.ingested = sqlite3_column_int64(st, 19);
		r.keyframes = sqlite3_column_int64(st, 20);
		r.segments = sqlite3_column_int64(st, 21);
		r.npaths = sqlite3_column_int64(st, 22);
		r.host = col(st, 23);
		r.time_disagreement = sqlite3_column_type(st, 24) == SQLITE_NULL ? NULL
		                    : col(st, 24);
		r.time_disagree = r.time_disagreement ? *r.time_disagreement != 0 : -1;
		r.time_candidates = sqlite3_column_type(st, 25) == SQLITE_NULL ? NULL
		                  : col(st, 25);
		r.fps_source = sqlite3_column_type(st, 26) == SQLITE_NULL ? NULL
		             : col(st, 26);
		r.place = NULL;
		if (sqlite3_column_type(st, 27) != SQLITE_NULL) {
			int pr = vidx__place_from_row(&pl, col(st, 27), col(st, 28),
			        sqlite3_column_double(st, 29), sqlite3_column_double(st, 30),
			        sqlite3_column_double(st, 31),
			        sqlite3_column_type(st, 31) == SQLITE_NULL,
			        sqlite3_column_int64(st, 32), sqlite3_column_blob(st, 33),
			        (size_t)sqlite3_column_bytes(st, 33),
			        sqlite3_column_int64(st, 34), col(st, 35));
			if (pr < 0) {
				sqlite3_finalize(st);
				return pr == -1 ? vidx__fail(h, VIDX_ENOMEM, "out of memory")
				     : vidx__fail(h, VIDX_ERR, "the track of recording %lld "
				                  "is damaged", (long long)r.id);
			}
			r.place = &pl;
		}
		stop = cb(ctx, &r);
		free(pl.track);
		pl.track = NULL;
		if (stop != 0) {
			sqlite3_finalize(st);
			return stop;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : vidx__sql_fail(h, "listing recordings");
}

int vidx_recording_keyframes(vidx *h, int64_t id, vidx_keyframe **kf, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*kf = NULL;
	*n = 0;
	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	if (sqlite3_prepare_v2(h->db, "SELECT count, data FROM keyframes WHERE"
	                       " recording_id = ?1", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "reading keyframes");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int64_t cnt = sqlite3_column_int64(st, 0);
		const unsigned char *b = sqlite3_column_blob(st, 1);
		int len = sqlite3_column_bytes(st, 1);
		rc = cnt < 0 ? -2 : vidx__kf_decode(b, (size_t)len, (size_t)cnt, kf);
		if (rc == -1)
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		else if (rc < 0)
			rc = vidx__fail(h, VIDX_ERR, "keyframes of recording %lld are damaged",
			                (long long)id);
		else
			*n = (size_t)cnt;
	} else if (rc == SQLITE_DONE) {
		rc = vidx__fail(h, VIDX_ENOENT, "no recording %lld", (long long)id);
	} else {
		rc = vidx__sql_fail(h, "reading keyframes");
	}
	sqlite3_finalize(st);
	return rc;
}
