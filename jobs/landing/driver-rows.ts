/**
 * Pure mapping of driver-events to DRIVERS and DRIVER_RATINGS rows. Both tables upsert by key where
 * version is >=, and the version is the event time with an event-id tie-break (landing-support.ts
 * `eventVersion`), so the row is the latest event of its key whatever the arrival order: an older
 * event arriving later never overwrites a newer state, two events of the same millisecond resolve
 * the same way in any order, and a duplicate (same event id) writes the same row.
 * DriverLocationUpdated is not landed (one every 5 s per driver): it is only counted.
 */
import type { Row } from '../../connectors/contracts/warehouse.ts';
import type { DomainEvent } from '../../schema/events/domain-events.ts';
import { utcDate } from '../../schema/tables/warehouse-tables.ts';
import { eventVersion } from './landing-support.ts';

export type DriverStatusChanged = Extract<DomainEvent, { event_type: 'DriverStatusChanged' }>;
export type DriverRated = Extract<DomainEvent, { event_type: 'DriverRated' }>;

export interface DriverBatchRows {
  /** One row per driver: its newest status change in the batch. */
  readonly drivers: Row[];
  /** One row per rated booking: its newest rating in the batch. */
  readonly ratings: Row[];
  readonly locationUpdates: number;
  /** Events of other types (none on driver-events today). */
  readonly ignored: number;
}

export function driverRow(e: DriverStatusChanged): Row {
  return {
    driver_id: e.data.driver_id, name: e.data.name, region_id: e.data.region_id, status: e.data.status,
    updated_at: e.occurred_at, version: eventVersion(e.occurred_at, e.event_id),
  };
}

export function ratingRow(e: DriverRated): Row {
  return {
    booking_id: e.data.booking_id, driver_id: e.data.driver_id, rider_id: e.data.rider_id, rating: e.data.rating,
    rated_at: e.occurred_at, rated_date: utcDate(e.occurred_at), version: eventVersion(e.occurred_at, e.event_id),
  };
}

/** Rows of a batch: per key the event with the greatest version (arrival order does not matter). */
export function driverBatchRows(events: readonly DomainEvent[]): DriverBatchRows {
  const status = new Map<string, DriverStatusChanged>();
  const rated = new Map<string, DriverRated>();
  let locationUpdates = 0;
  let ignored = 0;
  for (const e of events) {
    if (e.event_type === 'DriverStatusChanged') {
      const prev = status.get(e.data.driver_id);
      if (!prev || eventVersion(e.occurred_at, e.event_id) > eventVersion(prev.occurred_at, prev.event_id)) status.set(e.data.driver_id, e);
    } else if (e.event_type === 'DriverRated') {
      const prev = rated.get(e.data.booking_id);
      if (!prev || eventVersion(e.occurred_at, e.event_id) > eventVersion(prev.occurred_at, prev.event_id)) rated.set(e.data.booking_id, e);
    } else if (e.event_type === 'DriverLocationUpdated') {
      locationUpdates++;
    } else {
      ignored++;
    }
  }
  return {
    drivers: [...status.values()].map(driverRow),
    ratings: [...rated.values()].map(ratingRow),
    locationUpdates,
    ignored,
  };
}
