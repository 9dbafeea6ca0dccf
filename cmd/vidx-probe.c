/* vidx-probe - what is in a recording, and when was it shot. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../libindex/vidx.h"
#include "cli.h"

static void usage(void)
{
	printf(
"usage: vidx-probe [-hkV] [--json | --geojson | --gpx] [--track] [--local]\n"
"                  [--sha256] [-d db] [-s time] [-n pattern] [-z zone]\n"
"                  [--gap duration] file ...\n"
"\n"
"Describe recordings: format, streams, duration, keyframes, gaps, and the\n"
"wall-clock start and end with every candidate time found and why one was\n"
"chosen, and the recording's own place: a position (phones) or a track\n"
"(GoPro GPMF, DJI .SRT sidecar, dashcam NMEA or Novatek freeGPS).  Files\n"
"are opened read-only and never changed.\n"
"\n"
"  -s, --start TIME        the recording started at TIME (manual source)\n"
"  -n, --name-time PAT     read the start from the file name: %%Y %%y %%m %%d %%H\n"
"                          %%M %%S %%L (ms) %%f (us) %%s (Unix time), '*' any\n"
"                          run, '?' one character; 'auto' (default) tries\n"
"                          vendor patterns, 'none' turns it off; %%E before a\n"
"                          field reads the end (%%EH%%EM%%ES), which times a raw\n"
"                          stream's frames\n"
"  -z, --tz ZONE           IANA zone of local times (default $TZ, else system)\n"
"      --gap DUR           report jumps longer than DUR (default: 1s or 4\n"
"                          frames, whichever is longer)\n"
"  -k, --keyframes         list every keyframe of the main video stream\n"
"      --sha256            hash each file (SHA-256) while reading it\n"
"      --json              one JSON object per file per line\n"
"      --track             list the track's points (with --json: one\n"
"                          {t, lat, lon, alt_m} object per line after the file's)\n"
"      --geojson           a GeoJSON FeatureCollection: each file a Point or\n"
"                          LineString feature with its times and SHA-256\n"
"      --gpx               the tracks (and positions) as GPX 1.1\n"
"      --local             show times in --tz instead of UTC\n"
"  -d, --db PATH           index (unused by probe; accepted for uniformity)\n"
"  -h, --help              this help\n"
"  -V, --version           version\n"
"\n"
"TIME: 2022-07-04T21:24:30Z, 2022-07-04T21:24:30.250+02:00, @1656969870,\n"
"or local '2022-07-04 21:24:30' read in --tz.  Exit 0 if every file was\n"
"probed, 1 if any failed (each named on stderr), 2 on a usage error.\n");
	exit(EXIT_OK);
}

typedef struct cfg {
	vidx_probe_opts o;
	int json, local, track, geojson, gpx, nfeat;
} cfg;

static const char *flags_text(int f)
{
	static char b[96];
	b[0] = 0;
	if (f & VIDX_TF_AMBIGUOUS)
		strcat(b, " [ambiguous: DST fall-back, earlier taken]");
	if (f & VIDX_TF_NONEXISTENT)
		strcat(b, " [skipped by DST]");
	if (f & VIDX_TF_LAST_RESORT)
		strcat(b, " [last resort]");
	if (f & VIDX_TF_INVALID)
		strcat(b, " [unusable]");
	return b;
}

static char *fmt_time(const cfg *c, int64_t us, char *b)
{
	return c->local ? vidx_time_format_local(us, c->o.tz, b)
	                : vidx_time_format(us, b);
}

static void print_place(const cfg *c, const vidx_probe *p);

static void print_table(const cfg *c, const vidx_probe *p)
{
	char b1[VIDX_TIME_BUFSZ], b2[VIDX_TIME_BUFSZ], pb[CLI_CLEAN_MAX];
	size_t i;

	printf("%s\n", cli_clean(p->path, pb, sizeof(pb)));
	printf("  format     %s, %lld bytes, %.3f s%s\n", p->format,
	       (long long)p->size, p->duration / 1e6,
	       p->damaged ? "  [DAMAGED: demuxer errors]" : "");
	printf("  video      %s%s%s%s %dx%d", p->vcodec, p->vprofile[0] ? " (" : "",
	       p->vprofile, p->vprofile[0] ? ")" : "", p->width, p->height);
	if (p->fps_den)
		printf(" %.3g fps", (double)p->fps_num / p->fps_den);
	if (p->has_audio)
		printf("; audio %s %d Hz %d ch", p->acodec, p->sample_rate, p->channels);
	printf("\n");
	/* a raw stream has no timestamps: say what timed its frames */
	if (p->fps_source && strcmp(p->fps_source, "container") && p->fps_den)
		printf("  rate       %.6g fps, %s%s: %s\n", (double)p->fps_num / p->fps_den,
		       p->fps_source, p->fps_assumed ? " (ASSUMED)" : "", p->fps_note);
	if (p->hashed)
		printf("  sha256     %s\n", p->sha256_hex);
	if (p->chosen >= 0) {
		printf("  start      %s  (%s: %s)\n", fmt_time(c, p->start, b1),
		       vidx_source_name(p->time_source), p->time_reason);
		printf("  end        %s\n", fmt_time(c, p->end, b1));
	} else {
		printf("  start      unknown\n");
	}
	for (i = 0; i < p->ncand; i++) {
		const vidx_time_candidate *t = &p->cand[i];
		printf("  %-10s %s %-9s  %-24s  \"%s\"  %s%s\n",
		       i ? "" : "candidates", (int)i == p->chosen ? "*" : " ",
		       vidx_source_name(t->source), fmt_time(c, t->utc, b1), t->raw,
		       t->detail, flags_text(t->flags));
	}
	if (p->time_disagree)
		printf("  disagree   %s: check them\n", p->time_disagreement);
	printf("  keyframes  %zu of %lld packets (%s)\n", p->nkeyframes,
	       (long long)p->nb_packets, p->index_method);
	if (p->nb_leading)
		printf("  leading    %lld packets before the first keyframe or shown before "
		       "it (open GOP): not footage of this file\n", (long long)p->nb_leading);
	if (!p->ngaps)
		printf("  gaps       none\n");
	for (i = 0; i < p->ngaps; i++) {
		const vidx_gap *g = &p->gaps[i];
		printf("  %-10s %s %.3f s at %.3f s", i ? "" : "gaps",
		       g->kind == VIDX_GAP_JUMP ? "jump" : "backward",
		       (g->to - g->from) / 1e6, g->from / 1e6);
		if (p->chosen >= 0 && i + 1 < p->nsegs)
			printf(" (%s .. %s)", fmt_time(c, p->start + p->segs[i].end, b1),
			       fmt_time(c, p->start + p->segs[i + 1].start, b2));
		printf("\n");
	}
	print_place(c, p);
	if (p->kf) {
		printf("  %14s %12s %9s\n", "pts_s", "pos", "size");
		for (i = 0; i < p->nkeyframes; i++) {
			if (p->kf[i].pts == VIDX_TIME_NONE)
				printf("  %14s", "-");
			else
				printf("  %14.6f", p->kf[i].pts / 1e6);
			printf(" %12lld %9d\n", (long long)p->kf[i].pos, p->kf[i].size);
		}
	}
}

static void print_place(const cfg *c, const vidx_probe *p)
{
	const vidx_place *pl = &p->place;
	char b1[VIDX_TIME_BUFSZ], b2[VIDX_TIME_BUFSZ];
	size_t i;

	if (pl->make[0] || pl->model[0] || pl->software[0])
		printf("  device     %s %s%s%s\n", pl->make, pl->model,
		       pl->software[0] ? ", software " : "", pl->software);
	if (pl->loc_source)
		printf("  location   %.7f, %.7f%s  (%s: \"%s\")%s\n", pl->loc.lat,
		       pl->loc.lon, "", vidx_geo_source_name(pl->loc_source), pl->loc_raw,
		       pl->track_source ? " [the track is used]" : "");
	if (pl->track_source) {
		const vidx_geopoint *a = &pl->track[0], *z = &pl->track[pl->ntrack - 1];
		printf("  track      %zu points (%s), %.7f, %.7f .. %.7f, %.7f\n",
		       pl->ntrack, vidx_geo_source_name(pl->track_source), a->lat, a->lon,
		       z->lat, z->lon);
		if (p->chosen >= 0)
			printf("  %-10s %s .. %s\n", "", fmt_time(c, p->start + a->off, b1),
			       fmt_time(c, p->start + z->off, b2));
		printf("  %-10s %s%s\n", "", pl->track_raw, pl->dropped ? "" : "");
	}
	if (pl->dropped)
		printf("  %-10s %zu point%s flagged and left out\n", pl->track_source ?
		       "" : "track", pl->dropped, pl->dropped == 1 ? "" : "s");
	for (i = 0; i < pl->nproblems && i < 8; i++)
		printf("  %-10s %s\n", i ? "" : "problems", pl->problems[i]);
	if (c->track && pl->track_source) {
		printf("  %-24s %12s %13s %9s\n", "t", "lat", "lon", "alt_m");
		for (i = 0; i < pl->ntrack; i++) {
			const vidx_geopoint *q = &pl->track[i];
			printf("  %-24s %12.7f %13.7f %9.1f\n", p->chosen >= 0
			       ? fmt_time(c, p->start + q->off, b1) : "-", q->lat, q->lon,
			       q->alt_m);
		}
	}
}

/* one Feature (GeoJSON) or one <trk>/<wpt> (GPX) for P */
static int print_geo(cfg *c, const vidx_probe *p)
{
	const vidx_place *pl = &p->place;
	char *s;
	int64_t st = p->chosen >= 0 ? p->start : VIDX_TIME_NONE;

	if (c->gpx) {
		if (!pl->track_source && !pl->loc_source)
			return 0;
		int rc;
		s = pl->track_source ? vidx_gpx_trk(p->path, st, pl->track, pl->ntrack, 0)
		                     : vidx_gpx_trk(p->path, st, &pl->loc, 1, 1);
		if (!s)
			return -1;
		rc = cli_gpx_put(s, !pl->track_source);
		free(s);
		return rc;
	}
	s = vidx_probe_feature(p);
	if (!s)
		return -1;
	printf("%s%s", c->nfeat++ ? ",\n" : "", s);
	free(s);
	return 0;
}

/* static, so it stays reachable (not a leak) when a usage error exits */
static vidx *h;

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"start", required_argument, NULL, 's'},
		{"name-time", required_argument, NULL, 'n'},
		{"tz", required_argument, NULL, 'z'},
		{"gap", required_argument, NULL, 'G'},
		{"keyframes", no_argument, NULL, 'k'},
		{"json", no_argument, NULL, 'J'},
		{"local", no_argument, NULL, 'L'},
		{"sha256", no_argument, NULL, 'H'},
		{"track", no_argument, NULL, 'T'},
		{"geojson", no_argument, NULL, 'G' + 256},
		{"gpx", no_argument, NULL, 'X'},
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	cfg c;
	int ch, i, failed = 0;
	int64_t us;

	cli_prog = "vidx-probe";
	memset(&c, 0, sizeof(c));
	if (!(h = vidx_new())) {
		cli_warn("out of memory");
		return EXIT_SOME_FAILED;
	}
	while ((ch = getopt_long(argc, argv, "s:n:z:kd:hV", lo, NULL)) != -1) {
		switch (ch) {
		case 's': c.o.start = optarg; break;
		case 'n': c.o.name_time = optarg; break;
		case 'z': c.o.tz = optarg; break;
		case 'G':
			if (vidx_duration_parse(h, optarg, &c.o.gap_min) < 0 ||
			    c.o.gap_min == 0)
				cli_usage_error("--gap: %s", c.o.gap_min == 0 && !*vidx_errmsg(h)
				                ? "must be positive" : vidx_errmsg(h));
			break;
		case 'k': c.o.keep_keyframes = 1; break;
		case 'J': c.json = 1; break;
		case 'L': c.local = 1; break;
		case 'H': c.o.hash = 1; break;
		case 'T': c.track = 1; break;
		case 'G' + 256: c.geojson = 1; break;
		case 'X': c.gpx = 1; break;
		case 'd': break;
		case 'h': usage(); break;
		case 'V': cli_version(); break;
		default:
			cli_bad_option();
		}
	}
	if (optind >= argc)
		cli_usage_error("no files given");
	if (c.json + c.geojson + c.gpx > 1)
		cli_usage_error("choose one of --json, --geojson, --gpx");
	if (c.track && (c.geojson || c.gpx))
		cli_usage_error("--track goes with the table or --json");
	if (c.geojson)
		c.o.hash = 1; /* features name their recordings by SHA-256 */
	if (c.geojson)
		printf("{\"type\":\"FeatureCollection\",\"features\":[\n");
	if (c.gpx)
		fputs(vidx_gpx_head(), stdout);
	cli_check_tz_env();
	if (c.o.tz && !vidx_tz_valid(c.o.tz))
		cli_usage_error("--tz: unknown time zone '%s'", c.o.tz);
	if (c.o.start && vidx_time_parse(h, c.o.start, c.o.tz, &us) < 0)
		cli_usage_error("--start: %s", vidx_errmsg(h));
	if (c.o.name_time && vidx_name_pattern_check(h, c.o.name_time) < 0)
		cli_usage_error("%s", vidx_errmsg(h));

	for (i = optind; i < argc; i++) {
		vidx_probe *p = NULL;
		char *js;
		if (vidx_probe_file(h, argv[i], &c.o, &p) < 0) {
			char pb[CLI_CLEAN_MAX];
			cli_warn("cannot probe '%s': %s", cli_clean(argv[i], pb, sizeof(pb)),
			         vidx_errmsg(h));
			if (c.json && (js = vidx_error_json(argv[i], vidx_errmsg(h)))) {
				puts(js);
				free(js);
			}
			failed = 1;
			continue;
		}
		{
			/* what was found but not used: said, not silently dropped */
			char pb[CLI_CLEAN_MAX];
			size_t k;
			for (k = 0; k < p->place.nproblems && k < 8; k++)
				cli_warn("'%s': %s", cli_clean(argv[i], pb, sizeof(pb)),
				         p->place.problems[k]);
		}
		if (c.geojson || c.gpx) {
			if (print_geo(&c, p) < 0) {
				cli_warn("out of memory");
				failed = 1;
			}
		} else if (c.json) {
			if (!(js = vidx_probe_json(p, c.o.keep_keyframes))) {
				cli_warn("out of memory");
				failed = 1;
			} else {
				puts(js);
				free(js);
			}
			if (c.track && (js = vidx_track_json(&p->place, p->chosen >= 0
			                                     ? p->start : VIDX_TIME_NONE))) {
				fputs(js, stdout);
				free(js);
			}
		} else {
			if (i > optind)
				putchar('\n');
			print_table(&c, p);
		}
		vidx_probe_free(p);
		fflush(stdout);
	}
	if (c.geojson)
		printf("%s]}\n", c.nfeat ? "\n" : "");
	if (c.gpx && cli_gpx_end() < 0) {
		cli_warn("write error on standard output");
		failed = 1;
	}
	vidx_free(h);
	return cli_flush(failed ? EXIT_SOME_FAILED : EXIT_OK);
}
