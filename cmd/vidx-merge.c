/* vidx-merge - many hosts' shards into one index. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../libindex/vidx.h"
#include "cli.h"

static void usage(void)
{
	printf(
"usage: vidx-merge [-hV] [--json] [-d db] shard ...\n"
"\n"
"Merge the indexes SHARD ... (each host's own, made with the same camera\n"
"registry) into the index DB, made if missing: cameras, clock\n"
"observations, recordings with their paths and hosts, segments and\n"
"keyframes, places and tracks, cases with their custody logs (signatures\n"
"included) and the keys that signed them.  The same recording (SHA-256)\n"
"in two shards is one recording with both paths.  Cameras must agree, and\n"
"a case's custody log must be the same in both or one a prefix of the\n"
"other: any other difference is a conflict, each is named, and nothing is\n"
"merged.  All in one transaction: a failed or killed merge leaves DB as it\n"
"was; a merge run again changes nothing.  Shards are only read.\n"
"\n"
"  --json            one JSON object per shard, then the totals\n"
"  -d, --db PATH     the index merged into (default $VIDX_DB, else ./vidx.db)\n"
"  -h, --help        this help;  -V, --version  version\n"
"\n"
"Exit 0 when every shard was merged, 1 when none was (a conflict or a\n"
"shard that cannot be read, named on stderr), 2 on a usage error.\n");
	exit(EXIT_OK);
}

static int json_out, header;

static void on_conflict(void *ctx, const char *msg)
{
	(void)ctx;
	cli_warn("conflict: %s", msg);
}

static void on_note(void *ctx, const char *msg)
{
	(void)ctx;
	cli_warn("note: %s", msg);
}

static void row(const char *name, const vidx_merge_stats *s)
{
	char nb[CLI_CLEAN_MAX];
	if (json_out) {
		char *js = vidx_merge_stats_json(name, s);
		if (js)
			puts(js);
		free(js);
		return;
	}
	if (!header++)
		printf("%8s %6s %10s %10s %10s %10s %10s %6s %7s %5s  %s\n", "CAMERAS",
		       "CLOCK", "RECORDINGS", "DUPLICATES", "PATHS", "SEGMENTS", "KEYFRAMES",
		       "CASES", "EVENTS", "KEYS", "SHARD");
	printf("%8lld %6lld %10lld %10lld %10lld %10lld %10lld %6lld %7lld %5lld  %s\n",
	       (long long)s->cameras, (long long)s->clock_obs, (long long)s->recordings,
	       (long long)s->duplicates, (long long)s->paths, (long long)s->segments,
	       (long long)s->keyframes, (long long)s->cases, (long long)s->events,
	       (long long)s->keys, name ? cli_clean(name, nb, sizeof(nb)) : "(total)");
}

static void on_shard(void *ctx, const char *shard, const vidx_merge_stats *s)
{
	(void)ctx;
	row(shard, s);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"json", no_argument, NULL, 'J'},
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *db = cli_default_db();
	vidx_merge_opts o = {on_conflict, on_note, on_shard, NULL};
	vidx_merge_stats total;
	vidx *h;
	int ch, rc = EXIT_OK;

	cli_prog = "vidx-merge";
	while ((ch = getopt_long(argc, argv, "d:hV", lo, NULL)) != -1) {
		switch (ch) {
		case 'J': json_out = 1; break;
		case 'd': db = optarg; break;
		case 'h': usage(); break;
		case 'V': cli_version(); break;
		default:
			cli_bad_option();
		}
	}
	if (optind >= argc)
		cli_usage_error("no shards to merge");
	if (!(h = vidx_new())) {
		cli_warn("out of memory");
		return EXIT_SOME_FAILED;
	}
	if (vidx_merge(h, db, (const char *const *)argv + optind, (size_t)(argc - optind),
	               &o, &total) < 0) {
		cli_warn("%s", vidx_errmsg(h));
		rc = EXIT_SOME_FAILED;
	} else {
		row(NULL, &total);
	}
	vidx_free(h);
	return cli_flush(rc);
}
