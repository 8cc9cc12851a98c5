/**
 * A jobs-only process (`gofuture run landing`) has no gateway front door: with `metrics.port` set
 * (GOFUTURE_METRICS_PORT) it serves its own /metrics and /health, so Prometheus scrapes the job
 * status, consumer-group join, lag and counters of every process, not only the gateway's.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../bin/config.ts';
import { startJobsOnly } from '../../bin/platform.ts';
import { eventually } from './support.ts';

void describe('/metrics of a jobs-only process', () => {
  let dir: string;
  let running: Awaited<ReturnType<typeof startJobsOnly>>;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-jobs-metrics-'));
    const config = loadConfig({
      env: { GOFUTURE_METRICS_PORT: '0' },
      overrides: {
        dataDir: dir,
        logLevel: 'silent',
        jobs: ['landing'],
        jobStatusIntervalMs: 200,
        connectors: { eventLog: { kind: 'memory', dir: path.join(dir, 'event-log') }, warehouse: { kind: 'duckdb', path: path.join(dir, 'warehouse.duckdb') } },
      },
    });
    running = await startJobsOnly(config, pino({ level: 'silent' }), new Registry());
  });

  after(async () => {
    await running?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  void it('serves the job metrics on its own port', async () => {
    assert.ok(running.metricsUrl, 'a metrics URL when metrics.port is set');
    const url = running.metricsUrl;
    const text = await eventually('job status on /metrics', 15_000, async () => {
      const r = await fetch(url);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
      const t = await r.text();
      return /gofuture_job_status\{job="landing-trips",state="running"\} 1\b/.test(t) ? t : undefined;
    }, 200);
    assert.match(text, /gofuture_job_consumer_group\{job="landing-trips",group="landing-trips"\} 1\b/);
    assert.match(text, /gofuture_job_events_processed_total\{job="landing-payments"\} 0\b/);
    const health = await fetch(url.replace(/\/metrics$/, '/health'));
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    assert.equal((await fetch(url.replace(/\/metrics$/, '/other'))).status, 404);
  });

  void it('is off unless a port is configured', () => {
    assert.equal(loadConfig({ env: {}, overrides: { dataDir: dir } }).metrics.port, undefined);
  });
});
