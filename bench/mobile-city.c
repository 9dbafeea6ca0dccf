/*
 * bench/mobile-city.c - a city with mobile cameras, through libindex only.
 *
 *   mobile-city build --db PATH [--fixed N] [--cars N] [--phones N]
 *                     [--days N] [--hz N] [--seed N] [--end TIME]
 *   mobile-city query --db PATH [--queries N] [--radius M] [--window S]
 *                     [--days N] [--seed N] [--end TIME] [--peer-file F]
 *                     [--peer-n N]
 *
 * build: a NEW index around 41.30,-72.93 (10 km x 10 km): N fixed cameras
 * (500) with 15-minute recordings for the last D days (2) before --end;
 * N patrol cars (50), mobile, each a 15-minute dashcam recording after the
 * other, its track a drive on a street grid (blocks of 100 m, 0-15 m/s,
 * turns at corners) at HZ (1) points a second, positions to 1e-7 degree
 * as a receiver gives them; N phones (1000), mobile, one 1-minute video
 * each at one position, at random times.  Prints key=value lines (counts,
 * build time).
 *
 * query: N (200) random questions "which footage within RADIUS (300) m of
 * a point in a WINDOW (7200) s window" (point uniform in the city, window
 * in the last D days), each run twice (pass 2 timed, answers equal);
 * p50/p99/max latency, spans and mobile spans per question.  With
 * --peer-file, the first --peer-n (10) questions, one a line: "lat lon
 * from_us to_us wall_ms car ...": the patrol cars vidx found there, for
 * the gpsbabel peer in bench/mobile.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vidx.h"

#define US 1000000LL
#define SLOT (900 * US)
#define LAT0 41.30
#define LON0 -72.93
#define M_LAT (1 / 111195.0)
#define M_LON (1 / (111195.0 * 0.75107)) /* cos(41.3 deg) */

static uint64_t rng = 1;
static double rnd(void) /* xorshift64*, [0, 1) */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(vidx *h, const char *what)
{
	fprintf(stderr, "mobile-city: %s: %s\n", what, h ? vidx_errmsg(h) : "");
	exit(1);
}

static const char *opt(int argc, char **argv, const char *k, const char *def)
{
	int i;
	for (i = 2; i + 1 < argc; i++)
		if (!strcmp(argv[i], k))
			return argv[i + 1];
	return def;
}

static void fake_sha(unsigned char *s, uint64_t n)
{
	int i;
	for (i = 0; i < 32; i++) {
		n = n * 6364136223846793005ULL + 1442695040888963407ULL;
		s[i] = (unsigned char)(n >> 56);
	}
}

static int add(vidx *h, const char *cam, const char *path, uint64_t n, int64_t start,
               int64_t dur, const vidx_place *pl)
{
	vidx_recording_in in;
	vidx_segment seg = {start, start + dur, 0};
	int64_t id;
	int dup;

	memset(&in, 0, sizeof(in));
	in.camera = cam;
	in.path = path;
	fake_sha(in.sha256, n);
	in.size = dur / 8; /* ~1 Mb/s */
	in.format = "mov,mp4,m4a,3gp,3g2,mj2";
	in.vcodec = "h264";
	in.width = 1920;
	in.height = 1080;
	in.fps = 30;
	in.time_source = pl && pl->track_source ? VIDX_SRC_GPS : pl ? VIDX_SRC_DEVICE
	               : VIDX_SRC_FILENAME;
	in.time_raw = path;
	in.time_detail = "bench";
	in.segments = &seg;
	in.nsegments = 1;
	in.place = pl;
	return vidx_recording_add(h, &in, &id, &dup);
}

static int build(int argc, char **argv)
{
	const char *db = opt(argc, argv, "--db", NULL);
	int nfixed = atoi(opt(argc, argv, "--fixed", "500"));
	int ncars = atoi(opt(argc, argv, "--cars", "50"));
	int nphones = atoi(opt(argc, argv, "--phones", "1000"));
	int days = atoi(opt(argc, argv, "--days", "2"));
	int hz = atoi(opt(argc, argv, "--hz", "1"));
	vidx *h = vidx_new();
	int64_t end, from, t;
	uint64_t n = 0;
	size_t points = 0, recs = 0;
	double t0 = now_s();
	char id[64], path[128];
	vidx_place pl;
	int i, k;

	rng = (uint64_t)atoi(opt(argc, argv, "--seed", "1")) * 0x9e3779b97f4a7c15ULL + 1;
	if (!db || !h || vidx_time_parse(h, opt(argc, argv, "--end", "2025-01-01T05:00:00Z"),
	                                 "UTC", &end) < 0)
		die(h, "usage");
	from = end - days * 86400 * US;
	if (vidx_open(h, db, VIDX_OPEN_CREATE) < 0)
		die(h, db);
	if (vidx_begin(h) < 0)
		die(h, "begin");
	for (i = 0; i < nfixed; i++) {
		vidx_camera c = {0};
		snprintf(id, sizeof(id), "cam-%04d", i);
		c.id = id;
		c.lat = LAT0 + (rnd() - 0.5) * 10000 * M_LAT;
		c.lon = LON0 + (rnd() - 0.5) * 10000 * M_LON;
		c.tz = "America/New_York";
		if (vidx_camera_add(h, &c) < 0)
			die(h, "camera");
		for (t = from; t < end; t += SLOT, recs++) {
			snprintf(path, sizeof(path), "/evidence/%s/%lld.mp4", id, (long long)(t / US));
			if (add(h, id, path, ++n, t, SLOT, NULL) < 0)
				die(h, "recording");
		}
	}
	if (vidx_commit(h, 0) < 0)
		die(h, "commit");
	for (i = 0; i < ncars; i++) {
		vidx_camera c = {0};
		/* on the grid: x, y in metres from the city's corner */
		double x = floor(rnd() * 100) * 100, y = floor(rnd() * 100) * 100;
		int dir = (int)(rnd() * 4);
		double v = 10;
		snprintf(id, sizeof(id), "car-%03d", i);
		c.id = id;
		c.mobile = 1;
		c.lat = c.lon = NAN;
		if (vidx_camera_add(h, &c) < 0)
			die(h, "camera");
		if (vidx_begin(h) < 0)
			die(h, "begin");
		for (t = from; t < end; t += SLOT, recs++) {
			size_t cap = 0, np = (size_t)(900 * hz);
			memset(&pl, 0, sizeof(pl));
			pl.track_source = VIDX_GEO_NMEA;
			snprintf(pl.track_raw, sizeof(pl.track_raw), "bench drive");
			for (k = 0; k < (int)np; k++) {
				vidx_geopoint p;
				double step = v / hz;
				/* at a corner: maybe turn, change speed */
				if (fmod(x, 100) < step && fmod(y, 100) < step && rnd() < 0.3) {
					dir = (dir + (rnd() < 0.5 ? 1 : 3)) % 4;
					v = rnd() * 15;
				}
				x += dir == 0 ? step : dir == 2 ? -step : 0;
				y += dir == 1 ? step : dir == 3 ? -step : 0;
				if (x < 0 || x > 10000 || y < 0 || y > 10000) {
					dir = (dir + 2) % 4; /* the city's edge: turn back */
					x = fmin(10000, fmax(0, x));
					y = fmin(10000, fmax(0, y));
				}
				p.off = (int64_t)k * US / hz;
				p.lat = round((LAT0 + (y - 5000) * M_LAT) * 1e7) / 1e7;
				p.lon = round((LON0 + (x - 5000) * M_LON) * 1e7) / 1e7;
				p.alt_m = round((20 + rnd() * 0.4) * 10) / 10;
				if (pl.ntrack == cap) {
					cap = cap ? cap * 2 : 1024;
					if (!(pl.track = realloc(pl.track, cap * sizeof(*pl.track))))
						die(NULL, "out of memory");
				}
				pl.track[pl.ntrack++] = p;
			}
			points += pl.ntrack;
			snprintf(path, sizeof(path), "/evidence/%s/%lld.MOV", id, (long long)(t / US));
			if (add(h, id, path, ++n, t, SLOT, &pl) < 0)
				die(h, "recording");
			free(pl.track);
		}
		if (vidx_commit(h, 0) < 0)
			die(h, "commit");
	}
	if (vidx_begin(h) < 0)
		die(h, "begin");
	for (i = 0; i < nphones; i++, recs++) {
		vidx_camera c = {0};
		snprintf(id, sizeof(id), "phone-%04d", i);
		c.id = id;
		c.mobile = 1;
		c.lat = c.lon = NAN;
		if (vidx_camera_add(h, &c) < 0)
			die(h, "camera");
		memset(&pl, 0, sizeof(pl));
		pl.loc_source = VIDX_GEO_ISO6709;
		pl.loc.lat = LAT0 + (rnd() - 0.5) * 10000 * M_LAT;
		pl.loc.lon = LON0 + (rnd() - 0.5) * 10000 * M_LON;
		pl.loc.alt_m = NAN;
		t = from + (int64_t)(rnd() * (double)(end - from - 60 * US));
		snprintf(path, sizeof(path), "/evidence/%s/IMG.MOV", id);
		if (add(h, id, path, ++n, t, 60 * US, &pl) < 0)
			die(h, "recording");
	}
	if (vidx_commit(h, 0) < 0)
		die(h, "commit");
	printf("recordings=%zu\ntrack_points=%zu\nbuild_s=%.1f\n", recs, points, now_s() - t0);
	vidx_free(h);
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int cmp_s(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int query(int argc, char **argv)
{
	const char *db = opt(argc, argv, "--db", NULL), *pf = opt(argc, argv, "--peer-file", NULL);
	int nq = atoi(opt(argc, argv, "--queries", "200"));
	int npeer = atoi(opt(argc, argv, "--peer-n", "10"));
	double radius = atof(opt(argc, argv, "--radius", "300"));
	int64_t window = atoll(opt(argc, argv, "--window", "7200")) * US;
	int days = atoi(opt(argc, argv, "--days", "2"));
	vidx *h = vidx_new();
	double *lat = calloc((size_t)nq, sizeof(double)), *ms = calloc((size_t)nq, sizeof(double));
	int64_t *from = calloc((size_t)nq, sizeof(int64_t)), end;
	size_t *spans = calloc((size_t)nq, sizeof(size_t)), *mob = calloc((size_t)nq, sizeof(size_t));
	double *lon = calloc((size_t)nq, sizeof(double));
	size_t tot = 0, totm = 0;
	FILE *peer = NULL;
	int i, pass;

	rng = (uint64_t)atoi(opt(argc, argv, "--seed", "7")) * 0x9e3779b97f4a7c15ULL + 1;
	if (!db || !h || vidx_time_parse(h, opt(argc, argv, "--end", "2025-01-01T05:00:00Z"),
	                                 "UTC", &end) < 0)
		die(h, "usage");
	if (vidx_open(h, db, VIDX_OPEN_READONLY) < 0)
		die(h, db);
	if (pf && !(peer = fopen(pf, "w")))
		die(NULL, pf);
	for (i = 0; i < nq; i++) {
		lat[i] = LAT0 + (rnd() - 0.5) * 10000 * M_LAT;
		lon[i] = LON0 + (rnd() - 0.5) * 10000 * M_LON;
		from[i] = end - days * 86400 * US +
		          (int64_t)(rnd() * (double)(days * 86400 * US - window));
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < nq; i++) {
			vidx_query q;
			vidx_result *r;
			double t0;
			size_t k, nm = 0;
			memset(&q, 0, sizeof(q));
			q.has_near = 1;
			q.lat = lat[i];
			q.lon = lon[i];
			q.radius_m = radius;
			q.from = from[i];
			q.to = from[i] + window;
			t0 = now_s();
			if (vidx_query_run(h, &q, &r) < 0)
				die(h, "query");
			if (pass)
				ms[i] = (now_s() - t0) * 1e3;
			for (k = 0; k < r->nspans; k++)
				nm += r->spans[k].mobile;
			if (pass && (r->nspans != spans[i] || nm != mob[i]))
				die(NULL, "pass 2 answered differently from pass 1");
			spans[i] = r->nspans;
			mob[i] = nm;
			if (pass && peer && i < npeer) {
				/* the patrol cars vidx found there, once each, sorted */
				const char *cars[256];
				size_t nc = 0, j;
				for (k = 0; k < r->nspans; k++) {
					if (!r->spans[k].mobile || strncmp(r->spans[k].camera, "car-", 4))
						continue;
					for (j = 0; j < nc && strcmp(cars[j], r->spans[k].camera); j++)
						;
					if (j == nc && nc < 256)
						cars[nc++] = r->spans[k].camera;
				}
				qsort(cars, nc, sizeof(*cars), cmp_s);
				fprintf(peer, "%.7f %.7f %lld %lld %.3f", lat[i], lon[i],
				        (long long)q.from, (long long)q.to, ms[i]);
				for (j = 0; j < nc; j++)
					fprintf(peer, " %s", cars[j]);
				fputc('\n', peer);
			}
			vidx_result_free(r);
		}
	}
	for (i = 0; i < nq; i++) {
		tot += spans[i];
		totm += mob[i];
	}
	qsort(ms, (size_t)nq, sizeof(double), cmp_d);
	printf("queries=%d\nradius_m=%.0f\nwindow_s=%lld\np50_ms=%.3f\np99_ms=%.3f\nmax_ms=%.3f\n"
	       "spans_per_query=%.2f\nmobile_spans_per_query=%.2f\n", nq, radius,
	       (long long)(window / US), ms[nq / 2], ms[(nq * 99) / 100], ms[nq - 1],
	       (double)tot / nq, (double)totm / nq);
	if (peer)
		fclose(peer);
	vidx_free(h);
	free(lat);
	free(lon);
	free(ms);
	free(from);
	free(spans);
	free(mob);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "build"))
		return build(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "query"))
		return query(argc, argv);
	fprintf(stderr, "usage: mobile-city build|query --db PATH ...\n");
	return 2;
}
