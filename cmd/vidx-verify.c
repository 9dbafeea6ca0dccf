/* vidx-verify - prove that nothing changed: recordings, case folders. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../libindex/vidx.h"
#include "cli.h"

static void usage(void)
{
	printf(
"usage: vidx-verify [-hV] [-d db] [--json] [--by name] [--key file]\n"
"                   [--trust file] [--host name]\n"
"                   [-c camera | --case id [--anchor seq:hash ...]]\n"
"       vidx-verify [-hV] [-d db] [--json] [--by name] [--key file]\n"
"                   [--trust file] [--host name] [--anchor seq:hash ...]\n"
"                   [--no-sources] dir\n"
"\n"
"Without DIR: re-hash the recordings in the index (all, one camera's, or\n"
"those a case's clips came from) at every path the index knows for them,\n"
"duplicates' too, and compare with the SHA-256 taken at ingest: ok,\n"
"modified or missing, per path.  A scope with no recordings is an error.\n"
"\n"
"With DIR, a case folder written by vidx-pull: SHA256SUMS; every clip\n"
"against the manifest (size, SHA-256, and its packets, read back); the\n"
"same packets taken again from its sources by the manifest's cut, and the\n"
"sources' SHA-256 (a native clip must be the sources' very bytes); and the\n"
"case's custody log: intact, and holding the pull of this manifest.\n"
"\n"
"Checking a case (--case or DIR) adds a verify event to its custody log.\n"
"\n"
"  -c, --camera ID     only this camera's recordings\n"
"  --case ID           the recordings the case's clips came from\n"
"  --by NAME           who verifies, for the custody log (default: the key's,\n"
"                      else $USER)\n"
"  --key FILE          sign the verify event with this key (default\n"
"                      $XDG_CONFIG_HOME/vidx/key, when there is one)\n"
"  --trust FILE        check every signature against the keys and\n"
"                      certificates in FILE (vidx key export outputs)\n"
"  --anchor SEQ:HASH   the case's log up to event SEQ must be unchanged\n"
"                      (a head kept elsewhere, as vidx-case seal prints it)\n"
"  --host NAME         the machine this is (default: its name): recordings\n"
"                      held only by another host are skipped, naming it\n"
"  --no-sources        DIR: do not read the sources (a folder checked away\n"
"                      from the evidence)\n"
"  --json              one JSON object per item\n"
"  -d, --db PATH       index (default $VIDX_DB, else ./vidx.db)\n"
"\n"
"One line per item.  Exit 0 when every item is ok, 1 when any is not (each\n"
"named), 2 on a usage error.\n");
	exit(EXIT_OK);
}

static int json_out;

static void on_check(void *ctx, const vidx_check *c)
{
	(void)ctx;
	if (json_out) {
		char *js = vidx_check_json(c);
		if (js)
			puts(js);
		free(js);
		return;
	}
	char ib[CLI_CLEAN_MAX], db[CLI_CLEAN_MAX];
	printf("%-8s %-9s %s%s%s\n", c->status, c->kind, cli_clean(c->item, ib, sizeof(ib)),
	       c->detail && *c->detail ? ": " : "", cli_clean(c->detail, db, sizeof(db)));
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"camera", required_argument, NULL, 'c'},
		{"case", required_argument, NULL, 'K'},
		{"no-sources", no_argument, NULL, 'S'},
		{"by", required_argument, NULL, 'b'},
		{"key", required_argument, NULL, 'k'},
		{"trust", required_argument, NULL, 'T'},
		{"anchor", required_argument, NULL, 'A'},
		{"host", required_argument, NULL, 'H'},
		{"json", no_argument, NULL, 'J'},
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *db = cli_default_db(), *camera = NULL, *case_id = NULL, *dir = NULL;
	const char *by = NULL, *keyfile = NULL, *trust = NULL, *anchors[64];
	vidx_anchor an[64];
	size_t nanchors = 0, i;

	int ch, rc = EXIT_OK, no_sources = 0, n;
	int db_given = getenv("VIDX_DB") && *getenv("VIDX_DB");
	struct stat sb;
	vidx *h;

	cli_prog = "vidx-verify";
	if (!(h = vidx_new())) {
		cli_warn("out of memory");
		return EXIT_SOME_FAILED;
	}
	while ((ch = getopt_long(argc, argv, "c:d:hV", lo, NULL)) != -1) {
		switch (ch) {
		case 'c': camera = optarg; break;
		case 'K': case_id = optarg; break;
		case 'S': no_sources = 1; break;
		case 'b': by = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'T': trust = optarg; break;
		case 'A':
			if (nanchors == 64)
				cli_usage_error("at most 64 --anchor");
			anchors[nanchors++] = optarg;
			break;
		case 'H':
			if (vidx_set_host(h, optarg) < 0)
				cli_usage_error("--host: %s", vidx_errmsg(h));
			break;
		case 'J': json_out = 1; break;
		case 'd': db = optarg; db_given = 1; break;
		case 'h': usage(); break;
		case 'V': cli_version(); break;
		default:
			cli_bad_option();
		}
	}
	if (optind < argc)
		dir = argv[optind++];
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (camera && case_id)
		cli_usage_error("give --camera or --case, not both");
	if (dir && (camera || case_id))
		cli_usage_error("a folder is checked on its own: no --camera or --case");
	if (no_sources && !dir)
		cli_usage_error("--no-sources goes with a folder");
	if (nanchors && !case_id && !dir)
		cli_usage_error("--anchor goes with --case or a folder");
	for (i = 0; i < nanchors; i++)
		if (vidx_anchor_parse(h, anchors[i], &an[i]) < 0)
			cli_usage_error("--anchor '%s': %s", anchors[i], vidx_errmsg(h));
	if (by && !vidx_operator_valid(by))
		cli_usage_error("--by: one line of UTF-8 text without control characters");
	if ((nanchors && vidx_use_anchors(h, an, nanchors) < 0) ||
	    cli_use_key(h, keyfile, &by, by != NULL) < 0 ||
	    (trust && cli_use_trust(h, trust) < 0)) {
		rc = EXIT_SOME_FAILED;
		goto out;
	}
	if (!by)
		by = getenv("USER");
	if (!by || !*by)
		by = "vidx-verify";
	if (!vidx_operator_valid(by))
		cli_usage_error("--by: one line of UTF-8 text without control characters");

	if (dir) {
		if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
			cli_warn("'%s': not a folder", dir);
			rc = EXIT_SOME_FAILED;
			goto out;
		}
		/* the folder can be checked without an index (its custody check
		 * is then skipped), but an index asked for must be there */
		if (db_given && access(db, F_OK) < 0) {
			cli_warn("cannot open index '%s': No such file or directory", db);
			rc = EXIT_SOME_FAILED;
			goto out;
		}
		if (access(db, F_OK) == 0 && vidx_open(h, db, 0) < 0 &&
		    vidx_open(h, db, VIDX_OPEN_READONLY) < 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
			goto out;
		}
		n = vidx_verify_dir(h, dir, no_sources, by, on_check, NULL);
	} else {
		if (vidx_open(h, db, case_id ? 0 : VIDX_OPEN_READONLY) < 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
			goto out;
		}
		n = vidx_verify_recordings(h, camera, case_id, by, on_check, NULL);
	}
	if (n < 0) {
		cli_warn("%s", vidx_errmsg(h));
		rc = EXIT_SOME_FAILED;
	} else if (n > 0) {
		cli_warn("%d item%s failed verification", n, n == 1 ? "" : "s");
		rc = EXIT_SOME_FAILED;
	}
out:
	vidx_free(h);
	return cli_flush(rc);
}
