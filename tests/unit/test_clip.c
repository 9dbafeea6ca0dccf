/* test_clip.c - the container-independent packet hash (phash.c), versions
 * 1 and 2, against digests computed here from their documented definitions
 * with OpenSSL. */
#include "unit.h"

#include <openssl/evp.h>
#include <libavcodec/avcodec.h>

/* the definition: each unit after its 32-bit big-endian length, four zero
 * bytes after each packet */
static void expect(EVP_MD_CTX *md, const char *const *units, const size_t *len,
                   size_t n)
{
	static const unsigned char z[4];
	size_t i;
	for (i = 0; i < n; i++) {
		unsigned char l[4] = {(unsigned char)(len[i] >> 24), (unsigned char)(len[i] >> 16),
		                      (unsigned char)(len[i] >> 8), (unsigned char)len[i]};
		EVP_DigestUpdate(md, l, 4);
		EVP_DigestUpdate(md, units[i], len[i]);
	}
	EVP_DigestUpdate(md, z, 4);
}

static void hex_of(EVP_MD_CTX *md, char hex[65])
{
	unsigned char d[32];
	unsigned i;
	EVP_DigestFinal_ex(md, d, NULL);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static int version = 1; /* of the tests below until the version 2 ones */

static void hash(AVCodecParameters *par, const uint8_t *const *pk, const size_t *n,
                 size_t count, char hex[65])
{
	vidx__phash ph;
	size_t i;
	assert_int_equal(vidx__phash_init(&ph, par, version), 0);
	for (i = 0; i < count; i++)
		vidx__phash_add(&ph, pk[i], n[i]);
	assert_int_equal(ph.packets, (int64_t)count);
	assert_int_equal(vidx__phash_final(&ph, hex), 0);
}

/* Two H.264 access units: AUD + SPS + IDR slice, then AUD + slice, written
 * as Annex B (3- and 4-byte start codes, a trailing zero byte) and as the
 * length-prefixed form of MP4 (avcC, 4-byte lengths): one hash. */
static void test_h264_forms(void **state)
{
	static const uint8_t annexb1[] = {0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x67, 0x64, 0x00,
	                                  0x1e, 0, 0, 0, 1, 0x65, 0x88, 0x84, 0x21, 0x00};
	static const uint8_t annexb2[] = {0, 0, 1, 0x09, 0x30, 0, 0, 1, 0x41, 0x9a, 0x02};
	static const uint8_t lp1[] = {0, 0, 0, 2, 0x09, 0xf0, 0, 0, 0, 4, 0x67, 0x64, 0x00,
	                              0x1e, 0, 0, 0, 4, 0x65, 0x88, 0x84, 0x21};
	static const uint8_t lp2[] = {0, 0, 0, 2, 0x09, 0x30, 0, 0, 0, 3, 0x41, 0x9a, 0x02};
	static const uint8_t avcc[] = {1, 0x64, 0x00, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0x00,
	                               0x1e, 1, 0, 1, 0x68};
	const uint8_t *a[] = {annexb1, annexb2}, *l[] = {lp1, lp2};
	size_t an[] = {sizeof(annexb1), sizeof(annexb2)}, ln[] = {sizeof(lp1), sizeof(lp2)};
	AVCodecParameters *pa = avcodec_parameters_alloc(), *pl = avcodec_parameters_alloc();
	char ha[65], hl[65], he[65];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	const char *u1[] = {"\x09\xf0", "\x67\x64\x00\x1e", "\x65\x88\x84\x21"};
	const char *u2[] = {"\x09\x30", "\x41\x9a\x02"};
	size_t n1[] = {2, 4, 4}, n2[] = {2, 3};

	(void)state;
	pa->codec_id = pl->codec_id = AV_CODEC_ID_H264;
	pl->extradata = av_mallocz(sizeof(avcc) + AV_INPUT_BUFFER_PADDING_SIZE);
	memcpy(pl->extradata, avcc, sizeof(avcc));
	pl->extradata_size = sizeof(avcc);
	hash(pa, a, an, 2, ha);
	hash(pl, l, ln, 2, hl);
	assert_string_equal(ha, hl);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	expect(md, u1, n1, 3);
	expect(md, u2, n2, 2);
	hex_of(md, he);
	assert_string_equal(ha, he);
	/* packet boundaries count: the same units as one packet differ */
	{
		uint8_t both[sizeof(annexb1) + sizeof(annexb2)];
		const uint8_t *b[] = {both};
		size_t bn[] = {sizeof(both)};
		char hb[65];
		memcpy(both, annexb1, sizeof(annexb1));
		memcpy(both + sizeof(annexb1), annexb2, sizeof(annexb2));
		hash(pa, b, bn, 1, hb);
		assert_string_not_equal(hb, ha);
	}
	/* one changed byte changes it */
	{
		uint8_t x[sizeof(annexb2)];
		const uint8_t *b[] = {annexb1, x};
		char hx[65];
		memcpy(x, annexb2, sizeof(x));
		x[sizeof(x) - 1] ^= 1;
		hash(pa, b, an, 2, hx);
		assert_string_not_equal(hx, ha);
	}
	EVP_MD_CTX_free(md);
	avcodec_parameters_free(&pa);
	avcodec_parameters_free(&pl);
}

/* AAC from MPEG-TS carries an ADTS header per frame; in MP4 it does not */
static void test_aac_adts(void **state)
{
	static const uint8_t adts[] = {0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc, 0x21, 0x10, 0x04};
	static const uint8_t raw[] = {0x21, 0x10, 0x04};
	const uint8_t *a[] = {adts}, *r[] = {raw};
	size_t an[] = {sizeof(adts)}, rn[] = {sizeof(raw)};
	AVCodecParameters *p = avcodec_parameters_alloc();
	char ha[65], hr[65];

	(void)state;
	p->codec_id = AV_CODEC_ID_AAC;
	hash(p, a, an, 1, ha);
	hash(p, r, rn, 1, hr);
	assert_string_equal(ha, hr);
	avcodec_parameters_free(&p);
}

/* any other codec: the packet whole */
static void test_other_whole(void **state)
{
	static const uint8_t jpeg[] = {0xff, 0xd8, 0x00, 0x00, 0x01, 0xff, 0xd9};
	const uint8_t *a[] = {jpeg};
	size_t an[] = {sizeof(jpeg)};
	const char *u[] = {(const char *)jpeg};
	size_t un[] = {sizeof(jpeg)};
	AVCodecParameters *p = avcodec_parameters_alloc();
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char h1[65], h2[65];

	(void)state;
	p->codec_id = AV_CODEC_ID_MJPEG;
	hash(p, a, an, 1, h1);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	expect(md, u, un, 1);
	hex_of(md, h2);
	assert_string_equal(h1, h2);
	EVP_MD_CTX_free(md);
	avcodec_parameters_free(&p);
}

/* ---- version 2 ---------------------------------------------------------------- */

static AVCodecParameters *par_with(int codec, const uint8_t *x, size_t n)
{
	AVCodecParameters *p = avcodec_parameters_alloc();
	p->codec_id = codec;
	if (n) {
		p->extradata = av_mallocz(n + AV_INPUT_BUFFER_PADDING_SIZE);
		memcpy(p->extradata, x, n);
		p->extradata_size = (int)n;
	}
	return p;
}

static int cmp32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* the version 2 digest from its definition: the packets' digest MD, then
 * the SHA-256 of the sorted SHA-256s of the N parameter sets PS */
static void v2_final(EVP_MD_CTX *md, const char *const *ps, const size_t *psn,
                     size_t n, char hex[65])
{
	unsigned char d[64], (*h)[32] = calloc(n ? n : 1, 32);
	unsigned i;
	EVP_DigestFinal_ex(md, d, NULL);
	for (i = 0; i < n; i++)
		EVP_Digest(ps[i], psn[i], h[i], NULL, EVP_sha256(), NULL);
	qsort(h, n, 32, cmp32);
	EVP_Digest(h, 32 * n, d + 32, NULL, EVP_sha256(), NULL);
	EVP_Digest(d, 64, d, NULL, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	free(h);
}

/* H.264 as a raw stream from a vendor container (a frame header before the
 * first start code), with AUDs, in-band SPS/PPS at the keyframe, SEI and
 * filler; and as an MP4 muxer that drops all that keeps it (avcC with the
 * parameter sets, length prefixes, no AUD, no filler): one hash, the one
 * of the definition */
static void test_v2_h264(void **state)
{
	static const uint8_t sps[] = {0x67, 0x64, 0x00, 0x1e, 0xac};
	static const uint8_t pps[] = {0x68, 0xee, 0x3c, 0x80};
	static const uint8_t raw1[] = {'H', 'X', 'V', 'F', 0x10, 0, 0, 0, 0x99, 0, 0, 1, 0x09, 0xf0,
	                               0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1e, 0xac, 0,
	                               0, 0, 1, 0x68, 0xee, 0x3c, 0x80,
	                               0, 0, 1, 0x06, 0x05, 0x01, 0xaa, 0x80,
	                               0, 0, 1, 0x65, 0x88, 0x84, 0x21,
	                               0, 0, 1, 0x0c, 0xff, 0xff, 0x80, 0, 0};
	static const uint8_t raw2[] = {0, 0, 0, 1, 0x09, 0x30, 0, 0, 1, 0x41, 0x9a, 0x02,
	                               0, 0, 1, 0x0c, 0xff, 0x80};
	static const uint8_t annexb_x[] = {0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1e, 0xac,
	                                   0, 0, 0, 1, 0x68, 0xee, 0x3c, 0x80};
	static const uint8_t mp1[] = {0, 0, 0, 5, 0x06, 0x05, 0x01, 0xaa, 0x80,
	                              0, 0, 0, 4, 0x65, 0x88, 0x84, 0x21};
	static const uint8_t mp2[] = {0, 0, 0, 3, 0x41, 0x9a, 0x02};
	static const uint8_t avcc[] = {1, 0x64, 0x00, 0x1e, 0xff, 0xe1, 0, 5, 0x67, 0x64, 0x00,
	                               0x1e, 0xac, 1, 0, 4, 0x68, 0xee, 0x3c, 0x80};
	const uint8_t *r[] = {raw1, raw2}, *m[] = {mp1, mp2};
	size_t rn[] = {sizeof(raw1), sizeof(raw2)}, mn[] = {sizeof(mp1), sizeof(mp2)};
	AVCodecParameters *pr = par_with(AV_CODEC_ID_H264, annexb_x, sizeof(annexb_x));
	AVCodecParameters *pm = par_with(AV_CODEC_ID_H264, avcc, sizeof(avcc));
	AVCodecParameters *pn = par_with(AV_CODEC_ID_H264, NULL, 0);
	const char *u1[] = {"\x06\x05\x01\xaa\x80", "\x65\x88\x84\x21"};
	const char *u2[] = {"\x41\x9a\x02"};
	size_t n1[] = {5, 4}, n2[] = {3};
	const char *ps[] = {(const char *)sps, (const char *)pps};
	size_t psn[] = {sizeof(sps), sizeof(pps)};
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char hr[65], hm[65], hn[65], he[65], h1[65];

	(void)state;
	version = 2;
	hash(pr, r, rn, 2, hr);
	hash(pm, m, mn, 2, hm);
	/* no header at all: the in-band ones are the same set */
	hash(pn, r, rn, 2, hn);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	expect(md, u1, n1, 2);
	expect(md, u2, n2, 1);
	v2_final(md, ps, psn, 2, he);
	assert_string_equal(hr, he);
	assert_string_equal(hm, he);
	assert_string_equal(hn, he);
	/* version 1 hashes the frame header, the AUDs, the filler and the in-band
	 * parameter sets: the forms differ there, as they did */
	version = 1;
	hash(pr, r, rn, 2, h1);
	assert_string_not_equal(h1, hr);
	hash(pm, m, mn, 2, hm);
	assert_string_not_equal(h1, hm);
	version = 2;
	/* another PPS in the header is another set */
	{
		uint8_t x[sizeof(avcc)];
		AVCodecParameters *p2;
		memcpy(x, avcc, sizeof(x));
		x[sizeof(x) - 1] ^= 1;
		p2 = par_with(AV_CODEC_ID_H264, x, sizeof(x));
		hash(p2, m, mn, 2, hm);
		assert_string_not_equal(hm, he);
		avcodec_parameters_free(&p2);
	}
	/* and one more in a packet too */
	{
		static const uint8_t mp2b[] = {0, 0, 0, 4, 0x68, 0xee, 0x3c, 0x81,
		                               0, 0, 0, 3, 0x41, 0x9a, 0x02};
		const uint8_t *b[] = {mp1, mp2b};
		size_t bn[] = {sizeof(mp1), sizeof(mp2b)};
		hash(pm, b, bn, 2, hm);
		assert_string_not_equal(hm, he);
	}
	EVP_MD_CTX_free(md);
	avcodec_parameters_free(&pr);
	avcodec_parameters_free(&pm);
	avcodec_parameters_free(&pn);
}

/* HEVC: VPS/SPS/PPS in an hvcC header (with an SEI array, which is not a
 * parameter set and is not hashed), against Annex B with them in-band, an
 * AUD (35) and filler (38) */
static void test_v2_hevc(void **state)
{
	static const uint8_t vps[] = {0x40, 0x01, 0x0c, 0x01};
	static const uint8_t sps[] = {0x42, 0x01, 0x01, 0x21};
	static const uint8_t pps[] = {0x44, 0x01, 0xc0, 0xf7};
	static const uint8_t raw1[] = {0, 0, 1, 0x46, 0x01, 0x10,
	                               0, 0, 1, 0x40, 0x01, 0x0c, 0x01,
	                               0, 0, 1, 0x42, 0x01, 0x01, 0x21,
	                               0, 0, 1, 0x44, 0x01, 0xc0, 0xf7,
	                               0, 0, 1, 0x26, 0x01, 0xaf, 0x11,
	                               0, 0, 1, 0x4c, 0x01, 0xff, 0x80};
	static const uint8_t mp1[] = {0, 0, 0, 4, 0x26, 0x01, 0xaf, 0x11};
	uint8_t hvcc[23 + 3 * 9 + 8];
	const uint8_t *r[] = {raw1}, *m[] = {mp1};
	size_t rn[] = {sizeof(raw1)}, mn[] = {sizeof(mp1)}, i = 23;
	const char *u1[] = {"\x26\x01\xaf\x11"};
	size_t n1[] = {4};
	const char *ps[] = {(const char *)vps, (const char *)sps, (const char *)pps};
	size_t psn[] = {4, 4, 4};
	const uint8_t *arr[] = {vps, sps, pps};
	AVCodecParameters *pr, *pm;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char hr[65], hm[65], he[65];
	int a;

	(void)state;
	memset(hvcc, 0, sizeof(hvcc));
	hvcc[0] = 1;
	hvcc[21] = 3; /* 4-byte lengths */
	hvcc[22] = 4; /* arrays */
	for (a = 0; a < 3; a++) {
		hvcc[i++] = (uint8_t)(32 + a);
		hvcc[i++] = 0;
		hvcc[i++] = 1;
		hvcc[i++] = 0;
		hvcc[i++] = 4;
		memcpy(hvcc + i, arr[a], 4);
		i += 4;
	}
	hvcc[i++] = 39;
	hvcc[i++] = 0;
	hvcc[i++] = 1;
	hvcc[i++] = 0;
	hvcc[i++] = 3;
	hvcc[i++] = 0x4e;
	hvcc[i++] = 0x01;
	hvcc[i++] = 0x05;
	assert_int_equal(i, sizeof(hvcc));
	pr = par_with(AV_CODEC_ID_HEVC, NULL, 0);
	pm = par_with(AV_CODEC_ID_HEVC, hvcc, sizeof(hvcc));
	version = 2;
	hash(pr, r, rn, 1, hr);
	hash(pm, m, mn, 1, hm);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	expect(md, u1, n1, 1);
	v2_final(md, ps, psn, 3, he);
	assert_string_equal(hr, he);
	assert_string_equal(hm, he);
	EVP_MD_CTX_free(md);
	avcodec_parameters_free(&pr);
	avcodec_parameters_free(&pm);
}

/* a 4-byte length of 256 to 511 begins 00 00 01, like a start code:
 * version 2 reads such a packet by its lengths (version 1 did not) */
static void test_v2_length_256(void **state)
{
	uint8_t lp[4 + 300], ab[4 + 300];
	const uint8_t *l[] = {lp}, *a[] = {ab};
	size_t ln[] = {sizeof(lp)}, an[] = {sizeof(ab)};
	static const uint8_t avcc[] = {1, 0x64, 0x00, 0x1e, 0xff, 0xe0, 0};
	AVCodecParameters *pl = par_with(AV_CODEC_ID_H264, avcc, sizeof(avcc));
	AVCodecParameters *pa = par_with(AV_CODEC_ID_H264, NULL, 0);
	char hl[65], ha[65];
	size_t i;

	(void)state;
	lp[0] = 0;
	lp[1] = 0;
	lp[2] = 1;
	lp[3] = 300 - 256;
	memcpy(ab, "\0\0\0\1", 4);
	for (i = 0; i < 300; i++)
		lp[4 + i] = ab[4 + i] = (uint8_t)(i ? 0x11 + i % 200 : 0x41);
	version = 2;
	hash(pl, l, ln, 1, hl);
	hash(pa, a, an, 1, ha);
	assert_string_equal(hl, ha);
	avcodec_parameters_free(&pl);
	avcodec_parameters_free(&pa);
}

/* version 2 changes nothing for other codecs */
static void test_v2_other(void **state)
{
	static const uint8_t jpeg[] = {0xff, 0xd8, 0x00, 0x00, 0x01, 0xff, 0xd9, 0};
	const uint8_t *a[] = {jpeg};
	size_t an[] = {sizeof(jpeg)};
	AVCodecParameters *p = par_with(AV_CODEC_ID_MJPEG, NULL, 0);
	char h1[65], h2[65];

	(void)state;
	version = 1;
	hash(p, a, an, 1, h1);
	version = 2;
	hash(p, a, an, 1, h2);
	assert_string_equal(h1, h2);
	avcodec_parameters_free(&p);
}

/* hostile headers: lengths that run past the end are stopped, not read */
static void test_v2_bad_headers(void **state)
{
	static const uint8_t avcc[] = {1, 0x64, 0x00, 0x1e, 0xff, 0xff, 0xff, 0xff, 0x67};
	static const uint8_t hvcc[24] = {1, [21] = 3, [22] = 200, [23] = 32};
	static const uint8_t pk[] = {0, 0, 0, 1, 0x41};
	const uint8_t *a[] = {pk};
	size_t an[] = {sizeof(pk)};
	AVCodecParameters *p1 = par_with(AV_CODEC_ID_H264, avcc, sizeof(avcc));
	AVCodecParameters *p2 = par_with(AV_CODEC_ID_HEVC, hvcc, sizeof(hvcc));
	char h[65];

	(void)state;
	version = 2;
	hash(p1, a, an, 1, h);
	hash(p2, a, an, 1, h);
	avcodec_parameters_free(&p1);
	avcodec_parameters_free(&p2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_h264_forms),
		cmocka_unit_test(test_aac_adts),
		cmocka_unit_test(test_other_whole),
		cmocka_unit_test(test_v2_h264),
		cmocka_unit_test(test_v2_hevc),
		cmocka_unit_test(test_v2_length_256),
		cmocka_unit_test(test_v2_other),
		cmocka_unit_test(test_v2_bad_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
