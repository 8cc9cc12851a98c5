/** A plain fetch GraphQL client for the checks the suites make before and after measuring. */
import { signedParams } from './auth.ts';

export interface GraphQLError {
  readonly message: string;
  readonly extensions?: { readonly code?: string };
}

export interface GqlAuth {
  /** Extra request headers: the caller's `authorization` for the gateway. */
  readonly headers?: Record<string, string>;
  /** Sign the request with the gateway's HMAC secret (straight to a subgraph). */
  readonly hmacSecret?: string;
}

/** POSTs one operation; throws on a non-2xx status or any GraphQL error, returns `data`. */
export async function gqlData<T>(url: string, query: string, variables?: Record<string, unknown>, auth: GqlAuth = {}): Promise<T> {
  const params = variables ? { query, variables } : { query };
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...auth.headers },
    body: JSON.stringify(auth.hmacSecret ? signedParams(auth.hmacSecret, params) : params),
  });
  const text = await res.text();
  let body: { data?: T | null; errors?: readonly GraphQLError[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`${url} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok || body.errors?.length || body.data === null || body.data === undefined) {
    throw new Error(`${url} answered ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 400)}`);
  }
  return body.data;
}
