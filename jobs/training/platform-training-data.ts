/**
 * The training sets of the ML DAGs (jobs/drift/retraining.ts `TrainingData`) as of a logical date:
 * fraud and demand by point-in-time retrieval from the lake (datasets/platform-*.ts, labels of the
 * last `lookbackDays` days up to the end of that date), or the model's seeded synthetic set, or
 * (credit_default) a UCI CSV. Which one per model is config (`pipeline.ml.data`).
 */
import { NonRetryableTaskError } from '../../connectors/contracts/task-queue.ts';
import type { TrainingData } from '../drift/retraining.ts';
import type { OfflineSource } from '../features/offline/index.ts';
import { candidateSpec } from './candidate-specs.ts';
import { loadUciCreditCsv } from './datasets/credit-csv.ts';
import { generateUciCredit, uciCreditDataset } from './datasets/credit-uci.ts';
import type { Dataset } from './datasets/dataset.ts';
import { platformDemandDataset } from './datasets/platform-demand.ts';
import { platformFraudDataset } from './datasets/platform-fraud.ts';
import { platformSurgeDataset } from './datasets/platform-surge.ts';
import { createPrng } from './prng.ts';

export type TrainingDataSource = 'lake' | 'synthetic' | 'csv';

export interface PlatformTrainingDataOptions {
  /** The lake (backendOfflineSource / lakeOfflineSource). */
  readonly source: OfflineSource;
  /** Source by model; a model not named trains on its synthetic set. */
  readonly data: Readonly<Record<string, TrainingDataSource>>;
  readonly lookbackDays: number;
  readonly creditCsv?: string;
  readonly creditRows?: number;
}

const DAY = 86_400_000;

/** The logical date's label window: [end - lookback, end of the date], epoch ms. */
export function labelWindow(logicalDate: string, lookbackDays: number): { from: number; to: number } {
  const to = Date.parse(`${logicalDate}T00:00:00Z`) + DAY - 1;
  if (!Number.isFinite(to)) throw new NonRetryableTaskError(`not a logical date: ${logicalDate}`);
  return { from: to + 1 - lookbackDays * DAY, to };
}

export function platformTrainingData(o: PlatformTrainingDataOptions): TrainingData & { sourceOf(model: string): TrainingDataSource } {
  const sourceOf = (model: string): TrainingDataSource => o.data[model] ?? 'synthetic';
  return {
    sourceOf,
    async dataset(model, logicalDate): Promise<Dataset> {
      const spec = candidateSpec(model);
      if (!spec) throw new NonRetryableTaskError(`no training spec for model ${model}`);
      const kind = sourceOf(model);
      if (kind === 'csv') {
        if (model !== 'credit_default' || !o.creditCsv) throw new NonRetryableTaskError(`pipeline.ml.data.${model} is csv: only credit_default with pipeline.ml.creditCsv set`);
        return uciCreditDataset(await loadUciCreditCsv(o.creditCsv));
      }
      if (kind === 'synthetic') {
        if (model === 'credit_default' && o.creditRows) return uciCreditDataset(generateUciCredit(createPrng(spec.seed), o.creditRows));
        return spec.generate(createPrng(spec.seed));
      }
      const range = { source: o.source, ...labelWindow(logicalDate, o.lookbackDays) };
      switch (model) {
        case 'fraud_score': return platformFraudDataset(range);
        case 'demand_forecast': return platformDemandDataset(range);
        case 'surge_multiplier': return platformSurgeDataset(range);
        default: throw new NonRetryableTaskError(`model ${model} has no training set in the lake (pipeline.ml.data.${model}: synthetic or csv)`);
      }
    },
  };
}
