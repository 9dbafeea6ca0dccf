/*
 * time.c - instants, zones, parsing and formatting of times and durations,
 * and times read from file names.
 *
 * Zone rules come from the system's tz database through glibc.  glibc only
 * converts in the zone named by $TZ, so conversions in a named zone set $TZ
 * under a lock and put it back afterwards; the lock makes that safe for
 * threads that use libindex, not for threads that read $TZ behind our back.
 */
#define _DEFAULT_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define US 1000000LL

/* ---- calendar arithmetic (proleptic Gregorian, no tables) ------------ */

int64_t vidx__days_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 ? 28 + leap : dm[m - 1];
}

int vidx__civil_valid(const vidx_civil *c)
{
	return c->year >= 1 && c->year <= 9999 && c->mon >= 1 && c->mon <= 12 &&
	       c->day >= 1 && c->day <= days_in_month(c->year, c->mon) &&
	       c->hour >= 0 && c->hour <= 23 && c->min >= 0 && c->min <= 59 &&
	       c->sec >= 0 && c->sec <= 59 && c->usec >= 0 && c->usec < US;
}

int64_t vidx__civil_utc(const vidx_civil *c)
{
	int64_t days = vidx__days_from_civil(c->year, c->mon, c->day);
	return ((days * 86400) + c->hour * 3600 + c->min * 60 + c->sec) * US +
	       c->usec;
}

/* floor division, for instants before 1970 */
static int64_t fdiv(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* ---- zones ------------------------------------------------------------ */

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct tzsave {
	char *old;
	int had;
	int changed;
} tzsave;

/* $TZ is never removed or added while threads run: glibc reallocates the
 * environment for that, under any thread in getenv().  So the first use
 * gives an unset $TZ its meaning, the system zone, as ":/etc/localtime",
 * and later changes only replace its value. */
static char *tz_user; /* $TZ as the user set it, NULL when unset */
static pthread_once_t tz_once = PTHREAD_ONCE_INIT;
static void tz_init(void)
{
	const char *e = getenv("TZ");
	if (e)
		tz_user = strdup(e);
	else
		setenv("TZ", ":/etc/localtime", 1);
}

/* read from our copy: another thread may hold a zone in $TZ right now */
const char *vidx__user_tz(void)
{
	pthread_once(&tz_once, tz_init);
	return tz_user;
}
#define user_tz vidx__user_tz

/* Make ZONE the process zone until tz_leave().  NULL keeps the current one. */
static int tz_enter(const char *zone, tzsave *s)
{
	const char *o;

	pthread_once(&tz_once, tz_init);
	pthread_mutex_lock(&tz_lock);
	s->old = NULL;
	s->had = 0;
	s->changed = 0;
	if (!zone)
		goto out;
	o = getenv("TZ");
	s->had = o != NULL;
	if (o && !(s->old = strdup(o))) {
		pthread_mutex_unlock(&tz_lock);
		return -1;
	}
	setenv("TZ", zone, 1);
	s->changed = 1;
out:
	tzset();
	return 0;
}

static void tz_leave(tzsave *s)
{
	if (s->changed) {
		setenv("TZ", s->had ? s->old : ":/etc/localtime", 1);
		tzset();
	}
	free(s->old);
	pthread_mutex_unlock(&tz_lock);
}

static long offset_at(time_t t)
{
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return 0;
	return tm.tm_gmtoff;
}

int vidx_tz_valid(const char *zone)
{
	const char *dir = getenv("TZDIR");
	char path[512], magic[4];
	struct stat st;
	int fd, ok;
	size_t i, n;

	if (!zone || !*zone || zone[0] == '/' || strstr(zone, ".."))
		return 0;
	n = strlen(zone);
	if (n > 200)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)zone[i]) && !strchr("/_+-", zone[i]))
			return 0;
	snprintf(path, sizeof(path), "%s/%s",
	         dir && *dir ? dir : "/usr/share/zoneinfo", zone);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	     read(fd, magic, 4) == 4 && memcmp(magic, "TZif", 4) == 0;
	close(fd);
	return ok;
}

static const char *zone_name(const char *zone)
{
	const char *tz = user_tz();
	if (zone)
		return zone;
	return tz && *tz ? tz : "the system zone";
}

/* Convert local civil seconds T (the local fields read as if UTC) in the
 * current process zone.  Fills up to two valid instants. */
static int local_candidates(time_t T, time_t out[2], time_t *before)
{
	long offs[3];
	int n = 0, i, j;

	offs[0] = offset_at(T - 86400);
	offs[1] = offset_at(T);
	offs[2] = offset_at(T + 86400);
	*before = T - offs[0];
	for (i = 0; i < 3; i++) {
		time_t t = T - offs[i];
		int dup = 0;
		if (offset_at(t) != offs[i])
			continue;
		for (j = 0; j < n; j++)
			dup |= out[j] == t;
		if (!dup && n < 2)
			out[n++] = t;
	}
	if (n == 2 && out[1] < out[0]) {
		time_t x = out[0];
		out[0] = out[1];
		out[1] = x;
	}
	return n;
}

/* The zone that NULL stands for: $TZ when set (checked: glibc reads an
 * unknown zone as UTC without a word), else the system's. */
static int resolve_zone(vidx *h, const char **zone)
{
	const char *e;

	if (*zone) {
		if (!vidx_tz_valid(*zone))
			return vidx__fail(h, VIDX_EINVAL, "unknown time zone '%s'", *zone);
		return 0;
	}
	e = user_tz();
	if (e && *e) {
		const char *z = *e == ':' ? e + 1 : e;
		if (!vidx_tz_valid(z))
			return vidx__fail(h, VIDX_EINVAL, "unknown time zone '%s' in $TZ", e);
	}
	return 0;
}

int vidx_civil_to_utc(vidx *h, const vidx_civil *c, const char *zone,
                      int64_t *us, int *flags)
{
	vidx_civil whole = *c;
	time_t cand[2], before;
	tzsave s;
	int n, rc;

	if ((rc = resolve_zone(h, &zone)) < 0)
		return rc;
	if (!vidx__civil_valid(c))
		return vidx__fail(h, VIDX_EINVAL,
		                  "invalid date or time %04d-%02d-%02d %02d:%02d:%02d",
		                  c->year, c->mon, c->day, c->hour, c->min, c->sec);
	whole.usec = 0;
	if (tz_enter(zone, &s) < 0)
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	n = local_candidates((time_t)(vidx__civil_utc(&whole) / US), cand, &before);
	tz_leave(&s);
	*flags = VIDX_TF_LOCAL;
	if (n == 0) {
		*flags |= VIDX_TF_NONEXISTENT;
		cand[0] = before;
	} else if (n > 1) {
		*flags |= VIDX_TF_AMBIGUOUS;
	}
	*us = (int64_t)cand[0] * US + c->usec;
	return 0;
}

/* ---- parsing ------------------------------------------------------------ */

/* Read exactly W digits. */
static int digits(const char **p, int w, int *v)
{
	int i, x = 0;
	for (i = 0; i < w; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += w;
	*v = x;
	return 0;
}

/* Read a fraction after '.', up to 9 digits, to microseconds (truncated). */
static int fraction(const char **p, int *usec)
{
	int n = 0, v = 0;
	while (isdigit((unsigned char)**p)) {
		if (n < 6)
			v = v * 10 + (**p - '0');
		n++;
		(*p)++;
	}
	if (n == 0 || n > 9)
		return -1;
	for (; n < 6; n++)
		v *= 10;
	*usec = v;
	return 0;
}

int vidx_time_parse(vidx *h, const char *s, const char *zone, int64_t *us)
{
	const char *p = s;
	vidx_civil c = {0};
	int off = 0, have_off = 0, flags = 0, rc;

	if (!s || !*s)
		return vidx__fail(h, VIDX_EINVAL, "empty time");
	if (*p == '@') {
		/* Unix seconds: no zone involved */
		int64_t secs = 0;
		int neg = 0, usec = 0, nd = 0;
		p++;
		if (*p == '-') {
			neg = 1;
			p++;
		}
		while (isdigit((unsigned char)*p) && nd < 12) {
			secs = secs * 10 + (*p++ - '0');
			nd++;
		}
		if (nd == 0 || (*p == '.' && (p++, fraction(&p, &usec) < 0)) || *p)
			goto bad;
		*us = (neg ? -1 : 1) * (secs * US + usec);
		return 0;
	}
	if (digits(&p, 4, &c.year) || *p++ != '-' || digits(&p, 2, &c.mon) ||
	    *p++ != '-' || digits(&p, 2, &c.day))
		goto bad;
	if (*p != 'T' && *p != 't' && *p != ' ')
		goto bad;
	p++;
	if (digits(&p, 2, &c.hour) || *p++ != ':' || digits(&p, 2, &c.min))
		goto bad;
	if (*p == ':') {
		p++;
		if (digits(&p, 2, &c.sec))
			goto bad;
		if (*p == '.' || *p == ',') {
			p++;
			if (fraction(&p, &c.usec) < 0)
				goto bad;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		have_off = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
		if (digits(&p, 2, &oh))
			goto bad;
		if (*p == ':')
			p++;
		if (*p && digits(&p, 2, &om))
			goto bad;
		if (oh > 23 || om > 59)
			goto bad;
		off = sign * (oh * 3600 + om * 60);
		have_off = 1;
	}
	if (*p)
		goto bad;
	if (!vidx__civil_valid(&c))
		return vidx__fail(h, VIDX_EINVAL, "'%s' is not a valid date and time",
		                  s);
	if (have_off) {
		*us = vidx__civil_utc(&c) - (int64_t)off * US;
		return 0;
	}
	rc = vidx_civil_to_utc(h, &c, zone, us, &flags);
	if (rc < 0)
		return rc;
	if (flags & VIDX_TF_AMBIGUOUS)
		return vidx__fail(h, VIDX_EAMBIG,
		                  "'%s' is ambiguous in %s (the clock showed it twice "
		                  "when it was set back); add an offset, e.g. +HH:MM",
		                  s, zone_name(zone));
	if (flags & VIDX_TF_NONEXISTENT)
		return vidx__fail(h, VIDX_EAMBIG,
		                  "'%s' does not exist in %s (the clock skipped it "
		                  "when it was set forward); add an offset, e.g. +HH:MM",
		                  s, zone_name(zone));
	return 0;
bad:
	return vidx__fail(h, VIDX_EINVAL,
	                  "cannot read time '%s' (want 2022-07-04T21:24:30Z, an "
	                  "offset like +02:00, or local 2022-07-04 21:24:30)", s);
}

int vidx_duration_parse(vidx *h, const char *s, int64_t *us)
{
	const char *p = s;
	int64_t total = 0;
	int parts = 0;

	if (!s || !*s)
		goto bad;
	while (*p) {
		int64_t ip = 0, unit;
		int usec = 0, nd = 0;
		while (isdigit((unsigned char)*p)) {
			if (++nd > 9)
				goto bad;
			ip = ip * 10 + (*p++ - '0');
		}
		if (*p == '.') {
			p++;
			if (fraction(&p, &usec) < 0)
				goto bad;
		} else if (nd == 0) {
			goto bad;
		}
		if (strncmp(p, "ms", 2) == 0) {
			unit = 1000;
			p += 2;
		} else if (*p == 's') {
			unit = US;
			p++;
		} else if (*p == 'm') {
			unit = 60 * US;
			p++;
		} else if (*p == 'h') {
			unit = 3600 * US;
			p++;
		} else if (*p == 'd') {
			unit = 86400 * US;
			p++;
		} else if (!*p && parts == 0) {
			unit = US; /* a bare number is seconds */
		} else {
			goto bad;
		}
		/* at most a century, checked before multiplying */
		if (ip > (int64_t)36500 * 86400 * US / unit)
			goto bad;
		total += ip * unit + (int64_t)usec * unit / US;
		if (total > (int64_t)36500 * 86400 * US)
			goto bad;
		parts++;
	}
	*us = total;
	return 0;
bad:
	return vidx__fail(h, VIDX_EINVAL,
	                  "cannot read duration '%s' (want e.g. 90s, 15m, 2h, 1h30m)",
	                  s ? s : "");
}

/* ---- formatting ------------------------------------------------------------ */

static char *format_fields(int64_t us, long off, int utc, char *buf)
{
	int64_t ms = fdiv(us, 1000);
	int64_t secs = fdiv(ms, 1000);
	int64_t days = fdiv(secs, 86400);
	int64_t sod = secs - days * 86400;
	char tmp[128];
	int y, m, d;

	civil_from_days(days, &y, &m, &d);
	if (utc) {
		snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		         y, m, d, (int)(sod / 3600), (int)(sod / 60 % 60),
		         (int)(sod % 60), (int)(ms - secs * 1000));
	} else {
		long a = off < 0 ? -off : off;
		snprintf(tmp, sizeof(tmp),
		         "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02ld:%02ld", y, m, d,
		         (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
		         (int)(ms - secs * 1000), off < 0 ? '-' : '+', a / 3600,
		         a / 60 % 60);
	}
	/* realistic instants fit; absurd ones are cut, never overrun */
	tmp[VIDX_TIME_BUFSZ - 1] = 0;
	memcpy(buf, tmp, strlen(tmp) + 1);
	return buf;
}

char *vidx_time_format(int64_t us, char *buf)
{
	if (us == VIDX_TIME_NONE) {
		snprintf(buf, VIDX_TIME_BUFSZ, "-");
		return buf;
	}
	return format_fields(us, 0, 1, buf);
}

char *vidx_time_format_local(int64_t us, const char *zone, char *buf)
{
	tzsave s;
	long off;

	if (us == VIDX_TIME_NONE || (zone && !vidx_tz_valid(zone)) ||
	    tz_enter(zone, &s) < 0)
		return vidx_time_format(us, buf);
	off = offset_at((time_t)fdiv(us, US));
	tz_leave(&s);
	return format_fields(us + (int64_t)off * US, off, 0, buf);
}

/* ---- times in file names ---------------------------------------------- */

typedef struct nmatch {
	vidx_civil c, e; /* the start, and the end (%E fields) */
	long *budget;  /* star positions left to try: bounds the backtracking */
	int set, eset; /* bit per field letter, first occurrence wins */
	int64_t epoch; /* %s */
} nmatch;

enum { F_Y = 1, F_M = 2, F_D = 4, F_H = 8, F_MI = 16, F_S = 32, F_L = 64,
       F_EPOCH = 128 };

static int field_width(char f)
{
	switch (f) {
	case 'Y': return 4;
	case 'y': case 'm': case 'd': case 'H': case 'M': case 'S': return 2;
	case 'L': return 3;
	case 'f': return 6;
	case 's': return 10;
	default: return 0;
	}
}

/* Store field F=V (of the end when END) unless already set; check its
 * range. */
static int put_field(nmatch *m, char f, int64_t v, int end)
{
	vidx_civil *c = end ? &m->e : &m->c;
	int *set = end ? &m->eset : &m->set;
	int bit, ok;
	switch (f) {
	case 'Y': case 'y': bit = F_Y; break;
	case 'm': bit = F_M; break;
	case 'd': bit = F_D; break;
	case 'H': bit = F_H; break;
	case 'M': bit = F_MI; break;
	case 'S': bit = F_S; break;
	case 'L': case 'f': bit = F_L; break;
	default: bit = F_EPOCH; break;
	}
	if (f == 'y')
		v += 2000;
	switch (f) {
	case 'Y': case 'y': ok = v >= 1970 && v <= 2099; break;
	case 'm': ok = v >= 1 && v <= 12; break;
	case 'd': ok = v >= 1 && v <= 31; break;
	case 'H': ok = v <= 23; break;
	case 'M': case 'S': ok = v <= 59; break;
	case 's': ok = v >= 100000000; break;
	default: ok = 1;
	}
	if (!ok)
		return -1;
	if (*set & bit)
		return 0;
	*set |= bit;
	switch (f) {
	case 'Y': case 'y': c->year = (int)v; break;
	case 'm': c->mon = (int)v; break;
	case 'd': c->day = (int)v; break;
	case 'H': c->hour = (int)v; break;
	case 'M': c->min = (int)v; break;
	case 'S': c->sec = (int)v; break;
	case 'L': c->usec = (int)v * 1000; break;
	case 'f': c->usec = (int)v; break;
	default: m->epoch = v;
	}
	return 0;
}

static int nmatch_run(const char *p, const char *s, nmatch *m)
{
	for (;;) {
		if (!*p)
			return !*s;
		if (*p == '*') {
			const char *t;
			while (*p == '*')
				p++;
			for (t = s;; t++) {
				nmatch try = *m;
				if (--*m->budget < 0)
					return 0;
				if (nmatch_run(p, t, &try)) {
					*m = try;
					return 1;
				}
				if (!*t)
					return 0;
			}
		}
		if (*p == '?') {
			if (!*s)
				return 0;
			p++;
			s++;
			continue;
		}
		if (*p == '%' && p[1] != '%') {
			int end = p[1] == 'E', w = field_width(p[1 + end]), i;
			int64_t v = 0;
			for (i = 0; i < w; i++) {
				if (!isdigit((unsigned char)s[i]))
					return 0;
				v = v * 10 + (s[i] - '0');
			}
			if (put_field(m, p[1 + end], v, end) < 0)
				return 0;
			p += 2 + end;
			s += w;
			continue;
		}
		if (*p == '%')
			p++; /* %% is a literal % */
		if (tolower((unsigned char)*p) != tolower((unsigned char)*s))
			return 0;
		p++;
		s++;
	}
}

int vidx_name_pattern_check(vidx *h, const char *pattern)
{
	const char *p;
	int set = 0, eset = 0, stars = 0;

	if (!pattern || !*pattern)
		return vidx__fail(h, VIDX_EINVAL, "empty --name-time pattern");
	if (!strcmp(pattern, "auto") || !strcmp(pattern, "none"))
		return 0;
	for (p = pattern; *p; p++) {
		int end = 0, *to = &set;
		if (*p == '*' && p[1] != '*')
			stars++;
		if (*p != '%')
			continue;
		p++;
		if (*p == '%')
			continue;
		if (*p == 'E') {
			/* a field of the end of the recording */
			end = 1;
			to = &eset;
			p++;
		}
		if (!field_width(*p) || (end && *p == 's'))
			return vidx__fail(h, VIDX_EINVAL,
			                  "--name-time '%s': unknown field '%%%s%c' (use %%Y "
			                  "%%y %%m %%d %%H %%M %%S %%L %%f %%s %%%%, and %%E "
			                  "before any but %%s for the end)", pattern,
			                  end ? "E" : "", *p ? *p : ' ');
		*to |= strchr("Yy", *p) ? F_Y : *p == 'm' ? F_M : *p == 'd' ? F_D
		     : *p == 'H' ? F_H : *p == 'M' ? F_MI : *p == 'S' ? F_S
		     : *p == 's' ? F_EPOCH : F_L;
	}
	if (eset && (eset & (F_H | F_MI)) != (F_H | F_MI))
		return vidx__fail(h, VIDX_EINVAL,
		                  "--name-time '%s': an end needs at least %%EH %%EM",
		                  pattern);
	if (stars > 8)
		return vidx__fail(h, VIDX_EINVAL,
		                  "--name-time '%s': more than 8 '*'", pattern);
	if (!(set & F_EPOCH) &&
	    (set & (F_Y | F_M | F_D | F_H | F_MI)) != (F_Y | F_M | F_D | F_H | F_MI))
		return vidx__fail(h, VIDX_EINVAL,
		                  "--name-time '%s' needs at least %%Y (or %%y) %%m %%d "
		                  "%%H %%M, or %%s", pattern);
	return 0;
}

/* The tail of PATH with as many components as PATTERN has. */
static const char *path_tail(const char *pattern, const char *path)
{
	int k = 0;
	const char *p, *t;

	for (p = pattern; *p; p++)
		k += *p == '/';
	t = path + strlen(path);
	while (t > path) {
		if (t[-1] == '/' && k-- == 0)
			break;
		t--;
	}
	return t;
}

/* The end a name gives (M's end fields): missing date fields are the
 * start's, missing seconds 0; an end before the start on the same date is
 * on the next day (the recording ran past midnight).  0 when there is none,
 * or it is not a time after the start (and less than a day after). */
static int name_end(const nmatch *m, vidx_civil *e)
{
	int64_t a, b;

	if ((m->eset & (F_H | F_MI)) != (F_H | F_MI))
		return 0;
	*e = m->e;
	if (!(m->eset & F_Y))
		e->year = m->c.year;
	if (!(m->eset & F_M))
		e->mon = m->c.mon;
	if (!(m->eset & F_D))
		e->day = m->c.day;
	if (!vidx__civil_valid(e))
		return 0;
	a = vidx__civil_utc(&m->c);
	b = vidx__civil_utc(e);
	if (b < a && !(m->eset & (F_Y | F_M | F_D))) {
		civil_from_days(vidx__days_from_civil(e->year, e->mon, e->day) + 1,
		                &e->year, &e->mon, &e->day);
		b += 86400 * US;
	}
	return b > a && b - a < 86400 * US;
}

static int match_one(const char *pattern, const char *path, vidx_civil *c,
                     int *is_utc, vidx_civil *end, int *has_end)
{
	long budget = 200000; /* far above any real name; a hostile one stops */
	nmatch m;
	memset(&m, 0, sizeof(m));
	m.budget = &budget;
	if (!nmatch_run(pattern, path_tail(pattern, path), &m))
		return 0;
	if (m.set & F_EPOCH) {
		int64_t days = fdiv(m.epoch, 86400), sod = m.epoch - days * 86400;
		int usec = m.c.usec;
		civil_from_days(days, &m.c.year, &m.c.mon, &m.c.day);
		m.c.hour = (int)(sod / 3600);
		m.c.min = (int)(sod / 60 % 60);
		m.c.sec = (int)(sod % 60);
		m.c.usec = usec;
		*is_utc = 1;
	} else {
		*is_utc = 0;
	}
	if (!vidx__civil_valid(&m.c))
		return 0;
	*c = m.c;
	*has_end = !(m.set & F_EPOCH) && name_end(&m, end);
	return 1;
}

/* Vendor patterns, most specific first.  Each was taken from real file
 * names; see vidx-probe(1). */
static const struct {
	const char *label, *pattern;
} auto_patterns[] = {
	{"hikvision", "*_%Y%m%d%H%M%S%L.*"},
	{"dahua", "*_%Y%m%d%H%M%S_%EY%Em%Ed%EH%EM%ES*"},
	{"sdcard", "?%y%m%d_%H%M%S_%EH%EM%ES.*"}, /* A231126_181503_181517.265 */
	{"frigate", "%Y-%m-%d/%H/*/%M.%S.mp4"}, /* UTC: see match below */
	{"segment", "*%Y-%m-%d_%H-%M-%S*"},
	{"iso", "*%Y-%m-%d?%H?%M?%S*"},
	{"yyyymmdd_hhmmss", "*%Y%m%d_%H%M%S*"},
	{"yyyymmddhhmmss", "*%Y%m%d%H%M%S*"},
};

int vidx_name_span_match(vidx *h, const char *pattern, const char *path,
                         vidx_name_span *sp)
{
	size_t i;
	int rc;

	memset(sp, 0, sizeof(*sp));
	if (!pattern || !strcmp(pattern, "auto")) {
		for (i = 0; i < sizeof(auto_patterns) / sizeof(auto_patterns[0]); i++)
			if (match_one(auto_patterns[i].pattern, path, &sp->start, &sp->is_utc,
			              &sp->end, &sp->has_end)) {
				sp->label = auto_patterns[i].label;
				/* Frigate names its recording folders in UTC */
				if (!strcmp(auto_patterns[i].label, "frigate"))
					sp->is_utc = 1;
				return 1;
			}
		return 0;
	}
	if (!strcmp(pattern, "none"))
		return 0;
	if ((rc = vidx_name_pattern_check(h, pattern)) < 0)
		return rc;
	return match_one(pattern, path, &sp->start, &sp->is_utc, &sp->end, &sp->has_end);
}

int vidx_name_time_match(vidx *h, const char *pattern, const char *path,
                         vidx_civil *c, int *is_utc, const char **label)
{
	vidx_name_span sp;
	int rc = vidx_name_span_match(h, pattern, path, &sp);

	if (label)
		*label = sp.label;
	if (rc == 1) {
		*c = sp.start;
		*is_utc = sp.is_utc;
	}
	return rc;
}

/* one clock reading for "now" (event times, ingest and creation dates) */
int64_t vidx__now(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}
