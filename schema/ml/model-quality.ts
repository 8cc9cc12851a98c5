/**
 * Online quality of a classifier (issue 9 §5): its logged predictions joined with the labels that
 * arrive later (fraud: the `fraud-labels` topic), counted per model version in fixed time windows.
 * Data and types only; jobs/prediction-log/online-quality.ts computes it, GraphQL `modelQuality` serves it.
 */

export interface ConfusionCounts {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly trueNegatives: number;
}

export interface QualityWindow extends ConfusionCounts {
  /** Epoch ms, [start, end). */
  readonly start: number;
  readonly end: number;
  readonly labelled: number;
  /** null while nothing was predicted positive (precision) or nothing was labelled positive (recall). */
  readonly precision: number | null;
  readonly recall: number | null;
}

export interface VersionQuality {
  readonly version: string;
  /** Every retained window, oldest first. */
  readonly windows: readonly QualityWindow[];
  /** The retained windows summed. */
  readonly total: QualityWindow;
  /** Whether the latest window with enough labels is below the model's gate (schema/model-gates.ts). */
  readonly degraded: boolean;
}

export interface ModelQualityReport {
  readonly model: string;
  readonly windowMs: number;
  /** Labels a window needs before its precision and recall are judged against the gate. */
  readonly minLabels: number;
  /** Gate bounds the online metrics are held to (precision, recall), from schema/model-gates.ts. */
  readonly thresholds: Readonly<Record<string, number>>;
  readonly versions: readonly VersionQuality[];
}

export interface ModelQualitySource {
  /** The report of a model, or undefined when nothing of it was labelled. */
  quality(model: string): ModelQualityReport | undefined;
}

export function ratio(num: number, den: number): number | null {
  return den === 0 ? null : num / den;
}
