/* the container-independent packet hash (phash.c): a stream header (avcC,
 * hvcC or Annex B extradata) and packets in either form, both untrusted.
 * Input: one byte (bit 0: HEVC, else H.264; bit 1: version 1, else 2; bit
 * 2: AAC instead), a 16-bit little-endian header length and the header,
 * then packets, each after its 16-bit little-endian length. */
#include <sys/stat.h>
#include "fuzz.h"
#include "media.h"

#include <libavcodec/avcodec.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	AVCodecParameters *par;
	vidx__phash ph;
	size_t i, xl;
	char hex[65];

	if (n < 3)
		return 0;
	if (!(par = avcodec_parameters_alloc()))
		abort();
	par->codec_id = data[0] & 4 ? AV_CODEC_ID_AAC
	              : data[0] & 1 ? AV_CODEC_ID_HEVC : AV_CODEC_ID_H264;
	xl = (size_t)data[1] | (size_t)data[2] << 8;
	i = 3;
	if (xl > n - i)
		xl = n - i;
	if (xl) {
		/* exactly the header's bytes (and libavcodec's padding), as a
		 * demuxer gives them */
		if (!(par->extradata = av_mallocz(xl + AV_INPUT_BUFFER_PADDING_SIZE)))
			abort();
		memcpy(par->extradata, data + i, xl);
		par->extradata_size = (int)xl;
	}
	i += xl;
	if (vidx__phash_init(&ph, par, data[0] & 2 ? 1 : 2) == 0) {
		while (i + 2 <= n) {
			size_t pl = (size_t)data[i] | (size_t)data[i + 1] << 8;
			uint8_t *pk;
			i += 2;
			if (pl > n - i)
				pl = n - i;
			/* a copy of its own, so ASan sees any read past its end */
			if (!(pk = malloc(pl ? pl : 1)))
				abort();
			memcpy(pk, data + i, pl);
			vidx__phash_add(&ph, pk, pl);
			free(pk);
			i += pl;
		}
		vidx__phash_final(&ph, hex);
	}
	vidx__phash_free(&ph);
	avcodec_parameters_free(&par);
	return 0;
}
