/* readers.h - the differential oracle of fuzz_mkv and fuzz_ts: whenever one
 * of vidx's own container readers (mkv.c, ts.c) takes a file, its packet
 * list must be libavformat's, packet for packet (time, position, size, key
 * flag); a difference aborts, which libFuzzer reports as a crash. */
#ifndef VIDX_FUZZ_READERS_H
#define VIDX_FUZZ_READERS_H
#include <fcntl.h>
#include <sys/stat.h>

#include <libavformat/avformat.h>

#include "fuzz.h"
#include "media.h"

static void quiet_log(void *a, int l, const char *f, va_list v)
{
	(void)a;
	(void)l;
	(void)f;
	(void)v;
}

/* FILE opened as vidx opens it (timestamps not unwrapped); NULL if libav
 * cannot */
static AVFormatContext *fuzz_open(const char *file, const char *fmt)
{
	AVFormatContext *fc = avformat_alloc_context();
	if (!fc)
		abort();
	fc->correct_ts_overflow = 0;
	if (avformat_open_input(&fc, file, av_find_input_format(fmt), NULL) < 0)
		return NULL;
	if (avformat_find_stream_info(fc, NULL) < 0 || !vidx__first_video(fc)) {
		avformat_close_input(&fc);
		return NULL;
	}
	return fc;
}

static void fuzz_reader(const uint8_t *data, size_t n, const char *name, const char *fmt,
                        int (*reader)(vidx *, int, int64_t, const AVFormatContext *,
                                      const AVStream *, vidx__pkts *))
{
	const char *file = fuzz_file(name, data, n);
	AVFormatContext *fc, *fc2;
	AVStream *st;
	AVPacket *pkt;
	vidx__pkts pk;
	vidx *h = vidx_new();
	size_t k = 0;
	int fd, r;
	unsigned i;

	av_log_set_callback(quiet_log);
	if (!h || !(fc = fuzz_open(file, fmt))) {
		vidx_free(h);
		return;
	}
	st = vidx__first_video(fc);
	if ((fd = open(file, O_RDONLY)) < 0)
		abort();
	r = reader(h, fd, (int64_t)n, fc, st, &pk);
	close(fd);
	if (r == 1 && (fc2 = fuzz_open(file, fmt))) {
		AVStream *s2 = vidx__first_video(fc2);
		if (!(pkt = av_packet_alloc()))
			abort();
		for (i = 0; i < fc2->nb_streams; i++)
			if (fc2->streams[i] != s2)
				fc2->streams[i]->discard = AVDISCARD_ALL;
		while (av_read_frame(fc2, pkt) >= 0) {
			if (pkt->stream_index == s2->index) {
				int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
				if (k >= pk.n || pk.a[k].ts != ts || pk.a[k].pos != pkt->pos ||
				    pk.a[k].size != pkt->size ||
				    pk.a[k].key != !!(pkt->flags & AV_PKT_FLAG_KEY)) {
					fprintf(stderr, "packet %zu differs: ours %lld %lld %d %d, "
					        "libavformat's %lld %lld %d %d\n", k,
					        k < pk.n ? (long long)pk.a[k].ts : -1LL,
					        k < pk.n ? (long long)pk.a[k].pos : -1LL,
					        k < pk.n ? pk.a[k].size : -1, k < pk.n ? pk.a[k].key : -1,
					        (long long)ts, (long long)pkt->pos, pkt->size,
					        !!(pkt->flags & AV_PKT_FLAG_KEY));
					abort();
				}
				k++;
			}
			av_packet_unref(pkt);
		}
		if (k != pk.n) {
			fprintf(stderr, "ours %zu packets, libavformat's %zu\n", pk.n, k);
			abort();
		}
		av_packet_free(&pkt);
		avformat_close_input(&fc2);
	}
	vidx__pkts_free(&pk);
	avformat_close_input(&fc);
	vidx_free(h);
}
#endif
