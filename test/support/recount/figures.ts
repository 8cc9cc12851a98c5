/**
 * Recounted and served figures as comparable maps (same keys, same field names), one function per
 * figure of the recount test.
 */
import { REGION_IDS } from '../../../schema/regions.ts';
import { byKey, type Plain } from './compare.ts';
import type { RawLog } from './raw-log.ts';
import { recountFeatures, type FeatureTruth } from './recount-features.ts';
import { recountFraudSummary, recountPayments, recountRevenuePerDay, type PaymentTruth } from './recount-payments.ts';
import { recountDrivers, recountTripBuckets, recountTrips, type DriverTruth, type TripTruth } from './recount-trips.ts';
import { recountWindows, windowKey, type WindowRecount } from './recount-windows.ts';
import type { ServedBucket, ServedDriver, ServedPayment, ServedRevenueDay, ServedRiskLevel, ServedTrip, ServedVector, ServedWindow } from './served.ts';

export interface Recount {
  readonly trips: ReadonlyMap<string, TripTruth>;
  readonly payments: ReadonlyMap<string, PaymentTruth>;
  readonly drivers: ReadonlyMap<string, DriverTruth>;
  readonly windows: WindowRecount;
  readonly features: FeatureTruth;
  /** [from, to) covering every event, in whole UTC days with a day of margin. */
  readonly range: { readonly from: string; readonly to: string };
}

const DAY = 86_400_000;
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function recountAll(log: RawLog, windowMinutes: readonly number[], allowedLatenessMs: number): Recount {
  const trips = recountTrips(log.events);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const { event } of log.events) {
    min = Math.min(min, event.occurred_at);
    max = Math.max(max, event.occurred_at);
  }
  return {
    trips,
    payments: recountPayments(log.events),
    drivers: recountDrivers(log.events, trips),
    windows: recountWindows(log.events, log.marks, windowMinutes, allowedLatenessMs),
    features: recountFeatures(log.events),
    range: { from: new Date(Math.floor(min / DAY) * DAY - DAY).toISOString(), to: new Date(Math.floor(max / DAY) * DAY + 2 * DAY).toISOString() },
  };
}

export const TRIP_FIELDS = ['status', 'regionId', 'driverId', 'riderId', 'fare', 'requestedAt', 'completedAt', 'cancelledAt'] as const;

export function tripFigures(r: Recount, served: readonly ServedTrip[]): { expected: Map<string, Plain>; served: Map<string, Plain> } {
  return {
    expected: byKey(r.trips.values(), (t) => t.id, (t) => ({
      status: t.status, regionId: t.regionId, driverId: t.driverId, riderId: t.riderId, fare: t.fare,
      requestedAt: iso(t.requestedAt), completedAt: iso(t.completedAt), cancelledAt: iso(t.cancelledAt),
    })),
    served: byKey(served, (t) => t.id, (t) => ({
      status: t.status, regionId: t.region.id, driverId: t.driver?.id ?? null, riderId: t.rider?.id ?? null, fare: t.fare,
      requestedAt: t.requestedAt, completedAt: t.completedAt, cancelledAt: t.cancelledAt,
    })),
  };
}

export const BUCKET_FIELDS = ['trips', 'completed', 'cancelled', 'cancellationRate', 'revenue', 'averageFare'] as const;

export function bucketFigures(r: Recount, granularity: 'HOUR' | 'DAY', served: readonly ServedBucket[]): { expected: Map<string, Plain>; served: Map<string, Plain> } {
  const expected = new Map<string, Plain>();
  for (const [k, b] of recountTripBuckets(r.trips, granularity)) expected.set(k, { ...b });
  return { expected, served: byKey(served, (b) => `${b.bucketStart}|${b.region.id}`, (b) => ({ ...b })) };
}

export const DRIVER_FIELDS = ['name', 'regionId', 'status', 'tripsCompleted', 'revenue', 'averageRating', 'ratingCount'] as const;
export const DRIVER_STAT_FIELDS = ['tripsCompleted', 'revenue', 'averageRating', 'ratingCount'] as const;

const servedDriver = (d: ServedDriver): Plain => ({ name: d.name, regionId: d.region?.id ?? null, status: d.status, ...d.stats });

export function driverFigures(r: Recount, served: readonly ServedDriver[], only?: (d: DriverTruth) => boolean): { expected: Map<string, Plain>; served: Map<string, Plain> } {
  const list = [...r.drivers.values()].filter((d) => (only ? only(d) : d.status !== null));
  return { expected: byKey(list, (d) => d.id, (d) => ({ ...d })), served: byKey(served, (d) => d.id, servedDriver) };
}

/**
 * driverStats of one region (at most `first` drivers): when more drivers qualify than the page holds,
 * only the served ones are compared (their figures must still be the recount's).
 */
export function driverStatFigures(r: Recount, regionId: string, served: readonly ServedDriver[], qualifies: (d: DriverTruth) => boolean, first: number): { expected: Map<string, Plain>; served: Map<string, Plain>; truncated: boolean } {
  const mine = new Set(served.map((d) => d.id));
  const all = [...r.drivers.values()].filter((d) => d.regionId === regionId && qualifies(d));
  const truncated = all.length > first;
  const list = truncated ? all.filter((d) => mine.has(d.id)) : all;
  return { expected: byKey(list, (d) => d.id, (d) => ({ ...d })), served: byKey(served, (d) => d.id, servedDriver), truncated };
}

export const REVENUE_FIELDS = ['revenue', 'payments', 'completed', 'failed', 'refunded'] as const;

export function revenueFigures(r: Recount, served: readonly ServedRevenueDay[], byRegion: boolean): { expected: Map<string, Plain>; served: Map<string, Plain> } {
  const expected = new Map<string, Plain>();
  for (const [k, v] of recountRevenuePerDay(r.payments, byRegion)) expected.set(k, { ...v });
  return { expected, served: byKey(served, (d) => `${d.date}|${d.region?.id ?? '*'}`, (d) => ({ ...d })) };
}

export function fraudFigures(r: Recount, served: readonly ServedRiskLevel[]): { expected: Map<string, Plain>; served: Map<string, Plain> } {
  const expected = new Map<string, Plain>();
  for (const [k, v] of recountFraudSummary(r.payments)) expected.set(k, { ...v });
  return { expected, served: byKey(served, (x) => x.riskLevel, (x) => ({ ...x })) };
}

export const PAYMENT_FIELDS = ['status', 'userId', 'regionId', 'amount', 'refundedAmount', 'initiatedAt', 'riskLevel', 'score', 'reasons'] as const;

export function paymentFigures(r: Recount, served: readonly ServedPayment[]): { expected: Map<string, Plain>; served: Map<string, Plain> } {
  return {
    expected: byKey(r.payments.values(), (p) => p.id, (p) => ({
      status: p.status, userId: p.userId, regionId: p.regionId, amount: p.amount, refundedAmount: p.refundedAmount,
      initiatedAt: iso(p.initiatedAt), riskLevel: p.riskLevel, score: Math.min(1, p.points / 100), reasons: [...p.reasons].sort().join(','),
    })),
    served: byKey(served, (p) => p.id, (p) => ({
      status: p.status, userId: p.userId, regionId: p.region.id, amount: p.amount, refundedAmount: p.refundedAmount,
      initiatedAt: p.initiatedAt, riskLevel: p.fraud.riskLevel, score: p.fraud.score, reasons: [...p.fraud.reasons].sort().join(','),
    })),
  };
}

export const WINDOW_FIELDS = ['tripCount', 'completedCount', 'cancelledCount', 'cancellationRate', 'averagePrice', 'revenue', 'isFinal'] as const;

export const servedWindowKey = (w: ServedWindow): string => windowKey(w.regionId ?? null, w.windowMinutes, w.windowStart);

export function windowFigures(r: Recount, served: readonly ServedWindow[]): { expected: Map<string, Plain>; served: Map<string, Plain> } {
  const expected = new Map<string, Plain>();
  for (const [k, w] of r.windows.windows) expected.set(k, { ...w });
  return { expected, served: byKey(served, servedWindowKey, (w) => ({ ...w })) };
}

export const FEATURE_ENTITIES = [
  { entity: 'driver', api: 'DRIVER' },
  { entity: 'rider', api: 'RIDER' },
  { entity: 'region', api: 'REGION' },
] as const;

/** The ids whose vectors are asked for: every entity the recount knows (with or without a vector). */
export function featureIds(r: Recount, entity: 'driver' | 'rider' | 'region'): string[] {
  const ids = new Set<string>(r.features.get(entity)?.keys() ?? []);
  if (entity === 'driver') for (const id of r.drivers.keys()) ids.add(id);
  if (entity === 'region') for (const id of REGION_IDS) ids.add(id);
  if (entity === 'rider') for (const t of r.trips.values()) if (t.riderId) ids.add(t.riderId);
  return [...ids].sort();
}

export function featureFigures(r: Recount, entity: 'driver' | 'rider' | 'region', served: ReadonlyMap<string, ServedVector | null>): { expected: Map<string, Plain>; served: Map<string, Plain>; fields: string[] } {
  const truth = r.features.get(entity) ?? new Map<string, Record<string, number | null>>();
  const fields = new Set<string>();
  const expected = new Map<string, Plain>();
  const got = new Map<string, Plain>();
  for (const id of featureIds(r, entity)) {
    const t = truth.get(id);
    if (t) for (const f of Object.keys(t)) fields.add(f);
    expected.set(id, t ? { vector: 'present', ...t } : { vector: 'none' });
    const s = served.get(id) ?? null;
    got.set(id, s ? { vector: 'present', ...Object.fromEntries(s.values.map((v) => [v.name, v.value])) } : { vector: 'none' });
  }
  return { expected, served: got, fields: ['vector', ...fields] };
}
