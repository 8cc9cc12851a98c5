/**
 * Liveness and readiness. Liveness: the process answers. Readiness: the supergraph is loaded and
 * every subgraph it names answers a trivial `{ __typename }` query over HTTP.
 */
import type { SubgraphEndpoint } from './compose.ts';
import { errorMessage } from '../schema/errors.ts';
import { signedBody } from './plugins/auth-hmac.ts';

export interface SubgraphStatus {
  readonly name: string;
  readonly url: string;
  readonly ok: boolean;
  readonly error?: string;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly supergraphLoaded: boolean;
  readonly subgraphs: readonly SubgraphStatus[];
}

/** One probe: POST `{ __typename }`, expect 200 and `data.__typename`. */
export async function probeSubgraph(subgraph: SubgraphEndpoint, timeoutMs: number, hmacSecret?: string): Promise<SubgraphStatus> {
  try {
    const res = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: signedBody(hmacSecret, { query: 'query __Readiness { __typename }' }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json().catch(() => undefined)) as { data?: { __typename?: unknown } } | undefined;
    if (res.ok && typeof body?.data?.__typename === 'string') return { name: subgraph.name, url: subgraph.url, ok: true };
    return { name: subgraph.name, url: subgraph.url, ok: false, error: `HTTP ${res.status}` };
  } catch (e) {
    return { name: subgraph.name, url: subgraph.url, ok: false, error: errorMessage(e) };
  }
}

export async function checkReadiness(
  supergraphLoaded: boolean,
  subgraphs: readonly SubgraphEndpoint[],
  timeoutMs = 2000,
  hmacSecret?: string,
): Promise<ReadinessReport> {
  const statuses = await Promise.all(subgraphs.map((s) => probeSubgraph(s, timeoutMs, hmacSecret)));
  return { ready: supergraphLoaded && statuses.every((s) => s.ok), supergraphLoaded, subgraphs: statuses };
}
