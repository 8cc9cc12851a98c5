/**
 * The saga and anomaly tables on a real ClickHouse (CLICKHOUSE_URL; `bash scripts/services.sh up
 * clickhouse`): the saga job and the anomaly job run unchanged over ClickHouse (their SQL is the
 * DuckDB / ClickHouse 18.16 subset, values bound), a full re-delivery writes nothing new, and the
 * trips subgraph's `sagas` / `saga` queries read the rows back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createClickHouseWarehouse, type ClickHouseWarehouse } from '../../connectors/clickhouse/index.ts';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import { createMemoryEventLog } from '../../connectors/embedded/memory-event-log.ts';
import { ANOMALY_JOB, startAnomalyJob } from '../../jobs/anomalies/index.ts';
import { createAlertSink } from '../../jobs/orchestrator/alerts.ts';
import { SAGA_JOB, startSagaJob } from '../../jobs/saga/index.ts';
import { EVENT_TOPIC, eventKey, type DomainEvent } from '../../schema/events/domain-events.ts';
import { ALL_TOPICS } from '../../schema/events/topics.ts';
import { ALERTS_TOPIC, type AlertMessage } from '../../schema/lake/alerts.ts';
import { ANOMALY_ALERTS, SAGA_STATES } from '../../schema/tables/saga-tables.ts';
import { sagaFields } from '../../subgraphs/trips/sagas.ts';
import type { TripsContext } from '../../subgraphs/trips/context.ts';
import { uniqueName, waitFor } from '../conformance/helpers.ts';
import { makeEvent, MIN, T0 } from '../unit/landing-event-factory.ts';
import { CLICKHOUSE_URL, clickhouseExec, requireClickHouse } from './support/services.ts';

const logger = pino({ level: 'silent' });
const S = 1000;
const database = uniqueName('gf_saga');
let wh: ClickHouseWarehouse;
let log: EventLog;

before(async () => {
  await requireClickHouse();
  wh = createClickHouseWarehouse({ url: CLICKHOUSE_URL, database, startRetry: { retries: 1, initialMs: 100, maxMs: 200 } }, { logger, metrics: new Registry() });
  await wh.start();
  log = createMemoryEventLog({}, { logger, metrics: new Registry() });
  await log.start();
  await log.ensureTopics([...ALL_TOPICS, ALERTS_TOPIC]);
});
after(async () => {
  await log?.close();
  await wh?.close();
  await clickhouseExec(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
});

async function publish(events: readonly DomainEvent[]): Promise<void> {
  for (const e of events) await log.publish(EVENT_TOPIC[e.event_type].name, [{ key: eventKey(e), value: JSON.stringify(e) }]);
}

async function drained(job: { groupId: string; topics: readonly string[] }): Promise<boolean> {
  for (const t of job.topics) {
    const [end, committed] = await Promise.all([log.endOffsets(t), log.committedOffsets(job.groupId, t)]);
    if (Object.entries(end).some(([p, o]) => (committed[Number(p)] ?? '0') !== o)) return false;
  }
  return true;
}

async function rewind(job: { groupId: string; topics: readonly string[] }): Promise<void> {
  for (const t of job.topics) {
    const end = await log.endOffsets(t);
    await log.setOffsets(job.groupId, t, Object.fromEntries(Object.keys(end).map((p) => [Number(p), '0'])));
  }
}

const ids = (n: number) => ({ booking_id: `b-${n}`, saga_id: `s-${n}` });
const booking = (n: number) => ({ booking_id: `b-${n}`, rider_id: `r-${n}`, region_id: 'msk-center' });

void describe('saga and anomaly tables on ClickHouse', () => {
  void it('the saga job keeps sagas and verdicts; a re-delivery changes no row; sagas/saga read them back', async () => {
    const events: DomainEvent[] = [
      makeEvent('SagaStarted', ids(1), T0), makeEvent('SagaStepCompleted', { ...ids(1), step: 'price_calculated' }, T0 + S), makeEvent('SagaCompleted', ids(1), T0 + 30 * MIN),
      makeEvent('SagaStarted', ids(2), T0 + MIN), makeEvent('BookingAccepted', { ...booking(2), driver_id: 'd-2', eta_s: 60 }, T0 + MIN + 5 * S),
      makeEvent('PaymentFailed', { payment_id: 'p-2', booking_id: 'b-2', user_id: 'r-2', reason: 'card declined' }, T0 + 20 * MIN),
      makeEvent('BookingCancelled', { ...booking(2), driver_id: 'd-2', cancelled_by: 'system', reason: 'payment failed' }, T0 + 20 * MIN + S),
      makeEvent('DriverStatusChanged', { driver_id: 'd-2', region_id: 'msk-center', name: 'Ivan', status: 'online', previous_status: 'busy' }, T0 + 20 * MIN + S),
      makeEvent('SagaFailed', { ...ids(2), step: 'payment', reason: 'card declined' }, T0 + 20 * MIN + S),
      makeEvent('SagaStarted', ids(3), T0 + 2 * MIN),
      makeEvent('PaymentFailed', { payment_id: 'p-3', booking_id: 'b-3', user_id: 'r-3', reason: 'card declined' }, T0 + 21 * MIN),
    ];
    const metrics = new Registry();
    const job = await startSagaJob({ log, warehouse: wh, logger, metrics, choreographyDeadlineMs: 2 * MIN, clockLagMs: 0 });
    await publish(events);
    await waitFor('saga 2 ok', async () => (await wh.query(`SELECT choreography FROM ${SAGA_STATES.name} WHERE booking_id = {b}`, { b: 'b-2' }))[0]?.['choreography'] === 'ok');
    await publish([makeEvent('SagaStarted', ids(9), T0 + 60 * MIN)]);
    await waitFor('saga 3 violated', async () => (await wh.query(`SELECT choreography FROM ${SAGA_STATES.name} WHERE booking_id = {b}`, { b: 'b-3' }))[0]?.['choreography'] === 'violated');
    await waitFor('drained', () => drained(SAGA_JOB));
    await job.stop();
    const all = () => wh.query(`SELECT booking_id, status, choreography, violations, version FROM ${SAGA_STATES.name} ORDER BY booking_id`);
    const snapshot = await all();
    assert.deepEqual(snapshot.map((r) => [r['booking_id'], r['status'], r['choreography'], r['violations']]), [
      ['b-1', 'completed', 'none', ''],
      ['b-2', 'failed', 'ok', ''],
      ['b-3', 'started', 'violated', 'booking_not_cancelled,saga_not_failed'],
      ['b-9', 'started', 'none', ''],
    ]);
    await rewind(SAGA_JOB);
    const again = await startSagaJob({ log, warehouse: wh, logger, metrics, choreographyDeadlineMs: 2 * MIN, clockLagMs: 0 });
    await waitFor('re-delivered', () => drained(SAGA_JOB));
    await again.stop();
    assert.deepEqual(await all(), snapshot);

    const ctx = { warehouse: wh } as unknown as TripsContext;
    const violated = await sagaFields.sagas(null, { choreography: 'VIOLATED', first: 10 }, ctx);
    assert.deepEqual(violated.map((s) => [s.id, s.violations]), [['s-3', ['booking_not_cancelled', 'saga_not_failed']]]);
    const recent = await sagaFields.sagas(null, { first: 2 }, ctx);
    assert.deepEqual(recent.map((s) => s.id), ['s-9', 's-3']);
    const one = await sagaFields.saga(null, { id: 'b-2' }, ctx);
    assert.equal(one?.id, 's-2');
    assert.equal(one?.status, 'FAILED');
    assert.equal(one?.durationSeconds, 19 * 60 + 1);
  });

  void it('the anomaly job raises each anomaly once over ClickHouse state, across a re-delivery', async () => {
    const ping = (at: number, lat: number) => makeEvent('DriverLocationUpdated', { driver_id: 'd-7', region_id: 'msk-center', position: { lat, lon: 37.6 }, speed_kmh: 30, heading: 0 }, at);
    const spend = (n: number, at: number, amount: number) => makeEvent('PaymentInitiated', {
      payment_id: `p-${n}`, booking_id: `b-${n}`, user_id: 'u-7', region_id: 'msk-center', amount, currency: 'RUB', method: 'card', device_id: 'dev-7', known_fraud_flag: false,
    }, at);
    const glitch = ping(T0 + 15 * S, 56.5);
    const spike = spend(99, T0 + 10 * 60 * MIN, 12_000);
    const events = [ping(T0, 55.75), ping(T0 + 5 * S, 55.7503), ping(T0 + 10 * S, 55.7506), glitch, ping(T0 + 20 * S, 55.7509),
      ...Array.from({ length: 6 }, (_, i) => spend(i, T0 + i * 60 * MIN, 300)), spike];
    const metrics = new Registry();
    const start = () => startAnomalyJob({ log, warehouse: wh, logger, metrics, sink: createAlertSink({ log, metrics, logger }) });
    const job = await start();
    await publish(events);
    await waitFor('drained', () => drained(ANOMALY_JOB));
    await job.stop();
    await rewind(ANOMALY_JOB);
    const again = await start();
    await waitFor('re-delivered', () => drained(ANOMALY_JOB));
    await again.stop();
    const onTopic = (await log.read(ALERTS_TOPIC.name, 0, '0', 1000)).map((r) => JSON.parse(r.value) as AlertMessage);
    assert.deepEqual(onTopic.map((a) => a.id).sort(), [`anomaly-amount_spike-${spike.event_id}`, `anomaly-location_jump-${glitch.event_id}`]);
    const rows = await wh.query(`SELECT alert_id, kind, published, evidence FROM ${ANOMALY_ALERTS.name} WHERE published = {yes} ORDER BY alert_id`, { yes: true });
    assert.deepEqual(rows.map((r) => r['kind']), ['amount_spike', 'location_jump']);
    assert.equal(JSON.parse(String(rows[0]?.['evidence'])).amount, 12_000);
  });
});
