/* the text a recording carries about its place: ISO 6709 points (Apple,
 * MP4 (c)xyz) and NMEA sentences (dashcams); the first byte picks which */
#include <math.h>
#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	vidx *h = vidx_new();
	char *s;
	double lat, lon, alt;
	vidx__nmea_fix f;
	const char *why;

	if (!n)
		goto out;
	s = fuzz_str(data + 1, n - 1);
	if (data[0] & 1) {
		if (vidx_iso6709_parse(h, s, &lat, &lon, &alt) == 0 &&
		    (fabs(lat) > 90 || fabs(lon) > 180 || !isfinite(lat)))
			abort(); /* accepted but not on Earth */
	} else {
		if (vidx__nmea_sentence(s, strlen(s), &f, &why) == 1 &&
		    (fabs(f.lat) > 90 || fabs(f.lon) > 180))
			abort();
	}
	free(s);
out:
	vidx_free(h);
	return 0;
}
