/**
 * The gateway's auth settings: plain JSON data (no functions, no keys objects), so they cross a
 * worker or child-process boundary as they are. `bin/config.ts` validates them (`gateway.auth`);
 * `gofuture gateway` reads them from the environment.
 */
import type { Role } from '../principal.ts';

export interface ApiKeyEntry {
  /** Stable id of the calling service: the principal id (`apiKey:<id>`) in logs and limits. */
  readonly id: string;
  /** sha256 of the key, lowercase hex (`gofuture api-key` prints both). The key itself is never stored. */
  readonly sha256: string;
  readonly roles: readonly Role[];
}

export interface JwksSource {
  /** A JWKS JSON file (`{ "keys": [...] }`) read once at start. */
  readonly file?: string;
  /** A JWKS URL fetched (and cached, refreshed on an unknown `kid`) by jose. */
  readonly url?: string;
}

export interface GatewayAuthConfig {
  /** HS256 shared secret (at least 32 characters). Env: GOFUTURE_JWT_SECRET. */
  readonly jwtSecret?: string;
  /** RS256 / ES256 public keys. Env: GOFUTURE_JWKS (a file path or an http(s) URL). */
  readonly jwks?: JwksSource;
  /** Required `iss` of every JWT, when set. */
  readonly issuer?: string;
  /** Required `aud` of every JWT (one of them), when set. */
  readonly audience?: string | readonly string[];
  /** Allowed clock skew for `exp` / `nbf`, seconds (default 5). */
  readonly clockToleranceSeconds?: number;
  /** Hashed API keys of services. */
  readonly apiKeys?: readonly ApiKeyEntry[];
  /**
   * HMAC-SHA256 secret the gateway signs every subgraph request with (and subgraphs verify).
   * Env: GOFUTURE_HMAC_SECRET. Required in production.
   */
  readonly hmacSecret?: string;
}

/** True when callers can authenticate at all: a JWT secret, a JWKS, or API keys. Then field rules are enforced. */
export function isAuthConfigured(auth: GatewayAuthConfig | undefined): boolean {
  if (!auth) return false;
  return Boolean(auth.jwtSecret) || Boolean(auth.jwks?.file ?? auth.jwks?.url) || (auth.apiKeys?.length ?? 0) > 0;
}

/** The auth settings the environment gives (GOFUTURE_JWT_SECRET, GOFUTURE_JWKS, GOFUTURE_HMAC_SECRET, ...). */
export function authConfigFromEnv(env: Readonly<Record<string, string | undefined>>): GatewayAuthConfig {
  const out: { -readonly [K in keyof GatewayAuthConfig]: GatewayAuthConfig[K] } = {};
  const jwtSecret = env['GOFUTURE_JWT_SECRET'];
  if (jwtSecret) out.jwtSecret = jwtSecret;
  const jwks = env['GOFUTURE_JWKS'];
  if (jwks) out.jwks = /^https?:\/\//.test(jwks) ? { url: jwks } : { file: jwks };
  const issuer = env['GOFUTURE_JWT_ISSUER'];
  if (issuer) out.issuer = issuer;
  const audience = env['GOFUTURE_JWT_AUDIENCE'];
  if (audience) out.audience = audience;
  const hmacSecret = env['GOFUTURE_HMAC_SECRET'];
  if (hmacSecret) out.hmacSecret = hmacSecret;
  return out;
}
