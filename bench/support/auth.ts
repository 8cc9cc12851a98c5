/**
 * Auth for the suites: production gateways and subgraphs refuse to start open (ADR 0005), so every
 * suite runs with auth on, as deployed: a fresh HS256 JWT secret and HMAC secret per run, a token
 * per role (bi for queries, service for predictions, dashboard for subscriptions), and the
 * gateway's HMAC signature on every request a suite sends straight to a subgraph.
 */
import { randomBytes } from 'node:crypto';
import type { GatewayAuthConfig } from '../../gateway/plugins/auth-config.ts';
import { hmacSignature, HMAC_EXTENSION } from '../../gateway/plugins/auth-hmac.ts';
import { mintDevToken } from '../../gateway/plugins/auth-token.ts';
import type { Role } from '../../gateway/principal.ts';

export interface BenchAuth {
  /** `gateway.auth` / `GatewayOptions.auth`: JWT secret (enforcement on) and the HMAC secret. */
  readonly config: GatewayAuthConfig & { readonly jwtSecret: string; readonly hmacSecret: string };
  /** The subgraphs' signature options (production: unsigned requests refused). */
  readonly signature: { readonly secret: string; readonly required: true };
  /** A bearer token of one role. */
  token(role: Role): Promise<string>;
  /** `{ authorization: 'Bearer …' }` for one role. */
  headers(role: Role): Promise<Record<string, string>>;
}

/** Longer than any suite runs: a token must not expire in the middle of a measured run. */
const TOKEN_TTL_S = 6 * 3600;

export function benchAuth(): BenchAuth {
  const jwtSecret = randomBytes(32).toString('base64url');
  const hmacSecret = randomBytes(32).toString('base64url');
  const tokens = new Map<Role, Promise<string>>();
  const token = (role: Role): Promise<string> => {
    let t = tokens.get(role);
    if (!t) {
      t = mintDevToken({ secret: jwtSecret, roles: [role], subject: `bench-${role}`, ttlSeconds: TOKEN_TTL_S });
      tokens.set(role, t);
    }
    return t;
  };
  return {
    config: { jwtSecret, hmacSecret },
    signature: { secret: hmacSecret, required: true },
    token,
    headers: async (role) => ({ authorization: `Bearer ${await token(role)}` }),
  };
}

/** A GraphQL request body with the gateway's HMAC signature, as a subgraph expects it from the gateway. */
export function signedParams(secret: string, params: { query: string; variables?: Record<string, unknown> }): { query: string; variables?: Record<string, unknown>; extensions: Record<string, string> } {
  return { ...params, extensions: { [HMAC_EXTENSION]: hmacSignature(secret, params) } };
}
