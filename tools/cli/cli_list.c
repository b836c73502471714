/*
 * cli_list: how the svcsync CLI lists records: the ids a list shows, in
 * order (cli_ids), the table or JSON output (cli_list), and the scaffold the
 * record lists share (cli_list_run).
 *
 * It is separate from cli_util because a list is the one output with state:
 * rows are buffered a page at a time, column widths grow as rows arrive, and
 * every record list (ticket list, claim list, catalog list, part transfers,
 * node list) walks the same steps: collect the ids in one short read, sort
 * and cut them to the limit, then read the rows back a page per
 * transaction. Those steps live here once; a command supplies only what
 * differs (cli_list_spec).
 */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ id lists */

/* Natural order: runs of digits compare as numbers, so T-shop-a-9 comes
 * before T-shop-a-10 and shop-2 before shop-10. */
static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			size_t na = strspn(a, "0123456789"), nb = strspn(b, "0123456789");
			if (na != nb)
				return na < nb ? -1 : 1;
			int c = strncmp(a, b, na);
			if (c)
				return c;
			a += na;
			b += nb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

/* Newest first: the key (a time) descending, and within one millisecond
 * the higher sequence number first. */
static int newest_cmp(const void *pa, const void *pb)
{
	const cli_id *a = pa, *b = pb;
	if (a->key != b->key)
		return a->key > b->key ? -1 : 1;
	return natural_cmp(b->id, a->id);
}

static int name_cmp(const void *pa, const void *pb)
{
	return natural_cmp(((const cli_id *)pa)->id, ((const cli_id *)pb)->id);
}

static void ids_sort(cli_ids *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof *l->v, l->by_name ? name_cmp : newest_cmp);
}

static void ids_trim(cli_ids *l)
{
	ids_sort(l);
	while (l->n > l->limit)
		free(l->v[--l->n].id);
}

void cli_ids_add(cli_ids *l, uint64_t key, const char *id)
{
	if (l->oom)
		return;
	/* With a limit, trim whenever the buffer holds twice the limit:
	 * memory stays O(limit) and the sorting cost O(n log limit). */
	if (l->limit && l->n >= 2 * l->limit && l->n >= 64)
		ids_trim(l);
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		cli_id *v = realloc(l->v, cap * sizeof *v);
		if (!v) {
			l->oom = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	char *copy = strdup(id);
	if (!copy) {
		l->oom = true;
		return;
	}
	l->v[l->n].key = key;
	l->v[l->n].id = copy;
	l->n++;
}

/* Sort and apply the limit; CLI_FAIL if memory ran out while adding. */
static int ids_finish(cli_ids *l)
{
	if (l->oom)
		return cli_failf("out of memory collecting the list");
	ids_sort(l);
	if (l->limit)
		while (l->n > l->limit)
			free(l->v[--l->n].id);
	return CLI_OK;
}

static void ids_free(cli_ids *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].id);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* ------------------------------------------------------------ lists */

#define LIST_PAGE 1024

struct cli_list {
	bool json;
	size_t ncols;
	const char *const *headers;
	const char *align;
	size_t *width;
	char **cells; /* LIST_PAGE rows of ncols */
	size_t rows;  /* buffered */
	size_t printed;
	bool header_done, oom;
};

cli_list *cli_list_new(bool json, size_t ncols, const char *const *headers, const char *align)
{
	cli_list *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->json = json;
	l->ncols = ncols;
	l->headers = headers;
	l->align = align;
	if (!json) {
		l->width = calloc(ncols, sizeof *l->width);
		l->cells = calloc(LIST_PAGE * ncols, sizeof *l->cells);
		if (!l->width || !l->cells) {
			free(l->width);
			free(l->cells);
			free(l);
			return NULL;
		}
		for (size_t c = 0; c < ncols; c++)
			l->width[c] = cli_width(headers[c]);
	}
	return l;
}

bool cli_list_json(const cli_list *l)
{
	return l->json;
}

static void print_cell(const cli_list *l, size_t c, const char *s)
{
	size_t w = cli_width(s), pad = l->width[c] > w ? l->width[c] - w : 0;
	bool last = c + 1 == l->ncols;
	if (c)
		fputs("  ", stdout);
	if (l->align[c] == 'r')
		printf("%*s%s", (int)pad, "", s);
	else if (last)
		fputs(s, stdout);
	else
		printf("%s%*s", s, (int)pad, "");
}

static void list_flush(cli_list *l)
{
	if (l->json)
		return;
	for (size_t r = 0; r < l->rows; r++)
		for (size_t c = 0; c < l->ncols; c++) {
			size_t w = cli_width(l->cells[r * l->ncols + c]);
			if (w > l->width[c])
				l->width[c] = w;
		}
	if (!l->header_done) {
		for (size_t c = 0; c < l->ncols; c++)
			print_cell(l, c, l->headers[c]);
		putchar('\n');
		l->header_done = true;
	}
	for (size_t r = 0; r < l->rows; r++) {
		for (size_t c = 0; c < l->ncols; c++) {
			char **cell = &l->cells[r * l->ncols + c];
			print_cell(l, c, *cell);
			free(*cell);
			*cell = NULL;
		}
		putchar('\n');
	}
	l->printed += l->rows;
	l->rows = 0;
}

void cli_list_row(cli_list *l, const char *const *cells)
{
	if (l->json || l->oom)
		return;
	if (l->rows == LIST_PAGE)
		list_flush(l);
	for (size_t c = 0; c < l->ncols; c++) {
		char *s = strdup(cells[c] ? cells[c] : "");
		if (!s) {
			l->oom = true;
			return;
		}
		l->cells[l->rows * l->ncols + c] = s;
	}
	l->rows++;
}

void cli_list_obj(cli_list *l, json_t *obj)
{
	if (!l->json || !obj) {
		if (!obj)
			l->oom = true;
		json_decref(obj);
		return;
	}
	fputs(l->printed ? ",\n" : "[\n", stdout);
	if (json_dumpf(obj, stdout, JSON_COMPACT) != 0)
		l->oom = true;
	json_decref(obj);
	l->printed++;
}

int cli_list_end(cli_list **lp)
{
	cli_list *l = *lp;
	int rc = CLI_OK;
	if (!l)
		return cli_failf("out of memory");
	*lp = NULL;
	if (l->json) {
		fputs(l->printed ? "\n]\n" : "[]\n", stdout);
	} else if (!l->oom) {
		list_flush(l);
	} else {
		/* Whatever is buffered (a row cut short included) is dropped. */
		for (size_t i = 0; i < LIST_PAGE * l->ncols; i++)
			free(l->cells[i]);
	}
	if (l->oom)
		rc = cli_failf("out of memory formatting the list");
	free(l->width);
	free(l->cells);
	free(l);
	return rc;
}

/* ------------------------------------------------------------ list commands */

/* Read back and print the records named by `ids`, CLI_PAGE of them per short
 * read transaction, so a long list never holds one reader open while the
 * terminal drains. */
static int ids_print(svc_store *s, const cli_ids *ids, cli_list *l, cli_row_fn row, void *arg)
{
	for (size_t i = 0; l && i < ids->n; i += CLI_PAGE) {
		svc_txn *t;
		if (svc_txn_begin(s, false, &t))
			return cli_fail();
		for (size_t k = i; k < ids->n && k < i + CLI_PAGE; k++)
			row(t, ids->v[k].id, l, arg);
		svc_txn_abort(&t);
	}
	return CLI_OK;
}

int cli_list_limit(const cli_args *a, size_t *out)
{
	int64_t limit = 0;
	int rc = cli_int(a, "limit", &limit, NULL);
	if (rc)
		return rc;
	if (limit < 0)
		return cli_usage(a, "--limit: %" PRId64 " is negative", limit);
	*out = (size_t)limit;
	return CLI_OK;
}

int cli_list_run(const cli_ctx *ctx, const cli_list_spec *spec, bool json, size_t limit, void *arg)
{
	svc_store *s = NULL;
	svc_txn *t = NULL;
	cli_ids ids = {.limit = limit, .by_name = spec->by_name};
	int rc = cli_open(ctx, false, &s);
	if (rc)
		return rc;
	if (svc_txn_begin(s, false, &t) || spec->collect(s, t, &ids, arg) < 0) {
		svc_txn_abort(&t);
		svc_store_close(&s);
		ids_free(&ids);
		return cli_fail();
	}
	svc_txn_abort(&t);
	rc = ids_finish(&ids);
	cli_list *l = cli_list_new(json, strlen(spec->align), spec->headers, spec->align);
	if (!rc)
		rc = ids_print(s, &ids, l, spec->row, arg);
	int lrc = cli_list_end(&l);
	ids_free(&ids);
	svc_store_close(&s);
	return rc ? rc : lrc;
}
