/*
 * test_rules: the merge rules one change at a time.
 *
 * Names and parsers, the field validators (phones, dates, ids, part
 * numbers, text), the warranty boundary, aggregate ids and fold order, layer
 * 1 (svc_rules_validate) field by field, layer 2 (svc_rules_authorize) as a table
 * over every role and every kind of change, and layer 3 (each aggregate's
 * step) transition by transition, allowed and refused, with the reason an
 * operator would read. Order independence is test_merge's job.
 */
#include "rules_fixture.h"
#include "svc_codec.h"
#include "svc_err.h"
#include "svc_rules.h"
#include "testlib.h"

#include <inttypes.h>
#include <stdlib.h>
#include <time.h>

#define CHECK_HAS(s, sub)                                                                          \
	do {                                                                                       \
		const char *s_ = (s), *sub_ = (sub);                                               \
		if (strstr(s_, sub_)) {                                                            \
			svc_test_pass++;                                                           \
		} else {                                                                           \
			svc_test_fail++;                                                           \
			fprintf(stderr, "%s:%d: CHECK failed: \"%s\" does not contain \"%s\"\n",   \
			        __FILE__, __LINE__, s_, sub_);                                     \
		}                                                                                  \
	} while (0)

/* A reason is one non-empty line. */
#define CHECK_LINE(s)                                                                              \
	do {                                                                                       \
		const char *l_ = (s);                                                              \
		CHECK(l_[0] != '\0');                                                              \
		CHECK(strchr(l_, '\n') == NULL);                                                   \
	} while (0)

static char why[SVC_REASON_LEN];

/* ------------------------------------------------------------ names */

static void test_names(void)
{
	uint32_t v = 99;
	CHECK_STR(svc_role_name(SVC_ROLE_HQ), "hq");
	CHECK_STR(svc_role_name(SVC_ROLE_REGION), "region");
	CHECK_STR(svc_role_name(SVC_ROLE_SHOP), "shop");
	CHECK_STR(svc_role_name(SVC_ROLE_NONE), "unknown");
	CHECK_STR(svc_role_name(77), "unknown");
	CHECK_INT(svc_role_parse("region", &v), 0);
	CHECK_INT(v, SVC_ROLE_REGION);
	CHECK_INT(svc_role_parse("Region", &v), SVC_EINVAL);
	CHECK_HAS(svc_errmsg(), "role: unknown value, expected one of hq, region, shop");
	CHECK_INT(svc_role_parse("", &v), SVC_EINVAL);
	CHECK_INT(svc_role_parse(NULL, &v), SVC_EINVAL);
	CHECK_INT(svc_role_parse("unknown", &v), SVC_EINVAL);

	static const char *kinds[] = {"consult", "complaint", "install",
	                              "repair",  "return",    "exchange"};
	for (uint32_t i = 0; i < 6; i++) {
		CHECK_STR(svc_ticket_kind_name(i + 1), kinds[i]);
		CHECK_INT(svc_ticket_kind_parse(kinds[i], &v), 0);
		CHECK_INT(v, i + 1);
	}
	CHECK_STR(svc_ticket_kind_name(0), "unknown");
	CHECK_STR(svc_ticket_kind_name(7), "unknown");
	CHECK_INT(svc_ticket_kind_parse("fix", &v), SVC_EINVAL);

	static const char *statuses[] = {"new",      "assigned", "accepted", "on_site",
	                                 "resolved", "closed",   "cancelled"};
	for (uint32_t i = 0; i < 7; i++) {
		CHECK_STR(svc_ticket_status_name(i + 1), statuses[i]);
		CHECK_INT(svc_ticket_status_parse(statuses[i], &v), 0);
		CHECK_INT(v, i + 1);
	}
	CHECK_STR(svc_ticket_status_name(8), "unknown");
	CHECK_INT(svc_ticket_status_parse("on-site", &v), SVC_EINVAL);

	static const char *moves[] = {"receive", "transfer_out",     "transfer_in",
	                              "consume", "defective_return", "adjust"};
	for (uint32_t i = 0; i < 6; i++) {
		CHECK_STR(svc_move_kind_name(i + 1), moves[i]);
		CHECK_INT(svc_move_kind_parse(moves[i], &v), 0);
		CHECK_INT(v, i + 1);
	}
	CHECK_STR(svc_move_kind_name(0), "unknown");

	static const char *cstat[] = {"submitted",          "audited",  "returned", "approved",
	                              "partially_approved", "rejected", "paid"};
	for (uint32_t i = 0; i < 7; i++) {
		CHECK_STR(svc_claim_status_name(i + 1), cstat[i]);
		CHECK_INT(svc_claim_status_parse(cstat[i], &v), 0);
		CHECK_INT(v, i + 1);
	}
	CHECK_STR(svc_claim_status_name(99), "unknown");

	static const char *actions[] = {"audit", "return", "approve", "reject", "pay"};
	for (uint32_t i = 0; i < 5; i++) {
		CHECK_STR(svc_claim_action_name(i + 1), actions[i]);
		CHECK_INT(svc_claim_action_parse(actions[i], &v), 0);
		CHECK_INT(v, i + 1);
	}
	CHECK_STR(svc_claim_action_name(6), "unknown");

	static const char *ck[] = {"ticket.open", "ticket.assign",   "ticket.status",
	                           "ticket.note", "ticket.callback", "catalog.put",
	                           "part.move",   "claim.submit",    "claim.decide",
	                           "node.cert",   "node.revoke"};
	for (uint32_t i = 0; i < 11; i++) {
		CHECK_STR(svc_change_kind_name(i + 1), ck[i]);
		CHECK_INT(svc_change_kind_parse(ck[i], &v), 0);
		CHECK_INT(v, i + 1);
	}
	CHECK_STR(svc_change_kind_name(SVC_CK_NONE), "unknown");
	CHECK_STR(svc_change_kind_name(SVC_CK_MAX_), "unknown");
}

/* ------------------------------------------------------------ field validators */

static void test_node_ids(void)
{
	static const char *good[] = {"hq",
	                             "region-south",
	                             "shop-gz-0042",
	                             "a",
	                             "0",
	                             "9-",
	                             "abcdefghijklmnopqrstuvwxyz012345"};
	static const char *bad[] = {"",       "-a",   "A",      "shop_a",
	                            "shop a", "shöp", "shop.a", "abcdefghijklmnopqrstuvwxyz0123456",
	                            "Hq"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		CHECK_INT(svc_valid_node_id(good[i]), 1);
		CHECK_INT(svc_check_node_id("region", good[i], why, sizeof why), 0);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK_INT(svc_valid_node_id(bad[i]), 0);
		CHECK_INT(svc_check_node_id("region", bad[i], why, sizeof why), SVC_EINVAL);
		CHECK_HAS(why, "region: ");
		CHECK_LINE(why);
	}
	CHECK_INT(svc_valid_node_id(NULL), 0);
	CHECK_INT(svc_check_node_id("shop", "Shop_A", why, sizeof why), SVC_EINVAL);
	CHECK_STR(why, "shop: 'Shop_A' is not a node id (1 to 32 of a-z, 0-9 and '-', not "
	               "starting with '-')");
	CHECK_INT(svc_check_node_id("shop", "", why, sizeof why), SVC_EINVAL);
	CHECK_STR(why, "shop: must not be empty (a node id)");
	/* A value with a newline is echoed on one line. */
	CHECK_INT(svc_check_node_id("shop", "a\nb", why, sizeof why), SVC_EINVAL);
	CHECK_LINE(why);
	/* A NULL or zero-length reason buffer is fine. */
	CHECK_INT(svc_check_node_id("shop", "A", NULL, 0), SVC_EINVAL);
}

static void test_phones(void)
{
	static const char *good[] = {"13800138000",     "138-0013-8000",    "+86 138 0013 8000",
	                             "010-62345678",    "+8613800138000",   "1234567",
	                             "123456789012345", "+86-20-8888-6666", "020 8888 6666"};
	static const char *bad_count[] = {"123456", "1234567890123456", "+86 1", "12-34-5"};
	static const char *bad_form[] = {"138--0013-8000",     "138 -0013",       "-13800138000",
	                                 "+ 86 138 0013 8000", "++8613800138000", "86+13800138000",
	                                 "138a0013800",        " 13800138000",    "138.0013.8000",
	                                 "(010) 62345678",     "138\t0013 8000"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		int rc = svc_check_phone("phone", good[i], why, sizeof why);
		if (rc)
			fprintf(stderr, "phone %s: %s\n", good[i], why);
		CHECK_INT(rc, 0);
	}
	for (size_t i = 0; i < sizeof bad_count / sizeof *bad_count; i++) {
		CHECK_INT(svc_check_phone("phone", bad_count[i], why, sizeof why), SVC_EINVAL);
		CHECK_STR(why, "phone: must be 7 to 15 digits, optionally starting with +");
	}
	for (size_t i = 0; i < sizeof bad_form / sizeof *bad_form; i++) {
		CHECK_INT(svc_check_phone("phone", bad_form[i], why, sizeof why), SVC_EINVAL);
		CHECK_HAS(why, "phone: ");
		CHECK_LINE(why);
	}
	CHECK_INT(svc_check_phone("phone", "13800138000-", why, sizeof why), SVC_EINVAL);
	CHECK_STR(why, "phone: must not end with a space or dash");
	CHECK_INT(svc_check_phone("phone", "", why, sizeof why), SVC_EINVAL);
	CHECK_STR(why, "phone: must not be empty");
	CHECK_INT(svc_check_phone("phone", "+", why, sizeof why), SVC_EINVAL);
}

static void test_text(void)
{
	CHECK_INT(svc_check_text("customer", "张伟", true, why, sizeof why), 0);
	CHECK_INT(svc_check_text("customer", "O'Brien & Sons, Ltd.", true, why, sizeof why), 0);
	CHECK_INT(svc_check_text("address", "", false, why, sizeof why), 0);
	CHECK_INT(svc_check_text("address", NULL, false, why, sizeof why), 0);
	CHECK_INT(svc_check_text("customer", "", true, why, sizeof why), SVC_EINVAL);
	CHECK_STR(why, "customer: must not be empty");
	CHECK_INT(svc_check_text("customer", "   ", true, why, sizeof why), SVC_EINVAL);
	CHECK_STR(why, "customer: must not be blank");
	/* Full-width (ideographic) spaces from a Chinese input method are blank too. */
	CHECK_INT(svc_check_text("customer", "\u3000\u3000", true, why, sizeof why), SVC_EINVAL);
	CHECK_STR(why, "customer: must not be blank");
	CHECK_INT(svc_check_text("customer", " \u3000张 ", true, why, sizeof why), 0);
	/* Malformed UTF-8: stray byte, truncated sequence, overlong '/', surrogate,
	 * beyond U+10FFFF. */
	static const char *bad_utf8[] = {"ab\xff",       "\xe5\xbc",         "\xc0\xaf",
	                                 "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80"};
	for (size_t i = 0; i < sizeof bad_utf8 / sizeof *bad_utf8; i++) {
		CHECK_INT(svc_check_text("name", bad_utf8[i], false, why, sizeof why), SVC_EINVAL);
		CHECK_HAS(why, "name: not valid UTF-8 at byte ");
	}
	CHECK_INT(svc_check_text("name", "ab\xff", false, why, sizeof why), SVC_EINVAL);
	CHECK_STR(why, "name: not valid UTF-8 at byte 2");
	CHECK_INT(svc_check_text("name", "\xf0\x9f\x94\xa7 tools", true, why, sizeof why), 0);
	/* Control characters: none in single-line text. */
	CHECK_INT(svc_check_text("address", "line1\nline2", false, why, sizeof why), SVC_EINVAL);
	CHECK_STR(why, "address: control character U+000A at byte 5 is not allowed");
	CHECK_INT(svc_check_text("address", "a\tb", false, why, sizeof why), SVC_EINVAL);
	CHECK_INT(svc_check_text("address", "a\x7f", false, why, sizeof why), SVC_EINVAL);
	CHECK_INT(svc_check_text("address", "a\xc2\x85", false, why, sizeof why), SVC_EINVAL);
	CHECK_HAS(why, "U+0085");
	CHECK_INT(svc_check_text("address", "\x1b[31mred", false, why, sizeof why), SVC_EINVAL);
}

static void test_part_numbers(void)
{
	static const char *good[] = {"CMP-35", "KFR-35GW.01_A", "a", "0",
	                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234"};
	static const char *bad[] = {
	    "",     "-abc", ".x", "_x", "ab c", "a/b", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
	    "配件", "a\n"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		CHECK_INT(svc_check_part_no("part_no", good[i], why, sizeof why), 0);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK_INT(svc_check_part_no("part_no", bad[i], why, sizeof why), SVC_EINVAL);
		CHECK_HAS(why, "part_no: ");
		CHECK_LINE(why);
	}
}

static void test_dates(void)
{
	uint32_t d = 0;
	CHECK_INT(svc_parse_date("purchased", "2024-02-29", &d, why, sizeof why), 0);
	CHECK_INT(d, 20240229);
	CHECK_INT(svc_parse_date("purchased", "2000-02-29", &d, why, sizeof why), 0);
	CHECK_INT(d, 20000229);
	CHECK_INT(svc_parse_date("purchased", "1990-01-01", &d, why, sizeof why), 0);
	CHECK_INT(svc_parse_date("purchased", "2100-12-31", &d, why, sizeof why), 0);
	CHECK_INT(d, 21001231);
	d = 7;
	CHECK_INT(svc_parse_date("purchased", "2023-02-29", &d, why, sizeof why), SVC_EINVAL);
	CHECK_STR(why, "purchased: 2023-02-29 is not a calendar date");
	CHECK_INT(d, 7); /* untouched on failure */
	CHECK_INT(svc_parse_date("purchased", "2023-02-30", &d, why, sizeof why), SVC_EINVAL);
	CHECK_STR(why, "purchased: 2023-02-30 is not a calendar date");
	/* 2100 is not a leap year (divisible by 100, not by 400). */
	CHECK_INT(svc_parse_date("purchased", "2100-02-29", &d, why, sizeof why), SVC_EINVAL);
	CHECK_INT(svc_parse_date("purchased", "2024-04-31", &d, why, sizeof why), SVC_EINVAL);
	CHECK_INT(svc_parse_date("purchased", "2024-13-01", &d, why, sizeof why), SVC_EINVAL);
	CHECK_INT(svc_parse_date("purchased", "2024-00-10", &d, why, sizeof why), SVC_EINVAL);
	CHECK_INT(svc_parse_date("purchased", "2024-01-00", &d, why, sizeof why), SVC_EINVAL);
	CHECK_INT(svc_parse_date("purchased", "1989-12-31", &d, why, sizeof why), SVC_EINVAL);
	CHECK_STR(why, "purchased: year 1989 is outside 1990 to 2100");
	CHECK_INT(svc_parse_date("purchased", "2101-01-01", &d, why, sizeof why), SVC_EINVAL);
	static const char *shapes[] = {"2024-4-01",   "20240401",       "2024/04/01", "",
	                               "2024-04-01 ", "２０２４-04-01", "2024-04-0x"};
	for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
		CHECK_INT(svc_parse_date("purchased", shapes[i], &d, why, sizeof why), SVC_EINVAL);
		CHECK_HAS(why, "is not a date, expected YYYY-MM-DD");
	}
	CHECK_INT(svc_parse_date("purchased", NULL, &d, why, sizeof why), SVC_EINVAL);
	CHECK_INT(svc_check_date("purchased", 20240229, why, sizeof why), 0);
	CHECK_INT(svc_check_date("purchased", 20230229, why, sizeof why), SVC_EINVAL);
	CHECK_STR(why, "purchased: 2023-02-29 is not a calendar date");
	CHECK_INT(svc_check_date("purchased", 0, why, sizeof why), SVC_EINVAL);
	CHECK_INT(svc_check_date("purchased", 20241231, why, sizeof why), 0);
	CHECK_INT(svc_check_date("purchased", 20241232, why, sizeof why), SVC_EINVAL);
}

/* Unix ms of a UTC time of day. */
static uint64_t utc_ms(int y, int mo, int d, int h, int mi, int s, int ms)
{
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (uint64_t)timegm(&tm) * 1000u + (uint64_t)ms;
}

static void test_warranty(void)
{
	/* 24 months from 2022-06-01 ends 2024-06-01: covered through May 31 (UTC). */
	CHECK(svc_in_warranty(20220601, utc_ms(2024, 5, 31, 23, 59, 59, 999), 24));
	CHECK(!svc_in_warranty(20220601, utc_ms(2024, 6, 1, 0, 0, 0, 0), 24));
	CHECK(svc_in_warranty(20220601, utc_ms(2022, 6, 1, 8, 0, 0, 0), 24));
	/* Month-end clamping: Jan 31 + 1 month ends Feb 29 in a leap year, Feb 28 otherwise. */
	CHECK(svc_in_warranty(20240131, utc_ms(2024, 2, 28, 12, 0, 0, 0), 1));
	CHECK(!svc_in_warranty(20240131, utc_ms(2024, 2, 29, 0, 0, 0, 0), 1));
	CHECK(svc_in_warranty(20230131, utc_ms(2023, 2, 27, 23, 0, 0, 0), 1));
	CHECK(!svc_in_warranty(20230131, utc_ms(2023, 2, 28, 0, 0, 0, 0), 1));
	/* A leap-day purchase: 24 months later there is no Feb 29. */
	CHECK(svc_in_warranty(20200229, utc_ms(2022, 2, 27, 23, 59, 59, 999), 24));
	CHECK(!svc_in_warranty(20200229, utc_ms(2022, 2, 28, 0, 0, 0, 0), 24));
	/* Across a year end. */
	CHECK(svc_in_warranty(20221115, utc_ms(2024, 11, 14, 0, 0, 0, 0), 24));
	CHECK(!svc_in_warranty(20221115, utc_ms(2024, 11, 15, 0, 0, 0, 0), 24));
	CHECK(svc_in_warranty(20231231, utc_ms(2024, 12, 30, 0, 0, 0, 0), 12));
	CHECK(!svc_in_warranty(20231231, utc_ms(2024, 12, 31, 0, 0, 0, 0), 12));
	/* Unknown or impossible purchase dates: no proof of purchase. */
	CHECK(!svc_in_warranty(0, utc_ms(2024, 1, 1, 0, 0, 0, 0), 24));
	CHECK(!svc_in_warranty(20230229, utc_ms(2023, 3, 1, 0, 0, 0, 0), 24));
	/* Bought "tomorrow" in UTC (a Beijing morning purchase): covered. */
	CHECK(svc_in_warranty(20240602, utc_ms(2024, 6, 1, 23, 0, 0, 0), 24));
	/* The fixture's ticket: bought 2023-06-10, opened 2024-06-01. */
	CHECK(svc_in_warranty(20230610, FX_T0, SVC_WARRANTY_MONTHS));
	CHECK(!svc_in_warranty(20220531, FX_T0, SVC_WARRANTY_MONTHS));
}

/* ------------------------------------------------------------ ids and order */

static void test_ids(void)
{
	char id[SVC_AGG_LEN];
	svc_rules_ticket_id(id, "shop-a", 7);
	CHECK_STR(id, "T-shop-a-7");
	CHECK_INT(svc_rules_claim_id(id, "T-shop-a-7"), 0);
	CHECK_STR(id, "C-shop-a-7");
	CHECK_INT(svc_rules_claim_id(id, "T-9-18446744073709551615"), 0);
	CHECK_STR(id, "C-9-18446744073709551615");
	static const char *bad[] = {"X-shop-a-7",
	                            "T-shop-a-07",
	                            "T-shop-a-0",
	                            "T--5",
	                            "T-Shop-5",
	                            "T-shop-a-",
	                            "T-shop-a-5x",
	                            "T-shop-a",
	                            "T-5",
	                            "",
	                            "T-shop-a-18446744073709551616",
	                            "t-shop-a-1",
	                            "T_shop-a-1"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK_INT(svc_rules_claim_id(id, bad[i]), SVC_EINVAL);
		CHECK_STR(id, "");
	}
	CHECK_INT(svc_rules_claim_id(id, NULL), SVC_EINVAL);
	/* A node id ending in '-' still parses: the seq follows the last dash. */
	CHECK_INT(svc_rules_claim_id(id, "T-shop--12"), 0);
	CHECK_STR(id, "C-shop--12");
	svc_rules_transfer_id(id, "region-n", 42);
	CHECK_STR(id, "X-region-n-42");
	svc_rules_catalog_agg(id, "CMP-35");
	CHECK_STR(id, "P:CMP-35");
	svc_rules_node_agg(id, "shop-gz-0042");
	CHECK_STR(id, "N:shop-gz-0042");
	svc_rules_move_agg(id, "shop-a", "CMP-35");
	CHECK_STR(id, "S:shop-a/CMP-35");
	/* The longest ids fit. */
	svc_rules_ticket_id(id, "abcdefghijklmnopqrstuvwxyz012345", UINT64_MAX);
	CHECK_STR(id, "T-abcdefghijklmnopqrstuvwxyz012345-18446744073709551615");
}

static void test_agg_types(void)
{
	svc_change c;
	static const struct {
		svc_change_kind kind;
		uint32_t move;
		svc_agg_type want;
	} cases[] = {
	    {SVC_CK_TICKET_OPEN, 0, SVC_AGG_TICKET},
	    {SVC_CK_TICKET_ASSIGN, 0, SVC_AGG_TICKET},
	    {SVC_CK_TICKET_STATUS, 0, SVC_AGG_TICKET},
	    {SVC_CK_TICKET_NOTE, 0, SVC_AGG_TICKET},
	    {SVC_CK_TICKET_CALLBACK, 0, SVC_AGG_TICKET},
	    {SVC_CK_CLAIM_SUBMIT, 0, SVC_AGG_CLAIM},
	    {SVC_CK_CLAIM_DECIDE, 0, SVC_AGG_CLAIM},
	    {SVC_CK_CATALOG_PUT, 0, SVC_AGG_CATALOG},
	    {SVC_CK_NODE_CERT, 0, SVC_AGG_NODE},
	    {SVC_CK_NODE_REVOKE, 0, SVC_AGG_NODE},
	    {SVC_CK_QUARANTINE_RELEASE, 0, SVC_AGG_NODE},
	    {SVC_CK_PART_MOVE, SVC_MV_RECEIVE, SVC_AGG_MOVE},
	    {SVC_CK_PART_MOVE, SVC_MV_TRANSFER_OUT, SVC_AGG_TRANSFER},
	    {SVC_CK_PART_MOVE, SVC_MV_TRANSFER_IN, SVC_AGG_TRANSFER},
	    {SVC_CK_PART_MOVE, SVC_MV_CONSUME, SVC_AGG_MOVE},
	    {SVC_CK_PART_MOVE, SVC_MV_DEFECTIVE_RETURN, SVC_AGG_MOVE},
	    {SVC_CK_PART_MOVE, SVC_MV_ADJUST, SVC_AGG_MOVE},
	    {SVC_CK_PART_MOVE, 99, SVC_AGG_NONE},
	    {SVC_CK_NONE, 0, SVC_AGG_NONE},
	    {SVC_CK_MAX_, 0, SVC_AGG_NONE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		memset(&c, 0, sizeof c);
		c.kind = cases[i].kind;
		c.u.part_move.kind = cases[i].move;
		CHECK_INT(svc_rules_agg_type(&c), cases[i].want);
	}
	for (int t = SVC_AGG_TICKET; t < SVC_AGG_MAX_; t++) {
		const svc_rules *r = svc_rules_for((svc_agg_type)t);
		CHECK(r != NULL);
		if (r)
			CHECK(r->step != NULL && r->name != NULL);
	}
	CHECK(svc_rules_for(SVC_AGG_NONE) == NULL);
	CHECK(svc_rules_for(SVC_AGG_MAX_) == NULL);
	CHECK_INT(svc_rules_for(SVC_AGG_TICKET)->state_size, sizeof(svc_ticket));
	CHECK_INT(svc_rules_for(SVC_AGG_MOVE)->state_size, 0);
}

static void test_fold_cmp(void)
{
	CHECK_INT(svc_rules_order_cmp(1, "b", 9, 2, "a", 1), -1);
	CHECK_INT(svc_rules_order_cmp(2, "a", 1, 1, "b", 9), 1);
	CHECK_INT(svc_rules_order_cmp(FX_HLC(5, 1), "hq", 9, FX_HLC(5, 1), "region-n", 1), -1);
	CHECK_INT(svc_rules_order_cmp(FX_HLC(5, 1), "shop-a", 1, FX_HLC(5, 1), "shop", 1), 1);
	CHECK_INT(svc_rules_order_cmp(7, "hq", 3, 7, "hq", 4), -1);
	CHECK_INT(svc_rules_order_cmp(7, "hq", 4, 7, "hq", 3), 1);
	CHECK_INT(svc_rules_order_cmp(7, "hq", 4, 7, "hq", 4), 0);
	/* The counter orders changes within one millisecond. */
	CHECK_INT(svc_rules_order_cmp(FX_HLC(5, 0), "z", 1, FX_HLC(5, 1), "a", 1), -1);
	CHECK_INT(svc_rules_order_cmp(UINT64_MAX, "a", 1, 0, "a", 1), 1);
}

/* ------------------------------------------------------------ layer 1 */

#define VALID(c)                                                                                   \
	do {                                                                                       \
		int rc_ = svc_rules_validate((c), why, sizeof why);                                \
		if (rc_)                                                                           \
			fprintf(stderr, "%s:%d: unexpectedly invalid: %s\n", __FILE__, __LINE__,   \
			        why);                                                              \
		CHECK_INT(rc_, 0);                                                                 \
	} while (0)

#define INVALID(c, sub)                                                                            \
	do {                                                                                       \
		CHECK_INT(svc_rules_validate((c), why, sizeof why), SVC_EINVAL);                   \
		CHECK_HAS(why, sub);                                                               \
		CHECK_LINE(why);                                                                   \
	} while (0)

static void test_validate_common(void)
{
	svc_change c, base;
	fx_head(&base, &FX_RN, 1, FX_HLC(0, 0));
	fx_open(&base, "", "");
	VALID(&base);

	c = base;
	FX_COPY(c.origin, "Region-N");
	INVALID(&c, "origin: 'Region-N' is not a node id");
	c = base;
	c.origin[0] = '\0';
	INVALID(&c, "origin: must not be empty");
	c = base;
	memset(c.origin, 'a', sizeof c.origin); /* no terminator */
	INVALID(&c, "origin: longer than 32 bytes");
	c = base;
	c.seq = 0;
	INVALID(&c, "seq: 0 is outside 1..9007199254740991");
	c = base;
	c.seq = SVC_SEQ_MAX + 1;
	INVALID(&c, "seq: 9007199254740992 is outside 1..9007199254740991");
	c = base;
	c.seq = UINT64_MAX;
	INVALID(&c, "seq: 18446744073709551615 is outside");
	c = base;
	c.hlc = 0;
	INVALID(&c, "hlc: 0 is outside");
	c = base;
	c.hlc = UINT64_MAX;
	INVALID(&c, "hlc: 18446744073709551615 is outside");
	c = base;
	c.origin_role = 9;
	INVALID(&c, "origin_role: unknown role 9");
	c = base;
	FX_COPY(c.origin_region, "North");
	INVALID(&c, "origin_region: ");
	c = base;
	c.kind = SVC_CK_NONE;
	INVALID(&c, "kind: unknown change kind 0");
	c = base;
	c.kind = (svc_change_kind)99;
	INVALID(&c, "kind: unknown change kind 99");
	CHECK_INT(svc_rules_validate(NULL, why, sizeof why), SVC_EINVAL);
}

static void test_validate_ticket(void)
{
	svc_change c, base;
	fx_head(&base, &FX_RN, 3, FX_HLC(0, 0));
	fx_open(&base, "", "");
	VALID(&base);
	CHECK_STR(base.aggregate, "T-region-n-3");

	c = base;
	FX_COPY(c.aggregate, "T-region-n-4");
	INVALID(&c, "aggregate: 'T-region-n-4' does not match this ticket.open, expected "
	            "'T-region-n-3'");
	c = base;
	c.u.ticket_open.kind = 0;
	INVALID(&c, "kind: unknown ticket kind 0");
	c = base;
	c.u.ticket_open.kind = 7;
	INVALID(&c, "kind: unknown ticket kind 7");
	c = base;
	FX_COPY(c.u.ticket_open.customer, " \u3000 ");
	INVALID(&c, "customer: must not be blank");
	c = base;
	FX_COPY(c.u.ticket_open.phone, "12345");
	INVALID(&c, "phone: must be 7 to 15 digits, optionally starting with +");
	c = base;
	FX_COPY(c.u.ticket_open.phone, "+86 138 0013 8000");
	VALID(&c);
	c = base;
	c.u.ticket_open.product[0] = '\0';
	INVALID(&c, "product: must not be empty");
	c = base;
	c.u.ticket_open.fault[0] = '\0';
	INVALID(&c, "fault: must not be empty");
	c = base;
	FX_COPY(c.u.ticket_open.fault, "line 1\r\nline 2");
	INVALID(&c, "fault: control character U+000D at byte 6 is not allowed (only newlines "
	            "and tabs are)");
	c = base;
	FX_COPY(c.u.ticket_open.address, "Tower 3\nFlat 1201");
	INVALID(&c, "address: control character U+000A");
	c = base;
	c.u.ticket_open.address[0] = '\0';
	c.u.ticket_open.serial[0] = '\0';
	VALID(&c); /* a phone consultation has neither */
	c = base;
	c.u.ticket_open.purchased = 20230229;
	INVALID(&c, "purchased: 2023-02-29 is not a calendar date");
	c = base;
	c.u.ticket_open.purchased = 20240229;
	VALID(&c);
	c = base;
	c.u.ticket_open.purchased = 0;
	VALID(&c);
	c = base;
	FX_COPY(c.u.ticket_open.region, "region_n");
	INVALID(&c, "region: 'region_n' is not a node id");
	c = base;
	FX_COPY(c.u.ticket_open.shop, "-shop");
	INVALID(&c, "shop: '-shop' is not a node id");
	c = base;
	memset(c.u.ticket_open.customer, 'x', sizeof c.u.ticket_open.customer);
	INVALID(&c, "customer: longer than 95 bytes");
	c = base;
	FX_COPY(c.u.ticket_open.customer, "\xe5\xbc\xa0\xe4");
	INVALID(&c, "customer: not valid UTF-8 at byte 3");

	/* Changes to an existing ticket name it by id. */
	fx_head(&c, &FX_RN, 4, FX_HLC(1, 0));
	fx_assign(&c, "T-region-n-3", "shop-a");
	VALID(&c);
	c.u.ticket_assign.shop[0] = '\0';
	INVALID(&c, "shop: must not be empty (a node id)");
	fx_assign(&c, "C-region-n-3", "shop-a");
	INVALID(&c, "aggregate: 'C-region-n-3' is not a ticket id (T-<node>-<seq>), as a "
	            "ticket.assign needs");

	fx_head(&c, &FX_SA, 4, FX_HLC(1, 0));
	fx_status(&c, "T-region-n-3", SVC_TS_ACCEPTED);
	VALID(&c);
	c.u.ticket_status.status = 0;
	INVALID(&c, "status: unknown ticket status 0");
	c.u.ticket_status.status = 8;
	INVALID(&c, "status: unknown ticket status 8");

	fx_head(&c, &FX_SA, 5, FX_HLC(1, 0));
	fx_note(&c, "T-region-n-3", "客户不在家,\n改约明天上午");
	VALID(&c);
	fx_note(&c, "T-region-n-3", "  \n\t ");
	INVALID(&c, "text: must not be blank");

	fx_head(&c, &FX_RN, 6, FX_HLC(1, 0));
	for (uint32_t s = 0; s <= 6; s++) {
		fx_callback(&c, "T-region-n-3", s, "");
		if (s >= 1 && s <= 5) {
			VALID(&c);
		} else {
			INVALID(&c, "satisfaction: must be 1 to 5, got ");
		}
	}
	fx_callback(&c, "T-region-n-3", 3, "slow\nresponse");
	INVALID(&c, "note: control character");
}

static void test_validate_catalog(void)
{
	svc_change c, base;
	fx_head(&base, &FX_HQ, 1, FX_HLC(0, 0));
	fx_catalog(&base, "CMP-35", "压缩机 35 型", 52000);
	VALID(&base);
	CHECK_STR(base.aggregate, "P:CMP-35");
	c = base;
	c.u.catalog_put.price = -1;
	INVALID(&c, "price: -1 fen is negative");
	c = base;
	c.u.catalog_put.price = 0; /* a free part (e.g. a screw) is fine */
	VALID(&c);
	c = base;
	c.u.catalog_put.name[0] = '\0';
	INVALID(&c, "name: must not be empty");
	c = base;
	FX_COPY(c.aggregate, "P:CMP-36");
	INVALID(&c, "aggregate: 'P:CMP-36' does not match this catalog.put, expected 'P:CMP-35'");
	c = base;
	FX_COPY(c.u.catalog_put.part_no, "CMP 35");
	INVALID(&c, "part_no: 'CMP 35' is not a part number");
}

/* The claim ceilings of the policy: defaults 100,000 and 50,000 yuan, in fen;
 * a value up to the rules' bound, never above it. */
static void test_claim_ceiling_policy(void)
{
	char msg[SVC_REASON_LEN];
	svc_policy p;
	memset(&p, 0, sizeof p);
	CHECK(svc_policy_fen(&p, "claim_max_fen") == 10000000);
	CHECK(svc_policy_fen(&p, "claim_line_max_fen") == 5000000);
	CHECK_INT(svc_policy_check_entry("claim_max_fen", "20000000", msg, sizeof msg), 0);
	CHECK_INT(svc_policy_check_entry("claim_max_fen", "1000000000", msg, sizeof msg), 0);
	CHECK_INT(svc_policy_check_entry("claim_max_fen", "1000000001", msg, sizeof msg),
	          SVC_EINVAL);
	CHECK(
	    strstr(msg, "claim_max_fen: '1000000001' is not a whole number from 1 to 1000000000"));
	CHECK_INT(svc_policy_check_entry("claim_line_max_fen", "0", msg, sizeof msg), SVC_EINVAL);
	p.nentries = 1;
	FX_COPY(p.entries[0].key, "claim_max_fen");
	FX_COPY(p.entries[0].value, "20000000");
	CHECK(svc_policy_fen(&p, "claim_max_fen") == 20000000);
}

static void test_validate_move(void)
{
	svc_change c;
	/* Sign of qty per kind: {kind, qty, ok}. */
	static const struct {
		uint32_t kind;
		int64_t qty;
		bool ok;
	} signs[] = {
	    {SVC_MV_RECEIVE, 5, true},          {SVC_MV_RECEIVE, 0, false},
	    {SVC_MV_RECEIVE, -1, false},        {SVC_MV_TRANSFER_OUT, -3, true},
	    {SVC_MV_TRANSFER_OUT, 3, false},    {SVC_MV_TRANSFER_OUT, 0, false},
	    {SVC_MV_TRANSFER_IN, 3, true},      {SVC_MV_TRANSFER_IN, -3, false},
	    {SVC_MV_CONSUME, -1, true},         {SVC_MV_CONSUME, 0, false},
	    {SVC_MV_DEFECTIVE_RETURN, 2, true}, {SVC_MV_DEFECTIVE_RETURN, -2, false},
	    {SVC_MV_ADJUST, -2, true},          {SVC_MV_ADJUST, 7, true},
	    {SVC_MV_ADJUST, 0, false},
	};
	for (size_t i = 0; i < sizeof signs / sizeof *signs; i++) {
		uint32_t k = signs[i].kind;
		const char *ref = k == SVC_MV_CONSUME       ? "T-shop-a-1"
		                  : k == SVC_MV_TRANSFER_IN ? "X-region-n-5"
		                                            : NULL;
		const char *peer = k == SVC_MV_TRANSFER_OUT ? "region-n" : NULL;
		fx_head(&c, &FX_SA, 9, FX_HLC(0, 0));
		fx_move(&c, k, "shop-a", "CMP-35", signs[i].qty, ref, peer);
		if (signs[i].ok) {
			VALID(&c);
		} else {
			INVALID(&c, "qty: must be ");
		}
	}
	fx_head(&c, &FX_SA, 9, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_CONSUME, "shop-a", "CMP-35", 0, "T-shop-a-1", NULL);
	INVALID(&c, "qty: must be non-zero (negative to consume, positive to reverse) for consume, "
	            "got 0");
	/* a positive consume is a reversal: it takes a reason */
	fx_move(&c, SVC_MV_CONSUME, "shop-a", "CMP-35", 1, "T-shop-a-1", NULL);
	INVALID(&c, "reason: required to reverse a consumption (qty 1)");
	FX_COPY(c.u.part_move.reason, "booked on the wrong ticket");
	VALID(&c);

	fx_move(&c, SVC_MV_CONSUME, "shop-a", "CMP-35", -1, NULL, NULL);
	INVALID(&c, "ticket: required for consume");
	fx_move(&c, SVC_MV_CONSUME, "shop-a", "CMP-35", -1, "T-shop-a", NULL);
	INVALID(&c, "ticket: 'T-shop-a' is not a ticket id");

	fx_head(&c, &FX_SA, 9, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_ADJUST, "shop-a", "CMP-35", -1, NULL, NULL);
	VALID(&c);
	c.u.part_move.reason[0] = '\0';
	INVALID(&c, "reason: must not be empty");

	fx_head(&c, &FX_SA, 9, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_TRANSFER_OUT, "shop-a", "CMP-35", -1, NULL, NULL);
	INVALID(&c, "peer: required for transfer_out");
	fx_head(&c, &FX_SA, 9, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_TRANSFER_OUT, "shop-a", "CMP-35", -1, NULL, "shop-a");
	INVALID(&c, "peer: shop-a ships to itself");
	fx_head(&c, &FX_SA, 9, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_TRANSFER_OUT, "shop-a", "CMP-35", -1, NULL, "Region");
	INVALID(&c, "peer: 'Region' is not a node id");
	fx_head(&c, &FX_SA, 9, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_TRANSFER_OUT, "shop-a", "CMP-35", -1, NULL, "region-n");
	VALID(&c);
	CHECK_STR(c.aggregate, "X-shop-a-9");
	FX_COPY(c.aggregate, "X-shop-a-8");
	INVALID(&c, "aggregate: 'X-shop-a-8' does not match this part.move, expected "
	            "'X-shop-a-9'");

	fx_head(&c, &FX_SA, 9, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_TRANSFER_IN, "shop-a", "CMP-35", 1, "", NULL);
	INVALID(&c, "transfer: required for transfer_in");
	fx_head(&c, &FX_SA, 9, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_TRANSFER_IN, "shop-a", "CMP-35", 1, "T-region-n-5", NULL);
	INVALID(&c, "transfer: 'T-region-n-5' is not a transfer id");
	fx_head(&c, &FX_SA, 9, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_TRANSFER_IN, "shop-a", "CMP-35", 1, "X-region-n-5", NULL);
	VALID(&c);
	CHECK_STR(c.aggregate, "X-region-n-5");
	FX_COPY(c.aggregate, "X-region-n-6");
	INVALID(&c, "does not match this part.move, expected 'X-region-n-5'");

	fx_head(&c, &FX_HQ, 9, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_RECEIVE, "hq", "CMP-35", 100, NULL, NULL);
	VALID(&c);
	CHECK_STR(c.aggregate, "S:hq/CMP-35");
	FX_COPY(c.aggregate, "S:hq/CMP-36");
	INVALID(&c, "expected 'S:hq/CMP-35'");
	fx_move(&c, SVC_MV_RECEIVE, "hq", "CMP-35", 1000000001, NULL, NULL);
	INVALID(&c, "qty: 1000000001 is more than 1000000000 parts in one movement");
	fx_move(&c, SVC_MV_ADJUST, "hq", "CMP-35", INT64_MIN, NULL, NULL);
	INVALID(&c, "qty: ");
	fx_move(&c, 0, "hq", "CMP-35", 1, NULL, NULL);
	INVALID(&c, "kind: unknown part movement kind 0");
	fx_move(&c, SVC_MV_RECEIVE, "HQ", "CMP-35", 1, NULL, NULL);
	INVALID(&c, "location: 'HQ' is not a node id");
	fx_move(&c, SVC_MV_RECEIVE, "hq", "", 1, NULL, NULL);
	INVALID(&c, "part_no: must not be empty");
	/* The longest node id with the longest part number still names a
	 * stock line (SVC_AGG_LEN holds "S:<32>/<31>"). */
	fx_move(&c, SVC_MV_RECEIVE, "hq", "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234", 1, NULL, NULL);
	snprintf(c.origin, sizeof c.origin, "abcdefghijklmnopqrstuvwxyz012345");
	snprintf(c.u.part_move.location, sizeof c.u.part_move.location, "%s", c.origin);
	svc_rules_move_agg(c.aggregate, c.origin, "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234");
	CHECK_INT(strlen(c.aggregate), 2 + 32 + 1 + 31);
	CHECK_INT(svc_rules_validate(&c, why, sizeof why), 0);
}

static void test_validate_claim(void)
{
	svc_change c, base;
	fx_head(&base, &FX_SA, 4, FX_HLC(0, 0));
	fx_submit(&base, "T-shop-a-1", 1, 8000, 2, 2500, 2000);
	VALID(&base);
	CHECK_STR(base.aggregate, "C-shop-a-1");
	CHECK_INT(base.u.claim_submit.total, 15000);

	c = base;
	c.u.claim_submit.total = 15001;
	INVALID(&c, "total: 15001 fen is not the sum of the lines, 15000 fen");
	c = base;
	c.u.claim_submit.parts[0].amount = 4999;
	INVALID(&c, "parts[0].amount: 4999 fen is not qty 2 x unit_price 2500 fen = 5000 fen");
	c = base;
	c.u.claim_submit.parts[0].qty = 0;
	INVALID(&c, "parts[0].qty: must be at least 1");
	c = base;
	c.u.claim_submit.parts[0].unit_price = -2500;
	c.u.claim_submit.parts[0].amount = -5000;
	INVALID(&c, "parts[0].unit_price: -2500 fen is negative");
	c = base;
	FX_COPY(c.u.claim_submit.parts[0].part_no, "");
	INVALID(&c, "parts[0].part_no: must not be empty");
	c = base;
	c.u.claim_submit.labor = -1;
	INVALID(&c, "labor: -1 fen is negative");
	c = base;
	c.u.claim_submit.travel = -1;
	INVALID(&c, "travel: -1 fen is negative");
	c = base;
	c.u.claim_submit.other = -1;
	INVALID(&c, "other: -1 fen is negative");
	c = base;
	c.u.claim_submit.revision = 0;
	INVALID(&c, "revision: must be at least 1");
	c = base;
	c.u.claim_submit.nparts = SVC_CLAIM_PARTS_MAX + 1;
	INVALID(&c, "parts: 17 lines, at most 16 allowed");
	c = base;
	FX_COPY(c.u.claim_submit.ticket, "X-shop-a-1");
	INVALID(&c, "ticket: 'X-shop-a-1' is not a ticket id");
	c = base;
	FX_COPY(c.aggregate, "C-shop-a-2");
	INVALID(&c, "aggregate: 'C-shop-a-2' does not match this claim.submit, expected "
	            "'C-shop-a-1'");
	c = base;
	FX_COPY(c.u.claim_submit.region, "Region-N");
	INVALID(&c, "region: ");
	/* Overflow: qty x unit_price, and the sum of the lines. */
	c = base;
	c.u.claim_submit.parts[0].qty = 4;
	c.u.claim_submit.parts[0].unit_price = INT64_MAX / 2;
	INVALID(&c, "parts[0].amount: qty x unit_price overflows");
	c = base;
	c.u.claim_submit.labor = INT64_MAX;
	c.u.claim_submit.total = INT64_MAX;
	INVALID(&c, "total: the lines add up to more than a 64-bit amount");
	/* The ceiling no policy lifts: 10^13 yuan is refused on every node,
	 * and so is one fen over the bound; the bound itself passes. */
	fx_head(&c, &FX_SA, 4, FX_HLC(0, 0));
	fx_submit(&c, "T-shop-a-1", 1, INT64_C(1000000000000000), 0, 0, 0);
	INVALID(&c, "total: 1000000000000000 fen is over the ceiling of 1000000000 fen");
	fx_submit(&c, "T-shop-a-1", 1, SVC_CLAIM_FEN_MAX + 1, 0, 0, 0);
	INVALID(&c, "total: 1000000001 fen is over the ceiling");
	fx_submit(&c, "T-shop-a-1", 1, SVC_CLAIM_FEN_MAX - 2500, 1, 2500, 0);
	VALID(&c);
	/* Nothing to claim. */
	fx_head(&c, &FX_SA, 4, FX_HLC(0, 0));
	fx_submit(&c, "T-shop-a-1", 1, 0, 0, 0, 0);
	INVALID(&c, "total: a claim must ask for more than 0 fen");
	/* Several lines, up to the maximum. */
	c = base;
	c.u.claim_submit.nparts = SVC_CLAIM_PARTS_MAX;
	int64_t sum = c.u.claim_submit.labor + c.u.claim_submit.travel;
	for (uint32_t i = 0; i < SVC_CLAIM_PARTS_MAX; i++) {
		svc_claim_part *p = &c.u.claim_submit.parts[i];
		snprintf(p->part_no, sizeof p->part_no, "P-%u", (unsigned)i);
		p->qty = i + 1;
		p->unit_price = 100 * (int64_t)i;
		p->amount = (int64_t)p->qty * p->unit_price;
		sum += p->amount;
	}
	c.u.claim_submit.other = 300;
	c.u.claim_submit.total = sum + 300;
	VALID(&c);

	fx_head(&base, &FX_RN, 4, FX_HLC(0, 0));
	fx_decide(&base, "C-shop-a-1", SVC_CA_AUDIT, 1, 0, 15000);
	VALID(&base);
	c = base;
	c.u.claim_decide.action = 0;
	INVALID(&c, "action: unknown claim action 0");
	c = base;
	c.u.claim_decide.action = 6;
	INVALID(&c, "action: unknown claim action 6");
	c = base;
	c.u.claim_decide.revision = 0;
	INVALID(&c, "revision: must be at least 1");
	c = base;
	c.u.claim_decide.amount = -5;
	INVALID(&c, "amount: -5 fen is negative");
	c = base;
	c.u.claim_decide.claimed = -5;
	INVALID(&c, "claimed: -5 fen is negative");
	c = base;
	FX_COPY(c.aggregate, "T-shop-a-1");
	INVALID(&c, "aggregate: 'T-shop-a-1' is not a claim id (C-<node>-<seq>)");
	fx_decide(&c, "C-shop-a-1", SVC_CA_RETURN, 1, 0, 15000);
	VALID(&c);
	c.u.claim_decide.reason[0] = '\0';
	INVALID(&c, "reason: must not be empty");
	fx_head(&c, &FX_HQ, 4, FX_HLC(0, 0));
	fx_decide(&c, "C-shop-a-1", SVC_CA_REJECT, 1, 0, 15000);
	VALID(&c);
	FX_COPY(c.u.claim_decide.reason, "   ");
	INVALID(&c, "reason: must not be blank");
	fx_decide(&c, "C-shop-a-1", SVC_CA_PAY, 1, 0, 15000);
	VALID(&c);
	c.u.claim_decide.ref[0] = '\0';
	INVALID(&c, "ref: must not be empty");
	fx_decide(&c, "C-shop-a-1", SVC_CA_APPROVE, 1, 12000, 15000);
	VALID(&c);
}

static void test_validate_node(void)
{
	svc_change c, base;
	fx_head(&base, &FX_HQ, 1, FX_HLC(0, 0));
	CHECK_INT(fx_cert(&base, "shop-a", SVC_ROLE_SHOP, "region-n", 1), 0);
	VALID(&base);
	CHECK_STR(base.aggregate, "N:shop-a");

	c = base;
	FX_COPY(c.aggregate, "N:shop-b");
	INVALID(&c, "aggregate: 'N:shop-b' does not match this node.cert, expected 'N:shop-a'");
	c = base;
	c.u.node_cert.body_len = 0;
	INVALID(&c, "node_cert.body: empty");
	c = base;
	c.u.node_cert.body_len = SVC_CERT_BODY_MAX + 1;
	INVALID(&c, "node_cert.body: 513 bytes, at most 512 allowed");
	c = base;
	memset(c.u.node_cert.body, 0xff, 16);
	c.u.node_cert.body_len = 16;
	INVALID(&c, "node_cert.body: ");

	svc_cert cert;
	fx_cert_body(&cert, "shop-a", SVC_ROLE_SHOP, "region-n", 0);
	fx_head(&c, &FX_HQ, 1, FX_HLC(0, 0));
	c.kind = SVC_CK_NODE_CERT;
	FX_COPY(c.aggregate, "N:shop-a");
	CHECK_INT(svc_codec_cert_encode(&cert, c.u.node_cert.body, sizeof c.u.node_cert.body,
	                                &c.u.node_cert.body_len),
	          0);
	INVALID(&c, "cert.serial: must be at least 1");
	fx_cert_body(&cert, "shop-a", 0, "region-n", 1);
	CHECK_INT(svc_codec_cert_encode(&cert, c.u.node_cert.body, sizeof c.u.node_cert.body,
	                                &c.u.node_cert.body_len),
	          0);
	INVALID(&c, "cert.role: unknown role 0");
	fx_cert_body(&cert, "shop-a", SVC_ROLE_SHOP, "region-n", 1);
	cert.not_after = cert.not_before;
	CHECK_INT(svc_codec_cert_encode(&cert, c.u.node_cert.body, sizeof c.u.node_cert.body,
	                                &c.u.node_cert.body_len),
	          0);
	INVALID(&c, "cert.not_after: not after not_before");

	fx_head(&base, &FX_HQ, 2, FX_HLC(0, 0));
	fx_revoke(&base, "shop-a", 0);
	VALID(&base);
	c = base;
	c.u.node_revoke.reason[0] = '\0';
	INVALID(&c, "reason: must not be empty");
	c = base;
	FX_COPY(c.aggregate, "N:shop-b");
	INVALID(&c, "expected 'N:shop-a'");
	c = base;
	FX_COPY(c.u.node_revoke.node, "shop a");
	INVALID(&c, "node: 'shop a' is not a node id");

	fx_release(&base, "shop-a", 5);
	VALID(&base);
	c = base;
	c.u.quarantine_release.through_seq = 0;
	INVALID(&c, "through_seq: must be at least 1");
	c = base;
	c.u.quarantine_release.reason[0] = '\0';
	INVALID(&c, "reason: must not be empty");
	c = base;
	FX_COPY(c.aggregate, "N:shop-b");
	INVALID(&c, "expected 'N:shop-a'");
	/* Only HQ releases. */
	c = base;
	c.origin_role = SVC_ROLE_REGION;
	FX_COPY(c.origin, "region-n");
	FX_COPY(c.origin_region, "region-n");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "release held changes");
}

/* ------------------------------------------------------------ layer 2 */

/* Builders for the matrix: the most natural change of each kind for actor a,
 * at its own location and within its own region. */
typedef void (*build_fn)(svc_change *c, const fx_actor *a);

static const char *peer_for(const fx_actor *a)
{
	switch (a->role) {
	case SVC_ROLE_SHOP:
		return a->region; /* back to its region */
	case SVC_ROLE_REGION:
		return "shop-a"; /* down to a shop */
	default:
		return "region-n";
	}
}

static void b_open_intake(svc_change *c, const fx_actor *a)
{
	fx_open(c, "", a->role == SVC_ROLE_REGION ? a->id : a->region);
}
static void b_open_walkin(svc_change *c, const fx_actor *a)
{
	fx_open(c, a->id, "");
}
static void b_assign(svc_change *c, const fx_actor *a)
{
	(void)a;
	fx_assign(c, "T-region-n-1", "shop-b");
}
#define B_STATUS(name, st)                                                                         \
	static void b_status_##name(svc_change *c, const fx_actor *a)                              \
	{                                                                                          \
		(void)a;                                                                           \
		fx_status(c, "T-region-n-1", st);                                                  \
	}
B_STATUS(new, SVC_TS_NEW)
B_STATUS(assigned, SVC_TS_ASSIGNED)
B_STATUS(accepted, SVC_TS_ACCEPTED)
B_STATUS(on_site, SVC_TS_ON_SITE)
B_STATUS(resolved, SVC_TS_RESOLVED)
B_STATUS(closed, SVC_TS_CLOSED)
B_STATUS(cancelled, SVC_TS_CANCELLED)
static void b_note(svc_change *c, const fx_actor *a)
{
	(void)a;
	fx_note(c, "T-region-n-1", "called the customer");
}
static void b_callback(svc_change *c, const fx_actor *a)
{
	(void)a;
	fx_callback(c, "T-region-n-1", 4, "");
}
static void b_catalog(svc_change *c, const fx_actor *a)
{
	(void)a;
	fx_catalog(c, "CMP-35", "Compressor 35", 52000);
}
static void b_receive(svc_change *c, const fx_actor *a)
{
	fx_move(c, SVC_MV_RECEIVE, a->id, "CMP-35", 10, NULL, NULL);
}
static void b_transfer_out(svc_change *c, const fx_actor *a)
{
	fx_move(c, SVC_MV_TRANSFER_OUT, a->id, "CMP-35", -2, NULL, peer_for(a));
}
static void b_transfer_in(svc_change *c, const fx_actor *a)
{
	fx_move(c, SVC_MV_TRANSFER_IN, a->id, "CMP-35", 2, "X-hq-5", NULL);
}
static void b_consume(svc_change *c, const fx_actor *a)
{
	fx_move(c, SVC_MV_CONSUME, a->id, "CMP-35", -1, "T-region-n-1", NULL);
}
static void b_defective(svc_change *c, const fx_actor *a)
{
	fx_move(c, SVC_MV_DEFECTIVE_RETURN, a->id, "CMP-35", 1, "T-region-n-1", NULL);
}
static void b_adjust(svc_change *c, const fx_actor *a)
{
	fx_move(c, SVC_MV_ADJUST, a->id, "CMP-35", -1, NULL, NULL);
}
static void b_submit(svc_change *c, const fx_actor *a)
{
	(void)a;
	fx_submit(c, "T-region-n-1", 1, 8000, 1, 2500, 0);
}
#define B_DECIDE(name, act)                                                                        \
	static void b_decide_##name(svc_change *c, const fx_actor *a)                              \
	{                                                                                          \
		(void)a;                                                                           \
		fx_decide(c, "C-region-n-1", act, 1, 0, 10500);                                    \
	}
B_DECIDE(audit, SVC_CA_AUDIT)
B_DECIDE(return, SVC_CA_RETURN)
B_DECIDE(approve, SVC_CA_APPROVE)
B_DECIDE(reject, SVC_CA_REJECT)
B_DECIDE(pay, SVC_CA_PAY)
static void b_cert(svc_change *c, const fx_actor *a)
{
	(void)a;
	CHECK_INT(fx_cert(c, "shop-z", SVC_ROLE_SHOP, "region-n", 1), 0);
}
static void b_revoke(svc_change *c, const fx_actor *a)
{
	(void)a;
	fx_revoke(c, "shop-z", 0);
}

static void test_authorize_matrix(void)
{
	/* allowed: one character per role, in the order none, hq, region, shop. */
	static const struct {
		const char *what;
		build_fn build;
		const char *allowed;
	} cases[] = {
	    {"ticket.open intake", b_open_intake, "-yy-"},
	    {"ticket.open walk-in", b_open_walkin, "-yyy"},
	    {"ticket.assign", b_assign, "-yy-"},
	    {"ticket.status new", b_status_new, "-y--"},
	    {"ticket.status assigned", b_status_assigned, "-yy-"},
	    {"ticket.status accepted", b_status_accepted, "-y-y"},
	    {"ticket.status on_site", b_status_on_site, "-y-y"},
	    {"ticket.status resolved", b_status_resolved, "-yyy"},
	    {"ticket.status closed", b_status_closed, "-yy-"},
	    {"ticket.status cancelled", b_status_cancelled, "-yyy"},
	    {"ticket.note", b_note, "-yyy"},
	    {"ticket.callback", b_callback, "-yy-"},
	    {"catalog.put", b_catalog, "-y--"},
	    {"part.move receive", b_receive, "-y--"},
	    {"part.move transfer_out", b_transfer_out, "-yyy"},
	    {"part.move transfer_in", b_transfer_in, "-yyy"},
	    {"part.move consume", b_consume, "-yyy"},
	    {"part.move defective_return", b_defective, "-yyy"},
	    {"part.move adjust", b_adjust, "-yyy"},
	    {"claim.submit", b_submit, "-y-y"},
	    {"claim.decide audit", b_decide_audit, "-yy-"},
	    {"claim.decide return", b_decide_return, "-yy-"},
	    {"claim.decide approve", b_decide_approve, "-y--"},
	    {"claim.decide reject", b_decide_reject, "-y--"},
	    {"claim.decide pay", b_decide_pay, "-y--"},
	    {"node.cert", b_cert, "-y--"},
	    {"node.revoke", b_revoke, "-y--"},
	};
	static const fx_actor *const actors[4] = {&FX_NONE, &FX_HQ, &FX_RN, &FX_SA};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		for (int r = 0; r < 4; r++) {
			svc_change c;
			fx_head(&c, actors[r], 5, FX_HLC(0, 0));
			cases[i].build(&c, actors[r]);
			char vwhy[SVC_REASON_LEN];
			int v = svc_rules_validate(&c, vwhy, sizeof vwhy);
			if (v)
				fprintf(stderr, "matrix %s as %s: invalid: %s\n", cases[i].what,
				        actors[r]->id, vwhy);
			CHECK_INT(v, 0);
			bool want = cases[i].allowed[r] == 'y';
			why[0] = '\0';
			int rc = svc_rules_authorize(&c, why, sizeof why);
			if ((rc == 0) != want)
				fprintf(stderr, "matrix %s as %s %s: expected %s, got %d (%s)\n",
				        cases[i].what, svc_role_name(actors[r]->role),
				        actors[r]->id, want ? "allowed" : "denied", rc, why);
			CHECK_INT(rc, want ? 0 : SVC_EDENIED);
			if (!want) {
				CHECK_HAS(why, actors[r]->id);
				CHECK_LINE(why);
			}
		}
	}
}

static void test_authorize_reasons(void)
{
	svc_change c;
	fx_head(&c, &FX_SA, 5, FX_HLC(0, 0));
	fx_decide(&c, "C-shop-a-1", SVC_CA_APPROVE, 1, 0, 15000);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "shop shop-a may not approve claims (HQ only)");

	fx_head(&c, &FX_RN, 5, FX_HLC(0, 0));
	fx_decide(&c, "C-shop-a-1", SVC_CA_PAY, 1, 0, 15000);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "region region-n may not pay claims (HQ only)");

	fx_head(&c, &FX_SA, 5, FX_HLC(0, 0));
	fx_decide(&c, "C-shop-b-1", SVC_CA_AUDIT, 1, 0, 15000);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "shop shop-a may not audit claims (its region or HQ)");

	fx_head(&c, &FX_SA, 5, FX_HLC(0, 0));
	fx_assign(&c, "T-region-n-1", "shop-a");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "shop shop-a may not assign tickets (its region or HQ)");

	fx_head(&c, &FX_RN, 5, FX_HLC(0, 0));
	fx_catalog(&c, "CMP-35", "Compressor", 1);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "region region-n may not edit the parts catalog (HQ only)");

	fx_head(&c, &FX_SA, 5, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_RECEIVE, "shop-a", "CMP-35", 4, NULL, NULL);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "shop shop-a may not receive stock (HQ only)");

	fx_head(&c, &FX_NONE, 5, FX_HLC(0, 0));
	fx_note(&c, "T-region-n-1", "hello");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "node stranger has no role and may not originate changes");
	c.origin_role = 42;
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);

	/* Movements only at the origin's own location. */
	fx_head(&c, &FX_RN, 5, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_ADJUST, "shop-a", "CMP-35", 3, NULL, NULL);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "region region-n may not move parts at shop-a (only at its own location)");
	fx_head(&c, &FX_SA, 5, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_CONSUME, "shop-b", "CMP-35", -1, "T-region-n-1", NULL);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "shop shop-a may not move parts at shop-b (only at its own location)");
	fx_head(&c, &FX_SA, 5, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_TRANSFER_IN, "shop-b", "CMP-35", 1, "X-region-n-3", NULL);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	/* A shop ships only back to its region. */
	fx_head(&c, &FX_SA, 5, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_TRANSFER_OUT, "shop-a", "CMP-35", -1, NULL, "shop-b");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "shop shop-a may not ship parts to shop-b (only back to its region "
	               "region-n)");
	/* A region ships anywhere from its own stock (to its shops, back to HQ). */
	fx_head(&c, &FX_RN, 5, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_TRANSFER_OUT, "region-n", "CMP-35", -1, NULL, "hq");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);

	/* Regions open tickets in their own region; shops open walk-ins for themselves. */
	fx_head(&c, &FX_RN, 5, FX_HLC(0, 0));
	fx_open(&c, "", "region-s");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "region region-n may not open tickets in region region-s (only in its own)");
	fx_head(&c, &FX_RN, 5, FX_HLC(0, 0));
	fx_open(&c, "shop-a", "");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0); /* dispatched on intake */
	fx_head(&c, &FX_SA, 5, FX_HLC(0, 0));
	fx_open(&c, "shop-b", "");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "shop shop-a may not open a ticket without assigning it to itself "
	               "(walk-in tickets only)");
	fx_head(&c, &FX_SA, 5, FX_HLC(0, 0));
	fx_open(&c, "shop-a", "region-s");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	fx_head(&c, &FX_SA, 5, FX_HLC(0, 0));
	fx_open(&c, "shop-a", "region-n");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);
	fx_head(&c, &FX_SA, 5, FX_HLC(0, 0));
	fx_submit(&c, "T-shop-a-1", 1, 100, 0, 0, 0);
	FX_COPY(c.u.claim_submit.region, "region-s");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "shop shop-a may not submit claims to region region-s (only to its own)");

	/* Status changes that belong to the other side. */
	fx_head(&c, &FX_RN, 5, FX_HLC(0, 0));
	fx_status(&c, "T-region-n-1", SVC_TS_ACCEPTED);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "region region-n may not accept tickets (the assigned shop does)");
	fx_head(&c, &FX_SA, 5, FX_HLC(0, 0));
	fx_status(&c, "T-region-n-1", SVC_TS_CLOSED);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "shop shop-a may not close tickets (its region or HQ)");

	/* A tiny buffer truncates the reason but still ends it. */
	char tiny[8];
	fx_head(&c, &FX_SA, 5, FX_HLC(0, 0));
	fx_decide(&c, "C-shop-a-1", SVC_CA_APPROVE, 1, 0, 15000);
	CHECK_INT(svc_rules_authorize(&c, tiny, sizeof tiny), SVC_EDENIED);
	CHECK_STR(tiny, "shop sh");
	CHECK_INT(svc_rules_authorize(&c, NULL, 0), SVC_EDENIED);
}

/* ------------------------------------------------------------ layer 3 */

typedef union {
	svc_ticket t;
	svc_claim c;
	svc_transfer x;
	svc_catalog_item p;
	svc_node n;
	/* policy */
	svc_policy pol;
	/* complaints */
	svc_complaint k;
	/* labor operations and the labor tariff */
	svc_labor_op lab;
	svc_tariff tar;
	/* old parts */
	svc_old_part op;
	/* shops */
	svc_shop h;
} any_state;

typedef struct {
	any_state st;
	bool exists;
} fold_state;

/* Fold one change the way the store does: validated, on a scratch copy,
 * committed only when accepted. */
static int fold(fold_state *f, const svc_change *c)
{
	char vwhy[SVC_REASON_LEN];
	int v = svc_rules_validate(c, vwhy, sizeof vwhy);
	if (v)
		fprintf(stderr, "fixture change %s/%" PRIu64 " is invalid: %s\n", c->origin, c->seq,
		        vwhy);
	CHECK_INT(v, 0);
	const svc_rules *r = svc_rules_for(svc_rules_agg_type(c));
	if (!r)
		return SVC_EINVAL;
	any_state scratch = f->st;
	why[0] = '\0';
	int rc = r->step(r->state_size ? &scratch : NULL, f->exists, c, why, sizeof why);
	if (rc == 0) {
		f->st = scratch;
		f->exists = true;
	} else {
		CHECK_LINE(why);
	}
	return rc;
}

#define OK(f, c)                                                                                   \
	do {                                                                                       \
		int rc_ = fold((f), (c));                                                          \
		if (rc_)                                                                           \
			fprintf(stderr, "%s:%d: rejected: %s\n", __FILE__, __LINE__, why);         \
		CHECK_INT(rc_, 0);                                                                 \
	} while (0)

#define REJ(f, c, sub)                                                                             \
	do {                                                                                       \
		CHECK_INT(fold((f), (c)), SVC_EREJECT);                                            \
		CHECK_HAS(why, sub);                                                               \
	} while (0)

/* A change from actor a with the next seq of that actor, `sec` seconds in. */
static svc_change *at(const fx_actor *a, unsigned sec)
{
	static svc_change c;
	static struct {
		const char *id;
		uint64_t seq;
	} seqs[8];
	uint64_t seq = 0;
	for (size_t i = 0; i < 8; i++) {
		if (!seqs[i].id) {
			seqs[i].id = a->id;
			seqs[i].seq = 1;
			seq = 1;
			break;
		}
		if (strcmp(seqs[i].id, a->id) == 0) {
			seq = ++seqs[i].seq;
			break;
		}
	}
	fx_head(&c, a, seq, FX_HLC(sec, 0));
	return &c;
}

static void test_ticket_life(void)
{
	fold_state f = {0};
	svc_ticket *t = &f.st.t;
	svc_change *c;
	char id[SVC_AGG_LEN];

	/* A change before the open has nothing to fold into. */
	c = at(&FX_HQ, 1);
	fx_note(c, "T-region-n-1", "early");
	REJ(&f, c, "ticket T-region-n-1: no such ticket (not opened before this ticket.note)");

	c = at(&FX_RN, 10);
	fx_open(c, "", "");
	snprintf(id, sizeof id, "%s", c->aggregate);
	CHECK_STR(id, "T-region-n-1");
	OK(&f, c);
	CHECK_INT(t->status, SVC_TS_NEW);
	CHECK_STR(t->region, "region-n");
	CHECK_STR(t->opened_by, "region-n");
	CHECK_STR(t->shop, "");
	CHECK_INT(t->created, FX_T0 + 10000);
	CHECK_INT(t->updated, FX_T0 + 10000);
	CHECK_INT(t->first_response, 0);
	CHECK(t->in_warranty);
	CHECK_STR(t->customer, "张伟");
	CHECK_INT(t->purchased, 20230610);
	CHECK_STR(t->last.origin, "region-n");
	CHECK_INT(t->last.seq, 1);
	CHECK_INT(t->last.hlc, FX_HLC(10, 0));

	c = at(&FX_RN, 11);
	fx_open(c, "", "");
	FX_COPY(c->aggregate, id); /* forged duplicate open of the same id */
	c->seq = 1;
	CHECK_INT(svc_rules_for(SVC_AGG_TICKET)->step(&f.st, true, c, why, sizeof why),
	          SVC_EREJECT);
	CHECK_STR(why, "ticket T-region-n-1: already opened by region-n");

	c = at(&FX_SA, 20);
	fx_status(c, id, SVC_TS_RESOLVED);
	REJ(&f, c, "ticket T-region-n-1: new -> resolved is not a valid transition");
	c = at(&FX_SA, 20);
	fx_status(c, id, SVC_TS_ACCEPTED);
	REJ(&f, c, "ticket T-region-n-1: new -> accepted is not a valid transition");
	c = at(&FX_RN, 20);
	fx_status(c, id, SVC_TS_CLOSED);
	REJ(&f, c, "new -> closed is not a valid transition");
	c = at(&FX_RN, 20);
	fx_status(c, id, SVC_TS_NEW);
	REJ(&f, c, "new -> new is not a valid transition");
	c = at(&FX_RN, 20);
	fx_callback(c, id, 5, "");
	REJ(&f, c, "callback on a ticket that is new (only resolved or closed)");
	CHECK_INT(t->updated, FX_T0 + 10000); /* rejections change nothing */

	/* Only the ticket's region (or HQ) assigns it. */
	c = at(&FX_RS, 30);
	fx_assign(c, id, "shop-s");
	REJ(&f, c, "ticket T-region-n-1: region-s may not assign it (region region-n)");
	c = at(&FX_SA, 30);
	fx_assign(c, id, "shop-a");
	REJ(&f, c, "shop-a may not assign it");
	c = at(&FX_RN, 60);
	fx_assign(c, id, "shop-a");
	OK(&f, c);
	CHECK_INT(t->status, SVC_TS_ASSIGNED);
	CHECK_STR(t->shop, "shop-a");
	CHECK_INT(t->first_response, FX_T0 + 60000);

	/* Only the assigned shop accepts. */
	c = at(&FX_SB, 70);
	fx_status(c, id, SVC_TS_ACCEPTED);
	REJ(&f, c, "ticket T-region-n-1: shop-b may not set it accepted (assigned to shop-a)");
	c = at(&FX_SA, 80);
	fx_status(c, id, SVC_TS_ACCEPTED);
	OK(&f, c);
	CHECK_INT(t->status, SVC_TS_ACCEPTED);
	CHECK_INT(t->first_response, FX_T0 + 60000); /* set once */

	/* Reassignment from accepted; the old shop is out from then on. */
	c = at(&FX_RN, 90);
	fx_assign(c, id, "shop-b");
	OK(&f, c);
	CHECK_STR(t->shop, "shop-b");
	CHECK_INT(t->status, SVC_TS_ASSIGNED);
	c = at(&FX_SA, 95);
	fx_status(c, id, SVC_TS_ACCEPTED);
	REJ(&f, c, "shop-a may not set it accepted (assigned to shop-b)");
	c = at(&FX_SA, 95);
	fx_note(c, id, "handing over");
	REJ(&f, c,
	    "ticket T-region-n-1: shop-a may not add notes (HQ, region region-n or the "
	    "assigned shop shop-b)");
	c = at(&FX_SB, 100);
	fx_status(c, id, SVC_TS_ON_SITE);
	REJ(&f, c, "assigned -> on_site is not a valid transition");
	c = at(&FX_SB, 100);
	fx_status(c, id, SVC_TS_ACCEPTED);
	OK(&f, c);
	c = at(&FX_SB, 200);
	fx_status(c, id, SVC_TS_ON_SITE);
	OK(&f, c);
	CHECK_INT(t->on_site, FX_T0 + 200000);
	c = at(&FX_RN, 210);
	fx_assign(c, id, "shop-a");
	REJ(&f, c, "cannot assign a ticket that is on_site (only new, assigned or accepted)");
	c = at(&FX_SB, 220);
	fx_note(c, id, "压缩机烧毁,需更换");
	OK(&f, c);
	c = at(&FX_HQ, 221);
	fx_note(c, id, "HQ tech support consulted");
	OK(&f, c);
	CHECK_INT(t->notes, 2);
	c = at(&FX_SB, 300);
	fx_status(c, id, SVC_TS_RESOLVED);
	OK(&f, c);
	CHECK_INT(t->resolved, FX_T0 + 300000);

	/* The shop cannot close, reopen or rate its own work. */
	c = at(&FX_SB, 310);
	fx_status(c, id, SVC_TS_CLOSED);
	CHECK_INT(svc_rules_authorize(c, why, sizeof why), SVC_EDENIED);
	REJ(&f, c, "shop-b may not set it closed (region region-n)");
	c = at(&FX_SB, 310);
	fx_callback(c, id, 5, "");
	REJ(&f, c, "shop-b may not record the callback (region region-n)");
	c = at(&FX_SB, 310);
	fx_status(c, id, SVC_TS_CANCELLED);
	REJ(&f, c, "resolved -> cancelled is not a valid transition");

	/* An unhappy callback, then a reopen. */
	c = at(&FX_RN, 400);
	fx_callback(c, id, 2, "still noisy");
	OK(&f, c);
	CHECK_INT(t->callback_at, FX_T0 + 400000);
	CHECK_INT(t->satisfaction, 2);
	CHECK_STR(t->callback_note, "still noisy");
	c = at(&FX_RS, 410);
	fx_status(c, id, SVC_TS_ASSIGNED);
	REJ(&f, c, "region-s may not set it assigned again (reopen) (region region-n)");
	c = at(&FX_RN, 410);
	fx_status(c, id, SVC_TS_ASSIGNED);
	OK(&f, c);
	CHECK_INT(t->status, SVC_TS_ASSIGNED);
	CHECK_INT(t->reopened, 1);
	CHECK_INT(t->resolved, 0);
	CHECK_STR(t->shop, "shop-b");
	/* callbacks: the reopening starts a new cycle */
	CHECK_INT(t->callback_cycle, 1);
	CHECK_INT(t->callback_attempts, 0);
	CHECK_INT(t->callback_state, SVC_CB_NONE);
	CHECK_INT(t->satisfaction, 0);
	c = at(&FX_RN, 420);
	fx_status(c, id, SVC_TS_CLOSED);
	REJ(&f, c, "assigned -> closed is not a valid transition");
	c = at(&FX_RN, 420);
	fx_status(c, id, SVC_TS_ASSIGNED);
	REJ(&f, c, "assigned -> assigned is not a valid transition");

	c = at(&FX_SB, 500);
	fx_status(c, id, SVC_TS_ACCEPTED);
	OK(&f, c);
	c = at(&FX_SB, 510);
	fx_status(c, id, SVC_TS_ON_SITE);
	OK(&f, c);
	CHECK_INT(t->on_site, FX_T0 + 200000); /* the first arrival counts */
	c = at(&FX_HQ, 600);                   /* HQ may move the work forward too */
	fx_status(c, id, SVC_TS_RESOLVED);
	OK(&f, c);
	CHECK_INT(t->resolved, FX_T0 + 600000);
	/* callbacks: unreachable attempts count; the limit recorded with them
	 * ends the cycle; a satisfaction needs a reached customer */
	c = at(&FX_RN, 650);
	fx_callback(c, id, 0, "无人接听");
	c->u.ticket_callback.outcome = SVC_CB_UNREACHABLE;
	c->u.ticket_callback.limit = 2;
	OK(&f, c);
	CHECK_INT(t->callback_unreached, 1);
	CHECK_INT(t->callback_state, SVC_CB_NONE);
	c->u.ticket_callback.satisfaction = 3;
	INVALID(c, "satisfaction: given for an attempt that did not reach the customer");
	c->u.ticket_callback.satisfaction = 0;
	c->u.ticket_callback.outcome = 7;
	INVALID(c, "outcome: unknown callback outcome 7");
	c->u.ticket_callback.outcome = SVC_CB_REACHED;
	INVALID(c, "satisfaction: must be 1 to 5, got 0");
	c->u.ticket_callback.outcome = SVC_CB_UNREACHABLE;
	c->u.ticket_callback.limit = 21;
	INVALID(c, "limit: 21 unreachable attempts is more than 20");
	c = at(&FX_RN, 660);
	fx_callback(c, id, 0, "");
	c->u.ticket_callback.outcome = SVC_CB_UNREACHABLE;
	c->u.ticket_callback.limit = 2;
	OK(&f, c);
	CHECK_INT(t->callback_state, SVC_CB_UNREACHABLE);
	/* reached at last: that counts over the unreachable ones */
	c = at(&FX_RN, 700);
	fx_callback(c, id, 5, "满意");
	OK(&f, c);
	CHECK_INT(t->callback_state, SVC_CB_REACHED);
	CHECK_INT(t->callback_attempts, 3);
	c = at(&FX_RN, 710);
	fx_status(c, id, SVC_TS_CLOSED);
	OK(&f, c);
	CHECK_INT(t->status, SVC_TS_CLOSED);
	CHECK_INT(t->closed, FX_T0 + 710000);
	CHECK_INT(t->satisfaction, 5);
	CHECK_INT(t->updated, FX_T0 + 710000);

	/* Closed is final, but notes and callbacks may still be recorded. */
	static const uint32_t after_close[] = {SVC_TS_NEW,      SVC_TS_ASSIGNED, SVC_TS_ACCEPTED,
	                                       SVC_TS_ON_SITE,  SVC_TS_RESOLVED, SVC_TS_CLOSED,
	                                       SVC_TS_CANCELLED};
	for (size_t i = 0; i < sizeof after_close / sizeof *after_close; i++) {
		c = at(&FX_HQ, 800);
		fx_status(c, id, after_close[i]);
		REJ(&f, c, "closed -> ");
	}
	c = at(&FX_RN, 810);
	fx_note(c, id, "customer sent thanks");
	OK(&f, c);
	c = at(&FX_RN, 820);
	fx_callback(c, id, 4, "second call");
	OK(&f, c);
	/* callbacks: every attempt counts; the first that reached the customer
	 * is kept, a later one never overwrites it */
	CHECK_INT(t->satisfaction, 5);
	CHECK_INT(t->callback_state, SVC_CB_REACHED);
	CHECK_INT(t->callback_attempts, 4);
	CHECK_INT(t->last.hlc, FX_HLC(820, 0));

	/* A step never folds a change of another aggregate type. */
	c = at(&FX_HQ, 900);
	fx_catalog(c, "CMP-35", "x", 1);
	CHECK_INT(svc_rules_for(SVC_AGG_TICKET)->step(&f.st, true, c, why, sizeof why),
	          SVC_EREJECT);
	CHECK_STR(why, "ticket rules cannot fold a catalog.put change (P:CMP-35)");
	c = at(&FX_HQ, 900);
	fx_note(c, "T-region-n-2", "wrong ticket");
	CHECK_INT(svc_rules_for(SVC_AGG_TICKET)->step(&f.st, true, c, why, sizeof why),
	          SVC_EREJECT);
	CHECK_STR(why, "ticket T-region-n-1: a change for T-region-n-2 cannot fold into it");
}

static void test_ticket_cancel(void)
{
	svc_change *c;
	char id[SVC_AGG_LEN];

	/* A walk-in: opened onto the shop itself, in the shop's region. */
	fold_state w = {0};
	c = at(&FX_SA, 1000);
	fx_open(c, "shop-a", "");
	c->u.ticket_open.purchased = 0;
	snprintf(id, sizeof id, "%s", c->aggregate);
	OK(&w, c);
	CHECK_INT(w.st.t.status, SVC_TS_ASSIGNED);
	CHECK_STR(w.st.t.shop, "shop-a");
	CHECK_STR(w.st.t.region, "region-n");
	CHECK_INT(w.st.t.first_response, w.st.t.created);
	CHECK(!w.st.t.in_warranty);
	fold_state w2 = w;
	c = at(&FX_SA, 1010);
	fx_status(c, id, SVC_TS_ACCEPTED);
	OK(&w, c);
	c = at(&FX_SA, 1020);
	fx_status(c, id, SVC_TS_CANCELLED);
	OK(&w, c); /* the walk-in's shop withdraws it */
	CHECK_INT(w.st.t.status, SVC_TS_CANCELLED);
	c = at(&FX_SA, 1030);
	fx_status(c, id, SVC_TS_ACCEPTED);
	REJ(&w, c, "cancelled -> accepted is not a valid transition");
	c = at(&FX_RN, 1030);
	fx_status(c, id, SVC_TS_ASSIGNED);
	REJ(&w, c, "cancelled -> assigned is not a valid transition");
	c = at(&FX_RN, 1030);
	fx_assign(c, id, "shop-b");
	REJ(&w, c, "cannot assign a ticket that is cancelled");

	/* Once the region gave the walk-in to another shop, the opener cannot cancel. */
	c = at(&FX_RN, 1040);
	fx_assign(c, id, "shop-b");
	OK(&w2, c);
	c = at(&FX_SA, 1050);
	fx_status(c, id, SVC_TS_CANCELLED);
	REJ(&w2, c, "shop-a may not set it cancelled (region region-n)");
	c = at(&FX_SB, 1050);
	fx_status(c, id, SVC_TS_CANCELLED);
	REJ(&w2, c, "shop-b may not set it cancelled (region region-n)");
	c = at(&FX_RN, 1060);
	fx_status(c, id, SVC_TS_CANCELLED);
	OK(&w2, c);

	/* Cancel from each open state, by region and by HQ. */
	static const uint32_t path[] = {SVC_TS_NEW, SVC_TS_ASSIGNED, SVC_TS_ACCEPTED,
	                                SVC_TS_ON_SITE};
	for (size_t n = 0; n < 4; n++) {
		fold_state f = {0};
		c = at(&FX_RN, 2000);
		fx_open(c, "", "");
		snprintf(id, sizeof id, "%s", c->aggregate);
		OK(&f, c);
		if (n >= 1) {
			c = at(&FX_RN, 2001);
			fx_assign(c, id, "shop-a");
			OK(&f, c);
		}
		if (n >= 2) {
			c = at(&FX_SA, 2002);
			fx_status(c, id, SVC_TS_ACCEPTED);
			OK(&f, c);
		}
		if (n >= 3) {
			c = at(&FX_SA, 2003);
			fx_status(c, id, SVC_TS_ON_SITE);
			OK(&f, c);
		}
		CHECK_INT(f.st.t.status, path[n]);
		/* The assigned shop did not open it: not its to cancel. */
		c = at(&FX_SA, 2004);
		fx_status(c, id, SVC_TS_CANCELLED);
		REJ(&f, c, "shop-a may not set it cancelled");
		c = at(&FX_RS, 2004);
		fx_status(c, id, SVC_TS_CANCELLED);
		REJ(&f, c, "region-s may not set it cancelled (region region-n)");
		fold_state g = f;
		c = at(&FX_RN, 2005);
		fx_status(c, id, SVC_TS_CANCELLED);
		OK(&f, c);
		c = at(&FX_HQ, 2005);
		fx_status(c, id, SVC_TS_CANCELLED);
		OK(&g, c);
	}

	/* A ticket HQ opened without a region is HQ's alone to dispatch. */
	fold_state h = {0};
	c = at(&FX_HQ, 3000);
	fx_open(c, "", "");
	snprintf(id, sizeof id, "%s", c->aggregate);
	OK(&h, c);
	CHECK_STR(h.st.t.region, "");
	c = at(&FX_RN, 3001);
	fx_assign(c, id, "shop-a");
	REJ(&h, c, "region-n may not assign it (region none, HQ only)");
	c = at(&FX_HQ, 3002);
	fx_assign(c, id, "shop-a");
	OK(&h, c);
}

static void test_claim_life(void)
{
	fold_state f = {0};
	svc_claim *cl = &f.st.c;
	svc_change *c;
	const char *id = "C-shop-a-7";
	const char *tk = "T-shop-a-7";

	c = at(&FX_HQ, 5000);
	fx_decide(c, id, SVC_CA_AUDIT, 1, 0, 15000);
	REJ(&f, c, "claim C-shop-a-7: no such claim (not submitted before this decision)");
	c = at(&FX_RN, 5000);
	fx_submit(c, tk, 1, 8000, 2, 2500, 2000);
	REJ(&f, c, "claim C-shop-a-7: only a shop submits claims, not region region-n");
	c = at(&FX_SA, 5000);
	fx_submit(c, tk, 2, 8000, 2, 2500, 2000);
	REJ(&f, c, "claim C-shop-a-7: a first submission is revision 1, not 2");

	c = at(&FX_SA, 5001);
	fx_submit(c, tk, 1, 8000, 2, 2500, 2000);
	OK(&f, c);
	CHECK_STR(cl->id, id);
	CHECK_STR(cl->ticket, tk);
	CHECK_STR(cl->shop, "shop-a");
	CHECK_STR(cl->region, "region-n");
	CHECK_INT(cl->revision, 1);
	CHECK_INT(cl->status, SVC_CS_SUBMITTED);
	CHECK_INT(cl->total, 15000);
	CHECK_INT(cl->labor, 8000);
	CHECK_INT(cl->nparts, 1);
	CHECK_STR(cl->parts[0].part_no, "CMP-35");
	CHECK_INT(cl->parts[0].amount, 5000);
	CHECK_INT(cl->submitted, FX_T0 + 5001000);

	c = at(&FX_SA, 5002);
	fx_submit(c, tk, 2, 8000, 2, 2500, 2000);
	REJ(&f, c, "cannot resubmit a claim that is submitted (only returned or rejected)");

	/* Audit: the claim's region or HQ, never the shop, on the right revision and amount. */
	c = at(&FX_SA, 5003);
	fx_decide(c, id, SVC_CA_AUDIT, 1, 0, 15000);
	REJ(&f, c, "claim C-shop-a-7: shop-a may not decide on its own claim");
	c = at(&FX_RS, 5003);
	fx_decide(c, id, SVC_CA_AUDIT, 1, 0, 15000);
	REJ(&f, c, "claim C-shop-a-7: region-s may not audit it (region region-n or HQ)");
	c = at(&FX_RN, 5003);
	fx_decide(c, id, SVC_CA_AUDIT, 2, 0, 15000);
	REJ(&f, c, "claim C-shop-a-7: audit is for revision 2, the claim is at revision 1");
	c = at(&FX_RN, 5003);
	fx_decide(c, id, SVC_CA_AUDIT, 1, 0, 14000);
	REJ(&f, c,
	    "claim C-shop-a-7: audit is for a claimed 14000 fen, the claim totals 15000 "
	    "fen");
	c = at(&FX_HQ, 5003);
	fx_decide(c, id, SVC_CA_APPROVE, 1, 0, 15000);
	REJ(&f, c, "cannot approve a claim that is submitted (only audited)");
	c = at(&FX_HQ, 5003);
	fx_decide(c, id, SVC_CA_PAY, 1, 0, 15000);
	REJ(&f, c, "cannot pay a claim that is submitted (only approved or partially_approved)");
	c = at(&FX_RN, 5004);
	fx_decide(c, id, SVC_CA_AUDIT, 1, 0, 15000);
	OK(&f, c);
	CHECK_INT(cl->status, SVC_CS_AUDITED);
	CHECK_STR(cl->audited_by, "region-n");
	CHECK_INT(cl->audited, FX_T0 + 5004000);
	c = at(&FX_RN, 5005);
	fx_decide(c, id, SVC_CA_AUDIT, 1, 0, 15000);
	REJ(&f, c, "cannot audit a claim that is audited (only submitted)");

	/* Only HQ approves, never more than claimed. */
	c = at(&FX_RN, 5006);
	fx_decide(c, id, SVC_CA_APPROVE, 1, 0, 15000);
	REJ(&f, c, "claim C-shop-a-7: region region-n may not approve it (HQ only)");
	c = at(&FX_SB, 5006);
	fx_decide(c, id, SVC_CA_APPROVE, 1, 0, 15000);
	REJ(&f, c, "claim C-shop-a-7: shop shop-b may not approve it (HQ only)");
	c = at(&FX_HQ, 5006);
	fx_decide(c, id, SVC_CA_APPROVE, 1, 15001, 15000);
	REJ(&f, c, "claim C-shop-a-7: approves 15001 fen, more than the claimed 15000 fen");
	fold_state full = f;
	c = at(&FX_HQ, 5007);
	fx_decide(c, id, SVC_CA_APPROVE, 1, 12000, 15000);
	FX_COPY(c->u.claim_decide.reason, "travel not covered");
	OK(&f, c);
	CHECK_INT(cl->status, SVC_CS_PARTIAL);
	CHECK_INT(cl->approved, 12000);
	CHECK_STR(cl->decided_by, "hq");
	CHECK_STR(cl->reason, "travel not covered");
	c = at(&FX_HQ, 5007);
	fx_decide(c, id, SVC_CA_APPROVE, 1, 0, 15000); /* 0 approves the full amount */
	OK(&full, c);
	CHECK_INT(full.st.c.status, SVC_CS_APPROVED);
	CHECK_INT(full.st.c.approved, 15000);
	c = at(&FX_HQ, 5008);
	fx_decide(c, id, SVC_CA_APPROVE, 1, 15000, 15000);
	REJ(&full, c, "cannot approve a claim that is approved (only audited)");

	/* Decisions after approval. */
	c = at(&FX_HQ, 5009);
	fx_decide(c, id, SVC_CA_REJECT, 1, 0, 15000);
	REJ(&f, c, "cannot reject a claim that is partially_approved (only submitted or audited)");
	c = at(&FX_RN, 5009);
	fx_decide(c, id, SVC_CA_RETURN, 1, 0, 15000);
	REJ(&f, c, "cannot return a claim that is partially_approved");
	c = at(&FX_RN, 5009);
	fx_decide(c, id, SVC_CA_PAY, 1, 0, 15000);
	REJ(&f, c, "claim C-shop-a-7: region region-n may not pay it (HQ only)");
	c = at(&FX_HQ, 5010);
	fx_decide(c, id, SVC_CA_PAY, 1, 0, 15000);
	OK(&f, c);
	CHECK_INT(cl->status, SVC_CS_PAID);
	CHECK_STR(cl->pay_ref, "PAY-2024-06-0001");
	CHECK_INT(cl->paid, FX_T0 + 5010000);
	c = at(&FX_HQ, 5011);
	fx_decide(c, id, SVC_CA_PAY, 1, 0, 15000);
	REJ(&f, c, "cannot pay a claim that is paid");
	c = at(&FX_SA, 5012);
	fx_submit(c, tk, 2, 8000, 2, 2500, 2000);
	REJ(&f, c, "cannot resubmit a claim that is paid");
	CHECK_INT(cl->last.hlc, FX_HLC(5010, 0));
}

static void test_claim_resubmit(void)
{
	fold_state f = {0};
	svc_claim *cl = &f.st.c;
	svc_change *c;
	const char *id = "C-shop-b-3";
	const char *tk = "T-shop-b-3";

	c = at(&FX_SB, 6000);
	fx_submit(c, tk, 1, 8000, 2, 2500, 2000);
	OK(&f, c);
	c = at(&FX_RN, 6001);
	fx_decide(c, id, SVC_CA_AUDIT, 1, 0, 15000);
	OK(&f, c);
	c = at(&FX_RN, 6002);
	fx_decide(c, id, SVC_CA_RETURN, 1, 0, 15000);
	OK(&f, c);
	CHECK_INT(cl->status, SVC_CS_RETURNED);
	CHECK_STR(cl->reason, "invoice photo missing");

	/* Only the claim's shop resubmits, as the next revision. */
	c = at(&FX_SA, 6003);
	fx_submit(c, tk, 2, 8000, 2, 2500, 0);
	REJ(&f, c, "claim C-shop-b-3: shop-a may not resubmit it (submitted by shop-b)");
	c = at(&FX_SB, 6003);
	fx_submit(c, tk, 3, 8000, 2, 2500, 0);
	REJ(&f, c, "claim C-shop-b-3: resubmission must be revision 2, not 3");
	c = at(&FX_SB, 6004);
	fx_submit(c, tk, 2, 8000, 2, 2500, 0);
	OK(&f, c);
	CHECK_INT(cl->status, SVC_CS_SUBMITTED);
	CHECK_INT(cl->revision, 2);
	CHECK_INT(cl->total, 13000);
	CHECK_STR(cl->reason, "");
	CHECK_STR(cl->audited_by, "");
	CHECK_STR(cl->decided_by, "");
	CHECK_INT(cl->audited, 0);
	CHECK_INT(cl->submitted, FX_T0 + 6004000);

	/* Decisions taken on revision 1 cannot be replayed onto revision 2. */
	c = at(&FX_RN, 6005);
	fx_decide(c, id, SVC_CA_AUDIT, 1, 0, 15000);
	REJ(&f, c, "audit is for revision 1, the claim is at revision 2");
	c = at(&FX_RN, 6006);
	fx_decide(c, id, SVC_CA_AUDIT, 2, 0, 13000);
	OK(&f, c);
	c = at(&FX_HQ, 6007);
	fx_decide(c, id, SVC_CA_APPROVE, 1, 0, 15000);
	REJ(&f, c, "approve is for revision 1, the claim is at revision 2");
	/* An approval for an amount the claim no longer has is refused. */
	c = at(&FX_HQ, 6007);
	fx_decide(c, id, SVC_CA_APPROVE, 2, 0, 15000);
	REJ(&f, c, "approve is for a claimed 15000 fen, the claim totals 13000 fen");
	c = at(&FX_HQ, 6008);
	fx_decide(c, id, SVC_CA_REJECT, 2, 0, 13000);
	OK(&f, c);
	CHECK_INT(cl->status, SVC_CS_REJECTED);
	CHECK_STR(cl->reason, "duplicate of an earlier claim");

	/* A rejected claim may come back too. */
	c = at(&FX_SB, 6009);
	fx_submit(c, tk, 3, 6000, 0, 0, 0);
	OK(&f, c);
	CHECK_INT(cl->revision, 3);
	CHECK_INT(cl->nparts, 0);
	CHECK_STR(cl->parts[0].part_no, "");
	CHECK_INT(cl->parts[0].amount, 0);
	CHECK_INT(cl->total, 6000);
	c = at(&FX_HQ, 6010);
	fx_decide(c, id, SVC_CA_REJECT, 3, 0, 6000); /* HQ may reject before any audit */
	OK(&f, c);

	/* A region-less shop's claim: only HQ can audit it. */
	fold_state g = {0};
	static const fx_actor direct = {"shop-d", SVC_ROLE_SHOP, ""};
	c = at(&direct, 6100);
	fx_submit(c, "T-shop-d-1", 1, 5000, 0, 0, 0);
	OK(&g, c);
	CHECK_STR(g.st.c.region, "");
	c = at(&FX_RN, 6101);
	fx_decide(c, "C-shop-d-1", SVC_CA_AUDIT, 1, 0, 5000);
	REJ(&g, c, "region-n may not audit it (region none or HQ)");
	c = at(&FX_HQ, 6102);
	fx_decide(c, "C-shop-d-1", SVC_CA_AUDIT, 1, 0, 5000);
	OK(&g, c);
}

static void test_transfer(void)
{
	fold_state f = {0};
	svc_transfer *x = &f.st.x;
	svc_change *c;

	c = at(&FX_SA, 7000);
	fx_move(c, SVC_MV_TRANSFER_IN, "shop-a", "CMP-35", 10, "X-region-n-40", NULL);
	REJ(&f, c, "transfer X-region-n-40: not shipped (no transfer_out before this receipt)");

	static const fx_actor rn40 = {"region-n", SVC_ROLE_REGION, "region-n"};
	svc_change out;
	fx_head(&out, &rn40, 40, FX_HLC(7001, 0));
	fx_move(&out, SVC_MV_TRANSFER_OUT, "region-n", "CMP-35", -10, NULL, "shop-a");
	CHECK_STR(out.aggregate, "X-region-n-40");
	OK(&f, &out);
	CHECK_STR(x->id, "X-region-n-40");
	CHECK_STR(x->source, "region-n");
	CHECK_STR(x->dest, "shop-a");
	CHECK_STR(x->part_no, "CMP-35");
	CHECK_INT(x->qty, 10);
	CHECK(!x->received);
	CHECK_INT(x->shipped, FX_T0 + 7001000);
	CHECK_INT(svc_rules_for(SVC_AGG_TRANSFER)->step(&f.st, true, &out, why, sizeof why),
	          SVC_EREJECT);
	CHECK_STR(why, "transfer X-region-n-40: already shipped");

	c = at(&FX_SB, 7002);
	fx_move(c, SVC_MV_TRANSFER_IN, "shop-b", "CMP-35", 10, "X-region-n-40", NULL);
	REJ(&f, c, "transfer X-region-n-40: ships to shop-a, not received by shop-b at shop-b");
	c = at(&FX_SA, 7002);
	fx_move(c, SVC_MV_TRANSFER_IN, "shop-a", "CMP-35", 9, "X-region-n-40", NULL);
	REJ(&f, c,
	    "transfer X-region-n-40: shipped 10, receipt is for 9 (receive the whole "
	    "shipment, then adjust)");
	c = at(&FX_SA, 7002);
	fx_move(c, SVC_MV_TRANSFER_IN, "shop-a", "CMP-36", 10, "X-region-n-40", NULL);
	REJ(&f, c, "transfer X-region-n-40: ships part CMP-35, receipt is for CMP-36");
	c = at(&FX_SA, 7002);
	fx_move(c, SVC_MV_TRANSFER_IN, "shop-a", "CMP-35", 10, "X-region-n-40", "hq");
	REJ(&f, c, "transfer X-region-n-40: shipped from region-n, receipt names hq");
	c = at(&FX_SA, 7003);
	fx_move(c, SVC_MV_TRANSFER_IN, "shop-a", "CMP-35", 10, "X-region-n-40", "region-n");
	OK(&f, c);
	CHECK(x->received);
	CHECK_INT(x->received_at, FX_T0 + 7003000);
	c = at(&FX_SA, 7004);
	fx_move(c, SVC_MV_TRANSFER_IN, "shop-a", "CMP-35", 10, "X-region-n-40", NULL);
	REJ(&f, c, "transfer X-region-n-40: already received at shop-a");

	/* Only the source ships (HQ included: it books at its own location). */
	fold_state g = {0};
	c = at(&FX_HQ, 7100);
	fx_move(c, SVC_MV_TRANSFER_OUT, "region-n", "CMP-35", -5, NULL, "shop-a");
	REJ(&g, c, "shipped from region-n by hq (only the source ships)");
}

static void test_catalog_and_moves(void)
{
	fold_state f = {0};
	svc_change *c = at(&FX_HQ, 8000);
	fx_catalog(c, "CMP-35", "压缩机", 52000);
	OK(&f, c);
	CHECK_STR(f.st.p.part_no, "CMP-35");
	CHECK_INT(f.st.p.price, 52000);
	c = at(&FX_HQ, 8001);
	fx_catalog(c, "CMP-35", "压缩机 35 型", 49000);
	OK(&f, c);
	CHECK_STR(f.st.p.name, "压缩机 35 型");
	CHECK_INT(f.st.p.price, 49000);
	CHECK_INT(f.st.p.last.hlc, FX_HLC(8001, 0));

	/* Ledger entries fold without state. */
	c = at(&FX_SA, 8002);
	fx_move(c, SVC_MV_CONSUME, "shop-a", "CMP-35", -1, "T-shop-a-1", NULL);
	CHECK_INT(svc_rules_for(SVC_AGG_MOVE)->step(NULL, false, c, why, sizeof why), 0);
	c = at(&FX_SA, 8003);
	fx_move(c, SVC_MV_TRANSFER_OUT, "shop-a", "CMP-35", -1, NULL, "region-n");
	CHECK_INT(svc_rules_for(SVC_AGG_MOVE)->step(NULL, false, c, why, sizeof why), SVC_EREJECT);
	CHECK_HAS(why, "stock movement rules cannot fold a part.move change");
	CHECK_INT(svc_rules_for(SVC_AGG_CATALOG)->step(&f.st, true, c, why, sizeof why),
	          SVC_EREJECT);
	CHECK_INT(svc_rules_for(SVC_AGG_CLAIM)->step(&f.st, true, c, why, sizeof why), SVC_EREJECT);
	CHECK_INT(svc_rules_for(SVC_AGG_NODE)->step(&f.st, true, c, why, sizeof why), SVC_EREJECT);
	c = at(&FX_HQ, 8004);
	fx_catalog(c, "CMP-35", "x", 1);
	CHECK_INT(svc_rules_for(SVC_AGG_TRANSFER)->step(&f.st, true, c, why, sizeof why),
	          SVC_EREJECT);
}

static void test_stock_effects(void)
{
	svc_change c;
	svc_stock_delta d[2];

	fx_head(&c, &FX_HQ, 1, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_RECEIVE, "hq", "CMP-35", 100, NULL, NULL);
	CHECK_INT(svc_rules_stock_effects(&c, d), 1);
	CHECK_STR(d[0].location, "hq");
	CHECK_STR(d[0].part_no, "CMP-35");
	CHECK_INT(d[0].on_hand, 100);
	CHECK_INT(d[0].defective, 0);
	CHECK_INT(d[0].in_transit_in, 0);

	fx_head(&c, &FX_SA, 1, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_CONSUME, "shop-a", "CMP-35", -2, "T-shop-a-1", NULL);
	CHECK_INT(svc_rules_stock_effects(&c, d), 1);
	CHECK_INT(d[0].on_hand, -2);

	fx_move(&c, SVC_MV_ADJUST, "shop-a", "CMP-35", -1, NULL, NULL);
	CHECK_INT(svc_rules_stock_effects(&c, d), 1);
	CHECK_INT(d[0].on_hand, -1);

	fx_move(&c, SVC_MV_DEFECTIVE_RETURN, "shop-a", "CMP-35", 2, "T-shop-a-1", NULL);
	CHECK_INT(svc_rules_stock_effects(&c, d), 1);
	CHECK_INT(d[0].on_hand, 0); /* good stock unchanged */
	CHECK_INT(d[0].defective, 2);

	fx_head(&c, &FX_HQ, 2, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_TRANSFER_OUT, "hq", "CMP-35", -40, NULL, "region-n");
	CHECK_INT(svc_rules_stock_effects(&c, d), 2);
	CHECK_STR(d[0].location, "hq");
	CHECK_INT(d[0].on_hand, -40);
	CHECK_INT(d[0].in_transit_in, 0);
	CHECK_STR(d[1].location, "region-n");
	CHECK_STR(d[1].part_no, "CMP-35");
	CHECK_INT(d[1].on_hand, 0);
	CHECK_INT(d[1].in_transit_in, 40);

	fx_head(&c, &FX_RN, 2, FX_HLC(0, 0));
	fx_move(&c, SVC_MV_TRANSFER_IN, "region-n", "CMP-35", 40, "X-hq-2", NULL);
	CHECK_INT(svc_rules_stock_effects(&c, d), 1);
	CHECK_STR(d[0].location, "region-n");
	CHECK_INT(d[0].on_hand, 40);
	CHECK_INT(d[0].in_transit_in, -40);

	fx_head(&c, &FX_HQ, 3, FX_HLC(0, 0));
	fx_catalog(&c, "CMP-35", "x", 1);
	CHECK_INT(svc_rules_stock_effects(&c, d), 0);
	fx_move(&c, SVC_MV_ADJUST, "hq", "CMP-35", INT64_MIN, NULL, NULL);
	CHECK_INT(svc_rules_stock_effects(&c, d), 0); /* invalid: no effect, no overflow */
}

static void test_node(void)
{
	fold_state f = {0};
	svc_node *n = &f.st.n;
	svc_change *c;

	c = at(&FX_HQ, 9000);
	fx_revoke(c, "shop-a", 0);
	REJ(&f, c, "node shop-a: no certificate to revoke");

	c = at(&FX_HQ, 9001);
	CHECK_INT(fx_cert(c, "shop-a", SVC_ROLE_SHOP, "region-n", 1), 0);
	OK(&f, c);
	CHECK_STR(n->node, "shop-a");
	CHECK_INT(n->role, SVC_ROLE_SHOP);
	CHECK_STR(n->region, "region-n");
	CHECK_STR(n->upstream, "region-n");
	CHECK_INT(n->serial, 1);
	CHECK_INT(n->not_before, FX_T0);
	CHECK_INT(n->pubkey[1], 32);
	CHECK(!n->revoked);

	c = at(&FX_HQ, 9002);
	CHECK_INT(fx_cert(c, "shop-a", SVC_ROLE_SHOP, "region-n", 1), 0);
	REJ(&f, c, "node shop-a: certificate serial 1 is not newer than the current serial 1");
	c = at(&FX_HQ, 9003);
	CHECK_INT(fx_cert(c, "shop-a", SVC_ROLE_SHOP, "region-s", 2), 0);
	OK(&f, c); /* re-issued: moved to region-s */
	CHECK_STR(n->region, "region-s");
	CHECK_INT(n->serial, 2);

	c = at(&FX_HQ, 9004);
	fx_revoke(c, "shop-a", 1);
	REJ(&f, c, "node shop-a: revocation is for serial 1, the current certificate is serial 2");
	c = at(&FX_HQ, 9005);
	fx_revoke(c, "shop-a", 2);
	c->u.node_revoke.cutoff_seq = 17;
	OK(&f, c);
	CHECK(n->revoked);
	CHECK_INT(n->cutoff_seq, 17);
	CHECK_INT(n->revoked_hlc, FX_HLC(9005, 0));
	CHECK_STR(n->revoke_reason, "shop withdrawn from the network (撤点)");
	c = at(&FX_HQ, 9006);
	fx_revoke(c, "shop-a", 0);
	REJ(&f, c, "node shop-a: already revoked");
	CHECK_INT(n->revoked_hlc, FX_HLC(9005, 0)); /* the cut-off does not move */
	CHECK_INT(n->cutoff_seq, 17);

	/* A release raises the cut-off, never lowers or repeats it. */
	c = at(&FX_HQ, 9006);
	fx_release(c, "shop-a", 17);
	REJ(&f, c, "node shop-a: changes through seq 17 are folded already (cut-off seq 17)");
	c = at(&FX_HQ, 9006);
	fx_release(c, "shop-a", 20);
	OK(&f, c);
	CHECK_INT(n->cutoff_seq, 20);
	CHECK(n->revoked);
	c = at(&FX_HQ, 9006);
	fx_release(c, "shop-a", 19);
	REJ(&f, c, "node shop-a: changes through seq 19 are folded already (cut-off seq 20)");
	CHECK_INT(n->cutoff_seq, 20);

	/* Re-admission is a new certificate; it keeps holding what the old
	 * key signed above the cut-off (through seq 25, as HQ knew it). */
	c = at(&FX_HQ, 9007);
	CHECK_INT(fx_cert(c, "shop-a", SVC_ROLE_SHOP, "region-s", 3), 0);
	c->u.node_cert.held_through = 25;
	OK(&f, c);
	CHECK(!n->revoked);
	CHECK_INT(n->revoked_hlc, 0);
	CHECK_INT(n->cutoff_seq, 20);
	CHECK_INT(n->held_through, 25);
	CHECK_STR(n->revoke_reason, "");
	CHECK_INT(n->last.hlc, FX_HLC(9007, 0));
	/* A later certificate does not shorten that hold. */
	c = at(&FX_HQ, 9007);
	CHECK_INT(fx_cert(c, "shop-a", SVC_ROLE_SHOP, "region-s", 4), 0);
	OK(&f, c);
	CHECK_INT(n->cutoff_seq, 20);
	CHECK_INT(n->held_through, 25);
	c = at(&FX_HQ, 9008);
	fx_release(c, "shop-a", 25);
	OK(&f, c);
	CHECK_INT(n->cutoff_seq, 25);
	c = at(&FX_HQ, 9008);
	fx_release(c, "shop-a", 30);
	REJ(&f, c, "node shop-a: not revoked, so nothing of it is held");
	/* A certificate for a node never revoked holds nothing. */
	c = at(&FX_HQ, 9008);
	CHECK_INT(fx_cert(c, "shop-c", SVC_ROLE_SHOP, "region-s", 1), 0);
	c->u.node_cert.held_through = 40;
	fold_state g = {0};
	OK(&g, c);
	CHECK_INT(g.st.n.held_through, 0);
	CHECK_INT(g.st.n.cutoff_seq, 0);

	/* A certificate folded into another node's entry is refused. */
	c = at(&FX_HQ, 9008);
	CHECK_INT(fx_cert(c, "shop-b", SVC_ROLE_SHOP, "region-n", 9), 0);
	FX_COPY(c->aggregate, "N:shop-a");
	CHECK_INT(svc_rules_for(SVC_AGG_NODE)->step(&f.st, true, c, why, sizeof why), SVC_EREJECT);
	CHECK_STR(why, "node N:shop-a: certificate is for node shop-b");
	c->u.node_cert.body_len = 3;
	memset(c->u.node_cert.body, 0xff, 3);
	CHECK_INT(svc_rules_for(SVC_AGG_NODE)->step(&f.st, true, c, why, sizeof why), SVC_EREJECT);
	CHECK_STR(why, "node N:shop-a: certificate body does not decode");
}

/* ---- policy */

static void test_policy_rules(void)
{
	svc_change c, base;
	/* FX_T0 is 2024-06-01 00:00 UTC: 2024-06-01 has begun everywhere by noon
	 * UTC, 2024-06-02 has not begun anywhere before 2024-06-01 10:00 UTC. */
	fx_head(&base, &FX_HQ, 1, FX_HLC(0, 0));
	fx_policy(&base, 1, 20240602, "onsite_hours.B", "12");
	VALID(&base);
	CHECK_STR(base.aggregate, "V:1");
	c = base;
	c.u.policy_set.from = 20240531;
	INVALID(&c, "from: 20240531 had begun when the version was issued");
	c = base;
	c.u.policy_set.from = 20240230;
	INVALID(&c, "from: ");
	c = base;
	c.hlc = FX_HLC(36 * 3600, 0); /* 2024-06-02 12:00 UTC: too late for that date */
	INVALID(&c, "from: 20240602 had begun");
	c = base;
	FX_COPY(c.u.policy_set.entries[0].key, "colour");
	INVALID(&c, "colour: unknown policy key");
	c = base;
	FX_COPY(c.u.policy_set.entries[0].key, "onsite_hours.D");
	INVALID(&c, "onsite_hours.D: the grade must be A, B or C");
	c = base;
	FX_COPY(c.u.policy_set.entries[0].value, "-3");
	INVALID(&c, "onsite_hours.B: '-3' is not a whole number from 1 to 720");
	c = base;
	c.u.policy_set.nentries = 2;
	c.u.policy_set.entries[1] = c.u.policy_set.entries[0];
	INVALID(&c, "onsite_hours.B: given twice");
	c = base;
	FX_COPY(c.u.policy_set.entries[0].key, "callback.C");
	FX_COPY(c.u.policy_set.entries[0].value, "30%");
	VALID(&c);
	FX_COPY(c.u.policy_set.entries[0].value, "130%");
	INVALID(&c, "callback.C: '130%' is neither 'all' nor a percentage");
	c = base;
	FX_COPY(c.u.policy_set.entries[0].key, "time_zone");
	FX_COPY(c.u.policy_set.entries[0].value, "../etc/passwd");
	INVALID(&c, "time_zone: '../etc/passwd' is not a zone name");
	c = base;
	FX_COPY(c.aggregate, "V:2");
	INVALID(&c, "aggregate: 'V:2' does not match this policy.set, expected 'V:1'");
	c = base;
	c.u.policy_set.version = 0;
	INVALID(&c, "version: must be 1 or more");

	/* Only HQ writes any of it. */
	c = base;
	FX_COPY(c.origin, "region-n");
	c.origin_role = SVC_ROLE_REGION;
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "region region-n may not set the service policy");
	fx_grade(&c, "region-n", SVC_GRADE_A);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "may not grade regions");
	fx_model(&c, "KFR-35GW", "aircon");
	c.origin_role = SVC_ROLE_SHOP;
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "may not edit the model list");

	/* Grades, models and fault codes. */
	fx_head(&c, &FX_HQ, 2, FX_HLC(1, 0));
	fx_grade(&c, "region-n", SVC_GRADE_C);
	VALID(&c);
	c.u.region_grade.grade = 4;
	INVALID(&c, "grade: 4 is not A, B or C");
	fx_model(&c, "KFR-35GW", "aircon");
	VALID(&c);
	CHECK_STR(c.aggregate, "M:KFR-35GW");
	FX_COPY(c.u.model_put.category, "空调");
	INVALID(&c, "category: '空调' must be 1 to 31 of A-Z");
	fx_fault(&c, "E1", "aircon", "室内机漏水");
	VALID(&c);
	CHECK_STR(c.aggregate, "F:aircon/E1");
	FX_COPY(c.u.fault_code_put.text, "");
	INVALID(&c, "text: must not be empty");
	/* 60 Chinese characters are fine, 61 are not (characters, not bytes). */
	char text[SVC_REASON_LEN] = "";
	for (int i = 0; i < 60; i++)
		strcat(text, "漏");
	FX_COPY(c.u.fault_code_put.text, text);
	VALID(&c);
	strcat(text, "水");
	FX_COPY(c.u.fault_code_put.text, text);
	INVALID(&c, "text: 61 characters, limit 60");

	/* The fold: a version number is issued once; grades and models are the
	 * last put. */
	fold_state f = {0};
	svc_change *p = at(&FX_HQ, 9000);
	fx_policy(p, 1, 20240605, "return_days", "7");
	OK(&f, p);
	CHECK_INT(f.st.pol.version, 1);
	CHECK_INT(f.st.pol.issued, FX_T0 + 9000 * 1000);
	p = at(&FX_HQ, 9001);
	fx_policy(p, 1, 20240606, "return_days", "9");
	REJ(&f, p, "policy version 1 was already issued by hq");
	CHECK_INT(f.st.pol.from, 20240605);

	/* The values a ticket is judged by, and their defaults. */
	CHECK_INT(svc_policy_days(&f.st.pol, "return_days"), 7);
	CHECK_INT(svc_policy_days(&f.st.pol, "exchange_days"), 30);
	CHECK_INT(svc_policy_days(NULL, "return_days"), 15);
	CHECK_INT(svc_policy_warranty_months(NULL, "aircon"), 24);
	CHECK_INT(svc_policy_onsite_hours(NULL, SVC_GRADE_A), 24);
	CHECK_INT(svc_policy_onsite_hours(NULL, SVC_GRADE_C), 72);
	CHECK_INT(svc_policy_onsite_hours(NULL, SVC_GRADE_NONE), 0);
	CHECK_INT(svc_policy_callback_pct(NULL, SVC_GRADE_B), 100);
	CHECK_STR(svc_policy_time_zone(NULL), "Asia/Shanghai");
	svc_policy pol = {.version = 2, .nentries = 2};
	FX_COPY(pol.entries[0].key, "warranty_months.aircon");
	FX_COPY(pol.entries[0].value, "36");
	FX_COPY(pol.entries[1].key, "callback.C");
	FX_COPY(pol.entries[1].value, "30%");
	CHECK_INT(svc_policy_warranty_months(&pol, "aircon"), 36);
	CHECK_INT(svc_policy_warranty_months(&pol, "washer"), 24);
	CHECK_INT(svc_policy_callback_pct(&pol, SVC_GRADE_C), 30);
	CHECK_INT(svc_policy_callback_pct(&pol, SVC_GRADE_A), 100);
}

static void test_ticket_policy(void)
{
	svc_change c, base;
	fx_head(&base, &FX_RN, 1, FX_HLC(0, 0));
	fx_open(&base, "shop-a", "");
	fx_judged(&base);
	VALID(&base);
	c = base;
	c.u.ticket_open.opened_on = 20240603;
	INVALID(&c, "opened_on: 20240603 is not the day the ticket was entered");
	c = base;
	c.u.ticket_open.opened_on = 20240531; /* UTC-12 is still on the 31st */
	VALID(&c);
	c = base;
	/* A peer's clock two days ahead pulled the HLC forward. */
	c.u.ticket_open.opened_on = 20240530;
	VALID(&c);
	c = base;
	c.u.ticket_open.channel = 9;
	INVALID(&c, "channel: unknown channel 9");
	c = base;
	c.u.ticket_open.grade = 4;
	INVALID(&c, "grade: 4 is not A, B or C");
	c = base;
	c.u.ticket_open.installed = 20230230;
	INVALID(&c, "installed: ");
	c = base;
	FX_COPY(c.u.ticket_open.model, "K F");
	INVALID(&c, "model: 'K F' must be 1 to 31");

	/* The fold judges from the recorded inputs alone. */
	fold_state f = {0};
	svc_change *p = at(&FX_RN, 20000);
	fx_open(p, "shop-a", "");
	fx_judged(p);
	p->u.ticket_open.opened_on = 20240601;
	p->u.ticket_open.warranty_until = 20240531; /* the day before: out of warranty */
	OK(&f, p);
	char tk[SVC_AGG_LEN];
	FX_COPY(tk, f.st.t.id);
	CHECK(!f.st.t.in_warranty);
	CHECK_INT(f.st.t.onsite_due, FX_T0 + 20000 * 1000ULL + 48 * 3600000ULL);
	CHECK_INT(f.st.t.opened_on, 20240601);
	p = at(&FX_SA, 20001);
	fx_status(p, tk, SVC_TS_ACCEPTED);
	OK(&f, p);
	p = at(&FX_SA, 20002);
	fx_status(p, tk, SVC_TS_ON_SITE);
	p->u.ticket_status.at = FX_T0 + 20003 * 1000ULL;
	INVALID(p, "at: the visit time is after the change was entered");
	p->u.ticket_status.at = FX_T0;
	REJ(&f, p, "the visit time is before the ticket was opened");
	p->u.ticket_status.at = FX_T0 + 20001 * 1000ULL;
	OK(&f, p);
	CHECK_INT(f.st.t.visited, FX_T0 + 20001 * 1000ULL);
	CHECK_INT(f.st.t.on_site, FX_T0 + 20002 * 1000ULL);
	p = at(&FX_SA, 20003);
	fx_status(p, tk, SVC_TS_RESOLVED);
	FX_COPY(p->u.ticket_status.fault_code, "E 1");
	INVALID(p, "fault_code: 'E 1' must be");
	p->u.ticket_status.status = SVC_TS_ACCEPTED;
	FX_COPY(p->u.ticket_status.fault_code, "E1");
	INVALID(p, "fault_code: goes with resolved only");
	p->u.ticket_status.status = SVC_TS_RESOLVED;
	OK(&f, p);
	CHECK_STR(f.st.t.fault_code, "E1");

	/* The hotline's short path: a consult with no shop is resolved and closed
	 * by its region; a repair is not, nor a consult by another region. */
	fold_state cs = {0};
	p = at(&FX_RN, 20020);
	fx_open(p, "", "");
	p->u.ticket_open.kind = SVC_TK_CONSULT;
	OK(&cs, p);
	FX_COPY(tk, cs.st.t.id);
	p = at(&FX_RS, 20021);
	fx_status(p, tk, SVC_TS_RESOLVED);
	REJ(&cs, p, "region-s may not set it resolved (region region-n)");
	p = at(&FX_RN, 20022);
	fx_status(p, tk, SVC_TS_RESOLVED);
	OK(&cs, p);
	CHECK_INT(cs.st.t.first_response, FX_T0 + 20022 * 1000ULL);
	p = at(&FX_RN, 20023);
	fx_status(p, tk, SVC_TS_CLOSED);
	OK(&cs, p);
	CHECK_INT(cs.st.t.status, SVC_TS_CLOSED);
	fold_state rp = {0};
	p = at(&FX_RN, 20030);
	fx_open(p, "", "");
	OK(&rp, p);
	FX_COPY(tk, rp.st.t.id);
	p = at(&FX_RN, 20031);
	fx_status(p, tk, SVC_TS_RESOLVED);
	REJ(&rp, p, "new -> resolved is not a valid transition");

	/* A ticket opened before the policy: no inputs, judged as before. */
	fold_state old = {0};
	p = at(&FX_RN, 20010);
	fx_open(p, "", "");
	OK(&old, p);
	CHECK_INT(old.st.t.opened_on, 0);
	CHECK_INT(old.st.t.warranty_until, 0);
	CHECK_INT(old.st.t.onsite_due, 0);
	CHECK(old.st.t.in_warranty == svc_in_warranty(20230610, FX_T0 + 20010 * 1000ULL, 24));
}

/* policy: exceptions to the return and exchange windows, and re-judging */
static void test_override_rules(void)
{
	svc_change c, base;
	fx_head(&base, &FX_RN, 1, FX_HLC(0, 0));
	fx_override(&base, "SN-X", SVC_TK_RETURN, "region-n", "shop-a");
	VALID(&base);
	CHECK_STR(base.aggregate, "X:SN-X");
	CHECK_INT(svc_rules_authorize(&base, why, sizeof why), 0);
	c = base;
	c.u.ticket_override.kind = SVC_TK_REPAIR;
	INVALID(&c, "kind: an exception is for a return or an exchange, not repair");
	c = base;
	FX_COPY(c.u.ticket_override.reason, "");
	INVALID(&c, "reason: ");
	/* 60 Chinese characters are fine, 61 are not */
	char text[SVC_REASON_LEN] = "";
	for (int i = 0; i < 60; i++)
		strcat(text, "退");
	c = base;
	FX_COPY(c.u.ticket_override.reason, text);
	VALID(&c);
	strcat(text, "货");
	FX_COPY(c.u.ticket_override.reason, text);
	INVALID(&c, "reason: 61 characters, limit 60");
	c = base;
	FX_COPY(c.aggregate, "X:SN-Y");
	INVALID(&c, "aggregate: 'X:SN-Y' does not match");
	/* who: a region in its own region, HQ anywhere, never a shop */
	c = base;
	FX_COPY(c.u.ticket_override.region, "region-s");
	fx_fix_agg(&c);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "region region-n may not record exceptions in region region-s");
	fx_head(&c, &FX_HQ, 1, FX_HLC(0, 0));
	fx_override(&c, "SN-X", SVC_TK_EXCHANGE, "region-s", "shop-s");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);
	fx_head(&c, &FX_SA, 1, FX_HLC(0, 0));
	fx_override(&c, "SN-X", SVC_TK_RETURN, "region-n", "shop-a");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "shop shop-a may not record exceptions");

	/* a ticket that claims an exception: a return or exchange with a serial */
	fx_head(&c, &FX_SA, 2, FX_HLC(1, 0));
	fx_open(&c, "shop-a", "");
	FX_COPY(c.u.ticket_open.override_reason, "质量问题");
	FX_COPY(c.u.ticket_open.override_by, "region-n");
	INVALID(&c, "override_reason: an exception goes with a return or an exchange only");
	c.u.ticket_open.kind = SVC_TK_RETURN;
	VALID(&c);
	FX_COPY(c.u.ticket_open.override_by, "");
	INVALID(&c, "override_by: ");

	/* re-judging: region or HQ; the values in range */
	fx_head(&c, &FX_RN, 3, FX_HLC(2, 0));
	fx_rejudge(&c, "T-shop-a-2", 2, SVC_GRADE_A, 20260609, 24);
	VALID(&c);
	CHECK_INT(svc_rules_agg_type(&c), SVC_AGG_TICKET);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);
	c.u.ticket_rejudge.grade = 7;
	INVALID(&c, "grade: 7 is not A, B or C");
	c.u.ticket_rejudge.grade = SVC_GRADE_A;
	c.u.ticket_rejudge.onsite_hours = 721;
	INVALID(&c, "onsite_hours: 721 is more than 720");
	c.u.ticket_rejudge.onsite_hours = 24;
	FX_COPY(c.aggregate, "X:SN-X");
	INVALID(&c, "aggregate");
	fx_head(&c, &FX_SA, 3, FX_HLC(2, 0));
	fx_rejudge(&c, "T-shop-a-2", 2, SVC_GRADE_A, 20260609, 24);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "shop shop-a may not re-judge tickets");
}

/* Out-of-warranty work: a customer charge's fields and ceilings, who may
 * record it and HQ's leave to claim, and how both fold into the ticket. */
static void test_charge_rules(void)
{
	svc_change c;
	fx_head(&c, &FX_SA, 5, FX_HLC(5, 0));
	fx_charge(&c, "T-shop-a-1", 8000, 2, 1500, 3000);
	VALID(&c);
	CHECK_INT(svc_rules_agg_type(&c), SVC_AGG_TICKET);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);
	fx_charge(&c, "T-shop-a-1", -1, 0, 0, 3000);
	INVALID(&c, "labor: -1 fen is negative");
	fx_charge(&c, "T-shop-a-1", SVC_CLAIM_FEN_MAX + 1, 0, 0, 0);
	INVALID(&c, "labor: 1000000001 fen is over the ceiling of 1000000000 fen");
	fx_charge(&c, "T-shop-a-1", 0, 0, 0, -5);
	INVALID(&c, "travel: -5 fen is negative");
	fx_charge(&c, "T-shop-a-1", SVC_CLAIM_FEN_MAX, 1, SVC_CLAIM_FEN_MAX, 0);
	INVALID(&c, "total: 2000000000 fen is over the ceiling");
	fx_charge(&c, "T-shop-a-1", 0, 3, SVC_CLAIM_FEN_MAX, 0);
	INVALID(&c, "parts[0].amount: 3000000000 fen is over the ceiling");
	fx_charge(&c, "T-shop-a-1", 0, 0, 0, 0);
	INVALID(&c, "total: a charge must be more than 0 fen");
	fx_charge(&c, "T-shop-a-1", 100, 1, 50, 0);
	c.u.ticket_charge.total = 149;
	INVALID(&c, "total: 149 fen is not the sum of the lines, 150 fen");
	fx_charge(&c, "T-shop-a-1", 100, 1, 50, 0);
	c.u.ticket_charge.parts[0].amount = 49;
	INVALID(&c, "parts[0].amount: 49 fen is not qty 1 x unit_price 50 fen");
	fx_charge(&c, "X:SN-1", 100, 0, 0, 0);
	INVALID(&c, "aggregate");
	fx_head(&c, &FX_RN, 5, FX_HLC(5, 0));
	fx_charge(&c, "T-shop-a-1", 100, 0, 0, 0);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "region region-n may not charge customers");

	/* HQ's leave: HQ only, with a reason of at most 60 characters */
	fx_head(&c, &FX_HQ, 5, FX_HLC(5, 0));
	fx_allow(&c, "T-shop-a-1", "批次缺陷，保外由厂家承担");
	VALID(&c);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);
	fx_allow(&c, "T-shop-a-1", "");
	INVALID(&c, "reason: ");
	char longr[200] = "";
	for (int i = 0; i < 61; i++)
		strcat(longr, "准");
	fx_allow(&c, "T-shop-a-1", longr);
	INVALID(&c, "reason: 61 characters, limit 60");
	fx_head(&c, &FX_RN, 5, FX_HLC(5, 0));
	fx_allow(&c, "T-shop-a-1", "x");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "region region-n may not allow claims on out-of-warranty or charged "
	               "tickets (HQ only)");
	fx_head(&c, &FX_SA, 5, FX_HLC(5, 0));
	fx_allow(&c, "T-shop-a-1", "x");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);

	/* the fold: the assigned shop's charges add up; another shop's are
	 * refused; HQ's leave is kept with who gave it */
	fold_state f = {0};
	svc_change *p = at(&FX_RN, 30000);
	fx_open(p, "shop-a", "");
	OK(&f, p);
	char tk[SVC_AGG_LEN];
	FX_COPY(tk, f.st.t.id);
	CHECK(!svc_ticket_customer_paid(&f.st.t));
	p = at(&FX_SB, 30001);
	fx_charge(p, tk, 100, 0, 0, 0);
	REJ(&f, p, "shop-b may not charge the customer (the ticket's assigned shop is shop-a)");
	p = at(&FX_SA, 30002);
	fx_charge(p, tk, 8000, 2, 1500, 3000);
	OK(&f, p);
	p = at(&FX_SA, 30003);
	fx_charge(p, tk, 500, 0, 0, 0);
	OK(&f, p);
	CHECK_INT(f.st.t.charge_fen, 14500);
	CHECK_INT(f.st.t.charges, 2);
	CHECK(svc_ticket_customer_paid(&f.st.t));
	CHECK_STR(f.st.t.claim_allowed_by, "");
	p = at(&FX_HQ, 30004);
	fx_allow(p, tk, "批次缺陷");
	OK(&f, p);
	CHECK_STR(f.st.t.claim_allowed_by, "hq");
	CHECK_STR(f.st.t.claim_allow_reason, "批次缺陷");
	CHECK(svc_ticket_customer_paid(&f.st.t));
	/* out of the warranty judged at opening, with no charge */
	svc_ticket t = {0};
	t.in_warranty = false;
	t.warranty_until = 20240531;
	CHECK(svc_ticket_customer_paid(&t));
	t.warranty_until = 0; /* unknown: not judged out */
	CHECK(!svc_ticket_customer_paid(&t));
}

/* old parts: the fields of a step, who may take each, the record's course
 * through step() (every step bounded by the one before it), the catalog's
 * return_old flag, the policy key, and when a claim line's old parts were
 * back and due. */
static void test_oldpart_rules(void)
{
	svc_change c;
	const char *t1 = "T-shop-a-1", *id = "O:T-shop-a-1/CMP-35";
	fx_head(&c, &FX_SA, 5, FX_HLC(5, 0));
	fx_oldpart(&c, SVC_OP_SHIP, t1, 2, 0, NULL);
	VALID(&c);
	CHECK_STR(c.aggregate, id);
	CHECK_INT(svc_rules_agg_type(&c), SVC_AGG_OLDPART);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);
	fx_oldpart(&c, SVC_OP_SHIP, t1, 0, 0, NULL);
	INVALID(&c, "qty: 0 is not a number of parts from 1 to 1000000000");
	fx_oldpart(&c, SVC_OP_SHIP, t1, 2, 0, "x");
	INVALID(&c, "reason: a ship takes none");
	fx_oldpart(&c, SVC_OP_SHIP, t1, 2, 1, NULL);
	INVALID(&c, "reject: only a receipt rejects parts, not a ship");
	fx_oldpart(&c, 9, t1, 2, 0, NULL);
	INVALID(&c, "action: unknown old-part step 9");
	fx_oldpart(&c, SVC_OP_SHIP, "X-shop-a-1", 2, 0, NULL);
	INVALID(&c, "ticket: 'X-shop-a-1' is not a ticket id");
	fx_oldpart(&c, SVC_OP_SHIP, t1, 2, 0, NULL);
	FX_COPY(c.aggregate, "O:T-shop-a-2/CMP-35");
	INVALID(&c, "aggregate");
	fx_oldpart(&c, SVC_OP_RECEIVE, t1, 2, 3, "裂");
	INVALID(&c, "reject: 3 is not from 0 to the 2 received");
	fx_oldpart(&c, SVC_OP_RECEIVE, t1, 2, 1, NULL);
	INVALID(&c, "reason: required when parts are rejected");
	fx_oldpart(&c, SVC_OP_RECEIVE, t1, 2, 0, "x");
	INVALID(&c, "reason: only a rejection (reject > 0) takes one");
	fx_oldpart(&c, SVC_OP_WAIVE, t1, 0, 0, NULL);
	INVALID(&c, "reason: required for a waiver");
	fx_oldpart(&c, SVC_OP_WAIVE, t1, 1, 0, "x");
	INVALID(&c, "qty: a waiver carries no quantity, got 1");
	char longr[200] = "";
	for (int i = 0; i < 61; i++)
		strcat(longr, "旧");
	fx_oldpart(&c, SVC_OP_WAIVE, t1, 0, 0, longr);
	INVALID(&c, "reason: 61 characters, limit 60");

	/* the role matrix */
	const struct {
		const fx_actor *a;
		uint32_t action;
		const char *denied; /* NULL: allowed */
	} roles[] = {
	    {&FX_SA, SVC_OP_RECEIVE, "shop shop-a may not receive old parts (its region or HQ)"},
	    {&FX_SA, SVC_OP_FORWARD, "shop shop-a may not forward old parts"},
	    {&FX_SA, SVC_OP_WAIVE, "shop shop-a may not waive old parts (HQ only)"},
	    {&FX_SB, SVC_OP_SHIP, "shop shop-b may not ship old parts as shop-a"},
	    {&FX_RN, SVC_OP_SHIP, "region region-n may not ship old parts"},
	    {&FX_RN, SVC_OP_RECEIVE, NULL},
	    {&FX_RN, SVC_OP_FORWARD, NULL},
	    {&FX_RN, SVC_OP_WAIVE, "region region-n may not waive old parts (HQ only)"},
	    {&FX_RS, SVC_OP_RECEIVE,
	     "region region-s may not receive old parts of region region-n"},
	    {&FX_HQ, SVC_OP_SHIP, "may not ship old parts"},
	    {&FX_HQ, SVC_OP_FORWARD, "may not forward old parts (the region does)"},
	    {&FX_HQ, SVC_OP_RECEIVE, NULL},
	    {&FX_HQ, SVC_OP_WAIVE, NULL},
	};
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
		fx_head(&c, roles[i].a, 5, FX_HLC(5, 0));
		fx_oldpart(&c, roles[i].action, t1, roles[i].action == SVC_OP_WAIVE ? 0 : 1, 0,
		           roles[i].action == SVC_OP_WAIVE ? "x" : NULL);
		int rc = svc_rules_authorize(&c, why, sizeof why);
		CHECK_INT(rc, roles[i].denied ? SVC_EDENIED : 0);
		if (roles[i].denied)
			CHECK_HAS(why, roles[i].denied);
	}
	fx_head(&c, &FX_HQ, 5, FX_HLC(5, 0));
	fx_oldpart(&c, SVC_OP_RECEIVE, t1, 1, 1, "x");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "may not reject old parts (the region inspects them)");

	/* the state machine: nothing is received before it is shipped, nor
	 * forwarded before it is accepted, nor received at HQ before it is
	 * forwarded */
	fold_state f = {0};
	svc_change *p = at(&FX_RN, 40000);
	fx_oldpart(p, SVC_OP_RECEIVE, t1, 1, 0, NULL);
	REJ(&f, p, "old part O:T-shop-a-1/CMP-35: 0 in transit, a receipt of 1");
	p = at(&FX_SA, 40001);
	fx_oldpart(p, SVC_OP_SHIP, t1, 2, 0, NULL);
	OK(&f, p);
	CHECK_STR(f.st.op.id, id);
	CHECK_STR(f.st.op.shop, "shop-a");
	CHECK_STR(f.st.op.region, "region-n");
	CHECK_STR(svc_old_part_state_name(&f.st.op), "in_transit");
	p = at(&FX_RN, 40002);
	fx_oldpart(p, SVC_OP_FORWARD, t1, 1, 0, NULL);
	REJ(&f, p, "0 accepted and not yet forwarded, a forward of 1");
	p = at(&FX_RN, 40003);
	fx_oldpart(p, SVC_OP_RECEIVE, t1, 3, 0, NULL);
	REJ(&f, p, "2 in transit, a receipt of 3");
	p = at(&FX_RN, 40004);
	fx_oldpart(p, SVC_OP_RECEIVE, t1, 2, 2, "外壳开裂");
	OK(&f, p);
	CHECK_INT(svc_old_part_accepted(&f.st.op), 0);
	CHECK(f.st.op.accepted_at == 0); /* nothing accepted */
	CHECK_STR(f.st.op.reject_reason, "外壳开裂");
	p = at(&FX_SA, 40005);
	fx_oldpart(p, SVC_OP_SHIP, t1, 1, 0, NULL);
	OK(&f, p);
	p = at(&FX_RN, 40006);
	fx_oldpart(p, SVC_OP_RECEIVE, t1, 1, 0, NULL);
	OK(&f, p);
	CHECK_INT(svc_old_part_accepted(&f.st.op), 1);
	CHECK(f.st.op.accepted_at == FX_HLC(40006, 0) >> 16);
	CHECK_STR(svc_old_part_state_name(&f.st.op), "at_region");
	p = at(&FX_HQ, 40007);
	fx_oldpart(p, SVC_OP_RECEIVE, t1, 1, 0, NULL);
	REJ(&f, p, "0 forwarded to HQ and not yet received, a receipt of 1");
	p = at(&FX_RN, 40008);
	fx_oldpart(p, SVC_OP_FORWARD, t1, 1, 0, NULL);
	OK(&f, p);
	CHECK_STR(svc_old_part_state_name(&f.st.op), "forwarded");
	p = at(&FX_HQ, 40009);
	fx_oldpart(p, SVC_OP_RECEIVE, t1, 1, 0, NULL);
	OK(&f, p);
	CHECK_STR(svc_old_part_state_name(&f.st.op), "at_hq");
	p = at(&FX_HQ, 40010);
	fx_oldpart(p, SVC_OP_WAIVE, t1, 0, 0, "召回");
	OK(&f, p);
	CHECK_STR(svc_old_part_state_name(&f.st.op), "waived");
	p = at(&FX_HQ, 40011);
	fx_oldpart(p, SVC_OP_WAIVE, t1, 0, 0, "again");
	REJ(&f, p, "already waived");
	/* a step naming another shop of the record */
	p = at(&FX_RN, 40012);
	fx_oldpart(p, SVC_OP_RECEIVE, t1, 1, 0, NULL);
	FX_COPY(p->u.old_part.shop, "shop-b");
	REJ(&f, p, "shop shop-a of region region-n, the receive names shop-b of region-n");
	/* a waiver creates the record */
	fold_state w = {0};
	p = at(&FX_HQ, 40013);
	fx_oldpart(p, SVC_OP_WAIVE, "T-shop-a-9", 0, 0, "召回");
	OK(&w, p);
	CHECK(w.st.op.waived == FX_HLC(40013, 0) >> 16 && w.st.op.shipped == 0);

	/* when a claim line's old parts were back, and when they are due:
	 * the end of the 30th day after the approval's date in the zone */
	svc_tz *tz = NULL;
	CHECK_INT(svc_tz_load(&tz, "Asia/Shanghai"), 0);
	svc_old_part op = {0};
	uint64_t back, due;
	svc_rules_oldpart_due(tz, 2, 1717243200000ULL, 30, NULL, &back, &due);
	CHECK(back == 0 && due == 1719849600000ULL);
	/* 00:30 on the next day in Shanghai: one day later */
	svc_rules_oldpart_due(tz, 2, 1717259400000ULL, 30, NULL, &back, &due);
	CHECK(due == 1719936000000ULL);
	svc_rules_oldpart_due(tz, 2, 0, 30, NULL, &back, &due);
	CHECK(back == 0 && due == 0);
	op.received = 3;
	op.rejected = 2;
	op.accepted_at = 1718000000000ULL;
	svc_rules_oldpart_due(tz, 2, 1717243200000ULL, 30, &op, &back, &due);
	CHECK(back == 0); /* one accepted of two */
	op.received = 4;
	svc_rules_oldpart_due(tz, 2, 1717243200000ULL, 30, &op, &back, &due);
	CHECK(back == 1718000000000ULL);
	op.waived = 1717500000000ULL;
	svc_rules_oldpart_due(tz, 2, 1717243200000ULL, 30, &op, &back, &due);
	CHECK(back == 1717500000000ULL); /* the waiver came first */
	svc_tz_destroy(&tz);

	/* the catalog flag: a put that does not name it keeps it */
	fold_state cat = {0};
	p = at(&FX_HQ, 40020);
	fx_catalog(p, "CMP-35", "Compressor", 48000);
	p->u.catalog_put.return_old = SVC_RETURN_OLD_YES;
	OK(&cat, p);
	CHECK(cat.st.p.return_old);
	p = at(&FX_HQ, 40021);
	fx_catalog(p, "CMP-35", "Compressor", 49000);
	OK(&cat, p);
	CHECK(cat.st.p.return_old && cat.st.p.price == 49000);
	p = at(&FX_HQ, 40022);
	fx_catalog(p, "CMP-35", "Compressor", 49000);
	p->u.catalog_put.return_old = SVC_RETURN_OLD_NO;
	OK(&cat, p);
	CHECK(!cat.st.p.return_old);
	p->u.catalog_put.return_old = 3;
	INVALID(p, "return_old: 3 is not 0 (keep), 1 (yes) or 2 (no)");

	/* the policy key */
	CHECK_INT(svc_policy_days(NULL, "old_part_days"), 30);
	CHECK_INT(svc_policy_check_entry("old_part_days", "45", why, sizeof why), 0);
	CHECK_INT(svc_policy_check_entry("old_part_days", "0", why, sizeof why), SVC_EINVAL);
	CHECK_HAS(why, "old_part_days: '0' is not a whole number from 1 to 365");
}

/* customer: field validation of customer files, units and merges, the
 * role matrix, and a ticket that refers to a file. */
static void cust_put(svc_change *c, const fx_actor *a, uint64_t seq, uint32_t fields,
                     const char *name, const char *phone)
{
	memset(c, 0, sizeof *c);
	fx_head(c, a, seq, FX_HLC(seq, 0));
	c->kind = SVC_CK_CUSTOMER_PUT;
	c->u.customer_put.fields = fields;
	if (fields & SVC_CF_NAME)
		FX_COPY(c->u.customer_put.name, name);
	if (fields & SVC_CF_PHONES)
		FX_COPY(c->u.customer_put.phones[0], phone);
	if (fields & SVC_CF_TIER)
		c->u.customer_put.tier = SVC_TIER_REGULAR;
	svc_rules_customer_id(c->aggregate, c->origin, c->seq);
}

/* The same change sent by another node. */
static void as_actor(svc_change *c, const fx_actor *a)
{
	FX_COPY(c->origin, a->id);
	c->origin_role = a->role;
	FX_COPY(c->origin_region, a->region);
}

static void test_customer(void)
{
	static svc_change c;
	char forty[4 * 41 + 1] = "";
	for (int i = 0; i < 40; i++)
		strcat(forty, "张");
	cust_put(&c, &FX_SA, 3, SVC_CF_ALL_, forty, "+86 138-0013-8000");
	VALID(&c);
	CHECK_STR(c.aggregate, "C-shop-a-3");
	strcat(c.u.customer_put.name, "张");
	INVALID(&c, "name: 41 characters, limit 40");
	cust_put(&c, &FX_SA, 3, SVC_CF_ALL_, "王芳", "12345678901");
	INVALID(&c, "phone: not a Chinese mobile");
	cust_put(&c, &FX_SA, 3, SVC_CF_ALL_, "王芳", "010-6552 0000");
	VALID(&c);
	cust_put(&c, &FX_SA, 3, SVC_CF_NAME, "王芳", NULL);
	INVALID(&c, "fields: a new customer file sets every field");
	/* a correction of one field, of another node's file */
	cust_put(&c, &FX_SA, 4, SVC_CF_NAME, "王芳", NULL);
	FX_COPY(c.aggregate, "C-shop-b-1");
	VALID(&c);
	/* who may correct it: a shop only its own files, whatever it holds
	 * (the change alone decides, alike at every node); a forged
	 * correction of another node's file is refused at apply */
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "shop shop-a may not correct customer C-shop-b-1 (created by shop-b: its "
	               "region or HQ)");
	FX_COPY(c.aggregate, "C-region-n-7");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "(created by region-n: its region or HQ)");
	/* a node whose id extends the shop's is another node */
	FX_COPY(c.aggregate, "C-shop-a-x-2");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	FX_COPY(c.aggregate, "C-shop-a-2");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);
	as_actor(&c, &FX_RN);
	FX_COPY(c.aggregate, "C-shop-b-1");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);
	as_actor(&c, &FX_HQ);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);
	as_actor(&c, &FX_SA);
	c.u.customer_put.tier = SVC_TIER_VIP;
	INVALID(&c, "tier: set but not in fields");
	/* merges: a region's is authorized, a shop's not; never into itself */
	memset(&c, 0, sizeof c);
	fx_head(&c, &FX_RN, 9, FX_HLC(9, 0));
	c.kind = SVC_CK_CUSTOMER_MERGE;
	FX_COPY(c.aggregate, "C-shop-a-3");
	FX_COPY(c.u.customer_merge.into, "C-shop-a-3");
	INVALID(&c, "into: a customer cannot be merged into itself");
	FX_COPY(c.u.customer_merge.into, "C-shop-b-1");
	VALID(&c);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);
	fx_head(&c, &FX_SA, 9, FX_HLC(9, 0));
	c.kind = SVC_CK_CUSTOMER_MERGE;
	FX_COPY(c.aggregate, "C-shop-a-3");
	FX_COPY(c.u.customer_merge.into, "C-shop-b-1");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "may not merge customers");
	CHECK_INT(svc_rules_agg_type(&c), SVC_AGG_CUSTOMER);
	/* a claim id has a customer's shape: the change kind decides */
	c.kind = SVC_CK_CLAIM_DECIDE;
	CHECK_INT(svc_rules_agg_type(&c), SVC_AGG_CLAIM);
	/* units */
	memset(&c, 0, sizeof c);
	fx_head(&c, &FX_SA, 5, FX_HLC(5, 0));
	c.kind = SVC_CK_UNIT_PUT;
	c.u.unit_put.fields = SVC_UF_ALL_;
	FX_COPY(c.u.unit_put.serial, "SN-1");
	FX_COPY(c.u.unit_put.owner, "T-shop-a-1");
	svc_rules_unit_id(c.aggregate, c.origin, c.seq);
	INVALID(&c, "owner: not a customer id");
	FX_COPY(c.u.unit_put.owner, "C-shop-a-3");
	VALID(&c);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);
	/* a unit of another node's: corrected by the region or HQ only */
	c.u.unit_put.fields = SVC_UF_MODEL;
	memset(c.u.unit_put.serial, 0, sizeof c.u.unit_put.serial);
	memset(c.u.unit_put.owner, 0, sizeof c.u.unit_put.owner);
	FX_COPY(c.u.unit_put.model, "KFR-35GW");
	FX_COPY(c.aggregate, "U-shop-b-4");
	VALID(&c);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_STR(why, "shop shop-a may not correct product unit U-shop-b-4 (created by shop-b: "
	               "its region or HQ)");
	as_actor(&c, &FX_RN);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);
	/* a ticket with customer_id carries no copy of personal data */
	memset(&c, 0, sizeof c);
	fx_head(&c, &FX_SA, 6, FX_HLC(6, 0));
	fx_open(&c, "shop-a", "");
	FX_COPY(c.u.ticket_open.customer_id, "C-shop-a-3");
	INVALID(&c, "holds no copy");
	memset(c.u.ticket_open.customer, 0, sizeof c.u.ticket_open.customer);
	memset(c.u.ticket_open.phone, 0, sizeof c.u.ticket_open.phone);
	memset(c.u.ticket_open.address, 0, sizeof c.u.ticket_open.address);
	VALID(&c);
	/* phone digits: one key for every spelling */
	char d[SVC_PHONE_LEN];
	svc_rules_phone_digits(d, "+86 138-0013-8000");
	CHECK_STR(d, "13800138000");
}

/* complaints: field validation, the role matrix, and the course of one
 * complaint through step() (who moves it, in which order). */
static void kx_open(svc_change *c, const fx_actor *a, uint64_t seq)
{
	fx_head(c, a, seq, FX_HLC(seq, 0));
	c->kind = SVC_CK_COMPLAINT_OPEN;
	svc_complaint_open *b = &c->u.complaint_open;
	FX_COPY(b->region, "region-n");
	FX_COPY(b->shop, "shop-a");
	FX_COPY(b->customer_id, "C-region-n-1");
	FX_COPY(b->category, "服务态度");
	b->severity = SVC_SEV_NORMAL;
	FX_COPY(b->text, "上门迟到\n态度差");
	b->days = 7;
	b->opened_on = 20240601;
	svc_rules_complaint_id(c->aggregate, c->origin, c->seq);
}

static svc_change *kx(const fx_actor *a, unsigned sec, svc_change_kind kind, uint32_t status,
                      uint32_t finding)
{
	svc_change *c = at(a, sec);
	c->kind = kind;
	FX_COPY(c->aggregate, "K-region-n-1");
	if (kind == SVC_CK_COMPLAINT_STATUS) {
		c->u.complaint_status.status = status;
		c->u.complaint_status.finding = finding;
	} else {
		FX_COPY(c->u.complaint_note.text, "已核实");
	}
	return c;
}

static void test_complaint_rules(void)
{
	svc_change c, base;
	kx_open(&base, &FX_RN, 1);
	VALID(&base);
	CHECK_STR(base.aggregate, "K-region-n-1");
	CHECK_INT(svc_rules_agg_type(&base), SVC_AGG_COMPLAINT);
	CHECK_INT(svc_rules_authorize(&base, why, sizeof why), 0);

	/* validation: one line naming the field */
	c = base;
	FX_COPY(c.u.complaint_open.shop, "");
	INVALID(&c, "against: a complaint names a shop, a ticket or both");
	FX_COPY(c.u.complaint_open.ticket, "T-shop-a-3");
	VALID(&c);
	FX_COPY(c.u.complaint_open.ticket, "K-shop-a-3");
	INVALID(&c, "ticket: not a ticket id (T-<node>-<seq>)");
	c = base;
	FX_COPY(c.u.complaint_open.customer_id, "");
	INVALID(&c, "customer_id: not a customer id");
	c = base;
	char cat[SVC_COMPLAINT_CATEGORY_LEN] = "";
	for (int i = 0; i < 20; i++)
		strcat(cat, "态");
	FX_COPY(c.u.complaint_open.category, cat);
	VALID(&c);
	cat[strlen(cat) - 3] = '\0';
	strcat(cat, "ab");
	FX_COPY(c.u.complaint_open.category, cat);
	INVALID(&c, "category: 21 characters, limit 20");
	FX_COPY(c.u.complaint_open.category, "");
	INVALID(&c, "category: ");
	c = base;
	c.u.complaint_open.severity = 4;
	INVALID(&c, "severity: 4 is not low, normal or high");
	c = base;
	c.u.complaint_open.channel = 9;
	INVALID(&c, "channel: 9 is not phone, walk-in, letter or web");
	c = base;
	c.u.complaint_open.days = 0;
	INVALID(&c, "days: 0 is outside 1..365");
	c = base;
	FX_COPY(c.u.complaint_open.text, "");
	INVALID(&c, "text: ");
	c = base;
	c.u.complaint_open.opened_on = 20240231;
	INVALID(&c, "opened_on: ");
	c = base;
	FX_COPY(c.aggregate, "K-region-n-2");
	INVALID(&c, "aggregate: 'K-region-n-2' does not match");
	c = *kx(&FX_RN, 2, SVC_CK_COMPLAINT_STATUS, SVC_KS_CONCLUDED, 0);
	INVALID(&c, "finding: required to conclude");
	c.u.complaint_status.finding = SVC_KF_UNSUBSTANTIATED;
	VALID(&c);
	c.u.complaint_status.status = SVC_KS_INVESTIGATING;
	INVALID(&c, "finding: a finding, responsible shop and remedy go with concluded only");
	c.u.complaint_status.finding = 0;
	c.u.complaint_status.status = SVC_KS_RECEIVED;
	INVALID(&c, "status: 1 is not investigating");
	c.u.complaint_status.status = SVC_KS_INVESTIGATING;
	FX_COPY(c.aggregate, "T-shop-a-1");
	INVALID(&c, "aggregate: not a complaint id (K-<node>-<seq>)");

	/* the role matrix: a region in its own region, HQ anywhere; a shop
	 * only its statement; a region never a statement */
	c = base;
	FX_COPY(c.u.complaint_open.region, "region-s");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why,
	          "region region-n may not open complaints in region region-s (only in its own)");
	kx_open(&c, &FX_HQ, 1);
	FX_COPY(c.u.complaint_open.region, "region-s");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);
	kx_open(&c, &FX_SA, 1);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "shop shop-a may not open complaints (its region or HQ)");
	c = *kx(&FX_SA, 3, SVC_CK_COMPLAINT_STATUS, SVC_KS_CLOSED, 0);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "shop shop-a may not change a complaint's status");
	c = *kx(&FX_SA, 3, SVC_CK_COMPLAINT_NOTE, 0, 0);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "shop shop-a may not write investigation notes");
	c = *kx(&FX_SA, 3, SVC_CK_COMPLAINT_STATEMENT, 0, 0);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);
	c = *kx(&FX_RN, 3, SVC_CK_COMPLAINT_STATEMENT, 0, 0);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "region region-n may not add a statement to a complaint");

	/* the course, through step() */
	fold_state f = {0};
	svc_complaint *k = &f.st.k;
	REJ(&f, kx(&FX_RN, 4, SVC_CK_COMPLAINT_NOTE, 0, 0), "no such complaint");
	OK(&f, &base);
	CHECK_INT(k->status, SVC_KS_RECEIVED);
	CHECK_INT(k->deadline, FX_T0 + 1000 + 7 * 86400000ULL);
	REJ(&f, &base, "already opened by region-n");
	REJ(&f, kx(&FX_RN, 5, SVC_CK_COMPLAINT_STATUS, SVC_KS_CONFIRMED, 0),
	    "received -> confirmed is not a valid transition (next: investigating)");
	REJ(&f, kx(&FX_RS, 5, SVC_CK_COMPLAINT_STATUS, SVC_KS_INVESTIGATING, 0),
	    "region region-s may not move it (region region-n or HQ)");
	REJ(&f, kx(&FX_RS, 5, SVC_CK_COMPLAINT_NOTE, 0, 0),
	    "region region-s may not write its notes");
	OK(&f, kx(&FX_RN, 6, SVC_CK_COMPLAINT_STATUS, SVC_KS_INVESTIGATING, 0));
	OK(&f, kx(&FX_RN, 7, SVC_CK_COMPLAINT_NOTE, 0, 0));
	REJ(&f, kx(&FX_SB, 8, SVC_CK_COMPLAINT_STATEMENT, 0, 0),
	    "only the shop it is about (shop-a) adds a statement, not shop-b");
	OK(&f, kx(&FX_SA, 8, SVC_CK_COMPLAINT_STATEMENT, 0, 0));
	CHECK_INT(k->notes, 1);
	CHECK_INT(k->statements, 1);
	OK(&f, kx(&FX_RN, 9, SVC_CK_COMPLAINT_STATUS, SVC_KS_ESCALATED, 0));
	CHECK_STR(k->escalated_by, "region-n");
	CHECK_INT(k->status, SVC_KS_INVESTIGATING);
	REJ(&f, kx(&FX_RN, 10, SVC_CK_COMPLAINT_STATUS, SVC_KS_CONCLUDED, SVC_KF_SUBSTANTIATED),
	    "escalated to HQ; region region-n may no longer move it");
	OK(&f, kx(&FX_RN, 10, SVC_CK_COMPLAINT_NOTE, 0, 0));
	OK(&f, kx(&FX_HQ, 11, SVC_CK_COMPLAINT_STATUS, SVC_KS_CONCLUDED, SVC_KF_SUBSTANTIATED));
	CHECK_STR(k->responsible, "shop-a");
	REJ(&f, kx(&FX_HQ, 12, SVC_CK_COMPLAINT_STATUS, SVC_KS_ESCALATED, 0),
	    "already escalated by region-n");
	REJ(&f, kx(&FX_HQ, 12, SVC_CK_COMPLAINT_STATUS, SVC_KS_CLOSED, 0),
	    "concluded -> closed is not a valid transition (next: confirmed)");
	OK(&f, kx(&FX_HQ, 13, SVC_CK_COMPLAINT_STATUS, SVC_KS_CONFIRMED, 0));
	OK(&f, kx(&FX_HQ, 14, SVC_CK_COMPLAINT_STATUS, SVC_KS_CLOSED, 0));
	REJ(&f, kx(&FX_SA, 15, SVC_CK_COMPLAINT_STATEMENT, 0, 0), "closed, no statement");
	REJ(&f, kx(&FX_HQ, 15, SVC_CK_COMPLAINT_STATUS, SVC_KS_INVESTIGATING, 0),
	    "closed -> investigating is not a valid transition (next: none, it is closed)");
}

/* claim lines: the lines of a priced claim, their flags, and the region's
 * and HQ's decisions line by line. */
static void test_claim_lines(void)
{
	fold_state f = {0};
	svc_claim *cl = &f.st.c;
	svc_change *c;
	svc_claim_line_view v[SVC_CLAIM_LINES_MAX];
	const char *id = "C-shop-a-21", *tk = "T-shop-a-21";

	/* op 90.00 over the card, labor 10.00 free, a part 25.00, travel 50.00
	 * over the card (45 km past the last band) */
	c = at(&FX_SA, 6000);
	fx_submit(c, tk, 1, 1000, 1, 2500, 5000);
	fx_priced(c, "AC-R01", 90, 9000, SVC_LINE_OVER_CARD, 45, SVC_LINE_OVER_CARD);
	OK(&f, c);
	CHECK_INT(cl->total, 17500);
	CHECK_INT(cl->nlines, 4);
	CHECK_INT(svc_claim_lines(cl, v), 4);
	CHECK_INT(v[0].kind, SVC_LINE_OP);
	CHECK_STR(v[0].what, "AC-R01");
	CHECK_INT(v[0].qty, 90);
	CHECK_INT(v[0].flags, SVC_LINE_OVER_CARD);
	CHECK_INT(v[1].kind, SVC_LINE_LABOR);
	CHECK_INT(v[1].flags, SVC_LINE_FREE);
	CHECK_INT(v[2].kind, SVC_LINE_PART);
	CHECK_INT(v[2].flags, 0);
	CHECK_INT(v[3].kind, SVC_LINE_TRAVEL);
	CHECK_INT(v[3].qty, 45);
	CHECK_INT(v[3].flags, SVC_LINE_OVER_CARD);

	/* The region proposes a cut of line 1 and records a repeat repair. */
	c = at(&FX_RN, 6001);
	fx_decide(c, id, SVC_CA_AUDIT, 1, 0, 17500);
	c->u.claim_decide.nlines = 1;
	c->u.claim_decide.lines[0].line = 1;
	c->u.claim_decide.lines[0].amount = 6000;
	FX_COPY(c->u.claim_decide.lines[0].reason, "标准工时60分钟");
	FX_COPY(c->u.claim_decide.repeat_of, "T-shop-a-3");
	OK(&f, c);
	CHECK(cl->lines[0].has_proposal && cl->lines[0].proposed == 6000);
	CHECK(!cl->lines[1].has_proposal);
	CHECK_STR(cl->repeat_of, "T-shop-a-3");
	svc_claim_lines(cl, v);
	CHECK_INT(v[0].flags, SVC_LINE_OVER_CARD | SVC_LINE_REPEAT);
	CHECK_INT(v[1].flags, SVC_LINE_FREE | SVC_LINE_REPEAT);
	CHECK_INT(v[2].flags, 0);
	char fl[48];
	svc_claim_flags_fmt(fl, v[1].flags);
	CHECK_STR(fl, "free,repeat-repair");
	svc_claim_flags_fmt(fl, 0);
	CHECK_STR(fl, "-");

	/* HQ: lines that are not there or above their amount; a flagged line
	 * left in full without a reason. */
	c = at(&FX_HQ, 6002);
	fx_decide(c, id, SVC_CA_APPROVE, 1, 0, 17500);
	c->u.claim_decide.nlines = 1;
	c->u.claim_decide.lines[0].line = 5;
	REJ(&f, c, "claim C-shop-a-21: line 5: the claim has lines 1..4");
	c->u.claim_decide.lines[0].line = 3;
	c->u.claim_decide.lines[0].amount = 2600;
	REJ(&f, c, "line 3: 2600 fen is more than the line's 2500 fen");
	c->u.claim_decide.nlines = 0;
	REJ(&f, c,
	    "claim C-shop-a-21: line 2 is flagged (free,repeat-repair): approving it in full "
	    "needs a reason");

	/* Named lines with their reasons, the rest by proposal or in full. */
	fold_state g = f;
	c = at(&FX_HQ, 6003);
	fx_decide(c, id, SVC_CA_APPROVE, 1, 0, 17500);
	FX_COPY(c->operator, "王经理");
	c->u.claim_decide.nlines = 2;
	c->u.claim_decide.lines[0].line = 2;
	c->u.claim_decide.lines[0].amount = 1000;
	FX_COPY(c->u.claim_decide.lines[0].reason, "复修已核实");
	c->u.claim_decide.lines[1].line = 4;
	c->u.claim_decide.lines[1].amount = 4000;
	OK(&f, c);
	CHECK_INT(cl->status, SVC_CS_PARTIAL);
	CHECK_INT(cl->approved, 6000 + 1000 + 2500 + 4000);
	CHECK_INT(cl->lines[0].approved, 6000);
	CHECK_INT(cl->lines[3].approved, 4000);
	CHECK_STR(cl->decided_op, "王经理");

	/* A claim-level amount cuts from the last line up; its reason covers
	 * the flagged lines. */
	fold_state h = g;
	c = at(&FX_HQ, 6004);
	fx_decide(c, id, SVC_CA_APPROVE, 1, 10000, 17500);
	FX_COPY(c->u.claim_decide.reason, "按标准核定");
	OK(&h, c);
	CHECK_INT(h.st.c.approved, 10000);
	CHECK_INT(h.st.c.lines[0].approved, 6000);
	CHECK_INT(h.st.c.lines[1].approved, 1000);
	CHECK_INT(h.st.c.lines[2].approved, 2500);
	CHECK_INT(h.st.c.lines[3].approved, 500);
	c = at(&FX_HQ, 6004);
	fx_decide(c, id, SVC_CA_APPROVE, 1, 15000, 17500);
	FX_COPY(c->u.claim_decide.reason, "按标准核定");
	REJ(&g, c, "approves 15000 fen, more than its lines as decided, 14500 fen");

	/* Reject of lines: those at 0, the rest as approve. */
	h = g;
	c = at(&FX_HQ, 6005);
	fx_decide(c, id, SVC_CA_REJECT, 1, 0, 17500);
	memset(c->u.claim_decide.reason, 0, sizeof c->u.claim_decide.reason);
	c->u.claim_decide.nlines = 1;
	c->u.claim_decide.lines[0].line = 3;
	FX_COPY(c->u.claim_decide.lines[0].reason, "旧件未返");
	REJ(&h, c, "line 2 is flagged (free,repeat-repair)");
	FX_COPY(c->u.claim_decide.reason, "其余照准");
	OK(&h, c);
	CHECK_INT(h.st.c.status, SVC_CS_PARTIAL);
	CHECK_INT(h.st.c.approved, 6000 + 1000 + 5000);
	CHECK_INT(h.st.c.lines[2].approved, 0);
	h = g;
	c = at(&FX_HQ, 6006);
	fx_decide(c, id, SVC_CA_REJECT, 1, 0, 17500);
	c->u.claim_decide.nlines = 4;
	for (uint32_t i = 0; i < 4; i++) {
		c->u.claim_decide.lines[i].line = i + 1;
		FX_COPY(c->u.claim_decide.lines[i].reason, "不予结算");
	}
	OK(&h, c);
	CHECK_INT(h.st.c.status, SVC_CS_REJECTED);
	CHECK_INT(h.st.c.approved, 0);

	/* A return and a resubmission start the decisions over. */
	h = g;
	c = at(&FX_RN, 6007);
	fx_decide(c, id, SVC_CA_RETURN, 1, 0, 17500);
	OK(&h, c);
	c = at(&FX_SA, 6008);
	fx_submit(c, tk, 2, 0, 1, 2500, 0);
	fx_priced(c, "AC-R01", 60, 6000, 0, 0, 0);
	OK(&h, c);
	CHECK_INT(h.st.c.revision, 2);
	CHECK_INT(h.st.c.nlines, 2);
	CHECK(!h.st.c.lines[0].has_proposal && h.st.c.lines[0].approved == 0);
	CHECK_STR(h.st.c.repeat_of, "");
	h = f;
	c = at(&FX_SA, 6008);
	fx_submit(c, tk, 2, 0, 1, 2500, 0);
	fx_priced(c, "AC-R01", 60, 6000, 0, 0, 0);
	REJ(&h, c, "cannot resubmit a claim that is partially_approved");

	/* Field validation: decisions on other actions, twice the same line,
	 * a rejected line with an amount, a reason over 40 characters, a
	 * repeat repair on an approval; lines that are not priced. */
	c = at(&FX_RN, 6009);
	fx_decide(c, id, SVC_CA_RETURN, 1, 0, 17500);
	c->u.claim_decide.nlines = 1;
	c->u.claim_decide.lines[0].line = 1;
	INVALID(c, "lines: only audit, approve and reject decide lines");
	c = at(&FX_HQ, 6009);
	fx_decide(c, id, SVC_CA_APPROVE, 1, 0, 17500);
	c->u.claim_decide.nlines = 2;
	c->u.claim_decide.lines[0].line = 1;
	c->u.claim_decide.lines[1].line = 1;
	INVALID(c, "lines[1].line: line 1 is decided twice");
	c->u.claim_decide.nlines = 1;
	FX_COPY(
	    c->u.claim_decide.lines[0].reason,
	    "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一");
	INVALID(c, "lines[0].reason: 41 characters, limit 40");
	memset(c->u.claim_decide.lines[0].reason, 0, sizeof c->u.claim_decide.lines[0].reason);
	FX_COPY(c->u.claim_decide.repeat_of, "T-shop-a-3");
	INVALID(c, "repeat_of: an audit's ticket id");
	c = at(&FX_HQ, 6009);
	fx_decide(c, id, SVC_CA_REJECT, 1, 0, 17500);
	c->u.claim_decide.nlines = 1;
	c->u.claim_decide.lines[0].line = 1;
	c->u.claim_decide.lines[0].amount = 5;
	FX_COPY(c->u.claim_decide.lines[0].reason, "x");
	INVALID(c, "lines[0].amount: 5 fen on a rejected line");
	c = at(&FX_SA, 6009);
	fx_submit(c, tk, 1, 0, 1, 2500, 0);
	fx_priced(c, "AC-R01", 60, 6000, 0, 0, 0);
	c->u.claim_submit.priced = false;
	INVALID(c,
	        "priced: operation lines, a distance and a policy version come with priced lines");
	c->u.claim_submit.priced = true;
	c->u.claim_submit.ops[0].flags = SVC_LINE_FREE;
	INVALID(c, "ops[0].flags: 2 is not 0 or over the card (1)");
	c->u.claim_submit.ops[0].flags = 0;
	c->u.claim_submit.travel_flags = SVC_LINE_OVER_CARD;
	INVALID(c, "travel_flags: 1 is not 0 or over the card (1) with a distance");

	/* A claim from before priced lines carries no flags. */
	fold_state old = {0};
	c = at(&FX_SA, 6010);
	fx_submit(c, "T-shop-a-22", 1, 1000, 0, 0, 500);
	OK(&old, c);
	CHECK_INT(svc_claim_lines(&old.st.c, v), 2);
	CHECK_INT(v[0].flags, 0);
	CHECK_INT(v[1].flags, 0);
}

/* labor operations, the tariff, price history, and the lookups the desk
 * and the fold share. */
static void test_labor_rules(void)
{
	fold_state f = {0}, p = {0};
	svc_change *c;

	c = at(&FX_HQ, 7000);
	fx_labor(c, "AC-R01", "aircon", 0);
	INVALID(c, "minutes: 0 is outside 1..3000");
	fx_labor(c, "AC R01", "aircon", 60);
	INVALID(c, "code:");
	fx_labor(c, "AC-R01", "aircon", 60);
	FX_COPY(c->u.labor_put.text,
	        "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
	        "一二三四五六七八九十一二三四五六七八九十一");
	INVALID(c, "text: 61 characters, limit 60");
	fx_labor(c, "AC-R01", "aircon", 60);
	VALID(c);
	char why2[SVC_REASON_LEN];
	c->origin_role = SVC_ROLE_SHOP;
	CHECK_INT(svc_rules_authorize(c, why2, sizeof why2), SVC_EDENIED);
	CHECK_HAS(why2, "may not edit the labor operations (HQ only)");

	c = at(&FX_HQ, 7001);
	fx_tariff(c, 4, 6000, 0, 0);
	INVALID(c, "grade: 4 is not A, B or C");
	fx_tariff(c, 0, 0, 0, 100);
	INVALID(c, "max_km: 0 is outside 1..100000");
	fx_tariff(c, SVC_GRADE_B, 6000, 0, 0);
	OK(&f, c);
	c = at(&FX_HQ, 7002);
	fx_tariff(c, 0, 0, 30, 5000);
	OK(&f, c);
	c = at(&FX_HQ, 7003);
	fx_tariff(c, 0, 0, 10, 2000);
	OK(&f, c);
	c = at(&FX_HQ, 7004);
	fx_tariff(c, 0, 0, 30, 4500); /* the same band again: its amount changes */
	OK(&f, c);
	const svc_tariff *t = &f.st.tar;
	CHECK_INT(t->rates[SVC_GRADE_B], 6000);
	CHECK_INT(t->nbands, 2);
	CHECK(t->bands[0].max_km == 10 && t->bands[0].fen == 2000);
	CHECK(t->bands[1].max_km == 30 && t->bands[1].fen == 4500);
	bool over;
	CHECK_INT(svc_rules_travel_amount(t, 5, &over), 2000);
	CHECK(!over);
	CHECK_INT(svc_rules_travel_amount(t, 10, &over), 2000);
	CHECK_INT(svc_rules_travel_amount(t, 11, &over), 4500);
	CHECK(!over);
	CHECK_INT(svc_rules_travel_amount(t, 31, &over), 4500);
	CHECK(over);
	svc_tariff none = {0};
	CHECK_INT(svc_rules_travel_amount(&none, 1, &over), -1);
	CHECK_INT(svc_rules_op_amount(90, 6000), 9000);
	CHECK_INT(svc_rules_op_amount(7, 5000), 583); /* 583.33 rounds down */
	CHECK_INT(svc_rules_op_amount(1, 30), 1);     /* 0.5 rounds up */
	CHECK_INT(svc_rules_op_amount(UINT32_MAX, INT64_MAX), -1);

	/* Prices: only for a part in the catalog; a put keeps the history; a
	 * second price for the same day replaces the first. */
	c = at(&FX_HQ, 7005);
	fx_price(c, "CMP-35", 45000, FX_T0);
	REJ(&p, c, "part CMP-35: not in the catalog (add it before its prices)");
	c = at(&FX_HQ, 7006);
	fx_catalog(c, "CMP-35", "Compressor", 48000);
	OK(&p, c);
	c = at(&FX_HQ, 7007);
	fx_price(c, "CMP-35", 47000, FX_T0 + 86400000);
	OK(&p, c);
	c = at(&FX_HQ, 7008);
	fx_price(c, "CMP-35", 45000, FX_T0);
	OK(&p, c);
	c = at(&FX_HQ, 7009);
	fx_catalog(c, "CMP-35", "Compressor 压缩机", 49000);
	OK(&p, c);
	c = at(&FX_HQ, 7010);
	fx_price(c, "CMP-35", 46000, FX_T0);
	OK(&p, c);
	const svc_catalog_item *it = &p.st.p;
	CHECK_INT(it->price, 49000);
	CHECK_INT(it->nprices, 2);
	CHECK(it->prices[0].from == FX_T0 && it->prices[0].price == 46000);
	CHECK(it->prices[1].from == FX_T0 + 86400000 && it->prices[1].price == 47000);
	CHECK_INT(svc_rules_price_at(it, FX_T0 - 1), 49000);
	CHECK_INT(svc_rules_price_at(it, FX_T0), 46000);
	CHECK_INT(svc_rules_price_at(it, FX_T0 + 86400000 + 5), 47000);
	c = at(&FX_HQ, 7011);
	fx_price(c, "CMP-35", -1, FX_T0);
	INVALID(c, "price: -1 fen is outside");
	fx_price(c, "CMP-35", 1, 0);
	INVALID(c, "from: 0 is not a time in ms");
}

/* shops: a change to shop record H:<shop> from actor a, `sec` seconds in. */
static svc_change *hx(const fx_actor *a, unsigned sec, svc_change_kind kind, const char *shop)
{
	svc_change *c = at(a, sec);
	memset(&c->u, 0, sizeof c->u);
	c->kind = kind;
	svc_rules_shop_agg(c->aggregate, shop);
	return c;
}

static svc_change *hx_stage(const fx_actor *a, unsigned sec, const char *shop, uint32_t stage)
{
	svc_change *c = hx(a, sec, SVC_CK_SHOP_STAGE, shop);
	c->u.shop_stage.stage = stage;
	if (stage == SVC_SHOP_APPROVED) {
		FX_COPY(c->u.shop_stage.agreement, "TY-2024-0001");
		c->u.shop_stage.valid_from = 20240601;
		c->u.shop_stage.valid_to = 20260531;
	} else if (stage == SVC_SHOP_PROBATION) {
		c->u.shop_stage.serial = 3;
		c->u.shop_stage.probation_until = FX_T0 + 90 * 86400000ULL;
	}
	return c;
}

static svc_change *hx_apply(const fx_actor *a, unsigned sec, const char *shop)
{
	svc_change *c = hx(a, sec, SVC_CK_SHOP_PUT, shop);
	c->u.shop_put.apply = true;
	FX_COPY(c->u.shop_put.region, "region-n");
	FX_COPY(c->u.shop_put.legal_name, "北城家电维修有限公司");
	c->u.shop_put.type = SVC_SHOP_TYPE_AUTHORIZED;
	return c;
}

static svc_change *hx_assess(const fx_actor *a, unsigned sec, const char *shop, uint32_t outcome)
{
	svc_change *c = hx(a, sec, SVC_CK_SHOP_ASSESS, shop);
	c->u.shop_assess.period = 202409;
	c->u.shop_assess.score = 85;
	c->u.shop_assess.outcome = outcome;
	if (outcome == SVC_SHOP_OUTCOME_END)
		FX_COPY(c->u.shop_assess.reason, "考核不合格");
	return c;
}

static void test_shop_rules(void)
{
	svc_change c;

	/* validation: one line naming the field */
	c = *hx_apply(&FX_RN, 1, "shop-x");
	VALID(&c);
	CHECK_INT(svc_rules_agg_type(&c), SVC_AGG_SHOP);
	CHECK_STR(c.aggregate, "H:shop-x");
	FX_COPY(c.u.shop_put.legal_name, "");
	INVALID(&c, "legal_name: ");
	char name[SVC_SHOP_NAME_LEN] = "";
	for (int i = 0; i < SVC_SHOP_NAME_CHARS; i++)
		strcat(name, "店");
	FX_COPY(c.u.shop_put.legal_name, name);
	VALID(&c);
	name[strlen(name) - 3] = '\0';
	strcat(name, "ab");
	FX_COPY(c.u.shop_put.legal_name, name);
	INVALID(&c, "legal_name: 61 characters, limit 60");
	c = *hx_apply(&FX_RN, 1, "shop-x");
	c.u.shop_put.type = 7;
	INVALID(&c, "type: 7 is not special, authorized or national");
	c = *hx_apply(&FX_RN, 1, "shop-x");
	FX_COPY(c.aggregate, "H:Shop X");
	INVALID(&c, "aggregate: not a shop record id (H:<shop>)");
	c = *hx(&FX_RN, 1, SVC_CK_SHOP_PUT, "shop-x");
	INVALID(&c, "fields: 0 names no known field");
	c.u.shop_put.fields = SVC_SF_TECHNICIAN;
	INVALID(&c, "technician: ");
	FX_COPY(c.u.shop_put.tech_name, "钱工");
	INVALID(&c, "qualification: ");
	c.u.shop_put.tech_drop = true;
	VALID(&c);
	c = *hx_stage(&FX_HQ, 1, "shop-x", SVC_SHOP_APPROVED);
	VALID(&c);
	c.u.shop_stage.valid_to = 20240601;
	INVALID(&c, "to: the agreement ends on or before it starts");
	c.u.shop_stage.valid_to = 20240631;
	INVALID(&c, "to: ");
	FX_COPY(c.u.shop_stage.agreement, "");
	INVALID(&c, "agreement: ");
	c = *hx_stage(&FX_HQ, 1, "shop-x", SVC_SHOP_REGULAR);
	INVALID(&c, "stage: 6 is not reviewed, tech_reviewed, approved or probation");
	c = *hx_stage(&FX_RN, 1, "shop-x", SVC_SHOP_REVIEWED);
	c.u.shop_stage.refused = true;
	INVALID(&c, "reason: ");
	c = *hx_stage(&FX_HQ, 1, "shop-x", SVC_SHOP_APPROVED);
	c.u.shop_stage.refused = true;
	FX_COPY(c.u.shop_stage.reason, "不批");
	INVALID(&c, "refused: only a review refuses");
	c = *hx_assess(&FX_RN, 1, "shop-x", SVC_SHOP_OUTCOME_NONE);
	VALID(&c);
	c.u.shop_assess.score = 101;
	INVALID(&c, "score: 101 is outside 0..100");
	c = *hx_assess(&FX_RN, 1, "shop-x", SVC_SHOP_OUTCOME_END);
	FX_COPY(c.u.shop_assess.reason, "");
	INVALID(&c, "reason: ");
	c.u.shop_assess.period = 202413;
	INVALID(&c, "period: 202413 is not a month");

	/* the role matrix: a region applies in its own region and reviews; HQ
	 * alone reviews technically, approves and enrolls; a shop nothing */
	c = *hx_apply(&FX_RS, 1, "shop-x");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "region region-s may not record applications in region region-n");
	c = *hx_apply(&FX_SA, 1, "shop-x");
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "shop shop-a may not change shop records (its region or HQ)");
	c = *hx_stage(&FX_RN, 1, "shop-x", SVC_SHOP_TECH_REVIEWED);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "region region-n may not record the technical review (HQ only)");
	c = *hx_stage(&FX_RN, 1, "shop-x", SVC_SHOP_APPROVED);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), SVC_EDENIED);
	CHECK_HAS(why, "region region-n may not approve or enroll shops (HQ only)");
	c = *hx_stage(&FX_HQ, 1, "shop-x", SVC_SHOP_APPROVED);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);
	c = *hx_assess(&FX_RN, 1, "shop-x", SVC_SHOP_OUTCOME_NONE);
	CHECK_INT(svc_rules_authorize(&c, why, sizeof why), 0);

	/* the stage machine, through step() */
	fold_state f = {0};
	svc_shop *h = &f.st.h;
	REJ(&f, hx_stage(&FX_RN, 2, "shop-x", SVC_SHOP_REVIEWED),
	    "shop shop-x: no record; stage reviewed needs the application first");
	OK(&f, hx_apply(&FX_RN, 3, "shop-x"));
	CHECK_INT(h->stage, SVC_SHOP_APPLIED);
	CHECK_STR(h->applied_by, "region-n");
	REJ(&f, hx_apply(&FX_HQ, 4, "shop-x"), "shop shop-x: already on record (stage applied)");
	REJ(&f, hx_stage(&FX_HQ, 4, "shop-x", SVC_SHOP_TECH_REVIEWED),
	    "shop shop-x: stage is applied; tech_reviewed follows reviewed");
	REJ(&f, hx_stage(&FX_RS, 4, "shop-x", SVC_SHOP_REVIEWED),
	    "region region-s may not review its application (region region-n's)");
	OK(&f, hx_stage(&FX_RN, 5, "shop-x", SVC_SHOP_REVIEWED));
	REJ(&f, hx_stage(&FX_HQ, 6, "shop-x", SVC_SHOP_APPROVED),
	    "shop shop-x: stage is reviewed; approved follows tech_reviewed");
	REJ(&f, hx_stage(&FX_HQ, 6, "shop-x", SVC_SHOP_PROBATION),
	    "shop shop-x: stage is reviewed; probation follows approved");
	REJ(&f, hx_assess(&FX_RN, 6, "shop-x", SVC_SHOP_OUTCOME_REGULAR),
	    "only an enrolled shop (probation or regular) is assessed");
	OK(&f, hx_stage(&FX_HQ, 7, "shop-x", SVC_SHOP_TECH_REVIEWED));
	OK(&f, hx_stage(&FX_HQ, 8, "shop-x", SVC_SHOP_APPROVED));
	CHECK_STR(h->agreement, "TY-2024-0001");
	svc_change *e = hx(&FX_RN, 9, SVC_CK_SHOP_PUT, "shop-x");
	e->u.shop_put.fields = SVC_SF_CONTACT | SVC_SF_TECHNICIAN;
	FX_COPY(e->u.shop_put.contact, "0371-1234 5678");
	FX_COPY(e->u.shop_put.tech_name, "钱工");
	FX_COPY(e->u.shop_put.tech_qual, "中级");
	OK(&f, e);
	CHECK_STR(h->legal_name, "北城家电维修有限公司");
	CHECK_STR(h->contact, "0371-1234 5678");
	CHECK_INT(h->ntechnicians, 1);
	e = hx(&FX_HQ, 10, SVC_CK_SHOP_PUT, "shop-x");
	e->u.shop_put.fields = SVC_SF_TECHNICIAN;
	FX_COPY(e->u.shop_put.tech_name, "孙工");
	e->u.shop_put.tech_drop = true;
	REJ(&f, e, "shop shop-x: technician 孙工 is not on record");
	OK(&f, hx_stage(&FX_HQ, 11, "shop-x", SVC_SHOP_PROBATION));
	CHECK_INT(h->stage, SVC_SHOP_PROBATION);
	CHECK_INT(h->serial, 3);
	CHECK(!h->direct);
	OK(&f, hx_assess(&FX_RN, 12, "shop-x", SVC_SHOP_OUTCOME_NONE));
	CHECK_INT(h->stage, SVC_SHOP_PROBATION);
	OK(&f, hx_assess(&FX_HQ, 13, "shop-x", SVC_SHOP_OUTCOME_REGULAR));
	CHECK_INT(h->stage, SVC_SHOP_REGULAR);
	CHECK_INT(h->nassessed, 2);
	REJ(&f, hx_assess(&FX_RN, 14, "shop-x", SVC_SHOP_OUTCOME_REGULAR),
	    "shop shop-x: stage is regular; regular follows probation");
	for (unsigned i = 0; i < SVC_SHOP_ASSESS_KEPT; i++)
		OK(&f, hx_assess(&FX_RN, 15 + i, "shop-x", SVC_SHOP_OUTCOME_NONE));
	CHECK_INT(h->nassessments, SVC_SHOP_ASSESS_KEPT);
	CHECK_INT(h->nassessed, SVC_SHOP_ASSESS_KEPT + 2);
	CHECK_STR(h->assessments[0].by, "region-n");
	OK(&f, hx_assess(&FX_RN, 30, "shop-x", SVC_SHOP_OUTCOME_END));
	CHECK_INT(h->stage, SVC_SHOP_ENDED);
	CHECK_STR(h->reason, "考核不合格");

	/* enrolled without the stages: HQ's probation names the region */
	fold_state g = {0};
	c = *hx_stage(&FX_HQ, 40, "shop-y", SVC_SHOP_PROBATION);
	REJ(&g, &c, "shop shop-y: no record; stage probation needs the application first");
	FX_COPY(c.u.shop_stage.region, "region-n");
	OK(&g, &c);
	CHECK(g.st.h.direct);
	CHECK_STR(g.st.h.region, "region-n");
	CHECK_INT(g.st.h.stage, SVC_SHOP_PROBATION);

	/* a review that refuses ends the record */
	fold_state r = {0};
	OK(&r, hx_apply(&FX_RN, 50, "shop-z"));
	c = *hx_stage(&FX_RN, 51, "shop-z", SVC_SHOP_REVIEWED);
	c.u.shop_stage.refused = true;
	FX_COPY(c.u.shop_stage.reason, "场地不符");
	OK(&r, &c);
	CHECK_INT(r.st.h.stage, SVC_SHOP_ENDED);
	REJ(&r, hx_stage(&FX_HQ, 52, "shop-z", SVC_SHOP_TECH_REVIEWED),
	    "shop shop-z: stage is ended; tech_reviewed follows reviewed");
}

int main(void)
{
	test_names();
	test_node_ids();
	test_phones();
	test_text();
	test_part_numbers();
	test_dates();
	test_warranty();
	test_ids();
	test_agg_types();
	test_fold_cmp();
	test_validate_common();
	test_validate_ticket();
	test_validate_catalog();
	test_validate_move();
	test_claim_ceiling_policy();
	test_validate_claim();
	test_validate_node();
	test_authorize_matrix();
	test_authorize_reasons();
	test_ticket_life();
	test_ticket_cancel();
	test_claim_life();
	test_claim_resubmit();
	test_transfer();
	test_catalog_and_moves();
	test_stock_effects();
	test_node();
	test_policy_rules();
	test_ticket_policy();
	test_override_rules();
	test_customer();
	test_complaint_rules();
	test_shop_rules();
	test_charge_rules();
	test_claim_lines();
	test_labor_rules();
	test_oldpart_rules();
	return svc_test_done();
}
