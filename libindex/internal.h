/* internal.h - helpers shared by libindex's files; not installed. */
#ifndef VIDX_INTERNAL_H
#define VIDX_INTERNAL_H

#include <stdarg.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "vidx.h"

enum { ST_REC_INSERT, ST_REC_FIND, ST_SEG_INSERT, ST_KF_INSERT, ST_PATH_INSERT,
       ST_COUNT };

struct vidx {
	char err[512];
	sqlite3 *db; /* NULL until vidx_open */
	sqlite3_stmt *st[ST_COUNT]; /* prepared once, reset after each use */
};

/* The cached statement I (prepared from SQL on first use), reset and with
 * its bindings cleared; NULL with the message set on failure. */
sqlite3_stmt *vidx__stmt(vidx *h, int i, const char *sql);

/* ---- db.c ---- */
int vidx__need_db(vidx *h);
int vidx__exec(vidx *h, const char *sql);
/* message from SQLite's last error; VIDX_EIO for a full disk */
int vidx__sql_fail(vidx *h, const char *what);
/* BEGIN IMMEDIATE; and COMMIT when RC is 0, else ROLLBACK.  end returns RC
 * or the commit's failure, keeping the first message. */
int vidx__exec_begin(vidx *h);
int vidx__exec_end(vidx *h, int rc);
int vidx__camera_check(vidx *h, const vidx_camera *c);

/* ---- hash.c: SHA-256 of files ---- */
/* SHA-256 of a whole file on a thread of its own (reads with pread, so the
 * caller may read FD at the same time).  finish waits and fills DIG/HEX
 * (either may be NULL); stop is the cleanup for every path. */
typedef struct vidx__hasher {
	int fd;
	int64_t size;
	void *md; /* EVP_MD_CTX */
	int err, shrank, running;
	unsigned char dig[32];
	pthread_t th;
} vidx__hasher;
int vidx__hash_start(vidx *h, vidx__hasher *hs, int fd, int64_t size);
int vidx__hash_finish(vidx *h, vidx__hasher *hs, unsigned char dig[32],
                      char hex[65]);
void vidx__hash_stop(vidx__hasher *hs);
/* SHA-256 (HEX) and size of the regular file PATH, fsynced meanwhile when
 * SYNC.  VIDX_ENOENT when it is not there. */
int vidx__sha256_path(vidx *h, const char *path, int sync, char hex[65],
                      int64_t *size);
/* ---- custody.c ---- */
/* 0, or VIDX_ENOENT "unknown case 'ID'" */
int vidx__case_exists(vidx *h, const char *id);

/* ---- json.c ---- */
struct json_t;
/* a time as UTC ISO 8601 (null for VIDX_TIME_NONE); a string, with bytes
 * that are not UTF-8 escaped as \xNN */
struct json_t *vidx__jtime(int64_t us);
struct json_t *vidx__jstr(const char *s);

/* ---- kf.c ---- */
int vidx__kf_encode(const vidx_keyframe *kf, size_t n, unsigned char **out,
                    size_t *len);
int vidx__kf_decode(const unsigned char *b, size_t len, size_t n,
                    vidx_keyframe **out);

/* Set h's message (printf-style) and return CODE, so callers can write
 * `return vidx__fail(h, VIDX_EINVAL, "...")`.  h may be NULL. */
int vidx__fail(vidx *h, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* $TZ as the user set it (NULL when unset), safe while other threads
 * convert in other zones */
const char *vidx__user_tz(void);

/* the time now, UTC us (time.c) */
int64_t vidx__now(void);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t vidx__days_from_civil(int y, int m, int d);
/* Civil fields must be in range (day checked against the month). */
int vidx__civil_valid(const vidx_civil *c);
/* UTC civil -> microseconds. */
int64_t vidx__civil_utc(const vidx_civil *c);

/* DHAV (Dahua) stream dates: the date of the first and last frame headers.
 * Returns 1 found, 0 not a DHAV file or no date, <0 read error. */
int vidx__dhav_dates(int fd, int64_t size, vidx_civil *first,
                     vidx_civil *last, unsigned *raw_first);

/* MP4/MOV composition offsets of track TRACK_ID, read from the moov box.
 * On success *offs is a malloc'ed array of *n per-sample offsets (in the
 * track's time base); *n is the sample count from stsz/stz2.  A track with
 * no ctts gets all zeros.  Returns 0, or <0 when the file is not a plain
 * (non-fragmented) MP4 this reader understands, or its sample count is not
 * WANT (libavformat's index size): callers then scan packets. */
int vidx__mp4_ctts(int fd, int64_t size, int track_id, int64_t want,
                   int64_t **offs, int64_t *n);

/* ---- query.c: clock corrections, for reports ---- */
/* CAMERA's clock reading CAM as true time (*TRUE_US) and the offset
 * (camera - true) applied there (*OFF), from its clock observations. */
int vidx__clock_to_true(vidx *h, const char *camera, int64_t cam,
                        int64_t *true_us, int64_t *off);

#endif
