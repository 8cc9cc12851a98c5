/**
 * Supply follows demand: how many drivers each region has (the fleet) and how many of them are
 * online at a time (shifts). Every simulated minute each region aims at enough online drivers to
 * keep about `targetUtilization` of them busy at the booking rate of now and of the next 20 minutes
 * (rush hours, weather) or at the drivers busy right now; offline drivers log on to close a gap,
 * free drivers end their shift when there are too many, and every online driver ends a shift now
 * and then (mean 5 h).
 */
import type { SimContext } from './context.ts';
import { setDriverStatus } from './drivers.ts';
import { bookingRate, MAX_WEATHER_FACTOR, type RegionState } from './world.ts';

const MINUTE = 60_000;
/**
 * Mean driver time one booking takes (s): assignment, pickup (ETA 1-7 min), a trip of 8-45 min
 * (about 17 on average) and hand-over, times the share of bookings that get that far.
 */
export const OCCUPANCY_S = 1250;
/** Drivers kept free on top of the utilization target, per region. */
const MIN_FREE = 2;
const MEAN_SHIFT_MINUTES = 5 * 60;
/** Share of the gap closed per minute (drivers take a while to respond). */
const LOG_ON_SHARE = 0.5;
const LOG_OFF_SHARE = 0.2;

/** Drivers log on ahead of a rush: the target looks this far ahead at the demand curve. */
const LOOKAHEAD_MS = 20 * MINUTE;

/**
 * Drivers a region should have online at `time`: enough that the drivers busy now, or the drivers
 * the demand of the next 20 minutes keeps busy, are `targetUtilization` of them, plus a few free.
 */
export function targetOnline(ctx: SimContext, region: RegionState, time: number, busy: number): number {
  const rate = Math.max(bookingRate(ctx.config.ratePerSecond, region, time), bookingRate(ctx.config.ratePerSecond, region, time + LOOKAHEAD_MS));
  return Math.ceil(Math.max(rate * OCCUPANCY_S, busy) / ctx.config.targetUtilization) + MIN_FREE;
}

/** The fleet of a region: enough for the snowy peak hour with a reserve, or the configured size. */
export function fleetSize(ratePerSecond: number, demandWeight: number, regions: number, targetUtilization: number, driversPerRegion: number | undefined): number {
  if (driversPerRegion !== undefined) return Math.max(3, Math.round(driversPerRegion * demandWeight * regions));
  const peakBusy = ratePerSecond * demandWeight * MAX_WEATHER_FACTOR * OCCUPANCY_S;
  return Math.max(3, Math.ceil((peakBusy / targetUtilization + MIN_FREE) * 1.2));
}

function counts(region: RegionState): { busy: number; staying: number } {
  let busy = 0;
  let staying = 0;
  for (const d of region.drivers) {
    if (d.status === 'busy') busy++;
    if (d.status !== 'offline' && !d.wantsOffline) staying++;
  }
  return { busy, staying };
}

/** Everyone announces a status at the start: as many online as the first minute's target. */
export function initDrivers(ctx: SimContext, time: number): void {
  for (const region of ctx.world.regions) {
    const target = targetOnline(ctx, region, time, 0);
    region.drivers.forEach((d, i) => setDriverStatus(ctx, d, i < target ? 'online' : 'offline', time, true));
  }
}

/** One simulated minute of shifts in every region. */
export function stepShifts(ctx: SimContext, time: number): void {
  const { rng } = ctx;
  for (const region of ctx.world.regions) {
    // shifts end now and then (a busy driver finishes the trip first)
    for (const d of region.drivers) {
      if (d.status !== 'offline' && !d.wantsOffline && rng.chance(1 / MEAN_SHIFT_MINUTES)) {
        ctx.queue.schedule(time + rng.int(0, MINUTE - 1), (t) => {
          if (d.status === 'busy') d.wantsOffline = true;
          else if (d.status === 'online') setDriverStatus(ctx, d, 'offline', t);
        });
      }
    }
    const { busy, staying } = counts(region);
    const target = targetOnline(ctx, region, time, busy);
    if (staying < target) {
      const offline = region.drivers.filter((d) => d.status === 'offline');
      const n = Math.min(offline.length, Math.ceil((target - staying) * LOG_ON_SHARE));
      for (let i = 0; i < n; i++) {
        const d = offline.splice(rng.int(0, offline.length - 1), 1)[0];
        if (d) ctx.queue.schedule(time + rng.int(0, MINUTE - 1), (t) => d.status === 'offline' && setDriverStatus(ctx, d, 'online', t));
      }
    } else if (staying > target * 1.15) {
      const free = region.drivers.filter((d) => d.status === 'online' && !d.wantsOffline);
      const n = Math.min(free.length, Math.floor((staying - target) * LOG_OFF_SHARE));
      for (let i = 0; i < n; i++) {
        const d = free.splice(rng.int(0, free.length - 1), 1)[0];
        if (d) ctx.queue.schedule(time + rng.int(0, MINUTE - 1), (t) => d.status === 'online' && setDriverStatus(ctx, d, 'offline', t));
      }
    }
  }
}
