/*
 * svc_apply: the pipeline every change takes into a store. See svc_apply.h
 * for the steps; this file holds the ones that need more than one module
 * (the certificate step, the authorization that reads other aggregates) and
 * the order they run in. Separate from the fold, which judges a change at
 * its place in order and nothing else, and from the journal, which records
 * whatever it is given.
 */
#include "svc_apply.h"

#include "store_kv.h"
#include "svc_cert.h"
#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_operator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * A region dispatches tickets only to shops of its own region (DESIGN.md
 * section 5: a region acts within its region). svc_local refuses such a
 * write at the region; this refuses the same change arriving replicated.
 * The directory decides: a node that does not know the shop (a shop that
 * has not received that certificate yet) cannot judge and lets it pass,
 * except HQ, which issued every certificate and so knows every shop of a
 * region it certified (a store fed changes of uncertified origins, with
 * trust_unknown, has no directory to judge by).
 */
static int authorize_dispatch(svc_txn *t, const svc_change *c)
{
	const char *shop = NULL;
	if (c->origin_role != SVC_ROLE_REGION)
		return 0;
	if (c->kind == SVC_CK_TICKET_ASSIGN)
		shop = c->u.ticket_assign.shop;
	else if (c->kind == SVC_CK_TICKET_OPEN)
		shop = c->u.ticket_open.shop;
	if (!shop || !shop[0])
		return 0;
	svc_fold f = svc_fold_store(t);
	svc_node n;
	svc_self self;
	char nagg[SVC_AGG_LEN];
	bool have;
	svc_rules_node_agg(nagg, shop);
	int rc = svc_fold_load(&f, SVC_AGG_NODE, nagg, &n, &have);
	if (rc)
		return rc;
	if (!have) {
		rc = svc_self_get(t, &self);
		if (rc)
			return rc;
		if (self.role != SVC_ROLE_HQ)
			return 0;
		svc_rules_node_agg(nagg, c->origin);
		rc = svc_fold_load(&f, SVC_AGG_NODE, nagg, &n, &have);
		if (rc || !have)
			return rc;
		return svc_errf(SVC_EDENIED,
		                "region %s may not give ticket %s to %s (no such shop)", c->origin,
		                c->aggregate, shop);
	}
	if (n.role != SVC_ROLE_SHOP)
		return svc_errf(SVC_EDENIED,
		                "region %s may not give ticket %s to %s (a %s, not a shop)",
		                c->origin, c->aggregate, shop, svc_role_name(n.role));
	if (strcmp(n.region, c->origin) != 0)
		return svc_errf(SVC_EDENIED,
		                "region %s may not give ticket %s to %s (a shop of region %s)",
		                c->origin, c->aggregate, shop, n.region);
	return 0;
}

/*
 * Authorization that needs another aggregate's state, for local and
 * replicated changes alike: a shop may claim only for a ticket assigned to
 * it (else any shop that guessed a ticket id could take its claim, which is
 * named after the ticket); a region dispatches only to its own shops.
 */
static int authorize_state(svc_txn *t, const svc_change *c)
{
	int rc = authorize_dispatch(t, c);
	if (rc || c->kind != SVC_CK_CLAIM_SUBMIT)
		return rc;
	svc_ticket tk;
	bool have;
	svc_fold f = svc_fold_store(t);
	rc = svc_fold_load(&f, SVC_AGG_TICKET, c->u.claim_submit.ticket, &tk, &have);
	if (rc)
		return rc;
	if (!have)
		return svc_errf(SVC_EDENIED, "claim %s: unknown ticket %s", c->aggregate,
		                c->u.claim_submit.ticket);
	if (strcmp(tk.shop, c->origin) != 0)
		return svc_errf(SVC_EDENIED, "claim %s: ticket %s is assigned to %s, not to %s",
		                c->aggregate, tk.id, tk.shop[0] ? tk.shop : "no shop", c->origin);
	return 0;
}
static int encode_and_hash(const svc_change *c, uint8_t *buf, size_t *len,
                           uint8_t hash[SVC_HASH_LEN])
{
	int rc = svc_codec_change_encode(c, buf, SVC_CHANGE_MAX, len);
	if (rc)
		return rc;
	svc_hash(buf, *len, hash);
	return 0;
}

/* What snprintf(dst, cap, "%s", src) does, without parsing a format on
 * every local write (a bulk import fills three fields per change). */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

int svc_apply_local(svc_txn *t, svc_change *c)
{
	svc_self self;
	uint8_t buf[SVC_CHANGE_MAX], hash[SVC_HASH_LEN];
	char reason[SVC_REASON_LEN];
	size_t len;
	uint64_t head;
	int rc;

	svc_kv_journal_cache *j = svc_kv_journal(t);
	svc_fold f = svc_fold_store(t);

	if ((rc = svc_txn_err(t)))
		return rc;
	rc = svc_self_get(t, &self);
	if (!rc && !j->writes_allowed) {
		/* Once per transaction: a bulk import asks once. */
		rc = svc_restore_refusal(t);
		j->writes_allowed = rc == 0;
	}
	if (rc)
		return rc;
	copy_str(c->origin, sizeof c->origin, self.node);
	c->origin_role = self.role;
	copy_str(c->origin_region, sizeof c->origin_region, self.region);
	copy_str(c->operator, sizeof c->operator, svc_operator_get());
	rc = svc_journal_head_get(t, self.node, &head, c->prev_hash);
	if (rc)
		return rc;
	if (head >= SVC_SEQ_MAX)
		return svc_errf(SVC_ETOOBIG, "node %s has used every seq (%llu)", self.node,
		                (unsigned long long)head);
	c->seq = head + 1;
	rc = svc_journal_hlc_next(t, &c->hlc);
	if (rc)
		return rc;
	/* Aggregates named after the change that creates them (a ticket, a
	 * transfer) can only be named once seq is known, which is here. */
	if (c->kind == SVC_CK_TICKET_OPEN)
		svc_rules_ticket_id(c->aggregate, c->origin, c->seq);
	else if (c->kind == SVC_CK_PART_MOVE && c->u.part_move.kind == SVC_MV_TRANSFER_OUT)
		svc_rules_transfer_id(c->aggregate, c->origin, c->seq);
	/* customer: a new customer file or product unit (a put with no
	 * record named yet) */
	else if (c->kind == SVC_CK_CUSTOMER_PUT && !c->aggregate[0])
		svc_rules_customer_id(c->aggregate, c->origin, c->seq);
	else if (c->kind == SVC_CK_UNIT_PUT && !c->aggregate[0])
		svc_rules_unit_id(c->aggregate, c->origin, c->seq);
	/* complaints */
	else if (c->kind == SVC_CK_COMPLAINT_OPEN)
		svc_rules_complaint_id(c->aggregate, c->origin, c->seq);

	rc = svc_rules_validate(c, reason, sizeof reason);
	if (rc)
		return svc_errf(SVC_EINVAL, "%s", reason);
	rc = svc_rules_authorize(c, reason, sizeof reason);
	if (rc)
		return svc_errf(SVC_EDENIED, "%s", reason);
	rc = authorize_state(t, c);
	if (rc)
		return rc;
	rc = encode_and_hash(c, buf, &len, hash);
	if (rc)
		return rc;

	/* Fold first: a rejected local write must leave nothing behind. The
	 * fold's puts and the log's puts share the transaction, so the order
	 * does not matter for atomicity. */
	rc = svc_fold_change(&f, c, true, reason, sizeof reason);
	if (rc)
		return rc;
	rc = svc_journal_put(t, c, buf, len, hash);
	if (rc)
		return rc;
	svc_journal_head_set(t, c->origin, c->seq, hash, c->seq);
	return svc_txn_err(t);
}

/*
 * A certificate is the directory's word that a key may speak for a node, and
 * authorization only says the origin may issue one: a replicated certificate
 * must also carry HQ's signature, checked against the HQ key this node
 * accepted at enrollment (HQ's own at HQ).
 */
static int apply_cert_check(svc_txn *t, const svc_change *c)
{
	svc_self self;
	if (c->kind != SVC_CK_NODE_CERT)
		return 0;
	int rc = svc_self_get(t, &self);
	if (rc && rc != SVC_ENOTFOUND)
		return rc;
	if (rc || !self.enrolled)
		return svc_errf(
		    SVC_EDENIED,
		    "change %s/%llu: cannot verify certificate: this node has no HQ key yet",
		    c->origin, (unsigned long long)c->seq);
	rc = svc_cert_verify(&c->u.node_cert, self.hq_pubkey, NULL);
	if (rc)
		return svc_errctx(rc, "change %s/%llu", c->origin, (unsigned long long)c->seq);
	return 0;
}

/* The HQ node id this store trusts ("" before enrollment). */
static const char *self_hq(svc_txn *t)
{
	svc_self self;
	if (svc_self_get(t, &self) || !self.enrolled)
		return "";
	return svc_kv_self(t)->hq_node;
}

/* ------------------------------------------------------------ own changes coming back */

/* The aggregates the moved changes touched, to be folded again once they
 * have all left. */
struct moved_set {
	svc_txn *t;
	svc_fold f;
	char (*aggs)[SVC_AGG_LEN];
	svc_agg_type *types;
	size_t n, cap;
};

static int moved_one(const svc_change *c, bool rejected, void *arg)
{
	struct moved_set *m = arg;
	if (!rejected)
		svc_fold_effects(&m->f, c, -1);
	svc_agg_type type = svc_rules_agg_type(c);
	const svc_fold_kind *k = svc_fold_kind_of(type);
	if (!k || k->state_size == 0)
		return svc_txn_err(m->t);
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->aggs[i], c->aggregate) == 0)
			return svc_txn_err(m->t);
	if (m->n == m->cap) {
		size_t n = m->cap ? m->cap * 2 : 16;
		void *a2 = realloc(m->aggs, n * sizeof *m->aggs);
		if (a2)
			m->aggs = a2;
		void *t2 = a2 ? realloc(m->types, n * sizeof *m->types) : NULL;
		if (t2)
			m->types = t2;
		if (!a2 || !t2)
			return svc_txn_fail(m->t, svc_errf(SVC_ENOMEM, "out of memory"));
		m->cap = n;
	}
	snprintf(m->aggs[m->n], SVC_AGG_LEN, "%s", c->aggregate);
	m->types[m->n++] = type;
	return svc_txn_err(m->t);
}

/*
 * Move this node's own changes `from`..head out of the log into the replay
 * table (see "Restores" in svc_journal_restore.c), taking their stock effects back
 * and folding the aggregates they touched again without them. The caller
 * stores the network's change for `from` next, in the same transaction.
 */
static int replay_keep(svc_txn *t, const char *origin, uint64_t from)
{
	struct moved_set m;
	memset(&m, 0, sizeof m);
	m.t = t;
	m.f = svc_fold_store(t);
	int rc = svc_journal_replay_move(t, origin, from, moved_one, &m);
	for (size_t i = 0; !rc && i < m.n; i++)
		rc = svc_fold_refold(&m.f, m.types[i], m.aggs[i]);
	free(m.aggs);
	free(m.types);
	return rc;
}

int svc_apply_remote(svc_txn *t, const uint8_t *bytes, size_t len, const svc_change *c,
                     bool trust_unknown, bool hashed, uint8_t hash[SVC_HASH_LEN])
{
	char reason[SVC_REASON_LEN];
	uint8_t head_hash[SVC_HASH_LEN], have[SVC_HASH_LEN];
	uint64_t head, contig;
	svc_fold f = svc_fold_store(t);
	int rc;

	if ((rc = svc_txn_err(t)))
		return rc;
	if (!hashed)
		svc_hash(bytes, len, hash);

	/* Already here? Same bytes: a no-op. Other bytes: a forged or forked
	 * history for that (origin, seq). */
	rc = svc_journal_change_hash(t, c->origin, c->seq, have);
	if (rc == 0 && memcmp(have, hash, SVC_HASH_LEN) == 0)
		return 1;
	if (rc == 0) {
		/* This node's own change, sent back while it catches up after a
		 * restore: the network's is its real history, the local one
		 * re-used the seq. (Only then: the caller checked the change
		 * against a commit signed with this node's key.) */
		svc_self self;
		bool own = svc_kv_own_returns(t) && svc_self_get(t, &self) == 0 &&
		           strcmp(c->origin, self.node) == 0;
		if (!own) {
			if ((rc = svc_txn_err(t)))
				return rc;
			return svc_errf(SVC_ECRYPTO,
			                "fork: %s/%llu held here with a different hash", c->origin,
			                (unsigned long long)c->seq);
		}
		rc = svc_restore_diverged(t, c->seq);
		if (!rc)
			rc = replay_keep(t, c->origin, c->seq);
		if (rc)
			return rc;
		rc = SVC_ENOTFOUND;
	}
	if (rc != SVC_ENOTFOUND)
		return rc;

	/* Chain: when the previous change of the origin is here, this one
	 * must name its hash. (A filtered receiver may lack it; then the
	 * commit header vouches for the change.) */
	if (c->seq > 1) {
		rc = svc_journal_head_load(t, c->origin, &head, head_hash, &contig);
		if (rc)
			return rc;
		if (head == c->seq - 1)
			memcpy(have, head_hash, SVC_HASH_LEN);
		else
			rc = svc_journal_change_hash(t, c->origin, c->seq - 1, have);
		if (rc == 0) {
			if (memcmp(have, c->prev_hash, SVC_HASH_LEN) != 0)
				return svc_errf(SVC_ECRYPTO,
				                "change %s/%llu does not chain to %s/%llu",
				                c->origin, (unsigned long long)c->seq, c->origin,
				                (unsigned long long)(c->seq - 1));
		} else if (rc != SVC_ENOTFOUND) {
			return rc;
		}
	} else {
		static const uint8_t zero[SVC_HASH_LEN];
		if (memcmp(c->prev_hash, zero, SVC_HASH_LEN) != 0)
			return svc_errf(SVC_ECRYPTO, "change %s/1 has a predecessor hash",
			                c->origin);
	}

	/* The claimed role and region must be the origin's certified ones. */
	svc_node n;
	char nagg[SVC_AGG_LEN];
	bool known;
	svc_rules_node_agg(nagg, c->origin);
	rc = svc_fold_load(&f, SVC_AGG_NODE, nagg, &n, &known);
	if (rc)
		return rc;
	if (known) {
		if (n.role != c->origin_role || strcmp(n.region, c->origin_region) != 0)
			return svc_errf(SVC_EDENIED,
			                "change %s/%llu claims role %s region '%s', certificate "
			                "says %s region '%s'",
			                c->origin, (unsigned long long)c->seq,
			                svc_role_name(c->origin_role), c->origin_region,
			                svc_role_name(n.role), n.region);
		/* A certificate past its validity is treated as a revocation
		 * at not_after: what the node stamped later is refused. HQ's
		 * own is exempt: its key is the root this node pinned. */
		if (n.not_after && svc_hlc_ms(c->hlc) > n.not_after &&
		    strcmp(c->origin, self_hq(t)) != 0) {
			char when[32];
			time_t sec = (time_t)(n.not_after / 1000);
			struct tm tm;
			if (!gmtime_r(&sec, &tm) ||
			    !strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm))
				snprintf(when, sizeof when, "%llu ms",
				         (unsigned long long)n.not_after);
			return svc_errf(SVC_EDENIED,
			                "change %s/%llu: certificate of %s (serial %llu) expired "
			                "at %s",
			                c->origin, (unsigned long long)c->seq, c->origin,
			                (unsigned long long)n.serial, when);
		}
	} else if (strcmp(c->origin, self_hq(t)) == 0) {
		/* HQ is the root of trust this node accepted at enrollment:
		 * its changes (its own certificate first) need no entry. */
		if (c->origin_role != SVC_ROLE_HQ || c->origin_region[0])
			return svc_errf(SVC_EDENIED,
			                "change %s/%llu claims to be HQ's but not as hq", c->origin,
			                (unsigned long long)c->seq);
	} else if (!trust_unknown) {
		return svc_errf(SVC_EDENIED, "change %s/%llu: unknown origin %s (no certificate)",
		                c->origin, (unsigned long long)c->seq, c->origin);
	}

	rc = svc_rules_validate(c, reason, sizeof reason);
	if (rc)
		return svc_errf(SVC_EINVAL, "change %s/%llu: %s", c->origin,
		                (unsigned long long)c->seq, reason);
	rc = svc_rules_authorize(c, reason, sizeof reason);
	if (rc)
		return svc_errf(SVC_EDENIED, "change %s/%llu: %s", c->origin,
		                (unsigned long long)c->seq, reason);
	rc = authorize_state(t, c);
	if (rc)
		return svc_errctx(rc, "change %s/%llu", c->origin, (unsigned long long)c->seq);
	rc = apply_cert_check(t, c);
	if (rc)
		return rc;

	rc = svc_journal_put(t, c, bytes, len, hash);
	if (rc)
		return rc;
	rc = svc_journal_head_load(t, c->origin, &head, head_hash, &contig);
	if (rc)
		return rc;
	if (c->seq == contig + 1) {
		/* Close the gap as far as the stored changes reach: a
		 * filtered receiver may later be sent what it lacked. */
		uint8_t h2[SVC_HASH_LEN];
		contig = c->seq;
		while (contig < head && svc_journal_change_hash(t, c->origin, contig + 1, h2) == 0)
			contig++;
		if ((rc = svc_txn_err(t)))
			return rc;
	}
	if (c->seq > head)
		svc_journal_head_set(t, c->origin, c->seq, hash, contig);
	else
		svc_journal_head_set(t, c->origin, head, head_hash, contig);
	svc_journal_hlc_observe(t, c->hlc);
	rc = svc_fold_change(&f, c, false, reason, sizeof reason);
	return rc ? rc : svc_txn_err(t);
}
