/**
 * The federated gateway: Hive Gateway's runtime (query planning and execution over the supergraph)
 * on a node:http server, with graphql-ws subscriptions on the same port and path, plus /health,
 * /readiness and /metrics. Talks to subgraphs over HTTP (queries, mutations) and graphql-ws
 * (subscriptions) only.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createGatewayRuntime, getGraphQLWSOptions, type GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Extra } from 'graphql-ws/use/ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { WebSocketServer } from 'ws';
import { composeFromSubgraphs, loadSupergraphFile, supergraphSubgraphsOf, type FetchSdlOptions, type SubgraphEndpoint } from './compose.ts';
import { createErrorPlugin, createMaskError, requestIdScope } from './errors.ts';
import { hiveLoggerFrom } from './hive-logger.ts';
import { createGatewayMetrics, type HttpRoute } from './metrics.ts';
import { gatewayPluginsFrom } from './plugin-set.ts';
import { checkReadiness } from './readiness.ts';
import { createPolicies } from './plugins/policies.ts';
import type { CorsInput, LimitsInput, PersistedOperationsInput } from './plugins/policy-config.ts';
import { PlatformError, errorMessage } from '../schema/errors.ts';
import { createGatewayAuth } from './plugins/auth.ts';
import { createDashboardRoutes } from './dashboard.ts';
import type { GatewayAuthConfig } from './plugins/auth-config.ts';
import type { TracingInput } from './plugins/tracing-config.ts';
import { createTracingPlugins } from './plugins/tracing.ts';
import { createSubscriptionFanOutPlugin } from './subscriptions-fanout.ts';

export type SupergraphSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'subgraphs'; readonly subgraphs: readonly SubgraphEndpoint[] }
  | { readonly kind: 'sdl'; readonly sdl: string };

export type PlannerKind = 'js' | 'rust';

export interface GatewayOptions {
  readonly supergraph: SupergraphSource;
  readonly port?: number;
  readonly host?: string;
  readonly logger: Logger;
  /** Production: GraphiQL and landing page off, unexpected errors masked. Default false. */
  readonly production?: boolean;
  /** Query planner: 'js' (Hive's stitching planner, default) or 'rust' (Hive Router's planner). */
  readonly planner?: PlannerKind;
  /** Introspection stays on in production too (BI tools and codegen need it) unless this is false. */
  readonly introspection?: boolean;
  /** Where metrics go: prom-client's default registry unless given. */
  readonly registry?: Registry;
  /** Retries while fetching subgraph SDLs at start (kind 'subgraphs'). */
  readonly compose?: FetchSdlOptions;
  /** Time a subgraph gets to answer a readiness probe (default 2000 ms). */
  readonly readinessTimeoutMs?: number;
  /**
   * Authentication, field rules and subgraph request signing (plain JSON). Without JWT secret,
   * JWKS or API keys the gateway runs open (refused in production).
   */
  readonly auth?: GatewayAuthConfig;
  /**
   * Extra runtime plugin objects, for callers in the same thread (tests). Policies configured as
   * data are built by `gatewayPluginsFrom` (plugin-set.ts) so they also work in the gateway thread.
   */
  readonly plugins?: readonly GatewayPlugin[];
  /** Request limits (plain JSON, defaults filled): gateway/plugins/policy-config.ts. */
  readonly limits?: LimitsInput;
  /** CORS allow-list (default: no cross-origin reads). */
  readonly cors?: CorsInput;
  /** Persisted operations manifest and allow-list mode. */
  readonly persistedOperations?: PersistedOperationsInput;
  /** Behind our own front door (gateway thread): per-caller limits take the client IP from x-forwarded-for. */
  readonly trustForwardedFor?: boolean;
  /** OpenTelemetry traces (plain JSON, off by default): the thread's SDK is started by its entry; docs/decisions/0024-traces.md. */
  readonly tracing?: TracingInput;
  /**
   * Live subscriptions (docs/decisions/0029-subs.md): fan-out of one upstream per distinct
   * (document, variables, roles), on unless `fanOut: false`; a client with more than
   * `maxQueuedMessages` updates waiting (default 256) is closed with 4413.
   */
  readonly subscriptions?: { readonly fanOut?: boolean; readonly maxQueuedMessages?: number };
}

export interface RunningGateway extends AsyncDisposable {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql (ws:// on the same URL). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly supergraphSdl: string;
  readonly subgraphs: readonly SubgraphEndpoint[];
  close(): Promise<void>;
}

export const GRAPHQL_PATH = '/graphql';
const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

async function loadSupergraph(source: SupergraphSource, opts: GatewayOptions, hmacSecret: string | undefined): Promise<string> {
  switch (source.kind) {
    case 'file':
      return loadSupergraphFile(source.path);
    case 'subgraphs':
      return composeFromSubgraphs(source.subgraphs, { logger: opts.logger, ...opts.compose, ...(hmacSecret ? { hmacSecret } : {}) });
    case 'sdl':
      return source.sdl;
  }
}

function routeOf(pathname: string): HttpRoute {
  if (pathname === GRAPHQL_PATH) return 'graphql';
  if (pathname === '/health') return 'health';
  if (pathname === '/readiness') return 'readiness';
  if (pathname === '/metrics') return 'metrics';
  return 'other';
}

/** Takes the caller's request id when it is sane, else mints one; the runtime echoes and forwards it. */
function ensureRequestId(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(given) ? given[0] : given;
  const id = value !== undefined && SAFE_REQUEST_ID.test(value) ? value : randomUUID();
  req.headers[REQUEST_ID_HEADER] = id;
  return id;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  return headers;
}

export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const log = opts.logger.child({ component: 'gateway' });
  const production = opts.production ?? false;
  const host = opts.host ?? '127.0.0.1';
  const auth = createGatewayAuth(opts.auth, { production, logger: log });
  const supergraphSdl = await loadSupergraph(opts.supergraph, opts, auth.hmacSecret);
  const subgraphs = supergraphSubgraphsOf(supergraphSdl);
  const metrics = createGatewayMetrics(opts.registry);
  const extraPlugins = [...gatewayPluginsFrom(opts, log), ...(opts.plugins ?? [])];
  const tracing = await createTracingPlugins(opts.tracing); // OpenTelemetry, off by default: plugins/tracing.ts
  const subscriptions = opts.subscriptions?.fanOut === false ? [] : [createSubscriptionFanOutPlugin({ registry: metrics.registry, ...(opts.subscriptions?.maxQueuedMessages !== undefined ? { maxQueuedMessages: opts.subscriptions.maxQueuedMessages } : {}) })];
  const policies = createPolicies({ limits: opts.limits, cors: opts.cors, persistedOperations: opts.persistedOperations, production, trustForwardedFor: opts.trustForwardedFor, logger: opts.logger });

  const runtime = createGatewayRuntime({
    supergraph: supergraphSdl,
    // The Rust planner (Hive Router's, a native addon) is loaded only when asked for.
    ...(opts.planner === 'rust' ? { unifiedGraphHandler: (await import('@graphql-hive/router-runtime')).unifiedGraphHandler } : {}),
    transportEntries: { '*.http': { options: { subscriptions: { kind: 'ws' } } } },
    graphqlEndpoint: GRAPHQL_PATH,
    logging: hiveLoggerFrom(opts.logger.child({ component: 'gateway-runtime' })),
    graphiql: production ? false : (auth.graphiql ?? true),
    ...auth.runtime,
    landingPage: !production,
    maskedErrors: production ? { maskError: createMaskError({ production, logger: log }) } : false,
    ...(opts.introspection === false ? { disableIntrospection: {} } : {}),
    cors: policies.cors,
    ...(policies.persistedDocuments ? { persistedDocuments: policies.persistedDocuments } : {}),
    plugins: () => [...tracing, ...policies.outerPlugins, metrics.plugin, createErrorPlugin({ production, logger: log }), ...extraPlugins, ...policies.plugins, ...subscriptions], // fan-out last: it wraps the subscribe function every other plugin set
  });
  // Load the supergraph and build the planner now, so a broken supergraph fails the start.
  try {
    await runtime.getSchema();
  } catch (e) {
    await runtime.dispose();
    await policies.close();
    throw new PlatformError('CONFIG_INVALID', `gateway: the runtime cannot load the supergraph: ${errorMessage(e)}`, {}, { cause: e });
  }

  const dashboard = createDashboardRoutes({ logger: log });
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const pathname = new URL(req.url ?? '/', 'http://gateway').pathname;
    const route = routeOf(pathname);
    res.once('finish', () => {
      metrics.observeHttp(route, req.method ?? 'GET', res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    const requestId = ensureRequestId(req);
    if (route === 'health') return sendJson(res, 200, { status: 'ok' });
    if (dashboard.matches(pathname)) return dashboard.handle(req, res, pathname);
    if (route === 'readiness') {
      checkReadiness(true, subgraphs, opts.readinessTimeoutMs, auth.hmacSecret).then(
        (report) => sendJson(res, report.ready ? 200 : 503, report),
        (e: unknown) => sendJson(res, 503, { ready: false, error: String(e) }),
      );
      return undefined;
    }
    if (route === 'metrics') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        (e: unknown) => {
          log.error({ err: e }, 'metrics collection failed');
          res.writeHead(500).end();
        },
      );
      return undefined;
    }
    return requestIdScope.run(requestId, () => runtime(req, res));
  });

  // graphql-ws on the GraphQL path of the same port; other upgrade requests are refused.
  // the body limit holds for WebSocket messages too (ws's own default is 100 MiB)
  const wss = new WebSocketServer({ noServer: true, maxPayload: policies.maxMessageBytes });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://gateway').pathname !== GRAPHQL_PATH) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const wsServer = useServer(
    {
      ...getGraphQLWSOptions<Record<string, unknown>, Extra>(runtime, (ctx) => {
        const req = ctx.extra.request;
        ensureRequestId(req);
        return { req, socket: ctx.extra.socket, request: new Request(new URL(req.url ?? GRAPHQL_PATH, 'http://gateway'), { headers: headersOf(req) }) };
      }),
      onConnect: auth.onConnect, // connection_init: credentials checked (close 4401 / 4403)
    },
    wss,
  );

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 4000, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await wsServer.dispose();
    wss.close();
    await runtime.dispose();
    await policies.close();
    throw new PlatformError('LISTEN_FAILED', `gateway: cannot listen on ${host}:${opts.port ?? 4000}: ${errorMessage(e)}`, { host, port: opts.port ?? 4000 }, { cause: e });
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}${GRAPHQL_PATH}`;
  log.info({ url, subgraphs: subgraphs.map((s) => s.name), planner: opts.planner ?? 'js', production }, 'gateway listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await wsServer.dispose(); // closes every socket with 1001 Going Away
      for (const ws of wss.clients) ws.terminate(); // and does not wait for slow peers
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 2000);
      force.unref();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clearTimeout(force);
      await runtime.dispose();
      await policies.close();
      log.info('gateway stopped');
    })();
    return closing;
  };

  return { url, port, host, supergraphSdl, subgraphs, close, [Symbol.asyncDispose]: close };
}
