/**
 * Lands payment-events as one PAYMENTS row per payment (group 'landing-payments'), scored at
 * PaymentInitiated with seed 001's fraud rules (payment-fold.ts). The rows are a function of the
 * set of events landed so far, whatever their arrival order, batching or duplication.
 *
 * Per batch (one partition): ONE query reads the stored rows of the batch's payments and every
 * stored initiation of the users who initiate in the batch within 30 minutes either side; a second
 * reads the pending facts (pending-payments.ts) of the batch's payments. Then:
 * - velocity (the user's initiations in the 30 minutes of event time up to and including one) is
 *   counted over the stored initiations plus the batch's, so it does not depend on which arrived
 *   first; stored payments of those users whose score changes because an earlier initiation
 *   arrived late are re-scored and rewritten;
 * - a payment with no PaymentInitiated yet (completed before initiated) keeps its facts in the
 *   pending table; its PAYMENTS row appears, complete, when the initiation lands.
 *
 * Dead letters: events from the future (EVENT_INVALID) and rows the warehouse refuses
 * (WAREHOUSE_ROW_REJECTED). Arriving out of order is not a reason.
 */
import type { LogRecord } from '../../connectors/contracts/event-log.ts';
import type { Row, SqlValue, Warehouse } from '../../connectors/contracts/warehouse.ts';
import { counter } from '../../connectors/support/metrics.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import { findRegion } from '../../schema/regions.ts';
import { PAYMENTS } from '../../schema/tables/warehouse-tables.ts';
import type { DeadLetter } from '../support/dead-letter.ts';
import { startEventJob, type EventJob, type ParsedRecord } from '../support/event-consumer.ts';
import { decodeVersion, eventTimeProblem, num, pushTo, rejectedRowLetters, str } from './landing-support.ts';
import {
  isPaymentEvent, mergePayments, PAYMENT_FACT, paymentFactsFromRow, renderPaymentRow, UserTimelines, VELOCITY_WINDOW_MS,
  type PaymentEvent, type PaymentInitiated,
} from './payment-fold.ts';
import { PAYMENT_PENDING, pendingRow, readPending } from './pending-payments.ts';
import type { LandingJobOptions } from './trips-landing.ts';

export const PAYMENTS_LANDING = { name: 'landing-payments', groupId: 'landing-payments', topics: [TOPICS.payment.name] } as const;

export interface PaymentsBatchResult {
  readonly rows: number;
  /** Payments whose facts wait for their PaymentInitiated. */
  readonly pending: number;
  /** Stored payments re-scored because an earlier initiation of their user arrived later. */
  readonly rescored: number;
  readonly unknownRegions: number;
  readonly skipped: number;
  readonly letters: DeadLetter[];
}

const FRAUD_COLUMNS = ['fraud_score', 'risk_level', 'fraud_reasons'] as const;

/** The PAYMENTS lander (stateless between batches: everything it needs is in the warehouse). */
export class PaymentsLander {
  readonly #warehouse: Warehouse;
  readonly #stage: string;
  #tablesReady: Promise<void> | null = null;

  constructor(warehouse: Warehouse, stage = PAYMENTS_LANDING.name) {
    this.#warehouse = warehouse;
    this.#stage = stage;
  }

  async land(events: readonly ParsedRecord[], nowMs: number): Promise<PaymentsBatchResult> {
    const letters: DeadLetter[] = [];
    const payments: PaymentEvent[] = [];
    const recordsByPayment = new Map<string, LogRecord[]>();
    let skipped = 0;
    for (const { record, event } of events) {
      if (!isPaymentEvent(event)) {
        skipped++;
        continue;
      }
      const problem = eventTimeProblem(event.occurred_at, nowMs);
      if (problem) {
        letters.push({ record, code: 'EVENT_INVALID', reason: problem, stage: this.#stage });
        continue;
      }
      payments.push(event);
      pushTo(recordsByPayment, event.data.payment_id, record);
    }
    if (payments.length === 0) return { rows: 0, pending: 0, rescored: 0, unknownRegions: 0, skipped, letters };
    this.#tablesReady ??= this.#warehouse.ensureTables([PAYMENT_PENDING]);
    await this.#tablesReady;

    const initiated = payments.filter((e): e is PaymentInitiated => e.event_type === 'PaymentInitiated');
    const users = [...new Set(initiated.map((e) => e.data.user_id))];
    const ids = [...recordsByPayment.keys()];
    let sql = `SELECT * FROM ${PAYMENTS.name} WHERE payment_id IN ({ids})`;
    const params: Record<string, SqlValue> = { ids };
    if (users.length > 0) {
      const times = initiated.map((e) => e.occurred_at);
      sql += ' OR (user_id IN ({users}) AND initiated_at >= {lo} AND initiated_at <= {hi})';
      params.users = users;
      params.lo = Math.min(...times) - VELOCITY_WINDOW_MS;
      params.hi = Math.max(...times) + VELOCITY_WINDOW_MS;
    }
    const [found, pending] = await Promise.all([this.#warehouse.query(sql, params), readPending(this.#warehouse, ids)]);

    const merged = mergePayments(found, pending, payments);
    const timelines = new UserTimelines();
    for (const row of found) {
      if (decodeVersion(num(row, 'version')).bits & PAYMENT_FACT.initiated) timelines.set(str(row, 'user_id'), str(row, 'payment_id'), num(row, 'initiated_at'));
    }
    for (const f of merged.values()) if (f.initiated) timelines.set(f.userId, f.paymentId, f.initiated.at);
    // A score can only change when an initiation of its user is added: this batch's initiations
    // reach payments initiated in [their earliest, their latest + 30 min], and the query read every
    // initiation those payments' windows need. Outside that range the stored score stands.
    const spans = new Map<string, { min: number; max: number }>();
    for (const e of initiated) {
      const s = spans.get(e.data.user_id);
      spans.set(e.data.user_id, s ? { min: Math.min(s.min, e.occurred_at), max: Math.max(s.max, e.occurred_at) } : { min: e.occurred_at, max: e.occurred_at });
    }
    const reached = (userId: string, at: number): boolean => {
      const s = spans.get(userId);
      return s !== undefined && at >= s.min && at <= s.max + VELOCITY_WINDOW_MS;
    };
    const storedById = new Map(found.map((r) => [str(r, 'payment_id'), r]));

    const rows: Row[] = [];
    const waiting: Row[] = [];
    for (const f of merged.values()) {
      const row = renderPaymentRow(f, f.initiated ? timelines.count(f.userId, f.initiated.at) : 0);
      if (!row) {
        waiting.push(pendingRow(f));
        continue;
      }
      const stored = storedById.get(f.paymentId);
      if (stored && f.initiated && !reached(f.userId, f.initiated.at)) for (const c of FRAUD_COLUMNS) row[c] = stored[c] ?? null;
      rows.push(row);
    }
    // stored payments of the batch's users whose velocity count changed
    let rescored = 0;
    for (const row of found) {
      const id = str(row, 'payment_id');
      if (merged.has(id)) continue;
      const f = paymentFactsFromRow(row);
      if (!f.initiated || !reached(f.userId, f.initiated.at)) continue;
      const again = renderPaymentRow(f, timelines.count(f.userId, f.initiated.at));
      if (again && FRAUD_COLUMNS.some((c) => again[c] !== row[c])) {
        rows.push(again);
        rescored++;
      }
    }
    const [result, pendingResult] = await Promise.all([
      rows.length > 0 ? this.#warehouse.insert(PAYMENTS.name, rows) : { inserted: 0, rejected: [] },
      waiting.length > 0 ? this.#warehouse.insert(PAYMENT_PENDING.name, waiting) : { inserted: 0, rejected: [] },
    ]);
    letters.push(...rejectedRowLetters(result.rejected, 'payment_id', recordsByPayment, this.#stage));
    letters.push(...rejectedRowLetters(pendingResult.rejected, 'payment_id', recordsByPayment, this.#stage));
    let unknownRegions = 0;
    for (const e of initiated) if (!findRegion(e.data.region_id)) unknownRegions++;
    return { rows: result.inserted, pending: waiting.length, rescored, unknownRegions, skipped, letters };
  }
}

export async function startPaymentsLanding(o: LandingJobOptions): Promise<EventJob> {
  const lander = new PaymentsLander(o.warehouse);
  const now = o.now ?? Date.now;
  const unknownRegion = counter(o.metrics, 'gofuture_landing_payments_unknown_region_total', 'Payments scored with an unknown region (UTC, high-risk geography)', []);
  const skippedEvents = counter(o.metrics, 'gofuture_landing_events_skipped_total', 'Events a landing job consumed but does not land (they feed other jobs)', ['job']);
  const pendingPayments = counter(o.metrics, 'gofuture_landing_payments_pending_total', 'Payment facts kept waiting for their PaymentInitiated (arrived first)', []);
  const rescoredPayments = counter(o.metrics, 'gofuture_landing_payments_rescored_total', 'Stored payments re-scored because an earlier initiation of their user arrived later', []);
  const logger = o.logger.child({ job: PAYMENTS_LANDING.name });
  return startEventJob({
    name: PAYMENTS_LANDING.name,
    groupId: PAYMENTS_LANDING.groupId,
    topics: PAYMENTS_LANDING.topics,
    log: o.log,
    logger: o.logger,
    metrics: o.metrics,
    ...(o.maxBatchSize ? { maxBatchSize: o.maxBatchSize } : {}),
    handle: async (events) => {
      const r = await lander.land(events, now());
      if (r.unknownRegions > 0) {
        unknownRegion.inc(r.unknownRegions);
        logger.warn({ payments: r.unknownRegions }, 'payments from regions not in schema/regions.ts scored as UTC and high-risk');
      }
      if (r.skipped > 0) skippedEvents.inc({ job: PAYMENTS_LANDING.name }, r.skipped);
      if (r.pending > 0) pendingPayments.inc(r.pending);
      if (r.rescored > 0) rescoredPayments.inc(r.rescored);
      return r.letters;
    },
  });
}
