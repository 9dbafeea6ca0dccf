/*
 * iso6709.c - ISO 6709 point strings, as QuickTime (Apple's
 * com.apple.quicktime.location.ISO6709) and MP4 (c)xyz write them:
 *
 *     +32.0929+034.8620+028.516/       degrees, altitude in metres
 *     +4042.768-07400.360/             degrees and minutes
 *     +404246.1-0740021.6+10CRSWGS_84/ degrees, minutes, seconds; a CRS
 *
 * Latitude has 2 integer digits of degrees, longitude 3; two or four more
 * digits are minutes and seconds.  The sign is required on each part.  The
 * '/' terminator is what the standard asks; a string without it is read
 * the same (some writers drop it), anything else after the point is not.
 */
#define _DEFAULT_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* One signed part with DEG integer digits of degrees: *s advanced. */
static int part(const char **s, int deg, double *out)
{
	const char *p = *s, *d;
	int sign, nint = 0, i;
	double v = 0, frac = 0, scale = 1;
	double f[3] = {0, 0, 0};

	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	for (d = p; isdigit((unsigned char)*d); d++)
		nint++;
	if (nint != deg && nint != deg + 2 && nint != deg + 4)
		return -1;
	for (i = 0; i < deg; i++)
		f[0] = f[0] * 10 + (p[i] - '0');
	for (i = 0; i < (nint - deg) / 2; i++)
		f[i + 1] = (p[deg + 2 * i] - '0') * 10 + (p[deg + 2 * i + 1] - '0');
	p += nint;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p) && scale > 1e-15) {
			scale /= 10;
			frac += (*p++ - '0') * scale;
		}
		while (isdigit((unsigned char)*p))
			p++;
	}
	/* the fraction belongs to the last field written */
	f[(nint - deg) / 2] += frac;
	if (f[1] >= 60 || f[2] >= 60)
		return -1;
	v = f[0] + f[1] / 60 + f[2] / 3600;
	*out = sign * v;
	*s = p;
	return 0;
}

int vidx_iso6709_parse(vidx *h, const char *s, double *lat, double *lon,
                       double *alt)
{
	const char *p = s, *e;
	double a = NAN;

	*lat = *lon = *alt = NAN;
	if (!s || !*s)
		return vidx__fail(h, VIDX_EFORMAT, "ISO 6709: empty");
	if (part(&p, 2, lat) < 0)
		return vidx__fail(h, VIDX_EFORMAT, "ISO 6709 '%.64s': bad latitude "
		                  "(want +DD.DDDD, +DDMM.MM or +DDMMSS.S)", s);
	if (part(&p, 3, lon) < 0)
		return vidx__fail(h, VIDX_EFORMAT, "ISO 6709 '%.64s': bad longitude "
		                  "(want +DDD.DDDD, +DDDMM.MM or +DDDMMSS.S)", s);
	if (*p == '+' || *p == '-') {
		a = strtod(p, (char **)&e);
		if (e == p + 1 || !isfinite(a) || strspn(p + 1, "0123456789.") !=
		    (size_t)(e - p - 1))
			return vidx__fail(h, VIDX_EFORMAT, "ISO 6709 '%.64s': bad altitude", s);
		p = e;
	}
	if (!strncmp(p, "CRS", 3))
		p += 3 + strcspn(p + 3, "/");
	if (*p == '/')
		p++;
	if (*p)
		return vidx__fail(h, VIDX_EFORMAT, "ISO 6709 '%.64s': unexpected text "
		                  "after the point", s);
	if (fabs(*lat) > 90 || fabs(*lon) > 180)
		return vidx__fail(h, VIDX_EFORMAT, "ISO 6709 '%.64s': not on Earth", s);
	*alt = a;
	return 0;
}
