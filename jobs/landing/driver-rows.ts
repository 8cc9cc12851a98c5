/**
 * Pure mapping of driver-events to DRIVERS and DRIVER_RATINGS rows. Both tables upsert by key where
 * version is >=, and the version is the event time, so an older event replayed later never
 * overwrites a newer state and a replay of the same event writes the same row.
 * DriverLocationUpdated is not landed (one every 5 s per driver): it is only counted.
 */
import type { Row } from '../../connectors/contracts/warehouse.ts';
import type { DomainEvent } from '../../schema/events/domain-events.ts';
import { utcDate } from '../../schema/tables/warehouse-tables.ts';

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
    updated_at: e.occurred_at, version: e.occurred_at,
  };
}

export function ratingRow(e: DriverRated): Row {
  return {
    booking_id: e.data.booking_id, driver_id: e.data.driver_id, rider_id: e.data.rider_id, rating: e.data.rating,
    rated_at: e.occurred_at, rated_date: utcDate(e.occurred_at), version: e.occurred_at,
  };
}

/** Rows of a batch (in partition order; on equal event time the later record wins). */
export function driverBatchRows(events: readonly DomainEvent[]): DriverBatchRows {
  const status = new Map<string, DriverStatusChanged>();
  const rated = new Map<string, DriverRated>();
  let locationUpdates = 0;
  let ignored = 0;
  for (const e of events) {
    if (e.event_type === 'DriverStatusChanged') {
      const prev = status.get(e.data.driver_id);
      if (!prev || e.occurred_at >= prev.occurred_at) status.set(e.data.driver_id, e);
    } else if (e.event_type === 'DriverRated') {
      const prev = rated.get(e.data.booking_id);
      if (!prev || e.occurred_at >= prev.occurred_at) rated.set(e.data.booking_id, e);
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
