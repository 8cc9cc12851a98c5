/** One valid domain event of every type (checked against the zod contract), for the Avro codec tests. */
import { DomainEventSchema, EVENT_TYPES, type DomainEvent, type DomainEventOf, type EventType } from '../../../schema/events/domain-events.ts';

const at = Date.UTC(2025, 0, 15, 10, 0, 0);
const geo = { lat: 55.7512, lon: 37.6184 };

const DATA: { readonly [T in EventType]: DomainEventOf<T>['data'] } = {
  BookingCreated: { booking_id: 'b-1', rider_id: 'r-1', region_id: 'msk-center', pickup: geo, dropoff: { lat: 55.8, lon: 37.5 }, estimated_distance_km: 7.25, weather: 'rain' },
  BookingAccepted: { booking_id: 'b-1', rider_id: 'r-1', region_id: 'msk-center', driver_id: 'd-1', eta_s: 240 },
  BookingStarted: { booking_id: 'b-1', rider_id: 'r-1', region_id: 'msk-center', driver_id: 'd-1' },
  BookingCompleted: { booking_id: 'b-1', rider_id: 'r-1', region_id: 'msk-center', driver_id: 'd-1', fare: 512.4, currency: 'RUB', distance_km: 7.9, duration_s: 1260 },
  BookingCancelled: { booking_id: 'b-2', rider_id: 'r-2', region_id: 'msk-north', driver_id: null, cancelled_by: 'system', reason: 'payment failed' },
  DriverLocationUpdated: { driver_id: 'd-1', region_id: 'msk-center', position: geo, speed_kmh: 42.5, heading: 271.25 },
  DriverStatusChanged: { driver_id: 'd-1', region_id: 'msk-center', name: 'Ivan P.', status: 'busy', previous_status: 'online' },
  DriverRated: { driver_id: 'd-1', booking_id: 'b-1', rider_id: 'r-1', rating: 5 },
  PaymentInitiated: { payment_id: 'p-1', booking_id: 'b-1', user_id: 'r-1', region_id: 'msk-center', amount: 512.4, currency: 'RUB', method: 'crypto', device_id: 'dev-9', known_fraud_flag: true },
  PaymentCompleted: { payment_id: 'p-1', booking_id: 'b-1', user_id: 'r-1', amount: 512.4, currency: 'RUB' },
  PaymentFailed: { payment_id: 'p-2', booking_id: 'b-2', user_id: 'r-2', reason: 'card declined' },
  PaymentRefunded: { payment_id: 'p-1', booking_id: 'b-1', user_id: 'r-1', amount: 100, currency: 'RUB', reason: 'late pickup' },
  PriceCalculated: { booking_id: 'b-1', region_id: 'msk-center', base_fare: 400, surge_multiplier: 1.3, final_price: 520, currency: 'RUB' },
  SurgePricingActivated: { region_id: 'msk-center', multiplier: 1.8, reason: 'demand 2.1x supply' },
  PromotionApplied: { booking_id: 'b-1', region_id: 'msk-center', promo_code: 'WINTER25', discount: 7.6 },
  SagaStarted: { booking_id: 'b-1', saga_id: 's-1' },
  SagaStepCompleted: { booking_id: 'b-1', saga_id: 's-1', step: 'PriceCalculated' },
  SagaFailed: { booking_id: 'b-2', saga_id: 's-2', step: 'PaymentCompleted', reason: 'PaymentFailed' },
  SagaCompleted: { booking_id: 'b-1', saga_id: 's-1' },
};

export function sampleEvent<T extends EventType>(type: T, i = 0): DomainEventOf<T> {
  const e = { event_id: `ev-${type}-${i}`, occurred_at: at + i * 1000, producer: 'avro-test', schema_version: 1 as const, event_type: type, data: DATA[type] };
  DomainEventSchema.parse(e);
  return e;
}

export const SAMPLE_EVENTS: readonly DomainEvent[] = EVENT_TYPES.map((t) => sampleEvent(t) as DomainEvent);
