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
    /** Average drivers per region; each region gets a share proportional to its demand weight (at least 3). */
    driversPerRegion: z.number().int().min(1).max(10_000).default(50),
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
    /** Share of riders who are fraudsters (known_fraud_flag, crypto, night bursts of payments). */
    fraudShare: z.number().min(0).max(1).default(0.02),
    /** Velocity-fraud bursts (more than 5 payments in 30 min by one user) per simulated hour at night. */
    fraudBurstsPerHour: z.number().min(0).default(2),
    currency: z.string().regex(/^[A-Z]{3}$/).default('RUB'),
  })
  .strict();

export type SimulatorConfig = z.output<typeof SimulatorConfigSchema>;
export type SimulatorConfigInput = z.input<typeof SimulatorConfigSchema>;
