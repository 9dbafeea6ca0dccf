/*
 * phash.c - the hash of a stream's packets that does not depend on the
 * container, so that a clip in MP4 or Matroska can be shown to hold the
 * very packets of an MPEG-TS, DHAV or raw source.
 *
 * Version 2 (every manifest vidx-pull writes now), for H.264 and HEVC:
 * what a muxer may do to a stream without changing a picture leaves the
 * hash as it is.  FFmpeg's MP4 and Matroska muxers replace start codes with
 * length prefixes and drop the bytes before a packet's first start code (a
 * vendor container's frame header, when libavformat reads the file as a
 * raw stream); other muxers (and FFmpeg's filter_units, h264_metadata)
 * drop access unit delimiters and filler data, or move the parameter sets
 * out of the packets into the stream's header (avcC, hvcC), or put them
 * back before each keyframe.  So:
 *  - each packet is hashed as its NAL units, from Annex B or length-prefixed
 *    form (a packet whose length prefixes cover it exactly, when the header
 *    is avcC/hvcC), without start codes and trailing zero bytes; bytes
 *    before the first start code are no unit; AUD and filler units are
 *    left out;
 *  - parameter sets (H.264 SPS, PPS, SPS extension, subset SPS; HEVC VPS,
 *    SPS, PPS) are left out of the packets and hashed as a set instead:
 *    every distinct one in the header or in any packet, once, wherever it
 *    was;
 *  - the result is SHA-256(packets digest || parameter-set digest), where
 *    the parameter-set digest is the SHA-256 of the sorted SHA-256s of the
 *    distinct parameter sets.
 * Other codecs: AAC without its ADTS header, anything else whole, as in
 * version 1.  In both versions each unit goes in without trailing zero
 * bytes, after its 32-bit big-endian length, and four zero bytes after
 * each packet.
 *
 * Version 1 (manifests without "packets_sha256_version"): every NAL unit
 * of every packet, AUD, filler and parameter sets included, bytes before
 * the first start code as a unit, nothing from the header; a packet that
 * begins like a start code read as Annex B.  Kept so that
 * older case folders verify as they were written.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <libavcodec/avcodec.h>

#include "media.h"

/* ---- the set of parameter sets ------------------------------------------- */

/* open addressing over SHA-256 digests: uniform already, so their first
 * bytes index the table; NULL slots are empty */
typedef struct psset {
	unsigned char (*d)[32];
	unsigned char *used;
	size_t n, cap;
	int oom;
} psset;

static int ps_insert(psset *s, const unsigned char d[32])
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16, k;
		unsigned char (*nd)[32] = calloc(nc, 32);
		unsigned char *nu = calloc(nc, 1);
		if (!nd || !nu) {
			free(nd);
			free(nu);
			return -1;
		}
		for (k = 0; k < s->cap; k++) {
			size_t j;
			if (!s->used[k])
				continue;
			memcpy(&j, s->d[k], sizeof(j));
			for (j %= nc; nu[j]; j = (j + 1) % nc)
				;
			memcpy(nd[j], s->d[k], 32);
			nu[j] = 1;
		}
		free(s->d);
		free(s->used);
		s->d = nd;
		s->used = nu;
		s->cap = nc;
	}
	memcpy(&i, d, sizeof(i));
	for (i %= s->cap; s->used[i]; i = (i + 1) % s->cap)
		if (!memcmp(s->d[i], d, 32))
			return 0;
	memcpy(s->d[i], d, 32);
	s->used[i] = 1;
	s->n++;
	return 0;
}

static int cmp32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static void ps_free(psset *s)
{
	free(s->d);
	free(s->used);
	memset(s, 0, sizeof(*s));
}

/* ---- units ------------------------------------------------------------------- */

static int nal_type(const vidx__phash *ph, const uint8_t *p)
{
	return ph->codec == AV_CODEC_ID_HEVC ? (p[0] >> 1) & 0x3f : p[0] & 0x1f;
}

static int is_param_set(const vidx__phash *ph, int t)
{
	if (ph->codec == AV_CODEC_ID_HEVC)
		return t == 32 || t == 33 || t == 34;
	return t == 7 || t == 8 || t == 13 || t == 15;
}

/* access unit delimiters and filler data: no picture in them */
static int is_padding(const vidx__phash *ph, int t)
{
	if (ph->codec == AV_CODEC_ID_HEVC)
		return t == 35 || t == 38;
	return t == 9 || t == 12;
}

static void put_bytes(vidx__phash *ph, const uint8_t *p, size_t n)
{
	uint8_t len[4];

	len[0] = (uint8_t)(n >> 24);
	len[1] = (uint8_t)(n >> 16);
	len[2] = (uint8_t)(n >> 8);
	len[3] = (uint8_t)n;
	EVP_DigestUpdate(ph->md, len, 4);
	EVP_DigestUpdate(ph->md, p, n);
}

/* a unit without its trailing zero bytes (never part of a NAL unit; kept
 * for the other codecs too, as version 1 had it) */
static void put_stripped(vidx__phash *ph, const uint8_t *p, size_t n)
{
	while (n && !p[n - 1])
		n--;
	if (n)
		put_bytes(ph, p, n);
}

/* one NAL unit (or, for version 1, any run between start codes) */
static void put_unit(vidx__phash *ph, const uint8_t *p, size_t n, int header)
{
	int t;

	while (n && !p[n - 1]) /* trailing_zero_8bits: not part of the unit */
		n--;
	if (!n)
		return;
	if (ph->version < 2) {
		if (!header)
			put_bytes(ph, p, n);
		return;
	}
	t = nal_type(ph, p);
	if (is_param_set(ph, t)) {
		unsigned char d[32];
		if (!ph->ps)
			return;
		EVP_Digest(p, n, d, NULL, EVP_sha256(), NULL);
		if (ps_insert(ph->ps, d) < 0)
			((psset *)ph->ps)->oom = 1;
	} else if (!header && !is_padding(ph, t)) {
		put_bytes(ph, p, n);
	}
}

/* offset of the next 00 00 01 at or after I, or N */
static size_t next_start(const uint8_t *p, size_t i, size_t n)
{
	for (; i + 2 < n; i++)
		if (!p[i] && !p[i + 1] && p[i + 2] == 1)
			return i;
	return n;
}

/* the NAL units of an Annex B buffer; LEAD: hash bytes before the first
 * start code as a unit (version 1) */
static void annexb_units(vidx__phash *ph, const uint8_t *p, size_t n, int lead,
                         int header)
{
	size_t i = next_start(p, 0, n), j;

	if (i > 0 && lead)
		put_unit(ph, p, i, header);
	while (i < n) {
		i += 3;
		j = next_start(p, i, n);
		put_unit(ph, p + i, j - i, header);
		i = j;
	}
}

/* the parameter sets of an avcC or hvcC record, or of Annex B extradata */
static void header_units(vidx__phash *ph, const uint8_t *x, size_t n)
{
	size_t i, k, arrays, count;

	if (n >= 3 && (!memcmp(x, "\0\0\1", 3) || (n >= 4 && !memcmp(x, "\0\0\0\1", 4)))) {
		annexb_units(ph, x, n, 0, 1);
		return;
	}
	if (!n || x[0] != 1)
		return;
	if (ph->codec == AV_CODEC_ID_H264) {
		/* SPS array, PPS array, then (high profiles) SPS extensions */
		if (n < 6)
			return;
		i = 5;
		for (arrays = 0; arrays < 3 && i < n; arrays++) {
			count = arrays == 0 ? (x[i] & 0x1f) : x[i];
			i++;
			if (arrays == 2) {
				/* chroma_format, bit depths: 3 bytes before the count */
				if (i + 2 >= n)
					return;
				i += 2;
				count = x[i++];
			}
			for (k = 0; k < count; k++) {
				size_t len;
				if (i + 2 > n)
					return;
				len = (size_t)x[i] << 8 | x[i + 1];
				i += 2;
				if (len > n - i)
					return;
				put_unit(ph, x + i, len, 1);
				i += len;
			}
		}
	} else {
		/* 22 bytes of configuration, then the arrays */
		if (n < 23)
			return;
		arrays = x[22];
		i = 23;
		for (; arrays; arrays--) {
			if (i + 3 > n)
				return;
			count = (size_t)x[i + 1] << 8 | x[i + 2];
			i += 3;
			for (k = 0; k < count; k++) {
				size_t len;
				if (i + 2 > n)
					return;
				len = (size_t)x[i] << 8 | x[i + 1];
				i += 2;
				if (len > n - i)
					return;
				put_unit(ph, x + i, len, 1);
				i += len;
			}
		}
	}
}

/* ---- the hash -------------------------------------------------------------- */

int vidx__phash_init(vidx__phash *ph, const AVCodecParameters *par, int version)
{
	int nal = par->codec_id == AV_CODEC_ID_H264 || par->codec_id == AV_CODEC_ID_HEVC;

	memset(ph, 0, sizeof(*ph));
	ph->version = version;
	if (!(ph->md = EVP_MD_CTX_new()) ||
	    !EVP_DigestInit_ex(ph->md, EVP_sha256(), NULL))
		return -1;
	ph->codec = par->codec_id;
	/* avcC / hvcC extradata: NAL units are length-prefixed in packets */
	if (par->extradata && par->extradata[0] == 1) {
		if (par->codec_id == AV_CODEC_ID_H264 && par->extradata_size >= 7)
			ph->nal_len = (par->extradata[4] & 3) + 1;
		else if (par->codec_id == AV_CODEC_ID_HEVC && par->extradata_size >= 23)
			ph->nal_len = (par->extradata[21] & 3) + 1;
	}
	if (version >= 2 && nal) {
		if (!(ph->ps = calloc(1, sizeof(psset))))
			return -1;
		if (par->extradata && par->extradata_size > 0)
			header_units(ph, par->extradata, (size_t)par->extradata_size);
	}
	return 0;
}

/* Are P's NAL units length-prefixed?  A stream with an avcC/hvcC header
 * should be, but some muxers write start codes all the same.  Version 1
 * took a packet that begins like a start code for Annex B, which a 4-byte
 * length of 256 to 511 (00 00 01 xx) also does; version 2 takes the packet
 * for length-prefixed when its lengths cover it exactly. */
static int length_prefixed(const vidx__phash *ph, const uint8_t *p, size_t n)
{
	size_t i = 0, l = (size_t)ph->nal_len;

	if (!l)
		return 0;
	if (ph->version < 2)
		return !(n >= 3 && !p[0] && !p[1] &&
		         (p[2] == 1 || (n >= 4 && !p[2] && p[3] == 1)));
	while (i < n) {
		size_t len = 0, k;
		if (l > n - i)
			return 0;
		for (k = 0; k < l; k++)
			len = len << 8 | p[i + k];
		i += l;
		if (len > n - i)
			return 0;
		i += len;
	}
	return 1;
}

void vidx__phash_add(vidx__phash *ph, const uint8_t *p, size_t n)
{
	static const uint8_t end[4];
	int nal = ph->codec == AV_CODEC_ID_H264 || ph->codec == AV_CODEC_ID_HEVC;

	ph->packets++;
	if (nal && length_prefixed(ph, p, n)) {
		size_t i = 0;
		while (i + (size_t)ph->nal_len <= n) {
			size_t len = 0;
			int k;
			for (k = 0; k < ph->nal_len; k++)
				len = len << 8 | p[i + (size_t)k];
			i += (size_t)ph->nal_len;
			if (len > n - i)
				len = n - i; /* damaged: hash what is there */
			put_unit(ph, p + i, len, 0);
			i += len;
		}
	} else if (nal) {
		annexb_units(ph, p, n, ph->version < 2, 0);
	} else if (ph->codec == AV_CODEC_ID_AAC && n >= 7 && p[0] == 0xff &&
	           (p[1] & 0xf6) == 0xf0) {
		size_t hl = (p[1] & 1) ? 7 : 9; /* protection_absent */
		if (n >= hl)
			put_stripped(ph, p + hl, n - hl);
	} else {
		put_stripped(ph, p, n);
	}
	EVP_DigestUpdate(ph->md, end, 4);
}

int vidx__phash_final(vidx__phash *ph, char hex[65])
{
	unsigned char d[64];
	unsigned int len = 0, i;
	psset *s = ph->ps;
	int ok = EVP_DigestFinal_ex(ph->md, d, &len) && len == 32;

	EVP_MD_CTX_free(ph->md);
	ph->md = NULL;
	if (ok && s) {
		/* the distinct parameter sets: their digests, sorted, hashed */
		EVP_MD_CTX *m = EVP_MD_CTX_new();
		size_t k, j = 0;
		ok = m && !s->oom && EVP_DigestInit_ex(m, EVP_sha256(), NULL);
		for (k = 0; ok && k < s->cap; k++)
			if (s->used[k])
				memmove(s->d[j++], s->d[k], 32);
		if (ok && j)
			qsort(s->d, j, 32, cmp32);
		for (k = 0; ok && k < j; k++)
			EVP_DigestUpdate(m, s->d[k], 32);
		ok = ok && EVP_DigestFinal_ex(m, d + 32, &len) && len == 32;
		EVP_MD_CTX_free(m);
		ok = ok && EVP_Digest(d, 64, d, &len, EVP_sha256(), NULL) && len == 32;
	}
	vidx__phash_free(ph);
	if (!ok)
		return -1;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
}

void vidx__phash_free(vidx__phash *ph)
{
	EVP_MD_CTX_free(ph->md);
	ph->md = NULL;
	if (ph->ps) {
		ps_free(ph->ps);
		free(ph->ps);
		ph->ps = NULL;
	}
}
