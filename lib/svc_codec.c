/*
 * svc_codec: svcsync values <-> protobuf bytes. See svc_codec.h.
 *
 * This is the one module that sees the protoc-c generated structs; everything
 * else speaks svc_types.h. It is not where records are judged: whether a
 * ticket kind exists, a node id is well formed or a transition is allowed is
 * for the rules and the directory. The codec only guarantees that a decoded
 * value fits the data model (every string fits its buffer, every hash, key
 * and signature has its exact length, every count is under its limit) so
 * the rest of the program can copy and compare it without further checks.
 *
 * A decode goes in four steps, and the order matters:
 *
 *  1. The size cap, before a byte is looked at, so a hostile peer cannot make
 *     protobuf-c allocate for a huge message.
 *  2. A walk over the wire format driven by the generated descriptors
 *     (wire_check). protobuf-c copies a string field into a NUL-terminated
 *     buffer and forgets its length, so "ab\0cd" would arrive as "ab" and two
 *     different byte strings would decode to the same value; nor does it check
 *     UTF-8, which proto3 requires. The walk sees every string's real bytes and
 *     refuses NUL and invalid UTF-8. It also refuses broken framing early,
 *     with a message that names the field, and bounds how many fields a
 *     message may hold (protobuf-c allocates for each one it sees).
 *  3. protobuf_c_message_unpack with the default allocator. The unpacked
 *     message is freed before the decoder returns, except for a protocol
 *     Envelope, which the svc_msg keeps until svc_msg_free.
 *  4. Meaning: copy into the fixed svc_types buffers, with the length and
 *     count checks the wire cannot express.
 *
 * Encoders build the protobuf-c structs on the stack, pointing at the
 * caller's buffers (no copy, and no allocation except the commit header's
 * hash list), and apply the same limits as the decoders: a change its origin
 * can encode but receivers refuse would break that origin's hash chain at
 * every receiver, so such a value is refused at the origin, where a user can
 * still be told. protobuf-c writes fields in field-number order and leaves
 * out proto3 defaults, so one value always gives the same bytes.
 *
 * Signed is parsed by hand instead of through protobuf-c, because its body
 * must be handed back as a pointer into the caller's buffer: the signature
 * covers those exact bytes, and copying them would only cost time.
 *
 * The protocol Envelope (HELLO, BATCH, ACK, PING, ERROR) is the one decoded
 * value that owns memory: changes and commits in a BATCH stay opaque blobs,
 * the original bytes that the apply step hashes and verifies.
 */
#include "svc_codec.h"
#include "svc_err.h"

#include "svcsync.pb-c.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * On the wire a field never takes more than twice its in-memory size (a
 * string of cap-1 bytes costs at most cap+2, a uint32 at most 6 bytes, an
 * int64 at most 11, a 32-byte key 34, a claim part about 64 of its 56). So a
 * valid value always fits its cap, and SVC_ETOOBIG from an encoder only ever
 * means the caller's buffer was too small.
 */
_Static_assert(2 * sizeof(svc_change) < SVC_CHANGE_MAX, "a valid change must fit SVC_CHANGE_MAX");
_Static_assert(2 * sizeof(svc_ticket) < SVC_STATE_MAX, "a valid ticket must fit SVC_STATE_MAX");
_Static_assert(2 * sizeof(svc_claim) < SVC_STATE_MAX, "a valid claim must fit SVC_STATE_MAX");
_Static_assert(2 * sizeof(svc_node) < SVC_STATE_MAX, "a valid node must fit SVC_STATE_MAX");
_Static_assert(2 * sizeof(svc_cert) < SVC_CERT_BODY_MAX, "a cert body must fit SVC_CERT_BODY_MAX");
_Static_assert(2 * sizeof(svc_bundle) < SVC_ENROLL_MAX, "a bundle must fit SVC_ENROLL_MAX");
/* Commit header: origin, two seqs, the hashes and prev_commit; wrapped in
 * Signed it gains a body tag and 3-byte length plus the signature field. */
_Static_assert((SVC_ID_LEN + 2) + 2 * 11 + SVC_COMMIT_CHANGES_MAX * (SVC_HASH_LEN + 2) +
                       (SVC_HASH_LEN + 2) + 4 + (SVC_SIG_LEN + 2) <=
                   SVC_COMMIT_MAX,
               "a full commit must fit SVC_COMMIT_MAX");
_Static_assert(SVC_COMMIT_MAX < (1 << 21), "Signed body length must fit a 3-byte varint");

/* Deep enough for the schema (Envelope > Hello > OriginHead, Change >
 * ClaimSubmit > ClaimPart); the schema has no recursive messages. */
#define WIRE_DEPTH_MAX 4
/* More fields than any message of the schema has (TicketState: 28). */
#define WIRE_FIELDS_MAX 40
/* Unknown fields plus repeats of singular fields, per decode. Honest
 * encoders write neither; a newer peer adds a few fields per message. */
#define WIRE_SLACK_MAX 1024

/* protobuf-c's structs hold char * and uint8_t * even when they are only
 * packed from; packing never writes through them. */
static char *unconst_str(const char *s)
{
	return (char *)(uintptr_t)s;
}

static uint8_t *unconst_bytes(const uint8_t *p)
{
	return (uint8_t *)(uintptr_t)p;
}

/* ------------------------------------------------------------ errors */

/*
 * The first error of a mapping, sticky: later checks do nothing, so a mapping
 * reads as a plain list of fields and the detail names the first bad one.
 */
struct chk {
	int rc;
};

static void chk_fail(struct chk *k, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void chk_fail(struct chk *k, int code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (k->rc)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	k->rc = svc_errf(code, "%s", msg);
}

static int bad_args(const char *fn)
{
	return svc_errf(SVC_EINVAL, "%s: NULL argument", fn);
}

/* ------------------------------------------------------------ strings */

/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past
 * U+10FFFF. NUL is valid UTF-8 and is refused separately. Every string of
 * every decode passes through here, so it is written for speed: ASCII runs
 * go eight bytes at a time and the three-byte form (all of CJK) comes first.
 */
static bool utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];

		if (c < 0x80) {
			uint64_t w;

			i++;
			while (n - i >= 8) {
				memcpy(&w, s + i, 8);
				if (w & 0x8080808080808080ULL)
					break;
				i += 8;
			}
		} else if ((c & 0xf0) == 0xe0) {
			if (n - i < 3 || (s[i + 1] & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80)
				return false;
			if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f))
				return false; /* overlong, or a UTF-16 surrogate */
			i += 3;
		} else if (c >= 0xc2 && c <= 0xdf) {
			if (n - i < 2 || (s[i + 1] & 0xc0) != 0x80)
				return false;
			i += 2;
		} else if (c >= 0xf0 && c <= 0xf4) {
			if (n - i < 4 || (s[i + 1] & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80 ||
			    (s[i + 3] & 0xc0) != 0x80)
				return false;
			if ((c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] > 0x8f))
				return false; /* overlong, or past U+10FFFF */
			i += 4;
		} else {
			return false; /* continuation byte, 0xc0, 0xc1 or 0xf5.. */
		}
	}
	return true;
}

/*
 * A string field for packing: s must be NUL-terminated inside its cap-byte
 * buffer and valid UTF-8, or the decoders would refuse what we write.
 */
static char *put_str(struct chk *k, const char *s, size_t cap, const char *what, const char *field)
{
	size_t n = strnlen(s, cap);

	if (n == cap) {
		chk_fail(k, SVC_EINVAL, "%s.%s: not NUL-terminated within %zu bytes", what, field,
		         cap);
		return unconst_str("");
	}
	if (!utf8_valid((const uint8_t *)s, n)) {
		chk_fail(k, SVC_EINVAL, "%s.%s: not valid UTF-8", what, field);
		return unconst_str("");
	}
	return unconst_str(s);
}

/* A decoded string into its fixed buffer. wire_check has already refused
 * embedded NULs, so strlen is the wire length. */
static void get_str(struct chk *k, char *dst, size_t cap, const char *src, const char *what,
                    const char *field)
{
	size_t n;

	if (k->rc)
		return;
	if (!src)
		src = "";
	n = strlen(src);
	if (n >= cap) {
		chk_fail(k, SVC_EDECODE, "%s.%s: %zu bytes, limit %zu", what, field, n, cap - 1);
		return;
	}
	memcpy(dst, src, n + 1);
}

/* dst and src must be arrays, never pointers: sizeof gives the limit. */
#define PUT_STR(k, src, what, field) put_str((k), (src), sizeof(src), (what), (field))
#define GET_STR(k, dst, src, what, field) get_str((k), (dst), sizeof(dst), (src), (what), (field))

/* ------------------------------------------------------------ bytes */

static ProtobufCBinaryData put_bytes(const uint8_t *p, size_t n)
{
	ProtobufCBinaryData b = {n, unconst_bytes(p)};
	return b;
}

/* Fixed-size fields (hashes, keys, signatures) are always written in full,
 * so a decoder accepts nothing but the exact length. */
static void get_fixed(struct chk *k, uint8_t *dst, size_t n, ProtobufCBinaryData b,
                      const char *what, const char *field)
{
	if (k->rc)
		return;
	if (b.len != n) {
		chk_fail(k, SVC_EDECODE, "%s.%s: %zu bytes, expected %zu", what, field, b.len, n);
		return;
	}
	memcpy(dst, b.data, n);
}

/* ------------------------------------------------------------ wire walk */

/* Reads a base-128 varint of at most 10 bytes. Returns the bytes used, or 0
 * when it is truncated or longer than any 64-bit value needs. */
static size_t varint_get(const uint8_t *p, size_t len, uint64_t *v)
{
	uint64_t x = 0;

	for (size_t i = 0; i < len && i < 10; i++) {
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = x;
			return i + 1;
		}
	}
	return 0;
}

/* The field path of a nested message ("change.claim_submit.parts"), kept
 * as a chain on the stack and only formatted when something is wrong. */
struct wpath {
	const struct wpath *up;
	const char *name;
};

static void wpath_fmt(const struct wpath *p, char *out, size_t cap)
{
	const char *names[WIRE_DEPTH_MAX + 2];
	size_t n = 0, used = 0;

	for (; p && n < sizeof names / sizeof names[0]; p = p->up)
		names[n++] = p->name;
	out[0] = '\0';
	while (n > 0) {
		int w;

		n--;
		w = snprintf(out + used, cap - used, "%s%s", used ? "." : "", names[n]);
		if (w < 0 || (size_t)w >= cap - used)
			break;
		used += (size_t)w;
	}
}

static int wire_err(const struct wpath *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int wire_err(const struct wpath *p, const char *fmt, ...)
{
	char path[160], msg[160];
	va_list ap;

	wpath_fmt(p, path, sizeof path);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return svc_errf(SVC_EDECODE, "%s: %s", path, msg);
}

/*
 * How many times a repeated field may occur in one message. protobuf-c
 * allocates for every occurrence before any check of ours can run, so the
 * limits are enforced during the walk. A repeated field missing here may not
 * occur at all: add its limit when the schema grows one.
 */
static size_t repeated_max(const ProtobufCMessageDescriptor *d, uint32_t field)
{
	if (d == &svcsync__claim_submit__descriptor && field == 4)
		return SVC_CLAIM_PARTS_MAX;
	if (d == &svcsync__claim_state__descriptor && field == 8)
		return SVC_CLAIM_PARTS_MAX;
	if (d == &svcsync__commit_header__descriptor && field == 4)
		return SVC_COMMIT_CHANGES_MAX;
	if (d == &svcsync__hello__descriptor && field == 6)
		return SVC_HELLO_HEADS_MAX;
	if (d == &svcsync__batch__descriptor && field == 3)
		return SVC_BATCH_CHANGES_MAX;
	if (d == &svcsync__batch__descriptor && field == 4)
		return SVC_BATCH_COMMITS_MAX;
	return 0;
}

/*
 * Walks one message's fields: framing must be sound, known string fields
 * must be NUL-free UTF-8, known message fields are walked in turn, repeated
 * fields stay under their limits.
 *
 * Unknown fields are skipped (proto3: a newer peer may add fields) and a wire
 * type that does not match a known field is left for protobuf-c to refuse.
 * But protobuf-c spends some 40 bytes and often a malloc on every field
 * occurrence, so a 32 MiB envelope of two-byte unknown or repeated singular
 * fields would cost the daemon a gigabyte. Those occurrences share one
 * budget per decode (*slack), which keeps a decode's memory within a small
 * factor of the largest valid message.
 */
static int wire_check(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len,
                      const struct wpath *path, int depth, size_t *slack)
{
	uint32_t seen[WIRE_FIELDS_MAX] = {0};
	size_t off = 0;

	if (d->n_fields > WIRE_FIELDS_MAX)
		return wire_err(path, "message type has more fields than the codec tracks");
	while (off < len) {
		const ProtobufCFieldDescriptor *f;
		uint64_t key, n;
		uint32_t num;
		unsigned wt;
		size_t used = varint_get(p + off, len - off, &key);

		if (!used)
			return wire_err(path, "malformed field key at byte %zu", off);
		off += used;
		wt = (unsigned)(key & 7);
		if (key >> 3 == 0 || key >> 3 > 0x1fffffff)
			return wire_err(path, "field number %" PRIu64 " out of range", key >> 3);
		num = (uint32_t)(key >> 3);
		f = protobuf_c_message_descriptor_get_field(d, num);
		if (f && f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t max = repeated_max(d, num);
			if (++seen[f - d->fields] > max) {
				struct wpath sub = {path, f->name};
				return wire_err(&sub, "more than %zu entries", max);
			}
		} else if (!f || ++seen[f - d->fields] > 1) {
			if (++*slack > WIRE_SLACK_MAX)
				return wire_err(path, "more than %d unknown or repeated fields",
				                WIRE_SLACK_MAX);
		}
		switch (wt) {
		case 0:
			used = varint_get(p + off, len - off, &n);
			if (!used)
				return wire_err(path, "field %" PRIu32 ": malformed varint", num);
			off += used;
			break;
		case 1:
		case 5: {
			size_t w = wt == 1 ? 8 : 4;
			if (len - off < w)
				return wire_err(path, "field %" PRIu32 ": truncated", num);
			off += w;
			break;
		}
		case 2: {
			struct wpath sub = {path, f ? f->name : "?"};

			used = varint_get(p + off, len - off, &n);
			if (!used)
				return wire_err(path, "field %" PRIu32 ": malformed length", num);
			off += used;
			if (n > len - off)
				return wire_err(f ? &sub : path,
				                "%s%" PRIu64 " bytes, only %zu left",
				                f ? "" : "unknown field, ", n, len - off);
			if (f && f->type == PROTOBUF_C_TYPE_STRING) {
				if (memchr(p + off, 0, (size_t)n))
					return wire_err(&sub, "contains a NUL byte");
				if (!utf8_valid(p + off, (size_t)n))
					return wire_err(&sub, "not valid UTF-8");
			} else if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
				int rc;

				if (depth >= WIRE_DEPTH_MAX)
					return wire_err(&sub, "nested too deep");
				rc = wire_check(f->descriptor, p + off, (size_t)n, &sub, depth + 1,
				                slack);
				if (rc)
					return rc;
			}
			off += (size_t)n;
			break;
		}
		default:
			return wire_err(path, "field %" PRIu32 ": wire type %u not supported", num,
			                wt);
		}
	}
	return 0;
}

/* ------------------------------------------------------------ pack / unpack */

static int pb_pack(const ProtobufCMessage *m, const char *what, size_t max, uint8_t *buf,
                   size_t cap, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(m);

	if (n > max)
		return svc_errf(SVC_ETOOBIG, "%s: %zu bytes encoded, limit %zu", what, n, max);
	if (n > cap)
		return svc_errf(SVC_ETOOBIG, "%s: %zu bytes encoded, buffer holds %zu", what, n,
		                cap);
	if (n && !buf)
		return bad_args(what);
	if (protobuf_c_message_pack(m, buf) != n)
		return svc_errf(SVC_EINVAL, "%s: protobuf-c packed an unexpected size", what);
	*len = n;
	return 0;
}

/* Size cap, wire walk, unpack. On success the caller owns *out and frees it
 * with pb_done. */
static int pb_unpack(const ProtobufCMessageDescriptor *d, const char *what, size_t max,
                     const uint8_t *buf, size_t len, ProtobufCMessage **out)
{
	static const uint8_t empty[1];
	struct wpath root = {NULL, what};
	size_t slack = 0;
	int rc;

	*out = NULL;
	if (len > max)
		return svc_errf(SVC_ETOOBIG, "%s: %zu bytes, limit %zu", what, len, max);
	if (!buf) {
		if (len)
			return bad_args(what);
		buf = empty;
	}
	rc = wire_check(d, buf, len, &root, 0, &slack);
	if (rc)
		return rc;
	*out = protobuf_c_message_unpack(d, NULL, len, buf);
	if (!*out)
		return svc_errf(SVC_EDECODE, "%s: not a valid %s message (or out of memory)", what,
		                d->short_name);
	return 0;
}

/* Frees the unpacked message; on error zeroes the half-filled output. */
static int pb_done(const struct chk *k, ProtobufCMessage *m, void *out, size_t size)
{
	protobuf_c_message_free_unpacked(m, NULL);
	if (k->rc)
		memset(out, 0, size);
	return k->rc;
}

/* ------------------------------------------------------------ shared pieces */

static void parts_to_pb(struct chk *k, const svc_claim_part *parts, uint32_t n, const char *what,
                        Svcsync__ClaimPart *pb, Svcsync__ClaimPart **pp)
{
	if (n > SVC_CLAIM_PARTS_MAX) {
		chk_fail(k, SVC_EINVAL, "%s.parts: %" PRIu32 " entries, limit %d", what, n,
		         SVC_CLAIM_PARTS_MAX);
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		char w[64];

		snprintf(w, sizeof w, "%s.parts[%" PRIu32 "]", what, i);
		svcsync__claim_part__init(&pb[i]);
		pb[i].part_no = PUT_STR(k, parts[i].part_no, w, "part_no");
		pb[i].qty = parts[i].qty;
		pb[i].unit_price = parts[i].unit_price;
		pb[i].amount = parts[i].amount;
		pp[i] = &pb[i];
	}
}

static void parts_from_pb(struct chk *k, Svcsync__ClaimPart *const *pp, size_t n, const char *what,
                          svc_claim_part *parts, uint32_t *nparts)
{
	if (k->rc)
		return;
	if (n > SVC_CLAIM_PARTS_MAX) {
		chk_fail(k, SVC_EDECODE, "%s.parts: %zu entries, limit %d", what, n,
		         SVC_CLAIM_PARTS_MAX);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char w[64];

		snprintf(w, sizeof w, "%s.parts[%zu]", what, i);
		GET_STR(k, parts[i].part_no, pp[i]->part_no, w, "part_no");
		parts[i].qty = pp[i]->qty;
		parts[i].unit_price = pp[i]->unit_price;
		parts[i].amount = pp[i]->amount;
	}
	*nparts = (uint32_t)n;
}

static void node_cert_to_pb(struct chk *k, const svc_node_cert *c, const char *what,
                            Svcsync__NodeCert *pb)
{
	svcsync__node_cert__init(pb);
	if (c->body_len > SVC_CERT_BODY_MAX) {
		chk_fail(k, SVC_EINVAL, "%s.body: %zu bytes, limit %d", what, c->body_len,
		         SVC_CERT_BODY_MAX);
		return;
	}
	pb->body = put_bytes(c->body, c->body_len);
	pb->signature = put_bytes(c->signature, SVC_SIG_LEN);
	pb->held_through = c->held_through;
}

static void node_cert_from_pb(struct chk *k, const Svcsync__NodeCert *pb, const char *what,
                              svc_node_cert *c)
{
	if (k->rc)
		return;
	if (pb->body.len > SVC_CERT_BODY_MAX) {
		chk_fail(k, SVC_EDECODE, "%s.body: %zu bytes, limit %d", what, pb->body.len,
		         SVC_CERT_BODY_MAX);
		return;
	}
	if (pb->body.len)
		memcpy(c->body, pb->body.data, pb->body.len);
	c->body_len = pb->body.len;
	get_fixed(k, c->signature, SVC_SIG_LEN, pb->signature, what, "signature");
	c->held_through = pb->held_through;
}

/* ------------------------------------------------------------ changes */

/* Storage for everything a Change points at while it is packed. */
struct change_pb {
	Svcsync__Change m;
	union {
		Svcsync__TicketOpen ticket_open;
		Svcsync__TicketAssign ticket_assign;
		Svcsync__TicketStatus ticket_status;
		Svcsync__TicketNote ticket_note;
		Svcsync__TicketCallback ticket_callback;
		Svcsync__CatalogPut catalog_put;
		Svcsync__PartMove part_move;
		Svcsync__ClaimSubmit claim_submit;
		Svcsync__ClaimDecide claim_decide;
		Svcsync__NodeCert node_cert;
		Svcsync__NodeRevoke node_revoke;
		Svcsync__QuarantineRelease quarantine_release;
	} b;
	Svcsync__ClaimPart parts[SVC_CLAIM_PARTS_MAX];
	Svcsync__ClaimPart *partp[SVC_CLAIM_PARTS_MAX];
};

static void ticket_open_to_pb(struct chk *k, const svc_ticket_open *o, Svcsync__TicketOpen *m)
{
	static const char w[] = "change.ticket_open";

	svcsync__ticket_open__init(m);
	m->kind = o->kind;
	m->customer = PUT_STR(k, o->customer, w, "customer");
	m->phone = PUT_STR(k, o->phone, w, "phone");
	m->address = PUT_STR(k, o->address, w, "address");
	m->product = PUT_STR(k, o->product, w, "product");
	m->serial = PUT_STR(k, o->serial, w, "serial");
	m->purchased = o->purchased;
	m->fault = PUT_STR(k, o->fault, w, "fault");
	m->region = PUT_STR(k, o->region, w, "region");
	m->shop = PUT_STR(k, o->shop, w, "shop");
}

static void part_move_to_pb(struct chk *k, const svc_part_move *o, Svcsync__PartMove *m)
{
	static const char w[] = "change.part_move";

	svcsync__part_move__init(m);
	m->kind = o->kind;
	m->location = PUT_STR(k, o->location, w, "location");
	m->part_no = PUT_STR(k, o->part_no, w, "part_no");
	m->qty = o->qty;
	m->ticket = PUT_STR(k, o->ticket, w, "ticket");
	m->transfer = PUT_STR(k, o->transfer, w, "transfer");
	m->peer = PUT_STR(k, o->peer, w, "peer");
	m->reason = PUT_STR(k, o->reason, w, "reason");
}

static void claim_submit_to_pb(struct chk *k, const svc_claim_submit *o, struct change_pb *p)
{
	static const char w[] = "change.claim_submit";
	Svcsync__ClaimSubmit *m = &p->b.claim_submit;

	svcsync__claim_submit__init(m);
	m->ticket = PUT_STR(k, o->ticket, w, "ticket");
	m->revision = o->revision;
	m->labor = o->labor;
	parts_to_pb(k, o->parts, o->nparts, w, p->parts, p->partp);
	m->n_parts = o->nparts <= SVC_CLAIM_PARTS_MAX ? o->nparts : 0;
	m->parts = m->n_parts ? p->partp : NULL;
	m->travel = o->travel;
	m->other = o->other;
	m->total = o->total;
	m->note = PUT_STR(k, o->note, w, "note");
	m->region = PUT_STR(k, o->region, w, "region");
}

static void claim_decide_to_pb(struct chk *k, const svc_claim_decide *o, Svcsync__ClaimDecide *m)
{
	static const char w[] = "change.claim_decide";

	svcsync__claim_decide__init(m);
	m->action = o->action;
	m->revision = o->revision;
	m->amount = o->amount;
	m->reason = PUT_STR(k, o->reason, w, "reason");
	m->ref = PUT_STR(k, o->ref, w, "ref");
	m->claimed = o->claimed;
}

static void change_body_to_pb(struct chk *k, const svc_change *c, struct change_pb *p)
{
	Svcsync__Change *m = &p->m;

	switch (c->kind) {
	case SVC_CK_TICKET_OPEN:
		ticket_open_to_pb(k, &c->u.ticket_open, &p->b.ticket_open);
		m->body_case = SVCSYNC__CHANGE__BODY_TICKET_OPEN;
		m->ticket_open = &p->b.ticket_open;
		break;
	case SVC_CK_TICKET_ASSIGN:
		svcsync__ticket_assign__init(&p->b.ticket_assign);
		p->b.ticket_assign.shop =
		    PUT_STR(k, c->u.ticket_assign.shop, "change.ticket_assign", "shop");
		m->body_case = SVCSYNC__CHANGE__BODY_TICKET_ASSIGN;
		m->ticket_assign = &p->b.ticket_assign;
		break;
	case SVC_CK_TICKET_STATUS:
		svcsync__ticket_status__init(&p->b.ticket_status);
		p->b.ticket_status.status = c->u.ticket_status.status;
		p->b.ticket_status.reason =
		    PUT_STR(k, c->u.ticket_status.reason, "change.ticket_status", "reason");
		m->body_case = SVCSYNC__CHANGE__BODY_TICKET_STATUS;
		m->ticket_status = &p->b.ticket_status;
		break;
	case SVC_CK_TICKET_NOTE:
		svcsync__ticket_note__init(&p->b.ticket_note);
		p->b.ticket_note.text =
		    PUT_STR(k, c->u.ticket_note.text, "change.ticket_note", "text");
		m->body_case = SVCSYNC__CHANGE__BODY_TICKET_NOTE;
		m->ticket_note = &p->b.ticket_note;
		break;
	case SVC_CK_TICKET_CALLBACK:
		svcsync__ticket_callback__init(&p->b.ticket_callback);
		p->b.ticket_callback.satisfaction = c->u.ticket_callback.satisfaction;
		p->b.ticket_callback.note =
		    PUT_STR(k, c->u.ticket_callback.note, "change.ticket_callback", "note");
		m->body_case = SVCSYNC__CHANGE__BODY_TICKET_CALLBACK;
		m->ticket_callback = &p->b.ticket_callback;
		break;
	case SVC_CK_CATALOG_PUT:
		svcsync__catalog_put__init(&p->b.catalog_put);
		p->b.catalog_put.part_no =
		    PUT_STR(k, c->u.catalog_put.part_no, "change.catalog_put", "part_no");
		p->b.catalog_put.name =
		    PUT_STR(k, c->u.catalog_put.name, "change.catalog_put", "name");
		p->b.catalog_put.price = c->u.catalog_put.price;
		m->body_case = SVCSYNC__CHANGE__BODY_CATALOG_PUT;
		m->catalog_put = &p->b.catalog_put;
		break;
	case SVC_CK_PART_MOVE:
		part_move_to_pb(k, &c->u.part_move, &p->b.part_move);
		m->body_case = SVCSYNC__CHANGE__BODY_PART_MOVE;
		m->part_move = &p->b.part_move;
		break;
	case SVC_CK_CLAIM_SUBMIT:
		claim_submit_to_pb(k, &c->u.claim_submit, p);
		m->body_case = SVCSYNC__CHANGE__BODY_CLAIM_SUBMIT;
		m->claim_submit = &p->b.claim_submit;
		break;
	case SVC_CK_CLAIM_DECIDE:
		claim_decide_to_pb(k, &c->u.claim_decide, &p->b.claim_decide);
		m->body_case = SVCSYNC__CHANGE__BODY_CLAIM_DECIDE;
		m->claim_decide = &p->b.claim_decide;
		break;
	case SVC_CK_NODE_CERT:
		node_cert_to_pb(k, &c->u.node_cert, "change.node_cert", &p->b.node_cert);
		m->body_case = SVCSYNC__CHANGE__BODY_NODE_CERT;
		m->node_cert = &p->b.node_cert;
		break;
	case SVC_CK_NODE_REVOKE:
		svcsync__node_revoke__init(&p->b.node_revoke);
		p->b.node_revoke.node =
		    PUT_STR(k, c->u.node_revoke.node, "change.node_revoke", "node");
		p->b.node_revoke.reason =
		    PUT_STR(k, c->u.node_revoke.reason, "change.node_revoke", "reason");
		p->b.node_revoke.serial = c->u.node_revoke.serial;
		p->b.node_revoke.cutoff_seq = c->u.node_revoke.cutoff_seq;
		m->body_case = SVCSYNC__CHANGE__BODY_NODE_REVOKE;
		m->node_revoke = &p->b.node_revoke;
		break;
	case SVC_CK_QUARANTINE_RELEASE:
		svcsync__quarantine_release__init(&p->b.quarantine_release);
		p->b.quarantine_release.origin = PUT_STR(k, c->u.quarantine_release.origin,
		                                         "change.quarantine_release", "origin");
		p->b.quarantine_release.through_seq = c->u.quarantine_release.through_seq;
		p->b.quarantine_release.reason = PUT_STR(k, c->u.quarantine_release.reason,
		                                         "change.quarantine_release", "reason");
		m->body_case = SVCSYNC__CHANGE__BODY_QUARANTINE_RELEASE;
		m->quarantine_release = &p->b.quarantine_release;
		break;
	case SVC_CK_NONE:
	case SVC_CK_MAX_:
	default:
		chk_fail(k, SVC_EINVAL, "change: kind %d has no body", (int)c->kind);
		break;
	}
}

int svc_change_encode(const svc_change *c, uint8_t *buf, size_t cap, size_t *len)
{
	struct change_pb p;
	Svcsync__Change *m = &p.m;
	struct chk k = {0};

	if (!c || !len)
		return bad_args("svc_change_encode");
	*len = 0;
	svcsync__change__init(m);
	m->origin = PUT_STR(&k, c->origin, "change", "origin");
	m->seq = c->seq;
	m->hlc = c->hlc;
	m->aggregate = PUT_STR(&k, c->aggregate, "change", "aggregate");
	/* Always 32 bytes; the first change of an origin chains to all zeros. */
	m->prev_hash = put_bytes(c->prev_hash, SVC_HASH_LEN);
	m->origin_role = c->origin_role;
	m->origin_region = PUT_STR(&k, c->origin_region, "change", "origin_region");
	change_body_to_pb(&k, c, &p);
	if (k.rc)
		return k.rc;
	return pb_pack(&m->base, "change", SVC_CHANGE_MAX, buf, cap, len);
}

static void ticket_open_from_pb(struct chk *k, const Svcsync__TicketOpen *m, svc_ticket_open *o)
{
	static const char w[] = "change.ticket_open";

	o->kind = m->kind;
	GET_STR(k, o->customer, m->customer, w, "customer");
	GET_STR(k, o->phone, m->phone, w, "phone");
	GET_STR(k, o->address, m->address, w, "address");
	GET_STR(k, o->product, m->product, w, "product");
	GET_STR(k, o->serial, m->serial, w, "serial");
	o->purchased = m->purchased;
	GET_STR(k, o->fault, m->fault, w, "fault");
	GET_STR(k, o->region, m->region, w, "region");
	GET_STR(k, o->shop, m->shop, w, "shop");
}

static void part_move_from_pb(struct chk *k, const Svcsync__PartMove *m, svc_part_move *o)
{
	static const char w[] = "change.part_move";

	o->kind = m->kind;
	GET_STR(k, o->location, m->location, w, "location");
	GET_STR(k, o->part_no, m->part_no, w, "part_no");
	o->qty = m->qty;
	GET_STR(k, o->ticket, m->ticket, w, "ticket");
	GET_STR(k, o->transfer, m->transfer, w, "transfer");
	GET_STR(k, o->peer, m->peer, w, "peer");
	GET_STR(k, o->reason, m->reason, w, "reason");
}

static void claim_submit_from_pb(struct chk *k, const Svcsync__ClaimSubmit *m, svc_claim_submit *o)
{
	static const char w[] = "change.claim_submit";

	GET_STR(k, o->ticket, m->ticket, w, "ticket");
	o->revision = m->revision;
	o->labor = m->labor;
	parts_from_pb(k, m->parts, m->n_parts, w, o->parts, &o->nparts);
	o->travel = m->travel;
	o->other = m->other;
	o->total = m->total;
	GET_STR(k, o->note, m->note, w, "note");
	GET_STR(k, o->region, m->region, w, "region");
}

static void claim_decide_from_pb(struct chk *k, const Svcsync__ClaimDecide *m, svc_claim_decide *o)
{
	static const char w[] = "change.claim_decide";

	o->action = m->action;
	o->revision = m->revision;
	o->amount = m->amount;
	GET_STR(k, o->reason, m->reason, w, "reason");
	GET_STR(k, o->ref, m->ref, w, "ref");
	o->claimed = m->claimed;
}

static void change_body_from_pb(struct chk *k, const Svcsync__Change *m, svc_change *c)
{
	switch (m->body_case) {
	case SVCSYNC__CHANGE__BODY_TICKET_OPEN:
		c->kind = SVC_CK_TICKET_OPEN;
		ticket_open_from_pb(k, m->ticket_open, &c->u.ticket_open);
		break;
	case SVCSYNC__CHANGE__BODY_TICKET_ASSIGN:
		c->kind = SVC_CK_TICKET_ASSIGN;
		GET_STR(k, c->u.ticket_assign.shop, m->ticket_assign->shop, "change.ticket_assign",
		        "shop");
		break;
	case SVCSYNC__CHANGE__BODY_TICKET_STATUS:
		c->kind = SVC_CK_TICKET_STATUS;
		c->u.ticket_status.status = m->ticket_status->status;
		GET_STR(k, c->u.ticket_status.reason, m->ticket_status->reason,
		        "change.ticket_status", "reason");
		break;
	case SVCSYNC__CHANGE__BODY_TICKET_NOTE:
		c->kind = SVC_CK_TICKET_NOTE;
		GET_STR(k, c->u.ticket_note.text, m->ticket_note->text, "change.ticket_note",
		        "text");
		break;
	case SVCSYNC__CHANGE__BODY_TICKET_CALLBACK:
		c->kind = SVC_CK_TICKET_CALLBACK;
		c->u.ticket_callback.satisfaction = m->ticket_callback->satisfaction;
		GET_STR(k, c->u.ticket_callback.note, m->ticket_callback->note,
		        "change.ticket_callback", "note");
		break;
	case SVCSYNC__CHANGE__BODY_CATALOG_PUT:
		c->kind = SVC_CK_CATALOG_PUT;
		GET_STR(k, c->u.catalog_put.part_no, m->catalog_put->part_no, "change.catalog_put",
		        "part_no");
		GET_STR(k, c->u.catalog_put.name, m->catalog_put->name, "change.catalog_put",
		        "name");
		c->u.catalog_put.price = m->catalog_put->price;
		break;
	case SVCSYNC__CHANGE__BODY_PART_MOVE:
		c->kind = SVC_CK_PART_MOVE;
		part_move_from_pb(k, m->part_move, &c->u.part_move);
		break;
	case SVCSYNC__CHANGE__BODY_CLAIM_SUBMIT:
		c->kind = SVC_CK_CLAIM_SUBMIT;
		claim_submit_from_pb(k, m->claim_submit, &c->u.claim_submit);
		break;
	case SVCSYNC__CHANGE__BODY_CLAIM_DECIDE:
		c->kind = SVC_CK_CLAIM_DECIDE;
		claim_decide_from_pb(k, m->claim_decide, &c->u.claim_decide);
		break;
	case SVCSYNC__CHANGE__BODY_NODE_CERT:
		c->kind = SVC_CK_NODE_CERT;
		node_cert_from_pb(k, m->node_cert, "change.node_cert", &c->u.node_cert);
		break;
	case SVCSYNC__CHANGE__BODY_NODE_REVOKE:
		c->kind = SVC_CK_NODE_REVOKE;
		GET_STR(k, c->u.node_revoke.node, m->node_revoke->node, "change.node_revoke",
		        "node");
		GET_STR(k, c->u.node_revoke.reason, m->node_revoke->reason, "change.node_revoke",
		        "reason");
		c->u.node_revoke.serial = m->node_revoke->serial;
		c->u.node_revoke.cutoff_seq = m->node_revoke->cutoff_seq;
		break;
	case SVCSYNC__CHANGE__BODY_QUARANTINE_RELEASE:
		c->kind = SVC_CK_QUARANTINE_RELEASE;
		GET_STR(k, c->u.quarantine_release.origin, m->quarantine_release->origin,
		        "change.quarantine_release", "origin");
		c->u.quarantine_release.through_seq = m->quarantine_release->through_seq;
		GET_STR(k, c->u.quarantine_release.reason, m->quarantine_release->reason,
		        "change.quarantine_release", "reason");
		break;
	case SVCSYNC__CHANGE__BODY__NOT_SET:
	default:
		/* Also what a body from a newer schema looks like: protobuf-c
		 * keeps an unknown oneof member as an unknown field. */
		chk_fail(k, SVC_EDECODE, "change: no body");
		break;
	}
}

int svc_change_decode(const uint8_t *buf, size_t len, svc_change *out)
{
	ProtobufCMessage *pm;
	const Svcsync__Change *m;
	struct chk k = {0};
	int rc;

	if (!out)
		return bad_args("svc_change_decode");
	memset(out, 0, sizeof *out);
	rc = pb_unpack(&svcsync__change__descriptor, "change", SVC_CHANGE_MAX, buf, len, &pm);
	if (rc)
		return rc;
	m = (const Svcsync__Change *)pm;
	GET_STR(&k, out->origin, m->origin, "change", "origin");
	out->seq = m->seq;
	out->hlc = m->hlc;
	GET_STR(&k, out->aggregate, m->aggregate, "change", "aggregate");
	get_fixed(&k, out->prev_hash, SVC_HASH_LEN, m->prev_hash, "change", "prev_hash");
	out->origin_role = m->origin_role;
	GET_STR(&k, out->origin_region, m->origin_region, "change", "origin_region");
	change_body_from_pb(&k, m, out);
	return pb_done(&k, pm, out, sizeof *out);
}

/* ------------------------------------------------------------ states */

int svc_ticket_encode(const svc_ticket *t, uint8_t *buf, size_t cap, size_t *len)
{
	static const char w[] = "ticket";
	Svcsync__TicketState m;
	struct chk k = {0};

	if (!t || !len)
		return bad_args("svc_ticket_encode");
	*len = 0;
	svcsync__ticket_state__init(&m);
	m.id = PUT_STR(&k, t->id, w, "id");
	m.kind = t->kind;
	m.customer = PUT_STR(&k, t->customer, w, "customer");
	m.phone = PUT_STR(&k, t->phone, w, "phone");
	m.address = PUT_STR(&k, t->address, w, "address");
	m.product = PUT_STR(&k, t->product, w, "product");
	m.serial = PUT_STR(&k, t->serial, w, "serial");
	m.purchased = t->purchased;
	m.in_warranty = t->in_warranty;
	m.fault = PUT_STR(&k, t->fault, w, "fault");
	m.region = PUT_STR(&k, t->region, w, "region");
	m.shop = PUT_STR(&k, t->shop, w, "shop");
	m.opened_by = PUT_STR(&k, t->opened_by, w, "opened_by");
	m.status = t->status;
	m.created = t->created;
	m.first_response = t->first_response;
	m.on_site = t->on_site;
	m.resolved = t->resolved;
	m.closed = t->closed;
	m.callback_at = t->callback_at;
	m.satisfaction = t->satisfaction;
	m.callback_note = PUT_STR(&k, t->callback_note, w, "callback_note");
	m.notes = t->notes;
	m.reopened = t->reopened;
	m.updated = t->updated;
	m.last_hlc = t->last.hlc;
	m.last_origin = PUT_STR(&k, t->last.origin, w, "last_origin");
	m.last_seq = t->last.seq;
	if (k.rc)
		return k.rc;
	return pb_pack(&m.base, w, SVC_STATE_MAX, buf, cap, len);
}

int svc_ticket_decode(const uint8_t *buf, size_t len, svc_ticket *out)
{
	static const char w[] = "ticket";
	ProtobufCMessage *pm;
	const Svcsync__TicketState *m;
	struct chk k = {0};
	int rc;

	if (!out)
		return bad_args("svc_ticket_decode");
	memset(out, 0, sizeof *out);
	rc = pb_unpack(&svcsync__ticket_state__descriptor, w, SVC_STATE_MAX, buf, len, &pm);
	if (rc)
		return rc;
	m = (const Svcsync__TicketState *)pm;
	GET_STR(&k, out->id, m->id, w, "id");
	out->kind = m->kind;
	GET_STR(&k, out->customer, m->customer, w, "customer");
	GET_STR(&k, out->phone, m->phone, w, "phone");
	GET_STR(&k, out->address, m->address, w, "address");
	GET_STR(&k, out->product, m->product, w, "product");
	GET_STR(&k, out->serial, m->serial, w, "serial");
	out->purchased = m->purchased;
	out->in_warranty = m->in_warranty != 0;
	GET_STR(&k, out->fault, m->fault, w, "fault");
	GET_STR(&k, out->region, m->region, w, "region");
	GET_STR(&k, out->shop, m->shop, w, "shop");
	GET_STR(&k, out->opened_by, m->opened_by, w, "opened_by");
	out->status = m->status;
	out->created = m->created;
	out->first_response = m->first_response;
	out->on_site = m->on_site;
	out->resolved = m->resolved;
	out->closed = m->closed;
	out->callback_at = m->callback_at;
	out->satisfaction = m->satisfaction;
	GET_STR(&k, out->callback_note, m->callback_note, w, "callback_note");
	out->notes = m->notes;
	out->reopened = m->reopened;
	out->updated = m->updated;
	out->last.hlc = m->last_hlc;
	GET_STR(&k, out->last.origin, m->last_origin, w, "last_origin");
	out->last.seq = m->last_seq;
	return pb_done(&k, pm, out, sizeof *out);
}

int svc_claim_encode(const svc_claim *c, uint8_t *buf, size_t cap, size_t *len)
{
	static const char w[] = "claim";
	Svcsync__ClaimState m;
	Svcsync__ClaimPart parts[SVC_CLAIM_PARTS_MAX];
	Svcsync__ClaimPart *partp[SVC_CLAIM_PARTS_MAX];
	struct chk k = {0};

	if (!c || !len)
		return bad_args("svc_claim_encode");
	*len = 0;
	svcsync__claim_state__init(&m);
	m.id = PUT_STR(&k, c->id, w, "id");
	m.ticket = PUT_STR(&k, c->ticket, w, "ticket");
	m.shop = PUT_STR(&k, c->shop, w, "shop");
	m.region = PUT_STR(&k, c->region, w, "region");
	m.revision = c->revision;
	m.status = c->status;
	m.labor = c->labor;
	parts_to_pb(&k, c->parts, c->nparts, w, parts, partp);
	m.n_parts = c->nparts <= SVC_CLAIM_PARTS_MAX ? c->nparts : 0;
	m.parts = m.n_parts ? partp : NULL;
	m.travel = c->travel;
	m.other = c->other;
	m.total = c->total;
	m.approved = c->approved;
	m.reason = PUT_STR(&k, c->reason, w, "reason");
	m.pay_ref = PUT_STR(&k, c->pay_ref, w, "pay_ref");
	m.audited_by = PUT_STR(&k, c->audited_by, w, "audited_by");
	m.decided_by = PUT_STR(&k, c->decided_by, w, "decided_by");
	m.submitted = c->submitted;
	m.audited = c->audited;
	m.decided = c->decided;
	m.paid = c->paid;
	m.note = PUT_STR(&k, c->note, w, "note");
	m.last_hlc = c->last.hlc;
	m.last_origin = PUT_STR(&k, c->last.origin, w, "last_origin");
	m.last_seq = c->last.seq;
	if (k.rc)
		return k.rc;
	return pb_pack(&m.base, w, SVC_STATE_MAX, buf, cap, len);
}

int svc_claim_decode(const uint8_t *buf, size_t len, svc_claim *out)
{
	static const char w[] = "claim";
	ProtobufCMessage *pm;
	const Svcsync__ClaimState *m;
	struct chk k = {0};
	int rc;

	if (!out)
		return bad_args("svc_claim_decode");
	memset(out, 0, sizeof *out);
	rc = pb_unpack(&svcsync__claim_state__descriptor, w, SVC_STATE_MAX, buf, len, &pm);
	if (rc)
		return rc;
	m = (const Svcsync__ClaimState *)pm;
	GET_STR(&k, out->id, m->id, w, "id");
	GET_STR(&k, out->ticket, m->ticket, w, "ticket");
	GET_STR(&k, out->shop, m->shop, w, "shop");
	GET_STR(&k, out->region, m->region, w, "region");
	out->revision = m->revision;
	out->status = m->status;
	out->labor = m->labor;
	parts_from_pb(&k, m->parts, m->n_parts, w, out->parts, &out->nparts);
	out->travel = m->travel;
	out->other = m->other;
	out->total = m->total;
	out->approved = m->approved;
	GET_STR(&k, out->reason, m->reason, w, "reason");
	GET_STR(&k, out->pay_ref, m->pay_ref, w, "pay_ref");
	GET_STR(&k, out->audited_by, m->audited_by, w, "audited_by");
	GET_STR(&k, out->decided_by, m->decided_by, w, "decided_by");
	out->submitted = m->submitted;
	out->audited = m->audited;
	out->decided = m->decided;
	out->paid = m->paid;
	GET_STR(&k, out->note, m->note, w, "note");
	out->last.hlc = m->last_hlc;
	GET_STR(&k, out->last.origin, m->last_origin, w, "last_origin");
	out->last.seq = m->last_seq;
	return pb_done(&k, pm, out, sizeof *out);
}

int svc_transfer_encode(const svc_transfer *t, uint8_t *buf, size_t cap, size_t *len)
{
	static const char w[] = "transfer";
	Svcsync__TransferState m;
	struct chk k = {0};

	if (!t || !len)
		return bad_args("svc_transfer_encode");
	*len = 0;
	svcsync__transfer_state__init(&m);
	m.id = PUT_STR(&k, t->id, w, "id");
	m.part_no = PUT_STR(&k, t->part_no, w, "part_no");
	m.source = PUT_STR(&k, t->source, w, "source");
	m.dest = PUT_STR(&k, t->dest, w, "dest");
	m.qty = t->qty;
	m.received = t->received;
	m.shipped = t->shipped;
	m.received_at = t->received_at;
	m.last_hlc = t->last.hlc;
	m.last_origin = PUT_STR(&k, t->last.origin, w, "last_origin");
	m.last_seq = t->last.seq;
	if (k.rc)
		return k.rc;
	return pb_pack(&m.base, w, SVC_STATE_MAX, buf, cap, len);
}

int svc_transfer_decode(const uint8_t *buf, size_t len, svc_transfer *out)
{
	static const char w[] = "transfer";
	ProtobufCMessage *pm;
	const Svcsync__TransferState *m;
	struct chk k = {0};
	int rc;

	if (!out)
		return bad_args("svc_transfer_decode");
	memset(out, 0, sizeof *out);
	rc = pb_unpack(&svcsync__transfer_state__descriptor, w, SVC_STATE_MAX, buf, len, &pm);
	if (rc)
		return rc;
	m = (const Svcsync__TransferState *)pm;
	GET_STR(&k, out->id, m->id, w, "id");
	GET_STR(&k, out->part_no, m->part_no, w, "part_no");
	GET_STR(&k, out->source, m->source, w, "source");
	GET_STR(&k, out->dest, m->dest, w, "dest");
	out->qty = m->qty;
	out->received = m->received != 0;
	out->shipped = m->shipped;
	out->received_at = m->received_at;
	out->last.hlc = m->last_hlc;
	GET_STR(&k, out->last.origin, m->last_origin, w, "last_origin");
	out->last.seq = m->last_seq;
	return pb_done(&k, pm, out, sizeof *out);
}

int svc_catalog_encode(const svc_catalog_item *c, uint8_t *buf, size_t cap, size_t *len)
{
	static const char w[] = "catalog";
	Svcsync__CatalogState m;
	struct chk k = {0};

	if (!c || !len)
		return bad_args("svc_catalog_encode");
	*len = 0;
	svcsync__catalog_state__init(&m);
	m.part_no = PUT_STR(&k, c->part_no, w, "part_no");
	m.name = PUT_STR(&k, c->name, w, "name");
	m.price = c->price;
	m.last_hlc = c->last.hlc;
	m.last_origin = PUT_STR(&k, c->last.origin, w, "last_origin");
	m.last_seq = c->last.seq;
	if (k.rc)
		return k.rc;
	return pb_pack(&m.base, w, SVC_STATE_MAX, buf, cap, len);
}

int svc_catalog_decode(const uint8_t *buf, size_t len, svc_catalog_item *out)
{
	static const char w[] = "catalog";
	ProtobufCMessage *pm;
	const Svcsync__CatalogState *m;
	struct chk k = {0};
	int rc;

	if (!out)
		return bad_args("svc_catalog_decode");
	memset(out, 0, sizeof *out);
	rc = pb_unpack(&svcsync__catalog_state__descriptor, w, SVC_STATE_MAX, buf, len, &pm);
	if (rc)
		return rc;
	m = (const Svcsync__CatalogState *)pm;
	GET_STR(&k, out->part_no, m->part_no, w, "part_no");
	GET_STR(&k, out->name, m->name, w, "name");
	out->price = m->price;
	out->last.hlc = m->last_hlc;
	GET_STR(&k, out->last.origin, m->last_origin, w, "last_origin");
	out->last.seq = m->last_seq;
	return pb_done(&k, pm, out, sizeof *out);
}

int svc_node_encode(const svc_node *n, uint8_t *buf, size_t cap, size_t *len)
{
	static const char w[] = "node";
	Svcsync__NodeState m;
	struct chk k = {0};

	if (!n || !len)
		return bad_args("svc_node_encode");
	*len = 0;
	svcsync__node_state__init(&m);
	m.node = PUT_STR(&k, n->node, w, "node");
	m.role = n->role;
	m.region = PUT_STR(&k, n->region, w, "region");
	m.upstream = PUT_STR(&k, n->upstream, w, "upstream");
	m.pubkey = put_bytes(n->pubkey, SVC_PK_LEN);
	m.not_before = n->not_before;
	m.not_after = n->not_after;
	m.serial = n->serial;
	m.revoked = n->revoked;
	m.revoke_reason = PUT_STR(&k, n->revoke_reason, w, "revoke_reason");
	m.revoked_hlc = n->revoked_hlc;
	m.cutoff_seq = n->cutoff_seq;
	m.held_through = n->held_through;
	m.last_hlc = n->last.hlc;
	m.last_origin = PUT_STR(&k, n->last.origin, w, "last_origin");
	m.last_seq = n->last.seq;
	if (k.rc)
		return k.rc;
	return pb_pack(&m.base, w, SVC_STATE_MAX, buf, cap, len);
}

int svc_node_decode(const uint8_t *buf, size_t len, svc_node *out)
{
	static const char w[] = "node";
	ProtobufCMessage *pm;
	const Svcsync__NodeState *m;
	struct chk k = {0};
	int rc;

	if (!out)
		return bad_args("svc_node_decode");
	memset(out, 0, sizeof *out);
	rc = pb_unpack(&svcsync__node_state__descriptor, w, SVC_STATE_MAX, buf, len, &pm);
	if (rc)
		return rc;
	m = (const Svcsync__NodeState *)pm;
	GET_STR(&k, out->node, m->node, w, "node");
	out->role = m->role;
	GET_STR(&k, out->region, m->region, w, "region");
	GET_STR(&k, out->upstream, m->upstream, w, "upstream");
	get_fixed(&k, out->pubkey, SVC_PK_LEN, m->pubkey, w, "pubkey");
	out->not_before = m->not_before;
	out->not_after = m->not_after;
	out->serial = m->serial;
	out->revoked = m->revoked != 0;
	GET_STR(&k, out->revoke_reason, m->revoke_reason, w, "revoke_reason");
	out->revoked_hlc = m->revoked_hlc;
	out->cutoff_seq = m->cutoff_seq;
	out->held_through = m->held_through;
	out->last.hlc = m->last_hlc;
	GET_STR(&k, out->last.origin, m->last_origin, w, "last_origin");
	out->last.seq = m->last_seq;
	return pb_done(&k, pm, out, sizeof *out);
}

int svc_stock_encode(const svc_stock *s, uint8_t *buf, size_t cap, size_t *len)
{
	Svcsync__StockState m;

	if (!s || !len)
		return bad_args("svc_stock_encode");
	*len = 0;
	svcsync__stock_state__init(&m);
	m.on_hand = s->on_hand;
	m.defective = s->defective;
	m.in_transit_in = s->in_transit_in;
	return pb_pack(&m.base, "stock", SVC_STATE_MAX, buf, cap, len);
}

int svc_stock_decode(const uint8_t *buf, size_t len, svc_stock *out)
{
	ProtobufCMessage *pm;
	const Svcsync__StockState *m;
	struct chk k = {0};
	int rc;

	if (!out)
		return bad_args("svc_stock_decode");
	memset(out, 0, sizeof *out);
	rc = pb_unpack(&svcsync__stock_state__descriptor, "stock", SVC_STATE_MAX, buf, len, &pm);
	if (rc)
		return rc;
	m = (const Svcsync__StockState *)pm;
	out->on_hand = m->on_hand;
	out->defective = m->defective;
	out->in_transit_in = m->in_transit_in;
	return pb_done(&k, pm, out, sizeof *out);
}

/* ------------------------------------------------------------ certificates */

int svc_cert_encode(const svc_cert *c, uint8_t *buf, size_t cap, size_t *len)
{
	static const char w[] = "cert";
	Svcsync__CertBody m;
	struct chk k = {0};

	if (!c || !len)
		return bad_args("svc_cert_encode");
	*len = 0;
	svcsync__cert_body__init(&m);
	m.node = PUT_STR(&k, c->node, w, "node");
	m.role = c->role;
	m.region = PUT_STR(&k, c->region, w, "region");
	m.upstream = PUT_STR(&k, c->upstream, w, "upstream");
	m.pubkey = put_bytes(c->pubkey, SVC_PK_LEN);
	m.not_before = c->not_before;
	m.not_after = c->not_after;
	m.serial = c->serial;
	m.issuer = PUT_STR(&k, c->issuer, w, "issuer");
	if (k.rc)
		return k.rc;
	return pb_pack(&m.base, w, SVC_CERT_BODY_MAX, buf, cap, len);
}

int svc_cert_decode(const uint8_t *buf, size_t len, svc_cert *out)
{
	static const char w[] = "cert";
	ProtobufCMessage *pm;
	const Svcsync__CertBody *m;
	struct chk k = {0};
	int rc;

	if (!out)
		return bad_args("svc_cert_decode");
	memset(out, 0, sizeof *out);
	rc = pb_unpack(&svcsync__cert_body__descriptor, w, SVC_CERT_BODY_MAX, buf, len, &pm);
	if (rc)
		return rc;
	m = (const Svcsync__CertBody *)pm;
	GET_STR(&k, out->node, m->node, w, "node");
	out->role = m->role;
	GET_STR(&k, out->region, m->region, w, "region");
	GET_STR(&k, out->upstream, m->upstream, w, "upstream");
	get_fixed(&k, out->pubkey, SVC_PK_LEN, m->pubkey, w, "pubkey");
	out->not_before = m->not_before;
	out->not_after = m->not_after;
	out->serial = m->serial;
	GET_STR(&k, out->issuer, m->issuer, w, "issuer");
	return pb_done(&k, pm, out, sizeof *out);
}

/* ------------------------------------------------------------ commits */

/* The run first..last must be non-empty, lie within 1..SVC_SEQ_MAX, stay under
 * the limit and have one hash per change. Shared by both directions so that
 * they agree; returns the detail through k with the given code. */
static void commit_run_check(struct chk *k, int code, uint64_t first, uint64_t last, size_t n)
{
	if (first == 0 || last < first || last > SVC_SEQ_MAX) {
		chk_fail(k, code, "commit: seqs %" PRIu64 "..%" PRIu64 " are not a run", first,
		         last);
		return;
	}
	if (last - first >= SVC_COMMIT_CHANGES_MAX) {
		chk_fail(k, code,
		         "commit: seqs %" PRIu64 "..%" PRIu64 " cover more than %d changes", first,
		         last, SVC_COMMIT_CHANGES_MAX);
		return;
	}
	if (n != last - first + 1)
		chk_fail(k, code, "commit.hashes: %zu hashes for seqs %" PRIu64 "..%" PRIu64, n,
		         first, last);
}

int svc_commit_header_encode(const svc_commit_header *h, uint8_t *buf, size_t cap, size_t *len)
{
	static const char w[] = "commit";
	Svcsync__CommitHeader m;
	ProtobufCBinaryData *hashes;
	struct chk k = {0};
	int rc;

	if (!h || !len || (h->nhashes && !h->hashes))
		return bad_args("svc_commit_header_encode");
	*len = 0;
	svcsync__commit_header__init(&m);
	m.origin = PUT_STR(&k, h->origin, w, "origin");
	m.first_seq = h->first_seq;
	m.last_seq = h->last_seq;
	commit_run_check(&k, SVC_EINVAL, h->first_seq, h->last_seq, h->nhashes);
	if (k.rc)
		return k.rc;
	/* One 16-byte descriptor per hash, up to SVC_COMMIT_CHANGES_MAX of
	 * them: more than belongs on a worker thread's stack. */
	hashes = calloc(h->nhashes, sizeof *hashes);
	if (!hashes)
		return svc_errf(SVC_ENOMEM, "commit: %zu hashes", h->nhashes);
	for (size_t i = 0; i < h->nhashes; i++)
		hashes[i] = put_bytes(h->hashes[i], SVC_HASH_LEN);
	m.n_hashes = h->nhashes;
	m.hashes = hashes;
	if (h->has_prev)
		m.prev_commit = put_bytes(h->prev_commit, SVC_HASH_LEN);
	rc = pb_pack(&m.base, w, SVC_COMMIT_MAX, buf, cap, len);
	free(hashes);
	return rc;
}

int svc_commit_header_decode(const uint8_t *buf, size_t len, svc_commit_header *out,
                             uint8_t (*hashbuf)[SVC_HASH_LEN])
{
	static const char w[] = "commit";
	ProtobufCMessage *pm;
	const Svcsync__CommitHeader *m;
	struct chk k = {0};
	int rc;

	if (!out || !hashbuf)
		return bad_args("svc_commit_header_decode");
	memset(out, 0, sizeof *out);
	rc = pb_unpack(&svcsync__commit_header__descriptor, w, SVC_COMMIT_MAX, buf, len, &pm);
	if (rc)
		return rc;
	m = (const Svcsync__CommitHeader *)pm;
	GET_STR(&k, out->origin, m->origin, w, "origin");
	out->first_seq = m->first_seq;
	out->last_seq = m->last_seq;
	commit_run_check(&k, SVC_EDECODE, m->first_seq, m->last_seq, m->n_hashes);
	for (size_t i = 0; !k.rc && i < m->n_hashes; i++) {
		if (m->hashes[i].len != SVC_HASH_LEN) {
			chk_fail(&k, SVC_EDECODE, "commit.hashes[%zu]: %zu bytes, expected %d", i,
			         m->hashes[i].len, SVC_HASH_LEN);
			break;
		}
		memcpy(hashbuf[i], m->hashes[i].data, SVC_HASH_LEN);
	}
	if (!k.rc) {
		out->nhashes = m->n_hashes;
		out->hashes = hashbuf;
	}
	if (m->prev_commit.len) {
		get_fixed(&k, out->prev_commit, SVC_HASH_LEN, m->prev_commit, w, "prev_commit");
		out->has_prev = true;
	}
	return pb_done(&k, pm, out, sizeof *out);
}

/* ------------------------------------------------------------ signed */

int svc_signed_encode(const uint8_t *body, size_t body_len, const uint8_t sig[SVC_SIG_LEN],
                      uint8_t *buf, size_t cap, size_t *len)
{
	Svcsync__Signed m;

	if (!body || !sig || !len)
		return bad_args("svc_signed_encode");
	*len = 0;
	if (!body_len)
		return svc_errf(SVC_EINVAL, "signed.body: empty");
	svcsync__signed__init(&m);
	m.body = put_bytes(body, body_len);
	m.signature = put_bytes(sig, SVC_SIG_LEN);
	return pb_pack(&m.base, "signed", SVC_COMMIT_MAX, buf, cap, len);
}

/*
 * By hand: exactly one body (field 1) and one signature (field 2), both
 * length-delimited, in any order, and nothing else. An envelope has no
 * reason to grow fields, so anything more is refused rather than skipped.
 */
int svc_signed_decode(const uint8_t *buf, size_t len, const uint8_t **body, size_t *body_len,
                      uint8_t sig[SVC_SIG_LEN])
{
	static const char *const names[] = {NULL, "body", "signature"};
	const uint8_t *field[3] = {NULL, NULL, NULL};
	size_t flen[3] = {0, 0, 0};
	size_t off = 0;

	if (!body || !body_len || !sig)
		return bad_args("svc_signed_decode");
	*body = NULL;
	*body_len = 0;
	memset(sig, 0, SVC_SIG_LEN);
	if (len > SVC_COMMIT_MAX)
		return svc_errf(SVC_ETOOBIG, "signed: %zu bytes, limit %d", len, SVC_COMMIT_MAX);
	if (!buf && len)
		return bad_args("svc_signed_decode");
	while (off < len) {
		uint64_t key, n;
		size_t used = varint_get(buf + off, len - off, &key);
		unsigned num;

		if (!used)
			return svc_errf(SVC_EDECODE, "signed: malformed field key at byte %zu",
			                off);
		off += used;
		if ((key >> 3 != 1 && key >> 3 != 2) || (key & 7) != 2)
			return svc_errf(SVC_EDECODE,
			                "signed: unexpected field %" PRIu64 " (wire type %u)",
			                key >> 3, (unsigned)(key & 7));
		num = (unsigned)(key >> 3);
		if (field[num])
			return svc_errf(SVC_EDECODE, "signed.%s: appears twice", names[num]);
		used = varint_get(buf + off, len - off, &n);
		if (!used)
			return svc_errf(SVC_EDECODE, "signed.%s: malformed length", names[num]);
		off += used;
		if (n > len - off)
			return svc_errf(SVC_EDECODE, "signed.%s: %" PRIu64 " bytes, only %zu left",
			                names[num], n, len - off);
		field[num] = buf + off;
		flen[num] = (size_t)n;
		off += (size_t)n;
	}
	if (!field[1] || !flen[1])
		return svc_errf(SVC_EDECODE, "signed.body: missing");
	if (!field[2])
		return svc_errf(SVC_EDECODE, "signed.signature: missing");
	if (flen[2] != SVC_SIG_LEN)
		return svc_errf(SVC_EDECODE, "signed.signature: %zu bytes, expected %d", flen[2],
		                SVC_SIG_LEN);
	*body = field[1];
	*body_len = flen[1];
	memcpy(sig, field[2], SVC_SIG_LEN);
	return 0;
}

/* ------------------------------------------------------------ enrollment */

int svc_enroll_request_encode(const svc_enroll_request *r, uint8_t *buf, size_t cap, size_t *len)
{
	static const char w[] = "enroll";
	Svcsync__EnrollRequestBody m;
	struct chk k = {0};

	if (!r || !len)
		return bad_args("svc_enroll_request_encode");
	*len = 0;
	svcsync__enroll_request_body__init(&m);
	m.node = PUT_STR(&k, r->node, w, "node");
	m.role = r->role;
	m.region = PUT_STR(&k, r->region, w, "region");
	m.pubkey = put_bytes(r->pubkey, SVC_PK_LEN);
	m.created = r->created;
	if (k.rc)
		return k.rc;
	return pb_pack(&m.base, w, SVC_ENROLL_MAX, buf, cap, len);
}

int svc_enroll_request_decode(const uint8_t *buf, size_t len, svc_enroll_request *out)
{
	static const char w[] = "enroll";
	ProtobufCMessage *pm;
	const Svcsync__EnrollRequestBody *m;
	struct chk k = {0};
	int rc;

	if (!out)
		return bad_args("svc_enroll_request_decode");
	memset(out, 0, sizeof *out);
	rc = pb_unpack(&svcsync__enroll_request_body__descriptor, w, SVC_ENROLL_MAX, buf, len, &pm);
	if (rc)
		return rc;
	m = (const Svcsync__EnrollRequestBody *)pm;
	GET_STR(&k, out->node, m->node, w, "node");
	out->role = m->role;
	GET_STR(&k, out->region, m->region, w, "region");
	get_fixed(&k, out->pubkey, SVC_PK_LEN, m->pubkey, w, "pubkey");
	out->created = m->created;
	return pb_done(&k, pm, out, sizeof *out);
}

int svc_bundle_encode(const svc_bundle *b, uint8_t *buf, size_t cap, size_t *len)
{
	static const char w[] = "bundle";
	Svcsync__BundleBody m;
	Svcsync__NodeCert cert;
	struct chk k = {0};

	if (!b || !len)
		return bad_args("svc_bundle_encode");
	*len = 0;
	svcsync__bundle_body__init(&m);
	node_cert_to_pb(&k, &b->cert, "bundle.cert", &cert);
	m.cert = &cert;
	m.hq_pubkey = put_bytes(b->hq_pubkey, SVC_PK_LEN);
	m.hq_node = PUT_STR(&k, b->hq_node, w, "hq_node");
	m.upstream = PUT_STR(&k, b->upstream, w, "upstream");
	m.endpoint = PUT_STR(&k, b->endpoint, w, "endpoint");
	m.upstream_pubkey = put_bytes(b->upstream_pubkey, SVC_PK_LEN);
	if (k.rc)
		return k.rc;
	return pb_pack(&m.base, w, SVC_ENROLL_MAX, buf, cap, len);
}

int svc_bundle_decode(const uint8_t *buf, size_t len, svc_bundle *out)
{
	static const char w[] = "bundle";
	ProtobufCMessage *pm;
	const Svcsync__BundleBody *m;
	struct chk k = {0};
	int rc;

	if (!out)
		return bad_args("svc_bundle_decode");
	memset(out, 0, sizeof *out);
	rc = pb_unpack(&svcsync__bundle_body__descriptor, w, SVC_ENROLL_MAX, buf, len, &pm);
	if (rc)
		return rc;
	m = (const Svcsync__BundleBody *)pm;
	if (!m->cert)
		chk_fail(&k, SVC_EDECODE, "bundle.cert: missing");
	else
		node_cert_from_pb(&k, m->cert, "bundle.cert", &out->cert);
	get_fixed(&k, out->hq_pubkey, SVC_PK_LEN, m->hq_pubkey, w, "hq_pubkey");
	GET_STR(&k, out->hq_node, m->hq_node, w, "hq_node");
	GET_STR(&k, out->upstream, m->upstream, w, "upstream");
	GET_STR(&k, out->endpoint, m->endpoint, w, "endpoint");
	get_fixed(&k, out->upstream_pubkey, SVC_PK_LEN, m->upstream_pubkey, w, "upstream_pubkey");
	return pb_done(&k, pm, out, sizeof *out);
}

/* ------------------------------------------------------------ protocol messages */

/*
 * What a decoded svc_msg owns: the unpacked Envelope, whose byte fields the
 * blobs point into (protobuf-c copied them out of the receive buffer, so the
 * message outlives the ZeroMQ frame), and the arrays built from it.
 */
struct msg_priv {
	ProtobufCMessage *env;
	svc_blob *changes;
	svc_blob *commits;
	svc_origin_head *heads;
};

/* Scratch for packing an Envelope; freed by msg_pb_fini. */
struct msg_pb {
	Svcsync__Envelope env;
	union {
		Svcsync__Hello hello;
		Svcsync__Batch batch;
		Svcsync__Ack ack;
		Svcsync__Ping ping;
		Svcsync__ErrorReply error;
	} b;
	Svcsync__OriginHead *heads;
	Svcsync__OriginHead **headp;
	ProtobufCBinaryData *changes;
	ProtobufCBinaryData *commits;
};

static void msg_pb_fini(struct msg_pb *p)
{
	free(p->heads);
	free(p->headp);
	free(p->changes);
	free(p->commits);
}

static void hello_to_pb(struct chk *k, const svc_hello *h, struct msg_pb *p)
{
	Svcsync__Hello *m = &p->b.hello;

	svcsync__hello__init(m);
	m->version = h->version;
	m->node = PUT_STR(k, h->node, "envelope.hello", "node");
	m->store_id = put_bytes(h->store_id, sizeof h->store_id);
	m->checkpoint = h->checkpoint;
	if (h->has_your_store_id)
		m->your_store_id = put_bytes(h->your_store_id, sizeof h->your_store_id);
	m->hlc = h->hlc;
	m->ping_ms = h->ping_ms;
	m->log_head = h->log_head;
	if (!h->nheads)
		return;
	if (h->nheads > SVC_HELLO_HEADS_MAX) {
		chk_fail(k, SVC_EINVAL, "envelope.hello.heads: %zu entries, limit %d", h->nheads,
		         SVC_HELLO_HEADS_MAX);
		return;
	}
	if (!h->heads) {
		chk_fail(k, SVC_EINVAL, "envelope.hello.heads: NULL with %zu entries", h->nheads);
		return;
	}
	p->heads = calloc(h->nheads, sizeof *p->heads);
	p->headp = calloc(h->nheads, sizeof *p->headp);
	if (!p->heads || !p->headp) {
		chk_fail(k, SVC_ENOMEM, "envelope.hello.heads: %zu entries", h->nheads);
		return;
	}
	for (size_t i = 0; i < h->nheads; i++) {
		svcsync__origin_head__init(&p->heads[i]);
		p->heads[i].origin =
		    PUT_STR(k, h->heads[i].origin, "envelope.hello.heads", "origin");
		p->heads[i].seq = h->heads[i].seq;
		p->headp[i] = &p->heads[i];
	}
	m->n_heads = h->nheads;
	m->heads = p->headp;
}

static ProtobufCBinaryData *blobs_to_pb(struct chk *k, const svc_blob *b, size_t n, size_t max,
                                        const char *what)
{
	static const uint8_t empty[1];
	ProtobufCBinaryData *out;

	if (!n || k->rc)
		return NULL;
	if (n > max) {
		chk_fail(k, SVC_EINVAL, "%s: %zu entries, limit %zu", what, n, max);
		return NULL;
	}
	if (!b) {
		chk_fail(k, SVC_EINVAL, "%s: NULL with %zu entries", what, n);
		return NULL;
	}
	out = calloc(n, sizeof *out);
	if (!out) {
		chk_fail(k, SVC_ENOMEM, "%s: %zu entries", what, n);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!b[i].data && b[i].len) {
			chk_fail(k, SVC_EINVAL, "%s[%zu]: NULL with %zu bytes", what, i, b[i].len);
			break;
		}
		out[i] = put_bytes(b[i].data ? b[i].data : empty, b[i].len);
	}
	return out;
}

static void batch_to_pb(struct chk *k, const svc_batch *b, struct msg_pb *p)
{
	Svcsync__Batch *m = &p->b.batch;

	svcsync__batch__init(m);
	m->id = b->id;
	m->to_lsn = b->to_lsn;
	p->changes = blobs_to_pb(k, b->changes, b->nchanges, SVC_BATCH_CHANGES_MAX,
	                         "envelope.batch.changes");
	p->commits = blobs_to_pb(k, b->commits, b->ncommits, SVC_BATCH_COMMITS_MAX,
	                         "envelope.batch.commits");
	if (k->rc)
		return;
	m->n_changes = b->nchanges;
	m->changes = p->changes;
	m->n_commits = b->ncommits;
	m->commits = p->commits;
}

int svc_msg_encode(const svc_msg *m, uint8_t **out, size_t *len)
{
	struct msg_pb p;
	struct chk k = {0};
	uint8_t *buf = NULL;
	size_t n = 0;

	if (!m || !out || !len)
		return bad_args("svc_msg_encode");
	*out = NULL;
	*len = 0;
	memset(&p, 0, sizeof p);
	svcsync__envelope__init(&p.env);
	switch (m->type) {
	case SVC_MSG_HELLO:
		hello_to_pb(&k, &m->u.hello, &p);
		p.env.msg_case = SVCSYNC__ENVELOPE__MSG_HELLO;
		p.env.hello = &p.b.hello;
		break;
	case SVC_MSG_BATCH:
		batch_to_pb(&k, &m->u.batch, &p);
		p.env.msg_case = SVCSYNC__ENVELOPE__MSG_BATCH;
		p.env.batch = &p.b.batch;
		break;
	case SVC_MSG_ACK:
		svcsync__ack__init(&p.b.ack);
		p.b.ack.id = m->u.ack.id;
		p.b.ack.to_lsn = m->u.ack.to_lsn;
		p.b.ack.applied = m->u.ack.applied;
		p.b.ack.duplicates = m->u.ack.duplicates;
		p.b.ack.quarantined = m->u.ack.quarantined;
		p.env.msg_case = SVCSYNC__ENVELOPE__MSG_ACK;
		p.env.ack = &p.b.ack;
		break;
	case SVC_MSG_PING:
		svcsync__ping__init(&p.b.ping);
		p.b.ping.hlc = m->u.ping.hlc;
		p.b.ping.log_head = m->u.ping.log_head;
		p.env.msg_case = SVCSYNC__ENVELOPE__MSG_PING;
		p.env.ping = &p.b.ping;
		break;
	case SVC_MSG_ERROR:
		svcsync__error_reply__init(&p.b.error);
		p.b.error.code = m->u.error.code;
		p.b.error.text = PUT_STR(&k, m->u.error.text, "envelope.error", "text");
		p.env.msg_case = SVCSYNC__ENVELOPE__MSG_ERROR;
		p.env.error = &p.b.error;
		break;
	case SVC_MSG_NONE:
	default:
		chk_fail(&k, SVC_EINVAL, "envelope: message type %d unknown", (int)m->type);
		break;
	}
	if (!k.rc) {
		n = protobuf_c_message_get_packed_size(&p.env.base);
		if (n > SVC_MSG_MAX)
			chk_fail(&k, SVC_ETOOBIG, "envelope: %zu bytes encoded, limit %zu", n,
			         (size_t)SVC_MSG_MAX);
	}
	if (!k.rc) {
		/* malloc(0) may return NULL; an Envelope is never empty, but be sure. */
		buf = malloc(n ? n : 1);
		if (!buf)
			chk_fail(&k, SVC_ENOMEM, "envelope: %zu bytes", n);
		else if (protobuf_c_message_pack(&p.env.base, buf) != n)
			chk_fail(&k, SVC_EINVAL, "envelope: protobuf-c packed an unexpected size");
	}
	msg_pb_fini(&p);
	if (k.rc) {
		free(buf);
		return k.rc;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* A position a peer states (a checkpoint, an lsn, an origin's seq): 0 means
 * none, anything above SVC_SEQ_MAX is refused before anyone reasons with it. */
static void position_check(struct chk *k, const char *what, uint64_t v)
{
	if (v > SVC_SEQ_MAX)
		chk_fail(k, SVC_EDECODE, "%s: %" PRIu64 " is above %" PRIu64, what, v, SVC_SEQ_MAX);
}

static void hello_from_pb(struct chk *k, const Svcsync__Hello *m, svc_hello *h,
                          struct msg_priv *priv)
{
	h->version = m->version;
	GET_STR(k, h->node, m->node, "envelope.hello", "node");
	get_fixed(k, h->store_id, sizeof h->store_id, m->store_id, "envelope.hello", "store_id");
	h->checkpoint = m->checkpoint;
	position_check(k, "envelope.hello.checkpoint", m->checkpoint);
	/* Empty means the sender holds no checkpoint in our log. */
	if (m->your_store_id.len) {
		get_fixed(k, h->your_store_id, sizeof h->your_store_id, m->your_store_id,
		          "envelope.hello", "your_store_id");
		h->has_your_store_id = true;
	}
	h->hlc = m->hlc;
	h->ping_ms = m->ping_ms;
	h->log_head = m->log_head;
	if (k->rc || !m->n_heads)
		return;
	if (m->n_heads > SVC_HELLO_HEADS_MAX) {
		chk_fail(k, SVC_EDECODE, "envelope.hello.heads: %zu entries, limit %d", m->n_heads,
		         SVC_HELLO_HEADS_MAX);
		return;
	}
	priv->heads = calloc(m->n_heads, sizeof *priv->heads);
	if (!priv->heads) {
		chk_fail(k, SVC_ENOMEM, "envelope.hello.heads: %zu entries", m->n_heads);
		return;
	}
	for (size_t i = 0; i < m->n_heads; i++) {
		const char *o = m->heads[i]->origin ? m->heads[i]->origin : "";
		size_t n = strlen(o);

		if (n >= SVC_ID_LEN) {
			chk_fail(k, SVC_EDECODE,
			         "envelope.hello.heads[%zu].origin: %zu bytes, limit %d", i, n,
			         SVC_ID_LEN - 1);
			return;
		}
		memcpy(priv->heads[i].origin, o, n + 1);
		priv->heads[i].seq = m->heads[i]->seq;
		position_check(k, "envelope.hello.heads.seq", m->heads[i]->seq);
	}
	h->nheads = m->n_heads;
	h->heads = priv->heads;
}

/*
 * Blob sizes are not checked here: a change over SVC_CHANGE_MAX is one bad
 * change, which the apply step quarantines with its reason while the rest of
 * the batch flows. Refusing the whole batch would stall the link on it.
 */
static svc_blob *blobs_from_pb(struct chk *k, const ProtobufCBinaryData *b, size_t n, size_t max,
                               const char *what)
{
	svc_blob *out;

	if (k->rc || !n)
		return NULL;
	if (n > max) {
		chk_fail(k, SVC_EDECODE, "%s: %zu entries, limit %zu", what, n, max);
		return NULL;
	}
	out = calloc(n, sizeof *out);
	if (!out) {
		chk_fail(k, SVC_ENOMEM, "%s: %zu entries", what, n);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		out[i].data = b[i].data;
		out[i].len = b[i].len;
	}
	return out;
}

static void batch_from_pb(struct chk *k, const Svcsync__Batch *m, svc_batch *b,
                          struct msg_priv *priv)
{
	b->id = m->id;
	b->to_lsn = m->to_lsn;
	position_check(k, "envelope.batch.to_lsn", m->to_lsn);
	priv->changes = blobs_from_pb(k, m->changes, m->n_changes, SVC_BATCH_CHANGES_MAX,
	                              "envelope.batch.changes");
	priv->commits = blobs_from_pb(k, m->commits, m->n_commits, SVC_BATCH_COMMITS_MAX,
	                              "envelope.batch.commits");
	if (k->rc)
		return;
	b->nchanges = m->n_changes;
	b->changes = priv->changes;
	b->ncommits = m->n_commits;
	b->commits = priv->commits;
}

int svc_msg_decode(const uint8_t *buf, size_t len, svc_msg *out)
{
	const Svcsync__Envelope *env;
	struct msg_priv *priv;
	struct chk k = {0};
	int rc;

	if (!out)
		return bad_args("svc_msg_decode");
	memset(out, 0, sizeof *out);
	/* Before the allocation: an oversized frame costs nothing. */
	if (len > SVC_MSG_MAX)
		return svc_errf(SVC_ETOOBIG, "envelope: %zu bytes, limit %zu", len,
		                (size_t)SVC_MSG_MAX);
	priv = calloc(1, sizeof *priv);
	if (!priv)
		return svc_errf(SVC_ENOMEM, "envelope: %zu bytes", len);
	rc = pb_unpack(&svcsync__envelope__descriptor, "envelope", SVC_MSG_MAX, buf, len,
	               &priv->env);
	if (rc) {
		free(priv);
		return rc;
	}
	out->priv_ = priv;
	env = (const Svcsync__Envelope *)priv->env;
	switch (env->msg_case) {
	case SVCSYNC__ENVELOPE__MSG_HELLO:
		out->type = SVC_MSG_HELLO;
		hello_from_pb(&k, env->hello, &out->u.hello, priv);
		break;
	case SVCSYNC__ENVELOPE__MSG_BATCH:
		out->type = SVC_MSG_BATCH;
		batch_from_pb(&k, env->batch, &out->u.batch, priv);
		break;
	case SVCSYNC__ENVELOPE__MSG_ACK:
		out->type = SVC_MSG_ACK;
		out->u.ack.id = env->ack->id;
		out->u.ack.to_lsn = env->ack->to_lsn;
		position_check(&k, "envelope.ack.to_lsn", env->ack->to_lsn);
		out->u.ack.applied = env->ack->applied;
		out->u.ack.duplicates = env->ack->duplicates;
		out->u.ack.quarantined = env->ack->quarantined;
		break;
	case SVCSYNC__ENVELOPE__MSG_PING:
		out->type = SVC_MSG_PING;
		out->u.ping.hlc = env->ping->hlc;
		out->u.ping.log_head = env->ping->log_head;
		break;
	case SVCSYNC__ENVELOPE__MSG_ERROR:
		out->type = SVC_MSG_ERROR;
		out->u.error.code = env->error->code;
		GET_STR(&k, out->u.error.text, env->error->text, "envelope.error", "text");
		break;
	case SVCSYNC__ENVELOPE__MSG__NOT_SET:
	default:
		/* Also a message type from a newer protocol version. */
		chk_fail(&k, SVC_EDECODE, "envelope: no message");
		break;
	}
	if (k.rc)
		svc_msg_free(out);
	return k.rc;
}

void svc_msg_free(svc_msg *m)
{
	struct msg_priv *priv;

	if (!m)
		return;
	priv = m->priv_;
	if (priv) {
		if (priv->env)
			protobuf_c_message_free_unpacked(priv->env, NULL);
		free(priv->changes);
		free(priv->commits);
		free(priv->heads);
		free(priv);
	}
	memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------ export files */

int svc_export_header_encode(const svc_export_header *h, uint8_t *buf, size_t cap, size_t *len)
{
	static const char w[] = "export";
	Svcsync__ExportHeader m;
	struct chk k = {0};

	if (!h || !len)
		return bad_args("svc_export_header_encode");
	*len = 0;
	svcsync__export_header__init(&m);
	m.version = h->version;
	m.signer = PUT_STR(&k, h->signer, w, "signer");
	m.target = PUT_STR(&k, h->target, w, "target");
	m.store_id = put_bytes(h->store_id, sizeof h->store_id);
	m.created_ms = h->created_ms;
	m.content_hash = put_bytes(h->content_hash, SVC_HASH_LEN);
	m.batches = h->batches;
	m.changes = h->changes;
	if (k.rc)
		return k.rc;
	return pb_pack(&m.base, w, SVC_EXPORT_HEADER_MAX, buf, cap, len);
}

int svc_export_header_decode(const uint8_t *buf, size_t len, svc_export_header *out)
{
	static const char w[] = "export";
	ProtobufCMessage *pm;
	const Svcsync__ExportHeader *m;
	struct chk k = {0};
	int rc;

	if (!out)
		return bad_args("svc_export_header_decode");
	memset(out, 0, sizeof *out);
	rc = pb_unpack(&svcsync__export_header__descriptor, w, SVC_EXPORT_HEADER_MAX, buf, len,
	               &pm);
	if (rc)
		return rc;
	m = (const Svcsync__ExportHeader *)pm;
	out->version = m->version;
	GET_STR(&k, out->signer, m->signer, w, "signer");
	GET_STR(&k, out->target, m->target, w, "target");
	get_fixed(&k, out->store_id, sizeof out->store_id, m->store_id, w, "store_id");
	out->created_ms = m->created_ms;
	get_fixed(&k, out->content_hash, SVC_HASH_LEN, m->content_hash, w, "content_hash");
	out->batches = m->batches;
	out->changes = m->changes;
	if (!k.rc && out->version != SVC_EXPORT_VERSION)
		chk_fail(&k, SVC_EDECODE, "export.version: %u, this node reads version %d",
		         out->version, SVC_EXPORT_VERSION);
	if (!k.rc && (!out->signer[0] || !out->target[0]))
		chk_fail(&k, SVC_EDECODE, "export: signer or target missing");
	return pb_done(&k, pm, out, sizeof *out);
}
