/*
 * rules_fields: the field validators of the merge rules (svc_rules.h): node
 * ids, phones, text, part numbers, dates and the warranty window.
 *
 * Part of the rules module, in a file of its own because it is the one part
 * that knows about characters rather than changes: UTF-8 decoding, the
 * Unicode blanks a Chinese input method produces, calendar dates. Like the
 * rest of the rules it is pure: no I/O, no clock, no locale.
 */
#include "rules_impl.h"

#include "svc_err.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int svc_valid_node_id(const char *id)
{
	if (!id)
		return 0;
	size_t n = 0;
	for (; id[n]; n++) {
		char ch = id[n];
		bool ok =
		    (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (n > 0 && ch == '-');
		if (!ok || n >= SVC_ID_LEN - 1)
			return 0;
	}
	return n > 0;
}

int svc_check_node_id(const char *field, const char *id, char *reason, size_t len)
{
	char q[64];
	if (!id || !*id)
		return svc_rules_fail(SVC_EINVAL, reason, len, "%s: must not be empty (a node id)",
		                      field);
	if (!svc_valid_node_id(id))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "%s: '%s' is not a node id (1 to 32 of a-z, 0-9 and '-', "
		                      "not starting with '-')",
		                      field, svc_rules_quote(q, id));
	return 0;
}

int svc_check_phone(const char *field, const char *phone, char *reason, size_t len)
{
	if (!phone || !*phone)
		return svc_rules_fail(SVC_EINVAL, reason, len, "%s: must not be empty", field);
	const char *p = phone;
	size_t digits = 0;
	bool after_sep = true; /* no separator at the start or right after '+' */
	if (*p == '+')
		p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			digits++;
			after_sep = false;
		} else if ((*p == '-' || *p == ' ') && !after_sep) {
			after_sep = true;
		} else {
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "%s: only digits, with single spaces or dashes "
			                      "between groups, optionally starting with +",
			                      field);
		}
	}
	if (after_sep && digits > 0)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "%s: must not end with a space or dash", field);
	if (digits < 7 || digits > 15)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "%s: must be 7 to 15 digits, optionally starting with +",
		                      field);
	return 0;
}

/* Decode one UTF-8 code point from s; returns its length (1..4), or 0 if the
 * bytes there are not well-formed UTF-8 (overlong forms, surrogates and
 * values above U+10FFFF included). */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	unsigned char b0 = s[0];
	if (b0 < 0x80) {
		*cp = b0;
		return 1;
	}
	size_t n;
	uint32_t v, min;
	if (b0 >= 0xC2 && b0 <= 0xDF) {
		n = 2;
		v = b0 & 0x1F;
		min = 0x80;
	} else if (b0 >= 0xE0 && b0 <= 0xEF) {
		n = 3;
		v = b0 & 0x0F;
		min = 0x800;
	} else if (b0 >= 0xF0 && b0 <= 0xF4) {
		n = 4;
		v = b0 & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) /* also stops at the NUL */
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

static bool is_blank_cp(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0 || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
	       cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

int svc_rules_check_text(const char *field, const char *s, bool required, bool multiline,
                         char *reason, size_t len)
{
	if (!s)
		s = "";
	const unsigned char *p = (const unsigned char *)s;
	bool blank = true;
	while (*p) {
		uint32_t cp;
		size_t n = utf8_next(p, &cp);
		size_t at = (size_t)(p - (const unsigned char *)s);
		if (n == 0)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "%s: not valid UTF-8 at byte %zu", field, at);
		bool control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
		if (control && !(multiline && (cp == '\n' || cp == '\t')))
			return svc_rules_fail(
			    SVC_EINVAL, reason, len,
			    "%s: control character U+%04" PRIX32 " at byte %zu is not allowed%s",
			    field, cp, at, multiline ? " (only newlines and tabs are)" : "");
		if (!is_blank_cp(cp))
			blank = false;
		p += n;
	}
	if (required && !*s)
		return svc_rules_fail(SVC_EINVAL, reason, len, "%s: must not be empty", field);
	if (required && blank)
		return svc_rules_fail(SVC_EINVAL, reason, len, "%s: must not be blank", field);
	return 0;
}

int svc_check_text(const char *field, const char *s, bool required, char *reason, size_t len)
{
	return svc_rules_check_text(field, s, required, false, reason, len);
}

int svc_check_part_no(const char *field, const char *s, char *reason, size_t len)
{
	char q[64];
	if (!s || !*s)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "%s: must not be empty (a part number)", field);
	size_t n = 0;
	bool ok = true;
	for (; s[n] && ok; n++) {
		char ch = s[n];
		ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		     (ch >= '0' && ch <= '9') || (n > 0 && (ch == '.' || ch == '_' || ch == '-'));
	}
	if (!ok || n > SVC_PART_LEN - 1)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "%s: '%s' is not a part number (1 to 31 of A-Z, a-z, 0-9, "
		                      "'.', '_' and '-', starting with a letter or digit)",
		                      field, svc_rules_quote(q, s));
	return 0;
}

static bool is_leap(uint64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(uint64_t y, unsigned m)
{
	static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && is_leap(y))
		return 29;
	return dim[m - 1];
}

int svc_check_date(const char *field, uint32_t yyyymmdd, char *reason, size_t len)
{
	unsigned y = yyyymmdd / 10000, m = yyyymmdd / 100 % 100, d = yyyymmdd % 100;
	if (y < 1990 || y > 2100)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "%s: year %u is outside 1990 to 2100", field, y);
	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "%s: %04u-%02u-%02u is not a calendar date", field, y, m, d);
	return 0;
}

int svc_parse_date(const char *field, const char *s, uint32_t *out, char *reason, size_t len)
{
	char q[64];
	static const char shape[] = "DDDD-DD-DD";
	bool ok = s && strlen(s) == sizeof shape - 1;
	uint32_t v = 0;
	for (size_t i = 0; ok && i < sizeof shape - 1; i++) {
		if (shape[i] == '-') {
			ok = s[i] == '-';
		} else {
			ok = s[i] >= '0' && s[i] <= '9';
			v = v * 10 + (uint32_t)(s[i] - '0');
		}
	}
	if (!ok)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "%s: '%s' is not a date, expected YYYY-MM-DD", field,
		                      svc_rules_quote(q, s));
	int rc = svc_check_date(field, v, reason, len);
	if (rc == 0)
		*out = v;
	return rc;
}

/* YYYYMMDD of the UTC day containing unix milliseconds `ms` (proleptic
 * Gregorian; H. Hinnant's civil_from_days). */
static uint64_t ymd_of_ms(uint64_t ms)
{
	uint64_t z = ms / 86400000u + 719468u;
	uint64_t era = z / 146097u;
	uint64_t doe = z - era * 146097u;
	uint64_t yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
	uint64_t y = yoe + era * 400u;
	uint64_t doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
	uint64_t mp = (5u * doy + 2u) / 153u;
	uint64_t d = doy - (153u * mp + 2u) / 5u + 1u;
	uint64_t m = mp < 10u ? mp + 3u : mp - 9u;
	if (m <= 2)
		y++;
	return y * 10000u + m * 100u + d;
}

/* The warranty ends on the same day of the month `months` later, clamped to
 * that month's last day (bought Jan 31 + 1 month ends Feb 28/29), and the
 * ticket is covered when opened on a UTC day before that end. Unknown or
 * impossible purchase dates are out of warranty: no proof of purchase. */
bool svc_in_warranty(uint32_t purchased, uint64_t created_ms, unsigned months)
{
	if (svc_check_date("purchased", purchased, NULL, 0) != 0)
		return false;
	uint64_t y = purchased / 10000, m = purchased / 100 % 100, d = purchased % 100;
	uint64_t mi = (m - 1) + months;
	y += mi / 12;
	m = mi % 12 + 1;
	unsigned dim = days_in_month(y, (unsigned)m);
	if (d > dim)
		d = dim;
	uint64_t end = y * 10000 + m * 100 + d;
	return end > ymd_of_ms(created_ms);
}

int svc_rules_record_step(const svc_rules_record *r, bool exists, const svc_change *c, bool put,
                          bool create, const char *into, char *reason, size_t len)
{
	uint64_t ms = svc_hlc_ms(c->hlc);
	if (put && !exists) {
		if (!create)
			return svc_rules_fail(
			    SVC_EREJECT, reason, len,
			    "%s %s: no such %s (not created before this correction)", r->noun,
			    c->aggregate, r->longer);
		svc_rules_copy(r->id, r->id_cap, c->aggregate);
		/* a region's record is its own; a shop's belongs to its region */
		svc_rules_copy(r->region, r->region_cap,
		               c->origin_role == SVC_ROLE_REGION ? c->origin : c->origin_region);
		svc_rules_copy(r->created_by, r->created_by_cap, c->origin);
		*r->created = ms;
		return SVC_REC_CREATE;
	}
	if (!exists)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "%s %s: no such %s (not created before this merge)", r->noun,
		                      c->aggregate, r->longer);
	if (put) {
		if (create)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "%s %s: already created by %s", r->noun, c->aggregate,
			                      r->created_by);
		return SVC_REC_CORRECT;
	}
	if (r->merged_into[0])
		return svc_rules_fail(SVC_EREJECT, reason, len, "%s %s: already merged into %s",
		                      r->noun, r->id, r->merged_into);
	svc_rules_copy(r->merged_into, r->merged_into_cap, into);
	*r->merged = ms;
	return SVC_REC_MERGE;
}

void svc_rules_record_done(const svc_rules_record *r, const svc_change *c)
{
	*r->updated = svc_hlc_ms(c->hlc);
	svc_rules_set_last(r->last, c);
}
