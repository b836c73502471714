/*
 * svc_tz: civil time in one named zone from its TZif file (RFC 8536).
 *
 * A TZif file is a table of transition moments, each naming a local time
 * type (an offset); version 2 and later repeat the table with 64-bit times
 * and end with a POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3") for moments
 * after the last transition. Only the offsets matter here: names and leap
 * seconds are skipped (the network's clocks are UTC milliseconds).
 *
 * Nothing here reads TZ or calls localtime(): the host's zone cannot leak in.
 */
#include "svc_tz.h"

#include "svc_err.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ_DIR "/usr/share/zoneinfo/"
#define TZ_FILE_MAX (1 << 20)
#define TZ_TRANS_MAX 4096
#define TZ_TYPES_MAX 256

typedef struct {
	char kind; /* 'M' month.week.day, 'J' julian without Feb 29, 'n' with */
	int month, week, wday, yday;
	int32_t time_s; /* local seconds after midnight */
} tz_rule_date;

struct svc_tz {
	char name[SVC_TZ_NAME_MAX + 1];
	int ntrans, ntypes;
	int64_t trans[TZ_TRANS_MAX];
	uint8_t trans_type[TZ_TRANS_MAX];
	int32_t type_off[TZ_TYPES_MAX];
	bool has_rule, rule_dst;
	int32_t std_off, dst_off;
	tz_rule_date start, end;
};

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : md[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* ---- dates ---- */

int svc_date_valid(int32_t ymd)
{
	int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
	return ymd > 0 && y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= month_days(y, m);
}

int svc_date_parse(const char *s, int32_t *ymd)
{
	int y, m, d, n = 0;
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    s[4] != '-' || s[7] != '-')
		return svc_errf(SVC_EINVAL, "date: '%s' is not YYYY-MM-DD", s ? s : "");
	int32_t v = y * 10000 + m * 100 + d;
	if (!svc_date_valid(v))
		return svc_errf(SVC_EINVAL, "date: '%s' is not a calendar date", s);
	*ymd = v;
	return 0;
}

void svc_date_format(int32_t ymd, char *buf, size_t len)
{
	snprintf(buf, len, "%04d-%02d-%02d", ymd / 10000, ymd / 100 % 100, ymd % 100);
}

int64_t svc_date_to_days(int32_t ymd)
{
	return days_from_civil(ymd / 10000, ymd / 100 % 100, ymd % 100);
}

int32_t svc_date_from_days(int64_t days)
{
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	return y * 10000 + m * 100 + d;
}

int32_t svc_date_add_days(int32_t ymd, int64_t n)
{
	return svc_date_from_days(svc_date_to_days(ymd) + n);
}

int32_t svc_date_add_months(int32_t ymd, int n)
{
	int64_t mi = (int64_t)(ymd / 10000) * 12 + (ymd / 100 % 100 - 1) + n;
	int64_t y = floor_div(mi, 12);
	int m = (int)(mi - y * 12) + 1;
	int d = ymd % 100;
	if (d > month_days(y, m))
		d = month_days(y, m);
	return (int32_t)(y * 10000 + m * 100 + d);
}

/* ---- the POSIX rule of the footer ---- */

static const char *rule_name(const char *p)
{
	if (*p == '<') {
		const char *e = strchr(p, '>');
		return e && e - p >= 4 ? e + 1 : NULL;
	}
	const char *q = p;
	while ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z'))
		q++;
	return q - p >= 3 ? q : NULL;
}

static int rule_num(const char **pp, int max)
{
	const char *p = *pp;
	int v = 0, n = 0;
	while (*p >= '0' && *p <= '9' && n < 4) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	if (n == 0 || v > max)
		return -1;
	*pp = p;
	return v;
}

/* [+-]hh[:mm[:ss]] as seconds; hours up to 167 (RFC 8536 allows it in times). */
static const char *rule_secs(const char *p, int32_t *out)
{
	int sign = 1;
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	int h = rule_num(&p, 167), m = 0, s = 0;
	if (h < 0)
		return NULL;
	if (*p == ':') {
		p++;
		if ((m = rule_num(&p, 59)) < 0)
			return NULL;
		if (*p == ':') {
			p++;
			if ((s = rule_num(&p, 59)) < 0)
				return NULL;
		}
	}
	*out = sign * (h * 3600 + m * 60 + s);
	return p;
}

static const char *rule_date(const char *p, tz_rule_date *r)
{
	r->time_s = 7200;
	if (*p == 'M') {
		p++;
		r->kind = 'M';
		if ((r->month = rule_num(&p, 12)) < 1 || *p++ != '.' ||
		    (r->week = rule_num(&p, 5)) < 1 || *p++ != '.' ||
		    (r->wday = rule_num(&p, 6)) < 0)
			return NULL;
	} else if (*p == 'J') {
		p++;
		r->kind = 'J';
		if ((r->yday = rule_num(&p, 365)) < 1)
			return NULL;
	} else {
		r->kind = 'n';
		if ((r->yday = rule_num(&p, 365)) < 0)
			return NULL;
	}
	if (*p == '/')
		p = rule_secs(p + 1, &r->time_s);
	return p;
}

static int parse_rule(svc_tz *tz, const char *p)
{
	int32_t off;
	if (!(p = rule_name(p)) || !(p = rule_secs(p, &off)))
		return -1;
	tz->std_off = -off; /* POSIX counts west of Greenwich as positive */
	tz->has_rule = true;
	if (*p == '\0')
		return 0;
	if (!(p = rule_name(p)))
		return -1;
	tz->dst_off = tz->std_off + 3600;
	if (*p != ',' && *p != '\0') {
		if (!(p = rule_secs(p, &off)))
			return -1;
		tz->dst_off = -off;
	}
	if (*p++ != ',' || !(p = rule_date(p, &tz->start)) || *p++ != ',' ||
	    !(p = rule_date(p, &tz->end)) || *p != '\0')
		return -1;
	tz->rule_dst = true;
	return 0;
}

/* Days since the epoch of a rule's date in year y. */
static int64_t rule_day(const tz_rule_date *r, int64_t y)
{
	int64_t jan1 = days_from_civil(y, 1, 1);
	if (r->kind == 'J')
		return jan1 + r->yday - 1 + (leap(y) && r->yday >= 60);
	if (r->kind == 'n')
		return jan1 + r->yday;
	int64_t first = days_from_civil(y, r->month, 1);
	int wd1 = (int)((first % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
	int day = 1 + (r->wday - wd1 + 7) % 7 + (r->week - 1) * 7;
	if (day > month_days(y, r->month))
		day -= 7;
	return first + day - 1;
}

static int32_t rule_offset(const svc_tz *tz, int64_t t)
{
	if (!tz->rule_dst)
		return tz->std_off;
	int y, m, d;
	civil_from_days(floor_div(t + tz->std_off, 86400), &y, &m, &d);
	/* The switch into DST happens on standard wall time, the one out of it on DST time. */
	int64_t start = rule_day(&tz->start, y) * 86400 + tz->start.time_s - tz->std_off;
	int64_t end = rule_day(&tz->end, y) * 86400 + tz->end.time_s - tz->dst_off;
	bool dst = start < end ? (t >= start && t < end) : (t < end || t >= start);
	return dst ? tz->dst_off : tz->std_off;
}

/* ---- TZif ---- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct {
	uint32_t isut, isstd, leap, time, type, chars;
} tzif_counts;

static int tzif_header(const uint8_t *p, size_t len, tzif_counts *c, int *version)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	*version = p[4] ? p[4] - '0' : 1;
	c->isut = be32(p + 20);
	c->isstd = be32(p + 24);
	c->leap = be32(p + 28);
	c->time = be32(p + 32);
	c->type = be32(p + 36);
	c->chars = be32(p + 40);
	if (c->type == 0 || c->type > TZ_TYPES_MAX || c->time > TZ_TRANS_MAX ||
	    (c->isut && c->isut != c->type) || (c->isstd && c->isstd != c->type) ||
	    c->leap > 100000 || c->chars > 100000)
		return -1;
	return 0;
}

static size_t tzif_body_len(const tzif_counts *c, size_t tsize)
{
	return c->time * tsize + c->time + c->type * 6 + c->chars + c->leap * (tsize + 4) +
	       c->isstd + c->isut;
}

int svc_tz_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > SVC_TZ_NAME_MAX || name[0] == '/' || name[0] == '-' || name[n - 1] == '/')
		return svc_errf(SVC_EINVAL, "time_zone: '%s' is not a zone name like Asia/Shanghai",
		                name ? name : "");
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		          (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' || ch == '-' ||
		          ch == '/' || ch == '.';
		if (!ok || (ch == '.' && (i == 0 || name[i - 1] == '/')))
			return svc_errf(SVC_EINVAL,
			                "time_zone: '%s' is not a zone name like Asia/Shanghai",
			                name);
	}
	return 0;
}

int svc_tz_parse(svc_tz **out, const uint8_t *buf, size_t len, const char *name)
{
	*out = NULL;
	tzif_counts c;
	int version;
	if (tzif_header(buf, len, &c, &version) < 0)
		return svc_errf(SVC_EDECODE, "time zone %s: not a TZif file", name);
	size_t tsize = 4;
	const uint8_t *p = buf + 44;
	size_t body = tzif_body_len(&c, 4);
	if (body > len - 44)
		return svc_errf(SVC_EDECODE, "time zone %s: truncated", name);
	if (version >= 2) {
		p += body;
		if (tzif_header(p, len - (size_t)(p - buf), &c, &version) < 0)
			return svc_errf(SVC_EDECODE, "time zone %s: bad second header", name);
		p += 44;
		tsize = 8;
		body = tzif_body_len(&c, 8);
		if (body > len - (size_t)(p - buf))
			return svc_errf(SVC_EDECODE, "time zone %s: truncated", name);
	}
	svc_tz *tz = calloc(1, sizeof *tz);
	if (!tz)
		return SVC_ENOMEM;
	snprintf(tz->name, sizeof tz->name, "%s", name);
	tz->ntrans = (int)c.time;
	tz->ntypes = (int)c.type;
	const uint8_t *q = p;
	for (uint32_t i = 0; i < c.time; i++, q += tsize)
		tz->trans[i] = tsize == 8 ? be64(q) : (int32_t)be32(q);
	for (uint32_t i = 0; i < c.time; i++, q++) {
		if (*q >= c.type) {
			free(tz);
			return svc_errf(SVC_EDECODE, "time zone %s: bad type index", name);
		}
		tz->trans_type[i] = *q;
	}
	for (uint32_t i = 0; i < c.type; i++, q += 6) {
		int32_t off = (int32_t)be32(q);
		if (off < -89999 || off > 93599) {
			free(tz);
			return svc_errf(SVC_EDECODE, "time zone %s: bad offset", name);
		}
		tz->type_off[i] = off;
	}
	p += body;
	if (version >= 2 && p < buf + len && *p == '\n') {
		const uint8_t *e = memchr(p + 1, '\n', len - (size_t)(p + 1 - buf));
		if (e && e > p + 1 && e - p < 128) {
			char rule[128];
			memcpy(rule, p + 1, (size_t)(e - p - 1));
			rule[e - p - 1] = '\0';
			if (parse_rule(tz, rule) < 0) {
				free(tz);
				return svc_errf(SVC_EDECODE, "time zone %s: bad rule '%s'", name,
				                rule);
			}
		}
	}
	*out = tz;
	return 0;
}

int svc_tz_load(svc_tz **out, const char *name)
{
	*out = NULL;
	int rc = svc_tz_name_valid(name);
	if (rc < 0)
		return rc;
	char path[sizeof TZ_DIR + SVC_TZ_NAME_MAX];
	snprintf(path, sizeof path, "%s%s", TZ_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return svc_errf(SVC_EINVAL, "time_zone: %s: %s (is tzdata installed?)", name,
		                strerror(errno));
	uint8_t *buf = malloc(TZ_FILE_MAX);
	if (!buf) {
		fclose(f);
		return SVC_ENOMEM;
	}
	size_t n = fread(buf, 1, TZ_FILE_MAX, f);
	fclose(f);
	rc = svc_tz_parse(out, buf, n, name);
	free(buf);
	return rc;
}

void svc_tz_destroy(svc_tz **tz)
{
	if (tz && *tz) {
		free(*tz);
		*tz = NULL;
	}
}

const char *svc_tz_name(const svc_tz *tz)
{
	return tz->name;
}

/* ---- moments and wall times ---- */

int32_t svc_tz_offset(const svc_tz *tz, int64_t utc_ms)
{
	int64_t t = floor_div(utc_ms, 1000);
	if (tz->ntrans == 0)
		return tz->has_rule ? rule_offset(tz, t) : tz->type_off[0];
	if (t < tz->trans[0])
		return tz->type_off[0];
	if (t >= tz->trans[tz->ntrans - 1] && tz->has_rule)
		return rule_offset(tz, t);
	int lo = 0, hi = tz->ntrans - 1; /* the last transition at or before t */
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (tz->trans[mid] <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	return tz->type_off[tz->trans_type[lo]];
}

void svc_tz_to_civil(const svc_tz *tz, int64_t utc_ms, svc_civil *out)
{
	int32_t off = svc_tz_offset(tz, utc_ms);
	int64_t local = utc_ms + (int64_t)off * 1000;
	int64_t days = floor_div(local, 86400000);
	int64_t rem = local - days * 86400000;
	civil_from_days(days, &out->year, &out->month, &out->day);
	out->hour = (int)(rem / 3600000);
	out->min = (int)(rem / 60000 % 60);
	out->sec = (int)(rem / 1000 % 60);
	out->ms = (int)(rem % 1000);
	out->offset_s = off;
}

int64_t svc_tz_from_civil(const svc_tz *tz, int year, int month, int day, int hour, int min)
{
	int64_t local = (days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60) * 1000;
	/* Try the offsets in force a day either side: the earliest one that maps
	 * back to this wall time wins; none does only inside a forward gap. */
	int32_t a = svc_tz_offset(tz, local - 86400000LL),
	        b = svc_tz_offset(tz, local + 86400000LL);
	int32_t first = a < b ? b : a, second = a < b ? a : b; /* larger offset = earlier moment */
	int64_t t1 = local - (int64_t)first * 1000, t2 = local - (int64_t)second * 1000;
	if (svc_tz_offset(tz, t1) == first)
		return t1;
	if (svc_tz_offset(tz, t2) == second)
		return t2;
	return local - (int64_t)svc_tz_offset(tz, local - 86400000LL) * 1000;
}

int32_t svc_tz_date_of(const svc_tz *tz, int64_t utc_ms)
{
	svc_civil c;
	svc_tz_to_civil(tz, utc_ms, &c);
	return c.year * 10000 + c.month * 100 + c.day;
}

int64_t svc_tz_day_start(const svc_tz *tz, int32_t ymd)
{
	return svc_tz_from_civil(tz, ymd / 10000, ymd / 100 % 100, ymd % 100, 0, 0);
}

int64_t svc_tz_add_hours(int64_t utc_ms, int64_t hours)
{
	return utc_ms + hours * 3600000;
}

int svc_tz_parse_local(const svc_tz *tz, const char *s, int64_t *utc_ms)
{
	int h, mi, n = 0;
	char date[11];
	if (!s || strlen(s) != 16 || s[10] != ' ' || s[13] != ':' ||
	    sscanf(s + 11, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5 || h > 23 || mi > 59 || h < 0 ||
	    mi < 0)
		return svc_errf(SVC_EINVAL, "at: '%s' is not 'YYYY-MM-DD HH:MM'", s ? s : "");
	memcpy(date, s, 10);
	date[10] = '\0';
	int32_t ymd;
	if (svc_date_parse(date, &ymd) < 0)
		return svc_errf(SVC_EINVAL, "at: '%s' is not a calendar date", s);
	*utc_ms = svc_tz_from_civil(tz, ymd / 10000, ymd / 100 % 100, ymd % 100, h, mi);
	return 0;
}

void svc_tz_format_local(const svc_tz *tz, int64_t utc_ms, char *buf, size_t len)
{
	svc_civil c;
	svc_tz_to_civil(tz, utc_ms, &c);
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", c.year, c.month, c.day, c.hour, c.min);
}
