/* handle.c - the library handle: its error message and its host. */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

vidx *vidx_new(void)
{
	return calloc(1, sizeof(vidx));
}

void vidx_free(vidx *h)
{
	int i;

	if (!h)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(h->st[i]);
	sqlite3_close(h->db);
	vidx_key_free(h->key);
	vidx_trust_free(h->trust);
	vidx__cert_free(h->cert);
	free(h->anchors);
	free(h);
}

const char *vidx_errmsg(const vidx *h)
{
	return h ? h->err : "out of memory";
}

const char *vidx_version(void)
{
	return VIDX_VERSION;
}

int vidx__fail(vidx *h, int code, const char *fmt, ...)
{
	va_list ap;
	char msg[sizeof(((vidx *)0)->err)];

	if (!h)
		return code;
	/* formatted aside first: the message may quote the handle's own
	 * (vidx__fail(h, rc, "--at: %s", vidx_errmsg(h))) */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(h->err, msg, strlen(msg) + 1);
	return code;
}

sqlite3_stmt *vidx__stmt(vidx *h, int i, const char *sql)
{
	if (!h->st[i]) {
		if (sqlite3_prepare_v3(h->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
		                       &h->st[i], NULL) != SQLITE_OK) {
			vidx__fail(h, VIDX_ERR, "index: %s", sqlite3_errmsg(h->db));
			return NULL;
		}
		return h->st[i];
	}
	sqlite3_reset(h->st[i]);
	sqlite3_clear_bindings(h->st[i]);
	return h->st[i];
}

static int host_valid(const char *s)
{
	size_t n = strlen(s), i;
	if (!n || n > 255)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return 0;
	return vidx__utf8_valid(s);
}

int vidx_set_host(vidx *h, const char *name)
{
	char buf[256];

	if (!name) {
		/* a name too long for the buffer is cut, not refused */
		if (gethostname(buf, sizeof(buf)) < 0 || (buf[sizeof(buf) - 1] = 0, !*buf))
			snprintf(buf, sizeof(buf), "localhost");
		name = buf;
	}
	if (!host_valid(name))
		return vidx__fail(h, VIDX_EINVAL, "invalid host name: use 1-255 printable "
		                  "characters of UTF-8 text without spaces");
	snprintf(h->host, sizeof(h->host), "%s", name);
	return 0;
}

const char *vidx_host(vidx *h)
{
	if (!h->host[0] && vidx_set_host(h, NULL) < 0)
		snprintf(h->host, sizeof(h->host), "localhost");
	return h->host;
}
