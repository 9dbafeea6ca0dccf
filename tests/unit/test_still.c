/* test_still.c - still.c's library call (vidx_still_file), draw.c's
 * escaping (against libavutil's own tokenizer, which libavfilter's graph
 * and option parsers use) and tile layout. */
#include "unit.h"

#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/avstring.h>
#include <libavutil/mem.h>
#include <libavutil/pixfmt.h>

#define US 1000000LL

static vidx *h;
static char dir[] = "/tmp/vidx-unit-still-XXXXXX";
static int64_t start;

static void test_still_file(void **st)
{
	vidx_still *s = NULL, *s2 = NULL;
	char png[400];
	struct stat sb;
	(void)st;
	snprintf(png, sizeof(png), "%s/one.png", dir);
	/* 2.52 s into h264.ts (first frame at pts 1.48): the frame at 4.00 */
	assert_int_equal(vidx_still_file(h, "cam", -1, start + 2520000, png, &s), 0);
	assert_true(s->found);
	assert_null(s->error);
	assert_int_equal(s->pts, 4000000);
	assert_int_equal(s->frame_time, start + 2520000);
	assert_int_equal(s->width, 320);
	assert_string_equal(s->pix_fmt, "yuv420p");
	assert_string_equal(s->png, png);
	assert_int_equal(stat(png, &sb), 0);
	assert_int_equal(sb.st_size, s->png_size);
	assert_int_equal(strlen(s->frame_hash), 64);
	/* 1 us before: the frame before */
	assert_int_equal(vidx_still_file(h, "cam", -1, start + 2519999, NULL, &s2), 0);
	assert_int_equal(s2->pts, 3960000);
	assert_null(s2->png);
	assert_string_not_equal(s2->frame_hash, s->frame_hash);
	vidx_still_free(s2);
	/* the same PNG again: refused, the file as it was */
	assert_int_equal(vidx_still_file(h, "cam", -1, start + 2520000, png, &s2), VIDX_EEXIST);
	assert_null(s2);
	assert_non_null(strstr(vidx_errmsg(h), "not overwritten"));
	assert_int_equal(stat(png, &sb), 0);
	assert_int_equal(sb.st_size, s->png_size);
	/* a recording the camera does not have; a time without footage; no
	 * such camera */
	assert_int_equal(vidx_still_file(h, "cam", 999, start + 2520000, NULL, &s2), VIDX_ENOENT);
	assert_int_equal(vidx_still_file(h, "cam", -1, start + 60 * US, NULL, &s2), VIDX_ENOENT);
	assert_non_null(strstr(vidx_errmsg(h), "no footage at"));
	assert_int_equal(vidx_still_file(h, "nope", -1, start, NULL, &s2), VIDX_ENOENT);
	assert_null(s2);
	vidx_still_free(s);
	vidx_still_free(NULL);
}

/* what libavfilter's two parsers make of a twice-escaped value: the graph
 * parser's token (terminated by [],;) then the option parser's (by :) */
static void test_escape(void **st)
{
	static const char *const hostile[] = {
		"plain", "a:b", "it's", "back\\slash", "[x],y;z", "'quoted'", ":;:[]\\'",
		"%{metadata:vidx.l1}", "", NULL};
	size_t i;
	(void)st;
	for (i = 0; hostile[i]; i++) {
		char *e2 = vidx__av_escape(hostile[i], ":");
		char *e1 = vidx__av_escape(e2, "[],;");
		const char *p = e1;
		char *t1 = av_get_token(&p, "[],;");
		const char *q = t1;
		char *t2;
		assert_int_equal(*p, 0);
		t2 = av_get_token(&q, ":");
		assert_int_equal(*q, 0);
		assert_string_equal(t2, hostile[i]);
		av_free(t1);
		av_free(t2);
		free(e1);
		free(e2);
	}
}

static void test_tiles_layout(void **st)
{
	vidx__tiles t;
	vidx_tile r;
	(void)st;
	assert_int_equal(vidx__tiles_init(h, &t, 5, 320, 180, NULL, AV_PIX_FMT_RGB24, 1, 25), 0);
	assert_int_equal(t.cols, 3);
	assert_int_equal(t.rows, 2);
	assert_int_equal(t.W, 960);
	assert_int_equal(t.H, 2 * (180 + t.band));
	vidx__tiles_rect(&t, 4, &r);
	assert_int_equal(r.x, 320);
	assert_int_equal(r.y, 180 + t.band);
	assert_int_equal(r.vh, 180);
	assert_non_null(strstr(t.desc, "xstack=inputs=5:layout=0_0|320_0|640_0|0_"));
	vidx__tiles_free(&t);
	/* odd sizes, a missing font */
	assert_int_equal(vidx__tiles_init(h, &t, 1, 321, 180, NULL, AV_PIX_FMT_RGB24, 1, 25), VIDX_EINVAL);
	assert_int_equal(vidx__tiles_init(h, &t, 1, 320, 180, "/nonexistent.ttf", AV_PIX_FMT_RGB24, 1, 25),
	                 VIDX_EIO);
	assert_non_null(strstr(vidx_errmsg(h), "/nonexistent.ttf"));
}

static int setup(void **st)
{
	char db[300];
	vidx_camera c = {.id = "cam", .lat = 41.3, .lon = -72.9, .tz = "UTC"};
	vidx_probe_opts o = {.start = "2022-07-04T21:00:00Z"};
	vidx_ingest_result r;
	(void)st;
	if (!mkdtemp(dir) || !(h = vidx_new()))
		return -1;
	snprintf(db, sizeof(db), "%s/vidx.db", dir);
	if (vidx_open(h, db, VIDX_OPEN_CREATE) < 0 || vidx_camera_add(h, &c) < 0 ||
	    vidx_ingest_file(h, fixture("h264.ts"), "cam", &o, &r) < 0 ||
	    vidx_time_parse(h, "2022-07-04T21:00:00Z", NULL, &start) < 0)
		return -1;
	return 0;
}

static int teardown(void **st)
{
	char cmd[400];
	(void)st;
	vidx_free(h);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_still_file),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_tiles_layout),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
