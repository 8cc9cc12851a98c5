/**
 * Seed 001's business aggregations (an e-commerce fraud pipeline) mapped onto GoFuture's domain
 * events, as window specs. The mapping (also in README "Window specs"):
 *
 * | seed 001 | GoFuture |
 * |---|---|
 * | transaction | PaymentInitiated (amount, method, device_id, known_fraud_flag, user_id, region_id) |
 * | merchant | driver (bookings: BookingCompleted fare, BookingCancelled, DriverRated) |
 * | user / customer | rider (`rider_id` on bookings, `user_id` on payments: the `rider` dimension) |
 * | country / location | region (`region_id`) |
 * | is_fraud | known_fraud_flag |
 * | device_id | device_id |
 * | high value (> $5000) | amount > HIGH_AMOUNT_THRESHOLD (schema/fraud-rules.ts) |
 *
 * Gap, said plainly: GoFuture's payment events carry no driver_id (a payment belongs to a booking,
 * the booking to a driver), so the per-driver fraud rate and payment-method mix of seed 001's merchant
 * windows need a stream join (payment -> booking -> driver) the window engine does not do; the
 * driver windows measure what booking events carry, and fraud rate / method mix are per region,
 * per (region, method) and platform-wide instead.
 */
import { HIGH_AMOUNT_THRESHOLD } from '../fraud-rules.ts';
import { PAYMENT_METHODS } from '../events/domain-events.ts';
import type { WindowSpecInput } from './window-spec.ts';

type Measures = WindowSpecInput['measures'];
type MeasureInput = Measures[string];

/** count per payment method plus each one's share of the payments: the seed's "payment method mix". */
function methodMix(): Measures {
  const out: Measures = {};
  for (const m of PAYMENT_METHODS) {
    out[`${m}Payments`] = { kind: 'count', events: ['PaymentInitiated'], where: [{ field: 'method', eq: m }] };
    out[`${m}Share`] = { kind: 'ratio', numerator: `${m}Payments`, denominator: ['payments'], whenZero: 0 };
  }
  return out;
}

const payments: MeasureInput = { kind: 'count', events: ['PaymentInitiated'], description: 'payments initiated' };
const flagged: MeasureInput = { kind: 'count', events: ['PaymentInitiated'], where: [{ field: 'known_fraud_flag', eq: true }], description: 'payments of a known-fraud rider/device' };
const fraudRate: MeasureInput = { kind: 'ratio', numerator: 'fraudPayments', denominator: ['payments'], whenZero: 0, description: 'fraudPayments / payments' };

export const DRIVER_ACTIVITY: WindowSpecInput = {
  name: 'driver-activity',
  description: 'Per driver, 15-minute windows sliding every 5 minutes: trips completed, revenue, cancellations, distinct riders, ratings.',
  source: 'seed 001: merchant aggregations (15-min sliding, 5-min updates), merchant -> driver',
  window: { kind: 'hopping', sizeMinutes: 15, slideMinutes: 5 },
  keyBy: ['driver'],
  measures: {
    completedTrips: { kind: 'count', events: ['BookingCompleted'], description: 'transaction volume: trips the driver completed' },
    revenue: { kind: 'sum', field: 'fare', events: ['BookingCompleted'], description: 'sum of fares' },
    avgFare: { kind: 'avg', field: 'fare', events: ['BookingCompleted'] },
    cancelledTrips: { kind: 'count', events: ['BookingCancelled'], description: 'bookings of the driver that ended cancelled' },
    cancellationRate: { kind: 'ratio', numerator: 'cancelledTrips', denominator: ['completedTrips', 'cancelledTrips'], whenZero: 0 },
    distinctRiders: { kind: 'distinct', dimension: 'rider', events: ['BookingCompleted', 'BookingCancelled'], description: 'distinct customers' },
    avgRating: { kind: 'avg', field: 'rating', events: ['DriverRated'] },
    lowRatings: { kind: 'count', events: ['DriverRated'], where: [{ field: 'rating', lte: 2 }] },
  },
  allowedLatenessMs: 30_000,
};

export const RIDER_HOURLY: WindowSpecInput = {
  name: 'rider-hourly',
  description: 'Per rider, 1-hour tumbling windows: spend, distinct drivers, payment methods, suspicious behaviour.',
  source: 'seed 001: user aggregations (1-hour tumbling), user -> rider',
  window: { kind: 'tumbling', sizeMinutes: 60 },
  keyBy: ['rider'],
  measures: {
    payments,
    spend: { kind: 'sum', field: 'amount', events: ['PaymentCompleted'], description: 'sum of completed payments' },
    attemptedAmount: { kind: 'sum', field: 'amount', events: ['PaymentInitiated'] },
    maxAmount: { kind: 'max', field: 'amount', events: ['PaymentInitiated'] },
    trips: { kind: 'count', events: ['BookingCompleted'] },
    distinctDrivers: { kind: 'distinct', dimension: 'driver', events: ['BookingCompleted'], description: 'merchant diversity' },
    distinctMethods: { kind: 'distinct', dimension: 'method', events: ['PaymentInitiated'], description: 'payment method usage' },
    distinctDevices: { kind: 'distinct', dimension: 'device', events: ['PaymentInitiated'] },
    failedPayments: { kind: 'count', events: ['PaymentFailed'] },
    fraudPayments: flagged,
    highValuePayments: { kind: 'count', events: ['PaymentInitiated'], where: [{ field: 'amount', gt: HIGH_AMOUNT_THRESHOLD }] },
    manyDevices: { kind: 'flag', measure: 'distinctDevices', atLeast: 3, description: 'suspicious: three or more devices in an hour' },
    manyFailures: { kind: 'flag', measure: 'failedPayments', atLeast: 3, description: 'suspicious: three or more failed payments in an hour' },
    fraudFlagged: { kind: 'flag', measure: 'fraudPayments', atLeast: 1, description: 'suspicious: a payment flagged as known fraud' },
  },
  allowedLatenessMs: 30_000,
};

export const REGION_HALF_HOUR: WindowSpecInput = {
  name: 'region-half-hour',
  description: 'Per region, 30-minute tumbling windows: payment volume and amount, fraud rate, active riders and drivers.',
  source: 'seed 001: country aggregations (30-min tumbling), country -> region',
  window: { kind: 'tumbling', sizeMinutes: 30 },
  keyBy: ['region'],
  measures: {
    payments,
    amount: { kind: 'sum', field: 'amount', events: ['PaymentInitiated'] },
    fraudPayments: flagged,
    fraudRate,
    activeRiders: { kind: 'distinct', dimension: 'rider', events: ['BookingCreated', 'PaymentInitiated'] },
    activeDrivers: { kind: 'distinct', dimension: 'driver', events: ['BookingAccepted', 'BookingCompleted', 'DriverStatusChanged'], description: 'drivers who took a booking, completed one or changed status' },
  },
  allowedLatenessMs: 30_000,
};

export const PLATFORM_HOURLY: WindowSpecInput = {
  name: 'platform-hourly',
  description: 'The whole platform, 1-hour tumbling windows: payments, revenue, method mix, fraud rate, high-value rate, trips.',
  source: 'seed 001: hourly platform summary',
  window: { kind: 'tumbling', sizeMinutes: 60 },
  keyBy: [],
  measures: {
    payments,
    revenue: { kind: 'sum', field: 'amount', events: ['PaymentCompleted'] },
    avgAmount: { kind: 'avg', field: 'amount', events: ['PaymentInitiated'] },
    fraudPayments: flagged,
    fraudRate,
    highValuePayments: { kind: 'count', events: ['PaymentInitiated'], where: [{ field: 'amount', gt: HIGH_AMOUNT_THRESHOLD }] },
    highValueRate: { kind: 'ratio', numerator: 'highValuePayments', denominator: ['payments'], whenZero: 0 },
    trips: { kind: 'count', events: ['BookingCreated'] },
    completedTrips: { kind: 'count', events: ['BookingCompleted'] },
    ...methodMix(),
  },
  allowedLatenessMs: 30_000,
};

export const GOLD_PAYMENTS_10M: WindowSpecInput = {
  name: 'gold-payments-10m',
  description: 'Per (region, payment method), 10-minute tumbling windows: counts, revenue, average value, fraud rate, distinct riders and devices.',
  source: 'seed 001: gold layer (10-minute tumbling; merchant, payment method, country -> region, method)',
  window: { kind: 'tumbling', sizeMinutes: 10 },
  keyBy: ['region', 'method'],
  measures: {
    payments,
    amount: { kind: 'sum', field: 'amount', events: ['PaymentInitiated'] },
    avgAmount: { kind: 'avg', field: 'amount', events: ['PaymentInitiated'] },
    fraudPayments: flagged,
    fraudRate,
    distinctRiders: { kind: 'distinct', dimension: 'rider', events: ['PaymentInitiated'] },
    distinctDevices: { kind: 'distinct', dimension: 'device', events: ['PaymentInitiated'] },
  },
  allowedLatenessMs: 30_000,
};

/** Not in seed 001: a session window example (a rider's activity bursts, 30 minutes of silence end one). */
export const RIDER_SESSIONS: WindowSpecInput = {
  name: 'rider-sessions',
  description: 'Per rider, sessions of activity (bookings and payments) ended by 30 minutes without an event.',
  source: 'session window example',
  window: { kind: 'session', gapMinutes: 30 },
  keyBy: ['rider'],
  measures: {
    bookings: { kind: 'count', events: ['BookingCreated'] },
    payments,
    spend: { kind: 'sum', field: 'amount', events: ['PaymentInitiated'] },
    distinctRegions: { kind: 'distinct', dimension: 'region', events: ['BookingCreated', 'PaymentInitiated'] },
  },
  allowedLatenessMs: 30_000,
};

export const SEED_001_SPECS: readonly WindowSpecInput[] = [DRIVER_ACTIVITY, RIDER_HOURLY, REGION_HALF_HOUR, PLATFORM_HOURLY, GOLD_PAYMENTS_10M];
