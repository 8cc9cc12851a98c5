/** One partition of the embedded event log: records in offset order, bounded, with wake-ups for consumers. */
import type { LogRecord } from '../contracts/event-log.ts';
import { SerialQueue } from './serial-queue.ts';

export class Partition {
  readonly topic: string;
  readonly index: number;
  /** Appends to the partition file, one at a time, in offset order. */
  readonly writes = new SerialQueue();
  /** Set when an append to the partition file failed: later appends fail too (the file may end torn). */
  failure: Error | null = null;
  readonly #max: number;
  #records: LogRecord[] = [];
  /** Offset of #records[0] (older records were dropped past the size bound). */
  #base = 0;
  #waiters = new Set<() => void>();

  constructor(topic: string, index: number, maxRecords: number, loaded: readonly LogRecord[] = []) {
    this.topic = topic;
    this.index = index;
    this.#max = maxRecords;
    loaded.forEach((r, i) => {
      if (i > 0 && Number(r.offset) !== Number(loaded[i - 1]!.offset) + 1) {
        throw new Error(`${topic}/${index}: offsets jump from ${loaded[i - 1]!.offset} to ${r.offset} in the stored log`);
      }
    });
    const first = loaded[0];
    if (first) {
      this.#base = Number(first.offset);
      this.#records = loaded.slice();
    }
  }

  /** The oldest offset still held. */
  get base(): number {
    return this.#base;
  }

  /** The offset the next visible record gets (high watermark). */
  get end(): number {
    return this.#base + this.#records.length;
  }

  /** Makes records visible (they must continue the offsets) and wakes waiting consumers. */
  append(records: readonly LogRecord[]): void {
    for (const r of records) this.#records.push(r);
    const over = this.#records.length - this.#max;
    if (over > Math.max(1, this.#max / 10)) {
      this.#records.splice(0, over);
      this.#base += over;
    }
    const ws = [...this.#waiters];
    this.#waiters.clear();
    for (const w of ws) w();
  }

  /** Up to `max` records from `from` (or from the oldest held record if `from` was dropped). */
  slice(from: number, max: number): LogRecord[] {
    const start = Math.max(from, this.#base) - this.#base;
    return this.#records.slice(start, start + max);
  }

  /** Resolves once a record at or after `offset` is visible, or when `signal` aborts. */
  waitBeyond(offset: number, signal: AbortSignal): Promise<void> {
    if (this.end > offset || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
