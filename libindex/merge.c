/*
 * merge.c - many shards into one index: the cameras, clock observations,
 * recordings (with their paths, segments, keyframes and whatever else
 * hangs off a recording), cases and custody logs of each shard, in one
 * transaction.
 *
 * Shards are opened read-only, each on its own connection inside a read
 * transaction (a consistent snapshot, however many shards: SQLite attaches
 * at most 10), and copied row by row, column by column as the schema has
 * them, so a column added by a later migration travels without a change
 * here.  Rules:
 *  - cameras must agree in every field but the row id and the creation
 *    time (the earliest is kept); any difference is a conflict;
 *  - a case's custody log must be the same, event for event and field for
 *    field, or one a prefix of the other (the longer is kept, copied
 *    verbatim, so its chain verifies the same); anything else is a
 *    conflict.  Conflicts are all reported, and nothing is merged;
 *  - a signing key (keys: the public keys that signed custody events,
 *    which travel with each event) is its fingerprint: one already there
 *    must have the same name and public key (the earliest time it was
 *    added is kept), anything else is a conflict;
 *  - a clock observation already there (every field but its row id and
 *    when it was recorded) is not added again;
 *  - a recording is its SHA-256: one already there keeps its row and
 *    description and gains the shard's paths (a description that differs
 *    is reported as a note); a new one is copied with its children.
 * So a merge run again changes nothing.
 *
 * Into an existing index the merge is one IMMEDIATE transaction: killed,
 * it leaves the index as it was.  A new index is built in a private file
 * beside it (.NAME.merge-PID.partial, no journal: nothing else sees it)
 * and linked into place when complete, so a kill leaves no index at all;
 * a later merge removes the partial file of a merge that is no longer
 * running.
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* The tables that hang off a recording are found by their foreign key
 * (recording_id -> recordings), so one added by a later migration is
 * merged too; recording_paths is copied for a recording already in the
 * index as well.  Every other table must be one of these, which the merge
 * handles each in its own way; a shard with rows in a table it does not
 * know is refused rather than merged without them. */
static const char *const known[] = {
	"cameras", "clock_obs", "recordings", "cases", "custody", "keys",
};
/* R*Trees, kept by triggers but place_chunk, whose entries of a recording
 * (its place by the minute, the recording an auxiliary column) are copied
 * with it; their shadow tables are NAME_node, _parent and _rowid */
static const char *const rtrees[] = {"camera_geo", "segment_span", "place_chunk"};
#define MAX_CHILD 16

/* ---- columns ------------------------------------------------------------ */

typedef struct cols {
	char **name;
	int n;
	int rowid_pk; /* index of an INTEGER PRIMARY KEY column, -1 none */
} cols;

static void cols_free(cols *c)
{
	int i;
	for (i = 0; i < c->n; i++)
		free(c->name[i]);
	free(c->name);
	memset(c, 0, sizeof(*c));
}

/* the columns of TABLE in DB's main schema, in order */
static int table_cols(vidx *h, sqlite3 *db, const char *table, cols *c)
{
	sqlite3_stmt *st = NULL;
	char *sql = sqlite3_mprintf("PRAGMA main.table_info(\"%w\")", table);
	int rc = 0, npk = 0, pk_col = -1, pk_int = 0;

	memset(c, 0, sizeof(*c));
	c->rowid_pk = -1;
	if (!sql)
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_free(sql);
		return vidx__fail(h, VIDX_ERR, "index: table %s: %s", table, sqlite3_errmsg(db));
	}
	sqlite3_free(sql);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char **m = realloc(c->name, (size_t)(c->n + 1) * sizeof(*m));
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *type = (const char *)sqlite3_column_text(st, 2);
		if (!m || !name || !(m[c->n] = strdup(name))) {
			free(m == c->name ? NULL : m);
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			break;
		}
		c->name = m;
		if (sqlite3_column_int(st, 5) > 0) {
			npk++;
			pk_col = c->n;
			pk_int = type && !strcasecmp(type, "INTEGER");
		}
		c->n++;
	}
	sqlite3_finalize(st);
	if (rc == 0 && !c->n)
		rc = vidx__fail(h, VIDX_EFORMAT, "no table %s: not a vidx index", table);
	if (npk == 1 && pk_int)
		c->rowid_pk = pk_col;
	if (rc < 0)
		cols_free(c);
	return rc;
}

static int col_index(const cols *c, const char *name)
{
	int i;
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->name[i], name))
			return i;
	return -1;
}

/* "a", "b", ... of C without column SKIP (-1: none), as SQL */
static char *col_list(const cols *c, int skip, const char *prefix)
{
	char *s = sqlite3_mprintf("%s", ""), *t;
	int i, first = 1;
	for (i = 0; s && i < c->n; i++) {
		if (i == skip)
			continue;
		t = sqlite3_mprintf("%s%s%s\"%w\"", s, first ? "" : ", ", prefix, c->name[i]);
		sqlite3_free(s);
		s = t;
		first = 0;
	}
	return s;
}

static char *placeholders(int n)
{
	char *s = sqlite3_mprintf("%s", ""), *t;
	int i;
	for (i = 0; s && i < n; i++) {
		t = sqlite3_mprintf("%s%s?%d", s, i ? ", " : "", i + 1);
		sqlite3_free(s);
		s = t;
	}
	return s;
}

/* SQL on DB, the index or the shard NAME (named in a failure: a damaged
 * shard is told from the index) */
static int prep_in(vidx *h, sqlite3 *db, const char *name, char *sql, sqlite3_stmt **st)
{
	int rc = 0;
	if (!sql)
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		rc = vidx__fail(h, VIDX_ERR, "%s: %s", name, sqlite3_errmsg(db));
	sqlite3_free(sql);
	return rc;
}

static int prep(vidx *h, sqlite3 *db, char *sql, sqlite3_stmt **st)
{
	return prep_in(h, db, "index", sql, st);
}

/* a value of a row, shown in a message: one line, cut short */
static void show_value(sqlite3_value *v, char *b, size_t n)
{
	const unsigned char *t;
	size_t i, o = 0;

	if (sqlite3_value_type(v) == SQLITE_NULL) {
		snprintf(b, n, "null");
		return;
	}
	if (sqlite3_value_type(v) == SQLITE_FLOAT) {
		/* as many digits as it takes: two that differ never look alike */
		double d = sqlite3_value_double(v);
		int p;
		for (p = 15; p < 17; p++) {
			snprintf(b, n, "%.*g", p, d);
			if (strtod(b, NULL) == d)
				return;
		}
		snprintf(b, n, "%.17g", d);
		return;
	}
	if (sqlite3_value_type(v) == SQLITE_BLOB) {
		snprintf(b, n, "(%d bytes)", sqlite3_value_bytes(v));
		return;
	}
	t = sqlite3_value_text(v);
	for (i = 0; t && t[i] && o + 4 < n && i < 80; i++)
		b[o++] = t[i] < 0x20 || t[i] == 0x7f ? '?' : (char)t[i];
	if (t && t[i])
		b[o++] = '.', b[o++] = '.', b[o++] = '.';
	b[o] = 0;
}

static int same_value(sqlite3_value *a, sqlite3_value *b)
{
	int ta = sqlite3_value_type(a), tb = sqlite3_value_type(b);
	if (ta != tb)
		return 0;
	switch (ta) {
	case SQLITE_NULL: return 1;
	case SQLITE_INTEGER: return sqlite3_value_int64(a) == sqlite3_value_int64(b);
	case SQLITE_FLOAT: return sqlite3_value_double(a) == sqlite3_value_double(b);
	default: {
		/* the pointer first, then its length (sqlite3_value_blob(3)) */
		const void *pa = sqlite3_value_blob(a), *pb = sqlite3_value_blob(b);
		int na = sqlite3_value_bytes(a), nb = sqlite3_value_bytes(b);
		return na == nb && (!na || !memcmp(pa, pb, (size_t)na));
	}
	}
}

/* ---- the merge ------------------------------------------------------------ */

typedef struct merge {
	vidx *h;                  /* OUT open */
	const vidx_merge_opts *o;
	const char *out;          /* OUT's name, for messages */
	int conflicts;
	vidx_merge_stats *cur;    /* what the shard being merged adds */
} merge;

static void conflict(merge *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void conflict(merge *m, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	m->conflicts++;
	if (m->o && m->o->on_conflict)
		m->o->on_conflict(m->o->ctx, msg);
}

static void note(merge *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(merge *m, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (m->o && m->o->on_note)
		m->o->on_note(m->o->ctx, msg);
}

/* Where each camera and case in OUT came from, for conflict messages. */
static int origin_set(merge *m, const char *kind, const char *key, const char *src)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if (prep(m->h, m->h->db, sqlite3_mprintf("INSERT OR IGNORE INTO temp.merge_origin"
	         " VALUES (?1, ?2, ?3)"), &st) < 0)
		return VIDX_ERR;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, src, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : vidx__sql_fail(m->h, "merging");
}

static void origin_get(merge *m, const char *kind, const char *key, char *b, size_t n)
{
	sqlite3_stmt *st = NULL;
	snprintf(b, n, "%s", m->out);
	if (prep(m->h, m->h->db, sqlite3_mprintf("SELECT src FROM temp.merge_origin"
	         " WHERE kind = ?1 AND key = ?2"), &st) < 0)
		return;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(b, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* rows with a natural key (cameras by id, signing keys by fingerprint):
 * new ones added; one already there must agree column for column, or a
 * reader would be told another camera, or shown a key that is not the one
 * that signed.  The earliest of the two "since" times is kept. */
typedef struct {
	const char *table, *key, *since; /* table, natural key, since column */
	const char *skip;                /* a rowid not copied (or NULL) */
	const char *kind;                /* "camera": for origins and messages */
	int short_key;                   /* messages show 16 characters of it */
} keyed_table;

static int merge_keyed(merge *m, sqlite3 *sh, const char *name, const keyed_table *t,
                       int64_t *added)
{
	vidx *h = m->h;
	sqlite3_stmt *src = NULL, *find = NULL, *ins = NULL, *older = NULL;
	cols c;
	char *list = NULL, *il = NULL, *ph = NULL, what[64];
	int rc, i, key_col, since_col, skip_col = -1;

	snprintf(what, sizeof(what), "merging %ss", t->kind);
	if ((rc = table_cols(h, h->db, t->table, &c)) < 0)
		return rc;
	key_col = col_index(&c, t->key);
	since_col = col_index(&c, t->since);
	if (t->skip)
		skip_col = col_index(&c, t->skip);
	if (key_col < 0 || since_col < 0 || (t->skip && skip_col < 0)) {
		rc = vidx__fail(h, VIDX_EFORMAT, "%s: no %s, %s or %s column", t->table,
		                t->key, t->since, t->skip ? t->skip : "key");
		goto out;
	}
	if (!(list = col_list(&c, -1, "")) || !(il = col_list(&c, skip_col, "")) ||
	    !(ph = placeholders(c.n - (skip_col >= 0)))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = prep_in(h, sh, name, sqlite3_mprintf("SELECT %s FROM main.\"%w\" ORDER BY \"%w\"",
	                                      list, t->table, t->key), &src)) < 0 ||
	    (rc = prep(h, h->db, sqlite3_mprintf("SELECT %s FROM main.\"%w\" WHERE"
	                                         " \"%w\" = ?1", list, t->table, t->key),
	               &find)) < 0 ||
	    (rc = prep(h, h->db, sqlite3_mprintf("INSERT INTO main.\"%w\" (%s) VALUES (%s)",
	                                         t->table, il, ph), &ins)) < 0 ||
	    (rc = prep(h, h->db, sqlite3_mprintf("UPDATE main.\"%w\" SET \"%w\" = ?2 WHERE"
	                                         " \"%w\" = ?1 AND \"%w\" > ?2", t->table,
	                                         t->since, t->key, t->since), &older)) < 0)
		goto out;
	while ((rc = sqlite3_step(src)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(src, key_col);
		key = key ? key : "";
		sqlite3_reset(find);
		sqlite3_bind_value(find, 1, sqlite3_column_value(src, key_col));
		if ((rc = sqlite3_step(find)) == SQLITE_ROW) {
			for (i = 0; i < c.n; i++) {
				char a[128], b[128], from[256];
				if (i == skip_col || i == since_col ||
				    same_value(sqlite3_column_value(src, i), sqlite3_column_value(find, i)))
					continue;
				show_value(sqlite3_column_value(src, i), a, sizeof(a));
				show_value(sqlite3_column_value(find, i), b, sizeof(b));
				origin_get(m, t->kind, key, from, sizeof(from));
				if (t->short_key)
					conflict(m, "%s %.16s: %s is %s in %s but %s in %s", t->kind, key,
					         c.name[i], a, name, b, from);
				else
					conflict(m, "%s '%s': %s is %s in %s but %s in %s", t->kind, key,
					         c.name[i], a, name, b, from);
				break;
			}
			sqlite3_reset(older);
			sqlite3_bind_value(older, 1, sqlite3_column_value(src, key_col));
			sqlite3_bind_value(older, 2, sqlite3_column_value(src, since_col));
			if (sqlite3_step(older) != SQLITE_DONE) {
				rc = vidx__sql_fail(h, what);
				goto out;
			}
		} else if (rc == SQLITE_DONE) {
			int k = 1;
			sqlite3_reset(ins);
			for (i = 0; i < c.n; i++)
				if (i != skip_col)
					sqlite3_bind_value(ins, k++, sqlite3_column_value(src, i));
			if (sqlite3_step(ins) != SQLITE_DONE) {
				rc = vidx__sql_fail(h, what);
				goto out;
			}
			if ((rc = origin_set(m, t->kind, key, name)) < 0)
				goto out;
			(*added)++;
		} else {
			rc = vidx__sql_fail(h, what);
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : vidx__fail(h, VIDX_ERR, "%s: reading %s: %s",
	                                         name, t->table, sqlite3_errmsg(sh));
out:
	sqlite3_finalize(src);
	sqlite3_finalize(find);
	sqlite3_finalize(ins);
	sqlite3_finalize(older);
	sqlite3_free(list);
	sqlite3_free(il);
	sqlite3_free(ph);
	cols_free(&c);
	return rc;
}

static const keyed_table CAMERAS = {"cameras", "id", "created", "rid", "camera", 0};
static const keyed_table KEYS = {"keys", "fingerprint", "added", NULL, "key", 1};

/* one case's log, shard against OUT: the same, a prefix, or a conflict */
static int merge_log(merge *m, sqlite3 *sh, const char *name, const char *case_id,
                     const cols *c, int fresh)
{
	vidx *h = m->h;
	sqlite3_stmt *a = NULL, *b = NULL, *ins = NULL;
	char *list = col_list(c, c->rowid_pk, ""), *ph = placeholders(c->n - (c->rowid_pk >= 0));
	int rc, ra = SQLITE_DONE, rb = SQLITE_DONE, i, k;
	int64_t n = 0, added = 0;
	vidx_custody_report before = {0};

	if (!list || !ph) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = prep_in(h, sh, name, sqlite3_mprintf("SELECT %s FROM main.custody WHERE case_id"
	                                      " = ?1 ORDER BY seq", list), &a)) < 0 ||
	    (rc = prep(h, h->db, sqlite3_mprintf("SELECT %s FROM main.custody WHERE case_id"
	                                         " = ?1 ORDER BY seq", list), &b)) < 0 ||
	    (rc = prep(h, h->db, sqlite3_mprintf("INSERT INTO main.custody (%s) VALUES (%s)",
	                                         list, ph), &ins)) < 0)
		goto out;
	sqlite3_bind_text(a, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(b, 1, case_id, -1, SQLITE_STATIC);
	/* the events both logs have must be the same, field for field */
	for (;;) {
		ra = sqlite3_step(a);
		rb = fresh ? SQLITE_DONE : sqlite3_step(b);
		if (ra != SQLITE_ROW || rb != SQLITE_ROW)
			break;
		n++;
		for (i = 0, k = 0; i < c->n; i++) {
			char x[128], y[128], from[256];
			if (i == c->rowid_pk)
				continue;
			if (!same_value(sqlite3_column_value(a, k), sqlite3_column_value(b, k))) {
				show_value(sqlite3_column_value(a, k), x, sizeof(x));
				show_value(sqlite3_column_value(b, k), y, sizeof(y));
				origin_get(m, "case", case_id, from, sizeof(from));
				conflict(m, "case '%s': the custody logs differ at event %lld: %s is "
				         "%s in %s but %s in %s", case_id, (long long)n, c->name[i],
				         x, name, y, from);
				rc = 0;
				goto out;
			}
			k++;
		}
	}
	if ((ra != SQLITE_ROW && ra != SQLITE_DONE) || (rb != SQLITE_ROW && rb != SQLITE_DONE)) {
		rc = vidx__fail(h, VIDX_ERR, "%s: reading the custody log of '%s'", name, case_id);
		goto out;
	}
	sqlite3_reset(b); /* done with OUT's events before adding to them */
	/* what OUT's log already has checks out or not; the events added to it
	 * must not make it fail (a broken log travels as it is only into an
	 * index that does not have the case) */
	if (!fresh && ra == SQLITE_ROW &&
	    (rc = vidx_custody_check(h, case_id, NULL, NULL, &before)) < 0)
		goto out;
	/* the shard's log goes on: the rest of it, verbatim */
	while (ra == SQLITE_ROW) {
		sqlite3_reset(ins);
		for (k = 0; k < c->n - (c->rowid_pk >= 0); k++)
			sqlite3_bind_value(ins, k + 1, sqlite3_column_value(a, k));
		if (sqlite3_step(ins) != SQLITE_DONE) {
			rc = vidx__sql_fail(h, "merging custody logs");
			goto out;
		}
		m->cur->events++;
		added++;
		ra = sqlite3_step(a);
	}
	if (ra != SQLITE_DONE) {
		rc = vidx__fail(h, VIDX_ERR, "%s: reading the custody log of '%s'", name,
		                case_id);
		goto out;
	}
	rc = 0;
	if (!fresh && added && !before.broken) {
		vidx_custody_report after;
		if ((rc = vidx_custody_check(h, case_id, NULL, NULL, &after)) < 0)
			goto out;
		if (after.broken) {
			char from[256];
			origin_get(m, "case", case_id, from, sizeof(from));
			conflict(m, "case '%s': %s adds %lld event%s to the log of %s that do%s "
			         "not check out (%s)", case_id, name, (long long)added,
			         added == 1 ? "" : "s", from, added == 1 ? "es" : "", after.summary);
		}
	}
out:
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	sqlite3_finalize(ins);
	sqlite3_free(list);
	sqlite3_free(ph);
	return rc;
}

static int merge_cases(merge *m, sqlite3 *sh, const char *name)
{
	vidx *h = m->h;
	sqlite3_stmt *src = NULL, *find = NULL, *ins = NULL;
	cols c, e;
	char *list = NULL, *ph = NULL;
	int rc, i, id_col;

	memset(&e, 0, sizeof(e));
	if ((rc = table_cols(h, h->db, "cases", &c)) < 0)
		return rc;
	if ((rc = table_cols(h, h->db, "custody", &e)) < 0)
		goto out;
	if ((id_col = col_index(&c, "id")) < 0) {
		rc = vidx__fail(h, VIDX_EFORMAT, "cases: no id column");
		goto out;
	}
	if (!(list = col_list(&c, -1, "")) || !(ph = placeholders(c.n))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = prep_in(h, sh, name, sqlite3_mprintf("SELECT %s FROM main.cases ORDER BY id",
	                                      list), &src)) < 0 ||
	    (rc = prep(h, h->db, sqlite3_mprintf("SELECT %s FROM main.cases WHERE id = ?1",
	                                         list), &find)) < 0 ||
	    (rc = prep(h, h->db, sqlite3_mprintf("INSERT INTO main.cases (%s) VALUES (%s)",
	                                         list, ph), &ins)) < 0)
		goto out;
	while ((rc = sqlite3_step(src)) == SQLITE_ROW) {
		char *id = strdup((const char *)sqlite3_column_text(src, id_col));
		int fresh = 0, bad = 0;
		if (!id) {
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			goto out;
		}
		sqlite3_reset(find);
		sqlite3_bind_text(find, 1, id, -1, SQLITE_TRANSIENT);
		if ((rc = sqlite3_step(find)) == SQLITE_ROW) {
			for (i = 0; i < c.n && !bad; i++) {
				char a[128], b[128], from[256];
				if (same_value(sqlite3_column_value(src, i), sqlite3_column_value(find, i)))
					continue;
				show_value(sqlite3_column_value(src, i), a, sizeof(a));
				show_value(sqlite3_column_value(find, i), b, sizeof(b));
				origin_get(m, "case", id, from, sizeof(from));
				conflict(m, "case '%s': %s is %s in %s but %s in %s", id, c.name[i],
				         a, name, b, from);
				bad = 1;
			}
		} else if (rc == SQLITE_DONE) {
			sqlite3_reset(ins);
			for (i = 0; i < c.n; i++)
				sqlite3_bind_value(ins, i + 1, sqlite3_column_value(src, i));
			if (sqlite3_step(ins) != SQLITE_DONE ||
			    (rc = origin_set(m, "case", id, name)) < 0) {
				free(id);
				rc = vidx__sql_fail(h, "merging cases");
				goto out;
			}
			m->cur->cases++;
			fresh = 1;
		} else {
			free(id);
			rc = vidx__sql_fail(h, "merging cases");
			goto out;
		}
		sqlite3_reset(find);
		rc = bad ? 0 : merge_log(m, sh, name, id, &e, fresh);
		free(id);
		if (rc < 0)
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : vidx__fail(h, VIDX_ERR, "%s: reading cases: %s",
	                                         name, sqlite3_errmsg(sh));
out:
	sqlite3_finalize(src);
	sqlite3_finalize(find);
	sqlite3_finalize(ins);
	sqlite3_free(list);
	sqlite3_free(ph);
	cols_free(&c);
	cols_free(&e);
	return rc;
}

/* clock observations: each once, whoever recorded it when */
static int merge_clock(merge *m, sqlite3 *sh, const char *name)
{
	vidx *h = m->h;
	sqlite3_stmt *src = NULL, *find = NULL, *ins = NULL;
	cols c;
	char *list = NULL, *where = NULL, *il = NULL, *ph = NULL;
	int rc, i, k, rec_col;

	if ((rc = table_cols(h, h->db, "clock_obs", &c)) < 0)
		return rc;
	rec_col = col_index(&c, "recorded");
	if (!(list = col_list(&c, -1, "")) || !(il = col_list(&c, c.rowid_pk, "")) ||
	    !(ph = placeholders(c.n - (c.rowid_pk >= 0)))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	where = sqlite3_mprintf("1");
	for (i = 0, k = 0; where && i < c.n; i++) {
		char *w;
		if (i == c.rowid_pk)
			continue;
		k++;
		if (i == rec_col)
			continue;
		w = sqlite3_mprintf("%s AND \"%w\" IS ?%d", where, c.name[i], k);
		sqlite3_free(where);
		where = w;
	}
	if (!where) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = prep_in(h, sh, name, sqlite3_mprintf("SELECT %s FROM main.clock_obs ORDER BY"
	                                      " camera_id, camera_time, rowid", il), &src)) < 0 ||
	    (rc = prep(h, h->db, sqlite3_mprintf("SELECT 1 FROM main.clock_obs WHERE %s",
	                                         where), &find)) < 0 ||
	    (rc = prep(h, h->db, sqlite3_mprintf("INSERT INTO main.clock_obs (%s) VALUES (%s)",
	                                         il, ph), &ins)) < 0)
		goto out;
	while ((rc = sqlite3_step(src)) == SQLITE_ROW) {
		int nb = c.n - (c.rowid_pk >= 0);
		sqlite3_reset(find);
		sqlite3_clear_bindings(find);
		for (k = 0; k < nb; k++)
			sqlite3_bind_value(find, k + 1, sqlite3_column_value(src, k));
		if ((rc = sqlite3_step(find)) == SQLITE_ROW)
			continue;
		if (rc != SQLITE_DONE) {
			rc = vidx__sql_fail(h, "merging clock observations");
			goto out;
		}
		sqlite3_reset(ins);
		for (k = 0; k < nb; k++)
			sqlite3_bind_value(ins, k + 1, sqlite3_column_value(src, k));
		if (sqlite3_step(ins) != SQLITE_DONE) {
			rc = vidx__sql_fail(h, "merging clock observations");
			goto out;
		}
		m->cur->clock_obs++;
	}
	rc = rc == SQLITE_DONE ? 0 : vidx__fail(h, VIDX_ERR, "%s: reading clock "
	                                         "observations: %s", name, sqlite3_errmsg(sh));
out:
	sqlite3_finalize(src);
	sqlite3_finalize(find);
	sqlite3_finalize(ins);
	sqlite3_free(list);
	sqlite3_free(where);
	sqlite3_free(il);
	sqlite3_free(ph);
	cols_free(&c);
	return rc;
}

/* a table that hangs off recordings, read in recording order beside them */
typedef struct child {
	cols c;
	int rid_col;          /* recording_id among the selected columns */
	int skip;             /* column not copied (a rowid of OUT's own), -1 */
	sqlite3_stmt *src, *ins;
	int state;            /* SQLITE_ROW: a row waits; SQLITE_DONE */
	int always;
	const char *name;     /* the shard's, for messages */
	const char *table;    /* its name (the caller's string) */
} child;

/* OWN_ID: the name of a column that is OUT's to give whatever its type
 * (an R*Tree's id), NULL for none */
static int child_open(merge *m, sqlite3 *sh, const char *name, child *ch,
                      const char *table, int always, const char *own_id)
{
	vidx *h = m->h;
	char *list = NULL, *ph = NULL, *q;
	const char *order;
	sqlite3_stmt *probe = NULL;
	int rc, rid, has_rowid;

	memset(ch, 0, sizeof(*ch));
	ch->name = name;
	ch->table = table;
	ch->always = always;
	ch->state = SQLITE_DONE;
	if ((rc = table_cols(h, h->db, table, &ch->c)) < 0)
		return rc;
	if ((rid = col_index(&ch->c, "recording_id")) < 0)
		return vidx__fail(h, VIDX_EFORMAT, "%s: no recording_id column", table);
	/* a rowid of its own is OUT's to give; recording_id as key is kept */
	ch->skip = ch->c.rowid_pk >= 0 && ch->c.rowid_pk != rid ? ch->c.rowid_pk : -1;
	if (own_id && (ch->skip = col_index(&ch->c, own_id)) < 0)
		return vidx__fail(h, VIDX_EFORMAT, "%s: no %s column", table, own_id);
	ch->rid_col = ch->skip >= 0 && ch->skip < rid ? rid - 1 : rid;
	/* rows of one recording in the order they were written (a table
	 * WITHOUT ROWID is in the order of its key) */
	q = sqlite3_mprintf("SELECT rowid FROM main.\"%w\" LIMIT 0", table);
	has_rowid = q && sqlite3_prepare_v2(sh, q, -1, &probe, NULL) == SQLITE_OK;
	sqlite3_finalize(probe);
	sqlite3_free(q);
	order = has_rowid ? ", rowid" : "";
	if (!(list = col_list(&ch->c, ch->skip, "")) ||
	    !(ph = placeholders(ch->c.n - (ch->skip >= 0)))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = prep_in(h, sh, name, sqlite3_mprintf("SELECT %s FROM main.\"%w\" ORDER BY"
	                                      " recording_id%s", list, table, order), &ch->src)) < 0 ||
	    (rc = prep(h, h->db, sqlite3_mprintf("INSERT OR IGNORE INTO main.\"%w\" (%s)"
	                                         " VALUES (%s)", table, list, ph), &ch->ins)) < 0)
		goto out;
	ch->state = sqlite3_step(ch->src);
	if (ch->state != SQLITE_ROW && ch->state != SQLITE_DONE)
		rc = vidx__fail(h, VIDX_ERR, "%s: reading %s: %s", name, table,
		                sqlite3_errmsg(sh));
out:
	sqlite3_free(list);
	sqlite3_free(ph);
	return rc;
}

static void child_close(child *ch)
{
	sqlite3_finalize(ch->src);
	sqlite3_finalize(ch->ins);
	cols_free(&ch->c);
}

/* copy CH's rows of shard recording OLD as rows of NEW (when FRESH, or
 * for a table copied always); rows of recordings before OLD are skipped */
static int child_copy(merge *m, child *ch, int64_t old, int64_t new_id, int fresh,
                      int64_t *count)
{
	vidx *h = m->h;
	int n = ch->c.n - (ch->skip >= 0), k;

	while (ch->state == SQLITE_ROW && sqlite3_column_int64(ch->src, ch->rid_col) < old)
		ch->state = sqlite3_step(ch->src);
	while (ch->state == SQLITE_ROW && sqlite3_column_int64(ch->src, ch->rid_col) == old) {
		if (fresh || ch->always) {
			sqlite3_reset(ch->ins);
			for (k = 0; k < n; k++) {
				if (k == ch->rid_col)
					sqlite3_bind_int64(ch->ins, k + 1, new_id);
				else
					sqlite3_bind_value(ch->ins, k + 1, sqlite3_column_value(ch->src, k));
			}
			if (sqlite3_step(ch->ins) != SQLITE_DONE)
				return vidx__sql_fail(h, "merging recordings");
			*count += sqlite3_changes(h->db);
		}
		ch->state = sqlite3_step(ch->src);
	}
	if (ch->state != SQLITE_ROW && ch->state != SQLITE_DONE)
		return vidx__fail(h, VIDX_ERR, "%s: reading %s: %s", ch->name, ch->table,
		                  sqlite3_errmsg(sqlite3_db_handle(ch->src)));
	return 0;
}

/* the child tables of recordings in DB, by name (malloc'ed, *N of them) */
static int child_tables(vidx *h, sqlite3 *db, char **out, int *n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*n = 0;
	if ((rc = prep(h, db, sqlite3_mprintf("SELECT m.name FROM main.sqlite_schema m,"
	         " pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND"
	         " f.\"table\" = 'recordings' AND f.\"from\" = 'recording_id'"
	         " ORDER BY m.name = 'recording_paths', m.name"), &st)) < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < MAX_CHILD)
		if (!(out[(*n)++] = strdup((const char *)sqlite3_column_text(st, 0)))) {
			sqlite3_finalize(st);
			return vidx__fail(h, VIDX_ENOMEM, "out of memory");
		}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : vidx__sql_fail(h, "reading the schema");
}

/* every table of shard SH with rows is one the merge knows (the children
 * are those of the index merged into: a table it lacks is not merged) */
static int known_tables(merge *m, sqlite3 *sh, const char *name)
{
	vidx *h = m->h;
	sqlite3_stmt *st = NULL;
	char *child[MAX_CHILD];
	int nchild = 0, rc, i;

	if ((rc = child_tables(h, h->db, child, &nchild)) < 0)
		goto out;
	if ((rc = prep_in(h, sh, name, sqlite3_mprintf("SELECT name FROM main.sqlite_schema WHERE"
	         " type = 'table' AND name NOT LIKE 'sqlite_%%' ORDER BY name"), &st)) < 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		size_t k, len;
		int ok = 0;
		for (k = 0; k < sizeof(known) / sizeof(known[0]) && !ok; k++)
			ok = !strcmp(t, known[k]);
		for (k = 0; k < sizeof(rtrees) / sizeof(rtrees[0]) && !ok; k++) {
			len = strlen(rtrees[k]);
			ok = !strncmp(t, rtrees[k], len) && (!t[len] || !strcmp(t + len, "_node") ||
			     !strcmp(t + len, "_parent") || !strcmp(t + len, "_rowid"));
		}
		for (i = 0; i < nchild && !ok; i++)
			ok = !strcmp(t, child[i]);
		if (!ok) {
			sqlite3_stmt *c = NULL;
			int rows = 0;
			if (prep_in(h, sh, name, sqlite3_mprintf("SELECT 1 FROM main.\"%w\" LIMIT 1", t),
			         &c) == 0)
				rows = sqlite3_step(c) == SQLITE_ROW;
			sqlite3_finalize(c);
			if (rows) {
				rc = vidx__fail(h, VIDX_EFORMAT, "%s: table '%s' holds rows this "
				                "merge does not know how to merge: nothing merged",
				                name, t);
				goto out;
			}
		}
	}
	rc = rc == SQLITE_DONE ? 0 : vidx__fail(h, VIDX_ERR, "%s: reading the schema: %s",
	                                         name, sqlite3_errmsg(sh));
out:
	sqlite3_finalize(st);
	for (i = 0; i < nchild; i++)
		free(child[i]);
	return rc;
}

static int merge_recordings(merge *m, sqlite3 *sh, const char *name)
{
	vidx *h = m->h;
	sqlite3_stmt *src = NULL, *ins = NULL, *find = NULL;
	child ch[MAX_CHILD];
	char *names[MAX_CHILD];
	int nnames = 0;
	cols c;
	char *list = NULL, *il = NULL, *ph = NULL;
	int rc, i, k, id_col, sha_col, nch = 0;
	/* not compared for the same bytes: where and when this copy was seen
	 * (its candidates hold its own mtime and name) */
	int skip_cmp[5] = {-1, -1, -1, -1, -1};
	int64_t paths = 0, segs = 0, kfs = 0, other = 0, extra = 0;

	memset(ch, 0, sizeof(ch));
	if ((rc = table_cols(h, h->db, "recordings", &c)) < 0)
		return rc;
	id_col = col_index(&c, "id");
	sha_col = col_index(&c, "sha256");
	skip_cmp[0] = id_col;
	skip_cmp[1] = col_index(&c, "path");
	skip_cmp[2] = col_index(&c, "host");
	skip_cmp[3] = col_index(&c, "ingested");
	skip_cmp[4] = col_index(&c, "time_candidates");
	if (id_col < 0 || sha_col < 0) {
		rc = vidx__fail(h, VIDX_EFORMAT, "recordings: no id or sha256 column");
		goto out;
	}
	if (!(list = col_list(&c, -1, "")) || !(il = col_list(&c, id_col, "")) ||
	    !(ph = placeholders(c.n - 1))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = prep_in(h, sh, name, sqlite3_mprintf("SELECT %s FROM main.recordings ORDER BY id",
	                                      list), &src)) < 0 ||
	    (rc = prep(h, h->db, sqlite3_mprintf("INSERT INTO main.recordings (%s) VALUES"
	                                         " (%s) ON CONFLICT (sha256) DO NOTHING", il,
	                                         ph), &ins)) < 0 ||
	    (rc = prep(h, h->db, sqlite3_mprintf("SELECT %s FROM main.recordings WHERE"
	                                         " sha256 = ?1", list), &find)) < 0)
		goto out;
	if ((rc = child_tables(h, h->db, names, &nnames)) < 0)
		goto out;
	for (nch = 0; nch < nnames; nch++)
		if ((rc = child_open(m, sh, name, &ch[nch], names[nch],
		                     !strcmp(names[nch], "recording_paths"), NULL)) < 0) {
			nch++;
			goto out;
		}
	/* a recording's place by the minute: an R*Tree, no foreign key, no
	 * trigger to fill it; copied with a new recording, new ids */
	if (nnames < MAX_CHILD && (names[nnames] = strdup("place_chunk"))) {
		nnames++;
		if ((rc = child_open(m, sh, name, &ch[nch], "place_chunk", 0, "id")) < 0) {
			nch++;
			goto out;
		}
		nch++;
	} else {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	while ((rc = sqlite3_step(src)) == SQLITE_ROW) {
		int64_t old = sqlite3_column_int64(src, id_col), new_id;
		int fresh;
		sqlite3_reset(ins);
		for (i = 0, k = 1; i < c.n; i++)
			if (i != id_col)
				sqlite3_bind_value(ins, k++, sqlite3_column_value(src, i));
		if (sqlite3_step(ins) != SQLITE_DONE) {
			rc = vidx__sql_fail(h, "merging recordings");
			goto out;
		}
		fresh = sqlite3_changes(h->db) == 1;
		if (fresh) {
			new_id = sqlite3_last_insert_rowid(h->db);
			m->cur->recordings++;
		} else {
			/* the same bytes: one recording, the shard's paths added */
			sqlite3_reset(find);
			sqlite3_bind_value(find, 1, sqlite3_column_value(src, sha_col));
			if (sqlite3_step(find) != SQLITE_ROW) {
				rc = vidx__sql_fail(h, "merging recordings");
				goto out;
			}
			new_id = sqlite3_column_int64(find, id_col);
			m->cur->duplicates++;
			for (i = 0; i < c.n; i++) {
				char a[128], b[128];
				if (i == skip_cmp[0] || i == skip_cmp[1] || i == skip_cmp[2] ||
				    i == skip_cmp[3] || i == skip_cmp[4] ||
				    same_value(sqlite3_column_value(src, i), sqlite3_column_value(find, i)))
					continue;
				show_value(sqlite3_column_value(src, i), a, sizeof(a));
				show_value(sqlite3_column_value(find, i), b, sizeof(b));
				if (++other <= 10)
					note(m, "%s has the bytes of recording %lld (%s) with %s %s; "
					     "the index has %s and keeps its description", name,
					     (long long)new_id, (const char *)sqlite3_column_text(find,
					     col_index(&c, "path")), c.name[i], a, b);
				break;
			}
		}
		for (k = 0; k < nch; k++) {
			const char *t = names[k];
			if ((rc = child_copy(m, &ch[k], old, new_id, fresh,
			                     !strcmp(t, "segments") ? &segs :
			                     !strcmp(t, "keyframes") ? &kfs :
			                     !strcmp(t, "recording_paths") ? &paths : &extra)) < 0)
				goto out;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : vidx__fail(h, VIDX_ERR, "%s: reading recordings: %s",
	                                         name, sqlite3_errmsg(sh));
	if (other > 10)
		note(m, "%s: %lld recordings in all are described differently than the "
		     "same bytes in the index", name, (long long)other);
	m->cur->paths += paths;
	m->cur->segments += segs;
	m->cur->keyframes += kfs;
out:
	for (k = 0; k < nch; k++)
		child_close(&ch[k]);
	for (k = 0; k < nnames; k++)
		free(names[k]);
	sqlite3_finalize(src);
	sqlite3_finalize(ins);
	sqlite3_finalize(find);
	sqlite3_free(list);
	sqlite3_free(il);
	sqlite3_free(ph);
	cols_free(&c);
	return rc;
}

/* ---- files ---------------------------------------------------------------- */

typedef struct shard {
	vidx *h;
	const char *name;
} shard;

static int open_shard(vidx *h, const char *path, const char *out, shard *s)
{
	struct stat a, b;

	s->name = path;
	if (stat(path, &a) == 0 && stat(out, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		return vidx__fail(h, VIDX_EINVAL, "'%s' is the index merged into", path);
	if (!(s->h = vidx_new()))
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	/* input: nothing made beside it (SQLite's reader of a WAL file would
	 * leave a -wal and -shm there, even beside a shard it then finds
	 * damaged); read as immutable when no one has it open, checked below
	 * for a writer that came meanwhile */
	if (vidx_open(s->h, path, VIDX_OPEN_INPUT) < 0)
		return vidx__fail(h, VIDX_EIO, "shard: %s", vidx_errmsg(s->h));
	/* one snapshot of it, whoever writes to it meanwhile */
	if (sqlite3_exec(s->h->db, "BEGIN; SELECT count(*) FROM cameras", NULL, NULL,
	                 NULL) != SQLITE_OK)
		return vidx__fail(h, VIDX_EIO, "shard '%s': %s", path, sqlite3_errmsg(s->h->db));
	return 0;
}

static void add_stats(vidx_merge_stats *a, const vidx_merge_stats *b)
{
	a->cameras += b->cameras;
	a->clock_obs += b->clock_obs;
	a->recordings += b->recordings;
	a->duplicates += b->duplicates;
	a->paths += b->paths;
	a->segments += b->segments;
	a->keyframes += b->keyframes;
	a->cases += b->cases;
	a->events += b->events;
	a->keys += b->keys;
}

/* remove .BASE.merge-PID.partial files in DIR of merges no longer running */
static void remove_stale(const char *dir, const char *base)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char pre[300];
	size_t pl;

	if (!d)
		return;
	snprintf(pre, sizeof(pre), ".%s.merge-", base);
	pl = strlen(pre);
	while ((e = readdir(d))) {
		char *end;
		long pid;
		if (strncmp(e->d_name, pre, pl))
			continue;
		pid = strtol(e->d_name + pl, &end, 10);
		if (pid <= 0 || (strcmp(end, ".partial") && strcmp(end, ".partial-wal") &&
		                 strcmp(end, ".partial-shm") && strcmp(end, ".partial-journal")))
			continue;
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			char p[4096];
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	}
	closedir(d);
}

int vidx_merge(vidx *h, const char *out, const char *const *paths, size_t n,
               const vidx_merge_opts *o, vidx_merge_stats *total)
{
	merge m;
	shard *sh = NULL;
	vidx_merge_stats *ps = NULL;
	char *tmp = NULL, *dir = NULL;
	const char *base;
	struct stat sb;
	int rc = 0, fresh_out, pass;
	size_t i;

	memset(&m, 0, sizeof(m));
	if (total)
		memset(total, 0, sizeof(*total));
	if (h->db)
		return vidx__fail(h, VIDX_EINVAL, "index already open");
	if (!n)
		return vidx__fail(h, VIDX_EINVAL, "no shards to merge");
	m.h = h;
	m.o = o;
	m.out = out;
	fresh_out = stat(out, &sb) < 0 && errno == ENOENT;
	if (!(sh = calloc(n, sizeof(*sh))) || !(ps = calloc(n, sizeof(*ps)))) {
		free(sh);
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		if ((rc = open_shard(h, paths[i], out, &sh[i])) < 0)
			goto out;

	if (fresh_out) {
		/* built beside it in a file of its own, linked into place */
		const char *sl = strrchr(out, '/');
		size_t dl = sl ? (size_t)(sl - out) : 0;
		base = sl ? sl + 1 : out;
		if (!(dir = dl ? strndup(out, dl) : strdup(sl ? "/" : ".")) ||
		    !(tmp = malloc(strlen(out) + 64))) {
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			goto out;
		}
		remove_stale(dir, base);
		sprintf(tmp, "%.*s%s.%s.merge-%ld.partial", (int)dl, out, sl ? "/" : "", base,
		        (long)getpid());
		unlink(tmp); /* ours from before: this pid cannot be running it */
		if ((rc = vidx_open(h, tmp, VIDX_OPEN_CREATE)) < 0)
			goto out;
		/* no one else can see this file: no journal, no syncs until the end */
		if ((rc = vidx__exec(h, "PRAGMA journal_mode = OFF")) < 0 ||
		    (rc = vidx__exec(h, "PRAGMA synchronous = OFF")) < 0)
			goto out;
	} else if ((rc = vidx_open(h, out, 0)) < 0) {
		goto out;
	}
	if ((rc = vidx__exec(h, "PRAGMA cache_size = -262144")) < 0 ||
	    (rc = vidx__exec(h, "CREATE TEMP TABLE IF NOT EXISTS merge_origin (kind TEXT,"
	                     " key TEXT, src TEXT, PRIMARY KEY (kind, key))")) < 0 ||
	    (rc = vidx__exec_begin(h)) < 0)
		goto out;
	/* what must agree first, for every shard: nothing is copied when
	 * anything conflicts */
	for (pass = 0; pass < 2 && rc == 0; pass++)
		for (i = 0; i < n && rc == 0; i++) {
			m.cur = &ps[i];
			if (pass == 0 && (rc = known_tables(&m, sh[i].h->db, sh[i].name)) < 0)
				break;
			if (pass == 0 && (rc = merge_keyed(&m, sh[i].h->db, sh[i].name, &CAMERAS,
			                                   &m.cur->cameras)) == 0)
				rc = merge_keyed(&m, sh[i].h->db, sh[i].name, &KEYS, &m.cur->keys);
			else if (pass == 1)
				rc = merge_cases(&m, sh[i].h->db, sh[i].name);
		}
	if (rc == 0 && m.conflicts)
		rc = vidx__fail(h, VIDX_EEXIST, "%d conflict%s: nothing merged", m.conflicts,
		                m.conflicts == 1 ? "" : "s");
	for (i = 0; i < n && rc == 0; i++) {
		m.cur = &ps[i];
		if ((rc = merge_clock(&m, sh[i].h->db, sh[i].name)) == 0)
			rc = merge_recordings(&m, sh[i].h->db, sh[i].name);
	}
	/* a shard read without locks must not have been written meanwhile (a
	 * checkpoint into it could have torn what was read) */
	for (i = 0; i < n && rc == 0; i++)
		if (vidx__input_unchanged(sh[i].h, sh[i].name) < 0)
			rc = vidx__fail(h, VIDX_EIO, "shard %s; nothing merged (merge it "
			                "again)", vidx_errmsg(sh[i].h));
	if (rc < 0) {
		/* a new index: its file goes (a rollback without a journal is no
		 * rollback); an existing one: rolled back */
		if (!fresh_out)
			vidx__exec_end(h, rc);
		goto out;
	}
	if ((rc = vidx__exec_end(h, 0)) < 0)
		goto out;
	if (fresh_out) {
		int fd;
		if ((rc = vidx__exec(h, "PRAGMA journal_mode = WAL")) < 0)
			goto out;
		for (i = 0; i < ST_COUNT; i++) {
			sqlite3_finalize(h->st[i]);
			h->st[i] = NULL;
		}
		sqlite3_close(h->db);
		h->db = NULL;
		if ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) < 0) {
			rc = vidx__fail(h, VIDX_EIO, "cannot sync '%s': %s", tmp, strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
		close(fd);
		if (link(tmp, out) < 0) {
			rc = vidx__fail(h, errno == EEXIST ? VIDX_EEXIST : VIDX_EIO,
			                errno == EEXIST ? "'%s' appeared while merging: not "
			                "overwritten" : "cannot make '%s': %s", out, strerror(errno));
			goto out;
		}
		unlink(tmp);
		if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			fsync(fd);
			close(fd);
		}
		free(tmp);
		tmp = NULL;
		rc = vidx_open(h, out, 0);
	}
	for (i = 0; rc == 0 && i < n; i++) {
		if (total)
			add_stats(total, &ps[i]);
		if (o && o->on_shard)
			o->on_shard(o->ctx, sh[i].name, &ps[i]);
	}
out:
	for (i = 0; sh && i < n; i++)
		vidx_free(sh[i].h);
	free(sh);
	if (rc < 0 && !strncmp(h->err, "index: ", 7)) {
		/* the index merged into, by the name it was given */
		char msg[sizeof(h->err)];
		snprintf(msg, sizeof(msg), "%s", h->err + 7);
		vidx__fail(h, rc, "%s: %.400s", out, msg);
	}
	if (tmp) {
		char msg[sizeof(h->err)];
		snprintf(msg, sizeof(msg), "%s", h->err);
		for (i = 0; i < ST_COUNT; i++) {
			sqlite3_finalize(h->st[i]);
			h->st[i] = NULL;
		}
		if (h->db) {
			sqlite3_close(h->db);
			h->db = NULL;
		}
		unlink(tmp);
		strcat(tmp, "-wal");
		unlink(tmp);
		strcpy(tmp + strlen(tmp) - 4, "-shm");
		unlink(tmp);
		snprintf(h->err, sizeof(h->err), "%s", msg);
		free(tmp);
	}
	free(dir);
	free(ps);
	return rc;
}
