/**
 * Pure merge of payment events into one PAYMENTS row per payment, and the seed 001 fraud scoring
 * of a PaymentInitiated. The row is a function of the SET of the payment's events (and, for the
 * velocity rule, of the set of the user's PaymentInitiated): arrival order, batching and duplicated
 * records (same event_id) do not change it.
 *
 * Facts: initiated (the scoring inputs), completed, failed, refunded. Per fact the newest event time
 * wins; the row is rendered from the facts:
 * - status: refunded > completed > failed > initiated (a lifecycle rank, not arrival order). A
 *   payment that completed is completed even if a failure is also recorded (a failed attempt
 *   followed by a success, in either order); failure_reason keeps the failure's text.
 * - refunded_amount: one refund per payment is the model; if several arrive the largest amount is
 *   kept (order-independent and idempotent; partial refunds are not summed).
 * - amount, currency, method, region come from PaymentInitiated (the event that carries them).
 * - fraud: seed 001's rules, velocity = the user's PaymentInitiated in the 30 minutes of event time
 *   up to and including this one, counted over every initiation known, so a late initiation of an
 *   earlier payment re-scores the later ones (the lander does it, payments-landing.ts).
 * - version = newest event time * 100 + fact bits (see landing-support.ts): the same for the same
 *   set of events, and growing as facts are added.
 *
 * A payment is a PAYMENTS row once its PaymentInitiated has landed. Events that arrive before it
 * (PaymentCompleted first: the simulator reorders 1 % on purpose) are normal input: their facts
 * are kept in the lander's pending table (pending-payments.ts) and folded in when the initiation
 * arrives. Nothing is dead-lettered for arriving early.
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

/** What a PaymentInitiated says (the fraud rules' inputs, velocity aside). */
export interface InitiatedFact extends At {
  readonly regionId: string;
  readonly amount: number;
  readonly currency: string;
  readonly method: string;
  readonly knownFraud: boolean;
}

export interface PaymentFacts {
  readonly paymentId: string;
  /** From any of the payment's events (all carry booking_id and user_id). */
  tripId: string;
  userId: string;
  newestAt: number;
  initiated: InitiatedFact | null;
  /** `at` is 0 when read back from a PAYMENTS row (the row keeps only initiated_at and updated_at). */
  completed: At | null;
  failed: (At & { reason: string }) | null;
  refunded: (At & { amount: number }) | null;
}

export function emptyPayment(paymentId: string): PaymentFacts {
  return { paymentId, tripId: '', userId: '', newestAt: 0, initiated: null, completed: null, failed: null, refunded: null };
}

/** The facts of a stored PAYMENTS row (its version's bits say which it holds). */
export function paymentFactsFromRow(row: Row): PaymentFacts {
  const { newestAt, bits } = decodeVersion(num(row, 'version'));
  const f = emptyPayment(str(row, 'payment_id'));
  f.tripId = str(row, 'trip_id');
  f.userId = str(row, 'user_id');
  f.newestAt = newestAt;
  if (bits & PAYMENT_FACT.initiated) {
    f.initiated = {
      at: num(row, 'initiated_at'), regionId: str(row, 'region_id'), amount: num(row, 'amount'), currency: str(row, 'currency'),
      method: str(row, 'method'), knownFraud: str(row, 'fraud_reasons').split(',').includes('known_fraud'),
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
 * Seed 001's rules for one initiation. `paymentsLast30Min` counts this payment too. An unknown
 * region (not in schema/regions.ts) is scored as UTC and as a high-risk geography: the rules fail
 * towards scrutiny, and the job logs and counts such payments.
 */
export function scoreInitiation(i: InitiatedFact, paymentsLast30Min: number): FraudAssessment {
  const region = findRegion(i.regionId);
  const { hour, weekday } = localTime(i.at, i.regionId);
  const input: FraudRuleInput = {
    amount: i.amount,
    method: i.method,
    knownFraudFlag: i.knownFraud,
    highRiskRegion: region ? region.highRisk : true,
    localHour: hour,
    localWeekday: weekday,
    paymentsLast30Min,
  };
  return assessFraud(input);
}

export function initiatedFact(e: PaymentInitiated): InitiatedFact {
  return {
    at: e.occurred_at, regionId: e.data.region_id, amount: e.data.amount, currency: e.data.currency,
    method: e.data.method, knownFraud: e.data.known_fraud_flag,
  };
}

/** Seed 001's rules for one PaymentInitiated event. */
export function scorePayment(e: PaymentInitiated, paymentsLast30Min: number): FraudAssessment {
  return scoreInitiation(initiatedFact(e), paymentsLast30Min);
}

const wins = (current: At | null, at: number): boolean => current === null || at >= current.at;

/** Applies one event in place (idempotent: a duplicate changes nothing). */
export function applyPaymentEvent(f: PaymentFacts, e: PaymentEvent): void {
  const at = e.occurred_at;
  f.newestAt = Math.max(f.newestAt, at);
  if (f.tripId === '') f.tripId = e.data.booking_id;
  if (f.userId === '') f.userId = e.data.user_id;
  switch (e.event_type) {
    case 'PaymentInitiated':
      if (wins(f.initiated, at)) f.initiated = initiatedFact(e);
      f.tripId = e.data.booking_id;
      f.userId = e.data.user_id;
      break;
    case 'PaymentCompleted':
      if (wins(f.completed, at)) f.completed = { at };
      break;
    case 'PaymentFailed':
      if (wins(f.failed, at)) f.failed = { at, reason: e.data.reason };
      break;
    case 'PaymentRefunded':
      if (f.refunded === null || e.data.amount > f.refunded.amount || (e.data.amount === f.refunded.amount && at > f.refunded.at)) {
        f.refunded = { at, amount: e.data.amount };
      }
      break;
  }
}

/** Folds `from` into `into` (a union of facts; newest wins per fact). */
export function mergeFacts(into: PaymentFacts, from: PaymentFacts): void {
  into.newestAt = Math.max(into.newestAt, from.newestAt);
  if (into.tripId === '') into.tripId = from.tripId;
  if (into.userId === '') into.userId = from.userId;
  if (from.initiated && wins(into.initiated, from.initiated.at)) into.initiated = from.initiated;
  if (from.completed && wins(into.completed, from.completed.at)) into.completed = from.completed;
  if (from.failed && wins(into.failed, from.failed.at)) into.failed = from.failed;
  if (from.refunded && (into.refunded === null || from.refunded.amount > into.refunded.amount)) into.refunded = from.refunded;
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

/**
 * The PAYMENTS row, or null while the payment has no PaymentInitiated (its facts wait in the
 * pending table). `paymentsLast30Min`: the user's initiations in [initiated_at - 30 min, initiated_at].
 */
export function renderPaymentRow(f: PaymentFacts, paymentsLast30Min: number): Row | null {
  const i = f.initiated;
  if (!i) return null;
  const fraud = scoreInitiation(i, paymentsLast30Min);
  const newestAt = Math.max(f.newestAt, i.at);
  return {
    payment_id: f.paymentId,
    trip_id: f.tripId,
    user_id: f.userId,
    region_id: i.regionId,
    amount: i.amount,
    currency: i.currency,
    method: i.method,
    status: paymentStatus(f),
    failure_reason: f.failed?.reason ?? null,
    refunded_amount: f.refunded?.amount ?? 0,
    fraud_score: fraud.score,
    risk_level: fraud.riskLevel,
    fraud_reasons: fraud.reasons.join(','),
    initiated_at: i.at,
    updated_at: newestAt,
    payment_hour: hourStart(i.at),
    payment_date: utcDate(i.at),
    version: encodeVersion(newestAt, paymentFactBits(f)),
  };
}

/**
 * Merges the batch's events into what is stored: PAYMENTS rows and pending facts (either may be
 * missing). One entry per payment the events touch.
 */
export function mergePayments(stored: readonly Row[], pending: readonly PaymentFacts[], events: readonly PaymentEvent[]): Map<string, PaymentFacts> {
  const touched = new Set(events.map((e) => e.data.payment_id));
  const facts = new Map<string, PaymentFacts>();
  for (const row of stored) {
    const id = str(row, 'payment_id');
    if (touched.has(id)) facts.set(id, paymentFactsFromRow(row));
  }
  for (const p of pending) {
    if (!touched.has(p.paymentId)) continue;
    const f = facts.get(p.paymentId);
    if (f) mergeFacts(f, p);
    else facts.set(p.paymentId, p);
  }
  for (const e of events) {
    const id = e.data.payment_id;
    let f = facts.get(id);
    if (!f) facts.set(id, (f = emptyPayment(id)));
    applyPaymentEvent(f, e);
  }
  return facts;
}

/** Initiation times of one user's payments: velocity counts are over this set. */
export class UserTimelines {
  readonly #users = new Map<string, Map<string, number>>();

  set(userId: string, paymentId: string, at: number): void {
    let m = this.#users.get(userId);
    if (!m) this.#users.set(userId, (m = new Map()));
    m.set(paymentId, at);
  }

  /** The user's initiations with time in [at - 30 min, at]. */
  count(userId: string, at: number): number {
    let n = 0;
    for (const t of this.#users.get(userId)?.values() ?? []) if (t >= at - VELOCITY_WINDOW_MS && t <= at) n++;
    return n;
  }
}
