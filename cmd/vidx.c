/* vidx - run `vidx NAME ARGS` as `vidx-NAME ARGS`, as git does. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../libindex/vidx.h"
#include "cli.h"

static const struct {
	const char *name, *what;
} tools[] = {
	{"probe", "what is in a recording, where its keyframes are, when it was shot"},
	{"camera", "cameras: add, set, rm, list, show, import, clock observations"},
	{"ingest", "hash, probe and index recordings for a camera"},
	{"ls", "list the recordings in the index"},
	{"query", "which cameras saw a place in a time window; coverage and gaps"},
	{"case", "cases and their append-only, hash-chained custody log"},
	{"pull", "cut the footage found into a case folder, losslessly"},
	{"verify", "re-hash recordings; check a case folder against its sources"},
	{"still", "what every camera showed at one true instant: PNGs, contact sheets"},
	{"mosaic", "the cameras side by side on true time, as one MP4"},
	{"merge", "many hosts' shards into one index"},
	{"report", "the case as one offline page; timelines for Timesketch, plaso"},
	{"key", "an operator's signing key; the certificate for signed exports"},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: vidx [-hV] command [args ...]\n"
	           "       vidx help [command]\n\ncommands:\n");
	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		fprintf(f, "  %-10s %s\n", tools[i].name, tools[i].what);
	fprintf(f, "\n'vidx help COMMAND' or 'vidx COMMAND --help' for one command;"
	           " man vidx(7) for concepts.\n");
}

/* exec vidx-NAME: first beside this binary, then on $PATH */
static void run(const char *name, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 160], prog[128];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (strchr(name, '/') || strlen(name) > 64)
		cli_usage_error("'%s' is not a vidx command", name);
	snprintf(prog, sizeof(prog), "vidx-%s", name);
	argv[0] = prog;
	if (n > 0) {
		char *slash;
		self[n] = 0;
		if ((slash = strrchr(self, '/'))) {
			*slash = 0;
			snprintf(path, sizeof(path), "%s/%s", self, prog);
			if (access(path, X_OK) == 0)
				execv(path, argv);
		}
	}
	execvp(prog, argv);
	if (errno == ENOENT)
		cli_usage_error("'%s' is not a vidx command; see 'vidx help'", name);
	cli_warn("cannot run %s: %s", prog, strerror(errno));
	exit(EXIT_SOME_FAILED);
}

int main(int argc, char **argv)
{
	cli_prog = "vidx";
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))
		cli_version();
	if (!strcmp(argv[1], "help")) {
		char *a[] = {NULL, "--help", NULL};
		if (argc < 3) {
			usage(stdout);
			return EXIT_OK;
		}
		run(argv[2], a);
	}
	if (argv[1][0] == '-')
		cli_usage_error("unknown option '%s'", argv[1]);
	run(argv[1], argv + 1);
	return EXIT_SOME_FAILED;
}
