/**
 * The shape of every stream job: consume domain events of some topics in a consumer group, parse
 * and validate each record, dead-letter the invalid ones with a reason, hand the valid ones to the
 * job in partition order. Offsets are committed by the EventLog only after `handle` resolved and
 * the dead letters are durable, so a crash re-delivers (jobs are idempotent by event id / version).
 * Control records (schema/events/control-records.ts) are no events: skipped, never dead-lettered;
 * a job that wants producer watermarks gets them through `onWatermark`, after the batch's events.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { parseDomainEvent, type DomainEvent } from '../../schema/events/domain-events.ts';
import { isControlRecord, watermarkOf } from '../../schema/events/control-records.ts';
import type { ConsumerHandle, EventLog, LogRecord } from '../../connectors/contracts/event-log.ts';
import { counterOf, gaugeOf } from '../../connectors/support/metrics.ts';
import { METRICS } from '../../schema/operations/metric-names.ts';
import { sendToDeadLetter, type DeadLetter } from './dead-letter.ts';

export interface ParsedRecord {
  readonly record: LogRecord;
  readonly event: DomainEvent;
}

export interface EventJobOptions {
  readonly name: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly log: EventLog;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly maxBatchSize?: number;
  /**
   * Processes one partition's valid events in order. May return further dead letters (records
   * it judged invalid for its own reasons: late, inconsistent); they are published before commit.
   */
  readonly handle: (events: readonly ParsedRecord[]) => Promise<readonly DeadLetter[] | void>;
  /**
   * The highest producer watermark among one partition's batch (schema/events/control-records.ts),
   * called after `handle` resolved for that batch's events and before its offsets are committed.
   */
  readonly onWatermark?: (topic: string, partition: number, watermarkMs: number, lastOffset: string) => Promise<void>;
}

export interface EventJob {
  readonly name: string;
  stop(): Promise<void>;
  readonly stats: { processed: number; deadLettered: number };
}

export async function startEventJob(o: EventJobOptions): Promise<EventJob> {
  const processed = counterOf(o.metrics, METRICS.jobEventsIn);
  const out = counterOf(o.metrics, METRICS.jobEventsOut);
  const dead = counterOf(o.metrics, METRICS.deadLetters);
  gaugeOf(o.metrics, METRICS.jobConsumerGroup).set({ job: o.name, group: o.groupId }, 1);
  // series exist from the start at 0, so rate() sees the first events (a counter born at 100 has no rate)
  processed.inc({ job: o.name }, 0);
  out.inc({ job: o.name }, 0);
  dead.inc({ job: o.name, code: 'EVENT_INVALID' }, 0);
  const stats = { processed: 0, deadLettered: 0 };
  const logger = o.logger.child({ job: o.name });
  const handle: ConsumerHandle = await o.log.consume({
    groupId: o.groupId,
    topics: o.topics,
    ...(o.maxBatchSize ? { maxBatchSize: o.maxBatchSize } : {}),
    handler: async (batch) => {
      const valid: ParsedRecord[] = [];
      const letters: DeadLetter[] = [];
      let mark: { ms: number; offset: string } | null = null;
      for (const record of batch.records) {
        if (isControlRecord(record)) {
          const ms = watermarkOf(record);
          if (ms !== null && (mark === null || ms > mark.ms)) mark = { ms, offset: record.offset };
          continue;
        }
        const r = parseDomainEvent(record.value);
        if (r.ok) valid.push({ record, event: r.event });
        else letters.push({ record, code: 'EVENT_INVALID', reason: r.reason, stage: o.name });
      }
      const more = valid.length > 0 ? await o.handle(valid) : undefined;
      if (more) letters.push(...more);
      if (mark && o.onWatermark) await o.onWatermark(batch.topic, batch.partition, mark.ms, mark.offset);
      await sendToDeadLetter(o.log, letters);
      for (const l of letters) {
        dead.inc({ job: o.name, code: l.code });
        logger.warn({ topic: l.record.topic, partition: l.record.partition, offset: l.record.offset, code: l.code, reason: l.reason }, 'dead-lettered');
      }
      stats.processed += batch.records.length;
      stats.deadLettered += letters.length;
      processed.inc({ job: o.name }, batch.records.length);
      out.inc({ job: o.name }, Math.max(0, batch.records.length - letters.length));
    },
  });
  logger.info({ topics: o.topics, groupId: o.groupId }, 'job started');
  return {
    name: o.name,
    stats,
    stop: async () => {
      await handle.stop();
      logger.info(stats, 'job stopped');
    },
  };
}
