/**
 * Drivers: status changes (online/offline/busy, DriverStatusChanged; when shifts start and end is
 * supply.ts), and a GPS ping (DriverLocationUpdated) every `locationIntervalMs` of simulated time
 * while not offline.
 */
import type { SimContext } from './context.ts';
import type { Driver, DriverStatus } from './world.ts';
import { reportedPosition } from './glitches.ts';

export function setDriverStatus(ctx: SimContext, d: Driver, status: DriverStatus, time: number, initial = false): void {
  const previous = initial ? null : d.status;
  if (!initial && previous === status) return;
  d.status = status;
  ctx.emitter.emit('DriverStatusChanged', { driver_id: d.id, region_id: d.region.info.id, name: d.name, status, previous_status: previous }, time);
  if (status !== 'offline' && !d.tracking) startTracking(ctx, d, time);
}

/** A trip ended: the driver is free again, or goes offline if they meant to. */
export function releaseDriver(ctx: SimContext, d: Driver, time: number): void {
  const next = d.wantsOffline ? 'offline' : 'online';
  d.wantsOffline = false;
  setDriverStatus(ctx, d, next, time);
}

function startTracking(ctx: SimContext, d: Driver, time: number): void {
  d.tracking = true;
  ctx.queue.schedule(time + ctx.rng.int(0, ctx.config.locationIntervalMs - 1), (t) => ping(ctx, d, t));
}

function ping(ctx: SimContext, d: Driver, time: number): void {
  if (d.status === 'offline') {
    d.tracking = false;
    return;
  }
  move(ctx, d);
  ctx.emitter.emit(
    'DriverLocationUpdated',
    { driver_id: d.id, region_id: d.region.info.id, position: reportedPosition(ctx, d), speed_kmh: d.speedKmh, heading: d.heading },
    time,
  );
  ctx.queue.schedule(time + ctx.config.locationIntervalMs, (t) => ping(ctx, d, t));
}

/** A bounded random walk: busy drivers drive, free ones cruise slowly or wait. */
function move(ctx: SimContext, d: Driver): void {
  const { rng } = ctx;
  const center = d.region.info.center;
  d.speedKmh = d.status === 'busy' ? Math.round(rng.float(15, 70)) : rng.chance(0.4) ? 0 : Math.round(rng.float(5, 35));
  d.heading = (d.heading + rng.int(-30, 30) + 360) % 360;
  // Turn back towards the center when far out (about 12 km).
  if (Math.abs(d.lat - center.lat) > 0.11 || Math.abs(d.lon - center.lon) > 0.19) {
    const toCenter = (Math.atan2(center.lon - d.lon, center.lat - d.lat) * 180) / Math.PI;
    d.heading = Math.round((toCenter + 360) % 360);
  }
  const km = (d.speedKmh * ctx.config.locationIntervalMs) / 3_600_000;
  const rad = (d.heading * Math.PI) / 180;
  d.lat = Math.round((d.lat + (km / 111) * Math.cos(rad)) * 1e6) / 1e6;
  d.lon = Math.round((d.lon + (km / (111 * Math.cos((d.lat * Math.PI) / 180))) * Math.sin(rad)) * 1e6) / 1e6;
}
