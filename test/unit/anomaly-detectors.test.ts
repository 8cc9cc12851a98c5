/** The stream anomaly detectors (jobs/anomalies) as pure functions: location jumps and payment patterns. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  anomalyAlertId, DEFAULT_PAYMENT_PATTERNS, detectLocationJump, detectPaymentPatterns, emptyPaymentState, haversineKm,
  type Anomaly, type LocationState, type PaymentState,
} from '../../jobs/anomalies/index.ts';
import type { DomainEventOf } from '../../schema/events/domain-events.ts';
import { makeEvent, MIN, T0 } from './landing-event-factory.ts';

const S = 1000;

const ping = (at: number, lat: number, lon: number, id?: string): DomainEventOf<'DriverLocationUpdated'> =>
  makeEvent('DriverLocationUpdated', { driver_id: 'd-1', region_id: 'msk-center', position: { lat, lon }, speed_kmh: 40, heading: 90 }, at, id);

function drive(points: readonly DomainEventOf<'DriverLocationUpdated'>[]): Anomaly[] {
  let s: LocationState | null = null;
  const out: Anomaly[] = [];
  for (const p of points) {
    const r = detectLocationJump(s, p);
    s = r.state;
    if (r.anomaly) out.push(r.anomaly);
  }
  return out;
}

void describe('haversine', () => {
  void it('gives the great-circle distance: Moscow - Saint Petersburg about 634 km, a degree of latitude about 111 km', () => {
    const km = haversineKm({ lat: 55.7558, lon: 37.6173 }, { lat: 59.9343, lon: 30.3351 });
    assert.ok(Math.abs(km - 634) < 3, `${km}`);
    assert.ok(Math.abs(haversineKm({ lat: 10, lon: 20 }, { lat: 11, lon: 20 }) - 111.2) < 0.2);
    assert.equal(haversineKm({ lat: 1, lon: 2 }, { lat: 1, lon: 2 }), 0);
  });
});

void describe('driver location jumps', () => {
  void it('a car driving at city speed raises nothing', () => {
    // 0.0005 deg of longitude every 5 s at lat 55.75: about 31 m, 22 km/h
    const points = Array.from({ length: 50 }, (_, i) => ping(T0 + i * 5 * S, 55.75, 37.6 + i * 0.0005));
    assert.deepEqual(drive(points), []);
  });

  void it('a one-ping GPS glitch (there and back) is ONE anomaly, with the two points and the implied speed as evidence', () => {
    const points = [ping(T0, 55.75, 37.6), ping(T0 + 5 * S, 55.75, 37.6005, 'before-glitch'), ping(T0 + 10 * S, 56.2, 37.6005), ping(T0 + 15 * S, 55.75, 37.601), ping(T0 + 20 * S, 55.75, 37.6015)];
    // the glitch is point 3 (50 km north): points[1] -> points[2] is the jump; points[3] is plausible from points[1]
    const found = drive(points);
    assert.equal(found.length, 1);
    const a = found[0] as Anomaly;
    assert.equal(a.kind, 'location_jump');
    assert.equal(a.subjectId, 'd-1');
    assert.equal(a.eventId, points[2]?.event_id);
    const ev = a.evidence as { distanceKm: number; seconds: number; impliedSpeedKmh: number; from: { eventId: string } };
    assert.equal(ev.from.eventId, 'before-glitch');
    assert.equal(ev.seconds, 5);
    assert.ok(Math.abs(ev.distanceKm - 50) < 1, `${ev.distanceKm}`);
    assert.ok(ev.impliedSpeedKmh > 30_000, `${ev.impliedSpeedKmh}`);
    assert.equal(anomalyAlertId(a), `anomaly-location_jump-${points[2]?.event_id}`);
  });

  void it('a real teleport (the driver stays at the new place) is one anomaly too; a late, older ping is ignored', () => {
    const points = [ping(T0, 55.75, 37.6), ping(T0 + 5 * S, 56.3, 37.6), ping(T0 + 10 * S, 56.3, 37.6005), ping(T0 + 2 * S, 55.75, 37.6), ping(T0 + 15 * S, 56.3, 37.601)];
    assert.equal(drive(points).length, 1);
  });

  void it('a long gap makes a long distance plausible; a short hop under 1 km is GPS noise whatever the time', () => {
    assert.deepEqual(drive([ping(T0, 55.75, 37.6), ping(T0 + 60 * MIN, 55.75 + 0.9, 37.6)]), []); // 100 km in an hour
    assert.deepEqual(drive([ping(T0, 55.75, 37.6), ping(T0 + 1, 55.752, 37.6)]), []); // 220 m in 1 ms
    assert.equal(drive([ping(T0, 55.75, 37.6), ping(T0 + 60 * MIN, 55.75 + 3, 37.6)]).length, 1); // 333 km in an hour
  });
});

let pay = 0;
const initiation = (at: number, o: { amount?: number; device?: string; method?: 'card' | 'cash' | 'wallet' | 'crypto'; user?: string } = {}) =>
  makeEvent('PaymentInitiated', {
    payment_id: `p-${++pay}`, booking_id: `b-${pay}`, user_id: o.user ?? 'u-1', region_id: 'msk-center', amount: o.amount ?? 300,
    currency: 'RUB', method: o.method ?? 'card', device_id: o.device ?? 'dev-1', known_fraud_flag: false,
  }, at);

function payments(events: readonly DomainEventOf<'PaymentInitiated'>[]): Anomaly[] {
  let s: PaymentState = emptyPaymentState();
  const out: Anomaly[] = [];
  for (const e of events) {
    const r = detectPaymentPatterns(s, e);
    s = r.state;
    out.push(...r.anomalies);
  }
  return out;
}

void describe('payment patterns', () => {
  void it('an honest rider (a ride an hour, one card, one phone, usual amounts) raises nothing', () => {
    const day = Array.from({ length: 24 }, (_, i) => initiation(T0 + i * 60 * MIN, { amount: 200 + (i % 5) * 60 }));
    assert.deepEqual(payments(day), []);
  });

  void it('a burst of 7 payments in 10 minutes is ONE payment_burst alert listing the payments', () => {
    const burst = Array.from({ length: 7 }, (_, i) => initiation(T0 + i * 90 * S));
    const found = payments(burst).filter((a) => a.kind === 'payment_burst');
    assert.equal(found.length, 1);
    const a = found[0] as Anomaly;
    assert.equal(a.eventId, burst[DEFAULT_PAYMENT_PATTERNS.burstMin - 1]?.event_id);
    assert.deepEqual((a.evidence as { paymentIds: string[] }).paymentIds, burst.slice(0, DEFAULT_PAYMENT_PATTERNS.burstMin).map((e) => e.data.payment_id));
    // 4 payments in the window are not a burst
    assert.deepEqual(payments(burst.slice(0, 4).map((e) => initiation(e.occurred_at, { user: 'u-2' }))).filter((x) => x.kind === 'payment_burst'), []);
  });

  void it('many devices within a day is one payment_methods alert with the devices as evidence', () => {
    const found = payments(Array.from({ length: 6 }, (_, i) => initiation(T0 + i * 2 * 60 * MIN, { device: `dev-${i}`, user: 'u-3' })));
    const m = found.filter((a) => a.kind === 'payment_methods');
    assert.equal(m.length, 1);
    assert.deepEqual((m[0]?.evidence as { devices: string[] }).devices, ['dev-0', 'dev-1', 'dev-2', 'dev-3']);
    const methods = payments((['card', 'wallet', 'crypto'] as const).map((method, i) => initiation(T0 + i * 3 * 60 * MIN, { method, user: 'u-4' })));
    assert.equal(methods.filter((a) => a.kind === 'payment_methods').length, 1);
  });

  void it('an amount far above the user\'s own history is an amount_spike; the same amount from a big spender is not', () => {
    const history = Array.from({ length: 6 }, (_, i) => initiation(T0 + i * 60 * MIN, { amount: 300, user: 'u-5' }));
    const spike = initiation(T0 + 7 * 60 * MIN, { amount: 9000, user: 'u-5' });
    const found = payments([...history, spike]).filter((a) => a.kind === 'amount_spike');
    assert.equal(found.length, 1);
    assert.equal((found[0]?.evidence as { historyMean: number }).historyMean, 300);
    const rich = Array.from({ length: 6 }, (_, i) => initiation(T0 + i * 60 * MIN, { amount: 4000, user: 'u-6' }));
    assert.deepEqual(payments([...rich, initiation(T0 + 7 * 60 * MIN, { amount: 9000, user: 'u-6' })]).filter((a) => a.kind === 'amount_spike'), []);
    // too little history to judge
    assert.deepEqual(payments([initiation(T0, { user: 'u-7' }), initiation(T0 + 60 * MIN, { amount: 9000, user: 'u-7' })]).filter((a) => a.kind === 'amount_spike'), []);
  });
});
