/*
 * qtmeta.c - what an iPhone (and other QuickTime writers) puts in the
 * moov/meta 'mdta' keys, as libavformat hands them out unchanged:
 *
 *   com.apple.quicktime.creationdate      capture start, local time with
 *                                         its UTC offset (2019-07-24T11:25:40+0300)
 *   com.apple.quicktime.location.ISO6709  where (+32.0929+034.8620+028.516/)
 *   com.apple.quicktime.make / model / software
 *
 * The creation date is the device's clock when recording began (a phone
 * sets it from the network), unlike the container's creation_time, which
 * is often when the file was written or exported.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavformat/avformat.h>

#include "media.h"

static const char *tag(AVFormatContext *fc, const char *key)
{
	AVDictionaryEntry *e = av_dict_get(fc->metadata, key, NULL, 0);
	return e && e->value ? e->value : NULL;
}

/* ISO 8601 with an offset written +HHMM (Apple) as +HH:MM, so the one time
 * parser reads it; NULL when the text has no offset at all */
static int with_colon(const char *v, char *out, size_t n)
{
	size_t len = strlen(v);
	const char *t = strchr(v, 'T');

	if (!t || len < 5 || len + 2 > n)
		return -1;
	if ((v[len - 5] == '+' || v[len - 5] == '-') &&
	    strspn(v + len - 4, "0123456789") == 4 && v + len - 5 > t) {
		snprintf(out, n, "%.*s%.3s:%s", (int)(len - 5), v, v + len - 5, v + len - 2);
		return 0;
	}
	if (v[len - 1] == 'Z' || (len > 6 && (v[len - 6] == '+' || v[len - 6] == '-') &&
	                          v[len - 3] == ':' && v + len - 6 > t)) {
		snprintf(out, n, "%s", v);
		return 0;
	}
	return -1;
}

int vidx__qt_keys(vidx *h, vidx_probe *p, AVFormatContext *fc)
{
	const char *v;
	vidx_place *pl = &p->place;

	if ((v = tag(fc, "com.apple.quicktime.make")))
		snprintf(pl->make, sizeof(pl->make), "%s", v);
	if ((v = tag(fc, "com.apple.quicktime.model")))
		snprintf(pl->model, sizeof(pl->model), "%s", v);
	if ((v = tag(fc, "com.apple.quicktime.software")))
		snprintf(pl->software, sizeof(pl->software), "%s", v);
	if ((v = tag(fc, "com.apple.quicktime.creationdate"))) {
		vidx_time_candidate *c = vidx__add_cand(p, VIDX_SRC_DEVICE);
		char iso[96];
		int64_t us;
		if (!c)
			return VIDX_ENOMEM;
		snprintf(c->raw, sizeof(c->raw), "%s", v);
		snprintf(c->detail, sizeof(c->detail), "com.apple.quicktime.creationdate");
		if (with_colon(v, iso, sizeof(iso)) == 0 &&
		    vidx_time_parse(h, iso, "UTC", &us) == 0) {
			c->utc = us;
		} else {
			c->flags |= VIDX_TF_INVALID;
			snprintf(c->detail, sizeof(c->detail), "com.apple.quicktime."
			         "creationdate: not a date with its offset");
		}
	}
	if ((v = tag(fc, "com.apple.quicktime.location.ISO6709"))) {
		double lat, lon, alt;
		const char *why;
		if (vidx_iso6709_parse(h, v, &lat, &lon, &alt) < 0) {
			vidx__place_problem(pl, "%s; not used", vidx_errmsg(h));
		} else if (vidx__pos_bad(lat, lon, &why)) {
			vidx__place_problem(pl, "QuickTime location '%.64s' is %s; not "
			                    "used", v, why);
		} else {
			pl->loc_source = VIDX_GEO_ISO6709;
			pl->loc.lat = lat;
			pl->loc.lon = lon;
			pl->loc.alt_m = alt;
			snprintf(pl->loc_raw, sizeof(pl->loc_raw), "%s", v);
		}
	}
	return 0;
}
