/**
 * The platform-level tests' own arithmetic, straight from the domain events and independent of the
 * jobs' code: 5-minute windows per region (what the aggregation job must produce), trips per hour and
 * region (tripStats), payments and revenue per day and region (revenuePerDay), and a lower bound of
 * the aggregation watermark the events imply. `mismatch` compares such figures with what the API
 * returned, numbers within 1e-6 (the aggregation rounds money to 1e-6) or a relative 1e-9 (summation
 * order differs between engines), whichever is larger.
 */
import type { DomainEvent } from '../../../schema/events/domain-events.ts';
import { TOPICS } from '../../../schema/events/topics.ts';
import { EVENT_TOPIC } from '../../../schema/events/domain-events.ts';

const HOUR_MS = 3_600_000;

/**
 * Where `actual` differs from `expected` (a path and both values), or null when they agree:
 * same keys, same strings/booleans/nulls, numbers within the tolerance above; arrays element by element.
 */
export function mismatch(actual: unknown, expected: unknown, path = '$'): string | null {
  if (typeof expected === 'number' && typeof actual === 'number') {
    return Math.abs(actual - expected) <= Math.max(1e-6, 1e-9 * Math.abs(expected)) ? null : `${path}: ${actual} instead of ${expected}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: not an array`;
    if (actual.length !== expected.length) return `${path}: ${actual.length} items instead of ${expected.length}`;
    for (let i = 0; i < expected.length; i++) {
      const m = mismatch(actual[i], expected[i], `${path}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return `${path}: ${JSON.stringify(actual)} instead of an object`;
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    const keys = new Set([...Object.keys(a), ...Object.keys(e)]);
    for (const k of keys) {
      const m = mismatch(a[k], e[k], `${path}.${k}`);
      if (m) return m;
    }
    return null;
  }
  return Object.is(actual, expected) ? null : `${path}: ${JSON.stringify(actual)} instead of ${JSON.stringify(expected)}`;
}

export interface WindowTally {
  readonly regionId: string;
  readonly windowStart: number;
  tripCount: number;
  completedCount: number;
  cancelledCount: number;
  priceCount: number;
  priceSum: number;
  revenue: number;
}

/** What a window should show, in the GraphQL field names. */
export interface WindowFigures {
  readonly tripCount: number;
  readonly completedCount: number;
  readonly cancelledCount: number;
  readonly cancellationRate: number;
  readonly averagePrice: number | null;
  readonly revenue: number;
}

export function figuresOf(w: WindowTally): WindowFigures {
  return {
    tripCount: w.tripCount,
    completedCount: w.completedCount,
    cancelledCount: w.cancelledCount,
    cancellationRate: w.completedCount + w.cancelledCount ? w.cancelledCount / (w.completedCount + w.cancelledCount) : 0,
    averagePrice: w.priceCount ? w.priceSum / w.priceCount : null,
    revenue: w.revenue,
  };
}

/** Per `${region}|${windowStart}`: trips created, completed (+ fares), cancelled, prices, by event time. */
export function windowTally(events: readonly DomainEvent[], windowMs: number): Map<string, WindowTally> {
  const out = new Map<string, WindowTally>();
  const at = (regionId: string, t: number): WindowTally => {
    const windowStart = Math.floor(t / windowMs) * windowMs;
    const k = `${regionId}|${windowStart}`;
    let w = out.get(k);
    if (!w) out.set(k, (w = { regionId, windowStart, tripCount: 0, completedCount: 0, cancelledCount: 0, priceCount: 0, priceSum: 0, revenue: 0 }));
    return w;
  };
  for (const e of events) {
    switch (e.event_type) {
      case 'BookingCreated': at(e.data.region_id, e.occurred_at).tripCount++; break;
      case 'BookingCompleted': { const w = at(e.data.region_id, e.occurred_at); w.completedCount++; w.revenue += e.data.fare; break; }
      case 'BookingCancelled': at(e.data.region_id, e.occurred_at).cancelledCount++; break;
      case 'PriceCalculated': { const w = at(e.data.region_id, e.occurred_at); w.priceCount++; w.priceSum += e.data.final_price; break; }
      default: break;
    }
  }
  return out;
}

/**
 * A lower bound of the aggregation watermark once every event is consumed: per topic it reads
 * (keyed by region) the latest event time of each region, the smallest of those, minus the allowed
 * lateness (a partition's latest time is at least that of any region it holds).
 */
export function watermarkLowerBound(events: readonly DomainEvent[], allowedLatenessMs: number): number {
  const latest = new Map<string, number>();
  for (const e of events) {
    const topic = EVENT_TOPIC[e.event_type].name;
    if (topic !== TOPICS.booking.name && topic !== TOPICS.pricing.name) continue;
    const region = (e.data as { region_id?: string }).region_id;
    if (!region) continue;
    const k = `${topic}|${region}`;
    latest.set(k, Math.max(latest.get(k) ?? 0, e.occurred_at));
  }
  return Math.min(...latest.values()) - allowedLatenessMs;
}

/** One row of tripStats(granularity: HOUR), in its GraphQL shape (region flattened to its id). */
export interface TripBucketFigures {
  readonly bucketStart: string;
  readonly regionId: string;
  readonly trips: number;
  readonly completed: number;
  readonly cancelled: number;
  readonly cancellationRate: number;
  readonly revenue: number;
  readonly averageFare: number | null;
}

/**
 * Trips per requested hour and region: one trip per BookingCreated; its status is completed or
 * cancelled when such an event exists (the later of the two if both); revenue is completed fares.
 */
export function tripBucketTally(events: readonly DomainEvent[]): TripBucketFigures[] {
  const trips = new Map<string, { region: string; requestedAt: number; completedAt: number | null; fare: number; cancelledAt: number | null }>();
  const trip = (id: string) => {
    let t = trips.get(id);
    if (!t) trips.set(id, (t = { region: '', requestedAt: Number.NaN, completedAt: null, fare: 0, cancelledAt: null }));
    return t;
  };
  for (const e of events) {
    if (e.event_type === 'BookingCreated') Object.assign(trip(e.data.booking_id), { region: e.data.region_id, requestedAt: e.occurred_at });
    else if (e.event_type === 'BookingCompleted') Object.assign(trip(e.data.booking_id), { completedAt: e.occurred_at, fare: e.data.fare });
    else if (e.event_type === 'BookingCancelled') trip(e.data.booking_id).cancelledAt = e.occurred_at;
  }
  const buckets = new Map<string, { start: number; region: string; trips: number; completed: number; cancelled: number; revenue: number }>();
  for (const t of trips.values()) {
    if (Number.isNaN(t.requestedAt)) continue; // never created: not a trip of this stream
    const start = Math.floor(t.requestedAt / HOUR_MS) * HOUR_MS;
    const k = `${start}|${t.region}`;
    let b = buckets.get(k);
    if (!b) buckets.set(k, (b = { start, region: t.region, trips: 0, completed: 0, cancelled: 0, revenue: 0 }));
    b.trips++;
    const completed = t.completedAt !== null && (t.cancelledAt === null || t.completedAt >= t.cancelledAt);
    if (completed) {
      b.completed++;
      b.revenue += t.fare;
    } else if (t.cancelledAt !== null) b.cancelled++;
  }
  return [...buckets.values()]
    .sort((a, b) => a.start - b.start || a.region.localeCompare(b.region))
    .map((b) => ({
      bucketStart: new Date(b.start).toISOString(),
      regionId: b.region,
      trips: b.trips,
      completed: b.completed,
      cancelled: b.cancelled,
      cancellationRate: b.cancelled / b.trips,
      revenue: b.revenue,
      averageFare: b.completed ? b.revenue / b.completed : null,
    }));
}

/** One row of revenuePerDay(byRegion: true), in its GraphQL shape (region flattened to its id). */
export interface RevenueDayFigures {
  readonly date: string;
  readonly regionId: string;
  readonly revenue: number;
  readonly payments: number;
  readonly completed: number;
  readonly failed: number;
  readonly refunded: number;
}

/**
 * Payments per UTC day of PaymentInitiated and region. Status: refunded > completed > failed >
 * initiated; revenue = amount - refunded amount (largest refund) of completed and refunded payments.
 */
export function revenueDayTally(events: readonly DomainEvent[]): RevenueDayFigures[] {
  const pays = new Map<string, { at: number; region: string; amount: number; completed: boolean; failed: boolean; refund: number | null }>();
  for (const e of events) {
    if (e.event_type === 'PaymentInitiated') {
      pays.set(e.data.payment_id, { at: e.occurred_at, region: e.data.region_id, amount: e.data.amount, completed: false, failed: false, refund: null });
    }
  }
  for (const e of events) {
    if (e.event_type !== 'PaymentCompleted' && e.event_type !== 'PaymentFailed' && e.event_type !== 'PaymentRefunded') continue;
    const p = pays.get(e.data.payment_id);
    if (!p) continue; // no PaymentInitiated (yet): not a payment row; its facts wait in the pending table
    if (e.event_type === 'PaymentCompleted') p.completed = true;
    else if (e.event_type === 'PaymentFailed') p.failed = true;
    else p.refund = Math.max(p.refund ?? 0, e.data.amount);
  }
  const days = new Map<string, { date: string; region: string; revenue: number; payments: number; completed: number; failed: number; refunded: number }>();
  for (const p of pays.values()) {
    const date = new Date(p.at).toISOString().slice(0, 10);
    const k = `${date}|${p.region}`;
    let d = days.get(k);
    if (!d) days.set(k, (d = { date, region: p.region, revenue: 0, payments: 0, completed: 0, failed: 0, refunded: 0 }));
    d.payments++;
    if (p.refund !== null) {
      d.refunded++;
      d.revenue += p.amount - p.refund;
    } else if (p.completed) {
      d.completed++;
      d.revenue += p.amount;
    } else if (p.failed) d.failed++;
  }
  return [...days.values()]
    .sort((a, b) => a.date.localeCompare(b.date) || a.region.localeCompare(b.region))
    .map((d) => ({ date: d.date, regionId: d.region, revenue: d.revenue, payments: d.payments, completed: d.completed, failed: d.failed, refunded: d.refunded }));
}
