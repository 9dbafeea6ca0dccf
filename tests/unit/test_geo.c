/* test_geo.c - a recording's own place: ISO 6709, GPMF, DJI SRT, MDPM,
 * NMEA, loci, the track checks and the index's track form. */
#include <math.h>

#include "unit.h"

#define US 1000000LL

static vidx *h;

static void test_iso6709(void **st)
{
	static const char *bad[] = {
		"", "32.0929+034.8620/", "+32.0929", "+32.0929+34.8620/",
		"+320.929+034.8620/", "+32.0929+034.8620+/", "+32.0929+034.8620x/",
		"+95.0000+034.8620/", "+32.+034.8620/", "+3260.00+03400.00/",
		"+32.0929+034.8620/junk", "+32.0929+0348.620/",
	};
	double lat, lon, alt;
	size_t i;
	(void)st;
	assert_int_equal(vidx_iso6709_parse(h, "+32.0929+034.8620+028.516/", &lat, &lon, &alt), 0);
	assert_true(fabs(lat - 32.0929) < 1e-12 && fabs(lon - 34.862) < 1e-12 &&
	            fabs(alt - 28.516) < 1e-12);
	assert_int_equal(vidx_iso6709_parse(h, "+51.4169-000.0806/", &lat, &lon, &alt), 0);
	assert_true(fabs(lon + 0.0806) < 1e-12 && isnan(alt));
	/* degrees and minutes; degrees, minutes and seconds; a CRS; no '/' */
	assert_int_equal(vidx_iso6709_parse(h, "+4042.768-07400.360/", &lat, &lon, &alt), 0);
	assert_true(fabs(lat - (40 + 42.768 / 60)) < 1e-12 && fabs(lon + (74 + 0.36 / 60)) < 1e-12);
	assert_int_equal(vidx_iso6709_parse(h, "-334530.5+1511230.25+10CRSWGS_84/", &lat, &lon, &alt), 0);
	assert_true(fabs(lat + (33 + 45 / 60.0 + 30.5 / 3600)) < 1e-12 && alt == 10);
	assert_int_equal(vidx_iso6709_parse(h, "+41.3057-072.9256", &lat, &lon, &alt), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (vidx_iso6709_parse(h, bad[i], &lat, &lon, &alt) != VIDX_EFORMAT)
			fail_msg("'%s' accepted", bad[i]);
	assert_non_null(strstr(vidx_errmsg(h), "ISO 6709"));
}

/* ---- GPMF ---- */
static size_t klv(unsigned char *b, const char *k, int type, int size, int rep)
{
	memcpy(b, k, 4);
	b[4] = (unsigned char)type;
	b[5] = (unsigned char)size;
	b[6] = (unsigned char)(rep >> 8);
	b[7] = (unsigned char)rep;
	return 8;
}
static size_t be32(unsigned char *b, int32_t v)
{
	b[0] = (unsigned char)((uint32_t)v >> 24);
	b[1] = (unsigned char)((uint32_t)v >> 16);
	b[2] = (unsigned char)((uint32_t)v >> 8);
	b[3] = (unsigned char)v;
	return 4;
}

/* DEVC > STRM > GPSF, GPSU, SCAL, GPS5 x 2 */
static size_t gpmf_sample(unsigned char *b, int gps5_rep, int scal)
{
	size_t n = 0, strm, devc;
	devc = n;
	n += klv(b + n, "DEVC", 0, 1, 0);
	strm = n;
	n += klv(b + n, "STRM", 0, 1, 0);
	n += klv(b + n, "GPSF", 'L', 4, 1);
	n += be32(b + n, 3);
	n += klv(b + n, "GPSU", 'U', 16, 1);
	memcpy(b + n, "220705012430.250", 16);
	n += 16;
	n += klv(b + n, "GPSP", 'S', 2, 1);
	b[n++] = 0; b[n++] = 150; b[n++] = 0; b[n++] = 0;
	n += klv(b + n, "SCAL", 'l', 4, 5);
	n += be32(b + n, scal); n += be32(b + n, scal);
	n += be32(b + n, 1000); n += be32(b + n, 1000); n += be32(b + n, 100);
	n += klv(b + n, "GPS5", 'l', 20, gps5_rep);
	n += be32(b + n, 413056800); n += be32(b + n, -729256100); n += be32(b + n, 12500);
	n += be32(b + n, 0); n += be32(b + n, 0);
	n += be32(b + n, 413056900); n += be32(b + n, -729256100); n += be32(b + n, 12600);
	n += be32(b + n, 0); n += be32(b + n, 0);
	b[strm + 6] = (unsigned char)((n - strm - 8) >> 8);
	b[strm + 7] = (unsigned char)(n - strm - 8);
	b[devc + 6] = (unsigned char)((n - devc - 8) >> 8);
	b[devc + 7] = (unsigned char)(n - devc - 8);
	return n;
}

static void test_gpmf(void **st)
{
	unsigned char b[512];
	vidx__gpmf g;
	int64_t us;
	size_t n;
	(void)st;
	memset(&g, 0, sizeof(g));
	n = gpmf_sample(b, 2, 10000000);
	assert_int_equal(vidx__gpmf_payload(&g, b, n), 0);
	assert_int_equal(g.n, 2);
	assert_true(fabs(g.v[0] - 41.30568) < 1e-9 && fabs(g.v[1] + 72.92561) < 1e-9 &&
	            fabs(g.v[2] - 12.5) < 1e-9 && fabs(g.v[3] - 41.30569) < 1e-9);
	assert_int_equal(g.fix, 3);
	assert_int_equal(g.dop, 150);
	assert_string_equal(g.gpsu, "220705012430.250");
	assert_int_equal(vidx__gpmf_gpsu(g.gpsu, &us), 0);
	assert_int_equal(us, 1656984270 * US + 250000);
	assert_int_equal(vidx__gpmf_gpsu("22070501243", &us), -1);
	assert_int_equal(vidx__gpmf_gpsu("221305012430.000", &us), -1);
	/* a count that runs past the container, a scale of 0, cut short */
	g.n = 0;
	n = gpmf_sample(b, 200, 10000000);
	assert_int_equal(vidx__gpmf_payload(&g, b, n), VIDX_EFORMAT);
	assert_non_null(strstr(g.err, "runs past"));
	g.n = 0;
	n = gpmf_sample(b, 2, 0);
	assert_int_equal(vidx__gpmf_payload(&g, b, n), VIDX_EFORMAT);
	assert_non_null(strstr(g.err, "scale of 0"));
	g.n = 0;
	n = gpmf_sample(b, 2, 10000000);
	assert_int_equal(vidx__gpmf_payload(&g, b, n - 9), VIDX_EFORMAT);
	assert_int_equal(vidx__gpmf_payload(&g, (const unsigned char *)"GPS5", 4), VIDX_EFORMAT);
	free(g.v);
}

static void test_djisrt(void **st)
{
	static const char *newer[] = {
		"1\n", "00:00:00,000 --> 00:00:00,033\n",
		"<font size=\"36\">SrtCnt : 1, DiffTime : 33ms\n",
		"2022-08-07 13:40:40,774,808\n",
		"[iso : 100] [latitude: 41.424724] [longitude: 2.234156] [altitude: 117.000000] </font>\n",
		"\n", "2\n", "00:00:00,033 --> 00:00:00,066\n",
		"2022-08-07 13:40:40.808\n",
		"[latitude : 22.6265] [longtitude : -114.0325] [rel_alt: 1.300 abs_alt: 132.778]\n",
	};
	static const char *older[] = {
		"\xef\xbb\xbf" "1\r\n", "00:00:01,000 --> 00:00:02,000\r\n",
		"HOME(149.0251,-20.2532) 2017.08.05 14:11:51\r\n",
		"GPS(149.0251,-20.2533,16) BAROMETER:1.9\r\n", "ISO:100 Shutter:60 EV: Fnum:2.2\r\n",
	};
	vidx__srt s;
	size_t i;
	(void)st;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < sizeof(newer) / sizeof(newer[0]); i++)
		assert_int_equal(vidx__srt_line(&s, newer[i]), 0);
	assert_int_equal(vidx__srt_finish(&s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.cues[0].start, 0);
	assert_int_equal(s.cues[1].end, 66000);
	assert_true(s.cues[0].has_date && s.cues[0].date.usec == 774808 &&
	            s.cues[0].date.sec == 40 && s.cues[0].date.year == 2022);
	assert_true(fabs(s.cues[0].lat - 41.424724) < 1e-12 && fabs(s.cues[0].alt - 117) < 1e-12);
	assert_true(fabs(s.cues[1].lon + 114.0325) < 1e-12 && fabs(s.cues[1].alt - 132.778) < 1e-12);
	assert_int_equal(s.cues[1].date.usec, 808000);
	vidx__srt_free(&s);
	for (i = 0; i < sizeof(older) / sizeof(older[0]); i++)
		assert_int_equal(vidx__srt_line(&s, older[i]), 0);
	assert_int_equal(vidx__srt_finish(&s), 0);
	assert_true(s.cues[0].has_pos && fabs(s.cues[0].lat + 20.2533) < 1e-12 &&
	            fabs(s.cues[0].lon - 149.0251) < 1e-12 && s.cues[0].alt == 16);
	assert_true(s.cues[0].has_date && s.cues[0].date.hour == 14 && s.cues[0].date.day == 5);
	assert_int_equal(s.cues[0].start, US);
	vidx__srt_free(&s);
	/* not a log: clear line numbers */
	assert_int_equal(vidx__srt_line(&s, "1\n"), 0);
	assert_int_equal(vidx__srt_line(&s, "00:00:01 --> x\n"), VIDX_EFORMAT);
	assert_non_null(strstr(s.err, "line 2"));
	vidx__srt_free(&s);
	assert_int_equal(vidx__srt_line(&s, "hello\n"), VIDX_EFORMAT);
	vidx__srt_free(&s);
	assert_int_equal(vidx__srt_finish(&s), VIDX_EFORMAT);
	vidx__srt_free(&s);
}

static void test_mdpm(void **st)
{
	/* the SEI of a Canon camcorder frame, as exiftool's M2TS sample holds
	 * it (date bytes only: 2008-12-31 23:16:24 +01:00) with a start code */
	unsigned char au[] = {
		0, 0, 0, 1, 0x09, 0x10,
		0, 0, 0, 1, 0x06, 0x05, 0x24,
		0x17, 0xee, 0x8c, 0x60, 0xf8, 0x4d, 0x11, 0xd9, 0x8c, 0xd6, 0x08, 0x00,
		0x20, 0x0c, 0x9a, 0x66, 'M', 'D', 'P', 'M', 3,
		0x18, 0x02, 0x20, 0x08, 0x12, 0x19, 0x31, 0x23, 0x16, 0x24,
		0x70, 0xca, 0xf4, 0xff, 0xff, 0x80,
		0, 0, 0, 1, 0x65, 0x88,
	};
	vidx_civil c;
	int off, dst;
	char raw[40];
	(void)st;
	assert_int_equal(vidx__mdpm_find(au, sizeof(au), 0, &c, &off, &dst, raw), 1);
	assert_true(c.year == 2008 && c.mon == 12 && c.day == 31 && c.hour == 23 &&
	            c.min == 16 && c.sec == 24);
	assert_int_equal(off, 60);
	assert_int_equal(dst, 0);
	assert_string_equal(raw, "02200812 31231624");
	/* west, half an hour, DST: 0x40 | 0x20 | 3 << 1 | 1 = -03:30 DST */
	au[35] = 0x67;
	assert_int_equal(vidx__mdpm_find(au, sizeof(au), 0, &c, &off, &dst, raw), 1);
	assert_int_equal(off, -210);
	assert_int_equal(dst, 1);
	/* a bad BCD month; entries out of order; a size past the NAL */
	au[35] = 0x02;
	au[38] = 0x1a;
	assert_int_equal(vidx__mdpm_find(au, sizeof(au), 0, &c, &off, &dst, raw), VIDX_EFORMAT);
	au[38] = 0x12;
	au[39] = 0x18;
	assert_int_equal(vidx__mdpm_find(au, sizeof(au), 0, &c, &off, &dst, raw), VIDX_EFORMAT);
	au[39] = 0x19;
	au[12] = 0x60;
	assert_int_equal(vidx__mdpm_find(au, sizeof(au), 0, &c, &off, &dst, raw), VIDX_EFORMAT);
	/* no SEI at all */
	assert_int_equal(vidx__mdpm_find(au, 6, 0, &c, &off, &dst, raw), 0);
}

static void test_nmea(void **st)
{
	vidx__nmea_fix f;
	const char *why;
	const char *rmc = "$GPRMC,012430.00,A,4118.3408,N,07255.5366,W,12.5,90.0,050722,,,A*45";
	(void)st;
	assert_int_equal(vidx__nmea_sentence(rmc, strlen(rmc), &f, &why), 1);
	assert_int_equal(f.kind, 'R');
	assert_int_equal(f.utc, 1656984270 * US);
	assert_true(fabs(f.lat - (41 + 18.3408 / 60)) < 1e-12 && fabs(f.lon + (72 + 55.5366 / 60)) < 1e-12);
	/* checksum, void, no fix, not a position, garbage */
	assert_int_equal(vidx__nmea_sentence("$GPRMC,012430.00,A,4118.3408,N,07255.5366,W,12.5,90.0,050722,,,A*46", strlen("$GPRMC,012430.00,A,4118.3408,N,07255.5366,W,12.5,90.0,050722,,,A*46"), &f, &why), -1);
	assert_string_equal(why, "checksum mismatch");
	assert_int_equal(vidx__nmea_sentence("$GPRMC,012430,V,,,,,,,050722,,,N", strlen("$GPRMC,012430,V,,,,,,,050722,,,N"), &f, &why), 0);
	assert_non_null(strstr(why, "status V"));
	assert_int_equal(vidx__nmea_sentence("$GNGGA,012430,4118.3408,N,07255.5366,W,0,00,,,M,,M,,", strlen("$GNGGA,012430,4118.3408,N,07255.5366,W,0,00,,,M,,M,,"), &f, &why), 0);
	assert_int_equal(vidx__nmea_sentence("$GNGGA,012430,4118.3408,N,07255.5366,W,1,08,0.9,12.5,M,-34.0,M,,", strlen("$GNGGA,012430,4118.3408,N,07255.5366,W,1,08,0.9,12.5,M,-34.0,M,,"), &f, &why), 1);
	assert_true(f.kind == 'G' && f.alt == 12.5);
	assert_int_equal(vidx__nmea_sentence("$GPRMC,012430,A,41183408,N,07255.5366,W,,,050722,,", strlen("$GPRMC,012430,A,41183408,N,07255.5366,W,,,050722,,"), &f, &why), -1);
	assert_int_equal(vidx__nmea_sentence("$GPRMC,012430,A,4118.3408,X,07255.5366,W,,,050722,,", strlen("$GPRMC,012430,A,4118.3408,X,07255.5366,W,,,050722,,"), &f, &why), -1);
	assert_int_equal(vidx__nmea_sentence("GPRMC", strlen("GPRMC"), &f, &why), -1);
}

static void test_loci(void **st)
{
	unsigned char b[] = {0, 0, 0, 0, 0x15, 0xc7, 'S', 'c', 0, 0,
	                     0xff, 0xff, 0xe0, 0x1a, 0x00, 0x33, 0x80, 0x2e, 0x00, 0x0c, 0x00, 0x00,
	                     'e', 0, 0};
	double lat, lon, alt;
	char raw[128];
	(void)st;
	assert_int_equal(vidx__loci_parse(b, sizeof(b), &lat, &lon, &alt, raw, sizeof(raw)), 0);
	assert_true(fabs(lat - 0x33802e / 65536.0) < 1e-12 && fabs(lon + 0x1fe6 / 65536.0) < 1e-12 &&
	            alt == 12);
	assert_int_equal(vidx__loci_parse(b, 12, &lat, &lon, &alt, raw, sizeof(raw)), VIDX_EFORMAT);
}

static void test_track_clean(void **st)
{
	vidx_place p;
	size_t cap = 0, i;
	vidx_geopoint pts[] = {
		{0, 41.30568, -72.92561, 10},
		{1 * US, 41.30578, -72.92561, 10},
		{2 * US, 0, 0, 0},                   /* no fix */
		{3 * US, 41.30598, -72.92561, 10},
		{4 * US, 42.30598, -72.92561, 10},   /* 111 km in a second */
		{2500000, 41.30600, -72.92561, 10},  /* back in time */
		{5 * US, 41.30618, -72.92561, 10},
		{6 * US, 41.30628, -72.92561, NAN},
	};
	unsigned char *blob;
	size_t len;
	vidx_geopoint *back;
	(void)st;
	memset(&p, 0, sizeof(p));
	p.track_source = VIDX_GEO_GPMF;
	for (i = 0; i < sizeof(pts) / sizeof(pts[0]); i++)
		assert_int_equal(vidx__track_push(&p, &cap, &pts[i]), 0);
	vidx__track_clean(&p);
	assert_int_equal(p.ntrack, 5);
	assert_int_equal(p.dropped, 3);
	assert_int_equal(p.nproblems, 3);
	assert_non_null(strstr(p.problems[0], "0,0"));
	assert_non_null(strstr(p.problems[1], "back in time"));
	assert_non_null(strstr(p.problems[2], "jump of 111"));
	/* the index's form: a round trip to a centimetre and a millisecond */
	assert_int_equal(vidx__track_encode(p.track, p.ntrack, &blob, &len), 0);
	assert_true(len < p.ntrack * 12);
	assert_int_equal(vidx__track_decode(blob, len, p.ntrack, &back), 0);
	for (i = 0; i < p.ntrack; i++) {
		assert_int_equal(back[i].off, p.track[i].off);
		assert_true(fabs(back[i].lat - p.track[i].lat) < 1e-7);
		assert_true(fabs(back[i].lon - p.track[i].lon) < 1e-7);
		assert_true(isnan(p.track[i].alt_m) ? isnan(back[i].alt_m)
		                                    : fabs(back[i].alt_m - p.track[i].alt_m) < 0.06);
	}
	free(back);
	assert_int_equal(vidx__track_decode(blob, len - 1, p.ntrack, &back), -2);
	assert_int_equal(vidx__track_decode(blob, len, p.ntrack + 1, &back), -2);
	free(blob);
	free(p.track);
	/* every point bad: no track, and said so */
	memset(&p, 0, sizeof(p));
	cap = 0;
	p.track_source = VIDX_GEO_NMEA;
	assert_int_equal(vidx__track_push(&p, &cap, &pts[2]), 0);
	vidx__track_clean(&p);
	assert_int_equal(p.track_source, 0);
	assert_null(p.track);
	assert_non_null(strstr(p.problems[1], "no usable point"));
}

static void test_gpx(void **st)
{
	vidx_geopoint pt[2] = {{0, 41.3, -72.9, 5}, {US, 41.31, -72.9, NAN}};
	char *s = vidx_gpx_trk("a<b>&\"c\"", 1656969870 * US, pt, 2, 0);
	(void)st;
	assert_non_null(strstr(s, "<name>a&lt;b&gt;&amp;&quot;c&quot;</name>"));
	assert_non_null(strstr(s, "<trkpt lat=\"41.3000000\" lon=\"-72.9000000\"><ele>5.0</ele>"
	                          "<time>2022-07-04T21:24:30.000Z</time></trkpt>"));
	assert_non_null(strstr(s, "<time>2022-07-04T21:24:31.000Z</time>"));
	free(s);
	s = vidx_gpx_trk("x", VIDX_TIME_NONE, pt, 1, 1);
	assert_non_null(strstr(s, "<wpt lat=\"41.3000000\""));
	free(s);
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
		cmocka_unit_test(test_iso6709),
		cmocka_unit_test(test_gpmf),
		cmocka_unit_test(test_djisrt),
		cmocka_unit_test(test_mdpm),
		cmocka_unit_test(test_nmea),
		cmocka_unit_test(test_loci),
		cmocka_unit_test(test_track_clean),
		cmocka_unit_test(test_gpx),
	};
	return cmocka_run_group_tests_name("geo", tests, setup, teardown);
}
