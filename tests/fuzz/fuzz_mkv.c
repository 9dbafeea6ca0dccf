/* vidx's Matroska reader (block headers, Cues, H.264 key frames) against
 * libavformat's packets of the same bytes (readers.h) */
#include "readers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	fuzz_reader(data, n, "in.mkv", "matroska", vidx__mkv_read);
	return 0;
}
