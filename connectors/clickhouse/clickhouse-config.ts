/** Config of the ClickHouse warehouse (validated, defaults filled, frozen by the registry). */
import { z } from 'zod';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const clickHouseWarehouseConfigSchema = z.object({
  /** HTTP interface, e.g. http://127.0.0.1:8123 (the services profile uses 18123). */
  url: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8123'),
  /** Database the tables live in; created at start if missing. */
  database: z.string().regex(IDENT, 'expected a plain identifier').default('gofuture'),
  username: z.string().default('default'),
  password: z.string().default(''),
  requestTimeoutMs: z.number().int().positive().default(30_000),
  /** Rows per INSERT statement; a failing one is bisected to find the bad rows. */
  insertBatchSize: z.number().int().positive().max(1_000_000).default(10_000),
  /** How start() waits for a server that is not up yet. */
  startRetry: z.object({
    retries: z.number().int().min(0).default(5),
    initialMs: z.number().int().positive().default(200),
    maxMs: z.number().int().positive().default(5_000),
  }).strict().prefault({}),
}).strict();

export type ClickHouseWarehouseConfig = z.output<typeof clickHouseWarehouseConfigSchema>;
export type ClickHouseWarehouseConfigInput = z.input<typeof clickHouseWarehouseConfigSchema>;
