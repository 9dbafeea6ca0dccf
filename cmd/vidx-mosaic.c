/* vidx-mosaic - the cameras side by side on true time, as one MP4. */
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
"usage: vidx-mosaic [-hV] [-d db] -o file.mp4 [--near lat,lon --radius dist]\n"
"                   [--bbox s,w,n,e] [-c camera ...] [--tag tag ...]\n"
"                   (--from time --to time | --at time --pad duration)\n"
"                   [-z zone] [--fps N] [--tile WxH] [--font file]\n"
"                   [--case id [--by name] [--key file]] [--json]\n"
"\n"
"One H.264 MP4 of the selected cameras side by side over the window, on\n"
"true time: output frame k, at FROM + k / fps, shows in each tile the frame\n"
"that camera had on screen at that instant (clock observations and drift\n"
"applied), labelled with the camera, the frame's true time and the camera's\n"
"own clock; \"no footage\" where it has none.  A working copy: its tags and\n"
"its manifest, FILE.mp4.manifest.json, say so and list every source, the\n"
"filter graph and the encoder settings.  A progress bar on a terminal.\n"
"\n"
"  -o, --out FILE.mp4      the mosaic (a new file)\n"
"  --fps N                 output rate: N or N/D frames a second (default 25)\n"
"  --tile WxH              a tile's picture in pixels, even (default 640x360)\n"
"  --font FILE             TrueType font of the labels (default DejaVu Sans\n"
"                          Mono, Debian's fonts-dejavu-core)\n"
"  --case ID               record it in the case's custody log\n"
"  --by NAME               the operator, with --case (default: the key's,\n"
"                          else $USER)\n"
"  --key FILE              with --case: sign its custody event with this key\n"
"                          (default $XDG_CONFIG_HOME/vidx/key, if there)\n"
"  --json                  one JSON object: path, sha256, size, rate, frames,\n"
"                          each camera's tile (x, y, w, h)\n"
"  -d, --db PATH           index (default $VIDX_DB, else ./vidx.db)\n"
"  selectors and window:   as vidx-query(1)\n"
"\n"
"Exit 0 when the mosaic was written with every source, 1 when a source\n"
"could not be read (its tile says so; the mosaic is written) or nothing\n"
"could be written, 2 on a usage error.\n");
	exit(EXIT_OK);
}

static vidx *h;
static int bar;

static void on_progress(void *ctx, int64_t done, int64_t total)
{
	int w = 40, k;
	static int last = -1;
	int pct = total ? (int)(100 * done / total) : 100;
	(void)ctx;
	if (pct == last && done != total)
		return;
	last = pct;
	fputs("\r[", stderr);
	for (k = 0; k < w; k++)
		fputc(k < w * pct / 100 ? '#' : '.', stderr);
	fprintf(stderr, "] %3d%%  %lld/%lld frames", pct, (long long)done, (long long)total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

static void fps(const char *s, int *num, int *den)
{
	char *e;
	long a = strtol(s, &e, 10), b = 1;
	if (e == s || a <= 0 || a > 240000)
		goto bad;
	if (*e == '/') {
		s = e + 1;
		b = strtol(s, &e, 10);
		if (e == s || b <= 0 || b > 100000)
			goto bad;
	}
	if (*e || (double)a / b > 240 || (double)a / b < 0.01)
		goto bad;
	*num = (int)a;
	*den = (int)b;
	return;
bad:
	cli_usage_error("--fps: want N or N/D frames a second, from 0.01 to 240, not '%s'", s);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		CLI_SEL_OPTIONS,
		{"out", required_argument, NULL, 'o'},
		{"fps", required_argument, NULL, 'r'}, /* not R: --radius is */
		{"tile", required_argument, NULL, 'W'},
		{"font", required_argument, NULL, 'F'},
		{"case", required_argument, NULL, 'K'},
		{"by", required_argument, NULL, 'b'},
		{"key", required_argument, NULL, 'k'},
		{"json", no_argument, NULL, 'J'},
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *db = cli_default_db(), *keyfile = NULL;
	vidx_mosaic_opts o;
	vidx_mosaic_info *m = NULL;
	char *qjson = NULL;
	cli_sel s;
	int ch, rc = EXIT_OK, n, json_out = 0;
	size_t i;

	cli_prog = "vidx-mosaic";
	memset(&s, 0, sizeof(s));
	memset(&o, 0, sizeof(o));
	if (!(h = vidx_new())) {
		cli_warn("out of memory");
		return EXIT_SOME_FAILED;
	}
	while ((ch = getopt_long(argc, argv, "c:z:o:d:hV", lo, NULL)) != -1) {
		if (cli_sel_option(&s, ch, optarg))
			continue;
		switch (ch) {
		case 'o': o.out = optarg; break;
		case 'r': fps(optarg, &o.fps_num, &o.fps_den); break;
		case 'W': cli_tile_size(optarg, &o.tile_w, &o.tile_h); break;
		case 'F': o.font = optarg; break;
		case 'K': o.case_id = optarg; break;
		case 'b': o.by = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'J': json_out = 1; break;
		case 'd': db = optarg; break;
		case 'h': usage(); break;
		case 'V': cli_version(); break;
		default:
			cli_bad_option();
		}
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!o.out || !*o.out)
		cli_usage_error("where to? give -o FILE.mp4");
	if (o.case_id) {
		if (o.by && !vidx_operator_valid(o.by))
			cli_usage_error("--by: one line of UTF-8 text without control characters");
		/* its custody event is signed like every other */
		if (cli_use_key(h, keyfile, &o.by, o.by != NULL) < 0) {
			vidx_free(h);
			return EXIT_SOME_FAILED;
		}
		if (!o.by)
			o.by = getenv("USER");
		if (!o.by || !*o.by)
			cli_usage_error("who is making it? give --by NAME (no $USER)");
		if (!vidx_operator_valid(o.by))
			cli_usage_error("--by: one line of UTF-8 text without control characters");
	} else if (o.by || keyfile) {
		cli_usage_error(o.by ? "--by goes with --case" : "--key goes with --case");
	}
	cli_sel_finish(h, &s, 1);
	bar = isatty(STDERR_FILENO);
	if (bar)
		o.on_progress = on_progress;
	if (vidx_open(h, db, o.case_id ? 0 : VIDX_OPEN_READONLY) < 0) {
		cli_warn("%s", vidx_errmsg(h));
		rc = EXIT_SOME_FAILED;
		goto out;
	}
	qjson = vidx_query_json(&s.q);
	o.query_json = qjson;
	n = vidx_mosaic(h, &s.q, &o, &m);
	if (n < 0) {
		cli_warn("%s", vidx_errmsg(h));
		rc = EXIT_SOME_FAILED;
		goto out;
	}
	for (i = 0; i < m->nfailed; i++) {
		char cb[CLI_CLEAN_MAX];
		cli_warn("%s", cli_clean(m->failed[i], cb, sizeof(cb)));
	}
	if (n > 0)
		rc = EXIT_SOME_FAILED;
	if (json_out) {
		char *js = vidx_mosaic_json(m);
		if (js)
			puts(js);
		free(js);
	} else {
		char cb[CLI_CLEAN_MAX];
		printf("%s  %dx%d, %lld frames at %g fps, %lld bytes, sha256 %s\n",
		       cli_clean(m->path, cb, sizeof(cb)), m->width, m->height,
		       (long long)m->frames, (double)m->fps_num / m->fps_den, (long long)m->size,
		       m->sha256);
		printf("%-14s %6s %6s %6s %6s  %s\n", "CAMERA", "X", "Y", "W", "H", "FOOTAGE");
		for (i = 0; i < m->ntiles; i++)
			printf("%-14s %6d %6d %6d %6d  %s\n", cli_clean(m->tiles[i].camera, cb, sizeof(cb)),
			       m->tiles[i].vx, m->tiles[i].vy, m->tiles[i].vw, m->tiles[i].vh,
			       m->tiles[i].found ? "yes" : "none in the window");
	}
out:
	vidx_mosaic_free(m);
	free(qjson);
	vidx_free(h);
	return cli_flush(rc);
}
