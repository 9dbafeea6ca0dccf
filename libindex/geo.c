/*
 * geo.c - a recording's own place: positions and tracks as the readers
 * (iso6709.c, qtmeta.c, udta.c, gpmf.c, djisrt.c, nmea.c) find them, the
 * checks that keep impossible points out of a track, the compact form a
 * track takes in the index, and GPX.
 *
 * Nothing a reader finds is used silently when it cannot be right: a 0,0
 * position (a receiver without a fix writes it), a fix marked invalid,
 * time going backwards, or a jump no car could drive is left out of the
 * track and said in the place's problems.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const geo_names[] = {
	"", "quicktime-iso6709", "mp4-xyz", "3gpp-loci", "gpmf", "dji-srt",
	"nmea", "camera", "novatek-freegps",
};

const char *vidx_geo_source_name(int src)
{
	if (src <= 0 || src >= (int)(sizeof(geo_names) / sizeof(geo_names[0])))
		return "none";
	return geo_names[src];
}

int vidx_geo_source_id(const char *name)
{
	size_t i;
	for (i = 1; name && i < sizeof(geo_names) / sizeof(geo_names[0]); i++)
		if (!strcmp(name, geo_names[i]))
			return (int)i;
	return 0;
}

void vidx__place_problem(vidx_place *p, const char *fmt, ...)
{
	va_list ap;

	if (p->nproblems >= sizeof(p->problems) / sizeof(p->problems[0])) {
		p->nproblems++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(p->problems[p->nproblems], sizeof(p->problems[0]), fmt, ap);
	va_end(ap);
	p->nproblems++;
}

int vidx__track_push(vidx_place *p, size_t *cap, const vidx_geopoint *pt)
{
	if (p->ntrack == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		vidx_geopoint *n = realloc(p->track, c * sizeof(*n));
		if (!n)
			return -1;
		p->track = n;
		*cap = c;
	}
	p->track[p->ntrack++] = *pt;
	return 0;
}

int vidx__pos_bad(double lat, double lon, const char **why)
{
	if (!isfinite(lat) || !isfinite(lon) || fabs(lat) > 90 || fabs(lon) > 180) {
		*why = "out of range";
		return 1;
	}
	/* exactly 0,0 (to a centimetre): what receivers write without a fix */
	if (fabs(lat) < 1e-7 && fabs(lon) < 1e-7) {
		*why = "0,0 (no fix)";
		return 1;
	}
	return 0;
}

void vidx__track_clean(vidx_place *p)
{
	size_t i, o = 0, zero = 0, range = 0, back = 0, jump = 0;
	const vidx_geopoint *last = NULL;
	vidx_geopoint first_jump = {0}, jump_from = {0};
	double jump_m = 0;

	for (i = 0; i < p->ntrack; i++) {
		vidx_geopoint *q = &p->track[i];
		const char *why;
		if (vidx__pos_bad(q->lat, q->lon, &why)) {
			if (*why == '0')
				zero++;
			else
				range++;
			continue;
		}
		if (last && q->off < last->off) {
			back++;
			continue;
		}
		if (last) {
			double d = vidx_distance_m(last->lat, last->lon, q->lat, q->lon);
			double dt = (double)(q->off - last->off) / 1e6;
			if (d > VIDX__GPS_SLACK + VIDX__MAX_SPEED * dt) {
				if (!jump++) {
					first_jump = *q;
					jump_from = *last;
					jump_m = d;
				}
				continue;
			}
		}
		p->track[o] = *q;
		last = &p->track[o++];
	}
	if (zero)
		vidx__place_problem(p, "%zu track point%s at 0,0 (no fix) left out",
		                    zero, zero == 1 ? "" : "s");
	if (range)
		vidx__place_problem(p, "%zu track point%s out of range left out",
		                    range, range == 1 ? "" : "s");
	if (back)
		vidx__place_problem(p, "%zu track point%s going back in time left out",
		                    back, back == 1 ? "" : "s");
	if (jump)
		vidx__place_problem(p, "%zu track point%s left out: a jump of %.0f m in "
		                    "%.3f s at +%.3f s (faster than %.0f km/h)", jump,
		                    jump == 1 ? "" : "s", jump_m,
		                    (double)(first_jump.off - jump_from.off) / 1e6,
		                    (double)first_jump.off / 1e6, VIDX__MAX_SPEED * 3.6);
	p->dropped += zero + range + back + jump;
	p->ntrack = o;
	if (!o) {
		free(p->track);
		p->track = NULL;
		if (p->track_source)
			vidx__place_problem(p, "no usable point in the %s track",
			                    vidx_geo_source_name(p->track_source));
		p->track_source = 0;
	}
}

/* ---- the index's form: zigzag varint deltas --------------------------- */

static size_t put_varint(unsigned char *b, int64_t v)
{
	uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t n = 0;
	while (u >= 0x80) {
		b[n++] = (unsigned char)(u | 0x80);
		u >>= 7;
	}
	b[n++] = (unsigned char)u;
	return n;
}

static int get_varint(const unsigned char *b, size_t len, size_t *at, int64_t *v)
{
	uint64_t u = 0;
	int shift = 0;
	while (*at < len && shift < 64) {
		unsigned char c = b[(*at)++];
		u |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
			return 0;
		}
		shift += 7;
	}
	return -1;
}

#define ALT_NONE INT64_MIN /* no altitude: written as a delta to this mark */

static int64_t alt_dm(double a)
{
	return isfinite(a) && fabs(a) < 1e8 ? llround(a * 10) : ALT_NONE / 2;
}

/* Times in ms, positions in 1e-7 degree (about 1 cm), altitude in dm: the
 * precision of the best source (GPMF) with room to spare, at 4-8 bytes a
 * point for a GPS track sampled many times a second. */
int vidx__track_encode(const vidx_geopoint *pt, size_t n, unsigned char **out,
                       size_t *len)
{
	unsigned char *b = malloc(n * 40 + 1);
	int64_t t = 0, la = 0, lo = 0, al = 0;
	size_t i, o = 0;

	if (!b)
		return -1;
	for (i = 0; i < n; i++) {
		int64_t t1 = (pt[i].off + (pt[i].off >= 0 ? 500 : -500)) / 1000;
		int64_t la1 = llround(pt[i].lat * 1e7), lo1 = llround(pt[i].lon * 1e7);
		int64_t al1 = alt_dm(pt[i].alt_m);
		o += put_varint(b + o, t1 - t);
		o += put_varint(b + o, la1 - la);
		o += put_varint(b + o, lo1 - lo);
		o += put_varint(b + o, al1 - al);
		t = t1;
		la = la1;
		lo = lo1;
		al = al1;
	}
	*out = b;
	*len = o;
	return 0;
}

int vidx__track_decode(const unsigned char *b, size_t len, size_t n,
                       vidx_geopoint **out)
{
	vidx_geopoint *p;
	int64_t t = 0, la = 0, lo = 0, al = 0, d[4];
	size_t i, at = 0, k;

	*out = NULL;
	if (n > len) /* at least 4 bytes a point */
		return -2;
	if (!(p = calloc(n ? n : 1, sizeof(*p))))
		return -1;
	for (i = 0; i < n; i++) {
		for (k = 0; k < 4; k++)
			if (get_varint(b, len, &at, &d[k]) < 0) {
				free(p);
				return -2;
			}
		/* in wrapping arithmetic, then each checked: a damaged blob must
		 * not overflow, nor give a point off the Earth */
		t = (int64_t)((uint64_t)t + (uint64_t)d[0]);
		la = (int64_t)((uint64_t)la + (uint64_t)d[1]);
		lo = (int64_t)((uint64_t)lo + (uint64_t)d[2]);
		al = (int64_t)((uint64_t)al + (uint64_t)d[3]);
		if (t > INT64_MAX / 1000 || t < INT64_MIN / 1000 || la > 900000000 ||
		    la < -900000000 || lo > 1800000000 || lo < -1800000000) {
			free(p);
			return -2;
		}
		p[i].off = t * 1000;
		p[i].lat = (double)la / 1e7;
		p[i].lon = (double)lo / 1e7;
		p[i].alt_m = al == ALT_NONE / 2 ? NAN : (double)al / 10;
	}
	if (at != len) {
		free(p);
		return -2;
	}
	*out = p;
	return 0;
}

/* ---- GPX 1.1 ------------------------------------------------------------ */

static void xml_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '&')
			fputs("&amp;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c < 0x20 && c != '\t')
			fputc('?', f); /* not allowed in XML 1.0 */
		else
			fputc(c, f);
	}
}

const char *vidx_gpx_head(void)
{
	return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	       "<gpx version=\"1.1\" creator=\"vidx " VIDX_VERSION "\""
	       " xmlns=\"http://www.topografix.com/GPX/1/1\">\n";
}

const char *vidx_gpx_tail(void)
{
	return "</gpx>\n";
}

char *vidx_gpx_trk(const char *name, int64_t start, const vidx_geopoint *pt,
                   size_t n, int waypoint)
{
	char *buf = NULL, tb[VIDX_TIME_BUFSZ];
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (waypoint && n) {
		fprintf(f, "  <wpt lat=\"%.7f\" lon=\"%.7f\">", pt[0].lat, pt[0].lon);
		if (isfinite(pt[0].alt_m))
			fprintf(f, "<ele>%.1f</ele>", pt[0].alt_m);
		if (start != VIDX_TIME_NONE)
			fprintf(f, "<time>%s</time>", vidx_time_format(start, tb));
		fputs("<name>", f);
		xml_text(f, name);
		fputs("</name></wpt>\n", f);
	} else {
		fputs("  <trk>\n    <name>", f);
		xml_text(f, name);
		fputs("</name>\n    <trkseg>\n", f);
		for (i = 0; i < n; i++) {
			fprintf(f, "      <trkpt lat=\"%.7f\" lon=\"%.7f\">", pt[i].lat,
			        pt[i].lon);
			if (isfinite(pt[i].alt_m))
				fprintf(f, "<ele>%.1f</ele>", pt[i].alt_m);
			if (start != VIDX_TIME_NONE)
				fprintf(f, "<time>%s</time>",
				        vidx_time_format(start + pt[i].off, tb));
			fputs("</trkpt>\n", f);
		}
		fputs("    </trkseg>\n  </trk>\n", f);
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- to and from the index ---------------------------------------------- */

void vidx__place_bbox(const vidx_place *p, double box[4])
{
	size_t i;

	if (!p->track_source) {
		box[0] = box[2] = p->loc.lat;
		box[1] = box[3] = p->loc.lon;
		return;
	}
	box[0] = box[1] = 1e9;
	box[2] = box[3] = -1e9;
	for (i = 0; i < p->ntrack; i++) {
		box[0] = fmin(box[0], p->track[i].lat);
		box[1] = fmin(box[1], p->track[i].lon);
		box[2] = fmax(box[2], p->track[i].lat);
		box[3] = fmax(box[3], p->track[i].lon);
	}
}

char *vidx__place_problems_text(const vidx_place *p)
{
	size_t i, n = p->nproblems < 8 ? p->nproblems : 8, len = 1;
	char *s;

	for (i = 0; i < n; i++)
		len += strlen(p->problems[i]) + 1;
	if (!(s = malloc(len)))
		return NULL;
	s[0] = 0;
	for (i = 0; i < n; i++) {
		if (i)
			strcat(s, "\n");
		strcat(s, p->problems[i]);
	}
	return s;
}

int vidx__place_from_row(vidx_place *p, const char *source, const char *raw,
                         double lat, double lon, double alt, int alt_null,
                         int64_t points, const void *blob, size_t bloblen,
                         int64_t dropped, const char *problems)
{
	int src = vidx_geo_source_id(source), rc;
	const char *q;

	memset(p, 0, sizeof(*p));
	p->loc.alt_m = NAN;
	p->dropped = dropped > 0 ? (size_t)dropped : 0;
	for (q = problems; q && *q && p->nproblems < 8; ) {
		size_t n = strcspn(q, "\n");
		snprintf(p->problems[p->nproblems++], sizeof(p->problems[0]), "%.*s",
		         (int)n, q);
		q += n + (q[n] == '\n');
	}
	if (points <= 0) {
		p->loc_source = src ? src : VIDX_GEO_NONE;
		p->loc.lat = lat;
		p->loc.lon = lon;
		p->loc.alt_m = alt_null ? NAN : alt;
		snprintf(p->loc_raw, sizeof(p->loc_raw), "%s", raw ? raw : "");
		return 0;
	}
	if ((rc = vidx__track_decode(blob, bloblen, (size_t)points, &p->track)) < 0)
		return rc;
	p->ntrack = (size_t)points;
	p->track_source = src;
	snprintf(p->track_raw, sizeof(p->track_raw), "%s", raw ? raw : "");
	return 0;
}
