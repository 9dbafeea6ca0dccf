/*
 * custody.c - cases and their append-only custody log.
 *
 * Each event stores the hash of the case's previous event (64 zeros for
 * the first) and a SHA-256 over its own fields, each length-prefixed so no
 * choice of text can make two events hash alike.  Editing an event breaks
 * its own hash; deleting one breaks the next event's link.  Triggers refuse
 * UPDATE and DELETE so that only someone bypassing vidx can try, and the
 * chain shows it.  (Removing the newest events leaves a shorter valid
 * chain: a case folder keeps the head it saw, so verify can tell.)
 *
 * Hash rules: rule 2 (from schema v5) covers the event's place in its
 * case's log, so a case's chain is the same in any index it is merged
 * into; rule 1 covered an index-wide counter, which events made before v5
 * keep beside their place (old_seq) and are still checked by.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "internal.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static void field(EVP_MD_CTX *md, const char *s)
{
	char len[24];
	size_t n = strlen(s);
	snprintf(len, sizeof(len), "%zu:", n);
	EVP_DigestUpdate(md, len, strlen(len));
	EVP_DigestUpdate(md, s, n);
}

/* hash of one event by RULE (1 or 2; SEQ is the number that rule
 * covers); OUT gets 64 hex digits */
static int event_hash(int rule, const char *prev, const char *case_id, int64_t seq,
                      int64_t at, const char *by, const char *kind,
                      const char *detail, char out[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[32];
	unsigned int len = 0, i;
	char num[2][24];
	int ok;

	if (!md)
		return -1;
	snprintf(num[0], sizeof(num[0]), "%lld", (long long)seq);
	snprintf(num[1], sizeof(num[1]), "%lld", (long long)at);
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	if (ok) {
		field(md, rule == 1 ? "vidx-custody-1" : "vidx-custody-2");
		field(md, prev);
		field(md, case_id);
		field(md, num[0]);
		field(md, num[1]);
		field(md, by);
		field(md, kind);
		field(md, detail);
		ok = EVP_DigestFinal_ex(md, d, &len) && len == 32;
	}
	EVP_MD_CTX_free(md);
	if (!ok)
		return -1;
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	return 0;
}

/* Append an event inside the caller's transaction. */
static int append(vidx *h, const char *case_id, const char *by,
                  const char *kind, const char *detail, int64_t at, char hash[65])
{
	sqlite3_stmt *st = NULL;
	char prev[65] = ZERO_HASH;
	int64_t seq = 1;
	int rc;

	/* the case's newest event: its hash is the link, its place + 1 ours */
	if (sqlite3_prepare_v2(h->db, "SELECT hash, seq FROM custody WHERE case_id = ?1"
	                       " ORDER BY seq DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "reading custody log");
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(prev, sizeof(prev), "%s", (const char *)sqlite3_column_text(st, 0));
		seq = sqlite3_column_int64(st, 1) + 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return vidx__sql_fail(h, "reading custody log");
	if (event_hash(2, prev, case_id, seq, at, by, kind, detail, hash) < 0)
		return vidx__fail(h, VIDX_ERR, "SHA-256 failed");
	if (sqlite3_prepare_v2(h->db, "INSERT INTO custody (seq, case_id, at, by, kind,"
	                       " detail, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
	                       " ?7, ?8)", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "writing custody log");
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : vidx__sql_fail(h, "writing custody log");
}

int vidx__case_exists(vidx *h, const char *id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(h->db, "SELECT 1 FROM cases WHERE id = ?1", -1, &st,
	                       NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "reading cases");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return vidx__fail(h, VIDX_ENOENT, "unknown case '%s'", id);
	return vidx__sql_fail(h, "reading cases");
}

/* {"KEY":VALUE} as compact JSON */
static char *json1(const char *key, const char *value)
{
	json_t *o = json_object(), *v = json_string(value); /* NULL: not UTF-8 */
	char *s = NULL;
	if (o && v && json_object_set_new(o, key, v) == 0)
		s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	else
		json_decref(v);
	json_decref(o);
	return s;
}

/* names and titles are one line of printable text */
static int one_line(const char *s);

int vidx_operator_valid(const char *by)
{
	return by && *by && one_line(by);
}

static int one_line(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

int vidx_case_new(vidx *h, const char *id, const char *title, const char *by)
{
	sqlite3_stmt *st = NULL;
	char hash[65], *detail = NULL;
	int64_t now = vidx__now(); /* the case's time is its first event's */
	int rc;

	if (!vidx_id_valid(id))
		return vidx__fail(h, VIDX_EINVAL, "invalid case id: use 1-64 letters, "
		                  "digits, '.', '_', '-', not starting with '.' or '-'");
	if (!title || !*title)
		return vidx__fail(h, VIDX_EINVAL, "a case needs a title");
	if (!one_line(title) || !one_line(by))
		return vidx__fail(h, VIDX_EINVAL, "the title and the operator's name "
		                  "must be one line without control characters");
	if (!(detail = json1("title", title)))
		return vidx__fail(h, VIDX_EINVAL, "the title is not valid UTF-8");
	if ((rc = vidx__exec_begin(h)) < 0)
		goto out;
	if (sqlite3_prepare_v2(h->db, "INSERT INTO cases (id, title, created,"
	                       " created_by) VALUES (?1, ?2, ?3, ?4)", -1, &st,
	                       NULL) != SQLITE_OK) {
		rc = vidx__sql_fail(h, "adding case");
	} else {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? 0
		   : rc == SQLITE_CONSTRAINT ? vidx__fail(h, VIDX_EEXIST, "case '%s' already exists", id)
		   : vidx__sql_fail(h, "adding case");
	}
	sqlite3_finalize(st);
	if (rc == 0)
		rc = append(h, id, by, "case created", detail, now, hash);
	rc = vidx__exec_end(h, rc);
out:
	free(detail);
	return rc;
}

int vidx_custody_add(vidx *h, const char *case_id, const char *by,
                     const char *kind, const char *detail_json, char hash[65])
{
	char tmp[65];
	int rc;

	if (!one_line(by) || !one_line(kind))
		return vidx__fail(h, VIDX_EINVAL, "the operator's name must be one line "
		                  "without control characters");
	if ((rc = vidx__exec_begin(h)) < 0)
		return rc;
	rc = vidx__case_exists(h, case_id);
	if (rc == 0)
		rc = append(h, case_id, by, kind, detail_json, vidx__now(),
		            hash ? hash : tmp);
	return vidx__exec_end(h, rc);
}

int vidx_case_note(vidx *h, const char *case_id, const char *by, const char *text)
{
	char *detail;
	int rc;

	if (!text || !*text)
		return vidx__fail(h, VIDX_EINVAL, "an empty note");
	if (!(detail = json1("text", text)))
		return vidx__fail(h, VIDX_EINVAL, "the note is not valid UTF-8");
	rc = vidx_custody_add(h, case_id, by, "note", detail, NULL);
	free(detail);
	return rc;
}

int vidx_case_each(vidx *h, int (*cb)(void *ctx, const vidx_case *c), void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	if (sqlite3_prepare_v2(h->db, "SELECT c.id, c.title, c.created, c.created_by,"
	                       " (SELECT count(*) FROM custody e WHERE e.case_id = c.id)"
	                       " FROM cases c ORDER BY c.id", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "listing cases");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		vidx_case c;
		int stop;
		c.id = (const char *)sqlite3_column_text(st, 0);
		c.title = (const char *)sqlite3_column_text(st, 1);
		c.created = sqlite3_column_int64(st, 2);
		c.created_by = (const char *)sqlite3_column_text(st, 3);
		c.events = sqlite3_column_int64(st, 4);
		if ((stop = cb(ctx, &c)) != 0) {
			sqlite3_finalize(st);
			return stop;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : vidx__sql_fail(h, "listing cases");
}

int vidx_custody_each(vidx *h, const char *case_id,
                      int (*cb)(void *ctx, const vidx_event *e), void *ctx,
                      size_t *broken)
{
	sqlite3_stmt *st = NULL;
	char prev[65] = ZERO_HASH;
	int rc;

	*broken = 0;
	if ((rc = vidx__need_db(h)) < 0 || (rc = vidx__case_exists(h, case_id)) < 0)
		return rc;
	if (sqlite3_prepare_v2(h->db, "SELECT seq, at, by, kind, detail, prev, hash,"
	                       " old_seq FROM custody WHERE case_id = ?1 ORDER BY seq",
	                       -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "reading custody log");
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		vidx_event e;
		char want[65];
		int stop;
		memset(&e, 0, sizeof(e));
		e.case_id = case_id;
		e.seq = sqlite3_column_int64(st, 0);
		e.at = sqlite3_column_int64(st, 1);
		e.by = (const char *)sqlite3_column_text(st, 2);
		e.kind = (const char *)sqlite3_column_text(st, 3);
		e.detail = (const char *)sqlite3_column_text(st, 4);
		e.prev = (const char *)sqlite3_column_text(st, 5);
		e.hash = (const char *)sqlite3_column_text(st, 6);
		e.rule = sqlite3_column_type(st, 7) == SQLITE_NULL ? 2 : 1;
		e.old_seq = e.rule == 1 ? sqlite3_column_int64(st, 7) : 0;
		if (!e.by || !e.kind || !e.detail || !e.prev || !e.hash) {
			e.problem = "damaged: a field is missing";
		} else if (event_hash(e.rule, e.prev, case_id, e.rule == 1 ? e.old_seq : e.seq,
		                      e.at, e.by, e.kind, e.detail, want) < 0) {
			sqlite3_finalize(st);
			return vidx__fail(h, VIDX_ERR, "SHA-256 failed");
		} else if (strcmp(want, e.hash)) {
			e.problem = "edited: its hash does not match its content";
		} else if (strcmp(e.prev, prev)) {
			e.problem = "chain broken: the event before it was removed or changed";
		}
		if (e.problem)
			(*broken)++;
		snprintf(prev, sizeof(prev), "%s", e.hash ? e.hash : "");
		if (cb && (stop = cb(ctx, &e)) != 0) {
			sqlite3_finalize(st);
			return stop;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : vidx__sql_fail(h, "reading custody log");
}

/* ---- the clips a case's log records -------------------------------------- */

typedef struct clipwalk {
	int (*cb)(void *ctx, const vidx_case_clip *c);
	void *ctx;
	vidx *h;
	int rc;
} clipwalk;

static int64_t parse_time(vidx *h, json_t *v)
{
	int64_t us;
	const char *s = json_string_value(v);
	if (!s || vidx_time_parse(h, s, "UTC", &us) < 0)
		return VIDX_TIME_NONE;
	return us;
}

static int clip_event(void *ctx, const vidx_event *e)
{
	clipwalk *w = ctx;
	json_t *d, *c;
	size_t i;
	int rc = 0;

	if (strcmp(e->kind, "pull") || !(d = json_loads(e->detail, 0, NULL)))
		return 0;
	json_array_foreach(json_object_get(d, "clips"), i, c) {
		json_t *srcs = json_object_get(c, "sources"), *s;
		size_t n = json_array_size(srcs), k;
		int64_t *ids = calloc(n ? n : 1, sizeof(*ids));
		const char **sha = calloc(n ? n : 1, sizeof(*sha));
		vidx_case_clip cc;
		if (!ids || !sha) {
			free(ids);
			free(sha);
			rc = w->rc = vidx__fail(w->h, VIDX_ENOMEM, "out of memory");
			break;
		}
		json_array_foreach(srcs, k, s) {
			/* the recording of that SHA-256 in this index: the row id an
			 * event made before v5 names may be another's after a merge */
			sha[k] = json_string_value(json_object_get(s, "sha256"));
			if (!sha[k])
				sha[k] = "";
			ids[k] = -1;
			if (vidx__recording_by_sha(w->h, sha[k], &ids[k]) < 0) {
				rc = w->rc = VIDX_ERR;
				break;
			}
		}
		if (rc) {
			free(ids);
			free(sha);
			break;
		}
		memset(&cc, 0, sizeof(cc));
		cc.case_id = e->case_id;
		cc.by = e->by;
		cc.seq = e->seq;
		cc.at = e->at;
		cc.folder = json_string_value(json_object_get(d, "folder"));
		cc.path = json_string_value(json_object_get(c, "path"));
		cc.sha256 = json_string_value(json_object_get(c, "sha256"));
		cc.camera = json_string_value(json_object_get(c, "camera"));
		cc.start = parse_time(w->h, json_object_get(c, "start"));
		cc.end = parse_time(w->h, json_object_get(c, "end"));
		cc.recording_ids = ids;
		cc.source_sha256 = sha;
		cc.nsources = n;
		if (!cc.folder)
			cc.folder = "";
		if (!cc.path)
			cc.path = "";
		if (!cc.sha256)
			cc.sha256 = "";
		if (!cc.camera)
			cc.camera = "";
		rc = w->cb(w->ctx, &cc);
		free(ids);
		free(sha);
		if (rc)
			break;
	}
	json_decref(d);
	return rc;
}

int vidx_case_clips(vidx *h, const char *case_id,
                    int (*cb)(void *ctx, const vidx_case_clip *c), void *ctx)
{
	clipwalk w = {cb, ctx, h, 0};
	size_t broken = 0;
	int rc = vidx_custody_each(h, case_id, clip_event, &w, &broken);
	return w.rc < 0 ? w.rc : rc;
}
