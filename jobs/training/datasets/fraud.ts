/**
 * Payment fraud data labelled by seed 001's rules (schema/fraud-rules.ts) plus noise: the points a
 * payment scores, disturbed by Normal(0, 10), flag it as fraud at 50 (the HIGH risk level).
 */
import { assessFraud } from '../../../schema/fraud-rules.ts';
import { REGIONS } from '../../../schema/regions.ts';
import type { Prng } from '../prng.ts';
import { clamp, type Dataset } from './dataset.ts';

export const FRAUD_FEATURES = ['amount_log', 'is_crypto', 'is_cash', 'known_fraud_flag', 'late_night', 'is_weekend', 'high_risk_region', 'payments_last_30min'] as const;

export function fraudDataset(rng: Prng, rows: number): Dataset {
  const x: number[][] = [];
  const y: number[] = [];
  const regionWeights = REGIONS.map((r) => r.demandWeight);
  for (let i = 0; i < rows; i++) {
    const region = rng.pick(REGIONS, regionWeights);
    const method = rng.pick(['card', 'cash', 'wallet', 'crypto'] as const, [0.55, 0.2, 0.17, 0.08]);
    const knownFraudFlag = rng.bernoulli(0.06);
    const amount = clamp(Math.exp(rng.normal(Math.log(600) + (knownFraudFlag ? 0.8 : 0), 1.1)), 50, 200_000);
    const localHour = rng.pick([...Array(24).keys()], [...Array(24).keys()].map((h) => (h < 6 ? 0.4 : 1)));
    const localWeekday = rng.int(0, 6);
    const burst = rng.bernoulli(0.07);
    const paymentsLast30Min = burst ? rng.poisson(5) + 3 : rng.poisson(0.6) + 1;
    const { points } = assessFraud({ amount, method, knownFraudFlag, highRiskRegion: region.highRisk, localHour, localWeekday, paymentsLast30Min });
    const lateNight = localHour >= 23 || localHour < 5 ? 1 : 0;
    const weekend = localWeekday === 0 || localWeekday === 6 ? 1 : 0;
    x.push([
      Math.log1p(amount),
      method === 'crypto' ? 1 : 0,
      method === 'cash' ? 1 : 0,
      knownFraudFlag ? 1 : 0,
      lateNight,
      weekend,
      region.highRisk ? 1 : 0,
      paymentsLast30Min,
    ]);
    y.push(points + rng.normal(0, 10) >= 50 ? 1 : 0);
  }
  return { featureNames: FRAUD_FEATURES, x, y, testFrom: Math.floor(rows * 0.8) };
}
