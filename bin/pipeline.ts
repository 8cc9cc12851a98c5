/**
 * Composition of the pipeline (orchestrator + SQL models): the TaskQueue connector of the profile
 * (`local` state file in the data dir; `pg-boss` on PG_URL in the services profile), the model
 * backend (the lake's Delta tables; plain DuckDB tables in `<dataDir>/pipeline-models.duckdb` when
 * the lake layer is not in this build), and the platform's warehouse, event log and pub-sub.
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
import { DuckDbModelBackend } from '../jobs/models-sql/duckdb-backend.ts';
import { LakeModelBackend, type LakeDeltaApi, type LakeTablesLike } from '../jobs/models-sql/lake-backend.ts';
import { createPipeline, PipelineConfigSchema, type Pipeline, type PipelineParts } from '../jobs/orchestrator/index.ts';
import type { LakeSubgraphApi } from '../subgraphs/lake/index.ts';
import { dateIn } from '../jobs/orchestrator/dag.ts';
import { lineageOf } from '../jobs/models-sql/lineage.ts';
import { validateConfig } from '../schema/config-validation.ts';
import { errorMessage } from '../schema/errors.ts';
import type { PlatformConfig } from './config.ts';
import { connectorRegistry, type PlatformConnectors } from './connectors.ts';
import type { Connector } from '../connectors/contracts/connector.ts';
import type { OnlineStore } from '../connectors/contracts/online-store.ts';
import { materializeForDate } from '../jobs/features/materialize.ts';
import { backendOfflineSource } from '../jobs/features/offline/index.ts';

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

type TableLike = ReturnType<LakeTablesLike['table']> & { vacuum(o?: object): Promise<unknown> };
interface VacuumLake extends LakeTablesLike {
  table(name: string): TableLike;
}

interface LakeModules {
  readonly delta: LakeDeltaApi<VacuumLake> & {
    openLake(store: unknown, o: { scratchDir: string; logger: Logger }): VacuumLake;
    /** Delta OPTIMIZE of some partitions, and vacuum of every table (docs/decisions/0010). */
    compactTable?(lake: VacuumLake, name: string, o: { partitions: readonly Record<string, string>[] }): Promise<unknown>;
    vacuumLake?(lake: VacuumLake, o?: { tables?: readonly string[] }): Promise<unknown>;
  };
}

// The lake layer (issue 8 §1-2, another change set) is loaded by path so this file builds without it.
const LAKE_DELTA = '../jobs/lake/delta/index.ts';

async function loadLake(): Promise<LakeModules | null> {
  try {
    const delta = (await import(LAKE_DELTA)) as LakeModules['delta'];
    return typeof delta.commitQuery === 'function' && typeof delta.openLake === 'function' ? { delta } : null;
  } catch {
    return null;
  }
}

export interface OpenedBackend {
  readonly backend: ModelBackend & LakeCatalog;
  readonly compactBronze?: (logicalDate: string) => Promise<void>;
  readonly kind: 'lake' | 'duckdb';
  close(): Promise<void>;
}

export async function openModelBackend(config: Readonly<PlatformConfig>, logger: Logger, metrics: Registry): Promise<OpenedBackend> {
  const lakeModules = await loadLake();
  // the platform's lakeStore connector config (local dir embedded, S3 in the services profile); an
  // instance of our own, so the bronze job closing its store does not close ours
  const storeConfig = (config.connectors as Record<string, unknown>).lakeStore as ({ kind: string } & Json) | undefined;
  if (lakeModules && storeConfig) {
    const store = connectorRegistry().create<Connector>('lakeStore', storeConfig, { logger: logger.child({ connector: 'lakeStore' }), metrics }, 'connectors.lakeStore');
    await store.start();
    const lake = lakeModules.delta.openLake(store, { scratchDir: path.join(config.dataDir, 'lake-scratch', 'pipeline'), logger });
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const backend = new LakeModelBackend({ lake, api: lakeModules.delta, conn });
    return {
      kind: 'lake',
      backend,
      // daily_etl's bronze_compaction: OPTIMIZE the date's bronze partitions, then vacuum
      compactBronze: async (date) => {
        const { compactTable, vacuumLake } = lakeModules.delta;
        const bronze = (await lake.list()).filter((n) => n.startsWith('bronze.'));
        for (const name of bronze) {
          if (compactTable) await compactTable(lake, name, { partitions: [{ ingest_date: date }] });
        }
        if (vacuumLake) await vacuumLake(lake, { tables: bronze });
        else for (const name of bronze) await lake.table(name).vacuum();
      },
      close: async () => {
        conn.closeSync();
        await store.close();
      },
    };
  }
  logger.warn('the lake layer (jobs/lake/delta, connectors.lakeStore) is not in this build: SQL models run on plain DuckDB tables');
  const db = await DuckDBInstance.create(path.join(config.dataDir, 'pipeline-models.duckdb'));
  const conn = await db.connect();
  return { kind: 'duckdb', backend: new DuckDbModelBackend(conn), close: async () => conn.closeSync() };
}

function featureMaterializer(backend: ModelBackend & LakeCatalog, store: OnlineStore, stateDir: string, logger: Logger): (logicalDate: string) => Promise<void> {
  return async (date) => {
    const views = await materializeForDate({ source: backendOfflineSource(backend), store, stateDir, logger: logger.child({ job: 'features-materialize' }) }, date);
    logger.info({ logicalDate: date, views: views.map((v) => ({ view: v.view, written: v.written, version: v.version })) }, 'features materialised');
  };
}

export interface PipelineHandle {
  readonly pipeline: Pipeline;
  stop(): Promise<void>;
}

/** Opens queue + backend and builds the pipeline (no worker, no schedules yet). */
export async function openPipeline(config: Readonly<PlatformConfig>, c: Partial<Pick<PlatformConnectors, 'warehouse' | 'eventLog' | 'pubSub' | 'onlineStore'>>, logger: Logger, metrics: Registry): Promise<PipelineHandle> {
  const queue = createTaskQueue(config, logger, metrics);
  await queue.start();
  let opened: OpenedBackend | null = null;
  try {
    opened = await openModelBackend(config, logger, metrics);
    const parts: PipelineParts = {
      queue, backend: opened.backend, logger: logger.child({ job: 'orchestrator' }), metrics,
      ...(c.warehouse ? { warehouse: c.warehouse } : {}), ...(c.eventLog ? { eventLog: c.eventLog } : {}), ...(c.pubSub ? { pubsub: c.pubSub } : {}),
      ...(opened.compactBronze ? { compactBronze: opened.compactBronze } : {}),
      // daily_etl's features task: materialize-incremental into the online store (marks in <dataDir>/features)
      ...(c.onlineStore ? { materializeFeatures: featureMaterializer(opened.backend, c.onlineStore, path.join(config.dataDir, 'features'), logger) } : {}),
    };
    const pipeline = await createPipeline(config.pipeline, parts);
    const backend = opened;
    return {
      pipeline,
      stop: async () => {
        await pipeline.stop();
        await queue.close();
        await backend.close().catch((e: unknown) => logger.warn({ err: errorMessage(e) }, 'model backend close failed'));
      },
    };
  } catch (e) {
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
  try {
    const pc = validateConfig(PipelineConfigSchema, config.pipeline, 'pipeline');
    await pipeline.startWorker();
    if (pc.scheduler) pipeline.startScheduler();
  } catch (e) {
    await release();
    throw e;
  }
  return {
    pipeline,
    stop: async () => {
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
