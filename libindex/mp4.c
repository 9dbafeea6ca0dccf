/*
 * mp4.c - the one thing libavformat's mov demuxer parses but does not hand
 * out: per-sample composition offsets (ctts).
 *
 * With them, every keyframe's pts, byte position and size come from the
 * sample tables libavformat already indexed, and probing an hour of MP4
 * reads the moov box instead of the whole file.  Anything unusual (moov
 * fragments, negative offsets, tables that disagree) makes this return an
 * error so the caller falls back to reading packets, which is always right.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define MOOV_MAX (1LL << 30) /* 1 GiB of sample tables is ~100 h of 30 fps */

typedef struct box {
	const unsigned char *p; /* payload */
	int64_t len;
} box;

static uint32_t rb32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* Box header at off in a file: payload offset and length. */
static int file_box(int fd, int64_t off, int64_t end, char type[4],
                    int64_t *pay, int64_t *len)
{
	unsigned char h[16];
	int64_t sz, hl = 8;

	if (end - off < 8 || pread(fd, h, 8, off) != 8)
		return -1;
	sz = rb32(h);
	memcpy(type, h + 4, 4);
	if (sz == 1) {
		if (end - off < 16 || pread(fd, h + 8, 8, off + 8) != 8)
			return -1;
		uint64_t u = (uint64_t)rb32(h + 8) << 32 | rb32(h + 12);
		if (u > (uint64_t)(end - off))
			return -1;
		sz = (int64_t)u;
		hl = 16;
	} else if (sz == 0) {
		sz = end - off;
	}
	if (sz < hl || sz > end - off)
		return -1;
	*pay = off + hl;
	*len = sz - hl;
	return 0;
}

/* Find the N-th (0-based) child of TYPE inside an in-memory box. */
static int child(box in, const char *type, int nth, box *out)
{
	int64_t off = 0;

	while (in.len - off >= 8) {
		int64_t sz = rb32(in.p + off), hl = 8;
		if (sz == 1) {
			if (in.len - off < 16)
				return -1;
			uint64_t u = (uint64_t)rb32(in.p + off + 8) << 32 |
			             rb32(in.p + off + 12);
			if (u > (uint64_t)(in.len - off))
				return -1;
			sz = (int64_t)u;
			hl = 16;
		} else if (sz == 0) {
			sz = in.len - off;
		}
		if (sz < hl || sz > in.len - off)
			return -1;
		if (!memcmp(in.p + off + 4, type, 4) && nth-- == 0) {
			out->p = in.p + off + hl;
			out->len = sz - hl;
			return 0;
		}
		off += sz;
	}
	return -1;
}

static int track_id(box trak)
{
	box tkhd;
	if (child(trak, "tkhd", 0, &tkhd) < 0 || tkhd.len < 24)
		return -1;
	return (int)rb32(tkhd.p + (tkhd.p[0] == 1 ? 20 : 12));
}

int vidx__mp4_ctts(int fd, int64_t size, int tid, int64_t want, int64_t **offs,
                   int64_t *n)
{
	unsigned char *moov = NULL;
	int64_t off = 0, pay = 0, len = 0, count = 0, i, k;
	int64_t *o = NULL;
	box mv, trak, mdia, minf, stbl, stsz, ctts, x;
	char type[4];
	int t, rc = -1;

	for (;;) {
		if (file_box(fd, off, size, type, &pay, &len) < 0)
			return -1;
		if (!memcmp(type, "moof", 4))
			return -1; /* fragments before moov: not a plain file */
		if (!memcmp(type, "moov", 4))
			break;
		off = pay + len;
	}
	if (len > MOOV_MAX || !(moov = malloc(len ? (size_t)len : 1)))
		goto out;
	if (pread(fd, moov, (size_t)len, pay) != len)
		goto out;
	mv.p = moov;
	mv.len = len;
	if (child(mv, "mvex", 0, &x) == 0)
		goto out; /* fragmented: samples live in moof boxes */
	for (t = 0;; t++) {
		if (child(mv, "trak", t, &trak) < 0)
			goto out;
		if (track_id(trak) == tid)
			break;
	}
	if (child(trak, "mdia", 0, &mdia) < 0 || child(mdia, "minf", 0, &minf) < 0 ||
	    child(minf, "stbl", 0, &stbl) < 0)
		goto out;
	if (child(stbl, "stsz", 0, &stsz) == 0 && stsz.len >= 12)
		count = rb32(stsz.p + 8);
	else if (child(stbl, "stz2", 0, &stsz) == 0 && stsz.len >= 12)
		count = rb32(stsz.p + 8);
	else
		goto out;
	if (count <= 0 || count != want)
		goto out; /* not the samples libavformat indexed: scan instead */
	if (!(o = calloc((size_t)count, sizeof(*o))))
		goto out;
	if (child(stbl, "ctts", 0, &ctts) == 0) {
		int64_t entries, filled = 0;
		if (ctts.len < 8)
			goto out;
		entries = rb32(ctts.p + 4);
		if (entries > (ctts.len - 8) / 8)
			goto out;
		for (i = 0; i < entries; i++) {
			int64_t cnt = rb32(ctts.p + 8 + 8 * i);
			int32_t v = (int32_t)rb32(ctts.p + 12 + 8 * i);
			if (v < 0 || cnt > count - filled)
				goto out; /* libavformat shifts dts then: scan */
			for (k = 0; k < cnt; k++)
				o[filled++] = v;
		}
		if (filled != count)
			goto out;
	}
	*offs = o;
	*n = count;
	o = NULL;
	rc = 0;
out:
	free(o);
	free(moov);
	return rc;
}
