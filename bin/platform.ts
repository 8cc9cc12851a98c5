/**
 * The composition root: connectors -> topics and tables -> jobs -> subgraphs -> gateway, and the
 * reverse on stop. The only module that knows every folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { register as defaultRegistry, type Registry } from 'prom-client';
import { ALL_TOPICS } from '../schema/events/topics.ts';
import { WAREHOUSE_TABLES } from '../schema/tables/warehouse-tables.ts';
import { SPEC_WINDOWS } from '../schema/windows/window-tables.ts';
import { MART_TABLES } from '../schema/lake/gold-marts.ts';
import { errorMessage, PlatformError } from '../schema/errors.ts';
import { composeFromSubgraphs } from '../gateway/compose.ts';
import type { RunningGateway } from '../gateway/server.ts';
import type { GatewayData } from '../gateway/thread-protocol.ts';
import { startGatewayThread } from '../gateway/thread.ts';
import { ALERTS_WEBHOOK_PATH, createAlertsWebhook } from '../gateway/alerts-webhook.ts';
import { registerSubgraphProbe } from '../gateway/subgraph-probe.ts';
import { createAlertSink } from '../jobs/orchestrator/alerts.ts';
import type { SubgraphServer } from '../subgraphs/common/index.ts';
import { SUBGRAPH_NAMES, subgraphPort, type PlatformConfig, type SubgraphName } from './config.ts';
import { buildConnectors, connectorList, type PlatformConnectors } from './connectors.ts';
import { startJobs } from './job-set.ts';
import { startMetricsServer } from './metrics-server.ts';
import { startSubgraph } from './subgraph-set.ts';
import { startProcessTracing } from './tracing.ts';

export interface RunningPlatform {
  readonly gatewayUrl: string;
  readonly subgraphUrls: Readonly<Record<SubgraphName, string>>;
  readonly connectors: PlatformConnectors;
  stop(): Promise<void>;
}

/** Runs `steps` in reverse, all of them even if some fail; rethrows the first failure. */
async function unwind(steps: (() => Promise<void>)[], logger: Logger): Promise<void> {
  let first: unknown = null;
  for (const step of steps.reverse()) {
    try {
      await step();
    } catch (e) {
      logger.error({ err: errorMessage(e) }, 'stop step failed');
      first ??= e;
    }
  }
  if (first) throw first;
}

async function startConnectors(config: Readonly<PlatformConfig>, logger: Logger, metrics: Registry, undo: (() => Promise<void>)[]): Promise<PlatformConnectors> {
  if (config.profile === 'embedded') await mkdir(config.dataDir, { recursive: true });
  const connectors = buildConnectors(config, logger, metrics);
  for (const c of connectorList(connectors)) {
    await c.start();
    undo.push(() => c.close());
  }
  await connectors.eventLog.ensureTopics(ALL_TOPICS);
  // the mart tables too, so the gold* BI fields answer (empty) before the first publish_marts
  await connectors.warehouse.ensureTables([...WAREHOUSE_TABLES, ...MART_TABLES, SPEC_WINDOWS]);
  return connectors;
}

/**
 * The gateway over the platform's subgraphs. By default in its own worker thread, so planning and
 * execution never share the event loop of the jobs and subgraphs (docs/decisions/0007); `/health`
 * and `/metrics` (gateway + this thread's registry) are answered by the front door on this thread.
 */
async function startPlatformGateway(
  config: Readonly<PlatformConfig>,
  subgraphUrls: Readonly<Record<SubgraphName, string>>,
  logger: Logger,
  metrics: Registry,
  connectors: PlatformConnectors,
): Promise<RunningGateway> {
  const data: GatewayData = {
    supergraph: { kind: 'subgraphs', subgraphs: SUBGRAPH_NAMES.map((name) => ({ name, url: subgraphUrls[name] })) },
    production: config.production,
    planner: config.gateway.planner,
    auth: config.gateway.auth,
    introspection: config.gateway.introspection,
    limits: config.gateway.limits,
    cors: config.gateway.cors,
    persistedOperations: config.gateway.persistedOperations,
    tracing: config.tracing,
  };
  const where = { port: config.gateway.port, host: config.host, logger: logger.child({ component: 'gateway' }) };
  if (config.gateway.isolation === 'thread') {
    const routes = alertsWebhookRoutes(config, connectors, logger, metrics);
    // hive-router engine (ADR 0026): the router serves HTTP /graphql with the same policies, the thread graphql-ws
    const router = config.gateway.engine === 'hive-router' ? { production: config.production, auth: config.gateway.auth, limits: config.gateway.limits, cors: config.gateway.cors, persistedOperations: config.gateway.persistedOperations, introspection: config.gateway.introspection } : undefined;
    return startGatewayThread({ ...where, gateway: data, logLevel: config.logLevel, registry: metrics, resourceLimits: { maxOldGenerationSizeMb: config.gateway.maxHeapMb }, ...(routes ? { routes } : {}), ...(router ? { router } : {}) });
  }
  if (config.gateway.engine === 'hive-router') throw new PlatformError('CONFIG_INVALID', 'gateway.engine "hive-router" needs gateway.isolation "thread" (the front door routes HTTP to the router and graphql-ws to the Node thread)', { path: 'gateway.engine' });
  if (config.gateway.alertsWebhook.token) logger.warn('gateway.alertsWebhook needs gateway.isolation "thread" (the front door); not served');
  const { startGateway } = await import('../gateway/server.ts');
  return startGateway({ ...data, ...where, registry: metrics });
}

/** Alertmanager's webhook into the platform's alerts (topic, counter, GraphQL subscription `alerts`), when a token is set. */
function alertsWebhookRoutes(config: Readonly<PlatformConfig>, connectors: PlatformConnectors, logger: Logger, metrics: Registry): Record<string, ReturnType<typeof createAlertsWebhook>> | null {
  const token = config.gateway.alertsWebhook.token;
  if (!token) return null;
  const log = logger.child({ component: 'alerts-webhook' });
  const sink = createAlertSink({ log: connectors.eventLog, pubsub: connectors.pubSub, metrics, logger: log });
  const webhook = createAlertsWebhook({
    token,
    metrics,
    deliver: async (alerts) => {
      for (const a of alerts) await sink.raise(a);
    },
    onError: (e) => log.error({ err: errorMessage(e) }, 'alerts from Alertmanager not delivered'),
  });
  return { [ALERTS_WEBHOOK_PATH]: webhook };
}

export async function startPlatform(config: Readonly<PlatformConfig>, logger: Logger, metrics: Registry = defaultRegistry): Promise<RunningPlatform> {
  const undo: (() => Promise<void>)[] = [];
  try {
    await startProcessTracing(config, undo); // before any subgraph: they decide at start whether to trace
    const connectors = await startConnectors(config, logger, metrics, undo);
    const jobs = await startJobs(config, connectors, logger, metrics);
    undo.push(() => jobs.stop());
    const servers = {} as Record<SubgraphName, SubgraphServer>;
    for (const name of SUBGRAPH_NAMES) {
      const server = await startSubgraph(name, config, connectors, logger);
      servers[name] = server;
      undo.push(() => server.close());
    }
    const subgraphUrls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, servers[n].url])) as Record<SubgraphName, string>;
    const gateway = await startPlatformGateway(config, subgraphUrls, logger, metrics, connectors);
    undo.push(() => gateway.close());
    const hmacSecret = config.gateway.auth.hmacSecret;
    const unprobe = registerSubgraphProbe(metrics, gateway.subgraphs, hmacSecret ? { hmacSecret } : {});
    undo.push(async () => unprobe());
    let stopped: Promise<void> | null = null;
    return {
      gatewayUrl: gateway.url,
      subgraphUrls,
      connectors,
      stop: () => (stopped ??= unwind(undo, logger).then(() => logger.info('platform stopped'))),
    };
  } catch (e) {
    await unwind(undo, logger).catch(() => undefined);
    throw e;
  }
}

/** `/metrics` on `config.metrics.port` for a process without the gateway's front door; null when unset. */
async function serveMetrics(config: Readonly<PlatformConfig>, logger: Logger, registry: Registry, undo: (() => Promise<void>)[]): Promise<string | null> {
  if (config.metrics.port === undefined) return null;
  const server = await startMetricsServer({ registry, port: config.metrics.port, host: config.host, logger });
  undo.push(() => server.close());
  return server.url;
}

/** One subgraph alone on its own port, with the connectors it needs started. */
export async function startSingleSubgraph(config: Readonly<PlatformConfig>, name: SubgraphName, logger: Logger): Promise<{ url: string; metricsUrl: string | null; stop(): Promise<void> }> {
  const undo: (() => Promise<void>)[] = [];
  try {
    await startProcessTracing(config, undo);
    const connectors = await startConnectors(config, logger, defaultRegistry, undo);
    const server = await startSubgraph(name, config, connectors, logger);
    undo.push(() => server.close());
    const metricsUrl = await serveMetrics(config, logger, defaultRegistry, undo);
    return { url: server.url, metricsUrl, stop: () => unwind(undo, logger) };
  } catch (e) {
    await unwind(undo, logger).catch(() => undefined);
    throw e;
  }
}

/** Only the configured jobs and the connectors they need (no subgraphs, no gateway): `gofuture run`. */
export async function startJobsOnly(config: Readonly<PlatformConfig>, logger: Logger, metrics: Registry = defaultRegistry): Promise<{ metricsUrl: string | null; stop(): Promise<void> }> {
  const undo: (() => Promise<void>)[] = [];
  try {
    const connectors = await startConnectors(config, logger, metrics, undo);
    const jobs = await startJobs(config, connectors, logger, metrics);
    undo.push(() => jobs.stop());
    const metricsUrl = await serveMetrics(config, logger, metrics, undo);
    let stopped: Promise<void> | null = null;
    return { metricsUrl, stop: () => (stopped ??= unwind(undo, logger).then(() => logger.info('jobs stopped'))) };
  } catch (e) {
    await unwind(undo, logger).catch(() => undefined);
    throw e;
  }
}

/** Composes the supergraph from the subgraphs at the configured ports and writes it to `out`. */
export async function writeSupergraph(config: Readonly<PlatformConfig>, out: string, _logger: Logger): Promise<void> {
  const subgraphs = SUBGRAPH_NAMES.map((name) => ({ name, url: `http://${config.host}:${subgraphPort(config, name)}/graphql` }));
  const hmacSecret = config.gateway.auth.hmacSecret;
  const sdl = await composeFromSubgraphs(subgraphs, hmacSecret ? { hmacSecret } : {});
  await writeFile(out, sdl, 'utf8');
}
