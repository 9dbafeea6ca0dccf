/* vidx-camera - the cameras of an index and their clock observations. */
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
"usage: vidx-camera [-d db] add id --lat lat --lon lon [--name s]\n"
"                   [--address s] [--tz zone] [--tag tag ...]\n"
"       vidx-camera [-d db] add id --mobile [--name s] [--address s]\n"
"                   [--tz zone] [--tag tag ...]\n"
"       vidx-camera [-d db] set id [--lat lat] [--lon lon] [--name s]\n"
"                   [--address s] [--tz zone] [--tag tag ...]\n"
"       vidx-camera [-d db] rm [--force] id\n"
"       vidx-camera [-d db] list [--json | --geojson]\n"
"       vidx-camera [-d db] show [--json] id\n"
"       vidx-camera [-d db] import file\n"
"       vidx-camera [-d db] export\n"
"       vidx-camera [-d db] clock id --camera-time t --true-time t\n"
"                   [--by name] [--note s]\n"
"       vidx-camera [-d db] clock [--json] id\n"
"\n"
"Cameras: an id ([A-Za-z0-9._-], up to 64), a position, a name, an\n"
"address, an IANA time zone for the local times its recorder writes, and\n"
"tags.  A --mobile camera (a witness's phone, a dashcam, a drone) has no\n"
"position: each of its recordings carries its own place or track.\n"
"'import' reads CSV (header id,name,lat,lon,tz,address,tags) or a\n"
"GeoJSON FeatureCollection of Points, all rows or none; 'export' writes\n"
"the whole registry, clock observations included, as GeoJSON that\n"
"'import' reads back into another index unchanged.  'clock' records\n"
"that the camera showed one time when the true time was another (both\n"
"read in the camera's zone unless they carry an offset), or lists them.\n"
"\n"
"  -d, --db PATH     index (default $VIDX_DB, else ./vidx.db); add and\n"
"                    import create it\n"
"  --json            one JSON object per line;  --geojson  a FeatureCollection\n"
"  --mobile          add: a camera that moves (no --lat, --lon)\n"
"  --force           rm: also remove the camera's recordings from the index\n"
"  --by NAME         who observed the clock (default $USER)\n"
"  -h, --help        this help;  -V, --version  version\n"
"\n"
"Exit 0 on success, 1 on failure (message on stderr), 2 on a usage error.\n");
	exit(EXIT_OK);
}

static vidx *h;

typedef struct cfg {
	vidx_camera c;
	unsigned fields;
	char tags[2048];
	int json, geojson, force, by_given;
	const char *db, *camera_time, *true_time, *by, *note;
} cfg;

static double number(const char *opt, const char *s)
{
	char *e;
	double d = strtod(s, &e);
	if (!*s || *e || strspn(s, "0123456789.+-eE") != strlen(s))
		cli_usage_error("%s: '%s' is not a number", opt, s);
	return d;
}

static int fail(void)
{
	cli_warn("%s", vidx_errmsg(h));
	return EXIT_SOME_FAILED;
}

static void print_camera(const vidx_camera *c)
{
	printf("id         %s\n", c->id);
	printf("name       %s\n", c->name);
	if (c->mobile)
		printf("position   mobile (each recording carries its own place)\n");
	else
		printf("position   %.7f, %.7f\n", c->lat, c->lon);
	printf("address    %s\n", c->address);
	printf("tz         %s\n", c->tz ? c->tz : "-");
	printf("tags       %s\n", *c->tags ? c->tags : "-");
	printf("recordings %lld\n", (long long)c->recordings);
}

static int cmd_list(const cfg *g)
{
	vidx_camera *a;
	size_t n, i;
	char *js;

	if (vidx_camera_list(h, &a, &n) < 0)
		return fail();
	if (g->geojson) {
		if ((js = vidx_cameras_geojson(a, n))) {
			puts(js);
			free(js);
		}
	} else if (g->json) {
		for (i = 0; i < n; i++)
			if ((js = vidx_camera_json(&a[i]))) {
				puts(js);
				free(js);
			}
	} else {
		printf("%-16s %-11s %-12s %-20s %6s  %s\n", "ID", "LAT", "LON", "TZ",
		       "FILES", "NAME");
		for (i = 0; i < n; i++) {
			if (a[i].mobile)
				printf("%-16s %-11s %-12s", a[i].id, "mobile", "-");
			else
				printf("%-16s %-11.6f %-12.6f", a[i].id, a[i].lat, a[i].lon);
			printf(" %-20s %6lld  %s\n", a[i].tz ? a[i].tz : "-",
			       (long long)a[i].recordings, a[i].name);
		}
	}
	vidx_camera_list_free(a, n);
	return EXIT_OK;
}

static int cmd_clock(const cfg *g, const char *id)
{
	vidx_clock_obs *a;
	size_t n, i;
	char b1[VIDX_TIME_BUFSZ], b2[VIDX_TIME_BUFSZ];

	if (g->camera_time || g->true_time) {
		if (!g->camera_time || !g->true_time)
			cli_usage_error("clock: give both --camera-time and --true-time");
		if (vidx_clock_add(h, id, g->camera_time, g->true_time, g->by, g->note) < 0)
			return fail();
		return EXIT_OK;
	}
	if (vidx_clock_list(h, id, &a, &n) < 0)
		return fail();
	if (!g->json && n)
		printf("%-24s  %-24s  %10s  %-12s %s\n", "CAMERA TIME", "TRUE TIME",
		       "OFFSET_S", "BY", "NOTE");
	for (i = 0; i < n; i++) {
		if (g->json) {
			char *js = vidx_clock_json(id, &a[i]);
			if (js)
				puts(js);
			free(js);
		} else {
			printf("%-24s  %-24s  %+10.3f  %-12s %s\n",
			       vidx_time_format(a[i].camera_time, b1),
			       vidx_time_format(a[i].true_time, b2),
			       (a[i].camera_time - a[i].true_time) / 1e6, a[i].by, a[i].note);
		}
	}
	vidx_clock_list_free(a, n);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"db", required_argument, NULL, 'd'},
		{"lat", required_argument, NULL, 'a'},
		{"lon", required_argument, NULL, 'o'},
		{"name", required_argument, NULL, 'n'},
		{"address", required_argument, NULL, 'A'},
		{"tz", required_argument, NULL, 'z'},
		{"tag", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'J'},
		{"geojson", no_argument, NULL, 'G'},
		{"force", no_argument, NULL, 'f'},
		{"mobile", no_argument, NULL, 'M'},
		{"camera-time", required_argument, NULL, 'C'},
		{"true-time", required_argument, NULL, 'T'},
		{"by", required_argument, NULL, 'b'},
		{"note", required_argument, NULL, 'N'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *cmd, *arg;
	cfg g;
	int ch, rc, create, created;

	cli_prog = "vidx-camera";
	memset(&g, 0, sizeof(g));
	g.db = cli_default_db();
	g.by = getenv("USER");
	while ((ch = getopt_long(argc, argv, "d:hV", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': g.db = optarg; break;
		case 'a': g.c.lat = number("--lat", optarg); g.fields |= VIDX_CAM_LAT; break;
		case 'o': g.c.lon = number("--lon", optarg); g.fields |= VIDX_CAM_LON; break;
		case 'n': g.c.name = optarg; g.fields |= VIDX_CAM_NAME; break;
		case 'A': g.c.address = optarg; g.fields |= VIDX_CAM_ADDRESS; break;
		case 'z': g.c.tz = optarg; g.fields |= VIDX_CAM_TZ; break;
		case 't':
			if (strlen(g.tags) + strlen(optarg) + 2 > sizeof(g.tags))
				cli_usage_error("too many tags");
			strcat(g.tags, optarg);
			strcat(g.tags, ",");
			g.fields |= VIDX_CAM_TAGS;
			break;
		case 'J': g.json = 1; break;
		case 'G': g.geojson = 1; break;
		case 'f': g.force = 1; break;
		case 'M': g.c.mobile = 1; break;
		case 'C': g.camera_time = optarg; break;
		case 'T': g.true_time = optarg; break;
		case 'b': g.by = optarg; g.by_given = 1; break;
		case 'N': g.note = optarg; break;
		case 'h': usage(); break;
		case 'V': cli_version(); break;
		default:
			cli_bad_option();
		}
	}
	if (optind >= argc)
		cli_usage_error("no command (add, set, rm, list, show, import, export, clock)");
	cmd = argv[optind++];
	if (strcmp(cmd, "add") && strcmp(cmd, "set") && strcmp(cmd, "rm") &&
	    strcmp(cmd, "list") && strcmp(cmd, "show") && strcmp(cmd, "import") &&
	    strcmp(cmd, "clock") && strcmp(cmd, "export"))
		cli_usage_error("unknown command '%s'", cmd);
	arg = optind < argc ? argv[optind++] : NULL;
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	g.c.tags = g.tags;
	g.c.id = (char *)arg;
	if (strcmp(cmd, "list") && strcmp(cmd, "export") && !arg)
		cli_usage_error("%s: missing %s", cmd, strcmp(cmd, "import") ? "camera id" : "file");
	if ((!strcmp(cmd, "list") || !strcmp(cmd, "export")) && arg)
		cli_usage_error("%s takes no argument", cmd);
	if (g.c.mobile && strcmp(cmd, "add"))
		cli_usage_error("%s: --mobile is for add", cmd);
	if (g.c.mobile && (g.fields & (VIDX_CAM_LAT | VIDX_CAM_LON)))
		cli_usage_error("add: a --mobile camera has no --lat or --lon");
	if (g.c.mobile)
		g.c.lat = g.c.lon = NAN;
	if (!strcmp(cmd, "add") && !g.c.mobile &&
	    (!(g.fields & VIDX_CAM_LAT) || !(g.fields & VIDX_CAM_LON)))
		cli_usage_error("add: --lat and --lon are required (or --mobile)");
	if (g.fields && strcmp(cmd, "add") && strcmp(cmd, "set"))
		cli_usage_error("%s: camera fields are for add and set", cmd);
	if ((g.camera_time || g.true_time || g.note || g.by_given) && strcmp(cmd, "clock"))
		cli_usage_error("%s: --camera-time, --true-time, --by and --note are for "
		                "clock", cmd);
	if ((g.note || g.by_given) && !g.camera_time && !g.true_time)
		cli_usage_error("clock: --by and --note go with --camera-time and --true-time");
	if (!strcmp(cmd, "set") && !g.fields)
		cli_usage_error("set: nothing to change");
	if (g.c.tz && *g.c.tz && !vidx_tz_valid(g.c.tz))
		cli_usage_error("--tz: unknown time zone '%s'", g.c.tz);
	if (!(h = vidx_new())) {
		cli_warn("out of memory");
		return EXIT_SOME_FAILED;
	}
	create = !strcmp(cmd, "add") || !strcmp(cmd, "import");
	/* a failed add or import must not leave a new, empty index behind */
	created = create && access(g.db, F_OK) != 0;
	if (vidx_open(h, g.db, create ? VIDX_OPEN_CREATE : 0) < 0) {
		rc = fail();
		goto out;
	}
	if (!strcmp(cmd, "add")) {
		rc = vidx_camera_add(h, &g.c) < 0 ? fail() : EXIT_OK;
	} else if (!strcmp(cmd, "set")) {
		rc = vidx_camera_set(h, &g.c, g.fields) < 0 ? fail() : EXIT_OK;
	} else if (!strcmp(cmd, "rm")) {
		rc = vidx_camera_rm(h, arg, g.force) < 0 ? fail() : EXIT_OK;
	} else if (!strcmp(cmd, "list")) {
		rc = cmd_list(&g);
	} else if (!strcmp(cmd, "show")) {
		vidx_camera c;
		if (vidx_camera_get(h, arg, &c) < 0) {
			rc = fail();
		} else {
			if (g.json) {
				char *js = vidx_camera_json(&c);
				if (js)
					puts(js);
				free(js);
			} else {
				print_camera(&c);
			}
			vidx_camera_clear(&c);
			rc = EXIT_OK;
		}
	} else if (!strcmp(cmd, "export")) {
		char *js = NULL;
		if (vidx_camera_export(h, &js) < 0) {
			rc = fail();
		} else {
			puts(js);
			rc = EXIT_OK;
		}
		free(js);
	} else if (!strcmp(cmd, "import")) {
		size_t n;
		if (vidx_camera_import(h, arg, &n) < 0) {
			rc = fail();
		} else {
			fprintf(stderr, "%s: imported %zu camera%s from %s\n", cli_prog, n,
			        n == 1 ? "" : "s", arg);
			rc = EXIT_OK;
		}
	} else {
		rc = cmd_clock(&g, arg);
	}
out:
	vidx_free(h);
	if (created && rc != EXIT_OK) {
		static const char *sfx[] = {"", "-wal", "-shm"};
		char p[4096];
		int k;
		for (k = 0; k < 3; k++) {
			snprintf(p, sizeof(p), "%s%s", g.db, sfx[k]);
			unlink(p);
		}
	}
	return cli_flush(rc);
}
