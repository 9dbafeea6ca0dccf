/* vidx-still - what every camera showed at one true instant: PNG stills,
 * contact sheets, flip-books. */
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
"usage: vidx-still [-hV] [-d db]\n"
"                  (--at time | --every duration --from time --to time)\n"
"                  [--near lat,lon --radius dist] [--bbox s,w,n,e]\n"
"                  [-c camera ...] [--tag tag ...] [-z zone] [--out dir]\n"
"                  [--sheet file.png] [--tile WxH] [--font file]\n"
"                  [--case id [--by name] [--key file]] [--json]\n"
"\n"
"The frame each selected camera showed at a true instant (its clock\n"
"observations applied): the last frame whose presentation time is at or\n"
"before it, decoded from the seek keyframe the index names.  With --out,\n"
"one lossless PNG per camera, DIR/CAMERA_YYYYmmddTHHMMSS.mmmZ_still.png (the\n"
"frame's true time), marked as a working copy.  --sheet draws one contact\n"
"sheet of all of them, nearest first, each labelled, with a \"no footage\"\n"
"tile for a camera that has none at that instant.\n"
"\n"
"  --at TIME               the instant, true time\n"
"  --every DUR             a still every DUR from --from to --to (a flip-book;\n"
"                          one sheet per step, its time in the name)\n"
"  --out DIR               write the stills here (made if missing)\n"
"  --sheet FILE.png        write a contact sheet\n"
"  --tile WxH              a sheet tile's picture (default 320x180)\n"
"  --font FILE             TrueType font of the labels (default DejaVu Sans\n"
"                          Mono, Debian's fonts-dejavu-core)\n"
"  --case ID               in a case: files go to the case folder's stills/\n"
"                          (--out, default the folder of its last pull), with\n"
"                          a manifest and a custody event\n"
"  --by NAME               the operator, with --case (default: the key's,\n"
"                          else $USER)\n"
"  --key FILE              with --case: sign its custody event with this key\n"
"                          (default $XDG_CONFIG_HOME/vidx/key, if there)\n"
"  --json                  one JSON object per camera and instant, and per sheet\n"
"  -d, --db PATH           index (default $VIDX_DB, else ./vidx.db)\n"
"  selectors:              --near, --radius, --bbox, -c, --tag, -z as vidx-query(1)\n"
"\n"
"Exit 0 when a still was made and nothing failed (cameras without footage\n"
"are named on stderr), 1 when no camera had footage or a still or sheet\n"
"could not be made, 2 on a usage error.\n");
	exit(EXIT_OK);
}

static vidx *h;
static int json_out, header, nfound, nfailed, nsheets;

static void on_still(void *ctx, const vidx_still *s)
{
	char b1[VIDX_TIME_BUFSZ], b2[VIDX_TIME_BUFSZ], cb[CLI_CLEAN_MAX];
	(void)ctx;
	if (s->found)
		nfound++;
	if (s->failed)
		nfailed++;
	if (!s->found)
		cli_warn("%s: %s", cli_clean(s->camera, cb, sizeof(cb)), s->error);
	if (json_out) {
		char *js = vidx_still_json(s);
		if (js)
			puts(js);
		free(js);
		return;
	}
	if (!s->found)
		return;
	if (!header++)
		printf("%-14s %-24s %-24s %10s %11s  %s\n", "CAMERA", "FRAME_TIME",
		       "CAMERA_TIME", "CORR_S", "PTS_S", "PNG");
	printf("%-14s %-24s %-24s %+10.3f %11.6f  %s\n", cli_clean(s->camera, cb, sizeof(cb)),
	       vidx_time_format(s->frame_time, b1), vidx_time_format(s->camera_time, b2),
	       s->correction_us / 1e6, s->pts / 1e6, s->png ? s->png : "-");
}

static void on_sheet(void *ctx, const vidx_sheet *s)
{
	char b[VIDX_TIME_BUFSZ];
	(void)ctx;
	if (s->skipped) {
		cli_warn("%s", s->error);
		return;
	} else if (s->error) {
		nfailed++;
		cli_warn("sheet at %s: %s", vidx_time_format(s->at, b), s->error);
	} else {
		nsheets++;
	}
	if (json_out) {
		char *js = vidx_sheet_json(s);
		if (js)
			puts(js);
		free(js);
	} else if (!s->error) {
		printf("sheet %s  %dx%d, %zu tiles  %s\n", vidx_time_format(s->at, b), s->width,
		       s->height, s->ntiles, s->path);
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		CLI_SEL_OPTIONS,
		{"every", required_argument, NULL, 'E'},
		{"out", required_argument, NULL, 'o'},
		{"sheet", required_argument, NULL, 'S'},
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
	const char *db = cli_default_db(), *at = NULL, *every = NULL, *keyfile = NULL;
	char *qjson = NULL;
	vidx_stills_opts o;
	cli_sel s;
	int ch, rc = EXIT_OK, n;

	cli_prog = "vidx-still";
	memset(&s, 0, sizeof(s));
	memset(&o, 0, sizeof(o));
	if (!(h = vidx_new())) {
		cli_warn("out of memory");
		return EXIT_SOME_FAILED;
	}
	while ((ch = getopt_long(argc, argv, "c:z:d:hV", lo, NULL)) != -1) {
		if (cli_sel_option(&s, ch, optarg))
			continue;
		switch (ch) {
		case 'E': every = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'S': o.sheet = optarg; break;
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
	/* an instant, not a window: --at is ours, --pad has no meaning */
	at = s.at;
	s.at = NULL;
	if (s.pad)
		cli_usage_error("--pad: a still is at one instant (--at), or every --every");
	if (at && (s.from || s.to || every))
		cli_usage_error("give --at TIME, or --every DUR with --from and --to, not both");
	if (!at && !every)
		cli_usage_error("when? give --at TIME (or --every DUR --from TIME --to TIME)");
	if (every && (!s.from || !s.to))
		cli_usage_error("--every needs --from and --to");
	if (!every && (s.from || s.to))
		cli_usage_error("--from and --to go with --every");
	if (o.sheet && !*o.sheet)
		cli_usage_error("--sheet: give a file name");
	if (o.out_dir && !*o.out_dir)
		cli_usage_error("--out: give a folder");
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
			cli_usage_error("who is making them? give --by NAME (no $USER)");
		if (!vidx_operator_valid(o.by))
			cli_usage_error("--by: one line of UTF-8 text without control characters");
		if (o.sheet && strchr(o.sheet, '/'))
			cli_usage_error("--sheet: in a case, a file name (it goes in the case "
			                "folder's stills/), not a path");
	} else if (o.by || keyfile) {
		cli_usage_error(o.by ? "--by goes with --case" : "--key goes with --case");
	}
	cli_sel_finish(h, &s, 0);
	s.q.cameras = s.cams;
	s.q.tags = s.tags;
	if (at && vidx_time_parse(h, at, s.tz, &o.from) < 0)
		cli_usage_error("--at: %s", vidx_errmsg(h));
	if (every) {
		if (vidx_duration_parse(h, every, &o.every) < 0)
			cli_usage_error("--every: %s", vidx_errmsg(h));
		if (o.every <= 0)
			cli_usage_error("--every: must be more than 0");
		o.from = s.q.from;
		o.to = s.q.to;
	}
	o.on_still = on_still;
	o.on_sheet = on_sheet;
	if (vidx_open(h, db, o.case_id ? 0 : VIDX_OPEN_READONLY) < 0) {
		cli_warn("%s", vidx_errmsg(h));
		rc = EXIT_SOME_FAILED;
		goto out;
	}
	/* the question, for a case's manifest: the selectors, and the instant */
	s.q.from = o.from;
	s.q.to = every ? o.to : o.from + 1;
	qjson = vidx_query_json(&s.q);
	o.query_json = qjson;
	n = vidx_stills(h, &s.q, &o);
	if (n < 0) {
		cli_warn("%s", vidx_errmsg(h));
		rc = EXIT_SOME_FAILED;
	} else if (nfailed) {
		rc = EXIT_SOME_FAILED;
	} else if (!nfound) {
		cli_warn("no footage at %s", every ? "any of the instants" : "that instant");
		rc = EXIT_SOME_FAILED;
	}
out:
	free(qjson);
	vidx_free(h);
	return cli_flush(rc);
}
