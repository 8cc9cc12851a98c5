/** Config of the lake jobs (`lake` in the platform config). */
import { z } from 'zod';

export const LakeConfigSchema = z.object({
  /** Staging of Parquet files and cache of remote objects (default: under the OS temp folder). */
  scratchDir: z.string().min(1).optional(),
  bronze: z.object({
    groupId: z.string().min(1).default('lake-bronze'),
    /** How often buffered records are committed (one commit per topic table). */
    flushMs: z.number().int().min(10).default(2000),
    /** Buffered records that force a commit before more is read. */
    maxRows: z.number().int().min(1).default(20_000),
    /** The CDC topics' prefix (`<prefix>.<schema>.<table>`). */
    cdcPrefix: z.string().min(1).default('cdc'),
  }).strict().prefault({}),
}).strict();

export type LakeConfig = z.output<typeof LakeConfigSchema>;
