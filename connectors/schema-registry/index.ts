/** Schema registry connectors: in-process (`memory`) and Confluent REST (`confluent`, e.g. Apicurio's ccompat API). */
import type { ConnectorFactory } from '../registry.ts';
import { ConfluentSchemaRegistry, confluentSchemaRegistryConfigSchema } from './confluent-schema-registry.ts';
import { MemorySchemaRegistry, memorySchemaRegistryConfigSchema } from './memory-schema-registry.ts';

export const memorySchemaRegistryFactory: ConnectorFactory<typeof memorySchemaRegistryConfigSchema, MemorySchemaRegistry> = {
  capability: 'schemaRegistry',
  kind: 'memory',
  configSchema: memorySchemaRegistryConfigSchema,
  create: (config, ctx) => new MemorySchemaRegistry(config, ctx),
};

export const confluentSchemaRegistryFactory: ConnectorFactory<typeof confluentSchemaRegistryConfigSchema, ConfluentSchemaRegistry> = {
  capability: 'schemaRegistry',
  kind: 'confluent',
  configSchema: confluentSchemaRegistryConfigSchema,
  create: (config, ctx) => new ConfluentSchemaRegistry(config, ctx),
};

export { ConfluentSchemaRegistry, confluentSchemaRegistryConfigSchema, type ConfluentSchemaRegistryConfig } from './confluent-schema-registry.ts';
export { MemorySchemaRegistry, memorySchemaRegistryConfigSchema, type MemorySchemaRegistryConfig } from './memory-schema-registry.ts';
export { EventWireCodec, type WireDecode } from './event-wire-codec.ts';
export { checkCompatibility, parseAvro } from './avro-compatibility.ts';
