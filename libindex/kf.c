/*
 * kf.c - keyframes stored compactly: one blob per recording.
 *
 * A city-year holds billions of keyframes, so each costs a few bytes: per
 * keyframe, the change in its pts step (0 for a steady GOP: one byte), the
 * byte distance from the previous keyframe, and its size, as LEB128
 * varints (signed values zigzag-encoded).  Byte 0 is the format version.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define KF_VERSION 1

static size_t put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

static uint64_t zz(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzz(uint64_t v)
{
	return (int64_t)((v >> 1) ^ (~(v & 1) + 1));
}

static int get_varint(const unsigned char *p, size_t len, size_t *off, uint64_t *v)
{
	uint64_t x = 0;
	int shift = 0;
	while (*off < len && shift < 64) {
		unsigned char b = p[(*off)++];
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
		shift += 7;
	}
	return -1;
}

int vidx__kf_encode(const vidx_keyframe *kf, size_t n, unsigned char **out,
                    size_t *len)
{
	unsigned char *b = malloc(1 + n * 30);
	int64_t ppts = 0, pstep = 0, ppos = 0;
	size_t o = 0, i;

	if (!b)
		return -1;
	b[o++] = KF_VERSION;
	for (i = 0; i < n; i++) {
		int64_t step = (int64_t)((uint64_t)kf[i].pts - (uint64_t)ppts);
		o += put_varint(b + o, zz((int64_t)((uint64_t)step - (uint64_t)pstep)));
		o += put_varint(b + o, zz((int64_t)((uint64_t)kf[i].pos - (uint64_t)ppos)));
		o += put_varint(b + o, (uint64_t)(uint32_t)kf[i].size);
		pstep = step;
		ppts = kf[i].pts;
		ppos = kf[i].pos;
	}
	*out = b;
	*len = o;
	return 0;
}

int vidx__kf_decode(const unsigned char *b, size_t len, size_t n,
                    vidx_keyframe **out)
{
	vidx_keyframe *kf;
	int64_t ppts = 0, pstep = 0, ppos = 0;
	size_t off = 1, i;
	uint64_t a, c, d;

	if (n > len / 3) /* each keyframe takes at least 3 bytes */
		return -2;
	if (!(kf = calloc(n ? n : 1, sizeof(*kf))))
		return -1;
	if (len < 1 || b[0] != KF_VERSION)
		goto bad;
	for (i = 0; i < n; i++) {
		if (get_varint(b, len, &off, &a) || get_varint(b, len, &off, &c) ||
		    get_varint(b, len, &off, &d))
			goto bad;
		/* wrapping sums: a corrupt blob gives nonsense, never UB */
		pstep = (int64_t)((uint64_t)pstep + (uint64_t)unzz(a));
		ppts = (int64_t)((uint64_t)ppts + (uint64_t)pstep);
		ppos = (int64_t)((uint64_t)ppos + (uint64_t)unzz(c));
		kf[i].pts = ppts;
		kf[i].pos = ppos;
		kf[i].size = (int32_t)d;
	}
	if (off != len)
		goto bad;
	*out = kf;
	return 0;
bad:
	free(kf);
	return -2;
}
