/*
 * rules_model: HQ's product model list (model -> category) and the fault
 * codes of each category.
 *
 * Like the parts catalog, only HQ writes them and a put states the whole
 * item, so the last put in fold order wins. A ticket copies its model's
 * category when it opens, so a later correction of the list never changes a
 * ticket already judged.
 */
#include "rules_impl.h"

#include "svc_err.h"

#include <stdio.h>
#include <string.h>

void svc_rules_model_agg(char out[SVC_AGG_LEN], const char *model)
{
	snprintf(out, SVC_AGG_LEN, "M:%s", model);
}

void svc_rules_fault_agg(char out[SVC_AGG_LEN], const char *category, const char *code)
{
	snprintf(out, SVC_AGG_LEN, "F:%s/%s", category, code);
}

int svc_check_code(const char *field, const char *s, char *reason, size_t len)
{
	char q[64];
	size_t n = 0;
	bool ok = s && *s;
	for (; ok && s[n]; n++) {
		char ch = s[n];
		ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		     (ch >= '0' && ch <= '9') || (n > 0 && (ch == '.' || ch == '_' || ch == '-'));
	}
	if (!ok || n > SVC_CODE_LEN - 1)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "%s: '%s' must be 1 to 31 of A-Z, a-z, 0-9, '.', '_' and "
		                      "'-', starting with a letter or digit",
		                      field, svc_rules_quote(q, s ? s : ""));
	return 0;
}

int svc_rules_validate_model(const svc_change *c, char *reason, size_t len)
{
	char want[SVC_AGG_LEN];
	if (c->kind == SVC_CK_MODEL_PUT) {
		const svc_model_put *b = &c->u.model_put;
		TERMINATED("model", b->model);
		TERMINATED("category", b->category);
		SVC_TRY(svc_check_code("model", b->model, reason, len));
		SVC_TRY(svc_check_code("category", b->category, reason, len));
		svc_rules_model_agg(want, b->model);
		return svc_rules_expect_agg(c, want, reason, len);
	}
	const svc_fault_code_put *b = &c->u.fault_code_put;
	TERMINATED("code", b->code);
	TERMINATED("category", b->category);
	TERMINATED("text", b->text);
	SVC_TRY(svc_check_code("code", b->code, reason, len));
	SVC_TRY(svc_check_code("category", b->category, reason, len));
	SVC_TRY(svc_check_text("text", b->text, true, reason, len));
	if (svc_utf8_chars(b->text) > 60)
		return svc_rules_fail(SVC_EINVAL, reason, len, "text: %zu characters, limit 60",
		                      svc_utf8_chars(b->text));
	svc_rules_fault_agg(want, b->category, b->code);
	return svc_rules_expect_agg(c, want, reason, len);
}

static int model_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_model *m = state;
	(void)exists;
	if (c->kind != SVC_CK_MODEL_PUT)
		return svc_rules_wrong_kind("model", c, reason, len);
	memset(m, 0, sizeof *m);
	SVC_COPY(m->model, c->u.model_put.model);
	SVC_COPY(m->category, c->u.model_put.category);
	svc_rules_set_last(&m->last, c);
	return 0;
}

static int fault_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_fault_code *f = state;
	(void)exists;
	if (c->kind != SVC_CK_FAULT_CODE_PUT)
		return svc_rules_wrong_kind("fault code", c, reason, len);
	memset(f, 0, sizeof *f);
	SVC_COPY(f->code, c->u.fault_code_put.code);
	SVC_COPY(f->category, c->u.fault_code_put.category);
	SVC_COPY(f->text, c->u.fault_code_put.text);
	svc_rules_set_last(&f->last, c);
	return 0;
}

const svc_rules svc_rules_model = {
    .name = "model",
    .state_size = sizeof(svc_model),
    .step = model_step,
};

const svc_rules svc_rules_fault = {
    .name = "fault code",
    .state_size = sizeof(svc_fault_code),
    .step = fault_step,
};
