/*
 * test_access: the table of keys that may connect, over hand-made
 * directories: a known key, an unknown one, a revoked node, an expired
 * certificate (at a rebuild and between rebuilds), a superseded key, a key
 * two nodes hold, nodes two levels down and beyond, and what a rebuild
 * reports as gone.
 */
#include "svc_access.h"
#include "svc_crypto.h"
#include "svc_err.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1700000000000ULL
#define DAY (24ULL * 3600 * 1000)

static svc_node make_node(const char *node, const char *upstream, const svc_keypair *kp)
{
	svc_node n;
	memset(&n, 0, sizeof n);
	snprintf(n.node, sizeof n.node, "%s", node);
	snprintf(n.upstream, sizeof n.upstream, "%s", upstream);
	memcpy(n.pubkey, kp->pk, SVC_PK_LEN);
	n.not_before = NOW - DAY;
	n.not_after = NOW + DAY;
	n.serial = 1;
	return n;
}

static void curve_of(const svc_keypair *kp, uint8_t pk[32])
{
	CHECK_INT(svc_curve_public(kp->pk, pk), 0);
}

/* Who pk connects as at `now` ("" when refused; the reason into why). */
static const char *who(const svc_access *a, const svc_keypair *kp, uint64_t now, char *why,
                       size_t len)
{
	static char node[SVC_ID_LEN];
	uint8_t pk[32];
	curve_of(kp, pk);
	why[0] = '\0';
	node[0] = '\0';
	if (svc_access_lookup(a, pk, now, node, why, len) != 0) {
		CHECK(why[0] != '\0');
		node[0] = '\0';
	}
	return node;
}

struct gone {
	char nodes[8][SVC_ID_LEN];
	size_t n;
};

static void gone_fn(const char *node, void *arg)
{
	struct gone *g = arg;
	if (g->n < 8)
		snprintf(g->nodes[g->n++], SVC_ID_LEN, "%s", node);
}

static size_t drain(svc_access *a, struct gone *g)
{
	memset(g, 0, sizeof *g);
	svc_access_drain_gone(a, gone_fn, g);
	return g->n;
}

int main(void)
{
	svc_keypair *k_reg = NULL, *k_shop = NULL, *k_far = NULL, *k_other = NULL, *k_new = NULL,
	            *k_stranger = NULL;
	if (svc_crypto_init() || svc_keypair_new(&k_reg) || svc_keypair_new(&k_shop) ||
	    svc_keypair_new(&k_far) || svc_keypair_new(&k_other) || svc_keypair_new(&k_new) ||
	    svc_keypair_new(&k_stranger))
		return 2;
	svc_access *a = NULL;
	char why[256];
	struct gone g;
	CHECK_INT(svc_access_new(&a), 0);

	/* An empty table admits nobody. */
	CHECK_STR(who(a, k_shop, NOW, why, sizeof why), "");
	CHECK_INT(svc_access_count(a), 0);
	CHECK_INT(svc_access_expiry(a), 0);

	/* HQ's view: a region below it, a shop below the region (two levels
	 * down: may connect to HQ directly), a shop below that shop (three
	 * levels: may not), and a shop of another tree. */
	printf("known and unknown keys\n");
	svc_node dir[5];
	dir[0] = make_node("region-e", "hq", k_reg);
	dir[1] = make_node("shop-a", "region-e", k_shop);
	dir[2] = make_node("shop-x", "shop-a", k_far);
	dir[3] = make_node("shop-o", "region-w", k_other); /* region-w not in the directory */
	dir[4] = make_node("hq", "", k_new);               /* this node itself: never a client */
	dir[1].not_after = NOW + 2 * DAY;
	CHECK_INT(svc_access_rebuild(a, dir, 5, "hq", NOW), 0);
	CHECK_STR(who(a, k_reg, NOW, why, sizeof why), "region-e");
	CHECK_STR(who(a, k_shop, NOW, why, sizeof why), "shop-a");
	CHECK_STR(who(a, k_far, NOW, why, sizeof why), "");
	CHECK_STR(why, "no valid certificate for this key with this node upstream");
	CHECK_STR(who(a, k_other, NOW, why, sizeof why), "");
	CHECK_STR(who(a, k_new, NOW, why, sizeof why), ""); /* itself */
	CHECK_STR(who(a, k_stranger, NOW, why, sizeof why), "");
	CHECK_STR(why, "no valid certificate for this key with this node upstream");
	CHECK_INT(svc_access_count(a), 2);
	CHECK(svc_access_admits(a, "region-e"));
	CHECK(svc_access_admits(a, "shop-a"));
	CHECK(!svc_access_admits(a, "shop-x"));
	CHECK_INT(svc_access_expiry(a), NOW + DAY);
	CHECK_INT(drain(a, &g), 0);

	/* The region's own view: only what hangs directly below it, or one
	 * level further. */
	svc_access *r = NULL;
	CHECK_INT(svc_access_new(&r), 0);
	CHECK_INT(svc_access_rebuild(r, dir, 5, "region-e", NOW), 0);
	CHECK_STR(who(r, k_shop, NOW, why, sizeof why), "shop-a");
	CHECK_STR(who(r, k_far, NOW, why, sizeof why), "shop-x");
	CHECK_STR(who(r, k_reg, NOW, why, sizeof why), "");
	svc_access_destroy(&r);
	svc_access_destroy(&r); /* safe twice */
	CHECK(r == NULL);

	/* A certificate not valid yet admits nobody. */
	printf("validity\n");
	CHECK(!svc_access_may_connect("hq", &dir[0], NULL, dir[0].not_before - 1));
	CHECK(svc_access_may_connect("hq", &dir[0], NULL, dir[0].not_before));
	CHECK(svc_access_may_connect("hq", &dir[0], NULL, dir[0].not_after));
	CHECK(!svc_access_may_connect("hq", &dir[0], NULL, dir[0].not_after + 1));
	/* Two levels down needs the upstream's entry, and that entry must be
	 * the upstream's. */
	CHECK(!svc_access_may_connect("hq", &dir[1], NULL, NOW));
	CHECK(svc_access_may_connect("hq", &dir[1], &dir[0], NOW));
	CHECK(!svc_access_may_connect("hq", &dir[1], &dir[3], NOW));

	/* Expired between rebuilds: refused at the handshake already. */
	printf("expired certificate\n");
	CHECK_STR(who(a, k_reg, NOW + DAY, why, sizeof why), "region-e");
	CHECK_STR(who(a, k_reg, NOW + DAY + 1, why, sizeof why), "");
	CHECK_STR(why, "the certificate of region-e has expired");
	/* The next rebuild takes it out, and says so. shop-a, two levels
	 * down, stays: what counts for it is where its upstream hangs in the
	 * directory, not whether the upstream's own certificate still runs. */
	CHECK_INT(svc_access_rebuild(a, dir, 5, "hq", NOW + DAY + 1), 0);
	CHECK_STR(who(a, k_reg, NOW + DAY + 1, why, sizeof why), "");
	CHECK_STR(why, "no valid certificate for this key with this node upstream");
	CHECK(!svc_access_admits(a, "region-e"));
	CHECK_STR(who(a, k_shop, NOW + DAY + 1, why, sizeof why), "shop-a");
	CHECK_INT(svc_access_expiry(a), NOW + 2 * DAY);
	CHECK_INT(drain(a, &g), 1);
	CHECK_STR(g.nodes[0], "region-e");
	CHECK_INT(drain(a, &g), 0); /* drained */

	/* Revoked: out at the next rebuild, and gone. */
	printf("revoked\n");
	CHECK_INT(svc_access_rebuild(a, dir, 5, "hq", NOW), 0);
	CHECK_INT(drain(a, &g), 0);
	dir[1].revoked = true;
	CHECK_INT(svc_access_rebuild(a, dir, 5, "hq", NOW), 0);
	CHECK_STR(who(a, k_shop, NOW, why, sizeof why), "");
	CHECK(!svc_access_admits(a, "shop-a"));
	CHECK_STR(who(a, k_reg, NOW, why, sizeof why), "region-e");
	CHECK_INT(drain(a, &g), 1);
	CHECK_STR(g.nodes[0], "shop-a");
	dir[1].revoked = false;

	/* Superseded: a new certificate with a new key. The old key is
	 * refused, the node is still admitted (with its new key), and it is
	 * reported gone so that connections made with the old key close. */
	printf("superseded key\n");
	CHECK_INT(svc_access_rebuild(a, dir, 5, "hq", NOW), 0);
	CHECK_INT(drain(a, &g), 0);
	memcpy(dir[1].pubkey, k_new->pk, SVC_PK_LEN);
	dir[1].serial = 2;
	CHECK_INT(svc_access_rebuild(a, dir, 5, "hq", NOW), 0);
	CHECK_STR(who(a, k_shop, NOW, why, sizeof why), "");
	CHECK_STR(who(a, k_new, NOW, why, sizeof why), "shop-a");
	CHECK(svc_access_admits(a, "shop-a"));
	CHECK_INT(drain(a, &g), 1);
	CHECK_STR(g.nodes[0], "shop-a");

	/* One key certified for two valid nodes admits neither, says why,
	 * and ends the sessions the key had. */
	printf("a key two nodes hold\n");
	memcpy(dir[0].pubkey, k_new->pk, SVC_PK_LEN);
	CHECK_INT(svc_access_rebuild(a, dir, 5, "hq", NOW), 0);
	CHECK_STR(who(a, k_new, NOW, why, sizeof why), "");
	CHECK(strstr(why, "certified for two nodes") != NULL);
	CHECK(strstr(why, "region-e") != NULL && strstr(why, "shop-a") != NULL);
	CHECK(!svc_access_admits(a, "shop-a"));
	CHECK(!svc_access_admits(a, "region-e"));
	/* Both: region-e's own key left the table, shop-a's is now shared. */
	CHECK_INT(drain(a, &g), 2);
	CHECK(strcmp(g.nodes[0], g.nodes[1]) != 0);
	CHECK(strcmp(g.nodes[0], "shop-a") == 0 || strcmp(g.nodes[0], "region-e") == 0);
	CHECK(strcmp(g.nodes[1], "shop-a") == 0 || strcmp(g.nodes[1], "region-e") == 0);
	/* One of the two revoked: the other is admitted again. */
	dir[0].revoked = true;
	CHECK_INT(svc_access_rebuild(a, dir, 5, "hq", NOW), 0);
	CHECK_STR(who(a, k_new, NOW, why, sizeof why), "shop-a");
	CHECK_INT(drain(a, &g), 0);

	/* An empty directory empties the table; everyone left is gone. */
	CHECK_INT(svc_access_rebuild(a, NULL, 0, "hq", NOW), 0);
	CHECK_INT(svc_access_count(a), 0);
	CHECK_INT(svc_access_expiry(a), 0);
	CHECK_INT(drain(a, &g), 1);
	CHECK_STR(g.nodes[0], "shop-a");

	svc_access_destroy(&a);
	svc_keypair_destroy(&k_reg);
	svc_keypair_destroy(&k_shop);
	svc_keypair_destroy(&k_far);
	svc_keypair_destroy(&k_other);
	svc_keypair_destroy(&k_new);
	svc_keypair_destroy(&k_stranger);
	return svc_test_done();
}
