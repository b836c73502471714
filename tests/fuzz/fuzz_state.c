/*
 * fuzz_state: materialized state as read back from LMDB.
 *
 * The store only ever holds what the codec wrote, but a damaged disk, a
 * restored backup or a hand-edited copy can hold anything, and reading a
 * ticket must then fail with SVC_EDECODE rather than crash the daemon. Every
 * input goes through every state decoder; whatever decodes must encode
 * again and decode to the same value.
 */
#include "fuzz.h"

#include "svc_codec.h"

#include <string.h>

static uint8_t buf[SVC_STATE_MAX];

/* Decode, and if that works, encode and decode again to the same bytes of
 * struct. The decoders zero their output first, so padding compares equal. */
#define ROUNDTRIP(type, name)                                                                      \
	static void name##_roundtrip(const uint8_t *data, size_t size)                             \
	{                                                                                          \
		static type v, again;                                                              \
		size_t len;                                                                        \
		if (svc_codec_##name##_decode(data, size, &v) != 0)                                \
			return;                                                                    \
		FUZZ_CHECK(svc_codec_##name##_encode(&v, buf, sizeof buf, &len) == 0);             \
		FUZZ_CHECK(svc_codec_##name##_decode(buf, len, &again) == 0);                      \
		FUZZ_CHECK(memcmp(&v, &again, sizeof v) == 0);                                     \
	}

ROUNDTRIP(svc_ticket, ticket)
ROUNDTRIP(svc_claim, claim)
ROUNDTRIP(svc_transfer, transfer)
ROUNDTRIP(svc_catalog_item, catalog)
ROUNDTRIP(svc_node, node)
ROUNDTRIP(svc_stock, stock)
/* policy */
ROUNDTRIP(svc_policy, policy)
ROUNDTRIP(svc_grade_item, grade)
ROUNDTRIP(svc_model, model)
ROUNDTRIP(svc_fault_code, fault_code)
ROUNDTRIP(svc_override, override)
/* customer */
ROUNDTRIP(svc_customer, customer)
ROUNDTRIP(svc_unit, unit)
/* complaints */
ROUNDTRIP(svc_complaint, complaint)
/* old parts */
ROUNDTRIP(svc_old_part, old_part)
/* the shop's ledger */
ROUNDTRIP(svc_statement, statement)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ticket_roundtrip(data, size);
	claim_roundtrip(data, size);
	transfer_roundtrip(data, size);
	catalog_roundtrip(data, size);
	node_roundtrip(data, size);
	stock_roundtrip(data, size);
	/* policy */
	policy_roundtrip(data, size);
	grade_roundtrip(data, size);
	model_roundtrip(data, size);
	fault_code_roundtrip(data, size);
	override_roundtrip(data, size);
	customer_roundtrip(data, size);
	unit_roundtrip(data, size);
	complaint_roundtrip(data, size);
	old_part_roundtrip(data, size);
	statement_roundtrip(data, size);
	return 0;
}
