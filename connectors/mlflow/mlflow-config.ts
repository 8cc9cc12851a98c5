/** Config of the MLflow ModelVersionRegistry (services profile): the tracking server and the experiment its runs go to. */
import { z } from 'zod';

export const mlflowModelRegistryConfigSchema = z.object({
  /** The tracking server, e.g. http://127.0.0.1:15000 (`mlflow server`, scripts/services.sh up mlflow). */
  url: z.url(),
  /** Experiment holding the training run behind each version (created when missing). */
  experiment: z.string().min(1).default('gofuture-models'),
  /** A models/registry.json whose cards fill the server when it does not hold their model yet. */
  seed: z.string().min(1).optional(),
  /** Per-request timeout (ms). */
  timeoutMs: z.number().int().min(100).default(30_000),
  /** Attempts of a request on network errors, 429 and 5xx (sqlite's "database is locked" is a 500). */
  maxAttempts: z.number().int().min(1).max(20).default(6),
  /** Sent as `Authorization: Bearer` when set (MLflow's basic-auth app or a proxy in front of it). */
  token: z.string().min(1).optional(),
}).strict();

export type MlflowModelRegistryConfig = z.output<typeof mlflowModelRegistryConfigSchema>;
