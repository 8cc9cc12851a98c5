/**
 * Lands payment-events as one PAYMENTS row per payment (group 'landing-payments'), scored at
 * PaymentInitiated with seed 001's fraud rules (payment-fold.ts).
 *
 * Velocity (the user's payments in the 30 minutes of event time up to and including this one):
 * payment-events are keyed by user_id, so a user's payments are in one partition, in order. Each
 * partition keeps per-user windows in memory (velocity-window.ts). They survive restarts by being
 * rebuilt from the warehouse: a user whose window is not known complete back to t - 30 min is loaded
 * with the batch's read (`user_id IN {users} AND initiated_at >= t - 30 min`), in the same query as
 * the stored rows of the batch's payments. If a batch does not start at the offset where the
 * previous one ended (redelivery, a rebalance that gave the partition to someone else for a while),
 * the partition's windows are dropped and rebuilt the same way.
 *
 * Dead letters: events from the future (EVENT_INVALID), events of a payment with no PaymentInitiated
 * (EVENT_INVALID: inconsistent, see payment-fold.ts) and rows the warehouse refuses
 * (WAREHOUSE_ROW_REJECTED).
 */
import type { LogRecord } from '../../connectors/contracts/event-log.ts';
import type { Row, SqlValue, Warehouse } from '../../connectors/contracts/warehouse.ts';
import { counter } from '../../connectors/support/metrics.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import { findRegion } from '../../schema/regions.ts';
import { PAYMENTS } from '../../schema/tables/warehouse-tables.ts';
import type { DeadLetter } from '../support/dead-letter.ts';
import { startEventJob, type EventJob, type ParsedRecord } from '../support/event-consumer.ts';
import { eventTimeProblem, num, pushTo, rejectedRowLetters, str } from './landing-support.ts';
import { isPaymentEvent, mergePayments, renderPaymentRow, VELOCITY_WINDOW_MS, type PaymentEvent, type PaymentInitiated } from './payment-fold.ts';
import type { LandingJobOptions } from './trips-landing.ts';
import { VelocityWindows } from './velocity-window.ts';

export const PAYMENTS_LANDING = { name: 'landing-payments', groupId: 'landing-payments', topics: [TOPICS.payment.name] } as const;

interface PartitionState {
  /** The offset the next batch should start at. */
  next: string;
  readonly windows: VelocityWindows;
}

export interface PaymentsBatchResult {
  readonly rows: number;
  readonly unknownRegions: number;
  readonly skipped: number;
  readonly letters: DeadLetter[];
}

/** The PAYMENTS lander: keeps per-partition velocity windows between batches. */
export class PaymentsLander {
  readonly #warehouse: Warehouse;
  readonly #stage: string;
  readonly #partitions = new Map<string, PartitionState>();

  constructor(warehouse: Warehouse, stage = PAYMENTS_LANDING.name) {
    this.#warehouse = warehouse;
    this.#stage = stage;
  }

  /** Users with an in-memory window, over all partitions. */
  get windowedUsers(): number {
    let n = 0;
    for (const p of this.#partitions.values()) n += p.windows.size;
    return n;
  }

  async land(events: readonly ParsedRecord[], nowMs: number): Promise<PaymentsBatchResult> {
    const first = events[0]?.record;
    if (!first) return { rows: 0, unknownRegions: 0, skipped: 0, letters: [] };
    const key = `${first.topic}#${first.partition}`;
    let part = this.#partitions.get(key);
    if (!part || part.next !== first.offset) {
      part = { next: first.offset, windows: new VelocityWindows() };
      this.#partitions.set(key, part);
    }

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
    const last = events[events.length - 1]?.record ?? first;
    if (payments.length === 0) {
      part.next = String(BigInt(last.offset) + 1n);
      return { rows: 0, unknownRegions: 0, skipped, letters };
    }

    const initiated = new Map<string, PaymentInitiated>();
    for (const e of payments) if (e.event_type === 'PaymentInitiated') initiated.set(e.data.payment_id, e);
    const windows = part.windows;
    const cold = new Set<string>();
    let since = Number.POSITIVE_INFINITY;
    for (const e of initiated.values()) {
      if (windows.needsLoad(e.data.user_id, e.occurred_at)) {
        cold.add(e.data.user_id);
        since = Math.min(since, e.occurred_at - VELOCITY_WINDOW_MS);
      }
    }

    const ids = [...recordsByPayment.keys()];
    const users = [...cold];
    let sql = `SELECT * FROM ${PAYMENTS.name} WHERE payment_id IN ({ids})`;
    const params: Record<string, SqlValue> = { ids };
    if (users.length > 0) {
      sql += ' OR (user_id IN ({users}) AND initiated_at >= {since})';
      params.users = users;
      params.since = since;
    }
    const found = await this.#warehouse.query(sql, params);

    const history = new Map<string, { paymentId: string; at: number }[]>();
    for (const row of found) {
      const user = str(row, 'user_id');
      const at = num(row, 'initiated_at');
      if (cold.has(user) && at >= since) pushTo(history, user, { paymentId: str(row, 'payment_id'), at });
    }
    for (const user of users) windows.load(user, since, history.get(user) ?? []);
    for (const e of initiated.values()) windows.add(e.data.user_id, e.data.payment_id, e.occurred_at);

    const velocityOf = (paymentId: string): number => {
      const e = initiated.get(paymentId);
      return e ? windows.count(e.data.user_id, e.occurred_at) : 0;
    };
    const merged = mergePayments(found, payments, velocityOf);
    const rows: Row[] = [];
    for (const [id, f] of merged) {
      const row = renderPaymentRow(f);
      if (row) {
        rows.push(row);
        continue;
      }
      for (const record of recordsByPayment.get(id) ?? []) {
        letters.push({
          record, code: 'EVENT_INVALID', stage: this.#stage,
          reason: `payment ${id} has no PaymentInitiated (neither in its partition's batch nor in the warehouse): inconsistent, not landed`,
        });
      }
    }
    const result = rows.length > 0 ? await this.#warehouse.insert(PAYMENTS.name, rows) : { inserted: 0, rejected: [] };
    letters.push(...rejectedRowLetters(result.rejected, 'payment_id', recordsByPayment, this.#stage));

    windows.prune();
    part.next = String(BigInt(last.offset) + 1n);
    let unknownRegions = 0;
    for (const e of initiated.values()) if (!findRegion(e.data.region_id)) unknownRegions++;
    return { rows: result.inserted, unknownRegions, skipped, letters };
  }
}

export async function startPaymentsLanding(o: LandingJobOptions): Promise<EventJob> {
  const lander = new PaymentsLander(o.warehouse);
  const now = o.now ?? Date.now;
  const unknownRegion = counter(o.metrics, 'gofuture_landing_payments_unknown_region_total', 'Payments scored with an unknown region (UTC, high-risk geography)', []);
  const skippedEvents = counter(o.metrics, 'gofuture_landing_events_skipped_total', 'Events a landing job consumed but does not land (they feed other jobs)', ['job']);
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
      return r.letters;
    },
  });
}
