/**
 * The features suite's peers: a redis-server of our own on one port (started and stopped by pid),
 * and the direct read a service would make instead of asking the features subgraph: one ioredis
 * pipeline of HGETALL over the same keys, values JSON-decoded, timed by one caller in a loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { sleep, summarize } from '../support/stats.ts';

export interface OwnRedis {
  readonly url: string;
  readonly version: string;
  stop(): Promise<void>;
}

/** redis-server on 127.0.0.1:port without persistence, or why not. */
export async function startOwnRedis(port: number): Promise<OwnRedis | string> {
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const failed = new Promise<string>((resolve) => {
    child.once('error', (e) => resolve(`redis-server could not start: ${e.message}`));
    child.once('exit', (code) => resolve(`redis-server exited with code ${code}`));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    for (let i = 0; i < 50; i++) {
      const why = await Promise.race([failed, sleep(100).then(() => null)]);
      if (why) return why;
      try {
        if (probe.status !== 'ready') await probe.connect();
        const info = await probe.info('server');
        return { url, version: /redis_version:(\S+)/.exec(info)?.[1] ?? '?', stop };
      } catch {
        probe.disconnect();
      }
    }
    await stop();
    return 'redis-server did not answer within 5 s';
  } finally {
    probe.disconnect();
  }
}

export interface DirectReadResult {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly count: number;
}

/** One caller: HGETALL of every key in one pipeline, decoded, back to back for `seconds` after a warm-up. */
export async function directPipelineReads(url: string, keys: readonly string[], seconds: number, warmupS: number): Promise<DirectReadResult> {
  const client = new Redis(url, { enableAutoPipelining: false });
  try {
    const once = async (): Promise<number> => {
      const p = client.pipeline();
      for (const k of keys) p.hgetall(k);
      const replies = (await p.exec()) ?? [];
      let fields = 0;
      for (const [err, hash] of replies) {
        if (err) throw err;
        for (const raw of Object.values(hash as Record<string, string>)) {
          JSON.parse(raw);
          fields++;
        }
      }
      return fields;
    };
    if ((await once()) === 0) throw new Error('the direct pipeline read no feature values: the keys are empty');
    const warmEnd = performance.now() + warmupS * 1000;
    while (performance.now() < warmEnd) await once();
    const latencies: number[] = [];
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    while (performance.now() < end) {
      const s = performance.now();
      await once();
      latencies.push(performance.now() - s);
    }
    const elapsed = (performance.now() - t0) / 1000;
    const s = summarize(latencies);
    return { requestsPerSecond: latencies.length / elapsed, p50: s.p50, p99: s.p99, count: latencies.length };
  } finally {
    client.disconnect();
  }
}
