/**
 * Composition of the ML lifecycle DAGs (jobs/orchestrator/ml-dags.ts) for `npm start` and
 * `gofuture pipeline`: the configured ModelVersionRegistry (file in embedded, MLflow in services),
 * the trainer over trainCandidates (jobs/training/platform-trainer.ts), the training sets as of the
 * logical date (point-in-time from the lake, or synthetic / CSV: platform-training-data.ts), drift
 * windows from the prediction log in the lake, and retraining state shared by the workers on a
 * disk (<dataDir>/ml/candidates). docs/decisions/0020-ml-loop.md.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ModelVersionRegistry } from '../connectors/contracts/model-version-registry.ts';
import { createDirectoryCandidateStore } from '../jobs/drift/candidate-store.ts';
import { firstWindowSource } from '../jobs/drift/drift-check.ts';
import { predictionLogWindow } from '../jobs/drift/prediction-log-window.ts';
import type { OfflineSource } from '../jobs/features/offline/index.ts';
import type { LakeTables } from '../jobs/lake/delta/index.ts';
import type { MlConfig } from '../jobs/orchestrator/ml-config.ts';
import { ML_MODELS, retrainDagId, type MlDagDeps } from '../jobs/orchestrator/ml-dags.ts';
import { platformTrainer } from '../jobs/training/platform-trainer.ts';
import { platformTrainingData } from '../jobs/training/platform-training-data.ts';
import { codeVersion } from './code-version.ts';
import type { PlatformConfig } from './config.ts';
import { openModelVersionRegistry } from './model-version-registry.ts';

export interface MlPipelineParts {
  readonly registry: ModelVersionRegistry;
  /** The ML DAGs' dependencies (createPipeline adds its alert sink). */
  readonly deps: Omit<MlDagDeps, 'alerts'>;
  /** Retrain DAGs scheduled more often than daily (fraud, hourly): their run of the day runs again on each tick. */
  readonly refreshDags: readonly string[];
  close(): Promise<void>;
}

const SUB_DAILY = /^\S+\s+\*\s/; // a cron whose hour field is `*`

export async function openMlPipeline(config: Readonly<PlatformConfig>, ml: MlConfig, lake: LakeTables, source: OfflineSource, logger: Logger, metrics: Registry): Promise<MlPipelineParts> {
  const registry = await openModelVersionRegistry(config, { logger: logger.child({ connector: 'modelVersionRegistry' }), metrics });
  const data = platformTrainingData({ source, data: ml.data, lookbackDays: ml.lookbackDays, creditRows: ml.creditRows, ...(ml.creditCsv ? { creditCsv: ml.creditCsv } : {}) });
  const trainer = platformTrainer({
    codeVersion: codeVersion(),
    folds: ml.folds,
    candidates: ml.candidates,
    dataSource: (model) => {
      const kind = data.sourceOf(model);
      return kind === 'csv' ? `csv:${ml.creditCsv ?? ''}` : kind;
    },
  });
  const windows = firstWindowSource([predictionLogWindow({ lake, maxRows: ml.driftWindowRows })]);
  const candidates = createDirectoryCandidateStore(path.join(config.dataDir, 'ml', 'candidates'));
  const log = logger.child({ job: 'ml' });
  return {
    registry,
    deps: { registry, lake, logger: log, trainer, data, windows, candidates, minTrainingRows: ml.minTrainingRows, metrics },
    refreshDags: ML_MODELS.filter((m) => m.retrain !== null && SUB_DAILY.test(m.retrain)).map((m) => retrainDagId(m.model)),
    close: () => registry.close(),
  };
}
