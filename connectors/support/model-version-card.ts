/**
 * A registry version as the ModelRuntime's ModelCard (what `runtime.load(card, onnxPath)` takes), so
 * serving can load `byAlias(name, 'champion' | 'challenger')`: metrics and baselines merged as the
 * old cards held them (a classifier's `threshold` is among the metrics), `file` the ONNX artifact.
 * The ONNX bytes come from `registry.artifact(name, version, 'model.onnx')`; write them to a file
 * for runtimes that load from a path.
 */
import type { ModelCard } from '../contracts/model-runtime.ts';
import type { ModelVersionInfo } from '../contracts/model-version-registry.ts';

export const MODEL_ARTIFACT = 'model.onnx';

export function versionCard(v: ModelVersionInfo): ModelCard {
  return {
    name: v.name,
    version: v.version,
    stage: v.stage,
    file: MODEL_ARTIFACT,
    featureNames: v.featureNames,
    outputNames: v.outputNames,
    metrics: { ...v.baselines, ...v.metrics },
    trainedAt: v.tags?.trained_at ?? v.createdAt,
    description: v.description,
  };
}
