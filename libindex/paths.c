/*
 * paths.c - where a recording can be read: the paths the index knows for
 * it, and the host each was seen on.
 *
 * A merged index holds recordings from many machines.  A path is tried
 * here when it was seen on this host or on no recorded host (before hosts
 * were recorded); a path of another host is tried too, last, because
 * shared storage mounts the same path everywhere, and the SHA-256 checked
 * after reading decides whether it is the recording.  When nothing can be
 * read, the caller can say which machine holds it instead of "missing".
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

int vidx__unhex32(const char *hex, unsigned char out[32])
{
	int i;

	if (!hex || strlen(hex) != 64 || strspn(hex, "0123456789abcdefABCDEF") != 64)
		return -1;
	for (i = 0; i < 32; i++) {
		char b[3] = {hex[2 * i], hex[2 * i + 1], 0};
		out[i] = (unsigned char)strtoul(b, NULL, 16);
	}
	return 0;
}

int vidx__recording_by_sha(vidx *h, const char *hex, int64_t *id)
{
	unsigned char d[32];
	sqlite3_stmt *st = NULL;
	int rc;

	if (vidx__unhex32(hex, d) < 0)
		return 0;
	if (sqlite3_prepare_v2(h->db, "SELECT id FROM recordings WHERE sha256 = ?1",
	                       -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "reading recordings");
	sqlite3_bind_blob(st, 1, d, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : vidx__sql_fail(h, "reading recordings");
}

int vidx__path_find(vidx *h, int64_t id, char *out, size_t n, char *elsewhere,
                    size_t en)
{
	sqlite3_stmt *st = NULL;
	const char *me = vidx_host(h);
	int found = 0, rc = SQLITE_DONE, others = 0, mine = 0;

	*out = 0;
	*elsewhere = 0;
	if (sqlite3_prepare_v2(h->db,
	        "SELECT p.host, p.path, p.host = ?2 OR p.host = '', p.host = ?2"
	        " FROM recording_paths p"
	        " JOIN recordings r ON r.id = p.recording_id WHERE p.recording_id = ?1"
	        " ORDER BY p.host = ?2 OR p.host = '' DESC,"
	        "  p.path = r.path AND p.host = r.host DESC, p.seen, p.host, p.path",
	        -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "reading recording paths");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, me, -1, SQLITE_STATIC);
	while (!found && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *host = (const char *)sqlite3_column_text(st, 0);
		const char *path = (const char *)sqlite3_column_text(st, 1);
		if (!host || !path)
			continue;
		mine += sqlite3_column_int(st, 3);
		if (access(path, R_OK) == 0) {
			snprintf(out, n, "%s", path);
			found = 1;
		} else if (!sqlite3_column_int(st, 2) && !others++) {
			snprintf(elsewhere, en, "on host '%s' at '%s'", host, path);
		}
	}
	if (!found && rc != SQLITE_DONE) {
		sqlite3_finalize(st);
		return vidx__sql_fail(h, "reading recording paths");
	}
	sqlite3_finalize(st);
	if (!found && others > 1) {
		size_t l = strlen(elsewhere);
		snprintf(elsewhere + l, en - l, " (and %d more path%s on other hosts)",
		         others - 1, others == 2 ? "" : "s");
	}
	if (found)
		return VIDX__PATH_FOUND;
	return others && !mine ? VIDX__PATH_ELSEWHERE : VIDX__PATH_MISSING;
}
