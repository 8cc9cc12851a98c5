/** The pure merge logic of the landing jobs: trips, payments (fraud scoring, velocity) and drivers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Row } from '../../connectors/contracts/warehouse.ts';
import { driverBatchRows } from '../../jobs/landing/driver-rows.ts';
import { decodeVersion, encodeVersion, eventVersion, rejectedRowLetters } from '../../jobs/landing/landing-support.ts';
import { localTime, mergePayments, renderPaymentRow, scorePayment, UserTimelines } from '../../jobs/landing/payment-fold.ts';
import { mergeTrips, renderTripRow, TRIP_FACT, type TripEvent } from '../../jobs/landing/trip-fold.ts';
import type { LogRecord } from '../../connectors/contracts/event-log.ts';
import {
  accepted, booking, cancelled, completed, created, DAY, driverLocation, driverRated, driverStatus, lifecycle, MIN,
  paymentCompleted, paymentFailed, paymentInitiated, paymentRefunded, priced, started, T0,
} from './landing-event-factory.ts';

/** Lands `batches` one after another the way the job does: read stored row, merge, write back. */
function landTrips(batches: readonly (readonly TripEvent[])[], table = new Map<string, Row>()): Map<string, Row> {
  for (const events of batches) {
    const stored: Row[] = [];
    for (const id of new Set(events.map((e) => e.data.booking_id))) {
      const row = table.get(id);
      if (row) stored.push(row);
    }
    for (const [id, f] of mergeTrips(stored, events)) {
      const row = renderTripRow(f);
      const prev = table.get(id);
      if (!prev || Number(row.version) >= Number(prev.version)) table.set(id, row);
    }
  }
  return table;
}

void test('a full booking lifecycle in one batch renders one completed row with every field', () => {
  const b = booking(1);
  const row = landTrips([lifecycle(b, T0)]).get(b.bookingId);
  assert.deepEqual(row, {
    trip_id: 'b-1', region_id: 'msk-center', rider_id: 'r-1', driver_id: 'd-1', status: 'completed',
    fare: 420, currency: 'RUB', surge_multiplier: 1.4, distance_km: 8.1, duration_s: 1260, weather: 'rain',
    requested_at: T0, accepted_at: T0 + 2 * MIN, started_at: T0 + 6 * MIN, completed_at: T0 + 27 * MIN,
    cancelled_at: null, cancelled_by: null, cancel_reason: null,
    requested_hour: T0, trip_date: '2025-01-15',
    version: (T0 + 27 * MIN) * 100 + (TRIP_FACT.created | TRIP_FACT.priced | TRIP_FACT.accepted | TRIP_FACT.started | TRIP_FACT.completed),
  });
});

void test('every arrival order of the lifecycle (one event per batch) gives the same final row', () => {
  const b = booking(2);
  const events = lifecycle(b, T0);
  const expected = landTrips([events]).get(b.bookingId);
  const orders = [[4, 2, 0, 1, 3], [1, 0, 2, 3, 4], [4, 3, 2, 1, 0], [2, 4, 1, 3, 0]];
  for (const order of orders) {
    const table = landTrips(order.map((i) => [events[i]!]));
    assert.deepEqual(table.get(b.bookingId), expected, `order ${order.join(',')}`);
  }
});

void test('status never regresses and the version grows with every state change', () => {
  const b = booking(3);
  const [c, p, a, s, done] = lifecycle(b, T0);
  const table = new Map<string, Row>();
  const versions: number[] = [];
  for (const e of [c, done, a, p, s]) {
    landTrips([[e]], table);
    versions.push(Number(table.get(b.bookingId)!.version));
    if (e !== c) assert.equal(table.get(b.bookingId)!.status, 'completed');
  }
  for (let i = 1; i < versions.length; i++) assert.ok(versions[i]! > versions[i - 1]!, `version ${i} grew`);
});

void test('replaying the same events leaves an identical row (idempotent)', () => {
  const b = booking(4);
  const events = lifecycle(b, T0);
  const table = landTrips([events.slice(0, 2), events.slice(2)]);
  const once = structuredClone(table.get(b.bookingId));
  landTrips([events, events.slice(1, 3), [events[0]]], table);
  assert.deepEqual(table.get(b.bookingId), once);
});

void test('PriceCalculated before BookingCreated lands a partial row that BookingCreated completes', () => {
  const b = booking(5);
  const table = landTrips([[priced(b, T0 + 2000)]]);
  const partial = table.get(b.bookingId)!;
  assert.equal(partial.status, 'requested');
  assert.equal(partial.weather, 'unknown');
  assert.equal(partial.rider_id, '');
  assert.equal(partial.surge_multiplier, 1.4);
  assert.equal(partial.requested_at, T0 + 2000);
  assert.equal(decodeVersion(Number(partial.version)).bits & TRIP_FACT.created, 0);
  landTrips([[created(b, T0)]], table);
  const row = table.get(b.bookingId)!;
  assert.equal(row.weather, 'rain');
  assert.equal(row.rider_id, 'r-5');
  assert.equal(row.requested_at, T0);
  assert.equal(row.surge_multiplier, 1.4);
  assert.equal(row.currency, 'RUB');
  assert.equal(row.distance_km, 7.5);
  assert.equal(row.fare, null);
});

void test('a cancellation keeps the driver of the acceptance; the later of completed/cancelled decides', () => {
  const b = booking(6);
  const table = landTrips([[created(b, T0), accepted(b, T0 + MIN)], [cancelled(b, T0 + 3 * MIN)]]);
  const row = table.get(b.bookingId)!;
  assert.equal(row.status, 'cancelled');
  assert.equal(row.driver_id, 'd-6');
  assert.equal(row.cancelled_by, 'rider');
  assert.equal(row.cancel_reason, 'changed plans');
  landTrips([[completed(b, T0 + 2 * MIN)]], table);
  assert.equal(table.get(b.bookingId)!.status, 'cancelled');
});

void test('a second acceptance with a newer time re-assigns the driver, an older one does not', () => {
  const b = booking(7);
  const table = landTrips([[created(b, T0), accepted(b, T0 + MIN, 'd-x')]]);
  landTrips([[accepted(b, T0 + 2 * MIN, 'd-y')]], table);
  assert.equal(table.get(b.bookingId)!.driver_id, 'd-y');
  landTrips([[accepted(b, T0 + MIN, 'd-x')]], table);
  assert.equal(table.get(b.bookingId)!.driver_id, 'd-y');
  assert.equal(table.get(b.bookingId)!.accepted_at, T0 + 2 * MIN);
});

void test('a booking started before midnight UTC stays in its requested date partition', () => {
  const b = booking(8);
  const late = Date.UTC(2025, 0, 15, 23, 50);
  const row = landTrips([[created(b, late), started(b, late + 20 * MIN)]]).get(b.bookingId)!;
  assert.equal(row.trip_date, '2025-01-15');
  assert.equal(row.requested_hour, Date.UTC(2025, 0, 15, 23));
});

void test('version encoding round-trips and rejects out-of-range bits', () => {
  assert.deepEqual(decodeVersion(encodeVersion(T0, 37)), { newestAt: T0, bits: 37 });
  assert.throws(() => encodeVersion(T0, 100), RangeError);
  assert.ok(Number.isSafeInteger(encodeVersion(Date.UTC(2999, 0, 1), 99)));
});

// ---- payments ----

void test('local time follows the region timezone; unknown regions are UTC', () => {
  const at = Date.UTC(2025, 0, 18, 21, 30); // Saturday 21:30 UTC
  assert.deepEqual(localTime(at, 'msk-center'), { hour: 0, weekday: 0 }); // Sunday 00:30 in Moscow
  assert.deepEqual(localTime(at, 'nsk'), { hour: 4, weekday: 0 });
  assert.deepEqual(localTime(at, 'atlantis'), { hour: 21, weekday: 6 });
});

void test('crypto + late night + high amount scores the rules; in a high-risk region it is CRITICAL', () => {
  const lateNightNsk = Date.UTC(2025, 0, 15, 19, 0); // 02:00 Thursday in Novosibirsk (UTC+7)
  const nsk = scorePayment(paymentInitiated({ paymentId: 'p-1', regionId: 'nsk', amount: 7000, method: 'crypto' }, lateNightNsk), 1);
  assert.equal(nsk.riskLevel, 'CRITICAL');
  assert.deepEqual(nsk.reasons, ['high_amount', 'crypto', 'high_risk_region', 'late_night']);
  assert.equal(nsk.score, 0.75);
  const lateNightMsk = Date.UTC(2025, 0, 15, 23, 0); // 02:00 Thursday in Moscow
  const msk = scorePayment(paymentInitiated({ paymentId: 'p-2', amount: 7000, method: 'crypto' }, lateNightMsk), 1);
  assert.equal(msk.riskLevel, 'HIGH');
  assert.deepEqual(msk.reasons, ['high_amount', 'crypto', 'late_night']);
  const plain = scorePayment(paymentInitiated({ paymentId: 'p-3' }, T0), 1);
  assert.deepEqual(plain, { points: 0, score: 0, riskLevel: 'MINIMAL', reasons: [] });
  const unknownRegion = scorePayment(paymentInitiated({ paymentId: 'p-4', regionId: 'atlantis' }, T0), 1);
  assert.deepEqual(unknownRegion.reasons, ['high_risk_region']);
});

void test('velocity counts the user initiations in the 30 minutes up to one, once per payment', () => {
  const t = new UserTimelines();
  t.set('u', 'old', T0 - 31 * MIN);
  t.set('u', 'a', T0 - 20 * MIN);
  t.set('u', 'b', T0);
  t.set('u', 'b', T0);
  assert.equal(t.count('u', T0), 2);
  assert.equal(t.count('u', T0 - 20 * MIN), 2); // old (T0-31) and a (T0-20); b is later
  assert.equal(t.count('other', T0), 0);
});

void test('a payment lifecycle merges into one row; completed beats failed; the largest refund stays', () => {
  const p = { paymentId: 'p-10', amount: 900 };
  const first = mergePayments([], [], [paymentInitiated(p, T0), paymentFailed(p, T0 + MIN)]);
  const failedRow = renderPaymentRow(first.get('p-10')!, 1)!;
  assert.equal(failedRow.status, 'failed');
  assert.equal(failedRow.failure_reason, 'card declined');
  const second = mergePayments([failedRow], [], [paymentCompleted(p, T0 + 2 * MIN), paymentRefunded(p, T0 + 3 * MIN, 100)]);
  const refunded = renderPaymentRow(second.get('p-10')!, 1)!;
  assert.equal(refunded.status, 'refunded');
  assert.equal(refunded.refunded_amount, 100);
  assert.equal(refunded.updated_at, T0 + 3 * MIN);
  assert.equal(refunded.payment_date, '2025-01-15');
  assert.equal(refunded.payment_hour, T0);
  const replay = mergePayments([refunded], [], [paymentInitiated(p, T0), paymentRefunded(p, T0 + 3 * MIN, 100), paymentRefunded(p, T0 + MIN, 50)]);
  assert.deepEqual(renderPaymentRow(replay.get('p-10')!, 1), refunded);
  assert.ok(Number(refunded.version) > Number(failedRow.version));
});

void test('a payment without PaymentInitiated renders no row yet; its facts complete the row when it arrives', () => {
  const merged = mergePayments([], [], [paymentCompleted({ paymentId: 'p-orphan' }, T0)]);
  const waiting = merged.get('p-orphan')!;
  assert.equal(renderPaymentRow(waiting, 1), null);
  const later = mergePayments([], [waiting], [paymentInitiated({ paymentId: 'p-orphan' }, T0 - 1000)]);
  assert.equal(renderPaymentRow(later.get('p-orphan')!, 1)?.status, 'completed');
});

// ---- drivers ----

void test('driver rows keep the newest status per driver and one rating per booking; locations are only counted', () => {
  const busy = driverStatus('d-1', 'busy', T0 + 3 * MIN);
  const rating = driverRated('d-1', 'b-1', 5, T0 + 4 * MIN);
  const rows = driverBatchRows([
    driverStatus('d-1', 'online', T0 + MIN), busy, driverStatus('d-1', 'offline', T0 + 2 * MIN),
    rating, driverLocation('d-1', T0), driverLocation('d-1', T0 + 5000),
  ]);
  assert.deepEqual(rows.drivers, [{ driver_id: 'd-1', name: 'Ivan Petrov', region_id: 'msk-center', status: 'busy', updated_at: T0 + 3 * MIN, version: eventVersion(T0 + 3 * MIN, busy.event_id) }]);
  assert.deepEqual(rows.ratings, [{ booking_id: 'b-1', driver_id: 'd-1', rider_id: 'r-b-1', rating: 5, rated_at: T0 + 4 * MIN, rated_date: '2025-01-15', version: eventVersion(T0 + 4 * MIN, rating.event_id) }]);
  assert.equal(rows.locationUpdates, 2);
});

void test('rejected rows map back to every record that fed them', () => {
  const rec = (offset: string): LogRecord => ({ topic: 'booking-events', partition: 1, offset, key: 'msk-center', value: '{}', headers: {}, timestamp: T0 });
  const a = rec('1');
  const b = rec('2');
  const c = rec('3');
  const letters = rejectedRowLetters([{ row: { trip_id: 'b-1' }, reason: 'NOT NULL constraint failed' }], 'trip_id', new Map([['b-1', [a, b]], ['b-2', [c]]]), 'landing-trips');
  assert.deepEqual(letters.map((l) => [l.record.offset, l.code, l.reason]), [
    ['1', 'WAREHOUSE_ROW_REJECTED', 'trip_id b-1: NOT NULL constraint failed'],
    ['2', 'WAREHOUSE_ROW_REJECTED', 'trip_id b-1: NOT NULL constraint failed'],
  ]);
});

void test('a rating lands in the date partition of its event time', () => {
  const rows = driverBatchRows([driverRated('d-2', 'b-9', 3, T0 - 8 * DAY)]);
  assert.equal(rows.ratings[0]?.rated_date, '2025-01-07');
});
