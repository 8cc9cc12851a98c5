/**
 * Runs inside a worker thread (bench/support/load.ts starts it): autocannon against one GraphQL
 * endpoint, a warm-up run whose figures are thrown away, then the measured run. Every response body
 * is checked (a GraphQL `errors` entry or no `data` counts as a mismatch); latencies of 2xx responses
 * are kept exactly (autocannon's own histogram has 1 ms resolution).
 */
import { parentPort, workerData } from 'node:worker_threads';
import autocannon, { type AutocannonOptions } from 'autocannon';
import { signedParams } from './auth.ts';
import { UNIQUE_INSTANT, type LoadResult, type LoadSpec } from './load.ts';
import { mean, summarize } from './stats.ts';

const spec = workerData as LoadSpec;

const expected = spec.expectKey === undefined ? null : `"${spec.expectKey}":`;
const verifyBody = (body: string): boolean => (expected === null ? body.includes('"data":') && !body.includes('"errors":') : body.includes(expected));

/** Every request gets its own instant where the body holds UNIQUE_INSTANT (see load.ts). */
const FAR_FUTURE = Date.UTC(2999, 0, 1);
let sequence = 0;
const unique = spec.body.includes(UNIQUE_INSTANT);

/** The body as sent: signed with the gateway's HMAC secret when the target is a subgraph. */
function sign(body: string): string {
  if (!spec.hmacSecret) return body;
  return JSON.stringify(signedParams(spec.hmacSecret, JSON.parse(body) as { query: string; variables?: Record<string, unknown> }));
}

const setupRequest = (req: { body?: string }): { body?: string } => {
  req.body = sign(spec.body.replace(UNIQUE_INSTANT, new Date(FAR_FUTURE + sequence++).toISOString()));
  return req;
};
const fixedBody = unique ? '' : sign(spec.body);

function options(durationS: number): AutocannonOptions {
  return {
    url: spec.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...spec.headers },
    ...(unique ? { requests: [{ setupRequest }] } : { body: fixedBody }),
    connections: spec.connections,
    ...(spec.overallRate !== undefined ? { overallRate: spec.overallRate } : {}),
    duration: durationS,
    timeout: 30,
    verifyBody,
  };
}

async function main(): Promise<LoadResult> {
  if (spec.warmupS > 0) await autocannon(options(spec.warmupS));
  const latencies: number[] = [];
  const instance = autocannon(options(spec.durationS));
  instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    if (status >= 200 && status < 300) latencies.push(responseTime);
  });
  const r = await instance;
  const s = summarize(latencies);
  return {
    requests: latencies.length,
    seconds: r.duration,
    requestsPerSecond: latencies.length / r.duration,
    latencyMs: { mean: mean(latencies), p50: s.p50, p90: s.p90, p99: s.p99, max: s.max },
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    mismatches: r.mismatches,
  };
}

main().then(
  (result) => parentPort?.postMessage({ ok: true, result }),
  (e: unknown) => parentPort?.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) }),
);
