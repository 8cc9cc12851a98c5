/**
 * The GraphQL errors auth answers with: UNAUTHENTICATED (HTTP 401, with a Bearer challenge) for
 * missing, bad or expired credentials where a field needs them; FORBIDDEN (HTTP 403) for a caller
 * without a role a field requires. Both are safe to show callers (they name no internals).
 */
import { GraphQLError, type FieldNode } from 'graphql';
import { ErrorCodes } from '../../schema/errors.ts';

export interface AuthErrorLocation {
  readonly fieldNode?: FieldNode;
  readonly path?: ReadonlyArray<string | number>;
}

export function unauthenticated(message: string, at: AuthErrorLocation = {}): GraphQLError {
  return new GraphQLError(message, {
    ...(at.fieldNode ? { nodes: [at.fieldNode] } : {}),
    ...(at.path ? { path: at.path } : {}),
    extensions: { code: ErrorCodes.UNAUTHENTICATED, http: { status: 401, headers: { 'www-authenticate': 'Bearer' } } },
  });
}

export function forbidden(message: string, at: AuthErrorLocation = {}): GraphQLError {
  return new GraphQLError(message, {
    ...(at.fieldNode ? { nodes: [at.fieldNode] } : {}),
    ...(at.path ? { path: at.path } : {}),
    extensions: { code: ErrorCodes.FORBIDDEN, http: { status: 403 } },
  });
}
