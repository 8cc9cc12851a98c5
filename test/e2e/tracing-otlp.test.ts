/**
 * Traces on the real command line (docs/decisions/0024-traces.md): `gofuture start` in a child
 * process (embedded profile, simulator on, free ports) with tracing turned on the standard way
 * (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), exporting OTLP/HTTP JSON to a receiver this test runs in
 * place of a collector. A cross-subgraph query sent with a caller's `traceparent` crosses the front
 * door, the gateway thread (its own SDK, service `gofuture-gateway`) and the subgraphs and
 * warehouse in the main thread (service `gofuture`): every span arrives under the caller's trace
 * id, the subgraphs' SERVER spans are children of the gateway's fetch spans, the warehouse
 * queries sit below them, and the process's log lines of that request carry the trace id.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from './support.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'bin/gofuture.ts');
const QUERY = '{ trips(first: 2) { edges { node { id payments { id } } } } }';

interface OtlpSpan {
  readonly service: string;
  readonly scope: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
}

interface OtlpBody {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { scope?: { name?: string }; spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string }[] }[];
  }[];
}

/** An OTLP/HTTP traces endpoint (JSON encoding, as `@opentelemetry/exporter-trace-otlp-http` sends). */
function otlpReceiver(spans: OtlpSpan[]): Server {
  return createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString('utf8')));
    req.on('end', () => {
      const body = JSON.parse(text) as OtlpBody;
      for (const rs of body.resourceSpans ?? []) {
        const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) spans.push({ service, scope: ss.scope?.name ?? '', traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
}

void describe('gofuture start with tracing on exports one connected trace over OTLP', () => {
  let dir: string;
  let configFile: string;
  const spans: OtlpSpan[] = [];
  let receiver: Server;
  let endpoint: string;
  before(async () => {
    receiver = otlpReceiver(spans);
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-tracing-'));
    configFile = path.join(dir, 'config.json');
    await writeFile(configFile, JSON.stringify({
      dataDir: path.join(dir, 'data'),
      subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0 },
      simulator: { seed: 7, speed: 30, tickMs: 200, ratePerSecond: 3, driversPerRegion: 3, backfillMinutes: 2 },
      jobs: ['simulator', 'landing'],
      tracing: { batch: { scheduledDelayMs: 200 } },
    }));
  });
  after(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  void it('gateway thread, subgraphs and warehouse spans share the caller trace, parent links right', { timeout: 180_000 }, async () => {
    const env = { ...process.env, LOG_LEVEL: 'debug', PORT: '0', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint };
    const child = spawn(process.execPath, [CLI, 'start', '--config', configFile], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    let exited = false;
    try {
      const url = await eventually('the ready line', 90_000, () => {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${out.slice(-3000)}`);
        const line = out.split('\n').find((l) => l.includes('GoFuture data API ready'));
        return line ? (JSON.parse(line) as { gateway: string }).gateway : undefined;
      });
      // trips landed in the warehouse, so the query needs the payments subgraph too
      await eventually('trips in the warehouse', 60_000, async () => {
        const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY }) });
        const body = (await r.json()) as { data?: { trips: { edges: unknown[] } } };
        return (body.data?.trips.edges.length ?? 0) > 0 ? true : undefined;
      }, 500);

      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const callerSpan = 'b7ad6b7169203331';
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${callerSpan}-01` }, body: JSON.stringify({ query: QUERY }) });
      const body = (await res.json()) as { errors?: unknown };
      assert.equal(body.errors, undefined, JSON.stringify(body));

      const trace = await eventually('both threads exported the trace', 30_000, () => {
        const mine = spans.filter((s) => s.traceId === traceId);
        const done = mine.some((s) => s.parentSpanId === callerSpan) && mine.some((s) => s.name === 'subgraph payments') && mine.some((s) => s.name === 'subgraph trips');
        return done ? mine : undefined;
      }, 200);
      const byId = new Map(trace.map((s) => [s.spanId, s]));
      const top = trace.filter((s) => s.parentSpanId === callerSpan);
      assert.equal(top.length, 1, 'one span continues the caller');
      assert.equal(top[0]?.service, 'gofuture-gateway', 'the gateway thread reports as gofuture-gateway');
      for (const name of ['trips', 'payments']) {
        const server = trace.find((s) => s.name === `subgraph ${name}`);
        assert.ok(server, `subgraph ${name} span`);
        assert.equal(server.service, 'gofuture');
        const parent = byId.get(server.parentSpanId);
        assert.ok(parent && parent.service === 'gofuture-gateway', `subgraph ${name}'s parent is a gateway span, got ${parent?.name}`);
      }
      const isBelow = (s: OtlpSpan, name: string): boolean => {
        for (let p = byId.get(s.parentSpanId); p; p = byId.get(p.parentSpanId)) if (p.name === name) return true;
        return false;
      };
      const queries = trace.filter((s) => s.name === 'warehouse.query');
      assert.ok(queries.some((q) => isBelow(q, 'subgraph trips')) && queries.some((q) => isBelow(q, 'subgraph payments')), 'warehouse queries below both subgraphs');

      const logged = out.split('\n').filter((l) => l.includes(traceId)).map((l) => JSON.parse(l) as { msg?: string; trace_id?: string });
      assert.ok(logged.some((l) => l.msg === 'graphql request served' && l.trace_id === traceId), 'the subgraphs logged the request with its trace id');

      child.kill('SIGINT');
      const [code] = (await once(child, 'exit', { signal: AbortSignal.timeout(60_000) })) as [number | null];
      exited = true;
      assert.equal(code, 0, out.slice(-3000));
    } finally {
      if (!exited) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
  });
});
