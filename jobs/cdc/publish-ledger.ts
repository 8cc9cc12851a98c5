/**
 * What the CDC job has already published, so what the source re-sends after a crash is not published
 * twice (exactly-once publishing without Kafka transactions). Our records are those whose
 * `x-cdc-source` is this job's source; per (topic, partition) the ledger keeps:
 *
 * - the HIGH-WATER MARK: the greatest `x-cdc-seq` among our records. Why "seq <= mark means it is in
 *   the log": one job publishes a source's batches one at a time, each only after the previous one is
 *   durable, and the producer keeps order within a partition (Kafka: idempotent producer, one request
 *   in flight, a partition's record batch appended whole), so a partition receives our records in seq
 *   order, and whatever we sent with a seq at or below the last one of ours there is there.
 * - the WINDOW: the `x-cdc-change` ids of our records whose position (seq >> 32) is above the
 *   source's confirmed position (all of ours while nothing is confirmed: an unfinished snapshot).
 *   Only those changes can be sent again, and each keeps its id when it is, so:
 *
 * A record is skipped when its id is in its topic's window ('identity'), or, where the window of its
 * partition may be incomplete, when its seq is <= the partition's mark ('sequence'). The window
 * decides first because a seq is not stable across a redelivery: the slot re-sends transactions
 * merged into batches differently, so a re-sent change can get a greater seq (a duplicate by the mark
 * alone) or, when a batch is split, a smaller one (safe by the mark only if every publish call landed
 * whole in each partition, which an embedded log killed mid-append does not promise). A snapshot redone
 * at a new consistent point is recognised by content ids the same way (change-sequence.ts).
 *
 * Loaded per topic on first use in this process from the log: `endOffsets`, then each partition read
 * backwards from the end (64 records, then larger chunks) until a record of ours at or below the
 * confirmed position (the window is then complete: a record at or below it is never followed by a
 * re-sendable one that is missing from the scan), the beginning, or `windowMax` records (incomplete).
 * A partition with none of ours in its last 4096 records has no mark and an incomplete window. Then
 * kept up to date from successful publishes only, and pruned as the source confirms. After a failed
 * publish (it may have landed in some partitions) the topics' tails are read again before the retry.
 *
 * Memory: the window holds the ids of records not confirmed yet: about one batch while streaming, the
 * snapshot published so far while a snapshot runs (it is confirmed only at its end).
 *
 * Assumption: ONE job instance per source writes these records. Other writers' records in the same
 * partitions are ignored; where they hide ours the result can be a duplicate, never a loss.
 */
import type { Logger } from 'pino';
import type { EventLog, LogRecord, ProducerRecord } from '../../connectors/contracts/event-log.ts';
import { CDC_HEADERS, seqPosition } from './change-sequence.ts';

export interface LedgerItem {
  readonly topic: string;
  readonly record: ProducerRecord;
  readonly seq: bigint;
  readonly id: string;
}

export interface PlacedItem extends LedgerItem {
  readonly partition: number;
}

export interface LedgerFilter {
  readonly publish: readonly PlacedItem[];
  readonly skippedBySeq: number;
  readonly skippedById: number;
}

export interface PublishLedgerOptions {
  readonly log: EventLog;
  readonly sourceId: string;
  readonly logger: Logger;
  /** Records read back per partition at most (beyond: the window is incomplete, the mark decides). Default 100 000. */
  readonly windowMax?: number;
  /** Partitions read in parallel (a Kafka read is a consumer-group join: latency, not load). Default 48. */
  readonly concurrency?: number;
}

interface TopicState {
  readonly marks: Map<number, bigint>;
  /** Partitions whose window may miss some of our re-sendable records. */
  readonly incomplete: Set<number>;
  /** id -> seq of our records the source has not confirmed. */
  readonly recent: Map<string, bigint>;
  /** Set after a failed publish: our records with seq >= this may have landed; read them before the next use. */
  failedFloor: bigint | null;
}

const TAIL = 64n;
const MAX_CHUNK = 4096n;
/** Without a record of ours among this many at the end, a partition is taken as not ours. */
const FOREIGN_LIMIT = 4096n;

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class PublishLedger {
  readonly #o: PublishLedgerOptions;
  readonly #topics = new Map<string, TopicState>();

  constructor(o: PublishLedgerOptions) {
    this.#o = o;
  }

  #ours(r: LogRecord): { seq: bigint; id: string } | null {
    if (r.headers[CDC_HEADERS.source] !== this.#o.sourceId) return null;
    const s = r.headers[CDC_HEADERS.seq];
    if (s === undefined || !/^\d+$/.test(s)) return null;
    return { seq: BigInt(s), id: r.headers[CDC_HEADERS.change] ?? '' };
  }

  /**
   * Loads the topics not loaded yet (`confirmed`: the source's confirmed position when this process
   * started, null when nothing is confirmed) and re-reads the tails of topics with a failed publish.
   */
  async prepare(topics: Iterable<string>, confirmed: bigint | null): Promise<void> {
    const todo = [...new Set(topics)].filter((t) => { const s = this.#topics.get(t); return !s || s.failedFloor !== null; });
    if (todo.length === 0) return;
    const started = Date.now();
    const parts: { topic: string; partition: number; end: bigint; state: TopicState; take: (seq: bigint) => boolean; reload: boolean }[] = [];
    for (const topic of todo) {
      const ends = await this.#o.log.endOffsets(topic);
      const old = this.#topics.get(topic);
      const state: TopicState = old ?? { marks: new Map(), incomplete: new Set(), recent: new Map(), failedFloor: null };
      const floor = old?.failedFloor ?? null;
      const take = floor !== null ? (seq: bigint) => seq >= floor : (seq: bigint) => confirmed === null || seqPosition(seq) > confirmed;
      for (const [p, e] of Object.entries(ends)) if (BigInt(e) > 0n) parts.push({ topic, partition: Number(p), end: BigInt(e), state, take, reload: floor !== null });
      state.failedFloor = null;
      this.#topics.set(topic, state);
    }
    await mapLimit(parts, this.#o.concurrency ?? 48, (x) => this.#scan(x.topic, x.partition, x.end, x.state, x.take, x.reload));
    this.#o.logger.debug({ topics: todo.length, partitions: parts.length, window: this.recentSize(), ms: Date.now() - started }, 'publish ledger loaded');
  }

  /**
   * Reads a partition backwards from `end`: its mark, and the ids of ours that `take` wants in the
   * window, until one of ours it does not want. `reload`: after a failed publish (completeness kept).
   */
  async #scan(topic: string, partition: number, end: bigint, state: TopicState, take: (seq: bigint) => boolean, reload: boolean): Promise<void> {
    const windowMax = BigInt(this.#o.windowMax ?? 100_000);
    let hi = end;
    let chunk = TAIL;
    let complete = false;
    let sawOurs = false;
    while (!complete) {
      const lo = hi > chunk ? hi - chunk : 0n;
      const records = await this.#o.log.read(topic, partition, lo.toString(), Number(hi - lo));
      for (let i = records.length - 1; i >= 0 && !complete; i--) {
        const r = records[i] as LogRecord;
        if (BigInt(r.offset) >= hi) continue;
        const ours = this.#ours(r);
        if (!ours) continue;
        sawOurs = true;
        const mark = state.marks.get(partition);
        if (mark === undefined || ours.seq > mark) state.marks.set(partition, ours.seq);
        if (!take(ours.seq)) complete = true; // at or below what the window needs: everything re-sendable is after it
        else if (ours.id !== '') state.recent.set(ours.id, ours.seq);
      }
      const first = records[0];
      if (lo === 0n || !first || BigInt(first.offset) > lo) complete = true; // the beginning (or retention's)
      if (complete) break;
      if (end - lo >= windowMax || (!sawOurs && end - lo >= FOREIGN_LIMIT)) {
        if (sawOurs) this.#o.logger.warn({ topic, partition, records: (end - lo).toString() }, 'cdc publish ledger: window longer than windowMax; the high-water mark decides beyond it');
        break;
      }
      hi = lo;
      chunk = chunk * 8n > MAX_CHUNK ? MAX_CHUNK : chunk * 8n;
    }
    if (reload) return;
    if (complete) state.incomplete.delete(partition);
    else state.incomplete.add(partition);
  }

  /** Where each item goes, and which are already in the log. Topics must be prepared. */
  async filter(items: readonly LedgerItem[]): Promise<LedgerFilter> {
    const publish: PlacedItem[] = [];
    let skippedBySeq = 0;
    let skippedById = 0;
    for (const item of items) {
      const partition = await this.#o.log.partitionFor(item.topic, item.record.key);
      const state = this.#topics.get(item.topic);
      const mark = state?.marks.get(partition);
      if (state?.recent.has(item.id)) skippedById++;
      else if (state?.incomplete.has(partition) && mark !== undefined && item.seq <= mark) skippedBySeq++;
      else publish.push({ ...item, partition });
    }
    return { publish, skippedBySeq, skippedById };
  }

  /** Records published successfully: marks move up, ids join the window. */
  published(items: readonly PlacedItem[]): void {
    for (const item of items) {
      const state = this.#topics.get(item.topic);
      if (!state) continue;
      const mark = state.marks.get(item.partition);
      if (mark === undefined || item.seq > mark) state.marks.set(item.partition, item.seq);
      state.recent.set(item.id, item.seq);
    }
  }

  /** A publish of these items failed: their topics' tails are read again before the next use. */
  failed(items: readonly LedgerItem[]): void {
    for (const item of items) {
      const state = this.#topics.get(item.topic);
      if (state && (state.failedFloor === null || item.seq < state.failedFloor)) state.failedFloor = item.seq;
    }
  }

  /** Drops window ids the source has confirmed (their changes are never sent again). */
  prune(confirmed: bigint): void {
    for (const state of this.#topics.values()) {
      for (const [id, seq] of state.recent) if (seqPosition(seq) <= confirmed) state.recent.delete(id);
    }
  }

  /** Window size over all topics (tests, logs). */
  recentSize(): number {
    let n = 0;
    for (const s of this.#topics.values()) n += s.recent.size;
    return n;
  }
}
