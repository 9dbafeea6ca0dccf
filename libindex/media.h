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
/* how many errors libav* reported on this thread since the last reset
 * (but for a decoder's own count, vidx__avlog) */
int vidx__av_errors(int reset);
/* Errors a decoder reports on whichever thread it decodes (frame and slice
 * threads log on their own, so a per-thread count misses them): a decoder
 * whose AVCodecContext.opaque points to one of these (MAGIC set) counts
 * them here instead, atomically, and keeps the first message, to be read
 * once the decoder is freed (its threads joined). */
#define VIDX__AVLOG_MAGIC 0x7669646cu
typedef struct vidx__avlog {
	unsigned magic;
	int errors;      /* atomic */
	int unrefs;      /* atomic: H.264 unrefs of pictures not held (avio.c),
	                    not among ERRORS */
	char first[200]; /* written once, by the first error */
} vidx__avlog;

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

/* ---- phash.c: hash of packets that does not depend on the container ---- */
#define VIDX_PHASH_VERSION 2 /* what vidx-pull writes; 1 for old manifests */
typedef struct vidx__phash {
	void *md;    /* EVP_MD_CTX, NULL when not hashing */
	int codec;   /* enum AVCodecID */
	int nal_len; /* 1-4: length-prefixed NAL units; 0: Annex B or none */
	int version; /* of the definition (see phash.c) */
	void *ps;    /* version 2, H.264/HEVC: the distinct parameter sets */
	int64_t packets;
} vidx__phash;
/* Start hashing a stream with parameters PAR (its header's parameter sets
 * count for version 2).  -1 when out of memory; vidx__phash_free then. */
int vidx__phash_init(vidx__phash *ph, const struct AVCodecParameters *par,
                     int version);
void vidx__phash_add(vidx__phash *ph, const uint8_t *p, size_t n);
/* the digest as 64 hex digits; frees what init took.  -1 on failure */
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
	int ts_tables; /* in: MPEG-TS byte runs start at the program tables
	                  before the keyframe (see clip.c) */
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

/* ---- nalkey.c: H.264 key frames as libavformat's parser marks them ---- */

typedef struct vidx__nalkey vidx__nalkey;
/* For PAR's H.264 stream, NAL units in Annex B (ANNEXB) or length-prefixed
 * as PAR's avcC extradata says.  NULL for another codec, AVC without avcC,
 * or out of memory. */
vidx__nalkey *vidx__nalkey_new(const struct AVCodecParameters *par, int annexb);
void vidx__nalkey_free(vidx__nalkey *k);
/* Is the access unit AU a key frame to ffprobe: FLAGGED by the container,
 * or made one by the parser?  N bytes of it are given, of TOTAL.  1 or 0;
 * VIDX__NK_MORE when N bytes are not enough to tell; VIDX_ENOMEM.  Units
 * must be given in stream order. */
enum { VIDX__NK_MORE = -100 };
int vidx__nalkey_au(vidx__nalkey *k, const uint8_t *au, size_t n, size_t total,
                    int flagged);
/* how many access units went to the parser itself */
int64_t vidx__nalkey_parsed(const vidx__nalkey *k);

/* ---- mkv.c, ts.c: container readers of our own ---- */

/* The video packets of a file, in file order, as libavformat would give
 * them: TS is pts in the stream's time base, else dts (AV_NOPTS_VALUE when
 * neither); POS and SIZE as ffprobe reports them. */
typedef struct vidx__pkt {
	int64_t ts, pos;
	int32_t size;
	int key;
} vidx__pkt;
typedef struct vidx__pkts {
	vidx__pkt *a;
	size_t n, cap;
	const char *method; /* the probe's index_method */
	int damaged;
	int64_t parsed;     /* access units the H.264 parser was asked about */
} vidx__pkts;
int vidx__pkts_add(vidx__pkts *p, int64_t ts, int64_t pos, int64_t size, int key);
void vidx__pkts_free(vidx__pkts *p);
/* Read the packets of stream ST of FC (opened by the caller on FD, SIZE
 * bytes) with our own reader.  1: P is filled; 0: not a file this reader
 * takes exactly (anything unusual: the caller reads it with libavformat);
 * <0: VIDX_ENOMEM, or VIDX_EIO when the file could not be read, with the
 * message on H. */
int vidx__mkv_read(vidx *h, int fd, int64_t size, const struct AVFormatContext *fc,
                   const struct AVStream *st, vidx__pkts *p);
int vidx__ts_read(vidx *h, int fd, int64_t size, const struct AVFormatContext *fc,
                  const struct AVStream *st, vidx__pkts *p);

/* ---- decode.c: the frames of a cut, from its seek keyframe ---- */

struct AVFrame;
/* a packet fed to the decoder: its stream time (us), byte offset, and
 * whether the decoder refused it */
typedef struct vidx__dpkt {
	int64_t pts, pos;
	int err;
} vidx__dpkt;
typedef struct vidx__decode {
	/* in */
	int threads;          /* decoder threads, 0: as many as the CPUs */
	int keep;             /* remember the packets (pk) */
	int reorder_tail;     /* a stream without pts: read this many frames
	                         past END_PTS (its frames come out of order) */
	/* each frame in presentation order with its stream time (us); may take
	 * the frame (av_frame_move_ref).  0 go on, 1 stop, <0 fail (with the
	 * message on the handle) */
	int (*on_frame)(void *ctx, struct AVFrame *f, int64_t pts);
	void *ctx;
	/* out */
	vidx__dpkt *pk;       /* the packets fed, in decode order (keep) */
	size_t npk, cap;
	int64_t packets;      /* how many were fed */
	long frame_pk;        /* in on_frame: the index in pk of the frame's
	                         packet (keep), or -1 */
	int send_errors, stopped;
	int corrupt_frames;   /* frames the decoder flagged as damaged */
	int av_errors;        /* errors libav* logged while decoding (any thread) */
	vidx__avlog log;      /* the decoder's own, on every thread */
} vidx__decode;
/* Decode the video of cut C from S (vidx__src_open) by the rule of
 * vidx__cut_walk: from the keyframe the index names until a frame at or
 * after C->end_pts was taken and the next packet's decode time reaches it;
 * then the decoder is drained.  Sound is not read.  0, or <0 with the
 * reason; D->pk is freed by vidx__decode_free. */
int vidx__decode_cut(vidx *h, vidx__src *s, vidx__cut *c, vidx__decode *d);
/* the size of recording ID and its nominal frame time (40 ms when its rate
 * is unknown): 0, or <0 with the reason */
int vidx__rec_info(vidx *h, int64_t id, int64_t *size, int64_t *fdur);
void vidx__decode_free(vidx__decode *d);
/* index in D->pk of the packet with presentation time PTS, or -1 */
long vidx__decode_find(const vidx__decode *d, int64_t pts);
/* The index, in decode order from 0, of the video packet of S at byte POS
 * (or, when POS < 0, the keyframe at stream time PTS): from the
 * container's own index when it lists every packet (MP4, AVI), else by
 * reading PATH's packets from its start without decoding them.  >= 0, or
 * <0 with the reason. */
int64_t vidx__packet_number(vidx *h, vidx__src *s, const char *path,
                            int64_t pos, int64_t pts);
/* SHA-256 of F's pixels as ffmpeg's framehash muxer hashes a decoded
 * frame: its rawvideo packet (planes one after the other, no padding, the
 * palette last). */
int vidx__frame_hash(const struct AVFrame *f, char hex[65]);

/* ---- draw.c: pictures: PNG files, tiles with labels ---- */

/* F as PNG bytes (malloc'ed): converted by libswscale only when PNG
 * cannot hold its pixel format (CONV says how, else "none"), with a tEXt
 * chunk per KEY, VALUE pair of TEXT (NULL-ended; ASCII values) and a last
 * one, vidx:conversion, holding CONV. */
int vidx__png(vidx *h, const struct AVFrame *f, const char *const *text,
              unsigned char **buf, size_t *len, char conv[200]);
/* Escape S for one level of libavfilter's parsers: a backslash before
 * '\', '\'' and each of SPECIAL.  Returns a malloc'ed string. */
char *vidx__av_escape(const char *s, const char *special);
/* L: a tile's first label line, "ID  DIST m  NAME" (the name when it is
 * not the id, the distance when known), fit to be drawn: valid UTF-8
 * kept, control characters and broken sequences as '?' */
void vidx__tile_title(char l[256], const char *id, const char *name, double distance_m);

/* N inputs, one tile each, in a grid: each picture scaled (aspect kept)
 * into TW x TH, a band of 3 label lines below it, drawn by libavfilter
 * (scale, pad, drawtext with a TrueType font, xstack). */
struct AVFilterGraph;
struct AVFilterContext;
typedef struct vidx__tin {
	struct AVFrame *f;       /* pending frame, or NULL: a blank */
	int w, h, fmt, sar_num, sar_den; /* what the graph was built for */
	struct AVFrame *blank;   /* the last black picture made, for reuse */
} vidx__tin;
typedef struct vidx__tiles {
	int n, cols, rows, tw, th, band, fs, W, H, out_fmt;
	int tb_num, tb_den;
	char *font;
	char *desc;              /* the graph, from [in0].. to [out] */
	struct AVFilterGraph *g;
	struct AVFilterContext **src, *sink;
	vidx__tin *in;
	struct AVFrame **out;    /* combined frames not yet taken */
	size_t nout;
} vidx__tiles;
/* OUT_FMT: AV_PIX_FMT_RGB24 (sheets) or YUV420P (mosaics); TB the time
 * base of the frames pushed.  FONT NULL: DejaVu Sans Mono. */
int vidx__tiles_init(vidx *h, vidx__tiles *t, int n, int tw, int th,
                     const char *font, int out_fmt, int tb_num, int tb_den);
void vidx__tiles_rect(const vidx__tiles *t, int i, vidx_tile *r);
/* Input I's next picture: F (not taken; NULL: a black one) with label
 * lines L1..L3 and, over the picture, BIG (NULL: none). */
int vidx__tiles_set(vidx *h, vidx__tiles *t, int i, const struct AVFrame *f,
                    const char *l1, const char *l2, const char *l3,
                    const char *big);
/* Push every input's picture at PTS; OUT gets a combined frame when one is
 * ready (returns 1; vidx__tiles_next may have more), 0 when none yet.  EOF
 * (pts ignored) ends the inputs.  A change in an input's size or format
 * builds the graph again; the frames the old one held come out first. */
int vidx__tiles_run(vidx *h, vidx__tiles *t, int64_t pts, int eof,
                    struct AVFrame *out);
/* the next combined frame after EOF: 1, 0 when none is left */
int vidx__tiles_next(vidx *h, vidx__tiles *t, struct AVFrame *out);
void vidx__tiles_free(vidx__tiles *t);

#endif
