/**
 * graphql-ws on the subgraph's http server (path /graphql): subscriptions (and queries) run
 * against the same schema, with a context from the same factory and errors through the same
 * formatter. Parse, validation and variable errors are answered as GraphQL errors with their
 * codes; the socket stays open.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import {
  GraphQLError, getOperationAST, getVariableValues, parse, validate,
  type DocumentNode, type ExecutionArgs, type GraphQLFormattedError, type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { ErrorFormatter } from './errors.ts';
import { requestScope, type RequestScope } from './request-scope.ts';
import type { SignatureCheck } from './signature.ts';

export interface WsOptions<TContext extends object> {
  readonly httpServer: HttpServer;
  readonly schema: GraphQLSchema;
  readonly logger: Logger;
  readonly production: boolean;
  readonly formatError: ErrorFormatter;
  readonly makeContext: (req: IncomingMessage, requestId: string, logger: Logger) => Promise<TContext>;
  /** Gateway HMAC signature check of each subscribe message. */
  readonly signature?: SignatureCheck;
}

export interface WsHandle {
  close(): Promise<void>;
}

const coded = (e: GraphQLError, code: string): GraphQLError =>
  new GraphQLError(e.message, { nodes: e.nodes ?? null, source: e.source ?? null, positions: e.positions ?? null, extensions: { code } });

export function attachGraphQLWs<TContext extends object>(opts: WsOptions<TContext>): WsHandle {
  const wss = new WebSocketServer({ server: opts.httpServer, path: '/graphql' });
  /** Request scope of each live operation, by socket and operation id. */
  const scopes = new WeakMap<object, Map<string, RequestScope>>();
  const scopeOf = (ctx: object, id: string): RequestScope => {
    const found = scopes.get(ctx)?.get(id);
    if (found) return found;
    const requestId = randomUUID();
    return { requestId, logger: opts.logger.child({ requestId }) };
  };
  const format = (scope: RequestScope, errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    requestScope.run(scope, () => errors.map((e) => opts.formatError(e.toJSON(), e)));

  const cleanup = useServer<Record<string, unknown> | undefined, { request: IncomingMessage }>(
    {
      isProd: opts.production,
      onSubscribe: async (ctx, id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const requestId = randomUUID();
        const scope: RequestScope = { requestId, logger: opts.logger.child({ requestId, transport: 'ws' }) };
        let perSocket = scopes.get(ctx);
        if (!perSocket) scopes.set(ctx, (perSocket = new Map()));
        perSocket.set(id, scope);

        const refusal = opts.signature?.refusal(payload);
        if (refusal) {
          scope.logger.warn({ code: refusal.extensions['code'] }, refusal.message);
          return [refusal];
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (e) {
          if (e instanceof GraphQLError) return [coded(e, 'GRAPHQL_PARSE_FAILED')];
          throw e;
        }
        const invalid = validate(opts.schema, document);
        if (invalid.length > 0) return invalid.map((e) => coded(e, 'GRAPHQL_VALIDATION_FAILED'));
        const operation = getOperationAST(document, payload.operationName ?? undefined);
        if (!operation) return [new GraphQLError('cannot pick the operation to run: name one with operationName', { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })];
        const coerced = getVariableValues(opts.schema, operation.variableDefinitions ?? [], payload.variables ?? {});
        if (coerced.errors) return coerced.errors.map((e) => coded(e, 'BAD_USER_INPUT'));
        try {
          const contextValue = await opts.makeContext(ctx.extra.request, requestId, scope.logger);
          return { schema: opts.schema, document, operationName: payload.operationName ?? null, variableValues: coerced.coerced, contextValue };
        } catch (e) {
          scope.logger.error({ err: e }, 'subscription context failed');
          return [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } })];
        }
      },
      onNext: (ctx, id, _payload, _args, result) => {
        if (!result.errors || result.errors.length === 0) return undefined;
        return { ...result, errors: format(scopeOf(ctx, id), result.errors) };
      },
      onError: (ctx, id, _payload, errors) => {
        const formatted = format(scopeOf(ctx, id), errors);
        scopes.get(ctx)?.delete(id); // an errored operation gets no onComplete
        return formatted;
      },
      onComplete: (ctx, id) => {
        scopes.get(ctx)?.delete(id);
      },
    },
    wss,
  );

  let closing: Promise<void> | null = null;
  return {
    close() {
      closing ??= (async () => {
        const clients = [...wss.clients];
        await cleanup.dispose();
        const deadline = Date.now() + 500;
        while (clients.some((c) => c.readyState !== c.CLOSED) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 10));
        }
        for (const c of clients) if (c.readyState !== c.CLOSED) c.terminate();
      })();
      return closing;
    },
  };
}
