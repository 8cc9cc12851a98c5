/**
 * Errors at the gateway edge. Parse and validation errors carry their spec codes from the runtime;
 * variables are coerced here up front (BAD_USER_INPUT, HTTP 400, whichever planner runs); subgraph
 * errors pass through with their codes. What is left is the unexpected: an exception inside the
 * gateway, a subgraph's INTERNAL_SERVER_ERROR. Those are logged with the request id and, in
 * production, masked (message replaced; stack traces and request dumps dropped). An unreachable
 * subgraph is partial failure: SUBGRAPH_UNAVAILABLE with `serviceName`, in every mode.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { GraphQLError, getOperationAST, getVariableValues, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Logger } from 'pino';
import { ERROR_CATALOGUE } from '../schema/errors.ts';

export const MASKED_MESSAGE = 'Internal server error';
const REQUEST_ID_HEADER = 'x-request-id';
/** Extension keys that can leak internals; dropped from every error in production. */
const LEAKY_EXTENSIONS = ['stacktrace', 'exception', 'originalError', 'request', 'response'];
/** Codes that say "something broke inside": an internal error, or a subgraph that could not be reached. */
const UNEXPECTED_CODES: ReadonlySet<string> = new Set(['INTERNAL_SERVER_ERROR', 'SUBREQUEST_HTTP_ERROR']);
/** The runtime's code for a subgraph request that failed at the HTTP level (refused, reset, 5xx). */
const SUBREQUEST_FAILED = 'SUBREQUEST_HTTP_ERROR';

/** The request id of the HTTP request being handled, for errors raised outside execution. */
export const requestIdScope = new AsyncLocalStorage<string>();

export interface ErrorPluginOptions {
  readonly production: boolean;
  readonly logger: Logger;
}

/**
 * Unexpected: a non-GraphQL exception thrown in the gateway, a subgraph that could not be reached
 * (its message names internal addresses), or an internal error reported by a subgraph.
 */
export function isUnexpected(error: GraphQLError): boolean {
  const code = error.extensions['code'];
  if (typeof code === 'string' && UNEXPECTED_CODES.has(code)) return true;
  if (typeof code === 'string') return false;
  const original = error.originalError;
  return original !== undefined && original !== null && !(original instanceof GraphQLError);
}

function requestIdOf(context: unknown): string | undefined {
  const request = (context as { request?: { headers?: { get?: (name: string) => string | null } } } | undefined)?.request;
  return request?.headers?.get?.(REQUEST_ID_HEADER) ?? undefined;
}

function withoutLeaks(extensions: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extensions)) if (!LEAKY_EXTENSIONS.includes(k)) out[k] = v;
  return out;
}

function maskedError(error: GraphQLError, requestId: string | undefined): GraphQLError {
  return new GraphQLError(MASKED_MESSAGE, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR', ...(requestId ? { requestId } : {}) },
  });
}

/**
 * A subgraph that could not be reached: the fields it resolves are null (they are nullable where
 * that can happen) and the caller gets a coded error naming the subgraph, in production too. In
 * production the message is the catalogue's generic one; the runtime's (internal address) and its
 * `request` extension (the subgraph query) go to the log only.
 */
function subgraphUnavailable(error: GraphQLError, requestId: string | undefined, production: boolean): GraphQLError {
  const serviceName = error.extensions['serviceName'];
  return new GraphQLError(production ? ERROR_CATALOGUE.SUBGRAPH_UNAVAILABLE.message : error.message, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions: { code: 'SUBGRAPH_UNAVAILABLE', ...(typeof serviceName === 'string' ? { serviceName } : {}), ...(requestId ? { requestId } : {}) },
  });
}

function isAlreadyMasked(error: GraphQLError): boolean {
  return error.message === MASKED_MESSAGE && error.extensions['code'] === 'INTERNAL_SERVER_ERROR' && !error.originalError;
}

/**
 * The runtime's last line (Yoga `maskedErrors.maskError`, production only): errors raised outside
 * execution (request parsing, the runtime itself). Coded errors keep their code and message,
 * everything else is logged and masked.
 */
export function createMaskError(opts: ErrorPluginOptions): (error: unknown, message: string) => Error {
  return (error) => {
    const requestId = requestIdScope.getStore();
    if (error instanceof GraphQLError) {
      if (isAlreadyMasked(error)) return error;
      if (error.extensions['code'] === SUBREQUEST_FAILED) {
        opts.logger.error({ requestId, err: error, serviceName: error.extensions['serviceName'] }, 'subgraph unavailable');
        return subgraphUnavailable(error, requestId, opts.production);
      }
      if (!isUnexpected(error) && typeof error.extensions['code'] === 'string') {
        return new GraphQLError(error.message, {
          ...(error.nodes ? { nodes: error.nodes } : {}),
          ...(error.path ? { path: error.path } : {}),
          extensions: withoutLeaks(error.extensions),
        });
      }
    }
    opts.logger.error({ requestId, err: error }, 'unexpected error');
    return maskedError(error instanceof GraphQLError ? error : new GraphQLError(MASKED_MESSAGE), requestId);
  };
}

/** Rewrites the errors of one result; returns undefined when nothing changes. */
export function processErrors(
  result: ExecutionResult,
  opts: ErrorPluginOptions & { readonly requestId: string | undefined },
): ExecutionResult | undefined {
  const errors = result.errors;
  if (!errors || errors.length === 0) return undefined;
  let changed = false;
  const out = errors.map((error) => {
    if (!(error instanceof GraphQLError)) return error;
    if (error.extensions['code'] === SUBREQUEST_FAILED) {
      opts.logger.error({ requestId: opts.requestId, path: error.path, serviceName: error.extensions['serviceName'], subgraphMessage: error.message }, 'subgraph unavailable');
      changed = true;
      return subgraphUnavailable(error, opts.requestId, opts.production);
    }
    if (isUnexpected(error) && !isAlreadyMasked(error)) {
      opts.logger.error(
        { requestId: opts.requestId, path: error.path, err: error.originalError ?? error, subgraphMessage: error.message },
        'unexpected error',
      );
      if (!opts.production) return error;
      changed = true;
      return maskedError(error, opts.requestId);
    }
    if (opts.production && LEAKY_EXTENSIONS.some((k) => k in error.extensions)) {
      changed = true;
      return new GraphQLError(error.message, {
        ...(error.nodes ? { nodes: error.nodes } : {}),
        ...(error.path ? { path: error.path } : {}),
        extensions: withoutLeaks(error.extensions),
      });
    }
    return error;
  });
  return changed ? { ...result, errors: out } : undefined;
}

/**
 * Coerces the request's variables against the operation up front, so a bad variable is the same
 * spec error (BAD_USER_INPUT, HTTP 400) whichever planner executes the operation.
 */
export function variableErrors(args: {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operationName?: string | null | undefined;
  readonly variableValues?: { readonly [name: string]: unknown } | null | undefined;
}): GraphQLError[] | undefined {
  const operation = getOperationAST(args.document, args.operationName ?? undefined);
  const definitions = operation?.variableDefinitions;
  if (!definitions || definitions.length === 0) return undefined;
  const coerced = getVariableValues(args.schema, definitions, args.variableValues ?? {}, { maxErrors: 25 });
  if (!coerced.errors) return undefined;
  return coerced.errors.map(
    (e) => new GraphQLError(e.message, { nodes: e.nodes ?? null, extensions: { ...e.extensions, code: 'BAD_USER_INPUT', http: { status: 400 } } }),
  );
}

export function createErrorPlugin(opts: ErrorPluginOptions): GatewayPlugin {
  const handle = (context: unknown, result: ExecutionResult, setResult: (r: ExecutionResult) => void): void => {
    const next = processErrors(result, { ...opts, requestId: requestIdOf(context) });
    if (next) setResult(next);
  };
  const isAsyncIterable = (v: unknown): boolean => v !== null && typeof v === 'object' && Symbol.asyncIterator in v;
  return {
    onExecute({ context, args, setResultAndStopExecution }) {
      const bad = variableErrors(args);
      if (bad) {
        setResultAndStopExecution({ errors: bad });
        return undefined;
      }
      return {
        onExecuteDone({ result, setResult }) {
          if (!isAsyncIterable(result)) {
            handle(context, result as ExecutionResult, setResult);
            return undefined;
          }
          return { onNext: ({ result: r, setResult: set }) => handle(context, r as ExecutionResult, set) };
        },
      };
    },
    onSubscribe({ context, args, setResultAndStopExecution }) {
      const bad = variableErrors(args);
      if (bad) {
        setResultAndStopExecution({ errors: bad });
        return undefined;
      }
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) {
            handle(context, result as ExecutionResult, setResult);
            return undefined;
          }
          return { onNext: ({ result: r, setResult: set }) => handle(context, r, set) };
        },
      };
    },
  };
}
