/**
 * The feature store's offline side in a process: a LakeStore instance of its own (as bin/pipeline.ts
 * opens one, so closing another job's store does not close ours), the Delta tables over it and a
 * DuckDB connection: the OfflineSource that getHistoricalFeatures, materialisation and the platform
 * training sets read. Opened lazily on first use by the features subgraph and `gofuture features`.
 */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LakeStore } from '../connectors/contracts/lake-store.ts';
import { getHistoricalFeatures, lakeOfflineSource, type OfflineSource } from '../jobs/features/offline/index.ts';
import { openLake } from '../jobs/lake/delta/index.ts';
import { entityOf, FEATURE_VIEWS } from '../schema/features/index.ts';
import { PlatformError } from '../schema/errors.ts';
import type { HistoricalFeatureApi } from '../subgraphs/features/index.ts';
import type { PlatformConfig } from './config.ts';
import { connectorRegistry } from './connectors.ts';

export interface FeatureOffline {
  readonly source: OfflineSource;
  close(): Promise<void>;
}

export async function openFeatureOffline(config: Readonly<PlatformConfig>, logger: Logger, metrics: Registry, scratch = 'features'): Promise<FeatureOffline> {
  const storeConfig = (config.connectors as Record<string, unknown>).lakeStore as ({ kind: string } & Record<string, unknown>) | undefined;
  if (!storeConfig) throw new PlatformError('FEATURE_STORE_UNAVAILABLE', 'no connectors.lakeStore configured: the offline feature store is the lake', { what: 'connectors.lakeStore' });
  const store = connectorRegistry().create<LakeStore>('lakeStore', storeConfig, { logger: logger.child({ connector: 'lakeStore' }), metrics }, 'connectors.lakeStore');
  await store.start();
  const lake = openLake(store, { scratchDir: path.join(config.dataDir, 'lake-scratch', scratch), logger });
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  return {
    source: lakeOfflineSource(lake, conn),
    close: async () => {
      conn.closeSync();
      db.closeSync();
      await lake.close();
      await store.close();
    },
  };
}

/** historicalFeatures of the features subgraph over a lazily opened offline store. */
export function lazyHistoricalApi(open: () => Promise<FeatureOffline>): HistoricalFeatureApi & { close(): Promise<void> } {
  let opened: Promise<FeatureOffline> | null = null;
  const get = (): Promise<FeatureOffline> => {
    if (!opened) {
      opened = open();
      opened.catch(() => {
        opened = null;
      });
    }
    return opened;
  };
  return {
    lookup: async (viewName, ids, at) => {
      const view = FEATURE_VIEWS.find((v) => v.name === viewName);
      if (!view) throw new PlatformError('FEATURE_REF_INVALID', `no feature view ${viewName}`, { ref: viewName });
      const { source } = await get();
      const key = entityOf(view.entity).joinKey;
      const h = await getHistoricalFeatures(source, ids.map((id) => ({ [key]: id, event_timestamp: Math.floor(at) })), [`${view.name}:*`], { includeEventTimestamps: true });
      return h.rows.map((r) => {
        const ets = r[`${view.name}__event_timestamp`];
        const values: Record<string, number | string | null> = {};
        for (const f of view.schema) {
          const v = r[f.name];
          values[f.name] = typeof v === 'boolean' ? (v ? 1 : 0) : v ?? null;
        }
        return { eventTimestamp: typeof ets === 'number' ? ets : null, values };
      });
    },
    close: async () => {
      const o = opened;
      opened = null;
      if (o) await (await o).close();
    },
  };
}
