/* camera lists: CSV, or GeoJSON when the first byte is '{' (as a file
 * named .geojson would be read) */
#include <sys/stat.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static char db[600];
	vidx *h = vidx_new();
	vidx_camera *cams = NULL;
	size_t count = 0, ncams = 0, i;
	const char *f = fuzz_file(n && data[0] == '{' ? "cams.geojson" : "cams.csv", data, n);

	if (!db[0])
		snprintf(db, sizeof(db), "%s/index.db", fuzz_dir());
	if (vidx_open(h, db, VIDX_OPEN_CREATE) < 0)
		abort();
	vidx_camera_import(h, f, &count);
	/* back to an empty index for the next input */
	if (vidx_camera_list(h, &cams, &ncams) == 0)
		for (i = 0; i < ncams; i++)
			if (vidx_camera_rm(h, cams[i].id, 1) < 0)
				abort();
	vidx_camera_list_free(cams, ncams);
	vidx_free(h);
	return 0;
}
