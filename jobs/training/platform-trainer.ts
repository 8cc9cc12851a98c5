/**
 * The trainer of the ML DAGs (jobs/drift/retraining.ts `Trainer`) over `trainCandidates`: the
 * model's candidates cross-validated on the given set, the best refitted, its ONNX file, metrics,
 * baselines, lineage and drift reference as a NewModelVersion. The DAG's gate and register tasks
 * decide what becomes of it (nothing is registered here).
 */
import { NonRetryableTaskError } from '../../connectors/contracts/task-queue.ts';
import type { Trainer } from '../drift/retraining.ts';
import { candidateSpec } from './candidate-specs.ts';
import type { CandidateKind } from './candidates.ts';
import type { Dataset } from './datasets/dataset.ts';
import { trainCandidates } from './train-candidates.ts';

export interface PlatformTrainerOptions {
  /** The git commit of the code (lineage.codeVersion). */
  readonly codeVersion: string;
  readonly folds?: number;
  /** Candidates by model; default the model's own. */
  readonly candidates?: Readonly<Record<string, readonly CandidateKind[]>>;
  /** Where a set without lineage came from, for the version's `data` tag (e.g. `synthetic`, `csv:<file>`). */
  readonly dataSource?: (model: string, dataset: Dataset) => string | undefined;
}

export function platformTrainer(o: PlatformTrainerOptions): Trainer {
  return {
    async train(model, dataset) {
      const spec = candidateSpec(model);
      if (!spec) throw new NonRetryableTaskError(`no training spec for model ${model}`);
      const candidates = o.candidates?.[model];
      const source = o.dataSource?.(model, dataset);
      const run = await trainCandidates(spec, {
        data: dataset,
        codeVersion: o.codeVersion,
        ...(o.folds ? { folds: o.folds } : {}),
        ...(candidates ? { candidates } : {}),
        ...(source ? { dataSource: source } : {}),
      });
      return run.version;
    },
  };
}
