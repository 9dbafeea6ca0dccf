/* decoding media that may be anything into stills and a tile (decode.c,
 * draw.c): probed, then the first GOP decoded from its keyframe as a still
 * is, each frame hashed, made a PNG and drawn as a labelled tile.  Seeded
 * with the fixtures, mutated. */
#include <sys/stat.h>
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
#include "fuzz.h"
#include "media.h"

typedef struct ctx {
	vidx *h;
	int n;
} ctx;

static int on_frame(void *c, AVFrame *f, int64_t pts)
{
	ctx *x = c;
	char hex[65], conv[200];
	unsigned char *png = NULL;
	size_t len;
	static const char *const text[] = {"Title", "fuzz", NULL};
	vidx__tiles t;
	AVFrame *out = av_frame_alloc();

	(void)pts;
	vidx__frame_hash(f, hex);
	if (f->width <= 2048 && f->height <= 2048 &&
	    vidx__png(x->h, f, text, &png, &len, conv) == 0)
		free(png);
	if (out && f->width <= 2048 && f->height <= 2048 &&
	    vidx__tiles_init(x->h, &t, 1, 64, 48, NULL, AV_PIX_FMT_RGB24, 1, 1) == 0) {
		if (vidx__tiles_set(x->h, &t, 0, f, "cam", "true", "camera", NULL) == 0 &&
		    vidx__tiles_run(x->h, &t, 0, 0, out) == 0)
			vidx__tiles_run(x->h, &t, 0, 1, out);
		vidx__tiles_free(&t);
	}
	av_frame_free(&out);
	return ++x->n >= 3; /* three frames are enough */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	vidx_probe_opts o = {0};
	vidx_probe *p = NULL;
	vidx *h = vidx_new();
	const char *f = fuzz_file("media.bin", data, n);
	vidx__src s;
	vidx__cut c = {0};
	vidx__decode d = {0};
	ctx x = {h, 0};

	o.keep_keyframes = 1;
	if (vidx_probe_file(h, f, &o, &p) == 0 && p->nkeyframes && p->kf) {
		/* a stream without timestamps: the index places its first
		 * keyframe at 0, as ingest does */
		c.seek_pts = p->kf[0].pts == VIDX_TIME_NONE ? 0 : p->kf[0].pts;
		c.seek_pos = p->kf[0].pos;
		c.end_pts = c.seek_pts + 200000;
		c.frame_dur = p->frame_dur > 0 ? p->frame_dur : 40000;
		/* one thread, or the decoder's own two (frame threads, whose
		 * messages are counted across threads: vidx__avlog) */
		d.threads = n & 1 ? 2 : 1;
		d.keep = 1;
		d.on_frame = on_frame;
		d.ctx = &x;
		if (vidx__src_open(h, &s, f) == 0)
			vidx__decode_cut(h, &s, &c, &d);
		vidx__src_close(&s);
		vidx__decode_free(&d);
	}
	vidx_probe_free(p);
	vidx_free(h);
	return 0;
}
