/**
 * Credit default data shaped like seed 003's UCI "default of credit card clients" set: credit limit
 * (NT$), age, repayment status of the last two months (-2..8), last bill and payment, utilization.
 * Default follows a noisy logistic risk of late payments, high utilization and low limits (~22%).
 */
import type { Prng } from '../prng.ts';
import { clamp, splitPoints, type Dataset } from './dataset.ts';

export const CREDIT_FEATURES = ['limit_bal', 'age', 'pay_0', 'pay_2', 'bill_amt1', 'pay_amt1', 'utilization'] as const;

const PAY_STATUS = [-2, -1, 0, 1, 2, 3, 4] as const;
const PAY_WEIGHTS = [0.09, 0.19, 0.49, 0.12, 0.09, 0.02, 0.01];

export function creditDataset(rng: Prng, rows: number): Dataset {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const limit = clamp(Math.round(Math.exp(rng.normal(Math.log(140_000), 0.75)) / 10_000) * 10_000, 10_000, 1_000_000);
    const age = clamp(Math.round(rng.normal(35, 9)), 21, 79);
    const pay0 = rng.pick(PAY_STATUS, PAY_WEIGHTS);
    const pay2 = rng.bernoulli(0.6) ? clamp(pay0 - (pay0 > 0 && rng.bernoulli(0.5) ? 1 : 0), -2, 8) : rng.pick(PAY_STATUS, PAY_WEIGHTS);
    const utilization = clamp(rng.normal(0.35 + 0.12 * Math.max(pay0, 0), 0.3), 0, 1.2);
    const bill = Math.round(utilization * limit);
    const paidShare = clamp(rng.normal(0.15 - 0.05 * Math.max(pay0, 0), 0.1), 0, 1);
    const payAmt = Math.round(bill * paidShare);
    const logit =
      -1.9 +
      0.8 * Math.max(pay0, 0) +
      0.3 * Math.max(pay2, 0) -
      0.3 * (pay0 < 0 ? 1 : 0) +
      0.9 * (utilization - 0.4) -
      0.35 * Math.log(limit / 150_000) -
      0.01 * (age - 35) -
      2 * paidShare +
      rng.normal(0, 0.5);
    x.push([limit, age, pay0, pay2, bill, payAmt, bill / limit]);
    y.push(rng.bernoulli(1 / (1 + Math.exp(-logit))) ? 1 : 0);
  }
  return { featureNames: CREDIT_FEATURES, x, y, ...splitPoints(rows) };
}
