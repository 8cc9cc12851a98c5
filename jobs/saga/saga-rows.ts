/** saga_states rows <-> SagaFacts (schema/tables/saga-tables.ts). */
import type { Row } from '../../connectors/contracts/warehouse.ts';
import { num, optNum, optStr, str } from '../landing/landing-support.ts';
import { checkChoreography, emptyFacts, endedAt, lastStep, sagaStatus, sagaVersion, type Choreography, type SagaFacts } from './saga-fold.ts';

export interface StoredSaga {
  readonly facts: SagaFacts;
  readonly choreography: Choreography;
  readonly version: number;
}

function parseSteps(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    const list: unknown = JSON.parse(text);
    if (Array.isArray(list)) {
      for (const x of list) {
        if (x && typeof x === 'object' && typeof (x as { step?: unknown }).step === 'string' && typeof (x as { at?: unknown }).at === 'number') {
          out[(x as { step: string }).step] = (x as { at: number }).at;
        }
      }
    }
  } catch {
    // an unreadable steps column reads as no steps; the next events of the saga refill it
  }
  return out;
}

export function sagaFromRow(row: Row): StoredSaga {
  const f = emptyFacts(str(row, 'booking_id'));
  f.sagaId = optStr(row, 'saga_id');
  f.startedAt = optNum(row, 'started_at');
  f.steps = parseSteps(str(row, 'steps', '[]'));
  f.completedAt = optNum(row, 'completed_at');
  f.failedAt = optNum(row, 'failed_at');
  f.failedStep = optStr(row, 'failed_step');
  f.failureReason = optStr(row, 'failure_reason');
  f.driverId = optStr(row, 'driver_id');
  f.acceptedAt = optNum(row, 'accepted_at');
  f.paymentFailedAt = optNum(row, 'payment_failed_at');
  f.bookingCancelledAt = optNum(row, 'booking_cancelled_at');
  f.driverReleasedAt = optNum(row, 'driver_released_at');
  const violations = str(row, 'violations').split(',').filter((v) => v !== '') as Choreography['violations'];
  const state = str(row, 'choreography', 'none') as Choreography['state'];
  return { facts: f, choreography: { state, violations, dueAt: optNum(row, 'check_due_at') }, version: num(row, 'version') };
}

/** The row of a saga; a saga with both ends is failed (failure wins), `ended_at` is then the failure. */
export function sagaRow(f: SagaFacts, clock: number, deadlineMs: number, nowMs: number): { row: Row; choreography: Choreography; version: number } {
  const choreography = checkChoreography(f, clock, deadlineMs);
  const version = sagaVersion(f, choreography);
  const steps = Object.entries(f.steps).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).map(([step, at]) => ({ step, at }));
  const row: Row = {
    booking_id: f.bookingId, saga_id: f.sagaId, status: sagaStatus(f), started_at: f.startedAt, ended_at: endedAt(f), completed_at: f.completedAt, failed_at: f.failedAt,
    last_step: lastStep(f), steps: JSON.stringify(steps), failed_step: f.failedStep, failure_reason: f.failureReason,
    driver_id: f.driverId, accepted_at: f.acceptedAt, payment_failed_at: f.paymentFailedAt,
    booking_cancelled_at: f.bookingCancelledAt, driver_released_at: f.driverReleasedAt,
    choreography: choreography.state, violations: choreography.violations.join(','), check_due_at: choreography.dueAt,
    updated_at: nowMs, version,
  };
  return { row, choreography, version };
}
