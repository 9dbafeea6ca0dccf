/*
 * draw.c - pictures made from decoded frames: PNG files (lossless: only
 * the colour conversion PNG needs, by libswscale) and tiles of several
 * cameras with labels, drawn by libavfilter (scale, pad, drawtext with a
 * TrueType font from Debian's fonts-dejavu-core, xstack) so that the text
 * is real type and the graph can be written down and run again with
 * ffmpeg.
 *
 * Labels reach drawtext as frame metadata (%{metadata:vidx.l1}), so the
 * graph is the same text for every frame and for every camera name: what
 * a camera is called never has to survive libavfilter's quoting.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/bprint.h>
#include <libavutil/crc.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "media.h"

#define DEFAULT_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"

/* ---- PNG ------------------------------------------------------------------ */

/* what PNG stores as it is (the encoder's own list) */
static int png_native(int fmt)
{
	switch (fmt) {
	case AV_PIX_FMT_RGB24: case AV_PIX_FMT_RGBA: case AV_PIX_FMT_RGB48BE:
	case AV_PIX_FMT_RGBA64BE: case AV_PIX_FMT_PAL8: case AV_PIX_FMT_GRAY8:
	case AV_PIX_FMT_YA8: case AV_PIX_FMT_GRAY16BE: case AV_PIX_FMT_YA16BE:
	case AV_PIX_FMT_MONOBLACK:
		return 1;
	}
	return 0;
}

/* the PNG format that holds FMT's pixels without losing depth or alpha */
static int png_target(int fmt)
{
	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(fmt);
	int deep = d && d->comp[0].depth > 8;
	int alpha = d && (d->flags & AV_PIX_FMT_FLAG_ALPHA);

	if (d && d->nb_components <= 2 && !(d->flags & AV_PIX_FMT_FLAG_PAL))
		return alpha ? (deep ? AV_PIX_FMT_YA16BE : AV_PIX_FMT_YA8)
		             : (deep ? AV_PIX_FMT_GRAY16BE : AV_PIX_FMT_GRAY8);
	if (alpha)
		return deep ? AV_PIX_FMT_RGBA64BE : AV_PIX_FMT_RGBA;
	return deep ? AV_PIX_FMT_RGB48BE : AV_PIX_FMT_RGB24;
}

static const char *matrix_name(int cs)
{
	switch (cs) {
	case AVCOL_SPC_BT709: return "BT.709";
	case AVCOL_SPC_FCC: return "FCC";
	case AVCOL_SPC_SMPTE240M: return "SMPTE 240M";
	case AVCOL_SPC_BT2020_NCL: case AVCOL_SPC_BT2020_CL: return "BT.2020";
	default: return "BT.601";
	}
}

/* F converted to FMT, the same size: libswscale, no scaling */
static int convert(vidx *h, const AVFrame *f, int fmt, AVFrame **out, char conv[200])
{
	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
	int yuv = d && !(d->flags & AV_PIX_FMT_FLAG_RGB) && d->nb_components >= 3;
	int full = f->color_range == AVCOL_RANGE_JPEG ||
	           (d && !strncmp(d->name, "yuvj", 4));
	int flags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_BITEXACT;
	struct SwsContext *sws;
	AVFrame *o = av_frame_alloc();
	int cs = f->colorspace, r;

	if (!o)
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	o->format = fmt;
	o->width = f->width;
	o->height = f->height;
	if (av_frame_get_buffer(o, 0) < 0 ||
	    !(sws = sws_getContext(f->width, f->height, f->format, f->width, f->height,
	                           fmt, flags, NULL, NULL, NULL))) {
		av_frame_free(&o);
		return vidx__fail(h, VIDX_ENOMEM, "cannot convert %s to %s",
		                  av_get_pix_fmt_name(f->format), av_get_pix_fmt_name(fmt));
	}
	if (yuv) {
		/* the matrix the stream signals, else BT.601 (as ffmpeg does) */
		if (cs == AVCOL_SPC_UNSPECIFIED || cs == AVCOL_SPC_RGB || cs >= AVCOL_SPC_NB)
			cs = AVCOL_SPC_BT470BG;
		sws_setColorspaceDetails(sws, sws_getCoefficients(cs), full,
		                         sws_getCoefficients(cs), 1, 0, 1 << 16, 1 << 16);
	}
	r = sws_scale(sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height,
	              o->data, o->linesize);
	sws_freeContext(sws);
	if (r != f->height) {
		av_frame_free(&o);
		return vidx__fail(h, VIDX_ERR, "cannot convert %s to %s",
		                  av_get_pix_fmt_name(f->format), av_get_pix_fmt_name(fmt));
	}
	if (yuv)
		snprintf(conv, 200, "%s -> %s by libswscale: %s matrix, %s range to full, "
		         "chroma upsampled (bicubic, full chroma interpolation, accurate "
		         "rounding, bitexact); no scaling", av_get_pix_fmt_name(f->format),
		         av_get_pix_fmt_name(fmt), matrix_name(cs), full ? "full" : "limited");
	else
		snprintf(conv, 200, "%s -> %s by libswscale: components reordered or "
		         "repacked; no scaling", av_get_pix_fmt_name(f->format),
		         av_get_pix_fmt_name(fmt));
	*out = o;
	return 0;
}

static void be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* one tEXt chunk at P (NULL: only measure); its size.  Values are ASCII
 * (callers escape the rest), which is Latin-1 as tEXt wants. */
static size_t text_chunk(unsigned char *p, const char *key, const char *val)
{
	size_t kl = strlen(key), vl = strlen(val), n = kl + 1 + vl;
	uint32_t crc;

	if (p) {
		be32(p, (uint32_t)n);
		memcpy(p + 4, "tEXt", 4);
		memcpy(p + 8, key, kl + 1);
		memcpy(p + 9 + kl, val, vl);
		crc = av_crc(av_crc_get_table(AV_CRC_32_IEEE_LE), UINT32_MAX, p + 4, n + 4);
		be32(p + 8 + n, crc ^ UINT32_MAX);
	}
	return n + 12;
}

int vidx__png(vidx *h, const AVFrame *f, const char *const *text,
              unsigned char **buf, size_t *len, char conv[200])
{
	const AVCodec *enc = avcodec_find_encoder(AV_CODEC_ID_PNG);
	AVCodecContext *cc = NULL;
	AVFrame *c = NULL;
	AVPacket *pkt = av_packet_alloc();
	const AVFrame *src = f;
	unsigned char *o = NULL;
	size_t extra = 0, at, i;
	int rc = 0, r;

	*buf = NULL;
	*len = 0;
	snprintf(conv, 200, "none: %s stored as it is", av_get_pix_fmt_name(f->format));
	if (!pkt || !enc) {
		rc = vidx__fail(h, VIDX_ENOMEM, "no PNG encoder");
		goto out;
	}
	if (!png_native(f->format)) {
		if ((rc = convert(h, f, png_target(f->format), &c, conv)) < 0)
			goto out;
		src = c;
	}
	if (!(cc = avcodec_alloc_context3(enc))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	cc->width = src->width;
	cc->height = src->height;
	cc->pix_fmt = src->format;
	cc->time_base = (AVRational){1, 25};
	/* pHYs: the pixel's shape, square when the stream does not say */
	cc->sample_aspect_ratio = src->sample_aspect_ratio.num > 0 && src->sample_aspect_ratio.den > 0
	                        ? src->sample_aspect_ratio : (AVRational){1, 1};
	cc->flags |= AV_CODEC_FLAG_BITEXACT;
	/* lossless at any level; 3 deflates in about half the time of the
	 * default 6 for files some 10% larger */
	cc->compression_level = 3;
	if ((r = avcodec_open2(cc, enc, NULL)) < 0 ||
	    (r = avcodec_send_frame(cc, src)) < 0 ||
	    (r = avcodec_receive_packet(cc, pkt)) < 0) {
		rc = vidx__fail(h, VIDX_ERR, "cannot make the PNG: %s", av_err2str(r));
		goto out;
	}
	/* the text chunks go right after IHDR (8 + 25 bytes in); the last
	 * says how the pixels came to be what they are */
	for (i = 0; text && text[i] && text[i + 1]; i += 2)
		extra += text_chunk(NULL, text[i], text[i + 1]);
	extra += text_chunk(NULL, "vidx:conversion", conv);
	if (pkt->size < 33 || memcmp(pkt->data + 12, "IHDR", 4) ||
	    !(o = malloc((size_t)pkt->size + extra))) {
		rc = vidx__fail(h, VIDX_ERR, "cannot make the PNG");
		goto out;
	}
	memcpy(o, pkt->data, 33);
	at = 33;
	for (i = 0; text && text[i] && text[i + 1]; i += 2)
		at += text_chunk(o + at, text[i], text[i + 1]);
	at += text_chunk(o + at, "vidx:conversion", conv);
	memcpy(o + at, pkt->data + 33, (size_t)pkt->size - 33);
	*buf = o;
	*len = (size_t)pkt->size + extra;
out:
	av_packet_free(&pkt);
	avcodec_free_context(&cc);
	av_frame_free(&c);
	return rc;
}

/* ---- escaping for libavfilter ------------------------------------------------ */

char *vidx__av_escape(const char *s, const char *special)
{
	char *o = malloc(strlen(s) * 2 + 1), *q = o;

	if (!o)
		return NULL;
	for (; *s; s++) {
		if (*s == '\\' || *s == '\'' || strchr(special, *s))
			*q++ = '\\';
		*q++ = *s;
	}
	*q = 0;
	return o;
}

/* ---- tiles --------------------------------------------------------------------- */

void vidx__tiles_rect(const vidx__tiles *t, int i, vidx_tile *r)
{
	int col = i % t->cols, row = i / t->cols;
	r->x = col * t->tw;
	r->y = row * (t->th + t->band);
	r->w = t->tw;
	r->h = t->th + t->band;
	r->vx = r->x;
	r->vy = r->y;
	r->vw = t->tw;
	r->vh = t->th;
}

/* key=value pairs of a filter, each value escaped for the option parser,
 * then the whole for the graph parser */
static void filter(AVBPrint *b, const char *name, const char *const *kv)
{
	AVBPrint a;
	char *e1;
	size_t i;

	av_bprint_init(&a, 0, AV_BPRINT_SIZE_UNLIMITED);
	for (i = 0; kv[i]; i += 2) {
		char *e2 = vidx__av_escape(kv[i + 1], ":");
		av_bprintf(&a, "%s%s=%s", i ? ":" : "", kv[i], e2 ? e2 : "");
		free(e2);
	}
	e1 = a.str ? vidx__av_escape(a.str, "[],;") : NULL;
	av_bprintf(b, "%s=%s", name, e1 ? e1 : "");
	free(e1);
	av_bprint_finalize(&a, NULL);
}

static char *graph_desc(const vidx__tiles *t)
{
	AVBPrint b;
	char w[128], hh[128], pw[16], ph[16], py[32], fs[16], fs2[16], ys[3][16];
	const char *fmt = av_get_pix_fmt_name(t->out_fmt);
	char *out = NULL;
	int i, k;

	snprintf(w, sizeof(w), "if(gt(dar,%d/%d),%d,2*trunc(%d*dar/2))", t->tw, t->th,
	         t->tw, t->th);
	snprintf(hh, sizeof(hh), "if(gt(dar,%d/%d),2*trunc(%d/dar/2),%d)", t->tw, t->th,
	         t->tw, t->th);
	snprintf(pw, sizeof(pw), "%d", t->tw);
	snprintf(ph, sizeof(ph), "%d", t->th + t->band);
	snprintf(py, sizeof(py), "(%d-ih)/2", t->th);
	snprintf(fs, sizeof(fs), "%d", t->fs);
	snprintf(fs2, sizeof(fs2), "%d", 2 * t->fs);
	for (k = 0; k < 3; k++)
		snprintf(ys[k], sizeof(ys[k]), "%d", t->th + 4 + k * (t->fs + t->fs / 3 + 1));
	av_bprint_init(&b, 0, AV_BPRINT_SIZE_UNLIMITED);
	for (i = 0; i < t->n; i++) {
		const char *sc[] = {"w", w, "h", hh, "flags", "bicubic", NULL};
		const char *sar[] = {"sar", "1", NULL};
		const char *fm[] = {"pix_fmts", fmt, NULL};
		const char *pd[] = {"w", pw, "h", ph, "x", "(ow-iw)/2", "y", py,
		                    "color", "black", NULL};
		av_bprintf(&b, "[in%d]", i);
		filter(&b, "scale", sc);
		av_bprintf(&b, ",");
		filter(&b, "setsar", sar);
		av_bprintf(&b, ",");
		filter(&b, "format", fm);
		av_bprintf(&b, ",");
		filter(&b, "pad", pd);
		for (k = 0; k < 3; k++) {
			char key[32];
			const char *dt[] = {"fontfile", t->font, "fontsize", fs, "fontcolor", "white",
			                    "x", "6", "y", ys[k], "text", key, NULL};
			snprintf(key, sizeof(key), "%%{metadata:vidx.l%d}", k + 1);
			av_bprintf(&b, ",");
			filter(&b, "drawtext", dt);
		}
		{
			char y2[32];
			const char *dt[] = {"fontfile", t->font, "fontsize", fs2, "fontcolor", "white",
			                    "x", "(w-tw)/2", "y", y2, "text", "%{metadata:vidx.big}",
			                    NULL};
			snprintf(y2, sizeof(y2), "(%d-th)/2", t->th);
			av_bprintf(&b, ",");
			filter(&b, "drawtext", dt);
		}
		av_bprintf(&b, t->n > 1 ? "[t%d];" : "[out]", i);
	}
	if (t->n > 1) {
		AVBPrint lay;
		char n[16];
		av_bprint_init(&lay, 0, AV_BPRINT_SIZE_UNLIMITED);
		for (i = 0; i < t->n; i++) {
			vidx_tile r;
			vidx__tiles_rect(t, i, &r);
			av_bprintf(&b, "[t%d]", i);
			av_bprintf(&lay, "%s%d_%d", i ? "|" : "", r.x, r.y);
		}
		snprintf(n, sizeof(n), "%d", t->n);
		{
			const char *xs[] = {"inputs", n, "layout", lay.str, "fill", "black", NULL};
			filter(&b, "xstack", xs);
		}
		av_bprint_finalize(&lay, NULL);
		av_bprintf(&b, "[out]");
	}
	if (av_bprint_is_complete(&b))
		av_bprint_finalize(&b, &out);
	else
		av_bprint_finalize(&b, NULL);
	return out;
}

int vidx__tiles_init(vidx *h, vidx__tiles *t, int n, int tw, int th,
                     const char *font, int out_fmt, int tb_num, int tb_den)
{
	memset(t, 0, sizeof(*t));
	if (n < 1 || tw < 16 || th < 16 || tw > 8192 || th > 8192 || (tw | th) & 1)
		return vidx__fail(h, VIDX_EINVAL, "tiles of %dx%d: want even sizes from "
		                  "16x16 to 8192x8192", tw, th);
	if (!font)
		font = DEFAULT_FONT;
	if (access(font, R_OK) < 0)
		return vidx__fail(h, VIDX_EIO, "cannot read the font '%s'%s", font,
		                  strcmp(font, DEFAULT_FONT) ? ""
		                  : " (Debian package fonts-dejavu-core)");
	t->n = n;
	t->cols = (int)ceil(sqrt((double)n));
	t->rows = (n + t->cols - 1) / t->cols;
	t->tw = tw;
	t->th = th;
	t->fs = tw / 32 > 10 ? tw / 32 : 10;
	t->band = 3 * (t->fs + t->fs / 3 + 1) + 8;
	t->band += t->band & 1;
	t->W = t->cols * tw;
	t->H = t->rows * (th + t->band);
	t->out_fmt = out_fmt;
	t->tb_num = tb_num;
	t->tb_den = tb_den;
	if (!(t->font = strdup(font)) || !(t->in = calloc((size_t)n, sizeof(*t->in))) ||
	    !(t->src = calloc((size_t)n, sizeof(*t->src))) || !(t->desc = graph_desc(t))) {
		vidx__tiles_free(t);
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	}
	return 0;
}

static void free_graph(vidx__tiles *t)
{
	avfilter_graph_free(&t->g);
	if (t->src)
		memset(t->src, 0, (size_t)t->n * sizeof(*t->src));
	t->sink = NULL;
}

void vidx__tiles_free(vidx__tiles *t)
{
	size_t k;
	int i;

	free_graph(t);
	for (i = 0; t->in && i < t->n; i++) {
		av_frame_free(&t->in[i].f);
		av_frame_free(&t->in[i].blank);
	}
	for (k = 0; k < t->nout; k++)
		av_frame_free(&t->out[k]);
	free(t->out);
	t->out = NULL;
	t->nout = 0;
	free(t->in);
	free(t->src);
	free(t->font);
	free(t->desc);
	t->in = NULL;
	t->src = NULL;
	t->font = t->desc = NULL;
}

/* the graph for the inputs' current frame properties */
static int build(vidx *h, vidx__tiles *t)
{
	const AVFilter *bs = avfilter_get_by_name("buffer");
	const AVFilter *bk = avfilter_get_by_name("buffersink");
	AVFilterInOut *outs = NULL, *ins = NULL;
	int i, r;

	free_graph(t);
	if (!bs || !bk || !(t->g = avfilter_graph_alloc()))
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	t->g->nb_threads = 0; /* slices on every CPU (scale, xstack) */
	for (i = 0; i < t->n; i++) {
		vidx__tin *in = &t->in[i];
		char args[256], name[16];
		AVFilterInOut *io;
		snprintf(args, sizeof(args), "video_size=%dx%d:pix_fmt=%d:time_base=%d/%d:"
		         "pixel_aspect=%d/%d", in->w, in->h, in->fmt, t->tb_num, t->tb_den,
		         in->sar_num, in->sar_den);
		snprintf(name, sizeof(name), "in%d", i);
		if ((r = avfilter_graph_create_filter(&t->src[i], bs, name, args, NULL, t->g)) < 0)
			goto fail;
		if (!(io = avfilter_inout_alloc()) || !(io->name = av_strdup(name))) {
			avfilter_inout_free(&io);
			r = AVERROR(ENOMEM);
			goto fail;
		}
		io->filter_ctx = t->src[i];
		io->pad_idx = 0;
		io->next = outs;
		outs = io;
	}
	if ((r = avfilter_graph_create_filter(&t->sink, bk, "out", NULL, NULL, t->g)) < 0)
		goto fail;
	if (!(ins = avfilter_inout_alloc()) || !(ins->name = av_strdup("out"))) {
		r = AVERROR(ENOMEM);
		goto fail;
	}
	ins->filter_ctx = t->sink;
	ins->pad_idx = 0;
	if ((r = avfilter_graph_parse_ptr(t->g, t->desc, &ins, &outs, NULL)) < 0 ||
	    (r = avfilter_graph_config(t->g, NULL)) < 0)
		goto fail;
	avfilter_inout_free(&ins);
	avfilter_inout_free(&outs);
	return 0;
fail:
	avfilter_inout_free(&ins);
	avfilter_inout_free(&outs);
	free_graph(t);
	return vidx__fail(h, VIDX_ERR, "cannot draw the tiles: %s",
	                  vidx__av_last()[0] ? vidx__av_last() : av_err2str(r));
}

int vidx__tiles_set(vidx *h, vidx__tiles *t, int i, const AVFrame *f,
                    const char *l1, const char *l2, const char *l3,
                    const char *big)
{
	vidx__tin *in = &t->in[i];
	AVFrame *c;

	av_frame_free(&in->f);
	if (f) {
		if (!(c = av_frame_clone(f)))
			return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	} else {
		/* black, as the input's frames have been so far (so the graph
		 * stays), or a tile's worth; made once per shape */
		int w = in->w ? in->w : t->tw, hh = in->h ? in->h : t->th;
		int fmt = in->w ? in->fmt : AV_PIX_FMT_YUV420P;
		AVRational sar = in->w ? (AVRational){in->sar_num, in->sar_den} : (AVRational){1, 1};
		AVFrame *b = in->blank;
		if (!b || b->width != w || b->height != hh || b->format != fmt) {
			ptrdiff_t ls[4];
			int k;
			av_frame_free(&in->blank);
			if (!(b = in->blank = av_frame_alloc()))
				return vidx__fail(h, VIDX_ENOMEM, "out of memory");
			b->width = w;
			b->height = hh;
			b->format = fmt;
			b->sample_aspect_ratio = sar;
			/* black is 0 in full-range YUV (MJPEG's yuvj), 16 in the rest */
			{
				const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(fmt);
				b->color_range = d && !strncmp(d->name, "yuvj", 4) ? AVCOL_RANGE_JPEG
				                                                  : AVCOL_RANGE_MPEG;
			}
			if (av_frame_get_buffer(b, 0) < 0) {
				av_frame_free(&in->blank);
				return vidx__fail(h, VIDX_ENOMEM, "out of memory");
			}
			for (k = 0; k < 4; k++)
				ls[k] = b->linesize[k];
			av_image_fill_black(b->data, ls, b->format, b->color_range, w, hh);
		}
		if (!(c = av_frame_clone(b)))
			return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	}
	av_dict_free(&c->metadata);
	av_dict_set(&c->metadata, "vidx.l1", l1 ? l1 : "", 0);
	av_dict_set(&c->metadata, "vidx.l2", l2 ? l2 : "", 0);
	av_dict_set(&c->metadata, "vidx.l3", l3 ? l3 : "", 0);
	if (big)
		av_dict_set(&c->metadata, "vidx.big", big, 0);
	in->f = c;
	return 0;
}

/* every combined frame the sink has ready, into T->out */
static int drain(vidx *h, vidx__tiles *t)
{
	for (;;) {
		AVFrame *f, **n;
		int r;
		if (!(f = av_frame_alloc()))
			return vidx__fail(h, VIDX_ENOMEM, "out of memory");
		r = av_buffersink_get_frame(t->sink, f);
		if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) {
			av_frame_free(&f);
			return 0;
		}
		if (r < 0 || !(n = realloc(t->out, (t->nout + 1) * sizeof(*n)))) {
			av_frame_free(&f);
			return r < 0 ? vidx__fail(h, VIDX_ERR, "cannot draw the tiles: %s", av_err2str(r))
			             : vidx__fail(h, VIDX_ENOMEM, "out of memory");
		}
		t->out = n;
		t->out[t->nout++] = f;
	}
}

/* the oldest combined frame into OUT: 1, or 0 when there is none */
static int take(vidx__tiles *t, AVFrame *out)
{
	if (!t->nout)
		return 0;
	av_frame_move_ref(out, t->out[0]);
	av_frame_free(&t->out[0]);
	memmove(t->out, t->out + 1, --t->nout * sizeof(*t->out));
	return 1;
}

/* end the inputs of the graph there is, keeping what it still gives */
static int finish(vidx *h, vidx__tiles *t)
{
	int i, r;

	for (i = 0; t->g && i < t->n; i++)
		if ((r = av_buffersrc_add_frame(t->src[i], NULL)) < 0)
			return vidx__fail(h, VIDX_ERR, "cannot draw the tiles: %s", av_err2str(r));
	return t->g ? drain(h, t) : 0;
}

int vidx__tiles_run(vidx *h, vidx__tiles *t, int64_t pts, int eof, AVFrame *out)
{
	int i, r, rebuild = !t->g;

	if (eof) {
		if ((r = finish(h, t)) < 0)
			return r;
		free_graph(t);
		return take(t, out);
	}
	for (i = 0; i < t->n; i++) {
		vidx__tin *in = &t->in[i];
		AVFrame *f = in->f;
		AVRational sar;
		if (!f)
			return vidx__fail(h, VIDX_ERR, "tile %d has no picture", i);
		sar = f->sample_aspect_ratio.num > 0 && f->sample_aspect_ratio.den > 0
		    ? f->sample_aspect_ratio : (AVRational){1, 1};
		if (f->width != in->w || f->height != in->h || f->format != in->fmt ||
		    sar.num != in->sar_num || sar.den != in->sar_den) {
			in->w = f->width;
			in->h = f->height;
			in->fmt = f->format;
			in->sar_num = sar.num;
			in->sar_den = sar.den;
			rebuild = 1;
		}
	}
	/* a camera whose pictures change size gets a graph made for them,
	 * after the old one has given all it holds */
	if (rebuild && ((r = finish(h, t)) < 0 || (r = build(h, t)) < 0))
		return r;
	for (i = 0; i < t->n; i++) {
		AVFrame *f = t->in[i].f;
		f->pts = pts;
		if ((r = av_buffersrc_add_frame_flags(t->src[i], f, AV_BUFFERSRC_FLAG_KEEP_REF)) < 0)
			return vidx__fail(h, VIDX_ERR, "cannot draw the tiles: %s", av_err2str(r));
	}
	if ((r = drain(h, t)) < 0)
		return r;
	return take(t, out);
}

int vidx__tiles_next(vidx *h, vidx__tiles *t, AVFrame *out)
{
	int r;

	if (t->g && (r = drain(h, t)) < 0)
		return r;
	return take(t, out);
}

/* a name from evidence, fit to be drawn: valid UTF-8 kept, control
 * characters and broken sequences as '?' */
static void label_clean(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2
		      : (*p & 0xf8) == 0xf0 ? 3 : -1, k;
		if (n < 0) {
			*p++ = '?';
			continue;
		}
		for (k = 1; k <= n; k++)
			if ((p[k] & 0xc0) != 0x80)
				break;
		if (k <= n) {
			*p++ = '?';
			continue;
		}
		if (!n && (*p < 0x20 || *p == 0x7f))
			*p = '?';
		p += n + 1;
	}
}

void vidx__tile_title(char l[256], const char *id, const char *name, double distance_m)
{
	char d[32] = "";
	int other = name && *name && strcmp(name, id);

	if (!isnan(distance_m))
		snprintf(d, sizeof(d), "  %.0f m", distance_m);
	/* the distance before the name, which may be long and is cut at the
	 * tile's edge */
	snprintf(l, 256, "%s%s%s%s", id, d, other ? "  " : "", other ? name : "");
	label_clean(l);
}
