/**
 * Small pure helpers the landing jobs share: typed reads of warehouse rows, the row version that
 * carries which facts a row holds, the event-time sanity rule, mapping rejected rows back to the
 * records that produced them, and a one-at-a-time gate for handlers that read-modify-write.
 */
import type { LogRecord } from '../../connectors/contracts/event-log.ts';
import type { RejectedRow, Row } from '../../connectors/contracts/warehouse.ts';
import type { DeadLetter } from '../support/dead-letter.ts';

// ---- typed reads of a warehouse row (values come back as string | number | boolean | null) ----

export function str(row: Row, col: string, fallback = ''): string {
  const v = row[col];
  return v === null || v === undefined ? fallback : String(v);
}

export function optStr(row: Row, col: string): string | null {
  const v = row[col];
  return v === null || v === undefined ? null : String(v);
}

export function num(row: Row, col: string, fallback = 0): number {
  const v = row[col];
  if (v === null || v === undefined || v === '') return fallback;
  const n = Number(v);
  return Number.isFinite(n) ? n : fallback;
}

export function optNum(row: Row, col: string): number | null {
  const v = row[col];
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

// ---- row version: event time of the newest applied event, and a bit per applied fact ----

/**
 * `version = newestEventTime * 100 + factBits` (factBits < 100). Merging only ever adds facts (bits
 * OR, a strictly larger number) or raises the newest event time, so the version grows with every
 * state change and never shrinks; replaying the same events yields the same version. The bits also
 * tell a later merge which facts the stored row already holds (e.g. that a price was applied).
 */
export const VERSION_FACT_SLOTS = 100;

export function encodeVersion(newestAt: number, bits: number): number {
  if (bits < 0 || bits >= VERSION_FACT_SLOTS) throw new RangeError(`fact bits ${bits} out of range`);
  return newestAt * VERSION_FACT_SLOTS + bits;
}

export function decodeVersion(version: number): { newestAt: number; bits: number } {
  const v = Math.max(0, Math.trunc(version));
  return { newestAt: Math.floor(v / VERSION_FACT_SLOTS), bits: v % VERSION_FACT_SLOTS };
}

// ---- versions of latest-wins rows (drivers, ratings) ----

/** Slots for the event-id tie-break under one millisecond (see `eventVersion`). */
export const TIE_SLOTS = 1000;

/** FNV-1a of the event id, in [0, TIE_SLOTS): a deterministic tie-break independent of arrival. */
export function tieBreak(eventId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i++) {
    h ^= eventId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % TIE_SLOTS;
}

/**
 * The version of a row that holds the latest event of its key: event time, then the event id's
 * tie-break. Two different events of one key in the same millisecond resolve the same way in any
 * arrival order (barring a 1-in-1000 hash tie); a duplicate (same event id) has the same version.
 */
export function eventVersion(occurredAt: number, eventId: string): number {
  return occurredAt * TIE_SLOTS + tieBreak(eventId);
}

// ---- event time ----

/** How far ahead of the wall clock an event's occurred_at may be (producer clock skew). */
export const MAX_FUTURE_SKEW_MS = 60 * 60 * 1000;

/**
 * Why an event time cannot be used, or null. Events from the future would poison event-time windows
 * (and beyond ~year 4700 overflow the row version), so they are dead-lettered instead.
 */
export function eventTimeProblem(occurredAt: number, nowMs: number): string | null {
  if (occurredAt > nowMs + MAX_FUTURE_SKEW_MS) {
    return `occurred_at ${occurredAt} is more than ${MAX_FUTURE_SKEW_MS} ms ahead of the clock (${nowMs})`;
  }
  return null;
}

// ---- rejected rows -> dead letters ----

/**
 * Dead letters for rows the warehouse refused: each rejected row is mapped by its key column back to
 * every record that contributed to it, with the engine's message as the reason.
 */
export function rejectedRowLetters(
  rejected: readonly RejectedRow[],
  keyColumn: string,
  recordsByKey: ReadonlyMap<string, readonly LogRecord[]>,
  stage: string,
): DeadLetter[] {
  const out: DeadLetter[] = [];
  const seen = new Set<LogRecord>();
  for (const r of rejected) {
    const key = str(r.row, keyColumn);
    for (const record of recordsByKey.get(key) ?? []) {
      if (seen.has(record)) continue;
      seen.add(record);
      out.push({ record, code: 'WAREHOUSE_ROW_REJECTED', reason: `${keyColumn} ${key}: ${r.reason}`, stage });
    }
  }
  return out;
}

/** Appends `record` to the list under `key`. */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

// ---- one handler at a time ----

/**
 * Runs tasks one at a time in submission order. Jobs whose handlers read-modify-write shared rows
 * (two topics feeding one trips row) use it so two partitions' batches never interleave in-process.
 */
export function createGate(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const result = tail.then(task, task);
    tail = result.catch(() => undefined);
    return result;
  };
}
