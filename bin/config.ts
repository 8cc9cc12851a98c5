/**
 * The platform's one config schema. Sources, later wins: profile defaults, a JSON file
 * (`--config FILE`), environment (PORT, GOFUTURE_DATA_DIR, ...), command-line flags. Validated at
 * start (one clear error naming the key, exit non-zero), then frozen.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PlatformError } from '../schema/errors.ts';
import { validateConfig } from '../schema/config-validation.ts';
import { authConfigFromEnv } from '../gateway/plugins/auth-config.ts';
import { CorsConfigSchema, LimitsConfigSchema, PersistedOperationsConfigSchema } from '../gateway/plugins/policy-config.ts';
import { ModelServingConfigSchema } from './models-serving-config.ts';
import { TracingConfigSchema, tracingConfigFromEnv } from '../gateway/plugins/tracing-config.ts';

const port = z.number().int().min(0).max(65535);
const connector = z.object({ kind: z.string().min(1) }).catchall(z.unknown());
const role = z.enum(['bi', 'dashboard', 'service', 'admin']);
/** gateway.auth: plain JSON (it crosses into the gateway's own process); see gateway/plugins/auth-config.ts. */
const gatewayAuth = z.object({
  jwtSecret: z.string().min(32, 'must be at least 32 characters').optional(),
  jwks: z.object({ file: z.string().min(1).optional(), url: z.url().optional() }).strict().optional(),
  issuer: z.string().min(1).optional(),
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  clockToleranceSeconds: z.number().int().min(0).max(300).optional(),
  apiKeys: z.array(z.object({
    id: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the sha256 of the key, 64 hex characters'),
    roles: z.array(role),
  }).strict()).optional(),
  hmacSecret: z.string().min(32, 'must be at least 32 characters').optional(),
}).strict();

export const SUBGRAPH_NAMES = ['trips', 'payments', 'features', 'models', 'metrics', 'lake'] as const;
export const JOB_NAMES = ['simulator', 'cdc', 'landing', 'features', 'aggregation', 'orchestrator', 'bronze', 'windows', 'saga', 'anomalies'] as const;
export type JobName = (typeof JOB_NAMES)[number];
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export const PlatformConfigSchema = z.object({
  profile: z.enum(['embedded', 'services']),
  dataDir: z.string().min(1),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  production: z.boolean().default(false),
  host: z.string().default('127.0.0.1'),
  gateway: z.object({
    port: port.default(4000),
    planner: z.enum(['js', 'rust']).default('js'),
    /** 'thread': the gateway runs in its own worker thread behind a front door (docs/decisions/0007); 'inline': on the jobs' event loop. */
    isolation: z.enum(['thread', 'inline']).default('thread'),
    /**
     * Query engine behind the front door: 'node' (Hive Gateway's runtime in the gateway thread) or
     * 'hive-router' (Hive Router serves HTTP queries and mutations, the Node thread keeps graphql-ws;
     * needs `isolation: thread` and scripts/hive-router.sh build). Default: 'node' in the embedded
     * profile, 'hive-router' in the services profile. Env GOFUTURE_GATEWAY_ENGINE.
     * docs/decisions/0026-gateway-engines.md, 0033-router.md.
     */
    engine: z.enum(['node', 'hive-router']).default('node'),
    /** Heap cap of the gateway thread (MiB): a request that exhausts it ends and restarts only that thread. */
    maxHeapMb: z.number().int().min(256).default(1024),
    auth: gatewayAuth.prefault({}),
    /** Introspection (BI tools and codegen need it); false turns it off. */
    introspection: z.boolean().default(true),
    /** Request limits, rate limit, deadline, subscription caps (gateway/plugins/policy-config.ts). */
    limits: LimitsConfigSchema.prefault({}),
    /** CORS allow-list; default none. */
    cors: CorsConfigSchema.prefault({}),
    /** Persisted operations manifest; `allowListOnly` for production. */
    persistedOperations: PersistedOperationsConfigSchema.prefault({}),
    /** `POST /alerts/webhook` (Alertmanager) on the front door, on when a token is set (env GOFUTURE_ALERTS_WEBHOOK_TOKEN); docs/operations.md. */
    alertsWebhook: z.object({ token: z.string().min(16, 'must be at least 16 characters').optional() }).strict().prefault({}),
  }).strict().prefault({}),
  subgraphs: z.object({
    trips: port, payments: port, features: port, models: port, metrics: port, lake: port.optional(),
  }).strict(),
  connectors: z.object({
    eventLog: connector,
    warehouse: connector,
    onlineStore: connector,
    pubSub: connector,
    modelRuntime: connector,
    /** Object storage of the lake's Delta tables (`local` under <dataDir>/lake, `s3`). */
    lakeStore: connector,
    /** The model registry (versions, aliases, stages, lineage): `file` under <dataDir>/registry, `mlflow` (a tracking server). */
    modelVersionRegistry: connector,
  }).strict(),
  models: z.object({
    registry: z.string().min(1),
    /** Serving (docs/decisions/0019-serving.md): traffic policy per model, alias poll, prediction log, online quality. */
    serving: ModelServingConfigSchema.prefault({}),
  }).strict(),
  /** The background jobs this process runs (`gofuture run` overrides it). */
  jobs: z.array(z.enum(JOB_NAMES)).default(['simulator', 'landing', 'features', 'aggregation', 'windows', 'orchestrator']),
  simulator: z.record(z.string(), z.unknown()).default({}),
  aggregation: z.record(z.string(), z.unknown()).default({}),
  /** The windows job (jobs/windows/config.ts): which window specs run, member split, group. */
  windows: z.record(z.string(), z.unknown()).default({}),
  /** The orchestrator and SQL models (jobs/orchestrator PipelineConfigSchema; `taskQueue`: a TaskQueue connector). */
  pipeline: z.record(z.string(), z.unknown()).default({}),
  /** The lake jobs (jobs/lake/config.ts): scratch folder, bronze flush interval and batch size. */
  lake: z.record(z.string(), z.unknown()).default({}),
  /** The CDC job: a ChangeSource connector (`kind: postgres | debezium-topics`) and its routing. */
  cdc: z.object({
    changeSource: connector.optional(),
    topicPrefix: z.string().min(1).default('cdc'),
  }).strict().prefault({}),
  /** `/metrics` + `/health` of processes without the gateway (`gofuture run`, `gofuture subgraph`), when a port is set (bin/metrics-server.ts). */
  metrics: z.object({ port: port.optional() }).strict().prefault({}),
  /** OpenTelemetry traces gateway -> subgraphs -> connectors, OTLP/HTTP exporter; off by default (docs/decisions/0024-traces.md). */
  tracing: TracingConfigSchema.prefault({}),
  /** Seconds between job-status snapshots written to the warehouse. */
  jobStatusIntervalMs: z.number().int().min(100).default(2000),
  /** A running job whose last job-status heartbeat is older than this is shown as `stale` by Query.jobs (keep it several jobStatusIntervalMs). */
  jobStaleAfterMs: z.number().int().min(1000).default(15_000),
}).strict();

export type PlatformConfig = z.output<typeof PlatformConfigSchema>;

/** A subgraph's port; `lake` unset follows metrics (4006 by default, 0 = a free port when metrics is 0). */
export function subgraphPort(config: Readonly<PlatformConfig>, name: SubgraphName): number {
  if (name !== 'lake') return config.subgraphs[name];
  return config.subgraphs.lake ?? (config.subgraphs.metrics === 0 ? 0 : config.subgraphs.metrics + 1);
}

type Json = Record<string, unknown>;

export function profileDefaults(profile: 'embedded' | 'services', dataDir: string, env: NodeJS.ProcessEnv = process.env): Json {
  const common = {
    profile,
    dataDir,
    gateway: { port: 4000, planner: 'js' },
    subgraphs: { trips: 4001, payments: 4002, features: 4003, models: 4004, metrics: 4005 },
    models: { registry: 'models/registry.json' },
    // bronze, saga and anomalies run in `npm start`; off inside node's test runner (NODE_TEST_CONTEXT) unless a test asks
    jobs: ['simulator', 'landing', 'features', 'aggregation', 'windows', 'orchestrator', ...(process.env.NODE_TEST_CONTEXT ? [] : ['bronze', 'saga', 'anomalies'])],
    lake: { scratchDir: path.join(dataDir, 'lake-scratch') },
    // a newcomer sees a booking every few seconds at once; the fleet follows the rate (at 0.5/s about
    // 900 drivers online in a rush hour: docs/simulator.md), so GPS pings every 15 s, not seed 002's 5 s
    simulator: { ratePerSecond: 0.5, locationIntervalMs: 15_000, backfillMinutes: 15 },
    aggregation: {},
    windows: {},
    // daily_etl for today every 20 s (and at start), so bronze -> silver -> gold fill within a minute
    pipeline: profile === 'embedded' ? { schedules: { daily_etl: '*/20 * * * * *' }, runAtStart: ['daily_etl'], refreshOpenDate: ['daily_etl'] } : {},
  };
  if (profile === 'embedded') {
    return {
      ...common,
      connectors: {
        eventLog: { kind: 'memory', dir: path.join(dataDir, 'event-log') },
        warehouse: { kind: 'duckdb', path: path.join(dataDir, 'warehouse.duckdb') },
        onlineStore: { kind: 'memory', snapshotPath: path.join(dataDir, 'online-store.json') },
        pubSub: { kind: 'memory' },
        modelRuntime: { kind: 'onnx' },
        lakeStore: { kind: 'local', root: path.join(dataDir, 'lake') },
        modelVersionRegistry: { kind: 'file', root: path.join(dataDir, 'registry'), seed: 'models/registry.json' },
      },
    };
  }
  return {
    ...common,
    // replicas share one rate-limit budget per caller; queries on Hive Router behind our policy front (ADR 0033)
    gateway: { ...common.gateway, engine: 'hive-router', limits: { rateLimit: { redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:16379' } } },
    connectors: {
      // domain events in Confluent's wire format against the schema registry (Apicurio's ccompat API): docs/decisions/0022-avro.md
      eventLog: {
        kind: 'kafka',
        brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
        valueFormat: 'avro',
        schemaRegistry: { url: env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v7', compatibility: 'BACKWARD' },
      },
      warehouse: { kind: 'clickhouse', url: env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123' },
      onlineStore: { kind: 'redis', url: env.REDIS_URL ?? 'redis://127.0.0.1:16379' },
      pubSub: { kind: 'redis', url: env.REDIS_URL ?? 'redis://127.0.0.1:16379' },
      modelRuntime: { kind: 'onnx' },
      lakeStore: { kind: 's3', endpoint: env.S3_ENDPOINT ?? 'http://127.0.0.1:18333', bucket: env.S3_BUCKET ?? 'gofuture-lake' },
      modelVersionRegistry: { kind: 'mlflow', url: env.MLFLOW_URL ?? 'http://127.0.0.1:15000', seed: 'models/registry.json' },
    },
    cdc: {
      changeSource: {
        kind: 'postgres',
        url: env.PG_URL ?? 'postgres://postgres@127.0.0.1:15432/gofuture',
        slot: 'gofuture_cdc',
        publication: 'gofuture_cdc',
      },
    },
  };
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep merge of plain objects; arrays and scalars of `over` replace. An object naming another
 * `kind` than the one it overrides (a connector switched to another implementation) replaces it
 * whole: the other implementation's keys mean nothing to it.
 */
export function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    const otherKind = isObject(b) && isObject(v) && 'kind' in v && v.kind !== b.kind;
    out[k] = isObject(b) && isObject(v) && !otherKind ? merge(b, v) : v;
  }
  return out;
}

export interface ConfigSources {
  readonly profile?: string;
  readonly file?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Already-parsed overrides (from flags or tests), deep-merged last. */
  readonly overrides?: Json;
}

export function loadConfig(sources: ConfigSources = {}): Readonly<PlatformConfig> {
  const env = sources.env ?? process.env;
  let fileJson: Json = {};
  if (sources.file) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(sources.file, 'utf8'));
      if (!isObject(parsed)) throw new Error('top level is not an object');
      fileJson = parsed;
    } catch (e) {
      throw new PlatformError('CONFIG_INVALID', `invalid config file ${sources.file}: ${(e as Error).message}`, { path: sources.file });
    }
  }
  const profileRaw = sources.profile ?? (fileJson.profile as string | undefined) ?? env.GOFUTURE_PROFILE ?? 'embedded';
  if (profileRaw !== 'embedded' && profileRaw !== 'services') {
    throw new PlatformError('CONFIG_INVALID', `invalid config at profile: expected "embedded" or "services", got "${profileRaw}"`, { path: 'profile' });
  }
  const dataDir = (sources.overrides?.dataDir as string | undefined) ?? env.GOFUTURE_DATA_DIR ?? (fileJson.dataDir as string | undefined) ?? 'data';
  let raw = merge(profileDefaults(profileRaw, dataDir, env), fileJson);
  const envOver: Json = {};
  if (env.PORT !== undefined) envOver.gateway = { port: Number(env.PORT) };
  if (env.LOG_LEVEL) envOver.logLevel = env.LOG_LEVEL;
  if (env.NODE_ENV === 'production') envOver.production = true;
  if (env.GOFUTURE_METRICS_PORT !== undefined) envOver.metrics = { port: Number(env.GOFUTURE_METRICS_PORT) };
  if (env.GOFUTURE_ALERTS_WEBHOOK_TOKEN) envOver.gateway = { ...(envOver.gateway as Json | undefined), alertsWebhook: { token: env.GOFUTURE_ALERTS_WEBHOOK_TOKEN } };
  if (env.GOFUTURE_GATEWAY_ENGINE) envOver.gateway = { ...(envOver.gateway as Json | undefined), engine: env.GOFUTURE_GATEWAY_ENGINE };
  const tracingEnv = tracingConfigFromEnv(env);
  if (Object.keys(tracingEnv).length > 0) envOver.tracing = tracingEnv;
  const authEnv = authConfigFromEnv(env);
  if (Object.keys(authEnv).length > 0) envOver.gateway = { ...(envOver.gateway as Json | undefined), auth: authEnv };
  raw = merge(raw, envOver);
  if (sources.overrides) raw = merge(raw, sources.overrides);
  return validateConfig(PlatformConfigSchema, raw, '');
}
