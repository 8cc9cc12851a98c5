/**
 * What the predict path needs besides the runtime: the versions served by alias (hot swap), each
 * model's traffic policy, the prediction log sink, the online quality source and the counters.
 */
import { Counter, type Registry } from 'prom-client';
import type { ModelQualitySource } from '../../../schema/ml/model-quality.ts';
import type { PredictionSink, PredictionVariant } from '../../../schema/ml/prediction-log.ts';
import type { ServedModels } from './served-models.ts';
import { CHAMPION_ONLY, type TrafficPolicies, type TrafficPolicy } from './traffic-policy.ts';

export interface ModelServing {
  readonly models: ServedModels;
  policy(model: string): TrafficPolicy;
  readonly sink: PredictionSink;
  readonly quality: ModelQualitySource | undefined;
  /** Counts answered and shadow rows. */
  count(model: string, version: string, variant: PredictionVariant, rows: number): void;
  /** Counts shadow runs that failed (the champion's answer stands). */
  shadowFailed(model: string): void;
}

export const NO_SINK: PredictionSink = { write: () => undefined };

function counterOf<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function createModelServing(o: {
  readonly models: ServedModels;
  readonly policies?: TrafficPolicies;
  readonly sink?: PredictionSink;
  readonly quality?: ModelQualitySource;
  readonly metrics?: Registry;
}): ModelServing {
  const policies = o.policies ?? {};
  const rows = o.metrics ? counterOf(o.metrics, 'gofuture_predictions_total', 'Prediction rows served, by model, version and variant (champion, canary, shadow)', ['model', 'version', 'variant']) : undefined;
  const shadowFailures = o.metrics ? counterOf(o.metrics, 'gofuture_prediction_shadow_failures_total', 'Shadow runs of a challenger that failed (the champion answered)', ['model']) : undefined;
  return {
    models: o.models,
    policy: (model) => policies[model] ?? CHAMPION_ONLY,
    sink: o.sink ?? NO_SINK,
    quality: o.quality,
    count: (model, version, variant, n) => rows?.inc({ model, version, variant }, n),
    shadowFailed: (model) => shadowFailures?.inc({ model }),
  };
}
