/*
 * mosaic.c - the selected cameras side by side on true time, as one H.264
 * MP4 working copy: output frame k, at from + k / fps, shows in each tile
 * the frame that camera had on screen at that true instant.
 *
 * Each camera's footage is decoded on a thread of its own, span after
 * span, each span from the seek keyframe the index names (decode.c, by
 * clip.c's rule), into a short queue of frames stamped with their true
 * time; the main thread takes from each queue the last frame at or before
 * the output instant, hands the tiles to libavfilter (draw.c) and the
 * result to libx264.  A frame's true time is its camera-clock time mapped
 * linearly across its span (the span's ends are the query's own
 * conversions, so drift is applied).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>

#include "media.h"

#define US 1000000LL
#define QCAP 3
#define MAX_CAMS 64
#define PRESET "veryfast"
#define CRF "20"

typedef struct qf {
	AVFrame *f;        /* NULL: span SPAN could not be decoded */
	int64_t t, cam;    /* true and camera-clock time */
	int span;
} qf;

/* one camera: its spans, its decoding thread and the queue between */
typedef struct mcam {
	vidx *h;                      /* the thread's own, for messages */
	const vidx_coverage *cv;
	const vidx_span **sp;
	size_t nsp;
	int64_t *size, *fdur;         /* per span, from the index */
	char **path;                  /* per span, where it is read here */
	/* per span, the camera zone's UTC offset (s) from its start, and after
	 * CHANGE (camera clock) when the zone's offset changes in the span:
	 * found before the threads start, since converting a zone sets $TZ,
	 * which libav* may read (strftime) on the decoding threads */
	long *off0, *off1;
	int64_t *change;
	int64_t *byte_start, *byte_end, *packets;
	char **err;                   /* per span: why it failed, or NULL */
	int threads;
	pthread_t th;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	qf q[QCAP];
	int qh, qn, eof, cancel;
	/* the main thread's */
	qf cur;     /* the frame on screen */
	int bad;    /* the span that could not be decoded, or -1 */
} mcam;

typedef struct pushctx {
	mcam *m;
	int span;
	vidx__decode *d;
	int damaged; /* the decoder found damage: no frame from there on */
} pushctx;

static int64_t true_of(const vidx_span *sp, int64_t cam)
{
	if (sp->camera_end > sp->camera_start)
		return sp->start + (int64_t)llround((double)(cam - sp->camera_start) *
		                                    (double)(sp->end - sp->start) /
		                                    (double)(sp->camera_end - sp->camera_start));
	return cam - sp->correction_us;
}

static int put(mcam *m, qf *x)
{
	pthread_mutex_lock(&m->mu);
	while (m->qn == QCAP && !m->cancel)
		pthread_cond_wait(&m->cond, &m->mu);
	if (m->cancel) {
		pthread_mutex_unlock(&m->mu);
		return 1;
	}
	m->q[(m->qh + m->qn) % QCAP] = *x;
	m->qn++;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->mu);
	return 0;
}

static int on_frame(void *ctx, AVFrame *f, int64_t pts)
{
	pushctx *p = ctx;
	const vidx_span *sp = p->m->sp[p->span];
	qf x;
	int r;

	/* damage in one frame spreads to the frames that refer to it, which
	 * decode "without error": from the first sign of it, none is shown */
	if (p->d->send_errors || p->d->corrupt_frames || vidx__av_errors(0) ||
	    __atomic_load_n(&p->d->log.errors, __ATOMIC_ACQUIRE)) {
		p->damaged = 1;
		return 1;
	}
	if (pts == VIDX_TIME_NONE)
		return 0;
	x.span = p->span;
	x.cam = sp->seek_camera + (pts - sp->seek_pts);
	x.t = true_of(sp, x.cam);
	if (!(x.f = av_frame_alloc()))
		return vidx__fail(p->m->h, VIDX_ENOMEM, "out of memory");
	av_frame_move_ref(x.f, f);
	if ((r = put(p->m, &x)) != 0)
		av_frame_free(&x.f);
	return r; /* 1: cancelled, stop */
}

static void *worker(void *arg)
{
	mcam *m = arg;
	size_t j;

	for (j = 0; j < m->nsp; j++) {
		const vidx_span *sp = m->sp[j];
		vidx__src s = {.io = {.fd = -1}};
		vidx__cut c;
		vidx__decode d;
		pushctx p = {m, (int)j, NULL, 0};
		struct stat sb;
		int rc;

		memset(&c, 0, sizeof(c));
		memset(&d, 0, sizeof(d));
		pthread_mutex_lock(&m->mu);
		rc = m->cancel;
		pthread_mutex_unlock(&m->mu);
		if (rc)
			break;
		if (m->err[j]) {
			rc = VIDX_ENOENT; /* not on this host: said before the start */
		} else if (sp->seek_pts == -1 && sp->seek_pos == -1) {
			rc = vidx__fail(m->h, VIDX_EFORMAT, "the index has no keyframe for it");
		} else if ((rc = vidx__src_open(m->h, &s, m->path[j])) == 0 &&
		           fstat(s.io.fd, &sb) == 0 && sb.st_size != m->size[j]) {
			rc = vidx__fail(m->h, VIDX_EFORMAT, "changed since it was indexed (%lld "
			                "bytes, the index says %lld)", (long long)sb.st_size,
			                (long long)m->size[j]);
		} else if (rc == 0) {
			c.seek_pts = sp->seek_pts;
			c.seek_pos = sp->seek_pos;
			/* every frame up to the span's end */
			c.end_pts = sp->seek_pts + (sp->camera_end - sp->seek_camera) + 1;
			c.frame_dur = m->fdur[j];
			d.threads = m->threads;
			d.on_frame = on_frame;
			d.ctx = &p;
			p.d = &d;
			rc = vidx__decode_cut(m->h, &s, &c, &d);
			m->byte_start[j] = c.byte_start;
			m->byte_end[j] = c.byte_end;
			m->packets[j] = d.packets;
			if (rc == 0 && (p.damaged || (!d.stopped && (d.send_errors || d.corrupt_frames ||
			                                              d.av_errors))))
				rc = vidx__fail(m->h, VIDX_EFORMAT, "damaged: %s", d.log.first[0] ? d.log.first
				                : vidx__av_last()[0] ? vidx__av_last()
				                : "the decoder reported errors");
		}
		vidx__src_close(&s);
		vidx__decode_free(&d);
		if (rc < 0) {
			qf x = {NULL, 0, 0, (int)j};
			if (!m->err[j])
				m->err[j] = strdup(vidx_errmsg(m->h)[0] ? vidx_errmsg(m->h) : "cannot decode");
			if (put(m, &x))
				break;
		}
	}
	pthread_mutex_lock(&m->mu);
	m->eof = 1;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

/* the head of M's queue, waiting for it; NULL at the end */
static qf *peek(mcam *m)
{
	qf *x = NULL;

	pthread_mutex_lock(&m->mu);
	while (!m->qn && !m->eof)
		pthread_cond_wait(&m->cond, &m->mu);
	if (m->qn)
		x = &m->q[m->qh];
	pthread_mutex_unlock(&m->mu);
	return x;
}

static void pop(mcam *m, qf *into)
{
	pthread_mutex_lock(&m->mu);
	if (into) {
		av_frame_free(&into->f);
		*into = m->q[m->qh];
	} else {
		av_frame_free(&m->q[m->qh].f);
	}
	m->qh = (m->qh + 1) % QCAP;
	m->qn--;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->mu);
}

/* the first of M's spans that covers T, or -1 */
static int cover(const mcam *m, int64_t t)
{
	size_t j;
	for (j = 0; j < m->nsp; j++)
		if (m->sp[j]->start <= t && t < m->sp[j]->end)
			return (int)j;
	return -1;
}

/* M's picture at T: the frame on screen, or NULL with *WHY */
static const AVFrame *at(mcam *m, int64_t t, const char **why)
{
	int j = cover(m, t);
	qf *x;

	*why = "no footage";
	if (j < 0)
		return NULL;
	/* frames of earlier spans, and of this one up to T, are taken in turn;
	 * a span's failure comes after the frames it gave */
	while ((x = peek(m))) {
		if (x->span > j || (x->span == j && x->f && x->t > t))
			break;
		if (!x->f) {
			if (x->span == j)
				m->bad = j;
			pop(m, NULL);
		} else {
			pop(m, &m->cur);
		}
	}
	if (m->bad == j) {
		*why = "cannot decode";
		return NULL;
	}
	if (m->cur.f && m->cur.span == j && m->cur.t <= t)
		return m->cur.f;
	*why = "no picture yet";
	return NULL;
}

/* ---- the run --------------------------------------------------------------- */

typedef struct mos {
	vidx *h;
	const vidx_mosaic_opts *o;
	vidx_result *res;
	mcam *cams;
	size_t ncams;
	vidx__tiles t;
	AVCodecContext *cc;
	AVFormatContext *oc;
	AVStream *st;
	AVPacket *pkt;
	int64_t frames;
	char *tmp, *mtmp;
} mos;


/* ZONE's UTC offset (s) at US, from its local form "...-04:00" */
static long zone_off(int64_t us, const char *zone)
{
	char b[VIDX_TIME_BUFSZ];
	size_t n = strlen(vidx_time_format_local(us, zone, b));
	if (n < 6 || (b[n - 6] != '+' && b[n - 6] != '-'))
		return 0;
	return (b[n - 6] == '-' ? -1 : 1) *
	       (atol(b + n - 5) * 3600 + atol(b + n - 2) * 60);
}

/* camera-clock time CAM of span J in the camera's zone, "...-04:00" */
static char *fmt_local(const mcam *m, size_t j, int64_t cam, char *b)
{
	long off = cam < m->change[j] ? m->off0[j] : m->off1[j];
	size_t n;

	vidx_time_format(cam + (int64_t)off * US, b);
	n = strlen(b);
	if (n && b[n - 1] == 'Z')
		snprintf(b + n - 1, VIDX_TIME_BUFSZ - (n - 1), "%c%02ld:%02ld", off < 0 ? '-' : '+',
		         labs(off) / 3600, labs(off) % 3600 / 60);
	return b;
}

static int by_start(const void *a, const void *b)
{
	const vidx_span *x = *(const vidx_span *const *)a, *y = *(const vidx_span *const *)b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->recording_id < y->recording_id ? -1 : x->recording_id > y->recording_id;
}

/* each camera's spans, in time order, with what the index says of them */
static int plan(mos *M)
{
	vidx *h = M->h;
	vidx_result *r = M->res;
	size_t i, k;

	M->ncams = r->ncams;
	if (!(M->cams = calloc(r->ncams ? r->ncams : 1, sizeof(*M->cams))))
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	for (i = 0; i < r->ncams; i++) {
		mcam *m = &M->cams[i];
		size_t n = 0;
		m->cv = &r->cams[i];
		m->cur.span = m->bad = -1;
		for (k = 0; k < r->nspans; k++)
			n += !strcmp(r->spans[k].camera, m->cv->camera);
		if (!(m->sp = calloc(n ? n : 1, sizeof(*m->sp))) ||
		    !(m->size = calloc(n ? n : 1, sizeof(*m->size))) ||
		    !(m->fdur = calloc(n ? n : 1, sizeof(*m->fdur))) ||
		    !(m->byte_start = calloc(n ? n : 1, sizeof(int64_t))) ||
		    !(m->byte_end = calloc(n ? n : 1, sizeof(int64_t))) ||
		    !(m->packets = calloc(n ? n : 1, sizeof(int64_t))) ||
		    !(m->off0 = calloc(n ? n : 1, sizeof(long))) ||
		    !(m->off1 = calloc(n ? n : 1, sizeof(long))) ||
		    !(m->change = calloc(n ? n : 1, sizeof(int64_t))) ||
		    !(m->err = calloc(n ? n : 1, sizeof(char *))) ||
		    !(m->path = calloc(n ? n : 1, sizeof(char *))))
			return vidx__fail(h, VIDX_ENOMEM, "out of memory");
		for (k = 0; k < r->nspans; k++)
			if (!strcmp(r->spans[k].camera, m->cv->camera))
				m->sp[m->nsp++] = &r->spans[k];
		qsort(m->sp, m->nsp, sizeof(*m->sp), by_start);
		for (k = 0; k < m->nsp; k++) {
			int rc = vidx__rec_info(h, m->sp[k]->recording_id, &m->size[k], &m->fdur[k]);
			if (rc < 0)
				return rc;
			m->byte_start[k] = m->byte_end[k] = -1;
			m->change[k] = INT64_MAX;
			{
				/* a path this host can read (the index may know several) */
				char where[PATH_MAX], elsewhere[512], msg[700];
				rc = vidx__path_find(h, m->sp[k]->recording_id, where, sizeof(where),
				                     elsewhere, sizeof(elsewhere));
				if (rc < 0)
					return rc;
				if (rc == VIDX__PATH_ELSEWHERE) {
					snprintf(msg, sizeof(msg), "not on this host (%s): %s", vidx_host(h),
					         elsewhere);
					m->err[k] = strdup(msg);
				}
				if (!(m->path[k] = strdup(rc == VIDX__PATH_FOUND ? where : m->sp[k]->path)))
					return vidx__fail(h, VIDX_ENOMEM, "out of memory");
			}
			if (m->cv->tz) {
				int64_t a = m->sp[k]->camera_start, b = m->sp[k]->camera_end;
				m->off0[k] = zone_off(a, m->cv->tz);
				m->off1[k] = zone_off(b, m->cv->tz);
				/* a DST change inside the span: found to the second */
				while (m->off0[k] != m->off1[k] && b - a > US) {
					int64_t mid = a + (b - a) / 2;
					if (zone_off(mid, m->cv->tz) == m->off0[k])
						a = mid;
					else
						b = mid;
				}
				if (m->off0[k] != m->off1[k])
					m->change[k] = b;
			}
		}
	}
	return 0;
}

static void stop_all(mos *M)
{
	size_t i;

	for (i = 0; i < M->ncams; i++) {
		mcam *m = &M->cams[i];
		if (m->started) {
			pthread_mutex_lock(&m->mu);
			m->cancel = 1;
			pthread_cond_broadcast(&m->cond);
			pthread_mutex_unlock(&m->mu);
			pthread_join(m->th, NULL);
			m->started = 0;
		}
		while (m->qn) {
			av_frame_free(&m->q[m->qh].f);
			m->qh = (m->qh + 1) % QCAP;
			m->qn--;
		}
	}
}

static void free_cams(mos *M)
{
	size_t i, k;

	stop_all(M);
	for (i = 0; M->cams && i < M->ncams; i++) {
		mcam *m = &M->cams[i];
		if (m->h) {
			pthread_mutex_destroy(&m->mu);
			pthread_cond_destroy(&m->cond);
		}
		vidx_free(m->h);
		av_frame_free(&m->cur.f);
		for (k = 0; m->err && k < m->nsp; k++)
			free(m->err[k]);
		for (k = 0; m->path && k < m->nsp; k++)
			free(m->path[k]);
		free(m->err);
		free(m->path);
		free(m->sp);
		free(m->size);
		free(m->fdur);
		free(m->byte_start);
		free(m->byte_end);
		free(m->packets);
		free(m->off0);
		free(m->off1);
		free(m->change);
	}
	free(M->cams);
	M->cams = NULL;
}

static int start_all(mos *M)
{
	size_t i, busy = 0;

	for (i = 0; i < M->ncams; i++)
		busy += M->cams[i].nsp > 0;
	for (i = 0; i < M->ncams; i++) {
		mcam *m = &M->cams[i];
		if (!(m->h = vidx_new()))
			return vidx__fail(M->h, VIDX_ENOMEM, "out of memory");
		pthread_mutex_init(&m->mu, NULL);
		pthread_cond_init(&m->cond, NULL);
		/* the cameras decode side by side: one thread each, or the
		 * decoder's own threads when there is one camera */
		m->threads = busy > 1 ? 1 : 0;
		if (!m->nsp) {
			m->eof = 1;
			continue;
		}
		if (pthread_create(&m->th, NULL, worker, m) != 0)
			return vidx__fail(M->h, VIDX_ERR, "cannot start a thread: %s", strerror(errno));
		m->started = 1;
	}
	return 0;
}

/* the frames libx264 still holds */
static int flush_enc(mos *M)
{
	int r = avcodec_send_frame(M->cc, NULL);

	if (r < 0 && r != AVERROR_EOF)
		return vidx__fail(M->h, VIDX_ERR, "cannot encode: %s", av_err2str(r));
	return 0;
}

static int drain_enc(mos *M)
{
	int r;

	while ((r = avcodec_receive_packet(M->cc, M->pkt)) >= 0) {
		av_packet_rescale_ts(M->pkt, M->cc->time_base, M->st->time_base);
		M->pkt->stream_index = M->st->index;
		if ((r = av_interleaved_write_frame(M->oc, M->pkt)) < 0)
			return vidx__fail(M->h, VIDX_EIO, "cannot write '%s': %s", M->o->out,
			                  vidx__av_last()[0] ? vidx__av_last() : av_err2str(r));
	}
	return r == AVERROR(EAGAIN) || r == AVERROR_EOF ? 0
	     : vidx__fail(M->h, VIDX_ERR, "cannot encode: %s", av_err2str(r));
}

static int encode(mos *M, AVFrame *f)
{
	int r;

	f->pts = M->frames++;
	f->pict_type = AV_PICTURE_TYPE_NONE;
	if ((r = avcodec_send_frame(M->cc, f)) < 0)
		return vidx__fail(M->h, VIDX_ERR, "cannot encode: %s", av_err2str(r));
	av_frame_unref(f);
	return drain_enc(M);
}

static const char *tool = "vidx " VIDX_VERSION " (" LIBAVCODEC_IDENT ", "
                          LIBAVFILTER_IDENT ", " LIBAVFORMAT_IDENT ")";

static int open_out(mos *M, int64_t from, int64_t to)
{
	vidx *h = M->h;
	const vidx_mosaic_opts *o = M->o;
	const AVCodec *enc = avcodec_find_encoder_by_name("libx264");
	AVDictionary *opt = NULL;
	char b1[VIDX_TIME_BUFSZ], b2[VIDX_TIME_BUFSZ], title[160], g[16], *base;
	int r;

	if (!enc)
		return vidx__fail(h, VIDX_ERR, "this libavcodec has no libx264 encoder");
	if ((r = avformat_alloc_output_context2(&M->oc, NULL, "mp4", M->tmp)) < 0 ||
	    !(M->cc = avcodec_alloc_context3(enc)) || !(M->pkt = av_packet_alloc()))
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	M->cc->width = M->t.W;
	M->cc->height = M->t.H;
	M->cc->pix_fmt = AV_PIX_FMT_YUV420P;
	M->cc->time_base = (AVRational){o->fps_den, o->fps_num};
	M->cc->framerate = (AVRational){o->fps_num, o->fps_den};
	M->cc->sample_aspect_ratio = (AVRational){1, 1};
	M->cc->gop_size = (int)((2 * o->fps_num + o->fps_den - 1) / o->fps_den);
	if (M->oc->oformat->flags & AVFMT_GLOBALHEADER)
		M->cc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
	av_dict_set(&opt, "preset", PRESET, 0);
	av_dict_set(&opt, "crf", CRF, 0);
	r = avcodec_open2(M->cc, enc, &opt);
	av_dict_free(&opt);
	if (r < 0)
		return vidx__fail(h, VIDX_ERR, "cannot open libx264: %s", av_err2str(r));
	if (!(M->st = avformat_new_stream(M->oc, NULL)) ||
	    avcodec_parameters_from_context(M->st->codecpar, M->cc) < 0)
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	M->st->time_base = M->cc->time_base;
	M->st->avg_frame_rate = M->cc->framerate;
	/* a working copy, and says so wherever it goes */
	snprintf(title, sizeof(title), "vidx mosaic (working copy): %zu cameras, %s .. %s",
	         M->ncams, vidx_time_format(from, b1), vidx_time_format(to, b2));
	base = strrchr(o->out, '/');
	av_dict_set(&M->oc->metadata, "title", title, 0);
	av_dict_set(&M->oc->metadata, "comment", "working copy, not evidence: decoded "
	            "footage, scaled, labelled and encoded again for viewing; the sources, "
	            "the filter graph and the encoder settings are in the manifest", 0);
	av_dict_set(&M->oc->metadata, "creation_time", b1, 0);
	av_dict_set(&M->oc->metadata, "vidx_working_copy", "yes", 0);
	snprintf(g, sizeof(g), "%zu", M->ncams);
	av_dict_set(&M->oc->metadata, "vidx_cameras", g, 0);
	{
		char m[PATH_MAX];
		snprintf(m, sizeof(m), "%s.manifest.json", base ? base + 1 : o->out);
		av_dict_set(&M->oc->metadata, "vidx_manifest", m, 0);
	}
	if (o->case_id)
		av_dict_set(&M->oc->metadata, "case", o->case_id, 0);
	if ((r = avio_open(&M->oc->pb, M->tmp, AVIO_FLAG_WRITE)) < 0)
		return vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", o->out, av_err2str(r));
	av_dict_set(&opt, "movflags", "+faststart+use_metadata_tags", 0);
	r = avformat_write_header(M->oc, &opt);
	av_dict_free(&opt);
	if (r < 0)
		return vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", o->out,
		                  vidx__av_last()[0] ? vidx__av_last() : av_err2str(r));
	return 0;
}

/* the labels of camera M's tile (X: the frame shown, or NULL) */
static void labels(const mcam *m, const qf *x, char l[3][256])
{
	char b[VIDX_TIME_BUFSZ];
	const vidx_coverage *cv = m->cv;

	vidx__tile_title(l[0], cv->camera, cv->name, cv->distance_m);
	if (x) {
		snprintf(l[1], 256, "true   %s", vidx_time_format(x->t, b));
		snprintf(l[2], 256, "camera %s", cv->tz ? fmt_local(m, (size_t)x->span, x->cam, b)
		                                       : vidx_time_format(x->cam, b));
	} else {
		l[1][0] = l[2][0] = 0;
	}
}

static json_t *manifest_json(mos *M, const vidx_mosaic_info *mi)
{
	const vidx_mosaic_opts *o = M->o;
	json_t *m = json_object(), *srcs = json_array(), *enc = json_object(), *q = NULL;
	char b[VIDX_TIME_BUFSZ], rate[32];
	size_t i, k;

	if (o->query_json)
		q = json_loads(o->query_json, 0, NULL);
	json_object_set_new(m, "vidx_mosaic", json_integer(1));
	json_object_set_new(m, "working_copy", json_true());
	json_object_set_new(m, "note", json_string(
		"A working copy for viewing, not evidence: the sources' frames decoded, "
		"scaled, labelled and encoded again. Output frame k is at from + k / fps; "
		"each tile shows the frame its camera had on screen at that true instant "
		"(the last frame whose true time is at or before it; each source decoded "
		"from the seek keyframe the index names), or says 'no footage'."));
	json_object_set_new(m, "tool", json_string(tool));
	json_object_set_new(m, "made_at", json_string(vidx_time_format(vidx__now(), b)));
	json_object_set_new(m, "index", vidx__jstr(sqlite3_db_filename(M->h->db, "main")));
	json_object_set_new(m, "case", o->case_id ? vidx__jstr(o->case_id) : json_null());
	json_object_set_new(m, "operator", o->case_id ? vidx__jstr(o->by) : json_null());
	json_object_set_new(m, "query", q ? q : json_null());
	json_object_set_new(m, "from", vidx__jtime(mi->from));
	json_object_set_new(m, "to", vidx__jtime(mi->to));
	{
		json_t *out = json_object();
		json_object_set_new(out, "path", vidx__jstr(mi->path));
		json_object_set_new(out, "sha256", json_string(mi->sha256));
		json_object_set_new(out, "size", json_integer(mi->size));
		json_object_set_new(out, "width", json_integer(mi->width));
		json_object_set_new(out, "height", json_integer(mi->height));
		snprintf(rate, sizeof(rate), "%d/%d", mi->fps_num, mi->fps_den);
		json_object_set_new(out, "fps", json_string(rate));
		json_object_set_new(out, "frames", json_integer(mi->frames));
		json_object_set_new(m, "output", out);
	}
	{
		json_t *tl = json_array();
		for (i = 0; i < mi->ntiles; i++) {
			const vidx_tile *t = &mi->tiles[i];
			json_array_append_new(tl, json_pack("{s:o, s:b, s:i, s:i, s:i, s:i, s:{s:i, s:i, s:i, s:i}}",
			                      "camera", vidx__jstr(t->camera), "found", t->found,
			                      "x", t->x, "y", t->y, "w", t->w, "h", t->h, "video",
			                      "x", t->vx, "y", t->vy, "w", t->vw, "h", t->vh));
		}
		json_object_set_new(m, "tiles", tl);
	}
	for (i = 0; i < M->ncams; i++) {
		mcam *c = &M->cams[i];
		for (k = 0; k < c->nsp; k++) {
			const vidx_span *sp = c->sp[k];
			json_t *s = json_object();
			json_object_set_new(s, "camera", vidx__jstr(sp->camera));
			json_object_set_new(s, "recording_id", json_integer(sp->recording_id));
			json_object_set_new(s, "path", vidx__jstr(c->path[k]));
			json_object_set_new(s, "sha256", json_string(sp->sha256));
			json_object_set_new(s, "size", json_integer(c->size[k]));
			json_object_set_new(s, "start", vidx__jtime(sp->start));
			json_object_set_new(s, "end", vidx__jtime(sp->end));
			json_object_set_new(s, "camera_start", vidx__jtime(sp->camera_start));
			json_object_set_new(s, "camera_end", vidx__jtime(sp->camera_end));
			json_object_set_new(s, "clock_correction_ms", json_real(sp->correction_us / 1000.0));
			json_object_set_new(s, "seek_pts_us", json_integer(sp->seek_pts));
			json_object_set_new(s, "seek_pos", json_integer(sp->seek_pos));
			json_object_set_new(s, "byte_start", c->byte_start[k] >= 0
			                    ? json_integer(c->byte_start[k]) : json_null());
			json_object_set_new(s, "byte_end", c->byte_end[k] >= 0
			                    ? json_integer(c->byte_end[k]) : json_null());
			json_object_set_new(s, "packets_decoded", json_integer(c->packets[k]));
			json_object_set_new(s, "error", c->err[k] ? vidx__jstr(c->err[k]) : json_null());
			json_array_append_new(srcs, s);
		}
	}
	json_object_set_new(m, "sources", srcs);
	json_object_set_new(m, "filter_graph", vidx__jstr(M->t.desc));
	json_object_set_new(m, "font", vidx__jstr(M->t.font));
	json_object_set_new(m, "filter_inputs", json_string(
		"one buffer source per tile, [in0], [in1] ..., in tile order, fed the frame "
		"on screen (or black) with the label lines as frame metadata vidx.l1 .. "
		"vidx.l3 and vidx.big"));
	json_object_set_new(enc, "encoder", json_string("libx264"));
	json_object_set_new(enc, "libavcodec", json_string(LIBAVCODEC_IDENT));
	json_object_set_new(enc, "pix_fmt", json_string("yuv420p"));
	json_object_set_new(enc, "preset", json_string(PRESET));
	json_object_set_new(enc, "crf", json_string(CRF));
	json_object_set_new(enc, "gop", json_integer(M->cc->gop_size));
	json_object_set_new(enc, "time_base", json_string(rate));
	json_object_set_new(enc, "muxer", json_string("mp4, movflags +faststart+use_metadata_tags"));
	json_object_set_new(enc, "ffmpeg_equivalent", json_string(
		"-c:v libx264 -preset " PRESET " -crf " CRF " -pix_fmt yuv420p -movflags "
		"+faststart+use_metadata_tags"));
	json_object_set_new(m, "encoder", enc);
	return m;
}

int vidx_mosaic(vidx *h, const vidx_query *q, const vidx_mosaic_opts *o0,
                vidx_mosaic_info **out)
{
	vidx_mosaic_opts o = *o0;
	mos M;
	vidx_mosaic_info *mi = NULL;
	vidx_tile *tiles = NULL;
	char **failed = NULL;
	size_t nfailed = 0, i;
	char mpath[PATH_MAX], fin[PATH_MAX];
	AVFrame *frame = NULL;
	json_t *mj = NULL;
	char *text = NULL;
	int64_t n, k;
	int rc;

	*out = NULL;
	memset(&M, 0, sizeof(M));
	M.h = h;
	M.o = &o;
	vidx__av_setup(); /* libx264's chatter is not ours to print */
	if (!o.fps_num) {
		o.fps_num = 25;
		o.fps_den = 1;
	}
	if (o.fps_num <= 0 || o.fps_den <= 0 || (double)o.fps_num / o.fps_den > 240 ||
	    (double)o.fps_num / o.fps_den < 0.01)
		return vidx__fail(h, VIDX_EINVAL, "the rate must be from 0.01 to 240 frames a second");
	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	if (!o.out || !*o.out)
		return vidx__fail(h, VIDX_EINVAL, "no output file");
	if (q->to <= q->from)
		return vidx__fail(h, VIDX_EINVAL, "the window ends before it starts");
	n = av_rescale_rnd(q->to - q->from, o.fps_num, (int64_t)o.fps_den * US, AV_ROUND_UP);
	if (n > 24 * 3600 * 30)
		return vidx__fail(h, VIDX_EINVAL, "more than %d frames: use a lower rate or a "
		                  "shorter window", 24 * 3600 * 30);
	if (o.case_id) {
		if ((rc = vidx__case_exists(h, o.case_id)) < 0)
			return rc;
		if (!vidx_operator_valid(o.by))
			return vidx__fail(h, VIDX_EINVAL, "the operator's name must be one line "
			                  "of UTF-8 text without control characters");
	}
	if (snprintf(mpath, sizeof(mpath), "%s.manifest.json", o.out) >= (int)sizeof(mpath))
		return vidx__fail(h, VIDX_EINVAL, "the output's path is too long");
	if (access(o.out, F_OK) == 0)
		return vidx__fail(h, VIDX_EEXIST, "'%s' exists: not overwritten", o.out);
	if (access(mpath, F_OK) == 0)
		return vidx__fail(h, VIDX_EEXIST, "'%s' exists: not overwritten", mpath);
	if ((rc = vidx_query_run(h, q, &M.res)) < 0)
		return rc;
	if (!M.res->ncams) {
		rc = vidx__fail(h, VIDX_ENOENT, "no camera is selected");
		goto out;
	}
	if (M.res->ncams > MAX_CAMS) {
		rc = vidx__fail(h, VIDX_EINVAL, "%zu cameras: a mosaic takes at most %d",
		                M.res->ncams, MAX_CAMS);
		goto out;
	}
	if (!M.res->nspans) {
		rc = vidx__fail(h, VIDX_ENOENT, "no footage in the window");
		goto out;
	}
	if ((rc = plan(&M)) < 0)
		goto out;
	if ((rc = vidx__tiles_init(h, &M.t, (int)M.ncams, o.tile_w ? o.tile_w : 640,
	                           o.tile_h ? o.tile_h : 360, o.font, AV_PIX_FMT_YUV420P,
	                           o.fps_den, o.fps_num)) < 0)
		goto out;
	if (!(M.tmp = vidx__tmp_beside(o.out))) {
		rc = vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", o.out, strerror(errno));
		goto out;
	}
	if ((rc = open_out(&M, q->from, q->to)) < 0 || (rc = start_all(&M)) < 0)
		goto out;
	if (!(frame = av_frame_alloc())) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	for (k = 0; k < n; k++) {
		int64_t t = q->from + av_rescale(k, (int64_t)o.fps_den * US, o.fps_num);
		int r;
		for (i = 0; i < M.ncams; i++) {
			mcam *m = &M.cams[i];
			const char *why;
			const AVFrame *f = at(m, t, &why);
			char l[3][256];
			labels(m, f ? &m->cur : NULL, l);
			if (!f) {
				char b[VIDX_TIME_BUFSZ];
				snprintf(l[1], 256, "%s at %s", why, vidx_time_format(t, b));
			}
			if ((rc = vidx__tiles_set(h, &M.t, (int)i, f, l[0], l[1], l[2],
			                          f ? NULL : why)) < 0)
				goto out;
		}
		for (r = vidx__tiles_run(h, &M.t, k, 0, frame); r > 0;
		     r = vidx__tiles_next(h, &M.t, frame))
			if ((rc = encode(&M, frame)) < 0)
				goto out;
		if (r < 0) {
			rc = r;
			goto out;
		}
		if (o.on_progress)
			o.on_progress(o.ctx, k + 1, n);
	}
	for (rc = vidx__tiles_run(h, &M.t, 0, 1, frame); rc > 0; rc = vidx__tiles_next(h, &M.t, frame))
		if ((rc = encode(&M, frame)) < 0)
			goto out;
	if (rc < 0 || (rc = flush_enc(&M)) < 0 || (rc = drain_enc(&M)) < 0)
		goto out;
	if (M.frames != n) {
		rc = vidx__fail(h, VIDX_ERR, "%lld frames made, %lld wanted", (long long)M.frames,
		                (long long)n);
		goto out;
	}
	{
		int r = av_write_trailer(M.oc), r2 = avio_closep(&M.oc->pb);
		if (r < 0 || r2 < 0) {
			rc = vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", o.out,
			                vidx__av_last()[0] ? vidx__av_last() : av_err2str(r < 0 ? r : r2));
			goto out;
		}
	}
	stop_all(&M);

	/* what it is, then its manifest (first), then its name */
	if (!(mi = calloc(1, sizeof(*mi))) || !(tiles = calloc(M.ncams, sizeof(*tiles))) ||
	    !(failed = calloc(M.ncams * 8 + 1, sizeof(*failed)))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < M.ncams; i++) {
		size_t j;
		vidx__tiles_rect(&M.t, (int)i, &tiles[i]);
		tiles[i].camera = M.cams[i].cv->camera;
		tiles[i].found = M.cams[i].nsp > 0;
		for (j = 0; j < M.cams[i].nsp; j++) {
			char msg[1024], **nf;
			if (!M.cams[i].err[j])
				continue;
			snprintf(msg, sizeof(msg), "%s: '%s': %s", M.cams[i].cv->camera,
			         M.cams[i].path[j], M.cams[i].err[j]);
			if (!(nf = realloc(failed, (nfailed + 2) * sizeof(*nf)))) {
				rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
				goto out;
			}
			failed = nf;
			failed[nfailed++] = strdup(msg);
			failed[nfailed] = NULL;
		}
	}
	mi->tiles = tiles;
	mi->ntiles = M.ncams;
	mi->failed = (const char *const *)failed;
	mi->nfailed = nfailed;
	mi->frames = M.frames;
	mi->from = q->from;
	mi->to = q->to;
	mi->fps_num = o.fps_num;
	mi->fps_den = o.fps_den;
	mi->width = M.t.W;
	mi->height = M.t.H;
	if ((rc = vidx__sha256_path(h, M.tmp, 1, mi->sha256, &mi->size)) < 0)
		goto out;
	{
		char *abs = realpath(M.tmp, NULL), *sl;
		/* the final path, absolute: where the temporary file is */
		if (!abs) {
			rc = vidx__fail(h, VIDX_EIO, "'%s': %s", o.out, strerror(errno));
			goto out;
		}
		sl = strrchr(abs, '/');
		*sl = 0;
		k = snprintf(fin, sizeof(fin) - 16, "%s/%s", abs, strrchr(o.out, '/')
		             ? strrchr(o.out, '/') + 1 : o.out);
		free(abs);
		if (k < 0 || k >= (int64_t)sizeof(fin) - 16) {
			rc = vidx__fail(h, VIDX_EINVAL, "the output's path is too long");
			goto out;
		}
	}
	mi->path = strdup(fin);
	memcpy(mpath, fin, strlen(fin));
	memcpy(mpath + strlen(fin), ".manifest.json", 15);
	mi->manifest = strdup(mpath);
	if (!mi->path || !mi->manifest) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	mj = manifest_json(&M, mi);
	if (!(text = vidx__json_file_text(mj, JSON_REAL_PRECISION(15)))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = vidx__write_new(h, mpath, sizeof(mpath), text, strlen(text), 0,
	                          mi->manifest_sha256, NULL)) < 0)
		goto out;
	{
		char hex[65];
		if ((rc = vidx__publish_new(h, M.tmp, fin, sizeof(fin), 0, hex, NULL)) < 0) {
			/* no manifest without its picture */
			unlink(mpath);
			goto out;
		}
		free(M.tmp);
		M.tmp = NULL;
		if (strcmp(hex, mi->sha256)) {
			rc = vidx__fail(h, VIDX_EIO, "'%s' changed while it was written", fin);
			goto out;
		}
	}
	if (o.case_id) {
		json_t *d = json_object();
		char *dt;
		json_object_set_new(d, "path", vidx__jstr(mi->path));
		json_object_set_new(d, "sha256", json_string(mi->sha256));
		json_object_set_new(d, "size", json_integer(mi->size));
		json_object_set_new(d, "manifest", vidx__jstr(mi->manifest));
		json_object_set_new(d, "manifest_sha256", json_string(mi->manifest_sha256));
		json_object_set_new(d, "from", vidx__jtime(mi->from));
		json_object_set_new(d, "to", vidx__jtime(mi->to));
		json_object_set_new(d, "cameras", json_integer((json_int_t)M.ncams));
		json_object_set_new(d, "failed", json_integer((json_int_t)nfailed));
		dt = json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII);
		json_decref(d);
		rc = dt ? vidx_custody_add(h, o.case_id, o.by, "mosaic", dt, NULL)
		        : vidx__fail(h, VIDX_ENOMEM, "out of memory");
		free(dt);
		if (rc < 0)
			goto out;
	}
	/* the tiles name the cameras in the result, which outlive this call
	 * only through the info: copy them */
	for (i = 0; i < M.ncams; i++)
		if (!(tiles[i].camera = strdup(tiles[i].camera))) {
			size_t j;
			for (j = 0; j < i; j++)
				free((char *)tiles[j].camera);
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			tiles = NULL;
			goto out;
		}
	*out = mi;
	mi = NULL;
	tiles = NULL;
	failed = NULL;
	rc = (int)nfailed;
out:
	free_cams(&M);
	if (M.oc) {
		if (M.oc->pb)
			avio_closep(&M.oc->pb);
		avformat_free_context(M.oc);
	}
	avcodec_free_context(&M.cc);
	av_packet_free(&M.pkt);
	av_frame_free(&frame);
	vidx__tiles_free(&M.t);
	if (M.tmp) {
		unlink(M.tmp);
		free(M.tmp);
	}
	vidx_result_free(M.res);
	json_decref(mj);
	free(text);
	if (mi) {
		free((char *)mi->path);
		free((char *)mi->manifest);
		free(mi);
		free(tiles);
	}
	if (failed) {
		for (i = 0; failed[i]; i++)
			free(failed[i]);
		free(failed);
	}
	return rc;
}

void vidx_mosaic_free(vidx_mosaic_info *m)
{
	size_t i;

	if (!m)
		return;
	free((char *)m->path);
	free((char *)m->manifest);
	for (i = 0; i < m->ntiles; i++)
		free((char *)m->tiles[i].camera);
	free((vidx_tile *)m->tiles);
	for (i = 0; i < m->nfailed; i++)
		free((char *)m->failed[i]);
	free((char **)m->failed);
	free(m);
}
