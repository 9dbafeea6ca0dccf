/*
 * place.c - during a probe: the recording's own place (a position or a
 * track) and the times that come with it, from each reader in turn:
 *
 *   qtmeta.c  Apple mdta keys: ISO 6709 position, capture date (device)
 *   udta.c    MP4 (c)xyz and 3GPP loci positions
 *   gpmf.c    GoPro GPS5 track, GPSU satellite time (gps)
 *   nmea.c    NMEA RMC/GGA in a subtitle or data track (gps)
 *   novatek.c a Novatek dashcam's 'gps ' box of freeGPS blocks (gps)
 *   djisrt.c  a DJI .SRT sidecar beside the file: track, drone date (device)
 *   mdpm.c    AVCHD camcorder date in the H.264 SEI (stream)
 *
 * Track points are placed by stream time (OFF from the first frame), so
 * they follow the footage whichever clock is chosen for its start.  Each
 * satellite time gives one candidate: the median over the samples of
 * (UTC - stream time), i.e. the UTC of the first frame, so one bad GPSU
 * cannot move it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <openssl/evp.h>

#include "media.h"

#define US 1000000LL
#define SAMPLE_MAX (8 << 20) /* a telemetry sample larger is not one */

static int64_t to_us(int64_t ts, AVRational tb)
{
	if (ts == AV_NOPTS_VALUE)
		return VIDX_TIME_NONE;
	return av_rescale_q_rnd(ts, tb, (AVRational){1, 1000000},
	                        AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX);
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* median of V (sorted in place); *spread the largest distance from it */
static int64_t median(int64_t *v, size_t n, int64_t *spread)
{
	int64_t m;
	qsort(v, n, sizeof(*v), cmp64);
	m = v[n / 2];
	*spread = v[n - 1] - m > m - v[0] ? v[n - 1] - m : m - v[0];
	return m;
}

static int push_off(int64_t **v, size_t *n, size_t *cap, int64_t x)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		int64_t *m = realloc(*v, c * sizeof(*m));
		if (!m)
			return -1;
		*v = m;
		*cap = c;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static int gps_cand(vidx_probe *p, int64_t *offs, size_t n, const char *raw,
                    const char *what)
{
	vidx_time_candidate *c;
	int64_t spread, m;

	if (!n)
		return 0;
	m = median(offs, n, &spread);
	if (!(c = vidx__add_cand(p, VIDX_SRC_GPS)))
		return VIDX_ENOMEM;
	c->utc = m;
	snprintf(c->raw, sizeof(c->raw), "%s", raw);
	snprintf(c->detail, sizeof(c->detail), "%s: median of %zu, within %.3f s",
	         what, n, (double)spread / US);
	return 0;
}

/* the bytes of one sample of a stream, from its index entry */
static int read_sample(int fd, const AVIndexEntry *e, int64_t size,
                       unsigned char **buf, size_t *cap)
{
	if (e->pos < 0 || e->size <= 0 || e->size > SAMPLE_MAX || e->pos + e->size > size)
		return -1;
	if ((size_t)e->size > *cap) {
		unsigned char *n = realloc(*buf, (size_t)e->size);
		if (!n)
			return VIDX_ENOMEM;
		*buf = n;
		*cap = (size_t)e->size;
	}
	return pread(fd, *buf, (size_t)e->size, e->pos) == e->size ? 0 : -1;
}

static int64_t off_of(const vidx_probe *p, int64_t ts)
{
	return ts - (p->first_pts == VIDX_TIME_NONE ? 0 : p->first_pts);
}

/* ---- GoPro GPMF ------------------------------------------------------- */

static int gpmf_track(vidx *h, vidx_probe *p, AVFormatContext *fc, int fd,
                      size_t *tcap)
{
	vidx_place *pl = &p->place;
	vidx__gpmf g;
	AVStream *st = NULL;
	unsigned char *buf = NULL;
	size_t bcap = 0, no = 0, ocap = 0, bad = 0, nofix = 0, i;
	int64_t *offs = NULL, lastdur = US;
	int n, rc = 0, worst_dop = -1;
	char first[17] = "";
	unsigned k;

	(void)h;
	for (k = 0; k < fc->nb_streams && !st; k++)
		if (fc->streams[k]->codecpar->codec_tag == MKTAG('g', 'p', 'm', 'd'))
			st = fc->streams[k];
	if (!st || (n = avformat_index_get_entries_count(st)) <= 0)
		return 0;
	memset(&g, 0, sizeof(g));
	pl->track_source = VIDX_GEO_GPMF;
	for (i = 0; i < (size_t)n; i++) {
		const AVIndexEntry *e = avformat_index_get_entry(st, (int)i);
		const AVIndexEntry *nx = i + 1 < (size_t)n ? avformat_index_get_entry(st, (int)i + 1) : NULL;
		int64_t t0 = to_us(e->timestamp, st->time_base), dur, off0, utc;
		size_t j;
		int r;

		if (nx && nx->timestamp > e->timestamp)
			lastdur = to_us(nx->timestamp, st->time_base) - t0;
		dur = lastdur;
		if ((r = read_sample(fd, e, p->size, &buf, &bcap)) == VIDX_ENOMEM) {
			rc = r;
			goto out;
		}
		g.n = 0;
		if (r < 0 || (r = vidx__gpmf_payload(&g, buf, (size_t)e->size)) < 0) {
			if (r == VIDX_ENOMEM) {
				rc = r;
				goto out;
			}
			if (!bad++)
				vidx__place_problem(pl, "GPMF sample %zu at byte %lld: %s; its "
				                    "points are not used", i + 1, (long long)e->pos,
				                    r < 0 && g.err[0] ? g.err : "cannot be read");
			pl->dropped += g.n;
			continue;
		}
		off0 = off_of(p, t0);
		if (g.fix >= 0 && g.fix < 2) {
			nofix++;
			pl->dropped += g.n;
			continue;
		}
		if (g.dop > worst_dop)
			worst_dop = g.dop;
		for (j = 0; j < g.n; j++) {
			vidx_geopoint pt;
			pt.off = off0 + dur * (int64_t)j / (int64_t)g.n;
			pt.lat = g.v[j * 3];
			pt.lon = g.v[j * 3 + 1];
			pt.alt_m = g.v[j * 3 + 2];
			if (vidx__track_push(pl, tcap, &pt) < 0) {
				rc = VIDX_ENOMEM;
				goto out;
			}
		}
		if (g.gpsu[0] && g.n) {
			if (vidx__gpmf_gpsu(g.gpsu, &utc) < 0) {
				vidx__place_problem(pl, "GPMF sample %zu: GPSU '%.16s' is not a "
				                    "date; not used", i + 1, g.gpsu);
			} else {
				if (!first[0])
					memcpy(first, g.gpsu, sizeof(first));
				if (push_off(&offs, &no, &ocap, utc - off0) < 0) {
					rc = VIDX_ENOMEM;
					goto out;
				}
			}
		}
	}
	if (bad > 1)
		vidx__place_problem(pl, "%zu GPMF samples in all could not be read", bad);
	if (nofix)
		vidx__place_problem(pl, "%zu GPMF sample%s without a GPS fix (GPSF < 2) "
		                    "left out", nofix, nofix == 1 ? "" : "s");
	snprintf(pl->track_raw, sizeof(pl->track_raw), "GPMF 'gpmd' track, %d "
	         "samples, first GPSU %s, worst GPSP %d", n, first[0] ? first : "-",
	         worst_dop);
	if (no) {
		char raw[64];
		snprintf(raw, sizeof(raw), "GPSU %s", first);
		rc = gps_cand(p, offs, no, raw, "GPMF GPSU less stream time");
	}
out:
	free(offs);
	free(buf);
	free(g.v);
	return rc;
}

/* ---- NMEA in a subtitle or data track ------------------------------------ */

static int nmea_track(vidx *h, vidx_probe *p, AVFormatContext *fc, int fd,
                      size_t *tcap)
{
	vidx_place *pl = &p->place;
	AVStream *st = NULL;
	unsigned char *buf = NULL;
	size_t bcap = 0, no = 0, ocap = 0, voids = 0, badsent = 0, i;
	int64_t *offs = NULL;
	char first[96] = "";
	int n = 0, rc = 0;
	unsigned k;

	(void)h;
	/* the first subtitle or data track with "$G.RMC" in one of its first
	 * samples: a muxer writes an empty sample (mov_text: a 2-byte length)
	 * before a first cue that does not start at 0 */
	for (k = 0; k < fc->nb_streams && !st; k++) {
		AVStream *s = fc->streams[k];
		int t = s->codecpar->codec_type, r, j;
		if ((t != AVMEDIA_TYPE_SUBTITLE && t != AVMEDIA_TYPE_DATA) ||
		    (n = avformat_index_get_entries_count(s)) <= 0)
			continue;
		for (j = 0; j < n && j < 16 && !st; j++) {
			const AVIndexEntry *e = avformat_index_get_entry(s, j);
			if ((r = read_sample(fd, e, p->size, &buf, &bcap)) == VIDX_ENOMEM)
				goto nomem;
			if (r == 0 && memmem(buf, (size_t)e->size, "RMC,", 4) &&
			    memchr(buf, '$', (size_t)e->size))
				st = s;
		}
	}
	if (!st)
		goto out;
	pl->track_source = VIDX_GEO_NMEA;
	for (i = 0; i < (size_t)n; i++) {
		const AVIndexEntry *e = avformat_index_get_entry(st, (int)i);
		int64_t off = off_of(p, to_us(e->timestamp, st->time_base));
		size_t at = 0, len;
		int r, have = 0;

		if ((r = read_sample(fd, e, p->size, &buf, &bcap)) == VIDX_ENOMEM)
			goto nomem;
		if (r < 0)
			continue;
		len = (size_t)e->size;
		while (at < len) {
			const char *why;
			vidx__nmea_fix f;
			size_t s, end;
			unsigned char *d = memchr(buf + at, '$', len - at);
			if (!d)
				break;
			s = (size_t)(d - buf);
			for (end = s + 1; end < len && buf[end] != '$' && buf[end] != '\n' &&
			                  buf[end] != '\r' && buf[end]; end++)
				;
			at = end;
			r = vidx__nmea_sentence((const char *)buf + s, end - s, &f, &why);
			if (r < 0) {
				badsent++;
				continue;
			}
			if (r == 0) {
				if (why && !strncmp(why, "RMC", 3))
					voids++;
				continue;
			}
			if (f.kind == 'G') {
				/* altitude for this sample's point */
				if (have && isnan(pl->track[pl->ntrack - 1].alt_m))
					pl->track[pl->ntrack - 1].alt_m = f.alt;
				continue;
			}
			if (have)
				continue; /* one point a sample: the first RMC */
			{
				vidx_geopoint pt = {off, f.lat, f.lon, NAN};
				if (vidx__track_push(pl, tcap, &pt) < 0 ||
				    push_off(&offs, &no, &ocap, f.utc - off) < 0)
					goto nomem;
			}
			have = 1;
			if (!first[0])
				snprintf(first, sizeof(first), "%.*s", (int)(end - s > 80 ? 80 : end - s),
				         (const char *)buf + s);
		}
	}
	if (voids) {
		pl->dropped += voids;
		vidx__place_problem(pl, "%zu NMEA RMC sentence%s with status V (no fix) "
		                    "left out", voids, voids == 1 ? "" : "s");
	}
	if (badsent)
		vidx__place_problem(pl, "%zu malformed NMEA sentence%s (bad checksum or "
		                    "fields) left out", badsent, badsent == 1 ? "" : "s");
	snprintf(pl->track_raw, sizeof(pl->track_raw), "NMEA in stream %d, %d samples",
	         st->index, n);
	rc = gps_cand(p, offs, no, first, "NMEA RMC date and time less stream time");
	goto out;
nomem:
	rc = VIDX_ENOMEM;
out:
	free(offs);
	free(buf);
	return rc;
}

/* ---- Novatek 'gps ' box ---------------------------------------------------- */

static uint32_t rb32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The blocks carry UTC but no stream time: a point is placed by its time
 * since the first block's, which is taken as the video's first second (so
 * the track is aligned to a second at best; the detail says so). */
static int novatek_track(vidx_probe *p, int fd, size_t *tcap)
{
	vidx_place *pl = &p->place;
	int64_t mpay, mlen, gpay, glen, first = VIDX_TIME_NONE;
	unsigned char *tab = NULL, blk[4096];
	size_t n, i, bad = 0, voids = 0, kept = 0;
	const char *why1 = NULL;
	int rc = 0;

	if (vidx__box_find(fd, 0, p->size, "moov", &mpay, &mlen) != 1 ||
	    vidx__box_find(fd, mpay, mlen, "gps ", &gpay, &glen) != 1 || glen < 8 ||
	    glen > (1 << 22))
		return 0;
	if (!(tab = malloc((size_t)glen)))
		return VIDX_ENOMEM;
	if (pread(fd, tab, (size_t)glen, gpay) != glen) {
		free(tab);
		return 0;
	}
	n = rb32(tab + 4);
	if (n > (size_t)(glen - 8) / 8)
		n = (size_t)(glen - 8) / 8;
	for (i = 0; i < n; i++) {
		int64_t off = rb32(tab + 8 + i * 8), sz = rb32(tab + 12 + i * 8);
		const char *why;
		vidx__nmea_fix f;
		int r;
		if (sz < 92 || sz > (int64_t)sizeof(blk) || off + sz > p->size ||
		    pread(fd, blk, (size_t)sz, off) != sz) {
			bad++;
			continue;
		}
		r = vidx__freegps_block(blk, (size_t)sz, &f, &why);
		if (r < 0) {
			if (!why1)
				why1 = why ? why : "not a freeGPS block";
			bad++;
			continue;
		}
		if (r == 0) {
			voids++;
			continue;
		}
		if (first == VIDX_TIME_NONE) {
			vidx_time_candidate *c = vidx__add_cand(p, VIDX_SRC_GPS);
			if (!c) {
				rc = VIDX_ENOMEM;
				break;
			}
			first = f.utc;
			c->utc = f.utc;
			snprintf(c->raw, sizeof(c->raw), "freeGPS block %zu at byte %lld",
			         i + 1, (long long)off);
			snprintf(c->detail, sizeof(c->detail), "Novatek 'gps ' box, first fix "
			         "taken as the first second of the video (to a second)");
		}
		{
			vidx_geopoint pt = {f.utc - first, f.lat, f.lon, NAN};
			if (vidx__track_push(pl, tcap, &pt) < 0) {
				rc = VIDX_ENOMEM;
				break;
			}
			kept++;
		}
	}
	free(tab);
	if (rc < 0)
		return rc;
	if (!n)
		return 0;
	pl->track_source = VIDX_GEO_NOVATEK;
	snprintf(pl->track_raw, sizeof(pl->track_raw), "Novatek 'gps ' box, %zu "
	         "freeGPS blocks", n);
	if (voids) {
		pl->dropped += voids;
		vidx__place_problem(pl, "%zu freeGPS block%s with status V (no fix) "
		                    "left out", voids, voids == 1 ? "" : "s");
	}
	if (bad)
		vidx__place_problem(pl, "%zu of %zu freeGPS blocks not read: %s", bad, n,
		                    why1 ? why1 : "out of the file");
	return 0;
}

/* ---- DJI .SRT sidecar ------------------------------------------------------- */

static int srt_open(const char *path, char *side, size_t n)
{
	static const char *const ext[] = {".SRT", ".srt"};
	const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
	size_t base = dot && (!slash || dot > slash) ? (size_t)(dot - path) : strlen(path);
	size_t i;

	for (i = 0; i < 2; i++) {
		struct stat sb;
		int fd;
		snprintf(side, n, "%.*s%s", (int)base, path, ext[i]);
		if (!strcmp(side, path))
			continue;
		fd = open(side, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
			close(fd);
			continue;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		return fd;
	}
	return -1;
}

static int srt_track(vidx *h, vidx_probe *p, const vidx_probe_opts *o,
                     size_t *tcap)
{
	vidx_place *pl = &p->place;
	vidx__srt s;
	char side[4096], *line = NULL, hex[65] = "";
	const char *name;
	size_t lcap = 0, i, npos = 0;
	int fd, rc = 0, r = 0;
	ssize_t got;
	FILE *f;
	EVP_MD_CTX *md = NULL;
	unsigned char dig[32];
	unsigned dlen = 0;

	if ((fd = srt_open(p->path, side, sizeof(side))) < 0)
		return 0;
	name = strrchr(side, '/') ? strrchr(side, '/') + 1 : side;
	if (!(f = fdopen(fd, "r"))) {
		close(fd);
		return VIDX_ENOMEM;
	}
	memset(&s, 0, sizeof(s));
	/* the sidecar feeds the index too: its SHA-256, of exactly the bytes
	 * read, goes with the track */
	if (!(md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		rc = VIDX_ENOMEM;
		goto out;
	}
	while ((got = getline(&line, &lcap, f)) > 0) {
		EVP_DigestUpdate(md, line, (size_t)got);
		if (r == 0 && (size_t)got != strlen(line)) {
			snprintf(s.err, sizeof(s.err), "line %zu: a NUL byte: not a "
			         "text log", s.line + 1);
			r = VIDX_EFORMAT;
		}
		if (r == 0)
			r = vidx__srt_line(&s, line);
	}
	if (EVP_DigestFinal_ex(md, dig, &dlen) && dlen == 32)
		for (i = 0; i < 32; i++)
			sprintf(hex + 2 * i, "%02x", dig[i]);
	if (r == 0 && ferror(f)) {
		vidx__place_problem(pl, "DJI sidecar '%s': read error: %s; not used",
		                    name, strerror(errno));
		goto out;
	}
	if (r == VIDX_ENOMEM) {
		rc = r;
		goto out;
	}
	if (r < 0 || (r = vidx__srt_finish(&s)) < 0) {
		vidx__place_problem(pl, "DJI sidecar '%s': %s; not used", name, s.err);
		goto out;
	}
	/* the log must be this video's: its cues inside the video's span */
	if (s.cues[s.n - 1].start > p->duration + US ||
	    (p->duration > 10 * US && s.cues[s.n - 1].end < p->duration / 2)) {
		vidx__place_problem(pl, "DJI sidecar '%s' does not fit the video: its "
		                    "cues run to %.3f s, the video lasts %.3f s; not used",
		                    name, (double)s.cues[s.n - 1].end / US,
		                    (double)p->duration / US);
		goto out;
	}
	for (i = 0; i < s.n; i++)
		npos += s.cues[i].has_pos;
	if (npos && !pl->track_source) {
		pl->track_source = VIDX_GEO_DJI_SRT;
		snprintf(pl->track_raw, sizeof(pl->track_raw), "DJI sidecar %.80s, %zu "
		         "cues, sha256 %s", name, s.n, hex);
		for (i = 0; i < s.n; i++) {
			vidx_geopoint pt;
			if (!s.cues[i].has_pos)
				continue;
			pt.off = s.cues[i].start;
			pt.lat = s.cues[i].lat;
			pt.lon = s.cues[i].lon;
			pt.alt_m = s.cues[i].alt;
			if (vidx__track_push(pl, tcap, &pt) < 0) {
				rc = VIDX_ENOMEM;
				goto out;
			}
		}
	}
	for (i = 0; i < s.n && !s.cues[i].has_date; i++)
		;
	if (i < s.n) {
		const vidx__srt_cue *c0 = &s.cues[i];
		vidx_time_candidate *c = vidx__add_cand(p, VIDX_SRC_DEVICE);
		int64_t base = vidx__civil_utc(&c0->date) - c0->start;
		size_t j;
		if (!c) {
			rc = VIDX_ENOMEM;
			goto out;
		}
		snprintf(c->raw, sizeof(c->raw), "%04d-%02d-%02d %02d:%02d:%02d.%03d",
		         c0->date.year, c0->date.mon, c0->date.day, c0->date.hour,
		         c0->date.min, c0->date.sec, c0->date.usec / 1000);
		snprintf(c->detail, sizeof(c->detail), "DJI sidecar cue %zu, less its "
		         "cue time %.3f s", i + 1, (double)c0->start / US);
		{
			/* the date of the video's first frame, in the drone's zone */
			vidx_civil at;
			int64_t t = base, days = t / (86400 * US);
			int64_t rem = t - days * 86400 * US;
			if (rem < 0)
				rem += 86400 * US, days--;
			/* civil from days (Howard Hinnant's algorithm) */
			{
				int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
				int64_t doe = z - era * 146097;
				int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
				int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
				int64_t mp = (5 * doy + 2) / 153;
				at.day = (int)(doy - (153 * mp + 2) / 5 + 1);
				at.mon = (int)(mp < 10 ? mp + 3 : mp - 9);
				at.year = (int)(yoe + era * 400 + (at.mon <= 2));
			}
			at.hour = (int)(rem / (3600 * US));
			at.min = (int)(rem / (60 * US) % 60);
			at.sec = (int)(rem / US % 60);
			at.usec = (int)(rem % US);
			vidx__local_cand(h, c, &at, o->tz);
		}
		/* every later date must follow the cue times */
		for (j = i + 1; j < s.n; j++) {
			int64_t d;
			if (!s.cues[j].has_date)
				continue;
			d = vidx__civil_utc(&s.cues[j].date) - s.cues[j].start - base;
			if (d > 2 * US || d < -2 * US) {
				vidx__place_problem(pl, "DJI sidecar '%s': the date of cue %zu is "
				                    "%.3f s off its cue time", name, j + 1,
				                    (double)d / US);
				break;
			}
		}
	}
out:
	EVP_MD_CTX_free(md);
	free(line);
	fclose(f);
	vidx__srt_free(&s);
	return rc;
}

/* ---- AVCHD camcorder date (H.264 SEI MDPM) ---------------------------------- */

static int mdpm_time(vidx *h, vidx_probe *p, AVFormatContext *fc, AVStream *st,
                     int fd)
{
	AVCodecParameters *cp = st->codecpar;
	vidx_civil c;
	int off = 0, dst = 0, r = 0, nal_len = 0, i;
	char raw[40];
	unsigned char *buf = NULL;
	size_t bcap = 0;
	vidx_time_candidate *tc;

	(void)h;
	if (cp->codec_id != AV_CODEC_ID_H264)
		return 0;
	if (cp->extradata_size >= 7 && cp->extradata[0] == 1)
		nal_len = (cp->extradata[4] & 3) + 1;
	if (avformat_index_get_entries_count(st) > 0 && strstr(fc->iformat->name, "mp4")) {
		/* MP4: the first sample, by its table entry */
		if ((r = read_sample(fd, avformat_index_get_entry(st, 0), p->size, &buf,
		                     &bcap)) == 0)
			r = vidx__mdpm_find(buf, (size_t)avformat_index_get_entry(st, 0)->size,
			                    nal_len, &c, &off, &dst, raw);
		free(buf);
	} else {
		/* the first few packets from the start (the index scan is done) */
		AVPacket *pkt = av_packet_alloc();
		if (!pkt)
			return VIDX_ENOMEM;
		if (av_seek_frame(fc, -1, 0, AVSEEK_FLAG_BYTE) >= 0 ||
		    avio_seek(fc->pb, 0, SEEK_SET) >= 0) {
			for (i = 0; i < 64 && r == 0 && av_read_frame(fc, pkt) >= 0; i++) {
				if (pkt->stream_index == st->index)
					r = vidx__mdpm_find(pkt->data, (size_t)pkt->size, nal_len,
					                    &c, &off, &dst, raw);
				else
					i--;
				av_packet_unref(pkt);
			}
		}
		av_packet_free(&pkt);
	}
	if (r == VIDX_ENOMEM)
		return r;
	if (r != 1) {
		if (r < 0)
			vidx__place_problem(&p->place, "H.264 SEI MDPM is malformed; its "
			                    "date is not used");
		return 0;
	}
	if (!(tc = vidx__add_cand(p, VIDX_SRC_STREAM)))
		return VIDX_ENOMEM;
	/* with the DST flag the clock ran an hour ahead of the zone written */
	if (dst)
		off += 60;
	tc->utc = vidx__civil_utc(&c) - (int64_t)off * 60 * US;
	snprintf(tc->raw, sizeof(tc->raw), "%04d:%02d:%02d %02d:%02d:%02d%c%02d:%02d%s "
	         "(MDPM %s)", c.year, c.mon, c.day, c.hour, c.min, c.sec,
	         (off - (dst ? 60 : 0)) < 0 ? '-' : '+',
	         abs(off - (dst ? 60 : 0)) / 60, abs(off - (dst ? 60 : 0)) % 60,
	         dst ? " DST" : "", raw);
	snprintf(tc->detail, sizeof(tc->detail), "H.264 SEI MDPM of the first frame%s",
	         dst ? ", DST flag: one hour added to the offset" : "");
	return 0;
}

/* ---- single positions --------------------------------------------------------- */

static void udta_pos(vidx *h, vidx_probe *p, int fd)
{
	vidx_place *pl = &p->place;
	char xyz[128], lraw[128];
	double loci[3], lat, lon, alt;
	int hx, hl;
	const char *why;

	if (vidx__udta_geo(fd, p->size, xyz, &hx, loci, lraw, sizeof(lraw), &hl) < 0)
		return; /* not an MP4 this reads: libavformat read it anyway */
	if (hx) {
		if (vidx_iso6709_parse(h, xyz, &lat, &lon, &alt) < 0)
			vidx__place_problem(pl, "MP4 (c)xyz: %s; not used", vidx_errmsg(h));
		else if (vidx__pos_bad(lat, lon, &why))
			vidx__place_problem(pl, "MP4 (c)xyz '%.64s' is %s; not used", xyz, why);
		else if (!pl->loc_source) {
			pl->loc_source = VIDX_GEO_XYZ;
			pl->loc = (vidx_geopoint){0, lat, lon, alt};
			snprintf(pl->loc_raw, sizeof(pl->loc_raw), "%s", xyz);
		}
	}
	if (hl < 0)
		vidx__place_problem(pl, "3GPP loci box is malformed; not used");
	if (hl > 0) {
		if (vidx__pos_bad(loci[0], loci[1], &why))
			vidx__place_problem(pl, "3GPP loci position is %s; not used", why);
		else if (!pl->loc_source) {
			pl->loc_source = VIDX_GEO_LOCI;
			pl->loc = (vidx_geopoint){0, loci[0], loci[1], loci[2]};
			snprintf(pl->loc_raw, sizeof(pl->loc_raw), "%s", lraw);
		}
	}
}

int vidx__place_gather(vidx *h, vidx_probe *p, AVFormatContext *fc,
                       AVStream *st, int fd, const vidx_probe_opts *o)
{
	size_t tcap = 0;
	int rc;

	p->place.loc.alt_m = NAN;
	if ((rc = vidx__qt_keys(h, p, fc)) < 0)
		goto fail;
	if (strstr(fc->iformat->name, "mp4"))
		udta_pos(h, p, fd);
	if ((rc = gpmf_track(h, p, fc, fd, &tcap)) < 0)
		goto fail;
	if (!p->place.track_source && (rc = nmea_track(h, p, fc, fd, &tcap)) < 0)
		goto fail;
	if (!p->place.track_source && strstr(fc->iformat->name, "mp4") &&
	    (rc = novatek_track(p, fd, &tcap)) < 0)
		goto fail;
	if ((rc = srt_track(h, p, o, &tcap)) < 0)
		goto fail;
	if (p->place.track_source)
		vidx__track_clean(&p->place);
	if ((rc = mdpm_time(h, p, fc, st, fd)) < 0)
		goto fail;
	return 0;
fail:
	return vidx__fail(h, rc, rc == VIDX_ENOMEM ? "out of memory" : "read error");
}
