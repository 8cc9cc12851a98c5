/** Hand-built domain events for the landing and feature tests, each checked against DomainEventSchema. */
import { DomainEventSchema, type DomainEventOf, type EventType } from '../../schema/events/domain-events.ts';

let seq = 0;

export function makeEvent<T extends EventType>(type: T, data: DomainEventOf<T>['data'], at: number, eventId?: string): DomainEventOf<T> {
  const e: DomainEventOf<T> = { event_id: eventId ?? `test-ev-${++seq}`, occurred_at: at, producer: 'test', schema_version: 1, event_type: type, data };
  DomainEventSchema.parse(e);
  return e;
}

/** A wall-clock-independent instant: Wednesday 2025-01-15 10:00 UTC. */
export const T0 = Date.UTC(2025, 0, 15, 10, 0, 0);
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export interface Booking {
  readonly bookingId: string;
  readonly riderId: string;
  readonly driverId: string;
  readonly regionId: string;
}

export function booking(n: number, regionId = 'msk-center'): Booking {
  return { bookingId: `b-${n}`, riderId: `r-${n}`, driverId: `d-${n}`, regionId };
}

const geo = { lat: 55.75, lon: 37.61 };

export const created = (b: Booking, at: number) => makeEvent('BookingCreated', {
  booking_id: b.bookingId, rider_id: b.riderId, region_id: b.regionId, pickup: geo, dropoff: { lat: 55.8, lon: 37.7 },
  estimated_distance_km: 7.5, weather: 'rain',
}, at);

export const priced = (b: Booking, at: number, surge = 1.4) => makeEvent('PriceCalculated', {
  booking_id: b.bookingId, region_id: b.regionId, base_fare: 300, surge_multiplier: surge, final_price: 300 * surge, currency: 'RUB',
}, at);

export const accepted = (b: Booking, at: number, driverId = b.driverId) => makeEvent('BookingAccepted', {
  booking_id: b.bookingId, rider_id: b.riderId, region_id: b.regionId, driver_id: driverId, eta_s: 240,
}, at);

export const started = (b: Booking, at: number) => makeEvent('BookingStarted', {
  booking_id: b.bookingId, rider_id: b.riderId, region_id: b.regionId, driver_id: b.driverId,
}, at);

export const completed = (b: Booking, at: number, fare = 420) => makeEvent('BookingCompleted', {
  booking_id: b.bookingId, rider_id: b.riderId, region_id: b.regionId, driver_id: b.driverId,
  fare, currency: 'RUB', distance_km: 8.1, duration_s: 1260,
}, at);

export const cancelled = (b: Booking, at: number) => makeEvent('BookingCancelled', {
  booking_id: b.bookingId, rider_id: b.riderId, region_id: b.regionId, driver_id: null, cancelled_by: 'rider', reason: 'changed plans',
}, at);

/** created, priced, accepted, started, completed at t0 + 0, 1 s, 2 min, 6 min, 27 min. */
export function lifecycle(b: Booking, t0: number) {
  return [created(b, t0), priced(b, t0 + 1000), accepted(b, t0 + 2 * MIN), started(b, t0 + 6 * MIN), completed(b, t0 + 27 * MIN)] as const;
}

export interface PaymentSpec {
  readonly paymentId: string;
  readonly userId?: string;
  readonly regionId?: string;
  readonly amount?: number;
  readonly method?: 'card' | 'cash' | 'wallet' | 'crypto';
  readonly knownFraud?: boolean;
}

export const paymentInitiated = (p: PaymentSpec, at: number) => makeEvent('PaymentInitiated', {
  payment_id: p.paymentId, booking_id: `b-${p.paymentId}`, user_id: p.userId ?? 'u-1', region_id: p.regionId ?? 'msk-center',
  amount: p.amount ?? 450, currency: 'RUB', method: p.method ?? 'card', device_id: 'dev-1', known_fraud_flag: p.knownFraud ?? false,
}, at);

export const paymentCompleted = (p: PaymentSpec, at: number) => makeEvent('PaymentCompleted', {
  payment_id: p.paymentId, booking_id: `b-${p.paymentId}`, user_id: p.userId ?? 'u-1', amount: p.amount ?? 450, currency: 'RUB',
}, at);

export const paymentFailed = (p: PaymentSpec, at: number) => makeEvent('PaymentFailed', {
  payment_id: p.paymentId, booking_id: `b-${p.paymentId}`, user_id: p.userId ?? 'u-1', reason: 'card declined',
}, at);

export const paymentRefunded = (p: PaymentSpec, at: number, amount: number) => makeEvent('PaymentRefunded', {
  payment_id: p.paymentId, booking_id: `b-${p.paymentId}`, user_id: p.userId ?? 'u-1', amount, currency: 'RUB', reason: 'driver no-show',
}, at);

export const driverRated = (driverId: string, bookingId: string, rating: number, at: number) => makeEvent('DriverRated', {
  driver_id: driverId, booking_id: bookingId, rider_id: `r-${bookingId}`, rating,
}, at);

export const driverStatus = (driverId: string, status: 'online' | 'offline' | 'busy', at: number, name = 'Ivan Petrov') => makeEvent('DriverStatusChanged', {
  driver_id: driverId, region_id: 'msk-center', name, status, previous_status: null,
}, at);

export const driverLocation = (driverId: string, at: number) => makeEvent('DriverLocationUpdated', {
  driver_id: driverId, region_id: 'msk-center', position: geo, speed_kmh: 40, heading: 90,
}, at);
