/**
 * The anomaly job against the in-process event log, DuckDB and the platform's AlertSink (alerts
 * topic + PubSub): anomalies arrive as alerts with evidence, exactly once across a full re-delivery
 * of the log, and alerts a crash left unpublished are raised on start, once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createDuckDbWarehouse } from '../../connectors/embedded/duckdb-warehouse.ts';
import { createMemoryEventLog } from '../../connectors/embedded/memory-event-log.ts';
import { createMemoryPubSub } from '../../connectors/embedded/memory-pub-sub.ts';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { ANOMALY_JOB, startAnomalyJob } from '../../jobs/anomalies/index.ts';
import { anomalyRow } from '../../jobs/anomalies/alert-outbox.ts';
import { createAlertSink } from '../../jobs/orchestrator/alerts.ts';
import { EVENT_TOPIC, eventKey, type DomainEvent } from '../../schema/events/domain-events.ts';
import { ALL_TOPICS } from '../../schema/events/topics.ts';
import { ALERTS_CHANNEL, ALERTS_TOPIC, type AlertMessage } from '../../schema/lake/alerts.ts';
import { ANOMALY_ALERTS } from '../../schema/tables/saga-tables.ts';
import { waitFor } from '../conformance/helpers.ts';
import { makeEvent, MIN, T0 } from './landing-event-factory.ts';

const logger = pino({ level: 'silent' });
const S = 1000;
let dir = '';
let log: EventLog;
let warehouse: Warehouse;
let pubsub: PubSub;
const live: AlertMessage[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gofuture-anomalies-'));
  const ctx = { logger, metrics: new Registry() };
  log = createMemoryEventLog({}, ctx);
  warehouse = createDuckDbWarehouse({ path: join(dir, 'wh.duckdb') }, ctx);
  pubsub = createMemoryPubSub({}, ctx);
  await log.start();
  await warehouse.start();
  await pubsub.start();
  await log.ensureTopics([...ALL_TOPICS, ALERTS_TOPIC]);
  await pubsub.subscribe(ALERTS_CHANNEL, (m) => live.push(m as AlertMessage));
});
after(async () => {
  await log.close();
  await warehouse.close();
  await pubsub.close();
  await rm(dir, { recursive: true, force: true });
});

async function publish(events: readonly DomainEvent[]): Promise<void> {
  for (const e of events) await log.publish(EVENT_TOPIC[e.event_type].name, [{ key: eventKey(e), value: JSON.stringify(e) }]);
}

async function onTopic(): Promise<AlertMessage[]> {
  const records = await log.read(ALERTS_TOPIC.name, 0, '0', 10_000);
  return records.map((r) => JSON.parse(r.value) as AlertMessage);
}

async function drained(): Promise<boolean> {
  for (const t of ANOMALY_JOB.topics) {
    const [end, committed] = await Promise.all([log.endOffsets(t), log.committedOffsets(ANOMALY_JOB.groupId, t)]);
    if (Object.entries(end).some(([p, o]) => (committed[Number(p)] ?? '0') !== o)) return false;
  }
  return true;
}

const start = (metrics = new Registry()) => startAnomalyJob({ log, warehouse, logger, metrics, sink: createAlertSink({ log, pubsub, metrics, logger }) });

const ping = (driver: string, at: number, lat: number) =>
  makeEvent('DriverLocationUpdated', { driver_id: driver, region_id: 'msk-center', position: { lat, lon: 37.6 }, speed_kmh: 30, heading: 0 }, at);
const pay = (n: number, at: number) => makeEvent('PaymentInitiated', {
  payment_id: `p-${n}`, booking_id: `b-${n}`, user_id: 'u-1', region_id: 'msk-center', amount: 300, currency: 'RUB', method: 'card', device_id: 'dev-1', known_fraud_flag: false,
}, at);

void describe('anomaly job', () => {
  void it('raises a location jump and a payment burst as alerts with evidence, and nothing again on a full re-delivery', async () => {
    const driving = Array.from({ length: 10 }, (_, i) => ping('d-1', T0 + i * 5 * S, 55.75 + i * 0.0003));
    const glitch = ping('d-1', T0 + 50 * S, 56.4);
    const back = ping('d-1', T0 + 55 * S, 55.753);
    const calm = Array.from({ length: 10 }, (_, i) => ping('d-2', T0 + i * 5 * S, 55.7 + i * 0.0003));
    const burst = Array.from({ length: 6 }, (_, i) => pay(i, T0 + i * MIN));
    const job = await start();
    await publish([...driving, glitch, back, ...calm, ...burst]);
    await waitFor('two alerts', async () => (await onTopic()).length >= 2 && (await drained()));
    const alerts = await onTopic();
    assert.deepEqual(alerts.map((a) => a.task).sort(), ['location_jump', 'payment_burst']);
    const jump = alerts.find((a) => a.task === 'location_jump') as AlertMessage;
    assert.equal(jump.kind, 'anomaly');
    assert.equal(jump.source, 'd-1');
    assert.equal(jump.id, `anomaly-location_jump-${glitch.event_id}`);
    const evidence = JSON.parse(jump.evidence ?? 'null') as { from: { eventId: string }; to: { eventId: string }; distanceKm: number };
    assert.equal(evidence.to.eventId, glitch.event_id);
    assert.equal(evidence.from.eventId, driving.at(-1)?.event_id);
    assert.ok(evidence.distanceKm > 60);
    await waitFor('live alerts', () => live.length >= 2);
    assert.deepEqual(live.map((a) => a.id).sort(), alerts.map((a) => a.id).sort());
    await job.stop();

    for (const t of ANOMALY_JOB.topics) {
      const end = await log.endOffsets(t);
      await log.setOffsets(ANOMALY_JOB.groupId, t, Object.fromEntries(Object.keys(end).map((p) => [Number(p), '0'])));
    }
    const again = await start();
    await waitFor('re-delivered', drained);
    await again.stop();
    assert.equal((await onTopic()).length, 2);
    const rows = await warehouse.query(`SELECT alert_id, published FROM ${ANOMALY_ALERTS.name} ORDER BY alert_id`);
    assert.deepEqual(rows.map((r) => [r['alert_id'], Boolean(r['published'])]), alerts.map((a) => [a.id, true]).sort());
  });

  void it('on start, raises the alerts a crash left unpublished, except those already on the alerts topic', async () => {
    const anomaly = (id: string) => ({ kind: 'amount_spike' as const, subjectId: 'u-9', at: T0, eventId: id, severity: 'warn' as const, message: `spike ${id}`, evidence: { amount: 9000 } });
    const before = (await onTopic()).length;
    // ev-a was raised before the crash (it is on the topic), ev-b was not
    await log.publish(ALERTS_TOPIC.name, [{ key: 'anomaly', value: JSON.stringify({ id: 'anomaly-amount_spike-ev-a', kind: 'anomaly', severity: 'warn', message: 'spike ev-a', raisedAt: T0 }) }]);
    await warehouse.insert(ANOMALY_ALERTS.name, [anomalyRow(anomaly('ev-a'), false), anomalyRow(anomaly('ev-b'), false)]);
    const job = await start();
    await job.stop();
    const ids = (await onTopic()).slice(before).map((a) => a.id);
    assert.deepEqual(ids, ['anomaly-amount_spike-ev-a', 'anomaly-amount_spike-ev-b']);
    const raised = (await onTopic()).at(-1);
    assert.equal(JSON.parse(raised?.evidence ?? '{}').amount, 9000);
    const pending = await warehouse.query(`SELECT alert_id FROM ${ANOMALY_ALERTS.name} WHERE published = {no}`, { no: false });
    assert.deepEqual(pending, []);
  });
});
