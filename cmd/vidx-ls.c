/* vidx-ls - list the recordings in the index. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../libindex/vidx.h"
#include "cli.h"

static void usage(void)
{
	printf(
"usage: vidx-ls [-hkV] [--json | --geojson | --gpx] [--local] [-d db]\n"
"               [-c camera]\n"
"\n"
"List the recordings in the index, by camera and start: id, camera, start\n"
"and end on the camera's clock, duration, size, SHA-256 and the path it\n"
"was first ingested from.\n"
"\n"
"  -c, --camera ID     only this camera's recordings\n"
"  -k, --keyframes     with --json: add the stored keyframes of each\n"
"      --json          one JSON object per recording per line\n"
"      --geojson       a FeatureCollection: each recording a LineString (its\n"
"                      track), a Point (its own position, else its camera's)\n"
"      --gpx           the recordings' tracks and positions as GPX 1.1\n"
"      --local         times in the camera's zone (table)\n"
"  -d, --db PATH       index (default $VIDX_DB, else ./vidx.db)\n"
"  -h, --help          this help;  -V, --version  version\n"
"\n"
"Exit 0 on success, 1 on failure, 2 on a usage error.\n");
	exit(EXIT_OK);
}

static vidx *h;

typedef struct cfg {
	int json, keyframes, local, header, geojson, gpx, nfeat;
	vidx_camera cam; /* --local, --geojson: the rows' camera */
} cfg;

/* rows come by camera: look each up once */
static int camera_of(cfg *c, const char *id)
{
	if (c->cam.id && !strcmp(c->cam.id, id))
		return 0;
	vidx_camera_clear(&c->cam);
	return vidx_camera_get(h, id, &c->cam);
}

static int print_one(void *ctx, const vidx_recording *r)
{
	cfg *c = ctx;
	char b1[VIDX_TIME_BUFSZ], b2[VIDX_TIME_BUFSZ], pb[CLI_CLEAN_MAX];

	if (c->geojson || c->gpx) {
		char *js;
		const vidx_place *pl = r->place;
		if (camera_of(c, r->camera) < 0)
			return -1;
		if (c->gpx) {
			vidx_geopoint at = {0, c->cam.lat, c->cam.lon, NAN};
			int trk = pl && pl->track_source, rc;
			if (trk)
				js = vidx_gpx_trk(r->path, r->start, pl->track, pl->ntrack, 0);
			else if (pl || !c->cam.mobile)
				js = vidx_gpx_trk(r->path, r->start, pl ? &pl->loc : &at, 1, 1);
			else
				return 0;
			if (!js)
				return -1;
			rc = cli_gpx_put(js, !trk);
			free(js);
			return rc;
		} else {
			if (!(js = vidx_recording_feature(r, &c->cam)))
				return -1;
			printf("%s%s", c->nfeat++ ? ",\n" : "", js);
		}
		free(js);
		return 0;
	}
	if (c->json) {
		vidx_keyframe *kf = NULL;
		size_t n = 0;
		char *js;
		if (c->keyframes && vidx_recording_keyframes(h, r->id, &kf, &n) < 0)
			return -1;
		js = vidx_recording_json(r, c->keyframes ? kf : NULL, n);
		free(kf);
		if (!js)
			return -1;
		puts(js);
		free(js);
		return 0;
	}
	if (!c->header++)
		printf("%6s %-12s %-24s %-24s %9s %11s %-12s %s\n", "ID", "CAMERA",
		       "START", "END", "DURATION", "SIZE", "SHA256", "PATH");
	if (c->local) {
		/* rows come by camera: look its zone up once per camera */
		if (camera_of(c, r->camera) < 0)
			return -1;
		vidx_time_format_local(r->start, c->cam.tz, b1);
		vidx_time_format_local(r->end, c->cam.tz, b2);
	} else {
		vidx_time_format(r->start, b1);
		vidx_time_format(r->end, b2);
	}
	printf("%6lld %-12s %-24s %-24s %8.1fs %11lld %.12s %s\n", (long long)r->id,
	       r->camera, b1, b2, (r->end - r->start) / 1e6, (long long)r->size,
	       r->sha256, cli_clean(r->path, pb, sizeof(pb)));
	/* competing times are what an examiner must see */
	if (r->time_disagree > 0)
		printf("%6s ! times disagree: %s (start from %s)\n", "",
		       cli_clean(r->time_disagreement, pb, sizeof(pb)), r->time_source);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"camera", required_argument, NULL, 'c'},
		{"keyframes", no_argument, NULL, 'k'},
		{"json", no_argument, NULL, 'J'},
		{"geojson", no_argument, NULL, 'G'},
		{"gpx", no_argument, NULL, 'X'},
		{"local", no_argument, NULL, 'L'},
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *db = cli_default_db(), *camera = NULL;
	cfg c;
	int ch, rc = EXIT_OK, opened;

	cli_prog = "vidx-ls";
	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "c:kd:hV", lo, NULL)) != -1) {
		switch (ch) {
		case 'c': camera = optarg; break;
		case 'k': c.keyframes = 1; break;
		case 'J': c.json = 1; break;
		case 'G': c.geojson = 1; break;
		case 'X': c.gpx = 1; break;
		case 'L': c.local = 1; break;
		case 'd': db = optarg; break;
		case 'h': usage(); break;
		case 'V': cli_version(); break;
		default:
			cli_bad_option();
		}
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (c.keyframes && !c.json)
		cli_usage_error("--keyframes goes with --json");
	if (c.json + c.geojson + c.gpx > 1)
		cli_usage_error("choose one of --json, --geojson, --gpx");
	if (!(h = vidx_new())) {
		cli_warn("out of memory");
		return EXIT_SOME_FAILED;
	}
	if (vidx_open(h, db, VIDX_OPEN_READONLY) < 0) {
		cli_warn("%s", vidx_errmsg(h));
		rc = EXIT_SOME_FAILED;
	} else if (camera) {
		vidx_camera cam;
		if (vidx_camera_get(h, camera, &cam) < 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
		}
		vidx_camera_clear(&cam);
	}
	opened = rc == EXIT_OK;
	if (opened && c.geojson)
		printf("{\"type\":\"FeatureCollection\",\"features\":[\n");
	if (opened && c.gpx)
		fputs(vidx_gpx_head(), stdout);
	if (rc == EXIT_OK && vidx_recording_each(h, camera, print_one, &c) != 0) {
		cli_warn("%s", vidx_errmsg(h));
		rc = EXIT_SOME_FAILED;
	}
	if (opened && c.geojson)
		printf("%s]}\n", c.nfeat ? "\n" : "");
	if (opened && c.gpx && cli_gpx_end() < 0) {
		cli_warn("write error on standard output");
		rc = EXIT_SOME_FAILED;
	}
	vidx_camera_clear(&c.cam);
	vidx_free(h);
	return cli_flush(rc);
}
