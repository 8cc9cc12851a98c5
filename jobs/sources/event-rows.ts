/**
 * What each domain event does to its service's tables (seed 000's services playing seed 002's
 * events): the row changes, as upserts, plus the outbox row that carries the event itself.
 */
import type { DomainEvent } from '../../schema/events/domain-events.ts';
import { EVENT_TOPIC, eventKey } from '../../schema/events/domain-events.ts';
import type { SourceService } from '../../schema/sources/source-tables.ts';

export interface RowChange {
  readonly service: SourceService;
  readonly table: string;
  /** Primary-key columns and values. */
  readonly key: Readonly<Record<string, string>>;
  /** Columns written on insert and on update. */
  readonly set: Readonly<Record<string, unknown>>;
  /** Columns added to on update (counters). */
  readonly add?: Readonly<Record<string, number>>;
  /**
   * Out-of-order guard: the update applies only if the row's updated_at is not newer than the
   * event's (late events of seed 002 must not move a row back). Off for counters.
   */
  readonly guarded: boolean;
}

export interface OutboxRow {
  readonly service: SourceService;
  readonly event_id: string;
  readonly aggregate_type: string;
  readonly aggregate_id: string;
  readonly event_type: string;
  readonly topic: string;
  readonly key: string;
  readonly payload: string;
  readonly occurred_at: number;
}

export interface EventWrite {
  readonly outbox: OutboxRow;
  readonly changes: readonly RowChange[];
}

const SERVICE_OF_TOPIC: Readonly<Record<string, SourceService>> = {
  'booking-events': 'booking', 'booking-saga': 'booking', 'driver-events': 'driver',
  'payment-events': 'payment', 'pricing-events': 'pricing',
};

const AGGREGATE: Readonly<Record<string, string>> = {
  bookings: 'Booking', sagas: 'Saga', drivers: 'Driver', payments: 'Payment', prices: 'Price', surges: 'Surge', flags: 'FraudFlag',
};

function changesOf(e: DomainEvent): RowChange[] {
  const t = e.occurred_at;
  const booking = (set: Record<string, unknown>): RowChange => ({
    service: 'booking', table: 'bookings', key: { booking_id: (e.data as { booking_id: string }).booking_id }, set: { ...set, updated_at: t }, guarded: true,
  });
  const saga = (d: { saga_id: string; booking_id: string }, set: Record<string, unknown>): RowChange => ({
    service: 'booking', table: 'sagas', key: { saga_id: d.saga_id }, set: { booking_id: d.booking_id, ...set, updated_at: t }, guarded: true,
  });
  const driver = (id: string, set: Record<string, unknown>): RowChange => ({ service: 'driver', table: 'drivers', key: { driver_id: id }, set: { ...set, updated_at: t }, guarded: true });
  const payment = (id: string, set: Record<string, unknown>): RowChange => ({ service: 'payment', table: 'payments', key: { payment_id: id }, set: { ...set, updated_at: t }, guarded: true });
  const price = (id: string, set: Record<string, unknown>): RowChange => ({ service: 'pricing', table: 'prices', key: { booking_id: id }, set: { ...set, updated_at: t }, guarded: true });
  switch (e.event_type) {
    case 'BookingCreated': {
      const d = e.data;
      return [booking({
        rider_id: d.rider_id, region_id: d.region_id, status: 'created', pickup_lat: d.pickup.lat, pickup_lon: d.pickup.lon,
        dropoff_lat: d.dropoff.lat, dropoff_lon: d.dropoff.lon, estimated_distance_km: d.estimated_distance_km, weather: d.weather, created_at: t,
      })];
    }
    case 'BookingAccepted':
      return [booking({ rider_id: e.data.rider_id, region_id: e.data.region_id, driver_id: e.data.driver_id, eta_s: e.data.eta_s, status: 'accepted' })];
    case 'BookingStarted':
      return [booking({ rider_id: e.data.rider_id, region_id: e.data.region_id, driver_id: e.data.driver_id, status: 'started' })];
    case 'BookingCompleted': {
      const d = e.data;
      return [booking({ rider_id: d.rider_id, region_id: d.region_id, driver_id: d.driver_id, fare: d.fare, currency: d.currency, distance_km: d.distance_km, duration_s: d.duration_s, status: 'completed' })];
    }
    case 'BookingCancelled': {
      const d = e.data;
      return [booking({ rider_id: d.rider_id, region_id: d.region_id, driver_id: d.driver_id, cancelled_by: d.cancelled_by, cancel_reason: d.reason, status: 'cancelled' })];
    }
    case 'SagaStarted':
      return [saga(e.data, { status: 'started' })];
    case 'SagaStepCompleted':
      return [saga(e.data, { status: 'running', last_step: e.data.step })];
    case 'SagaFailed':
      return [saga(e.data, { status: 'failed', last_step: e.data.step, failure_reason: e.data.reason })];
    case 'SagaCompleted':
      return [saga(e.data, { status: 'completed' })];
    case 'DriverLocationUpdated': {
      const d = e.data;
      return [driver(d.driver_id, { region_id: d.region_id, lat: d.position.lat, lon: d.position.lon, speed_kmh: d.speed_kmh, heading: d.heading })];
    }
    case 'DriverStatusChanged':
      return [driver(e.data.driver_id, { region_id: e.data.region_id, name: e.data.name, status: e.data.status })];
    case 'DriverRated':
      return [{ service: 'driver', table: 'drivers', key: { driver_id: e.data.driver_id }, set: { updated_at: t }, add: { rating_sum: e.data.rating, rating_count: 1 }, guarded: false }];
    case 'PaymentInitiated': {
      const d = e.data;
      const out: RowChange[] = [payment(d.payment_id, {
        booking_id: d.booking_id, user_id: d.user_id, region_id: d.region_id, amount: d.amount, currency: d.currency,
        method: d.method, device_id: d.device_id, status: 'initiated', created_at: t,
      })];
      // the fraud service flags the user (seed 002 has no fraud event: a row change only)
      if (d.known_fraud_flag) {
        out.push({ service: 'fraud', table: 'flags', key: { user_id: d.user_id }, set: { reason: 'known_fraud_flag', payment_id: d.payment_id, device_id: d.device_id, flagged_at: t }, guarded: false });
      }
      return out;
    }
    case 'PaymentCompleted':
      return [payment(e.data.payment_id, { booking_id: e.data.booking_id, user_id: e.data.user_id, amount: e.data.amount, currency: e.data.currency, status: 'completed' })];
    case 'PaymentFailed':
      return [payment(e.data.payment_id, { booking_id: e.data.booking_id, user_id: e.data.user_id, failure_reason: e.data.reason, status: 'failed' })];
    case 'PaymentRefunded': {
      const d = e.data;
      return [payment(d.payment_id, { booking_id: d.booking_id, user_id: d.user_id, refund_amount: d.amount, currency: d.currency, refund_reason: d.reason, status: 'refunded' })];
    }
    case 'PriceCalculated': {
      const d = e.data;
      return [price(d.booking_id, { region_id: d.region_id, base_fare: d.base_fare, surge_multiplier: d.surge_multiplier, final_price: d.final_price, currency: d.currency })];
    }
    case 'SurgePricingActivated':
      return [{ service: 'pricing', table: 'surges', key: { region_id: e.data.region_id }, set: { multiplier: e.data.multiplier, reason: e.data.reason, updated_at: t }, guarded: true }];
    case 'PromotionApplied':
      return [price(e.data.booking_id, { region_id: e.data.region_id, promo_code: e.data.promo_code, discount: e.data.discount })];
  }
}

/** The writes of one event: its row changes and its outbox row (service = the owner of its topic). */
export function eventWrite(e: DomainEvent): EventWrite {
  const topic = EVENT_TOPIC[e.event_type].name;
  const service = SERVICE_OF_TOPIC[topic];
  if (!service) throw new Error(`no source service publishes to ${topic}`);
  const changes = changesOf(e);
  const main = changes[0];
  if (!main) throw new Error(`event ${e.event_type} changes no row`);
  return {
    changes,
    outbox: {
      service, event_id: e.event_id, aggregate_type: AGGREGATE[main.table] ?? main.table, aggregate_id: Object.values(main.key).join('|'),
      event_type: e.event_type, topic, key: eventKey(e), payload: JSON.stringify(e), occurred_at: e.occurred_at,
    },
  };
}
