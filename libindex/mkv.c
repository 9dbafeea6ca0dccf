/*
 * mkv.c - the video packets of a Matroska file from its block headers, and
 * its Cues checked against them.
 *
 * libavformat reads every byte of a Matroska file to list its packets.
 * The packet list needs far less: each block's header (track, time, flags)
 * and, for H.264, the first NAL units of each frame: libavformat runs its
 * parser over H.264 blocks and takes the parser's key flag instead of the
 * block's (nalkey.c).  Those are a few dozen bytes
 * every few kilobytes; they are read through a memory map (map.c), so the
 * rest of the file is never copied.
 *
 * The Cues (the file's own index of keyframes: time, cluster position,
 * position of the block in the cluster) cannot stand in for the walk: they
 * list keyframes only, and the packet count and the gaps need every frame.
 * Each cue is checked against the block it points at instead: the video
 * track's, a keyframe, at the cue's time.  When every cue checks out and
 * every keyframe has one, the file's index is confirmed ("cues"); when the
 * Cues are missing, partial or point elsewhere, the keyframes are those of
 * the blocks ("block-scan").  Either way they are ffprobe's.
 *
 * Anything this reader does not follow exactly as libavformat does (laced
 * or compressed video, several video tracks, unknown sizes other than a
 * cluster's, a block before its cluster's time, an element running past
 * its parent or the file, data after the segment) makes it give up, and
 * the caller lists the packets with libavformat, which also judges damage.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "media.h"

/* element IDs, with their length marker as the specification writes them */
#define ID_EBML      0x1A45DFA3u
#define ID_SEGMENT   0x18538067u
#define ID_SEEKHEAD  0x114D9B74u
#define ID_INFO      0x1549A966u
#define ID_TSCALE    0x2AD7B1u
#define ID_TRACKS    0x1654AE6Bu
#define ID_TRACK     0xAEu
#define ID_TNUM      0xD7u
#define ID_TTYPE     0x83u
#define ID_CODEC     0x86u
#define ID_TTSCALE   0x23314Fu
#define ID_ENCODINGS 0x6D80u
#define ID_CDELAY    0x56AAu
#define ID_CLUSTER   0x1F43B675u
#define ID_CTIME     0xE7u
#define ID_POSITION  0xA7u
#define ID_PREVSIZE  0xABu
#define ID_SILENT    0x5854u
#define ID_SIMPLE    0xA3u
#define ID_GROUP     0xA0u
#define ID_BLOCK     0xA1u
#define ID_REF       0xFBu
#define ID_CUES      0x1C53BB6Bu
#define ID_CUEPOINT  0xBBu
#define ID_CUETIME   0xB3u
#define ID_CUEPOS    0xB7u
#define ID_CUETRACK  0xF7u
#define ID_CUECLUSTER 0xF1u
#define ID_CUEREL    0xF0u
#define ID_TAGS      0x1254C367u
#define ID_CHAPTERS  0x1043A770u
#define ID_ATTACH    0x1941A469u
#define ID_VOID      0xECu
#define ID_CRC       0xBFu

enum { BAD = -1 };

typedef struct cue {
	int64_t time, cluster, rel; /* rel -1: not given */
	uint64_t track;
} cue;

typedef struct rd {
	vidx__map m;
	const AVStream *st;
	vidx__pkts *out;
	vidx__nalkey *nk;
	int64_t size, sdata, send;
	uint64_t tscale;
	int ninfo, ntracks;
	uint64_t *tn;          /* track numbers */
	size_t ntn, tncap;
	uint64_t vtrack;
	int nvideo, vbad;
	int64_t *epos;         /* per packet: where its block element starts */
	size_t ecap;
	int64_t *cl, *cld;     /* clusters: element and payload positions */
	size_t ncl, clcap;
	cue *cues;
	size_t ncues, cuecap;
	int cues_bad;
	int nomem;
} rd;

static int grow(void **a, size_t *cap, size_t need, size_t elem)
{
	size_t c;
	void *n;

	if (need <= *cap)
		return 0;
	c = *cap ? *cap * 2 : 256;
	while (c < need)
		c *= 2;
	if (!(n = realloc(*a, c * elem)))
		return -1;
	*a = n;
	*cap = c;
	return 0;
}

int vidx__pkts_add(vidx__pkts *p, int64_t ts, int64_t pos, int64_t size, int key)
{
	if (size < 0 || size > INT32_MAX ||
	    grow((void **)&p->a, &p->cap, p->n + 1, sizeof(*p->a)))
		return -1;
	p->a[p->n].ts = ts;
	p->a[p->n].pos = pos;
	p->a[p->n].size = (int32_t)size;
	p->a[p->n].key = key;
	p->n++;
	return 0;
}

void vidx__pkts_free(vidx__pkts *p)
{
	free(p->a);
	memset(p, 0, sizeof(*p));
}

/* ---- EBML ------------------------------------------------------------------- */

/* The element at POS, inside [.., END): its ID (marker kept), where its
 * payload starts and its size (-1: unknown).  0, or BAD. */
static int elem(rd *r, int64_t pos, int64_t end, uint32_t *id, int64_t *data,
                int64_t *size)
{
	const uint8_t *p;
	int64_t avail = end - pos;
	int il, sl, i, ones;
	uint64_t v;

	if (avail < 2 || !(p = vidx__map_at(&r->m, pos, avail < 12 ? avail : 12)))
		return BAD;
	/* the walk goes from header to header, each a page or so on from the
	 * last: a load that waits for memory every time.  Touching the pages
	 * ahead now lets that wait overlap this element's work (bench/probe's
	 * bench.mkv, some 146,000 blocks: 8 of its 60 ms of CPU saved) */
	if (avail > 8192) {
		__builtin_prefetch(p + 4096);
		__builtin_prefetch(p + 8192);
	}
	il = p[0] & 0x80 ? 1 : p[0] & 0x40 ? 2 : p[0] & 0x20 ? 3 : p[0] & 0x10 ? 4 : 0;
	if (!il || il >= avail)
		return BAD;
	for (v = 0, i = 0; i < il; i++)
		v = v << 8 | p[i];
	*id = (uint32_t)v;
	if (!p[il])
		return BAD; /* a size longer than 8 bytes */
	for (sl = 1; !(p[il] & (0x80 >> (sl - 1))); sl++)
		;
	if (il + sl > avail)
		return BAD;
	v = p[il] & (0xff >> sl);
	ones = v == (uint64_t)(0xff >> sl);
	for (i = 1; i < sl; i++) {
		v = v << 8 | p[il + i];
		ones &= p[il + i] == 0xff;
	}
	*data = pos + il + sl;
	*size = ones ? -1 : v > (uint64_t)INT64_MAX ? -2 : (int64_t)v;
	return *size == -2 ? BAD : 0;
}

static int get_uint(rd *r, int64_t data, int64_t size, uint64_t *v)
{
	const uint8_t *p;
	int64_t i;

	if (size < 0 || size > 8 || (size && !(p = vidx__map_at(&r->m, data, size))))
		return BAD;
	for (*v = 0, i = 0; i < size; i++)
		*v = *v << 8 | p[i];
	return 0;
}

static int get_float(rd *r, int64_t data, int64_t size, double *d)
{
	uint64_t v;
	union { uint32_t u; float f; } f4;
	union { uint64_t u; double f; } f8;

	if ((size != 0 && size != 4 && size != 8) || get_uint(r, data, size, &v) < 0)
		return BAD;
	if (size == 4) {
		f4.u = (uint32_t)v;
		*d = f4.f;
	} else if (size == 8) {
		f8.u = v;
		*d = f8.f;
	} else {
		*d = 0;
	}
	return 0;
}

/* a block's track number: an EBML-coded number of 1-8 bytes */
static int ebml_num(const uint8_t *p, int64_t avail, uint64_t *v, int *len)
{
	int n, i;

	if (avail < 1 || !p[0])
		return BAD;
	for (n = 1; !(p[0] & (0x80 >> (n - 1))); n++)
		;
	if (n > avail)
		return BAD;
	*v = p[0] & (0xff >> n);
	for (i = 1; i < n; i++)
		*v = *v << 8 | p[i];
	if (*v == (1ull << (7 * n)) - 1)
		return BAD; /* all ones: reserved */
	*len = n;
	return 0;
}

/* ---- the header: Info and Tracks ----------------------------------------------- */

static int info(rd *r, int64_t p, int64_t end)
{
	uint32_t id;
	int64_t d, s;

	if (r->ninfo++)
		return BAD;
	for (; p < end; p = d + s) {
		if (elem(r, p, end, &id, &d, &s) < 0 || s < 0 || s > end - d)
			return BAD;
		if (id == ID_TSCALE && (get_uint(r, d, s, &r->tscale) < 0 || !r->tscale))
			return BAD;
	}
	return 0;
}

static int track(rd *r, int64_t p, int64_t end)
{
	uint32_t id;
	int64_t d, s;
	uint64_t num = 0, type = 0, v;
	double tts = 1.0;
	char codec[24] = "";
	int odd = 0;
	size_t i;

	for (; p < end; p = d + s) {
		if (elem(r, p, end, &id, &d, &s) < 0 || s < 0 || s > end - d)
			return BAD;
		switch (id) {
		case ID_TNUM:
			if (get_uint(r, d, s, &num) < 0)
				return BAD;
			break;
		case ID_TTYPE:
			if (get_uint(r, d, s, &type) < 0)
				return BAD;
			break;
		case ID_CODEC:
			if (s > 0 && s < (int64_t)sizeof(codec)) {
				const uint8_t *c = vidx__map_at(&r->m, d, s);
				if (!c)
					return BAD;
				memcpy(codec, c, (size_t)s);
				codec[s] = 0;
			}
			break;
		case ID_TTSCALE:
			if (get_float(r, d, s, &tts) < 0)
				return BAD;
			break;
		case ID_CDELAY:
			if (get_uint(r, d, s, &v) < 0)
				return BAD;
			odd |= v != 0;
			break;
		case ID_ENCODINGS:
			odd = 1; /* compressed or encrypted frames: other sizes */
			break;
		}
	}
	if (!num)
		return BAD;
	for (i = 0; i < r->ntn; i++)
		if (r->tn[i] == num)
			return BAD;
	if (grow((void **)&r->tn, &r->tncap, r->ntn + 1, sizeof(*r->tn))) {
		r->nomem = 1;
		return BAD;
	}
	r->tn[r->ntn++] = num;
	if (type == 1) {
		enum AVCodecID want = !strcmp(codec, "V_MPEG4/ISO/AVC") ? AV_CODEC_ID_H264
		                    : !strcmp(codec, "V_MPEGH/ISO/HEVC") ? AV_CODEC_ID_HEVC
		                    : AV_CODEC_ID_NONE;
		r->nvideo++;
		r->vtrack = num;
		/* the track the first video stream was made from, timed in the
		 * segment's scale, its frames stored whole */
		r->vbad = want == AV_CODEC_ID_NONE || want != r->st->codecpar->codec_id ||
		          odd || tts != 1.0;
	}
	return 0;
}

static int tracks(rd *r, int64_t p, int64_t end)
{
	uint32_t id;
	int64_t d, s;

	if (r->ntracks++)
		return BAD;
	for (; p < end; p = d + s) {
		if (elem(r, p, end, &id, &d, &s) < 0 || s < 0 || s > end - d)
			return BAD;
		if (id == ID_TRACK && track(r, d, d + s) < 0)
			return BAD;
	}
	return 0;
}

/* ---- Cues ------------------------------------------------------------------------ */

/* Cues are not needed to list the packets, so a malformed one only means
 * they are not confirmed (cues_bad); the element itself must fit. */
static void cuepoint(rd *r, int64_t p, int64_t end)
{
	uint32_t id, id2;
	int64_t d, s, d2, s2, time = -1;
	size_t first = r->ncues, i;
	uint64_t v;

	for (; p < end; p = d + s) {
		if (elem(r, p, end, &id, &d, &s) < 0 || s < 0 || s > end - d) {
			r->cues_bad = 1;
			return;
		}
		if (id == ID_CUETIME) {
			if (get_uint(r, d, s, &v) < 0 || v > INT64_MAX) {
				r->cues_bad = 1;
				return;
			}
			time = (int64_t)v;
		} else if (id == ID_CUEPOS) {
			cue c = {-1, -1, -1, 0};
			int64_t q;
			for (q = d; q < d + s; q = d2 + s2) {
				if (elem(r, q, d + s, &id2, &d2, &s2) < 0 || s2 < 0 ||
				    s2 > d + s - d2 || (s2 <= 8 && get_uint(r, d2, s2, &v) < 0)) {
					r->cues_bad = 1;
					return;
				}
				if (s2 > 8 || v > INT64_MAX)
					continue;
				if (id2 == ID_CUETRACK)
					c.track = v;
				else if (id2 == ID_CUECLUSTER)
					c.cluster = (int64_t)v;
				else if (id2 == ID_CUEREL)
					c.rel = (int64_t)v;
			}
			if (grow((void **)&r->cues, &r->cuecap, r->ncues + 1, sizeof(*r->cues))) {
				r->nomem = 1;
				return;
			}
			r->cues[r->ncues++] = c;
		}
	}
	if (time < 0)
		r->cues_bad = 1;
	for (i = first; i < r->ncues; i++)
		r->cues[i].time = time;
}

static void cues(rd *r, int64_t p, int64_t end)
{
	uint32_t id;
	int64_t d, s;

	for (; p < end && !r->nomem; p = d + s) {
		if (elem(r, p, end, &id, &d, &s) < 0 || s < 0 || s > end - d) {
			r->cues_bad = 1;
			return;
		}
		if (id == ID_CUEPOINT)
			cuepoint(r, d, d + s);
	}
}

/* ---- clusters and blocks --------------------------------------------------------- */

static int known_track(const rd *r, uint64_t num)
{
	size_t i;
	for (i = 0; i < r->ntn; i++)
		if (r->tn[i] == num)
			return 1;
	return 0;
}

/* The block whose element starts at EPOS, payload [D, D+S), in a cluster
 * at time CTIME (-1: not given); KEY for a BlockGroup (no reference),
 * -1 for a SimpleBlock (its flags say). */
static int block(rd *r, int64_t epos, int64_t d, int64_t s, int64_t ctime, int key)
{
	const uint8_t *p = vidx__map_at(&r->m, d, s < 16 ? s : 16);
	const uint8_t *frame;
	uint64_t num;
	int n, flags, rc;
	int16_t bt;
	int64_t fsize;

	if (!p || ebml_num(p, s < 16 ? s : 16, &num, &n) < 0 || !known_track(r, num))
		return BAD; /* libavformat stops and resyncs there */
	if (s - n <= 3)
		return 0; /* libavformat skips it */
	if (num != r->vtrack)
		return 0;
	bt = (int16_t)(p[n] << 8 | p[n + 1]);
	flags = p[n + 2];
	if (flags & 0x06 || ctime < 0 || (bt < 0 && ctime < -(int64_t)bt))
		return BAD; /* laced; no cluster time; before time 0 */
	if (key < 0)
		key = (flags & 0x80) != 0;
	fsize = s - n - 3;
	if (r->nk) {
		if (!(frame = vidx__map_at(&r->m, d + n + 3, fsize)))
			return BAD;
		/* the parser's verdict replaces the block's flag */
		rc = vidx__nalkey_au(r->nk, frame, (size_t)fsize, (size_t)fsize, 0);
		if (rc == VIDX_ENOMEM) {
			r->nomem = 1;
			return BAD;
		}
		if (rc < 0)
			return BAD;
		key = rc;
	}
	if (grow((void **)&r->epos, &r->ecap, r->out->n + 1, sizeof(*r->epos)) ||
	    vidx__pkts_add(r->out, ctime + bt, d, fsize, key) < 0) {
		r->nomem = 1;
		return BAD;
	}
	r->epos[r->out->n - 1] = epos;
	return 0;
}

static int group(rd *r, int64_t epos, int64_t p, int64_t end, int64_t ctime)
{
	uint32_t id;
	int64_t d, s, bd = -1, bs = 0;
	int refs = 0;
	uint64_t v;

	for (; p < end; p = d + s) {
		if (elem(r, p, end, &id, &d, &s) < 0 || s < 0 || s > end - d)
			return BAD;
		if (id == ID_BLOCK) {
			if (bd >= 0)
				return BAD; /* one Block per group */
			bd = d;
			bs = s;
		} else if (id == ID_REF) {
			/* libavformat keeps INT64_MIN for "no reference" */
			if (get_uint(r, d, s, &v) < 0 || (s == 8 && v == 1ull << 63))
				return BAD;
			refs++;
		}
	}
	if (bd < 0 || bs <= 0)
		return 0; /* no frame: nothing for libavformat either */
	return block(r, epos, bd, bs, ctime, !refs);
}

static int level1(uint32_t id)
{
	return id == ID_CLUSTER || id == ID_CUES || id == ID_TAGS ||
	       id == ID_CHAPTERS || id == ID_ATTACH || id == ID_SEEKHEAD ||
	       id == ID_INFO || id == ID_TRACKS || id == ID_EBML ||
	       id == ID_SEGMENT;
}

/* the cluster at CPOS, payload from D, of size S (-1: up to the next
 * top-level element); *NEXT: where the next element starts */
static int cluster(rd *r, int64_t cpos, int64_t d, int64_t s, int64_t *next)
{
	int64_t end = s < 0 ? r->send : d + s, p, ed, es, ctime = -1;
	uint32_t id;
	uint64_t v;

	if (grow((void **)&r->cl, &r->clcap, r->ncl + 1, sizeof(*r->cl)) ||
	    !(r->cld = realloc(r->cld, r->clcap * sizeof(*r->cld)))) {
		r->nomem = 1;
		return BAD;
	}
	r->cl[r->ncl] = cpos;
	r->cld[r->ncl++] = d;
	for (p = d; p < end; p = ed + es) {
		if (elem(r, p, end, &id, &ed, &es) < 0)
			return BAD;
		if (s < 0 && level1(id))
			break; /* a cluster of unknown size ends at the next one */
		if (es < 0 || es > end - ed)
			return BAD;
		switch (id) {
		case ID_CTIME:
			if (ctime >= 0 || get_uint(r, ed, es, &v) < 0 || v > INT64_MAX / 2)
				return BAD;
			ctime = (int64_t)v;
			break;
		case ID_SIMPLE:
			if (block(r, p, ed, es, ctime, -1) < 0)
				return BAD;
			break;
		case ID_GROUP:
			if (group(r, p, ed, ed + es, ctime) < 0)
				return BAD;
			break;
		case ID_VOID: case ID_CRC: case ID_POSITION: case ID_PREVSIZE:
		case ID_SILENT:
			break;
		default:
			return BAD; /* not something libavformat reads in a cluster */
		}
	}
	*next = p;
	return 0;
}

/* ---- the file ------------------------------------------------------------------------ */

static int walk(void *ctx)
{
	rd *r = ctx;
	uint32_t id;
	int64_t d, s, p, next;

	if (elem(r, 0, r->size, &id, &d, &s) < 0 || id != ID_EBML || s < 0 ||
	    s > r->size - d)
		return BAD;
	p = d + s;
	if (elem(r, p, r->size, &id, &d, &s) < 0 || id != ID_SEGMENT)
		return BAD;
	r->sdata = d;
	r->send = s < 0 ? r->size : d + s;
	if (r->send != r->size)
		return BAD; /* cut off, or something after the segment */
	for (p = r->sdata; p < r->send; p = next) {
		if (elem(r, p, r->send, &id, &d, &s) < 0)
			return BAD;
		if (s >= 0 && s > r->send - d)
			return BAD;
		next = d + s;
		if (id == ID_CLUSTER) {
			if (!r->ntracks || r->vbad || r->nvideo != 1 ||
			    cluster(r, p, d, s, &next) < 0)
				return BAD;
			continue;
		}
		if (s < 0)
			return BAD;
		if ((id == ID_INFO && info(r, d, next) < 0) ||
		    (id == ID_TRACKS && tracks(r, d, next) < 0) ||
		    id == ID_EBML || id == ID_SEGMENT)
			return BAD;
		if (id == ID_CUES)
			cues(r, d, next);
		if (r->nomem)
			return BAD;
	}
	return r->ncl ? 0 : BAD;
}

/* the packet whose block element starts at POS, or -1 */
static ssize_t at_epos(const rd *r, int64_t pos)
{
	size_t lo = 0, hi = r->out->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->epos[mid] < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->out->n && r->epos[lo] == pos ? (ssize_t)lo : -1;
}

/* Do the Cues name every keyframe, each at a keyframe of the video track
 * at the cue's time? */
static int cues_confirmed(rd *r)
{
	unsigned char *cued;
	size_t i, lo, hi, nv = 0;
	int ok = !r->cues_bad;

	if (!r->ncues || !(cued = calloc(r->out->n ? r->out->n : 1, 1)))
		return 0;
	for (i = 0; ok && i < r->ncues; i++) {
		const cue *c = &r->cues[i];
		int64_t cpos = r->sdata + c->cluster;
		ssize_t k = -1;
		if (c->track != r->vtrack)
			continue;
		nv++;
		/* the cluster it names */
		for (lo = 0, hi = r->ncl; lo < hi;) {
			size_t mid = lo + (hi - lo) / 2;
			if (r->cl[mid] < cpos)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (c->cluster < 0 || lo >= r->ncl || r->cl[lo] != cpos) {
			ok = 0;
			break;
		}
		if (c->rel >= 0) {
			k = at_epos(r, r->cld[lo] + c->rel);
		} else {
			/* no position in the cluster: its video block at that time */
			int64_t cend = lo + 1 < r->ncl ? r->cl[lo + 1] : r->send;
			size_t j, a = 0, b = r->out->n;
			while (a < b) {
				size_t mid = a + (b - a) / 2;
				if (r->epos[mid] < r->cld[lo])
					a = mid + 1;
				else
					b = mid;
			}
			for (j = a; j < r->out->n && r->epos[j] < cend; j++)
				if (r->out->a[j].ts == c->time) {
					k = (ssize_t)j;
					break;
				}
		}
		if (k < 0 || !r->out->a[k].key || r->out->a[k].ts != c->time)
			ok = 0;
		else
			cued[k] = 1;
	}
	for (i = 0; ok && i < r->out->n; i++)
		if (r->out->a[i].key && !cued[i])
			ok = 0; /* a keyframe without a cue: partial */
	free(cued);
	return ok && nv;
}

int vidx__mkv_read(vidx *h, int fd, int64_t size, const AVFormatContext *fc,
                   const AVStream *st, vidx__pkts *out)
{
	rd r;
	int rc, num, den, i, tracks_streams = 0;

	memset(out, 0, sizeof(*out));
	if (strncmp(fc->iformat->name, "matroska", 8) ||
	    (st->codecpar->codec_id != AV_CODEC_ID_H264 &&
	     st->codecpar->codec_id != AV_CODEC_ID_HEVC))
		return 0;
	memset(&r, 0, sizeof(r));
	r.st = st;
	r.out = out;
	r.size = size;
	r.tscale = 1000000;
	/* H.264: libavformat's parser adds key flags (HEVC gets none) */
	if (st->codecpar->codec_id == AV_CODEC_ID_H264 &&
	    !(r.nk = vidx__nalkey_new(st->codecpar, 0)))
		return 0;
	vidx__map_init(&r.m, fd, size);
	rc = vidx__map_run(&r.m, walk, &r);
	if (rc == 0 && !r.nomem)
		out->method = cues_confirmed(&r) ? "cues" : "block-scan";
	out->parsed = vidx__nalkey_parsed(r.nk);
	vidx__map_close(&r.m);
	vidx__nalkey_free(r.nk);
	free(r.tn);
	free(r.epos);
	free(r.cl);
	free(r.cld);
	free(r.cues);
	/* every track a stream (attachments aside), timed as libavformat does */
	for (i = 0; i < (int)fc->nb_streams; i++)
		tracks_streams += fc->streams[i]->codecpar->codec_type != AVMEDIA_TYPE_ATTACHMENT &&
		                  !(fc->streams[i]->disposition & AV_DISPOSITION_ATTACHED_PIC);
	av_reduce(&num, &den, (int64_t)r.tscale, 1000000000, INT_MAX);
	if (rc == 0 && !r.nomem && ((size_t)tracks_streams != r.ntn ||
	    st->time_base.num != num || st->time_base.den != den))
		rc = BAD;
	if (r.nomem) {
		vidx__pkts_free(out);
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	}
	if (rc == VIDX__MAP_FAULT) {
		vidx__pkts_free(out);
		return vidx__fail(h, VIDX_EIO, "read error (the file was cut short "
		                  "or could not be read while being read)");
	}
	if (rc < 0) {
		vidx__pkts_free(out);
		return 0;
	}
	return 1;
}
