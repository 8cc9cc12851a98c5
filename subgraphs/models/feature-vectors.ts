/**
 * Feature engineering of the models subgraph: business-level inputs (a region, demand and supply,
 * a payment, a credit client) become the named features the models were trained on. Each check
 * that fails is BAD_USER_INPUT naming the field (`inputs[3].amount`). No prediction happens here.
 */
import { findRegion, type RegionInfo } from '../../schema/regions.ts';
import { badUserInput } from '../common/index.ts';

export type FeatureMap = Readonly<Record<string, number>>;
export type WeatherArg = 'CLEAR' | 'RAIN' | 'SNOW';
export type PaymentMethodArg = 'CARD' | 'CASH' | 'WALLET' | 'CRYPTO';

const HOUR_MS = 3_600_000;

export interface SurgeArgs {
  readonly regionId: string;
  readonly demand: number;
  readonly supply: number;
  readonly at?: number | null;
  readonly weather?: WeatherArg | null;
  readonly recentCancellationRate?: number | null;
}

export interface FraudArgs {
  readonly paymentId?: string | null;
  readonly amount: number;
  readonly method: PaymentMethodArg;
  readonly regionId: string;
  readonly at?: number | null;
  readonly knownFraudFlag?: boolean | null;
  readonly paymentsLast30Min?: number | null;
}

export interface DemandArgs {
  readonly regionId: string;
  readonly at?: number | null;
  readonly tripsLastHour: number;
  readonly tripsSameHourYesterday: number;
  readonly weather?: WeatherArg | null;
}

export interface CreditArgs {
  readonly clientId?: string | null;
  readonly limitBal: number;
  readonly age: number;
  readonly pay0: number;
  readonly pay2: number;
  readonly billAmt1: number;
  readonly payAmt1: number;
}

function check(ok: boolean, field: string, rule: string, value: unknown): void {
  if (!ok) throw badUserInput(`${field} ${rule}, got ${JSON.stringify(value)}`, { argument: field });
}

function inRange(v: number, min: number, max: number, field: string): number {
  check(Number.isFinite(v) && v >= min && v <= max, field, `must be between ${min} and ${max}`, v);
  return v;
}

function region(id: string, field: string): RegionInfo {
  const r = findRegion(id);
  if (!r) throw badUserInput(`${field} is not a known region: ${JSON.stringify(id)}`, { argument: field });
  return r;
}

/** Local hour (0..23) and weekday (0 = Sunday) of an instant in a region. */
export function localTime(at: number, r: RegionInfo): { hour: number; weekday: number } {
  const local = new Date(at + r.timezoneOffsetHours * HOUR_MS);
  return { hour: local.getUTCHours(), weekday: local.getUTCDay() };
}

function hourCycle(hour: number): { hour_sin: number; hour_cos: number } {
  const a = (2 * Math.PI * hour) / 24;
  return { hour_sin: Math.sin(a), hour_cos: Math.cos(a) };
}

const isWeekend = (weekday: number): number => (weekday === 0 || weekday === 6 ? 1 : 0);

function weatherFlags(w: WeatherArg | null | undefined): { weather_rain: number; weather_snow: number } {
  return { weather_rain: w === 'RAIN' ? 1 : 0, weather_snow: w === 'SNOW' ? 1 : 0 };
}

export function surgeFeatures(a: SurgeArgs, field: string, now: number): FeatureMap {
  const r = region(a.regionId, `${field}.regionId`);
  inRange(a.demand, 0, 1_000_000, `${field}.demand`);
  inRange(a.supply, 0, 1_000_000, `${field}.supply`);
  const cancellation = inRange(a.recentCancellationRate ?? 0, 0, 1, `${field}.recentCancellationRate`);
  const t = localTime(a.at ?? now, r);
  return {
    demand_supply_ratio: a.demand / Math.max(a.supply, 1),
    ...hourCycle(t.hour),
    is_weekend: isWeekend(t.weekday),
    ...weatherFlags(a.weather),
    recent_cancellation_rate: cancellation,
  };
}

export function fraudFeatures(a: FraudArgs, field: string, now: number): FeatureMap {
  const r = region(a.regionId, `${field}.regionId`);
  const amount = inRange(a.amount, 0, 1e9, `${field}.amount`);
  const payments = inRange(a.paymentsLast30Min ?? 1, 1, 10_000, `${field}.paymentsLast30Min`);
  const t = localTime(a.at ?? now, r);
  return {
    amount_log: Math.log1p(amount),
    is_crypto: a.method === 'CRYPTO' ? 1 : 0,
    is_cash: a.method === 'CASH' ? 1 : 0,
    known_fraud_flag: a.knownFraudFlag ? 1 : 0,
    late_night: t.hour >= 23 || t.hour < 5 ? 1 : 0,
    is_weekend: isWeekend(t.weekday),
    high_risk_region: r.highRisk ? 1 : 0,
    payments_last_30min: payments,
  };
}

/** The start of the hour a demand forecast is for: `at`, or the next full hour after `now`. */
export function forecastHour(at: number | null | undefined, now: number): number {
  return at ?? Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
}

export function demandFeatures(a: DemandArgs, field: string, now: number): FeatureMap {
  const r = region(a.regionId, `${field}.regionId`);
  const lastHour = inRange(a.tripsLastHour, 0, 1_000_000, `${field}.tripsLastHour`);
  const yesterday = inRange(a.tripsSameHourYesterday, 0, 1_000_000, `${field}.tripsSameHourYesterday`);
  const t = localTime(forecastHour(a.at, now), r);
  return {
    trips_last_hour: lastHour,
    trips_same_hour_yesterday: yesterday,
    ...hourCycle(t.hour),
    is_weekend: isWeekend(t.weekday),
    ...weatherFlags(a.weather),
  };
}

export function creditFeatures(a: CreditArgs, field: string): FeatureMap {
  const limit = inRange(a.limitBal, 1, 1e9, `${field}.limitBal`);
  const bill = inRange(a.billAmt1, -1e9, 1e9, `${field}.billAmt1`);
  return {
    limit_bal: limit,
    age: inRange(a.age, 18, 120, `${field}.age`),
    pay_0: inRange(a.pay0, -2, 9, `${field}.pay0`),
    pay_2: inRange(a.pay2, -2, 9, `${field}.pay2`),
    bill_amt1: bill,
    pay_amt1: inRange(a.payAmt1, 0, 1e9, `${field}.payAmt1`),
    utilization: bill / limit,
  };
}
