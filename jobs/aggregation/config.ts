/** The stream aggregation job's configuration (validated by the composition root). */
import { z } from 'zod';
import { WINDOW_RUNNER_CONFIG } from '../windows/config.ts';

export const AggregationConfigSchema = z
  .object({
    /** Consumer group on booking-events and pricing-events. Run one instance per group (the state spans partitions). */
    groupId: z.string().min(1).default('stream-aggregation'),
    /** Tumbling window sizes in minutes; 5 is the base of seed 002's surge inputs. */
    windowMinutes: z
      .array(z.number().int().min(1).max(24 * 60))
      .min(1)
      .default([5, 15, 60])
      .refine((a) => new Set(a).size === a.length, 'window sizes must be distinct'),
    /** Watermark = max event time seen minus this. Events of windows the watermark has passed are late. */
    allowedLatenessMs: z.number().int().min(0).max(24 * 3_600_000).default(30_000),
    ...WINDOW_RUNNER_CONFIG,
  })
  .strict();

export type AggregationConfig = z.output<typeof AggregationConfigSchema>;
export type AggregationConfigInput = z.input<typeof AggregationConfigSchema>;
