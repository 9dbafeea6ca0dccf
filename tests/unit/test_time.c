/* test_time.c - libindex/time.c: parsing, formatting, zones, DST, names. */
#include "unit.h"

#define US 1000000LL

static vidx *h;

static int64_t parse(const char *s, const char *zone)
{
	int64_t us = 0;
	int rc = vidx_time_parse(h, s, zone, &us);
	if (rc != 0)
		fail_msg("parse '%s': %s", s, vidx_errmsg(h));
	return us;
}

static void test_iso_utc_and_offsets(void **st)
{
	(void)st;
	assert_int_equal(parse("2022-07-04T21:24:30Z", NULL), 1656969870 * US);
	assert_int_equal(parse("2022-07-04T21:24:30.250Z", NULL), 1656969870 * US + 250000);
	assert_int_equal(parse("2022-07-04T23:24:30+02:00", NULL), 1656969870 * US);
	assert_int_equal(parse("2022-07-04T17:24:30-0400", NULL), 1656969870 * US);
	assert_int_equal(parse("2022-07-04 21:24Z", NULL), 1656969840 * US);
	assert_int_equal(parse("1970-01-01T00:00:00Z", NULL), 0);
	assert_int_equal(parse("1969-12-31T23:59:59Z", NULL), -1 * US);
	assert_int_equal(parse("@1656969870.5", NULL), 1656969870 * US + 500000);
	assert_int_equal(parse("2024-02-29T12:00:00.123456Z", NULL),
	                 1709208000 * US + 123456);
}

static void test_bad_times_refused(void **st)
{
	static const char *bad[] = {
		"", "yesterday", "2022-07-04", "2022-13-01T00:00Z",
		"2022-02-29T00:00Z", "2022-07-04T24:00Z", "2022-07-04T21:60Z",
		"2022-07-04T21:24:30+25:00", "2022-07-04T21:24:30Zjunk",
		"2022-07-04T21:24:30.Z", "@", "@12x", "22-07-04 21:24",
	};
	int64_t us;
	size_t i;
	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = vidx_time_parse(h, bad[i], "UTC", &us);
		if (rc != VIDX_EINVAL)
			fail_msg("'%s' accepted (rc %d)", bad[i], rc);
		assert_true(strlen(vidx_errmsg(h)) > 0);
	}
}

static void test_local_times_with_dst(void **st)
{
	int64_t us;
	(void)st;
	/* New York: EDT (-4) in July, EST (-5) in January */
	assert_int_equal(parse("2022-07-04 17:24:30", "America/New_York"), 1656969870 * US);
	assert_int_equal(parse("2022-01-04 16:24:30", "America/New_York"),
	                 parse("2022-01-04T21:24:30Z", NULL));
	/* either side of the spring-forward change of 2022-03-13 */
	assert_int_equal(parse("2022-03-13 01:59:59", "America/New_York"),
	                 parse("2022-03-13T06:59:59Z", NULL));
	assert_int_equal(parse("2022-03-13 03:00:00", "America/New_York"),
	                 parse("2022-03-13T07:00:00Z", NULL));
	/* either side of fall-back, 2022-11-06 */
	assert_int_equal(parse("2022-11-06 00:59:59", "America/New_York"),
	                 parse("2022-11-06T04:59:59Z", NULL));
	assert_int_equal(parse("2022-11-06 02:00:00", "America/New_York"),
	                 parse("2022-11-06T07:00:00Z", NULL));
	/* southern hemisphere: Sydney AEDT (+11) in January */
	assert_int_equal(parse("2022-01-05 08:24:30", "Australia/Sydney"),
	                 parse("2022-01-04T21:24:30Z", NULL));
	/* a person's time in the repeated or skipped hour is refused */
	assert_int_equal(vidx_time_parse(h, "2022-11-06 01:30", "America/New_York", &us),
	                 VIDX_EAMBIG);
	assert_non_null(strstr(vidx_errmsg(h), "ambiguous"));
	assert_int_equal(vidx_time_parse(h, "2022-03-13 02:30", "America/New_York", &us),
	                 VIDX_EAMBIG);
	assert_non_null(strstr(vidx_errmsg(h), "does not exist"));
	/* an offset settles it */
	assert_int_equal(parse("2022-11-06T01:30-05:00", NULL),
	                 parse("2022-11-06T06:30:00Z", NULL));
}

static void test_civil_flags(void **st)
{
	vidx_civil c = {2022, 11, 6, 1, 30, 0, 0};
	int64_t us;
	int flags;
	(void)st;
	assert_int_equal(vidx_civil_to_utc(h, &c, "America/New_York", &us, &flags), 0);
	assert_true(flags & VIDX_TF_AMBIGUOUS);
	assert_int_equal(us, parse("2022-11-06T05:30:00Z", NULL)); /* earlier */
	c = (vidx_civil){2022, 3, 13, 2, 30, 0, 0};
	assert_int_equal(vidx_civil_to_utc(h, &c, "America/New_York", &us, &flags), 0);
	assert_true(flags & VIDX_TF_NONEXISTENT);
	assert_int_equal(us, parse("2022-03-13T07:30:00Z", NULL)); /* EST offset */
	c = (vidx_civil){2022, 7, 4, 21, 24, 30, 0};
	assert_int_equal(vidx_civil_to_utc(h, &c, "UTC", &us, &flags), 0);
	assert_int_equal(flags, VIDX_TF_LOCAL);
	assert_int_equal(vidx_civil_to_utc(h, &c, "Not/AZone", &us, &flags), VIDX_EINVAL);
	c.day = 31;
	c.mon = 6;
	assert_int_equal(vidx_civil_to_utc(h, &c, "UTC", &us, &flags), VIDX_EINVAL);
}

static void test_zone_names(void **st)
{
	(void)st;
	assert_true(vidx_tz_valid("UTC"));
	assert_true(vidx_tz_valid("America/New_York"));
	assert_true(vidx_tz_valid("Europe/Berlin"));
	assert_false(vidx_tz_valid("Mars/Olympus_Mons"));
	assert_false(vidx_tz_valid("../../etc/passwd"));
	assert_false(vidx_tz_valid("/etc/localtime"));
	assert_false(vidx_tz_valid(""));
	assert_false(vidx_tz_valid(NULL));
	assert_false(vidx_tz_valid("America")); /* a directory */
}

static void test_format(void **st)
{
	char b[VIDX_TIME_BUFSZ];
	(void)st;
	assert_string_equal(vidx_time_format(1656969870 * US + 250999, b),
	                    "2022-07-04T21:24:30.250Z");
	assert_string_equal(vidx_time_format(0, b), "1970-01-01T00:00:00.000Z");
	assert_string_equal(vidx_time_format(-1, b), "1969-12-31T23:59:59.999Z");
	assert_string_equal(vidx_time_format(VIDX_TIME_NONE, b), "-");
	assert_string_equal(vidx_time_format_local(1656969870 * US, "America/New_York", b),
	                    "2022-07-04T17:24:30.000-04:00");
	assert_string_equal(vidx_time_format_local(1656969870 * US, "Asia/Kolkata", b),
	                    "2022-07-05T02:54:30.000+05:30");
	/* round trip through the parser */
	assert_int_equal(parse(vidx_time_format(1656969870 * US + 7000, b), NULL),
	                 1656969870 * US + 7000);
}

static void test_zone_restored(void **st)
{
	const char *before = getenv("TZ");
	char *copy = before ? strdup(before) : NULL;
	char b[VIDX_TIME_BUFSZ];
	(void)st;
	parse("2022-07-04 17:24:30", "America/New_York");
	vidx_time_format_local(0, "Asia/Tokyo", b);
	if (copy)
		assert_string_equal(getenv("TZ"), copy);
	else
		assert_null(getenv("TZ"));
	free(copy);
}

static void test_durations(void **st)
{
	static const struct { const char *s; int64_t us; } ok[] = {
		{"90s", 90 * US}, {"15m", 900 * US}, {"2h", 7200 * US},
		{"1h30m", 5400 * US}, {"1.5s", 1500000}, {"250ms", 250000},
		{"2d", 172800 * US}, {"45", 45 * US}, {"0.000001s", 1},
	};
	static const char *bad[] = {"", "s", "5x", "-5s", "1h30", "h", "1.s", "5 s"};
	int64_t us;
	size_t i;
	(void)st;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(vidx_duration_parse(h, ok[i].s, &us), 0);
		assert_int_equal(us, ok[i].us);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (vidx_duration_parse(h, bad[i], &us) != VIDX_EINVAL)
			fail_msg("duration '%s' accepted", bad[i]);
}

static void name(const char *pat, const char *path, const char *want,
                 const char *want_label)
{
	vidx_civil c;
	const char *label = NULL;
	char got[64];
	int utc = 0, rc = vidx_name_time_match(h, pat, path, &c, &utc, &label);
	if (!want) {
		if (rc != 0)
			fail_msg("'%s' matched '%s'", pat, path);
		return;
	}
	if (rc != 1)
		fail_msg("'%s' did not match '%s' (rc %d)", pat, path, rc);
	snprintf(got, sizeof(got), "%04d-%02d-%02d %02d:%02d:%02d.%06d", c.year,
	         c.mon, c.day, c.hour, c.min, c.sec, c.usec);
	assert_string_equal(got, want);
	if (want_label)
		assert_string_equal(label, want_label);
}

static void test_name_patterns(void **st)
{
	(void)st;
	name("auto", "/ev/192.168.1.64_01_20220704212430250.mp4",
	     "2022-07-04 21:24:30.250000", "hikvision");
	name("*_%Y%m%d%H%M%S%L.mp4", "192.168.1.64_01_20220704212430250.mp4",
	     "2022-07-04 21:24:30.250000", NULL);
	name("*_%Y%m%d%H%M%S%L.MP4", "192.168.1.64_01_20220704212430250.mp4",
	     "2022-07-04 21:24:30.250000", NULL); /* literals ignore case */
	name("auto", "NVR_ch1_main_20220704212430_20220704213000.dav",
	     "2022-07-04 21:24:30.000000", "dahua"); /* start, not end */
	name("auto", "x/2022-07-04/21/front_door/24.30.mp4",
	     "2022-07-04 21:24:30.000000", "frigate");
	name("auto", "cam3-2022-07-04_21-24-30.ts", "2022-07-04 21:24:30.000000",
	     "segment");
	name("auto", "IMG_20220704_212430.mp4", "2022-07-04 21:24:30.000000",
	     "yyyymmdd_hhmmss");
	name("auto", "ch02-20220704212430.mp4", "2022-07-04 21:24:30.000000",
	     "yyyymmddhhmmss");
	name("auto", "2022-07-04T21:24:30.mkv", "2022-07-04 21:24:30.000000", "iso");
	/* invalid dates are not times: month 13, Feb 30 */
	name("auto", "cam_20221304212430.mp4", NULL, NULL);
	name("auto", "cam_20220230_212430.mp4", NULL, NULL);
	name("auto", "holiday.mp4", NULL, NULL);
	name("%y%m%d-%H%M.avi", "220704-2124.avi", "2022-07-04 21:24:00.000000", NULL);
	name("clip-%s.%f.mp4", "clip-1656969870.250000.mp4",
	     "2022-07-04 21:24:30.250000", NULL);
	name("?%Y%m%d%H%M%S", "A20220704212430", "2022-07-04 21:24:30.000000", NULL);
	name("%Y%m%d%H%M%S", "A20220704212430", NULL, NULL); /* whole name */
	name("none", "20220704_212430.mp4", NULL, NULL);
}

/* SPAN: want "start end" (or "start -" without an end) */
static void span(const char *pat, const char *path, const char *want,
                 const char *want_label)
{
	vidx_name_span sp;
	char got[96];
	int rc = vidx_name_span_match(h, pat, path, &sp);
	if (!want) {
		if (rc != 0)
			fail_msg("'%s' matched '%s'", pat, path);
		return;
	}
	if (rc != 1)
		fail_msg("'%s' did not match '%s' (rc %d)", pat, path, rc);
	if (sp.has_end)
		snprintf(got, sizeof(got), "%04d-%02d-%02d %02d:%02d:%02d %04d-%02d-%02d "
		         "%02d:%02d:%02d.%03d", sp.start.year, sp.start.mon, sp.start.day,
		         sp.start.hour, sp.start.min, sp.start.sec, sp.end.year, sp.end.mon,
		         sp.end.day, sp.end.hour, sp.end.min, sp.end.sec, sp.end.usec / 1000);
	else
		snprintf(got, sizeof(got), "%04d-%02d-%02d %02d:%02d:%02d -", sp.start.year,
		         sp.start.mon, sp.start.day, sp.start.hour, sp.start.min, sp.start.sec);
	assert_string_equal(got, want);
	if (want_label)
		assert_string_equal(sp.label, want_label);
}

static void test_name_spans(void **st)
{
	(void)st;
	/* a camera's SD card: date, start, end */
	span("auto", "/sd/A231126_181503_181517.265",
	     "2023-11-26 18:15:03 2023-11-26 18:15:17.000", "sdcard");
	/* past midnight: the next day */
	span("auto", "P231126_235950_000010.264",
	     "2023-11-26 23:59:50 2023-11-27 00:00:10.000", "sdcard");
	/* Dahua: both dates written */
	span("auto", "NVR_ch1_main_20220704212430_20220704213000.dav",
	     "2022-07-04 21:24:30 2022-07-04 21:30:00.000", "dahua");
	/* an end before the start with dates written is no end */
	span("auto", "NVR_ch1_main_20220704212430_20220703213000.dav",
	     "2022-07-04 21:24:30 -", "dahua");
	/* the same start and end: no length */
	span("auto", "A231126_181503_181503.265", "2023-11-26 18:15:03 -", "sdcard");
	/* by hand: minutes only, milliseconds */
	span("c_%Y%m%d_%H%M-%EH%EM.h264", "c_20220704_2124-2130.h264",
	     "2022-07-04 21:24:00 2022-07-04 21:30:00.000", NULL);
	span("c_%Y%m%d_%H%M%S%L-%EH%EM%ES%EL.h264", "c_20220704_212430250-212431750.h264",
	     "2022-07-04 21:24:30 2022-07-04 21:24:31.750", NULL);
	/* the first occurrence of an end field wins, like a start's */
	span("%Y%m%d%H%M_%EH%EM_%EH%EM", "202207042124_2130_2140",
	     "2022-07-04 21:24:00 2022-07-04 21:30:00.000", NULL);
	/* out of range end fields do not match at all */
	span("auto", "A231126_181503_251517.265", NULL, NULL);
	/* without end fields: no end */
	span("auto", "IMG_20220704_212430.mp4", "2022-07-04 21:24:30 -", "yyyymmdd_hhmmss");
	/* the old entry point still gives the start */
	name("auto", "A231126_181503_181517.265", "2023-11-26 18:15:03.000000", "sdcard");
}

static void test_pattern_check(void **st)
{
	(void)st;
	assert_int_equal(vidx_name_pattern_check(h, "*%Y%m%d_%H%M%S*"), 0);
	assert_int_equal(vidx_name_pattern_check(h, "auto"), 0);
	assert_int_equal(vidx_name_pattern_check(h, "x-%s"), 0);
	assert_int_equal(vidx_name_pattern_check(h, "%H%M%S"), VIDX_EINVAL);
	assert_int_equal(vidx_name_pattern_check(h, "%Y%m%d%H%M%Q"), VIDX_EINVAL);
	assert_int_equal(vidx_name_pattern_check(h, "%Y%m%d%H%M%"), VIDX_EINVAL);
	assert_int_equal(vidx_name_pattern_check(h, ""), VIDX_EINVAL);
	assert_int_equal(vidx_name_pattern_check(h, "*a*b*c*d*e*f*g*h*i*%Y%m%d%H%M"),
	                 VIDX_EINVAL);
	/* end fields: %E before a letter, at least %EH %EM, no %Es */
	assert_int_equal(vidx_name_pattern_check(h, "?%y%m%d_%H%M%S_%EH%EM%ES.*"), 0);
	assert_int_equal(vidx_name_pattern_check(h, "%Y%m%d%H%M_%EH"), VIDX_EINVAL);
	assert_int_equal(vidx_name_pattern_check(h, "%Y%m%d%H%M_%ES"), VIDX_EINVAL);
	assert_int_equal(vidx_name_pattern_check(h, "%Y%m%d%H%M_%Es"), VIDX_EINVAL);
	assert_int_equal(vidx_name_pattern_check(h, "%Y%m%d%H%M_%EQ"), VIDX_EINVAL);
	assert_int_equal(vidx_name_pattern_check(h, "%Y%m%d%H%M_%E"), VIDX_EINVAL);
}

static void test_backtracking_is_bounded(void **st)
{
	char path[256];
	vidx_civil c;
	int utc;
	(void)st;
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = 0;
	/* 8 stars over 255 characters must finish quickly (and not match) */
	assert_int_equal(vidx_name_time_match(h, "*a*a*a*a*a*a*%Y%m%d%H%M*b",
	                                      path, &c, &utc, NULL), 0);
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
		cmocka_unit_test(test_iso_utc_and_offsets),
		cmocka_unit_test(test_bad_times_refused),
		cmocka_unit_test(test_local_times_with_dst),
		cmocka_unit_test(test_civil_flags),
		cmocka_unit_test(test_zone_names),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_zone_restored),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_name_patterns),
		cmocka_unit_test(test_name_spans),
		cmocka_unit_test(test_pattern_check),
		cmocka_unit_test(test_backtracking_is_bounded),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
