/**
 * Validate-then-freeze for every config object of the platform: one schema (zod), defaults filled,
 * a wrong value is one clear error naming the key, the result is deeply frozen.
 */
import type { z } from 'zod';
import { PlatformError } from './errors.ts';

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/**
 * Parses `raw` with `schema`. On failure throws PlatformError CONFIG_INVALID whose message names the
 * first offending key as a dotted path under `where` (e.g. `connectors.warehouse.path: expected string`).
 */
export function validateConfig<S extends z.ZodType>(schema: S, raw: unknown, where: string): Readonly<z.output<S>> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = [where, ...(issue?.path ?? []).map(String)].filter((p) => p !== '').join('.');
    throw new PlatformError('CONFIG_INVALID', `invalid config at ${path || '(root)'}: ${issue?.message ?? 'invalid'}`, { path });
  }
  return deepFreeze(r.data);
}
