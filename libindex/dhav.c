/*
 * dhav.c - wall-clock dates inside Dahua DHAV streams.
 *
 * Every DHAV frame header carries the DVR's local date and time to the
 * second (libavformat's dhav demuxer turns it into pts but does not export
 * it as a date).  Layout, little-endian: "DHAV", type (0xfc P, 0xfd I,
 * 0xf0 audio, 0xf1 aux), subtype, channel, sub-number, u32 frame number,
 * u32 frame length, u32 packed date at offset 16; frames end with "dhav"
 * and the u32 frame length.  A file may start with a 1 KiB "DAHUA" header.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define HEAD_SCAN (64 * 1024)
#define TAIL_SCAN (1024 * 1024)

static unsigned rl32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (unsigned)p[3] << 24;
}

static void unpack_date(unsigned d, vidx_civil *c)
{
	memset(c, 0, sizeof(*c));
	c->sec = d & 0x3f;
	c->min = (d >> 6) & 0x3f;
	c->hour = (d >> 12) & 0x1f;
	c->day = (d >> 17) & 0x1f;
	c->mon = (d >> 22) & 0x0f;
	c->year = (int)((d >> 26) & 0x3f) + 2000;
}

static int is_header(const unsigned char *p)
{
	return !memcmp(p, "DHAV", 4) &&
	       (p[4] == 0xfc || p[4] == 0xfd || p[4] == 0xf0 || p[4] == 0xf1);
}

int vidx__dhav_dates(int fd, int64_t size, vidx_civil *first,
                     vidx_civil *last, unsigned *raw_first)
{
	unsigned char *buf = NULL;
	ssize_t n;
	int64_t off, i, tail;
	int found = 0;

	if (size < 24)
		return 0;
	if (!(buf = malloc(TAIL_SCAN)))
		return -1;
	n = pread(fd, buf, HEAD_SCAN, 0);
	if (n < 0) {
		found = -1;
		goto out;
	}
	if (n < 5 || (memcmp(buf, "DHAV", 4) && memcmp(buf, "DAHUA", 5)))
		goto out; /* not DHAV: only claim files that start like one */
	for (i = 0; i + 24 <= n; i++) {
		if (is_header(buf + i)) {
			*raw_first = rl32(buf + i + 16);
			unpack_date(*raw_first, first);
			*last = *first;
			found = 1;
			break;
		}
	}
	if (!found)
		goto out;
	/* the last complete frame: walk back from the end over its trailer */
	tail = size < TAIL_SCAN ? size : TAIL_SCAN;
	off = size - tail;
	n = pread(fd, buf, (size_t)tail, off);
	if (n != tail)
		goto out;
	for (i = tail - 8; i >= 0; i--) {
		int64_t len, h;
		if (memcmp(buf + i, "dhav", 4))
			continue;
		len = rl32(buf + i + 4);
		h = i + 8 - len;
		if (len >= 24 && h >= 0 && is_header(buf + h) &&
		    rl32(buf + h + 12) == len) {
			unpack_date(rl32(buf + h + 16), last);
			break;
		}
	}
out:
	free(buf);
	return found;
}
