/**
 * Where the gateway's supergraph comes from: composed at start from live Federation v2 subgraphs
 * (each one's `{ _service { sdl } }`, fetched with bounded retries), or read from a file composed
 * elsewhere. Works for any Federation v2 supergraph, not only ours.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { composeServices, containsSupergraphSpec } from '@theguild/federation-composition';
import { Kind, parse, type DocumentNode, type EnumValueDefinitionNode } from 'graphql';
import type { Logger } from 'pino';
import { PlatformError, errorMessage } from '../schema/errors.ts';
import { signedBody } from './plugins/auth-hmac.ts';

export interface SubgraphEndpoint {
  readonly name: string;
  readonly url: string;
}

export interface SubgraphSdl extends SubgraphEndpoint {
  readonly sdl: string;
}

export interface FetchSdlOptions {
  /** Attempts per subgraph before giving up (default 30). */
  readonly attempts?: number;
  /** First backoff delay; doubles each attempt up to maxDelayMs (defaults 100 / 2000 ms). */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Per-request timeout (default 5000 ms). */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
  /** Signs the request as the runtime signs subgraph requests (subgraphs refuse unsigned ones in production). */
  readonly hmacSecret?: string;
}

const SERVICE_QUERY = 'query __ServiceSdl { _service { sdl } }';
const NAME_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** Checks a subgraph list: names unique and well formed, URLs absolute http(s). */
export function validateSubgraphEndpoints(subgraphs: readonly SubgraphEndpoint[]): void {
  if (subgraphs.length === 0) throw new PlatformError('CONFIG_INVALID', 'gateway: at least one subgraph is required');
  const seen = new Set<string>();
  for (const s of subgraphs) {
    if (!NAME_RE.test(s.name)) throw new PlatformError('CONFIG_INVALID', `gateway: invalid subgraph name "${s.name}"`, { subgraph: s.name });
    if (seen.has(s.name)) throw new PlatformError('CONFIG_INVALID', `gateway: subgraph "${s.name}" listed twice`, { subgraph: s.name });
    seen.add(s.name);
    let url: URL;
    try {
      url = new URL(s.url);
    } catch {
      throw new PlatformError('CONFIG_INVALID', `gateway: subgraph "${s.name}" has an invalid url "${s.url}"`, { subgraph: s.name });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new PlatformError('CONFIG_INVALID', `gateway: subgraph "${s.name}" url must be http(s), got "${s.url}"`, { subgraph: s.name });
    }
  }
}

async function fetchSdlOnce(subgraph: SubgraphEndpoint, timeoutMs: number, signal?: AbortSignal, hmacSecret?: string): Promise<string> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const res = await fetch(subgraph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: signedBody(hmacSecret, { query: SERVICE_QUERY }),
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  const body = JSON.parse(text) as { data?: { _service?: { sdl?: unknown } }; errors?: { message?: string }[] };
  const sdl = body.data?._service?.sdl;
  if (typeof sdl !== 'string') {
    const why = body.errors?.map((e) => e.message).join('; ') ?? 'no _service.sdl in the response';
    throw new Error(`not a federation subgraph: ${why}`);
  }
  return sdl;
}

/** Fetches one subgraph's SDL, retrying with exponential backoff until it answers (bounded). */
export async function fetchSubgraphSdl(subgraph: SubgraphEndpoint, opts: FetchSdlOptions = {}): Promise<string> {
  const attempts = opts.attempts ?? 30;
  const maxDelay = opts.maxDelayMs ?? 2000;
  let delay = opts.initialDelayMs ?? 100;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await fetchSdlOnce(subgraph, opts.timeoutMs ?? 5000, opts.signal, opts.hmacSecret);
    } catch (e) {
      lastError = e;
      if (opts.signal?.aborted) break;
      if (attempt < attempts) {
        opts.logger?.debug({ subgraph: subgraph.name, url: subgraph.url, attempt, err: errorMessage(e) }, 'subgraph not answering yet, retrying');
        await sleep(delay, undefined, opts.signal ? { signal: opts.signal } : undefined).catch(() => undefined);
        delay = Math.min(delay * 2, maxDelay);
      }
    }
  }
  throw new PlatformError(
    'CONNECTOR_UNAVAILABLE',
    `gateway: subgraph "${subgraph.name}" at ${subgraph.url} did not answer _service { sdl }: ${errorMessage(lastError)}`,
    { subgraph: subgraph.name, url: subgraph.url },
    { cause: lastError },
  );
}

/** Composes a Federation v2 supergraph; composition errors become one error listing them all. */
export function composeSupergraph(services: readonly SubgraphSdl[]): string {
  const definitions = services.map((s) => {
    let typeDefs: DocumentNode;
    try {
      typeDefs = parse(s.sdl);
    } catch (e) {
      throw new PlatformError('CONFIG_INVALID', `gateway: subgraph "${s.name}" SDL does not parse: ${errorMessage(e)}`, { subgraph: s.name });
    }
    return { name: s.name, url: s.url, typeDefs };
  });
  const result = composeServices(definitions);
  if (result.errors) {
    const list = result.errors.map((e) => `  - ${e.message}`).join('\n');
    throw new PlatformError('CONFIG_INVALID', `gateway: supergraph composition failed with ${result.errors.length} error(s):\n${list}`, {
      errors: result.errors.map((e) => e.message),
    });
  }
  return result.supergraphSdl;
}

/** Fetches every subgraph's SDL (in parallel, each with retries) and composes them. */
export async function composeFromSubgraphs(subgraphs: readonly SubgraphEndpoint[], opts: FetchSdlOptions = {}): Promise<string> {
  validateSubgraphEndpoints(subgraphs);
  const services = await Promise.all(subgraphs.map(async (s) => ({ ...s, sdl: await fetchSubgraphSdl(s, opts) })));
  return composeSupergraph(services);
}

/** Checks that `sdl` is a Federation supergraph (has the join spec) and returns it. */
export function assertSupergraph(sdl: string, where: string): string {
  let doc: DocumentNode;
  try {
    doc = parse(sdl);
  } catch (e) {
    throw new PlatformError('CONFIG_INVALID', `gateway: supergraph ${where} does not parse: ${errorMessage(e)}`);
  }
  if (!containsSupergraphSpec(sdl) || supergraphSubgraphsOf(doc).length === 0) {
    throw new PlatformError('CONFIG_INVALID', `gateway: ${where} is not a Federation supergraph (no join__Graph subgraphs)`);
  }
  return sdl;
}

export async function loadSupergraphFile(path: string): Promise<string> {
  let sdl: string;
  try {
    sdl = await readFile(path, 'utf8');
  } catch (e) {
    throw new PlatformError('CONFIG_INVALID', `gateway: cannot read supergraph file ${path}: ${errorMessage(e)}`, { path });
  }
  return assertSupergraph(sdl, `file ${path}`);
}

function graphOf(value: EnumValueDefinitionNode): SubgraphEndpoint | undefined {
  const directive = value.directives?.find((d) => d.name.value === 'join__graph');
  if (!directive) return undefined;
  const arg = (n: string): string | undefined => {
    const v = directive.arguments?.find((a) => a.name.value === n)?.value;
    return v?.kind === Kind.STRING ? v.value : undefined;
  };
  return { name: arg('name') ?? value.name.value.toLowerCase(), url: arg('url') ?? '' };
}

/** The subgraphs a supergraph names (its `join__Graph` enum): name and URL of each. */
export function supergraphSubgraphsOf(supergraph: string | DocumentNode): SubgraphEndpoint[] {
  const doc = typeof supergraph === 'string' ? parse(supergraph) : supergraph;
  const out: SubgraphEndpoint[] = [];
  for (const def of doc.definitions) {
    if (def.kind !== Kind.ENUM_TYPE_DEFINITION || def.name.value !== 'join__Graph') continue;
    for (const value of def.values ?? []) {
      const graph = graphOf(value);
      if (graph) out.push(graph);
    }
  }
  return out;
}
