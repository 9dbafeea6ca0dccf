/* fuzz.h - shared by the libFuzzer targets (make fuzz; a short run of each
 * is part of make check).  Each target feeds untrusted bytes to one parser
 * of libindex; libFuzzer with ASan+UBSan reports any crash, leak or
 * undefined behaviour. */
#ifndef VIDX_FUZZ_H
#define VIDX_FUZZ_H
#define _DEFAULT_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vidx.h"

/* DATA as a NUL-terminated string (malloc'ed) */
static inline char *fuzz_str(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = 0;
	return s;
}

/* DATA written to a new file in a per-process scratch folder; returns its
 * path (static) */
static inline const char *fuzz_file(const char *name, const uint8_t *data, size_t n)
{
	static char dir[256], path[512];
	FILE *f;
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s/vidx-fuzz-%ld", getenv("TMPDIR") ?
		         getenv("TMPDIR") : "/tmp", (long)getpid());
		mkdir(dir, 0700);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "wb")) || (n && fwrite(data, 1, n, f) != n) || fclose(f))
		abort();
	return path;
}

static inline const char *fuzz_dir(void)
{
	static char d[512];
	const char *p = fuzz_file(".keep", (const uint8_t *)"", 0);
	snprintf(d, sizeof(d), "%.*s", (int)(strrchr(p, '/') - p), p);
	return d;
}
#endif
