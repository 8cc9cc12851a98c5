/**
 * On-disk form of the embedded event log (when a `dir` is configured):
 *   dir/topics.json                       topic specs (write-temp + rename)
 *   dir/offsets.json                      committed offsets per group, topic, partition (write-temp + rename)
 *   dir/log/<topic>/<partition>.jsonl     one JSON line per record, appended
 * A torn last line (crash mid-append) is dropped on load.
 */
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopicSpec } from '../../schema/events/topics.ts';
import type { LogRecord } from '../contracts/event-log.ts';

/** group -> topic -> partition -> next offset to read. */
export type OffsetsSnapshot = Record<string, Record<string, Record<string, number>>>;

interface StoredRecord {
  readonly o: number;
  readonly k: string | null;
  readonly v: string;
  readonly h: Record<string, string>;
  readonly t: number;
}

export function recordLine(r: LogRecord): string {
  const s: StoredRecord = { o: Number(r.offset), k: r.key, v: r.value, h: r.headers, t: r.timestamp };
  return `${JSON.stringify(s)}\n`;
}

const enc = encodeURIComponent;

async function readJson<T>(path: string, empty: T): Promise<T> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return empty;
    throw e;
  }
}

/** Writes `path` so a reader sees the old or the new content, never half of it. */
async function writeAtomic(path: string, text: string, fsync: boolean): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(text, 'utf8');
    if (fsync) await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

export class EventLogFiles {
  readonly #dir: string;
  readonly #fsync: boolean;
  readonly #handles = new Map<string, FileHandle>();
  #offsetsWrite: Promise<void> = Promise.resolve();
  #offsetsNext: (() => OffsetsSnapshot) | null = null;
  #offsetsWaiting: Promise<void> | null = null;

  constructor(dir: string, fsync: boolean) {
    this.#dir = dir;
    this.#fsync = fsync;
  }

  async open(): Promise<void> {
    await mkdir(join(this.#dir, 'log'), { recursive: true });
  }

  loadTopics(): Promise<Record<string, TopicSpec>> {
    return readJson(join(this.#dir, 'topics.json'), {});
  }

  async saveTopics(topics: Record<string, TopicSpec>): Promise<void> {
    await writeAtomic(join(this.#dir, 'topics.json'), JSON.stringify(topics, null, 1), this.#fsync);
  }

  loadOffsets(): Promise<OffsetsSnapshot> {
    return readJson(join(this.#dir, 'offsets.json'), {});
  }

  /**
   * Persists the offsets `snapshot()` returns at write time. Calls while a write is in flight are
   * coalesced into one next write, which still reflects every commit made before it starts.
   */
  saveOffsets(snapshot: () => OffsetsSnapshot): Promise<void> {
    this.#offsetsNext = snapshot;
    this.#offsetsWaiting ??= this.#offsetsWrite.then(async () => {
      this.#offsetsWaiting = null;
      const take = this.#offsetsNext;
      this.#offsetsNext = null;
      if (take) await writeAtomic(join(this.#dir, 'offsets.json'), JSON.stringify(take()), this.#fsync);
    });
    this.#offsetsWrite = this.#offsetsWaiting.catch(() => undefined);
    return this.#offsetsWaiting;
  }

  /** Reads a partition's records; keeps at most the last `keep` of them (the file is compacted when it holds far more). */
  async loadPartition(topic: string, partition: number, keep: number): Promise<LogRecord[]> {
    const path = this.#partitionPath(topic, partition);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const lines = text.split('\n');
    const torn = lines.pop() !== ''; // the text after the last newline: '' unless a write was cut short
    const all = lines.filter((l) => l.length > 0);
    const kept = all.slice(Math.max(0, all.length - keep));
    const records = kept.map((line): LogRecord => {
      const s = JSON.parse(line) as StoredRecord;
      return Object.freeze({ topic, partition, offset: String(s.o), key: s.k, value: s.v, headers: Object.freeze(s.h), timestamp: s.t });
    });
    if (torn || all.length > 2 * keep) await writeAtomic(path, kept.map((l) => `${l}\n`).join(''), this.#fsync);
    return records;
  }

  /** Appends lines to a partition file; the caller serialises appends per partition. */
  async append(topic: string, partition: number, text: string): Promise<void> {
    const key = `${topic}/${partition}`;
    let fh = this.#handles.get(key);
    if (!fh) {
      await mkdir(join(this.#dir, 'log', enc(topic)), { recursive: true });
      fh = await open(this.#partitionPath(topic, partition), 'a');
      this.#handles.set(key, fh);
    }
    await fh.appendFile(text, 'utf8');
    if (this.#fsync) await fh.datasync();
  }

  async close(): Promise<void> {
    await this.#offsetsWrite;
    const hs = [...this.#handles.values()];
    this.#handles.clear();
    await Promise.all(hs.map((h) => h.close()));
  }

  #partitionPath(topic: string, partition: number): string {
    return join(this.#dir, 'log', enc(topic), `${partition}.jsonl`);
  }
}
