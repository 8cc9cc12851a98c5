/**
 * The booking saga and the anomaly detectors in the running platform (embedded, in this process,
 * free ports; jobs saga + anomalies): a seeded simulator run (rush hour in Moscow, GPS glitches
 * injected) goes into the platform's event log; the sagas are served by `sagas` / `saga` through
 * the gateway, the simulator's compensation passes the choreography check (no violation), the saga
 * metrics are on /metrics, and a location-jump alert with its evidence arrives on the `alerts`
 * subscription (graphql-ws).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../bin/config.ts';
import { startPlatform, type RunningPlatform } from '../../bin/platform.ts';
import { consumerLag } from '../../connectors/contracts/event-log.ts';
import { SAGA_JOB } from '../../jobs/saga/index.ts';
import { ANOMALY_JOB } from '../../jobs/anomalies/index.ts';
import { createSimulator } from '../../jobs/simulator/index.ts';
import { ALERTS_CHANNEL, type AlertMessage } from '../../schema/lake/alerts.ts';
import { eventually, gql, subscribe, type Subscription } from './support.ts';

interface LiveAlert { id: string; kind: string; task: string | null; source: string | null; message: string; evidence: string | null }
interface SagaNode {
  id: string; bookingId: string; status: string; startedAt: string | null; endedAt: string | null; durationSeconds: number | null;
  steps: { step: string; at: string }[]; failedStep: string | null; choreography: string; violations: string[]; driverId: string | null;
  paymentFailedAt: string | null; bookingCancelledAt: string | null; driverReleasedAt: string | null;
}
const SAGA_FIELDS = 'id bookingId status startedAt endedAt durationSeconds steps { step at } failedStep choreography violations driverId paymentFailedAt bookingCancelledAt driverReleasedAt';

void describe('booking sagas and anomaly alerts in the running platform', () => {
  let dir: string;
  let platform: RunningPlatform;
  let live: Subscription<LiveAlert>;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-e2e-saga-'));
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: dir, logLevel: 'silent',
        gateway: { port: 0 },
        subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0, lake: 0 },
        connectors: { eventLog: { kind: 'memory', dir: path.join(dir, 'event-log') }, warehouse: { kind: 'duckdb', path: path.join(dir, 'warehouse.duckdb') } },
        jobs: ['saga', 'anomalies'],
      },
    });
    platform = await startPlatform(config, pino({ level: 'silent' }), new Registry());
    live = subscribe<LiveAlert>(platform.gatewayUrl, 'subscription { alerts { id kind task source message evidence } }', {}, (d) => d.alerts as LiveAlert);
    // the subscription is live end to end once a probe put on the alerts channel comes back through the gateway
    await eventually('the alerts subscription to go live', 60_000, async () => {
      const probe: AlertMessage = { id: `probe-${Date.now()}`, severity: 'warn', kind: 'probe', dag: null, task: null, source: null, logicalDate: null, message: 'probe', raisedAt: Date.now() };
      await platform.connectors.pubSub.publish(ALERTS_CHANNEL, probe);
      if (live.errors.length > 0) throw new Error(`alerts subscription failed: ${JSON.stringify(live.errors)}`);
      return live.messages.some((m) => m.kind === 'probe') ? true : undefined;
    }, 300);
  });

  after(async () => {
    await live?.close();
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  void it('serves the sagas, checks their choreography, counts them, and raises a location jump alert with evidence', { timeout: 300_000 }, async () => {
    const log = platform.connectors.eventLog;
    // 40 simulated minutes from 07:00 UTC (10:00 in Moscow): trips complete, some payments fail
    const sim = createSimulator({
      log, logger: pino({ level: 'silent' }), metrics: new Registry(),
      seed: 11, startTime: Date.UTC(2026, 2, 4, 7, 0, 0), ratePerSecond: 0.3, locationIntervalMs: 15_000, locationGlitchShare: 0.002,
    });
    await sim.runFor(40 * 60_000);
    await sim.stop();
    await eventually('the saga and anomaly jobs to drain the log', 240_000, async () => {
      for (const job of [SAGA_JOB, ANOMALY_JOB]) for (const t of job.topics) if ((await consumerLag(log, job.groupId, t)) > 0) return undefined;
      return true;
    }, 500);

    const completed = await gql<{ sagas: SagaNode[] }>(platform.gatewayUrl, `{ sagas(status: COMPLETED, first: 5) { ${SAGA_FIELDS} } }`);
    assert.equal(completed.body.errors, undefined, JSON.stringify(completed.body.errors));
    const done = completed.body.data?.sagas ?? [];
    assert.ok(done.length > 0, 'completed sagas are served');
    for (const s of done) {
      assert.equal(s.status, 'COMPLETED');
      assert.ok(s.startedAt !== null && s.endedAt !== null && (s.durationSeconds ?? -1) > 0);
      assert.deepEqual(s.steps.map((x: { step: string }) => x.step), ['price_calculated', 'driver_assigned', 'trip_completed', 'payment_initiated', 'payment_completed']);
    }
    const first = done[0] as SagaNode;
    const one = await gql<{ saga: SagaNode | null }>(platform.gatewayUrl, `query ($id: ID!) { saga(id: $id) { ${SAGA_FIELDS} } }`, { id: first.id });
    assert.deepEqual(one.body.data?.saga, first);
    const byBooking = await gql<{ saga: SagaNode | null }>(platform.gatewayUrl, `query ($id: ID!) { saga(id: $id) { id } }`, { id: first.bookingId });
    assert.equal(byBooking.body.data?.saga?.id, first.id);

    // the simulator compensates every failed payment (BookingCancelled, SagaFailed, driver free): checked ok, never violated
    const checked = await gql<{ ok: SagaNode[]; violated: SagaNode[] }>(platform.gatewayUrl, `{ ok: sagas(choreography: OK, first: 100) { ${SAGA_FIELDS} } violated: sagas(choreography: VIOLATED, first: 100) { id violations } }`);
    assert.equal(checked.body.errors, undefined, JSON.stringify(checked.body.errors));
    assert.deepEqual(checked.body.data?.violated, []);
    const ok = checked.body.data?.ok ?? [];
    assert.ok(ok.length > 0, 'a failed payment was checked');
    for (const s of ok) {
      assert.equal(s.status, 'FAILED');
      assert.equal(s.failedStep, 'payment');
      assert.ok(s.paymentFailedAt !== null && s.bookingCancelledAt !== null && s.driverReleasedAt !== null);
    }

    const metrics = await (await fetch(new URL('/metrics', platform.gatewayUrl))).text();
    const value = (re: RegExp): number => Number(re.exec(metrics)?.[1] ?? NaN);
    const started = value(/^gofuture_saga_started_total\{saga="booking"\} (\d+)/m);
    assert.ok(started > 0, 'gofuture_saga_started_total on /metrics');
    assert.ok(value(/^gofuture_saga_completed_total\{saga="booking"\} (\d+)/m) >= done.length);
    assert.ok(value(/^gofuture_saga_failed_total\{saga="booking",reason="payment"\} (\d+)/m) >= ok.length);
    assert.ok(value(/^gofuture_saga_duration_seconds_count\{saga="booking",outcome="completed"\} (\d+)/m) > 0);

    const jump = await eventually('a location jump alert on the subscription', 60_000, () => live.messages.find((m) => m.kind === 'anomaly' && m.task === 'location_jump'));
    assert.ok(jump.source?.startsWith('drv-'), `source ${jump.source}`);
    const evidence = JSON.parse(jump.evidence ?? 'null') as { driverId: string; distanceKm: number; impliedSpeedKmh: number; from: { eventId: string }; to: { eventId: string } };
    assert.equal(evidence.driverId, jump.source);
    assert.ok(evidence.distanceKm >= 1 && evidence.impliedSpeedKmh > 250, JSON.stringify(evidence));
    assert.equal(jump.id, `anomaly-location_jump-${evidence.to.eventId}`);
    // one alert per anomaly
    const anomalies = live.messages.filter((m) => m.kind === 'anomaly');
    assert.equal(new Set(anomalies.map((m) => m.id)).size, anomalies.length);
  });
});
