/*
 * test_tz: civil time in a named zone, whatever the host's TZ says.
 *
 * ctest runs this twice, under TZ=UTC and TZ=America/New_York; every answer
 * below is a constant, so both runs agree or one fails.
 */
#include "svc_err.h"
#include "svc_tz.h"
#include "testlib.h"

#include <stdlib.h>
#include <time.h>

/* 2026-03-01 00:00:00 UTC */
#define T_2026_03_01 1772323200000LL
#define HOUR 3600000LL

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	return (svc_date_to_days(y * 10000 + mo * 100 + d) * 86400 + h * 3600 + mi * 60) * 1000;
}

static void test_dates(void)
{
	int32_t d;
	CHECK_INT(svc_date_parse("2026-02-28", &d), 0);
	CHECK_INT(d, 20260228);
	CHECK(svc_date_parse("2026-02-29", &d) < 0);
	CHECK(svc_date_parse("2026-2-28", &d) < 0);
	CHECK(svc_date_parse("2026-02-28x", &d) < 0);
	CHECK_INT(svc_date_parse("2024-02-29", &d), 0);
	CHECK_INT(svc_date_add_days(20260228, 1), 20260301);
	CHECK_INT(svc_date_add_days(20241231, 1), 20250101);
	CHECK_INT(svc_date_add_days(20260301, -1), 20260228);
	CHECK_INT(svc_date_add_days(20260101, 15), 20260116);
	CHECK_INT(svc_date_add_months(20240131, 1), 20240229);
	CHECK_INT(svc_date_add_months(20250131, 1), 20250228);
	CHECK_INT(svc_date_add_months(20240229, 24), 20260228);
	CHECK_INT(svc_date_add_months(20261115, 2), 20270115);
	CHECK_INT(svc_date_add_months(20260115, -1), 20251215);
	CHECK_INT(svc_date_to_days(19700101), 0);
	CHECK_INT(utc(2026, 3, 1, 0, 0), T_2026_03_01);
	char buf[16];
	svc_date_format(20260305, buf, sizeof buf);
	CHECK_STR(buf, "2026-03-05");
}

static void test_shanghai(void)
{
	svc_tz *tz = NULL;
	CHECK_INT(svc_tz_load(&tz, "Asia/Shanghai"), 0);
	if (!tz)
		return;
	CHECK_STR(svc_tz_name(tz), "Asia/Shanghai");
	/* 15:59 UTC is 23:59 the same day; 16:00 UTC is midnight of the next. */
	CHECK_INT(svc_tz_date_of(tz, utc(2026, 2, 28, 15, 59)), 20260228);
	CHECK_INT(svc_tz_date_of(tz, utc(2026, 2, 28, 16, 0)), 20260301);
	CHECK_INT(svc_tz_date_of(tz, T_2026_03_01), 20260301);
	CHECK_INT(svc_tz_date_of(tz, T_2026_03_01 - 1), 20260301);
	CHECK_INT(svc_tz_date_of(tz, utc(2025, 12, 31, 16, 0)), 20260101);
	CHECK_INT(svc_tz_date_of(tz, utc(2025, 12, 31, 15, 59)), 20251231);
	CHECK_INT(svc_tz_offset(tz, T_2026_03_01), 8 * 3600);
	CHECK_INT(svc_tz_day_start(tz, 20260301), utc(2026, 2, 28, 16, 0));
	int64_t t;
	CHECK_INT(svc_tz_parse_local(tz, "2026-03-01 07:30", &t), 0);
	CHECK_INT(t, utc(2026, 2, 28, 23, 30));
	char buf[32];
	svc_tz_format_local(tz, utc(2026, 2, 28, 23, 30), buf, sizeof buf);
	CHECK_STR(buf, "2026-03-01 07:30");
	CHECK(svc_tz_parse_local(tz, "2026-03-01 24:00", &t) < 0);
	CHECK(svc_tz_parse_local(tz, "2026-02-30 10:00", &t) < 0);
	CHECK(svc_tz_parse_local(tz, "2026-03-01T10:00", &t) < 0);
	/* Due in 24 h from 22:00 on the 1st is 22:00 on the 2nd. */
	svc_tz_format_local(tz, svc_tz_add_hours(utc(2026, 3, 1, 14, 0), 24), buf, sizeof buf);
	CHECK_STR(buf, "2026-03-02 22:00");
	/* 1988 had daylight saving time in China. */
	CHECK_INT(svc_tz_offset(tz, utc(1988, 7, 1, 0, 0)), 9 * 3600);
	svc_tz_destroy(&tz);
	CHECK(tz == NULL);
	svc_tz_destroy(&tz);
}

static void test_berlin(void)
{
	svc_tz *tz = NULL;
	CHECK_INT(svc_tz_load(&tz, "Europe/Berlin"), 0);
	if (!tz)
		return;
	/* 2026: CEST from 29 March 01:00 UTC to 25 October 01:00 UTC. */
	CHECK_INT(svc_tz_offset(tz, utc(2026, 3, 29, 0, 59)), 3600);
	CHECK_INT(svc_tz_offset(tz, utc(2026, 3, 29, 1, 0)), 7200);
	CHECK_INT(svc_tz_offset(tz, utc(2026, 10, 25, 0, 59)), 7200);
	CHECK_INT(svc_tz_offset(tz, utc(2026, 10, 25, 1, 0)), 3600);
	char buf[32];
	svc_tz_format_local(tz, utc(2026, 3, 29, 0, 59), buf, sizeof buf);
	CHECK_STR(buf, "2026-03-29 01:59");
	svc_tz_format_local(tz, utc(2026, 3, 29, 1, 0), buf, sizeof buf);
	CHECK_STR(buf, "2026-03-29 03:00");
	/* 24 elapsed hours across the switch: 23 wall hours later plus one. */
	svc_tz_format_local(tz, svc_tz_add_hours(utc(2026, 3, 28, 11, 0), 24), buf, sizeof buf);
	CHECK_STR(buf, "2026-03-29 13:00");
	/* A day that has 23 hours. */
	CHECK_INT(svc_tz_day_start(tz, 20260330) - svc_tz_day_start(tz, 20260329), 23 * HOUR);
	CHECK_INT(svc_tz_day_start(tz, 20261026) - svc_tz_day_start(tz, 20261025), 25 * HOUR);
	/* A wall time in the gap reads with the old offset; a repeated one is the first. */
	CHECK_INT(svc_tz_from_civil(tz, 2026, 3, 29, 2, 30), utc(2026, 3, 29, 1, 30));
	CHECK_INT(svc_tz_from_civil(tz, 2026, 10, 25, 2, 30), utc(2026, 10, 25, 0, 30));
	CHECK_INT(svc_tz_from_civil(tz, 2026, 7, 1, 12, 0), utc(2026, 7, 1, 10, 0));
	/* Beyond the table's last transition the footer's rule answers. */
	CHECK_INT(svc_tz_offset(tz, utc(2050, 7, 1, 0, 0)), 7200);
	CHECK_INT(svc_tz_offset(tz, utc(2050, 12, 1, 0, 0)), 3600);
	CHECK_INT(svc_tz_offset(tz, utc(2050, 3, 27, 0, 59)), 3600);
	CHECK_INT(svc_tz_offset(tz, utc(2050, 3, 27, 1, 0)), 7200);
	svc_tz_destroy(&tz);
}

static void test_southern(void)
{
	svc_tz *tz = NULL;
	CHECK_INT(svc_tz_load(&tz, "Australia/Sydney"), 0);
	if (!tz)
		return;
	CHECK_INT(svc_tz_offset(tz, utc(2050, 1, 1, 0, 0)), 11 * 3600);
	CHECK_INT(svc_tz_offset(tz, utc(2050, 7, 1, 0, 0)), 10 * 3600);
	CHECK_INT(svc_tz_offset(tz, utc(2026, 1, 1, 0, 0)), 11 * 3600);
	svc_tz_destroy(&tz);
}

/* A slim TZif v2 file with no transitions at all: only the footer's rule. */
static void test_rule_only(void)
{
	static const char rule[] = "\nCET-1CEST,M3.5.0,M10.5.0/3\n";
	uint8_t buf[256] = {0};
	size_t n = 0;
	for (int part = 0; part < 2; part++) {
		memcpy(buf + n, "TZif2", 5);
		buf[n + 39] = 1; /* one type */
		buf[n + 43] = 4; /* four characters of names */
		n += 44;
		buf[n + 3] = 0x10; /* offset 3600 */
		buf[n + 2] = 0x0e;
		n += 6 + 4;
	}
	memcpy(buf + n, rule, sizeof rule - 1);
	n += sizeof rule - 1;
	svc_tz *tz = NULL;
	CHECK_INT(svc_tz_parse(&tz, buf, n, "test"), 0);
	if (tz) {
		CHECK_INT(svc_tz_offset(tz, utc(2026, 7, 1, 0, 0)), 7200);
		CHECK_INT(svc_tz_offset(tz, utc(2026, 1, 1, 0, 0)), 3600);
		svc_tz_destroy(&tz);
	}
	CHECK(svc_tz_parse(&tz, buf, 30, "test") < 0);
	buf[0] = 'X';
	CHECK(svc_tz_parse(&tz, buf, n, "test") < 0);
}

static void test_names(void)
{
	svc_tz *tz = NULL;
	CHECK(svc_tz_load(&tz, "../etc/passwd") < 0);
	CHECK(svc_tz_load(&tz, "/etc/passwd") < 0);
	CHECK(svc_tz_load(&tz, "Asia/../../etc/passwd") < 0);
	CHECK(svc_tz_load(&tz, "") < 0);
	CHECK(svc_tz_load(&tz, "Mars/Olympus_Mons") < 0);
	CHECK(tz == NULL);
	CHECK_INT(svc_tz_name_valid("America/New_York"), 0);
	CHECK_INT(svc_tz_name_valid("Etc/GMT+8"), 0);
}

int main(void)
{
	const char *host = getenv("TZ");
	printf("host TZ=%s\n", host ? host : "(unset)");
	tzset();
	test_dates();
	test_shanghai();
	test_berlin();
	test_southern();
	test_rule_only();
	test_names();
	return svc_test_done();
}
