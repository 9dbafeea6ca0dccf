/* times, durations and distances as people and scripts type them */
#include <sys/stat.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static const char *const zones[] = {"UTC", "America/New_York", "Europe/London",
	                                    "Australia/Lord_Howe", NULL};
	vidx *h = vidx_new();
	char *s = fuzz_str(data, n), b[VIDX_TIME_BUFSZ];
	int64_t us;
	double m;
	size_t i;

	for (i = 0; zones[i]; i++)
		if (vidx_time_parse(h, s, zones[i], &us) == 0) {
			vidx_time_format(us, b);
			vidx_time_format_local(us, zones[i], b);
		}
	vidx_duration_parse(h, s, &us);
	vidx_distance_parse(h, s, &m);
	vidx_tz_valid(s);
	free(s);
	vidx_free(h);
	return 0;
}
