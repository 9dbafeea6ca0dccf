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
int64_t vidx__now(void);
int vidx__camera_check(vidx *h, const vidx_camera *c);

/* ---- probe.c: libav* plumbing shared with pull and verify ---- */

/* read-only access to a file we opened, for a custom AVIOContext */
typedef struct vidx__fdio {
	int fd;
	int64_t size;
	int64_t pos;
} vidx__fdio;
int vidx__io_read(void *opaque, uint8_t *buf, int n);
int64_t vidx__io_seek(void *opaque, int64_t off, int whence);
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
/* route libav* messages to a per-thread "last error" (once), clear it */
void vidx__av_setup(void);
const char *vidx__av_last(void);

/* ---- clip.c: stretches of a source's packets (pull and verify) ---- */

struct AVFormatContext;
struct AVIOContext;
struct AVCodecParameters;
struct AVPacket;
struct AVStream;
struct AVInputFormat;
struct AVStream *vidx__first_video(struct AVFormatContext *fc);
/* 1 when a format is entered by time through its own index (MP4, MKV, AVI
 * ...), 0 when at a keyframe's byte offset (MPEG-TS, DHAV, raw streams):
 * only the latter can give a clip that is a run of the source's bytes */
int vidx__seeks_by_time(const struct AVInputFormat *f);

/* hash of packets that does not depend on the container (see clip.c) */
typedef struct vidx__phash {
	void *md;    /* EVP_MD_CTX, NULL when not hashing */
	int codec;   /* enum AVCodecID */
	int nal_len; /* 1-4: length-prefixed NAL units; 0: Annex B or none */
	int64_t packets;
} vidx__phash;
int vidx__phash_init(vidx__phash *ph, const struct AVCodecParameters *par);
void vidx__phash_add(vidx__phash *ph, const uint8_t *p, size_t n);
int vidx__phash_final(vidx__phash *ph, char hex[65]);
void vidx__phash_free(vidx__phash *ph);

/* a source opened read-only: its video stream VI and first audio AI (-1) */
typedef struct vidx__src {
	vidx__fdio io;
	struct AVFormatContext *fc;
	struct AVIOContext *pb;
	int vi, ai;
} vidx__src;
int vidx__src_open(vidx *h, vidx__src *s, const char *path);
void vidx__src_close(vidx__src *s);

/* One source's part of a clip.  In: SEEK_PTS/SEEK_POS name the keyframe
 * (stream time in us; byte offset or -1), END_PTS the stream time to reach,
 * FRAME_DUR the nominal frame time, OUT_OFF where its keyframe should sit
 * in clip time.  Out: the rest (stream times in us, byte range of the
 * packets taken: BYTE_END is the first byte not taken). */
typedef struct vidx__cut {
	int64_t seek_pts, seek_pos, end_pts, frame_dur, out_off;
	int by_bytes, damaged;
	int64_t first_pts, last_pts, byte_start, byte_end, nvideo, naudio;
	int64_t out_end; /* clip time just after its last frame */
} vidx__cut;
/* what runs on from part to part of one clip */
typedef struct vidx__chain {
	vidx__phash vh, ah;   /* video and audio packet hashes */
	int64_t vdts, adts;   /* last decode times written (clip time, us) */
} vidx__chain;
/* Take C's packets from S, hashing them into CH and passing each to SINK
 * (may be NULL) with clip-time pts/dts in us.  0 or <0 with the reason. */
int vidx__cut_walk(vidx *h, vidx__src *s, vidx__cut *c, vidx__chain *ch,
                   int (*sink)(void *ctx, int video, struct AVPacket *pkt,
                               int64_t pts, int64_t dts),
                   void *ctx);

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

#endif
