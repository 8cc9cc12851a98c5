/** The stream aggregation job's configuration (validated by the composition root). */
import { z } from 'zod';

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
    /** Running (non-final) windows are published at most once per this many ms per key. */
    publishIntervalMs: z.number().int().min(0).max(3_600_000).default(1000),
    /** How often (processing time) the job asks the log which partitions hold data. */
    partitionRefreshMs: z.number().int().min(100).default(5000),
    /**
     * A partition that holds data but gives the job no valid event for this long (processing time)
     * stops holding the watermark back (e.g. a partition of only malformed records).
     */
    unseenPartitionTimeoutMs: z.number().int().min(0).default(60_000),
    maxBatchSize: z.number().int().min(1).max(100_000).default(500),
  })
  .strict();

export type AggregationConfig = z.output<typeof AggregationConfigSchema>;
export type AggregationConfigInput = z.input<typeof AggregationConfigSchema>;
