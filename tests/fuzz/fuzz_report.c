/* the manifests and custody details a report reads: the input up to the
 * first NUL byte is a pull's manifest.json (its hash recorded in a pull
 * event, so the report believes it), the rest the detail of a verify
 * event; the report is written (page and timelines) from a fresh index */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include "fuzz.h"

static int rm_cb(const char *p, const struct stat *sb, int f, struct FTW *w)
{
	(void)sb;
	(void)f;
	(void)w;
	remove(p);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	vidx *h = vidx_new();
	const uint8_t *z = memchr(data, 0, n);
	size_t m = z ? (size_t)(z - data) : n, i;
	unsigned char d[32];
	char hex[65], db[600], out[600], ts[600], csv[600], *detail = NULL, *verify;
	vidx_report_opts o = {0};

	fuzz_file("manifest.json", data, m);
	EVP_Digest(data, m, d, NULL, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	snprintf(db, sizeof(db), ":memory:"); /* nothing to keep: a fresh index each time */
	snprintf(out, sizeof(out), "%s/report", fuzz_dir());
	snprintf(ts, sizeof(ts), "%s/t.jsonl", fuzz_dir());
	snprintf(csv, sizeof(csv), "%s/t.csv", fuzz_dir());
	remove(ts);
	remove(csv);
	nftw(out, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
	verify = fuzz_str(z ? z + 1 : data, z ? n - m - 1 : 0);
	if (!(detail = malloc(strlen(fuzz_dir()) + 200)))
		abort();
	sprintf(detail, "{\"folder\":\"%s\",\"manifest_sha256\":\"%s\",\"clips\":[],\"failed\":0}",
	        fuzz_dir(), hex);
	if (vidx_open(h, db, VIDX_OPEN_CREATE) == 0 &&
	    vidx_camera_add(h, &(vidx_camera){.id = "cam", .name = "Cam", .lat = 41.3,
	                                      .lon = -72.9, .tz = "America/New_York"}) == 0 &&
	    vidx_case_new(h, "C", "fuzz", "fuzz") == 0 &&
	    vidx_custody_add(h, "C", "fuzz", "pull", detail, NULL) == 0) {
		vidx_custody_add(h, "C", "fuzz", "verify", verify, NULL);
		o.case_id = "C";
		o.by = "fuzz";
		o.out_dir = out;
		o.timesketch = ts;
		o.l2tcsv = csv;
		vidx_report(h, &o);
	}
	free(detail);
	free(verify);
	vidx_free(h);
	return 0;
}
