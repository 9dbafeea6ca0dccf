/*
 * db.c - the index: opening it, its schema and forward migrations.
 *
 * SQLite in WAL mode with foreign keys on.  The schema version lives in
 * PRAGMA user_version; each migration runs in its own IMMEDIATE
 * transaction that re-reads the version, so two processes opening a new
 * index at once apply it exactly once.  A newer index than this build
 * knows is refused rather than guessed at.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* A migration that starts with this runs with foreign keys off (they
 * cannot be switched inside a transaction), and is checked with
 * foreign_key_check before it commits: dropping a parent table with them
 * on would delete, or cascade into, its children's rows. */
#define FK_OFF_PREFIX "-- foreign keys off\n"

/* v1: cameras, clock observations, recordings, their paths, segments and
 * keyframes (one compact blob per recording, see kf.c). */
static const char *const migrations[] = {
	"CREATE TABLE cameras ("
	"  rid INTEGER PRIMARY KEY,"
	"  id TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),"
	"  lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),"
	"  address TEXT NOT NULL DEFAULT '',"
	"  tz TEXT,"
	"  tags TEXT NOT NULL DEFAULT '',"  /* ",a,b," so a tag matches by instr */
	"  created INTEGER NOT NULL"
	");"
	"CREATE VIRTUAL TABLE camera_geo USING rtree(rid, min_lat, max_lat,"
	"  min_lon, max_lon);"
	"CREATE TRIGGER cameras_ai AFTER INSERT ON cameras BEGIN"
	"  INSERT INTO camera_geo VALUES (new.rid, new.lat, new.lat, new.lon, new.lon);"
	"END;"
	"CREATE TRIGGER cameras_au AFTER UPDATE OF lat, lon ON cameras BEGIN"
	"  UPDATE camera_geo SET min_lat = new.lat, max_lat = new.lat,"
	"    min_lon = new.lon, max_lon = new.lon WHERE rid = new.rid;"
	"END;"
	"CREATE TRIGGER cameras_ad AFTER DELETE ON cameras BEGIN"
	"  DELETE FROM camera_geo WHERE rid = old.rid;"
	"END;"
	"CREATE TABLE clock_obs ("
	"  id INTEGER PRIMARY KEY,"
	"  camera_id TEXT NOT NULL REFERENCES cameras(id) ON DELETE CASCADE"
	"    ON UPDATE CASCADE,"
	"  camera_time INTEGER NOT NULL,"
	"  true_time INTEGER NOT NULL,"
	"  camera_time_raw TEXT NOT NULL,"
	"  true_time_raw TEXT NOT NULL,"
	"  by TEXT NOT NULL,"
	"  note TEXT NOT NULL DEFAULT '',"
	"  recorded INTEGER NOT NULL"
	");"
	"CREATE INDEX clock_obs_camera ON clock_obs(camera_id, camera_time);"
	"CREATE TABLE recordings ("
	"  id INTEGER PRIMARY KEY,"
	"  camera_id TEXT NOT NULL REFERENCES cameras(id) ON UPDATE CASCADE,"
	"  sha256 BLOB NOT NULL UNIQUE CHECK (length(sha256) = 32),"
	"  size INTEGER NOT NULL,"
	"  path TEXT NOT NULL,"
	"  format TEXT NOT NULL,"
	"  vcodec TEXT NOT NULL,"
	"  width INTEGER NOT NULL,"
	"  height INTEGER NOT NULL,"
	"  fps REAL,"
	"  acodec TEXT,"
	"  start INTEGER NOT NULL,"      /* camera clock, UTC us */
	"  end INTEGER NOT NULL,"
	"  first_pts INTEGER NOT NULL,"  /* stream time at start, us */
	"  time_source TEXT NOT NULL,"
	"  time_raw TEXT NOT NULL,"
	"  time_detail TEXT NOT NULL,"
	"  time_flags INTEGER NOT NULL,"
	"  keyframe_count INTEGER NOT NULL,"
	"  segment_count INTEGER NOT NULL,"
	"  damaged INTEGER NOT NULL,"
	"  ingested INTEGER NOT NULL"
	");"
	"CREATE INDEX recordings_camera_start ON recordings(camera_id, start);"
	"CREATE TABLE recording_paths ("
	"  recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,"
	"  path TEXT NOT NULL,"
	"  seen INTEGER NOT NULL,"
	"  PRIMARY KEY (recording_id, path)"
	") WITHOUT ROWID;"
	"CREATE TABLE segments ("
	"  id INTEGER PRIMARY KEY,"
	"  recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  start INTEGER NOT NULL,"
	"  end INTEGER NOT NULL,"
	"  first_pts INTEGER NOT NULL,"
	"  UNIQUE (recording_id, seq)"
	");"
	"CREATE TABLE keyframes ("
	"  recording_id INTEGER PRIMARY KEY REFERENCES recordings(id) ON DELETE CASCADE,"
	"  count INTEGER NOT NULL,"
	"  data BLOB NOT NULL"
	");",

	/* v2: an R*Tree over (camera, camera-clock time in seconds) for each
	 * segment, so a place x time query touches only the segments it needs.
	 * R*Tree keeps 32-bit floats rounded outwards: a coarse, never-missing
	 * filter; exact microsecond bounds are checked on segments. */
	"CREATE VIRTUAL TABLE segment_span USING rtree(id, t0, t1, c0, c1);"
	"INSERT INTO segment_span SELECT s.id, s.start / 1e6, s.end / 1e6, c.rid,"
	"  c.rid FROM segments s JOIN recordings r ON r.id = s.recording_id"
	"  JOIN cameras c ON c.id = r.camera_id;"
	"CREATE TRIGGER segments_ai AFTER INSERT ON segments BEGIN"
	"  INSERT INTO segment_span SELECT new.id, new.start / 1e6, new.end / 1e6,"
	"    c.rid, c.rid FROM recordings r JOIN cameras c ON c.id = r.camera_id"
	"    WHERE r.id = new.recording_id;"
	"END;"
	"CREATE TRIGGER segments_ad AFTER DELETE ON segments BEGIN"
	"  DELETE FROM segment_span WHERE id = old.id;"
	"END;"
	"CREATE INDEX segments_recording ON segments(recording_id);",

	/* v3: cases and their custody log.  Each event stores the hash of the
	 * case's previous event and its own hash over its content, so an edit
	 * or a deletion breaks the chain; triggers refuse casual changes. */
	"CREATE TABLE cases ("
	"  id TEXT PRIMARY KEY NOT NULL,"
	"  title TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  created_by TEXT NOT NULL"
	");"
	"CREATE TABLE custody ("
	"  seq INTEGER PRIMARY KEY,"
	"  case_id TEXT NOT NULL REFERENCES cases(id),"
	"  at INTEGER NOT NULL,"
	"  by TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  detail TEXT NOT NULL,"
	"  prev TEXT NOT NULL,"
	"  hash TEXT NOT NULL"
	");"
	"CREATE INDEX custody_case ON custody(case_id, seq);"
	"CREATE TRIGGER custody_no_update BEFORE UPDATE ON custody BEGIN"
	"  SELECT RAISE(ABORT, 'the custody log is append-only');"
	"END;"
	"CREATE TRIGGER custody_no_delete BEFORE DELETE ON custody BEGIN"
	"  SELECT RAISE(ABORT, 'the custody log is append-only');"
	"END;",

	/* v4: UNIQUE (recording_id, seq) already indexes segments by recording */
	"DROP INDEX IF EXISTS segments_recording;",

	/* v5: a custody event's number is its place in its case's log (1, 2,
	 * ...), so shards' logs can be merged; ID only orders this index's rows.
	 * Events made before v5 keep the index-wide number their hash covers
	 * (hash rule 1) in OLD_SEQ; events with OLD_SEQ NULL hash their SEQ
	 * (rule 2, see custody.c). */
	"DROP TRIGGER custody_no_update;"
	"DROP TRIGGER custody_no_delete;"
	"DROP INDEX custody_case;"
	"CREATE TABLE custody_v5 ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id TEXT NOT NULL REFERENCES cases(id),"
	"  seq INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  by TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  detail TEXT NOT NULL,"
	"  prev TEXT NOT NULL,"
	"  hash TEXT NOT NULL,"
	"  old_seq INTEGER,"
	"  UNIQUE (case_id, seq)"
	");"
	"INSERT INTO custody_v5 (id, case_id, seq, at, by, kind, detail, prev, hash,"
	"  old_seq) SELECT seq, case_id, row_number() OVER (PARTITION BY case_id"
	"  ORDER BY seq), at, by, kind, detail, prev, hash, seq FROM custody;"
	"DROP TABLE custody;"
	"ALTER TABLE custody_v5 RENAME TO custody;"
	"CREATE TRIGGER custody_no_update BEFORE UPDATE ON custody BEGIN"
	"  SELECT RAISE(ABORT, 'the custody log is append-only');"
	"END;"
	"CREATE TRIGGER custody_no_delete BEFORE DELETE ON custody BEGIN"
	"  SELECT RAISE(ABORT, 'the custody log is append-only');"
	"END;",

	/* v6: the host each path was seen on ('' for paths recorded before
	 * hosts were: read where the index is read, as before), so a merged
	 * index can say which machine holds a recording; the recording's
	 * first path gets its host too. */
	"CREATE TABLE recording_paths_v6 ("
	"  recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,"
	"  host TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  seen INTEGER NOT NULL,"
	"  PRIMARY KEY (recording_id, host, path)"
	") WITHOUT ROWID;"
	"INSERT INTO recording_paths_v6 SELECT recording_id, '', path, seen"
	"  FROM recording_paths;"
	"DROP TABLE recording_paths;"
	"ALTER TABLE recording_paths_v6 RENAME TO recording_paths;"
	"ALTER TABLE recordings ADD COLUMN host TEXT NOT NULL DEFAULT '';",

	/* v7: more of what the probe found of a recording's time: which two
	 * of its candidate starts (mtime aside) are more than a second apart
	 * ('' when none are), all the candidates as found (JSON), and where its
	 * frame rate came from.  NULL for recordings ingested before v7: not
	 * known. */
	"ALTER TABLE recordings ADD COLUMN time_disagreement TEXT;"
	"ALTER TABLE recordings ADD COLUMN time_candidates TEXT;"
	"ALTER TABLE recordings ADD COLUMN fps_source TEXT;",

	/* v8: mobile cameras (a witness's phone, a patrol car's dashcam): no
	 * position of their own, so cameras.lat/lon may be NULL, and only then.
	 * SQLite cannot drop NOT NULL or CHECK in place: the table is rebuilt
	 * (SQLite's 12-step procedure, run with foreign keys off, see
	 * FK_OFF_PREFIX), keeping every rid, which camera_geo and
	 * segment_span hold.  Recordings keep their own place: one position,
	 * or a track (compact blob, see geo.c), with an R*Tree over its box
	 * and the recording's span in seconds (camera clock). */
	FK_OFF_PREFIX
	"CREATE TABLE cameras_v5 ("
	"  rid INTEGER PRIMARY KEY,"
	"  id TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  lat REAL CHECK (lat BETWEEN -90 AND 90),"
	"  lon REAL CHECK (lon BETWEEN -180 AND 180),"
	"  address TEXT NOT NULL DEFAULT '',"
	"  tz TEXT,"
	"  tags TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL,"
	"  mobile INTEGER NOT NULL DEFAULT 0 CHECK (mobile IN (0, 1)),"
	"  CHECK (CASE mobile WHEN 1 THEN lat IS NULL AND lon IS NULL"
	"         ELSE lat IS NOT NULL AND lon IS NOT NULL END)"
	");"
	"INSERT INTO cameras_v5 (rid, id, name, lat, lon, address, tz, tags, created)"
	"  SELECT rid, id, name, lat, lon, address, tz, tags, created FROM cameras;"
	"DROP TABLE cameras;"
	"ALTER TABLE cameras_v5 RENAME TO cameras;"
	"CREATE TRIGGER cameras_ai AFTER INSERT ON cameras WHEN new.lat IS NOT NULL BEGIN"
	"  INSERT INTO camera_geo VALUES (new.rid, new.lat, new.lat, new.lon, new.lon);"
	"END;"
	"CREATE TRIGGER cameras_au AFTER UPDATE OF lat, lon ON cameras BEGIN"
	"  DELETE FROM camera_geo WHERE rid = new.rid;"
	"  INSERT INTO camera_geo SELECT new.rid, new.lat, new.lat, new.lon, new.lon"
	"    WHERE new.lat IS NOT NULL;"
	"END;"
	"CREATE TRIGGER cameras_ad AFTER DELETE ON cameras BEGIN"
	"  DELETE FROM camera_geo WHERE rid = old.rid;"
	"END;"
	"CREATE TABLE recording_place ("
	"  recording_id INTEGER PRIMARY KEY REFERENCES recordings(id) ON DELETE CASCADE,"
	"  source TEXT NOT NULL,"      /* vidx_geo_source_name */
	"  raw TEXT NOT NULL,"
	"  lat REAL NOT NULL,"         /* the position, or the track's first point */
	"  lon REAL NOT NULL,"
	"  alt REAL,"
	"  points INTEGER NOT NULL,"   /* 0: one position */
	"  track BLOB,"
	"  dropped INTEGER NOT NULL DEFAULT 0,"
	"  problems TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE VIRTUAL TABLE place_geo USING rtree(recording_id, min_lat, max_lat,"
	"  min_lon, max_lon, t0, t1);"
	"CREATE TRIGGER recording_place_ad AFTER DELETE ON recording_place BEGIN"
	"  DELETE FROM place_geo WHERE recording_id = old.recording_id;"
	"END;",

	/* v9: a track's box is the whole drive, kilometres wide, so a query
	 * near anywhere on it had to read the track: now each minute of a
	 * track (and each position) is an R*Tree entry of its own, with its
	 * box and its span in seconds (camera clock), the recording as an
	 * auxiliary column.  Rows from v8 keep their one whole-recording
	 * entry (coarser, never missing). */
	"CREATE VIRTUAL TABLE place_chunk USING rtree(id, min_lat, max_lat,"
	"  min_lon, max_lon, t0, t1, +recording_id);"
	"INSERT INTO place_chunk (min_lat, max_lat, min_lon, max_lon, t0, t1,"
	"  recording_id) SELECT min_lat, max_lat, min_lon, max_lon, t0, t1,"
	"  recording_id FROM place_geo;"
	"DROP TRIGGER recording_place_ad;"
	"DROP TABLE place_geo;"
	"CREATE TRIGGER recording_place_ad AFTER DELETE ON recording_place BEGIN"
	"  DELETE FROM place_chunk WHERE recording_id = old.recording_id;"
	"END;",

	/* v10: signed custody.  An event made with a key holds the key's
	 * fingerprint (KEY) and its Ed25519 signature of the event's hash (SIG,
	 * base64); events before v10, and those made without a key, have
	 * neither.  KEYS keeps the public keys that signed, so a log can be
	 * read: a copy, never trusted by itself (trust comes from a trust
	 * file held outside the index). */
	"ALTER TABLE custody ADD COLUMN key TEXT;"
	"ALTER TABLE custody ADD COLUMN sig TEXT;"
	"CREATE TABLE keys ("
	"  fingerprint TEXT PRIMARY KEY NOT NULL,"
	"  name TEXT NOT NULL,"
	"  public_key TEXT NOT NULL,"
	"  added INTEGER NOT NULL"
	");",
};

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

int vidx__sql_fail(vidx *h, const char *what)
{
	int code = sqlite3_errcode(h->db);
	return vidx__fail(h, code == SQLITE_FULL ? VIDX_EIO : VIDX_ERR,
	                  "index: %s: %s", what, sqlite3_errmsg(h->db));
}

int vidx__exec(vidx *h, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(h->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = vidx__fail(h, VIDX_ERR, "index: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

static int user_version(vidx *h, int *v)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (sqlite3_prepare_v2(h->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*v = sqlite3_column_int(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc < 0 ? vidx__sql_fail(h, "reading schema version") : 0;
}

static int is_fk_off(int v)
{
	return v >= 0 && v < (int)(sizeof(migrations) / sizeof(migrations[0])) &&
	       !strncmp(migrations[v], FK_OFF_PREFIX, strlen(FK_OFF_PREFIX));
}

/* After a migration that ran with foreign keys off: any row left pointing
 * nowhere fails it (and it rolls back). */
static int fk_check(vidx *h)
{
	sqlite3_stmt *st = NULL;
	int bad;

	if (sqlite3_prepare_v2(h->db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "checking foreign keys");
	bad = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return bad ? vidx__fail(h, VIDX_ERR, "index: a migration would break "
	                        "foreign keys") : 0;
}

static int migrate(vidx *h)
{
	char sql[64];
	int v, rc;

	if ((rc = user_version(h, &v)) < 0)
		return rc;
	if (v > SCHEMA_VERSION)
		return vidx__fail(h, VIDX_EINVAL,
		                  "index has schema version %d; this vidx knows up to %d "
		                  "(upgrade vidx)", v, SCHEMA_VERSION);
	while (v < SCHEMA_VERSION) {
		/* foreign_keys and legacy_alter_table cannot change inside a
		 * transaction: set before it for a migration that rebuilds a
		 * parent table (RENAME must not re-check the triggers naming it) */
		int fk = is_fk_off(v);
		if (fk && ((rc = vidx__exec(h, "PRAGMA foreign_keys = OFF")) < 0 ||
		           (rc = vidx__exec(h, "PRAGMA legacy_alter_table = ON")) < 0))
			goto fail;
		if ((rc = vidx__exec(h, "BEGIN IMMEDIATE")) < 0)
			goto fail;
		/* another process may have migrated while we waited */
		if ((rc = user_version(h, &v)) < 0)
			goto fail;
		if (v >= SCHEMA_VERSION) {
			vidx__exec(h, "COMMIT");
			break;
		}
		if (is_fk_off(v) != fk) {
			/* it moved on to a migration of the other kind: again */
			vidx__exec(h, "COMMIT");
			vidx__exec(h, "PRAGMA foreign_keys = ON");
			vidx__exec(h, "PRAGMA legacy_alter_table = OFF");
			continue;
		}
		if ((rc = vidx__exec(h, migrations[v])) < 0 || (fk && (rc = fk_check(h)) < 0))
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if ((rc = vidx__exec(h, sql)) < 0 || (rc = vidx__exec(h, "COMMIT")) < 0)
			goto fail;
		if (fk && ((rc = vidx__exec(h, "PRAGMA foreign_keys = ON")) < 0 ||
		           (rc = vidx__exec(h, "PRAGMA legacy_alter_table = OFF")) < 0))
			return rc;
		v++;
	}
	return 0;
fail:
	sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_exec(h->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	sqlite3_exec(h->db, "PRAGMA legacy_alter_table = OFF", NULL, NULL, NULL);
	return rc;
}

/* A file at schema version 0 is a new index only when it holds nothing:
 * every migration sets the version in the transaction that makes its
 * tables, so tables at version 0 are another program's, and migrating
 * would write ours into its file.  Checked before anything is written
 * (the switch to WAL writes the header). */
static int foreign_check(vidx *h, const char *path)
{
	sqlite3_stmt *st = NULL;
	int v, rc, own;

	if ((rc = user_version(h, &v)) < 0 || v != 0)
		return rc;
	if (sqlite3_prepare_v2(h->db, "SELECT count(*) FROM sqlite_master", -1, &st,
	                       NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return vidx__sql_fail(h, "reading schema");
	}
	own = sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	return own ? vidx__fail(h, VIDX_EINVAL, "'%s' is not a vidx index (it has "
	                        "tables of its own)", path) : 0;
}

/* Open PATH read-only as immutable (file: URI, escaped). */
static int open_immutable(vidx *h, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path), i, o = 0;
	char *uri = malloc(n * 3 + 32);
	int rc = 0;

	if (!uri)
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	o += (size_t)sprintf(uri, "file:");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		if (c == '%' || c == '?' || c == '#' || c < 0x20 || c >= 0x7f) {
			uri[o++] = '%';
			uri[o++] = hex[c >> 4];
			uri[o++] = hex[c & 15];
		} else {
			uri[o++] = (char)c;
		}
	}
	strcpy(uri + o, "?immutable=1");
	if (sqlite3_open_v2(uri, &h->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
	                    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK)
		rc = vidx__fail(h, VIDX_EIO, "cannot open index: %s",
		                h->db ? sqlite3_errmsg(h->db) : "out of memory");
	else
		sqlite3_busy_timeout(h->db, 60000);
	free(uri);
	return rc;
}

/* nonzero when P exists with data in it */
static int has_data(const char *path, const char *suffix)
{
	char p[4096];
	struct stat sb;

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	return stat(p, &sb) == 0 && sb.st_size > 0;
}

static int exists(const char *path, const char *suffix)
{
	char p[4096];
	struct stat sb;

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	return lstat(p, &sb) == 0 || errno != ENOENT;
}

/* Reading PATH as immutable gives all of it, and makes nothing beside
 * it, when no one has it open (a WAL reader or writer keeps a -shm), no
 * write-ahead log holds commits and no journal waits to be rolled back. */
static int quiet(const char *path)
{
	return !exists(path, "-shm") && !has_data(path, "-wal") &&
	       !has_data(path, "-journal");
}

/* PATH's user_version as its header gives it (offset 60, big-endian);
 * -1 when it is not an SQLite file's header */
static long header_version(const char *path)
{
	unsigned char b[100];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(b, 1, sizeof(b), f) : 0;

	if (f)
		fclose(f);
	if (n < sizeof(b) || memcmp(b, "SQLite format 3", 16))
		return -1;
	return (long)((unsigned long)b[60] << 24 | (unsigned long)b[61] << 16 |
	              (unsigned long)b[62] << 8 | b[63]);
}

int vidx__input_unchanged(vidx *h, const char *path)
{
	const struct stat *was = &h->imm_st;
	struct stat sb;

	if (!h->immutable)
		return 0;
	if (stat(path, &sb) == 0 && sb.st_size == was->st_size && sb.st_dev == was->st_dev &&
	    sb.st_ino == was->st_ino && sb.st_mtim.tv_sec == was->st_mtim.tv_sec &&
	    sb.st_mtim.tv_nsec == was->st_mtim.tv_nsec &&
	    sb.st_ctim.tv_sec == was->st_ctim.tv_sec &&
	    sb.st_ctim.tv_nsec == was->st_ctim.tv_nsec)
		return 0;
	return vidx__fail(h, VIDX_EIO, "'%s' changed while it was read", path);
}

/* Switching a new index to WAL needs it to itself for a moment, and SQLite
 * answers BUSY at once, without its busy handler, when another process is
 * opening the same new file: wait and try again, as the busy timeout would. */
static int wal_mode(vidx *h)
{
	int i;

	for (i = 0; i < 1200; i++) {
		int rc = sqlite3_exec(h->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		sqlite3_sleep(50);
	}
	return vidx__exec(h, "PRAGMA journal_mode = WAL");
}

int vidx_open(vidx *h, const char *path, int flags)
{
	int oflags = SQLITE_OPEN_FULLMUTEX, rc;
	struct stat sb;

	if (h->db)
		return vidx__fail(h, VIDX_EINVAL, "index already open");
	if (!path || !*path)
		return vidx__fail(h, VIDX_EINVAL, "no index path");
	if (stat(path, &sb) < 0) {
		if (errno != ENOENT || !(flags & VIDX_OPEN_CREATE))
			return vidx__fail(h, VIDX_EIO, "no index at '%s': %s", path,
			                  strerror(errno));
	} else if (!S_ISREG(sb.st_mode)) {
		return vidx__fail(h, VIDX_EIO, "index '%s' is not a regular file", path);
	}
	if (flags & VIDX_OPEN_INPUT)
		flags = VIDX_OPEN_READONLY | VIDX_OPEN_INPUT;
	h->immutable = 0;
	if ((flags & VIDX_OPEN_READONLY) && quiet(path) &&
	    ((flags & VIDX_OPEN_INPUT) || header_version(path) == 0)) {
		/* input, or a file that may be another program's: looked at
		 * without making a -wal and -shm beside it */
		h->imm_st = sb;
		if ((rc = open_immutable(h, path)) < 0)
			goto fail;
		sqlite3_extended_result_codes(h->db, 0);
		if ((rc = foreign_check(h, path)) < 0)
			goto fail;
		if (flags & VIDX_OPEN_INPUT) {
			h->immutable = 1;
			goto opened;
		}
		sqlite3_close(h->db);
		h->db = NULL;
	}
	oflags |= (flags & VIDX_OPEN_READONLY) ? SQLITE_OPEN_READONLY
	        : SQLITE_OPEN_READWRITE | ((flags & VIDX_OPEN_CREATE) ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &h->db, oflags, NULL) != SQLITE_OK) {
		rc = vidx__fail(h, VIDX_EIO, "cannot open index '%s': %s", path,
		                h->db ? sqlite3_errmsg(h->db) : "out of memory");
		sqlite3_close(h->db);
		h->db = NULL;
		return rc;
	}
	sqlite3_extended_result_codes(h->db, 0);
	/* writers take turns; a long ingest commit must not fail a query */
	sqlite3_busy_timeout(h->db, 60000);
	if ((rc = vidx__exec(h, "PRAGMA foreign_keys = ON")) < 0)
		goto fail;
	if (!(flags & VIDX_OPEN_READONLY)) {
		/* FULL: a committed file survives power loss, not only a crash */
		/* savepoints' sub-journals in memory, not in /var/tmp files */
		if ((rc = vidx__exec(h, "PRAGMA temp_store = MEMORY")) < 0 ||
		    (rc = foreign_check(h, path)) < 0 ||
		    (rc = wal_mode(h)) < 0 ||
		    (rc = vidx__exec(h, "PRAGMA synchronous = FULL")) < 0 ||
		    (rc = migrate(h)) < 0)
			goto fail;
	} else {
		int v;
		int e;
		if (user_version(h, &v) < 0 &&
		    ((e = sqlite3_errcode(h->db)) == SQLITE_READONLY || e == SQLITE_CANTOPEN)) {
			/* WAL needs its -shm beside the index, which a read-only
			 * folder or filesystem cannot give (READONLY when the -shm
			 * exists, CANTOPEN when it cannot be made).  There no one
			 * can be writing: read the file as it is, unless a
			 * write-ahead log still holds commits it would miss. */
			char *wal = malloc(strlen(path) + 5);
			struct stat ws;
			int pending = wal && (sprintf(wal, "%s-wal", path),
			                      stat(wal, &ws) == 0 && ws.st_size > 0);
			free(wal);
			sqlite3_close(h->db);
			h->db = NULL;
			if (pending) {
				rc = vidx__fail(h, VIDX_EIO, "index '%s' is read-only and its "
				                "write-ahead log (-wal) holds changes that need "
				                "its -shm file to be read: copy both to writable "
				                "storage", path);
				goto fail;
			}
			if ((rc = open_immutable(h, path)) < 0)
				goto fail;
		}
opened:
		if ((rc = user_version(h, &v)) < 0 || (rc = foreign_check(h, path)) < 0)
			goto fail;
		if (v != SCHEMA_VERSION) {
			rc = vidx__fail(h, VIDX_EINVAL, "index '%s' has schema version %d, "
			                "this vidx needs %d%s", path, v, SCHEMA_VERSION,
			                v < SCHEMA_VERSION ? " ('vidx-camera -d INDEX list' "
			                "upgrades it)" : "");
			goto fail;
		}
	}
	return 0;
fail:
	sqlite3_close(h->db);
	h->db = NULL;
	if (!strstr(h->err, path)) {
		/* name the file: "index: file is not a database" alone is no help */
		char msg[sizeof(h->err)];
		/* the file's name in place of "index" */
		snprintf(msg, sizeof(msg), "%s", h->err + (strncmp(h->err, "index: ", 7) ? 0 : 7));
		vidx__fail(h, rc, "'%s': %s", path, msg);
	}
	return rc;
}

int vidx__need_db(vidx *h)
{
	return h->db ? 0 : vidx__fail(h, VIDX_EINVAL, "no index open");
}

int vidx_integrity_check(vidx *h, char *buf, size_t n)
{
	sqlite3_stmt *st = NULL;
	int ok = 0, rc;

	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	if (sqlite3_prepare_v2(h->db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return vidx__sql_fail(h, "integrity_check");
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);
		snprintf(buf, n, "%s", r ? r : "");
		ok = r && !strcmp(r, "ok");
	}
	sqlite3_finalize(st);
	return ok ? 0 : VIDX_ERR;
}

int vidx__exec_begin(vidx *h)
{
	int rc;
	if ((rc = vidx__need_db(h)) < 0)
		return rc;
	return vidx__exec(h, "BEGIN IMMEDIATE");
}

int vidx__exec_end(vidx *h, int rc)
{
	if (rc == 0) {
		if (sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
			return 0;
		rc = vidx__sql_fail(h, "commit");
	}
	sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
