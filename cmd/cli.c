/* cli.c - shared by the vidx-* tools; see cli.h. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../libindex/vidx.h"

const char *cli_prog = "vidx";

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", cli_prog);
	exit(EXIT_USAGE);
}

void cli_bad_option(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", cli_prog);
	exit(EXIT_USAGE);
}

const char *cli_default_db(void)
{
	const char *e = getenv("VIDX_DB");
	return e && *e ? e : "./vidx.db";
}

void cli_version(void)
{
	printf("%s (vidx) %s\n", cli_prog, vidx_version());
	exit(EXIT_OK);
}

void cli_check_tz_env(void)
{
	const char *e = getenv("TZ");
	if (e && *e && !vidx_tz_valid(*e == ':' ? e + 1 : e))
		cli_usage_error("unknown time zone '%s' in $TZ", e);
}

int cli_flush(int rc)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_warn("write error on standard output");
		return EXIT_SOME_FAILED;
	}
	return rc;
}

static FILE *gpx_tracks;

int cli_gpx_put(const char *elem, int waypoint)
{
	if (waypoint)
		return fputs(elem, stdout) == EOF ? -1 : 0;
	if (!gpx_tracks && !(gpx_tracks = tmpfile()))
		return -1;
	return fputs(elem, gpx_tracks) == EOF ? -1 : 0;
}

int cli_gpx_end(void)
{
	char buf[65536];
	size_t n;
	int rc = 0;

	if (gpx_tracks) {
		if (fflush(gpx_tracks) == EOF || fseek(gpx_tracks, 0, SEEK_SET) < 0)
			rc = -1;
		while (!rc && (n = fread(buf, 1, sizeof(buf), gpx_tracks)) > 0)
			if (fwrite(buf, 1, n, stdout) != n)
				rc = -1;
		if (ferror(gpx_tracks))
			rc = -1;
		fclose(gpx_tracks);
		gpx_tracks = NULL;
	}
	if (fputs(vidx_gpx_tail(), stdout) == EOF)
		rc = -1;
	return rc;
}

const char *cli_clean(const char *s, char *buf, size_t n)
{
	size_t o = 0;

	for (; s && *s && o + 5 < n; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '\n')
			o += (size_t)snprintf(buf + o, n - o, "\\n");
		else if (ch == '\t')
			o += (size_t)snprintf(buf + o, n - o, "\\t");
		else if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o] = 0;
	return buf;
}

/* ---- keys ------------------------------------------------------------------------ */

int cli_use_key(vidx *h, const char *file, const char **by, int by_given)
{
	char *def = NULL;
	vidx_key *k = NULL;
	int rc = 0;

	if (!file) {
		/* the default key only when there is one: signing is opt-in */
		if (!(def = vidx_config_path("key")) || access(def, F_OK) < 0) {
			free(def);
			return 0;
		}
		file = def;
	}
	if (vidx_key_load(h, file, &k) < 0) {
		cli_warn("%s", vidx_errmsg(h));
		rc = -1;
	} else if (by_given && *by && strcmp(*by, vidx_key_name(k))) {
		cli_warn("the key '%s' is the key of '%s', not of '%s': give --by '%s', or "
		         "the key of '%s' with --key", file, vidx_key_name(k), *by,
		         vidx_key_name(k), *by);
		rc = -1;
	} else {
		vidx_use_key(h, k);
		*by = vidx_key_name(k);
		k = NULL;
	}
	vidx_key_free(k);
	free(def);
	return rc;
}

int cli_have_default_key(void)
{
	char *def = vidx_config_path("key");
	int r = def && access(def, F_OK) == 0;
	free(def);
	return r;
}

int cli_use_cert(vidx *h, const char *cert, const char *cert_key)
{
	char *c = cert ? NULL : vidx_config_path("cert.pem");
	char *k = cert_key ? NULL : vidx_config_path("cert-key.pem");
	int rc = 0;

	if ((!cert && !c) || (!cert_key && !k)) {
		cli_warn("--sign: no certificate given (--cert, --cert-key) and no "
		         "$XDG_CONFIG_HOME or $HOME for the default one");
		rc = -1;
	} else if (vidx_use_cert(h, cert ? cert : c, cert_key ? cert_key : k) < 0) {
		cli_warn("--sign: %s%s", vidx_errmsg(h), !cert && access(c, F_OK) < 0 ?
		         " (make one with vidx key cert, or give the agency's with --cert "
		         "and --cert-key)" : "");
		rc = -1;
	}
	free(c);
	free(k);
	return rc;
}

int cli_use_trust(vidx *h, const char *file)
{
	vidx_trust *t = NULL;

	if (vidx_trust_load(h, file, &t) < 0) {
		cli_warn("%s", vidx_errmsg(h));
		return -1;
	}
	vidx_use_trust(h, t);
	return 0;
}

/* ---- place x time selectors ------------------------------------------------ */

/* Read N comma-separated decimal numbers: no hex, inf, nan or extras. */
static int numbers(const char *s, double *v, int n)
{
	int i;
	for (i = 0; i < n; i++) {
		char *e;
		size_t len = strcspn(s, ",");
		if (!len || strspn(s, "0123456789.+-eE") < len)
			return -1;
		v[i] = strtod(s, &e);
		if (e != s + len || !isfinite(v[i]))
			return -1;
		s += len;
		if (i < n - 1 && *s++ != ',')
			return -1;
	}
	return *s ? -1 : 0;
}

static void parse_pair(const char *opt, const char *s, double *a, double *b)
{
	double v[2];
	if (numbers(s, v, 2) < 0)
		cli_usage_error("%s: want LAT,LON, got '%s'", opt, s);
	*a = v[0];
	*b = v[1];
}

int cli_sel_option(cli_sel *s, int ch, const char *arg)
{
	switch (ch) {
	case 'N': s->near = arg; break;
	case 'R': s->radius = arg; break;
	case 'B': s->bbox = arg; break;
	case 'c':
		if (s->q.ncameras == 64)
			cli_usage_error("at most 64 --camera");
		s->cams[s->q.ncameras++] = arg;
		break;
	case 'T':
		if (s->q.ntags == 16)
			cli_usage_error("at most 16 --tag");
		s->tags[s->q.ntags++] = arg;
		break;
	case 'f': s->from = arg; break;
	case 't': s->to = arg; break;
	case 'a': s->at = arg; break;
	case 'p': s->pad = arg; break;
	case 'z': s->tz = arg; return 1; /* a zone alone selects nothing */
	default: return 0;
	}
	s->given++;
	return 1;
}

void cli_sel_finish(vidx *h, cli_sel *s, int need_window)
{
	int64_t pad = 0, at = 0;

	cli_check_tz_env();
	if (s->tz && !vidx_tz_valid(s->tz))
		cli_usage_error("--tz: unknown time zone '%s'", s->tz);
	if (!!s->near != !!s->radius)
		cli_usage_error(s->near ? "--near needs --radius" : "--radius needs --near");
	if (s->near) {
		parse_pair("--near", s->near, &s->q.lat, &s->q.lon);
		if (fabs(s->q.lat) > 90 || fabs(s->q.lon) > 180)
			cli_usage_error("--near: %s is not on Earth", s->near);
		if (vidx_distance_parse(h, s->radius, &s->q.radius_m) < 0)
			cli_usage_error("--radius: %s", vidx_errmsg(h));
		s->q.has_near = 1;
	}
	if (s->bbox) {
		double v[4];
		if (numbers(s->bbox, v, 4) < 0 ||
		    (s->q.s = v[0], s->q.w = v[1], s->q.n = v[2], s->q.e = v[3], 0) ||
		    s->q.s > s->q.n || s->q.w > s->q.e || fabs(s->q.s) > 90 || fabs(s->q.n) > 90 ||
		    fabs(s->q.w) > 180 || fabs(s->q.e) > 180)
			cli_usage_error("--bbox: want S,W,N,E with S <= N and W <= E, got '%s'",
			                s->bbox);
		s->q.has_bbox = 1;
	}
	if (s->at || s->pad) {
		if (s->from || s->to)
			cli_usage_error("give --from/--to or --at/--pad, not both");
		if (!s->at || !s->pad)
			cli_usage_error(s->at ? "--at needs --pad" : "--pad needs --at");
		if (vidx_time_parse(h, s->at, s->tz, &at) < 0)
			cli_usage_error("--at: %s", vidx_errmsg(h));
		if (vidx_duration_parse(h, s->pad, &pad) < 0)
			cli_usage_error("--pad: %s", vidx_errmsg(h));
		s->q.from = at - pad;
		s->q.to = at + pad;
	} else {
		if ((!s->from || !s->to) && !need_window && !s->from && !s->to)
			return;
		if (!s->from || !s->to)
			cli_usage_error("give the window: --from TIME --to TIME, or --at TIME --pad DUR");
		if (vidx_time_parse(h, s->from, s->tz, &s->q.from) < 0)
			cli_usage_error("--from: %s", vidx_errmsg(h));
		if (vidx_time_parse(h, s->to, s->tz, &s->q.to) < 0)
			cli_usage_error("--to: %s", vidx_errmsg(h));
	}
	if (s->q.to <= s->q.from)
		cli_usage_error("the window ends before it starts (--to is not after --from)");
	s->q.cameras = s->cams;
	s->q.tags = s->tags;

}

void cli_tile_size(const char *s, int *w, int *hh)
{
	char *e;
	long a = strtol(s, &e, 10), b;
	if (e == s || *e != 'x')
		goto bad;
	s = e + 1;
	b = strtol(s, &e, 10);
	if (e == s || *e || a < 16 || b < 16 || a > 8192 || b > 8192 || (a | b) & 1)
		goto bad;
	*w = (int)a;
	*hh = (int)b;
	return;
bad:
	cli_usage_error("--tile: want WxH, even, from 16x16 to 8192x8192");
}
