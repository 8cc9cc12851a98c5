/**
 * Lands booking lifecycle and pricing events as one TRIPS row per booking (group 'landing-trips').
 *
 * Per batch (one partition of booking-events or pricing-events): the stored rows of the batch's
 * bookings are read in ONE query, merged with the events (trip-fold.ts: order-independent,
 * idempotent, status never regresses) and upserted; the row version decides on conflicts. Rows the
 * warehouse rejects dead-letter every record that fed them (WAREHOUSE_ROW_REJECTED). Events other
 * than the trip lifecycle and PriceCalculated (SurgePricingActivated, PromotionApplied) feed other
 * jobs: counted here, not landed.
 *
 * Both topics feed one row, so their handlers must not interleave read and write: in-process they
 * run one at a time (a gate). Across processes, run the job where booking-events and
 * pricing-events partition i are assigned to the same member (equal partition counts and the
 * same key, region_id, so a range-style assignment does it).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventLog, LogRecord } from '../../connectors/contracts/event-log.ts';
import type { Row, Warehouse } from '../../connectors/contracts/warehouse.ts';
import { counter } from '../../connectors/support/metrics.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import { TRIPS } from '../../schema/tables/warehouse-tables.ts';
import type { DeadLetter } from '../support/dead-letter.ts';
import { startEventJob, type EventJob, type ParsedRecord } from '../support/event-consumer.ts';
import { createGate, eventTimeProblem, pushTo, rejectedRowLetters } from './landing-support.ts';
import { isPartialTrip, isTripEvent, mergeTrips, renderTripRow, type TripEvent } from './trip-fold.ts';

export const TRIPS_LANDING = { name: 'landing-trips', groupId: 'landing-trips', topics: [TOPICS.booking.name, TOPICS.pricing.name] } as const;

export interface LandingJobOptions {
  readonly log: EventLog;
  readonly warehouse: Warehouse;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly maxBatchSize?: number;
  /** Wall clock for the event-time sanity rule (tests pin it). Default Date.now. */
  readonly now?: () => number;
}

export interface TripsBatchResult {
  readonly rows: number;
  readonly partial: number;
  readonly skipped: number;
  readonly letters: DeadLetter[];
}

/** One batch: read stored rows, merge, upsert, dead-letter what the warehouse refused. */
export async function landTripsBatch(warehouse: Warehouse, events: readonly ParsedRecord[], nowMs: number, stage = TRIPS_LANDING.name): Promise<TripsBatchResult> {
  const letters: DeadLetter[] = [];
  const trips: TripEvent[] = [];
  const recordsByTrip = new Map<string, LogRecord[]>();
  let skipped = 0;
  for (const { record, event } of events) {
    if (!isTripEvent(event)) {
      skipped++;
      continue;
    }
    const late = eventTimeProblem(event.occurred_at, nowMs);
    if (late) {
      letters.push({ record, code: 'EVENT_INVALID', reason: late, stage });
      continue;
    }
    trips.push(event);
    pushTo(recordsByTrip, event.data.booking_id, record);
  }
  if (trips.length === 0) return { rows: 0, partial: 0, skipped, letters };

  const ids = [...recordsByTrip.keys()];
  const stored = await warehouse.query(`SELECT * FROM ${TRIPS.name} WHERE trip_id IN ({ids})`, { ids });
  const merged = mergeTrips(stored, trips);
  const rows: Row[] = [];
  let partial = 0;
  for (const f of merged.values()) {
    rows.push(renderTripRow(f));
    if (isPartialTrip(f)) partial++;
  }
  const result = await warehouse.insert(TRIPS.name, rows);
  letters.push(...rejectedRowLetters(result.rejected, 'trip_id', recordsByTrip, stage));
  return { rows: result.inserted, partial, skipped, letters };
}

export async function startTripsLanding(o: LandingJobOptions): Promise<EventJob> {
  const gate = createGate();
  const now = o.now ?? Date.now;
  const partialRows = counter(o.metrics, 'gofuture_landing_partial_rows_total', 'Rows landed without their creating event (booking not yet created)', ['table']);
  const skippedEvents = counter(o.metrics, 'gofuture_landing_events_skipped_total', 'Events a landing job consumed but does not land (they feed other jobs)', ['job']);
  const logger = o.logger.child({ job: TRIPS_LANDING.name });
  return startEventJob({
    name: TRIPS_LANDING.name,
    groupId: TRIPS_LANDING.groupId,
    topics: TRIPS_LANDING.topics,
    log: o.log,
    logger: o.logger,
    metrics: o.metrics,
    ...(o.maxBatchSize ? { maxBatchSize: o.maxBatchSize } : {}),
    handle: (events) => gate(async () => {
      const r = await landTripsBatch(o.warehouse, events, now());
      if (r.partial > 0) {
        partialRows.inc({ table: TRIPS.name }, r.partial);
        logger.debug({ partial: r.partial }, 'trips landed without BookingCreated yet');
      }
      if (r.skipped > 0) skippedEvents.inc({ job: TRIPS_LANDING.name }, r.skipped);
      return r.letters;
    }),
  });
}
