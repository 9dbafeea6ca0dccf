/* handle.c - the library handle and its error message. */
#include <stdlib.h>
#include <string.h>

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

	if (!h)
		return code;
	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
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
