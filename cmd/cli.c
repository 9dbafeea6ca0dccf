/* cli.c - shared by the vidx-* tools; see cli.h. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "../libindex/vidx.h"

const char *cli_prog = "vidx";

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", cli_prog);
	exit(EXIT_USAGE);
}

void cli_bad_option(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", cli_prog);
	exit(EXIT_USAGE);
}

const char *cli_default_db(void)
{
	const char *e = getenv("VIDX_DB");
	return e && *e ? e : "./vidx.db";
}

void cli_version(void)
{
	printf("%s (vidx) %s\n", cli_prog, vidx_version());
	exit(EXIT_OK);
}

void cli_check_tz_env(void)
{
	const char *e = getenv("TZ");
	if (e && *e && !vidx_tz_valid(*e == ':' ? e + 1 : e))
		cli_usage_error("unknown time zone '%s' in $TZ", e);
}

int cli_flush(int rc)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_warn("write error on standard output");
		return EXIT_SOME_FAILED;
	}
	return rc;
}
