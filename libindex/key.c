/*
 * key.c - operators' Ed25519 keys, trust files, and the signatures made
 * with them (custody events, manifests).
 *
 * A private key lives in a file of its own, mode 0600, never in the index:
 *
 *     vidx-key ed25519 NAME
 *     -----BEGIN PRIVATE KEY-----      (PKCS#8, as openssl genpkey writes)
 *
 * Its public half, as `vidx key export` prints it, is what others keep:
 *
 *     vidx-key ed25519 FINGERPRINT NAME
 *     -----BEGIN PUBLIC KEY-----       (SubjectPublicKeyInfo)
 *
 * FINGERPRINT is the SHA-256 of the DER public key (`openssl pkey -pubin
 * -outform DER | sha256sum`).  A trust file is any number of such exports,
 * and of X.509 certificates (PEM) for the signatures inside ONVIF exports,
 * concatenated.  Only a trust file makes a key trusted: a copy of a public
 * key in the index is a convenience for reading, never evidence.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "internal.h"

#define KEY_MAGIC "vidx-key ed25519 "
#define SECRET_MAX (64 * 1024)
#define TRUST_MAX (4 * 1024 * 1024)

struct vidx_key {
	EVP_PKEY *pk;
	char *name;
	char *pub_pem;
	char fpr[65];
};

typedef struct trust_entry {
	char fpr[65];
	char *name;
	char *pem;  /* public key PEM (for a certificate: its key) */
	int cert;   /* an X.509 certificate; FPR is the certificate's SHA-256 */
} trust_entry;

struct vidx_trust {
	trust_entry *e;
	size_t n;
};

/* ---- files --------------------------------------------------------------- */

char *vidx_config_path(const char *name)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	size_t n = strlen(name) + 32;
	char *p;

	if (x && *x == '/') {
		if ((p = malloc(strlen(x) + n)))
			sprintf(p, "%s/vidx/%s", x, name);
	} else if (home && *home) {
		if ((p = malloc(strlen(home) + n)))
			sprintf(p, "%s/.config/vidx/%s", home, name);
	} else {
		p = NULL;
	}
	return p;
}

int vidx__read_secret(vidx *h, const char *path, char **text)
{
	struct stat sb;
	char *buf = NULL;
	ssize_t r;
	size_t len = 0;
	int fd, rc = 0;

	*text = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return vidx__fail(h, errno == ENOENT ? VIDX_ENOENT : VIDX_EIO,
		                  "cannot read key '%s': %s", path, strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		rc = vidx__fail(h, VIDX_EINVAL, "key '%s' is not a regular file", path);
		goto out;
	}
	/* a key others can read is a key others may have copied */
	if (sb.st_mode & 077) {
		rc = vidx__fail(h, VIDX_EINVAL, "key '%s' can be read by others (mode %04o): "
		                "refused; make it private with chmod 600 and consider it "
		                "exposed", path, (unsigned)(sb.st_mode & 07777));
		goto out;
	}
	if (sb.st_size > SECRET_MAX) {
		rc = vidx__fail(h, VIDX_EINVAL, "key '%s' is too large to be a key", path);
		goto out;
	}
	if (!(buf = malloc((size_t)sb.st_size + 1))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	while (len < (size_t)sb.st_size &&
	       (r = read(fd, buf + len, (size_t)sb.st_size - len)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = vidx__fail(h, VIDX_EIO, "cannot read key '%s': %s", path,
			                strerror(errno));
			goto out;
		}
		len += (size_t)r;
	}
	buf[len] = 0;
	*text = buf;
	buf = NULL;
out:
	if (buf)
		OPENSSL_cleanse(buf, (size_t)sb.st_size);
	free(buf);
	close(fd);
	return rc;
}

void vidx__free_secret(char *text)
{
	if (text) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
}

/* the folders above PATH, made 0700 where missing (a key's folder is
 * nobody else's business) */
static int parent_dirs(const char *path)
{
	char *p = strdup(path), *s;
	int rc = 0;

	if (!p)
		return -1;
	for (s = p + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
		if (rc)
			break;
	}
	free(p);
	return rc;
}

int vidx__write_secret(vidx *h, const char *path, const char *text, unsigned mode)
{
	size_t n = strlen(text), off = 0;
	int fd, rc = 0;

	if (parent_dirs(path) < 0)
		return vidx__fail(h, VIDX_EIO, "cannot make the folder of '%s': %s", path,
		                  strerror(errno));
	/* O_EXCL: a key is never replaced (the old one may have signed evidence) */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	               (mode_t)mode)) < 0)
		return vidx__fail(h, errno == EEXIST ? VIDX_EEXIST : VIDX_EIO, "cannot write "
		                  "'%s': %s", path, errno == EEXIST ? "it exists (never "
		                  "replaced)" : strerror(errno));
	fchmod(fd, (mode_t)mode); /* whatever the umask */
	while (off < n) {
		ssize_t w = write(fd, text + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		off += (size_t)w;
	}
	if (off < n || fsync(fd) < 0) {
		rc = vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", path, strerror(errno));
		unlink(path);
	}
	close(fd);
	return rc;
}

/* ---- encodings ------------------------------------------------------------ */

void vidx__hex(const unsigned char *d, size_t n, char *out)
{
	static const char x[] = "0123456789abcdef";
	size_t i;
	for (i = 0; i < n; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[2 * n] = 0;
}

char *vidx__b64(const unsigned char *d, size_t n)
{
	char *s = malloc(4 * ((n + 2) / 3) + 1);
	if (s)
		EVP_EncodeBlock((unsigned char *)s, d, (int)n);
	return s;
}

/* standard base64 with padding, nothing else; returns the length or -1 */
int vidx__unb64(const char *s, unsigned char *out, size_t max)
{
	size_t n = s ? strlen(s) : 0, pad = 0;
	int r;

	if (!n || n % 4 ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != n)
		return -1;
	if (s[n - 1] == '=')
		pad++;
	if (s[n - 2] == '=')
		pad++;
	if (strchr(s, '=') && strchr(s, '=') < s + n - pad)
		return -1;
	{
		unsigned char *tmp = malloc(n / 4 * 3);
		if (!tmp)
			return -1;
		r = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
		if (r < 0 || (size_t)r - pad > max) {
			free(tmp);
			return -1;
		}
		r -= (int)pad;
		memcpy(out, tmp, (size_t)r);
		free(tmp);
	}
	return r;
}

/* SHA-256 of the DER public key, and its PEM */
static int describe_public(EVP_PKEY *pk, char fpr[65], char **pem)
{
	unsigned char *der = NULL, d[32];
	BIO *b = NULL;
	BUF_MEM *bm;
	int len, rc = -1;

	if ((len = i2d_PUBKEY(pk, &der)) <= 0)
		return -1;
	if (EVP_Digest(der, (size_t)len, d, NULL, EVP_sha256(), NULL) == 1) {
		vidx__hex(d, 32, fpr);
		rc = 0;
	}
	OPENSSL_free(der);
	if (rc == 0 && pem) {
		rc = -1;
		if ((b = BIO_new(BIO_s_mem())) && PEM_write_bio_PUBKEY(b, pk) == 1) {
			BIO_get_mem_ptr(b, &bm);
			if ((*pem = malloc(bm->length + 1))) {
				memcpy(*pem, bm->data, bm->length);
				(*pem)[bm->length] = 0;
				rc = 0;
			}
		}
		BIO_free(b);
	}
	return rc;
}

/* ---- keys ------------------------------------------------------------------- */

int vidx_key_new(vidx *h, const char *path, const char *by)
{
	EVP_PKEY *pk = NULL;
	BIO *b = NULL;
	BUF_MEM *bm;
	char *text = NULL;
	int rc;

	if (!vidx_operator_valid(by))
		return vidx__fail(h, VIDX_EINVAL, "a key needs its operator's name: one line "
		                  "of UTF-8 text without control characters");
	if (!path || !*path)
		return vidx__fail(h, VIDX_EINVAL, "no key file named (and neither "
		                  "$XDG_CONFIG_HOME nor $HOME is set)");
	if (access(path, F_OK) == 0)
		return vidx__fail(h, VIDX_EEXIST, "key '%s' exists: never replaced (a key "
		                  "that signed evidence must stay)", path);
	if (!(pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) ||
	    !(b = BIO_new(BIO_s_mem())) ||
	    BIO_printf(b, KEY_MAGIC "%s\n", by) <= 0 ||
	    PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL) != 1) {
		rc = vidx__fail(h, VIDX_ERR, "cannot make an Ed25519 key");
		goto out;
	}
	BIO_get_mem_ptr(b, &bm);
	if (!(text = malloc(bm->length + 1))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(text, bm->data, bm->length);
	text[bm->length] = 0;
	rc = vidx__write_secret(h, path, text, 0600);
out:
	vidx__free_secret(text);
	BIO_free(b); /* BIO_s_mem frees its buffer; the key is cleansed with pk */
	EVP_PKEY_free(pk);
	return rc;
}

int vidx_key_load(vidx *h, const char *path, vidx_key **out)
{
	vidx_key *k = NULL;
	char *text = NULL, *nl;
	BIO *b = NULL;
	int rc;

	*out = NULL;
	if ((rc = vidx__read_secret(h, path, &text)) < 0)
		return rc;
	if (strncmp(text, KEY_MAGIC, strlen(KEY_MAGIC)) || !(nl = strchr(text, '\n'))) {
		rc = vidx__fail(h, VIDX_EFORMAT, "'%s' is not a vidx key (no '" KEY_MAGIC
		                "NAME' line first): make one with vidx key new", path);
		goto out;
	}
	*nl = 0;
	if (!(k = calloc(1, sizeof(*k))) || !(k->name = strdup(text + strlen(KEY_MAGIC)))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	if (!vidx_operator_valid(k->name)) {
		rc = vidx__fail(h, VIDX_EFORMAT, "key '%s': its operator's name is empty or "
		                "not one line of UTF-8 text", path);
		goto out;
	}
	if (!(b = BIO_new_mem_buf(nl + 1, -1)) ||
	    !(k->pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) ||
	    EVP_PKEY_get_id(k->pk) != EVP_PKEY_ED25519) {
		rc = vidx__fail(h, VIDX_EFORMAT, "key '%s': not an Ed25519 private key", path);
		goto out;
	}
	if (describe_public(k->pk, k->fpr, &k->pub_pem) < 0) {
		rc = vidx__fail(h, VIDX_ERR, "key '%s': cannot read its public half", path);
		goto out;
	}
	*out = k;
	k = NULL;
out:
	BIO_free(b);
	vidx__free_secret(text);
	vidx_key_free(k);
	return rc;
}

void vidx_key_free(vidx_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pk);
	free(k->name);
	free(k->pub_pem);
	free(k);
}

const char *vidx_key_name(const vidx_key *k)
{
	return k ? k->name : NULL;
}

const char *vidx_key_fingerprint(const vidx_key *k)
{
	return k ? k->fpr : NULL;
}

const char *vidx__key_pem(const vidx_key *k)
{
	return k ? k->pub_pem : NULL;
}

char *vidx_key_export(const vidx_key *k)
{
	size_t n = strlen(k->name) + strlen(k->pub_pem) + 100;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, KEY_MAGIC "%s %s\n%s", k->fpr, k->name, k->pub_pem);
	return s;
}

void vidx_use_key(vidx *h, vidx_key *k)
{
	if (h->key != k)
		vidx_key_free(h->key);
	h->key = k;
}

const vidx_key *vidx__key(const vidx *h)
{
	return h->key;
}

/* ---- signing ------------------------------------------------------------------ */

int vidx__sign(vidx *h, const void *msg, size_t n, unsigned char sig[64])
{
	EVP_MD_CTX *md;
	size_t len = 64;
	int ok;

	if (!h->key)
		return vidx__fail(h, VIDX_EINVAL, "no key to sign with");
	if (!(md = EVP_MD_CTX_new()))
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	ok = EVP_DigestSignInit(md, NULL, NULL, NULL, h->key->pk) == 1 &&
	     EVP_DigestSign(md, sig, &len, msg, n) == 1 && len == 64;
	EVP_MD_CTX_free(md);
	return ok ? 0 : vidx__fail(h, VIDX_ERR, "Ed25519 signing failed");
}

int vidx__verify(const char *pem, const void *msg, size_t n,
                 const unsigned char *sig, size_t siglen)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *pk = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
	EVP_MD_CTX *md = NULL;
	int r = -1;

	if (pk && EVP_PKEY_get_id(pk) == EVP_PKEY_ED25519 && (md = EVP_MD_CTX_new()) &&
	    EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk) == 1)
		r = EVP_DigestVerify(md, sig, siglen, msg, n) == 1;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	BIO_free(b);
	return r;
}

int vidx__pem_fingerprint(const char *pem, char fpr[65])
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *pk = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
	int r = pk ? describe_public(pk, fpr, NULL) : -1;
	EVP_PKEY_free(pk);
	BIO_free(b);
	return r;
}

/* ---- trust files -------------------------------------------------------------- */

void vidx_trust_free(vidx_trust *t)
{
	size_t i;
	if (!t)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->e[i].name);
		free(t->e[i].pem);
	}
	free(t->e);
	free(t);
}

static int add_entry(vidx_trust *t, const char *fpr, const char *name, char *pem,
                     int cert)
{
	trust_entry *ne = realloc(t->e, (t->n + 1) * sizeof(*ne));
	if (!ne)
		return -1;
	t->e = ne;
	memset(&ne[t->n], 0, sizeof(*ne));
	snprintf(ne[t->n].fpr, 65, "%s", fpr);
	ne[t->n].pem = pem;
	ne[t->n].cert = cert;
	if (!(ne[t->n].name = strdup(name ? name : "")))
		return -1;
	t->n++;
	return 0;
}

/* one PEM block of TEXT from BEGIN at S to its END line; *NEXT after it */
static char *pem_block(const char *s, const char *kind, const char **next)
{
	char end[64];
	const char *e;
	char *p;
	size_t n;

	snprintf(end, sizeof(end), "-----END %s-----", kind);
	if (!(e = strstr(s, end)))
		return NULL;
	e += strlen(end);
	n = (size_t)(e - s);
	if (!(p = malloc(n + 2)))
		return NULL;
	memcpy(p, s, n);
	memcpy(p + n, "\n", 2);
	*next = e;
	return p;
}

static int cert_entry(vidx *h, vidx_trust *t, const char *path, char *block,
                      int line)
{
	BIO *b = BIO_new_mem_buf(block, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	EVP_PKEY *pk = x ? X509_get0_pubkey(x) : NULL;
	unsigned char d[32];
	unsigned int dl = 0;
	char fpr[65], cn[256] = "", *pem = NULL;
	int rc = 0;

	if (!x || !pk || X509_digest(x, EVP_sha256(), d, &dl) != 1 || dl != 32) {
		rc = vidx__fail(h, VIDX_EFORMAT, "trust file '%s', line %d: not a readable "
		                "X.509 certificate", path, line);
	} else {
		X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
		                          sizeof(cn));
		vidx__hex(d, 32, fpr);
		if (describe_public(pk, (char[65]){0}, &pem) < 0 ||
		    add_entry(t, fpr, cn, pem, 1) < 0) {
			free(pem);
			rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		}
	}
	X509_free(x);
	BIO_free(b);
	return rc;
}

int vidx_trust_load(vidx *h, const char *path, vidx_trust **out)
{
	vidx_trust *t = calloc(1, sizeof(*t));
	FILE *f = NULL;
	char *text = NULL, *hdr_name = NULL;
	char hdr_fpr[65] = "";
	const char *s;
	size_t len;
	int rc = 0, line = 1, hdr_line = 0;

	*out = NULL;
	if (!t)
		return vidx__fail(h, VIDX_ENOMEM, "out of memory");
	if (!(f = fopen(path, "re"))) {
		rc = vidx__fail(h, errno == ENOENT ? VIDX_ENOENT : VIDX_EIO, "cannot read "
		                "trust file '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!(text = malloc(TRUST_MAX + 1))) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	len = fread(text, 1, TRUST_MAX + 1, f);
	if (ferror(f) || len > TRUST_MAX || memchr(text, 0, len)) {
		rc = vidx__fail(h, VIDX_EFORMAT, "trust file '%s': %s", path, ferror(f) ?
		                strerror(errno) : len > TRUST_MAX ? "larger than 4 MiB" :
		                "binary data");
		goto out;
	}
	text[len] = 0;
	for (s = text; *s; ) {
		const char *eol = strchr(s, '\n'), *next;
		size_t ll = eol ? (size_t)(eol - s) : strlen(s);
		char *block = NULL;

		if (ll >= strlen(KEY_MAGIC) && !strncmp(s, KEY_MAGIC, strlen(KEY_MAGIC))) {
			const char *r = s + strlen(KEY_MAGIC);
			if (ll < strlen(KEY_MAGIC) + 66 || strspn(r, "0123456789abcdef") != 64 ||
			    r[64] != ' ') {
				rc = vidx__fail(h, VIDX_EFORMAT, "trust file '%s', line %d: want '"
				                KEY_MAGIC "FINGERPRINT NAME'", path, line);
				goto out;
			}
			free(hdr_name);
			if (!(hdr_name = strndup(r + 65, ll - strlen(KEY_MAGIC) - 65))) {
				rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
				goto out;
			}
			snprintf(hdr_fpr, sizeof(hdr_fpr), "%.64s", r);
			hdr_line = line;
		} else if (!strncmp(s, "-----BEGIN PUBLIC KEY-----", 26)) {
			char fpr[65];
			if (!hdr_name) {
				rc = vidx__fail(h, VIDX_EFORMAT, "trust file '%s', line %d: a public "
				                "key without its '" KEY_MAGIC "FINGERPRINT NAME' line "
				                "(use the output of vidx key export)", path, line);
				goto out;
			}
			if (!(block = pem_block(s, "PUBLIC KEY", &next)) ||
			    vidx__pem_fingerprint(block, fpr) < 0) {
				free(block);
				rc = vidx__fail(h, VIDX_EFORMAT, "trust file '%s', line %d: not a "
				                "readable public key", path, line);
				goto out;
			}
			if (strcmp(fpr, hdr_fpr)) {
				free(block);
				rc = vidx__fail(h, VIDX_EFORMAT, "trust file '%s', line %d: the key's "
				                "fingerprint is %s, its line says %s: the file was "
				                "changed", path, hdr_line, fpr, hdr_fpr);
				goto out;
			}
			if (!vidx_operator_valid(hdr_name) ||
			    add_entry(t, fpr, hdr_name, block, 0) < 0) {
				free(block);
				rc = vidx__fail(h, VIDX_EFORMAT, "trust file '%s', line %d: a key "
				                "without a name", path, hdr_line);
				goto out;
			}
			free(hdr_name);
			hdr_name = NULL;
			for (; s < next; s++)
				line += *s == '\n';
			continue;
		} else if (!strncmp(s, "-----BEGIN CERTIFICATE-----", 27)) {
			if (!(block = pem_block(s, "CERTIFICATE", &next))) {
				rc = vidx__fail(h, VIDX_EFORMAT, "trust file '%s', line %d: a "
				                "certificate without its END line", path, line);
				goto out;
			}
			rc = cert_entry(h, t, path, block, line);
			free(block);
			if (rc < 0)
				goto out;
			for (; s < next; s++)
				line += *s == '\n';
			continue;
		}
		/* anything else (comments, blank lines) is for people */
		s += ll + (eol != NULL);
		line++;
	}
	if (!t->n) {
		rc = vidx__fail(h, VIDX_EFORMAT, "trust file '%s' holds no key and no "
		                "certificate", path);
		goto out;
	}
	*out = t;
	t = NULL;
out:
	if (f)
		fclose(f);
	free(text);
	free(hdr_name);
	vidx_trust_free(t);
	return rc;
}

size_t vidx_trust_count(const vidx_trust *t)
{
	return t ? t->n : 0;
}

void vidx_use_trust(vidx *h, vidx_trust *t)
{
	if (h->trust != t)
		vidx_trust_free(h->trust);
	h->trust = t;
}

const char *vidx__trusted(const vidx *h, const char *fpr, int cert,
                          const char **pem)
{
	size_t i;

	if (!h->trust || !fpr)
		return NULL;
	for (i = 0; i < h->trust->n; i++)
		if (h->trust->e[i].cert == cert && !strcmp(h->trust->e[i].fpr, fpr)) {
			if (pem)
				*pem = h->trust->e[i].pem;
			return h->trust->e[i].name;
		}
	return NULL;
}
