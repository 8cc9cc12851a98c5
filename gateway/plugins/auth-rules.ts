/**
 * Field authorization from the supergraph: Federation's `@authenticated` and
 * `@requiresScopes(scopes: [["bi"], ["admin"]])` (any inner list whose scopes the caller all has)
 * on fields and types, enforced by the runtime's genericAuth (envelop's `useGenericAuth`,
 * `protect-granular`) before execution: the whole operation is refused when one selected field is
 * not allowed. A caller's scopes are its roles (role name = scope). Anonymous callers fail
 * `@authenticated` and any scope rule with UNAUTHENTICATED; a signed-in caller without a required
 * role gets FORBIDDEN, naming the field and the roles that would do.
 */
import type { GraphQLError } from 'graphql';
import type { Principal } from '../principal.ts';
import { forbidden, unauthenticated } from './auth-errors.ts';

export interface RuleCheck {
  readonly user: Principal | null | undefined;
  readonly parentTypeName: string;
  readonly fieldName: string;
  readonly fieldAuthenticated: boolean;
  readonly typeAuthenticated: boolean;
  readonly fieldScopes?: readonly (readonly string[])[] | undefined;
  readonly typeScopes?: readonly (readonly string[])[] | undefined;
  readonly at: Parameters<typeof forbidden>[1];
}

function satisfies(required: readonly (readonly string[])[], have: readonly string[]): boolean {
  return required.some((all) => all.every((s) => have.includes(s)));
}

function describe(required: readonly (readonly string[])[]): string {
  return required.map((all) => all.join(' + ')).join(', ');
}

/** undefined when the field may be read; else the error to answer with. */
export function checkFieldRule(c: RuleCheck): GraphQLError | undefined {
  const scopeRules = [c.typeScopes, c.fieldScopes].filter((s): s is readonly (readonly string[])[] => s !== undefined && s.length > 0);
  const needsCaller = c.fieldAuthenticated || c.typeAuthenticated || scopeRules.length > 0;
  if (!needsCaller) return undefined;
  const coordinate = `${c.parentTypeName}.${c.fieldName}`;
  if (!c.user || c.user.kind === 'anonymous') {
    return unauthenticated(`${coordinate} needs an authenticated caller: send "Authorization: Bearer <token>"`, c.at);
  }
  for (const required of scopeRules) {
    if (!satisfies(required, c.user.roles)) return forbidden(`${coordinate} requires one of the roles: ${describe(required)}`, c.at);
  }
  return undefined;
}
