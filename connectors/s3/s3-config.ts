/** Config of the S3 LakeStore (services profile): endpoint, bucket, key prefix, credentials. */
import { z } from 'zod';

export const s3LakeStoreConfigSchema = z.object({
  /** e.g. http://127.0.0.1:18333 (SeaweedFS's S3 gateway); omit for AWS itself. */
  endpoint: z.string().url().optional(),
  region: z.string().min(1).default('us-east-1'),
  bucket: z.string().min(3),
  /** Prepended to every key (`lake/`), so several platforms can share a bucket. Ends with `/` or is empty. */
  prefix: z.string().regex(/^$|\/$/, 'must be empty or end with /').default(''),
  accessKeyId: z.string().min(1).default('gofuture'),
  secretAccessKey: z.string().min(1).default('gofuture-secret'),
  /** Path-style URLs (`endpoint/bucket/key`), what local S3 servers serve. */
  forcePathStyle: z.boolean().default(true),
  /** Creates the bucket at start when it is missing. */
  createBucket: z.boolean().default(true),
  /** Attempts of a request on network errors and 5xx (the SDK's own retry). */
  maxAttempts: z.number().int().min(1).max(20).default(5),
}).strict();

export type S3LakeStoreConfig = z.output<typeof s3LakeStoreConfigSchema>;
