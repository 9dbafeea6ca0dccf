/* vidx's MPEG-TS reader (PES, the parsers' frame ends, key frames) against
 * libavformat's packets of the same bytes (readers.h) */
#include "readers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	fuzz_reader(data, n, "in.ts", "mpegts", vidx__ts_read);
	return 0;
}
