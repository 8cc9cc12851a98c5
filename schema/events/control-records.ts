/**
 * Control records: records a producer writes into a domain topic that are not domain events and
 * that every consumer skips (never parsed as an event, never dead-lettered), the way Kafka's own
 * transaction markers are invisible to applications. They are told apart by a header, so a consumer
 * never has to decode a value to know.
 *
 * One kind exists: the producer WATERMARK (a "punctuation" in stream-processing terms). A producer
 * that writes `watermark = W` into a partition promises that it will publish no further event into
 * that partition whose `occurred_at` is below W (events it holds back to publish late included).
 * The stream aggregation uses it so a quiet partition (a region that books once every few minutes
 * at night) stops holding the job watermark back, deterministically: the mark is a record in the
 * partition's own order, so a replay after a crash sees it at the same place, and because the
 * promise covers every later event of the partition, no event that the partition's own lateness
 * rule accepts can fall into a window the mark let close. Lateness itself stays decided by the
 * valid events alone (a recount that ignores control records finds the same late events).
 */

/** Header that marks a control record; its value names the kind. */
export const CONTROL_HEADER = 'x-gofuture-control';
/** Header holding a watermark record's promise, epoch ms as a decimal string. */
export const WATERMARK_HEADER = 'x-gofuture-watermark';
export const WATERMARK_CONTROL = 'watermark';

export interface ControlRecordLike {
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** A watermark record for the partition `key` hashes to (value: the same facts as JSON, for people reading the log). */
export function watermarkRecord(key: string, producer: string, watermarkMs: number): {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
} {
  const ms = Math.floor(watermarkMs);
  return {
    key,
    value: JSON.stringify({ control: WATERMARK_CONTROL, producer, watermark: ms, watermark_at: new Date(ms).toISOString() }),
    headers: { [CONTROL_HEADER]: WATERMARK_CONTROL, [WATERMARK_HEADER]: String(ms) },
  };
}

/** True for any control record (whatever its kind): consumers skip it. */
export function isControlRecord(r: ControlRecordLike): boolean {
  return r.headers?.[CONTROL_HEADER] !== undefined;
}

/** The promise of a watermark record, or null for a domain record or a malformed mark. */
export function watermarkOf(r: ControlRecordLike): number | null {
  if (r.headers?.[CONTROL_HEADER] !== WATERMARK_CONTROL) return null;
  const text = r.headers[WATERMARK_HEADER];
  if (text === undefined || !/^-?\d+$/.test(text)) return null;
  const ms = Number(text);
  return Number.isSafeInteger(ms) ? ms : null;
}

/** Keys a producer can use to reach every partition of a key-partitioned topic (found with the log's partitioner). */
export const watermarkKeyCandidate = (i: number): string => `~watermark-${i}`;
