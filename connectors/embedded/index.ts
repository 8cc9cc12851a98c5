/** The embedded connectors (default profile): one factory per implementation, registered explicitly. */
import type { ConnectorFactory, ConnectorRegistry } from '../registry.ts';
import { DuckDbWarehouse, duckDbWarehouseConfigSchema } from './duckdb-warehouse.ts';
import { MemoryEventLog, memoryEventLogConfigSchema } from './memory-event-log.ts';
import { MemoryOnlineStore, memoryOnlineStoreConfigSchema } from './memory-online-store.ts';
import { MemoryPubSub, memoryPubSubConfigSchema } from './memory-pub-sub.ts';
import { FileModelVersionRegistry, fileModelVersionRegistryConfigSchema } from './file-model-version-registry.ts';

export { createDuckDbWarehouse, DuckDbWarehouse, duckDbWarehouseConfigSchema, type DuckDbWarehouseConfig } from './duckdb-warehouse.ts';
export { createMemoryEventLog, MemoryEventLog, memoryEventLogConfigSchema, type MemoryEventLogConfig } from './memory-event-log.ts';
export { createMemoryOnlineStore, MemoryOnlineStore, memoryOnlineStoreConfigSchema, type MemoryOnlineStoreConfig } from './memory-online-store.ts';
export { createMemoryPubSub, MemoryPubSub, memoryPubSubConfigSchema, type MemoryPubSubConfig } from './memory-pub-sub.ts';
export { partitionForKey, murmur2 } from './murmur2.ts';
export { createFileModelVersionRegistry, FileModelVersionRegistry, fileModelVersionRegistryConfigSchema, type FileModelVersionRegistryConfig } from './file-model-version-registry.ts';
export { createMemoryModelRegistry } from './memory-model-registry.ts';

export const memoryEventLogFactory: ConnectorFactory<typeof memoryEventLogConfigSchema, MemoryEventLog> = {
  capability: 'eventLog',
  kind: 'memory',
  configSchema: memoryEventLogConfigSchema,
  create: (config, ctx) => new MemoryEventLog(config, ctx),
};

export const duckDbWarehouseFactory: ConnectorFactory<typeof duckDbWarehouseConfigSchema, DuckDbWarehouse> = {
  capability: 'warehouse',
  kind: 'duckdb',
  configSchema: duckDbWarehouseConfigSchema,
  create: (config, ctx) => new DuckDbWarehouse(config, ctx),
};

export const memoryOnlineStoreFactory: ConnectorFactory<typeof memoryOnlineStoreConfigSchema, MemoryOnlineStore> = {
  capability: 'onlineStore',
  kind: 'memory',
  configSchema: memoryOnlineStoreConfigSchema,
  create: (config, ctx) => new MemoryOnlineStore(config, ctx),
};

export const fileModelVersionRegistryFactory: ConnectorFactory<typeof fileModelVersionRegistryConfigSchema, FileModelVersionRegistry> = {
  capability: 'modelVersionRegistry',
  kind: 'file',
  configSchema: fileModelVersionRegistryConfigSchema,
  create: (config, ctx) => new FileModelVersionRegistry(config, ctx),
};

export const memoryPubSubFactory: ConnectorFactory<typeof memoryPubSubConfigSchema, MemoryPubSub> = {
  capability: 'pubSub',
  kind: 'memory',
  configSchema: memoryPubSubConfigSchema,
  create: (config, ctx) => new MemoryPubSub(config, ctx),
};

export function registerEmbeddedConnectors(registry: ConnectorRegistry): ConnectorRegistry {
  return registry
    .register(memoryEventLogFactory)
    .register(duckDbWarehouseFactory)
    .register(memoryOnlineStoreFactory)
    .register(memoryPubSubFactory)
    .register(fileModelVersionRegistryFactory);
}
