/**
 * HTTP load at fixed concurrency with autocannon, run in a worker thread so the load generator has
 * its own event loop and never delays the servers under test (which share the main one).
 */
import { Worker } from 'node:worker_threads';

/**
 * A body holding this string (as a variable value) gets a different far-future instant in its place
 * on every request: the requests stay equivalent (`before` an instant no row reaches) but are never
 * identical, so neither the gateway nor anything else can answer several of them with one execution
 * (Hive's HTTP executor shares identical in-flight subgraph requests).
 */
export const UNIQUE_INSTANT = '$$UNIQUE_INSTANT$$';

export interface LoadSpec {
  readonly url: string;
  /** The JSON request body ({ query, variables }); see UNIQUE_INSTANT. */
  readonly body: string;
  readonly connections: number;
  readonly durationS: number;
  /** Seconds of load before the measured run (figures thrown away). */
  readonly warmupS: number;
  /** Extra request headers: the caller's `authorization` when the target is a gateway with auth on. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The gateway's HMAC secret, when the target is a subgraph called directly: every request body
   * (each UNIQUE_INSTANT variant too) is signed as the gateway signs it.
   */
  readonly hmacSecret?: string;
  /**
   * Offered load: requests per second over all connections (autocannon `overallRate`); absent, as
   * fast as the connections go (saturation). A connection waits for its answer before its next
   * request, so a server slower than the rate gets less than offered: compare `requestsPerSecond`.
   */
  readonly overallRate?: number;
  /**
   * What a good answer body holds: `graphql` (default: `data`, no `errors`) or a plain JSON answer
   * naming this key (a REST peer, e.g. `"prediction"`).
   */
  readonly expectKey?: string;
}

export interface LoadResult {
  /** 2xx responses in the measured run. */
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly mean: number; readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  /** Responses with a GraphQL `errors` entry or without `data`. */
  readonly mismatches: number;
}

type WorkerReply = { ok: true; result: LoadResult } | { ok: false; error: string };

export function graphqlBody(query: string, variables?: Record<string, unknown>): string {
  return JSON.stringify(variables ? { query, variables } : { query });
}

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.ts', import.meta.url), { workerData: spec });
    let settled = false;
    worker.once('message', (m: WorkerReply) => {
      settled = true;
      if (m.ok) resolve(m.result);
      else reject(new Error(`load run against ${spec.url} failed: ${m.error}`));
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`load worker exited with code ${code} before answering`));
    });
  });
}

/** Responses that were not a clean 2xx GraphQL result. */
export const failures = (r: LoadResult): number => r.errors + r.timeouts + r.non2xx + r.mismatches;
