/* the spans vidx-pull reads from standard input */
#include <sys/stat.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	vidx *h = vidx_new();
	char *s = fuzz_str(data, n), *js;
	vidx_window *w = NULL;
	size_t nw = 0;

	if (vidx_windows_parse(h, s, &w, &nw) == 0) {
		js = vidx_windows_json(w, nw);
		free(js);
	}
	free(w);
	free(s);
	vidx_free(h);
	return 0;
}
