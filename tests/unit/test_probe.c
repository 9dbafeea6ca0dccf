/* test_probe.c - libindex/probe.c, mp4.c, dhav.c, json.c over the fixtures. */
#include "unit.h"

#include <jansson.h>
#include <unistd.h>

#define US 1000000LL

static vidx *h;

static vidx_probe *probe(const char *name, const vidx_probe_opts *o)
{
	vidx_probe *p = NULL;
	int rc = vidx_probe_file(h, fixture(name), o, &p);
	if (rc != 0)
		fail_msg("probe %s: %s", name, vidx_errmsg(h));
	return p;
}

static void test_every_fixture(void **st)
{
	static const struct {
		const char *name, *format, *codec, *method;
		size_t keyframes;
		int w;
	} f[] = {
		{"h264_bframes.mp4", "mov,mp4,m4a,3gp,3g2,mj2", "h264", "container-index", 4, 320},
		{"h264_frag.mp4", "mov,mp4,m4a,3gp,3g2,mj2", "h264", "packet-scan", 8, 320},
		{"h264.mkv", "matroska,webm", "h264", "cues", 4, 320},
		{"h264.ts", "mpegts", "h264", "ts-scan", 8, 320},
		{"hevc.ts", "mpegts", "hevc", "ts-scan", 8, 320},
		{"mjpeg.avi", "avi", "mjpeg", "packet-scan", 150, 160},
		{"raw.h264", "h264", "h264", "packet-scan", 4, 320},
		{"dahua.dav", "dhav", "h264", "packet-scan", 4, 320},
		{"gap.ts", "mpegts", "h264", "ts-scan", 8, 320},
	};
	vidx_probe_opts o = {.keep_keyframes = 1, .tz = "UTC"};
	size_t i, k;
	(void)st;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		vidx_probe *p = probe(f[i].name, &o);
		assert_string_equal(p->format, f[i].format);
		assert_string_equal(p->vcodec, f[i].codec);
		assert_string_equal(p->index_method, f[i].method);
		assert_int_equal(p->nkeyframes, f[i].keyframes);
		assert_int_equal(p->width, f[i].w);
		assert_true(p->has_video);
		assert_false(p->damaged);
		assert_non_null(p->kf);
		for (k = 1; k < p->nkeyframes; k++) {
			if (p->kf[k].pts != VIDX_TIME_NONE)
				assert_true(p->kf[k].pts > p->kf[k - 1].pts);
			assert_true(p->kf[k].pos > p->kf[k - 1].pos);
			assert_true(p->kf[k].size > 0);
		}
		assert_true(p->start != VIDX_TIME_NONE);
		assert_int_equal(p->end - p->start, p->duration);
		vidx_probe_free(p);
	}
}

static void test_mp4_pts_from_tables(void **st)
{
	vidx_probe_opts o = {.keep_keyframes = 1};
	vidx_probe *p = probe("h264_bframes.mp4", &o);
	(void)st;
	/* dts start at -0.08 s (B-frames, edit list); pts of the keyframes
	 * are 0, 2, 4, 6 s exactly */
	assert_int_equal(p->kf[0].pts, 0);
	assert_int_equal(p->kf[1].pts, 2 * US);
	assert_int_equal(p->kf[3].pts, 6 * US);
	assert_int_equal(p->nb_packets, 200);
	assert_int_equal(p->duration, 8 * US);
	assert_int_equal(p->start, 1656969870 * US);
	assert_int_equal(p->time_source, VIDX_SRC_CONTAINER);
	vidx_probe_free(p);
}

static void test_dhav_stream_time(void **st)
{
	vidx_probe_opts o = {.tz = "America/New_York"};
	vidx_probe *p = probe("dahua.dav", &o);
	(void)st;
	assert_int_equal(p->time_source, VIDX_SRC_STREAM);
	/* 21:24:30 EDT = 01:24:30 UTC the next day */
	assert_int_equal(p->start, 1656984270 * US);
	assert_int_equal(p->duration, 8 * US);
	assert_non_null(strstr(p->cand[p->chosen].raw, "2022-07-04 21:24:30"));
	assert_true(p->cand[p->chosen].flags & VIDX_TF_LOCAL);
	vidx_probe_free(p);
}

static void test_gap(void **st)
{
	vidx_probe *p = probe("gap.ts", NULL);
	(void)st;
	assert_int_equal(p->ngaps, 1);
	assert_int_equal(p->gaps[0].kind, VIDX_GAP_JUMP);
	assert_int_equal(p->gaps[0].from, 5360000);
	assert_int_equal(p->gaps[0].to, 10400000);
	vidx_probe_free(p);
	/* a threshold above the jump hides it */
	{
		vidx_probe_opts o = {.gap_min = 6 * US};
		p = probe("gap.ts", &o);
		assert_int_equal(p->ngaps, 0);
		vidx_probe_free(p);
	}
}

static void test_keyframes_counted_not_kept(void **st)
{
	vidx_probe *p = probe("h264.ts", NULL);
	(void)st;
	assert_null(p->kf);
	assert_int_equal(p->nkeyframes, 8);
	vidx_probe_free(p);
}

static void test_manual_and_name_sources(void **st)
{
	vidx_probe_opts o = {.start = "2022-07-04T21:00:00Z"};
	vidx_probe *p = probe("dahua.dav", &o);
	char dir[] = "/tmp/vidx-unit-XXXXXX", link[256];
	(void)st;
	assert_int_equal(p->time_source, VIDX_SRC_MANUAL);
	assert_int_equal(p->start, 1656968400 * US);
	assert_true(p->ncand >= 3); /* manual, stream, mtime all shown */
	vidx_probe_free(p);

	assert_non_null(mkdtemp(dir));
	snprintf(link, sizeof(link), "%s/192.168.1.64_01_20220704212430250.mp4", dir);
	assert_int_equal(symlink(fixture("h264_bframes.mp4"), link), 0);
	o = (vidx_probe_opts){.tz = "UTC"};
	assert_int_equal(vidx_probe_file(h, link, &o, &p), 0);
	assert_int_equal(p->time_source, VIDX_SRC_FILENAME);
	assert_int_equal(p->start, 1656969870 * US + 250000);
	vidx_probe_free(p);
	o.name_time = "none";
	assert_int_equal(vidx_probe_file(h, link, &o, &p), 0);
	assert_int_equal(p->time_source, VIDX_SRC_CONTAINER);
	vidx_probe_free(p);
	o.name_time = "%Q";
	assert_int_equal(vidx_probe_file(h, link, &o, &p), VIDX_EINVAL);
	assert_null(p);
	unlink(link);
	rmdir(dir);
}

static void test_bad_inputs(void **st)
{
	char dir[] = "/tmp/vidx-unit-XXXXXX", path[256];
	vidx_probe *p = (vidx_probe *)1;
	FILE *f;
	(void)st;
	assert_int_equal(vidx_probe_file(h, "/nonexistent/x.mp4", NULL, &p), VIDX_EIO);
	assert_null(p);
	assert_string_equal(vidx_errmsg(h), "No such file or directory");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(vidx_probe_file(h, dir, NULL, &p), VIDX_EIO);
	snprintf(path, sizeof(path), "%s/empty.mp4", dir);
	f = fopen(path, "w");
	fclose(f);
	assert_int_equal(vidx_probe_file(h, path, NULL, &p), VIDX_EFORMAT);
	assert_string_equal(vidx_errmsg(h), "empty file");
	unlink(path);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	f = fopen(path, "w");
	fputs("Suspect seen at 21:24, white van.\n", f);
	fclose(f);
	assert_int_equal(vidx_probe_file(h, path, NULL, &p), VIDX_EFORMAT);
	assert_null(p);
	unlink(path);
	rmdir(dir);
}

static void test_json(void **st)
{
	vidx_probe_opts o = {.keep_keyframes = 1, .tz = "UTC"};
	vidx_probe *p = probe("h264_bframes.mp4", &o);
	char *s = vidx_probe_json(p, 1);
	json_error_t e;
	json_t *j = json_loads(s, 0, &e), *kf;
	(void)st;
	assert_non_null(j);
	assert_null(strchr(s, '\n'));
	assert_string_equal(json_string_value(json_object_get(j, "start")),
	                    "2022-07-04T21:24:30.000Z");
	assert_string_equal(json_string_value(json_object_get(j, "time_source")),
	                    "container");
	kf = json_object_get(j, "keyframes");
	assert_int_equal(json_array_size(kf), 4);
	assert_true(json_real_value(json_object_get(json_array_get(kf, 1), "pts_s")) == 2.0);
	assert_int_equal(json_integer_value(json_object_get(j, "keyframe_count")), 4);
	json_decref(j);
	free(s);
	s = vidx_probe_json(p, 0);
	assert_null(strstr(s, "\"keyframes\""));
	free(s);
	vidx_probe_free(p);
	/* bytes that are not UTF-8 survive as \xNN, never an invalid document */
	s = vidx_error_json("cam\xff.mp4", "empty file");
	j = json_loads(s, 0, &e);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "path")), "cam\\xff.mp4");
	json_decref(j);
	free(s);
}

static void test_free_null(void **st)
{
	(void)st;
	vidx_probe_free(NULL);
	vidx_free(NULL);
	assert_string_equal(vidx_source_name(VIDX_SRC_MTIME), "mtime");
	assert_string_equal(vidx_version(), VIDX_VERSION);
}

static int setup(void **st)
{
	(void)st;
	h = vidx_new();
	return h ? 0 : -1;
}

static int teardown(void **st)
{
	(void)st;
	vidx_free(h);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fixture),
		cmocka_unit_test(test_mp4_pts_from_tables),
		cmocka_unit_test(test_dhav_stream_time),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_keyframes_counted_not_kept),
		cmocka_unit_test(test_manual_and_name_sources),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_free_null),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
