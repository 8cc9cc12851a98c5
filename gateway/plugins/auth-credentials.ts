/**
 * Who is calling, from what the request carries: `Authorization: Bearer <JWT or API key>` or
 * `x-api-key` over HTTP; over graphql-ws the `connection_init` payload (`{ authorization: 'Bearer …' }`,
 * `{ token }` or `{ apiKey }`), else the upgrade request's headers. No credentials: the anonymous
 * principal `anon:<client ip>` with no roles. Bad credentials: UNAUTHENTICATED.
 */
import type { Principal } from '../principal.ts';
import { looksLikeApiKey, type ApiKeyVerifier } from './auth-api-keys.ts';
import { unauthenticated } from './auth-errors.ts';
import type { JwtVerifier } from './auth-jwt.ts';

export type Credentials = { readonly kind: 'bearer'; readonly value: string } | { readonly kind: 'apiKey'; readonly value: string };

type HeaderGetter = (name: string) => string | null | undefined;

const BEARER = /^Bearer\s+(\S+)\s*$/i;

function fromAuthorization(value: string): Credentials {
  const m = BEARER.exec(value);
  if (!m?.[1]) throw unauthenticated('the Authorization header must be "Bearer <token>"');
  return looksLikeApiKey(m[1]) ? { kind: 'apiKey', value: m[1] } : { kind: 'bearer', value: m[1] };
}

/** Credentials in HTTP headers, or undefined when there are none. */
export function credentialsFromHeaders(get: HeaderGetter): Credentials | undefined {
  const authorization = get('authorization');
  if (authorization) return fromAuthorization(authorization);
  const apiKey = get('x-api-key');
  if (apiKey) return { kind: 'apiKey', value: apiKey.trim() };
  return undefined;
}

/** Credentials in a graphql-ws `connection_init` payload, or undefined when there are none. */
export function credentialsFromConnectionParams(params: Readonly<Record<string, unknown>> | undefined): Credentials | undefined {
  if (!params) return undefined;
  const lower = new Map(Object.entries(params).map(([k, v]) => [k.toLowerCase(), v]));
  const authorization = lower.get('authorization');
  if (typeof authorization === 'string' && authorization) return fromAuthorization(authorization);
  const token = lower.get('token');
  if (typeof token === 'string' && token) return looksLikeApiKey(token) ? { kind: 'apiKey', value: token } : { kind: 'bearer', value: token };
  const apiKey = lower.get('apikey') ?? lower.get('x-api-key');
  if (typeof apiKey === 'string' && apiKey) return { kind: 'apiKey', value: apiKey };
  return undefined;
}

export function anonymous(ip: string | undefined): Principal {
  return Object.freeze({ id: `anon:${ip ?? 'unknown'}`, kind: 'anonymous' as const, roles: Object.freeze([]) });
}

export interface Authenticator {
  /** Whether any credentials can be verified (a JWT secret, a JWKS or API keys are configured). */
  readonly enabled: boolean;
  authenticate(credentials: Credentials | undefined, ip: string | undefined): Promise<Principal>;
}

export function createAuthenticator(jwt: JwtVerifier | undefined, apiKeys: ApiKeyVerifier | undefined): Authenticator {
  const enabled = jwt !== undefined || apiKeys !== undefined;
  return {
    enabled,
    async authenticate(credentials, ip) {
      // Open (dev) mode: nothing can verify credentials, so every caller is anonymous.
      if (!credentials || !enabled) return anonymous(ip);
      if (credentials.kind === 'apiKey') {
        const principal = apiKeys?.(credentials.value);
        if (!principal) throw unauthenticated('unknown API key');
        return principal;
      }
      if (!jwt) throw unauthenticated('bearer tokens are not accepted here (no JWT secret or JWKS configured)');
      return jwt(credentials.value);
    },
  };
}
