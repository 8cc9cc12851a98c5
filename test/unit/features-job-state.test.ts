/** The pure state of the real-time features: buckets of event ids over event time, window values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureValue } from '../../connectors/contracts/online-store.ts';
import {
  applyToState, contributionsOf, emptyState, FEATURE_SPECS, featureValues, fieldName, parseState, pruneState, serializeState,
  sourceSpec, stateTtlMs, valueTtlMs, eventKeyOf,
} from '../../jobs/features/feature-state.ts';
import { FEATURES } from '../../schema/features.ts';
import { booking, completed, created, DAY, driverRated, driverStatus, HOUR, MIN, T0 } from './landing-event-factory.ts';

void test('every feature of schema/features.ts has a computation', () => {
  assert.deepEqual(FEATURE_SPECS.map((s) => s.name), FEATURES.map((f) => f.name));
  assert.equal(valueTtlMs('region'), 10 * MIN);
  assert.ok(stateTtlMs('rider') > 30 * DAY, 'state outlives the 30-day window');
});

void test('events contribute to the right entities', () => {
  const b = booking(1);
  const c = created(b, T0);
  assert.deepEqual(contributionsOf(c), [{ key: eventKeyOf(c.event_id), entity: 'region', id: 'msk-center', source: 'demand', at: T0, value: 1 }]);
  assert.deepEqual(contributionsOf(completed(b, T0)).map((c) => `${c.entity}:${c.id}:${c.source}`), ['driver:d-1:trips', 'rider:r-1:trips']);
  const r = driverRated('d-1', 'b-1', 4, T0);
  assert.deepEqual(contributionsOf(r), [{ key: eventKeyOf(r.event_id), entity: 'driver', id: 'd-1', source: 'rating', at: T0, value: 4 }]);
  assert.deepEqual(contributionsOf(driverStatus('d-1', 'online', T0)), []);
});

void test('an event applies once: its key already in the state is a no-op, in any order', () => {
  const s = emptyState();
  const { bucketMs } = sourceSpec('driver', 'rating');
  assert.equal(applyToState(s, 'e-11', T0 + MIN, 3, bucketMs), true);
  assert.equal(applyToState(s, 'e-10', T0, 5, bucketMs), true);
  const saved = serializeState(s);
  const again = parseState(saved)!;
  assert.equal(applyToState(again, 'e-10', T0, 5, bucketMs), false);
  assert.equal(applyToState(again, 'e-11', T0 + MIN, 3, bucketMs), false);
  assert.equal(serializeState(again), saved);
  assert.equal(again.t, T0 + MIN);
});

void test('an event held by two partition fields counts once', () => {
  const { bucketMs } = sourceSpec('region', 'demand');
  const p1 = emptyState();
  const p2 = emptyState();
  applyToState(p1, 'same', T0, 1, bucketMs);
  applyToState(p2, 'same', T0, 1, bucketMs);
  applyToState(p2, 'other', T0, 1, bucketMs);
  const fields = { [fieldName('demand', 'booking-events', 1)]: serializeState(p1), [fieldName('demand', 'booking-events', 2)]: serializeState(p2) };
  assert.deepEqual(featureValues('region', fields, T0), { region_demand_1h: 2 });
});

void test('driver average rating covers the last 7 days of event time only', () => {
  const { bucketMs } = sourceSpec('driver', 'rating');
  const s = emptyState();
  applyToState(s, 'a', T0 - 8 * DAY, 1, bucketMs);
  applyToState(s, 'b', T0 - 6 * DAY, 4, bucketMs);
  applyToState(s, 'c', T0, 5, bucketMs);
  const fields: Record<string, FeatureValue> = { [fieldName('rating', 'driver-events', 3)]: serializeState(s) };
  assert.deepEqual(featureValues('driver', fields, T0), { driver_avg_rating_7d: 4.5, driver_trips_7d: 0 });
  assert.deepEqual(featureValues('driver', fields, T0 + 2 * DAY), { driver_avg_rating_7d: 5, driver_trips_7d: 0 });
  assert.deepEqual(featureValues('driver', fields, T0 + 8 * DAY), { driver_avg_rating_7d: null, driver_trips_7d: 0 });
});

void test('state of several source partitions sums; pruning keeps what the window still needs', () => {
  const { bucketMs, windowMs } = sourceSpec('region', 'demand');
  const p1 = emptyState();
  const p2 = emptyState();
  applyToState(p1, 'a', T0 - 70 * MIN, 1, bucketMs);
  applyToState(p1, 'b', T0 - 30 * MIN, 1, bucketMs);
  applyToState(p2, 'c', T0 - MIN, 1, bucketMs);
  applyToState(p2, 'd', T0, 1, bucketMs);
  const fields = { [fieldName('demand', 'booking-events', 1)]: serializeState(p1), [fieldName('demand', 'booking-events', 2)]: serializeState(p2) };
  assert.deepEqual(featureValues('region', fields, T0), { region_demand_1h: 3 });
  pruneState(p1, T0, windowMs, bucketMs);
  assert.equal(Object.keys(p1.b).length, 1);
  assert.deepEqual(featureValues('region', { ...fields, [fieldName('demand', 'booking-events', 1)]: serializeState(p1) }, T0), { region_demand_1h: 3 });
  assert.deepEqual(featureValues('region', fields, T0 + HOUR + MIN), { region_demand_1h: 0 });
});

void test('unreadable state parses as null', () => {
  assert.equal(parseState('not json'), null);
  assert.equal(parseState('{"o":"3","t":1,"b":{"1":[1,1]}}'), null, 'the older offset-based format restarts empty');
  assert.equal(parseState('{"t":1,"b":{"1":[1,1]}}'), null);
  assert.equal(parseState(3), null);
  assert.equal(parseState(undefined), null);
});
