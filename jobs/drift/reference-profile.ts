/**
 * The training reference of a model version: a sample of the rows it was trained on (and, when the
 * trainer gives them, the model's outputs on those rows), stored with the version in the registry as
 * the artifact `reference.json`. The drift check compares a current window against the champion's.
 *
 * Trainers: `withReferenceProfile(version, buildReferenceProfile(dataset, { model }))` before
 * `registry.createVersion(...)`.
 */
import { z } from 'zod';
import type { ModelVersionRegistry, NewModelVersion } from '../../connectors/contracts/model-version-registry.ts';
import { PlatformError } from '../../schema/errors.ts';
import type { Dataset } from '../training/datasets/dataset.ts';
import { createPrng } from '../training/prng.ts';
import type { ColumnKind } from './column-drift.ts';
import type { Frame } from './detector.ts';

export const REFERENCE_ARTIFACT = 'reference.json';
export const REFERENCE_FORMAT = 'gofuture.drift-reference/1';
/** Reference rows kept by default: above Evidently's 1000-row line, so large references use the distance tests. */
export const DEFAULT_REFERENCE_ROWS = 5000;

const ValueSchema = z.union([z.number(), z.string(), z.null()]);
const ProfileSchema = z.object({
  format: z.literal(REFERENCE_FORMAT),
  model: z.string(),
  createdAt: z.string(),
  /** Rows of the split the sample was drawn from. */
  sourceRows: z.number().int().nonnegative(),
  columns: z.array(z.object({ name: z.string(), kind: z.enum(['numerical', 'categorical']).optional(), values: z.array(ValueSchema) })),
  prediction: z.object({ name: z.string(), values: z.array(ValueSchema) }).nullable(),
}).strict();

export type ReferenceProfile = z.output<typeof ProfileSchema>;

export interface ReferenceOptions {
  readonly model: string;
  /** Rows kept (a seeded sample without replacement when the split has more). */
  readonly maxRows?: number;
  readonly seed?: number;
  /** Model outputs aligned with `dataset.x` (for prediction drift), and their column name. */
  readonly predictions?: readonly number[];
  readonly predictionColumn?: string;
  /** Feature columns to test as categorical (numeric codes). */
  readonly kinds?: Readonly<Record<string, ColumnKind>>;
  /** Which rows: the training split (default, what the model learnt from) or all rows. */
  readonly split?: 'train' | 'all';
  readonly now?: () => number;
}

/** Indices 0..n-1, or a seeded sample of `k` of them in ascending order (partial Fisher-Yates). */
function sampleIndices(n: number, k: number, seed: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (k >= n) return idx;
  const rng = createPrng(seed);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.next() * (n - i));
    const t = idx[i] as number;
    idx[i] = idx[j] as number;
    idx[j] = t;
  }
  return idx.slice(0, k).sort((a, b) => a - b);
}

export function buildReferenceProfile(dataset: Dataset, o: ReferenceOptions): ReferenceProfile {
  const end = o.split === 'all' ? dataset.x.length : Math.max(1, Math.min(dataset.x.length, dataset.validationFrom));
  const rows = sampleIndices(end, o.maxRows ?? DEFAULT_REFERENCE_ROWS, o.seed ?? 7);
  if (o.predictions && o.predictions.length !== dataset.x.length) throw new PlatformError('BAD_USER_INPUT', `reference of ${o.model}: ${o.predictions.length} predictions for ${dataset.x.length} rows`);
  const columns = dataset.featureNames.map((name, c) => {
    const kind = o.kinds?.[name];
    return { name, ...(kind ? { kind } : {}), values: rows.map((r) => dataset.x[r]?.[c] ?? null) };
  });
  const preds = o.predictions;
  return {
    format: REFERENCE_FORMAT,
    model: o.model,
    createdAt: new Date((o.now ?? Date.now)()).toISOString(),
    sourceRows: end,
    columns,
    prediction: preds ? { name: o.predictionColumn ?? 'prediction', values: rows.map((r) => preds[r] ?? null) } : null,
  };
}

export function encodeReferenceProfile(p: ReferenceProfile): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(p));
}

export function decodeReferenceProfile(bytes: Uint8Array, what = REFERENCE_ARTIFACT): ReferenceProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new PlatformError('DRIFT_REFERENCE_INVALID', `${what} is not JSON: ${(e as Error).message}`, { model: what, reason: 'not JSON' });
  }
  const r = ProfileSchema.safeParse(raw);
  if (!r.success) throw new PlatformError('DRIFT_REFERENCE_INVALID', `${what} is not a drift reference: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { model: what, reason: 'not a reference profile' });
  return r.data;
}

/** The version with its reference profile added as the `reference.json` artifact. */
export function withReferenceProfile(v: NewModelVersion, p: ReferenceProfile): NewModelVersion {
  return { ...v, artifacts: { ...v.artifacts, [REFERENCE_ARTIFACT]: encodeReferenceProfile(p) } };
}

export async function loadReferenceProfile(registry: ModelVersionRegistry, name: string, version: string): Promise<ReferenceProfile> {
  return decodeReferenceProfile(await registry.artifact(name, version, REFERENCE_ARTIFACT), `${name}@${version}/${REFERENCE_ARTIFACT}`);
}

/** The profile's columns as a Frame (the prediction under its name), and the declared kinds. */
export function profileFrame(p: ReferenceProfile): { frame: Frame; kinds: Record<string, ColumnKind>; predictionColumn: string | null } {
  const frame: Record<string, readonly (number | string | null)[]> = {};
  const kinds: Record<string, ColumnKind> = {};
  for (const c of p.columns) {
    frame[c.name] = c.values;
    if (c.kind) kinds[c.name] = c.kind;
  }
  if (p.prediction) frame[p.prediction.name] = p.prediction.values;
  return { frame, kinds, predictionColumn: p.prediction?.name ?? null };
}
