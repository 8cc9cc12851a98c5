/**
 * API keys of services: the config holds only each key's sha256 (hex), its id and its roles. A
 * presented key is hashed and compared with every configured hash in constant time (no early exit,
 * so the timing says nothing about which entry or byte differs). Keys look like `gfk_<43 chars>`
 * (32 random bytes, base64url), so they are told apart from JWTs in an Authorization header.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { PlatformError } from '../../schema/errors.ts';
import { ROLES, type Principal } from '../principal.ts';
import type { ApiKeyEntry } from './auth-config.ts';

export const API_KEY_PREFIX = 'gfk_';
const HEX_SHA256 = /^[0-9a-f]{64}$/;

export type ApiKeyVerifier = (key: string) => Principal | undefined;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random key and the hash to put in config. */
export function newApiKey(): { key: string; sha256: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, sha256: hashApiKey(key) };
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(API_KEY_PREFIX);
}

/** Builds the verifier, or undefined when no keys are configured; a malformed entry is CONFIG_INVALID. */
export function createApiKeyVerifier(entries: readonly ApiKeyEntry[] | undefined): ApiKeyVerifier | undefined {
  if (!entries || entries.length === 0) return undefined;
  const ids = new Set<string>();
  const table = entries.map((e, i) => {
    const where = `gateway.auth.apiKeys.${i}`;
    if (!e.id) throw new PlatformError('CONFIG_INVALID', `${where}.id must be a non-empty string`, { path: `${where}.id` });
    if (ids.has(e.id)) throw new PlatformError('CONFIG_INVALID', `${where}.id "${e.id}" is listed twice`, { path: `${where}.id` });
    ids.add(e.id);
    const hash = e.sha256.toLowerCase();
    if (!HEX_SHA256.test(hash)) throw new PlatformError('CONFIG_INVALID', `${where}.sha256 must be 64 hex characters (sha256 of the key)`, { path: `${where}.sha256` });
    const unknown = e.roles.filter((r) => !ROLES.includes(r));
    if (unknown.length > 0) throw new PlatformError('CONFIG_INVALID', `${where}.roles: unknown role(s) ${unknown.join(', ')}`, { path: `${where}.roles` });
    return { digest: Buffer.from(hash, 'hex'), principal: Object.freeze({ id: e.id, kind: 'apiKey' as const, roles: Object.freeze([...e.roles]) }) };
  });
  return (key) => {
    const presented = createHash('sha256').update(key, 'utf8').digest();
    let found: Principal | undefined;
    for (const row of table) {
      if (timingSafeEqual(presented, row.digest) && !found) found = row.principal;
    }
    return found;
  };
}
