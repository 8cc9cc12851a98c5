/** Helpers of the end-to-end tests: a plain HTTP GraphQL client, a graphql-ws collector, polling. */
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly contentType: string;
  readonly body: { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

export async function gql<T = Record<string, unknown>>(url: string, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
  });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: (await res.json()) as GraphQLResponse<T>['body'] };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` with `what`. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await sleep(everyMs);
  }
}

export interface Subscription<T> {
  readonly messages: T[];
  readonly errors: unknown[];
  close(): Promise<void>;
}

/** Subscribes over graphql-ws and collects every `data` payload. */
export function subscribe<T>(httpUrl: string, query: string, variables: Record<string, unknown>, pick: (data: Record<string, unknown>) => T): Subscription<T> {
  const client: Client = createClient({ url: httpUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
  const messages: T[] = [];
  const errors: unknown[] = [];
  const dispose = client.subscribe<Record<string, unknown>>(
    { query, variables },
    {
      next: (r) => {
        if (r.errors) errors.push(r.errors);
        if (r.data) messages.push(pick(r.data));
      },
      error: (e) => errors.push(e),
      complete: () => undefined,
    },
  );
  return {
    messages,
    errors,
    close: async () => {
      dispose();
      await client.dispose();
    },
  };
}
