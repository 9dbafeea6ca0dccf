/* the ONVIF Export File Format boxes of an MP4 clip, as vidx-verify reads
 * them: top-level boxes, moov's tracks and loci, the file-level meta with
 * suep, cstb and the signature (ipro/sinf/schi/sibo/cert), whose RSASSA-PSS
 * check runs on whatever certificate the input holds */
#include <fcntl.h>
#include <sys/stat.h>
#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	vidx *h = vidx_new();
	vidx__oeff_info o;
	int fd = open(fuzz_file("clip.mp4", data, n), O_RDONLY);

	if (fd >= 0) {
		vidx__oeff_read(h, fd, &o);
		close(fd);
	}
	vidx_free(h);
	return 0;
}
