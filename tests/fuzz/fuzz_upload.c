// SPDX-License-Identifier: GPL-2.0
/*
 * What the collector reads besides /proc (collectors/upload.c): the host
 * token file (upload_token_parse) and the server's error answers
 * (upload_error_message).  A token is trimmed and one line; before it
 * goes into a header, http_check_token() (collectors/http.c) refuses
 * what else it may hold, as the caller does.
 */
#include "fuzz.h"
#include "collectors/http.h"
#include "collectors/upload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf name = STRBUF_INIT, token = STRBUF_INIT, msg = STRBUF_INIT;
	char *text = fuzz_cstr(data, size);

	if (!upload_token_parse(text, &name, &token)) {
		FUZZ_CHECK(token.len && strlen(token.buf) == token.len, "empty or cut token");
		FUZZ_CHECK(!strchr(token.buf, '\n') && !strchr(" \t", token.buf[0]) &&
			   !strchr(" \t", token.buf[token.len - 1]), "token '%s'", token.buf);
		FUZZ_CHECK(!strchr(name.buf, '\n'), "name '%s'", name.buf);
		if (!http_check_token(token.buf, &msg))
			FUZZ_CHECK(!strpbrk(token.buf, "\r\n\t "), "token '%s' fit for a header", token.buf);
		strbuf_reset(&msg);
	}
	upload_error_message((const char *)data, size, &msg);
	FUZZ_CHECK(strlen(msg.buf) == msg.len, "a message with a NUL byte");
	free(text);
	strbuf_release(&name);
	strbuf_release(&token);
	strbuf_release(&msg);
	return 0;
}
