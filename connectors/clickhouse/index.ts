/** The ClickHouse warehouse connector (kind 'clickhouse'), for the `services` profile. */
import type { ConnectorFactory } from '../registry.ts';
import { clickHouseWarehouseConfigSchema } from './clickhouse-config.ts';
import { ClickHouseWarehouse } from './clickhouse-warehouse.ts';

export const clickHouseWarehouseFactory: ConnectorFactory<typeof clickHouseWarehouseConfigSchema, ClickHouseWarehouse> = {
  capability: 'warehouse',
  kind: 'clickhouse',
  configSchema: clickHouseWarehouseConfigSchema,
  create: (config, ctx) => new ClickHouseWarehouse(config, ctx),
};

export { ClickHouseWarehouse, createClickHouseWarehouse } from './clickhouse-warehouse.ts';
export { clickHouseWarehouseConfigSchema, type ClickHouseWarehouseConfig } from './clickhouse-config.ts';
export { TRIPS_DAILY_MV } from './clickhouse-rollup.ts';
