/**
 * The saga job against the in-process event log and DuckDB: saga rows, the choreography verdicts,
 * the saga metrics, and exactly-once effects when the whole log is re-delivered (offsets rewound).
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
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { SAGA_JOB, startSagaJob } from '../../jobs/saga/index.ts';
import { EVENT_TOPIC, eventKey, type DomainEvent } from '../../schema/events/domain-events.ts';
import { ALL_TOPICS } from '../../schema/events/topics.ts';
import { SAGA_STATES } from '../../schema/tables/saga-tables.ts';
import { waitFor } from '../conformance/helpers.ts';
import { makeEvent, MIN, T0 } from './landing-event-factory.ts';

const logger = pino({ level: 'silent' });
const S = 1000;
let dir = '';
let log: EventLog;
let warehouse: Warehouse;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gofuture-saga-'));
  const ctx = { logger, metrics: new Registry() };
  log = createMemoryEventLog({}, ctx);
  warehouse = createDuckDbWarehouse({ path: join(dir, 'wh.duckdb') }, ctx);
  await log.start();
  await warehouse.start();
  await log.ensureTopics(ALL_TOPICS);
});
after(async () => {
  await log.close();
  await warehouse.close();
  await rm(dir, { recursive: true, force: true });
});

async function publish(events: readonly DomainEvent[]): Promise<void> {
  for (const e of events) await log.publish(EVENT_TOPIC[e.event_type].name, [{ key: eventKey(e), value: JSON.stringify(e) }]);
}

/** One booking's saga events: `outcome` ok | compensated (payment failed, booking cancelled) | broken (payment failed, nothing else). */
function saga(n: number, t0: number, outcome: 'ok' | 'compensated' | 'broken'): DomainEvent[] {
  const ids = { booking_id: `b-${n}`, saga_id: `s-${n}` };
  const b = { booking_id: ids.booking_id, rider_id: `r-${n}`, region_id: 'msk-center' };
  const driver = `d-${n}`;
  const status = (status: 'online' | 'busy', previous: 'online' | 'busy', at: number) =>
    makeEvent('DriverStatusChanged', { driver_id: driver, region_id: 'msk-center', name: 'Ivan', status, previous_status: previous }, at);
  const out: DomainEvent[] = [
    makeEvent('SagaStarted', ids, t0),
    makeEvent('SagaStepCompleted', { ...ids, step: 'price_calculated' }, t0 + S),
    makeEvent('BookingAccepted', { ...b, driver_id: driver, eta_s: 60 }, t0 + 5 * S),
    status('busy', 'online', t0 + 5 * S),
    makeEvent('SagaStepCompleted', { ...ids, step: 'driver_assigned' }, t0 + 5 * S),
  ];
  const payment = { payment_id: `p-${n}`, booking_id: ids.booking_id, user_id: b.rider_id };
  if (outcome === 'ok') {
    out.push(status('online', 'busy', t0 + 20 * MIN), makeEvent('SagaStepCompleted', { ...ids, step: 'payment_completed' }, t0 + 20 * MIN + 2 * S), makeEvent('SagaCompleted', ids, t0 + 20 * MIN + 2 * S));
  } else {
    out.push(makeEvent('PaymentFailed', { ...payment, reason: 'card declined' }, t0 + 20 * MIN));
    if (outcome === 'compensated') {
      out.push(
        makeEvent('BookingCancelled', { ...b, driver_id: driver, cancelled_by: 'system', reason: 'payment failed' }, t0 + 20 * MIN + S),
        status('online', 'busy', t0 + 20 * MIN + S),
        makeEvent('SagaFailed', { ...ids, step: 'payment', reason: 'card declined' }, t0 + 20 * MIN + S),
      );
    }
  }
  return out;
}

const metric = async (metrics: Registry, name: string, labels: Record<string, string> = {}): Promise<number> => {
  const m = await metrics.getSingleMetric(name)?.get();
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x) && !('le' in v.labels)).reduce((a, v) => a + v.value, 0);
};

/** The histogram's samples with their series names (_bucket, _sum, _count). */
async function histogramValues(metrics: Registry): Promise<{ metricName?: string; labels: Record<string, string | number>; value: number }[]> {
  const m = await metrics.getSingleMetric('gofuture_saga_duration_seconds')?.get();
  return (m?.values ?? []) as { metricName?: string; labels: Record<string, string | number>; value: number }[];
}

void describe('saga job', () => {
  void it('keeps each saga, flags the broken choreography once the deadline passed, counts once across a full replay', async () => {
    const events = [...saga(1, T0, 'ok'), ...saga(2, T0 + MIN, 'compensated'), ...saga(3, T0 + 2 * MIN, 'broken')];
    // a later saga moves the job's event-time clock past saga 3's deadline
    const clockMover = [makeEvent('SagaStarted', { booking_id: 'b-9', saga_id: 's-9' }, T0 + 60 * MIN)];
    const metrics = new Registry();
    const job = await startSagaJob({ log, warehouse, logger, metrics, choreographyDeadlineMs: 2 * MIN, clockLagMs: 0 });
    await publish(events);
    const rows = async () => warehouse.query(`SELECT booking_id, saga_id, status, choreography, violations, failed_step, steps FROM ${SAGA_STATES.name} ORDER BY booking_id`);
    // the clock moves on once every topic's events are in (a verdict given before a compensating event arrives is revised later)
    await waitFor('compensation seen', async () => (await rows()).some((r) => r['booking_id'] === 'b-2' && r['choreography'] === 'ok'));
    await waitFor('saga 3 pending', async () => (await rows()).some((r) => r['booking_id'] === 'b-3' && r['choreography'] === 'pending'));
    await publish(clockMover);
    await waitFor('saga 3 judged', async () => (await rows()).some((r) => r['booking_id'] === 'b-3' && r['choreography'] === 'violated'));
    const byId = new Map((await rows()).map((r) => [String(r['booking_id']), r]));
    assert.equal(byId.get('b-1')?.['status'], 'completed');
    assert.equal(byId.get('b-1')?.['choreography'], 'none');
    assert.deepEqual(JSON.parse(String(byId.get('b-1')?.['steps'])).map((s: { step: string }) => s.step), ['price_calculated', 'driver_assigned', 'payment_completed']);
    assert.equal(byId.get('b-2')?.['status'], 'failed');
    assert.equal(byId.get('b-2')?.['failed_step'], 'payment');
    assert.equal(byId.get('b-2')?.['choreography'], 'ok');
    assert.equal(byId.get('b-3')?.['status'], 'running');
    assert.equal(byId.get('b-3')?.['violations'], 'booking_not_cancelled,saga_not_failed,driver_not_released');
    const counts = async () => ({
      started: await metric(metrics, 'gofuture_saga_started_total'),
      completed: await metric(metrics, 'gofuture_saga_completed_total'),
      failed: await metric(metrics, 'gofuture_saga_failed_total', { reason: 'payment' }),
      durations: (await histogramValues(metrics)).filter((v) => v.metricName === 'gofuture_saga_duration_seconds_count').reduce((a, v) => a + v.value, 0),
      violations: await metric(metrics, 'gofuture_saga_choreography_violations_total'),
    });
    const first = await counts();
    assert.deepEqual(first, { started: 4, completed: 1, failed: 1, durations: 2, violations: 3 });
    const sum = (await histogramValues(metrics)).find((v) => v.metricName === 'gofuture_saga_duration_seconds_sum' && v.labels['outcome'] === 'completed');
    assert.equal(sum?.value, 20 * 60 + 2);
    await job.stop();

    // re-deliver the whole log to a restarted job: same rows, no counter moves
    const snapshot = await rows();
    for (const t of SAGA_JOB.topics) {
      const end = await log.endOffsets(t);
      await log.setOffsets(SAGA_JOB.groupId, t, Object.fromEntries(Object.keys(end).map((p) => [Number(p), '0'])));
    }
    const again = await startSagaJob({ log, warehouse, logger, metrics, choreographyDeadlineMs: 2 * MIN, clockLagMs: 0 });
    await waitFor('replayed', async () => {
      for (const t of SAGA_JOB.topics) {
        const [end, committed] = await Promise.all([log.endOffsets(t), log.committedOffsets(SAGA_JOB.groupId, t)]);
        if (Object.entries(end).some(([p, o]) => committed[Number(p)] !== o)) return false;
      }
      return true;
    });
    await again.stop();
    assert.deepEqual(await rows(), snapshot);
    assert.deepEqual(await counts(), first);
  });
});
