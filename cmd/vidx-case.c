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
"usage: vidx-case [-d db] new id --title text [--by name] [--key file]\n"
"                 [--signed]\n"
"       vidx-case [-d db] list [--json]\n"
"       vidx-case [-d db] show [--json] [--trust file] [--anchor seq:hash ...] id\n"
"       vidx-case [-d db] log [--json] [--trust file] [--anchor seq:hash ...] id\n"
"       vidx-case [-d db] note [--by name] [--key file] id text\n"
"       vidx-case [-d db] seal [--by name] [--key file] id\n"
"\n"
"A case groups the footage pulled for one investigation.  Its custody log\n"
"is append-only: every event (case created, notes, and later pulls and\n"
"verifications) stores the hash of the one before it and a hash of\n"
"itself, so an edited or deleted event is detected; 'log' checks every\n"
"event and exits 1 if the chain is broken.  With a key every event is\n"
"signed; --trust checks the signatures against keys held outside the\n"
"index, and --anchor against a head that 'seal' printed: only those stop\n"
"an insider who rewrites the log.\n"
"\n"
"  --title TEXT      new: what the case is\n"
"  --by NAME         who acts (default: the key's, else $USER)\n"
"  --key FILE        sign the event with this key (default\n"
"                    $XDG_CONFIG_HOME/vidx/key, when there is one)\n"
"  --signed          new: every event of the case must be signed\n"
"  --trust FILE      check every signature against the keys in FILE\n"
"  --anchor SEQ:HASH the log up to event SEQ must be unchanged\n"
"  --json            one JSON object per line\n"
"  -d, --db PATH     index (default $VIDX_DB, else ./vidx.db)\n"
"  -h, --help        this help;  -V, --version  version\n"
"\n"
"Exit 0 on success, 1 on failure, a broken log, a signature that does not\n"
"count or a broken anchor, 2 on a usage error.\n");
	exit(EXIT_OK);
}

static vidx *h;

typedef struct cfg {
	int json, header, clips;
	size_t n, problems;
	const char *only; /* show: this case */
} cfg;

static int print_case(void *ctx, const vidx_case *c)
{
	cfg *g = ctx;
	char b[VIDX_TIME_BUFSZ];

	if (g->only && strcmp(g->only, c->id))
		return 0;
	if (c->problem) {
		cli_warn("case '%s': %s", c->id, c->problem);
		g->problems++;
	}
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
		char signer[256], why[1024];
		const char *st = e->sig_state == VIDX_SIG_TRUSTED ? "trusted"
		               : e->sig_state == VIDX_SIG_VALID ? "not checked against a trust file"
		               : e->sig_state == VIDX_SIG_UNCHECKED ? "key unknown" : NULL;
		printf("%6lld  %s  %-12s %-14s %s  %.12s", (long long)e->seq,
		       vidx_time_format(e->at, b), cli_clean(e->by ? e->by : "?", by, sizeof(by)),
		       cli_clean(e->kind ? e->kind : "?", kind, sizeof(kind)),
		       cli_clean(e->detail ? e->detail : "", detail, sizeof(detail)),
		       e->hash ? e->hash : "");
		if (st)
			printf("  signed by %s (%s)", cli_clean(e->signer ? e->signer : "?",
			       signer, sizeof(signer)), st);
		if (e->problem)
			printf("  BROKEN: %s", cli_clean(e->problem, why, sizeof(why)));
		putchar('\n');
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

/* the keys and anchors the log is checked against: --trust, --anchor */
static int checks(const char *trust, const char *const *anchors, size_t n)
{
	vidx_anchor a[64];
	size_t i;

	if (trust && cli_use_trust(h, trust) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (vidx_anchor_parse(h, anchors[i], &a[i]) < 0)
			cli_usage_error("--anchor '%s': %s", anchors[i], vidx_errmsg(h));
	if (n && vidx_use_anchors(h, a, n) < 0) {
		cli_warn("%s", vidx_errmsg(h));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"title", required_argument, NULL, 't'},
		{"by", required_argument, NULL, 'b'},
		{"key", required_argument, NULL, 'k'},
		{"signed", no_argument, NULL, 'S'},
		{"trust", required_argument, NULL, 'T'},
		{"anchor", required_argument, NULL, 'A'},
		{"json", no_argument, NULL, 'J'},
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *db = cli_default_db(), *title = NULL, *by = NULL;
	const char *cmd, *id = NULL, *text = NULL, *keyfile = NULL, *trust = NULL;
	const char *anchors[64];
	size_t nanchors = 0;
	cfg g = {0, 0, 0, 0, 0, NULL};
	int ch, rc = EXIT_OK, signed_ = 0, writes;

	cli_prog = "vidx-case";
	while ((ch = getopt_long(argc, argv, "d:hV", lo, NULL)) != -1) {
		switch (ch) {
		case 't': title = optarg; break;
		case 'b': by = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'S': signed_ = 1; break;
		case 'T': trust = optarg; break;
		case 'A':
			if (nanchors == 64)
				cli_usage_error("at most 64 --anchor");
			anchors[nanchors++] = optarg;
			break;
		case 'J': g.json = 1; break;
		case 'd': db = optarg; break;
		case 'h': usage(); break;
		case 'V': cli_version(); break;
		default:
			cli_bad_option();
		}
	}
	if (optind >= argc)
		cli_usage_error("no command (new, list, show, log, note, seal)");
	cmd = argv[optind++];
	if (strcmp(cmd, "new") && strcmp(cmd, "list") && strcmp(cmd, "show") &&
	    strcmp(cmd, "log") && strcmp(cmd, "note") && strcmp(cmd, "seal"))
		cli_usage_error("unknown command '%s'", cmd);
	writes = !strcmp(cmd, "new") || !strcmp(cmd, "note") || !strcmp(cmd, "seal");
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
	if (signed_ && strcmp(cmd, "new"))
		cli_usage_error("--signed is for new");
	if ((keyfile || by) && !writes)
		cli_usage_error("--by and --key are for new, note and seal");
	if ((trust || nanchors) && strcmp(cmd, "log") && strcmp(cmd, "show"))
		cli_usage_error("--trust and --anchor are for log and show");
	if (by && !vidx_operator_valid(by))
		cli_usage_error("--by: one line of UTF-8 text without control characters");

	if (!(h = vidx_new())) {
		cli_warn("out of memory");
		return EXIT_SOME_FAILED;
	}
	if (writes && cli_use_key(h, keyfile, &by, by != NULL) < 0) {
		rc = EXIT_SOME_FAILED;
		goto out;
	}
	if (!by)
		by = getenv("USER");
	if (!by || !*by)
		by = "unknown";
	if (checks(trust, anchors, nanchors) < 0) {
		rc = EXIT_SOME_FAILED;
		goto out;
	}
	if (vidx_open(h, db, writes ? 0 : VIDX_OPEN_READONLY) < 0) {
		cli_warn("%s", vidx_errmsg(h));
		rc = EXIT_SOME_FAILED;
	} else if (!strcmp(cmd, "new")) {
		if (vidx_case_open(h, id, title, by, signed_ ? VIDX_CASE_SIGNED : 0) < 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
		}
	} else if (!strcmp(cmd, "note")) {
		if (vidx_case_note(h, id, by, text) < 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
		}
	} else if (!strcmp(cmd, "seal")) {
		int64_t seq = 0;
		char hash[65];
		if (vidx_case_seal(h, id, by, &seq, hash) < 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
		} else {
			printf("%lld %s\n", (long long)seq, hash);
		}
	} else if (!strcmp(cmd, "list")) {
		if (vidx_case_each(h, print_case, &g) != 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
		} else if (g.problems) {
			rc = EXIT_SOME_FAILED;
		}
	} else {
		vidx_custody_report r;
		int show = !strcmp(cmd, "show");
		size_t i;
		if (show) {
			g.only = id;
			if (vidx_case_each(h, print_case, &g) != 0) {
				cli_warn("%s", vidx_errmsg(h));
				rc = EXIT_SOME_FAILED;
			}
		}
		if (rc == EXIT_OK &&
		    vidx_custody_check(h, id, show ? NULL : print_event, &g, &r) != 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
		} else if (rc == EXIT_OK) {
			if (r.broken) {
				cli_warn("case '%s': custody log BROKEN: %zu event%s fail%s the check",
				         id, r.broken, r.broken == 1 ? "" : "s", r.broken == 1 ? "s" : "");
				rc = EXIT_SOME_FAILED;
			}
			for (i = 0; i < r.nanchors; i++)
				if (!r.anchors[i].ok) {
					cli_warn("case '%s': anchor %lld BROKEN: %s", id,
					         (long long)r.anchors[i].seq, r.anchors[i].why);
					rc = EXIT_SOME_FAILED;
				}
			if (show && !g.json && rc == EXIT_OK)
				printf("custody    intact (every event's hash and link check out)%s\n",
				       r.summary + strlen("chain intact"));
			else if (!show)
				cli_warn("case '%s': %s", id, r.summary);
		}
		if (rc == EXIT_OK && show && vidx_case_clips(h, id, print_clip, &g) != 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
		}
		if (rc == EXIT_OK && show && !g.json && !g.clips)
			printf("clips      none pulled yet\n");
		/* the cases table differing from the log: said above, and fails */
		if (g.problems)
			rc = EXIT_SOME_FAILED;
	}
out:
	vidx_free(h);
	return cli_flush(rc);
}
