/**
 * ModelRuntime: loads ONNX models and runs them on batches. Implementation: onnxruntime-node.
 * Every model takes one float32 input tensor named `features` of shape [batch, featureNames.length]
 * and returns float32 outputs of shape [batch, k] named in `outputNames`.
 */
import type { Connector } from './connector.ts';

export type ModelStage = 'None' | 'Staging' | 'Production' | 'Archived';

/** One entry of the model registry (models/registry.json): what MLflow's registry would hold. */
export interface ModelCard {
  readonly name: string;
  readonly version: string;
  readonly stage: ModelStage;
  /** Path of the .onnx file, relative to the registry file. */
  readonly file: string;
  readonly featureNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Evaluation metrics recorded at training time (rmse, auc, f1, ...). */
  readonly metrics: Readonly<Record<string, number>>;
  readonly trainedAt: string;
  readonly description: string;
}

export type ModelOutputs = Readonly<Record<string, readonly number[]>>;

export interface ModelRuntime extends Connector {
  readonly capability: 'modelRuntime';
  /** Loads (or reloads) a model from an ONNX file. Bad file: MODEL_RUN_FAILED naming it. */
  load(card: ModelCard, onnxPath: string): Promise<void>;
  unload(name: string, version: string): Promise<void>;
  loaded(): readonly ModelCard[];
  /**
   * One batched inference: rows[i] has one value per feature name, result[i] the outputs of row i.
   * Unknown model: MODEL_NOT_FOUND. Wrong row width or non-finite value: MODEL_INPUT_INVALID.
   */
  run(name: string, version: string, rows: readonly (readonly number[])[]): Promise<ModelOutputs[]>;
}
