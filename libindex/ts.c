/*
 * ts.c - the video packets of an MPEG-TS file in one pass over it.
 *
 * A TS file must be read whole: nothing in it says where the frames are.
 * libavformat reads it twice over in effect: the demuxer copies each PES
 * into a buffer, then libavcodec's parser (H.264, HEVC) walks that copy to
 * split it into access units and to tell which are key frames; ffprobe's
 * packets are those access units.  Here the file is read once, through a
 * memory map (map.c), nothing is copied but the first bytes of each access
 * unit, and the same decisions are made:
 *
 *  - the parser's frame ends (a start code of an AUD, SEI, SPS or PPS after
 *    a slice; a slice whose first macroblock is not past the last one; for
 *    HEVC, parameter sets, prefix SEI or a first slice segment) are found
 *    with the parser's own rules, and must fall at the start of a PES (or,
 *    as the HEVC parser splits, the byte after): one access unit per PES,
 *    as broadcast and camera muxers write them.  A frame's time and
 *    position are then its PES's, its size the bytes between two ends;
 *  - key frames: HEVC's are IRAP pictures; H.264's as nalkey.c says.  The
 *    random access indicator plays no part (the parser decides).
 *
 * A packet lost (a continuity count that jumps, a transport error) marks
 * the recording damaged, as libavformat flags such PES corrupt.  Anything
 * else this reader does not follow exactly (packets not 188 bytes or out
 * of sync, program tables that change, a PES holding several access units
 * or none, a PES without its PTS, an unusual header) makes it give up, and
 * the caller reads the file with libavformat.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "media.h"

#define TSP 188
#define PSI_WITHIN (4LL << 20)  /* tables libavformat sees before it reads */
#define PREFIX_MAX (256 << 10)  /* most of an AU kept for nalkey */
#define SLICE_PEEK 32           /* of the first slice, to read its type */

enum { BAD = -1 };

typedef struct psi {
	int pid;
	uint8_t first[TSP - 4];
	int have;
} psi;

typedef struct rd {
	vidx__map m;
	vidx__pkts *out;
	vidx__nalkey *nk;
	int hevc, vpid;
	int64_t size;

	/* program tables: each must repeat unchanged */
	psi tab[8];
	int ntab, pmt_seen;

	/* the PES being read */
	int state;             /* 0 skip, 1 header, 2 payload */
	uint8_t hdr[9 + 255];
	int hlen, hneed;
	int64_t pes_pos, pts, dts;
	int64_t left;          /* bounded PES: payload bytes still to come; -1 */
	int64_t start;         /* stream offset of its payload */
	int64_t plen;          /* payload bytes so far */
	int last_cc, npes;
	int64_t boundary;      /* where its access unit starts; -1 none yet */

	/* the access unit's first bytes (H.264) */
	uint8_t *pre;
	size_t npre, precap;
	int64_t first_slice;   /* stream offset of its first slice's header */
	int hevc_key, hevc_vcl;

	/* the parser's frame-end search, byte by byte */
	int64_t off;           /* stream offset of the next payload byte */
	int st;                /* 7 look for 0; 2,1,0 zeros; 4,5 header; 8+ */
	int fsf;
	uint32_t last_mb;
	uint8_t hist[6];
	int nh, zeros;
	int64_t sc_at;         /* where the start code being read begins */
	uint8_t h0, h1;

	int damaged, bad, nomem;
} rd;

/* ---- the frame ends, as libavcodec's parsers find them -------------------- */

/* Offset of the first of two zero bytes in a row in [P, P+N) (the last
 * byte counts when it is zero: its pair may come next), or N.  Only such a
 * pair can begin a start code, and compressed data has few. */
static size_t zero_pair(const uint8_t *p, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i zero = _mm_setzero_si128();
	for (; i + 17 <= n; i += 16) {
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		                 _mm_loadu_si128((const __m128i *)(const void *)(p + i)), zero));
		/* a zero in the last lane pairs with the next block's first */
		m &= m >> 1 | (p[i + 16] ? 0 : 0x8000u);
		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i + 1 < n; i++)
		if (!p[i] && !p[i + 1])
			return i;
	return i < n && !p[i] ? i : n;
}

/* the access unit that starts at stream offset AT */
static void boundary(rd *r, int64_t at)
{
	int64_t lead = at - r->start;

	/* it must begin in this PES, by its first bytes, and once */
	if (r->npes < 2 || r->boundary >= 0 || lead < 0 || lead > 4) {
		r->bad = 1;
		return;
	}
	r->boundary = at;
	/* the previous frame ends where this one begins */
	if (r->out->n)
		r->out->a[r->out->n - 1].size += (int32_t)lead;
}

/* first_mb_in_slice from the 6 bytes after a slice's header, as the
 * parser reads it (emulation prevention bytes and all) */
static uint32_t ue6(const uint8_t *h, int *ok)
{
	int z = 0, i, pos = 0;
	uint32_t v = 0;

	while (pos < 48 && !((h[pos >> 3] >> (7 - (pos & 7))) & 1)) {
		pos++;
		z++;
	}
	if (z > 31 || pos + 1 + z > 48) {
		*ok = 0;
		return 0;
	}
	pos++;
	for (i = 0; i < z; i++, pos++)
		v = v << 1 | ((h[pos >> 3] >> (7 - (pos & 7))) & 1);
	*ok = 1;
	return (uint32_t)((1ull << z) - 1) + v;
}

/* an H.264 NAL unit header at offset AT (start code from r->sc_at) */
static int h264_nal(rd *r, uint8_t b, int64_t at)
{
	int t = b & 0x1f;

	if (t == 6 || t == 7 || t == 8 || t == 9) {
		if (r->fsf)
			boundary(r, r->sc_at);
		r->fsf = 0;
		return 7;
	}
	if (t == 1 || t == 2 || t == 5) {
		if (t != 2 && r->first_slice < 0)
			r->first_slice = at;
		r->nh = 0;
		return 8;
	}
	if (t == 14 || t == 15 || t == 20)
		r->bad = 1; /* SVC, MVC: other parsers' rules */
	return 7;
}

static void h264_slice(rd *r)
{
	int ok, i;
	uint32_t mb = ue6(r->hist, &ok);

	for (i = 0; i + 1 < 6; i++)
		if (!r->hist[i] && !r->hist[i + 1])
			ok = 0; /* a start code the parser would not see */
	if (!ok) {
		r->bad = 1;
		return;
	}
	if (r->fsf && mb <= r->last_mb)
		boundary(r, r->sc_at);
	r->fsf = 1;
	r->last_mb = mb;
}

static void hevc_nal(rd *r, uint8_t b0)
{
	int nut = (r->h0 >> 1) & 0x3f;
	int layer = (r->h0 & 1) << 5 | r->h1 >> 3, tid = r->h1 & 7;

	if (layer || (r->h0 & 0x80) || !tid) {
		r->bad = 1; /* other layers, invalid headers: not followed */
		return;
	}
	if ((nut >= 32 && nut <= 40) || (nut >= 41 && nut <= 44) ||
	    (nut >= 48 && nut <= 55)) {
		if (r->fsf)
			boundary(r, r->sc_at);
		r->fsf = 0;
	} else if (nut <= 9 || (nut >= 16 && nut <= 21)) {
		if (!r->hevc_vcl) {
			/* the parser's key frame: its first slice, if IRAP */
			r->hevc_vcl = 1;
			r->hevc_key = nut >= 16;
			if (!(b0 >> 7))
				r->bad = 1; /* not a first slice segment */
		}
		if (b0 >> 7) {
			if (r->fsf)
				boundary(r, r->sc_at);
			r->fsf = 1;
		}
	}
}

/* Feed payload bytes [P, P+N) to the frame-end search. */
static void scan(rd *r, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && !r->bad; i++) {
		uint8_t b;
		if (r->st == 7) {
			/* a lone zero starts nothing: on to the next pair */
			i += zero_pair(p + i, n - i);
			if (i >= n)
				break;
			r->st = 2;
			continue;
		}
		b = p[i];
		if (r->st <= 2) {
			if (b == 1) {
				/* 00 00 01 starts 2 bytes back, or 3 with a 4th zero */
				if (r->st <= 1) {
					r->sc_at = r->off + (int64_t)i - 2 -
					           (!r->hevc && r->st == 0);
					r->st = r->hevc ? 20 : 4;
				} else {
					r->st = 7;
				}
			} else if (b) {
				r->st = 7;
			} else if (r->st) {
				r->st--;
			}
			continue;
		}
		if (r->st == 4) {
			r->st = h264_nal(r, b, r->off + (int64_t)i);
		} else if (r->st == 8) {
			r->hist[r->nh++] = b;
			if (r->nh == 6) {
				h264_slice(r);
				r->st = 7;
			}
		} else if (r->st == 20) {
			r->h0 = b;
			r->st = 21;
		} else if (r->st == 21) {
			r->h1 = b;
			r->st = 22;
		} else {
			hevc_nal(r, b);
			/* the HEVC parser finds start codes at any byte, this one's too */
			r->st = b ? 7 : 2;
		}
	}
	r->off += (int64_t)n;
}

/* ---- PES and access units ---------------------------------------------------- */

/* The PES just read again from its first packet, keeping up to the first
 * slice and as much of it as the parser reads (or all of it): what nalkey
 * needs when the access unit goes to the parser.  Rare: parameter sets or
 * an I slice that is not IDR. */
static int regather(rd *r)
{
	int64_t pos, need, skip = r->hneed, got = 0;

	need = r->first_slice >= 0 ? r->first_slice - r->start + 1000 + 64 : r->plen;
	if (need > r->plen)
		need = r->plen;
	if (need > PREFIX_MAX)
		return BAD;
	if ((size_t)need > r->precap) {
		uint8_t *np = realloc(r->pre, (size_t)need);
		if (!np) {
			r->nomem = 1;
			return BAD;
		}
		r->pre = np;
		r->precap = (size_t)need;
	}
	for (pos = r->pes_pos; pos < r->size && got < need; pos += TSP) {
		const uint8_t *pkt = vidx__map_at(&r->m, pos, TSP), *p, *end;
		int afc;
		int64_t n;
		if (!pkt || ((pkt[1] & 0x1f) << 8 | pkt[2]) != r->vpid)
			continue;
		if (pos > r->pes_pos && (pkt[1] & 0x40))
			break;
		afc = pkt[3] >> 4 & 3;
		p = pkt + 4;
		end = pkt + TSP;
		if (afc & 2)
			p += p[0] + 1;
		if (p >= end || !(afc & 1))
			continue;
		n = end - p;
		if (skip) {
			int64_t k = skip < n ? skip : n;
			p += k;
			n -= k;
			skip -= k;
		}
		if (n > need - got)
			n = need - got;
		memcpy(r->pre + got, p, (size_t)n);
		got += n;
	}
	if (got != need)
		return BAD;
	r->npre = (size_t)need;
	return 0;
}

/* the access unit of the PES just read is complete */
static int finish_pes(rd *r)
{
	int key = 0, rc;

	if (r->state == 1 || (r->state == 2 && r->left > 0))
		r->bad = 1; /* cut short */
	if (r->state != 2 || r->bad)
		return r->bad ? BAD : 0;
	if (!r->plen) {
		r->state = 0;
		return 0; /* nothing for the parser */
	}
	if (r->npes > 1 && r->boundary < 0)
		return BAD; /* the parser would run it into the last frame */
	if (r->pts == AV_NOPTS_VALUE)
		return BAD;
	if (r->hevc) {
		if (!r->hevc_vcl)
			return BAD;
		key = r->hevc_key;
	} else {
		rc = vidx__nalkey_au(r->nk, r->pre, r->npre, (size_t)r->plen, 0);
		if (rc == VIDX__NK_MORE && (rc = regather(r)) == 0)
			rc = vidx__nalkey_au(r->nk, r->pre, r->npre, (size_t)r->plen, 0);
		if (rc == VIDX__NK_MORE)
			return BAD;
		if (rc == VIDX_ENOMEM) {
			r->nomem = 1;
			return BAD;
		}
		key = rc;
	}
	if (vidx__pkts_add(r->out, r->pts, r->pes_pos,
	                   r->plen - (r->boundary >= 0 ? r->boundary - r->start : 0),
	                   key) < 0) {
		r->nomem = 1;
		return BAD;
	}
	r->state = 0;
	return 0;
}

/* keep the start of the access unit for nalkey: up to its first slice and
 * a few bytes of it, or all of it to the parser's limit */
static int gather(rd *r, const uint8_t *p, size_t n)
{
	size_t want = n;

	if (r->hevc)
		return 0;
	if (r->first_slice >= 0) {
		int64_t until = r->first_slice + SLICE_PEEK - (r->start + (int64_t)r->npre);
		if (until <= 0)
			return 0;
		if ((int64_t)want > until)
			want = (size_t)until;
	}
	if (r->npre + want > PREFIX_MAX)
		return BAD;
	if (r->npre + want > r->precap) {
		size_t c = r->precap ? r->precap * 2 : 4096;
		uint8_t *np;
		while (c < r->npre + want)
			c *= 2;
		if (!(np = realloc(r->pre, c))) {
			r->nomem = 1;
			return BAD;
		}
		r->pre = np;
		r->precap = c;
	}
	memcpy(r->pre + r->npre, p, want);
	r->npre += want;
	return 0;
}

static int64_t pes_time(const uint8_t *q)
{
	return (int64_t)(q[0] & 0x0e) << 29 | (int64_t)(q[1] << 8 | q[2]) >> 1 << 15 |
	       (q[3] << 8 | q[4]) >> 1;
}

/* the payload bytes of one video TS packet */
static int payload(rd *r, const uint8_t *p, size_t n)
{
	if (r->state == 1) {
		size_t take = (size_t)(r->hneed - r->hlen) < n ? (size_t)(r->hneed - r->hlen) : n;
		memcpy(r->hdr + r->hlen, p, take);
		r->hlen += (int)take;
		p += take;
		n -= take;
		if (r->hlen == 9 && r->hneed == 9) {
			int id = r->hdr[3], flags = r->hdr[7] >> 6;
			unsigned len = (unsigned)(r->hdr[4] << 8 | r->hdr[5]);
			if (r->hdr[0] || r->hdr[1] || r->hdr[2] != 1 || (id & 0xf0) != 0xe0 ||
			    (r->hdr[6] & 0xc0) != 0x80 || flags == 1)
				return BAD; /* not a video PES with the usual header */
			r->hneed = 9 + r->hdr[8];
			r->left = len ? (int64_t)len + 6 - r->hneed : -1;
			if (len && r->left < 0)
				return BAD;
			if (r->hneed > 9)
				return payload(r, p, n);
		}
		if (r->hlen < r->hneed)
			return 0;
		{
			int flags = r->hdr[7] >> 6;
			if ((flags == 2 && r->hneed < 14) || (flags == 3 && r->hneed < 19))
				return BAD;
			r->pts = flags & 2 ? pes_time(r->hdr + 9) : AV_NOPTS_VALUE;
			r->dts = flags == 3 ? pes_time(r->hdr + 14) : r->pts;
			/* libavformat would move pts or dts by 2^33 */
			if (r->pts != AV_NOPTS_VALUE && r->dts - (1LL << 32) > r->pts)
				return BAD;
		}
		r->state = 2;
		r->start = r->off;
		r->plen = 0;
		r->npre = 0;
		r->first_slice = -1;
		r->hevc_key = r->hevc_vcl = 0;
		r->boundary = -1;
	}
	if (r->state != 2 || !n)
		return 0;
	if (r->left >= 0) {
		if ((int64_t)n > r->left)
			n = (size_t)r->left; /* the rest is not the PES's */
		r->left -= (int64_t)n;
	}
	scan(r, p, n);
	if (r->bad || gather(r, p, n) < 0)
		return BAD;
	r->plen += (int64_t)n;
	return 0;
}

/* PAT and PMT must repeat unchanged, each in one packet */
static int table(rd *r, int pid, const uint8_t *pkt)
{
	psi *t = NULL;
	int i;

	for (i = 0; i < r->ntab; i++)
		if (r->tab[i].pid == pid)
			t = &r->tab[i];
	if (!t)
		return 0;
	if (!(pkt[1] & 0x40) || (pkt[3] & 0x30) != 0x10)
		return BAD;
	if (!t->have) {
		memcpy(t->first, pkt + 4, TSP - 4);
		t->have = 1;
		if (pid == 0) {
			/* the PAT names the PMTs */
			const uint8_t *s = pkt + 5 + pkt[4];
			int len, k;
			if (s + 8 > pkt + TSP || s[0] != 0)
				return BAD;
			len = (s[1] & 0x0f) << 8 | s[2];
			if (len < 9 || s + 3 + len > pkt + TSP)
				return BAD;
			for (k = 8; k + 4 <= 3 + len - 4; k += 4) {
				int prog = s[k] << 8 | s[k + 1], ppid = (s[k + 2] & 0x1f) << 8 | s[k + 3];
				if (!prog)
					continue; /* the network PID */
				if (r->ntab == (int)(sizeof(r->tab) / sizeof(r->tab[0])))
					return BAD;
				r->tab[r->ntab].pid = ppid;
				r->tab[r->ntab++].have = 0;
			}
		} else {
			r->pmt_seen = 1;
		}
		return 0;
	}
	return memcmp(t->first, pkt + 4, TSP - 4) ? BAD : 0;
}

static int walk(void *ctx)
{
	rd *r = ctx;
	int64_t pos;

	r->tab[0].pid = 0;
	r->ntab = 1;
	for (pos = 0; pos < r->size && !r->bad; pos += TSP) {
		const uint8_t *pkt = vidx__map_at(&r->m, pos, TSP);
		int pid, afc, cc;
		const uint8_t *p, *end;

		if (!pkt || pkt[0] != 0x47)
			return BAD;
		pid = (pkt[1] & 0x1f) << 8 | pkt[2];
		if (pid != r->vpid) {
			if (table(r, pid, pkt) < 0)
				return BAD;
			continue;
		}
		if (!r->pmt_seen && pos >= PSI_WITHIN)
			return BAD;
		afc = pkt[3] >> 4 & 3;
		cc = pkt[3] & 0x0f;
		if (!afc)
			return BAD; /* reserved: libavformat drops it unseen */
		/* a lost or garbled packet: libavformat marks the PES corrupt */
		if (r->last_cc >= 0 && !(afc & 2 && pkt[4] && (pkt[5] & 0x80)) &&
		    cc != ((afc & 1) ? (r->last_cc + 1) & 0x0f : r->last_cc))
			r->damaged = 1;
		if (pkt[1] & 0x80)
			r->damaged = 1;
		r->last_cc = cc;
		p = pkt + 4;
		end = pkt + TSP;
		if (afc & 2)
			p += p[0] + 1;
		if (p >= end || !(afc & 1))
			continue;
		if (pkt[1] & 0x40) {
			if (finish_pes(r) < 0)
				return BAD;
			r->state = 1;
			r->hlen = 0;
			r->hneed = 9;
			r->pes_pos = pos;
			r->npes++;
		}
		if (r->state && payload(r, p, (size_t)(end - p)) < 0)
			return BAD;
	}
	if (r->bad || finish_pes(r) < 0)
		return BAD;
	return 0;
}

int vidx__ts_read(vidx *h, int fd, int64_t size, const AVFormatContext *fc,
                  const AVStream *st, vidx__pkts *out)
{
	rd *r;
	int rc;

	memset(out, 0, sizeof(*out));
	if (strcmp(fc->iformat->name, "mpegts") || size % TSP ||
	    (st->codecpar->codec_id != AV_CODEC_ID_H264 &&
	     st->codecpar->codec_id != AV_CODEC_ID_HEVC) ||
	    st->time_base.num != 1 || st->time_base.den != 90000 ||
	    st->id <= 0 || st->id >= 0x1fff)
		return 0;
	if (!(r = calloc(1, sizeof(*r))))
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	r->out = out;
	r->size = size;
	r->vpid = st->id;
	r->hevc = st->codecpar->codec_id == AV_CODEC_ID_HEVC;
	r->last_cc = -1;
	r->st = 7;
	if (!r->hevc && !(r->nk = vidx__nalkey_new(st->codecpar, 1))) {
		free(r);
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	}
	vidx__map_init(&r->m, fd, size);
	rc = vidx__map_run(&r->m, walk, r);
	vidx__map_close(&r->m);
	out->method = "ts-scan";
	out->damaged = r->damaged;
	out->parsed = vidx__nalkey_parsed(r->nk);
	vidx__nalkey_free(r->nk);
	free(r->pre);
	if (r->nomem) {
		free(r);
		vidx__pkts_free(out);
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	}
	free(r);
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
