/*
 * novatek.c - the GPS log of dashcams built on Novatek chips: a 'gps ' box
 * in moov lists (offset, size) pairs, big endian, after a version and a
 * count; each points at a "freeGPS " block (a 'free' box) in the file,
 * one a second.  Many vendors lay the block out differently, some
 * encrypted; this reads the one layout that exiftool documents with a
 * sample and decodes as plain numbers (its type "1C", the Viofo A119 v3;
 * also in other Novatek cameras): from the block's start, little endian,
 *
 *   0x10  u32 x 6  hour, minute, second, year - 2000, month, day (UTC)
 *   0x28  'A' (valid) or 'V', then 'N'/'S', 'E'/'W', 0
 *   0x2c  float    latitude, DDMM.MMMM
 *   0x30  float    longitude, DDDMM.MMMM
 *   0x34  float    speed (knots); 0x38 float heading
 *
 * A block of another layout is not guessed at: the caller says how many.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <string.h>

#include "internal.h"

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static double lef(const unsigned char *p)
{
	uint32_t u = le32(p);
	float f;
	memcpy(&f, &u, 4);
	return f;
}

int vidx__freegps_block(const unsigned char *b, size_t n, vidx__nmea_fix *f,
                        const char **why)
{
	vidx_civil c = {0};
	double lat, lon;

	*why = NULL;
	if (n < 92 || memcmp(b + 4, "freeGPS ", 8))
		return -1;
	if (b[37] || b[38] || b[39] || (b[40] != 'A' && b[40] != 'V') ||
	    (b[41] != 'N' && b[41] != 'S') || (b[42] != 'E' && b[42] != 'W')) {
		*why = "a freeGPS layout this does not read";
		return -1;
	}
	if (b[40] == 'V') {
		*why = "status V (no fix)";
		return 0;
	}
	/* each field in range before it becomes an int: a hostile file's
	 * 0xffffffff would otherwise overflow year + 2000 */
	if (le32(b + 0x10) > 23 || le32(b + 0x14) > 59 || le32(b + 0x18) > 60 ||
	    le32(b + 0x1c) > 200 || le32(b + 0x20) > 12 || le32(b + 0x24) > 31) {
		*why = "a date that is not one";
		return -1;
	}
	c.hour = (int)le32(b + 0x10);
	c.min = (int)le32(b + 0x14);
	c.sec = (int)le32(b + 0x18);
	c.year = (int)le32(b + 0x1c) + 2000;
	c.mon = (int)le32(b + 0x20);
	c.day = (int)le32(b + 0x24);
	if (!vidx__civil_valid(&c)) {
		*why = "a date that is not one";
		return -1;
	}
	lat = lef(b + 0x2c);
	lon = lef(b + 0x30);
	if (!isfinite(lat) || !isfinite(lon) || lat < 0 || lon < 0 ||
	    fmod(lat, 100) >= 60 || fmod(lon, 100) >= 60) {
		*why = "a position that is not DDMM.MMMM";
		return -1;
	}
	/* DDMM.MMMM: the float holds minutes to about 1e-3 (2 m) */
	lat = floor(lat / 100) + fmod(lat, 100) / 60;
	lon = floor(lon / 100) + fmod(lon, 100) / 60;
	if (lat > 90 || lon > 180) {
		*why = "a position off the Earth";
		return -1;
	}
	memset(f, 0, sizeof(*f));
	f->utc = vidx__civil_utc(&c);
	f->lat = b[41] == 'S' ? -lat : lat;
	f->lon = b[42] == 'W' ? -lon : lon;
	f->alt = NAN;
	f->kind = 'F';
	return 1;
}
