/**
 * Alerting on real parts: Debian's promtool checks and unit-tests the shipped rules
 * (operations/prometheus), and the Prometheus + Alertmanager that scripts/services.sh started
 * deliver a firing rule to the platform:
 *   invalid events -> dead letters -> Prometheus scrapes /metrics, DeadLetterRateHigh fires
 *   -> Alertmanager -> POST /alerts/webhook (bearer token) -> a graphql-ws client of `alerts`.
 * The test points the running services at its own platform (free port) and puts them back after:
 * a file_sd targets file and a rules.d file (the shipped rule, `for` shortened to 0s) for
 * Prometheus, an alertmanager.yml rendered from the services template; each followed by
 * `POST /-/reload`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../bin/config.ts';
import { startPlatform, type RunningPlatform } from '../../bin/platform.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import { eventually, subscribe } from '../e2e/support.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const PROM = path.join(ROOT, 'operations/prometheus');
const SERVICES_DIR = path.resolve(process.env.SERVICES_DIR ?? path.join(ROOT, '.services'));
const PROMETHEUS_URL = process.env.PROMETHEUS_URL ?? `http://127.0.0.1:${process.env.PROMETHEUS_PORT ?? 19090}`;
const ALERTMANAGER_URL = process.env.ALERTMANAGER_URL ?? `http://127.0.0.1:${process.env.ALERTMANAGER_PORT ?? 19095}`;

async function ymls(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.yml')).sort().map((f) => path.join(dir, f));
}

/** Runs a tool; resolves with its exit code and output (a non-zero exit is a result, not a throw). */
async function tool(cmd: string, args: string[], cwd = ROOT): Promise<{ code: number; out: string }> {
  try {
    const r = await run(cmd, args, { cwd, maxBuffer: 8 * 1024 * 1024 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code?: number | string; stdout?: string; stderr?: string };
    if (x.code === 'ENOENT') throw new Error(`${cmd} is not installed: scripts/services.sh up prometheus installs it`);
    return { code: typeof x.code === 'number' ? x.code : -1, out: `${x.stdout ?? ''}${x.stderr ?? ''}` };
  }
}

void describe('alert rules under promtool', () => {
  void it('pass promtool check rules and promtool test rules', async () => {
    const check = await tool('promtool', ['check', 'rules', ...(await ymls(path.join(PROM, 'rules')))]);
    assert.equal(check.code, 0, check.out);
    const test = await tool('promtool', ['test', 'rules', ...(await ymls(path.join(PROM, 'tests')))]);
    assert.equal(test.code, 0, test.out);
    assert.doesNotMatch(test.out, /FAILED/);
  });

  void it('fail their unit test when a threshold changes (the tests have teeth)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-rules-'));
    try {
      const rules = (await readFile(path.join(PROM, 'rules/streaming.yml'), 'utf8')).replace(') > 0.05', ') > 0.5');
      assert.match(rules, /\) > 0\.5/);
      await writeFile(path.join(dir, 'streaming.yml'), rules);
      const test = (await readFile(path.join(PROM, 'tests/streaming.test.yml'), 'utf8')).replace('../rules/streaming.yml', path.join(dir, 'streaming.yml'));
      await writeFile(path.join(dir, 'streaming.test.yml'), test);
      const r = await tool('promtool', ['test', 'rules', path.join(dir, 'streaming.test.yml')]);
      assert.notEqual(r.code, 0);
      assert.match(r.out, /DeadLetterRateHigh/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void it('ship a Prometheus and an Alertmanager config that their tools accept', async () => {
    const prom = await tool('promtool', ['check', 'config', path.join(PROM, 'prometheus.yml')]);
    assert.equal(prom.code, 0, prom.out);
    const am = await tool('amtool', ['check-config', path.join(ROOT, 'operations/alertmanager/alertmanager.yml')]);
    assert.equal(am.code, 0, am.out);
  });
});

interface RuleFile { groups: { name: string; rules: { alert?: string; expr: string; for?: string; labels?: Record<string, string> }[] }[] }

async function reload(url: string): Promise<void> {
  const r = await fetch(`${url}/-/reload`, { method: 'POST' });
  assert.equal(r.status, 200, `${url}/-/reload: ${r.status} ${await r.text()}`);
}

async function promQuery(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = await fetch(`${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await r.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  assert.equal(body.status, 'success');
  return body.data.result;
}

void describe('a firing rule reaches the platform through Prometheus and Alertmanager', () => {
  const runId = randomUUID();
  const token = `it-${randomUUID()}`;
  const targetsFile = path.join(SERVICES_DIR, 'prometheus/targets', `it-${process.pid}.json`);
  const rulesFile = path.join(SERVICES_DIR, 'prometheus/rules.d', `it-${process.pid}.yml`);
  const amConfig = path.join(SERVICES_DIR, 'alertmanager/alertmanager.yml');
  let amOriginal: string | null = null;
  let dir: string;
  let platform: RunningPlatform;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-alerting-'));
    const config = loadConfig({
      env: { GOFUTURE_ALERTS_WEBHOOK_TOKEN: token },
      overrides: {
        dataDir: dir,
        logLevel: 'silent',
        gateway: { port: 0 },
        subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0, lake: 0 },
        connectors: { eventLog: { kind: 'memory', dir: path.join(dir, 'event-log') }, warehouse: { kind: 'duckdb', path: path.join(dir, 'warehouse.duckdb') } },
        jobs: ['landing'],
      },
    });
    platform = await startPlatform(config, pino({ level: 'silent' }), new Registry());
    const port = new URL(platform.gatewayUrl).port;

    // Prometheus: scrape this platform; the shipped DeadLetterRateHigh with `for: 0s`, over this run's
    // series only (a selector on the target label it_run: an earlier run's dead letters are still in
    // the 5-minute window) and labelled with this run
    const shipped = yaml.load(await readFile(path.join(PROM, 'rules/streaming.yml'), 'utf8')) as RuleFile;
    const rule = shipped.groups.flatMap((g) => g.rules).find((r) => r.alert === 'DeadLetterRateHigh');
    assert.ok(rule, 'DeadLetterRateHigh is shipped');
    const expr = rule.expr.replace(/\b(gofuture_[a-z0-9_]+)(?:\{([^}]*)\})?/g, (_m, name: string, sel?: string) => `${name}{it_run="${runId}"${sel ? `,${sel}` : ''}}`);
    assert.notEqual(expr, rule.expr);
    const copy = { ...rule, expr, for: '0s', labels: { ...rule.labels, it_run: runId } };
    await writeFile(rulesFile, yaml.dump({ groups: [{ name: `it-${process.pid}`, rules: [copy] }] }));
    await writeFile(targetsFile, JSON.stringify([{ targets: [`127.0.0.1:${port}`], labels: { it_run: runId } }]));
    await reload(PROMETHEUS_URL);

    // Alertmanager: the services template, sending to this platform's webhook with this run's token
    amOriginal = await readFile(amConfig, 'utf8');
    await writeFile(path.join(dir, 'webhook-token'), token);
    const template = await readFile(path.join(ROOT, 'scripts/services/prometheus/alertmanager.yml.in'), 'utf8');
    const rendered = template
      .replaceAll('@DIR@', dir).replaceAll('@WEBHOOK_URL@', `http://127.0.0.1:${port}/alerts/webhook`)
      .replaceAll('@GROUP_WAIT@', '1s').replaceAll('@GROUP_INTERVAL@', '2s');
    await writeFile(amConfig, rendered);
    await reload(ALERTMANAGER_URL);
  });

  after(async () => {
    await rm(targetsFile, { force: true });
    await rm(rulesFile, { force: true });
    await reload(PROMETHEUS_URL).catch(() => undefined);
    if (amOriginal !== null) {
      await writeFile(amConfig, amOriginal);
      await reload(ALERTMANAGER_URL).catch(() => undefined);
    }
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  void it('dead letters make DeadLetterRateHigh fire, and a subscriber of `alerts` receives it', async () => {
    const sub = subscribe(platform.gatewayUrl, 'subscription { alerts { severity kind source task message } }', {}, (d) => d.alerts as { severity: string; kind: string; source: string | null; task: string | null; message: string });
    try {
      // the subscription is live once a probe sent to the webhook after it started comes back
      await eventually('the alerts subscription to be live', 30_000, async () => {
        const probe = {
          version: '4', groupKey: 'probe', status: 'firing', receiver: 'probe', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '',
          alerts: [{ status: 'firing', labels: { alertname: 'ItProbe' }, annotations: {}, startsAt: new Date().toISOString() }],
        };
        const r = await fetch(platform.gatewayUrl.replace(/\/graphql$/, '/alerts/webhook'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(probe) });
        assert.equal(r.status, 200);
        return sub.messages.some((m) => m.source === 'ItProbe') ? true : undefined;
      }, 500);
      // Prometheus scrapes the platform and has the job's dead-letter counter at 0 (so rate() sees the jump)
      await eventually('Prometheus to scrape the dead-letter counter at 0', 60_000, async () => {
        const r = await promQuery(`gofuture_job_events_dead_lettered_total{job="landing-trips",it_run="${runId}"}`);
        return r.length > 0 ? r : undefined;
      }, 500);
      await eventually('Prometheus to load the rule', 30_000, async () => {
        const r = await fetch(`${PROMETHEUS_URL}/api/v1/rules?type=alert`);
        const body = (await r.json()) as { data: { groups: { name: string }[] } };
        return body.data.groups.some((g) => g.name === `it-${process.pid}`) ? true : undefined;
      }, 500);
      const invalid = Array.from({ length: 200 }, (_, i) => ({ key: `bad-${i}`, value: `{"not":"an event ${i}"}` }));
      // this platform runs on the embedded event log (JSON, no Avro producer in front): the landing job
      // dead-letters them as EVENT_INVALID under its name
      await platform.connectors.eventLog.publish(TOPICS.booking.name, invalid);

      const ours = (m: { source: string | null; message: string }): boolean => m.source === 'DeadLetterRateHigh' && m.message.includes(`it_run=${runId}`);
      assert.equal(sub.messages.filter(ours).length, 0, 'nothing fired before the dead letters');
      const got = await eventually('DeadLetterRateHigh on the alerts subscription', 120_000, () => sub.messages.find(ours), 250);
      assert.deepEqual(sub.errors, []);
      assert.equal(got.kind, 'prometheus');
      assert.equal(got.severity, 'WARN');
      assert.equal(got.task, 'landing-trips');
      assert.match(got.message, /^\[FIRING\] DeadLetterRateHigh: Job landing-trips dead-letters 100% of its events \(.*it_run=/);
      const firing = await promQuery(`ALERTS{alertname="DeadLetterRateHigh",alertstate="firing",it_run="${runId}"}`);
      assert.equal(firing.length, 1);
      const text = await (await fetch(platform.gatewayUrl.replace(/\/graphql$/, '/metrics'))).text();
      assert.match(text, /gofuture_alerts_webhook_received_total\{status="firing"\} [1-9]/);
    } finally {
      await sub.close();
    }
  });
});
