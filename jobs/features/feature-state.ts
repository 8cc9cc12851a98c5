/**
 * Pure state of the real-time features: sparse event-time buckets of event ids, kept in the
 * OnlineStore. The state is a function of the SET of events applied (a grow-only set per bucket,
 * keyed by a hash of event_id), so arrival order, batching, re-delivery after a restart, duplicated
 * records and a full replay of the log all give the same state and the same values.
 *
 * Where the state lives: for every entity (driver, rider, region) a second OnlineStore vector under
 * the entity `_state_<entity>` with the same id holds one field per (source, topic, partition), e.g.
 * `trips@booking-events#3`, whose value is compact JSON `{"t":<newest event time>,"b":{"<bucket
 * index>":{"<event key>":<value>}}}`. The value vector (entity `driver`, ...) holds exactly the
 * feature names of schema/features.ts.
 * - Why a separate vector: the value TTL (2 days for drivers/riders, 10 min for regions) is shorter
 *   than the windows (7 d, 30 d, 1 h); state in the value vector would expire with it and a rider
 *   who rides every 3 days would restart from 0. The state vector lives window + 1 day.
 * - Why one field per source partition: only the handler of that partition writes the field, so
 *   two partitions (or two consumer-group members) never overwrite each other's state. Values are
 *   computed over the union of the fields (an event counted in two fields counts once).
 * - Windows are over event time, as of the ENTITY's newest event: "now" for an entity is the newest
 *   event time in its state (not the wall clock, not other entities' events), so a value is the
 *   same whatever else was in the batch. A bucket counts while it overlaps (now - window, now], so
 *   the old edge is exact to one bucket (1 min for region demand, 15 min for drivers, 1 h for riders).
 */
import { createHash } from 'node:crypto';
import type { FeatureValue } from '../../connectors/contracts/online-store.ts';
import type { DomainEvent } from '../../schema/events/domain-events.ts';
import { FEATURES, type FeatureEntity } from '../../schema/features.ts';

export type SourceName = 'rating' | 'trips' | 'demand';

export interface FeatureSpec {
  readonly name: string;
  readonly entity: FeatureEntity;
  readonly source: SourceName;
  readonly aggregate: 'count' | 'avg';
  readonly bucketMs: number;
  readonly windowMs: number;
  readonly ttlMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const HOW: Readonly<Record<string, Pick<FeatureSpec, 'source' | 'aggregate' | 'bucketMs'>>> = {
  driver_avg_rating_7d: { source: 'rating', aggregate: 'avg', bucketMs: 15 * MINUTE },
  driver_trips_7d: { source: 'trips', aggregate: 'count', bucketMs: 15 * MINUTE },
  rider_trips_30d: { source: 'trips', aggregate: 'count', bucketMs: HOUR },
  region_demand_1h: { source: 'demand', aggregate: 'count', bucketMs: MINUTE },
};

/** The features of schema/features.ts with how this job computes them. */
export const FEATURE_SPECS: readonly FeatureSpec[] = FEATURES.map((f) => {
  const how = HOW[f.name];
  if (!how) throw new Error(`feature ${f.name} has no real-time computation`);
  return { name: f.name, entity: f.entity, windowMs: f.windowMs, ttlMs: f.ttlMs, ...how };
});

export const FEATURE_ENTITIES: readonly FeatureEntity[] = ['driver', 'rider', 'region'];

export const stateEntity = (entity: FeatureEntity): string => `_state_${entity}`;

const specsOf = (entity: FeatureEntity): FeatureSpec[] => FEATURE_SPECS.filter((s) => s.entity === entity);

/** The value vector's TTL: the longest ttlMs of the entity's feature definitions. */
export const valueTtlMs = (entity: FeatureEntity): number => Math.max(0, ...specsOf(entity).map((s) => s.ttlMs));

/** The state vector outlives the longest window of the entity by a day. */
export const stateTtlMs = (entity: FeatureEntity): number => Math.max(0, ...specsOf(entity).map((s) => s.windowMs + s.bucketMs)) + DAY;

/** The bucket size and window of one entity source (the widest spec that reads it). */
export function sourceSpec(entity: FeatureEntity, source: SourceName): { bucketMs: number; windowMs: number } {
  const specs = specsOf(entity).filter((s) => s.source === source);
  if (specs.length === 0) throw new Error(`no feature of ${entity} reads source ${source}`);
  return { bucketMs: Math.min(...specs.map((s) => s.bucketMs)), windowMs: Math.max(...specs.map((s) => s.windowMs)) };
}

export interface Contribution {
  /** Identity of the event in the state (a short hash of event_id): a duplicate is the same key. */
  readonly key: string;
  readonly entity: FeatureEntity;
  readonly id: string;
  readonly source: SourceName;
  readonly at: number;
  readonly value: number;
}

/** What one event adds to which entity. Events that feed no feature give []. */
export function contributionsOf(e: DomainEvent): Contribution[] {
  const at = e.occurred_at;
  const key = eventKeyOf(e.event_id);
  switch (e.event_type) {
    case 'BookingCreated':
      return [{ key, entity: 'region', id: e.data.region_id, source: 'demand', at, value: 1 }];
    case 'BookingCompleted':
      return [
        { key, entity: 'driver', id: e.data.driver_id, source: 'trips', at, value: 1 },
        { key, entity: 'rider', id: e.data.rider_id, source: 'trips', at, value: 1 },
      ];
    case 'DriverRated':
      return [{ key, entity: 'driver', id: e.data.driver_id, source: 'rating', at, value: e.data.rating }];
    default:
      return [];
  }
}

/** 60 bits of sha-256 of the event id: a collision inside one entity's bucket is negligible. */
export const eventKeyOf = (eventId: string): string => createHash('sha256').update(eventId).digest('base64url').slice(0, 10);

export interface SourceState {
  /** Newest event time applied. */
  t: number;
  /** Bucket index (floor(time / bucketMs)) -> event key -> value (1 for counts, the rating for averages). */
  b: Record<string, Record<string, number>>;
}

export const fieldName = (source: SourceName, topic: string, partition: number): string => `${source}@${topic}#${partition}`;

export function sourceOfField(field: string): SourceName | null {
  const s = field.slice(0, field.indexOf('@'));
  return s === 'rating' || s === 'trips' || s === 'demand' ? s : null;
}

export function emptyState(): SourceState {
  return { t: 0, b: {} };
}

/** Reads a state field; anything unreadable (or of the older offset-based format) starts empty (the caller logs it). */
export function parseState(v: FeatureValue | undefined): SourceState | null {
  if (typeof v !== 'string') return null;
  try {
    const j = JSON.parse(v) as Partial<SourceState> & { o?: unknown };
    if (j.o !== undefined || typeof j.t !== 'number' || typeof j.b !== 'object' || j.b === null) return null;
    const b: Record<string, Record<string, number>> = {};
    for (const [k, x] of Object.entries(j.b)) {
      if (typeof x !== 'object' || x === null || Array.isArray(x)) return null;
      const ids: Record<string, number> = {};
      for (const [id, val] of Object.entries(x as Record<string, unknown>)) if (typeof val === 'number') ids[id] = val;
      b[k] = ids;
    }
    return { t: j.t, b };
  } catch {
    return null;
  }
}

export const serializeState = (s: SourceState): string => JSON.stringify(s);

/** Adds one event's contribution unless the state holds it already (idempotent). Returns whether it was new. */
export function applyToState(s: SourceState, key: string, at: number, value: number, bucketMs: number): boolean {
  const k = String(Math.floor(at / bucketMs));
  const bucket = s.b[k] ?? (s.b[k] = {});
  if (key in bucket) return false;
  bucket[key] = value;
  s.t = Math.max(s.t, at);
  return true;
}

/** Drops buckets that no longer overlap the window ending at `now`. */
export function pruneState(s: SourceState, now: number, windowMs: number, bucketMs: number): void {
  for (const k of Object.keys(s.b)) if ((Number(k) + 1) * bucketMs <= now - windowMs) delete s.b[k];
}

/** [count, sum] of the distinct events in buckets overlapping (now - window, now], over all fields. */
function windowTotals(states: readonly SourceState[], now: number, windowMs: number, bucketMs: number): [number, number] {
  const seen = new Map<string, number>();
  for (const s of states) {
    for (const [k, ids] of Object.entries(s.b)) {
      const start = Number(k) * bucketMs;
      if (start + bucketMs > now - windowMs && start <= now) for (const [id, v] of Object.entries(ids)) seen.set(id, v);
    }
  }
  let sum = 0;
  for (const v of seen.values()) sum += v;
  return [seen.size, sum];
}

/** The newest event time any state field of the vector has seen. */
export function stateClock(fields: Readonly<Record<string, FeatureValue>>): number {
  let t = 0;
  for (const [k, v] of Object.entries(fields)) {
    if (sourceOfField(k) === null) continue;
    t = Math.max(t, parseState(v)?.t ?? 0);
  }
  return t;
}

/** The feature values of one entity from all its state fields, at event time `now`. */
export function featureValues(entity: FeatureEntity, fields: Readonly<Record<string, FeatureValue>>, now: number): Record<string, FeatureValue> {
  const bySource = new Map<SourceName, SourceState[]>();
  for (const [k, v] of Object.entries(fields)) {
    const source = sourceOfField(k);
    const s = source ? parseState(v) : null;
    if (!source || !s) continue;
    const list = bySource.get(source) ?? [];
    list.push(s);
    bySource.set(source, list);
  }
  const out: Record<string, FeatureValue> = {};
  for (const spec of specsOf(entity)) {
    const { bucketMs } = sourceSpec(entity, spec.source);
    const [n, sum] = windowTotals(bySource.get(spec.source) ?? [], now, spec.windowMs, bucketMs);
    out[spec.name] = spec.aggregate === 'count' ? n : n === 0 ? null : Math.round((sum / n) * 10_000) / 10_000;
  }
  return out;
}
