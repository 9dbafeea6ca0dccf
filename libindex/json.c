/* json.c - JSON renderings of libindex objects (jansson). */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

#define US 1000000.0
#define jtime vidx__jtime
#define jstr vidx__jstr
/* 15 significant digits: microseconds exact below 1e9 s, and 0.92 as 0.92 */
#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15) | JSON_ENSURE_ASCII)

json_t *vidx__jtime(int64_t us)
{
	char b[VIDX_TIME_BUFSZ];
	return us == VIDX_TIME_NONE ? json_null() : json_string(vidx_time_format(us, b));
}

static json_t *jsec(int64_t us)
{
	return us == VIDX_TIME_NONE ? json_null() : json_real((double)us / US);
}

/* json_string() refuses invalid UTF-8; evidence file names may be anything,
 * so fall back to a lossless \xNN escape of every non-ASCII byte. */
json_t *vidx__jstr(const char *s)
{
	json_t *j = json_string(s);
	char *b, *q;
	const unsigned char *p;

	if (j)
		return j;
	if (!(b = malloc(strlen(s) * 4 + 1)))
		return NULL;
	for (p = (const unsigned char *)s, q = b; *p; p++) {
		if (*p < 0x80)
			*q++ = (char)*p;
		else
			q += sprintf(q, "\\x%02x", *p);
	}
	*q = 0;
	j = json_string(b);
	free(b);
	return j;
}

static json_t *jflags(int f)
{
	json_t *a = json_array();
	if (f & VIDX_TF_LOCAL)
		json_array_append_new(a, json_string("local"));
	if (f & VIDX_TF_AMBIGUOUS)
		json_array_append_new(a, json_string("ambiguous"));
	if (f & VIDX_TF_NONEXISTENT)
		json_array_append_new(a, json_string("nonexistent"));
	if (f & VIDX_TF_LAST_RESORT)
		json_array_append_new(a, json_string("last_resort"));
	if (f & VIDX_TF_INVALID)
		json_array_append_new(a, json_string("invalid"));
	return a;
}

void vidx__jplace_set(json_t *o, const vidx_place *pl, int64_t start);

static char *dump(json_t *o)
{
	char *s = o ? json_dumps(o, DUMP_FLAGS) : NULL;
	json_decref(o);
	return s;
}

/* every candidate, with how far it is from the chosen start */
static json_t *jcandidates(const vidx_probe *p)
{
	json_t *a = json_array(), *v;
	size_t i;

	for (i = 0; i < p->ncand; i++) {
		const vidx_time_candidate *c = &p->cand[i];
		v = json_object();
		json_object_set_new(v, "source", json_string(vidx_source_name(c->source)));
		json_object_set_new(v, "time", jtime(c->utc));
		json_object_set_new(v, "raw", jstr(c->raw));
		json_object_set_new(v, "detail", jstr(c->detail));
		json_object_set_new(v, "flags", jflags(c->flags));
		json_object_set_new(v, "chosen", json_boolean((int)i == p->chosen));
		json_object_set_new(v, "offset_s", c->utc != VIDX_TIME_NONE &&
		                    p->start != VIDX_TIME_NONE ? jsec(c->utc - p->start)
		                                               : json_null());
		json_array_append_new(a, v);
	}
	return a;
}

char *vidx__candidates_json(const vidx_probe *p)
{
	return dump(jcandidates(p));
}

char *vidx_probe_json(const vidx_probe *p, int with_keyframes)
{
	json_t *o = json_object(), *v, *a;
	size_t i;

	if (!o)
		return NULL;
	json_object_set_new(o, "path", jstr(p->path));
	json_object_set_new(o, "format", json_string(p->format));
	json_object_set_new(o, "format_long", json_string(p->format_long));
	json_object_set_new(o, "size", json_integer(p->size));
	if (p->hashed)
		json_object_set_new(o, "sha256", json_string(p->sha256_hex));
	json_object_set_new(o, "duration_s", jsec(p->duration));
	json_object_set_new(o, "streams", json_integer(p->nb_streams));
	v = json_object();
	json_object_set_new(v, "codec", json_string(p->vcodec));
	json_object_set_new(v, "profile", p->vprofile[0] ? json_string(p->vprofile)
	                                                 : json_null());
	json_object_set_new(v, "width", json_integer(p->width));
	json_object_set_new(v, "height", json_integer(p->height));
	json_object_set_new(v, "fps", p->fps_den ? json_real((double)p->fps_num /
	                                                     p->fps_den)
	                                         : json_null());
	json_object_set_new(v, "fps_source", p->fps_source ? json_string(p->fps_source)
	                                                   : json_null());
	json_object_set_new(v, "fps_assumed", json_boolean(p->fps_assumed));
	json_object_set_new(v, "fps_note", jstr(p->fps_note));
	json_object_set_new(o, "video", v);
	if (p->has_audio) {
		v = json_object();
		json_object_set_new(v, "codec", json_string(p->acodec));
		json_object_set_new(v, "sample_rate", json_integer(p->sample_rate));
		json_object_set_new(v, "channels", json_integer(p->channels));
		json_object_set_new(o, "audio", v);
	} else {
		json_object_set_new(o, "audio", json_null());
	}
	json_object_set_new(o, "start", jtime(p->start));
	json_object_set_new(o, "end", jtime(p->end));
	json_object_set_new(o, "time_source", json_string(vidx_source_name(p->time_source)));
	json_object_set_new(o, "time_reason", json_string(p->time_reason));
	json_object_set_new(o, "time_candidates", jcandidates(p));
	json_object_set_new(o, "time_disagree", json_boolean(p->time_disagree));
	json_object_set_new(o, "time_disagreement", p->time_disagree
	                    ? json_string(p->time_disagreement) : json_null());
	json_object_set_new(o, "named_length_s", p->named_length > 0
	                    ? jsec(p->named_length) : json_null());
	json_object_set_new(o, "first_pts_s", jsec(p->first_pts));
	json_object_set_new(o, "last_pts_s", jsec(p->last_pts));
	json_object_set_new(o, "packets", json_integer(p->nb_packets));
	json_object_set_new(o, "leading_packets", json_integer(p->nb_leading));
	json_object_set_new(o, "keyframe_count", json_integer((json_int_t)p->nkeyframes));
	json_object_set_new(o, "index_method", json_string(p->index_method ? p->index_method : ""));
	json_object_set_new(o, "damaged", json_boolean(p->damaged));
	a = json_array();
	for (i = 0; i < p->ngaps; i++) {
		const vidx_gap *g = &p->gaps[i];
		v = json_object();
		json_object_set_new(v, "kind", json_string(g->kind == VIDX_GAP_JUMP
		                                           ? "jump" : "backward"));
		json_object_set_new(v, "from_s", jsec(g->from));
		json_object_set_new(v, "to_s", jsec(g->to));
		json_object_set_new(v, "duration_s", jsec(g->to - g->from));
		if (p->start != VIDX_TIME_NONE && i + 1 < p->nsegs) {
			/* on the recording's clock: where footage stops and resumes */
			json_object_set_new(v, "from", jtime(p->start + p->segs[i].end));
			json_object_set_new(v, "to", jtime(p->start + p->segs[i + 1].start));
		}
		json_array_append_new(a, v);
	}
	json_object_set_new(o, "gaps", a);
	vidx__jplace_set(o, &p->place, p->start);
	if (with_keyframes && p->kf) {
		a = json_array();
		for (i = 0; i < p->nkeyframes; i++) {
			v = json_object();
			json_object_set_new(v, "pts_s", jsec(p->kf[i].pts));
			json_object_set_new(v, "pos", p->kf[i].pos >= 0
			                              ? json_integer(p->kf[i].pos) : json_null());
			json_object_set_new(v, "size", json_integer(p->kf[i].size));
			json_array_append_new(a, v);
		}
		json_object_set_new(o, "keyframes", a);
	}
	return dump(o);
}

char *vidx_error_json(const char *path, const char *error)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "path", jstr(path));
	json_object_set_new(o, "error", jstr(error));
	return dump(o);
}

static json_t *jtags(const char *tags)
{
	json_t *a = json_array();
	const char *p = tags ? tags : "";
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n)
			json_array_append_new(a, json_stringn(p, n));
		p += n + (p[n] == ',');
	}
	return a;
}

static json_t *camera_props(const vidx_camera *c, int with_pos)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", jstr(c->id));
	json_object_set_new(o, "name", jstr(c->name ? c->name : ""));
	if (with_pos) {
		json_object_set_new(o, "lat", c->mobile ? json_null() : json_real(c->lat));
		json_object_set_new(o, "lon", c->mobile ? json_null() : json_real(c->lon));
	}
	json_object_set_new(o, "address", jstr(c->address ? c->address : ""));
	json_object_set_new(o, "tz", c->tz ? jstr(c->tz) : json_null());
	json_object_set_new(o, "tags", jtags(c->tags));
	json_object_set_new(o, "recordings", json_integer(c->recordings));
	json_object_set_new(o, "created", jtime(c->created));
	json_object_set_new(o, "mobile", json_boolean(c->mobile));
	return o;
}

char *vidx_camera_json(const vidx_camera *c)
{
	return dump(camera_props(c, 1));
}


/* a camera's GeoJSON geometry: its Point, or null for a mobile camera
 * (no place of its own: its recordings have theirs; properties.mobile
 * says so) */
static json_t *camera_geometry(const vidx_camera *c)
{
	json_t *g, *co;

	if (c->mobile)
		return json_null();
	g = json_object();
	co = json_array();
	json_array_append_new(co, json_real(c->lon));
	json_array_append_new(co, json_real(c->lat));
	json_object_set_new(g, "type", json_string("Point"));
	json_object_set_new(g, "coordinates", co);
	return g;
}

char *vidx_cameras_geojson(const vidx_camera *a, size_t n)
{
	json_t *fc = json_object(), *feats = json_array();
	size_t i;

	json_object_set_new(fc, "type", json_string("FeatureCollection"));
	for (i = 0; i < n; i++) {
		json_t *f = json_object(), *g = camera_geometry(&a[i]);
		json_object_set_new(f, "type", json_string("Feature"));
		json_object_set_new(f, "id", jstr(a[i].id));
		json_object_set_new(f, "geometry", g);
		json_object_set_new(f, "properties", camera_props(&a[i], 0));
		json_array_append_new(feats, f);
	}
	json_object_set_new(fc, "features", feats);
	return dump(fc);
}

/* the digits (at least PREC, at most 17) that print V exactly */
static int real_digits(double v, int prec)
{
	char b[40];
	for (; prec < 17; prec++) {
		snprintf(b, sizeof(b), "%.*g", prec, v);
		if (strtod(b, NULL) == v)
			break;
	}
	return prec;
}

char *vidx__cameras_export_json(const vidx_camera *a, size_t n,
                                vidx_clock_obs *const *obs, const size_t *nobs)
{
	json_t *fc = json_object(), *feats = json_array();
	size_t i, k;

	json_object_set_new(fc, "type", json_string("FeatureCollection"));
	json_object_set_new(fc, "vidx_cameras", json_integer(1));
	for (i = 0; i < n; i++) {
		json_t *f = json_object(), *g = camera_geometry(&a[i]);
		json_t *p = camera_props(&a[i], 0), *cl = json_array();
		json_object_del(p, "recordings"); /* the index's, not the camera's */
		/* exact instants beside the readable ones: ms would lose the us */
		json_object_set_new(p, "created_us", json_integer(a[i].created));
		for (k = 0; k < nobs[i]; k++) {
			const vidx_clock_obs *o = &obs[i][k];
			json_t *e = json_object();
			json_object_set_new(e, "camera_time", jtime(o->camera_time));
			json_object_set_new(e, "true_time", jtime(o->true_time));
			json_object_set_new(e, "camera_time_raw", jstr(o->camera_time_raw));
			json_object_set_new(e, "true_time_raw", jstr(o->true_time_raw));
			json_object_set_new(e, "camera_time_us", json_integer(o->camera_time));
			json_object_set_new(e, "true_time_us", json_integer(o->true_time));
			json_object_set_new(e, "by", jstr(o->by));
			json_object_set_new(e, "note", jstr(o->note));
			json_object_set_new(e, "recorded", jtime(o->recorded));
			json_object_set_new(e, "recorded_us", json_integer(o->recorded));
			json_array_append_new(cl, e);
		}
		json_object_set_new(p, "clock", cl);
		json_object_set_new(f, "type", json_string("Feature"));
		json_object_set_new(f, "id", jstr(a[i].id));
		json_object_set_new(f, "geometry", g);
		json_object_set_new(f, "properties", p);
		json_array_append_new(feats, f);
	}
	json_object_set_new(fc, "features", feats);
	/* positions exact: as few digits as give every one back bit for bit */
	{
		int prec = 15;
		char *t;
		for (i = 0; i < n; i++)
			if (!a[i].mobile)
				prec = real_digits(a[i].lat, real_digits(a[i].lon, prec));
		t = fc ? json_dumps(fc, JSON_COMPACT | JSON_REAL_PRECISION(prec) |
		                        JSON_ENSURE_ASCII) : NULL;
		json_decref(fc);
		return t;
	}
}

char *vidx_clock_json(const char *camera, const vidx_clock_obs *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "camera", jstr(camera));
	json_object_set_new(o, "id", json_integer(c->id));
	json_object_set_new(o, "camera_time", jtime(c->camera_time));
	json_object_set_new(o, "true_time", jtime(c->true_time));
	json_object_set_new(o, "offset_s", json_real((double)(c->camera_time - c->true_time) / US));
	json_object_set_new(o, "camera_time_raw", jstr(c->camera_time_raw));
	json_object_set_new(o, "true_time_raw", jstr(c->true_time_raw));
	json_object_set_new(o, "by", jstr(c->by));
	json_object_set_new(o, "note", jstr(c->note));
	json_object_set_new(o, "recorded", jtime(c->recorded));
	return dump(o);
}

char *vidx_ingest_json(const char *path, const vidx_ingest_result *r)
{
	json_t *o = json_object();
	int ok = r->status != VIDX_FAILED;
	json_object_set_new(o, "path", jstr(path));
	json_object_set_new(o, "status", json_string(vidx_status_name(r->status)));
	json_object_set_new(o, "recording_id", ok ? json_integer(r->recording_id) : json_null());
	json_object_set_new(o, "camera", jstr(r->camera));
	json_object_set_new(o, "sha256", r->sha256[0] ? json_string(r->sha256) : json_null());
	json_object_set_new(o, "size", ok ? json_integer(r->size) : json_null());
	json_object_set_new(o, "start", jtime(r->start));
	json_object_set_new(o, "end", jtime(r->end));
	json_object_set_new(o, "time_source", ok ? json_string(vidx_source_name(r->time_source)) : json_null());
	json_object_set_new(o, "keyframes", ok ? json_integer((json_int_t)r->keyframes) : json_null());
	json_object_set_new(o, "segments", ok ? json_integer((json_int_t)r->segments) : json_null());
	json_object_set_new(o, "damaged", json_boolean(r->damaged));
	json_object_set_new(o, "error", ok ? json_null() : jstr(r->error));
	return dump(o);
}

char *vidx_recording_json(const vidx_recording *r, const vidx_keyframe *kf,
                          size_t nkf)
{
	json_t *o = json_object(), *a;
	size_t i;
	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "camera", jstr(r->camera));
	json_object_set_new(o, "start", jtime(r->start));
	json_object_set_new(o, "end", jtime(r->end));
	json_object_set_new(o, "duration_s", jsec(r->end - r->start));
	json_object_set_new(o, "size", json_integer(r->size));
	json_object_set_new(o, "sha256", json_string(r->sha256));
	json_object_set_new(o, "path", jstr(r->path));
	json_object_set_new(o, "host", jstr(r->host ? r->host : ""));
	json_object_set_new(o, "paths", json_integer(r->npaths));
	json_object_set_new(o, "format", json_string(r->format));
	json_object_set_new(o, "video", json_pack("{s:s, s:i, s:i, s:f}", "codec",
	                    r->vcodec, "width", r->width, "height", r->height,
	                    "fps", r->fps));
	json_object_set_new(o, "audio", r->acodec ? json_string(r->acodec) : json_null());
	json_object_set_new(o, "time_source", json_string(r->time_source));
	json_object_set_new(o, "time_raw", jstr(r->time_raw));
	json_object_set_new(o, "time_detail", jstr(r->time_detail));
	json_object_set_new(o, "time_flags", jflags(r->time_flags));
	json_object_set_new(o, "time_disagree", r->time_disagree < 0 ? json_null()
	                    : json_boolean(r->time_disagree));
	json_object_set_new(o, "time_disagreement", r->time_disagree > 0
	                    ? jstr(r->time_disagreement) : json_null());
	{
		/* kept as vidx-probe printed it; older recordings have none */
		json_t *c = r->time_candidates ? json_loads(r->time_candidates, 0, NULL) : NULL;
		json_object_set_new(o, "time_candidates", c ? c : json_null());
	}
	json_object_set_new(o, "fps_source", r->fps_source ? jstr(r->fps_source)
	                                                   : json_null());
	json_object_set_new(o, "first_pts_s", jsec(r->first_pts));
	json_object_set_new(o, "keyframe_count", json_integer(r->keyframes));
	json_object_set_new(o, "segments", json_integer(r->segments));
	json_object_set_new(o, "damaged", json_boolean(r->damaged));
	json_object_set_new(o, "ingested", jtime(r->ingested));
	if (r->place) {
		vidx__jplace_set(o, r->place, r->start);
		json_object_del(o, "device");
	} else {
		json_object_set_new(o, "location", json_null());
		json_object_set_new(o, "track", json_null());
		json_object_set_new(o, "place_problems", json_array());
	}
	if (kf) {
		a = json_array();
		for (i = 0; i < nkf; i++) {
			json_t *v = json_object();
			json_object_set_new(v, "pts_s", jsec(kf[i].pts));
			json_object_set_new(v, "pos", kf[i].pos >= 0 ? json_integer(kf[i].pos) : json_null());
			json_object_set_new(v, "size", json_integer(kf[i].size));
			json_array_append_new(a, v);
		}
		json_object_set_new(o, "keyframes", a);
	}
	return dump(o);
}

static json_t *jdist(double d)
{
	return d != d ? json_null() : json_real(round(d * 10) / 10);
}

char *vidx_span_json(const vidx_span *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "camera", jstr(s->camera));
	json_object_set_new(o, "name", jstr(s->name));
	json_object_set_new(o, "lat", isfinite(s->lat) ? json_real(s->lat) : json_null());
	json_object_set_new(o, "lon", isfinite(s->lon) ? json_real(s->lon) : json_null());
	json_object_set_new(o, "distance_m", jdist(s->distance_m));
	json_object_set_new(o, "recording_id", json_integer(s->recording_id));
	json_object_set_new(o, "segment_id", json_integer(s->segment_id));
	json_object_set_new(o, "path", jstr(s->path));
	json_object_set_new(o, "sha256", json_string(s->sha256));
	json_object_set_new(o, "start", jtime(s->start));
	json_object_set_new(o, "end", jtime(s->end));
	json_object_set_new(o, "duration_s", jsec(s->end - s->start));
	json_object_set_new(o, "camera_start", jtime(s->camera_start));
	json_object_set_new(o, "camera_end", jtime(s->camera_end));
	json_object_set_new(o, "correction_ms", json_real((double)s->correction_us / 1000));
	json_object_set_new(o, "time_source", json_string(s->time_source));
	json_object_set_new(o, "seek_time", jtime(s->seek_time));
	json_object_set_new(o, "seek_pts_s", s->seek_pos < 0 && s->seek_pts < 0
	                    ? json_null() : jsec(s->seek_pts));
	json_object_set_new(o, "seek_pos", s->seek_pos >= 0 ? json_integer(s->seek_pos)
	                                                   : json_null());
	json_object_set_new(o, "mobile", json_boolean(s->mobile));
	json_object_set_new(o, "closest_m", jdist(s->closest_m));
	json_object_set_new(o, "closest_at", jtime(s->closest_at));
	return dump(o);
}

static json_t *jintervals(const vidx_interval *iv, size_t n)
{
	json_t *a = json_array();
	size_t i;
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:o, s:o}", "start", jtime(iv[i].start),
		                                   "end", jtime(iv[i].end)));
	return a;
}

char *vidx_coverage_json(const vidx_coverage *c, int64_t from, int64_t to)
{
	json_t *o = json_object();
	json_object_set_new(o, "camera", jstr(c->camera));
	json_object_set_new(o, "name", jstr(c->name));
	json_object_set_new(o, "lat", isfinite(c->lat) ? json_real(c->lat) : json_null());
	json_object_set_new(o, "lon", isfinite(c->lon) ? json_real(c->lon) : json_null());
	json_object_set_new(o, "distance_m", jdist(c->distance_m));
	json_object_set_new(o, "from", jtime(from));
	json_object_set_new(o, "to", jtime(to));
	json_object_set_new(o, "footage", json_boolean(c->ncovered > 0));
	json_object_set_new(o, "covered_s", jsec(c->covered_us));
	json_object_set_new(o, "uncovered_s", jsec((to - from) - c->covered_us));
	json_object_set_new(o, "covered", jintervals(c->covered, c->ncovered));
	json_object_set_new(o, "uncovered", jintervals(c->uncovered, c->nuncovered));
	json_object_set_new(o, "mobile", json_boolean(c->mobile));
	return dump(o);
}

char *vidx_case_json(const vidx_case *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", jstr(c->id));
	json_object_set_new(o, "title", jstr(c->title));
	json_object_set_new(o, "created", jtime(c->created));
	json_object_set_new(o, "created_by", jstr(c->created_by));
	json_object_set_new(o, "events", json_integer(c->events));
	if (c->problem)
		json_object_set_new(o, "problem", jstr(c->problem));
	return dump(o);
}

char *vidx_event_json(const vidx_event *e)
{
	json_t *o = json_object(), *d;
	json_object_set_new(o, "case", jstr(e->case_id));
	json_object_set_new(o, "seq", json_integer(e->seq));
	json_object_set_new(o, "at", jtime(e->at));
	json_object_set_new(o, "by", e->by ? jstr(e->by) : json_null());
	json_object_set_new(o, "kind", e->kind ? jstr(e->kind) : json_null());
	/* the detail is JSON when vidx wrote it; kept as text if it is not */
	d = e->detail ? json_loads(e->detail, 0, NULL) : NULL;
	json_object_set_new(o, "detail", d ? d : e->detail ? jstr(e->detail) : json_null());
	json_object_set_new(o, "prev", e->prev ? jstr(e->prev) : json_null());
	json_object_set_new(o, "hash", e->hash ? jstr(e->hash) : json_null());
	json_object_set_new(o, "hash_rule", json_integer(e->rule));
	if (e->rule == 1)
		json_object_set_new(o, "old_seq", json_integer(e->old_seq));
	json_object_set_new(o, "ok", json_boolean(!e->problem));
	json_object_set_new(o, "problem", e->problem ? jstr(e->problem) : json_null());
	/* signed custody: who signed, and whether it counts */
	json_object_set_new(o, "signature", json_string(vidx_sig_state_name(e->sig_state)));
	json_object_set_new(o, "key", e->key ? jstr(e->key) : json_null());
	json_object_set_new(o, "sig", e->sig ? jstr(e->sig) : json_null());
	json_object_set_new(o, "signer", e->signer ? jstr(e->signer) : json_null());
	json_object_set_new(o, "signature_problem", e->sig_problem ? jstr(e->sig_problem)
	                    : json_null());
	return dump(o);
}

static json_t *jstr_or_null(const char *s)
{
	return s ? jstr(s) : json_null();
}

char *vidx_clip_json(const vidx_clip *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "camera", jstr(c->camera));
	json_object_set_new(o, "path", jstr_or_null(c->path));
	json_object_set_new(o, "format", jstr_or_null(c->format));
	json_object_set_new(o, "requested_start", jtime(c->req_start));
	json_object_set_new(o, "requested_end", jtime(c->req_end));
	if (c->error) {
		json_object_set_new(o, "error", jstr(c->error));
		return dump(o);
	}
	json_object_set_new(o, "start", jtime(c->start));
	json_object_set_new(o, "end", jtime(c->end));
	json_object_set_new(o, "size", json_integer(c->size));
	json_object_set_new(o, "sha256", jstr_or_null(c->sha256));
	json_object_set_new(o, "video_packets", json_integer(c->video_packets));
	json_object_set_new(o, "audio_packets", c->audio_packets < 0 ? json_null()
	                    : json_integer(c->audio_packets));
	json_object_set_new(o, "sources", json_integer((json_int_t)c->nsources));
	return dump(o);
}

char *vidx_check_json(const vidx_check *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "kind", jstr(c->kind));
	json_object_set_new(o, "item", jstr(c->item));
	json_object_set_new(o, "status", jstr(c->status));
	json_object_set_new(o, "detail", jstr(c->detail ? c->detail : ""));
	return dump(o);
}

char *vidx_query_json(const vidx_query *q)
{
	json_t *o = json_object(), *a;
	size_t i;

	if (q->has_near) {
		json_object_set_new(o, "near", json_pack("[f,f]", q->lat, q->lon));
		json_object_set_new(o, "radius_m", json_real(q->radius_m));
	}
	if (q->has_bbox)
		json_object_set_new(o, "bbox", json_pack("[f,f,f,f]", q->s, q->w, q->n, q->e));
	if (q->ncameras) {
		a = json_array();
		for (i = 0; i < q->ncameras; i++)
			json_array_append_new(a, jstr(q->cameras[i]));
		json_object_set_new(o, "cameras", a);
	}
	if (q->ntags) {
		a = json_array();
		for (i = 0; i < q->ntags; i++)
			json_array_append_new(a, jstr(q->tags[i]));
		json_object_set_new(o, "tags", a);
	}
	json_object_set_new(o, "from", jtime(q->from));
	json_object_set_new(o, "to", jtime(q->to));
	return dump(o);
}

char *vidx_windows_json(const vidx_window *w, size_t n)
{
	json_t *o = json_object(), *a = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "camera", jstr(w[i].camera));
		json_object_set_new(e, "start", jtime(w[i].from));
		json_object_set_new(e, "end", jtime(w[i].to));
		if (w[i].recording_id >= 0)
			json_object_set_new(e, "recording_id", json_integer(w[i].recording_id));
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "spans_from_stdin", a);
	return dump(o);
}

int vidx_windows_parse(vidx *h, const char *text, vidx_window **out, size_t *n)
{
	vidx_window *w = NULL;
	size_t cap = 0, line = 0;
	const char *p = text;
	int rc = 0;

	*out = NULL;
	*n = 0;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		json_t *o, *id;
		json_error_t err;
		const char *cam, *s0, *s1;

		line++;
		if (strspn(p, " \t\r") >= len) {
			p += len + (e != NULL);
			continue;
		}
		if (!(o = json_loadb(p, len, 0, &err)) || !json_is_object(o)) {
			rc = vidx__fail(h, VIDX_EINVAL, "line %zu: not a JSON object%s%s", line,
			                o ? "" : ": ", o ? "" : err.text);
			json_decref(o);
			break;
		}
		cam = json_string_value(json_object_get(o, "camera"));
		s0 = json_string_value(json_object_get(o, "start"));
		s1 = json_string_value(json_object_get(o, "end"));
		id = json_object_get(o, "recording_id");
		if (!cam || !s0 || !s1 || (id && !json_is_integer(id))) {
			rc = vidx__fail(h, VIDX_EINVAL, "line %zu: want a span with camera, start "
			                "and end (as vidx-query --json prints)", line);
			json_decref(o);
			break;
		}
		if (*n == cap) {
			vidx_window *nw = realloc(w, (cap = cap ? cap * 2 : 16) * sizeof(*w));
			if (!nw) {
				json_decref(o);
				rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
				break;
			}
			w = nw;
		}
		if (!vidx_id_valid(cam)) {
			rc = vidx__fail(h, VIDX_EINVAL, "line %zu: bad camera id", line);
		} else if (vidx_time_parse(h, s0, "UTC", &w[*n].from) < 0 ||
		           vidx_time_parse(h, s1, "UTC", &w[*n].to) < 0) {
			char m[400];
			snprintf(m, sizeof(m), "%s", vidx_errmsg(h));
			rc = vidx__fail(h, VIDX_EINVAL, "line %zu: %s", line, m);
		} else if (w[*n].to <= w[*n].from) {
			rc = vidx__fail(h, VIDX_EINVAL, "line %zu: the span ends before it starts", line);
		} else {
			snprintf(w[*n].camera, sizeof(w[*n].camera), "%s", cam);
			w[*n].recording_id = id ? json_integer_value(id) : -1;
			(*n)++;
		}
		json_decref(o);
		if (rc < 0)
			break;
		p += len + (e != NULL);
	}
	if (rc < 0) {
		free(w);
		*n = 0;
		return rc;
	}
	*out = w;
	return 0;
}

char *vidx_case_clip_json(const vidx_case_clip *c)
{
	json_t *o = json_object(), *a = json_array();
	size_t i;

	json_object_set_new(o, "case", jstr(c->case_id));
	json_object_set_new(o, "seq", json_integer(c->seq));
	json_object_set_new(o, "pulled", jtime(c->at));
	json_object_set_new(o, "by", jstr(c->by));
	json_object_set_new(o, "folder", jstr(c->folder));
	json_object_set_new(o, "path", jstr(c->path));
	json_object_set_new(o, "sha256", jstr(c->sha256));
	json_object_set_new(o, "camera", jstr(c->camera));
	json_object_set_new(o, "start", jtime(c->start));
	json_object_set_new(o, "end", jtime(c->end));
	for (i = 0; i < c->nsources; i++) {
		json_t *s = json_object();
		json_object_set_new(s, "sha256", jstr(c->source_sha256[i]));
		json_object_set_new(s, "recording_id", c->recording_ids[i] < 0 ? json_null()
		                    : json_integer(c->recording_ids[i]));
		json_array_append_new(a, s);
	}
	json_object_set_new(o, "sources", a);
	return dump(o);
}

char *vidx_merge_stats_json(const char *shard, const vidx_merge_stats *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "shard", shard ? jstr(shard) : json_null());
	json_object_set_new(o, "cameras", json_integer(s->cameras));
	json_object_set_new(o, "clock_obs", json_integer(s->clock_obs));
	json_object_set_new(o, "recordings", json_integer(s->recordings));
	json_object_set_new(o, "duplicates", json_integer(s->duplicates));
	json_object_set_new(o, "paths", json_integer(s->paths));
	json_object_set_new(o, "segments", json_integer(s->segments));
	json_object_set_new(o, "keyframes", json_integer(s->keyframes));
	json_object_set_new(o, "cases", json_integer(s->cases));
	json_object_set_new(o, "events", json_integer(s->events));
	json_object_set_new(o, "keys", json_integer(s->keys));
	return dump(o);
}

/* ---- a recording's own place ------------------------------------------------ */

static json_t *jnum_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jpoint(const vidx_geopoint *q, int64_t start)
{
	json_t *o = json_object();
	json_object_set_new(o, "t", start == VIDX_TIME_NONE ? json_null()
	                                                    : jtime(start + q->off));
	json_object_set_new(o, "lat", json_real(q->lat));
	json_object_set_new(o, "lon", json_real(q->lon));
	json_object_set_new(o, "alt_m", jnum_or_null(q->alt_m));
	return o;
}

/* {lat, lon, alt_m, source, raw} for one position, else null (a track) */
json_t *vidx__jlocation(const vidx_place *pl)
{
	json_t *o;
	if (!pl->loc_source || pl->track_source)
		return json_null();
	o = json_object();
	json_object_set_new(o, "lat", json_real(pl->loc.lat));
	json_object_set_new(o, "lon", json_real(pl->loc.lon));
	json_object_set_new(o, "alt_m", jnum_or_null(pl->loc.alt_m));
	json_object_set_new(o, "source", json_string(vidx_geo_source_name(pl->loc_source)));
	json_object_set_new(o, "raw", jstr(pl->loc_raw));
	return o;
}

/* {points, source, raw, start, end, first, last, bbox [S,W,N,E], dropped} */
json_t *vidx__jtrack(const vidx_place *pl, int64_t start)
{
	json_t *o;
	double s = 90, w = 180, n = -90, e = -180;
	size_t i;

	if (!pl->track_source || !pl->ntrack)
		return json_null();
	for (i = 0; i < pl->ntrack; i++) {
		s = fmin(s, pl->track[i].lat);
		n = fmax(n, pl->track[i].lat);
		w = fmin(w, pl->track[i].lon);
		e = fmax(e, pl->track[i].lon);
	}
	o = json_object();
	json_object_set_new(o, "points", json_integer((json_int_t)pl->ntrack));
	json_object_set_new(o, "source", json_string(vidx_geo_source_name(pl->track_source)));
	json_object_set_new(o, "raw", jstr(pl->track_raw));
	json_object_set_new(o, "start", start == VIDX_TIME_NONE ? json_null()
	                    : jtime(start + pl->track[0].off));
	json_object_set_new(o, "end", start == VIDX_TIME_NONE ? json_null()
	                    : jtime(start + pl->track[pl->ntrack - 1].off));
	json_object_set_new(o, "first", jpoint(&pl->track[0], start));
	json_object_set_new(o, "last", jpoint(&pl->track[pl->ntrack - 1], start));
	json_object_set_new(o, "bbox", json_pack("[f,f,f,f]", s, w, n, e));
	json_object_set_new(o, "dropped", json_integer((json_int_t)pl->dropped));
	return o;
}

json_t *vidx__jplace_problems(const vidx_place *pl)
{
	json_t *a = json_array();
	size_t i, n = pl->nproblems < 8 ? pl->nproblems : 8;
	for (i = 0; i < n; i++)
		json_array_append_new(a, jstr(pl->problems[i]));
	if (pl->nproblems > 8)
		json_array_append_new(a, json_string("(more problems not shown)"));
	return a;
}

static json_t *jdevice(const vidx_place *pl)
{
	if (!pl->make[0] && !pl->model[0] && !pl->software[0])
		return json_null();
	return json_pack("{s:o, s:o, s:o}", "make", jstr(pl->make), "model",
	                 jstr(pl->model), "software", jstr(pl->software));
}

/* the place members of a probe's or a recording's JSON */
void vidx__jplace_set(json_t *o, const vidx_place *pl, int64_t start)
{
	json_object_set_new(o, "location", vidx__jlocation(pl));
	json_object_set_new(o, "track", vidx__jtrack(pl, start));
	json_object_set_new(o, "device", jdevice(pl));
	json_object_set_new(o, "place_problems", vidx__jplace_problems(pl));
}

char *vidx_place_feature(const vidx_place *pl, int64_t start, const char *props)
{
	json_t *f = json_object(), *g = json_null(), *pr = NULL;
	size_t i;

	if (props)
		pr = json_loads(props, 0, NULL);
	if (!json_is_object(pr)) {
		json_decref(pr);
		pr = json_object();
	}
	if (pl->track_source && pl->ntrack) {
		json_t *co = json_array();
		for (i = 0; i < pl->ntrack; i++) {
			json_t *pt = json_pack("[f,f]", pl->track[i].lon, pl->track[i].lat);
			if (isfinite(pl->track[i].alt_m))
				json_array_append_new(pt, json_real(pl->track[i].alt_m));
			json_array_append_new(co, pt);
		}
		/* a LineString needs two positions: one point is a Point */
		g = json_pack("{s:s, s:o}", "type", pl->ntrack > 1 ? "LineString" : "Point",
		              "coordinates", pl->ntrack > 1 ? co : json_incref(json_array_get(co, 0)));
		if (pl->ntrack == 1)
			json_decref(co);
	} else if (pl->loc_source) {
		json_t *co = json_pack("[f,f]", pl->loc.lon, pl->loc.lat);
		if (isfinite(pl->loc.alt_m))
			json_array_append_new(co, json_real(pl->loc.alt_m));
		g = json_pack("{s:s, s:o}", "type", "Point", "coordinates", co);
	}
	json_object_set_new(pr, "location", vidx__jlocation(pl));
	json_object_set_new(pr, "track", vidx__jtrack(pl, start));
	json_object_set_new(f, "type", json_string("Feature"));
	json_object_set_new(f, "geometry", g);
	json_object_set_new(f, "properties", pr);
	return dump(f);
}

char *vidx_probe_feature(const vidx_probe *p)
{
	int64_t st = p->chosen >= 0 ? p->start : VIDX_TIME_NONE;
	json_t *o = json_object();
	char *props, *s;

	json_object_set_new(o, "path", jstr(p->path));
	json_object_set_new(o, "sha256", p->hashed ? json_string(p->sha256_hex) : json_null());
	json_object_set_new(o, "start", jtime(st));
	json_object_set_new(o, "end", st == VIDX_TIME_NONE ? json_null() : jtime(p->end));
	json_object_set_new(o, "time_source", json_string(vidx_source_name(p->time_source)));
	if (!(props = dump(o)))
		return NULL;
	s = vidx_place_feature(&p->place, st, props);
	free(props);
	return s;
}

char *vidx_recording_feature(const vidx_recording *r, const vidx_camera *cam)
{
	json_t *o = json_object();
	vidx_place at;
	char *props, *s;

	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "camera", jstr(r->camera));
	json_object_set_new(o, "mobile", json_boolean(cam && cam->mobile));
	json_object_set_new(o, "start", jtime(r->start));
	json_object_set_new(o, "end", jtime(r->end));
	json_object_set_new(o, "sha256", json_string(r->sha256));
	json_object_set_new(o, "path", jstr(r->path));
	if (!(props = dump(o)))
		return NULL;
	if (r->place) {
		s = vidx_place_feature(r->place, r->start, props);
	} else {
		/* no place of its own: where its camera is */
		memset(&at, 0, sizeof(at));
		if (cam && !cam->mobile) {
			at.loc_source = VIDX_GEO_CAMERA;
			at.loc.lat = cam->lat;
			at.loc.lon = cam->lon;
			at.loc.alt_m = NAN;
		}
		s = vidx_place_feature(&at, r->start, props);
	}
	free(props);
	return s;
}

char *vidx_span_feature(const vidx_span *s)
{
	json_t *f = json_object(), *g, *pr;
	char *js = vidx_span_json(s);
	size_t i;

	pr = js ? json_loads(js, 0, NULL) : NULL;
	free(js);
	if (!pr) {
		json_decref(f);
		return NULL;
	}
	if (s->trail && s->ntrail > 1) {
		json_t *co = json_array();
		for (i = 0; i < s->ntrail; i++)
			json_array_append_new(co, json_pack("[f,f]", s->trail[i].lon, s->trail[i].lat));
		g = json_pack("{s:s, s:o}", "type", "LineString", "coordinates", co);
	} else if (isfinite(s->lat) && isfinite(s->lon)) {
		g = json_pack("{s:s, s:[f,f]}", "type", "Point", "coordinates", s->lon, s->lat);
	} else {
		g = json_null();
	}
	json_object_set_new(f, "type", json_string("Feature"));
	json_object_set_new(f, "geometry", g);
	json_object_set_new(f, "properties", pr);
	return dump(f);
}

char *vidx_track_json(const vidx_place *pl, int64_t start)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (i = 0; pl->track_source && i < pl->ntrack; i++) {
		char *s = dump(jpoint(&pl->track[i], start));
		if (!s)
			break;
		fputs(s, f);
		fputc('\n', f);
		free(s);
	}
	if (fclose(f) || i < (pl->track_source ? pl->ntrack : 0)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- stills, sheets, mosaics ------------------------------------------------ */

static json_t *jrect(const vidx_tile *t, int video)
{
	return video ? json_pack("{s:i, s:i, s:i, s:i}", "x", t->vx, "y", t->vy, "w", t->vw,
	                         "h", t->vh)
	             : json_pack("{s:i, s:i, s:i, s:i}", "x", t->x, "y", t->y, "w", t->w,
	                         "h", t->h);
}

static json_t *jtiles(const vidx_tile *t, size_t n)
{
	json_t *a = json_array();
	size_t i;
	for (i = 0; i < n; i++) {
		json_t *o = jrect(&t[i], 0);
		json_object_set_new(o, "camera", jstr(t[i].camera));
		json_object_set_new(o, "found", json_boolean(t[i].found));
		json_object_set_new(o, "video", jrect(&t[i], 1));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *vidx__jstill(const vidx_still *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "camera", jstr(s->camera));
	json_object_set_new(o, "name", jstr(s->name ? s->name : ""));
	json_object_set_new(o, "distance_m", jdist(s->distance_m));
	json_object_set_new(o, "at", jtime(s->at));
	if (!s->found) {
		json_object_set_new(o, "png", json_null());
		json_object_set_new(o, "error", jstr(s->error ? s->error : ""));
		json_object_set_new(o, "no_footage", json_boolean(!s->failed));
		return o;
	}
	json_object_set_new(o, "frame_time", jtime(s->frame_time));
	json_object_set_new(o, "camera_time", jtime(s->camera_time));
	json_object_set_new(o, "correction_ms", json_real((double)s->correction_us / 1000));
	json_object_set_new(o, "recording_id", json_integer(s->recording_id));
	json_object_set_new(o, "path", jstr(s->path));
	json_object_set_new(o, "sha256", json_string(s->sha256));
	json_object_set_new(o, "pts_s", jsec(s->pts));
	json_object_set_new(o, "frame", s->frame >= 0 ? json_integer(s->frame) : json_null());
	json_object_set_new(o, "keyframe_pts_s", jsec(s->keyframe_pts));
	json_object_set_new(o, "keyframe_pos", s->keyframe_pos >= 0
	                    ? json_integer(s->keyframe_pos) : json_null());
	json_object_set_new(o, "byte_start", s->byte_start >= 0
	                    ? json_integer(s->byte_start) : json_null());
	json_object_set_new(o, "byte_end", s->byte_end >= 0
	                    ? json_integer(s->byte_end) : json_null());
	json_object_set_new(o, "packets_decoded", json_integer(s->packets));
	json_object_set_new(o, "width", json_integer(s->width));
	json_object_set_new(o, "height", json_integer(s->height));
	json_object_set_new(o, "pix_fmt", json_string(s->pix_fmt ? s->pix_fmt : ""));
	json_object_set_new(o, "frame_hash", json_string(s->frame_hash));
	json_object_set_new(o, "png", s->png ? jstr(s->png) : json_null());
	json_object_set_new(o, "png_sha256", s->png ? json_string(s->png_sha256) : json_null());
	json_object_set_new(o, "png_size", s->png ? json_integer(s->png_size) : json_null());
	json_object_set_new(o, "conversion", s->png && s->conversion ? json_string(s->conversion)
	                                                            : json_null());
	return o;
}

char *vidx_still_json(const vidx_still *s)
{
	return dump(vidx__jstill(s));
}

json_t *vidx__jsheet(const vidx_sheet *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "sheet", s->path ? jstr(s->path) : json_null());
	json_object_set_new(o, "at", jtime(s->at));
	if (s->error) {
		json_object_set_new(o, "error", jstr(s->error));
		json_object_set_new(o, "skipped", json_boolean(s->skipped));
		return o;
	}
	json_object_set_new(o, "sha256", json_string(s->sha256));
	json_object_set_new(o, "size", json_integer(s->size));
	json_object_set_new(o, "width", json_integer(s->width));
	json_object_set_new(o, "height", json_integer(s->height));
	json_object_set_new(o, "tiles", jtiles(s->tiles, s->ntiles));
	json_object_set_new(o, "filter_graph", s->filter_graph ? jstr(s->filter_graph)
	                                                       : json_null());
	return o;
}

char *vidx_sheet_json(const vidx_sheet *s)
{
	return dump(vidx__jsheet(s));
}

char *vidx_mosaic_json(const vidx_mosaic_info *m)
{
	json_t *o = json_object(), *f = json_array();
	size_t i;
	json_object_set_new(o, "path", jstr(m->path));
	json_object_set_new(o, "sha256", json_string(m->sha256));
	json_object_set_new(o, "size", json_integer(m->size));
	json_object_set_new(o, "manifest", jstr(m->manifest));
	json_object_set_new(o, "manifest_sha256", json_string(m->manifest_sha256));
	json_object_set_new(o, "from", jtime(m->from));
	json_object_set_new(o, "to", jtime(m->to));
	json_object_set_new(o, "fps", json_real((double)m->fps_num / m->fps_den));
	json_object_set_new(o, "fps_rational", json_pack("[i, i]", m->fps_num, m->fps_den));
	json_object_set_new(o, "frames", json_integer(m->frames));
	json_object_set_new(o, "width", json_integer(m->width));
	json_object_set_new(o, "height", json_integer(m->height));
	json_object_set_new(o, "tiles", jtiles(m->tiles, m->ntiles));
	for (i = 0; i < m->nfailed; i++)
		json_array_append_new(f, jstr(m->failed[i]));
	json_object_set_new(o, "failed", f);
	return dump(o);
}

char *vidx_report_item_json(const vidx_report_item *it)
{
	json_t *o = json_object();
	json_object_set_new(o, "kind", jstr(it->kind));
	json_object_set_new(o, "path", jstr(it->path));
	json_object_set_new(o, "status", jstr(it->status));
	json_object_set_new(o, "sha256", it->sha256 ? jstr(it->sha256) : json_null());
	json_object_set_new(o, "size", it->size >= 0 ? json_integer(it->size) : json_null());
	json_object_set_new(o, "detail", jstr(it->detail ? it->detail : ""));
	return dump(o);
}

char *vidx__json_file_text(const json_t *j, size_t flags)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_ENSURE_ASCII | flags), *t;
	size_t n;

	if (!text)
		return NULL;
	n = strlen(text);
	if (!(t = realloc(text, n + 2))) {
		free(text);
		return NULL;
	}
	memcpy(t + n, "\n", 2);
	return t;
}
