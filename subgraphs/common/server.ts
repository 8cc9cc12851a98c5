/**
 * createSubgraphServer: one federation-v2 subgraph (Apollo Server 5 + buildSubgraphSchema) on a
 * plain node:http server: GraphQL over HTTP at /graphql (POST, GET), graphql-ws on the same path,
 * /health. One error formatter for both transports; a context built per request / per operation.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DocumentNode } from 'graphql';
import type { Logger } from 'pino';
import type { HealthReport } from '../../connectors/contracts/connector.ts';
import { createErrorFormatter } from './errors.ts';
import { createHttpHandler } from './http-handler.ts';
import { attachGraphQLWs } from './ws-server.ts';
import { createSignatureCheck, type SubgraphSignatureOptions } from './signature.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../../schema/request-limits.ts';
import { traceRootResolvers, tracingRegistered } from './tracing.ts';

/** What a context factory gets for each HTTP request or each graphql-ws operation. */
export interface RequestInfo {
  readonly requestId: string;
  /** The server's logger with `requestId` bound. */
  readonly logger: Logger;
  /** HTTP request headers (for graphql-ws: the headers of the upgrade request). */
  readonly headers: IncomingHttpHeaders;
  readonly transport: 'http' | 'ws';
}

/** Resolver map of a subgraph (`__resolveReference` included), typed by its context. */
export type SubgraphResolvers<TContext> = GraphQLResolverMap<TContext>;

export interface SubgraphServerOptions<TContext extends object> {
  readonly name: string;
  /** SDL of the subgraph, e.g. `loadSubgraphTypeDefs('trips')`. */
  readonly typeDefs: DocumentNode;
  readonly resolvers: SubgraphResolvers<TContext>;
  /** Builds the context of one request: create the request's DataLoaders here. */
  readonly context: (req: RequestInfo) => TContext | Promise<TContext>;
  readonly logger: Logger;
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  /** Masks unexpected errors. Default: NODE_ENV === 'production'. */
  readonly production?: boolean;
  /** Backs GET /health (200 when ok, else 503). Default: always ok while serving. */
  readonly health?: () => Promise<HealthReport> | HealthReport;
  /** Largest POST body accepted (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /**
   * The gateway's HMAC signature: with a secret, a bad signature is refused; unsigned requests are
   * refused when `required` (default: in production, which then needs the secret).
   */
  readonly signature?: SubgraphSignatureOptions;
}

export interface SubgraphServer extends AsyncDisposable {
  readonly name: string;
  /** http://host:port/graphql */
  readonly url: string;
  /** ws://host:port/graphql */
  readonly wsUrl: string;
  readonly port: number;
  /** Stops accepting, ends subscriptions and open connections. Idempotent. */
  close(): Promise<void>;
}

export async function createSubgraphServer<TContext extends object>(opts: SubgraphServerOptions<TContext>): Promise<SubgraphServer> {
  const logger = opts.logger.bindings()['subgraph'] === opts.name ? opts.logger : opts.logger.child({ subgraph: opts.name });
  const production = opts.production ?? process.env['NODE_ENV'] === 'production';
  const host = opts.host ?? '127.0.0.1';
  const signature = createSignatureCheck(opts.signature ?? {}, production, opts.name);
  const built = buildSubgraphSchema([{ typeDefs: opts.typeDefs, resolvers: opts.resolvers as GraphQLResolverMap<unknown> }]);
  const tracing = tracingRegistered(); // an OpenTelemetry SDK in this thread: subgraphs/common/tracing.ts
  const schema = tracing ? traceRootResolvers(built) : built;
  const formatError = createErrorFormatter({ production, logger });

  const apollo = new ApolloServer<TContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    stopOnTerminationSignals: false,
    logger: {
      debug: (m: unknown) => logger.debug(String(m)),
      info: (m: unknown) => logger.info(String(m)),
      warn: (m: unknown) => logger.warn(String(m)),
      error: (m: unknown) => logger.error(String(m)),
    },
    // cache-control hints and federated inline traces (ftv1) are used by nothing here (the gateway
    // neither caches by hint nor asks for ftv1; traces are OpenTelemetry): both plugins otherwise
    // hook every field of every request (docs/decisions/0030-predict.md)
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();

  const makeContext = (transport: RequestInfo['transport']) =>
    async (req: IncomingMessage, requestId: string, log: Logger): Promise<TContext> =>
      opts.context({ requestId, logger: log, headers: req.headers, transport });

  const httpServer = createServer(
    createHttpHandler({
      name: opts.name,
      apollo,
      logger,
      makeContext: makeContext('http'),
      maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      signature,
      tracing,
      ...(opts.health ? { health: opts.health } : {}),
    }),
  );
  const ws = attachGraphQLWs({ httpServer, schema, logger, production, formatError, makeContext: makeContext('ws'), signature });

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(opts.port, host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await ws.close();
    await apollo.stop();
    throw e;
  }
  const port = (httpServer.address() as AddressInfo).port;
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url: `http://${authority}/graphql` }, 'subgraph listening');

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await ws.close();
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      const force = setTimeout(() => httpServer.closeAllConnections(), 1000);
      await closed;
      clearTimeout(force);
      await apollo.stop();
      logger.info('subgraph closed');
    })();
    return closing;
  };

  return {
    name: opts.name,
    url: `http://${authority}/graphql`,
    wsUrl: `ws://${authority}/graphql`,
    port,
    close,
    [Symbol.asyncDispose]: close,
  };
}
