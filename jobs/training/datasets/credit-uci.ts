/**
 * Credit default data with the full schema of seed 003's UCI "Default of Credit Card Clients"
 * set (Yeh & Lien 2009; 30 000 Taiwanese card holders, April-September 2005), which cannot be
 * downloaded here: LIMIT_BAL, SEX, EDUCATION, MARRIAGE, AGE, PAY_0, PAY_2..PAY_6 (repayment status,
 * -2 no use, -1 paid in full, 0 revolving, 1..8 months late; PAY_0 is September), BILL_AMT1..6 and
 * PAY_AMT1..6 (NT$, 1 = September) and the default flag of October.
 *
 * Marginals follow the published data: limit median ~140k (10k-1M), 60 % women, education mostly
 * university / graduate school, age 21-79 (mean ~35), PAY_0 about half revolving with ~20 % late,
 * a month-to-month repayment chain, bills that follow utilization, payments that follow the status,
 * and ~22 % defaults driven by recent delays, utilization, low limits and payment behaviour.
 */
import type { Prng } from '../prng.ts';
import { clamp, type Dataset } from './dataset.ts';

export const UCI_CREDIT_COLUMNS = [
  'LIMIT_BAL', 'SEX', 'EDUCATION', 'MARRIAGE', 'AGE',
  'PAY_0', 'PAY_2', 'PAY_3', 'PAY_4', 'PAY_5', 'PAY_6',
  'BILL_AMT1', 'BILL_AMT2', 'BILL_AMT3', 'BILL_AMT4', 'BILL_AMT5', 'BILL_AMT6',
  'PAY_AMT1', 'PAY_AMT2', 'PAY_AMT3', 'PAY_AMT4', 'PAY_AMT5', 'PAY_AMT6',
] as const;

export type UciCreditColumn = (typeof UCI_CREDIT_COLUMNS)[number];

/** One client: the 23 UCI columns in UCI_CREDIT_COLUMNS order, and whether they defaulted. */
export interface UciCreditRecord {
  readonly values: readonly number[];
  readonly defaulted: boolean;
}

/**
 * The features the served `credit_default` model takes (subgraphs/models/feature-vectors.ts and the
 * CreditInput SDL): derived from the UCI columns so a model trained on a UCI set is servable.
 */
export const CREDIT_SERVING_FEATURES = ['limit_bal', 'age', 'pay_0', 'pay_2', 'bill_amt1', 'pay_amt1', 'utilization'] as const;

const col = (name: UciCreditColumn): number => UCI_CREDIT_COLUMNS.indexOf(name);

export function servingFeatures(values: readonly number[]): number[] {
  const limit = values[col('LIMIT_BAL')] ?? 1;
  const bill = values[col('BILL_AMT1')] ?? 0;
  return [limit, values[col('AGE')] ?? 0, values[col('PAY_0')] ?? 0, values[col('PAY_2')] ?? 0, bill, values[col('PAY_AMT1')] ?? 0, bill / limit];
}

const STATUS = [-2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8] as const;

/** Next month's repayment status from this month's and the client's risk (a Markov chain). */
function nextStatus(rng: Prng, s: number, risk: number, september: boolean): number {
  if (s >= 1) {
    // late: cure, stay, or roll one more month late
    const r = rng.next();
    const cure = clamp(0.45 - 0.12 * risk, 0.1, 0.8);
    const roll = clamp(0.12 + 0.06 * risk, 0.02, 0.4);
    if (r < cure) return rng.bernoulli(0.7) ? 0 : -1;
    if (r < cure + roll) return Math.min(8, s + 1);
    return s;
  }
  // the published data has almost no status 1 before September (PAY_2..PAY_6), many in PAY_0
  const late = clamp((september ? 0.14 : 0.04) + 0.05 * risk, 0.005, 0.45);
  if (rng.bernoulli(late)) return september ? (rng.bernoulli(0.6) ? 1 : 2) : rng.bernoulli(0.97) ? 2 : 1;
  if (rng.bernoulli(0.82)) return s;
  return rng.pick([-2, -1, 0] as const, [0.2, 0.35, 0.45]);
}

function client(rng: Prng): UciCreditRecord {
  const sex = rng.bernoulli(0.604) ? 2 : 1;
  const education = rng.pick([1, 2, 3, 4, 5, 6, 0] as const, [0.353, 0.468, 0.164, 0.004, 0.009, 0.0017, 0.0003]);
  const age = clamp(Math.round(21 + Math.exp(rng.normal(Math.log(13), 0.55))), 21, 79);
  const marriage = rng.pick([1, 2, 3, 0] as const, age > 33 ? [0.62, 0.36, 0.016, 0.002] : [0.28, 0.71, 0.006, 0.002]);
  // latent creditworthiness: lower limits, lower education and younger clients carry more risk
  const risk = rng.normal(0, 1) + 0.15 * (education >= 3 ? 1 : 0) - 0.1 * (education === 1 ? 1 : 0);
  const limitMedian = 115_000 * Math.exp(-0.35 * risk + (education === 1 ? 0.3 : 0) + 0.01 * (age - 35));
  const limit = clamp(Math.round(Math.exp(rng.normal(Math.log(limitMedian), 0.65)) / 10_000) * 10_000, 10_000, 1_000_000);
  // statuses from April (PAY_6) to September (PAY_0)
  let s: number = rng.pick(STATUS.slice(0, 5), [0.13, 0.2, 0.57, 0.005, 0.06 + 0.03 * Math.max(0, risk)]);
  const chain: number[] = [s];
  for (let m = 1; m < 6; m++) {
    s = nextStatus(rng, s, risk, m === 5);
    chain.push(s);
  }
  const pay = [...chain].reverse(); // pay[0] = PAY_0 (September) ... pay[5] = PAY_6 (April)
  // bills and payments, month 0 = September
  const baseUtil = clamp(Math.exp(rng.normal(Math.log(0.22) + 0.35 * risk, 0.9)), 0, 1.05);
  const bills: number[] = [];
  for (let m = 0; m < 6; m++) {
    const st = pay[m] ?? 0;
    const util = st === -2 ? (rng.bernoulli(0.7) ? 0 : rng.uniform(0, 0.02)) : clamp((st === -1 ? 0.25 : 1) * baseUtil * Math.exp(rng.normal(0.03 * m * (st >= 1 ? -1 : 0), 0.12)) + 0.04 * Math.max(0, st), -0.02, 1.2);
    bills.push(Math.round(util * limit));
  }
  const payments: number[] = [];
  for (let m = 0; m < 6; m++) {
    const st = pay[m] ?? 0;
    const previousBill = Math.max(0, bills[m + 1] ?? bills[m] ?? 0);
    let amt: number;
    if (st === -2) amt = rng.bernoulli(0.6) ? 0 : Math.round(rng.uniform(0, 3000));
    else if (st === -1) amt = Math.round(previousBill * clamp(rng.normal(0.95, 0.1), 0.5, 1.2));
    else if (st === 0) amt = Math.round(previousBill * clamp(Math.exp(rng.normal(Math.log(0.07), 0.6)), 0.01, 0.6));
    else amt = rng.bernoulli(0.55) ? 0 : Math.round(previousBill * clamp(rng.normal(0.04, 0.03), 0, 0.2));
    payments.push(Math.max(0, amt));
  }
  const pay0 = pay[0] ?? 0;
  const pay2 = pay[1] ?? 0;
  const utilization = (bills[0] ?? 0) / limit;
  const paidShare = (payments[0] ?? 0) / Math.max(1000, bills[1] ?? 0);
  const lateMonths = pay.filter((p) => p >= 1).length;
  const logit =
    -1.85 +
    0.75 * Math.max(pay0, 0) +
    (pay0 >= 2 ? 0.9 : 0) +
    0.25 * Math.max(pay2, 0) +
    0.12 * lateMonths +
    0.55 * (utilization - 0.4) -
    0.3 * Math.log(limit / 150_000) -
    0.6 * clamp(paidShare, 0, 1) +
    0.25 * risk +
    0.004 * (age - 35) +
    0.08 * (sex === 1 ? 1 : 0) +
    rng.normal(0, 0.4);
  const values = [limit, sex, education, marriage, age, ...pay, ...bills, ...payments];
  return { values, defaulted: rng.bernoulli(1 / (1 + Math.exp(-logit))) };
}

export function generateUciCredit(rng: Prng, rows: number): UciCreditRecord[] {
  return Array.from({ length: rows }, () => client(rng));
}

export type CreditFeatureSet = 'serving' | 'full';

/**
 * A training set from UCI-shaped records: the serving features (default; what scoreCredit sends)
 * or all 23 UCI columns. Independent rows, split 60 / 20 / 20 in record order.
 */
export function uciCreditDataset(records: readonly UciCreditRecord[], features: CreditFeatureSet = 'serving'): Dataset {
  const n = records.length;
  return {
    featureNames: features === 'serving' ? CREDIT_SERVING_FEATURES : UCI_CREDIT_COLUMNS.map((c) => c.toLowerCase()),
    x: records.map((r) => (features === 'serving' ? servingFeatures(r.values) : [...r.values])),
    y: records.map((r) => (r.defaulted ? 1 : 0)),
    validationFrom: Math.floor(n * 0.6),
    testFrom: Math.floor(n * 0.8),
  };
}
