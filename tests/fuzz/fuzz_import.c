/*
 * fuzz_import: the JSONL ticket import (`svcsync import --kind ticket`).
 *
 * The input is a JSONL file. Each non-blank line goes through what the CLI
 * does on its checking pass: jansson's json_loadb with duplicate keys
 * refused, a flat object of at most 32 string-or-null members, the member ->
 * ticket-field mapping, and svc_local_ticket_body in a read transaction.
 * Every line is checked at all three roles (shop-a, region-e and hq: each
 * routes a ticket differently and consults its directory differently).
 *
 * Invariant: a body svc_local_ticket_body accepts is one the node can
 * actually append, so a change carrying it must encode.
 *
 * The CLI's own line parser (tools/cli/cli_import.c: flat_parse, a fast path
 * that hands anything unusual to jansson, then line_parse and to_fields) is
 * static to the CLI; until it is callable from here this target applies the
 * same jansson parse and field mapping, so the library side of the path is
 * covered but the CLI's fast path is not.
 */
#include "fuzz.h"
#include "fuzz_net.h"

#include "svc_codec.h"
#include "svc_local.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define MAX_MEMBERS 32 /* as the CLI */

static fuzz_node net[FUZZ_NNODES];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_net_create("import", net);
	return 0;
}

/* Members -> ticket fields, as the CLI maps them; -1 for a member that is
 * not a ticket field or whose value is not a string or null. Values point
 * into root. */
static int to_fields(json_t *root, svc_ticket_fields *f)
{
	static const char *const names[] = {"kind",   "customer",  "phone", "address", "product",
	                                    "serial", "purchased", "fault", "shop",    "region"};
	const char **slots[] = {&f->kind,   &f->customer,  &f->phone, &f->address, &f->product,
	                        &f->serial, &f->purchased, &f->fault, &f->shop,    &f->region};
	const char *key;
	json_t *v;
	size_t n = 0;

	_Static_assert(sizeof names / sizeof names[0] == sizeof slots / sizeof slots[0],
	               "one slot per field name");
	memset(f, 0, sizeof *f);
	if (!json_is_object(root))
		return -1;
	json_object_foreach(root, key, v)
	{
		size_t i = 0;

		if (++n > MAX_MEMBERS || (!json_is_string(v) && !json_is_null(v)))
			return -1;
		while (i < sizeof names / sizeof names[0] && strcmp(key, names[i]) != 0)
			i++;
		if (i == sizeof names / sizeof names[0])
			return -1;
		*slots[i] = json_is_string(v) ? json_string_value(v) : NULL;
	}
	return 0;
}

/* The body must be one the node can send. */
static void check_encodes(const fuzz_node *n, const svc_ticket_open *body)
{
	static svc_change c;
	static uint8_t buf[SVC_CHANGE_MAX];
	size_t len;

	memset(&c, 0, sizeof c);
	snprintf(c.origin, sizeof c.origin, "%s", n->id);
	c.seq = 1;
	c.hlc = 1;
	snprintf(c.aggregate, sizeof c.aggregate, "T-%s-1", n->id);
	c.origin_role = n->role;
	snprintf(c.origin_region, sizeof c.origin_region, "%s", n->region);
	c.kind = SVC_CK_TICKET_OPEN;
	c.u.ticket_open = *body;
	FUZZ_CHECK(svc_codec_change_encode(&c, buf, sizeof buf, &len) == 0);
}

static void check_line(svc_txn *t[FUZZ_NNODES], const char *line, size_t len)
{
	static svc_ticket_open body;
	svc_ticket_fields f;
	json_error_t je;
	json_t *root;
	size_t i = 0;

	while (i < len && strchr(" \t\r\n", line[i]))
		i++;
	if (i == len)
		return; /* blank lines carry nothing */
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return;
	if (to_fields(root, &f) == 0)
		for (int k = 0; k < FUZZ_NNODES; k++)
			if (svc_local_ticket_body(t[k], &f, &body) == 0)
				check_encodes(&net[k], &body);
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	svc_txn *t[FUZZ_NNODES];

	for (int k = 0; k < FUZZ_NNODES; k++)
		FUZZ_CHECK(svc_txn_begin(net[k].s, false, &t[k]) == 0);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;

		check_line(t, p, (size_t)(next - p));
		p = next;
	}
	for (int k = 0; k < FUZZ_NNODES; k++)
		svc_txn_abort(&t[k]);
	return 0;
}
