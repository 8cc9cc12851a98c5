/**
 * The subscription load generator: `shards` child processes (subscription-load-child.ts), each
 * holding its share of the sockets, so the load has its own processes and event loops, never the
 * gateway's. Reports are merged here: event -> client latency percentiles, the spread between the
 * first and the last subscriber to get each update, and whether every socket got every update.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { ShardReport, ShardSpec } from './subscription-load-child.ts';

export interface LoadSpec extends Omit<ShardSpec, 'count' | 'first' | 'localAddresses'> {
  readonly count: number;
  readonly shards: number;
  /** Source addresses (127.x.y.z), cycled over by every shard. */
  readonly localAddresses: readonly string[];
}

export interface Merged {
  readonly sockets: number;
  readonly connected: number;
  readonly failed: number;
  readonly closed: number;
  readonly closeCodes: Record<string, number>;
  readonly live: number;
  /** Arrivals measured. */
  readonly arrivals: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Median and worst over updates of (last arrival - first arrival), ms. */
  readonly spreadP50: number;
  readonly spreadMax: number;
  /** Sockets that got every one of `expected` updates. */
  readonly servedAll: number;
}

export interface Subscribers {
  readonly pids: readonly number[];
  /** Sockets with an update since the last reset. */
  live(): Promise<number>;
  reset(from: number): Promise<void>;
  report(expected: number): Promise<Merged>;
  stop(): Promise<void>;
}

const CHILD = new URL('./subscription-load-child.ts', import.meta.url);

function ask<T>(child: ChildProcess, message: unknown, reply: string, timeoutMs = 600_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`load shard ${child.pid} did not answer ${reply} in ${timeoutMs} ms`)), timeoutMs);
    const on = (m: { type: string }): void => {
      if (m.type !== reply) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    child.send(message as object);
  });
}

function percentileOfHistogram(h: readonly number[], total: number, p: number): number {
  if (total === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let i = 0; i < h.length; i++) {
    seen += h[i] ?? 0;
    if (seen >= rank) return i / 10;
  }
  return (h.length - 1) / 10;
}

export function merge(reports: readonly ShardReport[], expected: number): Merged {
  const bins = reports[0]?.histogram.length ?? 0;
  const h = new Array<number>(bins).fill(0);
  let total = 0;
  let max = 0;
  for (const r of reports) for (let i = 0; i < bins; i++) {
    const n = r.histogram[i] ?? 0;
    if (n > 0) {
      h[i] = (h[i] ?? 0) + n;
      total += n;
      max = Math.max(max, i / 10);
    }
  }
  const seqs = new Map<string, [number, number]>();
  for (const r of reports) for (const [seq, [a, b]] of Object.entries(r.perSeq)) {
    const s = seqs.get(seq);
    seqs.set(seq, s ? [Math.min(s[0], a), Math.max(s[1], b)] : [a, b]);
  }
  const spreads = [...seqs.values()].map(([a, b]) => b - a).sort((x, y) => x - y);
  const closeCodes: Record<string, number> = {};
  for (const r of reports) for (const [c, n] of Object.entries(r.closeCodes)) closeCodes[c] = (closeCodes[c] ?? 0) + n;
  return {
    sockets: reports.reduce((n, r) => n + r.perSocket.length, 0),
    connected: reports.reduce((n, r) => n + r.connected, 0),
    failed: reports.reduce((n, r) => n + r.failed, 0),
    closed: reports.reduce((n, r) => n + r.closed, 0),
    closeCodes,
    live: reports.reduce((n, r) => n + r.live, 0),
    arrivals: total,
    p50: percentileOfHistogram(h, total, 50),
    p99: percentileOfHistogram(h, total, 99),
    max,
    spreadP50: spreads.length ? (spreads[Math.ceil(spreads.length / 2) - 1] ?? Number.NaN) : Number.NaN,
    spreadMax: spreads.length ? (spreads[spreads.length - 1] ?? Number.NaN) : Number.NaN,
    servedAll: reports.reduce((n, r) => n + r.perSocket.filter((c) => c >= expected).length, 0),
  };
}

/** Starts the shards and opens every socket (resolves when all have tried). */
export async function startSubscribers(spec: LoadSpec): Promise<Subscribers> {
  const per = Math.ceil(spec.count / spec.shards);
  const children: ChildProcess[] = [];
  const starts: Promise<{ connected: number }>[] = [];
  for (let s = 0; s < spec.shards; s++) {
    const count = Math.max(0, Math.min(per, spec.count - s * per));
    if (count === 0) break;
    const child = fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    const shard: ShardSpec = { ...spec, count, first: s * per, localAddresses: spec.localAddresses, concurrency: spec.concurrency };
    starts.push(ask(child, { type: 'start', spec: shard }, 'started'));
  }
  await Promise.all(starts);
  const reports = async (): Promise<ShardReport[]> => (await Promise.all(children.map((c) => ask<{ report: ShardReport }>(c, { type: 'report' }, 'report')))).map((r) => r.report);
  return {
    pids: children.map((c) => c.pid ?? 0),
    live: async () => (await reports()).reduce((n, r) => n + r.live, 0),
    reset: async (from) => {
      await Promise.all(children.map((c) => ask(c, { type: 'reset', from }, 'reset')));
    },
    report: async (expected) => merge(await reports(), expected),
    stop: async () => {
      await Promise.all(children.map(async (c) => {
        if (c.exitCode !== null) return;
        const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
        await ask(c, { type: 'stop' }, 'stopped', 10_000).catch(() => c.kill('SIGKILL'));
        const force = setTimeout(() => c.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(force);
      }));
    },
  };
}
