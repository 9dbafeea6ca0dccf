/*
 * pull.c - cut the footage of query spans into a case folder, losslessly:
 * clips (stream copy, or the exact source bytes), manifest.json,
 * SHA256SUMS, and a custody event holding the manifest's hash.
 *
 * Every file is written under a temporary name made with O_EXCL, synced,
 * and linked to its final name (link(2) never replaces a file), so an
 * interrupted pull leaves no half-written file under a final name and
 * nothing that existed is overwritten.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "media.h"

#define US 1000000LL
#define JOIN_US US /* spans this close (either way) are one stretch */
static const AVRational us_tb = {1, 1000000};

/* ---- files ---------------------------------------------------------------- */

/* a new file DIR/.NAME.partial-PID-N, created exclusively */
static char *temp_name(const char *final)
{
	static int seq;
	const char *base = strrchr(final, '/');
	size_t dl = base ? (size_t)(base - final) + 1 : 0;
	size_t n = strlen(final) + 64;
	char *t = malloc(n);
	int fd;

	if (!t)
		return NULL;
	for (;;) {
		snprintf(t, n, "%.*s.%s.partial-%ld-%d", (int)dl, final,
		         base ? base + 1 : final, (long)getpid(), ++seq);
		fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0) {
			close(fd);
			return t;
		}
		if (errno != EEXIST) {
			free(t);
			return NULL;
		}
	}
}

static int sync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;
	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* TMP (written and synced) becomes FINAL without replacing anything */
static int publish(vidx *h, const char *tmp, const char *final)
{
	if (link(tmp, final) < 0) {
		int e = errno;
		unlink(tmp);
		if (e == EEXIST)
			return vidx__fail(h, VIDX_EEXIST, "'%s' exists: not overwritten", final);
		return vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", final, strerror(e));
	}
	unlink(tmp);
	return 0;
}

/* N bytes of DATA as the new file FINAL */
static int write_bytes(vidx *h, const char *final, const void *data, size_t n)
{
	char *tmp = temp_name(final);
	int fd, rc = 0;

	if (!tmp)
		return vidx__fail(h, VIDX_EIO, "cannot write in the folder of '%s': %s",
		                  final, strerror(errno));
	if ((fd = open(tmp, O_WRONLY | O_TRUNC | O_CLOEXEC)) < 0 ||
	    vidx__write_all(fd, data, n) < 0) {
		rc = vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", final, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	} else if (close(fd) < 0) {
		rc = vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", final, strerror(errno));
		unlink(tmp);
	} else if (sync_path(tmp) < 0) {
		rc = vidx__fail(h, VIDX_EIO, "cannot sync '%s': %s", final, strerror(errno));
		unlink(tmp);
	} else {
		rc = publish(h, tmp, final);
	}
	free(tmp);
	return rc;
}

static int write_file(vidx *h, const char *final, const char *text)
{
	return write_bytes(h, final, text, strlen(text));
}

/* ---- plans ------------------------------------------------------------------ */

typedef struct part {
	const vidx_span *sp;
	char path[PATH_MAX];      /* where it is read here; "" when not here */
	char elsewhere[PATH_MAX + 128]; /* then: which host holds it, or "" */
	char format[64];
	char sha256[65];
	int64_t size, frame_dur;
	vidx__cut cut;
	int hashed; /* the source's SHA-256 was checked while cutting */
	vidx__hasher hs; /* that check, running while the clip is made */
	int hfd;         /* its own descriptor of the source, -1 none */
} part;

/* The source's SHA-256, started in cut_part, must be the index's.  The
 * clip is not published before this says so. */
static int part_check(vidx *h, part *p)
{
	char hex[65];
	int rc = 0;

	if (!p->hs.running)
		goto out;
	if ((rc = vidx__hash_finish(h, &p->hs, NULL, hex)) < 0)
		goto out;
	if (strcmp(hex, p->sha256)) {
		rc = vidx__fail(h, VIDX_EFORMAT, "source changed since it was indexed "
		                "(SHA-256 %.12s..., the index says %.12s...)", hex, p->sha256);
		goto out;
	}
	p->hashed = 1;
out:
	vidx__hash_stop(&p->hs);
	if (p->hfd >= 0)
		close(p->hfd);
	p->hfd = -1;
	return rc;
}

static int rec_info(vidx *h, part *p)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(h->db, "SELECT format, fps, size, lower(hex(sha256))"
	                       " FROM recordings WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "reading recordings");
	sqlite3_bind_int64(st, 1, p->sp->recording_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		double fps = sqlite3_column_double(st, 1);
		snprintf(p->format, sizeof(p->format), "%s", sqlite3_column_text(st, 0));
		p->frame_dur = fps > 0 ? (int64_t)llround(US / fps) : 40000;
		p->size = sqlite3_column_int64(st, 2);
		snprintf(p->sha256, sizeof(p->sha256), "%s", sqlite3_column_text(st, 3));
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = vidx__fail(h, VIDX_ENOENT, "recording %lld is not in the index",
		                (long long)p->sp->recording_id);
	} else {
		rc = vidx__sql_fail(h, "reading recordings");
	}
	sqlite3_finalize(st);
	/* a path this host can read; else the clip fails, naming the host */
	if (rc == 0 && (rc = vidx__path_find(h, p->sp->recording_id, p->path,
	                                     sizeof(p->path), p->elsewhere,
	                                     sizeof(p->elsewhere))) >= 0) {
		if (rc == VIDX__PATH_MISSING) /* gone from here: fails as before */
			snprintf(p->path, sizeof(p->path), "%s", p->sp->path);
		rc = 0;
	}
	return rc;
}

/* open the source of P, or say which host holds it */
static int part_open(vidx *h, vidx__src *s, const part *p)
{
	if (!*p->path) {
		memset(s, 0, sizeof(*s));
		s->io.fd = -1;
		return vidx__fail(h, VIDX_ENOENT, "not on this host (%s): %s", vidx_host(h),
		                  p->elsewhere);
	}
	return vidx__src_open(h, s, p->path);
}

static const char *part_path(const part *p)
{
	return *p->path ? p->path : p->sp->path;
}

static int by_camera_time(const void *a, const void *b)
{
	const vidx_span *x = *(const vidx_span *const *)a;
	const vidx_span *y = *(const vidx_span *const *)b;
	int c = strcmp(x->camera, y->camera);
	if (c)
		return c;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* ---- writing one clip ------------------------------------------------------- */

typedef struct clipw {
	vidx *h;
	const vidx_pull_opts *o;
	AVFormatContext *oc;
	int native, ov, oa;       /* output stream indexes, -1 none */
	AVRational vtb, atb;      /* the current source's time bases */
	vidx__chain ch;
	char *tmp;                /* temporary file, NULL once published */
	json_t *sources;
	/* the first part's parameters: later parts must match to join */
	AVCodecParameters *vpar, *apar;
	/* the timed-text track (MP4): output stream, -1 none; the part being
	 * cut and whether its keyframe was written; where each part's keyframe
	 * sits in clip time with its true and camera time; the next cue */
	int ot;
	const part *cur;
	int cur_placed;
	struct cue_map { int64_t off, true0, cam0; } *map;
	size_t nmap;
	int64_t cue_next;
	int64_t ncues;
} clipw;

/* ---- the timed-text track ---------------------------------------------------- */

/* 3GPP timed text (TS 26.245) sample description after its SampleEntry
 * header, as mov_text extradata: no scrolling, centred at the bottom, on a
 * half-transparent black box, white 18-point sans-serif */
static const uint8_t tx3g_entry[] = {
	0, 0, 0, 0,               /* displayFlags */
	1, 0xff,                  /* justification: centre, bottom */
	0, 0, 0, 0x80,            /* background rgba */
	0, 0, 0, 0, 0, 0, 0, 0,   /* default text box: the whole track */
	0, 0, 0, 0, 0, 1, 0, 18,  /* style: chars 0-0, font 1, plain, 18 pt */
	0xff, 0xff, 0xff, 0xff,   /* text rgba */
	0, 0, 0, 23, 'f', 't', 'a', 'b', 0, 1, /* font table: one font */
	0, 1, 10, 's', 'a', 'n', 's', '-', 's', 'e', 'r', 'i', 'f',
};

/* the timed-text stream, before the header is written */
static int text_open(clipw *w)
{
	AVStream *ts = avformat_new_stream(w->oc, NULL);

	if (!ts || !(ts->codecpar->extradata = av_mallocz(sizeof(tx3g_entry) +
	                                                    AV_INPUT_BUFFER_PADDING_SIZE)))
		return vidx__fail(w->h, VIDX_ENOMEM, "out of memory");
	memcpy(ts->codecpar->extradata, tx3g_entry, sizeof(tx3g_entry));
	ts->codecpar->extradata_size = sizeof(tx3g_entry);
	ts->codecpar->codec_type = AVMEDIA_TYPE_SUBTITLE;
	ts->codecpar->codec_id = AV_CODEC_ID_MOV_TEXT;
	ts->time_base = (AVRational){1, 1000};
	ts->disposition = AV_DISPOSITION_DEFAULT;
	av_dict_set(&ts->metadata, "handler_name", "true time and camera clock", 0);
	av_dict_set(&ts->metadata, "language", "eng", 0);
	w->ot = ts->index;
	return 0;
}

/* a part's keyframe was written at clip time OFF (us) */
static int text_place(clipw *w, int64_t off)
{
	struct cue_map *nm = realloc(w->map, (w->nmap + 1) * sizeof(*nm));
	if (!nm)
		return vidx__fail(w->h, VIDX_ENOMEM, "out of memory");
	w->map = nm;
	nm[w->nmap].off = off;
	nm[w->nmap].true0 = w->cur->sp->seek_time;
	nm[w->nmap].cam0 = w->cur->sp->seek_camera;
	w->nmap++;
	return 0;
}

/* the cue at clip time T (us), lasting DUR: the true time and the camera's
 * clock there, each from the part the instant falls in */
static int text_cue(clipw *w, int64_t t, int64_t dur)
{
	AVStream *ts = w->oc->streams[w->ot];
	AVPacket *pkt = av_packet_alloc();
	char b1[VIDX_TIME_BUFSZ], b2[VIDX_TIME_BUFSZ], text[160];
	size_t i = 0, n;
	int r;

	if (!pkt)
		return vidx__fail(w->h, VIDX_ENOMEM, "out of memory");
	while (i + 1 < w->nmap && w->map[i + 1].off <= t)
		i++;
	n = (size_t)snprintf(text, sizeof(text), "%s true time\n%s camera clock",
	                     vidx_time_format(w->map[i].true0 + (t - w->map[i].off), b1),
	                     vidx_time_format(w->map[i].cam0 + (t - w->map[i].off), b2));
	if (av_new_packet(pkt, (int)n + 2) < 0) {
		av_packet_free(&pkt);
		return vidx__fail(w->h, VIDX_ENOMEM, "out of memory");
	}
	pkt->data[0] = (uint8_t)(n >> 8);
	pkt->data[1] = (uint8_t)n;
	memcpy(pkt->data + 2, text, n);
	pkt->stream_index = w->ot;
	pkt->pts = pkt->dts = av_rescale_q(t, us_tb, ts->time_base);
	pkt->duration = av_rescale_q(t + dur, us_tb, ts->time_base) - pkt->pts;
	pkt->flags |= AV_PKT_FLAG_KEY;
	r = av_interleaved_write_frame(w->oc, pkt);
	av_packet_free(&pkt);
	if (r < 0)
		return vidx__fail(w->h, VIDX_EIO, "cannot write the clip: %s",
		                  vidx__av_last()[0] ? vidx__av_last() : av_err2str(r));
	w->ncues++;
	return 0;
}

/* Cues for every whole second the footage has passed (UPTO: clip time of
 * the latest video decode time); at the END of the clip (FINAL), the rest,
 * the last one cut to the end. */
static int text_cues(clipw *w, int64_t upto, int final)
{
	int rc = 0;

	if (w->ot < 0 || !w->nmap)
		return 0;
	while (rc == 0 && (final ? w->cue_next < upto : w->cue_next + US <= upto)) {
		int64_t dur = final && upto - w->cue_next < US ? upto - w->cue_next : US;
		rc = text_cue(w, w->cue_next, dur);
		w->cue_next += US;
	}
	return rc;
}

static int sink(void *ctx, int video, AVPacket *pkt, int64_t pts, int64_t dts)
{
	clipw *w = ctx;
	AVStream *os;
	int r;

	if (!video && w->oa < 0)
		return 0;
	if (video && w->ot >= 0) {
		if (!w->cur_placed && (r = text_place(w, pts)) < 0)
			return r;
		w->cur_placed = 1;
		if ((r = text_cues(w, dts, 0)) < 0)
			return r;
	}
	os = w->oc->streams[video ? w->ov : w->oa];
	pkt->stream_index = os->index;
	pkt->pts = av_rescale_q(pts, us_tb, os->time_base);
	pkt->dts = av_rescale_q(dts, us_tb, os->time_base);
	pkt->duration = pkt->duration > 0
	              ? av_rescale_q(pkt->duration, video ? w->vtb : w->atb, os->time_base)
	              : 0;
	pkt->pos = -1;
	if ((r = av_interleaved_write_frame(w->oc, pkt)) < 0)
		return vidx__fail(w->h, VIDX_EIO, "cannot write the clip: %s",
		                  vidx__av_last()[0] ? vidx__av_last() : av_err2str(r));
	return 0;
}

static int same_par(const AVCodecParameters *a, const AVCodecParameters *b)
{
	if (!a || !b)
		return a == b;
	return a->codec_id == b->codec_id && a->width == b->width &&
	       a->height == b->height && a->sample_rate == b->sample_rate &&
	       a->ch_layout.nb_channels == b->ch_layout.nb_channels &&
	       a->extradata_size == b->extradata_size &&
	       (!a->extradata_size ||
	        !memcmp(a->extradata, b->extradata, (size_t)a->extradata_size));
}

static int fits_mp4(const vidx__src *s)
{
	const AVOutputFormat *mp4 = av_guess_format("mp4", NULL, NULL);
	if (avformat_query_codec(mp4, s->fc->streams[s->vi]->codecpar->codec_id,
	                         FF_COMPLIANCE_NORMAL) != 1)
		return 0;
	return s->ai < 0 || avformat_query_codec(mp4,
	        s->fc->streams[s->ai]->codecpar->codec_id, FF_COMPLIANCE_NORMAL) == 1;
}

static void iso6709(char *b, size_t n, double lat, double lon)
{
	snprintf(b, n, "%+09.5f%+010.5f/", lat, lon);
}

/* open the muxer on W->tmp for streams like S's */
static int mux_open(clipw *w, vidx__src *s, const char *fmt, const part *p0)
{
	vidx *h = w->h;
	const vidx_span *sp = p0->sp;
	AVDictionary *opt = NULL;
	char b[VIDX_TIME_BUFSZ + 8], loc[64];
	int r, i;

	if ((r = avformat_alloc_output_context2(&w->oc, NULL, fmt, w->tmp)) < 0)
		return vidx__fail(h, VIDX_ERR, "cannot make a %s file: %s", fmt, av_err2str(r));
	w->ov = w->oa = -1;
	for (i = 0; i < 2; i++) {
		int si = i ? s->ai : s->vi;
		AVStream *is, *os;
		if (si < 0)
			continue;
		is = s->fc->streams[si];
		if (!(os = avformat_new_stream(w->oc, NULL)) ||
		    avcodec_parameters_copy(os->codecpar, is->codecpar) < 0)
			return vidx__fail(h, VIDX_ENOMEM, "out of memory");
		os->codecpar->codec_tag = 0;
		os->time_base = is->time_base;
		if (i)
			w->oa = os->index;
		else
			w->ov = os->index;
	}
	if (!strcmp(fmt, "mp4") && (r = text_open(w)) < 0)
		return r;
	/* the true wall-clock time of the first frame, and where it was */
	vidx_time_format(sp->seek_time, b);
	av_dict_set(&w->oc->metadata, "creation_time", b, 0);
	av_dict_set(&w->oc->metadata, "title", sp->name && *sp->name ? sp->name : sp->camera, 0);
	av_dict_set(&w->oc->metadata, "camera", sp->camera, 0);
	av_dict_set(&w->oc->metadata, "camera_name", sp->name ? sp->name : "", 0);
	if (!isnan(sp->lat)) {
		iso6709(loc, sizeof(loc), sp->lat, sp->lon);
		av_dict_set(&w->oc->metadata, "location", loc, 0);
	}
	av_dict_set(&w->oc->metadata, "case", w->o->case_id, 0);
	if ((r = avio_open(&w->oc->pb, w->tmp, AVIO_FLAG_WRITE)) < 0)
		return vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", w->tmp, av_err2str(r));
	if (!strcmp(fmt, "mp4"))
		av_dict_set(&opt, "movflags", "+faststart+use_metadata_tags", 0);
	r = avformat_write_header(w->oc, &opt);
	av_dict_free(&opt);
	if (r < 0)
		return vidx__fail(h, VIDX_EFORMAT, "cannot start the clip: %s",
		                  vidx__av_last()[0] ? vidx__av_last() : av_err2str(r));
	return 0;
}

static json_t *jsource(const part *p, int native, const char *host)
{
	const vidx__cut *c = &p->cut;
	const vidx_span *sp = p->sp;
	json_t *o = json_object(), *cut = json_object();
	int64_t true_end = sp->seek_time + (c->out_end - c->out_off);

	/* named by content and place, not by a row id of this index */
	json_object_set_new(o, "path", vidx__jstr(p->path));
	json_object_set_new(o, "host", vidx__jstr(host));
	json_object_set_new(o, "sha256", json_string(p->sha256));
	json_object_set_new(o, "size", json_integer(p->size));
	json_object_set_new(o, "format", json_string(p->format));
	json_object_set_new(o, "sha256_checked", json_boolean(p->hashed));
	json_object_set_new(o, "requested_start", vidx__jtime(sp->start));
	json_object_set_new(o, "requested_end", vidx__jtime(sp->end));
	json_object_set_new(o, "start", vidx__jtime(sp->seek_time));
	json_object_set_new(o, "end", vidx__jtime(true_end));
	json_object_set_new(o, "camera_start", vidx__jtime(sp->seek_camera));
	json_object_set_new(o, "clock_correction_ms", json_real(sp->correction_us / 1000.0));
	json_object_set_new(o, "time_source", vidx__jstr(sp->time_source));
	json_object_set_new(o, "first_packet_pts_us", json_integer(c->first_pts));
	json_object_set_new(o, "last_packet_pts_us", json_integer(c->last_pts));
	json_object_set_new(o, "byte_start", json_integer(c->byte_start));
	json_object_set_new(o, "byte_end", json_integer(c->byte_end));
	json_object_set_new(o, "video_packets", json_integer(c->nvideo));
	/* a native clip holds whatever sound lies in its byte range */
	json_object_set_new(o, "audio_packets", native ? json_null() : json_integer(c->naudio));
	json_object_set_new(o, "clip_offset_s", json_real(c->out_off / 1e6));
	/* exactly what vidx-verify needs to take the same packets again */
	json_object_set_new(cut, "seek", json_string(c->by_bytes ? "byte" : "time"));
	json_object_set_new(cut, "seek_pts_us", json_integer(c->seek_pts));
	json_object_set_new(cut, "seek_pos", json_integer(c->seek_pos));
	json_object_set_new(cut, "end_pts_us", json_integer(c->end_pts));
	json_object_set_new(cut, "frame_dur_us", json_integer(c->frame_dur));
	if (c->ts_tables)
		json_object_set_new(cut, "ts_tables", json_true());
	json_object_set_new(o, "cut", cut);
	return o;
}

/* copy bytes [A, B) of FD to OUT, hashing nothing: the file is hashed
 * after it is synced, from disk */
static int copy_range(int fd, int out, int64_t a, int64_t b)
{
	char *buf = malloc(1 << 20);
	int rc = 0;

	if (!buf)
		return -1;
	while (a < b) {
		size_t want = (size_t)FFMIN((int64_t)(1 << 20), b - a);
		ssize_t r = pread(fd, buf, want, a);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || vidx__write_all(out, buf, (size_t)r) < 0) {
			if (r == 0)
				errno = EIO;
			rc = -1;
			break;
		}
		a += r;
	}
	free(buf);
	return rc;
}

/* Cut part P from its source into W (opening the muxer at the first part).
 * *SPLIT is set, and nothing done, when P's streams differ from the clip's. */
static int cut_part(clipw *w, part *p, vidx__src *opened, const char *fmt,
                    int *split)
{
	vidx *h = w->h;
	vidx__src local = {.io = {.fd = -1}}, *s = opened ? opened : &local;
	struct stat sb;
	int first = opened != NULL, rc = 0;

	*split = 0;
	if (!opened && (rc = part_open(h, s, p)) < 0)
		goto out;
	if (fstat(s->io.fd, &sb) == 0 && sb.st_size != p->size) {
		rc = vidx__fail(h, VIDX_EFORMAT, "source changed since it was indexed "
		                "(%lld bytes, the index says %lld)", (long long)sb.st_size,
		                (long long)p->size);
		goto out;
	}
	if (first) {
		if (!(w->vpar = avcodec_parameters_alloc()) ||
		    avcodec_parameters_copy(w->vpar, s->fc->streams[s->vi]->codecpar) < 0 ||
		    (s->ai >= 0 && (!(w->apar = avcodec_parameters_alloc()) ||
		     avcodec_parameters_copy(w->apar, s->fc->streams[s->ai]->codecpar) < 0))) {
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			goto out;
		}
		if (vidx__phash_init(&w->ch.vh, w->vpar, VIDX_PHASH_VERSION) < 0 ||
		    (w->apar && !w->native &&
		     vidx__phash_init(&w->ch.ah, w->apar, VIDX_PHASH_VERSION) < 0)) {
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			goto out;
		}
	} else if (!same_par(w->vpar, s->fc->streams[s->vi]->codecpar) ||
	           !same_par(w->apar, s->ai >= 0 ? s->fc->streams[s->ai]->codecpar : NULL)) {
		*split = 1;
		goto out;
	}
	/* the re-hash runs on, on a descriptor of its own, while this part is
	 * cut and the clip finished (part_check waits for it) */
	if (!w->o->no_source_hash) {
		if ((p->hfd = dup(s->io.fd)) < 0) {
			rc = vidx__fail(h, VIDX_EIO, "%s", strerror(errno));
			goto out;
		}
		if ((rc = vidx__hash_start(h, &p->hs, p->hfd, s->io.size)) < 0)
			goto out;
	}
	if (first && !w->native && (rc = mux_open(w, s, fmt, p)) < 0)
		goto out;
	w->vtb = s->fc->streams[s->vi]->time_base;
	w->cur = p;
	w->cur_placed = 0;
	if (s->ai >= 0)
		w->atb = s->fc->streams[s->ai]->time_base;
	/* a native clip of MPEG-TS carries the program tables before its keyframe */
	p->cut.ts_tables = w->native && !strcmp(s->fc->iformat->name, "mpegts");
	if ((rc = vidx__cut_walk(h, s, &p->cut, &w->ch, w->native ? NULL : sink, w)) < 0)
		goto out;
	if (w->native) {
		int out = open(w->tmp, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (out < 0 || copy_range(s->io.fd, out, p->cut.byte_start, p->cut.byte_end) < 0) {
			rc = vidx__fail(h, VIDX_EIO, "cannot write the clip: %s", strerror(errno));
			if (out >= 0)
				close(out);
			goto out;
		}
		if (close(out) < 0) {
			rc = vidx__fail(h, VIDX_EIO, "cannot write the clip: %s", strerror(errno));
			goto out;
		}
	}
out:
	if (rc < 0 || *split)
		part_check(h, p); /* stops it */
	vidx__src_close(s); /* the opened one too: done with it */
	return rc;
}

static const char *native_ext(const char *path, char *b, size_t n)
{
	const char *dot = strrchr(path, '.'), *sl = strrchr(path, '/');
	size_t i;

	if (!dot || (sl && dot < sl) || !dot[1] || strlen(dot + 1) >= n)
		return "bin";
	for (i = 0; dot[1 + i]; i++) {
		char c = dot[1 + i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return "bin";
		b[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	b[i] = 0;
	return b;
}

typedef struct pull {
	vidx *h;
	const vidx_pull_opts *o;
	char *dir;          /* absolute folder */
	json_t *clips, *failed, *sums_list; /* sums_list: [hash, relpath] pairs */
	char **names;       /* clip paths taken so far */
	size_t nnames;
	size_t nfailed;
	int64_t started;    /* when the pull began (the export time) */
	char unit[320];     /* the exporting unit: tool, version, host */
} pull;

static int name_taken(pull *pl, const char *rel)
{
	size_t i;
	for (i = 0; i < pl->nnames; i++)
		if (!strcmp(pl->names[i], rel))
			return 1;
	return 0;
}

static void report(pull *pl, const vidx_clip *c)
{
	if (pl->o->on_clip)
		pl->o->on_clip(pl->o->ctx, c);
}

/* ---- the ONVIF export boxes ------------------------------------------------ */

/* the finished MP4 in W->tmp gets the export box, the true start time of
 * its tracks and, with --sign, the format's signature */
static int onvif_finish(pull *pl, clipw *w, const vidx_span *sp)
{
	int named = sp->name && *sp->name;
	char source[300];
	vidx__oeff_in in;

	snprintf(source, sizeof(source), "%s%s%s%s", named ? sp->name : sp->camera,
	         named ? " (" : "", named ? sp->camera : "", named ? ")" : "");
	memset(&in, 0, sizeof(in));
	in.by = pl->o->by;
	in.unit = pl->unit;
	in.source = source;
	in.exported = pl->started;
	in.start = sp->seek_time;
	in.sign = pl->o->sign;
	return vidx__oeff_finish(pl->h, w->tmp, &in);
}

/* what the manifest says of it */
static json_t *onvif_json(pull *pl, const clipw *w)
{
	json_t *o = json_object(), *t = json_object();

	json_object_set_new(o, "export_box", json_true());
	json_object_set_new(t, "codec", json_string("mov_text"));
	json_object_set_new(t, "cues", json_integer(w->ncues));
	json_object_set_new(t, "in_packet_hash", json_false());
	json_object_set_new(o, "timed_text", t);
	if (pl->o->sign) {
		json_t *g = json_object();
		json_object_set_new(g, "scheme", json_string("RSASSA-PSS, SHA-256, MGF1 "
		                    "SHA-256, salt 20"));
		json_object_set_new(g, "certificate_sha256",
		                    json_string(vidx__cert_fpr(pl->h->cert)));
		json_object_set_new(g, "certificate_subject",
		                    vidx__jstr(vidx__cert_subject(pl->h->cert)));
		json_object_set_new(o, "signature", g);
	} else {
		json_object_set_new(o, "signature", json_null());
	}
	return o;
}

/* Write one clip from parts P[0..N) (all one camera, in time order);
 * returns how many parts it used (>= 1), whatever happened to it. */
static size_t one_clip(pull *pl, part *p, size_t n)
{
	vidx *h = pl->h;
	const vidx_pull_opts *o = pl->o;
	const vidx_span *sp = p[0].sp;
	clipw w = {0};
	vidx_clip c = {0};
	const char *fmt = "mp4", *ext = "mp4";
	char extb[16], stamp[32], rel[PATH_MAX], final[PATH_MAX], vhex[65], ahex[65];
	char hex[65] = "";
	json_t *jc = NULL;
	size_t used = 0, k;
	int64_t dur;
	int rc = 0, split = 0;
	vidx__src probe = {.io = {.fd = -1}};

	for (k = 0; k < n; k++)
		p[k].hfd = -1; /* no re-hash running yet */
	w.h = h;
	w.o = o;
	w.ov = w.oa = w.ot = -1;
	w.ch.vdts = w.ch.adts = VIDX_TIME_NONE;
	w.native = o->format == VIDX_FMT_NATIVE;
	c.camera = sp->camera;
	c.req_start = sp->start;
	c.req_end = p[n - 1].sp->end;

	/* the container: decided by the first source's streams */
	if ((rc = part_open(h, &probe, &p[0])) == 0) {
		if (w.native && vidx__seeks_by_time(probe.fc->iformat)) {
			rc = vidx__fail(h, VIDX_EFORMAT, "a native clip is a run of the source's "
			                "bytes, which %s cannot be cut into: use --format mp4 or mkv",
			                probe.fc->iformat->name);
		} else if (w.native) {
			fmt = "native";
			ext = native_ext(p[0].path, extb, sizeof(extb));
		} else if (o->format == VIDX_FMT_MKV || !fits_mp4(&probe)) {
			if (o->format == VIDX_FMT_MP4)
				rc = vidx__fail(h, VIDX_EFORMAT, "its streams (%s%s%s) do not fit MP4; "
				                "use --format mkv",
				                avcodec_get_name(probe.fc->streams[probe.vi]->codecpar->codec_id),
				                probe.ai >= 0 ? ", " : "", probe.ai >= 0 ?
				                avcodec_get_name(probe.fc->streams[probe.ai]->codecpar->codec_id) : "");
			fmt = "matroska";
			ext = "mkv";
		}
	}
	if (rc < 0) {
		used = 1;
		goto out;
	}
	c.format = w.native ? "native" : ext;
	if (snprintf(final, sizeof(final), "%s/%s", pl->dir, sp->camera) >= (int)sizeof(final) - 80) {
		rc = vidx__fail(h, VIDX_EINVAL, "the folder's path is too long");
		used = 1;
		goto out;
	}
	if (mkdir(final, 0755) < 0 && errno != EEXIST) {
		rc = vidx__fail(h, VIDX_EIO, "cannot make '%s': %s", final, strerror(errno));
		used = 1;
		goto out;
	}
	/* written as DIR/CAMERA/.CAMERA.EXT.partial-PID-N, named when done */
	if (snprintf(final, sizeof(final), "%s/%s/%s.%s", pl->dir, sp->camera, sp->camera,
	             ext) < 0 || !(w.tmp = temp_name(final))) {
		rc = vidx__fail(h, VIDX_EIO, "cannot write in '%s': %s", pl->dir, strerror(errno));
		used = 1;
		goto out;
	}
	w.sources = json_array();
	for (used = 0; used < n; used++) {
		part *q = &p[used];
		q->cut.out_off = used ? p[used - 1].cut.out_end : 0;
		if ((rc = cut_part(&w, q, used == 0 ? &probe : NULL, fmt, &split)) < 0) {
			used++;
			goto out;
		}
		if (split)
			break; /* the next clip starts with this part */
		/* the part before has been hashing while this one was cut */
		if (used && (rc = part_check(h, &p[used - 1])) < 0)
			goto out;
		c.video_packets += q->cut.nvideo;
		c.audio_packets = w.native ? -1 : c.audio_packets + q->cut.naudio;
	}
	if (w.oc) {
		int r, r2;
		if ((rc = text_cues(&w, p[used - 1].cut.out_end, 1)) < 0)
			goto out;
		r = av_write_trailer(w.oc);
		r2 = avio_closep(&w.oc->pb);
		if (r < 0 || r2 < 0) {
			rc = vidx__fail(h, VIDX_EIO, "cannot finish the clip: %s",
			                vidx__av_last()[0] ? vidx__av_last() : av_err2str(r < 0 ? r : r2));
			goto out;
		}
		if (!strcmp(fmt, "mp4") && (rc = onvif_finish(pl, &w, sp)) < 0)
			goto out;
	}
	if ((rc = vidx__sha256_path(h, w.tmp, 1, hex, &c.size)) < 0 ||
	    vidx__phash_final(&w.ch.vh, vhex) < 0 ||
	    (w.ch.ah.md && vidx__phash_final(&w.ch.ah, ahex) < 0)) {
		if (rc == 0)
			rc = vidx__fail(h, VIDX_ERR, "SHA-256 failed");
		goto out;
	}
	/* the last source's re-hash ran while the clip was finished, hashed
	 * and synced; nothing is named before it agrees with the index */
	if ((rc = part_check(h, &p[used - 1])) < 0)
		goto out;
	for (k = 0; k < used; k++)
		json_array_append_new(w.sources, jsource(&p[k], w.native, vidx_host(h)));
	c.sha256 = hex;
	c.start = sp->seek_time;
	{
		const part *last = &p[used - 1];
		c.end = last->sp->seek_time + (last->cut.out_end - last->cut.out_off);
	}
	/* CAMERA/CAMERA_YYYYmmddTHHMMSSZ_DURATION.ext: the true time of its
	 * first frame and its length in whole seconds, rounded up; a name that
	 * is taken gets -2, -3 ...: link(2) never replaces a file */
	{
		time_t t = (time_t)(c.start / US - (c.start % US < 0));
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	}
	dur = (c.end - c.start + US - 1) / US;
	for (k = 1; ; k++) {
		if (k == 1)
			snprintf(rel, sizeof(rel), "%s/%s_%s_%llds.%s", sp->camera, sp->camera,
			         stamp, (long long)dur, ext);
		else
			snprintf(rel, sizeof(rel), "%s/%s_%s_%llds-%zu.%s", sp->camera, sp->camera,
			         stamp, (long long)dur, k, ext);
		if (snprintf(final, sizeof(final), "%s/%s", pl->dir, rel) >= (int)sizeof(final)) {
			rc = vidx__fail(h, VIDX_EINVAL, "the folder's path is too long");
			goto out;
		}
		if (name_taken(pl, rel))
			continue;
		if (link(w.tmp, final) == 0)
			break;
		if (errno != EEXIST) {
			rc = vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", final, strerror(errno));
			goto out;
		}
	}
	unlink(w.tmp);
	free(w.tmp);
	w.tmp = NULL;
	c.path = rel;
	c.nsources = used;
	jc = json_object();
	json_object_set_new(jc, "path", vidx__jstr(rel));
	json_object_set_new(jc, "format", json_string(c.format));
	json_object_set_new(jc, "size", json_integer(c.size));
	json_object_set_new(jc, "sha256", json_string(hex));
	{
		json_t *cam = json_object();
		json_object_set_new(cam, "id", vidx__jstr(sp->camera));
		json_object_set_new(cam, "name", vidx__jstr(sp->name ? sp->name : ""));
		json_object_set_new(cam, "lat", isnan(sp->lat) ? json_null() : json_real(sp->lat));
		json_object_set_new(cam, "lon", isnan(sp->lon) ? json_null() : json_real(sp->lon));
		json_object_set_new(jc, "camera", cam);
	}
	json_object_set_new(jc, "requested_start", vidx__jtime(c.req_start));
	json_object_set_new(jc, "requested_end", vidx__jtime(p[used - 1].sp->end));
	json_object_set_new(jc, "start", vidx__jtime(c.start));
	json_object_set_new(jc, "end", vidx__jtime(c.end));
	json_object_set_new(jc, "clock_correction_ms", json_real(sp->correction_us / 1000.0));
	{
		json_t *v = json_object();
		json_object_set_new(v, "codec", json_string(avcodec_get_name(w.vpar->codec_id)));
		json_object_set_new(v, "packets", json_integer(c.video_packets));
		json_object_set_new(v, "packets_sha256", json_string(vhex));
		json_object_set_new(jc, "video", v);
		if (w.apar) {
			json_t *a = json_object();
			json_object_set_new(a, "codec", json_string(avcodec_get_name(w.apar->codec_id)));
			/* native: the sound in the byte range, not counted or hashed */
			json_object_set_new(a, "packets", w.native ? json_null()
			                    : json_integer(c.audio_packets));
			json_object_set_new(a, "packets_sha256", w.native ? json_null()
			                    : json_string(ahex));
			json_object_set_new(jc, "audio", a);
		} else {
			json_object_set_new(jc, "audio", json_null());
		}
	}
	json_object_set_new(jc, "onvif", w.ot >= 0 ? onvif_json(pl, &w) : json_null());
	json_object_set_new(jc, "sources", w.sources);
	w.sources = NULL;
	json_array_append_new(pl->clips, jc);
	{
		json_t *pair = json_array();
		json_array_append_new(pair, json_string(hex));
		json_array_append_new(pair, vidx__jstr(rel));
		json_array_append_new(pl->sums_list, pair);
	}
	{
		char **nn = realloc(pl->names, (pl->nnames + 1) * sizeof(*nn));
		if (nn) {
			pl->names = nn;
			if ((nn[pl->nnames] = strdup(rel)))
				pl->nnames++;
		}
	}
	c.req_end = p[used - 1].sp->end;
	report(pl, &c);
out:
	if (rc < 0) {
		json_t *f = json_object();
		c.error = vidx_errmsg(h);
		c.path = NULL;
		json_object_set_new(f, "camera", vidx__jstr(sp->camera));
		json_object_set_new(f, "requested_start", vidx__jtime(c.req_start));
		json_object_set_new(f, "requested_end", vidx__jtime(p[used ? used - 1 : 0].sp->end));
		json_object_set_new(f, "source", vidx__jstr(part_path(&p[used ? used - 1 : 0])));
		json_object_set_new(f, "error", vidx__jstr(c.error));
		json_array_append_new(pl->failed, f);
		pl->nfailed++;
		report(pl, &c);
	}
	for (k = 0; k < n; k++)
		if (p[k].hfd >= 0) {
			vidx__hash_stop(&p[k].hs); /* a re-hash a failure left running */
			close(p[k].hfd);
			p[k].hfd = -1;
		}
	if (w.oc) {
		if (w.oc->pb)
			avio_closep(&w.oc->pb);
		avformat_free_context(w.oc);
	}
	if (w.tmp) {
		unlink(w.tmp);
		free(w.tmp);
	}
	vidx__src_close(&probe); /* when the first part did not take it */
	json_decref(w.sources);
	vidx__phash_free(&w.ch.vh);
	vidx__phash_free(&w.ch.ah);
	free(w.map);
	avcodec_parameters_free(&w.vpar);
	avcodec_parameters_free(&w.apar);
	return used ? used : 1;
}

/* ---- the manifest's signature ------------------------------------------------ */

/* who signs the manifest: their name, key fingerprint and public key (a
 * copy for reading; checking needs the key from elsewhere) */
static json_t *manifest_signer(vidx *h)
{
	const vidx_key *k = vidx__key(h);
	json_t *o;

	if (!k)
		return json_null();
	o = json_object();
	json_object_set_new(o, "operator", vidx__jstr(vidx_key_name(k)));
	json_object_set_new(o, "key_sha256", json_string(vidx_key_fingerprint(k)));
	json_object_set_new(o, "public_key", json_string(vidx__key_pem(k)));
	json_object_set_new(o, "signature", json_string("manifest.json.sig: Ed25519 "
	                    "over the bytes of manifest.json, 64 bytes"));
	return o;
}

/* DIR/manifest.json.sig: the raw Ed25519 signature of TEXT, as openssl
 * pkeyutl -verify -rawin reads it; SHEX gets its SHA-256 */
static int sign_manifest(vidx *h, const char *dir, const char *text, char shex[65])
{
	unsigned char sig[64], d[32];
	char path[PATH_MAX];
	int rc;

	if ((rc = vidx__sign(h, text, strlen(text), sig)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/manifest.json.sig", dir);
	if ((rc = write_bytes(h, path, sig, sizeof(sig))) < 0)
		return rc;
	EVP_Digest(sig, sizeof(sig), d, NULL, EVP_sha256(), NULL);
	vidx__hex(d, 32, shex);
	return 0;
}

int vidx_pull(vidx *h, const vidx_span *spans, size_t n, const vidx_pull_opts *o)
{
	pull pl = {0};
	const vidx_span **order = NULL;
	part *parts = NULL;
	json_t *man = NULL, *q = NULL, *detail = NULL;
	char *text = NULL, path[PATH_MAX], mhex[65], shex[65] = "";
	char b[VIDX_TIME_BUFSZ];
	size_t i, j;
	int rc;

	pl.h = h;
	pl.o = o;
	pl.started = vidx__now();
	{
		char host[256] = "";
		gethostname(host, sizeof(host) - 1);
		snprintf(pl.unit, sizeof(pl.unit), "vidx-pull %s%s%s", VIDX_VERSION,
		         *host ? " on " : "", host);
	}
	if ((rc = vidx__need_db(h)) < 0 || (rc = vidx__case_exists(h, o->case_id)) < 0)
		return rc;
	if (o->sign && !h->cert)
		return vidx__fail(h, VIDX_EINVAL, "--sign: no certificate to sign with");
	/* a signed case: refused before anything is cut, not at the end */
	if ((rc = vidx__custody_need_key(h, o->case_id)) < 0)
		return rc;
	if (!vidx_operator_valid(o->by))
		return vidx__fail(h, VIDX_EINVAL, "the operator's name must be one line "
		                  "of UTF-8 text without control characters");
	if (!n)
		return vidx__fail(h, VIDX_ENOENT, "no footage to pull");
	if (vidx__mkdirs(o->out_dir, 0755) < 0)
		return vidx__fail(h, VIDX_EIO, "cannot make '%s': %s", o->out_dir, strerror(errno));
	if (!(pl.dir = realpath(o->out_dir, NULL)))
		return vidx__fail(h, VIDX_EIO, "'%s': %s", o->out_dir, strerror(errno));
	{
		/* any of a pull's own files: a folder that holds one, or what
		 * is left of one, is not written into */
		static const char *const own[] = {"manifest.json", "SHA256SUMS",
		                                  "manifest.json.sig"};
		for (i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", pl.dir, own[i]);
			if (access(path, F_OK) == 0) {
				rc = vidx__fail(h, VIDX_EEXIST, "'%s' already holds a pull (%s): "
				                "use a new folder", o->out_dir, own[i]);
				goto out;
			}
		}
	}
	if (o->query_json && !(q = json_loads(o->query_json, 0, NULL))) {
		rc = vidx__fail(h, VIDX_EINVAL, "the query is not JSON");
		goto out;
	}
	/* per camera in time order; one plan part per span */
	if (!(order = malloc(n * sizeof(*order))) || !(parts = calloc(n, sizeof(*parts)))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		order[i] = &spans[i];
	qsort(order, n, sizeof(*order), by_camera_time);
	for (i = 0; i < n; i++) {
		parts[i].sp = order[i];
		if ((rc = rec_info(h, &parts[i])) < 0)
			goto out;
		parts[i].cut.seek_pts = order[i]->seek_pts;
		parts[i].cut.seek_pos = order[i]->seek_pos;
		parts[i].cut.frame_dur = parts[i].frame_dur;
		/* the stream time of the span's end */
		parts[i].cut.end_pts = order[i]->seek_pts +
		                       (order[i]->camera_end - order[i]->seek_camera);
	}
	pl.clips = json_array();
	pl.failed = json_array();
	pl.sums_list = json_array();
	for (i = 0; i < n; i = j) {
		size_t used;
		/* consecutive spans of one camera with no gap between them */
		for (j = i + 1; j < n && o->format != VIDX_FMT_NATIVE &&
		     !strcmp(order[j]->camera, order[i]->camera) &&
		     llabs(order[j]->start - order[j - 1]->end) <= JOIN_US; j++)
			;
		used = one_clip(&pl, &parts[i], j - i);
		if (i + used < j)
			j = i + used; /* a change of streams: the rest is another clip */
	}
	if (!json_array_size(pl.clips)) {
		/* leave no empty folders behind (rmdir only removes empty ones) */
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/%s", pl.dir, order[i]->camera);
			rmdir(path);
		}
		rmdir(pl.dir);
		rc = vidx__fail(h, VIDX_EFORMAT, "no clip could be cut");
		goto out;
	}

	/* the manifest, then the sums over clips and manifest */
	man = json_object();
	json_object_set_new(man, "vidx_manifest", json_integer(1));
	json_object_set_new(man, "case", vidx__jstr(o->case_id));
	json_object_set_new(man, "operator", vidx__jstr(o->by));
	json_object_set_new(man, "tool", json_string("vidx-pull " VIDX_VERSION));
	json_object_set_new(man, "libavformat", json_string(LIBAVFORMAT_IDENT));
	json_object_set_new(man, "pulled_at", json_string(vidx_time_format(vidx__now(), b)));
	json_object_set_new(man, "index", vidx__jstr(sqlite3_db_filename(h->db, "main")));
	json_object_set_new(man, "query", q ? q : json_null());
	q = NULL;
	json_object_set_new(man, "packets_sha256", json_string(
		"SHA-256 over the stream's packets in decode order; each packet as its "
		"units (H.264/HEVC NAL units without start codes or trailing zero bytes, "
		"AAC without ADTS header, else the whole packet), each unit after its "
		"32-bit big-endian length, and 4 zero bytes after each packet. "
		"H.264/HEVC: bytes before a packet's first start code are no unit; "
		"access unit delimiters and filler data are left out; parameter sets "
		"(H.264 SPS, PPS, SPS extension, subset SPS; HEVC VPS, SPS, PPS) are left "
		"out of the packets, and every distinct one in the stream's header "
		"(avcC, hvcC or Annex B) or in its packets is hashed once: the SHA-256 "
		"of their sorted SHA-256s; the result is the SHA-256 of the packets' "
		"digest followed by that parameter-set digest"));
	json_object_set_new(man, "packets_sha256_version", json_integer(VIDX_PHASH_VERSION));
	json_object_set_new(man, "signed_by", manifest_signer(h));
	{
		/* the head of the case's log this pull follows: an anchor the
		 * folder keeps (its pull event comes after it, holding this
		 * manifest's hash) */
		int64_t hseq;
		char hh[65];
		json_t *head = json_object();
		if ((rc = vidx__custody_head(h, o->case_id, &hseq, hh)) < 0) {
			json_decref(head);
			goto out;
		}
		json_object_set_new(head, "seq", json_integer(hseq));
		json_object_set_new(head, "hash", json_string(hh));
		json_object_set_new(man, "custody_head", head);
	}
	json_object_set_new(man, "clips", json_incref(pl.clips));
	json_object_set_new(man, "failed", json_incref(pl.failed));
	if (!(text = vidx__json_file_text(man, 0))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	/* the signature first: a manifest that names its signer never stands
	 * without its signature; when the manifest cannot be written, the
	 * signature this run just made goes again */
	if (vidx__key(h) && (rc = sign_manifest(h, pl.dir, text, shex)) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/manifest.json", pl.dir);
	if ((rc = write_file(h, path, text)) < 0) {
		if (shex[0]) {
			snprintf(path, sizeof(path), "%s/manifest.json.sig", pl.dir);
			unlink(path);
		}
		goto out;
	}
	{
		unsigned char d[32];
		EVP_Digest(text, strlen(text), d, NULL, EVP_sha256(), NULL);
		for (i = 0; i < 32; i++)
			snprintf(mhex + 2 * i, 3, "%02x", d[i]);
	}
	free(text);
	text = NULL;
	{
		size_t cap = 256, len = 0, k;
		char *sums = malloc(cap);
		size_t nsums = json_array_size(pl.sums_list) + (shex[0] ? 2 : 1);
		for (k = 0; sums && k < nsums; k++) {
			const char *hx = mhex, *rel = "manifest.json";
			size_t need;
			char *ns;
			if (shex[0] && k == nsums - 1) {
				hx = shex;
				rel = "manifest.json.sig";
			} else if (k < json_array_size(pl.sums_list)) {
				json_t *pair = json_array_get(pl.sums_list, k);
				hx = json_string_value(json_array_get(pair, 0));
				rel = json_string_value(json_array_get(pair, 1));
			}
			need = len + strlen(hx) + strlen(rel) + 4;
			if (need > cap) {
				cap = need * 2;
				if (!(ns = realloc(sums, cap))) {
					free(sums);
					sums = NULL;
					break;
				}
				sums = ns;
			}
			len += (size_t)sprintf(sums + len, "%s  %s\n", hx, rel);
		}
		if (!sums) {
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			goto out;
		}
		snprintf(path, sizeof(path), "%s/SHA256SUMS", pl.dir);
		rc = write_file(h, path, sums);
		free(sums);
		if (rc < 0)
			goto out;
	}
	sync_path(pl.dir);

	/* the custody log records what left the index, and where */
	detail = json_object();
	json_object_set_new(detail, "folder", vidx__jstr(pl.dir));
	json_object_set_new(detail, "manifest_sha256", json_string(mhex));
	{
		json_t *cl = json_array();
		for (i = 0; i < json_array_size(pl.clips); i++) {
			json_t *c = json_array_get(pl.clips, i), *e = json_object(), *srcs = json_array();
			json_t *s;
			size_t k;
			json_object_set(e, "path", json_object_get(c, "path"));
			json_object_set(e, "sha256", json_object_get(c, "sha256"));
			json_object_set(e, "camera", json_object_get(json_object_get(c, "camera"), "id"));
			json_object_set(e, "start", json_object_get(c, "start"));
			json_object_set(e, "end", json_object_get(c, "end"));
			/* sources by SHA-256: the same recordings in any index the
			 * case is merged into */
			json_array_foreach(json_object_get(c, "sources"), k, s) {
				json_t *x = json_object();
				json_object_set(x, "sha256", json_object_get(s, "sha256"));
				json_array_append_new(srcs, x);
			}
			json_object_set_new(e, "sources", srcs);
			json_array_append_new(cl, e);
		}
		json_object_set_new(detail, "clips", cl);
	}
	json_object_set_new(detail, "failed", json_integer((json_int_t)pl.nfailed));
	if (!(text = json_dumps(detail, JSON_COMPACT | JSON_ENSURE_ASCII))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = vidx_custody_add(h, o->case_id, o->by, "pull", text, NULL)) < 0)
		goto out;
	rc = (int)pl.nfailed;
out:
	for (i = 0; i < pl.nnames; i++)
		free(pl.names[i]);
	free(pl.names);
	free(text);
	json_decref(man);
	json_decref(q);
	json_decref(detail);
	json_decref(pl.clips);
	json_decref(pl.failed);
	json_decref(pl.sums_list);
	free(order);
	free(parts);
	free(pl.dir);
	return rc;
}
