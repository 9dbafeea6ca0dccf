/*
 * map.c - reading a recording through a memory map, one window at a time.
 *
 * The container readers of our own (mkv.c, ts.c) look at a few bytes every
 * few kilobytes.  Through read(2) each look is a system call or a copy of
 * everything in between; through a map it is a page fault every 64 KB (the
 * kernel maps the cached pages around a fault in one go) and no copy.  The
 * window is moved along the file, so what is mapped stays bounded.
 *
 * A mapped file that shrinks under us (someone copies over it, truncates
 * it) or whose disk fails raises SIGBUS at the next access, which would
 * kill the process.  vidx__map_run() catches that for the calling thread's
 * own window and turns it into an error; any other SIGBUS goes on to the
 * handler that was there before.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define WIN ((int64_t)16 << 20)

void vidx__map_init(vidx__map *m, int fd, int64_t size)
{
	memset(m, 0, sizeof(*m));
	m->fd = fd;
	m->size = size;
}

void vidx__map_close(vidx__map *m)
{
	if (m->base)
		munmap((void *)m->base, (size_t)m->len);
	m->base = NULL;
	m->off = m->len = 0;
}

const unsigned char *vidx__map_slow(vidx__map *m, int64_t pos, int64_t n)
{
	static int64_t page;
	int64_t off, len;
	void *p;

	if (pos < 0 || n < 0 || pos > m->size || n > m->size - pos)
		return NULL;
	if (!page)
		page = sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096;
	off = pos / page * page;
	len = n + (pos - off) > WIN ? n + (pos - off) : WIN;
	if (len > m->size - off)
		len = m->size - off;
	vidx__map_close(m);
	if (len <= 0)
		return NULL;
	p = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, m->fd, off);
	if (p == MAP_FAILED) {
		m->err = errno ? errno : ENOMEM;
		return NULL;
	}
	/* the readers go forward: read ahead when the pages are not cached */
	madvise(p, (size_t)len, MADV_SEQUENTIAL);
	m->base = p;
	m->off = off;
	m->len = len;
	return m->base + (pos - off);
}

/* ---- SIGBUS: a page of the window the file no longer has ---------------- */

static _Thread_local vidx__map *volatile cur;
static _Thread_local sigjmp_buf *volatile cur_jb;
static struct sigaction old_bus;
static pthread_mutex_t bus_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	vidx__map *m = cur;
	const unsigned char *a = si ? si->si_addr : NULL;

	if (m && cur_jb && m->base && a >= m->base && a < m->base + m->len)
		siglongjmp(*cur_jb, 1);
	/* not a fault of ours: as if we had never been here */
	if (old_bus.sa_flags & SA_SIGINFO) {
		old_bus.sa_sigaction(sig, si, uc);
	} else if (old_bus.sa_handler != SIG_DFL && old_bus.sa_handler != SIG_IGN) {
		old_bus.sa_handler(sig);
	} else {
		/* the faulting access runs again and gets the default action */
		struct sigaction dfl;
		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		sigemptyset(&dfl.sa_mask);
		sigaction(SIGBUS, &dfl, NULL);
	}
}

/* Put the guard in front of whatever handles SIGBUS now.  Checked on every
 * run: the program may have set a handler of its own since. */
static int bus_install(void)
{
	struct sigaction sa, now;
	int ok = 1;

	pthread_mutex_lock(&bus_lock);
	if (sigaction(SIGBUS, NULL, &now) < 0) {
		ok = 0;
	} else if (!(now.sa_flags & SA_SIGINFO) || now.sa_sigaction != on_bus) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_bus;
		sa.sa_flags = SA_SIGINFO | SA_NODEFER;
		sigemptyset(&sa.sa_mask);
		old_bus = now;
		ok = sigaction(SIGBUS, &sa, NULL) == 0;
	}
	pthread_mutex_unlock(&bus_lock);
	return ok;
}

int vidx__map_run(vidx__map *m, int (*fn)(void *ctx), void *ctx)
{
	sigjmp_buf jb;
	int rc;

	if (!bus_install())
		return VIDX__MAP_UNGUARDED; /* the caller reads another way */
	if (sigsetjmp(jb, 1)) {
		cur = NULL;
		cur_jb = NULL;
		m->fault = 1;
		return VIDX__MAP_FAULT;
	}
	cur_jb = &jb;
	cur = m;
	rc = fn(ctx);
	cur = NULL;
	cur_jb = NULL;
	return rc;
}
