/**
 * The fraud training set from the lake: one row per labelled payment (silver.fraud_labels: the
 * simulator's ground truth, seed 001 `is_fraud`), features by point-in-time retrieval of the
 * user_payments view at the payment's initiation (the row of that payment itself and the user's
 * payments before it; nothing later). Features are the serving vector (FRAUD_FEATURES, as
 * subgraphs/models/feature-vectors.ts builds it for fraudScore), plus with `extended` the view's
 * velocity and amount statistics over the hour. Rows in label-time order, split 60/20/20 by time.
 */
import { FRAUD_FEATURES } from './fraud.ts';
import { hourCycle, type Dataset } from './dataset.ts';
import { getHistoricalFeatures, type EntityRow } from '../../features/offline/index.ts';
import { LineageCollector, num, readLabels, timeRange, timeSplit, type PlatformDatasetOptions } from './platform-support.ts';

export const FRAUD_EXTENDED_FEATURES = ['user_payments_1h', 'user_amount_avg_1h_log', 'user_amount_max_1h_log', 'user_amount_std_1h_log', 'hour_sin', 'hour_cos'] as const;

export interface PlatformFraudOptions extends PlatformDatasetOptions {
  /** Add FRAUD_EXTENDED_FEATURES after the serving vector. */
  readonly extended?: boolean;
}

/** Also returned for checks: which payment each row is. */
export interface PlatformFraudDataset extends Dataset {
  readonly paymentIds: readonly string[];
  readonly labelTimes: readonly number[];
}

export async function platformFraudDataset(o: PlatformFraudOptions): Promise<PlatformFraudDataset> {
  const lineage = new LineageCollector();
  const labels = await readLabels(o.source, lineage, 'silver.fraud_labels', (rel) =>
    `SELECT payment_id, user_id, occurred_at, is_fraud FROM ${rel} AS l WHERE true${timeRange('occurred_at', o)} ORDER BY occurred_at, payment_id`);
  const entityRows: EntityRow[] = labels.map((l) => ({ user_id: String(l.user_id), event_timestamp: Number(l.occurred_at), payment_id: String(l.payment_id), is_fraud: l.is_fraud === true }));
  const h = await getHistoricalFeatures(o.source, entityRows, ['user_payments:*']);
  lineage.addRetrieval(h);
  const x: number[][] = [];
  const y: number[] = [];
  const paymentIds: string[] = [];
  const labelTimes: number[] = [];
  for (const r of h.rows) {
    const hour = num(r.local_hour, 12);
    const base = [
      Math.log1p(num(r.amount, 0)),
      r.method === 'crypto' ? 1 : 0,
      r.method === 'cash' ? 1 : 0,
      num(r.known_fraud_flag, 0),
      hour >= 23 || hour < 5 ? 1 : 0,
      num(r.is_weekend, 0),
      num(r.high_risk_region, 0),
      num(r.user_payments_30m, 1),
    ];
    if (o.extended) {
      const { hourSin, hourCos } = hourCycle(hour);
      base.push(num(r.user_payments_1h, 1), Math.log1p(num(r.user_amount_avg_1h, 0)), Math.log1p(num(r.user_amount_max_1h, 0)), Math.log1p(num(r.user_amount_std_1h, 0)), hourSin, hourCos);
    }
    x.push(base);
    y.push(r.is_fraud === true ? 1 : 0);
    paymentIds.push(String(r.payment_id));
    labelTimes.push(r.event_timestamp as number);
  }
  return {
    featureNames: o.extended ? [...FRAUD_FEATURES, ...FRAUD_EXTENDED_FEATURES] : FRAUD_FEATURES,
    x, y, ...timeSplit(labelTimes), paymentIds, labelTimes,
    lineage: lineage.lineage(x.length, labelTimes),
  };
}
