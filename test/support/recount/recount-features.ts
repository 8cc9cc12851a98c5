/**
 * The recount of the online features (schema/features.ts, schema/subgraphs/features.graphql) from the
 * raw events, written for the test alone. Windows are over event time, ending at the entity's newest
 * contributing event: a feature counts the events of its window, each event once (by event_id).
 * - driver_avg_rating_7d: mean DriverRated rating of the driver (4 decimals), driver_trips_7d: its
 *   BookingCompleted events; rider_trips_30d: the rider's BookingCompleted events;
 *   region_demand_1h: BookingCreated events of the region.
 * The window edge is taken at the bucket the features job keeps (15 min for drivers, 1 h for riders,
 * 1 min for regions): a bucket counts while it overlaps (newest - window, newest].
 * An entity has a vector when at least one event contributed to it.
 */
import { FEATURES } from '../../../schema/features.ts';
import type { LoggedEvent } from './raw-log.ts';

export type Entity = 'driver' | 'rider' | 'region';

/** entity -> id -> feature name -> value. */
export type FeatureTruth = Map<Entity, Map<string, Record<string, number | null>>>;

interface Contribution {
  readonly entity: Entity;
  readonly id: string;
  readonly source: 'rating' | 'trips' | 'demand';
  readonly at: number;
  readonly value: number;
}

const MINUTE = 60_000;
const BUCKET_MS: Readonly<Record<Entity, Partial<Record<Contribution['source'], number>>>> = {
  driver: { rating: 15 * MINUTE, trips: 15 * MINUTE },
  rider: { trips: 60 * MINUTE },
  region: { demand: MINUTE },
};
const SOURCE_OF: Readonly<Record<string, Contribution['source']>> = {
  driver_avg_rating_7d: 'rating',
  driver_trips_7d: 'trips',
  rider_trips_30d: 'trips',
  region_demand_1h: 'demand',
};

function contributions(e: LoggedEvent['event']): Contribution[] {
  const at = e.occurred_at;
  switch (e.event_type) {
    case 'BookingCreated':
      return [{ entity: 'region', id: e.data.region_id, source: 'demand', at, value: 1 }];
    case 'BookingCompleted':
      return [
        { entity: 'driver', id: e.data.driver_id, source: 'trips', at, value: 1 },
        { entity: 'rider', id: e.data.rider_id, source: 'trips', at, value: 1 },
      ];
    case 'DriverRated':
      return [{ entity: 'driver', id: e.data.driver_id, source: 'rating', at, value: e.data.rating }];
    default:
      return [];
  }
}

export function recountFeatures(events: readonly LoggedEvent[]): FeatureTruth {
  const byEntity = new Map<string, Contribution[]>();
  for (const { event } of events) {
    for (const c of contributions(event)) {
      const k = `${c.entity}|${c.id}`;
      const list = byEntity.get(k) ?? [];
      list.push(c);
      byEntity.set(k, list);
    }
  }
  const out: FeatureTruth = new Map([['driver', new Map()], ['rider', new Map()], ['region', new Map()]]);
  for (const list of byEntity.values()) {
    const first = list[0];
    if (!first) continue;
    const entity = first.entity;
    const newest = list.reduce((m, c) => Math.max(m, c.at), Number.NEGATIVE_INFINITY);
    const values: Record<string, number | null> = {};
    for (const f of FEATURES.filter((x) => x.entity === entity)) {
      const source = SOURCE_OF[f.name];
      const bucket = source ? BUCKET_MS[entity][source] : undefined;
      if (!source || !bucket) throw new Error(`the recount does not know feature ${f.name}`);
      const inWindow = list.filter((c) => c.source === source && Math.floor(c.at / bucket) * bucket + bucket > newest - f.windowMs);
      const sum = inWindow.reduce((s, c) => s + c.value, 0);
      values[f.name] = source === 'rating' ? (inWindow.length === 0 ? null : Math.round((sum / inWindow.length) * 10_000) / 10_000) : inWindow.length;
    }
    out.get(entity)?.set(first.id, values);
  }
  return out;
}
