/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_ASSETS_H
#define FW_ASSETS_H

#include <stddef.h>

/* The files of web/static, compiled in (scripts/embed-assets.sh); ended by a NULL name. */
struct asset {
	const char *name;
	const char *type;
	const unsigned char *data;
	size_t len;
};

extern const struct asset assets[];

#endif
