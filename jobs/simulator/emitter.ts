/**
 * Turns the simulation's facts into domain events (envelope, ids), holds a share of them back to
 * publish them late (out of order), adds malformed records on demand, and publishes everything in
 * one batch per topic per tick, keyed as seed 002 says (eventKey).
 */
import type { Registry } from 'prom-client';
import {
  EVENT_TOPIC,
  EVENT_TYPES,
  eventKey,
  type DomainEvent,
  type DomainEventOf,
  type EventType,
} from '../../schema/events/domain-events.ts';
import type { EventLog, ProducerRecord } from '../../connectors/contracts/event-log.ts';
import type { FraudLabel } from '../../schema/events/fraud-labels.ts';
import { DOMAIN_TOPICS, TOPICS } from '../../schema/events/topics.ts';
import { isControlRecord } from '../../schema/events/control-records.ts';
import { counter } from '../../connectors/support/metrics.ts';
import type { Rng } from './prng.ts';
import { WatermarkMarks } from './watermark-marks.ts';

/** The microservice of seed 002 that owns each topic (the envelope's `producer`). */
const PRODUCER: Readonly<Record<string, string>> = {
  'booking-events': 'booking-service',
  'driver-events': 'driver-service',
  'payment-events': 'payment-service',
  'pricing-events': 'pricing-service',
  'booking-saga': 'booking-service',
};

export interface EmitterStats {
  emitted: number;
  published: number;
  late: number;
  invalid: number;
  /** Ground-truth fraud labels published (fraud-labels topic), and how many said is_fraud. */
  labels: number;
  fraudLabels: number;
  byType: Record<EventType, number>;
}

interface Outgoing {
  readonly topic: string;
  readonly record: ProducerRecord;
  /** Absent for malformed records. */
  readonly event?: DomainEvent;
}

interface Held {
  readonly at: number;
  readonly item: Outgoing;
}

export interface EmitterOptions {
  readonly log: EventLog;
  readonly metrics: Registry;
  /** Draws for ids (event_id). */
  readonly ids: Rng;
  /** Draws for lateness and malformed records: kept apart so they never change the valid stream. */
  readonly noise: Rng;
  readonly lateShare: number;
  readonly maxLatenessMs: number;
  readonly invalidShare: number;
  /** Producer watermark marks for quiet partitions after this many simulated ms (0: none). */
  readonly watermarkIntervalMs?: number;
  readonly onEmit?: ((event: DomainEvent) => void) | undefined;
}

export class Emitter {
  readonly stats: EmitterStats;
  readonly #o: EmitterOptions;
  #outgoing: Outgoing[] = [];
  /** Events held back, with the simulated time they are released at. */
  #held: Held[] = [];
  readonly #eventsTotal;
  readonly #lateTotal;
  readonly #invalidTotal;
  readonly #marks: WatermarkMarks | null;

  constructor(o: EmitterOptions) {
    this.#o = o;
    this.#marks = (o.watermarkIntervalMs ?? 0) > 0
      ? new WatermarkMarks({ log: o.log, intervalMs: o.watermarkIntervalMs ?? 0, producerOf: (topic) => PRODUCER[topic] ?? 'simulator' })
      : null;
    const byType = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<EventType, number>;
    this.stats = { emitted: 0, published: 0, late: 0, invalid: 0, labels: 0, fraudLabels: 0, byType };
    this.#eventsTotal = counter(o.metrics, 'gofuture_simulator_events_total', 'Domain events the simulator emitted', ['type']);
    this.#lateTotal = counter(o.metrics, 'gofuture_simulator_late_events_total', 'Events the simulator published late on purpose', []);
    this.#invalidTotal = counter(o.metrics, 'gofuture_simulator_invalid_records_total', 'Malformed records the simulator published on purpose', []);
  }

  /** Creates the event at simulated time `time` and queues it for the next flush (or later, if held back). */
  emit<T extends EventType>(type: T, data: DomainEventOf<T>['data'], time: number): DomainEventOf<T> {
    const topic = EVENT_TOPIC[type].name;
    const event = {
      event_id: this.#o.ids.uuid(),
      occurred_at: Math.round(time),
      producer: PRODUCER[topic] ?? 'simulator',
      schema_version: 1,
      event_type: type,
      data,
    } as DomainEventOf<T>;
    const asDomain = event as unknown as DomainEvent;
    const item: Outgoing = { topic, event: asDomain, record: { key: eventKey(asDomain), value: JSON.stringify(event) } };
    this.stats.emitted++;
    this.stats.byType[type]++;
    this.#eventsTotal.inc({ type });
    const noise = this.#o.noise;
    if (this.#o.lateShare > 0 && this.#o.maxLatenessMs > 0 && noise.chance(this.#o.lateShare)) {
      this.#held.push({ at: time + noise.float(1, this.#o.maxLatenessMs), item });
      this.stats.late++;
      this.#lateTotal.inc();
    } else {
      this.#outgoing.push(item);
    }
    if (this.#o.invalidShare > 0 && noise.chance(this.#o.invalidShare)) this.#pushInvalid(asDomain, item);
    return event;
  }

  /**
   * Queues a payment's ground-truth label for the fraud-labels topic. Labels are not domain events:
   * never held back, never malformed, never passed to onEmit, not counted in `emitted`.
   */
  label(label: FraudLabel): void {
    this.#outgoing.push({ topic: TOPICS.fraudLabels.name, record: { key: label.user_id, value: JSON.stringify(label) } });
    this.stats.labels++;
    if (label.is_fraud) this.stats.fraudLabels++;
  }

  /** Moves held-back events due before `until` (simulated ms) to the outgoing batch. */
  releaseDue(until: number): void {
    if (this.#held.length === 0) return;
    const keep: Held[] = [];
    for (const h of this.#held) {
      if (h.at < until) this.#outgoing.push(h.item);
      else keep.push(h);
    }
    this.#held = keep;
  }

  /** Releases everything still held back (on stop). */
  releaseAll(): void {
    this.releaseDue(Number.POSITIVE_INFINITY);
  }

  get pending(): number {
    return this.#outgoing.length + this.#held.length;
  }

  /**
   * Publishes the outgoing batch: one publish per topic, in emission order within a topic. With the
   * simulated time reached (`now`: every event below it was emitted), quiet partitions also get a
   * producer watermark mark, after the topic's events.
   */
  async flush(now?: number): Promise<void> {
    if (this.#marks && now !== undefined) {
      const held = this.#held.flatMap((h) => (h.item.event ? [{ topic: h.item.topic, key: h.item.record.key, occurredAt: h.item.event.occurred_at }] : []));
      const marks = await this.#marks.due(now, this.#outgoing.map((i) => ({ topic: i.topic, key: i.record.key })), held, DOMAIN_TOPICS.map((t) => t.name));
      this.#outgoing.push(...marks);
    }
    if (this.#outgoing.length === 0) return;
    const batch = this.#outgoing;
    this.#outgoing = [];
    const byTopic = new Map<string, Outgoing[]>();
    for (const item of batch) {
      const list = byTopic.get(item.topic);
      if (list) list.push(item);
      else byTopic.set(item.topic, [item]);
    }
    const topics = [...byTopic];
    const results = await Promise.allSettled(topics.map(([topic, items]) => this.#o.log.publish(topic, items.map((i) => i.record))));
    const failed: Outgoing[] = [];
    let error: unknown;
    const onEmit = this.#o.onEmit;
    results.forEach((r, i) => {
      const items = topics[i]?.[1] ?? [];
      if (r.status === 'rejected') {
        failed.push(...items);
        error ??= r.reason;
        return;
      }
      const labels = topics[i]?.[0] === TOPICS.fraudLabels.name;
      if (!labels) this.stats.published += items.filter((i) => !isControlRecord(i.record)).length;
      if (onEmit) for (const item of items) if (item.event) onEmit(item.event);
    });
    if (failed.length > 0) {
      // Nothing is lost on a failed publish: the topic's batch is retried first by the next flush.
      this.#outgoing = [...failed, ...this.#outgoing];
      throw error;
    }
  }

  #pushInvalid(event: DomainEvent, original: Outgoing): void {
    const noise = this.#o.noise;
    const kind = noise.int(0, 3);
    let value: string;
    if (kind === 0) {
      value = original.record.value.slice(0, Math.max(1, Math.floor(original.record.value.length / 2)));
    } else {
      const broken: Record<string, unknown> = { ...event, event_id: noise.uuid(), data: { ...event.data } };
      if (kind === 1) broken['occurred_at'] = -1;
      else if (kind === 2) broken['event_type'] = 'BookingTeleported';
      else broken['schema_version'] = 2;
      value = JSON.stringify(broken);
    }
    this.#outgoing.push({ topic: original.topic, record: { key: original.record.key, value, headers: { 'x-simulator-invalid': 'true' } } });
    this.stats.invalid++;
    this.#invalidTotal.inc();
  }
}
