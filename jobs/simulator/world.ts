/**
 * The simulated world: regions (weather, demand, surge), drivers and riders, plus the demand curve
 * (rush hours 07-10 and 17-20 local time, quiet nights) and weather effects.
 */
import { FRAUD_PATTERNS } from '../../schema/fraud-patterns.ts';
import { REGIONS, type RegionInfo } from '../../schema/regions.ts';
import type { DRIVER_STATUSES, PAYMENT_METHODS, WEATHER } from '../../schema/events/domain-events.ts';
import type { Rng } from './prng.ts';

export type Weather = (typeof WEATHER)[number];
export type DriverStatus = (typeof DRIVER_STATUSES)[number];
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export interface Driver {
  readonly id: string;
  readonly name: string;
  readonly region: RegionState;
  status: DriverStatus;
  /** Goes offline once the current trip ends. */
  wantsOffline: boolean;
  /** A location chain is scheduled (the driver is not offline). */
  tracking: boolean;
  lat: number;
  lon: number;
  heading: number;
  speedKmh: number;
}

export interface Rider {
  readonly id: string;
  readonly deviceId: string;
  readonly method: PaymentMethod;
  /** Ground truth: a fraudster account (every payment it makes is fraud). */
  readonly fraud: boolean;
  /** What the platform knows: the known-fraud flag on the user or device (most fraudsters, a few honest riders). */
  readonly flagged: boolean;
}

export interface RegionState {
  readonly info: RegionInfo;
  readonly index: number;
  weather: Weather;
  /** Current surge multiplier (1..3). */
  surge: number;
  /** Times of the bookings created in the last 5 simulated minutes. */
  readonly recentBookings: number[];
  readonly drivers: Driver[];
}

export interface World {
  readonly regions: readonly RegionState[];
  readonly riders: readonly Rider[];
  /** The fraudster riders (ground truth; most of them flagged). */
  readonly fraudsters: readonly Rider[];
  readonly drivers: readonly Driver[];
}

const HOUR_MS = 3_600_000;
const FIRST_NAMES = ['Ivan', 'Anna', 'Dmitry', 'Olga', 'Sergey', 'Elena', 'Alexey', 'Maria', 'Pavel', 'Irina', 'Nikolai', 'Tatiana', 'Artem', 'Yulia', 'Rustam', 'Aigul'];
const LAST_INITIALS = 'ABVGDEZIKLMNOPRSTUFH';

/** Local hour of day (0..23) of an epoch-ms instant in a region. */
export function localHour(time: number, region: RegionInfo): number {
  const h = Math.floor(time / HOUR_MS + region.timezoneOffsetHours);
  return ((h % 24) + 24) % 24;
}

/** Booking demand relative to the peak (1 in rush hours). */
export function hourFactor(hour: number): number {
  if ((hour >= 7 && hour < 10) || (hour >= 17 && hour < 20)) return 1;
  if (hour >= 10 && hour < 17) return 0.55;
  if (hour >= 20 && hour < 23) return 0.6;
  if (hour >= 5 && hour < 7) return 0.35;
  if (hour === 23) return 0.3;
  return 0.15;
}

export function weatherFactor(w: Weather): number {
  return w === 'snow' ? MAX_WEATHER_FACTOR : w === 'rain' ? 1.25 : 1;
}

/** The largest weather factor (snow). */
export const MAX_WEATHER_FACTOR = 1.4;

const isSnowSeason = (time: number): boolean => {
  const m = new Date(time).getUTCMonth();
  return m >= 10 || m <= 2;
};

/** One simulated minute of weather: a slow Markov chain (spells of tens of minutes). */
export function stepWeather(rng: Rng, region: RegionState, time: number): void {
  if (region.weather === 'clear') {
    if (rng.chance(1 / 120)) region.weather = isSnowSeason(time) && rng.chance(0.6) ? 'snow' : 'rain';
  } else if (rng.chance(1 / 40)) {
    region.weather = 'clear';
  }
}

/** Bookings per simulated second in a region now. */
export function bookingRate(ratePerSecond: number, region: RegionState, time: number): number {
  return ratePerSecond * region.info.demandWeight * hourFactor(localHour(time, region.info)) * weatherFactor(region.weather);
}

/**
 * Surge from demand over supply, rounded to 0.1: bookings of the last 5 min over free online
 * drivers, and the share of online drivers busy above 65 % (rush-hour pressure), plus 0.1 in bad weather.
 */
export function computeSurge(region: RegionState, time: number): number {
  const since = time - 5 * 60_000;
  while (region.recentBookings.length > 0 && (region.recentBookings[0] ?? 0) < since) region.recentBookings.shift();
  let free = 0;
  let busy = 0;
  for (const d of region.drivers) {
    if (d.status === 'online') free++;
    else if (d.status === 'busy') busy++;
  }
  const ratio = region.recentBookings.length / Math.max(1, free);
  const utilization = busy / Math.max(1, free + busy);
  const surge = 1 + Math.max(0, ratio - 0.8) * 0.6 + Math.max(0, utilization - 0.65) * 3 + (region.weather === 'clear' ? 0 : 0.1);
  return Math.min(3, Math.max(1, Math.round(surge * 10) / 10));
}

/** A point around the region's center (about +-10 km). */
export function randomPoint(rng: Rng, info: RegionInfo, spreadDeg = 0.09): { lat: number; lon: number } {
  return {
    lat: Math.round((info.center.lat + rng.float(-spreadDeg, spreadDeg)) * 1e6) / 1e6,
    lon: Math.round((info.center.lon + rng.float(-spreadDeg, spreadDeg) * 1.7) * 1e6) / 1e6,
  };
}

export interface WorldOptions {
  /** Drivers of a region, by its demand weight. */
  readonly fleetSize: (demandWeight: number) => number;
  readonly riders: number;
  readonly fraudShare: number;
}

export function createWorld(rng: Rng, options: WorldOptions): World {
  const { riders: riderCount, fraudShare } = options;
  const regions: RegionState[] = REGIONS.map((info, index) => ({
    info,
    index,
    weather: rng.chance(0.8) ? 'clear' : 'rain',
    surge: 1,
    recentBookings: [],
    drivers: [],
  }));
  const drivers: Driver[] = [];
  for (const region of regions) {
    const n = options.fleetSize(region.info.demandWeight);
    for (let i = 1; i <= n; i++) {
      const p = randomPoint(rng, region.info);
      const d: Driver = {
        id: `drv-${region.info.id}-${String(i).padStart(4, '0')}`,
        name: `${rng.pick(FIRST_NAMES)} ${rng.pick([...LAST_INITIALS])}.`,
        region,
        status: 'offline',
        wantsOffline: false,
        tracking: false,
        lat: p.lat,
        lon: p.lon,
        heading: rng.int(0, 359),
        speedKmh: 0,
      };
      region.drivers.push(d);
      drivers.push(d);
    }
  }
  const riders: Rider[] = [];
  for (let i = 1; i <= riderCount; i++) {
    const fraud = rng.chance(fraudShare);
    const method = rng.weighted<PaymentMethod>(fraud ? FRAUD_PATTERNS.fraudsterMethods : FRAUD_PATTERNS.honestMethods);
    const flagged = rng.chance(fraud ? FRAUD_PATTERNS.flaggedFraudsterShare : FRAUD_PATTERNS.flaggedHonestShare);
    riders.push({ id: `rider-${String(i).padStart(6, '0')}`, deviceId: `dev-${rng.u32().toString(16).padStart(8, '0')}`, method, fraud, flagged });
  }
  return { regions, riders, fraudsters: riders.filter((r) => r.fraud), drivers };
}
