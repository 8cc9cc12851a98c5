/**
 * One model call for a whole list of inputs: the model's Production card says which features (in
 * which order) and outputs it has; all rows go to ModelRuntime.run() in ONE call.
 */
import type { ModelCard } from '../../connectors/contracts/model-runtime.ts';
import { PlatformError } from '../../schema/errors.ts';
import { badUserInput } from '../common/index.ts';
import type { ModelsContext } from './context.ts';
import type { FeatureMap } from './feature-vectors.ts';

/** Largest list a batch mutation accepts. */
export const MAX_BATCH = 1000;

export interface Predictions {
  readonly card: ModelCard;
  /** values[i] is the named output of input i (first value of the output). */
  readonly values: readonly number[];
}

export function checkBatchSize(n: number): void {
  if (n > MAX_BATCH) throw badUserInput(`inputs holds ${n} items; at most ${MAX_BATCH} per call`, { argument: 'inputs', max: MAX_BATCH });
}

function row(card: ModelCard, features: FeatureMap): number[] {
  return card.featureNames.map((name) => {
    const v = features[name];
    if (v === undefined) {
      throw new PlatformError('MODEL_RUN_FAILED', `model ${card.name} version ${card.version} needs feature ${name}, which the models subgraph does not compute`, { model: card.name, feature: name });
    }
    return v;
  });
}

export async function predict(ctx: ModelsContext, model: string, output: string, inputs: readonly FeatureMap[]): Promise<Predictions> {
  const card = ctx.registry.production(model);
  if (!card) throw new PlatformError('MODEL_NOT_FOUND', `no Production version of model ${model} in the registry`, { model });
  if (!card.outputNames.includes(output)) {
    throw new PlatformError('MODEL_RUN_FAILED', `model ${card.name} version ${card.version} has no output ${output}`, { model: card.name, output });
  }
  if (inputs.length === 0) return { card, values: [] };
  const outputs = await ctx.runtime.run(card.name, card.version, inputs.map((f) => row(card, f)));
  const values = outputs.map((o, i) => {
    const v = o[output]?.[0];
    if (v === undefined || !Number.isFinite(v)) {
      throw new PlatformError('MODEL_RUN_FAILED', `model ${card.name} version ${card.version} returned no finite ${output} for row ${i}`, { model: card.name, output, row: i });
    }
    return v;
  });
  return { card, values };
}

export const versionRef = (card: ModelCard): { name: string; version: string } => ({ name: card.name, version: card.version });
