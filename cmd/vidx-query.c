/* vidx-query - which cameras saw a place in a time window, and what not. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../libindex/vidx.h"
#include "cli.h"

static void usage(void)
{
	printf(
"usage: vidx-query [-0hV] [-d db] [--near lat,lon --radius dist]\n"
"                  [--bbox s,w,n,e] [-c camera ...] [--tag tag ...]\n"
"                  (--from time --to time | --at time --pad duration)\n"
"                  [-z zone] [--sort distance|time] [--coverage] [--local]\n"
"                  [--json | --geojson | --csv | --paths]\n"
"\n"
"Find footage: one row per continuous span of one camera's recordings that\n"
"overlaps the window, clipped to it, in true time (each camera's clock\n"
"observations applied; its own clock's times shown beside), with the\n"
"keyframe to seek to.  --coverage shows per camera what of the window is\n"
"covered and what is not, including cameras with no footage at all.\n"
"A mobile camera's recording (phone, dashcam, drone) matches while its own\n"
"track or position was within the radius or box: its spans are marked\n"
"mobile, with the closest approach and when.\n"
"\n"
"  --near LAT,LON          around this point ...\n"
"  --radius DIST           ... within DIST: 300, 300m, 1.5km\n"
"  --bbox S,W,N,E          cameras inside this box (degrees)\n"
"  -c, --camera ID         this camera (repeatable)\n"
"  --tag TAG               cameras with this tag (repeatable: all of them)\n"
"  --from TIME --to TIME   the window\n"
"  --at TIME --pad DUR     the window TIME - DUR .. TIME + DUR\n"
"  -z, --tz ZONE           zone of local times given (default $TZ)\n"
"  --sort distance|time    order of the spans (default distance, then time)\n"
"  --coverage              covered and uncovered parts per camera\n"
"  --local                 table times in each camera's zone\n"
"  --json | --csv          one JSON object per line | CSV with a header\n"
"  --geojson               the spans as a GeoJSON FeatureCollection: a Point\n"
"                          at each camera, a LineString of a mobile track\n"
"  --paths                 the recordings' paths, once each; -0: NUL-ended\n"
"  -d, --db PATH           index (default $VIDX_DB, else ./vidx.db)\n"
"\n"
"Selectors combine: a camera must satisfy all of them; none means every\n"
"camera.  TIME: 2022-07-04T21:20Z, 2022-07-04T21:20-04:00, or local\n"
"'2022-07-04 21:20' (an ambiguous or skipped local time is refused).\n"
"Exit 0 on an answer (even an empty one), 1 on failure, 2 on a usage error.\n");
	exit(EXIT_OK);
}

static vidx *h;

enum { OUT_TABLE, OUT_JSON, OUT_CSV, OUT_PATHS, OUT_GEOJSON };

typedef struct cfg {
	cli_sel s;
	int out, nul, coverage, local;
} cfg;

/* CSV field: quoted when it holds a comma, quote, CR or LF */
static void csv(const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n")) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
	putchar(last ? '\n' : ',');
}

static const char *t(int64_t us, char *b)
{
	return vidx_time_format(us, b);
}

static const char *tl(const cfg *c, int64_t us, const char *tz, char *b)
{
	return c->local ? vidx_time_format_local(us, tz, b) : vidx_time_format(us, b);
}

static const char *zone_of(const vidx_result *r, const char *camera)
{
	size_t i;
	for (i = 0; i < r->ncams; i++)
		if (!strcmp(r->cams[i].camera, camera))
			return r->cams[i].tz;
	return NULL;
}

static void print_spans(const cfg *c, const vidx_result *r)
{
	char b1[VIDX_TIME_BUFSZ], b2[VIDX_TIME_BUFSZ], b3[VIDX_TIME_BUFSZ];
	char num[64], pb[CLI_CLEAN_MAX];
	size_t i, j;

	if (c->out == OUT_CSV)
		printf("camera,name,lat,lon,distance_m,recording_id,path,sha256,start,"
		       "end,camera_start,camera_end,correction_ms,time_source,"
		       "seek_time,seek_pos,mobile,closest_m,closest_at\n");
	if (c->out == OUT_GEOJSON)
		printf("{\"type\":\"FeatureCollection\",\"features\":[\n");
	if (c->out == OUT_TABLE && r->nspans)
		printf("%-14s %8s  %-24s %-24s %9s %10s %-24s %s\n", "CAMERA", "DIST_M",
		       "START", "END", "DURATION", "CORR_S", "SEEK", "PATH");
	for (i = 0; i < r->nspans; i++) {
		const vidx_span *s = &r->spans[i];
		const char *tz = zone_of(r, s->camera);
		switch (c->out) {
		case OUT_JSON: {
			char *js = vidx_span_json(s);
			if (js)
				puts(js);
			free(js);
			break;
		}
		case OUT_GEOJSON: {
			char *js = vidx_span_feature(s);
			if (js)
				printf("%s%s", i ? ",\n" : "", js);
			free(js);
			break;
		}
		case OUT_CSV:
			csv(s->camera, 0);
			csv(s->name, 0);
			if (isnan(s->lat))
				num[0] = 0;
			else
				snprintf(num, sizeof(num), "%.7f", s->lat);
			csv(num, 0);
			if (isnan(s->lon))
				num[0] = 0;
			else
				snprintf(num, sizeof(num), "%.7f", s->lon);
			csv(num, 0);
			if (isnan(s->distance_m))
				num[0] = 0;
			else
				snprintf(num, sizeof(num), "%.1f", s->distance_m);
			csv(num, 0);
			snprintf(num, sizeof(num), "%lld", (long long)s->recording_id);
			csv(num, 0);
			csv(s->path, 0);
			csv(s->sha256, 0);
			csv(t(s->start, b1), 0);
			csv(t(s->end, b1), 0);
			csv(t(s->camera_start, b1), 0);
			csv(t(s->camera_end, b1), 0);
			snprintf(num, sizeof(num), "%.3f", s->correction_us / 1000.0);
			csv(num, 0);
			csv(s->time_source, 0);
			csv(t(s->seek_time, b1), 0);
			snprintf(num, sizeof(num), "%lld", (long long)s->seek_pos);
			csv(s->seek_pos >= 0 ? num : "", 0);
			csv(s->mobile ? "yes" : "no", 0);
			if (isnan(s->closest_m))
				num[0] = 0;
			else
				snprintf(num, sizeof(num), "%.1f", s->closest_m);
			csv(num, 0);
			csv(s->closest_at == VIDX_TIME_NONE ? "" : t(s->closest_at, b1), 1);
			break;
		case OUT_PATHS:
			for (j = 0; j < i && strcmp(r->spans[j].path, s->path); j++)
				;
			if (j == i) {
				fputs(s->path, stdout);
				putchar(c->nul ? '\0' : '\n');
			}
			break;
		default:
			if (isnan(s->distance_m))
				snprintf(num, sizeof(num), "-");
			else
				snprintf(num, sizeof(num), "%.0f", s->distance_m);
			if (s->mobile) /* its closest approach, not a camera's position */
				snprintf(num + strlen(num), sizeof(num) - strlen(num), "~");
			printf("%-14s %8s  %-24s %-24s %8.1fs %+10.3f %-24s %s\n", s->camera,
			       num, tl(c, s->start, tz, b1), tl(c, s->end, tz, b2),
			       (s->end - s->start) / 1e6, s->correction_us / 1e6,
			       tl(c, s->seek_time, tz, b3), cli_clean(s->path, pb, sizeof(pb)));
		}
	}
	if (c->out == OUT_GEOJSON)
		printf("%s]}\n", r->nspans ? "\n" : "");
	if (c->out == OUT_TABLE && !r->nspans)
		fprintf(stderr, "%s: no footage in the window from %zu camera%s\n",
		        cli_prog, r->ncams, r->ncams == 1 ? "" : "s");
}

#define BAR 48

static void print_coverage(const cfg *c, const vidx_result *r)
{
	char b1[VIDX_TIME_BUFSZ], b2[VIDX_TIME_BUFSZ];
	double win = (double)(r->to - r->from);
	size_t i, k;

	if (c->out == OUT_TABLE)
		printf("%-14s %8s  %-*s %6s  %s .. %s\n", "CAMERA", "DIST_M", BAR + 2,
		       "COVERAGE", "%", t(r->from, b1), t(r->to, b2));
	if (c->out == OUT_CSV)
		printf("camera,distance_m,covered,start,end\n");
	for (i = 0; i < r->ncams; i++) {
		const vidx_coverage *cv = &r->cams[i];
		char bar[BAR + 1], dist[32];
		if (c->out == OUT_JSON) {
			char *js = vidx_coverage_json(cv, r->from, r->to);
			if (js)
				puts(js);
			free(js);
			continue;
		}
		if (isnan(cv->distance_m))
			snprintf(dist, sizeof(dist), "-");
		else
			snprintf(dist, sizeof(dist), "%.0f", cv->distance_m);
		if (c->out == OUT_CSV) {
			/* covered and uncovered stretches in time order */
			size_t a = 0, u = 0;
			char d1[32] = "";
			if (!isnan(cv->distance_m))
				snprintf(d1, sizeof(d1), "%.1f", cv->distance_m);
			while (a < cv->ncovered || u < cv->nuncovered) {
				int yes = u >= cv->nuncovered ||
				          (a < cv->ncovered && cv->covered[a].start < cv->uncovered[u].start);
				const vidx_interval *iv = yes ? &cv->covered[a++] : &cv->uncovered[u++];
				csv(cv->camera, 0);
				csv(d1, 0);
				csv(yes ? "yes" : "no", 0);
				csv(t(iv->start, b1), 0);
				csv(t(iv->end, b1), 1);
			}
			continue;
		}
		/* a cell is '#' when footage covers any of it, '.' when none */
		for (k = 0; k < BAR; k++) {
			int64_t c0 = r->from + (int64_t)(win * k / BAR);
			int64_t c1 = r->from + (int64_t)(win * (k + 1) / BAR);
			size_t j;
			bar[k] = '.';
			for (j = 0; j < cv->ncovered; j++)
				if (cv->covered[j].start < c1 && cv->covered[j].end > c0)
					bar[k] = '#';
		}
		bar[BAR] = 0;
		printf("%-14s %8s  |%s| %5.1f%%  %s\n", cv->camera, dist, bar,
		       100.0 * cv->covered_us / win,
		       cv->ncovered ? "" : "no footage in the window");
		for (k = 0; k < cv->nuncovered && cv->ncovered; k++)
			printf("%-14s %8s    not covered %s .. %s\n", "", "",
			       tl(c, cv->uncovered[k].start, cv->tz, b1),
			       tl(c, cv->uncovered[k].end, cv->tz, b2));
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		CLI_SEL_OPTIONS,
		{"sort", required_argument, NULL, 'S'},
		{"coverage", no_argument, NULL, 'C'},
		{"local", no_argument, NULL, 'L'},
		{"json", no_argument, NULL, 'J'},
		{"csv", no_argument, NULL, 'V' + 256},
		{"geojson", no_argument, NULL, 'G' + 256},
		{"paths", no_argument, NULL, 'P'},
		{"null", no_argument, NULL, '0'},
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *db = cli_default_db();
	vidx_result *r = NULL;
	int ch, rc = EXIT_OK, nout = 0;
	cfg c;

	cli_prog = "vidx-query";
	memset(&c, 0, sizeof(c));
	if (!(h = vidx_new())) {
		cli_warn("out of memory");
		return EXIT_SOME_FAILED;
	}
	while ((ch = getopt_long(argc, argv, "c:z:0d:hV", lo, NULL)) != -1) {
		if (cli_sel_option(&c.s, ch, optarg))
			continue;
		switch (ch) {
		case 'S':
			if (!strcmp(optarg, "time"))
				c.s.q.sort_time = 1;
			else if (strcmp(optarg, "distance"))
				cli_usage_error("--sort: distance or time, not '%s'", optarg);
			break;
		case 'C': c.coverage = 1; break;
		case 'L': c.local = 1; break;
		case 'J': c.out = OUT_JSON; nout++; break;
		case 'V' + 256: c.out = OUT_CSV; nout++; break;
		case 'G' + 256: c.out = OUT_GEOJSON; nout++; break;
		case 'P': c.out = OUT_PATHS; nout++; break;
		case '0': c.nul = 1; break;
		case 'd': db = optarg; break;
		case 'h': usage(); break;
		case 'V': cli_version(); break;
		default:
			cli_bad_option();
		}
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (nout > 1)
		cli_usage_error("choose one of --json, --geojson, --csv, --paths");
	if (c.nul && c.out != OUT_PATHS)
		cli_usage_error("-0 goes with --paths");
	if (c.coverage && (c.out == OUT_PATHS || c.out == OUT_GEOJSON))
		cli_usage_error("--coverage has no --paths or --geojson form");
	cli_sel_finish(h, &c.s, 1);

	if (vidx_open(h, db, VIDX_OPEN_READONLY) < 0 || vidx_query_run(h, &c.s.q, &r) < 0) {
		cli_warn("%s", vidx_errmsg(h));
		rc = EXIT_SOME_FAILED;
	} else {
		if (c.coverage)
			print_coverage(&c, r);
		else
			print_spans(&c, r);
	}
	vidx_result_free(r);
	vidx_free(h);
	return cli_flush(rc);
}
