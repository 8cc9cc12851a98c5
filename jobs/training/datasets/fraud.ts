/**
 * Payment fraud data drawn from the simulated city's fraud process (schema/fraud-patterns.ts, the
 * one the simulator acts out), labelled by its ground truth (seed 001's `is_fraud`), never by the
 * rules: honest ride payments, rides paid by fraudster accounts, and card-testing bursts whose k-th
 * payment has k payments in the last 30 minutes. Features are what the platform sees of a payment
 * (subgraphs/models/feature-vectors.ts): the seed 001 rule signals.
 */
import { FRAUD_PATTERNS as F } from '../../../schema/fraud-patterns.ts';
import { assessFraud } from '../../../schema/fraud-rules.ts';
import { REGIONS, type RegionInfo } from '../../../schema/regions.ts';
import type { Prng } from '../prng.ts';
import { clamp, rushHour, splitPoints, type Dataset } from './dataset.ts';

export const FRAUD_FEATURES = ['amount_log', 'is_crypto', 'is_cash', 'known_fraud_flag', 'late_night', 'is_weekend', 'high_risk_region', 'payments_last_30min'] as const;

/**
 * Share of payments that are rides of fraudster accounts and that are card-testing bursts: what a
 * simulated day at the simulator's defaults shows (docs/simulator.md).
 */
const FRAUDSTER_RIDE_SHARE = 0.0085;
const BURST_SHARE = 0.004;

interface Payment {
  readonly amount: number;
  readonly method: string;
  readonly flagged: boolean;
  readonly hour: number;
  readonly weekday: number;
  readonly region: RegionInfo;
  readonly velocity: number;
  readonly fraud: boolean;
}

const isNight = (h: number): boolean => h >= 23 || h < 5;
const HOURS = [...Array(24).keys()];
/** When rides happen (rush hours, quiet nights) and when fraudsters ride (the night share is theirs). */
const RIDE_HOUR_WEIGHTS = HOURS.map((h) => 0.15 + rushHour(h));
const FRAUDSTER_HOUR_WEIGHTS = HOURS.map((h) => (isNight(h) ? 1.5 : 0.15 + rushHour(h)));
const BURST_HOUR_WEIGHTS = HOURS.map((h) => (isNight(h) ? 1 : F.burst.dayFactor));

function methodOf(rng: Prng, table: readonly (readonly [string, number])[]): string {
  return rng.pick(table.map((m) => m[0]), table.map((m) => m[1]));
}

/** A ride fare as the simulator prices it: 99 + 14 per km, lognormal distance around 6 km, some surge. */
const rideAmount = (rng: Prng): number => (99 + 14 * clamp(Math.exp(rng.normal(Math.log(6), 0.6)), 0.8, 45)) * rng.uniform(1, 1.4);

function ride(rng: Prng, fraud: boolean): Payment {
  const region = rng.pick(REGIONS, REGIONS.map((r) => r.demandWeight));
  return {
    amount: rideAmount(rng),
    method: methodOf(rng, fraud ? F.fraudsterMethods : F.honestMethods),
    flagged: rng.bernoulli(fraud ? F.flaggedFraudsterShare : F.flaggedHonestShare),
    hour: rng.pick(HOURS, fraud ? FRAUDSTER_HOUR_WEIGHTS : RIDE_HOUR_WEIGHTS),
    weekday: rng.int(0, 6),
    region,
    velocity: 1 + (rng.bernoulli(0.03) ? 1 : 0),
    fraud,
  };
}

function burst(rng: Prng): Payment[] {
  const region = rng.pick(REGIONS, REGIONS.map((r) => r.demandWeight * (r.highRisk ? F.burst.highRiskRegionWeight : 1)));
  const flaggedAccount = rng.bernoulli(F.flaggedFraudsterShare);
  const hour = rng.pick(HOURS, BURST_HOUR_WEIGHTS);
  const weekday = rng.int(0, 6);
  const n = rng.int(F.burst.minPayments, F.burst.maxPayments);
  return Array.from({ length: n }, (_, k) => {
    const high = rng.bernoulli(F.burst.highAmountShare);
    const [lo, hi] = high ? F.burst.highAmount : F.burst.lowAmount;
    return {
      amount: rng.uniform(lo, hi),
      method: rng.bernoulli(F.burst.cryptoShare) ? 'crypto' : 'card',
      flagged: flaggedAccount && rng.bernoulli(F.burst.ownDeviceShare),
      hour,
      weekday,
      region,
      velocity: k + 1,
      fraud: true,
    };
  });
}

function features(p: Payment): number[] {
  return [
    Math.log1p(p.amount),
    p.method === 'crypto' ? 1 : 0,
    p.method === 'cash' ? 1 : 0,
    p.flagged ? 1 : 0,
    isNight(p.hour) ? 1 : 0,
    p.weekday === 0 || p.weekday === 6 ? 1 : 0,
    p.region.highRisk ? 1 : 0,
    p.velocity,
  ];
}

export function fraudDataset(rng: Prng, rows: number): Dataset {
  const payments: Payment[] = [];
  while (payments.length < rows) {
    const r = rng.next();
    const burstStart = BURST_SHARE / ((F.burst.minPayments + F.burst.maxPayments) / 2);
    if (r < burstStart) payments.push(...burst(rng));
    else payments.push(ride(rng, r < burstStart + FRAUDSTER_RIDE_SHARE));
  }
  payments.length = rows;
  return { featureNames: FRAUD_FEATURES, x: payments.map(features), y: payments.map((p) => (p.fraud ? 1 : 0)), ...splitPoints(rows) };
}

/** The seed 001 rules alone on one feature row (the rules' own decision: HIGH or above). */
export function rulesFlag(row: readonly number[]): boolean {
  const [amountLog = 0, crypto = 0, cash = 0, flagged = 0, night = 0, weekend = 0, highRisk = 0, velocity = 1] = row;
  const { riskLevel } = assessFraud({
    amount: Math.expm1(amountLog),
    method: crypto ? 'crypto' : cash ? 'cash' : 'card',
    knownFraudFlag: flagged === 1,
    highRiskRegion: highRisk === 1,
    localHour: night ? 0 : 12,
    localWeekday: weekend ? 6 : 3,
    paymentsLast30Min: velocity,
  });
  return riskLevel === 'HIGH' || riskLevel === 'CRITICAL';
}
