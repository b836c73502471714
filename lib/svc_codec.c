/*
 * svc_codec: svcsync values <-> protobuf bytes. See svc_codec.h.
 *
 * One file, though a long one: it is the only includer of the generated
 * header, and so of protobuf-c, and all of it (the wire walk, the field
 * tables and their two walkers, the few messages mapped by hand) serves that
 * one mapping. Splitting it would hand the generated structs to a second
 * file.
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
 *     Envelope, which the svc_msg keeps until svc_codec_msg_free.
 *  4. Meaning: copy into the fixed svc_types buffers, with the length and
 *     count checks the wire cannot express.
 *
 * Step 4, and its mirror in the encoders, is driven by one table per message
 * (see "field maps"): a row says where a field sits in the svc_types struct,
 * how big it is there and how it is carried, and one generic walker each way
 * does the copying and the checks, so every field of every message is
 * checked the same way and a new field is one row. What the tables cannot
 * say is written by hand next to them, each saying why: the commit header's
 * hashes, HELLO's heads and BATCH's blobs (arrays behind pointers), the
 * export header's version check, and Signed.
 *
 * Encoders build the protobuf-c structs in a scratch area on the stack,
 * pointing at the caller's buffers (no copy, and no allocation except the
 * commit header's hash list and the protocol's arrays), and apply the same
 * limits as the decoders: a change its origin can encode but receivers
 * refuse would break that origin's hash chain at every receiver, so such a
 * value is refused at the origin, where a user can still be told. protobuf-c writes fields in
 * field-number order and leaves out proto3 defaults, so one value always gives the same bytes.
 * A table-mapped value is first written by its rows directly, by those same
 * rules (see "The direct writer"); whatever that writer does not take on
 * goes through protobuf-c as described here, and the round-trip tests check
 * that both give the same bytes.
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
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
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
_Static_assert(2 * sizeof(svc_transfer) < SVC_STATE_MAX, "a transfer must fit SVC_STATE_MAX");
_Static_assert(2 * sizeof(svc_catalog_item) < SVC_STATE_MAX, "a part must fit SVC_STATE_MAX");
_Static_assert(2 * sizeof(svc_policy) < SVC_STATE_MAX, "a policy must fit SVC_STATE_MAX");
_Static_assert(2 * sizeof(svc_customer) < SVC_STATE_MAX, "a customer must fit SVC_STATE_MAX");
_Static_assert(2 * sizeof(svc_unit) < SVC_STATE_MAX, "a unit must fit SVC_STATE_MAX");
_Static_assert(2 * sizeof(svc_old_part) < SVC_STATE_MAX, "an old part must fit SVC_STATE_MAX");
_Static_assert(2 * sizeof(svc_statement) < SVC_STATE_MAX, "a statement must fit SVC_STATE_MAX");
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
/* More fields than any message of the schema has (TicketState: 47). */
#define WIRE_FIELDS_MAX 64
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

/* Where a field sits in the value ("change.claim_submit.parts[1]"): a chain
 * on the stack, formatted only when something is wrong. Both the wire walk
 * and the field maps name fields this way. */
struct wpath {
	const struct wpath *up;
	const char *name;
	size_t idx1; /* an array element: its index plus one; 0 otherwise */
};

static void wpath_fmt(const struct wpath *p, char *out, size_t cap)
{
	const struct wpath *chain[WIRE_DEPTH_MAX + 2];
	size_t n = 0, used = 0;

	for (; p && n < sizeof chain / sizeof chain[0]; p = p->up)
		chain[n++] = p;
	out[0] = '\0';
	while (n > 0) {
		const struct wpath *q = chain[--n];
		const char *dot = used ? "." : "";
		int w;

		if (q->idx1)
			w = snprintf(out + used, cap - used, "%s%s[%zu]", dot, q->name,
			             q->idx1 - 1);
		else
			w = snprintf(out + used, cap - used, "%s%s", dot, q->name);
		if (w < 0 || (size_t)w >= cap - used)
			break;
		used += (size_t)w;
	}
}

static void field_fail(struct chk *k, int code, const struct wpath *at, const char *field,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Fails the mapping with "<path>.<field>: <detail>" (field may be NULL). */
static void field_fail(struct chk *k, int code, const struct wpath *at, const char *field,
                       const char *fmt, ...)
{
	struct wpath f = {at, field, 0};
	char path[160], msg[160];
	va_list ap;

	if (k->rc)
		return;
	wpath_fmt(field ? &f : at, path, sizeof path);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	k->rc = svc_errf(code, "%s: %s", path, msg);
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

/* Characters (code points) of valid UTF-8: the bytes that start one. */
static size_t utf8_chars(const char *s, size_t n)
{
	size_t chars = 0;

	for (size_t i = 0; i < n; i++)
		chars += ((uint8_t)s[i] & 0xc0) != 0x80;
	return chars;
}

/*
 * A string field for packing: s must be NUL-terminated inside its cap-byte
 * buffer, valid UTF-8 and (chars > 0) at most chars characters, or the
 * decoders would refuse what we write.
 */
static inline char *put_str(struct chk *k, const char *s, size_t cap, size_t chars,
                            const struct wpath *at, const char *field)
{
	size_t n;

	/* Most strings of a stored ticket are empty (its opening fields live
	 * in the opening change). */
	if (cap && !s[0])
		return unconst_str(s);
	n = strnlen(s, cap);
	if (n == cap) {
		field_fail(k, SVC_EINVAL, at, field, "not NUL-terminated within %zu bytes", cap);
		return unconst_str("");
	}
	if (!utf8_valid((const uint8_t *)s, n)) {
		field_fail(k, SVC_EINVAL, at, field, "not valid UTF-8");
		return unconst_str("");
	}
	if (chars && utf8_chars(s, n) > chars) {
		field_fail(k, SVC_EINVAL, at, field, "%zu characters, limit %zu", utf8_chars(s, n),
		           chars);
		return unconst_str("");
	}
	return unconst_str(s);
}

/* A decoded string into its fixed buffer. wire_check has already refused
 * embedded NULs and invalid UTF-8, so strlen is the wire length. */
static inline void get_str(struct chk *k, char *dst, size_t cap, size_t chars, const char *src,
                           const struct wpath *at, const char *field)
{
	size_t n;

	if (k->rc)
		return;
	if (!src || !src[0]) {
		dst[0] = '\0';
		return;
	}
	n = strlen(src);
	if (n >= cap) {
		field_fail(k, SVC_EDECODE, at, field, "%zu bytes, limit %zu", n, cap - 1);
		return;
	}
	if (chars && utf8_chars(src, n) > chars) {
		field_fail(k, SVC_EDECODE, at, field, "%zu characters, limit %zu",
		           utf8_chars(src, n), chars);
		return;
	}
	memcpy(dst, src, n + 1);
}

/* ------------------------------------------------------------ bytes */

static ProtobufCBinaryData put_bytes(const uint8_t *p, size_t n)
{
	ProtobufCBinaryData b = {n, unconst_bytes(p)};
	return b;
}

/* Fixed-size fields (hashes, keys, signatures) are always written in full,
 * so a decoder accepts nothing but the exact length. */
static void get_fixed(struct chk *k, uint8_t *dst, size_t n, ProtobufCBinaryData b,
                      const struct wpath *at, const char *field)
{
	if (k->rc)
		return;
	if (b.len != n) {
		field_fail(k, SVC_EDECODE, at, field, "%zu bytes, expected %zu", b.len, n);
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
	if (d == &svcsync__ticket_charge__descriptor && field == 2)
		return SVC_CLAIM_PARTS_MAX;
	/* claim lines, labor tariff, price history */
	if ((d == &svcsync__claim_submit__descriptor && field == 10) ||
	    (d == &svcsync__claim_state__descriptor && field == 26))
		return SVC_CLAIM_OPS_MAX;
	if (d == &svcsync__claim_state__descriptor && field == 30)
		return SVC_CLAIM_LINES_MAX;
	if (d == &svcsync__claim_decide__descriptor && field == 7)
		return SVC_CLAIM_DECISIONS_MAX;
	if (d == &svcsync__tariff_state__descriptor && field == 4)
		return SVC_TRAVEL_BANDS_MAX;
	if (d == &svcsync__catalog_state__descriptor && field == 8)
		return SVC_PRICES_MAX;
	/* the shop's ledger */
	if (d == &svcsync__pay_run__descriptor && field == 2)
		return SVC_PAY_RUN_CLAIMS_MAX;
	if (d == &svcsync__statement_state__descriptor && field == 4)
		return SVC_STATEMENT_RUNS_MAX;
	if (d == &svcsync__statement_state__descriptor && field == 5)
		return SVC_STATEMENT_PAID_MAX;
	if (d == &svcsync__statement_state__descriptor && field == 6)
		return SVC_STATEMENT_DEDUCTIONS_MAX;
	if (d == &svcsync__commit_header__descriptor && field == 4)
		return SVC_COMMIT_CHANGES_MAX;
	if (d == &svcsync__hello__descriptor && field == 6)
		return SVC_HELLO_HEADS_MAX;
	if (d == &svcsync__batch__descriptor && field == 3)
		return SVC_BATCH_CHANGES_MAX;
	if (d == &svcsync__batch__descriptor && field == 4)
		return SVC_BATCH_COMMITS_MAX;
	/* policy */
	if ((d == &svcsync__policy_set__descriptor || d == &svcsync__policy_state__descriptor) &&
	    field == 3)
		return SVC_POLICY_ENTRIES_MAX;
	/* shops */
	if (d == &svcsync__shop_state__descriptor && field == 10)
		return SVC_SHOP_TECHS_MAX;
	if (d == &svcsync__shop_state__descriptor && field == 26)
		return SVC_SHOP_ASSESS_KEPT;
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
				struct wpath sub = {path, f->name, 0};
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
			struct wpath sub = {path, f ? f->name : "?", 0};

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

/*
 * Where protobuf-c allocates while unpacking a change or a state: one
 * allocation per string field and per message, each freed again before the
 * decoder returns, cost a third of a decode through malloc. They are cut
 * from a buffer on the stack instead, which the decode drops as a whole;
 * one that does not fit (a claim with many parts) goes to the heap, and
 * only then is the unpacked message walked to free it.
 */
#define UNPACK_ARENA 4096

struct unpack_arena {
	ProtobufCAllocator a;
	size_t used;
	bool spilled;
	_Alignas(max_align_t) unsigned char buf[UNPACK_ARENA];
};

static void *arena_alloc(void *data, size_t n)
{
	struct unpack_arena *u = data;
	size_t need = (n + 15) & ~(size_t)15;
	void *p;

	if (need >= n && need <= sizeof u->buf - u->used) {
		p = u->buf + u->used;
		u->used += need;
		return p;
	}
	u->spilled = true;
	return malloc(n);
}

static void arena_free(void *data, void *p)
{
	struct unpack_arena *u = data;
	uintptr_t at = (uintptr_t)p, lo = (uintptr_t)u->buf;

	if (at - lo < sizeof u->buf)
		return;
	free(p);
}

static void arena_init(struct unpack_arena *u)
{
	u->a.alloc = arena_alloc;
	u->a.free = arena_free;
	u->a.allocator_data = u;
	u->used = 0;
	u->spilled = false;
}

/* Size cap, wire walk, unpack (alloc NULL: protobuf-c's default allocator).
 * On success the caller owns *out and frees it with pb_done. */
static int pb_unpack(const ProtobufCMessageDescriptor *d, const char *what, size_t max,
                     const uint8_t *buf, size_t len, struct unpack_arena *arena,
                     ProtobufCMessage **out)
{
	static const uint8_t empty[1];
	struct wpath root = {NULL, what, 0};
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
	*out = protobuf_c_message_unpack(d, arena ? &arena->a : NULL, len, buf);
	if (!*out)
		return svc_errf(SVC_EDECODE, "%s: not a valid %s message (or out of memory)", what,
		                d->short_name);
	return 0;
}

/* Frees the unpacked message; on error zeroes the half-filled output. */
static int pb_done(const struct chk *k, ProtobufCMessage *m, struct unpack_arena *arena, void *out,
                   size_t size)
{
	if (!arena)
		protobuf_c_message_free_unpacked(m, NULL);
	else if (arena->spilled)
		protobuf_c_message_free_unpacked(m, &arena->a);
	if (k->rc)
		memset(out, 0, size);
	return k->rc;
}

/* ------------------------------------------------------------ field maps
 *
 * Each message is a table: one row per field, saying where the field sits in
 * the svc_types struct, how big it is there, which protobuf field it is and
 * how it is carried. One encoder (to_pb) and one decoder (from_pb) walk any
 * table; they reach the generated struct through protobuf-c's own field
 * descriptors (the row names the field number, the descriptor gives its
 * offset, type and name), so the generated header is only needed for the
 * descriptors themselves. The rows of a table follow the order in which
 * errors are looked for; the bytes do not depend on it (protobuf-c writes
 * fields in number order).
 *
 * Integers are copied as they are, between members and fields of the same
 * width. An enum is a plain uint32 here: which values exist is the rules'
 * business, and a newer node may know more of them.
 */
enum fkind {
	K_STR,       /* char[size], NUL-terminated UTF-8; max: a limit in characters, or 0 */
	K_INT,       /* an integer of size bytes; max: the largest decoded value, or 0 for any */
	K_BOOL,      /* bool <-> protobuf_c_boolean */
	K_FIXED,     /* uint8_t[size], always exactly size bytes on the wire */
	K_FIXED_OPT, /* likewise, but on the wire only when the bool at aux is set */
	K_BYTES,     /* uint8_t[size] holding as many bytes as the size_t at aux says */
	K_MSG,       /* a nested struct <-> a message that must be present */
	K_REP,       /* up to max elements of size bytes, their uint32_t count at aux */
	K_ONEOF,     /* a union at off, its uint32-sized kind at aux <-> a oneof */
};

struct fmap {
	uint32_t num; /* the protobuf field number (0 for a oneof: see its members) */
	uint8_t kind; /* enum fkind */
	size_t off;   /* the member in the C struct */
	size_t size;
	size_t aux;
	uint64_t max;
	const void *sub; /* K_MSG, K_REP: struct msgmap; K_ONEOF: struct oneofmap */
};

struct msgmap {
	const ProtobufCMessageDescriptor *pb;
	size_t csize; /* the C struct */
	size_t n;
	const struct fmap *f;
	/* Each row's generated field, looked up once (see map_fields). */
	const ProtobufCFieldDescriptor **fd;
	atomic_bool *resolved;
};

/* A oneof: which C kind is which member, and how to say "none of them". */
struct oneof_alt {
	uint32_t ckind;
	uint32_t num;
	const struct msgmap *sub;
};

struct oneofmap {
	size_t n;
	const struct oneof_alt *alt;
	const char *kind_name; /* "<kind_name> 13 <kind_bad>" when encoding */
	const char *kind_bad;
	const char *none; /* when decoding a message that sets no member */
};

/* The tables below are laid out by hand, a row per field where it helps. */
// clang-format off
/* Rows of the table of struct T (each table defines T around itself). */
#define MEMBER_(f) offsetof(T, f), sizeof(((T *)0)->f)
#define F_STR(num, f) {(num), K_STR, MEMBER_(f), 0, 0, NULL}
#define F_STRN(num, f, chars) {(num), K_STR, MEMBER_(f), 0, (chars), NULL}
#define F_INT(num, f) {(num), K_INT, MEMBER_(f), 0, 0, NULL}
#define F_POS(num, f) {(num), K_INT, MEMBER_(f), 0, SVC_SEQ_MAX, NULL}
#define F_BOOL(num, f) {(num), K_BOOL, MEMBER_(f), 0, 0, NULL}
#define F_FIXED(num, f) {(num), K_FIXED, MEMBER_(f), 0, 0, NULL}
#define F_FIXED_OPT(num, f, has) {(num), K_FIXED_OPT, MEMBER_(f), offsetof(T, has), 0, NULL}
#define F_BYTES(num, f, lenf) {(num), K_BYTES, MEMBER_(f), offsetof(T, lenf), 0, NULL}
#define F_MSG(num, f, map) {(num), K_MSG, MEMBER_(f), 0, 0, &(map)}
#define F_REP(num, f, countf, map)                                                                \
	{(num), K_REP, offsetof(T, f), sizeof(((T *)0)->f[0]), offsetof(T, countf),               \
	 sizeof(((T *)0)->f) / sizeof(((T *)0)->f[0]), &(map)}
#define F_ONEOF(f, kindf, map) {0, K_ONEOF, MEMBER_(f), offsetof(T, kindf), 0, &(map)}

#define MSGMAP(name, desc, ...)                                                                   \
	static const struct fmap name##_rows[] = {__VA_ARGS__};                                   \
	static const ProtobufCFieldDescriptor                                                     \
	    *name##_fd[sizeof name##_rows / sizeof name##_rows[0]];                               \
	static atomic_bool name##_resolved;                                                       \
	static const struct msgmap name = {&(desc),        sizeof(T),                             \
	                                   sizeof name##_rows / sizeof name##_rows[0],            \
	                                   name##_rows,    name##_fd,                             \
	                                   &name##_resolved}

/* A oneof's kind is read as a uint32_t. */
_Static_assert(sizeof(svc_change_kind) == sizeof(uint32_t), "change kind is uint32-sized");
_Static_assert(sizeof(svc_msg_type) == sizeof(uint32_t), "message type is uint32-sized");

#define T svc_claim_part
MSGMAP(claim_part_map, svcsync__claim_part__descriptor,
       F_STR(1, part_no), F_INT(2, qty), F_INT(3, unit_price), F_INT(4, amount));
#undef T

/* claim lines */
#define T svc_claim_op
MSGMAP(claim_op_map, svcsync__claim_op__descriptor,
       F_STR(1, code), F_INT(2, minutes), F_INT(3, amount), F_INT(4, flags));
#undef T

#define T svc_claim_line_decision
MSGMAP(claim_line_decision_map, svcsync__claim_line_decision__descriptor,
       F_INT(1, line), F_INT(2, amount), F_STRN(3, reason, SVC_LINE_REASON_CHARS));
#undef T

#define T svc_claim_line_state
MSGMAP(claim_line_state_map, svcsync__claim_line_state__descriptor,
       F_BOOL(1, has_proposal), F_INT(2, proposed), F_INT(3, approved));
#undef T

#define T svc_price_entry
MSGMAP(price_entry_map, svcsync__price_entry__descriptor, F_INT(1, from), F_INT(2, price));
#undef T

#define T svc_travel_band
MSGMAP(travel_band_map, svcsync__travel_band__descriptor, F_INT(1, max_km), F_INT(2, fen));
#undef T

/* The body's length is checked against the buffer both ways; the body itself
 * is opaque here (svc_codec_cert_decode reads it). */
#define T svc_node_cert
MSGMAP(node_cert_map, svcsync__node_cert__descriptor,
       F_BYTES(1, body, body_len), F_FIXED(2, signature), F_INT(3, held_through));
#undef T

/* ---- change bodies */

#define T svc_ticket_open
MSGMAP(ticket_open_map, svcsync__ticket_open__descriptor,
       F_INT(1, kind), F_STR(2, customer), F_STR(3, phone), F_STR(4, address),
       F_STR(5, product), F_STR(6, serial), F_INT(7, purchased), F_STR(8, fault),
       F_STR(9, region), F_STR(10, shop), F_STR(11, customer_id), F_STR(12, unit_id),
       /* policy */
       F_STR(13, model), F_STR(14, category), F_INT(15, installed), F_INT(16, policy_version),
       F_INT(17, grade), F_INT(18, channel), F_INT(19, warranty_until),
       F_INT(20, onsite_hours), F_INT(21, opened_on),
       F_STR(22, override_reason), F_STR(23, override_by));
#undef T

#define T svc_ticket_assign
MSGMAP(ticket_assign_map, svcsync__ticket_assign__descriptor, F_STR(1, shop));
#undef T

#define T svc_ticket_status_body
MSGMAP(ticket_status_map, svcsync__ticket_status__descriptor,
       F_INT(1, status), F_STR(2, reason),
       /* policy */
       F_INT(3, at), F_STR(4, fault_code));
#undef T

#define T svc_ticket_note
MSGMAP(ticket_note_map, svcsync__ticket_note__descriptor, F_STR(1, text));
#undef T

#define T svc_ticket_callback
MSGMAP(ticket_callback_map, svcsync__ticket_callback__descriptor,
       F_INT(1, satisfaction), F_STR(2, note), F_INT(3, outcome), F_INT(4, limit));
#undef T

#define T svc_catalog_put
MSGMAP(catalog_put_map, svcsync__catalog_put__descriptor,
       F_STR(1, part_no), F_STR(2, name), F_INT(3, price), F_INT(4, return_old));
#undef T

#define T svc_part_move
MSGMAP(part_move_map, svcsync__part_move__descriptor,
       F_INT(1, kind), F_STR(2, location), F_STR(3, part_no), F_INT(4, qty),
       F_STR(5, ticket), F_STR(6, transfer), F_STR(7, peer), F_STR(8, reason));
#undef T

#define T svc_claim_submit
MSGMAP(claim_submit_map, svcsync__claim_submit__descriptor,
       F_STR(1, ticket), F_INT(2, revision), F_INT(3, labor),
       F_REP(4, parts, nparts, claim_part_map), F_INT(5, travel), F_INT(6, other),
       /* claim lines */
       F_REP(10, ops, nops, claim_op_map), F_INT(11, distance_km), F_INT(12, travel_flags),
       F_INT(13, policy_version), F_BOOL(14, priced),
       F_INT(7, total), F_STR(8, note), F_STR(9, region));
#undef T

#define T svc_claim_decide
MSGMAP(claim_decide_map, svcsync__claim_decide__descriptor,
       F_INT(1, action), F_INT(2, revision), F_INT(3, amount), F_STR(4, reason),
       F_STR(5, ref), F_INT(6, claimed),
       /* claim lines */
       F_REP(7, lines, nlines, claim_line_decision_map), F_STR(8, repeat_of));
#undef T

#define T svc_node_revoke
MSGMAP(node_revoke_map, svcsync__node_revoke__descriptor,
       F_STR(1, node), F_STR(2, reason), F_INT(3, serial), F_INT(4, cutoff_seq));
#undef T

#define T svc_quarantine_release
MSGMAP(quarantine_release_map, svcsync__quarantine_release__descriptor,
       F_STR(1, origin), F_INT(2, through_seq), F_STR(3, reason));
#undef T

/* ---- policy: service policy, region grades, product models, fault codes */

#define T svc_policy_entry
MSGMAP(policy_entry_map, svcsync__policy_entry__descriptor, F_STR(1, key), F_STR(2, value));
#undef T

#define T svc_policy_set
MSGMAP(policy_set_map, svcsync__policy_set__descriptor,
       F_INT(1, version), F_INT(2, from), F_REP(3, entries, nentries, policy_entry_map));
#undef T

#define T svc_region_grade
MSGMAP(region_grade_map, svcsync__region_grade__descriptor, F_STR(1, region), F_INT(2, grade));
#undef T

#define T svc_model_put
MSGMAP(model_put_map, svcsync__model_put__descriptor, F_STR(1, model), F_STR(2, category));
#undef T

#define T svc_fault_code_put
MSGMAP(fault_code_put_map, svcsync__fault_code_put__descriptor,
       F_STR(1, code), F_STR(2, category), F_STR(3, text));
#undef T

/* ---- customer files and product units */

#define T svc_customer_put
MSGMAP(customer_put_map, svcsync__customer_put__descriptor,
       F_INT(1, fields), F_STRN(2, name, SVC_CUSTOMER_NAME_CHARS), F_STR(3, phones[0]),
       F_STR(4, phones[1]), F_STR(5, phones[2]), F_STRN(6, address, SVC_CUSTOMER_ADDR_CHARS),
       F_INT(7, tier));
#undef T

#define T svc_record_merge
MSGMAP(customer_merge_map, svcsync__customer_merge__descriptor, F_STR(1, into));
MSGMAP(unit_merge_map, svcsync__unit_merge__descriptor, F_STR(1, into));
#undef T

#define T svc_unit_put
MSGMAP(unit_put_map, svcsync__unit_put__descriptor,
       F_INT(1, fields), F_STR(2, serial), F_STRN(3, model, SVC_MODEL_CHARS),
       F_INT(4, purchased), F_INT(5, installed), F_STR(6, owner));
#undef T

/* ---- policy: ticket exceptions and re-judging */

#define T svc_ticket_override
MSGMAP(ticket_override_map, svcsync__ticket_override__descriptor,
       F_STR(1, serial), F_INT(2, kind), F_STR(3, reason),
       F_STR(4, region), F_STR(5, shop));
#undef T

#define T svc_ticket_rejudge
MSGMAP(ticket_rejudge_map, svcsync__ticket_rejudge__descriptor,
       F_INT(1, policy_version), F_INT(2, grade), F_INT(3, warranty_until),
       F_INT(4, onsite_hours));
#undef T

/* ---- complaints */

#define T svc_complaint_open
MSGMAP(complaint_open_map, svcsync__complaint_open__descriptor,
       F_STR(1, region), F_STR(2, shop), F_STR(3, ticket), F_STR(4, customer_id),
       F_STRN(5, category, SVC_COMPLAINT_CATEGORY_CHARS), F_INT(6, severity),
       F_INT(7, channel), F_STR(8, text), F_INT(9, policy_version), F_INT(10, days),
       F_INT(11, opened_on));
#undef T

#define T svc_complaint_status_body
MSGMAP(complaint_status_map, svcsync__complaint_status__descriptor,
       F_INT(1, status), F_INT(2, finding), F_STR(3, responsible), F_STR(4, remedy));
#undef T

#define T svc_complaint_text
MSGMAP(complaint_note_map, svcsync__complaint_note__descriptor, F_STR(1, text));
MSGMAP(complaint_statement_map, svcsync__complaint_statement__descriptor, F_STR(1, text));
#undef T

/* ---- out-of-warranty work */

#define T svc_ticket_charge
MSGMAP(ticket_charge_map, svcsync__ticket_charge__descriptor,
       F_INT(1, labor), F_REP(2, parts, nparts, claim_part_map), F_INT(3, travel),
       F_INT(4, total));
#undef T

#define T svc_claim_allow
MSGMAP(claim_allow_map, svcsync__claim_allow__descriptor, F_STR(1, reason));
#undef T

/* labor operations, tariff, price history */
#define T svc_labor_put
MSGMAP(labor_put_map, svcsync__labor_put__descriptor,
       F_STR(1, code), F_STR(2, category), F_INT(3, minutes), F_STR(4, text));
#undef T

#define T svc_tariff_set
MSGMAP(tariff_set_map, svcsync__tariff_set__descriptor,
       F_INT(1, kind), F_INT(2, grade), F_INT(3, fen_per_hour), F_INT(4, max_km), F_INT(5, fen));
#undef T

#define T svc_catalog_price
MSGMAP(catalog_price_map, svcsync__catalog_price__descriptor,
       F_STR(1, part_no), F_INT(2, price), F_INT(3, from));
#undef T

/* ---- old parts */

#define T svc_old_part_step
MSGMAP(old_part_step_map, svcsync__old_part__descriptor, F_INT(1, action), F_STR(2, ticket),
       F_STR(3, part_no), F_INT(4, qty), F_INT(5, reject), F_STR(6, reason), F_STR(7, shop),
       F_STR(8, region));
#undef T

/* ---- the shop's ledger */

#define T svc_pay_line
MSGMAP(pay_line_map, svcsync__pay_line__descriptor, F_STR(1, claim), F_INT(2, amount));
#undef T

#define T svc_pay_run
MSGMAP(pay_run_map, svcsync__pay_run__descriptor,
       F_STR(1, ref), F_REP(2, claims, nclaims, pay_line_map), F_INT(3, from), F_INT(4, to),
       F_INT(5, policy_version));
#undef T

#define T svc_statement_confirm
MSGMAP(statement_confirm_map, svcsync__statement_confirm__descriptor,
       F_STRN(1, invoice, SVC_INVOICE_CHARS));
#undef T

#define T svc_ledger_deduct
MSGMAP(ledger_deduct_map, svcsync__ledger_deduct__descriptor,
       F_INT(1, fen), F_STR(2, reason));
#undef T

/* ---- shops */

#define T svc_shop_put
MSGMAP(shop_put_map, svcsync__shop_put__descriptor,
       F_BOOL(1, apply), F_INT(2, fields), F_STR(3, region), F_STR(4, legal_name),
       F_STR(5, legal_rep), F_STR(6, address), F_STR(7, area), F_STR(8, contact),
       F_INT(9, type), F_STR(10, tech_name), F_STR(11, tech_qual), F_BOOL(12, tech_drop));
#undef T

#define T svc_shop_stage_body
MSGMAP(shop_stage_map, svcsync__shop_stage__descriptor,
       F_INT(1, stage), F_STR(2, reason), F_STR(3, agreement), F_INT(4, valid_from),
       F_INT(5, valid_to), F_STR(6, region), F_INT(7, serial), F_INT(8, probation_until),
       F_BOOL(9, refused));
#undef T

#define T svc_shop_assess
MSGMAP(shop_assess_map, svcsync__shop_assess__descriptor,
       F_INT(1, period), F_INT(2, score), F_INT(3, complaints), F_INT(4, tickets),
       F_INT(5, callback_pm), F_INT(6, onsite_pm), F_INT(7, outcome), F_STR(8, reason));
#undef T

/* ---- the change */

static const struct oneof_alt change_body_alts[] = {
    {SVC_CK_TICKET_OPEN, 16, &ticket_open_map},
    {SVC_CK_TICKET_ASSIGN, 17, &ticket_assign_map},
    {SVC_CK_TICKET_STATUS, 18, &ticket_status_map},
    {SVC_CK_TICKET_NOTE, 19, &ticket_note_map},
    {SVC_CK_TICKET_CALLBACK, 20, &ticket_callback_map},
    {SVC_CK_CATALOG_PUT, 21, &catalog_put_map},
    {SVC_CK_PART_MOVE, 22, &part_move_map},
    {SVC_CK_CLAIM_SUBMIT, 23, &claim_submit_map},
    {SVC_CK_CLAIM_DECIDE, 24, &claim_decide_map},
    {SVC_CK_NODE_CERT, 25, &node_cert_map},
    {SVC_CK_NODE_REVOKE, 26, &node_revoke_map},
    {SVC_CK_QUARANTINE_RELEASE, 27, &quarantine_release_map},
    /* customer */
    {SVC_CK_CUSTOMER_PUT, 28, &customer_put_map},
    {SVC_CK_CUSTOMER_MERGE, 29, &customer_merge_map},
    {SVC_CK_UNIT_PUT, 30, &unit_put_map},
    {SVC_CK_UNIT_MERGE, 31, &unit_merge_map},
    /* policy */
    {SVC_CK_TICKET_OVERRIDE, 36, &ticket_override_map},
    {SVC_CK_TICKET_REJUDGE, 37, &ticket_rejudge_map},
    /* complaints */
    {SVC_CK_COMPLAINT_OPEN, 38, &complaint_open_map},
    {SVC_CK_COMPLAINT_STATUS, 39, &complaint_status_map},
    {SVC_CK_COMPLAINT_NOTE, 40, &complaint_note_map},
    {SVC_CK_COMPLAINT_STATEMENT, 41, &complaint_statement_map},
    /* out-of-warranty work */
    {SVC_CK_TICKET_CHARGE, 42, &ticket_charge_map},
    {SVC_CK_CLAIM_ALLOW, 43, &claim_allow_map},
    /* old parts */
    {SVC_CK_OLD_PART, 47, &old_part_step_map},
    /* the shop's ledger */
    {SVC_CK_PAY_RUN, 48, &pay_run_map},
    {SVC_CK_STATEMENT_CONFIRM, 49, &statement_confirm_map},
    {SVC_CK_LEDGER_DEDUCT, 50, &ledger_deduct_map},
    /* shops */
    {SVC_CK_SHOP_PUT, 51, &shop_put_map},
    {SVC_CK_SHOP_STAGE, 52, &shop_stage_map},
    {SVC_CK_SHOP_ASSESS, 53, &shop_assess_map},
    /* policy */
    {SVC_CK_POLICY_SET, 32, &policy_set_map},
    {SVC_CK_REGION_GRADE, 33, &region_grade_map},
    {SVC_CK_MODEL_PUT, 34, &model_put_map},
    {SVC_CK_FAULT_CODE_PUT, 35, &fault_code_put_map},
    /* labor operations, tariff, price history */
    {SVC_CK_LABOR_PUT, 44, &labor_put_map},
    {SVC_CK_TARIFF_SET, 45, &tariff_set_map},
    {SVC_CK_CATALOG_PRICE, 46, &catalog_price_map},
};

/* A body from a newer schema also decodes as "no body": protobuf-c keeps an
 * unknown oneof member as an unknown field. */
static const struct oneofmap change_body = {
    sizeof change_body_alts / sizeof change_body_alts[0], change_body_alts, "kind",
    "has no body", "no body"};

/* prev_hash is always 32 bytes; the first change of an origin chains to all
 * zeros. */
#define T svc_change
MSGMAP(change_map, svcsync__change__descriptor,
       F_STR(1, origin), F_INT(2, seq), F_INT(3, hlc), F_STR(4, aggregate),
       F_FIXED(5, prev_hash), F_INT(6, origin_role), F_STR(7, origin_region),
       F_STRN(8, operator, SVC_OPERATOR_CHARS), F_ONEOF(u, kind, change_body));
#undef T

/* ---- materialized states */

#define T svc_ticket
MSGMAP(ticket_map, svcsync__ticket_state__descriptor,
       F_STR(1, id), F_INT(2, kind), F_STR(3, customer), F_STR(4, phone), F_STR(5, address),
       F_STR(6, product), F_STR(7, serial), F_INT(8, purchased), F_BOOL(9, in_warranty),
       F_STR(10, fault), F_STR(11, region), F_STR(12, shop), F_STR(13, opened_by),
       F_INT(14, status), F_INT(15, created), F_INT(16, first_response), F_INT(17, on_site),
       F_INT(18, resolved), F_INT(19, closed), F_INT(20, callback_at),
       F_INT(21, satisfaction), F_STR(22, callback_note), F_INT(23, notes),
       F_INT(24, reopened), F_INT(25, updated), F_INT(26, last.hlc),
       F_STR(27, last.origin), F_INT(28, last.seq),
       /* policy */
       F_STR(35, model), F_STR(36, category), F_INT(37, installed), F_INT(38, policy_version),
       F_INT(39, grade), F_INT(40, channel), F_INT(41, warranty_until), F_INT(42, opened_on),
       F_INT(43, onsite_due), F_INT(44, visited), F_STR(45, fault_code),
       F_STR(46, override_reason), F_STR(47, override_by),
       F_INT(48, rejudged), F_INT(49, callback_cycle), F_INT(50, callback_attempts),
       F_INT(51, callback_unreached), F_INT(52, callback_state),
       /* out-of-warranty work */
       F_INT(53, charge_fen), F_INT(54, charges), F_STR(55, claim_allow_reason),
       F_STR(56, claim_allowed_by),
       /* customer */
       F_STR(29, customer_id), F_STR(30, unit_id));

#undef T

/* customer */
#define T svc_customer
MSGMAP(customer_map, svcsync__customer_state__descriptor,
       F_STR(1, id), F_STRN(2, name, SVC_CUSTOMER_NAME_CHARS), F_STR(3, phones[0]),
       F_STR(4, phones[1]), F_STR(5, phones[2]), F_STRN(6, address, SVC_CUSTOMER_ADDR_CHARS),
       F_INT(7, tier), F_STR(8, region), F_STR(9, created_by), F_INT(10, created),
       F_STR(11, merged_into), F_INT(12, merged), F_INT(13, updated), F_INT(14, last.hlc),
       F_STR(15, last.origin), F_INT(16, last.seq));
#undef T

#define T svc_unit
MSGMAP(unit_map, svcsync__unit_state__descriptor,
       F_STR(1, id), F_STR(2, serial), F_STRN(3, model, SVC_MODEL_CHARS), F_INT(4, purchased),
       F_INT(5, installed), F_STR(6, owner), F_STR(7, region), F_STR(8, created_by),
       F_INT(9, created), F_STR(10, merged_into), F_INT(11, merged), F_INT(12, updated),
       F_INT(13, last.hlc), F_STR(14, last.origin), F_INT(15, last.seq));
#undef T

#define T svc_claim
MSGMAP(claim_map, svcsync__claim_state__descriptor,
       F_STR(1, id), F_STR(2, ticket), F_STR(3, shop), F_STR(4, region), F_INT(5, revision),
       F_INT(6, status), F_INT(7, labor), F_REP(8, parts, nparts, claim_part_map),
       F_INT(9, travel), F_INT(10, other), F_INT(11, total), F_INT(12, approved),
       F_STR(13, reason), F_STR(14, pay_ref), F_STR(15, audited_by), F_STR(16, decided_by),
       F_INT(17, submitted), F_INT(18, audited), F_INT(19, decided), F_INT(20, paid),
       F_STR(21, note), F_INT(22, last.hlc), F_STR(23, last.origin), F_INT(24, last.seq),
       /* claim lines */
       F_STRN(25, decided_op, SVC_OPERATOR_CHARS), F_REP(26, ops, nops, claim_op_map),
       F_INT(27, distance_km), F_INT(28, travel_flags), F_INT(29, policy_version),
       F_REP(30, lines, nlines, claim_line_state_map), F_STR(31, repeat_of),
       F_BOOL(32, priced));
#undef T

#define T svc_transfer
MSGMAP(transfer_map, svcsync__transfer_state__descriptor,
       F_STR(1, id), F_STR(2, part_no), F_STR(3, source), F_STR(4, dest), F_INT(5, qty),
       F_BOOL(6, received), F_INT(7, shipped), F_INT(8, received_at), F_INT(9, last.hlc),
       F_STR(10, last.origin), F_INT(11, last.seq));
#undef T

#define T svc_catalog_item
MSGMAP(catalog_map, svcsync__catalog_state__descriptor,
       F_STR(1, part_no), F_STR(2, name), F_INT(3, price), F_INT(4, last.hlc),
       F_STR(5, last.origin), F_INT(6, last.seq), F_BOOL(7, return_old),
       /* price history */
       F_REP(8, prices, nprices, price_entry_map));
#undef T

/* labor operations and the labor tariff */
#define T svc_labor_op
MSGMAP(labor_map, svcsync__labor_state__descriptor,
       F_STR(1, code), F_STR(2, category), F_INT(3, minutes), F_STR(4, text),
       F_INT(5, last.hlc), F_STR(6, last.origin), F_INT(7, last.seq));
#undef T

#define T svc_tariff
MSGMAP(tariff_map, svcsync__tariff_state__descriptor,
       F_INT(1, rates[1]), F_INT(2, rates[2]), F_INT(3, rates[3]),
       F_REP(4, bands, nbands, travel_band_map), F_INT(5, last.hlc), F_STR(6, last.origin),
       F_INT(7, last.seq));
#undef T

#define T svc_node
MSGMAP(node_map, svcsync__node_state__descriptor,
       F_STR(1, node), F_INT(2, role), F_STR(3, region), F_STR(4, upstream),
       F_FIXED(5, pubkey), F_INT(6, not_before), F_INT(7, not_after), F_INT(8, serial),
       F_BOOL(9, revoked), F_STR(10, revoke_reason), F_INT(11, revoked_hlc),
       F_INT(15, cutoff_seq), F_INT(16, held_through), F_INT(12, last.hlc),
       F_STR(13, last.origin), F_INT(14, last.seq));
#undef T

/* policy */
#define T svc_policy
MSGMAP(policy_map, svcsync__policy_state__descriptor,
       F_INT(1, version), F_INT(2, from), F_REP(3, entries, nentries, policy_entry_map),
       F_INT(4, issued), F_INT(5, last.hlc), F_STR(6, last.origin), F_INT(7, last.seq));
#undef T

#define T svc_override
MSGMAP(override_map, svcsync__override_state__descriptor,
       F_STR(1, serial), F_INT(2, kind), F_STR(3, reason),
       F_STR(4, region), F_STR(5, shop), F_INT(6, at), F_INT(7, last.hlc),
       F_STR(8, last.origin), F_INT(9, last.seq));
#undef T

/* old parts */
#define T svc_old_part
MSGMAP(old_part_map, svcsync__old_part_state__descriptor,
       F_STR(1, id), F_STR(2, ticket), F_STR(3, part_no), F_STR(4, shop), F_STR(5, region),
       F_INT(6, shipped), F_INT(7, received), F_INT(8, rejected), F_INT(9, forwarded),
       F_INT(10, hq_received), F_INT(11, shipped_at), F_INT(12, accepted_at),
       F_INT(13, forwarded_at), F_INT(14, hq_received_at), F_INT(15, waived),
       F_STR(16, waive_reason), F_STR(17, reject_reason), F_INT(18, last.hlc),
       F_STR(19, last.origin), F_INT(20, last.seq));
#undef T

/* complaints */
#define T svc_complaint
MSGMAP(complaint_map, svcsync__complaint_state__descriptor,
       F_STR(1, id), F_STR(2, region), F_STR(3, shop), F_STR(4, ticket),
       F_STR(5, customer_id), F_STRN(6, category, SVC_COMPLAINT_CATEGORY_CHARS),
       F_INT(7, severity), F_INT(8, channel), F_STR(9, text), F_STR(10, opened_by),
       F_INT(11, policy_version), F_INT(12, days), F_INT(13, opened_on), F_INT(14, status),
       F_INT(15, created), F_INT(16, deadline), F_INT(17, investigating), F_INT(18, escalated),
       F_STR(19, escalated_by), F_INT(20, concluded), F_INT(21, finding),
       F_STR(22, responsible), F_STR(23, remedy), F_INT(24, confirmed), F_INT(25, closed),
       F_INT(26, notes), F_INT(27, statements), F_INT(28, updated), F_INT(29, last.hlc),
       F_STR(30, last.origin), F_INT(31, last.seq));
#undef T

/* the shop's ledger */
#define T svc_statement_run
MSGMAP(statement_run_map, svcsync__statement_run__descriptor,
       F_STR(1, ref), F_INT(2, at), F_STRN(3, op, SVC_OPERATOR_CHARS), F_INT(4, claims),
       F_INT(5, total));
#undef T

#define T svc_statement_paid
MSGMAP(statement_paid_map, svcsync__statement_paid__descriptor,
       F_STR(1, claim), F_INT(2, amount), F_INT(3, run));
#undef T

#define T svc_statement_deduction
MSGMAP(statement_deduction_map, svcsync__statement_deduction__descriptor,
       F_INT(1, fen), F_STR(2, reason), F_INT(3, at));
#undef T

#define T svc_statement
MSGMAP(statement_map, svcsync__statement_state__descriptor,
       F_STR(1, id), F_STR(2, shop), F_INT(3, month), F_REP(4, runs, nruns, statement_run_map),
       F_REP(5, paid, npaid, statement_paid_map),
       F_REP(6, deductions, ndeductions, statement_deduction_map),
       F_STRN(7, invoice, SVC_INVOICE_CHARS), F_STRN(8, confirmed_op, SVC_OPERATOR_CHARS),
       F_INT(9, confirmed), F_INT(10, last.hlc), F_STR(11, last.origin), F_INT(12, last.seq));
#undef T

/* shops */
#define T svc_shop_technician
MSGMAP(shop_technician_map, svcsync__shop_technician__descriptor,
       F_STR(1, name), F_STR(2, qualification));
#undef T

#define T svc_shop_assessment
MSGMAP(shop_assessment_map, svcsync__shop_assessment__descriptor,
       F_INT(1, period), F_INT(2, score), F_INT(3, complaints), F_INT(4, tickets),
       F_INT(5, callback_pm), F_INT(6, onsite_pm), F_INT(7, outcome), F_STR(8, by),
       F_INT(9, at));
#undef T

#define T svc_shop
MSGMAP(shop_map, svcsync__shop_state__descriptor,
       F_STR(1, id), F_STR(2, shop), F_STR(3, region), F_STR(4, legal_name),
       F_STR(5, legal_rep), F_STR(6, address), F_STR(7, area), F_STR(8, contact),
       F_INT(9, type), F_REP(10, technicians, ntechnicians, shop_technician_map),
       F_INT(11, stage), F_BOOL(12, direct), F_STR(13, agreement), F_INT(14, valid_from),
       F_INT(15, valid_to), F_INT(16, applied), F_STR(17, applied_by), F_INT(18, reviewed),
       F_INT(19, tech_reviewed), F_INT(20, approved), F_INT(21, enrolled),
       F_INT(22, probation_until), F_INT(23, serial), F_INT(24, ended), F_STR(25, reason),
       F_REP(26, assessments, nassessments, shop_assessment_map), F_INT(27, nassessed),
       F_INT(28, updated), F_INT(29, last.hlc), F_STR(30, last.origin), F_INT(31, last.seq));
#undef T

#define T svc_grade_item
MSGMAP(grade_map, svcsync__grade_state__descriptor,
       F_STR(1, region), F_INT(2, grade), F_INT(3, last.hlc), F_STR(4, last.origin),
       F_INT(5, last.seq));
#undef T

#define T svc_model
MSGMAP(model_map, svcsync__model_state__descriptor,
       F_STR(1, model), F_STR(2, category), F_INT(3, last.hlc), F_STR(4, last.origin),
       F_INT(5, last.seq));
#undef T

#define T svc_fault_code
MSGMAP(fault_code_map, svcsync__fault_code_state__descriptor,
       F_STR(1, code), F_STR(2, category), F_STR(3, text), F_INT(4, last.hlc),
       F_STR(5, last.origin), F_INT(6, last.seq));
#undef T

#define T svc_stock
MSGMAP(stock_map, svcsync__stock_state__descriptor,
       F_INT(1, on_hand), F_INT(2, defective), F_INT(3, in_transit_in));
#undef T

/* ---- certificates, enrollment, export files */

#define T svc_cert
MSGMAP(cert_map, svcsync__cert_body__descriptor,
       F_STR(1, node), F_INT(2, role), F_STR(3, region), F_STR(4, upstream),
       F_FIXED(5, pubkey), F_INT(6, not_before), F_INT(7, not_after), F_INT(8, serial),
       F_STR(9, issuer));
#undef T

#define T svc_enroll_request
MSGMAP(enroll_map, svcsync__enroll_request_body__descriptor,
       F_STR(1, node), F_INT(2, role), F_STR(3, region), F_FIXED(4, pubkey),
       F_INT(5, created));
#undef T

#define T svc_bundle
MSGMAP(bundle_map, svcsync__bundle_body__descriptor,
       F_MSG(1, cert, node_cert_map), F_FIXED(2, hq_pubkey), F_STR(3, hq_node),
       F_STR(4, upstream), F_STR(5, endpoint), F_FIXED(6, upstream_pubkey));
#undef T

#define T svc_export_header
MSGMAP(export_map, svcsync__export_header__descriptor,
       F_INT(1, version), F_STR(2, signer), F_STR(3, target), F_FIXED(4, store_id),
       F_INT(5, created_ms), F_FIXED(6, content_hash), F_INT(7, batches), F_INT(8, changes));
#undef T

/* ---- commit headers (the hashes are mapped by hand: see there); an empty
 * prev_commit means the origin's first commit */

#define T svc_commit_header
MSGMAP(commit_map, svcsync__commit_header__descriptor,
       F_STR(1, origin), F_INT(2, first_seq), F_INT(3, last_seq),
       F_FIXED_OPT(5, prev_commit, has_prev));
#undef T

/* ---- protocol messages
 *
 * Positions a peer states (a checkpoint, an lsn) are F_POS: 0 means none,
 * and anything above SVC_SEQ_MAX is refused before anyone reasons with it.
 * HELLO's heads and BATCH's blobs are mapped by hand (see there). */

#define T svc_hello
MSGMAP(hello_map, svcsync__hello__descriptor,
       F_INT(1, version), F_STR(2, node), F_FIXED(3, store_id), F_POS(4, checkpoint),
       F_FIXED_OPT(5, your_store_id, has_your_store_id), F_INT(7, hlc), F_INT(8, ping_ms),
       F_INT(9, log_head));
#undef T

#define T svc_batch
MSGMAP(batch_map, svcsync__batch__descriptor, F_INT(1, id), F_POS(2, to_lsn));
#undef T

#define T svc_ack
MSGMAP(ack_map, svcsync__ack__descriptor,
       F_INT(1, id), F_POS(2, to_lsn), F_INT(3, applied), F_INT(4, duplicates),
       F_INT(5, quarantined));
#undef T

#define T svc_ping
MSGMAP(ping_map, svcsync__ping__descriptor, F_INT(1, hlc), F_INT(2, log_head));
#undef T

#define T svc_error_reply
MSGMAP(error_map, svcsync__error_reply__descriptor, F_INT(1, code), F_STR(2, text));
#undef T

static const struct oneof_alt envelope_alts[] = {
    {SVC_MSG_HELLO, 1, &hello_map}, {SVC_MSG_BATCH, 2, &batch_map},
    {SVC_MSG_ACK, 3, &ack_map},     {SVC_MSG_PING, 4, &ping_map},
    {SVC_MSG_ERROR, 5, &error_map},
};

/* A message type from a newer protocol version also decodes as "no message". */
static const struct oneofmap envelope_msg = {
    sizeof envelope_alts / sizeof envelope_alts[0], envelope_alts, "message type", "unknown",
    "no message"};

#define T svc_msg
MSGMAP(envelope_map, svcsync__envelope__descriptor, F_ONEOF(u, type, envelope_msg));
#undef T
// clang-format on

/* ------------------------------------------------------------ the walkers */

/*
 * Scratch for the protobuf-c structs of one encode: the messages nested in
 * the top one and their pointer arrays. Encoders build everything here, on
 * the stack, pointing at the caller's strings and bytes: no allocation and
 * no copy. The largest user is a full statement (a shop's month: its
 * payment runs, paid claims and deductions, and their pointers), each
 * message rounded up to 16 bytes.
 */
#define ENC_ARENA 16384
_Static_assert(sizeof(Svcsync__Change) + sizeof(Svcsync__ClaimSubmit) +
                       SVC_CLAIM_PARTS_MAX * (sizeof(Svcsync__ClaimPart) + 16) +
                       SVC_CLAIM_PARTS_MAX * sizeof(void *) +
                       SVC_CLAIM_OPS_MAX * (sizeof(Svcsync__ClaimOp) + 16) +
                       SVC_CLAIM_OPS_MAX * sizeof(void *) + 5 * 16 <=
                   ENC_ARENA,
               "the encoder scratch holds a change with a full claim");
_Static_assert(sizeof(Svcsync__StatementState) +
                       SVC_STATEMENT_RUNS_MAX *
                           (sizeof(Svcsync__StatementRun) + 16 + sizeof(void *)) +
                       SVC_STATEMENT_PAID_MAX *
                           (sizeof(Svcsync__StatementPaid) + 16 + sizeof(void *)) +
                       SVC_STATEMENT_DEDUCTIONS_MAX *
                           (sizeof(Svcsync__StatementDeduction) + 16 + sizeof(void *)) +
                       4 * 16 <=
                   ENC_ARENA,
               "the encoder scratch holds a full statement");

struct enc {
	struct chk k;
	size_t used;
	_Alignas(max_align_t) unsigned char arena[ENC_ARENA];
};

static void *enc_alloc(struct enc *e, size_t n, const struct wpath *at)
{
	size_t need = (n + 15) & ~(size_t)15;
	void *p;

	if (need > sizeof e->arena - e->used) {
		field_fail(&e->k, SVC_ENOMEM, at, NULL, "encoder scratch exhausted");
		return NULL;
	}
	p = e->arena + e->used;
	e->used += need;
	return p;
}

/* The generated field a row names. A row naming no field is a bug in a
 * table, caught by the first test that maps it. */
static inline const ProtobufCFieldDescriptor *
field_of(struct chk *k, const ProtobufCMessageDescriptor *d, uint32_t num, const struct wpath *at)
{
	const ProtobufCFieldDescriptor *fd;

	/* protobuf-c keeps fields in number order: where numbers start at 1
	 * without gaps (most messages), a field's number is its place. */
	if (num >= 1 && num <= d->n_fields && d->fields[num - 1].id == num)
		return &d->fields[num - 1];
	fd = protobuf_c_message_descriptor_get_field(d, num);
	if (!fd)
		field_fail(k, SVC_EINVAL, at, NULL, "%s has no field %" PRIu32, d->short_name, num);
	return fd;
}

/* How wide protobuf-c stores an integer field; 0 for anything else. */
static inline size_t int_width(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_ENUM:
		return 4;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	default:
		return 0;
	}
}

/* Copies an integer between a member and a field of the same width, and
 * returns it. A row whose widths differ is a bug in a table, caught by the
 * first test that maps it. Fixed-size copies, so that they compile to a
 * move: this runs for most fields of every change and state. */
static inline uint64_t int_copy(struct chk *k, const struct fmap *f,
                                const ProtobufCFieldDescriptor *fd, void *dst, const void *src,
                                const struct wpath *at)
{
	uint32_t v32;
	uint64_t v64;

	if (int_width(fd->type) != f->size) {
		field_fail(k, SVC_EINVAL, at, fd->name, "a %zu-byte member for a %zu-byte field",
		           f->size, int_width(fd->type));
		return 0;
	}
	if (f->size == sizeof v32) {
		memcpy(&v32, src, sizeof v32);
		memcpy(dst, &v32, sizeof v32);
		return v32;
	}
	memcpy(&v64, src, sizeof v64);
	memcpy(dst, &v64, sizeof v64);
	return v64;
}

/* Moves an integer of a width already checked against its field. */
static inline uint64_t int_move(size_t size, void *dst, const void *src)
{
	uint32_t v32;
	uint64_t v64;

	if (size == sizeof v32) {
		memcpy(&v32, src, sizeof v32);
		memcpy(dst, &v32, sizeof v32);
		return v32;
	}
	memcpy(&v64, src, sizeof v64);
	memcpy(dst, &v64, sizeof v64);
	return v64;
}

/* A row's generated field when the row is sound (the field exists and an
 * integer row has its width), else NULL: such a row takes the checked path
 * on every use, which fails the mapping with the row's path. */
static const ProtobufCFieldDescriptor *row_resolve(const ProtobufCMessageDescriptor *d,
                                                   const struct fmap *f)
{
	const ProtobufCFieldDescriptor *fd;

	if (f->kind == K_ONEOF)
		return NULL;
	fd = protobuf_c_message_descriptor_get_field(d, f->num);
	if (fd && f->kind == K_INT && int_width(fd->type) != f->size)
		return NULL;
	return fd;
}

/*
 * The rows' generated fields. Every encode and decode of a value walks its
 * rows, and looking each field up and checking its width on every walk cost
 * a fifth of a state's encode; a table is resolved once instead, on first
 * use, under a lock (the daemon's threads share the tables), and read
 * without one after that.
 */
static const ProtobufCFieldDescriptor *const *map_fields(const struct msgmap *map)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

	if (atomic_load_explicit(map->resolved, memory_order_acquire))
		return map->fd;
	pthread_mutex_lock(&lock);
	if (!atomic_load_explicit(map->resolved, memory_order_relaxed)) {
		for (size_t i = 0; i < map->n; i++)
			map->fd[i] = row_resolve(map->pb, &map->f[i]);
		atomic_store_explicit(map->resolved, true, memory_order_release);
	}
	pthread_mutex_unlock(&lock);
	return map->fd;
}

static void to_pb(struct enc *e, const struct msgmap *map, const void *cv, ProtobufCMessage *pm,
                  const struct wpath *at);

/* A nested message, built in the scratch and mapped from c. */
static ProtobufCMessage *sub_to_pb(struct enc *e, const struct msgmap *map, const void *c,
                                   const struct wpath *at)
{
	ProtobufCMessage *pm = enc_alloc(e, map->pb->sizeof_message, at);

	if (pm)
		to_pb(e, map, c, pm, at);
	return pm;
}

static void oneof_to_pb(struct enc *e, const struct fmap *f, const ProtobufCMessageDescriptor *d,
                        const char *c, char *pb, const struct wpath *at)
{
	const struct oneofmap *om = f->sub;
	uint32_t kind;

	memcpy(&kind, c + f->aux, sizeof kind);
	for (size_t i = 0; i < om->n; i++) {
		const struct oneof_alt *a = &om->alt[i];
		const ProtobufCFieldDescriptor *fd;
		ProtobufCMessage *sub;

		if (a->ckind != kind)
			continue;
		fd = field_of(&e->k, d, a->num, at);
		if (!fd)
			return;
		struct wpath p = {at, fd->name, 0};
		sub = sub_to_pb(e, a->sub, c + f->off, &p);
		memcpy(pb + fd->offset, &sub, sizeof sub);
		memcpy(pb + fd->quantifier_offset, &a->num, sizeof a->num);
		return;
	}
	field_fail(&e->k, SVC_EINVAL, at, NULL, "%s %d %s", om->kind_name, (int)kind, om->kind_bad);
}

static void field_to_pb(struct enc *e, const struct fmap *f, const ProtobufCFieldDescriptor *fd,
                        bool checked, const char *c, char *pb, const struct wpath *at)
{
	char *dst = pb + fd->offset;
	const char *src = c + f->off;
	ProtobufCBinaryData b;

	switch (f->kind) {
	case K_STR: {
		char *s = put_str(&e->k, src, f->size, (size_t)f->max, at, fd->name);
		memcpy(dst, &s, sizeof s);
		break;
	}
	case K_INT:
		if (checked)
			int_move(f->size, dst, src);
		else
			int_copy(&e->k, f, fd, dst, src, at);
		break;
	case K_BOOL: {
		bool v;
		protobuf_c_boolean pv;

		memcpy(&v, src, sizeof v);
		pv = v;
		memcpy(dst, &pv, sizeof pv);
		break;
	}
	case K_FIXED:
	case K_FIXED_OPT: {
		bool has = true;

		if (f->kind == K_FIXED_OPT)
			memcpy(&has, c + f->aux, sizeof has);
		if (!has)
			break;
		b = put_bytes((const uint8_t *)src, f->size);
		memcpy(dst, &b, sizeof b);
		break;
	}
	case K_BYTES: {
		size_t n;

		memcpy(&n, c + f->aux, sizeof n);
		if (n > f->size) {
			field_fail(&e->k, SVC_EINVAL, at, fd->name, "%zu bytes, limit %zu", n,
			           f->size);
			break;
		}
		b = put_bytes((const uint8_t *)src, n);
		memcpy(dst, &b, sizeof b);
		break;
	}
	case K_MSG: {
		struct wpath p = {at, fd->name, 0};
		ProtobufCMessage *sub = sub_to_pb(e, f->sub, src, &p);

		memcpy(dst, &sub, sizeof sub);
		break;
	}
	case K_REP: {
		ProtobufCMessage **arr = NULL;
		uint32_t n;
		size_t count;

		memcpy(&n, c + f->aux, sizeof n);
		if (n > f->max) {
			field_fail(&e->k, SVC_EINVAL, at, fd->name,
			           "%" PRIu32 " entries, limit %" PRIu64, n, f->max);
			break;
		}
		if (n)
			arr = enc_alloc(e, n * sizeof *arr, at);
		for (uint32_t i = 0; arr && i < n && !e->k.rc; i++) {
			struct wpath p = {at, fd->name, (size_t)i + 1};
			arr[i] = sub_to_pb(e, f->sub, src + i * f->size, &p);
		}
		count = arr ? n : 0;
		memcpy(pb + fd->quantifier_offset, &count, sizeof count);
		memcpy(dst, &arr, sizeof arr);
		break;
	}
	default:
		field_fail(&e->k, SVC_EINVAL, at, fd->name, "row kind %u unknown", f->kind);
		break;
	}
}

/* Fills the generated message pm (of map->pb) from the C struct at cv. */
static void to_pb(struct enc *e, const struct msgmap *map, const void *cv, ProtobufCMessage *pm,
                  const struct wpath *at)
{
	const ProtobufCFieldDescriptor *const *fds = map_fields(map);
	const char *c = cv;

	protobuf_c_message_init(map->pb, pm);
	for (size_t i = 0; i < map->n && !e->k.rc; i++) {
		const struct fmap *f = &map->f[i];
		const ProtobufCFieldDescriptor *fd = fds[i];

		/* As in from_pb: strings and integers without a call each. */
		if (fd && f->kind == K_STR) {
			char *s = put_str(&e->k, c + f->off, f->size, (size_t)f->max, at, fd->name);

			memcpy((char *)pm + fd->offset, &s, sizeof s);
			continue;
		}
		if (fd && f->kind == K_INT) {
			int_move(f->size, (char *)pm + fd->offset, c + f->off);
			continue;
		}
		if (fd) {
			field_to_pb(e, f, fd, true, c, (char *)pm, at);
			continue;
		}
		if (f->kind == K_ONEOF) {
			oneof_to_pb(e, f, map->pb, c, (char *)pm, at);
			continue;
		}
		fd = field_of(&e->k, map->pb, f->num, at);
		if (fd)
			field_to_pb(e, f, fd, false, c, (char *)pm, at);
	}
}

static void from_pb(struct chk *k, const struct msgmap *map, const ProtobufCMessage *pm, void *cv,
                    const struct wpath *at);

static void oneof_from_pb(struct chk *k, const struct fmap *f, const ProtobufCMessageDescriptor *d,
                          const char *pb, char *c, const struct wpath *at)
{
	const struct oneofmap *om = f->sub;
	const ProtobufCFieldDescriptor *fd = field_of(k, d, om->alt[0].num, at);
	uint32_t which;

	if (!fd)
		return;
	/* Every member of a oneof shares the one case member. */
	memcpy(&which, pb + fd->quantifier_offset, sizeof which);
	for (size_t i = 0; i < om->n; i++) {
		const struct oneof_alt *a = &om->alt[i];
		const ProtobufCMessage *sub;

		if (a->num != which)
			continue;
		fd = field_of(k, d, a->num, at);
		if (!fd)
			return;
		struct wpath p = {at, fd->name, 0};
		memcpy(c + f->aux, &a->ckind, sizeof a->ckind);
		memcpy(&sub, pb + fd->offset, sizeof sub);
		from_pb(k, a->sub, sub, c + f->off, &p);
		return;
	}
	field_fail(k, SVC_EDECODE, at, NULL, "%s", om->none);
}

static void field_from_pb(struct chk *k, const struct fmap *f, const ProtobufCFieldDescriptor *fd,
                          bool checked, const char *pb, char *c, const struct wpath *at)
{
	const char *src = pb + fd->offset;
	char *dst = c + f->off;
	ProtobufCBinaryData b;

	switch (f->kind) {
	case K_STR: {
		const char *s;

		memcpy(&s, src, sizeof s);
		get_str(k, dst, f->size, (size_t)f->max, s, at, fd->name);
		break;
	}
	case K_INT: {
		uint64_t v =
		    checked ? int_move(f->size, dst, src) : int_copy(k, f, fd, dst, src, at);

		if (!k->rc && f->max && v > f->max)
			field_fail(k, SVC_EDECODE, at, fd->name, "%" PRIu64 " is above %" PRIu64, v,
			           f->max);
		break;
	}
	case K_BOOL: {
		protobuf_c_boolean pv;
		bool v;

		memcpy(&pv, src, sizeof pv);
		v = pv != 0;
		memcpy(dst, &v, sizeof v);
		break;
	}
	case K_FIXED:
		memcpy(&b, src, sizeof b);
		get_fixed(k, (uint8_t *)dst, f->size, b, at, fd->name);
		break;
	case K_FIXED_OPT: {
		bool has = true;

		/* Empty means absent (a HELLO from a peer that holds no
		 * checkpoint in our log, a first commit). */
		memcpy(&b, src, sizeof b);
		if (!b.len)
			break;
		get_fixed(k, (uint8_t *)dst, f->size, b, at, fd->name);
		memcpy(c + f->aux, &has, sizeof has);
		break;
	}
	case K_BYTES:
		memcpy(&b, src, sizeof b);
		if (b.len > f->size) {
			field_fail(k, SVC_EDECODE, at, fd->name, "%zu bytes, limit %zu", b.len,
			           f->size);
			break;
		}
		if (b.len)
			memcpy(dst, b.data, b.len);
		memcpy(c + f->aux, &b.len, sizeof b.len);
		break;
	case K_MSG: {
		struct wpath p = {at, fd->name, 0};
		const ProtobufCMessage *sub;

		memcpy(&sub, src, sizeof sub);
		if (!sub)
			field_fail(k, SVC_EDECODE, at, fd->name, "missing");
		else
			from_pb(k, f->sub, sub, dst, &p);
		break;
	}
	case K_REP: {
		ProtobufCMessage *const *arr;
		size_t n;
		uint32_t n32;

		memcpy(&n, pb + fd->quantifier_offset, sizeof n);
		memcpy(&arr, src, sizeof arr);
		if (n > f->max) {
			field_fail(k, SVC_EDECODE, at, fd->name, "%zu entries, limit %" PRIu64, n,
			           f->max);
			break;
		}
		for (size_t i = 0; i < n && !k->rc; i++) {
			struct wpath p = {at, fd->name, i + 1};
			from_pb(k, f->sub, arr[i], dst + i * f->size, &p);
		}
		n32 = (uint32_t)n;
		memcpy(c + f->aux, &n32, sizeof n32);
		break;
	}
	default:
		field_fail(k, SVC_EINVAL, at, fd->name, "row kind %u unknown", f->kind);
		break;
	}
}

/* Fills the C struct at cv from the unpacked message pm (of map->pb). */
static void from_pb(struct chk *k, const struct msgmap *map, const ProtobufCMessage *pm, void *cv,
                    const struct wpath *at)
{
	const ProtobufCFieldDescriptor *const *fds = map_fields(map);
	char *c = cv;

	for (size_t i = 0; i < map->n && !k->rc; i++) {
		const struct fmap *f = &map->f[i];
		const ProtobufCFieldDescriptor *fd = fds[i];

		/* Strings and integers, most rows of every message, are
		 * copied here rather than through a call per field. */
		if (fd && f->kind == K_STR) {
			const char *s;

			memcpy(&s, (const char *)pm + fd->offset, sizeof s);
			get_str(k, c + f->off, f->size, (size_t)f->max, s, at, fd->name);
			continue;
		}
		if (fd && f->kind == K_INT) {
			uint64_t v = int_move(f->size, c + f->off, (const char *)pm + fd->offset);

			if (f->max && v > f->max)
				field_fail(k, SVC_EDECODE, at, fd->name,
				           "%" PRIu64 " is above %" PRIu64, v, f->max);
			continue;
		}
		if (fd) {
			field_from_pb(k, f, fd, true, (const char *)pm, c, at);
			continue;
		}
		if (f->kind == K_ONEOF) {
			oneof_from_pb(k, f, map->pb, (const char *)pm, c, at);
			continue;
		}
		fd = field_of(k, map->pb, f->num, at);
		if (fd)
			field_from_pb(k, f, fd, false, (const char *)pm, c, at);
	}
}

/*
 * The direct writer: the bytes protobuf-c packs from what to_pb builds,
 * written straight from the C struct by the same rows. protobuf-c writes
 * a message's fields in field-number order and leaves out proto3 defaults
 * (0, false, "", no bytes); a nested message is its tag, its length and
 * its fields, present whenever to_pb sets it (always, for K_MSG, a oneof's
 * member and every element of K_REP). Every local write encodes its change
 * and its state: building the generated structs and packing them cost
 * three times this walk.
 *
 * It takes no decisions of its own: anything the mapping would refuse or
 * that it does not know (a bad string, a count over its limit, a kind with
 * no member, an integer type the schema does not use, the scratch that
 * to_pb would exhaust, the end of the buffer) stops it, and map_encode
 * then encodes through protobuf-c, which refuses with its own words or
 * writes the same bytes.
 */
struct wout {
	uint8_t *p;
	size_t cap, len;
	size_t scratch; /* what to_pb would take of struct enc's arena */
	bool stop;
};

static void w_varint(struct wout *o, uint64_t v)
{
	if (o->cap - o->len < 10) {
		o->stop = true;
		return;
	}
	while (v >= 0x80) {
		o->p[o->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	o->p[o->len++] = (uint8_t)v;
}

static void w_bytes(struct wout *o, uint32_t num, const void *data, size_t n)
{
	w_varint(o, (uint64_t)num << 3 | 2);
	w_varint(o, n);
	if (o->stop || o->cap - o->len < n) {
		o->stop = true;
		return;
	}
	memcpy(o->p + o->len, data, n);
	o->len += n;
}

static bool w_scratch(struct wout *o, size_t n)
{
	o->scratch += (n + 15) & ~(size_t)15;
	if (o->scratch > ENC_ARENA)
		o->stop = true;
	return !o->stop;
}

static void w_fields(struct wout *o, const struct msgmap *map, const char *c, int depth);

/* A nested message: its length is known once it is written, so one byte
 * is kept for it and the body moved when it needs more. */
static void w_sub(struct wout *o, uint32_t num, const struct msgmap *map, const char *c, int depth)
{
	size_t start, n, lb = 1;

	if (depth >= WIRE_DEPTH_MAX || !w_scratch(o, map->pb->sizeof_message))
		return;
	w_varint(o, (uint64_t)num << 3 | 2);
	if (o->stop || o->len == o->cap) {
		o->stop = true;
		return;
	}
	start = ++o->len;
	w_fields(o, map, c, depth + 1);
	if (o->stop)
		return;
	n = o->len - start;
	for (size_t v = n; v >= 0x80; v >>= 7)
		lb++;
	if (lb > 1) {
		if (o->cap - o->len < lb - 1) {
			o->stop = true;
			return;
		}
		memmove(o->p + start + lb - 1, o->p + start, n);
	}
	o->len = start - 1;
	w_varint(o, n);
	o->len += n;
}

/* A row's place in field-number order; a oneof row takes its member's. */
struct wslot {
	uint32_t num;
	const struct fmap *f;
	const struct oneof_alt *alt;
};

static void w_field(struct wout *o, const struct wslot *sl, const ProtobufCFieldDescriptor *fd,
                    const char *c, int depth)
{
	const struct fmap *f = sl->f;
	const char *src = c + f->off;

	switch (f->kind) {
	case K_STR: {
		size_t n;

		if (!src[0])
			return;
		n = strnlen(src, f->size);
		if (n == f->size || !utf8_valid((const uint8_t *)src, n) ||
		    (f->max && utf8_chars(src, n) > f->max)) {
			o->stop = true;
			return;
		}
		w_bytes(o, sl->num, src, n);
		return;
	}
	case K_INT: {
		uint64_t v;
		uint32_t v32;

		if (f->size == sizeof v32) {
			memcpy(&v32, src, sizeof v32);
			v = v32;
		} else {
			memcpy(&v, src, sizeof v);
		}
		switch (fd->type) {
		case PROTOBUF_C_TYPE_UINT32:
		case PROTOBUF_C_TYPE_UINT64:
		case PROTOBUF_C_TYPE_INT64:
			break;
		case PROTOBUF_C_TYPE_SINT64:
			v = (v << 1) ^ (uint64_t)((int64_t)v >> 63);
			break;
		default:
			o->stop = true;
			return;
		}
		if (v) {
			w_varint(o, (uint64_t)sl->num << 3);
			w_varint(o, v);
		}
		return;
	}
	case K_BOOL: {
		bool v;

		memcpy(&v, src, sizeof v);
		if (v) {
			w_varint(o, (uint64_t)sl->num << 3);
			w_varint(o, 1);
		}
		return;
	}
	case K_FIXED_OPT: {
		bool has;

		memcpy(&has, c + f->aux, sizeof has);
		if (has && f->size)
			w_bytes(o, sl->num, src, f->size);
		return;
	}
	case K_FIXED:
		if (f->size)
			w_bytes(o, sl->num, src, f->size);
		return;
	case K_BYTES: {
		size_t n;

		memcpy(&n, c + f->aux, sizeof n);
		if (n > f->size)
			o->stop = true;
		else if (n)
			w_bytes(o, sl->num, src, n);
		return;
	}
	case K_MSG:
		w_sub(o, sl->num, f->sub, src, depth);
		return;
	case K_REP: {
		uint32_t n;

		memcpy(&n, c + f->aux, sizeof n);
		if (n > f->max) {
			o->stop = true;
			return;
		}
		if (n && !w_scratch(o, n * sizeof(void *)))
			return;
		for (uint32_t i = 0; i < n && !o->stop; i++)
			w_sub(o, sl->num, f->sub, src + i * f->size, depth);
		return;
	}
	case K_ONEOF:
		w_sub(o, sl->num, sl->alt->sub, src, depth);
		return;
	default:
		o->stop = true;
		return;
	}
}

static void w_fields(struct wout *o, const struct msgmap *map, const char *c, int depth)
{
	const ProtobufCFieldDescriptor *const *fds = map_fields(map);
	const ProtobufCFieldDescriptor *fdv[WIRE_FIELDS_MAX];
	struct wslot sl[WIRE_FIELDS_MAX];
	size_t n = 0;

	if (map->n > WIRE_FIELDS_MAX) {
		o->stop = true;
		return;
	}
	for (size_t i = 0; i < map->n && !o->stop; i++) {
		const struct fmap *f = &map->f[i];
		struct wslot s = {f->num, f, NULL};
		const ProtobufCFieldDescriptor *fd = fds[i];

		if (f->kind == K_ONEOF) {
			const struct oneofmap *om = f->sub;
			uint32_t kind;

			memcpy(&kind, c + f->aux, sizeof kind);
			for (size_t j = 0; j < om->n && !s.alt; j++)
				if (om->alt[j].ckind == kind)
					s.alt = &om->alt[j];
			if (!s.alt) {
				o->stop = true;
				return;
			}
			s.num = s.alt->num;
			fd = protobuf_c_message_descriptor_get_field(map->pb, s.num);
		}
		if (!fd) {
			o->stop = true;
			return;
		}
		/* the rows are in number order but for a few: insert */
		size_t at = n;
		while (at > 0 && sl[at - 1].num > s.num) {
			sl[at] = sl[at - 1];
			fdv[at] = fdv[at - 1];
			at--;
		}
		sl[at] = s;
		fdv[at] = fd;
		n++;
	}
	for (size_t i = 0; i < n && !o->stop; i++)
		w_field(o, &sl[i], fdv[i], c, depth);
}

/* The whole encode of a table-mapped value: NULL checks, map, pack. */
static int map_encode(const struct msgmap *map, const char *what, size_t max, const void *c,
                      uint8_t *buf, size_t cap, size_t *len, const char *fn)
{
	struct wpath root = {NULL, what, 0};
	struct enc e;
	ProtobufCMessage *pm;

	if (!c || !len)
		return bad_args(fn);
	*len = 0;
	e.k.rc = 0;
	e.used = 0;
	/* A mapped value that passes the walk encodes to at most twice its
	 * C size (see the top of this file): into a buffer that large it is
	 * written by the rows directly, or else packed at once, without
	 * protobuf-c's sizing pass first. */
	if (buf && 2 * map->csize <= cap) {
		struct wout o = {buf, cap, 0, (map->pb->sizeof_message + 15) & ~(size_t)15, false};

		w_fields(&o, map, c, 0);
		if (!o.stop && o.len <= max) {
			*len = o.len;
			return 0;
		}
	}
	pm = sub_to_pb(&e, map, c, &root);
	if (e.k.rc)
		return e.k.rc;
	if (buf && 2 * map->csize <= cap) {
		size_t n = protobuf_c_message_pack(pm, buf);
		if (n > max)
			return svc_errf(SVC_ETOOBIG, "%s: %zu bytes encoded, limit %zu", what, n,
			                max);
		*len = n;
		return 0;
	}
	return pb_pack(pm, what, max, buf, cap, len);
}

/* Zeroes *out, then size cap, wire walk, unpack and map. On success the
 * caller owns *pm and frees it with pb_done, after any checks of its own. */
static int map_unpack(const struct msgmap *map, const char *what, size_t max, const uint8_t *buf,
                      size_t len, void *out, const char *fn, struct chk *k,
                      struct unpack_arena *arena, ProtobufCMessage **pm)
{
	struct wpath root = {NULL, what, 0};
	int rc;

	if (!out)
		return bad_args(fn);
	memset(out, 0, map->csize);
	rc = pb_unpack(map->pb, what, max, buf, len, arena, pm);
	if (rc)
		return rc;
	from_pb(k, map, *pm, out, &root);
	return 0;
}

/* The whole decode of a table-mapped value. */
static int map_decode(const struct msgmap *map, const char *what, size_t max, const uint8_t *buf,
                      size_t len, void *out, const char *fn)
{
	struct unpack_arena arena;
	ProtobufCMessage *pm;
	struct chk k = {0};
	int rc;

	arena_init(&arena);
	rc = map_unpack(map, what, max, buf, len, out, fn, &k, &arena, &pm);
	if (rc)
		return rc;
	return pb_done(&k, pm, &arena, out, map->csize);
}

/* ------------------------------------------------------------ changes, states, bodies */

int svc_codec_change_encode(const svc_change *c, uint8_t *buf, size_t cap, size_t *len)
{
	return map_encode(&change_map, "change", SVC_CHANGE_MAX, c, buf, cap, len, __func__);
}

int svc_codec_change_decode(const uint8_t *buf, size_t len, svc_change *out)
{
	return map_decode(&change_map, "change", SVC_CHANGE_MAX, buf, len, out, __func__);
}

int svc_codec_ticket_encode(const svc_ticket *t, uint8_t *buf, size_t cap, size_t *len)
{
	return map_encode(&ticket_map, "ticket", SVC_STATE_MAX, t, buf, cap, len, __func__);
}

int svc_codec_ticket_decode(const uint8_t *buf, size_t len, svc_ticket *out)
{
	return map_decode(&ticket_map, "ticket", SVC_STATE_MAX, buf, len, out, __func__);
}

int svc_codec_claim_encode(const svc_claim *c, uint8_t *buf, size_t cap, size_t *len)
{
	return map_encode(&claim_map, "claim", SVC_STATE_MAX, c, buf, cap, len, __func__);
}

int svc_codec_claim_decode(const uint8_t *buf, size_t len, svc_claim *out)
{
	return map_decode(&claim_map, "claim", SVC_STATE_MAX, buf, len, out, __func__);
}

int svc_codec_transfer_encode(const svc_transfer *t, uint8_t *buf, size_t cap, size_t *len)
{
	return map_encode(&transfer_map, "transfer", SVC_STATE_MAX, t, buf, cap, len, __func__);
}

int svc_codec_transfer_decode(const uint8_t *buf, size_t len, svc_transfer *out)
{
	return map_decode(&transfer_map, "transfer", SVC_STATE_MAX, buf, len, out, __func__);
}

int svc_codec_catalog_encode(const svc_catalog_item *c, uint8_t *buf, size_t cap, size_t *len)
{
	return map_encode(&catalog_map, "catalog", SVC_STATE_MAX, c, buf, cap, len, __func__);
}

int svc_codec_catalog_decode(const uint8_t *buf, size_t len, svc_catalog_item *out)
{
	return map_decode(&catalog_map, "catalog", SVC_STATE_MAX, buf, len, out, __func__);
}

/* policy */
#define STATE_CODEC(name_, ctype_, map_, what_)                                                    \
	int svc_codec_##name_##_encode(const ctype_ *v, uint8_t *buf, size_t cap, size_t *len)     \
	{                                                                                          \
		return map_encode(&map_, what_, SVC_STATE_MAX, v, buf, cap, len, __func__);        \
	}                                                                                          \
	int svc_codec_##name_##_decode(const uint8_t *buf, size_t len, ctype_ *out)                \
	{                                                                                          \
		return map_decode(&map_, what_, SVC_STATE_MAX, buf, len, out, __func__);           \
	}
STATE_CODEC(policy, svc_policy, policy_map, "policy")
STATE_CODEC(grade, svc_grade_item, grade_map, "grade")
STATE_CODEC(override, svc_override, override_map, "override")
STATE_CODEC(model, svc_model, model_map, "model")
STATE_CODEC(fault_code, svc_fault_code, fault_code_map, "fault code")
STATE_CODEC(complaint, svc_complaint, complaint_map, "complaint") /* complaints */
/* labor operations and the labor tariff */
STATE_CODEC(labor, svc_labor_op, labor_map, "labor operation")
STATE_CODEC(tariff, svc_tariff, tariff_map, "tariff")
STATE_CODEC(old_part, svc_old_part, old_part_map, "old part")     /* old parts */
STATE_CODEC(statement, svc_statement, statement_map, "statement") /* the shop's ledger */
STATE_CODEC(shop, svc_shop, shop_map, "shop")                     /* shops */

int svc_codec_node_encode(const svc_node *n, uint8_t *buf, size_t cap, size_t *len)
{
	return map_encode(&node_map, "node", SVC_STATE_MAX, n, buf, cap, len, __func__);
}

int svc_codec_node_decode(const uint8_t *buf, size_t len, svc_node *out)
{
	return map_decode(&node_map, "node", SVC_STATE_MAX, buf, len, out, __func__);
}

/* customer */
int svc_codec_customer_encode(const svc_customer *c, uint8_t *buf, size_t cap, size_t *len)
{
	return map_encode(&customer_map, "customer", SVC_STATE_MAX, c, buf, cap, len, __func__);
}

int svc_codec_customer_decode(const uint8_t *buf, size_t len, svc_customer *out)
{
	return map_decode(&customer_map, "customer", SVC_STATE_MAX, buf, len, out, __func__);
}

int svc_codec_unit_encode(const svc_unit *u, uint8_t *buf, size_t cap, size_t *len)
{
	return map_encode(&unit_map, "unit", SVC_STATE_MAX, u, buf, cap, len, __func__);
}

int svc_codec_unit_decode(const uint8_t *buf, size_t len, svc_unit *out)
{
	return map_decode(&unit_map, "unit", SVC_STATE_MAX, buf, len, out, __func__);
}

/*
 * One string member of a stored state, read straight off the wire without
 * unpacking the rest: following a merged record to its survivor needs only
 * its merged_into, and a full decode of a customer costs twenty times as
 * much. The walk is the wire format's, bounded like wire_check; anything it
 * does not expect (a truncated field, a string that does not fit or is not
 * UTF-8) is SVC_EDECODE, and the caller then decodes the whole value, which
 * names what is wrong. The last occurrence wins, as in protobuf-c.
 */
static int brief_str(const struct msgmap *map, size_t off, const uint8_t *buf, size_t len,
                     char *out, size_t cap)
{
	uint32_t num = 0;
	size_t at = 0;

	for (size_t i = 0; i < map->n && !num; i++)
		if (map->f[i].kind == K_STR && map->f[i].off == off && map->f[i].size == cap)
			num = map->f[i].num;
	if (!num || (len && !buf))
		return SVC_EINVAL;
	out[0] = '\0';
	while (at < len) {
		uint64_t tag, v;
		size_t used = varint_get(buf + at, len - at, &tag);

		if (!used)
			return SVC_EDECODE;
		at += used;
		switch (tag & 7) {
		case 0:
			used = varint_get(buf + at, len - at, &v);
			if (!used)
				return SVC_EDECODE;
			at += used;
			break;
		case 1:
		case 5:
			used = (tag & 7) == 1 ? 8 : 4;
			if (len - at < used)
				return SVC_EDECODE;
			at += used;
			break;
		case 2:
			used = varint_get(buf + at, len - at, &v);
			if (!used || v > len - at - used)
				return SVC_EDECODE;
			at += used;
			if (tag >> 3 == num) {
				if (v >= cap || memchr(buf + at, 0, (size_t)v) ||
				    !utf8_valid(buf + at, (size_t)v))
					return SVC_EDECODE;
				memcpy(out, buf + at, (size_t)v);
				out[v] = '\0';
			}
			at += (size_t)v;
			break;
		default:
			return SVC_EDECODE;
		}
	}
	return 0;
}

int svc_codec_customer_merged_into(const uint8_t *buf, size_t len, char out[SVC_AGG_LEN])
{
	return brief_str(&customer_map, offsetof(svc_customer, merged_into), buf, len, out,
	                 SVC_AGG_LEN);
}

int svc_codec_unit_merged_into(const uint8_t *buf, size_t len, char out[SVC_AGG_LEN])
{
	return brief_str(&unit_map, offsetof(svc_unit, merged_into), buf, len, out, SVC_AGG_LEN);
}

int svc_codec_stock_encode(const svc_stock *s, uint8_t *buf, size_t cap, size_t *len)
{
	return map_encode(&stock_map, "stock", SVC_STATE_MAX, s, buf, cap, len, __func__);
}

int svc_codec_stock_decode(const uint8_t *buf, size_t len, svc_stock *out)
{
	return map_decode(&stock_map, "stock", SVC_STATE_MAX, buf, len, out, __func__);
}

int svc_codec_cert_encode(const svc_cert *c, uint8_t *buf, size_t cap, size_t *len)
{
	return map_encode(&cert_map, "cert", SVC_CERT_BODY_MAX, c, buf, cap, len, __func__);
}

int svc_codec_cert_decode(const uint8_t *buf, size_t len, svc_cert *out)
{
	return map_decode(&cert_map, "cert", SVC_CERT_BODY_MAX, buf, len, out, __func__);
}

int svc_codec_enroll_request_encode(const svc_enroll_request *r, uint8_t *buf, size_t cap,
                                    size_t *len)
{
	return map_encode(&enroll_map, "enroll", SVC_ENROLL_MAX, r, buf, cap, len, __func__);
}

int svc_codec_enroll_request_decode(const uint8_t *buf, size_t len, svc_enroll_request *out)
{
	return map_decode(&enroll_map, "enroll", SVC_ENROLL_MAX, buf, len, out, __func__);
}

int svc_codec_bundle_encode(const svc_bundle *b, uint8_t *buf, size_t cap, size_t *len)
{
	return map_encode(&bundle_map, "bundle", SVC_ENROLL_MAX, b, buf, cap, len, __func__);
}

int svc_codec_bundle_decode(const uint8_t *buf, size_t len, svc_bundle *out)
{
	return map_decode(&bundle_map, "bundle", SVC_ENROLL_MAX, buf, len, out, __func__);
}

int svc_codec_export_header_encode(const svc_export_header *h, uint8_t *buf, size_t cap,
                                   size_t *len)
{
	return map_encode(&export_map, "export", SVC_EXPORT_HEADER_MAX, h, buf, cap, len, __func__);
}

/* By hand after the table: the version and the two nodes say whether this
 * node may read the file at all. */
int svc_codec_export_header_decode(const uint8_t *buf, size_t len, svc_export_header *out)
{
	ProtobufCMessage *pm;
	struct chk k = {0};
	int rc = map_unpack(&export_map, "export", SVC_EXPORT_HEADER_MAX, buf, len, out, __func__,
	                    &k, NULL, &pm);

	if (rc)
		return rc;
	if (!k.rc && out->version != SVC_EXPORT_VERSION)
		chk_fail(&k, SVC_EDECODE, "export.version: %u, this node reads version %d",
		         out->version, SVC_EXPORT_VERSION);
	if (!k.rc && (!out->signer[0] || !out->target[0]))
		chk_fail(&k, SVC_EDECODE, "export: signer or target missing");
	return pb_done(&k, pm, NULL, out, sizeof *out);
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

/*
 * The hashes are mapped by hand: they live in an array the caller provides
 * (up to SVC_COMMIT_CHANGES_MAX of them, not inside the header), and their
 * count must agree with the run.
 */
int svc_codec_commit_header_encode(const svc_commit_header *h, uint8_t *buf, size_t cap,
                                   size_t *len)
{
	static const char w[] = "commit";
	struct wpath root = {NULL, w, 0};
	struct enc e;
	Svcsync__CommitHeader *m;
	ProtobufCBinaryData *hashes;
	int rc;

	if (!h || !len || (h->nhashes && !h->hashes))
		return bad_args("svc_codec_commit_header_encode");
	*len = 0;
	e.k.rc = 0;
	e.used = 0;
	m = (Svcsync__CommitHeader *)sub_to_pb(&e, &commit_map, h, &root);
	commit_run_check(&e.k, SVC_EINVAL, h->first_seq, h->last_seq, h->nhashes);
	if (e.k.rc)
		return e.k.rc;
	/* One 16-byte descriptor per hash, up to SVC_COMMIT_CHANGES_MAX of
	 * them: more than belongs on a worker thread's stack. */
	hashes = calloc(h->nhashes, sizeof *hashes);
	if (!hashes)
		return svc_errf(SVC_ENOMEM, "commit: %zu hashes", h->nhashes);
	for (size_t i = 0; i < h->nhashes; i++)
		hashes[i] = put_bytes(h->hashes[i], SVC_HASH_LEN);
	m->n_hashes = h->nhashes;
	m->hashes = hashes;
	rc = pb_pack(&m->base, w, SVC_COMMIT_MAX, buf, cap, len);
	free(hashes);
	return rc;
}

int svc_codec_commit_header_decode(const uint8_t *buf, size_t len, svc_commit_header *out,
                                   uint8_t (*hashbuf)[SVC_HASH_LEN])
{
	static const char w[] = "commit";
	ProtobufCMessage *pm;
	const Svcsync__CommitHeader *m;
	struct chk k = {0};
	int rc;

	if (!hashbuf)
		return bad_args("svc_codec_commit_header_decode");
	rc = map_unpack(&commit_map, w, SVC_COMMIT_MAX, buf, len, out,
	                "svc_codec_commit_header_decode", &k, NULL, &pm);
	if (rc)
		return rc;
	m = (const Svcsync__CommitHeader *)pm;
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
	return pb_done(&k, pm, NULL, out, sizeof *out);
}

/* ------------------------------------------------------------ signed */

int svc_codec_signed_encode(const uint8_t *body, size_t body_len, const uint8_t sig[SVC_SIG_LEN],
                            uint8_t *buf, size_t cap, size_t *len)
{
	Svcsync__Signed m;

	if (!body || !sig || !len)
		return bad_args("svc_codec_signed_encode");
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
int svc_codec_signed_decode(const uint8_t *buf, size_t len, const uint8_t **body, size_t *body_len,
                            uint8_t sig[SVC_SIG_LEN])
{
	static const char *const names[] = {NULL, "body", "signature"};
	const uint8_t *field[3] = {NULL, NULL, NULL};
	size_t flen[3] = {0, 0, 0};
	size_t off = 0;

	if (!body || !body_len || !sig)
		return bad_args("svc_codec_signed_decode");
	*body = NULL;
	*body_len = 0;
	memset(sig, 0, SVC_SIG_LEN);
	if (len > SVC_COMMIT_MAX)
		return svc_errf(SVC_ETOOBIG, "signed: %zu bytes, limit %d", len, SVC_COMMIT_MAX);
	if (!buf && len)
		return bad_args("svc_codec_signed_decode");
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

/*
 * The Envelope and its members are table-mapped; HELLO's heads and BATCH's
 * blobs are mapped by hand, because they are arrays behind pointers, of up
 * to a hundred thousand entries: the encoder allocates their protobuf-c
 * side, the decoder allocates the svc_msg's side, which it owns until
 * svc_codec_msg_free, and the blobs point into the unpacked Envelope.
 */
struct msg_pb {
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

static void heads_to_pb(struct chk *k, const svc_hello *h, Svcsync__Hello *m, struct msg_pb *p)
{
	static const struct wpath env = {NULL, "envelope", 0}, hello = {&env, "hello", 0};
	static const struct wpath heads = {&hello, "heads", 0};

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
		    put_str(k, h->heads[i].origin, sizeof h->heads[i].origin, 0, &heads, "origin");
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

static void blobs_pair_to_pb(struct chk *k, const svc_batch *b, Svcsync__Batch *m, struct msg_pb *p)
{
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

int svc_codec_msg_encode(const svc_msg *m, uint8_t **out, size_t *len)
{
	struct wpath root = {NULL, "envelope", 0};
	struct msg_pb p;
	struct enc e;
	Svcsync__Envelope *env;
	uint8_t *buf = NULL;
	size_t n = 0;

	if (!m || !out || !len)
		return bad_args("svc_codec_msg_encode");
	*out = NULL;
	*len = 0;
	memset(&p, 0, sizeof p);
	e.k.rc = 0;
	e.used = 0;
	env = (Svcsync__Envelope *)sub_to_pb(&e, &envelope_map, m, &root);
	if (!e.k.rc && m->type == SVC_MSG_HELLO)
		heads_to_pb(&e.k, &m->u.hello, env->hello, &p);
	if (!e.k.rc && m->type == SVC_MSG_BATCH)
		blobs_pair_to_pb(&e.k, &m->u.batch, env->batch, &p);
	if (!e.k.rc) {
		n = protobuf_c_message_get_packed_size(&env->base);
		if (n > SVC_MSG_MAX)
			chk_fail(&e.k, SVC_ETOOBIG, "envelope: %zu bytes encoded, limit %zu", n,
			         (size_t)SVC_MSG_MAX);
	}
	if (!e.k.rc) {
		/* malloc(0) may return NULL; an Envelope is never empty, but be sure. */
		buf = malloc(n ? n : 1);
		if (!buf)
			chk_fail(&e.k, SVC_ENOMEM, "envelope: %zu bytes", n);
		else if (protobuf_c_message_pack(&env->base, buf) != n)
			chk_fail(&e.k, SVC_EINVAL,
			         "envelope: protobuf-c packed an unexpected size");
	}
	msg_pb_fini(&p);
	if (e.k.rc) {
		free(buf);
		return e.k.rc;
	}
	*out = buf;
	*len = n;
	return 0;
}

static void heads_from_pb(struct chk *k, const Svcsync__Hello *m, svc_hello *h,
                          struct msg_priv *priv)
{
	static const struct wpath env = {NULL, "envelope", 0}, hello = {&env, "hello", 0};
	static const struct wpath heads = {&hello, "heads", 0};

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
	for (size_t i = 0; i < m->n_heads && !k->rc; i++) {
		struct wpath at = {&hello, "heads", i + 1};

		get_str(k, priv->heads[i].origin, sizeof priv->heads[i].origin, 0,
		        m->heads[i]->origin, &at, "origin");
		priv->heads[i].seq = m->heads[i]->seq;
		if (m->heads[i]->seq > SVC_SEQ_MAX)
			field_fail(k, SVC_EDECODE, &heads, "seq", "%" PRIu64 " is above %" PRIu64,
			           m->heads[i]->seq, SVC_SEQ_MAX);
	}
	if (k->rc)
		return;
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

static void blobs_pair_from_pb(struct chk *k, const Svcsync__Batch *m, svc_batch *b,
                               struct msg_priv *priv)
{
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

int svc_codec_msg_decode(const uint8_t *buf, size_t len, svc_msg *out)
{
	struct wpath root = {NULL, "envelope", 0};
	const Svcsync__Envelope *env;
	struct msg_priv *priv;
	struct chk k = {0};
	int rc;

	if (!out)
		return bad_args("svc_codec_msg_decode");
	memset(out, 0, sizeof *out);
	/* Before the allocation: an oversized frame costs nothing. */
	if (len > SVC_MSG_MAX)
		return svc_errf(SVC_ETOOBIG, "envelope: %zu bytes, limit %zu", len,
		                (size_t)SVC_MSG_MAX);
	priv = calloc(1, sizeof *priv);
	if (!priv)
		return svc_errf(SVC_ENOMEM, "envelope: %zu bytes", len);
	rc = pb_unpack(&svcsync__envelope__descriptor, "envelope", SVC_MSG_MAX, buf, len, NULL,
	               &priv->env);
	if (rc) {
		free(priv);
		return rc;
	}
	out->priv_ = priv;
	env = (const Svcsync__Envelope *)priv->env;
	from_pb(&k, &envelope_map, priv->env, out, &root);
	if (!k.rc && out->type == SVC_MSG_HELLO)
		heads_from_pb(&k, env->hello, &out->u.hello, priv);
	if (!k.rc && out->type == SVC_MSG_BATCH)
		blobs_pair_from_pb(&k, env->batch, &out->u.batch, priv);
	if (k.rc)
		svc_codec_msg_free(out);
	return k.rc;
}

void svc_codec_msg_free(svc_msg *m)
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
