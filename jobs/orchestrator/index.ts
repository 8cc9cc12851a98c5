/**
 * The orchestrator as a platform job: loads the SQL model project, builds the DAGs over the given
 * TaskQueue and model backend, takes tasks (a worker) and runs the cron schedules. The same parts
 * serve the CLI (`gofuture pipeline ...`) and the GraphQL reads (runs, tables, lineage, quality).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import type { TaskQueue } from '../../connectors/contracts/task-queue.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { validateConfig } from '../../schema/config-validation.ts';
import { GOLD_MARTS } from '../../schema/lake/gold-marts.ts';
import type { ModelBackend, ResultRow } from '../models-sql/backend.ts';
import type { LakeCatalog } from '../models-sql/catalog.ts';
import { buildLineage, type LineageGraph } from '../models-sql/lineage.ts';
import { loadProject, type ModelProject } from '../models-sql/project.ts';
import { QUALITY_RUNS_TABLE } from '../models-sql/runner.ts';
import { createAlertSink, type AlertSink } from './alerts.ts';
import type { DagSpec } from './dag.ts';
import { platformDags } from './dags.ts';
import { MlConfigSchema } from './ml-config.ts';
import type { MlDagDeps } from './ml-dags.ts';
import { Orchestrator } from './engine.ts';
import { startScheduler, type Scheduler } from './scheduler.ts';

export { Orchestrator } from './engine.ts';
export { backfill } from './backfill.ts';

export const PipelineConfigSchema = z.object({
  /** The SQL model project (sources.yml, <layer>/*.sql, <layer>/schema.yml). */
  modelsDir: z.string().min(1).default('lake/models'),
  /** Tasks this process runs at once. */
  workerConcurrency: z.number().int().min(1).max(64).default(2),
  /** Run the cron schedules in this process. */
  scheduler: z.boolean().default(true),
  /** Cron overrides by DAG id (e.g. a short one for `npm start`). */
  schedules: z.record(z.string(), z.string()).default({}),
  /** DAGs triggered once at start (besides their schedule). */
  runAtStart: z.array(z.string()).default([]),
  /** DAGs whose finished run of the current date runs again on each tick (demo refresh). */
  refreshOpenDate: z.array(z.string()).default([]),
  /** The ML lifecycle DAGs (drift checks, retraining; ml-dags.ts), built by the composition root. */
  ml: MlConfigSchema.prefault({}),
}).strict();

export type PipelineConfig = z.output<typeof PipelineConfigSchema>;

export interface PipelineParts {
  readonly queue: TaskQueue;
  readonly backend: ModelBackend & LakeCatalog;
  readonly warehouse?: Warehouse;
  readonly eventLog?: EventLog;
  readonly pubsub?: PubSub;
  readonly compactBronze?: (logicalDate: string) => Promise<void>;
  readonly materializeFeatures?: (logicalDate: string) => Promise<void>;
  /** The ML DAGs' dependencies (they get the pipeline's alert sink); absent: the `retrain_models` placeholder. */
  readonly ml?: Omit<MlDagDeps, 'alerts'>;
  readonly logger: Logger;
  readonly metrics: Registry;
}

export interface Pipeline {
  readonly orchestrator: Orchestrator;
  readonly project: ModelProject;
  readonly catalog: LakeCatalog;
  readonly alerts: AlertSink;
  lineage(): LineageGraph;
  qualityRuns(table: string | null, last: number): Promise<ResultRow[]>;
  /** Takes tasks in this process. */
  startWorker(): Promise<void>;
  startScheduler(): Scheduler;
  stop(): Promise<void>;
}

export async function createPipeline(rawConfig: unknown, parts: PipelineParts, extraDags: readonly DagSpec[] = []): Promise<Pipeline> {
  const config = validateConfig(PipelineConfigSchema, rawConfig ?? {}, 'pipeline');
  const project = await loadProject(config.modelsDir);
  const alerts = createAlertSink({ ...(parts.eventLog ? { log: parts.eventLog } : {}), ...(parts.pubsub ? { pubsub: parts.pubsub } : {}), metrics: parts.metrics, logger: parts.logger });
  const dags = [...platformDags({ project, backend: parts.backend, alerts, logger: parts.logger, ...(parts.warehouse ? { warehouse: parts.warehouse } : {}), ...(parts.compactBronze ? { compactBronze: parts.compactBronze } : {}), ...(parts.materializeFeatures ? { materializeFeatures: parts.materializeFeatures } : {}), ...(parts.ml ? { ml: { ...parts.ml, alerts } } : {}) }), ...extraDags];
  const orchestrator = new Orchestrator({ queue: parts.queue, dags, alerts, logger: parts.logger });
  let scheduler: Scheduler | null = null;
  const published = GOLD_MARTS.map((m) => ({ from: m.model, to: `warehouse.${m.table.name}`, kind: 'published' as const }));
  return {
    orchestrator,
    project,
    catalog: parts.backend,
    alerts,
    lineage: () => buildLineage(project, published),
    qualityRuns: async (table, last) => {
      if (!(await parts.backend.exists(QUALITY_RUNS_TABLE))) return [];
      const rel = await parts.backend.relation(QUALITY_RUNS_TABLE);
      const where = table ? `WHERE q.model = '${table.replace(/'/g, "''")}'` : '';
      return parts.backend.query(`SELECT * FROM ${rel} AS q ${where} ORDER BY checked_at DESC, model, test LIMIT ${Math.max(1, Math.min(1000, Math.floor(last)))}`);
    },
    startWorker: () => orchestrator.startWorker(config.workerConcurrency),
    startScheduler: () => {
      scheduler ??= startScheduler({ orchestrator, alerts, logger: parts.logger, schedules: config.schedules, runAtStart: config.runAtStart, refreshOpenDate: config.refreshOpenDate });
      return scheduler;
    },
    stop: async () => {
      if (scheduler) await scheduler.stop();
      await orchestrator.stop();
    },
  };
}

/** The `orchestrator` job of `gofuture start` / `gofuture run orchestrator`: worker + schedules. */
export async function startPipelineJob(rawConfig: unknown, parts: PipelineParts): Promise<Pipeline> {
  const pipeline = await createPipeline(rawConfig, parts);
  const config = validateConfig(PipelineConfigSchema, rawConfig ?? {}, 'pipeline');
  await pipeline.startWorker();
  if (config.scheduler) pipeline.startScheduler();
  return pipeline;
}
