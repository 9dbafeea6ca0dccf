/* vidx-report - the case report: one offline page, and DFIR timelines. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../libindex/vidx.h"
#include "cli.h"

static void usage(void)
{
	printf(
"usage: vidx-report [-hV] [-d db] [--by name] [--key file] [--out dir]\n"
"                   [--at time] [-z zone]\n"
"                   [--pdf] [--proxies] [--no-stills] [--timesketch file]\n"
"                   [--l2tcsv file] [--json] case\n"
"\n"
"Write the report of a case into a new folder: report.html, a page that\n"
"needs nothing but a browser (the case, a map of the cameras, a coverage\n"
"timeline with the clock corrections, the clips with their hashes, sources\n"
"and stills, a synchronised player, the custody log and the commands that\n"
"re-create and re-check everything), the case's clips beside it (hard links\n"
"on the same filesystem, else copies, each checked against its SHA-256),\n"
"report-manifest.json and SHA256SUMS; then a report event in the case's\n"
"custody log.  Timelines of the case for Timesketch and plaso.\n"
"\n"
"  --out DIR          the report folder: must not exist, or be empty\n"
"  --at TIME          the incident time (marked; the player opens there)\n"
"  -z, --tz ZONE      the zone for local times (default: the cameras')\n"
"  --pdf              also report.pdf, printed by headless Chromium\n"
"  --proxies          H.264 working copies of clips a browser cannot play\n"
"  --no-stills        no stills of the clips (they are decoded from the\n"
"                     source recordings, which must be there)\n"
"  --timesketch FILE  the case's events as Timesketch JSON lines\n"
"  --l2tcsv FILE      the same as plaso l2tcsv (17 columns)\n"
"  --by NAME          who makes the report, for the custody log\n"
"                     (default: the key's, else $USER)\n"
"  --key FILE         sign the report's custody event with this key (default\n"
"                     $XDG_CONFIG_HOME/vidx/key, when there is one)\n"
"  --json             one JSON object per file written\n"
"  -d, --db PATH      index (default $VIDX_DB, else ./vidx.db)\n"
"  -h, --help         this help;  -V, --version  version\n"
"\n"
"Nothing existing is overwritten.  Exit 0 when everything was written, 1\n"
"when something could not be (each named; a clip that changed is left out),\n"
"2 on a usage error.\n");
	exit(EXIT_OK);
}

typedef struct out {
	int json, header;
} out;

static void on_item(void *ctx, const vidx_report_item *it)
{
	out *o = ctx;
	char p[CLI_CLEAN_MAX], d[CLI_CLEAN_MAX];

	if (!strcmp(it->status, "failed"))
		cli_warn("%s '%s': %s", it->kind, cli_clean(it->path, p, sizeof(p)),
		         cli_clean(it->detail, d, sizeof(d)));
	if (o->json) {
		char *s = vidx_report_item_json(it);
		if (s)
			puts(s);
		free(s);
		return;
	}
	if (!o->header++)
		printf("%-13s %-7s %10s  %-12s  %s\n", "KIND", "STATUS", "SIZE", "SHA256", "PATH");
	if (it->size >= 0)
		printf("%-13s %-7s %10lld  %-12.12s  %s\n", it->kind, it->status,
		       (long long)it->size, it->sha256 ? it->sha256 : "-",
		       cli_clean(it->path, p, sizeof(p)));
	else
		printf("%-13s %-7s %10s  %-12.12s  %s\n", it->kind, it->status, "-",
		       it->sha256 ? it->sha256 : "-", cli_clean(it->path, p, sizeof(p)));
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"out", required_argument, NULL, 'o'},
		{"at", required_argument, NULL, 'a'},
		{"tz", required_argument, NULL, 'z'},
		{"pdf", no_argument, NULL, 'P'},
		{"proxies", no_argument, NULL, 'X'},
		{"no-stills", no_argument, NULL, 'N'},
		{"timesketch", required_argument, NULL, 'S'},
		{"l2tcsv", required_argument, NULL, 'L'},
		{"by", required_argument, NULL, 'b'},
		{"key", required_argument, NULL, 'k'},
		{"json", no_argument, NULL, 'J'},
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *db = cli_default_db(), *keyfile = NULL;
	vidx_report_opts o;
	out w = {0, 0};
	vidx *h;
	int ch, n, rc = EXIT_OK;
	int64_t t;

	memset(&o, 0, sizeof(o));
	cli_prog = "vidx-report";
	while ((ch = getopt_long(argc, argv, "d:z:hV", lo, NULL)) != -1) {
		switch (ch) {
		case 'o': o.out_dir = optarg; break;
		case 'a': o.at = optarg; break;
		case 'z': o.tz = optarg; break;
		case 'P': o.pdf = 1; break;
		case 'X': o.proxies = 1; break;
		case 'N': o.no_stills = 1; break;
		case 'S': o.timesketch = optarg; break;
		case 'L': o.l2tcsv = optarg; break;
		case 'b': o.by = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'J': w.json = 1; break;
		case 'd': db = optarg; break;
		case 'h': usage(); break;
		case 'V': cli_version(); break;
		default:
			cli_bad_option();
		}
	}
	if (optind >= argc)
		cli_usage_error("missing case id");
	o.case_id = argv[optind++];
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!o.out_dir && !o.timesketch && !o.l2tcsv)
		cli_usage_error("nothing to write: give --out DIR, --timesketch FILE or --l2tcsv FILE");
	if ((o.pdf || o.proxies || o.no_stills) && !o.out_dir)
		cli_usage_error("--pdf, --proxies and --no-stills go with --out");
	if (o.timesketch && o.l2tcsv && !strcmp(o.timesketch, o.l2tcsv))
		cli_usage_error("--timesketch and --l2tcsv name the same file");
	if (o.by && !vidx_operator_valid(o.by))
		cli_usage_error("--by: one line of UTF-8 text without control characters");
	cli_check_tz_env();
	if (o.tz && !vidx_tz_valid(o.tz))
		cli_usage_error("--tz: unknown time zone '%s'", o.tz);
	o.on_item = on_item;
	o.ctx = &w;

	if (!(h = vidx_new())) {
		cli_warn("out of memory");
		return EXIT_SOME_FAILED;
	}
	/* the syntax of --at is checked here; its zone is known only later */
	if (o.at && vidx_time_parse(h, o.at, "UTC", &t) == VIDX_EINVAL)
		cli_usage_error("--at: %s", vidx_errmsg(h));
	/* its custody event is signed like every other */
	if (cli_use_key(h, keyfile, &o.by, o.by != NULL) < 0) {
		vidx_free(h);
		return EXIT_SOME_FAILED;
	}
	if (!o.by)
		o.by = getenv("USER");
	if (!o.by || !*o.by)
		o.by = "unknown";
	if (!vidx_operator_valid(o.by))
		cli_usage_error("--by: one line of UTF-8 text without control characters");
	if (vidx_open(h, db, 0) < 0) {
		cli_warn("%s", vidx_errmsg(h));
		rc = EXIT_SOME_FAILED;
	} else if ((n = vidx_report(h, &o)) < 0) {
		cli_warn("%s", vidx_errmsg(h));
		rc = EXIT_SOME_FAILED;
	} else if (n > 0) {
		cli_warn("%d item%s could not be written (named above)", n, n == 1 ? "" : "s");
		rc = EXIT_SOME_FAILED;
	}
	vidx_free(h);
	return cli_flush(rc);
}
