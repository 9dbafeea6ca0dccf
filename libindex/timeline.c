/*
 * timeline.c - the case as events for the timeline tools investigators
 * already use: Timesketch (JSON lines: message, datetime, timestamp_desc
 * and fields of our own) and plaso's l2tcsv (17 fixed columns).
 *
 * One event per recording start and end (the recordings of the report's
 * cameras in its window), per clip pulled, per clock observation and per
 * custody event, in true time (UTC), sorted by it.  Each carries the
 * camera, its position, the SHA-256 of what it is about, the camera's own
 * clock at that moment and the offset between the two.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "report.h"

#define US 1000000LL

typedef struct tev {
	int64_t t, cam_time, seq;
	const char *desc, *msg, *shortmsg, *camera, *camera_name, *sha256, *path, *by;
	const char *source, *sourcetype, *kind, *hash, *note;
	double lat, lon, off_s; /* NaN when none */
	size_t order;
} tev;

static int by_time(const void *a, const void *b)
{
	const tev *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static tev *add(rp *r, tev **a, size_t *n, int64_t t, const char *desc)
{
	tev *e, *m;

	if (!(m = realloc(*a, (*n + 1) * sizeof(*m)))) {
		r->oom = 1;
		return NULL;
	}
	*a = m;
	e = &m[*n];
	memset(e, 0, sizeof(*e));
	e->t = t;
	e->desc = desc;
	e->lat = e->lon = e->off_s = NAN;
	e->cam_time = VIDX_TIME_NONE;
	e->order = (*n)++;
	return e;
}

static const rp_cam *cam_of(const rp *r, const char *id)
{
	size_t i;
	for (i = 0; id && i < r->ncams; i++)
		if (!strcmp(r->cams[i].id, id))
			return &r->cams[i];
	return NULL;
}

static void place(tev *e, const rp *r, const char *camera)
{
	const rp_cam *c = cam_of(r, camera);
	e->camera = camera;
	if (c) {
		e->camera_name = c->name;
		e->lat = c->lat;
		e->lon = c->lon;
	}
}

static int collect(rp *r, tev **out, size_t *n)
{
	char b[VIDX_TIME_BUFSZ], b2[VIDX_TIME_BUFSZ];
	size_t i, j;
	tev *e;

	*out = NULL;
	*n = 0;
	for (i = 0; i < r->nrecs; i++) {
		const rp_rec *x = &r->recs[i];
		for (j = 0; j < 2; j++) {
			if (!(e = add(r, out, n, j ? x->end : x->start,
			              j ? "Recording end" : "Recording start")))
				return -1;
			place(e, r, x->camera);
			/* a mobile camera has no position: its recording's own */
			if (isnan(e->lat) && !isnan(x->lat[j])) {
				e->lat = x->lat[j];
				e->lon = x->lon[j];
			}
			e->source = "VIDEO";
			e->sourcetype = "vidx recording";
			e->kind = j ? "recording_end" : "recording_start";
			e->sha256 = x->sha256;
			e->path = x->path;
			e->cam_time = j ? x->cam_end : x->cam_start;
			e->off_s = (double)(j ? x->off_end : x->off_start) / US;
			e->msg = rp__strf(r, "Recording %s: camera %s, recording %lld (%s); the "
			                  "camera's clock read %s", j ? "ends" : "starts", x->camera,
			                  (long long)x->id, x->path, vidx_time_format(e->cam_time, b));
			e->shortmsg = rp__strf(r, "%s recording %s", x->camera, j ? "ends" : "starts");
		}
	}
	for (i = 0; i < r->nclips; i++) {
		const rp_clip *c = &r->clips[i];
		if (c->start == VIDX_TIME_NONE)
			continue;
		if (!(e = add(r, out, n, c->start, "Clip start")))
			return -1;
		place(e, r, c->camera);
		e->source = "VIDEO";
		e->sourcetype = "vidx clip";
		e->kind = "clip";
		e->sha256 = c->sha256;
		e->path = c->pull->folder ? rp__strf(r, "%s/%s", c->pull->folder, c->rel) : c->rel;
		e->by = c->pull->by;
		e->seq = c->pull->seq;
		if (!isnan(c->correction_ms)) {
			e->off_s = c->correction_ms / 1000;
			e->cam_time = c->start + (int64_t)llround(c->correction_ms * 1000);
		}
		e->msg = rp__strf(r, "Clip pulled from camera %s: %s, true time %s to %s%s%s",
		                  c->camera, c->rel, vidx_time_format(c->start, b),
		                  vidx_time_format(c->end, b2), c->problem ? "; NOT IN THE "
		                  "REPORT: " : "", c->problem ? c->problem : "");
		e->shortmsg = rp__strf(r, "clip %s", c->rel);
	}
	for (i = 0; i < r->ncams; i++) {
		const rp_cam *c = &r->cams[i];
		for (j = 0; j < c->nobs; j++) {
			const vidx_clock_obs *o = &c->obs[j];
			if (!(e = add(r, out, n, o->true_time, "Clock observation")))
				return -1;
			place(e, r, c->id);
			e->source = "VIDEO";
			e->sourcetype = "vidx clock observation";
			e->kind = "clock_observation";
			e->by = o->by;
			e->cam_time = o->camera_time;
			e->off_s = (double)(o->camera_time - o->true_time) / US;
			e->note = o->note;
			e->msg = rp__strf(r, "Clock observation: camera %s showed %s when the true "
			                  "time was %s (%+.3f s); by %s, recorded %s%s%s", c->id,
			                  o->camera_time_raw, o->true_time_raw, e->off_s, o->by,
			                  vidx_time_format(o->recorded, b), o->note && *o->note ?
			                  ": " : "", o->note ? o->note : "");
			e->shortmsg = rp__strf(r, "%s clock %+.3f s", c->id, e->off_s);
		}
	}
	for (i = 0; i < r->nev; i++) {
		const rp_event *x = &r->ev[i];
		if (!(e = add(r, out, n, x->at, "Custody event")))
			return -1;
		e->source = "LOG";
		e->sourcetype = "vidx custody log";
		e->kind = "custody";
		e->by = x->by;
		e->seq = x->seq;
		e->hash = x->hash;
		e->msg = rp__strf(r, "Custody event %lld of case %s: %s by %s: %s%s%s",
		                  (long long)x->seq, r->case_id, x->kind, x->by,
		                  rp__event_summary(r, x), x->problem ? "; BROKEN: " : "",
		                  x->problem ? x->problem : "");
		e->shortmsg = rp__strf(r, "custody %lld %s", (long long)x->seq, x->kind);
	}
	if (r->oom)
		return -1;
	qsort(*out, *n, sizeof(**out), by_time);
	return 0;
}

static void iso_us(int64_t us, char *b, size_t n)
{
	int64_t s = us / US - (us % US < 0);
	time_t t = (time_t)s;
	struct tm tm;
	char d[32];

	gmtime_r(&t, &tm);
	strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(b, n, "%s.%06lld+00:00", d, (long long)(us - s * US));
}

static void jsonl(rp *r, const tev *e, rp_buf *b)
{
	json_t *o = json_object();
	char t[64], ct[VIDX_TIME_BUFSZ];
	char *s;

	iso_us(e->t, t, sizeof(t));
	json_object_set_new(o, "message", vidx__jstr(e->msg));
	json_object_set_new(o, "datetime", json_string(t));
	json_object_set_new(o, "timestamp", json_integer(e->t));
	json_object_set_new(o, "timestamp_desc", json_string(e->desc));
	json_object_set_new(o, "case", vidx__jstr(r->case_id));
	json_object_set_new(o, "vidx_kind", json_string(e->kind));
	if (e->camera) {
		json_object_set_new(o, "camera", vidx__jstr(e->camera));
		json_object_set_new(o, "camera_name", vidx__jstr(e->camera_name ? e->camera_name : ""));
	}
	if (!isnan(e->lat)) {
		char pos[64];
		snprintf(pos, sizeof(pos), "%.6f,%.6f", e->lat, e->lon);
		json_object_set_new(o, "position", json_string(pos));
		json_object_set_new(o, "latitude", json_real(e->lat));
		json_object_set_new(o, "longitude", json_real(e->lon));
	}
	if (e->sha256)
		json_object_set_new(o, "sha256", vidx__jstr(e->sha256));
	if (e->path)
		json_object_set_new(o, "path", vidx__jstr(e->path));
	if (e->cam_time != VIDX_TIME_NONE)
		json_object_set_new(o, "camera_time", json_string(vidx_time_format(e->cam_time, ct)));
	if (!isnan(e->off_s))
		json_object_set_new(o, "offset_s", json_real(e->off_s));
	if (e->by)
		json_object_set_new(o, "operator", vidx__jstr(e->by));
	if (e->seq)
		json_object_set_new(o, "custody_seq", json_integer(e->seq));
	if (e->hash)
		json_object_set_new(o, "custody_hash", vidx__jstr(e->hash));
	if (e->note && *e->note)
		json_object_set_new(o, "note", vidx__jstr(e->note));
	s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15));
	json_decref(o);
	if (!s) {
		b->oom = 1;
		return;
	}
	rp_puts(b, s);
	rp_puts(b, "\n");
	free(s);
}

static void csvrow(rp *r, const tev *e, rp_buf *b)
{
	int64_t s = e->t / US - (e->t % US < 0);
	time_t tt = (time_t)s;
	struct tm tm;
	char d[16], t[16], iso[64], ct[VIDX_TIME_BUFSZ];
	rp_buf x = {0};

	gmtime_r(&tt, &tm);
	strftime(d, sizeof(d), "%m/%d/%Y", &tm);
	strftime(t, sizeof(t), "%H:%M:%S", &tm);
	iso_us(e->t, iso, sizeof(iso));
	rp_printf(&x, "utc: %s; case: %s; kind: %s", iso, r->case_id, e->kind);
	if (e->sha256)
		rp_printf(&x, "; sha256: %s", e->sha256);
	if (e->cam_time != VIDX_TIME_NONE)
		rp_printf(&x, "; camera_time: %s", vidx_time_format(e->cam_time, ct));
	if (!isnan(e->off_s))
		rp_printf(&x, "; offset_s: %.3f", e->off_s);
	if (!isnan(e->lat))
		rp_printf(&x, "; position: %.6f %.6f", e->lat, e->lon);
	if (e->seq)
		rp_printf(&x, "; custody_seq: %lld", (long long)e->seq);
	if (e->hash)
		rp_printf(&x, "; custody_hash: %s", e->hash);

	rp_printf(b, "%s,%s,UTC,....,", d, t);
	rp_csv(b, e->source);
	rp_puts(b, ",");
	rp_csv(b, e->sourcetype);
	rp_puts(b, ",");
	rp_csv(b, e->desc);
	rp_puts(b, ",");
	rp_csv(b, e->by && *e->by ? e->by : "-");
	rp_puts(b, ",");
	rp_csv(b, e->camera ? e->camera : "-");
	rp_puts(b, ",");
	rp_csv(b, e->shortmsg);
	rp_puts(b, ",");
	rp_csv(b, e->msg);
	rp_puts(b, ",2,");
	rp_csv(b, e->path ? e->path : "-");
	rp_puts(b, ",-,");
	rp_csv(b, e->note && *e->note ? e->note : "-");
	rp_puts(b, ",vidx-report,");
	rp_csv(b, x.s ? x.s : "");
	rp_puts(b, "\n");
	if (x.oom)
		b->oom = 1;
	rp_buf_free(&x);
}

int rp__timeline(rp *r, const char *path, int l2tcsv, char sha[65], size_t *events)
{
	tev *ev = NULL;
	size_t n = 0, i;
	rp_buf b = {0};
	int rc;

	if (collect(r, &ev, &n) < 0) {
		free(ev);
		return vidx__fail(r->h, VIDX_ENOMEM, "out of memory");
	}
	if (l2tcsv)
		rp_puts(&b, "date,time,timezone,MACB,source,sourcetype,type,user,host,short,"
		        "desc,version,filename,inode,notes,format,extra\n");
	for (i = 0; i < n; i++) {
		if (l2tcsv)
			csvrow(r, &ev[i], &b);
		else
			jsonl(r, &ev[i], &b);
	}
	free(ev);
	if (b.oom) {
		rp_buf_free(&b);
		return vidx__fail(r->h, VIDX_ENOMEM, "out of memory");
	}
	rc = rp__write_new(r->h, path, b.s ? b.s : "", b.n);
	if (rc == 0) {
		unsigned char d[32];
		unsigned k;
		EVP_Digest(b.s ? b.s : "", b.n, d, NULL, EVP_sha256(), NULL);
		for (k = 0; k < 32; k++)
			snprintf(sha + 2 * k, 3, "%02x", d[k]);
		*events = n;
	}
	rp_buf_free(&b);
	return rc;
}
