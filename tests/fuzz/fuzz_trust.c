/* trust files (vidx-key exports and PEM certificates, concatenated),
 * private key files, as vidx-verify --trust and --key read them, and the
 * input as an --anchor SEQ:HASH */
#include <sys/stat.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	vidx *h = vidx_new();
	vidx_trust *t = NULL;
	vidx_key *k = NULL;
	const char *p = fuzz_file("trust", data, n);

	if (vidx_trust_load(h, p, &t) == 0 && vidx_trust_count(t) == 0)
		abort(); /* a loaded trust file holds something */
	vidx_trust_free(t);
	chmod(p, 0600); /* as a key file must be */
	if (vidx_key_load(h, p, &k) == 0) {
		char *e = vidx_key_export(k);
		if (!e || strlen(vidx_key_fingerprint(k)) != 64)
			abort();
		free(e);
	}
	vidx_key_free(k);
	{
		char *t = fuzz_str(data, n);
		vidx_anchor a;
		if (vidx_anchor_parse(h, t, &a) == 0 && (a.seq < 1 || strlen(a.hash) != 64))
			abort();
		free(t);
	}
	vidx_free(h);
	return 0;
}
