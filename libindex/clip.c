/*
 * clip.c - a stretch of one source's packets, taken by one rule that both
 * vidx-pull (writing a clip) and vidx-verify (re-reading the source) use,
 * and the container-independent hash of packets.
 *
 * The rule: seek to the keyframe the index names (by byte offset for
 * streams without an index, by time otherwise), check that it is that
 * keyframe, then take every video packet in decode order until the first
 * one whose decode time reaches the end after a frame at or after the end
 * was taken (or a gap or a clock step back, or the end of the file).  Every
 * frame before the end is then decodable, and the last frame is at or after
 * it.  Audio packets from the keyframe's time on come along.  The packet
 * hash is in phash.c.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "media.h"

#define US 1000000LL
#define IOBUF (64 * 1024)

/* ---- sources ---------------------------------------------------------------- */

static int complete_header(const AVFormatContext *fc)
{
	unsigned i;
	int video = 0;

	/* MP4/MOV only: its sample tables give every decode time; Matroska
	 * leaves some out and the reorder delay must be measured */
	if ((fc->ctx_flags & AVFMTCTX_NOHEADER) || strncmp(fc->iformat->name, "mov", 3))
		return 0;
	for (i = 0; i < fc->nb_streams; i++) {
		const AVCodecParameters *p = fc->streams[i]->codecpar;
		if (p->codec_type == AVMEDIA_TYPE_VIDEO) {
			if (p->codec_id == AV_CODEC_ID_NONE || p->width <= 0 || p->height <= 0 ||
			    ((p->codec_id == AV_CODEC_ID_H264 || p->codec_id == AV_CODEC_ID_HEVC) &&
			     p->extradata_size <= 0))
				return 0;
			video = 1;
		} else if (p->codec_type == AVMEDIA_TYPE_AUDIO &&
		           (p->codec_id == AV_CODEC_ID_NONE || p->sample_rate <= 0 ||
		            p->ch_layout.nb_channels <= 0)) {
			return 0;
		}
	}
	return video;
}

int vidx__src_open(vidx *h, vidx__src *s, const char *path)
{
	struct stat sb;
	unsigned char *buf = NULL;
	AVStream *v;
	int r;

	memset(s, 0, sizeof(*s));
	s->io.fd = -1;
	s->vi = s->ai = -1;
	vidx__av_setup();
	if ((s->io.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return vidx__fail(h, VIDX_EIO, "%s", strerror(errno));
	if (fstat(s->io.fd, &sb) < 0)
		return vidx__fail(h, VIDX_EIO, "%s", strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return vidx__fail(h, VIDX_EFORMAT, "not a regular file");
	if (sb.st_size == 0)
		return vidx__fail(h, VIDX_EFORMAT, "empty file");
	fcntl(s->io.fd, F_SETFL, fcntl(s->io.fd, F_GETFL) & ~O_NONBLOCK);
	s->io.size = sb.st_size;
	if (!(buf = av_malloc(IOBUF)) ||
	    !(s->pb = avio_alloc_context(buf, IOBUF, 0, &s->io, vidx__io_read, NULL,
	                                 vidx__io_seek)) ||
	    !(s->fc = avformat_alloc_context())) {
		if (!s->pb)
			av_free(buf);
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	}
	s->fc->pb = s->pb;
	s->fc->flags |= AVFMT_FLAG_CUSTOM_IO;
	s->fc->correct_ts_overflow = 0; /* as probe.c reads it */
	if ((r = avformat_open_input(&s->fc, path, NULL, NULL)) < 0)
		return vidx__fail(h, VIDX_EFORMAT, "not a recognised recording: %s",
		                  vidx__av_last()[0] ? vidx__av_last() : av_err2str(r));
	/* MP4's header already gives what a stream copy needs; reading on to
	 * decode frames would only cost time.  The others need packets looked
	 * at. */
	if (!complete_header(s->fc) &&
	    avformat_find_stream_info(s->fc, NULL) < 0 && !s->fc->nb_streams)
		return vidx__fail(h, VIDX_EFORMAT, "no streams found");
	if (!(v = vidx__first_video(s->fc)))
		return vidx__fail(h, VIDX_EFORMAT, "no video stream");
	s->vi = v->index;
	s->ai = av_find_best_stream(s->fc, AVMEDIA_TYPE_AUDIO, -1, s->vi, NULL, 0);
	if (s->ai < 0)
		s->ai = -1;
	for (r = 0; r < (int)s->fc->nb_streams; r++)
		if (r != s->vi && r != s->ai)
			s->fc->streams[r]->discard = AVDISCARD_ALL;
	return 0;
}

void vidx__src_close(vidx__src *s)
{
	avformat_close_input(&s->fc);
	if (s->pb) {
		av_freep(&s->pb->buffer);
		avio_context_free(&s->pb);
	}
	if (s->io.fd >= 0)
		close(s->io.fd);
	s->io.fd = -1;
}

/* ---- the walk ------------------------------------------------------------------ */

/* Times beyond 2^60 us (36,000 years) are no times: a damaged or hostile
 * file's, or a manifest's; keeping them out keeps the sums below exact. */
#define TIME_MAX ((int64_t)1 << 60)
static int sane(int64_t us)
{
	return us > -TIME_MAX && us < TIME_MAX;
}

static int64_t us_of(int64_t ts, AVRational tb)
{
	int64_t us;
	if (ts == AV_NOPTS_VALUE)
		return VIDX_TIME_NONE;
	us = av_rescale_q_rnd(ts, tb, (AVRational){1, 1000000},
	                      AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX);
	return sane(us) ? us : VIDX_TIME_NONE;
}

/* Formats read by time through their own index; the rest (MPEG-TS, DHAV,
 * raw streams) are entered at the keyframe's byte offset, which is exact. */
int vidx__seeks_by_time(const struct AVInputFormat *f)
{
	static const char *const names[] = {"mov", "matroska", "avi", "flv", "asf",
	                                    NULL};
	int i;
	for (i = 0; names[i]; i++)
		if (!strncmp(f->name, names[i], strlen(names[i])))
			return 1;
	return 0;
}

/* A native clip of MPEG-TS that starts at its keyframe's first TS packet
 * has no program tables (PAT, PMT) until the recorder repeats them, and a
 * short one none at all: no player can read it.  Recorders put them just
 * before a keyframe, for anyone who starts there.  So the byte run starts
 * at the last PAT before the keyframe, as long as no picture of the video
 * stream starts between the two (its packets would come first); else at
 * the keyframe.  188-byte packets, or 192 (M2TS, a 4-byte time before
 * each, which POS points at). */
#define TS_BACK (16 * 1024) /* packets looked back at most: a few MB */
static int64_t ts_tables_before(int fd, int64_t pos)
{
	uint8_t b[192 * 64];
	int64_t q = pos;
	int ps, off, vpid, k;

	if (pos < 0 || pread(fd, b, 8, pos) != 8)
		return pos;
	if (b[0] == 0x47)
		ps = 188, off = 0;
	else if (b[4] == 0x47)
		ps = 192, off = 4;
	else
		return pos;
	vpid = (b[off + 1] & 0x1f) << 8 | b[off + 2];
	for (k = 0; k < TS_BACK && q >= ps;) {
		int64_t from = FFMAX(q - 64 * ps, q % ps);
		int n = (int)((q - from) / ps), i;
		if (n <= 0 || pread(fd, b, (size_t)n * (size_t)ps, from) != (ssize_t)n * ps)
			return pos;
		for (i = n - 1; i >= 0 && k < TS_BACK; i--, k++) {
			const uint8_t *t = b + i * ps + off;
			int pid = (t[1] & 0x1f) << 8 | t[2], pusi = t[1] & 0x40;
			if (t[0] != 0x47)
				return pos;
			if (pusi && pid == 0)
				return from + (int64_t)i * ps;
			if (pusi && pid == vpid)
				return pos;
		}
		q = from;
	}
	return pos;
}

/* The leading frames of an open GOP (HEVC RASL, x264 open-gop B-frames)
 * follow their keyframe in decode order but are shown before it; they
 * decode only with the frames of the file before.  When a part is joined
 * to the part before it, they are its first pictures: they must sit just
 * after the previous part's last frame, not under it.  So the packets
 * after the keyframe are read ahead until the first one shown at or after
 * it, and the earliest time among them (at most GAP before the keyframe)
 * gives how far before the keyframe the part begins. */
#define LEAD_MAX 256
typedef struct lookahead {
	AVPacket *p[LEAD_MAX];
	int n, i, err; /* err: what the read after the queue returned */
} lookahead;

/* the J-th packet after the one just taken, read into Q as needed; NULL
 * at the end of the file, a read error (Q->err), LEAD_MAX packets ahead,
 * or out of memory (*OOM) */
static AVPacket *peek(vidx__src *s, lookahead *q, int j, int *oom)
{
	AVPacket *p;
	int r;

	while (q->i + j >= q->n) {
		if (q->err || q->n == LEAD_MAX)
			return NULL;
		if (!(p = av_packet_alloc())) {
			*oom = 1;
			return NULL;
		}
		if ((r = av_read_frame(s->fc, p)) < 0) {
			av_packet_free(&p);
			q->err = r;
			return NULL;
		}
		q->p[q->n++] = p;
	}
	return q->p[q->i + j];
}

static int look_ahead(vidx__src *s, lookahead *q, int64_t kpts, int64_t gap,
                      int64_t *lead)
{
	AVRational tb = s->fc->streams[s->vi]->time_base;
	int64_t min = kpts;
	AVPacket *p;
	int j, oom = 0;

	for (j = 0; (p = peek(s, q, j, &oom)); j++) {
		int64_t t;
		if (p->stream_index != s->vi)
			continue;
		t = us_of(p->pts, tb);
		if (t == VIDX_TIME_NONE || t >= kpts || kpts - t > gap)
			break;
		if (t < min)
			min = t;
	}
	*lead = kpts - min;
	return oom ? -1 : 0;
}

/* Matroska gives no decode time to the first packets after a seek;
 * libavformat makes them up from a few packets on.  The keyframe's is
 * then the first one given, a frame time back per packet before it, so
 * that the ones made up here run into libavformat's without a clash (an
 * open GOP's leading frames make its guess from the reorder delay too
 * late).  VIDX_TIME_NONE when none comes within LEAD_MAX packets. */
static int64_t dts_ahead(vidx__src *s, lookahead *q, int64_t fdur, int *oom)
{
	AVStream *vs = s->fc->streams[s->vi];
	AVPacket *p;
	int j, k = 1;

	for (j = 0; (p = peek(s, q, j, oom)); j++) {
		if (p->stream_index != s->vi)
			continue;
		if (p->dts != AV_NOPTS_VALUE) {
			int64_t d = us_of(p->dts, vs->time_base);
			return d == VIDX_TIME_NONE ? d : d - k * fdur;
		}
		k++;
	}
	return VIDX_TIME_NONE;
}

static int next_packet(AVFormatContext *fc, lookahead *q, AVPacket *pkt)
{
	if (q->i < q->n) {
		av_packet_move_ref(pkt, q->p[q->i]);
		av_packet_free(&q->p[q->i++]);
		return 0;
	}
	return q->err ? q->err : av_read_frame(fc, pkt);
}

int vidx__cut_walk(vidx *h, vidx__src *s, vidx__cut *c, vidx__chain *ch,
                   int (*sink)(void *ctx, int video, AVPacket *pkt,
                               int64_t pts, int64_t dts),
                   void *ctx)
{
	AVFormatContext *fc = s->fc;
	AVStream *vs = fc->streams[s->vi];
	AVStream *as = s->ai >= 0 ? fc->streams[s->ai] : NULL;
	AVPacket *pkt = av_packet_alloc();
	int64_t gap;
	int64_t nv = 0, max_pts = VIDX_TIME_NONE, last_t = VIDX_TIME_NONE;
	int64_t shift = 0, last_vdts = VIDX_TIME_NONE, last_adts = VIDX_TIME_NONE;
	int started = 0, rc = 0, r;
	lookahead q;

	if (!pkt)
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	/* what pull planned, or what a manifest says (which may be edited) */
	if ((c->seek_pts != VIDX_TIME_NONE && !sane(c->seek_pts)) || !sane(c->end_pts) ||
	    !sane(c->out_off) || c->frame_dur <= 0 || c->frame_dur > 3600 * US ||
	    c->seek_pos >= TIME_MAX) {
		av_packet_free(&pkt);
		return vidx__fail(h, VIDX_EINVAL, "the cut's times are out of range");
	}
	gap = FFMAX(US, 4 * c->frame_dur);
	c->nvideo = c->naudio = 0;
	c->first_pts = c->last_pts = VIDX_TIME_NONE;
	c->byte_start = c->byte_end = -1;
	memset(&q, 0, sizeof(q));
	c->by_bytes = c->seek_pos >= 0 && !vidx__seeks_by_time(fc->iformat);
	if (c->by_bytes) {
		/* straight to the byte: some demuxers (DHAV) refuse byte seeks */
		int64_t at = avio_seek(fc->pb, c->seek_pos, SEEK_SET);
		r = at < 0 ? (int)at : avformat_flush(fc);
	}
	else if (c->seek_pts != VIDX_TIME_NONE)
		r = av_seek_frame(fc, s->vi, av_rescale_q(c->seek_pts,
		                  (AVRational){1, 1000000}, vs->time_base),
		                  AVSEEK_FLAG_BACKWARD);
	else
		r = 0;
	if (r < 0) {
		rc = vidx__fail(h, VIDX_EFORMAT, "cannot seek to the keyframe: %s",
		                av_err2str(r));
		goto out;
	}
	while ((r = next_packet(fc, &q, pkt)) >= 0) {
		int video = pkt->stream_index == s->vi;
		int64_t t, dts, pts;

		if (!video && (pkt->stream_index != s->ai || !started)) {
			av_packet_unref(pkt);
			continue;
		}
		if (video) {
			pts = us_of(pkt->pts, vs->time_base);
			dts = us_of(pkt->dts, vs->time_base);
			if (!started) {
				/* the keyframe the index names, found by position or time:
				 * the time probe.c gave it, its pts, else its dts (AVI
				 * gives H.264 decode times only) */
				int64_t kt = pts != VIDX_TIME_NONE ? pts : dts;
				int here = (pkt->flags & AV_PKT_FLAG_KEY) &&
				           (c->by_bytes ? pkt->pos == c->seek_pos
				                        : kt != VIDX_TIME_NONE &&
				                          llabs(kt - c->seek_pts) <= 1000);
				if (!here) {
					if ((c->by_bytes && pkt->pos > c->seek_pos) ||
					    (!c->by_bytes && kt != VIDX_TIME_NONE &&
					     c->seek_pts != VIDX_TIME_NONE && kt > c->seek_pts + gap)) {
						rc = vidx__fail(h, VIDX_EFORMAT, "the keyframe the index "
						                "names is not there (source changed?)");
						goto out;
					}
					av_packet_unref(pkt);
					continue;
				}
				started = 1;
				c->byte_start = pkt->pos;
				if (c->ts_tables && c->by_bytes && !strcmp(fc->iformat->name, "mpegts"))
					c->byte_start = ts_tables_before(s->io.fd, pkt->pos);
			}
			/* a stream without timestamps runs at its nominal rate from the
			 * keyframe the index placed there */
			if (pts == VIDX_TIME_NONE && dts == VIDX_TIME_NONE) {
				pts = dts = (c->seek_pts != VIDX_TIME_NONE ? c->seek_pts : 0) +
				            nv * c->frame_dur;
				/* each frame lasts the index's frame time, not what
				 * the demuxer guessed from its default rate */
				pkt->duration = av_rescale_q(c->frame_dur, (AVRational){1, 1000000},
				                             vs->time_base);
			}
			else if (pts == VIDX_TIME_NONE)
				pts = dts;
			else if (dts == VIDX_TIME_NONE && nv)
				/* Matroska leaves the first decode times out: frames are
				 * decoded in order, a frame time apart */
				dts = last_vdts + c->frame_dur;
			else if (dts == VIDX_TIME_NONE) {
				int oom = 0;
				dts = dts_ahead(s, &q, c->frame_dur, &oom);
				if (oom) {
					rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
					goto out;
				}
				/* else the reorder delay before the first */
				if (dts == VIDX_TIME_NONE || dts > pts)
					dts = pts - vs->codecpar->video_delay * c->frame_dur;
			}
			t = pts;
			if (nv) {
				int past_end = dts >= c->end_pts && max_pts >= c->end_pts;
				if (past_end || t > max_pts + gap || t < last_t - gap) {
					c->byte_end = pkt->pos;
					break;
				}
			} else {
				/* clip time of this part: it begins at out_off (its
				 * keyframe there, or after its leading frames when it
				 * follows a part), decode times after the previous part's */
				int64_t lead = 0;
				if (ch->vdts != VIDX_TIME_NONE &&
				    look_ahead(s, &q, pts, gap, &lead) < 0) {
					rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
					goto out;
				}
				shift = c->out_off + lead - pts;
				if (ch->vdts != VIDX_TIME_NONE && dts + shift <= ch->vdts)
					shift = ch->vdts + 1 - dts;
				c->out_off = pts + shift;
				c->first_pts = pts;
			}
			nv++;
			last_t = t;
			last_vdts = dts;
			if (max_pts == VIDX_TIME_NONE || pts > max_pts)
				max_pts = pts;
			c->last_pts = pts;
			c->nvideo++;
			if (ch->vh.md)
				vidx__phash_add(&ch->vh, pkt->data, (size_t)pkt->size);
			ch->vdts = dts + shift;
			if (sink && (rc = sink(ctx, 1, pkt, pts + shift, dts + shift)) < 0)
				goto out;
		} else {
			pts = us_of(pkt->pts, as->time_base);
			dts = us_of(pkt->dts, as->time_base);
			if (dts == VIDX_TIME_NONE)
				dts = pts;
			if (pts == VIDX_TIME_NONE)
				pts = dts;
			/* sound from the picture's first frame on, in order */
			if (pts == VIDX_TIME_NONE || pts < c->first_pts ||
			    (ch->adts != VIDX_TIME_NONE && dts + shift <= ch->adts) ||
			    (last_adts != VIDX_TIME_NONE && dts <= last_adts)) {
				av_packet_unref(pkt);
				continue;
			}
			last_adts = dts;
			ch->adts = dts + shift;
			c->naudio++;
			if (ch->ah.md)
				vidx__phash_add(&ch->ah, pkt->data, (size_t)pkt->size);
			if (sink && (rc = sink(ctx, 0, pkt, pts + shift, dts + shift)) < 0)
				goto out;
		}
		av_packet_unref(pkt);
	}
	if (r < 0 && r != AVERROR_EOF && !started) {
		rc = vidx__fail(h, VIDX_EFORMAT, "cannot read packets: %s",
		                vidx__av_last()[0] ? vidx__av_last() : av_err2str(r));
		goto out;
	}
	if (!started) {
		rc = vidx__fail(h, VIDX_EFORMAT, "the keyframe the index names is not "
		                "there (source changed?)");
		goto out;
	}
	if (r < 0) {
		c->byte_end = s->io.size; /* to the end of the file */
		c->damaged = r != AVERROR_EOF;
	}
	c->out_end = max_pts + shift + c->frame_dur;
out:
	while (q.i < q.n)
		av_packet_free(&q.p[q.i++]);
	av_packet_free(&pkt);
	return rc;
}
