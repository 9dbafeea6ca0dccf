/*
 * djisrt.c - the flight log a DJI drone writes beside its video as a
 * SubRip (.SRT) file: one cue per frame or per second, with the drone's
 * date and position.  Two families are read (as the models write them):
 *
 *   Mavic Pro, Phantom 3/4, Inspire:       (GPS: longitude first)
 *       HOME(149.0251,-20.2532) 2017.08.05 14:11:51
 *       GPS(149.0251,-20.2533,16) BAROMETER:1.9
 *   Mavic 2/3, Air 2/2S, Mini 2/3/4 (inside <font> tags):
 *       SrtCnt : 1, DiffTime : 33ms
 *       2022-08-07 13:40:40,774,808            (ms,us; or .mmm)
 *       [latitude: 41.424724] [longitude: 2.234156] [altitude: 117.0]
 *       ... [longtitude : ...] (sic) [rel_alt: 1.3 abs_alt: 132.8]
 *
 * The date is the drone's local time with no offset (read in the camera's
 * zone by the caller).  Fed one line at a time, so a long flight's log is
 * never held whole.
 */
#define _DEFAULT_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int fail(vidx__srt *s, const char *what)
{
	snprintf(s->err, sizeof(s->err), "line %zu: %s", s->line, what);
	return VIDX_EFORMAT;
}

/* HH:MM:SS,mmm -> us; the pointer after it */
static const char *cue_time(const char *p, int64_t *us)
{
	int h, m, sec, ms, n = 0;
	if (sscanf(p, "%2d:%2d:%2d%*1[,.]%3d%n", &h, &m, &sec, &ms, &n) != 4 ||
	    m > 59 || sec > 59 || h < 0 || m < 0 || sec < 0 || ms < 0)
		return NULL;
	*us = (((int64_t)h * 60 + m) * 60 + sec) * 1000000 + (int64_t)ms * 1000;
	return p + n;
}

/* the number after KEY (and optional spaces and ':') in P, if any */
static int field(const char *p, const char *key, double *v)
{
	const char *k = strstr(p, key);
	char *e;
	if (!k)
		return 0;
	k += strlen(key);
	while (*k == ' ' || *k == ':')
		k++;
	*v = strtod(k, &e);
	return e != k && isfinite(*v);
}

static void text_line(vidx__srt *s, vidx__srt_cue *c, const char *l)
{
	vidx_civil d = {0};
	double a, b, z;
	int us1 = 0, us2 = 0, n = 0;
	const char *p;

	/* dates: 2017.08.05 14:11:51 | 2022-08-07 13:40:40,774,808 | .774 */
	for (p = l; *p; p++) {
		if (!isdigit((unsigned char)p[0]) || (p > l && isdigit((unsigned char)p[-1])))
			continue;
		n = 0;
		if (sscanf(p, "%4d%*1[.-]%2d%*1[.-]%2d %2d:%2d:%2d%n", &d.year, &d.mon,
		           &d.day, &d.hour, &d.min, &d.sec, &n) == 6 && n >= 19) {
			int k = 0;
			if (sscanf(p + n, ",%3d,%3d%n", &us1, &us2, &k) == 2 && k == 8)
				d.usec = us1 * 1000 + us2;
			else if (sscanf(p + n, "%*1[.,]%3d%n", &us1, &k) == 1 && k == 4)
				d.usec = us1 * 1000;
			if (vidx__civil_valid(&d)) {
				c->date = d;
				c->has_date = 1;
			}
			break;
		}
	}
	(void)s;
	/* GPS(lon,lat,alt) of the older models */
	if ((p = strstr(l, "GPS")) && (p = strchr(p, '(')) &&
	    sscanf(p, "(%lf ,%lf ,%lf", &a, &b, &z) >= 2) {
		int k = sscanf(p, "(%lf ,%lf ,%lf", &a, &b, &z);
		c->lon = a;
		c->lat = b;
		c->alt = k == 3 ? z : NAN;
		c->has_pos = 1;
	}
	if (field(l, "[latitude", &a) &&
	    (field(l, "[longitude", &b) || field(l, "[longtitude", &b))) {
		c->lat = a;
		c->lon = b;
		c->has_pos = 1;
		c->alt = NAN;
		if (field(l, "abs_alt", &z) || field(l, "[altitude", &z))
			c->alt = z;
	}
}

int vidx__srt_line(vidx__srt *s, const char *line)
{
	char buf[1024];
	size_t n = strlen(line);
	const char *p;
	vidx__srt_cue *c;

	s->line++;
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	if (n >= sizeof(buf))
		return fail(s, "line too long for a DJI log");
	memcpy(buf, line, n);
	buf[n] = 0;
	p = buf;
	if (s->line == 1 && !strncmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	switch (s->state) {
	case 0: /* a cue number, or blank lines between cues */
		if (!*p)
			return 0;
		if (strspn(p, "0123456789") != strlen(p))
			return fail(s, "want a cue number");
		s->state = 1;
		return 0;
	case 1: {
		int64_t a, b;
		const char *q = cue_time(p, &a);
		if (!q || strncmp(q, " --> ", 5) || !(q = cue_time(q + 5, &b)) || b < a)
			return fail(s, "want 'HH:MM:SS,mmm --> HH:MM:SS,mmm'");
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 256;
			vidx__srt_cue *m = realloc(s->cues, cap * sizeof(*m));
			if (!m)
				return VIDX_ENOMEM;
			s->cues = m;
			s->cap = cap;
		}
		c = &s->cues[s->n++];
		memset(c, 0, sizeof(*c));
		c->start = a;
		c->end = b;
		c->alt = NAN;
		s->state = 2;
		return 0;
	}
	default:
		if (!*p) {
			s->state = 0;
			return 0;
		}
		text_line(s, &s->cues[s->n - 1], p);
		return 0;
	}
}

int vidx__srt_finish(vidx__srt *s)
{
	if (s->state == 1)
		return fail(s, "the file ends inside a cue");
	if (!s->n) {
		snprintf(s->err, sizeof(s->err), "no cues");
		return VIDX_EFORMAT;
	}
	return 0;
}

void vidx__srt_free(vidx__srt *s)
{
	free(s->cues);
	memset(s, 0, sizeof(*s));
}
