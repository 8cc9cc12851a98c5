/**
 * The simulator's producer watermark marks (schema/events/control-records.ts): for every partition
 * of the topics it produces that holds data but has had no record for `intervalMs` of simulated
 * time, a mark promising that no later event there is older than the mark. The promise is the
 * simulated time reached, lowered to the oldest event still held back for that partition (the
 * events it publishes late on purpose), so it is kept: a late event published after a mark is never
 * older than the mark. Busy partitions get none (their events move their watermark already).
 */
import type { EventLog, ProducerRecord } from '../../connectors/contracts/event-log.ts';
import { watermarkKeyCandidate, watermarkRecord } from '../../schema/events/control-records.ts';

export interface MarkCandidate {
  readonly topic: string;
  readonly key: string;
}

export interface HeldEvent extends MarkCandidate {
  readonly occurredAt: number;
}

interface TopicMarks {
  /** One key per partition that the log's partitioner sends there. */
  readonly keys: readonly string[];
  /** Simulated time of the last record (event or mark) sent to each partition that holds data. */
  readonly lastRecordAt: Map<number, number>;
  /** The last mark sent per partition (marks only grow). */
  readonly lastMark: Map<number, number>;
}

const MAX_KEY_SEARCH = 100_000;

export class WatermarkMarks {
  readonly #log: EventLog;
  readonly #intervalMs: number;
  readonly #producerOf: (topic: string) => string;
  readonly #topics = new Map<string, TopicMarks>();
  readonly #partitionOfKey = new Map<string, number>();

  constructor(o: { log: EventLog; intervalMs: number; producerOf: (topic: string) => string }) {
    this.#log = o.log;
    this.#intervalMs = o.intervalMs;
    this.#producerOf = o.producerOf;
  }

  /**
   * The marks due at simulated time `now`, given the records about to be published and the events
   * still held back. Call once per flush, after every event below `now` was emitted.
   */
  async due(now: number, outgoing: readonly MarkCandidate[], held: readonly HeldEvent[], topics: readonly string[]): Promise<{ topic: string; record: ProducerRecord }[]> {
    if (this.#intervalMs <= 0) return [];
    for (const topic of topics) await this.#topic(topic);
    for (const r of outgoing) {
      const t = this.#topics.get(r.topic);
      if (t) t.lastRecordAt.set(await this.#partition(r.topic, r.key), now);
    }
    const oldestHeld = new Map<string, number>();
    for (const h of held) {
      if (!this.#topics.has(h.topic)) continue;
      const k = `${h.topic}#${await this.#partition(h.topic, h.key)}`;
      oldestHeld.set(k, Math.min(oldestHeld.get(k) ?? Number.POSITIVE_INFINITY, h.occurredAt));
    }
    const marks: { topic: string; record: ProducerRecord }[] = [];
    for (const [topic, t] of this.#topics) {
      for (const [p, last] of t.lastRecordAt) {
        if (now - last < this.#intervalMs) continue;
        const promise = Math.min(now, oldestHeld.get(`${topic}#${p}`) ?? Number.POSITIVE_INFINITY);
        t.lastRecordAt.set(p, now);
        if (promise <= (t.lastMark.get(p) ?? Number.NEGATIVE_INFINITY)) continue;
        const key = t.keys[p];
        if (!key) continue;
        t.lastMark.set(p, promise);
        marks.push({ topic, record: watermarkRecord(key, this.#producerOf(topic), promise) });
      }
    }
    return marks;
  }

  async #partition(topic: string, key: string): Promise<number> {
    const k = `${topic}\u0000${key}`;
    let p = this.#partitionOfKey.get(k);
    if (p === undefined) {
      p = await this.#log.partitionFor(topic, key);
      if (this.#partitionOfKey.size > 200_000) this.#partitionOfKey.clear();
      this.#partitionOfKey.set(k, p);
    }
    return p;
  }

  async #topic(topic: string): Promise<TopicMarks> {
    const known = this.#topics.get(topic);
    if (known) return known;
    const ends = await this.#log.endOffsets(topic);
    const count = Object.keys(ends).length;
    const keys: (string | undefined)[] = new Array<string | undefined>(count).fill(undefined);
    let found = 0;
    for (let i = 0; found < count && i < MAX_KEY_SEARCH; i++) {
      const key = watermarkKeyCandidate(i);
      const p = await this.#log.partitionFor(topic, key);
      if (keys[p] === undefined) {
        keys[p] = key;
        found++;
      }
    }
    const t: TopicMarks = { keys: keys.map((k) => k ?? ''), lastRecordAt: new Map(), lastMark: new Map() };
    // partitions that already hold data (earlier runs) are marked too, or a quiet one would hold the job back
    for (const [p, end] of Object.entries(ends)) if (BigInt(end) > 0n) t.lastRecordAt.set(Number(p), Number.NEGATIVE_INFINITY);
    this.#topics.set(topic, t);
    return t;
  }
}
