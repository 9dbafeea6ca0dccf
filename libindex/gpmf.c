/*
 * gpmf.c - GoPro's GPMF telemetry (the 'gpmd' track of a GoPro MP4): the
 * GPS stream of one payload.
 *
 * GPMF is KLV: a FourCC key, a type byte, a structure size byte and a
 * 16-bit repeat count (big endian), then size x repeat bytes of data padded
 * to 4.  Type 0 nests more KLV (DEVC > STRM > ...).  In the GPS stream:
 * GPS5 (int32 x 5: latitude, longitude, altitude, 2D and 3D speed, each
 * divided by its SCAL), GPSU (UTC "yymmddhhmmss.sss", once a payload),
 * GPSF (fix: 0 none, 2 2D, 3 3D) and GPSP (dilution of precision x 100).
 * Sizes and counts come from the file: each is checked against its
 * container before a byte of it is read.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint32_t rb32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int bad(vidx__gpmf *g, const char *fmt, const char *key, size_t at)
{
	snprintf(g->err, sizeof(g->err), fmt, key, at);
	return VIDX_EFORMAT;
}

static int64_t sval(const unsigned char *p, int type)
{
	switch (type) {
	case 'l': return (int32_t)rb32(p);
	case 'L': return rb32(p);
	case 's': return (int16_t)(p[0] << 8 | p[1]);
	case 'S': return (uint16_t)(p[0] << 8 | p[1]);
	case 'b': return (int8_t)p[0];
	case 'B': return p[0];
	}
	return 0;
}

static int type_size(int type)
{
	switch (type) {
	case 'l': case 'L': return 4;
	case 's': case 'S': return 2;
	case 'b': case 'B': return 1;
	}
	return 0;
}

/* the KLVs of one STRM: scales apply to what follows them */
static int strm(vidx__gpmf *g, const unsigned char *b, size_t len, size_t base,
                int depth)
{
	int64_t scal[5] = {1, 1, 1, 1, 1};
	size_t at = 0;

	while (len - at >= 8) {
		const unsigned char *k = b + at;
		int type = k[4], ssize = k[5], rep = k[6] << 8 | k[7];
		size_t n = (size_t)ssize * rep, padded = (n + 3) & ~(size_t)3;
		char key[5];

		memcpy(key, k, 4);
		key[4] = 0;
		if (padded > len - at - 8)
			return bad(g, "GPMF: '%s' at byte %zu runs past its container",
			           key, base + at);
		if (type == 0) {
			if (depth > 8)
				return bad(g, "GPMF: '%s' at byte %zu nests too deep", key,
				           base + at);
			if (strm(g, k + 8, n, base + at + 8, depth + 1) < 0)
				return VIDX_EFORMAT;
		} else if (!memcmp(key, "SCAL", 4)) {
			int ts = type_size(type), i;
			if (!ts || ssize != ts || (rep != 1 && rep != 5))
				return bad(g, "GPMF: '%s' at byte %zu: want 1 or 5 integer "
				           "scales", key, base + at);
			for (i = 0; i < 5; i++) {
				scal[i] = sval(k + 8 + (rep == 1 ? 0 : i) * ts, type);
				if (scal[i] == 0)
					return bad(g, "GPMF: '%s' at byte %zu: a scale of 0",
					           key, base + at);
			}
		} else if (!memcmp(key, "GPS5", 4)) {
			int i;
			if (type != 'l' || ssize != 20)
				return bad(g, "GPMF: '%s' at byte %zu: want 5 int32 a sample",
				           key, base + at);
			if (g->n + (size_t)rep > g->cap) {
				size_t c = g->cap ? g->cap : 64;
				double *nv;
				while (c < g->n + (size_t)rep)
					c *= 2;
				if (!(nv = realloc(g->v, c * 3 * sizeof(*nv))))
					return VIDX_ENOMEM;
				g->v = nv;
				g->cap = c;
			}
			for (i = 0; i < rep; i++) {
				const unsigned char *s = k + 8 + (size_t)i * 20;
				double *o = g->v + g->n * 3;
				o[0] = (double)(int32_t)rb32(s) / (double)scal[0];
				o[1] = (double)(int32_t)rb32(s + 4) / (double)scal[1];
				o[2] = (double)(int32_t)rb32(s + 8) / (double)scal[2];
				g->n++;
			}
		} else if (!memcmp(key, "GPSU", 4)) {
			if (type != 'U' || n < 16)
				return bad(g, "GPMF: '%s' at byte %zu: want a 16-byte UTC date",
				           key, base + at);
			memcpy(g->gpsu, k + 8, 16);
			g->gpsu[16] = 0;
		} else if (!memcmp(key, "GPSF", 4)) {
			if (!type_size(type) || ssize != type_size(type) || rep < 1)
				return bad(g, "GPMF: '%s' at byte %zu: want an integer fix",
				           key, base + at);
			g->fix = (int)sval(k + 8, type);
		} else if (!memcmp(key, "GPSP", 4)) {
			if (!type_size(type) || ssize != type_size(type) || rep < 1)
				return bad(g, "GPMF: '%s' at byte %zu: want an integer "
				           "precision", key, base + at);
			g->dop = (int)sval(k + 8, type);
		}
		at += 8 + padded;
	}
	return 0;
}

int vidx__gpmf_payload(vidx__gpmf *g, const unsigned char *b, size_t len)
{
	g->gpsu[0] = 0;
	g->fix = g->dop = -1;
	g->err[0] = 0;
	if (len < 8 || memcmp(b, "DEVC", 4)) {
		snprintf(g->err, sizeof(g->err), "GPMF: payload does not start with DEVC");
		return VIDX_EFORMAT;
	}
	return strm(g, b, len, 0, 0);
}

int vidx__gpmf_gpsu(const char *s, int64_t *us)
{
	vidx_civil c = {0};
	int ms = 0;

	if (strlen(s) < 12 || strspn(s, "0123456789") < 12)
		return -1;
	if (sscanf(s, "%2d%2d%2d%2d%2d%2d", &c.year, &c.mon, &c.day, &c.hour,
	           &c.min, &c.sec) != 6)
		return -1;
	if (s[12] == '.') {
		if (strlen(s) != 16 || strspn(s + 13, "0123456789") != 3)
			return -1;
		ms = atoi(s + 13);
	} else if (s[12]) {
		return -1;
	}
	c.year += 2000;
	c.usec = ms * 1000;
	if (!vidx__civil_valid(&c))
		return -1;
	*us = vidx__civil_utc(&c);
	return 0;
}
