/* probing media that may be anything: seeded with the fixtures, mutated */
#include <sys/stat.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	vidx_probe_opts o = {0};
	vidx_probe *p = NULL;
	vidx *h = vidx_new();
	/* the name decides nothing: libavformat probes the bytes */
	const char *f = fuzz_file("2022-07-04_21-24-30.bin", data, n);
	char *js;

	o.keep_keyframes = 1;
	o.hash = 1;
	o.tz = "America/New_York";
	if (vidx_probe_file(h, f, &o, &p) == 0) {
		js = vidx_probe_json(p, 1);
		free(js);
	}
	vidx_probe_free(p);
	vidx_free(h);
	return 0;
}
