/**
 * Dev tokens: HS256 JWTs signed with the configured secret, carrying the roles twice, as a `roles`
 * array (ours) and as an OAuth `scope` string (what Hive Router's `@requiresScopes` reads), so the
 * same token works whichever engine enforces the field rules.
 */
import { SignJWT } from 'jose';
import { PlatformError } from '../../schema/errors.ts';
import { ROLES, type Role } from '../principal.ts';
import { MIN_SECRET_LENGTH } from './auth-jwt.ts';

export interface DevTokenOptions {
  readonly secret: string;
  readonly roles: readonly Role[];
  /** `sub`, the principal id (default "dev"). */
  readonly subject?: string;
  /** Lifetime in seconds (default 3600). */
  readonly ttlSeconds?: number;
  readonly issuer?: string;
  readonly audience?: string | readonly string[];
  /** Issued-at, epoch seconds (default now). */
  readonly now?: number;
}

const TTL = /^(\d+)\s*([smhd]?)$/;
const UNIT: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** "90", "90s", "15m", "1h", "7d" -> seconds. */
export function parseTtl(text: string): number {
  const m = TTL.exec(text.trim());
  const n = m ? Number(m[1]) * (UNIT[m[2] ?? ''] ?? 1) : NaN;
  if (!Number.isInteger(n) || n <= 0) throw new PlatformError('BAD_USER_INPUT', `--ttl expects a duration like 90s, 15m, 1h or 7d, got "${text}"`);
  return n;
}

export function parseRole(text: string): Role {
  const role = ROLES.find((r) => r === text);
  if (!role) throw new PlatformError('BAD_USER_INPUT', `--role expects one of ${ROLES.join(', ')}, got "${text}"`);
  return role;
}

export async function mintDevToken(opts: DevTokenOptions): Promise<string> {
  if (opts.secret.length < MIN_SECRET_LENGTH) {
    throw new PlatformError('CONFIG_INVALID', `the JWT secret must be at least ${MIN_SECRET_LENGTH} characters`, { path: 'gateway.auth.jwtSecret' });
  }
  const roles = [...new Set(opts.roles)];
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ roles, scope: roles.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(opts.subject ?? 'dev')
    .setIssuedAt(now)
    .setExpirationTime(now + (opts.ttlSeconds ?? 3600));
  if (opts.issuer) jwt = jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt = jwt.setAudience(typeof opts.audience === 'string' ? opts.audience : [...opts.audience]);
  return jwt.sign(new TextEncoder().encode(opts.secret));
}
