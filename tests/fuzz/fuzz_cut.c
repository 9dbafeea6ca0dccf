/* the cut of a clip from a source that may be anything (clip.c): the
 * keyframe found by byte offset, the program tables looked for before it
 * (MPEG-TS, M2TS), the leading frames read ahead.  The input's first two
 * bytes give the keyframe's byte offset (in 188-byte units), the rest is
 * the file. */
#include <sys/stat.h>
#include "fuzz.h"
#include "media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	vidx *h;
	vidx__src s;
	vidx__cut c;
	vidx__chain ch;
	const char *f;

	if (n < 3)
		return 0;
	h = vidx_new();
	f = fuzz_file("cut.ts", data + 2, n - 2);
	memset(&c, 0, sizeof(c));
	memset(&ch, 0, sizeof(ch));
	ch.vdts = ch.adts = VIDX_TIME_NONE;
	if (vidx__src_open(h, &s, f) == 0) {
		c.seek_pos = (int64_t)((size_t)data[0] | (size_t)data[1] << 8) * 188;
		c.seek_pts = VIDX_TIME_NONE;
		c.end_pts = INT64_MAX / 2;
		c.frame_dur = 40000;
		c.ts_tables = 1;
		if (vidx__cut_walk(h, &s, &c, &ch, NULL, NULL) == 0) {
			/* and once more as the next part of a clip: the read-ahead */
			vidx__cut d = c;
			d.out_off = c.out_end;
			vidx__cut_walk(h, &s, &d, &ch, NULL, NULL);
		}
	}
	vidx__src_close(&s);
	vidx_free(h);
	return 0;
}
