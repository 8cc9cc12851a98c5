/**
 * The windows job over a given Warehouse (DuckDB in test/unit, ClickHouse in test/integration):
 * payment events with a hostile region id published to an in-process event log, the job run, stopped
 * and restarted from its checkpoint while more events arrive, then every row the warehouse shows
 * compared with a WindowEngine fed the same records straight from the log, and the metrics
 * subgraph asked for one (hostile) key.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { consumerLag } from '../../../connectors/contracts/event-log.ts';
import type { Warehouse } from '../../../connectors/contracts/warehouse.ts';
import { createMemoryEventLog } from '../../../connectors/embedded/memory-event-log.ts';
import { createMemoryPubSub } from '../../../connectors/embedded/memory-pub-sub.ts';
import { parseDomainEvent } from '../../../schema/events/domain-events.ts';
import { TOPICS } from '../../../schema/events/topics.ts';
import { SPEC_WINDOWS, windowKey } from '../../../schema/windows/window-tables.ts';
import { configuredSpecs, startWindowsJob, WindowEngine, WindowsConfigSchema, type SpecWindowView } from '../../../jobs/windows/index.ts';
import { startMetricsSubgraph } from '../../../subgraphs/metrics/index.ts';
import { randomStream, type Payment } from './random-stream.ts';

const logger = pino({ level: 'silent' });
export const HOSTILE_REGION = "r-0'); DROP TABLE spec_windows; --";
const CONFIG = { specs: ['gold-payments-10m', 'rider-sessions', 'platform-hourly'], publishIntervalMs: 0, maxBatchSize: 37 };

const events = (seed: number): Payment[] => {
  const out: Payment[] = [];
  for (const item of randomStream(seed, 3, 80).delivery) {
    if (item.kind !== 'event') continue;
    const e = item.event;
    out.push(e.data.region_id === 'r-0' ? { ...e, data: { ...e.data, region_id: HOSTILE_REGION } } : e);
  }
  return out;
};

export async function windowsJobWorld(warehouse: Warehouse): Promise<void> {
  const metrics = new Registry();
  const log = createMemoryEventLog({}, { logger, metrics });
  const pubsub = createMemoryPubSub({}, { logger, metrics });
  await Promise.all([log.start(), pubsub.start()]);
  try {
    await log.ensureTopics([TOPICS.payment, TOPICS.booking, TOPICS.deadLetter]);
    const publish = (ps: readonly Payment[]) => log.publish(TOPICS.payment.name, ps.map((e) => ({ key: e.data.user_id, value: JSON.stringify(e) })));
    const runOnce = async (): Promise<string> => {
      const job = await startWindowsJob({ log, warehouse, pubsub, logger, metrics, config: CONFIG });
      for (let i = 0; i < 500 && (await consumerLag(log, job.groupId, TOPICS.payment.name)) > 0; i++) await sleep(20);
      await job.flush();
      await job.stop();
      return job.groupId;
    };
    const all = events(7);
    const half = Math.floor(all.length / 2);
    await publish(all.slice(0, half));
    const group = await runOnce();
    await publish(all.slice(half));
    assert.equal(await runOnce(), group, 'the same specs resume the same group');

    // the same records, straight from the log, through one engine that never stopped
    const specs = configuredSpecs(WindowsConfigSchema.parse(CONFIG));
    const engine = new WindowEngine(specs);
    for (let p = 0; p < TOPICS.payment.partitions; p++) {
      for (const r of await log.read(TOPICS.payment.name, p, '0', 10_000)) {
        const parsed = parseDomainEvent(r.value);
        if (parsed.ok) engine.apply(r.topic, r.partition, r.offset, parsed.event);
      }
    }
    const want = new Map<string, SpecWindowView>();
    const c = engine.drain();
    for (const v of [...c.running, ...c.final, ...c.retracted]) want.set(`${v.spec}|${windowKey(v.keyValues)}|${v.windowStart}`, v);
    const rows = await warehouse.query(`SELECT spec, window_key, window_start, window_end, measures, events, retracted FROM ${SPEC_WINDOWS.name}`);
    const got = new Map(rows.map((r) => [`${String(r['spec'])}|${String(r['window_key'])}|${Number(r['window_start'])}`, r]));
    const live = [...want.values()].filter((v) => !v.retracted);
    assert.ok(live.length > 20);
    for (const v of live) {
      const r = got.get(`${v.spec}|${windowKey(v.keyValues)}|${v.windowStart}`);
      assert.ok(r, `row of ${v.spec} ${windowKey(v.keyValues)} ${v.windowStart}`);
      assert.deepEqual({ end: Number(r['window_end']), events: Number(r['events']), values: JSON.parse(String(r['measures'])) as unknown, retracted: Boolean(Number(r['retracted']) || r['retracted'] === true) }, { end: v.windowEnd, events: v.events, values: v.values, retracted: false });
    }
    const shown = rows.filter((r) => !(r['retracted'] === true || Number(r['retracted']) === 1)).length;
    assert.equal(shown, live.length, 'no window row beyond the engine\'s');

    // served by the metrics subgraph: one hostile key, bound safely
    const sub = await startMetricsSubgraph({ warehouse, pubsub, logger, port: 0, windowSpecs: specs });
    try {
      const res = await fetch(sub.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query($k: String) { specWindows(spec: "gold-payments-10m", key: $k, last: 1000) { key keyValues events } }', variables: { k: `${HOSTILE_REGION}|card` } }),
      });
      const body = (await res.json()) as { data?: { specWindows: { key: string; keyValues: string[]; events: number }[] }; errors?: unknown };
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      const expected = live.filter((v) => v.spec === 'gold-payments-10m' && windowKey(v.keyValues) === `${HOSTILE_REGION}|card`);
      assert.ok(expected.length > 0);
      assert.equal(body.data?.specWindows.length, expected.length);
      for (const w of body.data?.specWindows ?? []) assert.deepEqual(w.keyValues, [HOSTILE_REGION, 'card']);
    } finally {
      await sub.close();
    }
  } finally {
    await log.close();
    await pubsub.close();
  }
}
