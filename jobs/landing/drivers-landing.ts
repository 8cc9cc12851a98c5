/**
 * Lands driver-events (group 'landing-drivers'): DRIVERS rows from DriverStatusChanged,
 * DRIVER_RATINGS rows from DriverRated (driver-rows.ts). DriverLocationUpdated is too chatty for
 * the warehouse: counted (gofuture_landing_driver_locations_total), not landed. No read is needed:
 * both tables upsert by key where the version (event time) is >=.
 */
import type { LogRecord } from '../../connectors/contracts/event-log.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { counter } from '../../connectors/support/metrics.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import { DRIVER_RATINGS, DRIVERS } from '../../schema/tables/warehouse-tables.ts';
import type { DeadLetter } from '../support/dead-letter.ts';
import { startEventJob, type EventJob, type ParsedRecord } from '../support/event-consumer.ts';
import { driverBatchRows } from './driver-rows.ts';
import { eventTimeProblem, pushTo, rejectedRowLetters } from './landing-support.ts';
import type { LandingJobOptions } from './trips-landing.ts';

export const DRIVERS_LANDING = { name: 'landing-drivers', groupId: 'landing-drivers', topics: [TOPICS.driver.name] } as const;

export interface DriversBatchResult {
  readonly drivers: number;
  readonly ratings: number;
  readonly locationUpdates: number;
  readonly letters: DeadLetter[];
}

export async function landDriversBatch(warehouse: Warehouse, events: readonly ParsedRecord[], nowMs: number, stage = DRIVERS_LANDING.name): Promise<DriversBatchResult> {
  const letters: DeadLetter[] = [];
  const byDriver = new Map<string, LogRecord[]>();
  const byBooking = new Map<string, LogRecord[]>();
  const usable = [];
  for (const p of events) {
    const problem = p.event.event_type === 'DriverLocationUpdated' ? null : eventTimeProblem(p.event.occurred_at, nowMs);
    if (problem) {
      letters.push({ record: p.record, code: 'EVENT_INVALID', reason: problem, stage });
      continue;
    }
    usable.push(p.event);
    if (p.event.event_type === 'DriverStatusChanged') pushTo(byDriver, p.event.data.driver_id, p.record);
    if (p.event.event_type === 'DriverRated') pushTo(byBooking, p.event.data.booking_id, p.record);
  }
  const rows = driverBatchRows(usable);
  const [d, r] = await Promise.all([
    rows.drivers.length > 0 ? warehouse.insert(DRIVERS.name, rows.drivers) : null,
    rows.ratings.length > 0 ? warehouse.insert(DRIVER_RATINGS.name, rows.ratings) : null,
  ]);
  if (d) letters.push(...rejectedRowLetters(d.rejected, 'driver_id', byDriver, stage));
  if (r) letters.push(...rejectedRowLetters(r.rejected, 'booking_id', byBooking, stage));
  return { drivers: d?.inserted ?? 0, ratings: r?.inserted ?? 0, locationUpdates: rows.locationUpdates, letters };
}

export async function startDriversLanding(o: LandingJobOptions): Promise<EventJob> {
  const now = o.now ?? Date.now;
  const locations = counter(o.metrics, 'gofuture_landing_driver_locations_total', 'DriverLocationUpdated events seen by the drivers landing job (not landed)', []);
  return startEventJob({
    name: DRIVERS_LANDING.name,
    groupId: DRIVERS_LANDING.groupId,
    topics: DRIVERS_LANDING.topics,
    log: o.log,
    logger: o.logger,
    metrics: o.metrics,
    ...(o.maxBatchSize ? { maxBatchSize: o.maxBatchSize } : {}),
    handle: async (events) => {
      const r = await landDriversBatch(o.warehouse, events, now());
      if (r.locationUpdates > 0) locations.inc(r.locationUpdates);
      return r.letters;
    },
  });
}
