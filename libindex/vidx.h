/*
 * vidx.h - the one public interface of libindex.
 *
 * Conventions (see DESIGN.md):
 *  - Every instant is int64 microseconds since the Unix epoch, UTC.
 *  - Functions return 0 (or a non-negative count) on success and a negative
 *    VIDX_E* code on failure, leaving a one-line message on the handle
 *    (vidx_errmsg()).  libindex never prints and never exits.
 *  - Objects returned to the caller are owned by the caller and released
 *    with the matching *_free(), which accepts NULL.
 */
#ifndef VIDX_H
#define VIDX_H

#include <stddef.h>
#include <stdint.h>

#define VIDX_VERSION "0.1.0"

/* Error codes. */
enum {
	VIDX_OK = 0,
	VIDX_ERR = -1,      /* generic failure */
	VIDX_ENOMEM = -2,
	VIDX_EIO = -3,      /* cannot open / read a file */
	VIDX_EFORMAT = -4,  /* not a usable recording, bad data */
	VIDX_EINVAL = -5,   /* bad argument: time, zone, pattern ... */
	VIDX_EAMBIG = -6,   /* local time is ambiguous or does not exist */
	VIDX_ENOENT = -7,   /* no such camera / recording */
	VIDX_EEXIST = -8,   /* already there (camera id), or still in use */
};

#define VIDX_TIME_NONE INT64_MIN /* "no such instant" */

typedef struct vidx vidx;

/* Allocate a handle.  Returns NULL only when out of memory. */
vidx *vidx_new(void);
void vidx_free(vidx *h);
/* The message of the last failure on h ("" if none); valid until the next
 * call on h. */
const char *vidx_errmsg(const vidx *h);
const char *vidx_version(void);

/* ---- time ---------------------------------------------------------- */

/* Flags describing how a local wall-clock time was converted. */
enum {
	VIDX_TF_LOCAL = 1,       /* read as local time in a zone */
	VIDX_TF_AMBIGUOUS = 2,   /* repeated fall-back hour: earlier instant chosen */
	VIDX_TF_NONEXISTENT = 4, /* skipped spring-forward hour: read with the
	                            offset in force before the change */
	VIDX_TF_LAST_RESORT = 8, /* e.g. file mtime */
	VIDX_TF_INVALID = 16,    /* found but unusable (e.g. zero date) */
};

/* Broken-down wall-clock time, as read from a name, a header or a user. */
typedef struct vidx_civil {
	int year, mon, day, hour, min, sec; /* mon 1-12, day 1-31 */
	int usec;                           /* 0-999999 */
} vidx_civil;

/* Is ZONE a known IANA zone ("UTC" included)? 1 yes, 0 no. */
int vidx_tz_valid(const char *zone);

/* Convert a local civil time in ZONE (NULL: $TZ, else the system zone) to
 * UTC.  Sets *flags to VIDX_TF_LOCAL plus VIDX_TF_AMBIGUOUS or
 * VIDX_TF_NONEXISTENT when the zone's rules make it so; the rule for each
 * is documented on the flags.  Returns 0, or VIDX_EINVAL for a bad zone or
 * an out-of-range field. */
int vidx_civil_to_utc(vidx *h, const vidx_civil *c, const char *zone,
                      int64_t *us, int *flags);

/* Parse a time given by a person or a script:
 *   ISO 8601 with Z or an offset: 2022-07-04T21:24:30Z, ...30.250+02:00
 *   local, read in ZONE:          2022-07-04 21:24[:30[.250]] (or with T)
 *   Unix seconds:                 @1656969870[.250]
 * A local time that is ambiguous or does not exist in ZONE is refused with
 * VIDX_EAMBIG (a person must say which one with an offset). */
int vidx_time_parse(vidx *h, const char *s, const char *zone, int64_t *us);

/* Parse a duration: 90s, 15m, 2h, 1h30m, 1.5s, 250ms, 2d; a bare number is
 * seconds.  Negative or empty values are refused. */
int vidx_duration_parse(vidx *h, const char *s, int64_t *us);

/* Format US as UTC ISO 8601 with milliseconds: 2022-07-04T21:24:30.250Z.
 * BUF must hold VIDX_TIME_BUFSZ bytes.  Returns BUF. */
#define VIDX_TIME_BUFSZ 40
char *vidx_time_format(int64_t us, char *buf);
/* Same, in ZONE's local time with its offset: 2022-07-04T17:24:30.250-04:00 */
char *vidx_time_format_local(int64_t us, const char *zone, char *buf);

/* ---- file-name times ------------------------------------------------ */

/* Check a --name-time pattern.  Fields: %Y %y %m %d %H %M %S %L (ms)
 * %f (us) %s (Unix seconds, UTC) %%; '*' any run of characters, '?' one
 * character; %E before a field (%EH %EM %ES ...; not %s) makes it a field
 * of the recording's end, which needs at least %EH %EM.  A pattern with
 * '/' is matched against that many trailing path components, else against
 * the base name.  0 ok, VIDX_EINVAL. */
int vidx_name_pattern_check(vidx *h, const char *pattern);

/* What a file name says of its recording: when it started and, for a
 * pattern with end fields, when it ended (its date fields default to the
 * start's, seconds to 0; an end before the start on the same date is the
 * next day; an end that is not after the start, or a day or more after
 * it, is no end).  LABEL: for "auto", the vendor pattern's name (static). */
typedef struct vidx_name_span {
	vidx_civil start, end;
	int has_end, is_utc;
	const char *label;
} vidx_name_span;
/* Match PATTERN ("auto": the built-in vendor patterns; "none": nothing)
 * against PATH.  1 matched, 0 no match, VIDX_EINVAL bad pattern. */
int vidx_name_span_match(vidx *h, const char *pattern, const char *path,
                         vidx_name_span *sp);

/* Match PATTERN (or, when PATTERN is "auto", the built-in vendor patterns)
 * against PATH.  On a match fills *c, sets *is_utc (the pattern used %s)
 * and, for "auto", *label to the vendor pattern's name (static string).
 * Returns 1 matched, 0 no match, VIDX_EINVAL bad pattern. */
int vidx_name_time_match(vidx *h, const char *pattern, const char *path,
                         vidx_civil *c, int *is_utc, const char **label);

/* ---- a recording's own place (geo.c; one file per reader) ---------------- */

/* Where a position or a track came from (names: vidx_geo_source_name). */
enum vidx_geo_source {
	VIDX_GEO_NONE = 0,
	VIDX_GEO_ISO6709, /* QuickTime com.apple.quicktime.location.ISO6709 */
	VIDX_GEO_XYZ,     /* MP4 udta (c)xyz, ISO 6709 text (Android, GoPro) */
	VIDX_GEO_LOCI,    /* 3GPP udta loci, 16.16 fixed point */
	VIDX_GEO_GPMF,    /* GoPro GPMF telemetry GPS5 */
	VIDX_GEO_DJI_SRT, /* a DJI .SRT sidecar beside the video */
	VIDX_GEO_NMEA,    /* NMEA RMC/GGA sentences in a subtitle or data track */
	VIDX_GEO_CAMERA,  /* the fixed camera's position (index only) */
	VIDX_GEO_NOVATEK, /* a Novatek dashcam's 'gps ' box and freeGPS blocks */
};
const char *vidx_geo_source_name(int src);
/* the enum value of NAME, 0 when unknown */
int vidx_geo_source_id(const char *name);

/* One point of a track; OFF is microseconds from the recording's first
 * frame, so a point's true time is the recording's start plus OFF (and a
 * clock correction moves the track with its footage). */
typedef struct vidx_geopoint {
	int64_t off;
	double lat, lon;
	double alt_m; /* NAN when unknown */
} vidx_geopoint;

typedef struct vidx_place {
	int loc_source;          /* VIDX_GEO_*: one position; 0 none */
	vidx_geopoint loc;       /* off 0 */
	char loc_raw[128];       /* the value exactly as found */
	int track_source;        /* VIDX_GEO_*: a track; 0 none */
	vidx_geopoint *track;    /* kept points, in time order */
	size_t ntrack;
	char track_raw[192];     /* what it was read from (first GPSU, a
	                            sidecar's name and SHA-256) */
	size_t dropped;          /* points flagged and left out */
	char problems[8][192];   /* why, one line each (the first 8) */
	size_t nproblems;
	char make[64], model[64], software[64];
} vidx_place;

/* Parse an ISO 6709 point as QuickTime and MP4 write it:
 * +DD.DDDD+DDD.DDDD[+AAA.AAA][CRSxxx]/ (also DDMM.MM and DDMMSS.SS forms).
 * ALT is NAN when absent.  VIDX_EFORMAT with the reason. */
int vidx_iso6709_parse(vidx *h, const char *s, double *lat, double *lon,
                       double *alt);

/* GPX 1.1: the document's head and tail, and between them one <trk> of a
 * track's points (START: the UTC of off 0, or VIDX_TIME_NONE) or, with
 * WAYPOINT, one <wpt> of its first point; malloc'ed, NULL out of memory. */
const char *vidx_gpx_head(void);
const char *vidx_gpx_tail(void);
char *vidx_gpx_trk(const char *name, int64_t start, const vidx_geopoint *pt,
                   size_t n, int waypoint);

/* ---- probe ---------------------------------------------------------- */

/* Where a start time came from; strongest first (the order a probe
 * chooses in; names stored in the index as vidx_source_name() gives them). */
enum vidx_time_source {
	VIDX_SRC_NONE = 0,
	VIDX_SRC_MANUAL,    /* --start */
	VIDX_SRC_GPS,       /* satellite time in the recording's own track */
	VIDX_SRC_STREAM,    /* the recorder's per-frame clock (DHAV, SEI) */
	VIDX_SRC_DEVICE,    /* a phone's or camcorder's capture date + offset */
	VIDX_SRC_FILENAME,  /* --name-time pattern */
	VIDX_SRC_CONTAINER, /* creation_time, AVI IDIT: often the export time */
	VIDX_SRC_MTIME,     /* file modification time: last resort */
};
const char *vidx_source_name(int src);

typedef struct vidx_time_candidate {
	int source;      /* enum vidx_time_source */
	int64_t utc;     /* VIDX_TIME_NONE when unusable (see flags) */
	int flags;       /* VIDX_TF_* */
	char raw[96];    /* the value exactly as found */
	char detail[96]; /* where: tag name, pattern, zone ... */
} vidx_time_candidate;

typedef struct vidx_keyframe {
	int64_t pts;  /* stream time, microseconds (ffprobe's pts_time) */
	int64_t pos;  /* byte offset in the file, -1 when unknown */
	int32_t size; /* packet size in bytes */
	int64_t n;    /* packet number in the video stream, from 0 (not
	                 stored in the index) */
} vidx_keyframe;

enum { VIDX_GAP_JUMP = 1, VIDX_GAP_BACKWARD = 2 };
typedef struct vidx_gap {
	int kind;      /* VIDX_GAP_* */
	int64_t from;  /* stream time (us) of the last packet before the gap */
	int64_t to;    /* stream time (us) of the first packet after it */
} vidx_gap;

/* A continuous stretch of a recording on the camera's clock; FIRST_PTS is
 * the stream time (us) of its first frame. */
typedef struct vidx_segment {
	int64_t start, end, first_pts;
} vidx_segment;

typedef struct vidx_probe_opts {
	const char *start;     /* manual start (vidx_time_parse syntax) or NULL */
	const char *name_time; /* pattern, "auto" (NULL means auto) or "none" */
	const char *tz;        /* zone for local times; NULL: $TZ / system */
	int64_t gap_min;       /* gap threshold in us; 0 = automatic */
	int keep_keyframes;    /* keep the keyframe list (always counted) */
	int hash;              /* SHA-256 of the whole file, while reading it */
} vidx_probe_opts;

typedef struct vidx_probe {
	char *path;
	char format[64];       /* libavformat short name */
	char format_long[128];
	int64_t size;          /* bytes */
	int64_t duration;      /* us; the video's span (first frame to the end of
	                          the last), else the container's duration */
	int64_t mtime;         /* us */

	int has_video;
	char vcodec[32];
	char vprofile[48];
	int width, height;
	int fps_num, fps_den;  /* average frame rate, 0/0 unknown */
	/* where the rate came from: "container" (the file has timestamps, which
	 * time the frames), or for a raw stream without them: "name" (the file
	 * name's start and end: its frames over that length), "vui" (the
	 * stream's own timing info) or "default" (neither: 25 fps); the last
	 * two are assumed (FPS_ASSUMED), nothing in the file checks them */
	const char *fps_source;
	int fps_assumed;
	char fps_note[224];    /* how the rate was found, in words */
	int64_t named_length;  /* us: the name's end minus its start; 0 none */
	int has_audio;
	char acodec[32];
	int sample_rate, channels;
	int nb_streams;

	int64_t first_pts, last_pts; /* video stream time span, us: from the
	                                first instant (the first keyframe) to
	                                the latest frame */
	int64_t frame_dur;           /* us, nominal */
	int64_t nb_packets;          /* video packets seen/indexed */
	int64_t nb_leading;          /* of them, before the first keyframe of
	                                their segment or shown before it (open
	                                GOP): not footage of this file */

	int64_t start, end;          /* wall clock UTC; VIDX_TIME_NONE unknown */
	int time_source;             /* chosen candidate's source */
	int chosen;                  /* index into cand, -1 none */
	char time_reason[160];
	vidx_time_candidate *cand;
	size_t ncand;
	/* two usable candidates (mtime aside: copying changes it) more than a
	 * second apart; TIME_DISAGREEMENT says which, in words */
	int time_disagree;
	char time_disagreement[160];

	const char *index_method;    /* "container-index" or "packet-scan" */
	size_t nkeyframes;
	vidx_keyframe *kf;           /* NULL unless keep_keyframes */
	vidx_gap *gaps;
	size_t ngaps;
	vidx_segment *segs;          /* continuous stretches between the gaps,
	                                start/end as offsets (us) from start */
	size_t nsegs;
	int damaged;                 /* demuxer reported errors mid-file */
	int hashed;                  /* sha256 is set (opts.hash) */
	unsigned char sha256[32];
	char sha256_hex[65];
	vidx_place place;            /* its own position or track, if any */
} vidx_probe;

/* Probe one file: open it read-only, read what is needed to describe it.
 * On success *out is a new vidx_probe (free with vidx_probe_free).  On
 * failure returns VIDX_EIO / VIDX_EFORMAT / VIDX_ENOMEM / VIDX_EINVAL with
 * the reason in vidx_errmsg(h) (without the file name). */
int vidx_probe_file(vidx *h, const char *path, const vidx_probe_opts *o,
                    vidx_probe **out);
void vidx_probe_free(vidx_probe *p);

/* ---- the index -------------------------------------------------------- */

enum { VIDX_OPEN_CREATE = 1, VIDX_OPEN_READONLY = 2, VIDX_OPEN_INPUT = 4 };

/* Open the index at PATH on h (SQLite, WAL, foreign keys), creating it
 * with VIDX_OPEN_CREATE, and bring its schema up to date.  Closed by
 * vidx_free().  Fails with VIDX_EIO when PATH is missing (without CREATE)
 * or unreadable, VIDX_EINVAL when the index is newer than this build, or
 * when PATH is an SQLite file of another program's (it is never changed).
 * VIDX_OPEN_INPUT (read-only, for an index read as input, such as a
 * shard): nothing is made beside PATH.  SQLite's reader of a WAL index
 * makes its -wal and -shm; when none is there (no one has it open) and
 * no journal waits to be rolled back, PATH is read as immutable instead,
 * without locks: vidx__input_unchanged() then tells whether someone
 * wrote to it meanwhile.  When a -wal or -shm is there, it is read as
 * usual. */
int vidx_open(vidx *h, const char *path, int flags);
/* PRAGMA integrity_check: 0 when "ok", else VIDX_ERR with the first
 * finding in BUF. */
int vidx_integrity_check(vidx *h, char *buf, size_t n);

/* The machine h works on: recorded with every path ingested, so a merged
 * index knows which host holds a recording, and compared with a path's
 * host before it is read.  NAME: 1-255 bytes of printable text without
 * spaces; NULL for this machine's name (gethostname(2)), the default.
 * VIDX_EINVAL for a bad name. */
int vidx_set_host(vidx *h, const char *name);
const char *vidx_host(vidx *h);

/* An id a person gives a camera or a case: [A-Za-z0-9._-]{1,64}, not
 * starting with '.' or '-' (it names folders and files).  1 yes, 0 no. */
int vidx_id_valid(const char *id);

/* ---- cameras ------------------------------------------------------------- */

typedef struct vidx_camera {
	char *id;       /* see vidx_id_valid() */
	char *name;
	double lat, lon;
	char *address;
	char *tz;       /* IANA zone or NULL */
	char *tags;     /* comma-separated */
	int64_t created;
	int64_t recordings; /* filled by get/list */
	int mobile;         /* no position of its own (lat, lon NAN): each
	                       recording carries its place */
} vidx_camera;

/* which fields vidx_camera_set() changes */
enum { VIDX_CAM_NAME = 1, VIDX_CAM_LAT = 2, VIDX_CAM_LON = 4,
       VIDX_CAM_ADDRESS = 8, VIDX_CAM_TZ = 16, VIDX_CAM_TAGS = 32 };

/* Add C (caller keeps C).  VIDX_EINVAL for a bad id, position or zone,
 * VIDX_EEXIST when the id is taken.  A mobile camera has no position. */
int vidx_camera_add(vidx *h, const vidx_camera *c);
/* Change the FIELDS of camera C->id.  VIDX_ENOENT if unknown; a mobile
 * camera's position cannot be set (VIDX_EINVAL). */
int vidx_camera_set(vidx *h, const vidx_camera *c, unsigned fields);
/* Remove a camera; refused with VIDX_EEXIST while recordings reference it
 * unless FORCE, which removes them too. */
int vidx_camera_rm(vidx *h, const char *id, int force);
/* Fill *C (free its strings with vidx_camera_clear).  VIDX_ENOENT. */
int vidx_camera_get(vidx *h, const char *id, vidx_camera *c);
void vidx_camera_clear(vidx_camera *c);
int vidx_camera_list(vidx *h, vidx_camera **out, size_t *n);
void vidx_camera_list_free(vidx_camera *a, size_t n);
/* Import cameras from CSV (header id,name,lat,lon,tz,address,tags; any
 * order, id/lat/lon required) or a GeoJSON FeatureCollection of Points:
 * all of them or, on the first bad row, none (the message names it). */
int vidx_camera_import(vidx *h, const char *path, size_t *count);

/* "The camera showed CAMERA_TIME when the true time was TRUE_TIME": both
 * read with vidx_time_parse in the camera's zone. */
typedef struct vidx_clock_obs {
	int64_t id, camera_time, true_time, recorded;
	char *camera_time_raw, *true_time_raw, *by, *note;
} vidx_clock_obs;
int vidx_clock_add(vidx *h, const char *camera, const char *camera_time,
                   const char *true_time, const char *by, const char *note);
int vidx_clock_list(vidx *h, const char *camera, vidx_clock_obs **out,
                    size_t *n);
void vidx_clock_list_free(vidx_clock_obs *a, size_t n);

/* The whole camera registry as a GeoJSON FeatureCollection (*JSON,
 * malloc'ed): every camera with all its fields, its creation time and its
 * clock observations (raw values, exact instants in us, who, why, when),
 * so that vidx_camera_import() of it into another index gives the same
 * cameras and observations: the registry each shard of a state's index is
 * made with. */
int vidx_camera_export(vidx *h, char **json);

/* ---- ingest -------------------------------------------------------------- */

enum { VIDX_INGESTED = 1, VIDX_DUPLICATE = 2, VIDX_FAILED = 3 };

typedef struct vidx_ingest_result {
	int status;              /* VIDX_INGESTED / DUPLICATE / FAILED */
	int64_t recording_id;    /* -1 when failed */
	char camera[65];         /* for a duplicate: the camera it is filed under */
	char sha256[65];
	int64_t size;
	int64_t start, end;      /* camera clock, UTC */
	int time_source;
	size_t keyframes, segments;
	int damaged;
	char error[512];
} vidx_ingest_result;
const char *vidx_status_name(int status);

/* Hash, probe and index one file for CAMERA in one transaction.  Local
 * times are read in O->tz, else the camera's zone.  The recording's own
 * place (position or track) is kept with it; a mobile camera's recording
 * without one is refused (VIDX_EFORMAT).  Content already indexed
 * (same SHA-256) is a duplicate: only the new path is remembered.  Returns
 * 0 (ingested or duplicate) or <0 with the reason in r->error and
 * vidx_errmsg(h); a failed file leaves no row behind. */
int vidx_ingest_file(vidx *h, const char *path, const char *camera,
                     const vidx_probe_opts *o, vidx_ingest_result *r);

/* vidx_ingest_file in two halves, so that several files can be written in
 * one transaction (one sync of the index for all of them) while others are
 * still being read.  prepare does the slow half (hash, probe) and writes
 * nothing: on success *out holds the file and R what it will be (status
 * still VIDX_FAILED); on failure R says why.  commit writes X[0..N) (NULL
 * entries skipped) in one transaction, each file in a savepoint of its own:
 * a file that cannot be written is taken back alone and its R says why;
 * when the transaction itself cannot be committed, none is written and
 * every R says so.  Returns the number of files that failed, or <0 (the
 * transaction).  Nothing is in the index, or reported as in it, before its
 * commit returns.  X stays the caller's (vidx_prepared_free). */
typedef struct vidx_prepared vidx_prepared;
int vidx_ingest_prepare(vidx *h, const char *path, const char *camera,
                        const vidx_probe_opts *o, vidx_prepared **out,
                        vidx_ingest_result *r);
int vidx_ingest_commit(vidx *h, vidx_prepared *const *x, size_t n,
                       vidx_ingest_result *r);
void vidx_prepared_free(vidx_prepared *x);

/* ---- recordings ------------------------------------------------------------ */

/* A recording described rather than read (vidx_ingest_file builds one from
 * a probe): for imports from other systems and for benchmarks. */
typedef struct vidx_recording_in {
	const char *camera, *path;
	unsigned char sha256[32];
	int64_t size;
	const char *format, *vcodec, *acodec; /* acodec may be NULL */
	int width, height;
	double fps;                           /* 0: unknown */
	int time_source, time_flags;
	const char *time_raw, *time_detail;
	const vidx_segment *segments;         /* at least one, in order */
	size_t nsegments;
	const vidx_keyframe *kf;              /* pts in stream time */
	size_t nkf;
	int damaged;
	const char *time_candidates;  /* JSON array (vidx-probe's), or NULL:
	                                 not known; with it TIME_DISAGREEMENT */
	const char *time_disagreement; /* which disagree, or "" */
	const char *fps_source;       /* see vidx_probe; NULL not known */
	const vidx_place *place;              /* its own position or track, or
	                                         NULL; required for a mobile
	                                         camera */
} vidx_recording_in;

/* Add R.  Runs inside the caller's transaction if one is open (see
 * vidx_begin), else in its own.  Same SHA-256 already indexed: not added,
 * *duplicate set, R's path remembered, *id the existing recording. */
int vidx_recording_add(vidx *h, const vidx_recording_in *r, int64_t *id,
                       int *duplicate);
/* Group many writes into one transaction (IMMEDIATE: the write lock is
 * taken at once).  vidx_commit(h, 0) commits; a negative RC rolls back and
 * is returned. */
int vidx_begin(vidx *h);
int vidx_commit(vidx *h, int rc);

typedef struct vidx_recording {
	int64_t id;
	const char *camera, *path, *sha256, *format, *vcodec, *acodec;
	const char *time_source, *time_raw, *time_detail;
	int width, height, time_flags, damaged;
	double fps;
	int64_t size, start, end, first_pts, ingested;
	int64_t keyframes, segments, npaths;
	const char *host;  /* where PATH was seen ("" before hosts were kept) */
	/* kept since schema v7; -1 and NULLs for recordings ingested before */
	int time_disagree;             /* candidates more than 1 s apart */
	const char *time_disagreement; /* which, in words ("" none) */
	const char *time_candidates;   /* JSON array, as vidx-probe found them */
	const char *fps_source;        /* see vidx_probe */
	const vidx_place *place;  /* its own position or track, NULL if none */
} vidx_recording;

/* Call CB for each recording (of CAMERA when not NULL), ordered by camera
 * and start.  The strings live until CB returns.  A non-zero return from
 * CB stops the walk and is returned. */
int vidx_recording_each(vidx *h, const char *camera,
                        int (*cb)(void *ctx, const vidx_recording *r),
                        void *ctx);
/* The stored keyframes of recording ID (malloc'ed; pts in stream time). */
int vidx_recording_keyframes(vidx *h, int64_t id, vidx_keyframe **kf,
                             size_t *n);

/* ---- queries: place x time --------------------------------------------- */

typedef struct vidx_query {
	int has_near;          /* cameras within radius_m of lat, lon */
	double lat, lon, radius_m;
	int has_bbox;          /* cameras inside s, w, n, e (degrees) */
	double s, w, n, e;
	const char *const *cameras; /* only these ids (all must exist) */
	size_t ncameras;
	const char *const *tags;    /* cameras with every one of these tags */
	size_t ntags;
	int64_t from, to;      /* the window, true time (UTC us) */
	int sort_time;         /* spans by time; else by distance, then time */
} vidx_query;

typedef struct vidx_interval {
	int64_t start, end;
} vidx_interval;

/* One continuous stretch of one camera's footage inside the window. */
typedef struct vidx_span {
	const char *camera, *name, *path, *sha256, *time_source;
	double lat, lon, distance_m;  /* NaN without a point */
	int64_t recording_id, segment_id;
	int64_t start, end;           /* true time, clipped to the window */
	int64_t camera_start, camera_end; /* the same on the camera's clock */
	int64_t correction_us;        /* camera clock - true time at start */
	int64_t seek_time, seek_camera; /* the keyframe at or before start */
	int64_t seek_pts, seek_pos;   /* its stream time (us) and byte offset */
	int mobile;                   /* a mobile camera's recording: LAT, LON
	                                 are its place at CLOSEST_AT (or its one
	                                 position), DISTANCE_M = CLOSEST_M */
	double closest_m;             /* nearest to --near in the span, NaN */
	int64_t closest_at;           /* when (true time), VIDX_TIME_NONE */
	vidx_geopoint *trail;         /* the track in the span, OFF = true time
	                                 (UTC us); NULL for a position */
	size_t ntrail;
} vidx_span;

/* Per selected camera: what of the window is covered, and what is not. */
typedef struct vidx_coverage {
	const char *camera, *name, *tz;
	double lat, lon, distance_m;
	vidx_interval *covered, *uncovered;
	size_t ncovered, nuncovered;
	int64_t covered_us;
	int mobile;  /* a mobile camera: listed only when it was there */
} vidx_coverage;

typedef struct vidx_result {
	int64_t from, to;
	vidx_span *spans;
	size_t nspans;
	vidx_coverage *cams;  /* every selected camera, footage or not */
	size_t ncams;
} vidx_result;

/* Answer Q in one read transaction.  A mobile camera's recording matches
 * while its own track (or position) was within the radius or box: its
 * spans are those parts of the window, clipped to the recording, with
 * MOBILE set and the closest approach; the camera is in the coverage
 * only if one of its recordings was there (or no place was asked).  VIDX_ENOENT for an unknown camera,
 * VIDX_EINVAL for an empty window or a bad radius. */
int vidx_query_run(vidx *h, const vidx_query *q, vidx_result **out);
void vidx_result_free(vidx_result *r);
/* great-circle distance in metres (haversine, mean Earth radius) */
double vidx_distance_m(double lat1, double lon1, double lat2, double lon2);
/* "300", "300m", "1.5km" -> metres */
int vidx_distance_parse(vidx *h, const char *s, double *m);

/* ---- cases and custody ------------------------------------------------------ */

/* TITLE, CREATED and CREATED_BY are what the case's first custody event
 * says (hashed and perhaps signed), not the cases table, which nothing
 * protects; PROBLEM, when not NULL, says how the table differs. */
typedef struct vidx_case {
	const char *id, *title, *created_by;
	int64_t created, events;
	const char *problem;
} vidx_case;

/* One custody event; PROBLEM is NULL when it checks out, else why not.
 * SEQ is its place in its case's log (1, 2, ...).  RULE is the hash rule
 * it was made under: 2, or 1 for events made before schema v5, whose hash
 * covers OLD_SEQ, the index-wide number they had then (vidx(7)). */
typedef struct vidx_event {
	const char *case_id, *by, *kind, *detail, *prev, *hash, *problem;
	int64_t seq, at;
	int rule;
	int64_t old_seq;
	/* its signature (schema v10): the fingerprint of the key that signed
	 * it and the Ed25519 signature of HASH (base64), or NULL; SIGNER the
	 * key's operator (the trust file's name for it, else the index's
	 * copy's); SIG_STATE a VIDX_SIG_*; SIG_PROBLEM why the signature does
	 * not count (also in PROBLEM when the chain is intact), or NULL */
	const char *key, *sig, *signer, *sig_problem;
	int sig_state;
} vidx_event;

enum {
	VIDX_SIG_NONE = 0,  /* unsigned */
	VIDX_SIG_VALID,     /* valid with the index's copy of its key: not
	                       checked against a trust file */
	VIDX_SIG_TRUSTED,   /* valid with the trust file's key for its operator */
	VIDX_SIG_UNCHECKED, /* its key is neither in the index nor in a trust file */
	VIDX_SIG_BAD,       /* see SIG_PROBLEM */
};
/* "unsigned", "valid", "trusted", "unchecked", "bad" */
const char *vidx_sig_state_name(int state);

/* A chain head kept outside the index (vidx_case_seal prints one): the
 * case's event SEQ had hash HASH.  A check fills OK and, when the log up
 * to SEQ is not what it was, WHY. */
typedef struct vidx_anchor {
	int64_t seq;
	char hash[65];
	int ok;
	char why[240];
} vidx_anchor;
/* "SEQ:HASH" (HASH 64 hex digits) into *A; VIDX_EINVAL otherwise. */
int vidx_anchor_parse(vidx *h, const char *s, vidx_anchor *a);
/* Check every custody log against these anchors from now on (copied). */
int vidx_use_anchors(vidx *h, const vidx_anchor *a, size_t n);

/* What a check of a case's log found (vidx_custody_check). */
typedef struct vidx_custody_report {
	size_t events;
	size_t broken;        /* events with a chain or a signature problem */
	size_t chain_broken;  /* ... with a chain problem */
	size_t unsigned_events, valid, trusted, unchecked, bad_sigs;
	int signed_case;      /* the case requires signatures */
	int64_t head_seq;     /* its newest event, 0 when none */
	char head[65];
	const vidx_anchor *anchors; /* h's anchors, checked */
	size_t nanchors, anchors_failed;
	/* one line: what holds, and what could not be checked ("chain
	 * intact; not checked against any key or anchor; ...") */
	char summary[640];
} vidx_custody_report;
/* Walk a case's log as vidx_custody_each does, checking each event's
 * hash, link and signature (against h's trust file when there is one) and
 * h's anchors, and sum it up in *R.  Returns 0 (R->broken and
 * R->anchors_failed say what failed) or <0. */
int vidx_custody_check(vidx *h, const char *case_id,
                       int (*cb)(void *ctx, const vidx_event *e), void *ctx,
                       vidx_custody_report *r);

/* An operator's name fit for the custody log: not empty, one line, no
 * control characters, valid UTF-8.  1 yes, 0 no. */
int vidx_operator_valid(const char *by);
/* Open a case (id rules as for cameras): the first custody event. */
int vidx_case_new(vidx *h, const char *id, const char *title, const char *by);
/* The same; with VIDX_CASE_SIGNED the case requires every event to be
 * signed (its first event says so, and needs h's key): an event without a
 * key is refused, and a check reports any unsigned one. */
enum { VIDX_CASE_SIGNED = 1 };
int vidx_case_open(vidx *h, const char *id, const char *title, const char *by,
                   int flags);
/* Seal a case's log: append a "seal" event and give its number and hash,
 * the head to keep outside the index.  A log that fails its check is not
 * sealed (VIDX_EFORMAT). */
int vidx_case_seal(vidx *h, const char *case_id, const char *by, int64_t *seq,
                   char hash[65]);
/* 1 when the case requires signed events, 0 not, <0 error */
int vidx_case_signed(vidx *h, const char *case_id);
/* Append a custody event of KIND with DETAIL (JSON text) to a case; HASH,
 * if not NULL, gets the new event's hash.  VIDX_ENOENT for no such case. */
int vidx_custody_add(vidx *h, const char *case_id, const char *by,
                     const char *kind, const char *detail_json, char hash[65]);
int vidx_case_note(vidx *h, const char *case_id, const char *by,
                   const char *text);
int vidx_case_each(vidx *h, int (*cb)(void *ctx, const vidx_case *c), void *ctx);
/* Walk a case's log in order, checking each event's hash and link and its
 * signature (against h's trust file when there is one, see vidx_event);
 * *BROKEN counts the events that fail.  CB may be NULL. */
int vidx_custody_each(vidx *h, const char *case_id,
                      int (*cb)(void *ctx, const vidx_event *e), void *ctx,
                      size_t *broken);

/* ---- pulling clips ------------------------------------------------------ */

enum { VIDX_FMT_AUTO = 0, VIDX_FMT_MP4, VIDX_FMT_MKV, VIDX_FMT_NATIVE };

/* One clip as written or, with ERROR set, not written.  PATH is relative
 * to the folder; times are true time (UTC us). */
typedef struct vidx_clip {
	const char *camera, *path, *format, *sha256, *error;
	int64_t size, req_start, req_end, start, end;
	int64_t video_packets, audio_packets; /* audio: -1 for native clips */
	size_t nsources;
} vidx_clip;

typedef struct vidx_pull_opts {
	const char *case_id;
	const char *by;          /* the operator */
	const char *out_dir;     /* made if missing; must not hold a pull yet */
	int format;              /* VIDX_FMT_*: AUTO is MP4, or MKV when the
	                            streams do not fit MP4 */
	int no_source_hash;      /* trust the index: do not re-hash sources */
	const char *query_json;  /* the question asked (a JSON object) */
	void (*on_clip)(void *ctx, const vidx_clip *c); /* may be NULL */
	void *ctx;
	int sign;                /* sign every MP4 clip as the ONVIF Export File
	                            Format asks, with h's certificate
	                            (vidx_use_cert) */
} vidx_pull_opts;

/* A window asked of one camera, as vidx-query --json prints spans; read
 * back by vidx-pull from its standard input. */
typedef struct vidx_window {
	char camera[65];
	int64_t from, to;       /* true time */
	int64_t recording_id;   /* -1 when not given */
} vidx_window;
/* Read JSON lines (objects with camera, start, end and optionally
 * recording_id; other members ignored) from TEXT.  Blank lines are
 * skipped; a bad line fails the lot with its line number. */
int vidx_windows_parse(vidx *h, const char *text, vidx_window **out, size_t *n);

/* Pull the footage of SPANS (from vidx_query_run) into O->out_dir, without
 * re-encoding: one clip per continuous stretch of a camera's footage
 * (spans of consecutive recordings joined; a gap, or a change of stream
 * parameters, starts a new clip), then manifest.json and SHA256SUMS, then a
 * "pull" event in the case's custody log that holds the manifest's hash.
 * Files are written under temporary names and linked into place: nothing
 * existing is overwritten, and no half-written clip has a final name.  A
 * clip that cannot be cut (source missing or changed, ...) is reported and
 * listed in the manifest as failed; the others are written.  Returns the
 * number of failed clips, or <0 when the pull could not be done at all. */
int vidx_pull(vidx *h, const vidx_span *spans, size_t n,
              const vidx_pull_opts *o);

/* ---- verification ----------------------------------------------------------- */

/* One checked item.  STATUS: "ok", "modified", "missing", "failed", or
 * "skipped" (not checked, and not counted as a failure). */
typedef struct vidx_check {
	const char *kind;   /* "recording", "sums", "clip", "source", "custody" */
	const char *item;   /* path, or what was checked */
	const char *status;
	const char *detail; /* why, for anything but ok; may be "" */
} vidx_check;

/* Re-hash the recordings of CAMERA (NULL: all), or those a case's clips
 * came from (CASE_ID, which also appends a "verify" event by BY to its
 * custody log), comparing with the index.  CB gets each result.  Returns
 * the number of items not ok, or <0. */
int vidx_verify_recordings(vidx *h, const char *camera, const char *case_id,
                           const char *by,
                           void (*cb)(void *ctx, const vidx_check *c),
                           void *ctx);
/* Check a case folder written by vidx_pull: SHA256SUMS, every clip against
 * the manifest (size, SHA-256, packet hashes read back from the clip), the
 * packets of its sources (unless NO_SOURCES) and, when h has an index open,
 * the case's custody chain and its record of this manifest, appending a
 * "verify" event by BY when the index is writable.  Returns the number of
 * items not ok, or <0. */
int vidx_verify_dir(vidx *h, const char *dir, int no_sources, const char *by,
                    void (*cb)(void *ctx, const vidx_check *c), void *ctx);

/* A clip the case's custody log says was pulled (from its "pull" events). */
typedef struct vidx_case_clip {
	const char *case_id, *by, *folder, *path, *sha256, *camera;
	int64_t seq, at;          /* the pull event */
	int64_t start, end;       /* true time */
	const int64_t *recording_ids; /* its sources in this index, in order,
	                                 found by SHA-256 (-1: not in it) */
	const char *const *source_sha256;
	size_t nsources;
} vidx_case_clip;
/* Call CB for each clip of each pull event of CASE_ID, in log order. */
int vidx_case_clips(vidx *h, const char *case_id,
                    int (*cb)(void *ctx, const vidx_case_clip *c), void *ctx);

/* ---- keys and signatures ------------------------------------------------ */

/* An operator's Ed25519 key pair (key.c), and a trust file: the public
 * keys (and X.509 certificates) a checker trusts. */
typedef struct vidx_key vidx_key;
typedef struct vidx_trust vidx_trust;

/* $XDG_CONFIG_HOME/vidx/NAME, else $HOME/.config/vidx/NAME (malloc'ed);
 * NULL when neither is set.  "key" is the default private key, "cert.pem"
 * and "cert-key.pem" the default export certificate and its key. */
char *vidx_config_path(const char *name);
/* Make a key pair for operator BY; its private key goes to PATH, mode
 * 0600 (missing folders made 0700).  An existing file is never replaced
 * (VIDX_EEXIST). */
int vidx_key_new(vidx *h, const char *path, const char *by);
/* Read the private key at PATH: VIDX_ENOENT when missing, VIDX_EINVAL when
 * group or others may read it, VIDX_EFORMAT when it is not a vidx key. */
int vidx_key_load(vidx *h, const char *path, vidx_key **out);
void vidx_key_free(vidx_key *k);
const char *vidx_key_name(const vidx_key *k);        /* its operator */
/* SHA-256 (64 hex digits) of the DER public key */
const char *vidx_key_fingerprint(const vidx_key *k);
/* "vidx-key ed25519 FINGERPRINT NAME\n" and the public key in PEM, to be
 * kept outside the index (malloc'ed). */
char *vidx_key_export(const vidx_key *k);
/* From now on h signs what it writes with K: custody events (the event's
 * hash) and manifests (manifest.json.sig).  h owns K; NULL stops. */
void vidx_use_key(vidx *h, vidx_key *k);

/* Read a trust file: `vidx key export` outputs and PEM certificates,
 * concatenated.  VIDX_EFORMAT names the bad line. */
int vidx_trust_load(vidx *h, const char *path, vidx_trust **out);
void vidx_trust_free(vidx_trust *t);
size_t vidx_trust_count(const vidx_trust *t);
/* From now on h checks signatures against T; h owns T. */
void vidx_use_trust(vidx *h, vidx_trust *t);

/* An RSA key (2048 bits) and a self-signed X.509 certificate naming
 * SUBJECT, valid DAYS, for signed ONVIF exports; the key goes to KEY_PATH
 * (0600), the certificate to CERT_PATH.  Nothing is replaced. */
int vidx_cert_new(vidx *h, const char *cert_path, const char *key_path,
                  const char *subject, int days);
/* Sign ONVIF exports with this certificate (PEM or DER) and its private
 * key (PEM, 0600) from now on; they must belong together. */
int vidx_use_cert(vidx *h, const char *cert_path, const char *key_path);

/* ---- merging shards ------------------------------------------------------ */

/* What a merge added to the index (or, per shard, what that shard added). */
typedef struct vidx_merge_stats {
	int64_t cameras, clock_obs;
	int64_t recordings;  /* new recordings */
	int64_t duplicates;  /* recordings already there: only paths added */
	int64_t paths, segments, keyframes;
	int64_t cases, events;
	int64_t keys;        /* signing keys (custody events carry their signatures) */
} vidx_merge_stats;

typedef struct vidx_merge_opts {
	/* each conflict (a camera that differs, custody logs that diverge),
	 * before the merge is refused */
	void (*on_conflict)(void *ctx, const char *msg);
	/* the same bytes described differently in two indexes (the first kept) */
	void (*on_note)(void *ctx, const char *msg);
	/* each shard merged, with what it added */
	void (*on_shard)(void *ctx, const char *shard, const vidx_merge_stats *s);
	void *ctx;
} vidx_merge_opts;

/* Merge the N indexes PATHS (shards, opened read-only; all at this build's
 * schema version) into the index OUT, made if missing, which h then has
 * open (h must have none open).  Cameras must agree and a case's custody
 * log must be the same or one a prefix of the other, else every conflict
 * goes to O->on_conflict and VIDX_EEXIST is returned with nothing merged.
 * A recording already there by SHA-256 gains the shard's paths; anything
 * already there is not added again, so a merge run twice changes nothing.
 * All in one transaction (a new OUT is linked into place when complete):
 * a failed or killed merge leaves OUT as it was.  *TOTAL (may be NULL)
 * gets what was added.  See vidx-merge(1). */
int vidx_merge(vidx *h, const char *out, const char *const *paths, size_t n,
               const vidx_merge_opts *o, vidx_merge_stats *total);

/* ---- JSON ------------------------------------------------------------ */

/* One-line JSON for P (malloc'ed, caller frees), NULL when out of memory.
 * WITH_KEYFRAMES adds the keyframes[] array. */
char *vidx_probe_json(const vidx_probe *p, int with_keyframes);
/* {"path":...,"error":...} for a file that could not be probed. */
char *vidx_error_json(const char *path, const char *error);
char *vidx_camera_json(const vidx_camera *c);
/* A GeoJSON FeatureCollection of Points. */
char *vidx_cameras_geojson(const vidx_camera *a, size_t n);
char *vidx_clock_json(const char *camera, const vidx_clock_obs *o);
char *vidx_ingest_json(const char *path, const vidx_ingest_result *r);
char *vidx_recording_json(const vidx_recording *r, const vidx_keyframe *kf,
                          size_t nkf);
char *vidx_span_json(const vidx_span *s);
char *vidx_case_json(const vidx_case *c);
char *vidx_event_json(const vidx_event *e);
char *vidx_clip_json(const vidx_clip *c);
/* the question, for a manifest: selectors and window, or the windows */
char *vidx_query_json(const vidx_query *q);
char *vidx_windows_json(const vidx_window *w, size_t n);
char *vidx_check_json(const vidx_check *c);
char *vidx_case_clip_json(const vidx_case_clip *c);
char *vidx_coverage_json(const vidx_coverage *c, int64_t from, int64_t to);
/* what SHARD added in a merge; SHARD NULL: the totals */
char *vidx_merge_stats_json(const char *shard, const vidx_merge_stats *s);
/* A span as a GeoJSON Feature: a Point at its camera (or its recording's
 * position), or a LineString of its track's part in the span. */
char *vidx_span_feature(const vidx_span *s);
/* A recording's place as GeoJSON: one Feature (Point for a position,
 * LineString for a track, null geometry for neither) with PROPS (a JSON
 * object text, taken as it is; NULL for none) as its properties plus
 * location or track; START places the track's points in time. */
char *vidx_place_feature(const vidx_place *pl, int64_t start, const char *props);
/* vidx_place_feature of a probe, with its path, sha256, start, end and
 * time source as properties. */
char *vidx_probe_feature(const vidx_probe *p);
/* vidx_place_feature of a recording in the index (its own place, else its
 * fixed camera's position CAM, which may be NULL): id, camera, mobile,
 * start, end, sha256, path. */
char *vidx_recording_feature(const vidx_recording *r, const vidx_camera *cam);
/* The track's points as JSON lines {t, lat, lon, alt_m}, one per line. */
char *vidx_track_json(const vidx_place *pl, int64_t start);

/* ---- stills and mosaics: what the cameras saw (working copies) ----------- */

/* A picture is never evidence: a still, a contact sheet or a mosaic is a
 * working copy, named, tagged and listed in a manifest as such, with the
 * source bytes and the exact processing that made it.  Times are true time
 * (each camera's clock observations applied) unless named camera_*. */

/* The frame of one camera on screen at one true instant: the last frame
 * whose presentation time is at or before it, decoded from the seek
 * keyframe the index names.  FOUND 0: no still, and ERROR says why (no
 * footage at that instant; FAILED 1 when there was footage but it could
 * not be decoded or written).  The strings live as long as the still. */
typedef struct vidx_still {
	const char *camera, *name, *tz;  /* the camera (tz may be NULL) */
	double lat, lon, distance_m;     /* NaN when unknown */
	int64_t at;                      /* the instant asked */
	int found, failed;
	const char *error;               /* NULL when found */
	int64_t frame_time;              /* when the frame came on screen */
	int64_t camera_time;             /* the same on the camera's clock */
	int64_t correction_us;           /* camera clock - true time */
	int64_t recording_id;
	const char *path, *sha256;       /* the source recording (index) */
	int64_t pts;                     /* the frame's stream time, us */
	int64_t frame;                   /* its packet's index in the video
	                                    stream in decode order, from 0 */
	int64_t keyframe_pts, keyframe_pos; /* where decoding started */
	int64_t byte_start, byte_end;    /* source bytes read: from the
	                                    keyframe to the first not read */
	int64_t packets;                 /* video packets decoded */
	int width, height;
	const char *pix_fmt;             /* as decoded */
	char frame_hash[65];             /* SHA-256 of the decoded planes, as
	                                    ffmpeg -f framehash -hash sha256 */
	const char *png;                 /* as written; NULL when none */
	char png_sha256[65];
	int64_t png_size;
	const char *conversion;          /* the colour conversion into the PNG */
} vidx_still;

/* The still of CAMERA (only its recording RECORDING_ID, or -1: any) at true
 * instant AT, written as the new file PNG (NULL: decoded and hashed only).
 * The PNG is written under a temporary name and linked into place: an
 * existing file is never replaced (VIDX_EEXIST).  Returns 0 with *OUT set
 * (free with vidx_still_free), VIDX_ENOENT when the camera has no footage
 * at AT, or <0 with the reason (VIDX_EFORMAT: cannot be decoded, source
 * changed; VIDX_EIO: cannot be read or written).  For per-clip pictures of
 * reports and the like. */
int vidx_still_file(vidx *h, const char *camera, int64_t recording_id,
                    int64_t at, const char *png, vidx_still **out);
void vidx_still_free(vidx_still *s);

/* A camera's place in a picture of several (pixels).  X, Y, W, H: the
 * tile with its label band; VX, VY, VW, VH: the box the camera's picture is
 * scaled into (letterboxed, aspect kept). */
typedef struct vidx_tile {
	const char *camera;
	int found;               /* a frame shown (sheet), or footage somewhere
	                            in the window (mosaic) */
	int x, y, w, h, vx, vy, vw, vh;
} vidx_tile;

/* A contact sheet as written, or, with ERROR, not: SKIPPED 1 when no
 * camera had footage at that instant (not a failure). */
typedef struct vidx_sheet {
	const char *path, *error;
	int skipped;
	char sha256[65];
	int64_t size, at;
	int width, height;
	const vidx_tile *tiles;  /* one per selected camera, nearest first */
	size_t ntiles;
	const char *filter_graph;
} vidx_sheet;

typedef struct vidx_stills_opts {
	int64_t from, to, every; /* the instants FROM, FROM + EVERY, ... <= TO;
	                            EVERY 0: FROM alone */
	const char *out_dir;     /* stills here (made if missing); NULL: none */
	const char *sheet;       /* a contact sheet per instant; NULL: none.
	                            With EVERY, each step's time goes before
	                            the extension */
	int tile_w, tile_h;      /* a sheet tile's picture; 0: 320x180 */
	const char *font;        /* NULL: DejaVu Sans Mono (fonts-dejavu-core) */
	const char *case_id;     /* in a case: OUT_DIR is the case folder (NULL:
	                            the folder of its last pull); stills and
	                            sheets go in its stills/, with a manifest
	                            and a "still" custody event by BY */
	const char *by;
	const char *query_json;  /* the question, for the manifest */
	void (*on_still)(void *ctx, const vidx_still *s); /* may be NULL */
	void (*on_sheet)(void *ctx, const vidx_sheet *s);
	void *ctx;
} vidx_stills_opts;

/* Stills of every camera Q selects (its window is ignored) at each instant
 * of O; ON_STILL gets each, footage or not, in Q's camera order (nearest
 * first with a place).  Returns the number of stills and sheets that
 * failed (no footage is not a failure), or <0 when nothing could be done. */
int vidx_stills(vidx *h, const vidx_query *q, const vidx_stills_opts *o);

typedef struct vidx_mosaic_opts {
	const char *out;         /* the MP4: a new file */
	int fps_num, fps_den;    /* output rate; 0: 25/1 */
	int tile_w, tile_h;      /* a tile's picture; 0: 640x360 */
	const char *font;
	const char *case_id, *by; /* in a case: a "mosaic" custody event */
	const char *query_json;
	/* called after each output frame (may be NULL) */
	void (*on_progress)(void *ctx, int64_t done, int64_t total);
	void *ctx;
} vidx_mosaic_opts;

typedef struct vidx_mosaic_info {
	const char *path, *manifest;   /* the MP4 and its sidecar manifest */
	char sha256[65], manifest_sha256[65];
	int64_t size, frames, from, to;
	int fps_num, fps_den, width, height;
	const vidx_tile *tiles;
	size_t ntiles;
	const char *const *failed;     /* sources that could not be read */
	size_t nfailed;
} vidx_mosaic_info;

/* The cameras Q selects side by side over Q's window as one H.264 MP4:
 * output frame k at from + k / fps shows in each tile the frame on screen
 * at that true instant, labelled; "no footage" where there is none.
 * Written under a temporary name and linked into place with its manifest
 * (PATH.manifest.json).  Returns the number of sources that could not be
 * read (their tiles say so), or <0 with nothing written. */
int vidx_mosaic(vidx *h, const vidx_query *q, const vidx_mosaic_opts *o,
                vidx_mosaic_info **out);
void vidx_mosaic_free(vidx_mosaic_info *m);

char *vidx_still_json(const vidx_still *s);
char *vidx_sheet_json(const vidx_sheet *s);
char *vidx_mosaic_json(const vidx_mosaic_info *m);
/* ---- reports and timelines ------------------------------------------------- */

/* One file a report wrote, or one thing that could not go in it.  PATH is
 * relative to the report folder (a timeline's path as given); KIND: "page",
 * "pdf", "clip", "case-manifest", "case-sums", "proxy", "still",
 * "manifest", "sums", "timesketch", "l2tcsv"; STATUS: "linked" or
 * "copied" (a clip, checked against its SHA-256), "made", or "failed"
 * with the reason in DETAIL. */
typedef struct vidx_report_item {
	const char *kind, *path, *status, *sha256, *detail;
	int64_t size;
} vidx_report_item;

typedef struct vidx_report_opts {
	const char *case_id;
	const char *by;          /* the operator, for the custody event */
	const char *out_dir;     /* the report folder (must not exist, or be
	                            empty); NULL: timelines only */
	const char *at;          /* the incident time (vidx_time_parse, local
	                            times in ZONE) or NULL */
	const char *tz;          /* the zone local times are shown and read in;
	                            NULL: the zone of the case's cameras */
	int pdf;                 /* also report.pdf, printed by Chromium */
	const char *chromium;    /* the browser for pdf; NULL: $VIDX_CHROMIUM,
	                            else chromium in $PATH */
	int proxies;             /* H.264 working copies of the clips a browser
	                            cannot play */
	int no_stills;           /* no stills of the clips (they are decoded
	                            from the source recordings, which must be
	                            there: vidx_still_file) */
	const char *timesketch;  /* write a Timesketch JSONL timeline here */
	const char *l2tcsv;      /* write a plaso l2tcsv timeline here */
	void (*on_item)(void *ctx, const vidx_report_item *it); /* may be NULL */
	void *ctx;
} vidx_report_opts;

/* Write the case report: DIR/report.html (self-contained: styles, script,
 * map and timeline inline, nothing fetched from outside DIR), the case's
 * clips beside it (hard links on the case folder's filesystem, else
 * copies; each checked against the SHA-256 its manifest and custody log
 * give), a still of each clip at its start and at the incident (PNG working
 * copies, vidx_still_file) unless O->no_stills, proxies with O->proxies, report.pdf with O->pdf, and
 * report-manifest.json and SHA256SUMS over all of it; then the timelines
 * asked for, and a "report" event in the case's custody log holding the
 * manifest's and the timelines' SHA-256.  The folder is built under a
 * temporary name and renamed into place; nothing existing is overwritten.
 * Returns the number of items that failed (each reported through on_item:
 * a clip that changed is left out and named), or <0 when no report could
 * be made. */
int vidx_report(vidx *h, const vidx_report_opts *o);
char *vidx_report_item_json(const vidx_report_item *it);

#endif /* VIDX_H */
