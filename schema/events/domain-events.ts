/**
 * Domain events of seed 002, one envelope for all. Validated with zod at every consumer;
 * an event that fails validation is dead-lettered with the zod message as the reason.
 */
import { z } from 'zod';
import { TOPICS, type TopicSpec } from './topics.ts';

const id = z.string().min(1).max(128);
const money = z.number().finite().nonnegative();
const geo = z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).meta({ title: 'Geo' });

export const PAYMENT_METHODS = ['card', 'cash', 'wallet', 'crypto'] as const;
export const DRIVER_STATUSES = ['online', 'offline', 'busy'] as const;
export const WEATHER = ['clear', 'rain', 'snow'] as const;
export const CURRENCY = z.string().regex(/^[A-Z]{3}$/);

export const EventData = {
  BookingCreated: z.object({
    booking_id: id, rider_id: id, region_id: id, pickup: geo, dropoff: geo,
    estimated_distance_km: z.number().nonnegative(), weather: z.enum(WEATHER),
  }),
  BookingAccepted: z.object({ booking_id: id, rider_id: id, region_id: id, driver_id: id, eta_s: z.number().nonnegative() }),
  BookingStarted: z.object({ booking_id: id, rider_id: id, region_id: id, driver_id: id }),
  BookingCompleted: z.object({
    booking_id: id, rider_id: id, region_id: id, driver_id: id,
    fare: money, currency: CURRENCY, distance_km: z.number().nonnegative(), duration_s: z.number().nonnegative(),
  }),
  BookingCancelled: z.object({
    booking_id: id, rider_id: id, region_id: id, driver_id: id.nullable(),
    cancelled_by: z.enum(['rider', 'driver', 'system']), reason: z.string().max(200),
  }),
  DriverLocationUpdated: z.object({ driver_id: id, region_id: id, position: geo, speed_kmh: z.number().min(0).max(250), heading: z.number().min(0).max(360) }),
  DriverStatusChanged: z.object({ driver_id: id, region_id: id, name: z.string(), status: z.enum(DRIVER_STATUSES), previous_status: z.enum(DRIVER_STATUSES).nullable() }),
  DriverRated: z.object({ driver_id: id, booking_id: id, rider_id: id, rating: z.number().int().min(1).max(5) }),
  PaymentInitiated: z.object({
    payment_id: id, booking_id: id, user_id: id, region_id: id, amount: money, currency: CURRENCY,
    method: z.enum(PAYMENT_METHODS), device_id: id, known_fraud_flag: z.boolean(),
  }),
  PaymentCompleted: z.object({ payment_id: id, booking_id: id, user_id: id, amount: money, currency: CURRENCY }),
  PaymentFailed: z.object({ payment_id: id, booking_id: id, user_id: id, reason: z.string().max(200) }),
  PaymentRefunded: z.object({ payment_id: id, booking_id: id, user_id: id, amount: money, currency: CURRENCY, reason: z.string().max(200) }),
  PriceCalculated: z.object({
    booking_id: id, region_id: id, base_fare: money, surge_multiplier: z.number().min(1).max(3),
    final_price: money, currency: CURRENCY,
  }),
  SurgePricingActivated: z.object({ region_id: id, multiplier: z.number().min(1).max(3), reason: z.string().max(200) }),
  PromotionApplied: z.object({ booking_id: id, region_id: id, promo_code: z.string().min(1).max(40), discount: money }),
  SagaStarted: z.object({ booking_id: id, saga_id: id }),
  SagaStepCompleted: z.object({ booking_id: id, saga_id: id, step: z.string() }),
  SagaFailed: z.object({ booking_id: id, saga_id: id, step: z.string(), reason: z.string() }),
  SagaCompleted: z.object({ booking_id: id, saga_id: id }),
} as const;

export type EventType = keyof typeof EventData;
export const EVENT_TYPES = Object.keys(EventData) as EventType[];

/** Which topic each event type goes to. */
export const EVENT_TOPIC: Readonly<Record<EventType, TopicSpec>> = {
  BookingCreated: TOPICS.booking, BookingAccepted: TOPICS.booking, BookingStarted: TOPICS.booking,
  BookingCompleted: TOPICS.booking, BookingCancelled: TOPICS.booking,
  DriverLocationUpdated: TOPICS.driver, DriverStatusChanged: TOPICS.driver, DriverRated: TOPICS.driver,
  PaymentInitiated: TOPICS.payment, PaymentCompleted: TOPICS.payment, PaymentFailed: TOPICS.payment, PaymentRefunded: TOPICS.payment,
  PriceCalculated: TOPICS.pricing, SurgePricingActivated: TOPICS.pricing, PromotionApplied: TOPICS.pricing,
  SagaStarted: TOPICS.saga, SagaStepCompleted: TOPICS.saga, SagaFailed: TOPICS.saga, SagaCompleted: TOPICS.saga,
};

const envelopeBase = {
  event_id: id,
  /** Event time, epoch milliseconds. */
  occurred_at: z.number().int().positive(),
  producer: z.string().min(1),
  schema_version: z.literal(1),
};

const variants = EVENT_TYPES.map((t) =>
  z.object({ ...envelopeBase, event_type: z.literal(t), data: EventData[t] }),
);

export const DomainEventSchema = z.discriminatedUnion(
  'event_type',
  variants as unknown as [(typeof variants)[number], ...(typeof variants)[number][]],
);

export type DomainEventOf<T extends EventType> = {
  event_id: string;
  occurred_at: number;
  producer: string;
  schema_version: 1;
  event_type: T;
  data: z.infer<(typeof EventData)[T]>;
};
export type DomainEvent = { [T in EventType]: DomainEventOf<T> }[EventType];

export type ParseResult = { ok: true; event: DomainEvent } | { ok: false; reason: string };

/** Parse a record value (JSON text) into a validated domain event. Never throws. */
export function parseDomainEvent(value: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
  const r = DomainEventSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first ? first.path.join('.') || '(root)' : '(root)';
    return { ok: false, reason: `invalid event at ${where}: ${first?.message ?? 'unknown'}` };
  }
  return { ok: true, event: r.data as DomainEvent };
}

/** The record key of an event, as seed 002 says (region_id, driver_id, user_id, booking_id). */
export function eventKey(event: DomainEvent): string {
  const topic = EVENT_TOPIC[event.event_type];
  const v = (event.data as Record<string, unknown>)[topic.keyField];
  if (typeof v !== 'string') throw new Error(`event ${event.event_type} has no key field ${topic.keyField}`);
  return v;
}
