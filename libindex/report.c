/*
 * report.c - the case report: gather what the index and the case folders
 * say about a case, and write the report folder.
 *
 * What the report shows comes from three places, each checked before it is
 * used: the custody log (its chain checked event by event), each pull's
 * manifest.json (its SHA-256 must be the one the log recorded), and each
 * clip (its SHA-256 must be the manifest's, read back from the copy in the
 * report folder).  A clip that fails is left out and named; the rest of the
 * report is made.
 *
 * The folder is built under a temporary name beside its final one and
 * renamed into place at the end, so no half-made report ever has the final
 * name, and rename(2) cannot replace anything but an empty folder.  Then
 * the timelines, then a "report" custody event.
 */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>

#include "report.h"

#define US 1000000LL
#define MAX_MANIFEST (256 << 20) /* larger is not a manifest vidx-pull wrote */

/* ---- strings owned by the report -------------------------------------------- */

const char *rp__str(rp *r, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	if (r->nstrs == r->capstrs) {
		size_t cap = r->capstrs ? r->capstrs * 2 : 256;
		char **a = realloc(r->strs, cap * sizeof(*a));
		if (!a) {
			r->oom = 1;
			return "";
		}
		r->strs = a;
		r->capstrs = cap;
	}
	if (!(d = strdup(s))) {
		r->oom = 1;
		return "";
	}
	r->strs[r->nstrs++] = d;
	return d;
}

const char *rp__strf(rp *r, const char *fmt, ...)
{
	char b[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	return rp__str(r, b);
}

static void *grow(rp *r, void *arr, size_t *n, size_t elem)
{
	/* capacity doubles at each power of two: no separate cap field */
	size_t m = *n;
	void *a = arr;
	if ((m & (m - 1)) == 0) {
		a = realloc(arr, (m ? m * 2 : 4) * elem);
		if (!a) {
			r->oom = 1;
			return NULL;
		}
	}
	memset((char *)a + m * elem, 0, elem);
	(*n)++;
	return a;
}
#define PUSH(r, arr, n) ((arr) = grow((r), (arr), &(n), sizeof(*(arr))), \
                         (arr) ? &(arr)[(n) - 1] : NULL)

/* ---- times -------------------------------------------------------------------- */

static int64_t off_of(const char *zone, int64_t us)
{
	char b[VIDX_TIME_BUFSZ];
	const char *t;
	size_t n;

	vidx_time_format_local(us, zone, b);
	n = strlen(b);
	if (n && b[n - 1] == 'Z')
		return 0;
	if (n < 6)
		return 0;
	t = b + n - 6; /* +HH:MM */
	return (t[0] == '-' ? -1 : 1) * ((t[1] - '0') * 36000 + (t[2] - '0') * 3600 +
	                                 (t[4] - '0') * 600 + (t[5] - '0') * 60);
}

/* the zone's offsets from FROM to TO: hourly samples, each change found to
 * its second, exactly (a zone changes at most a few times a year) */
static void zone_table(rp *r, int64_t from, int64_t to)
{
	int64_t step = 3600 * US, t, last;
	int64_t (*z)[2];

	if (to - from > 400LL * 86400 * US)
		step = 86400 * US;
	last = off_of(r->zone, from);
	if (!(z = PUSH(r, r->zones, r->nzones)))
		return;
	(*z)[0] = from;
	(*z)[1] = last;
	for (t = from + step; t < to + step; t += step) {
		/* zones change on a whole second: found in whole seconds, from
		 * one with the old offset to one with the new */
		int64_t o = off_of(r->zone, t), lo, hi;
		if (o == last)
			continue;
		lo = (t - step) / US - ((t - step) % US < 0);
		hi = t / US + (t % US > 0);
		while (hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;
			if (off_of(r->zone, mid * US) == last)
				lo = mid;
			else
				hi = mid;
		}
		if (!(z = PUSH(r, r->zones, r->nzones)))
			return;
		(*z)[0] = hi * US;
		(*z)[1] = o;
		last = o;
	}
}

int64_t rp__zone_off(const rp *r, int64_t us)
{
	size_t i;
	int64_t o;

	if (!r->nzones)
		return off_of(r->zone, us);
	o = r->zones[0][1];
	if (us < r->zones[0][0])
		return off_of(r->zone, us);
	for (i = 0; i < r->nzones && r->zones[i][0] <= us; i++)
		o = r->zones[i][1];
	return o;
}

static void fields(int64_t us, char *buf, size_t n)
{
	int64_t s = us / US - (us % US < 0);
	int ms = (int)((us - s * US) / 1000);
	time_t t = (time_t)s;
	struct tm tm;
	char d[32];

	gmtime_r(&t, &tm);
	strftime(d, sizeof(d), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, n, "%s.%03d", d, ms);
}

char *rp__utc(int64_t us, char *buf)
{
	if (us == VIDX_TIME_NONE) {
		strcpy(buf, "-");
		return buf;
	}
	fields(us, buf, 40);
	strcat(buf, " UTC");
	return buf;
}

char *rp__local(const rp *r, int64_t us, int with_off, char *buf)
{
	int64_t o;
	size_t n;

	if (us == VIDX_TIME_NONE) {
		strcpy(buf, "-");
		return buf;
	}
	o = rp__zone_off(r, us);
	fields(us + o * US, buf, 40);
	if (with_off) {
		n = strlen(buf);
		if (o == 0)
			snprintf(buf + n, 64 - n, " UTC");
		else
			snprintf(buf + n, 64 - n, " UTC%c%02d:%02d", o < 0 ? '-' : '+',
			         (int)(llabs(o) / 3600), (int)(llabs(o) % 3600 / 60));
	}
	return buf;
}

static int64_t jtime(vidx *h, json_t *v)
{
	int64_t us;
	const char *s = json_string_value(v);
	if (!s || vidx_time_parse(h, s, "UTC", &us) < 0)
		return VIDX_TIME_NONE;
	return us;
}

static const char *jstr(rp *r, json_t *o, const char *key)
{
	return rp__str(r, json_string_value(json_object_get(o, key)));
}

static double jnum(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static int64_t jint(json_t *o, const char *key, int64_t dflt)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

static int is_hex64(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* a clip path from a manifest: relative, inside its folder, printable */
static int safe_rel(const char *p)
{
	const char *s;

	if (!p || !*p || *p == '/' || strlen(p) > 1024)
		return 0;
	for (s = p; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	for (s = p; s; s = strchr(s, '/'), s = s ? s + 1 : NULL)
		if (!*s || *s == '/' || (s[0] == '.' && (s[1] == '/' || !s[1])) ||
		    (!strncmp(s, "..", 2) && (s[2] == '/' || !s[2])))
			return 0;
	return 1;
}

/* ---- the case and its log --------------------------------------------------- */

static int on_case(void *ctx, const vidx_case *c)
{
	rp *r = ctx;
	if (strcmp(c->id, r->o->case_id))
		return 0;
	r->case_id = rp__str(r, c->id);
	r->title = rp__str(r, c->title);
	r->created_by = rp__str(r, c->created_by);
	r->created = c->created;
	return 0;
}

static int on_event(void *ctx, const vidx_event *e)
{
	rp *r = ctx;
	rp_event *x = PUSH(r, r->ev, r->nev);

	if (!x)
		return 0;
	x->seq = e->seq;
	x->at = e->at;
	x->by = rp__str(r, e->by ? e->by : "");
	x->kind = rp__str(r, e->kind ? e->kind : "");
	x->detail = rp__str(r, e->detail ? e->detail : "");
	x->prev = rp__str(r, e->prev ? e->prev : "");
	x->hash = rp__str(r, e->hash ? e->hash : "");
	x->problem = rp__str(r, e->problem);
	return 0;
}

/* read a whole small file (a manifest, its sums) into memory */
static char *slurp(const char *path, size_t max, size_t *len, int *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	char *b = NULL;
	size_t got = 0;

	*err = 0;
	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (size_t)sb.st_size > max) {
		*err = S_ISREG(sb.st_mode) ? EFBIG : EINVAL;
		close(fd);
		return NULL;
	}
	if (!(b = malloc((size_t)sb.st_size + 1))) {
		*err = ENOMEM;
		close(fd);
		return NULL;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, b + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	b[got] = 0;
	*len = got;
	return b;
}

static void sha256_hex(const void *p, size_t n, char hex[65])
{
	unsigned char d[32];
	unsigned i;
	EVP_Digest(p, n, d, NULL, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static void load_clip(rp *r, rp_pull *p, json_t *c)
{
	vidx *h = r->h;
	json_t *cam = json_object_get(c, "camera"), *v = json_object_get(c, "video");
	json_t *a = json_object_get(c, "audio"), *srcs = json_object_get(c, "sources"), *s;
	rp_clip *x;
	size_t i;

	if (!(x = PUSH(r, r->clips, r->nclips)))
		return;
	x->pull = p;
	x->index = r->nclips - 1;
	x->rel = jstr(r, c, "path");
	x->format = jstr(r, c, "format");
	x->sha256 = jstr(r, c, "sha256");
	x->size = jint(c, "size", -1);
	x->camera = jstr(r, cam, "id");
	x->camera_name = jstr(r, cam, "name");
	x->lat = jnum(cam, "lat");
	x->lon = jnum(cam, "lon");
	x->req_start = jtime(h, json_object_get(c, "requested_start"));
	x->req_end = jtime(h, json_object_get(c, "requested_end"));
	x->start = jtime(h, json_object_get(c, "start"));
	x->end = jtime(h, json_object_get(c, "end"));
	x->correction_ms = jnum(c, "clock_correction_ms");
	x->vcodec = jstr(r, v, "codec");
	x->vhash = jstr(r, v, "packets_sha256");
	x->vpackets = jint(v, "packets", -1);
	x->acodec = jstr(r, a, "codec");
	x->ahash = jstr(r, a, "packets_sha256");
	x->apackets = jint(a, "packets", -1);
	if (!x->camera)
		x->camera = "";
	if (!x->format)
		x->format = "";
	if (!safe_rel(x->rel) || !is_hex64(x->sha256) || !vidx_id_valid(x->camera) ||
	    x->start == VIDX_TIME_NONE || x->end == VIDX_TIME_NONE) {
		x->problem = "its entry in the manifest is not usable (path, SHA-256, "
		             "camera or times)";
		if (!safe_rel(x->rel))
			x->rel = rp__strf(r, "(clip %zu of the manifest)", r->nclips);
	}
	x->nsrc = 0;
	json_array_foreach(srcs, i, s) {
		json_t *cut = json_object_get(s, "cut");
		rp_src *y = PUSH(r, x->src, x->nsrc);
		(void)cut;
		if (!y)
			return;
		y->recording_id = jint(s, "recording_id", -1);
		y->path = jstr(r, s, "path");
		y->host = jstr(r, s, "host");
		y->sha256 = jstr(r, s, "sha256");
		y->format = jstr(r, s, "format");
		y->time_source = jstr(r, s, "time_source");
		y->size = jint(s, "size", -1);
		y->sha256_checked = json_is_true(json_object_get(s, "sha256_checked"));
		y->req_start = jtime(h, json_object_get(s, "requested_start"));
		y->req_end = jtime(h, json_object_get(s, "requested_end"));
		y->start = jtime(h, json_object_get(s, "start"));
		y->end = jtime(h, json_object_get(s, "end"));
		y->camera_start = jtime(h, json_object_get(s, "camera_start"));
		y->correction_ms = jnum(s, "clock_correction_ms");
		y->byte_start = jint(s, "byte_start", -1);
		y->byte_end = jint(s, "byte_end", -1);
		y->video_packets = jint(s, "video_packets", -1);
		y->audio_packets = jint(s, "audio_packets", -1);
		if (!y->path)
			y->path = "";
		if (!y->sha256)
			y->sha256 = "";
	}
	p->nclips++;
}

static void load_pull(rp *r, const rp_event *e)
{
	vidx *h = r->h;
	json_t *d = json_loads(e->detail, 0, NULL), *c;
	rp_pull *p;
	char path[PATH_MAX], hex[65];
	size_t len = 0, i;
	char *text = NULL;
	int err;

	/* room for every pull was made before: clips point at their pull */
	p = &r->pulls[r->npulls++];
	p->seq = e->seq;
	p->at = e->at;
	p->by = e->by;
	p->from = p->to = VIDX_TIME_NONE;
	p->folder = jstr(r, d, "folder");
	p->manifest_sha256 = jstr(r, d, "manifest_sha256");
	p->out = rp__strf(r, "pull-%lld", (long long)e->seq);
	if (e->problem) {
		p->problem = rp__strf(r, "its custody event (%lld) fails its check: %s",
		                      (long long)e->seq, e->problem);
	} else if (!p->folder || !is_hex64(p->manifest_sha256)) {
		p->problem = "its custody event names no folder or manifest";
	} else if (snprintf(path, sizeof(path), "%s/manifest.json", p->folder) >= (int)sizeof(path)) {
		p->problem = "the folder's path is too long";
	} else if (!(text = slurp(path, MAX_MANIFEST, &len, &err))) {
		p->problem = rp__strf(r, "cannot read '%s': %s", path, strerror(err));
	} else if (sha256_hex(text, len, hex), strcmp(hex, p->manifest_sha256)) {
		p->problem = rp__strf(r, "'%s' is not the manifest of the pull: its SHA-256 is "
		                      "%s, the custody log recorded %s", path, hex,
		                      p->manifest_sha256);
	} else if (!(p->man = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL)) ||
	           !json_is_object(p->man) || jint(p->man, "vidx_manifest", 0) != 1 ||
	           !json_is_array(json_object_get(p->man, "clips"))) {
		p->problem = rp__strf(r, "'%s' is not a vidx manifest", path);
		json_decref(p->man);
		p->man = NULL;
	}
	free(text);
	if (p->man) {
		p->tool = jstr(r, p->man, "tool");
		p->libavformat = jstr(r, p->man, "libavformat");
		p->index = jstr(r, p->man, "index");
		p->pulled_at = jstr(r, p->man, "pulled_at");
		p->query = json_object_get(p->man, "query");
		p->from = jtime(h, json_object_get(p->query, "from"));
		p->to = jtime(h, json_object_get(p->query, "to"));
		json_array_foreach(json_object_get(p->man, "clips"), i, c)
			load_clip(r, p, c);
	} else {
		/* the log still says which clips there were: list them as missing */
		json_array_foreach(json_object_get(d, "clips"), i, c) {
			rp_clip *x = PUSH(r, r->clips, r->nclips);
			if (!x)
				break;
			x->pull = p;
			x->index = r->nclips - 1;
			x->rel = jstr(r, c, "path");
			x->sha256 = jstr(r, c, "sha256");
			x->camera = jstr(r, c, "camera");
			x->start = jtime(h, json_object_get(c, "start"));
			x->end = jtime(h, json_object_get(c, "end"));
			x->format = "";
			x->size = x->vpackets = x->apackets = -1;
			x->lat = x->lon = x->correction_ms = NAN;
			if (!x->rel)
				x->rel = "?";
			if (!x->camera)
				x->camera = "";
			x->problem = p->problem;
			p->nclips++;
		}
	}
	json_decref(d);
}

/* the last vidx verify of each pull's folder (after the pull), and of the
 * case's recordings; what it said of each clip and source */
static void load_verifies(rp *r)
{
	size_t i, j, k;

	for (i = 0; i < r->nev; i++) {
		const rp_event *e = &r->ev[i];
		json_t *d, *f;
		const char *scope, *what;
		if (strcmp(e->kind, "verify") || e->problem || !(d = json_loads(e->detail, 0, NULL)))
			continue;
		scope = json_string_value(json_object_get(d, "scope"));
		what = json_string_value(json_object_get(d, "what"));
		if (scope && what && !strcmp(scope, "folder")) {
			for (j = 0; j < r->npulls; j++) {
				rp_pull *p = &r->pulls[j];
				if (!p->folder || strcmp(p->folder, what) || e->seq < p->seq)
					continue;
				p->verify_seq = e->seq;
				p->verify_at = e->at;
				p->verify_by = e->by;
				p->verify_checked = jint(d, "checked", 0);
				p->verify_failed = jint(d, "failed", 0);
				for (k = 0; k < r->nclips; k++) {
					rp_clip *c = &r->clips[k];
					size_t n, m;
					const char *why = "ok";
					if (c->pull != p)
						continue;
					n = strlen(c->rel);
					json_array_foreach(json_object_get(d, "failures"), m, f) {
						const char *item = json_string_value(json_object_get(f, "item"));
						if (item && !strncmp(item, c->rel, n) &&
						    (!item[n] || !strncmp(item + n, " <- ", 4))) {
							why = rp__strf(r, "%s %s: %s",
							               json_string_value(json_object_get(f, "kind")),
							               json_string_value(json_object_get(f, "status")),
							               json_string_value(json_object_get(f, "detail")));
							break;
						}
					}
					c->verify = why;
					c->verify_seq = e->seq;
					c->verify_at = e->at;
					c->verify_by = e->by;
				}
			}
		} else if (scope && what && !strcmp(scope, "recordings") && !strcmp(what, r->case_id)) {
			r->recs_verify_seq = e->seq;
			for (k = 0; k < r->nclips; k++) {
				rp_clip *c = &r->clips[k];
				for (j = 0; j < c->nsrc; j++) {
					size_t m;
					const char *why = "ok";
					json_array_foreach(json_object_get(d, "failures"), m, f) {
						const char *item = json_string_value(json_object_get(f, "item"));
						if (item && !strcmp(item, c->src[j].path)) {
							why = rp__strf(r, "%s: %s",
							               json_string_value(json_object_get(f, "status")),
							               json_string_value(json_object_get(f, "detail")));
							break;
						}
					}
					c->src[j].verify = why;
				}
			}
		}
		json_decref(d);
	}
}

/* ---- sources named by their SHA-256 --------------------------------------------- */

typedef struct shawalk {
	const char *sha;
	int64_t id;
} shawalk;

static int on_sha(void *ctx, const vidx_recording *x)
{
	shawalk *w = ctx;
	if (x->sha256 && !strcasecmp(x->sha256, w->sha)) {
		w->id = x->id;
		return 1;
	}
	return 0;
}

/* a manifest names its sources by SHA-256 (older ones also by recording
 * id): the id the index has for each now, -1 when it has none */
static void source_ids(rp *r)
{
	size_t i, j;

	for (i = 0; i < r->nclips; i++) {
		rp_clip *c = &r->clips[i];
		for (j = 0; j < c->nsrc; j++) {
			rp_src *y = &c->src[j];
			shawalk w = {y->sha256, -1};
			if (y->recording_id >= 0 || !is_hex64(y->sha256) || !vidx_id_valid(c->camera))
				continue;
			if (vidx_recording_each(r->h, c->camera, on_sha, &w) >= 0 && w.id >= 0)
				y->recording_id = w.id;
		}
	}
}

/* ---- the question: place, window, cameras, coverage ----------------------------- */

static rp_cam *cam_find(rp *r, const char *id)
{
	size_t i;
	for (i = 0; i < r->ncams; i++)
		if (!strcmp(r->cams[i].id, id))
			return &r->cams[i];
	return NULL;
}

static rp_cam *cam_add(rp *r, const vidx_camera *all, size_t nall, const char *id)
{
	rp_cam *c = cam_find(r, id);
	size_t i;

	if (c)
		return c;
	if (!(c = PUSH(r, r->cams, r->ncams)))
		return NULL;
	c->id = rp__str(r, id);
	c->lat = c->lon = c->dist = NAN;
	c->name = "";
	for (i = 0; i < nall; i++) {
		if (strcmp(all[i].id, id))
			continue;
		c->known = 1;
		c->name = rp__str(r, all[i].name ? all[i].name : "");
		c->tz = rp__str(r, all[i].tz);
		c->address = rp__str(r, all[i].address);
		c->lat = all[i].lat;
		c->lon = all[i].lon;
		c->mobile = all[i].mobile;
	}
	if (r->has_place && !isnan(c->lat))
		c->dist = vidx_distance_m(r->lat, r->lon, c->lat, c->lon);
	return c;
}

static int load_question(rp *r)
{
	vidx *h = r->h;
	vidx_camera *all = NULL;
	size_t nall = 0, i, j;
	json_t *q0 = NULL;
	const char *only[64];
	vidx_query q;
	int rc;

	/* the window: every pull's question, widened to hold every clip */
	r->from = r->to = VIDX_TIME_NONE;
	for (i = 0; i < r->npulls; i++) {
		rp_pull *p = &r->pulls[i];
		if (p->from != VIDX_TIME_NONE && (r->from == VIDX_TIME_NONE || p->from < r->from))
			r->from = p->from;
		if (p->to != VIDX_TIME_NONE && (r->to == VIDX_TIME_NONE || p->to > r->to))
			r->to = p->to;
		if (!q0 && json_is_array(json_object_get(p->query, "near")))
			q0 = p->query;
	}
	for (i = 0; i < r->nclips; i++) {
		rp_clip *c = &r->clips[i];
		if (c->start != VIDX_TIME_NONE && (r->from == VIDX_TIME_NONE || c->start < r->from))
			r->from = c->start;
		if (c->end != VIDX_TIME_NONE && (r->to == VIDX_TIME_NONE || c->end > r->to))
			r->to = c->end;
	}
	if (r->from == VIDX_TIME_NONE || r->to <= r->from) {
		r->from = r->created;
		r->to = r->created + 60 * US;
	}
	if (q0) {
		json_t *n = json_object_get(q0, "near");
		r->has_place = 1;
		r->lat = json_number_value(json_array_get(n, 0));
		r->lon = json_number_value(json_array_get(n, 1));
		r->radius = jnum(q0, "radius_m");
		if (isnan(r->radius) || r->radius <= 0)
			r->radius = 0;
	}

	if ((rc = vidx_camera_list(h, &all, &nall)) < 0)
		return rc;
	/* coverage 1: the place of the first question that had one */
	memset(&q, 0, sizeof(q));
	q.from = r->from;
	q.to = r->to;
	if (r->has_place && r->radius > 0) {
		q.has_near = 1;
		q.lat = r->lat;
		q.lon = r->lon;
		q.radius_m = r->radius;
		if ((rc = vidx_query_run(h, &q, &r->cover[0])) < 0)
			goto out;
		for (i = 0; i < r->cover[0]->ncams; i++) {
			rp_cam *c = cam_add(r, all, nall, r->cover[0]->cams[i].camera);
			if (c)
				c->cov = &r->cover[0]->cams[i];
		}
	}
	/* coverage 2: the cameras of the clips not yet there */
	q.has_near = 0;
	q.ncameras = 0;
	for (i = 0; i < r->nclips && q.ncameras < 64; i++) {
		rp_clip *c = &r->clips[i];
		int seen = 0;
		if (!vidx_id_valid(c->camera) || cam_find(r, c->camera))
			continue;
		for (j = 0; j < q.ncameras; j++)
			seen |= !strcmp(only[j], c->camera);
		for (j = 0; j < nall && !seen; j++)
			if (!strcmp(all[j].id, c->camera))
				break;
		if (!seen && j < nall)
			only[q.ncameras++] = c->camera;
	}
	if (q.ncameras) {
		q.cameras = only;
		if ((rc = vidx_query_run(h, &q, &r->cover[1])) < 0)
			goto out;
		for (i = 0; i < r->cover[1]->ncams; i++) {
			rp_cam *c = cam_add(r, all, nall, r->cover[1]->cams[i].camera);
			if (c)
				c->cov = &r->cover[1]->cams[i];
		}
	}
	for (i = 0; i < r->nclips; i++) {
		rp_cam *c = cam_add(r, all, nall, r->clips[i].camera);
		if (c) {
			c->nclips++;
			if (!c->known && r->clips[i].camera_name)
				c->name = r->clips[i].camera_name;
			if (!c->known && !isnan(r->clips[i].lat)) {
				c->lat = r->clips[i].lat;
				c->lon = r->clips[i].lon;
				if (r->has_place)
					c->dist = vidx_distance_m(r->lat, r->lon, c->lat, c->lon);
			}
		}
	}
	/* without a place asked: the middle of the cameras */
	if (!r->has_place) {
		double sl = 0, so = 0;
		size_t n = 0;
		for (i = 0; i < r->ncams; i++)
			if (!isnan(r->cams[i].lat)) {
				sl += r->cams[i].lat;
				so += r->cams[i].lon;
				n++;
			}
		/* the map's centre only: with no place asked, no distances */
		if (n) {
			r->lat = sl / (double)n;
			r->lon = so / (double)n;
		}
	}
	/* a mobile camera is as near as its recordings came */
	for (j = 0; j < 2; j++)
		for (i = 0; r->cover[j] && i < r->cover[j]->nspans; i++) {
			const vidx_span *sp = &r->cover[j]->spans[i];
			rp_cam *c = cam_find(r, sp->camera);
			if (c && c->mobile && !isnan(sp->closest_m) &&
			    (isnan(c->dist) || sp->closest_m < c->dist))
				c->dist = sp->closest_m;
		}
	for (i = 0; i < r->ncams; i++) {
		rp_cam *c = &r->cams[i];
		if (c->known && vidx_clock_list(h, c->id, &c->obs, &c->nobs) < 0) {
			c->obs = NULL;
			c->nobs = 0;
		}
	}
	rc = 0;
out:
	vidx_camera_list_free(all, nall);
	return rc;
}

/* the zone local times are shown in: --tz, else the cameras' one zone */
static void choose_zone(rp *r)
{
	size_t i;
	const char *z = NULL;

	if (r->o->tz && *r->o->tz) {
		r->zone = r->o->tz;
		return;
	}
	for (i = 0; i < r->ncams; i++) {
		const char *t = r->cams[i].tz;
		if (!t || !*t || !r->cams[i].nclips)
			continue;
		if (!z)
			z = t;
	}
	for (i = 0; !z && i < r->ncams; i++)
		if (r->cams[i].tz && *r->cams[i].tz)
			z = r->cams[i].tz;
	r->zone = z ? z : "UTC";
}

/* ---- recordings (for the timelines) ---------------------------------------------- */

typedef struct recwalk {
	rp *r;
	int64_t *ids;
	size_t nids;
} recwalk;

static int on_rec(void *ctx, const vidx_recording *x)
{
	recwalk *w = ctx;
	rp *r = w->r;
	rp_rec *y;
	size_t i;
	char hex[65];

	for (i = 0; i < w->nids && w->ids[i] != x->id; i++)
		;
	if (i == w->nids || !(y = PUSH(r, r->recs, r->nrecs)))
		return 0;
	for (i = 0; i < 64 && x->sha256 && x->sha256[i]; i++)
		hex[i] = (char)(x->sha256[i] >= 'A' && x->sha256[i] <= 'F'
		                ? x->sha256[i] - 'A' + 'a' : x->sha256[i]);
	hex[i] = 0;
	y->id = x->id;
	y->camera = rp__str(r, x->camera);
	y->path = rp__str(r, x->path);
	y->sha256 = rp__str(r, hex);
	y->cam_start = x->start;
	y->cam_end = x->end;
	y->lat[0] = y->lat[1] = y->lon[0] = y->lon[1] = NAN;
	if (x->place && x->place->track_source && x->place->ntrack) {
		const vidx_geopoint *t = x->place->track;
		y->lat[0] = t[0].lat;
		y->lon[0] = t[0].lon;
		y->lat[1] = t[x->place->ntrack - 1].lat;
		y->lon[1] = t[x->place->ntrack - 1].lon;
	} else if (x->place && x->place->loc_source) {
		y->lat[0] = y->lat[1] = x->place->loc.lat;
		y->lon[0] = y->lon[1] = x->place->loc.lon;
	}
	return 0;
}

static int load_recordings(rp *r)
{
	recwalk w = {r, NULL, 0};
	size_t i, j, k, n = 0;
	int rc = 0;

	for (k = 0; k < 2; k++)
		for (i = 0; r->cover[k] && i < r->cover[k]->nspans; i++) {
			int64_t id = r->cover[k]->spans[i].recording_id;
			int64_t *a;
			for (j = 0; j < w.nids && w.ids[j] != id; j++)
				;
			if (j < w.nids)
				continue;
			if (!(a = realloc(w.ids, (w.nids + 1) * sizeof(*a)))) {
				free(w.ids);
				return vidx__fail(r->h, VIDX_ENOMEM, "out of memory");
			}
			w.ids = a;
			w.ids[w.nids++] = id;
		}
	for (i = 0; i < r->ncams && w.nids; i++) {
		n = r->nrecs;
		if (r->cams[i].known &&
		    (rc = vidx_recording_each(r->h, r->cams[i].id, on_rec, &w)) < 0)
			break;
		for (j = n; j < r->nrecs; j++) {
			rp_rec *y = &r->recs[j];
			vidx__clock_to_true(r->h, y->camera, y->cam_start, &y->start, &y->off_start);
			vidx__clock_to_true(r->h, y->camera, y->cam_end, &y->end, &y->off_end);
		}
	}
	free(w.ids);
	return rc < 0 ? rc : 0;
}

/* ---- files ---------------------------------------------------------------------------- */

int rp__write_new(vidx *h, const char *path, const char *text, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return vidx__fail(h, errno == EEXIST ? VIDX_EEXIST : VIDX_EIO, "cannot write "
		                  "'%s': %s%s", path, strerror(errno),
		                  errno == EEXIST ? " (not overwritten)" : "");
	if (vidx__write_all(fd, text, n) < 0 || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlink(path);
		return vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", path, strerror(e));
	}
	if (close(fd) < 0) {
		unlink(path);
		return vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", path, strerror(errno));
	}
	return 0;
}

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
	char *buf = malloc(1 << 20);
	ssize_t n;

	if (in < 0 || !buf)
		goto out;
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		goto out;
	for (;;) {
		n = read(in, buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		if (vidx__write_all(out, buf, (size_t)n) < 0)
			goto out;
	}
	if (fsync(out) < 0)
		goto out;
	rc = 0;
out:
	{
		int e = errno;
		if (out >= 0 && close(out) < 0 && rc == 0)
			rc = -1, e = errno;
		if (rc < 0 && out >= 0)
			unlink(to);
		if (in >= 0)
			close(in);
		free(buf);
		errno = e;
	}
	return rc;
}

static void item(rp *r, const char *kind, const char *path, const char *status,
                 const char *sha, int64_t size, const char *detail)
{
	vidx_report_item it = {kind, path, status, sha, detail ? detail : "", size};
	if (!strcmp(status, "failed"))
		r->failed++;
	if (r->o->on_item)
		r->o->on_item(r->o->ctx, &it);
}

static rp_file *add_file(rp *r, const char *rel, const char *kind, const char *sha,
                         int64_t size, const char *note)
{
	rp_file *f = PUSH(r, r->files, r->nfiles);
	if (!f)
		return NULL;
	f->rel = rp__str(r, rel);
	f->kind = kind;
	f->sha256 = rp__str(r, sha);
	f->size = size;
	f->note = note;
	return f;
}

/* REL's folder inside the temporary folder */
static int make_parent(rp *r, const char *rel)
{
	char path[PATH_MAX];
	char *sl;

	snprintf(path, sizeof(path), "%s/%s", r->tmp, rel);
	if ((sl = strrchr(path, '/')))
		*sl = 0;
	return vidx__mkdirs(path, 0755);
}

/* the pulls' clips, manifests and sums into DIR/pull-SEQ */
static void place_clips(rp *r)
{
	size_t i;

	for (i = 0; i < r->npulls; i++) {
		rp_pull *p = &r->pulls[i];
		const char *names[2] = {"manifest.json", "SHA256SUMS"};
		int k;
		if (!p->man) {
			item(r, "case-manifest", rp__strf(r, "%s/manifest.json", p->out), "failed",
			     NULL, -1, p->problem);
			continue;
		}
		/* the manifest exactly as hashed above; the sums as read now */
		for (k = 0; k < 2; k++) {
			char from[PATH_MAX], to[PATH_MAX], hex[65];
			size_t len = 0;
			int err;
			char *text;
			const char *rel = rp__strf(r, "%s/%s", p->out, names[k]);
			snprintf(from, sizeof(from), "%s/%s", p->folder, names[k]);
			snprintf(to, sizeof(to), "%s/%s", r->tmp, rel);
			if (!(text = slurp(from, MAX_MANIFEST, &len, &err))) {
				item(r, k ? "case-sums" : "case-manifest", rel, "failed", NULL, -1,
				     rp__strf(r, "cannot read '%s': %s", from, strerror(err)));
				continue;
			}
			sha256_hex(text, len, hex);
			if (!k && strcmp(hex, p->manifest_sha256)) {
				item(r, "case-manifest", rel, "failed", hex, (int64_t)len,
				     rp__strf(r, "'%s' changed while the report was made", from));
			} else if (make_parent(r, rel) < 0 || rp__write_new(r->h, to, text, len) < 0) {
				item(r, k ? "case-sums" : "case-manifest", rel, "failed", NULL, -1,
				     vidx_errmsg(r->h));
			} else {
				add_file(r, rel, k ? "case-sums" : "case-manifest", hex, (int64_t)len,
				         k ? "the case folder's SHA256SUMS, copied" :
				         "the case folder's manifest, copied; its SHA-256 is the one "
				         "the custody log recorded for the pull");
				item(r, k ? "case-sums" : "case-manifest", rel, "copied", hex,
				     (int64_t)len, NULL);
			}
			free(text);
		}
	}
	for (i = 0; i < r->nclips; i++) {
		rp_clip *c = &r->clips[i];
		char from[PATH_MAX], to[PATH_MAX], hex[65];
		const char *rel;
		int64_t size = 0;
		int linked = 0;

		if (c->problem) {
			item(r, "clip", rp__strf(r, "%s/%s", c->pull->out, c->rel), "failed", NULL,
			     -1, c->problem);
			continue;
		}
		rel = rp__strf(r, "%s/%s", c->pull->out, c->rel);
		snprintf(from, sizeof(from), "%s/%s", c->pull->folder, c->rel);
		snprintf(to, sizeof(to), "%s/%s", r->tmp, rel);
		if (make_parent(r, rel) < 0) {
			c->problem = rp__strf(r, "cannot make its folder: %s", strerror(errno));
		} else if (link(from, to) == 0) {
			linked = 1;
		} else if (errno == ENOENT) {
			c->problem = rp__strf(r, "'%s' is missing", from);
		} else if (copy_file(from, to) < 0) {
			c->problem = rp__strf(r, "cannot copy '%s': %s", from, strerror(errno));
		}
		if (!c->problem) {
			/* the file now in the report is what is checked */
			if (vidx__sha256_path(r->h, to, 0, hex, &size) < 0) {
				c->problem = rp__str(r, vidx_errmsg(r->h));
				unlink(to);
			} else if (strcmp(hex, c->sha256) || (c->size >= 0 && size != c->size)) {
				c->problem = rp__strf(r, "'%s' is not the clip that was pulled: its "
				                      "SHA-256 is %s (%lld bytes), the manifest says %s "
				                      "(%lld bytes)", from, hex, (long long)size,
				                      c->sha256, (long long)c->size);
				unlink(to);
			}
		}
		if (c->problem) {
			item(r, "clip", rel, "failed", NULL, -1, c->problem);
			continue;
		}
		c->out = rel;
		c->how = linked ? "linked" : "copied";
		add_file(r, rel, "clip", hex, size, linked ?
		         "a clip of the case: a hard link to the case folder's file, its SHA-256 "
		         "checked against the manifest" :
		         "a clip of the case: a copy of the case folder's file, its SHA-256 "
		         "checked against the manifest");
		item(r, "clip", rel, c->how, hex, size, NULL);
		{
			char why[160];
			if (rp__clip_probe(r->h, to, c, why, sizeof(why)) < 0) {
				c->playable = 0;
				c->why_not = rp__strf(r, "cannot be read: %s", vidx_errmsg(r->h));
			} else if (!c->playable) {
				c->why_not = rp__str(r, why);
			}
		}
	}
}

static void make_proxies(rp *r)
{
	size_t i;

	for (i = 0; i < r->nclips; i++) {
		rp_clip *c = &r->clips[i];
		char in[PATH_MAX], out[PATH_MAX], desc[1024], hex[65];
		const char *rel, *dot;
		int64_t size = 0;
		rp_file *f;
		if (!c->out || c->playable)
			continue;
		dot = strrchr(c->rel, '.');
		rel = rp__strf(r, "proxies/%s/%.*s.h264.mp4", c->pull->out,
		               (int)(dot && !strchr(dot, '/') ? (size_t)(dot - c->rel) : strlen(c->rel)),
		               c->rel);
		snprintf(in, sizeof(in), "%s/%s", r->tmp, c->out);
		snprintf(out, sizeof(out), "%s/%s", r->tmp, rel);
		if (make_parent(r, rel) < 0 ||
		    rp__proxy(r->h, in, out, desc, sizeof(desc)) < 0 ||
		    vidx__sha256_path(r->h, out, 1, hex, &size) < 0) {
			c->proxy_problem = rp__str(r, vidx_errmsg(r->h));
			unlink(out);
			item(r, "proxy", rel, "failed", NULL, -1, c->proxy_problem);
			continue;
		}
		c->proxy = rel;
		c->proxy_sha256 = rp__str(r, hex);
		c->proxy_size = size;
		c->proxy_how = rp__str(r, desc);
		if ((f = add_file(r, rel, "proxy", hex, size, "a WORKING COPY, not evidence: "
		                  "the clip re-encoded as H.264 so that a browser can play it"))) {
			f->extra = json_pack("{s:s,s:s,s:s}", "working_copy_of", c->out,
			                     "working_copy_of_sha256", c->sha256, "processing", desc);
		}
		item(r, "proxy", rel, "made", hex, size, NULL);
	}
}

/* a still of each clip: the frame on screen at its first instant and at
 * the incident, decoded from its source by vidx_still_file (never from a
 * proxy): working copies, each with the frame's hash */
static void make_stills(rp *r)
{
	size_t i, k, j;

	for (i = 0; i < r->nclips; i++) {
		rp_clip *c = &r->clips[i];
		const char *dot;
		for (k = 0; k < 2 && c->out && c->nsrc; k++) {
			rp_still *st = &c->still[k];
			int64_t at = k ? r->incident : c->start;
			vidx_still *s = NULL;
			char png[PATH_MAX];
			const char *rel;
			rp_file *f;
			int rc;
			if (k && (at == VIDX_TIME_NONE || at < c->start || at >= c->end))
				continue;
			/* the source whose part of the clip holds that instant */
			for (j = c->nsrc - 1; j > 0 && c->src[j].start != VIDX_TIME_NONE &&
			     c->src[j].start > at; j--)
				;
			dot = strrchr(c->rel, '.');
			rel = rp__strf(r, "stills/%s/%.*s_%s.png", c->pull->out,
			               (int)(dot && !strchr(dot, '/') ? (size_t)(dot - c->rel)
			                     : strlen(c->rel)), c->rel, k ? "incident" : "start");
			snprintf(png, sizeof(png), "%s/%s", r->tmp, rel);
			st->at = at;
			st->recording_id = c->src[j].recording_id;
			if (make_parent(r, rel) < 0) {
				st->problem = rp__strf(r, "cannot make its folder: %s", strerror(errno));
				item(r, "still", rel, "failed", NULL, -1, st->problem);
				continue;
			}
			/* the manifest's start is cut to the millisecond: the first
			 * frame begins within the millisecond after it */
			rc = vidx_still_file(r->h, c->camera, st->recording_id,
			                     k ? at : at + 999, png, &s);
			if (rc < 0) {
				st->problem = rp__str(r, vidx_errmsg(r->h));
				item(r, "still", rel, "failed", NULL, -1, st->problem);
				continue;
			}
			st->path = rel;
			st->recording_id = s->recording_id;
			st->sha256 = rp__str(r, s->png_sha256);
			st->size = s->png_size;
			st->frame_hash = rp__str(r, s->frame_hash);
			st->conversion = rp__str(r, s->conversion);
			st->frame_time = s->frame_time;
			st->pts = s->pts;
			st->frame = s->frame;
			st->width = s->width;
			st->height = s->height;
			if ((f = add_file(r, rel, "still", s->png_sha256, s->png_size,
			                  k ? "a WORKING COPY, not evidence: the frame this clip's "
			                  "camera showed at the incident, decoded from its source" :
			                  "a WORKING COPY, not evidence: the clip's first frame, "
			                  "decoded from its source"))) {
				char b1[VIDX_TIME_BUFSZ], b2[VIDX_TIME_BUFSZ];
				f->extra = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:I,s:I,s:s,s:s,s:I,s:I,s:s}",
				        "still_of_clip", c->out, "at", vidx_time_format(at, b1),
				        "frame_time", vidx_time_format(s->frame_time, b2),
				        "source", s->path ? s->path : "", "recording_id",
				        (json_int_t)s->recording_id, "source_sha256", s->sha256 ? s->sha256 : "",
				        "pts_us", (json_int_t)s->pts, "frame", (json_int_t)s->frame,
				        "frame_hash", s->frame_hash, "pix_fmt", s->pix_fmt ? s->pix_fmt : "",
				        "byte_start", (json_int_t)s->byte_start, "byte_end",
				        (json_int_t)s->byte_end, "conversion",
				        s->conversion ? s->conversion : "");
			}
			item(r, "still", rel, "made", s->png_sha256, s->png_size, NULL);
			vidx_still_free(s);
		}
	}
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	remove(p);
	return 0;
}

/* the report folder's own manifest and sums */
static int write_manifest(rp *r, char mhex[65])
{
	vidx *h = r->h;
	json_t *m = json_object(), *files = json_array(), *libs = json_object();
	char b[VIDX_TIME_BUFSZ], path[PATH_MAX];
	char *text = NULL;
	rp_buf sums = {0};
	size_t i;
	int rc;

	json_object_set_new(m, "vidx_report", json_integer(1));
	json_object_set_new(m, "case", vidx__jstr(r->case_id));
	json_object_set_new(m, "title", vidx__jstr(r->title));
	json_object_set_new(m, "operator", vidx__jstr(r->o->by));
	json_object_set_new(m, "tool", json_string("vidx-report " VIDX_VERSION));
	json_object_set_new(m, "made_at", json_string(vidx_time_format(r->made, b)));
	json_object_set_new(m, "index", vidx__jstr(r->index_path));
	json_object_set_new(m, "zone", vidx__jstr(r->zone));
	json_object_set_new(m, "from", vidx__jtime(r->from));
	json_object_set_new(m, "to", vidx__jtime(r->to));
	json_object_set_new(m, "incident", vidx__jtime(r->incident));
	json_object_set_new(libs, "libavformat", json_string(LIBAVFORMAT_IDENT));
	json_object_set_new(libs, "libavcodec", json_string(LIBAVCODEC_IDENT));
	json_object_set_new(libs, "sqlite", json_string(sqlite3_libversion()));
	json_object_set_new(libs, "jansson", json_string(JANSSON_VERSION));
	json_object_set_new(libs, "openssl", json_string(OPENSSL_VERSION_TEXT));
	json_object_set_new(m, "libraries", libs);
	json_object_set_new(m, "note", json_string(
		"A report is a working copy made from the case: the evidence is the case "
		"folder and its custody log.  Clips here are checked copies (or hard links) "
		"of the case's clips; proxies and stills are working copies, made as each "
		"entry says."));
	for (i = 0; i < r->nfiles; i++) {
		rp_file *f = &r->files[i];
		json_t *o = json_object();
		json_object_set_new(o, "path", vidx__jstr(f->rel));
		json_object_set_new(o, "kind", json_string(f->kind));
		json_object_set_new(o, "size", json_integer(f->size));
		json_object_set_new(o, "sha256", json_string(f->sha256));
		json_object_set_new(o, "working_copy", json_boolean(!strcmp(f->kind, "proxy") ||
		                    !strcmp(f->kind, "still") || !strcmp(f->kind, "page") ||
		                    !strcmp(f->kind, "pdf")));
		json_object_set_new(o, "note", json_string(f->note ? f->note : ""));
		if (f->extra)
			json_object_update(o, f->extra);
		json_array_append_new(files, o);
	}
	json_object_set_new(m, "files", files);
	text = vidx__json_file_text(m, 0);
	json_decref(m);
	if (!text)
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "%s/report-manifest.json", r->tmp);
	rc = rp__write_new(h, path, text, strlen(text));
	sha256_hex(text, strlen(text), mhex);
	item(r, "manifest", "report-manifest.json", rc < 0 ? "failed" : "made", mhex,
	     (int64_t)strlen(text), rc < 0 ? vidx_errmsg(h) : NULL);
	free(text);
	if (rc < 0)
		return rc;
	for (i = 0; i < r->nfiles; i++)
		rp_printf(&sums, "%s  %s\n", r->files[i].sha256, r->files[i].rel);
	rp_printf(&sums, "%s  report-manifest.json\n", mhex);
	if (sums.oom) {
		rp_buf_free(&sums);
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	}
	snprintf(path, sizeof(path), "%s/SHA256SUMS", r->tmp);
	rc = rp__write_new(h, path, sums.s, sums.n);
	{
		char shex[65];
		sha256_hex(sums.s, sums.n, shex);
		item(r, "sums", "SHA256SUMS", rc < 0 ? "failed" : "made", shex,
		     (int64_t)sums.n, rc < 0 ? vidx_errmsg(h) : NULL);
	}
	rp_buf_free(&sums);
	return rc;
}

/* ---- the custody event ----------------------------------------------------------------- */

static int log_report(rp *r, const char *mhex, const char *page_hex, const char *pdf_hex,
                      json_t *timelines)
{
	json_t *d = json_object();
	char *text;
	size_t i, nclips = 0, nproxies = 0;
	int rc;

	for (i = 0; i < r->nclips; i++) {
		nclips += r->clips[i].out != NULL;
		nproxies += r->clips[i].proxy != NULL;
	}
	json_object_set_new(d, "folder", r->dir ? vidx__jstr(r->dir) : json_null());
	json_object_set_new(d, "manifest_sha256", mhex ? json_string(mhex) : json_null());
	json_object_set_new(d, "page_sha256", page_hex ? json_string(page_hex) : json_null());
	if (pdf_hex)
		json_object_set_new(d, "pdf_sha256", json_string(pdf_hex));
	json_object_set_new(d, "files", json_integer((json_int_t)(r->dir ? r->nfiles + 2 : 0)));
	json_object_set_new(d, "clips", json_integer((json_int_t)nclips));
	json_object_set_new(d, "proxies", json_integer((json_int_t)nproxies));
	json_object_set_new(d, "failed", json_integer((json_int_t)r->failed));
	json_object_set_new(d, "timelines", json_incref(timelines));
	text = json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(d);
	if (!text)
		return vidx__fail(r->h, VIDX_ENOMEM, "out of memory");
	rc = vidx_custody_add(r->h, r->case_id, r->o->by, "report", text, NULL);
	free(text);
	return rc;
}

/* ---- the whole job ------------------------------------------------------------------------ */

static void rp_free(rp *r)
{
	size_t i;

	for (i = 0; i < r->npulls; i++)
		json_decref(r->pulls[i].man);
	free(r->pulls);
	for (i = 0; i < r->nclips; i++)
		free(r->clips[i].src);
	free(r->clips);
	for (i = 0; i < r->ncams; i++)
		vidx_clock_list_free(r->cams[i].obs, r->cams[i].nobs);
	free(r->cams);
	free(r->recs);
	for (i = 0; i < r->nfiles; i++)
		json_decref(r->files[i].extra);
	free(r->files);
	free(r->ev);
	free(r->zones);
	vidx_result_free(r->cover[0]);
	vidx_result_free(r->cover[1]);
	for (i = 0; i < r->nstrs; i++)
		free(r->strs[i]);
	free(r->strs);
}

/* abs path of PATH's parent (made if missing) + its last component */
/* The pull folder (manifest.json and SHA256SUMS) that PATH, or the nearest
 * folder of it that exists, lies in, into CASE; 1 found, 0 not.  A report
 * is a working copy: it never goes among the evidence. */
static int in_case_folder(const char *path, char case_dir[PATH_MAX])
{
	char *copy = strdup(path), *real = NULL, *sl;
	int found = 0;

	if (!copy)
		return 0;
	/* the nearest part of PATH that is there */
	while (!(real = realpath(*copy ? copy : ".", NULL))) {
		if (!(sl = strrchr(copy, '/'))) {
			if (!strcmp(copy, ".")) {
				free(copy);
				return 0; /* not even here */
			}
			strcpy(copy, ".");
			continue;
		}
		if (sl == copy)
			sl[1] = 0;
		else
			*sl = 0;
	}
	for (;;) {
		char m[PATH_MAX + 32], sums[PATH_MAX + 32];
		struct stat sb;
		snprintf(m, sizeof(m), "%s/manifest.json", real);
		snprintf(sums, sizeof(sums), "%s/SHA256SUMS", real);
		if (stat(m, &sb) == 0 && S_ISREG(sb.st_mode) && stat(sums, &sb) == 0) {
			snprintf(case_dir, PATH_MAX, "%s", real);
			found = 1;
			break;
		}
		if (!(sl = strrchr(real, '/')) || !strcmp(real, "/"))
			break;
		if (sl == real)
			sl[1] = 0;
		else
			*sl = 0;
	}
	free(real);
	free(copy);
	return found;
}

static int resolve_out(rp *r, const char *path, const char **parent, const char **base)
{
	char *copy = strdup(path), *sl, *real;
	const char *b;
	size_t n;

	if (!copy)
		return vidx__fail(r->h, VIDX_ENOMEM, "out of memory");
	n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = 0;
	sl = strrchr(copy, '/');
	b = sl ? sl + 1 : copy;
	if (!*b || !strcmp(b, ".") || !strcmp(b, "..")) {
		free(copy);
		return vidx__fail(r->h, VIDX_EINVAL, "'%s': name the report's own folder", path);
	}
	*base = rp__str(r, b);
	if (sl == copy)
		copy[1] = 0;
	else if (sl)
		*sl = 0;
	else
		strcpy(copy, ".");
	if (vidx__mkdirs(copy, 0755) < 0 || !(real = realpath(copy, NULL))) {
		int e = errno;
		free(copy);
		return vidx__fail(r->h, VIDX_EIO, "cannot make '%s': %s", path, strerror(e));
	}
	*parent = rp__str(r, real);
	free(real);
	free(copy);
	return 0;
}

static int empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

int vidx_report(vidx *h, const vidx_report_opts *o)
{
	rp r;
	rp_buf page = {0};
	json_t *timelines = json_object();
	char mhex[65] = "", page_hex[65] = "", pdf_hex[65] = "", path[PATH_MAX];
	const char *parent = NULL, *base = NULL;
	size_t broken = 0, i;
	int rc, made_tmp = 0, have_pdf = 0;

	memset(&r, 0, sizeof(r));
	r.h = h;
	r.o = o;
	r.made = vidx__now();
	r.incident = VIDX_TIME_NONE;
	if ((rc = vidx__need_db(h)) < 0)
		goto out;
	if (!vidx_operator_valid(o->by)) {
		rc = vidx__fail(h, VIDX_EINVAL, "the operator's name must be one line "
		                "of UTF-8 text without control characters");
		goto out;
	}
	if (!o->out_dir && !o->timesketch && !o->l2tcsv) {
		rc = vidx__fail(h, VIDX_EINVAL, "nothing to write: give a folder or a timeline");
		goto out;
	}
	if (o->tz && *o->tz && !vidx_tz_valid(o->tz)) {
		rc = vidx__fail(h, VIDX_EINVAL, "unknown time zone '%s'", o->tz);
		goto out;
	}
	for (i = 0; i < 3; i++) {
		const char *p = i == 0 ? o->out_dir : i == 1 ? o->timesketch : o->l2tcsv;
		char cd[PATH_MAX];
		if (p && in_case_folder(p, cd)) {
			rc = vidx__fail(h, VIDX_EINVAL, "'%s' is inside the case folder '%s': a "
			                "report is a working copy and is never written among the "
			                "evidence; name a place outside it", p, cd);
			goto out;
		}
	}
	if ((rc = vidx__case_exists(h, o->case_id)) < 0 ||
	    (rc = vidx_case_each(h, on_case, &r)) < 0 ||
	    (rc = vidx_custody_each(h, o->case_id, on_event, &r, &broken)) < 0)
		goto out;
	r.broken = broken;
	r.index_path = rp__str(&r, sqlite3_db_filename(h->db, "main"));
	{
		size_t n = 0;
		for (i = 0; i < r.nev; i++)
			n += !strcmp(r.ev[i].kind, "pull");
		if (!(r.pulls = calloc(n ? n : 1, sizeof(*r.pulls)))) {
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			goto out;
		}
	}
	for (i = 0; i < r.nev; i++)
		if (!strcmp(r.ev[i].kind, "pull"))
			load_pull(&r, &r.ev[i]);
	load_verifies(&r);
	source_ids(&r);
	if ((rc = load_question(&r)) < 0 || (rc = load_recordings(&r)) < 0)
		goto out;
	choose_zone(&r);
	if (o->at && (rc = vidx_time_parse(h, o->at, r.zone, &r.incident)) < 0) {
		rc = vidx__fail(h, rc, "--at: %s", vidx_errmsg(h));
		goto out;
	}
	{
		int64_t a = r.from, b = r.to;
		for (i = 0; i < r.nev; i++) {
			a = r.ev[i].at < a ? r.ev[i].at : a;
			b = r.ev[i].at > b ? r.ev[i].at : b;
		}
		if (r.incident != VIDX_TIME_NONE) {
			a = r.incident < a ? r.incident : a;
			b = r.incident > b ? r.incident : b;
		}
		zone_table(&r, a - 86400 * US, b + 86400 * US);
	}
	if (r.oom) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}

	if (o->out_dir) {
		struct stat sb;
		if ((rc = resolve_out(&r, o->out_dir, &parent, &base)) < 0)
			goto out;
		r.dir = rp__strf(&r, "%s/%s", strcmp(parent, "/") ? parent : "", base);
		if (lstat(r.dir, &sb) == 0 && !(S_ISDIR(sb.st_mode) && empty_dir(r.dir))) {
			rc = vidx__fail(h, VIDX_EEXIST, "'%s' exists%s: a report is never written "
			                "over anything; name a new folder", o->out_dir,
			                S_ISDIR(sb.st_mode) ? " and is not empty" : "");
			goto out;
		}
		for (i = 1; ; i++) {
			r.tmp = rp__strf(&r, "%s/.%s.partial-%ld-%zu", strcmp(parent, "/") ? parent : "",
			                 base, (long)getpid(), i);
			if (mkdir(r.tmp, 0755) == 0)
				break;
			if (errno != EEXIST) {
				rc = vidx__fail(h, VIDX_EIO, "cannot make a folder beside '%s': %s",
				                o->out_dir, strerror(errno));
				goto out;
			}
		}
		made_tmp = 1;
		place_clips(&r);
		if (!o->no_stills)
			make_stills(&r);
		if (o->proxies)
			make_proxies(&r);
		if (r.oom) {
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			goto out;
		}
		r.page_rel = "report.html";
		if ((rc = rp__html(&r, &page)) < 0)
			goto out;
		snprintf(path, sizeof(path), "%s/report.html", r.tmp);
		if ((rc = rp__write_new(h, path, page.s, page.n)) < 0)
			goto out;
		sha256_hex(page.s, page.n, page_hex);
		add_file(&r, "report.html", "page", page_hex, (int64_t)page.n,
		         "the report: open it in a browser");
		item(&r, "page", "report.html", "made", page_hex, (int64_t)page.n, NULL);
		if (o->pdf) {
			char pdf[PATH_MAX], ver[128] = "";
			int64_t size = 0;
			snprintf(pdf, sizeof(pdf), "%s/report.pdf", r.tmp);
			if (rp__pdf(h, o->chromium, path, pdf, ver, sizeof(ver)) < 0 ||
			    vidx__sha256_path(h, pdf, 1, pdf_hex, &size) < 0) {
				unlink(pdf);
				item(&r, "pdf", "report.pdf", "failed", NULL, -1, vidx_errmsg(h));
			} else {
				rp_file *f = add_file(&r, "report.pdf", "pdf", pdf_hex, size,
				                      "the report printed by headless Chromium");
				if (f)
					f->extra = json_pack("{s:s}", "printed_by", ver);
				item(&r, "pdf", "report.pdf", "made", pdf_hex, size, NULL);
				have_pdf = 1;
			}
		}
		if ((rc = write_manifest(&r, mhex)) < 0)
			goto out;
		/* into place: rename(2) replaces at most an empty folder */
		if (rename(r.tmp, r.dir) < 0) {
			rc = vidx__fail(h, errno == ENOTEMPTY || errno == EEXIST ? VIDX_EEXIST :
			                VIDX_EIO, "cannot name the report '%s': %s", o->out_dir,
			                strerror(errno));
			goto out;
		}
		made_tmp = 0;
		{
			int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd >= 0) {
				fsync(fd);
				close(fd);
			}
		}
	}
	for (i = 0; i < 2; i++) {
		const char *p = i ? o->l2tcsv : o->timesketch;
		char hex[65];
		size_t n = 0;
		if (!p)
			continue;
		if (rp__timeline(&r, p, (int)i, hex, &n) < 0) {
			item(&r, i ? "l2tcsv" : "timesketch", p, "failed", NULL, -1, vidx_errmsg(h));
			continue;
		}
		{
			char *abs = realpath(p, NULL);
			json_object_set_new(timelines, i ? "l2tcsv" : "timesketch",
			                    json_pack("{s:s,s:s,s:I}", "path", abs ? abs : p,
			                              "sha256", hex, "events", (json_int_t)n));
			free(abs);
		}
		item(&r, i ? "l2tcsv" : "timesketch", p, "made", hex, -1, NULL);
	}
	/* nothing made (timelines only, none written): no report to log */
	if ((o->out_dir || json_object_size(timelines)) &&
	    (rc = log_report(&r, o->out_dir ? mhex : NULL, o->out_dir ? page_hex : NULL,
	                     have_pdf ? pdf_hex : NULL, timelines)) < 0)
		goto out;
	rc = (int)r.failed;
out:
	if (made_tmp)
		nftw(r.tmp, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	json_decref(timelines);
	rp_buf_free(&page);
	rp_free(&r);
	return rc;
}
