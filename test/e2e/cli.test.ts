/**
 * The real command line in a child process: `start` comes up, answers through the gateway, stops
 * cleanly on SIGINT (Ctrl-C) and a restart finds every trip it had committed; a bad config value
 * exits non-zero with one message naming the key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { eventually, gql } from './support.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'bin/gofuture.ts');

interface Started { child: ChildProcess; url: string; output: () => string }

/** Every child this file starts; `after` kills any still running, so a failed wait leaks nothing. */
const children = new Set<ChildProcess>();

async function startCli(configFile: string): Promise<Started> {
  const child = spawn(process.execPath, [CLI, 'start', '--config', configFile], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'info', PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  // Liveness waits, not speed checks: a loaded machine (CI shares 2 cores) may start slowly.
  const url = await eventually('the ready line', 120_000, () => {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${out}`);
    const m = /GoFuture data API ready: (http:\/\/[^"\s]+)/.exec(out);
    return m?.[1];
  });
  return { child, url, output: () => out };
}

async function tripCount(url: string): Promise<number> {
  const r = await gql<{ trips: { totalCount: number } }>(url, '{ trips(first: 1) { totalCount } }');
  return r.body.data?.trips.totalCount ?? -1;
}

void describe('gofuture CLI', () => {
  let dir: string;
  let configFile: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-cli-'));
    configFile = path.join(dir, 'config.json');
    await writeFile(configFile, JSON.stringify({
      dataDir: path.join(dir, 'data'),
      subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0, lake: 0 },
      simulator: { seed: 3, speed: 30, tickMs: 200, ratePerSecond: 0.5, driversPerRegion: 3 },
    }));
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  void it('stops cleanly on SIGINT and loses no committed trip across a restart', async () => {
    const first = await startCli(configFile);
    const before = await eventually('trips landed', 90_000, async () => {
      const n = await tripCount(first.url);
      return n > 20 ? n : undefined;
    });
    first.child.kill('SIGINT');
    const [code] = (await once(first.child, 'exit')) as [number | null];
    assert.equal(code, 0, first.output().slice(-2000));
    assert.match(first.output(), /platform stopped/);

    const second = await startCli(configFile);
    try {
      const afterRestart = await tripCount(second.url);
      assert.ok(afterRestart >= before, `after restart ${afterRestart} trips, before ${before}`);
    } finally {
      second.child.kill('SIGINT');
      await once(second.child, 'exit');
    }
  });

  void it('refuses a bad config value with one message naming the key', async () => {
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ connectors: { warehouse: { kind: 'duckdb', path: 42 } } }));
    const child = spawn(process.execPath, [CLI, 'start', '--config', bad], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.notEqual(code, 0);
    assert.match(err, /CONFIG_INVALID/);
    assert.match(err, /connectors\.warehouse\.path/);
    assert.equal(err.trim().split('\n').length, 1, err);
  });

  void it('refuses an unknown connector kind naming the key', async () => {
    const bad = path.join(dir, 'bad-kind.json');
    await writeFile(bad, JSON.stringify({ connectors: { onlineStore: { kind: 'memcached' } } }));
    const child = spawn(process.execPath, [CLI, 'start', '--config', bad], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.notEqual(code, 0);
    assert.match(err, /connectors\.onlineStore\.kind/);
  });
});
