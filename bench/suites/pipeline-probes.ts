/**
 * Event-to-subscription latency of one pipeline path: a single booking, timed from its commit
 * (PostgreSQL COMMIT returned / Kafka acks=all publish returned) to the arrival at a graphql-ws client
 * of the gateway's regionAggregates update that counts it. On the CDC path also the moment Kafka
 * acknowledged the CDC job's publish of it to booking-events. Probes go one at a time per path.
 */
import { TOPICS } from '../../schema/events/topics.ts';
import { sleep } from '../support/stats.ts';
import { timedSubscription } from '../support/subscription.ts';
import { probeEvent, PROBE_REGION, send } from './pipeline-events.ts';
import type { Rig } from './pipeline-rig.ts';

const WINDOW_MS = 5 * 60_000;
const SUBSCRIPTION = 'subscription Live($r: ID) { regionAggregates(regionId: $r, windowMinutes: 5) { regionId windowStart tripCount isFinal } }';

interface LiveWindow { regionId: string; windowStart: string; tripCount: number; isFinal: boolean }

export interface ProbeFigures {
  /** Commit to subscription delivery, ms. */
  readonly latencies: number[];
  /** CDC path: commit to the CDC job's publish acknowledged by Kafka, ms. */
  readonly toKafka: number[];
}

export interface Prober {
  readonly figures: ProbeFigures;
  /** Sends probe `i` and waits until the subscription counts it. */
  probe(i: number): Promise<void>;
  close(): Promise<void>;
}

/** Subscribes on the rig's gateway and waits until a probe comes back through it. */
export async function openProber(rig: Rig, runId: string): Promise<Prober> {
  // live windows are for dashboards: a dashboard token in connection_init
  const connectionParams = { authorization: `Bearer ${await rig.auth.token('dashboard')}` };
  const sub = timedSubscription<LiveWindow>(rig.gatewayUrl, SUBSCRIPTION, { r: PROBE_REGION }, (d) => d['regionAggregates'] as LiveWindow, connectionParams);
  const figures: ProbeFigures = { latencies: [], toKafka: [] };
  const counts = new Map<number, number>();
  const seen = (w: LiveWindow): void => {
    const start = Date.parse(w.windowStart);
    counts.set(start, Math.max(counts.get(start) ?? 0, w.tripCount));
  };
  try {
    for (let i = 0; ; i++) {
      if (i >= 40) throw new Error(`${rig.kind}: no probe came back over the subscription: ${JSON.stringify(sub.errors).slice(0, 300)}`);
      await send(rig, [probeEvent(runId, rig.kind, -1 - i)]);
      if (await sub.next((w) => w.regionId === PROBE_REGION && !w.isFinal, 1_000).catch(() => null)) break;
    }
    await sleep(1_000); // stragglers of earlier warm-up probes
  } catch (e) {
    await sub.close();
    throw e;
  }
  for (const a of sub.arrivals) seen(a.value);

  return {
    figures,
    probe: async (i) => {
      const probe = probeEvent(runId, rig.kind, i);
      const start = Math.floor(probe.occurred_at / WINDOW_MS) * WINDOW_MS;
      const expected = (counts.get(start) ?? 0) + 1;
      const from = sub.arrivals.length;
      let inKafka = Number.NaN;
      const unobserve = rig.log.observePublished((topic, records) => {
        if (topic === TOPICS.booking.name && records.some((r) => r.value.includes(probe.event_id))) inKafka = performance.now();
      });
      try {
        await send(rig, [probe]);
        const committed = performance.now();
        const got = await sub.next((w) => Date.parse(w.windowStart) === start && w.tripCount >= expected, 15_000, from);
        figures.latencies.push(got.at - committed);
        if (rig.writer && Number.isFinite(inKafka)) figures.toKafka.push(inKafka - committed);
      } finally {
        unobserve();
      }
      for (const a of sub.arrivals.slice(from)) seen(a.value);
    },
    close: () => sub.close(),
  };
}
