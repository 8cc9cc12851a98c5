/**
 * ModelVersionRegistry: the model registry of the ML lifecycle, in MLflow's vocabulary (registered
 * models, versions, aliases such as `champion` / `challenger` with MLflow 2.9+ semantics, and the
 * legacy stages for readers that expect them). Implementations: a file registry under the data dir
 * (embedded) and MLflow's REST API (services profile); one conformance suite runs against both.
 *
 * It supersedes the read-only ModelRegistry (model-registry.ts) that serves models/registry.json;
 * serving resolves a model by alias through this contract.
 *
 * Semantics every implementation keeps:
 * - `createVersion` assigns the next version number of the model ("1", "2", ...; registers the
 *   model on first use) and stores the artifacts under the version; a version is immutable after.
 * - An alias points at exactly one version of a model; setting it moves it (the old version loses
 *   it). `setAlias(name, 'champion', v)` is refused with MODEL_GATE_FAILED when version v fails its
 *   model's gate (schema/model-gates.ts), and leaves the alias where it was. Other aliases are free.
 * - Stage `Production` is kept in step with `champion` (the champion version is Production; the one
 *   it replaced becomes Archived), so stage readers see the same answer as alias readers.
 * - Unknown model or version: MODEL_NOT_FOUND. Reads of a missing alias are `undefined`.
 */
import type { Connector } from './connector.ts';
import type { ModelStage } from './model-runtime.ts';

/** What a version was trained on: the lake snapshot and the code, so a run is reproducible. */
export interface ModelLineage {
  /** Delta tables read, each at the version read (e.g. `silver.payments` at 12). */
  readonly tables: readonly { readonly name: string; readonly version: number }[];
  /** Feature views whose point-in-time retrieval built the training set. */
  readonly featureViews: readonly string[];
  /** The git commit (or `unknown`) of the code that trained it. */
  readonly codeVersion: string;
  /** Rows of the training set and the label-time range it covers (ISO strings), when known. */
  readonly trainingRows?: number;
  readonly dataFrom?: string;
  readonly dataTo?: string;
}

export interface NewModelVersion {
  readonly name: string;
  /** Model kind the candidates were compared for, e.g. `gradient_boosting`. */
  readonly flavor: string;
  readonly featureNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly params: Readonly<Record<string, string | number | boolean>>;
  /** Held-out test metrics (precision, recall, f1, auc, rmse, ...). */
  readonly metrics: Readonly<Record<string, number>>;
  /** The naive baselines on the same split (majority_f1, mean_rmse, persistence_rmse, rules_f1...). */
  readonly baselines: Readonly<Record<string, number>>;
  readonly lineage: ModelLineage;
  readonly description: string;
  /** Artifacts by relative path; `model.onnx` is required (what serving loads). */
  readonly artifacts: Readonly<Record<string, Uint8Array>>;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface ModelVersionInfo extends Omit<NewModelVersion, 'artifacts'> {
  readonly version: string;
  readonly stage: ModelStage;
  /** Aliases currently pointing at this version. */
  readonly aliases: readonly string[];
  /** ISO time the version was created. */
  readonly createdAt: string;
  /** Relative paths of the stored artifacts. */
  readonly artifactPaths: readonly string[];
}

export interface ModelVersionRegistry extends Connector {
  readonly capability: 'modelVersionRegistry';
  createVersion(v: NewModelVersion): Promise<ModelVersionInfo>;
  /** Registered model names, sorted. */
  models(): Promise<readonly string[]>;
  /** Versions of a model, oldest first. Unknown model: []. */
  versions(name: string): Promise<readonly ModelVersionInfo[]>;
  version(name: string, version: string): Promise<ModelVersionInfo>;
  byAlias(name: string, alias: string): Promise<ModelVersionInfo | undefined>;
  setAlias(name: string, alias: string, version: string): Promise<void>;
  deleteAlias(name: string, alias: string): Promise<void>;
  setStage(name: string, version: string, stage: ModelStage): Promise<void>;
  artifact(name: string, version: string, path: string): Promise<Uint8Array>;
}
