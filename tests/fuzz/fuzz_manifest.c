/* a case folder's manifest.json and SHA256SUMS, as vidx-verify reads them
 * (without an index or sources): the input up to the first NUL byte is the
 * manifest, the rest SHA256SUMS */
#include <sys/stat.h>
#include "fuzz.h"

static void quiet(void *ctx, const vidx_check *c)
{
	(void)ctx;
	(void)c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	vidx *h = vidx_new();
	const uint8_t *z = memchr(data, 0, n);
	size_t m = z ? (size_t)(z - data) : n;

	fuzz_file("manifest.json", data, m);
	fuzz_file("SHA256SUMS", z ? z + 1 : data, z ? n - m - 1 : 0);
	vidx_verify_dir(h, fuzz_dir(), 1, "fuzz", quiet, NULL);
	vidx_free(h);
	return 0;
}
