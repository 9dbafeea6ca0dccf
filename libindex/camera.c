/*
 * camera.c - cameras and their clock observations.
 *
 * A camera id ends up in file names of pulled clips and in shell pipelines,
 * so it is restricted to letters, digits, '.', '_' and '-' (not starting
 * with '.' or '-').  Everything else about a camera is free text.
 */
#define _DEFAULT_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

/* Normalise a tag list given as "a,b c;d" into ",a,b,c,d," (the stored
 * form: a tag T matches instr(tags, ',T,')).  Returns malloc'ed or NULL. */
static char *norm_tags(vidx *h, const char *in, int *rc)
{
	size_t n = in ? strlen(in) : 0, i, o = 1, start;
	char *out = malloc(n + 3);

	*rc = 0;
	if (!out) {
		*rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		return NULL;
	}
	out[0] = ',';
	for (i = 0; i < n;) {
		while (i < n && strchr(",; \t", in[i]))
			i++;
		start = i;
		while (i < n && !strchr(",; \t", in[i])) {
			if (!isalnum((unsigned char)in[i]) && !strchr("._:-", in[i])) {
				*rc = vidx__fail(h, VIDX_EINVAL, "tag '%.*s' may only hold letters, "
				                 "digits, '.', '_', ':' and '-'",
				                 (int)(strcspn(in + start, ",; \t")), in + start);
				free(out);
				return NULL;
			}
			i++;
		}
		if (i > start) {
			/* keep the first of repeated tags */
			char pat[80];
			int dup = 0;
			if (i - start < sizeof(pat) - 2) {
				snprintf(pat, sizeof(pat), ",%.*s,", (int)(i - start), in + start);
				out[o] = 0;
				dup = strstr(out, pat) != NULL;
			}
			if (!dup) {
				memcpy(out + o, in + start, i - start);
				o += i - start;
				out[o++] = ',';
			}
		}
	}
	if (o == 1)
		o = 0; /* no tags: "" */
	out[o] = 0;
	return out;
}

int vidx__camera_check(vidx *h, const vidx_camera *c)
{
	if (!vidx_id_valid(c->id)) {
		char shown[80];
		size_t i, o = 0;
		/* the id may hold anything: show it on one line */
		for (i = 0; c->id && c->id[i] && o + 5 < sizeof(shown); i++) {
			unsigned char ch = (unsigned char)c->id[i];
			if (ch < 0x20 || ch >= 0x7f)
				o += (size_t)snprintf(shown + o, sizeof(shown) - o, "\\x%02x", ch);
			else
				shown[o++] = (char)ch;
		}
		shown[o] = 0;
		return vidx__fail(h, VIDX_EINVAL, "invalid camera id '%s': use 1-64 "
		                  "letters, digits, '.', '_', '-', not starting with "
		                  "'.' or '-'", shown);
	}
	if (c->mobile) {
		if (!isnan(c->lat) || !isnan(c->lon))
			return vidx__fail(h, VIDX_EINVAL, "camera '%s' is mobile: it has no "
			                  "position of its own (its recordings carry theirs)",
			                  c->id);
	} else if (!isfinite(c->lat) || c->lat < -90 || c->lat > 90)
		return vidx__fail(h, VIDX_EINVAL, "camera '%s': latitude %.9g is out of "
		                  "range (-90 to 90)", c->id, c->lat);
	else if (!isfinite(c->lon) || c->lon < -180 || c->lon > 180)
		return vidx__fail(h, VIDX_EINVAL, "camera '%s': longitude %.9g is out of "
		                  "range (-180 to 180)", c->id, c->lon);
	if (c->tz && *c->tz && !vidx_tz_valid(c->tz))
		return vidx__fail(h, VIDX_EINVAL, "camera '%s': unknown time zone '%s'",
		                  c->id, c->tz);
	/* the id and tags are ASCII by their rules; the free text must be
	 * text, or an export could not give it back byte for byte */
	if (!vidx__utf8_valid(c->name))
		return vidx__fail(h, VIDX_EINVAL, "camera '%s': the name is not valid "
		                  "UTF-8", c->id);
	if (!vidx__utf8_valid(c->address))
		return vidx__fail(h, VIDX_EINVAL, "camera '%s': the address is not valid "
		                  "UTF-8", c->id);
	return 0;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* lat, lon at I, I+1: NULL for a mobile camera */
static void bind_pos(sqlite3_stmt *st, int i, const vidx_camera *c)
{
	if (c->mobile) {
		sqlite3_bind_null(st, i);
		sqlite3_bind_null(st, i + 1);
	} else {
		sqlite3_bind_double(st, i, c->lat);
		sqlite3_bind_double(st, i + 1, c->lon);
	}
}

/* Insert one camera, made at CREATED (us); no transaction of its own. */
static int camera_insert(vidx *h, const vidx_camera *c, int64_t created)
{
	sqlite3_stmt *st = NULL;
	char *tags = NULL;
	int rc;

	if ((rc = vidx__camera_check(h, c)) < 0)
		return rc;
	if (!(tags = norm_tags(h, c->tags, &rc)))
		return rc;
	if (sqlite3_prepare_v2(h->db,
	        "INSERT INTO cameras (id, name, lat, lon, address, tz, tags, created,"
	        " mobile) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", -1, &st,
	        NULL) != SQLITE_OK) {
		rc = vidx__sql_fail(h, "adding camera");
		goto out;
	}
	bind_text(st, 1, c->id);
	bind_text(st, 2, c->name ? c->name : "");
	bind_pos(st, 3, c);
	bind_text(st, 5, c->address ? c->address : "");
	bind_text(st, 6, c->tz && *c->tz ? c->tz : NULL);
	bind_text(st, 7, tags);
	sqlite3_bind_int64(st, 8, created);
	sqlite3_bind_int(st, 9, !!c->mobile);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT)
		rc = vidx__fail(h, VIDX_EEXIST, "camera '%s' already exists", c->id);
	else if (rc != SQLITE_DONE)
		rc = vidx__sql_fail(h, "adding camera");
	else
		rc = 0;
out:
	sqlite3_finalize(st);
	free(tags);
	return rc;
}

int vidx_camera_add(vidx *h, const vidx_camera *c)
{
	int rc;
	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	return camera_insert(h, c, vidx__now());
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? strdup((const char *)t) : NULL;
}

/* the tags as given back to people: "a,b" */
static char *tags_out(sqlite3_stmt *st, int i)
{
	char *t = dup_col(st, i);
	size_t n;
	if (!t || !*t)
		return t;
	n = strlen(t);
	memmove(t, t + 1, n - 1);
	t[n - 2] = 0;
	return t;
}

#define CAMERA_COLS "c.id, c.name, c.lat, c.lon, c.address, c.tz, c.tags, " \
	"c.created, (SELECT count(*) FROM recordings r WHERE r.camera_id = c.id), " \
	"c.mobile"

static int camera_row(vidx *h, sqlite3_stmt *st, vidx_camera *c)
{
	memset(c, 0, sizeof(*c));
	c->id = dup_col(st, 0);
	c->name = dup_col(st, 1);
	c->mobile = sqlite3_column_int(st, 9);
	c->lat = c->mobile ? NAN : sqlite3_column_double(st, 2);
	c->lon = c->mobile ? NAN : sqlite3_column_double(st, 3);
	c->address = dup_col(st, 4);
	c->tz = dup_col(st, 5);
	c->tags = tags_out(st, 6);
	c->created = sqlite3_column_int64(st, 7);
	c->recordings = sqlite3_column_int64(st, 8);
	if (!c->id || !c->name || !c->address || !c->tags)
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	return 0;
}

void vidx_camera_clear(vidx_camera *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->name);
	free(c->address);
	free(c->tz);
	free(c->tags);
	memset(c, 0, sizeof(*c));
}

int vidx_camera_get(vidx *h, const char *id, vidx_camera *c)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	if (sqlite3_prepare_v2(h->db, "SELECT " CAMERA_COLS " FROM cameras c WHERE c.id = ?1",
	                       -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "reading camera");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = camera_row(h, st, c);
	else if (rc == SQLITE_DONE)
		rc = vidx__fail(h, VIDX_ENOENT, "unknown camera '%s'", id);
	else
		rc = vidx__sql_fail(h, "reading camera");
	sqlite3_finalize(st);
	if (rc < 0)
		vidx_camera_clear(c);
	return rc;
}

int vidx_camera_list(vidx *h, vidx_camera **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	vidx_camera *a = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	if (sqlite3_prepare_v2(h->db, "SELECT " CAMERA_COLS " FROM cameras c ORDER BY c.id",
	                       -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "listing cameras");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			vidx_camera *m = realloc(a, (cap = cap ? cap * 2 : 16) * sizeof(*a));
			if (!m) {
				rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
				goto fail;
			}
			a = m;
		}
		if ((rc = camera_row(h, st, &a[cnt++])) < 0)
			goto fail;
	}
	if (rc != SQLITE_DONE) {
		rc = vidx__sql_fail(h, "listing cameras");
		goto fail;
	}
	sqlite3_finalize(st);
	*out = a;
	*n = cnt;
	return 0;
fail:
	sqlite3_finalize(st);
	vidx_camera_list_free(a, cnt);
	return rc;
}

void vidx_camera_list_free(vidx_camera *a, size_t n)
{
	size_t i;
	for (i = 0; a && i < n; i++)
		vidx_camera_clear(&a[i]);
	free(a);
}

int vidx_camera_set(vidx *h, const vidx_camera *c, unsigned fields)
{
	vidx_camera cur;
	int rc;
	sqlite3_stmt *st = NULL;
	char *tags = NULL;

	if ((rc = vidx_camera_get(h, c->id, &cur)) < 0)
		return rc;
	if (fields & VIDX_CAM_NAME) { free(cur.name); cur.name = strdup(c->name ? c->name : ""); }
	if (fields & VIDX_CAM_ADDRESS) { free(cur.address); cur.address = strdup(c->address ? c->address : ""); }
	if (fields & VIDX_CAM_TZ) { free(cur.tz); cur.tz = c->tz && *c->tz ? strdup(c->tz) : NULL; }
	if (fields & VIDX_CAM_TAGS) { free(cur.tags); cur.tags = strdup(c->tags ? c->tags : ""); }
	if (cur.mobile && (fields & (VIDX_CAM_LAT | VIDX_CAM_LON))) {
		rc = vidx__fail(h, VIDX_EINVAL, "camera '%s' is mobile: it has no "
		                "position to set (its recordings carry theirs)", cur.id);
		goto out;
	}
	if (fields & VIDX_CAM_LAT) cur.lat = c->lat;
	if (fields & VIDX_CAM_LON) cur.lon = c->lon;
	if (!cur.name || !cur.address || !cur.tags) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = vidx__camera_check(h, &cur)) < 0 || !(tags = norm_tags(h, cur.tags, &rc)))
		goto out;
	if (sqlite3_prepare_v2(h->db,
	        "UPDATE cameras SET name = ?2, lat = ?3, lon = ?4, address = ?5,"
	        " tz = ?6, tags = ?7 WHERE id = ?1", -1, &st, NULL) != SQLITE_OK) {
		rc = vidx__sql_fail(h, "updating camera");
		goto out;
	}
	bind_text(st, 1, cur.id);
	bind_text(st, 2, cur.name);
	bind_pos(st, 3, &cur);
	bind_text(st, 5, cur.address);
	bind_text(st, 6, cur.tz);
	bind_text(st, 7, tags);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : vidx__sql_fail(h, "updating camera");
out:
	sqlite3_finalize(st);
	free(tags);
	vidx_camera_clear(&cur);
	return rc;
}

int vidx_camera_rm(vidx *h, const char *id, int force)
{
	vidx_camera c;
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = vidx__exec_begin(h)) < 0)
		return rc;
	if ((rc = vidx_camera_get(h, id, &c)) < 0)
		goto out;
	if (c.recordings && !force) {
		rc = vidx__fail(h, VIDX_EEXIST, "camera '%s' has %lld recording%s in the "
		                "index; --force removes it and them", id,
		                (long long)c.recordings, c.recordings == 1 ? "" : "s");
		goto out;
	}
	if (sqlite3_prepare_v2(h->db, "DELETE FROM recordings WHERE camera_id = ?1",
	                       -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(h->db, "DELETE FROM cameras WHERE id = ?1", -1, &st,
	                       NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto sqlfail;
	rc = 0;
	goto out;
sqlfail:
	rc = vidx__sql_fail(h, "removing camera");
out:
	sqlite3_finalize(st);
	vidx_camera_clear(&c);
	return vidx__exec_end(h, rc);
}

/* ---- import ------------------------------------------------------------ */

/* One CSV record (RFC 4180: quotes, doubled quotes, CRLF).  Returns the
 * number of fields, 0 at EOF, -1 on a malformed record. */
static int csv_record(FILE *f, char ***fields, size_t *cap_f, char **buf,
                      size_t *cap_b, size_t *lines)
{
	size_t n = 0, len = 0, nf = 0;
	int c, q = 0, any = 0;
	size_t starts[64];

	for (;;) {
		c = getc(f);
		if (c == EOF && !any)
			return 0;
		any = 1;
		if (len + 2 > *cap_b) {
			size_t nc = *cap_b ? *cap_b * 2 : 256;
			char *m = realloc(*buf, nc);
			if (!m)
				return -1;
			*buf = m;
			*cap_b = nc;
		}
		if (c == '\n')
			(*lines)++; /* physical lines, for messages */
		if (q) {
			if (c == EOF)
				return -1; /* unterminated quote */
			if (c == '"') {
				int d = getc(f);
				if (d == '"') {
					(*buf)[len++] = '"';
					continue;
				}
				ungetc(d, f);
				q = 0;
				continue;
			}
			(*buf)[len++] = (char)c;
			continue;
		}
		if (c == '"') {
			q = 1;
			continue;
		}
		if (c == ',' || c == '\n' || c == EOF) {
			if (nf >= 64)
				return -1;
			(*buf)[len++] = 0;
			starts[nf++] = n;
			n = len;
			if (c != ',')
				break;
			continue;
		}
		if (c == '\r')
			continue;
		(*buf)[len++] = (char)c;
	}
	if (nf > *cap_f) {
		char **m = realloc(*fields, nf * sizeof(**fields));
		if (!m)
			return -1;
		*fields = m;
		*cap_f = nf;
	}
	for (n = 0; n < nf; n++)
		(*fields)[n] = *buf + starts[n];
	return (int)nf;
}

static int parse_double(const char *s, double *d)
{
	char *e;
	if (!s || !*s || strspn(s, "0123456789.+-eE") != strlen(s))
		return -1; /* no hex, inf or nan */
	errno = 0;
	*d = strtod(s, &e);
	return *e || errno ? -1 : 0;
}

static int import_csv(vidx *h, FILE *f, const char *path, size_t *count)
{
	static const char *known[] = {"id", "name", "lat", "lon", "tz", "address", "tags"};
	char **fld = NULL, *buf = NULL;
	size_t capf = 0, capb = 0, line = 1, nl = 0;
	int col[7], nf, ncols, i, k, rc = 0;

	nf = csv_record(f, &fld, &capf, &buf, &capb, &nl);
	if (nf <= 0) {
		rc = vidx__fail(h, VIDX_EFORMAT, "%s: empty or unreadable CSV", path);
		goto out;
	}
	ncols = nf;
	for (k = 0; k < 7; k++)
		col[k] = -1;
	for (i = 0; i < nf; i++) {
		char *name = fld[i];
		if (i == 0 && !strncmp(name, "\xef\xbb\xbf", 3))
			name += 3; /* spreadsheet BOM */
		for (k = 0; k < 7 && strcmp(name, known[k]); k++)
			;
		if (k == 7) {
			rc = vidx__fail(h, VIDX_EFORMAT, "%s: line 1: unknown column '%s' "
			                "(want id,name,lat,lon,tz,address,tags)", path, name);
			goto out;
		}
		col[k] = i;
	}
	if (col[0] < 0 || col[2] < 0 || col[3] < 0) {
		rc = vidx__fail(h, VIDX_EFORMAT, "%s: line 1: columns id, lat and lon "
		                "are required", path);
		goto out;
	}
	for (;;) {
		vidx_camera c = {0};
		line = nl + 1; /* the record starts on the line after those read */
		if ((nf = csv_record(f, &fld, &capf, &buf, &capb, &nl)) == 0)
			break;
		if (nf == 1 && !fld[0][0])
			continue; /* blank line */
		if (nf != ncols) {
			rc = vidx__fail(h, VIDX_EFORMAT, "%s: line %zu: %s", path, line,
			                nf < 0 ? "malformed CSV" : "wrong number of fields");
			goto out;
		}
		c.id = fld[col[0]];
		c.name = col[1] >= 0 ? fld[col[1]] : NULL;
		c.tz = col[4] >= 0 ? fld[col[4]] : NULL;
		c.address = col[5] >= 0 ? fld[col[5]] : NULL;
		c.tags = col[6] >= 0 ? fld[col[6]] : NULL;
		if (parse_double(fld[col[2]], &c.lat) < 0 ||
		    parse_double(fld[col[3]], &c.lon) < 0) {
			rc = vidx__fail(h, VIDX_EINVAL, "%s: line %zu: latitude and longitude "
			                "must be numbers", path, line);
			goto out;
		}
		if ((rc = camera_insert(h, &c, vidx__now())) < 0) {
			char msg[512];
			snprintf(msg, sizeof(msg), "%s", vidx_errmsg(h));
			rc = vidx__fail(h, rc, "%s: line %zu: %s", path, line, msg);
			goto out;
		}
		(*count)++;
	}
out:
	free(fld);
	free(buf);
	return rc;
}

/* the import only reads these strings; vidx_camera is not const for
 * the callers that own its fields */
static char *jstr_or(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? (char *)json_string_value(v) : NULL;
}

static int clock_insert(vidx *h, const char *camera, int64_t ct, int64_t tt,
                        const char *ct_raw, const char *tt_raw, const char *by,
                        const char *note, int64_t recorded);

/* The clock observations of camera C in an export (vidx_camera_export):
 * exact instants with their raw values, or, written by hand, only
 * camera_time and true_time, read as vidx-camera clock reads them. */
static int import_clock(vidx *h, const vidx_camera *c, json_t *clock)
{
	json_t *e;
	size_t k;
	int rc;

	if (!clock)
		return 0;
	if (!json_is_array(clock))
		return vidx__fail(h, VIDX_EFORMAT, "clock must be an array of observations");
	json_array_foreach(clock, k, e) {
		const char *ct_raw = jstr_or(e, "camera_time_raw");
		const char *tt_raw = jstr_or(e, "true_time_raw");
		json_t *ctu = json_object_get(e, "camera_time_us");
		json_t *ttu = json_object_get(e, "true_time_us");
		json_t *rec = json_object_get(e, "recorded_us"), *by = json_object_get(e, "by");
		json_t *note = json_object_get(e, "note");
		int64_t ct, tt;

		if (!json_is_object(e) || (by && !json_is_string(by)) ||
		    (note && !json_is_string(note)) ||
		    (rec && (!json_is_integer(rec) || json_integer_value(rec) < 0)))
			return vidx__fail(h, VIDX_EFORMAT, "clock observation %zu: an object "
			                  "with strings by and note and a whole recorded_us", k + 1);
		if (ctu || ttu) {
			if (!json_is_integer(ctu) || !json_is_integer(ttu) || !ct_raw || !tt_raw)
				return vidx__fail(h, VIDX_EFORMAT, "clock observation %zu: "
				                  "camera_time_us and true_time_us are whole "
				                  "microseconds and come with camera_time_raw and "
				                  "true_time_raw", k + 1);
			ct = json_integer_value(ctu);
			tt = json_integer_value(ttu);
		} else {
			ct_raw = jstr_or(e, "camera_time");
			tt_raw = jstr_or(e, "true_time");
			if (!ct_raw || !tt_raw)
				return vidx__fail(h, VIDX_EFORMAT, "clock observation %zu: no "
				                  "camera_time and true_time", k + 1);
			const char *tz = c->tz && *c->tz ? c->tz : NULL;
			if (vidx_time_parse(h, ct_raw, tz, &ct) < 0 ||
			    vidx_time_parse(h, tt_raw, tz, &tt) < 0) {
				char msg[400];
				snprintf(msg, sizeof(msg), "%s", vidx_errmsg(h));
				return vidx__fail(h, VIDX_EINVAL, "clock observation %zu: %s", k + 1, msg);
			}
		}
		if ((rc = clock_insert(h, c->id, ct, tt, ct_raw, tt_raw,
		                       by ? json_string_value(by) : "",
		                       note ? json_string_value(note) : "",
		                       rec ? json_integer_value(rec) : vidx__now())) < 0)
			return rc;
	}
	return 0;
}

static int import_geojson(vidx *h, FILE *f, const char *path, size_t *count)
{
	json_error_t e;
	json_t *doc = json_loadf(f, JSON_REJECT_DUPLICATES, &e), *feats, *ft;
	size_t i;
	int rc = 0;

	if (!doc)
		return vidx__fail(h, VIDX_EFORMAT, "%s: line %d: %s", path, e.line, e.text);
	feats = json_object_get(doc, "features");
	if (!json_is_array(feats)) {
		rc = vidx__fail(h, VIDX_EFORMAT, "%s: not a GeoJSON FeatureCollection", path);
		goto out;
	}
	json_array_foreach(feats, i, ft) {
		json_t *geom = json_object_get(ft, "geometry");
		json_t *props = json_object_get(ft, "properties");
		json_t *coords = json_object_get(geom, "coordinates"), *tags, *created;
		vidx_camera c = {0};
		char tagbuf[1024] = "", idbuf[32];
		const char *type = jstr_or(geom, "type");
		json_t *mobile = json_object_get(props, "mobile");

		if (mobile && !json_is_boolean(mobile)) {
			rc = vidx__fail(h, VIDX_EFORMAT, "%s: feature %zu: mobile must be "
			                "true or false", path, i + 1);
			goto out;
		}
		c.mobile = json_is_true(mobile);
		if (c.mobile) {
			/* a mobile camera has no position: its recordings have theirs */
			if (geom && !json_is_null(geom)) {
				rc = vidx__fail(h, VIDX_EFORMAT, "%s: feature %zu: a mobile "
				                "camera has no geometry (null)", path, i + 1);
				goto out;
			}
			c.lat = c.lon = NAN;
		} else if (!type || strcmp(type, "Point") || !json_is_array(coords) ||
		    json_array_size(coords) < 2 || !json_is_number(json_array_get(coords, 0)) ||
		    !json_is_number(json_array_get(coords, 1))) {
			rc = vidx__fail(h, VIDX_EFORMAT, "%s: feature %zu: geometry must be a "
			                "Point [lon, lat] (or null, with \"mobile\": true)",
			                path, i + 1);
			goto out;
		} else {
			c.lon = json_number_value(json_array_get(coords, 0));
			c.lat = json_number_value(json_array_get(coords, 1));
		}
		c.id = jstr_or(props, "id");
		if (!c.id)
			c.id = jstr_or(ft, "id");
		if (!c.id && json_is_integer(json_object_get(ft, "id"))) {
			snprintf(idbuf, sizeof(idbuf), "%" JSON_INTEGER_FORMAT,
			         json_integer_value(json_object_get(ft, "id")));
			c.id = idbuf;
		}
		c.name = jstr_or(props, "name");
		c.address = jstr_or(props, "address");
		c.tz = jstr_or(props, "tz");
		tags = json_object_get(props, "tags");
		if (json_is_string(tags)) {
			c.tags = (char *)json_string_value(tags);
		} else if (json_is_array(tags)) {
			size_t k;
			json_t *t;
			json_array_foreach(tags, k, t) {
				if (!json_is_string(t) || strlen(tagbuf) + strlen(json_string_value(t)) + 2 >= sizeof(tagbuf)) {
					rc = vidx__fail(h, VIDX_EFORMAT, "%s: feature %zu: tags must "
					                "be short strings", path, i + 1);
					goto out;
				}
				strcat(tagbuf, json_string_value(t));
				strcat(tagbuf, ",");
			}
			c.tags = tagbuf;
		}
		if (!c.id) {
			rc = vidx__fail(h, VIDX_EFORMAT, "%s: feature %zu: no id (properties.id)",
			                path, i + 1);
			goto out;
		}
		created = json_object_get(props, "created_us");
		if (created && (!json_is_integer(created) || json_integer_value(created) < 0)) {
			rc = vidx__fail(h, VIDX_EFORMAT, "%s: feature %zu: created_us must be "
			                "a whole number of microseconds", path, i + 1);
			goto out;
		}
		if ((rc = camera_insert(h, &c, created ? json_integer_value(created)
		                                       : vidx__now())) < 0 ||
		    (rc = import_clock(h, &c, json_object_get(props, "clock"))) < 0) {
			char msg[512];
			snprintf(msg, sizeof(msg), "%s", vidx_errmsg(h));
			rc = vidx__fail(h, rc, "%s: feature %zu: %s", path, i + 1, msg);
			goto out;
		}
		(*count)++;
	}
out:
	json_decref(doc);
	return rc;
}

int vidx_camera_import(vidx *h, const char *path, size_t *count)
{
	FILE *f;
	int c, rc;

	*count = 0;
	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	if (!(f = fopen(path, "r")))
		return vidx__fail(h, VIDX_EIO, "cannot open '%s': %s", path, strerror(errno));
	while ((c = getc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t')
		;
	ungetc(c, f);
	if ((rc = vidx__exec_begin(h)) < 0)
		goto out;
	rc = c == '{' ? import_geojson(h, f, path, count) : import_csv(h, f, path, count);
	if (rc == 0 && ferror(f))
		rc = vidx__fail(h, VIDX_EIO, "%s: read error", path);
	rc = vidx__exec_end(h, rc);
	if (rc < 0)
		*count = 0;
out:
	fclose(f);
	return rc;
}

/* ---- clock observations ------------------------------------------------- */

int vidx_clock_add(vidx *h, const char *camera, const char *camera_time,
                   const char *true_time, const char *by, const char *note)
{
	vidx_camera c;
	int64_t ct, tt;
	int rc;

	if ((rc = vidx_camera_get(h, camera, &c)) < 0)
		return rc;
	if ((rc = vidx_time_parse(h, camera_time, c.tz, &ct)) == 0 &&
	    (rc = vidx_time_parse(h, true_time, c.tz, &tt)) == 0)
		rc = clock_insert(h, camera, ct, tt, camera_time, true_time, by, note,
		                  vidx__now());
	vidx_camera_clear(&c);
	return rc;
}

static int clock_insert(vidx *h, const char *camera, int64_t ct, int64_t tt,
                        const char *ct_raw, const char *tt_raw, const char *by,
                        const char *note, int64_t recorded)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!vidx__utf8_valid(by) || !vidx__utf8_valid(note))
		return vidx__fail(h, VIDX_EINVAL, "camera '%s': the clock observation's "
		                  "%s is not valid UTF-8", camera,
		                  vidx__utf8_valid(by) ? "note" : "observer's name");
	if (sqlite3_prepare_v2(h->db,
	        "INSERT INTO clock_obs (camera_id, camera_time, true_time,"
	        " camera_time_raw, true_time_raw, by, note, recorded)"
	        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "adding clock observation");
	bind_text(st, 1, camera);
	sqlite3_bind_int64(st, 2, ct);
	sqlite3_bind_int64(st, 3, tt);
	bind_text(st, 4, ct_raw);
	bind_text(st, 5, tt_raw);
	bind_text(st, 6, by ? by : "");
	bind_text(st, 7, note ? note : "");
	sqlite3_bind_int64(st, 8, recorded);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : vidx__sql_fail(h, "adding clock observation");
	sqlite3_finalize(st);
	return rc;
}

/* An index written before vidx refused text that is not UTF-8 may hold
 * some; JSON could carry it only as an escape, which imports as other
 * text (and a merge then sees two cameras): refused, naming what to fix. */
static int export_text_check(vidx *h, const vidx_camera *c,
                             const vidx_clock_obs *obs, size_t n)
{
	const char *what = !vidx__utf8_valid(c->name) ? "name"
	                 : !vidx__utf8_valid(c->address) ? "address" : NULL;
	size_t k;

	for (k = 0; !what && k < n; k++)
		if (!vidx__utf8_valid(obs[k].by) || !vidx__utf8_valid(obs[k].note) ||
		    !vidx__utf8_valid(obs[k].camera_time_raw) ||
		    !vidx__utf8_valid(obs[k].true_time_raw))
			what = "clock observations";
	if (!what)
		return 0;
	return vidx__fail(h, VIDX_EINVAL, "camera '%s': its %s hold%s bytes that "
	                  "are not UTF-8 (written by an older vidx), which an export "
	                  "could not give back as they are", c->id, what,
	                  what[0] == 'c' ? "" : "s");
}

int vidx_camera_export(vidx *h, char **json)
{
	vidx_camera *a = NULL;
	vidx_clock_obs **obs = NULL;
	size_t n = 0, *nobs = NULL, i;
	int rc;

	*json = NULL;
	if ((rc = vidx_camera_list(h, &a, &n)) < 0)
		return rc;
	if (!(obs = calloc(n ? n : 1, sizeof(*obs))) ||
	    !(nobs = calloc(n ? n : 1, sizeof(*nobs)))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((rc = vidx_clock_list(h, a[i].id, &obs[i], &nobs[i])) < 0 ||
		    (rc = export_text_check(h, &a[i], obs[i], nobs[i])) < 0)
			goto out;
	if (!(*json = vidx__cameras_export_json(a, n, obs, nobs)))
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
out:
	for (i = 0; obs && i < n; i++)
		vidx_clock_list_free(obs[i], nobs[i]);
	free(obs);
	free(nobs);
	vidx_camera_list_free(a, n);
	return rc;
}

int vidx_clock_list(vidx *h, const char *camera, vidx_clock_obs **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	vidx_clock_obs *a = NULL;
	size_t cnt = 0, cap = 0;
	vidx_camera c;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = vidx_camera_get(h, camera, &c)) < 0)
		return rc;
	vidx_camera_clear(&c);
	if (sqlite3_prepare_v2(h->db,
	        "SELECT id, camera_time, true_time, camera_time_raw, true_time_raw, by,"
	        " note, recorded FROM clock_obs WHERE camera_id = ?1 ORDER BY camera_time, id",
	        -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "listing clock observations");
	sqlite3_bind_text(st, 1, camera, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		vidx_clock_obs *o;
		if (cnt == cap) {
			vidx_clock_obs *m = realloc(a, (cap = cap ? cap * 2 : 8) * sizeof(*a));
			if (!m)
				goto nomem;
			a = m;
		}
		o = &a[cnt++];
		memset(o, 0, sizeof(*o));
		o->id = sqlite3_column_int64(st, 0);
		o->camera_time = sqlite3_column_int64(st, 1);
		o->true_time = sqlite3_column_int64(st, 2);
		o->camera_time_raw = dup_col(st, 3);
		o->true_time_raw = dup_col(st, 4);
		o->by = dup_col(st, 5);
		o->note = dup_col(st, 6);
		o->recorded = sqlite3_column_int64(st, 7);
		if (!o->camera_time_raw || !o->true_time_raw || !o->by || !o->note)
			goto nomem;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		vidx_clock_list_free(a, cnt);
		return vidx__sql_fail(h, "listing clock observations");
	}
	*out = a;
	*n = cnt;
	return 0;
nomem:
	sqlite3_finalize(st);
	vidx_clock_list_free(a, cnt);
	return vidx__fail(h, VIDX_ENOMEM, "out of memory");
}

void vidx_clock_list_free(vidx_clock_obs *a, size_t n)
{
	size_t i;
	for (i = 0; a && i < n; i++) {
		free(a[i].camera_time_raw);
		free(a[i].true_time_raw);
		free(a[i].by);
		free(a[i].note);
	}
	free(a);
}
