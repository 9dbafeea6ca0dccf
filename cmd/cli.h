/* cli.h - what every vidx tool does the same way: messages and exit codes. */
#ifndef VIDX_CLI_H
#define VIDX_CLI_H

#include <stdarg.h>

enum { EXIT_OK = 0, EXIT_SOME_FAILED = 1, EXIT_USAGE = 2 };

extern const char *cli_prog;

/* "vidx-NAME: message" on stderr, err(3)-style. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the message and exit with status 2, pointing at --help. */
void cli_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
/* After getopt has named a bad option: the --help hint, exit status 2. */
void cli_bad_option(void) __attribute__((noreturn));
/* The -d/--db default: $VIDX_DB, else ./vidx.db. */
const char *cli_default_db(void);
void cli_version(void) __attribute__((noreturn));
/* Usage error when $TZ names a zone the tz database does not know (glibc
 * would read it as UTC without a word). */
void cli_check_tz_env(void);
/* Flush stdout: a write error (a full disk, a closed pipe) is a failure,
 * named on stderr, and turns RC into 1.  Returns the exit status. */
int cli_flush(int rc);

#endif
