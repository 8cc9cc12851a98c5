/**
 * The gateway, from the page: GraphQL over HTTP (`POST /graphql`, `Authorization: Bearer <token>`)
 * and graphql-ws on the same path (the token in `connection_init`: `{ authorization: 'Bearer …' }`,
 * which the gateway checks in gateway/plugins/auth-ws.ts). Without a token both go anonymous,
 * which an open (dev) gateway accepts. A 401 or a 4401 close asks for a token.
 */
import { createClient, type Client } from 'graphql-ws';
import { askForToken } from './session.ts';

export class GraphQLRequestError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  constructor(message: string, status: number, code: string | undefined) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

interface GraphQLBody<T> {
  readonly data?: T | null;
  readonly errors?: readonly { readonly message: string; readonly extensions?: { readonly code?: string } }[];
}

export interface Api {
  /** The data, or a GraphQLRequestError with the first error (a field's error fails the whole call). */
  query<T>(document: string, variables?: Record<string, unknown>): Promise<T>;
  /** Calls `onData` with every payload until the returned function is called. */
  subscribe<T>(document: string, variables: Record<string, unknown>, onData: (data: T) => void, onError: (message: string) => void): () => void;
  /** Live-connection state changes: connecting, live, closed. */
  onState(listener: (state: 'connecting' | 'live' | 'closed', detail?: string) => void): void;
}

const UNAUTHORIZED = 4401;
const FORBIDDEN = 4403;

function messageOf(e: unknown): string {
  if (Array.isArray(e)) return e.map(messageOf).join('; ');
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  if (e && typeof e === 'object' && 'code' in e && 'reason' in e) return `closed ${String((e as { code: unknown }).code)}: ${String((e as { reason: unknown }).reason)}`;
  return String(e);
}

export function createApi(token: string | null): Api {
  const authorization = token ? `Bearer ${token}` : null;
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const stateListeners: ((state: 'connecting' | 'live' | 'closed', detail?: string) => void)[] = [];
  const setState = (s: 'connecting' | 'live' | 'closed', detail?: string): void => stateListeners.forEach((l) => l(s, detail));

  const client: Client = createClient({
    url: wsUrl,
    connectionParams: authorization ? { authorization } : {},
    lazy: false,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: (e) => {
      const code = (e as { code?: unknown } | null)?.code;
      return code !== UNAUTHORIZED && code !== FORBIDDEN;
    },
    on: {
      connecting: () => setState('connecting'),
      connected: () => setState('live'),
      closed: (e) => {
        const code = (e as { code?: unknown } | null)?.code;
        if (code === UNAUTHORIZED) askForToken(token ? 'The gateway refused this token (expired or invalid).' : 'This gateway needs a token.');
        if (code === FORBIDDEN) askForToken('This token has no role the live windows allow (dashboard or admin).');
        setState('closed', messageOf(e));
      },
    },
  });

  return {
    async query<T>(document: string, variables?: Record<string, unknown>): Promise<T> {
      const res = await fetch('/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ query: document, ...(variables ? { variables } : {}) }),
      });
      let body: GraphQLBody<T>;
      try {
        body = (await res.json()) as GraphQLBody<T>;
      } catch {
        throw new GraphQLRequestError(`HTTP ${res.status} without a GraphQL body`, res.status, undefined);
      }
      const first = body.errors?.[0];
      if (res.status === 401 || first?.extensions?.code === 'UNAUTHENTICATED') {
        askForToken(token ? 'The gateway refused this token (expired or invalid).' : 'This gateway needs a token.');
      }
      if (first) throw new GraphQLRequestError(first.message, res.status, first.extensions?.code);
      if (!body.data) throw new GraphQLRequestError(`HTTP ${res.status} without data`, res.status, undefined);
      return body.data;
    },
    subscribe<T>(document: string, variables: Record<string, unknown>, onData: (data: T) => void, onError: (message: string) => void): () => void {
      return client.subscribe<T>(
        { query: document, variables },
        {
          next: (r) => {
            if (r.errors?.length) onError(messageOf(r.errors));
            if (r.data) onData(r.data as T);
          },
          error: (e) => onError(messageOf(e)),
          complete: () => undefined,
        },
      );
    },
    onState: (l) => void stateListeners.push(l),
  };
}
