/*
 * cert.c - the RSA key and X.509 certificate that sign ONVIF exports, and
 * the signature itself: RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a
 * salt of 20 bytes, as the ONVIF Export File Format asks, over a run of a
 * file's bytes with the signature's own bytes read as zeros.
 *
 * An agency that has a certificate gives it (PEM or DER) with its key
 * (PEM, mode 0600); one that has none makes a self-signed one with `vidx
 * key cert`, which proves only that the same key signed, not whose it is.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"

#define PSS_SALT 20
#define RSA_BITS 2048

struct vidx__cert {
	X509 *x;
	EVP_PKEY *key;
	unsigned char *der;
	int derlen;
	char fpr[65];
	char subject[256];
};

void vidx__cert_free(vidx__cert *c)
{
	if (!c)
		return;
	X509_free(c->x);
	EVP_PKEY_free(c->key);
	OPENSSL_free(c->der);
	free(c);
}

static char *bio_text(BIO *b)
{
	BUF_MEM *bm;
	char *s;
	BIO_get_mem_ptr(b, &bm);
	if ((s = malloc(bm->length + 1))) {
		memcpy(s, bm->data, bm->length);
		s[bm->length] = 0;
	}
	return s;
}

int vidx_cert_new(vidx *h, const char *cert_path, const char *key_path,
                  const char *subject, int days)
{
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	X509_NAME *nm;
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	BIO *kb = NULL, *cb = NULL;
	char *ktext = NULL, *ctext = NULL;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	int rc = 0;

	if (!vidx_operator_valid(subject))
		return vidx__fail(h, VIDX_EINVAL, "a certificate needs a name: one line "
		                  "of UTF-8 text without control characters");
	if (days < 1 || days > 36500)
		return vidx__fail(h, VIDX_EINVAL, "days: 1 to 36500");
	if (access(cert_path, F_OK) == 0 || access(key_path, F_OK) == 0)
		return vidx__fail(h, VIDX_EEXIST, "'%s' exists: never replaced",
		                  access(cert_path, F_OK) == 0 ? cert_path : key_path);
	if (!(pk = EVP_RSA_gen(RSA_BITS)) || !(x = X509_new()) ||
	    RAND_bytes(serial, sizeof(serial)) != 1) {
		rc = vidx__fail(h, VIDX_ERR, "cannot make an RSA key");
		goto out;
	}
	serial[0] &= 0x7f; /* a positive serial number */
	nm = X509_get_subject_name(x);
	if (!(bn = BN_bin2bn(serial, sizeof(serial), NULL)) ||
	    !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
	    X509_set_version(x, 2) != 1 ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) ||
	    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8,
	                               (const unsigned char *)subject, -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(nm, "OU", MBSTRING_UTF8,
	                               (const unsigned char *)"vidx self-signed export "
	                               "key", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, nm) != 1 || X509_set_pubkey(x, pk) != 1) {
		rc = vidx__fail(h, VIDX_ERR, "cannot make the certificate");
		goto out;
	}
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if (!(ext = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage,
	                                "critical,digitalSignature,nonRepudiation")) ||
	    X509_add_ext(x, ext, -1) != 1) {
		X509_EXTENSION_free(ext);
		rc = vidx__fail(h, VIDX_ERR, "cannot make the certificate");
		goto out;
	}
	X509_EXTENSION_free(ext);
	if (!(ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "CA:FALSE")) ||
	    X509_add_ext(x, ext, -1) != 1) {
		X509_EXTENSION_free(ext);
		rc = vidx__fail(h, VIDX_ERR, "cannot make the certificate");
		goto out;
	}
	X509_EXTENSION_free(ext);
	if (X509_sign(x, pk, EVP_sha256()) <= 0 ||
	    !(kb = BIO_new(BIO_s_mem())) || !(cb = BIO_new(BIO_s_mem())) ||
	    PEM_write_bio_PrivateKey(kb, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_X509(cb, x) != 1 || !(ktext = bio_text(kb)) ||
	    !(ctext = bio_text(cb))) {
		rc = vidx__fail(h, VIDX_ERR, "cannot make the certificate");
		goto out;
	}
	if ((rc = vidx__write_secret(h, key_path, ktext, 0600)) < 0)
		goto out;
	if ((rc = vidx__write_secret(h, cert_path, ctext, 0644)) < 0)
		unlink(key_path);
out:
	vidx__free_secret(ktext);
	free(ctext);
	BIO_free(kb);
	BIO_free(cb);
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(pk);
	return rc;
}

static int describe(vidx__cert *c)
{
	unsigned char d[32];
	unsigned int n = 0;

	c->derlen = i2d_X509(c->x, &c->der);
	if (c->derlen <= 0 || X509_digest(c->x, EVP_sha256(), d, &n) != 1 || n != 32)
		return -1;
	vidx__hex(d, 32, c->fpr);
	X509_NAME_oneline(X509_get_subject_name(c->x), c->subject, sizeof(c->subject));
	return 0;
}

/* an RSA key of at least 2048 bits, as the format asks */
static int rsa_ok(EVP_PKEY *pk)
{
	return pk && EVP_PKEY_get_id(pk) == EVP_PKEY_RSA && EVP_PKEY_get_bits(pk) >= 2048;
}

int vidx_use_cert(vidx *h, const char *cert_path, const char *key_path)
{
	vidx__cert *c = calloc(1, sizeof(*c));
	char *ktext = NULL;
	BIO *b = NULL;
	FILE *f = NULL;
	int rc = 0;

	if (!c)
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	if (!(f = fopen(cert_path, "re"))) {
		rc = vidx__fail(h, errno == ENOENT ? VIDX_ENOENT : VIDX_EIO, "cannot read "
		                "certificate '%s': %s", cert_path, strerror(errno));
		goto out;
	}
	if (!(c->x = PEM_read_X509(f, NULL, NULL, NULL))) {
		rewind(f);
		c->x = d2i_X509_fp(f, NULL);
	}
	if (!c->x || describe(c) < 0) {
		rc = vidx__fail(h, VIDX_EFORMAT, "'%s' is not an X.509 certificate (PEM or "
		                "DER)", cert_path);
		goto out;
	}
	if ((rc = vidx__read_secret(h, key_path, &ktext)) < 0)
		goto out;
	if (!(b = BIO_new_mem_buf(ktext, -1)) ||
	    !(c->key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) || !rsa_ok(c->key)) {
		rc = vidx__fail(h, VIDX_EFORMAT, "'%s' is not an RSA private key of 2048 "
		                "bits or more (PEM)", key_path);
		goto out;
	}
	if (X509_check_private_key(c->x, c->key) != 1) {
		rc = vidx__fail(h, VIDX_EINVAL, "the key '%s' is not the key of the "
		                "certificate '%s'", key_path, cert_path);
		goto out;
	}
	vidx__cert_free(h->cert);
	h->cert = c;
	c = NULL;
out:
	if (f)
		fclose(f);
	BIO_free(b);
	vidx__free_secret(ktext);
	vidx__cert_free(c);
	return rc;
}

const char *vidx__cert_fpr(const vidx__cert *c)
{
	return c->fpr;
}

const char *vidx__cert_subject(const vidx__cert *c)
{
	return c->subject;
}

const unsigned char *vidx__cert_der(const vidx__cert *c, size_t *n)
{
	*n = (size_t)c->derlen;
	return c->der;
}

size_t vidx__cert_sigsize(const vidx__cert *c)
{
	return (size_t)EVP_PKEY_get_size(c->key);
}

/* RSASSA-PSS over bytes [0, END) of FD, the ZN bytes at ZOFF read as 0 */
static int pss_run(EVP_MD_CTX *md, int fd, int64_t end, int64_t zoff, int64_t zn,
                   int sign)
{
	unsigned char *buf = malloc(1 << 20);
	int64_t off = 0;
	int ok = buf != NULL;

	while (ok && off < end) {
		size_t want = (size_t)(end - off < (1 << 20) ? end - off : (1 << 20));
		ssize_t r = pread(fd, buf, want, off);
		int64_t a, b;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ok = 0;
			break;
		}
		a = zoff > off ? zoff : off;
		b = zoff + zn < off + r ? zoff + zn : off + r;
		if (a < b)
			memset(buf + (a - off), 0, (size_t)(b - a));
		ok = (sign ? EVP_DigestSignUpdate(md, buf, (size_t)r)
		           : EVP_DigestVerifyUpdate(md, buf, (size_t)r)) == 1;
		off += r;
	}
	free(buf);
	return ok ? 0 : -1;
}

static int pss_params(EVP_PKEY_CTX *pc, int saltlen)
{
	return EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) > 0 &&
	       EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, saltlen) > 0 &&
	       EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha256()) > 0;
}

int vidx__pss_sign(vidx *h, int fd, int64_t end, int64_t zoff, int64_t zn,
                   unsigned char *sig, size_t *siglen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	int ok;

	if (!h->cert)
		return vidx__fail(h, VIDX_EINVAL, "no certificate to sign with");
	ok = md && EVP_DigestSignInit(md, &pc, EVP_sha256(), NULL, h->cert->key) == 1 &&
	     pss_params(pc, PSS_SALT) && pss_run(md, fd, end, zoff, zn, 1) == 0 &&
	     EVP_DigestSignFinal(md, sig, siglen) == 1;
	EVP_MD_CTX_free(md);
	return ok ? 0 : vidx__fail(h, VIDX_ERR, "RSASSA-PSS signing failed");
}

int vidx__pss_verify(const unsigned char *der, size_t dern, int fd, int64_t end,
                     int64_t zoff, int64_t zn, const unsigned char *sig,
                     size_t siglen, char fpr[65], char *subject, size_t subn)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)dern);
	EVP_PKEY *pk = x ? X509_get0_pubkey(x) : NULL;
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pc = NULL;
	unsigned char d[32];
	unsigned int dl = 0;
	int r = -1;

	if (!x || p != der + dern || !pk)
		goto out;
	if (X509_digest(x, EVP_sha256(), d, &dl) == 1 && dl == 32)
		vidx__hex(d, 32, fpr);
	X509_NAME_oneline(X509_get_subject_name(x), subject, (int)subn);
	if (!rsa_ok(pk)) {
		r = -2;
		goto out;
	}
	/* the salt's length is read from the signature, as the reference
	 * player does; vidx writes 20 */
	if ((md = EVP_MD_CTX_new()) &&
	    EVP_DigestVerifyInit(md, &pc, EVP_sha256(), NULL, pk) == 1 &&
	    pss_params(pc, RSA_PSS_SALTLEN_AUTO) &&
	    pss_run(md, fd, end, zoff, zn, 0) == 0)
		r = EVP_DigestVerifyFinal(md, sig, siglen) == 1;
out:
	EVP_MD_CTX_free(md);
	X509_free(x);
	return r;
}
