/**
 * A synthetic `trips` table for the warehouse suite: `count` rows of the TRIPS contract requested in
 * the 24 hours before `now`, from a fixed seed (same rows for every engine, same shape every run):
 * regions by demand weight, about 62% completed, 30% cancelled, the rest in flight.
 */
import type { Row } from '../../connectors/contracts/warehouse.ts';
import { mulberry32 } from '../../jobs/simulator/prng.ts';
import { REGIONS } from '../../schema/regions.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEATHER = ['clear', 'clear', 'clear', 'rain', 'snow'] as const;

function pickRegion(u: number): string {
  let acc = 0;
  const total = REGIONS.reduce((s, r) => s + r.demandWeight, 0);
  for (const r of REGIONS) {
    acc += r.demandWeight / total;
    if (u < acc) return r.id;
  }
  return (REGIONS[REGIONS.length - 1] as (typeof REGIONS)[number]).id;
}

export function* syntheticTrips(count: number, now: number, seed = 7): Generator<Row> {
  const rnd = mulberry32(seed);
  const start = now - DAY;
  for (let i = 0; i < count; i++) {
    const requested = start + Math.floor(rnd() * (DAY - 60_000));
    const u = rnd();
    const status = u < 0.62 ? 'completed' : u < 0.92 ? 'cancelled' : u < 0.95 ? 'started' : u < 0.98 ? 'accepted' : 'requested';
    const accepted = status === 'requested' || (status === 'cancelled' && rnd() < 0.5) ? null : requested + 30_000 + Math.floor(rnd() * 240_000);
    const started = accepted !== null && (status === 'started' || status === 'completed') ? accepted + 60_000 + Math.floor(rnd() * 300_000) : null;
    const duration = started !== null && status === 'completed' ? 300 + Math.floor(rnd() * 3000) : null;
    const distance = Math.round((1 + rnd() * 24) * 100) / 100;
    const surge = Math.round((1 + (rnd() < 0.3 ? rnd() * 1.5 : 0)) * 100) / 100;
    const fare = status === 'completed' ? Math.round((150 + distance * 35) * surge * 100) / 100 : null;
    yield {
      trip_id: `bench-trip-${i.toString(36)}`,
      region_id: pickRegion(rnd()),
      rider_id: `rider-${Math.floor(rnd() * 20_000)}`,
      driver_id: accepted === null ? null : `driver-${Math.floor(rnd() * 1_500)}`,
      status,
      fare,
      currency: 'RUB',
      surge_multiplier: surge,
      distance_km: distance,
      duration_s: duration,
      weather: WEATHER[Math.floor(rnd() * WEATHER.length)] as string,
      requested_at: requested,
      accepted_at: accepted,
      started_at: started,
      completed_at: started !== null && duration !== null ? started + duration * 1000 : null,
      cancelled_at: status === 'cancelled' ? requested + 60_000 + Math.floor(rnd() * 600_000) : null,
      cancelled_by: status === 'cancelled' ? (['rider', 'driver', 'system'] as const)[Math.floor(rnd() * 3)] as string : null,
      cancel_reason: status === 'cancelled' ? 'changed plans' : null,
      requested_hour: Math.floor(requested / HOUR) * HOUR,
      trip_date: new Date(requested).toISOString().slice(0, 10),
      version: 1,
    };
  }
}
