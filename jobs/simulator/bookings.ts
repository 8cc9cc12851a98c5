/**
 * One booking's life, as the microservices of seed 002 would report it:
 * BookingCreated + SagaStarted -> (PromotionApplied) PriceCalculated (+ SurgePricingActivated when the
 * region's surge crosses 1.5) -> BookingAccepted (driver busy) -> BookingStarted -> BookingCompleted
 * -> PaymentInitiated -> PaymentCompleted + SagaCompleted | PaymentFailed + BookingCancelled + SagaFailed, later maybe
 * PaymentRefunded and DriverRated. Cancellations (rider, driver, system when no driver is free) end it
 * with BookingCancelled + SagaFailed. Trips last 8-45 minutes: distance over a speed that depends
 * on the local hour (slow in rush hours). Every payment gets a ground-truth label (fraud-labels).
 */
import { FRAUD_PATTERNS } from '../../schema/fraud-patterns.ts';
import type { SimContext } from './context.ts';
import { releaseDriver, setDriverStatus } from './drivers.ts';
import { round2 } from './prng.ts';
import { computeSurge, localHour, randomPoint, type Driver, type RegionState, type Rider } from './world.ts';

type BookingState = 'requested' | 'accepted' | 'started' | 'done';

interface Booking {
  readonly id: string;
  readonly sagaId: string;
  readonly rider: Rider;
  readonly region: RegionState;
  readonly estKm: number;
  state: BookingState;
  finalPrice: number;
  driver: Driver | null;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const SURGE_ALERT = 1.5;
const PROMO_CODES = ['WELCOME10', 'RAIN15', 'NIGHT20', 'FRIDAY', 'GOFUTURE30'];
/** Trip duration bounds (minutes): nobody books a car for less, and the city is not bigger. */
export const TRIP_MINUTES = { min: 8, max: 45 } as const;
/** Cancellation probabilities: rider before assignment (plus more with surge), driver and rider before pickup. */
const RIDER_CANCEL_BEFORE_ASSIGNMENT = 0.035;
const RIDER_CANCEL_PER_SURGE = 0.04;
const DRIVER_CANCEL_BEFORE_PICKUP = 0.035;
const RIDER_CANCEL_BEFORE_PICKUP = 0.045;
/** Payment failures of honest riders (crypto fails more) and the share of completed payments refunded later. */
const PAYMENT_FAIL = 0.03;
const CRYPTO_PAYMENT_FAIL = 0.06;
const REFUND_SHARE = 0.01;

/** Average city speed (km/h) at a local hour: rush hours are slow, nights fast. */
function citySpeedKmh(ctx: SimContext, hour: number): number {
  const rush = (hour >= 7 && hour < 10) || (hour >= 17 && hour < 20);
  const night = hour >= 23 || hour < 6;
  return rush ? ctx.rng.float(17, 25) : night ? ctx.rng.float(30, 42) : ctx.rng.float(22, 32);
}

export function createBooking(ctx: SimContext, region: RegionState, time: number): void {
  const { rng, world } = ctx;
  const hour = localHour(time, region.info);
  const night = hour >= 23 || hour < 5;
  const rider = night && world.fraudsters.length > 0 && rng.chance(FRAUD_PATTERNS.nightFraudsterBookingShare) ? rng.pick(world.fraudsters) : rng.pick(world.riders);
  const estKm = round1(Math.min(25, Math.max(1.5, Math.exp(rng.normal(Math.log(6), 0.6)))));
  const pickup = randomPoint(rng, region.info);
  const dropoff = randomPoint(rng, region.info);
  const b: Booking = { id: ctx.nextId('bkg'), sagaId: ctx.nextId('saga'), rider, region, estKm, state: 'requested', finalPrice: 0, driver: null };
  region.recentBookings.push(time);
  ctx.counters.bookingsCreated++;
  ctx.counters.bookingsActive++;
  const ids = { booking_id: b.id, rider_id: rider.id, region_id: region.info.id };
  ctx.emitter.emit('BookingCreated', { ...ids, pickup, dropoff, estimated_distance_km: estKm, weather: region.weather }, time);
  ctx.emitter.emit('SagaStarted', { booking_id: b.id, saga_id: b.sagaId }, time);
  ctx.queue.schedule(time + rng.int(150, 900), (t) => price(ctx, b, t));
}

function price(ctx: SimContext, b: Booking, time: number): void {
  const { rng, emitter, config } = ctx;
  const region = b.region;
  const surge = computeSurge(region, time);
  if (region.surge < SURGE_ALERT && surge >= SURGE_ALERT) {
    emitter.emit('SurgePricingActivated', { region_id: region.info.id, multiplier: surge, reason: `demand over supply${region.weather === 'clear' ? '' : `, ${region.weather}`}` }, time);
  }
  region.surge = surge;
  const base = round2(99 + 14 * b.estKm);
  const gross = round2(base * surge);
  let discount = 0;
  if (rng.chance(0.08)) {
    discount = round2(Math.min(500, gross * rng.pick([0.1, 0.15, 0.2, 0.3])));
    emitter.emit('PromotionApplied', { booking_id: b.id, region_id: region.info.id, promo_code: rng.pick(PROMO_CODES), discount }, time);
  }
  b.finalPrice = round2(Math.max(0, gross - discount));
  emitter.emit('PriceCalculated', { booking_id: b.id, region_id: region.info.id, base_fare: base, surge_multiplier: surge, final_price: b.finalPrice, currency: config.currency }, time);
  emitter.emit('SagaStepCompleted', { booking_id: b.id, saga_id: b.sagaId, step: 'price_calculated' }, time);
  // Riders drop out more often when the price is surging.
  if (rng.chance(RIDER_CANCEL_BEFORE_ASSIGNMENT + RIDER_CANCEL_PER_SURGE * (surge - 1))) {
    ctx.queue.schedule(time + rng.int(5 * SECOND, MINUTE), (t) => b.state === 'requested' && cancel(ctx, b, t, 'rider', rng.pick(['changed plans', 'price too high', 'booked by mistake'])));
  }
  ctx.queue.schedule(time + rng.int(2 * SECOND, 15 * SECOND), (t) => assign(ctx, b, t, 0));
}

function assign(ctx: SimContext, b: Booking, time: number, attempt: number): void {
  if (b.state !== 'requested') return;
  const { rng } = ctx;
  const free = b.region.drivers.filter((d) => d.status === 'online' && !d.wantsOffline);
  if (free.length === 0) {
    if (attempt >= 8) cancel(ctx, b, time, 'system', 'no drivers available');
    else ctx.queue.schedule(time + 10 * SECOND, (t) => assign(ctx, b, t, attempt + 1));
    return;
  }
  const d = rng.pick(free);
  b.driver = d;
  b.state = 'accepted';
  setDriverStatus(ctx, d, 'busy', time);
  const etaS = rng.int(60, 420);
  ctx.emitter.emit('BookingAccepted', { booking_id: b.id, rider_id: b.rider.id, region_id: b.region.info.id, driver_id: d.id, eta_s: etaS }, time);
  ctx.emitter.emit('SagaStepCompleted', { booking_id: b.id, saga_id: b.sagaId, step: 'driver_assigned' }, time);
  const r = rng.next();
  const beforeArrival = time + rng.int(20 * SECOND, Math.max(21 * SECOND, etaS * 800));
  if (r < DRIVER_CANCEL_BEFORE_PICKUP) ctx.queue.schedule(beforeArrival, (t) => cancel(ctx, b, t, 'driver', rng.pick(['vehicle issue', 'rider unreachable', 'traffic'])));
  else if (r < DRIVER_CANCEL_BEFORE_PICKUP + RIDER_CANCEL_BEFORE_PICKUP) ctx.queue.schedule(beforeArrival, (t) => cancel(ctx, b, t, 'rider', rng.pick(['driver too far', 'changed plans', 'found another ride'])));
  else ctx.queue.schedule(time + Math.round(etaS * SECOND * rng.float(0.8, 1.3)), (t) => start(ctx, b, t));
}

function start(ctx: SimContext, b: Booking, time: number): void {
  if (b.state !== 'accepted' || !b.driver) return;
  b.state = 'started';
  ctx.emitter.emit('BookingStarted', { booking_id: b.id, rider_id: b.rider.id, region_id: b.region.info.id, driver_id: b.driver.id }, time);
  const kmh = citySpeedKmh(ctx, localHour(time, b.region.info));
  const minutes = (b.estKm / kmh) * 60 + ctx.rng.float(0.5, 2);
  const durationMs = Math.round(Math.min(TRIP_MINUTES.max, Math.max(TRIP_MINUTES.min, minutes)) * MINUTE);
  ctx.queue.schedule(time + durationMs, (t) => complete(ctx, b, t, time));
}

function complete(ctx: SimContext, b: Booking, time: number, startedAt: number): void {
  const d = b.driver;
  if (b.state !== 'started' || !d) return;
  const { rng, emitter, config } = ctx;
  b.state = 'done';
  ctx.counters.bookingsActive--;
  const distanceKm = round1(b.estKm * rng.float(0.92, 1.15));
  const fare = round2((b.finalPrice * distanceKm) / b.estKm);
  const ids = { booking_id: b.id, rider_id: b.rider.id, region_id: b.region.info.id, driver_id: d.id };
  emitter.emit('BookingCompleted', { ...ids, fare, currency: config.currency, distance_km: distanceKm, duration_s: Math.round((time - startedAt) / SECOND) }, time);
  emitter.emit('SagaStepCompleted', { booking_id: b.id, saga_id: b.sagaId, step: 'trip_completed' }, time);
  releaseDriver(ctx, d, time);
  ctx.queue.schedule(time + rng.int(500, 3000), (t) => pay(ctx, b, fare, t));
  if (rng.chance(0.65)) {
    const rating = rng.weighted<number>([[5, 0.65], [4, 0.22], [3, 0.08], [2, 0.03], [1, 0.02]]);
    ctx.queue.schedule(time + rng.int(MINUTE, 15 * MINUTE), (t) => emitter.emit('DriverRated', { driver_id: d.id, booking_id: b.id, rider_id: b.rider.id, rating }, t));
  }
}

function pay(ctx: SimContext, b: Booking, amount: number, time: number): void {
  const { rng, emitter, config } = ctx;
  const rider = b.rider;
  const paymentId = ctx.nextId('pay');
  const base = { payment_id: paymentId, booking_id: b.id, user_id: rider.id };
  emitter.emit('PaymentInitiated', { ...base, region_id: b.region.info.id, amount, currency: config.currency, method: rider.method, device_id: rider.deviceId, known_fraud_flag: rider.flagged }, time);
  emitter.emit('SagaStepCompleted', { booking_id: b.id, saga_id: b.sagaId, step: 'payment_initiated' }, time);
  if (config.fraudLabels) {
    emitter.label({ ...base, occurred_at: Math.round(time), is_fraud: rider.fraud, pattern: rider.fraud ? 'fraudster_ride' : null, source: 'simulator' });
  }
  const failP = rider.fraud ? FRAUD_PATTERNS.fraudsterFailShare : rider.method === 'crypto' ? CRYPTO_PAYMENT_FAIL : PAYMENT_FAIL;
  ctx.queue.schedule(time + rng.int(300, 5000), (t) => {
    if (rng.chance(failP)) {
      const reason = rng.pick(rider.fraud ? ['fraud suspected', 'card declined'] : ['card declined', 'insufficient funds', '3ds timeout']);
      emitter.emit('PaymentFailed', { ...base, reason }, t);
      // seed 002's compensation: the booking service cancels the booking; its driver was freed at completion
      emitter.emit('BookingCancelled', { booking_id: b.id, rider_id: rider.id, region_id: b.region.info.id, driver_id: b.driver?.id ?? null, cancelled_by: 'system', reason: `payment failed: ${reason}` }, t);
      emitter.emit('SagaFailed', { booking_id: b.id, saga_id: b.sagaId, step: 'payment', reason }, t);
      return;
    }
    emitter.emit('PaymentCompleted', { ...base, amount, currency: config.currency }, t);
    emitter.emit('SagaStepCompleted', { booking_id: b.id, saga_id: b.sagaId, step: 'payment_completed' }, t);
    emitter.emit('SagaCompleted', { booking_id: b.id, saga_id: b.sagaId }, t);
    if (rng.chance(REFUND_SHARE)) {
      const full = rng.chance(0.6);
      const reason = rng.pick(['route dispute', 'driver no-show', 'overcharge', 'duplicate charge']);
      ctx.queue.schedule(t + rng.int(5 * MINUTE, 45 * MINUTE), (rt) =>
        emitter.emit('PaymentRefunded', { ...base, amount: full ? amount : round2(amount / 2), currency: config.currency, reason }, rt),
      );
    }
  });
}

function cancel(ctx: SimContext, b: Booking, time: number, by: 'rider' | 'driver' | 'system', reason: string): void {
  if (b.state === 'done') return;
  const stage = b.state === 'requested' ? 'driver_assignment' : 'pickup';
  ctx.emitter.emit('BookingCancelled', { booking_id: b.id, rider_id: b.rider.id, region_id: b.region.info.id, driver_id: b.driver?.id ?? null, cancelled_by: by, reason }, time);
  ctx.emitter.emit('SagaFailed', { booking_id: b.id, saga_id: b.sagaId, step: stage, reason: `booking cancelled by ${by}: ${reason}` }, time);
  b.state = 'done';
  ctx.counters.bookingsActive--;
  if (b.driver) releaseDriver(ctx, b.driver, time);
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
