/**
 * The retraining chain as DAG tasks: retrain -> validate -> gate -> register -> canary.
 *
 * - retrain: the training set of the logical date, the trainer (jobs/training, injected), the
 *   reference profile added when the trainer did not add one; kept in the CandidateStore.
 * - validate: the candidate is servable: model.onnx and a readable reference.json, finite metrics,
 *   the champion's feature order (serving feeds vectors in that order).
 * - gate: the model's deployment gate (schema/model-gates.ts) on its test metrics and baselines;
 *   a failure stops the run (NonRetryableTaskError) and raises an alert.
 * - register: a new registry version tagged with its trigger and run (a retried task finds it).
 * - canary: alias `challenger` on it (stage Staging); serving splits canary traffic by alias, and
 *   promotion to `champion` stays a decision (`promoteModel`).
 *
 * A run with nothing to do (a drift check that found no drift) has no candidate: every later task
 * sees none and succeeds doing nothing, and says so.
 */
import type { Logger } from 'pino';
import type { ModelVersionRegistry, NewModelVersion } from '../../connectors/contracts/model-version-registry.ts';
import { NonRetryableTaskError } from '../../connectors/contracts/task-queue.ts';
import { checkGate, MODEL_GATES, type ModelGate } from '../../schema/model-gates.ts';
import type { Dataset } from '../training/datasets/dataset.ts';
import type { AlertSink } from '../orchestrator/alerts.ts';
import type { CandidateStore } from './candidate-store.ts';
import { buildReferenceProfile, decodeReferenceProfile, REFERENCE_ARTIFACT, withReferenceProfile } from './reference-profile.ts';

/** What helper `learners` provides (jobs/training): the best candidate of a model trained on a set. */
export interface Trainer {
  train(model: string, dataset: Dataset): Promise<NewModelVersion> | NewModelVersion;
}

/** The training set of a model as of a logical date (point-in-time retrieval from the lake, or a synthetic set). */
export interface TrainingData {
  dataset(model: string, logicalDate: string): Promise<Dataset>;
}

export interface RetrainDeps {
  readonly registry: ModelVersionRegistry;
  readonly trainer: Trainer;
  readonly data: TrainingData;
  readonly candidates: CandidateStore;
  readonly alerts: AlertSink;
  readonly logger: Logger;
  readonly gates?: Readonly<Record<string, ModelGate>>;
  /** A training set with fewer rows is not trained on: the run has no candidate (and says so). */
  readonly minRows?: number;
}

export interface RunKey {
  readonly dag: string;
  readonly task: string;
  readonly logicalDate: string;
}

export const CHALLENGER = 'challenger';

export async function retrainCandidate(deps: RetrainDeps, model: string, key: RunKey, reason: string): Promise<void> {
  const dataset = await deps.data.dataset(model, key.logicalDate);
  if (dataset.x.length < (deps.minRows ?? 1)) {
    deps.logger.warn({ model, dag: key.dag, logicalDate: key.logicalDate, rows: dataset.x.length, minRows: deps.minRows ?? 1 }, 'too few training rows: not retraining');
    return;
  }
  const trained = await deps.trainer.train(model, dataset);
  if (trained.name !== model) throw new NonRetryableTaskError(`trainer returned model ${trained.name} for ${model}`);
  const withRef = trained.artifacts[REFERENCE_ARTIFACT] ? trained : withReferenceProfile(trained, buildReferenceProfile(dataset, { model }));
  const version: NewModelVersion = { ...withRef, tags: { ...withRef.tags, trigger: reason, retrain_run: `${key.dag}/${key.logicalDate}`, logical_date: key.logicalDate } };
  await deps.candidates.put(key.dag, key.logicalDate, { model, reason, version });
  deps.logger.info({ model, dag: key.dag, logicalDate: key.logicalDate, reason, rows: dataset.x.length, metrics: trained.metrics }, 'candidate trained');
}

const finiteMetrics = (m: Readonly<Record<string, number>>): boolean => Object.keys(m).length > 0 && Object.values(m).every((v) => Number.isFinite(v));

export async function validateCandidate(deps: RetrainDeps, key: RunKey): Promise<void> {
  const c = await deps.candidates.get(key.dag, key.logicalDate);
  if (!c) return void deps.logger.info({ dag: key.dag, logicalDate: key.logicalDate }, 'validate: no candidate in this run');
  const v = c.version;
  const problems: string[] = [];
  if (!v.artifacts['model.onnx']?.byteLength) problems.push('no model.onnx artifact');
  const ref = v.artifacts[REFERENCE_ARTIFACT];
  if (!ref) problems.push(`no ${REFERENCE_ARTIFACT} artifact`);
  else {
    try {
      const p = decodeReferenceProfile(ref);
      const names = p.columns.map((col) => col.name);
      if (names.join(',') !== v.featureNames.join(',')) problems.push(`${REFERENCE_ARTIFACT} columns (${names.join(', ')}) are not the features (${v.featureNames.join(', ')})`);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (!finiteMetrics(v.metrics)) problems.push('test metrics are missing or not finite');
  const champion = await deps.registry.byAlias(c.model, 'champion');
  if (champion && champion.featureNames.join(',') !== v.featureNames.join(',')) problems.push(`features (${v.featureNames.join(', ')}) differ from the champion's (${champion.featureNames.join(', ')})`);
  if (problems.length) {
    await deps.alerts.raise({ severity: 'error', kind: 'retrain', dag: key.dag, task: key.task, source: c.model, logicalDate: key.logicalDate, message: `candidate of ${c.model} is invalid: ${problems.join('; ')}` });
    throw new NonRetryableTaskError(`candidate of ${c.model} is invalid: ${problems.join('; ')}`);
  }
  await deps.candidates.put(key.dag, key.logicalDate, { ...c, validated: true });
}

export async function gateCandidate(deps: RetrainDeps, key: RunKey): Promise<void> {
  const c = await deps.candidates.get(key.dag, key.logicalDate);
  if (!c) return void deps.logger.info({ dag: key.dag, logicalDate: key.logicalDate }, 'gate: no candidate in this run');
  if (!c.validated) throw new NonRetryableTaskError(`candidate of ${c.model} was not validated`);
  const g = checkGate(c.model, { ...c.version.baselines, ...c.version.metrics }, deps.gates ?? MODEL_GATES);
  await deps.candidates.put(key.dag, key.logicalDate, { ...c, gatePassed: g.passed, gateFailures: g.failures });
  if (!g.passed) {
    await deps.alerts.raise({ severity: 'error', kind: 'retrain', dag: key.dag, task: key.task, source: c.model, logicalDate: key.logicalDate, message: `retrained ${c.model} fails its gate, not registered: ${g.failures.join('; ')}` });
    throw new NonRetryableTaskError(`candidate of ${c.model} fails its gate: ${g.failures.join('; ')}`);
  }
}

export async function registerCandidate(deps: RetrainDeps, key: RunKey): Promise<string | null> {
  const c = await deps.candidates.get(key.dag, key.logicalDate);
  if (!c) {
    deps.logger.info({ dag: key.dag, logicalDate: key.logicalDate }, 'register: no candidate in this run');
    return null;
  }
  if (c.gatePassed !== true) throw new NonRetryableTaskError(`candidate of ${c.model} has not passed its gate`);
  if (c.registeredVersion) return c.registeredVersion;
  const run = c.version.tags?.retrain_run;
  const existing = (await deps.registry.versions(c.model)).find((v) => run !== undefined && v.tags?.retrain_run === run);
  const info = existing ?? (await deps.registry.createVersion(c.version));
  await deps.candidates.put(key.dag, key.logicalDate, { ...c, registeredVersion: info.version });
  deps.logger.info({ model: c.model, version: info.version, reason: c.reason }, 'candidate registered');
  return info.version;
}

export async function canaryCandidate(deps: RetrainDeps, key: RunKey): Promise<string | null> {
  const c = await deps.candidates.get(key.dag, key.logicalDate);
  if (!c) {
    deps.logger.info({ dag: key.dag, logicalDate: key.logicalDate }, 'canary: no candidate in this run');
    return null;
  }
  const version = c.registeredVersion;
  if (!version) throw new NonRetryableTaskError(`candidate of ${c.model} is not registered`);
  await deps.registry.setAlias(c.model, CHALLENGER, version);
  await deps.registry.setStage(c.model, version, 'Staging');
  deps.logger.info({ model: c.model, version }, `version ${version} is the ${CHALLENGER}: serving sends it canary traffic`);
  return version;
}
