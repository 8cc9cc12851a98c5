/**
 * Suite `pipeline` (real services): booking and pricing events through
 *   PostgreSQL (source rows + transactional outbox) -> logical replication (pg change source) ->
 *   CDC job -> Kafka -> aggregation -> ClickHouse (+ Redis PubSub -> metrics subgraph -> gateway)
 * against the peer: the same events published straight to Kafka (no PostgreSQL, no CDC) into the
 * same aggregation -> ClickHouse. Measures events per second end to end, live (writes and pipeline
 * at once) and, on the CDC path, draining a backlog committed while the CDC job was stopped; and the
 * event-to-subscription latency (pipeline-probes.ts).
 */
import type { DomainEvent } from '../../schema/events/domain-events.ts';
import { textReport } from '../support/report.ts';
import { CLICKHOUSE_URL, clickhouseProblem, KAFKA_BROKERS, PG_URL, postgresProblem, REDIS_URL, redisHostPort, tcpProblem } from '../support/services.ts';
import { ms, ratio, sig, sleep, summarize, waitUntil } from '../support/stats.ts';
import type { ResultRow, Suite, SuiteContext, SuiteResult } from '../support/types.ts';
import { CHUNK, PROBE_REGION, send, simulatedEvents, warmUpLength } from './pipeline-events.ts';
import { openProber, type ProbeFigures, type Prober } from './pipeline-probes.ts';
import { startRig, type PathKind, type Rig } from './pipeline-rig.ts';

interface Run {
  readonly events: number;
  /** Until PostgreSQL committed / Kafka acknowledged the last event. */
  readonly writeSeconds: number;
  /** Until the aggregation had written the last event's windows to ClickHouse. */
  readonly endToEndSeconds: number;
  /** Backlog only: from starting the CDC job until it streams (slot acquired), not in endToEndSeconds. */
  readonly restartSeconds?: number;
  /** Backlog only: row-change records the restarted CDC job read from the slot (outbox + source rows). */
  readonly changes?: number;
}

interface PathFigures {
  readonly kind: PathKind;
  readonly live: Run;
  /** CDC path: the backlog committed while the CDC job was stopped, drained from its restart. */
  readonly backlog: Run | null;
  readonly probes: ProbeFigures;
  /** 5-minute region windows in ClickHouse before the probes, as comparable text. */
  readonly windows: readonly string[];
  readonly bookingsCounted: number;
  readonly aggregation: { readonly applied: number; readonly late: number; readonly deadLettered: number };
  readonly cdcRecords: string | null;
}

async function windowsOf(rig: Rig): Promise<string[]> {
  const rows = await rig.warehouse.query('SELECT region_id, window_start, trip_count, completed_count, cancelled_count, price_count, revenue FROM region_windows WHERE window_minutes = 5 ORDER BY region_id, window_start');
  return rows.map((r) => [r['region_id'], r['window_start'], r['trip_count'], r['completed_count'], r['cancelled_count'], r['price_count'], Number(r['revenue']).toFixed(2)].join('|'));
}

/** Warm-up, then the timed run(s) of one path; returns its figures so far (probes come later). */
async function throughput(rig: Rig, events: readonly DomainEvent[], split: { warm: number; live: number }, ctx: SuiteContext): Promise<Omit<PathFigures, 'probes'>> {
  const kind = rig.kind;
  const processed = (): number => rig.aggregation.stats.processed;
  const through = (n: number, what: string): Promise<void> => waitUntil(`${kind}: ${what} through the aggregation`, 180_000, () => processed() >= n, 10);
  // warm-up: consumer group joined, connections open, every partition with data seen
  await send(rig, events.slice(0, split.warm));
  await through(split.warm, `the ${split.warm} warm-up events`);

  const live = events.slice(split.warm, split.warm + split.live);
  ctx.print(`  ${kind}: ${live.length} events, live...`);
  let t0 = performance.now();
  await send(rig, live);
  let written = performance.now();
  await through(split.warm + split.live, 'the live events');
  const liveRun: Run = { events: live.length, writeSeconds: (written - t0) / 1000, endToEndSeconds: (performance.now() - t0) / 1000 };

  const rest = events.slice(split.warm + split.live);
  let backlog: Run | null = null;
  if (rig.writer) {
    ctx.print(`  ${kind}: ${rest.length} events committed while the CDC job is stopped, then drained...`);
    await rig.stopCdc();
    t0 = performance.now();
    await send(rig, rest);
    written = performance.now();
    await rig.startCdc();
    const streaming = performance.now();
    await through(events.length, 'the backlog');
    backlog = { events: rest.length, writeSeconds: (written - t0) / 1000, endToEndSeconds: (performance.now() - streaming) / 1000, restartSeconds: (streaming - written) / 1000, changes: rig.cdc()?.stats.changes ?? 0 };
  } else {
    await send(rig, rest); // same windows as the CDC path (not timed: the live run is this path's drain)
    await through(events.length, 'the rest');
  }
  const { applied, late, deadLettered } = rig.aggregation.stats;
  const windows = await windowsOf(rig);
  const cdcStats = rig.cdc()?.stats;
  return {
    kind, live: liveRun, backlog, windows, aggregation: { applied, late, deadLettered },
    bookingsCounted: windows.reduce((s, w) => s + Number(w.split('|')[2]), 0),
    cdcRecords: cdcStats ? `${cdcStats.changes} change records and ${cdcStats.routed} routed domain events (since the restart)` : null,
  };
}

/** Probes both paths in turn (alternating which goes first), so both see the same machine. */
async function latencies(rigs: readonly Rig[], probes: number, ctx: SuiteContext): Promise<Map<PathKind, ProbeFigures>> {
  ctx.print(`  ${probes} probe bookings per path, alternating paths, each awaited on its gateway subscription...`);
  const probers: Prober[] = [];
  try {
    for (const rig of rigs) probers.push(await openProber(rig, ctx.runId));
    for (let i = 0; i < probes; i++) {
      const order = i % 2 === 0 ? probers : [...probers].reverse();
      for (const p of order) {
        await p.probe(i);
        await sleep(20);
      }
    }
    return new Map(rigs.map((r, i) => [r.kind, (probers[i] as Prober).figures]));
  } finally {
    for (const p of probers) await p.close();
  }
}

async function servicesProblem(): Promise<string | null> {
  const problems = [
    ['Kafka', KAFKA_BROKERS[0] ?? '(none)', await tcpProblem(KAFKA_BROKERS[0] ?? '127.0.0.1:0')],
    ['ClickHouse', CLICKHOUSE_URL, await clickhouseProblem()],
    ['Redis', REDIS_URL, await tcpProblem(redisHostPort())],
    ['PostgreSQL', PG_URL.replace(/\/\/[^@]*@/, '//'), await postgresProblem()],
  ].filter(([, , p]) => p !== null);
  if (problems.length === 0) return null;
  return `${problems.map(([n, where, p]) => `${n} at ${where}: ${p}`).join('; ')}. Start them with \`bash scripts/services.sh up\`.`;
}

function runRow(path: string, r: Run, p: ProbeFigures | null): ResultRow {
  const l = p ? summarize(p.latencies) : null;
  const k = p && p.toKafka.length > 0 ? summarize(p.toKafka) : null;
  return {
    path,
    events: r.events,
    'write s': sig(r.writeSeconds),
    'end-to-end s': sig(r.endToEndSeconds),
    'events/s': sig(r.events / r.endToEndSeconds),
    'row changes/s': r.changes !== undefined ? sig(r.changes / r.endToEndSeconds) : null,
    'latency p50 ms': l ? ms(l.p50) : null,
    'p90 ms': l ? ms(l.p90) : null,
    'p99 ms': l ? ms(l.p99) : null,
    'to Kafka p50 ms': k ? ms(k.p50) : null,
    probes: l ? l.count : null,
  };
}

export const pipelineSuite: Suite = {
  name: 'pipeline',
  title: 'PostgreSQL -> CDC -> Kafka -> aggregation -> ClickHouse vs straight to Kafka',
  description:
    'Booking and pricing events written as source rows + transactional outbox in PostgreSQL and carried by logical replication and the CDC job to Kafka, then the stream aggregation to ClickHouse and live windows to a gateway subscription; the peer publishes the same events straight to Kafka (no PostgreSQL, no CDC) into the same aggregation. Real services (scripts/services.sh), one Node.js process.',
  async run(ctx: SuiteContext): Promise<SuiteResult> {
    const problem = await servicesProblem();
    if (problem) {
      ctx.print(`  services not reachable, nothing measured: ${problem}`);
      return { columns: ['path'], rows: [], ratios: [{ name: 'direct/cdc throughput', value: null, meaning: 'not measured: services not reachable' }], notes: [`not measured: ${problem}`] };
    }
    const timed = Number(process.env.BENCH_PIPELINE_EVENTS ?? (ctx.quick ? 400 : 4000));
    const probes = ctx.quick ? 10 : 40;
    ctx.print('  simulating booking and pricing events...');
    const pool = await simulatedEvents(ctx.logger);
    const warm = warmUpLength(pool, ctx.quick ? 100 : 200);
    const total = warm + 2 * timed;
    if (pool.length < total) throw new Error(`the simulator produced ${pool.length} booking/pricing events, ${total} needed`);
    const events = pool.slice(0, total);
    ctx.print('  starting both paths (topics, databases, schemas, slot, publication, jobs, gateways)...');
    const rigs: Rig[] = [];
    let cdc: PathFigures;
    let direct: PathFigures;
    try {
      for (const kind of ['cdc', 'direct'] as const) rigs.push(await startRig(kind, ctx.runId, ctx.logger));
      const runs: Omit<PathFigures, 'probes'>[] = [];
      for (const rig of rigs) runs.push(await throughput(rig, events, { warm, live: timed }, ctx));
      const probed = await latencies(rigs, probes, ctx);
      [cdc, direct] = runs.map((r) => ({ ...r, probes: probed.get(r.kind) as ProbeFigures })) as [PathFigures, PathFigures];
    } finally {
      ctx.print('  stopping both paths and deleting their topics, groups, databases, slot, publication and schemas');
      for (const rig of rigs.reverse()) await rig.close().catch((e: unknown) => ctx.print(`  cleanup of the ${rig.kind} path failed: ${String(e)}`));
    }
    const figures = [cdc, direct];
    const bookings = events.filter((e) => e.event_type === 'BookingCreated').length;
    for (const f of figures) {
      if (f.bookingsCounted !== bookings) throw new Error(`${f.kind}: ClickHouse windows count ${f.bookingsCounted} bookings, ${bookings} were sent (aggregation: ${JSON.stringify(f.aggregation)})`);
    }
    if (cdc.windows.join('\n') !== direct.windows.join('\n')) {
      throw new Error(`the CDC path and the direct path wrote different windows to ClickHouse (aggregation: cdc ${JSON.stringify(cdc.aggregation)}, direct ${JSON.stringify(direct.aggregation)})`);
    }
    const rate = (r: Run | null): number | null => (r ? r.events / r.endToEndSeconds : null);
    const lc = summarize(cdc.probes.latencies);
    const ld = summarize(direct.probes.latencies);
    const toKafka = summarize(cdc.probes.toKafka);
    const result: SuiteResult = {
      columns: ['path', 'events', 'write s', 'end-to-end s', 'events/s', 'row changes/s', 'latency p50 ms', 'p90 ms', 'p99 ms', 'to Kafka p50 ms', 'probes'],
      rows: [
        runRow('PostgreSQL -> CDC -> Kafka -> aggregation -> ClickHouse, live', cdc.live, cdc.probes),
        ...(cdc.backlog ? [runRow('the same, backlog drained after a CDC restart', cdc.backlog, null)] : []),
        runRow('Kafka -> aggregation -> ClickHouse (peer)', direct.live, direct.probes),
      ],
      ratios: [
        { name: 'direct/cdc throughput, live', value: ratio(rate(direct.live), rate(cdc.live)), meaning: 'events/s end to end straight to Kafka over through PostgreSQL + CDC with the writes going on (>1: the PostgreSQL writes and CDC cost throughput)' },
        { name: 'direct/cdc throughput, backlog', value: ratio(rate(direct.live), rate(cdc.backlog)), meaning: 'the same against the CDC path draining events already committed in PostgreSQL: the cost of CDC itself, the source writes out of the way' },
        { name: 'CDC backlog row changes/s over the 10,000 target', value: ratio(cdc.backlog?.changes !== undefined ? cdc.backlog.changes / cdc.backlog.endToEndSeconds : null, 10_000), meaning: 'row-change records (source rows + outbox) read from the slot and carried through to the aggregation per second, over issue 11\'s 10,000/s (>=1: met)' },
        { name: 'cdc/direct p50 latency', value: ratio(lc.p50, ld.p50), meaning: 'median commit-to-subscription latency of one booking through PostgreSQL + CDC over straight to Kafka' },
        { name: 'cdc/direct p99 latency', value: ratio(lc.p99, ld.p99), meaning: 'the same at the 99th percentile' },
        { name: 'CDC share of p50 latency', value: ratio(toKafka.p50, lc.p50), meaning: 'commit to Kafka ack of the routed event (logical replication + CDC job) as a share of commit to subscription' },
      ],
      notes: [
        `events: ${total} seed 002 booking-events and pricing-events records from the simulator (seed 77, 08:00-08:50 UTC yesterday); ${warm} warm-up (not timed: the first events up to one of every region on both topics, so every partition has data before the clock starts), ${timed} live, ${timed} more as the CDC backlog (sent untimed on the direct path, so both paths end with the same windows); ${bookings} bookings in all.`,
        `"write s": until PostgreSQL committed every transaction (source writer, one connection, ${CHUNK} events per transaction, each event = outbox insert + row upserts) or Kafka acknowledged every publish (${CHUNK} events per call, acks=all, idempotent producer); "end-to-end s": from the first write (backlog: from the moment the restarted CDC job streams${cdc.backlog?.restartSeconds !== undefined ? `, which took ${cdc.backlog.restartSeconds.toFixed(2)} s` : ''}) until the aggregation had written the windows of every event to ClickHouse (window rows + checkpoint, per batch).`,
        `CDC path Kafka records: ${cdc.cdcRecords ?? '-'}; the direct path publishes only the domain events.`,
        `latency: ${probes} single BookingCreated probes in ${PROBE_REGION} per path, one at a time, the two paths taking turns (both paths up at once, so both see the same machine), each from its commit (writer.write resolved / publish acknowledged) to the arrival at a graphql-ws client of the gateway's regionAggregates(windowMinutes: 5) update counting it. The aggregation publishes running windows on every change here (publishIntervalMs 0); the default 1000 coalesces dashboard updates to one per second per window and would add up to 1 s on both paths. "to Kafka": commit to the CDC job's publish of the routed event acknowledged.`,
        'checked: each path\'s 5-minute region windows in ClickHouse count every booking sent, and both paths wrote identical windows (no late or lost event).',
        'throughput: the CDC path runs first, then the direct path, while the other path is up but idle.',
        `each path has its own Kafka topics and groups (prefix gfbench-${ctx.runId}-<path>.), ClickHouse database, Redis channel prefix, and on the CDC path PostgreSQL schemas, replication slot and publication; all deleted afterwards. Kafka 3.9 (one broker), ClickHouse 18.16, Redis 7, PostgreSQL 15, all on this machine with the benchmark.`,
      ],
    };
    ctx.print(textReport(result));
    return result;
  },
};
