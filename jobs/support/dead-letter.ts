/** Sends records no stage could process to the dead-letter topic, with the reason in headers. */
import { DEAD_LETTER_HEADERS, TOPICS } from '../../schema/events/topics.ts';
import type { ErrorCode } from '../../schema/errors.ts';
import type { EventLog, LogRecord } from '../../connectors/contracts/event-log.ts';

export interface DeadLetter {
  readonly record: LogRecord;
  readonly code: ErrorCode;
  readonly reason: string;
  /** The job that gave up on it. */
  readonly stage: string;
}

export async function sendToDeadLetter(log: EventLog, letters: readonly DeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  await log.publish(
    TOPICS.deadLetter.name,
    letters.map((l) => ({
      key: l.record.topic,
      value: l.record.value,
      headers: {
        ...l.record.headers,
        [DEAD_LETTER_HEADERS.sourceTopic]: l.record.topic,
        [DEAD_LETTER_HEADERS.sourcePartition]: String(l.record.partition),
        [DEAD_LETTER_HEADERS.sourceOffset]: l.record.offset,
        [DEAD_LETTER_HEADERS.reasonCode]: l.code,
        [DEAD_LETTER_HEADERS.reason]: l.reason.slice(0, 1000),
        [DEAD_LETTER_HEADERS.stage]: l.stage,
      },
    })),
  );
}
