/* test_key.c - operators' keys and trust files (key.c): strict base64, key
 * files (mode, header, never replaced), signatures checked by OpenSSL
 * directly, trust files (names, fingerprints, certificates). */
#include "unit.h"

#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

static char dir[256];

static const char *path_of(const char *name)
{
	static char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/vidx-test-key-XXXXXX", getenv("TMPDIR") ?
	         getenv("TMPDIR") : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_base64(void **state)
{
	unsigned char d[64], back[64];
	char *s;
	int i;
	(void)state;
	for (i = 0; i < 64; i++)
		d[i] = (unsigned char)(i * 37 + 11);
	for (i = 1; i <= 64; i++) {
		s = vidx__b64(d, (size_t)i);
		assert_non_null(s);
		assert_int_equal(strlen(s), 4 * (((size_t)i + 2) / 3));
		assert_int_equal(vidx__unb64(s, back, sizeof(back)), i);
		assert_memory_equal(back, d, (size_t)i);
		free(s);
	}
	/* padding only at the end, only the alphabet, whole quads, fits */
	assert_int_equal(vidx__unb64("QQ==", back, 1), 1);
	assert_int_equal(vidx__unb64("QQ=A", back, 8), -1);
	assert_int_equal(vidx__unb64("Q===", back, 8), -1);
	assert_int_equal(vidx__unb64("QUJD\n", back, 8), -1);
	assert_int_equal(vidx__unb64("QUJ", back, 8), -1);
	assert_int_equal(vidx__unb64("", back, 8), -1);
	assert_int_equal(vidx__unb64("QUJDRA==", back, 3), -1);
	assert_int_equal(vidx__unb64(NULL, back, 3), -1);
}

static void test_key_file(void **state)
{
	vidx *h = vidx_new();
	vidx_key *k = NULL;
	struct stat sb;
	char *e;
	(void)state;
	assert_int_equal(vidx_key_new(h, path_of("k/a.key"), "Det. Ruiz"), 0);
	assert_int_equal(stat(path_of("k/a.key"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(path_of("k"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* never replaced */
	assert_int_equal(vidx_key_new(h, path_of("k/a.key"), "x"), VIDX_EEXIST);
	assert_int_equal(vidx_key_new(h, path_of("k/b.key"), "two\nlines"), VIDX_EINVAL);
	assert_int_equal(vidx_key_load(h, path_of("k/a.key"), &k), 0);
	assert_string_equal(vidx_key_name(k), "Det. Ruiz");
	assert_int_equal(strlen(vidx_key_fingerprint(k)), 64);
	e = vidx_key_export(k);
	assert_non_null(e);
	assert_true(!strncmp(e, "vidx-key ed25519 ", 17));
	assert_true(!strncmp(e + 17, vidx_key_fingerprint(k), 64));
	assert_true(!strncmp(e + 81, " Det. Ruiz\n-----BEGIN PUBLIC KEY-----\n", 38));
	free(e);
	vidx_key_free(k);
	/* others may read it: refused */
	chmod(path_of("k/a.key"), 0604);
	assert_int_equal(vidx_key_load(h, path_of("k/a.key"), &k), VIDX_EINVAL);
	assert_null(k);
	assert_non_null(strstr(vidx_errmsg(h), "can be read by others (mode 0604)"));
	assert_int_equal(vidx_key_load(h, path_of("k/none.key"), &k), VIDX_ENOENT);
	vidx_free(h);
}

/* a signature made here checks with OpenSSL's own verify, a changed byte
 * does not; the key's fingerprint is the SHA-256 of its DER public key */
static void test_sign(void **state)
{
	vidx *h = vidx_new();
	vidx_key *k = NULL;
	unsigned char sig[64], *der = NULL, d[32];
	char msg[] = "70a6714070e58c62a557f119c60d908ca1392d1204cae5c7c9a3032d07f09bd5";
	char fpr[65];
	const char *pem;
	EVP_PKEY *pk;
	EVP_MD_CTX *md;
	BIO *b;
	int n;
	(void)state;
	assert_int_equal(vidx_key_new(h, path_of("s.key"), "ann"), 0);
	assert_int_equal(vidx_key_load(h, path_of("s.key"), &k), 0);
	vidx_use_key(h, k);
	assert_int_equal(vidx__sign(h, msg, strlen(msg), sig), 0);
	pem = vidx__key_pem(k);
	b = BIO_new_mem_buf(pem, -1);
	pk = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	assert_non_null(pk);
	md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk), 1);
	assert_int_equal(EVP_DigestVerify(md, sig, 64, (unsigned char *)msg, strlen(msg)), 1);
	EVP_MD_CTX_free(md);
	n = i2d_PUBKEY(pk, &der);
	EVP_Digest(der, (size_t)n, d, NULL, EVP_sha256(), NULL);
	vidx__hex(d, 32, fpr);
	assert_string_equal(fpr, vidx_key_fingerprint(k));
	OPENSSL_free(der);
	EVP_PKEY_free(pk);
	BIO_free(b);
	assert_int_equal(vidx__verify(pem, msg, strlen(msg), sig, 64), 1);
	msg[0] ^= 1;
	assert_int_equal(vidx__verify(pem, msg, strlen(msg), sig, 64), 0);
	msg[0] ^= 1;
	sig[10] ^= 1;
	assert_int_equal(vidx__verify(pem, msg, strlen(msg), sig, 64), 0);
	assert_int_equal(vidx__verify("not a key", msg, strlen(msg), sig, 64), -1);
	assert_int_equal(vidx__pem_fingerprint(pem, fpr), 0);
	assert_string_equal(fpr, vidx_key_fingerprint(k));
	vidx_free(h);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_trust(void **state)
{
	vidx *h = vidx_new();
	vidx_key *a = NULL, *b = NULL;
	vidx_trust *t = NULL;
	char *ea, *eb, *text;
	const char *pem = NULL;
	size_t n;
	(void)state;
	assert_int_equal(vidx_key_new(h, path_of("ta.key"), "Ann Lee"), 0);
	assert_int_equal(vidx_key_new(h, path_of("tb.key"), "Bob"), 0);
	assert_int_equal(vidx_key_load(h, path_of("ta.key"), &a), 0);
	assert_int_equal(vidx_key_load(h, path_of("tb.key"), &b), 0);
	ea = vidx_key_export(a);
	eb = vidx_key_export(b);
	n = strlen(ea) + strlen(eb) + 64;
	text = malloc(n);
	snprintf(text, n, "# keys of the case\n%s\n%s", ea, eb);
	write_text(path_of("trust"), text);
	assert_int_equal(vidx_trust_load(h, path_of("trust"), &t), 0);
	assert_int_equal(vidx_trust_count(t), 2);
	vidx_use_trust(h, t);
	assert_string_equal(vidx__trusted(h, vidx_key_fingerprint(a), 0, &pem), "Ann Lee");
	assert_non_null(strstr(pem, "BEGIN PUBLIC KEY"));
	assert_string_equal(vidx__trusted(h, vidx_key_fingerprint(b), 0, NULL), "Bob");
	/* a key is not a certificate */
	assert_null(vidx__trusted(h, vidx_key_fingerprint(b), 1, NULL));
	assert_null(vidx__trusted(h, "00", 0, NULL));
	/* another key under a's line: refused as changed */
	{
		char *bad = malloc(n);
		snprintf(bad, n, "%.81s Ann Lee%s", ea, strchr(eb, '\n'));
		write_text(path_of("bad"), bad);
		free(bad);
	}
	t = NULL;
	assert_int_equal(vidx_trust_load(h, path_of("bad"), &t), VIDX_EFORMAT);
	assert_null(t);
	assert_non_null(strstr(vidx_errmsg(h), "the file was changed"));
	free(text);
	free(ea);
	free(eb);
	vidx_key_free(a);
	vidx_key_free(b);
	vidx_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_key_file),
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_trust),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
