/** Held-out evaluation metrics recorded in the model card. */

export function rmse(actual: readonly number[], predicted: readonly number[]): number {
  let s = 0;
  actual.forEach((a, i) => (s += (a - (predicted[i] ?? 0)) ** 2));
  return Math.sqrt(s / Math.max(1, actual.length));
}

export function mae(actual: readonly number[], predicted: readonly number[]): number {
  let s = 0;
  actual.forEach((a, i) => (s += Math.abs(a - (predicted[i] ?? 0))));
  return s / Math.max(1, actual.length);
}

/** Coefficient of determination. */
export function r2(actual: readonly number[], predicted: readonly number[]): number {
  const mean = actual.reduce((s, a) => s + a, 0) / Math.max(1, actual.length);
  let ssRes = 0;
  let ssTot = 0;
  actual.forEach((a, i) => {
    ssRes += (a - (predicted[i] ?? 0)) ** 2;
    ssTot += (a - mean) ** 2;
  });
  return ssTot === 0 ? 0 : 1 - ssRes / ssTot;
}

/** Area under the ROC curve (Mann-Whitney U, ties counted half). Labels are 0/1. */
export function auc(labels: readonly number[], scores: readonly number[]): number {
  const idx = labels.map((_, i) => i).sort((a, b) => (scores[a] ?? 0) - (scores[b] ?? 0));
  let rankSumPos = 0;
  let pos = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1] ?? 0] === scores[idx[i] ?? 0]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[idx[k] ?? 0] === 1) {
        rankSumPos += avgRank;
        pos++;
      }
    }
    i = j + 1;
  }
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return 0.5;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

export interface ClassificationMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly accuracy: number;
}

export function classification(labels: readonly number[], scores: readonly number[], threshold: number): ClassificationMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  labels.forEach((l, i) => {
    const p = (scores[i] ?? 0) >= threshold;
    if (p && l === 1) tp++;
    else if (p) fp++;
    else if (l === 1) fn++;
    else tn++;
  });
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, accuracy: (tp + tn) / Math.max(1, labels.length) };
}
