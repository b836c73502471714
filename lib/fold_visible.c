/*
 * fold_visible: each record kind's visibility rule, named by its entry in
 * the fold's kind table (svc_fold.h, member visible).
 *
 * Separate from the rules files because a rule here reads this node's
 * current state (the directory, the ticket as folded now), which the pure
 * transition rules may never do, and from the sync layer, which owns only
 * what holds for every kind (nothing goes back to the subtree it came from,
 * everything goes up) and asks the kind for the rest. Read isolation is
 * DESIGN.md section 5: a shop gets tickets assigned to it (with their
 * earlier history when it gains one), its own claims, moves at its
 * location, transfers to or from it, the catalog, and the directory entries
 * of HQ, the regions and its own region; a region gets everything of its
 * region.
 */
#include "fold_visible.h"

#include "svc_err.h"
#include "svc_journal.h"

#include <string.h>

/* Is `node` the region R itself or a node of region R? */
static bool in_region(svc_txn *t, const char *node, const char *region)
{
	svc_node n;
	if (strcmp(node, region) == 0)
		return true;
	bool yes = svc_fold_node_get(t, node, &n) == 0 && strcmp(n.region, region) == 0;
	svc_errclear();
	return yes;
}

/* A location (stock) is visible to the peer: its own, or in its region. */
static bool location_visible(svc_txn *t, const svc_fold_peer *pv, const char *loc)
{
	if (pv->role == SVC_ROLE_SHOP)
		return strcmp(loc, pv->node) == 0;
	return in_region(t, loc, pv->node);
}

bool svc_fold_visible_catalog(svc_txn *t, const svc_fold_peer *p, const svc_change *c)
{
	(void)t;
	(void)p;
	(void)c;
	return true;
}

/* policy */
bool svc_fold_visible_everyone(svc_txn *t, const svc_fold_peer *p, const svc_change *c)
{
	(void)t;
	(void)p;
	(void)c;
	return true;
}

bool svc_fold_visible_node(svc_txn *t, const svc_fold_peer *pv, const svc_change *c)
{
	svc_node n;
	const char *node = c->aggregate + 2; /* "N:<node>" */
	if (svc_fold_node_get(t, node, &n) != 0) {
		svc_errclear();
		return false;
	}
	if (n.role == SVC_ROLE_HQ || n.role == SVC_ROLE_REGION)
		return true;
	const char *peer_region = pv->role == SVC_ROLE_SHOP ? pv->region : pv->node;
	return strcmp(n.node, pv->node) == 0 || strcmp(n.region, peer_region) == 0;
}

/* Did the ticket's history ever assign it to `shop`? */
struct assigned_arg {
	const char *shop;
	bool yes;
};

static int assigned_step(const svc_logged_change *lc, void *argp)
{
	struct assigned_arg *a = argp;
	const svc_change *c = &lc->c;
	/* A change the fold rejected never gave anyone the ticket. */
	if (lc->rejected)
		return 0;
	if ((c->kind == SVC_CK_TICKET_ASSIGN && strcmp(c->u.ticket_assign.shop, a->shop) == 0) ||
	    (c->kind == SVC_CK_TICKET_OPEN && strcmp(c->u.ticket_open.shop, a->shop) == 0)) {
		a->yes = true;
		return 1;
	}
	return 0;
}

bool svc_fold_visible_ticket(svc_txn *t, const svc_fold_peer *pv, const svc_change *c)
{
	svc_ticket tk;
	bool have = svc_fold_ticket_get(t, c->aggregate, &tk) == 0;
	svc_errclear();
	if (pv->role == SVC_ROLE_REGION)
		return have ? strcmp(tk.region, pv->node) == 0
		            : c->kind == SVC_CK_TICKET_OPEN &&
		                  strcmp(c->u.ticket_open.region, pv->node) == 0;
	if (have && (strcmp(tk.shop, pv->node) == 0 || strcmp(tk.opened_by, pv->node) == 0))
		return true;
	/* A shop that held the ticket hears that it was re-assigned away. */
	if (c->kind == SVC_CK_TICKET_ASSIGN) {
		struct assigned_arg a = {pv->node, false};
		svc_journal_agg_each(t, c->aggregate, assigned_step, &a);
		return a.yes;
	}
	return false;
}

bool svc_fold_visible_claim(svc_txn *t, const svc_fold_peer *pv, const svc_change *c)
{
	svc_claim cl;
	if (svc_fold_claim_get(t, c->aggregate, &cl) != 0) {
		svc_errclear();
		return false;
	}
	return pv->role == SVC_ROLE_SHOP ? strcmp(cl.shop, pv->node) == 0
	                                 : strcmp(cl.region, pv->node) == 0;
}

bool svc_fold_visible_transfer(svc_txn *t, const svc_fold_peer *pv, const svc_change *c)
{
	svc_transfer x;
	if (svc_fold_transfer_get(t, c->aggregate, &x) != 0) {
		svc_errclear();
		return false;
	}
	return location_visible(t, pv, x.source) || location_visible(t, pv, x.dest);
}

bool svc_fold_visible_move(svc_txn *t, const svc_fold_peer *pv, const svc_change *c)
{
	return location_visible(t, pv, c->u.part_move.location);
}

/* customer: a shop receives a customer file or product unit only with a
 * ticket of its own that refers to it (assigned to it, or opened by it), or
 * to a file merged into it; a region those created in its region, and
 * anything its shops' tickets refer to. The tickets are found through the
 * ticket index, not a scan. */
struct refers_arg {
	svc_txn *t;
	const svc_fold_peer *pv;
	bool yes;
};

static int refers_step(const char *value, const char *agg, void *argp)
{
	struct refers_arg *a = argp;
	svc_ticket tk;
	(void)value;
	if (svc_fold_ticket_get(a->t, agg, &tk) != 0) {
		svc_errclear();
		return 0;
	}
	if (a->pv->role == SVC_ROLE_REGION
	        ? strcmp(tk.region, a->pv->node) == 0
	        : strcmp(tk.shop, a->pv->node) == 0 || strcmp(tk.opened_by, a->pv->node) == 0) {
		a->yes = true;
		return 1;
	}
	return 0;
}

static bool record_visible(svc_txn *t, const svc_fold_peer *pv, const char *index, const char *id,
                           const char *region)
{
	if (pv->role == SVC_ROLE_REGION && region && strcmp(region, pv->node) == 0)
		return true;
	struct refers_arg a = {t, pv, false};
	if (svc_fold_index_each(t, index, id, false, refers_step, &a) < 0)
		svc_errclear();
	return a.yes;
}

/* A survivor goes to a shop that may receive a file merged into it: the
 * shop serves the same person, and its merged file points there. The
 * merged files are found through the merged index, a few entries per
 * group; the depth bound guards against a damaged store. */
struct merged_arg {
	svc_txn *t;
	const svc_fold_peer *pv;
	const char *tickets; /* the ticket index of the kind */
	int depth;
	bool yes;
};

static int merged_step(const char *value, const char *agg, void *argp)
{
	struct merged_arg *a = argp;
	(void)value;
	if (record_visible(a->t, a->pv, a->tickets, agg, NULL)) {
		a->yes = true;
		return 1;
	}
	if (a->depth < 8) {
		struct merged_arg sub = *a;
		sub.depth++;
		if (svc_fold_index_each(a->t,
		                        strcmp(a->tickets, SVC_INDEX_TICKET_UNIT) == 0
		                            ? SVC_INDEX_UNIT_MERGED
		                            : SVC_INDEX_CUSTOMER_MERGED,
		                        agg, false, merged_step, &sub) < 0)
			svc_errclear();
		if (sub.yes) {
			a->yes = true;
			return 1;
		}
	}
	return 0;
}

static bool survivor_visible(svc_txn *t, const svc_fold_peer *pv, const char *merged_index,
                             const char *tickets, const char *id)
{
	struct merged_arg a = {t, pv, tickets, 0, false};
	if (pv->role != SVC_ROLE_SHOP)
		return false;
	if (svc_fold_index_each(t, merged_index, id, false, merged_step, &a) < 0)
		svc_errclear();
	return a.yes;
}

bool svc_fold_visible_customer(svc_txn *t, const svc_fold_peer *pv, const svc_change *c)
{
	svc_customer cu;
	bool have = svc_fold_customer_get(t, c->aggregate, &cu) == 0;
	svc_errclear();
	return record_visible(t, pv, SVC_INDEX_TICKET_CUSTOMER, c->aggregate,
	                      have ? cu.region : NULL) ||
	       survivor_visible(t, pv, SVC_INDEX_CUSTOMER_MERGED, SVC_INDEX_TICKET_CUSTOMER,
	                        c->aggregate);
}

bool svc_fold_visible_unit(svc_txn *t, const svc_fold_peer *pv, const svc_change *c)
{
	svc_unit u;
	bool have = svc_fold_unit_get(t, c->aggregate, &u) == 0;
	svc_errclear();
	return record_visible(t, pv, SVC_INDEX_TICKET_UNIT, c->aggregate, have ? u.region : NULL) ||
	       survivor_visible(t, pv, SVC_INDEX_UNIT_MERGED, SVC_INDEX_TICKET_UNIT, c->aggregate);
}

/* policy: an exception goes to its region and to the shop it names (the one
 * to open the return or exchange), and up to HQ like everything. */
bool svc_fold_visible_override(svc_txn *t, const svc_fold_peer *pv, const svc_change *c)
{
	const svc_ticket_override *b = &c->u.ticket_override;
	(void)t;
	if (pv->role == SVC_ROLE_HQ)
		return true;
	if (pv->role == SVC_ROLE_REGION)
		return strcmp(b->region, pv->node) == 0;
	return b->shop[0] && strcmp(b->shop, pv->node) == 0;
}

/* complaints: HQ and the complaint's region get all of it; the shop it is
 * about gets its substance, status and finding, never the investigation
 * notes (nor the customer's file, which travels with tickets only); other
 * shops nothing. The shop's own statements go up like everything. */
bool svc_fold_visible_complaint(svc_txn *t, const svc_fold_peer *pv, const svc_change *c)
{
	svc_complaint k;
	const char *region, *shop;
	bool have = svc_fold_complaint_get(t, c->aggregate, &k) == 0;
	svc_errclear();
	if (have) {
		region = k.region;
		shop = k.shop;
	} else if (c->kind == SVC_CK_COMPLAINT_OPEN) {
		region = c->u.complaint_open.region;
		shop = c->u.complaint_open.shop;
	} else {
		return pv->role == SVC_ROLE_HQ;
	}
	switch (pv->role) {
	case SVC_ROLE_HQ:
		return true;
	case SVC_ROLE_REGION:
		return strcmp(region, pv->node) == 0;
	default:
		return c->kind != SVC_CK_COMPLAINT_NOTE && shop[0] && strcmp(shop, pv->node) == 0;
	}
}

/* old parts: the shop that ships them, its region and HQ; every step names
 * the record's shop and region (a refused first step leaves no state, and
 * still names them). */
bool svc_fold_visible_oldpart(svc_txn *t, const svc_fold_peer *pv, const svc_change *c)
{
	svc_old_part op;
	bool have = svc_fold_oldpart_get(t, c->aggregate, &op) == 0;
	svc_errclear();
	const char *shop = have ? op.shop : c->u.old_part.shop;
	const char *region = have ? op.region : c->u.old_part.region;
	switch (pv->role) {
	case SVC_ROLE_HQ:
		return true;
	case SVC_ROLE_REGION:
		return strcmp(region, pv->node) == 0;
	default:
		return strcmp(shop, pv->node) == 0;
	}
}
/* the shop's ledger: a statement is the shop's (its id names it), seen by
 * its region and by the shop itself, never by another shop. */
bool svc_fold_visible_statement(svc_txn *t, const svc_fold_peer *pv, const svc_change *c)
{
	char shop[SVC_ID_LEN];
	uint32_t month;
	if (!svc_rules_statement_parse(c->aggregate, shop, &month))
		return pv->role == SVC_ROLE_HQ;
	switch (pv->role) {
	case SVC_ROLE_HQ:
		return true;
	case SVC_ROLE_REGION:
		return in_region(t, shop, pv->node);
	default:
		return strcmp(shop, pv->node) == 0;
	}
}

/* shops: HQ and the shop's region get its record; the shop itself gets its
 * own (once it is enrolled, it sees its file and its assessments); other
 * shops nothing. The region of a record is its application's, or for a
 * shop enrolled directly the one its first stage names. */
bool svc_fold_visible_shop(svc_txn *t, const svc_fold_peer *pv, const svc_change *c)
{
	svc_shop h;
	const char *region = "";
	const char *shop = c->aggregate + 2;
	bool have = strncmp(c->aggregate, "H:", 2) == 0 && svc_fold_shop_get(t, shop, &h) == 0;
	svc_errclear();
	if (have)
		region = h.region;
	else if (c->kind == SVC_CK_SHOP_PUT)
		region = c->u.shop_put.region;
	else if (c->kind == SVC_CK_SHOP_STAGE)
		region = c->u.shop_stage.region;
	switch (pv->role) {
	case SVC_ROLE_HQ:
		return true;
	case SVC_ROLE_REGION:
		return region[0] && strcmp(region, pv->node) == 0;
	default:
		return strcmp(shop, pv->node) == 0;
	}
}
