/* vidx-case - cases and their custody log. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../libindex/vidx.h"
#include "cli.h"

static void usage(void)
{
	printf(
"usage: vidx-case [-d db] new id --title text [--by name]\n"
"       vidx-case [-d db] list [--json]\n"
"       vidx-case [-d db] show [--json] id\n"
"       vidx-case [-d db] log [--json] id\n"
"       vidx-case [-d db] note [--by name] id text\n"
"\n"
"A case groups the footage pulled for one investigation.  Its custody log\n"
"is append-only: every event (case created, notes, and later pulls and\n"
"verifications) stores the hash of the one before it and a hash of\n"
"itself, so an edited or deleted event is detected; 'log' checks every\n"
"event and exits 1 if the chain is broken.\n"
"\n"
"  --title TEXT      new: what the case is\n"
"  --by NAME         who acts (default $USER)\n"
"  --json            one JSON object per line\n"
"  -d, --db PATH     index (default $VIDX_DB, else ./vidx.db)\n"
"  -h, --help        this help;  -V, --version  version\n"
"\n"
"Exit 0 on success, 1 on failure or a broken log, 2 on a usage error.\n");
	exit(EXIT_OK);
}

static vidx *h;

typedef struct cfg {
	int json, header, clips;
	size_t n;
	const char *only; /* show: this case */
} cfg;

static int print_case(void *ctx, const vidx_case *c)
{
	cfg *g = ctx;
	char b[VIDX_TIME_BUFSZ];

	if (g->only && strcmp(g->only, c->id))
		return 0;
	if (g->json) {
		char *t = vidx_case_json(c);
		if (t)
			puts(t);
		free(t);
	} else if (g->only) {
		printf("case       %s\n", c->id);
		printf("title      %s\n", c->title);
		printf("created    %s by %s\n", vidx_time_format(c->created, b), c->created_by);
		printf("events     %lld\n", (long long)c->events);
	} else {
		if (!g->header++)
			printf("%-16s %-24s %6s  %s\n", "CASE", "CREATED", "EVENTS", "TITLE");
		printf("%-16s %-24s %6lld  %s\n", c->id, vidx_time_format(c->created, b),
		       (long long)c->events, c->title);
	}
	g->n++;
	return 0;
}

static int print_event(void *ctx, const vidx_event *e)
{
	cfg *g = ctx;
	char b[VIDX_TIME_BUFSZ];

	if (g->json) {
		char *t = vidx_event_json(e);
		if (t)
			puts(t);
		free(t);
	} else {
		char by[256], kind[256], detail[4096];
		printf("%6lld  %s  %-12s %-14s %s  %.12s%s%s\n", (long long)e->seq,
		       vidx_time_format(e->at, b), cli_clean(e->by ? e->by : "?", by, sizeof(by)),
		       cli_clean(e->kind ? e->kind : "?", kind, sizeof(kind)),
		       cli_clean(e->detail ? e->detail : "", detail, sizeof(detail)),
		       e->hash ? e->hash : "", e->problem ? "  BROKEN: " : "",
		       e->problem ? e->problem : "");
	}
	return 0;
}

/* show: the clips the log says were pulled, their hashes and sources */
static int print_clip(void *ctx, const vidx_case_clip *c)
{
	cfg *g = ctx;
	char b[VIDX_TIME_BUFSZ], path[1024];
	size_t i;

	if (g->json) {
		char *t = vidx_case_clip_json(c);
		if (t)
			puts(t);
		free(t);
		return 0;
	}
	if (!g->clips++)
		printf("clips\n");
	printf("  %s/%s\n", cli_clean(c->folder, path, sizeof(path)), c->path);
	printf("    sha256   %s\n", c->sha256);
	printf("    camera   %s  %s .. ", c->camera, vidx_time_format(c->start, b));
	printf("%s\n", vidx_time_format(c->end, b));
	printf("    pulled   %s by %s (event %lld)\n", vidx_time_format(c->at, b), c->by,
	       (long long)c->seq);
	for (i = 0; i < c->nsources; i++) {
		if (c->recording_ids[i] < 0)
			printf("    source   sha256 %s  (not in this index)\n", c->source_sha256[i]);
		else
			printf("    source   sha256 %s  recording %lld\n", c->source_sha256[i],
			       (long long)c->recording_ids[i]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"title", required_argument, NULL, 't'},
		{"by", required_argument, NULL, 'b'},
		{"json", no_argument, NULL, 'J'},
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *db = cli_default_db(), *title = NULL, *by = getenv("USER");
	const char *cmd, *id = NULL, *text = NULL;
	cfg g = {0, 0, 0, 0, NULL};
	int ch, rc = EXIT_OK;

	cli_prog = "vidx-case";
	while ((ch = getopt_long(argc, argv, "d:hV", lo, NULL)) != -1) {
		switch (ch) {
		case 't': title = optarg; break;
		case 'b': by = optarg; break;
		case 'J': g.json = 1; break;
		case 'd': db = optarg; break;
		case 'h': usage(); break;
		case 'V': cli_version(); break;
		default:
			cli_bad_option();
		}
	}
	if (!by || !*by)
		by = "unknown";
	if (optind >= argc)
		cli_usage_error("no command (new, list, show, log, note)");
	cmd = argv[optind++];
	if (strcmp(cmd, "new") && strcmp(cmd, "list") && strcmp(cmd, "show") &&
	    strcmp(cmd, "log") && strcmp(cmd, "note"))
		cli_usage_error("unknown command '%s'", cmd);
	if (strcmp(cmd, "list")) {
		if (optind >= argc)
			cli_usage_error("%s: missing case id", cmd);
		id = argv[optind++];
	}
	if (!strcmp(cmd, "note")) {
		if (optind >= argc)
			cli_usage_error("note: missing text");
		text = argv[optind++];
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!strcmp(cmd, "new") != !!title)
		cli_usage_error(title ? "--title is for new" : "new: --title is required");

	if (!(h = vidx_new())) {
		cli_warn("out of memory");
		return EXIT_SOME_FAILED;
	}
	if (vidx_open(h, db, !strcmp(cmd, "list") || !strcmp(cmd, "show") ||
	              !strcmp(cmd, "log") ? VIDX_OPEN_READONLY : 0) < 0) {
		cli_warn("%s", vidx_errmsg(h));
		rc = EXIT_SOME_FAILED;
	} else if (!strcmp(cmd, "new")) {
		if (vidx_case_new(h, id, title, by) < 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
		}
	} else if (!strcmp(cmd, "note")) {
		if (vidx_case_note(h, id, by, text) < 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
		}
	} else if (!strcmp(cmd, "list")) {
		if (vidx_case_each(h, print_case, &g) != 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
		}
	} else {
		size_t broken = 0;
		int show = !strcmp(cmd, "show");
		if (show) {
			g.only = id;
			if (vidx_case_each(h, print_case, &g) != 0) {
				cli_warn("%s", vidx_errmsg(h));
				rc = EXIT_SOME_FAILED;
			}
		}
		if (rc == EXIT_OK &&
		    vidx_custody_each(h, id, show ? NULL : print_event, &g, &broken) != 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
		} else if (rc == EXIT_OK && broken) {
			cli_warn("case '%s': custody log BROKEN: %zu event%s fail%s the check",
			         id, broken, broken == 1 ? "" : "s", broken == 1 ? "s" : "");
			rc = EXIT_SOME_FAILED;
		} else if (rc == EXIT_OK && show && !g.json) {
			printf("custody    intact (every event's hash and link check out)\n");
		}
		if (rc == EXIT_OK && show && vidx_case_clips(h, id, print_clip, &g) != 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
		}
		if (rc == EXIT_OK && show && !g.json && !g.clips)
			printf("clips      none pulled yet\n");
	}
	vidx_free(h);
	return cli_flush(rc);
}
