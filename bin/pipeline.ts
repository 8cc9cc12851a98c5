/**
 * Composition of the pipeline (orchestrator + SQL models): the TaskQueue connector of the profile
 * (`local` state file in the data dir; `pg-boss` on PG_URL in the services profile), the model
 * backend (the lake's Delta tables over `connectors.lakeStore`), and the platform's warehouse, event
 * log and pub-sub.
 */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ConnectorRegistry } from '../connectors/registry.ts';
import type { TaskQueue } from '../connectors/contracts/task-queue.ts';
import { localTaskQueueFactory, pgBossTaskQueueFactory } from '../connectors/queue/index.ts';
import type { ModelBackend } from '../jobs/models-sql/backend.ts';
import type { LakeCatalog } from '../jobs/models-sql/catalog.ts';
import { LakeModelBackend } from '../jobs/models-sql/lake-backend.ts';
import { commitQuery, compactTable, openLake, resolveRelation, vacuumLake, type LakeTables } from '../jobs/lake/delta/index.ts';
import { LakeConfigSchema } from '../jobs/lake/config.ts';
import type { LakeStore } from '../connectors/contracts/lake-store.ts';
import { createPipeline, PipelineConfigSchema, type Pipeline, type PipelineParts } from '../jobs/orchestrator/index.ts';
import type { LakeSubgraphApi } from '../subgraphs/lake/index.ts';
import { dateIn } from '../jobs/orchestrator/dag.ts';
import { lineageOf } from '../jobs/models-sql/lineage.ts';
import { validateConfig } from '../schema/config-validation.ts';
import { errorMessage } from '../schema/errors.ts';
import type { PlatformConfig } from './config.ts';
import { connectorRegistry, type PlatformConnectors } from './connectors.ts';
import type { OnlineStore } from '../connectors/contracts/online-store.ts';
import type { ConsumerHandle } from '../connectors/contracts/event-log.ts';
import { materializeForDate } from '../jobs/features/materialize.ts';
import { backendOfflineSource } from '../jobs/features/offline/index.ts';
import { openMlPipeline, type MlPipelineParts } from './pipeline-ml.ts';
import { retrainFraudOnNewLabels } from '../jobs/orchestrator/ml-labels.ts';
import { retrainDagId } from '../jobs/orchestrator/ml-dags.ts';

type Json = Record<string, unknown>;

export function taskQueueConfig(config: Readonly<PlatformConfig>): { kind: string } & Json {
  const raw = (config.pipeline as Json).taskQueue as ({ kind: string } & Json) | undefined;
  if (raw) return raw;
  return config.profile === 'services'
    ? { kind: 'pg-boss', url: process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:15432/gofuture' }
    : { kind: 'local', path: path.join(config.dataDir, 'orchestrator', 'task-runs.json') };
}

export function createTaskQueue(config: Readonly<PlatformConfig>, logger: Logger, metrics: Registry): TaskQueue {
  const registry = new ConnectorRegistry().register(localTaskQueueFactory).register(pgBossTaskQueueFactory);
  return registry.create<TaskQueue>('taskQueue', taskQueueConfig(config), { logger: logger.child({ connector: 'taskQueue' }), metrics }, 'pipeline.taskQueue');
}

export interface OpenedBackend {
  readonly backend: ModelBackend & LakeCatalog;
  /** The Delta tables under the backend (the ML DAGs' drift reports and windows). */
  readonly lake: LakeTables;
  readonly compactBronze?: (logicalDate: string) => Promise<void>;
  readonly kind: 'lake';
  close(): Promise<void>;
}

/**
 * The model backend on the lake's Delta tables, over the platform's `connectors.lakeStore` (local
 * dir embedded, S3 in the services profile). An instance of our own, so the bronze job closing its
 * store does not close ours. Files of a remote store are staged into `<lake.scratchDir>/pipeline/cache`
 * before DuckDB reads them (docs/decisions/0010).
 */
export async function openModelBackend(config: Readonly<PlatformConfig>, logger: Logger, metrics: Registry): Promise<OpenedBackend> {
  const lakeConfig = validateConfig(LakeConfigSchema, config.lake, 'lake');
  const store = connectorRegistry().create<LakeStore>('lakeStore', config.connectors.lakeStore, { logger: logger.child({ connector: 'lakeStore' }), metrics }, 'connectors.lakeStore');
  await store.start();
  const scratchDir = path.join(lakeConfig.scratchDir ?? path.join(config.dataDir, 'lake-scratch'), 'pipeline');
  const lake = openLake(store, { scratchDir, logger });
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  const backend = new LakeModelBackend({ lake, api: { resolveRelation, commitQuery }, conn });
  return {
    kind: 'lake',
    backend,
    lake,
    // daily_etl's bronze_compaction: OPTIMIZE the date's bronze partitions, then vacuum
    compactBronze: async (date) => {
      const bronze = (await lake.list()).filter((n) => n.startsWith('bronze.'));
      for (const name of bronze) await compactTable(lake, name, { partitions: [{ ingest_date: date }] });
      await vacuumLake(lake, { tables: bronze });
    },
    close: async () => {
      conn.closeSync();
      db.closeSync();
      await lake.close();
      await store.close();
    },
  };
}

function featureMaterializer(backend: ModelBackend & LakeCatalog, store: OnlineStore, stateDir: string, logger: Logger): (logicalDate: string) => Promise<void> {
  return async (date) => {
    const views = await materializeForDate({ source: backendOfflineSource(backend), store, stateDir, logger: logger.child({ job: 'features-materialize' }) }, date);
    logger.info({ logicalDate: date, views: views.map((v) => ({ view: v.view, written: v.written, version: v.version })) }, 'features materialised');
  };
}

export interface PipelineHandle {
  readonly pipeline: Pipeline;
  /** The ML DAGs' parts (registry), null when pipeline.ml.enabled is false. */
  readonly ml: MlPipelineParts | null;
  stop(): Promise<void>;
}

/** Opens queue + backend and builds the pipeline (no worker, no schedules yet). */
export async function openPipeline(config: Readonly<PlatformConfig>, c: Partial<Pick<PlatformConnectors, 'warehouse' | 'eventLog' | 'pubSub' | 'onlineStore'>>, logger: Logger, metrics: Registry): Promise<PipelineHandle> {
  const queue = createTaskQueue(config, logger, metrics);
  await queue.start();
  let opened: OpenedBackend | null = null;
  let ml: MlPipelineParts | null = null;
  try {
    opened = await openModelBackend(config, logger, metrics);
    // the ML lifecycle DAGs (drift checks, retraining) unless pipeline.ml.enabled is false
    const pc = validateConfig(PipelineConfigSchema, config.pipeline, 'pipeline');
    ml = pc.ml.enabled ? await openMlPipeline(config, pc.ml, opened.lake, backendOfflineSource(opened.backend), logger, metrics) : null;
    const parts: PipelineParts = {
      queue, backend: opened.backend, logger: logger.child({ job: 'orchestrator' }), metrics,
      ...(c.warehouse ? { warehouse: c.warehouse } : {}), ...(c.eventLog ? { eventLog: c.eventLog } : {}), ...(c.pubSub ? { pubsub: c.pubSub } : {}),
      ...(opened.compactBronze ? { compactBronze: opened.compactBronze } : {}),
      // daily_etl's features task: materialize-incremental into the online store (marks in <dataDir>/features)
      ...(c.onlineStore ? { materializeFeatures: featureMaterializer(opened.backend, c.onlineStore, path.join(config.dataDir, 'features'), logger) } : {}),
    };
    const refresh = [...new Set([...pc.refreshOpenDate, ...(ml?.refreshDags ?? [])])];
    const pipeline = await createPipeline({ ...config.pipeline, refreshOpenDate: refresh }, { ...parts, ...(ml ? { ml: ml.deps } : {}) });
    const backend = opened;
    const mlParts = ml;
    return {
      pipeline,
      ml: mlParts,
      stop: async () => {
        await pipeline.stop();
        await mlParts?.close().catch((e: unknown) => logger.warn({ err: errorMessage(e) }, 'model registry close failed'));
        await queue.close();
        await backend.close().catch((e: unknown) => logger.warn({ err: errorMessage(e) }, 'model backend close failed'));
      },
    };
  } catch (e) {
    await ml?.close().catch(() => undefined);
    await queue.close().catch(() => undefined);
    await opened?.close().catch(() => undefined);
    throw e;
  }
}

/**
 * One pipeline per process (the orchestrator job and the lake subgraph share its queue and backend:
 * the local queue's state file and a DuckDB file must have one owner). Reference-counted.
 */
let shared: { handle: Promise<PipelineHandle>; refs: number } | null = null;

export async function acquirePipeline(config: Readonly<PlatformConfig>, c: Partial<Pick<PlatformConnectors, 'warehouse' | 'eventLog' | 'pubSub' | 'onlineStore'>>, logger: Logger, metrics: Registry): Promise<{ pipeline: Pipeline; release(): Promise<void> }> {
  if (!shared) {
    const handle = openPipeline(config, c, logger, metrics);
    shared = { handle, refs: 0 };
    handle.catch(() => {
      shared = null;
    });
  }
  const mine = shared;
  mine.refs++;
  const h = await mine.handle;
  let released = false;
  return {
    pipeline: h.pipeline,
    release: async () => {
      if (released) return;
      released = true;
      mine.refs--;
      if (mine.refs === 0) {
        if (shared === mine) shared = null;
        await h.stop();
      }
    },
  };
}

/** The `orchestrator` job: the shared pipeline, a worker in this process, and the schedules. */
export async function startOrchestratorJob(config: Readonly<PlatformConfig>, c: PlatformConnectors, logger: Logger, metrics: Registry): Promise<{ pipeline: Pipeline; stop(): Promise<void> }> {
  const { pipeline, release } = await acquirePipeline(config, c, logger, metrics);
  let labels: ConsumerHandle | null = null;
  try {
    const pc = validateConfig(PipelineConfigSchema, config.pipeline, 'pipeline');
    await pipeline.startWorker();
    if (pc.scheduler) pipeline.startScheduler();
    // fraud also retrains when enough new labels arrived (seed 000), with the scheduler
    const fraudDag = retrainDagId('fraud_score');
    if (pc.scheduler && pc.ml.enabled && pc.ml.retrainOnLabels > 0 && pipeline.orchestrator.dags().some((d) => d.id === fraudDag)) {
      labels = await retrainFraudOnNewLabels({ log: c.eventLog, orchestrator: pipeline.orchestrator, logger: logger.child({ job: 'ml' }), minLabels: pc.ml.retrainOnLabels, timezone: pipeline.orchestrator.dag(fraudDag).timezone });
    }
  } catch (e) {
    await pipeline.stop().catch(() => undefined);
    await release();
    throw e;
  }
  return {
    pipeline,
    stop: async () => {
      await labels?.stop();
      await pipeline.stop();
      await release();
    },
  };
}

/** The lake subgraph's view of the pipeline. */
export function lakeSubgraphApi(p: Pipeline): LakeSubgraphApi {
  const o = p.orchestrator;
  return {
    runs: (filter) => o.queue.runs(filter),
    dags: () => o.dags(),
    trigger: (dag, logicalDate, rerun) => o.trigger(dag, logicalDate ?? dateIn(o.dag(dag).timezone), rerun ? { rerun } : {}),
    tables: () => p.catalog.tables(),
    table: (name) => p.catalog.table(name),
    history: (name, limit) => p.catalog.history(name, limit),
    lineage: (table) => lineageOf(p.lineage(), table),
    qualityRuns: (table, last) => p.qualityRuns(table, last),
  };
}
