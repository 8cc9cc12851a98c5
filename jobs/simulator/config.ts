/** The simulator's configuration: one zod schema with defaults (the composition root validates it). */
import { z } from 'zod';

export const SimulatorConfigSchema = z
  .object({
    /** PRNG seed: the same seed and start time give the same event stream. */
    seed: z.number().int().default(42),
    /** Bookings per simulated second for the whole platform at peak (rush hour, clear weather). */
    ratePerSecond: z.number().positive().max(1000).default(0.2),
    /** Simulated seconds per real second (1 = real time) when running on the timer. */
    speed: z.number().positive().max(100_000).default(1),
    /** Simulated time of the first tick, epoch ms. Default: now when the simulator is created. */
    startTime: z.number().int().positive().optional(),
    /**
     * Fleet size, as average drivers per region (each region gets a share proportional to its demand
     * weight, at least 3). Default: sized from the demand (ratePerSecond) so that even the peak hour in
     * snow finds enough drivers to log on (jobs/simulator/supply.ts). Which drivers are online follows
     * demand either way (shifts, more drivers in rush hours).
     */
    driversPerRegion: z.number().int().min(1).max(10_000).optional(),
    /** Share of online drivers busy that the shift model aims at (drivers log on and off to keep it). */
    targetUtilization: z.number().min(0.1).max(0.95).default(0.7),
    /** Riders in the pool bookings are drawn from. */
    riders: z.number().int().min(10).max(1_000_000).default(5000),
    /** Real milliseconds between ticks of the timer. */
    tickMs: z.number().int().min(10).max(60_000).default(1000),
    /** Simulated milliseconds between two DriverLocationUpdated of one online driver (seed 002: 5 s). */
    locationIntervalMs: z.number().int().min(1000).default(5000),
    /** Share of emitted events that are additionally published as a malformed record (dead-letter exercise). */
    invalidShare: z.number().min(0).max(1).default(0),
    /** Share of events published late (out of order), each held back by up to `maxLatenessMs`. */
    lateShare: z.number().min(0).max(1).default(0.01),
    maxLatenessMs: z.number().int().min(0).max(3_600_000).default(10_000),
    /**
     * Simulated ms after which a partition that holds data but got no record receives a producer
     * watermark mark (schema/events/control-records.ts), so a quiet region does not hold the windows
     * back. 0: no marks.
     */
    watermarkIntervalMs: z.number().int().min(0).max(3_600_000).default(5000),
    /** Share of riders who are fraudsters (schema/fraud-patterns.ts: mostly flagged, crypto, night rides, bursts). */
    fraudShare: z.number().min(0).max(1).default(0.004),
    /**
     * Velocity-fraud bursts (more than 5 payments in 30 min by one user) per simulated hour at night
     * (a fifth of that by day). Default: 4 x ratePerSecond, so the fraud share does not depend on the rate.
     */
    fraudBurstsPerHour: z.number().min(0).optional(),
    /**
     * Share of DriverLocationUpdated sent with a GPS glitch: one ping 20-80 km off the driver's real
     * position (an impossible jump there and back, for the anomaly detectors; glitches.ts). Own PRNG
     * stream: every other event is the same with or without it.
     */
    locationGlitchShare: z.number().min(0).max(1).default(0.00002),
    currency: z.string().regex(/^[A-Z]{3}$/).default('RUB'),
    /** Publish each payment's ground-truth fraud label on the fraud-labels topic (seed 001 `is_fraud`). */
    fraudLabels: z.boolean().default(true),
  })
  .strict();

export type SimulatorConfig = z.output<typeof SimulatorConfigSchema>;
export type SimulatorConfigInput = z.input<typeof SimulatorConfigSchema>;
