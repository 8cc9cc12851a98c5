/**
 * The booking saga's state, a pure fold of events (seed 002's choreography saga):
 * SagaStarted -> SagaStepCompleted* -> SagaCompleted | SagaFailed, plus the facts the choreography
 * check needs from the services' own topics (BookingAccepted: the driver; PaymentFailed;
 * BookingCancelled; the driver's release, DriverStatusChanged busy -> free).
 *
 * Every fact keeps its earliest event time, so the state is a function of the SET of events:
 * arrival order, duplicates and replays give the same state (docs/decisions/0008).
 */
import type { DomainEvent } from '../../schema/events/domain-events.ts';

export type SagaStatus = 'unknown' | 'started' | 'running' | 'completed' | 'failed';
export type ChoreographyState = 'none' | 'pending' | 'ok' | 'violated';
export const VIOLATIONS = ['booking_not_cancelled', 'saga_not_failed', 'driver_not_released'] as const;
export type Violation = (typeof VIOLATIONS)[number];

export interface SagaFacts {
  readonly bookingId: string;
  sagaId: string | null;
  startedAt: number | null;
  /** step -> earliest time it was reported */
  steps: Record<string, number>;
  completedAt: number | null;
  failedAt: number | null;
  failedStep: string | null;
  failureReason: string | null;
  driverId: string | null;
  acceptedAt: number | null;
  paymentFailedAt: number | null;
  bookingCancelledAt: number | null;
  driverReleasedAt: number | null;
}

export interface Choreography {
  readonly state: ChoreographyState;
  readonly violations: readonly Violation[];
  /** When a pending check turns into a verdict (event time), or null. */
  readonly dueAt: number | null;
}

export const emptyFacts = (bookingId: string): SagaFacts => ({
  bookingId, sagaId: null, startedAt: null, steps: {}, completedAt: null, failedAt: null, failedStep: null, failureReason: null,
  driverId: null, acceptedAt: null, paymentFailedAt: null, bookingCancelledAt: null, driverReleasedAt: null,
});

const earlier = (a: number | null, b: number): number => (a === null || b < a ? b : a);

/** The booking an event belongs to, if the saga fold uses it. */
export function sagaBookingOf(e: DomainEvent): string | null {
  switch (e.event_type) {
    case 'SagaStarted': case 'SagaStepCompleted': case 'SagaFailed': case 'SagaCompleted':
    case 'BookingAccepted': case 'BookingCancelled': case 'PaymentFailed':
      return e.data.booking_id;
    default:
      return null;
  }
}

/** A driver freed from a trip (busy -> online | offline), or null. */
export function driverRelease(e: DomainEvent): { driverId: string; at: number } | null {
  if (e.event_type !== 'DriverStatusChanged') return null;
  return e.data.previous_status === 'busy' && e.data.status !== 'busy' ? { driverId: e.data.driver_id, at: e.occurred_at } : null;
}

/** Applies one event to the facts (in place). Events of other bookings or types are ignored. */
export function applySagaEvent(f: SagaFacts, e: DomainEvent): void {
  const t = e.occurred_at;
  switch (e.event_type) {
    case 'SagaStarted':
      f.sagaId ??= e.data.saga_id;
      f.startedAt = earlier(f.startedAt, t);
      return;
    case 'SagaStepCompleted':
      f.sagaId ??= e.data.saga_id;
      f.steps[e.data.step] = earlier(f.steps[e.data.step] ?? null, t);
      return;
    case 'SagaCompleted':
      f.sagaId ??= e.data.saga_id;
      f.completedAt = earlier(f.completedAt, t);
      return;
    case 'SagaFailed': {
      f.sagaId ??= e.data.saga_id;
      // the earliest failure names the step; a tie in time resolves by text, in any arrival order
      const wins = f.failedAt === null || t < f.failedAt || (t === f.failedAt && `${e.data.step}|${e.data.reason}` < `${f.failedStep ?? ''}|${f.failureReason ?? ''}`);
      if (wins) {
        f.failedAt = t;
        f.failedStep = e.data.step;
        f.failureReason = e.data.reason;
      }
      return;
    }
    case 'BookingAccepted':
      if (f.acceptedAt === null || t < f.acceptedAt) {
        f.acceptedAt = t;
        f.driverId = e.data.driver_id;
      }
      return;
    case 'BookingCancelled':
      f.bookingCancelledAt = earlier(f.bookingCancelledAt, t);
      return;
    case 'PaymentFailed':
      f.paymentFailedAt = earlier(f.paymentFailedAt, t);
      return;
    default:
      return;
  }
}

/** Records the driver's release: the earliest release of the saga's driver at or after assignment. */
export function applyDriverRelease(f: SagaFacts, driverId: string, at: number): void {
  if (f.driverId !== driverId || f.acceptedAt === null || at < f.acceptedAt) return;
  f.driverReleasedAt = earlier(f.driverReleasedAt, at);
}

export function sagaStatus(f: SagaFacts): SagaStatus {
  if (f.failedAt !== null) return 'failed';
  if (f.completedAt !== null) return 'completed';
  if (Object.keys(f.steps).length > 0) return 'running';
  return f.startedAt !== null ? 'started' : 'unknown';
}

export const endedAt = (f: SagaFacts): number | null => f.failedAt ?? f.completedAt;

/** The step reported last (by time; ties by name), or null. */
export function lastStep(f: SagaFacts): string | null {
  let best: [string, number] | null = null;
  for (const [s, t] of Object.entries(f.steps)) if (!best || t > best[1] || (t === best[1] && s > best[0])) best = [s, t];
  return best?.[0] ?? null;
}

/**
 * Seed 002's compensation: after PaymentFailed, within `deadlineMs` of event time, the booking is
 * cancelled (BookingCancelled), the saga fails (SagaFailed) and the assigned driver is released.
 * `clock` is the job's event-time clock: a check whose deadline it has not passed is `pending`.
 */
export function checkChoreography(f: SagaFacts, clock: number, deadlineMs: number): Choreography {
  // a payment of no saga (card testing: its booking does not exist) has no choreography to check
  if (f.paymentFailedAt === null || f.sagaId === null) return { state: 'none', violations: [], dueAt: null };
  const due = f.paymentFailedAt + deadlineMs;
  const missing: Violation[] = [];
  if (f.bookingCancelledAt === null || f.bookingCancelledAt > due) missing.push('booking_not_cancelled');
  if (f.failedAt === null || f.failedAt > due) missing.push('saga_not_failed');
  if (f.driverId !== null && (f.driverReleasedAt === null || f.driverReleasedAt > due)) missing.push('driver_not_released');
  if (missing.length === 0) return { state: 'ok', violations: [], dueAt: due };
  return clock < due ? { state: 'pending', violations: [], dueAt: due } : { state: 'violated', violations: missing, dueAt: due };
}

const CHOREOGRAPHY_RANK: Record<ChoreographyState, number> = { none: 0, pending: 0, violated: 1, ok: 2 };

/** How many facts the state holds: grows with every applied fact, never shrinks. */
export function factCount(f: SagaFacts): number {
  const scalars = [f.startedAt, f.completedAt, f.failedAt, f.acceptedAt, f.paymentFailedAt, f.bookingCancelledAt, f.driverReleasedAt];
  return scalars.filter((x) => x !== null).length + Object.keys(f.steps).length;
}

/** Newest event time among the facts. */
export function newestAt(f: SagaFacts): number {
  const times = [f.startedAt, f.completedAt, f.failedAt, f.acceptedAt, f.paymentFailedAt, f.bookingCancelledAt, f.driverReleasedAt, ...Object.values(f.steps)];
  return times.reduce<number>((m, t) => (t !== null && t > m ? t : m), 0);
}

/**
 * Row version: newest event time, then the number of facts, then the verdict. A new fact or a newer
 * time always raises it; a pending check turning violated raises it; replaying the same events gives
 * the same version (the dedup upsert keeps the row).
 */
export function sagaVersion(f: SagaFacts, c: Choreography): number {
  return newestAt(f) * 1000 + Math.min(99, factCount(f)) * 10 + CHOREOGRAPHY_RANK[c.state];
}
