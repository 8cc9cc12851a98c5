/**
 * Who is calling: set on the GraphQL context by the auth plugin, read by every other policy
 * (roles, rate limits, subscription caps). Plain data so it can cross a worker boundary.
 */
export type Role = 'bi' | 'dashboard' | 'service' | 'admin';

export const ROLES: readonly Role[] = ['bi', 'dashboard', 'service', 'admin'];

export interface Principal {
  /** Stable identity for limits and logs: JWT `sub`, API key id, or `anon:<client ip>`. */
  readonly id: string;
  readonly kind: 'jwt' | 'apiKey' | 'anonymous';
  readonly roles: readonly Role[];
}

/** The context key the auth plugin sets and other plugins read. */
export const PRINCIPAL_CONTEXT_KEY = 'principal';

export function principalOf(context: unknown): Principal | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const value = (context as Record<string, unknown>)[PRINCIPAL_CONTEXT_KEY];
  if (typeof value !== 'object' || value === null) return undefined;
  return value as Principal;
}
