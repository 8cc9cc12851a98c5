/**
 * `/dashboard` on the gateway (gateway/dashboard.ts), as `npm start` runs it: the gateway in its
 * thread behind the front door. The page and its two bundle files come with their content types, a
 * Content-Security-Policy that allows no inline script or style, `nosniff`, ETags (304 on a match);
 * the page itself has no inline script, style or handler; the bundle holds the graphql-ws client
 * and uPlot. No browser here: test/integration/dashboard.test.ts drives the page in Chromium.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { composeSupergraph } from '../../gateway/compose.ts';
import { DASHBOARD_CSP } from '../../gateway/dashboard.ts';
import type { RunningGateway } from '../../gateway/server.ts';
import { startGatewayThread } from '../../gateway/thread.ts';
import { parseMetrics } from '../../dashboard/src/metrics-text.ts';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';

void describe('the gateway serves the dashboard', () => {
  let dir: string;
  let gw: RunningGateway;
  let base: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateway-dashboard-'));
    const supergraph = join(dir, 'supergraph.graphql');
    await writeFile(supergraph, composeSupergraph([{ name: 'hello', url: 'http://127.0.0.1:9/graphql', sdl: `${LINK} type Query { hello: String }` }]));
    gw = await startGatewayThread({ gateway: { supergraph: { kind: 'file', path: supergraph } }, port: 0, logger: pino({ level: 'silent' }), logLevel: 'silent', registry: new Registry() });
    base = gw.url.replace(/\/graphql$/, '');
  });
  after(async () => {
    await gw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const securityHeaders = (res: Response): void => {
    assert.equal(res.headers.get('content-security-policy'), DASHBOARD_CSP);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  };

  void test('the CSP allows only this origin and nothing inline', () => {
    const directives = new Map(DASHBOARD_CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('script-src'), ["'self'"]);
    assert.deepEqual(directives.get('style-src'), ["'self'"]);
    assert.deepEqual(directives.get('connect-src'), ["'self'"]);
    assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
    assert.doesNotMatch(DASHBOARD_CSP, /unsafe-inline|unsafe-eval|\*/);
  });

  void test('GET /dashboard is the page, with no inline script, style or handler', async () => {
    const res = await fetch(`${base}/dashboard`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    securityHeaders(res);
    const html = await res.text();
    assert.match(html, /<script type="module" src="\/dashboard\/assets\/app\.js"><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="\/dashboard\/assets\/app\.css">/);
    for (const script of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      assert.match(script[1] ?? '', /\bsrc="/, 'every script is a file');
      assert.equal(script[2]?.trim(), '', 'no inline script');
    }
    assert.doesNotMatch(html, /<style\b/i);
    assert.doesNotMatch(html, /\sstyle="/i);
    assert.doesNotMatch(html, /\son[a-z]+="/i);
    assert.doesNotMatch(html, /javascript:/i);
  });

  void test('the bundle: app.js (graphql-ws client and uPlot) and app.css, with ETags', async () => {
    const js = await fetch(`${base}/dashboard/assets/app.js`);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    securityHeaders(js);
    const code = await js.text();
    assert.match(code, /graphql-transport-ws/, 'the graphql-ws client protocol');
    assert.match(code, /u-legend/, 'uPlot');
    assert.match(code, /regionAggregates/);
    assert.doesNotMatch(code, /^import\s/m, 'one self-contained module');
    const css = await fetch(`${base}/dashboard/assets/app.css`);
    assert.equal(css.status, 200);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.match(await css.text(), /\.uplot/);
    const etag = js.headers.get('etag');
    assert.ok(etag);
    const again = await fetch(`${base}/dashboard/assets/app.js`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');
  });

  void test('other paths and methods under /dashboard', async () => {
    const missing = await fetch(`${base}/dashboard/assets/other.js`);
    assert.equal(missing.status, 404);
    securityHeaders(missing);
    const slash = await fetch(`${base}/dashboard/`, { redirect: 'manual' });
    assert.equal(slash.status, 308);
    assert.equal(slash.headers.get('location'), '/dashboard');
    const post = await fetch(`${base}/dashboard`, { method: 'POST', body: '{}' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    const head = await fetch(`${base}/dashboard`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'text/html; charset=utf-8');
    // GraphQL is untouched next to it
    const gql = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    assert.deepEqual(await gql.json(), { data: { __typename: 'Query' } });
  });
});

void describe('the dashboard reads /metrics text', () => {
  void test('picks the named series with their labels, skips comments and others', () => {
    const text = [
      '# HELP gofuture_eventlog_consumer_lag lag',
      '# TYPE gofuture_eventlog_consumer_lag gauge',
      'gofuture_eventlog_consumer_lag{topic="booking-events",group="landing-trips"} 42',
      'gofuture_eventlog_consumer_lag{topic="payment-events",group="a \\"quoted\\" group"} 0',
      'gofuture_job_events_dead_lettered_total{job="landing-trips",code="EVENT_INVALID"} 3',
      'gofuture_other 7',
      '',
    ].join('\n');
    const m = parseMetrics(text, ['gofuture_eventlog_consumer_lag', 'gofuture_job_events_dead_lettered_total', 'gofuture_missing']);
    assert.deepEqual(m.get('gofuture_eventlog_consumer_lag'), [
      { labels: { topic: 'booking-events', group: 'landing-trips' }, value: 42 },
      { labels: { topic: 'payment-events', group: 'a "quoted" group' }, value: 0 },
    ]);
    assert.deepEqual(m.get('gofuture_job_events_dead_lettered_total'), [{ labels: { job: 'landing-trips', code: 'EVENT_INVALID' }, value: 3 }]);
    assert.deepEqual(m.get('gofuture_missing'), []);
    assert.equal(m.has('gofuture_other'), false);
  });
});
