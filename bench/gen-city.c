/*
 * bench/gen-city.c - fill a NEW index with a synthetic city, through
 * libindex only (vidx_camera_add, vidx_clock_add, vidx_begin /
 * vidx_recording_add / vidx_commit): no SQL of its own.
 *
 *   gen-city --db PATH [--cameras N] [--days N] [--kf-days N] [--seed N]
 *            [--batch N] [--end TIME] [--shard K/N]
 *
 * The city (defaults = the spec of bench/query):
 *  - N cameras (500) over a 10 km x 10 km square centred on 41.30,-72.93:
 *    half spread uniformly, half in a Gaussian "downtown" (sigma 1 km)
 *    around the centre; zone America/New_York; tags "city" plus a kind
 *    (street, business, transit, school, residential) and sometimes "ptz".
 *  - 5% of the cameras have a clock that is off by 30 s to 15 min (fast or
 *    slow), with one clock observation saying so; their recordings are on
 *    that wrong clock, as a real DVR's would be.
 *  - The last D days (365) before --end (2025-01-01T05:00:00Z, local
 *    midnight) in 15-minute slots: one recording per camera per slot,
 *    96 a day, 35,040 a year; ~1% of them missing, plus per camera a few
 *    outages (about 4 a year, 1-72 h) with nothing at all; ~10% split in
 *    2 or 3 segments by gaps of 2-120 s.  Paths
 *    /evidence/CAM/YYYYMMDD/HHMM.mp4 in the camera's local (clock) time,
 *    sizes ~1 Mb/s, SHA-256 synthetic and unique (a bijective mix of the
 *    camera x slot counter, then more mixing).
 *  - Keyframes every 2 s (450 per full recording) for recordings in the
 *    last K days (7), none (nkf 0) before.
 *
 * Everything is a pure function of (seed, camera, absolute slot), where
 * slots count from --end back over a full year; so a run with fewer days
 * holds exactly the last days of the full city, and any scale is the same
 * data whatever the batch size.
 *
 * --shard K/N: one host's shard of that city (bench/merge): every camera
 * and clock observation (the registry every shard has), and the
 * recordings of the K-th of N equal blocks of cameras only (K from 0).
 * The N shards together hold exactly the recordings of the whole city.
 *
 * Recordings are added day by day, all cameras of a day in turn (what a
 * city-wide daily ingest does), BATCH (5000) per transaction.  Progress on
 * stderr; on success a summary as key=value lines on stdout.
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
#include <sys/stat.h>
#include <time.h>

#include "vidx.h"

#define US 1000000LL
#define SLOT_US (900 * US)
#define SLOTS_PER_DAY 96
#define YEAR_DAYS 365
#define YEAR_SLOTS (YEAR_DAYS * SLOTS_PER_DAY)
#define ZONE "America/New_York"
#define MAX_SEG 3
#define KF_STEP_US (2 * US)
#define MAX_KF (900 / 2 + 8)

static const char *prog = "gen-city";

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

/* ---- deterministic randomness --------------------------------------------- */

static uint64_t mix64(uint64_t z) /* splitmix64's finaliser: a bijection */
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t g_seed;

/* a random 64-bit value for (what, a, b): independent streams */
static uint64_t rnd(uint64_t what, uint64_t a, uint64_t b)
{
	return mix64(mix64(mix64(g_seed ^ (what * 0x9e3779b97f4a7c15ULL)) ^ a) ^
	             (b * 0xd1b54a32d192ed03ULL));
}

/* uniform in [0, 1) */
static double unif(uint64_t r)
{
	return (double)(r >> 11) / 9007199254740992.0;
}

/* a small sequential generator for per-recording draws */
typedef struct { uint64_t s; } prng;
static uint64_t next(prng *p)
{
	p->s += 0x9e3779b97f4a7c15ULL;
	return mix64(p->s);
}
static double nextu(prng *p) { return unif(next(p)); }
static int64_t range(prng *p, int64_t lo, int64_t hi) /* [lo, hi] */
{
	return lo + (int64_t)(next(p) % (uint64_t)(hi - lo + 1));
}

/* ---- the city --------------------------------------------------------------- */

typedef struct cam {
	char id[16];
	int64_t off;     /* camera clock - true time (us) */
	int width, height;
	double fps;
	int audio;
	int64_t out_a[8], out_b[8]; /* outages, absolute slots [a, b) */
	int nout;
} cam;

static const double LAT0 = 41.30, LON0 = -72.93, SIDE_M = 10000, SIGMA_M = 1000;

static int parse_int(const char *s, long lo, long hi, long *v)
{
	char *e;
	errno = 0;
	*v = strtol(s, &e, 10);
	return errno || e == s || *e || *v < lo || *v > hi ? -1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: %s --db PATH [--cameras N] [--days N] [--kf-days N]"
	        " [--seed N] [--batch N] [--end TIME] [--shard K/N]\n", prog);
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void hms(double s, char *buf, size_t n)
{
	int t = s < 0 ? 0 : s > 3.6e8 ? 360000000 : (int)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, n, "%dh%02dm", t / 3600, t / 60 % 60);
	else
		snprintf(buf, n, "%dm%02ds", t / 60, t % 60);
}

int main(int argc, char **argv)
{
	const char *db = NULL, *end_s = "2025-01-01T05:00:00Z";
	long ncam = 500, days = YEAR_DAYS, kf_days = 7, seed = 1, batch = 5000;
	long shard_k = 0, shard_n = 1, cam_lo, cam_hi;
	int64_t end_us, year0, first_slot, kf_slot;
	cam *cams;
	vidx *h;
	int i, rc;
	long v;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			usage();
		if (!val)
			usage();
		if (!strcmp(a, "--db"))
			db = val;
		else if (!strcmp(a, "--end"))
			end_s = val;
		else if (!strcmp(a, "--cameras") && !parse_int(val, 1, 99999, &v))
			ncam = v;
		else if (!strcmp(a, "--days") && !parse_int(val, 1, YEAR_DAYS, &v))
			days = v;
		else if (!strcmp(a, "--kf-days") && !parse_int(val, 0, YEAR_DAYS, &v))
			kf_days = v;
		else if (!strcmp(a, "--seed") && !parse_int(val, 0, 2147483647L, &v))
			seed = v;
		else if (!strcmp(a, "--batch") && !parse_int(val, 1, 10000000L, &v))
			batch = v;
		else if (!strcmp(a, "--shard")) {
			char k[16], n[16];
			if (sscanf(val, "%15[0-9]/%15[0-9]", k, n) != 2 ||
			    parse_int(n, 1, 1000, &shard_n) || parse_int(k, 0, shard_n - 1, &shard_k))
				usage();
		}
		else
			usage();
		i++;
	}
	if (!db)
		usage();
	g_seed = mix64((uint64_t)seed + 0x1234567ULL);
	/* this shard's cameras: block K of N */
	cam_lo = ncam * shard_k / shard_n;
	cam_hi = ncam * (shard_k + 1) / shard_n;

	{
		struct stat sb;
		if (stat(db, &sb) == 0)
			die("%s exists: gen-city only fills a new index", db);
	}
	if (!(h = vidx_new()))
		die("out of memory");
	if (vidx_time_parse(h, end_s, "UTC", &end_us) < 0)
		die("--end: %s", vidx_errmsg(h));
	year0 = end_us - (int64_t)YEAR_SLOTS * SLOT_US;
	first_slot = YEAR_SLOTS - days * SLOTS_PER_DAY;
	kf_slot = YEAR_SLOTS - kf_days * SLOTS_PER_DAY;
	if ((rc = vidx_open(h, db, VIDX_OPEN_CREATE)) < 0)
		die("%s", vidx_errmsg(h));

	/* ---- cameras ---- */
	if (!(cams = calloc((size_t)ncam, sizeof(*cams))))
		die("out of memory");
	{
		static const char *kinds[] = {"street", "street", "street", "street",
		                              "business", "business", "business",
		                              "transit", "school", "residential",
		                              "residential"};
		double mlat = 111132.0, mlon = 111320.0 * cos(LAT0 * M_PI / 180);
		long nclock = 0;
		if ((rc = vidx_begin(h)) < 0)
			die("%s", vidx_errmsg(h));
		for (i = 0; i < ncam; i++) {
			cam *c = &cams[i];
			vidx_camera vc;
			char name[64], tags[64], addr[64];
			double x, y;
			uint64_t r = rnd(1, (uint64_t)i, 0);
			int k;

			snprintf(c->id, sizeof(c->id), "cam-%04d", i + 1);
			if (i % 2 == 0) { /* uniform over the square */
				x = (unif(rnd(2, (uint64_t)i, 0)) - 0.5) * SIDE_M;
				y = (unif(rnd(2, (uint64_t)i, 1)) - 0.5) * SIDE_M;
			} else { /* downtown: Gaussian, kept inside the square */
				for (k = 0;; k++) {
					double u1 = unif(rnd(3, (uint64_t)i, 2 * (uint64_t)k));
					double u2 = unif(rnd(3, (uint64_t)i, 2 * (uint64_t)k + 1));
					double rr = sqrt(-2 * log(1 - u1)) * SIGMA_M;
					x = rr * cos(2 * M_PI * u2);
					y = rr * sin(2 * M_PI * u2);
					if (fabs(x) < SIDE_M / 2 && fabs(y) < SIDE_M / 2)
						break;
				}
			}
			snprintf(name, sizeof(name), "Synthetic camera %d", i + 1);
			snprintf(addr, sizeof(addr), "%d Block %c", (int)(r % 2000) + 1,
			         'A' + (int)(r >> 20) % 26);
			snprintf(tags, sizeof(tags), "city,%s%s",
			         kinds[(r >> 8) % (sizeof(kinds) / sizeof(kinds[0]))],
			         (r >> 16) % 10 == 0 ? ",ptz" : "");
			memset(&vc, 0, sizeof(vc));
			vc.id = c->id;
			vc.name = name;
			vc.lat = LAT0 + y / mlat;
			vc.lon = LON0 + x / mlon;
			vc.address = addr;
			vc.tz = (char *)ZONE;
			vc.tags = tags;
			if ((rc = vidx_camera_add(h, &vc)) < 0)
				die("camera %s: %s", c->id, vidx_errmsg(h));
			c->width = (r >> 24) % 3 ? 1920 : 1280;
			c->height = c->width == 1920 ? 1080 : 720;
			c->fps = (r >> 28) % 4 ? 25 : 15;
			c->audio = (r >> 32) % 3 == 0;
			/* outages: ~4 a year, 1-72 h, over the full year's slots */
			{
				prng p = { rnd(4, (uint64_t)i, 0) };
				int n = (int)range(&p, 1, 7);
				for (k = 0; k < n && k < 8; k++) {
					int64_t a = range(&p, 0, YEAR_SLOTS - 1);
					c->out_a[k] = a;
					c->out_b[k] = a + range(&p, 4, 72 * 4);
				}
				c->nout = k;
			}
			/* a wrong clock on 5% of the cameras, observed once */
			if (unif(rnd(5, (uint64_t)i, 0)) < 0.05) {
				prng p = { rnd(5, (uint64_t)i, 1) };
				char ct[48], tt[48];
				int64_t at = end_us / US - 3 * 86400;
				c->off = range(&p, 30, 900) * US * (next(&p) & 1 ? 1 : -1);
				snprintf(ct, sizeof(ct), "@%lld", (long long)(at + c->off / US));
				snprintf(tt, sizeof(tt), "@%lld", (long long)at);
				if ((rc = vidx_clock_add(h, c->id, ct, tt, "gen-city",
				                         "synthetic clock error")) < 0)
					die("clock of %s: %s", c->id, vidx_errmsg(h));
				nclock++;
			}
		}
		if ((rc = vidx_commit(h, 0)) < 0)
			die("%s", vidx_errmsg(h));
		fprintf(stderr, "%s: %ld cameras (%ld with a clock observation) in %s\n",
		        prog, ncam, nclock, db);
	}

	/* ---- recordings ---- */
	setenv("TZ", ZONE, 1);
	tzset();
	{
		vidx_segment seg[MAX_SEG];
		vidx_keyframe *kf = calloc(MAX_KF, sizeof(*kf));
		int64_t nrec = 0, nseg = 0, nkf = 0, nmiss = 0, nsplit = 0, inbatch = 0;
		int64_t expect = (int64_t)(cam_hi - cam_lo) * days * SLOTS_PER_DAY, last_n = 0;
		double t0 = now_s(), last_t = t0, t_commit = 0;
		long d;
		char path[96], raw[32];

		if (!kf)
			die("out of memory");
		fprintf(stderr, "%s: %ld days x %ld cameras x 96 slots = %lld slots,"
		        " keyframes for the last %ld days, %ld per transaction%s\n",
		        prog, days, cam_hi - cam_lo, (long long)expect, kf_days, batch,
		        shard_n > 1 ? " (one shard)" : "");
		if ((rc = vidx_begin(h)) < 0)
			die("%s", vidx_errmsg(h));
		for (d = 0; d < days; d++) {
			int ci;
			for (ci = (int)cam_lo; ci < cam_hi; ci++) {
				cam *c = &cams[ci];
				int k;
				for (k = 0; k < SLOTS_PER_DAY; k++) {
					int64_t slot = first_slot + d * SLOTS_PER_DAY + k;
					prng p = { rnd(6, (uint64_t)ci, (uint64_t)slot) };
					vidx_recording_in in;
					int64_t start, len, id, ctr;
					unsigned char *sh = in.sha256;
					size_t ns = 1, nk = 0, j;
					int dup, o, missing = 0;
					struct tm tm;
					time_t tt;

					for (o = 0; o < c->nout; o++)
						if (slot >= c->out_a[o] && slot < c->out_b[o])
							missing = 1;
					if (missing || nextu(&p) < 0.01) {
						nmiss++;
						continue;
					}
					memset(&in, 0, sizeof(in));
					/* on the camera's clock; the file starts a little late
					 * and ends at the next slot */
					start = year0 + slot * SLOT_US + c->off + range(&p, 0, 299) * 1000;
					len = year0 + (slot + 1) * SLOT_US + c->off - start;
					seg[0].start = start;
					seg[0].first_pts = 0;
					seg[0].end = start + len;
					if (nextu(&p) < 0.10) { /* 2 or 3 segments with gaps */
						int64_t cut[2], gap[2], pos = 0;
						int g, ng = nextu(&p) < 0.5 ? 1 : 2;
						gap[0] = range(&p, 2, 120) * US;
						gap[1] = range(&p, 2, 120) * US;
						if (ng == 1) {
							cut[0] = range(&p, 30, 840) * US;
						} else {
							cut[0] = range(&p, 30, 400) * US;
							cut[1] = cut[0] + gap[0] + range(&p, 30, 300) * US;
						}
						ns = 0;
						for (g = 0; g <= ng; g++) {
							int64_t e = g < ng ? cut[g] : len;
							if (e - pos < 2 * US)
								break; /* the gap ran to the end */
							seg[ns].first_pts = pos;
							seg[ns].start = start + pos;
							seg[ns].end = start + e;
							ns++;
							if (g < ng)
								pos = e + gap[g];
						}
						nsplit++;
					}
					/* bytes: ~1 Mb/s; keyframes every 2 s in each segment */
					{
						int64_t pos = range(&p, 2000, 40000);
						for (j = 0; j < ns; j++) {
							int64_t pts;
							for (pts = seg[j].first_pts;
							     pts < seg[j].first_pts + (seg[j].end - seg[j].start);
							     pts += KF_STEP_US) {
								if (slot >= kf_slot && nk < MAX_KF) {
									kf[nk].pts = pts;
									kf[nk].pos = pos;
									kf[nk].size = (int32_t)range(&p, 20000, 60000);
									kf[nk].n = 0;
									nk++;
								}
								pos += range(&p, 200000, 300000);
							}
						}
						in.size = pos;
					}
					/* synthetic SHA-256: bytes 0-7 a bijection of the counter */
					ctr = (int64_t)ci * YEAR_SLOTS + slot;
					{
						uint64_t w[4];
						w[0] = mix64((uint64_t)ctr ^ g_seed);
						w[1] = mix64(w[0] + 1);
						w[2] = mix64(w[0] + 2);
						w[3] = mix64(w[0] + 3);
						for (j = 0; j < 32; j++)
							sh[j] = (unsigned char)(w[j / 8] >> (8 * (7 - j % 8)));
					}
					tt = (time_t)(start / US);
					localtime_r(&tt, &tm);
					snprintf(path, sizeof(path), "/evidence/%s/%04d%02d%02d/%02d%02d.mp4",
					         c->id, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
					         tm.tm_hour, tm.tm_min);
					snprintf(raw, sizeof(raw), "%04d%02d%02d/%02d%02d",
					         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
					         tm.tm_hour, tm.tm_min);
					in.camera = c->id;
					in.path = path;
					in.format = "mov,mp4,m4a,3gp,3g2,mj2";
					in.vcodec = "h264";
					in.acodec = c->audio ? "aac" : NULL;
					in.width = c->width;
					in.height = c->height;
					in.fps = c->fps;
					in.time_source = VIDX_SRC_FILENAME;
					in.time_flags = VIDX_TF_LOCAL;
					in.time_raw = raw;
					in.time_detail = "%Y%m%d/%H%M in " ZONE;
					in.segments = seg;
					in.nsegments = ns;
					in.kf = nk ? kf : NULL;
					in.nkf = nk;
					if ((rc = vidx_recording_add(h, &in, &id, &dup)) < 0)
						die("recording %s: %s", path, vidx_errmsg(h));
					if (dup)
						die("recording %s: synthetic SHA-256 not unique", path);
					nrec++;
					nseg += (int64_t)ns;
					nkf += (int64_t)nk;
					if (++inbatch >= batch) {
						double tc = now_s();
						if ((rc = vidx_commit(h, 0)) < 0 || (rc = vidx_begin(h)) < 0)
							die("%s", vidx_errmsg(h));
						t_commit += now_s() - tc;
						inbatch = 0;
					}
				}
			}
			{
				double t = now_s();
				if (t - last_t >= 10 || d + 1 == days) {
					double rate = (nrec - last_n) / (t - last_t);
					double all = nrec / (t - t0);
					int64_t done = (int64_t)(d + 1) * (cam_hi - cam_lo) * SLOTS_PER_DAY;
					char el[32], eta[32];
					hms(t - t0, el, sizeof(el));
					hms(all > 0 ? (double)(expect - done) * nrec / done / all : 0,
					    eta, sizeof(eta));
					fprintf(stderr, "%s: day %ld/%ld  %lld recordings  %.0f/s now"
					        "  %.0f/s overall  elapsed %s  eta %s\n", prog, d + 1,
					        days, (long long)nrec, rate, all, el, eta);
					last_t = t;
					last_n = nrec;
				}
			}
		}
		{
			double tc = now_s(), t1;
			if ((rc = vidx_commit(h, 0)) < 0)
				die("%s", vidx_errmsg(h));
			vidx_free(h); /* closes: checkpoints and removes the WAL */
			t1 = now_s();
			t_commit += t1 - tc;
			{
				struct rusage ru;
				getrusage(RUSAGE_SELF, &ru);
				printf("shard=%ld/%ld\nshard_cameras=%ld\n", shard_k, shard_n,
				       cam_hi - cam_lo);
				printf("cameras=%ld\ndays=%ld\nkf_days=%ld\nseed=%ld\nbatch=%ld\n"
				       "end=%s\nslots=%lld\nrecordings=%lld\nmissing=%lld\n"
				       "split=%lld\nsegments=%lld\nkeyframes=%lld\nbuild_s=%.1f\n"
				       "commit_s=%.1f\nrate=%.0f\ngen_rss_kib=%ld\n",
				       ncam, days, kf_days, seed, batch, end_s, (long long)expect,
				       (long long)nrec, (long long)nmiss, (long long)nsplit,
				       (long long)nseg, (long long)nkf, t1 - t0, t_commit,
				       nrec / (t1 - t0), ru.ru_maxrss);
			}
		}
		free(kf);
	}
	free(cams);
	return 0;
}
