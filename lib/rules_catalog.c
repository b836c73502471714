/*
 * rules_catalog: a part in HQ's parts catalog (part_no, name, unit price).
 *
 * Only HQ writes the catalog (svc_rules_authorize), and a put states the whole
 * item, so there is nothing to merge: the last put in fold order wins. Two
 * HQ operators editing the same part at once therefore end with the later
 * one's version on every node, and both puts stay in the log. The one
 * exception is the return_old flag (old parts): a put that does not name it
 * keeps what the part had, so puts from before the flag, and price changes,
 * never clear it.
 */
#include "rules_impl.h"

#include "svc_err.h"

#include <string.h>

static int catalog_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_catalog_item *it = state;
	if (c->kind != SVC_CK_CATALOG_PUT)
		return svc_rules_wrong_kind("catalog", c, reason, len);
	const svc_catalog_put *b = &c->u.catalog_put;
	/* old parts: a put that does not name the flag keeps it */
	bool return_old = exists && it->return_old;
	if (b->return_old != SVC_RETURN_OLD_KEEP)
		return_old = b->return_old == SVC_RETURN_OLD_YES;
	memset(it, 0, sizeof *it);
	SVC_COPY(it->part_no, b->part_no);
	SVC_COPY(it->name, b->name);
	it->price = b->price;
	it->return_old = return_old;
	svc_rules_set_last(&it->last, c);
	return 0;
}

const svc_rules svc_rules_catalog = {
    .name = "catalog",
    .state_size = sizeof(svc_catalog_item),
    .step = catalog_step,
};
