/*
 * mdpm.c - the recording date an AVCHD camcorder (Sony, Panasonic, Canon)
 * writes into every frame: H.264 SEI, user data unregistered (payload type
 * 5) with UUID 17ee8c60-f84d-11d9-8cd6-0800200c9a66 and "MDPM", then a
 * count and 5-byte entries (tag, 4 bytes), tags rising.  Tag 0x18 holds
 * the time zone byte and the BCD year and month, 0x19 the BCD day, hour,
 * minute and second.  The zone byte (as exiftool reads it): 0x40 DST,
 * 0x20 sign (set: west, negative), 0x1e hours, 0x01 half an hour.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const unsigned char uuid[20] = {
	0x17, 0xee, 0x8c, 0x60, 0xf8, 0x4d, 0x11, 0xd9, 0x8c, 0xd6, 0x08, 0x00,
	0x20, 0x0c, 0x9a, 0x66, 'M', 'D', 'P', 'M',
};

static int bcd(unsigned char b)
{
	return (b >> 4) > 9 || (b & 15) > 9 ? -1 : (b >> 4) * 10 + (b & 15);
}

/* the MDPM entries of one user-data payload; 1 date found, 0 none */
static int entries(const unsigned char *p, size_t n, vidx_civil *c, int *off,
                   int *dst, char raw[40])
{
	size_t cnt, i;
	const unsigned char *d18 = NULL, *d19 = NULL;
	int last = -1, y1, y2;

	if (n < 21)
		return VIDX_EFORMAT;
	cnt = p[20];
	p += 21;
	n -= 21;
	for (i = 0; i < cnt; i++, p += 5, n -= 5) {
		if (n < 5)
			return VIDX_EFORMAT;
		if (p[0] <= last)
			return VIDX_EFORMAT; /* entries go up: anything else is not MDPM */
		last = p[0];
		if (p[0] == 0x18)
			d18 = p + 1;
		else if (p[0] == 0x19)
			d19 = p + 1;
	}
	if (!d18 || !d19)
		return 0;
	y1 = bcd(d18[1]);
	y2 = bcd(d18[2]);
	c->mon = bcd(d18[3]);
	c->day = bcd(d19[0]);
	c->hour = bcd(d19[1]);
	c->min = bcd(d19[2]);
	c->sec = bcd(d19[3]);
	c->usec = 0;
	c->year = y1 * 100 + y2;
	snprintf(raw, 40, "%02x%02x%02x%02x %02x%02x%02x%02x", d18[0], d18[1],
	         d18[2], d18[3], d19[0], d19[1], d19[2], d19[3]);
	if (y1 < 0 || y2 < 0 || c->mon < 0 || c->day < 0 || c->hour < 0 ||
	    c->min < 0 || c->sec < 0 || !vidx__civil_valid(c))
		return VIDX_EFORMAT;
	*off = (((d18[0] >> 1) & 15) * 60 + (d18[0] & 1 ? 30 : 0)) *
	       (d18[0] & 0x20 ? -1 : 1);
	*dst = !!(d18[0] & 0x40);
	return 1;
}

/* one SEI NAL (emulation prevention already removed) */
static int sei(const unsigned char *p, size_t n, vidx_civil *c, int *off,
               int *dst, char raw[40])
{
	size_t at = 1; /* past the NAL header */

	while (at + 2 <= n && p[at] != 0x80) {
		size_t type = 0, size = 0;
		while (at < n && p[at] == 0xff)
			type += 255, at++;
		if (at >= n)
			return 0;
		type += p[at++];
		while (at < n && p[at] == 0xff)
			size += 255, at++;
		if (at >= n)
			return 0;
		size += p[at++];
		if (size > n - at)
			return VIDX_EFORMAT;
		if (type == 5 && size >= 20 && !memcmp(p + at, uuid, 20)) {
			int r = entries(p + at, size, c, off, dst, raw);
			if (r != 0)
				return r;
		}
		at += size;
	}
	return 0;
}

static int nal(const unsigned char *p, size_t n, vidx_civil *c, int *off,
               int *dst, char raw[40])
{
	unsigned char *rb;
	size_t i, o = 0;
	int r, zeros = 0;

	if (!n || (p[0] & 0x1f) != 6)
		return 0;
	/* drop the 0x03 of each 00 00 03: the payload as written */
	if (!(rb = malloc(n)))
		return VIDX_ENOMEM;
	for (i = 0; i < n; i++) {
		if (zeros >= 2 && p[i] == 3) {
			zeros = 0;
			continue;
		}
		zeros = p[i] == 0 ? zeros + 1 : 0;
		rb[o++] = p[i];
	}
	r = sei(rb, o, c, off, dst, raw);
	free(rb);
	return r;
}

int vidx__mdpm_find(const unsigned char *b, size_t len, int nal_len,
                    vidx_civil *c, int *off_min, int *dst, char raw[40])
{
	size_t at = 0;
	int r;

	if (nal_len > 0) {
		while (len - at >= (size_t)nal_len) {
			size_t n = 0;
			int i;
			for (i = 0; i < nal_len; i++)
				n = n << 8 | b[at + (size_t)i];
			at += (size_t)nal_len;
			if (n > len - at)
				return VIDX_EFORMAT;
			if ((r = nal(b + at, n, c, off_min, dst, raw)) != 0)
				return r;
			at += n;
		}
		return 0;
	}
	/* Annex B: NAL units between 00 00 01 start codes */
	while (at + 3 <= len) {
		size_t s, e;
		if (b[at] || b[at + 1] || b[at + 2] != 1) {
			at++;
			continue;
		}
		s = at + 3;
		for (e = s; e + 3 <= len && (b[e] || b[e + 1] || b[e + 2] > 1); e++)
			;
		if (e + 3 > len)
			e = len;
		if ((r = nal(b + s, e - s, c, off_min, dst, raw)) != 0)
			return r;
		at = e;
	}
	return 0;
}
