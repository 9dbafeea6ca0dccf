/*
 * query.c - which cameras saw a place in a time window, exactly which part
 * of it, and what is not covered.
 *
 * Windows are in true time.  The index keeps recordings on each camera's
 * own clock; a camera's clock observations ("showed C when the true time
 * was T") give its offset C - T, interpolated linearly between
 * observations and held constant beyond them.  So a new observation
 * changes the next answer without re-ingesting, and raw camera times stay
 * visible beside the corrected ones.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define US 1000000LL
#define EARTH_M 6371008.8 /* mean Earth radius (IUGG) */
#define FFMAXI(a, b) ((a) > (b) ? (a) : (b))

double vidx_distance_m(double lat1, double lon1, double lat2, double lon2)
{
	double p1 = lat1 * M_PI / 180, p2 = lat2 * M_PI / 180;
	double dp = p2 - p1, dl = (lon2 - lon1) * M_PI / 180;
	double a = sin(dp / 2) * sin(dp / 2) +
	           cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
	return 2 * EARTH_M * asin(fmin(1, sqrt(a)));
}

/* ---- clock corrections --------------------------------------------------- */

typedef struct clockfn {
	int64_t *c, *off; /* camera times and offsets (camera - true), sorted */
	size_t n;
	int64_t min_off, max_off;
} clockfn;

static int64_t offset_at(const clockfn *f, int64_t c)
{
	size_t lo = 0, hi;

	if (f->n == 0)
		return 0;
	if (c <= f->c[0])
		return f->off[0];
	if (c >= f->c[f->n - 1])
		return f->off[f->n - 1];
	hi = f->n - 1;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (f->c[mid] <= c)
			lo = mid;
		else
			hi = mid;
	}
	if (f->c[hi] == f->c[lo])
		return f->off[hi];
	return f->off[lo] + (int64_t)llround((double)(f->off[hi] - f->off[lo]) *
	                                     (double)(c - f->c[lo]) /
	                                     (double)(f->c[hi] - f->c[lo]));
}

static int64_t to_true(const clockfn *f, int64_t c)
{
	return c - offset_at(f, c);
}

/* camera time showing true time T: c = T + offset(c), by fixed point (a
 * clock's drift is far below one second per second, so it converges) */
static int64_t to_camera(const clockfn *f, int64_t t)
{
	int64_t c = t + offset_at(f, t);
	int i;
	for (i = 0; i < 8; i++) {
		int64_t n = t + offset_at(f, c);
		if (n == c)
			break;
		c = n;
	}
	return c;
}

static void free_clock(clockfn *f)
{
	free(f->c);
	free(f->off);
	f->c = f->off = NULL;
	f->n = 0;
}

static int load_clock(vidx *h, const char *camera, clockfn *f)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int rc;

	memset(f, 0, sizeof(*f));
	if (sqlite3_prepare_v2(h->db, "SELECT camera_time, camera_time - true_time"
	                       " FROM clock_obs WHERE camera_id = ?1"
	                       " ORDER BY camera_time, id", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "reading clock observations");
	sqlite3_bind_text(st, 1, camera, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (f->n == cap) {
			int64_t *a, *b;
			cap = cap ? cap * 2 : 8;
			a = realloc(f->c, cap * sizeof(*a));
			if (a)
				f->c = a;
			b = realloc(f->off, cap * sizeof(*b));
			if (b)
				f->off = b;
			if (!a || !b) {
				sqlite3_finalize(st);
				free_clock(f);
				return vidx__fail(h, VIDX_ENOMEM, "out of memory");
			}
		}
		f->c[f->n] = sqlite3_column_int64(st, 0);
		f->off[f->n] = sqlite3_column_int64(st, 1);
		if (!f->n || f->off[f->n] < f->min_off)
			f->min_off = f->off[f->n];
		if (!f->n || f->off[f->n] > f->max_off)
			f->max_off = f->off[f->n];
		f->n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free_clock(f);
		return vidx__sql_fail(h, "reading clock observations");
	}
	return 0;
}

/* ---- result building -------------------------------------------------------- */

static int push(void **arr, size_t *n, size_t *cap, size_t elem)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		void *m = realloc(*arr, c * elem);
		if (!m)
			return -1;
		*arr = m;
		*cap = c;
	}
	memset((char *)*arr + *n * elem, 0, elem);
	(*n)++;
	return 0;
}

static char *sdup(const unsigned char *s)
{
	return strdup(s ? (const char *)s : "");
}

typedef struct camsel {
	int64_t rid;
	char *id, *name, *tz;
	double lat, lon, dist;
} camsel;

/* Cameras that satisfy every place selector given. */
static int select_cameras(vidx *h, const vidx_query *q, camsel **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	double s = -90, w = -180, no = 90, e = 180, dlat, dlon;
	int box = 0, rc;
	size_t cap = 0, i;
	camsel *a = NULL;

	*out = NULL;
	*n = 0;
	if (q->has_near) {
		/* degrees on the same sphere the distance uses, 1% wider: a coarse
		 * box that never misses; the exact distance decides below */
		dlat = 1.01 * q->radius_m / (EARTH_M * M_PI / 180) + 1e-6;
		dlon = 1.01 * q->radius_m /
		       (EARTH_M * M_PI / 180 * fmax(0.01, cos(q->lat * M_PI / 180))) + 1e-6;
		s = fmax(s, q->lat - dlat);
		no = fmin(no, q->lat + dlat);
		w = fmax(w, q->lon - dlon);
		e = fmin(e, q->lon + dlon);
		box = 1;
	}
	if (q->has_bbox) {
		s = fmax(s, q->s);
		no = fmin(no, q->n);
		w = fmax(w, q->w);
		e = fmin(e, q->e);
		box = 1;
	}
	for (i = 0; i < q->ncameras; i++) {
		vidx_camera c;
		if ((rc = vidx_camera_get(h, q->cameras[i], &c)) < 0)
			return rc;
		vidx_camera_clear(&c);
	}
	if (sqlite3_prepare_v2(h->db,
	        "SELECT c.rid, c.id, c.name, c.lat, c.lon, c.tz, c.tags FROM cameras c"
	        " WHERE ?1 = 0 OR c.rid IN (SELECT rid FROM camera_geo WHERE"
	        "  min_lat <= ?3 AND max_lat >= ?2 AND min_lon <= ?5 AND max_lon >= ?4)"
	        " ORDER BY c.id", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "selecting cameras");
	sqlite3_bind_int(st, 1, box);
	sqlite3_bind_double(st, 2, s);
	sqlite3_bind_double(st, 3, no);
	sqlite3_bind_double(st, 4, w);
	sqlite3_bind_double(st, 5, e);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 1);
		const char *tags = (const char *)sqlite3_column_text(st, 6);
		double lat = sqlite3_column_double(st, 3), lon = sqlite3_column_double(st, 4);
		double dist = q->has_near ? vidx_distance_m(q->lat, q->lon, lat, lon) : NAN;
		int ok = 1;
		camsel *c;

		if (q->has_near && dist > q->radius_m)
			continue;
		/* the R*Tree keeps 32-bit floats: check the box exactly */
		if (q->has_bbox && (lat < q->s || lat > q->n || lon < q->w || lon > q->e))
			continue;
		if (q->ncameras) {
			ok = 0;
			for (i = 0; i < q->ncameras && !ok; i++)
				ok = !strcmp(q->cameras[i], id);
		}
		for (i = 0; i < q->ntags && ok; i++) {
			size_t tl = strlen(q->tags[i]);
			const char *p = tags;
			ok = 0;
			/* stored as ",a,b,": a whole tag sits between two commas */
			while (p && (p = strstr(p, q->tags[i])) && !ok) {
				ok = p > tags && p[-1] == ',' && p[tl] == ',' &&
				     !strchr(q->tags[i], ',');
				p++;
			}
		}
		if (!ok)
			continue;
		if (push((void **)&a, n, &cap, sizeof(*a)) < 0)
			goto nomem;
		c = &a[*n - 1];
		c->rid = sqlite3_column_int64(st, 0);
		c->id = sdup(sqlite3_column_text(st, 1));
		c->name = sdup(sqlite3_column_text(st, 2));
		c->tz = sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL
		      : sdup(sqlite3_column_text(st, 5));
		c->lat = lat;
		c->lon = lon;
		c->dist = dist;
		if (!c->id || !c->name)
			goto nomem;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rc = vidx__sql_fail(h, "selecting cameras");
		goto fail;
	}
	*out = a;
	return 0;
nomem:
	sqlite3_finalize(st);
	rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
fail:
	for (i = 0; i < *n; i++) {
		free(a[i].id);
		free(a[i].name);
		free(a[i].tz);
	}
	free(a);
	*n = 0;
	return rc;
}

/* The keyframe at or before PTS among the segment's own, [first, last] in
 * stream time; the segment's first keyframe if none is before; NULL if the
 * segment has none.  Keyframes are in file order and, within a segment,
 * in pts order. */
static const vidx_keyframe *seek_kf(const vidx_keyframe *kf, size_t n,
                                    int64_t first, int64_t last, int64_t pts)
{
	size_t lo = 0, hi = n, i;

	/* the segment's run (a clock set back can repeat pts elsewhere in the
	 * file, so the run is found in file order), then a binary search */
	for (i = 0; i < n && (kf[i].pts < first || kf[i].pts > last); i++)
		;
	if (i == n)
		return NULL;
	lo = i;
	for (hi = lo; hi < n && kf[hi].pts >= first && kf[hi].pts <= last &&
	              (hi == lo || kf[hi].pts > kf[hi - 1].pts); hi++)
		;
	/* [lo, hi) rising: the last one <= pts */
	if (kf[lo].pts > pts)
		return &kf[lo];
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (kf[mid].pts <= pts)
			lo = mid;
		else
			hi = mid;
	}
	return &kf[lo];
}

static int cmp_iv(const void *a, const void *b)
{
	const vidx_interval *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int coverage(vidx_coverage *cv, const vidx_query *q)
{
	size_t i, n = 0, cap = 0, ucap = 0;
	vidx_interval *m = NULL;

	if (cv->ncovered > 1)
		qsort(cv->covered, cv->ncovered, sizeof(*cv->covered), cmp_iv);
	for (i = 0; i < cv->ncovered; i++) {
		if (n && cv->covered[i].start <= m[n - 1].end) {
			if (cv->covered[i].end > m[n - 1].end)
				m[n - 1].end = cv->covered[i].end;
			continue;
		}
		if (push((void **)&m, &n, &cap, sizeof(*m)) < 0)
			return -1;
		m[n - 1] = cv->covered[i];
	}
	free(cv->covered);
	cv->covered = m;
	cv->ncovered = n;
	cv->covered_us = 0;
	{
		int64_t at = q->from;
		for (i = 0; i <= n; i++) {
			int64_t until = i < n ? m[i].start : q->to;
			if (until > at) {
				if (push((void **)&cv->uncovered, &cv->nuncovered, &ucap,
				         sizeof(*cv->uncovered)) < 0)
					return -1;
				cv->uncovered[cv->nuncovered - 1].start = at;
				cv->uncovered[cv->nuncovered - 1].end = until;
			}
			if (i < n) {
				cv->covered_us += m[i].end - m[i].start;
				at = m[i].end;
			}
		}
	}
	return 0;
}

static int span_cmp_dist(const void *a, const void *b)
{
	const vidx_span *x = a, *y = b;
	if (x->distance_m != y->distance_m && !isnan(x->distance_m))
		return x->distance_m < y->distance_m ? -1 : 1;
	if (strcmp(x->camera, y->camera))
		return strcmp(x->camera, y->camera);
	return x->start < y->start ? -1 : x->start > y->start;
}

static int span_cmp_time(const void *a, const void *b)
{
	const vidx_span *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->distance_m != y->distance_m && !isnan(x->distance_m))
		return x->distance_m < y->distance_m ? -1 : 1;
	return strcmp(x->camera, y->camera);
}

static int cov_cmp_dist(const void *a, const void *b)
{
	const vidx_coverage *x = a, *y = b;
	if (x->distance_m != y->distance_m)
		return x->distance_m < y->distance_m ? -1 : 1;
	return strcmp(x->camera, y->camera);
}

/* Spans of one camera. */
static int camera_spans(vidx *h, const vidx_query *q, const camsel *cam,
                        vidx_result *res, size_t *cap, vidx_coverage *cv)
{
	sqlite3_stmt *st = NULL;
	clockfn f;
	int64_t ca, cb, kf_rec = -1;
	vidx_keyframe *kf = NULL;
	size_t nkf = 0, covcap = 0;
	int rc;

	if ((rc = load_clock(h, cam->id, &f)) < 0)
		return rc;
	/* the window on this camera's clock, widened by its offsets' range */
	ca = q->from + f.min_off - 1;
	cb = q->to + f.max_off + 1;
	if (sqlite3_prepare_v2(h->db,
	        "SELECT s.id, s.recording_id, s.start, s.end, s.first_pts, r.path,"
	        " lower(hex(r.sha256)), r.time_source FROM segment_span x"
	        " JOIN segments s ON s.id = x.id"
	        " JOIN recordings r ON r.id = s.recording_id"
	        " WHERE x.c0 <= ?1 AND x.c1 >= ?1 AND x.t0 <= ?3 AND x.t1 >= ?2"
	        "  AND s.start < ?5 AND s.end > ?4"
	        " ORDER BY s.start, s.id", -1, &st, NULL) != SQLITE_OK) {
		rc = vidx__sql_fail(h, "finding footage");
		goto out;
	}
	sqlite3_bind_int64(st, 1, cam->rid);
	sqlite3_bind_double(st, 2, (double)ca / US - 1);
	sqlite3_bind_double(st, 3, (double)cb / US + 1);
	sqlite3_bind_int64(st, 4, ca);
	sqlite3_bind_int64(st, 5, cb);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t rec = sqlite3_column_int64(st, 1);
		int64_t s0 = sqlite3_column_int64(st, 2), s1 = sqlite3_column_int64(st, 3);
		int64_t first = sqlite3_column_int64(st, 4);
		int64_t t0 = to_true(&f, s0), t1 = to_true(&f, s1);
		const vidx_keyframe *k;
		vidx_span *sp;

		if (t0 < q->from)
			t0 = q->from;
		if (t1 > q->to)
			t1 = q->to;
		if (t1 <= t0)
			continue;
		if (push((void **)&res->spans, &res->nspans, cap, sizeof(*res->spans)) < 0)
			goto nomem;
		sp = &res->spans[res->nspans - 1];
		sp->camera = strdup(cam->id);
		sp->name = strdup(cam->name);
		sp->lat = cam->lat;
		sp->lon = cam->lon;
		sp->distance_m = cam->dist;
		sp->segment_id = sqlite3_column_int64(st, 0);
		sp->recording_id = rec;
		sp->path = sdup(sqlite3_column_text(st, 5));
		sp->sha256 = sdup(sqlite3_column_text(st, 6));
		sp->time_source = sdup(sqlite3_column_text(st, 7));
		if (!sp->camera || !sp->name || !sp->path || !sp->sha256 || !sp->time_source)
			goto nomem;
		sp->start = t0;
		sp->end = t1;
		sp->camera_start = to_camera(&f, t0);
		sp->camera_end = to_camera(&f, t1);
		/* never report camera times outside the segment itself */
		if (sp->camera_start < s0)
			sp->camera_start = s0;
		if (sp->camera_end > s1)
			sp->camera_end = s1;
		sp->correction_us = offset_at(&f, sp->camera_start);
		if (rec != kf_rec) {
			size_t nn;
			free(kf);
			kf = NULL;
			nkf = 0;
			if ((rc = vidx_recording_keyframes(h, rec, &kf, &nn)) < 0)
				goto out;
			nkf = nn;
			kf_rec = rec;
		}
		k = seek_kf(kf, nkf, first, first + (s1 - s0),
		            first + (sp->camera_start - s0));
		if (k) {
			int64_t kc = s0 + (k->pts - first);
			sp->seek_pts = k->pts;
			sp->seek_pos = k->pos;
			sp->seek_camera = kc;
			sp->seek_time = to_true(&f, kc);
			/* nothing before a segment's first keyframe can be shown:
			 * recordings indexed before their first instant was their
			 * first keyframe (open GOP) start earlier; the span starts
			 * there, so its seek point is never after it */
			if (kc > sp->camera_start) {
				sp->camera_start = kc;
				sp->start = t0 = FFMAXI(sp->seek_time, t0);
				if (t0 >= t1) {
					free((char *)sp->camera);
					free((char *)sp->name);
					free((char *)sp->path);
					free((char *)sp->sha256);
					free((char *)sp->time_source);
					res->nspans--;
					continue;
				}
			}
		} else {
			sp->seek_pts = sp->seek_pos = -1;
			sp->seek_camera = sp->seek_time = VIDX_TIME_NONE;
		}
		if (cv) {
			if (push((void **)&cv->covered, &cv->ncovered, &covcap,
			         sizeof(*cv->covered)) < 0)
				goto nomem;
			cv->covered[cv->ncovered - 1].start = t0;
			cv->covered[cv->ncovered - 1].end = t1;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : vidx__sql_fail(h, "finding footage");
	goto out;
nomem:
	rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
out:
	sqlite3_finalize(st);
	free(kf);
	free_clock(&f);
	return rc;
}

int vidx_query_run(vidx *h, const vidx_query *q, vidx_result **out)
{
	vidx_result *res;
	camsel *cams = NULL;
	size_t ncams = 0, cap = 0, i;
	int rc;

	*out = NULL;
	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	if (q->to <= q->from)
		return vidx__fail(h, VIDX_EINVAL, "the window ends before it starts");
	if (q->has_near && !(q->radius_m > 0))
		return vidx__fail(h, VIDX_EINVAL, "radius must be positive");
	if (!(res = calloc(1, sizeof(*res))))
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	res->from = q->from;
	res->to = q->to;
	/* one read transaction: a consistent answer while ingests commit */
	if ((rc = vidx__exec(h, "BEGIN")) < 0)
		goto fail;
	if ((rc = select_cameras(h, q, &cams, &ncams)) < 0)
		goto end;
	if (!(res->cams = calloc(ncams ? ncams : 1, sizeof(*res->cams)))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto end;
	}
	for (i = 0; i < ncams; i++) {
		vidx_coverage *cv = &res->cams[res->ncams++];
		cv->camera = strdup(cams[i].id);
		cv->name = strdup(cams[i].name);
		cv->tz = cams[i].tz ? strdup(cams[i].tz) : NULL;
		cv->lat = cams[i].lat;
		cv->lon = cams[i].lon;
		cv->distance_m = cams[i].dist;
		if (!cv->camera || !cv->name) {
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			goto end;
		}
		if ((rc = camera_spans(h, q, &cams[i], res, &cap, cv)) < 0)
			goto end;
		if (coverage(cv, q) < 0) {
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			goto end;
		}
	}
	if (res->nspans > 1)
		qsort(res->spans, res->nspans, sizeof(*res->spans),
		      q->sort_time ? span_cmp_time : span_cmp_dist);
	if (q->has_near && res->ncams > 1)
		qsort(res->cams, res->ncams, sizeof(*res->cams), cov_cmp_dist);
end:
	sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
fail:
	for (i = 0; i < ncams; i++) {
		free(cams[i].id);
		free(cams[i].name);
		free(cams[i].tz);
	}
	free(cams);
	if (rc < 0) {
		vidx_result_free(res);
		return rc;
	}
	*out = res;
	return 0;
}

void vidx_result_free(vidx_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nspans; i++) {
		vidx_span *s = &r->spans[i];
		free((char *)s->camera);
		free((char *)s->name);
		free((char *)s->path);
		free((char *)s->sha256);
		free((char *)s->time_source);
	}
	free(r->spans);
	for (i = 0; i < r->ncams; i++) {
		free((char *)r->cams[i].camera);
		free((char *)r->cams[i].name);
		free((char *)r->cams[i].tz);
		free(r->cams[i].covered);
		free(r->cams[i].uncovered);
	}
	free(r->cams);
	free(r);
}

int vidx_distance_parse(vidx *h, const char *s, double *m)
{
	char *e;
	double v;

	if (!s || !*s)
		goto bad;
	v = strtod(s, &e);
	if (e == s || !isfinite(v) || v <= 0)
		goto bad;
	if (!strcmp(e, "km"))
		v *= 1000;
	else if (*e && strcmp(e, "m"))
		goto bad;
	*m = v;
	return 0;
bad:
	return vidx__fail(h, VIDX_EINVAL, "cannot read distance '%s' (want e.g. "
	                  "300, 300m, 1.5km)", s ? s : "");
}
