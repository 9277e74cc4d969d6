/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_API_H
#define FW_API_H

#include "daemon/server.h"

/* The JSON API routes of docs/http-api.md, ended by a NULL method. */
extern const struct route api_routes[];

#endif
