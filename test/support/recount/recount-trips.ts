/**
 * The recount of trips, trip buckets, drivers and driver stats from the raw events, written for the
 * test alone, from the definitions in schema/subgraphs/trips.graphql:
 * - a trip is one booking_id of the booking lifecycle events and PriceCalculated; per fact (created,
 *   accepted, started, completed, cancelled) the newest event counts; status is the furthest stage
 *   (completed or cancelled, the later of both if both; then started, accepted, requested);
 *   requestedAt is BookingCreated's time (the earliest event time while it is missing);
 * - tripStats: trips by the hour / UTC day of requestedAt and region; completed and cancelled by
 *   final status; revenue = fares of completed trips; cancellationRate = cancelled / trips;
 *   averageFare = revenue / completed;
 * - a driver's status is its newest DriverStatusChanged; stats: completed trips and their fares,
 *   ratings one per booking (the newest DriverRated of the booking).
 */
import type { LoggedEvent } from './raw-log.ts';

export type Status = 'REQUESTED' | 'ACCEPTED' | 'STARTED' | 'COMPLETED' | 'CANCELLED';

export interface TripTruth {
  readonly id: string;
  readonly regionId: string;
  readonly riderId: string | null;
  readonly driverId: string | null;
  readonly status: Status;
  readonly fare: number | null;
  readonly requestedAt: number;
  readonly completedAt: number | null;
  readonly cancelledAt: number | null;
}

interface Fact {
  at: number;
  driverId: string | null;
}

interface Facts {
  regionId: string;
  riderId: string | null;
  firstAt: number;
  created: number | null;
  accepted: Fact | null;
  started: Fact | null;
  completed: (Fact & { fare: number }) | null;
  cancelled: Fact | null;
}

const newer = <T extends { at: number }>(cur: T | null, next: T): T => (cur === null || next.at >= cur.at ? next : cur);

export function recountTrips(events: readonly LoggedEvent[]): Map<string, TripTruth> {
  const facts = new Map<string, Facts>();
  for (const { event: e } of events) {
    if (!['BookingCreated', 'BookingAccepted', 'BookingStarted', 'BookingCompleted', 'BookingCancelled', 'PriceCalculated'].includes(e.event_type)) continue;
    const d = e.data as { booking_id: string; region_id: string; rider_id?: string; driver_id?: string | null };
    let f = facts.get(d.booking_id);
    if (!f) {
      f = { regionId: d.region_id, riderId: null, firstAt: e.occurred_at, created: null, accepted: null, started: null, completed: null, cancelled: null };
      facts.set(d.booking_id, f);
    }
    f.firstAt = Math.min(f.firstAt, e.occurred_at);
    if (d.rider_id !== undefined) f.riderId ??= d.rider_id;
    const at = e.occurred_at;
    const driverId = d.driver_id ?? null;
    switch (e.event_type) {
      case 'BookingCreated':
        if (f.created === null || at >= f.created) f.created = at;
        f.regionId = e.data.region_id;
        f.riderId = e.data.rider_id;
        break;
      case 'BookingAccepted':
        f.accepted = newer(f.accepted, { at, driverId });
        break;
      case 'BookingStarted':
        f.started = newer(f.started, { at, driverId });
        break;
      case 'BookingCompleted':
        f.completed = newer(f.completed, { at, driverId, fare: e.data.fare });
        break;
      case 'BookingCancelled':
        f.cancelled = newer(f.cancelled, { at, driverId });
        break;
      default:
        break;
    }
  }
  const out = new Map<string, TripTruth>();
  for (const [id, f] of facts) {
    let status: Status = 'REQUESTED';
    if (f.completed && f.cancelled) status = f.completed.at >= f.cancelled.at ? 'COMPLETED' : 'CANCELLED';
    else if (f.completed) status = 'COMPLETED';
    else if (f.cancelled) status = 'CANCELLED';
    else if (f.started) status = 'STARTED';
    else if (f.accepted) status = 'ACCEPTED';
    const driverId = [f.completed, f.cancelled, f.started, f.accepted].find((x) => x !== null && x.driverId !== null)?.driverId ?? null;
    out.set(id, {
      id,
      regionId: f.regionId,
      riderId: f.riderId,
      driverId,
      status,
      fare: f.completed ? f.completed.fare : null,
      requestedAt: f.created ?? f.firstAt,
      completedAt: f.completed?.at ?? null,
      cancelledAt: f.cancelled?.at ?? null,
    });
  }
  return out;
}

export interface BucketTruth {
  readonly bucketStart: string;
  readonly regionId: string;
  readonly trips: number;
  readonly completed: number;
  readonly cancelled: number;
  readonly cancellationRate: number;
  readonly revenue: number;
  readonly averageFare: number | null;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** tripStats of one granularity, keyed `bucketStart|regionId`. */
export function recountTripBuckets(trips: ReadonlyMap<string, TripTruth>, granularity: 'HOUR' | 'DAY'): Map<string, BucketTruth> {
  const size = granularity === 'HOUR' ? HOUR : DAY;
  const acc = new Map<string, { start: number; regionId: string; trips: number; completed: number; cancelled: number; revenue: number }>();
  for (const t of trips.values()) {
    const start = Math.floor(t.requestedAt / size) * size;
    const k = `${new Date(start).toISOString()}|${t.regionId}`;
    let a = acc.get(k);
    if (!a) acc.set(k, (a = { start, regionId: t.regionId, trips: 0, completed: 0, cancelled: 0, revenue: 0 }));
    a.trips++;
    if (t.status === 'COMPLETED') {
      a.completed++;
      a.revenue += t.fare ?? 0;
    }
    if (t.status === 'CANCELLED') a.cancelled++;
  }
  const out = new Map<string, BucketTruth>();
  for (const [k, a] of acc) {
    out.set(k, {
      bucketStart: new Date(a.start).toISOString(),
      regionId: a.regionId,
      trips: a.trips,
      completed: a.completed,
      cancelled: a.cancelled,
      cancellationRate: a.trips === 0 ? 0 : a.cancelled / a.trips,
      revenue: a.revenue,
      averageFare: a.completed === 0 ? null : a.revenue / a.completed,
    });
  }
  return out;
}

export interface DriverTruth {
  readonly id: string;
  readonly name: string | null;
  readonly regionId: string | null;
  readonly status: string | null;
  readonly tripsCompleted: number;
  readonly revenue: number;
  readonly averageRating: number | null;
  readonly ratingCount: number;
}

export function recountDrivers(events: readonly LoggedEvent[], trips: ReadonlyMap<string, TripTruth>): Map<string, DriverTruth> {
  const status = new Map<string, { at: number; name: string; regionId: string; status: string }>();
  const ratings = new Map<string, { at: number; driverId: string; rating: number }>();
  for (const { event: e } of events) {
    if (e.event_type === 'DriverStatusChanged') {
      const cur = status.get(e.data.driver_id);
      if (!cur || e.occurred_at >= cur.at) status.set(e.data.driver_id, { at: e.occurred_at, name: e.data.name, regionId: e.data.region_id, status: e.data.status.toUpperCase() });
    } else if (e.event_type === 'DriverRated') {
      const cur = ratings.get(e.data.booking_id);
      if (!cur || e.occurred_at >= cur.at) ratings.set(e.data.booking_id, { at: e.occurred_at, driverId: e.data.driver_id, rating: e.data.rating });
    }
  }
  const ids = new Set<string>([...status.keys(), ...[...ratings.values()].map((r) => r.driverId)]);
  for (const t of trips.values()) if (t.status === 'COMPLETED' && t.driverId) ids.add(t.driverId);
  const out = new Map<string, DriverTruth>();
  for (const id of ids) {
    const done = [...trips.values()].filter((t) => t.status === 'COMPLETED' && t.driverId === id);
    const rs = [...ratings.values()].filter((r) => r.driverId === id);
    const s = status.get(id);
    out.set(id, {
      id,
      name: s?.name ?? null,
      regionId: s?.regionId ?? null,
      status: s?.status ?? null,
      tripsCompleted: done.length,
      revenue: done.reduce((x, t) => x + (t.fare ?? 0), 0),
      averageRating: rs.length === 0 ? null : rs.reduce((x, r) => x + r.rating, 0) / rs.length,
      ratingCount: rs.length,
    });
  }
  return out;
}
