/*
 * svc_access: the table of keys that may connect. See svc_access.h.
 *
 * The table is an array sorted by CURVE key. Each rebuild makes a new one
 * from a copy of the directory, then compares it with the old one to find
 * the nodes whose key went away: ZAP's User-Id names the node, not the key,
 * so that is what the caller needs to close their connections.
 */
#include "svc_access.h"

#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_fold.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	uint8_t curve_pk[SVC_CURVE_KEY_LEN];
	char node[SVC_ID_LEN];
	uint64_t not_after; /* the certificate's end: checked again at each handshake */
	bool shared;        /* certified for `other` too: admits neither */
	char other[SVC_ID_LEN];
} access_entry;

struct svc_access {
	access_entry *v;
	size_t n;
	uint64_t expiry; /* earliest not_after in the table (0: none) */
	char (*gone)[SVC_ID_LEN];
	size_t ngone;
};

int svc_access_new(svc_access **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? 0 : svc_errf(SVC_ENOMEM, "out of memory");
}

void svc_access_destroy(svc_access **ap)
{
	svc_access *a = ap ? *ap : NULL;
	if (!a)
		return;
	free(a->v);
	free(a->gone);
	free(a);
	*ap = NULL;
}

bool svc_access_may_connect(const char *self, const svc_node *n, const svc_node *up,
                            uint64_t now_ms)
{
	if (n->revoked || now_ms < n->not_before || now_ms > n->not_after)
		return false;
	if (strcmp(n->upstream, self) == 0)
		return true;
	/* One level further down: a node whose upstream hangs below self. */
	return n->upstream[0] && up && strcmp(up->node, n->upstream) == 0 &&
	       strcmp(up->upstream, self) == 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return memcmp(((const access_entry *)a)->curve_pk, ((const access_entry *)b)->curve_pk,
	              SVC_CURVE_KEY_LEN);
}

static int node_ptr_cmp(const void *a, const void *b)
{
	return strcmp((*(const svc_node *const *)a)->node, (*(const svc_node *const *)b)->node);
}

static const svc_node *find_node(const svc_node *const *idx, size_t n, const char *node)
{
	svc_node key;
	const svc_node *kp = &key;
	snprintf(key.node, sizeof key.node, "%s", node);
	const svc_node *const *hit = n ? bsearch(&kp, idx, n, sizeof *idx, node_ptr_cmp) : NULL;
	return hit ? *hit : NULL;
}

static const access_entry *find_key(const access_entry *v, size_t n,
                                    const uint8_t pk[SVC_CURVE_KEY_LEN])
{
	access_entry key;
	memcpy(key.curve_pk, pk, SVC_CURVE_KEY_LEN);
	return n ? bsearch(&key, v, n, sizeof key, entry_cmp) : NULL;
}

/* Remember the nodes of `old` whose key is not in `now` for the same node. */
static int note_gone(svc_access *a, const access_entry *now, size_t nnow)
{
	for (size_t i = 0; i < a->n; i++) {
		const access_entry *o = &a->v[i];
		if (o->shared)
			continue; /* it admitted nobody */
		const access_entry *e = find_key(now, nnow, o->curve_pk);
		if (e && !e->shared && strcmp(e->node, o->node) == 0)
			continue;
		char(*g)[SVC_ID_LEN] = realloc(a->gone, (a->ngone + 1) * sizeof *g);
		if (!g)
			return svc_errf(SVC_ENOMEM, "out of memory");
		a->gone = g;
		snprintf(a->gone[a->ngone++], SVC_ID_LEN, "%s", o->node);
	}
	return 0;
}

int svc_access_rebuild(svc_access *a, const svc_node *dir, size_t n, const char *self,
                       uint64_t now_ms)
{
	const svc_node **idx = n ? malloc(n * sizeof *idx) : NULL;
	access_entry *v = n ? malloc(n * sizeof *v) : NULL;
	size_t nv = 0;
	uint64_t expiry = 0;
	if (n && (!idx || !v)) {
		free(idx);
		free(v);
		return svc_errf(SVC_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = &dir[i];
	if (n)
		qsort(idx, n, sizeof *idx, node_ptr_cmp);
	for (size_t i = 0; i < n; i++) {
		const svc_node *e = &dir[i];
		const svc_node *up = e->upstream[0] ? find_node(idx, n, e->upstream) : NULL;
		if (!svc_access_may_connect(self, e, up, now_ms))
			continue;
		if (svc_curve_public(e->pubkey, v[nv].curve_pk)) {
			svc_errclear();
			continue; /* not a key CURVE can use: it can never connect */
		}
		snprintf(v[nv].node, SVC_ID_LEN, "%s", e->node);
		v[nv].not_after = e->not_after;
		v[nv].shared = false;
		v[nv].other[0] = '\0';
		if (!expiry || e->not_after < expiry)
			expiry = e->not_after;
		nv++;
	}
	free(idx);
	if (nv)
		qsort(v, nv, sizeof *v, entry_cmp);
	/* One entry per key: a key two nodes hold is kept, marked, so that a
	 * handshake with it is refused with the reason. */
	size_t w = 0;
	for (size_t i = 0; i < nv; i++) {
		if (w && memcmp(v[w - 1].curve_pk, v[i].curve_pk, SVC_CURVE_KEY_LEN) == 0) {
			if (!v[w - 1].shared)
				snprintf(v[w - 1].other, SVC_ID_LEN, "%s", v[i].node);
			v[w - 1].shared = true;
			continue;
		}
		v[w++] = v[i];
	}
	int rc = note_gone(a, v, w);
	if (rc) {
		free(v);
		return rc;
	}
	free(a->v);
	a->v = v;
	a->n = w;
	a->expiry = expiry;
	return 0;
}

struct dir_copy {
	svc_node *v;
	size_t n, cap;
};

static int copy_step(const svc_node *n, void *arg)
{
	struct dir_copy *c = arg;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		svc_node *v = realloc(c->v, cap * sizeof *v);
		if (!v)
			return svc_errf(SVC_ENOMEM, "out of memory");
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = *n;
	return 0;
}

int svc_access_load(svc_access *a, svc_txn *t, const char *self, uint64_t now_ms)
{
	struct dir_copy c = {NULL, 0, 0};
	int rc = svc_fold_node_each(t, copy_step, &c);
	if (!rc)
		rc = svc_access_rebuild(a, c.v, c.n, self, now_ms);
	free(c.v);
	return rc;
}

int svc_access_lookup(const svc_access *a, const uint8_t pk[SVC_CURVE_KEY_LEN], uint64_t now_ms,
                      char node[SVC_ID_LEN], char *reason, size_t rlen)
{
	const access_entry *e = find_key(a->v, a->n, pk);
	if (!e) {
		snprintf(reason, rlen, "no valid certificate for this key with this node upstream");
		return -1;
	}
	if (e->shared) {
		snprintf(reason, rlen, "this key is certified for two nodes (%s and %s)", e->node,
		         e->other);
		return -1;
	}
	if (now_ms > e->not_after) {
		/* The table is rebuilt when a certificate ends, but a
		 * handshake may come first. */
		snprintf(reason, rlen, "the certificate of %s has expired", e->node);
		return -1;
	}
	snprintf(node, SVC_ID_LEN, "%s", e->node);
	return 0;
}

bool svc_access_admits(const svc_access *a, const char *node)
{
	for (size_t i = 0; i < a->n; i++)
		if (!a->v[i].shared && strcmp(a->v[i].node, node) == 0)
			return true;
	return false;
}

size_t svc_access_count(const svc_access *a)
{
	return a->n;
}

uint64_t svc_access_expiry(const svc_access *a)
{
	return a->expiry;
}

void svc_access_drain_gone(svc_access *a, void (*fn)(const char *node, void *arg), void *arg)
{
	for (size_t i = 0; i < a->ngone; i++)
		fn(a->gone[i], arg);
	a->ngone = 0;
}
