/* test_index.c - libindex/db.c, camera.c, kf.c, ingest.c. */
#include "unit.h"

#include <unistd.h>

#define US 1000000LL

static vidx *h;
static char dir[] = "/tmp/vidx-unit-index-XXXXXX";
static char db[300];

static int64_t t(const char *s)
{
	int64_t us;
	if (vidx_time_parse(h, s, NULL, &us) < 0)
		fail_msg("%s", vidx_errmsg(h));
	return us;
}

static void add(const char *id, double lat, double lon, const char *tz)
{
	vidx_camera c = {.id = (char *)id, .lat = lat, .lon = lon, .tz = (char *)tz};
	if (vidx_camera_add(h, &c) < 0)
		fail_msg("add %s: %s", id, vidx_errmsg(h));
}

static void test_open_requires_create(void **st)
{
	vidx *x = vidx_new();
	char path[400];
	(void)st;
	snprintf(path, sizeof(path), "%s/none.db", dir);
	assert_int_equal(vidx_open(x, path, 0), VIDX_EIO);
	assert_non_null(strstr(vidx_errmsg(x), "no index at"));
	assert_int_equal(access(path, F_OK), -1); /* nothing created */
	assert_int_equal(vidx_open(x, path, VIDX_OPEN_CREATE), 0);
	vidx_free(x);
	/* a second open finds the schema in place */
	x = vidx_new();
	assert_int_equal(vidx_open(x, path, VIDX_OPEN_READONLY), 0);
	vidx_free(x);
}

static void test_cameras(void **st)
{
	vidx_camera c = {0}, *all;
	size_t n;
	(void)st;
	add("cam-1", 41.3083, -72.9279, "America/New_York");
	c.id = "cam-1";
	c.lat = 1;
	c.lon = 1;
	assert_int_equal(vidx_camera_add(h, &c), VIDX_EEXIST);
	c.id = "../etc";
	assert_int_equal(vidx_camera_add(h, &c), VIDX_EINVAL);
	c.id = "cam-2";
	c.lat = 90.5;
	assert_int_equal(vidx_camera_add(h, &c), VIDX_EINVAL);
	assert_non_null(strstr(vidx_errmsg(h), "latitude"));
	c.lat = 10;
	c.tz = "Nowhere/Atlantis";
	assert_int_equal(vidx_camera_add(h, &c), VIDX_EINVAL);
	c.tz = NULL;
	c.tags = "private, dvr;indoor";
	assert_int_equal(vidx_camera_add(h, &c), 0);
	assert_int_equal(vidx_camera_get(h, "cam-2", &c), 0);
	assert_string_equal(c.tags, "private,dvr,indoor");
	assert_null(c.tz);
	vidx_camera_clear(&c);
	c.id = "cam-2";
	c.name = "Corner store";
	assert_int_equal(vidx_camera_set(h, &c, VIDX_CAM_NAME), 0);
	assert_int_equal(vidx_camera_get(h, "cam-2", &c), 0);
	assert_string_equal(c.name, "Corner store");
	assert_true(c.lat == 10); /* untouched */
	vidx_camera_clear(&c);
	assert_int_equal(vidx_camera_get(h, "cam-9", &c), VIDX_ENOENT);
	assert_int_equal(vidx_camera_list(h, &all, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(all[0].id, "cam-1");
	vidx_camera_list_free(all, n);
}

static void test_clock(void **st)
{
	vidx_clock_obs *o;
	size_t n;
	(void)st;
	assert_int_equal(vidx_clock_add(h, "cam-1", "2022-07-04 21:25:10",
	                                "2022-07-04 21:22:00", "det", "gps"), 0);
	assert_int_equal(vidx_clock_list(h, "cam-1", &o, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(o[0].camera_time, t("2022-07-05T01:25:10Z"));
	assert_int_equal(o[0].true_time, t("2022-07-05T01:22:00Z"));
	assert_string_equal(o[0].camera_time_raw, "2022-07-04 21:25:10");
	vidx_clock_list_free(o, n);
	assert_int_equal(vidx_clock_add(h, "cam-1", "2022-11-06 01:30", "2022-11-06 01:30",
	                                "det", NULL), VIDX_EAMBIG);
	assert_int_equal(vidx_clock_add(h, "nope", "2022-07-04 21:25:10",
	                                "2022-07-04 21:22:00", "det", NULL), VIDX_ENOENT);
}

static int check_kept(void *ctx, const vidx_recording *r)
{
	(void)ctx;
	assert_int_equal(r->time_disagree, 0);
	assert_string_equal(r->time_disagreement, "");
	assert_non_null(r->time_candidates);
	assert_non_null(strstr(r->time_candidates, "\"source\":\"stream\""));
	assert_non_null(strstr(r->time_candidates, "\"source\":\"mtime\""));
	assert_string_equal(r->fps_source, "container");
	return 0;
}

static void test_ingest_and_duplicate(void **st)
{
	vidx_ingest_result r, r2;
	vidx_keyframe *kf;
	vidx_probe *p;
	vidx_probe_opts o = {.keep_keyframes = 1, .tz = "America/New_York"};
	size_t n, i;
	(void)st;
	assert_int_equal(vidx_ingest_file(h, fixture("dahua.dav"), "cam-1", NULL, &r), 0);
	assert_int_equal(r.status, VIDX_INGESTED);
	assert_int_equal(r.start, t("2022-07-05T01:24:30Z")); /* camera's zone */
	assert_int_equal(r.keyframes, 4);
	assert_int_equal(strlen(r.sha256), 64);
	/* stored keyframes equal a fresh probe's */
	assert_int_equal(vidx_recording_keyframes(h, r.recording_id, &kf, &n), 0);
	assert_int_equal(vidx_probe_file(h, fixture("dahua.dav"), &o, &p), 0);
	assert_int_equal(n, p->nkeyframes);
	for (i = 0; i < n; i++) {
		assert_int_equal(kf[i].pts, p->kf[i].pts);
		assert_int_equal(kf[i].pos, p->kf[i].pos);
		assert_int_equal(kf[i].size, p->kf[i].size);
	}
	free(kf);
	vidx_probe_free(p);
	/* same bytes again: duplicate, same id */
	assert_int_equal(vidx_ingest_file(h, fixture("dahua.dav"), "cam-2", NULL, &r2), 0);
	assert_int_equal(r2.status, VIDX_DUPLICATE);
	assert_int_equal(r2.recording_id, r.recording_id);
	assert_string_equal(r2.camera, "cam-1");
	/* reported with the source it is filed with (the DVR's clock) */
	assert_int_equal(r2.time_source, VIDX_SRC_STREAM);
	/* the candidates, their agreement and the rate's source are kept */
	assert_int_equal(vidx_recording_each(h, "cam-1", check_kept, NULL), 0);
	/* a camera with recordings is not removed without force */
	assert_int_equal(vidx_camera_rm(h, "cam-1", 0), VIDX_EEXIST);
}

static void test_ingest_failures_leave_nothing(void **st)
{
	vidx_ingest_result r;
	char path[400], buf[64];
	FILE *f;
	(void)st;
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	f = fopen(path, "w");
	fputs("not video\n", f);
	fclose(f);
	assert_true(vidx_ingest_file(h, path, "cam-1", NULL, &r) < 0);
	assert_int_equal(r.status, VIDX_FAILED);
	assert_int_equal(r.recording_id, -1);
	assert_true(strlen(r.error) > 0);
	assert_true(vidx_ingest_file(h, fixture("h264.ts"), "no-such-cam", NULL, &r) < 0);
	assert_non_null(strstr(r.error, "unknown camera"));
	assert_int_equal(vidx_integrity_check(h, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ok");
	unlink(path);
}

/* several files in one transaction: each still all or nothing */
static int count_rows(void *ctx, const vidx_recording *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static void test_ingest_batch(void **st)
{
	vidx_prepared *x[4] = {NULL};
	vidx_ingest_result r[4];
	vidx_camera c = {.id = "batch-b", .lat = 1, .lon = 1, .tz = "UTC"};
	char copy[400], cmd[4600];
	int before = 0, after = 0;
	(void)st;
	assert_int_equal(vidx_camera_add(h, &c), 0);
	c.id = "batch-a";
	assert_int_equal(vidx_camera_add(h, &c), 0);
	assert_int_equal(vidx_recording_each(h, NULL, count_rows, &before), 0);
	snprintf(copy, sizeof(copy), "%s/copy-of-hevc.ts", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", fixture("hevc.ts"), copy);
	assert_int_equal(system(cmd), 0);
	/* prepared: nothing is written yet */
	assert_int_equal(vidx_ingest_prepare(h, fixture("hevc.ts"), "batch-a", NULL, &x[0], &r[0]), 0);
	assert_int_equal(vidx_ingest_prepare(h, fixture("mjpeg.avi"), "batch-b", NULL, &x[1], &r[1]), 0);
	assert_int_equal(vidx_ingest_prepare(h, copy, "batch-a", NULL, &x[2], &r[2]), 0);
	assert_int_equal(vidx_ingest_prepare(h, fixture("raw.h264"), "batch-a", NULL, &x[3], &r[3]), 0);
	assert_int_equal(r[0].status, VIDX_FAILED);
	assert_int_equal(vidx_recording_each(h, NULL, count_rows, &after), 0);
	assert_int_equal(after, before);
	/* the second file's camera goes before the write: it alone fails */
	assert_int_equal(vidx_camera_rm(h, "batch-b", 0), 0);
	assert_int_equal(vidx_ingest_commit(h, x, 4, r), 1);
	assert_int_equal(r[0].status, VIDX_INGESTED);
	assert_int_equal(r[1].status, VIDX_FAILED);
	assert_true(strlen(r[1].error) > 0);
	assert_int_equal(r[1].recording_id, -1);
	/* the same bytes twice in one batch: the second is a duplicate */
	assert_int_equal(r[2].status, VIDX_DUPLICATE);
	assert_int_equal(r[2].recording_id, r[0].recording_id);
	assert_int_equal(r[3].status, VIDX_INGESTED);
	after = 0;
	assert_int_equal(vidx_recording_each(h, NULL, count_rows, &after), 0);
	assert_int_equal(after, before + 2);
	assert_int_equal(vidx_integrity_check(h, cmd, sizeof(cmd)), 0);
	assert_string_equal(cmd, "ok");
	for (int i = 0; i < 4; i++)
		vidx_prepared_free(x[i]);
	vidx_prepared_free(NULL);
	unlink(copy);
}

static void test_gap_segments(void **st)
{
	vidx_ingest_result r;
	vidx_probe_opts o = {.start = "2022-07-04T21:00:00Z"};
	(void)st;
	assert_int_equal(vidx_ingest_file(h, fixture("gap.ts"), "cam-2", &o, &r), 0);
	assert_int_equal(r.segments, 2);
	assert_int_equal(r.start, t("2022-07-04T21:00:00Z"));
	/* 1.40 .. 14.36 s of stream time, frames of 40 ms: 13 s */
	assert_int_equal(r.end, t("2022-07-04T21:00:13Z"));
}

static void test_kf_codec(void **st)
{
	vidx_keyframe in[5] = {
		{0, 48, 4989, 0}, {2000000, 36328, 5600, 50}, {4000000, 71494, 5843, 100},
		{6040000, 109599, 5776, 151}, {5000000, -1, 0, 0}, /* odd but storable */
	};
	vidx_probe *p;
	vidx_probe_opts o = {.keep_keyframes = 1};
	unsigned char *b;
	vidx_keyframe *out;
	size_t len, i;
	(void)st;
	assert_int_equal(vidx__kf_encode(in, 5, &b, &len), 0);
	assert_int_equal(vidx__kf_decode(b, len, 5, &out), 0);
	for (i = 0; i < 5; i++) {
		assert_int_equal(out[i].pts, in[i].pts);
		assert_int_equal(out[i].pos, in[i].pos);
		assert_int_equal(out[i].size, in[i].size);
	}
	free(out);
	/* truncated or too long: refused, never read past the end */
	assert_int_equal(vidx__kf_decode(b, len - 1, 5, &out), -2);
	assert_int_equal(vidx__kf_decode(b, len, 4, &out), -2);
	b[0] = 99;
	assert_int_equal(vidx__kf_decode(b, len, 5, &out), -2);
	free(b);
	/* a steady GOP costs few bytes per keyframe */
	assert_int_equal(vidx_probe_file(h, fixture("mjpeg.avi"), &o, &p), 0);
	assert_int_equal(vidx__kf_encode(p->kf, p->nkeyframes, &b, &len), 0);
	assert_true(len <= 6 * p->nkeyframes);
	free(b);
	vidx_probe_free(p);
}

static int count_events(void *ctx, const vidx_event *e)
{
	size_t *n = ctx;
	if (*n == 0)
		assert_string_equal(e->prev, "0000000000000000000000000000000000000000000000000000000000000000");
	assert_null(e->problem);
	assert_int_equal(strlen(e->hash), 64);
	(*n)++;
	return 0;
}

static void test_custody_chain(void **st)
{
	size_t n = 0, broken = 9;
	char hash[65];
	(void)st;
	assert_int_equal(vidx_case_new(h, "HOM-1", "Homicide", "det"), 0);
	assert_int_equal(vidx_case_new(h, "HOM-1", "again", "det"), VIDX_EEXIST);
	assert_int_equal(vidx_case_new(h, "../x", "bad id", "det"), VIDX_EINVAL);
	assert_int_equal(vidx_case_new(h, "HOM-2", "", "det"), VIDX_EINVAL);
	assert_int_equal(vidx_case_note(h, "HOM-1", "det", "canvass done"), 0);
	assert_int_equal(vidx_custody_add(h, "HOM-1", "det", "test", "{\"n\":1}", hash), 0);
	assert_int_equal(strlen(hash), 64);
	assert_int_equal(vidx_case_note(h, "HOM-9", "det", "x"), VIDX_ENOENT);
	assert_int_equal(vidx_custody_each(h, "HOM-1", count_events, &n, &broken), 0);
	assert_int_equal(n, 3);
	assert_int_equal(broken, 0);
	/* the log refuses changes through SQLite */
	assert_int_not_equal(sqlite3_exec(((struct vidx *)h)->db,
	                     "UPDATE custody SET by = 'x'", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(((struct vidx *)h)->db,
	                     "DELETE FROM custody", NULL, NULL, NULL), SQLITE_OK);
}

typedef struct rulecheck {
	int n, rule[2];
	int64_t seq[2], old_seq[2];
	const char *problem[2];
} rulecheck;

static int note_rule(void *ctx, const vidx_event *e)
{
	rulecheck *r = ctx;
	if (r->n < 2) {
		r->rule[r->n] = e->rule;
		r->seq[r->n] = e->seq;
		r->old_seq[r->n] = e->old_seq;
		r->problem[r->n] = e->problem;
	}
	r->n++;
	return 0;
}

/* Both hash rules against hashes computed by hand from vidx-case(1)'s
 * definition (sha256sum over the length-prefixed fields): rule 2 covers
 * the place in the case's log, rule 1 the old index-wide number. */
static void test_custody_rules(void **st)
{
	sqlite3 *db = ((struct vidx *)h)->db;
	rulecheck r = {0};
	size_t broken = 9;
	(void)st;
	assert_int_equal(sqlite3_exec(db,
	    "INSERT INTO cases VALUES ('A', 't', 1656984310000000, 'ann');"
	    "INSERT INTO cases VALUES ('B', 't', 1656984310000000, 'ann');"
	    "INSERT INTO custody (case_id, seq, at, by, kind, detail, prev, hash)"
	    " VALUES ('A', 1, 1656984310000000, 'ann', 'case created', '{\"title\":\"t\"}',"
	    " '0000000000000000000000000000000000000000000000000000000000000000',"
	    " '03b90a1290076de5fc81a96c254bac9d92320ffb5ff40479fb74d9cd4880f6ae');"
	    "INSERT INTO custody (case_id, seq, at, by, kind, detail, prev, hash, old_seq)"
	    " VALUES ('B', 1, 1656984310000000, 'ann', 'case created', '{\"title\":\"t\"}',"
	    " '0000000000000000000000000000000000000000000000000000000000000000',"
	    " '053b10e0279642832dac1dc8e0974abb7e9c530c2aa432f8d9a611eb13242e9b', 7)",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(vidx_custody_each(h, "A", note_rule, &r, &broken), 0);
	assert_int_equal(broken, 0);
	assert_int_equal(r.rule[0], 2);
	assert_int_equal(r.seq[0], 1);
	assert_null(r.problem[0]);
	assert_int_equal(vidx_custody_each(h, "B", note_rule, &r, &broken), 0);
	assert_int_equal(broken, 0);
	assert_int_equal(r.rule[1], 1);
	assert_int_equal(r.old_seq[1], 7);
	assert_null(r.problem[1]);
	/* a new event continues each case's own numbering, by rule 2 */
	assert_int_equal(vidx_case_note(h, "B", "ann", "x"), 0);
	r.n = 0;
	assert_int_equal(vidx_custody_each(h, "B", note_rule, &r, &broken), 0);
	assert_int_equal(broken, 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.seq[1], 2);
	assert_int_equal(r.rule[1], 2);
}

static void test_hosts_and_paths(void **st)
{
	vidx_recording_in in;
	vidx_segment sg = {1000000, 2000000, 0};
	char me[256], out[256], where[512];
	int64_t id, id2;
	int dup;
	(void)st;
	/* the default is the machine's name; bad names are refused */
	assert_int_equal(gethostname(me, sizeof(me)), 0);
	assert_string_equal(vidx_host(h), me);
	assert_int_equal(vidx_set_host(h, ""), VIDX_EINVAL);
	assert_int_equal(vidx_set_host(h, "a b"), VIDX_EINVAL);
	assert_int_equal(vidx_set_host(h, "a\nb"), VIDX_EINVAL);
	assert_string_equal(vidx_host(h), me);
	/* a recording seen on host a at a path that does not exist here */
	assert_int_equal(vidx_set_host(h, "a"), 0);
	memset(&in, 0, sizeof(in));
	in.camera = "cam-1";
	in.path = "/nonexistent/vidx/x.ts";
	memset(in.sha256, 0x5a, 32);
	in.size = 10;
	in.format = "mpegts";
	in.vcodec = "h264";
	in.segments = &sg;
	in.nsegments = 1;
	assert_int_equal(vidx_recording_add(h, &in, &id, &dup), 0);
	assert_int_equal(dup, 0);
	assert_int_equal(vidx__recording_by_sha(h, "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
	                 "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a", &id2), 1);
	assert_int_equal(id2, id);
	assert_int_equal(vidx__recording_by_sha(h, "00", &id2), 0);
	assert_int_equal(vidx__path_find(h, id, out, sizeof(out), where, sizeof(where)),
	                 VIDX__PATH_MISSING);
	assert_string_equal(where, "");
	assert_int_equal(vidx_set_host(h, "b"), 0);
	assert_int_equal(vidx__path_find(h, id, out, sizeof(out), where, sizeof(where)),
	                 VIDX__PATH_ELSEWHERE);
	assert_string_equal(where, "on host 'a' at '/nonexistent/vidx/x.ts'");
	/* seen on host b too, at a path that is here: found there */
	in.path = fixture("h264.ts");
	assert_int_equal(vidx_recording_add(h, &in, &id2, &dup), 0);
	assert_int_equal(dup, 1);
	assert_int_equal(vidx__path_find(h, id, out, sizeof(out), where, sizeof(where)),
	                 VIDX__PATH_FOUND);
	assert_string_equal(out, fixture("h264.ts"));
	/* host a: its own path is gone, b's is read (shared storage) */
	assert_int_equal(vidx_set_host(h, "a"), 0);
	assert_int_equal(vidx__path_find(h, id, out, sizeof(out), where, sizeof(where)),
	                 VIDX__PATH_FOUND);
	assert_int_equal(vidx_set_host(h, NULL), 0);
	assert_string_equal(vidx_host(h), me);
}

static int setup(void **st)
{
	(void)st;
	if (!mkdtemp(dir) || !(h = vidx_new()))
		return -1;
	snprintf(db, sizeof(db), "%s/vidx.db", dir);
	return vidx_open(h, db, VIDX_OPEN_CREATE) == 0 ? 0 : -1;
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
		cmocka_unit_test(test_open_requires_create),
		cmocka_unit_test(test_cameras),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_ingest_and_duplicate),
		cmocka_unit_test(test_ingest_failures_leave_nothing),
		cmocka_unit_test(test_ingest_batch),
		cmocka_unit_test(test_gap_segments),
		cmocka_unit_test(test_kf_codec),
		cmocka_unit_test(test_custody_chain),
		cmocka_unit_test(test_custody_rules),
		cmocka_unit_test(test_hosts_and_paths),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
