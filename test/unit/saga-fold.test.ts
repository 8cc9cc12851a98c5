/** The booking saga's state machine and seed 002's choreography check (jobs/saga/saga-fold.ts), as pure functions. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DomainEvent } from '../../schema/events/domain-events.ts';
import {
  applyDriverRelease, applySagaEvent, checkChoreography, driverRelease, emptyFacts, sagaStatus, sagaVersion, type SagaFacts,
} from '../../jobs/saga/saga-fold.ts';
import { makeEvent, T0 } from './landing-event-factory.ts';

const S = 1000;
const DEADLINE = 120 * S;
const ids = { booking_id: 'b-1', saga_id: 's-1' };
const b = { booking_id: 'b-1', rider_id: 'r-1', region_id: 'msk-center' };

const happy = (): DomainEvent[] => [
  makeEvent('SagaStarted', ids, T0),
  makeEvent('SagaStepCompleted', { ...ids, step: 'price_calculated' }, T0 + S),
  makeEvent('SagaStepCompleted', { ...ids, step: 'driver_assigned' }, T0 + 5 * S),
  makeEvent('SagaStepCompleted', { ...ids, step: 'payment_completed' }, T0 + 30 * S),
  makeEvent('SagaCompleted', ids, T0 + 30 * S),
];

/** A saga whose payment fails at T0 + 60 s, with the compensation events asked for. */
function failing(o: { cancel?: number | null; sagaFailed?: number | null } = {}): DomainEvent[] {
  const out: DomainEvent[] = [
    makeEvent('SagaStarted', ids, T0),
    makeEvent('BookingAccepted', { ...b, driver_id: 'd-1', eta_s: 120 }, T0 + 5 * S),
    makeEvent('PaymentFailed', { payment_id: 'p-1', booking_id: 'b-1', user_id: 'r-1', reason: 'card declined' }, T0 + 60 * S),
  ];
  if (o.cancel !== null) out.push(makeEvent('BookingCancelled', { ...b, driver_id: 'd-1', cancelled_by: 'system', reason: 'payment failed' }, T0 + (o.cancel ?? 61) * S));
  if (o.sagaFailed !== null) out.push(makeEvent('SagaFailed', { ...ids, step: 'payment', reason: 'card declined' }, T0 + (o.sagaFailed ?? 60) * S));
  return out;
}

function fold(events: readonly DomainEvent[]): SagaFacts {
  const f = emptyFacts('b-1');
  for (const e of events) applySagaEvent(f, e);
  return f;
}

/** Every permutation of a small list (for order independence). */
function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

void describe('booking saga state', () => {
  void it('SagaStarted -> steps -> SagaCompleted is completed, in any arrival order, duplicates included', () => {
    const events = happy();
    const reference = fold(events);
    assert.equal(sagaStatus(reference), 'completed');
    assert.deepEqual(Object.keys(reference.steps).sort(), ['driver_assigned', 'payment_completed', 'price_calculated']);
    for (const order of permutations(events)) assert.deepEqual(fold([...order, ...order.slice(0, 2)]), reference);
  });

  void it('moves started -> running -> completed as the events arrive; the version grows with each new fact and not on a replay', () => {
    const f = emptyFacts('b-1');
    const seen: string[] = [];
    let version = -1;
    for (const e of happy()) {
      applySagaEvent(f, e);
      seen.push(sagaStatus(f));
      const v = sagaVersion(f, checkChoreography(f, 0, DEADLINE));
      assert.ok(v > version, `${e.event_type}: version ${v} after ${version}`);
      version = v;
    }
    assert.deepEqual(seen, ['started', 'running', 'running', 'running', 'completed']);
    applySagaEvent(f, happy()[2] as DomainEvent);
    assert.equal(sagaVersion(f, checkChoreography(f, 0, DEADLINE)), version);
  });

  void it('a failure wins over a completion and keeps the earliest failing step', () => {
    const f = fold([...happy(), makeEvent('SagaFailed', { ...ids, step: 'refund', reason: 'x' }, T0 + 90 * S), makeEvent('SagaFailed', { ...ids, step: 'payment', reason: 'declined' }, T0 + 40 * S)]);
    assert.equal(sagaStatus(f), 'failed');
    assert.equal(f.failedStep, 'payment');
    assert.equal(f.failedAt, T0 + 40 * S);
  });
});

void describe('seed 002 choreography: PaymentFailed -> BookingCancelled -> driver released', () => {
  void it('is ok when the booking is cancelled, the saga failed and the driver released in time', () => {
    const f = fold(failing());
    applyDriverRelease(f, 'd-1', T0 + 62 * S);
    assert.deepEqual(checkChoreography(f, T0 + 10 * 60 * S, DEADLINE), { state: 'ok', violations: [], dueAt: T0 + 180 * S });
  });

  void it('is pending until the deadline passes, then names what is missing', () => {
    const f = fold(failing({ cancel: null }));
    assert.equal(checkChoreography(f, T0 + 179 * S, DEADLINE).state, 'pending');
    const c = checkChoreography(f, T0 + 180 * S, DEADLINE);
    assert.equal(c.state, 'violated');
    assert.deepEqual(c.violations, ['booking_not_cancelled', 'driver_not_released']);
  });

  void it('a cancellation after the deadline is a violation; a late-arriving but timely one turns the verdict to ok', () => {
    const late = fold(failing({ cancel: 400 }));
    applyDriverRelease(late, 'd-1', T0 + 70 * S);
    assert.deepEqual(checkChoreography(late, T0 + 3600 * S, DEADLINE).violations, ['booking_not_cancelled']);
    const f = fold(failing({ cancel: null }));
    applyDriverRelease(f, 'd-1', T0 + 70 * S);
    const before = checkChoreography(f, T0 + 3600 * S, DEADLINE);
    assert.equal(before.state, 'violated');
    applySagaEvent(f, makeEvent('BookingCancelled', { ...b, driver_id: 'd-1', cancelled_by: 'system', reason: 'payment failed' }, T0 + 61 * S));
    const after = checkChoreography(f, T0 + 3600 * S, DEADLINE);
    assert.equal(after.state, 'ok');
    assert.ok(sagaVersion(f, after) > sagaVersion(fold(failing({ cancel: null })), before), 'the row is rewritten');
  });

  void it('only a release of the assigned driver at or after the assignment counts; a saga never failed is a violation', () => {
    const f = fold(failing({ sagaFailed: null }));
    applyDriverRelease(f, 'd-2', T0 + 62 * S);
    applyDriverRelease(f, 'd-1', T0 + 2 * S);
    assert.deepEqual(checkChoreography(f, T0 + 3600 * S, DEADLINE).violations, ['saga_not_failed', 'driver_not_released']);
    const release = driverRelease(makeEvent('DriverStatusChanged', { driver_id: 'd-1', region_id: 'msk-center', name: 'Ivan', status: 'online', previous_status: 'busy' }, T0 + 62 * S));
    assert.deepEqual(release, { driverId: 'd-1', at: T0 + 62 * S });
    assert.equal(driverRelease(makeEvent('DriverStatusChanged', { driver_id: 'd-1', region_id: 'msk-center', name: 'Ivan', status: 'busy', previous_status: 'online' }, T0)), null);
  });

  void it('a failed payment of no saga (card testing: the booking does not exist) is not checked', () => {
    const f = fold([makeEvent('PaymentFailed', { payment_id: 'p-9', booking_id: 'b-1', user_id: 'r-1', reason: 'fraud suspected' }, T0)]);
    assert.equal(checkChoreography(f, T0 + 3600 * S, DEADLINE).state, 'none');
    assert.equal(sagaStatus(f), 'unknown');
  });
});
