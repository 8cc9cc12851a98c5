/**
 * The gateway's request policies as plain JSON data (limits, CORS, persisted operations): one zod
 * schema with safe defaults, used by `bin/config.ts` (`gateway.limits`, `gateway.cors`,
 * `gateway.persistedOperations`) and by `startGateway` (options cross a worker/child-process
 * boundary, so no functions here). Engine-neutral: each key maps to Hive Router's config where it
 * has one (docs/decisions/0006-limits.md).
 */
import { z } from 'zod';
import { DEFAULT_MAX_BODY_BYTES } from '../../schema/request-limits.ts';

const positive = z.number().int().positive();

export const RateLimitConfigSchema = z.object({
  /** Off: no rate limit at all. */
  enabled: z.boolean().default(true),
  /** Bucket size: operations a principal may send in a burst. */
  points: positive.default(100),
  /** Refill window in seconds: `points` per `durationSeconds`. */
  durationSeconds: positive.default(1),
  /** Shared store (services profile): replicas agree. Absent: in memory, per process. */
  redisUrl: z.string().min(1).optional(),
  /** Redis key prefix, so several platforms can share one Redis. */
  keyPrefix: z.string().min(1).default('gofuture:rl'),
}).strict();

export const LimitsConfigSchema = z.object({
  /** Lexical tokens in a document (graphql `parse(..., { maxTokens })`). */
  maxTokens: positive.default(10_000),
  /** Field nesting depth, fragments expanded. */
  maxDepth: positive.default(15),
  /** Aliased fields, fragments expanded. */
  maxAliases: positive.default(30),
  /** Directives, fragments expanded. */
  maxDirectives: positive.default(50),
  /** Fields once every fragment spread is expanded (computed per fragment, never by expanding). */
  maxFields: positive.default(2_000),
  /** Estimated cost (`@cost` weights, list sizes from `@listSize` or slicing arguments). */
  maxCost: positive.default(10_000),
  /** Size assumed for a list field without `@listSize` or a slicing argument. */
  defaultListSize: positive.default(10),
  /** Inputs of every prediction mutation in one request, aliases and batch inputs counted. */
  maxPredictionInputs: positive.default(1_000),
  /** Root mutation fields whose names start so are prediction mutations. */
  predictionFieldPrefix: z.string().min(1).default('predict'),
  /** Request body (gateway and subgraphs alike). 413 above it. */
  maxBodyBytes: positive.default(DEFAULT_MAX_BODY_BYTES),
  /** JSON size of `variables`. 413 above it. */
  maxVariablesBytes: positive.default(256 * 1024),
  /** End-to-end deadline of a query or mutation; upstream calls are aborted when it passes. */
  requestTimeoutMs: positive.default(30_000),
  /** Live subscriptions on one graphql-ws connection. */
  maxSubscriptionsPerConnection: positive.default(20),
  /** Live subscriptions of one principal across its connections (per gateway process). */
  maxSubscriptionsPerPrincipal: positive.default(100),
  rateLimit: RateLimitConfigSchema.prefault({}),
}).strict();

export const CorsConfigSchema = z.object({
  /** Exact origins allowed to read answers cross-origin (e.g. https://bi.gofuture.dev). Default: none. */
  origins: z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin: scheme://host[:port], no path')).default([]),
  /** Send `access-control-allow-credentials: true` to the listed origins (cookies / auth headers). */
  credentials: z.boolean().default(true),
  /** Preflight cache in seconds. */
  maxAgeSeconds: z.number().int().min(0).default(600),
  /** Also require this header on GET requests (forces a preflight cross-origin). POSTs must be JSON regardless. */
  csrfHeader: z.string().regex(/^[a-z0-9-]+$/, 'a lower-case header name').optional(),
}).strict();

export const PersistedOperationsConfigSchema = z.object({
  /** A manifest from `gofuture persisted build`: JSON object, sha256 hash -> document. */
  manifest: z.string().min(1).optional(),
  /** Allow-list mode: only operations of the manifest run. Off: manifest operations and arbitrary documents both run. */
  allowListOnly: z.boolean().default(false),
}).strict();

export const GatewayPolicyConfigSchema = z.object({
  limits: LimitsConfigSchema.prefault({}),
  cors: CorsConfigSchema.prefault({}),
  persistedOperations: PersistedOperationsConfigSchema.prefault({}),
}).strict();

export type RateLimitConfig = z.output<typeof RateLimitConfigSchema>;
export type LimitsConfig = z.output<typeof LimitsConfigSchema>;
export type CorsConfig = z.output<typeof CorsConfigSchema>;
export type PersistedOperationsConfig = z.output<typeof PersistedOperationsConfigSchema>;

/** What callers may give: every key optional, defaults filled by `resolveLimits` & co. */
export type LimitsInput = z.input<typeof LimitsConfigSchema>;
export type CorsInput = z.input<typeof CorsConfigSchema>;
export type PersistedOperationsInput = z.input<typeof PersistedOperationsConfigSchema>;

export function resolveLimits(input: LimitsInput | undefined): LimitsConfig {
  return LimitsConfigSchema.parse(input ?? {});
}

export function resolveCors(input: CorsInput | undefined): CorsConfig {
  return CorsConfigSchema.parse(input ?? {});
}

export function resolvePersistedOperations(input: PersistedOperationsInput | undefined): PersistedOperationsConfig {
  return PersistedOperationsConfigSchema.parse(input ?? {});
}
