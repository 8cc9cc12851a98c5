/**
 * The recount's own reader of the embedded event log's files (format: connectors/embedded/
 * event-log-files.ts): dir/log/<topic>/<partition>.jsonl, one JSON line per record, a torn last line
 * (crash mid-append) ignored. Read straight from disk, so the recount sees what was really published,
 * not what a job made of it.
 *
 * `appendDuplicates` plays an at-least-once producer that re-sends records after a crash: while the
 * platform is down it appends exact copies (same key, value and headers, so the same event_id) of a
 * seeded sample of published records, at new offsets.
 */
import { appendFile, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDomainEvent, type DomainEvent } from '../../../schema/events/domain-events.ts';
import { DEAD_LETTER_HEADERS, DOMAIN_TOPICS, TOPICS } from '../../../schema/events/topics.ts';

export interface RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
}

interface StoredLine {
  readonly o: number;
  readonly k: string | null;
  readonly v: string;
  readonly h: Record<string, string>;
  readonly t: number;
}

/**
 * A producer watermark mark as the log holds it: a record with header `x-gofuture-control: watermark`
 * whose `x-gofuture-watermark` promises no later event of the partition is older (read here from the
 * headers themselves, not through the platform's helpers).
 */
export interface LoggedMark {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly watermark: number;
}

/** One valid domain event as the log holds it (first copy of its event_id, see `RawLog.events`). */
export interface LoggedEvent {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly event: DomainEvent;
}

export interface RawLog {
  /** Every record of a topic's partition, in offset order. */
  readonly partitions: ReadonlyMap<string, readonly RawRecord[]>;
  /** Valid domain events, duplicates (a repeated event_id) removed, each partition in offset order. */
  readonly events: readonly LoggedEvent[];
  /** Producer watermark marks, each partition in offset order. */
  readonly marks: readonly LoggedMark[];
  /** Valid events published after a mark of their partition but older than it (a broken promise): must be none. */
  readonly brokenPromises: readonly string[];
  /** Records that are not a valid domain event and no control record (the malformed ones). */
  readonly malformed: number;
  /** Records whose event_id was already seen (re-sent copies). */
  readonly duplicates: number;
  /** Records per topic (all, malformed and copies included). */
  readonly recordsPerTopic: ReadonlyMap<string, number>;
}

export const partitionKey = (topic: string, partition: number): string => `${topic}#${partition}`;

function logDir(eventLogDir: string, topic: string): string {
  return path.join(eventLogDir, 'log', encodeURIComponent(topic));
}

async function readPartition(file: string, topic: string, partition: number): Promise<RawRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const lines = text.split('\n');
  lines.pop(); // '' after the last newline, or a torn line
  return lines
    .filter((l) => l.length > 0)
    .map((l) => {
      const s = JSON.parse(l) as StoredLine;
      return { topic, partition, offset: s.o, key: s.k, value: s.v, headers: s.h, timestamp: s.t };
    });
}

/** Reads every domain topic's partitions from `eventLogDir` (the embedded connector's `dir`). */
export async function readRawLog(eventLogDir: string): Promise<RawLog> {
  const partitions = new Map<string, RawRecord[]>();
  const recordsPerTopic = new Map<string, number>();
  const events: LoggedEvent[] = [];
  const marks: LoggedMark[] = [];
  const brokenPromises: string[] = [];
  const seen = new Set<string>();
  let malformed = 0;
  let duplicates = 0;
  for (const spec of DOMAIN_TOPICS) {
    let total = 0;
    for (let p = 0; p < spec.partitions; p++) {
      const records = await readPartition(path.join(logDir(eventLogDir, spec.name), `${p}.jsonl`), spec.name, p);
      partitions.set(partitionKey(spec.name, p), records);
      total += records.length;
      let promised = Number.NEGATIVE_INFINITY;
      for (const r of records) {
        if (r.headers['x-gofuture-control'] !== undefined) {
          if (r.headers['x-gofuture-control'] === 'watermark') {
            const watermark = Number(r.headers['x-gofuture-watermark']);
            marks.push({ topic: r.topic, partition: r.partition, offset: r.offset, watermark });
            promised = Math.max(promised, watermark);
          }
          continue;
        }
        const parsed = parseDomainEvent(r.value);
        if (!parsed.ok) {
          malformed++;
          continue;
        }
        if (seen.has(parsed.event.event_id)) {
          duplicates++;
          continue;
        }
        seen.add(parsed.event.event_id);
        if (parsed.event.occurred_at < promised) brokenPromises.push(`${partitionKey(r.topic, r.partition)}@${r.offset}: occurred_at ${parsed.event.occurred_at} < mark ${promised}`);
        events.push({ topic: r.topic, partition: r.partition, offset: r.offset, event: parsed.event });
      }
    }
    recordsPerTopic.set(spec.name, total);
  }
  return { partitions, events, marks, brokenPromises, malformed, duplicates, recordsPerTopic };
}

export interface DeadLetterRecord {
  readonly code: string;
  readonly stage: string;
  /** `topic#partition@offset` of the record that was dead-lettered. */
  readonly source: string;
}

/** The dead-letter topic's records, with where each came from and why. */
export async function readDeadLetters(eventLogDir: string): Promise<DeadLetterRecord[]> {
  const out: DeadLetterRecord[] = [];
  for (let p = 0; p < TOPICS.deadLetter.partitions; p++) {
    const records = await readPartition(path.join(logDir(eventLogDir, TOPICS.deadLetter.name), `${p}.jsonl`), TOPICS.deadLetter.name, p);
    for (const r of records) {
      const h = r.headers;
      out.push({
        code: h[DEAD_LETTER_HEADERS.reasonCode] ?? '',
        stage: h[DEAD_LETTER_HEADERS.stage] ?? '',
        source: `${partitionKey(h[DEAD_LETTER_HEADERS.sourceTopic] ?? '', Number(h[DEAD_LETTER_HEADERS.sourcePartition]))}@${h[DEAD_LETTER_HEADERS.sourceOffset] ?? ''}`,
      });
    }
  }
  return out;
}

/** A small deterministic PRNG (mulberry32) for the test's own choices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Appends copies of a seeded sample of each domain partition's records (`share` of them, plus the
 * last `tail` records, which a producer that crashed would re-send first). The platform must be down.
 * Returns how many copies were appended.
 */
export async function appendDuplicates(eventLogDir: string, seed: number, share: number, tail: number): Promise<number> {
  const random = seededRandom(seed);
  const dirs = new Set(await readdir(path.join(eventLogDir, 'log')));
  let appended = 0;
  for (const spec of DOMAIN_TOPICS) {
    if (!dirs.has(encodeURIComponent(spec.name))) continue;
    for (let p = 0; p < spec.partitions; p++) {
      const file = path.join(logDir(eventLogDir, spec.name), `${p}.jsonl`);
      const records = await readPartition(file, spec.name, p);
      const last = records.at(-1);
      if (!last) continue;
      const picked = records.filter((r, i) => i >= records.length - tail || random() < share);
      let next = last.offset + 1;
      const lines = picked.map((r) => `${JSON.stringify({ o: next++, k: r.key, v: r.value, h: r.headers, t: Date.now() } satisfies StoredLine)}\n`);
      await appendFile(file, lines.join(''), 'utf8');
      appended += lines.length;
    }
  }
  return appended;
}
