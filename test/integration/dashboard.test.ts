/**
 * The dashboard page (/dashboard) in a real headless Chromium (Debian's `chromium`, installed by
 * scripts/services.sh; driven by playwright-core) against the embedded platform started here, on
 * free ports, with the simulator running:
 * - auth on (a JWT secret): the page signs in with an admin token passed in the URL fragment (sent
 *   as `Authorization` over HTTP and in graphql-ws `connection_init`), loads with no console error,
 *   no CSP violation and no uncaught exception, its live windows change as events flow, an alert
 *   POSTed to the Alertmanager webhook appears on the page, every panel filled without an error;
 *   a screenshot is saved (test-results/dashboard/, or $TEST_RESULTS_DIR/dashboard/; printed);
 * - the same page without a token asks for one (the gateway answered 401 / closed 4401);
 * - auth off (the dev default): the page works with no token at all.
 */
import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../bin/config.ts';
import { startPlatform, type RunningPlatform } from '../../bin/platform.ts';
import { mintDevToken } from '../../gateway/plugins/auth-token.ts';
import { eventually } from '../e2e/support.ts';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(import.meta.dirname, '../..');
const OUT = path.join(process.env.TEST_RESULTS_DIR ?? path.join(ROOT, 'test-results'), 'dashboard');
const JWT_SECRET = 'dashboard-test-jwt-secret-0123456789abcdef';
const WEBHOOK_TOKEN = 'dashboard-test-webhook-token-0123456789';

async function platformOn(dir: string, env: Record<string, string>, jobs?: string[]): Promise<RunningPlatform> {
  const config = loadConfig({
    env,
    overrides: {
      dataDir: dir,
      logLevel: 'silent',
      gateway: { port: 0 },
      subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0, lake: 0 },
      connectors: { eventLog: { kind: 'memory', dir: path.join(dir, 'event-log') }, warehouse: { kind: 'duckdb', path: path.join(dir, 'warehouse.duckdb') } },
      // one real second = one simulated minute: 5-minute windows close every 5 s, so values move
      simulator: { seed: 11, speed: 60, tickMs: 200, ratePerSecond: 0.5, driversPerRegion: 3, backfillMinutes: 10 },
      jobStatusIntervalMs: 500,
      ...(jobs ? { jobs } : {}),
    },
  });
  return startPlatform(config, pino({ level: 'silent' }), new Registry());
}

/** Console errors, uncaught exceptions and failed requests of a page, as text. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  return problems;
}

const text = (page: Page, selector: string): Promise<string> => page.locator(selector).first().innerText();

function alertPayload(alertname: string, summary: string): Record<string, unknown> {
  const labels = { alertname, severity: 'critical', job: 'landing-trips' };
  return {
    version: '4', groupKey: `{}:{alertname="${alertname}"}`, truncatedAlerts: 0, status: 'firing', receiver: 'gofuture',
    groupLabels: { alertname }, commonLabels: labels, commonAnnotations: { summary }, externalURL: 'http://127.0.0.1:9093',
    alerts: [{ status: 'firing', labels, annotations: { summary }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://127.0.0.1:9090/graph', fingerprint: 'da5b' }],
  };
}

let browser: Browser;
before(async () => {
  await access(CHROMIUM).catch(() => {
    throw new Error(`${CHROMIUM} is missing: scripts/services.sh up installs Debian's chromium (scripts/services/chromium.sh)`);
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  await mkdir(OUT, { recursive: true });
});
after(async () => {
  await browser?.close();
});

void describe('dashboard in Chromium, auth on', () => {
  let dir: string;
  let platform: RunningPlatform;
  let base: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-dashboard-'));
    platform = await platformOn(dir, { GOFUTURE_JWT_SECRET: JWT_SECRET, GOFUTURE_ALERTS_WEBHOOK_TOKEN: WEBHOOK_TOKEN });
    base = platform.gatewayUrl.replace(/\/graphql$/, '');
  });
  after(async () => {
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  void it('signs in from the URL fragment, shows live values that change and alerts as they arrive', async (t) => {
    const token = await mintDevToken({ secret: JWT_SECRET, roles: ['admin'], subject: 'ops' });
    const context = await browser.newContext({ viewport: { width: 1480, height: 1300 } });
    const page = await context.newPage();
    const problems = watch(page);
    try {
      const res = await page.goto(`${base}/dashboard#token=${token}`);
      assert.equal(res?.status(), 200);
      assert.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
      // the token left the address bar and is shown as its subject and roles
      assert.equal(new URL(page.url()).hash, '');
      assert.equal(await text(page, '#who'), 'ops (admin)');

      await eventually('the graphql-ws connection to be live', 60_000, async () => ((await page.getAttribute('#live-state', 'data-state')) === 'live' ? true : undefined), 250);
      const firstTrips = await eventually('a platform window on the page', 60_000, async () => {
        const v = await text(page, '#platform-cards [data-key="trips"]');
        return v !== '–' ? v : undefined;
      }, 250);
      const firstWindow = await text(page, '#platform-cards [data-key="window"]');
      const firstMessages = Number(await text(page, '#live-messages'));
      // live values change as the simulator's events flow: the newest window's figures or the window itself
      await eventually('the live values to change', 90_000, async () => {
        const [trips, win] = [await text(page, '#platform-cards [data-key="trips"]'), await text(page, '#platform-cards [data-key="window"]')];
        return trips !== firstTrips || win !== firstWindow ? true : undefined;
      }, 250);
      assert.ok(Number(await text(page, '#live-messages')) > firstMessages, 'more live messages arrived');
      await eventually('regions in the live table', 30_000, async () => ((await page.locator('#region-table tbody tr').count()) > 0 ? true : undefined), 250);

      // an alert delivered the way Alertmanager does appears on the page
      const summary = `Dashboard test alert ${Date.now()}`;
      await eventually('the alert on the page', 30_000, async () => {
        const r = await fetch(`${base}/alerts/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` }, body: JSON.stringify(alertPayload('DashboardProbe', summary)) });
        assert.equal(r.status, 200);
        return (await page.locator('#alert-list li.alert', { hasText: summary }).count()) > 0 ? true : undefined;
      }, 1000);
      assert.equal(await page.locator('#alert-list li.alert[data-severity="ERROR"]').first().isVisible(), true);
      assert.notEqual(await text(page, '#alert-count'), '0');

      // the polled panels filled (admin may read every field), none shows an error
      await eventually('jobs, drivers, trips by region and models on the page', 60_000, async () => {
        const counts = await Promise.all(['#job-table', '#driver-table', '#trips-by-region', '#model-table', '#lag-table'].map((s) => page.locator(`${s} tbody tr`).count()));
        return counts.every((c) => c > 0) ? true : undefined;
      }, 500);
      assert.match(await page.locator('#job-table tbody').innerText(), /aggregation/);
      assert.match(await page.locator('#model-table tbody').innerText(), /fraud/);
      const errors = await page.locator('.panel .error:not([hidden])').allInnerTexts();
      assert.deepEqual(errors, [], 'no panel shows an error');
      assert.equal(await page.locator('#signin').isHidden(), true);

      const shot = path.join(OUT, 'dashboard.png');
      await page.screenshot({ path: shot, fullPage: true });
      t.diagnostic(`screenshot: ${shot}`);
      assert.deepEqual(problems, [], 'no console error, CSP violation, uncaught exception or failed request');
    } finally {
      await context.close();
    }
  });

  void it('asks for a token when none is given', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${base}/dashboard`);
      await page.locator('#signin').waitFor({ state: 'visible', timeout: 30_000 });
      assert.match(await text(page, '#signin-reason'), /needs a token/);
      assert.equal(await text(page, '#who'), 'no token');
    } finally {
      await context.close();
    }
  });
});

void describe('dashboard in Chromium, auth off (dev)', () => {
  let dir: string;
  let platform: RunningPlatform;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-dashboard-open-'));
    platform = await platformOn(dir, {}, ['simulator', 'landing', 'aggregation']);
  });
  after(async () => {
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  void it('works without a token', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watch(page);
    try {
      await page.goto(platform.gatewayUrl.replace(/\/graphql$/, '/dashboard'));
      await eventually('the graphql-ws connection to be live', 60_000, async () => ((await page.getAttribute('#live-state', 'data-state')) === 'live' ? true : undefined), 250);
      await eventually('live messages', 60_000, async () => (Number(await text(page, '#live-messages')) > 0 ? true : undefined), 250);
      await eventually('drivers on the page', 60_000, async () => ((await page.locator('#driver-table tbody tr').count()) > 0 ? true : undefined), 500);
      assert.equal(await page.locator('#signin').isHidden(), true);
      assert.equal(await text(page, '#who'), 'no token');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
