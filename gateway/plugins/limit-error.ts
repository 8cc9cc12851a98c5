/**
 * The coded errors the request policies answer with: GraphQL errors carrying `extensions.code`
 * (from schema/errors.ts), the limit's name and bound, and the HTTP status the runtime should send.
 */
import { GraphQLError } from 'graphql';
import type { ErrorCode } from '../../schema/errors.ts';

/** Names of the limits, as `extensions.limit` says them (and as config keys say them, minus `max`). */
export type LimitName =
  | 'tokens' | 'depth' | 'aliases' | 'directives' | 'fields' | 'cost' | 'predictionInputs'
  | 'bodyBytes' | 'variablesBytes' | 'subscriptionsPerConnection' | 'subscriptionsPerPrincipal';

export function policyError(code: ErrorCode, message: string, status: number, extensions: Record<string, unknown> = {}, headers?: Record<string, string>): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions, http: { status, ...(headers ? { headers } : {}) } } });
}

export function limitError(limit: LimitName, max: number, actual: number | undefined, status = 400): GraphQLError {
  const found = actual === undefined ? '' : ` (found ${Number.isFinite(actual) ? actual : 'more'})`;
  return policyError('LIMIT_EXCEEDED', `request exceeds the ${limit} limit of ${max}${found}`, status, {
    limit,
    max,
    ...(actual !== undefined && Number.isFinite(actual) ? { actual } : {}),
  });
}
