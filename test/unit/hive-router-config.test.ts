/**
 * Our engine-neutral policies as Hive Router configuration (gateway/engines/hive-router-config.ts),
 * and the per-request gateway token subgraphs accept in place of the body signature
 * (schema/gateway-key.ts). The
 * real binary reading this config is tested in test/integration/gateway-engine-hive-router.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GATEWAY_TOKEN_HEADER, routerConfigOf } from '../../gateway/engines/index.ts';
import { gatewayTokenOf, GATEWAY_TOKEN_MAX_AGE_MS, verifyGatewayToken } from '../../schema/gateway-key.ts';
import { jwksOfSecret } from '../../gateway/engines/hive-router-config.ts';
import { createSignatureCheck } from '../../subgraphs/common/signature.ts';

const SECRET = 'unit-hmac-secret-0123456789abcdef0123';

void describe('routerConfigOf', () => {
  void it('maps auth, limits, persisted operations, CORS and headers, and lists what it cannot express', () => {
    const { config, unsupported } = routerConfigOf({
      supergraphPath: '/tmp/s.graphql',
      host: '127.0.0.1',
      port: 26999,
      jwksPath: '/tmp/jwks.json',
      frontJwksPath: '/tmp/front-jwks.json',
      auth: { jwtSecret: 'x'.repeat(32), issuer: 'https://idp', audience: ['bi', 'ops'], hmacSecret: SECRET, apiKeys: [{ id: 'svc', sha256: 'ab', roles: ['service'] }] },
      requireAuthentication: true,
      limits: { requestTimeoutMs: 2500, maxDepth: 7, maxAliases: 3, maxTokens: 500, maxDirectives: 4, maxBodyBytes: 4096, maxCost: 900, defaultListSize: 12 },
      cors: { origins: ['https://bi.gofuture.dev'], csrfHeader: 'x-csrf' },
      persistedOperations: { manifest: '/tmp/manifest.json', allowListOnly: true },
    });
    assert.deepEqual(config['http'], { host: '127.0.0.1', port: 26999, graphql_endpoint: '/graphql' });
    assert.deepEqual(config['jwt'], { enabled: true, require_authentication: true, jwks_providers: [{ source: 'file', path: '/tmp/jwks.json' }, { source: 'file', path: '/tmp/front-jwks.json' }], scopes_claim: 'scope', issuers: ['https://idp'], audiences: ['bi', 'ops'] });
    assert.deepEqual(config['limits'], { max_tokens: { n: 500 }, max_depth: { n: 7, flatten_fragments: true }, max_aliases: { n: 3 }, max_directives: { n: 4 }, max_request_body_size: '4096 B' });
    assert.deepEqual((config['demand_control'] as { operation_cost: unknown }).operation_cost, { max: 900, mode: 'enforce' });
    assert.deepEqual(config['persisted_documents'], { enabled: true, require_id: true, storage: { type: 'file', path: '/tmp/manifest.json', watch: false } });
    assert.deepEqual((config['cors'] as { policies: unknown }).policies, [{ origins: ['https://bi.gofuture.dev'] }]);
    assert.deepEqual(config['csrf'], { enabled: true, required_headers: ['x-csrf'] });
    const request = (config['headers'] as { all: { request: unknown[] } }).all.request;
    // the front's per-request token reaches every subgraph fetch; no static key in the config
    assert.deepEqual(request, [{ propagate: { named: ['x-request-id', 'traceparent', 'tracestate', GATEWAY_TOKEN_HEADER] } }]);
    assert.deepEqual(config['traffic_shaping'], { router: { request_timeout: '2500ms' } });
    // API keys, rate limits, variables size are the policy front's; only the parse-based counts are left
    assert.deepEqual(unsupported.map((u) => u.split(':')[0]), ['limits.maxFields, maxPredictionInputs']);
    assert.ok(!JSON.stringify(config).includes(SECRET), 'the HMAC secret itself never goes into the router config');
  });

  void it('without JWT settings there is no jwt block; a JWT secret without a JWKS path is a programming error', () => {
    assert.equal(routerConfigOf({ supergraphPath: 's', host: 'h', port: 1 }).config['jwt'], undefined);
    assert.throws(() => routerConfigOf({ supergraphPath: 's', host: 'h', port: 1, auth: { jwtSecret: 'y'.repeat(32) } }), /jwksPath/);
  });

  void it('an HS256 secret becomes an oct JWK', () => {
    const [key] = jwksOfSecret('abc').keys;
    assert.equal(key?.['kty'], 'oct');
    assert.equal(Buffer.from(key?.['k'] ?? '', 'base64url').toString('utf8'), 'abc');
  });
});

void describe('subgraph signature check: the per-request gateway token', () => {
  void it('accepts a fresh token of its secret and nothing else', () => {
    const check = createSignatureCheck({ secret: SECRET }, true, 'trips');
    assert.equal(check.hasGatewayToken(gatewayTokenOf(SECRET)), true);
    assert.equal(check.hasGatewayToken(gatewayTokenOf(`${SECRET}x`)), false);
    assert.equal(check.hasGatewayToken(undefined), false);
    assert.equal(check.hasGatewayToken([gatewayTokenOf(SECRET)]), false);
    assert.equal(createSignatureCheck({}, false, 'trips').hasGatewayToken(gatewayTokenOf(SECRET)), false);
  });

  void it('a token is not replayable past its age, and its parts cannot be changed', () => {
    const now = 1_800_000_000_000;
    const token = gatewayTokenOf(SECRET, now);
    assert.notEqual(token, gatewayTokenOf(SECRET, now), 'a new nonce per request');
    assert.equal(verifyGatewayToken(SECRET, token, now + GATEWAY_TOKEN_MAX_AGE_MS), true);
    assert.equal(verifyGatewayToken(SECRET, token, now + GATEWAY_TOKEN_MAX_AGE_MS + 1), false);
    assert.equal(verifyGatewayToken(SECRET, token, now - GATEWAY_TOKEN_MAX_AGE_MS - 1), false);
    const [v, , nonce, mac] = token.split('.');
    assert.equal(verifyGatewayToken(SECRET, [v, String(now + 30_000), nonce, mac].join('.'), now + 30_000), false, 'a re-dated token does not verify');
    assert.equal(verifyGatewayToken(SECRET, 'v1.x.y.z', now), false);
  });
});
