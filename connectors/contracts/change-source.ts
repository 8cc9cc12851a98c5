/**
 * ChangeSource (CDC): an initial snapshot (op 'r'), then a stream of changes, as Debezium envelopes,
 * resumable from the last confirmed position. Implementations: PostgreSQL logical replication
 * (pgoutput, persistent slot + publication), and Debezium JSON topics written by Kafka Connect.
 */
import type { DebeziumEnvelope } from '../../schema/events/debezium.ts';
import type { Connector } from './connector.ts';

export interface ChangeBatch {
  readonly changes: readonly DebeziumEnvelope[];
  /** Changes the source could not turn into envelopes (unknown op, malformed): dead-letter them. */
  readonly invalid: readonly { readonly raw: string; readonly reason: string }[];
  /** Opaque position just after this batch (an LSN, or topic offsets). */
  readonly position: string;
}

export interface ChangeStreamHandle {
  stop(): Promise<void>;
  /** The last position the handler confirmed. */
  confirmedPosition(): string | null;
}

export interface ChangeSource extends Connector {
  readonly capability: 'changeSource';
  /**
   * Snapshot first if this source has never confirmed a position, then stream. A batch's position
   * is confirmed only after `handler` resolves; after a restart streaming resumes there, so nothing
   * confirmed is delivered again and nothing unconfirmed is lost.
   */
  stream(handler: (batch: ChangeBatch) => Promise<void>): Promise<ChangeStreamHandle>;
}
