/**
 * The ML lifecycle DAGs (issue 9 section 4; seed 000: features -> train -> test -> deploy):
 *
 * - `drift_check_<model>` daily for every model: drift_check (the champion's reference vs the
 *   day's window, report in `ml.drift_reports`, `drift` alert on dataset drift), then retrain ->
 *   validate -> gate -> register -> canary, which act only when that check found dataset drift.
 * - `retrain_<model>` on the seeds' cadence: surge daily, demand weekly, fraud hourly (and on new
 *   labels: `retrainOnNewLabels`); credit has none, it retrains on drift only.
 *
 * The trainer (jobs/training) and the training sets come in as dependencies, so the DAGs run with
 * any trainer (the tests use a tiny fake one).
 */
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { ModelVersionRegistry } from '../../connectors/contracts/model-version-registry.ts';
import { createMemoryCandidateStore, type CandidateStore } from '../drift/candidate-store.ts';
import { runDriftCheck, type CurrentWindowSource } from '../drift/drift-check.ts';
import type { DriftOptions } from '../drift/detector.ts';
import { readDriftRuns } from '../drift/drift-reports-table.ts';
import { canaryCandidate, gateCandidate, registerCandidate, retrainCandidate, validateCandidate, type RetrainDeps, type Trainer, type TrainingData } from '../drift/retraining.ts';
import type { LakeTables } from '../lake/delta/index.ts';
import type { ModelGate } from '../../schema/model-gates.ts';
import type { AlertSink } from './alerts.ts';
import { dateIn, task, type DagSpec, type TaskContext, type TaskSpec } from './dag.ts';
import type { Orchestrator } from './engine.ts';

export interface MlModelSchedule {
  readonly model: string;
  /** Cron of the scheduled retraining, or null: retrained on drift only. */
  readonly retrain: string | null;
  readonly cadence: string;
}

/** Seed 000's cadence: surge daily, demand weekly, fraud often (hourly) and on new labels, credit on drift (seed 003). */
export const ML_MODELS: readonly MlModelSchedule[] = [
  { model: 'surge_multiplier', retrain: '30 1 * * *', cadence: 'daily' },
  { model: 'demand_forecast', retrain: '30 2 * * 1', cadence: 'weekly (Mondays)' },
  { model: 'fraud_score', retrain: '15 * * * *', cadence: 'hourly and on new labels' },
  { model: 'credit_default', retrain: null, cadence: 'on drift' },
];

/** Drift checks run daily after the ETL (daily_etl at 00:15 UTC). */
export const DRIFT_CHECK_SCHEDULE = '0 3 * * *';

export interface MlDagDeps {
  readonly registry: ModelVersionRegistry;
  readonly lake: LakeTables;
  readonly alerts: AlertSink;
  readonly logger: Logger;
  readonly trainer: Trainer;
  readonly data: TrainingData;
  readonly windows: CurrentWindowSource;
  readonly candidates?: CandidateStore;
  readonly models?: readonly MlModelSchedule[];
  readonly drift?: Omit<DriftOptions, 'kinds' | 'predictionColumn'>;
  readonly gates?: Readonly<Record<string, ModelGate>>;
  /** A retraining on fewer rows does nothing (RetrainDeps.minRows). */
  readonly minTrainingRows?: number;
  readonly timezone?: string;
  readonly now?: () => number;
  /** The drift gauges' registry (the process's /metrics). */
  readonly metrics?: Registry;
}

export const driftDagId = (model: string): string => `drift_check_${model}`;
export const retrainDagId = (model: string): string => `retrain_${model}`;

const key = (ctx: TaskContext) => ({ dag: ctx.dag, task: ctx.task, logicalDate: ctx.logicalDate });

function retrainChain(r: RetrainDeps, model: string, first: TaskSpec): TaskSpec[] {
  return [
    first,
    task('validate', [first.id], 'the candidate is servable: model.onnx, reference.json, finite metrics, the champion\'s features', (ctx) => validateCandidate(r, key(ctx)), { retries: 0 }),
    task('gate', ['validate'], 'the model\'s deployment gate on the candidate\'s test metrics', (ctx) => gateCandidate(r, key(ctx)), { retries: 0 }),
    task('register', ['gate'], 'a new registry version', async (ctx) => void (await registerCandidate(r, key(ctx)))),
    task('canary', ['register'], `alias challenger on it: serving sends it canary traffic (${model})`, async (ctx) => void (await canaryCandidate(r, key(ctx)))),
  ];
}

export function mlDags(deps: MlDagDeps): DagSpec[] {
  const candidates = deps.candidates ?? createMemoryCandidateStore();
  const r: RetrainDeps = { registry: deps.registry, trainer: deps.trainer, data: deps.data, candidates, alerts: deps.alerts, logger: deps.logger, ...(deps.gates ? { gates: deps.gates } : {}), ...(deps.minTrainingRows ? { minRows: deps.minTrainingRows } : {}) };
  const timezone = deps.timezone ?? 'UTC';
  const dags: DagSpec[] = [];
  for (const m of deps.models ?? ML_MODELS) {
    const check = task('drift_check', [], `drift of ${m.model}'s current window against its champion's reference`, async (ctx) => {
      await runDriftCheck({ registry: deps.registry, lake: deps.lake, alerts: deps.alerts, windows: deps.windows, logger: deps.logger, ...(deps.drift ? { options: deps.drift } : {}), ...(deps.now ? { now: deps.now } : {}), ...(deps.metrics ? { metrics: deps.metrics } : {}) }, m.model, ctx.logicalDate, ctx);
    });
    const retrainOnDrift = task('retrain', ['drift_check'], `retrain ${m.model} when the check found dataset drift`, async (ctx) => {
      const conn = await deps.lake.connection();
      const run = (await readDriftRuns(deps.lake, conn, m.model, 20)).find((x) => x.logicalDate === ctx.logicalDate);
      if (!run?.datasetDrift) return void deps.logger.info({ model: m.model, logicalDate: ctx.logicalDate }, 'no dataset drift: not retraining');
      await retrainCandidate(r, m.model, key(ctx), 'drift');
    }, { retries: 1, timeoutMs: 60 * 60_000 });
    dags.push({
      id: driftDagId(m.model),
      description: `daily drift check of ${m.model}; on dataset drift: retrain -> validate -> gate -> register -> canary`,
      schedule: DRIFT_CHECK_SCHEDULE,
      timezone,
      slaMs: 2 * 60 * 60_000,
      maxActiveRuns: 1,
      tasks: [check, ...retrainChain(r, m.model, retrainOnDrift)],
    });
    if (m.retrain) {
      const retrain = task('retrain', [], `retrain ${m.model} (${m.cadence})`, (ctx) => retrainCandidate(r, m.model, key(ctx), 'schedule'), { retries: 1, timeoutMs: 60 * 60_000 });
      dags.push({
        id: retrainDagId(m.model),
        description: `scheduled retraining of ${m.model}, ${m.cadence}: retrain -> validate -> gate -> register -> canary`,
        schedule: m.retrain,
        timezone,
        slaMs: 2 * 60 * 60_000,
        maxActiveRuns: 1,
        tasks: retrainChain(r, m.model, retrain),
      });
    }
  }
  return dags;
}

/**
 * Fraud retrains on new labels too: call the returned function with the count of each batch of
 * fraud labels that arrives; at `minLabels` since the last retraining it runs today's
 * `retrain_fraud_score` again (Airflow's clear of the day's run) and resets the count.
 */
export function retrainOnNewLabels(o: { readonly orchestrator: Pick<Orchestrator, 'trigger'>; readonly model?: string; readonly minLabels?: number; readonly timezone?: string; readonly now?: () => number }): (labels: number) => Promise<boolean> {
  let pending = 0;
  const dag = retrainDagId(o.model ?? 'fraud_score');
  return async (labels) => {
    pending += labels;
    if (pending < (o.minLabels ?? 500)) return false;
    pending = 0;
    await o.orchestrator.trigger(dag, dateIn(o.timezone ?? 'UTC', new Date((o.now ?? Date.now)())), { rerun: 'finished' });
    return true;
  };
}
