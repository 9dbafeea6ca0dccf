/* test_report.c - the report's text escapes (report_text.c) and axis steps
 * (report_svg.c).  The shell word is checked against /bin/sh itself: the
 * word it makes must read back, through the shell, as the text it quoted. */
#include "unit.h"
#include <math.h>
#include <unistd.h>

#include "report.h"

static char *html(const char *s)
{
	static rp_buf b;
	rp_buf_free(&b);
	rp_html(&b, s);
	return b.s ? b.s : "";
}

static void test_html(void **state)
{
	(void)state;
	assert_string_equal(html("plain"), "plain");
	assert_string_equal(html("<script>alert('x')</script> & \"q\""),
	                    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
	/* newlines and tabs are text; other control characters become their
	 * control pictures, U+2400 + c */
	assert_string_equal(html("a\nb\tc"), "a\nb\tc");
	assert_string_equal(html("\x01\x1b\x7f"), "\xe2\x90\x81\xe2\x90\x9b\xe2\x90\xa1");
	/* UTF-8 kept; bytes that are not UTF-8 (a lone continuation, an
	 * overlong '<', a surrogate) become U+FFFD, never markup */
	assert_string_equal(html("Caf\xc3\xa9 \xe2\x80\x94"), "Caf\xc3\xa9 \xe2\x80\x94");
	assert_string_equal(html("\x80"), "\xef\xbf\xbd");
	assert_string_equal(html("\xc0\xbc"), "\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(html("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(html(NULL), "");
}

/* what the shell reads WORD as */
static void shell_reads(const char *text)
{
	rp_buf b = {0}, cmd = {0};
	char out[4096];
	size_t n;
	FILE *p;

	rp_shell(&b, text);
	rp_puts(&cmd, "printf %s ");
	rp_puts(&cmd, b.s);
	assert_non_null(p = popen(cmd.s, "r"));
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	assert_int_equal(pclose(p), 0);
	assert_string_equal(out, text);
	rp_buf_free(&b);
	rp_buf_free(&cmd);
}

static void test_shell(void **state)
{
	rp_buf b = {0};
	(void)state;
	rp_shell(&b, "plain/path-1.mp4");
	assert_string_equal(b.s, "plain/path-1.mp4"); /* no quotes needed */
	rp_buf_free(&b);
	rp_shell(&b, "");
	assert_string_equal(b.s, "''");
	rp_buf_free(&b);
	shell_reads("it's");
	shell_reads("a b");
	shell_reads("$(touch /tmp/vidx-pwned) `x` $HOME; rm -rf /; *");
	shell_reads("new\nline \"q\" \\ '' '");
	shell_reads("{\"camera\":\"bus\",\"start\":\"2022-07-05T01:25:00.000Z\"}");
	assert_int_equal(access("/tmp/vidx-pwned", F_OK), -1);
}

static char *csv(const char *s)
{
	static rp_buf b;
	rp_buf_free(&b);
	rp_csv(&b, s);
	return b.s ? b.s : "";
}

static void test_csv(void **state)
{
	(void)state;
	assert_string_equal(csv("plain"), "plain");
	assert_string_equal(csv("a,b"), "\"a,b\"");
	assert_string_equal(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
	/* one record per line, whatever the names hold */
	assert_string_equal(csv("a\nb\r\tc\x01"), "a\\nb\\r\\tc\\x01");
	assert_string_equal(csv(NULL), "");
}

static void test_url(void **state)
{
	rp_buf b = {0};
	(void)state;
	rp_url(&b, "pull-2/cam/a b#c?d%e\"f<.mp4");
	assert_string_equal(b.s, "pull-2/cam/a%20b%23c%3Fd%25e%22f%3C.mp4");
	rp_buf_free(&b);
}

static void test_nice_step(void **state)
{
	(void)state;
	assert_true(fabs(rp__nice_step(120, 1) - 200) < 1e-9);
	assert_true(fabs(rp__nice_step(90, 1) - 100) < 1e-9);
	assert_true(fabs(rp__nice_step(0.33, 1) - 0.5) < 1e-12);
	assert_true(fabs(rp__nice_step(1000, 8) - 200) < 1e-9);
	assert_true(fabs(rp__nice_step(-1, 1) - 1) < 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_shell),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_nice_step),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
