/*
 * oeff.c - the ONVIF Export File Format (IEC 62676-2-32) boxes of an MP4
 * clip: written after the muxer is done, and read back by vidx-verify.
 *
 * The muxer has written ftyp, moov (with udta/loci, the camera's place)
 * and mdat.  This file then sets loci's role to 1 ("real location", as the
 * format asks; libavformat writes 0) and appends one file-level box, last
 * in the file as the format's signing procedure needs:
 *
 *   meta                  FullBox v0
 *     hdlr                handler 'null': the box only holds resources
 *     suep                FullBox v1: exporting unit, export time (seconds
 *                         since 1904, UTC), operator; per track: its id
 *                         (16 bits), source name, URL, MAC, line
 *     cstb                per track: its id (32 bits) and the true UTC
 *                         time of its media timeline's origin, in 100 ns
 *                         since 1601
 *     ipro                FullBox v0, protection_count 1    } with a
 *       sinf                                                } certificate
 *         schm            FullBox v0: 'oeff', version 0x00010000 } only
 *         schi
 *           sibo          RSASSA-PSS signature of the whole file with
 *                         this box's payload read as zeros
 *           cert          the signer's X.509 certificate, DER
 *
 * The reference player (onvif/oxfplayer) reads suep's track id as 32 bits
 * where the specification says 16; the specification is followed here.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define MOOV_MAX (256LL << 20)
#define META_MAX (4 << 20)
#define SECS_1904 2082844800LL     /* 1904-01-01 to 1970-01-01 */
#define SECS_1601 11644473600LL    /* 1601-01-01 to 1970-01-01 */

/* ---- reading boxes ---------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

typedef struct bx {
	size_t off, hdr, size; /* within the buffer: header at OFF, SIZE in all */
	char type[5];
} bx;

/* the box at *POS of BUF[0..LEN); 1, 0 at the end, -1 when it does not fit */
static int next_box(const unsigned char *buf, size_t len, size_t *pos, bx *b)
{
	uint64_t size;

	if (*pos >= len)
		return 0;
	if (len - *pos < 8)
		return -1;
	b->off = *pos;
	b->hdr = 8;
	size = be32(buf + *pos);
	memcpy(b->type, buf + *pos + 4, 4);
	b->type[4] = 0;
	if (size == 1) {
		if (len - *pos < 16)
			return -1;
		size = be64(buf + *pos + 8);
		b->hdr = 16;
	} else if (size == 0) {
		size = len - *pos;
	}
	if (size < b->hdr || size > len - *pos)
		return -1;
	b->size = (size_t)size;
	*pos += b->size;
	return 1;
}

/* the first child of type TYPE in the payload of box B (after SKIP bytes
 * of its own fields); 1 found, 0 not, -1 malformed */
static int child(const unsigned char *buf, const bx *b, size_t skip,
                 const char *type, bx *out)
{
	size_t base = b->off + b->hdr + skip, pos = 0, end = b->off + b->size;
	int r;

	if (base > end)
		return -1;
	while ((r = next_box(buf + base, end - base, &pos, out)) == 1) {
		if (!strcmp(out->type, type)) {
			out->off += base;
			return 1;
		}
	}
	return r;
}

/* a NUL-terminated string at *P within [.., END): copied (cut to N - 1
 * bytes), *P after its NUL; -1 when there is no NUL */
static int cstr(const unsigned char **p, const unsigned char *end, char *out, size_t n)
{
	const unsigned char *z = memchr(*p, 0, (size_t)(end - *p));
	size_t len;

	if (!z)
		return -1;
	len = (size_t)(z - *p);
	if (out) {
		if (len >= n)
			len = n - 1;
		memcpy(out, *p, len);
		out[len] = 0;
	}
	*p = z + 1;
	return 0;
}

static int read_at(int fd, void *buf, size_t n, int64_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got, off + (int64_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int write_at(int fd, const void *buf, size_t n, int64_t off)
{
	size_t put = 0;
	while (put < n) {
		ssize_t w = pwrite(fd, (const char *)buf + put, n - put, off + (int64_t)put);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		put += (size_t)w;
	}
	return 0;
}

/* The top-level box of type TYPE in FD (SIZE bytes): its offset and size;
 * *LAST says whether it ends the file.  1 found, 0 not, -1 malformed. */
static int top_box(int fd, int64_t size, const char *type, int64_t *off,
                   int64_t *bsize, int *last)
{
	int64_t pos = 0;
	int found = 0;

	while (pos < size) {
		unsigned char h[16];
		uint64_t n;
		if (size - pos < 8 || read_at(fd, h, 8, pos) < 0)
			return -1;
		n = be32(h);
		if (n == 1) {
			if (size - pos < 16 || read_at(fd, h + 8, 8, pos + 8) < 0)
				return -1;
			n = be64(h + 8);
			if (n < 16)
				return -1;
		} else if (n == 0) {
			n = (uint64_t)(size - pos);
		} else if (n < 8) {
			return -1;
		}
		if (n > (uint64_t)(size - pos))
			return -1;
		if (!memcmp(h + 4, type, 4)) {
			*off = pos;
			*bsize = (int64_t)n;
			found = 1;
		}
		pos += (int64_t)n;
		if (found) {
			*last = pos == size;
			return 1;
		}
	}
	return 0;
}

/* ---- the tracks and the place, from moov ---------------------------------------- */

typedef struct moovinfo {
	unsigned char *buf;
	size_t len;
	int64_t off;        /* of moov in the file */
	size_t ntracks;
	vidx__oeff_track tracks[VIDX__OEFF_TRACKS];
	int64_t role_at;    /* file offset of loci's role byte, -1 none */
	int loci, role;
	double lat, lon;
} moovinfo;

static int read_moov(vidx *h, int fd, int64_t size, moovinfo *m)
{
	int64_t msize;
	size_t pos;
	bx moov, b;
	int last, r;

	memset(m, 0, sizeof(*m));
	m->role_at = -1;
	if ((r = top_box(fd, size, "moov", &m->off, &msize, &last)) <= 0)
		return vidx__fail(h, VIDX_EFORMAT, r < 0 ? "not an MP4 file: its boxes do "
		                  "not add up" : "not an MP4 file: no moov box");
	if (msize > MOOV_MAX)
		return vidx__fail(h, VIDX_EFORMAT, "its moov box is too large");
	if (!(m->buf = malloc((size_t)msize)))
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	m->len = (size_t)msize;
	if (read_at(fd, m->buf, m->len, m->off) < 0)
		return vidx__fail(h, VIDX_EIO, "cannot read its moov box: %s", strerror(errno));
	pos = 0;
	if (next_box(m->buf, m->len, &pos, &moov) != 1)
		return vidx__fail(h, VIDX_EFORMAT, "its moov box is damaged");
	/* every trak: its id (tkhd), handler (mdia/hdlr), samples (stsz) */
	pos = moov.hdr;
	while ((r = next_box(m->buf, moov.size, &pos, &b)) == 1) {
		bx tk, md, hd, mi, st, sz;
		vidx__oeff_track *t;
		const unsigned char *p;
		if (!strcmp(b.type, "udta")) {
			bx lo;
			if (child(m->buf, &b, 0, "loci", &lo) == 1 && lo.size >= lo.hdr + 6) {
				const unsigned char *q = m->buf + lo.off + lo.hdr + 6;
				const unsigned char *end = m->buf + lo.off + lo.size;
				if (cstr(&q, end, NULL, 0) == 0 && end - q >= 13) {
					m->loci = 1;
					m->role_at = m->off + (q - m->buf);
					m->role = *q;
					m->lon = (int32_t)be32(q + 1) / 65536.0;
					m->lat = (int32_t)be32(q + 5) / 65536.0;
				}
			}
			continue;
		}
		if (strcmp(b.type, "trak") || m->ntracks == VIDX__OEFF_TRACKS)
			continue;
		if (child(m->buf, &b, 0, "tkhd", &tk) != 1 || tk.size < tk.hdr + 24 ||
		    child(m->buf, &b, 0, "mdia", &md) != 1 ||
		    child(m->buf, &md, 0, "hdlr", &hd) != 1 || hd.size < hd.hdr + 12)
			return vidx__fail(h, VIDX_EFORMAT, "a track without its headers");
		t = &m->tracks[m->ntracks++];
		p = m->buf + tk.off + tk.hdr;
		t->id = be32(p + (p[0] == 1 ? 20 : 12));
		memcpy(t->handler, m->buf + hd.off + hd.hdr + 8, 4);
		t->handler[4] = 0;
		if (child(m->buf, &md, 0, "minf", &mi) == 1 &&
		    child(m->buf, &mi, 0, "stbl", &st) == 1 &&
		    child(m->buf, &st, 0, "stsz", &sz) == 1 && sz.size >= sz.hdr + 12) {
			const unsigned char *q = m->buf + sz.off + sz.hdr;
			uint32_t each = be32(q + 4), k;
			t->samples = be32(q + 8);
			/* timed text: the cues, not the empty samples that end them */
			if (each)
				t->filled = each > 2 ? t->samples : 0;
			else if ((sz.size - sz.hdr - 12) / 4 >= t->samples)
				for (k = 0; k < t->samples; k++)
					t->filled += be32(q + 12 + 4 * (size_t)k) > 2;
		}
	}
	if (r < 0)
		return vidx__fail(h, VIDX_EFORMAT, "its moov box is damaged");
	return 0;
}

/* ---- writing ----------------------------------------------------------------------- */

typedef struct wbuf {
	unsigned char *p;
	size_t n, cap;
	int err;
} wbuf;

static void put(wbuf *w, const void *d, size_t n)
{
	if (w->err)
		return;
	if (w->n + n > w->cap) {
		size_t cap = (w->n + n) * 2 + 256;
		unsigned char *np = realloc(w->p, cap);
		if (!np) {
			w->err = 1;
			return;
		}
		w->p = np;
		w->cap = cap;
	}
	if (d)
		memcpy(w->p + w->n, d, n);
	else
		memset(w->p + w->n, 0, n);
	w->n += n;
}

static void u16(wbuf *w, unsigned v)
{
	unsigned char b[2] = {(unsigned char)(v >> 8), (unsigned char)v};
	put(w, b, 2);
}

static void u32(wbuf *w, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
	                      (unsigned char)(v >> 8), (unsigned char)v};
	put(w, b, 4);
}

static void u64(wbuf *w, uint64_t v)
{
	u32(w, (uint32_t)(v >> 32));
	u32(w, (uint32_t)v);
}

static void str(wbuf *w, const char *s)
{
	put(w, s ? s : "", strlen(s ? s : "") + 1);
}

/* open a box (FULL: with version V and flags 0); returns where it starts */
static size_t box(wbuf *w, const char *type, int full, unsigned v)
{
	size_t at = w->n;
	u32(w, 0);
	put(w, type, 4);
	if (full)
		u32(w, (uint32_t)v << 24);
	return at;
}

static void end(wbuf *w, size_t at)
{
	if (!w->err) {
		size_t n = w->n - at;
		w->p[at] = (unsigned char)(n >> 24);
		w->p[at + 1] = (unsigned char)(n >> 16);
		w->p[at + 2] = (unsigned char)(n >> 8);
		w->p[at + 3] = (unsigned char)n;
	}
}

static uint64_t filetime(int64_t us)
{
	return (uint64_t)(us + SECS_1601 * 1000000) * 10;
}

int vidx__oeff_finish(vidx *h, const char *path, const vidx__oeff_in *in)
{
	moovinfo m;
	wbuf w = {0};
	struct stat sb;
	int64_t moff, msz, sibo_at = -1;
	size_t i, sigsz = 0, at_meta, at;
	int fd, last, rc = 0;

	memset(&m, 0, sizeof(m));
	if (in->sign && !h->cert)
		return vidx__fail(h, VIDX_EINVAL, "no certificate to sign with");
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return vidx__fail(h, VIDX_EIO, "cannot open the clip: %s", strerror(errno));
	if (fstat(fd, &sb) < 0) {
		rc = vidx__fail(h, VIDX_EIO, "cannot read the clip: %s", strerror(errno));
		goto out;
	}
	if ((rc = read_moov(h, fd, sb.st_size, &m)) < 0)
		goto out;
	if (top_box(fd, sb.st_size, "meta", &moff, &msz, &last) != 0) {
		rc = vidx__fail(h, VIDX_EFORMAT, "the clip already has a file-level meta box");
		goto out;
	}
	if (m.role_at >= 0 && m.role != 1 && write_at(fd, "\001", 1, m.role_at) < 0) {
		rc = vidx__fail(h, VIDX_EIO, "cannot write the clip: %s", strerror(errno));
		goto out;
	}

	at_meta = box(&w, "meta", 1, 0);
	at = box(&w, "hdlr", 1, 0);
	u32(&w, 0);
	put(&w, "null", 4);
	put(&w, NULL, 12);
	str(&w, "ONVIF Export File Format (vidx)");
	end(&w, at);

	at = box(&w, "suep", 1, 1);
	str(&w, in->unit);
	str(&w, "");                 /* ExportUnitURL */
	str(&w, "");                 /* ExportUnitMAC */
	u64(&w, (uint64_t)(in->exported / 1000000 + SECS_1904));
	str(&w, in->by);
	u32(&w, (uint32_t)m.ntracks);
	for (i = 0; i < m.ntracks; i++) {
		int text = strcmp(m.tracks[i].handler, "vide") && strcmp(m.tracks[i].handler, "soun");
		u16(&w, m.tracks[i].id);
		str(&w, text ? "vidx-pull: true time and camera clock, one cue a second"
		             : in->source);
		str(&w, "");             /* SourceURL */
		str(&w, "");             /* SourceMAC */
		str(&w, "");             /* SourceLine */
	}
	end(&w, at);

	/* every track's timeline starts at the clip's time 0 */
	at = box(&w, "cstb", 0, 0);
	u32(&w, (uint32_t)m.ntracks);
	for (i = 0; i < m.ntracks; i++) {
		u32(&w, m.tracks[i].id);
		u64(&w, filetime(in->start));
	}
	end(&w, at);

	if (in->sign) {
		size_t at_ipro, at_sinf, at_schi, dern;
		const unsigned char *der = vidx__cert_der(h->cert, &dern);
		sigsz = vidx__cert_sigsize(h->cert);
		at_ipro = box(&w, "ipro", 1, 0);
		u16(&w, 1);
		at_sinf = box(&w, "sinf", 0, 0);
		at = box(&w, "schm", 1, 0);
		put(&w, "oeff", 4);
		u32(&w, 0x00010000);
		end(&w, at);
		at_schi = box(&w, "schi", 0, 0);
		at = box(&w, "sibo", 0, 0);
		sibo_at = (int64_t)w.n;
		put(&w, NULL, sigsz);
		end(&w, at);
		at = box(&w, "cert", 0, 0);
		put(&w, der, dern);
		end(&w, at);
		end(&w, at_schi);
		end(&w, at_sinf);
		end(&w, at_ipro);
	}
	end(&w, at_meta);
	if (w.err) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if (write_at(fd, w.p, w.n, sb.st_size) < 0) {
		rc = vidx__fail(h, VIDX_EIO, "cannot write the clip: %s", strerror(errno));
		goto out;
	}
	if (in->sign) {
		unsigned char *sig = malloc(sigsz);
		size_t siglen = sigsz;
		int64_t zoff = sb.st_size + sibo_at;
		if (!sig) {
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
			goto out;
		}
		rc = vidx__pss_sign(h, fd, sb.st_size + (int64_t)w.n, zoff, (int64_t)sigsz,
		                    sig, &siglen);
		if (rc == 0 && (siglen != sigsz || write_at(fd, sig, sigsz, zoff) < 0))
			rc = vidx__fail(h, VIDX_EIO, "cannot write the signature: %s",
			                strerror(errno));
		free(sig);
		if (rc < 0)
			goto out;
	}
	/* not synced here: the caller hashes the clip while syncing it
	 * (vidx__sha256_path), before it is named */
out:
	free(w.p);
	free(m.buf);
	close(fd);
	return rc;
}

/* ---- reading back --------------------------------------------------------------------- */

int64_t vidx__oeff_meta_offset(const char *path)
{
	struct stat sb;
	int64_t off = -1, msz;
	int fd = open(path, O_RDONLY | O_CLOEXEC), last;

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || top_box(fd, sb.st_size, "meta", &off, &msz, &last) != 1 ||
	    !last)
		off = -1;
	close(fd);
	return off;
}

static int64_t from_filetime(uint64_t t)
{
	if (t / 10 > (uint64_t)INT64_MAX)
		return VIDX_TIME_NONE;
	return (int64_t)(t / 10) - SECS_1601 * 1000000;
}

static void read_suep(vidx__oeff_info *o, const unsigned char *p, const unsigned char *e)
{
	uint64_t t;
	uint32_t n, i;

	if (e - p < 4 || p[0] != 1)
		return; /* only version 1 is read */
	p += 4;
	if (cstr(&p, e, o->unit, sizeof(o->unit)) < 0 || cstr(&p, e, NULL, 0) < 0 ||
	    cstr(&p, e, NULL, 0) < 0 || e - p < 8)
		return;
	t = be64(p);
	p += 8;
	if (cstr(&p, e, o->by, sizeof(o->by)) < 0 || e - p < 4)
		return;
	if (t >= (uint64_t)SECS_1904 && t < (uint64_t)SECS_1904 + (1ULL << 40))
		o->exported = ((int64_t)t - SECS_1904) * 1000000;
	n = be32(p);
	p += 4;
	for (i = 0; i < n; i++) {
		char name[256];
		if (e - p < 2)
			return;
		p += 2;
		if (cstr(&p, e, name, sizeof(name)) < 0 || cstr(&p, e, NULL, 0) < 0 ||
		    cstr(&p, e, NULL, 0) < 0 || cstr(&p, e, NULL, 0) < 0)
			return;
		if (!i)
			snprintf(o->source, sizeof(o->source), "%s", name);
	}
	o->suep = 1;
}

int vidx__oeff_read(vidx *h, int fd, vidx__oeff_info *o)
{
	moovinfo m;
	unsigned char *meta = NULL;
	struct stat sb;
	int64_t moff = 0, msz = 0;
	bx mb, b, ipro, sinf;
	size_t pos;
	int last = 0, rc = 0, r;

	memset(o, 0, sizeof(*o));
	o->exported = o->start = VIDX_TIME_NONE;
	o->sig = VIDX__OEFF_UNSIGNED;
	if (fstat(fd, &sb) < 0)
		return vidx__fail(h, VIDX_EIO, "%s", strerror(errno));
	if ((rc = read_moov(h, fd, sb.st_size, &m)) < 0)
		goto out;
	o->ntracks = m.ntracks;
	memcpy(o->tracks, m.tracks, sizeof(o->tracks));
	o->loci = m.loci;
	o->loci_role = m.role;
	o->lat = m.lat;
	o->lon = m.lon;
	if ((r = top_box(fd, sb.st_size, "meta", &moff, &msz, &last)) <= 0) {
		if (r < 0)
			rc = vidx__fail(h, VIDX_EFORMAT, "its boxes do not add up");
		goto out;
	}
	o->meta = 1;
	o->meta_last = last;
	if (msz > META_MAX || msz < 12) {
		rc = vidx__fail(h, VIDX_EFORMAT, "its meta box is too large or too small");
		goto out;
	}
	if (!(meta = malloc((size_t)msz))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if (read_at(fd, meta, (size_t)msz, moff) < 0) {
		rc = vidx__fail(h, VIDX_EIO, "cannot read its meta box");
		goto out;
	}
	pos = 0;
	if (next_box(meta, (size_t)msz, &pos, &mb) != 1) {
		rc = vidx__fail(h, VIDX_EFORMAT, "its meta box is damaged");
		goto out;
	}
	/* meta is a FullBox: its children start after version and flags */
	if (child(meta, &mb, 4, "suep", &b) == 1)
		read_suep(o, meta + b.off + b.hdr, meta + b.off + b.size);
	if (child(meta, &mb, 4, "cstb", &b) == 1 && b.size >= b.hdr + 16) {
		o->cstb = 1;
		o->start = from_filetime(be64(meta + b.off + b.hdr + 8));
	}
	if (child(meta, &mb, 4, "ipro", &ipro) != 1)
		goto out;
	/* the signing instances: ipro (FullBox + protection_count) > sinf */
	{
		size_t base = ipro.off + ipro.hdr + 6, p2 = 0, iend = ipro.off + ipro.size;
		bx s, schm, schi, sibo, cert;
		int found = 0;
		if (base > iend) {
			o->sig = VIDX__OEFF_BAD_LAYOUT;
			goto out;
		}
		while (next_box(meta + base, iend - base, &p2, &s) == 1) {
			if (strcmp(s.type, "sinf"))
				continue;
			s.off += base;
			o->signatures++;
			sinf = s;
			found = 1;
		}
		if (!found) {
			o->sig = VIDX__OEFF_BAD_LAYOUT;
			goto out;
		}
		/* the latest signature, which covers everything before it */
		if (child(meta, &sinf, 0, "schm", &schm) != 1 || schm.size < schm.hdr + 12 ||
		    memcmp(meta + schm.off + schm.hdr + 4, "oeff", 4) ||
		    child(meta, &sinf, 0, "schi", &schi) != 1 ||
		    child(meta, &schi, 0, "sibo", &sibo) != 1 ||
		    child(meta, &schi, 0, "cert", &cert) != 1 ||
		    sibo.size == sibo.hdr || cert.size == cert.hdr) {
			o->sig = VIDX__OEFF_BAD_LAYOUT;
			goto out;
		}
		/* it must end the meta box and the meta box the file: then the
		 * input is every byte before it (a later one would change it) */
		if (sinf.off + sinf.size != ipro.off + ipro.size ||
		    ipro.off + ipro.size != mb.size || !last) {
			o->sig = VIDX__OEFF_BAD_LAYOUT;
			goto out;
		}
		r = vidx__pss_verify(meta + cert.off + cert.hdr, cert.size - cert.hdr, fd,
		                     moff + msz, moff + (int64_t)(sibo.off + sibo.hdr),
		                     (int64_t)(sibo.size - sibo.hdr), meta + sibo.off + sibo.hdr,
		                     sibo.size - sibo.hdr, o->cert_fpr, o->cert_subject,
		                     sizeof(o->cert_subject));
		o->sig = r == 1 ? VIDX__OEFF_VALID : r == 0 ? VIDX__OEFF_INVALID
		       : r == -2 ? VIDX__OEFF_WEAK_KEY : VIDX__OEFF_BAD_CERT;
		o->sibo_at = moff + (int64_t)(sibo.off + sibo.hdr);
		o->sibo_len = (int64_t)(sibo.size - sibo.hdr);
		o->cert_at = moff + (int64_t)(cert.off + cert.hdr);
		o->cert_len = (int64_t)(cert.size - cert.hdr);
	}
out:
	free(meta);
	free(m.buf);
	return rc;
}
