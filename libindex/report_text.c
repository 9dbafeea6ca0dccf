/*
 * report_text.c - text for the report's outputs: a growable buffer and the
 * escapes each output needs (HTML/SVG, shell words, CSV fields, URLs).
 *
 * Names in a case come from evidence and from people (camera names, titles,
 * notes, file paths) and may hold anything: quotes, markup, newlines,
 * bytes that are not UTF-8.  Each escape here makes them inert text in its
 * output, and loses nothing a reader needs to see.
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static int grow(rp_buf *b, size_t more)
{
	char *s;
	size_t cap;

	if (b->oom)
		return -1;
	if (b->n + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->n + more + 1)
		cap *= 2;
	if (!(s = realloc(b->s, cap))) {
		b->oom = 1;
		return -1;
	}
	b->s = s;
	b->cap = cap;
	return 0;
}

void rp_putn(rp_buf *b, const char *s, size_t n)
{
	if (grow(b, n) < 0)
		return;
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
}

void rp_puts(rp_buf *b, const char *s)
{
	if (s)
		rp_putn(b, s, strlen(s));
}

void rp_printf(rp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

void rp_buf_free(rp_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

void rp_html(rp_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		size_t run = 0, n;
		/* copy plain runs at once */
		while (p[run] && p[run] >= 0x20 && p[run] < 0x7f && !strchr("&<>\"'", p[run]))
			run++;
		if (run) {
			rp_putn(b, (const char *)p, run);
			p += run;
			continue;
		}
		switch (*p) {
		case '&': rp_puts(b, "&amp;"); p++; continue;
		case '<': rp_puts(b, "&lt;"); p++; continue;
		case '>': rp_puts(b, "&gt;"); p++; continue;
		case '"': rp_puts(b, "&quot;"); p++; continue;
		case '\'': rp_puts(b, "&#39;"); p++; continue;
		case '\n': case '\t': rp_putn(b, (const char *)p, 1); p++; continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			char pic[4] = {'\xe2', '\x90', (char)(*p == 0x7f ? 0xa1 : 0x80 + *p), 0};
			rp_puts(b, pic); /* its control picture, U+2400 + c (U+2421 for DEL) */
			p++;
			continue;
		}
		if ((n = vidx__utf8_len(p)) == 0) {
			rp_puts(b, "\xef\xbf\xbd"); /* U+FFFD */
			p++;
			continue;
		}
		rp_putn(b, (const char *)p, n);
		p += n;
	}
}

void rp_shell(rp_buf *b, const char *s)
{
	const char *p;

	if (!s || !*s) {
		rp_puts(b, "''");
		return;
	}
	for (p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		            "0123456789_-./:@%+,=", *p))
			break;
	if (!*p) {
		rp_puts(b, s);
		return;
	}
	/* 'it'\''s': a quote ends the word, an escaped one, and it goes on */
	rp_puts(b, "'");
	for (p = s; *p; p++) {
		if (*p == '\'')
			rp_puts(b, "'\\''");
		else
			rp_putn(b, p, 1);
	}
	rp_puts(b, "'");
}

void rp_csv(rp_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	int quote = strpbrk((const char *)p, ",\"") != NULL;

	if (quote)
		rp_puts(b, "\"");
	for (; *p; p++) {
		if (*p == '"')
			rp_puts(b, "\"\"");
		else if (*p == '\n')
			rp_puts(b, "\\n");
		else if (*p == '\r')
			rp_puts(b, "\\r");
		else if (*p == '\t')
			rp_puts(b, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			rp_printf(b, "\\x%02x", *p);
		else
			rp_putn(b, (const char *)p, 1);
	}
	if (quote)
		rp_puts(b, "\"");
}

void rp_url(rp_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	for (; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			rp_putn(b, (const char *)p, 1);
		else
			rp_printf(b, "%%%02X", *p);
	}
}
