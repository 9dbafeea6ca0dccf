/* unit.h - what every cmocka test of libindex includes. */
#ifndef VIDX_UNIT_H
#define VIDX_UNIT_H
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vidx.h"
#include "internal.h" /* white-box tests reach private helpers */
#include "media.h"

/* $FIXTURES/NAME (tests/run.sh sets FIXTURES) */
static inline const char *fixture(const char *name)
{
	static char path[4096];
	const char *d = getenv("FIXTURES");
	snprintf(path, sizeof(path), "%s/%s", d ? d : "fixtures", name);
	return path;
}
#endif
