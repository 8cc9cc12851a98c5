/**
 * The booking-saga consumer (group 'saga'): booking-saga plus the booking, payment and driver events
 * the choreography check of seed 002 needs (PaymentFailed -> BookingCancelled -> driver released).
 * Keeps one saga_states row per booking (saga-batch.ts) and exports the saga metrics of
 * schema/operations/metric-names.ts. Offsets are committed after the rows are written; a replay
 * rewrites the same rows and moves no counter (a transition is counted when the stored row did not
 * have it yet).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { counterOf, histogramOf } from '../../connectors/support/metrics.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import { METRICS } from '../../schema/operations/metric-names.ts';
import { SAGA_TABLES } from '../../schema/tables/saga-tables.ts';
import { createGate } from '../landing/landing-support.ts';
import { startEventJob, type EventJob } from '../support/event-consumer.ts';
import { newDuration, processSagaBatch } from './saga-batch.ts';
import { VIOLATIONS } from './saga-fold.ts';

export const SAGA_JOB = {
  name: 'saga',
  groupId: 'saga',
  topics: [TOPICS.saga.name, TOPICS.booking.name, TOPICS.payment.name, TOPICS.driver.name],
} as const;

const SWEEP_EVERY_MS = 5_000;

/** The saga label of the metrics: the one saga of the platform. */
export const BOOKING_SAGA = 'booking';

export interface SagaJobOptions {
  readonly log: EventLog;
  readonly warehouse: Warehouse;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly maxBatchSize?: number;
  /** Event time after PaymentFailed by which the compensation must have happened. Default 2 min. */
  readonly choreographyDeadlineMs?: number;
  /** How far the event-time clock trails the newest event seen (other partitions lag). Default 30 s. */
  readonly clockLagMs?: number;
  readonly now?: () => number;
}

export async function startSagaJob(o: SagaJobOptions): Promise<EventJob> {
  const deadlineMs = o.choreographyDeadlineMs ?? 120_000;
  const lagMs = o.clockLagMs ?? 30_000;
  const now = o.now ?? Date.now;
  const logger = o.logger.child({ job: SAGA_JOB.name });
  await o.warehouse.ensureTables(SAGA_TABLES);
  const started = counterOf(o.metrics, METRICS.sagasStarted);
  const completed = counterOf(o.metrics, METRICS.sagasCompleted);
  const failed = counterOf(o.metrics, METRICS.sagasFailed);
  const duration = histogramOf(o.metrics, METRICS.sagaDuration);
  const violations = counterOf(o.metrics, METRICS.sagaChoreographyViolations);
  started.inc({ saga: BOOKING_SAGA }, 0);
  completed.inc({ saga: BOOKING_SAGA }, 0);
  for (const v of VIOLATIONS) violations.inc({ saga: BOOKING_SAGA, violation: v }, 0);
  let newest = 0;
  let sweptAt = -Infinity;
  const gate = createGate();
  return startEventJob({
    name: SAGA_JOB.name,
    groupId: SAGA_JOB.groupId,
    topics: SAGA_JOB.topics,
    log: o.log,
    logger: o.logger,
    metrics: o.metrics,
    ...(o.maxBatchSize ? { maxBatchSize: o.maxBatchSize } : {}),
    handle: (events) => gate(async () => {
      for (const p of events) if (p.event.occurred_at > newest) newest = p.event.occurred_at;
      const clock = newest - lagMs;
      // the sweep of due verdicts scans saga_states: at most once per SWEEP_EVERY_MS of event time
      const sweepDue = clock - sweptAt >= SWEEP_EVERY_MS;
      if (sweepDue) sweptAt = clock;
      const r = await processSagaBatch(events, { warehouse: o.warehouse, clock, deadlineMs, nowMs: now(), sweepDue });
      for (const t of r.transitions) {
        const b = t.before?.facts;
        const a = t.after;
        if (a.startedAt !== null && (b?.startedAt ?? null) === null) started.inc({ saga: BOOKING_SAGA });
        if (a.failedAt !== null && (b?.failedAt ?? null) === null) failed.inc({ saga: BOOKING_SAGA, reason: a.failedStep ?? 'unknown' });
        else if (a.completedAt !== null && a.failedAt === null && (b?.completedAt ?? null) === null) completed.inc({ saga: BOOKING_SAGA });
        const d = newDuration(t);
        if (d !== null) duration.observe({ saga: BOOKING_SAGA, outcome: a.failedAt !== null ? 'failed' : 'completed' }, d);
        if (t.choreography.state === 'violated' && t.before?.choreography.state !== 'violated') {
          for (const v of t.choreography.violations) violations.inc({ saga: BOOKING_SAGA, violation: v });
          logger.warn({ bookingId: a.bookingId, sagaId: a.sagaId, violations: t.choreography.violations }, 'saga choreography violated');
        }
      }
    }),
  });
}
