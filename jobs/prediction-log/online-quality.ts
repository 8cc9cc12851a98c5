/**
 * Online quality of the fraud model: logged predictions (a PredictionSink fed by serving, variant
 * champion, canary or shadow) joined by payment id with the ground-truth labels of the
 * `fraud-labels` topic, in whichever order they arrive (both sides wait, bounded, for the other).
 * Each join counts one confusion cell for the model version that predicted, in a fixed window by
 * label arrival; precision and recall per version per window are served (ModelQualitySource),
 * exported as gauges, and a window with at least `minLabels` labels whose precision or recall is
 * below the model's gate (schema/model-gates.ts) raises one `model_quality` alert per version and window.
 */
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConsumerHandle, EventLog } from '../../connectors/contracts/event-log.ts';
import { errorMessage } from '../../schema/errors.ts';
import { parseFraudLabel, type FraudLabel } from '../../schema/events/fraud-labels.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import { ratio, type ModelQualityReport, type ModelQualitySource, type QualityWindow, type VersionQuality } from '../../schema/ml/model-quality.ts';
import type { PredictionRecord, PredictionSink } from '../../schema/ml/prediction-log.ts';
import { MODEL_GATES, type ModelGate } from '../../schema/model-gates.ts';
import type { AlertSink } from '../orchestrator/alerts.ts';

export interface OnlineQualityOptions {
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly alerts?: AlertSink;
  /** The labelled classifier (default fraud_score). */
  readonly model?: string;
  readonly windowMs?: number;
  /** Windows kept per version. */
  readonly retainWindows?: number;
  readonly minLabels?: number;
  /** Predictions (and labels) waiting for their other half, at most; the oldest are forgotten first. */
  readonly maxPending?: number;
  readonly gates?: Readonly<Record<string, ModelGate>>;
  readonly now?: () => number;
}

interface Cells { tp: number; fp: number; fn: number; tn: number }
interface VersionState { windows: Map<number, Cells>; alerted: Set<number> }

/** The constant lower bounds a gate sets on precision and recall. */
export function qualityThresholds(gate: ModelGate | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of gate?.checks ?? []) {
    if ((c.metric === 'precision' || c.metric === 'recall') && c.op === '>=' && c.value !== undefined) out[c.metric] = Math.max(out[c.metric] ?? 0, c.value);
  }
  return out;
}

function windowOf(start: number, windowMs: number, c: Cells): QualityWindow {
  return {
    start, end: start + windowMs,
    truePositives: c.tp, falsePositives: c.fp, falseNegatives: c.fn, trueNegatives: c.tn,
    labelled: c.tp + c.fp + c.fn + c.tn,
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
  };
}

export class OnlineQuality implements PredictionSink, ModelQualitySource {
  readonly #model: string;
  readonly #windowMs: number;
  readonly #retain: number;
  readonly #minLabels: number;
  readonly #maxPending: number;
  readonly #thresholds: Readonly<Record<string, number>>;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #alerts: AlertSink | undefined;
  /** payment id -> version -> decision */
  readonly #predictions = new Map<string, Map<string, boolean>>();
  /** payment id -> is_fraud, for labels that came first */
  readonly #labels = new Map<string, boolean>();
  readonly #versions = new Map<string, VersionState>();
  readonly #m;

  constructor(o: OnlineQualityOptions) {
    this.#model = o.model ?? 'fraud_score';
    this.#windowMs = o.windowMs ?? 3_600_000;
    this.#retain = o.retainWindows ?? 24;
    this.#minLabels = o.minLabels ?? 50;
    this.#maxPending = o.maxPending ?? 100_000;
    this.#thresholds = qualityThresholds((o.gates ?? MODEL_GATES)[this.#model]);
    this.#now = o.now ?? Date.now;
    this.#log = o.logger.child({ job: 'online-quality', model: this.#model });
    this.#alerts = o.alerts;
    const r = o.metrics;
    const gauge = (name: string, help: string): Gauge<'model' | 'version'> =>
      (r.getSingleMetric(name) as Gauge<'model' | 'version'> | undefined) ?? new Gauge({ name, help, labelNames: ['model', 'version'], registers: [r] });
    this.#m = {
      precision: gauge('gofuture_model_online_precision', 'Online precision of a model version in the current window (labelled predictions)'),
      recall: gauge('gofuture_model_online_recall', 'Online recall of a model version in the current window (labelled predictions)'),
      joined: (r.getSingleMetric('gofuture_model_labels_joined_total') as Counter<'model' | 'version'> | undefined)
        ?? new Counter({ name: 'gofuture_model_labels_joined_total', help: 'Labels joined to logged predictions, by model and version', labelNames: ['model', 'version'], registers: [r] }),
    };
  }

  write(records: readonly PredictionRecord[]): void {
    for (const r of records) {
      if (r.model !== this.#model || r.entityId === null || r.decision === null) continue;
      const label = this.#labels.get(r.entityId);
      if (label !== undefined) {
        this.#count(r.version, r.decision, label);
        continue; // the label stays: another version (shadow, canary) of the same payment may follow
      }
      const byVersion = this.#predictions.get(r.entityId) ?? new Map<string, boolean>();
      byVersion.set(r.version, r.decision);
      this.#bounded(this.#predictions, r.entityId, byVersion);
    }
  }

  /** One ground-truth label. */
  label(l: Pick<FraudLabel, 'payment_id' | 'is_fraud'>): void {
    const byVersion = this.#predictions.get(l.payment_id);
    if (byVersion) {
      this.#predictions.delete(l.payment_id);
      for (const [version, decision] of byVersion) this.#count(version, decision, l.is_fraud);
    }
    this.#bounded(this.#labels, l.payment_id, l.is_fraud);
  }

  /** Consumes the `fraud-labels` topic into label(). */
  async consume(log: EventLog, groupId = 'online-quality'): Promise<ConsumerHandle> {
    await log.ensureTopics([TOPICS.fraudLabels]);
    return log.consume({
      groupId,
      topics: [TOPICS.fraudLabels.name],
      handler: async (batch) => {
        for (const rec of batch.records) {
          const l = parseFraudLabel(rec.value);
          if (l) this.label(l);
          else this.#log.warn({ offset: rec.offset, partition: rec.partition }, 'fraud label not parsed; skipped');
        }
      },
    });
  }

  quality(model: string): ModelQualityReport | undefined {
    if (model !== this.#model || this.#versions.size === 0) return undefined;
    const versions: VersionQuality[] = [...this.#versions.entries()].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([version, s]) => {
      const starts = [...s.windows.keys()].sort((a, b) => a - b);
      const sum: Cells = { tp: 0, fp: 0, fn: 0, tn: 0 };
      for (const c of s.windows.values()) { sum.tp += c.tp; sum.fp += c.fp; sum.fn += c.fn; sum.tn += c.tn; }
      const windows = starts.map((st) => windowOf(st, this.#windowMs, s.windows.get(st) as Cells));
      const first = starts[0] ?? 0;
      const total = { ...windowOf(first, this.#windowMs, sum), end: (starts.at(-1) ?? first) + this.#windowMs };
      return { version, windows, total, degraded: this.#degraded(windows) };
    });
    return { model: this.#model, windowMs: this.#windowMs, minLabels: this.#minLabels, thresholds: this.#thresholds, versions };
  }

  #bounded<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    while (map.size > this.#maxPending) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) break;
      map.delete(oldest);
    }
  }

  #below(w: QualityWindow): string[] {
    const out: string[] = [];
    const p = this.#thresholds.precision;
    const r = this.#thresholds.recall;
    if (p !== undefined && w.precision !== null && w.precision < p) out.push(`precision ${w.precision.toFixed(3)} < ${p}`);
    if (r !== undefined && w.recall !== null && w.recall < r) out.push(`recall ${w.recall.toFixed(3)} < ${r}`);
    return out;
  }

  #degraded(windows: readonly QualityWindow[]): boolean {
    const judged = windows.filter((w) => w.labelled >= this.#minLabels).at(-1);
    return judged ? this.#below(judged).length > 0 : false;
  }

  #count(version: string, decision: boolean, isFraud: boolean): void {
    const s = this.#versions.get(version) ?? { windows: new Map<number, Cells>(), alerted: new Set<number>() };
    this.#versions.set(version, s);
    const start = Math.floor(this.#now() / this.#windowMs) * this.#windowMs;
    const c = s.windows.get(start) ?? { tp: 0, fp: 0, fn: 0, tn: 0 };
    s.windows.set(start, c);
    if (decision && isFraud) c.tp++;
    else if (decision) c.fp++;
    else if (isFraud) c.fn++;
    else c.tn++;
    for (const old of [...s.windows.keys()].sort((a, b) => a - b).slice(0, Math.max(0, s.windows.size - this.#retain))) {
      s.windows.delete(old);
      s.alerted.delete(old);
    }
    const w = windowOf(start, this.#windowMs, c);
    const labels = { model: this.#model, version };
    this.#m.joined.inc(labels);
    if (w.precision !== null) this.#m.precision.set(labels, w.precision);
    if (w.recall !== null) this.#m.recall.set(labels, w.recall);
    if (w.labelled < this.#minLabels || s.alerted.has(start)) return;
    const below = this.#below(w);
    if (below.length === 0) return;
    s.alerted.add(start);
    const message = `model ${this.#model} version ${version} degraded online: ${below.join(', ')} over ${w.labelled} labelled predictions since ${new Date(start).toISOString()} (gate: ${Object.entries(this.#thresholds).map(([k, v]) => `${k} >= ${v}`).join(', ')})`;
    this.#log.warn({ version, precision: w.precision, recall: w.recall, labelled: w.labelled }, message);
    void this.#alerts?.raise({ severity: 'warn', kind: 'model_quality', dag: null, task: null, source: `${this.#model}@${version}`, logicalDate: new Date(start).toISOString().slice(0, 10), message })
      .catch((e: unknown) => this.#log.error({ err: errorMessage(e) }, 'model quality alert not raised'));
  }
}
