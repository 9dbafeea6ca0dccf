/*
 * names.c - the names the library gives its enums (tables and JSON print
 * them), the ids people give cameras and cases, and the test the text
 * people give (names, notes, hosts) passes before it enters an index.
 */
#include <ctype.h>
#include <string.h>

#include "internal.h"

const char *vidx_source_name(int src)
{
	switch (src) {
	case VIDX_SRC_MANUAL: return "manual";
	case VIDX_SRC_GPS: return "gps";
	case VIDX_SRC_DEVICE: return "device";
	case VIDX_SRC_FILENAME: return "filename";
	case VIDX_SRC_STREAM: return "stream";
	case VIDX_SRC_CONTAINER: return "container";
	case VIDX_SRC_MTIME: return "mtime";
	default: return "none";
	}
}

const char *vidx_status_name(int status)
{
	switch (status) {
	case VIDX_INGESTED: return "ingested";
	case VIDX_DUPLICATE: return "duplicate";
	default: return "failed";
	}
}

int vidx_id_valid(const char *id)
{
	size_t i, n = id ? strlen(id) : 0;

	if (n == 0 || n > 64 || id[0] == '.' || id[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && !strchr("._-", id[i]))
			return 0;
	return 1;
}

size_t vidx__utf8_len(const unsigned char *p)
{
	unsigned c = p[0];
	size_t n, i;
	unsigned v;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, v = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) ||
	    (n == 4 && (v < 0x10000 || v > 0x10ffff)))
		return 0;
	return n;
}

/* Text people type is kept as given, so it must be text: bytes that are
 * not UTF-8 could only be exported (JSON, reports) as an escape, which
 * reads back as different text. */
int vidx__utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n;

	for (; *p; p += n)
		if (!(n = vidx__utf8_len(p)))
			return 0;
	return 1;
}

const char *vidx_sig_state_name(int state)
{
	switch (state) {
	case VIDX_SIG_VALID: return "valid";
	case VIDX_SIG_TRUSTED: return "trusted";
	case VIDX_SIG_UNCHECKED: return "unchecked";
	case VIDX_SIG_BAD: return "bad";
	default: return "unsigned";
	}
}
