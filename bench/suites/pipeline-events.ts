/** The events of the pipeline suite and the two ways in: PostgreSQL rows + outbox, or straight to Kafka. */
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { createMemoryEventLog } from '../../connectors/embedded/index.ts';
import { createSimulator } from '../../jobs/simulator/index.ts';
import { EVENT_TOPIC, eventKey, type DomainEvent } from '../../schema/events/domain-events.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import type { PathKind, Rig } from './pipeline-rig.ts';

/** Events per PostgreSQL transaction (source writer) and per Kafka publish call (direct path). */
export const CHUNK = 100;
export const PROBE_REGION = 'msk-center';
const AGGREGATED_TOPICS: ReadonlySet<string> = new Set([TOPICS.booking.name, TOPICS.pricing.name]);

/** Seed 002 booking + pricing events (what the aggregation reads) in emit order: fixed seed and start. */
export async function simulatedEvents(logger: Logger): Promise<DomainEvent[]> {
  const metrics = new Registry();
  const log = createMemoryEventLog({ maxRecordsPerPartition: 5_000_000 }, { logger, metrics });
  await log.start();
  const events: DomainEvent[] = [];
  const spanMs = 50 * 60_000;
  // yesterday 08:00 UTC: the same stream every run (rush hour), inside the topics' retention, and
  // every event older than the probes, which happen now
  const day = 86_400_000;
  const startTime = Math.floor(Date.now() / day) * day - day + 8 * 3_600_000;
  const sim = createSimulator({
    log, logger, metrics, seed: 77, ratePerSecond: 4, driversPerRegion: 15, locationIntervalMs: 600_000, lateShare: 0, startTime,
    onEmit: (e) => {
      if (AGGREGATED_TOPICS.has(EVENT_TOPIC[e.event_type].name)) events.push(e);
    },
  });
  await sim.runFor(spanMs);
  await sim.stop();
  await log.close();
  return events;
}

/**
 * Warm-up length: at least `min` events, and enough that every (topic, region) of the whole set has
 * appeared, so every partition that will hold data has delivered an event before the clock starts.
 * (The aggregation's watermark is the minimum over the partitions it knows of; a partition whose
 * FIRST event comes while others are far ahead in event time would see that event dead-lettered as
 * late: a cold-start effect, kept out of the measurement.)
 */
export function warmUpLength(events: readonly DomainEvent[], min: number): number {
  const keyOf = (e: DomainEvent): string => `${EVENT_TOPIC[e.event_type].name}|${eventKey(e)}`;
  const all = new Set(events.map(keyOf));
  const seen = new Set<string>();
  for (let i = 0; i < events.length; i++) {
    seen.add(keyOf(events[i] as DomainEvent));
    if (i + 1 >= min && seen.size === all.size) return i + 1;
  }
  return events.length;
}

/** One new booking in PROBE_REGION happening now. */
export function probeEvent(runId: string, kind: PathKind, i: number): DomainEvent {
  const id = `bench-${runId}-${kind}-probe-${i}`;
  return {
    event_id: id, event_type: 'BookingCreated', occurred_at: Date.now(), producer: 'bench-probe', schema_version: 1,
    data: { booking_id: id, rider_id: 'bench-rider', region_id: PROBE_REGION, pickup: { lat: 55.75, lon: 37.61 }, dropoff: { lat: 55.8, lon: 37.6 }, estimated_distance_km: 6.5, weather: 'clear' },
  };
}

/** The path's way in: source rows + outbox in PostgreSQL (CDC path), or straight to Kafka; CHUNK events at a time. */
export async function send(rig: Rig, events: readonly DomainEvent[]): Promise<void> {
  if (rig.writer) {
    await rig.writer.write(events);
    return;
  }
  for (let i = 0; i < events.length; i += CHUNK) {
    const byTopic = new Map<string, { key: string; value: string }[]>();
    for (const e of events.slice(i, i + CHUNK)) {
      const topic = EVENT_TOPIC[e.event_type].name;
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push({ key: eventKey(e), value: JSON.stringify(e) });
    }
    await Promise.all([...byTopic].map(([topic, records]) => rig.log.publish(topic, records)));
  }
}
