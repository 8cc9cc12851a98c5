/**
 * The GraphQL edge of the error catalogue (schema/errors.ts): PlatformError.code becomes
 * `extensions.code`; Apollo's own request errors (parse, validation, variable coercion) keep
 * their codes; anything unexpected is logged with the request id and, in production, masked.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { PUBLIC_CODES, PlatformError, errorSpec, isPlatformError } from '../../schema/errors.ts';
import { requestScope } from './request-scope.ts';

/** Codes Apollo / graphql-js put on request errors: the caller's fault, shown as they are. */
const REQUEST_ERROR_CODES: ReadonlySet<string> = new Set([
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE',
  // the gateway signature check (signature.ts): refused before execution, names nothing internal
  'SUBGRAPH_SIGNATURE_INVALID',
]);

export type ErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/** A BAD_USER_INPUT PlatformError: what resolvers throw for an argument they refuse. */
export function badUserInput(message: string, details: Record<string, unknown> = {}): PlatformError {
  return new PlatformError('BAD_USER_INPUT', message, details);
}

/** Details a caller may see: primitives and lists of primitives, never nested objects. */
function safeDetails(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) {
    if (k === 'code' || k === 'requestId' || k === 'stacktrace') continue;
    const primitive = (x: unknown): boolean => x === null || ['string', 'number', 'boolean'].includes(typeof x);
    if (primitive(v) || (Array.isArray(v) && v.length <= 50 && v.every(primitive))) out[k] = v;
  }
  return out;
}

function located(formatted: GraphQLFormattedError): Pick<GraphQLFormattedError, 'locations' | 'path'> {
  return {
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
}

export function createErrorFormatter(opts: { readonly production: boolean; readonly logger: Logger }): ErrorFormatter {
  return (formatted, error) => {
    const original = unwrapResolverError(error);
    const scope = requestScope.getStore();
    const requestId = scope?.requestId;
    const log = scope?.logger ?? opts.logger;
    const masked = (): GraphQLFormattedError => ({
      message: 'Internal server error',
      ...located(formatted),
      extensions: { code: 'INTERNAL_SERVER_ERROR', ...(requestId ? { requestId } : {}) },
    });

    if (isPlatformError(original)) {
      if (PUBLIC_CODES.has(original.code)) {
        return { message: original.message, ...located(formatted), extensions: { ...safeDetails(original.details), code: original.code } };
      }
      log.error({ err: original, code: original.code, requestId, path: formatted.path }, 'request failed');
      // expose 'code' (e.g. CONNECTOR_UNAVAILABLE): the code and the catalogue's generic message; hosts and ports stay in the log
      if (errorSpec(original.code).expose === 'code') {
        return { message: errorSpec(original.code).message, ...located(formatted), extensions: { code: original.code, ...(requestId ? { requestId } : {}) } };
      }
      if (opts.production) return masked();
      return {
        message: original.message,
        ...located(formatted),
        extensions: { ...safeDetails(original.details), code: original.code, ...(requestId ? { requestId } : {}) },
      };
    }

    const code = formatted.extensions?.['code'];
    if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
      return { message: formatted.message, ...located(formatted), extensions: { code } };
    }

    log.error({ err: original, requestId, path: formatted.path }, 'unexpected error');
    if (opts.production) return masked();
    return {
      message: formatted.message,
      ...located(formatted),
      extensions: { code: 'INTERNAL_SERVER_ERROR', ...(requestId ? { requestId } : {}) },
    };
  };
}
