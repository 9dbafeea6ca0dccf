/*
 * report_pdf.c - print the report page to PDF with headless Chromium.
 *
 * The browser runs as a child process with a fresh profile folder of its
 * own, no network features (no background networking, component updates or
 * sync) and the page as a file: URL; it writes the PDF itself.  What it
 * says goes to a log file, whose last line explains a failure.
 */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

extern char **environ;

#define WAIT_S 180 /* a page with hundreds of clips still prints in seconds */

static int in_path(const char *name, char *out, size_t n)
{
	const char *p = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(name, '/')) {
		snprintf(out, n, "%s", name);
		return access(name, X_OK) == 0;
	}
	if (!p)
		p = "/usr/bin:/bin";
	while (*p) {
		size_t l = strcspn(p, ":");
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)l, p, name);
		if (l && access(buf, X_OK) == 0) {
			snprintf(out, n, "%s", buf);
			return 1;
		}
		p += l + (p[l] == ':');
	}
	return 0;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	remove(p);
	return 0;
}

/* run ARGV with stdout and stderr into LOG; its exit status, or -1 */
static int run(char *const argv[], const char *log, int wait_s)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st = 0, rc, i;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	for (i = 0; i < wait_s * 10; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (w < 0 && errno != EINTR)
			return -1;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	errno = ETIMEDOUT;
	return -1;
}

/* the last non-empty line of LOG that is not a known harmless one */
static void last_line(const char *log, char *out, size_t n)
{
	FILE *f = fopen(log, "re");
	char line[512];

	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		size_t l = strcspn(line, "\r\n");
		line[l] = 0;
		if (l)
			snprintf(out, n, "%s", line);
	}
	fclose(f);
}

int rp__pdf(vidx *h, const char *chromium, const char *page, const char *pdf,
            char *version, size_t n)
{
	static const char *names[] = {"chromium", "chromium-browser", "google-chrome",
	                              "google-chrome-stable", NULL};
	char bin[PATH_MAX], prof[PATH_MAX], log[PATH_MAX + 16], url[PATH_MAX * 3 + 8];
	char arg_prof[PATH_MAX + 32], arg_pdf[PATH_MAX + 32], why[400];
	const char *tmp = getenv("TMPDIR");
	rp_buf u = {0};
	struct stat sb;
	int i, st, rc = 0;

	if (!chromium || !*chromium)
		chromium = getenv("VIDX_CHROMIUM");
	if (chromium && *chromium) {
		if (!in_path(chromium, bin, sizeof(bin)))
			return vidx__fail(h, VIDX_ENOENT, "--pdf: cannot run the browser '%s' "
			                  "($VIDX_CHROMIUM)", chromium);
	} else {
		for (i = 0; names[i] && !in_path(names[i], bin, sizeof(bin)); i++)
			;
		if (!names[i])
			return vidx__fail(h, VIDX_ENOENT, "--pdf needs headless Chromium, which is "
			                  "not installed: install it with 'apt-get install chromium' "
			                  "(or name a browser in $VIDX_CHROMIUM)");
	}
	snprintf(prof, sizeof(prof), "%s/vidx-chromium-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(prof))
		return vidx__fail(h, VIDX_EIO, "--pdf: cannot make a browser profile: %s",
		                  strerror(errno));
	snprintf(log, sizeof(log), "%s/log", prof);
	{
		char *argv[] = {bin, "--version", NULL};
		char vlog[PATH_MAX + 16];
		snprintf(vlog, sizeof(vlog), "%s/version", prof);
		if (run(argv, vlog, 30) == 0)
			last_line(vlog, version, n);
		else
			snprintf(version, n, "%s", bin);
	}
	rp_puts(&u, "file://");
	rp_url(&u, page);
	snprintf(url, sizeof(url), "%s", u.s ? u.s : "");
	rp_buf_free(&u);
	snprintf(arg_prof, sizeof(arg_prof), "--user-data-dir=%s/profile", prof);
	snprintf(arg_pdf, sizeof(arg_pdf), "--print-to-pdf=%s", pdf);
	{
		/* as root, Chromium runs only without its sandbox; the page is ours */
		char *argv[] = {bin, "--headless", "--disable-gpu", "--no-first-run",
		                "--disable-background-networking", "--disable-component-update",
		                "--disable-sync", "--disable-extensions", "--mute-audio",
		                "--no-pdf-header-footer", arg_prof, arg_pdf, url,
		                geteuid() == 0 ? "--no-sandbox" : NULL, NULL};
		st = run(argv, log, WAIT_S);
	}
	if (st < 0)
		rc = vidx__fail(h, VIDX_EIO, "--pdf: cannot run '%s': %s", bin, strerror(errno));
	else if (st != 0 || stat(pdf, &sb) < 0 || sb.st_size == 0) {
		last_line(log, why, sizeof(why));
		rc = vidx__fail(h, VIDX_EIO, "--pdf: '%s' made no PDF (exit %d)%s%s", bin, st,
		                why[0] ? ": " : "", why);
	}
	nftw(prof, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
