/**
 * Driver location jumps (seed 002: "резкие скачки локации водителя"): two consecutive
 * DriverLocationUpdated of one driver (by event time) whose haversine distance over the time between
 * them implies a speed no car reaches. A one-ping GPS glitch (there and back) is one anomaly: after
 * a jump the detector remembers where the driver came from, and a next ping that is plausible from
 * there is the glitch ending, not a second jump. Pure; the state is JSON for the job's store.
 */
import type { DomainEventOf } from '../../schema/events/domain-events.ts';
import type { Anomaly } from './anomaly.ts';
import { haversineKm } from './geo.ts';

export interface LocationPoint {
  readonly at: number;
  readonly lat: number;
  readonly lon: number;
  readonly eventId: string;
}

export interface LocationState {
  readonly last: LocationPoint;
  /** The point before the last jump, while the jump may still be a glitch. */
  readonly jumpFrom: LocationPoint | null;
}

export interface LocationJumpConfig {
  /** Implied speeds above this are impossible (km/h). */
  readonly maxSpeedKmh: number;
  /** Jumps shorter than this are GPS noise whatever the time between (km). */
  readonly minDistanceKm: number;
}

export const DEFAULT_LOCATION_JUMPS: LocationJumpConfig = { maxSpeedKmh: 250, minDistanceKm: 1 };

const impliedKmh = (a: LocationPoint, b: LocationPoint): number => {
  const hours = (b.at - a.at) / 3_600_000;
  const km = haversineKm(a, b);
  return hours > 0 ? km / hours : km > 0 ? Infinity : 0;
};

const plausible = (a: LocationPoint, b: LocationPoint, c: LocationJumpConfig): boolean => haversineKm(a, b) < c.minDistanceKm || impliedKmh(a, b) <= c.maxSpeedKmh;

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

export function detectLocationJump(
  state: LocationState | null,
  e: DomainEventOf<'DriverLocationUpdated'>,
  c: LocationJumpConfig = DEFAULT_LOCATION_JUMPS,
): { state: LocationState; anomaly: Anomaly | null } {
  const p: LocationPoint = { at: e.occurred_at, lat: e.data.position.lat, lon: e.data.position.lon, eventId: e.event_id };
  if (!state) return { state: { last: p, jumpFrom: null }, anomaly: null };
  // an older (late) or repeated ping says nothing about the movement since the last one
  if (p.at <= state.last.at) return { state, anomaly: null };
  if (plausible(state.last, p, c)) return { state: { last: p, jumpFrom: null }, anomaly: null };
  if (state.jumpFrom && plausible(state.jumpFrom, p, c)) return { state: { last: p, jumpFrom: null }, anomaly: null };
  const from = state.last;
  const km = haversineKm(from, p);
  const seconds = (p.at - from.at) / 1000;
  const kmh = impliedKmh(from, p);
  const anomaly: Anomaly = {
    kind: 'location_jump',
    subjectId: e.data.driver_id,
    at: p.at,
    eventId: p.eventId,
    severity: 'warn',
    message: `driver ${e.data.driver_id} jumped ${round(km, 1)} km in ${round(seconds, 1)} s (${Number.isFinite(kmh) ? Math.round(kmh) : 'infinite'} km/h)`,
    evidence: {
      driverId: e.data.driver_id, regionId: e.data.region_id,
      from: { eventId: from.eventId, at: from.at, lat: from.lat, lon: from.lon },
      to: { eventId: p.eventId, at: p.at, lat: p.lat, lon: p.lon },
      distanceKm: round(km, 3), seconds, impliedSpeedKmh: Number.isFinite(kmh) ? round(kmh, 1) : null,
      reportedSpeedKmh: e.data.speed_kmh, maxSpeedKmh: c.maxSpeedKmh,
    },
  };
  return { state: { last: p, jumpFrom: from }, anomaly };
}
