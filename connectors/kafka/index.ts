/** The Kafka event log connector (kind 'kafka'), for the `services` profile. */
import type { ConnectorFactory } from '../registry.ts';
import { kafkaEventLogConfigSchema } from './kafka-config.ts';
import { KafkaEventLog } from './kafka-event-log.ts';

export const kafkaEventLogFactory: ConnectorFactory<typeof kafkaEventLogConfigSchema, KafkaEventLog> = {
  capability: 'eventLog',
  kind: 'kafka',
  configSchema: kafkaEventLogConfigSchema,
  create: (config, ctx) => new KafkaEventLog(config, ctx),
};

export { KafkaEventLog, createKafkaEventLog } from './kafka-event-log.ts';
export { kafkaEventLogConfigSchema, type KafkaEventLogConfig } from './kafka-config.ts';
export { kafkaPartitionFor } from './kafka-partitioner.ts';
