/*
 * bench/query-lat.c - warm latency of place x time queries and of seek-point
 * lookups on an index made by bench/gen-city, through libindex only, with
 * the index opened read-only.
 *
 *   query-lat --db PATH --end TIME [--kf-days N] [--queries N] [--seeks N]
 *             [--radius M] [--window S] [--seed N] [--peer-file F]
 *             [--peer-n N]
 *   query-lat --db PATH --upgrade   (let libindex migrate an older index)
 *
 * (a) Queries: N (1000) random questions "which cameras within RADIUS (300)
 *     m of a point have footage in a WINDOW (7200) s window": the point
 *     uniform over the cameras' bounding box (the city square, so mostly
 *     the sparse outskirts and sometimes the dense downtown), the window
 *     uniform inside the last K (7) days before --end (where keyframes
 *     exist, so every span gets its seek point).  vidx_query_run +
 *     vidx_result_free is timed.
 * (b) Seeks: N (1000) random (camera, instant) pairs in the same days are
 *     first resolved to a recording and a stream time with an untimed
 *     query (a 1 us window on that one camera); then the lookup is timed:
 *     vidx_recording_keyframes + a binary search for the last keyframe at or
 *     before that stream time + free.  Each answer is checked against the
 *     seek point vidx_query_run gave for the same instant.
 *
 * Each set is run twice in the same order: pass 1 (the first touch of
 * those pages by this process) and pass 2 (warm: the answer we report).
 * Pass 2's answers must equal pass 1's.  Output: key=value lines on stdout;
 * with --peer-file, the first --peer-n (20) queries, one a line: "lat lon
 * from_us to_us spans covered_us wall_ms cpu_ms" (the answer of pass 1,
 * the latency of pass 2), for the plain-SQL peer in bench/query.  Times are
 * wall clock (CLOCK_MONOTONIC); the *_cpu_* figures are the process's CPU
 * time over the same calls (user + system, so reads from the OS page cache
 * count), which a busy shared machine inflates less.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <sqlite3.h>

#include "vidx.h"

#define US 1000000LL

static const char *prog = "query-lat";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: error: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t rs;
static uint64_t rnd(void)
{
	uint64_t z = (rs += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static double unif(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* nearest-rank percentile of sorted S[N] */
static double pct(const double *s, size_t n, double p)
{
	size_t k = (size_t)ceil(p / 100 * (double)n);
	return s[k ? k - 1 : 0];
}

static void report(const char *name, const double *lat, size_t n)
{
	double *s = malloc(n * sizeof(*s)), sum = 0;
	size_t i;
	if (!s)
		die("out of memory");
	memcpy(s, lat, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_d);
	for (i = 0; i < n; i++)
		sum += s[i];
	printf("%s_n=%zu\n%s_p50_ms=%.4f\n%s_p90_ms=%.4f\n%s_p99_ms=%.4f\n"
	       "%s_max_ms=%.4f\n%s_mean_ms=%.4f\n", name, n, name, pct(s, n, 50),
	       name, pct(s, n, 90), name, pct(s, n, 99), name, s[n - 1], name,
	       sum / (double)n);
	free(s);
}

static long parse_long(const char *s, long lo, long hi)
{
	char *e;
	long v;
	errno = 0;
	v = strtol(s, &e, 10);
	if (errno || e == s || *e || v < lo || v > hi)
		die("bad number '%s'", s);
	return v;
}

typedef struct q {
	double lat, lon;
	int64_t from, to;
	size_t nspans, ncams, ncovered;  /* answer (pass 1) */
	int64_t covered_us;
	double ms[2], cpu[2];
} q;

typedef struct sk {
	int64_t rec, pts;       /* recording, stream time of the instant */
	int64_t want_pts, want_pos; /* vidx_query_run's seek point */
	int64_t got_pts[2];
	double ms[2], cpu[2];
} sk;

/* the last keyframe at or before PTS (the first one if none is) */
static const vidx_keyframe *bsearch_kf(const vidx_keyframe *kf, size_t n, int64_t pts)
{
	size_t lo = 0, hi = n;
	if (!n)
		return NULL;
	while (lo < hi) { /* first index with kf.pts > pts */
		size_t mid = lo + (hi - lo) / 2;
		if (kf[mid].pts <= pts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &kf[lo - 1] : &kf[0];
}

int main(int argc, char **argv)
{
	const char *db = NULL, *end_s = NULL, *peer_file = NULL;
	int upgrade = 0;
	long nq = 1000, ns = 1000, kf_days = 7, seed = 42, peer_n = 20;
	double radius = 300, window = 7200;
	double s = 90, w = 180, n = -90, e = -180;
	int64_t end_us, lo_us, hi_us;
	vidx_camera *cams = NULL;
	size_t ncams = 0, i;
	q *qs;
	sk *sks;
	vidx *h;
	int pass, rc;

	for (i = 1; i < (size_t)argc; i++) {
		const char *a = argv[i], *v = i + 1 < (size_t)argc ? argv[i + 1] : NULL;
		if (!v && strcmp(a, "--upgrade"))
			die("usage: %s --db PATH --upgrade | --db PATH --end TIME [--kf-days N] [--queries N]"
			    " [--seeks N] [--radius M] [--window S] [--seed N]"
			    " [--peer-file F] [--peer-n N]", prog);
		if (!strcmp(a, "--upgrade")) { /* a flag: takes no value */
			upgrade = 1;
			continue;
		}
		if (!strcmp(a, "--db"))
			db = v;
		else if (!strcmp(a, "--end"))
			end_s = v;
		else if (!strcmp(a, "--peer-file"))
			peer_file = v;
		else if (!strcmp(a, "--kf-days"))
			kf_days = parse_long(v, 1, 365);
		else if (!strcmp(a, "--queries"))
			nq = parse_long(v, 1, 10000000);
		else if (!strcmp(a, "--seeks"))
			ns = parse_long(v, 1, 10000000);
		else if (!strcmp(a, "--seed"))
			seed = parse_long(v, 0, 2147483647L);
		else if (!strcmp(a, "--peer-n"))
			peer_n = parse_long(v, 0, 10000000);
		else if (!strcmp(a, "--radius"))
			radius = (double)parse_long(v, 1, 100000);
		else if (!strcmp(a, "--window"))
			window = (double)parse_long(v, 1, 86400);
		else
			die("unknown option %s", a);
		i++;
	}
	if (db && upgrade) {
		/* an index made by an older libindex: open it read-write once so
		 * that libindex applies its own migrations, as for any user */
		if (!(h = vidx_new()) || vidx_open(h, db, 0) < 0)
			die("%s", h ? vidx_errmsg(h) : "out of memory");
		vidx_free(h);
		return 0;
	}
	if (!db || !end_s)
		die("--db and --end are required");
	rs = (uint64_t)seed * 0x2545f4914f6cdd1dULL + 77;
	if (!(h = vidx_new()))
		die("out of memory");
	if (vidx_time_parse(h, end_s, "UTC", &end_us) < 0)
		die("--end: %s", vidx_errmsg(h));
	if (vidx_open(h, db, VIDX_OPEN_READONLY) < 0)
		die("%s", vidx_errmsg(h));
	if (vidx_camera_list(h, &cams, &ncams) < 0 || !ncams)
		die("no cameras: %s", vidx_errmsg(h));
	for (i = 0; i < ncams; i++) {
		s = fmin(s, cams[i].lat);
		n = fmax(n, cams[i].lat);
		w = fmin(w, cams[i].lon);
		e = fmax(e, cams[i].lon);
	}
	lo_us = end_us - kf_days * 86400 * US;
	hi_us = end_us;

	/* ---- (a) place x time queries ---- */
	if (!(qs = calloc((size_t)nq, sizeof(*qs))))
		die("out of memory");
	for (i = 0; i < (size_t)nq; i++) {
		int64_t len = (int64_t)(window * US);
		qs[i].lat = s + unif() * (n - s);
		qs[i].lon = w + unif() * (e - w);
		qs[i].from = lo_us + (int64_t)(unif() * (double)(hi_us - lo_us - len));
		qs[i].to = qs[i].from + len;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < (size_t)nq; i++) {
			vidx_query qq;
			vidx_result *res;
			double t0, c0;
			size_t j, covered = 0;
			int64_t cus = 0;

			memset(&qq, 0, sizeof(qq));
			qq.has_near = 1;
			qq.lat = qs[i].lat;
			qq.lon = qs[i].lon;
			qq.radius_m = radius;
			qq.from = qs[i].from;
			qq.to = qs[i].to;
			c0 = cpu_ms();
			t0 = now_ms();
			rc = vidx_query_run(h, &qq, &res);
			if (rc < 0)
				die("query %zu: %s", i, vidx_errmsg(h));
			for (j = 0; j < res->nspans; j++)
				cus += res->spans[j].end - res->spans[j].start;
			for (j = 0; j < res->ncams; j++)
				covered += res->cams[j].ncovered > 0;
			if (pass == 0) {
				qs[i].nspans = res->nspans;
				qs[i].ncams = res->ncams;
				qs[i].ncovered = covered;
				qs[i].covered_us = cus;
				for (j = 0; j < res->nspans; j++)
					if (res->spans[j].seek_pts < 0)
						die("query %zu: span without a seek point", i);
			} else if (qs[i].nspans != res->nspans || qs[i].covered_us != cus) {
				die("query %zu: pass 2 answered %zu spans / %lld us, pass 1 %zu / %lld",
				    i, res->nspans, (long long)cus, qs[i].nspans,
				    (long long)qs[i].covered_us);
			}
			vidx_result_free(res);
			qs[i].ms[pass] = now_ms() - t0;
			qs[i].cpu[pass] = cpu_ms() - c0;
		}
	}

	/* ---- (b) seek points ---- */
	if (!(sks = calloc((size_t)ns, sizeof(*sks))))
		die("out of memory");
	{
		size_t found = 0, tries = 0;
		while (found < (size_t)ns) {
			const char *id = cams[rnd() % ncams].id;
			const char *one[1];
			vidx_query qq;
			vidx_result *res;
			int64_t t = lo_us + (int64_t)(unif() * (double)(hi_us - lo_us - US));

			if (++tries > 100 * (size_t)ns + 1000)
				die("cannot find %ld instants with footage", ns);
			one[0] = id;
			memset(&qq, 0, sizeof(qq));
			qq.cameras = one;
			qq.ncameras = 1;
			qq.from = t;
			qq.to = t + 1;
			if (vidx_query_run(h, &qq, &res) < 0)
				die("seek setup: %s", vidx_errmsg(h));
			if (res->nspans == 1 && res->spans[0].seek_pts >= 0) {
				const vidx_span *sp = &res->spans[0];
				sk *k = &sks[found++];
				k->rec = sp->recording_id;
				/* stream time of the instant: the span's camera time
				 * relative to its segment, whose start is known through
				 * the seek keyframe (seek_camera <-> seek_pts) */
				k->pts = sp->seek_pts + (sp->camera_start - sp->seek_camera);
				k->want_pts = sp->seek_pts;
				k->want_pos = sp->seek_pos;
			}
			vidx_result_free(res);
		}
		printf("seek_setup_tries=%zu\n", tries);
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < (size_t)ns; i++) {
			vidx_keyframe *kf;
			const vidx_keyframe *k;
			size_t nkf;
			double c0 = cpu_ms(), t0 = now_ms();
			if (vidx_recording_keyframes(h, sks[i].rec, &kf, &nkf) < 0)
				die("keyframes of %lld: %s", (long long)sks[i].rec, vidx_errmsg(h));
			k = bsearch_kf(kf, nkf, sks[i].pts);
			sks[i].got_pts[pass] = k ? k->pts : -1;
			if (k && k->pos != sks[i].want_pos && k->pts == sks[i].want_pts)
				die("seek %zu: position %lld, the query said %lld", i,
				    (long long)k->pos, (long long)sks[i].want_pos);
			free(kf);
			sks[i].ms[pass] = now_ms() - t0;
			sks[i].cpu[pass] = cpu_ms() - c0;
			if (sks[i].got_pts[pass] != sks[i].want_pts)
				die("seek %zu (recording %lld, pts %lld): found keyframe at %lld,"
				    " the query's seek point is %lld", i, (long long)sks[i].rec,
				    (long long)sks[i].pts, (long long)sks[i].got_pts[pass],
				    (long long)sks[i].want_pts);
		}
	}

	/* ---- report ---- */
	{
		double *a = malloc(((size_t)(nq > ns ? nq : ns)) * sizeof(*a));
		double spans = 0, cams_sel = 0, cams_cov = 0;
		size_t maxspans = 0, maxcams = 0, empty = 0;
		struct rusage ru;

		if (!a)
			die("out of memory");
		for (i = 0; i < (size_t)nq; i++) {
			spans += (double)qs[i].nspans;
			cams_sel += (double)qs[i].ncams;
			cams_cov += (double)qs[i].ncovered;
			if (qs[i].nspans > maxspans)
				maxspans = qs[i].nspans;
			if (qs[i].ncams > maxcams)
				maxcams = qs[i].ncams;
			empty += qs[i].nspans == 0;
		}
		printf("cameras=%zu\nradius_m=%.0f\nwindow_s=%.0f\n", ncams, radius, window);
		for (pass = 0; pass < 2; pass++) {
			for (i = 0; i < (size_t)nq; i++)
				a[i] = qs[i].ms[pass];
			report(pass ? "query_warm" : "query_first", a, (size_t)nq);
		}
		for (i = 0; i < (size_t)nq; i++)
			a[i] = qs[i].cpu[1];
		report("query_warm_cpu", a, (size_t)nq);
		printf("query_mean_spans=%.2f\nquery_max_spans=%zu\n"
		       "query_mean_cameras=%.2f\nquery_max_cameras=%zu\n"
		       "query_mean_cameras_with_footage=%.2f\nquery_no_footage=%zu\n",
		       spans / (double)nq, maxspans, cams_sel / (double)nq, maxcams,
		       cams_cov / (double)nq, empty);
		for (pass = 0; pass < 2; pass++) {
			for (i = 0; i < (size_t)ns; i++)
				a[i] = sks[i].ms[pass];
			report(pass ? "seek_warm" : "seek_first", a, (size_t)ns);
		}
		for (i = 0; i < (size_t)ns; i++)
			a[i] = sks[i].cpu[1];
		report("seek_warm_cpu", a, (size_t)ns);
		getrusage(RUSAGE_SELF, &ru);
		printf("vidx_version=%s\nsqlite_lib=%s\n", vidx_version(), sqlite3_libversion());
		printf("max_rss_kib=%ld\n", ru.ru_maxrss);
		free(a);
	}
	if (peer_file) {
		FILE *f = fopen(peer_file, "w");
		if (!f)
			die("%s: %s", peer_file, strerror(errno));
		for (i = 0; i < (size_t)nq && i < (size_t)peer_n; i++)
			fprintf(f, "%.9f %.9f %lld %lld %zu %lld %.4f %.4f\n", qs[i].lat,
			        qs[i].lon, (long long)qs[i].from, (long long)qs[i].to,
			        qs[i].nspans, (long long)qs[i].covered_us, qs[i].ms[1],
			        qs[i].cpu[1]);
		if (fclose(f) != 0)
			die("%s: write error", peer_file);
	}
	vidx_camera_list_free(cams, ncams);
	free(qs);
	free(sks);
	vidx_free(h);
	return 0;
}
