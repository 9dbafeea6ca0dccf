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
	int mobile;
} camsel;

/* the range of all cameras' clock offsets (camera - true), so a window in
 * true time can be widened to cover any camera clock */
static int offset_range(vidx *h, int64_t *lo, int64_t *hi)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*lo = *hi = 0;
	if (sqlite3_prepare_v2(h->db, "SELECT min(camera_time - true_time),"
	                       " max(camera_time - true_time) FROM clock_obs", -1, &st,
	                       NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "reading clock observations");
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*lo = sqlite3_column_int64(st, 0);
		*hi = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (*lo > 0)
		*lo = 0;
	if (*hi < 0)
		*hi = 0;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
	     : vidx__sql_fail(h, "reading clock observations");
}

/* the recordings a place query may need the tracks of (sorted ids) */
typedef struct candset {
	int64_t *ids;
	size_t n;
	int filter; /* 0: no place asked, every recording is a candidate */
} candset;

static int cand_has(const candset *c, int64_t id)
{
	size_t lo = 0, hi = c->n;
	if (!c->filter)
		return 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->n && c->ids[lo] == id;
}

/* Cameras that satisfy every place selector given, and in CS the mobile
 * recordings that may have been inside the place. */
static int select_cameras(vidx *h, const vidx_query *q, camsel **out, size_t *n,
                          candset *cs)
{
	sqlite3_stmt *st = NULL;
	double s = -90, w = -180, no = 90, e = 180, dlat, dlon;
	int64_t olo, ohi;
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
	if ((rc = offset_range(h, &olo, &ohi)) < 0)
		return rc;
	/* fixed cameras by their position; mobile ones when one of their
	 * recordings' places overlaps the box while the window lasts (on any
	 * camera clock: widened by every offset), refined per recording */
	if (sqlite3_prepare_v2(h->db,
	        "SELECT c.rid, c.id, c.name, c.lat, c.lon, c.tz, c.tags, c.mobile"
	        " FROM cameras c WHERE ?1 = 0"
	        " OR (c.mobile = 0 AND c.rid IN (SELECT rid FROM camera_geo WHERE"
	        "  min_lat <= ?3 AND max_lat >= ?2 AND min_lon <= ?5 AND max_lon >= ?4))"
	        " OR (c.mobile = 1 AND EXISTS (SELECT 1 FROM recordings r"
	        "  WHERE r.camera_id = c.id AND r.id IN (SELECT recording_id FROM"
	        "  place_chunk WHERE min_lat <= ?3 AND max_lat >= ?2 AND min_lon <= ?5"
	        "  AND max_lon >= ?4 AND t0 <= ?7 AND t1 >= ?6)))"
	        " ORDER BY c.id", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "selecting cameras");
	sqlite3_bind_int(st, 1, box);
	sqlite3_bind_double(st, 2, s);
	sqlite3_bind_double(st, 3, no);
	sqlite3_bind_double(st, 4, w);
	sqlite3_bind_double(st, 5, e);
	sqlite3_bind_double(st, 6, (double)(q->from + olo) / US - 2);
	sqlite3_bind_double(st, 7, (double)(q->to + ohi) / US + 2);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 1);
		const char *tags = (const char *)sqlite3_column_text(st, 6);
		int mobile = sqlite3_column_int(st, 7);
		double lat = mobile ? NAN : sqlite3_column_double(st, 3);
		double lon = mobile ? NAN : sqlite3_column_double(st, 4);
		double dist = q->has_near && !mobile ? vidx_distance_m(q->lat, q->lon, lat, lon) : NAN;
		int ok = 1;
		camsel *c;

		if (q->has_near && !mobile && dist > q->radius_m)
			continue;
		/* the R*Tree keeps 32-bit floats: check the box exactly */
		if (q->has_bbox && !mobile && (lat < q->s || lat > q->n || lon < q->w || lon > q->e))
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
		c->mobile = mobile;
		if (!c->id || !c->name)
			goto nomem;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE) {
		rc = vidx__sql_fail(h, "selecting cameras");
		goto fail;
	}
	/* the mobile recordings whose place may be inside, for camera_spans
	 * to read only those tracks */
	if (box) {
		size_t ccap = 0;
		if (sqlite3_prepare_v2(h->db, "SELECT DISTINCT recording_id FROM place_chunk"
		        " WHERE min_lat <= ?2 AND max_lat >= ?1 AND min_lon <= ?4"
		        " AND max_lon >= ?3 AND t0 <= ?6 AND t1 >= ?5 ORDER BY recording_id",
		        -1, &st, NULL) != SQLITE_OK) {
			rc = vidx__sql_fail(h, "selecting recordings");
			goto fail;
		}
		sqlite3_bind_double(st, 1, s);
		sqlite3_bind_double(st, 2, no);
		sqlite3_bind_double(st, 3, w);
		sqlite3_bind_double(st, 4, e);
		sqlite3_bind_double(st, 5, (double)(q->from + olo) / US - 2);
		sqlite3_bind_double(st, 6, (double)(q->to + ohi) / US + 2);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (push((void **)&cs->ids, &cs->n, &ccap, sizeof(*cs->ids)) < 0)
				goto nomem;
			cs->ids[cs->n - 1] = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			rc = vidx__sql_fail(h, "selecting recordings");
			goto fail;
		}
		cs->filter = 1;
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

/* ---- mobile recordings: where their own place was ------------------------- */

/* A local plane around the --near point, in metres: at city scale its
 * error is far below a GPS fix's. */
typedef struct plane {
	double lat0, lon0, kx, ky;
} plane;

static void to_xy(const plane *pl, double lat, double lon, double *x, double *y)
{
	*x = (lon - pl->lon0) * pl->kx;
	*y = (lat - pl->lat0) * pl->ky;
}

/* Liang-Barsky: the part of u in [*lo, *hi] where P0 + u D is in [MN, MX] */
static void clip1(double p0, double d, double mn, double mx, double *lo, double *hi)
{
	double u1, u2, t;
	if (fabs(d) < 1e-15) {
		if (p0 < mn || p0 > mx)
			*lo = 1, *hi = 0;
		return;
	}
	u1 = (mn - p0) / d;
	u2 = (mx - p0) / d;
	if (u1 > u2)
		t = u1, u1 = u2, u2 = t;
	*lo = fmax(*lo, u1);
	*hi = fmin(*hi, u2);
}

/* The part [*a, *b] of u in [0, 1] where A + u (B - A) is inside the
 * place asked about (radius and box both, when both are given). */
static int seg_inside(const vidx_query *q, const plane *pl, const vidx_geopoint *A,
                      const vidx_geopoint *B, double *a, double *b)
{
	double lo = 0, hi = 1;

	if (q->has_near) {
		double ax, ay, bx, by, dx, dy, qa, qb, qc, disc;
		to_xy(pl, A->lat, A->lon, &ax, &ay);
		to_xy(pl, B->lat, B->lon, &bx, &by);
		dx = bx - ax;
		dy = by - ay;
		qa = dx * dx + dy * dy;
		qb = 2 * (ax * dx + ay * dy);
		qc = ax * ax + ay * ay - q->radius_m * q->radius_m;
		if (qa < 1e-12) {
			if (qc > 0)
				return 0;
		} else {
			if ((disc = qb * qb - 4 * qa * qc) < 0)
				return 0;
			lo = fmax(lo, (-qb - sqrt(disc)) / (2 * qa));
			hi = fmin(hi, (-qb + sqrt(disc)) / (2 * qa));
		}
	}
	if (q->has_bbox) {
		clip1(A->lat, B->lat - A->lat, q->s, q->n, &lo, &hi);
		clip1(A->lon, B->lon - A->lon, q->w, q->e, &lo, &hi);
	}
	if (lo > hi)
		return 0;
	*a = lo;
	*b = hi;
	return 1;
}

/* a recording's place on the true timeline: its points' true times */
typedef struct recplace {
	int64_t rec;          /* recording id, -1 none loaded */
	vidx_place pl;
	int64_t *t;           /* true time of each track point */
	vidx_interval *in;    /* when it was inside the place asked about */
	size_t nin;
} recplace;

static void recplace_clear(recplace *r)
{
	free(r->pl.track);
	free(r->t);
	free(r->in);
	memset(r, 0, sizeof(*r));
	r->rec = -1;
}

static int add_iv(recplace *r, size_t *cap, int64_t a, int64_t b)
{
	if (r->nin && a <= r->in[r->nin - 1].end + 1) {
		if (b > r->in[r->nin - 1].end)
			r->in[r->nin - 1].end = b;
		return 0;
	}
	if (push((void **)&r->in, &r->nin, cap, sizeof(*r->in)) < 0)
		return -1;
	r->in[r->nin - 1].start = a;
	r->in[r->nin - 1].end = b;
	return 0;
}

static int has_place(const vidx_query *q)
{
	return q->has_near || q->has_bbox;
}

/* Load recording REC's place and when it was inside Q's place (true time;
 * before its first point and after its last it is taken to stay put).
 * A recording with no place of its own is never inside a place. */
static int recplace_load(vidx *h, const vidx_query *q, const plane *pl,
                         const clockfn *f, int64_t rec, int64_t rec_start,
                         recplace *r)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0, i, n;
	int rc;

	recplace_clear(r);
	r->rec = rec;
	if (sqlite3_prepare_v2(h->db, "SELECT source, raw, lat, lon, alt, points,"
	                       " track, dropped, problems FROM recording_place"
	                       " WHERE recording_id = ?1", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "reading a recording's place");
	sqlite3_bind_int64(st, 1, rec);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rc = vidx__place_from_row(&r->pl, (const char *)sqlite3_column_text(st, 0),
		        (const char *)sqlite3_column_text(st, 1), sqlite3_column_double(st, 2),
		        sqlite3_column_double(st, 3), sqlite3_column_double(st, 4),
		        sqlite3_column_type(st, 4) == SQLITE_NULL, sqlite3_column_int64(st, 5),
		        sqlite3_column_blob(st, 6), (size_t)sqlite3_column_bytes(st, 6),
		        sqlite3_column_int64(st, 7), (const char *)sqlite3_column_text(st, 8));
		sqlite3_finalize(st);
		if (rc < 0)
			return rc == -1 ? vidx__fail(h, VIDX_ENOMEM, "out of memory")
			     : vidx__fail(h, VIDX_ERR, "the track of recording %lld is "
			                  "damaged", (long long)rec);
	} else {
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return vidx__sql_fail(h, "reading a recording's place");
		/* no place: inside only when no place was asked */
		if (!has_place(q) && add_iv(r, &cap, INT64_MIN, INT64_MAX) < 0)
			goto nomem;
		return 0;
	}
	if (!has_place(q)) {
		if (add_iv(r, &cap, INT64_MIN, INT64_MAX) < 0)
			goto nomem;
	} else if (!r->pl.track_source) {
		double a, b;
		if (seg_inside(q, pl, &r->pl.loc, &r->pl.loc, &a, &b) &&
		    add_iv(r, &cap, INT64_MIN, INT64_MAX) < 0)
			goto nomem;
	}
	if (!r->pl.track_source)
		return 0;
	n = r->pl.ntrack;
	if (!(r->t = malloc(n * sizeof(*r->t))))
		goto nomem;
	for (i = 0; i < n; i++)
		r->t[i] = to_true(f, rec_start + r->pl.track[i].off);
	if (!has_place(q))
		return 0;
	{
		double a, b;
		const vidx_geopoint *tr = r->pl.track;
		if (seg_inside(q, pl, &tr[0], &tr[0], &a, &b) &&
		    add_iv(r, &cap, INT64_MIN, r->t[0]) < 0)
			goto nomem;
		for (i = 0; i + 1 < n; i++) {
			double dt = (double)(r->t[i + 1] - r->t[i]);
			if (!seg_inside(q, pl, &tr[i], &tr[i + 1], &a, &b))
				continue;
			if (add_iv(r, &cap, r->t[i] + (int64_t)floor(a * dt),
			           r->t[i] + (int64_t)ceil(b * dt)) < 0)
				goto nomem;
		}
		if (seg_inside(q, pl, &tr[n - 1], &tr[n - 1], &a, &b) &&
		    add_iv(r, &cap, r->t[n - 1], INT64_MAX) < 0)
			goto nomem;
	}
	return 0;
nomem:
	return vidx__fail(h, VIDX_ENOMEM, "out of memory");
}

/* where the track was at true time T (held before and after it) */
static vidx_geopoint pos_at(const recplace *r, int64_t t)
{
	const vidx_geopoint *tr = r->pl.track;
	size_t lo = 0, hi, n = r->pl.ntrack;
	vidx_geopoint p;
	double u;

	if (!r->pl.track_source)
		return r->pl.loc;
	if (t <= r->t[0])
		return tr[0];
	if (t >= r->t[n - 1])
		return tr[n - 1];
	hi = n - 1;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (r->t[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	u = r->t[hi] == r->t[lo] ? 0 : (double)(t - r->t[lo]) / (double)(r->t[hi] - r->t[lo]);
	p.off = t;
	p.lat = tr[lo].lat + u * (tr[hi].lat - tr[lo].lat);
	p.lon = tr[lo].lon + u * (tr[hi].lon - tr[lo].lon);
	p.alt_m = tr[lo].alt_m + u * (tr[hi].alt_m - tr[lo].alt_m);
	return p;
}

/* The nearest approach to the --near point during [T0, T1]: on each piece
 * of track, the foot of the perpendicular, clamped to the piece. */
static void closest(const vidx_query *q, const plane *pl, const recplace *r,
                    int64_t t0, int64_t t1, vidx_span *sp)
{
	vidx_geopoint best = pos_at(r, t0);
	int64_t at = t0;
	size_t i;

	if (r->pl.track_source) {
		vidx_geopoint e = pos_at(r, t1);
		double d0 = vidx_distance_m(q->lat, q->lon, best.lat, best.lon);
		if (vidx_distance_m(q->lat, q->lon, e.lat, e.lon) < d0)
			best = e, at = t1;
		for (i = 0; i + 1 < r->pl.ntrack; i++) {
			int64_t a = r->t[i] > t0 ? r->t[i] : t0;
			int64_t b = r->t[i + 1] < t1 ? r->t[i + 1] : t1;
			vidx_geopoint A, B, c;
			double ax, ay, bx, by, dx, dy, len, u;
			int64_t tc;
			if (b <= a)
				continue;
			A = pos_at(r, a);
			B = pos_at(r, b);
			to_xy(pl, A.lat, A.lon, &ax, &ay);
			to_xy(pl, B.lat, B.lon, &bx, &by);
			dx = bx - ax;
			dy = by - ay;
			len = dx * dx + dy * dy;
			u = len < 1e-12 ? 0 : fmin(1, fmax(0, -(ax * dx + ay * dy) / len));
			tc = a + (int64_t)llround(u * (double)(b - a));
			c = pos_at(r, tc);
			if (vidx_distance_m(q->lat, q->lon, c.lat, c.lon) <
			    vidx_distance_m(q->lat, q->lon, best.lat, best.lon))
				best = c, at = tc;
		}
	}
	sp->lat = best.lat;
	sp->lon = best.lon;
	sp->closest_m = vidx_distance_m(q->lat, q->lon, best.lat, best.lon);
	sp->closest_at = at;
	sp->distance_m = sp->closest_m;
}

/* the track's part in [T0, T1], ends interpolated; OFF = true time */
static int span_path(const recplace *r, int64_t t0, int64_t t1, vidx_span *sp)
{
	size_t i, n = 0, cap = 0;
	vidx_geopoint p;

	if (!r->pl.track_source)
		return 0;
	p = pos_at(r, t0);
	p.off = t0;
	if (push((void **)&sp->trail, &n, &cap, sizeof(*sp->trail)) < 0)
		return -1;
	sp->trail[n - 1] = p;
	for (i = 0; i < r->pl.ntrack; i++) {
		if (r->t[i] <= t0 || r->t[i] >= t1)
			continue;
		if (push((void **)&sp->trail, &n, &cap, sizeof(*sp->trail)) < 0)
			return -1;
		sp->trail[n - 1] = r->pl.track[i];
		sp->trail[n - 1].off = r->t[i];
	}
	p = pos_at(r, t1);
	p.off = t1;
	if (push((void **)&sp->trail, &n, &cap, sizeof(*sp->trail)) < 0)
		return -1;
	sp->trail[n - 1] = p;
	sp->ntrail = n;
	return 0;
}

/* Spans of one camera.  A mobile camera's segments are cut to the parts
 * of the window its recording's own place was inside the place asked. */
static int camera_spans(vidx *h, const vidx_query *q, const camsel *cam,
                        const candset *cs, vidx_result *res, size_t *cap,
                        vidx_coverage *cv)
{
	sqlite3_stmt *st = NULL;
	clockfn f;
	int64_t ca, cb, kf_rec = -1;
	vidx_keyframe *kf = NULL;
	size_t nkf = 0, covcap = 0;
	recplace rp;
	plane pl;
	int rc;

	memset(&rp, 0, sizeof(rp));
	rp.rec = -1;
	pl.lat0 = q->lat;
	pl.lon0 = q->lon;
	pl.ky = EARTH_M * M_PI / 180;
	pl.kx = pl.ky * cos(q->lat * M_PI / 180);
	if ((rc = load_clock(h, cam->id, &f)) < 0)
		return rc;
	/* the window on this camera's clock, widened by its offsets' range */
	ca = q->from + f.min_off - 1;
	cb = q->to + f.max_off + 1;
	if (sqlite3_prepare_v2(h->db,
	        "SELECT s.id, s.recording_id, s.start, s.end, s.first_pts, r.path,"
	        " lower(hex(r.sha256)), r.time_source, r.start FROM segment_span x"
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
		size_t piece, npieces = 1;

		if (t0 < q->from)
			t0 = q->from;
		if (t1 > q->to)
			t1 = q->to;
		if (t1 <= t0)
			continue;
		if (cam->mobile && !cand_has(cs, rec))
			continue; /* its place was nowhere near: its track is not read */
		if (cam->mobile) {
			if (rec != rp.rec && (rc = recplace_load(h, q, &pl, &f, rec,
			        sqlite3_column_int64(st, 8), &rp)) < 0)
				goto out;
			npieces = rp.nin;
		}
		for (piece = 0; piece < npieces; piece++) {
			int64_t p0 = t0, p1 = t1;
			const vidx_keyframe *k;
			vidx_span *sp;

			if (cam->mobile) {
				if (rp.in[piece].start > p0)
					p0 = rp.in[piece].start;
				if (rp.in[piece].end < p1)
					p1 = rp.in[piece].end;
				if (p1 <= p0)
					continue;
			}
			if (push((void **)&res->spans, &res->nspans, cap, sizeof(*res->spans)) < 0)
				goto nomem;
			sp = &res->spans[res->nspans - 1];
			sp->camera = strdup(cam->id);
			sp->name = strdup(cam->name);
			sp->lat = cam->lat;
			sp->lon = cam->lon;
			sp->distance_m = cam->dist;
			sp->closest_m = NAN;
			sp->closest_at = VIDX_TIME_NONE;
			sp->segment_id = sqlite3_column_int64(st, 0);
			sp->recording_id = rec;
			sp->path = sdup(sqlite3_column_text(st, 5));
			sp->sha256 = sdup(sqlite3_column_text(st, 6));
			sp->time_source = sdup(sqlite3_column_text(st, 7));
			if (!sp->camera || !sp->name || !sp->path || !sp->sha256 || !sp->time_source)
				goto nomem;
			sp->start = p0;
			sp->end = p1;
			if (cam->mobile) {
				vidx_geopoint at = rp.pl.track_source || rp.pl.loc_source
				                 ? pos_at(&rp, p0) : (vidx_geopoint){0, NAN, NAN, NAN};
				sp->mobile = 1;
				sp->lat = at.lat;
				sp->lon = at.lon;
				sp->distance_m = NAN;
				if (q->has_near && (rp.pl.track_source || rp.pl.loc_source))
					closest(q, &pl, &rp, p0, p1, sp);
				if (span_path(&rp, p0, p1, sp) < 0)
					goto nomem;
			}
			sp->camera_start = to_camera(&f, p0);
			sp->camera_end = to_camera(&f, p1);
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
				/* nothing before a segment's first keyframe can be
				 * shown: recordings indexed before their first instant
				 * was their first keyframe (open GOP) start earlier;
				 * the span starts there, so its seek point is never
				 * after it (mobile cameras came later: none are such) */
				if (kc > sp->camera_start) {
					sp->camera_start = kc;
					sp->start = p0 = FFMAXI(sp->seek_time, p0);
					if (p0 >= p1) {
						free((char *)sp->camera);
						free((char *)sp->name);
						free((char *)sp->path);
						free((char *)sp->sha256);
						free((char *)sp->time_source);
						free(sp->trail);
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
				cv->covered[cv->ncovered - 1].start = p0;
				cv->covered[cv->ncovered - 1].end = p1;
			}
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
	recplace_clear(&rp);
	return rc;
}

int vidx_query_run(vidx *h, const vidx_query *q, vidx_result **out)
{
	vidx_result *res;
	camsel *cams = NULL;
	candset cs = {NULL, 0, 0};
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
	if ((rc = select_cameras(h, q, &cams, &ncams, &cs)) < 0)
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
		cv->mobile = cams[i].mobile;
		if (!cv->camera || !cv->name) {
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			goto end;
		}
		if ((rc = camera_spans(h, q, &cams[i], &cs, res, &cap, cv)) < 0)
			goto end;
		if (coverage(cv, q) < 0) {
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			goto end;
		}
		/* a mobile camera is in the coverage only where it was there */
		if (cv->mobile && has_place(q) && !cv->ncovered) {
			free((char *)cv->camera);
			free((char *)cv->name);
			free((char *)cv->tz);
			free(cv->covered);
			free(cv->uncovered);
			memset(cv, 0, sizeof(*cv));
			res->ncams--;
		} else if (cv->mobile && q->has_near) {
			/* its distance: the closest any of its spans came */
			size_t k;
			cv->distance_m = NAN;
			for (k = 0; k < res->nspans; k++)
				if (!strcmp(res->spans[k].camera, cv->camera) &&
				    (isnan(cv->distance_m) || res->spans[k].closest_m < cv->distance_m))
					cv->distance_m = res->spans[k].closest_m;
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
	free(cs.ids);
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
		free(s->trail);
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

int vidx__clock_to_true(vidx *h, const char *camera, int64_t cam,
                        int64_t *true_us, int64_t *off)
{
	clockfn f;
	int rc;

	if ((rc = load_clock(h, camera, &f)) < 0)
		return rc;
	*off = offset_at(&f, cam);
	*true_us = cam - *off;
	free_clock(&f);
	return 0;
}
