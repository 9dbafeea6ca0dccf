/* binary device metadata: a GoPro GPMF payload, an H.264 access unit
 * with an AVCHD MDPM SEI (Annex B or length-prefixed), a 3GPP loci box,
 * the index's own track blob and a Novatek freeGPS block; the first byte
 * picks which */
#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const unsigned char *b = data + 1;
	vidx__gpmf g;
	vidx_civil c;
	vidx_geopoint *pt;
	int off, dst;
	char raw[128];
	double lat, lon, alt;

	if (!n)
		return 0;
	n--;
	switch (data[0] % 6) {
	case 5: {
		vidx__nmea_fix f;
		const char *why;
		vidx__freegps_block(b, n, &f, &why);
		break;
	}
	case 0:
		memset(&g, 0, sizeof(g));
		vidx__gpmf_payload(&g, b, n);
		if (g.gpsu[0]) {
			int64_t us;
			vidx__gpmf_gpsu(g.gpsu, &us);
		}
		free(g.v);
		break;
	case 1:
		vidx__mdpm_find(b, n, 0, &c, &off, &dst, raw);
		break;
	case 2:
		vidx__mdpm_find(b, n, 4, &c, &off, &dst, raw);
		break;
	case 3:
		vidx__loci_parse(b, n, &lat, &lon, &alt, raw, sizeof(raw));
		break;
	default:
		if (vidx__track_decode(b, n, n / 4, &pt) == 0)
			free(pt);
	}
	return 0;
}
