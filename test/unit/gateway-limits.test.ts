/**
 * The gateway's request policies as units: the memoised document analysis (fan-out, cycles, every
 * measure), the limits on it, the token limit, the body parser (size, variables, media type, empty
 * body), CORS from the allow-list, suggestion stripping, the in-memory rate limiter, persisted
 * operation manifests.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { GraphQLError, buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import { pino } from 'pino';
import { analyzeDocument } from '../../gateway/plugins/document-analysis.ts';
import { firstBrokenLimit, parseWithTokenLimit } from '../../gateway/plugins/document-limits.ts';
import { parseJsonBody } from '../../gateway/plugins/request-body.ts';
import { corsOption } from '../../gateway/plugins/cors.ts';
import { withoutSuggestions } from '../../gateway/plugins/field-suggestions.ts';
import { createRateLimiter } from '../../gateway/plugins/rate-limit.ts';
import { createCallerKey } from '../../gateway/plugins/client-identity.ts';
import { buildPersistedManifest, canonicalDocument, documentHash, persistedDocumentsOption } from '../../gateway/plugins/persisted-operations.ts';
import { resolveCors, resolveLimits } from '../../gateway/plugins/policy-config.ts';
import { ErrorCodes } from '../../schema/errors.ts';
import { loadConfig } from '../../bin/config.ts';
import { loadSubgraphTypeDefs } from '../../subgraphs/common/index.ts';

const schema = buildSchema(`
  directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!]) on FIELD_DEFINITION
  directive @cost(weight: Int!) on FIELD_DEFINITION
  type Query {
    trips(first: Int = 20): TripConnection! @listSize(slicingArguments: ["first"], sizedFields: ["edges"])
    drivers(first: Int = 50): [Driver!]! @listSize(slicingArguments: ["first"])
    regions: [Region!]!
    heavy: Int @cost(weight: 7)
  }
  type Mutation {
    predictSurge(input: In!): Float!
    predictSurgeBatch(inputs: [In!]!): [Float!]!
    other(ids: [ID!]!): Int
  }
  input In { region: String }
  type TripConnection { edges: [TripEdge!]! totalCount: Int! }
  type TripEdge { node: Trip! }
  type Trip { id: ID! fare: Float! driver: Driver! payments: [Payment!]! }
  type Payment { id: ID! trip: Trip! }
  type Driver { id: ID! name: String! trips: [Trip!]! }
  type Region { id: ID! }
`);

const opts = { defaultListSize: 10, predictionFieldPrefix: 'predict' };
const analyze = (q: string, variables?: Record<string, unknown>) => analyzeDocument(parse(q), schema, { ...opts, variables });

/** `fragment F{n}` where each Fi spreads F(i-1) twice, queried once. */
function fanOut(n: number): string {
  const parts = ['fragment F0 on Driver { id name }'];
  for (let i = 1; i <= n; i++) parts.push(`fragment F${i} on Driver { trips { driver { ...F${i - 1} ...F${i - 1} } } }`);
  return `${parts.join('\n')}\nquery { drivers(first: 1) { ...F${n} } }`;
}

void describe('document analysis (memoised per fragment)', () => {
  void test('the n=30 fan-out is measured with work proportional to the fragments, and refused', () => {
    const small = analyze(fanOut(10));
    const big = analyze(fanOut(30));
    // each fragment is walked once: visits grow by a constant per fragment, not by doubling
    assert.equal(big.visits - small.visits, (30 - 10) * ((big.visits - analyze(fanOut(29)).visits)));
    assert.ok(big.visits < 200, `visits ${big.visits}`);
    assert.ok(big.fields > 2 ** 30, `expanded fields ${big.fields}`);
    const err = firstBrokenLimit(big, resolveLimits({}));
    assert.ok(err instanceof GraphQLError);
    assert.equal(err.extensions['code'], 'LIMIT_EXCEEDED');
  });

  void test('fragment cycles terminate (validation reports them)', () => {
    const s = analyze('fragment A on Driver { trips { driver { ...B } } } fragment B on Driver { ...A name } query { drivers { ...A } }');
    assert.ok(s.visits < 20);
    assert.equal(s.fields, 4); // drivers, trips, driver, name
  });

  void test('depth, aliases, directives and fields are counted through fragments', () => {
    const s = analyze(`
      fragment D on Driver { a: id b: name @include(if: true) }
      query Q @skip(if: false) { drivers { ...D ...D trips { driver { name } } } }`);
    assert.equal(s.depth, 4);
    assert.equal(s.aliases, 4);
    assert.equal(s.directives, 3);
    assert.equal(s.fields, 1 + 4 + 3);
  });

  void test('cost: slicing arguments, sizedFields, default list size, @cost, variables', () => {
    // trips(first: 500): 1 + 500 edges x (edge 1 + node 1 + driver 1)
    assert.equal(analyze('{ trips(first: 500) { edges { node { id driver { name } } } } }').cost, 1 + 500 * 3);
    // default of the slicing argument (20) when absent
    assert.equal(analyze('{ trips { totalCount edges { node { id } } } }').cost, 1 + 20 * 2);
    // a plain list without @listSize: defaultListSize (10); a weighted leaf
    assert.equal(analyze('{ regions { id } heavy }').cost, 10 * 1 + 7);
    assert.equal(analyze('query($n: Int) { drivers(first: $n) { id } }', { n: 300 }).cost, 300);
    // 1000 aliases of trips(first: 500) cost 1000 times one
    const aliases = Array.from({ length: 1000 }, (_, i) => `t${i}: trips(first: 500) { edges { node { id } } }`).join(' ');
    assert.equal(analyze(`{ ${aliases} }`).cost, 1000 * (1 + 500 * 2));
  });

  void test('prediction inputs count aliases, batch lists and variables', () => {
    const aliases = Array.from({ length: 5 }, (_, i) => `p${i}: predictSurge(input: {})`).join(' ');
    assert.equal(analyze(`mutation { ${aliases} }`).predictionInputs, 5);
    assert.equal(analyze('mutation { predictSurgeBatch(inputs: [{}, {}, {}]) other(ids: [1, 2]) }').predictionInputs, 3);
    assert.equal(analyze('mutation($b: [In!]!) { a: predictSurgeBatch(inputs: $b) b: predictSurgeBatch(inputs: $b) }', { b: new Array(600).fill({}) }).predictionInputs, 1200);
    assert.equal(analyze('fragment M on Mutation { predictSurge(input: {}) } mutation { ...M ...M }').predictionInputs, 2);
    const err = firstBrokenLimit(analyze('mutation($b: [In!]!) { a: predictSurgeBatch(inputs: $b) b: predictSurgeBatch(inputs: $b) }', { b: new Array(600).fill({}) }), resolveLimits({}));
    assert.equal(err?.extensions['limit'], 'predictionInputs');
  });

  void test('each limit is named in the refusal', () => {
    const limits = resolveLimits({ maxDepth: 3, maxAliases: 2, maxDirectives: 1, maxFields: 5, maxCost: 50 });
    const limitOf = (q: string) => firstBrokenLimit(analyze(q), limits)?.extensions['limit'];
    assert.equal(limitOf('{ drivers { trips { driver { id } } } }'), 'depth');
    assert.equal(limitOf('{ a: heavy b: heavy c: heavy }'), 'aliases');
    assert.equal(limitOf('{ heavy @skip(if: false) @include(if: true) }'), 'directives');
    assert.equal(limitOf('{ drivers(first: 1) { id name } regions { id } heavy x: heavy }'), 'fields');
    assert.equal(limitOf('{ drivers(first: 100) { id } }'), 'cost');
    assert.equal(limitOf('{ heavy }'), undefined);
  });

  void test('the full introspection query passes the default limits; its depth and cost are not counted', () => {
    const q = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true });
    const s = analyze(q);
    assert.equal(firstBrokenLimit(s, resolveLimits({})), undefined);
    assert.equal(s.depth, 0);
    assert.ok(s.fields > 100);
    assert.equal(s.cost, 0);
  });

  void test('tokens: a document over maxTokens stops parsing with LIMIT_EXCEEDED tokens', () => {
    const q = `{ ${Array.from({ length: 200 }, (_, i) => `f${i}: heavy`).join(' ')} }`;
    assert.throws(() => parseWithTokenLimit(q, 100), (e: unknown) => e instanceof GraphQLError && e.extensions['code'] === 'LIMIT_EXCEEDED' && e.extensions['limit'] === 'tokens');
    assert.equal(parseWithTokenLimit('{ heavy }', 100).kind, 'Document');
    assert.throws(() => parseWithTokenLimit('{ heavy', 100), /Syntax Error/);
  });
});

void describe('request body', () => {
  const limits = { maxBodyBytes: 1000, maxVariablesBytes: 100 };
  const post = (body: BodyInit | null, type = 'application/json', headers: Record<string, string> = {}) =>
    new Request('http://gw/graphql', { method: 'POST', headers: { 'content-type': type, ...headers }, body, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);
  const codeOf = async (req: Request) => {
    try {
      await parseJsonBody(req, limits);
      return 'ok';
    } catch (e) {
      assert.ok(e instanceof GraphQLError);
      return `${String(e.extensions['code'])}/${String(e.extensions['limit'] ?? '')}/${String((e.extensions['http'] as { status: number }).status)}`;
    }
  };

  void test('accepts a JSON body under the limits', async () => {
    assert.deepEqual(await parseJsonBody(post(JSON.stringify({ query: '{ a }', variables: { x: 1 } })), limits), { query: '{ a }', variables: { x: 1 } });
  });
  void test('refuses big bodies (declared or streamed), big variables, non-JSON, empty and invalid bodies', async () => {
    assert.equal(await codeOf(post('x'.repeat(2000))), 'LIMIT_EXCEEDED/bodyBytes/413');
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new Uint8Array(600).fill(32));
      },
    });
    assert.equal(await codeOf(post(stream)), 'LIMIT_EXCEEDED/bodyBytes/413');
    assert.equal(await codeOf(post(JSON.stringify({ query: '{ a }', variables: { big: 'v'.repeat(200) } }))), 'LIMIT_EXCEEDED/variablesBytes/413');
    assert.equal(await codeOf(post('query=mutation%7Bx%7D', 'application/x-www-form-urlencoded')), 'UNSUPPORTED_MEDIA_TYPE//415');
    assert.equal(await codeOf(post('{"query":"{a}"}', 'text/plain')), 'UNSUPPORTED_MEDIA_TYPE//415');
    assert.equal(await codeOf(post(null)), 'BAD_REQUEST//400');
    assert.equal(await codeOf(post('{nope')), 'BAD_REQUEST//400');
    assert.equal(await codeOf(post('[{"query":"{a}"}]')), 'BAD_REQUEST//400');
  });
});

void describe('browser safety', () => {
  void test('CORS: no cross-origin by default; listed origins get exactly themselves; others nothing', () => {
    assert.equal(corsOption(resolveCors({})), false);
    const option = corsOption(resolveCors({ origins: ['https://bi.gofuture.dev', 'https://dash.gofuture.dev'] }));
    assert.ok(option);
    const of = (origin: string) => option(new Request('http://gw/graphql', { headers: { origin } }));
    assert.deepEqual(of('https://evil.example'), false);
    const ok = of('https://dash.gofuture.dev');
    assert.ok(ok);
    assert.deepEqual(ok.origin, ['https://dash.gofuture.dev']);
    assert.equal(ok.credentials, true);
    assert.throws(() => resolveCors({ origins: ['*'] }));
  });

  void test('suggestions are stripped from messages', () => {
    assert.equal(withoutSuggestions('Cannot query field "tripz" on type "Query". Did you mean "trips" or "trip"?'), 'Cannot query field "tripz" on type "Query".');
    assert.equal(withoutSuggestions('plain message'), 'plain message');
  });
});

void describe('caller identity', () => {
  void test('principal first, else the TCP peer; x-forwarded-for only behind our front door', () => {
    const ctx = (principal?: object) => ({
      req: { socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': '198.51.100.7' } },
      ...(principal ? { principal } : {}),
    });
    assert.equal(createCallerKey(false)(ctx()), 'ip:127.0.0.1');
    assert.equal(createCallerKey(true)(ctx()), 'ip:198.51.100.7');
    assert.equal(createCallerKey(true)(ctx({ id: 'svc-pricing', kind: 'apiKey', roles: ['service'] })), 'p:svc-pricing');
    assert.equal(createCallerKey(false)(ctx({ id: 'anon:127.0.0.1', kind: 'anonymous', roles: [] })), 'ip:127.0.0.1');
  });
});

void describe('rate limiter (in memory)', () => {
  void test('spends points per key and says when to retry', async () => {
    const limiter = createRateLimiter(resolveLimits({ rateLimit: { points: 3, durationSeconds: 60 } }).rateLimit, pino({ level: 'silent' }));
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.consume('p:a'));
    assert.deepEqual(results.slice(0, 3), [undefined, undefined, undefined]);
    assert.ok(typeof results[3] === 'number' && results[3] > 0);
    assert.equal(await limiter.consume('p:b'), undefined);
    await limiter.close();
  });
});

void describe('persisted operations', () => {
  void test('a folder of operations becomes hash -> canonical document; bad files are CONFIG_INVALID', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pq-'));
    try {
      await mkdir(path.join(dir, 'sub'));
      await writeFile(path.join(dir, 'a.graphql'), '# comment\nquery A { heavy }\n');
      await writeFile(path.join(dir, 'sub', 'b.graphql'), 'fragment R on Region { id } query B { regions { ...R } }');
      const manifest = await buildPersistedManifest(dir);
      const docA = canonicalDocument('query A { heavy }');
      assert.equal(manifest[documentHash(docA)], docA);
      assert.equal(Object.keys(manifest).length, 2);
      await writeFile(path.join(dir, 'c.graphql'), 'query C { heavy } query D { heavy }');
      await assert.rejects(buildPersistedManifest(dir), (e: { code?: string }) => e.code === ErrorCodes.CONFIG_INVALID);

      const file = path.join(dir, 'manifest.json');
      await writeFile(file, JSON.stringify(manifest));
      const option = persistedDocumentsOption({ manifest: file, allowListOnly: true });
      assert.ok(option);
      assert.equal(option.allowArbitraryDocuments, false);
      assert.equal(option.getPersistedOperation(documentHash(docA)), docA);
      assert.equal(option.getPersistedOperation('constructor'), null);
      assert.throws(() => persistedDocumentsOption({ allowListOnly: true }), /manifest/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void test('the BI operations in operations/bi validate against the composed public schema and pass the default limits', async () => {
    const result = composeServices(['trips', 'payments', 'features', 'models', 'metrics'].map((name) => ({ name, typeDefs: loadSubgraphTypeDefs(name), url: `http://${name}/graphql` })));
    if (compositionHasErrors(result)) assert.fail(result.errors.map((e) => e.message).join('\n'));
    const api = buildSchema(result.publicSdl);
    const supergraph = buildSchema(result.supergraphSdl, { assumeValidSDL: true });
    const manifest = await buildPersistedManifest(path.join(import.meta.dirname, '..', '..', 'operations', 'bi'));
    assert.ok(Object.keys(manifest).length >= 3);
    for (const doc of Object.values(manifest)) {
      assert.deepEqual(validate(api, parse(doc)).map((e) => e.message), [], doc);
      assert.equal(firstBrokenLimit(analyzeDocument(parse(doc), supergraph, opts), resolveLimits({})), undefined, doc);
    }
  });

  void test('gofuture persisted build writes the manifest of operations/bi', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pq-cli-'));
    try {
      const out = path.join(dir, 'manifest.json');
      const root = path.join(import.meta.dirname, '..', '..');
      const { stdout } = await promisify(execFile)(process.execPath, [path.join(root, 'bin', 'gofuture.ts'), 'persisted', 'build', path.join(root, 'operations', 'bi'), '--out', out]);
      const written = JSON.parse(await readFile(out, 'utf8')) as Record<string, string>;
      assert.deepEqual(written, await buildPersistedManifest(path.join(root, 'operations', 'bi')));
      assert.match(stdout, new RegExp(`${Object.keys(written).length} persisted operations`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

void describe('policy config', () => {
  void test('gateway.limits, cors and persistedOperations are validated with defaults; services share the rate limit through Redis', () => {
    const embedded = loadConfig({ env: {}, profile: 'embedded' });
    assert.equal(embedded.gateway.limits.maxBodyBytes, 1024 * 1024);
    assert.equal(embedded.gateway.limits.rateLimit.redisUrl, undefined);
    assert.deepEqual(embedded.gateway.cors.origins, []);
    assert.equal(embedded.gateway.persistedOperations.allowListOnly, false);
    const services = loadConfig({ env: { REDIS_URL: 'redis://10.0.0.5:6379' }, profile: 'services' });
    assert.equal(services.gateway.limits.rateLimit.redisUrl, 'redis://10.0.0.5:6379');
    assert.throws(() => loadConfig({ env: {}, overrides: { gateway: { limits: { maxDepth: 'deep' } } } }), (e: { code?: string; message?: string }) => e.code === 'CONFIG_INVALID' && /gateway\.limits\.maxDepth/.test(e.message ?? ''));
    assert.throws(() => loadConfig({ env: {}, overrides: { gateway: { cors: { origins: ['https://ok.dev/path'] } } } }), /gateway\.cors\.origins/);
  });
});

