/*
 * test_ranges: seqs, lsns and clocks at the ends of their ranges.
 *
 * A seq lies in 1..SVC_SEQ_MAX (svc_types.h). A change outside is refused
 * before it touches the store; one at the very end is stored, and the
 * loops that walk an origin's seqs (verify) cost what is stored, never the
 * distance between seqs: a store that holds seq 1 and seq 2^53 - 1 of one
 * origin verifies at once. A node that has used every seq, or whose clock
 * has reached its end, refuses a new local write with a reason instead of
 * wrapping around to seq 0 or an HLC of 0.
 *
 * verify runs under an alarm: before these ranges existed it walked every
 * seq up to the head and never finished.
 */
#include "rules_fixture.h"
#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_apply.h"
#include "svc_sync.h"
#include "testlib.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static svc_store *make_store(const char *dir, const char *node, uint32_t role)
{
	svc_self self;
	memset(&self, 0, sizeof self);
	snprintf(self.node, sizeof self.node, "%s", node);
	self.role = role;
	return svc_test_store(dir, &self);
}

/* Apply one change as if it arrived (origin trusted), in its own
 * transaction; returns svc_apply_remote's result. */
static int arrive(svc_store *s, const svc_change *c)
{
	uint8_t buf[SVC_CHANGE_MAX], hash[SVC_HASH_LEN];
	size_t len = 0;
	svc_txn *t = NULL;
	int rc = svc_codec_change_encode(c, buf, sizeof buf, &len);
	CHECK_INT(rc, 0);
	if (rc)
		return rc;
	CHECK_INT(svc_txn_begin(s, true, &t), 0);
	rc = svc_apply_remote(t, buf, len, c, true, false, hash);
	if (rc < 0)
		svc_txn_abort(&t);
	else
		CHECK_INT(svc_txn_commit(&t), 0);
	return rc;
}

static bool errmsg_has(const char *sub)
{
	bool yes = strstr(svc_errmsg(), sub) != NULL;
	if (!yes)
		fprintf(stderr, "  error was: %s (wanted %s)\n", svc_errmsg(), sub);
	return yes;
}

static void test_seq_range(const char *base)
{
	char dir[SVC_PATH_MAX];
	svc_change c;
	svc_verify_report r;
	svc_store *s;

	snprintf(dir, sizeof dir, "%s/hq", base);
	s = make_store(dir, "hq", SVC_ROLE_HQ);
	if (!s)
		return;

	/* Outside the range: refused, naming the field. */
	fx_head(&c, &FX_SA, UINT64_MAX, FX_HLC(1, 0));
	fx_open(&c, "shop-a", "region-n");
	CHECK(arrive(s, &c) < 0);
	CHECK(errmsg_has("seq: 18446744073709551615 is outside 1..9007199254740991"));
	fx_head(&c, &FX_SA, SVC_SEQ_MAX + 1, FX_HLC(1, 0));
	fx_open(&c, "shop-a", "region-n");
	CHECK(arrive(s, &c) < 0);
	CHECK(errmsg_has("seq: 9007199254740992 is outside"));
	fx_head(&c, &FX_SA, 1, SVC_HLC_MAX + 1);
	fx_open(&c, "shop-a", "region-n");
	CHECK(arrive(s, &c) < 0);
	CHECK(errmsg_has("hlc: 9223372036854775808 is outside"));

	/* The first and the last seq of an origin: both stored. */
	fx_head(&c, &FX_SA, 1, FX_HLC(1, 0));
	fx_open(&c, "shop-a", "region-n");
	CHECK_INT(arrive(s, &c), 0);
	fx_head(&c, &FX_SA, SVC_SEQ_MAX, FX_HLC(2, 0));
	fx_open(&c, "shop-a", "region-n");
	memset(c.prev_hash, 7, sizeof c.prev_hash); /* its predecessor is not here */
	CHECK_INT(arrive(s, &c), 0);

	/* verify walks what is stored: two changes, the rest counted as a
	 * gap. Under an alarm, so a walk over every seq fails the test. */
	alarm(30);
	CHECK_INT(svc_sync_verify(s, &r), 0);
	alarm(0);
	CHECK_INT(r.origins, 1);
	CHECK_INT(r.changes, 2);
	CHECK(r.gaps == SVC_SEQ_MAX - 2);
	CHECK_INT(r.bad_hash, 0);
	CHECK_INT(r.broken_chain, 0);
	svc_store_close(&s);
}

static void test_local_exhausted(const char *base)
{
	char dir[SVC_PATH_MAX];
	svc_change c;
	svc_txn *t = NULL;
	svc_store *s;

	snprintf(dir, sizeof dir, "%s/hq-full", base);
	s = make_store(dir, "hq", SVC_ROLE_HQ);
	if (!s)
		return;
	/* This node's own last seq, as a restored or hostile store may hold. */
	fx_head(&c, &FX_HQ, SVC_SEQ_MAX, FX_HLC(1, 0));
	fx_catalog(&c, "P-1", "Compressor", 100);
	CHECK_INT(arrive(s, &c), 0);
	fx_catalog(&c, "P-2", "Fan", 200);
	CHECK_INT(svc_txn_begin(s, true, &t), 0);
	CHECK(svc_apply_local(t, &c) < 0);
	CHECK(errmsg_has("node hq has used every seq (9007199254740991)"));
	svc_txn_abort(&t);
	svc_store_close(&s);

	/* A clock at its end is not wrapped to 0: the write is refused. */

	snprintf(dir, sizeof dir, "%s/hq-clock", base);
	s = make_store(dir, "hq", SVC_ROLE_HQ);
	if (!s)
		return;
	fx_head(&c, &FX_SA, 1, SVC_HLC_MAX);
	fx_open(&c, "shop-a", "region-n");
	CHECK_INT(arrive(s, &c), 0);
	memset(&c, 0, sizeof c);
	fx_catalog(&c, "P-3", "Pump", 300);
	CHECK_INT(svc_txn_begin(s, true, &t), 0);
	CHECK(svc_apply_local(t, &c) < 0);
	CHECK(errmsg_has("the clock is at its end"));
	svc_txn_abort(&t);
	svc_store_close(&s);
}

int main(void)
{
	char *base = svc_test_tmpdir("ranges");
	CHECK_INT(svc_crypto_init(), 0);
	test_seq_range(base);
	test_local_exhausted(base);
	svc_test_rmdir(base);
	free(base);
	return svc_test_done();
}
