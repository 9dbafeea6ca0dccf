/*
 * still.c - the frame each camera showed at a true instant, as lossless
 * PNG working copies, contact sheets of all of them, and, in a case, a
 * manifest and a custody event.
 *
 * The instant is asked of the index as a one-microsecond window, so the
 * clock corrections, the segment that holds it and the seek keyframe are
 * the query's own (fixed and, where the query finds them, mobile cameras
 * alike).  In stream time the instant is the seek keyframe's pts plus the
 * camera-clock distance from the keyframe to it; the frame on screen is
 * the last one whose presentation time is at or before that, decoded from
 * the keyframe.  Its true time is the instant less the stream distance
 * back to it (a clock's drift over one GOP is far below a microsecond per
 * frame).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "media.h"

#define US 1000000LL
#define MAX_STEPS 100000

/* a still and what it owns; the public view first, so that a
 * vidx_still pointer is the stillx */
typedef struct stillx {
	vidx_still s;
	char *camera, *name, *tz, *path, *sha256, *png;
	char error[512], pix_fmt[32], conv[200];
	struct AVFrame *frame; /* kept for a sheet */
	int64_t size, fdur;    /* the source's size and frame time (index) */
	const vidx_span *sp;   /* the footage, while it is decoded */
} stillx;

static void stillx_clear(stillx *x)
{
	free(x->camera);
	free(x->name);
	free(x->tz);
	free(x->path);
	free(x->sha256);
	free(x->png);
	av_frame_free(&x->frame);
	memset(x, 0, sizeof(*x));
}

void vidx_still_free(vidx_still *s)
{
	if (!s)
		return;
	stillx_clear((stillx *)s);
	free(s);
}

static char *dup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* the camera's part of a still, footage or not */
static int still_camera(stillx *x, const vidx_coverage *cv, int64_t at)
{
	x->s.at = at;
	x->s.lat = cv->lat;
	x->s.lon = cv->lon;
	x->s.distance_m = cv->distance_m;
	x->s.recording_id = x->s.frame = x->s.keyframe_pos = -1;
	x->s.pts = x->s.keyframe_pts = x->s.frame_time = x->s.camera_time = VIDX_TIME_NONE;
	x->s.byte_start = x->s.byte_end = -1;
	if (!(x->camera = dup0(cv->camera)) || !(x->name = dup0(cv->name ? cv->name : "")) ||
	    (cv->tz && !(x->tz = dup0(cv->tz))))
		return -1;
	x->s.camera = x->camera;
	x->s.name = x->name;
	x->s.tz = x->tz;
	return 0;
}

static void still_error(stillx *x, int failed, const char *fmt, const char *arg)
{
	snprintf(x->error, sizeof(x->error), fmt, arg);
	x->s.error = x->error;
	x->s.failed = failed;
	x->s.found = 0;
}


typedef struct pickst {
	int64_t target, best_pts;
	AVFrame *best;
	const vidx__decode *d;
	long best_pk; /* the index in d->pk of its packet, or -1 */
} pickst;

/* the last frame at or before the target, in presentation order */
static int pick(void *ctx, AVFrame *f, int64_t pts)
{
	pickst *p = ctx;

	if (pts == VIDX_TIME_NONE || pts > p->target ||
	    (p->best_pts != VIDX_TIME_NONE && pts < p->best_pts))
		return 0;
	av_frame_unref(p->best);
	av_frame_move_ref(p->best, f);
	p->best_pts = pts;
	p->best_pk = p->d->frame_pk;
	return 0;
}

/* What the index says of span SP's source, into X: where to read it, its
 * size and frame time.  The index is read here, not by decode_at, which
 * may run on threads of its own. */
static int prepare(vidx *h, const vidx_span *sp, stillx *x)
{
	int rc;

	x->s.recording_id = sp->recording_id;
	x->s.correction_us = sp->correction_us;
	/* a path this host can read (the index may know several) */
	{
		char where[PATH_MAX], elsewhere[512];
		if ((rc = vidx__path_find(h, sp->recording_id, where, sizeof(where), elsewhere,
		                          sizeof(elsewhere))) < 0)
			return rc;
		if (rc == VIDX__PATH_ELSEWHERE)
			return vidx__fail(h, VIDX_ENOENT, "not on this host (%s): %s", vidx_host(h),
			                  elsewhere);
		if (!(x->path = dup0(rc == VIDX__PATH_FOUND ? where : sp->path)) ||
		    !(x->sha256 = dup0(sp->sha256)))
			return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	}
	x->s.path = x->path;
	x->s.sha256 = x->sha256;
	return vidx__rec_info(h, sp->recording_id, &x->size, &x->fdur);
}

/* Decode the frame of span SP on screen at AT into X (prepared), with
 * THREADS decoder threads (0: as many as the CPUs).  0, or <0 with the
 * reason on h.  Touches nothing but X, SP and h. */
static int decode_at(vidx *h, const vidx_span *sp, int64_t at, int threads, stillx *x)
{
	vidx__src src = {.io = {.fd = -1}};
	vidx__cut c;
	vidx__decode d;
	pickst p = {0, VIDX_TIME_NONE, NULL, NULL, -1};
	int64_t back;
	long idx;
	struct stat sb;
	int rc, k;

	memset(&c, 0, sizeof(c));
	memset(&d, 0, sizeof(d));
	if (sp->seek_pts == -1 && sp->seek_pos == -1)
		return vidx__fail(h, VIDX_EFORMAT, "the index has no keyframe for this footage");
	p.target = sp->seek_pts + (sp->camera_start - sp->seek_camera);
	if (!(p.best = av_frame_alloc()))
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	if ((rc = vidx__src_open(h, &src, x->path)) < 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", vidx_errmsg(h));
		rc = vidx__fail(h, rc, "cannot read '%s': %s", x->path, why);
		goto out;
	}
	if (fstat(src.io.fd, &sb) == 0 && sb.st_size != x->size) {
		rc = vidx__fail(h, VIDX_EFORMAT, "'%s' changed since it was indexed "
		                "(%lld bytes, the index says %lld)", x->path,
		                (long long)sb.st_size, (long long)x->size);
		goto out;
	}
	c.seek_pts = sp->seek_pts;
	c.seek_pos = sp->seek_pos;
	c.end_pts = p.target + 1; /* every frame at or before the target */
	c.frame_dur = x->fdur;
	d.threads = threads;
	d.keep = 1;
	d.reorder_tail = 16;
	d.on_frame = pick;
	d.ctx = &p;
	p.d = &d;
	if ((rc = vidx__decode_cut(h, &src, &c, &d)) < 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", vidx_errmsg(h));
		rc = vidx__fail(h, rc, "'%s': %s", x->path, why);
		goto out;
	}
	if (p.best_pts == VIDX_TIME_NONE) {
		rc = vidx__fail(h, VIDX_EFORMAT, "'%s': no frame on screen at that instant "
		                "could be decoded", x->path);
		goto out;
	}
	/* its packet: for a stream without pts, not the one of its time */
	idx = p.best_pk >= 0 ? p.best_pk : vidx__decode_find(&d, p.best_pts);
	/* a frame decoded from damaged data is not what the camera recorded */
	for (k = 0; k <= idx; k++)
		if (d.pk[k].err)
			break;
	/* the frame is refused when the decoder found anything wrong on the
	 * way to it: damage in one frame spreads to the frames that refer to
	 * it, which decode "without error" */
	if ((idx >= 0 && k <= idx) || d.send_errors || d.corrupt_frames || d.av_errors) {
		rc = vidx__fail(h, VIDX_EFORMAT, "'%s' is damaged at that instant: %s",
		                x->path, d.log.first[0] ? d.log.first : vidx__av_last()[0]
		                ? vidx__av_last() : "the decoder reported errors");
		goto out;
	}
	back = p.target - p.best_pts;
	x->s.pts = p.best_pts;
	x->s.frame_time = at - back;
	x->s.camera_time = sp->camera_start - back;
	x->s.keyframe_pts = c.first_pts;
	x->s.keyframe_pos = c.byte_start;
	x->s.byte_start = c.byte_start;
	x->s.byte_end = c.byte_end;
	x->s.packets = d.packets;
	x->s.width = p.best->width;
	x->s.height = p.best->height;
	snprintf(x->pix_fmt, sizeof(x->pix_fmt), "%s", av_get_pix_fmt_name(p.best->format));
	x->s.pix_fmt = x->pix_fmt;
	if (vidx__frame_hash(p.best, x->s.frame_hash) < 0) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if (idx >= 0) {
		int64_t n = vidx__packet_number(h, &src, x->path, c.byte_start, c.first_pts);
		x->s.frame = n >= 0 ? n + idx : -1;
	}
	x->frame = p.best;
	p.best = NULL;
	x->s.found = 1;
	rc = 0;
out:
	av_frame_free(&p.best);
	vidx__decode_free(&d);
	vidx__src_close(&src);
	return rc;
}

/* ---- PNG files ------------------------------------------------------------ */

/* S as ASCII for a PNG text chunk: other bytes as \xNN */
static char *ascii(const char *s)
{
	char *o = malloc(strlen(s) * 4 + 1), *q = o;

	if (!o)
		return NULL;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= 0x20 && ch < 0x7f)
			*q++ = (char)ch;
		else
			q += sprintf(q, "\\x%02x", ch);
	}
	*q = 0;
	return o;
}


/* "20220705T012513.240Z" */
static void stamp(int64_t us, char *b, size_t n)
{
	int64_t s = us / US - (us % US < 0);
	time_t t = (time_t)s;
	struct tm tm;
	char d[32];

	gmtime_r(&t, &tm);
	strftime(d, sizeof(d), "%Y%m%dT%H%M%S", &tm);
	snprintf(b, n, "%s.%03dZ", d, (int)((us - s * US) / 1000));
}

static const char *tool = "vidx " VIDX_VERSION " (" LIBAVCODEC_IDENT ", "
                          LIBSWSCALE_IDENT ", " LIBAVFILTER_IDENT ")";

/* X's PNG as the new file PATH (PATH's room N: the name used is written
 * back; NEXT_FREE: -2, -3 ... when taken) */
static int write_png(vidx *h, stillx *x, char *path, size_t n, int next_free)
{
	char b1[VIDX_TIME_BUFSZ], b2[VIDX_TIME_BUFSZ], b3[VIDX_TIME_BUFSZ];
	char title[256], src[512], num[3][64];
	char *a[8] = {0};
	const char *text[32];
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc, i = 0, k;

	vidx_time_format(x->s.at, b1);
	vidx_time_format(x->s.frame_time, b2);
	vidx_time_format(x->s.camera_time, b3);
	snprintf(title, sizeof(title), "vidx still: camera %s at %s (working copy)",
	         x->camera, b1);
	snprintf(src, sizeof(src), "recording %lld, %s, sha256 %s, bytes %lld-%lld",
	         (long long)x->s.recording_id, x->path, x->sha256,
	         (long long)x->s.byte_start, (long long)x->s.byte_end);
	snprintf(num[0], sizeof(num[0]), "%.6f", x->s.pts / 1e6);
	snprintf(num[1], sizeof(num[1]), "%lld", (long long)x->s.frame);
	snprintf(num[2], sizeof(num[2]), "%.3f", x->s.correction_us / 1000.0);
	a[0] = ascii(title);
	a[1] = ascii(src);
	a[2] = ascii(x->camera);
	for (k = 0; k < 3; k++)
		if (!a[k]) {
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			goto out;
		}
	text[i++] = "Title"; text[i++] = a[0];
	text[i++] = "Software"; text[i++] = tool;
	text[i++] = "Warning"; text[i++] = "working copy, not evidence: a decoded frame of "
	                                    "the source named in Source, for viewing";
	text[i++] = "Source"; text[i++] = a[1];
	text[i++] = "vidx:camera"; text[i++] = a[2];
	text[i++] = "vidx:at"; text[i++] = b1;
	text[i++] = "vidx:frame_time"; text[i++] = b2;
	text[i++] = "vidx:camera_time"; text[i++] = b3;
	text[i++] = "vidx:correction_ms"; text[i++] = num[2];
	text[i++] = "vidx:pts_s"; text[i++] = num[0];
	text[i++] = "vidx:frame"; text[i++] = num[1];
	text[i++] = "vidx:frame_hash"; text[i++] = x->s.frame_hash;
	text[i] = NULL;
	if ((rc = vidx__png(h, x->frame, text, &buf, &len, x->conv)) < 0)
		goto out;
	if ((rc = vidx__write_new(h, path, n, buf, len, next_free, x->s.png_sha256,
	                          &x->s.png_size)) < 0)
		goto out;
	if (!(x->png = strdup(path))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	x->s.png = x->png;
	x->s.conversion = x->conv;
out:
	free(buf);
	for (k = 0; k < 8; k++)
		free(a[k]);
	return rc;
}

/* ---- one camera ---------------------------------------------------------------- */

/* the span of CAMERA (RECORDING_ID, or -1: the lowest id) in R */
static const vidx_span *span_of(const vidx_result *r, const char *camera, int64_t rid)
{
	const vidx_span *best = NULL;
	size_t i;

	for (i = 0; i < r->nspans; i++) {
		const vidx_span *s = &r->spans[i];
		if (strcmp(s->camera, camera) || (rid >= 0 && s->recording_id != rid))
			continue;
		if (!best || s->recording_id < best->recording_id)
			best = s;
	}
	return best;
}

/* the still of coverage CV at AT from R's spans; a failure is kept in X */
static int one_still(vidx *h, const vidx_result *r, const vidx_coverage *cv,
                     int64_t rid, int64_t at, stillx *x)
{
	const vidx_span *sp;
	char b[VIDX_TIME_BUFSZ];

	if (still_camera(x, cv, at) < 0)
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	if (!(sp = span_of(r, cv->camera, rid))) {
		still_error(x, 0, "no footage at %s", vidx_time_format(at, b));
		return 0;
	}
	if (prepare(h, sp, x) < 0 || decode_at(h, sp, at, 0, x) < 0) {
		if (vidx_errmsg(h)[0] == 0)
			vidx__fail(h, VIDX_ERR, "cannot decode");
		still_error(x, 1, "%s", vidx_errmsg(h));
	}
	return 0;
}

static int ask(vidx *h, const vidx_query *q, int64_t at, vidx_result **r)
{
	vidx_query q1 = *q;
	q1.from = at;
	q1.to = at + 1;
	q1.sort_time = 0;
	return vidx_query_run(h, &q1, r);
}

int vidx_still_file(vidx *h, const char *camera, int64_t recording_id,
                    int64_t at, const char *png, vidx_still **out)
{
	vidx_query q;
	vidx_result *r = NULL;
	stillx *x;
	char path[PATH_MAX];
	int rc;

	*out = NULL;
	memset(&q, 0, sizeof(q));
	q.cameras = &camera;
	q.ncameras = 1;
	if ((rc = ask(h, &q, at, &r)) < 0)
		return rc;
	if (!(x = calloc(1, sizeof(*x)))) {
		vidx_result_free(r);
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	}
	rc = r->ncams ? one_still(h, r, &r->cams[0], recording_id, at, x)
	              : vidx__fail(h, VIDX_ENOENT, "unknown camera '%s'", camera);
	vidx_result_free(r);
	if (rc == 0 && !x->s.found)
		rc = vidx__fail(h, x->s.failed ? VIDX_EFORMAT : VIDX_ENOENT, "%s", x->error);
	if (rc == 0 && png) {
		if (snprintf(path, sizeof(path), "%s", png) >= (int)sizeof(path))
			rc = vidx__fail(h, VIDX_EINVAL, "the PNG's path is too long");
		else
			rc = write_png(h, x, path, sizeof(path), 0);
	}
	if (rc < 0) {
		vidx_still_free(&x->s);
		return rc;
	}
	*out = &x->s;
	return 0;
}

/* ---- sheets ---------------------------------------------------------------------- */

typedef struct run {
	vidx *h;
	const vidx_stills_opts *o;
	char *folder;        /* the case folder (absolute), else NULL */
	char *dir;           /* where stills go, else NULL */
	json_t *stills, *sheets, *nofoot, *failed, *files;
	size_t nfailed;
} run;

static const char *rel(const run *R, const char *path)
{
	size_t n = R->folder ? strlen(R->folder) : 0;
	return n && !strncmp(path, R->folder, n) && path[n] == '/' ? path + n + 1 : path;
}

/* the sheet's file for the instant AT: O->sheet, or with a stamp before its
 * extension for a flip-book */
static int sheet_path(const run *R, int64_t at, char *p, size_t n)
{
	const char *s = R->o->sheet, *base = strrchr(s, '/'), *dot;
	char st[40];
	int r;

	base = base ? base + 1 : s;
	dot = strrchr(base, '.');
	if (!dot || dot == base)
		dot = base + strlen(base);
	stamp(at, st, sizeof(st));
	if (R->folder)
		r = R->o->every ? snprintf(p, n, "%s/%.*s_%s%s", R->dir, (int)(dot - base), base,
		                           st, dot)
		                : snprintf(p, n, "%s/%s", R->dir, base);
	else
		r = R->o->every ? snprintf(p, n, "%.*s_%s%s", (int)(dot - s), s, st, dot)
		                : snprintf(p, n, "%s", s);
	return r < 0 || (size_t)r >= n ? -1 : 0;
}

/* the label lines of X's tile */
static void labels(const stillx *x, char l[3][256])
{
	char b[VIDX_TIME_BUFSZ];

	vidx__tile_title(l[0], x->camera, x->name, x->s.distance_m);
	if (x->s.found) {
		snprintf(l[1], 256, "true   %s", vidx_time_format(x->s.frame_time, b));
		snprintf(l[2], 256, "camera %s", x->tz ? vidx_time_format_local(x->s.camera_time, x->tz, b)
		                                      : vidx_time_format(x->s.camera_time, b));
	} else {
		snprintf(l[1], 256, "%s %s", x->s.failed ? "cannot decode at" : "no footage at",
		         vidx_time_format(x->s.at, b));
		l[2][0] = 0;
	}
}

typedef struct sheetx {
	vidx_sheet s;
	vidx_tile *tiles;
	char path[PATH_MAX], error[512];
} sheetx;

static int make_sheet(run *R, stillx *xs, size_t n, int64_t at)
{
	vidx *h = R->h;
	const vidx_stills_opts *o = R->o;
	vidx__tiles t;
	sheetx sx;
	AVFrame *out = av_frame_alloc();
	unsigned char *buf = NULL;
	size_t len = 0, i;
	char conv[200], b[VIDX_TIME_BUFSZ], title[128], *lay = NULL, *graph = NULL;
	const char *text[16];
	int rc, k = 0;

	memset(&sx, 0, sizeof(sx));
	memset(&t, 0, sizeof(t));
	sx.s.at = at;
	if (!out || !(sx.tiles = calloc(n ? n : 1, sizeof(*sx.tiles)))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if (sheet_path(R, at, sx.path, sizeof(sx.path)) < 0) {
		rc = vidx__fail(h, VIDX_EINVAL, "the sheet's path is too long");
		goto out;
	}
	if ((rc = vidx__tiles_init(h, &t, (int)n, o->tile_w ? o->tile_w : 320,
	                           o->tile_h ? o->tile_h : 180, o->font, AV_PIX_FMT_RGB24,
	                           1, 1)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		char l[3][256];
		labels(&xs[i], l);
		if ((rc = vidx__tiles_set(h, &t, (int)i, xs[i].s.found ? xs[i].frame : NULL,
		                          l[0], l[1], l[2], xs[i].s.found ? NULL
		                          : xs[i].s.failed ? "cannot decode" : "no footage")) < 0)
			goto out;
		vidx__tiles_rect(&t, (int)i, &sx.tiles[i]);
		sx.tiles[i].camera = xs[i].camera;
		sx.tiles[i].found = xs[i].s.found;
	}
	if ((rc = vidx__tiles_run(h, &t, 0, 0, out)) == 0)
		rc = vidx__tiles_run(h, &t, 0, 1, out);
	if (rc == 0)
		rc = vidx__fail(h, VIDX_ERR, "cannot draw the sheet");
	if (rc < 0)
		goto out;
	{
		/* where each camera is, for anyone who reads the file alone */
		size_t cap = 64;
		for (i = 0; i < n; i++)
			cap += strlen(xs[i].camera) * 4 + 64;
		if (!(lay = malloc(cap))) {
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			goto out;
		}
		lay[0] = 0;
		for (i = 0; i < n; i++) {
			char *c = ascii(xs[i].camera);
			size_t l = strlen(lay);
			snprintf(lay + l, cap - l, "%s%s %dx%d+%d+%d%s", i ? "; " : "", c ? c : "?",
			         sx.tiles[i].w, sx.tiles[i].h, sx.tiles[i].x, sx.tiles[i].y,
			         xs[i].s.found ? "" : " (no picture)");
			free(c);
		}
	}
	if (!(graph = ascii(t.desc))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(title, sizeof(title), "vidx contact sheet at %s (working copy)",
	         vidx_time_format(at, b));
	text[k++] = "Title"; text[k++] = title;
	text[k++] = "Software"; text[k++] = tool;
	text[k++] = "Warning"; text[k++] = "working copy, not evidence: decoded frames of "
	                                   "the sources, scaled and labelled, for viewing";
	text[k++] = "vidx:at"; text[k++] = b;
	text[k++] = "vidx:tiles"; text[k++] = lay;
	text[k++] = "vidx:filter_graph"; text[k++] = graph;
	text[k] = NULL;
	if ((rc = vidx__png(h, out, text, &buf, &len, conv)) < 0)
		goto out;
	if ((rc = vidx__write_new(h, sx.path, sizeof(sx.path), buf, len, R->folder != NULL,
	                          sx.s.sha256, &sx.s.size)) < 0)
		goto out;
	sx.s.path = sx.path;
	sx.s.width = out->width;
	sx.s.height = out->height;
out:
	sx.s.tiles = sx.tiles;
	sx.s.ntiles = n;
	sx.s.filter_graph = t.desc;
	if (rc < 0) {
		snprintf(sx.error, sizeof(sx.error), "%s", vidx_errmsg(h));
		sx.s.error = sx.error;
		sx.s.path = sx.path[0] ? sx.path : NULL;
		R->nfailed++;
		if (R->failed)
			json_array_append_new(R->failed, json_pack("{s:s, s:o, s:o}", "what", "sheet",
			                      "at", vidx__jtime(at), "error", vidx__jstr(sx.error)));
	} else if (R->sheets) {
		json_t *j = vidx__jsheet(&sx.s);
		json_object_set_new(j, "path", vidx__jstr(rel(R, sx.path)));
		json_object_set_new(j, "font", vidx__jstr(t.font));
		json_array_append_new(R->sheets, j);
		json_array_append_new(R->files, json_pack("{s:o, s:s}", "path",
		                      vidx__jstr(rel(R, sx.path)), "sha256", sx.s.sha256));
	}
	if (o->on_sheet)
		o->on_sheet(o->ctx, &sx.s);
	vidx__tiles_free(&t);
	av_frame_free(&out);
	free(buf);
	free(lay);
	free(graph);
	free(sx.tiles);
	return 0; /* a sheet that failed is counted and told, the run goes on */
}

/* ---- a run: instants x cameras ------------------------------------------------- */

static int still_name(const run *R, const stillx *x, char *p, size_t n)
{
	char st[40];
	int r;

	stamp(x->s.frame_time, st, sizeof(st));
	r = snprintf(p, n, "%s/%s_%s_still.png", R->dir, x->camera, st);
	return r < 0 || (size_t)r >= n ? -1 : 0;
}

/* the cameras of one instant, decoded (and written) side by side */
typedef struct pool {
	run *R;
	stillx *xs;
	size_t n, next;
	int64_t at;
	int threads;            /* each decoder's */
	pthread_mutex_t mu;
} pool;

/* decode X's frame and write its PNG, on handle HW; failures stay in X */
static void work_one(pool *P, vidx *hw, stillx *x)
{
	run *R = P->R;
	char path[PATH_MAX], why[512];

	if (decode_at(hw, x->sp, P->at, P->threads, x) < 0) {
		snprintf(why, sizeof(why), "%s", vidx_errmsg(hw)[0] ? vidx_errmsg(hw) : "cannot decode");
		still_error(x, 1, "%s", why);
		return;
	}
	if (!R->dir)
		return;
	if (still_name(R, x, path, sizeof(path)) < 0)
		vidx__fail(hw, VIDX_EINVAL, "the folder's path is too long");
	else if (write_png(hw, x, path, sizeof(path), 1) == 0)
		return;
	snprintf(why, sizeof(why), "%s", vidx_errmsg(hw));
	still_error(x, 1, "%s", why);
	x->s.png = NULL;
}

static void *worker(void *arg)
{
	pool *P = arg;
	vidx *hw = vidx_new();

	for (;;) {
		size_t i;
		pthread_mutex_lock(&P->mu);
		while (P->next < P->n && (!P->xs[P->next].sp || P->xs[P->next].s.failed))
			P->next++;
		i = P->next++;
		pthread_mutex_unlock(&P->mu);
		if (i >= P->n)
			break;
		if (!hw)
			still_error(&P->xs[i], 1, "%s", "out of memory");
		else
			work_one(P, hw, &P->xs[i]);
	}
	vidx_free(hw);
	return NULL;
}

static int at_instant(run *R, const vidx_query *q, int64_t at)
{
	vidx *h = R->h;
	const vidx_stills_opts *o = R->o;
	vidx_result *r = NULL;
	stillx *xs = NULL;
	pool P;
	pthread_t th[8];
	size_t i, n, jobs = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int rc = 0, nth = 0, k;

	if ((rc = ask(h, q, at, &r)) < 0)
		return rc;
	n = r->ncams;
	if (!n) {
		vidx_result_free(r);
		return vidx__fail(h, VIDX_ENOENT, "no camera is selected");
	}
	if (!(xs = calloc(n, sizeof(*xs)))) {
		vidx_result_free(r);
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	}
	/* what the index says, one camera after the other */
	for (i = 0; i < n; i++) {
		stillx *x = &xs[i];
		char b[VIDX_TIME_BUFSZ];
		if (still_camera(x, &r->cams[i], at) < 0) {
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			goto out;
		}
		if (!(x->sp = span_of(r, r->cams[i].camera, -1))) {
			still_error(x, 0, "no footage at %s", vidx_time_format(at, b));
		} else if (prepare(h, x->sp, x) < 0) {
			char why[512];
			snprintf(why, sizeof(why), "%s", vidx_errmsg(h));
			still_error(x, 1, "%s", why);
		} else {
			jobs++;
		}
	}
	/* the decoding and the PNGs, on as many threads as there are CPUs */
	memset(&P, 0, sizeof(P));
	P.R = R;
	P.xs = xs;
	P.n = n;
	P.at = at;
	pthread_mutex_init(&P.mu, NULL);
	if (cpus > 8)
		cpus = 8;
	if (jobs > 1 && cpus > 1) {
		P.threads = 1;
		for (k = 0; k < cpus && (size_t)k < jobs; k++)
			if (pthread_create(&th[k], NULL, worker, &P) == 0)
				nth++;
	}
	if (!nth) {
		P.threads = 0;
		worker(&P);
	}
	for (k = 0; k < nth; k++)
		pthread_join(th[k], NULL);
	pthread_mutex_destroy(&P.mu);
	for (i = 0; i < n; i++) {
		stillx *x = &xs[i];
		x->sp = NULL;
		if (x->s.failed) {
			R->nfailed++;
			if (R->failed)
				json_array_append_new(R->failed, json_pack("{s:s, s:o, s:o, s:o}", "what",
				                      "still", "camera", vidx__jstr(x->camera), "at",
				                      vidx__jtime(at), "error", vidx__jstr(x->error)));
		} else if (!x->s.found && R->nofoot) {
			json_array_append_new(R->nofoot, json_pack("{s:o, s:o}", "camera",
			                      vidx__jstr(x->camera), "at", vidx__jtime(at)));
		} else if (x->s.png && R->stills) {
			json_t *j = vidx__jstill(&x->s);
			json_object_set_new(j, "png", vidx__jstr(rel(R, x->png)));
			json_object_set_new(j, "source_size", json_integer(x->size));
			json_object_set_new(j, "source_sha256_checked", json_false());
			json_array_append_new(R->stills, j);
			json_array_append_new(R->files, json_pack("{s:o, s:s}", "path",
			                      vidx__jstr(rel(R, x->png)), "sha256", x->s.png_sha256));
		}
		if (o->on_still)
			o->on_still(o->ctx, &x->s);
		/* the frame is kept only for the sheet */
		if (!o->sheet)
			av_frame_free(&x->frame);
	}
	if (o->sheet) {
		size_t found = 0;
		for (i = 0; i < n; i++)
			found += xs[i].s.found;
		if (found) {
			rc = make_sheet(R, xs, n, at);
		} else if (o->on_sheet) {
			/* a sheet of nothing but "no footage" would say nothing */
			vidx_sheet sk;
			char b[VIDX_TIME_BUFSZ], why[128];
			memset(&sk, 0, sizeof(sk));
			sk.at = at;
			sk.skipped = 1;
			snprintf(why, sizeof(why), "no camera has footage at %s: no sheet",
			         vidx_time_format(at, b));
			sk.error = why;
			o->on_sheet(o->ctx, &sk);
		}
	}
out:
	for (i = 0; i < n; i++)
		stillx_clear(&xs[i]);
	free(xs);
	vidx_result_free(r);
	return rc;
}

/* the folder of the case's latest pull */
static int last_pull(void *ctx, const vidx_case_clip *c)
{
	char **f = ctx;
	free(*f);
	*f = dup0(c->folder);
	return 0;
}

static int manifest(run *R)
{
	vidx *h = R->h;
	const vidx_stills_opts *o = R->o;
	json_t *m = json_object(), *in = json_object(), *detail = NULL, *qj = NULL;
	char b[VIDX_TIME_BUFSZ], st[40], path[PATH_MAX], hex[65], *text = NULL;
	int64_t size;
	int rc;

	if (o->query_json && !(qj = json_loads(o->query_json, 0, NULL))) {
		rc = vidx__fail(h, VIDX_EINVAL, "the query is not JSON");
		goto out;
	}
	json_object_set_new(m, "vidx_stills", json_integer(1));
	json_object_set_new(m, "working_copy", json_true());
	json_object_set_new(m, "note", json_string(
		"Working copies for viewing, not evidence. Each still is one decoded frame "
		"of the source named with it (recording, SHA-256 as indexed, the bytes read "
		"from the seek keyframe on), its pixels converted only as PNG needs "
		"(conversion); each sheet scales and labels them with the filter graph "
		"given. frame_hash is the SHA-256 of the decoded frame's planes, as "
		"ffmpeg -f framehash -hash sha256 prints it."));
	json_object_set_new(m, "case", vidx__jstr(o->case_id));
	json_object_set_new(m, "operator", vidx__jstr(o->by));
	json_object_set_new(m, "tool", json_string(tool));
	json_object_set_new(m, "made_at", json_string(vidx_time_format(vidx__now(), b)));
	json_object_set_new(m, "index", vidx__jstr(sqlite3_db_filename(h->db, "main")));
	json_object_set_new(m, "query", qj ? qj : json_null());
	qj = NULL;
	json_object_set_new(in, "from", vidx__jtime(o->from));
	json_object_set_new(in, "to", vidx__jtime(o->every ? o->to : o->from));
	json_object_set_new(in, "every_s", o->every ? json_real(o->every / 1e6) : json_null());
	json_object_set_new(m, "instants", in);
	in = NULL;
	json_object_set_new(m, "stills", json_incref(R->stills));
	json_object_set_new(m, "sheets", json_incref(R->sheets));
	json_object_set_new(m, "no_footage", json_incref(R->nofoot));
	json_object_set_new(m, "failed", json_incref(R->failed));
	if (!(text = vidx__json_file_text(m, JSON_REAL_PRECISION(15)))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	stamp(o->from, st, sizeof(st));
	snprintf(path, sizeof(path), "%s/stills_%s.json", R->dir, st);
	if ((rc = vidx__write_new(h, path, sizeof(path), text, strlen(text), 1, hex, &size)) < 0)
		goto out;
	detail = json_object();
	json_object_set_new(detail, "folder", vidx__jstr(R->folder));
	json_object_set_new(detail, "manifest", vidx__jstr(rel(R, path)));
	json_object_set_new(detail, "manifest_sha256", json_string(hex));
	json_object_set_new(detail, "files", json_incref(R->files));
	json_object_set_new(detail, "no_footage", json_integer((json_int_t)json_array_size(R->nofoot)));
	json_object_set_new(detail, "failed", json_integer((json_int_t)R->nfailed));
	free(text);
	if (!(text = json_dumps(detail, JSON_COMPACT | JSON_ENSURE_ASCII))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	rc = vidx_custody_add(h, o->case_id, o->by, "still", text, NULL);
out:
	free(text);
	json_decref(m);
	json_decref(in);
	json_decref(qj);
	json_decref(detail);
	return rc;
}

int vidx_stills(vidx *h, const vidx_query *q, const vidx_stills_opts *o)
{
	run R;
	int64_t at;
	size_t steps = 0;
	int rc = 0;

	memset(&R, 0, sizeof(R));
	R.h = h;
	R.o = o;
	vidx__av_setup();
	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	if (o->every < 0 || (o->every && o->to < o->from))
		return vidx__fail(h, VIDX_EINVAL, "the instants end before they start");
	if (o->every && (o->to - o->from) / o->every >= MAX_STEPS)
		return vidx__fail(h, VIDX_EINVAL, "more than %d instants: use a longer step",
		                  MAX_STEPS);
	if (o->case_id) {
		if ((rc = vidx__case_exists(h, o->case_id)) < 0)
			return rc;
		if (!vidx_operator_valid(o->by))
			return vidx__fail(h, VIDX_EINVAL, "the operator's name must be one line "
			                  "of UTF-8 text without control characters");
		if (o->sheet && strchr(o->sheet, '/'))
			return vidx__fail(h, VIDX_EINVAL, "in a case the sheet is a file name in "
			                  "the case folder's stills/, not a path");
		if (o->out_dir) {
			R.folder = dup0(o->out_dir);
		} else if ((rc = vidx_case_clips(h, o->case_id, last_pull, &R.folder)) < 0) {
			return rc;
		} else if (!R.folder) {
			return vidx__fail(h, VIDX_ENOENT, "case '%s' has no pull, so no folder: "
			                  "give one", o->case_id);
		}
		if (!R.folder || vidx__mkdirs(R.folder, 0755) < 0) {
			rc = vidx__fail(h, VIDX_EIO, "cannot make '%s': %s", R.folder ? R.folder : "",
			                strerror(errno));
			goto out;
		}
		{
			char *abs = realpath(R.folder, NULL), path[PATH_MAX];
			if (!abs) {
				rc = vidx__fail(h, VIDX_EIO, "'%s': %s", R.folder, strerror(errno));
				goto out;
			}
			free(R.folder);
			R.folder = abs;
			snprintf(path, sizeof(path), "%s/stills", abs);
			if (!(R.dir = strdup(path))) {
				rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
				goto out;
			}
		}
		R.stills = json_array();
		R.sheets = json_array();
		R.nofoot = json_array();
		R.failed = json_array();
		R.files = json_array();
	} else if (o->out_dir && !(R.dir = strdup(o->out_dir))) {
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	}
	if (R.dir && vidx__mkdirs(R.dir, 0755) < 0) {
		rc = vidx__fail(h, VIDX_EIO, "cannot make '%s': %s", R.dir, strerror(errno));
		goto out;
	}
	for (at = o->from; ; at += o->every) {
		if ((rc = at_instant(&R, q, at)) < 0)
			goto out;
		steps++;
		if (!o->every || at + o->every > o->to)
			break;
	}
	if (o->case_id && (rc = manifest(&R)) < 0)
		goto out;
	rc = (int)R.nfailed;
out:
	free(R.folder);
	free(R.dir);
	json_decref(R.stills);
	json_decref(R.sheets);
	json_decref(R.nofoot);
	json_decref(R.failed);
	json_decref(R.files);
	return rc;
}
