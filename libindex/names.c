/*
 * names.c - the names the library gives its enums (tables and JSON print
 * them) and the ids people give cameras and cases.
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
