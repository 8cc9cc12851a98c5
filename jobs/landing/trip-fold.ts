/**
 * Pure merge of booking lifecycle and pricing events into one TRIPS row per booking.
 *
 * A trip is a set of facts, each set by one kind of event: created (BookingCreated), priced
 * (PriceCalculated), accepted, started, completed, cancelled. Merging is per fact, newest event
 * time wins (a replayed event has the same time and the same content, so it changes nothing), and
 * the row is rendered from the facts, so the result does not depend on arrival order:
 * - status is the furthest lifecycle stage present (completed/cancelled > started > accepted >
 *   requested); a late BookingAccepted after BookingCompleted only fills accepted_at. If a booking
 *   has both completed and cancelled, the later of the two decides.
 * - version = newest event time * 100 + fact bits (see landing-support.ts): grows with every state
 *   change, identical under replay, and tells the next merge which facts the stored row holds.
 *
 * Partial rows (decision): events whose BookingCreated has not been seen (PriceCalculated first, or
 * a lifecycle event for a booking never created) are still landed, never dropped: requested_at is
 * the earliest event time seen for the booking (a lower bound is unknown), weather is 'unknown',
 * rider_id is '' until an event carrying it arrives, currency '' until a price or completion,
 * surge_multiplier 1 until priced, distance_km 0 until created or completed. The created bit is
 * absent from such a row's version; when BookingCreated arrives later the row is completed with
 * its exact values. The job counts these rows (gofuture_landing_partial_rows_total).
 */
import type { Row } from '../../connectors/contracts/warehouse.ts';
import type { DomainEvent } from '../../schema/events/domain-events.ts';
import { hourStart, utcDate } from '../../schema/tables/warehouse-tables.ts';
import { decodeVersion, encodeVersion, num, optNum, optStr, str } from './landing-support.ts';

export const TRIP_EVENT_TYPES = ['BookingCreated', 'BookingAccepted', 'BookingStarted', 'BookingCompleted', 'BookingCancelled', 'PriceCalculated'] as const;
export type TripEventType = (typeof TRIP_EVENT_TYPES)[number];
export type TripEvent = Extract<DomainEvent, { event_type: TripEventType }>;

export function isTripEvent(e: DomainEvent): e is TripEvent {
  return (TRIP_EVENT_TYPES as readonly string[]).includes(e.event_type);
}

export const TRIP_FACT = { created: 1, priced: 2, accepted: 4, started: 8, completed: 16, cancelled: 32 } as const;

export const UNKNOWN_WEATHER = 'unknown';

interface At { readonly at: number }

export interface TripFacts {
  readonly tripId: string;
  regionId: string;
  riderId: string;
  /** Earliest event time seen (stands in for requested_at until BookingCreated arrives). */
  firstAt: number;
  /** Newest event time applied. */
  newestAt: number;
  created: (At & { weather: string; estimatedDistanceKm: number }) | null;
  /** `at` is 0 when read back from a row (the row keeps no price time): any later price replaces it. */
  priced: (At & { surge: number; currency: string }) | null;
  accepted: (At & { driverId: string | null }) | null;
  started: (At & { driverId: string | null }) | null;
  completed: (At & { driverId: string | null; fare: number; currency: string; distanceKm: number; durationS: number }) | null;
  cancelled: (At & { driverId: string | null; by: string; reason: string }) | null;
}

export function emptyTrip(tripId: string): TripFacts {
  return {
    tripId, regionId: '', riderId: '', firstAt: Number.POSITIVE_INFINITY, newestAt: 0,
    created: null, priced: null, accepted: null, started: null, completed: null, cancelled: null,
  };
}

/** The facts a stored TRIPS row holds (its version's bits say which; lifecycle times are columns). */
export function tripFactsFromRow(row: Row): TripFacts {
  const { newestAt, bits } = decodeVersion(num(row, 'version'));
  const driverId = optStr(row, 'driver_id');
  const requestedAt = num(row, 'requested_at');
  const f = emptyTrip(str(row, 'trip_id'));
  f.regionId = str(row, 'region_id');
  f.riderId = str(row, 'rider_id');
  f.firstAt = requestedAt;
  f.newestAt = newestAt;
  if (bits & TRIP_FACT.created) {
    f.created = { at: requestedAt, weather: str(row, 'weather', UNKNOWN_WEATHER), estimatedDistanceKm: num(row, 'distance_km') };
  }
  if (bits & TRIP_FACT.priced) f.priced = { at: 0, surge: num(row, 'surge_multiplier', 1), currency: str(row, 'currency') };
  const acceptedAt = optNum(row, 'accepted_at');
  if (acceptedAt !== null) f.accepted = { at: acceptedAt, driverId };
  const startedAt = optNum(row, 'started_at');
  if (startedAt !== null) f.started = { at: startedAt, driverId };
  const completedAt = optNum(row, 'completed_at');
  if (completedAt !== null) {
    f.completed = {
      at: completedAt, driverId, fare: num(row, 'fare'), currency: str(row, 'currency'),
      distanceKm: num(row, 'distance_km'), durationS: num(row, 'duration_s'),
    };
  }
  const cancelledAt = optNum(row, 'cancelled_at');
  if (cancelledAt !== null) {
    f.cancelled = { at: cancelledAt, driverId, by: str(row, 'cancelled_by'), reason: str(row, 'cancel_reason') };
  }
  return f;
}

/** Newest wins; an equal time (a replay) re-applies the same content. */
const wins = (current: At | null, at: number): boolean => current === null || at >= current.at;

/** Applies one event to the facts in place. The event's booking_id must be the trip's id. */
export function applyTripEvent(f: TripFacts, e: TripEvent): void {
  const at = e.occurred_at;
  f.firstAt = Math.min(f.firstAt, at);
  f.newestAt = Math.max(f.newestAt, at);
  if (f.regionId === '') f.regionId = e.data.region_id;
  if (e.event_type !== 'PriceCalculated' && f.riderId === '') f.riderId = e.data.rider_id;
  switch (e.event_type) {
    case 'BookingCreated':
      if (wins(f.created, at)) {
        f.created = { at, weather: e.data.weather, estimatedDistanceKm: e.data.estimated_distance_km };
        f.regionId = e.data.region_id;
        f.riderId = e.data.rider_id;
      }
      break;
    case 'PriceCalculated':
      if (wins(f.priced, at)) f.priced = { at, surge: e.data.surge_multiplier, currency: e.data.currency };
      break;
    case 'BookingAccepted':
      if (wins(f.accepted, at)) f.accepted = { at, driverId: e.data.driver_id };
      break;
    case 'BookingStarted':
      if (wins(f.started, at)) f.started = { at, driverId: e.data.driver_id };
      break;
    case 'BookingCompleted':
      if (wins(f.completed, at)) {
        f.completed = {
          at, driverId: e.data.driver_id, fare: e.data.fare, currency: e.data.currency,
          distanceKm: e.data.distance_km, durationS: e.data.duration_s,
        };
      }
      break;
    case 'BookingCancelled':
      if (wins(f.cancelled, at)) f.cancelled = { at, driverId: e.data.driver_id, by: e.data.cancelled_by, reason: e.data.reason };
      break;
  }
}

export function tripFactBits(f: TripFacts): number {
  return (f.created ? TRIP_FACT.created : 0) | (f.priced ? TRIP_FACT.priced : 0) | (f.accepted ? TRIP_FACT.accepted : 0)
    | (f.started ? TRIP_FACT.started : 0) | (f.completed ? TRIP_FACT.completed : 0) | (f.cancelled ? TRIP_FACT.cancelled : 0);
}

export type TripStatus = 'requested' | 'accepted' | 'started' | 'completed' | 'cancelled';

export function tripStatus(f: TripFacts): TripStatus {
  if (f.completed && f.cancelled) return f.completed.at >= f.cancelled.at ? 'completed' : 'cancelled';
  if (f.completed) return 'completed';
  if (f.cancelled) return 'cancelled';
  if (f.started) return 'started';
  if (f.accepted) return 'accepted';
  return 'requested';
}

/** True when the row is landed without its BookingCreated (see the module comment). */
export function isPartialTrip(f: TripFacts): boolean {
  return f.created === null;
}

/** The TRIPS row of the facts. Needs at least one applied event (or a stored row). */
export function renderTripRow(f: TripFacts): Row {
  const requestedAt = f.created ? f.created.at : f.firstAt;
  if (!Number.isFinite(requestedAt)) throw new Error(`trip ${f.tripId} has no event applied`);
  const status = tripStatus(f);
  const driver = [f.completed, f.cancelled, f.started, f.accepted].find((x) => x !== null && x.driverId !== null)?.driverId ?? null;
  return {
    trip_id: f.tripId,
    region_id: f.regionId,
    rider_id: f.riderId,
    driver_id: driver,
    status,
    fare: f.completed ? f.completed.fare : null,
    currency: f.completed?.currency ?? f.priced?.currency ?? '',
    surge_multiplier: f.priced?.surge ?? 1,
    distance_km: f.completed?.distanceKm ?? f.created?.estimatedDistanceKm ?? 0,
    duration_s: f.completed ? f.completed.durationS : null,
    weather: f.created?.weather ?? UNKNOWN_WEATHER,
    requested_at: requestedAt,
    accepted_at: f.accepted?.at ?? null,
    started_at: f.started?.at ?? null,
    completed_at: f.completed?.at ?? null,
    cancelled_at: f.cancelled?.at ?? null,
    cancelled_by: f.cancelled?.by ?? null,
    cancel_reason: f.cancelled?.reason ?? null,
    requested_hour: hourStart(requestedAt),
    trip_date: utcDate(requestedAt),
    version: encodeVersion(Math.max(f.newestAt, requestedAt), tripFactBits(f)),
  };
}

/**
 * Merges a batch's events into the stored rows: one output row per booking the events touch.
 * `stored` holds the rows read back for those bookings (missing ones start empty).
 */
export function mergeTrips(stored: readonly Row[], events: readonly TripEvent[]): Map<string, TripFacts> {
  const facts = new Map<string, TripFacts>();
  for (const row of stored) facts.set(str(row, 'trip_id'), tripFactsFromRow(row));
  for (const e of events) {
    const id = e.data.booking_id;
    let f = facts.get(id);
    if (!f) facts.set(id, (f = emptyTrip(id)));
    applyTripEvent(f, e);
  }
  const touched = new Set(events.map((e) => e.data.booking_id));
  for (const id of facts.keys()) if (!touched.has(id)) facts.delete(id);
  return facts;
}
