/**
 * Config of the ML lifecycle DAGs (`pipeline.ml`, ml-dags.ts): whether `npm start` / `gofuture
 * pipeline` register them, how the trainer runs (folds, candidates), where each model's training set
 * comes from, the drift window, and fraud's retraining on new labels. docs/decisions/0020-ml-loop.md.
 */
import { z } from 'zod';

export const ML_DATA_SOURCES = ['lake', 'synthetic', 'csv'] as const;

export const MlConfigSchema = z.object({
  /** Register the drift / retrain DAGs with the orchestrator (npm start, gofuture pipeline). */
  enabled: z.boolean().default(true),
  /** Cross-validation folds of the trainer. */
  folds: z.number().int().min(2).max(20).default(5),
  /** Candidates by model (default: the model's own, jobs/training/candidate-specs.ts). */
  candidates: z.record(z.string(), z.array(z.enum(['linear', 'random_forest', 'gradient_boosting'])).min(1)).default({}),
  /**
   * Training set of each model: `lake` (point-in-time retrieval, jobs/training/datasets/platform-*.ts),
   * `synthetic` (the spec's seeded generator), `csv` (credit_default: a UCI CSV at `creditCsv`).
   * Surge trains on its synthetic set: the lake set's features (PLATFORM_SURGE_FEATURES) are not the
   * serving vector's, and validation refuses a candidate whose features differ from the champion's.
   */
  data: z.record(z.string(), z.enum(ML_DATA_SOURCES)).default({ fraud_score: 'lake', demand_forecast: 'lake', surge_multiplier: 'synthetic', credit_default: 'synthetic' }),
  /** UCI credit CSV for `data.credit_default: csv`. */
  creditCsv: z.string().min(1).optional(),
  /** Rows of the generated credit set (`synthetic`). */
  creditRows: z.number().int().min(500).max(1_000_000).default(30_000),
  /** Lake sets: labels of the last N days up to the end of the logical date. */
  lookbackDays: z.number().int().min(1).max(3650).default(30),
  /** A retraining with fewer rows does nothing (says so) instead of training on too little. */
  minTrainingRows: z.number().int().min(1).default(500),
  /** Fraud retrains when this many new fraud labels arrived since the last retraining (0: off). */
  retrainOnLabels: z.number().int().min(0).default(500),
  /** Most rows of a drift window read from the prediction log (a uniform sample above). */
  driftWindowRows: z.number().int().min(10).default(5000),
}).strict();

export type MlConfig = z.output<typeof MlConfigSchema>;
