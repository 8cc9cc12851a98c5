/**
 * How a ModelVersionInfo lives in MLflow, in MLflow's own terms, so an MLflow user sees a normal
 * registry: the version's training run holds the params (strings), the test metrics and the
 * baselines (metrics named `baseline.<name>`), the code version (`mlflow.source.git.commit`) and the
 * lineage as tags; the model version holds the description, the stage, the aliases and the rest as
 * `gofuture.*` tags (typed params, feature and output names, lineage, artifact list: JSON). A version
 * registered by another MLflow client still reads: whatever is missing falls back to the run.
 */
import type { ModelStage } from '../contracts/model-runtime.ts';
import type { ModelLineage, ModelVersionInfo, NewModelVersion } from '../contracts/model-version-registry.ts';

export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

export interface MlflowModelVersion {
  readonly name: string;
  readonly version: string;
  readonly creation_timestamp?: number | string;
  readonly current_stage?: string;
  readonly description?: string;
  readonly source?: string;
  readonly run_id?: string;
  readonly tags?: readonly KeyValue[];
  readonly aliases?: readonly string[];
}

export interface MlflowRun {
  readonly info: { readonly run_id: string; readonly experiment_id: string; readonly artifact_uri?: string };
  readonly data?: {
    readonly metrics?: readonly { readonly key: string; readonly value: number }[];
    readonly params?: readonly KeyValue[];
    readonly tags?: readonly KeyValue[];
  };
}

export const BASELINE_PREFIX = 'baseline.';
/** Prefix of our model-version tags; user tags with it are refused, never overwritten. */
export const TAG_PREFIX = 'gofuture.';
const T = {
  flavor: 'gofuture.flavor',
  features: 'gofuture.feature_names',
  outputs: 'gofuture.output_names',
  params: 'gofuture.params',
  lineage: 'gofuture.lineage',
  artifacts: 'gofuture.artifacts',
} as const;
/** Artifacts of a version live under `<run artifact root>/model/`. */
export const MODEL_DIR = 'model';

const STAGES: readonly ModelStage[] = ['None', 'Staging', 'Production', 'Archived'];

export function toStage(s: string | undefined): ModelStage {
  return STAGES.find((x) => x.toLowerCase() === (s ?? '').toLowerCase()) ?? 'None';
}

const kv = (o: Readonly<Record<string, string>>): KeyValue[] => Object.entries(o).map(([key, value]) => ({ key, value }));

/** The run's params, metrics (baselines prefixed) and tags for log-batch. */
export function runPayload(v: NewModelVersion, at: number): { params: KeyValue[]; metrics: { key: string; value: number; timestamp: number; step: number }[]; tags: KeyValue[] } {
  const metrics = [
    ...Object.entries(v.metrics).map(([key, value]) => ({ key, value, timestamp: at, step: 0 })),
    ...Object.entries(v.baselines).map(([key, value]) => ({ key: `${BASELINE_PREFIX}${key}`, value, timestamp: at, step: 0 })),
  ];
  const lineageTags: Record<string, string> = {
    'mlflow.source.git.commit': v.lineage.codeVersion,
    'gofuture.model': v.name,
    'gofuture.feature_views': v.lineage.featureViews.join(','),
  };
  for (const t of v.lineage.tables) lineageTags[`gofuture.table.${t.name}`] = String(t.version);
  return { params: kv(Object.fromEntries(Object.entries(v.params).map(([k, p]) => [k, String(p)]))), metrics, tags: kv(lineageTags) };
}

/** The model version's tags: the user's own plus ours (JSON). */
export function versionTags(v: NewModelVersion): KeyValue[] {
  return kv({
    ...v.tags,
    [T.flavor]: v.flavor,
    [T.features]: JSON.stringify(v.featureNames),
    [T.outputs]: JSON.stringify(v.outputNames),
    [T.params]: JSON.stringify(v.params),
    [T.lineage]: JSON.stringify(v.lineage),
    [T.artifacts]: JSON.stringify(Object.keys(v.artifacts).sort()),
  });
}

function json<X>(text: string | undefined, fallback: X): X {
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text) as X;
  } catch {
    return fallback;
  }
}

function lineageFromRun(tags: ReadonlyMap<string, string>): ModelLineage {
  const tables = [...tags].filter(([k]) => k.startsWith('gofuture.table.')).map(([k, val]) => ({ name: k.slice('gofuture.table.'.length), version: Number(val) }));
  const views = tags.get('gofuture.feature_views');
  return { tables, featureViews: views ? views.split(',').filter(Boolean) : [], codeVersion: tags.get('mlflow.source.git.commit') ?? 'unknown' };
}

/** ModelVersionInfo from MLflow's model version and its run (undefined when it has none). */
export function toInfo(mv: MlflowModelVersion, run: MlflowRun | undefined): ModelVersionInfo {
  const tags = new Map((mv.tags ?? []).map((t) => [t.key, t.value]));
  const runTags = new Map((run?.data?.tags ?? []).map((t) => [t.key, t.value]));
  const metrics: Record<string, number> = {};
  const baselines: Record<string, number> = {};
  for (const m of run?.data?.metrics ?? []) {
    if (m.key.startsWith(BASELINE_PREFIX)) baselines[m.key.slice(BASELINE_PREFIX.length)] = Number(m.value);
    else metrics[m.key] = Number(m.value);
  }
  const runParams = Object.fromEntries((run?.data?.params ?? []).map((p) => [p.key, p.value]));
  const userTags = Object.fromEntries([...tags].filter(([k]) => !k.startsWith(TAG_PREFIX) && !k.startsWith('mlflow.')));
  return {
    name: mv.name,
    version: String(mv.version),
    flavor: tags.get(T.flavor) ?? 'unknown',
    featureNames: json<string[]>(tags.get(T.features), []),
    outputNames: json<string[]>(tags.get(T.outputs), []),
    params: json<Record<string, string | number | boolean>>(tags.get(T.params), runParams),
    metrics,
    baselines,
    lineage: json<ModelLineage>(tags.get(T.lineage), lineageFromRun(runTags)),
    description: mv.description ?? '',
    tags: userTags,
    stage: toStage(mv.current_stage),
    aliases: [...(mv.aliases ?? [])].sort(),
    createdAt: new Date(Number(mv.creation_timestamp ?? 0)).toISOString(),
    artifactPaths: json<string[]>(tags.get(T.artifacts), []),
  };
}

/**
 * The artifact proxy path of a run artifact root: `mlflow-artifacts:/1/abc/artifacts` (optionally
 * with a host) -> `1/abc/artifacts`. Undefined when the server does not proxy artifacts.
 */
export function proxyPath(artifactUri: string | undefined): string | undefined {
  if (!artifactUri) return undefined;
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(artifactUri);
  return m?.[1]?.replace(/\/+$/, '');
}
