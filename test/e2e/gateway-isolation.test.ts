/**
 * No single request stalls ingestion or health (issue 6 item 5), on the real command line in a
 * child process (`gofuture start`, embedded profile, simulator on, free ports): while the worst
 * documents are in flight through the gateway (a fragment fan-out that keeps a planner busy for
 * minutes without limits, and an alias bomb), `/health` answers, the jobs keep committing (their
 * `processed` counters, read from the metrics subgraph directly, advance), and SIGINT stops the
 * whole platform: the process exits 0 even though the gateway thread may be stuck in CPU work.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from './support.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'bin/gofuture.ts');

/** `fragment Fi` spreads `F(i-1)` twice: 2^n expansions from a document of a few hundred bytes. */
export function fragmentFanOut(n: number): string {
  const fragments = ['fragment F0 on Trip { id status }'];
  for (let i = 1; i <= n; i++) fragments.push(`fragment F${i} on Trip { ...F${i - 1} ...F${i - 1} }`);
  return `{ trips(first: 1) { edges { node { ...F${n} } } } } ${fragments.join(' ')}`;
}

export function aliasBomb(count: number): string {
  const fields = Array.from({ length: count }, (_, i) => `a${i}: trips(first: 1) { totalCount }`);
  return `{ ${fields.join(' ')} }`;
}

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly metricsUrl: string;
  readonly output: () => string;
}

async function start(configFile: string): Promise<Started> {
  const child = spawn(process.execPath, [CLI, 'start', '--config', configFile], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'info', PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const ready = await eventually('the ready line', 60_000, () => {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${out}`);
    const line = out.split('\n').find((l) => l.includes('GoFuture data API ready'));
    return line ? (JSON.parse(line) as { gateway: string; subgraphs: { metrics: string } }) : undefined;
  });
  return { child, url: ready.gateway, metricsUrl: ready.subgraphs.metrics, output: () => out };
}

/** Sum of the consuming jobs' `processed`, asked of the metrics subgraph directly (not through the gateway). */
async function processed(metricsUrl: string): Promise<number> {
  const res = await fetch(metricsUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ jobs { job processed } }' }),
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as { data?: { jobs: { job: string; processed: number }[] } };
  return (body.data?.jobs ?? []).filter((j) => j.job !== 'simulator').reduce((s, j) => s + j.processed, 0);
}

void describe('a costly request does not stall the platform', () => {
  let dir: string;
  let configFile: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-isolation-'));
    configFile = path.join(dir, 'config.json');
    await writeFile(configFile, JSON.stringify({
      dataDir: path.join(dir, 'data'),
      subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0 },
      simulator: { seed: 5, speed: 30, tickMs: 200, ratePerSecond: 2, driversPerRegion: 3, backfillMinutes: 1 },
      jobStatusIntervalMs: 300,
    }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  void it('keeps /health and the jobs going while the worst documents run, and stops on SIGINT', { timeout: 180_000 }, async () => {
    const p = await start(configFile);
    let exited = false;
    try {
      const startCount = await eventually('jobs reporting', 30_000, async () => {
        const n = await processed(p.metricsUrl);
        return n > 0 ? n : undefined;
      });
      const pending = new Set<string>();
      const fire = (name: string, query: string): void => {
        pending.add(name);
        void fetch(p.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })
          .then((r) => r.arrayBuffer())
          .catch(() => undefined)
          .finally(() => pending.delete(name));
      };
      fire('fan-out 26', fragmentFanOut(26));
      fire('fan-out 24', fragmentFanOut(24));
      fire('aliases 1000', aliasBomb(1000));

      const health = await fetch(new URL('/health', p.url), { signal: AbortSignal.timeout(10_000) });
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { status: string }).status, 'ok');
      const advanced = await eventually('jobs committing past their count before the bad requests', 30_000, async () => {
        const n = await processed(p.metricsUrl);
        return n > startCount ? n : undefined;
      });
      assert.ok(advanced > startCount);
      // /health keeps answering on its own thread whatever the gateway thread is doing
      assert.equal((await fetch(new URL('/health', p.url), { signal: AbortSignal.timeout(10_000) })).status, 200);

      p.child.kill('SIGINT');
      const [code] = (await once(p.child, 'exit', { signal: AbortSignal.timeout(60_000) })) as [number | null];
      exited = true;
      assert.equal(code, 0, p.output().slice(-3000));
      assert.match(p.output(), /platform stopped/);
    } finally {
      if (!exited) {
        p.child.kill('SIGKILL');
        await once(p.child, 'exit');
      }
    }
  });
});
