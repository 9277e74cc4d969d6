/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_ARRAY_H
#define FW_ARRAY_H

#include <stddef.h>

/*
 * Room for one more element in a malloc'ed array: when n elements fill
 * *alloc, *p grows (doubling, from 16) to hold more.  Returns 0, or
 * -ENOMEM with *p and *alloc unchanged.  Use:
 *   if (array_reserve((void **)&v, &alloc, n, sizeof(*v))) return -ENOMEM;
 *   v[n++] = x;
 */
int array_reserve(void **p, size_t *alloc, size_t n, size_t size);

#endif
