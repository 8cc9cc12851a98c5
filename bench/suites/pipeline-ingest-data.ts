/**
 * The ingest suite's events and its peer. Events: the simulator's seed 002 booking + pricing stream
 * (pipeline-events.ts), repeated as many times as the size needs, each copy with ids of its own and
 * shifted back in event time by whole copies, so the stream stays in event-time order and the
 * aggregation sees `n` distinct events (none late). Peer: kafka-producer-perf-test
 * (org.apache.kafka.tools.ProducerPerformance, scripts/kafka-perf.sh) sending the same JSON values.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DomainEvent } from '../../schema/events/domain-events.ts';

const run = promisify(execFile);
const ROOT = path.join(import.meta.dirname, '..', '..');
/** Ids that name the entity an event is about (region, rider, driver stay: they are dimensions). */
const KEPT_IDS: ReadonlySet<string> = new Set(['region_id', 'rider_id', 'driver_id']);

function copyOf(e: DomainEvent, k: number, shiftMs: number): DomainEvent {
  if (k === 0) return e;
  const data: Record<string, unknown> = { ...(e.data as Record<string, unknown>) };
  for (const [key, v] of Object.entries(data)) if (key.endsWith('_id') && !KEPT_IDS.has(key) && typeof v === 'string') data[key] = `${v}-c${k}`;
  return { ...e, event_id: `${e.event_id}-c${k}`, occurred_at: e.occurred_at - shiftMs, data } as DomainEvent;
}

/** `n` events: copies of `pool` (oldest copy first), copy k shifted back by (copies-1-k) x the pool's span. */
export function repeatedEvents(pool: readonly DomainEvent[], n: number): DomainEvent[] {
  if (pool.length === 0) throw new Error('no events to repeat');
  const first = pool[0] as DomainEvent;
  const last = pool[pool.length - 1] as DomainEvent;
  const span = Math.ceil((last.occurred_at - first.occurred_at) / 60_000 + 1) * 60_000;
  const copies = Math.ceil(n / pool.length);
  const out: DomainEvent[] = [];
  for (let c = 0; c < copies && out.length < n; c++) {
    const k = copies - 1 - c; // distinct suffix per copy; the newest copy (k = 0) is the simulator's own
    for (const e of pool) {
      if (out.length === n) break;
      out.push(copyOf(e, k, k * span));
    }
  }
  return out;
}

export interface PerfTestResult {
  readonly records: number;
  readonly recordsPerSecond: number;
  readonly mbPerSecond: number;
  readonly avgLatencyMs: number;
  readonly p99LatencyMs: number;
  readonly line: string;
}

/** Writes the values as kafka-producer-perf-test's payload file (one per line). */
export async function writePayloadFile(file: string, values: readonly string[]): Promise<void> {
  await writeFile(file, `${values.join('\n')}\n`, 'utf8');
}

/**
 * kafka-producer-perf-test: `records` values drawn from `payloadFile` to `topic`, as fast as it can,
 * acks=all with the Java producer's defaults otherwise (idempotent, batch.size 16 KB, linger 0 in 3.9).
 */
export async function producerPerfTest(brokers: string, topic: string, records: number, payloadFile: string, props: readonly string[] = []): Promise<PerfTestResult> {
  const { stdout } = await run('bash', [path.join(ROOT, 'scripts', 'kafka-perf.sh'), 'producer', '--topic', topic, '--num-records', String(records), '--throughput', '-1', '--payload-file', payloadFile,
    '--producer-props', `bootstrap.servers=${brokers}`, 'acks=all', ...props], { maxBuffer: 16 << 20, timeout: 900_000 });
  // the summary: "N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, p50 ms 50th, p95 95th, p99 99th, p999 99.9th."
  const line = stdout.trim().split('\n').filter((l) => l.includes('records sent')).pop() ?? '';
  const m = /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency.*?(\d+) ms 99th/.exec(line);
  if (!m) throw new Error(`kafka-producer-perf-test printed no summary: ${stdout.slice(-400)}`);
  return { records: Number(m[1]), recordsPerSecond: Number(m[2]), mbPerSecond: Number(m[3]), avgLatencyMs: Number(m[4]), p99LatencyMs: Number(m[5]), line };
}
