/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_FORM_H
#define FW_FORM_H

#include <stddef.h>

#include "lib/strbuf.h"

/*
 * HTML form bodies (application/x-www-form-urlencoded): "a=1&b=x+y%21".
 *
 * form_get() puts the decoded value of the first field called name into
 * out (reset first): '+' is a space, %XX a byte.  Returns 0, -ENOENT when
 * there is no such field, -EINVAL when the body is malformed (a bad %
 * escape, a NUL byte, or a decoded NUL or control character other than
 * tab, CR and LF in the value).
 */
int form_get(const char *body, size_t len, const char *name, struct strbuf *out);

#endif
