/*
 * report.h - the case report's model, shared by the report files only
 * (report.c gathers it and writes the folder; report_html.c, report_svg.c
 * draw it; report_media.c reads and re-encodes clips; report_pdf.c prints;
 * timeline.c writes the DFIR timelines).  Not part of internal.h: nothing
 * else in libindex needs these types.
 *
 * Every string in the model is owned by the report (rp__str), so the
 * writers never free anything; rp_free releases it all at once.
 */
#ifndef VIDX_REPORT_H
#define VIDX_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* ---- a growable text buffer (never fails midway: OOM is sticky) ---- */
typedef struct rp_buf {
	char *s;
	size_t n, cap;
	int oom;
} rp_buf;
void rp_puts(rp_buf *b, const char *s);
void rp_putn(rp_buf *b, const char *s, size_t n);
void rp_printf(rp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* S as HTML/XML text or attribute value: & < > " ' escaped, control
 * characters other than newline and tab shown as their control pictures
 * (U+2400 + c), bytes that are not UTF-8 as U+FFFD: evidence names are
 * shown, never run */
void rp_html(rp_buf *b, const char *s);
/* S as one POSIX shell word: single-quoted unless it is plain */
void rp_shell(rp_buf *b, const char *s);
/* S as one RFC 4180 CSV field (quoted when it holds , " CR LF); control
 * characters shown as \n, \t, \xNN so a record stays on one line */
void rp_csv(rp_buf *b, const char *s);
/* S percent-encoded as a relative URL path (segments kept) */
void rp_url(rp_buf *b, const char *s);
void rp_buf_free(rp_buf *b);

/* ---- the model ---- */

typedef struct rp_src {
	int64_t recording_id, size, byte_start, byte_end, video_packets, audio_packets;
	const char *path, *host, *sha256, *format, *time_source;
	int sha256_checked;
	int64_t req_start, req_end, start, end, camera_start;
	double correction_ms;
	const char *verify;        /* last verify of the case's recordings: NULL
	                              never, else "ok" or the failure */
} rp_src;

struct rp_pull;

/* a still of a clip (vidx_still_file): at its start, at the incident */
typedef struct rp_still {
	const char *path;          /* relative to DIR; NULL: none */
	const char *sha256, *frame_hash, *conversion, *problem;
	int64_t at, frame_time, pts, frame, size, recording_id;
	int width, height;
} rp_still;

typedef struct rp_clip {
	struct rp_pull *pull;
	size_t index;              /* in rp.clips */
	const char *rel, *format, *sha256, *camera, *camera_name;
	double lat, lon;           /* NaN when unknown */
	int64_t size, req_start, req_end, start, end;
	double correction_ms;
	const char *vcodec, *vhash, *acodec, *ahash;
	int64_t vpackets, apackets; /* -1 when not counted */
	rp_src *src;
	size_t nsrc;

	/* in the report folder */
	const char *out;           /* path relative to DIR; NULL: not there */
	const char *how;           /* "linked" or "copied" */
	const char *problem;       /* why it is not in the report */

	/* what a browser makes of it (report_media.c) */
	int probed, playable;
	const char *why_not;       /* e.g. "HEVC video" */
	const char *profile, *pix_fmt;
	int width, height;
	double t0;                 /* media time of its first frame, s */
	double duration, fps;

	/* a working copy a browser can play (--proxies) */
	const char *proxy;         /* path relative to DIR, NULL none */
	const char *proxy_sha256, *proxy_problem, *proxy_how;
	int64_t proxy_size;

	rp_still still[2];         /* [0] at its start, [1] at the incident */

	/* the last vidx verify of its folder */
	const char *verify;        /* NULL never verified, "ok", or the failure */
	int64_t verify_seq, verify_at;
	const char *verify_by;
} rp_clip;

typedef struct rp_pull {
	int64_t seq, at;
	const char *by, *folder, *manifest_sha256;
	struct json_t *man;        /* the manifest, NULL when unusable */
	const char *problem;       /* why its clips are not in the report */
	const char *out;           /* its folder in DIR ("pull-SEQ") */
	const char *tool, *libavformat, *index, *pulled_at;
	struct json_t *query;      /* borrowed from man */
	int64_t from, to;          /* VIDX_TIME_NONE when the question had none */
	int64_t verify_seq, verify_at, verify_checked, verify_failed;
	const char *verify_by;
	size_t nclips;
} rp_pull;

typedef struct rp_event {
	int64_t seq, at;
	const char *by, *kind, *detail, *prev, *hash, *problem;
} rp_event;

typedef struct rp_cam {
	const char *id, *name, *tz, *address;
	double lat, lon, dist;     /* dist: NaN without a scene point */
	int known;                 /* in the index's cameras */
	int mobile;                /* no position: its recordings carry it
	                              (DIST: its closest approach) */
	vidx_coverage *cov;        /* NULL: not in the coverage question */
	vidx_clock_obs *obs;
	size_t nobs;
	size_t nclips;
} rp_cam;

/* a recording the case's cameras have in the window, for the timelines */
typedef struct rp_rec {
	int64_t id, start, end, cam_start, cam_end, off_start, off_end;
	const char *camera, *path, *sha256;
	double lat[2], lon[2]; /* its own place at its start and end (a
	                          position, or a track's first and last fix);
	                          NaN when it has none */
} rp_rec;

/* a file of the report folder, for its manifest */
typedef struct rp_file {
	const char *rel, *kind, *sha256, *note;
	int64_t size;
	struct json_t *extra;      /* more members for the manifest, or NULL */
} rp_file;

typedef struct rp {
	vidx *h;
	const vidx_report_opts *o;
	const char *case_id, *title, *created_by;
	int64_t created, made;
	const char *zone;          /* local times are shown in this zone */
	int64_t from, to, incident; /* the window; incident VIDX_TIME_NONE */
	int has_place;
	double lat, lon, radius;   /* radius 0: no ring */
	const char *index_path, *dir, *tmp, *page_rel;

	rp_event *ev;
	size_t nev, broken;
	rp_pull *pulls;
	size_t npulls;
	rp_clip *clips;
	size_t nclips;
	rp_cam *cams;
	size_t ncams;
	rp_rec *recs;
	size_t nrecs;
	rp_file *files;
	size_t nfiles;
	vidx_result *cover[2];     /* coverage answers, owned */
	int64_t (*zones)[2];       /* [utc_us, offset_s] from each instant on */
	size_t nzones;
	int64_t recs_verify_seq;   /* the last verify of the case's recordings */
	size_t failed;             /* items that failed */

	char **strs;               /* every string above */
	size_t nstrs, capstrs;
	int oom;
} rp;

/* a copy of S owned by R (NULL for NULL; "" and R->oom when out of memory) */
const char *rp__str(rp *r, const char *s);
const char *rp__strf(rp *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* the offset of R's zone at US, seconds */
int64_t rp__zone_off(const rp *r, int64_t us);
/* "2022-07-04 21:25:13.250" in R's zone (+ " UTC-04:00" with WITH_OFF);
 * BUF holds 64 */
char *rp__local(const rp *r, int64_t us, int with_off, char *buf);
/* "2022-07-05 01:25:13.250 UTC" */
char *rp__utc(int64_t us, char *buf);

/* report_html.c: the page */
int rp__html(rp *r, rp_buf *out);
/* one line saying what a custody event did, from its detail */
const char *rp__event_summary(rp *r, const rp_event *e);
/* the axis of the timeline and the player: the window and every clip */
void rp__axis(const rp *r, int64_t *a, int64_t *b);
/* report_svg.c: the map and the coverage timeline, inline SVG */
void rp__svg_map(const rp *r, rp_buf *b);
void rp__svg_timeline(const rp *r, rp_buf *b);
/* a round step for an axis of SPAN (same unit) with about N ticks */
double rp__nice_step(double span, int n);

/* report_media.c: what a browser can play, and H.264 working copies */
/* fill C's stream facts from the file PATH; WHY gets why a browser cannot
 * play it ("" when it can) */
int rp__clip_probe(vidx *h, const char *path, rp_clip *c, char *why, size_t n);
/* Encode IN to the new file OUT as H.264 (and AAC), frame times kept.
 * DESC gets the exact processing, for the manifest. */
int rp__proxy(vidx *h, const char *in, const char *out, char *desc, size_t n);

/* report_pdf.c: print PAGE (absolute path) to the new file PDF */
int rp__pdf(vidx *h, const char *chromium, const char *page, const char *pdf,
            char *version, size_t n);

/* timeline.c: Timesketch JSONL / plaso l2tcsv of R's events */
int rp__timeline(rp *r, const char *path, int l2tcsv, char sha[65], size_t *events);

/* report.c: write TEXT as the new file PATH (O_EXCL), synced */
int rp__write_new(vidx *h, const char *path, const char *text, size_t n);

/* report_assets.S: the page's style and script, NUL-terminated */
extern const char vidx__report_css[];
extern const char vidx__report_js[];

#endif
