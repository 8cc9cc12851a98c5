/**
 * ModelRegistry: the model cards the platform serves (models/registry.json, what MLflow's registry
 * would hold) and where each card's ONNX file is. Subgraphs and jobs depend on this interface only;
 * the file-backed implementation is connectors/onnx/file-model-registry.ts.
 */
import type { ModelCard } from './model-runtime.ts';

export interface ModelRegistry {
  /** Every card, in registry order. */
  cards(): readonly ModelCard[];
  /**
   * The Production card of a model (the highest version if several), or undefined. A registry never
   * holds a Production card that fails its gate (schema/model-gates.ts): loading one is MODEL_GATE_FAILED.
   */
  production(name: string): ModelCard | undefined;
  /** Absolute path of the card's ONNX file. */
  path(card: ModelCard): string;
}
