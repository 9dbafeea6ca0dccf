/* a DJI flight-log sidecar (.SRT), fed line by line as probe reads it */
#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char *s = fuzz_str(data, n), *p = s, *e;
	vidx__srt st;

	memset(&st, 0, sizeof(st));
	while (*p) {
		char keep;
		e = strchr(p, '\n');
		e = e ? e + 1 : p + strlen(p);
		keep = *e;
		*e = 0;
		if (vidx__srt_line(&st, p) < 0)
			break;
		*e = keep;
		p = e;
	}
	vidx__srt_finish(&st);
	vidx__srt_free(&st);
	free(s);
	return 0;
}
