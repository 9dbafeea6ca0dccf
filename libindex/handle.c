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
	if (!h)
		return;
	sqlite3_close(h->db);
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
