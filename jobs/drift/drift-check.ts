/**
 * One drift check of a model (the `drift_check` task): the champion's reference profile against the
 * current window of the logical date, the report appended to `ml.drift_reports`, and an alert of
 * kind `drift` when the dataset drifts (or, as a warning, when only the predictions drift).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { gaugeOf } from '../../connectors/support/metrics.ts';
import { METRICS } from '../../schema/operations/metric-names.ts';
import type { ModelVersionRegistry } from '../../connectors/contracts/model-version-registry.ts';
import type { LakeTables } from '../lake/delta/index.ts';
import type { AlertSink } from '../orchestrator/alerts.ts';
import { detectDrift, type DriftOptions, type DriftReport, type Frame } from './detector.ts';
import { appendDriftReport } from './drift-reports-table.ts';
import { loadReferenceProfile, profileFrame, REFERENCE_ARTIFACT } from './reference-profile.ts';

/** The rows of the current window: features by name (and the model's outputs under the reference's prediction column). */
export interface CurrentWindow {
  readonly frame: Frame;
  /** Where it came from, stored with the report: `prediction_log`, `features`, ... */
  readonly source: string;
}

export interface CurrentWindowSource {
  /** The window of `logicalDate` for `model`; null when this source has no rows for it. */
  window(model: string, logicalDate: string, columns: readonly string[]): Promise<CurrentWindow | null>;
}

/** The first source that has rows (e.g. the prediction log, else point-in-time features of the day). */
export function firstWindowSource(sources: readonly CurrentWindowSource[]): CurrentWindowSource {
  return {
    async window(model, date, columns) {
      for (const s of sources) {
        const w = await s.window(model, date, columns);
        if (w && Object.values(w.frame).some((c) => c.length > 0)) return w;
      }
      return null;
    },
  };
}

export interface DriftCheckDeps {
  readonly registry: ModelVersionRegistry;
  readonly lake: LakeTables;
  readonly alerts: AlertSink;
  readonly windows: CurrentWindowSource;
  readonly logger: Logger;
  readonly options?: Omit<DriftOptions, 'kinds' | 'predictionColumn'>;
  readonly now?: () => number;
  /** Where the drift gauges go (gofuture_model_drift_detected / _score, read by the ModelDriftDetected rule). */
  readonly metrics?: Registry;
}

/** Sets the latest report's gauges of one model version: 1/0 drift, and each column's statistic. */
function exportDrift(metrics: Registry, model: string, version: string, report: DriftReport): void {
  gaugeOf(metrics, METRICS.driftDetected).set({ model, version }, report.datasetDrift || report.prediction?.drifted === true ? 1 : 0);
  const score = gaugeOf(metrics, METRICS.driftScore);
  for (const c of [...report.columns, ...(report.prediction ? [{ ...report.prediction, column: 'prediction' }] : [])]) {
    score.set({ model, version, feature: c.column, method: c.stattest }, c.score);
    score.set({ model, version, feature: c.column, method: 'psi' }, c.psi);
  }
}

export type DriftCheckOutcome =
  | { readonly status: 'checked'; readonly runId: string; readonly modelVersion: string; readonly report: DriftReport; readonly windowSource: string }
  | { readonly status: 'no-champion' | 'no-reference' | 'no-window'; readonly reason: string };

export async function runDriftCheck(deps: DriftCheckDeps, model: string, logicalDate: string, ctx: { readonly dag: string; readonly task: string } = { dag: `drift_check_${model}`, task: 'drift_check' }): Promise<DriftCheckOutcome> {
  const log = deps.logger.child({ component: 'drift', model, logicalDate });
  const champion = await deps.registry.byAlias(model, 'champion');
  if (!champion) {
    log.warn('no champion: nothing to check drift against');
    return { status: 'no-champion', reason: `model ${model} has no champion` };
  }
  if (!champion.artifactPaths.includes(REFERENCE_ARTIFACT)) {
    // a version registered before references existed (the committed v1 models): nothing to test against
    log.warn({ version: champion.version }, `champion has no ${REFERENCE_ARTIFACT}: drift not checked`);
    return { status: 'no-reference', reason: `${model} v${champion.version} has no ${REFERENCE_ARTIFACT}` };
  }
  const profile = await loadReferenceProfile(deps.registry, model, champion.version);
  const ref = profileFrame(profile);
  const columns = Object.keys(ref.frame);
  const window = await deps.windows.window(model, logicalDate, columns);
  if (!window) {
    await deps.alerts.raise({ severity: 'warn', kind: 'drift', dag: ctx.dag, task: ctx.task, source: model, logicalDate, message: `drift check of ${model}: no current data for ${logicalDate}` });
    return { status: 'no-window', reason: `no current rows for ${model} on ${logicalDate}` };
  }
  const report = detectDrift(ref.frame, window.frame, { ...deps.options, kinds: ref.kinds, ...(ref.predictionColumn ? { predictionColumn: ref.predictionColumn } : {}) });
  const runId = randomUUID();
  const checkedAt = (deps.now ?? Date.now)();
  const version = await appendDriftReport(deps.lake, { runId, model, modelVersion: champion.version, logicalDate, checkedAt, windowSource: window.source }, report);
  if (deps.metrics) exportDrift(deps.metrics, model, champion.version, report);
  const drifted = report.columns.filter((c) => c.drifted).map((c) => c.column);
  log.info({ runId, tableVersion: version, datasetDrift: report.datasetDrift, share: report.share, drifted, predictionDrift: report.prediction?.drifted ?? null }, 'drift checked');
  if (report.datasetDrift) {
    await deps.alerts.raise({ severity: 'error', kind: 'drift', dag: ctx.dag, task: ctx.task, source: model, logicalDate, message: `dataset drift of ${model} v${champion.version} on ${logicalDate}: ${report.driftedColumns}/${report.columnCount} columns drifted (${drifted.join(', ')}); retraining` });
  } else if (report.prediction?.drifted) {
    await deps.alerts.raise({ severity: 'warn', kind: 'drift', dag: ctx.dag, task: ctx.task, source: model, logicalDate, message: `prediction drift of ${model} v${champion.version} on ${logicalDate} (${report.prediction.stattest} ${report.prediction.score.toPrecision(3)}); features within bounds` });
  }
  return { status: 'checked', runId, modelVersion: champion.version, report, windowSource: window.source };
}
