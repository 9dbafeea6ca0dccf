/*
 * probe.c - what is in a recording, where its keyframes are, and when it
 * was shot.
 *
 * The file is opened once, read-only, by us; libavformat reads it through
 * that descriptor (custom AVIO), so it can never open it for writing and the
 * file cannot be swapped between our checks and its reads.
 *
 * Keyframes come from the container's own index where it is complete by
 * construction (MP4/MOV sample tables: every sample is listed, stss marks
 * the sync ones), and from a packet scan with all other streams discarded
 * everywhere else.  Both give the same numbers ffprobe reports.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>

#include "media.h"

#define US 1000000LL
#define IOBUF (64 * 1024)

/* ---- growing arrays ------------------------------------------------------ */

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	void *n;
	size_t c;

	if (need <= *cap)
		return 0;
	c = *cap ? *cap * 2 : 64;
	while (c < need)
		c *= 2;
	if (!(n = realloc(*arr, c * elem)))
		return -1;
	*arr = n;
	*cap = c;
	return 0;
}

typedef struct scan {
	vidx_probe *p;
	size_t kcap, gcap;
	int64_t max_ts;  /* latest time seen on the current timeline, us */
	vidx_segment *tl; /* per timeline: first instant and last (max) time */
	size_t ntl, tlcap;
	int keyed;       /* the current timeline has had its first keyframe */
	int64_t prekey;  /* its packets before that keyframe */
	int64_t gap_min;
	int keep;
} scan;

/* after add_packet: p->nb_packets counts this keyframe already */
static int add_keyframe(scan *s, int64_t pts, int64_t pos, int size)
{
	vidx_probe *p = s->p;

	if (s->keep) {
		if (grow((void **)&p->kf, &s->kcap, p->nkeyframes + 1, sizeof(*p->kf)))
			return -1;
		p->kf[p->nkeyframes].pts = pts;
		p->kf[p->nkeyframes].pos = pos;
		p->kf[p->nkeyframes].size = size;
		p->kf[p->nkeyframes].n = p->nb_packets - 1;
	}
	p->nkeyframes++;
	return 0;
}

/* Feed one packet's time (us): pts where known, else dts.  Reordering
 * (B-frames) moves pts back by a few frames, far less than gap_min, so a
 * gap is a packet beyond the running maximum by more than gap_min, or one
 * that falls back behind it by more than gap_min (a clock reset).  Each
 * gap starts a new timeline; its first instant and last time make a
 * segment.
 *
 * A timeline's first instant is the first frame a decoder can show: its
 * first keyframe (in decode order).  Frames before that keyframe, and the
 * leading frames of an open GOP after it (HEVC RASL, x264 open-gop
 * B-frames: shown before the keyframe, decoded only with the frames of
 * the previous file), cannot be shown from this file alone, so they are
 * not footage of it; they are counted in nb_leading.  A timeline without
 * any keyframe keeps its earliest time. */
static int add_packet(scan *s, int64_t ts, int key)
{
	vidx_probe *p = s->p;
	vidx_segment *t;

	p->nb_packets++;
	if (ts == VIDX_TIME_NONE)
		return 0;
	if (s->ntl && ts <= s->max_ts + s->gap_min && ts >= s->max_ts - s->gap_min) {
		t = &s->tl[s->ntl - 1];
		if (key && !s->keyed) {
			s->keyed = 1;
			t->first_pts = ts;
			p->nb_leading += s->prekey;
		} else if (!s->keyed) {
			s->prekey++;
			if (ts < t->first_pts)
				t->first_pts = ts;
		} else if (ts < t->first_pts) {
			p->nb_leading++;
		}
		if (ts > s->max_ts)
			s->max_ts = t->end = ts;
		return 0;
	}
	if (s->ntl) {
		if (grow((void **)&p->gaps, &s->gcap, p->ngaps + 1, sizeof(*p->gaps)))
			return -1;
		p->gaps[p->ngaps].kind = ts < s->max_ts ? VIDX_GAP_BACKWARD
		                                        : VIDX_GAP_JUMP;
		p->gaps[p->ngaps].from = s->max_ts;
		p->gaps[p->ngaps].to = ts;
		p->ngaps++;
	}
	/* a new timeline starts here (the first one too) */
	if (grow((void **)&s->tl, &s->tlcap, s->ntl + 1, sizeof(*s->tl)))
		return -1;
	t = &s->tl[s->ntl++];
	t->first_pts = t->end = s->max_ts = ts;
	s->keyed = key;
	s->prekey = !key;
	return 0;
}

/* Segments as offsets from the recording's start, from the timelines: a
 * forward jump leaves a hole of its length; after a backward jump (the
 * recorder's clock was set back) the footage goes on where the last
 * segment ended, since the time that really passed is unknown. */
static int make_segments(scan *s, vidx_probe *p)
{
	int64_t fd = p->frame_dur, wall = 0;
	size_t i, n = s->ntl ? s->ntl : 1;

	if (!(p->segs = calloc(n, sizeof(*p->segs))))
		return -1;
	p->nsegs = n;
	if (!s->ntl) {
		/* no timestamps at all: the frames at their nominal rate */
		p->segs[0].end = p->nb_packets * fd;
		p->duration = p->segs[0].end;
		return 0;
	}
	for (i = 0; i < n; i++) {
		p->segs[i].start = wall;
		p->segs[i].first_pts = s->tl[i].first_pts;
		p->segs[i].end = wall + (s->tl[i].end - s->tl[i].first_pts) + fd;
		if (i + 1 < n)
			wall = p->gaps[i].kind == VIDX_GAP_JUMP
			     ? wall + (s->tl[i + 1].first_pts - s->tl[i].first_pts)
			     : p->segs[i].end;
	}
	p->first_pts = s->tl[0].first_pts;
	p->last_pts = s->tl[n - 1].end;
	p->duration = p->segs[n - 1].end;
	return 0;
}

static int64_t to_us(int64_t ts, AVRational tb)
{
	if (ts == AV_NOPTS_VALUE)
		return VIDX_TIME_NONE;
	return av_rescale_q_rnd(ts, tb, (AVRational){1, 1000000},
	                        AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX);
}

/* Keyframes from the MP4 sample tables.  Returns 1 done, 0 not possible
 * here (caller scans), -1 out of memory. */
static int index_mp4(scan *s, AVFormatContext *fc, AVStream *st, int fd)
{
	int64_t *offs = NULL, n = 0, i;
	int cnt = avformat_index_get_entries_count(st);

	if (!strstr(fc->iformat->name, "mp4") || cnt <= 0 ||
	    vidx__mp4_ctts(fd, s->p->size, st->id, cnt, &offs, &n) < 0)
		return 0;
	if (n != cnt) {
		free(offs); /* an edit list dropped samples: scan instead */
		return 0;
	}
	for (i = 0; i < n; i++) {
		const AVIndexEntry *e = avformat_index_get_entry(st, (int)i);
		int64_t pts = to_us(e->timestamp + offs[i], st->time_base);
		if (e->pos < 0 || e->pos + e->size > s->p->size) {
			/* listed in the tables but cut off: a truncated copy */
			s->p->damaged = 1;
			continue;
		}
		if (add_packet(s, pts, !!(e->flags & AVINDEX_KEYFRAME)) < 0 ||
		    ((e->flags & AVINDEX_KEYFRAME) &&
		     add_keyframe(s, pts, e->pos, e->size) < 0)) {
			free(offs);
			return -1;
		}
	}
	free(offs);
	/* a sample of another track (the sound) cut off is damage too */
	for (i = 0; i < (int64_t)fc->nb_streams; i++) {
		AVStream *o = fc->streams[i];
		int k = avformat_index_get_entries_count(o);
		const AVIndexEntry *e = k > 0 ? avformat_index_get_entry(o, k - 1) : NULL;
		if (o != st && e && e->pos + e->size > s->p->size)
			s->p->damaged = 1;
	}
	s->p->index_method = "container-index";
	return 1;
}

/* Keyframes and packets from a container reader of our own (mkv.c, ts.c):
 * what the scan below would list, from far fewer bytes.  Returns 1 done,
 * 0 not a file these readers take (the caller scans), <0 failed. */
static int index_own(vidx *h, scan *s, AVFormatContext *fc, AVStream *st, int fd)
{
	vidx__pkts pk;
	size_t i;
	int r;

	/* the parser's complaints, as in the scan (nalkey.c asks it) */
	vidx__av_errors(1);
	r = vidx__mkv_read(h, fd, s->p->size, fc, st, &pk);
	if (r == 0)
		r = vidx__ts_read(h, fd, s->p->size, fc, st, &pk);
	if (r <= 0 || !pk.n) {
		vidx__pkts_free(&pk); /* no packets: the scan says why */
		return r < 0 ? r : 0;
	}
	for (i = 0; i < pk.n; i++) {
		int64_t ts = to_us(pk.a[i].ts, st->time_base);
		if (add_packet(s, ts, pk.a[i].key) < 0 || (pk.a[i].key &&
		    add_keyframe(s, ts, pk.a[i].pos, pk.a[i].size) < 0)) {
			vidx__pkts_free(&pk);
			return vidx__fail(h, VIDX_ENOMEM, "out of memory");
		}
	}
	s->p->damaged = pk.damaged || vidx__av_errors(0);
	s->p->index_method = pk.method;
	vidx__pkts_free(&pk);
	return 1;
}

/* Keyframes by reading every packet of the video stream. */
static int index_scan(vidx *h, scan *s, AVFormatContext *fc, AVStream *st)
{
	AVPacket *pkt = av_packet_alloc();
	int rc = 0, r;
	unsigned i;

	if (!pkt)
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	for (i = 0; i < fc->nb_streams; i++)
		if ((int)i != st->index)
			fc->streams[i]->discard = AVDISCARD_ALL;
	vidx__av_errors(1);
	while ((r = av_read_frame(fc, pkt)) >= 0) {
		if (pkt->stream_index == st->index) {
			int64_t pts = to_us(pkt->pts, st->time_base);
			/* a frame cut short (a truncated DHAV, say) is kept, and
			 * the recording flagged */
			if (pkt->flags & AV_PKT_FLAG_CORRUPT)
				s->p->damaged = 1;
			if (add_packet(s, pts != VIDX_TIME_NONE ? pts
			                   : to_us(pkt->dts, st->time_base),
			               !!(pkt->flags & AV_PKT_FLAG_KEY)) < 0 ||
			    ((pkt->flags & AV_PKT_FLAG_KEY) &&
			     add_keyframe(s, pts, pkt->pos, pkt->size) < 0)) {
				rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
				break;
			}
		}
		av_packet_unref(pkt);
	}
	if (rc == 0 && r != AVERROR_EOF) {
		if (s->p->nb_packets == 0)
			rc = vidx__fail(h, VIDX_EFORMAT, "cannot read packets: %s",
			                vidx__av_last()[0] ? vidx__av_last() : av_err2str(r));
		else
			s->p->damaged = 1; /* keep what was readable, say so */
	}
	if (rc == 0 && s->p->nb_packets == 0)
		rc = vidx__fail(h, VIDX_EFORMAT, "no video packets");
	if (vidx__av_errors(0))
		s->p->damaged = 1;
	/* MPEG-TS is whole 188-byte packets: a file that is not was cut off */
	if (!strcmp(fc->iformat->name, "mpegts") && s->p->size % 188)
		s->p->damaged = 1;
	s->p->index_method = "packet-scan";
	av_packet_free(&pkt);
	return rc;
}

/* ---- wall-clock candidates ----------------------------------------------- */

vidx_time_candidate *vidx__add_cand(vidx_probe *p, int src)
{
	vidx_time_candidate *c;
	void *n = realloc(p->cand, (p->ncand + 1) * sizeof(*p->cand));
	if (!n)
		return NULL;
	p->cand = n;
	c = &p->cand[p->ncand++];
	memset(c, 0, sizeof(*c));
	c->source = src;
	c->utc = VIDX_TIME_NONE;
	return c;
}

static const char *zone_label(const char *tz)
{
	const char *e = vidx__user_tz();
	return tz ? tz : e && *e ? e : "system zone";
}

/* Local civil time -> candidate, with flags and the zone named. */
void vidx__local_cand(vidx *h, vidx_time_candidate *c, const vidx_civil *cv,
                       const char *tz)
{
	int flags = 0;
	size_t n = strlen(c->detail);

	if (vidx_civil_to_utc(h, cv, tz, &c->utc, &flags) < 0) {
		c->utc = VIDX_TIME_NONE;
		c->flags |= VIDX_TF_INVALID;
		return;
	}
	c->flags |= flags;
	snprintf(c->detail + n, sizeof(c->detail) - n, "%slocal time in %s",
	         n ? ", " : "", zone_label(tz));
}

/* Does an ISO 8601 time carry its zone (Z or +-HH[:MM] after the time)? */
static int has_offset(const char *v)
{
	const char *t = strpbrk(v, "Tt ");
	size_t n;
	if (!t)
		return 0;
	n = strlen(t);
	return strpbrk(t, "Zz+") || (n > 3 && strchr(t + 3, '-'));
}

static int container_time(vidx *h, vidx_probe *p, AVFormatContext *fc,
                          AVStream *st, const char *tz)
{
	static const char *keys[] = {"creation_time", "date"};
	AVDictionaryEntry *e = NULL;
	vidx_time_candidate *c;
	vidx_civil cv = {0};
	const char *v, *key = NULL;
	size_t i;
	int64_t us;

	for (i = 0; i < 2 && !e; i++) {
		key = keys[i];
		if (!(e = av_dict_get(fc->metadata, key, NULL, 0)))
			e = av_dict_get(st->metadata, key, NULL, 0);
	}
	if (!e)
		return 0;
	if (!(c = vidx__add_cand(p, VIDX_SRC_CONTAINER)))
		return -1;
	v = e->value;
	snprintf(c->raw, sizeof(c->raw), "%s", v);
	snprintf(c->detail, sizeof(c->detail), "%s tag", key);
	if (has_offset(v) && vidx_time_parse(h, v, "UTC", &us) == 0) {
		c->utc = us;
	} else if (sscanf(v, "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d", &cv.year, &cv.mon,
	                  &cv.day, &cv.hour, &cv.min, &cv.sec) == 6) {
		/* no zone written (AVI IDIT): the recorder's local time */
		vidx__local_cand(h, c, &cv, tz);
	} else {
		c->flags |= VIDX_TF_INVALID;
		return 0;
	}
	/* 1904 (MP4 epoch) and 1970 dates mean "never set" */
	if (c->utc != VIDX_TIME_NONE && c->utc < 86400 * 366 * US) {
		c->utc = VIDX_TIME_NONE;
		c->flags |= VIDX_TF_INVALID;
		snprintf(c->detail, sizeof(c->detail), "%s tag (zero date: unset)", key);
	}
	return 0;
}

static int gather_times(vidx *h, vidx_probe *p, AVFormatContext *fc,
                        AVStream *st, int fd, const struct stat *sb,
                        const vidx_probe_opts *o)
{
	vidx_time_candidate *c;
	vidx_civil cv, last;
	vidx_name_span ns;
	const char *label, *pat = o->name_time ? o->name_time : "auto";
	unsigned raw;
	int is_utc, r;
	int64_t us;

	if (o->start) {
		if ((r = vidx_time_parse(h, o->start, o->tz, &us)) < 0)
			return r;
		if (!(c = vidx__add_cand(p, VIDX_SRC_MANUAL)))
			return -1;
		c->utc = us;
		snprintf(c->raw, sizeof(c->raw), "%s", o->start);
		snprintf(c->detail, sizeof(c->detail), "--start");
	}
	r = vidx_name_span_match(h, pat, p->path, &ns);
	if (r < 0)
		return r;
	cv = ns.start;
	is_utc = ns.is_utc;
	label = ns.label;
	if (r == 0 && strcmp(pat, "auto") && strcmp(pat, "none"))
		return vidx__fail(h, VIDX_EINVAL, "file name does not match "
		                  "--name-time '%s'", pat);
	if (r == 1) {
		const char *base = strrchr(p->path, '/');
		if (!(c = vidx__add_cand(p, VIDX_SRC_FILENAME)))
			return -1;
		snprintf(c->raw, sizeof(c->raw), "%s",
		         strchr(pat, '/') || (label && !strcmp(label, "frigate")) || !base
		             ? p->path : base + 1);
		if (label)
			snprintf(c->detail, sizeof(c->detail), "auto pattern %s", label);
		else
			snprintf(c->detail, sizeof(c->detail), "pattern %.80s", pat);
		if (is_utc)
			c->utc = vidx__civil_utc(&cv);
		else
			vidx__local_cand(h, c, &cv, o->tz);
		/* a name with both ends of the recording gives its length, in
		 * real time (across a DST change too) */
		if (ns.has_end && c->utc != VIDX_TIME_NONE) {
			int64_t end = VIDX_TIME_NONE;
			int fl;
			size_t n = strlen(c->detail);
			if (is_utc)
				end = vidx__civil_utc(&ns.end);
			else if (vidx_civil_to_utc(h, &ns.end, o->tz, &end, &fl) < 0)
				end = VIDX_TIME_NONE;
			if (end != VIDX_TIME_NONE && end > c->utc) {
				p->named_length = end - c->utc;
				snprintf(c->detail + n, sizeof(c->detail) - n, "; ends %02d:%02d:%02d, "
				         "%.3f s", ns.end.hour, ns.end.min, ns.end.sec,
				         p->named_length / 1e6);
			}
		}
	}
	r = vidx__dhav_dates(fd, p->size, &cv, &last, &raw);
	if (r < 0)
		return vidx__fail(h, VIDX_EIO, "read error: %s", strerror(errno));
	if (r == 1) {
		if (!(c = vidx__add_cand(p, VIDX_SRC_STREAM)))
			return -1;
		snprintf(c->raw, sizeof(c->raw),
		         "%04d-%02d-%02d %02d:%02d:%02d (DHAV date 0x%08x)", cv.year,
		         cv.mon, cv.day, cv.hour, cv.min, cv.sec, raw);
		snprintf(c->detail, sizeof(c->detail), "first DHAV frame header");
		vidx__local_cand(h, c, &cv, o->tz);
	}
	if (container_time(h, p, fc, st, o->tz) < 0)
		return -1;
	if ((r = vidx__place_gather(h, p, fc, st, fd, o)) < 0)
		return r;
	if (!(c = vidx__add_cand(p, VIDX_SRC_MTIME)))
		return -1;
	c->utc = (int64_t)sb->st_mtim.tv_sec * US + sb->st_mtim.tv_nsec / 1000;
	c->flags = VIDX_TF_LAST_RESORT;
	snprintf(c->raw, sizeof(c->raw), "%lld.%09ld", (long long)sb->st_mtim.tv_sec,
	         (long)sb->st_mtim.tv_nsec);
	snprintf(c->detail, sizeof(c->detail), "file modification time");
	p->mtime = c->utc;
	return 0;
}

/* Candidates more than a second apart are what an examiner must see.
 * mtime is left out: copying a file changes it, so it would flag nearly
 * every copy of the evidence.  Named: the candidate furthest from the
 * chosen one, else the two furthest apart. */
static void check_agreement(vidx_probe *p)
{
	size_t i, j, a = 0, b = 0;
	int64_t best = 0;

	for (i = 0; i < p->ncand && p->chosen >= 0; i++) {
		const vidx_time_candidate *x = &p->cand[i], *y = &p->cand[p->chosen];
		int64_t d;
		if ((int)i == p->chosen || x->utc == VIDX_TIME_NONE ||
		    x->source == VIDX_SRC_MTIME || y->source == VIDX_SRC_MTIME)
			continue;
		d = x->utc > y->utc ? x->utc - y->utc : y->utc - x->utc;
		if (d > best) {
			best = d;
			a = (size_t)p->chosen;
			b = i;
		}
	}
	for (i = 0; i < p->ncand && best <= US; i++)
		for (j = i + 1; j < p->ncand; j++) {
			const vidx_time_candidate *x = &p->cand[i], *y = &p->cand[j];
			int64_t d;
			if (x->utc == VIDX_TIME_NONE || y->utc == VIDX_TIME_NONE ||
			    x->source == VIDX_SRC_MTIME || y->source == VIDX_SRC_MTIME)
				continue;
			d = x->utc > y->utc ? x->utc - y->utc : y->utc - x->utc;
			if (d > best) {
				best = d;
				a = i;
				b = j;
			}
		}
	if (best <= US)
		return;
	if ((int)b == p->chosen) {
		size_t t = a;
		a = b;
		b = t;
	}
	p->time_disagree = 1;
	{
		/* within 2 s of a whole number of half hours: a zone or DST slip */
		int64_t half = (best + 900 * US) / (1800 * US);
		int64_t off = best - half * 1800 * US;
		char hint[64] = "";
		if (half && off > -2 * US && off < 2 * US)
			snprintf(hint, sizeof(hint), " (about %g h: a time zone or DST "
			         "mistake?)", half / 2.0);
		snprintf(p->time_disagreement, sizeof(p->time_disagreement),
		         "%s and %s are %.3f s apart%s", vidx_source_name(p->cand[a].source),
		         vidx_source_name(p->cand[b].source), best / 1e6, hint);
	}
}

/* The rate of a raw stream, which has no timestamps: a file name with both
 * ends of the recording times its frames (N frames over that length: the
 * cheap cameras that write such streams put a rate in the VUI that is
 * often missing or wrong); else the stream's own rate, or libavformat's
 * 25 fps, both assumed.  A file with timestamps is timed by them. */
static void raw_rate(vidx_probe *p, const scan *s, int vui_num, int vui_den)
{
	char own[64];

	if (s->ntl) {
		p->fps_source = "container";
		snprintf(p->fps_note, sizeof(p->fps_note), "frames timed by the file's "
		         "timestamps");
		return;
	}
	if (vui_num > 0 && vui_den > 0)
		snprintf(own, sizeof(own), "the stream's VUI says %.6g fps",
		         (double)vui_num / vui_den);
	else
		snprintf(own, sizeof(own), "the stream gives no rate");
	if (p->named_length > 0 && p->nb_packets > 0) {
		av_reduce(&p->fps_num, &p->fps_den, p->nb_packets * US, p->named_length,
		          1 << 30);
		p->frame_dur = (p->named_length + p->nb_packets / 2) / p->nb_packets;
		p->fps_source = "name";
		snprintf(p->fps_note, sizeof(p->fps_note), "%lld frames over the %.3f s "
		         "the file name gives; %s", (long long)p->nb_packets,
		         p->named_length / 1e6, own);
		p->duration = p->segs[0].end = p->nb_packets * p->frame_dur;
		return;
	}
	p->fps_assumed = 1;
	if (vui_num > 0 && vui_den > 0) {
		p->fps_source = "vui";
		snprintf(p->fps_note, sizeof(p->fps_note), "no timestamps; %s, which "
		         "nothing in the file checks (a name with the recording's start "
		         "and end would time it)", own);
	} else {
		p->fps_source = "default";
		snprintf(p->fps_note, sizeof(p->fps_note), "no timestamps and no rate in "
		         "the stream: libavformat's 25 fps (a name with the recording's "
		         "start and end would time it)");
	}
}

/* Precedence (enum vidx_time_source, strongest first): what a person
 * said; satellite time; the recorder's own per-frame clock (it survives
 * renaming and is what its overlay shows); a device's capture date with its
 * offset; the file name, written when recording starts; the container
 * date, often the time of export or remux; mtime, changed by copying. */
static void choose_time(vidx_probe *p)
{
	static const int order[] = {VIDX_SRC_MANUAL, VIDX_SRC_GPS,
	                            VIDX_SRC_STREAM, VIDX_SRC_DEVICE,
	                            VIDX_SRC_FILENAME, VIDX_SRC_CONTAINER,
	                            VIDX_SRC_MTIME};
	static const char *why[] = {
		"given with --start",
		"satellite time in the recording's own track",
		"the recorder's own frame headers",
		"the device's capture date with its UTC offset",
		"the recorder names files when recording starts",
		"container date, often the time of export: check it",
		"no better source; copying a file changes its mtime",
	};
	size_t i, k;

	p->chosen = -1;
	for (k = 0; k < sizeof(order) / sizeof(order[0]) && p->chosen < 0; k++)
		for (i = 0; i < p->ncand; i++)
			if (p->cand[i].source == order[k] &&
			    p->cand[i].utc != VIDX_TIME_NONE) {
				p->chosen = (int)i;
				snprintf(p->time_reason, sizeof(p->time_reason), "%s%s%s",
				         why[k],
				         p->cand[i].flags & VIDX_TF_AMBIGUOUS
				             ? "; ambiguous local time (DST fall-back), "
				               "earlier instant taken" : "",
				         p->cand[i].flags & VIDX_TF_NONEXISTENT
				             ? "; local time skipped by DST, read with "
				               "the earlier offset" : "");
				break;
			}
	if (p->chosen < 0)
		return;
	p->time_source = p->cand[p->chosen].source;
	p->start = p->cand[p->chosen].utc;
	p->end = p->start + p->duration;
}

/* ---- the probe -------------------------------------------------------------- */

AVStream *vidx__first_video(AVFormatContext *fc)
{
	unsigned i;
	for (i = 0; i < fc->nb_streams; i++) {
		AVStream *st = fc->streams[i];
		if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
		    !(st->disposition & AV_DISPOSITION_ATTACHED_PIC))
			return st;
	}
	return NULL;
}

/* Raw video demuxers take their rate from the stream's timing info (VUI)
 * and fall back to their "framerate" option, 25 fps by default: asked for
 * this rate instead, which no camera writes, a stream that still shows it
 * has no rate of its own. */
#define RATE_UNSET "2997/7"
static const AVRational rate_unset = {2997, 7};

/* VUI: the stream's own rate when it has one (0/0 when it has none) */
static void describe(vidx_probe *p, AVFormatContext *fc, AVStream *st,
                     AVRational *vui)
{
	const AVCodecDescriptor *d = avcodec_descriptor_get(st->codecpar->codec_id);
	const char *prof = avcodec_profile_name(st->codecpar->codec_id,
	                                        st->codecpar->profile);
	AVRational fr = st->avg_frame_rate.num ? st->avg_frame_rate
	                                       : st->r_frame_rate;
	unsigned i;

	*vui = st->r_frame_rate;
	if (!av_cmp_q(st->r_frame_rate, rate_unset)) {
		fr = (AVRational){25, 1};
		*vui = (AVRational){0, 0};
	}

	av_strlcpy(p->format, fc->iformat->name, sizeof(p->format));
	av_strlcpy(p->format_long, fc->iformat->long_name ? fc->iformat->long_name
	                                                  : "", sizeof(p->format_long));
	p->nb_streams = (int)fc->nb_streams;
	p->has_video = 1;
	av_strlcpy(p->vcodec, d ? d->name : "unknown", sizeof(p->vcodec));
	av_strlcpy(p->vprofile, prof ? prof : "", sizeof(p->vprofile));
	p->width = st->codecpar->width;
	p->height = st->codecpar->height;
	if (fr.num > 0 && fr.den > 0) {
		p->fps_num = fr.num;
		p->fps_den = fr.den;
		p->frame_dur = av_rescale(US, fr.den, fr.num);
	}
	for (i = 0; i < fc->nb_streams; i++) {
		AVCodecParameters *cp = fc->streams[i]->codecpar;
		if (cp->codec_type == AVMEDIA_TYPE_AUDIO && !p->has_audio) {
			d = avcodec_descriptor_get(cp->codec_id);
			p->has_audio = 1;
			av_strlcpy(p->acodec, d ? d->name : "unknown", sizeof(p->acodec));
			p->sample_rate = cp->sample_rate;
			p->channels = cp->ch_layout.nb_channels;
		}
	}
}

int vidx_probe_file(vidx *h, const char *path, const vidx_probe_opts *o,
                    vidx_probe **out)
{
	static const vidx_probe_opts defaults = {0};
	AVFormatContext *fc = NULL;
	AVIOContext *pb = NULL;
	unsigned char *iobuf = NULL;
	vidx_probe *p = NULL;
	AVStream *st;
	struct stat sb;
	vidx__fdio io = {-1, 0, 0};
	vidx__hasher hs = {0};
	scan s = {0};
	struct stat sb2;
	AVDictionary *dopt = NULL;
	AVRational vui = {0, 0};
	int rc = 0, r;

	*out = NULL;
	if (!o)
		o = &defaults;
	vidx__av_setup();
	io.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (io.fd < 0)
		return vidx__fail(h, VIDX_EIO, "%s", strerror(errno));
	if (fstat(io.fd, &sb) < 0) {
		rc = vidx__fail(h, VIDX_EIO, "%s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(sb.st_mode)) {
		rc = vidx__fail(h, VIDX_EIO, "is a directory");
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = vidx__fail(h, VIDX_EFORMAT, "not a regular file");
		goto out;
	}
	if (sb.st_size == 0) {
		rc = vidx__fail(h, VIDX_EFORMAT, "empty file");
		goto out;
	}
	/* reads block from here on: the flag was only to not hang on a FIFO */
	fcntl(io.fd, F_SETFL, fcntl(io.fd, F_GETFL) & ~O_NONBLOCK);
	io.size = sb.st_size;

	if (!(p = calloc(1, sizeof(*p))) || !(p->path = strdup(path)) ||
	    !(iobuf = av_malloc(IOBUF)) ||
	    !(pb = avio_alloc_context(iobuf, IOBUF, 0, &io, vidx__io_read, NULL,
	                                vidx__io_seek)) ||
	    !(fc = avformat_alloc_context())) {
		if (!pb)
			av_free(iobuf);
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if (o->hash) {
		if ((rc = vidx__hash_start(h, &hs, io.fd, io.size)) < 0)
			goto out;
	}
	p->size = sb.st_size;
	p->start = p->end = VIDX_TIME_NONE;
	p->first_pts = p->last_pts = VIDX_TIME_NONE;
	p->chosen = -1;
	fc->pb = pb;
	fc->flags |= AVFMT_FLAG_CUSTOM_IO;
	/* libavformat would read a TS clock set back by more than a minute as
	 * a 26.5-hour jump forward (33-bit wrap); a step back is what it is,
	 * and a real wrap then reads as one too, which segments handle the
	 * same way: the footage goes on */
	fc->correct_ts_overflow = 0;
	av_dict_set(&dopt, "framerate", RATE_UNSET, 0);
	r = avformat_open_input(&fc, path, NULL, &dopt);
	av_dict_free(&dopt);
	if (r < 0) {
		rc = vidx__fail(h, VIDX_EFORMAT, "not a recognised recording: %s",
		                vidx__av_last()[0] ? vidx__av_last() : av_err2str(r));
		goto out; /* fc was freed by avformat_open_input */
	}
	if ((r = avformat_find_stream_info(fc, NULL)) < 0 && !fc->nb_streams) {
		rc = vidx__fail(h, VIDX_EFORMAT, "no video stream (%s: no streams "
		                "found)", fc->iformat->name);
		goto out;
	}
	if (r < 0) {
		rc = vidx__fail(h, VIDX_EFORMAT, "cannot read stream parameters: %s",
		                vidx__av_last()[0] ? vidx__av_last() : av_err2str(r));
		goto out;
	}
	if (!(st = vidx__first_video(fc))) {
		rc = vidx__fail(h, VIDX_EFORMAT, "no video stream (%s)",
		                fc->iformat->name);
		goto out;
	}
	describe(p, fc, st, &vui);

	s.p = p;
	s.keep = o->keep_keyframes;
	s.gap_min = o->gap_min > 0 ? o->gap_min
	          : FFMAX(US, 4 * (p->frame_dur ? p->frame_dur : 40000));
	r = index_mp4(&s, fc, st, io.fd);
	if (r < 0) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	/* index_mp4 and index_own read with pread or a map: libavformat's
	 * position is intact for the scan */
	if (r == 0 && (r = index_own(h, &s, fc, st, io.fd)) < 0) {
		rc = r;
		goto out;
	}
	if (r == 0) {
		p->nb_packets = 0;
		if ((rc = index_scan(h, &s, fc, st)) < 0)
			goto out;
	}
	/* an MP4 cut off before its first frame still has its tables: no
	 * frame of it can be read, so it is not a recording to index */
	if (p->nb_packets == 0) {
		rc = vidx__fail(h, VIDX_EFORMAT, "no readable video packets%s",
		                p->damaged ? " (the file is cut off before its first frame)" : "");
		goto out;
	}
	/* the span the video covers, holes included; a raw stream without
	 * timestamps plays at its nominal rate */
	if (make_segments(&s, p) < 0) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if (!p->duration && fc->duration != AV_NOPTS_VALUE)
		p->duration = p->segs[0].end = fc->duration;

	if ((rc = gather_times(h, p, fc, st, io.fd, &sb, o)) < 0) {
		if (rc == -1)
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	raw_rate(p, &s, vui.num, vui.den);
	choose_time(p);
	check_agreement(p);
	if (hs.running) {
		if ((rc = vidx__hash_finish(h, &hs, p->sha256, p->sha256_hex)) < 0)
			goto out;
		p->hashed = 1;
	}
	/* evidence must not move under us: what was hashed is what was probed */
	if (fstat(io.fd, &sb2) < 0 || sb2.st_size != sb.st_size ||
	    sb2.st_mtim.tv_sec != sb.st_mtim.tv_sec ||
	    sb2.st_mtim.tv_nsec != sb.st_mtim.tv_nsec) {
		rc = vidx__fail(h, VIDX_EIO, "file changed while being read");
		goto out;
	}
	*out = p;
	p = NULL;
out:
	vidx__hash_stop(&hs);
	avformat_close_input(&fc);
	if (pb) {
		av_freep(&pb->buffer);
		avio_context_free(&pb);
	}
	if (io.fd >= 0)
		close(io.fd);
	free(s.tl);
	vidx_probe_free(p);
	return rc;
}

void vidx_probe_free(vidx_probe *p)
{
	if (!p)
		return;
	free(p->path);
	free(p->cand);
	free(p->kf);
	free(p->gaps);
	free(p->segs);
	free(p->place.track);
	free(p);
}
