/*
 * verify.c - prove nothing changed: recordings against the index, a case
 * folder against its manifest, its sources and the custody log.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "media.h"

typedef struct checker {
	vidx *h;
	const char *by;
	void (*cb)(void *ctx, const vidx_check *c);
	void *ctx;
	int bad;
	json_t *failures; /* [{kind, item, status, detail}] for the custody event */
	int64_t checked;
	json_t *hashed;   /* folder files hashed by the sums check: path -> [hex, size] */
	int phv;          /* the manifest's packet hash version (1 when unsaid) */
	json_t *man;      /* the manifest, for a folder */
} checker;

static void say(checker *k, const char *kind, const char *item,
                const char *status, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void say(checker *k, const char *kind, const char *item,
                const char *status, const char *fmt, ...)
{
	char detail[600] = "";
	vidx_check c;
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	c.kind = kind;
	c.item = item;
	c.status = status;
	c.detail = detail;
	k->checked++;
	if (strcmp(status, "ok") && strcmp(status, "skipped")) {
		json_t *f = json_object();
		k->bad++;
		json_object_set_new(f, "kind", json_string(kind));
		json_object_set_new(f, "item", vidx__jstr(item));
		json_object_set_new(f, "status", json_string(status));
		json_object_set_new(f, "detail", vidx__jstr(detail));
		json_array_append_new(k->failures, f);
	}
	if (k->cb)
		k->cb(k->ctx, &c);
}

static int log_event(checker *k, const char *case_id, const char *scope,
                     const char *what)
{
	json_t *d;
	char *text;
	int rc;

	/* a signed case takes no unsigned event: say so rather than fail */
	if (vidx_case_signed(k->h, case_id) == 1 && !vidx__key(k->h)) {
		say(k, "custody", case_id, "skipped", "no verify event written: the case "
		    "requires signed events and there is no key (--key)");
		return 0;
	}
	d = json_object();
	json_object_set_new(d, "scope", json_string(scope));
	json_object_set_new(d, "what", vidx__jstr(what));
	json_object_set_new(d, "checked", json_integer(k->checked));
	json_object_set_new(d, "failed", json_integer(k->bad));
	json_object_set_new(d, "failures", json_incref(k->failures));
	text = json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(d);
	if (!text)
		return vidx__fail(k->h, VIDX_ENOMEM, "out of memory");
	rc = vidx_custody_add(k->h, case_id, k->by, "verify", text, NULL);
	free(text);
	return rc;
}

/* ---- the custody log --------------------------------------------------------- */

/* the log's check as items: what failed, each anchor that does not hold;
 * 1 when all holds */
static int say_log(checker *k, const char *case_id, const vidx_custody_report *r)
{
	size_t i;
	int ok = 1;

	if (r->chain_broken) {
		say(k, "custody", case_id, "failed", "%zu event%s of the log fail%s their "
		    "hash check (see vidx-case log)", r->chain_broken, r->chain_broken == 1 ?
		    "" : "s", r->chain_broken == 1 ? "s" : "");
		ok = 0;
	}
	if (r->bad_sigs) {
		say(k, "custody", case_id, "failed", "%zu event%s of the log ha%s a signature "
		    "that does not count (see vidx-case log%s)", r->bad_sigs,
		    r->bad_sigs == 1 ? "" : "s", r->bad_sigs == 1 ? "s" : "ve",
		    k->h->trust ? " --trust" : "");
		ok = 0;
	}
	for (i = 0; i < r->nanchors; i++)
		if (!r->anchors[i].ok) {
			char item[128];
			snprintf(item, sizeof(item), "%s anchor %lld", case_id,
			         (long long)r->anchors[i].seq);
			say(k, "custody", item, "failed", "%s", r->anchors[i].why);
			ok = 0;
		}
	return ok;
}

/* ---- recordings -------------------------------------------------------------- */

/* the sources of a case's pulls, by SHA-256: the same recording in any
 * index the case is in (a pull event made before schema v5 also names the
 * row id of its own index, which a merge changes) */
typedef struct shas {
	char (*v)[65];
	size_t n;
	int rc;
} shas;

static int collect_sources(void *ctx, const vidx_event *e)
{
	shas *s = ctx;
	json_t *d, *c, *src;
	size_t i, j, k;

	if (strcmp(e->kind, "pull") || !(d = json_loads(e->detail, 0, NULL)))
		return 0;
	json_array_foreach(json_object_get(d, "clips"), i, c) {
		json_array_foreach(json_object_get(c, "sources"), j, src) {
			const char *hex = json_string_value(json_object_get(src, "sha256"));
			char (*nv)[65];
			if (!hex)
				hex = "";
			for (k = 0; k < s->n && strcmp(s->v[k], hex); k++)
				;
			if (k < s->n)
				continue;
			if (!(nv = realloc(s->v, (s->n + 1) * sizeof(*nv)))) {
				s->rc = -1;
				break;
			}
			s->v = nv;
			snprintf(s->v[s->n++], 65, "%s", hex);
		}
	}
	json_decref(d);
	return 0;
}

/* A row (id, path, hex sha256, size): every path the index knows for it
 * (a duplicate's other paths too) that can be checked here is re-hashed,
 * and each that changed or vanished is reported.  Paths of this host (or
 * of none: before hosts were kept) are always checked; a path of another
 * host is read when it can be (shared storage), else left to that host,
 * and named: in the detail of a copy missing here, or, when nothing of the
 * recording is on this host, in one "skipped" item. */
typedef struct pathres {
	char *path, detail[600];
	const char *status;
} pathres;

static void check_recording(checker *k, sqlite3_stmt *row)
{
	vidx *h = k->h;
	int64_t id = sqlite3_column_int64(row, 0);
	const char *first = (const char *)sqlite3_column_text(row, 1);
	const char *want = (const char *)sqlite3_column_text(row, 2);
	int64_t size = sqlite3_column_int64(row, 3);
	const char *me = vidx_host(h);
	sqlite3_stmt *st = NULL;
	pathres *r = NULL;
	size_t n = 0, i, intact = 0;
	char elsewhere[PATH_MAX + 160] = "";
	int rc, others = 0;

	if (sqlite3_prepare_v2(h->db, "SELECT p.host, p.path FROM recording_paths p"
	                       " JOIN recordings r ON r.id = p.recording_id"
	                       " WHERE p.recording_id = ?1"
	                       " ORDER BY p.host = ?2 OR p.host = '' DESC,"
	                       "  p.path = r.path AND p.host = r.host DESC, p.seen,"
	                       "  p.host, p.path", -1, &st, NULL) != SQLITE_OK) {
		say(k, "recording", first, "failed", "%s", sqlite3_errmsg(h->db));
		return;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, me, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *host = (const char *)sqlite3_column_text(st, 0);
		const char *path = (const char *)sqlite3_column_text(st, 1);
		int here = !host || !*host || !strcmp(host, me);
		pathres *nr, *x;
		char hex[65];
		int64_t got = 0;
		int hr;
		if (!path)
			continue;
		if (!here && access(path, R_OK) != 0) {
			if (!others++)
				snprintf(elsewhere, sizeof(elsewhere), "on host '%s' at '%s'",
				         host, path);
			continue;
		}
		/* the same path on two hosts (shared storage) is one file here */
		for (i = 0; i < n && strcmp(r[i].path, path); i++)
			;
		if (i < n)
			continue;
		if (!(nr = realloc(r, (n + 1) * sizeof(*r))))
			continue;
		r = nr;
		x = &r[n];
		memset(x, 0, sizeof(*x));
		if (!(x->path = strdup(path)))
			continue;
		n++;
		hr = vidx__sha256_path(h, path, 0, hex, &got);
		if (hr == VIDX_ENOENT) {
			x->status = "missing";
			snprintf(x->detail, sizeof(x->detail), "%s", vidx_errmsg(h));
		} else if (hr < 0) {
			x->status = "failed";
			snprintf(x->detail, sizeof(x->detail), "%s", vidx_errmsg(h));
		} else if (strcmp(hex, want)) {
			x->status = "modified";
			snprintf(x->detail, sizeof(x->detail), "SHA-256 %s, the index says "
			         "%s%s", hex, want, got != size ? " (size changed)" : "");
		} else {
			x->status = "ok";
			intact++;
		}
	}
	if (rc != SQLITE_DONE)
		say(k, "recording", first, "failed", "%s", sqlite3_errmsg(h->db));
	sqlite3_finalize(st);
	if (others > 1) {
		size_t l = strlen(elsewhere);
		snprintf(elsewhere + l, sizeof(elsewhere) - l, " (and %d more path%s on "
		         "other hosts)", others - 1, others == 2 ? "" : "s");
	}
	if (!n && others)
		say(k, "recording", first, "skipped", "not on this host (%s): %s", me,
		    elsewhere);
	else if (!n && rc == SQLITE_DONE)
		say(k, "recording", first, "failed", "the index knows no path for it");
	for (i = 0; i < n; i++) {
		pathres *x = &r[i];
		size_t l = strlen(x->detail);
		if (strcmp(x->status, "ok")) {
			/* where the same bytes still are */
			if (*elsewhere)
				l += (size_t)snprintf(x->detail + l, sizeof(x->detail) - l,
				                      "; another copy is %s", elsewhere);
			if (intact && l < sizeof(x->detail))
				snprintf(x->detail + l, sizeof(x->detail) - l, "; the same "
				         "recording is intact at %zu other path%s here", intact,
				         intact == 1 ? "" : "s");
		}
		if (*x->detail)
			say(k, "recording", x->path, x->status, "%s", x->detail);
		else
			say(k, "recording", x->path, x->status, NULL);
		free(x->path);
	}
	free(r);
}

int vidx_verify_recordings(vidx *h, const char *camera, const char *case_id,
                           const char *by, void (*cb)(void *ctx, const vidx_check *c), void *ctx)
{
	checker k = {h, by && *by ? by : "vidx-verify", cb, ctx, 0, NULL, 0, NULL, 1, NULL};
	sqlite3_stmt *st = NULL;
	shas s = {0};
	size_t i = 0;
	int rc;

	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	if (case_id && !vidx_operator_valid(k.by))
		return vidx__fail(h, VIDX_EINVAL, "the operator's name must be one line "
		                  "of UTF-8 text without control characters");
	k.failures = json_array();
	if (case_id) {
		vidx_custody_report r;
		if ((rc = vidx_custody_check(h, case_id, collect_sources, &s, &r)) < 0)
			goto out;
		if (s.rc < 0) {
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			goto out;
		}
		/* nothing pulled and nothing wrong with the log: there is
		 * nothing to verify, and no line says otherwise */
		if (!s.n && !r.broken && !r.anchors_failed) {
			rc = vidx__fail(h, VIDX_ENOENT, "case '%s' has no pulled clips: "
			                "nothing to verify", case_id);
			goto out;
		}
		if (say_log(&k, case_id, &r))
			say(&k, "custody", case_id, "ok", "%s", r.summary);
		if (sqlite3_prepare_v2(h->db, "SELECT id, path, lower(hex(sha256)), size"
		                       " FROM recordings WHERE sha256 = ?1", -1, &st, NULL) != SQLITE_OK) {
			rc = vidx__sql_fail(h, "reading recordings");
			goto out;
		}
		for (i = 0; i < s.n; i++) {
			unsigned char d[32];
			sqlite3_reset(st);
			if (vidx__unhex32(s.v[i], d) == 0) {
				sqlite3_bind_blob(st, 1, d, 32, SQLITE_TRANSIENT);
				rc = sqlite3_step(st);
			} else {
				rc = SQLITE_DONE;
			}
			if (rc == SQLITE_ROW) {
				check_recording(&k, st);
			} else if (rc == SQLITE_DONE) {
				char item[96];
				snprintf(item, sizeof(item), "recording %s", s.v[i]);
				say(&k, "recording", item, "missing", "not in the index");
			} else {
				rc = vidx__sql_fail(h, "reading recordings");
				goto out;
			}
		}
	} else {
		if (camera) {
			vidx_camera c = {0};
			if ((rc = vidx_camera_get(h, camera, &c)) < 0)
				goto out;
			vidx_camera_clear(&c);
		}
		if (sqlite3_prepare_v2(h->db, "SELECT id, path, lower(hex(sha256)), size"
		                       " FROM recordings WHERE ?1 IS NULL OR camera_id = ?1"
		                       " ORDER BY camera_id, start", -1, &st, NULL) != SQLITE_OK) {
			rc = vidx__sql_fail(h, "reading recordings");
			goto out;
		}
		if (camera)
			sqlite3_bind_text(st, 1, camera, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			check_recording(&k, st);
			i++;
		}
		if (rc != SQLITE_DONE) {
			rc = vidx__sql_fail(h, "reading recordings");
			goto out;
		}
		/* a script must not read "nothing checked" as "all good" */
		if (!i) {
			rc = camera ? vidx__fail(h, VIDX_ENOENT, "camera '%s' has no recordings: "
			                         "nothing to verify", camera)
			            : vidx__fail(h, VIDX_ENOENT, "the index holds no recordings: "
			                         "nothing to verify");
			goto out;
		}
	}
	rc = k.bad;
	if (case_id) {
		int r = log_event(&k, case_id, "recordings", case_id);
		if (r < 0)
			rc = r;
	}
out:
	sqlite3_finalize(st);
	free(s.v);
	json_decref(k.failures);
	return rc;
}

/* ---- case folders -------------------------------------------------------------- */

/* a path from a manifest or SHA256SUMS: relative, inside the folder */
static int safe_rel(const char *p)
{
	const char *s;
	if (!p || !*p || *p == '/' || strlen(p) > 1024)
		return 0;
	for (s = p; *s; s++)
		if ((unsigned char)*s < 0x20)
			return 0;
	for (s = p; s; s = strchr(s, '/'), s = s ? s + 1 : NULL)
		if (!strncmp(s, "..", 2) && (s[2] == '/' || !s[2]))
			return 0;
	return 1;
}

static void check_sums(checker *k, const char *dir, json_t *clips)
{
	vidx *h = k->h;
	char path[PATH_MAX], line[2048], hex[65];
	FILE *f;
	size_t i, lines = 0;
	json_t *c, *listed = json_object(); /* clip path -> named by a line */
	int have_manifest = 0, r;

	snprintf(path, sizeof(path), "%s/SHA256SUMS", dir);
	if (!(f = fopen(path, "re"))) {
		say(k, "sums", "SHA256SUMS", "missing", "%s", strerror(errno));
		json_decref(listed);
		return;
	}
	json_array_foreach(clips, i, c) {
		const char *rel = json_string_value(json_object_get(c, "path"));
		if (rel)
			json_object_set_new(listed, rel, json_false());
	}
	while (fgets(line, sizeof(line), f)) {
		char *rel = line + 66, *nl;
		char full[PATH_MAX];
		int64_t size;
		int clip;
		lines++;
		if ((nl = strchr(line, '\n')))
			*nl = 0;
		clip = strlen(line) > 66 && json_object_get(listed, rel);
		if (clip)
			json_object_set_new(listed, rel, json_true());
		if (strlen(line) < 67 || strspn(line, "0123456789abcdef") != 64 ||
		    line[64] != ' ' || (line[65] != ' ' && line[65] != '*') || !safe_rel(rel)) {
			char item[32];
			snprintf(item, sizeof(item), "SHA256SUMS line %zu", lines);
			say(k, "sums", item, "failed", "not a line of sha256sum output "
			    "with a path inside the folder");
			continue;
		}
		line[64] = 0;
		if (!strcmp(rel, "manifest.json"))
			have_manifest = 1;
		/* a pull's sums name its manifest, the manifest's signature and
		 * the clips the manifest lists; anything else was put there
		 * afterwards, and no manifest or signature vouches for it */
		else if (strcmp(rel, "manifest.json.sig") && !clip) {
			say(k, "sums", rel, "failed", "not part of the pull: neither the manifest, "
			    "its signature nor a clip it names");
			continue;
		}
		snprintf(full, sizeof(full), "%s/%s", dir, rel);
		if ((r = vidx__sha256_path(h, full, 0, hex, &size)) < 0) {
			say(k, "sums", rel, r == VIDX_ENOENT ? "missing" : "failed", "%s",
			    vidx_errmsg(h));
			continue;
		}
		json_object_set_new(k->hashed, rel, json_pack("[s,I]", hex, (json_int_t)size));
		if (strcmp(hex, line))
			say(k, "sums", rel, "modified", "SHA-256 %s, SHA256SUMS says %s", hex, line);
		else
			say(k, "sums", rel, "ok", NULL);
	}
	fclose(f);
	if (!have_manifest)
		say(k, "sums", "manifest.json", "failed", "not listed in SHA256SUMS");
	/* every clip must be covered by the sums */
	json_array_foreach(clips, i, c) {
		const char *rel = json_string_value(json_object_get(c, "path"));
		if (rel && !json_is_true(json_object_get(listed, rel)))
			say(k, "sums", rel, "failed", "clip not listed in SHA256SUMS");
	}
	json_decref(listed);
}

static int packet_hashes(vidx *h, const char *path, int audio, int version,
                         char vhex[65], char ahex[65], int64_t *nv, int64_t *na)
{
	vidx__src s;
	vidx__phash vh = {0}, ah = {0};
	AVPacket *pkt = NULL;
	int rc, r;

	if ((rc = vidx__src_open(h, &s, path)) < 0)
		goto out;
	if (!(pkt = av_packet_alloc()) ||
	    vidx__phash_init(&vh, s.fc->streams[s.vi]->codecpar, version) < 0 ||
	    (audio && s.ai >= 0 &&
	     vidx__phash_init(&ah, s.fc->streams[s.ai]->codecpar, version) < 0)) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	while ((r = av_read_frame(s.fc, pkt)) >= 0) {
		if (pkt->stream_index == s.vi)
			vidx__phash_add(&vh, pkt->data, (size_t)pkt->size);
		else if (ah.md && pkt->stream_index == s.ai)
			vidx__phash_add(&ah, pkt->data, (size_t)pkt->size);
		av_packet_unref(pkt);
	}
	if (r != AVERROR_EOF) {
		rc = vidx__fail(h, VIDX_EFORMAT, "cannot read packets: %s", av_err2str(r));
		goto out;
	}
	*nv = vh.packets;
	*na = ah.packets;
	if (vidx__phash_final(&vh, vhex) < 0 || (ah.md && vidx__phash_final(&ah, ahex) < 0))
		rc = vidx__fail(h, VIDX_ERR, "SHA-256 failed");
	if (!audio || s.ai < 0)
		ahex[0] = 0;
out:
	vidx__phash_free(&vh);
	vidx__phash_free(&ah);
	av_packet_free(&pkt);
	vidx__src_close(&s);
	return rc;
}

static const char *jstr_of(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static int64_t jint_of(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* where a source is now: its path in the manifest, else any path the index
 * knows for the same content: VIDX__PATH_* as vidx__path_find answers
 * (with no index, the manifest's host says whether it is elsewhere). */
static int find_source(vidx *h, json_t *src, char *out, size_t n, char *elsewhere,
                       size_t en)
{
	const char *p = jstr_of(src, "path"), *host = jstr_of(src, "host");
	int64_t id;
	int found = VIDX__PATH_MISSING;

	*elsewhere = 0;
	if (access(p, R_OK) == 0) {
		snprintf(out, n, "%s", p);
		return VIDX__PATH_FOUND;
	}
	if (h->db && vidx__recording_by_sha(h, jstr_of(src, "sha256"), &id) == 1)
		found = vidx__path_find(h, id, out, n, elsewhere, en);
	else if (*host && strcmp(host, vidx_host(h))) {
		snprintf(elsewhere, en, "on host '%s' at '%s' (the manifest says)", host, p);
		found = VIDX__PATH_ELSEWHERE;
	}
	return found < 0 ? VIDX__PATH_MISSING : found;
}

/* take the clip's packets from its sources again, by the manifest's cut */
static void check_sources(checker *k, json_t *clip, const char *clip_path)
{
	vidx *h = k->h;
	json_t *srcs = json_object_get(clip, "sources"), *src;
	json_t *audio = json_object_get(clip, "audio");
	int native = !strcmp(jstr_of(clip, "format"), "native");
	vidx__chain ch;
	size_t i;
	int ok = 1, started = 0;
	char vhex[65], ahex[65], path[PATH_MAX];
	EVP_MD_CTX *bytes = NULL;
	int64_t out_off = 0;

	memset(&ch, 0, sizeof(ch));
	ch.vdts = ch.adts = VIDX_TIME_NONE;
	json_array_foreach(srcs, i, src) {
		vidx__src s;
		vidx__cut c = {0};
		vidx__hasher hs = {0};
		char hex[65], item[PATH_MAX + 64], where[PATH_MAX + 128];
		int rc;

		snprintf(item, sizeof(item), "%s <- %s", clip_path, jstr_of(src, "path"));
		if ((rc = find_source(h, src, path, sizeof(path), where, sizeof(where)))
		    != VIDX__PATH_FOUND) {
			if (rc == VIDX__PATH_ELSEWHERE)
				say(k, "source", item, "skipped", "not on this host (%s): %s",
				    vidx_host(h), where);
			else if (*where)
				say(k, "source", item, "missing", "not found at its path or any "
				    "path the index knows on this host; another copy is %s", where);
			else
				say(k, "source", item, "missing", "not found at its path or any "
				    "path the index knows");
			ok = 0;
			break;
		}
		if ((rc = vidx__src_open(h, &s, path)) < 0) {
			say(k, "source", item, "failed", "%s", vidx_errmsg(h));
			vidx__src_close(&s);
			ok = 0;
			break;
		}
		if (!started) {
			started = 1;
			if (vidx__phash_init(&ch.vh, s.fc->streams[s.vi]->codecpar, k->phv) < 0 ||
			    (json_is_string(json_object_get(audio, "packets_sha256")) && s.ai >= 0 &&
			     vidx__phash_init(&ch.ah, s.fc->streams[s.ai]->codecpar, k->phv) < 0)) {
				say(k, "source", item, "failed", "out of memory");
				vidx__src_close(&s);
				ok = 0;
				break;
			}
		}
		c.seek_pts = jint_of(json_object_get(src, "cut"), "seek_pts_us");
		c.seek_pos = jint_of(json_object_get(src, "cut"), "seek_pos");
		c.end_pts = jint_of(json_object_get(src, "cut"), "end_pts_us");
		c.frame_dur = jint_of(json_object_get(src, "cut"), "frame_dur_us");
		c.ts_tables = json_is_true(json_object_get(json_object_get(src, "cut"), "ts_tables"));
		/* placed after the part before it, as vidx-pull placed it: which
		 * audio packets overlap is decided in clip time */
		c.out_off = out_off;
		rc = vidx__hash_start(h, &hs, s.io.fd, s.io.size);
		if (rc == 0)
			rc = vidx__cut_walk(h, &s, &c, &ch, NULL, NULL);
		if (rc == 0)
			rc = vidx__hash_finish(h, &hs, NULL, hex);
		vidx__hash_stop(&hs);
		if (rc == 0 && native) {
			/* the clip must be these very bytes */
			char *buf = malloc(1 << 16);
			int64_t a = c.byte_start;
			if (!bytes && (bytes = EVP_MD_CTX_new()))
				EVP_DigestInit_ex(bytes, EVP_sha256(), NULL);
			while (buf && bytes && a < c.byte_end) {
				ssize_t r = pread(s.io.fd, buf, (size_t)FFMIN(1 << 16, c.byte_end - a), a);
				if (r <= 0)
					break;
				EVP_DigestUpdate(bytes, buf, (size_t)r);
				a += r;
			}
			free(buf);
		}
		vidx__src_close(&s);
		out_off = c.out_end;
		if (rc < 0) {
			say(k, "source", item, "failed", "%s", vidx_errmsg(h));
			ok = 0;
			break;
		}
		if (strcmp(hex, jstr_of(src, "sha256"))) {
			say(k, "source", item, "modified", "SHA-256 %s, the manifest says %s",
			    hex, jstr_of(src, "sha256"));
			ok = 0;
		} else if (c.nvideo != jint_of(src, "video_packets") ||
		           c.byte_start != jint_of(src, "byte_start") ||
		           c.byte_end != jint_of(src, "byte_end")) {
			say(k, "source", item, "failed", "the cut takes %lld video packets at bytes "
			    "%lld..%lld, the manifest says %lld at %lld..%lld", (long long)c.nvideo,
			    (long long)c.byte_start, (long long)c.byte_end,
			    (long long)jint_of(src, "video_packets"),
			    (long long)jint_of(src, "byte_start"), (long long)jint_of(src, "byte_end"));
			ok = 0;
		} else {
			say(k, "source", item, "ok", NULL);
		}
	}
	if (ok && started) {
		json_t *v = json_object_get(clip, "video");
		const char *want_a = json_string_value(json_object_get(audio, "packets_sha256"));
		if (vidx__phash_final(&ch.vh, vhex) < 0 ||
		    (ch.ah.md && vidx__phash_final(&ch.ah, ahex) < 0)) {
			say(k, "source", clip_path, "failed", "SHA-256 failed");
		} else if (strcmp(vhex, jstr_of(v, "packets_sha256"))) {
			say(k, "source", clip_path, "modified", "the sources' video packets hash to "
			    "%s, the manifest says %s", vhex, jstr_of(v, "packets_sha256"));
		} else if (want_a && (!ch.ah.packets || strcmp(ahex, want_a))) {
			say(k, "source", clip_path, "modified", "the sources' audio packets differ "
			    "from the manifest's");
		} else if (bytes) {
			unsigned char d[32];
			char bhex[65];
			unsigned j;
			EVP_DigestFinal_ex(bytes, d, NULL);
			for (j = 0; j < 32; j++)
				snprintf(bhex + 2 * j, 3, "%02x", d[j]);
			if (strcmp(bhex, jstr_of(clip, "sha256")))
				say(k, "source", clip_path, "modified", "the sources' bytes hash to %s, "
				    "the clip is %s", bhex, jstr_of(clip, "sha256"));
			else
				say(k, "source", clip_path, "ok", "the clip is the sources' bytes");
		} else {
			say(k, "source", clip_path, "ok", "same packets as the sources");
		}
	}
	vidx__phash_free(&ch.vh);
	vidx__phash_free(&ch.ah);
	EVP_MD_CTX_free(bytes);
}

/* ---- signatures: the manifest's, and the ONVIF export's in each clip ---------- */

/* FILE whole (manifests are small); NULL when it cannot be read */
static unsigned char *slurp(const char *path, size_t max, size_t *n)
{
	FILE *f = fopen(path, "re");
	unsigned char *b = f ? malloc(max + 1) : NULL;
	if (b) {
		*n = fread(b, 1, max + 1, f);
		if (ferror(f) || *n > max) {
			free(b);
			b = NULL;
		}
	}
	if (f)
		fclose(f);
	return b;
}

static void short_fpr(const char *fpr, char out[17])
{
	snprintf(out, 17, "%.16s", fpr ? fpr : "");
}

/* manifest.json.sig: the Ed25519 signature of the manifest by the key it
 * names; with a trust file, that key must be in it, under the manifest's
 * operator.  Sets *SIGNED. */
static void check_manifest_sig(checker *k, const char *dir, json_t *man, int *signed_)
{
	vidx *h = k->h;
	json_t *who = json_object_get(man, "signed_by");
	const char *fpr = jstr_of(who, "key_sha256"), *name = jstr_of(who, "operator");
	const char *pem = jstr_of(who, "public_key"), *tname, *tpem = NULL;
	char path[PATH_MAX], sf[17], got[65];
	unsigned char *text = NULL, *sig = NULL;
	size_t tn = 0, sn = 0;
	int r;

	*signed_ = 0;
	snprintf(path, sizeof(path), "%s/manifest.json.sig", dir);
	if (!json_is_object(who) && access(path, F_OK) < 0) {
		say(k, "signature", "manifest.json", "skipped", "not signed: nothing shows "
		    "who made it (a pull without a key, or from before vidx signed)");
		return;
	}
	*signed_ = 1;
	short_fpr(fpr, sf);
	if (!json_is_object(who)) {
		say(k, "signature", "manifest.json", "failed", "there is a manifest.json.sig "
		    "but the manifest names no signer (signed_by)");
		return;
	}
	if (!(sig = slurp(path, 64, &sn))) {
		say(k, "signature", "manifest.json", "missing", "manifest.json.sig: %s "
		    "(the manifest says %s signed it)", access(path, F_OK) ? strerror(ENOENT)
		    : "not a signature", name);
		return;
	}
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	if (!(text = slurp(path, 256 << 20, &tn))) {
		say(k, "signature", "manifest.json", "failed", "cannot read it");
		goto out;
	}
	if (h->trust) {
		if (!(tname = vidx__trusted(h, fpr, 0, &tpem))) {
			say(k, "signature", "manifest.json", "failed", "signed with key %s "
			    "(%s, says the manifest), which is not in the trust file", sf, name);
		} else if ((r = vidx__verify(tpem, text, tn, sig, sn)) != 1) {
			say(k, "signature", "manifest.json", "failed", "the signature does not "
			    "verify with %s's key %s: the manifest was changed after it was "
			    "signed", tname, sf);
		} else if (strcmp(tname, name) || strcmp(tname, jstr_of(man, "operator"))) {
			say(k, "signature", "manifest.json", "failed", "signed with the key of "
			    "%s (trust file), but the manifest says its operator is %s",
			    tname, jstr_of(man, "operator"));
		} else {
			say(k, "signature", "manifest.json", "ok", "signed by %s, key %s, as "
			    "the trust file has it", tname, sf);
		}
	} else if (vidx__pem_fingerprint(pem, got) < 0 || strcmp(got, fpr)) {
		say(k, "signature", "manifest.json", "failed", "the public key the manifest "
		    "gives is not key %s", sf);
	} else if (vidx__verify(pem, text, tn, sig, sn) != 1) {
		say(k, "signature", "manifest.json", "failed", "the signature does not "
		    "verify with the key it names (%s, %s)", sf, name);
	} else if (strcmp(name, jstr_of(man, "operator"))) {
		say(k, "signature", "manifest.json", "failed", "signed with key %s in the "
		    "name of %s, but the manifest says its operator is %s", sf, name,
		    jstr_of(man, "operator"));
	} else {
		say(k, "signature", "manifest.json", "ok", "a valid signature by key %s (%s, "
		    "says the manifest); not checked against a trust file: anyone can make "
		    "a key in any name", sf, name);
	}
out:
	free(text);
	free(sig);
}

/* the ONVIF export boxes of an MP4 clip: the export box, the true start
 * time of its tracks, the timed-text track, and the signature */
static void check_onvif(checker *k, const char *full, const char *rel, json_t *clip,
                        json_t *man)
{
	vidx *h = k->h;
	json_t *ov = json_object_get(clip, "onvif"), *g = json_object_get(ov, "signature");
	vidx__oeff_info o;
	int64_t want = VIDX_TIME_NONE, cues = jint_of(json_object_get(ov, "timed_text"), "cues");
	char b1[VIDX_TIME_BUFSZ], b2[VIDX_TIME_BUFSZ], sf[17];
	size_t i, text = 0;
	int fd;

	if (!json_is_object(ov)) {
		if (!strcmp(jstr_of(clip, "format"), "mp4"))
			say(k, "onvif", rel, "skipped", "no ONVIF export boxes (pulled before "
			    "vidx wrote them)");
		return;
	}
	if ((fd = open(full, O_RDONLY | O_CLOEXEC)) < 0) {
		say(k, "onvif", rel, "failed", "%s", strerror(errno));
		return;
	}
	if (vidx__oeff_read(h, fd, &o) < 0) {
		say(k, "onvif", rel, "failed", "%s", vidx_errmsg(h));
		close(fd);
		return;
	}
	close(fd);
	vidx_time_parse(h, jstr_of(clip, "start"), "UTC", &want);
	for (i = 0; i < o.ntracks; i++)
		if ((!strcmp(o.tracks[i].handler, "text") || !strcmp(o.tracks[i].handler, "sbtl")) &&
		    o.tracks[i].filled == (uint32_t)cues)
			text++;
	if (!o.meta || !o.suep || !o.cstb) {
		say(k, "onvif", rel, "failed", "the ONVIF export boxes the manifest records "
		    "are not there (meta with suep and cstb)");
	} else if (want == VIDX_TIME_NONE || o.start == VIDX_TIME_NONE ||
	           llabs(o.start - want) > 1000) {
		say(k, "onvif", rel, "modified", "its corrected start time (cstb) is %s, the "
		    "manifest says %s", vidx_time_format(o.start, b1), jstr_of(clip, "start"));
	} else if (strcmp(o.by, jstr_of(man, "operator"))) {
		say(k, "onvif", rel, "modified", "its export box names operator '%s', the "
		    "manifest '%s'", o.by, jstr_of(man, "operator"));
	} else if (text != 1) {
		say(k, "onvif", rel, "modified", "no timed-text track of %lld cues, as the "
		    "manifest says", (long long)cues);
	} else {
		say(k, "onvif", rel, "ok", "export box: operator %s, exported %s by %s; "
		    "source %s; true start %s; timed text, %lld cues", o.by,
		    vidx_time_format(o.exported, b2), o.unit, o.source,
		    vidx_time_format(o.start, b1), (long long)cues);
	}
	short_fpr(jstr_of(g, "certificate_sha256"), sf);
	if (!json_is_object(g)) {
		if (o.sig != VIDX__OEFF_UNSIGNED)
			say(k, "onvif", rel, "modified", "it has an ONVIF signature the manifest "
			    "does not record");
		return;
	}
	if (o.sig == VIDX__OEFF_UNSIGNED || o.sig == VIDX__OEFF_BAD_LAYOUT) {
		say(k, "onvif", rel, "failed", "%s", o.sig == VIDX__OEFF_UNSIGNED ? "its ONVIF "
		    "signature is missing" : "its ONVIF signature boxes are not as the format "
		    "lays them out (ipro/sinf/schm 'oeff'/schi/sibo+cert, last in the file)");
	} else if (o.sig == VIDX__OEFF_BAD_CERT || o.sig == VIDX__OEFF_WEAK_KEY) {
		say(k, "onvif", rel, "failed", "%s", o.sig == VIDX__OEFF_BAD_CERT ? "its "
		    "certificate cannot be read" : "its certificate's key is not RSA of 2048 "
		    "bits or more");
	} else if (o.sig == VIDX__OEFF_INVALID) {
		say(k, "onvif", rel, "failed", "its ONVIF signature (RSASSA-PSS) does not "
		    "verify: the clip was changed after it was signed");
	} else if (strcmp(o.cert_fpr, jstr_of(g, "certificate_sha256"))) {
		say(k, "onvif", rel, "failed", "signed with another certificate (%.16s) than "
		    "the manifest's (%s)", o.cert_fpr, sf);
	} else if (h->trust && !vidx__trusted(h, o.cert_fpr, 1, NULL)) {
		say(k, "onvif", rel, "failed", "its ONVIF signature is valid, but its "
		    "certificate %s (%s) is not in the trust file", sf, o.cert_subject);
	} else {
		say(k, "onvif", rel, "ok", "ONVIF signature valid (RSASSA-PSS, SHA-256), "
		    "certificate %s %s%s", sf, o.cert_subject, h->trust ? ", as the trust "
		    "file has it" : "; not checked against a trust file");
	}
}

static void check_clip(checker *k, const char *dir, json_t *clip, int no_sources)
{
	vidx *h = k->h;
	const char *rel = json_string_value(json_object_get(clip, "path"));
	json_t *v = json_object_get(clip, "video"), *a = json_object_get(clip, "audio");
	const char *want_a = json_string_value(json_object_get(a, "packets_sha256"));
	char full[PATH_MAX], hex[65], vhex[65], ahex[65] = "";
	int64_t size = 0, nv = 0, na = 0;
	json_t *seen;
	int r;

	if (!safe_rel(rel)) {
		say(k, "clip", rel ? rel : "(no path)", "failed", "the manifest's path is "
		    "not inside the folder");
		return;
	}
	snprintf(full, sizeof(full), "%s/%s", dir, rel);
	if ((seen = json_object_get(k->hashed, rel))) {
		/* hashed a moment ago for SHA256SUMS: not read twice */
		snprintf(hex, sizeof(hex), "%s", json_string_value(json_array_get(seen, 0)));
		size = json_integer_value(json_array_get(seen, 1));
	} else if ((r = vidx__sha256_path(h, full, 0, hex, &size)) < 0) {
		say(k, "clip", rel, r == VIDX_ENOENT ? "missing" : "failed", "%s", vidx_errmsg(h));
		return;
	}
	if (strcmp(hex, jstr_of(clip, "sha256")) || size != jint_of(clip, "size")) {
		say(k, "clip", rel, "modified", "SHA-256 %s (%lld bytes), the manifest says "
		    "%s (%lld bytes)", hex, (long long)size, jstr_of(clip, "sha256"),
		    (long long)jint_of(clip, "size"));
		return;
	}
	if (packet_hashes(h, full, want_a != NULL, k->phv, vhex, ahex, &nv, &na) < 0) {
		say(k, "clip", rel, "failed", "%s", vidx_errmsg(h));
		return;
	}
	if (strcmp(vhex, jstr_of(v, "packets_sha256")) || nv != jint_of(v, "packets"))
		say(k, "clip", rel, "modified", "its video packets (%lld) hash to %s, the "
		    "manifest says %s (%lld)", (long long)nv, vhex, jstr_of(v, "packets_sha256"),
		    (long long)jint_of(v, "packets"));
	else if (want_a && strcmp(ahex, want_a))
		say(k, "clip", rel, "modified", "its audio packets hash to %s, the manifest "
		    "says %s", ahex, want_a);
	else
		say(k, "clip", rel, "ok", NULL);
	check_onvif(k, full, rel, clip, k->man);
	if (!no_sources)
		check_sources(k, clip, rel);
}

typedef struct pullfind {
	const char *mhex;
	int found;
	int64_t head_seq;      /* the manifest's custody_head, 0 none */
	const char *head_hash;
	int head_seen, head_ok;
} pullfind;

static int find_pull(void *ctx, const vidx_event *e)
{
	pullfind *p = ctx;
	json_t *d;

	if (p->head_seq && e->seq == p->head_seq) {
		p->head_seen = 1;
		p->head_ok = e->hash && !strcmp(e->hash, p->head_hash);
	}
	if (strcmp(e->kind, "pull") || !(d = json_loads(e->detail, 0, NULL)))
		return 0;
	if (!strcmp(jstr_of(d, "manifest_sha256"), p->mhex))
		p->found = 1;
	json_decref(d);
	return 0;
}

int vidx_verify_dir(vidx *h, const char *dir, int no_sources, const char *by,
                    void (*cb)(void *ctx, const vidx_check *c), void *ctx)
{
	checker k = {h, by && *by ? by : "vidx-verify", cb, ctx, 0, NULL, 0, NULL, 1, NULL};
	char path[PATH_MAX], mhex[65];
	json_t *man = NULL, *clips, *c;
	json_error_t err;
	const char *case_id;
	int64_t msize;
	size_t i;
	int rc = 0, man_signed = 0;

	if (!vidx_operator_valid(k.by))
		return vidx__fail(h, VIDX_EINVAL, "the operator's name must be one line "
		                  "of UTF-8 text without control characters");
	k.failures = json_array();
	k.hashed = json_object();
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	if (!(man = json_load_file(path, JSON_REJECT_DUPLICATES, &err)) ||
	    !json_is_object(man) || jint_of(man, "vidx_manifest") != 1 ||
	    !json_is_array(json_object_get(man, "clips"))) {
		rc = vidx__fail(h, access(path, F_OK) ? VIDX_ENOENT : VIDX_EFORMAT,
		                "%s: %s", path, access(path, F_OK) ? strerror(ENOENT)
		                : man ? "not a vidx manifest" : err.text);
		goto out;
	}
	if (vidx__sha256_path(h, path, 0, mhex, &msize) < 0) {
		rc = vidx__fail(h, VIDX_EIO, "%s: %s", path, vidx_errmsg(h));
		goto out;
	}
	clips = json_object_get(man, "clips");
	case_id = jstr_of(man, "case");
	if (!json_array_size(clips)) {
		rc = vidx__fail(h, VIDX_ENOENT, "%s lists no clips: nothing to verify", path);
		goto out;
	}
	/* manifests from before version 2 of the packet hash say nothing */
	k.phv = json_is_integer(json_object_get(man, "packets_sha256_version"))
	      ? (int)jint_of(man, "packets_sha256_version") : 1;
	if (k.phv < 1 || k.phv > VIDX_PHASH_VERSION) {
		rc = vidx__fail(h, VIDX_EFORMAT, "%s: packet hash version %d is not one "
		                "this vidx knows (upgrade vidx)", path, k.phv);
		goto out;
	}
	k.man = man;
	check_sums(&k, dir, clips);
	check_manifest_sig(&k, dir, man, &man_signed);
	json_array_foreach(clips, i, c)
		check_clip(&k, dir, c, no_sources);
	if (no_sources)
		say(&k, "source", "(all)", "skipped", "--no-sources");

	/* the custody log: intact, and it recorded this very manifest */
	if (!h->db) {
		say(&k, "custody", case_id, "skipped", "no index to read the log from");
	} else {
		vidx_custody_report r;
		json_t *head = json_object_get(man, "custody_head");
		pullfind pf = {mhex, 0, jint_of(head, "seq"), jstr_of(head, "hash"), 0, 0};
		if (vidx_custody_check(h, case_id, find_pull, &pf, &r) < 0) {
			say(&k, "custody", case_id, "failed", "%s", vidx_errmsg(h));
		} else {
			int ok = say_log(&k, case_id, &r);
			/* the head the pull followed is an anchor the folder kept */
			if (json_is_object(head) && pf.head_seq > 0 && !pf.head_ok) {
				say(&k, "custody", case_id, "failed", "the log this pull followed "
				    "(event %lld, %.16s...) is not in it any more: %s",
				    (long long)pf.head_seq, pf.head_hash, pf.head_seen ?
				    "it was rewritten" : "it was cut back");
				ok = 0;
			}
			if (!pf.found) {
				say(&k, "custody", case_id, "failed", "no pull event in the log "
				    "records this manifest (SHA-256 %s)", mhex);
				ok = 0;
			}
			if (r.signed_case && !man_signed)
				say(&k, "signature", "manifest.json", "failed", "not signed, in a "
				    "case that requires signed events");
			if (ok)
				say(&k, "custody", case_id, "ok", "chain intact; the pull of this "
				    "manifest is in it%s%s", json_is_object(head) ? ", after the head "
				    "it recorded" : "", r.summary + strlen("chain intact"));
		}
		if (!vidx__case_exists(h, case_id) && sqlite3_db_readonly(h->db, "main") == 0) {
			char *abs = realpath(dir, NULL);
			int r = log_event(&k, case_id, "folder", abs ? abs : dir);
			free(abs);
			if (r < 0)
				rc = r;
		}
	}
	if (rc == 0)
		rc = k.bad;
out:
	json_decref(man);
	json_decref(k.failures);
	json_decref(k.hashed);
	return rc;
}
