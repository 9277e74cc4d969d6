// SPDX-License-Identifier: GPL-2.0
#include "collectors/ident.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "collectors/knob.h"
#include "lib/strbuf.h"


static bool is_hex(int c)
{
	return isdigit(c) || (c >= 'a' && c <= 'f');
}

bool ident_valid_sha(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!is_hex((unsigned char)s[n]))
			return false;
	return n >= 7 && n <= 40;
}

void ident_parse_release(const char *rel, char commit[IDENT_SHA_MAX], bool *dirty)
{
	const char *p;
	size_t len = strlen(rel);

	commit[0] = '\0';
	*dirty = len >= 6 && !strcmp(rel + len - 6, "-dirty");
	/* the last "-g<hex>" that is followed by the end, "-dirty" or "+" */
	for (p = rel; (p = strstr(p, "-g")); p += 2) {
		size_t n = 0;
		const char *e;

		while (is_hex((unsigned char)p[2 + n]))
			n++;
		e = p + 2 + n;
		if (n >= 12 && n <= 40 && (!*e || !strcmp(e, "-dirty") || *e == '+' || *e == '-')) {
			memcpy(commit, p + 2, n);
			commit[n] = '\0';
		}
	}
}

int ident_parse_notes(const unsigned char *buf, size_t len, char *hex, size_t hexlen)
{
	size_t off = 0;

	while (off + 12 <= len) {
		uint32_t namesz, descsz, type;
		size_t name_off, desc_off, next;

		memcpy(&namesz, buf + off, 4);
		memcpy(&descsz, buf + off + 4, 4);
		memcpy(&type, buf + off + 8, 4);
		name_off = off + 12;
		desc_off = name_off + ((namesz + 3u) & ~3u);
		next = desc_off + ((descsz + 3u) & ~3u);
		if (namesz > len || descsz > len || next > len || desc_off > len)
			return -ENOENT;
		if (type == 3 && namesz == 4 && !memcmp(buf + name_off, "GNU", 4)) {
			size_t i;

			if (descsz * 2 + 1 > hexlen || descsz == 0)
				return -ENOENT;
			for (i = 0; i < descsz; i++)
				snprintf(hex + 2 * i, 3, "%02x", buf[desc_off + i]);
			return 0;
		}
		off = next;
	}
	return -ENOENT;
}

static void read_line(const char *path, char *out, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	out[0] = '\0';
	if (!strbuf_read_file(&sb, path, 1 << 16)) {
		strbuf_rtrim(&sb);
		snprintf(out, len, "%s", sb.buf);
	}
	strbuf_release(&sb);
}

void ident_kernel_read(struct kernel_ident *k)
{
	struct strbuf sb = STRBUF_INIT;
	struct utsname u;

	memset(k, 0, sizeof(*k));
	if (!uname(&u))
		snprintf(k->release, sizeof(k->release), "%s", u.release);
	read_line("/proc/version", k->version, sizeof(k->version));
	ident_parse_release(k->release, k->commit, &k->dirty);
	if (k->commit[0])
		k->commit_source = "release";
	if (!strbuf_read_file(&sb, "/sys/kernel/notes", 1 << 16))
		ident_parse_notes((const unsigned char *)sb.buf, sb.len, k->build_id,
				  sizeof(k->build_id));
	strbuf_release(&sb);
}

void ident_parse_cpuinfo(const char *text, size_t len, char *out, size_t outlen)
{
	struct strbuf sb = STRBUF_INIT;
	char impl[32] = "", part[32] = "";
	char *line, *next;

	out[0] = '\0';
	strbuf_add(&sb, text, len);
	for (line = sb.buf; line && *line; line = next) {
		char *colon, *val;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		colon = strchr(line, ':');
		if (!colon)
			continue;
		val = colon + 1;
		while (*val == ' ')
			val++;
		*colon = '\0';
		while (colon > line && (colon[-1] == ' ' || colon[-1] == '\t'))
			*--colon = '\0';
		if (!strcmp(line, "model name") && !out[0])
			snprintf(out, outlen, "%s", val);
		else if (!strcmp(line, "CPU implementer") && !impl[0])
			snprintf(impl, sizeof(impl), "%s", val);
		else if (!strcmp(line, "CPU part") && !part[0])
			snprintf(part, sizeof(part), "%s", val);
	}
	/* arm64 names no model: give the MIDR fields users look up */
	if (!out[0] && impl[0])
		snprintf(out, outlen, "implementer %s part %s", impl, part);
	strbuf_release(&sb);
}

static void read_cpu_model(char *out, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	out[0] = '\0';
	if (!strbuf_read_file(&sb, "/proc/cpuinfo", 4 << 20))
		ident_parse_cpuinfo(sb.buf, sb.len, out, len);
	strbuf_release(&sb);
}

static void read_thp_sizes(char *out, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	struct dirent *de;
	DIR *d = opendir(THP_SYSFS_DIR);

	out[0] = '\0';
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[512], val[32];

		if (strncmp(de->d_name, "hugepages-", 10))
			continue;
		snprintf(path, sizeof(path), THP_SYSFS_DIR "/%s/enabled", de->d_name);
		if (knob_read_choice(path, val, sizeof(val)))
			continue;
		strbuf_addf(&sb, "%s%s=%s", sb.len ? " " : "", de->d_name + 10, val);
	}
	closedir(d);
	snprintf(out, len, "%s", sb.buf);
	strbuf_release(&sb);
}

void ident_host_read(struct host_ident *h)
{
	struct strbuf sb = STRBUF_INIT;
	struct utsname u;
	unsigned long long kb;
	char *p;

	memset(h, 0, sizeof(*h));
	if (gethostname(h->hostname, sizeof(h->hostname) - 1))
		h->hostname[0] = '\0';
	if (!uname(&u))
		snprintf(h->arch, sizeof(h->arch), "%s", u.machine);
	read_cpu_model(h->cpu_model, sizeof(h->cpu_model));
	h->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	h->page_size = sysconf(_SC_PAGESIZE);
	if (!strbuf_read_file(&sb, "/proc/meminfo", 1 << 16) && (p = strstr(sb.buf, "MemTotal:")) &&
	    sscanf(p, "MemTotal: %llu kB", &kb) == 1)
		h->mem_bytes = (uint64_t)kb * 1024;
	strbuf_release(&sb);
	if (knob_read_choice(THP_SYSFS_DIR "/enabled", h->thp_enabled, sizeof(h->thp_enabled)))
		h->thp_enabled[0] = '\0';
	if (knob_read_choice(THP_SYSFS_DIR "/defrag", h->thp_defrag, sizeof(h->thp_defrag)))
		h->thp_defrag[0] = '\0';
	read_thp_sizes(h->thp_sizes, sizeof(h->thp_sizes));
	read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", h->governor,
		  sizeof(h->governor));
	if (getloadavg(h->loadavg, 3) != 3)
		h->loadavg[0] = h->loadavg[1] = h->loadavg[2] = -1;
}

static void str_or_null(struct jw *jw, const char *key, const char *s)
{
	if (s && *s)
		jw_str(jw, key, s);
	else
		jw_null(jw, key);
}

void ident_kernel_json(const struct kernel_ident *k, struct jw *jw)
{
	jw_obj_begin(jw, "kernel");
	jw_str(jw, "release", k->release);
	str_or_null(jw, "commit", k->commit);
	str_or_null(jw, "commit_source", k->commit_source);
	str_or_null(jw, "parent_commit", k->parent_commit);
	jw_bool(jw, "dirty", k->dirty);
	str_or_null(jw, "version", k->version);
	str_or_null(jw, "build_id", k->build_id);
	jw_obj_end(jw);
}

void ident_host_json(const struct host_ident *h, struct jw *jw)
{
	jw_obj_begin(jw, "host");
	jw_str(jw, "hostname", h->hostname);
	jw_str(jw, "arch", h->arch);
	str_or_null(jw, "cpu_model", h->cpu_model);
	jw_i64(jw, "cpus", h->cpus);
	jw_u64(jw, "mem_bytes", h->mem_bytes);
	jw_i64(jw, "page_size", h->page_size);
	jw_obj_begin(jw, "thp");
	str_or_null(jw, "enabled", h->thp_enabled);
	str_or_null(jw, "defrag", h->thp_defrag);
	str_or_null(jw, "sizes", h->thp_sizes);
	jw_obj_end(jw);
	str_or_null(jw, "cpufreq_governor", h->governor);
	jw_arr_begin(jw, "loadavg");
	for (int i = 0; i < 3; i++)
		jw_double(jw, NULL, h->loadavg[i]);
	jw_arr_end(jw);
	jw_obj_end(jw);
}
