/*
 * nmea.c - NMEA 0183 sentences, as dashcams store them in a subtitle or
 * data track: RMC (recommended minimum: UTC date and time, status A valid
 * or V void, position) and GGA (fix quality, altitude).  Any talker (GP,
 * GN, GL, ...).  A sentence with a checksum must match it; positions are
 * ddmm.mmmm / dddmm.mmmm with N/S, E/W.
 */
#define _DEFAULT_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAXF 24

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10
	     : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* ddmm.mmmm + hemisphere -> degrees; DEG integer digits of degrees */
static int coord(const char *v, const char *hemi, int deg, double *out)
{
	char *e;
	double x;
	size_t nint = strspn(v, "0123456789");

	if (nint != (size_t)deg + 2 || (v[nint] && v[nint] != '.'))
		return -1;
	x = strtod(v, &e);
	if (*e || !isfinite(x))
		return -1;
	{
		double d = floor(x / 100), m = x - d * 100;
		if (m >= 60)
			return -1;
		x = d + m / 60;
	}
	/* latitude takes N/S, longitude E/W, and each its own range */
	if (!strcmp(hemi, deg == 2 ? "S" : "W"))
		x = -x;
	else if (strcmp(hemi, deg == 2 ? "N" : "E"))
		return -1;
	if (fabs(x) > (deg == 2 ? 90 : 180))
		return -1;
	*out = x;
	return 0;
}

int vidx__nmea_sentence(const char *s, size_t len, vidx__nmea_fix *f,
                        const char **why)
{
	char buf[128], *fld[MAXF], *p;
	size_t nf = 0, i, body;

	*why = NULL;
	while (len && (s[len - 1] == '\r' || s[len - 1] == '\n' || s[len - 1] == ' '))
		len--;
	if (len < 7 || len >= sizeof(buf) || s[0] != '$')
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	body = strcspn(buf, "*");
	if (buf[body] == '*') {
		int sum = 0, want;
		if (len != body + 3 || hexval((unsigned char)buf[body + 1]) < 0 ||
		    hexval((unsigned char)buf[body + 2]) < 0)
			return -1;
		want = hexval((unsigned char)buf[body + 1]) * 16 +
		       hexval((unsigned char)buf[body + 2]);
		for (i = 1; i < body; i++)
			sum ^= (unsigned char)buf[i];
		if (sum != want) {
			*why = "checksum mismatch";
			return -1;
		}
		buf[body] = 0;
	}
	for (p = buf + 1; nf < MAXF; ) {
		fld[nf++] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = 0;
	}
	if (strlen(fld[0]) != 5)
		return -1;
	memset(f, 0, sizeof(*f));
	f->utc = VIDX_TIME_NONE;
	f->alt = NAN;
	if (!strcmp(fld[0] + 2, "RMC")) {
		vidx_civil c = {0};
		int ms = 0;
		/* RMC,hhmmss.ss,A,llll.ll,N,yyyyy.yy,E,speed,course,ddmmyy,... */
		if (nf < 10)
			return -1;
		if (strcmp(fld[2], "A")) {
			*why = "RMC status V (receiver says the fix is void)";
			return 0;
		}
		if (strlen(fld[1]) < 6 || strspn(fld[1], "0123456789") != 6 ||
		    (fld[1][6] && fld[1][6] != '.') || strlen(fld[9]) != 6 ||
		    strspn(fld[9], "0123456789") != 6)
			return -1;
		sscanf(fld[1], "%2d%2d%2d", &c.hour, &c.min, &c.sec);
		if (fld[1][6] == '.') {
			const char *q = fld[1] + 7;
			int k, scale = 100;
			for (k = 0; k < 3 && isdigit((unsigned char)q[k]); k++, scale /= 10)
				ms += (q[k] - '0') * scale;
		}
		sscanf(fld[9], "%2d%2d%2d", &c.day, &c.mon, &c.year);
		/* two-digit years: NMEA has no century; GPS receivers are new */
		c.year += c.year < 80 ? 2000 : 1900;
		c.usec = ms * 1000;
		if (!vidx__civil_valid(&c))
			return -1;
		if (coord(fld[3], fld[4], 2, &f->lat) < 0 ||
		    coord(fld[5], fld[6], 3, &f->lon) < 0)
			return -1;
		f->utc = vidx__civil_utc(&c);
		f->kind = 'R';
		return 1;
	}
	if (!strcmp(fld[0] + 2, "GGA")) {
		char *e;
		/* GGA,hhmmss,lat,N,lon,E,quality,sats,hdop,alt,M,... */
		if (nf < 10)
			return -1;
		if (!strcmp(fld[6], "0") || !*fld[6]) {
			*why = "GGA fix quality 0 (no fix)";
			return 0;
		}
		if (coord(fld[2], fld[3], 2, &f->lat) < 0 ||
		    coord(fld[4], fld[5], 3, &f->lon) < 0)
			return -1;
		if (*fld[9]) {
			f->alt = strtod(fld[9], &e);
			if (*e || !isfinite(f->alt))
				return -1;
		}
		f->kind = 'G';
		return 1;
	}
	*why = "not RMC or GGA";
	return 0;
}
