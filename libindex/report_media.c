/*
 * report_media.c - what a browser makes of a clip, and H.264 working copies
 * ("proxies") of the ones it cannot play.
 *
 * A browser plays MP4 holding H.264 (4:2:0, 8 bits) with AAC or MP3 sound,
 * or none.  Anything else - HEVC, MJPEG, PCM sound, Matroska - is listed as
 * not playable; with --proxies it is decoded and encoded again as H.264
 * (libx264) and AAC, each frame at the time it had, so the player can hold
 * it at its true offset.  A proxy is a working copy: it is named, tagged and
 * listed as one, with the exact processing that made it.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

#include "media.h"
#include "report.h"

#define CRF 20
#define PRESET "veryfast"
#define AUDIO_RATE 128000

static const char *codec_label(enum AVCodecID id)
{
	switch (id) {
	case AV_CODEC_ID_HEVC: return "HEVC video";
	case AV_CODEC_ID_MJPEG: return "MJPEG video";
	case AV_CODEC_ID_MPEG4: return "MPEG-4 part 2 video";
	default: return NULL;
	}
}

int rp__clip_probe(vidx *h, const char *path, rp_clip *c, char *why_out, size_t n)
{
	vidx__src s;
	AVStream *v, *a = NULL;
	const AVCodecParameters *vp;
	char why[160] = "";
	int rc;

	c->probed = 0;
	if ((rc = vidx__src_open(h, &s, path)) < 0)
		goto out;
	/* the profile and pixel format come from the bitstream: an MP4 opened
	 * from its header alone has not read it yet (others have) */
	if (s.fc->streams[s.vi]->codecpar->format < 0)
		avformat_find_stream_info(s.fc, NULL);
	v = s.fc->streams[s.vi];
	vp = v->codecpar;
	if (s.ai >= 0)
		a = s.fc->streams[s.ai];
	c->width = vp->width;
	c->height = vp->height;
	c->fps = v->avg_frame_rate.num > 0 && v->avg_frame_rate.den > 0
	       ? av_q2d(v->avg_frame_rate) : 0;
	c->t0 = v->start_time != AV_NOPTS_VALUE ? v->start_time * av_q2d(v->time_base) : 0;
	c->duration = v->duration != AV_NOPTS_VALUE && v->duration > 0
	            ? v->duration * av_q2d(v->time_base)
	            : s.fc->duration > 0 ? s.fc->duration / (double)AV_TIME_BASE : 0;
	{
		const char *prof = avcodec_profile_name(vp->codec_id, vp->profile);
		const char *pf = av_get_pix_fmt_name((enum AVPixelFormat)vp->format);
		c->profile = prof ? prof : "";
		c->pix_fmt = pf ? pf : "";
	}
	if (!strstr(s.fc->iformat->name, "mp4"))
		snprintf(why, sizeof(why), "%s container", !strncmp(s.fc->iformat->name,
		         "matroska", 8) ? "Matroska" : s.fc->iformat->name);
	else if (vp->codec_id != AV_CODEC_ID_H264)
		snprintf(why, sizeof(why), "%s", codec_label(vp->codec_id) ? codec_label(vp->codec_id)
		         : avcodec_get_name(vp->codec_id));
	else if (vp->format != AV_PIX_FMT_YUV420P && vp->format != AV_PIX_FMT_YUVJ420P)
		snprintf(why, sizeof(why), "H.264 in %s (browsers play 8-bit 4:2:0)",
		         c->pix_fmt[0] ? c->pix_fmt : "an unknown pixel format");
	else if (vp->profile != FF_PROFILE_H264_BASELINE &&
	         vp->profile != FF_PROFILE_H264_CONSTRAINED_BASELINE &&
	         vp->profile != FF_PROFILE_H264_MAIN && vp->profile != FF_PROFILE_H264_HIGH &&
	         vp->profile != FF_PROFILE_H264_EXTENDED)
		snprintf(why, sizeof(why), "H.264 %s profile", c->profile[0] ? c->profile : "unknown");
	if (!why[0] && a && a->codecpar->codec_id != AV_CODEC_ID_AAC &&
	    a->codecpar->codec_id != AV_CODEC_ID_MP3)
		snprintf(why, sizeof(why), "%s sound", avcodec_get_name(a->codecpar->codec_id));
	c->playable = !why[0];
	c->probed = 1;
	rc = 0;
out:
	vidx__src_close(&s);
	snprintf(why_out, n, "%s", why);
	return rc;
}

/* ---- proxies ----------------------------------------------------------------- */

typedef struct proxy {
	vidx *h;
	vidx__src s;
	AVCodecContext *vdec, *venc, *adec, *aenc;
	AVFormatContext *oc;
	AVStream *ov, *oa;
	struct SwsContext *sws;
	SwrContext *swr;
	AVAudioFifo *fifo;
	AVFrame *frame, *yuv, *aframe;
	AVPacket *pkt, *opkt;
	int copy_audio, w, hgt;
	int64_t apts;         /* next audio pts, in samples */
	int64_t first_apts;
} proxy;

static int fail_av(proxy *p, const char *what, int r)
{
	return vidx__fail(p->h, VIDX_EFORMAT, "%s: %s", what,
	                  vidx__av_last()[0] ? vidx__av_last() : av_err2str(r));
}

/* write every packet ENC has for stream OS */
static int drain(proxy *p, AVCodecContext *enc, AVStream *os)
{
	int r;
	while ((r = avcodec_receive_packet(enc, p->opkt)) >= 0) {
		av_packet_rescale_ts(p->opkt, enc->time_base, os->time_base);
		p->opkt->stream_index = os->index;
		if ((r = av_interleaved_write_frame(p->oc, p->opkt)) < 0)
			return fail_av(p, "cannot write the proxy", r);
	}
	return r == AVERROR(EAGAIN) || r == AVERROR_EOF ? 0 : fail_av(p, "cannot encode", r);
}

static int video_frame(proxy *p, AVFrame *f)
{
	int r;

	if (f) {
		if ((r = av_frame_make_writable(p->yuv)) < 0)
			return fail_av(p, "out of memory", r);
		/* a decoder knows its pixel format only from its first picture */
		if (!(p->sws = sws_getCachedContext(p->sws, f->width, f->height, f->format,
		                                    p->w, p->hgt, AV_PIX_FMT_YUV420P,
		                                    SWS_BICUBIC, NULL, NULL, NULL)))
			return vidx__fail(p->h, VIDX_EFORMAT, "cannot convert %s pictures",
			                  av_get_pix_fmt_name(f->format));
		sws_scale(p->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height,
		          p->yuv->data, p->yuv->linesize);
		/* each frame at the time it had in the clip */
		p->yuv->pts = f->best_effort_timestamp;
		p->yuv->pict_type = AV_PICTURE_TYPE_NONE;
	}
	if ((r = avcodec_send_frame(p->venc, f ? p->yuv : NULL)) < 0)
		return fail_av(p, "cannot encode", r);
	return drain(p, p->venc, p->ov);
}

static int audio_out(proxy *p, int flush)
{
	int fs = p->aenc->frame_size > 0 ? p->aenc->frame_size : 1024, r;

	while (av_audio_fifo_size(p->fifo) >= fs || (flush && av_audio_fifo_size(p->fifo) > 0)) {
		int n = FFMIN(fs, av_audio_fifo_size(p->fifo));
		av_frame_unref(p->aframe);
		p->aframe->nb_samples = n;
		p->aframe->format = p->aenc->sample_fmt;
		p->aframe->sample_rate = p->aenc->sample_rate;
		if ((r = av_channel_layout_copy(&p->aframe->ch_layout, &p->aenc->ch_layout)) < 0 ||
		    (r = av_frame_get_buffer(p->aframe, 0)) < 0)
			return fail_av(p, "out of memory", r);
		av_audio_fifo_read(p->fifo, (void **)p->aframe->data, n);
		p->aframe->pts = p->first_apts + p->apts;
		p->apts += n;
		if ((r = avcodec_send_frame(p->aenc, p->aframe)) < 0)
			return fail_av(p, "cannot encode the sound", r);
		if ((r = drain(p, p->aenc, p->oa)) < 0)
			return r;
	}
	if (flush) {
		if ((r = avcodec_send_frame(p->aenc, NULL)) < 0)
			return fail_av(p, "cannot encode the sound", r);
		return drain(p, p->aenc, p->oa);
	}
	return 0;
}

static int audio_frame(proxy *p, AVFrame *f)
{
	uint8_t **conv = NULL;
	int n, r;

	if (p->first_apts == AV_NOPTS_VALUE) {
		AVStream *is = p->s.fc->streams[p->s.ai];
		int64_t t = f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : 0;
		p->first_apts = av_rescale_q(t, is->time_base, p->aenc->time_base);
	}
	n = swr_get_out_samples(p->swr, f->nb_samples);
	if ((r = av_samples_alloc_array_and_samples(&conv, NULL, p->aenc->ch_layout.nb_channels,
	                                            n, p->aenc->sample_fmt, 0)) < 0)
		return fail_av(p, "out of memory", r);
	n = swr_convert(p->swr, conv, n, (const uint8_t **)f->extended_data, f->nb_samples);
	if (n > 0 && av_audio_fifo_write(p->fifo, (void **)conv, n) < n)
		r = vidx__fail(p->h, VIDX_ENOMEM, "out of memory");
	else
		r = n < 0 ? fail_av(p, "cannot convert the sound", n) : 0;
	av_freep(&conv[0]);
	av_freep(&conv);
	return r < 0 ? r : audio_out(p, 0);
}

static int decode(proxy *p, AVCodecContext *dec, const AVPacket *pkt, int video)
{
	int r = avcodec_send_packet(dec, pkt);

	if (r < 0 && r != AVERROR_EOF)
		return fail_av(p, "cannot decode the clip", r);
	while ((r = avcodec_receive_frame(dec, p->frame)) >= 0) {
		r = video ? video_frame(p, p->frame) : audio_frame(p, p->frame);
		av_frame_unref(p->frame);
		if (r < 0)
			return r;
	}
	return r == AVERROR(EAGAIN) || r == AVERROR_EOF ? 0 : fail_av(p, "cannot decode the clip", r);
}

static int open_decoder(proxy *p, AVStream *st, AVCodecContext **out)
{
	const AVCodec *d = avcodec_find_decoder(st->codecpar->codec_id);
	int r;

	if (!d)
		return vidx__fail(p->h, VIDX_EFORMAT, "no decoder for %s",
		                  avcodec_get_name(st->codecpar->codec_id));
	if (!(*out = avcodec_alloc_context3(d)))
		return vidx__fail(p->h, VIDX_ENOMEM, "out of memory");
	if ((r = avcodec_parameters_to_context(*out, st->codecpar)) < 0)
		return fail_av(p, "cannot decode the clip", r);
	(*out)->pkt_timebase = st->time_base;
	(*out)->thread_count = 1;
	if ((r = avcodec_open2(*out, d, NULL)) < 0)
		return fail_av(p, "cannot open the decoder", r);
	return 0;
}

static int open_video(proxy *p, const char *in_rel)
{
	AVStream *is = p->s.fc->streams[p->s.vi];
	const AVCodec *x264 = avcodec_find_encoder_by_name("libx264");
	AVDictionary *opt = NULL;
	int r;

	(void)in_rel;
	if (!x264)
		return vidx__fail(p->h, VIDX_EFORMAT, "this libavcodec has no libx264 encoder");
	if ((r = open_decoder(p, is, &p->vdec)) < 0)
		return r;
	/* 4:2:0 needs even sizes: an odd last row or column is dropped */
	p->w = p->vdec->width & ~1;
	p->hgt = p->vdec->height & ~1;
	if (p->w <= 0 || p->hgt <= 0)
		return vidx__fail(p->h, VIDX_EFORMAT, "the picture has no size");
	if (!(p->venc = avcodec_alloc_context3(x264)))
		return vidx__fail(p->h, VIDX_ENOMEM, "out of memory");
	p->venc->width = p->w;
	p->venc->height = p->hgt;
	p->venc->pix_fmt = AV_PIX_FMT_YUV420P;
	p->venc->time_base = is->time_base;
	p->venc->framerate = is->avg_frame_rate;
	p->venc->sample_aspect_ratio = p->vdec->sample_aspect_ratio;
	p->venc->max_b_frames = 0;  /* presentation order is decode order */
	p->venc->thread_count = 1;  /* x264's output depends on its threads */
	if (p->oc->oformat->flags & AVFMT_GLOBALHEADER)
		p->venc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
	av_dict_set(&opt, "preset", PRESET, 0);
	av_dict_set_int(&opt, "crf", CRF, 0);
	r = avcodec_open2(p->venc, x264, &opt);
	av_dict_free(&opt);
	if (r < 0)
		return fail_av(p, "cannot open libx264", r);
	if (!(p->ov = avformat_new_stream(p->oc, NULL)) ||
	    avcodec_parameters_from_context(p->ov->codecpar, p->venc) < 0)
		return vidx__fail(p->h, VIDX_ENOMEM, "out of memory");
	p->ov->time_base = is->time_base;
	p->ov->avg_frame_rate = is->avg_frame_rate;
	p->yuv->format = AV_PIX_FMT_YUV420P;
	p->yuv->width = p->w;
	p->yuv->height = p->hgt;
	if ((r = av_frame_get_buffer(p->yuv, 0)) < 0)
		return fail_av(p, "out of memory", r);
	return 0;
}

static int open_audio(proxy *p)
{
	AVStream *is = p->s.fc->streams[p->s.ai];
	const AVCodec *aac;
	int r;

	if (is->codecpar->codec_id == AV_CODEC_ID_AAC) {
		/* already what a browser plays: the same packets */
		p->copy_audio = 1;
		if (!(p->oa = avformat_new_stream(p->oc, NULL)) ||
		    avcodec_parameters_copy(p->oa->codecpar, is->codecpar) < 0)
			return vidx__fail(p->h, VIDX_ENOMEM, "out of memory");
		p->oa->codecpar->codec_tag = 0;
		p->oa->time_base = is->time_base;
		return 0;
	}
	if (!(aac = avcodec_find_encoder(AV_CODEC_ID_AAC)))
		return vidx__fail(p->h, VIDX_EFORMAT, "this libavcodec has no AAC encoder");
	if ((r = open_decoder(p, is, &p->adec)) < 0)
		return r;
	if (!(p->aenc = avcodec_alloc_context3(aac)))
		return vidx__fail(p->h, VIDX_ENOMEM, "out of memory");
	p->aenc->sample_rate = p->adec->sample_rate;
	p->aenc->sample_fmt = AV_SAMPLE_FMT_FLTP;
	p->aenc->bit_rate = AUDIO_RATE;
	p->aenc->time_base = (AVRational){1, p->adec->sample_rate};
	if (p->adec->ch_layout.nb_channels > 2)
		av_channel_layout_default(&p->aenc->ch_layout, 2);
	else if ((r = av_channel_layout_copy(&p->aenc->ch_layout, &p->adec->ch_layout)) < 0)
		return fail_av(p, "out of memory", r);
	if (p->aenc->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
		av_channel_layout_default(&p->aenc->ch_layout, p->aenc->ch_layout.nb_channels);
	if (p->oc->oformat->flags & AVFMT_GLOBALHEADER)
		p->aenc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
	if ((r = avcodec_open2(p->aenc, aac, NULL)) < 0)
		return fail_av(p, "cannot open the AAC encoder", r);
	if (!(p->oa = avformat_new_stream(p->oc, NULL)) ||
	    avcodec_parameters_from_context(p->oa->codecpar, p->aenc) < 0)
		return vidx__fail(p->h, VIDX_ENOMEM, "out of memory");
	p->oa->time_base = p->aenc->time_base;
	{
		AVChannelLayout in = {0};
		if (p->adec->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
			av_channel_layout_default(&in, p->adec->ch_layout.nb_channels);
		else
			av_channel_layout_copy(&in, &p->adec->ch_layout);
		r = swr_alloc_set_opts2(&p->swr, &p->aenc->ch_layout, p->aenc->sample_fmt,
		                        p->aenc->sample_rate, &in, p->adec->sample_fmt,
		                        p->adec->sample_rate, 0, NULL);
		av_channel_layout_uninit(&in);
	}
	if (r < 0 || (r = swr_init(p->swr)) < 0)
		return fail_av(p, "cannot convert the sound", r);
	if (!(p->fifo = av_audio_fifo_alloc(p->aenc->sample_fmt, p->aenc->ch_layout.nb_channels,
	                                    4096)))
		return vidx__fail(p->h, VIDX_ENOMEM, "out of memory");
	return 0;
}

int rp__proxy(vidx *h, const char *in, const char *out, char *desc, size_t n)
{
	proxy p;
	AVDictionary *opt = NULL;
	int r, rc = 0;

	memset(&p, 0, sizeof(p));
	p.h = h;
	p.first_apts = AV_NOPTS_VALUE;
	p.s.io.fd = -1;
	if ((rc = vidx__src_open(h, &p.s, in)) < 0)
		goto out;
	if (!(p.frame = av_frame_alloc()) || !(p.yuv = av_frame_alloc()) ||
	    !(p.aframe = av_frame_alloc()) || !(p.pkt = av_packet_alloc()) ||
	    !(p.opkt = av_packet_alloc())) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = avformat_alloc_output_context2(&p.oc, NULL, "mp4", out)) < 0) {
		rc = fail_av(&p, "cannot make an MP4 file", r);
		goto out;
	}
	if ((rc = open_video(&p, in)) < 0 || (p.s.ai >= 0 && (rc = open_audio(&p)) < 0))
		goto out;
	/* marked as what it is, wherever it goes */
	av_dict_set(&p.oc->metadata, "title", "WORKING COPY (vidx proxy), not evidence", 0);
	av_dict_set(&p.oc->metadata, "comment", "H.264 re-encoding of a case clip so that a "
	            "browser can play it; the evidence is the clip itself", 0);
	{
		AVDictionaryEntry *e = NULL;
		while ((e = av_dict_get(p.s.fc->metadata, "", e, AV_DICT_IGNORE_SUFFIX)))
			if (!strcmp(e->key, "camera") || !strcmp(e->key, "case") ||
			    !strcmp(e->key, "location") || !strcmp(e->key, "creation_time") ||
			    !strcmp(e->key, "camera_name"))
				av_dict_set(&p.oc->metadata, e->key, e->value, 0);
	}
	if ((r = avio_open(&p.oc->pb, out, AVIO_FLAG_WRITE)) < 0) {
		rc = fail_av(&p, "cannot write the proxy", r);
		goto out;
	}
	av_dict_set(&opt, "movflags", "+faststart+use_metadata_tags", 0);
	r = avformat_write_header(p.oc, &opt);
	av_dict_free(&opt);
	if (r < 0) {
		rc = fail_av(&p, "cannot start the proxy", r);
		goto out;
	}
	while ((r = av_read_frame(p.s.fc, p.pkt)) >= 0) {
		if (p.pkt->stream_index == p.s.vi) {
			rc = decode(&p, p.vdec, p.pkt, 1);
		} else if (p.pkt->stream_index == p.s.ai && p.copy_audio) {
			AVStream *is = p.s.fc->streams[p.s.ai];
			av_packet_rescale_ts(p.pkt, is->time_base, p.oa->time_base);
			p.pkt->stream_index = p.oa->index;
			p.pkt->pos = -1;
			if ((r = av_interleaved_write_frame(p.oc, p.pkt)) < 0)
				rc = fail_av(&p, "cannot write the proxy", r);
		} else if (p.pkt->stream_index == p.s.ai) {
			rc = decode(&p, p.adec, p.pkt, 0);
		}
		av_packet_unref(p.pkt);
		if (rc < 0)
			goto out;
	}
	if (r != AVERROR_EOF) {
		rc = fail_av(&p, "cannot read the clip", r);
		goto out;
	}
	if ((rc = decode(&p, p.vdec, NULL, 1)) < 0 || (rc = video_frame(&p, NULL)) < 0)
		goto out;
	if (p.adec && ((rc = decode(&p, p.adec, NULL, 0)) < 0 || (rc = audio_out(&p, 1)) < 0))
		goto out;
	if ((r = av_write_trailer(p.oc)) < 0) {
		rc = fail_av(&p, "cannot finish the proxy", r);
		goto out;
	}
	snprintf(desc, n, "decoded with %s; pictures converted to yuv420p %dx%d (libswscale "
	         "bicubic) and encoded with libx264 (preset %s, crf %d, no B-frames, one "
	         "thread), each frame at its original time; sound %s; MP4, faststart",
	         LIBAVCODEC_IDENT, p.w, p.hgt, PRESET, CRF,
	         p.s.ai < 0 ? "none" : p.copy_audio ? "AAC, copied unchanged"
	         : "decoded and encoded as AAC at 128 kb/s (libavcodec aac)");
out:
	if (p.oc) {
		if (p.oc->pb)
			avio_closep(&p.oc->pb);
		avformat_free_context(p.oc);
	}
	avcodec_free_context(&p.vdec);
	avcodec_free_context(&p.venc);
	avcodec_free_context(&p.adec);
	avcodec_free_context(&p.aenc);
	sws_freeContext(p.sws);
	swr_free(&p.swr);
	if (p.fifo)
		av_audio_fifo_free(p.fifo);
	av_frame_free(&p.frame);
	av_frame_free(&p.yuv);
	av_frame_free(&p.aframe);
	av_packet_free(&p.pkt);
	av_packet_free(&p.opkt);
	vidx__src_close(&p.s);
	return rc;
}
