/**
 * Injected anomalies for the stream detectors (jobs/anomalies), from their own PRNG stream
 * (`ctx.anomalyRng`), so they change no other event of a seeded run:
 * - a GPS glitch: with probability `locationGlitchShare` a DriverLocationUpdated reports a position
 *   20-80 km off the driver's real one (the next ping is real again). The driver does not move.
 * Payment patterns need no injection: the card-testing bursts of fraud.ts are bursts, from fresh
 * devices, with amounts far above the fraudster's rides.
 */
import type { SimContext } from './context.ts';
import type { Driver } from './world.ts';

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** The position a ping reports: the driver's, or (rarely) a glitch far away. */
export function reportedPosition(ctx: SimContext, d: Driver): { lat: number; lon: number } {
  const share = ctx.config.locationGlitchShare;
  if (share <= 0 || !ctx.anomalyRng.chance(share)) return { lat: d.lat, lon: d.lon };
  const km = ctx.anomalyRng.float(20, 80);
  const bearing = ctx.anomalyRng.float(0, 2 * Math.PI);
  const lat = Math.max(-89.9, Math.min(89.9, d.lat + (km / 111) * Math.cos(bearing)));
  const lon = d.lon + (km / (111 * Math.max(0.01, Math.cos((lat * Math.PI) / 180)))) * Math.sin(bearing);
  return { lat: round6(lat), lon: round6(((lon + 540) % 360) - 180) };
}
