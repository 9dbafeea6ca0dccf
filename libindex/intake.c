/*
 * intake.c - recording files into the index: hash and probe them (the slow
 * half, outside any transaction), then write them, one or many in one
 * transaction (ingest.c writes the rows).
 *
 * Kept apart from ingest.c so that only the tools that read media pull in
 * the prober, and with it FFmpeg's libraries (about 30 ms of start-up).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The probe's segments, placed at the recording's start. */
static vidx_segment *segments(const vidx_probe *p, size_t *n)
{
	vidx_segment *s = calloc(p->nsegs ? p->nsegs : 1, sizeof(*s));
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < p->nsegs; i++) {
		s[i] = p->segs[i];
		s[i].start += p->start;
		s[i].end += p->start;
	}
	*n = p->nsegs;
	return s;
}

/* the enum value of a stored time source name (as vidx_source_name) */
static int source_id(const char *name)
{
	int i;
	for (i = VIDX_SRC_MANUAL; name && i <= VIDX_SRC_MTIME; i++)
		if (!strcmp(name, vidx_source_name(i)))
			return i;
	return VIDX_SRC_NONE;
}

/* A duplicate is reported as it is filed: its camera, times and counts. */
static int as_filed(vidx *h, vidx_ingest_result *r)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(h->db, "SELECT camera_id, start, end, keyframe_count,"
	                       " segment_count, damaged, time_source"
	                       " FROM recordings WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "finding duplicate");
	sqlite3_bind_int64(st, 1, r->recording_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(r->camera, sizeof(r->camera), "%s",
		         (const char *)sqlite3_column_text(st, 0));
		r->start = sqlite3_column_int64(st, 1);
		r->end = sqlite3_column_int64(st, 2);
		r->keyframes = (size_t)sqlite3_column_int64(st, 3);
		r->segments = (size_t)sqlite3_column_int64(st, 4);
		r->damaged = sqlite3_column_int(st, 5);
		r->time_source = source_id((const char *)sqlite3_column_text(st, 6));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : vidx__sql_fail(h, "finding duplicate");
}

/* A file hashed and probed, not yet written (vidx_ingest_prepare). */
struct vidx_prepared {
	vidx_probe *p;
	char *abs, *camera, *cands;
	vidx_segment *sg;
	size_t nseg;
};

void vidx_prepared_free(vidx_prepared *x)
{
	if (!x)
		return;
	vidx_probe_free(x->p);
	free(x->abs);
	free(x->camera);
	free(x->cands);
	free(x->sg);
	free(x);
}

static void failed(vidx *h, vidx_ingest_result *r, const vidx_probe *p)
{
	r->status = VIDX_FAILED;
	r->recording_id = -1;
	snprintf(r->error, sizeof(r->error), "%s", vidx_errmsg(h));
	if (p && p->hashed)
		memcpy(r->sha256, p->sha256_hex, sizeof(r->sha256));
}

int vidx_ingest_prepare(vidx *h, const char *path, const char *camera,
                        const vidx_probe_opts *o, vidx_prepared **out,
                        vidx_ingest_result *r)
{
	static const vidx_probe_opts defaults = {0};
	vidx_probe_opts po;
	vidx_prepared *x = NULL;
	vidx_camera cam;
	size_t i;
	int rc;

	*out = NULL;
	memset(r, 0, sizeof(*r));
	memset(&cam, 0, sizeof(cam));
	r->status = VIDX_FAILED;
	r->recording_id = -1;
	r->start = r->end = VIDX_TIME_NONE;
	snprintf(r->camera, sizeof(r->camera), "%s", camera ? camera : "");
	if ((rc = vidx__need_db(h)) < 0 || (rc = vidx_camera_get(h, camera, &cam)) < 0)
		goto out;
	if (!(x = calloc(1, sizeof(*x))) || !(x->camera = strdup(camera))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	po = o ? *o : defaults;
	if (!po.tz)
		po.tz = cam.tz; /* the camera's zone reads its local times */
	po.hash = 1;
	po.keep_keyframes = 1;
	if ((rc = vidx_probe_file(h, path, &po, &x->p)) < 0)
		goto out;
	if (x->p->chosen < 0) {
		rc = vidx__fail(h, VIDX_EFORMAT, "no usable start time");
		goto out;
	}
	if (cam.mobile && !x->p->place.loc_source && !x->p->place.track_source) {
		rc = vidx__fail(h, VIDX_EFORMAT, "camera '%s' is mobile and this recording "
		                "has no position or track of its own%s%s", camera,
		                x->p->place.nproblems ? ": " : "",
		                x->p->place.nproblems ? x->p->place.problems[0] : "");
		goto out;
	}
	if (!(x->abs = realpath(path, NULL))) {
		rc = vidx__fail(h, VIDX_EIO, "%s", strerror(errno));
		goto out;
	}
	/* a stream without timestamps gets its nominal timing, in order */
	for (i = 0; i < x->p->nkeyframes; i++)
		if (x->p->kf[i].pts == VIDX_TIME_NONE)
			x->p->kf[i].pts = x->p->kf[i].n * x->p->frame_dur;
	if (!(x->sg = segments(x->p, &x->nseg)) ||
	    !(x->cands = vidx__candidates_json(x->p))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(r->sha256, x->p->sha256_hex, sizeof(r->sha256));
	r->size = x->p->size;
	r->start = x->sg[0].start;
	r->end = x->sg[x->nseg - 1].end;
	r->time_source = x->p->time_source;
	r->keyframes = x->p->nkeyframes;
	r->segments = x->nseg;
	r->damaged = x->p->damaged;
	*out = x;
	x = NULL;
out:
	if (rc < 0)
		failed(h, r, x ? x->p : NULL);
	vidx_camera_clear(&cam);
	vidx_prepared_free(x);
	return rc;
}

/* X's rows, inside the caller's transaction */
static int write_one(vidx *h, const vidx_prepared *x, vidx_ingest_result *r)
{
	const vidx_probe *p = x->p;
	const vidx_time_candidate *t = &p->cand[p->chosen];
	vidx_recording_in in;
	int dup, rc;

	memset(&in, 0, sizeof(in));
	in.camera = x->camera;
	in.path = x->abs;
	memcpy(in.sha256, p->sha256, 32);
	in.size = p->size;
	in.format = p->format;
	in.vcodec = p->vcodec;
	in.acodec = p->has_audio ? p->acodec : NULL;
	in.width = p->width;
	in.height = p->height;
	in.fps = p->fps_den ? (double)p->fps_num / p->fps_den : 0;
	in.time_source = t->source;
	in.time_flags = t->flags;
	in.time_raw = t->raw;
	in.time_detail = t->detail;
	in.segments = x->sg;
	in.nsegments = x->nseg;
	in.kf = p->kf;
	in.nkf = p->nkeyframes;
	in.damaged = p->damaged;
	in.place = &p->place;
	in.time_disagreement = p->time_disagree ? p->time_disagreement : "";
	in.fps_source = p->fps_source;
	in.time_candidates = x->cands;
	if ((rc = vidx_recording_add(h, &in, &r->recording_id, &dup)) < 0)
		return rc;
	r->status = dup ? VIDX_DUPLICATE : VIDX_INGESTED;
	return dup ? as_filed(h, r) : 0;
}

/* X[0..N) in one transaction, each file in a savepoint of its own: one
 * that cannot be written is taken back alone.  *FILE_RC: the last file's
 * failure.  Returns how many failed, or <0 when the transaction failed
 * (then none is in). */
static int commit_batch(vidx *h, vidx_prepared *const *x, size_t n,
                        vidx_ingest_result *r, int *file_rc)
{
	size_t i, nfailed = 0;
	int rc;

	*file_rc = 0;
	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	pthread_mutex_lock(&vidx__write_lock);
	if ((rc = vidx__exec_begin(h)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		int r1;
		if (!x[i])
			continue;
		if ((r1 = vidx__exec(h, "SAVEPOINT file")) == 0)
			r1 = write_one(h, x[i], &r[i]);
		if (r1 == 0) {
			r1 = vidx__exec(h, "RELEASE file");
		} else if (!sqlite3_get_autocommit(h->db)) {
			sqlite3_exec(h->db, "ROLLBACK TO file; RELEASE file", NULL, NULL, NULL);
		} else {
			/* SQLite took the whole transaction back (disk full, I/O) */
			rc = r1;
			goto out;
		}
		if (r1 < 0) {
			failed(h, &r[i], x[i]->p);
			*file_rc = r1;
			nfailed++;
		}
	}
	rc = vidx__exec_end(h, 0);
out:
	pthread_mutex_unlock(&vidx__write_lock);
	if (rc < 0) {
		for (i = 0; i < n; i++)
			if (x[i])
				failed(h, &r[i], x[i]->p);
		*file_rc = rc;
		return rc;
	}
	return (int)nfailed;
}

int vidx_ingest_commit(vidx *h, vidx_prepared *const *x, size_t n,
                       vidx_ingest_result *r)
{
	int file_rc;
	return commit_batch(h, x, n, r, &file_rc);
}

int vidx_ingest_file(vidx *h, const char *path, const char *camera,
                     const vidx_probe_opts *o, vidx_ingest_result *r)
{
	vidx_prepared *x = NULL;
	int rc, file_rc = 0;

	if ((rc = vidx_ingest_prepare(h, path, camera, o, &x, r)) == 0 &&
	    commit_batch(h, &x, 1, r, &file_rc) != 0)
		rc = file_rc;
	vidx_prepared_free(x);
	return rc;
}

