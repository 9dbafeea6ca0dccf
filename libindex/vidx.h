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
 * character.  A pattern with '/' is matched against that many trailing path
 * components, else against the base name.  0 ok, VIDX_EINVAL. */
int vidx_name_pattern_check(vidx *h, const char *pattern);

/* Match PATTERN (or, when PATTERN is "auto", the built-in vendor patterns)
 * against PATH.  On a match fills *c, sets *is_utc (the pattern used %s)
 * and, for "auto", *label to the vendor pattern's name (static string).
 * Returns 1 matched, 0 no match, VIDX_EINVAL bad pattern. */
int vidx_name_time_match(vidx *h, const char *pattern, const char *path,
                         vidx_civil *c, int *is_utc, const char **label);

/* ---- probe ---------------------------------------------------------- */

enum vidx_time_source {
	VIDX_SRC_NONE = 0,
	VIDX_SRC_MANUAL,    /* --start */
	VIDX_SRC_FILENAME,  /* --name-time pattern */
	VIDX_SRC_STREAM,    /* dates inside the stream (DHAV) */
	VIDX_SRC_CONTAINER, /* creation_time, AVI IDIT */
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
} vidx_keyframe;

enum { VIDX_GAP_JUMP = 1, VIDX_GAP_BACKWARD = 2 };
typedef struct vidx_gap {
	int kind;      /* VIDX_GAP_* */
	int64_t from;  /* stream time (us) of the last packet before the gap */
	int64_t to;    /* stream time (us) of the first packet after it */
} vidx_gap;

typedef struct vidx_probe_opts {
	const char *start;     /* manual start (vidx_time_parse syntax) or NULL */
	const char *name_time; /* pattern, "auto" (NULL means auto) or "none" */
	const char *tz;        /* zone for local times; NULL: $TZ / system */
	int64_t gap_min;       /* gap threshold in us; 0 = automatic */
	int keep_keyframes;    /* keep the keyframe list (always counted) */
} vidx_probe_opts;

typedef struct vidx_probe {
	char *path;
	char format[64];       /* libavformat short name */
	char format_long[128];
	int64_t size;          /* bytes */
	int64_t duration;      /* us; container duration, else video span */
	int64_t mtime;         /* us */

	int has_video;
	char vcodec[32];
	char vprofile[48];
	int width, height;
	int fps_num, fps_den;  /* average frame rate, 0/0 unknown */
	int has_audio;
	char acodec[32];
	int sample_rate, channels;
	int nb_streams;

	int64_t first_pts, last_pts; /* video stream time span, us */
	int64_t frame_dur;           /* us, nominal */
	int64_t nb_packets;          /* video packets seen/indexed */

	int64_t start, end;          /* wall clock UTC; VIDX_TIME_NONE unknown */
	int time_source;             /* chosen candidate's source */
	int chosen;                  /* index into cand, -1 none */
	char time_reason[160];
	vidx_time_candidate *cand;
	size_t ncand;

	const char *index_method;    /* "container-index" or "packet-scan" */
	size_t nkeyframes;
	vidx_keyframe *kf;           /* NULL unless keep_keyframes */
	vidx_gap *gaps;
	size_t ngaps;
	int damaged;                 /* demuxer reported errors mid-file */
} vidx_probe;

/* Probe one file: open it read-only, read what is needed to describe it.
 * On success *out is a new vidx_probe (free with vidx_probe_free).  On
 * failure returns VIDX_EIO / VIDX_EFORMAT / VIDX_ENOMEM / VIDX_EINVAL with
 * the reason in vidx_errmsg(h) (without the file name). */
int vidx_probe_file(vidx *h, const char *path, const vidx_probe_opts *o,
                    vidx_probe **out);
void vidx_probe_free(vidx_probe *p);

/* ---- JSON ------------------------------------------------------------ */

/* One-line JSON for P (malloc'ed, caller frees), NULL when out of memory.
 * WITH_KEYFRAMES adds the keyframes[] array. */
char *vidx_probe_json(const vidx_probe *p, int with_keyframes);
/* {"path":...,"error":...} for a file that could not be probed. */
char *vidx_error_json(const char *path, const char *error);

#endif /* VIDX_H */
