/*
 * avio.c - how libavformat reads our files, and what it says.
 *
 * A source is opened once, read-only, by us; libavformat reads it through
 * that descriptor (a custom AVIOContext), so it can never open a recording
 * for writing and the file cannot be swapped between our checks and its
 * reads.  libav* messages are kept per thread, so a failure can be told in
 * one line beside the file's name.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "media.h"

/* ---- libav* messages: keep the last error of this thread ---------------- */

static _Thread_local char av_last[200];
static _Thread_local int av_errors;

static void av_log_cb(void *avcl, int level, const char *fmt, va_list vl)
{
	char line[200];
	size_t n;

	_Static_assert(sizeof(line) == sizeof(((vidx__avlog *)0)->first), "one line");
	if (level > AV_LOG_ERROR)
		return;
	vsnprintf(line, sizeof(line), fmt, vl);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == '.'))
		line[--n] = 0;
	if (!n)
		return;
	memcpy(av_last, line, n + 1);
	/* a decoder that keeps its own count (see vidx__avlog) has it there,
	 * whatever the thread: frame threads decode on contexts of their own,
	 * copies of the user's that carry its opaque, and slice threads log
	 * on the user's; nothing is counted twice */
	if (avcl && *(const AVClass *const *)avcl == avcodec_get_class()) {
		vidx__avlog *l = ((AVCodecContext *)avcl)->opaque;
		if (l && l->magic == VIDX__AVLOG_MAGIC) {
			/* H.264: a command to unmark a reference picture the
			 * decoder does not hold changes no picture.  Decoding from
			 * a keyframe that is not an IDR (open GOP, a recovery
			 * point) the pictures before it are never held, and the
			 * first ones' commands name them; a reference a picture
			 * needs and that is missing is said on its own
			 * ("reference picture missing", "Missing reference
			 * picture") and counted */
			if (!strncmp(line, "mmco: unref short failure", 25) ||
			    !strncmp(line, "mmco: unref long failure", 24)) {
				__atomic_fetch_add(&l->unrefs, 1, __ATOMIC_ACQ_REL);
				return;
			}
			if (__atomic_fetch_add(&l->errors, 1, __ATOMIC_ACQ_REL) == 0)
				memcpy(l->first, line, n + 1); /* read once the threads are joined */
			return;
		}
	}
	av_errors++;
}

static pthread_once_t av_once = PTHREAD_ONCE_INIT;
static void av_init(void)
{
	av_log_set_callback(av_log_cb);
}

void vidx__av_setup(void)
{
	pthread_once(&av_once, av_init);
	av_last[0] = 0;
}

const char *vidx__av_last(void)
{
	return av_last;
}

int vidx__av_errors(int reset)
{
	int n = av_errors;
	if (reset)
		av_errors = 0;
	return n;
}

/* ---- read-only I/O through our own descriptor -------------------------- */

typedef vidx__fdio fdio;

int vidx__io_read(void *opaque, uint8_t *buf, int n)
{
	fdio *io = opaque;
	ssize_t r;

	do
		r = read(io->fd, buf, (size_t)n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return AVERROR(errno);
	io->pos += r;
	return r ? (int)r : AVERROR_EOF;
}

int64_t vidx__io_seek(void *opaque, int64_t off, int whence)
{
	fdio *io = opaque;
	off_t r;

	if (whence & AVSEEK_SIZE)
		return io->size;
	r = lseek(io->fd, off, whence & ~AVSEEK_FORCE);
	if (r < 0)
		return AVERROR(errno);
	io->pos = r;
	return r;
}
