/**
 * One prediction call for a whole list of inputs. The model's versions come from serving by alias
 * (champion; the challenger too when the model's traffic policy is canary or shadow): each input
 * is routed by its entity (sticky canary), each group of rows goes to ModelRuntime.run() in ONE
 * call (the runtime batches calls of concurrent requests further), shadow rows are scored by the
 * challenger without delaying the answer, and every row goes to the prediction log.
 */
import type { ModelCard, ModelOutputs } from '../../connectors/contracts/model-runtime.ts';
import { errorMessage, PlatformError } from '../../schema/errors.ts';
import type { PredictionRecord, PredictionVariant } from '../../schema/ml/prediction-log.ts';
import { badUserInput } from '../common/index.ts';
import type { ModelsContext } from './context.ts';
import type { FeatureMap } from './feature-vectors.ts';
import type { Lease } from './serving/served-models.ts';
import { inCanary } from './serving/traffic-policy.ts';

/** Largest list a batch mutation accepts. */
export const MAX_BATCH = 1000;

/** A classifier without a stored threshold decides at 0.5. */
export const DEFAULT_THRESHOLD = 0.5;

/** Which version answered a row, as the SDL's ModelVersionRef says it. */
export interface ModelRef {
  readonly name: string;
  readonly version: string;
  readonly alias: string;
  readonly variant: 'CHAMPION' | 'CANARY';
  /** The challenger version scored in shadow for this row, if any. */
  readonly shadowVersion: string | null;
}

export interface RowPrediction {
  readonly card: ModelCard;
  /** The named output of the row (first value). */
  readonly value: number;
  readonly model: ModelRef;
}

export interface PredictOptions {
  /** The entity each input is sticky on (null: the request id and position). */
  readonly entityIds?: readonly (string | null | undefined)[];
  /** A classifier: the log records its decision at the version's threshold. */
  readonly classifier?: boolean;
}

export function checkBatchSize(n: number): void {
  if (n > MAX_BATCH) throw badUserInput(`inputs holds ${n} items; at most ${MAX_BATCH} per call`, { argument: 'inputs', max: MAX_BATCH });
}

export const thresholdOf = (card: ModelCard): number => card.metrics.threshold ?? DEFAULT_THRESHOLD;

function row(card: ModelCard, features: FeatureMap): number[] {
  return card.featureNames.map((name) => {
    const v = features[name];
    if (v === undefined) {
      throw new PlatformError('MODEL_RUN_FAILED', `model ${card.name} version ${card.version} needs feature ${name}, which the models subgraph does not compute`, { model: card.name, feature: name });
    }
    return v;
  });
}

function checkOutput(card: ModelCard, output: string): void {
  if (!card.outputNames.includes(output)) {
    throw new PlatformError('MODEL_RUN_FAILED', `model ${card.name} version ${card.version} has no output ${output}`, { model: card.name, output });
  }
}

/** Whether a challenger takes the same features and has the output (else serving keeps to the champion). */
function compatible(card: ModelCard, output: string, sample: FeatureMap | undefined): boolean {
  return card.outputNames.includes(output) && (!sample || card.featureNames.every((f) => sample[f] !== undefined));
}

async function runRows(ctx: ModelsContext, card: ModelCard, output: string, inputs: readonly FeatureMap[]): Promise<{ values: number[]; outputs: ModelOutputs[] }> {
  if (inputs.length === 0) return { values: [], outputs: [] };
  const outputs = await ctx.runtime.run(card.name, card.version, inputs.map((f) => row(card, f)));
  const values = outputs.map((o, i) => {
    const v = o[output]?.[0];
    if (v === undefined || !Number.isFinite(v)) {
      throw new PlatformError('MODEL_RUN_FAILED', `model ${card.name} version ${card.version} returned no finite ${output} for row ${i}`, { model: card.name, output, row: i });
    }
    return v;
  });
  return { values, outputs };
}

export async function predict(ctx: ModelsContext, model: string, output: string, inputs: readonly FeatureMap[], o: PredictOptions = {}): Promise<RowPrediction[]> {
  const serving = ctx.serving;
  const policy = serving.policy(model);
  const champion = serving.models.acquire(model, 'champion');
  if (!champion) throw new PlatformError('MODEL_NOT_FOUND', `no champion version of model ${model} in the registry`, { model });
  let challenger: Lease | undefined = policy.mode === 'champion' ? undefined : serving.models.acquire(model, 'challenger');
  if (challenger && !compatible(challenger.card, output, inputs[0])) {
    ctx.logger.warn({ model, challenger: challenger.card.version }, 'challenger does not fit the predict path (features/output); champion only');
    challenger.release();
    challenger = undefined;
  }
  const shadow = policy.mode === 'shadow' ? challenger : undefined;
  try {
    checkOutput(champion.card, output);
    if (inputs.length === 0) return [];
    const entities = inputs.map((_, i) => o.entityIds?.[i] ?? null);
    const canary = inputs.map((_, i) => challenger !== undefined && inCanary(policy, model, entities[i] ?? `${ctx.requestId}:${i}`));
    const champIdx = inputs.flatMap((_, i) => (canary[i] ? [] : [i]));
    const canaryIdx = inputs.flatMap((_, i) => (canary[i] ? [i] : []));
    const [champRun, canaryRun] = await Promise.all([
      runRows(ctx, champion.card, output, champIdx.map((i) => inputs[i] as FeatureMap)),
      challenger && canaryIdx.length > 0 ? runRows(ctx, challenger.card, output, canaryIdx.map((i) => inputs[i] as FeatureMap)) : Promise.resolve({ values: [], outputs: [] }),
    ]);
    const at = ctx.now();
    const results: RowPrediction[] = new Array<RowPrediction>(inputs.length);
    const records: PredictionRecord[] = [];
    const place = (idx: readonly number[], run: { values: number[]; outputs: ModelOutputs[] }, lease: Lease, variant: PredictionVariant): void => {
      idx.forEach((i, j) => {
        const value = run.values[j] as number;
        results[i] = {
          card: lease.card,
          value,
          model: { name: lease.card.name, version: lease.card.version, alias: lease.alias, variant: variant === 'canary' ? 'CANARY' : 'CHAMPION', shadowVersion: shadow?.card.version ?? null },
        };
        records.push(record(ctx, lease, variant, entities[i] ?? null, inputs[i] as FeatureMap, run.outputs[j] ?? {}, o.classifier ? value >= thresholdOf(lease.card) : null, at));
      });
      if (idx.length > 0) serving.count(model, lease.card.version, variant, idx.length);
    };
    place(champIdx, champRun, champion, 'champion');
    if (challenger) place(canaryIdx, canaryRun, challenger, 'canary');
    serving.sink.write(records);
    if (shadow) {
      // scored off the answer's path; the lease is held until the shadow run ends
      const lease = shadow;
      challenger = undefined;
      void runRows(ctx, lease.card, output, inputs)
        .then((run) => {
          const when = ctx.now();
          serving.sink.write(inputs.map((f, i) => record(ctx, lease, 'shadow', entities[i] ?? null, f, run.outputs[i] ?? {}, o.classifier ? (run.values[i] ?? 0) >= thresholdOf(lease.card) : null, when)));
          serving.count(model, lease.card.version, 'shadow', inputs.length);
        })
        .catch((e: unknown) => {
          serving.shadowFailed(model);
          ctx.logger.warn({ err: errorMessage(e), model, version: lease.card.version }, 'shadow run failed');
        })
        .finally(() => lease.release());
    }
    return results;
  } finally {
    champion.release();
    challenger?.release();
  }
}

function record(ctx: ModelsContext, lease: Lease, variant: PredictionVariant, entityId: string | null, features: FeatureMap, outputs: ModelOutputs, decision: boolean | null, at: number): PredictionRecord {
  return { requestId: ctx.requestId, model: lease.card.name, version: lease.card.version, alias: lease.alias, variant, entityId, features, outputs, decision, predictedAt: at };
}
