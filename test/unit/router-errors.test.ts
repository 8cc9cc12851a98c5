/**
 * Hive Router's error-only answers rewritten to our codes (gateway/engines/router-errors.ts), so
 * both engines answer with the same codes; the real router is in the engines parity IT.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapRouterCode, rewriteRouterErrors } from '../../gateway/engines/router-errors.ts';

const EXTRA = { timeoutMs: 30_000, limits: { depth: 6, aliases: 5 } };

void describe('router error codes as ours', () => {
  void it('limits become LIMIT_EXCEEDED naming the limit and its bound; the router code is kept', () => {
    const out = rewriteRouterErrors(JSON.stringify({ errors: [{ message: 'too deep', extensions: { code: 'MAX_DEPTH_EXCEEDED' } }] }), false, EXTRA);
    assert.ok(out);
    assert.equal(out.status, 400);
    assert.deepEqual(JSON.parse(out.body), { errors: [{ message: 'too deep', extensions: { code: 'LIMIT_EXCEEDED', routerCode: 'MAX_DEPTH_EXCEEDED', limit: 'depth', max: 6 } }] });
  });

  void it('a refused field is UNAUTHENTICATED for an anonymous caller (with a Bearer challenge), FORBIDDEN otherwise', () => {
    const body = JSON.stringify({ data: null, errors: [{ message: 'no', extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } }] });
    const anonymous = rewriteRouterErrors(body, true, EXTRA);
    assert.deepEqual([anonymous?.status, anonymous?.headers['www-authenticate']], [401, 'Bearer']);
    assert.equal(rewriteRouterErrors(body, false, EXTRA)?.status, 403);
    assert.equal(mapRouterCode('GATEWAY_TIMEOUT', false)?.code, 'REQUEST_TIMEOUT');
  });

  void it('answers with data, unknown codes and non-JSON pass unchanged', () => {
    assert.equal(rewriteRouterErrors(JSON.stringify({ data: { a: 1 }, errors: [{ message: 'x', extensions: { code: 'MAX_DEPTH_EXCEEDED' } }] }), false, EXTRA), undefined);
    assert.equal(rewriteRouterErrors(JSON.stringify({ errors: [{ message: 'x', extensions: { code: 'SOMETHING_ELSE' } }] }), false, EXTRA), undefined);
    assert.equal(rewriteRouterErrors('not json', false, EXTRA), undefined);
  });
});
