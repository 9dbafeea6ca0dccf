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
 *
 * Signatures (schema v10): an operator with a key signs the event's hash
 * (its 64 hex digits, as ASCII) with Ed25519; the event keeps the key's
 * fingerprint and the signature beside its fields, outside the hash, so
 * the chain and its old events are as they were.  A chain anyone could
 * recompute; a signature only the key's holder can make, so a log checked
 * against a trust file held outside the index shows who wrote each event.
 * A case opened signed says so in its first event (inside the chain):
 * every later event must be signed.  An anchor (a seal's head kept
 * outside) shows the log up to it is unchanged: the newest events can be
 * removed or rewritten without breaking the chain, not without breaking
 * an anchor.
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
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

/* the signature of event hash HASH with h's key, base64 (malloc'ed), and
 * the key's public half kept in the index for reading; NULL *SIG without
 * a key */
static int sign_event(vidx *h, const char *hash, char **sig)
{
	const vidx_key *k = vidx__key(h);
	sqlite3_stmt *st = NULL;
	unsigned char raw[64];
	int rc;

	*sig = NULL;
	if (!k)
		return 0;
	if ((rc = vidx__sign(h, hash, strlen(hash), raw)) < 0)
		return rc;
	if (!(*sig = vidx__b64(raw, sizeof(raw))))
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	if (sqlite3_prepare_v2(h->db, "INSERT OR IGNORE INTO keys (fingerprint, name,"
	                       " public_key, added) VALUES (?1, ?2, ?3, ?4)", -1, &st,
	                       NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "writing keys");
	sqlite3_bind_text(st, 1, vidx_key_fingerprint(k), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, vidx_key_name(k), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, vidx__key_pem(k), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, vidx__now());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : vidx__sql_fail(h, "writing keys");
}

/* Append an event inside the caller's transaction. */
static int append(vidx *h, const char *case_id, const char *by,
                  const char *kind, const char *detail, int64_t at, char hash[65])
{
	sqlite3_stmt *st = NULL;
	char prev[65] = ZERO_HASH, *sig = NULL;
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
	if ((rc = sign_event(h, hash, &sig)) < 0)
		return rc;
	if (sqlite3_prepare_v2(h->db, "INSERT INTO custody (seq, case_id, at, by, kind,"
	                       " detail, prev, hash, key, sig) VALUES (?1, ?2, ?3, ?4,"
	                       " ?5, ?6, ?7, ?8, ?9, ?10)", -1, &st, NULL) != SQLITE_OK) {
		free(sig);
		return vidx__sql_fail(h, "writing custody log");
	}
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, hash, -1, SQLITE_STATIC);
	if (sig) {
		sqlite3_bind_text(st, 9, vidx_key_fingerprint(vidx__key(h)), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, sig, -1, SQLITE_STATIC);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	free(sig);
	return rc == SQLITE_DONE ? 0 : vidx__sql_fail(h, "writing custody log");
}

/* Does case ID require signed events?  Its first event says so. */
int vidx_case_signed(vidx *h, const char *case_id)
{
	sqlite3_stmt *st = NULL;
	int rc, r = 0;

	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	if (sqlite3_prepare_v2(h->db, "SELECT detail FROM custody WHERE case_id = ?1"
	                       " ORDER BY seq LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "reading custody log");
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 0);
		json_t *j = d ? json_loads(d, 0, NULL) : NULL;
		r = json_is_true(json_object_get(j, "signed"));
		json_decref(j);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return vidx__sql_fail(h, "reading custody log");
	return r;
}

/* an event of a signed case without a key is refused before anything */
static int need_key(vidx *h, const char *case_id)
{
	int r = vidx_case_signed(h, case_id);
	if (r < 0)
		return r;
	if (r && !vidx__key(h))
		return vidx__fail(h, VIDX_EINVAL, "case '%s' requires signed events and "
		                  "there is no key to sign with (--key FILE, or make one "
		                  "with vidx key new)", case_id);
	return 0;
}

int vidx__custody_need_key(vidx *h, const char *case_id)
{
	return need_key(h, case_id);
}

int vidx__custody_head(vidx *h, const char *case_id, int64_t *seq, char hash[65])
{
	sqlite3_stmt *st = NULL;
	int rc;

	*seq = 0;
	hash[0] = 0;
	if (sqlite3_prepare_v2(h->db, "SELECT seq, hash FROM custody WHERE case_id = ?1"
	                       " ORDER BY seq DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "reading custody log");
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		snprintf(hash, 65, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : vidx__sql_fail(h, "reading custody log");
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

/* names and titles are one line of printable text, in UTF-8 */
static int one_line(const char *s);

int vidx_operator_valid(const char *by)
{
	return by && *by && one_line(by);
}

static int one_line(const char *s)
{
	const char *p;

	for (p = s; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return vidx__utf8_valid(s);
}

int vidx_case_new(vidx *h, const char *id, const char *title, const char *by)
{
	return vidx_case_open(h, id, title, by, 0);
}

int vidx_case_open(vidx *h, const char *id, const char *title, const char *by,
                   int flags)
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
		                  "must be one line of UTF-8 text without control "
		                  "characters");
	if ((flags & VIDX_CASE_SIGNED) && !vidx__key(h))
		return vidx__fail(h, VIDX_EINVAL, "a signed case needs a key to sign its "
		                  "first event with (--key FILE, or make one with vidx key "
		                  "new)");
	if (!(detail = json1("title", title)))
		return vidx__fail(h, VIDX_EINVAL, "the title is not valid UTF-8");
	if (flags & VIDX_CASE_SIGNED) {
		/* inside the chain: removing it breaks the first event */
		json_t *j = json_loads(detail, 0, NULL);
		free(detail);
		detail = NULL;
		if (j && json_object_set_new(j, "signed", json_true()) == 0)
			detail = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
		json_decref(j);
		if (!detail)
			return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	}
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
		                  "of UTF-8 text without control characters");
	if ((rc = vidx__exec_begin(h)) < 0)
		return rc;
	rc = vidx__case_exists(h, case_id);
	if (rc == 0)
		rc = need_key(h, case_id);
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
	                       " (SELECT count(*) FROM custody e WHERE e.case_id = c.id),"
	                       " json_extract(CASE WHEN json_valid(f.detail) THEN f.detail END,"
	                       " '$.title'), f.at, f.by, f.seq"
	                       " FROM cases c LEFT JOIN custody f ON f.case_id = c.id AND f.seq = 1"
	                       " ORDER BY c.id", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "listing cases");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		vidx_case c;
		const char *rt = (const char *)sqlite3_column_text(st, 1);
		const char *rb = (const char *)sqlite3_column_text(st, 3);
		int64_t ra = sqlite3_column_int64(st, 2);
		char why[1024];
		int stop;
		memset(&c, 0, sizeof(c));
		c.id = (const char *)sqlite3_column_text(st, 0);
		c.events = sqlite3_column_int64(st, 4);
		c.title = rt;
		c.created = ra;
		c.created_by = rb;
		if (sqlite3_column_type(st, 8) == SQLITE_NULL) {
			c.problem = "its custody log has no first event";
		} else if (sqlite3_column_type(st, 5) != SQLITE_TEXT) {
			c.problem = "its first custody event names no title";
		} else {
			/* the event's word over the table's */
			c.title = (const char *)sqlite3_column_text(st, 5);
			c.created = sqlite3_column_int64(st, 6);
			c.created_by = (const char *)sqlite3_column_text(st, 7);
			if (strcmp(c.title, rt ? rt : "") || c.created != ra ||
			    strcmp(c.created_by ? c.created_by : "", rb ? rb : "")) {
				char ta[VIDX_TIME_BUFSZ], tb[VIDX_TIME_BUFSZ];
				snprintf(why, sizeof(why), "the cases table says title '%.200s', "
				         "created %s by '%.200s', but its first custody event says "
				         "'%.200s', %s by '%.200s': the event is shown",
				         rt ? rt : "", vidx_time_format(ra, ta), rb ? rb : "", c.title,
				         vidx_time_format(c.created, tb), c.created_by ? c.created_by : "");
				c.problem = why;
			}
		}
		if ((stop = cb(ctx, &c)) != 0) {
			sqlite3_finalize(st);
			return stop;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : vidx__sql_fail(h, "listing cases");
}

/* E's signature: who signed it and whether it counts.  With a trust file
 * only its keys count, under their names; without, the index's copy of the
 * key is used, which shows the event is unchanged since it was signed, not
 * by whom.  SIGNER and WHY (N bytes) hold the strings E points to. */
static void judge(vidx *h, sqlite3_stmt *kst, vidx_event *e, int signed_case,
                  char signer[256], char *why, size_t n)
{
	unsigned char raw[64];
	const char *name = NULL, *pem = NULL;
	char fpr[65];
	int r;

	e->signer = e->sig_problem = NULL;
	e->sig_state = VIDX_SIG_NONE;
	if (!e->sig || !e->key) {
		if (signed_case)
			e->sig_problem = "unsigned, in a case that requires signed events";
		if (e->sig_problem)
			e->sig_state = VIDX_SIG_BAD;
		return;
	}
	e->sig_state = VIDX_SIG_BAD;
	if (!e->hash || vidx__unb64(e->sig, raw, sizeof(raw)) != 64) {
		e->sig_problem = "its signature is not an Ed25519 signature";
		return;
	}
	if (h->trust) {
		if (!(name = vidx__trusted(h, e->key, 0, &pem))) {
			snprintf(why, n, "signed with key %.16s, which is not in the trust "
			         "file", e->key);
			e->sig_problem = why;
			return;
		}
	} else {
		sqlite3_reset(kst);
		sqlite3_bind_text(kst, 1, e->key, -1, SQLITE_STATIC);
		if (sqlite3_step(kst) == SQLITE_ROW) {
			name = (const char *)sqlite3_column_text(kst, 0);
			pem = (const char *)sqlite3_column_text(kst, 1);
		}
		if (!name || !pem) {
			e->sig_state = VIDX_SIG_UNCHECKED;
			return;
		}
		if (vidx__pem_fingerprint(pem, fpr) < 0 || strcmp(fpr, e->key)) {
			snprintf(why, n, "the index's copy of key %.16s is another key", e->key);
			e->sig_problem = why;
			return;
		}
	}
	snprintf(signer, 256, "%s", name);
	e->signer = signer;
	r = vidx__verify(pem, e->hash, strlen(e->hash), raw, sizeof(raw));
	if (r != 1) {
		snprintf(why, n, "its signature does not verify with %s's key %.16s%s: the "
		         "event was changed after it was signed, or the signature is another "
		         "event's", name, e->key, h->trust ? "" : " (the index's copy)");
		e->sig_problem = why;
	} else if (!e->by || strcmp(name, e->by)) {
		snprintf(why, n, "signed with the key of %s (%s), but the event says %s",
		         name, h->trust ? "the trust file" : "as the index has it",
		         e->by ? e->by : "nobody");
		e->sig_problem = why;
	} else {
		e->sig_state = h->trust ? VIDX_SIG_TRUSTED : VIDX_SIG_VALID;
	}
}

int vidx_custody_each(vidx *h, const char *case_id,
                      int (*cb)(void *ctx, const vidx_event *e), void *ctx,
                      size_t *broken)
{
	sqlite3_stmt *st = NULL, *kst = NULL;
	char prev[65] = ZERO_HASH;
	int rc, first = 1, signed_case = 0;

	*broken = 0;
	if ((rc = vidx__need_db(h)) < 0 || (rc = vidx__case_exists(h, case_id)) < 0)
		return rc;
	if (sqlite3_prepare_v2(h->db, "SELECT seq, at, by, kind, detail, prev, hash,"
	                       " old_seq, key, sig FROM custody WHERE case_id = ?1"
	                       " ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "reading custody log");
	if (sqlite3_prepare_v2(h->db, "SELECT name, public_key FROM keys WHERE"
	                       " fingerprint = ?1", -1, &kst, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return vidx__sql_fail(h, "reading keys");
	}
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		vidx_event e;
		char want[65], signer[256], why[400];
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
		e.key = (const char *)sqlite3_column_text(st, 8);
		e.sig = (const char *)sqlite3_column_text(st, 9);
		if (first) {
			/* the first event says whether the case requires signatures */
			json_t *j = e.detail ? json_loads(e.detail, 0, NULL) : NULL;
			signed_case = json_is_true(json_object_get(j, "signed"));
			json_decref(j);
			first = 0;
		}
		judge(h, kst, &e, signed_case, signer, why, sizeof(why));
		if (!e.by || !e.kind || !e.detail || !e.prev || !e.hash) {
			e.problem = "damaged: a field is missing";
		} else if (event_hash(e.rule, e.prev, case_id, e.rule == 1 ? e.old_seq : e.seq,
		                      e.at, e.by, e.kind, e.detail, want) < 0) {
			sqlite3_finalize(st);
			return vidx__fail(h, VIDX_ERR, "SHA-256 failed");
		} else if (strcmp(want, e.hash)) {
			e.problem = "edited: its hash does not match its content";
			/* a signature over the hash it had says nothing of what it says now */
			if (e.sig_state == VIDX_SIG_VALID || e.sig_state == VIDX_SIG_TRUSTED) {
				e.sig_state = VIDX_SIG_BAD;
				e.sig_problem = "its signature is over the hash it had, not over what "
				                "it now says";
			}
		} else if (strcmp(e.prev, prev)) {
			e.problem = "chain broken: the event before it was removed or changed";
		}
		if (!e.problem)
			e.problem = e.sig_problem;
		if (e.problem)
			(*broken)++;
		snprintf(prev, sizeof(prev), "%s", e.hash ? e.hash : "");
		if (cb && (stop = cb(ctx, &e)) != 0) {
			sqlite3_finalize(st);
			sqlite3_finalize(kst);
			return stop;
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(kst);
	return rc == SQLITE_DONE ? 0 : vidx__sql_fail(h, "reading custody log");
}

/* ---- checks against a trust file and anchors ------------------------------- */

int vidx_anchor_parse(vidx *h, const char *s, vidx_anchor *a)
{
	const char *c = s ? strchr(s, ':') : NULL;
	char *e;
	long long seq;

	memset(a, 0, sizeof(*a));
	if (!c || c == s || strspn(s, "0123456789") != (size_t)(c - s) ||
	    strlen(c + 1) != 64 || strspn(c + 1, "0123456789abcdef") != 64)
		return vidx__fail(h, VIDX_EINVAL, "an anchor is SEQ:HASH, an event's number "
		                  "and its 64-digit hash (as vidx-case seal prints them, "
		                  "with a colon)");
	seq = strtoll(s, &e, 10);
	if (e != c || seq < 1)
		return vidx__fail(h, VIDX_EINVAL, "an anchor's event number starts at 1");
	a->seq = seq;
	memcpy(a->hash, c + 1, 64);
	a->hash[64] = 0;
	return 0;
}

int vidx_use_anchors(vidx *h, const vidx_anchor *a, size_t n)
{
	vidx_anchor *c = NULL;

	if (n && !(c = malloc(n * sizeof(*c))))
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	if (n)
		memcpy(c, a, n * sizeof(*c));
	free(h->anchors);
	h->anchors = c;
	h->nanchors = n;
	return 0;
}

typedef struct checkwalk {
	vidx_custody_report *r;
	vidx *h;
	int (*cb)(void *ctx, const vidx_event *e);
	void *ctx;
	int64_t first_bad; /* the first event with a chain problem, or 0 */
} checkwalk;

static int check_event(void *ctx, const vidx_event *e)
{
	checkwalk *w = ctx;
	vidx_custody_report *r = w->r;
	int chain_bad = e->problem && e->problem != e->sig_problem;
	size_t i;

	r->events++;
	if (e->problem)
		r->broken++;
	if (chain_bad)
		r->chain_broken++;
	/* an anchor holds only if every event up to it checks out, its
	 * signatures too */
	if (e->problem && !w->first_bad)
		w->first_bad = e->seq;
	switch (e->sig_state) {
	case VIDX_SIG_NONE: r->unsigned_events++; break;
	case VIDX_SIG_VALID: r->valid++; break;
	case VIDX_SIG_TRUSTED: r->trusted++; break;
	case VIDX_SIG_UNCHECKED: r->unchecked++; break;
	default:
		r->bad_sigs++;
		if (!e->sig)
			r->unsigned_events++;
	}
	if (r->events == 1 && e->detail) {
		json_t *j = json_loads(e->detail, 0, NULL);
		r->signed_case = json_is_true(json_object_get(j, "signed"));
		json_decref(j);
	}
	r->head_seq = e->seq;
	snprintf(r->head, sizeof(r->head), "%s", e->hash ? e->hash : "");
	for (i = 0; i < w->h->nanchors; i++) {
		vidx_anchor *a = &w->h->anchors[i];
		if (a->seq != e->seq)
			continue;
		if (!e->hash || strcmp(e->hash, a->hash))
			snprintf(a->why, sizeof(a->why), "event %lld has hash %.16s..., the anchor "
			         "%.16s...: the log up to it was rewritten", (long long)e->seq,
			         e->hash ? e->hash : "(none)", a->hash);
		else if (w->first_bad)
			snprintf(a->why, sizeof(a->why), "event %lld, %s, fails its check: "
			         "the log up to the anchor was changed", (long long)w->first_bad,
			         w->first_bad == e->seq ? "the anchored one" : "before it");
		else
			a->ok = 1;
	}
	return w->cb ? w->cb(w->ctx, e) : 0;
}

static void add(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(char *buf, size_t n, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;
	if (len + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, n - len, fmt, ap);
	va_end(ap);
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* one line for people: what holds, then what could not be checked */
static void summarize(vidx *h, vidx_custody_report *r)
{
	char *b = r->summary;
	size_t n = sizeof(r->summary), i;

	b[0] = 0;
	if (r->chain_broken)
		add(b, n, "chain BROKEN: %zu event%s fail%s the check", r->chain_broken,
		    plural(r->chain_broken), r->chain_broken == 1 ? "s" : "");
	else
		add(b, n, "chain intact");
	if (!h->trust && !h->nanchors)
		add(b, n, "; not checked against any key or anchor");
	else if (!h->trust)
		add(b, n, "; signatures not checked against any key");
	else if (!h->nanchors)
		add(b, n, "; not checked against any anchor");
	for (i = 0; i < h->nanchors; i++) {
		if (h->anchors[i].ok)
			add(b, n, "; anchor %lld holds", (long long)h->anchors[i].seq);
		else
			add(b, n, "; anchor %lld BROKEN", (long long)h->anchors[i].seq);
	}
	if (r->bad_sigs)
		add(b, n, "; %zu signature problem%s", r->bad_sigs, plural(r->bad_sigs));
	if (h->trust && r->trusted == r->events && r->events)
		add(b, n, "; every event signed by its operator's key in the trust file");
	else if (h->trust && r->trusted)
		add(b, n, "; %zu of %zu events signed by their operator's key in the trust "
		    "file", r->trusted, r->events);
	else if (r->valid)
		add(b, n, "; %zu event%s signed, not checked against a trust file", r->valid,
		    plural(r->valid));
	if (r->unchecked)
		add(b, n, "; %zu signed with a key the index does not hold", r->unchecked);
	if (r->unsigned_events == r->events)
		add(b, n, "; %s unsigned%s", r->events == 1 ? "its event is" : "its events are",
		    r->signed_case ? "" : " (an unsigned chain proves nothing against an "
		    "insider)");
	else if (r->unsigned_events && !r->signed_case)
		add(b, n, "; %zu unsigned", r->unsigned_events);
}

int vidx_custody_check(vidx *h, const char *case_id,
                       int (*cb)(void *ctx, const vidx_event *e), void *ctx,
                       vidx_custody_report *r)
{
	checkwalk w;
	size_t broken = 0, i;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&w, 0, sizeof(w));
	w.r = r;
	w.h = h;
	w.cb = cb;
	w.ctx = ctx;
	for (i = 0; i < h->nanchors; i++) {
		h->anchors[i].ok = 0;
		h->anchors[i].why[0] = 0;
	}
	if ((rc = vidx_custody_each(h, case_id, check_event, &w, &broken)) != 0)
		return rc;
	for (i = 0; i < h->nanchors; i++) {
		vidx_anchor *a = &h->anchors[i];
		if (!a->ok && !a->why[0])
			snprintf(a->why, sizeof(a->why), "the log has no event %lld (it ends at "
			         "%lld): it was cut back", (long long)a->seq, (long long)r->head_seq);
		if (!a->ok)
			r->anchors_failed++;
	}
	r->anchors = h->anchors;
	r->nanchors = h->nanchors;
	summarize(h, r);
	return 0;
}

int vidx_case_seal(vidx *h, const char *case_id, const char *by, int64_t *seq,
                   char hash[65])
{
	vidx_custody_report r;
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	if ((rc = vidx_custody_check(h, case_id, NULL, NULL, &r)) < 0)
		return rc;
	if (r.broken || r.anchors_failed)
		return vidx__fail(h, VIDX_EFORMAT, "case '%s': the log fails its check (%s): "
		                  "not sealed", case_id, r.summary);
	if ((rc = vidx_custody_add(h, case_id, by, "seal", "{}", hash)) < 0)
		return rc;
	if (sqlite3_prepare_v2(h->db, "SELECT seq FROM custody WHERE case_id = ?1 AND"
	                       " hash = ?2", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "reading custody log");
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : vidx__sql_fail(h, "reading custody log");
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
