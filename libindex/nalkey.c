/*
 * nalkey.c - which H.264 access units libavformat calls key frames.
 *
 * For H.264 in Matroska and MPEG-TS, libavformat runs libavcodec's H.264
 * parser over every packet, and the packet's key flag is the parser's (the
 * container's own flag, a Matroska keyframe bit or a TS random access
 * indicator, is dropped): an access unit that holds an IDR slice, a
 * recovery point SEI, or an I slice of a stream with at most one reference
 * frame (the parser's heuristic for key frames the encoder did not mark).
 * ffprobe's K packets are those.
 *
 * Running the parser over every frame would cost a copy of up to 1000
 * bytes of each.  Here the NAL headers of the access unit and the first
 * bytes of its first slice decide the plain cases: an IDR slice is key; a
 * P or B slice with no recovery point before it is not.  Whatever is left
 * (an I slice that is not IDR, a recovery point SEI, anything unusual)
 * goes to the parser itself, cut down to what it reads (the NAL units
 * before the first slice and at most 1000 bytes of that), so the answer
 * is the parser's own.  Access units that carry parameter sets go to it
 * as well, so that it knows what it would have known.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "media.h"

#define SLICE_READ 1000 /* the most of a slice libavcodec's parser reads */

struct vidx__nalkey {
	AVCodecParserContext *pc;
	AVCodecContext *avctx;
	uint8_t *extradata;
	int extradata_size;
	int annexb, nal_len;
	uint8_t *buf;
	size_t cap;
	int64_t parsed;
};

vidx__nalkey *vidx__nalkey_new(const AVCodecParameters *par, int annexb)
{
	vidx__nalkey *k;

	if (par->codec_id != AV_CODEC_ID_H264)
		return NULL;
	if (!annexb && !(par->extradata_size >= 7 && par->extradata[0] == 1))
		return NULL; /* not avcC: the NAL units have no lengths */
	if (!(k = calloc(1, sizeof(*k))))
		return NULL;
	k->annexb = annexb;
	k->nal_len = annexb ? 0 : (par->extradata[4] & 3) + 1;
	if (par->extradata_size > 0) {
		if (!(k->extradata = av_mallocz((size_t)par->extradata_size +
		                                AV_INPUT_BUFFER_PADDING_SIZE))) {
			free(k);
			return NULL;
		}
		memcpy(k->extradata, par->extradata, (size_t)par->extradata_size);
		k->extradata_size = par->extradata_size;
	}
	return k;
}

void vidx__nalkey_free(vidx__nalkey *k)
{
	if (!k)
		return;
	av_parser_close(k->pc);
	avcodec_free_context(&k->avctx); /* frees the extradata it was given */
	av_free(k->extradata);
	av_free(k->buf);
	free(k);
}

int64_t vidx__nalkey_parsed(const vidx__nalkey *k)
{
	return k ? k->parsed : 0;
}

/* ---- reading the first bits of a NAL unit ---------------------------------- */

/* NAL payload [P, P+N) without emulation prevention bytes, at most CAP bytes
 * into OUT; returns the length */
static size_t unescape(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
	size_t i, o = 0, zeros = 0;

	for (i = 0; i < n && o < cap; i++) {
		if (zeros >= 2 && p[i] == 3) {
			zeros = 0;
			continue;
		}
		zeros = p[i] ? 0 : zeros + 1;
		out[o++] = p[i];
	}
	return o;
}

typedef struct bits {
	const uint8_t *p;
	size_t n, pos; /* in bits */
	int bad;
} bits;

static unsigned bit1(bits *b)
{
	unsigned v;
	if (b->pos >= b->n) {
		b->bad = 1;
		return 0;
	}
	v = (b->p[b->pos >> 3] >> (7 - (b->pos & 7))) & 1;
	b->pos++;
	return v;
}

/* ue(v), refused (bad) past 31 leading zeros */
static uint32_t ue(bits *b)
{
	uint32_t v = 0;
	int z = 0, i;

	while (!bit1(b)) {
		if (b->bad || ++z > 31) {
			b->bad = 1;
			return 0;
		}
	}
	for (i = 0; i < z; i++)
		v = v << 1 | bit1(b);
	return (uint32_t)((1ull << z) - 1) + v;
}

/* Does a NAL body hold a 00 00 0x (x < 3) before its trailing zeros?  The
 * parser would end the unit there and look for another one inside it. */
static int inner_start(const uint8_t *p, size_t n)
{
	size_t i;

	while (n && !p[n - 1])
		n--;
	for (i = 0; i + 2 < n; i++)
		if (!p[i] && !p[i + 1] && p[i + 2] < 3)
			return 1;
	return 0;
}

/* Does the SEI unit [P, P+N) (header included) hold a recovery point, or
 * can it not be walked cleanly?  Either sends the access unit to the
 * parser. */
static int sei_needs_parser(const uint8_t *p, size_t n)
{
	uint8_t *r = malloc(n ? n : 1);
	size_t len, i = 1;
	int rc = 1;

	if (!r)
		return 1;
	len = unescape(p, n, r, n);
	while (len && !r[len - 1])
		len--;
	while (i < len && r[i] != 0x80) {
		size_t type = 0, size = 0;
		while (i < len && r[i] == 0xff)
			type += r[i++];
		if (i >= len)
			goto out;
		type += r[i++];
		while (i < len && r[i] == 0xff)
			size += r[i++];
		if (i >= len)
			goto out;
		size += r[i++];
		if (type == 6 || size > len - i)
			goto out;
		i += size;
	}
	rc = 0;
out:
	free(r);
	return rc;
}

/* ---- the decision ------------------------------------------------------------ */

enum { NK_NO, NK_KEY, NK_ASK };

/* the AU's NAL units up to its first slice; END is where the parser's view
 * of them ends (the first slice cut to SLICE_READ bytes) */
typedef struct walk {
	int verdict, params, has_slice;
	size_t slice_at, slice_len; /* the first slice's payload, header on */
	size_t lenfield;            /* AVC: where its length is written */
	int slice_cut;              /* the prefix ends inside it */
} walk;

static void decide_slice(walk *w, const uint8_t *nal, size_t n)
{
	uint8_t r[24];
	bits b;
	uint32_t type;

	if (w->verdict == NK_ASK)
		return;
	if ((nal[0] & 0x1f) == 5) {
		w->verdict = NK_KEY; /* the parser marks an IDR slice at once */
		return;
	}
	b.p = r;
	b.n = 8 * unescape(nal, n, r, sizeof(r));
	b.pos = 8;
	b.bad = 0;
	ue(&b); /* first_mb_in_slice */
	type = ue(&b);
	if (b.bad || type > 31)
		w->verdict = NK_ASK;
	else
		/* P, B, SP: not key; I, SI: the parser's heuristic decides */
		w->verdict = type % 5 == 2 || type % 5 == 4 ? NK_ASK : NK_NO;
}

/* one NAL unit [NAL, NAL+N) before the first slice (or that slice) */
static int look(walk *w, const uint8_t *nal, size_t n)
{
	int t;

	if (!n)
		return 0;
	t = nal[0] & 0x1f;
	if (t == 1 || t == 5) {
		w->has_slice = 1;
		decide_slice(w, nal, n);
		return 1;
	}
	if (inner_start(nal + 1, n - 1))
		w->verdict = NK_ASK;
	if (t == 7 || t == 8)
		w->params = 1;
	else if (t == 6 && sei_needs_parser(nal, n))
		w->verdict = NK_ASK;
	return 0;
}

static void walk_avc(const vidx__nalkey *k, walk *w, const uint8_t *au, size_t n)
{
	size_t i = 0, size;
	int j;

	for (;;) {
		if (n < (size_t)k->nal_len || i >= n - (size_t)k->nal_len)
			return; /* the parser stops here too */
		for (size = 0, j = 0; j < k->nal_len; j++)
			size = size << 8 | au[i + (size_t)j];
		if (!size || size > n - i - (size_t)k->nal_len) {
			w->verdict = NK_ASK; /* the parser says why */
			return;
		}
		if (look(w, au + i + k->nal_len, size)) {
			w->lenfield = i;
			w->slice_at = i + (size_t)k->nal_len;
			w->slice_len = size;
			return;
		}
		i += (size_t)k->nal_len + size;
	}
}

/* next 00 00 01 at or after I; N when none */
static size_t next_sc(const uint8_t *p, size_t i, size_t n)
{
	for (; i + 2 < n; i++) {
		if (p[i + 2] > 1) {
			i += 2;
			continue;
		}
		if (!p[i] && !p[i + 1] && p[i + 2] == 1)
			return i;
	}
	return n;
}

/* 1 when the prefix of N bytes (of TOTAL) does not reach the first slice */
static int walk_annexb(walk *w, const uint8_t *au, size_t n, size_t total)
{
	size_t i = next_sc(au, 0, n), j;

	while (i < n) {
		int t;
		i += 3;
		j = next_sc(au, i, n);
		t = i < n ? au[i] & 0x1f : 0;
		if (t == 1 || t == 5) {
			look(w, au + i, j - i);
			w->slice_at = i;
			w->slice_len = j - i;
			w->slice_cut = j == n && n < total;
			return 0;
		}
		if (j == n && n < total)
			return 1; /* this unit may go on past the prefix */
		look(w, au + i, j - i);
		i = j;
	}
	return n < total;
}

/* the parser's own answer on the part of the AU it reads */
static int ask_parser(vidx__nalkey *k, const walk *w, const uint8_t *au, size_t n,
                      int *key)
{
	uint8_t *out = NULL;
	int outsize = 0;
	size_t len = n, take;

	if (!k->pc) {
		if (!(k->pc = av_parser_init(AV_CODEC_ID_H264)) ||
		    !(k->avctx = avcodec_alloc_context3(NULL)))
			return VIDX_ENOMEM;
		k->pc->flags |= PARSER_FLAG_COMPLETE_FRAMES;
		if (k->extradata) {
			k->avctx->extradata = k->extradata; /* the context owns it now */
			k->avctx->extradata_size = k->extradata_size;
			k->extradata = NULL;
		}
	}
	if (w->has_slice) {
		take = w->slice_len < SLICE_READ ? w->slice_len : SLICE_READ;
		len = w->slice_at + take;
	}
	if (len + AV_INPUT_BUFFER_PADDING_SIZE > k->cap) {
		av_free(k->buf);
		k->cap = len + AV_INPUT_BUFFER_PADDING_SIZE;
		if (!(k->buf = av_malloc(k->cap))) {
			k->cap = 0;
			return VIDX_ENOMEM;
		}
	}
	memcpy(k->buf, au, len);
	memset(k->buf + len, 0, AV_INPUT_BUFFER_PADDING_SIZE);
	if (w->has_slice && !k->annexb) {
		/* the slice's length as what is left of it */
		int j;
		size_t v = len - w->slice_at;
		for (j = k->nal_len - 1; j >= 0; j--, v >>= 8)
			k->buf[w->lenfield + (size_t)j] = (uint8_t)v;
	}
	av_parser_parse2(k->pc, k->avctx, &out, &outsize, k->buf, (int)len,
	                 AV_NOPTS_VALUE, AV_NOPTS_VALUE, 0);
	k->parsed++;
	*key = k->pc->key_frame == 1;
	return 0;
}

int vidx__nalkey_au(vidx__nalkey *k, const uint8_t *au, size_t n, size_t total,
                    int flagged)
{
	walk w = {NK_NO, 0, 0, 0, 0, 0, 0};
	int key = 0, rc;

	if (n > INT32_MAX - 2 * AV_INPUT_BUFFER_PADDING_SIZE)
		return VIDX__NK_MORE; /* beyond what the parser takes */
	if (k->annexb) {
		if (walk_annexb(&w, au, n, total))
			return VIDX__NK_MORE;
	} else {
		walk_avc(k, &w, au, n);
	}
	/* the slice's type is read from its first bytes */
	if (w.slice_cut && w.slice_len < 24 && w.verdict != NK_KEY)
		return VIDX__NK_MORE;
	if (w.verdict == NK_ASK || w.params) {
		if ((!w.has_slice && n < total) ||
		    (w.slice_cut && w.slice_len < SLICE_READ))
			return VIDX__NK_MORE; /* the parser reads more of it */
		if ((rc = ask_parser(k, &w, au, n, &key)) < 0)
			return rc;
		return flagged || key;
	}
	return flagged || w.verdict == NK_KEY;
}
