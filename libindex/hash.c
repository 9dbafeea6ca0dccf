/*
 * hash.c - SHA-256 of whole files (ingest, pull and verify).
 *
 * The digest runs on a thread of its own reading with pread, so a caller
 * can demux, copy or sync the same file meanwhile and read it from disk
 * once.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "internal.h"

#define HASH_CHUNK (1 << 20)

/* the mapped part of hash_main: as far as the map goes */
typedef struct mapped {
	vidx__hasher *hs;
	vidx__map m;
	int64_t off;
} mapped;

static int hash_mapped(void *ctx)
{
	mapped *x = ctx;

	while (x->off < x->hs->size) {
		int64_t n = x->hs->size - x->off < HASH_CHUNK ? x->hs->size - x->off
		                                             : HASH_CHUNK;
		const unsigned char *p = vidx__map_at(&x->m, x->off, n);
		if (!p)
			return -1; /* no map here: read the rest */
		if (!EVP_DigestUpdate(x->hs->md, p, (size_t)n)) {
			x->hs->err = -1;
			return 0;
		}
		x->off += n;
	}
	return 0;
}

/* SHA-256 of the whole file, on a thread of its own: the demuxer and the
 * digest each take a core, and both read the same pages, so the file comes
 * from disk once.  The pages are hashed where they lie, through a map
 * (map.c), which saves copying them; where the file cannot be mapped they
 * are read. */
static void *hash_main(void *arg)
{
	vidx__hasher *hs = arg;
	unsigned char *buf = NULL;
	unsigned int len = 0;
	mapped x = {hs, {0}, 0};
	int64_t off;
	int r;

#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(hs->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	vidx__map_init(&x.m, hs->fd, hs->size);
	r = vidx__map_run(&x.m, hash_mapped, &x);
	vidx__map_close(&x.m);
	if (r == VIDX__MAP_FAULT) {
		hs->shrank = 1; /* cut short under the map (or unreadable) */
		return NULL;
	}
	if (hs->err)
		return NULL;
	off = x.off;
	if (off < hs->size && !(buf = malloc(HASH_CHUNK))) {
		hs->err = ENOMEM;
		return NULL;
	}
	while (off < hs->size) {
		ssize_t rd = pread(hs->fd, buf, HASH_CHUNK, off);
		if (rd < 0 && errno == EINTR)
			continue;
		if (rd < 0) {
			hs->err = errno;
			goto out;
		}
		if (rd == 0) {
			hs->shrank = 1;
			goto out;
		}
		if (!EVP_DigestUpdate(hs->md, buf, (size_t)rd)) {
			hs->err = -1;
			goto out;
		}
		off += rd;
	}
	if (!EVP_DigestFinal_ex(hs->md, hs->dig, &len) || len != 32)
		hs->err = -1;
out:
	free(buf);
	return NULL;
}

int vidx__hash_start(vidx *h, vidx__hasher *hs, int fd, int64_t size)
{
	int r;

	memset(hs, 0, sizeof(*hs));
	hs->fd = fd;
	hs->size = size;
	if (!(hs->md = EVP_MD_CTX_new()) ||
	    !EVP_DigestInit_ex(hs->md, EVP_sha256(), NULL))
		return vidx__fail(h, VIDX_ENOMEM, "cannot start SHA-256");
	if ((r = pthread_create(&hs->th, NULL, hash_main, hs)) != 0)
		return vidx__fail(h, VIDX_ERR, "cannot start hashing: %s", strerror(r));
	hs->running = 1;
	return 0;
}

int vidx__hash_finish(vidx *h, vidx__hasher *hs, unsigned char dig[32],
                      char hex[65])
{
	unsigned int i;

	if (!hs->running)
		return vidx__fail(h, VIDX_ERR, "SHA-256 not started");
	pthread_join(hs->th, NULL);
	hs->running = 0;
	if (hs->shrank)
		return vidx__fail(h, VIDX_EIO, "file shrank while being read");
	if (hs->err > 0)
		return vidx__fail(h, VIDX_EIO, "read error: %s", strerror(hs->err));
	if (hs->err)
		return vidx__fail(h, VIDX_ERR, "SHA-256 failed");
	if (dig)
		memcpy(dig, hs->dig, 32);
	if (hex)
		for (i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", hs->dig[i]);
	return 0;
}

int vidx__sha256_path(vidx *h, const char *path, int sync, char hex[65],
                      int64_t *size)
{
	vidx__hasher hs;
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), rc;

	if (fd < 0)
		return vidx__fail(h, errno == ENOENT ? VIDX_ENOENT : VIDX_EIO, "%s",
		                  strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		rc = vidx__fail(h, VIDX_EIO, "%s", S_ISDIR(sb.st_mode) ? "is a directory"
		                : "not a regular file");
		close(fd);
		return rc;
	}
	if (size)
		*size = sb.st_size;
	rc = vidx__hash_start(h, &hs, fd, sb.st_size);
	/* synced meanwhile: the digest reads what is being written back */
	if (rc == 0 && sync && fsync(fd) < 0)
		rc = vidx__fail(h, VIDX_EIO, "cannot sync: %s", strerror(errno));
	if (rc == 0)
		rc = vidx__hash_finish(h, &hs, NULL, hex);
	vidx__hash_stop(&hs);
	close(fd);
	return rc;
}

void vidx__hash_stop(vidx__hasher *hs)
{
	if (hs->running)
		pthread_join(hs->th, NULL); /* before its descriptor is closed */
	hs->running = 0;
	EVP_MD_CTX_free(hs->md);
	hs->md = NULL;
}
