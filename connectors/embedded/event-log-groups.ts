/**
 * Consumer groups of the embedded event log. Partitions of each topic are spread round-robin over
 * the group's live members subscribed to it; every join or leave rebalances. A partition is worked
 * by one worker at a time: a new owner starts only after the previous worker finished its handler
 * call and committed, then resumes from the committed offset.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { errorMessage } from '../../schema/errors.ts';
import type { ConsumerOptions } from '../contracts/event-log.ts';
import type { Partition } from './event-log-partition.ts';

const BACKOFF_START_MS = 50;
const BACKOFF_MAX_MS = 2_000;

/** What the groups need from the log. */
export interface GroupHost {
  readonly logger: Logger;
  partitions(topic: string): readonly Partition[];
  /** Records the group's next offset for a partition (durably when the log is), after a batch was handled. */
  commit(group: ConsumerGroup, topic: string, partition: number, next: number, consumed: number): Promise<void>;
}

export class Member {
  readonly id: string;
  readonly options: ConsumerOptions;
  readonly maxBatchSize: number;
  readonly workers = new Set<PartitionWorker>();
  stopped = false;

  constructor(id: string, options: ConsumerOptions) {
    this.id = id;
    this.options = options;
    this.maxBatchSize = Math.max(1, options.maxBatchSize ?? 500);
  }
}

export class ConsumerGroup {
  readonly id: string;
  /** topic -> partition -> next offset to read. */
  readonly committed = new Map<string, Map<number, number>>();
  /** Start positions resolved "at the end" for partitions never committed (memory only, as on Kafka). */
  readonly startAt = new Map<string, number>();
  readonly members: Member[] = [];
  readonly workers = new Map<string, PartitionWorker>();

  constructor(id: string) {
    this.id = id;
  }

  committedOffset(topic: string, partition: number): number | undefined {
    return this.committed.get(topic)?.get(partition);
  }

  setCommitted(topic: string, partition: number, next: number): void {
    let m = this.committed.get(topic);
    if (!m) this.committed.set(topic, (m = new Map()));
    m.set(partition, next);
    this.startAt.delete(`${topic}:${partition}`);
  }

  /** Reassigns partitions over the live members; moved partitions wait for their old worker. */
  rebalance(host: GroupHost): void {
    const live = this.members.filter((m) => !m.stopped);
    const desired = new Map<string, { member: Member; topic: string; partition: number }>();
    const topics = new Set(live.flatMap((m) => m.options.topics));
    for (const topic of topics) {
      const eligible = live.filter((m) => m.options.topics.includes(topic));
      host.partitions(topic).forEach((_, p) => {
        const member = eligible[p % eligible.length];
        if (member) desired.set(`${topic}:${p}`, { member, topic, partition: p });
      });
    }
    for (const [key, w] of this.workers) {
      if (desired.get(key)?.member !== w.member) {
        w.revoke();
        this.workers.delete(key);
      }
    }
    for (const [key, d] of desired) {
      if (this.workers.has(key)) continue;
      const part = host.partitions(d.topic)[d.partition];
      if (part && d.member.options.fromBeginning === false && this.committedOffset(d.topic, d.partition) === undefined && !this.startAt.has(key)) {
        this.startAt.set(key, part.end); // "latest" is resolved at assignment
      }
      const w = new PartitionWorker(host, this, d.member, d.topic, d.partition, this.#last.get(key));
      this.workers.set(key, w);
      this.#last.set(key, w.done);
      d.member.workers.add(w);
      void w.done.then(() => d.member.workers.delete(w));
    }
  }

  /** The latest worker's completion per partition: the next owner starts after it. */
  readonly #last = new Map<string, Promise<void>>();
}

export class PartitionWorker {
  readonly member: Member;
  readonly topic: string;
  readonly partition: number;
  readonly done: Promise<void>;
  readonly #abort = new AbortController();
  readonly #host: GroupHost;
  readonly #group: ConsumerGroup;

  constructor(host: GroupHost, group: ConsumerGroup, member: Member, topic: string, partition: number, previous: Promise<void> | undefined) {
    this.#host = host;
    this.#group = group;
    this.member = member;
    this.topic = topic;
    this.partition = partition;
    this.done = (async () => {
      await previous;
      await this.#loop();
    })().catch((e: unknown) => {
      host.logger.error({ err: errorMessage(e), group: group.id, topic, partition }, 'event log worker failed');
    });
  }

  revoke(): void {
    this.#abort.abort();
  }

  #startPosition(part: Partition): number {
    const committed = this.#group.committedOffset(this.topic, this.partition);
    if (committed !== undefined) return committed;
    return this.#group.startAt.get(`${this.topic}:${this.partition}`) ?? part.base;
  }

  async #loop(): Promise<void> {
    const signal = this.#abort.signal;
    const part = this.#host.partitions(this.topic)[this.partition];
    if (!part) return;
    let position = this.#startPosition(part);
    let backoff = BACKOFF_START_MS;
    while (!signal.aborted) {
      if (position < part.base) {
        this.#host.logger.warn({ group: this.#group.id, topic: this.topic, partition: this.partition, from: position, to: part.base }, 'records dropped before this group read them');
        position = part.base;
      }
      const records = part.slice(position, this.member.maxBatchSize);
      const last = records.at(-1);
      if (!last) {
        await part.waitBeyond(position, signal);
        continue;
      }
      try {
        await this.member.options.handler({ topic: this.topic, partition: this.partition, records });
        const next = Number(last.offset) + 1;
        await this.#host.commit(this.#group, this.topic, this.partition, next, records.length);
        position = next;
        backoff = BACKOFF_START_MS;
      } catch (e) {
        this.#host.logger.warn({ err: errorMessage(e), group: this.#group.id, topic: this.topic, partition: this.partition, offset: position, retryInMs: backoff }, 'consumer handler failed; redelivering');
        await sleep(backoff, undefined, { signal }).catch(() => undefined);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      }
    }
  }
}
