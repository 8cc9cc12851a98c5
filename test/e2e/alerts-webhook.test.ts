/**
 * The operator's side of the embedded platform, in this process on free ports:
 * - `POST /alerts/webhook` on the gateway front door: refuses callers without the bearer token,
 *   bodies that are not JSON or not an Alertmanager v4 payload; a valid notification reaches a
 *   graphql-ws client of `subscription { alerts }`, the `alerts` topic and the counters;
 * - `/metrics` carries what the alert rules read: per-partition lag, job status, the consumer-group
 *   join, events in/out and dead letters by reason, the watermark delay, subgraphs up.
 * A real Prometheus and Alertmanager drive the same webhook in test/integration/prometheus-alerts.test.ts.
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
import { TOPICS } from '../../schema/events/topics.ts';
import { ALERTS_TOPIC, type AlertMessage } from '../../schema/lake/alerts.ts';
import type { ConsumerHandle } from '../../connectors/contracts/event-log.ts';
import { eventually, subscribe } from './support.ts';

const TOKEN = 'e2e-alerts-webhook-token-0123456789';

function notification(status: 'firing' | 'resolved', alertname: string, labels: Record<string, string>, summary: string): Record<string, unknown> {
  const all = { alertname, ...labels };
  return {
    version: '4', groupKey: `{}:{alertname="${alertname}"}`, truncatedAlerts: 0, status, receiver: 'gofuture',
    groupLabels: { alertname }, commonLabels: all, commonAnnotations: { summary }, externalURL: 'http://127.0.0.1:9093',
    alerts: [{ status, labels: all, annotations: { summary, runbook_url: `docs/operations.md#${alertname.toLowerCase()}` }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://127.0.0.1:9090/graph', fingerprint: 'f00d' }],
  };
}

void describe('alerts webhook and /metrics on the front door', () => {
  let dir: string;
  let platform: RunningPlatform;
  let base: string;
  let tap: ConsumerHandle;
  const topicAlerts: AlertMessage[] = [];

  const post = (body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${base}/alerts/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const metrics = async (): Promise<string> => (await fetch(`${base}/metrics`)).text();

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-alerts-'));
    const config = loadConfig({
      env: { GOFUTURE_ALERTS_WEBHOOK_TOKEN: TOKEN },
      overrides: {
        dataDir: dir,
        logLevel: 'silent',
        gateway: { port: 0 },
        subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0, lake: 0 },
        connectors: { eventLog: { kind: 'memory', dir: path.join(dir, 'event-log') }, warehouse: { kind: 'duckdb', path: path.join(dir, 'warehouse.duckdb') } },
        jobs: ['simulator', 'landing', 'aggregation'],
        simulator: { seed: 3, speed: 60, tickMs: 200, ratePerSecond: 0.5, driversPerRegion: 2, backfillMinutes: 0 },
        jobStatusIntervalMs: 200,
      },
    });
    platform = await startPlatform(config, pino({ level: 'silent' }), new Registry());
    base = platform.gatewayUrl.replace(/\/graphql$/, '');
    await platform.connectors.eventLog.ensureTopics([ALERTS_TOPIC]);
    tap = await platform.connectors.eventLog.consume({
      groupId: 'e2e-alerts-tap',
      topics: [ALERTS_TOPIC.name],
      handler: async (batch) => {
        for (const r of batch.records) topicAlerts.push(JSON.parse(r.value) as AlertMessage);
      },
    });
  });

  after(async () => {
    await tap?.stop();
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  void it('refuses callers without the token, and what is not an Alertmanager v4 payload', async () => {
    const valid = notification('firing', 'X', { severity: 'warning' }, 'x');
    const none = await fetch(`${base}/alerts/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(valid) });
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal(((await none.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code, 'UNAUTHENTICATED');
    assert.equal((await post(valid, { authorization: `Bearer ${TOKEN}x` })).status, 401);
    assert.equal((await post(valid, { authorization: TOKEN })).status, 401);
    assert.equal((await post('{"version":"4"', {})).status, 400);
    const v3 = await post({ ...valid, version: '3' });
    assert.equal(v3.status, 400);
    assert.equal(((await v3.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code, 'BAD_REQUEST');
    assert.equal((await post(JSON.stringify(valid), { 'content-type': 'text/plain' })).status, 415);
    assert.equal((await fetch(`${base}/alerts/webhook`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 405);
    assert.equal(topicAlerts.length, 0, 'nothing refused was raised');
  });

  void it('turns a notification into a platform alert: subscription, alerts topic, counters', async () => {
    const sub = subscribe(platform.gatewayUrl, 'subscription { alerts { id severity kind source task message raisedAt } }', {}, (d) => d.alerts as { severity: string; kind: string; source: string | null; task: string | null; message: string });
    try {
      // the subscription is live once a probe alert sent after it started arrives (no fixed sleep)
      await eventually('the alerts subscription to be live', 15_000, async () => {
        const r = await post(notification('firing', 'ProbeAlert', { severity: 'warning' }, 'probe'));
        assert.equal(r.status, 200);
        return sub.messages.some((m) => m.source === 'ProbeAlert') ? true : undefined;
      }, 300);
      const r = await post(notification('firing', 'DeadLetterRateHigh', { severity: 'critical', job: 'landing-trips' }, 'Job landing-trips dead-letters 100% of its events'));
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { received: 1 });
      const got = await eventually('the alert on the subscription', 10_000, () => sub.messages.find((m) => m.source === 'DeadLetterRateHigh'));
      assert.deepEqual(sub.errors, []);
      assert.equal(got.severity, 'ERROR');
      assert.equal(got.kind, 'prometheus');
      assert.equal(got.task, 'landing-trips');
      assert.equal(got.message, '[FIRING] DeadLetterRateHigh: Job landing-trips dead-letters 100% of its events (job=landing-trips)');
      const durable = await eventually('the alert on the alerts topic', 10_000, () => topicAlerts.find((a) => a.source === 'DeadLetterRateHigh'));
      assert.equal(durable.severity, 'error');
      const text = await metrics();
      assert.match(text, /gofuture_pipeline_alerts_total\{severity="error",kind="prometheus"\} 1\b/);
      assert.match(text, /gofuture_alerts_webhook_received_total\{status="firing"\} [1-9]/);
    } finally {
      await sub.close();
    }
  });

  void it('serves the metrics the alert rules read', async () => {
    await platform.connectors.eventLog.publish(TOPICS.booking.name, [{ key: 'bad', value: 'not an event' }]);
    const text = await eventually('job, lag, dead-letter and watermark series on /metrics', 120_000, async () => {
      const t = await metrics();
      const want = [
        /gofuture_job_events_dead_lettered_total\{job="landing-trips",code="EVENT_INVALID"\} [1-9]/,
        /gofuture_window_watermark_delay_seconds\{job="aggregation"\} \d/,
        /gofuture_job_status\{job="landing-trips",state="running"\} 1\b/,
      ];
      const missing = want.filter((w) => !w.test(t));
      if (missing.length > 0) throw new Error(`missing ${missing.map(String).join(', ')}`);
      return t;
    }, 250);
    assert.match(text, /gofuture_eventlog_partition_lag\{topic="booking-events",group="landing-trips",partition="0"\} \d+/);
    assert.match(text, /gofuture_job_consumer_group\{job="landing-trips",group="landing-trips"\} 1\b/);
    assert.match(text, /gofuture_job_status\{job="landing-trips",state="failed"\} 0\b/);
    assert.match(text, /gofuture_job_heartbeat_timestamp_seconds\{job="landing-trips"\} \d/);
    assert.match(text, /gofuture_job_events_out_total\{job="landing-trips"\} [1-9]/);
    for (const s of ['trips', 'payments', 'features', 'models', 'metrics', 'lake']) assert.match(text, new RegExp(`gofuture_subgraph_up\\{subgraph="${s}"\\} 1\\b`));
  });
});
