/** The windows job's configuration (config key `windows`, validated by the composition root). */
import { z } from 'zod';
import { DEFAULT_SPEC_NAMES } from '../../schema/windows/index.ts';

/** The window runner's settings (jobs/windows/window-runner.ts), shared by the windows and aggregation jobs' config. */
export const WINDOW_RUNNER_CONFIG = {
  /** Running (non-final) windows are published at most once per this many ms per window. */
  publishIntervalMs: z.number().int().min(0).max(3_600_000).default(1000),
  /** How often (processing time) the job asks the log which partitions hold data. */
  partitionRefreshMs: z.number().int().min(100).default(5000),
  /**
   * A partition that holds data but gives the job no valid event for this long (processing time)
   * stops holding the watermark back (e.g. a partition of only malformed records).
   */
  unseenPartitionTimeoutMs: z.number().int().min(0).default(60_000),
  maxBatchSize: z.number().int().min(1).max(100_000).default(500),
};

export const WindowsConfigSchema = z
  .object({
    /** Specs of the catalogue (schema/windows/index.ts SPEC_CATALOGUE) to run, by name. */
    specs: z.array(z.string().min(1)).default([...DEFAULT_SPEC_NAMES]),
    /** Further specs given as data (validated like the catalogue's). */
    extraSpecs: z.array(z.unknown()).default([]),
    /**
     * Scaling: this process runs the specs whose name hashes to `member.index` modulo `member.count`
     * (docs/decisions/0021-window-specs.md). Each member has its own consumer group.
     */
    member: z
      .object({ index: z.number().int().min(0), count: z.number().int().min(1) })
      .strict()
      .refine((m) => m.index < m.count, 'member.index must be below member.count')
      .default({ index: 0, count: 1 }),
    /** Consumer group; default `stream-windows-<fingerprint of the specs run>`, so a changed spec set rebuilds from the log. */
    groupId: z.string().min(1).optional(),
    ...WINDOW_RUNNER_CONFIG,
  })
  .strict();

export type WindowsConfig = z.output<typeof WindowsConfigSchema>;
export type WindowsConfigInput = z.input<typeof WindowsConfigSchema>;
