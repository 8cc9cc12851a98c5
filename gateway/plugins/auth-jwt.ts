/**
 * Bearer JWT verification with jose: HS256 with the shared secret, RS256 / ES256 with the keys of
 * a JWKS (file or URL). Optional issuer and audience. Roles come from the `roles` claim (array) and
 * from the OAuth `scope` claim (space-separated; what Hive Router's `@requiresScopes` reads), the
 * union of both, unknown names dropped. A bad, expired or unverifiable token is UNAUTHENTICATED.
 */
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { PlatformError, errorMessage } from '../../schema/errors.ts';
import { ROLES, type Principal, type Role } from '../principal.ts';
import type { GatewayAuthConfig } from './auth-config.ts';
import { unauthenticated } from './auth-errors.ts';

export type JwtVerifier = (token: string) => Promise<Principal>;

const ASYMMETRIC = ['RS256', 'ES256'] as const;
export const MIN_SECRET_LENGTH = 32;

/** The known roles a token carries in `roles` and/or `scope`. */
export function rolesOfClaims(payload: JWTPayload): Role[] {
  const named = new Set<string>();
  const roles = payload['roles'];
  if (Array.isArray(roles)) for (const r of roles) if (typeof r === 'string') named.add(r);
  const scope = payload['scope'];
  if (typeof scope === 'string') for (const s of scope.split(' ')) if (s) named.add(s);
  return ROLES.filter((r) => named.has(r));
}

type KeyResolver = Parameters<typeof jwtVerify>[1];

function jwksResolver(config: GatewayAuthConfig): KeyResolver | undefined {
  const { file, url } = config.jwks ?? {};
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new PlatformError('CONFIG_INVALID', `gateway.auth.jwks.file: cannot read JWKS ${file}: ${errorMessage(e)}`, { path: 'gateway.auth.jwks.file' });
    }
    if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { keys?: unknown }).keys)) {
      throw new PlatformError('CONFIG_INVALID', `gateway.auth.jwks.file: ${file} is not a JWKS ({ "keys": [...] })`, { path: 'gateway.auth.jwks.file' });
    }
    return createLocalJWKSet(parsed as Parameters<typeof createLocalJWKSet>[0]);
  }
  if (url) return createRemoteJWKSet(new URL(url));
  return undefined;
}

function why(e: unknown): string {
  if (e instanceof errors.JWTExpired) return 'token expired';
  if (e instanceof errors.JWTClaimValidationFailed) return `token claim "${e.claim}" is not acceptable (${e.reason})`;
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'token signature does not verify';
  if (e instanceof errors.JWKSNoMatchingKey) return 'token signed by an unknown key';
  if (e instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not accepted';
  if (e instanceof errors.JOSEError) return `invalid token (${e.code})`;
  return 'invalid token';
}

/** Builds the verifier, or undefined when neither a JWT secret nor a JWKS is configured. */
export function createJwtVerifier(config: GatewayAuthConfig): JwtVerifier | undefined {
  if (config.jwtSecret !== undefined && config.jwtSecret.length < MIN_SECRET_LENGTH) {
    throw new PlatformError('CONFIG_INVALID', `gateway.auth.jwtSecret must be at least ${MIN_SECRET_LENGTH} characters`, { path: 'gateway.auth.jwtSecret' });
  }
  const secret = config.jwtSecret ? new TextEncoder().encode(config.jwtSecret) : undefined;
  const jwks = jwksResolver(config);
  if (!secret && !jwks) return undefined;
  const base: JWTVerifyOptions = {
    clockTolerance: config.clockToleranceSeconds ?? 5,
    requiredClaims: ['sub', 'exp'],
    ...(config.issuer ? { issuer: config.issuer } : {}),
    ...(config.audience ? { audience: typeof config.audience === 'string' ? config.audience : [...config.audience] } : {}),
  };
  return async (token) => {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw unauthenticated('invalid token: not a JWT');
    }
    let payload: JWTPayload;
    try {
      if (alg === 'HS256' && secret) {
        payload = (await jwtVerify(token, secret, { ...base, algorithms: ['HS256'] })).payload;
      } else if (jwks && alg !== undefined && (ASYMMETRIC as readonly string[]).includes(alg)) {
        payload = (await jwtVerify(token, jwks, { ...base, algorithms: [...ASYMMETRIC] })).payload;
      } else {
        throw new errors.JOSEAlgNotAllowed(`alg ${alg ?? 'none'}`);
      }
    } catch (e) {
      throw unauthenticated(why(e));
    }
    return Object.freeze({ id: String(payload.sub), kind: 'jwt' as const, roles: Object.freeze(rolesOfClaims(payload)) });
  };
}
