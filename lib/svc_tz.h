/*
 * svc_tz: civil time in the network's time zone, never the host's.
 *
 * The network has one time zone, set in HQ's policy; every date, window and
 * due time is computed in it. libc's zone code is process-global and follows
 * the TZ variable, so this module reads the zone's TZif file (RFC 8536) from
 * /usr/share/zoneinfo itself, once, and answers from that table: the same
 * answers on every host whatever its TZ. Parsing is pure (svc_tz_parse());
 * svc_tz_load() only adds reading the file.
 *
 * Dates are kept as yyyymmdd integers (20260214), times as UTC milliseconds.
 * Calendar arithmetic on dates (days, months) needs no zone; turning a
 * moment into a date or a local wall time into a moment does.
 */
#ifndef SVC_TZ_H
#define SVC_TZ_H

#include <stddef.h>
#include <stdint.h>

#define SVC_TZ_NAME_MAX 64

typedef struct svc_tz svc_tz;

/* A broken-down local time with the UTC offset in force at it. */
typedef struct {
	int year, month, day, hour, min, sec, ms;
	int32_t offset_s; /* local = UTC + offset_s */
} svc_civil;

/* Reads /usr/share/zoneinfo/NAME (NAME like "Asia/Shanghai": letters, digits,
 * '_', '+', '-', '/' and no ".." parts). Caller owns *out (svc_tz_destroy). */
int svc_tz_load(svc_tz **out, const char *name);
/* Parses TZif bytes (versions 1 to 4, including the footer's POSIX rule for
 * moments after the last transition). Caller owns *out. */
int svc_tz_parse(svc_tz **out, const uint8_t *buf, size_t len, const char *name);
void svc_tz_destroy(svc_tz **tz);
const char *svc_tz_name(const svc_tz *tz);
/* Checks a zone name's shape, the way svc_tz_load() would, without reading. */
int svc_tz_name_valid(const char *name);

/* The UTC offset in seconds at a moment. */
int32_t svc_tz_offset(const svc_tz *tz, int64_t utc_ms);
void svc_tz_to_civil(const svc_tz *tz, int64_t utc_ms, svc_civil *out);
/* The moment of a local wall time. A wall time skipped by a forward switch
 * is read with the offset before the switch (02:30 in a 02:00 to 03:00 gap is
 * 03:30); a repeated one takes its first occurrence. */
int64_t svc_tz_from_civil(const svc_tz *tz, int year, int month, int day, int hour, int min);

/* The local date of a moment (yyyymmdd). */
int32_t svc_tz_date_of(const svc_tz *tz, int64_t utc_ms);
/* The moment a local date begins. */
int64_t svc_tz_day_start(const svc_tz *tz, int32_t ymd);
/* Elapsed hours: due times are a number of hours after a moment, whatever
 * the wall clock does in between. */
int64_t svc_tz_add_hours(int64_t utc_ms, int64_t hours);

/* "YYYY-MM-DD HH:MM" in the zone: 0 or SVC_EINVAL naming the field. */
int svc_tz_parse_local(const svc_tz *tz, const char *s, int64_t *utc_ms);
/* Formats as "YYYY-MM-DD HH:MM" (buf of at least 17 bytes). */
void svc_tz_format_local(const svc_tz *tz, int64_t utc_ms, char *buf, size_t len);

/* Date arithmetic (no zone needed). */
int svc_date_valid(int32_t ymd);
/* "YYYY-MM-DD" -> yyyymmdd: 0 or SVC_EINVAL. */
int svc_date_parse(const char *s, int32_t *ymd);
/* Formats as "YYYY-MM-DD" (buf of at least 11 bytes). */
void svc_date_format(int32_t ymd, char *buf, size_t len);
int64_t svc_date_to_days(int32_t ymd); /* days since 1970-01-01 */
int32_t svc_date_from_days(int64_t days);
int32_t svc_date_add_days(int32_t ymd, int64_t n);
/* Adds months, keeping the day or clamping to the month's last day
 * (2024-01-31 + 1 month = 2024-02-29). */
int32_t svc_date_add_months(int32_t ymd, int n);

#endif
