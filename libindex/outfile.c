/*
 * outfile.c - new files for working copies (stills, sheets, mosaics and
 * their manifests), written so that nothing existing is replaced and no
 * half-written file ever has a final name: each is written under a
 * temporary name made with O_EXCL beside its final one, synced, hashed
 * from disk, and given its final name with link(2), which fails rather
 * than replace a file.  (vidx-pull's clips follow the same rule.)
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

int vidx__mkdirs(const char *path, mode_t mode)
{
	char *p = strdup(path), *s;
	int rc = 0;

	if (!p)
		return -1;
	for (s = p + 1; ; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = 0;
			if (mkdir(p, mode) < 0 && errno != EEXIST)
				rc = -1;
			*s = c;
			if (!c || rc)
				break;
		}
	}
	free(p);
	return rc;
}

char *vidx__tmp_beside(const char *final)
{
	static int seq;
	const char *base = strrchr(final, '/');
	size_t dl = base ? (size_t)(base - final) + 1 : 0;
	size_t n = strlen(final) + 64;
	char *t = malloc(n);
	int fd;

	if (!t)
		return NULL;
	for (;;) {
		/* seq only makes a name; O_EXCL decides, so a race between
		 * threads costs a retry, never a shared file */
		snprintf(t, n, "%.*s.%s.partial-%ld-%d", (int)dl, final,
		         base ? base + 1 : final, (long)getpid(),
		         __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
		fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0) {
			close(fd);
			return t;
		}
		if (errno != EEXIST) {
			free(t);
			return NULL;
		}
	}
}

/* FINAL with -K before its extension (the last '.' of the base name) */
static int numbered(char *out, size_t n, const char *final, int k)
{
	const char *base = strrchr(final, '/');
	const char *dot = strrchr(base ? base + 1 : final, '.');
	int r;

	if (k == 1)
		r = snprintf(out, n, "%s", final);
	else if (!dot || dot == (base ? base + 1 : final))
		r = snprintf(out, n, "%s-%d", final, k);
	else
		r = snprintf(out, n, "%.*s-%d%s", (int)(dot - final), final, k, dot);
	return r < 0 || (size_t)r >= n ? -1 : 0;
}

int vidx__publish_new(vidx *h, const char *tmp, char *final, size_t n,
                      int next_free, char hex[65], int64_t *size)
{
	char *want = strdup(final), *name = malloc(n);
	int rc = 0, k;

	if (!want || !name) {
		rc = vidx__fail(h, VIDX_ENOMEM, "out of memory");
		goto out;
	}
	/* synced and hashed as it is on disk, before it gets a name */
	if ((rc = vidx__sha256_path(h, tmp, 1, hex, size)) < 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", vidx_errmsg(h));
		rc = vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", final, why);
		goto out;
	}
	for (k = 1; ; k++) {
		if (numbered(name, n, want, k) < 0) {
			rc = vidx__fail(h, VIDX_EINVAL, "'%s': the name is too long", want);
			goto out;
		}
		if (link(tmp, name) == 0)
			break;
		if (errno != EEXIST) {
			rc = vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", name, strerror(errno));
			goto out;
		}
		if (!next_free) {
			rc = vidx__fail(h, VIDX_EEXIST, "'%s' exists: not overwritten", name);
			goto out;
		}
	}
	memcpy(final, name, strlen(name) + 1);
	/* the new name itself is on disk once its folder is */
	{
		char *dir = strdup(name), *sl;
		int fd;
		if (dir && (sl = strrchr(dir, '/'))) {
			*sl = 0;
			if ((fd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
				fsync(fd);
				close(fd);
			}
		}
		free(dir);
	}
out:
	unlink(tmp);
	free(want);
	free(name);
	return rc;
}

int vidx__write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int vidx__write_new(vidx *h, char *final, size_t n, const void *buf, size_t len,
                    int next_free, char hex[65], int64_t *size)
{
	char *tmp = vidx__tmp_beside(final);
	int fd = -1, rc;

	if (!tmp)
		return vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", final, strerror(errno));
	if ((fd = open(tmp, O_WRONLY | O_TRUNC | O_CLOEXEC)) < 0 ||
	    vidx__write_all(fd, buf, len) < 0) {
		rc = vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", final, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		free(tmp);
		return rc;
	}
	if (close(fd) < 0) {
		rc = vidx__fail(h, VIDX_EIO, "cannot write '%s': %s", final, strerror(errno));
		unlink(tmp);
		free(tmp);
		return rc;
	}
	rc = vidx__publish_new(h, tmp, final, n, next_free, hex, size);
	free(tmp);
	return rc;
}
