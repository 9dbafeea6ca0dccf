/* internal.h - helpers shared by libindex's files; not installed. */
#ifndef VIDX_INTERNAL_H
#define VIDX_INTERNAL_H

#include <stdarg.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <sys/stat.h>
#include <sqlite3.h>

#include "vidx.h"

enum { ST_REC_INSERT, ST_REC_FIND, ST_SEG_INSERT, ST_KF_INSERT, ST_PATH_INSERT,
       ST_PLACE_INSERT, ST_PLACE_GEO, ST_COUNT };

typedef struct vidx__cert vidx__cert;

struct vidx {
	char err[512];
	sqlite3 *db; /* NULL until vidx_open */
	sqlite3_stmt *st[ST_COUNT]; /* prepared once, reset after each use */
	vidx_key *key;     /* signs what h writes (vidx_use_key), or NULL */
	vidx_trust *trust; /* the keys checks trust (vidx_use_trust), or NULL */
	vidx__cert *cert;  /* signs ONVIF exports (vidx_use_cert), or NULL */
	vidx_anchor *anchors; /* checks of custody logs hold to these */
	size_t nanchors;
	char host[256]; /* vidx_host(); "" until first asked */
	/* opened VIDX_OPEN_INPUT as immutable: the file as it was then */
	int immutable;
	struct stat imm_st;
};

/* The cached statement I (prepared from SQL on first use), reset and with
 * its bindings cleared; NULL with the message set on failure. */
sqlite3_stmt *vidx__stmt(vidx *h, int i, const char *sql);

/* ---- ingest.c ---- */
/* the writers of one process take turns here (intake.c, ingest.c) */
extern pthread_mutex_t vidx__write_lock;

/* ---- db.c ---- */
int vidx__need_db(vidx *h);
int vidx__exec(vidx *h, const char *sql);
/* message from SQLite's last error; VIDX_EIO for a full disk */
int vidx__sql_fail(vidx *h, const char *what);
/* BEGIN IMMEDIATE; and COMMIT when RC is 0, else ROLLBACK.  end returns RC
 * or the commit's failure, keeping the first message. */
int vidx__exec_begin(vidx *h);
int vidx__exec_end(vidx *h, int rc);
/* 0 when h was not opened immutable (VIDX_OPEN_INPUT), or its file is as
 * it was when opened; else VIDX_EIO "'PATH' changed while it was read" */
int vidx__input_unchanged(vidx *h, const char *path);
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
/* ---- key.c: operators' keys, trust files, Ed25519 signatures ---- */
/* Read the private key file PATH whole (malloc'ed, free with
 * vidx__free_secret): refused when it is not a regular file or group or
 * others may read it; VIDX_ENOENT when it is missing. */
int vidx__read_secret(vidx *h, const char *path, char **text);
void vidx__free_secret(char *text);
/* TEXT as the new file PATH with MODE (folders above it made 0700); an
 * existing file is never replaced (VIDX_EEXIST). */
int vidx__write_secret(vidx *h, const char *path, const char *text,
                       unsigned mode);
void vidx__hex(const unsigned char *d, size_t n, char *out);
char *vidx__b64(const unsigned char *d, size_t n); /* malloc'ed */
/* strict base64 into OUT (MAX bytes): the length, or -1 */
int vidx__unb64(const char *s, unsigned char *out, size_t max);
const vidx_key *vidx__key(const vidx *h);
const char *vidx__key_pem(const vidx_key *k);
/* Ed25519 signature of MSG with h's key */
int vidx__sign(vidx *h, const void *msg, size_t n, unsigned char sig[64]);
/* 1 when SIG is an Ed25519 signature of MSG by the public key PEM, 0 when
 * not, -1 when PEM is no such key */
int vidx__verify(const char *pem, const void *msg, size_t n,
                 const unsigned char *sig, size_t siglen);
int vidx__pem_fingerprint(const char *pem, char fpr[65]);
/* The name h's trust file gives the key (CERT 0) or certificate (CERT 1)
 * with fingerprint FPR, and its public key PEM; NULL when it is not there
 * (or there is no trust file). */
const char *vidx__trusted(const vidx *h, const char *fpr, int cert,
                          const char **pem);

/* ---- cert.c: the certificate that signs ONVIF exports ---- */
void vidx__cert_free(vidx__cert *c);
const char *vidx__cert_fpr(const vidx__cert *c);     /* SHA-256 of the DER */
const char *vidx__cert_subject(const vidx__cert *c);
const unsigned char *vidx__cert_der(const vidx__cert *c, size_t *n);
size_t vidx__cert_sigsize(const vidx__cert *c);      /* bytes of a signature */
/* RSASSA-PSS (SHA-256, MGF1 SHA-256, salt 20) with h's certificate's key
 * over bytes [0, END) of FD, the ZN bytes at ZOFF read as zeros; SIG must
 * hold vidx__cert_sigsize() bytes. */
int vidx__pss_sign(vidx *h, int fd, int64_t end, int64_t zoff, int64_t zn,
                   unsigned char *sig, size_t *siglen);
/* The same check with the certificate DER: 1 valid, 0 not, -1 the
 * certificate cannot be read, -2 its key is not RSA of 2048 bits or more.
 * FPR and SUBJECT describe the certificate. */
int vidx__pss_verify(const unsigned char *der, size_t dern, int fd, int64_t end,
                     int64_t zoff, int64_t zn, const unsigned char *sig,
                     size_t siglen, char fpr[65], char *subject, size_t subn);

/* ---- oeff.c: ONVIF Export File Format boxes of MP4 clips ---- */
#define VIDX__OEFF_TRACKS 16
typedef struct vidx__oeff_track {
	uint32_t id;
	char handler[5];  /* 'vide', 'soun', 'text' ... */
	uint32_t samples;
	uint32_t filled;  /* samples of more than 2 bytes (timed text: cues) */
} vidx__oeff_track;
typedef struct vidx__oeff_in {
	const char *by;       /* ExportOperator */
	const char *unit;     /* ExportUnitName */
	const char *source;   /* SourceName of the camera's tracks */
	int64_t exported;     /* when the export started, UTC us */
	int64_t start;        /* true time of the clip's time 0, UTC us */
	int sign;             /* sign with h's certificate */
} vidx__oeff_in;
/* Make the MP4 at PATH (as the muxer left it) an ONVIF export: loci's role,
 * then meta (hdlr, suep, cstb and, with IN->sign, the signature) appended
 * last.  Not synced: the caller syncs it (as it hashes it).  0 or <0 with
 * the reason. */
int vidx__oeff_finish(vidx *h, const char *path, const vidx__oeff_in *in);
enum {
	VIDX__OEFF_UNSIGNED = 0, VIDX__OEFF_VALID, VIDX__OEFF_INVALID,
	VIDX__OEFF_BAD_LAYOUT,   /* boxes missing, or not last in the file */
	VIDX__OEFF_BAD_CERT, VIDX__OEFF_WEAK_KEY,
};
typedef struct vidx__oeff_info {
	int meta, meta_last, suep, cstb;
	char by[256], unit[256], source[256];
	int64_t exported, start;      /* VIDX_TIME_NONE when absent */
	size_t ntracks;
	vidx__oeff_track tracks[VIDX__OEFF_TRACKS];
	int loci, loci_role;
	double lat, lon;
	int signatures;               /* sinf boxes */
	int sig;                      /* VIDX__OEFF_*, of the latest one */
	char cert_fpr[65], cert_subject[256];
	int64_t sibo_at, sibo_len, cert_at, cert_len; /* payloads in the file */
} vidx__oeff_info;
/* Where the file-level meta box that ends the MP4 at PATH starts (the
 * bytes before it are the same in every export of the same clip), or -1. */
int64_t vidx__oeff_meta_offset(const char *path);
/* Read the ONVIF boxes of the MP4 open on FD and check its signature.
 * <0 only when it is not an MP4 whose boxes can be read. */
int vidx__oeff_read(vidx *h, int fd, vidx__oeff_info *o);

/* ---- paths.c: where recordings are, on which host ---- */
/* Where recording ID can be read here: its paths on this host and those
 * without a host first (its first path before the others), then paths on
 * other hosts (shared storage).  The first that can be read goes to OUT
 * (N bytes): PATH_FOUND.  When none can, ELSEWHERE (EN bytes) names
 * another host's path ("on host 'b' at '/x'") if it has one, else is "",
 * and the answer is PATH_ELSEWHERE when this host never had it (no path
 * recorded on this host, and another host's path), else PATH_MISSING: it
 * is gone from here.  <0 on an index error. */
enum { VIDX__PATH_MISSING = 0, VIDX__PATH_FOUND = 1, VIDX__PATH_ELSEWHERE = 2 };
int vidx__path_find(vidx *h, int64_t id, char *out, size_t n, char *elsewhere,
                    size_t en);
/* The recording with SHA-256 HEX: 1 with *ID set, 0 none, <0 error. */
int vidx__recording_by_sha(vidx *h, const char *hex, int64_t *id);
/* 64 hex digits to 32 bytes: 0, or -1 when HEX is not that. */
int vidx__unhex32(const char *hex, unsigned char out[32]);

/* ---- outfile.c: new files that never replace one (working copies) ---- */
/* mkdir -p, new folders with MODE; -1 with errno */
int vidx__mkdirs(const char *path, mode_t mode);
/* all N bytes of BUF to FD (across short writes and EINTR); -1 with errno */
int vidx__write_all(int fd, const void *buf, size_t n);
/* a new, empty file beside FINAL, .BASE.partial-PID-N, created with
 * O_EXCL (malloc'ed name), or NULL with errno */
char *vidx__tmp_beside(const char *final);
/* TMP, complete, is synced, hashed from disk (HEX, SIZE) and linked as
 * FINAL (N bytes of room).  When FINAL is taken: with NEXT_FREE the first
 * free FINAL-2.ext, -3 ... (written back into FINAL), else VIDX_EEXIST.
 * TMP is removed whatever happens. */
int vidx__publish_new(vidx *h, const char *tmp, char *final, size_t n,
                      int next_free, char hex[65], int64_t *size);
/* LEN bytes of BUF as the new file FINAL, as vidx__publish_new */
int vidx__write_new(vidx *h, char *final, size_t n, const void *buf,
                    size_t len, int next_free, char hex[65], int64_t *size);

/* ---- custody.c ---- */
/* 0, or VIDX_ENOENT "unknown case 'ID'" */
int vidx__case_exists(vidx *h, const char *id);
/* 0, or VIDX_EINVAL when the case requires signed events and h has no key */
int vidx__custody_need_key(vidx *h, const char *case_id);
/* the case's newest event: its number and hash (0 and "" when none) */
int vidx__custody_head(vidx *h, const char *case_id, int64_t *seq, char hash[65]);

/* ---- names.c ---- */
/* length of the UTF-8 sequence at P (1-4), or 0 when it is not one:
 * overlong forms, surrogates and values past U+10FFFF are refused */
size_t vidx__utf8_len(const unsigned char *p);
/* 1 when S (NULL: "") is valid UTF-8, else 0 */
int vidx__utf8_valid(const char *s);

/* ---- json.c ---- */
struct json_t;
/* a time as UTC ISO 8601 (null for VIDX_TIME_NONE); a string, with bytes
 * that are not UTF-8 escaped as \xNN */
struct json_t *vidx__jtime(int64_t us);
struct json_t *vidx__jstr(const char *s);
/* a still, a sheet as objects (to be completed by a manifest) */
struct json_t *vidx__jstill(const vidx_still *s);
struct json_t *vidx__jsheet(const vidx_sheet *s);
/* a probe's time candidates as a JSON array (malloc'ed), as vidx-probe
 * --json prints them; kept in the index with the recording */
char *vidx__candidates_json(const vidx_probe *p);
/* J as a file's text (malloc'ed): indented by 2, ASCII, JSON_* FLAGS
 * added, a newline at the end; NULL when out of memory */
char *vidx__json_file_text(const struct json_t *j, size_t flags);

/* the registry vidx_camera_export() writes: A[i] with its NOBS[i]
 * observations OBS[i] (NULL when out of memory) */
char *vidx__cameras_export_json(const vidx_camera *a, size_t n,
                                vidx_clock_obs *const *obs, const size_t *nobs);

/* ---- kf.c ---- */
int vidx__kf_encode(const vidx_keyframe *kf, size_t n, unsigned char **out,
                    size_t *len);
int vidx__kf_decode(const unsigned char *b, size_t len, size_t n,
                    vidx_keyframe **out);

/* ---- geo.c and the device-metadata readers: a recording's own place ---- */
/* Note a problem with a recording's place (printf-style; the first 8 are
 * kept, all counted in P->dropped by the callers that drop points). */
void vidx__place_problem(vidx_place *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append a point to P's track (growing it); -1 out of memory. */
int vidx__track_push(vidx_place *p, size_t *cap, const vidx_geopoint *pt);
/* A position that is no position: 0,0 (no fix), out of range, not finite. */
int vidx__pos_bad(double lat, double lon, const char **why);
/* Drop and flag the points of P's track that cannot be right: 0,0 or out
 * of range, time going backwards, and a point that could only be reached
 * from the last good one faster than VIDX__MAX_SPEED (plus GPS error). */
#define VIDX__MAX_SPEED 100.0 /* m/s: 360 km/h, faster than a car drives */
#define VIDX__GPS_SLACK 50.0  /* m a fix may wander */
void vidx__track_clean(vidx_place *p);
/* Compact track blob (index): varint deltas of ms, 1e-7 degree, dm. */
int vidx__track_encode(const vidx_geopoint *pt, size_t n, unsigned char **out,
                       size_t *len);
int vidx__track_decode(const unsigned char *b, size_t len, size_t n,
                       vidx_geopoint **out);
/* the bounding box of a place's position or track: S, W, N, E */
void vidx__place_bbox(const vidx_place *p, double box[4]);
/* problems as one text, '; '-separated (malloc'ed) and back */
char *vidx__place_problems_text(const vidx_place *p);
/* Fill *P from a recording_place row's columns (source, raw, lat, lon,
 * alt, points, track, dropped, problems); P->track malloc'ed.  0, -1 out
 * of memory, -2 damaged. */
int vidx__place_from_row(vidx_place *p, const char *source, const char *raw,
                         double lat, double lon, double alt, int alt_null,
                         int64_t points, const void *blob, size_t bloblen,
                         int64_t dropped, const char *problems);

/* gpmf.c: one GPMF payload (a sample of a GoPro 'gpmd' track).  Points
 * of its GPS5 stream are appended to V (lat, lon, alt triples, *N of
 * them), GPSU/GPSF/GPSP as found (fix and dop -1 when absent).  0, or
 * VIDX_EFORMAT with the reason in ERR. */
typedef struct vidx__gpmf {
	double *v;
	size_t n, cap;
	char gpsu[17];
	int fix, dop;
	char err[160];
} vidx__gpmf;
int vidx__gpmf_payload(vidx__gpmf *g, const unsigned char *b, size_t len);
/* "yymmddhhmmss.sss" -> UTC us; -1 when malformed */
int vidx__gpmf_gpsu(const char *s, int64_t *us);

/* djisrt.c: a DJI flight-log sidecar, fed line by line. */
typedef struct vidx__srt_cue {
	int64_t start, end;      /* cue times, us from the video's start */
	int has_date;            /* the drone's local date and time */
	vidx_civil date;
	int has_pos;
	double lat, lon, alt;    /* alt NAN unknown */
} vidx__srt_cue;
typedef struct vidx__srt {
	vidx__srt_cue *cues;
	size_t n, cap;
	int state;               /* 0 number, 1 times, 2 text */
	size_t line;
	char err[160];
} vidx__srt;
int vidx__srt_line(vidx__srt *s, const char *line);
int vidx__srt_finish(vidx__srt *s);
void vidx__srt_free(vidx__srt *s);

/* mdpm.c: the camcorder date of an AVCHD frame (H.264 SEI user data
 * unregistered, UUID 17ee8c60-f84d-11d9-8cd6-0800200c9a66 "MDPM").  B is
 * one access unit, Annex B (NAL_LEN 0) or NAL_LEN-byte length-prefixed.
 * Returns 1 found (*c local civil time, *off_min its UTC offset, *dst the
 * DST flag; RAW the date bytes as hex), 0 none, VIDX_EFORMAT bad. */
int vidx__mdpm_find(const unsigned char *b, size_t len, int nal_len,
                    vidx_civil *c, int *off_min, int *dst, char raw[40]);

/* nmea.c: NMEA 0183 RMC and GGA sentences (checksums checked).  Returns 1
 * for a usable fix (RMC: date and time, status A), 0 for a sentence that
 * is not one (status V, no fix: *why says so), -1 for a malformed one. */
typedef struct vidx__nmea_fix {
	int64_t utc;             /* RMC: date + time; GGA: VIDX_TIME_NONE */
	double lat, lon, alt;    /* alt NAN unless GGA */
	int kind;                /* 'R' RMC, 'G' GGA */
} vidx__nmea_fix;
int vidx__nmea_sentence(const char *s, size_t len, vidx__nmea_fix *f,
                        const char **why);
/* novatek.c: one "freeGPS " block of a Novatek dashcam (the layout
 * exiftool calls 1C), into F (kind 'F'): 1 a fix, 0 status V, -1 not this
 * layout or not a block (*why says which, when it can). */
int vidx__freegps_block(const unsigned char *b, size_t n, vidx__nmea_fix *f,
                        const char **why);

/* udta.c: moov/udta (c)xyz (ISO 6709 text into XYZ) and loci (LOCI: lat,
 * lon, alt; *HAS_LOCI -1 when the box is there but unreadable).  0, or <0
 * for a read error.  The box finder is the file-level walk it uses. */
int vidx__udta_geo(int fd, int64_t size, char xyz[128], int *has_xyz,
                   double loci[3], char *loci_raw, size_t rawsz, int *has_loci);
int vidx__loci_parse(const unsigned char *b, size_t n, double *lat,
                     double *lon, double *alt, char *raw, size_t rawsz);
int vidx__box_find(int fd, int64_t off, int64_t len, const char *type,
                   int64_t *pay, int64_t *plen);

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

/* ---- map.c: a file read through a memory map, a window at a time ---- */
typedef struct vidx__map {
	int fd;
	int64_t size;               /* the file's size when it was opened */
	const unsigned char *base;  /* the window, NULL when none */
	int64_t off, len;           /* its offset in the file and length */
	int err;                    /* errno of a failed mmap */
	int fault;                  /* a page could not be read (SIGBUS) */
} vidx__map;
void vidx__map_init(vidx__map *m, int fd, int64_t size);
void vidx__map_close(vidx__map *m);
const unsigned char *vidx__map_slow(vidx__map *m, int64_t pos, int64_t n);
/* Bytes [POS, POS+N) of the file, valid until the next call; NULL past the
 * end (or when mmap fails: M->err).  Only inside vidx__map_run(). */
static inline const unsigned char *vidx__map_at(vidx__map *m, int64_t pos,
                                                int64_t n)
{
	if (m->base && pos >= m->off && n >= 0 && pos - m->off <= m->len - n)
		return m->base + (pos - m->off);
	return vidx__map_slow(m, pos, n);
}
/* FN(CTX) with M's pages guarded: a page the file no longer has (cut short
 * meanwhile, or a read error) returns VIDX__MAP_FAULT from here instead of
 * killing the process with SIGBUS.  FN must keep what it allocates where
 * the caller can free it.  VIDX__MAP_UNGUARDED: the guard could not be set
 * up, FN was not run. */
enum { VIDX__MAP_FAULT = -1000, VIDX__MAP_UNGUARDED = -1001 };
int vidx__map_run(vidx__map *m, int (*fn)(void *ctx), void *ctx);

/* ---- query.c: clock corrections, for reports ---- */
/* CAMERA's clock reading CAM as true time (*TRUE_US) and the offset
 * (camera - true) applied there (*OFF), from its clock observations. */
int vidx__clock_to_true(vidx *h, const char *camera, int64_t cam,
                        int64_t *true_us, int64_t *off);

#endif
