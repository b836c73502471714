/*
 * rules_catalog: a part in HQ's parts catalog (part_no, name, unit price).
 *
 * Only HQ writes the catalog (svc_rules_authorize), and a put states the whole
 * item, so there is nothing to merge: the last put in fold order wins. Two
 * HQ operators editing the same part at once therefore end with the later
 * one's version on every node, and both puts stay in the log.
 *
 * A part's price history (catalog.price: a price from a day on) is kept on
 * the item, oldest first, one entry per day: a put keeps it, and a second
 * price for the same day replaces the first in fold order. The other
 * exception to a put stating everything is the return_old flag (old parts): a put that does not
 * name it keeps what the part had, so puts from before the flag, and price changes, never clear it.
 */
#include "rules_impl.h"

#include "svc_err.h"

#include <string.h>

/* price history: insert or replace the entry of the change's day */
static int price_step(svc_catalog_item *it, bool exists, const svc_change *c, char *reason,
                      size_t len)
{
	const svc_catalog_price *b = &c->u.catalog_price;
	if (!exists)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "part %s: not in the catalog (add it before its prices)",
		                      b->part_no);
	uint32_t n = it->nprices <= SVC_PRICES_MAX ? it->nprices : SVC_PRICES_MAX;
	uint32_t i = 0;
	while (i < n && it->prices[i].from < b->from)
		i++;
	if (i == n || it->prices[i].from != b->from) {
		if (n == SVC_PRICES_MAX)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "part %s: %d prices in its history already, the most "
			                      "there may be",
			                      b->part_no, SVC_PRICES_MAX);
		memmove(&it->prices[i + 1], &it->prices[i], (n - i) * sizeof it->prices[0]);
		it->nprices = ++n;
	}
	it->prices[i].from = b->from;
	it->prices[i].price = b->price;
	svc_rules_set_last(&it->last, c);
	return 0;
}

static int catalog_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_catalog_item *it = state;
	if (c->kind == SVC_CK_CATALOG_PRICE)
		return price_step(it, exists, c, reason, len);
	if (c->kind != SVC_CK_CATALOG_PUT)
		return svc_rules_wrong_kind("catalog", c, reason, len);
	const svc_catalog_put *b = &c->u.catalog_put;
	svc_catalog_item keep = {0};
	if (exists) {
		keep.nprices = it->nprices;
		memcpy(keep.prices, it->prices, sizeof keep.prices);
	}
	/* old parts: a put that does not name the flag keeps it */
	bool return_old = exists && it->return_old;
	if (b->return_old != SVC_RETURN_OLD_KEEP)
		return_old = b->return_old == SVC_RETURN_OLD_YES;
	memset(it, 0, sizeof *it);
	SVC_COPY(it->part_no, b->part_no);
	SVC_COPY(it->name, b->name);
	it->price = b->price;
	it->nprices = keep.nprices;
	memcpy(it->prices, keep.prices, sizeof it->prices);
	it->return_old = return_old;
	svc_rules_set_last(&it->last, c);
	return 0;
}

const svc_rules svc_rules_catalog = {
    .name = "catalog",
    .state_size = sizeof(svc_catalog_item),
    .step = catalog_step,
};
