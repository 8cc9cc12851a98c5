/** The `services` profile's implementations: Kafka, ClickHouse, Redis, PostgreSQL CDC, S3 lake, MLflow registry. */
import type { ConnectorRegistry } from '../connectors/registry.ts';
import { kafkaEventLogFactory } from '../connectors/kafka/index.ts';
import { clickHouseWarehouseFactory } from '../connectors/clickhouse/index.ts';
import { pgChangeSourceFactory } from '../connectors/postgres/index.ts';
import { registerRedisConnectors } from '../connectors/redis/index.ts';
import { s3LakeStoreFactory } from '../connectors/s3/index.ts';
import { mlflowModelRegistryFactory } from '../connectors/mlflow/index.ts';

export function registerServiceConnectors(registry: ConnectorRegistry): void {
  registry.register(kafkaEventLogFactory);
  registry.register(clickHouseWarehouseFactory);
  registry.register(pgChangeSourceFactory);
  registerRedisConnectors(registry);
  registry.register(s3LakeStoreFactory);
  registry.register(mlflowModelRegistryFactory);
}
