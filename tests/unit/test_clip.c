/* test_clip.c - the container-independent packet hash (clip.c), against a
 * digest computed here from its documented definition with OpenSSL. */
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

static void hash(AVCodecParameters *par, const uint8_t *const *pk, const size_t *n,
                 size_t count, char hex[65])
{
	vidx__phash ph;
	size_t i;
	assert_int_equal(vidx__phash_init(&ph, par), 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_h264_forms),
		cmocka_unit_test(test_aac_adts),
		cmocka_unit_test(test_other_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
