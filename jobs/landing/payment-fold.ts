/**
 * Pure merge of payment events into one PAYMENTS row per payment, and the seed 001 fraud scoring
 * of a PaymentInitiated.
 *
 * Facts: initiated (with its fraud assessment), completed, failed, refunded. Per fact the newest
 * event time wins; the row is rendered from the facts, so replay and order do not matter:
 * - status: refunded > completed > failed > initiated. A payment that completed is completed
 *   even if a failure is also recorded (a failed attempt followed by a success, in either order);
 *   failure_reason keeps the failure's text.
 * - refunded_amount: one refund per payment is the model; if several arrive the largest amount is
 *   kept (order-independent and idempotent; partial refunds are not summed).
 * - version = newest event time * 100 + fact bits (see landing-support.ts).
 *
 * A payment whose PaymentInitiated is neither in the batch nor in the warehouse is inconsistent
 * (payment-events are keyed by user_id, so a payment's events are in order in one partition): it is
 * not landed as a partial, unscored row; the job dead-letters its events (see `orphanPayments`).
 */
import type { Row } from '../../connectors/contracts/warehouse.ts';
import type { DomainEvent } from '../../schema/events/domain-events.ts';
import { assessFraud, type FraudAssessment, type FraudRuleInput } from '../../schema/fraud-rules.ts';
import { findRegion } from '../../schema/regions.ts';
import { hourStart, utcDate } from '../../schema/tables/warehouse-tables.ts';
import { decodeVersion, encodeVersion, num, optStr, str } from './landing-support.ts';

export const PAYMENT_EVENT_TYPES = ['PaymentInitiated', 'PaymentCompleted', 'PaymentFailed', 'PaymentRefunded'] as const;
export type PaymentEvent = Extract<DomainEvent, { event_type: (typeof PAYMENT_EVENT_TYPES)[number] }>;
export type PaymentInitiated = Extract<DomainEvent, { event_type: 'PaymentInitiated' }>;

export function isPaymentEvent(e: DomainEvent): e is PaymentEvent {
  return (PAYMENT_EVENT_TYPES as readonly string[]).includes(e.event_type);
}

export const PAYMENT_FACT = { initiated: 1, completed: 2, failed: 4, refunded: 8 } as const;

export const VELOCITY_WINDOW_MS = 30 * 60 * 1000;

interface At { readonly at: number }

export interface PaymentFacts {
  readonly paymentId: string;
  newestAt: number;
  initiated: (At & {
    tripId: string; userId: string; regionId: string; amount: number; currency: string; method: string;
    score: number; riskLevel: string; reasons: string;
  }) | null;
  /** `at` is 0 when read back from a row (the row keeps only initiated_at and updated_at). */
  completed: At | null;
  failed: (At & { reason: string }) | null;
  refunded: (At & { amount: number }) | null;
}

export function emptyPayment(paymentId: string): PaymentFacts {
  return { paymentId, newestAt: 0, initiated: null, completed: null, failed: null, refunded: null };
}

export function paymentFactsFromRow(row: Row): PaymentFacts {
  const { newestAt, bits } = decodeVersion(num(row, 'version'));
  const f = emptyPayment(str(row, 'payment_id'));
  f.newestAt = newestAt;
  if (bits & PAYMENT_FACT.initiated) {
    f.initiated = {
      at: num(row, 'initiated_at'), tripId: str(row, 'trip_id'), userId: str(row, 'user_id'), regionId: str(row, 'region_id'),
      amount: num(row, 'amount'), currency: str(row, 'currency'), method: str(row, 'method'),
      score: num(row, 'fraud_score'), riskLevel: str(row, 'risk_level'), reasons: str(row, 'fraud_reasons'),
    };
  }
  if (bits & PAYMENT_FACT.completed) f.completed = { at: 0 };
  if (bits & PAYMENT_FACT.failed) f.failed = { at: 0, reason: optStr(row, 'failure_reason') ?? '' };
  if (bits & PAYMENT_FACT.refunded) f.refunded = { at: 0, amount: num(row, 'refunded_amount') };
  return f;
}

/** Local hour (0..23) and weekday (0 = Sunday) of an instant in a region; unknown regions use UTC. */
export function localTime(at: number, regionId: string): { hour: number; weekday: number } {
  const offset = findRegion(regionId)?.timezoneOffsetHours ?? 0;
  const local = new Date(at + offset * 3_600_000);
  return { hour: local.getUTCHours(), weekday: local.getUTCDay() };
}

/**
 * Seed 001's rules for one PaymentInitiated. `paymentsLast30Min` counts this payment too. An
 * unknown region (not in schema/regions.ts) is scored as UTC and as a high-risk geography: the
 * rules fail towards scrutiny, and the job logs and counts such payments.
 */
export function scorePayment(e: PaymentInitiated, paymentsLast30Min: number): FraudAssessment {
  const region = findRegion(e.data.region_id);
  const { hour, weekday } = localTime(e.occurred_at, e.data.region_id);
  const input: FraudRuleInput = {
    amount: e.data.amount,
    method: e.data.method,
    knownFraudFlag: e.data.known_fraud_flag,
    highRiskRegion: region ? region.highRisk : true,
    localHour: hour,
    localWeekday: weekday,
    paymentsLast30Min,
  };
  return assessFraud(input);
}

const wins = (current: At | null, at: number): boolean => current === null || at >= current.at;

/**
 * Applies one event in place. `velocityOf(paymentId)` gives the user's payments in the 30 minutes up
 * to and including a PaymentInitiated (the job computes it from its per-user window).
 */
export function applyPaymentEvent(f: PaymentFacts, e: PaymentEvent, velocityOf: (paymentId: string) => number): void {
  const at = e.occurred_at;
  f.newestAt = Math.max(f.newestAt, at);
  switch (e.event_type) {
    case 'PaymentInitiated':
      if (wins(f.initiated, at)) {
        const fraud = scorePayment(e, velocityOf(e.data.payment_id));
        f.initiated = {
          at, tripId: e.data.booking_id, userId: e.data.user_id, regionId: e.data.region_id,
          amount: e.data.amount, currency: e.data.currency, method: e.data.method,
          score: fraud.score, riskLevel: fraud.riskLevel, reasons: fraud.reasons.join(','),
        };
      }
      break;
    case 'PaymentCompleted':
      if (wins(f.completed, at)) f.completed = { at };
      break;
    case 'PaymentFailed':
      if (wins(f.failed, at)) f.failed = { at, reason: e.data.reason };
      break;
    case 'PaymentRefunded':
      if (f.refunded === null || e.data.amount >= f.refunded.amount) f.refunded = { at, amount: e.data.amount };
      break;
  }
}

export function paymentFactBits(f: PaymentFacts): number {
  return (f.initiated ? PAYMENT_FACT.initiated : 0) | (f.completed ? PAYMENT_FACT.completed : 0)
    | (f.failed ? PAYMENT_FACT.failed : 0) | (f.refunded ? PAYMENT_FACT.refunded : 0);
}

export function paymentStatus(f: PaymentFacts): 'initiated' | 'completed' | 'failed' | 'refunded' {
  if (f.refunded) return 'refunded';
  if (f.completed) return 'completed';
  if (f.failed) return 'failed';
  return 'initiated';
}

/** The PAYMENTS row, or null when the payment has no PaymentInitiated (an orphan). */
export function renderPaymentRow(f: PaymentFacts): Row | null {
  const i = f.initiated;
  if (!i) return null;
  const newestAt = Math.max(f.newestAt, i.at);
  return {
    payment_id: f.paymentId,
    trip_id: i.tripId,
    user_id: i.userId,
    region_id: i.regionId,
    amount: i.amount,
    currency: i.currency,
    method: i.method,
    status: paymentStatus(f),
    failure_reason: f.failed?.reason ?? null,
    refunded_amount: f.refunded?.amount ?? 0,
    fraud_score: i.score,
    risk_level: i.riskLevel,
    fraud_reasons: i.reasons,
    initiated_at: i.at,
    updated_at: newestAt,
    payment_hour: hourStart(i.at),
    payment_date: utcDate(i.at),
    version: encodeVersion(newestAt, paymentFactBits(f)),
  };
}

/** Merges the batch's events into the stored rows; one entry per payment the events touch. */
export function mergePayments(stored: readonly Row[], events: readonly PaymentEvent[], velocityOf: (paymentId: string) => number): Map<string, PaymentFacts> {
  const touched = new Set(events.map((e) => e.data.payment_id));
  const facts = new Map<string, PaymentFacts>();
  for (const row of stored) {
    const id = str(row, 'payment_id');
    if (touched.has(id)) facts.set(id, paymentFactsFromRow(row));
  }
  for (const e of events) {
    const id = e.data.payment_id;
    let f = facts.get(id);
    if (!f) facts.set(id, (f = emptyPayment(id)));
    applyPaymentEvent(f, e, velocityOf);
  }
  return facts;
}
