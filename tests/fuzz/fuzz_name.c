/* --name-time patterns and the file names they are matched against: the
 * first line is the pattern, the rest the path */
#include <sys/stat.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	vidx *h = vidx_new();
	char *s = fuzz_str(data, n), *nl = strchr(s, '\n');
	const char *pattern = s, *path = nl ? nl + 1 : s, *label;
	vidx_civil c;
	vidx_name_span sp;
	int utc;

	if (nl)
		*nl = 0;
	if (vidx_name_pattern_check(h, pattern) == 0) {
		vidx_name_time_match(h, pattern, path, &c, &utc, &label);
		/* start-end patterns (%E fields) */
		vidx_name_span_match(h, pattern, path, &sp);
	}
	vidx_name_time_match(h, "auto", path, &c, &utc, &label);
	vidx_name_span_match(h, "auto", path, &sp);
	free(s);
	vidx_free(h);
	return 0;
}
