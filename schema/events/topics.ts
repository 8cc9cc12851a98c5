/**
 * Kafka topics of seed 002 (event platform): partition counts, keys, retention and compression.
 * The embedded event log and the Kafka connector create exactly these.
 */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** The field of the event's `data` (or the envelope) the record is keyed by. */
  readonly keyField: string;
  readonly retentionMs: number;
  readonly compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
}

const DAY = 24 * 60 * 60 * 1000;

export const TOPICS = {
  booking: { name: 'booking-events', partitions: 12, keyField: 'region_id', retentionMs: 7 * DAY, compression: 'none' },
  driver: { name: 'driver-events', partitions: 24, keyField: 'driver_id', retentionMs: 3 * DAY, compression: 'gzip' },
  payment: { name: 'payment-events', partitions: 6, keyField: 'user_id', retentionMs: 30 * DAY, compression: 'none' },
  pricing: { name: 'pricing-events', partitions: 12, keyField: 'region_id', retentionMs: 7 * DAY, compression: 'none' },
  saga: { name: 'booking-saga', partitions: 6, keyField: 'booking_id', retentionMs: 7 * DAY, compression: 'none' },
  /**
   * Ground truth of the simulated city (schema/events/fraud-labels.ts): one label per payment saying
   * whether it was fraud (seed 001 `is_fraud`). Not a domain topic: no landing job reads it; it is
   * the label source of fraud training. Keyed like payment-events, so labels co-partition with them.
   */
  fraudLabels: { name: 'fraud-labels', partitions: 6, keyField: 'user_id', retentionMs: 30 * DAY, compression: 'none' },
  /** Records no consumer could process, with the reason in headers. Keyed by the source topic. */
  deadLetter: { name: 'dead-letter', partitions: 3, keyField: 'source_topic', retentionMs: 30 * DAY, compression: 'none' },
} as const satisfies Record<string, TopicSpec>;

export const DOMAIN_TOPICS: readonly TopicSpec[] = [TOPICS.booking, TOPICS.driver, TOPICS.payment, TOPICS.pricing, TOPICS.saga];
export const ALL_TOPICS: readonly TopicSpec[] = [...DOMAIN_TOPICS, TOPICS.fraudLabels, TOPICS.deadLetter];

/** Headers every dead-lettered record carries. */
export const DEAD_LETTER_HEADERS = {
  sourceTopic: 'x-dlq-source-topic',
  sourcePartition: 'x-dlq-source-partition',
  sourceOffset: 'x-dlq-source-offset',
  reasonCode: 'x-dlq-reason-code',
  reason: 'x-dlq-reason',
  stage: 'x-dlq-stage',
} as const;
