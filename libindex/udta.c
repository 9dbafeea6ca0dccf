/*
 * udta.c - the positions MP4 and 3GPP files carry in moov/udta:
 *
 *   (c)xyz  ISO 6709 text (Android phones, GoPro): 16-bit length,
 *           16-bit language, then the string
 *   loci    3GPP TS 26.244 location: version/flags, language, a place
 *           name (NUL-ended, UTF-8 or UTF-16 with a BOM), a role byte,
 *           then longitude, latitude, altitude as 16.16 fixed point
 *
 * libavformat reads both into one "location" tag (loci rounded through a
 * float), so the boxes are read here, with pread, to keep the raw value
 * and to know which one it was.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define UDTA_MAX (1 << 20)

static uint32_t rb32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* next box in [*off, end) of the file: type, payload offset and length */
static int next_box(int fd, int64_t *off, int64_t end, char type[4],
                    int64_t *pay, int64_t *len)
{
	unsigned char h[16];
	int64_t sz, hl = 8;

	if (end - *off < 8 || pread(fd, h, 8, *off) != 8)
		return 0;
	sz = rb32(h);
	memcpy(type, h + 4, 4);
	if (sz == 1) {
		if (end - *off < 16 || pread(fd, h + 8, 8, *off + 8) != 8)
			return -1;
		sz = (int64_t)((uint64_t)rb32(h + 8) << 32 | rb32(h + 12));
		hl = 16;
	} else if (sz == 0) {
		sz = end - *off;
	}
	if (sz < hl || sz > end - *off)
		return -1;
	*pay = *off + hl;
	*len = sz - hl;
	*off += sz;
	return 1;
}

/* the payload of the first child TYPE of [off, off+len) */
int vidx__box_find(int fd, int64_t off, int64_t len, const char *type,
                int64_t *pay, int64_t *plen)
{
	int64_t at = off, end = off + len;
	char t[4];
	int r;

	while ((r = next_box(fd, &at, end, t, pay, plen)) == 1)
		if (!memcmp(t, type, 4))
			return 1;
	return r;
}

int vidx__loci_parse(const unsigned char *b, size_t n, double *lat,
                     double *lon, double *alt, char *raw, size_t rawsz)
{
	size_t at = 6, name = 6;
	int32_t x, y, z;

	if (n < 6 + 1 + 1 + 12)
		return VIDX_EFORMAT;
	/* the place name: UTF-16 (BOM) ends with two zero bytes */
	if (n >= 8 && ((b[6] == 0xfe && b[7] == 0xff) || (b[6] == 0xff && b[7] == 0xfe))) {
		for (at = 8; at + 1 < n && (b[at] || b[at + 1]); at += 2)
			;
		at += 2;
	} else {
		while (at < n && b[at])
			at++;
		at++;
	}
	if (at > n || n - at < 1 + 12)
		return VIDX_EFORMAT;
	at++; /* role */
	x = (int32_t)rb32(b + at);
	y = (int32_t)rb32(b + at + 4);
	z = (int32_t)rb32(b + at + 8);
	*lon = x / 65536.0;
	*lat = y / 65536.0;
	*alt = z / 65536.0;
	snprintf(raw, rawsz, "loci longitude 0x%08x latitude 0x%08x altitude 0x%08x"
	         " (16.16)%s%.*s", (unsigned)x, (unsigned)y, (unsigned)z,
	         b[name] && b[name] < 0x80 && b[name] != 0xfe && b[name] != 0xff
	         ? ", place " : "", b[name] && b[name] < 0x80 ? 40 : 0,
	         (const char *)b + name);
	return 0;
}

int vidx__udta_geo(int fd, int64_t size, char xyz[128], int *has_xyz,
                   double loci[3], char *loci_raw, size_t rawsz, int *has_loci)
{
	int64_t mpay, mlen, upay, ulen, pay, len;
	unsigned char *b;
	int r;

	*has_xyz = *has_loci = 0;
	if ((r = vidx__box_find(fd, 0, size, "moov", &mpay, &mlen)) != 1 ||
	    (r = vidx__box_find(fd, mpay, mlen, "udta", &upay, &ulen)) != 1)
		return r < 0 ? r : 0;
	if (ulen > UDTA_MAX)
		return 0;
	if (vidx__box_find(fd, upay, ulen, "\251xyz", &pay, &len) == 1 && len > 4 && len < 128 + 4) {
		unsigned char t[132];
		if (pread(fd, t, (size_t)len, pay) == len) {
			size_t sl = (size_t)(t[0] << 8 | t[1]);
			if (sl > (size_t)len - 4)
				sl = (size_t)len - 4;
			memcpy(xyz, t + 4, sl);
			xyz[sl] = 0;
			*has_xyz = 1;
		}
	}
	if (vidx__box_find(fd, upay, ulen, "loci", &pay, &len) == 1 && len > 0 && len < 4096) {
		if (!(b = malloc((size_t)len)))
			return VIDX_ENOMEM;
		if (pread(fd, b, (size_t)len, pay) == len &&
		    vidx__loci_parse(b, (size_t)len, &loci[0], &loci[1], &loci[2],
		                     loci_raw, rawsz) == 0)
			*has_loci = 1;
		else
			*has_loci = -1; /* there, but not readable */
		free(b);
	}
	return 0;
}
