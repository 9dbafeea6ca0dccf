/* test_map.c - libindex/map.c: a file read through a moving window, and a
 * file cut short under the map (SIGBUS) turned into an error. */
#include "unit.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#define MB (1 << 20)

static char path[64];

static int make_file(int64_t size)
{
	int fd;
	unsigned char b[4096];
	int64_t off;

	snprintf(path, sizeof(path), "/tmp/vidx-map-XXXXXX");
	if ((fd = mkstemp(path)) < 0)
		return -1;
	for (off = 0; off < size; off += (int64_t)sizeof(b)) {
		size_t i;
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)((off + (int64_t)i) * 7);
		if (write(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
			return -1;
	}
	return fd;
}

typedef struct walk {
	vidx__map *m;
	int64_t upto, sum, truncate_at;
	int fd;
} walk;

/* one byte every 4000, cutting the file short on the way when asked */
static int read_all(void *ctx)
{
	walk *w = ctx;
	int64_t pos;

	for (pos = 0; pos < w->upto; pos += 4000) {
		const unsigned char *p;
		if (w->truncate_at && pos == w->truncate_at &&
		    ftruncate(w->fd, 4096) < 0)
			return -1;
		if (!(p = vidx__map_at(w->m, pos, 1)))
			return -2;
		w->sum += *p;
	}
	return 0;
}

static void test_window_moves(void **st)
{
	vidx__map m;
	walk w = {0};
	int64_t size = 40 * MB, pos, want = 0;
	int fd = make_file(size);
	(void)st;
	assert_true(fd >= 0);
	vidx__map_init(&m, fd, size);
	w.m = &m;
	w.upto = size;
	assert_int_equal(vidx__map_run(&m, read_all, &w), 0);
	for (pos = 0; pos < size; pos += 4000)
		want += (unsigned char)(pos * 7);
	assert_true(w.sum == want);
	/* what is mapped stays bounded, whatever the file's size */
	assert_true(m.len <= 16 * MB);
	/* a span across the window's end, and one past the file */
	assert_non_null(vidx__map_at(&m, 16 * MB - 2, 100));
	assert_null(vidx__map_at(&m, size - 1, 2));
	assert_null(vidx__map_at(&m, -1, 1));
	vidx__map_close(&m);
	close(fd);
	unlink(path);
}

static void test_cut_short_is_an_error(void **st)
{
	vidx__map m;
	walk w = {0};
	int64_t size = 4 * MB;
	int fd = make_file(size);
	(void)st;
	assert_true(fd >= 0);
	vidx__map_init(&m, fd, size);
	w.m = &m;
	w.upto = size;
	w.fd = fd;
	w.truncate_at = 40000; /* past the page the file keeps */
	/* a SIGBUS would kill the test; the guard makes it a return code */
	assert_int_equal(vidx__map_run(&m, read_all, &w), VIDX__MAP_FAULT);
	assert_true(m.fault);
	vidx__map_close(&m);
	/* and the guard is gone again: the next run works */
	assert_int_equal(ftruncate(fd, size), 0);
	vidx__map_init(&m, fd, size);
	w.truncate_at = 0;
	w.sum = 0;
	assert_int_equal(vidx__map_run(&m, read_all, &w), 0);
	vidx__map_close(&m);
	close(fd);
	unlink(path);
}

/* a SIGBUS that is not the reader's own still gets its old handler */
static volatile sig_atomic_t others;
static void other_bus(int sig)
{
	(void)sig;
	others++;
}

static int raise_bus(void *ctx)
{
	(void)ctx;
	raise(SIGBUS);
	return 7;
}

static void test_other_sigbus_passed_on(void **st)
{
	vidx__map m;
	(void)st;
	signal(SIGBUS, other_bus);
	/* the guard is set up once, on top of the handler found then */
	vidx__map_init(&m, -1, 0);
	assert_int_equal(vidx__map_run(&m, raise_bus, NULL), 7);
	assert_int_equal(others, 1);
	vidx__map_close(&m);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_other_sigbus_passed_on),
		cmocka_unit_test(test_window_moves),
		cmocka_unit_test(test_cut_short_is_an_error),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
