/** The `services` profile's implementations: Kafka, ClickHouse, Redis, PostgreSQL CDC. */
import type { ConnectorRegistry } from '../connectors/registry.ts';
import { kafkaEventLogFactory } from '../connectors/kafka/index.ts';
import { clickHouseWarehouseFactory } from '../connectors/clickhouse/index.ts';
import { pgChangeSourceFactory } from '../connectors/postgres/index.ts';
import { registerRedisConnectors } from '../connectors/redis/index.ts';

export function registerServiceConnectors(registry: ConnectorRegistry): void {
  registry.register(kafkaEventLogFactory);
  registry.register(clickHouseWarehouseFactory);
  registry.register(pgChangeSourceFactory);
  registerRedisConnectors(registry);
}
