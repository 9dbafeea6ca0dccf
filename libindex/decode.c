/*
 * decode.c - decoded frames of a cut: from the seek keyframe the index
 * names (never from the start of the file), by the same rule that takes a
 * clip's packets (clip.c), so a still and a clip start at the same packet.
 * Also the decode-order number of a packet and the hash of a decoded frame
 * that ffmpeg's framehash muxer prints.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>

#include "media.h"

static const AVRational us_tb = {1, 1000000};

static int64_t us_of(int64_t ts, AVRational tb)
{
	if (ts == AV_NOPTS_VALUE)
		return VIDX_TIME_NONE;
	return av_rescale_q_rnd(ts, tb, us_tb, AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX);
}

typedef struct dstate {
	vidx *h;
	vidx__decode *d;
	AVCodecContext *cc;
	AVFrame *fr;
	AVRational tb;
	int64_t key_pts;  /* the keyframe's stream time (us) */
	/* a stream whose packets have no pts (raw H.264/HEVC, H.264 in AVI):
	 * its frames are timed in the order the decoder shows them */
	int untimed;
	int64_t key_tb;   /* the pts the keyframe's packet was given */
	int64_t fdur;     /* the nominal frame time (us) */
	int64_t nout, k0; /* frames shown so far; the keyframe's place, or -1 */
	vidx__cut *c;
	int hevc, lead_open; /* raw HEVC: still reading the keyframe's leading
	                        pictures (they follow it at once) */
	int64_t nlead;    /* how many */
} dstate;

/* HEVC in Annex B: the NAL unit type of the first slice in P (N bytes),
 * or -1 */
static int hevc_vcl_type(const uint8_t *p, int n)
{
	int i;
	for (i = 0; i + 3 < n; i++)
		if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1) {
			int t = (p[i + 3] >> 1) & 0x3f;
			if (t < 32)
				return t;
			i += 2;
		}
	return -1;
}

/* hand every frame the decoder has ready to on_frame */
static int receive(dstate *ds)
{
	int r;

	while ((r = avcodec_receive_frame(ds->cc, ds->fr)) >= 0) {
		int64_t t = us_of(ds->fr->best_effort_timestamp, ds->tb);
		if (ds->untimed) {
			/* Its packets were given times in decode order (sink); the
			 * frames come out in presentation order, each a frame time
			 * after the one before, the keyframe's (the frame that
			 * carries its packet's time) at the keyframe's time.  None
			 * is shown before it: the leading frames of an open GOP
			 * that a decoder shows anyway are not timed. */
			if (ds->k0 < 0 && (ds->fr->pts == ds->key_tb || ds->fr->pts == AV_NOPTS_VALUE))
				ds->k0 = ds->nout;
			/* HEVC's leading pictures (RADL, RASL) follow the keyframe
			 * in decode order, which the index times it by, but are
			 * shown before it: it is shown as many frames later (the
			 * decoder skips the RASL ones, which refer to the GOP
			 * before, and shows the RADL ones first: those are not
			 * timed) */
			t = ds->k0 < 0 ? VIDX_TIME_NONE
			               : ds->key_pts + (ds->nlead + ds->nout - ds->k0) * ds->fdur;
			ds->nout++;
		}
		/* the packet it came from: the time that packet carried */
		ds->d->frame_pk = ds->d->keep ? vidx__decode_find(ds->d, ds->fr->pts != AV_NOPTS_VALUE
		                                                  ? us_of(ds->fr->pts, ds->tb) : t)
		                              : -1;
		if ((ds->fr->flags & AV_FRAME_FLAG_CORRUPT) || ds->fr->decode_error_flags)
			ds->d->corrupt_frames++;
		r = ds->d->on_frame(ds->d->ctx, ds->fr, t);
		av_frame_unref(ds->fr);
		if (r < 0)
			return r;
		if (r > 0) {
			ds->d->stopped = 1;
			return -1; /* stops the walk; not an error */
		}
	}
	return r == AVERROR(EAGAIN) || r == AVERROR_EOF ? 0
	     : vidx__fail(ds->h, VIDX_EFORMAT, "cannot decode: %s", av_err2str(r));
}

static int sink(void *ctx, int video, AVPacket *pkt, int64_t pts, int64_t dts)
{
	dstate *ds = ctx;
	vidx__decode *d = ds->d;
	int r;

	if (!video)
		return 0;
	if (!d->npk && !d->packets) {
		ds->key_pts = pts;
		ds->untimed = pkt->pts == AV_NOPTS_VALUE;
		/* The walk stops by decode times, which are all it has of such
		 * a stream; a frame shown at the end may come in a packet up
		 * to the decoder's reorder depth later (16 frames at most in
		 * H.264 and HEVC) */
		if (ds->untimed && d->reorder_tail > 0)
			ds->c->end_pts += d->reorder_tail * ds->fdur;
		ds->hevc = ds->lead_open = ds->untimed && ds->cc->codec_id == AV_CODEC_ID_HEVC;
	} else if (ds->lead_open) {
		int t = hevc_vcl_type(pkt->data, pkt->size);
		if (t >= 6 && t <= 9) /* RADL_N, RADL_R, RASL_N, RASL_R */
			ds->nlead++;
		else
			ds->lead_open = 0;
	}
	/* a stream without timestamps runs at its nominal rate from the
	 * keyframe (clip.c gives those times, in decode order) */
	if (pkt->pts == AV_NOPTS_VALUE)
		pkt->pts = av_rescale_q(pts, us_tb, ds->tb);
	if (!d->npk && !d->packets)
		ds->key_tb = pkt->pts;
	if (pkt->dts == AV_NOPTS_VALUE && pkt->pts == AV_NOPTS_VALUE)
		pkt->dts = av_rescale_q(dts, us_tb, ds->tb);
	if (d->keep) {
		if (d->npk == d->cap) {
			size_t c = d->cap ? d->cap * 2 : 64;
			vidx__dpkt *n = realloc(d->pk, c * sizeof(*n));
			if (!n)
				return vidx__fail(ds->h, VIDX_ENOMEM, "out of memory");
			d->pk = n;
			d->cap = c;
		}
		d->pk[d->npk].pts = us_of(pkt->pts, ds->tb);
		d->pk[d->npk].pos = pkt->pos;
		d->pk[d->npk].err = 0;
		d->npk++;
	}
	/* The leading frames of an open GOP (x264 open-gop B-frames, HEVC
	 * RASL) follow the keyframe but are shown before it, and refer to
	 * frames before it, which are not fed: they cannot be decoded, and
	 * the decoder would say so ("mmco: unref short failure") of frames
	 * never shown from here.  No frame after them refers to them, so
	 * they are left out, as a player that starts at the keyframe does. */
	if (pts != VIDX_TIME_NONE && pts < ds->key_pts)
		return 0;
	d->packets++;
	for (;;) {
		r = avcodec_send_packet(ds->cc, pkt);
		if (r != AVERROR(EAGAIN))
			break;
		if ((r = receive(ds)) < 0)
			return r;
	}
	if (r < 0) {
		/* damaged data: the frames that depend on it are suspect */
		d->send_errors++;
		if (d->keep)
			d->pk[d->npk - 1].err = 1;
	}
	return receive(ds);
}

int vidx__decode_cut(vidx *h, vidx__src *s, vidx__cut *c, vidx__decode *d)
{
	AVStream *st = s->fc->streams[s->vi];
	const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
	vidx__chain ch;
	dstate ds = {h, d, NULL, NULL, st->time_base, 0, 0, AV_NOPTS_VALUE, c->frame_dur, 0, -1, c, 0, 0, 0};
	int rc = 0;

	d->npk = 0;
	d->packets = 0;
	d->send_errors = d->stopped = 0;
	memset(&ch, 0, sizeof(ch));
	ch.vdts = ch.adts = VIDX_TIME_NONE;
	if (!codec)
		return vidx__fail(h, VIDX_EFORMAT, "no decoder for %s video",
		                  avcodec_get_name(st->codecpar->codec_id));
	/* the picture only: sound is neither read nor decoded */
	if (s->ai >= 0) {
		s->fc->streams[s->ai]->discard = AVDISCARD_ALL;
		s->ai = -1;
	}
	if (!(ds.cc = avcodec_alloc_context3(codec)) || !(ds.fr = av_frame_alloc())) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if (avcodec_parameters_to_context(ds.cc, st->codecpar) < 0) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	ds.cc->pkt_timebase = st->time_base;
	memset(&d->log, 0, sizeof(d->log));
	d->log.magic = VIDX__AVLOG_MAGIC;
	ds.cc->opaque = &d->log;
	ds.cc->thread_count = d->threads;
	ds.cc->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
	if ((rc = avcodec_open2(ds.cc, codec, NULL)) < 0) {
		rc = vidx__fail(h, VIDX_EFORMAT, "cannot open the %s decoder: %s",
		                codec->name, av_err2str(rc));
		goto out;
	}
	/* the walk's own clock: stream times as they are (shift 0) */
	c->out_off = c->seek_pts;
	vidx__av_errors(1);
	rc = vidx__cut_walk(h, s, c, &ch, sink, &ds);
	if (rc < 0 && d->stopped)
		rc = 0;
	else if (rc == 0) {
		/* the frames still held for reordering and threads */
		avcodec_send_packet(ds.cc, NULL);
		rc = receive(&ds);
		if (rc < 0 && d->stopped)
			rc = 0;
	}
	/* what the decoder said of the data: a damaged packet, a reference
	 * that is missing, concealment */
	d->av_errors = vidx__av_errors(1) + __atomic_load_n(&d->log.errors, __ATOMIC_ACQUIRE);
out:
	av_frame_free(&ds.fr);
	avcodec_free_context(&ds.cc);
	return rc;
}

void vidx__decode_free(vidx__decode *d)
{
	free(d->pk);
	d->pk = NULL;
	d->npk = d->cap = 0;
}

long vidx__decode_find(const vidx__decode *d, int64_t pts)
{
	size_t i;
	for (i = 0; i < d->npk; i++)
		if (d->pk[i].pts == pts)
			return (long)i;
	return -1;
}

int64_t vidx__packet_number(vidx *h, vidx__src *s, const char *path,
                            int64_t pos, int64_t pts)
{
	AVStream *st = s->fc->streams[s->vi];
	int n = avformat_index_get_entries_count(st), i, r;
	vidx__src t;
	AVPacket *pkt = NULL;
	int64_t k = 0, rc;

	/* MP4 sample tables and AVI indexes list every packet in decode order */
	if (pos >= 0 && st->nb_frames > 0 && n == st->nb_frames) {
		for (i = 0; i < n; i++)
			if (avformat_index_get_entry(st, i)->pos == pos)
				return i;
	}
	/* else count them, reading but not decoding */
	if ((rc = vidx__src_open(h, &t, path)) < 0)
		return rc;
	if (!(pkt = av_packet_alloc())) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < (int)t.fc->nb_streams; i++)
		if (i != t.vi)
			t.fc->streams[i]->discard = AVDISCARD_ALL;
	rc = -1;
	while ((r = av_read_frame(t.fc, pkt)) >= 0) {
		if (pkt->stream_index == t.vi) {
			int64_t p = us_of(pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts,
			                  t.fc->streams[t.vi]->time_base);
			if (pos >= 0 ? pkt->pos == pos
			             : (pkt->flags & AV_PKT_FLAG_KEY) && p != VIDX_TIME_NONE &&
			               llabs(p - pts) <= 1000) {
				rc = k;
				av_packet_unref(pkt);
				break;
			}
			k++;
		}
		av_packet_unref(pkt);
	}
	if (rc < 0)
		rc = vidx__fail(h, VIDX_EFORMAT, "the keyframe is not among the packets "
		                "(source changed?)");
out:
	av_packet_free(&pkt);
	vidx__src_close(&t);
	return rc;
}

int vidx__frame_hash(const AVFrame *f, char hex[65])
{
	int size = av_image_get_buffer_size(f->format, f->width, f->height, 1), i;
	unsigned char d[32];
	uint8_t *buf;
	int ok;

	if (size < 0 || !(buf = av_malloc((size_t)size)))
		return -1;
	/* what the rawvideo encoder puts in a packet for the framehash muxer */
	if (av_image_copy_to_buffer(buf, size, (const uint8_t *const *)f->data,
	                            f->linesize, f->format, f->width, f->height, 1) < 0) {
		av_free(buf);
		return -1;
	}
	ok = EVP_Digest(buf, (size_t)size, d, NULL, EVP_sha256(), NULL);
	av_free(buf);
	if (!ok)
		return -1;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
}

/* size and nominal frame time of recording ID */
int vidx__rec_info(vidx *h, int64_t id, int64_t *size, int64_t *fdur)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(h->db, "SELECT size, fps FROM recordings WHERE id = ?1",
	                       -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "reading recordings");
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		double fps = sqlite3_column_double(st, 1);
		*size = sqlite3_column_int64(st, 0);
		*fdur = fps > 0 ? (int64_t)llround(1e6 / fps) : 40000;
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = vidx__fail(h, VIDX_ENOENT, "recording %lld is not in the index", (long long)id);
	} else {
		rc = vidx__sql_fail(h, "reading recordings");
	}
	sqlite3_finalize(st);
	return rc;
}
