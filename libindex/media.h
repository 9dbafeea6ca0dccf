/*
 * media.h - libav* plumbing shared by the files that read media (probe,
 * clip, pull, verify, and decoding): sources opened read-only through our
 * own descriptor, libav* messages, stretches of packets and their hashes.
 * Private to libindex; only files that include libavformat need it.
 */
#ifndef VIDX_MEDIA_H
#define VIDX_MEDIA_H

#include <stdint.h>

#include "internal.h"

/* ---- avio.c: libav* plumbing ---- */

/* read-only access to a file we opened, for a custom AVIOContext */
typedef struct vidx__fdio {
	int fd;
	int64_t size;
	int64_t pos;
} vidx__fdio;
int vidx__io_read(void *opaque, uint8_t *buf, int n);
int64_t vidx__io_seek(void *opaque, int64_t off, int whence);
/* route libav* messages to a per-thread "last error" (once), clear it */
void vidx__av_setup(void);
const char *vidx__av_last(void);
/* how many errors libav* reported on this thread since the last reset */
int vidx__av_errors(int reset);

/* ---- probe.c: time candidates, for the readers of place.c ---- */
struct AVFormatContext;
struct AVStream;
/* a new candidate of SRC on P (NULL when out of memory) */
vidx_time_candidate *vidx__add_cand(vidx_probe *p, int src);
/* local civil time CV in zone TZ into candidate C, flags and zone named */
void vidx__local_cand(vidx *h, vidx_time_candidate *c, const vidx_civil *cv,
                      const char *tz);
/* place.c: the recording's own place and the times that come with it
 * (GPS, device and camcorder dates) as candidates; after the index is
 * read, before the start is chosen.  0, or <0 (out of memory, read error)
 * with the message set.  place_finish fills in what needs the start. */
int vidx__place_gather(vidx *h, vidx_probe *p, struct AVFormatContext *fc,
                       struct AVStream *st, int fd, const vidx_probe_opts *o);

/* qtmeta.c: Apple's mdta keys (make, model, software, the capture date as
 * a device candidate, the ISO 6709 position).  0 or VIDX_ENOMEM. */
int vidx__qt_keys(vidx *h, vidx_probe *p, struct AVFormatContext *fc);

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

#endif
