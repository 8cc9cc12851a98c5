/**
 * Who calls, decided in our Node front before the bytes reach Hive Router (ADR 0033), with the
 * same verifiers the node engine uses (auth-credentials.ts, auth-jwt.ts, auth-api-keys.ts):
 * - a JWT is verified here (cached per token until it expires), so a bad or expired token is 401
 *   UNAUTHENTICATED as on the node engine (the router alone would treat it as no token), and the
 *   rate limit counts against its `sub`; the router then verifies it again and reads its scopes;
 * - an API key (the router verifies JWTs only) is checked here and exchanged for a short-lived JWT
 *   signed with this process's own random key (`frontJwks`, kid `gofuture-front`), which the router
 *   trusts as a second JWKS provider; the caller never sees it and it lives two minutes;
 * - no credentials: the anonymous principal `anon:<ip>`.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT, decodeJwt } from 'jose';
import type { GatewayAuthConfig } from '../plugins/auth-config.ts';
import { createApiKeyVerifier } from '../plugins/auth-api-keys.ts';
import { anonymous, createAuthenticator, credentialsFromHeaders } from '../plugins/auth-credentials.ts';
import { createJwtVerifier } from '../plugins/auth-jwt.ts';
import type { Principal } from '../principal.ts';

export const FRONT_KEY_ID = 'gofuture-front';
const MINTED_TTL_S = 120;
const REMINT_BEFORE_S = 60;
const CACHE_MAX = 10_000;

export interface Admitted {
  readonly principal: Principal;
  /** The Authorization header the router gets (undefined: none). */
  readonly authorization: string | undefined;
}

export interface RouterAuth {
  /** Whether credentials are verified at all (auth configured). */
  readonly enabled: boolean;
  /** The JWKS of the front's own tokens: give it to the router as a JWKS provider. */
  readonly frontJwks: { keys: Record<string, string>[] };
  /** The caller of a request, or throws UNAUTHENTICATED (a GraphQLError with extensions.http). */
  admit(header: (name: string) => string | undefined, ip: string | undefined): Promise<Admitted>;
}

export function createRouterAuth(config: GatewayAuthConfig | undefined): RouterAuth {
  const auth = config ?? {};
  const authenticator = createAuthenticator(createJwtVerifier(auth), createApiKeyVerifier(auth.apiKeys));
  const frontSecret = randomBytes(32);
  const frontJwks = { keys: [{ kty: 'oct', alg: 'HS256', use: 'sig', kid: FRONT_KEY_ID, k: frontSecret.toString('base64url') }] };
  const verified = new Map<string, { principal: Principal; untilMs: number }>();
  const minted = new Map<string, { token: string; untilMs: number }>();

  const mint = async (p: Principal): Promise<string> => {
    const now = Date.now();
    const hit = minted.get(p.id);
    if (hit && hit.untilMs - REMINT_BEFORE_S * 1000 > now) return hit.token;
    let jwt = new SignJWT({ roles: [...p.roles], scope: p.roles.join(' ') })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: FRONT_KEY_ID })
      .setSubject(p.id)
      .setIssuedAt()
      .setExpirationTime(Math.floor(now / 1000) + MINTED_TTL_S);
    if (auth.issuer) jwt = jwt.setIssuer(auth.issuer);
    if (auth.audience) jwt = jwt.setAudience(typeof auth.audience === 'string' ? auth.audience : [...auth.audience]);
    const token = await jwt.sign(frontSecret);
    if (minted.size >= CACHE_MAX) minted.clear();
    minted.set(p.id, { token, untilMs: now + MINTED_TTL_S * 1000 });
    return token;
  };

  return {
    enabled: authenticator.enabled,
    frontJwks,
    async admit(header, ip) {
      // open (dev) mode: nothing verifies credentials, every caller is anonymous, headers pass as they are
      if (!authenticator.enabled) return { principal: anonymous(ip), authorization: header('authorization') };
      const credentials = credentialsFromHeaders(header);
      if (!credentials) return { principal: anonymous(ip), authorization: undefined };
      if (credentials.kind === 'apiKey') {
        const principal = await authenticator.authenticate(credentials, ip);
        return { principal, authorization: `Bearer ${await mint(principal)}` };
      }
      const now = Date.now();
      const hit = verified.get(credentials.value);
      if (hit && hit.untilMs > now) return { principal: hit.principal, authorization: `Bearer ${credentials.value}` };
      const principal = await authenticator.authenticate(credentials, ip);
      const exp = decodeJwt(credentials.value).exp;
      if (verified.size >= CACHE_MAX) verified.clear();
      if (typeof exp === 'number') verified.set(credentials.value, { principal, untilMs: exp * 1000 });
      return { principal, authorization: `Bearer ${credentials.value}` };
    },
  };
}
