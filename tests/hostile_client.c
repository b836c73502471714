/*
 * hostile_client: a small ZeroMQ client that misbehaves toward a live
 * svcsyncd listener, for the security tests (tests/cli_sec_*.sh).
 *
 *   hostile_client --endpoint tcp://127.0.0.1:PORT --server-key Z85
 *                  [--mech curve|null|plain] [--key NODE.KEY] [--wrong-server-key]
 *                  [--node ID] [--mode MODE] [--hello-first] [--count N] [--size BYTES]
 *                  [--changes EXPORT-FILE] [--wait MS]
 *                  [--dir NODE-DIR] [--head LSN] [--to-lsn LSN]
 *
 * It connects a DEALER the way a downstream node does (CURVE client with
 * the node's key from --key, or a fresh random key), or with the NULL or
 * PLAIN mechanism, or expecting a wrong server key, and then, by --mode:
 *
 *   hello      a valid HELLO (node --node, a random store id)
 *   batch      HELLO, then a BATCH of the changes of an export file
 *              (`svcsync export`), without commits
 *   garbage    one message of random bytes
 *   truncated  HELLO and a BATCH, each cut to half its length
 *   oversize   one message of --size bytes (default 33 MiB + 1: over the
 *              daemon's default max_message)
 *   frames3    HELLO sent as three frames (the protocol uses one)
 *   bigbatch   HELLO, then a BATCH of 8193 changes (one more than a batch
 *              may hold), encoded by hand since the codec refuses it
 *   flood      --count (default 1000) garbage messages, as fast as it can
 *   position   HELLO, then an empty BATCH whose to_lsn is --to-lsn (default
 *              2^62): a checkpoint pushed past the data
 *   heads      HELLO, then print the per-origin heads of the HELLO that
 *              comes back ("heads: ORIGIN=SEQ ..."), for read isolation
 *
 * --dir NODE-DIR makes the HELLO the node's own: its store id and its log
 * head (read from the store, which no daemon may hold then); --head LSN
 * announces that head instead (a lie, when it is beyond the real one).
 *   hold       a session kept open: with --hello-first a HELLO and then a
 *              PING each second, as a live node would; without it nothing
 *              at all (a connection that never speaks). It prints, as they
 *              happen, "session: up", "change: ORIGIN/SEQ KIND AGGREGATE"
 *              for each change a BATCH brings, and "closed: by the server
 *              after N ms" when the server ends the connection (then it
 *              stops). It does not reconnect.
 *
 * --hello-first sends a valid HELLO (and waits 200 ms) before garbage,
 * truncated, oversize, frames3 and flood, so the listener knows the peer.
 *
 * and waits --wait ms (default 1500) for whatever comes back. It prints:
 *
 *   handshake: succeeded | failed (EVENT) | none within the wait
 *   sent: N messages, B bytes
 *   received: M messages (hello H, batch B, ack A, ping P, error E, other O)
 *
 * Exit 0 when it ran (whatever the server did), 2 on a usage error.
 */
#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_apply.h"

#include <zmq.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(const char *why)
{
	fprintf(stderr, "hostile_client: %s (see the comment at the top of hostile_client.c)\n",
	        why);
	exit(2);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ protobuf by hand */

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Envelope{batch = Batch{id, to_lsn, changes...}} with any number of
 * changes (the codec's encoder stops at SVC_BATCH_CHANGES_MAX). */
static uint8_t *raw_batch(const svc_blob *changes, size_t n, size_t *len)
{
	size_t inner = 32;
	for (size_t i = 0; i < n; i++)
		inner += 1 + 10 + changes[i].len;
	uint8_t *b = malloc(inner), *out = malloc(inner + 16);
	size_t k = 0;
	b[k++] = 0x08; /* id */
	k += put_varint(b + k, 1);
	b[k++] = 0x10; /* to_lsn */
	k += put_varint(b + k, 0);
	for (size_t i = 0; i < n; i++) {
		b[k++] = 0x1a; /* changes, length-delimited */
		k += put_varint(b + k, changes[i].len);
		memcpy(b + k, changes[i].data, changes[i].len);
		k += changes[i].len;
	}
	size_t o = 0;
	out[o++] = 0x12; /* Envelope.batch */
	o += put_varint(out + o, k);
	memcpy(out + o, b, k);
	o += k;
	free(b);
	*len = o;
	return out;
}

/* What the HELLO says of the sender's store (--dir, --head). */
static bool have_store;
static uint8_t store_id[SVC_STORE_ID_LEN];
static uint64_t log_head;

static uint8_t *hello_msg(const char *node, size_t *len)
{
	svc_msg m;
	uint8_t *buf;
	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_HELLO;
	m.u.hello.version = SVC_PROTO_VERSION;
	snprintf(m.u.hello.node, sizeof m.u.hello.node, "%s", node);
	if (have_store)
		memcpy(m.u.hello.store_id, store_id, SVC_STORE_ID_LEN);
	else
		svc_random(m.u.hello.store_id, SVC_STORE_ID_LEN);
	m.u.hello.log_head = log_head;
	m.u.hello.hlc = (uint64_t)time(NULL) * 1000 << 16;
	if (svc_codec_msg_encode(&m, &buf, len)) {
		fprintf(stderr, "hostile_client: cannot encode HELLO\n");
		exit(1);
	}
	return buf;
}

/* The changes of an export file (lib/svc_offline.h): the changes of its
 * BATCH envelopes, without their commits and without checking the file's
 * signature (the point is what the listener does with them). *file receives
 * the buffer the blobs point into. */
static svc_blob *read_export(const char *path, size_t *n, uint8_t **file)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		usage("cannot open --changes file");
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *raw = malloc((size_t)sz + 1);
	if (fread(raw, 1, (size_t)sz, f) != (size_t)sz)
		usage("cannot read --changes file");
	fclose(f);
	svc_blob *v = NULL;
	size_t cap = 0, at = 8, used = 0;
	*n = 0;
	*file = malloc((size_t)sz + 1);
	if (sz < 8 || memcmp(raw, "SVCEXP2\n", 8) != 0)
		usage("--changes is not an export file");
	while (at + 4 <= (size_t)sz) {
		const uint8_t *p = raw + at;
		size_t l = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
		svc_msg m;
		at += 4;
		if (l == 0 || at + l > (size_t)sz)
			break;
		if (svc_codec_msg_decode(raw + at, l, &m) != 0 || m.type != SVC_MSG_BATCH)
			usage("--changes holds something other than batches");
		for (size_t i = 0; i < m.u.batch.nchanges; i++) {
			const svc_blob *c = &m.u.batch.changes[i];
			if (*n == cap) {
				cap = cap ? 2 * cap : 64;
				v = realloc(v, cap * sizeof *v);
			}
			memcpy(*file + used, c->data, c->len);
			v[*n].data = *file + used;
			v[(*n)++].len = c->len;
			used += c->len;
		}
		svc_codec_msg_free(&m);
		at += l;
	}
	free(raw);
	return v;
}

/* ------------------------------------------------------------ main */

struct tally {
	unsigned msgs, hello, batch, ack, ping, error, other;
	size_t bytes_sent, sent;
	bool show_changes;
};

static bool print_heads;

static void drain(void *sock, struct tally *t)
{
	zmq_msg_t m;
	for (;;) {
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			return;
		}
		svc_msg d;
		t->msgs++;
		if (svc_codec_msg_decode(zmq_msg_data(&m), zmq_msg_size(&m), &d) == 0) {
			switch (d.type) {
			case SVC_MSG_HELLO:
				t->hello++;
				if (print_heads) {
					printf("heads:");
					for (size_t i = 0; i < d.u.hello.nheads; i++)
						printf(" %s=%llu", d.u.hello.heads[i].origin,
						       (unsigned long long)d.u.hello.heads[i].seq);
					printf("\n");
				}
				break;
			case SVC_MSG_BATCH:
				t->batch++;
				for (size_t i = 0; t->show_changes && i < d.u.batch.nchanges; i++) {
					svc_change c;
					if (svc_codec_change_decode(d.u.batch.changes[i].data,
					                            d.u.batch.changes[i].len,
					                            &c) == 0)
						printf("change: %s/%llu %s %s\n", c.origin,
						       (unsigned long long)c.seq,
						       svc_change_kind_name(c.kind), c.aggregate);
				}
				fflush(stdout);
				break;
			case SVC_MSG_ACK:
				t->ack++;
				break;
			case SVC_MSG_PING:
				t->ping++;
				break;
			case SVC_MSG_ERROR:
				t->error++;
				printf("error: %u %s\n", d.u.error.code, d.u.error.text);
				break;
			default:
				t->other++;
			}
			svc_codec_msg_free(&d);
		} else {
			t->other++;
		}
		zmq_msg_close(&m);
	}
}

static bool disconnected; /* the monitor reported DISCONNECTED */

/* Read monitor events; remember the first handshake verdict. */
static void monitor_poll(void *mon, char *verdict, size_t cap)
{
	for (;;) {
		zmq_msg_t a, b;
		zmq_msg_init(&a);
		if (zmq_msg_recv(&a, mon, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&a);
			return;
		}
		uint16_t ev = 0;
		uint32_t val = 0;
		if (zmq_msg_size(&a) >= 6) {
			memcpy(&ev, zmq_msg_data(&a), 2);
			memcpy(&val, (uint8_t *)zmq_msg_data(&a) + 2, 4);
		}
		bool more = zmq_msg_more(&a);
		zmq_msg_close(&a);
		if (more) {
			zmq_msg_init(&b);
			zmq_msg_recv(&b, mon, 0);
			zmq_msg_close(&b);
		}
		if (ev == ZMQ_EVENT_DISCONNECTED)
			disconnected = true;
		if (verdict[0])
			continue;
		if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
			snprintf(verdict, cap, "succeeded");
		else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
			snprintf(verdict, cap, "failed (no detail)");
		else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
			snprintf(verdict, cap, "failed (protocol error 0x%x)", val);
		else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
			snprintf(verdict, cap, "failed (auth status %u)", val);
	}
}

/* Never blocks: a DEALER whose handshake failed has no pipe left, and a
 * blocking send would wait forever. What could not be queued is counted
 * as not sent. */
static void send_one(void *sock, const void *data, size_t len, int flags, struct tally *t)
{
	if (zmq_send(sock, data, len, flags | ZMQ_DONTWAIT) >= 0) {
		t->bytes_sent += len;
		if (!(flags & ZMQ_SNDMORE))
			t->sent++;
	}
}

int main(int argc, char **argv)
{
	const char *endpoint = NULL, *server_z85 = NULL, *mech = "curve", *keyfile = NULL;
	const char *node = "intruder", *mode = "hello", *changes_path = NULL, *dir = NULL;
	const char *head_arg = NULL;
	uint64_t to_lsn = 1ULL << 62;
	bool wrong_server = false, hello_first = false;
	long count = 1000, wait_ms = 1500;
	size_t size = (33u << 20) + 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--wrong-server-key")) {
			wrong_server = true;
			continue;
		}
		if (!strcmp(a, "--hello-first")) {
			hello_first = true;
			continue;
		}
		if (!v)
			usage("missing value");
		i++;
		if (!strcmp(a, "--endpoint"))
			endpoint = v;
		else if (!strcmp(a, "--server-key"))
			server_z85 = v;
		else if (!strcmp(a, "--mech"))
			mech = v;
		else if (!strcmp(a, "--key"))
			keyfile = v;
		else if (!strcmp(a, "--node"))
			node = v;
		else if (!strcmp(a, "--mode"))
			mode = v;
		else if (!strcmp(a, "--count"))
			count = atol(v);
		else if (!strcmp(a, "--size"))
			size = (size_t)atoll(v);
		else if (!strcmp(a, "--changes"))
			changes_path = v;
		else if (!strcmp(a, "--wait"))
			wait_ms = atol(v);
		else if (!strcmp(a, "--dir"))
			dir = v;
		else if (!strcmp(a, "--head"))
			head_arg = v;
		else if (!strcmp(a, "--to-lsn"))
			to_lsn = strtoull(v, NULL, 10);
		else
			usage("unknown option");
	}
	if (!endpoint || !server_z85 || strlen(server_z85) != 40)
		usage("--endpoint and --server-key (40 characters of Z85) are required");
	if (svc_crypto_init())
		return 1;
	if (dir) {
		svc_store *st;
		svc_txn *txn;
		svc_self self;
		if (svc_store_open(dir, SVC_STORE_RDONLY, &st) || svc_txn_begin(st, false, &txn)) {
			fprintf(stderr, "hostile_client: cannot open the store in %s: %s\n", dir,
			        svc_errmsg());
			return 1;
		}
		if (svc_self_get(txn, &self) || svc_journal_last(txn, &log_head)) {
			fprintf(stderr, "hostile_client: cannot read %s: %s\n", dir, svc_errmsg());
			return 1;
		}
		memcpy(store_id, self.store_id, SVC_STORE_ID_LEN);
		have_store = true;
		svc_txn_abort(&txn);
		svc_store_close(&st);
	}
	if (head_arg)
		log_head = strtoull(head_arg, NULL, 10);
	print_heads = !strcmp(mode, "heads");

	void *ctx = zmq_ctx_new();
	void *s = zmq_socket(ctx, ZMQ_DEALER);
	int zero = 0, one = 1;
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
	int64_t nolimit = -1;
	zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &nolimit, sizeof nolimit);
	int hwm = 100000;
	zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
	if (!strcmp(mech, "curve")) {
		uint8_t server_pk[SVC_CURVE_KEY_LEN], pk[SVC_CURVE_KEY_LEN];
		char pk_z85[41], sk_z85[41];
		if (!zmq_z85_decode(server_pk, server_z85))
			usage("--server-key is not Z85");
		if (wrong_server) {
			char spk[41], ssk[41];
			zmq_curve_keypair(spk, ssk);
			zmq_z85_decode(server_pk, spk);
		}
		if (keyfile) {
			svc_keypair *kp;
			uint8_t *csk = svc_secure_alloc(SVC_CURVE_KEY_LEN);
			if (svc_key_load(keyfile, &kp) || svc_curve_public(kp->pk, pk) ||
			    svc_curve_secret(kp, csk)) {
				fprintf(stderr, "hostile_client: cannot use key %s\n", keyfile);
				return 1;
			}
			zmq_z85_encode(pk_z85, pk, SVC_CURVE_KEY_LEN);
			zmq_z85_encode(sk_z85, csk, SVC_CURVE_KEY_LEN);
			svc_secure_free(csk);
			svc_keypair_destroy(&kp);
		} else {
			zmq_curve_keypair(pk_z85, sk_z85);
		}
		zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server_pk, SVC_CURVE_KEY_LEN);
		zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pk_z85, 40);
		zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sk_z85, 40);
	} else if (!strcmp(mech, "plain")) {
		zmq_setsockopt(s, ZMQ_PLAIN_USERNAME, "admin", 5);
		zmq_setsockopt(s, ZMQ_PLAIN_PASSWORD, "admin", 5);
	} else if (strcmp(mech, "null") != 0) {
		usage("--mech: curve, null or plain");
	}
	(void)one;
	if (!strcmp(mode, "hold")) {
		/* A session that ends stays ended: the test asks who closed it. */
		int never = -1;
		zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &never, sizeof never);
	}
	zmq_socket_monitor(s, "inproc://hostile-mon", ZMQ_EVENT_ALL);
	void *mon = zmq_socket(ctx, ZMQ_PAIR);
	zmq_connect(mon, "inproc://hostile-mon");
	if (zmq_connect(s, endpoint) != 0) {
		fprintf(stderr, "hostile_client: connect %s: %s\n", endpoint,
		        zmq_strerror(zmq_errno()));
		return 1;
	}

	struct tally t;
	memset(&t, 0, sizeof t);
	char verdict[96] = "";
	size_t len;
	uint8_t *hello = hello_msg(node, &len);

	/* Wait (briefly) for the handshake's verdict so that messages go out
	 * on an established session when there is one. */
	long long deadline = now_ms() + 2000;
	while (!verdict[0] && now_ms() < deadline) {
		monitor_poll(mon, verdict, sizeof verdict);
		struct timespec ts = {0, 5000000};
		nanosleep(&ts, NULL);
	}

	if (!strcmp(mode, "hold")) {
		t.show_changes = true;
		if (strcmp(verdict, "succeeded") != 0) {
			printf("handshake: %s\n", verdict[0] ? verdict : "none within the wait");
			return 1;
		}
		printf("session: up\n");
		fflush(stdout);
		long long t0 = now_ms(), next_ping = 0;
		disconnected = false;
		while (now_ms() < t0 + wait_ms && !disconnected) {
			if (hello_first && !t.sent)
				send_one(s, hello, len, 0, &t);
			if (hello_first && now_ms() >= next_ping) {
				svc_msg p;
				uint8_t *pb;
				size_t pl;
				memset(&p, 0, sizeof p);
				p.type = SVC_MSG_PING;
				p.u.ping.hlc = (uint64_t)time(NULL) * 1000 << 16;
				if (svc_codec_msg_encode(&p, &pb, &pl) == 0) {
					send_one(s, pb, pl, 0, &t);
					free(pb);
				}
				next_ping = now_ms() + 1000;
			}
			zmq_pollitem_t it[2] = {{s, 0, ZMQ_POLLIN, 0}, {mon, 0, ZMQ_POLLIN, 0}};
			zmq_poll(it, 2, 50);
			drain(s, &t);
			monitor_poll(mon, verdict, sizeof verdict);
		}
		drain(s, &t);
		if (disconnected)
			printf("closed: by the server after %lld ms\n", now_ms() - t0);
		else
			printf("open: still connected after %ld ms\n", wait_ms);
		printf("sent: %zu messages, %zu bytes\n", t.sent, t.bytes_sent);
		printf("received: %u messages (hello %u, batch %u, ack %u, ping %u, error %u, "
		       "other %u)\n",
		       t.msgs, t.hello, t.batch, t.ack, t.ping, t.error, t.other);
		free(hello);
		zmq_close(mon);
		zmq_close(s);
		zmq_ctx_term(ctx);
		return 0;
	}
	if (hello_first && strcmp(mode, "hello") && strcmp(mode, "batch") &&
	    strcmp(mode, "bigbatch") && strcmp(mode, "position") && strcmp(mode, "heads")) {
		send_one(s, hello, len, 0, &t);
		struct timespec ts = {0, 200000000};
		nanosleep(&ts, NULL);
	}
	if (!strcmp(mode, "hello") || !strcmp(mode, "heads")) {
		send_one(s, hello, len, 0, &t);
	} else if (!strcmp(mode, "position")) {
		send_one(s, hello, len, 0, &t);
		struct timespec ts = {0, 300000000};
		nanosleep(&ts, NULL); /* let the HELLO exchange happen */
		svc_msg m;
		uint8_t *b;
		size_t bl;
		memset(&m, 0, sizeof m);
		m.type = SVC_MSG_BATCH;
		m.u.batch.id = 1;
		m.u.batch.to_lsn = to_lsn;
		if (svc_codec_msg_encode(&m, &b, &bl)) {
			fprintf(stderr, "hostile_client: cannot encode BATCH\n");
			return 1;
		}
		send_one(s, b, bl, 0, &t);
		free(b);
	} else if (!strcmp(mode, "batch") || !strcmp(mode, "bigbatch")) {
		send_one(s, hello, len, 0, &t);
		svc_blob *ch;
		size_t n;
		uint8_t *file = NULL;
		if (!strcmp(mode, "batch")) {
			if (!changes_path)
				usage("--mode batch needs --changes");
			ch = read_export(changes_path, &n, &file);
		} else {
			n = SVC_BATCH_CHANGES_MAX + 1;
			ch = calloc(n, sizeof *ch);
			for (size_t i = 0; i < n; i++) {
				ch[i].data = (const uint8_t *)"\x0a\x05shop-";
				ch[i].len = 7;
			}
		}
		struct timespec ts = {0, 200000000};
		nanosleep(&ts, NULL); /* let the HELLO exchange happen */
		uint8_t *b = raw_batch(ch, n, &len);
		send_one(s, b, len, 0, &t);
		free(b);
		free(ch);
		free(file);
	} else if (!strcmp(mode, "garbage") || !strcmp(mode, "flood")) {
		long n = !strcmp(mode, "flood") ? count : 1;
		uint8_t buf[512];
		for (long i = 0; i < n; i++) {
			size_t l = 1 + (size_t)(i * 7919 % (sizeof buf - 1));
			svc_random(buf, l);
			buf[0] = 0xff; /* never a valid Envelope tag */
			send_one(s, buf, l, 0, &t);
		}
	} else if (!strcmp(mode, "truncated")) {
		send_one(s, hello, len / 2, 0, &t);
		svc_blob ch = {(const uint8_t *)"\x0a\x05shop-", 7};
		size_t bl;
		uint8_t *b = raw_batch(&ch, 1, &bl);
		send_one(s, b, bl / 2, 0, &t);
		free(b);
	} else if (!strcmp(mode, "oversize")) {
		uint8_t *big = malloc(size);
		memset(big, 0x12, size);
		send_one(s, big, size, 0, &t);
		free(big);
	} else if (!strcmp(mode, "frames3")) {
		size_t third = len / 3;
		send_one(s, hello, third, ZMQ_SNDMORE, &t);
		send_one(s, hello + third, third, ZMQ_SNDMORE, &t);
		send_one(s, hello + 2 * third, len - 2 * third, 0, &t);
	} else {
		usage("unknown --mode");
	}

	deadline = now_ms() + wait_ms;
	while (now_ms() < deadline) {
		zmq_pollitem_t it[2] = {{s, 0, ZMQ_POLLIN, 0}, {mon, 0, ZMQ_POLLIN, 0}};
		zmq_poll(it, 2, 50);
		monitor_poll(mon, verdict, sizeof verdict);
		drain(s, &t);
	}
	printf("handshake: %s\n", verdict[0] ? verdict : "none within the wait");
	printf("sent: %zu messages, %zu bytes\n", t.sent, t.bytes_sent);
	printf("received: %u messages (hello %u, batch %u, ack %u, ping %u, error %u, other %u)\n",
	       t.msgs, t.hello, t.batch, t.ack, t.ping, t.error, t.other);
	free(hello);
	zmq_close(mon);
	zmq_close(s);
	zmq_ctx_term(ctx);
	return 0;
}
