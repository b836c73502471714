/*
 * svc_codec: svcsync values <-> protobuf bytes (proto/svcsync.proto).
 *
 * The only module that includes the protoc-c generated header. Every decoder
 * checks the size cap before it calls into protobuf-c, then decodes, then
 * checks meaning that the wire cannot express (string lengths against the
 * svc_types limits, in characters where the data model counts characters:
 * the operator; hash and key lengths; a body present and known). A decode
 * failure returns SVC_EDECODE (or SVC_ETOOBIG) with a one-line detail naming
 * the message and field; it never aborts.
 *
 * Encoders write into a caller buffer of `cap` bytes and set *len; they return
 * SVC_ETOOBIG when it does not fit. Encoding a given value always yields the
 * same bytes (protobuf-c writes fields in number order), which is what makes
 * materialized state byte-identical across nodes. Changes and commit headers,
 * however, are hashed and signed over the bytes as received and are never
 * re-encoded by a receiver.
 *
 * Whatever an encoder accepts, the matching decoder accepts: encoders refuse
 * (SVC_EINVAL) a string that is not NUL-terminated inside its buffer or is
 * not valid UTF-8 (proto3 requires it), a count over its limit and an unknown
 * kind, so an origin can never emit a change its receivers must refuse.
 * Decoders also refuse strings with NUL bytes or invalid UTF-8. On any
 * failure a decoder leaves *out all zero.
 */
#ifndef SVC_CODEC_H
#define SVC_CODEC_H

#include "svc_types.h"

#include <stddef.h>
#include <stdint.h>

#define SVC_CHANGE_MAX 8192         /* largest encoded change accepted */
#define SVC_STATE_MAX 32768         /* largest encoded aggregate state (a statement) */
#define SVC_COMMIT_CHANGES_MAX 1024 /* changes covered by one commit (~35 KB header) */
/* Largest encoded commit header, and largest Signed (which may wrap one). Each
 * hash costs 34 bytes on the wire (tag, length, 32 bytes); the 1024 bytes of
 * slack cover origin, seqs, prev_commit and the signature envelope, so a
 * commit of SVC_COMMIT_CHANGES_MAX changes always fits. */
#define SVC_COMMIT_MAX (SVC_COMMIT_CHANGES_MAX * (SVC_HASH_LEN + 2) + 1024)
#define SVC_ENROLL_MAX 4096 /* enrollment request or bundle file */

/* Changes. The decoder validates the body against the kind's field limits. */
int svc_codec_change_encode(const svc_change *c, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_change_decode(const uint8_t *buf, size_t len, svc_change *out);

/* Materialized states (stored in LMDB). */
int svc_codec_ticket_encode(const svc_ticket *t, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_ticket_decode(const uint8_t *buf, size_t len, svc_ticket *out);
int svc_codec_claim_encode(const svc_claim *c, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_claim_decode(const uint8_t *buf, size_t len, svc_claim *out);
int svc_codec_transfer_encode(const svc_transfer *t, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_transfer_decode(const uint8_t *buf, size_t len, svc_transfer *out);
int svc_codec_catalog_encode(const svc_catalog_item *c, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_catalog_decode(const uint8_t *buf, size_t len, svc_catalog_item *out);
/* policy */
int svc_codec_policy_encode(const svc_policy *v, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_policy_decode(const uint8_t *buf, size_t len, svc_policy *out);
int svc_codec_grade_encode(const svc_grade_item *v, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_grade_decode(const uint8_t *buf, size_t len, svc_grade_item *out);
int svc_codec_override_encode(const svc_override *v, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_override_decode(const uint8_t *buf, size_t len, svc_override *out);
int svc_codec_model_encode(const svc_model *v, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_model_decode(const uint8_t *buf, size_t len, svc_model *out);
int svc_codec_fault_code_encode(const svc_fault_code *v, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_fault_code_decode(const uint8_t *buf, size_t len, svc_fault_code *out);
/* labor operations and the labor tariff */
int svc_codec_labor_encode(const svc_labor_op *v, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_labor_decode(const uint8_t *buf, size_t len, svc_labor_op *out);
int svc_codec_tariff_encode(const svc_tariff *v, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_tariff_decode(const uint8_t *buf, size_t len, svc_tariff *out);
int svc_codec_node_encode(const svc_node *n, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_node_decode(const uint8_t *buf, size_t len, svc_node *out);
int svc_codec_stock_encode(const svc_stock *s, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_stock_decode(const uint8_t *buf, size_t len, svc_stock *out);
/* customer */
int svc_codec_customer_encode(const svc_customer *c, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_customer_decode(const uint8_t *buf, size_t len, svc_customer *out);
int svc_codec_unit_encode(const svc_unit *u, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_unit_decode(const uint8_t *buf, size_t len, svc_unit *out);
/* Only the merged_into of a stored customer or unit state, without decoding
 * the rest; SVC_EDECODE when the bytes are not as the encoder writes them
 * (then decode the whole value to learn why). */
int svc_codec_customer_merged_into(const uint8_t *buf, size_t len, char out[SVC_AGG_LEN]);
int svc_codec_unit_merged_into(const uint8_t *buf, size_t len, char out[SVC_AGG_LEN]);
/* complaints */
int svc_codec_complaint_encode(const svc_complaint *v, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_complaint_decode(const uint8_t *buf, size_t len, svc_complaint *out);
/* old parts */
int svc_codec_old_part_encode(const svc_old_part *v, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_old_part_decode(const uint8_t *buf, size_t len, svc_old_part *out);
/* the shop's ledger */
int svc_codec_statement_encode(const svc_statement *v, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_statement_decode(const uint8_t *buf, size_t len, svc_statement *out);
/* shops */
int svc_codec_shop_encode(const svc_shop *v, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_shop_decode(const uint8_t *buf, size_t len, svc_shop *out);

/* Certificate body (the bytes HQ signs). */
int svc_codec_cert_encode(const svc_cert *c, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_cert_decode(const uint8_t *buf, size_t len, svc_cert *out);

/* A commit header: one origin's changes first..last with their hashes. */
typedef struct {
	char origin[SVC_ID_LEN];
	uint64_t first_seq;
	uint64_t last_seq;
	size_t nhashes;                  /* == last_seq - first_seq + 1 */
	uint8_t (*hashes)[SVC_HASH_LEN]; /* caller-provided array on encode; on
	                                  * decode points into `hashbuf` */
	uint8_t prev_commit[SVC_HASH_LEN];
	bool has_prev;
} svc_commit_header;

/* hashbuf must hold SVC_COMMIT_CHANGES_MAX hashes. */
int svc_codec_commit_header_encode(const svc_commit_header *h, uint8_t *buf, size_t cap,
                                   size_t *len);
int svc_codec_commit_header_decode(const uint8_t *buf, size_t len, svc_commit_header *out,
                                   uint8_t (*hashbuf)[SVC_HASH_LEN]);

/* Signed{body, signature}: enrollment requests, bundles, commits. The decoded
 * body points into `buf` (valid as long as buf is). Both directions cap the
 * whole message at SVC_COMMIT_MAX; the body must be non-empty and the
 * decoder refuses unknown, repeated or misplaced fields. */
int svc_codec_signed_encode(const uint8_t *body, size_t body_len, const uint8_t sig[SVC_SIG_LEN],
                            uint8_t *buf, size_t cap, size_t *len);
int svc_codec_signed_decode(const uint8_t *buf, size_t len, const uint8_t **body, size_t *body_len,
                            uint8_t sig[SVC_SIG_LEN]);

/* Enrollment request body. */
typedef struct {
	char node[SVC_ID_LEN];
	uint32_t role;
	char region[SVC_ID_LEN];
	uint8_t pubkey[SVC_PK_LEN];
	uint64_t created;
} svc_enroll_request;

int svc_codec_enroll_request_encode(const svc_enroll_request *r, uint8_t *buf, size_t cap,
                                    size_t *len);
int svc_codec_enroll_request_decode(const uint8_t *buf, size_t len, svc_enroll_request *out);

#define SVC_ENDPOINT_LEN 256

/* Enrollment bundle body, handed from HQ to the new node. */
typedef struct {
	svc_node_cert cert;
	uint8_t hq_pubkey[SVC_PK_LEN];
	char hq_node[SVC_ID_LEN];
	char upstream[SVC_ID_LEN];
	char endpoint[SVC_ENDPOINT_LEN];
	uint8_t upstream_pubkey[SVC_PK_LEN];
} svc_bundle;

int svc_codec_bundle_encode(const svc_bundle *b, uint8_t *buf, size_t cap, size_t *len);
int svc_codec_bundle_decode(const uint8_t *buf, size_t len, svc_bundle *out);

/* The signed header of an export file (svc_offline.h). */
#define SVC_EXPORT_VERSION 1
#define SVC_EXPORT_HEADER_MAX 512

typedef struct {
	uint32_t version;
	char signer[SVC_ID_LEN];
	char target[SVC_ID_LEN];
	uint8_t store_id[16];
	uint64_t created_ms;
	uint8_t content_hash[SVC_HASH_LEN];
	uint64_t batches;
	uint64_t changes;
} svc_export_header;

int svc_codec_export_header_encode(const svc_export_header *h, uint8_t *buf, size_t cap,
                                   size_t *len);
int svc_codec_export_header_decode(const uint8_t *buf, size_t len, svc_export_header *out);

/* ------------------------------------------------------------ protocol messages
 *
 * One Envelope per ZeroMQ message. Decoded messages point into memory owned
 * by the svc_msg (free with svc_codec_msg_free); blobs are the original bytes of
 * changes and commits, which are hashed and verified as received.
 */

#define SVC_PROTO_VERSION 1
#define SVC_MSG_MAX (32u << 20)    /* largest protocol message accepted */
#define SVC_HELLO_HEADS_MAX 100000 /* origins in one HELLO summary */
#define SVC_BATCH_CHANGES_MAX 8192 /* changes in one BATCH */
#define SVC_BATCH_COMMITS_MAX 8192

typedef struct {
	const uint8_t *data;
	size_t len;
} svc_blob;

typedef struct {
	char origin[SVC_ID_LEN];
	uint64_t seq;
} svc_origin_head;

typedef enum {
	SVC_MSG_NONE = 0,
	SVC_MSG_HELLO,
	SVC_MSG_BATCH,
	SVC_MSG_ACK,
	SVC_MSG_PING,
	SVC_MSG_ERROR,
} svc_msg_type;

typedef struct {
	uint32_t version;
	char node[SVC_ID_LEN];
	uint8_t store_id[16];
	uint64_t checkpoint;
	bool has_your_store_id;
	uint8_t your_store_id[16];
	size_t nheads;
	svc_origin_head *heads;
	uint64_t hlc;
	uint32_t ping_ms; /* the sender's ping interval (0: not said) */
	/* The sender's arrival log head when it sent the HELLO: no BATCH of
	 * this session may claim to_lsn beyond it. 0 from a peer that does not
	 * send it, which then may claim nothing new. */
	uint64_t log_head;
} svc_hello;

typedef struct {
	uint64_t id;
	uint64_t to_lsn;
	size_t nchanges;
	svc_blob *changes;
	size_t ncommits;
	svc_blob *commits;
} svc_batch;

typedef struct {
	uint64_t id;
	uint64_t to_lsn;
	uint32_t applied, duplicates, quarantined;
} svc_ack;

typedef struct {
	uint64_t hlc;
	/* The sender's log head, raised since its HELLO so that batches may go
	 * that far (0: no news). */
	uint64_t log_head;
} svc_ping;

typedef struct {
	uint32_t code;
	char text[SVC_REASON_LEN];
} svc_error_reply;

typedef struct {
	svc_msg_type type;
	union {
		svc_hello hello;
		svc_batch batch;
		svc_ack ack;
		svc_ping ping;
		svc_error_reply error;
	} u;
	void *priv_; /* decoder's allocations */
} svc_msg;

/* Decode one message (size-capped at SVC_MSG_MAX before decoding). On
 * success the caller must svc_codec_msg_free(). On failure nothing needs freeing. */
int svc_codec_msg_decode(const uint8_t *buf, size_t len, svc_msg *out);
void svc_codec_msg_free(svc_msg *m);

/* Encode into a malloc'ed buffer (caller frees with free()). */
int svc_codec_msg_encode(const svc_msg *m, uint8_t **out, size_t *len);

#endif
