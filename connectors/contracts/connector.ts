/**
 * What every connector implementation is: a kind, a validated frozen config, a lifecycle and
 * metrics. Capability contracts (event-log.ts, warehouse.ts, ...) extend `Connector`.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export type Capability = 'eventLog' | 'warehouse' | 'onlineStore' | 'lakeStore' | 'changeSource' | 'modelRuntime' | 'pubSub' | 'taskQueue' | 'modelVersionRegistry' | 'schemaRegistry';

export interface ConnectorContext {
  readonly logger: Logger;
  /** Where the connector registers its prom-client metrics (names prefixed `gofuture_`). */
  readonly metrics: Registry;
}

export interface HealthReport {
  readonly ok: boolean;
  readonly detail: string;
}

export interface Connector extends AsyncDisposable {
  readonly capability: Capability;
  readonly kind: string;
  /**
   * Optional features of the capability this implementation has (named in each contract). Calling a
   * missing one throws PlatformError CAPABILITY_UNSUPPORTED: declared, never faked.
   */
  readonly features: ReadonlySet<string>;
  /** Connects / opens. Idempotent. Fails with CONNECTOR_UNAVAILABLE (after its own retries) if the backend cannot be reached. */
  start(): Promise<void>;
  health(): Promise<HealthReport>;
  /** Flushes and releases everything. Idempotent; `[Symbol.asyncDispose]` calls it. */
  close(): Promise<void>;
}
