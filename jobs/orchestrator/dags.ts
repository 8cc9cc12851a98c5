/**
 * The platform's DAGs. `daily_etl` (seed 000's daily ETL): validate -> bronze compaction -> silver ->
 * gold -> tests -> publish marts -> features (materialize-incremental of the feature store, when configured).
 * `warehouse_marts` every 6 hours (seed 001's dbt marts -> warehouse): gold -> tests -> publish.
 * `retrain_models`: the slot for the retraining DAGs (seed 000: features -> train -> test -> deploy),
 * placeholders until the training issue fills them in. Add a DAG: a DagSpec here (or passed in
 * `extraDags`), tasks from `task()` with their upstreams.
 */
import type { Logger } from 'pino';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { NonRetryableTaskError } from '../../connectors/contracts/task-queue.ts';
import { GOLD_MARTS, MART_TABLES } from '../../schema/lake/gold-marts.ts';
import type { ModelBackend } from '../models-sql/backend.ts';
import type { ModelProject } from '../models-sql/project.ts';
import { buildModels, type ModelResult, type PipelineAlert } from '../models-sql/runner.ts';
import type { AlertSink } from './alerts.ts';
import { noopTask, task, type DagSpec, type TaskContext } from './dag.ts';
import { mlDags, type MlDagDeps } from './ml-dags.ts';

export interface PipelineDeps {
  readonly project: ModelProject;
  readonly backend: ModelBackend;
  readonly alerts: AlertSink;
  readonly logger: Logger;
  /** Where the marts are published; absent: the publish task fails (it is never silently skipped). */
  readonly warehouse?: Warehouse;
  /** Bronze maintenance for a date (compaction / vacuum of the lake layer); absent: a declared no-op. */
  readonly compactBronze?: (logicalDate: string) => Promise<void>;
  /** The feature store's materialisation for a date (jobs/features/materialize.ts); absent: a declared no-op. */
  readonly materializeFeatures?: (logicalDate: string) => Promise<void>;
  readonly now?: () => number;
  /** The ML lifecycle DAGs (ml-dags.ts: drift checks, retraining); absent: the `retrain_models` placeholder. */
  readonly ml?: MlDagDeps;
}

const DOMAIN_SOURCES = ['booking_events', 'driver_events', 'payment_events', 'pricing_events', 'booking_saga'];

function raiseFrom(deps: PipelineDeps, ctx: TaskContext): (a: PipelineAlert) => Promise<void> {
  return async (a) => {
    await deps.alerts.raise({ severity: a.severity, kind: 'quality', dag: ctx.dag, task: ctx.task, source: a.source, logicalDate: a.logicalDate, message: a.message });
  };
}

/** A model that failed its tests stops the DAG (no retry helps); one that threw is retried. */
function gate(results: readonly ModelResult[]): void {
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length === 0) return;
  const message = failed.map((r) => `${r.model}: ${r.error ?? 'failed'}`).join('; ');
  if (failed.every((r) => r.tests.some((t) => t.status === 'error'))) throw new NonRetryableTaskError(`quality gate: ${message}`);
  throw new Error(message);
}

function buildTask(deps: PipelineDeps, select: readonly string[], testOnly = false): (ctx: TaskContext) => Promise<void> {
  return async (ctx) => {
    const results = await buildModels({ project: deps.project, backend: deps.backend, logicalDate: ctx.logicalDate, select, testOnly, onAlert: raiseFrom(deps, ctx), ...(deps.now ? { now: deps.now } : {}) });
    deps.logger.info({ dag: ctx.dag, task: ctx.task, logicalDate: ctx.logicalDate, models: results.map((r) => ({ model: r.model, status: r.status, rows: r.rows })) }, `${ctx.task}: ${results.length} model(s)`);
    gate(results);
  };
}

async function validate(deps: PipelineDeps, ctx: TaskContext): Promise<void> {
  const tables = DOMAIN_SOURCES.map((s) => deps.project.resolveSource('bronze', s));
  const present: string[] = [];
  for (const t of tables) if (await deps.backend.exists(t)) present.push(t);
  if (present.length === 0) throw new Error(`no bronze table exists yet (${tables.join(', ')}): the bronze job has not written anything`);
  let rows = 0;
  for (const t of present) {
    const rel = await deps.backend.relation(t);
    const [r] = await deps.backend.query(`SELECT count(*) AS n FROM ${rel} AS b WHERE b.ingest_date = DATE '${ctx.logicalDate}'`);
    rows += Number(r?.n ?? 0);
  }
  if (rows === 0) await deps.alerts.raise({ severity: 'warn', kind: 'quality', dag: ctx.dag, task: ctx.task, source: 'bronze', logicalDate: ctx.logicalDate, message: `no bronze record ingested on ${ctx.logicalDate}` });
  deps.logger.info({ logicalDate: ctx.logicalDate, rows, tables: present.length }, 'validate: bronze present');
}

async function publishMarts(deps: PipelineDeps, ctx: TaskContext): Promise<void> {
  const wh = deps.warehouse;
  if (!wh) throw new NonRetryableTaskError('publish_marts: no warehouse configured');
  await wh.ensureTables(MART_TABLES);
  for (const m of GOLD_MARTS) {
    const rel = await deps.backend.relation(m.model);
    const cols = m.table.columns.map((c) => {
      const t = c.type === 'string' ? 'VARCHAR' : c.type === 'int64' ? 'BIGINT' : c.type === 'float64' ? 'DOUBLE' : c.type === 'bool' ? 'BOOLEAN' : 'DATE';
      return `CAST("${c.name}" AS ${t}) AS "${c.name}"`;
    });
    const rows = await deps.backend.query(`SELECT ${cols.join(', ')} FROM ${rel} AS g WHERE g.metric_date = DATE '${ctx.logicalDate}'`);
    await wh.replacePartition(m.table.name, ctx.logicalDate, rows);
  }
  deps.logger.info({ logicalDate: ctx.logicalDate, marts: GOLD_MARTS.length }, 'marts published');
}

export function platformDags(deps: PipelineDeps): DagSpec[] {
  const compaction = deps.compactBronze
    ? task('bronze_compaction', ['validate'], 'compact / vacuum bronze files', async (ctx) => (deps.compactBronze as (d: string) => Promise<void>)(ctx.logicalDate))
    : noopTask('bronze_compaction', ['validate'], 'placeholder: the lake layer has no compaction hook configured');
  const features = deps.materializeFeatures
    ? task('features', ['publish_marts'], 'feature store: materialize-incremental of the online feature views', async (ctx) => (deps.materializeFeatures as (d: string) => Promise<void>)(ctx.logicalDate))
    : noopTask('features', ['publish_marts'], 'placeholder: no feature store configured (materializeFeatures)');
  return [
    {
      id: 'daily_etl',
      description: 'validate -> bronze compaction -> silver -> gold -> tests -> publish marts -> features',
      schedule: '15 0 * * *',
      timezone: 'UTC',
      slaMs: 2 * 60 * 60_000,
      maxActiveRuns: 1,
      tasks: [
        task('validate', [], 'bronze is there for the date', (ctx) => validate(deps, ctx), { retries: 3 }),
        compaction,
        task('silver', ['bronze_compaction'], 'silver models and their tests', buildTask(deps, ['silver'])),
        task('gold', ['silver'], 'gold marts and their tests', buildTask(deps, ['gold'])),
        task('tests', ['gold'], 'the gold tests again on the committed snapshots: the gate before publishing', buildTask(deps, ['gold'], true), { retries: 0 }),
        task('publish_marts', ['tests'], 'gold marts to the warehouse by partition replace', (ctx) => publishMarts(deps, ctx)),
        features,
      ],
    },
    {
      id: 'warehouse_marts',
      description: 'gold marts rebuilt and published to the warehouse every 6 hours (seed 001)',
      schedule: '0 */6 * * *',
      timezone: 'UTC',
      slaMs: 30 * 60_000,
      maxActiveRuns: 1,
      tasks: [
        task('gold', [], 'gold marts and their tests', buildTask(deps, ['gold'])),
        task('publish_marts', ['gold'], 'gold marts to the warehouse by partition replace', (ctx) => publishMarts(deps, ctx)),
      ],
    },
    ...(deps.ml ? mlDags(deps.ml) : [{
      id: 'retrain_models',
      description: 'placeholder for the retraining DAGs: features -> train -> evaluate -> deploy if better',
      schedule: null,
      timezone: 'UTC',
      slaMs: null,
      maxActiveRuns: 1,
      tasks: [
        noopTask('features', [], 'placeholder: training features (ML issue)'),
        noopTask('train', ['features'], 'placeholder: train the candidate model (ML issue)'),
        noopTask('evaluate', ['train'], 'placeholder: evaluate against the gate (ML issue)'),
        noopTask('deploy', ['evaluate'], 'placeholder: promote if it passed (ML issue)'),
      ],
    }]),
  ];
}
