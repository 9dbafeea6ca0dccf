/* cli.h - what every vidx tool does the same way: messages and exit codes. */
#ifndef VIDX_CLI_H
#define VIDX_CLI_H

#include <stdarg.h>

#include "../libindex/vidx.h"

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

/* GPX 1.1 wants every <wpt> before any <trk>, but recordings come in
 * their own order: waypoints go to stdout as they come and tracks wait in
 * a temporary file (not memory: a track can be long), copied out by
 * cli_gpx_end before the tail.  Both return 0, or -1 on a write error. */
int cli_gpx_put(const char *elem, int waypoint);
int cli_gpx_end(void);

/* --tile WxH of vidx-still and vidx-mosaic: even, 16x16 to 8192x8192, or
 * a usage error */
void cli_tile_size(const char *s, int *w, int *hh);

/* S for a table cell or a message: control characters shown as \n, \t
 * or \xNN, so a file name from evidence cannot break a line.  Returns BUF
 * (N bytes), cut short if it does not fit. */
const char *cli_clean(const char *s, char *buf, size_t n);
#define CLI_CLEAN_MAX 4096

/* The key that signs what this run writes: FILE (--key), else the default
 * key ($XDG_CONFIG_HOME/vidx/key) when there is one.  h signs with it from
 * then on.  *BY must be its operator when BY_GIVEN (--by), else becomes
 * it.  0, or -1 after saying why (the caller exits 1: a named key that is
 * missing, a key others can read, a key of someone else). */
int cli_use_key(vidx *h, const char *file, const char **by, int by_given);
/* 1 when the default key file is there */
int cli_have_default_key(void);
/* --sign: the export certificate and its key, FILE or the defaults
 * ($XDG_CONFIG_HOME/vidx/cert.pem, cert-key.pem); 0 or -1 as above. */
int cli_use_cert(vidx *h, const char *cert, const char *cert_key);
/* --trust FILE for h's signature checks; 0 or -1 as above. */
int cli_use_trust(vidx *h, const char *file);

/* The place x time selectors vidx-query and vidx-pull share. */
typedef struct cli_sel {
	vidx_query q;
	const char *cams[64], *tags[16];
	const char *from, *to, *at, *pad, *tz, *radius, *near, *bbox;
	int given; /* how many selector or time options were given */
} cli_sel;
#define CLI_SEL_OPTIONS \
	{"near", required_argument, NULL, 'N'}, \
	{"radius", required_argument, NULL, 'R'}, \
	{"bbox", required_argument, NULL, 'B'}, \
	{"camera", required_argument, NULL, 'c'}, \
	{"tag", required_argument, NULL, 'T'}, \
	{"from", required_argument, NULL, 'f'}, \
	{"to", required_argument, NULL, 't'}, \
	{"at", required_argument, NULL, 'a'}, \
	{"pad", required_argument, NULL, 'p'}, \
	{"tz", required_argument, NULL, 'z'}
/* getopt's CH with ARG: 1 when it is a selector (taken), else 0 */
int cli_sel_option(cli_sel *s, int ch, const char *arg);
/* Check and convert the selectors into S->q; usage error (exit 2) when they
 * are bad, or when NEED_WINDOW and no window was given. */
void cli_sel_finish(vidx *h, cli_sel *s, int need_window);

#endif
