/*
 * ingest.c - one recording into the index, and reading recordings back.
 *
 * The slow part (hash, probe) runs outside any transaction; the write is
 * one short IMMEDIATE transaction per file, so parallel ingests (threads
 * or processes) take turns at the write lock and a file is either wholly
 * in the index or not at all.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *vidx_status_name(int status)
{
	switch (status) {
	case VIDX_INGESTED: return "ingested";
	case VIDX_DUPLICATE: return "duplicate";
	default: return "failed";
	}
}

typedef struct seg {
	int64_t start, end, first_pts;
} seg;

/* Continuous segments in camera-clock time.  A forward jump leaves a hole
 * of its length; after a backward jump (the recorder's clock was set back)
 * the footage goes on where the last segment ended, since the real time
 * that passed is unknown. */
static seg *segments(const vidx_probe *p, size_t *n)
{
	seg *s = calloc(p->ngaps + 1, sizeof(*s));
	int64_t fd = p->frame_dur, wall = p->start, pts0 = p->first_pts;
	size_t i;

	if (!s)
		return NULL;
	if (pts0 == VIDX_TIME_NONE) {
		/* no timestamps at all: one segment of the nominal duration */
		s[0].start = p->start;
		s[0].end = p->end;
		s[0].first_pts = 0;
		*n = 1;
		return s;
	}
	for (i = 0; i <= p->ngaps; i++) {
		int64_t last = i < p->ngaps ? p->gaps[i].from : p->last_pts;
		s[i].start = wall;
		s[i].first_pts = pts0;
		s[i].end = wall + (last - pts0) + fd;
		if (i < p->ngaps) {
			const vidx_gap *g = &p->gaps[i];
			wall = g->kind == VIDX_GAP_JUMP ? wall + (g->to - pts0) : s[i].end;
			pts0 = g->to;
		}
	}
	*n = p->ngaps + 1;
	return s;
}

static int step_done(vidx *h, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : vidx__sql_fail(h, what);
}

static int write_recording(vidx *h, const vidx_probe *p, const char *camera,
                           const char *abs, const seg *sg, size_t nseg,
                           const unsigned char *kf, size_t kflen,
                           vidx_ingest_result *r)
{
	const vidx_time_candidate *t = &p->cand[p->chosen];
	sqlite3_stmt *st = NULL;
	int64_t now = vidx__now(), id;
	size_t i;
	int rc;

	if ((rc = vidx__exec_begin(h)) < 0)
		return rc;
	if (sqlite3_prepare_v2(h->db,
	        "INSERT INTO recordings (camera_id, sha256, size, path, format,"
	        " vcodec, width, height, fps, acodec, start, end, first_pts,"
	        " time_source, time_raw, time_detail, time_flags, keyframe_count,"
	        " segment_count, damaged, ingested) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
	        " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
	        " ?21) ON CONFLICT (sha256) DO NOTHING", -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_text(st, 1, camera, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, p->sha256, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, p->size);
	sqlite3_bind_text(st, 4, abs, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, p->format, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, p->vcodec, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, p->width);
	sqlite3_bind_int(st, 8, p->height);
	if (p->fps_den)
		sqlite3_bind_double(st, 9, (double)p->fps_num / p->fps_den);
	if (p->has_audio)
		sqlite3_bind_text(st, 10, p->acodec, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, sg[0].start);
	sqlite3_bind_int64(st, 12, sg[nseg - 1].end);
	sqlite3_bind_int64(st, 13, p->first_pts == VIDX_TIME_NONE ? 0 : p->first_pts);
	sqlite3_bind_text(st, 14, vidx_source_name(t->source), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, t->raw, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, t->detail, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 17, t->flags);
	sqlite3_bind_int64(st, 18, (int64_t)p->nkeyframes);
	sqlite3_bind_int64(st, 19, (int64_t)nseg);
	sqlite3_bind_int(st, 20, p->damaged);
	sqlite3_bind_int64(st, 21, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_changes(h->db) == 0) {
		/* same bytes already indexed: remember where they were seen too */
		const unsigned char *cam;
		if (sqlite3_prepare_v2(h->db, "SELECT id, camera_id FROM recordings"
		                       " WHERE sha256 = ?1", -1, &st, NULL) != SQLITE_OK)
			goto sqlfail;
		sqlite3_bind_blob(st, 1, p->sha256, 32, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW)
			goto sqlfail;
		id = sqlite3_column_int64(st, 0);
		cam = sqlite3_column_text(st, 1);
		snprintf(r->camera, sizeof(r->camera), "%s", cam ? (const char *)cam : "");
		sqlite3_finalize(st);
		st = NULL;
		r->status = VIDX_DUPLICATE;
	} else {
		id = sqlite3_last_insert_rowid(h->db);
		r->status = VIDX_INGESTED;
		if (sqlite3_prepare_v2(h->db, "INSERT INTO segments (recording_id, seq,"
		                       " start, end, first_pts) VALUES (?1, ?2, ?3, ?4, ?5)",
		                       -1, &st, NULL) != SQLITE_OK)
			goto sqlfail;
		for (i = 0; i < nseg; i++) {
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_int64(st, 2, (int64_t)i);
			sqlite3_bind_int64(st, 3, sg[i].start);
			sqlite3_bind_int64(st, 4, sg[i].end);
			sqlite3_bind_int64(st, 5, sg[i].first_pts);
			if ((rc = step_done(h, st, "adding segments")) < 0)
				goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (sqlite3_prepare_v2(h->db, "INSERT INTO keyframes (recording_id, count,"
		                       " data) VALUES (?1, ?2, ?3)", -1, &st, NULL) != SQLITE_OK)
			goto sqlfail;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (int64_t)p->nkeyframes);
		sqlite3_bind_blob(st, 3, kf, (int)kflen, SQLITE_STATIC);
		if ((rc = step_done(h, st, "adding keyframes")) < 0)
			goto out;
		sqlite3_finalize(st);
		st = NULL;
	}
	if (sqlite3_prepare_v2(h->db, "INSERT OR IGNORE INTO recording_paths"
	                       " (recording_id, path, seen) VALUES (?1, ?2, ?3)",
	                       -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, abs, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if ((rc = step_done(h, st, "adding path")) < 0)
		goto out;
	r->recording_id = id;
	rc = 0;
	goto out;
sqlfail:
	rc = vidx__sql_fail(h, "writing recording");
out:
	sqlite3_finalize(st);
	return vidx__exec_end(h, rc);
}

int vidx_ingest_file(vidx *h, const char *path, const char *camera,
                     const vidx_probe_opts *o, vidx_ingest_result *r)
{
	static const vidx_probe_opts defaults = {0};
	vidx_probe_opts po;
	vidx_probe *p = NULL;
	vidx_camera cam;
	unsigned char *kf = NULL;
	char *abs = NULL;
	seg *sg = NULL;
	size_t nseg = 0, kflen = 0, i;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&cam, 0, sizeof(cam));
	r->status = VIDX_FAILED;
	r->recording_id = -1;
	r->start = r->end = VIDX_TIME_NONE;
	snprintf(r->camera, sizeof(r->camera), "%s", camera ? camera : "");
	if ((rc = vidx__need_db(h)) < 0 || (rc = vidx_camera_get(h, camera, &cam)) < 0)
		goto out;
	po = o ? *o : defaults;
	if (!po.tz)
		po.tz = cam.tz; /* the camera's zone reads its local times */
	po.hash = 1;
	po.keep_keyframes = 1;
	if ((rc = vidx_probe_file(h, path, &po, &p)) < 0)
		goto out;
	if (p->chosen < 0) {
		rc = vidx__fail(h, VIDX_EFORMAT, "no usable start time");
		goto out;
	}
	if (!(abs = realpath(path, NULL))) {
		rc = vidx__fail(h, VIDX_EIO, "%s", strerror(errno));
		goto out;
	}
	/* a stream without timestamps gets its nominal timing, in order */
	for (i = 0; i < p->nkeyframes; i++)
		if (p->kf[i].pts == VIDX_TIME_NONE)
			p->kf[i].pts = i ? p->kf[i - 1].pts + p->frame_dur : 0;
	if (!(sg = segments(p, &nseg)) ||
	    vidx__kf_encode(p->kf, p->nkeyframes, &kf, &kflen) < 0) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = write_recording(h, p, camera, abs, sg, nseg, kf, kflen, r)) < 0)
		goto out;
	memcpy(r->sha256, p->sha256_hex, sizeof(r->sha256));
	r->size = p->size;
	r->start = sg[0].start;
	r->end = sg[nseg - 1].end;
	r->time_source = p->time_source;
	r->keyframes = p->nkeyframes;
	r->segments = nseg;
	r->damaged = p->damaged;
out:
	if (rc < 0) {
		r->status = VIDX_FAILED;
		r->recording_id = -1;
		snprintf(r->error, sizeof(r->error), "%s", vidx_errmsg(h));
		if (p && p->hashed)
			memcpy(r->sha256, p->sha256_hex, sizeof(r->sha256));
	}
	vidx_camera_clear(&cam);
	vidx_probe_free(p);
	free(abs);
	free(sg);
	free(kf);
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
	        " (SELECT count(*) FROM recording_paths p WHERE p.recording_id = r.id)"
	        " FROM recordings r WHERE ?1 IS NULL OR r.camera_id = ?1"
	        " ORDER BY r.camera_id, r.start, r.id", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "listing recordings");
	if (camera)
		sqlite3_bind_text(st, 1, camera, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		vidx_recording r;
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
		if ((stop = cb(ctx, &r)) != 0) {
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
